"""W12 (issue 10 item 7, trust): a shop, a repair, equipment or a negation is never read as making the product.

Two QA testers found phrases read by the words they contain giving confident wrong verdicts (水泥销售 → C3011 水泥制造,
不符合 under 第九章第三节). The head of the phrase decides: a trade head → the wholesale/retail class of GB/T 4754-2017
(F51xx/F52xx), a repair head → the repair class (O81xx, C43xx), an equipment head → the class that makes the machines
(C34xx/C35xx); a negation or an annex is refused. The class names asserted below are the standard's own
(``code_table``), so each expected code is checked against the table, not against the code under test.
"""

from __future__ import annotations

import pytest

import dcf_spatial as dcf
from dcf_spatial import industry
from dcf_spatial.errors import InputError
from dcf_spatial.industry import checkable, choice_free, code_table, industry_error_message, resolve
from dcf_spatial.places import gazetteer, place_for_site, relative_place

ZJ = "115.75,36.455"   # 郑家镇工业集聚区 (the breaker's site "zj")


def _read(m) -> set[str]:
    return set(m.codes) | ({c for c, _ in m.candidates} if m.status == "ambiguous" else set())


# ---- 1. trade heads: the wholesale/retail class, never the making of the product -----------------------------------
TRADE = [
    # the testers' phrases
    ("水泥销售", {"F5165"}), ("卖水泥的", {"F5165"}), ("水泥经销", {"F5165"}), ("水泥门市", {"F5165", "F52"}),
    ("轴承销售", {"F5179"}), ("轴承经销部", {"F5179"}), ("轴承门市", {"F5179", "F52"}),
    ("轴承专卖店", {"F5179", "F52"}), ("轴承代理", {"F5179"}), ("轴承市场", {"F5179"}), ("卖轴承的", {"F5179"}),
    ("做轴承生意的", {"F5179"}), ("轴承店", {"F5179", "F52"}), ("轴承商店", {"F5179", "F52"}),
    ("汽配门市", {"F5263"}), ("汽配市场", {"F5172", "F5263"}), ("汽车配件销售", {"F5172", "F5263"}),
    ("汽车城", {"F5172", "F5261"}),
    ("化工原料贸易", {"F5169"}), ("化工产品销售", {"F5169"}), ("做化工贸易的", {"F5169"}), ("化工市场", {"F5169"}),
    ("建材市场", {"F5165"}), ("建材销售", {"F5165"}), ("家具卖场", {"F5283"}), ("农机销售", {"F5171"}),
    ("塑料制品销售", {"F51", "F52"}), ("钢管销售", {"F5164"}), ("猪饲料销售", {"F5113"}), ("粮食贸易", {"F5111"}),
    ("棉花收购", {"F5114"}), ("轴承钢贸易", {"F5164"}),   # 轴承钢 is a steel: 金属及金属矿批发
    # new phrases of the same forms
    ("钢管批发", {"F5164"}), ("卖家具的", {"F5283"}), ("做建材生意的", {"F5165"}), ("建材城", {"F5165"}),
    ("卖蔬菜的", {"F5123", "F5223"}), ("化肥店", {"F5166", "F52"}), ("种子店", {"F5112", "F52"}),
    ("卖化肥的", {"F5166"}), ("饲料门市", {"F5113", "F52"}), ("塑料经销部", {"F51", "F52"}),
    ("化工设备销售", {"F5179"}),
]


@pytest.mark.parametrize("phrase, expected", TRADE)
def test_a_trade_head_reads_as_the_trade_class_of_the_product(phrase, expected):
    m = resolve(phrase)
    assert m.how == "head" and _read(m) == expected
    assert all(c[0] == "F" for c in _read(m))                 # 批发和零售业, never the making (C) or growing (A)
    assert "非制造" in m.read_zh and "识别" in m.read_zh      # the planner sees how it was read
    assert m.status == "resolved" or (choice_free(m) and checkable(m))   # candidates are judged, never dropped


def test_the_trade_classes_are_the_standards_own():
    t = code_table()
    for code, name in [("F5165", "建材批发"), ("F5179", "其他机械设备及电子产品批发"), ("F5169", "其他化工产品批发"),
                       ("F5263", "汽车零配件零售"), ("F5283", "家具零售"), ("F5111", "谷物、豆及薯类批发"),
                       ("F5114", "棉、麻批发"), ("F5113", "畜牧渔业饲料批发"), ("F5164", "金属及金属矿批发")]:
        assert t.at[code, "name_zh"] == name


def test_cement_sales_is_no_longer_refused_as_new_cement_capacity():
    # 第九章第三节 bars new cement capacity; a cement shop is no capacity: it must not be 不符合 for that reason
    d = dcf.check_site(ZJ, industry="水泥销售").to_dict()
    assert d["industry"]["codes"] == ["F5165"] and d["industry"]["read_zh"].startswith("按所含词「水泥」")
    assert d["verdict"] != "does_not_fit" and "第九章第三节" not in str(d["reasons"])
    cement = dcf.check_site(ZJ, industry="水泥").to_dict()     # the same site with cement itself: the clause bites
    assert cement["verdict"] == "does_not_fit" and "第九章第三节" in str(cement["reasons"])


# ---- repair heads --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("phrase, code, name", [
    ("轴承维修", "C4320", "通用设备修理"), ("修汽车的", "O8111", "汽车修理与维护"), ("家电维修", "O8132", "日用电器修理"),
    ("修家具的", "O8193", "家具和相关物品修理"), ("电机维修", "C4350", "电气设备修理"),
    ("汽车修理厂", "O8111", "汽车修理与维护"), ("化工设备维修", "C4330", "专用设备修理"),
])
def test_a_repair_head_reads_as_the_repair_class(phrase, code, name):
    m = resolve(phrase)
    assert m.codes == (code,) and code_table().at[code, "name_zh"] == name


# ---- equipment heads -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("phrase, code, name", [
    ("化工设备", "C3521", "炼油、化工生产专用设备制造"), ("化工机械", "C3521", "炼油、化工生产专用设备制造"),
    ("水泥设备", "C3515", "建筑材料生产专用机械制造"), ("做物流设备的", "C343", "物料搬运设备制造"),
    ("物流设备制造", "C343", "物料搬运设备制造"), ("饲料机械", "C3534", "饲料生产专用设备制造"),
    ("塑料机械", "C3523", "塑料加工专用设备制造"), ("印刷设备", "C3542", "印刷专用设备制造"),
])
def test_an_equipment_head_reads_as_the_machines_that_make_the_product(phrase, code, name):
    m = resolve(phrase)
    assert m.codes == (code,) and m.how == "head" and code_table().at[code, "name_zh"] == name


@pytest.mark.parametrize("phrase", ["轴承设备", "电镀设备"])
def test_equipment_of_a_product_without_a_machine_class_is_refused_never_the_product(phrase):
    m = resolve(phrase)
    assert m.status == "unknown" and not m.codes
    assert "设备" in industry_error_message(m) and "C34" in industry_error_message(m)


def test_a_logistics_vehicle_is_a_vehicle_or_a_fleet_never_logistics_storage():
    assert _read(resolve("物流车")) == {"C36", "G543"}


def test_a_machine_word_with_an_equipment_head_stays_the_machine():
    assert resolve("农机设备").codes == ("C357",)


# ---- fixed activities, annexes ------------------------------------------------------------------------------------
def test_demolition_wastewater_and_co_processing_get_their_own_classes():
    assert resolve("化工厂拆除").codes == ("E5021",) and resolve("拆除化工厂").codes == ("E5021",)
    assert resolve("电镀废水处理").codes == ("N7721",) and code_table().at["N7721", "name_zh"] == "水污染治理"
    assert _read(resolve("水泥窑协同处置")) == {"N7723", "N7724"}


@pytest.mark.parametrize("phrase", ["水泥厂宿舍", "轴承厂宿舍", "化工厂食堂"])
def test_an_annex_is_refused_as_no_industry(phrase):
    m = resolve(phrase)
    assert m.status == "unknown" and "附属设施" in industry_error_message(m)


# ---- negations ------------------------------------------------------------------------------------------------------
NEGATIONS = ["非化工", "不涉及化工", "禁止化工", "除化工外", "不含电镀", "非电镀", "无电镀工序", "电镀以外",
             "不做化工", "严禁电镀", "电镀之外", "非轴承"]


@pytest.mark.parametrize("phrase", NEGATIONS)
def test_a_negation_is_refused_asking_for_the_activity(phrase):
    m = resolve(phrase)
    assert m.status == "unknown" and not m.codes
    msg = industry_error_message(m)
    assert "否定" in msg and "实际从事" in msg
    with pytest.raises(InputError, match="否定"):
        dcf.check_site(ZJ, industry=phrase)


@pytest.mark.parametrize("word, code", [("非金属制品厂", "C30"), ("非遗展示馆", "R8850"), ("无机盐", "C2613"),
                                        ("非织造布", "C1781")])
def test_words_that_begin_like_a_negation_are_still_read(word, code):
    assert resolve(word).codes == (code,)


def test_no_listed_phrase_falls_back_to_the_contained_words_making_class():
    contained = {"水泥": "C3011", "轴承": "C3451", "化工": "C26", "电镀": "C3360", "汽车": "C36", "物流": "G59",
                 "粮食": "A011", "棉花": "A0131"}
    for phrase, _ in TRADE:
        for word, code in contained.items():
            if word in phrase:
                assert code not in _read(resolve(phrase)), phrase


# ---- 2. words a new user found --------------------------------------------------------------------------------------
@pytest.mark.parametrize("word", ["门窗", "门窗厂", "做门窗的", "门窗公司"])
def test_doors_and_windows_are_wood_or_metal_and_judged_over_both(word):
    m = resolve(word)
    assert _read(m) == {"C2032", "C3312"} and checkable(m)
    assert code_table().at["C2032", "name_zh"] == "木门窗制造" and code_table().at["C3312", "name_zh"] == "金属门窗制造"


def test_pvc_windows_are_plastic_not_steel_windows():
    assert resolve("塑钢门窗").codes == ("C292",)


@pytest.mark.parametrize("word, expected", [("民宿", ("H6130",)), ("冷库", ("G5930",)), ("小卖部", ("F5219",)),
                                            ("水泥管", ("C3021",)), ("水泥预制件", ("C302",))])
def test_words_take_their_own_class(word, expected):
    assert resolve(word).codes == expected


def test_farm_supplies_are_the_four_supply_wholesale_classes():
    for w in ("农资", "农资店"):
        assert _read(resolve(w)) == {"F5112", "F5166", "F5167", "F5168"} and checkable(resolve(w))


# ---- 3. codes ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["C345１", "３４５１", "Ｃ３４５１", "c3451", "C 3451"])
def test_full_width_and_spaced_codes_are_normalised(typed):
    assert resolve(typed).codes == ("C3451",)


def test_a_code_the_standard_lacks_is_never_accepted():
    m = resolve("C3458")
    assert m.status == "unknown" and "不存在" in industry_error_message(m) and ("C345", "轴承、齿轮和传动部件制造") in m.candidates
    with pytest.raises(InputError):
        dcf.check_site(ZJ, industry="C3458")


@pytest.mark.parametrize("typed", ["C345l", "34511", "C-3451", "C345I"])
def test_a_mistyped_code_gets_a_suggestion(typed):
    m = resolve(typed)
    assert m.status == "unknown" and "C3451" in [c for c, _ in m.candidates]
    assert "是否指" in industry_error_message(m)


def test_a_code_and_a_word_are_two_activities():
    m = resolve("C3451,化工")
    assert m.status == "unknown"
    msg = industry_error_message(m)
    assert "C3451" in msg and "化工" in msg and "一项活动" in msg


def test_a_2011_class_code_is_read_as_its_2017_group_saying_so():
    m = resolve("G5430")    # 2017 split 道路货物运输 into G5431–G5439
    assert m.codes == ("G543",) and "G5430" in m.read_zh and "G543" in m.read_zh


@pytest.mark.parametrize("typed, code", [("軸承", "C3451"), ("鋼管", "C313"), ("電鍍", "C3360"), ("軸承銷售", "F5179")])
def test_traditional_characters_are_read_as_simplified(typed, code):
    assert resolve(typed).codes == (code,)


def test_simplified_words_are_never_changed_by_the_conversion():
    import zhconv

    t = industry._table()
    assert all(zhconv.convert(w, "zh-hans") == w for w in industry._vocabulary(t))


# ---- 4. place names ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["郑家镇工业集聚区外", "郑家镇工业集聚区以南10公里", "距郑家镇工业集聚区10公里",
                                  "郑家镇工业集聚区附近", "非郑家镇工业集聚区", "原郑家镇工业集聚区搬出",
                                  "郑家镇周边", "嘉明经济开发区东侧2公里"])
def test_a_relative_place_is_refused_asking_for_coordinates(text):
    assert relative_place(text)
    with pytest.raises(InputError, match="相对位置"):
        place_for_site(text)
    m = gazetteer().find_in_text(text)         # the batch's 建设地点 reads the same way
    assert m.place is None and "相对位置" in m.reason


@pytest.mark.parametrize("text, unit", [("堂邑镇郑家村", "堂邑镇"), ("堂邑镇郑家寨村", "堂邑镇"),
                                        ("梁水镇闫寺村", "梁水镇"), ("侯营镇沙镇村", "侯营镇"), ("沙镇镇郑家村", "沙镇镇")])
def test_a_village_address_is_placed_in_the_township_written_with_its_suffix(text, unit):
    place, notes = place_for_site(text)
    assert place.unit_name == unit and "近似" in notes[0]


def test_two_townships_written_in_full_are_still_two_units_and_roads_are_not_relative():
    with pytest.raises(InputError, match="互不包含"):
        place_for_site("郑家镇闫寺街道")
    assert place_for_site("郑家镇外环路")[0].unit_name == "郑家镇"
    assert relative_place("郑家镇王屯村") == ""


def test_the_cli_says_why_a_word_is_refused_and_how_a_head_was_read():
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    r = CliRunner().invoke(cli, ["site", "industry", "非化工", "C3451,化工", "水泥销售"])
    assert r.exit_code == 2, r.output   # refused words: not a success for a script (QA31 F8), as site check
    lines = r.output.splitlines()
    assert "否定" in lines[0] and "一项活动" in lines[1]
    assert lines[2].startswith("水泥销售：F5165 建材批发") and "「销售」" in lines[2]
    r = CliRunner().invoke(cli, ["site", "check", "--site", ZJ, "--industry", "非化工"])
    assert r.exit_code != 0 and "否定" in r.output


def test_a_form_is_suggested_by_its_word_alone_not_by_its_suffix():
    # 货架厂: the 厂 shared with 轴承厂 made 滚动轴承制造 look near; 门窗公司: the 公司 of 控股公司
    assert "C3451" not in [c for c, _ in resolve("货架厂").candidates]
    assert not any("公司" in n for _, n in resolve("门窗公司").candidates)


@pytest.mark.parametrize("word", ["小超市", "便民超市", "农村超市", "社区超市"])
def test_a_village_supermarket_is_a_supermarket(word):
    """第六章第二节 names 便利店 among the community services of the 15分钟便民生活服务圈: a clerk's 小超市 must not be
    refused because 超市 is also a retail head (h15-ch06-007)."""
    assert resolve(word).codes == ("F5212",)
