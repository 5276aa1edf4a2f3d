"""The desk as a new user met it in QA round 9, in real headless Chromium on the shipped layers: the 批量核查 and
闲置土地 forms' 「工作表」 box (a workbook's sheets offered after upload), the batch table's 理由 one reason a line,
a site typed as E…/N…, a site outside the plan area naming its township, and a place the plan names at township
grain shown without «0 亩 | 100 %» (own module: Playwright's sync API runs one instance at a time)."""

from __future__ import annotations

import pandas as pd
import pytest

from _desk_browser import desk_page  # noqa: F401 - a fixture
from browser import needs_chromium
from test_desk_browser import _check, _pick_industry
from test_desk_browser_qa6 import _locate

pytestmark = [pytest.mark.browser, needs_chromium()]

PROJECTS = pd.DataFrame({"项目名称": ["轴承保持架项目", "食用菌大棚", "冷链仓库"],
                         "坐落": ["郑家镇王屯村", "沙镇镇前屯村", "侯营镇"],
                         "行业": ["轴承保持架", "食用菌种植", "冷链物流"], "用地面积（亩）": [45, 15, 30]})


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("qa9") / "多表清单.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame({"本表由规划科填写，请勿改动表头": ["联系人：王五"]}).to_excel(xl, sheet_name="填表说明", index=False)
        PROJECTS.head(1).to_excel(xl, sheet_name="2025年项目", index=False)
        PROJECTS.to_excel(xl, sheet_name="2026年项目", index=False)
    return path


def _open(page, url, path):
    page.goto(url + path, wait_until="load")
    page.wait_for_function("window.dcfReady === true", timeout=60_000)


def _options(page, selector):
    return page.eval_on_selector_all(selector + " option", "os => os.map(o => [o.value, o.textContent])")


def _run_batch(page):
    page.evaluate("window.dcfLastBatch = null")
    page.click("#batch-go")
    page.wait_for_function("window.dcfLastBatch || document.getElementById('error').textContent", timeout=120_000)
    assert page.text_content("#error") == ""


def test_the_batch_form_offers_the_workbooks_sheets_and_reads_the_one_chosen(desk_page, workbook):
    page, url, seen = desk_page
    _open(page, url, "/batch")
    # before a file: a text box labelled 工作表
    assert page.is_visible("#batch-sheet") and "工作表" in page.text_content("label:has(#batch-sheet)")
    page.set_input_files("#batch-file", str(workbook))
    page.wait_for_selector("#batch-sheet-pick:not([hidden])", timeout=30_000)
    assert not page.is_visible("#batch-sheet")
    options = _options(page, "#batch-sheet-pick")
    assert options[0][0] == "" and options[0][1].startswith("自动选择")
    assert [v for v, _ in options[1:]] == ["填表说明", "2025年项目", "2026年项目"]
    # 自动选择: the first sheet that looks like a project list, said in the notes
    _run_batch(page)
    assert page.locator("#batch-table tbody tr").count() == 1
    assert "读取“2025年项目”" in page.text_content("#batch-notes")
    # the sheet chosen in the box is read
    page.select_option("#batch-sheet-pick", "2026年项目")
    _run_batch(page)
    assert page.locator("#batch-table tbody tr").count() == len(PROJECTS)
    assert seen["errors"] == [] and seen["external"] == []


def test_the_batch_table_gives_one_reason_a_line(desk_page, workbook):
    page, url, _ = desk_page
    answer = page.evaluate("window.dcfLastBatch")
    first = answer["results"][0]
    assert len(first["reasons"]) > 1
    cell = page.locator("#batch-table tbody tr").first.locator("td").nth(5)
    # one reason a line, as the XLSX: the cell's text breaks between reasons and the page shows the breaks
    assert cell.inner_text().split("\n") == [r["text_zh"] for r in first["reasons"]]
    assert cell.evaluate("td => getComputedStyle(td).whiteSpace") == "pre-line"


def test_the_audit_form_has_a_sheet_box_for_each_table(desk_page, workbook):
    page, url, seen = desk_page
    _open(page, url, "/audit")
    assert page.is_visible("#parcels-sheet") and page.text_content("#parcels-sheet-label") == "工作表"
    page.set_input_files("#parcels-file", str(workbook))
    page.wait_for_selector("#parcels-sheet-pick:not([hidden])", timeout=30_000)
    assert [v for v, _ in _options(page, "#parcels-sheet-pick")] == ["", "填表说明", "2025年项目", "2026年项目"]
    page.click("#kind-tabs button[data-kind=efficiency]")
    assert page.text_content("#parcels-sheet-label") == "宗地的工作表"
    assert page.is_visible("#enterprises-sheet")
    # the sheet chosen is sent as the API's field for that table
    sent = []
    page.route("**/api/audit/efficiency", lambda r: (sent.append(r.request.post_data_buffer or b""), r.abort()))
    page.set_input_files("#enterprises-file", str(workbook))
    page.wait_for_selector("#enterprises-sheet-pick:not([hidden])", timeout=30_000)
    page.select_option("#enterprises-sheet-pick", "2026年项目")
    page.select_option("#parcels-sheet-pick", "2025年项目")
    page.click("#audit-go")
    page.wait_for_function("document.getElementById('error').textContent", timeout=30_000)
    page.unroute("**/api/audit/efficiency")
    body = sent[0].decode("utf-8", "replace")
    assert 'name="sheet"\r\n\r\n2026年项目' in body and 'name="parcel_sheet"\r\n\r\n2025年项目' in body
    assert seen["external"] == []


def test_a_site_typed_with_hemisphere_labels_is_checked_as_coordinates(desk_page):
    page, url, seen = desk_page
    _open(page, url, "/site")
    _locate(page, "E115.7612 N36.4475")
    assert page.text_content("#error") == ""
    assert page.text_content("#site-status").startswith("已输入场地")
    _pick_industry(page, "C3451")
    assert _check(page) == "符合"
    lon, lat = page.evaluate("window.dcfLastAnswer.site.centroid_lonlat")
    assert abs(lon - 115.7612) < 1e-4 and abs(lat - 36.4475) < 1e-4
    assert seen["errors"] == []


def test_a_site_outside_the_plan_area_names_its_township(desk_page):
    page, url, _ = desk_page
    _open(page, url, "/site")
    _locate(page, "115.98,36.41")
    _pick_industry(page, "C3670")
    assert _check(page) == "不在规划范围"
    facts = page.text_content("#site-facts")
    assert "所在镇（街道）：湖西街道（100%，开发区托管，不在规划范围）" in facts


def test_a_place_named_at_township_grain_shows_no_zero_mu(desk_page):
    page, url, _ = desk_page
    _open(page, url, "/site")
    _locate(page, "沙镇镇前屯村")
    _pick_industry(page, "A0142")
    assert _check(page)
    rows = page.eval_on_selector_all("#zones tbody tr", "trs => trs.map(tr => [...tr.cells].map(td => td.textContent))")
    place = [r for r in rows if "按镇示意" in r[0]]
    assert place and place[0][1] == "—（按镇示意，无面积）" and place[0][2] == "—（按所在镇（街道）示意）"
    assert all(r[1] != "0" for r in rows)
