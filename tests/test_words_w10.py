"""W10 (issue 10 item 7): the words a clerk types — the sweep of trade and product words, the forms 做X的 / X厂 /
X场 / X公司 / X项目 / X加工 / X生产, and words listed for several codes answered when the verdict does not depend on
the code (and refused, naming the candidates' verdicts, when it does)."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from click.testing import CliRunner

from dcf_spatial import crs, settings
from dcf_spatial.industry import (IndustryChoiceNeeded, base_words, checkable, choice_free, code_table, resolve)
from dcf_spatial.queries import site as sc

from _shipped import inside, shipped

# ---- the sweep: each word means the GB/T 4754-2017 class of that name -------------------------------------------
# (word, code, the standard's name of the code): the name is what makes the mapping right, not the code
CLERK_WORDS = [
    ("汽配", "C3670", "汽车零部件及配件制造"),
    ("养猪场", "A0313", "猪的饲养"),
    ("养鸡场", "A0321", "鸡的饲养"),
    ("养牛场", "A0311", "牛的饲养"),
    ("农家乐", "R9030", "休闲观光活动"),
    ("休闲垂钓", "R9030", "休闲观光活动"),
    ("电商仓库", "G5920", "通用仓储"),
    ("激光切割机", "C3424", "金属切割及焊接设备制造"),
    ("粉煤灰砖", "C3031", "粘土砖瓦及建筑砌块制造"),
    ("汽车检测", "M7452", "检测服务"),
    ("幼儿园", "P8310", "学前教育"),
    ("焦化", "C2521", "炼焦"),
    ("五星级酒店", "H6110", "旅游饭店"),
    ("机械加工", "C3484", "机械零部件加工"),
    ("4S店", "F5261", "汽车新车零售"),
    ("农产品电商", "F5292", "互联网零售"),
    ("大棚蔬菜", "A0141", "蔬菜种植"),
    ("加油站", "F5265", "机动车燃油零售"),
    ("快递驿站", "G6020", "快递服务"),
    ("粮库", "G5951", "谷物仓储"),
    ("屠宰场", "C1351", "牲畜屠宰"),
    ("纸箱", "C2231", "纸和纸板容器制造"),
    ("紧固件", "C3482", "紧固件制造"),
    ("危废处置", "N7724", "危险废物治理"),
    ("废品收购站", "F5191", "再生物资回收与批发"),
]


@pytest.mark.parametrize("word,code,name", CLERK_WORDS)
def test_clerk_word_resolves_to_the_class_of_that_name(word, code, name):
    m = resolve(word)
    assert m.status == "resolved" and m.codes == (code,)
    assert code_table().at[code, "name_zh"] == name


# the plan's own words (verbatim in the plan text at the section cited)
PLAN_WORDS = [
    ("西红柿", "A0141", "第八章第二节"),   # “扩大以西红柿（粉果、大红果）、尖椒、圆椒、豇豆……茄子、黄瓜、大葱……的种植规模”
    ("豇豆", "A0141", "第八章第二节"),
    ("采摘园", "R9030", "第六章第一节"),   # “支持建设生态动物园、生态采摘园”
    ("康复医院", "Q8415", "第六章第三节"),  # “开设护理医院、康复医院等专业医疗机构”
    ("前置仓", "G5920", "第六章第五节"),   # “探索前置仓、电商产业园等创新模式”
]


@pytest.mark.parametrize("word,code,ref", PLAN_WORDS)
def test_plan_words_resolve_and_cite_the_plan(word, code, ref):
    m = resolve(word)
    assert m.codes == (code,)
    assert ref in code_table().at[code, "plan_ref"]


def test_the_sweep_adds_at_least_300_words_below_its_header():
    text = (settings.data_dir / "industry_words.csv").read_text(encoding="utf-8")
    head, sweep = text.split("# --- W10 sweep", 1)
    import csv

    rows = list(csv.DictReader([ln for ln in head.splitlines() if ln and not ln.startswith("#")]))
    before = {w for r in rows for w in r["keywords"].split(";") if w}
    after = {w for ln in csv.reader(ln for ln in sweep.splitlines()[1:] if ln and not ln.startswith("#"))
             for w in ln[1].split(";") if w}
    assert len(after - before) >= 300


# ---- the forms of a known word ------------------------------------------------------------------------------------
@pytest.mark.parametrize("word", ["做轴承的", "精密轴承厂", "轴承公司", "轴承有限公司", "轴承项目", "轴承加工", "轴承生产"])
def test_forms_of_a_known_word_resolve_like_the_word(word):
    m = resolve(word)
    assert m.status == "resolved" and m.codes == resolve("轴承").codes == ("C3451",) and m.how == "form"


def test_forms_nest_once_and_keep_an_ambiguous_word_ambiguous():
    assert resolve("做汽配加工的").codes == ("C3670",)
    assert resolve("养牛场").codes == ("A0311",)
    m = resolve("光伏项目")
    assert m.status == "ambiguous" and {c for c, _ in m.candidates} == {"D4416", "C3825"}
    assert checkable(m)  # the plan's word 光伏 (第四章第五节) keeps its handling under the form


def test_an_unknown_word_in_a_form_stays_unknown_with_suggestions():
    for w in ("做外星飞碟的", "外星飞碟厂", "外星飞碟项目"):
        m = resolve(w)
        assert m.status == "unknown" and not m.codes
    m = resolve("做轴套的")  # 轴套 is no listed word: unknown, with the near codes of 轴套 to choose from
    assert m.status == "unknown" and "C3451" in [c for c, _ in m.candidates]


def test_a_factory_form_never_turns_a_crop_into_its_farming():
    # 花生加工 is the processing of peanuts (C13), never 花生 种植 (A0122): the form is refused, not guessed
    for w in ("花生加工", "番茄厂"):
        m = resolve(w)
        assert not any(c.startswith("A") for c in m.codes), (w, m)
    assert resolve("生猪生产").codes == ("A0313",)  # 生产 of a farm word is farming


def test_base_words_lists_candidates_only():
    assert base_words("做轴承的") == ["轴承"]
    assert base_words("做汽配加工的") == ["汽配加工", "汽配"]
    assert base_words("轴承") == []
    assert base_words("厂") == []


# ---- a word of several codes: answered when the verdict does not depend on the code ------------------------------
def test_listed_words_of_several_codes_are_judgeable_and_name_matches_are_not():
    assert choice_free(resolve("铸造")) and choice_free(resolve("农药")) and choice_free(resolve("机器人"))
    assert not choice_free(resolve("管材"))  # matched only inside names: still refused with candidates
    assert not checkable(resolve("管材"))


@shipped
def test_foundry_is_barred_whichever_code_and_says_so(real):
    # 第九章第三节 “严禁水泥、铸造等行业新增产能；对确有必要新建的必须实施等量或减量置换”: C3391 and C3392 alike
    site = inside(real, "park.zhengjia.auto_parts", "cluster_parks")
    res = sc.site_result(site, "铸造", context=real)
    assert res["verdict"] == "does_not_fit"
    (why,) = [r for r in res["reasons"] if r["rule"] == "word_candidates"]
    assert "C3391" in why["text_zh"] and "C3392" in why["text_zh"] and "不取决于" in why["text_zh"]
    assert {c["code"]: c["verdict"] for c in res["industry"]["candidates_checked"]} == {
        "C3391": "does_not_fit", "C3392": "does_not_fit"}
    assert sc.site_result(site, "做铸造的", context=real, capacity_replacement=True)["verdict"] == "conditional"


@shipped
def test_pesticide_plant_outside_a_chemical_park_is_barred_whichever_code(real):
    # 第九章第三节 “严禁新上任何形式的淘汰类、限制类化工项目”; 韩集镇 farmland, no industrial cluster
    site = crs.to_storage(gpd.GeoDataFrame(geometry=gpd.points_from_xy([116.15], [36.365]), crs="EPSG:4490"))
    assert sc.site_result(site, "农药", context=real)["verdict"] == "does_not_fit"


@shipped
def test_robots_in_the_smart_manufacturing_park_fit_whatever_the_code(real):
    # 第八章第一节 智能制造产业园 “主要发展高档数控机床和机器人产业” names robots without their kind: every robot class
    # fits there, so the word is answered, not refused (task FS7; earlier only 工业机器人 was its designation)
    site = inside(real, "park.jiaming.smart_mfg", "cluster_parks")
    res = sc.site_result(site, "机器人", context=real)
    assert res["verdict"] == "fits"
    assert {c["code"] for c in res["industry"]["candidates_checked"]} == {"C3491", "C3492", "C3964"}


@shipped
def test_robots_in_the_yiye_block_depend_on_the_code_and_are_refused(real):
    # 第四章第三节 “以嘉明智能制造产业园、嘉明经济开发区第二片区为载体”: 工业机器人 fits 第二片区's 宜业板块, whose own
    # positioning (第八章第一节) does not name 特殊作业机器人 (C3492): the answer depends on the code
    site = inside(real, "park.jiaming2.yiye", "cluster_parks")
    with pytest.raises(IndustryChoiceNeeded) as ei:
        sc.site_result(site, "机器人", context=real)
    msg = str(ei.value)
    assert "C3491" in msg and "C3492" in msg and "结论视所选代码而定" in msg
    each = {c: v for c, _, v in ei.value.each}
    assert each["C3491"] != each["C3492"]
    assert sc.site_result(site, "C3491", context=real)["verdict"] == "fits"


@shipped
def test_batch_answers_the_agreeing_row_and_refuses_only_the_other(real):
    zj = inside(real, "park.zhengjia.auto_parts", "cluster_parks")
    sm = inside(real, "park.jiaming2.yiye", "cluster_parks")   # 机器人 depends on the code there (above)
    sites = gpd.GeoDataFrame(geometry=[zj.geometry[0], sm.geometry[0], zj.geometry[0]], crs=zj.crs)
    out = sc.site_results(sites, ["铸造", "机器人", "汽配厂"], context=real)
    assert [r["status"] for r in out] == ["ok", "error", "ok"]
    assert out[0]["verdict"] == "does_not_fit"
    assert out[1]["error"].startswith("行业列：「机器人」") and "请在该行改填" in out[1]["error"]
    assert out[2]["industry"]["codes"] == ["C3670"]


@shipped
def test_cli_json_answers_foundry_and_refuses_robots_naming_the_option():
    from dcf_spatial.cli.main import cli

    zj = inside(sc.load_context(settings.default_store), "park.zhengjia.auto_parts", "cluster_parks")
    lonlat = f"{zj.geometry[0].x:.6f},{zj.geometry[0].y:.6f}"
    r = CliRunner().invoke(cli, ["site", "check", "--site", lonlat, "--industry", "铸造", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["verdict"] == "does_not_fit" and d["industry"]["plan_word"] == ""
    assert [c["code"] for c in d["industry"]["candidates_checked"]] == ["C3391", "C3392"]
    sm = inside(sc.load_context(settings.default_store), "park.jiaming2.yiye", "cluster_parks")
    r = CliRunner().invoke(cli, ["site", "check", "--site", f"{sm.geometry[0].x:.6f},{sm.geometry[0].y:.6f}",
                                 "--industry", "机器人", "--json"])
    assert r.exit_code == 2 and "--industry" in r.output and "C3492" in r.output
