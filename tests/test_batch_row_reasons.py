"""A batch row's 无法核查 reason names what is wrong with that row first: a row without 行业 placed by
its 建设地点 says it has no industry (not "坐标缺失"), and a row whose 经度/纬度 look swapped (经度 36.x,
纬度 115.x among rows the right way round) says so in the single check's words, "经纬度顺序颠倒——36.455 只能是
纬度…" with the order to type (a new user's findings, issue 12/13 follow-up; QA round 11, F7). Inputs are synthetic, made in tmp_path; the store is a copy of the checkout's."""

from __future__ import annotations

import shutil

import pytest
from shapely import Point

from dcf_spatial import settings
from dcf_spatial._validate import location_problem
from dcf_spatial.queries import check_batch

NO_INDUSTRY = "该行没有行业"


@pytest.fixture(scope="module")
def answer(tmp_path_factory):
    d = tmp_path_factory.mktemp("reasons")
    shutil.copy(settings.checkout_store, d / "s.gpkg")
    csv = d / "清单.csv"
    csv.write_text("项目名称,行业,经度,纬度,建设地点\n"
                   "合成甲,,,,东昌府区郑家镇工业园区纬二路北\n"   # no industry, placed by its address
                   "合成乙,轴承,36.455,115.75,\n"                  # lon/lat swapped
                   "合成丙,,,,\n"                                  # no industry, no place
                   "合成丁,轴承,115.75,36.455,\n"
                   "合成戊,轴承,115.76,36.456,\n", encoding="utf-8")
    return check_batch(csv, store=d / "s.gpkg")


def _error(answer, k):
    r = answer.results[k]
    assert r["status"] == "error", r
    return r["error"]


def test_a_row_placed_by_its_address_without_an_industry_says_it_has_no_industry(answer):
    err = _error(answer, 0)
    assert err.startswith(NO_INDUSTRY) and "坐标缺失" not in err, err


def test_a_row_without_industry_or_place_names_the_industry_first_then_the_place(answer):
    err = _error(answer, 2)
    # an empty 建设地点 is said to be empty (QA round 11, F13.10), not «找不到地名表中的地名»
    assert err.startswith(NO_INDUSTRY) and "无法定位：地址为空" in err, err


def test_a_row_with_swapped_lon_lat_says_they_may_be_swapped(answer):
    err = _error(answer, 1)
    assert "经纬度顺序颠倒——36.455 只能是纬度、115.75 只能是经度" in err and "经度 115.75，纬度 36.455" in err, err
    assert [r["status"] for r in answer.results[3:]] == ["ok", "ok"]


def test_the_single_site_check_says_it_too_and_leaves_other_far_points_alone():
    assert location_problem(Point(36.455, 115.75)).startswith("经纬度顺序颠倒——36.455 只能是纬度")
    assert "顺序颠倒" not in location_problem(Point(10, 60))   # Europe either way round
    assert "顺序颠倒" not in location_problem(Point(200, 36))
