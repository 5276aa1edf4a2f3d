"""How far is each feature of A from the nearest feature of B? Which lie within D km?

Why not ``geopandas.sjoin_nearest``: it computes a full point–polygon distance (a point-in-polygon
test plus every boundary segment) for every point and candidate zone. Here, for points against
polygons or lines:

(a) containment first: for points, :func:`dcf_spatial.queries.points_in.polygon_of_points` (a
    coarse grid of the points: a cell no zone boundary touches is answered by its centre, only the
    points of boundary cells are tested, on their coordinates, against the zones prepared once);
    for other geometries an STRtree over the few zones gives candidate pairs that the prepared
    zones test. Inside points get distance 0 with no distance computation;
(b) the remaining points are matched against the zones' boundary *segments* — for a point outside
    a polygon the distance to the polygon equals the distance to its nearest boundary segment.
    The points are binned in a grid; for each occupied cell the exact distance from its centre to
    the nearest segment bounds which segments can be nearest to any point of the cell (those within
    that distance plus the cell's diagonal), found by STRtree queries for blocks of cells and numpy
    for the cells in them; the exact distance to each such candidate is then computed with numpy,
    rank by rank.

(c) with a radius (``within``, ``nearest(max_km=…)``) whole cells of points are settled first
    (:func:`settled_by_cells`: a cell that no boundary crosses lies inside a polygon, or, farther
    than the radius from every boundary segment, beyond), so that only the points near a boundary
    are tested and measured — unless B is detailed, where settling costs more than it saves.

GEOS has no bulk point-to-segment distance, and ``STRtree.query_nearest`` runs a separate
best-first search for every point (the slowest part before): measured on the shipped layers and
on detailed synthetic zones, the grid is the faster of the two in both cases (see
``benchmarks/bench_peers.py``), hence the hand-written candidate filter. Distances agree with GEOS
to far below a millimetre (the benchmark checks < 1 mm); within a micrometre of a radius GEOS measures
again and decides the side (:data:`RADIUS_RECHECK_M`). All measuring happens in the working CRS
(EPSG:4548); rows without usable coordinates (:func:`unplaceable`: NaN, infinite, off the Earth) are
not measured.
"""

from __future__ import annotations

import logging
import os
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


#: points per occupied grid cell in :func:`nearest_segments` (measured, 200k points: 32–64 is fastest on the
#: shipped layers and on 800-vertex zones alike: more cells cost more tree queries, fewer cells more
#: candidate segments per point)
POINTS_PER_CELL = 48
#: above this many candidate segments for a cell, its points use the segment tree's nearest search
#: (measured break-even: a best-first search costs about as much as ~100–200 numpy distances)
MAX_CANDIDATES = 128
#: points per numpy chunk (keeps the pair arrays in cache and out of fresh page-faulted memory)
_CHUNK = 4096


def nearest_segments(xy: np.ndarray, segments: np.ndarray, *, threads: int | None = None):
    """Exact nearest segment of many points: ``(segment_position, distance)``, one per row of ``xy``.

    Parameters
    ----------
    xy
        ``(n, 2)`` float array of point coordinates (projected, metres).
    segments
        Shapely 2-point LineStrings (e.g. from :func:`boundary_segments`), at least one.
    threads
        Threads for the distance step (default: up to 2 for large inputs).

    Returns
    -------
    tuple of numpy arrays
        Position of the nearest segment and the distance to it. Ties go to the first candidate.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> segs = shapely.linestrings([[[0, 0], [10, 0]], [[0, 5], [10, 5]]])
    >>> nearest_segments(np.array([[5.0, 1.0], [5.0, 9.0]]), segs)
    (array([0, 1]), array([1., 4.]))
    """
    import shapely

    m = len(xy)
    best_s = np.zeros(m, dtype=np.int64)
    best_d = np.zeros(m)
    if m == 0:
        return best_s, best_d
    c = shapely.get_coordinates(segments).reshape(-1, 2, 2)
    ax, ay = c[:, 0, 0], c[:, 0, 1]
    dx, dy = c[:, 1, 0] - ax, c[:, 1, 1] - ay
    l2 = dx * dx + dy * dy
    inv = np.divide(1.0, l2, out=np.zeros_like(l2), where=l2 > 0)  # a zero-length segment is its point
    # 1. grid of the points; the occupied cells and their centres. The coordinates are kept as two
    # 1-D arrays: reductions and gathers on the columns of an (n, 2) array cost several times more
    px, py = np.ascontiguousarray(xy[:, 0], dtype=float), np.ascontiguousarray(xy[:, 1], dtype=float)
    x0, y0, x1, y1 = px.min(), py.min(), px.max(), py.max()
    size = max(float(np.sqrt(max((x1 - x0) * (y1 - y0), 1.0) * POINTS_PER_CELL / m)), 1e-3)
    nx = int((x1 - x0) // size) + 1
    cell = ((py - y0) // size).astype(np.int64) * nx + ((px - x0) // size).astype(np.int64)
    # the points in cell order (one sort, which also gives the occupied cells): every later per-point
    # gather and the searchsorted below then walk memory in order; the answers are put back in the
    # input order at the end. A 16-bit key sorts by radix (a fraction of a comparison sort).
    by_cell = np.argsort(cell.astype(np.uint16) if cell.max() < 2 ** 16 else cell, kind="stable")
    cell = cell[by_cell]
    new_cell = np.r_[True, cell[1:] != cell[:-1]]
    cells, cell_of = cell[new_cell], np.cumsum(new_cell) - 1
    px, py = px[by_cell], py[by_cell]
    cx, cy = x0 + (cells % nx + 0.5) * size, y0 + (cells // nx + 0.5) * size
    centres = shapely.points(cx, cy)
    # 2. candidates of a cell: every segment within (nearest distance of the centre + the cell's
    # diagonal) of its centre — a segment farther than that is farther from every point of the cell
    # than the centre's nearest segment is. Found in two levels: blocks of _BLOCK × _BLOCK cells get
    # their candidates from the segment tree (the same rule with the block's size), and each cell's
    # are then picked from its block's list with numpy: the block's list holds every candidate of
    # each of its cells (see _cell_candidates), and a few hundred tree queries cost far less than
    # one per cell.
    tree = shapely.STRtree(segments)
    diag = size * np.sqrt(2)
    ci, si, dcs = _cell_candidates(tree, cells, nx, size, x0, y0, cx, cy, ax, ay, dx, dy, inv)
    # each cell's candidates sorted by their distance from the centre (the first is the centre's
    # nearest), as one increasing key: distances offset by cell
    span = float(dcs.max()) + 2 * diag + 1.0
    key = dcs + ci * span
    order = np.argsort(key)
    ci, si, dcs, key = ci[order], si[order], dcs[order], key[order]
    first = np.searchsorted(ci, np.arange(len(cells)))  # every cell has ≥ 1 candidate
    # 3. per point, a tighter bound: with r its distance from the centre and u its distance to the
    # centre's nearest segment, only segments at most u + r from the centre can be nearest to it —
    # a prefix of the cell's sorted list. Its length comes from one searchsorted over all cells
    # (distances offset by cell so that the lists form one increasing sequence; the 1 mm margin
    # covers rounding and only ever adds candidates).
    first_p = first[cell_of]
    r = np.hypot(px - cx[cell_of], py - cy[cell_of])
    u2 = _dist2(px, py, slice(None), si[first_p], ax, ay, dx, dy, inv)
    k = np.searchsorted(key, (np.sqrt(u2) + r + 1e-3) + cell_of * span, side="right") - first_p
    k = np.maximum(k, 1)
    # points with very many candidates (detailed boundaries, short segments): a best-first search
    # of the segment tree per point is cheaper there
    heavy = k > MAX_CANDIDATES
    if heavy.any():
        hp = np.flatnonzero(heavy)
        (qi, ti), d = tree.query_nearest(shapely.points(px[hp], py[hp]), return_distance=True, all_matches=False)
        best_s[hp[qi]] = ti
        best_d[hp[qi]] = d
    light = np.flatnonzero(~heavy)

    # 4. exact point–segment distances of every other point to its candidates, by candidate rank:
    # with the points ordered by their number of candidates (most first), the points that have a
    # j-th candidate are a prefix, so rank j is one pass of contiguous slices (no per-pair index
    # arrays, no segmented minimum). A later candidate replaces the best only when strictly nearer:
    # ties go to the first. Two halves run on a small thread pool (numpy releases the GIL).
    def run(rows):
        rows = rows[np.argsort(-k[rows], kind="stable")]
        kr, fr = k[rows], first_p[rows]
        qx, qy = px[rows], py[rows]
        active = np.searchsorted(-kr, -np.arange(int(kr[0])), side="left")  # points with a j-th candidate
        bs, bd = si[fr], u2[rows]  # rank 0: the centre's nearest, measured above
        for j in range(1, len(active)):
            n_j = active[j]
            sj = si[fr[:n_j] + j]
            d2 = _dist2(qx[:n_j], qy[:n_j], slice(None), sj, ax, ay, dx, dy, inv)
            better = d2 < bd[:n_j]
            np.copyto(bd[:n_j], d2, where=better)
            np.copyto(bs[:n_j], sj, where=better)
        best_s[rows] = bs
        best_d[rows] = np.sqrt(bd)

    workers = threads or (min(2, os.cpu_count() or 1) if len(light) > 8 * _CHUNK else 1)
    if not len(light):
        pass
    elif workers > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, [light[w::workers] for w in range(workers)]))
    else:
        run(light)
    out_s, out_d = np.empty_like(best_s), np.empty_like(best_d)
    out_s[by_cell], out_d[by_cell] = best_s, best_d
    return out_s, out_d


#: cells per side of a block in :func:`_cell_candidates`
_BLOCK = 2


def _cell_candidates(tree, cells, nx, size, x0, y0, cx, cy, ax, ay, dx, dy, inv):
    """``(cell, segment, distance from the cell's centre)`` for every segment within the centre's
    nearest distance + the cell's diagonal of the centre.

    Exact by the triangle inequality: with ``C`` a block's centre, ``c`` a cell's centre in it,
    ``h = |Cc|`` ≤ (block diagonal − cell diagonal) / 2 and ``R`` the block centre's nearest
    distance, the cell centre's nearest distance is ≤ R + h, and a segment within (that + the cell
    diagonal) of ``c`` is within R + 2h + cell diagonal ≤ R + block diagonal of ``C`` — in the
    block's list."""
    import shapely

    diag = size * np.sqrt(2)
    col, row = cells % nx, cells // nx
    nbx = nx // _BLOCK + 1
    blocks, block_of = np.unique((row // _BLOCK) * nbx + col // _BLOCK, return_inverse=True)
    bsize = size * _BLOCK
    bx, by = x0 + (blocks % nbx + 0.5) * bsize, y0 + (blocks // nbx + 0.5) * bsize
    bcentres = shapely.points(bx, by)
    (qi, _), dc = tree.query_nearest(bcentres, return_distance=True, all_matches=False)
    reach = np.empty(len(blocks))
    reach[qi] = dc
    bi, bs = tree.query(bcentres, predicate="dwithin", distance=reach + bsize * np.sqrt(2) + 1e-6)
    order = np.argsort(bi, kind="stable")
    bi, bs = bi[order], bs[order]
    bstart = np.searchsorted(bi, np.arange(len(blocks)))
    # every cell × its block's list
    kc = np.bincount(bi, minlength=len(blocks))[block_of]
    ci = np.repeat(np.arange(len(cells)), kc)
    start = np.cumsum(kc) - kc
    si = bs[np.repeat(bstart[block_of] - start, kc) + np.arange(len(ci))]
    d = np.sqrt(_dist2(cx, cy, ci, si, ax, ay, dx, dy, inv))
    near = np.minimum.reduceat(d, start)
    keep = d <= near[ci] + diag + 1e-6
    return ci[keep], si[keep], d[keep]


def _dist2(px, py, pi, sj, ax, ay, dx, dy, inv):
    """Squared distances from points ``(px[pi], py[pi])`` to segments ``sj`` (start ``ax, ay``,
    direction ``dx, dy``, ``inv`` = 1 / squared length, 0 for a zero-length segment)."""
    qx = px[pi] - ax[sj]
    qy = py[pi] - ay[sj]
    ddx, ddy = dx[sj], dy[sj]
    t = (qx * ddx + qy * ddy) * inv[sj]
    np.clip(t, 0.0, 1.0, out=t)
    qx -= t * ddx
    qy -= t * ddy
    return qx * qx + qy * qy


def nearest_positions(ga: np.ndarray, gb: np.ndarray, *, max_distance: float | None = None):
    """Nearest B for every A (same projected CRS): ``(b_pos, distance, inside)``.

    ``b_pos`` is -1 where nothing lies within ``max_distance`` (and for A without geometry). For
    points inside several B features the lowest position wins; for equally near boundaries, the
    first candidate.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> zones = np.array([shapely.box(0, 0, 10, 10), shapely.box(20, 0, 30, 10)])
    >>> nearest_positions(np.array([shapely.Point(5, 5), shapely.Point(17, 5)]), zones)
    (array([0, 1]), array([0., 3.]), array([ True, False]))
    """
    import shapely

    n = len(ga)
    b_pos = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.inf)
    inside = np.zeros(n, dtype=bool)
    if n == 0 or len(gb) == 0:
        return b_pos, dist, inside
    b_types = set(shapely.get_type_id(gb).tolist())
    a_types = shapely.get_type_id(ga)
    a_points = bool(np.isin(a_types, (-1, 0)).all())  # -1: missing
    if a_points and b_types <= {1, 2, 3, 5, 6}:
        return _nearest_of_points(ga, gb, b_types, max_distance, b_pos, dist, inside)
    rest = np.flatnonzero(~unplaceable(ga))
    if b_types <= {3, 6}:
        # 1. containment: a tree over the few polygons of B, (point, polygon) candidates by bounding
        # box, tested with B prepared (prepared first argument)
        shapely.prepare(gb)
        ai, bi = shapely.STRtree(gb).query(ga[rest])
        ai = rest[ai]
        hit = shapely.intersects(gb[bi], ga[ai])
        ai, bi = ai[hit], bi[hit]
        if len(ai):
            ai, bi = _first_of_each(ai, bi)
            b_pos[ai] = bi
            dist[ai] = 0.0
            inside[ai] = True
            rest = rest[~inside[rest]]
    if not len(rest):
        return b_pos, dist, inside
    tree = shapely.STRtree(gb)
    if max_distance is not None and max_distance <= 0:
        # GEOS refuses a radius of 0 (``max_distance must be greater than 0``): at distance 0 is intersecting,
        # the lowest position first
        qi, ti = _first_of_each(*tree.query(ga[rest], predicate="intersects"))
        d = np.zeros(len(qi))
    else:
        (qi, ti), d = tree.query_nearest(ga[rest], max_distance=max_distance, return_distance=True, all_matches=False)
    b_pos[rest[qi]] = ti
    dist[rest[qi]] = d
    inside[rest[qi]] = d == 0
    return b_pos, dist, inside


def _first_of_each(ai, bi, d=None):
    """Of pairs ``(ai, bi)`` (with distances ``d``), one per ``ai``: the nearest, then the lowest ``bi``.

    Examples
    --------
    >>> _first_of_each(np.array([1, 0, 1]), np.array([5, 3, 2]))
    (array([0, 1]), array([3, 2]))
    >>> _first_of_each(np.array([1, 0, 1]), np.array([5, 3, 2]), np.array([1.0, 0.0, 2.0]))
    (array([0, 1]), array([3, 5]), array([0., 1.]))
    """
    order = np.lexsort((bi, ai) if d is None else (bi, d, ai))
    ai, bi = ai[order], bi[order]
    first = np.r_[True, ai[1:] != ai[:-1]] if len(ai) else np.zeros(0, dtype=bool)
    return (ai[first], bi[first]) if d is None else (ai[first], bi[first], d[order][first])


def point_xy(points: np.ndarray):
    """``(x, y)`` float arrays of an array of shapely Points, NaN for a missing or empty point
    (``shapely.get_x`` raises on an empty point: then the coordinates are taken with their index).

    Examples
    --------
    >>> import shapely
    >>> point_xy(np.array([shapely.Point(1, 2), None, shapely.Point()], dtype=object))
    (array([ 1., nan, nan]), array([ 2., nan, nan]))
    """
    import shapely

    try:  # the common case, no empty point: a third of the time of get_coordinates with its index
        return shapely.get_x(points), shapely.get_y(points)
    except shapely.errors.GEOSException:
        pass
    coords, at = shapely.get_coordinates(points, return_index=True)
    x, y = np.full(len(points), np.nan), np.full(len(points), np.nan)
    x[at], y[at] = coords[:, 0], coords[:, 1]
    return x, y


#: a coordinate in the working CRS (EPSG:4548, metres) beyond this is no place on Earth (the projection spans some
#: thousands of km; the Earth's circumference is 40,000 km): such a geometry, like one with a NaN or infinite
#: coordinate, is not measured (the grids would overflow: a point at 1e300 made their cell count NaN)
MAX_COORDINATE_M = 1e8


def _placeable_xy(x, y) -> np.ndarray:
    """True where both coordinates are numbers within :data:`MAX_COORDINATE_M` (False for NaN, ±inf)."""
    return (np.abs(x) <= MAX_COORDINATE_M) & (np.abs(y) <= MAX_COORDINATE_M)


def unplaceable(geoms: np.ndarray) -> np.ndarray:
    """True for each geometry that gives no place to measure from: missing, empty, or with a coordinate
    that is not a finite number or lies beyond :data:`MAX_COORDINATE_M` (working CRS, metres).

    Examples
    --------
    >>> import shapely
    >>> unplaceable(np.array([shapely.Point(1, 2), None, shapely.Point(), shapely.Point(float("nan"), 0),
    ...                       shapely.MultiPoint([(0, 0), (1e300, 0)]), shapely.LineString([(0, 0), (1, 1)])]))
    array([False,  True,  True,  True,  True, False])
    """
    import shapely

    if np.isin(shapely.get_type_id(geoms), (-1, 0)).all():
        # points (the common case): their bounds are their coordinates, NaN when missing or empty, in a third
        # of the time of get_x and get_y (not for other geometries: GEOS's envelope skips a NaN coordinate)
        xy = shapely.bounds(geoms)
        return ~_placeable_xy(xy[:, 0], xy[:, 1])
    coords, at = shapely.get_coordinates(geoms, return_index=True)
    bad = np.bincount(at, minlength=len(geoms)) == 0  # missing or empty: no coordinate
    bad[at[~_placeable_xy(coords[:, 0], coords[:, 1])]] = True
    return bad


def _nearest_of_points(ga, gb, b_types, max_distance, b_pos, dist, inside):
    """:func:`nearest_positions` for points (and missing geometries) against polygons or lines,
    on the points' coordinates: (1) the points inside a polygon (boundary included), from
    :func:`~dcf_spatial.queries.points_in.polygon_of_points`, at distance 0 and the lowest position;
    (2) the others, the nearest boundary segment (grid-filtered, exact)."""
    import shapely

    from .points_in import polygon_of_points

    x, y = point_xy(ga)
    valid = np.flatnonzero(_placeable_xy(x, y))
    segs, owner = boundary_segments(gb)
    # the polygons of B (all of B, or those of a layer mixing polygons and lines): a point inside
    # one is at distance 0, which the nearest boundary segment would not say
    polys = np.flatnonzero(np.isin(shapely.get_type_id(gb), (3, 6)))
    poly_geoms = gb[polys]
    shapely.prepare(poly_geoms)  # once, before any thread uses the polygons

    def part(rest, threads=None):
        # the points of ``rest`` only: the parts write disjoint rows of the output arrays
        if max_distance is not None and len(rest) and len(segs) and len(segs) <= _RADIUS_FILTER_MAX_SEGMENTS:
            # with a radius, whole cells of points are settled at once: inside a polygon (distance
            # 0) or beyond the radius (b_pos stays -1); only the others are tested and measured
            pos = settled_by_cells(x[rest], y[rest], poly_geoms, segs, max_distance)
            sure = pos >= 0
            held = rest[sure]
            b_pos[held], dist[held], inside[held] = polys[pos[sure]], 0.0, True
            rest = rest[pos == UNSETTLED]
        if len(polys) and len(rest):
            pos = polygon_of_points(x[rest], y[rest], poly_geoms, boundary=True, pick="first")
            hit = pos >= 0
            b_pos[rest[hit]], dist[rest[hit]], inside[rest[hit]] = polys[pos[hit]], 0.0, True
            rest = rest[~hit]
        if len(rest) and len(segs):
            s, d = nearest_segments(np.column_stack([x[rest], y[rest]]), segs, threads=threads)
            ok = d <= max_distance if max_distance is not None else np.ones(len(d), dtype=bool)
            b_pos[rest[ok]] = owner[s[ok]]
            dist[rest[ok]] = d[ok]
            inside[rest[ok]] = d[ok] == 0

    workers = min(2, os.cpu_count() or 1)
    if workers > 1 and len(valid) >= _PARALLEL_POINTS:
        # two halves of the plane (split at the median x), each on its own thread (shapely and
        # numpy release the GIL): every step runs on both cores, not only the distance step
        from concurrent.futures import ThreadPoolExecutor

        xv = x[valid]
        west = xv < np.partition(xv, len(xv) // 2)[len(xv) // 2]  # a mask keeps each half in input order
        halves = [valid[west], valid[~west]]
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda rows: part(rows, threads=1), halves))
    else:
        part(valid)
    return b_pos, dist, inside


#: from this many points on, :func:`nearest_positions` of points splits them over two threads
_PARALLEL_POINTS = 50_000
#: with a radius, :func:`nearest_positions` of points settles whole cells (:func:`settled_by_cells`)
#: only when B has at most this many boundary segments. Measured, 200k points, 1 km: on the shipped
#: layers (≤ 1,000 segments) it settles ~90 % of the points; on 40 zones of ~800 vertices (32,000
#: segments, most points within and near a boundary) measuring every point costs less
_RADIUS_FILTER_MAX_SEGMENTS = 4096
#: grid of :func:`settled_by_cells`: points per cell (on average over the points' extent) and the most
#: cells (measured, 200k points on the shipped layers: 16–128 within 15 % of the best, 64)
_SETTLE_POINTS_PER_CELL = 64
_SETTLE_MAX_CELLS = 1 << 16
#: :func:`settled_by_cells`: a point that its cell does not settle
UNSETTLED = -1
#: :func:`settled_by_cells`: a point farther than the radius from every geometry
BEYOND = -2


def settled_by_cells(x: np.ndarray, y: np.ndarray, polygons: np.ndarray, segments: np.ndarray,
                     radius: float) -> np.ndarray:
    """Settle points a whole grid cell at a time: inside a polygon, or beyond ``radius``.

    The points are binned in a grid; for each occupied cell, with ``h`` half its diagonal, the
    exact distance ``d`` from its centre to the nearest boundary segment
    (:func:`nearest_segments`) and the polygons holding the centre
    (:func:`~dcf_spatial.queries.points_in.polygon_of_points`) decide: when ``d > h`` no boundary
    crosses the cell, so every point of it lies in the same polygons as the centre (distance 0,
    the lowest position); when moreover the centre lies in none and ``d > radius + h``, every
    point is farther than ``radius`` from every segment (triangle inequality) and in no polygon.
    The other cells' points are left to be tested and measured one by one. Why not a buffer of B
    at ``radius`` and a point-in-polygon test: GEOS simplifies the input of a buffer and draws its
    round arcs as chords, so the buffer is not a superset of the points within (measured on wavy
    800-vertex zones: a point 999.76 m from a zone fell outside its 1 km buffer), and buffering
    detailed zones took seconds.

    Parameters
    ----------
    x, y
        Float arrays of point coordinates (projected, metres), at least one; a point with a coordinate
        that is not finite or beyond :data:`MAX_COORDINATE_M` is left :data:`UNSETTLED`.
    polygons
        The (Multi)Polygons of B, prepared (may be empty: B of lines only).
    segments
        Every boundary segment of B (:func:`boundary_segments`), at least one.
    radius
        In metres (≥ 0).

    Returns
    -------
    numpy.ndarray
        int64 per point: the position in ``polygons`` of the lowest polygon holding its whole
        cell, :data:`BEYOND`, or :data:`UNSETTLED`.

    Examples
    --------
    >>> import shapely
    >>> zone = np.array([shapely.box(0, 0, 4000, 4000)])
    >>> segs, _ = boundary_segments(zone)
    >>> g = np.arange(0.5, 6400, 100.0)  # 64 × 64 points 100 m apart: 64 cells of 787.5 m
    >>> x, y = (c.ravel() for c in np.meshgrid(g, g))
    >>> code = settled_by_cells(x, y, zone, segs, 20.0)
    >>> [int(code[(x == px) & (y == py)][0]) for px, py in [(1000.5, 1000.5), (3900.5, 2000.5), (6300.5, 6300.5)]]
    [0, -1, -2]
    """
    from .points_in import polygon_of_points

    placed = _placeable_xy(x, y)
    if not placed.all():  # NaN, infinite or absurd coordinates: left to the exact path, the grid spans the others
        code = np.full(len(x), UNSETTLED, dtype=np.int64)
        if placed.any():
            code[placed] = settled_by_cells(x[placed], y[placed], polygons, segments, radius)
        return code
    x0, y0, x1, y1 = x.min(), y.min(), x.max(), y.max()
    cells = min(_SETTLE_MAX_CELLS, max(1, len(x) // _SETTLE_POINTS_PER_CELL))
    # square cells; never so small that the extent's longer side has more than ``cells`` of them
    size = max(float(np.sqrt(max((x1 - x0) * (y1 - y0), 1e-6) / cells)), max(x1 - x0, y1 - y0) / cells, 1e-6)
    # a product and a truncation (the offsets are ≥ 0) cost a fraction of a floor division; rounding
    # is monotonic, so no index exceeds that of the extent's far side, and a point it puts in the
    # neighbouring cell lies a hair from that cell's box, which the margin of ``h`` covers
    inv = 1.0 / size
    nx, ny = int((x1 - x0) * inv) + 1, int((y1 - y0) * inv) + 1
    cell = ((y - y0) * inv).astype(np.int64) * nx + ((x - x0) * inv).astype(np.int64)
    occupied = np.flatnonzero(np.bincount(cell, minlength=nx * ny))
    cx, cy = x0 + (occupied % nx + 0.5) * size, y0 + (occupied // nx + 0.5) * size
    h = size * np.sqrt(0.5) + size * 1e-6 + 1e-6
    _, d = nearest_segments(np.column_stack([cx, cy]), segments, threads=1)
    held = (polygon_of_points(cx, cy, polygons, boundary=True, pick="first") if len(polygons)
            else np.full(len(occupied), -1, dtype=np.int64))
    clear = d > h
    code = np.full(nx * ny, UNSETTLED, dtype=np.int64)
    code[occupied] = np.where(clear & (held >= 0), held,
                              np.where(clear & (held < 0) & (d > radius + h), BEYOND, UNSETTLED))
    return code[cell]


def nearest(a, b, *, b_id: str = "id", b_name: str = "name_zh", max_km: float | None = None):
    """For each feature of A, the nearest feature of B and the distance.

    Parameters
    ----------
    a, b
        GeoDataFrames in the same CRS (a mismatch raises :class:`CRSMismatchError`).
    max_km
        Search radius; features of A with nothing within it get ``status="none_within"`` (near the radius,
        GEOS's distance decides, as in :func:`within_distance`). Features of A without usable coordinates
        (missing, empty, NaN, infinite, beyond :data:`MAX_COORDINATE_M`) get ``status="no_geometry"``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``a``: ``b_index, b_id, b_name, distance_m, distance_km, inside, status``.

    Examples
    --------
    >>> from dcf_spatial.store import catalog
    >>> nearest(catalog.read_layer("anchor_enterprises"), catalog.read_layer("industrial_clusters"))  # doctest: +SKIP
    """
    return _nearest_frame(a, b, b_id=b_id, b_name=b_name, max_km=max_km)


#: a distance within this (metres) of a radius is measured again by GEOS, whose distance decides the side: the
#: numpy point–segment distance and GEOS's round differently in the last bits (seen: 2.8e-14 m where GEOS
#: says 0, on a line; 500.0000000000001 where it says 499.99999999999994), far less than this
RADIUS_RECHECK_M = 1e-6


def _decided_by_geos(ga, gb, b_pos, dist, inside, radius: float) -> None:
    """In place: the rows found at a distance within :data:`RADIUS_RECHECK_M` of ``radius`` get GEOS's
    distance to the nearest B (``shapely.distance``, lowest position on ties), so that ``distance ≤ radius``
    is GEOS's answer whichever way the rows were measured. Rows inside a polygon of B (distance 0 by the
    containment test, not measured) are left as they are."""
    import shapely

    with np.errstate(invalid="ignore"):
        near = (b_pos >= 0) & (np.abs(dist - radius) <= RADIUS_RECHECK_M)
    if not near.any():
        return
    near &= ~(inside & np.isin(shapely.get_type_id(gb), (3, 6))[np.maximum(b_pos, 0)])
    rows = np.flatnonzero(near)
    if not len(rows):
        return
    qi, bi = shapely.STRtree(gb).query(ga[rows], predicate="dwithin", distance=radius + 2 * RADIUS_RECHECK_M)
    qi, bi, d = _first_of_each(qi, bi, shapely.distance(ga[rows[qi]], gb[bi]))
    at = rows[qi]
    b_pos[at], dist[at], inside[at] = bi, d, d == 0


#: ``status`` values of :func:`nearest` / :func:`within_distance`, by code
_STATUS = ["none_within", "nearest", "inside", "no_geometry", "location_unknown", "within", "beyond"]


def _nearest_frame(a, b, *, b_id="id", b_name="name_zh", max_km=None, within_m=None, distances="all"):
    """The frame of :func:`nearest`, and with ``within_m`` (metres) that of :func:`within_distance`.

    Every column is built once from numpy arrays (status as a code, labels by position from small
    arrays of the few distinct values): no per-row Python strings, no masked writes into string
    columns afterwards (which cost more than the query itself on 200k points)."""
    import pandas as pd
    import shapely

    check_same_crs(a, b, names=("A", "B"))
    t0 = time.perf_counter()
    ga = np.asarray(to_working(a).geometry.values, dtype=object)
    gb = np.asarray(to_working(b).geometry.values, dtype=object)
    # a feature of A without geometry (e.g. a table row with no coordinates), or whose coordinates are no
    # numbers (NaN, infinite) or no place on Earth, is kept, and said so (no_geometry), but not measured
    empty = unplaceable(ga)  # nearest_positions leaves these rows unfound
    radius = None if max_km is None else max_km * 1000
    if within_m is not None and distances == "within":
        radius = within_m  # only the rows within are measured; the others keep b_pos -1
    # a row within a hair beyond the radius is found too: GEOS decides its side (_decided_by_geos)
    b_pos, dist, inside = nearest_positions(ga, gb, max_distance=None if radius is None else radius + RADIUS_RECHECK_M)
    if radius is not None:
        _decided_by_geos(ga, gb, b_pos, dist, inside, radius)
        past = (b_pos >= 0) & (dist > radius)
        b_pos[past], dist[past], inside[past] = -1, np.inf, False
    if within_m is not None and within_m != radius:
        _decided_by_geos(ga, gb, b_pos, dist, inside, within_m)
    # a feature whose point only stands in for an unknown place (the plan names the enterprise but
    # not where it is) is kept, but not measured: its distance would be the stand-in's
    unknown = _location_unknown(a) & ~empty
    if unknown.any():
        b_pos[unknown], inside[unknown] = -1, False
    found = b_pos >= 0
    status = np.where(found, np.where(inside, 2, 1), 0)
    within = None
    if within_m is not None:
        with np.errstate(invalid="ignore"):
            within = found & (dist <= within_m)
        status = np.where(within, 5, 6)
    status[empty] = 3
    status[unknown] = 4
    ids = b[b_id].astype(str).to_numpy() if b_id in b.columns else b.index.astype(str).to_numpy()
    names = b[b_name].astype(str).to_numpy() if b_name in b.columns else ids
    pick = np.where(found, b_pos, len(ids))
    dist_m = np.where(found, dist, np.nan)
    cols = {
        "b_index": np.where(found, b_pos, -1),
        "b_id": pd.array([*ids, None], dtype="str").take(pick),
        "b_name": pd.array([*names, None], dtype="str").take(pick),
        "distance_m": dist_m,
        "distance_km": dist_m / 1000,
        "inside": inside,
        "status": pd.array(_STATUS, dtype="str").take(status),
    }
    if within is not None:
        cols["within"] = within
    out = pd.DataFrame(cols, index=a.index)
    logger.info("Nearest of %d features among %d in %.2f s", len(a), len(b), time.perf_counter() - t0)
    return out


#: what :func:`within_distance` measures: ``"within"`` the rows within ``km`` only (fast), ``"all"`` every row
WITHIN_DISTANCES = ("within", "all")


def within_distance(a, b, km: float, *, distances: str = "within", **kwargs):
    """Features of A within ``km`` of B: every row of A with ``within`` (bool) and ``status``
    (``"within"`` or ``"beyond"``), indexed like ``a``; the nearest B and its distance for the rows
    within, and with ``distances="all"`` for every row.

    Parameters
    ----------
    a, b
        GeoDataFrames in the same CRS (a mismatch raises :class:`CRSMismatchError`).
    km
        The distance D in km (≥ 0). A row is within when its distance to the nearest B is ≤ D
        (on B's boundary or inside a polygon of B: distance 0). A distance within a micrometre of D
        (:data:`RADIUS_RECHECK_M`) is GEOS's (``shapely.distance``), so that the side of D is the one GEOS
        gives, whichever ``distances``. Rows whose coordinates are not numbers (NaN, infinite) or no place
        on Earth (beyond :data:`MAX_COORDINATE_M` in EPSG:4548) are ``no_geometry``, not measured.
    distances
        ``"within"`` (default): only the rows within ``km`` are measured — a radius search whose
        unsettled points (:func:`settled_by_cells`) are measured exactly — and the
        rows beyond carry no nearest B (``b_index`` -1, ``b_id``/``b_name`` missing) and a NaN
        distance: all that is known of them is that they are farther than ``km``.
        ``"all"``: the nearest B and the distance of every row, also those beyond (slower when most
        rows lie beyond).
    **kwargs
        ``b_id``, ``b_name`` as :func:`nearest`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`nearest` and ``within``; rows without geometry or location keep
        ``no_geometry`` / ``location_unknown`` and ``within`` False. The within set and the
        distances of the rows within are the same for both values of ``distances``.

    Raises
    ------
    InputError
        ``km`` missing or negative, or ``distances`` not one of ``"within"``, ``"all"``.

    Examples
    --------
    >>> from dcf_spatial.store import catalog
    >>> a, b = catalog.read_layer("anchor_enterprises"), catalog.read_layer("industrial_clusters")  # doctest: +SKIP
    >>> within_distance(a, b, 1.0)["within"].sum()  # doctest: +SKIP
    >>> within_distance(a, b, 1.0, distances="all")["distance_km"]  # every row measured  # doctest: +SKIP
    """
    from ..errors import InputError

    if km is None or km < 0:
        raise InputError(f"距离 km 须 ≥ 0（公里），收到 {km!r}。")
    if distances not in WITHIN_DISTANCES:
        raise InputError(f"distances 须为 {' 或 '.join(map(repr, WITHIN_DISTANCES))}，收到 {distances!r}。")
    return _nearest_frame(a, b, within_m=km * 1000, distances=distances, **kwargs)


#: a column saying whether a feature's point is a real place (the plan-named enterprises layer)
LOCATION_FLAG = "location_known"


def _location_unknown(gdf) -> np.ndarray:
    """True where ``LOCATION_FLAG`` says the point is not a real place (False/否/0)."""
    from ..io.rows import says_false

    if LOCATION_FLAG not in gdf.columns:
        return np.zeros(len(gdf), dtype=bool)
    return says_false(gdf[LOCATION_FLAG].tolist())
