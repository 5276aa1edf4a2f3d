"""A user's bad day: every command given messy or wrong input, as a user runs it (CliRunner).

Each error must name the file, row, field or option, say what is wrong and how to fix it, exit
with code 2 and show no Python traceback; batch commands keep every input row with a status.
All fixtures (tiny layer stores, CSV/XLSX/Shapefile inputs) are made here, in tmp_path.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli
from dcf_spatial.land import codes

from test_idle_audit import X0 as LX0, Y0 as LY0, make_land_store
from test_site_check import build_fixture_store, km_pt

W = "EPSG:4548"


@pytest.fixture(scope="module")
def site_store(tmp_path_factory):
    return build_fixture_store(tmp_path_factory.mktemp("bad_site") / "s.gpkg")


@pytest.fixture(scope="module")
def land_store(tmp_path_factory):
    return make_land_store(tmp_path_factory.mktemp("bad_land") / "l.gpkg")


@pytest.fixture()
def dcf(monkeypatch):
    """Run ``dcf --store STORE args…``; returns (exit code, stdout, stderr)."""
    monkeypatch.setattr(settings, "store", settings.store)
    monkeypatch.delenv("DCF_STORE", raising=False)

    def run(store, *args):
        res = CliRunner().invoke(cli, ["--store", str(store), *map(str, args)], catch_exceptions=True)
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            raise res.exception  # a crash, not a handled error: show it
        out, err = res.stdout, res.stderr
        assert "Traceback" not in out + err
        return res.exit_code, out, err

    return run


def lonlat(x_km, y_km):
    """A point of the site fixture (km from its origin) as (lon, lat) in CGCS2000."""
    p = gpd.GeoSeries([km_pt(x_km, y_km)], crs=W).to_crs(settings.storage_crs).iloc[0]
    return round(p.x, 7), round(p.y, 7)


def land_lonlat(dx_m=0.0, dy_m=0.0):
    p = gpd.GeoSeries([shapely.Point(LX0 + dx_m, LY0 + dy_m)], crs=W).to_crs(settings.storage_crs).iloc[0]
    return round(p.x, 7), round(p.y, 7)


IN_PARK = lonlat(3, 3)  # inside 轴承保持器智能制造产业园 of the fixture


def error_line(err: str) -> str:
    """The one line that tells the user what went wrong."""
    lines = [ln for ln in err.splitlines() if "Error" in ln or "错误" in ln]
    assert lines, err
    return lines[-1]


# --- missing and empty files ---------------------------------------------------------------------


@pytest.mark.parametrize("args,hint", [
    (["site", "check", "--site", "{d}/缺失.shp", "--industry", "轴承"], "--site"),
    (["site", "check", "--batch", "{d}/缺失.csv"], "--batch"),
    (["query", "overlap", "{d}/缺失.gpkg", "townships"], "A"),
    (["query", "available", "--zone", "park.zhengjia.bearing", "--parcels", "{d}/缺失.gpkg"], "--parcels"),
])
def test_missing_file_is_named(dcf, site_store, tmp_path, args, hint):
    code, out, err = dcf(site_store, *[a.format(d=tmp_path) for a in args])
    line = error_line(err)
    assert code == 2 and hint in line and "缺失" in line
    assert "不存在" in line or "不是" in line


@pytest.mark.parametrize("args,hint", [
    (["audit", "idle", "--parcels", "{d}/缺失.gpkg", "--as-of", "2025-12-31", "-o", "{d}/out"], "--parcels"),
    (["audit", "efficiency", "--enterprises", "{d}/缺失.csv", "-o", "{d}/out"], "--enterprises"),
])
def test_missing_audit_file_is_named_and_nothing_written(dcf, land_store, tmp_path, args, hint):
    code, out, err = dcf(land_store, *[a.format(d=tmp_path) for a in args])
    line = error_line(err)
    assert code == 2 and hint in line and "缺失" in line and "不存在" in line
    assert not (tmp_path / "out").exists()


def test_empty_csv_and_header_only_csv(dcf, site_store, tmp_path):
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    header = tmp_path / "表头.csv"
    header.write_text("经度,纬度,行业\n", encoding="utf-8")
    code, _, err = dcf(site_store, "site", "check", "--batch", empty)
    assert code == 2 and "空.csv" in error_line(err) and "空的" in error_line(err)
    code, _, err = dcf(site_store, "site", "check", "--batch", header)
    assert code == 2 and "表头.csv" in error_line(err) and "没有数据行" in error_line(err)


def test_empty_parcel_csv(dcf, land_store, tmp_path):
    empty = tmp_path / "宗地.csv"
    empty.write_bytes(b"")
    code, _, err = dcf(land_store, "audit", "idle", "--parcels", empty, "--as-of", "2025-12-31", "-o", tmp_path / "o")
    assert code == 2 and "宗地.csv" in error_line(err) and "空" in error_line(err)


# --- tables as users make them ------------------------------------------------------------------


def test_xlsx_with_coordinates_on_the_second_sheet(dcf, site_store, tmp_path):
    book = tmp_path / "项目.xlsx"
    (lon1, lat1), (lon2, lat2) = IN_PARK, lonlat(19, 4)
    with pd.ExcelWriter(book) as xl:
        pd.DataFrame({"说明": ["项目清单（合成数据）"]}).to_excel(xl, sheet_name="说明", index=False)
        pd.DataFrame({"项目名称": ["甲", "乙"], "经度": [lon1, lon2], "纬度": [lat1, lat2],
                      "行业": ["轴承", "轴承"]}).to_excel(xl, sheet_name="坐标", index=False)
    code, out, err = dcf(site_store, "site", "check", "--batch", book, "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 2 and [r["verdict"] for r in rows] == ["fits", "conditional"]
    assert "坐标" in err and "说明" in err  # says which sheet was read instead
    # naming the sheet works too, and a wrong name lists the sheets
    code, out, _ = dcf(site_store, "site", "check", "--batch", book, "--layer", "坐标", "--json")
    assert code == 0 and len(json.loads(out)) == 2
    code, _, err = dcf(site_store, "site", "check", "--batch", book, "--layer", "坐标系")
    assert code == 2 and "坐标系" in error_line(err) and "说明" in error_line(err) and "坐标" in error_line(err)


def test_gbk_csv_with_chinese_headers_keeps_every_row(dcf, site_store, tmp_path):
    (lon, lat) = IN_PARK
    csv = tmp_path / "清单.csv"
    csv.write_text("项目名称,经度,纬度,行业,用地面积(亩)\n"
                   f"轴承项目,{lon},{lat},轴承,50\n"
                   f"缺坐标项目,,{lat},轴承,50\n"
                   f"未知行业项目,{lon},{lat},火星车,50\n", encoding="gbk")
    code, out, err = dcf(site_store, "site", "check", "--batch", csv, "--json")
    assert code == 0 and "NaN" not in out
    rows = json.loads(out)
    assert len(rows) == 3
    assert rows[0]["verdict"] == "fits"
    assert rows[1]["status"] == "error" and "经度" in rows[1]["error"] and "空" in rows[1]["error"]
    assert "nan" not in rows[1]["error"] and "np." not in rows[1]["error"]
    assert rows[2]["status"] == "error" and "火星车" in rows[2]["error"]
    assert "GBK" in err


def test_swapped_columns_are_refused_then_read_with_swap_xy(dcf, site_store, tmp_path):
    (lon, lat) = IN_PARK
    csv = tmp_path / "颠倒.csv"
    csv.write_text(f"经度,纬度,行业\n{lat},{lon},轴承\n", encoding="utf-8")
    code, _, err = dcf(site_store, "site", "check", "--batch", csv)
    line = error_line(err)
    assert code == 2 and "颠倒.csv" in line and "经度" in line and "--swap-xy" in line
    code, out, _ = dcf(site_store, "site", "check", "--batch", csv, "--swap-xy", "--json")
    assert code == 0 and json.loads(out)[0]["verdict"] == "fits"
    # a typed --site the same way
    code, _, err = dcf(site_store, "site", "check", "--site", f"{lat},{lon}", "--industry", "轴承")
    assert code == 2 and f"{lon},{lat}" in error_line(err)
    code, out, _ = dcf(site_store, "site", "check", "--site", f"{lat},{lon}", "--swap-xy", "--industry", "轴承", "--json")
    assert code == 0 and json.loads(out)["verdict"] == "fits"


def test_field_option_names_coordinate_and_industry_columns(dcf, site_store, tmp_path):
    (lon, lat) = IN_PARK
    csv = tmp_path / "自定义.csv"
    csv.write_text(f"东经度数,北纬度数,拟建产业\n{lon},{lat},C3451\n", encoding="utf-8")
    code, _, err = dcf(site_store, "site", "check", "--batch", csv)
    assert code == 2 and "--field lon=" in error_line(err) and "东经度数" in error_line(err)
    code, out, _ = dcf(site_store, "site", "check", "--batch", csv, "--field", "lon=东经度数", "--field", "lat=北纬度数",
                       "--field", "industry_code=拟建产业", "--json")
    assert code == 0 and json.loads(out)[0]["verdict"] == "fits"
    code, _, err = dcf(site_store, "site", "check", "--batch", csv, "--field", "lon")
    assert code == 2 and "--field" in error_line(err) and "目标字段=源字段" in error_line(err)


# --- sites that are wrong in themselves --------------------------------------------------------


def test_point_500_km_away_is_outside_and_warned(dcf, site_store):
    code, out, err = dcf(site_store, "site", "check", "--site", "121.5,36.45", "--industry", "轴承")
    assert code == 0
    assert out.splitlines()[0].endswith("不在规划范围")
    assert "东昌府区以外" in err and "km" in err and "--crs" in err


def test_invalid_polygon_site_is_repaired_and_said(dcf, site_store):
    pts = [lonlat(2.5, 2.5), lonlat(3.5, 3.5), lonlat(3.5, 2.5), lonlat(2.5, 3.5), lonlat(2.5, 2.5)]  # bow-tie
    wkt = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in pts) + "))"
    code, out, err = dcf(site_store, "site", "check", "--site", wkt, "--industry", "轴承", "--json")
    assert code == 0
    res = json.loads(out)
    assert res["verdict"] == "fits" and res["site"]["area_mu"] > 0
    assert any("修复" in n for n in res["read_notes"])


@pytest.mark.parametrize("word,expect", [("管材", ["C313", "C2922"]), ("火星车", ["无法识别", "C3451"]),
                                         ("", ["未给出行业"])])
def test_industry_ambiguous_unknown_empty(dcf, site_store, word, expect):
    code, out, err = dcf(site_store, "site", "check", "--site", ",".join(map(str, IN_PARK)), "--industry", word)
    line = error_line(err)
    assert code == 2 and "--industry" in line
    assert all(e in line for e in expect), line


@pytest.mark.parametrize("args,option", [
    (["site", "check", "--site", "115.9,36.4", "--industry", "轴承", "--area-mu", "-5"], "--area-mu"),
    (["site", "check", "--site", "115.9,36.4", "--industry", "轴承", "--investment-wan", "-1"], "--investment-wan"),
    (["query", "within", "townships", "industrial_clusters", "--km", "-1"], "--km"),
    (["query", "nearest", "townships", "industrial_clusters", "--max-km", "-3"], "--max-km"),
    (["query", "available", "--zone", "park.zhengjia.bearing", "--min-mu", "-10"], "--min-mu"),
])
def test_negative_numbers_name_the_option(dcf, site_store, args, option):
    code, _, err = dcf(site_store, *args)
    line = error_line(err)
    assert code == 2 and option in line and ("大于 0" in line or "负数" in line)


def test_zone_that_is_not_a_zone_lists_the_valid_ones(dcf, site_store):
    code, _, err = dcf(site_store, "query", "available", "--zone", "郑家镇轴承园")
    line = error_line(err)
    assert code == 2 and "--zone" in line and "郑家镇轴承园" in line
    for zid in ("park.zhengjia.bearing", "cluster.zhengjia", "cluster.guangping", "cluster.jiaming2", "agri.vegetable",
                "core.city"):
        assert zid in line
    assert "是否指：town.371502105000" in line  # 郑家镇 is in the words typed
    # typed by its Chinese name, or a near miss of the id: pointed at the id
    code, _, err = dcf(site_store, "query", "available", "--zone", "轴承保持器智能制造产业园")
    assert code == 2 and "是否指：park.zhengjia.bearing" in error_line(err)
    code, _, err = dcf(site_store, "query", "available", "--zone", "park.zhengjia.bearings")
    assert code == 2 and "是否指：park.zhengjia.bearing" in error_line(err)


# --- outputs ---------------------------------------------------------------------------------------


def test_output_in_a_missing_folder_is_made_and_said(dcf, site_store, tmp_path):
    """Every output makes its missing folder, as -o does (README; QA11 F13.1); a folder that cannot be made (a
    file stands in its place) is refused before any work, naming the option."""
    site = ",".join(map(str, IN_PARK))
    for opt, name in (("--map", "图.html"), ("--report", "报告.html")):
        code, _, err = dcf(site_store, "site", "check", "--site", site, "--industry", "轴承", opt, tmp_path / f"新目录{opt}" / name)
        assert code == 0 and "已新建文件夹" in err and (tmp_path / f"新目录{opt}" / name).is_file()
    code, _, err = dcf(site_store, "query", "overlap", "cluster_parks", "townships", "--map", tmp_path / "另一目录" / "m.html")
    assert code == 0 and (tmp_path / "另一目录" / "m.html").is_file()
    (tmp_path / "是文件").write_text("x", encoding="utf-8")
    code, _, err = dcf(site_store, "site", "check", "--site", site, "--industry", "轴承", "--map", tmp_path / "是文件" / "图.html")
    line = error_line(err)
    assert code == 2 and "--map" in line and "是文件，不是文件夹" in line
    code, _, err = dcf(site_store, "site", "check", "--site", site, "--industry", "轴承", "--map", tmp_path / "是文件" / "下层" / "图.html")
    assert code == 2 and "--map" in error_line(err) and "无法新建文件夹" in error_line(err)


def test_existing_outputs_need_overwrite(dcf, site_store, land_store, tmp_path):
    site = ",".join(map(str, IN_PARK))
    existing = tmp_path / "图.html"
    existing.write_text("keep me", encoding="utf-8")
    code, _, err = dcf(site_store, "site", "check", "--site", site, "--industry", "轴承", "--map", existing)
    assert code == 2 and "--overwrite" in error_line(err)
    assert existing.read_text(encoding="utf-8") == "keep me"
    # an audit output folder that already holds the outputs
    lon, lat = land_lonlat()
    csv = tmp_path / "宗地.csv"
    csv.write_text(f"宗地号,经度,纬度,约定动工日期,实际动工日期,地类编码\nA1,{lon},{lat},2020-01-01,,0601\n", encoding="utf-8")
    out_dir = tmp_path / "审计"
    code, _, _ = dcf(land_store, "audit", "idle", "--parcels", csv, "--as-of", "2025-12-31", "-o", out_dir, "--no-map")
    assert code == 0
    before = (out_dir / "idle_audit.xlsx").stat().st_mtime_ns
    code, _, err = dcf(land_store, "audit", "idle", "--parcels", csv, "--as-of", "2025-12-31", "-o", out_dir, "--no-map")
    assert code == 2 and "--overwrite" in error_line(err) and "idle_audit.xlsx" in error_line(err)
    assert (out_dir / "idle_audit.xlsx").stat().st_mtime_ns == before


# --- the land bureau's files --------------------------------------------------------------------


def test_as_of_that_is_not_a_date(dcf, land_store, tmp_path):
    code, _, err = dcf(land_store, "audit", "idle", "--parcels", tmp_path / "x.csv", "--as-of", "2025-13-40", "-o", tmp_path / "o")
    line = error_line(err)
    assert code == 2 and "--as-of" in line and "2025-13-40" in line and "2025-12-31" in line


def test_parcel_file_missing_agreed_start(dcf, land_store, tmp_path):
    lon, lat = land_lonlat()
    csv = tmp_path / "宗地.csv"
    csv.write_text(f"宗地号,经度,纬度,实际动工日期,地类编码\nA1,{lon},{lat},,0601\n", encoding="utf-8")
    code, _, err = dcf(land_store, "audit", "idle", "--parcels", csv, "--as-of", "2025-12-31", "-o", tmp_path / "o")
    line = error_line(err)
    assert code == 2 and "宗地.csv" in line and "agreed_start" in line and "约定动工日期" in line
    assert "--field agreed_start=" in line and "宗地号" in line
    # mapping the column the user does have fixes it
    csv2 = tmp_path / "宗地2.csv"
    csv2.write_text(f"宗地号,经度,纬度,开工约定,实际动工日期,地类编码\nA1,{lon},{lat},2020-01-01,,0601\n", encoding="utf-8")
    code, out, _ = dcf(land_store, "audit", "idle", "--parcels", csv2, "--as-of", "2025-12-31", "-o", tmp_path / "o2",
                       "--field", "agreed_start=开工约定", "--json", "--no-map")
    assert code == 0 and json.loads(out)["parcels"][0]["status"] == "idle_reclaim"


def test_duplicate_parcel_ids_are_kept_and_reported(dcf, land_store, tmp_path):
    rows = ["宗地号,经度,纬度,约定动工日期,实际动工日期,地类编码"]
    for i, pid in enumerate(["A1", "A1", "B2"]):
        lon, lat = land_lonlat(dx_m=300.0 * i)
        rows.append(f"{pid},{lon},{lat},2020-01-01,,0601")
    csv = tmp_path / "重复.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, _ = dcf(land_store, "audit", "idle", "--parcels", csv, "--as-of", "2025-12-31", "-o", tmp_path / "o",
                       "--json", "--no-map")
    assert code == 0
    res = json.loads(out)
    assert res["parcels_in"] == 3 and [p["parcel_id"] for p in res["parcels"]] == ["A1", "A1", "B2"]
    problems = pd.read_excel(tmp_path / "o" / "idle_audit.xlsx", sheet_name=None)
    text = " ".join(str(v) for df in problems.values() for v in df.to_numpy().ravel())
    assert "重复" in text


def test_enterprise_text_in_a_numeric_column_keeps_the_row(dcf, land_store, tmp_path):
    cc = [codes.make_credit_code("371502", f"YY{i:06d}") for i in range(1, 3)]
    csv = tmp_path / "企业.csv"
    csv.write_text("统一社会信用代码,企业名称,行业代码,税收(万元),营业收入(万元),用地面积(亩),是否规上,年度\n"
                   f"{cc[0]},甲公司（合成数据）,C3451,12万,100,10,是,2024\n"
                   f"{cc[1]},乙公司（合成数据）,C3451,30,200,20,是,2024\n", encoding="gbk")
    code, out, _ = dcf(land_store, "audit", "efficiency", "--enterprises", csv, "-o", tmp_path / "o", "--json")
    assert code == 0
    res = json.loads(out)
    assert [e["credit_code"] for e in res["enterprises"]] == cc
    book = pd.read_excel(tmp_path / "o" / "efficiency.xlsx", sheet_name=None)
    problems = " ".join(map(str, book["问题记录"].to_numpy().ravel()))
    assert "12万" in problems and "税收" in problems and "只填数字" in problems


# --- the shared reader options and --basemap on every command ----------------------------------


def _two_layer_gpkg(path):
    pts = [km_pt(3, 3), km_pt(19, 4)]
    gdf = gpd.GeoDataFrame({"name_zh": ["甲点", "乙点"]}, geometry=pts, crs=W).to_crs(settings.storage_crs)
    gdf.to_file(path, layer="项目点", driver="GPKG")
    gdf.iloc[:1].to_file(path, layer="备用", driver="GPKG")
    return path


def test_query_file_with_several_layers_needs_layer_option(dcf, site_store, tmp_path):
    gpkg = _two_layer_gpkg(tmp_path / "点.gpkg")
    code, _, err = dcf(site_store, "query", "nearest", gpkg, "industrial_clusters")
    line = error_line(err)
    assert code == 2 and "点.gpkg" in line and "--layer" in line and "项目点" in line and "备用" in line
    code, out, _ = dcf(site_store, "query", "nearest", gpkg, "industrial_clusters", "--layer", "项目点", "--json")
    rows = json.loads(out)["rows"]
    assert code == 0 and [r["a_name"] for r in rows] == ["甲点", "乙点"]
    assert [r["b_name"] for r in rows] == ["郑家镇工业集聚区", "高精管材特色产业集聚区"]


def test_gbk_dbf_read_with_explicit_encoding_and_field(dcf, site_store, tmp_path):
    gdf = gpd.GeoDataFrame({"名称": ["甲点"]}, geometry=[km_pt(3, 3)], crs=W).to_crs(settings.storage_crs)
    shp = tmp_path / "点.shp"
    gdf.to_file(shp, encoding="gbk", engine="pyogrio")
    shp.with_suffix(".cpg").write_text("1252")  # a .cpg that lies (Western code page): only the user knows
    args = ["query", "within", shp, "industrial_clusters", "--km", "1", "--json"]
    code, out, _ = dcf(site_store, *args, "--encoding", "gbk", "--field", "name_zh=名称")
    assert code == 0 and json.loads(out)["rows"][0]["a_name"] == "甲点"
    code, _, err = dcf(site_store, *args, "--field", "name_zh=名称")  # read as cp1252: no such field
    assert code == 2 and "name_zh=名称" in error_line(err) and "--encoding gbk" in error_line(err)


def test_parcels_with_swapped_columns_need_swap_xy(dcf, land_store, tmp_path):
    lon, lat = land_lonlat()
    csv = tmp_path / "宗地.csv"
    csv.write_text(f"宗地号,经度,纬度,约定动工日期,实际动工日期,地类编码\nA1,{lat},{lon},2020-01-01,,0601\n", encoding="utf-8")
    args = ["audit", "idle", "--parcels", csv, "--as-of", "2025-12-31", "--no-map", "--json"]
    code, _, err = dcf(land_store, *args, "-o", tmp_path / "o1")
    assert code == 2 and "--swap-xy" in error_line(err) and "宗地.csv" in error_line(err)
    code, out, _ = dcf(land_store, *args, "-o", tmp_path / "o2", "--swap-xy")
    assert code == 0 and json.loads(out)["parcels"][0]["status"] == "idle_reclaim"


@pytest.mark.parametrize("args", [
    ["site", "check", "--site", "{site}", "--industry", "轴承", "--map", "{map}"],
    ["query", "overlap", "cluster_parks", "townships", "--map", "{map}"],
    ["query", "nearest", "cluster_parks", "industrial_clusters", "--map", "{map}"],
    ["query", "within", "cluster_parks", "industrial_clusters", "--km", "1", "--map", "{map}"],
    ["query", "available", "--zone", "park.zhengjia.bearing", "--map", "{map}"],
])
def test_basemap_option_reaches_the_map(dcf, site_store, tmp_path, args):
    site = ",".join(map(str, IN_PARK))
    for basemap in ("none", "osm"):
        path = tmp_path / f"{basemap}.html"
        code, _, err = dcf(site_store, *[a.format(site=site, map=path) for a in args], "--basemap", basemap)
        assert code == 0, err
        assert ("openstreetmap" in path.read_text(encoding="utf-8")) == (basemap == "osm")


def test_basemap_option_on_the_audits(dcf, land_store, tmp_path):
    lon, lat = land_lonlat()
    csv = tmp_path / "宗地.csv"
    csv.write_text(f"宗地号,经度,纬度,约定动工日期,实际动工日期,地类编码\nA1,{lon},{lat},2020-01-01,,0601\n", encoding="utf-8")
    code, _, err = dcf(land_store, "audit", "idle", "--parcels", csv, "--as-of", "2025-12-31", "-o", tmp_path / "o",
                       "--basemap", "osm")
    assert code == 0, err
    assert "openstreetmap" in (tmp_path / "o" / "idle_audit_map.html").read_text(encoding="utf-8")
    code, _, err = dcf(land_store, "audit", "idle", "--parcels", csv, "--as-of", "2025-12-31", "-o", tmp_path / "o", "--basemap", "bing")
    assert code == 2 and "--basemap" in error_line(err)


def test_unknown_crs_is_blamed_on_the_crs_option(dcf, site_store):
    code, _, err = dcf(site_store, "site", "check", "--site", ",".join(map(str, IN_PARK)), "--industry", "轴承",
                       "--crs", "foo")
    line = error_line(err)
    assert code == 2 and "--crs" in line and "--site" not in line and "foo" in line and "gcj02" in line


def test_built_class_without_imagery_is_refused(dcf, land_store, tmp_path):
    code, _, err = dcf(land_store, "audit", "idle", "--parcels", __file__, "--as-of", "2025-12-31",
                       "-o", tmp_path / "o", "--built-class", "50")
    assert code == 2 and "--built-class" in error_line(err) and "--imagery" in error_line(err)
    assert not (tmp_path / "o").exists()


def test_reader_options_on_two_layer_ids_are_said_to_be_ignored(dcf, site_store):
    code, out, err = dcf(site_store, "query", "nearest", "cluster_parks", "industrial_clusters", "--crs", "gcj02",
                         "--swap-xy")
    assert code == 0 and "--crs" in err and "--swap-xy" in err and "忽略" in err
    code, out, err = dcf(site_store, "query", "nearest", "cluster_parks", "industrial_clusters")
    assert code == 0 and "忽略" not in err


def test_query_rows_without_coordinates_are_kept_with_the_reason_and_json_is_strict(dcf, site_store, tmp_path):
    (lon, lat) = IN_PARK
    csv = tmp_path / "点位.csv"
    csv.write_text(f"项目名称,经度,纬度\n甲,{lon},{lat}\n乙,,{lat}\n", encoding="utf-8")
    code, out, _ = dcf(site_store, "query", "within", csv, "industrial_clusters", "--km", "1", "--json")
    assert code == 0 and "NaN" not in out
    rows = json.loads(out)["rows"]
    assert [r["a_name"] for r in rows] == ["甲", "乙"]
    assert rows[0]["status"] == "within" and rows[1]["status"] == "no_geometry"
    assert rows[1]["distance_km"] is None and "经度" in rows[1]["status_zh"]
    code, out, _ = dcf(site_store, "query", "nearest", csv, "industrial_clusters")
    assert code == 0 and "乙 → —" in out and "无几何" in out


def test_unknown_encoding_is_refused_up_front(dcf, site_store, tmp_path):
    csv = tmp_path / "a.csv"
    csv.write_text("经度,纬度,行业\n115.9,36.4,轴承\n", encoding="utf-8")
    code, _, err = dcf(site_store, "site", "check", "--batch", csv, "--encoding", "gbk2")
    assert code == 2 and "--encoding" in error_line(err) and "gbk2" in error_line(err) and "utf-8" in error_line(err)


def test_batch_row_with_unclosed_wkt_polygon_is_kept_with_the_reason(dcf, site_store, tmp_path):
    (lon, lat) = IN_PARK
    csv = tmp_path / "wkt.csv"
    csv.write_text(f'WKT,行业\n"POLYGON((1 2, 3 4))",轴承\n"POINT({lon} {lat})",轴承\n', encoding="utf-8")
    code, out, _ = dcf(site_store, "site", "check", "--batch", csv, "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 2
    assert rows[0]["status"] == "error" and "WKT" in rows[0]["error"] and "闭合" in rows[0]["error"]
    assert rows[1]["verdict"] == "fits"


def test_a_data_error_is_one_line_without_the_usage_block(dcf, site_store, tmp_path):
    header = tmp_path / "表头.csv"
    header.write_text("经度,纬度,行业\n", encoding="utf-8")
    code, out, err = dcf(site_store, "site", "check", "--batch", header)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [error_line(err)]
    assert err.startswith("错误 Error: --batch：") and "Usage:" not in err


# --- the library says the fix in words; the command line adds the option ---------------------------


@pytest.mark.parametrize("library, cli_text", [
    ("请指定坐标系（如 EPSG:4527）", "请用 --crs 4527 指定坐标系"),
    ("请指定坐标系（如 gcj02）", "请用 --crs gcj02 指定坐标系"),
    ("请检查坐标系（必要时指定坐标系）", "请检查坐标系（必要时用 --crs 指定坐标系）"),
    ("或要求对调 x 与 y", "或加 --swap-xy 要求对调 x 与 y"),
    ("请指定图层或工作表（如 项目点）", "请用 --layer 项目点 指定图层或工作表"),
    ("请指定文字编码（如 gbk）", "请用 --encoding gbk 指定文字编码"),
    ("或用字段映射 lon=<经度列> lat=<纬度列> 指定", "或用字段映射 --field lon=<经度列> --field lat=<纬度列> 指定"),
    ("没有 CLI 选项的句子", "没有 CLI 选项的句子"),
])
def test_cli_wording_adds_the_option_to_each_neutral_fix(library, cli_text):
    from dcf_spatial.cli._options import cli_wording

    assert cli_wording(library) == cli_text


def test_library_reader_errors_name_no_cli_option_but_the_cli_does(dcf, site_store, tmp_path):
    from dcf_spatial import io
    from dcf_spatial.errors import InputError

    (lon, lat) = IN_PARK
    csv = tmp_path / "颠倒2.csv"
    csv.write_text(f"经度,纬度,行业\n{lat},{lon},轴承\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        io.read_vector(csv)
    assert "--" not in str(exc.value) and "Python" not in str(exc.value)
    code, _, err = dcf(site_store, "site", "check", "--batch", csv)
    assert code == 2 and "加 --swap-xy 要求对调 x 与 y" in error_line(err)
