"""A short place name in an address counts only as a whole word (task FI8, QA round 9 finding 1).

第八章第二节: “以斗虎屯镇的盖庄、东吕两村为中心，规划建设现代葡萄产业园”: the villages 盖庄村 and 东吕村 stand for the
grape zone; 李盖庄村 and 东吕楼村 are other villages, and 山东吕氏集团 (山东 + 吕氏) names no 东吕 at all. A township's
short name (沙镇 of 沙镇镇) glued into a village's name (王沙镇村) is not the township either.
"""

from __future__ import annotations

import pytest

from dcf_spatial.errors import InputError
from dcf_spatial.places import gazetteer, place_for_site, place_rows
from dcf_spatial.queries import check_batch, check_site


@pytest.fixture(scope="module")
def gaz():
    return gazetteer()


@pytest.mark.parametrize("text, glued", [("山东吕氏集团院内", "东吕"), ("王沙镇村", "沙镇"), ("李盖庄村", "盖庄"),
                                         ("东吕楼村", "东吕"), ("郑家寨村", "郑家"), ("沙镇楼村", "沙镇")])
def test_a_short_name_glued_into_another_word_places_nothing(gaz, text, glued):
    m = gaz.find_in_text(text)
    assert m.place is None and m.status_zh == "位置不明"
    assert m.glued == (glued,) and f"“{glued}”" in m.reason and "连成别的名称" in m.reason
    with pytest.raises(InputError, match="连成别的名称"):
        place_for_site(text)


@pytest.mark.parametrize("text, unit", [("斗虎屯镇东吕楼村", "斗虎屯镇"), ("斗虎屯镇李盖庄村", "斗虎屯镇"),
                                        ("盖庄村", "现代有机葡萄产业示范区"), ("东吕村", "现代有机葡萄产业示范区"),
                                        ("斗虎屯镇东吕村", "现代有机葡萄产业示范区"), ("斗虎屯盖庄村", "现代有机葡萄产业示范区"),
                                        ("盖庄、东吕", "现代有机葡萄产业示范区"),
                                        ("东昌府区郑家镇工业园区纬二路北", "郑家镇工业集聚区"),
                                        ("沙镇王屯村", "沙镇镇"), ("聊城沙镇蔬菜基地", "沙镇镇"), ("侯营镇沙镇村", "侯营镇")])
def test_whole_words_and_a_certain_township_are_still_placed(gaz, text, unit):
    m = gaz.find_in_text(text)
    assert m.place is not None and m.place.unit_name == unit, m.reason


def test_a_bearing_project_in_a_company_compound_is_not_judged_in_the_grape_zone():
    # 建设地点 “山东吕氏集团院内”: before, 东吕 → 葡萄示范区 → 不符合; now no place is known
    with pytest.raises(InputError, match="东吕"):
        check_site("山东吕氏集团院内", "轴承")


def test_batch_and_audit_rows_say_why_they_are_not_placed(tmp_path, gaz):
    f = tmp_path / "项目.csv"
    f.write_text("项目名称,建设地点,行业\n某项目,山东吕氏集团院内,轴承\n二,王沙镇村,轴承\n三,斗虎屯镇东吕村,葡萄种植\n",
                 encoding="utf-8")
    rows = check_batch(f).results
    assert [r["status"] for r in rows] == ["error", "error", "ok"]
    assert "东吕" in rows[0]["error"] and "沙镇" in rows[1]["error"]
    import geopandas as gpd

    g = gpd.GeoDataFrame({"address": ["李盖庄村", "东吕楼村", "斗虎屯镇东吕楼村"]}, geometry=[None] * 3, crs=4490)
    placed, _ = place_rows(g, as_point=True, gaz=gaz)   # the idle audit's placing
    assert placed["location_method"].tolist() == ["位置不明", "位置不明", "按地名定位"]
    assert placed["place_name"].tolist()[2] == "斗虎屯镇"
    assert "盖庄" in placed["place_reason"].iloc[0]


def test_the_batch_reads_the_address_under_every_name_the_audit_reads(tmp_path):
    # QA round 9 finding 9: 坐落 (the 宗地 ledger's address) was refused by the batch ("找不到坐标列")
    from dcf_spatial.io.aliases import alias_table

    groups = alias_table()["groups"]
    assert groups["sites"]["address"] == groups["parcels"]["address"]     # one list
    assert {"坐落", "建设地点", "项目位置", "土地坐落"} <= set(groups["sites"]["address"])
    f = tmp_path / "项目.csv"
    f.write_text("项目名称,坐落,行业\n甲,东昌府区郑家镇工业园区纬二路北,轴承\n乙,李盖庄村,轴承\n", encoding="utf-8")
    rows = check_batch(f).results
    assert [r["status"] for r in rows] == ["ok", "error"]
    assert rows[0]["site"]["from_name"]["unit"] == "郑家镇工业集聚区" and "盖庄" in rows[1]["error"]
