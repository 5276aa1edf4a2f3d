"""The grid-filtered nearest-segment search and the zone join give GEOS's answers.

The reference in each test is shapely/GEOS itself (``shapely.distance``, ``within``) or geopandas,
computed point by point or pair by pair on generated (seeded, synthetic) geometry.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from dcf_spatial import settings
from dcf_spatial.land.zones import assign_largest_share
from dcf_spatial.queries import distance as D


def wavy(cx, cy, r, vertices, seed):
    rng = np.random.default_rng(seed)
    th = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    rr = r * (1 + 0.2 * np.sin(5 * th + seed) + 0.05 * rng.standard_normal(vertices))
    return shapely.Polygon(np.column_stack([cx + rr * np.cos(th), cy + rr * np.sin(th)])).buffer(0)


def zones_fixture():
    """Polygons of few and of many vertices, one with a hole, one multipart (metres, synthetic)."""
    holed = shapely.Polygon(shapely.box(6000, 0, 9000, 3000).exterior.coords,
                            [shapely.box(7000, 1000, 8000, 2000).exterior.coords])
    multi = shapely.MultiPolygon([shapely.box(0, 6000, 1000, 7000), shapely.box(2500, 6000, 3500, 7500)])
    return np.array([wavy(1500, 1500, 1200, 12, 1), wavy(4000, 4000, 1000, 600, 2), holed, multi], dtype=object)


def random_points(n, seed=0, pad=3000):
    rng = np.random.default_rng(seed)
    return shapely.points(rng.uniform(-pad, 9000 + pad, n), rng.uniform(-pad, 7500 + pad, n))


@pytest.mark.parametrize("n", [1, 7, 3000])
def test_nearest_segments_equals_geos(n):
    segs, owner = D.boundary_segments(zones_fixture())
    pts = random_points(n, seed=n)
    s, d = D.nearest_segments(shapely.get_coordinates(pts), segs)
    ref = np.array([shapely.distance(p, segs).min() for p in pts])
    assert np.abs(d - ref).max() < 1e-6
    # the segment returned is one at that distance
    assert np.abs(shapely.distance(pts, segs[s]) - ref).max() < 1e-6


def test_nearest_positions_matches_geos_distance_to_polygons():
    zones = zones_fixture()
    pts = np.concatenate([random_points(2000, seed=3),
                          [shapely.Point(7500, 1500),     # in the hole: outside the polygon
                           shapely.Point(6000, 1500),     # on a boundary: inside, distance 0
                           shapely.Point(3000, 7000),     # inside the second part of the multipolygon
                           None, shapely.Point()]])        # no geometry / empty
    b_pos, dist, inside = D.nearest_positions(pts, zones)
    ok = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
    ref = np.array([[shapely.distance(p, z) for z in zones] for p in pts[ok]])
    assert np.abs(dist[ok] - ref.min(axis=1)).max() < 1e-6
    assert np.abs(ref[np.arange(ok.sum()), b_pos[ok]] - ref.min(axis=1)).max() < 1e-6
    assert (inside[ok] == (ref.min(axis=1) == 0)).all()
    hole, edge, part = len(pts) - 5, len(pts) - 4, len(pts) - 3
    assert not inside[hole] and dist[hole] == pytest.approx(500.0)
    assert inside[edge] and dist[edge] == 0 and b_pos[edge] == 2
    assert inside[part] and b_pos[part] == 3
    assert (b_pos[~ok] == -1).all() and np.isinf(dist[~ok]).all()


def test_nearest_positions_max_distance_and_lines():
    lines = np.array([shapely.LineString([(0, 0), (1000, 0)]), shapely.LineString([(0, 500), (1000, 800)])])
    pts = shapely.points([500, 500, 500, 5000], [-10, 800, 300, 5000])
    b_pos, dist, _ = D.nearest_positions(pts, lines, max_distance=200)
    assert b_pos.tolist() == [0, 1, -1, -1]
    assert dist[0] == pytest.approx(10.0)
    assert dist[1] == pytest.approx(shapely.distance(pts[1], lines[1]))


def test_zone_join_of_points_equals_within():
    zones = zones_fixture()
    zg = gpd.GeoDataFrame({"id": [f"z{i}" for i in range(len(zones))]}, geometry=zones, crs=settings.working_crs)
    pts = gpd.GeoDataFrame(geometry=random_points(5000, seed=9), crs=settings.working_crs)
    got = assign_largest_share(pts, zg)
    ref = gpd.sjoin(pts, zg, predicate="within")
    expect = ref["id"].reindex(pts.index)
    assert (got["zone_id"].astype(object).fillna("-").to_numpy() == expect.fillna("-").to_numpy()).all()
    assert set(got.loc[got["zone_id"].notna(), "method"]) == {"inside"}
    assert set(got.loc[got["zone_id"].isna(), "method"]) == {"outside"}


def test_zone_join_of_parcels_largest_share_and_overlapping_zones():
    zones = np.array([shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100), shapely.box(0, 0, 200, 100)])
    zg = gpd.GeoDataFrame({"id": ["west", "east"]}, geometry=zones[:2], crs=settings.working_crs)
    parcels = gpd.GeoDataFrame(geometry=[shapely.box(10, 10, 20, 20),    # wholly inside west
                                         shapely.box(90, 10, 130, 20),   # 1/4 west, 3/4 east
                                         shapely.box(500, 500, 510, 510),  # outside
                                         None],
                               crs=settings.working_crs)
    got = assign_largest_share(parcels, zg)
    assert got["zone_id"].iloc[0] == "west" and got["zone_id"].iloc[1] == "east"
    assert got["zone_id"].iloc[2:].isna().all()
    assert got["method"].tolist() == ["inside", "largest_share", "outside", "outside"]
    assert got["share"].iloc[1] == pytest.approx(0.75)
    # overlapping zones: a parcel wholly inside two of them goes to the later one
    zg2 = gpd.GeoDataFrame({"id": ["west", "east", "both"]}, geometry=zones, crs=settings.working_crs)
    assert assign_largest_share(parcels.iloc[:1], zg2)["zone_id"].iloc[0] == "both"
