"""Task R14: the clear points of blind sets 17 and 18 (issue 10). Each test is written from the clause it rests on
(chapter and section named in every test), not from the code.

Sites (listed in ``tests/plan_cases/README.md``): ``115.73,36.45`` with 400 亩 lies all in 郑家镇工业集聚区, about
81 % in 轴承保持器智能制造产业园 and 19 % in 物流产业园; ``115.95,36.515`` with 200 亩 lies about 2/3 in 嘉明's
智能制造产业园 and 1/3 in 农副产品精深加工产业园; the rest are feature ids of the shipped store.
"""

from __future__ import annotations

from _shipped import shipped
from test_plan_cases import run_case


def ask(place: str, industry: str, extra: str = "") -> dict:
    return run_case({"case_id": "r14", "place": place, "industry": industry, "extra": extra})


def rules_of(answer: dict, effect: str | None = None) -> list[str]:
    return [r["rule"] for r in answer.get("reasons", []) if effect is None or r["effect"] == effect]


# --- 1. 第八章第一节 “产业园区分区”: the park holding most of the site decides --------------------------------------

@shipped
def test_8_1_a_bearing_plant_mostly_in_the_bearing_park_fits_with_a_note_on_the_logistics_spill():
    # 第四章第一节 “以郑家镇工业集聚区为载体” for 轴承及保持器; 第八章第一节 “规划建设轴承保持器智能制造产业园、
    # 汽车零部件产业园、物流产业园”: 81 % of the site in the bearing park, 19 % in the logistics park
    ans = ask("115.73,36.45", "轴承保持器", "area_mu=400")
    assert ans["verdict"] == "fits"
    assert "park_major" in rules_of(ans, "info")
    note = next(r["text_zh"] for r in ans["reasons"] if r["rule"] == "park_major")
    assert "轴承保持器智能制造产业园" in note and "物流产业园" in note


@shipped
def test_8_1_a_site_about_two_thirds_in_the_matching_park_is_still_conditional():
    # 第八章第一节 “智能制造产业园：主要发展高档数控机床和机器人产业”; the rest (about 1/3) lies in
    # 农副产品精深加工产业园, whose designation is another: not a clear majority, the red line must be adjusted
    ans = ask("115.95,36.515", "C3491", "area_mu=200")
    assert ans["verdict"] == "conditional"
    assert "park_designation" in rules_of(ans, "conditional")
    assert "park_major" not in rules_of(ans)


@shipped
def test_8_1_a_small_parcel_wholly_in_one_park_has_no_straddle_note():
    # 第八章第一节 “汽车零部件产业园”: a site wholly in the park that names the industry fits, nothing to adjust
    ans = ask("park.zhengjia.auto_parts", "汽车零部件")
    assert ans["verdict"] == "fits"
    assert "park_major" not in rules_of(ans)


# --- 2. words ----------------------------------------------------------------------------------------------------

@shipped
def test_9_3_oil_refining_is_crude_oil_processing_and_needs_replacement():
    # 第九章第三节 “不以任何形式、任何名义备案过剩产能行业新增产能项目，对确有必要新建的必须实施等量或减量置换”:
    # 炼油 is 原油加工及石油制品制造 (C2511), an over-capacity line
    ans = ask("park.guangping.production", "炼油")
    assert ans["industry"]["codes"] == ["C2511"]
    assert ans["verdict"] == "does_not_fit"
    assert "overcapacity" in rules_of(ans, "does_not_fit")


@shipped
def test_9_3_oil_refining_with_replacement_is_no_longer_barred_by_overcapacity():
    ans = ask("park.guangping.production", "炼油", "capacity_replacement")
    assert "overcapacity" not in rules_of(ans, "does_not_fit")


@shipped
def test_5_1_growing_grain_is_grain_farming_district_wide():
    # 第五章第一节 “全区粮食产量稳定在9.5亿斤以上”: 种粮 is A011 谷物种植, supported on farmland in the plan area
    ans = ask("115.72,36.40", "种粮")
    assert ans["industry"]["codes"] == ["A011"]
    assert ans["verdict"] == "fits"
    assert "grain_district_wide" in rules_of(ans, "fits")


@shipped
def test_8_2_a_gourd_culture_experience_hall_fits_the_gourd_zone():
    # 第八章第二节 “打造集种植、加工、销售、葫芦文化体验、培训、技术输出、营销于一体的葫芦产业链”
    ans = ask("agri.gourd", "葫芦文化体验馆")
    assert ans["industry"]["codes"] == ["N786"]
    assert ans["verdict"] == "fits"


# --- 3. 第八章第三节 多点: 旅游 at the towns whose theme is tourism -------------------------------------------------

@shipped
def test_8_3_tourism_at_hanji_special_tourism_town_fits():
    # 第八章第三节 “推进……韩集特色旅游重镇……建设”; 第六章第一节 “推进堂邑镇“福禄文化”、韩集镇“梦幻后姜”民俗文化为主题
    # 的乡村旅游和生态休闲游”
    ans = ask("point.hanji_tourism", "旅游")
    assert ans["verdict"] == "fits"


@shipped
def test_8_3_tourism_at_tangyi_fulu_culture_tourism_town_fits():
    # 第八章第三节 “堂邑福禄文旅小镇”
    ans = ask("point.tangyi_fulu", "旅游")
    assert ans["verdict"] == "fits"


@shipped
def test_8_3_a_tourism_town_is_not_given_every_entertainment_class():
    # 第八章第三节 names a tourism town, not 歌舞厅 (R9011, also in R90 娱乐业): not matched through the tourism theme
    ans = ask("point.tangyi_fulu", "R9011")
    assert ans["verdict"] != "fits"
