"""The sheet a table was read from (``attrs[SHEET_READ]``) and the notes about it.

- a workbook whose first sheet has no coordinate columns is read from the one sheet that has them: the notes
  say so once (改读…), never 读取工作表“X”（按所选） (the user named no sheet), and say nothing of the first
  sheet's header row or blank rows (that sheet was not read);
- the sheet read goes with the frame through every step of the reader (blank rows dropped, numbers typed as
  text, code columns, the aliases' canonical columns) without being put back by hand.
"""

from __future__ import annotations

import pytest
from _workbooks import write_book as _book

from dcf_spatial.io import read_table, read_vector
from dcf_spatial.io.tables import SHEET_READ, where_read


SUMMARY = [["2025年项目汇总"], ["项目名称", "投资"], ["甲", 1], [None, None], ["乙", 2]]
PLACES = [["项目名称", "经度", "纬度"], ["甲", 115.75, 36.455], ["乙", 115.76, 36.456]]


def test_the_sheet_with_coordinates_is_read_without_the_notes_of_a_named_or_an_unread_sheet(tmp_path):
    path = _book(tmp_path / "项目.xlsx", {"汇总": SUMMARY, "坐标": PLACES})
    gdf = read_vector(path)
    notes = gdf.attrs["read_notes"]
    assert gdf.attrs[SHEET_READ] == "坐标" and gdf["项目名称"].tolist() == ["甲", "乙"]
    assert notes[0] == "第一个工作表“汇总”没有坐标列，改读有坐标列的工作表“坐标”（共 2 个工作表；可指定图层或工作表）"
    assert not any("按所选" in n or n.startswith("工作簿有 ") for n in notes)
    # 汇总's title row and blank row are not the sheet read's
    assert not any(n.startswith("表头在第") or n.startswith("跳过") for n in notes)


def test_the_notes_of_the_sheet_read_instead_are_kept(tmp_path):
    titled = [["项目坐标"], *PLACES, [None, None, None], ["丙", 115.77, 36.457]]
    path = _book(tmp_path / "项目.xlsx", {"汇总": SUMMARY[1:], "坐标": titled})
    notes = read_vector(path).attrs["read_notes"]
    assert notes[:3] == ["第一个工作表“汇总”没有坐标列，改读有坐标列的工作表“坐标”（共 2 个工作表；可指定图层或工作表）",
                         "表头在第 2 行，跳过上方 1 行标题", "跳过 1 个空行"]


def test_a_named_sheet_is_still_said_as_chosen(tmp_path):
    path = _book(tmp_path / "项目.xlsx", {"汇总": SUMMARY, "坐标": PLACES})
    assert "读取工作表“坐标”（按所选）" in read_vector(path, layer="坐标").attrs["read_notes"]


@pytest.mark.parametrize("aliases", [None, "parcels"])
def test_the_sheet_read_goes_with_the_frame_through_the_reader(tmp_path, aliases):
    ledger = [["宗地编号", "受让单位", "面积(亩)", "备注"], ["0012", "某公司", "1,200", "1e400"], [None] * 4,
              ["0013", "某公司", "30", "2"]]
    path = _book(tmp_path / "台账.xlsx", {"说明": [["填表说明"]], "台账": ledger})
    df = read_table(path, sheet="台账", aliases=aliases)
    assert df.attrs[SHEET_READ] == "台账"
    assert df["宗地编号"].tolist() == ["0012", "0013"] and df["面积(亩)"].tolist() == [1200, 30]
    assert "跳过 1 个空行" in df.attrs["read_notes"]
    assert where_read(df, "台账.xlsx") == "台账.xlsx（工作表“台账”）"


def test_a_workbook_of_one_sheet_not_named_records_no_sheet(tmp_path):
    path = _book(tmp_path / "项目.xlsx", {"坐标": PLACES})
    assert SHEET_READ not in read_vector(path).attrs
    assert SHEET_READ not in read_table(path).attrs
