"""The 选址核查 page's 产能置换 checkbox (第九章第三节): the API's ``capacity_replacement`` ticked on the page, the
不符合 reason naming the page's box (not the CLI's ``--capacity-replacement``), and the 核查意见's inputs saying
产能置换 是. The API over the real server on the shipped layers; the page in real Chromium on the fixture store."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from browser import chromium_path, click_latlng, make_fixture_store, needs_chromium
from test_desk_qa6 import _docx_text
from test_plan_cases import PLAN_TEXT

#: 第九章第三节: "严禁水泥、铸造等行业新增产能……对确有必要新建的必须实施等量或减量置换"
FOUNDRY_RULE = "严禁水泥、铸造等行业新增产能"
REPLACEMENT_DUTY = "对确有必要新建的必须实施等量或减量置换"
#: the page's checkbox (site.html) and how a reason names it on the desk
BOX = "项目实施产能等量或减量置换"
#: C3391 黑色金属铸造 in the shipped 郑家镇工业集聚区 (115.75, 36.455): barred new foundry capacity decides
FOUNDRY = {"site": "115.75,36.455", "industry": "C3391"}


def test_the_rule_is_the_plans():
    if PLAN_TEXT.exists():  # only verbatim plan text is quoted
        text = PLAN_TEXT.read_text(encoding="utf-8")
        assert FOUNDRY_RULE in text and REPLACEMENT_DUTY in text


def _foundry_reason(answer):
    return next(r for r in answer["reasons"] if r["rule"] == "foundry_new_capacity")


def test_the_not_fit_reason_names_the_pages_box_and_the_box_changes_it(desk):
    plain = desk.post("/api/site-check", json=FOUNDRY)
    assert plain.status_code == 200, plain.text
    reason = _foundry_reason(plain.json())
    assert plain.json()["verdict"] == "does_not_fit" and reason["effect"] == "does_not_fit"
    assert FOUNDRY_RULE in reason["text_zh"]
    # the desk's own way to declare it: the box, never the CLI's option or the library's neutral words
    assert f"请在「项目指标」中勾选「{BOX}」后重新核查" in reason["text_zh"]
    assert "--capacity-replacement" not in reason["text_zh"] and "请声明产能置换" not in reason["text_zh"]
    ticked = desk.post("/api/site-check", json={**FOUNDRY, "capacity_replacement": True})
    assert ticked.status_code == 200, ticked.text
    reason = _foundry_reason(ticked.json())
    assert reason["effect"] == "conditional" and "等量或减量置换" in reason["text_zh"]
    assert BOX not in reason["text_zh"]
    assert ticked.json()["verdict"] == "conditional"


def test_the_cli_still_names_its_option():
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    out = CliRunner().invoke(cli, ["site", "check", "--site", FOUNDRY["site"], "--industry", FOUNDRY["industry"]])
    assert out.exit_code == 0, out.output
    assert "请用 --capacity-replacement 声明产能置换后重新核查" in out.output and BOX not in out.output


def test_the_report_lists_the_box_among_its_inputs(desk, tmp_path):
    r = desk.post("/api/site-check/export/docx", json={**FOUNDRY, "capacity_replacement": True})
    assert r.status_code == 200, r.text
    text, doc = _docx_text(r.content)
    rows = {t.rows[i].cells[0].text: t.rows[i].cells[1].text for t in doc.tables for i in range(len(t.rows))
            if len(t.rows[i].cells) == 2}
    assert rows.get("产能置换") == "是"
    # unticked: no 产能置换 row; the reason names the box in the report too
    r = desk.post("/api/site-check/export/docx", json=FOUNDRY)
    text, doc = _docx_text(r.content)
    assert "产能置换\n是" not in text and f"勾选「{BOX}」" in text
    if shutil.which("pdftotext"):
        pdf = tmp_path / "report.pdf"
        pdf.write_bytes(desk.post("/api/site-check/export/pdf", json={**FOUNDRY, "capacity_replacement": True}).content)
        flat = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                      check=True).stdout.split())
        assert "产能置换是" in flat


# ---- the page in real Chromium --------------------------------------------------------------------------------

#: the fixture store's 嘉明经济开发区 box (tests/test_desk_browser.py): C3391 there is 不符合 for its new capacity
CLUSTER_CENTRE = (36.34, 115.75)


@pytest.mark.browser
@needs_chromium()
def test_ticking_the_box_on_the_page_changes_the_verdict(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    from _desk_server import running_desk

    store = make_fixture_store(tmp_path_factory.mktemp("store") / "store.gpkg")
    with running_desk(store) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu",
                                                                            "--disable-background-networking"])
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            errors, sent = [], []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/site-check") else None)
            page.goto(url + "/site", wait_until="load")
            page.wait_for_function("window.dcfReady === true", timeout=60_000)
            click_latlng(page, *CLUSTER_CENTRE)
            page.fill("#industry", "C3391")
            page.wait_for_function("document.getElementById('industry-status').textContent.indexOf('✓') === 0",
                                   timeout=30_000)
            assert page.text_content("label.check") == BOX and not page.is_checked("#capacity_replacement")

            def check():
                page.evaluate("window.dcfLastAnswer = null")
                page.click("#check")
                page.wait_for_function("window.dcfLastAnswer || document.getElementById('error').textContent",
                                       timeout=60_000)
                assert page.text_content("#error") == ""
                return page.text_content("#verdict"), page.text_content("#reasons")

            verdict, reasons = check()
            assert verdict == "不符合" and f"勾选「{BOX}」" in reasons and "--capacity-replacement" not in reasons
            assert "capacity_replacement" not in sent[-1]
            page.check("#capacity_replacement")
            verdict, reasons = check()
            assert sent[-1]["capacity_replacement"] is True
            assert verdict == "有条件符合" and "项目声明实施产能等量或减量置换" in reasons and f"勾选「{BOX}」" not in reasons
            assert errors == []
        finally:
            browser.close()
