"""The README picture of the 选址核查 page, taken on the shipped layers (own module: Playwright's sync
API runs one instance at a time, and test_desk_browser.py keeps one open for its module)."""

from __future__ import annotations

import os

import pytest

from _desk_server import running_desk
from browser import chromium_path, click_latlng, needs_chromium
from test_desk_browser import SCREENSHOT, _check, _pick_industry

pytestmark = [pytest.mark.browser, needs_chromium()]



def test_screenshot_on_the_shipped_layers(tmp_path):
    """The README picture: the shipped (schematic) layers, a site in 郑家镇工业集聚区 checked for 轴承
    (第八章第一节: 郑家镇工业集聚区 "重点发展轴承及保持器产业")."""
    from playwright.sync_api import sync_playwright

    shot = SCREENSHOT if os.environ.get("DCF_WRITE_SCREENSHOTS") == "1" else tmp_path / "desk.png"
    external = []
    with running_desk(None) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        try:
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith((url + "/", "data:", "blob:"))
                      else (external.append(r.request.url), r.abort()))
            page = ctx.new_page()
            page.goto(url + "/site", wait_until="load")
            page.wait_for_function("window.dcfReady === true", timeout=60_000)
            click_latlng(page, 36.455, 115.75)
            page.fill("#area_mu", "50")
            _pick_industry(page, "轴承")
            assert _check(page) == "符合"
            assert "郑家镇工业集聚区" in page.text_content("#zones")
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert external == []
