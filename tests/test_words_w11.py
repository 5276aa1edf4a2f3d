"""W11 (issue 10 item 7): a clerk's phrase that CONTAINS known words (银行网点, 冷链仓储中心) is read by them — the
longest words, the finer of nesting codes, unrelated codes ambiguous, generic words alone never an industry, a factory
form kept to sections B–D — and every output says how the phrase was read (按所含词「…」识别); and the W11 sweep of
the thirteenth blind set's refused trades."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from click.testing import CliRunner

from dcf_spatial import crs
from dcf_spatial.industry import (CONTAINS_STOP_WORDS, IndustryChoiceNeeded, checkable, choice_free, code_table,
                                  industry_error_message, resolve)
from dcf_spatial.queries import site as sc

from _shipped import shipped


# ---- reading a phrase by the words it contains -------------------------------------------------------------------
def test_a_phrase_containing_one_known_word_is_read_by_it_and_says_so():
    # 银行 is a listed word (J66 货币金融服务); 营业部 is none: the phrase is read by 银行网点 (the longer word)
    m = resolve("银行网点营业部")
    assert m.status == "resolved" and m.how == "contains" and m.codes == ("J6621",)
    assert m.read_zh == "按所含词「银行网点」识别"
    assert m.to_dict()["read_zh"] == "按所含词「银行网点」识别"


def test_the_longest_words_are_taken_not_their_pieces():
    # 冷链仓储 (G5930) is listed; its pieces 冷链 (G5930) and 仓储 (G59) are too: the longest match is the reading
    m = resolve("冷链仓储中心")
    assert m.codes == ("G5930",) and m.notes[1:] == ("冷链仓储",)


def test_of_nesting_codes_the_finer_is_taken_because_both_words_are_there():
    # 冷链 → G5930 低温仓储 and 仓储 → G59 装卸搬运和仓储业: the phrase names the cold store, not all of G59
    m = resolve("冷链及仓储服务")
    assert m.how == "contains" and m.codes == ("G5930",) and m.notes[1:] == ("冷链", "仓储")
    assert code_table().at["G5930", "name_zh"] == "低温仓储" and code_table().at["G59", "name_zh"] == "装卸搬运和仓储业"
    assert m.read_zh == "按所含词「冷链」「仓储」识别"


def test_unrelated_codes_are_ambiguous_listing_them_and_judged_over_them():
    m = resolve("蔬菜冷链仓储")   # 蔬菜 A0141 蔬菜种植 and 冷链仓储 G5930 低温仓储: neither lies under the other
    assert m.status == "ambiguous" and m.how == "contains"
    assert [c for c, _ in m.candidates] == ["A0141", "G5930"]
    assert choice_free(m) and checkable(m)
    msg = industry_error_message(m)
    assert "按所含词「蔬菜」「冷链仓储」识别" in msg and "A0141" in msg and "G5930" in msg


@pytest.mark.parametrize("phrase", ["设备维修中心", "加工基地", "产品展示中心", "设备销售公司", "综合服务基地"])
def test_generic_words_alone_never_name_an_industry(phrase):
    m = resolve(phrase)
    assert m.status == "unknown" and m.how == "none"
    assert m.candidates  # suggestions, as for any unknown word


def test_the_stop_list_holds_the_generic_words_of_the_brief():
    assert {"设备", "产品", "服务", "加工", "制造", "中心", "基地", "公司"} <= CONTAINS_STOP_WORDS


def test_a_factory_form_keeps_its_rule_when_read_by_contained_words():
    # 蔬菜 is farming (A0141): a 加工/厂 phrase that contains only it is never read as growing vegetables
    m = resolve("精品蔬菜XX厂")
    assert m.status == "unknown" or all(c[0] in "BCD" for c in (m.codes or [c for c, _ in m.candidates]))
    m = resolve("汽车轮毂精工厂")   # 汽车轮毂 (C3670) is a made thing: the form fits
    assert m.codes == ("C3670",) and m.how == "contains"


def test_exact_words_and_forms_still_come_first():
    assert resolve("银行").how == "keyword" and resolve("银行").codes == ("J66",)
    assert resolve("做轴承的").how == "form"
    assert resolve("轴承").read_zh == "" and resolve("C3451").to_dict()["read_zh"] == ""


# ---- the W11 sweep: the thirteenth set's refused trades, each on the class of that name --------------------------
W11_WORDS = [
    ("高低压开关柜", "C3823", "配电开关控制设备制造"),
    ("造纸机械", "C3541", "制浆和造纸专用设备制造"),
    ("防水卷材", "C3033", "防水建筑材料制造"),
    ("冷轧钢带", "C3130", "钢压延加工"),
    ("汽车轮毂", "C3670", "汽车零部件及配件制造"),
    ("新能源汽车整车", "C3612", "新能源车整车制造"),
    ("电子产品组装", "C39", "计算机、通信和其他电子设备制造业"),
    ("香精香料", "C2684", "香料、香精制造"),
    ("精油", "C2684", "香料、香精制造"),
    ("冷链仓储", "G5930", "低温仓储"),
    ("冷藏保鲜库", "G5930", "低温仓储"),
    ("会展中心", "L728", "会议、展览及相关服务"),
    ("新能源汽车维修", "O8111", "汽车修理与维护"),
    ("人才公寓", "K7040", "房地产租赁经营"),
    ("第三方物流", "G59", "装卸搬运和仓储业"),
    ("银行网点", "J6621", "商业银行服务"),
    ("律师事务所", "L7231", "律师及相关法律服务"),
    ("家政服务", "O8010", "家庭服务"),
    ("广告设计", "L725", "广告业"),
    ("文艺演出", "R8810", "文艺创作与表演"),
    ("民俗旅游", "R9030", "休闲观光活动"),
    ("非遗展示馆", "R8850", "博物馆"),
    ("葫芦交易市场", "F5146", "首饰、工艺品及收藏品批发"),
    ("蔬菜育苗", "A0511", "种子种苗培育活动"),
    ("薰衣草种植", "A0163", "香料作物种植"),
    ("轮毂轴承", "C3451", "滚动轴承制造"),
    # 第八章第一节 广平 “形成冶炼、轧管、管件加工等完整的产业链”: the plan's pipe fittings are steel ones
    ("管件加工", "C3399", "其他未列明金属制品制造"),
    ("塑料管件", "C2922", "塑料板、管、型材制造"),   # 第四章第一节 “高端关节、轮毂、薄壁……轴承”: the bearing, not the wheel
]


@pytest.mark.parametrize("word,code,name", W11_WORDS)
def test_w11_word_resolves_to_the_class_of_that_name(word, code, name):
    m = resolve(word)
    assert m.status == "resolved" and m.codes == (code,), m
    assert code_table().at[code, "name_zh"] == name


@pytest.mark.parametrize("word,codes", [("机械厂", ["C34", "C35"]), ("中药材初加工", ["A0514", "C2730"])])
def test_w11_words_listed_for_several_codes_are_judged_over_them(word, codes):
    m = resolve(word)
    assert m.status == "ambiguous" and [c for c, _ in m.candidates] == codes and choice_free(m)


# ---- the note in each output -------------------------------------------------------------------------------------
def _core_point():
    # 古楼街道, the service core only (README top table)
    return crs.to_storage(gpd.GeoDataFrame(geometry=gpd.points_from_xy([115.9203], [36.4426]), crs="EPSG:4490"))


@shipped
def test_the_cli_text_and_json_say_how_the_phrase_was_read():
    from dcf_spatial.cli.main import cli

    r = CliRunner().invoke(cli, ["site", "check", "--site", "115.9203,36.4426", "--industry", "银行网点营业部"])
    assert r.exit_code == 0, r.output
    line = next(ln for ln in r.output.splitlines() if ln.startswith("行业："))
    assert "J6621" in line and "按所含词「银行网点」识别" in line
    r = CliRunner().invoke(cli, ["site", "check", "--site", "115.9203,36.4426", "--industry", "银行网点营业部", "--json"])
    d = json.loads(r.output)
    assert d["industry"]["how"] == "contains" and d["industry"]["read_zh"] == "按所含词「银行网点」识别"
    r = CliRunner().invoke(cli, ["site", "industry", "冷链仓储中心"])
    assert "G5930" in r.output and "按所含词「冷链仓储」识别" in r.output


@pytest.mark.parametrize("word", ["轴承C2611", "哈哈哈"])
def test_site_industry_exits_2_on_a_word_refused_or_not_read_as_site_check_does(word):
    from dcf_spatial.cli.main import cli

    # QA31 F8: a clerk's script tells success from failure by the exit code; `dcf site check` gives 2 for these
    r = CliRunner().invoke(cli, ["site", "industry", "轴承", word])
    assert r.exit_code == 2 and "C3451" in r.output
    check = CliRunner().invoke(cli, ["site", "check", "--site", "115.9203,36.4426", "--industry", word])
    assert check.exit_code == 2
    assert CliRunner().invoke(cli, ["site", "industry", "轴承", "光伏"]).exit_code == 0   # candidates listed, as site check


@shipped
def test_the_batch_row_and_the_report_say_how_the_phrase_was_read(real):
    from dcf_spatial.queries.site.report import site_report_html
    from dcf_spatial.queries.site.tables import results_table

    p = _core_point()
    sites = gpd.GeoDataFrame(geometry=[p.geometry[0], p.geometry[0]], crs=p.crs)
    out = sc.site_results(sites, ["银行网点营业部", "轴承"], context=real)
    assert [r["status"] for r in out] == ["ok", "ok"]
    table = results_table(out)
    assert table["industry_zh"].iloc[0] == "商业银行服务（按所含词「银行网点」识别）"
    assert "按所含词" not in table["industry_zh"].iloc[1]
    html = site_report_html(out[:1], title="核查")
    assert "按所含词「银行网点」识别" in html


@shipped
def test_an_ambiguous_phrase_whose_candidates_differ_is_refused_naming_the_reading(real):
    # in the service core: a vegetable farm and a cold store need not get the same verdict; if they do, it is answered
    p = _core_point()
    try:
        res = sc.site_result(p, "蔬菜冷链仓储", context=real)
    except IndustryChoiceNeeded as exc:
        assert "按所含词「蔬菜」「冷链仓储」识别" in str(exc) and "A0141" in str(exc) and "G5930" in str(exc)
    else:
        assert res["industry"]["read_zh"] == "按所含词「蔬菜」「冷链仓储」识别"
        assert {c["code"] for c in res["industry"]["candidates_checked"]} == {"A0141", "G5930"}


def test_the_desk_industry_lookup_carries_the_reading():
    from dcf_spatial.desk.routes.api import industry

    d = industry("银行网点营业部")
    assert d["status"] == "resolved" and d["read_zh"] == "按所含词「银行网点」识别" and "J6621" in d["label_zh"]


@pytest.mark.parametrize("phrase, wrong", [("物流设备", "G59"), ("电力设备", "D"), ("建筑设计", "E")])
def test_a_phrase_head_that_contradicts_the_contained_word_is_not_read_by_it(phrase, wrong):
    # 物流设备 is equipment made for logistics (C343), not logistics; 建筑设计 is design (M748), not building:
    # the words after the last known word say what kind of unit it is: never the contained word's industry (W12: an
    # equipment head now names the machines' class where industry_heads.csv has it, 物流设备 → C343)
    m = resolve(phrase)
    read = list(m.codes) + [c for c, _ in m.candidates if m.status != "unknown"]
    assert not any(c.startswith(wrong) for c in read)
    assert m.status == "unknown" or all(c[0] == "C" for c in read)


def test_a_phrase_head_that_agrees_keeps_its_read():
    assert resolve("冷链仓储中心").codes == ("G5930",)     # 中心 says nothing of the kind
    assert resolve("医疗设备").codes[0].startswith("C")      # equipment read as manufacturing
