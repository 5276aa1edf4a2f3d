"""A site given by a place name means "somewhere in that unit, exact parcel not yet known" (issue 9/10 QA).

The verdict judges the unit's own designation (a cluster → the cluster, not its parks; a township → the
district-wide rules, not the zones inside it); the reasons name the zones inside the unit that the exact
parcel must still be checked against; the area is the declared one or 面积未知; no distance is measured
from the whole unit. Cases are written from the plan text (chapter and section in each test).
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from dcf_spatial import register, settings
from dcf_spatial.industry import resolve
from dcf_spatial.queries import check_batch, check_site


def _rules(res):
    return {r["rule"]: r for r in res["reasons"]}


def test_bearing_named_at_zhengjia_cluster_depends_on_the_part_the_parcel_is_in():
    # 第四章第一节 names 郑家 for 轴承 as a whole cluster, so its production parks fit (集聚区整体对口); 第八章第一节
    # 产业园区分区 makes 物流产业园 a logistics block, where a factory is 有条件符合. "Somewhere in the cluster" is
    # then 有条件符合, naming which part gives which verdict (issue 10 QA, task FS7)
    answer = check_site("郑家镇工业集聚区", "轴承", area_mu=50, investment_wan=10000)
    res = answer.results[0]
    assert answer.verdict == "conditional"
    rules = _rules(res)
    parts = rules["named_site_in_zone"]
    assert parts["effect"] == "conditional"
    fits, cond = parts["text_zh"].split("：符合")[0], parts["text_zh"].split("：有条件符合")[0]
    assert "轴承保持器智能制造产业园" in fits and "汽车零部件产业园" in fits
    assert "物流产业园" in cond.split("；")[-1] and "第八章第一节" in parts["plan_ref"]
    note = rules["named_site_parcel"]
    assert note["effect"] == "info" and "具体地块" in note["text_zh"]
    # the prompt says what a parcel in each park gets, never 不对口 for a park the cluster's bearings fit
    assert "汽车零部件产业园（工业集聚区功能园区，地块在此：符合）" in note["text_zh"]
    assert "物流产业园（工业集聚区功能园区，地块在此：有条件符合）" in note["text_zh"]
    assert "不对口" not in note["text_zh"]
    assert res["site"]["area_mu"] == 50.0 and res["site"]["area_source"] == "declared"
    assert res["site"]["parcel_known"] is False and res["site"]["unit_area_mu"] > 20_000
    # the indicators use the declared 50 亩 (3.3333 ha): 10,000 万元 / 3.3333 ha = 3,000 万元/公顷
    inv = next(x for x in res["indicators"] if x["indicator"] == "investment_intensity")
    assert inv["value"] == pytest.approx(3000.0, rel=1e-3)
    text = answer.summary_text()
    assert "场地：面积 50.00 亩（申报面积，具体地块未知）" in text and "面积 29405" not in text.replace(",", "")


def test_named_site_distance_prompts_need_the_exact_parcel():
    # 第十章第六节 / 第九章第一节 (马颊河): the whole cluster touches the 3 km band; the parcel's distance is unknown
    res = check_site("郑家镇工业集聚区", "轴承").results[0]
    texts = [r["text_zh"] for r in res["reasons"]]
    assert not any("0.0 km" in t for t in texts)
    eco = [r for r in res["reasons"] if r["rule"] == "eco_corridor"]
    assert eco and all("具体地块" in r["text_zh"] and r["effect"] == "info" for r in eco)


def test_named_site_without_area_says_area_unknown():
    answer = check_site("郑家镇工业集聚区", "轴承")
    res = answer.results[0]
    assert res["site"]["area_mu"] is None and res["site"]["area_source"] == "unknown"
    assert "面积未知" in answer.summary_text()


def test_supermarket_named_at_liangshui_fits_as_a_community_service():
    # 第六章第二节: “大力发展社区服务业，打造15分钟便民生活服务圈”, a supermarket fits in any township; the
    # agricultural zones inside 梁水镇 are not the unknown parcel
    answer = check_site("梁水镇", "超市")
    res = answer.results[0]
    assert res["industry"]["codes"] == ["F5212"]
    assert answer.verdict == "fits"
    assert _rules(res)["community_services_district_wide"]["effect"] == "fits"
    assert "具体地块" in _rules(res)["named_site_parcel"]["text_zh"]


def test_tcm_herbs_named_at_houying_fit_outside_its_vegetable_zone_only():
    # 第五章第二节: “推进黄芩、丹参、桔梗、白芍、荆芥等道地中药材种植” across the district, outside the agricultural
    # zones; 侯营镇 holds part of the 高标准蔬菜产业示范区 (第八章第二节), where herbs are not the zone's product:
    # the parts differ, so "somewhere in 侯营镇" is 有条件符合 naming both
    answer = check_site("侯营镇", "中药材")
    assert answer.verdict == "conditional"
    text = _rules(answer.results[0])["named_site_in_zone"]["text_zh"]
    assert "上述分区以外：符合" in text and "第五章第二节" in text
    assert "高标准蔬菜产业示范区（七大农业示范区）：有条件符合" in text


def test_cement_named_at_zhengjia_cluster_does_not_fit():
    # 第九章第三节: new cement capacity is barred wherever the parcel lies
    assert check_site("郑家镇工业集聚区", "水泥").verdict == "does_not_fit"


def test_factory_named_only_by_township_depends_on_the_parcel():
    # 第八章第一节: 郑家镇 holds 郑家镇工业集聚区 (轴承); a bearing plant somewhere in 郑家镇 fits only if the
    # parcel is in the cluster: conditional, naming the cluster
    answer = check_site("郑家镇", "轴承")
    assert answer.verdict == "conditional"
    r = _rules(answer.results[0])["named_site_in_zone"]
    assert "郑家镇工业集聚区" in r["text_zh"]


def test_batch_rows_placed_by_address_use_the_declared_area_and_the_units_designation(tmp_path):
    f = tmp_path / "项目清单.csv"
    f.write_text("项目名称,建设地点,所属行业,用地面积(亩)\n"
                 "轴承厂,郑家镇工业园区纬二路北,轴承,50\n"
                 "某超市,梁水镇,超市,\n"
                 "药材基地,侯营镇,中药材,200\n"
                 "水泥厂,郑家镇工业集聚区,水泥,30\n", encoding="utf-8")
    answer = check_batch(f, field_map={"industry": "所属行业"})
    # 郑家's 物流产业园 and 侯营's vegetable zone are parts where the row's project is 有条件符合 (see above)
    assert [r["verdict"] for r in answer.results] == ["conditional", "fits", "conditional", "does_not_fit"]
    assert [r["site"]["area_mu"] for r in answer.results] == [50.0, None, 200.0, 30.0]
    out = tmp_path / "结果.xlsx"
    answer.to_table(out)
    table = pd.read_excel(out, sheet_name="核查结果", engine="openpyxl")
    assert table["面积（亩）"].iloc[0] == 50.0 and pd.isna(table["面积（亩）"].iloc[1])


def test_coordinates_are_still_checked_as_the_parcel():
    # a site given by coordinates is unchanged: no named-site reasons
    res = check_site("115.80,36.47", "轴承").results[0]
    assert "named_site_parcel" not in _rules(res) and res["site"]["area_mu"] == 0.0


@pytest.mark.parametrize("word, code", [("超市", "F5212"), ("便利店", "F5213"), ("百货", "F5211")])
def test_retail_words_resolve_to_the_gbt4754_classes(word, code):
    # GB/T 4754-2017: F5211 百货零售, F5212 超级市场零售, F5213 便利店零售
    m = resolve(word)
    assert m.resolved and list(m.codes) == [code]


def test_batch_recorded_under_a_label_keeps_each_rows_project_name(tmp_path):
    store = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, store)
    f = tmp_path / "b.csv"
    f.write_text("项目名称,经度,纬度,行业\n轴承厂,115.752,36.452,轴承\n,115.80,36.47,轴承\n", encoding="utf-8")
    answer = check_batch(f, store=store, record="第一批")
    entries = register.history(store=store).frame
    names = entries.sort_values("登记号")["项目名称"].tolist()
    assert names == ["第一批 / 轴承厂", "第一批"]
    assert len(answer.register_ids) == 2
    # the label still finds the whole batch
    assert len(register.history(store=store, project="第一批").frame) == 2


def test_recheck_against_a_version_set_has_a_space_after_its_id(tmp_path):
    store = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, store)
    first = check_site("115.80,36.47", "轴承", store=store, record="x")
    vs = register.history(store=store).frame["版本集"].iloc[0]
    text = register.recheck(store=store, ids=first.register_ids, against=vs).summary_text()
    assert f"按版本集 {vs} 重新核查" in text


def test_a_recorded_named_site_reproduces_as_a_named_site(tmp_path):
    store = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, store)
    answer = check_site("梁水镇", "超市", store=store, record="超市项目")
    shown = register.show(answer.register_ids[0], store=store)
    assert shown.identical
    assert register.recheck(store=store, ids=answer.register_ids).flipped == []


def test_a_belt_part_is_judged_outside_the_block_drawn_within_it_at_dier_pianqu():
    # QA31 F3: 第八章第一节 makes 新能源汽车小镇·宜居板块 a residential block (工业项目不得在此建设); it lies inside
    # 湖南路创新创业带, which covers ~70 % of 第二片区. Only the block is 不符合 for a vehicle plant: the belt's part
    # is judged outside the block (as a coordinate there is: 116.00707,36.42116, QA's check), never by it
    answer = check_site("第二片区", "公交车")
    rules = _rules(answer.results[0])
    note = rules["named_site_parcel"]["text_zh"]
    assert "宜居板块（工业集聚区功能园区，地块在此：不符合）" in note
    assert "湖南路创新创业带（三大现代服务业发展带，地块在此：有条件符合）" in note
    unfit = rules["named_site_in_zone"]["text_zh"].split("：不符合")[0].split("；")[-1]
    assert "宜居板块" in unfit and "湖南路创新创业带" not in unfit
    assert check_site("116.00707,36.42116", "公交车").verdict == "conditional"
