"""A ledger's 小计/合计/其中 rows are 非宗地行 by their label, whatever else they carry (breaker B31-13).

A per-town or per-use 小计 commonly repeats the 镇 and the 土地用途 of the rows it sums and holds their summed
area: audited as a parcel 「小计」 it doubled the district's area in every total. The README (闲置土地): a 合计 row
is 非宗地行, listed with its row and "count in no total".
"""

from __future__ import annotations

import pandas as pd

import dcf_spatial as dcf

from _workbooks import write_book

AS_OF = "2025-12-31"
HEADER = ["序号", "电子监管号", "项目名称", "项目位置", "土地使用权人", "面积(公顷)", "土地用途", "合同签订日期",
          "约定开工时间", "实际开工时间", "备注"]
ROWS = [
    # parcels: a remark that reads like a total, a name that merely begins with 合计
    [1, "3715022019B00123", "轴承项目", "郑家镇", "甲公司", 2, "工业用地", "2019-03-01", "2019-09-01", "2019-10-15",
     "累计：已缴两期价款"],
    [2, "3715022019B00124", "合计镇汽配项目", "郑家镇", "乙公司", 3, "工业用地", "2019-03-01", "2019-09-01",
     "2019-10-15"],
    # the breaker's row: the id 小计, the town and the use of the rows above, their summed area
    [None, "小计", None, "郑家镇", None, 5, "工业用地", None, None, None],
    [3, "3715022020B00456", "新材料项目", "嘉明经济开发区", "丙公司", 4, "工业用地", "2020-05-10", "2020-11-10",
     "2021-01-15"],
    # a subtotal named for its town in the 序号 column, with the use and even a date
    ["嘉明经济开发区小计", None, None, "嘉明经济开发区", None, 4, "工业用地", "2020-05-10", None, None],
    [None, "合计", None, None, None, 9, "工业用地", None, None, None],
    # the breakdown under the total
    [None, None, "其中：工业用地", None, None, 9, "工业用地", None, None, None],
]
PARCEL_LINES, LEDGER_LINES = [2, 3, 5], [4, 6, 7, 8]   # header on line 1


def _ledger(path):
    return write_book(path, {"供地台账": [HEADER, *ROWS]})


def test_subtotal_rows_carrying_a_use_and_a_town_are_no_parcels(tmp_path):
    res = dcf.audit_idle(str(_ledger(tmp_path / "供地台账.xlsx")), as_of=AS_OF, out=tmp_path / "out", map=False)
    frame = res.frame
    assert len(frame) == len(ROWS)                               # nothing lost
    skipped = frame[frame["status"] == "not_a_parcel"]
    assert skipped["row"].tolist() == LEDGER_LINES
    assert frame.loc[frame["status"] != "not_a_parcel", "row"].tolist() == PARCEL_LINES
    # counted nowhere: the three parcels' 9 公顷 = 135 亩, not 270
    assert res.counts["not_a_parcel"] == 4 and sum(res.counts.values()) == len(ROWS)
    listed = pd.read_excel(tmp_path / "out" / "idle_audit.xlsx", sheet_name="宗地清单", header=1, engine="openpyxl")
    assert "小计" not in set(listed.loc[listed["计入汇总（重复宗地只计一次）"] == "是", "宗地代码"].astype(str))
    by_status = pd.read_excel(tmp_path / "out" / "idle_audit.xlsx", sheet_name="汇总_按状态", header=1, engine="openpyxl")
    total = by_status[by_status["状态代码"] == "total"].iloc[0]
    assert (int(total["宗地数"]), float(total["面积（亩）"])) == (3, 9 * 15)
    # said with their row numbers, not as records to correct
    notes = "\n".join(res.notes)
    assert "原表第 4 行（“电子监管号”（宗地代码）“小计”，合计行）" in notes
    assert "原表第 6 行（序号“嘉明经济开发区小计”，合计行）" in notes
    assert "原表第 8 行" in notes and "其中：工业用地" in notes
    assert (skipped["problems"].astype(str) == "").all()



# breaker B31b-7: a parcel's own row (its holder, contract and start dates) with a blank 宗地代码 and a name or an
# address that reads like a total, or listed as 其中(1) under a total, is a parcel: audited, counted, the cell flagged
OWN_ROWS = [
    [1, None, "郑家镇小计", "郑家镇", "丁公司", 3, "工业用地", "2019-01-10", "2019-06-01", None],
    [2, None, "辛项目", "合计", "辛公司", 2, "工业用地", "2018-01-10", "2018-06-01", None],
    [3, "其中(1)", "戊项目", "郑家镇", "戊公司", 2, "工业用地", "2018-01-10", "2018-06-01", None],
    # still a subtotal: its label in the 序号 column, whatever it carries
    ["郑家镇小计", None, None, "郑家镇", "丁公司", 7, "工业用地", "2018-01-10", None, None],
]


def test_a_parcels_own_row_with_a_total_label_outside_its_label_column_is_audited_and_flagged(tmp_path):
    book = write_book(tmp_path / "供地台账.xlsx", {"供地台账": [HEADER[:-1], *OWN_ROWS]})
    res = dcf.audit_idle(str(book), as_of=AS_OF, out=tmp_path / "out", map=False)
    frame = res.frame.set_index("row")
    assert len(frame) == len(OWN_ROWS)
    assert frame.loc[[2, 3, 4], "status"].tolist() == ["idle_reclaim"] * 3     # unbuilt for over two years
    assert frame.loc[5, "status"] == "not_a_parcel"
    problems = frame["problems"].astype(str)
    assert "项目名称“郑家镇小计”" in problems[2] and "按宗地审计" in problems[2]
    assert "项目位置“合计”" in problems[3] and "其中(1)" in problems[4]
    by_status = pd.read_excel(tmp_path / "out" / "idle_audit.xlsx", sheet_name="汇总_按状态", header=1, engine="openpyxl")
    total = by_status[by_status["状态代码"] == "total"].iloc[0]
    assert (int(total["宗地数"]), float(total["面积（亩）"])) == (3, 7 * 15)
