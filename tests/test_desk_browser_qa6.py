"""The desk's screens as a new user met them (QA round 6), in real headless Chromium on the shipped
layers: 定位 of an address the CLI reads, the hint after a failed 定位, zone names on hover, the layer
list and the legend folding away, and the 按镇（街道） table readable (own module: Playwright's sync API
runs one instance at a time)."""

from __future__ import annotations

import pytest

from _desk_browser import desk_page  # noqa: F401 - a fixture
from browser import click_latlng, needs_chromium, run_idle_audit_on_page
from test_desk_browser import _check, _pick_industry

pytestmark = [pytest.mark.browser, needs_chromium()]


DESK_PAGE_START = "/site"  # the fixture opens the page there


def _locate(page, text):
    page.click("#site-tabs button[data-mode=text]")
    page.fill("#site-text", text)
    page.click("#site-text-go")
    page.wait_for_function("(() => { const s = document.getElementById('site-status').textContent;"
                           " return (s && s.indexOf('正在') !== 0) || document.getElementById('error').textContent; })()",
                           timeout=30_000)


def test_locate_reads_an_address_as_the_cli_does(desk_page):
    page, _, seen = desk_page
    _locate(page, "郑家镇王屯村")
    assert page.text_content("#error") == ""
    status = page.text_content("#site-status")
    assert status.startswith("已匹配地名") and "郑家镇" in status and "近似" in status
    _pick_industry(page, "C3451")
    assert _check(page)
    # the township's outline is no parcel: its 报批 TXT and GPKG are not offered, the report files are
    assert page.is_disabled("[data-export=txt]") and page.is_disabled("[data-export=gpkg]")
    assert "不是项目地块的边界" in page.get_attribute("[data-export=txt]", "title")
    assert page.is_enabled("[data-export=docx]")
    assert seen["errors"] == [] and seen["external"] == []


def test_after_a_failed_locate_the_check_hint_names_place_names(desk_page):
    page, _, _ = desk_page
    _locate(page, "不存在的地方")
    assert page.text_content("#error")                      # the lookup says why
    page.fill("#industry", "C3451")
    page.click("#check")
    page.wait_for_function("document.getElementById('error').textContent.indexOf('请先给出场地') === 0", timeout=60_000)
    assert "地名" in page.text_content("#error")


def test_zone_names_show_on_hover(desk_page):
    page, _, _ = desk_page
    page.click("#site-tabs button[data-mode=text]")        # hovering, not placing a site
    page.evaluate("() => { window.dcfMap.setView([36.455, 115.75], 12, {animate: false}); }")
    click_latlng(page, 36.455, 115.75, hover=".leaflet-tooltip", click=False)
    tips = page.locator(".leaflet-tooltip").all_text_contents()
    assert any("郑家" in t or "产业园" in t for t in tips), tips


def test_the_layer_list_and_the_legend_fold_away(desk_page):
    page, _, _ = desk_page
    map_box = page.locator("#map").bounding_box()
    # on this 900 px screen the legend starts folded (the layer list, with its check boxes, open)
    assert page.text_content("button.panel-toggle[data-panel=legend]") == "展开图例"
    assert page.text_content("button.panel-toggle[data-panel=layers]") == "收起图层列表"
    page.click("button.panel-toggle[data-panel=legend]")
    for key, box in (("layers", ".leaflet-control-layers"), ("legend", ".legend")):
        before = page.locator(box).bounding_box()
        page.click(f"button.panel-toggle[data-panel={key}]")
        after = page.locator(box).bounding_box()
        assert after["height"] < 50 < before["height"], (key, before, after)
        assert after["width"] * after["height"] < 0.05 * map_box["width"] * map_box["height"]
        assert "展开" in page.text_content(f"button.panel-toggle[data-panel={key}]")
        page.click(f"button.panel-toggle[data-panel={key}]")  # and back
        assert page.locator(box).bounding_box()["height"] > 50


def test_the_township_summary_is_readable(desk_page, tmp_path):
    page, url, seen = desk_page
    run_idle_audit_on_page(page, url, tmp_path)
    # every header on one line (12 px text: a line is under 25 px), the table scrolling sideways in its box
    heights = page.evaluate("[...document.querySelectorAll('#by-township th')].map(th => th.getBoundingClientRect().height)")
    assert heights and max(heights) < 25, heights
    wrap = page.evaluate("(() => { const t = document.getElementById('by-township'), w = t.parentElement;"
                         " return [w.className, getComputedStyle(w).overflowX, w.clientWidth, t.scrollWidth]; })()")
    assert wrap[0] == "table-scroll" and wrap[1] == "auto"
    assert seen["external"] == []


def test_a_named_sites_zone_table_shows_each_zones_area_in_the_unit(desk_page):
    # QA round 7 (finding 7): 郑家镇王屯村 with 50 亩 declared showed "50（申报）" in every zone row, read as 50 亩 in
    # each; the row now holds the zone's 亩 inside the township, under a header that says so
    page, url, seen = desk_page
    page.goto(url + "/site", wait_until="load")  # the test before left the page on another screen
    page.wait_for_function("window.dcfReady === true", timeout=60_000)
    _locate(page, "郑家镇王屯村")
    page.fill("#area_mu", "50")
    _pick_industry(page, "C3451")
    assert _check(page)
    assert page.text_content("#zones thead th:nth-child(2)") == "该镇街内面积（亩）"
    cells = page.eval_on_selector_all("#zones tbody tr td:nth-child(2)", "els => els.map(e => e.textContent)")
    assert cells and not any("申报" in c for c in cells)
    assert len(set(cells)) > 1  # the zones' own areas, not one figure repeated
    page.fill("#area_mu", "")
    assert seen["errors"] == [] and seen["external"] == []
