"""The 核查意见 PDF never fails on a long text: an imported layer's ~1,500-character name_zh made
fpdf2 raise "row too high" (a table row cannot span pages) and the desk answer 500."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from dcf_spatial import settings
from dcf_spatial.desk import pdf_report
from dcf_spatial.queries import check_site

LONG = "东昌府区某某特别长的园区名称" * 110  # 1,540 characters


class _LongNames:
    """A real SiteCheck whose zone names (and one reason) are the long text."""

    def __init__(self, answer):
        self._answer = answer

    def __getattr__(self, name):
        return getattr(self._answer, name)

    def to_dict(self):
        d = self._answer.to_dict()
        for z in d["zones"] + d.get("designated_zones", []):
            z["name_zh"] = LONG
            z["layer_title_zh"] = LONG
        d["reasons"] = d["reasons"] + [{"text_zh": LONG}]
        return d


@pytest.fixture()
def shipped_store(monkeypatch):
    monkeypatch.delenv("DCF_STORE", raising=False)
    monkeypatch.setattr(settings, "store", settings.default_store)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)")
def test_a_1500_character_zone_name_is_cut_not_a_failure(shipped_store, tmp_path):
    answer = check_site("115.75,36.455", "轴承", area_mu=50)
    assert answer.to_dict()["zones"], "the site must touch a zone for the table to be drawn"
    out = pdf_report.write_pdf(_LongNames(answer), tmp_path / "核查意见.pdf")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    text = text.replace("\n", "")
    assert "全文见 DOCX/HTML" in text                    # the cell was cut, saying where the full text is
    assert LONG[-30:] in text                           # the paragraph (a reason) wraps across lines, not cut
