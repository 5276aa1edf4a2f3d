"""Place names, QA round 10 (task FI9): the whole-word rule with a direction word after it, two townships
written without a separator, one list of village endings, 社区 like 居委会.

第一章第一节 lists the townships and 街道 of 东昌府区 (郑家镇, 闫寺街道, 沙镇镇, 侯营镇, 于集镇, 许营镇, 韩集镇,
广平镇 …); a site must lie in one of them. A text naming two of them names no single site, whatever joins them.
"""

from __future__ import annotations

import pytest

from dcf_spatial.errors import InputError
from dcf_spatial.places import gazetteer, place_for_site, site_text_match


@pytest.fixture(scope="module")
def gaz():
    return gazetteer()


@pytest.mark.parametrize("text, glued", [
    ("王沙镇村北", "沙镇"), ("王沙镇村东侧", "沙镇"), ("李郑家村东", "郑家"), ("小郑家村西侧", "郑家"),
    ("郑家营村北", "郑家"), ("湖西村北", "湖西"), ("前闫寺村南", "闫寺"), ("后梁水村附近", "梁水"),
    ("张广平村北", "广平"), ("古楼村南", "古楼")])
def test_a_direction_word_does_not_unglue_a_village_name(gaz, text, glued):
    m, exact = site_text_match(text, gaz)
    assert m.place is None and not exact
    assert glued in m.glued and "连成别的名称" in m.reason
    with pytest.raises(InputError, match="连成别的名称"):
        place_for_site(text, gaz=gaz)


@pytest.mark.parametrize("text, unit", [("郑家镇王屯村北", "郑家镇"), ("沙镇王屯村东侧", "沙镇镇"),
                                        ("郑家社区北", "郑家镇")])
def test_a_direction_word_after_a_village_of_a_whole_township_still_places_the_township(gaz, text, unit):
    m, _ = site_text_match(text, gaz)
    assert m.place is not None and m.place.unit_name == unit and m.qualifier, m.reason


@pytest.mark.parametrize("text, units", [
    ("郑家 闫寺", {"郑家镇", "闫寺街道"}), ("郑家　闫寺", {"郑家镇", "闫寺街道"}), ("郑家闫寺", {"郑家镇", "闫寺街道"}),
    ("郑家和闫寺", {"郑家镇", "闫寺街道"}), ("郑家及闫寺两地", {"郑家镇", "闫寺街道"}),
    ("郑家镇与闫寺", {"郑家镇", "闫寺街道"}), ("郑家镇 闫寺", {"郑家镇", "闫寺街道"}),
    ("郑家镇闫寺", {"郑家镇", "闫寺街道"}), ("沙镇和侯营", {"沙镇镇", "侯营镇"}), ("于集许营", {"于集镇", "许营镇"}),
    ("韩集 广平", {"韩集镇", "广平镇"}), ("闫寺郑家", {"郑家镇", "闫寺街道"}), ("郑家、闫寺", {"郑家镇", "闫寺街道"})])
def test_two_townships_without_a_separator_are_refused_naming_both(gaz, text, units):
    m, _ = site_text_match(text, gaz)
    assert m.place is None
    assert {p.unit_name for p in m.candidates} == units
    assert all(u in m.reason for u in units)
    with pytest.raises(InputError):
        place_for_site(text, gaz=gaz)


@pytest.mark.parametrize("text, unit", [("堂邑镇郑家村", "堂邑镇"), ("梁水镇闫寺村", "梁水镇"), ("侯营镇沙镇村", "侯营镇")])
def test_a_township_village_named_like_another_township_is_still_one_place(gaz, text, unit):
    m, _ = site_text_match(text, gaz)
    assert m.place is not None and m.place.unit_name == unit, m.reason


@pytest.mark.parametrize("text", ["郑家村", "郑家庄", "郑家屯", "郑家寨", "郑家营", "郑家集", "郑家铺", "郑家店"])
def test_every_village_ending_makes_a_village_not_the_township(gaz, text):
    m, _ = site_text_match(text, gaz)
    assert m.place is None and m.glued == ("郑家",), m.reason


@pytest.mark.parametrize("text, unit", [("郑家社区", "郑家镇"), ("湖西社区", "湖西街道"), ("郑家居委会", "郑家镇"),
                                        ("湖西居委会", "湖西街道")])
def test_a_community_is_its_townships_like_a_residents_committee(gaz, text, unit):
    place, notes = place_for_site(text, gaz=gaz)
    assert place.unit_name == unit and notes


def test_an_unknown_zone_is_still_refused(gaz):
    with pytest.raises(InputError, match="不在地名表中"):
        place_for_site("郑家镇工业集中区", gaz=gaz)
