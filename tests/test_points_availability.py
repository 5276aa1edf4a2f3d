"""Available land when the parcels come as points (a table of 经度/纬度 with 宗地面积): a point with a
declared area takes the circle of that area; a point without one is named in the notes, never ignored."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dcf_spatial import io as dcf_io
from dcf_spatial import settings
from dcf_spatial.queries.availability import available_land, taken_parcels
from test_site_check import build_fixture_store, km_box

W = settings.working_crs
ZONE_M2 = 4000 * 4000  # cluster.guangping in the fixture store: km box (17, 2)–(21, 6)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_fixture_store(tmp_path_factory.mktemp("points_avail") / "s.gpkg")


def two_boxes():
    """Two occupied 500 m × 500 m parcels (25 公顷 each) well inside cluster.guangping, in EPSG:4490."""
    return gpd.GeoDataFrame({"parcel_id": ["Z1", "Z2"], "status": ["occupied", "supplied"]},
                            geometry=[km_box(18, 3, 18.5, 3.5), km_box(19.5, 4, 20, 4.5)], crs=W).to_crs(
        settings.storage_crs)


def as_points(parcels, *, area_m2, dx_deg=0.0):
    pts = parcels.copy()
    pts["area_m2"] = area_m2
    pts = pts.set_geometry(parcels.to_crs(W).geometry.centroid.to_crs(settings.storage_crs))
    return pts.set_geometry(shapely.transform(pts.geometry.values, lambda xy: xy + [dx_deg, 0.0]),
                            crs=settings.storage_crs)


def free_m2(plots):
    return plots["area_mu"].sum() * settings.MU_M2


def test_point_with_declared_area_takes_the_same_land_as_its_polygon(store):
    polys = two_boxes()
    by_polygon = available_land("cluster.guangping", parcels=polys, min_mu=1, store=store, grid_m=0)
    by_point = available_land("cluster.guangping", parcels=as_points(polys, area_m2=250_000.0), min_mu=1,
                              store=store, grid_m=0)
    assert free_m2(by_polygon) == pytest.approx(ZONE_M2 - 2 * 250_000, rel=1e-6)
    assert free_m2(by_point) == pytest.approx(ZONE_M2 - 2 * 250_000, rel=1e-4)
    assert any("等面积圆" in n and "2 宗" in n for n in by_point.attrs["notes"])
    # points moved a degree away (out of the zone) take nothing from it, and the note says they miss it
    moved = available_land("cluster.guangping", parcels=as_points(polys, area_m2=250_000.0, dx_deg=1.0),
                           min_mu=1, store=store, grid_m=0)
    assert free_m2(moved) == pytest.approx(ZONE_M2, rel=1e-6)
    assert any("均不与所查分区相交" in n for n in moved.attrs["notes"])


def test_declared_area_in_mu_from_a_bureau_csv(store, tmp_path):
    """宗地面积(亩) in a CSV with 经度/纬度 reaches the query as area_m2 and is subtracted as a circle."""
    pts = as_points(two_boxes(), area_m2=np.nan)
    csv = tmp_path / "宗地.csv"
    pd.DataFrame({"宗地代码": ["Z1", "Z2"], "状态": ["已占用", "已供地"], "经度": pts.geometry.x, "纬度": pts.geometry.y,
                  "宗地面积(亩)": [300.0, 150.0]}).to_csv(csv, index=False, encoding="utf-8-sig")
    parcels = dcf_io.read_vector(csv, aliases=("parcels",))
    plots = available_land("cluster.guangping", parcels=parcels, min_mu=1, store=store, grid_m=0)
    assert free_m2(plots) == pytest.approx(ZONE_M2 - 450 * settings.MU_M2, rel=1e-4)


def test_point_without_area_is_taken_at_its_point_and_named(store):
    polys = two_boxes()
    pts = as_points(polys, area_m2=[250_000.0, np.nan])
    plots = available_land("cluster.guangping", parcels=pts, min_mu=1, store=store, grid_m=400)
    # only Z1's circle is subtracted; Z2's area is unknown and nothing is taken for it
    assert free_m2(plots) == pytest.approx(ZONE_M2 - 250_000, rel=1e-4)
    note = next(n for n in plots.attrs["notes"] if "面积不明" in n)
    assert "1 宗" in note and "Z2" in note and "Z1" not in note
    z2 = pts.to_crs(W).geometry.iloc[1]
    holding = plots.to_crs(W)[plots.to_crs(W).intersects(z2)]
    listed = note.split("块候选地块内（第 ")[1].split(" 号")[0].split("、")
    assert len(holding) >= 1 and sorted(int(r) for r in listed) == sorted(holding["rank"])


def test_taken_parcel_without_geometry_is_reported(store):
    pts = as_points(two_boxes(), area_m2=250_000.0)
    pts.loc[1, pts.geometry.name] = None
    plots = available_land("cluster.guangping", parcels=pts, min_mu=1, store=store, grid_m=0)
    assert free_m2(plots) == pytest.approx(ZONE_M2 - 250_000, rel=1e-4)
    assert any("没有坐标或图形" in n and "Z2" in n for n in plots.attrs["notes"])


def test_map_draws_the_circle_that_was_subtracted(store):
    from dcf_spatial.queries.availability import find_zones

    pts = as_points(two_boxes(), area_m2=[250_000.0, np.nan])
    drawn = taken_parcels(find_zones("cluster.guangping", store), pts)
    assert list(drawn["parcel_id"]) == ["Z1", "Z2"] and drawn.crs == pts.crs
    geoms = drawn.to_crs(W).geometry
    assert geoms.iloc[0].area == pytest.approx(250_000.0, rel=1e-9)
    assert geoms.iloc[1].geom_type == "Point"
