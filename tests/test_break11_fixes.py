"""What a breaker found in the day's changes (qa_break11), as the user meets it.

A red line drawn twice in CAD is one site, not a ring with a hole; the batch's 产能置换 column reads the words
clerks write (等量置换, √ …) and never turns one it does not understand into «not declared»; typed coordinates
refuse 70″ and read «E 115.7612, N 36.4475»; a workbook of hidden sheets says it read a hidden one; the dask
dashboard is printed where it listens; a workbook that cannot be opened, or has a password, is said so on the
command line and by the desk's /api/sheets.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError
from _workbooks import hide_every_sheet
from test_site_input_lines import CORNERS, INNER, MU, X0, Y0, _cad, _lwpolyline

ENCRYPTED = Path(__file__).parent / "files" / "password_pw123.xlsx"   # an .xlsx saved with the open password pw123
FULL_MU = 200 * 162 / MU
HOLED_MU = (200 * 162 - 100 * 81) / MU


def _run(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res.exit_code, res.stdout, res.stderr


# ---- 1. a red line drawn twice --------------------------------------------------------------------------

def _inset(corners, d):
    (x0, y0), (x1, y1) = corners[0], corners[2]
    return [(x0 + d, y0 + d), (x1 - d, y0 + d), (x1 - d, y1 - d), (x0 + d, y1 - d)]


@pytest.mark.parametrize("copy", [_inset(CORNERS, 0.001),                                        # 1 mm inside
                                  [CORNERS[0], CORNERS[1], (X0 + 200 - 0.05, Y0 + 162 - 0.05), CORNERS[3]]],  # 5 cm
                         ids=["1mm", "one-vertex-5cm"])
def test_a_red_line_drawn_twice_is_one_site_not_a_sliver(tmp_path, copy):
    path = _cad(tmp_path / "红线.dxf", _lwpolyline(CORNERS), _lwpolyline(copy))
    site = dcf.read_site(str(path))
    assert len(site) == 1 and len(site.geometry.iloc[0].interiors) == 0
    note = next(n for n in site.attrs["read_notes"] if "重复" in n)
    assert "第 2 条闭合多段线与第 1 条闭合多段线重复" in note and "计一次" in note
    assert not any("按洞处理" in n for n in site.attrs["read_notes"])
    answer = dcf.check_site(str(path), "轴承", area_mu=48)
    assert answer.results[0]["site"]["area_mu"] == pytest.approx(FULL_MU, rel=1e-3)   # never 0.01 亩


def test_a_village_ring_stays_a_hole_and_the_note_says_the_area_checked(tmp_path):
    # the outer drawn twice (reversed) around a village: one outline, one hole; 场地共 the checked 亩, not twice it
    path = _cad(tmp_path / "twice.dxf", _lwpolyline(CORNERS), _lwpolyline(CORNERS[::-1]), _lwpolyline(INNER))
    site = dcf.read_site(str(path))
    notes = site.attrs["read_notes"]
    hole = next(n for n in notes if "按洞处理" in n)
    assert "第 3 条闭合多段线在第 1 条闭合多段线之内" in hole and f"场地共 {HOLED_MU:,.2f} 亩" in hole
    assert any("第 2 条闭合多段线与第 1 条闭合多段线重复" in n for n in notes)
    assert dcf.check_site(str(path), "轴承").results[0]["site"]["area_mu"] == pytest.approx(HOLED_MU, rel=1e-3)
    # a village ring 1 m inside the red line is a real strip cut out, not a copy
    strip = dcf.read_site(str(_cad(tmp_path / "strip.dxf", _lwpolyline(CORNERS), _lwpolyline(_inset(CORNERS, 1.0)))))
    assert any("按洞处理" in n for n in strip.attrs["read_notes"])
    assert strip["area_mu_measured"].sum() == pytest.approx((200 * 162 - 198 * 160) / MU, rel=1e-3)


def test_rings_that_cross_get_a_drawing_warning(tmp_path):
    crossing = [(X0 + 150, Y0 + 40), (X0 + 260, Y0 + 40), (X0 + 260, Y0 + 121), (X0 + 150, Y0 + 121)]
    path = _cad(tmp_path / "cross.dxf", _lwpolyline(CORNERS), _lwpolyline(crossing))
    code, out, _ = _run("site", "check", "--site", path, "--industry", "轴承")
    warning = next(line for line in out.splitlines() if line.startswith("图形警告："))
    assert "第 1 条闭合多段线与第 2 条闭合多段线相互交叉重叠" in warning and "未作为洞扣除" in warning
    assert f"面积 {(200 * 162 + 110 * 81 - 50 * 81) / MU:.2f} 亩" in out   # the union, the overlap once


# ---- 3. the batch's 产能置换 column and the API's capacity_replacement -------------------------------------

DECLARED = ["是", "Y", "√", "1", "TRUE", "等量置换", "减量置换", "是（减量置换）", "已置换", "是的"]
NOT_DECLARED = ["否", "N", "×", "0", "无", "未置换", "不涉及"]


def test_the_capacity_column_reads_the_words_clerks_write(tmp_path):
    values = DECLARED + NOT_DECLARED + ["待置换"]
    table = pd.DataFrame({"项目名称": [f"炼铁{i}" for i in range(len(values))], "经度": 115.7612, "纬度": 36.4475,
                          "行业": "C3110", "产能置换": values})
    path = tmp_path / "cap.csv"
    table.to_csv(path, index=False)
    answer = dcf.check_batch(str(path))
    verdicts = dict(zip(values, (r["verdict_zh"] for r in answer.results)))
    assert {v: verdicts[v] for v in DECLARED} == dict.fromkeys(DECLARED, "有条件符合")
    assert {v: verdicts[v] for v in NOT_DECLARED} == dict.fromkeys(NOT_DECLARED, "不符合")
    # a word not understood: said in the row and the notes, never «未声明产能置换» → 不符合
    unread = answer.results[values.index("待置换")]
    assert unread["verdict_zh"] == "有条件符合"
    assert any("“待置换”无法识别" in r["text_zh"] and "待核实" in r["text_zh"] for r in unread["reasons"])
    assert any("“产能置换”列有 1 行的值无法识别（“待置换”）" in n for n in answer.notes)


def test_the_api_takes_the_same_words_and_its_422_names_them(desk):
    body = {"site": "115.7612,36.4475", "industry": "C3110"}
    for value, verdict in (("是", "conditional"), ("等量置换", "conditional"), (True, "conditional"),
                           ("否", "does_not_fit"), (False, "does_not_fit")):
        r = desk.post("/api/site-check", json={**body, "capacity_replacement": value})
        assert r.status_code == 200 and r.json()["verdict"] == verdict, value
    r = desk.post("/api/site-check", json={**body, "capacity_replacement": "待置换"})
    assert r.status_code == 422
    assert "capacity_replacement" in r.json()["error"] and "是/否" in r.json()["error"]


# ---- 4. typed coordinates ----------------------------------------------------------------------------

@pytest.mark.parametrize("typed, field", [("E115°45'70\" N36°26'51\"", "经度的秒为 70"),
                                          ("E115°75' N36°26'", "经度的分为 75"),
                                          ("E115.7612 N36°61'", "纬度的分为 61")])
def test_minutes_or_seconds_of_60_or_more_are_refused_naming_the_field(typed, field):
    with pytest.raises(InputError, match=field + "，应小于 60"):
        dcf.read_site(typed)


@pytest.mark.parametrize("typed", ["E 115.7612, N 36.4475", "E115.7612N36.4475", "Ｅ１１５．７６１２ Ｎ３６．４４７５",
                                   "北纬36.4475，东经115.7612"])
def test_forms_clerks_type_are_read(typed):
    site = dcf.read_site(typed)
    assert (site.geometry.iloc[0].x, site.geometry.iloc[0].y) == pytest.approx((115.7612, 36.4475))


def test_a_signed_labelled_number_is_refused_as_a_coordinate():
    code, _, err = _run("site", "check", "--site", "E-115.7612 N36.4475", "--industry", "轴承")
    assert code == 2 and "文件不存在" not in err and "不带正负号" in err and "W、S" in err


def test_a_typed_coordinate_wins_over_a_file_of_that_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("E115.7612 N36.4475").write_text('{"type": "Point", "coordinates": [115.98, 36.45]}')
    site = dcf.read_site("E115.7612 N36.4475")
    assert site.geometry.iloc[0].x == pytest.approx(115.7612)
    assert any("按坐标读取，未读该文件" in n for n in site.attrs["read_notes"])


# ---- 5. a workbook whose sheets are all hidden --------------------------------------------------------

def test_a_workbook_of_hidden_sheets_says_it_read_a_hidden_one(tmp_path):
    made = tmp_path / "made.xlsx"
    rows = pd.DataFrame({"项目名称": ["甲"], "经度": [115.7612], "纬度": [36.4475], "行业": ["轴承"]})
    with pd.ExcelWriter(made, engine="openpyxl") as xl:
        rows.to_excel(xl, sheet_name="隐藏清单", index=False)
        rows.to_excel(xl, sheet_name="隐藏2", index=False)
        xl.book["隐藏2"].sheet_state = "veryHidden"
    path = hide_every_sheet(made, tmp_path / "hidden.xlsx")
    answer = dcf.check_batch(str(path))
    note = next(n for n in answer.notes if "个工作表" in n)
    assert "均为隐藏工作表" in note and "读取“隐藏清单”" in note
    assert "跳过 “隐藏清单”" not in note   # never «read X; skipped X»


# ---- 6. the dask dashboard ----------------------------------------------------------------------------

@pytest.mark.dask
def test_the_dask_dashboard_is_printed_where_it_listens():
    from dcf_spatial.land.dask.cluster import connect, dashboard_link

    client, cluster = connect(None, 1, dashboard=True)
    try:
        link = dashboard_link(client)
        assert link.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(link, timeout=30) as r:
            assert r.status == 200
    finally:
        client.close()
        cluster.close()


# ---- 7. workbooks that cannot be opened ---------------------------------------------------------------

def test_a_password_protected_xlsx_is_named_so_on_the_command_line(tmp_path):
    code, _, err = _run("site", "check", "--batch", ENCRYPTED, "-o", tmp_path / "out.xlsx")
    assert code == 2 and "打开密码" in err and "97-2003" not in err


def test_the_desk_sheets_answer_400_for_what_is_no_workbook(desk):
    import io
    import zipfile

    fake = io.BytesIO()
    with zipfile.ZipFile(fake, "w") as z:
        z.writestr("readme.txt", "hello")
    for name, data, words in (("fake.xlsx", fake.getvalue(), "压缩包"), ("bad.xlsx", b"abcdefg", "不是可识别的表格"),
                              ("加密.xlsx", ENCRYPTED.read_bytes(), "打开密码")):
        r = desk.post("/api/sheets", files={"file": (name, data)})
        assert r.status_code == 400 and words in r.json()["error"], (name, r.text)
    # the batch with the same file says the same
    r = desk.post("/api/site-check/batch", files={"file": ("加密.xlsx", ENCRYPTED.read_bytes())})
    assert r.status_code == 400 and "打开密码" in r.json()["error"]


def test_a_sheet_named_in_the_form_that_is_not_there_is_400_as_the_readme_says(desk, tmp_path):
    path = tmp_path / "清单.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for i in range(30):
            pd.DataFrame({"项目名称": ["甲"]}).to_excel(xl, sheet_name=f"表{i}", index=False)
    r = desk.post("/api/site-check/batch", files={"file": ("清单.xlsx", path.read_bytes())}, data={"sheet": "不存在"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert "没有名为 '不存在' 的工作表" in error and "“表0”" in error and "等 30 个" in error and "“表29”" not in error
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "工作簿中没有所填的工作表" in readme
