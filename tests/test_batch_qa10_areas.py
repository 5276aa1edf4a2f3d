"""A full-width 用地面积 (``２０``) reads as 20 亩 whatever else its column holds (QA10 #4).

The user's list had ``２０`` in the same 用地面积(亩) column as an approximate ``约30``: the row came out at 0 亩
(drawn as a point, left out of the “按该行用地面积扩为同面积的圆形地块” count), with no note, while ``２０``
alone read as 20. Written from the README's promise that full-width numbers are read as typed, and from
the batch rule that an approximate area is read as its number with a note naming the row.
"""

from __future__ import annotations

import pandas as pd
import pytest

import dcf_spatial as dcf

#: the user's fw2.xlsx: the same site three times, its area typed three ways
USER_ROWS = [("全角面积", "２０"), ("约数", "约30"), ("半角", "20")]


def _list(tmp_path, rows, name="清单.csv"):
    src = tmp_path / name
    pd.DataFrame({"项目名称": [r[0] for r in rows], "行业": ["轴承"] * len(rows), "经度": [115.75] * len(rows),
                  "纬度": [36.455] * len(rows), "用地面积(亩)": [r[1] for r in rows]}).to_csv(src, index=False)
    return src


def _areas(answer) -> list:
    return [None if r.get("status") == "error" else round(r["site"]["area_mu"], 3) for r in answer.results]


def test_a_full_width_area_beside_an_approximate_one_reads_as_typed(tmp_path):
    answer = dcf.check_batch(str(_list(tmp_path, USER_ROWS)))
    assert [r.get("status") for r in answer.results] == ["ok"] * 3
    assert _areas(answer) == [20.0, 30.0, 20.0]
    notes = answer.notes
    assert "3 行为点位：按该行用地面积扩为同面积的圆形地块（于 EPSG:4548 量算），位置为示意" in notes
    approx = [n for n in notes if "约数" in n]
    assert len(approx) == 1 and "表格第 3 行（“约30”）" in approx[0] and "第 2 行" not in approx[0]
    # the same as the column without the approximate value
    alone = dcf.check_batch(str(_list(tmp_path, [USER_ROWS[0], USER_ROWS[2]], "alone.csv")))
    assert _areas(alone) == [20.0, 20.0]


@pytest.mark.parametrize("typed, mu", [("２０．５", 20.5), ("１，２００", 1200.0), ("２０亩", 20.0), (" ２０ ", 20.0)])
def test_full_width_numbers_read_the_same_beside_an_approximate_value(tmp_path, typed, mu):
    answer = dcf.check_batch(str(_list(tmp_path, [("甲", typed), ("乙", "约30")])))
    assert _areas(answer) == [mu, 30.0]


def test_an_area_that_cannot_be_read_is_said_with_its_row_never_zero(tmp_path):
    answer = dcf.check_batch(str(_list(tmp_path, [("全角", "２０"), ("约数", "约30"), ("中文数字", "三十")])))
    first, second, third = answer.results
    assert _areas(answer)[:2] == [20.0, 30.0]
    assert third["status"] == "error" and third["row_label"] == "表格第 4 行"
    assert "三十" in third["error"] and "不是数字" in third["error"]
    assert "2 行为点位" in " ".join(answer.notes)


def test_the_written_table_shows_the_area_read(tmp_path):
    from dcf_spatial.queries import check_batch_to_file

    out = tmp_path / "核查结果.xlsx"
    check_batch_to_file(_list(tmp_path, USER_ROWS), out)   # the CLI's streamed workbook
    table = pd.read_excel(out, sheet_name="核查结果", engine="openpyxl")
    assert table["面积（亩）"].tolist() == [20, 30, 20]
