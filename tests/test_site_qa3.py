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
    # (at a parcel of the bearing park: "somewhere in the cluster" includes its 物流产业园, 有条件符合 for a factory)
    assert dcf.check_site("115.74161,36.46135", "C313").verdict == "fits"


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


# ---- the 核查意见 (DOCX/PDF) as a planner reads them -------------------------------------------------
# the QA user's case: a 40-亩 bearing plant at (115.7353, 36.3611) in 张炉集镇, outside every cluster
# (第八章第一节); 郑家镇工业集聚区 is its designated cluster ("重点发展轴承及保持器产业"), 7.6 km away
QA_SITE = "115.7353,36.3611"
CONDITIONAL = {"industry_outside_clusters": "conditional"}


def _docx_text(path) -> tuple[list[str], list[list[str]]]:
    from docx import Document

    d = Document(str(path))
    return ([p.text for p in d.paragraphs],
            [[c.text for c in r.cells] for t in d.tables for r in t.rows])


def _pdf_pages(path) -> list[str]:
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("needs poppler-utils (pdftotext)")
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")


@pytest.fixture(scope="module")
def qa_reports(tmp_path_factory):
    from dcf_spatial.desk.docx_report import write_docx
    from dcf_spatial.desk.pdf_report import write_pdf

    d = tmp_path_factory.mktemp("qa3")
    out = {}
    for tag, policy in (("default", None), ("cond", CONDITIONAL)):
        a = dcf.check_site(QA_SITE, "轴承", area_mu=40, policy=policy)
        out[tag] = (a, write_docx(a, d / f"{tag}.docx"), write_pdf(a, d / f"{tag}.pdf"))
    return out


@pytest.mark.parametrize("tag, setting", [("default", "应入园：不符合（默认口径）"),
                                          ("cond", "引导入园：有条件符合（本次选用，非默认口径）")])
def test_reports_state_the_policy_in_chinese_in_the_inputs_and_under_the_verdict(qa_reports, tag, setting):
    _, docx, pdf = qa_reports[tag]
    paras, rows = _docx_text(docx)
    policy_rows = [r for r in rows if r[0] == "规划管理部门口径"]
    assert policy_rows and policy_rows[0][1] == "集聚区外新建工业项目——" + setting
    line = "核查口径：集聚区外新建工业项目——" + setting
    assert line in paras
    pdf_text = "".join(_pdf_pages(pdf)).replace(" ", "")
    assert line in pdf_text.replace("\n", "")
    for text in ("\n".join(paras) + str(rows), pdf_text):
        assert "industry_outside_clusters" not in text and "=conditional" not in text


def test_indicator_notes_name_fields_in_chinese(qa_reports):
    import re

    _, docx, pdf = qa_reports["cond"]
    _, rows = _docx_text(docx)
    notes = [r[4] for r in rows if len(r) == 5 and r[2] != "控制值"]
    assert any("未提供总建筑面积" in n for n in notes)
    assert not [n for n in notes if re.search(r"（[a-z_0-9]+）", n)], notes
    assert not re.search(r"（[a-z_]+_(m2|wan|mu)）", "".join(_pdf_pages(pdf)))


def test_a_pdf_heading_is_never_the_last_line_of_a_page(qa_reports):
    headings = ("核查输入", "判定理由", "涉及分区", "对口分区（由近及远）", "用地控制指标", "数据说明")
    for tag in ("default", "cond"):
        pages = [p for p in _pdf_pages(qa_reports[tag][2]) if p.strip()]
        assert len(pages) >= 2
        for page in pages[:-1]:
            last = [ln.strip() for ln in page.splitlines() if ln.strip()][-1]
            assert last not in headings, (tag, last)


def test_the_report_picture_shows_where_the_plan_sends_the_project(tmp_path):
    import io

    import numpy as np
    from PIL import Image

    from dcf_spatial.desk.docx_report import DESIGNATED_RGB, map_picture

    a = dcf.check_site(QA_SITE, "轴承", area_mu=40)
    info = map_picture(a, tmp_path / "m.png")
    first = info["designated"][0]
    assert first["name_zh"] == "郑家镇工业集聚区" and first["in_frame"]   # 7.6 km: drawn in the frame
    assert "郑家镇工业集聚区" in info["legend"] and any(t.startswith("对口分区") for t in info["legend"])
    rgb = np.asarray(Image.open(io.BytesIO((tmp_path / "m.png").read_bytes())).convert("RGB")).astype(int)
    green = np.abs(rgb - np.array([int(DESIGNATED_RGB[i:i + 2], 16) for i in (1, 3, 5)])).sum(axis=-1) < 40
    assert green.sum() > 200   # the dashed outline and the arrow with its distance
    # 钢管 in 郑家: 高精管材 is 33 km away, beyond the frame: an arrow points to it
    far = map_picture(dcf.check_site("郑家镇工业集聚区", "钢管"), tmp_path / "f.png")["designated"]
    assert far[0]["name_zh"] == "高精管材特色产业集聚区" and not far[0]["in_frame"]


# ---- point features and point sites ------------------------------------------------------------------
def test_a_point_feature_is_listed_as_a_point_not_as_a_share_of_the_township():
    from dcf_spatial.queries.site.present import summary_text

    a = dcf.check_site("堂邑镇", "葫芦")
    res = a.results[0]
    town = [z for z in res["zones"] if z["name_zh"] == "堂邑福禄文旅小镇"]
    assert town and town[0].get("point")
    line = next(ln for ln in summary_text(res).splitlines() if "堂邑福禄文旅小镇" in ln and ln.strip().startswith("-"))
    assert "点位" in line and "%" not in line


def test_a_point_site_without_area_says_area_unknown_in_the_reports(tmp_path):
    from dcf_spatial.desk.docx_report import write_docx

    a = dcf.check_site(QA_SITE, "轴承")
    paras, _ = _docx_text(write_docx(a, tmp_path / "p.docx"))
    assert any(p.startswith("场地面积：面积未知（点位）") for p in paras)
    assert "0 亩" not in paras
