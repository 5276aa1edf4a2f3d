"""What a new user found in site checks (QA round 7), tested from the plan's clauses.

Each test names the chapter and section its rule rests on; the sites are the QA's own (郑家's auto-parts park at
115.755,36.452; 道口铺 at 115.856,36.443) or a zone's name.
"""

from __future__ import annotations

import pytest

from _shipped import shipped
from dcf_spatial.industry import label_zh
from dcf_spatial.queries import check_site

AUTO_PARTS = "115.755,36.452"  # 郑家镇工业集聚区 · 汽车零部件产业园 (the QA's point)
DAOKOUPU = "115.856,36.443"  # 道口铺街道, outside every cluster (the QA's 钢结构厂)


def reasons(result: dict, effect: str | None = None) -> dict[str, str]:
    return {r["rule"]: r["text_zh"] for r in result["reasons"] if effect is None or r["effect"] == effect}


# --- finding 1: 第九章第三节 + R15 — a generic 化工厂 is not softer than every specific chemical --------------------

@shipped
@pytest.mark.parametrize("place", [AUTO_PARTS, "嘉明经济开发区", "郑家镇工业集聚区"])
def test_9_3_a_generic_chemical_plant_in_a_cluster_does_not_fit_and_asks_for_the_product(place):
    # 第九章第三节 “严禁新上任何形式的淘汰类、限制类化工项目”; R15: an unnamed C26 product in a cluster that is not a
    # recognised chemical park does not fit (化肥 C262, 农药 C263, 有机化工 C2614 …). 化工厂 is the whole division C26:
    # every product in it the plan does not name gives 不符合, so 化工厂 does too, naming 涂料/合成树脂 (第四章第五节)
    # as judged apart and asking for the product
    res = check_site(place, "化工厂").results[0]
    assert res["industry"]["codes"] == ["C26"]
    assert res["verdict"] == "does_not_fit"
    text = next(r["text_zh"] for r in res["reasons"] if r["rule"] == "chemical_park")
    assert "C2641 涂料制造" in text and "第四章第五节" in text and "另行判定" in text and "具体产品" in text


@shipped
@pytest.mark.parametrize("industry", ["C2614", "化肥厂", "农药厂"])
def test_9_3_the_generic_answer_is_no_softer_than_the_specific_ones(industry):
    generic = check_site(AUTO_PARTS, "化工厂").verdict
    assert check_site(AUTO_PARTS, industry).verdict == generic == "does_not_fit"


@shipped
def test_4_5_coatings_keep_their_conditional_answer_in_jiaming():
    # 第四章第五节 “大力发展节能环保的水性涂料…高档合成树脂等”: 涂料 (the word, read as C264) stays 有条件 in 嘉明
    res = check_site("115.965,36.500", "涂料").results[0]
    assert res["verdict"] == "conditional"
    assert "chemical_park" not in reasons(res)


# --- finding 2: every 有条件符合 states its condition; positioning names from GB/T 4754-2017 -----------------------

@shipped
def test_8_1_a_restaurant_in_an_industrial_park_states_its_condition():
    # 第八章第一节: 郑家's cluster is positioned on 轴承/汽车零部件/物流; a 饭店 there is 有条件 — the condition must be
    # said (园区配套, or the service zones the plan gives it)
    res = check_site(AUTO_PARTS, "饭店").results[0]
    assert res["verdict"] == "conditional"
    text = reasons(res, "conditional")["wrong_zone"]
    assert "有条件符合——须说明" in text and "配套" in text and "堂邑福禄文旅小镇" in text


@shipped
def test_positioning_lists_take_the_names_the_table_gives():
    # C339 and M75 are in GB/T 4754-2017 (gbt4754_2017.csv): the park's list names them without 待核实
    res = check_site(AUTO_PARTS, "饭店").results[0]
    text = reasons(res)["wrong_zone"]
    assert "C339 铸造及其他金属制品制造、" in text and "M75 科技推广和应用服务、" in text
    assert "名称待核实" not in text
    assert label_zh("M75") == "M75 科技推广和应用服务（名称待核实）"  # the project's own line still flags it


# --- finding 3: 第八章第一节 — farming in a cluster, named by its name -------------------------------------------

@shipped
@pytest.mark.parametrize("place", ["嘉明经济开发区", "现代物流产业园", "研发及生活服务区"])
def test_8_1_a_chicken_farm_anywhere_in_a_cluster_does_not_fit(place):
    # 第八章第一节 “产业园区分区” divides the cluster into production, logistics and service blocks; 第五章第二节's
    # support for farming is for the agricultural zones and the countryside outside the clusters
    res = check_site(place, "养鸡场").results[0]
    assert res["verdict"] == "does_not_fit"
    assert all(p["verdict"] == "does_not_fit" for p in res["site"].get("parts_checked", []))


# --- finding 4: 第三章第三节 — guidance for an industry without a designated zone ------------------------------

@shipped
def test_3_3_steel_structures_are_told_where_the_plan_takes_them_conditionally():
    # 第四章第四节: 高精管材's C33 is narrowed to the pipe chain; metal structures are 有条件 there — the one place
    # the rules take them; the answer names it instead of "规划未为本行业指定对口分区" alone
    res = check_site(DAOKOUPU, "钢结构厂").results[0]
    text = reasons(res)["enterprises_into_parks"]
    assert "高精管材特色产业集聚区" in text and "第四章第四节" in text


@shipped
def test_3_3_an_industry_no_zone_takes_is_pointed_to_the_four_clusters():
    # 第三章第三节 “支持园区外工业企业按照产业属性，主动向各类产业集聚区搬迁”: 造纸 (C22) is designated nowhere
    res = check_site(DAOKOUPU, "造纸").results[0]
    text = reasons(res)["enterprises_into_parks"]
    assert "第三章第三节" in text
    for cluster in ("嘉明经济开发区", "嘉明经济开发区第二片区", "郑家镇工业集聚区", "高精管材特色产业集聚区"):
        assert cluster in text


# --- finding 5: wording agrees with the verdict ---------------------------------------------------------------

@shipped
def test_4_1_bearings_in_jiaming_are_not_called_consistent_with_its_positioning():
    # 第四章第一节 gives 轴承 to 郑家; 智能制造产业园 lists C34, which holds it: not “行业与其产业定位一致”
    res = check_site("智能制造产业园", "轴承").results[0]
    assert res["verdict"] == "conditional"
    text = " ".join(r["text_zh"] for r in res["reasons"])
    assert "行业与其产业定位一致" not in text and "点名给郑家镇工业集聚区" in text


@shipped
def test_8_1_a_township_next_to_a_cluster_is_not_told_the_cluster_is_0_km_away():
    # 闫寺街道 adjoins 嘉明: "不在任何工业集聚区内" and then "智能制造产业园（0.0 km）" read as a contradiction
    res = check_site("闫寺街道", "数控机床").results[0]
    text = reasons(res)["enterprises_into_parks"]
    assert "（0.0 km）" not in text and "智能制造产业园（与场地相邻）" in text


# --- finding 6: a named site's parts in a short list -------------------------------------------------------------

@shipped
def test_a_named_sites_parts_are_summarised_without_losing_their_reasons():
    res = check_site("郑家镇", "饭店").results[0]
    rs = reasons(res)
    head = rs["named_site_in_zone"]
    assert len(head) < 600 and "：符合" in head and "：有条件符合" in head
    details = [r["text_zh"] for r in res["reasons"] if r["rule"] == "named_site_part_reason"]
    assert any("15分钟便民生活服务圈" in t for t in details)  # the fitting part's reason is kept
    assert any("须说明本项目为该区的配套" in t for t in details)  # and the conditional parts' condition


# --- finding 8: the 报批 TXT written back keeps the surveyor's point order ------------------------------------------

_TXT = ("[属性描述]\r\n格式版本号=1.0\r\n数据产生单位=测试\r\n坐标系=2000国家大地坐标系\r\n几度分带=3\r\n投影类型=高斯克吕格\r\n"
        "计量单位=米\r\n带号=39\r\n精度=0.001\r\n[地块坐标]\r\n5,5.7600,1,测试地块,面,,工业用地,,@\r\n"
        "J1,1,4036637.311,39387823.720\r\nJ2,1,4036637.311,39388063.720\r\nJ3,1,4036877.311,39388063.720\r\n"
        "J4,1,4036877.311,39387823.720\r\nJ1,1,4036637.311,39387823.720\r\n")


def _points(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith("J")]


@shipped
def test_export_of_a_site_read_from_a_txt_keeps_its_point_order_and_numbering(tmp_path):
    # the input runs J1 → J2 eastwards (counter-clockwise): written back, J2 and J4 must not swap
    src = tmp_path / "报批坐标.txt"
    src.write_bytes(_TXT.encode("gbk"))
    out = check_site(str(src), "轴承").to_site_file(tmp_path / "导出.txt")
    text = out.read_bytes().decode("gbk")
    assert _points(text) == _points(_TXT)
    # the file's own header is kept, not replaced by a placeholder (new user 2026-12-07, F11)
    assert "数据产生单位=测试" in text and "待填写" not in text.split("[地块坐标]")[0].split("数据产生日期")[0]


def test_a_drawn_polygon_is_still_written_clockwise(tmp_path):
    # not from a TXT: the surveyors' clockwise numbering (unchanged)
    import geopandas as gpd
    from shapely.geometry import Polygon

    from dcf_spatial.io.survey_txt import write_survey_txt

    ccw = Polygon([(387823.72, 4036637.311), (388063.72, 4036637.311), (388063.72, 4036877.311),
                   (387823.72, 4036877.311)])
    gdf = gpd.GeoDataFrame(geometry=[ccw], crs="EPSG:4548")
    text = write_survey_txt(gdf, tmp_path / "a.txt").read_bytes().decode("gbk")
    assert _points(text)[1] == "J2,1,4036877.311,39387823.720"
