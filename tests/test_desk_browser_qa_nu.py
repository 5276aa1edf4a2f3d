"""The desk's 闲置土地 page as a new user met it (QA round nu, #2 and #6), in real headless Chromium on the shipped
layers: a ledger whose 面积 column names no unit can be given its unit on the page (面积单位), and a parcel placed by
a township name is drawn as a place mark (dashed ring, outside the township's cluster) whose popup says
按地名定位，位置示意 — the workbook says （地名未指明）, the map must not show it inside 郑家镇工业集聚区
(own module: Playwright's sync API runs one instance at a time)."""

from __future__ import annotations

import pandas as pd
import pytest

from _desk_browser import desk_page, run_audit  # noqa: F401 - a fixture
from browser import needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium()]

LEDGER = pd.DataFrame({"宗地编号": ["DCF-001", "DCF-002"], "土地使用权人": ["甲", "乙"], "项目位置": ["郑家镇", "梁水镇"],
                       "土地用途": ["工业用地", "工业用地"], "约定开工时间": ["2022-03-01", "2023-04-01"],
                       "实际开工时间": ["", ""], "成交价格(万元)": [480, 300], "面积": [3.3333, 2.5]})


def test_the_unit_is_chosen_on_the_page_and_a_name_placed_parcel_is_drawn_as_a_place_mark(desk_page, tmp_path):
    page, url, seen = desk_page
    path = tmp_path / "台账_无单位面积.xlsx"
    LEDGER.to_excel(path, index=False, engine="openpyxl")
    page.goto(url + "/audit", wait_until="load")
    page.wait_for_function("window.dcfReady === true", timeout=60_000)
    assert page.is_visible("#area-unit")
    assert [o for o in page.eval_on_selector_all("#area-unit option", "os => os.map(o => o.value)")] == \
        ["", "亩", "公顷", "平方米"]
    page.click("#kind-tabs button[data-kind=efficiency]")
    assert not page.is_visible("#area-unit")          # the idle audit's ledger only
    page.click("#kind-tabs button[data-kind=idle]")
    page.set_input_files("#parcels-file", str(path))
    page.select_option("#area-unit", "公顷")
    run_audit(page, as_of="2025-12-31")
    notes = page.text_content("#audit-notes")
    assert "按指定的单位公顷读取" in notes
    page.wait_for_function("window.dcfJobMapDrawn !== null", timeout=60_000)
    assert page.evaluate("window.dcfJobMapDrawn") == 2
    dashed = page.locator("path.leaflet-interactive[stroke-dasharray='3 3']")
    assert dashed.count() == 2
    dashed.first.dispatch_event("click")
    popup = page.wait_for_selector(".leaflet-popup-content", timeout=10_000).text_content()
    assert "位置示意" in popup and "不表示宗地在集聚区或园区内" in popup
    assert seen["external"] == [] and seen["errors"] == []
