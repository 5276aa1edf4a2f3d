"""QA round 3: a site check's reasons and report as a planner reads them, on the shipped layers.

Cases written from the plan: 郑家 takes C313 only for the bearings' upstream “上游引进钢板、钢带等原料企业”
(第四章第一节), while 钢管 goes to 广平镇高精管材特色产业园 “积极承接开发区钢管产业转移” (第四章第四节).
"""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

import dcf_spatial as dcf
from dcf_spatial import plan
from dcf_spatial.industry import resolve


def _plan_words() -> list[str]:
    """The industry words the project lists with the plan's chapter (industry_words.csv, plan_ref set)."""
    text = resources.files("dcf_spatial.data").joinpath("industry_words.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO("".join(ln for ln in text.splitlines(True) if not ln.startswith("#"))))
    return sorted({w.strip() for r in rows if r["plan_ref"] for w in r["keywords"].split(";") if w.strip()})


def test_steel_pipe_in_zhengjia_names_why_not_never_not_listed():
    a = dcf.check_site("郑家镇工业集聚区", "钢管")
    assert a.verdict == "conditional"
    text = "\n".join(r["text_zh"] for r in a.results[0]["reasons"])
    # the positioning lists C313: the reason must not say it "不含" the project's industry …
    assert "不含本项目行业" not in text
    # … but say why C313 in 郑家 is not for 钢管 (第四章第一节 钢板、钢带 vs 第四章第四节 高精管材)
    assert "C313" in text and "钢板、钢带" in text and "第四章第四节" in text and "高精管材" in text
    # the code itself fits 郑家 (钢板、钢带 are C3130 too)
    assert dcf.check_site("郑家镇工业集聚区", "C313").verdict == "fits"


def test_no_reason_says_a_listed_code_is_not_in_the_positioning():
    """Every plan word whose code a zone's positioning lists but that the zone does not take (a word the
    plan gives to another zone at a finer grain than GB/T 4754): no reason may say 不含 of a positioning
    that lists the word's code."""
    from dcf_spatial.queries.site.context import load_context

    ctx = load_context()
    cases = []
    for w in sorted(set(_plan_words()) | {"钢管", "管材"}):  # 钢管 as the QA user typed it
        m = resolve(w)
        if not m.codes:
            continue
        for lid in ("industrial_clusters", "cluster_parks", "agri_zones", "service_core", "service_belts"):
            lay = ctx.layers.get(lid)
            if lay is None:
                continue
            for z in range(len(lay.ids)):
                base = lay.base_codes[z] if lay.base_codes else lay.codes[z]
                if (plan.match(tuple(lay.codes[z]), m.codes) == "full"
                        and plan.zone_match(lay.ids[z], base, m.codes, m.query)[0] != "full"):
                    cases.append((w, lay.names[z], m.codes))
    assert ("钢管", "郑家镇工业集聚区", ("C313",)) in cases  # the QA case is among them
    bad = []
    for w, zone, codes in cases:
        for r in dcf.check_site(zone, w).results[0]["reasons"]:
            if "不含本项目" in r["text_zh"]:
                bad.append((w, zone, r["text_zh"][:120]))
    assert bad == []
