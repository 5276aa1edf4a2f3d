"""The desk's 「工作表」 box in real headless Chromium (qa_break11 finding 2): a sheet chosen in the list is read
as the workbook names it — «项目清单 » (a trailing space) is not «项目清单», «　全角空格清单　» (ideographic spaces)
is not «全角空格清单», and « » is a sheet, not 自动选择 (own module: Playwright's sync API runs one instance at a
time)."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from _desk_browser import desk_page  # noqa: F401 - a fixture
from browser import needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium()]

#: the names as the workbook holds them (openpyxl writes placeholders, patched into these)
SHEETS = {"S1": "项目清单", "S2": "项目清单 ", "S3": "\u3000全角空格清单\u3000", "S4": " "}


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    folder = tmp_path_factory.mktemp("break11")
    made, path = folder / "made.xlsx", folder / "空格表名.xlsx"
    with pd.ExcelWriter(made, engine="openpyxl") as xl:
        for placeholder, name in SHEETS.items():
            pd.DataFrame({"项目名称": [f"甲（{name.strip() or '空格'}{'·尾空格' if name.endswith(' ') and name.strip() else ''}）"],
                          "经度": [115.7612], "纬度": [36.4475], "行业": ["轴承"]}).to_excel(
                xl, sheet_name=placeholder, index=False)
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(path, "w") as dst:
        for member in src.namelist():
            data = src.read(member)
            if member == "xl/workbook.xml":
                for placeholder, name in SHEETS.items():
                    data = data.replace(f'name="{placeholder}"'.encode(), f'name="{name}"'.encode("utf-8"))
            dst.writestr(member, data)
    return path


def _batch_with(page, url, workbook, sheet):
    page.goto(url + "/batch", wait_until="load")
    page.wait_for_function("window.dcfReady === true", timeout=60_000)
    page.set_input_files("#batch-file", str(workbook))
    page.wait_for_selector("#batch-sheet-pick:not([hidden])", timeout=30_000)
    listed = page.eval_on_selector_all("#batch-sheet-pick option", "os => os.map(o => o.value)")
    assert listed == ["", *SHEETS.values()]   # the box lists the names as the workbook holds them
    # chosen by its place in the list: Playwright's select_option(value=…) matches «项目清单 » to «项目清单»
    page.select_option("#batch-sheet-pick", index=listed.index(sheet))
    assert page.evaluate("document.getElementById('batch-sheet-pick').value") == sheet
    page.evaluate("window.dcfLastBatch = null")
    page.click("#batch-go")
    page.wait_for_function("window.dcfLastBatch || document.getElementById('error').textContent", timeout=120_000)
    assert page.text_content("#error") == ""
    return page.evaluate("window.dcfLastBatch")["names"]


@pytest.mark.parametrize("sheet, name", [("项目清单 ", "甲（项目清单·尾空格）"), ("\u3000全角空格清单\u3000", "甲（全角空格清单）"),
                                         (" ", "甲（空格）"), ("项目清单", "甲（项目清单）")],
                         ids=["trailing-space", "full-width-spaces", "one-space", "plain"])
def test_the_sheet_chosen_in_the_list_is_the_sheet_read(desk_page, workbook, sheet, name):
    page, url, seen = desk_page
    assert _batch_with(page, url, workbook, sheet) == [name]
    assert seen["errors"] == [] and seen["external"] == []
