"""The rules and words changed by the sweep of the plan's own lists (task R9, ``plan_cases/plan_lists.csv``),
each tested with cases written from the clause it rests on (chapter and section named in every test).
"""

from __future__ import annotations

import pytest

from dcf_spatial.industry import resolve as match_industry

from _shipped import shipped
from test_plan_rules_issue10 import check, reasons

# --- 第四章第三节: 智能装备制造 in 嘉明智能制造产业园 -------------------------------------------------------

@shipped
@pytest.mark.parametrize("code", ["C3453", "C3976", "C3834"])
def test_4_3_robot_reducers_laser_devices_and_insulation_fit_the_smart_manufacturing_park(real, code):
    # "伺服精密行星减速机、RV减速器 … 等关键零部件"; "依托嘉明智能制造产业园 … 打造集激光材料、激光器件、激光成套设备
    # … 于一体的激光全产业链"; 高端电力装备 "发展新型绝缘材料 … 等关键零部件"
    res = check(real, "park.jiaming.smart_mfg", code)
    assert res["verdict"] == "fits"
    assert not reasons(res, "belongs_elsewhere")


@shipped
def test_4_1_a_gear_reducer_is_not_a_bearing_but_a_bearing_in_jiaming_stays_conditional(real):
    # 第四章第一节: 轴承及保持器 "以郑家镇工业集聚区为载体" — the bearing classes (C3451 滚动, C3452 滑动), not
    # the gears of C345; a bearing plant in 嘉明 keeps its 第十章第四节 reason (issue 10 item 3)
    assert not reasons(check(real, "park.jiaming.smart_mfg", "C3453"), "belongs_elsewhere")
    for code in ("C3451", "C3452"):
        res = check(real, "park.jiaming.smart_mfg", code)
        assert res["verdict"] == "conditional"
        (r,) = reasons(res, "belongs_elsewhere")
        assert "第十章第四节" in r["text_zh"]


@shipped
def test_4_3_laser_devices_outside_the_jiaming_parks_are_not_placed_by_this_clause(real):
    # the clause names 嘉明智能制造产业园, not 郑家: a laser-device plant in the bearing park stays conditional
    assert check(real, "park.zhengjia.bearing", "C3976")["verdict"] == "conditional"


# --- 第八章第二节: the zones' own chains ---------------------------------------------------------------------

@shipped
@pytest.mark.parametrize("zone", ["agri.grape", "agri.tcm", "agri.aroma"])
def test_8_2_seedlings_fit_the_zones_that_name_them(real, zone):
    # 葡萄 "从技术研发、种苗培育、生产加工到服务体验"; 中药 "加强种子种苗繁育基地建设"; 芳香 "加快芳香植物育苗示范基地建设"
    res = check(real, zone, "A0511")
    assert res["verdict"] == "fits"
    assert "第八章第二节" in " ".join(r["text_zh"] for r in res["reasons"])


@shipped
def test_8_2_seedlings_are_not_named_for_the_fishery_zone_crop_chain(real):
    # 渔业 "完善种苗繁育" means fish fry (A041), not crop seed (A0511): still never 不符合 in a zone (issue 10 item 4)
    assert check(real, "agri.fishery", "A0511")["verdict"] == "conditional"


@shipped
def test_8_2_grain_purchase_and_tcm_laboratories_fit_their_zones(real):
    # 粮食 "集粮食种植、收购、加工、仓储、物流于一体"; 中药 "中药材种子种苗重点实验室、中药材栽培育种重点实验室"
    assert check(real, "agri.grain", "F5111")["verdict"] == "fits"
    assert check(real, "agri.tcm", "M7330")["verdict"] == "fits"
    # the grain zone does not name grain purchase for another zone: vegetables' zone stays conditional
    assert check(real, "agri.vegetable", "F5111")["verdict"] == "conditional"


# --- 第八章第三节: 医养结合养老组团, 多点 ----------------------------------------------------------------------

@shipped
def test_8_3_fitness_centre_fits_the_eldercare_group_only(real):
    # "合理配置社区医院、健身中心、购物休闲中等健康休闲社区"
    assert check(real, "group.eldercare", "R8930")["verdict"] == "fits"
    # task R12: a fitness centre is also a 文体 point of the community service network of 第六章第二节 (“加快形成便利店、
    # 家政、托幼、养老、医疗、教育、文体等配套完善的社区服务网络”), supported in every township outside the clusters
    res = check(real, "group.digital", "R8930")
    assert res["verdict"] == "fits" and [r for r in res["reasons"] if r["rule"] == "everyday_services_township"]


@shipped
def test_8_3_a_service_town_inside_a_zone_is_cited_beside_the_zone(real):
    # 多点 "韩集特色旅游重镇" lies in 芳香文化博览示范区 (第八章第二节); a hotel fits both and both clauses are cited
    res = check(real, "point.hanji_tourism", "H6110")
    assert res["verdict"] == "fits"
    (r,) = reasons(res, "service_fits_zone")
    assert "第八章第二节" in r["text_zh"] and "韩集特色旅游重镇（第八章第三节" in r["text_zh"]


# --- words at the plan's grain -----------------------------------------------------------------------------

@pytest.mark.parametrize("word, code", [
    ("育苗", "A0511"),        # 第五章第二节 "蔬菜集约化育苗企业"; 第八章第二节 "芳香植物育苗示范基地"
    ("焊机", "C3424"),        # 第四章第三节 "机器人用焊机"
    ("RV减速器", "C3453"),    # 第四章第三节
    ("绝缘材料", "C3834"),    # 第四章第三节 "发展新型绝缘材料"
    ("储藏", "G59"),          # 第八章第二节 "冷链、储藏"; 第五章第三节 "生产、加工、储藏、包装"
    ("钢带", "C3130"),        # 第四章第一节 "上游引进钢板、钢带等原料企业"
    ("边角废料", "C4210"),    # 第八章第一节 "把边角废料“资源化”"
    ("管理咨询", "L7243"),    # 第八章第一节 郑家 "管理咨询"
    ("人才培训", "P8391"),    # 第八章第一节 郑家 "人才培训"
    ("整车检测", "M7452"),    # 第四章第二节 "整车检测"
    ("度假酒店", "H6110"),    # 第八章第三节 "五星级度假酒店"
    ("健身中心", "R8930"),    # 第八章第三节 "健身中心"
    ("社区医院", "Q8421"),    # 第八章第三节 "社区医院"
    ("颐养照护", "Q8514"),    # 第八章第三节 "颐养照护"
    ("居家养老", "Q8521"),    # 第八章第三节 "社区居家养老"
    ("休闲渔业", "R9030"),    # 第八章第二节 "积极引导养殖户发展休闲渔业"
    ("钢管市场", "F5164"),    # 第四章第四节 "聊城钢管市场"
])
def test_plan_words_resolve_at_the_plan_grain(word, code):
    m = match_industry(word)
    assert m.status == "resolved" and m.codes == (code,), m


def test_tree_nurseries_keep_their_own_word():
    # 育苗 now means crop seedlings (the plan's use); 苗木 stays 林业
    assert match_industry("苗木").codes == ("A02",)
