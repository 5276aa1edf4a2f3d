"""A site check's title never ends in a bare colon, and a desk report's title names its project (QA session 31 F8).

「新能源客车车身」 read as two codes (C366, C3612) with one verdict, so the reading had no single label: the
title was 「项目选址核查：」 with nothing after it, in the HTML report and the desk's DOCX/PDF (the project's name
on the next line). Real desk (``dcf serve``), shipped layers; the PDF read back with pdftotext.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

from _shipped import shipped

pytestmark = shipped

BODY = {"site": "第二片区", "industry": "新能源客车车身", "project": "公交车身项目"}


def test_a_reading_of_several_codes_titles_the_check_with_the_words_typed():
    import dcf_spatial as dcf

    # 「新材料」 reads as several codes; 梁水镇 holds no cluster, so each reading gives the same verdict (第八章第一节)
    answer = dcf.check_site("梁水镇", "新材料")
    assert answer.title == "项目选址核查：新材料"
    assert not answer.title.endswith("：")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)")
def test_the_desk_pdf_and_docx_titles_name_the_project(desk, tmp_path):
    pdf = desk.post("/api/site-check/export/pdf", json=BODY)
    assert pdf.status_code == 200, pdf.text
    (tmp_path / "r.pdf").write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert text.splitlines()[0] == "项目选址核查：公交车身项目", text[:200]
    docx = desk.post("/api/site-check/export/docx", json=BODY)
    from docx import Document

    assert Document(io.BytesIO(docx.content)).paragraphs[0].text == "项目选址核查：公交车身项目"
    without = desk.post("/api/site-check/export/pdf", json={"site": "梁水镇", "industry": "新材料"})
    (tmp_path / "n.pdf").write_bytes(without.content)
    text = subprocess.run(["pdftotext", str(tmp_path / "n.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert text.splitlines()[0] == "项目选址核查：新材料", text[:200]
