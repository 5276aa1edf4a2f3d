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


# --- findings 3 and 4: the deciding reason first; nothing it overrides still reads as a fit; no clause twice ---------

@shipped
@pytest.mark.parametrize("site, industry", [("115.9930,36.4184", "汽车零部件"), ("116.1742,36.4635", "钢管厂")])
def test_8_1_a_factory_in_a_living_block_leads_with_the_block_rule_and_overrides_the_cluster_fit(site, industry):
    # 第八章第一节: 第二片区 “宜居是建设智能化产业居住配套区”; 高精管材 “回迁居住区” is one of its five function areas —
    # an industrial project there does not fit, even though the cluster as a whole is positioned on the industry
    from dcf_spatial.queries import check_site

    res = check_site(site, industry).results[0]
    assert res["verdict"] == "does_not_fit"
    first = res["reasons"][0]
    assert first["effect"] == "does_not_fit" and first["text_zh"].startswith("决定性理由：")
    assert "居住" in first["text_zh"]
    for r in res["reasons"][1:]:
        says_fit = "定位一致" in r["text_zh"] or "总体产业定位" in r["text_zh"]
        assert not says_fit or r["text_zh"].startswith("（不影响结论，已被决定性理由否定）"), r["text_zh"]


def test_a_clause_list_cites_each_clause_once_in_the_order_first_cited():
    from dcf_spatial.queries.site.rules.finish import unique_clauses

    assert unique_clauses("不符合（第八章第一节、第八章第一节、第五章第二节）") == "不符合（第八章第一节、第五章第二节）"
    assert unique_clauses("（第三章第三节、第十章第四节）") == "（第三章第三节、第十章第四节）"


@shipped
def test_a_named_township_lists_the_clauses_of_its_parts_once_each():
    # QA C33: 郑家镇王屯村 养猪场 — 第五章第二节 (畜牧 district-wide) outside the cluster, 第八章第一节 inside it
    from dcf_spatial.queries import check_site

    res = check_site("郑家镇王屯村", "养猪场").results[0]
    texts = " ".join(r["text_zh"] for r in res["reasons"])
    assert "第八章第一节" in texts and "第八章第一节、第八章第一节" not in texts
    assert "：决定性理由：" not in texts and "（不符合）：决定性理由" not in texts


# --- finding 5: a point site near a 多点 town point is not "inside" it ------------------------------------------------

@shipped
def test_8_3_a_point_site_near_a_town_point_gives_the_distance_not_inside():
    # 第八章第三节 “道口铺非遗文化名镇” is a point of the 多点 layer; a point site 0.54 km east of it counts within the
    # checker's radius (a stated assumption), but the answer must not say the town point lies in the site
    from dcf_spatial.queries import check_site
    from dcf_spatial.queries.site.present import summary_text

    res = check_site("115.862,36.443", "C2439").results[0]
    town = next(z for z in res["zones"] if z["name_zh"] == "道口铺非遗文化名镇")
    assert town["point"] and 0.3 < town["distance_km"] < 0.8
    text = summary_text(res)
    line = next(ln for ln in text.splitlines() if "道口铺非遗文化名镇（" in ln)
    assert "位于场地内" not in line and f"距场地 {town['distance_km']:.2f} km" in line


# --- finding 6: a village name alone asks for its township first -------------------------------------------------

@shipped
def test_a_village_name_alone_asks_for_the_township_before_any_suggestion():
    # 第一章第一节: the plan covers 14 镇（街道）; 顾官屯、蒋官屯 are townships outside it (开发区托管)
    from dcf_spatial.errors import InputError
    from dcf_spatial.queries import check_site

    with pytest.raises(InputError) as err:
        check_site("王屯村", "养猪场")
    msg = str(err.value)
    assert "像是村名" in msg and "所在镇（街道）" in msg
    assert msg.index("所在镇（街道）") < msg.index("相近的地名")
    listed = msg.split("相近的地名：", 1)[1]
    # each township once, by its full name (QA round 10, finding 14: 斗虎屯 and 斗虎屯镇 read as two places)
    assert listed.index("斗虎屯镇（镇街）") < listed.index("顾官屯镇（镇街，规划范围外）")
    assert "斗虎屯（" not in listed and "顾官屯（" not in listed


# --- finding 7: the workbook a planner reads ----------------------------------------------------------------------

@shipped
@pytest.mark.parametrize("writer", ["stream", "table"])
def test_the_workbook_puts_one_reason_a_line_wraps_the_sentences_and_widens_the_industry(tmp_path, writer):
    import openpyxl

    from dcf_spatial.queries import check_batch

    src = tmp_path / "mixed.xlsx"
    _mixed_table(src)
    out = tmp_path / "out.xlsx"
    if writer == "stream":
        check_batch_to_file(src, out)
    else:
        check_batch(src).to_table(out)
    ws = openpyxl.load_workbook(out)["核查结果"]
    head = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(head)}
    reasons = [ws.cell(r, col["判定理由"]).value for r in range(2, ws.max_row + 1)]
    many = [v for v in reasons if v and v.count("。") > 1]
    assert many and all("\n" in v for v in many)
    for name in ("判定理由", "无法核查的原因"):
        filled = [ws.cell(r, col[name]) for r in range(2, ws.max_row + 1) if ws.cell(r, col[name]).value]
        assert filled and all(c.alignment.wrap_text for c in filled), name
    letter = openpyxl.utils.get_column_letter(col["行业"])
    assert ws.column_dimensions[letter].width >= 30


# --- finding 8: a capacity-barred 不符合 says how the replacement is declared ------------------------------------------

FOUNDRY_SITE = "115.7660,36.4534"  # the QA's 铸造 site, in 郑家's 汽车零部件产业园


@shipped
@pytest.mark.parametrize("industry", ["C3391", "C3011"])
def test_9_3_a_foundry_or_cement_reason_says_how_to_declare_replacement_in_neutral_words(industry):
    # 第九章第三节 “严禁水泥、铸造等行业新增产能…对确有必要新建的必须实施等量或减量置换”
    from dcf_spatial.queries import check_site

    res = check_site(FOUNDRY_SITE, industry).results[0]
    assert res["verdict"] == "does_not_fit"
    text = next(r["text_zh"] for r in res["reasons"] if r["effect"] == "does_not_fit")
    assert "声明产能置换" in text and "“产能置换”列" in text and "--" not in text
    # declared, the same site is 有条件符合 and the hint is not repeated
    declared = check_site(FOUNDRY_SITE, industry, capacity_replacement=True).results[0]
    assert declared["verdict"] == "conditional"
    assert all("请声明产能置换" not in r["text_zh"] for r in declared["reasons"])


@shipped
def test_the_command_line_names_its_option_for_the_replacement():
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    out = CliRunner().invoke(cli, ["site", "check", "--site", FOUNDRY_SITE, "--industry", "C3391"])
    assert out.exit_code == 0, out.output
    assert "请用 --capacity-replacement 声明产能置换" in out.stdout


@shipped
def test_a_geojson_cell_beside_coordinate_columns_places_its_row(tmp_path):
    import json

    import shapely

    src = tmp_path / "mixed.csv"
    shape = json.loads(shapely.to_geojson(shapely.from_wkt(AUTO_PARTS_PARK)))
    pd.DataFrame({"经度": [115.7416, None], "纬度": [36.4614, None], "geometry": [None, json.dumps(shape)],
                  "行业": ["轴承", "C3670"]}).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    check_batch_to_file(src, out)
    res = pd.read_csv(out)
    assert res["核查状态"].tolist()[1] != "无法核查" and res["定位方式"].tolist()[1] == "图形（geometry列）"
