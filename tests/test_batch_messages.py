"""`dcf site check --batch` talks about the planner's spreadsheet in the spreadsheet's own terms.

- a file with no recognised industry column is refused once, with its columns, the recognised
  headers and the fix (exit 2, nothing written), instead of a results file of 100 % 无法核查;
- every row is named by its spreadsheet row number (表格第 N 行, header on row 1) — terminal,
  CSV/XLSX 表格行号 column, JSON, HTML report and map labels — as the reader's own notes name it;
- ``--site 115.75`` (a lon without a lat) is recognised as a coordinate typed wrongly.

Fixture layer stores and input tables are made here, in tmp_path; all data is synthetic.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError
from dcf_spatial.queries import site as sc

from test_site_check import build_fixture_store, km_pt


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_fixture_store(tmp_path_factory.mktemp("batch_msg") / "s.gpkg")


@pytest.fixture()
def dcf(monkeypatch, store):
    """Run ``dcf --store STORE args…``; returns (exit code, stdout, stderr)."""
    monkeypatch.setattr(settings, "store", store)
    monkeypatch.delenv("DCF_STORE", raising=False)

    def run(*args):
        res = CliRunner().invoke(cli, ["--store", str(store), *map(str, args)], catch_exceptions=True)
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            raise res.exception
        assert "Traceback" not in res.stdout + res.stderr
        return res.exit_code, res.stdout, res.stderr

    return run


def lonlat(x_km, y_km):
    p = gpd.GeoSeries([km_pt(x_km, y_km)], crs=settings.working_crs).to_crs(settings.storage_crs).iloc[0]
    return round(p.x, 7), round(p.y, 7)


IN_PARK = lonlat(3, 3)  # inside the fixture's bearing park: 轴承 fits there


# --- 1. no recognised industry column -------------------------------------------------------------


def _zhuying_csv(tmp_path):
    lon, lat = IN_PARK
    csv = tmp_path / "项目清单.csv"
    csv.write_text("项目名称,经度,纬度,主营\n"
                   f"合成项目甲,{lon},{lat},轴承\n合成项目乙,{lon},{lat},水泥\n合成项目丙,{lon},{lat},轴承\n",
                   encoding="utf-8")
    return csv


def test_unrecognised_industry_column_is_refused_once_with_the_fix(dcf, tmp_path):
    csv = _zhuying_csv(tmp_path)
    out = tmp_path / "核查结果.xlsx"
    code, stdout, err = dcf("site", "check", "--batch", csv, "-o", out)
    assert code == 2 and not out.exists()  # nothing written
    lines = [ln for ln in err.splitlines() if "Error" in ln]
    assert len(lines) == 1  # said once, on one line
    line = lines[0]
    assert "项目清单.csv" in line and "主营" in line
    assert "--field industry=主营" in line and "--industry" in line
    for header in ("行业", "产业", "拟建行业", "产业类别", "行业代码"):  # the recognised headers (aliases, group sites)
        assert header in line
    assert "项目名称、经度、纬度、主营" in line  # the columns the file has
    assert "无法核查" not in stdout  # no per-row noise


def test_the_suggested_fix_works(dcf, tmp_path):
    csv = _zhuying_csv(tmp_path)
    code, stdout, _ = dcf("site", "check", "--batch", csv, "--field", "industry=主营", "--json")
    assert code == 0
    rows = json.loads(stdout)
    assert [r["status"] for r in rows] == ["ok"] * 3
    assert [r["verdict"] for r in rows] == ["fits", "does_not_fit", "fits"]  # 轴承 in its park; 水泥 barred


def test_a_default_industry_checks_every_row_and_says_so(dcf, tmp_path):
    csv = _zhuying_csv(tmp_path)
    code, stdout, err = dcf("site", "check", "--batch", csv, "--industry", "轴承", "--json")
    assert code == 0
    rows = json.loads(stdout)
    assert [r["verdict"] for r in rows] == ["fits"] * 3
    assert "没有可识别的行业列" in err and "--industry 轴承" in err


def test_recognised_but_empty_industry_column_is_refused_too(dcf, tmp_path):
    lon, lat = IN_PARK
    csv = tmp_path / "空行业.csv"
    csv.write_text(f"项目名称,经度,纬度,行业\n甲,{lon},{lat},\n乙,{lon},{lat},\n", encoding="utf-8")
    code, _, err = dcf("site", "check", "--batch", csv)
    assert code == 2 and "行业" in err and "每一行都是空的" in err and "--industry" in err


def test_one_blank_industry_among_filled_rows_is_a_row_status_not_an_error(dcf, tmp_path):
    lon, lat = IN_PARK
    csv = tmp_path / "缺一行.csv"
    csv.write_text(f"项目名称,经度,纬度,行业\n甲,{lon},{lat},轴承\n乙,{lon},{lat},\n", encoding="utf-8")
    code, stdout, _ = dcf("site", "check", "--batch", csv, "--json")
    assert code == 0
    rows = json.loads(stdout)
    assert [r["status"] for r in rows] == ["ok", "error"] and "没有行业" in rows[1]["error"]


def test_read_batch_raises_for_the_api_too(store, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "store", store)
    csv = _zhuying_csv(tmp_path)
    with pytest.raises(InputError, match="主营"):
        sc.read_batch(csv)
    sites, industries, *_ = sc.read_batch(csv, field_map={"industry": "主营"})
    assert industries == ["轴承", "水泥", "轴承"]


# --- 2. rows named as the spreadsheet numbers them --------------------------------------------------


def _messy_csv(tmp_path):
    """A title line above the header, a blank line, a row without longitude: records sit on
    spreadsheet rows 3, 5 and 6 (header on row 2)."""
    lon, lat = IN_PARK
    csv = tmp_path / "清单.csv"
    csv.write_text("东昌府区拟建项目清单（合成数据）\n"
                   "项目名称,经度,纬度,行业\n"
                   f"合成项目甲,{lon},{lat},轴承\n"
                   ",,,\n"
                   f"合成项目乙,{lon},{lat},水泥\n"
                   f"合成项目丙,,{lat},轴承\n", encoding="utf-8")
    return csv


def test_terminal_names_rows_as_the_reader_notes_do(dcf, tmp_path):
    code, stdout, err = dcf("site", "check", "--batch", _messy_csv(tmp_path))
    assert code == 0
    assert "表格第 6 行" in err  # the reader's note about the missing coordinate
    # each row with its 项目名称 (QA user F12)
    assert re.search(r"表格第 6 行（合成项目丙）：无法核查 — 坐标缺失", stdout)
    assert re.search(r"表格第 3 行（合成项目甲）：符合", stdout) and re.search(r"表格第 5 行（合成项目乙）：不符合", stdout)
    assert "条记录：" not in stdout  # no second way of counting


def test_outputs_carry_the_spreadsheet_row(dcf, tmp_path):
    csv = _messy_csv(tmp_path)
    out_csv, out_xlsx = tmp_path / "结果.csv", tmp_path / "结果.xlsx"
    report, webmap = tmp_path / "报告.html", tmp_path / "地图.html"
    code, _, _ = dcf("site", "check", "--batch", csv, "-o", out_csv, "--report", report, "--map", webmap)
    assert code == 0
    table = pd.read_csv(out_csv)
    assert table["表格行号"].tolist() == [3, 5, 6] and table["记录序号"].tolist() == [1, 2, 3]
    assert table["项目名称"].tolist() == ["合成项目甲", "合成项目乙", "合成项目丙"]
    code, _, _ = dcf("site", "check", "--batch", csv, "-o", out_xlsx)
    assert pd.read_excel(out_xlsx, sheet_name="核查结果")["表格行号"].tolist() == [3, 5, 6]
    html = report.read_text(encoding="utf-8")
    assert all(f"<h2>表格第 {n} 行</h2>" in html for n in (3, 5, 6))
    page = webmap.read_text(encoding="utf-8")
    # the map's labels name the spreadsheet row (and the project, QA round 11: popups carry 项目名称)
    assert "表格第 3 行 合成项目甲 符合" in page and "表格第 5 行 合成项目乙 不符合" in page and "第1行" not in page


def test_json_rows_and_xlsx_title_rows(dcf, tmp_path):
    lon, lat = IN_PARK
    book = tmp_path / "项目.xlsx"
    with pd.ExcelWriter(book) as xl:
        pd.DataFrame([["项目清单（合成数据）", None, None, None], [None] * 4,
                      ["项目名称", "经度", "纬度", "行业"], ["甲", lon, lat, "轴承"], ["乙", lon, lat, "外星飞碟"]]
                     ).to_excel(xl, index=False, header=False)
    code, stdout, _ = dcf("site", "check", "--batch", book, "--json")
    assert code == 0
    rows = json.loads(stdout)
    assert [(r["row"], r["source_row"], r["row_label"]) for r in rows] == [(0, 4, "表格第 4 行"), (1, 5, "表格第 5 行")]
    assert rows[1]["status"] == "error" and "外星飞碟" in rows[1]["error"]


def test_a_gis_file_names_features_and_has_no_spreadsheet_column(dcf, tmp_path):
    pts = gpd.GeoDataFrame({"项目名称": ["甲", "乙"], "行业": ["轴承", "水泥"]},
                           geometry=[km_pt(3, 3), km_pt(3, 3)], crs=settings.working_crs).to_crs(settings.storage_crs)
    f = tmp_path / "项目.geojson"
    pts.to_file(f, driver="GeoJSON")
    out = tmp_path / "结果.csv"
    code, stdout, _ = dcf("site", "check", "--batch", f, "-o", out)
    assert code == 0 and "第 2 条要素（乙）：不符合" in stdout
    assert "表格行号" not in pd.read_csv(out).columns


def test_check_sites_without_a_file_numbers_rows_by_position(store, monkeypatch):
    monkeypatch.setattr(settings, "store", store)
    sites = gpd.GeoDataFrame(geometry=[km_pt(3, 3), None], crs=settings.working_crs)
    out = sc.site_results(sites, ["轴承", "轴承"])
    assert [r["row_label"] for r in out] == ["第 1 条记录", "第 2 条记录"]
    out = sc.site_results(sites, ["轴承", "轴承"], row_numbers=[7, 9], row_kind="table")
    assert [r["row_label"] for r in out] == ["表格第 7 行", "表格第 9 行"] and out[1]["status"] == "error"


# --- 3. a coordinate typed wrongly ----------------------------------------------------------------


@pytest.mark.parametrize("value,expect", [
    ("115.75", "缺少纬度"),
    ("36.45", "缺少经度"),
    ("115.75/36.45", "115.75,36.45"),   # 115.75;36.45 is read, as a batch's 经纬度 cell is (QA round nu #5)
])
def test_site_that_looks_like_a_coordinate(dcf, value, expect):
    code, _, err = dcf("site", "check", "--site", value, "--industry", "轴承")
    assert code == 2
    assert "文件不存在" not in err
    assert "看起来是坐标" in err and "经度,纬度" in err and expect in err


def test_a_missing_file_is_still_a_missing_file(dcf, tmp_path):
    code, _, err = dcf("site", "check", "--site", tmp_path / "地块.shp", "--industry", "轴承")
    assert code == 2 and "文件不存在" in err and "看起来是坐标" not in err
