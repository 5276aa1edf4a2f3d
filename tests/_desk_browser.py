"""What the desk's browser tests share (tests/test_desk_browser_*.py): one page of headless Chromium on a desk,
kept for the whole test module (``browser.desk_page_in_chromium``). A module opens it on a page of its own by
setting ``DESK_PAGE_START`` (e.g. ``"/site"``); otherwise the page starts blank."""

from __future__ import annotations

import pytest

from browser import desk_page_in_chromium


@pytest.fixture(scope="module")
def desk_page(request):
    """``(page, url, seen)`` of :func:`browser.desk_page_in_chromium`, one per test module."""
    with desk_page_in_chromium(start=getattr(request.module, "DESK_PAGE_START", None)) as opened:
        yield opened


def run_audit(page, *, as_of: str) -> None:
    """On the desk's 闲置土地 page with its file chosen: set the 审计基准日, start the audit and wait for its job to
    end done (else fail with the page's error); ``window.dcfJobMapDrawn`` is null until the map is drawn."""
    page.fill("#as-of", as_of)
    page.evaluate("window.dcfJobMapDrawn = null")
    page.click("#audit-go")
    page.wait_for_function("window.dcfLastJob && (window.dcfLastJob.status === 'done' || window.dcfLastJob.status === 'failed')",
                           timeout=180_000)
    assert page.evaluate("window.dcfLastJob.status") == "done", page.text_content("#error")
