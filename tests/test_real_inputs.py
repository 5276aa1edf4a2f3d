"""Files as offices hold them (issue 9 items 5–7): .xls/.ods, merged two-row headers, area columns
without a unit, DataV GeoJSON, UTF-8 shapefiles with cut Chinese field names, a 三调 FileGDB and the
``landuse`` layer, query answers written to files, and docs/formats.md generated from the alias table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from dcf_spatial import io, queries, settings
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError
from dcf_spatial.store import Store, catalog

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A copy of the shipped store, active for the test."""
    path = tmp_path / "store.gpkg"
    shutil.copy(settings.default_store, path)
    monkeypatch.delenv("DCF_STORE", raising=False)
    monkeypatch.setattr(settings, "store", path)
    return path


def _park(store):
    parks = catalog.read_layer("cluster_parks", store=store).to_crs(4548)
    return parks.geometry.iloc[0].representative_point()


# --- 5. spreadsheets ------------------------------------------------------------------------------


def test_old_excel_xls_is_read_with_coordinates_and_area_in_square_metres(tmp_path):
    xlwt = pytest.importorskip("xlwt")  # writes a real BIFF8 .xls, the format old Excel saves
    book = xlwt.Workbook()
    sheet = book.add_sheet("项目")
    rows = [["项目名称", "经度", "纬度", "用地面积"], ["甲项目", 115.95, 36.45, 20000], ["乙项目", 115.96, 36.46, 33350]]
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            sheet.write(i, j, v)
    path = tmp_path / "项目.xls"
    book.save(str(path))
    gdf = io.read_vector(path, aliases=("sites",))
    assert len(gdf) == 2 and gdf.geometry.x.round(2).tolist() == [115.95, 115.96]
    # 20,000 m² = 30 亩; values of 20,000–33,350 are a plausible site only in m²
    assert gdf["area_mu"].round(3).tolist() == [30.0, 50.025]
    assert any("用地面积 未注明单位" in n and "平方米" in n for n in gdf.attrs["read_notes"])
    assert gdf.attrs["row_numbers"] == [2, 3]


def test_ods_is_read(tmp_path):
    path = tmp_path / "企业.ods"
    pd.DataFrame({"企业名称": ["甲公司"], "经度": [115.95], "纬度": [36.45]}).to_excel(path, engine="odf", index=False)
    gdf = io.read_vector(path, aliases=("enterprises",))
    assert gdf["name"].tolist() == ["甲公司"] and gdf.geometry.y.tolist() == [36.45]


def test_merged_two_row_header_is_flattened(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["供地结果"])  # a title line above the table
    ws.append(["电子监管号", "项目名称", "约定容积率", None, "面积(公顷)"])
    ws.append([None, None, "下限", "上限", None])
    ws.append(["3715022021B00012", "轴承项目", 1.0, 2.5, 3.2])
    ws.append(["3715022021B00013", "管材项目", 0.8, 1.5, 1.1])
    ws.merge_cells("C2:D2")
    ws.merge_cells("A2:A3")
    path = tmp_path / "供地.xlsx"
    wb.save(path)
    df = io.read_table(path)
    assert list(df.columns) == ["电子监管号", "项目名称", "约定容积率下限", "约定容积率上限", "面积(公顷)"]
    assert df["约定容积率上限"].tolist() == [2.5, 1.5]
    assert df["电子监管号"].tolist() == ["3715022021B00012", "3715022021B00013"]
    assert df.attrs["row_numbers"] == [4, 5]
    assert any("表头为两行" in n for n in df.attrs["read_notes"])


def test_a_first_record_of_text_is_not_taken_for_a_second_header_row(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_text("名称,地址,备注,,类型\n郑家镇,某路,无,甲,镇\n", encoding="utf-8")
    df = io.read_table(path)
    assert len(df) == 1 and df["名称"].tolist() == ["郑家镇"] and df["类型"].tolist() == ["镇"]


def test_area_without_a_unit_that_fits_two_units_is_asked_for_by_name(tmp_path):
    path = tmp_path / "项目.csv"
    path.write_text("项目名称,经度,纬度,用地面积\n甲,115.95,36.45,50\n乙,115.96,36.46,80\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        io.read_vector(path, aliases=("sites",))
    msg = str(err.value)
    assert "用地面积" in msg and "用地面积(亩)" in msg and "用地面积(公顷)" in msg and str(path) in msg
    # told it is 亩, the column is taken as is
    gdf = io.read_vector(path, aliases=("sites",), field_map={"area_mu": "用地面积"})
    assert gdf["area_mu"].tolist() == [50, 80]


def test_an_area_column_not_recognised_is_named_in_the_notes():
    df = pd.DataFrame({"项目名称": ["甲"], "用地面积(亩)": [30], "建筑面积(平方米)": [9000]})
    out, notes = io.apply_aliases(df, "sites")
    assert out["area_mu"].tolist() == [30]
    assert any("建筑面积(平方米)" in n and "未识别" in n for n in notes)


def test_site_batch_with_unitless_area_gets_its_area(tmp_path, store):
    from dcf_spatial.queries.site.batch import read_batch

    path = tmp_path / "批量.csv"
    path.write_text("项目名称,行业,经度,纬度,用地面积\n甲,轴承,115.95,36.45,20000\n", encoding="utf-8")
    sites, *_ = read_batch(path)
    assert sites.to_crs(4548).area.round(-1).tolist() == [20000.0]  # a disc of the declared 30 亩


# --- 6. vector files ------------------------------------------------------------------------------


def _datav(tmp_path) -> Path:
    district = catalog.read_layer("district", store=settings.default_store)
    fc = json.loads(district[["geometry"]].to_json())
    fc["features"][0].pop("id", None)  # DataV features carry no feature id
    fc["features"][0]["properties"] = {
        "adcode": 371502, "name": "东昌府区", "center": [115.98, 36.43], "centroid": [115.96, 36.44],
        "childrenNum": 0, "level": "district", "parent": {"adcode": 371500}, "subFeatureIndex": 0,
        "acroutes": [100000, 370000, 371500]}
    path = tmp_path / "东昌府区.json"
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return path


def test_datav_geojson_is_recognised(tmp_path):
    gdf = io.read_vector(_datav(tmp_path), crs="gcj02")
    row = gdf.iloc[0]
    assert (row["code6"], row["name_zh"], row["level"], row["parent_code"], row["code12"]) == (
        "371502", "东昌府区", "district", "371500", "371502000000")
    assert any("DataV" in n for n in gdf.attrs["read_notes"])


def test_layers_import_district_from_datav_needs_no_field(tmp_path, store):
    res = run("--store", store, "layers", "import", "--provenance", "authoritative", "district", _datav(tmp_path), "--crs", "gcj02", "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["features"] == 1
    layer = catalog.read_layer("district", store=store)
    assert layer["id"].tolist() == ["district.371502"] and layer["provenance"].tolist() == ["authoritative"]


def test_utf8_shapefile_with_cut_chinese_field_names(tmp_path):
    path = tmp_path / "宗地.shp"
    frame = gpd.GeoDataFrame({"电子监管号": ["3715022021B00012"], "土地使用权人": ["甲公司"]},
                             geometry=[box(115.95, 36.45, 115.951, 36.451)], crs=4490)
    with pytest.warns(RuntimeWarning):  # GDAL says it laundered (cut) the names
        frame.to_file(path, encoding="utf-8")
    raw = path.with_suffix(".dbf").read_bytes()
    assert "土地使".encode() + b"\xe7" in raw[:200]  # GDAL really cut 土地使用权人 mid-character
    gdf = io.read_vector(path, aliases=("parcels",))
    # 电子监… can only be 电子监管号: repaired, and read as the parcel id
    assert gdf["电子监管号"].tolist() == ["3715022021B00012"] and gdf["parcel_id"].tolist() == ["3715022021B00012"]
    notes = " ".join(gdf.attrs["read_notes"])
    assert "电子监→电子监管号" in notes
    # 土地使… may be 土地使用权人 (holder) or 土地使用年限 (land_term_years): named, used for neither
    assert "土地使用年限" in notes and "土地使用权人" in notes
    assert "holder" not in gdf.columns and "land_term_years" not in gdf.columns
    assert ".cpg 声明编码" not in notes  # the .cpg (UTF-8) is right and not called wrong


def test_layers_import_accepts_encoding(tmp_path, store):
    path = tmp_path / "乡镇.shp"
    towns = catalog.read_layer("townships", store=store)[["code12", "name_zh", "kind", "geometry"]]
    towns.rename(columns={"code12": "XZQDM", "name_zh": "XZQMC"}).to_file(path, encoding="gbk")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    res = run("--store", store, "layers", "import", "--provenance", "authoritative", "townships", path, "--encoding", "gbk", "--json")
    assert res.exit_code == 0, res.output
    assert any("gbk" in n for n in json.loads(res.stdout)["read_notes"])
    bad = run("--store", store, "layers", "import", "--provenance", "authoritative", "townships", path, "--encoding", "nonsense")
    assert bad.exit_code != 0 and "--encoding" in bad.output


def _survey_gdb(tmp_path, centre) -> Path:
    """A tiny 三调 FileGDB written with GDAL's OpenFileGDB driver: DLTB (水田 west, 工业用地 east) and XZQ."""
    x, y = centre.x, centre.y
    dltb = gpd.GeoDataFrame({"BSM": ["37150200001", "37150200002"], "DLBM": ["0101", "0601"],
                             "DLMC": ["水田", "工业用地"], "TBMJ": [20000.0, 20000.0],
                             "ZLDWDM": ["3715021050010000000"] * 2, "ZLDWMC": ["某村"] * 2},
                            geometry=[box(x - 100, y - 100, x, y + 100), box(x, y - 100, x + 100, y + 100)],
                            crs=4548).to_crs(4490)
    xzq = gpd.GeoDataFrame({"XZQDM": ["371502105000"], "XZQMC": ["郑家镇"]},
                           geometry=[box(x - 500, y - 500, x + 500, y + 500)], crs=4548).to_crs(4490)
    path = tmp_path / "三调.gdb"
    dltb.to_file(path, layer="DLTB", driver="OpenFileGDB")
    xzq.to_file(path, layer="XZQ", driver="OpenFileGDB")
    return path


def test_survey_filegdb_opens_dltb_with_standard_fields(tmp_path, store):
    gdf = io.read_vector(_survey_gdb(tmp_path, _park(store)))
    assert gdf["land_use_code"].tolist() == ["0101", "0601"]
    assert gdf["land_use_name"].tolist() == ["水田", "工业用地"]
    assert gdf["location_code"].tolist() == ["3715021050010000000"] * 2  # 19 digits, exact
    assert gdf.to_crs(4548).area.round().tolist() == [20000.0, 20000.0]
    assert any("DLTB" in n and "XZQ" in n for n in gdf.attrs["read_notes"])


def test_site_check_without_landuse_says_it_is_not_checked(store):
    site = gpd.GeoDataFrame(geometry=[_park(store).buffer(50)], crs=4548).to_crs(4490)
    reasons = queries.check_site(site, "轴承").results[0]["reasons"]
    texts = [r["text_zh"] for r in reasons if r["rule"] == "landuse_cultivated"]
    assert len(texts) == 1 and "未核查土地利用现状" in texts[0]


def test_landuse_import_feeds_site_check_and_available(tmp_path, store):
    centre = _park(store)
    res = run("--store", store, "layers", "import", "--provenance", "authoritative", "landuse", _survey_gdb(tmp_path, centre), "--layer", "DLTB")
    assert res.exit_code == 0, res.output
    layer = catalog.read_layer("landuse", store=store)
    assert layer["provenance"].tolist() == ["authoritative"] * 2
    # a square site of 100 m × 100 m straddling the two patches: half on 水田 (耕地, code 01)
    site = gpd.GeoDataFrame(geometry=[box(centre.x - 50, centre.y - 50, centre.x + 50, centre.y + 50)],
                            crs=4548).to_crs(4490)
    reason = next(r for r in queries.check_site(site, "轴承").results[0]["reasons"] if r["rule"] == "landuse_cultivated")
    assert reason["effect"] == "info"
    assert "7.50 亩" in reason["text_zh"] and "50.0%" in reason["text_zh"]  # 5,000 m² = 7.5 亩
    assert "三调.gdb" in reason["text_zh"] and "权威数据" in reason["text_zh"]
    assert "永久基本农田" in reason["text_zh"]
    parks = catalog.read_layer("cluster_parks", store=store)
    answer = queries.available(zone=parks["id"].iloc[0], min_mu=0)
    assert "cultivated_mu" in answer.frame.columns
    assert answer.frame["cultivated_mu"].sum() > 0
    assert any("landuse" in n for n in answer.extra["notes"])


# --- 7. query answers to files --------------------------------------------------------------------


def test_overlap_to_xlsx_keeps_every_row_and_totals_by_b(tmp_path, store):
    parks = catalog.read_layer("cluster_parks", store=store)
    a = parks.assign(name_zh=["=HYPERLINK(\"x\")"] + parks["name_zh"].tolist()[1:])
    answer = queries.overlap(a, "townships")
    out = answer.to_file(tmp_path / "叠加.xlsx")
    sheets = pd.read_excel(out, sheet_name=None, engine="openpyxl")
    assert set(sheets) == {"结果", "按B汇总", "说明"}
    assert len(sheets["结果"]) == len(answer.frame)
    assert {"A 编号", "A 名称", "B 编号", "B 名称"} <= set(sheets["结果"].columns)
    totals = sheets["按B汇总"]
    assert len(totals) == len(catalog.read_layer("townships", store=store))
    assert totals["重叠面积合计（亩）"].sum() == pytest.approx(answer.frame["overlap_mu"].sum())
    cell = openpyxl.load_workbook(out)["结果"]["B2"]
    assert cell.value == "=HYPERLINK(\"x\")" and cell.data_type == "s"  # text, not a formula
    with pytest.raises(InputError, match="已存在"):
        answer.to_file(out)


def test_within_cli_writes_only_rows_within_unless_all(tmp_path, store):
    ents = catalog.read_layer("anchor_enterprises", store=store)
    answer = queries.within("anchor_enterprises", "canal", km=2)
    n_within = int(answer.frame["within"].sum())
    assert 0 < n_within < len(ents)
    res = run("query", "within", "anchor_enterprises", "canal", "--km", "2", "-o", tmp_path / "w.csv")
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "w.csv")) == n_within
    assert (tmp_path / "w_按B汇总.csv").exists()
    assert "--all" in res.stdout
    res = run("query", "within", "anchor_enterprises", "canal", "--km", "2", "--all", "-o", tmp_path / "all.gpkg")
    assert res.exit_code == 0, res.output
    import pyogrio

    assert {n for n, _ in pyogrio.list_layers(tmp_path / "all.gpkg")} == {"result", "totals_by_b"}
    assert len(gpd.read_file(tmp_path / "all.gpkg", layer="result")) == len(ents)


def test_console_shows_the_first_rows_not_all(tmp_path, store):
    w = queries.within("anchor_enterprises", "canal", km=50)
    text = w.summary_text(max_rows=3)
    assert "其余" in text and len([line for line in text.splitlines() if "→" in line]) == 3
    res = run("query", "nearest", "anchor_enterprises", "canal", "-o", tmp_path / "r.txt")
    assert res.exit_code != 0 and "--output" in res.output


# --- 4. docs/formats.md ---------------------------------------------------------------------------


def test_formats_doc_is_the_generated_one():
    committed = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    assert committed == io.aliases.formats_markdown(), (
        "docs/formats.md is stale: python -m dcf_spatial.io.aliases --markdown > docs/formats.md")


def test_formats_doc_lists_every_alias_and_format():
    text = io.aliases.formats_markdown()
    for group in io.alias_table()["groups"].values():
        for entries in group.values():
            for e in entries:
                assert (e if isinstance(e, str) else e["name"]).replace("|", "\\|") in text
    for suffix in io.SUPPORTED_FORMATS:
        assert f"`{suffix}`" in text
