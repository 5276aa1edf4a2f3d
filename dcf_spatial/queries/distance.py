"""How far is each feature of A from the nearest feature of B? Which lie within D km?

Why not ``geopandas.sjoin_nearest``: against a few detailed zone polygons it computes a full
point–polygon distance for every candidate, including the many points that lie *inside* a zone.
Here (a) containment is tested first, with the zone polygons prepared, so inside points get
distance 0 without any distance computation; (b) the remaining points are matched against an
STRtree of the zones' boundary *segments* — for a point outside a polygon the distance to the
polygon equals the distance to its nearest boundary segment, and a segment tree answers that in
logarithmic time. Distances agree with GEOS to far below a millimetre (see the benchmark).
All measuring happens in the working CRS (EPSG:4548).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from ..crs import check_same_crs, to_working

logger = logging.getLogger(__name__)


def boundary_segments(geoms: np.ndarray):
    """Split the boundaries of polygons (or lines) into 2-point segments.

    Returns ``(segments, owner)``: a shapely LineString array and the position of the geometry
    each segment came from.
    """
    import shapely

    lines = np.where(np.isin(shapely.get_type_id(geoms), (3, 6)), shapely.boundary(geoms), geoms)
    parts, part_owner = shapely.get_parts(lines, return_index=True)
    coords, cidx = shapely.get_coordinates(parts, return_index=True)
    same = cidx[1:] == cidx[:-1]
    starts = np.flatnonzero(same)
    seg = np.stack([coords[starts], coords[starts + 1]], axis=1)
    segments = shapely.linestrings(seg)
    return segments, part_owner[cidx[starts]]


def nearest_positions(ga: np.ndarray, gb: np.ndarray, *, max_distance: float | None = None):
    """Nearest B for every A (same projected CRS): ``(b_pos, distance, inside)``.

    ``b_pos`` is -1 where nothing lies within ``max_distance``. For ties the lowest position wins
    for points inside several B features; otherwise the first segment the tree returns.
    """
    import shapely

    n = len(ga)
    b_pos = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.inf)
    inside = np.zeros(n, dtype=bool)
    if n == 0 or len(gb) == 0:
        return b_pos, dist, inside
    b_types = set(shapely.get_type_id(gb).tolist())
    a_points = set(shapely.get_type_id(ga).tolist()) <= {0}
    if b_types <= {3, 6}:
        # 1. containment: tree over A, polygons of B as (prepared) queries
        shapely.prepare(gb)
        tree_a = shapely.STRtree(ga)
        bi, ai = tree_a.query(gb, predicate="intersects")
        if len(ai):
            order = np.lexsort((bi, ai))
            ai, bi = ai[order], bi[order]
            first = np.r_[True, ai[1:] != ai[:-1]]
            b_pos[ai[first]] = bi[first]
            dist[ai[first]] = 0.0
            inside[ai[first]] = True
        rest = np.flatnonzero(~inside)
        if len(rest):
            if a_points:
                # 2. outside points: nearest boundary segment
                segs, owner = boundary_segments(gb)
                tree = shapely.STRtree(segs)
                (qi, ti), d = tree.query_nearest(ga[rest], max_distance=max_distance, return_distance=True,
                                                 all_matches=False)
                b_pos[rest[qi]] = owner[ti]
                dist[rest[qi]] = d
            else:
                tree = shapely.STRtree(gb)
                (qi, ti), d = tree.query_nearest(ga[rest], max_distance=max_distance, return_distance=True,
                                                 all_matches=False)
                b_pos[rest[qi]] = ti
                dist[rest[qi]] = d
    else:
        tree = shapely.STRtree(gb)
        (qi, ti), d = tree.query_nearest(ga, max_distance=max_distance, return_distance=True, all_matches=False)
        b_pos[qi] = ti
        dist[qi] = d
        inside[qi] = d == 0
    return b_pos, dist, inside


def nearest(a, b, *, b_id: str = "id", b_name: str = "name_zh", max_km: float | None = None):
    """For each feature of A, the nearest feature of B and the distance.

    Parameters
    ----------
    a, b
        GeoDataFrames in the same CRS (a mismatch raises :class:`CRSMismatchError`).
    max_km
        Search radius; features of A with nothing within it get ``status="none_within"``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``a``: ``b_index, b_id, b_name, distance_m, distance_km, inside, status``.

    Examples
    --------
    >>> from dcf_spatial.store import catalog
    >>> nearest(catalog.read_layer("anchor_enterprises"), catalog.read_layer("industrial_clusters"))  # doctest: +SKIP
    """
    import pandas as pd
    import shapely

    check_same_crs(a, b, names=("A", "B"))
    t0 = time.perf_counter()
    ga = np.asarray(to_working(a).geometry.values, dtype=object)
    gb = np.asarray(to_working(b).geometry.values, dtype=object)
    b_pos, dist, inside = nearest_positions(ga, gb, max_distance=None if max_km is None else max_km * 1000)
    found = b_pos >= 0
    ids = b[b_id].astype(str).to_numpy() if b_id in b.columns else b.index.astype(str).to_numpy()
    names = b[b_name].astype(str).to_numpy() if b_name in b.columns else ids
    safe = np.where(found, b_pos, 0)
    out = pd.DataFrame({
        "b_index": np.where(found, b_pos, -1),
        "b_id": np.where(found, ids[safe] if len(ids) else "", None),
        "b_name": np.where(found, names[safe] if len(names) else "", None),
        "distance_m": np.where(found, dist, np.nan),
        "distance_km": np.where(found, dist / 1000, np.nan),
        "inside": inside,
        "status": np.where(found, np.where(inside, "inside", "nearest"), "none_within"),
    }, index=a.index)
    # a feature of A without geometry (e.g. a table row with no coordinates) is kept, and said so
    empty = shapely.is_missing(ga) | shapely.is_empty(ga)
    out.loc[empty, "status"] = "no_geometry"
    # a feature whose point only stands in for an unknown place (the plan names the enterprise but
    # not where it is) is kept, but not measured: its distance would be the stand-in's
    unknown = _location_unknown(a) & ~empty
    if unknown.any():
        out.loc[unknown, ["b_id", "b_name"]] = None
        out.loc[unknown, ["distance_m", "distance_km"]] = np.nan
        out.loc[unknown, "b_index"] = -1
        out.loc[unknown, "inside"] = False
        out.loc[unknown, "status"] = "location_unknown"
    logger.info("Nearest of %d features among %d in %.2f s", len(a), len(b), time.perf_counter() - t0)
    return out


def within_distance(a, b, km: float, **kwargs):
    """Features of A within ``km`` of B: every row of A with ``within`` (bool), the nearest B and
    its distance (also for rows beyond ``km``; ``status`` ``"within"`` or ``"beyond"``), indexed
    like ``a``."""
    if km is None or km < 0:
        from ..errors import InputError

        raise InputError(f"距离 km 须 ≥ 0（公里），收到 {km!r}。")
    out = nearest(a, b, **kwargs)
    out["within"] = (out["distance_m"] <= km * 1000).to_numpy()
    unmeasured = out["status"].isin(["no_geometry", "location_unknown"]).to_numpy()
    out["status"] = np.where(unmeasured, out["status"], np.where(out["within"], "within", "beyond"))
    return out


#: a column saying whether a feature's point is a real place (the plan-named enterprises layer)
LOCATION_FLAG = "location_known"


def _location_unknown(gdf) -> np.ndarray:
    """True where ``LOCATION_FLAG`` says the point is not a real place (False/否/0)."""
    from ..io.rows import says_false

    if LOCATION_FLAG not in gdf.columns:
        return np.zeros(len(gdf), dtype=bool)
    return says_false(gdf[LOCATION_FLAG].tolist())
