"""One bad row never kills a batch (issue 14 item 4).

Every numeric and coordinate value of a batch row is range-checked with the rules of the
single-site options (``--area-mu`` must be > 0 and finite …); a bad row gets 无法核查 with its
reason, the other rows are checked, and the file out has as many rows as the file in.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial._validate import figure_problem, location_problem
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError
from dcf_spatial.queries import check_site
from dcf_spatial.store import catalog


@pytest.fixture()
def shipped_store(monkeypatch):
    monkeypatch.delenv("DCF_STORE", raising=False)
    monkeypatch.setattr(settings, "store", settings.default_store)


@pytest.fixture()
def park_point(shipped_store):
    park = catalog.read_layer("cluster_parks").set_index("id").loc["park.zhengjia.bearing"]
    p = park.geometry.representative_point()
    return p.x, p.y


# (project name, lon, lat, industry, area 亩, investment 万元, expected problem word or None)
def _rows(x, y):
    return [
        ("好甲", x, y, "轴承", "50", "30000", None),
        ("面积1e308", x, y, "轴承", "1e308", "30000", "用地面积"),
        ("面积inf", x, y, "轴承", "inf", "30000", "用地面积"),
        ("面积nan", x, y, "轴承", "nan", "30000", "用地面积"),
        ("面积负", x, y, "轴承", "-5", "30000", "用地面积"),
        ("面积零", x, y, "轴承", "0", "30000", "用地面积"),
        ("投资负", x, y, "轴承", "50", "-1", "总投资"),
        ("零点", 0, 0, "轴承", "50", "30000", "(0, 0)"),
        ("错代码", x, y, "C9899", "50", "30000", "C9899"),
        ("nan", x, y, "轴承", "", "", None),
        ("好乙", x, y, "轴承", "", "30000", None),
    ]


def _csv(tmp_path, x, y):
    rows = _rows(x, y)
    frame = pd.DataFrame([r[:6] for r in rows], columns=["项目名称", "经度", "纬度", "行业", "用地面积(亩)", "总投资(万元)"])
    path = tmp_path / "项目清单.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path, rows


def test_bad_rows_are_reported_and_the_batch_completes(park_point, tmp_path):
    path, rows = _csv(tmp_path, *park_point)
    out = tmp_path / "结果.csv"
    res = CliRunner().invoke(cli, ["site", "check", "--batch", str(path), "-o", str(out), "--json"])
    assert res.exit_code == 0, res.output
    results = json.loads(res.stdout)
    assert len(results) == len(rows)
    for (name, *_, problem), r in zip(rows, results):
        if problem is None:
            assert r["status"] == "ok", (name, r.get("error"))
        else:
            assert r["status"] == "error", name
            assert problem in r["error"], (name, r["error"])
    table = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert len(table) == len(rows)
    assert list(table["项目名称"]) == [r[0] for r in rows]  # the project named "nan" too
    assert (table["核查状态"] == "无法核查").sum() == 8
    assert table.loc[table["项目名称"] == "面积1e308", "无法核查的原因"].item().startswith("用地面积 1e+308")


def test_a_project_named_nan_keeps_its_name_in_a_workbook(park_point, tmp_path):
    x, y = park_point
    path = tmp_path / "项目清单.xlsx"
    pd.DataFrame({"项目名称": ["nan", "NA"], "经度": [x, x], "纬度": [y, y], "行业": ["轴承", "轴承"]}).to_excel(path, index=False)
    out = tmp_path / "结果.xlsx"
    res = CliRunner().invoke(cli, ["site", "check", "--batch", str(path), "-o", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_excel(out, sheet_name="核查结果", keep_default_na=False)
    name_col = next(c for c in table.columns if "名称" in str(c))
    assert list(table[name_col]) == ["nan", "NA"]


@pytest.mark.parametrize("value", ["1e308", "inf", "nan", "-5", "0"])
def test_single_site_refuses_what_a_batch_row_refuses(park_point, value):
    x, y = park_point
    res = CliRunner().invoke(cli, ["site", "check", "--site", f"{x},{y}", "--industry", "轴承", "--area-mu", value])
    assert res.exit_code == 2, res.output
    assert "--area-mu" in res.output and "用地面积" in res.output
    assert "Traceback" not in res.output
    with pytest.raises(InputError, match="用地面积"):
        check_site(f"{x},{y}", "轴承", area_mu=float(value))
    with pytest.raises(InputError, match="总投资"):
        check_site(f"{x},{y}", "轴承", investment_wan=float(value) if value not in ("0",) else -1.0)


def test_the_validator_is_the_same_for_both():
    assert figure_problem("site_area_mu", 50) is None
    assert figure_problem("site_area_mu", "50") is None
    for bad in (0, -1, math.inf, 1e308, "abc", "nan"):
        assert figure_problem("site_area_mu", bad), bad
    assert figure_problem("investment_wan", 0) is None  # zero investment is a figure, not an error
    assert figure_problem("site_area_mu", math.nan) is None  # an empty cell: not given
    from shapely import Point

    assert location_problem(Point(0, 0))
    assert location_problem(Point(115.98, 36.45)) is None
    assert "境外" in location_problem(Point(2.35, 48.85))


def test_a_geodataframe_batch_with_a_mistyped_code_completes(park_point):
    import geopandas as gpd
    from shapely import Point

    x, y = park_point
    frame = gpd.GeoDataFrame({"industry": ["轴承", "C9899", "轴承", "轴承"], "area_mu": [50, 50, 1e308, -3]},
                             geometry=[Point(x, y)] * 4, crs=settings.storage_crs)
    answer = check_site(frame)
    assert [r["status"] for r in answer.results] == ["ok", "error", "error", "error"]
    assert "C9899" in answer.results[1]["error"]
    assert "用地面积" in answer.results[2]["error"] and "用地面积" in answer.results[3]["error"]


def test_a_non_finite_value_in_an_unlabelled_area_column_fails_its_row_only(park_point, tmp_path):
    # the column 用地面积 names no unit: its unit is judged from the values, and 1e400 (read as inf)
    # must neither decide nor break that judgement; its row is 无法核查, the others are checked
    x, y = park_point
    path = tmp_path / "项目清单.csv"
    path.write_text("项目名称,经度,纬度,行业,用地面积\n"
                    f"好甲,{x},{y},轴承,50\n坏,{x},{y},轴承,1e400\n好乙,{x},{y},轴承,300\n", encoding="utf-8")
    out = tmp_path / "结果.csv"
    res = CliRunner().invoke(cli, ["site", "check", "--batch", str(path), "-o", str(out), "--json"])
    assert res.exit_code == 0, res.output
    results = json.loads(res.stdout)
    assert [r["status"] for r in results] == ["ok", "error", "ok"]
    assert results[1]["error"].startswith("用地面积 1e400：不是有限的数值")  # quoted as typed, not "inf"
    table = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert list(table["核查状态"]) == ["已核查", "无法核查", "已核查"]
    assert table.loc[1, "表格行号"] == 3  # header on line 1: 坏 is the spreadsheet's line 3
    assert [float(v) for v in table["面积（亩）"][[0, 2]]] == [50.0, 300.0]  # 50–300 can only be 亩
    assert "不参与单位判断" in res.stderr
    assert "2 行为点位" in res.stderr  # the row of 1e400 grows no circle
