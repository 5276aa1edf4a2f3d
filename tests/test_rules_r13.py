"""Task R13: two rules of R12 reached too far (issue 10: trust). Each test is written from the clause it rests on
(chapter and section named in every test), not from the code.

Sites: 张炉集镇 ``115.7353,36.3611`` (no zone; the breaker used ``--area-mu 300``, same verdicts), 现代渔业示范区 in 堂邑镇 ``115.7960,36.5220``,
斗虎屯镇 outside the drawn grape zone ``115.86,36.66``, the 中通轻客 site in 新能源汽车小镇·宜业板块
``115.9941,36.4266`` (also in 大运河文化旅游带), and representative points of the functional parks.
"""

from __future__ import annotations

import pytest

from test_plan_rules_issue10 import check, reasons, shipped

ZHANGLUJI = (115.7353, 36.3611)
FISHERY = (115.7960, 36.5220)
DOUHUTUN = (115.86, 36.66)
YIYE = (115.9941, 36.4266)


# --- 1. 第五章第三节 “农产品初加工” is the processing of farm produce ------------------------------------------------

@shipped
@pytest.mark.parametrize("word", ["白酒", "饮料", "方便面", "保健食品"])
def test_5_3_other_food_and_drink_factories_follow_the_ordinary_outside_the_clusters_rule(real, word):
    # 第五章第三节 speaks of “农产品初加工” and “延伸农业产业链条”: a distillery, a soft-drink, instant-noodle or
    # health-food factory is not farm-produce processing; 第三章第三节 “支持园区外工业企业…向各类产业集聚区搬迁”
    res = check(real, ZHANGLUJI, word)
    assert not reasons(res, "agro_processing_outside")
    assert reasons(res, "enterprises_into_parks")
    assert res["verdict"] == "does_not_fit"  # the office policy's default for a new factory outside the clusters


@shipped
@pytest.mark.parametrize("word", ["蔬菜加工", "C1311", "C1361"])
def test_5_3_farm_produce_processing_in_no_zone_stays_conditional(real, word):
    res = check(real, ZHANGLUJI, word)
    assert res["verdict"] == "conditional"
    (r,) = reasons(res, "agro_processing_outside")
    assert "农产品初加工" in r["text_zh"]


@shipped
def test_8_2_wine_at_the_grape_zones_town_is_the_chain_the_plan_names(real):
    # 第八章第二节 现代有机葡萄产业示范区 “以斗虎屯镇的盖庄、东吕两村为中心” … “生产加工”: 葡萄酒 in 斗虎屯镇
    res = check(real, DOUHUTUN, "葡萄酒")
    assert res["verdict"] == "conditional"
    (r,) = reasons(res, "agro_processing_outside")
    assert "斗虎屯镇" in r["text_zh"] and "现代有机葡萄产业示范区" in r["text_zh"]


@shipped
def test_8_2_wine_elsewhere_is_a_factory_outside_the_clusters(real):
    # the same wine outside the grape zone's town: no chain named there (第八章第二节), not farm-produce processing
    res = check(real, ZHANGLUJI, "葡萄酒")
    assert not reasons(res, "agro_processing_outside") and res["verdict"] == "does_not_fit"


@shipped
def test_8_2_farm_produce_processing_in_another_chains_zone_is_no_worse_than_in_no_zone(real):
    # 第八章第二节 现代渔业示范区 says what the zone develops and bars nothing: vegetable processing there is
    # judged as in no zone (第五章第三节), and the reason says why
    res = check(real, FISHERY, "蔬菜加工")
    assert res["verdict"] == "conditional"
    (r,) = reasons(res, "agro_processing_outside")
    assert "现代渔业示范区" in r["text_zh"] and "不比任何分区之外更差" in r["text_zh"]


@shipped
@pytest.mark.parametrize("code", ["C1311", "C1312"])
def test_8_2_the_grape_zone_is_divided_into_four_grape_areas(real, code):
    # 第八章第二节 “规划建设设施葡萄栽培区、露天葡萄栽培区、高标准设施葡萄栽培示范点和仓储加工区等四个功能区”:
    # the text gives the whole zone to grapes, so a flour or rice mill there is still a factory outside the clusters
    res = check(real, "agri.grape", code)
    assert res["verdict"] == "does_not_fit" and not reasons(res, "agro_processing_outside")


# --- 2. 第八章第一节 “产业园区分区”: a production park decides for a service it does not name ---------------------------

@shipped
@pytest.mark.parametrize("word", ["农家乐", "民宿", "饭馆"])
def test_8_1_a_service_in_a_production_block_under_the_canal_belt_is_conditional(real, word):
    # 第八章第一节 新能源汽车小镇 宜业板块 is a production block; 大运河文化旅游带 (第八章第三节) overlays it
    res = check(real, YIYE, word)
    assert res["verdict"] == "conditional"
    (r,) = reasons(res, "park_service_cap")
    assert "新能源汽车小镇·宜业板块" in r["text_zh"] and "产业园区分区" in r["text_zh"]


@shipped
@pytest.mark.parametrize("park", ["park.jiaming.smart_mfg", "park.jiaming.agrifood", "park.jiaming.new_materials",
                                  "park.jiaming.logistics", "park.zhengjia.bearing", "park.guangping.production"])
@pytest.mark.parametrize("word", ["农家乐", "民宿", "饭馆", "超市"])
def test_8_1_a_service_a_production_park_does_not_name_is_at_most_conditional(real, park, word):
    # 第八章第一节: 智能制造产业园 “主要发展高档数控机床和机器人产业” etc. — none names a farm stay, a guesthouse, a
    # restaurant or a supermarket; the 15分钟便民生活服务圈 (第六章第二节) does not override the park's designation
    res = check(real, park, word)
    assert res["verdict"] == "conditional", res["reasons"]


@shipped
def test_8_1_a_supermarket_in_the_bearing_park_names_the_park(real):
    res = check(real, "park.zhengjia.bearing", "超市")
    (r,) = reasons(res, "park_service_cap")
    assert "轴承" in r["text_zh"] or "郑家" in r["text_zh"]


@shipped
@pytest.mark.parametrize("park, code", [("park.jiaming.logistics", "G5951"), ("park.jiaming2.yiye", "M7320")])
def test_8_1_services_the_park_names_keep_their_verdict(real, park, code):
    # 第八章第一节 现代物流产业园 (logistics: G5951 warehousing); 第四章第二节 “构筑新能源汽车公共研发平台” (研发 in 宜业)
    res = check(real, park, code)
    assert not reasons(res, "park_service_cap") and res["verdict"] == "fits", res["reasons"]


@shipped
def test_6_2_a_supermarket_outside_the_parks_still_fits(real):
    res = check(real, ZHANGLUJI, "超市")
    assert res["verdict"] == "fits" and not reasons(res, "park_service_cap")


@shipped
@pytest.mark.parametrize("word", ["保健食品", "中药饮片"])
def test_8_2_tcm_products_at_the_tcm_zones_town_are_the_chain_the_plan_names(real, word):
    # 第八章第二节 现代中药产业示范区 “在闫寺街道” … “支持企业开发特色炮制中药饮片，或以中药材要主要原料的功能性食品和保健食品”
    res = check(real, (115.8596, 36.4937), word)  # 闫寺街道 outside every zone
    assert res["verdict"] == "conditional"
    (r,) = reasons(res, "agro_processing_outside")
    assert "闫寺街道" in r["text_zh"]
