"""A town given by name where every part fails says so plainly, and does not ask for coordinates (review, item 2).

"Somewhere in 梁水镇" is checked in each zone drawn inside the town and in the rest of it (rules/named.py). When every
part is 不符合, no parcel in the town fits: the verdict says the whole town is unsuitable, citing the plan, and no
reason asks for the parcel's coordinates (they would not change the answer). Where the parts differ, the
coordinates do decide, and are still asked for. Cases written from the plan text (chapter and section in each test).
"""

from __future__ import annotations

from dcf_spatial.queries import check_batch, check_site
from dcf_spatial.queries.site.tables import from_name_zh

ASKS = ("请给出地块坐标", "须按地块坐标核查", "须另行核查")


def _texts(res) -> list[str]:
    return [r["text_zh"] for r in res["reasons"]]


def _rules(res) -> dict:
    return {r["rule"]: r for r in res["reasons"]}


def test_a_bearing_plant_anywhere_in_liangshui_is_refused_for_the_whole_town():
    # 第八章第一节: 梁水镇 holds none of the four industrial clusters; 第三章第三节/第十章第四节 and the default 口径
    # (应入园): a factory outside the clusters is 不符合 — in each of the town's agricultural zones, its 大运河 belt
    # and the rest of it alike
    res = check_site("梁水镇", "轴承").results[0]
    assert res["verdict"] == "does_not_fit"
    assert {p["verdict"] for p in res["site"]["parts_checked"]} == {"does_not_fit"}
    text = _rules(res)["named_site_parts"]["text_zh"]
    assert text.startswith("镇街“梁水镇”全域均不符合：")
    assert "第三章第三节" in text and "给出地块坐标或图形也不会改变结论" in text
    assert "现代渔业示范区" in text and "上述分区以外" in text        # the parts checked are named
    assert "第八章第一节" in _rules(res)["enterprises_into_parks"]["text_zh"]   # the deciding reason stands
    assert not [t for t in _texts(res) if any(a in t for a in ASKS)], _texts(res)
    assert not any(a in from_name_zh(res["site"]) for a in ASKS)
    assert "逐一按地块核查均不符合" in from_name_zh(res["site"])


def test_a_chemical_plant_anywhere_in_zhengjia_is_refused_with_the_chemical_park_rule():
    # 第九章第三节 and the province's 进区入园 rule: a chemical plant needs a recognised chemical park, which no cluster
    # of the district is — 郑家镇工业集聚区 and its parks fail as the rest of the town does
    res = check_site("郑家镇", "化工").results[0]
    assert res["verdict"] == "does_not_fit"
    assert "第九章第三节" in _rules(res)["chemical_park"]["text_zh"]
    assert "镇街“郑家镇”全域均不符合" in _rules(res)["named_site_parts"]["text_zh"]
    assert "郑家镇工业集聚区（四大工业集聚区，地块在此：不符合）" in _rules(res)["named_site_parcel"]["text_zh"]
    # the corridor and farmland notes stay, without sending the user for coordinates
    assert any("马颊河" in t and "不改变结论" in t for t in _texts(res))
    assert not [t for t in _texts(res) if any(a in t for a in ASKS)], _texts(res)


def test_a_batch_row_placed_in_the_town_says_the_same(tmp_path):
    csv = tmp_path / "清单.csv"
    csv.write_text("项目名称,建设地点,行业\n甲,梁水镇,轴承\n", encoding="utf-8")
    res = check_batch(str(csv)).results[0]
    assert res["verdict"] == "does_not_fit"
    assert "镇街“梁水镇”全域均不符合" in _rules(res)["named_site_parts"]["text_zh"]


def test_parts_that_differ_still_ask_for_the_parcel():
    # 第八章第一节: 郑家镇工业集聚区 carries 轴承 (符合) while the rest of 郑家镇 is outside the clusters (不符合): where in
    # the town the parcel lies decides, so the coordinates are asked for
    res = check_site("郑家镇", "轴承").results[0]
    assert res["verdict"] == "conditional"
    assert "请给出地块坐标或图形后复核" in _rules(res)["named_site_in_zone"]["text_zh"]
    assert not any("全域均不符合" in t for t in _texts(res))
