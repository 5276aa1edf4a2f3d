"""W13 (issue 10, trust): misreadings a breaker found in the W12 head rules and in relative places.

1. X生产线 is the plant making X, not the machines for X: 水泥生产线 must keep the 第九章第三节 cement ban (“严禁水泥、
   铸造等行业新增产能”); a bare 机 after a product (水泥机) is refused.
2. A place given relative to a unit (红线外, 南五公里, 北侧, 紧邻 …) is refused in the single check and in the batch's
   address reading; names that merely contain such words (城外村, 十里铺, 东外环) stay names.
3. Heads misread: 自行车维修, 电力检修, 租赁, 安装, 冷库设备, 罐车, 烟酒店, 酒店用品, 无人机, 粮油店.
4. False negations: 无公害蔬菜, 无机化工, 非晶变压器 … are words, not negations; 养老公寓 is a care home, no annex.

Every expected class is checked against the standard's own name (``code_table``), not against the code under test.
"""

from __future__ import annotations

import pytest

import dcf_spatial as dcf
from dcf_spatial.errors import InputError
from dcf_spatial.industry import REFUSALS, code_table, industry_error_message, resolve
from dcf_spatial.places import gazetteer, place_for_site, relative_place

ZJ = "115.75,36.455"   # 郑家镇工业集聚区 (the breaker's site "zj")


def _read(m) -> set[str]:
    return set(m.codes) | ({c for c, _ in m.candidates} if m.status == "ambiguous" else set())


# ---- 1. X生产线 makes X ----------------------------------------------------------------------------------------------
LINES = ["水泥", "电解铝", "平板玻璃", "焦化", "炼钢", "钢铁", "印染", "造纸", "化肥", "农药", "化工", "饲料", "塑料", "轮胎",
         # new products of the same form
         "玻璃", "家具", "电镀", "铸件"]


@pytest.mark.parametrize("product", LINES)
def test_a_production_line_reads_as_making_its_product_never_its_machines(product):
    line, made = resolve(f"{product}生产线"), resolve(product)
    assert _read(line) == _read(made) and _read(line)
    assert not any(c.startswith("C35") for c in _read(line))     # 专用设备制造 is the machines, not the plant


@pytest.mark.parametrize("phrase", ["水泥生产线", "年产100万吨水泥生产线", "新建水泥生产线"])
def test_a_cement_line_keeps_the_cement_ban_of_chapter_9_section_3(phrase):
    # 第九章第三节：“严禁水泥、铸造等行业新增产能”
    d = dcf.check_site(ZJ, industry=phrase).to_dict()
    assert d["industry"]["codes"] == ["C3011"] and code_table().at["C3011", "name_zh"] == "水泥制造"
    assert d["verdict"] == "does_not_fit" and "第九章第三节" in str(d["reasons"])


@pytest.mark.parametrize("phrase", ["水泥机", "印染机", "塑料机"])
def test_a_bare_machine_after_a_product_is_refused_asking_which(phrase):
    m = resolve(phrase)
    assert m.status == "unknown" and not m.codes and m.notes[0] in REFUSALS
    msg = industry_error_message(m)
    assert "机械" in msg and "C35" in msg
    with pytest.raises(InputError):
        dcf.check_site(ZJ, industry=phrase)


def test_a_machine_word_is_still_the_machines():
    assert resolve("水泥机械").codes == ("C3515",) == resolve("水泥设备").codes
    assert code_table().at["C3515", "name_zh"] == "建筑材料生产专用机械制造"


# ---- 2. relative places ------------------------------------------------------------------------------------------
RELATIVE = [
    # the breaker's
    "郑家镇工业集聚区红线外", "郑家镇工业集聚区范围外", "郑家镇工业集聚区边界外", "郑家镇工业集聚区南五公里",
    "郑家镇工业集聚区南五公里处", "郑家镇东三里", "郑家镇工业集聚区东侧约一公里", "郑家镇工业集聚区北侧", "郑家镇东边",
    "郑家镇南面", "郑家镇之东", "郑家镇东邻", "郑家镇北邻", "紧邻郑家镇工业集聚区", "郑家镇工业集聚区旁", "郑家镇边",
    "郑家镇工业集聚区边上", "郑家镇工业集聚区隔壁", "郑家镇工业集聚区不远处", "郑家镇工业集聚区向东", "郑家镇往南",
    "郑家镇东南方", "嘉明经济开发区东侧", "嘉明经济开发区东",
    # new of the same forms
    "嘉明经济开发区区域外", "沙镇镇西二公里", "梁水镇北边", "郑家镇西侧约两公里", "闫寺街道南邻", "郑家镇往北",
    "郑家镇西北方", "嘉明经济开发区西", "梁水镇旁边",
]


@pytest.mark.parametrize("text", RELATIVE)
def test_a_relative_place_is_refused_in_the_check_and_the_batch(text):
    assert relative_place(text)
    with pytest.raises(InputError, match="相对位置"):
        place_for_site(text)
    m = gazetteer().find_in_text(text)         # the batch's 建设地点
    assert m.place is None and "相对位置" in m.reason


@pytest.mark.parametrize("text", ["郑家镇外环路", "东外环", "十里铺", "三里庄", "堂邑镇郑家村", "城外村", "郑家镇对面村",
                                  "旁边庄", "距家村", "区外路", "园外路",
                                  # new names of the same forms
                                  "东三里庄", "东边村", "北邻庄", "园外街", "东方红路", "东昌府区郑家镇工业园区纬二路北"])
def test_a_name_ending_in_village_or_road_is_a_name_not_a_relative_place(text):
    assert relative_place(text) == ""


@pytest.mark.parametrize("text, unit", [("郑家镇外环路", "郑家镇"), ("堂邑镇郑家村", "堂邑镇"), ("郑家镇城外村", "郑家镇"),
                                        ("郑家镇旁边庄", "郑家镇")])
def test_such_names_are_placed(text, unit):
    assert place_for_site(text)[0].unit_name == unit
    assert gazetteer().find_in_text(text).place.unit_name == unit


# ---- 3. heads ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("phrase, code, name", [
    ("自行车维修", "O8191", "自行车修理"), ("修自行车的", "O8191", "自行车修理"),
    ("建筑设备租赁", "L7113", "建筑工程机械与设备经营租赁"), ("工程机械租赁", "L7113", "建筑工程机械与设备经营租赁"),
    ("医疗设备租赁", "L7115", "医疗设备经营租赁"), ("挖掘机租赁", "L7113", "建筑工程机械与设备经营租赁"),
    ("农机租赁", "L7112", "农业机械经营租赁"), ("医疗器械租赁", "L7115", "医疗设备经营租赁"),
    ("化工设备安装", "E4920", "管道和设备安装"), ("食品设备安装", "E4920", "管道和设备安装"),
    ("冷库设备", "C3464", "制冷、空调设备制造"), ("冷库设备制造", "C3464", "制冷、空调设备制造"),
    ("水泥罐车", "C3630", "改装汽车制造"), ("混凝土罐车", "C3630", "改装汽车制造"), ("混凝土搅拌车", "C3630", "改装汽车制造"),
    ("化工罐车", "C3630", "改装汽车制造"), ("水泥运输车", "C3630", "改装汽车制造"),
    ("粮油店", "F5221", "粮油零售"), ("粮油零售店", "F5221", "粮油零售"),
])
def test_a_head_reads_as_the_activity_it_names(phrase, code, name):
    assert resolve(phrase).codes == (code,) and code_table().at[code, "name_zh"] == name


@pytest.mark.parametrize("phrase", ["电力检修", "电力维修"])
def test_the_upkeep_of_power_is_no_goods_repair(phrase):
    m = resolve(phrase)
    assert m.status == "unknown" and not any(c.startswith(("O81", "C43")) for c in _read(m))
    assert "检修" in industry_error_message(m)


@pytest.mark.parametrize("phrase, expected", [("烟酒店", {"F5226", "F5227"}), ("烟酒门市", {"F5226", "F5227"}),
                                              ("烟酒批发", {"F5127", "F5128"})])
def test_a_tobacco_and_liquor_shop_is_that_trade_never_a_hotel(phrase, expected):
    assert _read(resolve(phrase)) == expected
    names = {code_table().at[c, "name_zh"] for c in expected}
    assert names <= {"酒、饮料及茶叶零售", "烟草制品零售", "酒、饮料及茶叶批发", "烟草制品批发"}


def test_hotel_supplies_are_no_hotel():
    assert not any(c.startswith("H") for c in resolve("酒店用品").codes)


def test_a_drone_is_an_aircraft_never_crop_protection():
    assert _read(resolve("无人机")) == {"C3741", "C3749"}     # 小类待核实: both offered, never A0515 植保
    assert resolve("无人机植保").codes == ("A0515",)


# ---- 4. false negations and annexes -------------------------------------------------------------------------------
@pytest.mark.parametrize("phrase, code", [("无公害蔬菜", "A0141"), ("无机化工", "C26"), ("非晶变压器", "C3821"),
                                          ("无纺布制品", "C1781"), ("无花果种植", "A01")])
def test_a_word_beginning_with_a_negation_character_is_read(phrase, code):
    assert resolve(phrase).codes == (code,)


@pytest.mark.parametrize("phrase", ["无土栽培", "无机肥", "非标设备", "无公害蔬菜", "无花果种植"])
def test_a_word_beginning_with_a_negation_character_is_no_negation(phrase):
    assert "negation" not in resolve(phrase).notes


@pytest.mark.parametrize("phrase", ["非化工", "无电镀工序", "不含电镀", "除化工外"])
def test_a_real_negation_is_still_refused(phrase):
    assert resolve(phrase).notes[0] == "negation"


def test_a_care_home_flat_is_no_annex():
    assert resolve("养老公寓").codes == ("Q8514",) == resolve("老年公寓").codes
    assert resolve("颐养公寓").notes[:1] != ("annex",)
    assert resolve("轴承厂职工公寓").notes[0] == "annex"       # a factory's flats still are


def test_read_zh_quotes_each_head_word():
    r = resolve("化工设备销售").read_zh
    assert "「设备」「销售」" in r and "+" not in r and " " not in r
