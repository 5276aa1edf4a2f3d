"""Run a recorded check again: against the current layers and rules, or against the versions it
recorded (a throw-away store rebuilt from the kept layer versions, and the kept rule files)."""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from .. import settings
from ..errors import InputError
from . import tables, versions

#: the result keys that say where a row sat in a batch file; copied from the record, not recomputed
PLACE_KEYS = ("row", "source_row", "row_label", "status", "error")
_SWAP = threading.Lock()


def _clear_caches() -> None:
    """Forget every cached rule table and layer context of the package (the files are about to change)."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("dcf_spatial") or module is None:
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", "") == name:
                clear()
    from ..queries.site import context

    context._CONTEXT_CACHE.clear()


def _context(store, advice_store):
    """The check context of ``store``; its reasons' repair advice names the kept versions of ``advice_store``
    when given (``store`` is then a throw-away copy of recorded versions, which keeps none)."""
    import dataclasses

    from ..queries.site.context import load_context

    ctx = load_context(store)
    return dataclasses.replace(ctx, advice_store=str(advice_store)) if advice_store else ctx


def run(entry: dict, store, *, advice_store=None) -> dict:
    """The result of ``entry`` (a register row) run against ``store`` with the rule files in effect; a reason's
    repair advice names the kept versions of ``advice_store`` (default: ``store``)."""
    import geopandas as gpd
    import numpy as np

    from ..industry import checkable, resolve
    from ..queries.site.check import site_geometry
    from ..queries.site.rules import evaluate

    rerun = json.loads(entry["rerun"])
    recorded = json.loads(entry["result"])
    geom = entry["geometry"]
    parts = list(geom.geoms) if rerun.get("parts", 1) > 1 and hasattr(geom, "geoms") else [geom]
    g = site_geometry(gpd.GeoDataFrame(geometry=parts, crs=settings.storage_crs))
    m = resolve(rerun["industry"])
    if not checkable(m):
        return {**{k: recorded[k] for k in PLACE_KEYS if k in recorded}, "status": "error",
                "error": f"行业 {rerun['industry']!r} 按现行行业词表无法确定代码", "verdict": None}
    # a site given by a place name is run again as one ("somewhere in that unit", queries/site/rules/named.py)
    from_name = (recorded.get("site") or {}).get("from_name")
    res = evaluate(_context(store, advice_store), np.array([g], dtype=object), [m], [rerun.get("figures") or {}],
                   [rerun.get("flags") or {}], named=[from_name or None], row_errors=True)[0]
    if res.get("status") == "error":  # a word of several codes whose verdicts now differ: the code must be chosen
        return {**{k: recorded[k] for k in PLACE_KEYS if k in recorded}, **res, "verdict": None}
    out = {**{k: recorded[k] for k in PLACE_KEYS if k in recorded}, **res}
    if from_name and isinstance(out.get("site"), dict):
        out["site"]["from_name"] = from_name
    return json.loads(json.dumps(out, ensure_ascii=False, default=str))


def check_key(entry: dict, recorded: dict, spec: dict | None = None) -> tuple:
    """What a re-run of register row ``entry`` depends on: its site (WKB), whether it was several parts,
    industry word, figures, flags and the place name it was given by. Rows with equal keys get equal
    answers against the same layers and rules."""
    import shapely

    spec = spec if spec is not None else json.loads(entry["rerun"])
    geom = entry["geometry"]

    def text(value):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)

    return (None if geom is None else shapely.to_wkb(geom, hex=True), spec.get("parts", 1) > 1, spec["industry"],
            text(spec.get("figures") or {}), text(spec.get("flags") or {}),
            text((recorded.get("site") or {}).get("from_name")))


def run_many(entries: list[dict], store, *, recorded: list[dict] | None = None, keys: list | None = None,
             advice_store=None) -> list[dict]:
    """The results of many register rows run against ``store``, in order — what :func:`run` gives each.

    A check re-run is a function of its site, industry, figures, flags and place name only, so identical
    re-checks (the desk records every check: a clerk pressing 核查 again, a batch file sent twice) are
    run once and their answer shared; the distinct ones go through the batch path in one
    :func:`~dcf_spatial.queries.site.rules.evaluate` call, as ``dcf site check --batch`` does.

    Parameters
    ----------
    entries
        Register rows (``rerun``, ``result``, ``geometry`` …) as :func:`~dcf_spatial.register.tables.read_records` gives.
    store
        The store whose layers the checks run against.
    recorded
        The rows' recorded results, already parsed (``json.loads(entry["result"])``), to parse them once.
    keys
        The rows' :func:`check_key`, when the caller has them.
    advice_store
        The store whose kept versions a reason's repair advice names (default: ``store``).

    Returns
    -------
    list of dict
        One result per entry; entries that share a check share its nested dicts (read them, do not change them).
    """
    import geopandas as gpd
    import numpy as np

    from ..crs import to_working
    from ..industry import checkable, resolve
    from ..queries.site.batch import BATCH_CHUNK_ROWS
    from ..queries.site.check import _checkable, site_geometry
    from ..queries.site.rules import evaluate

    recorded = recorded if recorded is not None else [json.loads(e["result"]) for e in entries]
    keys = list(keys) if keys is not None else [None] * len(entries)
    unique = {}
    for i, (entry, old) in enumerate(zip(entries, recorded)):
        spec = json.loads(entry["rerun"])
        key = keys[i] = keys[i] if keys[i] is not None else check_key(entry, old, spec)
        if key not in unique:
            geom = entry["geometry"]
            parts = spec.get("parts", 1) > 1 and hasattr(geom, "geoms")
            unique[key] = (geom, parts, spec, (old.get("site") or {}).get("from_name"))
    # the sites in the working CRS: one projection for all single-part sites, as site_geometry would give each
    specs = list(unique.values())
    single = [i for i, (g, parts, _, _) in enumerate(specs) if not parts]
    geoms_w = [None] * len(specs)
    if single:
        frame = gpd.GeoDataFrame(geometry=[specs[i][0] for i in single], crs=settings.storage_crs)
        for i, g in zip(single, to_working(frame).geometry.values):
            geoms_w[i] = _checkable(g)
    for i, (g, parts, _, _) in enumerate(specs):
        if parts:
            geoms_w[i] = site_geometry(gpd.GeoDataFrame(geometry=list(g.geoms), crs=settings.storage_crs))
    matches, answers, good = {}, [None] * len(specs), []
    for i, (_, _, spec, _) in enumerate(specs):
        word = spec["industry"]
        m = matches[word] if word in matches else matches.setdefault(word, resolve(word))
        if checkable(m):
            good.append(i)
        else:
            answers[i] = {"status": "error", "error": f"行业 {word!r} 按现行行业词表无法确定代码", "verdict": None}
    ctx = _context(store, advice_store) if good else None
    for start in range(0, len(good), BATCH_CHUNK_ROWS):  # bounded memory, as a batch file is checked
        part = good[start:start + BATCH_CHUNK_ROWS]
        res = evaluate(ctx, np.array([geoms_w[i] for i in part], dtype=object),
                       [matches[specs[i][2]["industry"]] for i in part], [specs[i][2].get("figures") or {} for i in part],
                       [specs[i][2].get("flags") or {} for i in part], named=[specs[i][3] or None for i in part],
                       row_errors=True)
        for i, r in zip(part, res):
            if r.get("status") == "error":
                answers[i] = {**r, "verdict": None}
                continue
            from_name = specs[i][3]
            if from_name and isinstance(r.get("site"), dict):
                r["site"]["from_name"] = from_name
            answers[i] = json.loads(json.dumps(r, ensure_ascii=False, default=str))
    by_key = dict(zip(unique, answers))
    out = []
    for key, old in zip(keys, recorded):
        answer = by_key[key]
        place = {k: old[k] for k in PLACE_KEYS if k in old}
        out.append({**place, **answer})
    return out


@contextlib.contextmanager
def recorded_versions(st, entry: dict):
    """Inside the block the package reads the rule files ``entry`` recorded; yields a throw-away
    GeoPackage holding the layer versions it recorded. Raises :class:`InputError` naming what is
    missing when the register does not hold a version.

    Not thread safe against other checks running in the same process (the rule files are read
    through module settings); a lock keeps two reproductions apart.
    """
    from ..store.backends.gpkg import GpkgStore
    from ..store.backends.names import CATALOG_COLUMNS
    from ..queries.land_indicators import LOCAL_FILE

    layers = json.loads(entry["layers"])
    files = json.loads(entry["files"])
    with _SWAP, tempfile.TemporaryDirectory(prefix="dcf_register_") as tmp:
        tmp = Path(tmp)
        target = GpkgStore(tmp / "recorded.gpkg")
        for lid, sha in layers.items():
            kept = tables.read_layer_version(st, lid, sha)
            if kept is None:
                raise InputError(f"登记 {entry['id']}：图层 {lid} 的所用版本（{sha[:12]}）不在图层库 {st.label} 的登记中，无法重现。")
            gdf, row = kept
            row = {k: v for k, v in row.items() if k in CATALOG_COLUMNS}
            target.commit_layer(gdf, lid, row)
        data_dir, user_dir = tmp / "data", tmp / "user"
        shutil.copytree(settings.data_dir, data_dir)
        user_dir.mkdir()
        for name, sha in files.items():
            content = tables.read_file_version(st, name, sha)
            if content is None:
                raise InputError(f"登记 {entry['id']}：规则文件 {name} 的所用版本（{sha[:12]}）不在图层库 {st.label} 的登记中，无法重现。")
            path = user_dir / LOCAL_FILE if name == versions.LOCAL_INDICATORS else data_dir / name
            path.write_bytes(content)
        old = settings.data_dir, settings.user_data_dir
        settings.data_dir, settings.user_data_dir = data_dir, user_dir
        _clear_caches()
        try:
            yield target.path
        finally:
            settings.data_dir, settings.user_data_dir = old
            _clear_caches()
