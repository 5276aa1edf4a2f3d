"""The maps' CJK font: subsets of the variable Noto Sans SC holding just the maps' text.

Issue 13, goal 5: the first map run must not spend ~25 s instancing all 30,000 glyphs; the maps
draw with a subset cut to their characters. What must hold: the subset has the text's glyphs, the
same text gives the same bytes from two fresh caches (README command 1 leaves the committed maps as
they are), and text outside the subset never becomes tofu.
"""

from __future__ import annotations

import base64
import io
import re
import subprocess

import pytest
from fontTools.ttLib import TTFont

from browser import make_fixture_store, needs_poppler
from dcf_spatial import settings
from dcf_spatial.maps import fonts

TITLE = "聊城市东昌府区产业布局示意图"


def test_a_subset_holds_its_text_and_little_else(tmp_path, monkeypatch):
    monkeypatch.setenv("DCF_CACHE_DIR", str(tmp_path / "cache"))
    files = fonts.subset_files(TITLE)
    assert sorted(files) == [400, 700]
    for path in files.values():
        assert fonts.missing_glyphs(TITLE + fonts.BASE_TEXT.strip(), path) == []
        assert fonts.missing_glyphs("龘", path) == ["龘"]  # a character of the font, not of the text: left out
        font = TTFont(path)
        assert len(font.getGlyphOrder()) < 2_000  # the full font has about 30,000
        assert "fvar" not in font  # a static instance: matplotlib draws the instance's weight
    assert TTFont(files[400])["OS/2"].usWeightClass == 400
    assert TTFont(files[700])["OS/2"].usWeightClass == 700


def test_the_same_text_gives_the_same_font_bytes_from_two_fresh_caches(tmp_path, monkeypatch):
    got = []
    for name in ("a", "b"):
        monkeypatch.setenv("DCF_CACHE_DIR", str(tmp_path / name))
        got.append({w: p.read_bytes() for w, p in fonts.subset_files(TITLE).items()})
    assert got[0] == got[1]
    # the derived font keeps the source font's timestamp (fontTools would stamp the time of saving)
    source = TTFont(fonts.variable_font_path(), lazy=True)["head"].modified
    assert TTFont(io.BytesIO(got[0][400]))["head"].modified == source


def test_web_font_css_is_a_subset_of_the_page_text_and_the_same_from_fresh_caches(tmp_path, monkeypatch):
    css = []
    for name in ("a", "b"):
        monkeypatch.setenv("DCF_CACHE_DIR", str(tmp_path / name))
        css.append(fonts.web_font_css(TITLE))
    assert css[0] == css[1]
    datas = re.findall(r"base64,([A-Za-z0-9+/=]+)\)", css[0])
    assert len(datas) == 2 and "font-weight:700" in css[0]
    font = TTFont(io.BytesIO(base64.b64decode(datas[0])))
    cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in TITLE) and ord("龘") not in cmap


def test_uncovered_tells_a_gap_of_the_subset_from_a_character_no_font_has(tmp_path, monkeypatch):
    monkeypatch.setenv("DCF_CACHE_DIR", str(tmp_path / "cache"))
    rc = fonts.print_rc("东昌府")
    assert fonts.uncovered("东昌府 区", rc) == ("", "")  # 区 is in the style file's probe text
    # 龘: in Noto Sans SC, not in this subset (derive a larger one); U+E000: in no font (tofu)
    assert fonts.uncovered("东昌府龘\ue000", rc) == ("龘", "\ue000")


@pytest.fixture
def store(map_store):
    return map_store


@needs_poppler()
def test_text_outside_the_shared_subset_is_drawn_in_the_cjk_font_not_tofu(store, tmp_path, monkeypatch):
    from dcf_spatial.maps import print_layout

    monkeypatch.setenv("DCF_CACHE_DIR", str(tmp_path / "cache"))
    # as if the map's text were not known in advance: the subset holds only the base characters
    monkeypatch.setattr(print_layout, "appendix_text", lambda store=None: "")
    pdf = print_layout.print_map("fig3", tmp_path / "out", formats=("pdf",))["pdf"]
    listed = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in listed.splitlines()[2:]]
    # every glyph from Noto Sans SC: none fell back to DejaVu Sans (which has no Chinese: tofu)
    assert names and all("NotoSansSC" in n for n in names), listed
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = text.replace(" ", "")
    assert "聊城市东昌府区七大农业示范园区示意图" in text and "测试镇3" in text
    # the map was drawn again with a subset holding its text
    assert len(list((tmp_path / "cache" / "fonts").glob("NotoSansSC-w400-*.ttf"))) == 2


def test_a_label_no_font_can_draw_fails_loudly_naming_the_map_and_character(tmp_path, monkeypatch):
    from dcf_spatial.maps import print_layout

    path = make_fixture_store(tmp_path / "store.gpkg", evil_name="测试\ue000镇")
    monkeypatch.setattr(settings, "store", path)
    monkeypatch.setenv("DCF_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(fonts.FontError) as err:
        print_layout.print_map("fig3", tmp_path / "out", formats=("png",))
    msg = str(err.value)
    assert "附图3" in msg and "\\ue000" in msg and "方框（tofu）" in msg
    assert not (tmp_path / "out").exists()  # nothing half-written


@needs_poppler()
def test_a_map_drawn_alone_is_the_same_file_as_drawn_with_the_others(store, tmp_path):
    from dcf_spatial.maps import appendix, print_layout

    together = appendix.appendix_maps(tmp_path / "all", formats=["pdf"])
    alone = print_layout.print_map("fig2", tmp_path / "alone", formats=("pdf",))
    assert alone["pdf"].read_bytes() == together["fig2"]["pdf"].read_bytes()
    text = subprocess.run(["pdftotext", str(alone["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
    assert "聊城市东昌府区四大工业聚集区示意图" in text.replace(" ", "")


def test_the_fonts_characters_are_kept_and_read_back_without_fonttools(tmp_path, monkeypatch):
    # issue 13: every audit's web map asked fontTools which characters the CJK font has (~0.2–0.5 s of
    # CPU per process); the answer is kept in the font cache and read back the same
    import fontTools.ttLib

    monkeypatch.setenv("DCF_CACHE_DIR", str(tmp_path / "cache"))
    src = fonts.variable_font_path()
    fonts._cmap.cache_clear()
    try:
        first = fonts._cmap(str(src), src.stat().st_mtime_ns)
        with TTFont(src, lazy=True) as font:
            assert first == frozenset(font.getBestCmap())
        assert len(list((tmp_path / "cache" / "fonts").glob("cmap-*.npy"))) == 1
        fonts._cmap.cache_clear()

        def no_fonttools(*a, **k):
            raise AssertionError("the font was read again")

        monkeypatch.setattr(fontTools.ttLib, "TTFont", no_fonttools)
        assert fonts._cmap(str(src), src.stat().st_mtime_ns) == first
        assert fonts.missing_glyphs(TITLE + "龘\ue000", src) == ["\ue000"]
    finally:
        fonts._cmap.cache_clear()
