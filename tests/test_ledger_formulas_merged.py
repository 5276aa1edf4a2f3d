"""A workbook's formula without a saved result and a value merged over two rows (breaker B31-10).

A formula written by a script (openpyxl) or saved by some non-Excel tools has no saved result: the cell read as
empty and the audit said «约定开工时间缺失» while Excel shows a date. Now the row's 数据问题 and the reading note name
the cell as a formula without a saved value and say to open and save the file in Excel/WPS. A 土地使用权人 merged over
two rows (one holder, two records) is carried to both rows, as Excel shows it, and the note says so.
"""

from __future__ import annotations

import shutil
import zipfile

import openpyxl

import dcf_spatial as dcf
from dcf_spatial.io import read_vector

AS_OF = "2025-12-31"
HEADER = ["宗地编号", "土地使用权人", "项目位置", "土地用途", "面积(亩)", "约定开工日期", "实际开工日期"]


def _ledger(path, *, coordinates=False):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER + (["经度", "纬度"] if coordinates else []))
    xy = [115.98, 36.45] if coordinates else []
    ws.append(["A1", "甲公司", "郑家镇", "工业用地", 10, "2020-01-01", "2020-03-01", *xy])
    ws.append(["A2", None, "郑家镇", "工业用地", 10, None, "2018-09-01", *xy])     # F3: a formula, no saved value
    ws.append(["A3", "乙公司", "郑家镇", "工业用地", 10, "2019-01-01", "2019-03-01", *xy])   # B4:B5 merged
    ws.append(["A4", None, "郑家镇", "工业用地", 10, "2019-01-01", "2019-03-01", *xy])
    ws["B3"] = "丙公司"
    ws["F3"] = "=DATE(2018,6,1)"
    ws.merge_cells("B4:B5")
    wb.save(path)
    return path


def _check(frame, notes):
    f = frame.set_index("parcel_id")
    problem = str(f.loc["A2", "problems"])
    assert "F3" in problem and "公式" in problem and "没有保存计算结果" in problem and "Excel 或 WPS" in problem
    assert "F3" not in str(f.loc["A1", "problems"])
    said = "\n".join(notes)
    assert "F3（约定开工日期）" in said and "打开该文件并保存" in said
    # the merged holder on both of its rows, and said
    assert f.loc[["A3", "A4"], "holder"].astype(str).tolist() == ["乙公司", "乙公司"]
    assert "B4:B5（土地使用权人）" in said


def test_a_ledger_placed_by_name(tmp_path):
    res = dcf.audit_idle(str(_ledger(tmp_path / "台账.xlsx")), as_of=AS_OF)
    _check(res.frame, res.notes)


def test_a_ledger_with_coordinates(tmp_path):
    res = dcf.audit_idle(str(_ledger(tmp_path / "台账.xlsx", coordinates=True)), as_of=AS_OF)
    _check(res.frame, res.notes)


def test_a_formula_with_its_saved_result_is_read_as_that_value(tmp_path):
    # the same workbook as Excel saves it: the formula's result stored beside it (<v>43252</v> = 2018-06-01)
    src = _ledger(tmp_path / "a.xlsx", coordinates=True)
    saved = tmp_path / "b.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(saved, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                assert b"<f>DATE(2018,6,1)</f><v></v>" in data
                data = data.replace(b"<f>DATE(2018,6,1)</f><v></v>", b"<f>DATE(2018,6,1)</f><v>43252</v>")
            zout.writestr(item, data)
    gdf = read_vector(str(saved), aliases="parcels")
    assert "read_issue" not in gdf.columns or not gdf["read_issue"].astype(str).str.contains("公式").any()
    assert not any("公式" in n for n in gdf.attrs["read_notes"])
    assert gdf["holder"].astype(str).tolist()[2:] == ["乙公司", "乙公司"]
