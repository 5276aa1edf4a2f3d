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
    drawn = next(s for s in re.split(r"[。]", readme) if s.startswith("在地图上画的场地，读取说明写"))
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
