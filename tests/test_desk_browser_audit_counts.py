"""The desk's 闲置土地 map draws what its legend says (QA session 31 F6), in real headless Chromium on the shipped
layers: parcels placed by one township's name are one point, larger than a point of one parcel, with its count
(「2 宗」) written under it, over the 镇（街道）界 — as the HTML map of ``dcf audit idle`` draws them; the legend says
the point's size follows the count and the number under it is the count (own module: Playwright's sync API runs
one instance at a time)."""

from __future__ import annotations

import pandas as pd
import pytest

from _desk_browser import desk_page, run_audit  # noqa: F401 - a fixture
from browser import needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium()]

LEDGER = pd.DataFrame({"宗地编号": ["DCF-001", "DCF-002", "DCF-003"], "土地使用权人": ["甲", "乙", "丙"],
                       "项目位置": ["郑家镇", "郑家镇", "梁水镇"], "土地用途": ["工业用地"] * 3,
                       "约定开工时间": ["2020-03-01", "2021-04-01", "2023-04-01"], "实际开工时间": ["", "", ""],
                       "成交价格(万元)": [480, 300, 200], "面积(亩)": [30, 25, 20]})


def test_a_township_point_shows_its_count_and_size_over_the_township_lines(desk_page, tmp_path):
    page, url, seen = desk_page
    path = tmp_path / "供地台账.xlsx"
    LEDGER.to_excel(path, index=False, engine="openpyxl")
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(url + "/audit", wait_until="load")
    page.wait_for_function("window.dcfReady === true", timeout=60_000)
    page.set_input_files("#parcels-file", str(path))
    run_audit(page, as_of="2025-12-31")
    page.wait_for_function("window.dcfJobMapDrawn !== null", timeout=60_000)
    assert page.evaluate("window.dcfJobMapDrawn") == 2          # 郑家镇 (2 parcels) and 梁水镇 (1)
    page.wait_for_timeout(500)
    page.screenshot(path=str(tmp_path / "audit_counts.png"))
    # the count under the township's point, and none under a point of one parcel
    assert page.eval_on_selector_all(".leaflet-tooltip.count-label", "ts => ts.map(t => t.innerText)") == ["2 宗"]
    # the point of two parcels is drawn larger than the point of one (the legend: 点的大小随宗数)
    radii = page.evaluate("""() => { var r = [];
        window.dcfMap.eachLayer(function (l) { if (l.feature && l.getRadius) { r.push([l.feature.properties.n_parcels || 1, l.getRadius()]); } });
        return r.sort(); }""")
    assert [k for k, _ in radii] == [1, 2] and radii[1][1] > radii[0][1], radii
    # the township lines under the points, as on the CLI's map (its 背景图层)
    shown = page.eval_on_selector_all(".leaflet-control-layers-overlays label",
                                      "ls => ls.filter(l => l.querySelector('input').checked).map(l => l.innerText.trim())")
    assert "规划范围镇（街道）" in shown, shown
    legend = page.text_content(".legend")
    assert "点的大小随宗数" in legend and "圆点下的数字为宗数" in legend
    assert seen["external"] == [] and seen["errors"] == []
