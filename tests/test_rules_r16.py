"""Task R16 / W14: the words blind sets 21–22 found refused, and a clerk's phrase around a plan word with several
codes (issue 10 item 7). Each test is written from the clause it rests on (chapter and section named in every test),
not from the code; the reader counts of the questions R16 tallied are in ``tests/plan_cases/README.md`` (section R16).

Sites are feature ids of the shipped store (their representative points: ``park.zhengjia.bearing`` in 轴承保持器产业园,
``park.guangping.market`` in 交易市场区, ``park.jiaming2.yiju`` / ``park.jiaming2.yiye`` in 新能源汽车小镇's 宜居 / 宜业
板块, ``park.jiaming.new_materials`` in 新材料产业园).
"""

from __future__ import annotations

import pytest

from _shipped import shipped
from test_plan_cases import run_case


def ask(place: str, industry: str, extra: str = "") -> dict:
    return run_case({"case_id": "r16", "place": place, "industry": industry, "extra": extra})


def rules_of(answer: dict, effect: str | None = None) -> list[str]:
    return [r["rule"] for r in answer.get("reasons", []) if effect is None or r["effect"] == effect]


# --- words (W14): each code checked by name in GB/T 4754-2017 -----------------------------------------------------

def test_4_1_a_wind_turbine_bearing_is_a_bearing_not_wind_power():
    # 第四章第一节 “重点研发生产高铁、风电机组、轻轨、重卡等适用的高端精密轴承”: 风电轴承 is the bearing (C3451 滚动轴承制造),
    # not 风力发电 D4415
    from dcf_spatial.industry import resolve

    for word in ("风电轴承", "风电机组轴承", "高铁轴承", "重卡轴承"):
        m = resolve(word)
        assert m.resolved and m.codes == ("C3451",), word


def test_4_4_pipe_logistics_is_logistics_not_rolling():
    # 第四章第四节 “打造现代钢管物流基地”: 钢管物流 is the logistics of pipes (G59, as 物流), not 钢压延加工 C313
    from dcf_spatial.industry import resolve

    assert resolve("钢管物流").codes == resolve("物流").codes == ("G59",)


def test_8_1_staff_flats_are_rental_housing():
    # 第八章第一节 “宜居是建设智能化产业居住配套区”: 职工公寓 is housing let to workers, read like 人才公寓 (K7040 房地产租赁经营)
    from dcf_spatial.industry import resolve

    assert resolve("职工公寓").codes == resolve("人才公寓").codes == ("K7040",)


@shipped
def test_4_1_wind_turbine_bearing_fits_the_bearing_park():
    # 第四章第一节: the high-end bearings for 风电机组 are 郑家's bearing chain
    ans = ask("park.zhengjia.bearing", "风电轴承")
    assert ans["verdict"] == "fits"


@shipped
def test_4_4_pipe_logistics_fits_the_pipe_market_area():
    # 第四章第四节 “推进钢管市场提档升级，建设金融服务、物流配送、信息发布等配套完善的现代市场”, “打造现代钢管物流基地”
    ans = ask("park.guangping.market", "钢管物流")
    assert ans["verdict"] == "fits"


@shipped
def test_8_1_staff_flats_fit_the_residential_block():
    # 第八章第一节 新能源汽车小镇 “宜居是建设智能化产业居住配套区”
    ans = ask("park.jiaming2.yiju", "职工公寓")
    assert ans["verdict"] == "fits"


@shipped
@pytest.mark.parametrize("industry", ["职工公寓", "K7040"])
def test_8_1_staff_flats_in_a_production_block_do_not_fit(industry):
    # 第八章第一节 “宜业是新能源汽车产业核心区” (a production block); 《工业项目建设用地控制指标》 (国土资发〔2008〕24号, as the
    # repository cites it, 条款序号待核实) “严禁在工业项目用地范围内建造成套住宅…等非生产性配套设施”: flats are 成套住宅
    # whether sold or let
    ans = ask("park.jiaming2.yiye", industry)
    assert ans["verdict"] == "does_not_fit"
    assert "housing_in_production_block" in rules_of(ans, "does_not_fit")


# --- 光伏: a plan word with several codes is checked code by code, also inside a clerk's phrase ---------------------

@shipped
@pytest.mark.parametrize("industry", ["光伏企业", "光伏产业", "光伏板厂"])
def test_4_5_a_clerks_phrase_around_guangfu_is_judged_like_the_plan_word(industry):
    # 第四章第五节 “探索太阳能发电材料”: 光伏 is the plan's word for C3825 光伏设备及元器件制造 and D4416 太阳能发电 (issue 10
    # item 7); a phrase that contains it is judged over both codes like the word itself, never refused: in 新材料产业园
    # the two differ (C3825 符合, D4416 有条件: 第九章第一节 energy facilities follow the infrastructure plan), so the
    # answer is 有条件符合 naming each
    ans = ask("park.jiaming.new_materials", industry)
    plain = ask("park.jiaming.new_materials", "光伏")
    assert not ans["verdict"].startswith("error"), ans["verdict"]
    assert ans["verdict"] == plain["verdict"] == "conditional"
    checked = {c["code"]: c["verdict"] for c in ans["industry"]["candidates_checked"]}
    assert checked == {"C3825": "fits", "D4416": "conditional"}
    text = next(r["text_zh"] for r in ans["reasons"] if r["rule"] == "plan_word_candidates")
    assert "C3825" in text and "D4416" in text
    assert "--" not in text  # a library message names no CLI option


@shipped
def test_4_5_guangfu_where_both_codes_agree_is_answered_without_choice():
    # 第十章第一节 / 第九章第三节: 限制类 does not fit whatever the code; the same verdict covers both candidates
    ans = ask("park.jiaming.new_materials", "光伏企业", "catalogue_class=限制类")
    assert ans["verdict"] == "does_not_fit"
    assert "plan_word_candidates" in rules_of(ans, "info")


def test_a_factorys_staff_flats_are_its_annex_not_a_project():
    # 国土资发〔2008〕24号 (as the repository cites it): 行政办公及生活服务设施 belong to the industrial project; 职工公寓 named
    # beside a firm (轴承厂职工公寓) is that firm's annex, refused with a request for the firm's own activity (W13)
    from dcf_spatial.industry import resolve

    assert resolve("轴承厂职工公寓").notes[0] == "annex"
    assert resolve("职工公寓").codes == ("K7040",)
