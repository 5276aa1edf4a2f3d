"""Task R17 / W15: the words blind sets 23–24 found refused, and the rules their disagreements were decided by (the
majority of all readers, ``tests/plan_cases/tally_questions.py``, and the text). Each test is written from the clause
it rests on (chapter and section named in every test), not from the code; the reader counts are in
``tests/plan_cases/README.md`` (section R17).

Sites are feature ids of the shipped store (``agri.grape``'s representative point lies in the grape zone,
``town.371502106000`` 张炉集镇's in no zone, ``point.daokoupu_heritage`` at 道口铺非遗文化名镇, ``agri.tcm`` in the TCM zone)
or points named in the test.
"""

from __future__ import annotations

import csv
from pathlib import Path

from _shipped import shipped
from test_plan_cases import run_case

CORE_ONLY = "115.9203,36.4426"   # 古楼街道, inside 中心城区服务业引领核 only (tests/plan_cases/README.md)
SHAZHEN = "115.7664,36.2964"     # 沙镇镇 outside the drawn vegetable zone


def ask(place: str, industry: str, extra: str = "") -> dict:
    return run_case({"case_id": "r17", "place": place, "industry": industry, "extra": extra})


def rules_of(answer: dict, effect: str | None = None) -> list[str]:
    return [r["rule"] for r in answer.get("reasons", []) if effect is None or r["effect"] == effect]


# --- words (W15): each code checked by name in GB/T 4754-2017 -----------------------------------------------------

def test_clay_brick_written_either_way_is_the_clay_brick_class():
    # 第十章第二节 “完善落后产能退出政策”: 黏土砖 is what 《通用规范汉字表》 writes; GB/T 4754-2017 prints 粘土 (C3031
    # 粘土砖瓦及建筑砌块制造, B1019 粘土及其他土砂石开采): the word reader reads the variant, so both spellings are one class
    from dcf_spatial.industry import resolve

    assert resolve("黏土砖").codes == resolve("粘土砖").codes == ("C3031",)
    assert resolve("黏土砖厂").codes == ("C3031",)
    assert resolve("黏土").status == resolve("粘土").status == "ambiguous"


def test_no_table_name_or_project_word_holds_the_variant_character():
    # the 黏 → 粘 reading loses nothing only while no standard name or project word is written with 黏
    from dcf_spatial import settings
    from dcf_spatial.industry import CODES_FILE, WORDS_FILE

    for name in (CODES_FILE, WORDS_FILE):
        text = Path(settings.data_dir / name).read_text(encoding="utf-8")
        rows = [r for r in text.splitlines() if not r.startswith("#")]
        assert not any("黏" in r for r in rows), name


def test_a_car_wash_shop_is_car_washing_not_a_retail_shop():
    # 第六章第二节 “打造15分钟便民生活服务圈”: 洗车店 is the place a car is washed (洗车 → O8111 汽车修理与维护), not a shop
    # selling goods (F51/F52); the same for other services done in a 店 (健身店)
    from dcf_spatial.industry import resolve

    assert resolve("洗车店").codes == resolve("洗车").codes == ("O8111",)
    assert resolve("健身店").codes == resolve("健身").codes
    # a shop of goods stays a trade (水泥店 sells cement: F5165 建材批发 / F52), never the product itself
    m = resolve("水泥店")
    assert m.status == "ambiguous" and "C3011" not in [c for c, _ in m.candidates]
    assert all(c.startswith("F5") for c, _ in m.candidates)


def test_a_woodblock_print_workshop_is_the_craft_the_plan_names():
    # 第六章第六节 “加强木版年画、葫芦雕刻、运河伞棒舞、山东八角鼓等非遗产品创新开发”: a 年画作坊 makes 木版年画 (C243
    # 工艺美术及礼仪用品制造); 作坊 is a workshop, read like 厂: 豆腐作坊 makes tofu, never grows soybeans
    from dcf_spatial.industry import resolve

    assert resolve("年画作坊").codes == resolve("木版年画").codes == ("C243",)
    assert resolve("豆腐作坊").codes[0].startswith("C")


def test_a_health_food_factory_makes_health_food():
    # 第八章第二节 “支持企业开发特色炮制中药饮片，或以中药材要主要原料的功能性食品和保健食品”: 保健品厂 is C1492 保健食品制造;
    # 保健品 alone may be the trade (F5126 / F5225) and is not decided for the clerk
    from dcf_spatial.industry import resolve

    assert resolve("保健品厂").codes == ("C1492",)
    assert resolve("保健品").status == "ambiguous"


@shipped
def test_6_6_woodblock_print_workshop_fits_the_heritage_town():
    # 第八章第三节 “道口铺非遗文化名镇” with 第六章第六节 木版年画 (R15: the town takes 工艺美术 C243)
    assert ask("point.daokoupu_heritage", "年画作坊")["verdict"] == "fits"


@shipped
def test_8_2_health_food_factory_fits_the_tcm_zone():
    # 第八章第二节 中药材示范区 “以中药材要主要原料的功能性食品和保健食品”
    assert ask("agri.tcm", "保健品厂")["verdict"] == "fits"


@shipped
def test_10_2_clay_brick_marked_eliminated_does_not_fit_either_spelling():
    # 第十章第二节 “完善落后产能退出政策”: an 淘汰类 project is not built, whichever way the clerk writes 黏/粘
    for word in ("黏土砖", "粘土砖"):
        ans = ask(SHAZHEN, word, "catalogue_class=淘汰类")
        assert ans["verdict"] == "does_not_fit", word
        assert "catalogue_eliminated" in rules_of(ans, "does_not_fit"), word


# --- rules (R17) ---------------------------------------------------------------------------------------------------

@shipped
def test_8_2_guesthouse_fits_the_grape_zone_service_experience():
    # 第八章第二节 葡萄示范区 “培育完善从技术研发、种苗培育、生产加工到服务体验、教育科普于一体的三次产业融合发展体系”:
    # a guesthouse (民宿 H6130) is the zone's 服务体验, like 休闲观光 R9030 already
    ans = ask("agri.grape", "民宿")
    assert ans["verdict"] == "fits"
    assert "wrong_zone" not in rules_of(ans)
    # a hotel (H6110 旅游饭店) is not what the clause names: the zone still decides (有条件符合)
    assert ask("agri.grape", "H6110")["verdict"] == "conditional"


@shipped
def test_6_2_township_general_store_fits_like_the_supermarket():
    # 第六章第二节 “大力发展社区服务业，打造15分钟便民生活服务圈”, “加快形成便利店…等配套完善的社区服务网络”: a village
    # general store (F5219 其他综合零售) is a community retail point like 超市 F5212 and 便利店 F5213, in every township
    for code in ("F5212", "F5213", "F5219"):
        ans = ask("town.371502106000", code)
        assert ans["verdict"] == "fits", code
        assert "community_services_district_wide" in rules_of(ans, "fits"), code
    # a department store (F5211 百货零售) is a 购物综合体 of the city (第六章第二节), not a community point: unchanged
    assert ask("town.371502106000", "F5211")["verdict"] == "conditional"


def test_the_township_store_rule_cites_the_community_service_clause():
    # the rule that now takes F5219 quotes the clause it rests on (第六章第二节), verbatim
    from dcf_spatial import plan

    rule = next(r for r in plan.rules()["district_wide"] if r["id"] == "community_services_district_wide")
    assert "F5219" in rule["codes"] and "第六章第二节" in rule["plan_ref"]
    assert "大力发展社区服务业，打造15分钟便民生活服务圈" in rule["quote"]


def test_r17_words_are_listed_with_their_clause():
    # every R17 word row names the clause it rests on (第八章第二节 保健食品, 第六章第六节 木版年画)
    from dcf_spatial import settings
    from dcf_spatial.industry import WORDS_FILE

    lines = Path(settings.data_dir / WORDS_FILE).read_text(encoding="utf-8").splitlines()
    rows = {r["code"]: r for r in csv.DictReader(line for line in lines if not line.startswith("#"))
            if "保健品厂" in r.get("keywords", "") or r.get("keywords") == "年画"}
    assert rows["C1492"]["plan_ref"] == "第八章第二节"
    assert rows["C243"]["plan_ref"] == "第六章第六节"


@shipped
def test_6_1_karaoke_fits_the_city_core_night_economy():
    # 第六章第一节 夜间旅游 “以运河、摩天轮等标志性旅游景点为依托，引导夜间消费意识，积极培育夜间消费市场，发展食、游、购、
    # 娱、体、展、演等多元化消费业态”: a KTV (R9011 歌舞厅娱乐活动, 室内娱乐 R901) in 中心城区服务业引领核 fits
    ans = ask(CORE_ONLY, "KTV")
    assert ans["verdict"] == "fits"
    assert "wrong_zone" not in rules_of(ans)
    # in a factory park it is not the park's (第八章第一节 产业园区分区): unchanged
    assert ask("park.zhengjia.bearing", "KTV")["verdict"] == "conditional"
