"""The site page after its inputs change (QA new-user round 2: a clerk checked 郑家镇王屯村, then uploaded a
报批 TXT without pressing 核查; the old verdict stayed on screen and its PDF, about the old site, could still
be downloaded and filed as the opinion on the uploaded parcels). In real headless Chromium: once the site or
the industry changes, the old answer and its downloads are taken down until the next 核查 (own module:
Playwright's sync API runs one instance at a time)."""

from __future__ import annotations

import pytest

from _desk_browser import desk_page  # noqa: F401 - a fixture
from browser import needs_chromium
from test_desk_browser import _check, _pick_industry
from test_site_crs_said import TXT

pytestmark = [pytest.mark.browser, needs_chromium()]


def _typed_site(page, text):
    page.click("#site-tabs button[data-mode=text]")
    page.fill("#site-text", text)
    page.click("#site-text-go")
    page.wait_for_function("document.getElementById('site-status').textContent.length > 0", timeout=30_000)


def _downloads(page) -> list:
    """The downloads a click on every export button starts within a few seconds."""
    got = []

    def seen(download):
        got.append(download)

    page.on("download", seen)
    for button in page.query_selector_all("[data-export]"):
        if button.is_visible() and button.is_enabled():
            button.click()
    page.wait_for_timeout(3_000)
    page.remove_listener("download", seen)
    return got


def test_a_new_site_takes_the_old_answer_and_its_downloads_down(desk_page, tmp_path):
    page, url, seen = desk_page
    page.goto(url + "/site", wait_until="load")
    page.wait_for_function("window.dcfReady === true", timeout=60_000)
    _typed_site(page, "115.75,36.455")
    _pick_industry(page, "C3451")
    assert _check(page) == "符合"
    assert page.is_visible("#answer") and not page.is_visible("#stale")
    path = tmp_path / "报批坐标.txt"
    path.write_bytes(TXT)
    page.click("#site-tabs button[data-mode=file]")
    page.set_input_files("#site-file", str(path))
    page.wait_for_function("document.getElementById('site-status').textContent.indexOf('已读取文件') === 0",
                           timeout=60_000)
    assert not page.is_visible("#answer")
    assert "请点击“核查”" in page.text_content("#stale") and page.is_visible("#stale")
    assert _downloads(page) == []            # nothing about the old site can be saved
    assert _check(page) == "符合"             # the uploaded parcels' own answer
    assert page.is_visible("#answer") and not page.is_visible("#stale")
    assert seen["errors"] == []


def test_another_industry_takes_the_old_answer_down(desk_page):
    page, url, seen = desk_page
    page.goto(url + "/site", wait_until="load")
    page.wait_for_function("window.dcfReady === true", timeout=60_000)
    _typed_site(page, "115.75,36.455")
    _pick_industry(page, "C3451")
    _check(page)
    _pick_industry(page, "软件")
    assert not page.is_visible("#answer") and page.is_visible("#stale")
    assert seen["errors"] == []
