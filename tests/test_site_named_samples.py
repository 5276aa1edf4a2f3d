"""Every sample point of a named site lies strictly inside its unit and the zone it is reported for (task F8S,
breaker finding 1).

A site given by a place name is checked in each zone drawn inside the unit and in the rest of it (rules/named.py
``parts``). A sample on the unit's shared edge (2e-11 m outside 新能源汽车小镇·宜业板块) was judged in 宜游板块, so
“新能源汽车” there read 有条件符合 though 宜业 carries it (第八章第一节).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from dcf_spatial.places import gazetteer
from dcf_spatial.queries import check_site
from dcf_spatial.queries.site.rules import named as by_name


def _units():
    seen = {}
    for p in gazetteer().places:
        seen.setdefault((p.layer_id, p.unit_id), p.unit_name)
    return sorted(set(seen.values()))


def _recording(calls):
    real = by_name.parts

    def parts(ctx, unit, inner, unit_label):
        out = real(ctx, unit, inner, unit_label)
        zones = {}
        for z in inner:
            lay = ctx.layers.get(z["layer"])
            if lay is None or lay.is_point:
                continue
            hit = np.flatnonzero(lay.ids == z["id"])
            if len(hit) and lay.geoms[hit[0]] is not None:
                zones[f"位于{z['name_zh']}（{z.get('layer_title_zh') or z['layer']}）的地块"] = lay.geoms[hit[0]]
        calls.append((unit_label, unit, zones, out))
        return out

    return parts


def test_every_units_samples_lie_inside_the_unit_and_their_zone(monkeypatch):
    calls: list = []
    monkeypatch.setattr(by_name, "parts", _recording(calls))
    units = _units()
    assert len(units) > 30
    for name in units:
        check_site(name, "超市")
    sampled = [c for c in calls if c[3]]
    assert len(sampled) > 10
    for label, unit, zones, out in sampled:
        for lbl, pt in out:
            assert unit.contains(pt), (label, lbl, pt.wkt, shapely.distance(pt, unit.boundary))
            if lbl in zones:
                assert zones[lbl].contains(pt), (label, lbl, pt.wkt)
            else:  # the rest of the unit: outside every zone drawn inside it
                assert lbl.endswith("上述分区以外的地块"), lbl
                assert not any(g.contains(pt) for g in zones.values()), (label, pt.wkt)


def test_new_energy_vehicles_anywhere_in_the_yiye_block_fit():
    # 第八章第一节: 新能源汽车小镇 “宜业是……” the block for the plant; its parts along the canal belt are still 宜业
    answer = check_site("新能源汽车小镇·宜业板块", "新能源汽车")
    res = answer.results[0]
    assert answer.verdict == "fits", [r["text_zh"] for r in res["reasons"]]
    assert {p["verdict"] for p in res["site"]["parts_checked"]} == {"fits"}


def test_sample_point_is_strictly_inside_and_drops_slivers():
    box = shapely.box(0, 0, 100, 100)
    pt = by_name.sample_point(box, 10.0)
    assert pt.within(shapely.box(by_name.EDGE_M, by_name.EDGE_M, 100 - by_name.EDGE_M, 100 - by_name.EDGE_M))
    # a part thinner than the inward buffer falls back to the part itself
    thin = shapely.box(0, 0, 100, 1.0)
    assert thin.contains(by_name.sample_point(thin, 10.0))
    # a sliver below the area floor is not sampled; in a part with a sliver, the sample is in the real piece
    assert by_name.sample_point(shapely.box(0, 0, 100, 0.001), 10.0) is None
    both = shapely.union(shapely.box(0, 0, 100, 100), shapely.box(200, 0, 5000, 0.001))
    assert shapely.box(0, 0, 100, 100).contains(by_name.sample_point(both, 10.0))
