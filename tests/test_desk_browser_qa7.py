"""The audit page's 取消 button and its poll that survives a network blip (QA round 7, issue 12), in real
Chromium on a real desk. The desk runs in this process (tests/_desk_server.py): the audit is held at its
start, so the job is still running when the button is pressed — no timing involved."""

from __future__ import annotations

import threading

import pytest

import dcf_spatial as dcf
from _desk_server import running_desk
from browser import chromium_path, make_fixture_store, needs_chromium, start_idle_audit_on_page

pytestmark = [pytest.mark.browser, needs_chromium()]


@pytest.fixture(scope="module")
def audit_page(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    store = make_fixture_store(tmp_path_factory.mktemp("store") / "store.gpkg")
    with running_desk(store) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu",
                                                                            "--disable-background-networking"])
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        seen = {"external": [], "errors": [], "drop_polls": 0, "deletes": []}

        def route(r):
            u = r.request.url
            if not u.startswith((url + "/", "data:", "blob:", "about:")):
                seen["external"].append(u)
                return r.abort()
            if r.request.method == "DELETE":
                seen["deletes"].append(u[len(url):])
            if "/api/jobs/" in u and r.request.method == "GET" and seen["drop_polls"] > 0:
                seen["drop_polls"] -= 1
                return r.abort("connectionreset")    # the network fails under the poll
            return r.continue_()

        ctx.route("**/*", route)
        page = ctx.new_page()
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        yield page, url, seen
        browser.close()


def _start_held_audit(page, url, tmp_path, monkeypatch):
    """Open 闲置土地, start an audit whose run waits on the returned event (released by the test)."""
    entered, release = threading.Event(), threading.Event()
    real = dcf.audit_idle

    def held(*args, **kwargs):
        entered.set()
        release.wait(120)
        return real(*args, **kwargs)

    monkeypatch.setattr(dcf, "audit_idle", held)
    start_idle_audit_on_page(page, url, tmp_path, parcels=10)
    assert entered.wait(180)  # a loaded CI machine can take long to upload and start the job
    page.wait_for_selector("#job-cancel:not([hidden])")
    return release


def test_the_cancel_button_stops_the_job(audit_page, tmp_path, monkeypatch):
    page, url, seen = audit_page
    release = _start_held_audit(page, url, tmp_path, monkeypatch)
    assert page.is_disabled("#audit-go")
    page.click("#job-cancel")
    page.wait_for_function("document.getElementById('job-status').textContent.indexOf('正在取消') >= 0")
    release.set()
    page.wait_for_function("window.dcfLastJob && window.dcfLastJob.status === 'cancelled'", timeout=120_000)
    assert page.text_content("#job-status") == "已取消"
    assert page.is_hidden("#job-cancel") and not page.is_disabled("#audit-go")
    assert page.is_hidden("#audit-answer") and page.text_content("#error") == ""
    assert len(seen["deletes"]) == 1 and seen["deletes"][0].startswith("/api/jobs/")
    assert seen["external"] == [] and seen["errors"] == []


def test_the_poll_retries_a_network_error_then_finishes(audit_page, tmp_path, monkeypatch):
    page, url, seen = audit_page
    release = _start_held_audit(page, url, tmp_path, monkeypatch)
    seen["drop_polls"] = 2                                # two polls fail, the third gets through
    page.wait_for_function("document.getElementById('job-status').textContent.indexOf('正在重试') >= 0",
                           timeout=60_000)
    release.set()
    page.wait_for_function("window.dcfLastJob && window.dcfLastJob.status === 'done'", timeout=180_000)
    page.wait_for_selector("#audit-answer:not([hidden])")
    assert page.text_content("#error") == "" and seen["drop_polls"] == 0


def test_the_poll_gives_up_with_a_clear_message(audit_page, tmp_path, monkeypatch):
    page, url, seen = audit_page
    release = _start_held_audit(page, url, tmp_path, monkeypatch)
    seen["drop_polls"] = 1000                             # the desk is gone for good
    try:
        page.wait_for_function("document.getElementById('error').textContent.length > 0", timeout=120_000)
        assert "重试 5 次仍未连上" in page.text_content("#error")
        assert "查询任务状态失败" in page.text_content("#job-status")
        assert not page.is_disabled("#audit-go") and page.is_hidden("#job-cancel")
    finally:
        seen["drop_polls"] = 0
        release.set()
