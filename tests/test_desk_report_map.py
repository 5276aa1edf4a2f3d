"""The map picture of the 核查意见 (DOCX and PDF, issue 12): the site over the plan's zones with a
legend naming the site and every zone it touches, a scale bar, a north arrow and the provenance note
naming the schematic layers — every label drawn by the embedded CJK font (no tofu boxes)."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import numpy as np
import pytest

import dcf_spatial as dcf
from dcf_spatial.desk.docx_report import FIG_INCHES, MAP_BOX, SITE_RGB, map_picture, write_docx
from dcf_spatial.desk.pdf_report import write_pdf

# 第八章第一节: "——郑家镇工业集聚区。……重点发展轴承及保持器产业"; (115.75, 36.455) lies in the shipped
# (schematic) 郑家镇工业集聚区 and its 轴承保持器 park.
ZHENGJIA = "115.75,36.455"
BOX = "POLYGON ((115.74 36.45, 115.76 36.45, 115.76 36.46, 115.74 36.46, 115.74 36.45))"


def _pixels(png_bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png_bytes)).convert("RGB")).astype(int)


def _dark(a):
    return (a < 90).all(axis=-1)


def assert_picture_parts(rgb: np.ndarray) -> None:
    """The parts of the picture, found by their pixels where the layout puts them (figure fractions)."""
    h, w = rgb.shape[:2]
    left, bottom, width, height = MAP_BOX

    def region(x0, x1, y0, y1):  # figure fractions, y from the bottom
        return rgb[int((1 - y1) * h):int((1 - y0) * h), int(x0 * w):int(x1 * w)]

    legend = region(left + width + 0.01, 1.0, 0.5, 1.0)
    assert _dark(legend).sum() > 300, "the legend panel is empty"
    north = region(left + width * 0.85, left + width, bottom + height * 0.8, bottom + height)
    assert _dark(north).sum() > 150, "no north arrow in the map's top right corner"
    scale = region(left, left + width * 0.5, bottom, bottom + height * 0.2)
    assert _dark(scale).sum(axis=1).max() > 40, "no scale bar (a long dark bar) in the map's lower left corner"
    site = np.abs(rgb - np.array([int(SITE_RGB[i:i + 2], 16) for i in (1, 3, 5)])).sum(axis=-1) < 40
    assert site.sum() > 30, "the site is not drawn"
    note = region(0.0, 1.0, 0.0, bottom)
    assert _dark(note).sum() + ((note < 120).all(axis=-1)).sum() > 100, "no provenance note under the map"


@pytest.mark.parametrize("site", [ZHENGJIA, BOX])
def test_the_picture_has_legend_scale_bar_north_arrow_and_the_schematic_note(tmp_path, site):
    from dcf_spatial.maps.fonts import missing_glyphs

    answer = dcf.check_site(site, "轴承", area_mu=50 if site == ZHENGJIA else None)
    png = tmp_path / "map.png"
    info = map_picture(answer, png)
    assert info["legend"][0] == "场地"
    touched = {z["name_zh"] for z in answer.to_dict()["zones"]}
    assert touched and touched <= set(info["legend"])       # every zone the site touches is in the legend
    assert "郑家镇工业集聚区" in info["legend"]
    # the shipped layers are drawn from the plan's text: the picture says so, naming them
    schematic = dcf.layers().set_index("id").loc[info["layers"], "provenance"].str.contains("schematic")
    assert schematic.any() and info["note"].startswith("示意图层：")
    assert missing_glyphs("".join(info["legend"]) + info["note"] + "图例北千米米") == []   # no tofu
    rgb = _pixels(png.read_bytes())
    assert rgb.shape[:2] == (round(FIG_INCHES[1] * 150), round(FIG_INCHES[0] * 150))
    assert_picture_parts(rgb)


def test_a_site_outside_every_zone_lists_only_the_site_and_what_the_frame_shows(tmp_path):
    # (115.83, 36.60) lies in no industrial cluster of the shipped layers: 郑家镇工业集聚区 is kilometres away
    answer = dcf.check_site("115.83,36.60", "轴承")
    far = {z["name_zh"]: z["distance_km"] for z in answer.to_dict()["designated_zones"]}
    assert far["郑家镇工业集聚区"] > 5
    info = map_picture(answer, tmp_path / "map.png")
    assert info["legend"][0] == "场地"
    assert not any(z["layer"] == "industrial_clusters" for z in answer.to_dict()["zones"])
    assert "郑家镇工业集聚区" not in info["legend"]   # 郑家镇 is far away: not in the frame, not in the legend


def test_docx_and_pdf_embed_the_picture_with_its_caption(tmp_path):
    answer = dcf.check_site(ZHENGJIA, "轴承", area_mu=50)
    docx = write_docx(answer, tmp_path / "核查意见.docx")
    with zipfile.ZipFile(docx) as zf:
        media = [n for n in zf.namelist() if n.startswith("word/media/")]
        assert len(media) == 1
        assert_picture_parts(_pixels(zf.read(media[0])))
        assert "图例、比例尺、指北针见图内" in zf.read("word/document.xml").decode("utf-8")
    assert not list(tmp_path.glob("*.map.png"))      # the temporary picture is gone
    pdf = write_pdf(answer, tmp_path / "核查意见.pdf")
    if not all(shutil.which(t) for t in ("pdfimages", "pdftotext")):
        pytest.skip("needs poppler-utils (pdfimages, pdftotext)")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "图例、比例尺、指北针见图内" in text
    subprocess.run(["pdfimages", "-png", str(pdf), str(tmp_path / "img")], check=True)
    images = sorted(tmp_path.glob("img-*.png"))
    assert len(images) == 1
    assert_picture_parts(_pixels(images[0].read_bytes()))


def test_no_label_of_the_picture_falls_back_to_a_font_without_chinese(tmp_path):
    """matplotlib warns "Glyph … missing from font(s) DejaVu Sans" for each character it draws as a box:
    the picture must draw every label (legend, 北, 米, the note) with the CJK font, whatever module was
    imported before (the appendix maps no longer set a global font)."""
    import warnings

    answer = dcf.check_site(ZHENGJIA, "轴承")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert map_picture(answer, tmp_path / "map.png") is not None
    tofu = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert tofu == []


def test_a_site_named_by_a_place_shows_the_units_figures_as_the_units(tmp_path):
    """A 50 亩 bearing plant "at 郑家镇工业集聚区" (the parcel unknown): the zones table's figures are the
    unit's (29,405 亩, 100 %), so its headers must say so, not 占场地比例."""
    import docx

    answer = dcf.check_site("郑家镇工业集聚区", "轴承", area_mu=50)
    write_docx(answer, tmp_path / "r.docx")
    headers = [c.text for t in docx.Document(tmp_path / "r.docx").tables for c in t.rows[0].cells]
    assert "占该集聚区比例" in headers and "占场地比例" not in headers
