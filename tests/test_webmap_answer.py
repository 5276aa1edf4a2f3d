"""answer_map: offline in real Chromium, escaped popups, every row drawn, statuses, basemaps."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from browser import click_latlng, image_is_blank, make_fixture_store, needs_chromium, open_offline
from dcf_spatial import settings
from dcf_spatial.errors import InputError
from dcf_spatial.maps import offline, webmap

EVIL = "<script>alert(1)</script>"
TOOLTIP = ".leaflet-tooltip:not(.dcf-label)"  # a feature's hover tooltip (township labels are tooltips too)

CONTEXT_LABELS = ["区界（法定行政区域）", "镇（街道）界（示意）", "工业集聚区", "农业示范区", "中心城区服务业引领核",
                  "现代服务业发展带", "服务业功能组团", "服务业特色小镇（多点）"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = make_fixture_store(tmp_path_factory.mktemp("store") / "store.gpkg", evil_name=EVIL)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "store", path)
        yield path


def _answer():
    return gpd.GeoDataFrame(
        {"name": [EVIL, "二号地块", "三号地块", "无几何地块"],
         "verdict": ["符合", "不符合", "符合", "需核实"],
         "area_mu": [12.5, 30.0, 7.25, None]},
        geometry=[box(115.75, 36.32, 115.77, 36.34), box(115.91, 36.40, 115.93, 36.42), Point(115.85, 36.35), None],
        crs="EPSG:4490",
    )


@pytest.fixture(scope="module")
def answer_html(store, tmp_path_factory):
    path = tmp_path_factory.mktemp("answer") / "answer.html"
    webmap.answer_map(_answer(), path, title="选址核查：测试项目", label_field="name", status_field="verdict",
                      popup_fields={"name": "地块名称", "verdict": "结论", "area_mu": "面积（亩）"},
                      provenance_note="样例地块为合成数据")
    return path


def test_html_has_no_remote_reference_and_no_raw_script_from_data(answer_html):
    html = answer_html.read_text(encoding="utf-8")
    assert offline.remote_references(html) == []
    assert EVIL not in html  # the value is in the page only in escaped form
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in html


def test_remote_reference_check_catches_a_plain_folium_map(tmp_path):
    import folium

    html = folium.Map().get_root().render()
    refs = offline.remote_references(html)
    assert any("leaflet" in r for r in refs)
    with pytest.raises(offline.OfflineAssetError, match="外部资源"):
        offline.assert_offline(html, where="plain folium")


@needs_chromium()
def test_answer_map_offline_in_chromium(answer_html, tmp_path):
    def act(page):
        # hover and click the evil parcel: the tooltip and popup must show the text, run nothing
        click_latlng(page, 36.33, 115.76, hover=TOOLTIP, expect=".leaflet-popup-content")

    rep = open_offline(answer_html, screenshot=tmp_path / "answer.png", actions=act, evaluate={
        "layers": "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label')).map(e => e.textContent.trim())",
        "popup": "(Array.from(document.querySelectorAll('.leaflet-popup-content')).pop() || {}).innerText || null",
        "tooltip": "Array.from(document.querySelectorAll('.leaflet-tooltip:not(.dcf-label)')).map(e => e.textContent)",
        "scripts": "document.querySelectorAll('script').length",
        "legend": "document.querySelector('.dcf-legend').innerText",
        "controls": "Array.from(document.querySelectorAll('.dcf-button')).map(e => e.textContent)",
        "scale": "document.querySelector('.leaflet-control-scale-line').textContent",
    })
    assert rep.external_requests == []
    assert rep.console_errors == [] and rep.page_errors == []
    assert rep.dialogs == []  # no alert() ran
    # the zones the answer lies in are outlined and named (所在分区) between the context and the answer
    assert rep.evaluated["layers"] == CONTEXT_LABELS + ["所在分区", "查询结果", "查询结果（点）"]
    assert EVIL in rep.evaluated["popup"] and "地块名称" in rep.evaluated["popup"] and "符合" in rep.evaluated["popup"]
    assert EVIL in rep.evaluated["tooltip"]
    legend = rep.evaluated["legend"]
    assert "符合（2）" in legend and "不符合（1）" in legend and "需核实（1，其中 1 个未上图）" in legend
    assert "1 条记录无几何" in legend and "合成数据" in legend and "示意图层" in legend
    assert rep.evaluated["controls"] == ["全屏", "测距"]
    assert "km" in rep.evaluated["scale"] and "mi" not in rep.evaluated["scale"]
    assert not image_is_blank(rep.screenshot)


@needs_chromium()
def test_township_label_with_markup_stays_text(answer_html):
    rep = open_offline(answer_html, evaluate={
        "labels": "Array.from(document.querySelectorAll('.dcf-label')).map(e => e.textContent)",
        "injected": "document.querySelectorAll('.dcf-label script, .leaflet-popup script').length",
    })
    assert EVIL in rep.evaluated["labels"]
    assert rep.evaluated["injected"] == 0 and rep.dialogs == []


@needs_chromium()
def test_geometry_survives_the_compact_encoding(store, tmp_path):
    """Vertices decoded in the browser match the input to the encoding precision (1e-5°)."""
    poly = box(115.812345, 36.301234, 115.823456, 36.312345)
    line = LineString([(115.70001, 36.30002), (115.75003, 36.35004), (115.80005, 36.30006)])
    gdf = gpd.GeoDataFrame({"name": ["面", "线"]}, geometry=[poly, line], crs="EPSG:4490")
    path = webmap.answer_map(gdf, tmp_path / "geom.html", title="编码测试", context=[])
    rep = open_offline(path, evaluate={"coords": """(() => { const out = [];
        window.dcfMap.eachLayer(l => { if (l._dcf !== undefined && l.getLatLngs) {
            const ll = l.getLatLngs(); const flat = (Array.isArray(ll[0]) ? ll[0] : ll);
            out.push(flat.map(p => [p.lng, p.lat])); } });
        return out; })()"""})
    decoded = sorted(rep.evaluated["coords"], key=len)
    expected_line = list(line.coords)
    expected_ring = list(poly.exterior.coords)[:-1]  # Leaflet closes rings itself
    assert len(decoded) == 2
    assert max(abs(a - b) for p, q in zip(decoded[0], expected_line) for a, b in zip(p, q)) < 1e-5
    got_ring = decoded[1]
    assert len(got_ring) == len(expected_ring)
    for ex, ey in expected_ring:  # every corner is there, within half the quantum (0.5e-5°)
        assert min(max(abs(ex - x), abs(ey - y)) for x, y in got_ring) <= 0.5e-5 + 1e-9


def test_refuses_to_overwrite(answer_html):
    with pytest.raises(InputError, match="overwrite"):
        webmap.answer_map(_answer(), answer_html, title="再次")


def test_bad_fields_and_crs_are_named(store, tmp_path):
    with pytest.raises(InputError, match="status_field='结论'"):
        webmap.answer_map(_answer(), tmp_path / "x.html", title="t", status_field="结论")
    no_crs = _answer().set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="没有坐标系"):
        webmap.answer_map(no_crs, tmp_path / "y.html", title="t")
    assert not (tmp_path / "x.html").exists() and not (tmp_path / "y.html").exists()


def test_tianditu_needs_its_key(store, tmp_path, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(InputError, match="TIANDITU_KEY"):
        webmap.answer_map(_answer(), tmp_path / "t.html", title="t", basemap="tianditu")
    monkeypatch.setenv("TIANDITU_KEY", "abc123")
    html = webmap.answer_map(_answer(), tmp_path / "t.html", title="t", basemap="tianditu").read_text(encoding="utf-8")
    assert "tianditu.gov.cn" in html and "tk=abc123" in html


def test_gaode_basemap_shifts_data_to_gcj02_and_says_so(store, tmp_path):
    from dcf_spatial import crs as dcf_crs

    site = gpd.GeoDataFrame({"name": ["点"]}, geometry=[Point(115.98, 36.45)], crs="EPSG:4490")
    plain = webmap.answer_map(site, tmp_path / "plain.html", title="t", context=[]).read_text(encoding="utf-8")
    gaode = webmap.answer_map(site, tmp_path / "gaode.html", title="t", context=[], basemap="gaode").read_text(encoding="utf-8")

    def point_coords(html):
        m = re.search(r'dcf\.layer\([^,]+, \{"c":\[(-?\d+),(-?\d+)\]', html)
        return int(m.group(1)) / 1e5, int(m.group(2)) / 1e5

    assert point_coords(plain) == pytest.approx((115.98, 36.45), abs=1e-5)
    lon, lat = dcf_crs.wgs84_to_gcj02(115.98, 36.45)
    assert point_coords(gaode) == pytest.approx((float(lon), float(lat)), abs=1e-5)
    assert "GCJ-02" in gaode and "GCJ-02" not in plain  # the map says the data is shifted
    assert "autonavi.com" in gaode


def test_every_row_is_counted_even_without_geometry(store, tmp_path):
    gdf = _answer()
    path = webmap.answer_map(gdf, tmp_path / "rows.html", title="t", status_field="verdict", context=[])
    html = path.read_text(encoding="utf-8")
    ns = [int(n) for n in re.findall(r'"n":(\d+)', html)]
    assert sum(ns) == 3  # two polygons and one point are drawn ...
    assert "1 条记录无几何" in html  # ... and the row without geometry is reported, not dropped
    assert "需核实（1，其中 1 个未上图）" in html  # its status still counts in the legend, and says it is not drawn


@needs_chromium()
def test_large_layer_renderer_keeps_hover_click_and_escaping(store, tmp_path, monkeypatch):
    """Layers above [web] fast_render_min_features use the batched canvas layer: same behaviour."""
    from dcf_spatial.maps import style as map_style

    text = map_style.style_path.read_text(encoding="utf-8")
    custom = tmp_path / "style.toml"
    custom.write_text(re.sub(r"fast_render_min_features = \d+", "fast_render_min_features = 2", text), encoding="utf-8")
    monkeypatch.setattr(map_style, "style_path", custom)
    path = webmap.answer_map(_answer(), tmp_path / "big.html", title="大图层", label_field="name", status_field="verdict")
    assert '"big":true' in path.read_text(encoding="utf-8")

    def act(page):
        tips = "window.__tips = Array.from(document.querySelectorAll('.leaflet-tooltip:not(.dcf-label)')).map(e => e.textContent)"
        click_latlng(page, 36.33, 115.76, hover=TOOLTIP, click=False)  # read the tooltip before a click hides it
        page.evaluate(tips)
        click_latlng(page, 36.33, 115.76, expect=".leaflet-popup-content")

    rep = open_offline(path, actions=act, evaluate={
        "popup": "(Array.from(document.querySelectorAll('.leaflet-popup-content')).pop() || {}).innerText || null",
        "tooltip": "window.__tips",
        "canvas": "document.querySelectorAll('canvas.dcf-big').length",
    })
    assert rep.console_errors == [] and rep.page_errors == [] and rep.dialogs == []
    assert rep.evaluated["canvas"] >= 1  # (context layers above the threshold use it too)
    assert EVIL in rep.evaluated["tooltip"]
    assert EVIL in rep.evaluated["popup"] and "符合" in rep.evaluated["popup"]


@needs_chromium()
def test_holes_and_multipolygons_and_projected_input(store, tmp_path):
    from shapely.geometry import MultiPolygon, Polygon

    holed = Polygon([(115.80, 36.40), (115.84, 36.40), (115.84, 36.44), (115.80, 36.44)],
                    [[(115.81, 36.41), (115.83, 36.41), (115.83, 36.43), (115.81, 36.43)]])
    multi = MultiPolygon([box(115.90, 36.40, 115.91, 36.41), box(115.92, 36.40, 115.93, 36.41)])
    gdf = gpd.GeoDataFrame({"name": ["带洞", "多部件"]}, geometry=[holed, multi], crs="EPSG:4490")
    projected = gdf.to_crs("EPSG:4548")  # answers may come in the working CRS
    path = webmap.answer_map(projected, tmp_path / "holes.html", title="洞与多部件", context=[], label_field="name")
    rep = open_offline(path, evaluate={"shapes": """(() => { const out = {};
        window.dcfMap.eachLayer(l => { if (l._dcf !== undefined && l.getLatLngs) {
            const ll = l.getLatLngs(); out[l._dcf] = [ll.length, Array.isArray(ll[0][0]) ? ll[0].length : 0,
                                                      l.getBounds().getWest(), l.getBounds().getSouth()]; } });
        return out; })()"""})
    shapes = rep.evaluated["shapes"]
    assert shapes["0"][0] == 2  # outer ring + hole
    assert shapes["1"][0] == 2 and shapes["1"][1] == 1  # two parts of one ring each
    assert shapes["0"][2] == pytest.approx(115.80, abs=2e-5) and shapes["0"][3] == pytest.approx(36.40, abs=2e-5)
    assert rep.console_errors == [] and rep.page_errors == []
