"""What an answer map shows when it opens: fitted to the answer beside the panels, context lines cut
to the district, rows without a real location listed instead of drawn, a legend that reads right."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from browser import make_fixture_store, needs_chromium, open_offline
from dcf_spatial import settings
from dcf_spatial.store import catalog
from dcf_spatial.maps import webmap

# the fixture district is the box 115.70–116.50 E, 36.30–36.54 N (tests/browser.py)
DISTRICT = box(115.70, 36.30, 116.50, 36.54)

def view_js(answer_bounds) -> str:
    return VIEW_JS.replace("ANSWER", json.dumps([float(v) for v in answer_bounds]))


#: JS: the answer's pixel box, the rectangles of the panels it must stay clear of, and the view
VIEW_JS = """(() => {
  const m = window.dcfMap, c = m.getContainer().getBoundingClientRect();
  const rel = r => [r.left - c.left, r.top - c.top, r.right - c.left, r.bottom - c.top];
  const panels = {};
  for (const [k, sel] of [['title', '.dcf-title'], ['layers', '.leaflet-control-layers'], ['legend', '.dcf-legend']]) {
    panels[k] = rel(document.querySelector(sel).getBoundingClientRect());
  }
  const a = ANSWER;  // [west, south, east, north] of the answer, in degrees
  const p = m.latLngToContainerPoint([a[3], a[0]]), q = m.latLngToContainerPoint([a[1], a[2]]);
  const box = [p.x, p.y, q.x, q.y];
  const v = m.getBounds();
  return {box: box, panels: panels, size: [c.width, c.height], zoom: m.getZoom(),
          viewKm: [m.distance(v.getSouthWest(), v.getSouthEast()) / 1000, m.distance(v.getSouthWest(), v.getNorthWest()) / 1000],
          legendSeps: Array.from(document.querySelectorAll('.dcf-legend-sep')).map(e => (e.nextElementSibling || {}).innerText)};
})()"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = make_fixture_store(tmp_path_factory.mktemp("store") / "store.gpkg")
    # a reference line that runs far past the district, like the 1:4M Grand Canal
    long_canal = gpd.GeoDataFrame(
        {"id": ["canal.grand_canal", "canal.xiao_yunhe"], "name_zh": ["京杭大运河（测试）", "小运河（测试）"],
         "plan_ref": ["第八章（测试）"] * 2, "provenance": ["reference"] * 2, "source": ["test fixture"] * 2},
        geometry=[LineString([(116.00, 35.90), (116.05, 36.42), (116.10, 37.00)]),
                  LineString([(115.82, 36.30), (115.90, 36.54)])],
        crs="EPSG:4490")
    catalog.write_layer(long_canal, "canal", store=path, source="test fixture")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "store", path)
        yield path


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _parcels():
    """Eight 500 m parcels over ~5 km × 3 km of the 70 km district: a small answer, like a park's free land."""
    cells = [box(115.80 + 0.015 * i, 36.40 + 0.015 * j, 115.805 + 0.015 * i, 36.405 + 0.015 * j)
             for i in range(4) for j in range(2)]
    return gpd.GeoDataFrame({"name": [f"地块{i}" for i in range(8)], "状态": ["候选可用地"] * 8},
                            geometry=cells, crs="EPSG:4490")


@pytest.fixture(scope="module")
def small_answer_html(store, tmp_path_factory):
    path = tmp_path_factory.mktemp("view") / "small.html"
    return webmap.answer_map(_parcels(), path, title="可用地：测试园区", label_field="name", status_field="状态")


@needs_chromium()
@pytest.mark.parametrize("size", [(1400, 1000), (1280, 720)])
def test_answer_map_opens_fitted_to_its_answer_beside_the_panels(small_answer_html, size):
    rep = open_offline(small_answer_html, size=size, evaluate={"view": view_js(_parcels().total_bounds)})
    v = rep.evaluated["view"]
    x0, y0, x1, y1 = v["box"]
    w, h = v["size"]
    assert 0 <= x0 and 0 <= y0 and x1 <= w and y1 <= h  # the whole answer is in view ...
    for name, panel in v["panels"].items():  # ... and not under the title, the layer list or the legend
        assert not _overlap(v["box"], panel), (name, v["box"], panel)
    # it fills the free part of the window: the old view (3 km margin, whole zoom steps) showed a
    # 1 km answer at a tenth of the width
    p = v["panels"]
    free_w, free_h = min(p["layers"][0], p["legend"][0]), h - p["title"][3]
    assert max((x1 - x0) / free_w, (y1 - y0) / free_h) > 0.6, v
    assert rep.console_errors == [] and rep.page_errors == []


@needs_chromium()
def test_a_single_point_opens_on_its_neighbourhood_not_on_a_speck(store, tmp_path):
    site = gpd.GeoDataFrame({"name": ["项目"], "结论": ["符合"]}, geometry=[Point(115.95, 36.42)], crs="EPSG:4490")
    path = webmap.answer_map(site, tmp_path / "point.html", title="选址核查", label_field="name", status_field="结论")
    rep = open_offline(path, size=(1280, 720), evaluate={"view": view_js(site.total_bounds)})
    v = rep.evaluated["view"]
    min_km = webmap.map_style.section("web")["answer_min_extent_m"] / 1000
    # the smaller side of the free area shows at least the minimum extent, and not a whole county
    assert min(v["viewKm"]) >= 0.9 * min_km and max(v["viewKm"]) <= 6 * min_km, v


def test_answer_view_grows_a_point_to_the_minimum_extent_and_pads_large_answers():
    to_display = lambda g: g.to_crs("EPSG:4326")  # noqa: E731
    cfg = {"answer_pad_share": 0.05, "answer_min_extent_m": 3000}
    pt = gpd.GeoDataFrame(geometry=[Point(116.0, 36.4)], crs="EPSG:4490")
    w, s, e, n = webmap.answer_view(pt, to_display, cfg)
    side = gpd.GeoSeries([Point(w, s), Point(e, s), Point(w, n)], crs="EPSG:4326").to_crs(settings.working_crs)
    assert side[0].distance(side[1]) == pytest.approx(3000, rel=0.02)
    assert side[0].distance(side[2]) == pytest.approx(3000, rel=0.02)  # (bounds of a square turned by the grid convergence)
    assert (w + e) / 2 == pytest.approx(116.0, abs=1e-4) and (s + n) / 2 == pytest.approx(36.4, abs=1e-4)
    big = gpd.GeoDataFrame(geometry=[DISTRICT], crs="EPSG:4490")
    w, s, e, n = webmap.answer_view(big, to_display, cfg)
    x0, y0, x1, y1 = gpd.GeoSeries([DISTRICT], crs="EPSG:4490").to_crs(settings.working_crs).total_bounds
    pad = 0.05 * max(x1 - x0, y1 - y0)
    got = gpd.GeoSeries([box(w, s, e, n)], crs="EPSG:4326").to_crs(settings.working_crs).total_bounds
    assert got[2] - got[0] == pytest.approx(x1 - x0 + 2 * pad, rel=0.01)


def _payloads(html: str) -> list[dict]:
    """The small JSON part of each layer payload (everything after the numeric arrays)."""
    out = []
    for m in re.finditer(r"dcf\.layer\([^,]+, (\{.*?\})\);\n", html):
        text = m.group(1)
        out.append(json.loads(re.sub(r'"(c|[a-z]+L)":(\[[^\]]*\]|null),', "", text)))
    return out


def _layers_by_name(html: str) -> dict[str, dict]:
    """Payloads keyed by the layer's name in the layer control."""
    payloads = {}
    for m in re.finditer(r"var (compact_layer_\w+) = dcf\.layer\([^,]+, (\{.*?\})\);\n", html):
        payloads[m.group(1)] = json.loads(re.sub(r'"(c|[a-z]+L)":(\[[^\]]*\]|null),', "", m.group(2)))
    return {json.loads(n): payloads[v] for n, v in re.findall(r'^\s*("[^"\n]*") : (compact_layer_\w+),?$', html, re.M)}


def _layer_coords(html: str, title: str):
    for m in re.finditer(r"dcf\.layer\([^,]+, (\{.*?\})\);\n", html):
        body = m.group(1)
        if f'"title":"{title}"' in body:
            c = json.loads(re.search(r'"c":(\[[^\]]*\])', body).group(1))
            lo = json.loads(re.search(r'"loL":(\[[^\]]*\])', body).group(1))
            return c, lo
    raise AssertionError(f"no layer titled {title}")


def _decode_lines(c, run_lengths, scale=1e5):
    pts, k = [], 0
    for n in run_lengths:
        x = y = 0
        for v in range(n):
            dx, dy = c[2 * (k + v)], c[2 * (k + v) + 1]
            x, y = (dx, dy) if v == 0 else (x + dx, y + dy)
            pts.append((x / scale, y / scale))
        k += n
    return pts


def test_context_lines_are_cut_to_the_district_for_display_only(store, tmp_path):
    path = webmap.layers_map(["district", "canal"], tmp_path / "canal.html", title="运河")
    html = path.read_text(encoding="utf-8")
    c, lo = _layer_coords(html, "运河")
    pts = _decode_lines(c, lo)
    assert pts and all(DISTRICT.buffer(2e-5).contains(Point(p)) for p in pts)  # nothing drawn outside
    assert min(y for _, y in pts) == pytest.approx(36.30, abs=2e-5)  # cut at the boundary, not short of it
    assert "运河仅绘出区界以内部分" in html  # the legend says the lines were cut
    stored = catalog.read_layer("canal")
    assert stored.total_bounds[1] == pytest.approx(35.90) and stored.total_bounds[3] == pytest.approx(37.00)


def test_lines_inside_the_district_are_drawn_whole_and_not_noted(store, tmp_path):
    path = webmap.layers_map(["district", "roads"], tmp_path / "roads.html", title="道路")
    html = path.read_text(encoding="utf-8")
    assert "仅绘出区界以内部分" not in html  # the fixture road lies inside: no false note


def test_rows_without_a_real_location_are_listed_not_drawn(store, tmp_path):
    ents = gpd.GeoDataFrame(
        {"label": ["甲企业", "乙企业", "丙企业"], "状态": ["最近", "最近", "位于其内"],
         "location_known": [True, False, True]},
        geometry=[Point(115.8, 36.4), Point(116.1, 36.45), Point(115.85, 36.42)], crs="EPSG:4490")
    html = webmap.answer_map(ents, tmp_path / "ents.html", title="最近查询", label_field="label",
                             status_field="状态", context=[]).read_text(encoding="utf-8")
    (answer,) = [p for p in _payloads(html) if p.get("title") == "最近查询"]
    assert answer["n"] == 2 and answer["props"]["label"] == ["甲企业", "丙企业"]
    # points carry a light halo, not a darker shade of their fill: a red dot stays visible on a red cluster
    assert {st["color"] for st in answer["styles"]} == {webmap.map_style.section("web")["point_halo"]} == {"#ffffff"}
    assert "乙企业" in html and "未上图" in html  # named in the legend note
    assert "最近（2，其中 1 个未上图）" in html and "位于其内（1）" in html


@needs_chromium()
def test_unnamed_legend_entries_are_not_read_as_part_of_the_group_above(store, tmp_path):
    path = webmap.layers_map(["industrial_clusters", "service_core"], tmp_path / "legend.html", title="图例")
    rep = open_offline(path, evaluate={"view": view_js(DISTRICT.bounds)})
    assert rep.evaluated["view"]["legendSeps"] == ["中心城区服务业引领核"]


@needs_chromium()
def test_a_long_title_stays_clear_of_the_layer_list_in_a_laptop_window(store, tmp_path):
    subtitle = "嘉明经济开发区、嘉明经济开发区第二片区、郑家镇工业集聚区、高精管材特色产业集聚区及其功能园区（规划第八章第一节）"
    # other_units has the longest layer name: the layer list is as wide as on the real 附图2
    path = webmap.layers_map(["other_units", "district", "townships", "industrial_clusters", "cluster_parks", "canal"],
                             tmp_path / "title.html", title="附图2  测试标题", subtitle=subtitle)
    rep = open_offline(path, size=(1280, 720), evaluate={"view": view_js(DISTRICT.bounds)})
    p = rep.evaluated["view"]["panels"]
    assert not _overlap(p["title"], p["layers"]), p
    # the fitted view starts below the (now taller, wrapped) title: the district's top edge is under it
    assert rep.evaluated["view"]["box"][1] >= p["title"][3], rep.evaluated["view"]


def test_layers_drawn_in_several_colours_show_them_all_in_the_legend(store, tmp_path):
    html = webmap.answer_map(_parcels(), tmp_path / "sw.html", title="图例色块", status_field="状态",
                             context=["district", "industrial_clusters", "service_core"]).read_text(encoding="utf-8")
    legend = json.loads(re.search(r"var c = (\{.*?\});\n", html).group(1))["legend"]
    names = [g["name"] for g in legend["groups"]]
    assert names == ["状态", "背景图层"]  # the context layers are one group, not a heading over the first alone
    items = {it["label"]: it for it in legend["groups"][1]["items"]}
    style = webmap.map_style
    cluster_colours = [style.zone_color(z, "industrial_clusters") for z in
                       ("cluster.jiaming", "cluster.jiaming2", "cluster.zhengjia", "cluster.guangping")]
    assert items["工业集聚区"]["fills"] == cluster_colours
    assert "fills" not in items["中心城区服务业引领核"]  # one colour, one swatch


def test_parks_take_their_clusters_colour_so_the_clusters_stay_readable(store, tmp_path):
    html = webmap.layers_map(["industrial_clusters", "cluster_parks"], tmp_path / "parks.html",
                             title="功能园区").read_text(encoding="utf-8")
    (parks,) = [p for p in _payloads(html) if p.get("title") == "功能园区"]
    parks_layer = catalog.read_layer("cluster_parks")
    expected = {webmap.map_style.zone_color(c, "industrial_clusters") for c in parks_layer["cluster_id"]}
    assert {st["fillColor"] for st in parks["styles"]} == expected


def test_availability_map_outlines_the_zone_searched_and_opens_on_it(store, tmp_path):
    from dcf_spatial.queries import availability as av

    zones = av.find_zones("cluster.zhengjia")
    zb = zones.total_bounds
    # two taken parcels inside the zone, one far away (not drawn: it does not touch the zone)
    parcels = gpd.GeoDataFrame(
        {"parcel_id": ["P1", "P2", "P3"], "status": ["occupied", "supplied", "occupied"]},
        geometry=[box(zb[0] + 0.005, zb[1] + 0.005, zb[0] + 0.012, zb[1] + 0.012),
                  box(zb[2] - 0.012, zb[3] - 0.012, zb[2] - 0.005, zb[3] - 0.005),
                  box(116.40, 36.50, 116.41, 36.51)], crs="EPSG:4490")
    plots = av.available_land("cluster.zhengjia", parcels=parcels, min_mu=5, synthetic=False, constraints=[])
    path = av.available_land_map(plots, parcels, zones, tmp_path / "avail.html", note="分区图层：测试")
    html = path.read_text(encoding="utf-8")
    layers = _layers_by_name(html)
    assert layers["查询分区"]["n"] == 1 and layers["查询分区"]["labels"][0][2] == "郑家镇工业集聚区"
    assert layers["查询分区"]["styles"][0]["fill"] is False  # an outline: the plots show through
    assert layers["可用地"]["n"] == len(plots) + 2  # every candidate plot and the two taken parcels
    assert f"候选可用地（{len(plots)}）" in html and "已占用或已供地（2）" in html
    assert "查询分区：郑家镇工业集聚区" in html and "分区图层：测试" in html
    fit = json.loads(re.search(r"var c = (\{.*?\});\n", html).group(1))["fit"]
    (s, w), (n, e) = fit
    assert w <= zb[0] and e >= zb[2] and s <= zb[1] and n >= zb[3]  # the whole zone is in the opening view
    assert (e - w) < 2 * (zb[2] - zb[0])  # ... and not much more


def test_answer_label_names_the_answer_in_the_layer_list(store, tmp_path):
    html = webmap.answer_map(_parcels(), tmp_path / "label.html", title="闲置土地审计", status_field="状态",
                             context=[], answer_label="审计结果").read_text(encoding="utf-8")
    assert list(_layers_by_name(html)) == ["审计结果"]


@needs_chromium()
def test_popup_text_wraps_between_words_not_inside_them(store, tmp_path):
    """Reasons and distances ("郑家镇工业集聚区 2.12 km") wrapped inside "km" and codes (k|m, C34|51)."""
    reason = "；".join(f"建议落位于园区{i}（{i}.12 km，行业代码 C3451）" for i in range(1, 9))
    site = gpd.GeoDataFrame({"label": ["项目"], "reasons": [reason]}, geometry=[box(115.90, 36.40, 115.92, 36.42)],
                            crs="EPSG:4490")
    path = webmap.answer_map(site, tmp_path / "wrap.html", title="换行", label_field="label",
                             popup_fields={"reasons": "判定理由"}, context=[])
    split_js = """(() => {
      const td = document.querySelector('.leaflet-popup-content td'), text = td.firstChild, out = [];
      for (const word of ['km', 'C3451']) {
        let at = text.data.indexOf(word);
        while (at >= 0) {
          const r = document.createRange(); r.setStart(text, at); r.setEnd(text, at + word.length);
          const tops = new Set(Array.from(r.getClientRects()).map(b => Math.round(b.top)));
          if (tops.size > 1) { out.push(word + '@' + at); }
          at = text.data.indexOf(word, at + 1);
        }
      }
      return {split: out, lines: Math.round(td.getBoundingClientRect().height / 14)};
    })()"""

    def act(page):
        from browser import click_latlng
        click_latlng(page, 36.41, 115.91, expect=".leaflet-popup-content td")

    rep = open_offline(path, actions=act, evaluate={"wrap": split_js})
    assert rep.evaluated["wrap"]["lines"] >= 4  # long enough to wrap many times ...
    assert rep.evaluated["wrap"]["split"] == []  # ... and never inside a unit or a code


def test_availability_map_names_the_zone_layer_and_its_provenance_in_chinese(store, tmp_path):
    from dcf_spatial.queries import availability as av

    zones = av.find_zones("cluster.zhengjia")
    parcels = gpd.GeoDataFrame({"status": ["occupied"]}, geometry=[zones.geometry.iloc[0].centroid.buffer(0.002)],
                               crs="EPSG:4490")
    plots = av.available_land("cluster.zhengjia", parcels=parcels, min_mu=5, synthetic=False, constraints=[])
    html = av.available_land_map(plots, parcels, zones, tmp_path / "a.html").read_text(encoding="utf-8")
    title = zones.attrs["title_zh"]
    assert f"分区图层：{title}（示意）" in html and "schematic）" not in html


def test_layer_b_of_a_distance_query_can_be_drawn_without_pulling_the_view_away(store, tmp_path):
    pts = gpd.GeoDataFrame({"label": ["甲", "乙"], "状态": ["范围内", "范围外"]},
                           geometry=[Point(116.04, 36.41), Point(116.20, 36.45)], crs="EPSG:4490")
    canal = catalog.read_layer("canal")  # runs from 35.9 to 37.0 N
    path = webmap.answer_map(pts, tmp_path / "within.html", title="范围查询", label_field="label", status_field="状态",
                             context=[], zones=canal, zones_label="B：京杭大运河", zones_in_view=False)
    html = path.read_text(encoding="utf-8")
    assert set(_layers_by_name(html)) == {"B：京杭大运河", "查询结果"}
    (s, w), (n, e) = json.loads(re.search(r"var c = (\{.*?\});\n", html).group(1))["fit"]
    assert s > 36.3 and n < 36.6  # the view is the answer's, not the canal's 120 km


def test_an_answer_with_nothing_to_draw_opens_on_the_district(store, tmp_path):
    rows = gpd.GeoDataFrame({"label": ["无位置"], "location_known": [False]}, geometry=[Point(116.0, 36.4)],
                            crs="EPSG:4490")
    html = webmap.answer_map(rows, tmp_path / "none.html", title="无可绘制要素", label_field="label",
                             context=["district"]).read_text(encoding="utf-8")
    (s, w), (n, e) = json.loads(re.search(r"var c = (\{.*?\});\n", html).group(1))["fit"]
    assert (w, s, e, n) == pytest.approx(DISTRICT.bounds, abs=1e-6)
    assert "无位置" in html and "未上图" in html


def test_a_site_names_the_park_and_cluster_it_lies_in(store, tmp_path):
    parks = catalog.read_layer("cluster_parks")
    park = parks[parks["id"] == "park.t2.1"].iloc[0]
    inside = park.geometry.representative_point()
    site = gpd.GeoDataFrame({"label": ["项目"], "结论": ["符合"]}, geometry=[inside], crs="EPSG:4490")
    html = webmap.answer_map(site, tmp_path / "in.html", title="选址", label_field="label", status_field="结论",
                             context=["district", "industrial_clusters", "cluster_parks"]).read_text(encoding="utf-8")
    touched = _layers_by_name(html)["所在分区"]
    assert sorted(t for _, _, t in touched["labels"]) == sorted([park["name_zh"], "郑家镇工业集聚区"])
    # a site in no zone, and an answer of many features, name nothing
    outside = site.set_geometry([Point(116.45, 36.52)], crs="EPSG:4490")
    html = webmap.answer_map(outside, tmp_path / "out.html", title="选址", label_field="label",
                             context=["district", "industrial_clusters", "cluster_parks"]).read_text(encoding="utf-8")
    assert "所在分区" not in _layers_by_name(html)
    many = gpd.GeoDataFrame({"label": [f"宗地{i}" for i in range(11)]},
                            geometry=[inside.buffer(0.0005 * (i + 1)) for i in range(11)], crs="EPSG:4490")
    html = webmap.answer_map(many, tmp_path / "many.html", title="宗地", label_field="label",
                             context=["district", "cluster_parks"]).read_text(encoding="utf-8")
    assert "所在分区" not in _layers_by_name(html)
