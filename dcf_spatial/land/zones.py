"""Which township and which zone is each parcel in?

A parcel lying wholly inside one zone is assigned by ``contains_properly`` on the candidate
(parcel, zone) pairs that an STRtree of the few zones gives for the many parcels, with the zone
polygons prepared once — the fast path that handles almost every parcel. A parcel crossing a boundary is assigned to the zone holding the
**largest share of its area** (intersection areas in the working CRS, EPSG:4548); the share is
reported in ``<kind>_share`` and ``<kind>_method`` says ``inside`` / ``largest_share`` /
``outside``. Shapely's STRtree does the indexing; only the largest-share pick is written here.
Points (which have no area to share) take the zone they lie strictly inside, from
:func:`dcf_spatial.queries.points_in.polygon_of_points` on their coordinates — no (point, zone)
pairs, no Point objects tested one by one.
"""

from __future__ import annotations

import logging
import re
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..store import catalog, layer_health
from ..store.nesting import CHILD_LAYERS
from ..crs import check_same_crs, to_working
from ..errors import DcfError, LayerUnreadableError

logger = logging.getLogger(__name__)

#: output prefix -> layer ids whose features are candidates (read from the store)
ZONE_LAYERS = {
    "township": ("townships", "other_units"),
    "cluster": ("industrial_clusters",),
    "park": ("cluster_parks",),
}
KIND_ZH = {"township": "镇（街道）", "cluster": "工业集聚区", "park": "功能园区"}
METHOD_ZH = {"inside": "完全位于区内", "largest_share": "跨界，按面积最大者归属", "outside": "不在任何区内",
             "by_name": "按地名定位（项目位置中的地名，取该单元代表点）", "unknown": "位置不明（无坐标，地名无法识别）",
             "not_named": "地名未指明（项目位置只到更大的单元）",
             "conflict": "地名冲突（项目位置中的地名指向不同单元，无法确定在哪一个）",
             "not_a_parcel": "非宗地行（合计/表尾），不定位"}
#: the finest kind a place level fixes: a row placed at a township by name says nothing of its cluster or park
_LEVEL_KINDS = {"镇街": ("township",), "示范区": ("township",), "服务业分区": ("township",), "服务业节点": ("township",),
                "集聚区": ("township", "cluster"), "园区": ("township", "cluster", "park")}
UNKNOWN_ZH = "位置不明"
#: the ``method`` values of :func:`assign_largest_share`, by code
_METHODS = ["outside", "inside", "largest_share"]
NOT_NAMED_ZH = "（地名未指明）"
#: the zone of a ledger's 合计 row or footer (no parcel, so in no unit)
NOT_A_PARCEL_ZONE_ZH = "—（非宗地行）"


def assign_largest_share(parcels, zones, *, id_field: str = "id", tree=None) -> pd.DataFrame:
    """Assign each parcel to one zone of ``zones``: the containing one, else the largest overlap.

    Parameters
    ----------
    parcels, zones
        GeoDataFrames in the same CRS (a mismatch raises); measured as given, so pass them in
        the working CRS.
    tree
        Not used any more (the zones are indexed, not the parcels: faster when parcels far
        outnumber zones); accepted so that existing callers keep working.

    Returns
    -------
    DataFrame indexed like ``parcels`` with ``zone_id``, ``share`` (0–1, NaN when outside) and
    ``method`` (``inside`` / ``largest_share`` / ``outside``). A point on a zone boundary is in
    neither zone (``outside``, as ``sjoin(predicate="within")``); a row without geometry is
    ``outside``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> zones = gpd.GeoDataFrame({"id": ["w", "e"]}, geometry=[shapely.box(0, 0, 10, 10),
    ...                          shapely.box(10, 0, 20, 10)], crs="EPSG:4548")
    >>> pts = gpd.GeoDataFrame(geometry=[shapely.Point(5, 5), shapely.Point(10, 5), shapely.box(8, 1, 14, 2)],
    ...                        crs="EPSG:4548")
    >>> assign_largest_share(pts, zones)["method"].tolist()
    ['inside', 'outside', 'largest_share']
    """
    import shapely

    check_same_crs(parcels, zones, names=("parcels", "zones"))
    n = len(parcels)
    pgeom = np.asarray(parcels.geometry.values, dtype=object)
    zgeom = np.asarray(zones.geometry.values, dtype=object)
    zids = zones[id_field].astype(str).to_numpy()
    zone_of = np.full(n, -1, dtype=np.int64)
    share = np.full(n, np.nan)
    method = np.zeros(n, dtype=np.int64)  # positions in _METHODS
    kind = shapely.get_type_id(pgeom) if n else np.zeros(0, dtype=np.int64)
    points = np.flatnonzero(kind == 0)
    if len(points) and len(zones):
        # points: the zone holding each strictly inside (a point on a boundary is in neither zone,
        # as sjoin "within"), the last of several, from their coordinates — no pairs, no areas
        from ..queries.distance import point_xy
        from ..queries.points_in import polygon_of_points

        x, y = point_xy(pgeom[points])
        pos = polygon_of_points(x, y, zgeom, boundary=False, pick="last")
        hit = pos >= 0
        zone_of[points[hit]], share[points[hit]], method[points[hit]] = pos[hit], 1.0, 1
    others = np.flatnonzero(kind != 0) if len(points) else np.arange(n)
    if len(others) and len(zones):
        shapely.prepare(zgeom)
        # most parcels lie well inside one zone or far from all: answered from their bounding boxes
        # on a grid of cells (the same answers), the exact tests kept for the rest (zone_by_cells)
        grid = cell_grid(zgeom) if len(others) >= GRID_FROM_ROWS else None
        tree = shapely.STRtree(zgeom)
        # the parcels in slices of JOIN_SLICE_ROWS: each parcel's answer depends on it and the zones
        # only, so the answers are those of one pass; only one slice's candidate pairs (and the
        # intersections of its crossing parcels) are held at a time (at 10⁶ parcels ~0.1 GB less)
        for lo in range(0, len(others), JOIN_SLICE_ROWS):
            _assign_slice(others[lo:lo + JOIN_SLICE_ROWS], pgeom, zgeom, tree, zone_of, share, method, grid)
    out = pd.DataFrame(index=parcels.index)
    # labels by position in a small array of the few distinct values (a take), not by building one
    # Python string per parcel: the same columns and dtypes, a fraction of the time
    out["zone_id"] = pd.array([*zids, None], dtype="string").take(np.where(zone_of >= 0, zone_of, len(zids)))
    out["share"] = share
    out["method"] = pd.array(_METHODS, dtype="str").take(method)
    return out


#: parcels (points aside) assigned at a time by :func:`assign_largest_share`
JOIN_SLICE_ROWS = 200_000
#: from this many parcels (points aside) :func:`assign_largest_share` answers most of them by
#: :func:`zone_by_cells` first: labelling the cells costs ~0.05–0.1 s a layer, the pair tests ~0.7 µs
#: a parcel, so below ~10⁵ parcels the grid costs more than the pairs it spares
GRID_FROM_ROWS = 150_000
#: cells along the longer side of the zones' extent in :func:`zone_by_cells`
GRID_CELLS = 256
#: :func:`zone_by_cells`' answers besides a zone's position
CELLS_OUTSIDE, CELLS_UNDECIDED = -1, -2


class CellGrid(NamedTuple):
    """Square cells over the zones' extent, each labelled (see :func:`cell_grid`)."""

    x0: float
    y0: float
    side: float
    nx: int
    ny: int
    label: np.ndarray  # per cell (row-major from the lower left): a zone's position, or CELLS_*


def cell_grid(zgeom: np.ndarray, *, cells: int | None = None) -> CellGrid | None:
    """The zones' extent cut into square cells (``cells`` along its longer side, default
    :data:`GRID_CELLS`), each tested once against the zones (prepared): labelled with the zone's
    position when it lies properly inside exactly one zone and meets no other, :data:`CELLS_OUTSIDE`
    when it meets none, else :data:`CELLS_UNDECIDED`. Each cell is tested slightly enlarged (by a
    millionth of its side), so that rounding in a parcel's cell index (:func:`zone_by_cells`) can
    only leave a parcel undecided, never place it wrongly. None when the zones have no extent."""
    import shapely

    zb = shapely.total_bounds(zgeom)
    side = max(zb[2] - zb[0], zb[3] - zb[1]) / int(cells or GRID_CELLS)
    if not np.isfinite(side) or side <= 0:
        return None
    nx, ny = int((zb[2] - zb[0]) // side) + 1, int((zb[3] - zb[1]) // side) + 1
    cell = np.arange(nx * ny)
    cx, cy, eps = cell % nx, cell // nx, side * 1e-6
    boxes = shapely.box(zb[0] + cx * side - eps, zb[1] + cy * side - eps,
                        zb[0] + (cx + 1) * side + eps, zb[1] + (cy + 1) * side + eps)
    ci, zj = shapely.STRtree(zgeom).query(boxes, predicate="intersects")
    meets = np.bincount(ci, minlength=len(cell))
    label = np.where(meets == 0, CELLS_OUTSIDE, CELLS_UNDECIDED).astype(np.int64)
    one = meets[ci] == 1
    ci, zj = ci[one], zj[one]
    pure = shapely.contains_properly(zgeom[zj], boxes[ci])
    label[ci[pure]] = zj[pure]
    return CellGrid(float(zb[0]), float(zb[1]), float(side), nx, ny, label)


def zone_by_cells(bounds: np.ndarray, grid: CellGrid) -> np.ndarray:
    """Which parcels lie properly inside one zone, or outside every zone, told from their bounding
    boxes alone: the position of the zone, :data:`CELLS_OUTSIDE`, or :data:`CELLS_UNDECIDED` (near
    a boundary, or larger than a cell: for the exact tests).

    By hand, because no library call answers it without testing every (parcel, zone) pair: a
    parcel whose box lies within at most 2 × 2 cells of ``grid`` (:func:`cell_grid`), all labelled
    with the same zone, lies properly inside that zone and no other (``contains_properly`` would say
    so, and no other zone can hold any of it); one whose cells all meet no zone, or whose box lies
    beyond the grid, meets no zone (outside, as the exact tests find it).

    Parameters
    ----------
    bounds
        ``shapely.bounds`` of the parcels (``(n, 4)``; NaN for a missing or empty geometry: undecided).
    grid
        The zones' cells, in the parcels' CRS.

    Examples
    --------
    >>> import shapely
    >>> grid = cell_grid(np.array([shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)]), cells=16)
    >>> b = shapely.bounds(np.array([shapely.box(50, 50, 51, 51), shapely.box(99, 50, 101, 51),
    ...                              shapely.box(500, 500, 501, 501)]))
    >>> zone_by_cells(b, grid).tolist()
    [0, -2, -1]
    """
    out = np.full(len(bounds), CELLS_UNDECIDED, dtype=np.int64)
    nx, ny = grid.nx, grid.ny
    with np.errstate(invalid="ignore"):
        fx0, fy0 = (bounds[:, 0] - grid.x0) / grid.side, (bounds[:, 1] - grid.y0) / grid.side
        fx1, fy1 = (bounds[:, 2] - grid.x0) / grid.side, (bounds[:, 3] - grid.y0) / grid.side
        out[(fx1 < 0) | (fy1 < 0) | (fx0 >= nx) | (fy0 >= ny)] = CELLS_OUTSIDE  # beyond the grid
        pos = np.flatnonzero((fx0 >= 0) & (fy0 >= 0) & (fx1 < nx) & (fy1 < ny))  # NaN: neither
    ix0, iy0, ix1, iy1 = (np.floor(f[pos]).astype(np.int64) for f in (fx0, fy0, fx1, fy1))
    del fx0, fy0, fx1, fy1
    small = (ix1 - ix0 <= 1) & (iy1 - iy0 <= 1)  # within 2 × 2 cells: its corner cells are all of them
    pos, ix0, iy0, ix1, iy1 = pos[small], ix0[small], iy0[small], ix1[small], iy1[small]
    first = grid.label[iy0 * nx + ix0]
    same = ((first != CELLS_UNDECIDED) & (grid.label[iy0 * nx + ix1] == first)
            & (grid.label[iy1 * nx + ix0] == first) & (grid.label[iy1 * nx + ix1] == first))
    out[pos[same]] = first[same]
    return out


def _assign_slice(others, pgeom, zgeom, tree, zone_of, share, method, grid=None) -> None:
    """:func:`assign_largest_share` for the parcels at positions ``others``, written in place into
    ``zone_of``, ``share`` and ``method``; ``tree`` indexes the prepared zones ``zgeom``; ``grid``
    (:func:`cell_grid`), when given, answers most parcels first."""
    import shapely

    if grid is not None:
        by_cells = zone_by_cells(shapely.bounds(pgeom[others]), grid)
        inside = others[by_cells >= 0]
        zone_of[inside], share[inside], method[inside] = by_cells[by_cells >= 0], 1.0, 1
        others = others[by_cells == CELLS_UNDECIDED]  # (CELLS_OUTSIDE: outside, as initialised)

    # index the few zones and query with the many parcels (bounding boxes), then test the
    # candidate pairs with the zones prepared once: cheaper than a tree over the parcels.
    # A parcel without geometry (missing or empty) has no bounding box, so no pair: outside.
    pi, zj = tree.query(pgeom[others])
    pi = others[pi]
    inside = shapely.contains_properly(zgeom[zj], pgeom[pi])
    if inside.any():
        # a parcel wholly inside several (overlapping) zones goes to the last of them, as before
        ip, iz = pi[inside], zj[inside]
        order = np.lexsort((iz, ip))
        ip, iz = ip[order], iz[order]
        last = np.r_[ip[1:] != ip[:-1], True]
        zone_of[ip[last]] = iz[last]
        share[ip[last]] = 1.0
        method[ip[last]] = 1
    # the rest (crossing a boundary, or outside every zone): the candidate pairs of parcels not
    # yet placed, those that really intersect — none for points, which have no area to share
    rest = np.flatnonzero(zone_of[pi] < 0)
    rj, zj = pi[rest], zj[rest]
    meets = shapely.intersects(zgeom[zj], pgeom[rj])
    rj, zj = rj[meets], zj[meets]
    if len(rj):
        area = shapely.area(shapely.intersection(pgeom[rj], zgeom[zj]))
        order = np.lexsort((-area, rj))
        rj, zj, area = rj[order], zj[order], area[order]
        first = np.r_[True, rj[1:] != rj[:-1]]
        keep = first & (area > 0)
        target = rj[keep]
        if len(target):
            zone_of[target] = zj[keep]
            parcel_area = shapely.area(pgeom[target])
            with np.errstate(divide="ignore", invalid="ignore"):
                share[target] = np.where(parcel_area > 0, area[keep] / parcel_area, 1.0)
            method[target] = np.where(share[target] >= 1 - 1e-9, 1, 2)


def _unreadable_note(kind: str, layer_id: str, title: str, problem: str, detail_zh: str = "") -> str:
    """What the audit says of a zone layer the store lacks, holds empty or broken (queries/site/layer_gaps.py,
    store/layer_health.py)."""
    from ..queries.site.layer_gaps import fix_zh, sentence_zh

    return (f"{sentence_zh(layer_id, title, problem, detail_zh)}，{KIND_ZH[kind]}归属无法计算，按{KIND_ZH[kind]}的汇总不可用"
            f"（各宗地均未计入任何{KIND_ZH[kind]}，不是宗地的问题）。处理：{fix_zh(layer_id)}；修复图层库后重新审计")


def _zone_layer(kind: str, store=None):
    import geopandas as gpd

    from ..queries.site.layer_gaps import title_of
    from ..register.versions import frame_sha256

    frames, used, notes = [], [], []
    for layer_id in ZONE_LAYERS[kind]:
        try:
            gdf = catalog.read_layer(layer_id, store=store)
        except LayerUnreadableError as exc:   # its geometry column renamed outside dcf (store/layer_health.py)
            notes.append(_unreadable_note(kind, layer_id, title_of(layer_id), "unreadable", exc.cause_zh))
            continue
        except DcfError:
            notes.append(_unreadable_note(kind, layer_id, title_of(layer_id), "missing"))
            continue
        if not len(gdf):   # emptied outside dcf: no parcel is in one of its zones, and none is outside them either
            notes.append(_unreadable_note(kind, layer_id, str(gdf.attrs.get("title_zh") or title_of(layer_id)), "empty"))
            continue
        health = layer_health.assess(gdf, layer_id)   # every geometry empty, another type or CRS: as if empty
        if health.problem:
            notes.append(_unreadable_note(kind, layer_id, str(gdf.attrs.get("title_zh") or title_of(layer_id)),
                                          health.problem, health.detail_zh))
            continue
        notes += [f"图层“{gdf.attrs.get('title_zh') or layer_id}”（{layer_id}）：{f['feature_zh']}的几何无效"
                  f"（{f['reason_zh']}），本次审计在内存中修复后使用（未写回图层库），其附近宗地的{KIND_ZH[kind]}归属请核实"
                  for f in health.invalid]
        gdf = health.gdf
        # a child layer's key to its parent (a park's cluster, store/nesting.py) kept for zone_layers' cut
        key = CHILD_LAYERS.get(layer_id, ("",))[0]
        frames.append(gdf[["id", "name_zh", "geometry", *([key] if key in gdf.columns else [])]])
        used.append({"layer_id": layer_id, "title_zh": gdf.attrs.get("title_zh", layer_id),
                     "provenance": gdf.attrs.get("provenance", ""), "source": gdf.attrs.get("source", ""),
                     "version": gdf.attrs.get("version"),
                     # a layer shipped or built (not imported) has no file hash in the catalog: the hash of its
                     # content, as the register keeps it, so the manifest always says which layer was used
                     "sha256": gdf.attrs.get("sha256") or frame_sha256(gdf)})
    if not frames:
        return None, used, notes
    zones = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)
    return zones, used, notes


def zone_layers(kinds=("township", "cluster", "park"), store=None) -> tuple[dict, list, list]:
    """The zone layers of ``kinds`` read from the store, each as given and in the working CRS.

    Returns ``(layers, used, notes)``: ``layers`` maps each kind to ``(zones, zones_working)``
    (``(None, None)`` when the store has none), ``used`` the layers' records and ``notes`` what
    could not be read. :func:`join_zones` takes ``layers`` so that a caller can read the store in
    its own thread and run the join in another.

    Examples
    --------
    >>> layers, used, notes = zone_layers(("township",))                  # doctest: +SKIP
    >>> zones = join_zones(parcels, layers=(layers, used, notes))         # doctest: +SKIP
    """
    used, notes = [], []
    layers = {}
    for kind in kinds:  # the store is read in this thread, one layer after the other
        zones, u, nts = _zone_layer(kind, store)
        used += u
        notes += nts
        layers[kind] = (zones, to_working(zones) if zones is not None else None)
    for kind in kinds:
        note = _cut_to_parents(kind, layers, store)
        if note:
            notes.append(note)
    return layers, used, notes


def _cut_to_parents(kind: str, layers: dict, store) -> str:
    """A kind of child layers (the functional parks) cut, in ``layers[kind]``'s working geometry, to their parent
    (the cluster their ``cluster_id`` names), as the site check cuts them (:func:`dcf_spatial.store.nesting.
    clip_to_parents`): 第八章第一节 draws the parks inside their cluster, and where a bureau's new cluster boundary
    leaves part of a park outside, a parcel there is in no park (and outside the cluster). Returns the note naming
    the parks cut (``""`` when none is, as with the shipped layers, whose geometry is then used as read)."""
    from ..store.nesting import audit_note_zh, clip_to_parents, outside_rows

    zones, work = layers[kind]
    lids = [lid for lid in ZONE_LAYERS[kind] if lid in CHILD_LAYERS]
    if zones is None or not lids:
        return ""
    key, parent = CHILD_LAYERS[lids[0]]
    if key not in zones.columns:
        return ""
    keys = zones.pop(key).tolist()
    work = work.drop(columns=[key]) if key in work.columns else work
    # the parent layer as the cluster kind read it, else from the store (a join of the parks alone)
    read = layers.get("cluster", (None, None))[1] if ZONE_LAYERS.get("cluster") == (parent,) else None
    if read is None:
        try:
            read = to_working(catalog.read_layer(parent, store=store))
        except DcfError:
            layers[kind] = (zones, work)
            return ""  # no cluster layer: the parks as drawn (the missing layer is noted by the cluster kind)
    geoms, found = clip_to_parents(np.asarray(work.geometry.values, dtype=object), keys,
                                   np.asarray(read.geometry.values, dtype=object), read["id"].astype(str).tolist())
    layers[kind] = (zones, work)
    if not found:
        return ""
    cut = work.copy()
    cut[cut.geometry.name] = geoms
    # which zones were cut (the PostGIS join, zones_pg.py, takes their cut geometry from here)
    cut.attrs["cut_to_parent"] = sorted(str(cut["id"].iloc[i]) for i in found)
    layers[kind] = (zones, cut)
    return audit_note_zh(outside_rows(lids[0], work, keys, read, found))


def join_zones(parcels, *, store=None, kinds=("township", "cluster", "park"), working=None,
               layers=None, threads: bool = True, assign=None) -> pd.DataFrame:
    """Township, cluster and park of every parcel, from the layer store.

    ``working``: the parcels' geometry already in EPSG:4548, row for row
    (:func:`dcf_spatial.land.parcels.working_geometry`), so that it is not reprojected again.
    ``layers``: the answer of :func:`zone_layers` for ``kinds`` and ``store``, read beforehand
    (the single-engine audit reads the store in its main thread and joins in a second one).
    ``threads=False``: the kinds one after the other in this thread (for a caller that already runs
    several joins at once, such as the dask engine's worker threads, where more threads only queue for
    the cores and the GIL). ``assign``: with ``threads=False``, called as ``assign(kind, work, zones)``
    instead of ``assign_largest_share(work, zones)`` for each kind (``work`` the reprojected parcels,
    ``zones`` the kind's layer in EPSG:4548): the single engine shares the kinds with its other thread.

    Returns a DataFrame indexed like ``parcels`` with ``<kind>_id``, ``<kind>_zh``,
    ``<kind>_share``, ``<kind>_method`` for each kind (the id, name and method columns are
    ``category``: a few values repeated on every row; ``.astype(object)`` before filling missing
    values with a new text); ``attrs["layers_used"]`` lists the layers
    with their provenance (for the notes of every report) and ``attrs["notes"]`` what could not
    be done (a missing layer is a note, not an error: the audit itself does not need zones) and what the
    layers call for (parks cut to their cluster, :func:`zone_layers`), ``attrs["layer_notes"]`` the latter
    two only (the same for any parcels).
    """
    if working is not None and len(working) == len(parcels):
        import geopandas as gpd

        # the parcels already reprojected once by the caller (the audit): not reprojected again
        work = gpd.GeoDataFrame(geometry=gpd.GeoSeries(working.values, index=parcels.index, crs=working.crs))
    else:
        work = to_working(parcels[[parcels.geometry.name]]) if len(parcels) else parcels
    out = pd.DataFrame(index=parcels.index)
    layers, used, notes = zone_layers(kinds, store) if layers is None else layers
    used, notes = list(used), list(notes)
    # the kinds are assigned at the same time, one thread each: shapely's predicates and overlays
    # release the GIL, so on a machine of several cores the three joins overlap (the answers are
    # those of one after the other; each thread reads the shared parcels and its own zones only)
    work_kinds = [k for k in kinds if layers[k][0] is not None]
    if len(work_kinds) > 1 and threads:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(len(work_kinds), 3), thread_name_prefix="dcf-zones") as pool:
            futures = {k: pool.submit(assign_largest_share, work, layers[k][1]) for k in work_kinds}
            assigned = {k: f.result() for k, f in futures.items()}
    else:
        assigned = {k: assign(k, work, layers[k][1]) if assign is not None else assign_largest_share(work, layers[k][1])
                    for k in work_kinds}
    for kind in kinds:
        zones = layers[kind][0]
        if zones is None:
            out[f"{kind}_id"] = pd.array([pd.NA] * len(parcels), dtype="string")
            out[f"{kind}_zh"] = pd.array([pd.NA] * len(parcels), dtype="string")
            out[f"{kind}_share"] = np.nan
            out[f"{kind}_method"] = "outside"
            continue
        res = assigned[kind]
        names = dict(zip(zones["id"].astype(str), zones["name_zh"].astype(str)))
        # the few zone ids, names and methods as ``category`` (a code a row), made from the codes of
        # the distinct ids, not a text per parcel (at 10⁶ parcels ~0.2 GB less)
        codes, ids = pd.factorize(res["zone_id"], use_na_sentinel=True)
        out[f"{kind}_id"] = _category(codes, list(ids))
        zh_codes, zh = pd.factorize(np.asarray([names[i] for i in ids], dtype=object))
        out[f"{kind}_zh"] = _category(np.where(codes >= 0, zh_codes[np.maximum(codes, 0)] if len(zh_codes) else -1, -1),
                                      list(zh))
        out[f"{kind}_share"] = res["share"]
        out[f"{kind}_method"] = _category(*pd.factorize(res["method"]))
        n_cross = int((res["method"] == "largest_share").sum())
        logger.info("Assigned %d parcels to %s zones (%d crossing a boundary, by largest share; %d outside)",
                    len(parcels), kind, n_cross, int((res["method"] == "outside").sum()))
    # what the layers themselves call for (the same for every partition of an input: the dask engine says it once)
    out.attrs["layer_notes"] = list(notes)
    _apply_name_placement(parcels, out, kinds, notes)
    out.attrs["layers_used"] = used
    out.attrs["notes"] = notes
    return out


def _category(codes, labels):
    """A ``category`` column of ``labels[codes]`` (``-1``: missing) with the labels in the order
    given (first use, as ``pd.factorize`` gives them: the order the GeoParquet writer keeps)."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64),
                                     dtype=pd.CategoricalDtype(pd.Index(np.asarray(labels, dtype=object), dtype="str")))


#: a place reason of :meth:`dcf_spatial.places.Gazetteer.find_in_text` naming two or more units
_CONFLICT_WORDS = ("指向互不包含的单元", "可指多个单元")
_CONFLICT_PART = re.compile(r"^(?:“([^”]+)”→)?([^（]+)（")


def conflict_names(reason) -> list[str]:
    """The names a conflicting address was found to hold, from its ``place_reason`` (``[]`` when the
    reason is not a conflict): ``郑家镇`` and ``闫寺街道``; a short name says its unit (``东吕（现代有机葡萄产业示范区）``).

    Examples
    --------
    >>> conflict_names("地址中的地名指向互不包含的单元：“闫寺街道”→闫寺街道（镇街）；“郑家镇”→郑家镇（镇街），无法确定")
    ['闫寺街道', '郑家镇']
    >>> conflict_names("地址为空")
    []
    """
    if not isinstance(reason, str) or not any(w in reason for w in _CONFLICT_WORDS):
        return []
    word = next(w for w in _CONFLICT_WORDS if w in reason)
    listed = re.split(r"。|，无法确定", reason.split(word, 1)[1].lstrip("："), maxsplit=1)[0]
    out = []
    for part in listed.split("；"):
        m = _CONFLICT_PART.match(part.strip())
        if m is None:
            continue
        typed, unit = m.groups()
        name = unit.strip() if not typed or typed == unit.strip() else f"{typed}（{unit.strip()}）"
        if name not in out:
            out.append(name)
    return out if len(out) >= 2 else []


def conflict_label(reason) -> str | None:
    """``地名冲突：郑家镇与闫寺街道`` for a conflicting ``place_reason`` (see :func:`conflict_names`), else ``None``.

    Examples
    --------
    >>> conflict_label("地址中的地名可指多个单元：甲镇（镇街）；乙镇（镇街）。")
    '地名冲突：甲镇与乙镇'
    """
    names = conflict_names(reason)
    return "地名冲突：" + "与".join(names) if names else None


def _apply_name_placement(parcels, out, kinds, notes) -> None:
    """Rows placed by a name (``location_method`` = 按地名定位, :func:`dcf_spatial.places.place_rows`)
    keep only the kinds their name fixes (a township name says nothing of a cluster); rows whose
    place is unknown are counted under 位置不明 in every summary."""
    if "location_method" not in parcels.columns:
        return
    method = parcels["location_method"].astype(object).to_numpy()
    level = parcels["place_level"].astype(object).to_numpy() if "place_level" in parcels.columns else \
        np.full(len(parcels), None, dtype=object)
    named = method == "按地名定位"
    unknown = method == "位置不明"
    from ..places import NOT_A_RECORD_METHOD

    footer = method == NOT_A_RECORD_METHOD   # a 合计 row or footer: in no unit, and not 位置不明 either
    # two names found that point at different units (郑家镇闫寺街道): not "no name found"
    reasons = parcels["place_reason"].astype(object).to_numpy() if "place_reason" in parcels.columns else \
        np.full(len(parcels), None, dtype=object)
    conflict = unknown & np.array([bool(conflict_names(r)) for r in reasons], dtype=bool)
    for kind in kinds:
        fixed = np.array([kind in _LEVEL_KINDS.get(lv, ()) for lv in level], dtype=bool)
        by_name = named & fixed
        not_named = named & ~fixed
        zh = out[f"{kind}_zh"].astype(object).to_numpy().copy()
        ids = out[f"{kind}_id"].astype(object).to_numpy().copy()
        meth = out[f"{kind}_method"].astype(object).to_numpy().copy()
        share = out[f"{kind}_share"].to_numpy(dtype=float).copy()
        meth[by_name] = "by_name"
        zh[not_named], ids[not_named], meth[not_named], share[not_named] = NOT_NAMED_ZH, None, "not_named", np.nan
        zh[unknown], ids[unknown], meth[unknown], share[unknown] = UNKNOWN_ZH, None, "unknown", np.nan
        meth[conflict] = "conflict"
        zh[footer], ids[footer], meth[footer], share[footer] = NOT_A_PARCEL_ZONE_ZH, None, "not_a_parcel", np.nan
        out[f"{kind}_zh"] = _category(*pd.factorize(zh, use_na_sentinel=True))
        out[f"{kind}_id"] = _category(*pd.factorize(ids, use_na_sentinel=True))
        out[f"{kind}_method"] = _category(*pd.factorize(meth))
        out[f"{kind}_share"] = share
    said = []   # a part that counts 0 is left out (no "0 宗位置不明")
    if named.any():
        said.append(f"{int(named.sum())} 宗无坐标、按项目位置中的地名定位（取该单元代表点，仅归属到地名所指的层级）")
    if unknown.any():
        said.append(f"{int(unknown.sum())} 宗位置不明（"
                    + (f"其中 {int(conflict.sum())} 宗地名冲突：项目位置中的地名指向不同单元，见“镇街归属方式”；"
                       if conflict.any() else "")
                    + f"均已审计），汇总时计入“{UNKNOWN_ZH}”")
    if said:
        notes.append("；".join(said))
