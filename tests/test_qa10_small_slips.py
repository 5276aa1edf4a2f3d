"""QA round 10 (new user), finding 14: small slips in what a check lists.

* A batch row placed by 梁水镇 listed ``梁水镇 100.0%；堂邑镇 0.0%``: a township the site only grazes along the
  schematic boundary is not a township it lies in (第一章第一节 names the townships of the plan area; the answer lists
  where the site is).
* An unknown place (火星镇) was answered with ``沙镇（镇街）`` and ``沙镇镇（镇街）`` as two suggestions: one township,
  its short and its full name.
"""

from __future__ import annotations

import shutil

import pytest

from _shipped import shipped
from dcf_spatial import settings
from dcf_spatial.errors import InputError


@shipped
def test_a_township_a_named_site_only_grazes_is_not_listed(tmp_path):
    from dcf_spatial.queries import check_batch

    shutil.copy(settings.checkout_store, tmp_path / "s.gpkg")
    csv = tmp_path / "清单.csv"
    # the user's 2026 sheet: the slip showed with the other rows of the batch (the sites are overlaid together)
    csv.write_text("项目名称,行业,经度,纬度,建设地点,用地面积(亩)\n智能,智能制造装备,,,智能制造产业园,100\n"
                   "民宿,民宿,,,韩集乡,5\n养猪场,养猪场,,,梁水镇,40\n光伏,光伏,115.95,36.515,,60\n", encoding="utf-8")
    row = check_batch(csv, store=tmp_path / "s.gpkg").results[2]
    assert [t["name_zh"] for t in row["townships"]] == ["梁水镇"]
    assert all(t["share"] >= 0.0005 for t in row["townships"])  # nothing printed as 0.0 %


@shipped
def test_an_unknown_place_suggests_each_township_once():
    from dcf_spatial.places import gazetteer

    with pytest.raises(InputError) as err:
        gazetteer().lookup("火星镇")
    msg = str(err.value)
    assert "沙镇镇（镇街）" in msg and "沙镇（镇街）" not in msg, msg
    suggested = gazetteer().nearest("火星镇")
    units = [gazetteer().places_named(n)[0].unit_id for n in suggested]
    assert len(units) == len(set(units)), suggested
