"""Which versions did a check use? Content hashes of the layers and of the rule and indicator files.

A layer's version is the SHA-256 of its content (attributes and geometry as read from the store), not
the catalog's ``version`` number: ``reset`` brings an old number back, and a later import reuses it for
other content. A rule or indicator file's version is the SHA-256 of its bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from pathlib import Path

from .. import settings
from ..store.content_hash import frame_sha256  # noqa: F401  (a layer's version; used here and re-exported)

#: the rule and indicator data files a site check reads (``dcf_spatial/data``): the plan's rules and
#: zones, over-capacity list, land-use control indicators and editions, industry codes and words, place
#: names. Each used version is kept in the register (small CSV/JSON), keyed by its hash.
RULE_FILES = (
    "plan_rules.json", "plan_zones.json", "overcapacity_industries.json",
    "land_control_rules.json", "land_control_editions.csv", "land_control_indicators_2008.csv",
    "land_control_indicators_2023.csv", "industry_words.csv", "gbt4754_2017.csv",
    "gbt4754_2017_contested.csv", "gbt4754_2017_to_2002.csv", "place_names.json",
)
#: the bureau's own indicator table loaded with ``dcf site indicators load`` (in the user's data folder),
#: recorded under this name when present
LOCAL_INDICATORS = "local/land_control_indicators_local.csv"

#: Chinese names of the recorded files, for the change lists
FILE_ZH = {
    "plan_rules.json": "规划核查规则表", "plan_zones.json": "规划分区表", "overcapacity_industries.json": "产能过剩行业表",
    "land_control_rules.json": "用地控制指标规则", "land_control_editions.csv": "用地控制指标版本表",
    "land_control_indicators_2008.csv": "用地控制指标（2008 版）", "land_control_indicators_2023.csv": "用地控制指标（2023 版）",
    "industry_words.csv": "行业词表", "gbt4754_2017.csv": "国民经济行业分类代码表",
    "gbt4754_2017_contested.csv": "行业分类争议表", "gbt4754_2017_to_2002.csv": "行业代码 2017→2002 对照表",
    "place_names.json": "地名表", LOCAL_INDICATORS: "本地用地控制指标表",
}


def site_layers() -> tuple[str, ...]:
    """The layer ids a site check reads (those present in the store are recorded)."""
    from ..queries.site.context import CORRIDOR_LAYERS, FRAME_LAYERS, ZONE_LAYERS

    return FRAME_LAYERS + ZONE_LAYERS + ("landuse",) + CORRIDOR_LAYERS


_LAYER_HASHES: dict = {}


#: where a catalog key without its location (``_key(...)[1:]``) holds the count of edits made outside dcf
KEY_OUTSIDE_EDITS = 6


def _key(location, lid, entry) -> tuple:
    # with the mark of an edit made outside dcf (a PostGIS layer table edited in QGIS): the content is then
    # hashed again, so a check names the version it used, not the one the catalog's number stood for
    return (str(location), lid, entry.get("version"), entry.get("history"), entry.get("sha256"),
            entry.get("updated_at"), entry.get("source"), entry.get("outside_edits"), str(entry.get("edited_outside_at")))


def layer_keys(store) -> dict:
    """``{layer id: catalog key}`` of the site-check layers: what changes whenever a layer is written.
    Taken before a check and compared when it is recorded (a layer replaced in between is caught)."""
    from ..store import catalog
    from ..store.locate import resolve_store

    location = resolve_store(store)
    entries = _catalog_entries(catalog._store(location))
    return {lid: _key(location, lid, entries[lid]) for lid in site_layers() if lid in entries}


def _catalog_entries(st) -> dict[str, dict]:
    """``{layer id: catalog row}`` in one read (a row each would open the store a dozen times per check);
    a store without a catalog raises :class:`~dcf_spatial.errors.InputError` saying so.

    A GeoPackage's rows are kept by its content stamp (which covers every catalog row): a recorded
    check asks before and after, and the desk asks for every request. A database answers in one round
    trip (:meth:`~dcf_spatial.store.backends.postgis.PostgisStore.catalog_dicts`), asked first: whether
    the catalog exists is asked only when it gave no row.

    Only the layers whose table is there: one dropped outside dcf (``DROP TABLE`` in psql or sqlite3, its catalog
    row left) is no layer a check read (it gives no verdict that needs it, queries/site/layer_gaps.py), and no
    version of it is recorded (reading it to hash it failed, and a check was refused)."""
    from ..errors import InputError

    if st.kind != "gpkg":
        from ..store.backends.postgis import TABLE_OID, TABLE_SHAPE

        rows = st.catalog_dicts(present=True)
        if not rows and not st.exists():
            raise InputError(st.missing_message())
        # as the catalog gives them (a recorded check keeps them), without the read's table oid and shape
        return {k: {c: v for c, v in r.items() if c not in (TABLE_OID, TABLE_SHAPE)} for k, r in rows.items()}
    if not st.exists():
        raise InputError(st.missing_message())
    from ..store.backends.gpkg import content_stamp

    key = (str(st.path), content_stamp(st.path))
    rows = _CATALOG_ROWS.get(key)
    if rows is None:
        rows = st.catalog_dicts(present=True)
        _CATALOG_ROWS[key] = rows
        while len(_CATALOG_ROWS) > 8:   # oldest first: a dict keeps insertion order
            _CATALOG_ROWS.pop(next(iter(_CATALOG_ROWS)))
    return {k: dict(v) for k, v in rows.items()}


_CATALOG_ROWS: dict = {}
#: ``{store location: catalog rows}`` kept for ``layer_versions(..., reuse_catalog=True)``
_REUSED_CATALOG: dict = {}


def forget_catalog() -> None:
    """Drop the catalog rows kept for ``layer_versions(..., reuse_catalog=True)``: the next such call
    reads the catalog again (a register write found it moved).

    Examples
    --------
    >>> forget_catalog()
    """
    _REUSED_CATALOG.clear()


def layer_versions(store, *, reuse_catalog: bool = False, copy_of=None) -> dict[str, dict]:
    """``{layer id: {"sha256", "version", "catalog": catalog row}}`` of the site-check layers in ``store``.

    Hashes are cached per catalog row (version, kept-history count, import hash, update time): a
    layer is re-read only when it changed.

    With ``reuse_catalog`` a PostGIS store's catalog is not read again when this process read it
    before with ``reuse_catalog`` (the rows of that read are used): only for a caller that compares
    the keys it gets with the catalog read inside its own transaction, as the register's writer does
    (:func:`dcf_spatial.register.tables.write_records`), and calls :func:`forget_catalog` when they
    differ. A GeoPackage's catalog is kept by its content stamp anyway.

    ``copy_of``: the store that ``store`` was copied from (an import preview's throw-away copy): a layer
    whose catalog row is the same in both holds the same content, so its hash is the original's (kept
    there), not computed again from the copy (a dozen layers read and hashed: ~0.4 s of every preview).

    Examples
    --------
    >>> v = layer_versions("layers/dcf_layers.gpkg")   # doctest: +SKIP
    >>> v["townships"]["sha256"][:8]                   # doctest: +SKIP
    """
    from ..store import catalog
    from ..store.locate import resolve_store

    location = resolve_store(store)
    st = catalog._store(location)
    from ..store.backends.postgis import fresh_catalog_reads

    for attempt in range(_TRIES):
        try:
            # after a change seen, neither a kept catalog read nor a desk's (catalog_watch) nor the scope's
            with fresh_catalog_reads() if attempt else contextlib.nullcontext():
                return _layer_versions(st, location, reuse_catalog=reuse_catalog, copy_of=copy_of)
        except _Moved:   # a layer changed while it was read: the catalog read again, and the layers
            forget_catalog()
    from ..errors import StoreChangedError, about

    raise about("store", StoreChangedError(
        f"图层库 {st.label} 中的图层在读取期间一再被修改（导入、恢复或在 dcf 之外编辑），无法确定其版本，"
        "本次未记入核查登记；请待修改完成后重新核查。"))


#: how often :func:`layer_versions` reads the layers again when one changed while it was read
_TRIES = 5


class _Moved(Exception):
    """A layer changed between the catalog read its key came from and the read of its content."""


def _layer_states(st, location, lids, stamped) -> dict:
    """``{lid: (catalog key, token)}`` of layers ``lids`` now, not from a kept read: the key as :func:`_key` makes it
    (with the stamp of its rows for a layer in ``stamped``: a table no trigger marks), and a token that moves
    whenever the layer is written and never comes back — a PostGIS catalog row's ``xmin`` with its table's oid and
    shape, a GeoPackage's content stamp (one stamp and one catalog read for all the layers: a look per layer cost
    a desk's first recorded check half a second). A layer not there now is left out."""
    if st.kind == "gpkg":
        from ..store.backends.gpkg import content_stamp

        token = content_stamp(st.path)
        entries = _catalog_entries(st)
        return {lid: (_key(location, lid, entries[lid]), token) for lid in lids if lid in entries}
    from ..store.backends.postgis import ROW_XMIN, TABLE_OID, TABLE_SHAPE

    out = {}
    for lid in lids:
        row = st.layer_state(lid)
        if row is None:
            continue
        entry = {c: v for c, v in row.items() if c not in (TABLE_OID, TABLE_SHAPE, ROW_XMIN)}
        key = _key(location, lid, entry)
        if lid in stamped:
            key += (st.table_stamps([lid]).get(lid),)
        out[lid] = key, (row[ROW_XMIN], row[TABLE_OID], row[TABLE_SHAPE])
    return out


def _content_hashes(st, location, held: dict, stamped) -> dict[str, str]:
    """``{lid: hash of the layer's content}`` for the keys ``held`` (``{lid: key}``): the layers read between two
    looks at them that both give those keys and the same tokens, so each content read is the one its key stands
    for (an import or reset between the catalog read and the content read would else hash the other content under
    this key, kept for the process's life — breaker3 B1). Raises :class:`_Moved` when a layer is not, or not
    stayed, at its key."""
    from ..store import catalog

    before = _layer_states(st, location, list(held), stamped)
    moved = [lid for lid, key in held.items() if lid not in before or before[lid][0] != key]
    if moved:
        raise _Moved(moved[0])
    hashes = {lid: frame_sha256(catalog.read_layer(lid, store=location)) for lid in held}
    if _layer_states(st, location, list(held), stamped) != before:
        raise _Moved(next(iter(held)))
    return hashes


def _layer_versions(st, location, *, reuse_catalog: bool, copy_of) -> dict[str, dict]:
    if reuse_catalog and st.kind != "gpkg":
        # the register writer's per-group catalog read (a round trip, a pooled connection and its
        # rows as dicts: an eighth of a PostGIS group commit's CPU, cProfile) is the catalog the
        # transaction reads again FOR SHARE; kept, and dropped when that read differs (forget_catalog)
        key = str(location)
        entries = _REUSED_CATALOG.get(key)
        if entries is None:
            entries = _REUSED_CATALOG[key] = _catalog_entries(st)
    else:
        entries = _catalog_entries(st)
    original = layer_versions(copy_of) if copy_of is not None else {}
    from ..queries.site.context import unwatched_stamps

    stamps = unwatched_stamps(st)
    out, held = {}, {}
    for lid in site_layers():
        entry = entries.get(lid)
        if entry is None:
            continue
        key = _key(location, lid, entry)
        same = original.get(lid)
        if key not in _LAYER_HASHES and same is not None and _key("", lid, same["catalog"]) == _key("", lid, entry):
            _LAYER_HASHES[key] = same["sha256"]
        # a table whose edits no trigger marks: its hash kept by the stamp of its rows too (an edit moves no catalog row)
        held[lid] = key + (stamps[lid],) if lid in stamps else key
        out[lid] = entry, key
    missing = {lid: h for lid, h in held.items() if h not in _LAYER_HASHES}
    if missing:   # read together between two looks (see _content_hashes)
        for lid, sha in _content_hashes(st, location, missing, stamps).items():
            _LAYER_HASHES[missing[lid]] = sha
    return {lid: {"sha256": _LAYER_HASHES[held[lid]], "version": int(entry["version"]), "catalog": entry, "key": key}
            for lid, (entry, key) in out.items()}


def file_paths() -> dict[str, Path]:
    """``{recorded name: path}`` of the rule and indicator files in effect now."""
    return {name: Path(path) for name, path in _file_names().items() if os.path.exists(path)}


def _file_names() -> dict[str, str]:
    """``{recorded name: path text}`` of every rule and indicator file that may be in effect (present or
    not), for the folders set now: built once per pair of folders. A desk's register commit asks for the
    files' versions every time, and building a dozen ``Path`` objects each time (pathlib's parsing) was a
    fifth of the commit's CPU (cProfile with a CPU clock, benchmarks/bench_serve.py)."""
    from ..queries.land_indicators import local_indicators_path

    key = (str(settings.data_dir), str(local_indicators_path()))
    names = _FILE_NAMES.get(key)
    if names is None:
        names = {name: os.path.join(key[0], name) for name in RULE_FILES}
        names[LOCAL_INDICATORS] = key[1]
        _FILE_NAMES.clear()   # one pair of folders at a time (tests change them; a process keeps one)
        _FILE_NAMES[key] = names
    return names


_FILE_NAMES: dict = {}


def file_versions() -> dict[str, tuple[str, bytes]]:
    """``{recorded name: (sha256, content)}`` of the rule and indicator files in effect now."""
    out = {}
    for name, path in _file_names().items():
        try:
            st = os.stat(path)
        except FileNotFoundError:   # not there (the local indicator table unless loaded): not recorded
            continue
        stamp = (path, st.st_ino, st.st_mtime_ns, st.st_size)
        known = _FILE_HASHES.get(name)
        # read and hashed again only when the file changed (every recorded check asks; the files are
        # a few MB); a file written within the last second is read again, as its mtime may not move
        if known is None or known[0] != stamp or time.time_ns() - st.st_mtime_ns <= 1_000_000_000:
            with open(path, "rb") as fh:
                data = fh.read()
            known = _FILE_HASHES[name] = (stamp, hashlib.sha256(data).hexdigest(), data)
        out[name] = (known[1], known[2])
    return out


_FILE_HASHES: dict = {}


def version_set_id(layers: dict, files: dict) -> str:
    """The id of a version set: 12 hex digits of the SHA-256 of its layer and rule-file hashes.

    ``dcf site history`` and ``dcf layers versions`` print it; ``dcf site recheck --against ID``
    re-runs recorded checks against that set.

    Examples
    --------
    >>> version_set_id({"townships": "ab"}, {"plan_rules.json": "cd"}) == version_set_id({"townships": "ab"}, {"plan_rules.json": "cd"})
    True
    >>> len(version_set_id({}, {}))
    12
    """
    import json

    text = json.dumps({"layers": dict(layers), "files": dict(files)}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
