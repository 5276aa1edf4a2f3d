"""The broad code lists of 第二片区 read against the plan text (docs/plan_code_reading.md).

The layer gives 嘉明经济开发区第二片区 the whole division C36 汽车制造业; the plan writes for it “重点发展新能源汽车及零部件
产业” (第八章第一节) and for the industry “遵循绿色化、轻量化、电动化、智能化发展方向”, naming as its power parts “增程器、
混合动力总成、动力电池、燃料电池、驱动电机” (第四章第二节). Classes whose products are mostly fuel-vehicle products are
therefore at most conditional there, the product to be verified; the plan's own words for the parts still fit. Each
test names its clause; the verdicts were written from the text (tests/plan_cases/cases.csv ch04-047…049).
"""

from __future__ import annotations

import pytest

from _shipped import shipped
from test_plan_cases import run_case


def ask(place: str, industry: str) -> dict:
    return run_case({"case_id": "code_reading", "place": place, "industry": industry, "extra": ""})


@shipped
@pytest.mark.parametrize("place, industry", [
    ("park.jiaming2.yiye", "C3620"),   # 汽车用发动机制造
    ("cluster.jiaming2", "C3640"),     # 低速汽车制造
])
def test_4_2_and_8_1_a_fuel_vehicle_class_at_the_second_area_is_conditional_on_its_product(place, industry):
    # 第四章第二节 “遵循绿色化、轻量化、电动化、智能化发展方向”; 第八章第一节 “重点发展新能源汽车及零部件产业”
    ans = ask(place, industry)
    assert ans["verdict"] == "conditional"
    (reason,) = [r for r in ans["reasons"] if r["effect"] == "conditional"]
    assert "第四章第二节" in reason["text_zh"] and "增程器、混合动力总成" in reason["text_zh"]
    assert "新能源汽车" in reason["text_zh"] and "核实" in reason["text_zh"]


@shipped
def test_4_2_the_plans_own_power_parts_fit_at_the_second_area():
    # 第四章第二节 names “增程器、混合动力总成” among the core technologies of 新能源汽车: a part, not an engine plant
    assert ask("park.jiaming2.yiye", "增程器")["verdict"] == "fits"
