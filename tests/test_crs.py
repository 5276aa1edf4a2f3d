"""CRS policy and the GCJ-02 / BD-09 conversions."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from dcf_spatial import crs, settings
from dcf_spatial.errors import CRSMismatchError, InputError

# Published test vectors (hutool CoordinateUtilTest, after its 2022 correction), in lon/lat.
WGS_GCJ_PAIRS = [((116.404, 39.915), (116.41024449916938, 39.91640428150164))]
GCJ_BD_PAIRS = [((116.404, 39.915), (116.41036949371029, 39.92133699351022))]


@pytest.mark.parametrize("wgs, gcj", WGS_GCJ_PAIRS)
def test_forward_gcj02_matches_published_pair(wgs, gcj):
    lon, lat = crs.wgs84_to_gcj02(*wgs)
    assert lon == pytest.approx(gcj[0], abs=1e-9) and lat == pytest.approx(gcj[1], abs=1e-9)


@pytest.mark.parametrize("wgs, gcj", WGS_GCJ_PAIRS)
def test_inverse_gcj02_is_sub_millimetre(wgs, gcj):
    lon, lat = crs.gcj02_to_wgs84(*gcj)
    # 1e-8 degree is about 1 mm
    assert abs(lon - wgs[0]) < 1e-8 and abs(lat - wgs[1]) < 1e-8


@pytest.mark.parametrize("gcj, bd", GCJ_BD_PAIRS)
def test_bd09_pair_and_round_trip(gcj, bd):
    lon, lat = crs.gcj02_to_bd09(*gcj)
    assert lon == pytest.approx(bd[0], abs=1e-9) and lat == pytest.approx(bd[1], abs=1e-9)
    back = crs.bd09_to_gcj02(lon, lat)
    assert np.hypot(back[0] - gcj[0], back[1] - gcj[1]) < 1e-8  # about 1 mm


def test_gcj02_shift_is_hundreds_of_metres_in_dongchangfu():
    lon, lat = 115.98, 36.45
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    pts = gpd.GeoSeries([shapely.Point(lon, lat), shapely.Point(float(glon), float(glat))], crs=4490).to_crs(4548)
    shift = pts.iloc[0].distance(pts.iloc[1])
    assert 300 < shift < 800


def test_to_storage_converts_gcj02_layer_back_to_the_truth():
    truth = np.array([[115.95, 36.46], [116.1, 36.5]])
    g = crs.wgs84_to_gcj02(truth[:, 0], truth[:, 1])
    gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy(g[0], g[1]))
    out = crs.to_storage(gdf, crs="gcj02")
    assert out.crs.to_epsg() == 4490
    np.testing.assert_allclose(np.column_stack([out.geometry.x, out.geometry.y]), truth, atol=1e-8)


def test_to_storage_reprojects_gauss_kruger_zone_prefixed():
    pt = gpd.GeoDataFrame(geometry=[shapely.Point(116.0, 36.45)], crs=4490)
    gk = pt.to_crs(4527)
    assert 39_000_000 < gk.geometry.x.iloc[0] < 40_000_000
    back = crs.to_storage(gk)
    assert back.geometry.iloc[0].distance(pt.geometry.iloc[0]) < 1e-8


def test_to_storage_without_crs_names_the_fix():
    with pytest.raises(InputError, match="指定坐标系") as err:
        crs.to_storage(gpd.GeoDataFrame(geometry=[shapely.Point(116, 36)]))
    assert "4490" in str(err.value) and "--crs" not in str(err.value)


def test_parse_crs_accepts_codes_and_chinese_web_systems():
    assert crs.parse_crs("4490") == "EPSG:4490"
    assert crs.parse_crs("GCJ-02") == "gcj02"
    assert crs.parse_crs("bd09") == "bd09"
    with pytest.raises(InputError, match="无法识别的坐标系"):
        crs.parse_crs("mars")


def test_area_table_reports_mu_hectares_km2():
    # a 1 km x 1 km square in the working CRS
    sq = gpd.GeoDataFrame(geometry=[shapely.box(500000, 4030000, 501000, 4031000)], crs=4548).to_crs(4490)
    t = crs.area_table(sq)
    assert t["area_km2"].iloc[0] == pytest.approx(1.0, rel=1e-6)
    assert t["area_ha"].iloc[0] == pytest.approx(100.0, rel=1e-6)
    assert t["area_mu"].iloc[0] == pytest.approx(1500.0, rel=1e-6)
    assert settings.MU_M2 == pytest.approx(666.6667, rel=1e-6)


def test_check_same_crs_raises_with_both_crs_and_fix():
    a = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=4490)
    b = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=4548)
    with pytest.raises(CRSMismatchError) as err:
        crs.check_same_crs(a, b, names=("parcels", "zones"))
    msg = str(err.value)
    assert "EPSG:4490" in msg and "EPSG:4548" in msg and "to_storage" in msg
    crs.check_same_crs(a, a)  # no error


def test_to_web_gcj02_shift_for_gaode_tiles():
    pt = gpd.GeoDataFrame(geometry=[shapely.Point(116.0, 36.45)], crs=4490)
    plain = crs.to_web(pt)
    shifted = crs.to_web(pt, gcj02=True)
    assert plain.crs.to_epsg() == 4326
    assert plain.geometry.iloc[0].equals(shapely.Point(116.0, 36.45))
    expect = crs.wgs84_to_gcj02(116.0, 36.45)
    assert shifted.geometry.iloc[0].x == pytest.approx(float(expect[0]))


def test_only_wgs84_and_cgcs2000_count_as_the_same_datum():
    from pyproj import CRS

    assert crs._is_wgs84_like(CRS.from_epsg(4326)) and crs._is_wgs84_like(CRS.from_epsg(4490))
    # Beijing 1954 and Xian 1980 differ by up to ~100 m: they must go through pyproj, not be relabelled
    assert not crs._is_wgs84_like(CRS.from_epsg(4214))
    assert not crs._is_wgs84_like(CRS.from_epsg(4610))
