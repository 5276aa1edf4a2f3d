"""Task R12: the rules behind the fifteenth and sixteenth blind sets' gaps and a new user's findings, each tested with
cases written from the clause it rests on (chapter and section named in every test), not from the code.

Sites are representative points of features of the shipped layer store or coordinates listed in
``tests/plan_cases/README.md`` (张炉集镇 ``115.72,36.40``, 堂邑镇 ``115.77,36.52``, 郑家镇 outside the cluster
``115.80,36.43``, 道口铺街道 ``115.90,36.45``, 梁水镇 ``115.8468,36.5921`` — all in no zone).
"""

from __future__ import annotations

import pytest

from dcf_spatial import plan
from dcf_spatial.industry import resolve
from dcf_spatial.queries.site import check as sc
from dcf_spatial.queries.site.present import summary_text
from shapely import Point

from test_plan_rules_issue10 import check, reasons, shipped


ZHANGLUJI = (115.72, 36.40)   # 张炉集镇, no zone
TANGYI = (115.77, 36.52)      # 堂邑镇, no zone
ZHENGJIA_OUT = (115.80, 36.43)  # 郑家镇 outside the cluster
DAOKOUPU = (115.90, 36.45)    # 道口铺街道, outside the 非遗 point's radius
LIANGSHUI = (115.8468, 36.5921)  # 梁水镇 outside every zone


# --- A. 第六章第二节 “大力发展社区服务业，打造15分钟便民生活服务圈” ---------------------------------------------

@shipped
@pytest.mark.parametrize("place, word", [
    (ZHANGLUJI, "小饭馆"),     # 15分钟便民生活服务圈: a small restaurant serves the town's residents
    (TANGYI, "理发店"),
    (ZHENGJIA_OUT, "小饭馆"),  # new user
    (DAOKOUPU, "快递"),        # 第五章第三节 “邮政快递企业”, 镇（街道）网络销售体系
    ((115.98, 36.49), "健身房"),  # the core: “文体”
])
def test_6_2_everyday_services_fit_in_any_township_outside_the_clusters(real, place, word):
    res = check(real, place, word)
    assert res["verdict"] == "fits", res["reasons"]
    (r,) = reasons(res, "everyday_services_township")
    assert "15分钟便民生活服务圈" in r["text_zh"] and "第六章第二节" in r["plan_ref"]


@shipped
@pytest.mark.parametrize("place, word", [
    (ZHENGJIA_OUT, "汽修厂"),  # 第九章第三节 “强化对汽修行业VOCs排放的管控，严禁露天喷漆、喷涂作业”
    (DAOKOUPU, "驾校"),        # not a community service point of 第六章第二节's list; needs a large training ground
])
def test_6_2_repair_shops_and_driving_schools_are_not_community_service_points(real, place, word):
    res = check(real, place, word)
    assert res["verdict"] == "conditional" and not reasons(res, "everyday_services_township")


@shipped
def test_6_2_a_driving_school_in_an_industrial_park_keeps_the_park_rule(real):
    # 第八章第一节 “产业园区分区”: inside a cluster the functional park decides; 第六章第二节 does not reach it
    res = check(real, "park.zhengjia.bearing", "驾校")
    assert res["verdict"] != "fits"
    assert not reasons(res, "everyday_services_township")


# --- B. 第六章第一节 乡村休闲旅游, 第五章第三节 “大力发展休闲农业” ------------------------------------------------

@shipped
@pytest.mark.parametrize("place, code", [(ZHANGLUJI, "H6130"), (ZHANGLUJI, "R9030")])
def test_6_1_rural_tourism_outside_the_named_places_fits(real, place, code):
    res = check(real, place, code)
    assert res["verdict"] == "fits"
    (r,) = reasons(res, "rural_tourism_district_wide")
    assert "乡村休闲旅游" in r["text_zh"] and "第六章第一节" in r["plan_ref"]


@shipped
def test_6_1_a_homestay_at_tangyi_fits(real):
    # 第六章第一节 “推进堂邑镇“福禄文化”…为主题的乡村旅游和生态休闲游” (new user: 民宿 at 堂邑)
    assert check(real, TANGYI, "H6130")["verdict"] == "fits"


@shipped
def test_8_2_a_homestay_in_the_gourd_zone_fits(real):
    # 第八章第二节 “推动葫芦与旅游、商业、会议、康养、文创、艺术等产业的深度融合”
    assert check(real, "agri.gourd", "民宿")["verdict"] == "fits"


@shipped
def test_6_1_a_hotel_is_not_rural_tourism(real):
    # 旅游饭店 H6110 is not 乡村休闲旅游: outside the service zones it stays conditional (第八章第三节)
    res = check(real, ZHANGLUJI, "H6110")
    assert res["verdict"] == "conditional" and not reasons(res, "rural_tourism_district_wide")


# --- C. 第五章第三节 农产品加工 outside the drawn zones ----------------------------------------------------------

@shipped
@pytest.mark.parametrize("place, code", [(ZHANGLUJI, "C1371"), (ZHANGLUJI, "C1311"), (LIANGSHUI, "C1361"),
                                         ((115.85, 36.65), "C1515")])
def test_5_3_agricultural_processing_outside_every_zone_is_conditional(real, place, code):
    res = check(real, place, code)
    assert res["verdict"] == "conditional"
    (r,) = reasons(res, "agro_processing_outside")
    assert "延伸农业产业链条" in r["text_zh"] and "初加工" in r["text_zh"] and "第五章第三节" in r["plan_ref"]


@shipped
@pytest.mark.parametrize("code", ["C1351", "C1353"])
def test_8_1_slaughter_and_meat_processing_outside_the_clusters_stays_a_factory_outside_the_clusters(real, code):
    # 第八章第一节 农副产品精深加工产业园 “主要发展畜禽等精深加工产业”: the plan names the place for it
    res = check(real, ZHANGLUJI, code)
    assert res["verdict"] == "does_not_fit"
    assert reasons(res, "enterprises_into_parks") and not reasons(res, "agro_processing_outside")


@shipped
def test_5_3_the_office_policy_does_not_decide_agricultural_processing(real):
    res = sc.site_result(Point(*ZHANGLUJI), "C1371", context=real,
                         policy={"industry_outside_clusters": "does_not_fit"})
    assert res["verdict"] == "conditional"


@shipped
def test_5_3_a_food_factory_in_the_city_core_is_still_a_factory_outside_the_clusters(real):
    # 第八章第三节: the core is the service core; 第五章第三节 speaks of the producing countryside
    res = check(real, (115.93, 36.46), "C1371")
    assert res["verdict"] == "does_not_fit" and reasons(res, "enterprises_into_parks")


@shipped
def test_9_3_flavours_outside_the_aroma_zone_stay_barred_outside_a_chemical_park(real):
    # 香料香精 C2684 is a chemical (C26): 化工项目进区入园 is not loosened by 第五章第三节
    res = check(real, ZHANGLUJI, "C2684")
    assert res["verdict"] == "does_not_fit"


# --- D. a zone's or block's own named activities --------------------------------------------------------------

@shipped
@pytest.mark.parametrize("zone, industry, clause", [
    ("agri.grain", "中央厨房", "第八章第二节"),               # “生产基地+中央厨房+餐饮门店”
    ("park.jiaming.agrifood", "冷库", "第五章第三节"),        # “做强生产、加工、储藏…各环节”
    ("agri.vegetable", "M7330", "第八章第二节"),              # “依托中国农科院、省农业科学院、山东农业大学等科研单位”
    ("agri.aroma", "L7284", "第八章第二节"),                  # “培育“聊城芳香文化节”特色品牌”
    ("park.guangping.production", "M7452", "第六章第七节"),   # “高精管材…实验室、计量中心”
    ("park.guangping.innovation", "I6431", "第四章第六节"),   # “企业级工业互联网平台”
    ("park.guangping.market", "F5193", "第四章第四节"),       # “大力发展跨境电商”
    ("park.jiaming2.yiye", "F5267", "第四章第二节"),          # “充电桩”
    ("park.zhengjia.bearing", "C2432", "第四章第一节"),       # “利用下脚料研发生产附加值高的创意产品”
    ("park.zhengjia.auto_parts", "C3484", "第八章第一节"),    # “带动与之配套的中小企业进驻产业集聚区”
])
def test_a_zones_own_named_activity_fits(real, zone, industry, clause):
    res = check(real, zone, industry)
    assert res["verdict"] == "fits", res["reasons"]
    assert any(clause in r["plan_ref"] for r in res["reasons"])


@shipped
def test_8_2_cosmetics_from_aroma_plants_are_conditional_in_the_aroma_zone(real):
    # 第八章第二节 “推动芳香植物产品加工业发展”; 化妆品 C2682 is a chemical: 进区入园 to be checked
    res = check(real, "agri.aroma", "C2682")
    assert res["verdict"] == "conditional"
    assert any("推动芳香植物产品加工业发展" in r["text_zh"] for r in res["reasons"])


# --- F. presentation: the zone list agrees with the verdict; only verbatim text in quotation marks --------------

@shipped
def test_8_1_a_bearing_plant_in_the_auto_parts_park_is_listed_as_matching_through_the_cluster(real):
    # 第四章第一节: 轴承 “以郑家镇工业集聚区为载体” — the whole cluster
    res = check(real, "park.zhengjia.auto_parts", "C3451")
    assert res["verdict"] == "fits"
    park = next(z for z in res["zones"] if z["id"] == "park.zhengjia.auto_parts")
    assert park.get("cluster_wide") is True
    text = summary_text(res)
    line = next(x for x in text.splitlines() if x.strip().startswith("- 汽车零部件产业园"))
    assert "不对口" not in line and "集聚区整体对口" in line


@shipped
def test_quoted_reasons_are_verbatim_plan_text(real):
    from pathlib import Path
    import re

    plan_text = Path("/work/shared/plan/dongchangfu_industry_plan_2021-2030.txt")
    if not plan_text.exists():
        pytest.skip("plan text not on this machine")
    txt = plan_text.read_text(encoding="utf-8")
    for place, industry in [("park.jiaming2.yiye", "F5267"), ("park.zhengjia.auto_parts", "C3451"),
                            ("park.guangping.innovation", "I6431")]:
        res = check(real, place, industry)
        for r in res["reasons"]:
            assert "点名新能源汽车小镇" not in r["text_zh"]
            for q in re.findall(r"“([^“”]{6,})”", r["text_zh"]):
                assert q.replace("”“", "") in txt.replace("”“", "") or q in txt, q


# --- G. the clerk's words -------------------------------------------------------------------------------------

@pytest.mark.parametrize("word, code", [
    ("化肥厂", "C262"), ("宠物食品", "C1321"), ("主题乐园", "R9020"), ("焊管厂", "C3130"), ("管材研发", "M7320"),
    ("钢管检测", "M7452"), ("钓鱼园", "R9030"), ("日间照料中心", "Q8521"), ("火锅店", "H6210"),
    ("拓展训练基地", "R8930"),
])
def test_clerk_words_resolve(word, code):
    m = resolve(word)
    assert m.resolved and m.codes == (code,)


def test_new_rules_cite_their_clauses():
    rb = plan.rules()
    ids = {r["id"]: r for r in rb["district_wide"]}
    assert ids["everyday_services_township"]["plan_ref"].startswith("第六章第二节")
    assert ids["rural_tourism_district_wide"]["plan_ref"].startswith("第六章第一节")
    assert "industrial_clusters" in ids["everyday_services_township"]["not_in_layers"]
    assert rb["policy_rules"]["agro_processing_outside"]["plan_ref"].startswith("第五章第三节")


# --- 第九章第三节 with the clauses that encourage casting (第四章第一节, 第八章第一节) ------------------------------

@shipped
def test_9_3_foundry_reason_states_the_replacement_duty_once(real):
    """第九章第三节 “严禁水泥、铸造等行业新增产能”; 第四章第一节 and 第八章第一节 both encourage 郑家's 废料融化铸造: the
    reason quotes both clauses and says once that such a project needs 等量或减量置换 (a new user saw it twice)."""
    res = check(real, (115.75, 36.455), "C3391")
    (r,) = reasons(res, "foundry_new_capacity")
    assert r["text_zh"].count("等量或减量置换") == 1
    assert "第四章第一节" in r["text_zh"] and "第八章第一节" in r["text_zh"]
