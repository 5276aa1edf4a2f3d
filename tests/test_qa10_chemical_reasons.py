"""QA round 10 (new user), finding 5: a chemical project placed by its town (郑家镇, 郑家镇王屯村) was told, as the
deciding reason, that it lay in no industrial cluster and should move into one of the four (郑家镇工业集聚区 named
among them), although it fails in every cluster too; the real ground, 化工项目进区入园, was marked 不影响结论 or
sat at the end of the long first reason.

Each test is written from the text, not from the code's output:

* 第九章第三节 “严禁新上任何形式的淘汰类、限制类化工项目”, “严把准入关口”, with Shandong's 化工项目进区入园 requirement
  (a chemical project must be in a chemical park the province recognises; document number to verify);
* the plan names no chemical park in the district (第八章第一节 gives the four clusters other positionings: 郑家镇
  工业集聚区 “重点发展轴承及保持器产业”); the chemical products it names are 涂料 and 合成树脂 (第四章第五节 “依托齐鲁漆业，
  大力发展节能环保的水性涂料、高固体分涂料、粉末涂料、无溶剂涂料、高档合成树脂等”);
* 第三章第三节 “支持园区外工业企业按照产业属性，主动向各类产业集聚区搬迁” is the advice to move into a cluster: it helps
  only a project that would pass there.

So: the deciding reason is the 进区入园 one, first, citing 第九章第三节; no cluster is offered as the place to go for
a chemical the plan does not name; 不影响结论 marks only reasons whose own effect is milder than the verdict.
"""

from __future__ import annotations

import json

import pytest

from _shipped import shipped
from dcf_spatial import plan
from dcf_spatial.queries.site.rules.finish import DECISIVE_ZH, OVERRIDDEN_ZH

ZHANGLUJI = "115.76,36.40"   # 张炉集镇: in the plan area, in no zone (as in tests/test_plan_rules_holdout_gaps.py)
NEW_MATERIALS = "115.965,36.500"  # 嘉明经济开发区 / 新材料产业园 (tests/test_rules_r15.py)
CONDITIONAL = {"industry_outside_clusters": "conditional"}
CLUSTER_ADVICE = "宜在四大工业集聚区"  # the wording of 第三章第三节's advice to move into a cluster


def answer(site: str, industry: str, **kw) -> dict:
    from dcf_spatial.queries import check_site

    return check_site(site, industry, **kw).results[0]


def assert_marks_agree(res: dict) -> None:
    """决定性理由 on reasons of the verdict's effect only, 不影响结论 on milder reasons only."""
    order = plan.rules()["verdict_order"]
    for r in res["reasons"]:
        if r["text_zh"].startswith(DECISIVE_ZH):
            assert r["effect"] == res["verdict"], r
        if r["text_zh"].startswith(OVERRIDDEN_ZH):
            assert r["effect"] in order and order.index(r["effect"]) < order.index(res["verdict"]), r


@shipped
@pytest.mark.parametrize("site", ["郑家镇", "郑家镇王屯村"])
@pytest.mark.parametrize("policy", [None, CONDITIONAL])
def test_9_3_a_chemical_placed_by_its_town_is_decided_by_the_chemical_park_rule(site, policy):
    # the user's case: 化工 at 郑家镇王屯村 (located as 郑家镇), under either office setting
    res = answer(site, "化工", policy=policy)
    assert res["verdict"] == "does_not_fit"
    first = res["reasons"][0]
    assert first["rule"] == "chemical_park" and first["effect"] == "does_not_fit"
    assert first["text_zh"].startswith(DECISIVE_ZH) and "第九章第三节" in first["plan_ref"]
    assert "省认定的化工园区" in first["text_zh"] and "严禁新上任何形式的淘汰类、限制类化工项目" in first["text_zh"]
    # no cluster is offered as the place to go: the project fails in 郑家镇工业集聚区 as well
    assert not any(CLUSTER_ADVICE in r["text_zh"] for r in res["reasons"])
    assert "迁入集聚区不能改变结论" in first["text_zh"]
    # part of 郑家镇 is 郑家镇工业集聚区: "not in any cluster" does not decide for the whole town
    assert not any(r["rule"] == "enterprises_into_parks" and r["effect"] == "does_not_fit" for r in res["reasons"])
    assert_marks_agree(res)
    # the 进区入园 requirement is never among the reasons marked 不影响结论
    for r in res["reasons"]:
        if r["text_zh"].startswith(OVERRIDDEN_ZH):
            assert "须落位于省认定的化工园区" not in r["text_zh"], r
    # every part of the town was checked and fails: the answer says where it is does not matter
    assert {p["verdict"] for p in res["site"]["parts_checked"]} == {"does_not_fit"}


@shipped
@pytest.mark.parametrize("industry", ["化工", "C2614", "农药"])
def test_9_3_a_chemical_outside_the_clusters_is_not_sent_into_one(industry):
    # a point in 张炉集镇 (no cluster): the 进区入园 reason first; the outside-the-clusters reason (第三章第三节,
    # 第十章第四节) decides too under the default 应入园, but points to a recognised chemical park, not a cluster
    res = answer(ZHANGLUJI, industry)
    assert res["verdict"] == "does_not_fit"
    assert res["reasons"][0]["rule"] == "chemical_park" and res["reasons"][0]["text_zh"].startswith(DECISIVE_ZH)
    assert not any(CLUSTER_ADVICE in r["text_zh"] for r in res["reasons"])
    (outside,) = [r for r in res["reasons"] if r["rule"] == "enterprises_into_parks"]
    assert "建议落位于：省认定的化工园区" in outside["text_zh"]
    assert_marks_agree(res)


@shipped
def test_3_3_under_the_guiding_setting_the_outside_reason_is_the_one_that_does_not_change_the_verdict():
    # 引导入园 makes "outside the clusters" 有条件符合 (第三章第三节、第十章第四节 steer, they do not bar); the chemical
    # park rule still gives 不符合, so the outside reason — and only a milder one — carries 不影响结论
    res = answer(ZHANGLUJI, "化工", policy=CONDITIONAL)
    assert res["verdict"] == "does_not_fit"
    assert res["reasons"][0]["rule"] == "chemical_park"
    (outside,) = [r for r in res["reasons"] if r["rule"] == "enterprises_into_parks"]
    assert outside["effect"] == "conditional" and outside["text_zh"].startswith(OVERRIDDEN_ZH)
    assert [r["rule"] for r in res["reasons"] if r["text_zh"].startswith(DECISIVE_ZH)] == ["chemical_park"]


@shipped
def test_9_3_in_a_cluster_the_advice_is_a_chemical_park_not_a_prohibition():
    # 第九章第三节 bars 淘汰类/限制类 chemicals, not every chemical: an unnamed chemical in 郑家's cluster is told to go
    # to a recognised chemical park, not that it is "禁止情形" with nowhere to go
    res = answer("115.75,36.455", "C2614")
    assert res["verdict"] == "does_not_fit" and res["reasons"][0]["rule"] == "chemical_park"
    assert not any("禁止情形" in r["text_zh"] for r in res["reasons"])
    (wrong,) = [r for r in res["reasons"] if r["rule"] == "wrong_cluster"]
    assert "对口集聚区：省认定的化工园区" in wrong["text_zh"]
    assert_marks_agree(res)


@shipped
def test_9_3_a_park_the_office_lists_as_recognised_is_where_the_chemical_is_sent(monkeypatch):
    # 化工项目进区入园: once the office lists a recognised park (plan_rules.json → chemical_parks.recognised), a chemical
    # outside it is sent there by name
    rules = json.loads(json.dumps(plan.rules()))
    rules["chemical_parks"]["recognised"] = ["park.jiaming.new_materials"]
    monkeypatch.setattr(plan, "rules", lambda: rules)
    res = answer(ZHANGLUJI, "C2614")
    assert res["verdict"] == "does_not_fit"
    first = res["reasons"][0]
    assert first["rule"] == "chemical_park" and "新材料产业园" in first["text_zh"]
    (outside,) = [r for r in res["reasons"] if r["rule"] == "enterprises_into_parks"]
    assert "省认定的化工园区（新材料产业园）" in outside["text_zh"]
    assert answer(NEW_MATERIALS, "C2614")["verdict"] == "conditional"  # there it is as the chemical rule says


@shipped
def test_4_5_coatings_outside_the_clusters_may_still_be_sent_to_a_cluster():
    # 第四章第五节 names 涂料: in a cluster a coatings plant is 有条件符合 (tests/test_rules_r15.py), so the advice of
    # 第三章第三节 to move into a cluster stands for it; outside the clusters 进区入园 still decides, as its own reason
    res = answer(ZHANGLUJI, "C2641")
    assert res["verdict"] == "does_not_fit"
    assert res["reasons"][0]["rule"] == "chemical_park"
    assert answer(NEW_MATERIALS, "C2641")["verdict"] == "conditional"
    (outside,) = [r for r in res["reasons"] if r["rule"] == "enterprises_into_parks"]
    assert CLUSTER_ADVICE in outside["text_zh"]
    assert_marks_agree(res)
