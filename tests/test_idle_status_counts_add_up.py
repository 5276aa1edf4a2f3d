"""re-QA 5: the 按状态 table's 宗地数 column adds up to its 合计 — in the workbook's 汇总_按状态 and on the
desk. The ledger's 合计/表尾 rows are no parcels (README: 非宗地行 "count in no total"), so their row says
how many 行 they are instead of a number that the column's 合计 leaves out."""

from __future__ import annotations

import pandas as pd

import dcf_spatial as dcf
from dcf_spatial.desk.routes.api import _audit_summary
from tests.test_desk_fl8 import LEDGER, _write

FOOTER = "非宗地行（合计/表尾）"


def _ledger(tmp_path):
    return _write(tmp_path / "台账.csv", LEDGER, [
        ["P1", "甲公司", "郑家镇徐庄村", "工业用地", "20", "2024-06-01", "", "100"],
        ["P2", "乙公司", "郑家镇徐庄村", "工业用地", "10", "2023-01-01", "2023-02-01", "50"],
        ["P3", "丙公司", "郑家镇徐庄村", "工业用地", "5", "2025-10-01", "", "30"],
        ["合计", "", "", "", "35", "", "", ""],
        ["制表人：张三", "", "", "", "", "", "", ""]])


def _numbers(cells):
    return [c for c in cells if isinstance(c, (int, float)) and not isinstance(c, bool)]


def test_the_workbook_status_sheet_count_column_adds_up_to_its_total(tmp_path):
    res = dcf.audit_idle(str(_ledger(tmp_path)), as_of="2025-12-31", out=tmp_path / "out", map=False)
    book = next((tmp_path / "out").glob("*.xlsx"))
    sheet = pd.read_excel(book, sheet_name="汇总_按状态", header=1, engine="openpyxl")
    by_label = dict(zip(sheet["审计结论"], sheet["宗地数"]))
    assert by_label["合计"] == 3
    body = [v for k, v in by_label.items() if k != "合计"]
    assert sum(_numbers(body)) == by_label["合计"]          # 3 parcels, not 3 + 2
    assert by_label[FOOTER] == "2 行（不计入宗地数）" and res.counts["not_a_parcel"] == 2


def test_the_desk_status_table_count_column_adds_up_to_its_total(tmp_path):
    res = dcf.audit_idle(str(_ledger(tmp_path)), as_of="2025-12-31")
    summary = _audit_summary(res)
    rows = summary["summaries"]["status"]
    total = summary["status_total"]["count"]
    assert total == 3 and sum(_numbers(r["count"] for r in rows)) == total
    assert {r["status_zh"]: r["count"] for r in rows}[FOOTER] == "2 行（不计入宗地数）"
