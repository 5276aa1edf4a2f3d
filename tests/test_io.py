"""Readers of user files (dcf_spatial.io): every fixture is built here, in tmp_path."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dcf_spatial import crs as dcf_crs
from dcf_spatial import _fixes, io, settings
from dcf_spatial.errors import InputError

from fixtures_io import KNOWN, TOWNS, bowtie, metres_from_known, point_in, table, township_polygons, write_shapefile


# --- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_shapefile_without_cpg_reads_chinese(tmp_path, encoding):
    shp = write_shapefile(township_polygons(), tmp_path / "乡镇.shp", encoding=encoding)
    assert not shp.with_suffix(".cpg").exists()
    gdf = io.read_vector(shp)
    assert gdf["XZQMC"].tolist() == [n for _, n in TOWNS]
    assert str(gdf.crs) == "EPSG:4490"
    assert list(gdf.index) == [0, 1]
    assert any(encoding.upper().replace("-", "") in n.replace("-", "") for n in gdf.attrs["read_notes"])
    assert gdf.attrs["source_file"] == str(shp)


def test_gbk_chinese_field_names_and_gbk_zip(tmp_path):
    g = township_polygons().rename(columns={"XZQMC": "名称"})
    write_shapefile(g, tmp_path / "z.shp", encoding="gbk")
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as zf:
        for ext in ("shp", "shx", "dbf", "prj"):
            zf.write(tmp_path / f"z.{ext}", f"z.{ext}")
    for path in (tmp_path / "z.shp", tmp_path / "z.zip"):
        gdf = io.read_vector(path)
        assert gdf["名称"].tolist() == [n for _, n in TOWNS]


def test_wrong_cpg_is_corrected(tmp_path):
    shp = write_shapefile(township_polygons(), tmp_path / "t.shp", encoding="gbk")
    shp.with_suffix(".cpg").write_text("UTF-8")
    gdf = io.read_vector(shp)
    assert gdf["XZQMC"].tolist() == [n for _, n in TOWNS]
    assert any(".cpg" in n for n in gdf.attrs["read_notes"])


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_encodings_and_codes_keep_leading_zeros(tmp_path, encoding):
    path = table({"宗地号": ["0012", "0345"], "名称": ["郑家镇甲", "堂邑镇乙"], "经度": [115.98, 115.99],
                  "纬度": [36.45, 36.46], "面积": ["12.5", "7"]}, tmp_path / "t.csv", encoding=encoding)
    gdf = io.read_vector(path)
    assert gdf["名称"].tolist() == ["郑家镇甲", "堂邑镇乙"]
    assert gdf["宗地号"].tolist() == ["0012", "0345"]
    assert gdf["面积"].tolist() == [12.5, 7.0]
    assert np.allclose(gdf.geometry.x, [115.98, 115.99])


# --- CRS ------------------------------------------------------------------------------------------


def test_gcj02_csv_with_chinese_headers_within_one_metre(tmp_path):
    glon, glat = dcf_crs.wgs84_to_gcj02(*KNOWN)
    path = table({"名称": ["示例点"], "经度": [float(glon)], "纬度": [float(glat)]}, tmp_path / "高德.csv", encoding="gbk")
    raw = io.read_vector(path)  # read as if WGS84: GCJ-02 offset of several hundred metres
    assert metres_from_known(raw)[0] > 100
    gdf = io.read_vector(path, crs="gcj02")
    assert metres_from_known(gdf)[0] < 1.0
    assert any("GCJ" in n for n in gdf.attrs["read_notes"])


def test_gcj02_geojson_declared_wgs84_is_converted_when_user_says_so(tmp_path):
    glon, glat = dcf_crs.wgs84_to_gcj02(*KNOWN)
    path = tmp_path / "amap.geojson"
    gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(float(glon), float(glat))], crs=4326).to_file(path)
    gdf = io.read_vector(path, crs="gcj02")
    assert metres_from_known(gdf)[0] < 1.0
    assert any("EPSG:4326" in n and "GCJ02" in n for n in gdf.attrs["read_notes"])


def test_bd09_point(tmp_path):
    bx, by = dcf_crs.gcj02_to_bd09(*dcf_crs.wgs84_to_gcj02(*KNOWN))
    site = io.read_site(f"{float(bx)},{float(by)}", crs="bd09")
    assert metres_from_known(site)[0] < 1.0


def test_swapped_lat_lon_columns_raise_naming_file_columns_and_fix(tmp_path):
    path = table({"经度": [KNOWN[1]], "纬度": [KNOWN[0]]}, tmp_path / "颠倒.csv")
    with pytest.raises(InputError) as err:
        io.read_vector(path)
    msg = str(err.value)
    assert str(path) in msg and "经度" in msg and "纬度" in msg and _fixes.SWAP_XY in msg and "--" not in msg
    fixed = io.read_vector(path, swap_xy=True)
    assert metres_from_known(fixed)[0] < 0.01


def test_swapped_axes_in_a_geographic_file_raise(tmp_path):
    path = tmp_path / "swapped.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.Point(KNOWN[1], KNOWN[0])], crs=4490).to_file(path)
    with pytest.raises(InputError, match="颠倒") as err:
        io.read_vector(path)
    assert str(path) in str(err.value) and _fixes.SWAP_XY in str(err.value)


def test_zone_prefixed_gk_without_crs_is_read_as_4527(tmp_path):
    x, y = point_in("EPSG:4527")
    assert 39_000_000 < x < 40_000_000
    g = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(x, y).buffer(50)], crs=None)
    shp = write_shapefile(g, tmp_path / "gk.shp", encoding="utf-8", keep_prj=False)
    gdf = io.read_vector(shp)
    assert metres_from_known(gdf)[0] < 1.0
    assert any("EPSG:4527" in n for n in gdf.attrs["read_notes"])


def test_unprefixed_gk_near_the_district_is_4548_and_far_away_is_refused(tmp_path):
    x, y = point_in("EPSG:4548")
    near = table({"东坐标": [x], "北坐标": [y]}, tmp_path / "near.csv")
    gdf = io.read_vector(near)
    assert metres_from_known(gdf)[0] < 1.0
    assert any("EPSG:4548" in n for n in gdf.attrs["read_notes"])
    far = table({"东坐标": [500_000.0], "北坐标": [2_500_000.0]}, tmp_path / "far.csv")
    with pytest.raises(InputError) as err:
        io.read_vector(far)
    assert str(far) in str(err.value) and _fixes.CRS in str(err.value) and "--crs" not in str(err.value)


def test_surveyors_xy_columns_northing_first(tmp_path):
    x, y = point_in("EPSG:4527")
    path = table({"X": [y], "Y": [x]}, tmp_path / "测量.csv")  # surveyors: X = northing
    gdf = io.read_vector(path)
    assert metres_from_known(gdf)[0] < 1.0
    assert any("北坐标" in n for n in gdf.attrs["read_notes"])
    wrong = table({"东坐标": [y], "北坐标": [x]}, tmp_path / "错.csv")  # unambiguous headers, swapped values
    with pytest.raises(InputError, match="对调") as err:
        io.read_vector(wrong)
    assert str(wrong) in str(err.value) and _fixes.SWAP_XY in str(err.value)


def test_declared_geographic_crs_with_metre_coordinates_is_refused(tmp_path):
    x, y = point_in("EPSG:4527")
    path = tmp_path / "badprj.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.Point(x, y)], crs=4490).to_file(path)
    with pytest.raises(InputError) as err:
        io.read_vector(path)
    assert str(path) in str(err.value) and f"{_fixes.CRS}（如 EPSG:4527）" in str(err.value)
    assert metres_from_known(io.read_vector(path, crs=4527))[0] < 1.0


def test_declared_projected_crs_is_converted(tmp_path):
    path = tmp_path / "p.gpkg"
    township_polygons("EPSG:4548").to_file(path)
    gdf = io.read_vector(path)
    assert str(gdf.crs) == "EPSG:4490"
    expected = township_polygons()
    assert np.allclose(gdf.total_bounds, expected.total_bounds, atol=1e-7)


def test_outside_china_is_an_error_and_far_rows_are_flagged(tmp_path):
    garbage = table({"lon": [2.35, 2.36], "lat": [48.85, 48.86]}, tmp_path / "paris.csv")
    with pytest.raises(InputError, match="中国境外") as err:
        io.read_vector(garbage)
    assert str(garbage) in str(err.value) and _fixes.CRS in str(err.value)
    mixed = table({"lon": [115.98, 117.0, 2.35], "lat": [36.45, 36.65, 48.85]}, tmp_path / "mixed.csv")
    gdf = io.read_vector(mixed)
    assert len(gdf) == 3
    assert gdf["read_issue"].iloc[0] == ""
    assert "km" in gdf["read_issue"].iloc[1]
    assert "境外" in gdf["read_issue"].iloc[2]


def test_rows_without_coordinates_are_kept_with_a_reason(tmp_path):
    path = table({"名称": ["甲", "乙", "丙"], "经度": ["115.98", "", "abc"], "纬度": ["36.45", "36.4", "36.4"]},
                 tmp_path / "缺.csv")
    gdf = io.read_vector(path)
    assert len(gdf) == 3 and gdf["名称"].tolist() == ["甲", "乙", "丙"]
    assert gdf.geometry.isna().tolist() == [False, True, True]
    assert "坐标缺失" in gdf["read_issue"].iloc[1] and "表格第 3 行" in " ".join(gdf.attrs["read_notes"])


def test_wrong_user_crs_kind_is_refused(tmp_path):
    path = table({"lon": [115.98], "lat": [36.45]}, tmp_path / "deg.csv")
    with pytest.raises(InputError, match="4490") as err:
        io.read_vector(path, crs=4527)
    assert str(path) in str(err.value) and _fixes.CRS in str(err.value)


# --- geometry ------------------------------------------------------------------------------------


def test_bowtie_is_repaired_and_reported_and_empty_rows_kept(tmp_path):
    path = tmp_path / "bow.gpkg"
    g = gpd.GeoDataFrame({"k": [1, 2, 3]}, geometry=[shapely.box(115.9, 36.4, 115.95, 36.45), bowtie(), None],
                         crs=4490)
    g.to_file(path)
    gdf = io.read_vector(path)
    assert len(gdf) == 3 and gdf["k"].tolist() == [1, 2, 3]
    assert gdf.geometry.iloc[:2].is_valid.all()
    assert bowtie().area == pytest.approx(0.0, abs=1e-15)  # the two lobes cancel: why it must be repaired
    assert gdf.geometry.iloc[1].area == pytest.approx(0.01 ** 2 / 2, rel=1e-6)  # two triangles of d²/4
    assert "修复" in gdf["read_issue"].iloc[1] and "Self-intersection" in gdf["read_issue"].iloc[1]
    assert "空" in gdf["read_issue"].iloc[2]
    assert any("第 2 条要素" in n for n in gdf.attrs["read_notes"])
    kept = io.read_vector(path, repair=False)
    assert not kept.geometry.iloc[1].is_valid and "未修复" in kept["read_issue"].iloc[1]


# --- files and formats ------------------------------------------------------------------------------


def test_empty_files_raise_naming_the_file(tmp_path):
    gpkg = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"k": []}, geometry=[], crs=4490).to_file(gpkg)
    header_only = tmp_path / "header.csv"
    header_only.write_text("经度,纬度\n", encoding="utf-8")
    zero = tmp_path / "zero.csv"
    zero.write_bytes(b"")
    for path in (gpkg, header_only, zero):
        with pytest.raises(InputError) as err:
            io.read_vector(path)
        msg = str(err.value)
        assert str(path) in msg and "请" in msg
        assert "0 条记录" in msg or "空的" in msg


def test_unsupported_and_missing_files(tmp_path):
    pdf = tmp_path / "规划图.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    with pytest.raises(InputError) as err:
        io.read_vector(pdf)
    msg = str(err.value)
    assert str(pdf) in msg and ".gpkg" in msg and ".shp" in msg and ".xlsx" in msg and "导出" in msg
    dwg = tmp_path / "plan.dwg"
    dwg.write_bytes(b"AC1027")
    with pytest.raises(InputError, match="DXF") as err:
        io.read_vector(dwg)
    assert str(dwg) in str(err.value)
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match="无法打开 Excel 文件") as err:  # .xls is read now; a broken one is named
        io.read_vector(xls)
    assert str(xls) in str(err.value)
    with pytest.raises(InputError, match="文件不存在") as err:
        io.read_vector(tmp_path / "nope.shp")
    assert str(tmp_path / "nope.shp") in str(err.value)
    shp = write_shapefile(township_polygons(), tmp_path / "part.shp", encoding="utf-8")
    shp.with_suffix(".dbf").unlink()
    with pytest.raises(InputError, match=r"\.dbf"):
        io.read_vector(shp)


def test_xlsx_with_title_row_and_xy_columns(tmp_path):
    path = table({"序号": [1, 2], "项目": ["甲", "乙"], "X": [115.98, 115.99], "Y": [36.45, 36.46]},
                 tmp_path / "点位.xlsx", title="东昌府区项目点位表（合成数据）")
    gdf = io.read_vector(path)
    assert gdf["项目"].tolist() == ["甲", "乙"]
    assert np.allclose(gdf.geometry.x, [115.98, 115.99]) and np.allclose(gdf.geometry.y, [36.45, 36.46])
    assert any("第 2 行" in n for n in gdf.attrs["read_notes"])


def test_combined_and_wkt_columns(tmp_path):
    path = table({"名称": ["甲"], "经纬度": ["115.98，36.45"]}, tmp_path / "c.csv")
    assert metres_from_known(io.read_vector(path))[0] < 0.01
    path = table({"名称": ["甲"], "WKT": ["POINT (115.98 36.45)"]}, tmp_path / "w.csv")
    assert metres_from_known(io.read_vector(path))[0] < 0.01


def test_no_coordinate_columns_lists_headers_and_fix(tmp_path):
    path = table({"名称": ["甲"], "面积": [1]}, tmp_path / "nocoords.csv")
    with pytest.raises(InputError) as err:
        io.read_vector(path)
    assert str(path) in str(err.value) and "面积" in str(err.value) and f"{_fixes.FIELD_MAP} lon=" in str(err.value)


def test_kml(tmp_path):
    path = tmp_path / "标注.kml"
    gpd.GeoDataFrame({"Name": ["郑家镇项目"]}, geometry=[shapely.Point(*KNOWN)], crs=4326).to_file(path, driver="KML")
    gdf = io.read_vector(path)
    assert len(gdf) == 1 and "郑家镇项目" in gdf.astype(str).to_numpy().ravel().tolist()
    assert metres_from_known(gdf)[0] < 0.01
    assert any("GCJ-02" in n for n in gdf.attrs["read_notes"])


def test_filegdb_and_multilayer_geopackage(tmp_path):
    gdb = tmp_path / "bureau.gdb"
    township_polygons().to_file(gdb, driver="OpenFileGDB", layer="XZQ")
    assert io.read_vector(gdb)["name_zh"].tolist() == [n for _, n in TOWNS]
    gpkg = tmp_path / "two.gpkg"
    township_polygons().to_file(gpkg, layer="XZQ")
    township_polygons().iloc[:1].to_file(gpkg, layer="DLTB")
    with pytest.raises(InputError) as err:
        io.read_vector(gpkg)
    assert str(gpkg) in str(err.value) and "XZQ" in str(err.value) and _fixes.LAYER in str(err.value)
    assert len(io.read_vector(gpkg, layer="DLTB")) == 1


# --- field names -----------------------------------------------------------------------------------


def test_admin_aliases_xzqdm_xzqmc(tmp_path):
    g = township_polygons()
    g["XZQDM"] = ["371502105", "371502106"]  # 9-digit township codes are padded to 12
    shp = write_shapefile(g, tmp_path / "XZQ.shp", encoding="gbk")
    gdf = io.read_vector(shp)
    assert gdf["code12"].tolist() == [c for c, _ in TOWNS]
    assert gdf["name_zh"].tolist() == [n for _, n in TOWNS]
    assert gdf["XZQDM"].tolist() == ["371502105", "371502106"]  # originals kept


def test_landuse_aliases_dlbm_dlmc_tbmj(tmp_path):
    g = gpd.GeoDataFrame({"DLBM": ["0601", "0101"], "DLMC": ["工业用地", "水田"], "TBMJ": [1234.5, 20000.0]},
                         geometry=[shapely.box(115.97, 36.44, 115.98, 36.45), shapely.box(115.98, 36.44, 115.99, 36.45)],
                         crs=4490)
    path = tmp_path / "DLTB.gpkg"
    g.to_file(path)
    gdf = io.read_vector(path)
    assert gdf["land_use_code"].tolist() == ["0601", "0101"]
    assert gdf["land_use_name"].tolist() == ["工业用地", "水田"]
    assert gdf["area_m2"].tolist() == [1234.5, 20000.0]
    assert {"DLBM", "DLMC", "TBMJ"} <= set(gdf.columns)


def test_field_map_explicit_and_errors(tmp_path):
    path = table({"编码": ["A1"], "镇名": ["郑家镇"], "lon": [115.98], "lat": [36.45]}, tmp_path / "f.csv")
    gdf = io.read_vector(path, field_map={"id": "编码", "name_zh": "镇名"})
    assert gdf["id"].tolist() == ["A1"] and gdf["name_zh"].tolist() == ["郑家镇"] and "镇名" in gdf.columns
    with pytest.raises(InputError) as err:
        io.read_vector(path, field_map={"name_zh": "XZQMC"})
    assert "XZQMC" in str(err.value) and "镇名" in str(err.value) and str(path) in str(err.value)


def test_apply_aliases_parcels_units_and_enterprises():
    df = pd.DataFrame({"宗地号": ["SYN-001"], "土地使用权人": ["合成企业0001（样例）"], "出让价款（万元）": [300],
                       "已开发面积(亩)": [3], "约定动工日期": ["2021-03-01"]})
    out, notes = io.apply_aliases(df, "parcels")
    assert out["parcel_id"].tolist() == ["SYN-001"] and out["holder"].tolist() == ["合成企业0001（样例）"]
    assert out["land_price_wan"].tolist() == [300]
    assert out["developed_area_m2"].iloc[0] == pytest.approx(3 * settings.MU_M2)
    assert out["agreed_start"].tolist() == ["2021-03-01"]
    assert "宗地号" in out.columns and notes
    ent, _ = io.apply_aliases(pd.DataFrame({"企业名称": ["甲"], "用地面积(平方米)": [6670.0], "税收": [10]}), "enterprises")
    assert ent["name"].tolist() == ["甲"] and ent["tax_wan"].tolist() == [10]
    assert ent["land_area_mu"].iloc[0] == pytest.approx(6670.0 / settings.MU_M2)
    with pytest.raises(InputError, match="别名组"):
        io.apply_aliases(df, "nonsense")


def test_alias_file_is_well_formed():
    table_ = json.loads((settings.data_dir / "field_aliases.json").read_text(encoding="utf-8"))
    factors = table_["unit_factors"]
    for group in ("admin", "landuse", "parcels", "enterprises", "sites"):
        for target, entries in table_["groups"][group].items():
            for e in entries:
                assert (isinstance(e, str) or e.get("scale") in factors or e.get("unit") == "guess"
                        or e.get("assumed") in ("亩", "平方米", "公顷")), (group, target, e)
                if isinstance(e, dict) and e.get("unit") == "guess":
                    assert target in table_["unit_guess"], (group, target, e)


def test_parse_field_map():
    assert io.parse_field_map(["id=XZQDM", "name_zh = XZQMC"]) == {"id": "XZQDM", "name_zh": "XZQMC"}
    assert io.parse_field_map("a=b,c=d") == {"a": "b", "c": "d"}
    with pytest.raises(InputError, match="目标字段=源字段"):
        io.parse_field_map(["XZQDM"])
    with pytest.raises(InputError, match="两次"):
        io.parse_field_map(["id=A", "id=B"])


def test_read_table_xlsx_with_aliases(tmp_path):
    path = table({"统一社会信用代码": ["91371502MA3C000001"], "宗地号": ["00123"], "总投资(万元)": [5000]},
                 tmp_path / "宗地.xlsx", title="闲置土地清单（合成数据）")
    df = io.read_table(path, aliases="parcels")
    assert df["parcel_id"].tolist() == ["00123"] and df["total_investment_wan"].tolist() == [5000]
    assert df.attrs["row_numbers"] == [3]


# --- sites ---------------------------------------------------------------------------------------------


def test_read_site_lonlat_wkt_file_and_area(tmp_path):
    p = io.read_site(f"{KNOWN[0]},{KNOWN[1]}")
    assert len(p) == 1 and p.geom_type.iloc[0] == "Point" and str(p.crs) == "EPSG:4490"
    w = io.read_site("POLYGON((115.97 36.44, 115.99 36.44, 115.99 36.46, 115.97 36.44))")
    assert w.geom_type.iloc[0] == "Polygon"
    path = tmp_path / "sites.gpkg"
    township_polygons().to_file(path)
    f = io.read_site(str(path))
    assert len(f) == 2 and f["name_zh"].tolist() == [n for _, n in TOWNS]
    for area in (1.0, 50.0, 3000.0):
        c = io.read_site(f"{KNOWN[0]},{KNOWN[1]}", area_mu=area)
        measured = dcf_crs.to_working(c).geometry.area.iloc[0] / settings.MU_M2
        assert measured == pytest.approx(area, rel=0.005)
        assert c["area_mu_measured"].iloc[0] == pytest.approx(measured)
        assert metres_from_known(c)[0] < 0.5


def test_read_site_errors_give_the_fix():
    with pytest.raises(InputError, match=f"经度,纬度：{KNOWN[0]},{KNOWN[1]}"):
        io.read_site(f"{KNOWN[1]},{KNOWN[0]}")
    with pytest.raises(InputError, match="经度,纬度"):
        io.read_site("郑家镇附近")
    with pytest.raises(InputError, match="WKT"):
        io.read_site("POLYGON((1 2, 3")


# --- streaming (fiona) -------------------------------------------------------------------------------


def test_iter_records_and_scan_stream_a_gbk_shapefile(tmp_path):
    g = gpd.GeoDataFrame({"名称": [f"合成地块{i}" for i in range(5)]},
                         geometry=[shapely.box(115.9 + i * 0.01, 36.4, 115.905 + i * 0.01, 36.405) for i in range(4)]
                         + [bowtie()], crs=4490)
    shp = write_shapefile(g, tmp_path / "big.shp", encoding="gbk")
    recs = list(io.iter_records(shp))
    assert [r["row"] for r in recs] == list(range(5))
    assert [r["properties"]["名称"] for r in recs] == g["名称"].tolist()
    summary = io.scan_vector(shp)
    assert summary["count"] == 5 and summary["n_invalid"] == 1 and summary["invalid_rows"] == [4]
    assert summary["fields"] == ["名称"]


# --- axes with a known projected CRS, truncated DBF names, KML folders -------------------------------


def test_user_projected_crs_with_survey_xy_and_swapped_declared_axes(tmp_path):
    x, y = point_in("EPSG:4527")
    survey = table({"X": [y], "Y": [x]}, tmp_path / "s.csv")
    gdf = io.read_vector(survey, crs=4527)
    assert metres_from_known(gdf)[0] < 1.0
    assert any("北坐标" in n for n in gdf.attrs["read_notes"])
    path = tmp_path / "axes.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.Point(y, x)], crs=4527).to_file(path)
    with pytest.raises(InputError) as err:
        io.read_vector(path)
    assert str(path) in str(err.value) and _fixes.SWAP_XY in str(err.value)
    assert metres_from_known(io.read_vector(path, swap_xy=True))[0] < 1.0


def test_chinese_field_names_cut_at_ten_bytes_are_recognised(tmp_path):
    g = gpd.GeoDataFrame({"宗地号": ["SYN1"], "土地使用权人": ["合成企业（样例）"], "约定动工日期": ["2021-03-01"]},
                         geometry=[shapely.box(115.97, 36.44, 115.98, 36.45)], crs=4490)
    shp = write_shapefile(g, tmp_path / "zd.shp", encoding="gbk")
    gdf = io.read_vector(shp, aliases="parcels")
    assert "土地使用权人" not in gdf.columns  # the DBF really did cut the name
    assert gdf["holder"].tolist() == ["合成企业（样例）"] and gdf["agreed_start"].tolist() == ["2021-03-01"]
    assert any("截断" in n for n in gdf.attrs["read_notes"])


def test_kml_folders_are_all_read(tmp_path):
    path = tmp_path / "folders.kml"
    gpd.GeoDataFrame({"Name": ["甲"]}, geometry=[shapely.Point(*KNOWN)], crs=4326).to_file(path, driver="KML", layer="项目")
    gpd.GeoDataFrame({"Name": ["乙", "丙"]}, geometry=[shapely.Point(115.99, 36.46), shapely.Point(116.0, 36.47)],
                     crs=4326).to_file(path, driver="KML", layer="备选", mode="a")
    gdf = io.read_vector(path)
    assert len(gdf) == 3 and sorted(set(gdf["kml_layer"])) == ["备选", "项目"]


def test_numbers_with_thousands_separators_and_numbers_stored_as_text(tmp_path):
    csv_path = tmp_path / "n.csv"
    csv_path.write_text('名称,总投资(万元),经度,纬度\n甲,"1,234.5",115.98,36.45\n乙, 800 ,115.99,36.46\n', encoding="utf-8")
    gdf = io.read_vector(csv_path)
    assert gdf["总投资(万元)"].tolist() == [1234.5, 800.0]
    xlsx = table({"宗地号": ["007"], "面积": ["12.5"], "经度": ["115.98"], "纬度": ["36.45"]}, tmp_path / "t.xlsx")
    df = io.read_table(xlsx)
    assert df["面积"].tolist() == [12.5] and df["宗地号"].tolist() == ["007"]


def test_xian80_data_gets_a_datum_warning(tmp_path):
    x, y = point_in("EPSG:2363")  # Xian 1980 / 3-degree GK zone 39
    path = table({"东坐标": [x], "北坐标": [y]}, tmp_path / "xian80.csv")
    gdf = io.read_vector(path, crs=2363)
    assert metres_from_known(gdf)[0] < 200  # PROJ's ballpark transformation; the note says so
    assert any("Xian 1980" in n and "CGCS2000" in n for n in gdf.attrs["read_notes"])
    assert not any("Xian" in n for n in io.read_vector(path, crs=4527).attrs["read_notes"])


def test_degrees_minutes_seconds(tmp_path):
    path = table({"经度": ["115°58′48″", "115度58分48秒E"], "纬度": ["36°27′0″N", "36°27'0\""]}, tmp_path / "dms.csv")
    gdf = io.read_vector(path)
    assert np.allclose(metres_from_known(gdf), 0, atol=0.01)
    assert any("度分秒" in n for n in gdf.attrs["read_notes"])


def test_read_site_file_keeps_declared_area_and_compares_it(tmp_path):
    path = tmp_path / "地块.gpkg"
    box = dcf_crs.to_working(gpd.GeoDataFrame(geometry=[shapely.Point(*KNOWN)], crs=4490)).geometry.iloc[0].buffer(100, cap_style="square")
    gpd.GeoDataFrame({"项目名称": ["合成项目（样例）"], "用地面积(亩)": [60.0]}, geometry=[box], crs=4548).to_file(path)
    site = io.read_site(str(path), area_mu=30)
    assert site["area_mu"].tolist() == [60.0]  # declared in the file, kept
    assert site["area_mu_measured"].iloc[0] == pytest.approx(40_000 / settings.MU_M2, rel=1e-6)
    assert any("申报用地面积 30 亩" in n for n in site.attrs["read_notes"])


def test_iter_records_without_geometry_and_kml_rows_numbered_on(tmp_path):
    path = tmp_path / "folders.kml"
    gpd.GeoDataFrame({"Name": ["甲"]}, geometry=[shapely.Point(*KNOWN)], crs=4326).to_file(path, driver="KML", layer="a")
    gpd.GeoDataFrame({"Name": ["乙"]}, geometry=[shapely.Point(116.0, 36.5)], crs=4326).to_file(path, driver="KML",
                                                                                               layer="b", mode="a")
    recs = list(io.iter_records(path, geometry=False))
    assert [r["row"] for r in recs] == [0, 1] and [r["layer"] for r in recs] == ["a", "b"]
    assert all(r["geometry"] is None for r in recs)
    assert [r["geometry"].x for r in io.iter_records(path)] == [KNOWN[0], 116.0]


def test_dxf_closed_polyline_becomes_a_polygon(tmp_path):
    import pyogrio

    x, y = point_in("EPSG:4527")
    ring = shapely.LineString([(x, y), (x + 200, y), (x + 200, y + 150), (x, y + 150), (x, y)])
    path = tmp_path / "红线.dxf"
    with pytest.warns(UserWarning, match="crs"):  # CAD files carry no CRS: that is the point
        pyogrio.write_dataframe(gpd.GeoDataFrame(geometry=[ring, shapely.LineString([(x, y), (x + 50, y + 50)])]),
                                path, driver="DXF")
    gdf = io.read_vector(path)
    assert gdf.geom_type.tolist() == ["Polygon", "LineString"]
    assert dcf_crs.to_working(gdf).geometry.area.iloc[0] == pytest.approx(200 * 150, rel=1e-6)
    assert any("EPSG:4527" in n for n in gdf.attrs["read_notes"]) and any("闭合多段线" in n for n in gdf.attrs["read_notes"])


@pytest.mark.parametrize("names", [["状态", "code"], ["状态", "用途", "code"]])
def test_gbk_detected_from_field_names_when_values_are_ascii(tmp_path, names):
    """Two GBK characters can be valid UTF-8 ("状态" → "״̬"): the field names decide, read as Chinese."""
    g = gpd.GeoDataFrame({n: [f"A{i}" for i in range(3)] for n in names},
                         geometry=[shapely.Point(115.9 + i / 100, 36.4) for i in range(3)], crs="EPSG:4490")
    shp = write_shapefile(g, tmp_path / "ascii_values.shp", encoding="gbk")
    gdf = io.read_vector(shp)
    assert [c for c in gdf.columns if c in names] == names
    assert any("GBK" in n for n in gdf.attrs["read_notes"])


def test_utf8_field_names_with_ascii_values_stay_utf8(tmp_path):
    g = gpd.GeoDataFrame({"状态": ["A"], "code": ["B"]}, geometry=[shapely.Point(115.9, 36.4)], crs="EPSG:4490")
    shp = write_shapefile(g, tmp_path / "u.shp", encoding="utf-8")
    assert "状态" in io.read_vector(shp).columns


def test_decode_guess_tolerates_a_name_cut_mid_character():
    from dcf_spatial.io.encoding import _decode_guess

    raw = "宗地代码 土地用途分类".encode("gbk")[:-1] + b" A1 A2"  # last name cut inside a character
    assert _decode_guess(raw) == "gbk"
    assert _decode_guess("状态".encode("gbk")) == "gbk"
    assert _decode_guess("状态".encode("utf-8")) == "utf-8"
    assert _decode_guess(b"plain ascii") is None


def test_reader_messages_name_the_fix_in_words_not_cli_options(tmp_path):
    g = gpd.GeoDataFrame({"名称": ["甲"]}, geometry=[shapely.Point(115.9, 36.4)], crs="EPSG:4490")
    gpkg = tmp_path / "两层.gpkg"
    g.to_file(gpkg, layer="a", driver="GPKG")
    g.to_file(gpkg, layer="b", driver="GPKG")
    with pytest.raises(InputError) as exc:
        io.read_vector(gpkg)
    assert _fixes.LAYER in str(exc.value) and "--layer" not in str(exc.value) and "Python" not in str(exc.value)
    swapped = table({"经度": [36.4], "纬度": [115.9]}, tmp_path / "s.csv", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        io.read_vector(swapped)
    assert _fixes.SWAP_XY in str(exc.value) and "--swap-xy" not in str(exc.value) and "Python" not in str(exc.value)
    assert io.read_vector(swapped, swap_xy=True).geometry.iloc[0].x == pytest.approx(115.9)


def test_read_site_passes_reader_options_to_files(tmp_path):
    g = gpd.GeoDataFrame({"名称": ["甲"]}, geometry=[shapely.Point(115.9, 36.4)], crs="EPSG:4490")
    gpkg = tmp_path / "场地.gpkg"
    g.to_file(gpkg, layer="项目", driver="GPKG")
    g.to_file(gpkg, layer="其他", driver="GPKG")
    with pytest.raises(InputError, match=_fixes.LAYER):
        io.read_site(str(gpkg))
    site = io.read_site(str(gpkg), layer="项目", field_map={"name_zh": "名称"})
    assert site["name_zh"].tolist() == ["甲"]
    pt = io.read_site("36.4,115.9", swap_xy=True)
    assert (pt.geometry.iloc[0].x, pt.geometry.iloc[0].y) == pytest.approx((115.9, 36.4))
