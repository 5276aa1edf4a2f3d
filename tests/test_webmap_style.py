"""Answer-map styling: status colours fixed by value, outlines that scale with the number of features."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
from shapely.geometry import box

from browser import click_latlng, needs_chromium, open_offline
from dcf_spatial import settings
from dcf_spatial.maps import style as map_style
from dcf_spatial.maps import webmap


@pytest.fixture(scope="module")
def store(map_store):
    return map_store


def layer_payloads(html: str) -> list[dict]:
    """The decoded payload of every compact layer of a written map (they are JSON object literals)."""
    out = []
    for m in re.finditer(r"= dcf\.layer\([\w.]+, (\{.*?\})\);\n", html):
        out.append(json.loads(m.group(1)))
    return out


def feature_fills(html: str, title: str) -> list[str]:
    """Fill colour of each answer feature, in row order (the answer layer's popup title is the map title)."""
    (payload,) = [p for p in layer_payloads(html) if p.get("title") == title]
    k = payload.get("k") or [0] * payload["n"]
    return [payload["styles"][i]["fillColor"] for i in k]


def legend_fills(html: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r'"label":"([^"]+?)（\d+）","kind":"\w+","fill":"(#[0-9a-fA-F]{6})"', html)}


def _rows(values):
    return gpd.GeoDataFrame({"status": values},
                            geometry=[box(115.80 + 0.01 * i, 36.40, 115.805 + 0.01 * i, 36.405) for i in range(len(values))],
                            crs="EPSG:4490")


def test_status_colour_is_fixed_by_value_not_by_order():
    a = map_style.status_colors(["疑似闲置（满一年未动工开发）", "正常", "某未知状态", "不符合"])
    b = map_style.status_colors(["不符合", "某未知状态", "正常", "疑似闲置（满一年未动工开发）"])
    assert a == b
    fixed = map_style.section("web")["status_colors"]
    assert a["不符合"] == fixed["不符合"] and a["正常"] == fixed["正常"]
    # an unknown value takes a palette colour that no listed value on this map uses
    assert a["某未知状态"] not in {a["不符合"], a["正常"], a["疑似闲置（满一年未动工开发）"]}


@pytest.mark.parametrize("values", [
    ["符合", "有条件符合", "不符合", "不在规划范围", "无法核查"],
    ["疑似闲置满两年（未动工开发）", "疑似闲置（满一年未动工开发）", "疑似闲置（开发不足且中止满一年）",
     "疑似闲置·记录有第八条原因（待审核）", "延期动工期内", "数据不足", "正常", "不适用"],
    # the idle audit's per-row labels: determined (令第53号第九条) and the two kinds of Art. 8 cause
    ["认定闲置满两年（可依法无偿收回）", "认定闲置（满一年未动工开发）", "认定闲置（开发不足且中止满一年）",
     "疑似闲置·政府原因（第八条第一款，待审核）", "疑似闲置·不可抗力（第八条第二款，待审核）",
     "认定闲置·政府原因（第八条第一款）", "认定闲置·不可抗力（第八条第二款）"],
    ["A类 优先发展", "B类 支持发展", "C类 提升发展", "D类 限制发展", "T类 暂不评价"],
    ["候选可用地", "已占用或已供地"],
    ["范围内", "范围外", "位于其内", "最近"],
])
def test_every_status_the_tool_writes_has_its_own_fixed_colour(values):
    """The labels written by site check, idle audit, efficiency and the queries are in the style file."""
    fixed = [map_style.fixed_status_color(v) for v in values]
    assert None not in fixed
    assert len(set(fixed)) == len(values)  # distinguishable within one map


def test_site_check_and_audit_labels_in_the_code_are_listed():
    """Guards against the code renaming a status and the map falling back to the palette."""
    import json as _json

    from dcf_spatial.land.idle_audit import STATUS_ZH

    for label in STATUS_ZH.values():
        assert map_style.fixed_status_color(label), label
    rules = _json.loads((settings.data_dir / "plan_rules.json").read_text(encoding="utf-8"))
    for label in rules["verdicts"].values():
        assert map_style.fixed_status_color(label), label
    classes = _json.loads((settings.data_dir / "efficiency_scoring.json").read_text(encoding="utf-8"))["classes"]
    for c in classes.values():
        assert map_style.fixed_status_color(c["name_zh"]), c["name_zh"]


def test_a_trailing_tag_keeps_the_colour():
    assert map_style.fixed_status_color("已占用或已供地（合成数据）") == map_style.fixed_status_color("已占用或已供地")
    assert map_style.fixed_status_color("完全没有的状态") is None


def test_two_answer_maps_in_different_orders_give_each_value_the_same_colour(store, tmp_path):
    values = ["不符合", "符合", "有条件符合", "某未知状态", "不在规划范围"]
    fills = []
    for name, vals in (("a", values), ("b", values[::-1])):
        html = webmap.answer_map(_rows(vals), tmp_path / f"{name}.html", title="顺序", status_field="status",
                                 context=[]).read_text(encoding="utf-8")
        fills.append((dict(zip(vals, feature_fills(html, "顺序"))), legend_fills(html)))
    (feat_a, leg_a), (feat_b, leg_b) = fills
    assert feat_a == feat_b
    assert leg_a == leg_b and set(leg_a) == set(values)
    assert feat_a["符合"] == map_style.section("web")["status_colors"]["符合"]
    assert feat_a["不符合"] != feat_a["符合"]


def test_outline_thins_and_lightens_with_many_small_polygons(store, tmp_path):
    """~860 parcels with 2.5 px black outlines rendered as a black disc: outlines must scale down."""
    from matplotlib.colors import to_rgb

    web = map_style.section("web")
    full = float(web["focus_weight"])
    cells = [box(115.80 + 0.0015 * (i % 30), 36.40 + 0.0015 * (i // 30), 115.8013 + 0.0015 * (i % 30),
                 36.4013 + 0.0015 * (i // 30)) for i in range(900)]
    many = gpd.GeoDataFrame({"status": ["候选可用地"] * 900}, geometry=cells, crs="EPSG:4490")
    one = many.iloc[:1]
    html_many = webmap.answer_map(many, tmp_path / "many.html", title="多", status_field="status",
                                  context=[]).read_text(encoding="utf-8")
    html_one = webmap.answer_map(one, tmp_path / "one.html", title="一", status_field="status",
                                 context=[]).read_text(encoding="utf-8")
    (st_many,) = [p for p in layer_payloads(html_many) if p.get("title") == "多"][0]["styles"]
    (st_one,) = [p for p in layer_payloads(html_one) if p.get("title") == "一"][0]["styles"]
    assert st_one["weight"] == full
    assert st_many["weight"] <= full / 4
    fill = to_rgb(st_many["fillColor"])
    # one site: outline darker than its fill; many parcels: lighter (a seam, never black)
    assert sum(to_rgb(st_one["color"])) < sum(fill)
    assert sum(to_rgb(st_many["color"])) > sum(fill)
    assert webmap.focus_outline_weight(10_000) >= float(web["focus_min_weight"])


@needs_chromium()
def test_popup_lists_at_most_max_popup_rows_attributes(store, tmp_path, monkeypatch):
    text = map_style.style_path.read_text(encoding="utf-8")
    custom = tmp_path / "style.toml"
    custom.write_text(re.sub(r"max_popup_rows = \d+", "max_popup_rows = 5", text), encoding="utf-8")
    monkeypatch.setattr(map_style, "style_path", custom)
    cols = {f"属性{i:02d}": [f"值{i}"] for i in range(12)}
    gdf = gpd.GeoDataFrame(cols, geometry=[box(115.75, 36.32, 115.77, 36.34)], crs="EPSG:4490")
    path = webmap.answer_map(gdf, tmp_path / "rows.html", title="多属性", context=[])

    def act(page):
        click_latlng(page, 36.33, 115.76, expect=".leaflet-popup-content")

    rep = open_offline(path, actions=act, evaluate={
        "rows": "document.querySelectorAll('.leaflet-popup-content .dcf-popup tr').length",
        "popup": "(document.querySelector('.leaflet-popup-content') || {}).innerText || null",
    })
    assert rep.console_errors == [] and rep.page_errors == []
    assert rep.evaluated["rows"] == 5
    assert "属性00" in rep.evaluated["popup"] and "属性05" not in rep.evaluated["popup"]
    assert "另有 7 项属性未显示" in rep.evaluated["popup"]


def test_palette_colour_is_not_a_near_copy_of_a_fixed_one():
    """The palette's first red (#e41a1c) beside the fixed 闲置 red (#e31a1c) made two statuses look alike."""
    from matplotlib.colors import to_rgb

    colors = map_style.status_colors(["闲置", "某未知状态甲", "某未知状态乙"])
    fixed = colors["闲置"]
    for v in ("某未知状态甲", "某未知状态乙"):
        d = sum((x - y) ** 2 for x, y in zip(to_rgb(colors[v]), to_rgb(fixed))) ** 0.5
        assert d > 0.2, (v, colors[v], fixed)


def test_map_colours_without_importing_matplotlib():
    # issue 13: the audit's web map is written beside its workbook and complete list; its colours
    # (palette distances, outline shades) no longer import matplotlib (~0.3 s of CPU holding the GIL),
    # and are the colours matplotlib gives
    import subprocess
    import sys

    from matplotlib.colors import to_hex, to_rgb

    from dcf_spatial.maps.answer import shade

    labels = ["疑似闲置（满一年未动工开发）", "正常", "某个未列出的结论", "另一个未列出的结论"]
    code = ("import sys, json; from dcf_spatial.maps.style import status_colors; from dcf_spatial.maps.answer import shade;"
            f"c = status_colors({labels!r}); print(json.dumps([c, [shade(v, 0.35) for v in c.values()],"
            " [shade(v, -0.5) for v in c.values()], 'matplotlib' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    colors, dark, light, imported = json.loads(out.stdout)
    assert not imported
    assert list(colors) == labels or set(colors) == set(labels)
    assert dark == [to_hex(tuple(x * 0.65 for x in to_rgb(v))) for v in colors.values()]
    assert light == [to_hex(tuple(x + (1 - x) * 0.5 for x in to_rgb(v))) for v in colors.values()]
    assert shade("red", 0.0) == "#ff0000"  # a named colour still read (by matplotlib)
