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
        "tax_wan": 1.0 * k, "revenue_wan": 20 * k, "energy_tce": 1000.0, "employees": 50, "rd_wan": 0.2 * k,
        "year": 2024,
    })
    for key, v in over.items():
        df[key] = v
    return validate_enterprises(df)


def test_indicators_are_the_documented_ratios():
    e = firms(1, tax_wan=30.0, revenue_wan=600.0, energy_tce=60.0, employees=12, rd_wan=18.0, land_area_mu=20.0)
    ind = efficiency.indicators(e).iloc[0]
    assert ind["tax_per_mu"] == pytest.approx(1.5)
    assert ind["revenue_per_mu"] == pytest.approx(30.0)
    assert ind["tax_per_tce"] == pytest.approx(0.5)
    assert ind["rd_intensity"] == pytest.approx(3.0)  # per cent
    assert ind["labour_productivity"] == pytest.approx(50.0)


def test_score_is_weighted_ratio_to_benchmark_with_cap():
    cfg = efficiency.load_scoring()
    spec = cfg["indicators"]
    # exactly at every benchmark: score 100
    at = {"tax_wan": spec["tax_per_mu"]["benchmark"] * 10, "revenue_wan": spec["revenue_per_mu"]["benchmark"] * 10}
    at["energy_tce"] = at["tax_wan"] / spec["tax_per_tce"]["benchmark"]
    at["rd_wan"] = at["revenue_wan"] * spec["rd_intensity"]["benchmark"] / 100
    at["employees"] = at["revenue_wan"] / spec["labour_productivity"]["benchmark"]
    assert efficiency.classify(firms(1, **at))["score"].iloc[0] == pytest.approx(100.0)
    # ten times every benchmark: each indicator capped
    ten = {k: v * 10 for k, v in at.items() if k not in ("energy_tce", "employees")}
    ten["rd_wan"] *= 10  # revenue also rose tenfold: R&D must rise a hundredfold to lift the intensity
    assert efficiency.classify(firms(1, **ten, energy_tce=at["energy_tce"], employees=at["employees"]))[
        "score"].iloc[0] == pytest.approx(100 * cfg["score_cap"])


def test_class_shares_top_20_bottom_5():
    c = efficiency.classify(firms(100))
    counts = c["eff_class"].value_counts()
    assert counts["A"] == 20 and counts["B"] == 50 and counts["D"] == 5 and counts["C"] == 25
    best, worst = c.iloc[-1], c.iloc[0]
    assert best["eff_class"] == "A" and best["rank"] == 1
    assert worst["eff_class"] == "D" and worst["rank"] == 100
    assert "第100名" in worst["eff_reason"] and "末5%" in worst["eff_reason"]


def test_t_class_for_small_below_scale_and_missing_land():
    e = firms(4, above_scale=["否", "否", "是", "否"], land_area_mu=[2.99, 3.0, 1.0, np.nan])
    c = efficiency.classify(e)
    assert c["eff_class"].tolist()[0] == "T" and "小于3亩" in c["eff_reason"].iloc[0]
    assert c["eff_class"].iloc[1] != "T" and c["eff_class"].iloc[2] != "T"  # 3 亩 exactly; above scale
    assert c["eff_class"].iloc[3] == "T" and "缺少用地面积" in c["eff_reason"].iloc[3]
    assert c["evaluated_n"].iloc[1] == 2


def test_classes_ranked_within_each_year_and_no_row_lost():
    e = pd.concat([firms(10), firms(10, year=2023)], ignore_index=True)
    c = efficiency.classify(validate_enterprises(e.drop(columns=["row", "problems", "duplicate_id", "credit_code_valid"])))
    assert len(c) == 20
    assert (c.groupby("year")["eff_class"].apply(lambda s: (s == "A").sum()) == 2).all()


def test_missing_indicator_scores_zero_and_is_said():
    c = efficiency.classify(firms(3, energy_tce=[100.0, np.nan, 100.0]))
    assert c["tax_per_tce_score"].iloc[1] == 0
    assert "单位能耗税收" in c["eff_reason"].iloc[1]


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
    cfg["indicators"]["tax_per_mu"]["weight"] = 0.9
    path = tmp_path / "s.json"
    path.write_text(json.dumps(cfg), encoding="utf-8")
    with pytest.raises(InputError, match=r"s\.json：各指标权重（weight）之和为 1\.\d{3}，不等于 1"):
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
