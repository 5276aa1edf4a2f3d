"""How the site came, as the 核查意见 says it (QA round 11, F11).

A planner signs the 核查意见 on what it says about the site. A GeoJSON geometry that another system
(the 一张图 platform) sent to ``POST /api/site-check`` was nobody's drawing: the report, the HTML report
and the JSON must not say 在地图上绘制. The desk's page marks the sites clicked or drawn on its own
map; a file keeps its name; a typed "lon,lat" or place name is shown as given.
"""

from __future__ import annotations

import io
import re
import subprocess

import pytest

from browser import chromium_path, click_latlng, make_fixture_store, needs_chromium, needs_poppler
from test_desk_browser import _check as _check_verdict, _pick_industry

#: a 522-亩 polygon in 郑家镇 (a site the 一张图 platform sends as one GeoJSON geometry)
POSTED = {"type": "Polygon", "coordinates": [[[115.745, 36.452], [115.752, 36.452], [115.752, 36.457],
                                              [115.745, 36.457], [115.745, 36.452]]]}


def _docx_cells(data: bytes) -> dict[str, str]:
    from docx import Document

    doc = Document(io.BytesIO(data))
    return {r.cells[0].text: r.cells[1].text for t in doc.tables for r in t.rows if len(r.cells) >= 2}


def _body(**more):
    return {"site": POSTED, "industry": "轴承", "crs": "EPSG:4326", "project": "一张图推送项目", **more}


def test_a_geometry_another_system_posts_is_not_said_drawn_on_the_map(desk):
    answer = desk.post("/api/site-check", json=_body())
    assert answer.status_code == 200, answer.text
    j = answer.json()
    # the JSON (what dcf site check --json prints: no 核查输入) says it in its 读取说明
    assert "地图上绘制" not in answer.text
    assert any("通过接口提交的 GeoJSON 几何" in n and "WGS84" in n for n in j["read_notes"])

    cells = _docx_cells(desk.post("/api/site-check/export/docx", json=_body()).content)
    assert cells["场地"].startswith("通过接口以 GeoJSON 几何提交的多边形：4 个顶点") and "亩" in cells["场地"]
    assert "通过接口提交的 GeoJSON 几何" in cells["坐标系"]
    assert not any("地图上绘制" in v for v in cells.values())

    html = desk.post("/api/site-check/export/html", json=_body()).text
    assert "通过接口以 GeoJSON 几何提交的多边形" in html and "地图上绘制" not in html


def test_a_point_posted_as_a_feature_is_said_posted_too(desk):
    point = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [115.75, 36.455]}}
    cells = _docx_cells(desk.post("/api/site-check/export/docx", json={"site": point, "industry": "轴承"}).content)
    assert cells["场地"] == "通过接口以 GeoJSON 几何提交的点位：115.750000,36.455000（面积未知）"
    assert "地图上" not in cells["坐标系"]


@needs_poppler()
def test_the_pdf_of_a_posted_geometry_says_it_came_through_the_interface(desk, tmp_path):
    r = desk.post("/api/site-check/export/pdf", json=_body())
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    pdf = tmp_path / "核查意见.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "通过接口以GeoJSON几何提交的多边形" in flat
    assert "地图上绘制" not in flat


def test_the_page_says_which_sites_were_drawn_and_the_api_refuses_a_wrong_flag(desk):
    # the page sends drawn_on_map for a site clicked or drawn on its map: then, and only then, 在地图上绘制
    j = desk.post("/api/site-check", json=_body(drawn_on_map=True)).json()
    assert any(n.startswith("场地在本系统地图上绘制") for n in j["read_notes"])
    cells = _docx_cells(desk.post("/api/site-check/export/docx", json=_body(drawn_on_map=True)).content)
    assert cells["场地"].startswith("在地图上绘制的多边形：4 个顶点") and cells["坐标系"].startswith("在地图上绘制")
    point = {"site": {"type": "Point", "coordinates": [115.75, 36.455]}, "industry": "轴承", "drawn_on_map": True}
    cells = _docx_cells(desk.post("/api/site-check/export/docx", json=point).content)
    assert cells["场地"].startswith("在地图上点选的点位：115.750000,36.455000")
    # a flag that is not true/false is an invalid field, as every other
    assert desk.post("/api/site-check", json=_body(drawn_on_map="maybe")).status_code == 422
    # a typed site is shown as typed, whatever the flag
    typed = {"site": "115.75,36.455", "industry": "轴承", "drawn_on_map": True}
    assert _docx_cells(desk.post("/api/site-check/export/docx", json=typed).content)["场地"] == "115.75,36.455"


# ---- the page: what it sends for a site drawn on its map, and what the report then says ----------------

@pytest.fixture(scope="module")
def site_page(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    from _desk_server import running_desk

    store = make_fixture_store(tmp_path_factory.mktemp("store") / "store.gpkg")
    with running_desk(store) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        sent = []
        page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/site-check") else None)
        page.goto(url + "/site", wait_until="load")
        page.wait_for_function("window.dcfReady === true", timeout=60_000)
        yield page, sent
        browser.close()


def _check(page):
    """The page's answer to 核查 (test_desk_browser's click-and-wait), as the JSON the page received."""
    _check_verdict(page)
    return page.evaluate("window.dcfLastAnswer")


@needs_chromium()
def test_a_polygon_drawn_on_the_page_is_said_drawn_a_typed_one_is_not(site_page, tmp_path):
    page, sent = site_page
    page.click("#site-tabs button[data-mode=polygon]")
    lat, lon = 36.34, 115.75   # inside the fixture store's 嘉明经济开发区 box (browser.make_fixture_store)
    for dlat, dlon in ((-0.005, -0.005), (-0.005, 0.005), (0.005, 0.005), (0.005, -0.005)):
        click_latlng(page, lat + dlat, lon + dlon)
    page.click("#poly-finish")
    _pick_industry(page, "C34")
    answer = _check(page)
    assert sent[-1]["drawn_on_map"] is True
    assert any(n.startswith("场地在本系统地图上绘制") for n in answer["read_notes"])
    cells = _download_docx(page)
    assert cells["场地"].startswith("在地图上绘制的多边形：4 个顶点") and cells["坐标系"].startswith("在地图上绘制")

    # then a typed "lon,lat": no longer a drawn site
    page.click("#site-tabs button[data-mode=text]")
    page.fill("#site-text", "115.75,36.34")
    page.click("#site-text-go")
    _check(page)
    assert "drawn_on_map" not in sent[-1]
    cells = _download_docx(page)
    assert cells["场地"] == "115.75,36.34" and "地图上" not in cells.get("坐标系", "")


def _download_docx(page) -> dict[str, str]:
    with page.expect_download() as dl:
        page.click("[data-export=docx]")
    with open(dl.value.path(), "rb") as f:
        return _docx_cells(f.read())


def test_a_geometry_posted_in_metres_is_described_from_the_site_read_not_its_numbers(desk):
    # the same 522-亩 polygon sent in CGCS2000 3° zone 39 metres (EPSG:4548) with its crs: the 核查意见 gives
    # its 亩 and centre in lon/lat, never the cut coordinate text
    import pyproj

    to_m = pyproj.Transformer.from_crs(4490, 4548, always_xy=True)
    metres = {"type": "Polygon", "coordinates": [[list(to_m.transform(x, y)) for x, y in POSTED["coordinates"][0]]]}
    body = {"site": metres, "crs": "EPSG:4548", "industry": "轴承"}
    cells = _docx_cells(desk.post("/api/site-check/export/docx", json=body).content)
    assert re.fullmatch(r"通过接口以 GeoJSON 几何提交的多边形：4 个顶点，522\.\d\d 亩，中心 115\.7485\d\d,36\.4545\d\d",
                        cells["场地"]), cells["场地"]
    # the CRS the site was read in, and that the caller named it (not a guess, not the file)
    assert cells["坐标系"].startswith("EPSG:4548") and cells["坐标系"].endswith("用户指定")
    notes = desk.post("/api/site-check", json=body).json()["read_notes"]
    assert "场地为通过接口提交的 GeoJSON 几何，按用户指定的 EPSG:4548 读入" in notes
    assert not any("文件" in n for n in notes)
