"""A new user's QA (qa_user FINDINGS F12): in the 核查意见 PDF a sentence's last "。" wrapped onto a line of its own
(fpdf2 breaks Chinese at any character). Chinese typesetting's 禁则 — the Unicode line-breaking rules (UAX #14) —
let no line open with a closing mark (。，、；：）”》) nor end with an opening one (（“《). Read back with pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from dcf_spatial.desk.pdf_report import write_pdf
from dcf_spatial.queries import check_site

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)")

CLOSING = "。，、；：？！）”’》」』〕】"
OPENING = "（“‘《「『〔【"


@needs_poppler
@pytest.mark.parametrize("site, industry", [("115.75,36.455", "轴承"), ("116.14,36.47", "钢管厂"),
                                            ("郑家镇", "冷库"), ("115.98,36.45", "汽配")])
def test_no_line_of_the_pdf_opens_with_a_closing_mark_or_ends_with_an_opening_one(tmp_path, site, industry):
    answer = check_site(site, industry, record=False)
    pdf = write_pdf(answer, tmp_path / "核查意见.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert [ln for ln in lines if ln[0] in CLOSING] == []
    assert [ln for ln in lines if ln.rstrip()[-1] in OPENING] == []
    # the lines broken here lose nothing: the report's own text, read back whole
    from dcf_spatial.desk.pdf_report import _reviewed, report_blocks

    flat = re.sub(r"\s+", "", text)
    paras = [_reviewed(b)[1] for b in report_blocks(answer) if b[0] == "para"]
    assert paras and all(re.sub(r"\s+", "", p) in flat for p in paras)
