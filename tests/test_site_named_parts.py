"""A site placed by a name takes the verdict of every part of its unit (task FS7, issue 10 QA of a new user).

"Somewhere in 新区街道" is checked in each zone drawn inside the unit and in the rest of it, each as a parcel: one
verdict everywhere → that verdict; verdicts that differ → 有条件符合 naming which part gives which and why. Cases
are written from the plan text (chapter and section in each test); batch and single checks of one text agree.
"""

from __future__ import annotations

import pytest

from dcf_spatial.errors import InputError
from dcf_spatial.industry import resolve
from dcf_spatial.places import gazetteer, place_for_site
from dcf_spatial.queries import check_batch, check_site


def _rules(res):
    return {r["rule"]: r for r in res["reasons"]}


@pytest.mark.parametrize("word, township", [("饭店", "新区街道"), ("小饭馆", "新区街道"), ("理发店", "新区街道")])
def test_everyday_services_fit_anywhere_in_a_township_with_a_service_core(word, township):
    # 第六章第二节: “大力发展社区服务业，打造15分钟便民生活服务圈”: such services fit in every township outside the
    # industrial clusters, inside the 中心城区服务业引领核 (第八章第三节) or not; no "须位于其中" condition
    answer = check_site(township, word)
    res = answer.results[0]
    assert answer.verdict == "fits", [r["text_zh"] for r in res["reasons"]]
    assert not any("才符合规划" in r["text_zh"] for r in res["reasons"])
    parts = _rules(res)["named_site_parts"]
    assert parts["effect"] == "info" and "结论相同（符合）" in parts["text_zh"]
    assert "中心城区服务业引领核" in parts["text_zh"] and "上述分区以外" in parts["text_zh"]


def test_grape_growing_at_the_village_the_plan_names_is_the_grape_zones_answer():
    # 第八章第二节: “以斗虎屯镇的盖庄、东吕两村为中心，规划建设现代葡萄产业园”: 盖庄村 is in the grape zone
    place, _ = place_for_site("斗虎屯镇盖庄村")
    assert place.unit_id == "agri.grape"
    answer = check_site("斗虎屯镇盖庄村", "葡萄种植")
    assert answer.verdict == "fits"
    assert "agri_fits_zone" in _rules(answer.results[0]) or answer.results[0]["zones"][0]["match"] == "full"


def test_grape_growing_anywhere_in_douhutun_fits():
    # 第五章第二节 (林果 across the district) and 第八章第二节 (the grape zone in 斗虎屯镇): every part fits
    answer = check_site("斗虎屯镇", "葡萄种植")
    assert answer.verdict == "fits"
    assert "结论相同（符合）" in _rules(answer.results[0])["named_site_parts"]["text_zh"]


def test_parts_that_differ_are_named_with_their_verdicts():
    # 第八章第一节: 郑家镇工业集聚区 carries 轴承; the rest of 郑家镇 is outside the industrial clusters
    res = check_site("郑家镇", "轴承").results[0]
    assert res["verdict"] == "conditional"
    text = _rules(res)["named_site_in_zone"]["text_zh"]
    assert "地块位于郑家镇工业集聚区（四大工业集聚区）" in text and "：符合" in text
    assert "上述分区以外" in text
    assert "才符合规划" not in text


def test_robots_of_any_kind_fit_the_smart_manufacturing_park():
    # 第八章第一节: “智能制造产业园：主要发展高档数控机床和机器人产业” names robots without their kind
    for code in ("C3491", "C3492", "C3964"):
        assert check_site("智能制造产业园", code).verdict == "fits", code
    answer = check_site("智能制造产业园", "机器人")
    assert answer.verdict == "fits"
    assert set(answer.results[0]["industry"]["codes"]) == {"C3491", "C3492", "C3964"}


def test_service_robots_outside_the_park_are_not_made_to_fit():
    # the clause names the park only: a service-robot plant in 郑家 (第八章第一节 轴承) is not thereby fitting
    assert check_site("轴承保持器智能制造产业园", "C3964").verdict != "fits"


def test_a_mistyped_unit_gets_the_same_status_in_a_batch_as_in_a_single_check(tmp_path):
    with pytest.raises(InputError) as single:
        place_for_site("郑家镇工业集中区")
    assert "郑家镇工业集聚区" in str(single.value)
    f = tmp_path / "清单.csv"
    f.write_text("项目名称,建设地点,行业\n写错单元,郑家镇工业集中区,轴承\n对的,郑家镇王屯村,超市\n", encoding="utf-8")
    answer = check_batch(f)
    bad, good = answer.results
    assert bad["status"] == "error" and "郑家镇工业集聚区" in bad["error"] and "相近的地名" in bad["error"]
    assert good["status"] == "ok" and good["site"]["from_name"]["unit"] == "郑家镇"


def test_batch_messages_say_what_was_found_and_show_no_layer_ids(tmp_path):
    f = tmp_path / "清单.csv"
    f.write_text("项目名称,建设地点,行业\n两个单元,郑家镇闫寺街道,轴承\n相对,郑家镇工业集聚区以南10公里,轴承\n"
                 "无名,某某路,轴承\n", encoding="utf-8")
    two, relative, none = check_batch(f).results
    assert "找不到" not in two["error"] and "互不包含" in two["error"] and "闫寺街道" in two["error"]
    assert "找不到" not in relative["error"] and "以南" in relative["error"]
    assert "找不到地名表中的地名" in none["error"]
    for r in (two, relative):
        assert "图层" not in r["error"] and "town.3715" not in r["error"] and "townships" not in r["error"]


def test_place_descriptions_are_chinese_only():
    d = gazetteer().lookup("郑家镇").describe_zh()
    assert d.startswith("郑家镇（镇街") and "townships" not in d and "town." not in d


def test_the_hotel_reading_of_fandian_is_named():
    # GB/T 4754-2017: H6110 旅游饭店 (住宿业) beside H62 餐饮业
    m = resolve("饭店")
    assert m.codes == ("H62",) and "H6110 旅游饭店" in m.read_zh and "住宿" in m.read_zh
    assert resolve("轴承").read_zh == ""


def test_a_parks_positioning_names_the_clause_of_codes_from_another_chapter():
    # 第四章第一节: “上游引进钢板、钢带等原料企业”, “利用下脚料研发生产附加值高的创意产品”: the bearing park's C313,
    # C2432, C2439 come from there, not from 第八章第一节
    from dcf_spatial.queries.site.rules.industry import codes_zh

    zone = {"id": "park.zhengjia.bearing", "plan_ref": "第八章第一节"}
    text = codes_zh(["C3451", "C313", "C2432", "C2439"], zone)
    assert "C313 钢压延加工（第四章第一节：轴承产业链上游钢板、钢带）" in text
    assert "C2432" in text and text.count("第四章第一节") >= 3
    assert text.startswith("C3451 滚动轴承制造、")


def test_batch_output_folder_is_created(tmp_path):
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli as main

    f = tmp_path / "清单.csv"
    f.write_text("项目名称,经度,纬度,行业\n甲,115.766,36.4534,轴承\n", encoding="utf-8")
    out = tmp_path / "新文件夹" / "结果.xlsx"
    r = CliRunner().invoke(main, ["site", "check", "--batch", str(f), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.exists()
