"""A planning office's real project list (QA round 3): what each row says and what the XLSX holds.

Written from what the user should see: a bad coordinate (经度 “abc”) in a file with an empty 建设地点
names both; full-width digits (１１５．７３５３, typed in Chinese Excel) are numbers; a point ~700 km
away says 疑似录入错误 in its own row; the XLSX's 数据说明 names the 口径 used (plan_rules.json →
office_policies: 第三章第三节、第十章第四节 leave 集聚区外新建工业项目 to the planning office) and its
number cells are numbers. Inputs are synthetic, made in tmp_path; the store is a copy of the checkout's.
"""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from dcf_spatial import settings
from dcf_spatial._validate import number_problem
from dcf_spatial.queries import check_batch, check_batch_to_file

HEAD = "项目名称,行业,经度,纬度,用地面积（亩）,总投资（万元）,建设地点\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    d = tmp_path_factory.mktemp("office")
    shutil.copy(settings.checkout_store, d / "s.gpkg")
    return d / "s.gpkg"


@pytest.fixture(scope="module")
def listing(tmp_path_factory):
    csv = tmp_path_factory.mktemp("list") / "项目清单.csv"
    csv.write_text(HEAD +
                   "坏经度,轴承,abc,36.4,50,1000,\n"                         # bad value, empty address
                   "全角,轴承,１１５．７５,３６．４５５,５０,１，２００,\n"       # full-width digits
                   "远处,轴承,120.1,30.2,50,1000,\n"                          # ~700 km away (Hangzhou)
                   "空坐标,轴承,,,50,1000,\n"                                 # nothing typed, no address
                   "正常,轴承,115.76,36.456,50,1000,\n",
                   encoding="gbk")
    return csv


@pytest.fixture(scope="module")
def answer(listing, store):
    return check_batch(listing, store=store, policy={"industry_outside_clusters": "conditional"})


def test_a_bad_coordinate_with_an_empty_address_names_both(answer):
    r = answer.results[0]
    assert r["status"] == "error"
    assert "“abc”" in r["error"], r["error"]                 # the value typed
    assert "地址为空" in r["error"], r["error"]               # and that the address did not help


def test_a_row_with_nothing_typed_still_says_it_has_no_coordinates(answer):
    err = answer.results[3]["error"]
    assert err.startswith("无坐标") and "地址为空" in err, err


def test_full_width_digits_are_read_as_numbers(answer):
    r = answer.results[1]
    assert r["status"] == "ok", r.get("error")
    assert r["site"]["area_mu"] == pytest.approx(50, rel=1e-3)   # ５０ 亩 grew a 50 亩 disc
    lon, lat = r["site"]["centroid_lonlat"]
    assert lon == pytest.approx(115.75, abs=1e-4) and lat == pytest.approx(36.455, abs=1e-4)


def test_full_width_number_text_in_a_figure_is_a_number():
    assert number_problem("１，２００", unit="万元", allow_zero=True, ceiling=1e9) == (1200.0, None)
    assert number_problem("－５", unit="亩", allow_zero=False, ceiling=1e7)[1] == "-5：必须大于 0（单位：亩）"


def test_a_point_far_away_says_so_in_its_own_row(answer):
    r = answer.results[2]
    assert r["status"] == "ok" and r["verdict_zh"] == "不在规划范围"
    first = r["reasons"][0]["text_zh"]
    assert "疑似" in first and "录入错误" in first and "km" in first, first
    table = answer.to_frame()
    assert "疑似坐标录入错误" in table.loc[2, "判定理由"]
    assert "疑似" not in table.loc[4, "判定理由"]              # a point in the district says nothing of it


def _sheets(path):
    wb = openpyxl.load_workbook(path)
    ws = wb["核查结果"]
    head = [c.value for c in ws[1]]
    rows = [[c for c in r] for r in ws.iter_rows(min_row=2)]
    return head, rows, [c.value for c in wb["数据说明"]["A"] if c.value]


@pytest.mark.parametrize("writer", ["to_table", "check_batch_to_file"])
def test_the_xlsx_names_the_policy_and_writes_numbers_as_numbers(answer, listing, store, tmp_path, writer):
    out = tmp_path / "核查结果.xlsx"
    if writer == "to_table":
        answer.to_table(out)
        chosen = True
    else:
        check_batch_to_file(listing, out, store=store)
        chosen = False
    head, rows, notes = _sheets(out)
    policy = [n for n in notes if n.startswith("核查口径")]
    assert len(policy) == 1 and "集聚区外新建工业项目" in policy[0], notes
    if chosen:
        assert "引导入园" in policy[0] and "本次选用，非默认口径" in policy[0], policy
    else:
        assert "应入园" in policy[0] and "（默认口径）" in policy[0], policy
    lon = head.index("经度")
    cells = [r[lon] for r in rows]
    assert cells[0].value == "abc" and cells[0].data_type == "s"          # text stays text
    assert cells[4].value == pytest.approx(115.76) and cells[4].data_type == "n"
    assert cells[1].value == pytest.approx(115.75) and cells[1].data_type == "n"   # full-width, a number too


def test_formula_like_text_in_a_number_column_stays_text(store, tmp_path):
    csv = tmp_path / "清单.csv"
    csv.write_text("项目名称,行业,经度,纬度\n公式,轴承,=1+1,36.4\n正常,轴承,115.76,36.456\n", encoding="utf-8")
    out = check_batch(csv, store=store).to_table(tmp_path / "x.xlsx")
    head, rows, _ = _sheets(out)
    cell = rows[0][head.index("经度")]
    assert cell.value == "=1+1" and cell.data_type == "s" and cell.quotePrefix
