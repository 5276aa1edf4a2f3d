"""Land-use control indicators as editions, the standard's calculation rules, and a local edition (issue 10).

Cases are written from 《工业项目建设用地控制指标》(国土资发〔2008〕24号) as the issue and the public copy state it:
建筑物层高超过 8 米的，计算容积率时该层建筑面积加倍; 建筑系数 counts 露天堆场、露天操作场地; 严禁在工业项目用地范围内建造
成套住宅、专家楼、宾馆、招待所和培训中心等非生产性配套设施.
"""

from __future__ import annotations

import pytest

from dcf_spatial import settings
from dcf_spatial.errors import InputError
from dcf_spatial.queries import land_indicators as li

AREA = 40_000.0  # m² of site


@pytest.fixture(autouse=True)
def no_local_edition(tmp_path, monkeypatch):
    """Every test starts without a local edition (the user's own data folder is never touched)."""
    monkeypatch.setattr(settings, "user_data_dir", tmp_path / "user")
    li._local_table.cache_clear()
    yield
    li._local_table.cache_clear()


def _by(rows):
    return {r["indicator"]: r for r in rows}


def test_the_edition_in_force_is_named_and_the_unverified_2023_edition_falls_back():
    before = li.edition_in_force("2015-06-30")
    assert before["edition_id"] == "2008" and not before["not_loaded"]
    assert "2015-06-30" in before["note_zh"] and "国土资发〔2008〕24号" in before["note_zh"]
    after = li.edition_in_force("2024-03-01")
    assert after["edition_id"] == "2008"  # the 2023 figures are not loaded: fallback, said so
    assert after["not_loaded"] and "2023" in after["not_loaded"][0]
    assert "未录入" in after["note_zh"] and "待核实" in after["note_zh"] and "暂按" in after["note_zh"]


def test_the_2023_edition_holds_no_figures():
    t = li.indicator_table("land_control_indicators_2023.csv")
    assert len(t) and t["threshold_value"].isna().all()
    assert t["note"].str.contains("待核实").all()
    eds = li.editions().set_index("edition_id")
    assert eds.at["2023", "status"] == "not_loaded" and bool(eds.at["2023", "verify"])


def test_every_2008_row_carries_its_edition_and_date():
    t = li.indicator_table()
    assert (t["edition_id"] == "2008").all() and (t["effective_from"] == "2008").all()


def test_result_rows_say_which_edition_on_the_sites_date():
    rows = li.check_indicators(("C3451",), {"floor_area_m2": 40_000}, site_area_m2=AREA, date="2025-01-01")
    assert all("2025-01-01" in r["edition_note"] for r in rows)
    rows = li.check_indicators(("C3451",), {"check_date": "2019-05-01"}, site_area_m2=AREA)
    assert "2019-05-01" in rows[0]["edition_note"] and "未录入" not in rows[0]["edition_note"]
    with pytest.raises(InputError, match="不是日期"):
        li.check_indicators(("C3451",), {}, site_area_m2=AREA, date="明年")


def test_a_storey_over_8_m_counts_twice_in_the_plot_ratio():
    # C3451 → 2002 division 35, plot ratio ≥ 0.7 (表2). 24,000 m² on 40,000 m² is 0.6: fails;
    # with 6,000 m² of it on storeys higher than 8 m the counted area is 30,000 m²: 0.75, passes.
    plain = _by(li.check_indicators(("C3451",), {"floor_area_m2": 24_000}, site_area_m2=AREA))["plot_ratio"]
    assert plain["value"] == pytest.approx(0.6) and plain["status"] == "fail"
    tall = _by(li.check_indicators(("C3451",), {"floor_area_m2": 24_000, "tall_floor_area_m2": 6_000},
                                   site_area_m2=AREA))["plot_ratio"]
    assert tall["value"] == pytest.approx(0.75) and tall["status"] == "pass" and "加倍" in tall["note"]
    # exactly 8 m is not "over 8 m"
    assert li.plot_ratio_floor_area({"storeys": [(10_000, 8.0), (10_000, 8.01)]})[0] == 30_000
    with pytest.raises(InputError, match="大于总建筑面积"):
        li.plot_ratio_floor_area({"floor_area_m2": 1_000, "tall_floor_area_m2": 2_000})


def test_open_storage_and_operating_yards_count_in_the_building_coefficient():
    # 建筑系数 ≥ 30 %: buildings 10,000 m² alone are 25 %; with 2,000 m² of open yards 30 %
    alone = _by(li.check_indicators(("C3451",), {"footprint_m2": 10_000}, site_area_m2=AREA))["building_coefficient"]
    assert alone["status"] == "fail"
    yards = _by(li.check_indicators(("C3451",), {"footprint_m2": 10_000, "yard_area_m2": 2_000},
                                    site_area_m2=AREA))["building_coefficient"]
    assert yards["value"] == pytest.approx(0.30) and yards["status"] == "pass" and "露天堆场" in yards["note"]


@pytest.mark.parametrize("value, expected", [
    ("专家楼", ["专家楼"]), ("宾馆、培训中心", ["宾馆", "培训中心"]), ("成套住宅", ["成套住宅"]),
    ("招待所", ["招待所"]), ("是", ["非生产性配套设施"]), ("否", []), (None, []), (False, []),
])
def test_barred_facilities_as_the_standard_names_them(value, expected):
    assert li.barred_facilities(value) == expected


def test_barred_facilities_make_an_industrial_site_not_fit():
    from dcf_spatial.queries import check_site

    base = check_site("115.75,36.455", "C3451", area_mu=50)
    barred = check_site("115.75,36.455", "C3451", area_mu=50, non_production_facilities="专家楼")
    assert base.verdict != "does_not_fit"
    assert barred.verdict == "does_not_fit"
    reason = [r for r in barred.results[0]["reasons"] if r["rule"] == "non_production_facilities"][0]
    assert "专家楼" in reason["text_zh"] and "国土资发〔2008〕24号" in reason["plan_ref"]


def _write(tmp_path, rows, name="标准地指标.xlsx"):
    import pandas as pd

    path = tmp_path / name
    pd.DataFrame(rows, columns=["指标", "行业代码", "比较", "阈值", "单位", "施行日期", "版本"]).to_excel(path, index=False)
    return path


def test_a_local_edition_is_validated_and_used_in_preference(tmp_path):
    path = _write(tmp_path, [["容积率", "C3451", ">=", "1.2", "ratio", "2022-01-01", "聊城标准地（示例）"],
                             ["建筑系数", "*", ">=", "40", "%", "2022-01-01", "聊城标准地（示例）"],
                             ["投资强度", "C34", ">=", "300", "万元/亩", "2022-01-01", "聊城标准地（示例）"]])
    res = li.load_local_indicators(path)
    assert res.n_rows == 3 and res.path.parent == settings.user_data_dir
    rows = _by(li.check_indicators(("C3451",), {"floor_area_m2": 40_000, "footprint_m2": 14_000,
                                                "investment_wan": 13_000}, site_area_m2=AREA, date="2023-01-01"))
    assert rows["plot_ratio"]["threshold"] == 1.2 and rows["plot_ratio"]["status"] == "fail"  # 1.0 < 1.2
    assert "地方指标" in rows["plot_ratio"]["edition"]
    assert rows["building_coefficient"]["threshold"] == pytest.approx(0.40)
    assert rows["investment_intensity"]["threshold"] == pytest.approx(4_500)  # 300 万元/亩 × 15
    assert rows["admin_share"]["edition"] == "国土资发〔2008〕24号"  # no local row: the national edition
    assert "聊城标准地（示例）" in rows["plot_ratio"]["edition_note"]
    # before the local edition applies, the national one decides
    early = _by(li.check_indicators(("C3451",), {"floor_area_m2": 40_000}, site_area_m2=AREA, date="2021-01-01"))
    assert early["plot_ratio"]["threshold"] == pytest.approx(0.7)
    with pytest.raises(InputError, match="已载入"):
        li.load_local_indicators(path)


def test_bad_rows_of_a_local_edition_are_each_named_and_nothing_is_loaded(tmp_path):
    path = _write(tmp_path, [["容积率", "C3999", ">=", "1.2", "ratio", "2022-01-01", "示例"],
                             ["亩均税收", "*", ">=", "20", "万元/亩", "2022-01-01", "示例"],
                             ["建筑系数", "*", ">=", "40", "万元/亩", "2022-01-01", "示例"],
                             ["绿地率", "*", "=", "20", "%", "2022-01-01", "示例"],
                             ["容积率", "C34", ">=", "高", "ratio", "2022-01-01", "示例"],
                             ["容积率", "C35", ">=", "1.0", "ratio", "明年", "示例"]])
    with pytest.raises(InputError) as exc:
        li.load_local_indicators(path)
    msg = str(exc.value)
    for row, col in ((2, "行业代码"), (3, "指标"), (4, "单位"), (5, "比较"), (6, "阈值"), (7, "施行日期")):
        assert f"第 {row} 行「{col}」" in msg, (row, col, msg)
    assert not li.local_indicators_path().exists()


def test_missing_columns_are_named(tmp_path):
    import pandas as pd

    path = tmp_path / "t.xlsx"
    pd.DataFrame({"指标": ["容积率"], "阈值": [1.0]}).to_excel(path, index=False)
    with pytest.raises(InputError, match="缺少列.*行业代码"):
        li.load_local_indicators(path)


def test_cli_loads_and_checks_with_a_date(tmp_path):
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    path = _write(tmp_path, [["容积率", "C3451", ">=", "1.2", "ratio", "2022-01-01", "聊城标准地（示例）"]])
    r = CliRunner().invoke(cli, ["site", "indicators", "load", str(path)])
    assert r.exit_code == 0 and "已载入地方指标" in r.stdout, r.output
    r = CliRunner().invoke(cli, ["site", "indicators", "load", str(path)])
    assert r.exit_code != 0 and "--overwrite" in r.output
    r = CliRunner().invoke(cli, ["site", "check", "--site", "115.75,36.455", "--industry", "C3451", "--area-mu", "60",
                                 "--floor-area-m2", "40000", "--date", "2024-05-01"])
    assert r.exit_code == 0, r.output
    assert "2024-05-01" in r.stdout and "聊城标准地（示例）" in r.stdout
    r = CliRunner().invoke(cli, ["site", "check", "--site", "115.75,36.455", "--industry", "C3451", "--date", "明年"])
    assert r.exit_code != 0 and "--date" in r.output
