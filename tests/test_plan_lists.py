"""The plan's own lists, swept clause by clause (task R9, issue 10).

``tests/plan_cases/plan_lists.csv`` lists every activity that 第四章 (each cluster and functional park), 第五章,
第六章 and 第八章第一节–第三节 name for a place (a cluster, park, block, agricultural zone, belt, group, service
town or township), with the plan's words verbatim, and the verdict the text gives. Each row runs through
``dcf site check --site … --industry … --json`` (the runner of ``test_plan_cases.py``) and must get that verdict
**and** a reason that cites the clause the verdict rests on (``reason_cites``, else ``chapter_section``: where the
tool rests the verdict on the place's own designation in 第八章, that clause). A row the tool cannot yet answer
carries ``known_gap`` and runs as ``xfail(strict=True)``. See the R9 section of ``tests/plan_cases/README.md``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from test_plan_cases import PLAN_TEXT, VERDICTS, run_case, site_of

LISTS_FILE = Path(__file__).parent / "plan_cases" / "plan_lists.csv"
COLUMNS = ["row_id", "place", "chapter_section", "plan_words", "industry", "extra", "expected_verdict", "why",
           "reason_cites", "known_gap"]
SECTION = r"第[一二三四五六七八九十]+章第[一二三四五六七八九十]+节"

with LISTS_FILE.open(encoding="utf-8", newline="") as _f:
    ROWS = list(csv.DictReader(_f))


def _param(row: dict):
    marks = [pytest.mark.xfail(strict=True, reason=f"{row['known_gap']} — {row['why']}")] if row["known_gap"] else []
    return pytest.param(row, id=row["row_id"], marks=marks)


@pytest.mark.parametrize("row", [_param(r) for r in ROWS])
def test_plan_list_row(row):
    answer = run_case(dict(row, case_id=row["row_id"]))
    said = " / ".join(r.get("text_zh", "") for r in answer.get("reasons", []))
    assert answer["verdict"] == row["expected_verdict"], (
        f"{row['row_id']} {row['chapter_section']} “{row['plan_words']}”: {row['industry']} at {row['place']}"
        f" — expected {row['expected_verdict']} ({row['why']}); the tool said {answer['verdict']}: {said}")
    cites = row["reason_cites"] or row["chapter_section"]
    assert cites in said, f"{row['row_id']}: the reasons do not cite {cites}: {said}"


def test_plan_lists_are_well_formed():
    assert len(ROWS) >= 100
    with LISTS_FILE.open(encoding="utf-8", newline="") as f:
        assert next(csv.reader(f)) == COLUMNS
    ids = [r["row_id"] for r in ROWS]
    assert len(ids) == len(set(ids)), "row_id must be unique"
    for r in ROWS:
        assert re.fullmatch(r"pl-\d{3}", r["row_id"]), r["row_id"]
        assert r["expected_verdict"] in VERDICTS, r["row_id"]
        assert re.fullmatch(SECTION, r["chapter_section"]), r["row_id"]
        assert not r["reason_cites"] or re.fullmatch(SECTION, r["reason_cites"]), r["row_id"]
        assert r["plan_words"] and r["why"] and r["industry"] and r["place"], r["row_id"]
        site_of(r["place"])


def test_plan_lists_cover_the_swept_chapters():
    """The sweep covers 第四章, 第五章/第六章 words and every section of 第八章第一节–第三节."""
    sections = {r["chapter_section"] for r in ROWS}
    for s in ("第四章第一节", "第四章第二节", "第四章第三节", "第四章第四节", "第八章第一节", "第八章第二节",
              "第八章第三节", "第六章第一节", "第五章第二节"):
        assert s in sections, s
    places = {r["place"] for r in ROWS}
    for p in ("park.jiaming.smart_mfg", "park.jiaming.agrifood", "park.jiaming.new_materials",
              "park.jiaming.logistics", "park.jiaming.rd_services", "park.jiaming2.yiye", "park.jiaming2.yiyou",
              "park.jiaming2.yiju", "park.zhengjia.bearing", "park.zhengjia.auto_parts", "park.zhengjia.logistics",
              "park.guangping.production", "park.guangping.market", "park.guangping.services",
              "park.guangping.innovation", "park.guangping.resettlement", "agri.vegetable", "agri.grain",
              "agri.grape", "agri.tcm", "agri.fishery", "agri.gourd", "agri.aroma", "belt.canal", "belt.jingjiu",
              "belt.hunan", "group.leisure", "group.commerce", "group.digital", "group.eldercare"):
        assert p in places, p


@pytest.mark.skipif(not PLAN_TEXT.exists(), reason=f"plan text not on this machine ({PLAN_TEXT})")
def test_plan_list_words_are_verbatim():
    plan = PLAN_TEXT.read_text(encoding="utf-8")
    wrong = [r["row_id"] for r in ROWS if r["plan_words"] not in plan]
    assert not wrong, f"plan_words not found verbatim in the plan: {wrong}"
