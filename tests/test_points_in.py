"""The fast point-in-zone paths give geopandas' answers (``gpd.sjoin``), edge cases included.

Covered: points exactly on boundaries (vertices and edge midpoints, outer rings and holes), in
holes, in either part of a multipolygon, outside every zone, in two overlapping zones, without
geometry, empty input, and inputs in a CRS other than the working one. The reference is
``geopandas.sjoin`` (``within`` / ``intersects``) or GEOS pair by pair; the data are generated
(seeded, synthetic) polygons in metres.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dcf_spatial import settings
from dcf_spatial.errors import CRSMismatchError
from dcf_spatial.land.zones import assign_largest_share
from dcf_spatial.queries import distance as D
from dcf_spatial.queries import points_in as P
from dcf_spatial.queries.points_in import polygon_of_points

X0, Y0 = 500_000.0, 4_000_000.0  # EPSG:4548 coordinates near Liaocheng (a synthetic layout)


def zones():
    """Two adjacent boxes sharing an edge, a polygon with a hole, a two-part multipolygon, a
    wavy polygon of many vertices, and one overlapping the first box."""
    box = lambda x1, y1, x2, y2: shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)  # noqa: E731
    holed = shapely.Polygon(box(6000, 0, 9000, 3000).exterior.coords, [box(7000, 1000, 8000, 2000).exterior.coords])
    multi = shapely.MultiPolygon([box(0, 6000, 1000, 7000), box(2500, 6000, 3500, 7500)])
    th = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    rr = 900 * (1 + 0.2 * np.sin(7 * th))
    wavy = shapely.Polygon(np.column_stack([X0 + 4500 + rr * np.cos(th), Y0 + 4000 + rr * np.sin(th)]))
    return np.array([box(0, 0, 2000, 2000), box(2000, 0, 4000, 2000), holed, multi, wavy,
                     box(1500, 1500, 2500, 2500)], dtype=object)


def tricky_points(n_random=6000, seed=4):
    """Random points over and around the zones, plus points placed on every vertex and on the
    midpoint of every edge of every zone (outer rings and holes)."""
    rng = np.random.default_rng(seed)
    rand = np.column_stack([rng.uniform(X0 - 2000, X0 + 11000, n_random), rng.uniform(Y0 - 2000, Y0 + 9500, n_random)])
    rings = shapely.get_parts(shapely.boundary(zones()))
    verts = shapely.get_coordinates(rings)
    lines = [shapely.get_coordinates(r) for r in rings]
    mids = np.concatenate([(c[1:] + c[:-1]) / 2 for c in lines])
    special = np.array([[X0 + 7500, Y0 + 1500],   # in the hole
                        [X0 + 3000, Y0 + 7000],   # in the multipolygon's second part
                        [X0 + 1800, Y0 + 1800],   # in the two overlapping boxes
                        [X0 + 20000, Y0 + 20000]])  # far outside everything
    return np.concatenate([rand, verts, mids, special])


def frames(xy, crs=settings.working_crs):
    zg = gpd.GeoDataFrame({"id": [f"z{i}" for i in range(len(zones()))]}, geometry=zones(), crs=settings.working_crs)
    pts = gpd.GeoDataFrame({"pid": np.arange(len(xy))}, geometry=shapely.points(xy), crs=settings.working_crs)
    return pts.to_crs(crs), zg.to_crs(crs)


def sjoin_pick(pts, zg, predicate, pick):
    """The zone position per point from ``gpd.sjoin`` (-1: none), lowest or highest of several."""
    j = gpd.sjoin(pts, zg.assign(zpos=np.arange(len(zg))), predicate=predicate)
    agg = j.groupby("pid")["zpos"].min() if pick == "first" else j.groupby("pid")["zpos"].max()
    return agg.reindex(np.arange(len(pts))).fillna(-1).astype(int).to_numpy()


@pytest.fixture(params=["grid", "pairs"])
def path(request, monkeypatch):
    """Both code paths: the grid (many points) and the direct pair test (few points)."""
    monkeypatch.setattr(P, "_GRID_MIN_POINTS", 1 if request.param == "grid" else 10 ** 9)
    return request.param


@pytest.mark.parametrize("boundary,predicate", [(False, "within"), (True, "intersects")])
@pytest.mark.parametrize("pick", ["first", "last"])
def test_polygon_of_points_equals_sjoin(path, boundary, predicate, pick):
    xy = tricky_points()
    pts, zg = frames(xy)
    got = polygon_of_points(xy[:, 0], xy[:, 1], np.asarray(zg.geometry.values, dtype=object),
                            boundary=boundary, pick=pick)
    expect = sjoin_pick(pts, zg, predicate, pick)
    assert (got == expect).all(), np.flatnonzero(got != expect)[:10]
    # the cases are really there: points on boundaries are in no zone strictly, in one or two with
    # the boundary; the hole is outside, the multipolygon's second part inside, the overlap in both
    hole, part2, both, far = len(xy) - 4, len(xy) - 3, len(xy) - 2, len(xy) - 1
    assert got[hole] == -1 and got[part2] == 3 and got[far] == -1
    assert got[both] == (0 if pick == "first" else 5)
    # the vertices lie exactly on a boundary (edge midpoints of the wavy ring may round off it)
    n_vertices = len(shapely.get_coordinates(shapely.boundary(zones())))
    on_ring = 6000 + np.arange(n_vertices)
    if boundary:
        assert (got[on_ring] >= 0).all()
    else:  # most vertices are strictly inside no zone (some lie inside the overlapping box)
        assert (got[on_ring] < 0).mean() > 0.9


def test_polygon_of_points_without_coordinates_and_empty_input(path):
    z = zones()
    x = np.array([X0 + 100, np.nan, X0 + 100])
    y = np.array([Y0 + 100, Y0 + 100, np.nan])
    assert polygon_of_points(x, y, z).tolist() == [0, -1, -1]
    assert polygon_of_points(np.array([]), np.array([]), z).tolist() == []
    assert polygon_of_points(x, y, np.array([], dtype=object)).tolist() == [-1, -1, -1]
    with pytest.raises(ValueError):
        polygon_of_points(x, y, z, pick="middle")


def test_zone_join_of_points_equals_sjoin_within_with_missing_and_mixed_rows():
    xy = tricky_points()
    pts, zg = frames(xy)
    got = assign_largest_share(pts, zg)
    expect = sjoin_pick(pts, zg, "within", "last")  # several zones: the later one, as for parcels
    ids = np.r_[zg["id"].to_numpy(), None]
    assert (got["zone_id"].astype(object).where(got["zone_id"].notna(), None).to_numpy() == ids[expect]).all()
    assert (got["method"].to_numpy() == np.where(expect >= 0, "inside", "outside")).all()
    assert (got["share"].to_numpy()[expect >= 0] == 1.0).all() and got["share"].isna().sum() == (expect < 0).sum()
    # points, a parcel, no geometry and an empty point in one frame: every row answered, in order
    mixed = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 100, Y0 + 100), None, shapely.Point(),
                                       shapely.box(X0 + 1900, Y0 + 100, X0 + 2300, Y0 + 200),
                                       shapely.Point(X0 + 2000, Y0 + 500)],  # on the shared edge
                             index=[10, 11, 12, 13, 14], crs=settings.working_crs)
    r = assign_largest_share(mixed, zg)
    assert list(r.index) == [10, 11, 12, 13, 14]
    assert r["zone_id"].tolist()[0] == "z0" and r["zone_id"].tolist()[3] == "z1"
    assert r["method"].tolist() == ["inside", "outside", "outside", "largest_share", "outside"]
    assert r["share"].iloc[3] == pytest.approx(0.75)
    assert len(assign_largest_share(mixed.iloc[:0], zg)) == 0


def test_zone_join_and_nearest_refuse_different_crs():
    xy = tricky_points(100)
    pts, zg = frames(xy)
    with pytest.raises(CRSMismatchError):
        assign_largest_share(pts.to_crs("EPSG:4326"), zg)
    with pytest.raises(CRSMismatchError):
        D.nearest(pts.to_crs("EPSG:4326"), zg)


def test_nearest_of_points_in_another_crs_measures_in_the_working_crs():
    """Both inputs in EPSG:4326: nearest() reprojects them once and measures in EPSG:4548; the
    points inside a zone (boundary included) match sjoin on the reprojected data."""
    xy = tricky_points(3000)
    pts, zg = frames(xy, crs="EPSG:4326")
    got = D.nearest(pts, zg, b_id="id")
    pw, zw = pts.to_crs(settings.working_crs), zg.to_crs(settings.working_crs)
    expect = sjoin_pick(pw, zw, "intersects", "first")
    inside = got["status"].to_numpy() == "inside"
    assert (inside == (expect >= 0)).all()
    assert (got["b_index"].to_numpy()[inside] == expect[inside]).all()
    # outside points: the distance is GEOS's in the working CRS
    out = np.flatnonzero(~inside)[:300]
    ref = shapely.distance(np.asarray(pw.geometry.values)[out][:, None], np.asarray(zw.geometry.values)[None, :]).min(axis=1)
    assert np.abs(got["distance_m"].to_numpy()[out] - ref).max() < 1e-6


def test_within_distance_equals_sjoin_nearest_with_radius(path):
    xy = tricky_points(4000)
    pts, zg = frames(xy)
    got = D.within_distance(pts, zg, 0.5, b_id="id")
    j = gpd.sjoin_nearest(pts, zg.assign(zpos=np.arange(len(zg))), max_distance=500, distance_col="d")
    d = j.groupby("pid")["d"].min().reindex(np.arange(len(pts)))
    assert (got["within"].to_numpy() == d.notna().to_numpy()).all()
    w = got["within"].to_numpy()
    assert np.abs(got["distance_m"].to_numpy()[w] - d.to_numpy()[w]).max() < 1e-6
    assert set(got["status"][w]) == {"within"} and set(got["status"][~w]) == {"beyond"}
    # by default the rows beyond are not measured: no nearest zone, NaN distance
    assert got["distance_m"][~w].isna().all() and got["b_id"][~w].isna().all() and (got["b_index"][~w] == -1).all()
    # distances="all": the same within set and distances, and the rows beyond measured too
    full = D.within_distance(pts, zg, 0.5, b_id="id", distances="all")
    assert (full["within"].to_numpy() == w).all()
    assert np.abs(full["distance_m"].to_numpy()[w] - got["distance_m"].to_numpy()[w]).max() < 1e-6
    assert (full["distance_m"].to_numpy()[~w] > 500).all() and full["b_id"][~w].notna().all()


def test_within_distance_keeps_rows_without_geometry_and_empty_input():
    pts, zg = frames(tricky_points(10))
    extra = gpd.GeoDataFrame({"pid": [98, 99]}, geometry=[None, shapely.Point()], crs=settings.working_crs)
    allp = pd.concat([pts, extra], ignore_index=True)
    r = D.within_distance(allp, zg, 1.0)
    assert len(r) == len(allp)
    assert r["status"].tolist()[-2:] == ["no_geometry", "no_geometry"] and not r["within"].iloc[-2:].any()
    assert len(D.within_distance(pts.iloc[:0], zg, 1.0)) == 0
