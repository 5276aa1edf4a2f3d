"""Which of a few polygons holds each of many points: ``(point, polygon)`` pairs, as arrays.

Used by the zone join of points (:func:`dcf_spatial.land.zones.assign_largest_share`) and the
containment step of :func:`dcf_spatial.queries.distance.nearest_positions`.

Why not ``geopandas.sjoin`` or one ``STRtree.query(points, predicate=…)``: both test every point
against every polygon whose bounding box holds it (the tree prepares the many points, not the
few polygons). Here the points are binned in a coarse grid, and a cell that no polygon boundary
touches lies wholly inside or wholly outside each polygon — its centre says which — so all its
points are answered at once, with no per-point test. Only the points of the cells a boundary
crosses (a small share: boundaries are lines, cells are areas) are tested one by one, with
``shapely.contains_xy`` / ``intersects_xy`` against the polygons prepared once, on their
coordinates (no Point objects). Shapely and GEOS have no bulk operation that skips the per-point
test, hence this hand-written cell step; the tests compare it with ``geopandas.sjoin``.
"""

from __future__ import annotations

import numpy as np

#: below this many points the grid costs more than it saves: every candidate pair is tested
_GRID_MIN_POINTS = 4096
#: points per grid cell (on average over the points' extent) and the most cells: the classifying
#: of cells costs a tree query each, the points of boundary cells a test each; measured on the
#: 14 townships and on 40 zones of ~800 vertices, 200k points, this is near the minimum of both
_POINTS_PER_CELL = 48
_MAX_CELLS = 4096


def polygon_of_points(x, y, polygons, *, boundary: bool = False, pick: str = "first") -> np.ndarray:
    """The polygon each point lies in: its position in ``polygons``, -1 for none.

    Parameters
    ----------
    x, y
        Float arrays of the points' coordinates (same CRS as ``polygons``); NaN for a point
        without coordinates, which is in no polygon.
    polygons
        Array of shapely (Multi)Polygons, few compared with the points; prepared here (in place).
    boundary
        ``False``: strictly inside (a point on a polygon's boundary is not in it, as
        ``sjoin(predicate="within")``); ``True``: a point on the boundary counts as inside
        (``intersects``).
    pick
        For a point in several (overlapping) polygons: ``"first"`` (lowest position) or
        ``"last"`` (highest).

    Returns
    -------
    numpy.ndarray
        int64, one per point.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> zones = np.array([shapely.box(0, 0, 10, 10), shapely.box(5, 0, 20, 10)])
    >>> polygon_of_points(np.array([1.0, 7.0, 10.0, 30.0]), np.array([1.0, 1.0, 5.0, 1.0]), zones)
    array([ 0,  0,  1, -1])
    >>> polygon_of_points(np.array([1.0, 7.0, 10.0]), np.array([1.0, 1.0, 5.0]), zones, pick="last")
    array([0, 1, 1])
    """
    import shapely

    if pick not in ("first", "last"):
        raise ValueError(f"pick must be 'first' or 'last', not {pick!r}")
    x = np.ascontiguousarray(x, dtype=float)
    y = np.ascontiguousarray(y, dtype=float)
    polygons = np.asarray(polygons, dtype=object)
    n = len(x)
    # the answer per point is reduced with a ufunc: min for "first" (none = a sentinel above every
    # position, turned into -1 at the end), max for "last" (none = -1)
    none = len(polygons) if pick == "first" else -1
    reduce_at = np.minimum.at if pick == "first" else np.maximum.at
    out = np.full(n, none, dtype=np.int64)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any() or not len(polygons):
        return np.full(n, -1, dtype=np.int64)
    shapely.prepare(polygons)
    test = shapely.intersects_xy if boundary else shapely.contains_xy
    tree = shapely.STRtree(polygons)
    idx = np.flatnonzero(ok)
    if len(idx) < _GRID_MIN_POINTS:
        pi, zj = tree.query(shapely.points(x[idx], y[idx]))
        pi = idx[pi]
        hit = test(polygons[zj], x[pi], y[pi])
        reduce_at(out, pi[hit], zj[hit])
        out[out == none] = -1
        return out
    # 1. a grid over the points' extent; each point's cell
    xs, ys = x[idx], y[idx]
    x0, y0, x1, y1 = xs.min(), ys.min(), xs.max(), ys.max()
    cells_wanted = min(_MAX_CELLS, max(1, len(idx) // _POINTS_PER_CELL))
    size = max(float(np.sqrt(max((x1 - x0) * (y1 - y0), 1e-6) / cells_wanted)), 1e-6)
    nx = int((x1 - x0) // size) + 1
    ny = int((y1 - y0) // size) + 1
    cell = np.minimum((ys - y0) // size, ny - 1).astype(np.int64) * nx + \
        np.minimum((xs - x0) // size, nx - 1).astype(np.int64)
    occupied = np.flatnonzero(np.bincount(cell, minlength=nx * ny))
    cx0, cy0 = x0 + (occupied % nx) * size, y0 + (occupied // nx) * size
    # closed boxes, a hair larger than the cells so that rounding in the binning cannot put a
    # point outside its cell's box
    eps = size * 1e-9 + 1e-9
    boxes = shapely.box(cx0 - eps, cy0 - eps, cx0 + size + eps, cy0 + size + eps)
    # 2. cells that a polygon boundary touches (a tree of the boundaries' parts); all others lie
    # wholly inside or outside each polygon whose bounding box they meet: their centre decides
    rings = shapely.get_parts(shapely.boundary(polygons))
    touched = np.zeros(len(occupied), dtype=bool)
    if len(rings):
        bi, _ = shapely.STRtree(rings).query(boxes, predicate="intersects")
        touched[bi] = True
    ci, cz = tree.query(boxes)  # (cell, polygon) by bounding box
    clean = ~touched[ci]
    inside = shapely.contains_xy(polygons[cz[clean]], cx0[ci[clean]] + size / 2, cy0[ci[clean]] + size / 2)
    cell_poly = np.full(len(occupied), none, dtype=np.int64)
    reduce_at(cell_poly, ci[clean][inside], cz[clean][inside])
    # 3. points of clean cells take their cell's polygon; points of touched cells are tested one
    # by one against the polygons whose bounding box meets their cell
    slot = np.full(nx * ny, -1, dtype=np.int64)
    slot[occupied] = np.arange(len(occupied))
    pslot = slot[cell]
    out[idx] = cell_poly[pslot]
    pts = np.flatnonzero(touched[pslot])
    if len(pts):
        tc, tz = ci[~clean], cz[~clean]
        order = np.argsort(tc, kind="stable")
        tc, tz = tc[order], tz[order]
        start = np.searchsorted(tc, np.arange(len(occupied)))
        k = np.bincount(tc, minlength=len(occupied))[pslot[pts]]
        p = np.repeat(pts, k)
        z = tz[np.repeat(start[pslot[pts]], k) + np.arange(len(p)) - np.repeat(np.cumsum(k) - k, k)]
        hit = test(polygons[z], xs[p], ys[p])
        reduce_at(out, idx[p[hit]], z[hit])
    out[out == none] = -1
    return out
