"""The layers a site check reads, loaded once: zone geometry in the working CRS with STRtrees.

:func:`load_context` reads the frame layers (district, townships, other_units) and the plan's zone
layers from the store, projects them to EPSG:4548 and builds one STRtree per layer (cached per
GeoPackage and modification time). :func:`site_overlaps` answers "which zones does each site touch,
by how much" for a whole batch at once.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ... import plan, settings
from ...store.backends import catalog_watch
from ...store.backends.gpkg_edits import UNWATCHED

logger = logging.getLogger(__name__)

#: zone layers a site is checked against (the kinds' zone_layers in plan_rules.json name these)
ZONE_LAYERS = ("industrial_clusters", "cluster_parks", "agri_zones", "service_core", "service_belts",
               "service_groups", "service_points")
from ...store.frame_gap import FRAME_LAYERS  # noqa: E402  (the frame layers, named where the store tests them)
#: line layers read for the ecological-corridor reason (plan_rules.json → eco_corridors); optional
CORRIDOR_LAYERS = ("canal", "rivers")


@dataclass
class ZoneLayer:
    """One layer prepared for fast queries: geometry in the working CRS and an STRtree."""

    layer_id: str
    title_zh: str
    provenance: str
    ids: np.ndarray
    names: np.ndarray
    plan_refs: np.ndarray
    codes: list
    geoms: np.ndarray
    tree: object
    is_point: bool
    #: the designated codes of the layer attribute / plan_zones.json alone (``codes`` adds ``zone_rules`` → ``also``)
    base_codes: list = field(default_factory=list)
    #: a child layer (a functional park, :mod:`dcf_spatial.store.nesting`): ``{zone index: (its part outside its
    #: parent, parent layer id, parent index)}``; ``geoms`` holds only the part inside the parent
    outside: dict = field(default_factory=dict)


@dataclass
class PlanContext:
    """The layers a site check needs, loaded once (:func:`load_context`)."""

    layers: dict = field(default_factory=dict)
    store: str = ""
    #: the imported current land use (``landuse``: 三调 DLTB), or ``None`` (see rules/landuse.py)
    landuse: object = None
    #: ``{layer id: {feature id: geometry in EPSG:4548}}`` of :data:`CORRIDOR_LAYERS` (absent layers left out)
    corridors: dict = field(default_factory=dict)
    #: ``{layer id: (title, {"edits", "at"})}`` of the layers read whose table was edited outside dcf
    #: since dcf last wrote it (store/backends/outside_edits.py): no recorded version holds what was read
    edited: dict = field(default_factory=dict)
    #: the layers read whose table lacks (GeoPackage: has not yet) its trigger: an edit outside dcf would go unmarked
    #: (:func:`store_key`)
    unwatched: tuple = ()
    #: the store whose kept versions a reason's repair advice names, when not :attr:`store`: a reproduction
    #: (register/rerun.py) reads a throw-away copy of the recorded versions, which keeps none (breaker B31-7)
    advice_store: str = ""

    def title_of(self, layer_id: str) -> str:
        """The Chinese title of a layer read (its id when the context holds no title for it)."""
        if layer_id in self.layers:
            return self.layers[layer_id].title_zh
        if layer_id == "landuse" and self.landuse is not None:
            return self.landuse.title_zh
        return layer_id
    #: ``{layer id: "missing" | "empty" | a problem of store/layer_health.py}`` of the frame, zone and land-use layers
    #: the store lacks, holds with no feature or holds broken (layer_gaps.py: a verdict that needs one is not given)
    unreadable: dict = field(default_factory=dict)
    #: ``{layer id: sentence}``: what store/layer_health.py found wrong with a layer of :attr:`unreadable`
    problems_zh: dict = field(default_factory=dict)
    #: ``[{"layer", "kind": "invalid" | "frame_gap", "geom" (working CRS), "text_zh"}]``: places where a layer cannot
    #: be trusted (an invalid feature's extent, district area no township covers): a site there gets no verdict
    local: list = field(default_factory=list)

    def provenance(self, used) -> dict:
        from ...errors import full_stop
        from ...store.catalog import PROVENANCE_ZH

        rows = [{"layer": lid, "title_zh": self.layers[lid].title_zh, "provenance": self.layers[lid].provenance,
                 "provenance_zh": "、".join(PROVENANCE_ZH.get(p, p) for p in self.layers[lid].provenance.split("/"))}
                for lid in used if lid in self.layers]
        schematic = [r for r in rows if "schematic" in r["provenance"]]
        note = ("所用图层中以下为示意数据（非权威边界，结论仅供参考）：" + "、".join(r["title_zh"] for r in schematic)
                if schematic else "所用图层均为权威或参考数据。")
        out = {"layers": rows, "schematic_layers": [r["layer"] for r in schematic], "note_zh": note}
        if self.edited:   # every layer the check read (frame, zones, land use, corridors): said of all
            from ...store.backends.outside_edits import sentence_zh

            out["edited_outside"] = [{"layer": lid, "title_zh": title, "at": mark["at"], "edits": mark["edits"]}
                                     for lid, (title, mark) in sorted(self.edited.items())]
            out["note_zh"] = full_stop(note) + "注意：" + "；".join(sentence_zh(lid, title, mark) for lid, (title, mark)
                                                        in sorted(self.edited.items())) + \
                "，本次核查依据编辑后的图层，结论所依据的图层内容不对应任何已登记的图层版本。"
        if self.unwatched:   # said of every check until the trigger is back
            from ...store.backends.outside_edits import unwatched_sentence_zh

            out["edits_unwatched"] = [{"layer": lid, "title_zh": self.title_of(lid)} for lid in self.unwatched]
            out["note_zh"] = full_stop(out["note_zh"]) + "注意：" + unwatched_sentence_zh([(lid, self.title_of(lid)) for lid in self.unwatched],
                                                             gpkg="://" not in self.store)
        return out


_CONTEXT_CACHE: dict = {}


def load_context(store=None) -> PlanContext:
    """Read the frame and zone layers from the store, project them and build STRtrees (cached).

    Parameters
    ----------
    store
        A GeoPackage path or ``postgresql://`` URL; ``None`` uses the active store.

    Returns
    -------
    PlanContext
        The prepared layers; pass it to repeated checks to skip the loading.

    Examples
    --------
    >>> ctx = load_context()  # doctest: +SKIP
    >>> sorted(ctx.layers)[:2]  # doctest: +SKIP
    ['agri_zones', 'cluster_parks']
    """
    import shapely

    from ...crs import to_working
    from ...store import catalog
    from ...store.backends import mask_url
    from ...store.locate import resolve_store

    path = resolve_store(store)
    key = asked = store_key(path)
    if key is not None and key in _CONTEXT_CACHE:
        return _CONTEXT_CACHE[key]
    t0 = time.perf_counter()
    disk = _disk_cache_file(path, key)
    parts = _read_disk_cache(disk) if disk is not None else None
    if parts is None:
        parts, key = _read_settled(path, key, catalog, to_working)
        disk = _disk_cache_file(path, key) if key is not None else None
        if disk is not None:
            _write_disk_cache(disk, parts)
    else:
        for lid in parts["missing"]:
            _warn_missing(lid, path)
    ctx = _context_from_parts(parts, str(path))
    ctx.unwatched = unwatched_in_key(asked if key is None else key)
    if key is not None:
        _CONTEXT_CACHE.clear()
        _CONTEXT_CACHE[key] = ctx
    logger.info("Loaded %d layers for site checks from %s in %.2f s%s", len(ctx.layers), mask_url(path),
                time.perf_counter() - t0, " (prepared copy)" if parts.get("from_disk") else "")
    return ctx


#: how many times the layers are read again when the store changed while they were read
SETTLE_TRIES = 5


def _read_settled(path, key, catalog, to_working) -> tuple[dict, tuple | None]:
    """:func:`_read_parts` of ONE state of the store: the layers are read one by one, so an import or a
    push committed meanwhile would give some old layers and some new (a push is one change of the
    store, and a check must see it whole). The store's key (:func:`store_key`, read fresh) is compared
    after the reads with ``key``, read before them; when it moved, everything is read again. Returns the
    parts and the key they were read under (``None``: the store kept changing, do not keep them)."""
    from ...store.backends import mask_url
    from ...store.backends.postgis import fresh_catalog_reads

    for _ in range(SETTLE_TRIES):
        parts = _read_parts(path, catalog, to_working)
        with fresh_catalog_reads():   # not the catalog this check read before (one_catalog_read)
            now = store_key(path)
        if now == key:
            return parts, key
        logger.info("Store %s changed while its layers were read: reading them again", mask_url(path))
        key = now
    return parts, None


def _read_parts(path, catalog, to_working) -> dict:
    """What a context is built from, read from the store: per layer its attributes and its geometry in
    the working CRS (the slow part: reading the GeoPackage with geopandas and projecting it)."""
    from ...store.backends import mask_url
    from ...store.nesting import CHILD_LAYERS

    from ...errors import LayerUnreadableError
    from ...store import layer_health

    parts: dict = {"layers": {}, "missing": [], "empty": [], "landuse": None, "corridors": {}, "edited": {},
                   "broken": {}, "local": []}

    def edited(lid, gdf):
        mark = gdf.attrs.get("edited_outside")
        if mark:
            parts["edited"][lid] = (str(gdf.attrs.get("title_zh") or lid), dict(mark))

    for lid in FRAME_LAYERS + ZONE_LAYERS:
        if not catalog.has_layer(lid, path):
            if lid in ("district", "townships"):
                catalog.read_layer(lid, store=path)  # raises LayerNotFoundError with the fix
            _warn_missing(lid, path)
            parts["missing"].append(lid)
            continue
        try:
            gdf = catalog.read_layer(lid, store=path)
        except LayerUnreadableError as exc:   # its geometry column renamed outside dcf (store/layer_health.py)
            logger.warning("图层 %s：%s；依赖它的选址核查无法给出结论", lid, exc.cause_zh)
            parts["broken"][lid] = ["unreadable", exc.cause_zh]
            continue
        edited(lid, gdf)
        if not len(gdf):   # emptied outside dcf (TRUNCATE, all deleted in QGIS): no verdict reads it (layer_gaps.py)
            logger.info("Layer %s of %s is empty: checks that need it give no verdict", lid, mask_url(path))
            parts["empty"].append(lid)
        health = layer_health.assess(gdf, lid)   # no geometry, another type or CRS, invalid features
        if health.problem:
            logger.warning("图层 %s：%s；依赖它的选址核查无法给出结论", lid, health.detail_zh)
            parts["broken"][lid] = [health.problem, health.detail_zh]
        parts["local"] += layer_health.invalid_places(health, lid, to_working)
        gdf = health.gdf
        w = to_working(gdf)
        values = gdf["industries_gbt4754"].tolist() if "industries_gbt4754" in gdf else [None] * len(gdf)
        parts["layers"][lid] = {
            "title_zh": gdf.attrs.get("title_zh") or lid,
            "provenance": str(gdf.attrs.get("provenance") or "/".join(sorted(set(gdf["provenance"])))),
            "raw_ids": gdf["id"].tolist(), "ids": gdf["id"].astype(str).tolist(),
            "names": gdf["name_zh"].astype(str).tolist(),
            "plan_refs": gdf["plan_ref"].fillna("").astype(str).tolist(), "industries": values,
            "is_point": bool(len(gdf)) and gdf.geom_type.iloc[0] in ("Point", "MultiPoint"),
            "geoms": np.asarray(w.geometry.values, dtype=object)}
        if lid in CHILD_LAYERS and CHILD_LAYERS[lid][0] in gdf.columns:  # a park's cluster (store/nesting.py)
            parts["layers"][lid]["parent_keys"] = [None if v is None or v != v else str(v)
                                                   for v in gdf[CHILD_LAYERS[lid][0]]]
    parts["local"] += layer_health.frame_places(parts, FRAME_LAYERS)
    if catalog.has_layer("landuse", path):
        gdf = layer_health.without_missing(catalog.read_layer("landuse", store=path), "landuse")
        gdf = layer_health.assess(gdf, "landuse").gdf if len(gdf) else gdf   # invalid patches repaired in memory
        edited("landuse", gdf)
        if not len(gdf):
            # an imported land use with no patch: "not checked, the layer is empty", never "0 % 耕地" (rules/landuse.py)
            parts["empty"].append("landuse")
        else:
            w = to_working(gdf)
            parts["landuse"] = {
                "title_zh": gdf.attrs.get("title_zh") or "土地利用现状",
                "provenance": str(gdf.attrs.get("provenance") or "/".join(sorted(set(gdf["provenance"])))),
                "source": str(gdf["source"].iloc[0]) if "source" in gdf.columns and len(gdf) else "",
                "codes": gdf["land_use_code"].astype(str).tolist(), "geoms": np.asarray(w.geometry.values, dtype=object)}
    for lid in CORRIDOR_LAYERS:
        if catalog.has_layer(lid, path):
            gdf = layer_health.without_missing(catalog.read_layer(lid, store=path), lid)
            edited(lid, gdf)
            w = to_working(gdf)
            parts["corridors"][lid] = {"ids": w["id"].astype(str).tolist(),
                                       "geoms": np.asarray(w.geometry.values, dtype=object)}
    return parts


def _warn_missing(lid: str, path) -> None:
    from ...store.backends import mask_url

    logger.warning("图层 %s 不在图层库 %s 中，依赖它的选址核查无法给出结论（dcf layers doctor 列出缺失的图层）", lid, mask_url(path))


def _context_from_parts(parts: dict, store: str) -> PlanContext:
    """The context of :func:`load_context`: STRtrees over the geometry and the zones' industries, which
    come from the plan's rule files as they are now (so a prepared copy of the layers never holds them)."""
    import shapely

    ctx = PlanContext(store=store, edited=dict(parts.get("edited") or {}),
                      unreadable={**{lid: "missing" for lid in parts["missing"]},
                                  **{lid: "empty" for lid in parts.get("empty", ())},
                                  **{lid: p for lid, (p, _) in parts["broken"].items()}},
                      problems_zh={lid: text for lid, (_, text) in parts["broken"].items()},
                      local=[dict(f, geom=shapely.from_wkt(f["wkt"])) for f in parts["local"]])
    for lid, part in parts["layers"].items():
        geoms, outside = _inside_parent(lid, part, parts["layers"])
        shapely.prepare(geoms)
        raw_ids, values = part["raw_ids"], part["industries"]
        ctx.layers[lid] = ZoneLayer(
            layer_id=lid, title_zh=part["title_zh"], provenance=part["provenance"],
            ids=np.asarray(part["ids"], dtype=object), names=np.asarray(part["names"], dtype=object),
            plan_refs=np.asarray(part["plan_refs"], dtype=object),
            codes=[plan.zone_codes(i, v) for i, v in zip(raw_ids, values)], geoms=geoms,
            tree=shapely.STRtree(geoms), is_point=part["is_point"],
            base_codes=[plan.parse_codes(v) or plan.parse_codes(plan.zones().get(i, {}).get("industries_gbt4754"))
                        for i, v in zip(raw_ids, values)], outside=outside)
    lu = parts["landuse"]
    if lu is not None:
        shapely.prepare(lu["geoms"])
        ctx.landuse = LandUseLayer(title_zh=lu["title_zh"], provenance=lu["provenance"], source=lu["source"],
                                   codes=np.asarray(lu["codes"], dtype=object), geoms=lu["geoms"],
                                   tree=shapely.STRtree(lu["geoms"]))
    for lid, part in parts["corridors"].items():
        ctx.corridors[lid] = dict(zip(part["ids"], part["geoms"]))
    return ctx


def _inside_parent(lid: str, part: dict, layers: dict):
    """``(geoms, outside)``: the layer's geometry, a child layer's (a functional park's) cut to its parent (its
    cluster); ``outside`` as :attr:`ZoneLayer.outside`.

    第八章第一节 draws the parks as the “产业园区分区” of their cluster, and the cluster layer is the one a bureau
    replaces with its authoritative boundary: where the two disagree, a park is in force only inside its cluster
    (rules/location.py says where a site lies in a park's part outside it). A park whose key names no cluster is
    kept whole (the import preview and ``dcf layers doctor`` name it).
    """
    from ...store.nesting import CHILD_LAYERS, clip_to_parents

    geoms = part["geoms"]
    parent = layers.get(CHILD_LAYERS.get(lid, ("", ""))[1])
    if parent is None or "parent_keys" not in part:
        return geoms, {}
    geoms, found = clip_to_parents(geoms, part["parent_keys"], parent["geoms"], parent["ids"])
    return geoms, {i: (rest, CHILD_LAYERS[lid][1], j) for i, (rest, j) in found.items()}


# --- the prepared copy on disk ---------------------------------------------------------------------
# A `dcf site check` from the shell is one process per check: reading seven layers with geopandas and
# projecting them cost ~0.5 s of its start-up. The projected geometry (WKB) and the attributes are kept
# in one .npz in the user cache, named by the SHA-256 of the GeoPackage's bytes (and its -wal), the
# library versions that project and the format: any import into the store changes the bytes, so a
# changed store is never answered from an old copy. Read with allow_pickle=False: a cache file holds
# data only, never code.

#: bump when the layout of the cached file changes (2: a park's cluster, ``parent_keys``; 3: the empty layers;
#: 4: the layers edited outside dcf; 5: the broken layers and untrusted places, store/layer_health.py)
DISK_FORMAT = 5
#: prepared copies kept (one per store content); older ones are removed when a new one is written
DISK_KEEP = 8


def cache_dir() -> Path:
    """Where prepared copies of the site-check layers are kept: ``$DCF_CACHE_DIR/context`` or
    ``~/.cache/dcf_spatial/context`` (``XDG_CACHE_HOME`` respected)."""
    import os

    base = os.environ.get("DCF_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "dcf_spatial")
    return Path(base) / "context"


def _disk_cache_file(store, key: tuple | None = None) -> Path | None:
    """The prepared copy's file for a GeoPackage store (by its content stamp; ``key``: the
    :func:`store_key` already read), or None (a database; no file)."""
    import hashlib
    import os

    import pyproj
    import shapely

    from ... import __version__

    text = str(store)
    if "://" in text or os.environ.get("DCF_NO_CONTEXT_CACHE"):
        return None
    p = Path(text)
    if not p.is_file():
        return None
    h = hashlib.sha256(f"{DISK_FORMAT}|{__version__}|{settings.working_crs}|{shapely.__version__}|"
                       f"{pyproj.__version__}|{pyproj.proj_version_str}|".encode())
    # the store's content stamp (its layers' last changes and the catalog), not its bytes: reading the
    # whole file cost time on every start, and a recorded check, which writes only the register, would
    # throw the copy away
    if key is None:
        from ...store.backends.gpkg import content_stamp

        key = (str(p.resolve()),) + content_stamp(p)
    h.update(repr(tuple(key)).encode())
    return cache_dir() / f"context-{h.hexdigest()[:40]}.npz"


def _write_disk_cache(file: Path, parts: dict) -> None:
    import json
    import os
    import tempfile

    import shapely

    groups = [("layers", lid, part) for lid, part in parts["layers"].items()]
    if parts["landuse"] is not None:
        groups.append(("landuse", "landuse", parts["landuse"]))
    groups += [("corridors", lid, part) for lid, part in parts["corridors"].items()]
    meta, blobs, offsets = {"format": DISK_FORMAT, "missing": parts["missing"], "empty": parts["empty"],
                            "edited": parts.get("edited") or {}, "broken": parts["broken"], "local": parts["local"],
                            "groups": []}, [], [0]
    for group, lid, part in groups:
        wkb = shapely.to_wkb(part["geoms"], hex=False, output_dimension=3, include_srid=False)
        blobs.extend(wkb)
        offsets.extend(np.cumsum([len(b) for b in wkb]) + offsets[-1])
        meta["groups"].append({"group": group, "id": lid, "n": len(wkb),
                               **{k: v for k, v in part.items() if k != "geoms"}})
    try:
        text = json.dumps(meta, ensure_ascii=False, allow_nan=True)
    except TypeError:  # an attribute that is no JSON value (a bureau's odd column type): not kept
        logger.debug("site-check layers not cached: an attribute is no JSON value")
        return
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=file.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, meta=np.frombuffer(text.encode("utf-8"), dtype=np.uint8),
                     wkb=np.frombuffer(b"".join(blobs), dtype=np.uint8), offsets=np.asarray(offsets, dtype=np.int64))
        os.replace(tmp, file)  # atomic: a concurrent reader sees the old file or the whole new one
        old = sorted(file.parent.glob("context-*.npz"), key=lambda f: f.stat().st_mtime, reverse=True)[DISK_KEEP:]
        for f in old:
            f.unlink(missing_ok=True)
    except OSError as exc:  # a read-only cache folder: the next run reads the store again
        logger.debug("site-check layers not cached in %s: %s", file.parent, exc)


def _read_disk_cache(file: Path) -> dict | None:
    import json

    import shapely

    if not file.is_file():
        return None
    try:
        with np.load(file, allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode("utf-8"))
            data, offsets = z["wkb"].tobytes(), z["offsets"]
    except (OSError, ValueError, KeyError) as exc:  # a damaged copy: read the store instead
        logger.debug("prepared site-check layers %s unreadable (%s); reading the store", file, exc)
        return None
    if meta.get("format") != DISK_FORMAT:
        return None
    parts: dict = {"layers": {}, "missing": meta["missing"], "empty": meta["empty"], "landuse": None, "corridors": {},
                   "edited": {lid: (title, mark) for lid, (title, mark) in meta.get("edited", {}).items()},
                   "broken": meta["broken"], "local": meta["local"], "from_disk": True}
    at = 0
    for g in meta["groups"]:
        n = g.pop("n")
        wkb = [data[offsets[i]:offsets[i + 1]] for i in range(at, at + n)]
        at += n
        geoms = np.empty(n, dtype=object)
        geoms[:] = list(shapely.from_wkb(wkb)) if n else []
        group, lid = g.pop("group"), g.pop("id")
        g["geoms"] = geoms
        if group == "layers":
            parts["layers"][lid] = g
        elif group == "landuse":
            parts["landuse"] = g
        else:
            parts["corridors"][lid] = g
    return parts


@dataclass
class LandUseLayer:
    """The imported land-use patches in the working CRS: codes, an STRtree and where they came from."""

    title_zh: str
    provenance: str
    source: str
    codes: np.ndarray
    geoms: np.ndarray
    tree: object


def store_key(store):
    """Cache key of a store: a GeoPackage by path and content stamp (its layers and catalog, not the
    register; :func:`~dcf_spatial.store.backends.gpkg.content_stamp`); a database by its URL and
    its layer catalog (each layer's version, kept versions, time of the last write and file hash —
    every write through the store, from any session, changes them — and the oid and shape of each layer's table,
    which a ``DROP TABLE`` or an ``ALTER TABLE`` outside dcf changes). One catalog query per check instead of reading a dozen
    layers from the database (about a second per check); a desk asks it at most every
    :data:`~dcf_spatial.store.backends.catalog_watch.MAX_AGE_S` between the catalog's changes."""
    text = str(store)
    if "://" in text:
        from ...store import catalog
        from ...store.backends.postgis import TABLE_OID, TABLE_SHAPE

        # the catalog as plain rows in one query (through pandas it cost ~9 ms of CPU per request)
        st = catalog.open_store(text)
        rows = st.catalog_dicts()
        if not rows:
            catalog.catalog_rows(text)   # no catalog: raises, saying what is missing
        # and the mark of an edit made straight in a layer table (QGIS, psql), which changes nothing else of
        # the catalog (store/backends/outside_edits.py): every worker reads the layers again; and the layer's
        # table (its oid, from the same read): a table dropped outside dcf (DROP TABLE in psql) changes nothing
        # of the catalog either, and no check may answer from the layers read before it (layer_gaps.py); nor does DDL
        # (UpdateGeometrySRID, ALTER COLUMN … TYPE, RENAME COLUMN: the table's shape), which fires no trigger
        cols = ("id", "version", "history", "updated_at", "sha256", "outside_edits", "edited_outside_at", TABLE_OID,
                TABLE_SHAPE)
        key = (text,) + tuple(tuple(str(r.get(c)) for c in cols) for _, r in sorted(rows.items()))
        return key + _unwatched_stamps(st)
    p = Path(text)
    if not p.exists():
        return (str(p.resolve()), 0)
    from ...store.backends.gpkg import content_stamp

    return (str(p.resolve()),) + content_stamp(p)


#: the tag of a key's last part naming layer tables whose edits outside dcf go unmarked (:func:`_unwatched_stamps`;
#: a GeoPackage's content stamp ends with one too, store/backends/gpkg_edits.py)
_UNWATCHED = UNWATCHED


def _unwatched_stamps(st) -> tuple:
    """``((_UNWATCHED, ((layer id, stamp), …)),)`` for the site-check layers whose table lost the trigger that
    marks an edit outside dcf, as the desk's periodic check found them (``()``: none, or no desk;
    :func:`unwatched_stamps`). Nothing in the catalog moves when such a table is
    edited, so the key carries a stamp of its rows, asked on every check: an edit there makes the layers read
    again, and the context says it cannot be vouched for."""
    if not catalog_watch.unwatched(st):   # the desk's every check: nothing more to ask
        return ()
    stamps = unwatched_stamps(st)
    return ((_UNWATCHED, tuple(sorted(stamps.items()))),) if stamps else ()


def unwatched_stamps(st) -> dict[str, str]:
    """``{layer id: stamp of its rows}`` (:meth:`~dcf_spatial.store.backends.postgis.PostgisStore.table_stamps`) of
    the site-check layers of a PostGIS store whose table lost the trigger that marks an edit outside dcf, as a
    desk's periodic check found them (store/backends/catalog_watch.py); ``{}``: none, or no desk. Here, beside
    the layer lists, so that the register (register/versions.py) asks it without an import circle."""
    if st.kind == "gpkg":
        return {}
    read = FRAME_LAYERS + ZONE_LAYERS + ("landuse",) + CORRIDOR_LAYERS
    bare = [lid for lid in catalog_watch.unwatched(st) or () if lid in read]
    return st.table_stamps(bare) if bare else {}


def unwatched_in_key(key) -> tuple[str, ...]:
    """The site-check layer ids a :func:`store_key` names as unwatched (:func:`_unwatched_stamps`; a GeoPackage's
    :func:`~dcf_spatial.store.backends.gpkg.content_stamp`)."""
    last = key[-1] if key else None
    read = FRAME_LAYERS + ZONE_LAYERS + ("landuse",) + CORRIDOR_LAYERS
    return tuple(lid for lid, _ in last[1] if lid in read) if isinstance(last, tuple) and last[:1] == (_UNWATCHED,) \
        else ()


# --- geometry ------------------------------------------------------------------------------------


_PREPARED = threading.local()
_OWNERS: dict = {}
_OWNERS_LOCK = threading.Lock()


def prepared_geoms(layer) -> np.ndarray:
    """``layer.geoms`` prepared for the calling thread.

    GEOS prepared geometries are not thread-safe (libgeos/geos#825: a prepared polygon's predicates keep
    mutable state — lazily built indexes, a shared segment intersector), and the desk checks sites in
    a pool of threads sharing one context: two checks testing the same zone at once crashed the server
    (a segfault in ``shapely.contains``). The first thread to ask uses the layer's own prepared
    geometry (a command-line run or a single-threaded batch pays nothing); every other thread gets
    its own prepared copy, made once per thread and layer (the plan's zone layers are small).

    Examples
    --------
    >>> ctx = load_context()                                             # doctest: +SKIP
    >>> prepared_geoms(ctx.layers["industrial_clusters"]) is ctx.layers["industrial_clusters"].geoms   # doctest: +SKIP
    True
    """
    import shapely

    key = id(layer.geoms)
    me = threading.get_ident()
    with _OWNERS_LOCK:
        owner = _OWNERS.get(key)
        if owner is None or owner[0] is not layer.geoms:
            if len(_OWNERS) > 256:  # contexts of stores changed since: forget them (ids may be reused)
                _OWNERS.clear()
            owner = _OWNERS[key] = (layer.geoms, me)
    if owner[1] == me:
        return layer.geoms
    cache = getattr(_PREPARED, "copies", None)
    if cache is None:
        cache = _PREPARED.copies = {}
    hit = cache.get(key)
    if hit is None or hit[0] is not layer.geoms:
        if len(cache) > 64:
            cache.clear()
        copy = shapely.from_wkb(shapely.to_wkb(layer.geoms))  # WKB keeps every coordinate bit for bit
        shapely.prepare(copy)
        hit = cache[key] = (layer.geoms, copy)
    return hit[1]


def site_overlaps(layer: ZoneLayer, geoms: np.ndarray, areas: np.ndarray, radius_m: float = 0.0):
    """For each site: list of (zone index, overlap m², share). Points have share 1 when inside."""
    import shapely

    out = [[] for _ in range(len(geoms))]
    if layer.is_point:
        si, zi = layer.tree.query(geoms, predicate="dwithin", distance=radius_m)
        for s, z in zip(si, zi):
            out[s].append((z, 0.0, 1.0))
        return out
    si, zi = layer.tree.query(geoms, predicate="intersects")
    if not len(si):
        return out
    has_area = areas[si] > 0
    inter = np.zeros(len(si))
    if has_area.any():
        a_si, a_zi = si[has_area], zi[has_area]
        inside = shapely.contains(prepared_geoms(layer)[a_zi], geoms[a_si])  # zone prepared (first argument): cheap
        area = np.where(inside, areas[a_si], 0.0)
        cut = ~inside
        if cut.any():
            area[cut] = shapely.area(shapely.intersection(geoms[a_si[cut]], layer.geoms[a_zi[cut]]))
        inter[has_area] = area
    for s, z, a, h in zip(si, zi, inter, has_area):
        share = a / areas[s] if h else 1.0
        if share > 0:
            out[s].append((z, float(a), float(share)))
    return out


def to_lonlat(points: np.ndarray) -> np.ndarray:
    import shapely

    from .quick import _transformer

    tr = _transformer(settings.working_crs, settings.storage_crs)   # built once: ~1 ms each time

    xy = shapely.get_coordinates(points)
    lon, lat = tr.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])
