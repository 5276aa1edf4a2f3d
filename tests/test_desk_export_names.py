"""A site check's download is named after what it says — the project, the verdict, the 口径, the date — for the
page and for a caller of ``POST /api/site-check/export/{fmt}`` alike (review: every API download was
核查意见.docx / 核查意见.pdf, so a second project's file overwrote the first one's)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

#: outside every cluster: a bearing plant (C3451) there is 不符合 under the default 口径 (应入园) and 有条件符合
#: under 引导入园 (plan_rules.json → office_policies → industry_outside_clusters; 第三章第三节)
OUTSIDE = "115.76,36.40"
DAY = "2026-06-30"


def _names(response) -> tuple[str, str]:
    """(the ASCII ``filename``, the RFC 5987 ``filename*`` decoded) of a download."""
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    ascii_name = disposition.split('filename="', 1)[1].split('"', 1)[0]
    return ascii_name, unquote(disposition.split("filename*=UTF-8''", 1)[1])


@pytest.mark.parametrize("fmt, base", [("docx", "核查意见"), ("pdf", "核查意见"), ("html", "核查报告")])
def test_an_api_download_carries_the_project_the_verdict_and_the_date(desk, fmt, base):
    r = desk.post(f"/api/site-check/export/{fmt}",
                  json={"site": OUTSIDE, "industry": "C3451", "project": "甲/乙:轴承项目", "date": DAY})
    ascii_name, name = _names(r)
    assert name == f"{base}_甲_乙_轴承项目_不符合_{DAY}.{fmt}"
    assert ascii_name == f"download.{fmt}"            # clients that read ASCII only still get the suffix


def test_two_projects_and_two_policies_are_told_apart(desk):
    body = {"site": OUTSIDE, "industry": "C3451", "date": DAY}
    assert _names(desk.post("/api/site-check/export/pdf", json=body))[1] == f"核查意见_不符合_{DAY}.pdf"
    chosen = {**body, "project": "丙项目", "policy": {"industry_outside_clusters": "conditional"}}
    assert _names(desk.post("/api/site-check/export/pdf", json=chosen))[1] == f"核查意见_丙项目_有条件符合_非默认口径_{DAY}.pdf"
    # the default setting named explicitly is the default 口径, not «非默认»
    default = {**body, "policy": {"industry_outside_clusters": "does_not_fit"}}
    assert _names(desk.post("/api/site-check/export/docx", json=default))[1] == f"核查意见_不符合_{DAY}.docx"


def test_a_project_name_cannot_make_a_path_or_hide_the_suffix(desk):
    # a path, a line break and a right-to-left override (which would show «…exe.docx» as «…xcod.exe»)
    project = "../..\\报告\n\u202eexe.甲"
    _, name = _names(desk.post("/api/site-check/export/docx", json={"site": OUTSIDE, "industry": "C3451",
                                                                   "project": project, "date": DAY}))
    assert name == f"核查意见_报告_exe.甲_不符合_{DAY}.docx"
    assert not any(c in name for c in "/\\\n\u202e")
