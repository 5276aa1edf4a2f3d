"""A park takes its cluster's rule entry by reference (``plan_rules.json`` → ``zone_rules`` → ``same_as``).

第八章第一节 writes 嘉明经济开发区 “重点发展智能制造、新能源新材料、农副产品深加工” and its 新材料产业园 “主要发展节能新材料、环保
等产业”; both read C30 through the 节能环保建材 of 第四章第五节, one clause. The park holds that clause once, as a
reference to the cluster's entry, with only its own wording of 第八章第一节; a reference that points nowhere stops the
rule book from loading, naming the file and the key. That the verdicts of every reader case are unchanged is shown by
``tests/test_plan_cases.py`` (all reader sets) run on the changed rule book.
"""

from __future__ import annotations

import pytest

from dcf_spatial import plan
from dcf_spatial.errors import SchemaError

from _rule_book import rule_book_from, shipped_rule_book

PARK, CLUSTER = "park.jiaming.new_materials", "cluster.jiaming"


def _c30(entries) -> list[dict]:
    return [e for e in entries if e.get("narrows_code") == "C30" or e.get("same_as")]


def test_the_park_writes_the_c30_clause_once_as_a_reference_to_its_cluster():
    raw = shipped_rule_book()["zone_rules"]
    refs = [e for e in raw[PARK]["conditional"] if "same_as" in e]
    assert [(e["same_as"], e["id"]) for e in refs] == [(CLUSTER, "c30_mixed_products"), (CLUSTER, "c30_not_named")]
    # nothing of the clause is copied: codes, quotes, the plan's words for the fitting and unfitting products
    for e in refs:
        assert not {"codes", "quote", "plan_ref", "fits_words", "unfit_words", "narrows", "kept_zh"} & set(e), e


def test_the_park_reads_c30_as_its_cluster_does_in_its_own_words_of_8_1():
    park, cluster = (_c30(plan.zone_rule(z)["conditional"]) for z in (PARK, CLUSTER))
    assert len(park) == len(cluster) == 2
    for p, c in zip(park, cluster):
        own = ("reason_zh", "unfit_reason_zh")   # the texts that quote 第八章第一节 for the zone
        assert {k: v for k, v in p.items() if k not in (*own, "same_as")} == \
            {k: v for k, v in c.items() if k not in own}
        # 第八章第一节 for the park: “新材料产业园：主要发展节能新材料、环保等产业”; for the cluster “新能源新材料”
        # (QA session 30 F4: the clay-brick reason at the park quoted the cluster's words)
        for key in own:
            if key in c:
                assert "主要发展节能新材料、环保等产业" in p[key] and "“新能源新材料”" in c[key], key
    # the park's own entry (C359 → 环保, 第八章第一节) stays after the two
    assert plan.zone_rule(PARK)["conditional"][2]["narrows_code"] == "C359"


@pytest.mark.parametrize("edit, says", [
    (lambda ref: ref.update(same_as="cluster.jiamng"), ["「cluster.jiamng」", "是否为「cluster.jiaming」"]),
    (lambda ref: ref.update(id="c30_mixed"), ["「c30_mixed」", "c30_mixed_products、c30_not_named"]),
    (lambda ref: ref.pop("id"), ["须同时写明 id"]),
], ids=["zone_mistyped", "id_unknown", "id_missing"])
def test_a_reference_that_points_nowhere_stops_the_rule_book_loading(edit, says, tmp_path, monkeypatch):
    data = shipped_rule_book()
    edit(data["zone_rules"][PARK]["conditional"][0])
    with rule_book_from(data, tmp_path, monkeypatch) as path, pytest.raises(SchemaError) as exc:
        plan.rules()
    msg = str(exc.value)
    assert str(path) in msg and f"zone_rules.{PARK}.conditional[0]" in msg, msg
    for s in says:
        assert s in msg, msg


def test_a_reference_to_a_reference_is_refused(tmp_path, monkeypatch):
    data = shipped_rule_book()
    zr = data["zone_rules"]
    zr["park.jiaming.smart_mfg"]["conditional"] = [{"same_as": PARK, "id": "c30_not_named"}]
    with rule_book_from(data, tmp_path, monkeypatch), pytest.raises(SchemaError, match="本身也是引用"):
        plan.rules()


def test_a_reference_to_an_id_the_cluster_holds_twice_is_refused(tmp_path, monkeypatch):
    # breaker3 B2: a second cluster entry with the referenced id (e.g. pasted while editing) was taken silently —
    # the park then read C3031 as the first copy said, with no word of the other
    data = shipped_rule_book()
    entries = data["zone_rules"][CLUSTER]["conditional"]
    first = next(e for e in entries if e.get("id") == "c30_mixed_products")
    entries.insert(0, {**first, "codes": ["C3021"], "reason_zh": "另一条"})
    with rule_book_from(data, tmp_path, monkeypatch), pytest.raises(SchemaError, match="2 条同一 id") as err:
        plan.rules()
    assert "zone_rules.park.jiaming.new_materials.conditional" in str(err.value)
    assert "plan_rules.json" in str(err.value)
