"""Integrity of the shipped default layer store (layers/dcf_layers.gpkg), read through the catalog.

These tests check the store as committed: that it holds every layer with the right counts and
fields, that the schematic geometry obeys the plan's words (checked against the source lines with
an independent ray test, not against coordinates), that rebuilding it from the package's sources
(dcf_spatial/store/sources) reproduces it, and that the copy shipped as package data is the same file.
"""

from __future__ import annotations

import json
from itertools import combinations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from dcf_spatial import crs, settings

from dcf_spatial.store import build, catalog

STORE = settings.default_store
SOURCES = build.SOURCES
AREA_TOL_M2 = 1.0  # overlaps/gaps below 1 m² are floating-point noise of the storage round trip

pytestmark = pytest.mark.skipif(not STORE.exists(), reason=f"shipped store {STORE} not built")


@pytest.fixture(scope="module")
def layer():
    cache = {}

    def read(layer_id: str) -> gpd.GeoDataFrame:
        if layer_id not in cache:
            cache[layer_id] = catalog.read_layer(layer_id, store=STORE)
        return cache[layer_id].copy()

    return read


def working(gdf):
    return crs.to_working(gdf)


def by_id(gdf):
    return dict(zip(gdf["id"], working(gdf).geometry))


def plan_zones():
    return json.loads((settings.data_dir / "plan_zones.json").read_text(encoding="utf-8"))["zones"]


# --- what is in the store -------------------------------------------------------------------


def test_every_layer_present_with_expected_counts():
    listed = catalog.list_layers(store=STORE).set_index("id")
    assert set(catalog.LAYER_SPECS) <= set(listed.index)
    for layer_id, spec in catalog.LAYER_SPECS.items():
        lo, hi = spec.expected_count
        n = int(listed.loc[layer_id, "count"])
        assert n >= lo and (hi is None or n <= hi), (layer_id, n, spec.expected_count)
    counts = listed["count"].astype(int)
    assert counts["townships"] == 14
    assert counts["industrial_clusters"] == 4
    assert counts["agri_zones"] == 7
    assert counts["service_belts"] == 3 and counts["service_groups"] == 4 and counts["service_points"] == 5


def test_every_feature_has_common_and_required_fields(layer):
    for layer_id, spec in catalog.LAYER_SPECS.items():
        gdf = layer(layer_id)
        for col in catalog.COMMON_FIELDS + spec.required:
            assert col in gdf.columns, (layer_id, col)
        for col in catalog.COMMON_FIELDS:
            empty = gdf[col].isna() | (gdf[col].astype(str).str.strip() == "")
            assert not empty.any(), (layer_id, col, gdf.loc[empty, "id"].tolist())
        assert gdf["provenance"].isin(catalog.PROVENANCE_VALUES).all(), layer_id
        assert gdf["id"].is_unique, layer_id
        assert shapely.is_valid(gdf.geometry.values).all(), layer_id
        assert gdf.crs.to_epsg() == 4490, layer_id


def test_only_district_and_canal_are_reference_everything_else_schematic(layer):
    for layer_id in catalog.LAYER_SPECS:
        expected = "reference" if layer_id in ("district", "canal") else "schematic"
        assert set(layer(layer_id)["provenance"]) == {expected}, layer_id


def test_cluster_parks_per_cluster(layer):
    parks = layer("cluster_parks")
    per_cluster = parks.groupby("cluster_id").size().to_dict()
    assert per_cluster == {"cluster.jiaming": 5, "cluster.jiaming2": 3, "cluster.zhengjia": 3, "cluster.guangping": 5}


def test_zone_ids_match_plan_zones_json(layer):
    zones = plan_zones()
    for layer_id in ("industrial_clusters", "cluster_parks", "agri_zones", "service_core", "service_belts",
                     "service_groups", "service_points"):
        gdf = layer(layer_id).set_index("id")
        expected = {zid for zid, z in zones.items() if z["layer"] == layer_id}
        assert set(gdf.index) == expected, layer_id
        for zid in expected:
            assert gdf.loc[zid, "name_zh"] == zones[zid]["name_zh"]
            assert gdf.loc[zid, "plan_ref"] == zones[zid]["plan_ref"]


# --- townships ------------------------------------------------------------------------------


def test_township_codes_equal_the_official_list(layer):
    official = pd.read_csv(SOURCES / "dongchangfu_371502_township_codes.csv", dtype=str)
    plan = official[official["in_brief_14_units"] == "yes"]
    other = official[official["in_brief_14_units"] == "no"]
    towns, others = layer("townships"), layer("other_units")
    assert dict(zip(towns["code12"], towns["name_zh"])) == dict(zip(plan["code12_nbs2023"], plan["name"]))
    assert dict(zip(others["code12"], others["name_zh"])) == dict(zip(other["code12_nbs2023"], other["name"]))
    assert (towns["id"] == "town." + towns["code12"]).all()
    expected_kind = np.where(towns["name_zh"].str.endswith("街道"), "街道", "镇")
    assert (towns["kind"] == expected_kind).all()


def _pairwise_overlaps(geoms: dict) -> dict:
    return {(a, b): geoms[a].intersection(geoms[b]).area
            for a, b in combinations(sorted(geoms), 2)
            if geoms[a].intersection(geoms[b]).area > AREA_TOL_M2}


def test_the_14_townships_do_not_overlap(layer):
    assert _pairwise_overlaps(by_id(layer("townships"))) == {}


def test_townships_and_other_units_do_not_overlap(layer):
    towns = shapely.union_all(list(working(layer("townships")).geometry))
    others = working(layer("other_units"))
    overlaps = {r.id: towns.intersection(r.geometry).area for r in others.itertuples()}
    assert {k: v for k, v in overlaps.items() if v > AREA_TOL_M2} == {}
    assert _pairwise_overlaps(by_id(layer("other_units"))) == {}


def test_union_of_townships_is_the_planning_area(layer):
    union = shapely.union_all(list(working(layer("townships")).geometry))
    area = working(layer("planning_area")).geometry.iloc[0]
    assert union.symmetric_difference(area).area < 100 * AREA_TOL_M2


def test_all_units_tile_the_district(layer):
    units = pd.concat([working(layer("townships")), working(layer("other_units"))])
    union = shapely.union_all(list(units.geometry))
    district = working(layer("district")).geometry.iloc[0]
    assert union.symmetric_difference(district).area < 100 * AREA_TOL_M2


def test_planning_area_reports_measured_beside_official_never_rescaled(layer):
    pa = layer("planning_area").iloc[0]
    measured = working(layer("planning_area")).geometry.area.iloc[0] / 1e6
    assert pa["area_km2_official"] == settings.plan_area_official_km2
    assert pa["area_km2_measured"] == pytest.approx(measured, abs=0.01)
    # schematic cells: close to the plan's figure, but not forced onto it
    assert 0.8 * settings.plan_area_official_km2 < measured < 1.2 * settings.plan_area_official_km2


# --- zones lie where the plan puts them -----------------------------------------------------


def _share_inside(geom, container) -> float:
    return geom.intersection(container).area / geom.area


@pytest.mark.parametrize("layer_id", ["industrial_clusters", "cluster_parks", "agri_zones", "service_groups"])
def test_zone_lies_in_its_host_townships(layer, layer_id):
    towns = dict(zip(layer("townships")["name_zh"], working(layer("townships")).geometry))
    zones = plan_zones()
    gdf = layer(layer_id)
    for row, geom in zip(gdf.itertuples(), working(gdf).geometry):
        hosts = row.host_townships.split(",")
        assert hosts == zones[row.id]["host_townships"], row.id
        assert _share_inside(geom, shapely.union_all([towns[h] for h in hosts])) > 0.999, row.id
        for h in hosts:  # every named host actually holds part of the zone
            assert geom.intersection(towns[h]).area > 0.01 * geom.area or len(hosts) == 1, (row.id, h)


def test_parks_lie_in_their_cluster_and_do_not_overlap(layer):
    clusters = by_id(layer("industrial_clusters"))
    parks = layer("cluster_parks")
    geoms = dict(zip(parks["id"], working(parks).geometry))
    for row in parks.itertuples():
        assert _share_inside(geoms[row.id], clusters[row.cluster_id]) > 0.999, row.id
    assert _pairwise_overlaps(geoms) == {}


def test_nev_town_parts_sum_to_the_plans_2_93_km2(layer):
    parks = layer("cluster_parks")
    nev = working(parks[parks["part_of"].str.contains("新能源汽车特色小镇")])
    assert sorted(nev["id"]) == ["park.jiaming2.yiju", "park.jiaming2.yiye", "park.jiaming2.yiyou"]
    assert nev.geometry.area.sum() / 1e6 == pytest.approx(plan_zones()["cluster.jiaming2"]["nev_town_area_km2"], rel=0.002)


def _lines(layer):
    out = {}
    for layer_id in ("rivers", "roads", "railways", "canal"):
        out.update(by_id(layer(layer_id)))
    return out


def test_each_belt_follows_its_line(layer):
    lines = _lines(layer)
    district = working(layer("district")).geometry.iloc[0]
    belts = layer("service_belts")
    for row, corridor in zip(belts.itertuples(), working(belts).geometry):
        line = lines[row.follows_line].intersection(district)
        assert line.length > 5_000, row.id
        # the line runs inside its corridor ...
        assert line.difference(corridor.buffer(1.0)).length < 1.0, row.id
        # ... and the corridor is nothing but the neighbourhood of that line
        full_line = lines[row.follows_line]
        assert corridor.difference(full_line.buffer(row.half_width_m + 1.0)).area < AREA_TOL_M2, row.id


def _grid_points(geom, step=250.0):
    minx, miny, maxx, maxy = geom.bounds
    xs, ys = np.meshgrid(np.arange(minx, maxx, step), np.arange(miny, maxy, step))
    pts = shapely.points(xs.ravel(), ys.ravel())
    return pts[shapely.contains(geom, pts)]


def _prolonged(line, by=100_000.0):
    """The line with its end segments prolonged: "north of the ring road" also holds west of
    where the sketched road ends, as the plan's words carry on past a sketch's end."""
    xy = np.asarray(line.coords)
    head = xy[0] + (xy[0] - xy[1]) / np.linalg.norm(xy[0] - xy[1]) * by
    tail = xy[-1] + (xy[-1] - xy[-2]) / np.linalg.norm(xy[-1] - xy[-2]) * by
    return shapely.LineString(np.vstack([head, xy, tail]))


def _ray_hits(point, line, direction, reach=100_000.0) -> bool:
    """Does a ray from ``point`` going ``direction`` cross ``line``? (east of a road ⇔ the road
    lies to the west, so a westward ray hits it). Independent of how the build cut the zones,
    which splits a box by the line and keeps the piece holding a probe point."""
    dx, dy = {"west": (-1, 0), "east": (1, 0), "north": (0, 1), "south": (0, -1)}[direction]
    ray = shapely.LineString([(point.x, point.y), (point.x + dx * reach, point.y + dy * reach)])
    return ray.intersects(line)


def _quadrant_check(layer, zone_id, township, rules):
    lines = _lines(layer)
    town = dict(zip(layer("townships")["name_zh"], working(layer("townships")).geometry))[township]
    zone = by_id(layer("agri_zones"))[zone_id]
    clusters = shapely.union_all(list(working(layer("industrial_clusters")).geometry))

    def obeys(p):
        return all(_ray_hits(p, _prolonged(lines[line_id]), toward) for line_id, toward in rules)

    inside = _grid_points(zone)
    assert len(inside) > 50, zone_id
    assert all(obeys(p) for p in inside), f"{zone_id}: part of the zone breaks the plan's rule"
    # and the zone is the whole quadrant of the township, not an arbitrary piece of it
    quadrant = [p for p in _grid_points(town.difference(clusters)) if obeys(p)]
    assert sum(zone.buffer(1.0).contains(p) for p in quadrant) / len(quadrant) > 0.98, zone_id


def test_grain_zone_is_east_of_liaolin_road_and_south_of_majia_river_in_liangshui(layer):
    # east of 聊临路: the road is to the west; south of 马颊河: the river is to the north
    _quadrant_check(layer, "agri.grain", "梁水镇", [("road.liaolin", "west"), ("river.majia", "north")])


def test_tcm_zone_is_north_of_ring_road_and_west_of_liaolin_road_in_yansi(layer):
    _quadrant_check(layer, "agri.tcm", "闫寺街道", [("road.outer_ring.north", "south"), ("road.liaolin", "east")])


def test_fishery_zone_is_on_the_majia_river_bank(layer):
    river = _lines(layer)["river.majia"]
    zone = by_id(layer("agri_zones"))["agri.fishery"]
    assert zone.intersects(river)
    assert zone.difference(river.buffer(1000 + 1.0)).area < AREA_TOL_M2


def test_service_points_lie_in_their_townships(layer):
    towns = dict(zip(layer("townships")["name_zh"], working(layer("townships")).geometry))
    pts = layer("service_points")
    for row, geom in zip(pts.itertuples(), working(pts).geometry):
        assert towns[row.host_townships].contains(geom), row.id


def test_service_groups_lie_in_the_core(layer):
    core = working(layer("service_core")).geometry.iloc[0]
    for zid, geom in by_id(layer("service_groups")).items():
        assert _share_inside(geom, core) > 0.999, zid


# --- anchor enterprises ---------------------------------------------------------------------


def test_anchor_enterprises_named_by_the_issue_are_present(layer):
    names = " ".join(layer("anchor_enterprises")["name_zh"])
    for name in ["金帝", "人和", "力得", "中通轻客", "齐鲁漆业", "三特能源装备", "华正钢管", "明星钢管", "新开汽车"]:
        assert name in names, name


def test_anchor_enterprises_sit_in_their_zone_and_cluster(layer):
    ents = layer("anchor_enterprises")
    polygons = {}
    for layer_id, spec in catalog.LAYER_SPECS.items():
        if spec.geometry == "polygon":
            polygons.update(by_id(layer(layer_id)))
    clusters = set(layer("industrial_clusters")["id"])
    for row, pt in zip(ents.itertuples(), working(ents).geometry):
        assert row.chain, row.id
        assert row.plan_ref.startswith("第"), row.id
        assert polygons[row.placed_in].contains(pt), row.id
        if row.cluster_id:
            assert row.cluster_id in clusters, row.id
            assert polygons[row.cluster_id].contains(pt), row.id
    assert not working(ents).geometry.duplicated().any()


# --- reproducibility ------------------------------------------------------------------------


def test_rebuilding_reproduces_the_shipped_store(tmp_path, layer):
    rebuilt = build.build(tmp_path / "x.gpkg")
    for layer_id in catalog.LAYER_SPECS:
        shipped = layer(layer_id)
        fresh = catalog.read_layer(layer_id, store=rebuilt)
        shipped = shipped.set_geometry(shapely.normalize(shipped.geometry.values))
        fresh = fresh.set_geometry(shapely.normalize(fresh.geometry.values))
        shipped.attrs, fresh.attrs = {}, {}
        try:
            assert_geodataframe_equal(shipped, fresh, check_less_precise=True)
        except AssertionError as exc:
            raise AssertionError(f"layer {layer_id}: rebuilt layer differs from the shipped one: {exc}") from None


# --- the zone designations work with the industry resolver ----------------------------------

#: the plan's own words for each zone's industries (第八章) → the zone that must accept them
PLAN_WORDS = [
    ("cluster.zhengjia", "轴承"), ("cluster.zhengjia", "汽车零部件"), ("park.zhengjia.bearing", "保持器"),
    ("cluster.guangping", "钢管"), ("park.guangping.production", "无缝钢管"),
    ("cluster.jiaming2", "新能源汽车"), ("park.jiaming2.yiye", "汽车零部件"),
    ("park.jiaming.smart_mfg", "数控机床"), ("park.jiaming.smart_mfg", "工业机器人"),
    ("park.jiaming.agrifood", "畜禽加工"), ("park.jiaming.logistics", "电子商务"),
    ("agri.vegetable", "蔬菜"), ("agri.vegetable", "食用菌"), ("agri.grain", "粮食加工"), ("agri.grain", "专用油"),
    ("agri.grape", "葡萄"), ("agri.tcm", "中药材"), ("agri.tcm", "中药饮片"), ("agri.fishery", "甲鱼"),
    ("agri.gourd", "葫芦"), ("agri.gourd", "葫芦工艺品"), ("agri.aroma", "芳香植物"),
]


@pytest.mark.parametrize("zone_id,words", PLAN_WORDS)
def test_plan_words_resolve_into_the_zones_designated_codes(zone_id, words):
    industry = pytest.importorskip("dcf_spatial.industry")
    match = industry.resolve(words)
    assert match.status == "resolved", match
    designated = plan_zones()[zone_id]["industries_gbt4754"]
    assert all(any(industry.covers(z, code) for z in designated) for code in match.codes), (zone_id, words, match.codes)


# --- the build script itself ------------------------------------------------------------------


def _build_module(monkeypatch, sources):
    monkeypatch.setattr(build, "SOURCES", sources)
    return build


def test_moving_a_line_in_the_sources_moves_the_zones_derived_from_it(tmp_path, monkeypatch):
    import shutil

    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    lines = json.loads((sources / "schematic_lines.geojson").read_text(encoding="utf-8"))
    for feat in lines["features"]:
        if feat["properties"]["id"] == "road.liaolin":  # move 聊临路 ~1.8 km east
            feat["geometry"]["coordinates"] = [[x + 0.02, y] for x, y in feat["geometry"]["coordinates"]]
    (sources / "schematic_lines.geojson").write_text(json.dumps(lines, ensure_ascii=False), encoding="utf-8")
    before = _build_module(monkeypatch, SOURCES).build_layers()["agri_zones"].set_index("id").geometry
    after = _build_module(monkeypatch, sources).build_layers()["agri_zones"].set_index("id").geometry
    assert after["agri.grain"].area < 0.9 * before["agri.grain"].area  # less land east of the road
    assert after["agri.tcm"].area > before["agri.tcm"].area  # more land west of it
    assert after["agri.vegetable"].equals(before["agri.vegetable"])  # zones not placed by the road stay


def test_script_refuses_to_overwrite_without_flag(tmp_path):
    import subprocess
    import sys

    target = tmp_path / "exists.gpkg"
    target.write_bytes(b"keep me")
    proc = subprocess.run([sys.executable, str(settings.layers_dir / "build_layers.py"), "--store", str(target)],
                          check=False, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "--overwrite" in proc.stderr
    assert target.read_bytes() == b"keep me"


def test_the_packaged_default_is_the_checkouts_store():
    """The GeoPackage shipped as package data (what a non-editable install reads) is the checkout's
    layers/dcf_layers.gpkg; after a rebuild, `python layers/build_layers.py --overwrite` refreshes both."""
    assert settings.packaged_store.read_bytes() == STORE.read_bytes(), (
        "dcf_spatial/store/default/dcf_layers.gpkg differs from layers/dcf_layers.gpkg: "
        "run `python layers/build_layers.py --overwrite`")
