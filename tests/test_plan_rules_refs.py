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


# --- 智能制造产业园 and 第二片区 (session 31): the clauses of 第四章第三节 they share with 嘉明经济开发区 ----------------
# 第四章第三节 names “以嘉明智能制造产业园、嘉明经济开发区第二片区为载体” for 智能装备 and writes one set of products for them
# (高档数控机床, 工业机器人, 特种合金, 电力装备 …); 第四章第一节 puts 轴承 in 郑家镇工业集聚区. One clause, one entry: the parks
# and 第二片区 take it by reference, so that an edit of the clause reaches every zone it speaks for.
JIAMING = ("cluster.jiaming", "park.jiaming.smart_mfg", "park.jiaming.new_materials", "park.jiaming.agrifood",
           "park.jiaming.logistics", "park.jiaming.rd_services", "cluster.jiaming2", "park.jiaming2.yiye",
           "park.jiaming2.yiyou", "park.jiaming2.yiju")


@pytest.mark.parametrize("zone, key", [("park.jiaming.smart_mfg", "also"), ("park.jiaming.smart_mfg", "belongs_elsewhere"),
                                       ("cluster.jiaming2", "also")])
def test_no_entry_of_smart_mfg_or_the_second_area_copies_another_jiaming_zones(zone, key):
    raw = shipped_rule_book()["zone_rules"]
    others = [e for z in JIAMING if z != zone for e in raw.get(z, {}).get(key, []) if "same_as" not in e]
    copies = [e for e in raw[zone].get(key, []) if "same_as" not in e and e in others]
    assert copies == [], f"{zone}.{key}: written out again instead of same_as: {[e['codes'] for e in copies]}"


@pytest.mark.parametrize("zone, key, ref", [
    ("park.jiaming.smart_mfg", "also", "c342_cnc_machine_tools"),
    ("cluster.jiaming2", "also", "c342_cnc_machine_tools"),
    ("park.jiaming.smart_mfg", "belongs_elsewhere", "bearings_in_zhengjia"),
])
def test_an_edit_of_the_clusters_clause_reaches_the_zones_that_take_it(zone, key, ref, tmp_path, monkeypatch):
    data = shipped_rule_book()
    source = next(e for e in data["zone_rules"][CLUSTER][key] if e.get("id") == ref)
    source["quote"] = source["quote"] + "（改）" if isinstance(source["quote"], str) else [*source["quote"], "（改）"]
    with rule_book_from(data, tmp_path, monkeypatch):
        taken = [e for e in plan.zone_rule(zone)[key] if e.get("id") == ref]
        assert len(taken) == 1 and "（改）" in str(taken[0]["quote"])
        assert {k: v for k, v in taken[0].items() if k != "same_as"} == source
