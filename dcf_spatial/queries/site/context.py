"""The layers a site check reads, loaded once: zone geometry in the working CRS with STRtrees.

:func:`load_context` reads the frame layers (district, townships, other_units) and the plan's zone
layers from the store, projects them to EPSG:4548 and builds one STRtree per layer (cached per
GeoPackage and modification time). :func:`site_overlaps` answers "which zones does each site touch,
by how much" for a whole batch at once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ... import plan, settings

logger = logging.getLogger(__name__)

#: zone layers a site is checked against (the kinds' zone_layers in plan_rules.json name these)
ZONE_LAYERS = ("industrial_clusters", "cluster_parks", "agri_zones", "service_core", "service_belts",
               "service_groups", "service_points")
FRAME_LAYERS = ("district", "townships", "other_units")
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


@dataclass
class PlanContext:
    """The layers a site check needs, loaded once (:func:`load_context`)."""

    layers: dict = field(default_factory=dict)
    store: str = ""
    #: the imported current land use (``landuse``: 三调 DLTB), or ``None`` (see rules/landuse.py)
    landuse: object = None
    #: ``{layer id: {feature id: geometry in EPSG:4548}}`` of :data:`CORRIDOR_LAYERS` (absent layers left out)
    corridors: dict = field(default_factory=dict)

    def provenance(self, used) -> dict:
        from ...store.catalog import PROVENANCE_ZH

        rows = [{"layer": lid, "title_zh": self.layers[lid].title_zh, "provenance": self.layers[lid].provenance,
                 "provenance_zh": "、".join(PROVENANCE_ZH.get(p, p) for p in self.layers[lid].provenance.split("/"))}
                for lid in used if lid in self.layers]
        schematic = [r for r in rows if "schematic" in r["provenance"]]
        note = ("所用图层中以下为示意数据（非权威边界，结论仅供参考）：" + "、".join(r["title_zh"] for r in schematic)
                if schematic else "所用图层均为权威或参考数据。")
        return {"layers": rows, "schematic_layers": [r["layer"] for r in schematic], "note_zh": note}


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
    key = store_key(path)
    if key is not None and key in _CONTEXT_CACHE:
        return _CONTEXT_CACHE[key]
    t0 = time.perf_counter()
    ctx = PlanContext(store=str(path))
    for lid in FRAME_LAYERS + ZONE_LAYERS:
        if not catalog.has_layer(lid, path):
            if lid in ("district", "townships"):
                catalog.read_layer(lid, store=path)  # raises LayerNotFoundError with the fix
            logger.warning("图层 %s 不在图层库 %s 中，选址核查跳过该图层", lid, mask_url(path))
            continue
        gdf = catalog.read_layer(lid, store=path)
        w = to_working(gdf)
        geoms = np.asarray(w.geometry.values, dtype=object)
        shapely.prepare(geoms)
        values = gdf["industries_gbt4754"] if "industries_gbt4754" in gdf else [None] * len(gdf)
        codes = [plan.zone_codes(i, v) for i, v in zip(gdf["id"], values)]
        base = [plan.parse_codes(v) or plan.parse_codes(plan.zones().get(i, {}).get("industries_gbt4754"))
                for i, v in zip(gdf["id"], values)]
        ctx.layers[lid] = ZoneLayer(
            layer_id=lid, title_zh=gdf.attrs.get("title_zh") or lid,
            provenance=str(gdf.attrs.get("provenance") or "/".join(sorted(set(gdf["provenance"])))),
            ids=gdf["id"].astype(str).to_numpy(), names=gdf["name_zh"].astype(str).to_numpy(),
            plan_refs=gdf["plan_ref"].fillna("").astype(str).to_numpy(), codes=codes, geoms=geoms,
            tree=shapely.STRtree(geoms), is_point=bool(len(gdf)) and gdf.geom_type.iloc[0] in ("Point", "MultiPoint"),
            base_codes=base,
        )
    if catalog.has_layer("landuse", path):
        ctx.landuse = _landuse_layer(catalog.read_layer("landuse", store=path))
    for lid in CORRIDOR_LAYERS:
        if catalog.has_layer(lid, path):
            w = to_working(catalog.read_layer(lid, store=path))
            ctx.corridors[lid] = dict(zip(w["id"].astype(str), w.geometry.values))
    if key is not None:
        _CONTEXT_CACHE.clear()
        _CONTEXT_CACHE[key] = ctx
    logger.info("Loaded %d layers for site checks from %s in %.2f s", len(ctx.layers), mask_url(path), time.perf_counter() - t0)
    return ctx


@dataclass
class LandUseLayer:
    """The imported land-use patches in the working CRS: codes, an STRtree and where they came from."""

    title_zh: str
    provenance: str
    source: str
    codes: np.ndarray
    geoms: np.ndarray
    tree: object


def _landuse_layer(gdf) -> LandUseLayer:
    import shapely

    from ...crs import to_working

    w = to_working(gdf)
    geoms = np.asarray(w.geometry.values, dtype=object)
    shapely.prepare(geoms)
    source = str(gdf["source"].iloc[0]) if "source" in gdf.columns and len(gdf) else ""
    return LandUseLayer(title_zh=gdf.attrs.get("title_zh") or "土地利用现状",
                        provenance=str(gdf.attrs.get("provenance") or "/".join(sorted(set(gdf["provenance"])))),
                        source=source, codes=gdf["land_use_code"].astype(str).to_numpy(), geoms=geoms,
                        tree=shapely.STRtree(geoms))


def store_key(store):
    """Cache key of a store: a GeoPackage by path and content stamp (its layers and catalog, not the
    register; :func:`~dcf_spatial.store.backends.gpkg.content_stamp`); a database by its URL and
    its layer catalog (each layer's version, kept versions, time of the last write and file hash —
    every write through the store, from any session, changes them). One catalog query per check
    instead of reading a dozen layers from the database (about a second per check)."""
    text = str(store)
    if "://" in text:
        from ...store import catalog

        rows = catalog.catalog_rows(text)
        cols = [c for c in ("id", "version", "history", "updated_at", "sha256") if c in rows.columns]
        return (text,) + tuple(tuple(str(v) for v in r) for r in rows[cols].itertuples(index=False))
    p = Path(text)
    if not p.exists():
        return (str(p.resolve()), 0)
    from ...store.backends.gpkg import content_stamp

    return (str(p.resolve()),) + content_stamp(p)


# --- geometry ------------------------------------------------------------------------------------


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
        inside = shapely.contains(layer.geoms[a_zi], geoms[a_si])  # zone prepared (first argument): cheap
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
    from pyproj import Transformer

    tr = Transformer.from_crs(settings.working_crs, settings.storage_crs, always_xy=True)
    import shapely

    xy = shapely.get_coordinates(points)
    lon, lat = tr.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])
