"""What a reviewer sees first in the site check's reports (QA new-user round, findings 10, 11, 16, 18).

- 16: the HTML report put the data-source tables, the inputs and 读取说明 before the verdict, and showed layer
  ids (district, townships, town.371502105000 …): the verdict comes first, as in the 核查意见, and layers and
  units are named in Chinese; ids only in the provenance table, where one looks a layer up.
- 11: the map picture of a 65-亩 报批 site was framed on the whole cluster: the parcels were a few pixels.
- 10: a zone's callout was cut by the map frame («承保持器智能制造产业园…», its 轴 lost).
- 18: the README said a site drawn on the map has no GPKG/TXT download; it has (only a site placed by a name has not).
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: a 50-亩 site in 郑家镇工业集聚区's 轴承保持器智能制造产业园 (the QA's typed point)
SITE = "115.7416,36.4614"


def _text(html: str) -> str:
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", "\n", html))


def test_html_report_gives_the_verdict_first_and_names_layers_in_chinese(tmp_path):
    import dcf_spatial as dcf

    answer = dcf.check_site(SITE, "轴承", area_mu=50)
    html = answer.to_report(tmp_path / "r.html").read_text(encoding="utf-8")
    text = _text(html)
    verdict = text.index("结论：符合")
    for later in ("输入", "读取说明", "数据说明"):
        assert verdict < text.index(f"\n{later}\n"), later
    # no layer or unit id outside the provenance table
    body, _, provenance = html.partition("<h2>数据说明</h2>")
    ids = [r["layer"] for r in answer.results[0]["provenance"]["layers"]]
    shown = [i for i in ids if re.search(rf"(?<![\w.]){re.escape(i)}(?![\w.])", _text(body))]
    assert shown == []
    assert "town." not in body
    assert "没有 landuse 图层" not in _text(body)          # the reasons as the 核查意见 words them
    assert all(i in provenance for i in ids)                  # where a user looks a layer up, its id is given
    assert "规划范围镇（街道）" in _text(provenance)


def test_batch_report_still_starts_with_its_summary(tmp_path):
    import dcf_spatial as dcf

    csv = tmp_path / "清单.csv"
    csv.write_text("项目名称,行业,经度,纬度\n甲,轴承,115.7416,36.4614\n乙,轴承,115.98,36.45\n", encoding="utf-8")
    text = _text(dcf.check_batch(str(csv)).to_report(tmp_path / "b.html").read_text(encoding="utf-8"))
    assert text.index("汇总") < text.index("\n数据说明\n")


def test_readme_says_drawn_sites_download_and_named_sites_do_not():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    drawn = next(s for s in re.split(r"[。]", readme) if s.startswith("画的或提交的几何"))
    assert "不提供" not in drawn and "可下载场地 GPKG / 报批坐标 TXT" in drawn
    assert "这样的场地不提供场地 GPKG / 报批坐标 TXT 下载" in readme


def test_a_drawn_polygon_downloads_as_txt_and_gpkg(desk):
    ring = [[115.7405, 36.4607], [115.7427, 36.4607], [115.7427, 36.4621], [115.7405, 36.4621], [115.7405, 36.4607]]
    body = {"site": {"type": "Polygon", "coordinates": [ring]}, "crs": "EPSG:4326", "industry": "轴承"}
    txt = desk.post("/api/site-check/export/txt", json=body)
    assert txt.status_code == 200, txt.text
    assert ",面," in txt.content.decode("gbk")
    gpkg = desk.post("/api/site-check/export/gpkg", json=body)
    assert gpkg.status_code == 200 and gpkg.content[:16] == b"SQLite format 3\x00"


# ---- findings 10 and 11: the 核查意见's map picture ---------------------------------------------------------

def _map_box_px():
    from dcf_spatial.desk.docx_report import FIG_INCHES, MAP_BOX

    w, h = FIG_INCHES[0] * 150, FIG_INCHES[1] * 150   # the picture is drawn at 150 dpi; display y from the bottom
    return MAP_BOX[0] * w, MAP_BOX[1] * h, (MAP_BOX[0] + MAP_BOX[2]) * w, (MAP_BOX[1] + MAP_BOX[3]) * h


def test_a_small_approved_site_is_legible_in_the_report_map(tmp_path):
    """The QA's two 地块 (65 亩, about 470 m across) in 郑家镇工业集聚区: the reviewer must see their red-line
    shape — the site spans a good part of the map, not a few pixels — and still see where it lies in the
    cluster (a locator showing the touched zones whole)."""
    import dcf_spatial as dcf
    from dcf_spatial.desk.docx_report import map_picture
    from test_site_crs_said import TXT

    (tmp_path / "报批坐标.txt").write_bytes(TXT)
    info = map_picture(dcf.check_site(str(tmp_path / "报批坐标.txt"), "轴承"), tmp_path / "m.png")
    x0, y0, x1, y1 = _map_box_px()
    sx0, sy0, sx1, sy1 = info["site_extent"]
    assert (sx1 - sx0) >= 0.3 * (x1 - x0), (info["site_extent"], (x0, x1))
    assert info["locator"] and {"industrial_clusters", "cluster_parks"} <= set(info["locator"]["zones"])
    lx0, ly0, lx1, ly1 = info["locator"]["box"]
    assert lx1 < sx0 or lx0 > sx1 or ly1 < sy0 or ly0 > sy1           # the locator does not hide the site


def test_no_label_is_cut_by_the_map_frame(tmp_path):
    """郑家镇王屯村, 做轴承的: the callout «轴承保持器智能制造产业园（场地与其相交）» lost its 轴 at the left edge."""
    import dcf_spatial as dcf
    from dcf_spatial.desk.docx_report import map_picture

    info = map_picture(dcf.check_site("郑家镇王屯村", "做轴承的"), tmp_path / "m.png")
    x0, y0, x1, y1 = _map_box_px()
    labels = [(t, box) for t, box in info["labels"] if "场地与其相交" in t]
    assert any(t.startswith("轴承保持器智能制造产业园") for t, _ in labels)
    for text, (bx0, by0, bx1, by1) in info["labels"]:
        assert bx0 >= x0 and bx1 <= x1 and by0 >= y0 and by1 <= y1, (text, (bx0, by0, bx1, by1), (x0, y0, x1, y1))
