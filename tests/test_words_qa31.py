"""Vehicle, brick and data-centre words as a clerk types them (QA session 31, new user 4).

F1/F2: a vehicle noun (公交车, 校车, 大巴, 货车 …) is the vehicle made, GB/T 4754-2017 C36 汽车制造业 (C361 汽车整车制造;
C3612 新能源车整车制造 when a power word says so; C366 汽车车身、挂车制造 for its 车身; C3630 改装汽车制造 for a
special-purpose vehicle): never machinery (C34/C35) and never 道路货物运输 (G543) — a bus carries passengers.
F3: C3031 粘土砖瓦及建筑砌块制造 holds the 固废 bricks the plan names (第四章第五节 “充分利用炉渣、粉煤灰、工业固体废渣……
制作混凝土多孔砖”) and solid clay bricks, which fit no cluster (第八章第一节, 第三章第三节 “按照产业属性”): a brick works
typed without its product (砖窑, 砖厂, 轮窑 …) is told the product and kiln are to be verified, with the verdict of each;
实心砖 is not clay unless said (混凝土实心砖).
F7: 机房 is read as 数据中心 is; a suggestion shares a like word, not two characters lost in a long name.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dcf_spatial.cli.main import cli
from dcf_spatial.industry import industry_error_message, resolve
from test_site_plan_trust import _check, _reasons
from test_words_qa30 import NEV

ZHENGJIA = "115.75,36.455"   # the QA's point in 郑家镇工业集聚区 (bearings; its positioning has no C30)


@pytest.mark.parametrize("word, code", [
    # the vehicle, fuel or new energy not said: the group 汽车整车制造
    ("公交车", "C361"), ("校车", "C361"), ("大巴", "C361"), ("中巴", "C361"), ("货车", "C361"),
    # a power word before the vehicle: 新能源车整车制造 (新能源 keeps its 新: never 能源 D)
    ("新能源公交车", "C3612"), ("新能源大巴", "C3612"), ("纯电动校车", "C3612"), ("氢燃料电池客车", "C3612"),
    # the body of the vehicle: 汽车车身、挂车制造
    ("新能源公交车车身", "C366"), ("新能源公交车车身厂", "C366"), ("公交车车身", "C366"),
    # a special-purpose vehicle: 改装汽车制造
    ("环卫车", "C3630"), ("垃圾车", "C3630"),
])
def test_f1_a_vehicle_word_is_the_vehicle_made(word, code):
    assert resolve(word).codes == (code,)


def test_f1_the_reading_says_new_energy_not_energy():
    read = resolve("新能源公交车车身").read_zh
    assert "「新能源」" in read and "「能源」" not in read
    # the same failure beyond vehicles: a new-energy battery is a battery (C384), not also the energy supply (D)
    assert resolve("新能源电池").codes == ("C384",)


@pytest.mark.parametrize("word", ["旅游车", "医疗车"])
def test_f1_a_vehicle_without_a_class_is_asked_as_a_vehicle_not_as_equipment(word):
    m = resolve(word)
    msg = industry_error_message(m, where="--industry")
    assert not m.resolved and "车辆" in msg and "C36" in msg
    assert "设备" not in msg and not any(c.startswith(("C34", "C35")) for c, _ in m.candidates)


def test_f1_a_new_energy_bus_body_at_the_second_area_is_judged_like_its_class():
    # 第四章第二节/第八章第一节: 第二片区 is the 新能源汽车 cluster; the word gets the verdict of C3660, not a refusal
    assert (_check(NEV, "新能源公交车车身", "--area-mu", "80")["verdict"]
            == _check(NEV, "C3660", "--area-mu", "80")["verdict"] == "fits")


def test_f2_a_bus_is_never_road_freight():
    m = resolve("公交车")
    assert "G543" not in m.codes + tuple(c for c, _ in m.candidates)
    a = _check(NEV, "公交车", "--area-mu", "80")
    assert not any("道路货物运输" in t for t in _reasons(a))


@pytest.mark.parametrize("word", ["砖窑", "砖厂", "烧结砖厂", "砖瓦窑", "轮窑", "实心砖厂"])
def test_f3_a_brick_works_without_its_product_is_told_to_verify_it(word):
    a = _check(ZHENGJIA, word)
    assert a["industry"]["codes"] == ["C3031"]
    assert a["verdict"] == "conditional"
    text = " ".join(_reasons(a))
    assert f"本项目为“{word}”" in text and "须核实" in text and "第四章第五节" in text
    # both outcomes stated: clay solid brick as a factory outside the clusters (default 不符合), 固废 bricks conditional
    assert "实心黏土砖" in text and "不符合（第三章第三节）" in text and "粉煤灰" in text


def test_f3_solid_brick_is_not_read_by_brick_works_nor_called_clay():
    m = resolve("实心砖厂")
    assert m.codes == ("C3031",) and "砖厂" not in m.read_zh
    assert _check(ZHENGJIA, "实心砖厂")["verdict"] == _check(ZHENGJIA, "砖厂")["verdict"]
    # a word naming clay stays unfit at the same point (第四章第五节; QA session 30 F4)
    assert _check(ZHENGJIA, "实心黏土砖厂")["verdict"] == "does_not_fit"


@pytest.mark.parametrize("word", ["机房", "数据机房", "IDC", "IDC机房"])
def test_f7_a_machine_room_is_a_data_centre(word):
    assert resolve(word).codes == resolve("数据中心").codes == ("I655",)


def test_f7_a_suggestion_needs_a_like_word_not_scattered_characters():
    near = [c for c, _ in resolve("配电房").candidates]
    assert "C3823" in near             # 配电开关控制设备制造: 配电 is a word of it
    assert "C3670" not in near         # 汽车零部件及配件制造 shares only 配 and 电, apart
    r = CliRunner().invoke(cli, ["site", "check", "--site", ZHENGJIA, "--industry", "机房"])
    assert "C3585" not in r.output


@pytest.mark.parametrize("word, decided", [("黏土砖窑", "黏土砖"), ("红砖厂", "红砖"), ("实心黏土砖厂", "实心黏土砖")])
def test_f3_a_clay_brick_answer_says_which_word_named_clay(word, decided):
    a = _check(ZHENGJIA, word)
    assert a["verdict"] == "does_not_fit"
    assert any(f"“{word}”所含“{decided}”点名黏土制品" in t for t in _reasons(a))
