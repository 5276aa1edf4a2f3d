"""The README picture of the 选址核查 page, taken on the shipped layers (own module: Playwright's sync
API runs one instance at a time, and test_desk_browser.py keeps one open for its module)."""

from __future__ import annotations

import os

import pytest

from _desk_server import running_desk
from browser import chromium_path, click_latlng, loopback_context, needs_chromium
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
            ctx = loopback_context(browser, url, external)
            page = ctx.new_page()
            page.goto(url + "/site", wait_until="load")
            page.wait_for_function("window.dcfReady === true", timeout=60_000)
            click_latlng(page, 36.455, 115.75)
            page.fill("#area_mu", "50")
            _pick_industry(page, "轴承")
            assert _check(page) == "符合"
            assert "郑家镇工业集聚区" in page.text_content("#zones")
            # a site inside a cluster: the office policy on factories outside the clusters (plan_rules.json →
            # office_policies) is shown with its setting, and that this verdict does not rest on it
            assert "集聚区外新建工业项目——应入园：不符合（默认口径），本次结论未涉及此口径" in page.text_content("#policy-used")
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert external == []


IMG = SCREENSHOT.parent
#: a made-up project list for the picture (names are placeholders; 第八章第一节: 郑家镇工业集聚区
#: "重点发展轴承及保持器产业"), one row with bad coordinates and one outside the district: every row is shown
BATCH_CSV = ("项目名称,经度,纬度,行业,用地面积（亩）\n"
             "示例项目甲（轴承）,115.75,36.455,轴承,50\n"
             "示例项目乙（化工）,115.75,36.455,C2614,30\n"
             "示例项目丙（轴承，中心城区）,115.98,36.45,轴承,20\n"
             "示例项目丁（坐标有误）,abc,36.45,轴承,20\n"
             "示例项目戊（区外）,117.5,37.5,轴承,20\n")


def _shot_path(tmp_path, name):
    return IMG / name if os.environ.get("DCF_WRITE_SCREENSHOTS") == "1" else tmp_path / name


def _page(p, url, external):
    browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
    ctx = loopback_context(browser, url, external)
    return browser, ctx.new_page()


def test_batch_screenshot_on_the_shipped_layers(tmp_path):
    """The README picture of 批量核查: five rows in, five rows out (two that cannot be checked say why)."""
    from playwright.sync_api import sync_playwright

    from browser import image_is_blank

    shot = _shot_path(tmp_path, "desk_batch.png")
    csv = tmp_path / "项目清单.csv"
    csv.write_text(BATCH_CSV, encoding="utf-8")
    external = []
    with running_desk(None) as url, sync_playwright() as p:
        browser, page = _page(p, url, external)
        try:
            page.goto(url + "/batch", wait_until="load")
            page.wait_for_function("window.dcfReady === true", timeout=60_000)
            page.set_input_files("#batch-file", str(csv))
            page.click("#batch-go")
            page.wait_for_function("window.dcfLastBatch || document.getElementById('error').textContent",
                                   timeout=120_000)
            assert page.text_content("#error") == ""
            assert page.locator("#batch-table tbody tr").count() == 5
            assert "示例项目甲" in page.text_content("#batch-table")
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert external == [] and not image_is_blank(shot)


def test_audit_screenshot_on_the_shipped_layers(tmp_path):
    """The README picture of 亩产效益评价: the synthetic sample district (write_sample, marked 样例)."""
    from playwright.sync_api import sync_playwright

    import dcf_spatial as dcf
    from browser import image_is_blank

    shot = _shot_path(tmp_path, "desk_audit.png")
    files = dcf.write_sample(tmp_path / "sample", parcels=120, seed=3, imagery=False)
    external = []
    with running_desk(None) as url, sync_playwright() as p:
        browser, page = _page(p, url, external)
        try:
            page.goto(url + "/audit?kind=efficiency", wait_until="load")
            page.wait_for_function("window.dcfReady === true", timeout=60_000)
            page.set_input_files("#enterprises-file", str(files["enterprises"]))
            page.set_input_files("#parcels-file", str(files["parcels"]))
            page.fill("#as-of", "2025-12-31")
            page.click("#audit-go")
            page.wait_for_function("window.dcfLastJob && window.dcfLastJob.status !== 'queued' && "
                                   "window.dcfLastJob.status !== 'running'", timeout=300_000)
            assert page.evaluate("window.dcfLastJob.status") == "done", page.text_content("#error")
            page.wait_for_function("window.dcfJobMapDrawn !== null", timeout=60_000)
            assert page.evaluate("window.dcfJobMapDrawn") == 120
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert external == [] and not image_is_blank(shot)
