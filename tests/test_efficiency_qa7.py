"""亩产效益 classes of a table with one blank 年度 (QA round 7, FL8 #6).

The rule (data/efficiency_scoring.json, 规划第十章第四节 for the use of the classes): firms are ranked within
one 年度 and one pool (规上/规下) and classed by their share of that pool (前20% A …). A firm's year is its
row's 年度; a blank 年度 in a table of one year is that year. A pool of one firm has nothing to be ranked
against: it is not classed (T 暂不评价), and the reason says so.
"""

from __future__ import annotations

import pandas as pd

from dcf_spatial.land.efficiency import classify
from dcf_spatial.land.parcels import validate_enterprises


def _firms(years, taxes):
    n = len(years)
    return validate_enterprises(pd.DataFrame({
        "credit_code": [None] * n, "name": [f"企业{i}" for i in range(n)], "above_scale": ["是"] * n,
        "land_area_mu": [10.0] * n, "tax_wan": taxes, "revenue_wan": [3000.0] * n, "year": years,
        "start_year": [2015] * n}))


def test_a_blank_year_in_a_one_year_table_is_ranked_with_that_years_firms():
    out = classify(_firms([2024, 2024, 2024, 2024, None], [100.0, 80.0, 60.0, 40.0, 120.0]), as_of="2025-12-31")
    blank = out.iloc[4]
    assert blank["eff_class"] != "T" and int(blank["evaluated_n"]) == 5 and int(blank["rank"]) == 1
    assert "企业表其他企业的年度（2024" in blank["eff_reason"]


def test_a_pool_of_one_firm_is_not_classed():
    # two years in the table: the blank one takes the audit date's year (2025), where it is alone
    out = classify(_firms([2024, 2024, 2023, None], [100.0, 80.0, 60.0, 40.0]), as_of="2025-12-31")
    alone = out.iloc[3]
    assert alone["eff_class"] == "T" and int(alone["evaluated_n"]) == 1
    assert "仅 1 家" in alone["eff_reason"] and "无从排名" in alone["eff_reason"]
    assert out.iloc[2]["eff_class"] == "T"   # 2023 holds one firm too
    assert set(out.iloc[:2]["eff_class"]) <= {"A", "B", "C", "D"}
