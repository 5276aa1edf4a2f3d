"""A typed industry word never gets a looser verdict than the code it means (QA session 30, new user 3).

F1: at 嘉明经济开发区第二片区 the layer takes C36 汽车制造业 whole, while the plan writes “重点发展新能源汽车及零部件产业”
(第八章第一节) and “遵循绿色化、轻量化、电动化、智能化发展方向” (第四章第二节): C3611 汽柴油车整车, C3620 汽车用发动机 and
C3640 低速汽车 are 有条件符合 there. A group holding them (C36, C361, or a word read as one) is then at most 有条件符合,
naming the classes; a word that means one class is read as that class.
F3: a factory suffix (厂, 生产线, 车间 …) names the unit, not the product: 粉煤灰砖厂 is read like 粉煤灰砖.
F4/F5: 粘土砖 / 粘土砖窑 are clay bricks (not “verify it is a fly-ash brick”); no cluster's positioning takes them
(第八章第一节, 第四章第五节), and the clusters are entered “按照产业属性” (第三章第三节): inside a cluster they get the
verdict of a factory outside the clusters, never a softer one.
F6: 第四章第二节 names the 新能源汽车 “动力电池”; a lead-acid battery (C3843) is not one: 有条件符合 at 第二片区.
"""

from __future__ import annotations

import pytest

from dcf_spatial.industry import resolve
from test_site_plan_trust import NEW_MATERIALS, _check, _reasons

NEV = "115.99413,36.42661"        # the centre of 新能源汽车小镇·宜业板块 (第二片区), from the QA session
OUT_OF_CLUSTERS = "115.80,36.40"  # a township point outside every cluster and zone


@pytest.mark.parametrize("word, code", [
    ("汽车发动机", "C3620"), ("发动机厂", "C3620"),
    ("三轮汽车", "C3640"), ("三轮车厂", "C3640"), ("电动三轮车", "C3640"), ("低速电动车", "C3640"),
    ("燃油汽车", "C3611"), ("燃油汽车组装", "C3611"),
    ("粉煤灰蒸压砖", "C3031"), ("烧结砖", "C3031"),
])
def test_f1_f7_a_word_that_names_one_class_is_read_as_that_class(word, code):
    assert resolve(word).codes == (code,)


@pytest.mark.parametrize("word, code", [
    ("汽车发动机", "C3620"), ("三轮汽车", "C3640"), ("燃油汽车组装", "C3611"), ("燃油汽车", "C3611"),
    ("汽车整车", "C3611"), ("汽车整车厂", "C3611"), ("汽车", "C3611"), ("C36", "C3611"), ("C361", "C3611"),
])
def test_f1_a_word_at_the_second_area_is_never_looser_than_the_class_it_means(word, code):
    # 第四章第二节、第八章第一节: the class is 有条件符合 there, so the word (or the group holding it) is too
    assert _check(NEV, code, "--area-mu", "80")["verdict"] == "conditional"
    assert _check(NEV, word, "--area-mu", "80")["verdict"] == "conditional"


@pytest.mark.parametrize("group", ["C36", "汽车制造"])
def test_f1_the_group_reason_names_the_classes_that_differ_and_asks_for_the_class(group):
    a = _check(NEV, group, "--area-mu", "80")
    (text,) = [t["text_zh"] for t in a["reasons"] if t["rule"] == "mixed_group"]
    for cls in ("C3611 汽柴油车整车制造", "C3620 汽车用发动机制造", "C3640 低速汽车制造"):
        assert cls in text
    assert "各小类口径不同" in text and "4 位行业代码" in text and "第四章第二节" in text
    assert text.startswith("决定性理由")   # the group's reason decides, not “行业与其产业定位一致”
    # 第四章第二节 names 新能源汽车, 动力电池, 增程器 for the 第二片区 (第八章第一节): no class of them differs
    for word in ("新能源汽车", "动力电池", "增程器", "汽车零部件"):
        assert _check(NEV, word, "--area-mu", "80")["verdict"] == "fits", word


@pytest.mark.parametrize("word", ["粉煤灰砖厂", "粉煤灰砖生产线", "粉煤灰砖项目", "粉煤灰砖车间", "粉煤灰蒸压砖"])
def test_f3_a_factory_suffix_does_not_lose_the_product(word):
    # 第四章第五节 “充分利用炉渣、粉煤灰……制作混凝土多孔砖”: the fly-ash brick fits 新材料产业园 however the unit is named
    assert _check(NEW_MATERIALS, "粉煤灰砖", "--area-mu", "60")["verdict"] == "fits"
    assert _check(NEW_MATERIALS, word, "--area-mu", "60")["verdict"] == "fits"


@pytest.mark.parametrize("word", ["粘土砖", "粘土砖窑", "黏土砖窑", "红砖厂"])
def test_f4_a_clay_brick_word_gets_the_unfit_reading_not_the_fly_ash_question(word):
    a = _check(NEW_MATERIALS, word, "--area-mu", "60")
    text = " ".join(_reasons(a))
    assert a["verdict"] == _check(OUT_OF_CLUSTERS, word, "--area-mu", "60")["verdict"] == "does_not_fit"
    assert "待核实项目产品是否为利用固废生产" not in text
    assert f"本项目为“{word}”" in text and "不属该区产业定位" in text and "按照产业属性" in text
    # the park's own positioning words, not the cluster's “新能源新材料” (F4, cosmetic)
    assert "主要发展节能新材料、环保等产业" in text


@pytest.mark.parametrize("policy", [[], ["--policy", "industry_outside_clusters=conditional"]])
def test_f5_a_clay_brick_plant_in_the_nev_cluster_is_no_softer_than_outside_every_cluster(policy):
    inside = _check(NEV, "粘土砖", "--area-mu", "60", *policy)
    outside = _check(OUT_OF_CLUSTERS, "粘土砖", "--area-mu", "60", *policy)
    assert inside["verdict"] == outside["verdict"]
    assert any("按照产业属性" in t and "第四章第五节" in t for t in _reasons(inside))


@pytest.mark.parametrize("word", ["C3843", "铅酸蓄电池", "铅酸电池", "电池"])
def test_f6_a_lead_acid_battery_is_not_the_power_battery_of_4_2(word):
    a = _check(NEV, word, "--area-mu", "80")
    assert a["verdict"] == "conditional"
    assert any("动力电池" in t and "第四章第二节" in t and "核实" in t for t in _reasons(a))
