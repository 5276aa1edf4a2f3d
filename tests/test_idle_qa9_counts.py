"""A ledger's 合计 row and footer are no parcels, and no parcels of unknown place (QA9 #3).

What the clerk should read: every count of the input says the same — the console, the 说明 sheet, the
list's heading and the 按镇街 table — and the 合计/制表人 rows are 非宗地行, never 位置不明 and never
“宗地”. Written from the README: "A ledger's own 合计/小计/总计 rows and footers … are listed with status
`not_a_parcel` … and count in no total"; "a row whose place cannot be found counts under 位置不明".
"""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from _ledgers import write_ledger
from dcf_spatial.cli.main import cli

HEADER = ["宗地编号", "土地使用权人", "项目位置", "土地用途", "面积(亩)", "约定开工日期", "实际开工日期", "成交价格(万元)"]


def _ledger(path):
    rows = [
        ["A1", "甲公司", "郑家镇", "工业用地", "10", "2021-01-01", "", "100"],
        ["A2", "乙公司", "郑家镇", "工业用地", "12", "2021-01-01", "2021-03-01", "100"],
        ["A3", "丙公司", "火星基地一号", "工业用地", "8", "2021-01-01", "", "100"],   # place unknown
        ["合计", "", "", "", "30", "", "", "300"],
        ["制表人：张三　审核人：李四", "", "", "", "", "", "", ""],
    ]
    return write_ledger(path, rows, header=HEADER)


def _audited(tmp_path):
    """``dcf audit idle`` of :func:`_ledger` (no map): the CLI's result and the output folder."""
    ledger = _ledger(tmp_path / "供地台账.csv")
    out = tmp_path / "idle"
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(ledger), "--as-of", "2025-06-30", "-o", str(out),
                                   "--no-map"])
    assert res.exit_code == 0, res.output
    return res, out


def _sheet(path, name, header=None):
    return pd.read_excel(path, sheet_name=name, header=header, engine="openpyxl")


def test_footer_rows_are_not_counted_as_unknown_places_anywhere(tmp_path):
    res, out = _audited(tmp_path)
    said = "5 行（其中 3 宗地、2 行非宗地行（合计/表尾））"
    assert f"输入 {said}" in res.output
    assert "位置不明 1 宗" in res.output
    notes = "\n".join(_sheet(out / "idle_audit.xlsx", "说明").iloc[:, 0].astype(str))
    assert f"共 {said}" in notes
    assert "1 行地名无法识别" in notes and "3 行地名无法识别" not in notes
    assert "1 宗位置不明" in notes and "3 宗位置不明" not in notes
    assert "其中 2 行为合计行或表尾，不是宗地，不定位" in notes
    assert f"本表列出全部 {said}" in notes and "全部 5 宗地" not in notes
    listed = _sheet(out / "idle_audit.xlsx", "宗地清单", header=1)
    footers = listed[listed["审计结论"] == "非宗地行（合计/表尾）"]
    assert len(footers) == 2
    assert (footers["定位方式"] == "非宗地行（不定位）").all()
    assert not (footers["所在镇（街道）"] == "位置不明").any()
    assert footers["定位说明"].isna().all()            # no “地址为空” for a footer
    assert (listed["定位方式"] == "位置不明").sum() == 1
    by_town = _sheet(out / "idle_audit.xlsx", "汇总_按镇街", header=1).set_index("镇（街道）")
    assert by_town.loc["位置不明", "宗地数合计"] == 1   # the same 1 as the console and the notes


def test_the_lists_have_a_filter_on_their_header_row(tmp_path):
    # QA9 #8: the audit's 宗地清单 had no auto-filter, the batch result sheet has one
    import openpyxl

    res, out = _audited(tmp_path)
    book = openpyxl.load_workbook(out / "idle_audit.xlsx", read_only=False)
    for name in ("宗地清单", "问题记录"):
        ws = book[name]
        ref = ws.auto_filter.ref
        assert ref, name
        first, last = ref.split(":")
        assert first == "A2"                                   # the header row (row 1 is the sheet's note)
        assert ws["A2"].value == "原表行号"
        assert int("".join(ch for ch in last if ch.isdigit())) == ws.max_row
    assert not book["说明"].auto_filter.ref                    # the notes are no table
