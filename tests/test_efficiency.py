"""亩产效益 classes: indicators, scores, class cuts, T rule, land from parcels, 低效用地 by zone."""

from __future__ import annotations

import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

from dcf_spatial.errors import InputError
from dcf_spatial.land import codes, efficiency
from dcf_spatial.land.parcels import validate_enterprises
from test_idle_audit import make_land_store, parcel_frame


def firms(n, **over):
    """n above-scale firms of 10 亩 whose figures rise with their number (the last is best), all
    below the score caps for n ≤ 100 so that no two firms tie."""
    k = np.arange(1, n + 1, dtype=float)
    df = pd.DataFrame({
        "credit_code": [codes.make_credit_code("371502", f"YY{i:06d}") for i in range(1, n + 1)],
        "name": [f"测试企业{i}" for i in range(1, n + 1)],
        "industry_code": "C3451", "above_scale": "是", "land_area_mu": 10.0,
        "tax_wan": 1.0 * k, "revenue_wan": 20 * k, "energy_tce": 1000.0, "emissions_t": 100.0, "employees": 50,
        "rd_wan": 0.2 * k, "year": 2024,
    })
    for key, v in over.items():
        df[key] = v
    return validate_enterprises(df)


def at_benchmarks(cfg, land=10.0):
    """Figures that put a firm exactly at every benchmark."""
    spec = cfg["indicators"]
    at = {"tax_wan": spec["tax_per_mu"]["benchmark"] * land, "revenue_wan": spec["revenue_per_mu"]["benchmark"] * land}
    at["energy_tce"] = at["revenue_wan"] / spec["revenue_per_tce"]["benchmark"]
    at["emissions_t"] = at["revenue_wan"] / spec["revenue_per_emission"]["benchmark"]
    at["rd_wan"] = at["revenue_wan"] * spec["rd_intensity"]["benchmark"] / 100
    at["employees"] = at["revenue_wan"] / spec["labour_productivity"]["benchmark"]
    return at


def test_indicators_are_the_shandong_county_ratios():
    e = firms(1, tax_wan=30.0, revenue_wan=600.0, energy_tce=60.0, emissions_t=1.5, employees=12, rd_wan=18.0,
              land_area_mu=20.0)
    ind = efficiency.indicators(e).iloc[0]
    assert ind["tax_per_mu"] == pytest.approx(1.5)            # 亩均税收
    assert ind["revenue_per_mu"] == pytest.approx(30.0)       # 亩均营业收入
    assert ind["revenue_per_tce"] == pytest.approx(10.0)      # 单位能耗营业收入
    assert ind["revenue_per_emission"] == pytest.approx(400.0)  # 单位排放营业收入
    assert ind["rd_intensity"] == pytest.approx(3.0)          # R&D 占比, per cent
    assert ind["labour_productivity"] == pytest.approx(50.0)  # 全员劳动生产率


def test_rd_benchmark_is_the_plans_5_percent_target():
    spec = efficiency.load_scoring()["indicators"]["rd_intensity"]
    assert spec["benchmark"] == 5.0
    assert "第三章第五节" in spec["source"]
    quoted = spec["source"].split("“")[1].split("”")[0]
    from test_plan_cases import PLAN_TEXT

    if PLAN_TEXT.exists():  # only verbatim plan text is quoted
        assert quoted in PLAN_TEXT.read_text(encoding="utf-8")


def test_every_default_names_its_source():
    cfg = efficiency.load_scoring()
    for spec in [*cfg["indicators"].values(), *cfg["pools"].values(), cfg["veto"]]:
        assert spec["source"] and ("待核实" in spec["source"] or "规划" in spec["source"])


def test_score_is_weighted_ratio_to_benchmark_with_cap():
    cfg = efficiency.load_scoring()
    at = at_benchmarks(cfg)
    assert efficiency.classify(firms(1, **at))["score"].iloc[0] == pytest.approx(100.0)
    # ten times every benchmark: each indicator capped
    ten = {"tax_wan": at["tax_wan"] * 10, "revenue_wan": at["revenue_wan"] * 10, "rd_wan": at["rd_wan"] * 100,  # revenue rose tenfold too
           "energy_tce": at["energy_tce"], "emissions_t": at["emissions_t"], "employees": at["employees"]}
    assert efficiency.classify(firms(1, **ten))["score"].iloc[0] == pytest.approx(100 * cfg["score_cap"])


def test_below_scale_firms_are_scored_on_tax_and_revenue_per_mu_only():
    cfg = efficiency.load_scoring()
    at = at_benchmarks(cfg)
    # at the two per-亩 benchmarks, nothing else reported: full marks in the 规下 pool
    e = firms(1, above_scale="否", tax_wan=at["tax_wan"], revenue_wan=at["revenue_wan"], energy_tce=np.nan,
              emissions_t=np.nan, employees=np.nan, rd_wan=np.nan)
    c = efficiency.classify(e).iloc[0]
    assert c["score"] == pytest.approx(100.0) and c["pool"] == "below" and "缺少" not in c["eff_reason"]
    assert set(cfg["pools"]["below"]["weights"]) == {"tax_per_mu", "revenue_per_mu"}


def test_above_and_below_scale_are_ranked_in_separate_pools():
    e = pd.concat([firms(10), firms(10, above_scale="否")], ignore_index=True)
    e["credit_code"] = [codes.make_credit_code("371502", f"YY{i:06d}") for i in range(1, 21)]
    c = efficiency.classify(validate_enterprises(e.drop(columns=["row", "problems", "duplicate_id", "credit_code_valid"])))
    for pool in ("above", "below"):
        sub = c[c["pool"] == pool]
        assert (sub["evaluated_n"] == 10).all() and (sub["eff_class"] == "A").sum() == 2
        assert sub["rank"].min() == 1
    assert "规下企业10家参评企业" in c["eff_reason"].iloc[-1]


def test_class_shares_top_20_bottom_5():
    c = efficiency.classify(firms(100))
    counts = c["eff_class"].value_counts()
    assert counts["A"] == 20 and counts["B"] == 50 and counts["D"] == 5 and counts["C"] == 25
    best, worst = c.iloc[-1], c.iloc[0]
    assert best["eff_class"] == "A" and best["rank"] == 1
    assert worst["eff_class"] == "D" and worst["rank"] == 100
    assert "第100名" in worst["eff_reason"] and "末5%" in worst["eff_reason"]


def test_veto_puts_a_firm_in_d_outside_the_ranking():
    c = efficiency.classify(firms(10, veto=[None] * 9 + ["2024年发生重大生产安全事故"]))
    best = c.iloc[-1]  # the best figures, but vetoed
    assert best["eff_class"] == "D" and best["vetoed"] and pd.isna(best["rank"])
    assert "一票否决" in best["eff_reason"]
    assert (c["evaluated_n"].iloc[:9] == 9).all()
    assert efficiency.classify(firms(2, veto=["否", "无"]))["vetoed"].sum() == 0


@pytest.mark.parametrize("start_year, is_t", [(2023, True), (2022, False), (None, False)])
def test_newly_in_production_firms_are_t(start_year, is_t):
    # t_new_years = 2: evaluated in 2024, in production since 2023 is under two years
    c = efficiency.classify(firms(3, start_year=[start_year, 2000, 2000])).iloc[0]
    assert (c["eff_class"] == "T") is is_t
    if is_t:
        assert "新投产" in c["eff_reason"] and "未满2年" in c["eff_reason"]


def test_t_class_for_small_below_scale_and_missing_land():
    e = firms(4, above_scale=["否", "否", "是", "否"], land_area_mu=[2.99, 3.0, 1.0, np.nan])
    c = efficiency.classify(e)
    assert c["eff_class"].tolist()[0] == "T" and "小于3亩" in c["eff_reason"].iloc[0]
    # 3 亩 exactly (规下) and 1 亩 (规上) are not "small": both evaluated — each alone in its pool, so not
    # ranked (a pool of one is no pool, QA7 #6): T for that reason, never for 小于3亩
    for i in (1, 2):
        assert "小于3亩" not in c["eff_reason"].iloc[i] and "仅 1 家" in c["eff_reason"].iloc[i]
    assert c["eff_class"].iloc[3] == "T" and "缺少用地面积" in c["eff_reason"].iloc[3]
    assert c["evaluated_n"].iloc[1] == 1  # the only 规下 firm evaluated


def test_classes_ranked_within_each_year_and_no_row_lost():
    e = pd.concat([firms(10), firms(10, year=2023)], ignore_index=True)
    c = efficiency.classify(validate_enterprises(e.drop(columns=["row", "problems", "duplicate_id", "credit_code_valid"])))
    assert len(c) == 20
    assert (c.groupby("year")["eff_class"].apply(lambda s: (s == "A").sum()) == 2).all()


def test_missing_indicator_scores_zero_and_is_said():
    c = efficiency.classify(firms(3, energy_tce=[100.0, np.nan, 100.0]))
    assert c["revenue_per_tce_score"].iloc[1] == 0
    assert "单位能耗营业收入" in c["eff_reason"].iloc[1]


def test_an_indicator_the_table_lacks_drops_out_and_its_weight_is_shared():
    cfg = efficiency.load_scoring()
    e = firms(3).drop(columns=["emissions_t"])
    w = efficiency.pool_weights(cfg, e)["above"]
    assert "revenue_per_emission" not in w and sum(w.values()) == pytest.approx(1.0)
    c = efficiency.classify(e)
    assert "单位排放营业收入" not in "".join(c["eff_reason"])  # not "missing" for each firm
    notes = "".join(efficiency.scoring_notes(cfg, e))
    assert "单位排放营业收入" in notes and "不参与评分" in notes


def test_duplicate_and_bad_credit_codes_are_reported():
    e = firms(3)
    raw = e.drop(columns=["row", "problems", "duplicate_id", "credit_code_valid"])
    raw.loc[1, "credit_code"] = raw.loc[0, "credit_code"]
    raw.loc[2, "credit_code"] = "91371502YY00000300"
    v = validate_enterprises(raw)
    assert v["duplicate_id"].tolist() == [True, True, False]
    assert "校验不通过" in v["problems"].iloc[2]


def test_land_area_from_parcels_when_table_has_none():
    e = firms(2, land_area_mu=[np.nan, 7.0])
    parcels = pd.DataFrame({"credit_code": [e["credit_code"].iloc[0]] * 2 + [e["credit_code"].iloc[1]],
                            "area_mu": [4.0, 6.0, 99.0]})
    out = efficiency.attach_land_area(e, parcels)
    assert out["land_area_mu"].tolist() == [10.0, 7.0]
    assert out["land_area_source"].tolist() == ["宗地合计", "企业填报"]


def test_weights_must_sum_to_one(tmp_path):
    cfg = json.loads((efficiency.settings.data_dir / "efficiency_scoring.json").read_text(encoding="utf-8"))
    cfg["pools"]["above"]["weights"]["tax_per_mu"] = 0.9
    path = tmp_path / "s.json"
    path.write_text(json.dumps(cfg), encoding="utf-8")
    with pytest.raises(InputError, match=r"s\.json：规上企业各指标权重（weight）之和为 1\.\d{3}，不等于 1"):
        efficiency.load_scoring(path)


def test_low_efficiency_land_by_zone(tmp_path):
    from dcf_spatial.land import audit_efficiency

    store = make_land_store(tmp_path / "store.gpkg")
    e = firms(20)
    raw = e.drop(columns=["row", "problems", "duplicate_id", "credit_code_valid"])
    worst = raw["credit_code"].iloc[0]  # class D
    parcels = parcel_frame([
        {"agreed_start": "2019-01-01", "actual_start": "2019-02-01", "credit_code": worst},   # D firm's parcel
        {"agreed_start": "2020-01-01", "credit_code": raw["credit_code"].iloc[-1]},           # idle, A firm
        {"agreed_start": "2019-01-01", "actual_start": "2019-02-01", "credit_code": raw["credit_code"].iloc[10]},
    ])
    res = audit_efficiency(raw, out=tmp_path / "o", parcels=parcels, as_of="2024-06-01", store=store, map=False)
    p = res.parcels
    assert p["low_efficiency"].tolist() == ["D类企业用地", "闲置土地", ""]
    table = res.summaries["按镇街"]
    assert table["low_area_mu"].sum() == pytest.approx(p["area_mu"].iloc[:2].sum())
    assert table["parcels"].sum() == 3
    wb = openpyxl.load_workbook(res.files["excel"], read_only=True)
    assert {"说明", "企业清单", "汇总_按分类", "低效用地_按镇街", "问题记录"} <= set(wb.sheetnames)
    rows = list(wb["企业清单"].iter_rows(values_only=True))
    assert "示意图层" in rows[0][0]  # the data note on top of every sheet
    assert len(rows) == 2 + 20 and "分类名称" in rows[1]
    totals = list(wb["汇总_按分类"].iter_rows(values_only=True))
    assert totals[2][totals[1].index("合计")] == 20


def _csv_audit(tmp_path, rows, **kw):
    """``dcf.land.audit_efficiency`` of a CSV written as text, the way a user's file is read."""
    from dcf_spatial.land import audit_efficiency

    header = ["credit_code", "name", "above_scale", "land_area_mu", "tax_wan", "revenue_wan", "year", "start_year"]
    path = tmp_path / "企业.csv"
    path.write_text("\n".join([",".join(header)] + [",".join(map(str, r)) for r in rows]) + "\n", encoding="utf-8")
    return audit_efficiency(path, out=tmp_path / "out", **kw).frame


def _firm_rows(n):
    return [[codes.make_credit_code("371502", f"YY{i:06d}"), f"企业{i}", "否", 10, i, 20 * i, 2024, 2010]
            for i in range(1, n + 1)]


def test_unusable_figures_are_data_errors_of_their_row_not_zero(tmp_path):
    # 1e400 reads as inf: scored as 0 it put the firm in D; it is a data error, quoted as typed
    rows = _firm_rows(6)
    rows[0][5], rows[1][5], rows[2][4] = "1e400", "inf", "-5"
    c = _csv_audit(tmp_path, rows)
    assert len(c) == 6
    assert c["eff_class"].tolist()[:3] == ["T", "T", "T"]
    assert set(c["eff_class"].iloc[3:]) <= set("ABCD") and (c["evaluated_n"].iloc[3:] == 3).all()
    assert "营业收入" in c["data_errors"].iloc[0] and "税收" in c["data_errors"].iloc[2]
    assert "“1e400”" in c["problems"].iloc[0] and "inf" not in c["problems"].iloc[0]
    assert "“inf”" in c["problems"].iloc[1]
    assert "“-5”" in c["problems"].iloc[2] and "-5.0" not in c["problems"].iloc[2]
    assert "数据有误" in c["eff_reason"].iloc[0] and "营业收入" in c["eff_reason"].iloc[0]


def test_a_start_year_after_the_year_or_the_as_of_date_is_a_data_error(tmp_path):
    rows = _firm_rows(4)
    rows[0][7] = 3020          # after its 评价年度 2024 (a typing error: T 新投产 before)
    rows[1][6], rows[1][7] = "", 2026  # no 评价年度; after the audit date 2025-12-31
    c = _csv_audit(tmp_path, rows, as_of="2025-12-31")
    assert c["eff_class"].iloc[0] == "T" and "新投产" not in c["eff_reason"].iloc[0]
    assert "投产年份" in c["data_errors"].iloc[0] and "“3020”晚于评价年度 2024" in c["problems"].iloc[0]
    assert "投产年份" in c["data_errors"].iloc[1] and "晚于审计基准日 2025-12-31" in c["problems"].iloc[1]
    assert c["data_errors"].iloc[2] == "" and c["eff_class"].iloc[2] != "T"


def test_row_numbers_are_spreadsheet_lines_as_the_batch_check_counts(tmp_path):
    # header on line 1, a blank line 3 skipped: the records are lines 2, 4 and 5 of the file
    rows = _firm_rows(3)
    header = "credit_code,name,above_scale,land_area_mu,tax_wan,revenue_wan,year,start_year"
    path = tmp_path / "企业.csv"
    path.write_text("\n".join([header, ",".join(map(str, rows[0])), ",,,,,,,", *[",".join(map(str, r)) for r in rows[1:]]])
                    + "\n", encoding="utf-8")
    from dcf_spatial.land import audit_efficiency

    res = audit_efficiency(path, out=tmp_path / "out")
    assert res.frame["row"].tolist() == [2, 4, 5] and str(res.frame["row"].dtype) == "int64"
    assert any("“原表行号”" in n and "表格行号" in n for n in res.notes)
