"""Task F8S: a breaker's findings in words, the chemical-park list and a named site's string geometry.

2. 日化 is 日用化学产品制造 (C268), not C354, the machinery “印刷、制药、日化及日用品生产专用设备制造” whose name lists the
   industries it serves; 油墨 is C2642 油墨及类似产品制造 (its verdict is the class's, not the group C264's).
3. ``plan_rules.json → chemical_parks.recognised`` must be a list of ids of the store's clusters/parks: a typo'd id
   or a text instead of a list is refused, naming the key, the value and the fix; ids are compared exactly.

Expected classes are checked against the standard's own names (``code_table``).
"""

from __future__ import annotations

import json

import pytest

from dcf_spatial import plan
from dcf_spatial.errors import SchemaError
from dcf_spatial.industry import code_table, resolve
from dcf_spatial.queries import check_site

from _rule_book import rule_book_from, shipped_rule_book

NEW_MATERIALS = "115.965,36.500"   # 嘉明经济开发区 / 新材料产业园 (tests/test_rules_r15.py)


# ---- 2. words --------------------------------------------------------------------------------------------------------
def test_rihua_is_daily_chemicals_not_their_machinery():
    names = code_table()["name_zh"]
    m = resolve("日化")
    assert m.codes == ("C268",) and names["C268"] == "日用化学产品制造"
    assert resolve("日化用品").codes == ("C268",)
    # the machinery itself is still read when asked for it
    assert set(resolve("日化设备").codes) <= {"C3543", "C354"}


def test_rihua_in_the_smart_manufacturing_park_is_no_longer_read_as_machinery():
    # 第八章第一节 智能制造产业园 “主要发展高档数控机床和机器人产业”; a daily-chemicals plant is a chemical (第九章第三节,
    # 化工项目进区入园), never 符合 there as if it were C354 machinery
    answer = check_site("智能制造产业园", "日化")
    assert answer.verdict != "fits"
    assert answer.results[0]["industry"]["codes"] == ["C268"]


def test_a_word_naming_an_industry_a_machinery_class_serves_is_not_that_machinery():
    # C3512 石油钻采专用设备制造 serves oil extraction (B07): 石油钻采 alone is no reading as the machinery
    m = resolve("石油钻采")
    assert m.codes != ("C3512",)
    assert resolve("邮政专用机械").codes == ("C3593",)   # a word that names the machinery keeps it


def test_ink_is_the_ink_class_and_gets_its_verdict():
    names = code_table()["name_zh"]
    assert resolve("油墨").codes == ("C2642",) and names["C2642"] == "油墨及类似产品制造"
    # 第四章第五节 names 涂料、合成树脂 only: ink in a cluster that is no recognised chemical park does not fit
    assert check_site(NEW_MATERIALS, "油墨").verdict == check_site(NEW_MATERIALS, "C2642").verdict == "does_not_fit"


def test_no_word_on_two_rows_for_these_words():
    from dcf_spatial.industry import _table

    for w in ("日化", "油墨"):
        rows = [c for c, row in _table().items() if w in row.keywords]
        assert len(rows) == 1, (w, rows)


# ---- 3. chemical_parks.recognised ------------------------------------------------------------------------------------
def _with_recognised(monkeypatch, value):
    rules = json.loads(json.dumps(plan.rules()))
    rules["chemical_parks"]["recognised"] = value
    monkeypatch.setattr(plan, "rules", lambda: rules)


def test_a_text_instead_of_a_list_is_refused_not_read_by_substring(monkeypatch):
    _with_recognised(monkeypatch, "cluster.jiaming2")
    with pytest.raises(SchemaError) as exc:
        check_site(NEW_MATERIALS, "C2631")
    msg = str(exc.value)
    assert "plan_rules.json → chemical_parks.recognised" in msg and "cluster.jiaming2" in msg and "列表" in msg


def test_a_mistyped_id_is_refused_with_the_near_id(monkeypatch):
    _with_recognised(monkeypatch, ["cluster.jiamng"])
    with pytest.raises(SchemaError) as exc:
        check_site(NEW_MATERIALS, "C2631")
    msg = str(exc.value)
    assert "chemical_parks.recognised" in msg and "「cluster.jiamng」" in msg and "是否为「cluster.jiaming」" in msg


def test_a_listed_id_is_compared_exactly(monkeypatch):
    # 化工项目进区入园: the cluster listed takes chemicals (有条件), as in tests/test_rules_r15.py
    _with_recognised(monkeypatch, ["cluster.jiaming"])
    res = check_site(NEW_MATERIALS, "C2631").results[0]
    assert "chemical_park" not in [r["rule"] for r in res["reasons"]]
    assert plan.chemical_parks_problems({"cluster.jiaming"}) == []


def test_the_second_area_listed_does_not_make_the_first_recognised(monkeypatch):
    # "cluster.jiaming2" (嘉明经济开发区第二片区) listed: the site in 嘉明经济开发区 (cluster.jiaming) is still not in a
    # recognised park (第九章第三节 + 化工项目进区入园: does not fit)
    _with_recognised(monkeypatch, ["cluster.jiaming2"])
    assert check_site(NEW_MATERIALS, "C2631").verdict == "does_not_fit"


def test_the_rule_book_refuses_a_text_when_it_loads(tmp_path, monkeypatch):
    data = shipped_rule_book()
    data["chemical_parks"]["recognised"] = "cluster.jiaming"
    with rule_book_from(data, tmp_path, monkeypatch), pytest.raises(SchemaError, match="chemical_parks.recognised"):
        plan.rules()


def test_rules_check_reports_a_mistyped_id(monkeypatch, tmp_path):
    from dcf_spatial.queries.site.rules_table import check_rules_table, export_rules

    table = tmp_path / "规则表.xlsx"
    export_rules(table)
    _with_recognised(monkeypatch, ["park.jiaming.new_material"])
    res = check_rules_table(table)
    assert not res.ok
    assert any(col == "plan_rules.json" and "park.jiaming.new_material" in msg for _, col, msg in res.problems)
