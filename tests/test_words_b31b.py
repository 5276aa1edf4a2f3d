"""Words the session-31 breaker found read as the wrong activity, with a confident verdict (B31b-1, B31b-2, B31b-8).

B31b-1: a product made of cement (水泥砖, 水泥构件 …) is the product — C3021 水泥制品制造, C3022 砼结构构件制造 or C3031
粘土砖瓦及建筑砌块制造 by the class names — never cement itself (C3011), which 第九章第三节 forbids (“严禁水泥……新增产能”).
B31b-2: a vehicle word followed by a place (站, 场站, 停车场, 停保场, 调度中心, 营地) names where vehicles stop, park or
camp — a transport service or a camp (GB/T 4754-2017 G5411 公共电汽车客运, G5441 客运汽车站, G5449 其他道路运输辅助活动,
H6140 露营地服务) — never the vehicle made (C36 汽车制造业).
B31b-8: C + two digits before 混凝土/砼 is a concrete strength grade (C15 … C80), not the division C30 非金属矿物制品业 or C25
石油、煤炭及其他燃料加工业; a number before 小时 or 投产 is a time; a bare number that would be a code of another activity
than the word's (711便利店, 304不锈钢) is asked whether it is a model, a brand or a code.
"""

from __future__ import annotations

import pytest

from dcf_spatial.industry import industry_error_message, resolve
from test_site_plan_trust import _check

ZHENGJIA = "115.75,36.455"   # the breaker's point A in 郑家镇工业集聚区


@pytest.mark.parametrize("word, code", [
    ("水泥砖", "C3021"), ("水泥瓦", "C3021"), ("水泥花砖", "C3021"), ("水泥电线杆", "C3021"), ("水泥压力管", "C3021"),
    ("水泥构件", "C3022"), ("水泥预制板", "C3022"),
    ("水泥砌块", "C3031"),
])
def test_b31b1_a_cement_product_is_the_product_not_cement(word, code):
    m = resolve(word)
    assert m.codes == (code,)
    assert f"「{word}」" in m.read_zh


def test_b31b1_a_cement_brick_is_not_refused_as_new_cement_capacity():
    brick, cement = _check(ZHENGJIA, "水泥砖"), _check(ZHENGJIA, "C3011")
    assert brick["verdict"] == _check(ZHENGJIA, "C3021")["verdict"] != cement["verdict"]
    assert not any("严禁水泥" in x["text_zh"] for x in brick["reasons"])


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


@pytest.mark.parametrize("word", ["C30混凝土", "C25混凝土", "C35混凝土", "C40混凝土", "C30混凝土搅拌站", "C25砼"])
def test_b31b8_a_concrete_grade_is_a_grade_not_a_code(word):
    m = resolve(word)
    assert m.codes == ("C302",)   # 混凝土, 商品混凝土: C302 石膏、水泥制品及类似制品制造 (industry_words.csv)
    assert f"「{word[:3]}」按混凝土强度等级理解" in m.read_zh


@pytest.mark.parametrize("word, code", [("24小时便利店", "F5213"), ("2021投产轴承厂", "C3451")])
def test_b31b8_a_time_is_not_a_code(word, code):
    assert resolve(word).codes == (code,)


@pytest.mark.parametrize("word, number", [("711便利店", "711"), ("58同城", "58"), ("304不锈钢", "304")])
def test_b31b8_a_bare_number_is_asked_whether_a_model_brand_or_code(word, number):
    m = resolve(word)
    msg = industry_error_message(m, where="--industry")
    assert not m.resolved and f"数字 {number} 是型号、品牌还是代码？" in msg


def test_b31b8_a_lettered_code_in_a_word_is_still_refused_naming_both():
    # B31-1 kept: a code the user typed with a letter is never taken for a model or brand
    msg = industry_error_message(resolve("轴承C2611"), where="--industry")
    assert "C2611 无机酸制造" in msg and "C3451" in msg and "品牌" not in msg
