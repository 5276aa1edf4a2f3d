"""A new user's QA (qa_user FINDINGS F9): ledger rows written 广平乡高精管材产业园 and 嘉明工业区 were 位置不明 and
fell out of every zone summary. The plan itself writes its clusters so — the two 开发区 are "2个园区" (第一章第一节),
"依托广平镇高精管材特色产业园" (第四章第四节), "郑家工业集聚区等产业集聚区" (第二章第四节) — so a common form of a
cluster's name places the row, saying so (按地名“…”定位为…, 待核实); a misspelt unit is still not guessed, and a form
two units share still asks."""

from __future__ import annotations

from functools import partial

import pytest

import dcf_spatial as dcf
from dcf_spatial.places import gazetteer, site_text_match

from _ledgers import write_ledger

HEADER = ["宗地编号", "项目名称", "项目位置", "土地用途", "面积（亩）", "约定动工日期", "实际动工日期", "土地价款（万元）"]
_ledger = partial(write_ledger, header=HEADER)


def test_ledger_rows_in_common_forms_of_cluster_names_are_placed_and_say_how(tmp_path):
    path = _ledger(tmp_path / "台账.csv", [
        ["A1", "某钢管深加工项目", "广平乡高精管材产业园", "工业用地", "75", "2023-01-01", "", "900"],
        ["A2", "某新材料项目", "嘉明工业区", "工业用地", "45", "2024-07-15", "", "600"],
        ["A3", "某项目", "郑家镇工业集中区", "工业用地", "10", "2024-07-15", "", "100"]])   # misspelt: not guessed
    frame = dcf.audit_idle(str(path), as_of="2025-12-31").frame
    assert frame["location_method"].tolist() == ["按地名定位", "按地名定位", "位置不明"]
    assert frame["cluster_zh"].astype(str).tolist()[:2] == ["高精管材特色产业集聚区", "嘉明经济开发区"]
    assert frame["township_zh"].astype(str).iloc[0] == "广平镇"
    reasons = frame["place_reason"].astype(str).tolist()
    assert reasons[0].startswith("按地名“高精管材产业园”定位为高精管材特色产业集聚区") and "待核实" in reasons[0]
    assert reasons[1].startswith("按地名“嘉明工业区”定位为嘉明经济开发区") and "第一章第一节" in reasons[1]


@pytest.mark.parametrize("text, unit", [("嘉明园区", "嘉明经济开发区"), ("郑家镇产业园", "郑家镇工业集聚区"),
                                        ("郑家乡工业园", "郑家镇工业集聚区"), ("高精管材集聚区", "高精管材特色产业集聚区")])
def test_a_single_check_by_such_a_name_is_placed_and_says_the_form(text, unit):
    match, _ = site_text_match(text, gazetteer())
    assert match.place is not None and match.place.unit_name == unit
    assert f"“{text}”为规划名称的常见写法" in match.place.describe_zh() and "待核实" in match.place.describe_zh()


def test_a_form_two_clusters_share_is_not_made_and_still_asks():
    from dcf_spatial.place_variants import variant_names

    # two clusters of one township: 甲镇产业园 could be either (工业集聚区 → 产业园, 特色产业集聚区 → 产业园)
    class Unit:
        def __init__(self, name, uid):
            self.unit_name, self.unit_id = name, uid

    forms = {f: u.unit_id for f, u, _ in variant_names([Unit("甲镇工业集聚区", "a"), Unit("甲镇特色产业集聚区", "b")], set())}
    assert "甲镇产业园" not in forms and "甲镇集聚区" not in forms
    assert forms["甲镇工业区"] == "a" and forms["甲镇特色产业园"] == "b"
    # an existing name of another unit is never taken over by a form
    assert "郑家镇工业园区" not in {f for f, _, _ in variant_names([Unit("郑家镇工业集聚区", "x")], {"郑家镇工业园区"})}
