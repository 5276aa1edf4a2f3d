"""Words the session-31 breaker found read as the wrong activity, with a confident verdict (B31b-1, B31b-2, B31b-8).

B31b-2: a vehicle word followed by a place (站, 场站, 停车场, 停保场, 调度中心, 营地) names where vehicles stop, park or
camp — a transport service or a camp (GB/T 4754-2017 G5411 公共电汽车客运, G5441 客运汽车站, G5449 其他道路运输辅助活动,
H6140 露营地服务) — never the vehicle made (C36 汽车制造业).
"""

from __future__ import annotations

import pytest

from dcf_spatial.industry import resolve


@pytest.mark.parametrize("word, code", [
    ("公交车站", "G5411"), ("公交车场站", "G5411"), ("公交车停保场", "G5411"), ("公交车调度中心", "G5411"),
    ("客车站", "G5441"), ("长途客车站", "G5441"),
    ("货车停车场", "G5449"),
    ("房车营地", "H6140"),
])
def test_b31b2_a_vehicle_word_before_a_place_is_the_place_not_the_vehicle_made(word, code):
    m = resolve(word)
    assert m.codes == (code,)
    assert "场所" in m.read_zh and "非制造" in m.read_zh


@pytest.mark.parametrize("word", ["公交车", "货车", "客车厂", "公交车车身"])
def test_b31b2_a_vehicle_word_without_a_place_stays_the_vehicle_made(word):
    assert resolve(word).codes[0].startswith("C36")
