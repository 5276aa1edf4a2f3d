"""The idle audit as a clerk reads it (new-user QA, qa_user FINDINGS F4–F8, F10): a 供地 ledger without
coordinates, placed by its 项目位置, with a repeated 宗地代码, a misspelt place, an area that is no number and
土地用途 shorthand.

README: every count of parcels counts a parcel once; the 汇总_按状态 sheet has a 面积不明 column and a 合计
row; 问题记录 lists the records to correct (数据问题 or 数据不足).
"""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from _shipped import shipped
from dcf_spatial.cli.main import cli

pytestmark = shipped

HEADER = ["电子监管号", "项目名称", "项目位置", "面积(亩)", "土地用途", "约定开工时间", "实际开工时间"]
ROWS = [
    ["3715022019B00001", "轴承项目", "郑家镇", 50, "工业用地", "2019-06-30", None],        # 原表第 2 行
    ["3715022019B00001", "轴承项目", "郑家镇", 50, "工业用地", "2019-06-30", None],        # the same parcel again
    ["3715022020B00002", "机械项目", "郑家镇工业集中区", 15, "工业用地", "2020-06-30", None],  # misspelt: 位置不明
    ["3715022022B00003", "面积项目", "堂邑镇", "abc", "工业用地", "2022-03-01", None],       # no usable area
    ["3715022021B00004", "已开工项目", "郑家镇", 25, "工业", "2021-01-01", "2021-04-01"],    # 工业 = 工业用地
    ["3715022021B00005", "仓库项目", "郑家镇", 20, "仓储", "2021-01-01", "2021-04-01"],      # 仓储 = 仓储用地
    ["3715022021B00006", "商铺项目", "郑家镇", 10, "工业厂房", "2021-01-01", "2021-04-01"],  # no name: 是否指…
]


def _ledger(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "供地台账"
    ws.append(HEADER)
    for r in ROWS:
        ws.append(r)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """The ledger audited through the CLI (as the clerk runs it): the console, the output folder, the result."""
    import dcf_spatial as dcf

    tmp = tmp_path_factory.mktemp("clerk")
    src = _ledger(tmp / "供地台账.xlsx")
    out = tmp / "idle"
    run = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(src), "--as-of", "2025-12-31", "-o", str(out)])
    assert run.exit_code == 0, run.output
    return run.output, out, dcf.audit_idle(str(src), as_of="2025-12-31")


def _by_row(frame):
    return frame.set_index("row")


def test_a_row_whose_place_cannot_be_placed_is_a_record_to_correct(audited):
    """F6: the misspelt 项目位置 row (原表第 4 行) is on 问题记录 with the fix of its 定位说明, and counted in
    the console's 需核实补正的记录."""
    console, out, res = audited
    f = _by_row(res.frame)
    assert f.loc[4, "location_method"] == "位置不明"
    text = f.loc[4, "problems"]
    assert "项目位置无法定位" in text and "郑家镇工业集聚区" in text and "请改用其中一个名称" in text
    problems = pd.read_excel(out / "idle_audit.xlsx", sheet_name="问题记录", header=1)
    assert 4 in problems["原表行号"].tolist()
    # rows 2 and 3 (the repeat), 4 (place), 5 (area), 6–8 (use names read or not): seven records to correct
    assert "需核实补正的记录 7 条" in console, console


def test_a_row_placed_by_name_without_an_area_is_said_in_plain_words(audited):
    """F10: the clerk gave no point; the row was placed by its 项目位置."""
    f = _by_row(audited[2].frame)
    assert f.loc[5, "location_method"] == "按地名定位"
    assert "点位宗地" not in f.loc[5, "problems"]
    assert "按地名定位的宗地没有宗地图形，表中也没有可用的宗地面积" in f.loc[5, "problems"]


def test_land_use_shorthand_is_read_as_its_name_with_a_note_and_an_unknown_name_gets_a_guess(audited):
    """F7: 工业 is 工业用地 (GB/T 21010-2017 0601), 仓储 is 仓储用地 (0604, not 0602 采矿用地): the started parcel
    is 正常, not 数据不足, and its row says how it was read; 工业厂房 stays a data problem, with 是否指“工业用地”."""
    f = _by_row(audited[2].frame)
    assert (f.loc[6, "land_use_code"], f.loc[6, "status"]) == ("0601", "normal")
    assert "土地用途“工业”为地类名称的简称，按“工业用地”取" in f.loc[6, "problems"]
    assert (f.loc[7, "land_use_code"], f.loc[7, "land_use_name"]) == ("0604", "仓储用地")
    assert f.loc[8, "status"] == "insufficient_data"
    assert "是否指“工业用地”（0601）" in f.loc[8, "problems"]


def test_the_geopackage_carries_chinese_aliases_and_says_what_is_schematic(audited):
    """F8: the field names stay those of the GeoParquet (readers), each field's alias is the workbook's header
    (gpkg_data_columns, which QGIS shows), and the layer's description says the points placed by name and
    the zones are schematic."""
    _, out, _ = audited
    gpkg = gpd.read_file(out / "idle_audit.gpkg")
    assert gpkg.columns.tolist() == gpd.read_parquet(out / "idle_audit.parquet").columns.tolist()
    with sqlite3.connect(out / "idle_audit.gpkg") as db:
        aliases = dict(db.execute("SELECT column_name, name FROM gpkg_data_columns WHERE table_name = 'idle_audit'"))
        (description,) = db.execute("SELECT description FROM gpkg_contents WHERE table_name = 'idle_audit'").fetchone()
    headers = pd.read_excel(out / "idle_audit.xlsx", sheet_name="宗地清单", header=1).columns
    assert aliases["parcel_id"] in headers and aliases["status_zh"] in headers and aliases["status_zh"] == "审计结论"
    assert "示意" in aliases["location_method"]
    assert "按地名定位" in description and "示意位置" in description and "不是宗地的实测位置" in description
    assert "示意图层" in description and "1 宗位置不明" in description


def test_the_desk_summary_counts_parcels_once_and_says_what_the_workbook_says(audited):
    """F4: seven rows need action or checking but they are six parcels (one 宗地代码 twice). F5: the 按状态
    table has the workbook's 面积不明 column and its 合计 row."""
    from dcf_spatial.desk.routes.api import _audit_summary

    _, out, res = audited
    s = _audit_summary(res)
    assert s["needs_action_total"] == len(res.needs_action())
    assert s["needs_action_total"] - s["needs_action_parcels"] == 1
    sheet = pd.read_excel(out / "idle_audit.xlsx", sheet_name="汇总_按状态", header=1)
    total = sheet[sheet["审计结论"] == "合计"].iloc[0]
    assert s["status_total"]["count"] == total["宗地数"]
    assert s["status_total"]["area_unknown"] == total["面积不明（宗；未计入面积）"] == 1
    assert s["status_total"]["area_mu"] == pytest.approx(total["面积（亩）"])
    labels = s["status_column_labels"]
    assert {labels[k] for k in ("count", "area_mu", "area_unknown")} <= set(sheet.columns)
    by_status = {r["status_zh"]: r for r in s["summaries"]["status"]}
    row = sheet[sheet["面积不明（宗；未计入面积）"] > 0].iloc[0]
    assert by_status[row["审计结论"]]["area_unknown"] == row["面积不明（宗；未计入面积）"]


def test_the_correction_list_says_its_columns_as_the_sheet_has_them_and_where_the_full_rows_are_first(audited):
    """re-QA: the 说明 sheet listed a 合成数据 column the 问题记录 sheet of a real ledger does not have, and the sheet's
    one-line note put the pointer to the full rows after ~200 characters, off screen in Excel."""
    _, out, _ = audited
    wb = openpyxl.load_workbook(out / "idle_audit.xlsx", read_only=True)
    rows = list(wb["问题记录"].iter_rows(values_only=True))
    note, header = str(rows[0][0]), [h for h in rows[1] if h]
    assert "合成数据" not in header
    said = next(str(r[0]) for r in wb["说明"].iter_rows(values_only=True) if r[0] and "只列核实补正所需的列" in str(r[0]))
    listed = said.split("只列核实补正所需的列（", 1)[1].split("）；", 1)[0]
    assert listed == "、".join(header)
    assert note.index("完整内容") < 40 and "原表行号" in note[:60]
