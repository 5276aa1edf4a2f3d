"""The 核查意见 PDF's font (issue 12, the desk's PDF download: "A4, CJK fonts embedded"): a cached
subset of Noto Sans SC holding GB 2312's common characters and the report's words, not the full font's
static instances (about 25 s of CPU on first use); a report with a rarer character gets a subset of its
own characters, made for it and not kept. No tofu either way: pdffonts shows the embedded CJK font,
pdftotext reads the text back, fpdf2 reports no missing glyph."""

from __future__ import annotations

import contextlib
import logging
import shutil
import subprocess

import pytest

from dcf_spatial import settings
from dcf_spatial.desk import pdf_report
from dcf_spatial.maps import fonts
from dcf_spatial.queries import check_site

#: U+9F98 龘 and U+4DAE 䶮 (CJK Extension A, as in the name 刘䶮): in Noto Sans SC, outside GB 2312
RARE = "龘䶮"

needs_poppler = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdffonts")),
                                   reason="needs poppler-utils (pdftotext, pdffonts)")


class _WithReason:
    """A real SiteCheck with one more reason (a text the report draws)."""

    def __init__(self, answer, reason: str):
        self._answer, self._reason = answer, reason

    def __getattr__(self, name):
        return getattr(self._answer, name)

    def to_dict(self):
        d = self._answer.to_dict()
        d["reasons"] = d["reasons"] + [{"text_zh": self._reason}]
        return d


@pytest.fixture()
def shipped_store(monkeypatch):
    monkeypatch.delenv("DCF_STORE", raising=False)
    monkeypatch.setattr(settings, "store", settings.default_store)


@pytest.fixture()
def own_font_cache(tmp_path, monkeypatch):
    """A font cache of this test's own (``DCF_CACHE_DIR``), holding a copy of the kept common subset: in the shared
    one, any other process drawing a map (another test run on the machine) adds a subset and trims old ones, so
    the files seen there change whatever the report does."""
    kept = [*fonts.subset_files(fonts.document_base_text()).values(), *fonts.cache_dir().glob("cmap-*.npy")]
    own = tmp_path / "cache"
    (own / "fonts").mkdir(parents=True)
    for path in kept:
        with contextlib.suppress(FileNotFoundError):   # trimmed meanwhile by another process: derived here again
            shutil.copy2(path, own / "fonts" / path.name)
    monkeypatch.setenv("DCF_CACHE_DIR", str(own))
    assert fonts.cache_dir() == own / "fonts"


def _font_cache() -> set[str]:
    return {p.name for p in fonts.cache_dir().glob("NotoSansSC-*.ttf")}


def _pdf_facts(path) -> tuple[str, list[list[str]]]:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    table = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in table.splitlines()[2:] if line.strip()]
    return text.replace("\n", ""), rows


def test_gb2312_common_is_the_standards_level_1_table():
    """GB 2312-80: level-1 hanzi are rows 16–55, 3,755 characters ordered by pinyin from 啊 to 座;
    level 2 (rows 56–87) starts with 亍. Rows 1–9 hold the symbols."""
    text = fonts.gb2312_common()
    hanzi = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    assert len(hanzi) == 3755
    assert hanzi[0] == "啊" and hanzi[-1] == "座"
    assert "亍" not in text                    # the first character of level 2
    assert "，" in text and "①" in text        # punctuation and circled numbers of the symbol rows


@needs_poppler
def test_the_report_uses_the_common_subset_and_the_cache_does_not_grow(shipped_store, own_font_cache, tmp_path,
                                                                       caplog):
    answer = check_site("115.75,36.455", "轴承", area_mu=50)
    first = pdf_report.write_pdf(answer, tmp_path / "a.pdf")
    files = fonts.document_font_files(pdf_report.report_text(pdf_report.report_blocks(answer)), scratch=tmp_path)
    assert all(p.parent == fonts.cache_dir() for p in files.values())     # the kept common subset
    kept = _font_cache()
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        other = pdf_report.write_pdf(_WithReason(answer, "聊城市东昌府区古楼街道办事处备注"), tmp_path / "b.pdf")
    assert _font_cache() == kept                                         # no file for this report
    assert not [r for r in caplog.records if "missing" in r.getMessage()]
    for path in (first, other):
        text, rows = _pdf_facts(path)
        assert answer.to_dict()["verdict_zh"] in text and "判定理由" in text
        cjk = [r for r in rows if "NotoSansSC" in r[0]]
        assert cjk and all(r[-5] == "yes" and r[-4] == "yes" for r in cjk)   # emb, sub
    assert "古楼街道办事处备注" in _pdf_facts(other)[0]


@needs_poppler
def test_a_report_with_a_rare_character_still_draws_it(shipped_store, own_font_cache, tmp_path, caplog):
    assert fonts.missing_glyphs(RARE) == []                              # the font has them …
    base = fonts.subset_files(fonts.document_base_text())
    assert fonts.missing_glyphs(RARE, base[400]) == list(sorted(RARE))   # … the common subset does not
    answer = check_site("115.75,36.455", "轴承", area_mu=50)
    pdf_report.write_pdf(answer, tmp_path / "warm.pdf")
    kept = _font_cache()
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        out = pdf_report.write_pdf(_WithReason(answer, f"项目负责人：刘{RARE[1]}，商标“{RARE[0]}”"), tmp_path / "rare.pdf")
    assert not [r for r in caplog.records if "missing" in r.getMessage()]
    text, rows = _pdf_facts(out)
    assert f"刘{RARE[1]}" in text and f"“{RARE[0]}”" in text
    assert [r for r in rows if "NotoSansSC" in r[0] and r[-5] == "yes"]
    assert _font_cache() == kept                       # the report's own subset was not kept
    assert not list(tmp_path.glob("*.ttf"))


def test_a_character_no_font_has_is_marked_and_named_not_dropped(tmp_path):
    """fpdf2 leaves out a character its font has no glyph for (𠀀 U+20000, an emoji): a zone or project
    name would change without a trace. The PDF prints 〓 in its place and names the code points."""
    import subprocess

    import dcf_spatial as dcf
    from dcf_spatial.desk.pdf_report import write_pdf

    answer = dcf.check_site("115.75,36.455", "轴承")
    answer.inputs = {**(answer.inputs or {}), "项目名称": "🏭𠀀测试龘"}
    pdf = write_pdf(answer, tmp_path / "r.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "〓〓测试龘" in text
    assert "U+1F3ED" in text and "U+20000" in text
