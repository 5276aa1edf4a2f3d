"""The plan's umbrella words list their candidate codes instead of guessing one (issue: site check --industry)."""

from __future__ import annotations

import pytest

from dcf_spatial import industry, plan


@pytest.mark.parametrize("word, expected", [
    ("铸造", {"C3391", "C3392"}),          # the classes 第九章第三节 bars, not the wider group C339
    ("翻砂", {"C3391", "C3392"}),
    ("智能制造", {"C342", "C3491"}),        # 第八章第一节: 高档数控机床、机器人
    ("新材料", {"C26", "C28", "C30", "C31", "C32"}),
    ("新能源新材料", {"C26", "C30", "C32", "C384"}),
])
def test_umbrella_words_are_ambiguous_with_candidates(word, expected):
    m = industry.resolve(word)
    assert m.status == "ambiguous"
    assert {c for c, _ in m.candidates} == expected
    assert "多个可能" in industry.industry_error_message(m)


def test_each_foundry_candidate_is_barred_by_the_plan():
    for code, _ in industry.resolve("铸造").candidates:
        effects = {effect for _, effect in plan.barred_rules([code])}
        assert effects and "partial" not in effects, code


def test_plan_word_for_green_chemicals_resolves():
    assert industry.resolve("绿色化工").codes == ("C26",)  # 第四章第五节 绿色化工与节能建材产业
