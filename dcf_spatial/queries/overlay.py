"""Which features of A overlap which features of B, and by how much (亩, share of each)?

Fast path (why this is not ``geopandas.overlay``): most parcels lie wholly inside one zone and
need no clipping. Candidate pairs come from an STRtree; pairs where B contains A (tested with B
prepared) take A's own area, pairs where A contains B take B's area, and only the remaining
boundary-crossing pairs are intersected. Areas are measured in the working CRS (EPSG:4548).
"""

from __future__ import annotations

import logging
import os
import time

import numpy as np

from .. import settings
from ..crs import check_same_crs, to_working
from ..errors import InputError

logger = logging.getLogger(__name__)

_POLYGONAL = {"Polygon", "MultiPolygon"}


def _labels(gdf, field: str | None):
    if field and field in gdf.columns:
        return gdf[field].astype(str).to_numpy()
    return gdf.index.astype(str).to_numpy()


def _require_polygons(gdf, name: str) -> None:
    types = set(gdf.geom_type.dropna().unique())
    if not types <= _POLYGONAL:
        raise InputError(
            f"叠加查询 {name}：需要面图层，收到 {sorted(types)}。"
            "点或线请用 `dcf query within` 或 `dcf query nearest`。"
        )


def subdivide(geoms: np.ndarray, *, max_vertices: int = 64):
    """Cut polygons into pieces of at most ``max_vertices`` vertices by halving their bounding boxes
    (the idea of PostGIS ``ST_Subdivide``; shapely has no such function, hence written here).

    Returns ``(pieces, owner)``: the pieces and the position of the polygon each came from. The
    pieces of one polygon tile it exactly, so areas summed over pieces equal the polygon's.
    """
    import shapely

    pieces, owner = [], []
    stack = [(g, i) for i, g in enumerate(geoms)]
    while stack:
        g, i = stack.pop()
        if g is None or g.is_empty:
            continue
        if shapely.get_num_coordinates(g) <= max_vertices:
            pieces.append(g)
            owner.append(i)
            continue
        x1, y1, x2, y2 = g.bounds
        if x2 - x1 >= y2 - y1:
            xm = (x1 + x2) / 2
            halves = (shapely.box(x1, y1, xm, y2), shapely.box(xm, y1, x2, y2))
        else:
            ym = (y1 + y2) / 2
            halves = (shapely.box(x1, y1, x2, ym), shapely.box(x1, ym, x2, y2))
        for h in halves:
            # clip_by_rect is a fast rectangle clip; its output is made valid if GEOS left it dirty
            part = shapely.clip_by_rect(g, *h.bounds)
            if not shapely.is_valid(part):
                part = shapely.make_valid(part)
            for p in shapely.get_parts(part):
                if shapely.get_type_id(p) == 3 and p.area > 0:
                    stack.append((p, i))
    return np.asarray(pieces, dtype=object), np.asarray(owner, dtype=np.int64)


def _intersection_areas(left: np.ndarray, right: np.ndarray, *, chunk: int = 2000) -> np.ndarray:
    """Pairwise intersection areas, in chunks on a small thread pool (shapely releases the GIL)."""
    import shapely

    if len(left) <= chunk:
        return shapely.area(shapely.intersection(left, right))
    from concurrent.futures import ThreadPoolExecutor

    bounds = range(0, len(left), chunk)
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        parts = pool.map(lambda i: shapely.area(shapely.intersection(left[i:i + chunk], right[i:i + chunk])), bounds)
        return np.concatenate(list(parts))


def overlap_pairs(ga: np.ndarray, gb: np.ndarray, *, max_vertices: int = 256):
    """Overlapping pairs of two polygon arrays (same projected CRS).

    1. candidate pairs from an STRtree over B (bounding boxes);
    2. A wholly inside B (``contains_properly`` with B prepared) takes its own area — no clipping;
    3. of the rest, pairs that really intersect (prepared test) are clipped against small pieces of
       B (:func:`subdivide`) instead of the whole, detailed B polygon, and areas summed per pair.

    Returns ``(ai, bi, area)`` — positions in ``ga``/``gb`` and overlap area, pairs with zero
    overlap (only touching) dropped.
    """
    import shapely

    shapely.prepare(gb)
    tree = shapely.STRtree(gb)
    ai, bi = tree.query(ga)
    area_a = shapely.area(ga)
    inside = shapely.contains_properly(gb[bi], ga[ai])
    rest = np.flatnonzero(~inside)
    rest = rest[shapely.intersects(gb[bi[rest]], ga[ai[rest]])]
    out_a, out_b, out_area = [ai[inside]], [bi[inside]], [area_a[ai[inside]]]
    if len(rest):
        crossing_b = np.unique(bi[rest])
        pieces, owner_local = subdivide(gb[crossing_b], max_vertices=max_vertices)
        owner = crossing_b[owner_local]
        shapely.prepare(pieces)
        ptree = shapely.STRtree(pieces)
        crossing_a = np.unique(ai[rest])
        ca, cp = ptree.query(ga[crossing_a])
        ca = crossing_a[ca]
        # keep (A, piece) only where the piece belongs to a B that A crosses, and really meets A
        nb = len(gb)
        sel = np.isin(ca.astype(np.int64) * nb + owner[cp], ai[rest].astype(np.int64) * nb + bi[rest])
        ca, cp = ca[sel], cp[sel]
        meets = shapely.intersects(pieces[cp], ga[ca])
        ca, cp = ca[meets], cp[meets]
        area = _intersection_areas(ga[ca], pieces[cp])
        out_a.append(ca)
        out_b.append(owner[cp])
        out_area.append(area)
    ai, bi, area = np.concatenate(out_a), np.concatenate(out_b), np.concatenate(out_area)
    keep = area > 0
    ai, bi, area = ai[keep], bi[keep], area[keep]
    key = ai.astype(np.int64) * len(gb) + bi
    uniq, inv = np.unique(key, return_inverse=True)
    total = np.bincount(inv, weights=area)
    logger.debug("overlap: %d inside, %d clipped pairs", int(inside.sum()), len(rest))
    return uniq // len(gb), uniq % len(gb), total


def overlap(a, b, *, a_id: str = "id", b_id: str = "id", a_name: str = "name_zh", b_name: str = "name_zh",
            keep_unmatched: bool = True, min_area_m2: float = 1.0):
    """Every overlapping pair of A and B with overlap in m², 亩, 公顷 and the share of each.

    Parameters
    ----------
    a, b
        Polygon GeoDataFrames in the same CRS (a mismatch raises :class:`CRSMismatchError`).
    a_id, b_id, a_name, b_name
        Columns used to label features (the index when a column is missing).
    min_area_m2
        Overlaps smaller than this (m²) are boundary slivers of adjoining layers, not overlaps,
        and are not reported as pairs.
    keep_unmatched
        Also return one row (``status="no_overlap"``) for each feature of A that overlaps nothing,
        so that no input feature disappears from the answer.

    Returns
    -------
    pandas.DataFrame
        ``a_index, a_id, a_name, b_index, b_id, b_name, overlap_m2, overlap_mu, overlap_ha,
        share_a, share_b, status`` ordered by A's input order.
    """
    import pandas as pd
    import shapely

    check_same_crs(a, b, names=("A", "B"))
    _require_polygons(a, "A")
    _require_polygons(b, "B")
    t0 = time.perf_counter()
    wa, wb = to_working(a), to_working(b)
    ga = np.asarray(wa.geometry.values, dtype=object)
    gb = np.asarray(wb.geometry.values, dtype=object)
    ai, bi, area = overlap_pairs(ga, gb)
    big = area >= min_area_m2
    ai, bi, area = ai[big], bi[big], area[big]
    area_a, area_b = shapely.area(ga), shapely.area(gb)
    la, lb = _labels(a, a_id), _labels(b, b_id)
    na = a[a_name].astype(str).to_numpy() if a_name in a.columns else la
    nb = b[b_name].astype(str).to_numpy() if b_name in b.columns else lb
    n_pairs = len(ai)
    if len(lb) == 0:  # empty B: keep the index arithmetic below valid
        lb = nb = np.array([""], dtype=object)
    if keep_unmatched:
        lone = np.setdiff1d(np.arange(len(ga)), ai)
        a_all = np.concatenate([ai, lone])
        b_all = np.concatenate([bi, np.full(len(lone), -1)])
        ar_all = np.concatenate([area, np.zeros(len(lone))])
    else:
        a_all, b_all, ar_all = ai, bi, area
    order = np.lexsort((-ar_all, a_all))  # A's input order, largest overlap first
    a_all, b_all, ar_all = a_all[order], b_all[order], ar_all[order]
    matched = b_all >= 0
    bsafe = np.where(matched, b_all, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_a = np.where(area_a[a_all] > 0, ar_all / area_a[a_all], 0.0)
        share_b = np.where(matched & (area_b[bsafe] > 0), ar_all / area_b[bsafe], np.nan)
    df = pd.DataFrame({
        "a_index": a_all, "a_id": la[a_all], "a_name": na[a_all],
        "b_index": np.where(matched, b_all, -1),
        "b_id": np.where(matched, lb[bsafe], None), "b_name": np.where(matched, nb[bsafe], None),
        "overlap_m2": ar_all, "overlap_mu": ar_all / settings.MU_M2, "overlap_ha": ar_all / 10_000,
        "share_a": share_a, "share_b": share_b,
        "status": np.where(matched, "overlap", "no_overlap"),
    })
    logger.info("Overlapped %d × %d features: %d pairs in %.2f s", len(a), len(b), n_pairs, time.perf_counter() - t0)
    return df
