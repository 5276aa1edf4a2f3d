"""Task R15: follow the majority of all blind readers on the questions they split on (issue 10). Each test is written
from the clause it rests on (chapter and section named in every test), not from the code; the reader counts are in
``tests/plan_cases/README.md`` (section R15).

Sites: ``115.965,36.500`` lies in 嘉明经济开发区 / 新材料产业园; ``115.745,36.438`` in 郑家镇工业集聚区 / 物流产业园; ``115.92,36.47`` in
古楼街道 inside 中心城区服务业引领核 only; ``115.983,36.425`` in 新能源汽车小镇·宜游板块; ``115.965,36.520`` in
嘉明 农副产品精深加工产业园; the rest are feature ids of the shipped store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _shipped import shipped
from test_plan_cases import run_case

RULES = Path(__file__).resolve().parents[1] / "dcf_spatial" / "data" / "plan_rules.json"
NEW_MATERIALS = "115.965,36.500"


def ask(place: str, industry: str, extra: str = "") -> dict:
    return run_case({"case_id": "r15", "place": place, "industry": industry, "extra": extra})


def rules_of(answer: dict, effect: str | None = None) -> list[str]:
    return [r["rule"] for r in answer.get("reasons", []) if effect is None or r["effect"] == effect]


# --- 1. 第九章第三节 + 化工项目进区入园: chemicals in a cluster that is not a recognised chemical park ----------------

@shipped
@pytest.mark.parametrize("industry", ["C2631", "化肥厂", "C2614"])
def test_9_3_an_unnamed_chemical_in_a_cluster_not_recognised_as_a_chemical_park_does_not_fit(industry):
    # 第九章第三节 “严禁新上任何形式的淘汰类、限制类化工项目”, 严把准入关口; the plan names no chemical park in the
    # district and 第四章第五节 names only 涂料 and 合成树脂: 农药, 化肥, 有机化工 in 新材料产业园 do not fit
    ans = ask(NEW_MATERIALS, industry)
    assert ans["verdict"] == "does_not_fit"
    assert "chemical_park" in rules_of(ans, "does_not_fit")
    text = next(r["text_zh"] for r in ans["reasons"] if r["rule"] == "chemical_park")
    assert "新材料产业园" in text and "文号待核实" in text


@shipped
@pytest.mark.parametrize("industry", ["C2641", "C2651", "水性涂料"])
def test_4_5_coatings_and_resins_the_plan_names_stay_conditional(industry):
    # 第四章第五节 “依托齐鲁漆业，大力发展节能环保的水性涂料、高固体分涂料、粉末涂料、无溶剂涂料、高档合成树脂等”:
    # the plan names these products; the chemical rule (catalogue class to check) leaves them conditional
    ans = ask(NEW_MATERIALS, industry)
    assert ans["verdict"] == "conditional"
    assert "chemical_park" not in rules_of(ans)


@shipped
def test_9_3_a_chemical_in_a_park_the_office_lists_as_recognised_keeps_conditional(monkeypatch):
    # 化工项目进区入园: a park the province recognises takes chemicals; the list is data the office fills in (the plan
    # names none: empty by default)
    from dcf_spatial import plan

    assert plan.rules()["chemical_parks"]["recognised"] == []
    rules = json.loads(json.dumps(plan.rules()))
    rules["chemical_parks"]["recognised"] = ["park.jiaming.new_materials"]
    monkeypatch.setattr(plan, "rules", lambda: rules)
    from dcf_spatial.queries import check_site

    ans = check_site(NEW_MATERIALS, "C2631").results[0]
    assert ans["verdict"] == "conditional"
    assert "chemical_park" not in rules_of(ans)


@shipped
def test_9_3_a_chemical_declared_restricted_still_does_not_fit_by_the_catalogue_rule():
    # 第九章第三节 “严禁新上任何形式的淘汰类、限制类化工项目”: the catalogue rule decides, the park rule adds nothing
    ans = ask(NEW_MATERIALS, "C2631", "catalogue_class=限制类")
    assert ans["verdict"] == "does_not_fit"
    assert "chemical_park" not in rules_of(ans)


# --- 2. single points --------------------------------------------------------------------------------------------

@shipped
def test_8_1_an_express_sorting_centre_fits_the_zhengjia_logistics_park():
    # 第八章第一节 “规划建设……物流产业园”; 第八章第三节 “布局仓储、运输、流通加工等物流企业”
    assert ask("115.745,36.438", "快递分拣中心")["verdict"] == "fits"


@shipped
@pytest.mark.parametrize("industry", ["木版年画", "C2439"])
def test_8_3_woodblock_prints_fit_the_daokoupu_heritage_town(industry):
    # 第八章第三节 “道口铺非遗文化名镇”; 第六章第六节 “加强木版年画、葫芦雕刻、运河伞棒舞、山东八角鼓等非遗产品创新开发”
    assert ask("point.daokoupu_heritage", industry)["verdict"] == "fits"


@shipped
def test_8_2_tcm_wholesale_fits_the_tcm_zone():
    # 第八章第二节 现代中药产业示范区 “积极引进以中药材为原料的骨干加工流通企业”
    assert ask("agri.tcm", "F5152")["verdict"] == "fits"


# --- 3. words (GB/T 4754-2017 names checked in /work/shared/data/gbt4754/) -----------------------------------------

@shipped
def test_8_1_broiler_processing_is_poultry_slaughter_and_fits_the_agrifood_park():
    # 第八章第一节 农副产品精深加工产业园 “主要发展畜禽等精深加工产业”; C1352 禽类屠宰
    ans = ask("115.965,36.520", "肉鸡加工")
    assert ans["industry"]["codes"] == ["C1352"]
    assert ans["verdict"] == "fits"


@shipped
def test_8_1_a_car_theme_park_is_one_park_in_the_yiyou_block():
    # 第八章第一节 “宜游是依托京杭运河景观带，建设新能源汽车主题公园和文化旅游区”
    ans = ask("115.983,36.425", "汽车主题公园")
    assert ans["industry"]["codes"] == ["R9020"]
    assert ans["verdict"] == "fits"


@shipped
def test_8_3_an_office_building_reads_as_building_economy_in_the_core():
    # 第八章第三节 “加快发展楼宇经济和总部经济”
    ans = ask("115.92,36.47", "写字楼")
    assert ans["industry"]["codes"] == ["L72"]
    assert ans["verdict"] == "fits"


# --- 4. 第八章第三节: the core's 育幼 is not driving training -----------------------------------------------------

@shipped
def test_8_3_a_driving_school_in_the_core_is_conditional_but_a_kindergarten_fits():
    # 第八章第三节 中心城区服务业引领核 “培育壮大健康、养老、育幼、社区服务业等行业”: 育幼 names the kindergarten
    # (学前教育), not the driving school (职业技能培训 P8391), which the plan does not list anywhere
    assert ask("115.92,36.47", "驾校")["verdict"] == "conditional"
    assert ask("115.92,36.47", "幼儿园")["verdict"] == "fits"
