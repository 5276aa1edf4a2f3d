"""What a planner's week found in site checks and the batch (QA round 8), tested from the plan's text.

The sites are the QA's own (郑家镇汽车零部件产业园 115.7648–115.7672, 36.4522–36.4546; 郑家's bearing park at
115.7416,36.4614); each test of a rule names its chapter and section.
"""

from __future__ import annotations

import pandas as pd
import pytest

from _shipped import shipped
from dcf_spatial.queries import check_batch_to_file

AUTO_PARTS_PARK = ("POLYGON((115.7648 36.4522, 115.7672 36.4522, 115.7672 36.4546, 115.7648 36.4546, "
                   "115.7648 36.4522))")


def _mixed_table(path):
    # rows with 经度/纬度, a row with only a drawn polygon in the WKT column, a row with only an address
    pd.DataFrame({
        "项目名称": ["点位项目", "图形项目", "地址项目", "空白项目"],
        "经度": [115.7416, None, None, None],
        "纬度": [36.4614, None, None, None],
        "WKT": [None, AUTO_PARTS_PARK, None, None],
        "建设地点": [None, None, "郑家镇工业集聚区", None],
        "行业": ["轴承", "C3670", "轴承", "轴承"],
    }).to_excel(path, index=False)


@shipped
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_row_with_a_drawn_polygon_is_checked_when_the_table_also_has_coordinate_columns(tmp_path, suffix):
    src = tmp_path / "mixed.xlsx"
    _mixed_table(src)
    out = tmp_path / f"out{suffix}"
    check_batch_to_file(src, out)
    table = pd.read_excel(out, sheet_name=None) if suffix == ".xlsx" else {"核查结果": pd.read_csv(out)}
    res = table["核查结果"]
    assert len(res) == 4
    # the polygon row is checked at its polygon (第八章第一节: 郑家 汽车零部件产业园 — C3670 fits there), not 无法核查
    drawn = res.iloc[1]
    assert drawn["核查状态"] != "无法核查" and pd.isna(drawn["无法核查的原因"])
    assert drawn["结论"] == "符合"
    assert "汽车零部件" in drawn["涉及分区及占比"]
    # each row's 定位方式 says which column placed it
    assert res["定位方式"].iloc[0] == "坐标（经度/纬度列）"
    assert res["定位方式"].iloc[1] == "图形（WKT列）"
    assert res["定位方式"].iloc[2].startswith("按地名定位")
    # the row with none of them is 无法核查 with its reason; nothing lost
    assert res["核查状态"].iloc[3] == "无法核查" and "无坐标" in res["无法核查的原因"].iloc[3]
    # the helper column is not written back as one of the file's own columns
    assert "geometry_from" not in res.columns
    if suffix == ".xlsx":
        notes = "\n".join(table["数据说明"]["说明"].astype(str))
        assert "取 WKT 列的图形：表格第 3 行" in notes
        assert "坐标取自列 经度 / 纬度" in notes


# --- finding 2: the kind label follows the industry (GB/T 4754-2017), not 农副产品加工 for 工艺美术 ----------------------

DAOKOUPU = "115.856,36.443"  # 道口铺街道 — 第八章第三节 “道口铺非遗文化名镇”


@shipped
@pytest.mark.parametrize("code, label", [("C2439", "工艺美术及礼仪用品制造"), ("C2432", "工艺美术及礼仪用品制造"),
                                         ("C2730", "中药饮片加工")])
def test_a_craft_or_herbal_project_is_not_called_an_agro_processing_project(code, label):
    from dcf_spatial.queries import check_site

    res = check_site(DAOKOUPU, code).results[0]
    assert res["industry"]["kind_zh"] == label
    assert all("农副产品加工项目" not in r["text_zh"] for r in res["reasons"])


@shipped
@pytest.mark.parametrize("code", ["C1371", "C1431", "C1512"])
def test_food_and_drink_divisions_c13_c15_keep_the_agro_processing_label(code):
    from dcf_spatial.queries import check_site

    assert check_site(DAOKOUPU, code).results[0]["industry"]["kind_zh"] == "农副产品加工"
