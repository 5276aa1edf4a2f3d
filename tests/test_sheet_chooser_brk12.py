"""The sheet a workbook is read from, as a clerk meets it (breaker round 12, part B): a 说明 sheet in front of a
hidden ledger, a 填写示例 sheet in front of the list, two sheets that both look like the list, a header with the
words NA/null, a header below the rows the readers search, a workbook of forty sheets, a whitespace-only or
hidden sheet name, a chart sheet, and a named sheet whose columns do not fit.

The ledgers carry the columns of a 供地 ledger (宗地编号, 坐落, 面积(亩), 约定开工日期, 实际开工日期); the lists,
those of a batch of projects (项目名称, 坐落, 行业), placed by the plan's 镇（街道） (郑家镇, 沙镇镇, 侯营镇).
"""

from __future__ import annotations


import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl.chart import BarChart, Reference

import dcf_spatial as dcf
import dcf_spatial.io as dcf_io
from dcf_spatial import settings
from dcf_spatial.cli.audit import must_show
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import DcfError, InputError
from _workbooks import hide_every_sheet, write_book as _book

LEDGER = ["宗地编号", "受让单位", "坐落", "土地用途", "面积(亩)", "约定开工日期", "实际开工日期"]
PARCELS = [["DCF-1", "甲公司", "郑家镇", "工业用地", 10, "2019-01-01", None],
           ["DCF-2", "乙公司", "沙镇镇", "工业用地", 20, "2019-03-01", None],
           ["DCF-3", "丙公司", "侯营镇", "工业用地", 30, "2019-03-01", "2019-09-01"]]
LIST = ["项目名称", "坐落", "行业"]
PROJECTS = [["轴承保持架项目", "郑家镇", "轴承保持架"], ["食用菌大棚", "沙镇镇", "食用菌种植"],
            ["冷链仓库", "侯营镇", "冷链物流"], ["机加工车间", "郑家镇", "轴承保持架"]]
NOTE = [["填表说明：本表由系统导出，请勿改动表头"]]


def _sheet_note(notes) -> str:
    return next(n for n in notes if n.startswith("工作簿有 "))


def _audit(path, tmp_path, *extra):
    return CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(path), "--as-of", "2025-12-31",
                                    "-o", str(tmp_path / "o"), "--no-map", *extra])


def _batch(path, *extra):
    res = CliRunner().invoke(cli, ["site", "check", "--batch", str(path), "--json", *extra])
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture(autouse=True)
def _shipped_store(monkeypatch):
    monkeypatch.setattr(settings, "store", settings.store)


# ---- 1. a visible note sheet, the data in a hidden sheet -------------------------------------------------------

def test_a_ledger_in_a_very_hidden_sheet_behind_a_note_is_read_and_said(tmp_path):
    path = _book(tmp_path / "l.xlsx", {"说明": NOTE, "台账": [LEDGER, *PARCELS]}, very_hidden={"台账"})
    df = dcf_io.read_table(path, aliases="parcels")
    assert df["parcel_id"].tolist() == ["DCF-1", "DCF-2", "DCF-3"]
    note = _sheet_note(df.attrs["read_notes"])
    assert "读取隐藏工作表“台账”" in note and "“说明”（表头不含台账列名）" in note
    res = _audit(path, tmp_path)
    assert res.exit_code == 0, res.output
    assert "输入 3 宗" in res.output and "读取隐藏工作表“台账”" in res.output


def test_a_list_in_a_hidden_sheet_behind_a_note_is_checked_row_by_row(tmp_path):
    path = _book(tmp_path / "s.xlsx", {"说明": [["月份", "备注"], ["1", "x"]], "清单": [LIST, *PROJECTS]}, hidden={"清单"})
    answer = dcf.check_batch(str(path))
    assert len(answer.results) == len(PROJECTS)
    assert "读取隐藏工作表“清单”" in _sheet_note(answer.notes)


def test_no_sheet_fits_lists_every_sheet_hidden_ones_marked(tmp_path):
    path = _book(tmp_path / "l.xlsx", {"说明": NOTE, "统计": [["月份", "备注"], ["1月", "x"]],
                                       "备注 ": [["月份", "备注"], ["2月", "y"]]}, hidden={"备注 "})
    with pytest.raises(InputError) as exc:
        dcf_io.read_table(path, aliases="parcels")
    msg = str(exc.value)
    assert "“说明”（列：填表说明" in msg and "“统计”（列：月份、备注）" in msg
    assert "“备注 ”（隐藏，列：月份、备注）" in msg   # the trailing space shows inside the quotes


# ---- 2. the best fit, not the first; the others that fit are named ---------------------------------------------

def test_a_field_list_on_the_note_sheet_does_not_beat_the_ledger(tmp_path):
    path = _book(tmp_path / "l.xlsx", {"说明": [["宗地编号", "坐落"], ["宗地的编号", "所在镇街"]],
                                       "台账": [LEDGER, *PARCELS]})
    res = _audit(path, tmp_path)
    assert res.exit_code == 0, res.output
    assert "输入 3 宗" in res.output
    assert "读取“台账”" in res.output and "另有工作表“说明”的表头也像台账，未读" in res.output


def test_an_example_sheet_first_is_not_read_instead_of_the_list(tmp_path):
    path = _book(tmp_path / "s.xlsx", {"填写示例": [LIST, ["示例项目", "郑家镇", "轴承保持架"]],
                                       "项目清单": [LIST, *PROJECTS]})
    answer = dcf.check_batch(str(path))
    assert len(answer.results) == len(PROJECTS)
    note = _sheet_note(answer.notes)
    assert "读取“项目清单”" in note and "另有工作表“填写示例”的表头也像项目清单，未读" in note
    # the console says it too, with the option that reads the other sheet
    code, _, err = _batch(path)
    assert code == 0 and "另有工作表“填写示例”" in err and "--layer 填写示例" in err
    # and the output workbook's 数据说明
    out = tmp_path / "out.xlsx"
    code, _, err = _batch(path, "-o", out)
    book = pd.read_excel(out, sheet_name="数据说明", header=None).astype(str)
    assert book.apply(lambda c: c.str.contains("另有工作表“填写示例”")).to_numpy().any()


def test_two_sheets_that_fit_equally_read_the_first_and_name_the_other(tmp_path):
    path = _book(tmp_path / "s.xlsx", {"一月": [LIST, *PROJECTS[:2]], "二月": [LIST, *PROJECTS[2:]]})
    answer = dcf.check_batch(str(path))
    assert len(answer.results) == 2
    assert "另有工作表“二月”的表头也像项目清单，未读" in _sheet_note(answer.notes)


def test_a_blank_template_loses_to_the_sheet_with_records(tmp_path):
    # the 模板 has every column and no record; the ledger fewer columns and its parcels
    wide = LEDGER + ["土地价款（万元）", "电子监管号"]
    path = _book(tmp_path / "l.xlsx", {"模板": [wide], "台账": [LEDGER, *PARCELS]})
    df = dcf_io.read_table(path, aliases="parcels")
    assert len(df) == 3 and "读取“台账”" in _sheet_note(df.attrs["read_notes"])


# ---- 3. the chooser sees the header as the reader does -------------------------------------------------------------

def test_columns_named_na_and_null_do_not_hide_the_header(tmp_path):
    path = _book(tmp_path / "s.xlsx", {"说明": [["说明"]],
                                       "清单": [["NA", "null", *LIST], *[[1, 2, *p] for p in PROJECTS]]})
    answer = dcf.check_batch(str(path))
    assert len(answer.results) == len(PROJECTS)
    assert "读取“清单”" in _sheet_note(answer.notes)


def test_a_header_below_the_rows_searched_is_said_never_a_sheet_that_fails(tmp_path):
    titles = [[f"标题行{i}"] for i in range(34)]
    path = _book(tmp_path / "s.xlsx", {"说明": NOTE, "清单": [*titles, LIST, *PROJECTS]})
    code, _, err = _batch(path)
    assert code == 2 and "“清单”（前 30 行只有单列的标题或说明，未找到表头）" in err
    assert "--layer 说明" not in err and "--layer 清单" not in err and "删去表头上方多余的标题行" in err
    # naming the sheet says the same, with the row the header is on
    code, _, err = _batch(path, "--layer", "清单")
    assert code == 2 and "第 35 行才像表头" in err and "前 30 行" in err


# ---- 4. the audit's console shows the all-hidden note ------------------------------------------------------------

def test_the_audit_console_prints_that_a_hidden_sheet_was_read(tmp_path):
    made = _book(tmp_path / "made.xlsx", {"说明": NOTE, "台账": [LEDGER, *PARCELS]})
    path = hide_every_sheet(made, tmp_path / "hidden.xlsx")
    res = _audit(path, tmp_path)
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if "工作簿有" in x)
    assert "均为隐藏工作表" in line and "读取“台账”" in line


def test_every_sheet_note_is_shown_by_the_audit_console():
    for note in ("工作簿有 2 个工作表（均为隐藏工作表，没有可见的工作表，故读取隐藏工作表），读取“台账”",
                 "工作簿有 2 个工作表，读取隐藏工作表“台账”（可见的工作表的表头都不像台账）",
                 "工作簿有 3 个工作表（含图表工作表“图表”），读取“台账”"):
        assert must_show("读入说明：" + note)


# ---- 5. wording -------------------------------------------------------------------------------------------------

def test_forty_sheets_that_do_not_fit_make_a_short_refusal(tmp_path):
    sheets = {f"第{i}月份的统计表格名称很长很长{i}": [["月份", "备注"], ["1月", "x"]] for i in range(40)}
    path = _book(tmp_path / "s.xlsx", sheets)
    code, _, err = _batch(path)
    line = [x for x in err.splitlines() if "Error" in x or "错误" in x][-1]
    assert code == 2 and "等 40 个" in line and "第9月份" in line and "第10月份" not in line
    assert len(line.encode()) < 2000


def test_a_whitespace_sheet_name_is_suggested_so_it_can_be_typed(tmp_path):
    path = _book(tmp_path / "l.xlsx", {"   ": [["月份", "备注"], ["1月", "x"]], "统计": [["月份", "备注"], ["2月", "y"]]})
    with pytest.raises(InputError) as exc:
        dcf_io.read_table(path, aliases="parcels")
    assert "（如 “   ”）" in str(exc.value)
    res = _audit(path, tmp_path)
    assert res.exit_code == 2 and "--layer '   '" in res.output


def test_a_visible_chart_sheet_is_counted_and_never_called_no_visible_sheet(tmp_path):
    made = tmp_path / "c.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "清单"
    for r in [LIST + ["序号"], *[p + [i] for i, p in enumerate(PROJECTS)]]:
        ws.append(r)
    notes = wb.create_sheet("备注")
    notes.append(["备注"])
    chart = wb.create_chartsheet("图表", 0)
    bars = BarChart()
    bars.add_data(Reference(ws, min_col=4, min_row=1, max_row=5))
    chart.add_chart(bars)
    ws.sheet_state = notes.sheet_state = "hidden"
    wb.active = 0
    wb.save(made)
    answer = dcf.check_batch(str(made))
    assert len(answer.results) == len(PROJECTS)
    note = _sheet_note(answer.notes)
    assert note.startswith("工作簿有 3 个工作表") and "没有可见的工作表" not in note and "图表工作表“图表”" in note


def test_a_named_sheet_whose_columns_do_not_fit_is_named_in_the_error(tmp_path):
    path = _book(tmp_path / "l.xlsx", {"说明": [["月份", "备注"], ["1月", "x"]], "台账": [LEDGER, *PARCELS]})
    with pytest.raises(DcfError) as exc:
        dcf.audit_idle(str(path), as_of="2025-12-31", layer="说明")
    assert "（工作表“说明”）" in str(exc.value) and "文件中的列：月份, 备注" in str(exc.value)
    code, _, err = _batch(path, "--layer", "说明")
    assert code == 2 and "（工作表“说明”）：找不到定位各行场地的列" in err


def test_the_desk_answer_names_the_other_sheet(desk, tmp_path):
    path = _book(tmp_path / "s.xlsx", {"填写示例": [LIST, ["示例项目", "郑家镇", "轴承保持架"]],
                                       "项目清单": [LIST, *PROJECTS]})
    r = desk.post("/api/site-check/batch", files={"file": ("清单.xlsx", path.read_bytes())})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert len(answer["results"]) == len(PROJECTS)
    note = next(n for n in answer["read_notes"] if "工作簿有 " in n)
    assert "另有工作表“填写示例”的表头也像项目清单，未读" in note and "--layer" not in note
