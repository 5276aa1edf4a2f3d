"""The site page after uploading a 报批 TXT whose 地块面积 is 15× its red line (qa_user FINDINGS F3), in real
headless Chromium: the 图形警告 shows under the verdict, naming the uploaded file and the likely unit, as the
CLI's first lines do (own module: Playwright's sync API runs one instance at a time)."""

from __future__ import annotations

import pytest

from _desk_browser import desk_page  # noqa: F401 - a fixture
from browser import needs_chromium
from test_desk_browser import _check, _pick_industry
from test_site_plan_trust import RING, _txt

pytestmark = [pytest.mark.browser, needs_chromium()]


def _upload(page, url, tmp_path):
    """The site page with a 报批 TXT whose 地块面积 (50 亩 written as m²) is 15× its red line, uploaded."""
    page.goto(url + "/site", wait_until="load")
    page.wait_for_function("window.dcfReady === true", timeout=60_000)
    path = _txt(tmp_path / "报批坐标_亩.txt", [("50", "DK01", RING)])
    page.click("#site-tabs button[data-mode=file]")
    page.set_input_files("#site-file", path)
    page.wait_for_function("document.getElementById('site-status').textContent.indexOf('已读取文件') === 0",
                           timeout=60_000)


def test_the_page_shows_the_recorded_area_warning_under_the_verdict(desk_page, tmp_path):
    page, url, seen = desk_page
    _upload(page, url, tmp_path)
    _pick_industry(page, "C3451")
    assert _check(page) == "符合"
    assert page.is_visible("#shape-warnings")
    shown = page.text_content("#shape-warnings")
    assert shown.startswith("图形警告：报批坐标_亩.txt") and "15.0 倍" in shown and "很可能按亩填写" in shown
    assert seen["errors"] == []


def test_the_upload_line_says_the_recorded_area_warning_before_the_check(desk_page, tmp_path):
    # re-QA 7: the status line said only 「已读取文件…1 个要素」 until 核查 was pressed
    page, url, seen = desk_page
    _upload(page, url, tmp_path)
    line = page.text_content("#site-status")
    assert "1 个要素" in line and "图形警告：报批坐标_亩.txt" in line
    assert "15.0 倍" in line and "很可能按亩填写" in line
    assert seen["errors"] == []
