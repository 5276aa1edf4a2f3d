"""Files and values a new user really holds (QA round nu, findings 4, 5, 7 and 15), checked as they ran them.

- #4: a zipped GBK shapefile (folder inside the zip, no .cpg) of one 250 × 200 m polygon — 75 亩 — whose DBF
  field 面积 = 75 has no unit was refused (HTTP 400 on the desk). The polygon is the site: its area is the
  geometry's; a unitless 面积 that agrees with it in one unit is read so, one that agrees in none is said in a
  note and not used — never a refusal. Checked on the command line and on the desk.
- #5: ``E115.746 N36.4402`` in a batch's 经纬度 column was 无法核查 while the single check accepted it: every form the
  single check reads is read in a batch, to the same point and verdict.
- #7: a batch of a 报批 TXT had an empty 项目名称 and a note asking to rename 地块名称 to 行业: each parcel is named
  by the header's 项目名称, else by its 地块名称, and no note takes 地块名称 for an industry column.
- #15: the batch note on rows placed by a name said they were judged «按该单元本身的规划定位», while each such row
  is checked part by part, as the single check says of a place-name site: the note uses the single check's words.

The coordinates lie in the shipped layers' 郑家镇工业集聚区 (轴承 fits there: 第四章第一节, 第八章第一节).
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial import settings
from dcf_spatial.cli.main import cli

MU_M2 = 10_000 / 15
#: EPSG:4527 (CGCS2000 3° zone 39, zone-prefixed easting) metres in 郑家镇工业集聚区
X0, Y0 = 39_388_000.0, 4_036_800.0
#: 250 m × 200 m = 50,000 m² = 75 亩
PLOT = shapely.box(X0, Y0, X0 + 250, Y0 + 200)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    return path


def _shapefile_zip(folder, area_value) -> bytes:
    """The user's 地块红线.zip: a GBK shapefile without .cpg, in a folder inside the zip, one polygon."""
    import warnings

    d = folder / "地块红线"
    d.mkdir(parents=True, exist_ok=True)
    gdf = gpd.GeoDataFrame({"项目名称": ["轴承保持器项目"], "面积": [area_value]}, geometry=[PLOT], crs="EPSG:4527")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf.to_file(d / "地块红线.shp", encoding="gbk", engine="pyogrio")
    (d / "地块红线.cpg").unlink(missing_ok=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in sorted(d.iterdir()):
            zf.write(f, f"地块红线/{f.name}")
    return buf.getvalue()


def _dcf(store, *args):
    res = CliRunner().invoke(cli, ["--store", str(store), *map(str, args)], catch_exceptions=False)
    assert "Traceback" not in res.output
    return res.exit_code, res.output


# --- #4: a site drawn as a polygon does not need its file's unitless 面积 -------------------------------------


def test_a_zipped_shapefile_whose_unitless_area_is_the_polygons_is_checked_on_its_75_mu(store, tmp_path):
    path = tmp_path / "地块红线.zip"
    path.write_bytes(_shapefile_zip(tmp_path / "a", 75))
    code, out = _dcf(store, "site", "check", "--site", path, "--industry", "轴承")
    assert code == 0, out
    assert "面积 75.00 亩" in out, out
    note = next((t for t in out.splitlines() if t.startswith("读取说明：") and "面积" in t and "未注明单位" in t), "")
    assert "亩" in note and "图形面积" in note and "相符" in note, out   # read as 亩 because the polygon is 75 亩


def test_a_unitless_area_that_fits_no_unit_of_the_polygon_is_noted_not_refused(store, tmp_path):
    # 12: neither 12 亩, 12 公顷 (180 亩) nor 12 m² is the 75-亩 polygon
    path = tmp_path / "地块红线.zip"
    path.write_bytes(_shapefile_zip(tmp_path / "b", 12))
    code, out = _dcf(store, "site", "check", "--site", path, "--industry", "轴承")
    assert code == 0, out
    assert "面积 75.00 亩" in out, out
    note = next((t for t in out.splitlines() if t.startswith("读取说明：") and "未注明单位" in t), "")
    assert "不符" in note and "以图形为准" in note, out
    site = dcf.read_site(str(path))
    assert "area_mu" not in site.columns or site["area_mu"].isna().all()   # the 12 is not taken for the site's area


def test_the_desk_reads_the_zipped_shapefile_and_checks_its_75_mu(desk, tmp_path):
    r = desk.post("/api/site/read", files={"file": ("地块红线.zip", _shapefile_zip(tmp_path, 75))})
    assert r.status_code == 200, r.text
    read = r.json()
    assert any("面积" in t and "相符" in t for t in read["read_notes"]), read["read_notes"]
    check = desk.post("/api/site-check", json={"site": read["geometry"], "crs": read["crs"], "industry": "轴承"})
    assert check.status_code == 200, check.text
    assert check.json()["site"]["area_mu"] == pytest.approx(75, rel=1e-3)


# --- #5: a batch reads every coordinate form the single check reads --------------------------------------------

#: one point of 郑家镇工业集聚区 as a user may type it; every form names 115.746, 36.4402 (± 0.1 m)
FORMS = ["115.746,36.4402", "115.746，36.4402", "E115.746 N36.4402", "东经115.746 北纬36.4402",
         "北纬36.4402 东经115.746", "Ｅ１１５．７４６ Ｎ３６．４４０２", "115°44′45.6″E, 36°26′24.72″N",
         "115°44′45.6″,36°26′24.72″", "115.746;36.4402"]


def test_a_batch_reads_each_coordinate_form_as_the_single_check_does(store, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "store", store)
    listing = tmp_path / "项目清单_经纬度一列.xlsx"
    pd.DataFrame({"项目名称": [f"项目{i}" for i in range(len(FORMS))], "行业": "轴承", "用地面积（亩）": 30,
                  "经纬度": FORMS}).to_excel(listing, index=False)
    batch = dcf.check_batch(str(listing))
    rows = batch.to_dict()
    assert [r["status"] for r in rows] == ["ok"] * len(FORMS), [(f, r.get("error")) for f, r in zip(FORMS, rows)]
    for form, row in zip(FORMS, rows):
        single = dcf.check_site(form, "轴承", area_mu=30).to_dict()
        assert row["verdict"] == single["verdict"], form
        assert row["site"]["centroid_lonlat"] == pytest.approx(single["site"]["centroid_lonlat"], abs=2e-6), form
        assert row["site"]["centroid_lonlat"] == pytest.approx([115.746, 36.4402], abs=2e-6), form


def test_labelled_cells_in_separate_longitude_and_latitude_columns_are_read(store, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "store", store)
    listing = tmp_path / "清单.csv"
    pd.DataFrame({"项目名称": ["甲"], "行业": ["轴承"], "经度": ["E115.746"], "纬度": ["N36.4402"]}).to_csv(listing, index=False)
    (row,) = dcf.check_batch(str(listing)).to_dict()
    assert row["status"] == "ok", row.get("error")
    assert row["site"]["centroid_lonlat"] == pytest.approx([115.746, 36.4402], abs=2e-6)


# --- #7: a batch of a 报批 TXT names each parcel ----------------------------------------------------------------


def _survey_txt(path, *, project: str | None = None):
    """A 报批 coordinate TXT as the bureau exports it: GBK, CRLF, CGCS2000 3° zone 39, two 地块 (面积 in 公顷)."""
    head = ["[属性描述]", "格式版本号=1.01版本", "数据产生单位=测试单位", "坐标系=2000国家大地坐标系", "几度分带=3",
            "投影类型=高斯克吕格", "计量单位=米", "带号=39", "精度=0.01", "转换参数=,,,,,,"]
    if project:
        head.insert(2, f"项目名称={project}")
    lines = head + ["[地块坐标]"]
    for k, (x, y, w, name) in enumerate([(X0, Y0, 200.0, "甲厂一号地块"), (X0 + 400, Y0, 100.0, "甲厂二号地块")], 1):
        ring = [(x, y), (x + w, y), (x + w, y + w), (x, y + w), (x, y)]
        lines.append(f"5,{w * w / 10_000:.4f},{k},{name},面,,工业用地,,@")
        lines += [f"J{i % 4 + 1},1,{py:.3f},{px:.3f}" for i, (px, py) in enumerate(ring)]
    path.write_bytes("\r\n".join(lines).encode("gbk") + b"\r\n")
    return path


@pytest.mark.parametrize("project,names", [(None, ["甲厂一号地块", "甲厂二号地块"]),
                                           ("甲厂轴承项目", ["甲厂轴承项目", "甲厂轴承项目"])])
def test_a_batch_of_a_survey_txt_names_each_parcel_and_gives_no_renaming_advice(store, tmp_path, monkeypatch,
                                                                                project, names):
    monkeypatch.setattr(settings, "store", store)
    txt = _survey_txt(tmp_path / "报批坐标.txt", project=project)
    batch = dcf.check_batch(str(txt), "轴承")
    assert [r["status"] for r in batch.to_dict()] == ["ok", "ok"]
    assert batch.sites["name"].tolist() == names
    out = tmp_path / "结果.xlsx"
    batch.to_table(out)
    assert pd.read_excel(out, sheet_name="核查结果", engine="openpyxl")["项目名称"].tolist() == names
    notes = "\n".join(batch.notes)
    assert "地块名称" not in notes or "像行业" not in notes, notes
    assert "改名为 行业" not in notes and "industry=地块名称" not in notes, notes


def test_the_desk_batch_of_a_survey_txt_answers_the_parcel_names(desk, tmp_path):
    txt = _survey_txt(tmp_path / "报批坐标.txt")
    r = desk.post("/api/site-check/batch", data={"industry": "轴承"},
                  files={"file": ("报批坐标.txt", txt.read_bytes())})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["names"] == ["甲厂一号地块", "甲厂二号地块"]
    assert not any("像行业" in t or "改名为" in t for t in body["read_notes"]), body["read_notes"]


# --- #15: the batch note on rows placed by a name says what the check does ---------------------------------------


def test_the_batch_note_on_rows_placed_by_name_uses_the_single_checks_words(store, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "store", store)
    listing = tmp_path / "清单.csv"
    pd.DataFrame({"项目名称": ["甲"], "行业": ["轴承"], "建设地点": ["郑家镇工业集聚区"]}).to_csv(listing, index=False)
    batch = dcf.check_batch(str(listing))
    (row,) = batch.to_dict()
    assert row["site"].get("parts_checked"), row["site"]   # the row is checked part by part …
    note = next(t for t in batch.notes if "按建设地点列中的地名定位" in t)
    assert "本身的规划定位" not in note, note               # … and the note no longer says otherwise
    single = dcf.check_site("郑家镇工业集聚区", "轴承").summary_text()
    said = re.search(r"结论按该[^，。；）]*?内各分区及其余部分逐一按地块核查判定", single)
    assert said, single
    assert "结论按该单元内各分区及其余部分逐一按地块核查判定" in note, note
