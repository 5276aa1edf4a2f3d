"""The rule book, the GB/T 4754 resolver and the land-use indicator tables."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dcf_spatial import industry, plan
from dcf_spatial.errors import InputError
from dcf_spatial.queries.land_indicators import check_indicators, indicator_table

REPO = Path(__file__).resolve().parents[1]
#: the plan text lies beside the repository (``../shared/plan/``), in CI as on the developers' machines
PLAN_TEXT_REL = "../shared/plan/dongchangfu_industry_plan_2021-2030.txt"
PLAN_TEXT = (REPO / PLAN_TEXT_REL).resolve()
REF = re.compile(r"^第[一二三四五六七八九十]+章(第[一二三四五六七八九十]+节)?")


# --- resolver -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,codes", [
    ("C3451", ("C3451",)), ("3451", ("C3451",)), ("345", ("C345",)), ("34", ("C34",)), ("C", ("C",)),
    ("c 3612", ("C3612",)), ("36, 38", ("C36", "C38")), ("C3459", ("C3459",)),
    ("轴承", ("C3451",)), ("新能源汽车", ("C3612",)), ("水泥", ("C3011",)), ("蔬菜加工", ("C1371",)),
    ("养老", ("Q85",)), ("无缝钢管", ("C313",)), ("汽车制造业", ("C36",)),
])
def test_resolves_codes_at_every_level_and_words(value, codes):
    m = industry.resolve_industry(value)
    assert m.codes == codes
    assert all(n for n in m.names_zh)


def test_ambiguous_word_lists_candidates_instead_of_guessing():
    m = industry.resolve("管材")
    assert m.status == "ambiguous" and not m.codes
    assert {"C313", "C2922"} <= {c for c, _ in m.candidates}
    m2 = industry.resolve("机器人")
    assert m2.status == "ambiguous" and {"C3491", "C3492"} <= {c for c, _ in m2.candidates}


def test_unknown_word_and_bad_codes():
    m = industry.resolve("量子反重力")
    assert m.status == "unknown"
    with pytest.raises(InputError, match="量子反重力"):
        industry.resolve_industry("量子反重力")
    with pytest.raises(InputError, match="division 98 does not exist"):
        industry.resolve_industry("9812")
    with pytest.raises(InputError, match="belongs to section C"):
        industry.resolve_industry("A3451")


def test_code_table_has_all_sections_and_divisions():
    t = industry.code_table()
    assert sorted(t.index[t["level"] == "section"]) == [chr(c) for c in range(ord("A"), ord("T") + 1)]
    divs = t.index[t["level"] == "division"]
    assert len(divs) == 97 and sorted(int(d[1:]) for d in divs) == list(range(1, 98))
    for code in t.index[t["level"].isin(["group", "class"])]:
        assert code[:3] in t.index, f"{code} has no division row"


# --- rule book ------------------------------------------------------------------------------------

def test_every_rule_cites_the_plan():
    rb = plan.rules()
    refs = [r["plan_ref"] for r in rb["barred"]] + [k["plan_ref"] for k in rb["industry_kinds"]]
    refs += [p["plan_ref"] for p in rb["policy_rules"].values() if not p["plan_ref"].startswith("国土资发")]
    for ref in refs:
        assert all(REF.match(part) or part == "第八章" for part in ref.split("、")), ref
    assert "第三章第三节" in rb["policy_rules"]["enterprises_into_parks"]["plan_ref"]
    assert "第十章第四节" in rb["policy_rules"]["enterprises_into_parks"]["plan_ref"]
    for r in rb["barred"]:
        assert r["plan_ref"] == "第九章第三节"


def test_rule_book_records_the_plan_text_relative_to_the_repository():
    about = json.loads((REPO / "dcf_spatial" / "data" / "plan_rules.json").read_text(encoding="utf-8"))["_about"]
    assert about["plan_text"] == PLAN_TEXT_REL


@pytest.mark.skipif(not PLAN_TEXT.exists(), reason=f"plan text not found at {PLAN_TEXT_REL} (relative to the repository)")
def test_quotes_are_verbatim_from_the_plan_text():
    text = PLAN_TEXT.read_text(encoding="utf-8")
    rb = plan.rules()
    for r in rb["barred"]:
        assert r["quote"] in text, r["id"]
    for part in rb["policy_rules"]["enterprises_into_parks"]["quote"].split("；"):
        assert re.sub(r"（第.+节）$", "", part) in text
    assert rb["plan_area"]["quote"] in text


def test_kinds_cover_every_section_and_name_existing_rules():
    rb = plan.rules()
    for letter in "ABCDEFGHIJKLMNOPQRST":
        assert plan.industry_kind((f"{letter}",))["kind"]
        assert plan.industry_kind((f"{letter}",)).get("outside_rule") in rb["policy_rules"]
    assert plan.industry_kind(("C1371",))["kind"] == "agro_processing"
    assert plan.industry_kind(("C3451",))["kind"] == "industrial"
    assert plan.industry_kind(("A0141",))["kind"] == "agriculture"
    assert plan.industry_kind(("Q85",))["kind"] == "service"


def test_barred_rules_match_cement_foundry_chemicals_and_broad_codes():
    assert [r["id"] for r, m in plan.barred_rules(("C3011",))] == ["cement_new_capacity"]
    assert [(r["id"], m) for r, m in plan.barred_rules(("C33",))] == [("foundry_new_capacity", "partial")]
    assert [r["id"] for r, m in plan.barred_rules(("C2641",))] == ["chemical_eliminated_restricted"]
    assert plan.barred_rules(("C3451",)) == []


def test_match_semantics():
    assert plan.match(["C3130"], ["C313"]) == "full"  # C3130 is the undivided group C313
    assert plan.match(["C34"], ["C3451"]) == "full"
    assert plan.match(["C3451"], ["C34"]) == "partial"
    assert plan.match(["C3451"], ["C36"]) == "none"
    assert plan.parse_codes("C34, C3451;C3130") == ("C34", "C3451", "C313")
    assert plan.parse_codes('["C34"]') == ("C34",)


def test_every_zone_code_in_plan_zones_is_a_real_division():
    zones = plan.zones()
    assert zones, "plan_zones.json missing"
    divisions = set(industry.code_table().index)
    for zid, z in zones.items():
        for code in plan.parse_codes(z.get("industries_gbt4754")):
            assert code[:3] in divisions or code in divisions, (zid, code)


def test_designated_clusters_for_the_plan_industries():
    assert "cluster.zhengjia" in plan.designated_zone_ids(("C3451",), "industrial_clusters")
    assert "cluster.jiaming2" in plan.designated_zone_ids(("C3612",), "industrial_clusters")
    assert plan.designated_zone_ids(("C313",), "industrial_clusters") == ["cluster.guangping"]


# --- indicators -----------------------------------------------------------------------------------

def test_2017_to_2002_map():
    assert industry.to_2002_division("C3451")[0] == "35"
    assert industry.to_2002_division("C2922")[0] == "30"
    assert industry.to_2002_division("C2911")[0] == "29"
    assert industry.to_2002_division("C3612")[0] == "37"
    assert industry.to_2002_division("C2439")[0] == "42"
    assert industry.to_2002_division("C4320")[0] is None
    assert industry.to_2002_division("F52")[0] is None


def test_every_mapped_division_has_a_plot_ratio_row_with_its_edition():
    t = indicator_table()
    pr = t[t["indicator"] == "plot_ratio"]
    mapped = {c for c in industry.code_map_2002()["code_2002"] if c}
    assert mapped <= set(pr["code_2002"])
    assert (t.loc[t["indicator"] != "setting", "edition"].str.contains("国土资发〔2008〕24号")).all()


def test_indicators_boundaries_and_direct_values():
    area = 10_000.0
    ok = check_indicators(("C3451",), {"floor_area_m2": 7000, "footprint_m2": 3000, "admin_area_m2": 700,
                                       "green_area_m2": 2000}, site_area_m2=area)
    st = {r["indicator"]: r["status"] for r in ok}
    assert st == {"plot_ratio": "pass", "building_coefficient": "pass", "admin_share": "pass",
                  "green_ratio": "pass", "investment_intensity": "not_provided"}
    bad = check_indicators(("C3451",), {"floor_area_m2": 6999, "footprint_m2": 2999, "admin_area_m2": 701,
                                        "green_area_m2": 2001}, site_area_m2=area)
    assert {r["status"] for r in bad if r["indicator"] != "investment_intensity"} == {"fail"}
    direct = check_indicators(("C3451",), {"plot_ratio": 1.2, "green_ratio": 0.25}, site_area_m2=None)
    d = {r["indicator"]: r for r in direct}
    assert d["plot_ratio"]["status"] == "pass" and d["green_ratio"]["status"] == "fail"
    assert d["building_coefficient"]["status"] == "not_provided"
    pct = {r["indicator"]: r for r in check_indicators(("C3451",), {"green_ratio": 15}, site_area_m2=None)}
    assert pct["green_ratio"]["value"] == pytest.approx(0.15) and pct["green_ratio"]["status"] == "pass"
    assert "百分数" in pct["green_ratio"]["note"]
    inv = check_indicators(("C3451",), {"investment_wan": 4000}, site_area_m2=area)
    inv = {r["indicator"]: r for r in inv}["investment_intensity"]
    assert inv["value"] == pytest.approx(4000.0) and inv["status"] == "no_threshold"


def test_ambiguous_candidates_are_listed_in_the_same_order_every_run():
    """Candidate order must not depend on Python's string-hash seed (it decides the example code)."""
    import os
    import subprocess
    import sys

    code = "from dcf_spatial.industry import resolve; print([c for c, _ in resolve('机械').candidates])"
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3", "4")}
    assert len(outs) == 1
    # the full GB/T 4754-2017 table: every name (or project word: 食品机械 → C3531, W10; 机械厂 → C34 / C35, W11)
    # containing 机械, broadest first (the C35 classes lie under C35), then code order
    assert outs.pop().strip() == "['C34', 'C35', 'C38', 'C43', 'F517', 'L711', 'A0512']"
