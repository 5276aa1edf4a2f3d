"""The page after uploading a 报批 TXT that declares its CRS (QA new-user round, finding 1), in real headless
Chromium: the status and the 读取说明 say the file's header gave EPSG:4527; nothing says the file declared
none or that the user chose EPSG:4490 (own module: Playwright's sync API runs one instance at a time)."""

from __future__ import annotations

import pytest

from _desk_browser import desk_page  # noqa: F401 - a fixture
from browser import needs_chromium
from test_desk_browser import _check, _pick_industry
from test_site_crs_said import TXT

pytestmark = [pytest.mark.browser, needs_chromium()]


def test_the_page_says_the_crs_the_file_declared(desk_page, tmp_path):
    page, url, seen = desk_page
    page.goto(url + "/site", wait_until="load")
    page.wait_for_function("window.dcfReady === true", timeout=60_000)
    path = tmp_path / "报批坐标.txt"
    path.write_bytes(TXT)
    page.click("#site-tabs button[data-mode=file]")
    page.set_input_files("#site-file", str(path))
    page.wait_for_function("document.getElementById('site-status').textContent.indexOf('已读取文件') === 0",
                           timeout=60_000)
    assert "坐标系 EPSG:4527（CGCS2000 3 度带第 39 带），取自文件头" in page.text_content("#site-status")
    _pick_industry(page, "C3451")
    assert _check(page) == "符合"
    notes = page.text_content("#provenance")
    assert "读取说明：坐标系取自文件头" in notes and "EPSG:4527" in notes
    assert "文件未声明坐标系" not in notes and "用户指定" not in notes
    assert seen["errors"] == []
