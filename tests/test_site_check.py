"""Site check: every verdict and rule, on tiny fixture layers and on the shipped layers."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from dcf_spatial import crs, settings

from dcf_spatial.store import catalog
from dcf_spatial.errors import InputError
from dcf_spatial.queries import site as sc

from _shipped import inside, shipped

X0, Y0 = 400_000.0, 4_030_000.0  # EPSG:4548 metres, near Dongchangfu


def km_box(x1, y1, x2, y2):
    return box(X0 + x1 * 1000, Y0 + y1 * 1000, X0 + x2 * 1000, Y0 + y2 * 1000)


def km_pt(x, y):
    return Point(X0 + x * 1000, Y0 + y * 1000)


def _layer(rows, geoms, **common):
    df = gpd.GeoDataFrame(rows, geometry=geoms, crs=settings.working_crs)
    df["plan_ref"] = df.get("plan_ref", "第八章")
    df["provenance"] = common.get("provenance", "schematic")
    df["source"] = "test fixture"
    return df


def build_fixture_store(path):
    """A tiny store: 2 townships + 1 development-zone unit in a 30 × 20 km district, three clusters,
    a park, a vegetable zone, a service core and one feature of each other zone layer (all schematic test
    geometry)."""
    w = lambda gdf, lid: catalog.write_layer(gdf, lid, store=path)  # noqa: E731
    w(_layer([{"id": "district", "name_zh": "测试区"}], [km_box(0, 0, 30, 20)], provenance="reference"), "district")
    w(_layer([{"id": "town.371502105000", "name_zh": "郑家镇", "code12": "371502105000", "kind": "镇"},
              {"id": "town.371502111000", "name_zh": "广平镇", "code12": "371502111000", "kind": "镇"}],
             [km_box(0, 0, 15, 20), km_box(15, 0, 25, 20)]), "townships")
    w(_layer([{"id": "unit.371502003000", "name_zh": "测试开发区街道", "code12": "371502003000", "kind": "街道"}],
             [km_box(25, 0, 30, 20)]), "other_units")
    cl = [{"id": "cluster.zhengjia", "name_zh": "郑家镇工业集聚区", "industries_gbt4754": "C3451,C3670",
           "direction": "西", "host_townships": "郑家镇", "target_2025_yi": 150.0, "target_2030_yi": 220.0,
           "plan_ref": "第八章第一节"},
          {"id": "cluster.guangping", "name_zh": "高精管材特色产业集聚区", "industries_gbt4754": "C3130,C33",
           "direction": "东", "host_townships": "广平镇", "target_2025_yi": 100.0, "target_2030_yi": 150.0,
           "plan_ref": "第八章第一节"},
          {"id": "cluster.jiaming2", "name_zh": "嘉明经济开发区第二片区", "industries_gbt4754": "C3612,C3670,C36",
           "direction": "南", "host_townships": "郑家镇", "target_2025_yi": 200.0, "target_2030_yi": 300.0,
           "plan_ref": "第八章第一节"}]
    w(_layer(cl, [km_box(2, 2, 6, 6), km_box(17, 2, 21, 6), km_box(8, 10, 12, 14)]), "industrial_clusters")
    w(_layer([{"id": "park.zhengjia.bearing", "name_zh": "轴承保持器智能制造产业园", "cluster_id": "cluster.zhengjia",
               "industries_gbt4754": "C3451", "plan_ref": "第八章第一节"}], [km_box(2, 2, 4, 6)]), "cluster_parks")
    w(_layer([{"id": "agri.vegetable", "name_zh": "高标准蔬菜产业示范区", "products": "蔬菜",
               "host_townships": "郑家镇", "industries_gbt4754": "A0141,C1371", "plan_ref": "第八章第二节"}],
             [km_box(2, 12, 6, 18)]), "agri_zones")
    w(_layer([{"id": "core.city", "name_zh": "中心城区服务业引领核", "industries_gbt4754": "F52,Q85,J",
               "plan_ref": "第八章第三节"}], [km_box(17, 12, 23, 18)]), "service_core")
    # the other zone layers a check reads, one feature each in the development-zone unit's far corner, away from
    # every site below: a store without them gives no verdict for the kinds that need them (layer_gaps.py)
    w(_layer([{"id": "belt.test", "name_zh": "测试服务带", "follows_line": "测试路"}], [km_box(29.0, 19.0, 29.2, 19.2)]), "service_belts")
    w(_layer([{"id": "group.test", "name_zh": "测试服务组团"}], [km_box(29.4, 19.0, 29.6, 19.2)]), "service_groups")
    w(_layer([{"id": "point.test", "name_zh": "测试特色小镇"}], [km_pt(29.8, 19.8)]), "service_points")
    return path


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    store = build_fixture_store(tmp_path_factory.mktemp("store") / "fx.gpkg")
    return sc.load_context(store)


def at(x, y):
    """A fixture position as a GeoDataFrame in the storage CRS (as dcf_spatial.io returns sites)."""
    return crs.to_storage(gpd.GeoDataFrame(geometry=[km_pt(x, y)], crs=settings.working_crs))


def rules_of(res):
    return {r["rule"]: r for r in res["reasons"]}


def test_bearing_plant_in_zhengjia_park_fits(ctx):
    res = sc.site_result(at(3, 3), "轴承", context=ctx)
    assert res["verdict"] == "fits" and res["verdict_zh"] == "符合"
    assert res["industry"]["codes"] == ["C3451"]
    ids = {z["id"]: z for z in res["zones"]}
    assert ids["park.zhengjia.bearing"]["match"] == "full" and ids["cluster.zhengjia"]["share"] == 1.0
    assert res["townships"] == [{"id": "town.371502105000", "name_zh": "郑家镇", "share": 1.0}]
    assert res["designated_zones"][0]["distance_km"] == 0.0
    assert "industrial_fits_zone" in rules_of(res)


def test_nev_parts_in_second_area_fits_and_lists_designated_nearest_first(ctx):
    res = sc.site_result(at(10, 12), "新能源汽车零部件", context=ctx)
    assert res["industry"]["codes"] == ["C367"]
    assert res["verdict"] == "fits"
    dz = res["designated_zones"]
    assert [d["distance_km"] for d in dz] == sorted(d["distance_km"] for d in dz)
    assert dz[0]["id"] == "cluster.jiaming2"
    # zhengjia also takes auto parts (C3670 == C367): 4 km west and 6 km south of (10,12) -> corner (6,6)
    zj = next(d for d in dz if d["id"] == "cluster.zhengjia")
    assert zj["distance_km"] == pytest.approx(np.hypot(4, 6), abs=0.01)


def test_cement_barred_anywhere_and_replacement_makes_it_conditional(ctx):
    res = sc.site_result(at(3, 3), "水泥", context=ctx)
    assert res["verdict"] == "does_not_fit"
    r = rules_of(res)["cement_new_capacity"]
    assert r["plan_ref"] == "第九章第三节" and "严禁水泥、铸造等行业新增产能" in r["text_zh"]
    res2 = sc.site_result(at(3, 3), "水泥", context=ctx, capacity_replacement=True)
    assert res2["verdict"] != "fits"
    assert rules_of(res2)["cement_new_capacity"]["effect"] == "conditional"


def test_foundry_and_restricted_chemicals(ctx):
    assert sc.site_result(at(3, 3), "C3391", context=ctx)["verdict"] == "does_not_fit"
    chem = sc.site_result(at(19, 4), "涂料", context=ctx)
    assert rules_of(chem)["chemical_eliminated_restricted"]["effect"] == "conditional"
    assert chem["verdict"] in ("conditional", "does_not_fit")
    chem2 = sc.site_result(at(19, 4), "涂料", context=ctx, catalogue_class="限制类")
    assert chem2["verdict"] == "does_not_fit"
    assert "淘汰类、限制类化工项目" in rules_of(chem2)["chemical_eliminated_restricted"]["text_zh"]


def test_tube_plant_in_wrong_cluster_is_conditional_and_points_to_guangping(ctx):
    res = sc.site_result(at(5, 5), "钢管", context=ctx)
    assert res["industry"]["codes"] == ["C313"]
    assert res["verdict"] == "conditional"
    r = rules_of(res)["wrong_cluster"]
    assert "郑家镇工业集聚区" in r["text_zh"] and "高精管材特色产业集聚区" in r["text_zh"]
    assert res["designated_zones"][0]["id"] == "cluster.guangping"


def test_industrial_outside_every_cluster_runs_against_enterprises_into_parks(ctx):
    res = sc.site_result(at(10, 5), "轴承", context=ctx)
    assert res["verdict"] == "does_not_fit"
    r = rules_of(res)["enterprises_into_parks"]
    assert "第三章第三节" in r["plan_ref"] and "第十章第四节" in r["plan_ref"]
    assert "郑家镇工业集聚区" in r["text_zh"]


def test_vegetable_processor_in_its_agri_zone_fits(ctx):
    res = sc.site_result(at(4, 15), "蔬菜加工", context=ctx)
    assert res["verdict"] == "fits"
    assert res["industry"]["kind"] == "agro_processing"
    assert rules_of(res)["agro_processing_fits_zone"]["plan_ref"] == "第八章第二节"


def test_site_across_two_townships_reports_shares(ctx):
    poly = crs.to_storage(gpd.GeoDataFrame(geometry=[km_box(14, 13, 16, 14)], crs=settings.working_crs))
    res = sc.site_result(poly, "养老", context=ctx)
    shares = {t["name_zh"]: t["share"] for t in res["townships"]}
    assert shares == pytest.approx({"郑家镇": 0.5, "广平镇": 0.5}, abs=1e-3)
    assert "split_townships" in rules_of(res)
    assert res["site"]["area_mu"] == pytest.approx(2e6 / settings.MU_M2, rel=1e-3)
    # a service outside the core: conditional, pointing at the core
    assert res["verdict"] == "conditional" and "中心城区服务业引领核" in rules_of(res)["service_outside_zone"]["text_zh"]


def test_site_split_between_zone_and_outside_says_so(ctx):
    poly = crs.to_storage(gpd.GeoDataFrame(geometry=[km_box(5, 3, 7, 4)], crs=settings.working_crs))
    res = sc.site_result(poly, "C3451", context=ctx)
    assert res["verdict"] == "conditional"
    assert "50.0%" in rules_of(res)["split_zone"]["text_zh"]
    zj = next(z for z in res["zones"] if z["id"] == "cluster.zhengjia")
    assert zj["overlap_mu"] == pytest.approx(1e6 / settings.MU_M2, rel=1e-3)


def test_gcj02_point_is_converted_before_the_check(ctx):
    p = at(3.5, 5.5).geometry.iloc[0]
    glon, glat = crs.wgs84_to_gcj02(p.x, p.y)
    raw = gpd.GeoDataFrame(geometry=[Point(float(glon), float(glat))])
    # unconverted, the shifted point lies hundreds of metres away
    shifted = sc.site_result(raw.set_crs(settings.storage_crs), "轴承", context=ctx)
    site = crs.to_storage(raw, crs="gcj02")
    q = site.geometry.iloc[0]
    assert abs(q.x - p.x) < 1e-7 and abs(q.y - p.y) < 1e-7
    res = sc.site_result(site, "轴承", context=ctx)
    assert res["verdict"] == "fits"
    assert shifted["site"]["centroid_lonlat"] != res["site"]["centroid_lonlat"]


def test_site_in_development_zone_unit_is_outside_plan_area(ctx):
    res = sc.site_result(at(27, 5), "轴承", context=ctx)
    assert res["verdict"] == "outside_plan_area" and res["verdict_zh"] == "不在规划范围"
    assert "测试开发区街道" in rules_of(res)["plan_area"]["text_zh"]


def test_site_outside_district_is_outside_plan_area(ctx):
    res = sc.site_result(at(45, 5), "水泥", context=ctx)
    assert res["verdict"] == "outside_plan_area"
    assert res["site"]["share_in_district"] == 0.0


def test_unknown_and_ambiguous_industry_words_raise_with_candidates(ctx):
    with pytest.raises(InputError, match="无法识别「外星飞碟」"):
        sc.site_result(at(3, 3), "外星飞碟", context=ctx)
    with pytest.raises(InputError) as ei:
        sc.site_result(at(3, 3), "管材", context=ctx)
    msg = str(ei.value)
    assert "C313" in msg and "C2922" in msg and "多个可能" in msg


def test_indicators_checked_reported_missing_and_failing(ctx):
    poly = crs.to_storage(gpd.GeoDataFrame(geometry=[km_box(2.5, 2.5, 3.0, 3.0)], crs=settings.working_crs))
    area = 250_000.0  # m²
    figs = {"floor_area_m2": 0.5 * area, "footprint_m2": 0.4 * area, "admin_area_m2": 0.05 * area}
    res = sc.site_result(poly, "C3451", context=ctx, figures=figs)
    ind = {x["indicator"]: x for x in res["indicators"]}
    assert ind["plot_ratio"]["status"] == "fail" and ind["plot_ratio"]["value"] == pytest.approx(0.5)
    assert ind["plot_ratio"]["code_2002"] == "35"  # 2017 C34 通用设备 -> 2002 35
    assert ind["building_coefficient"]["status"] == "pass"
    assert ind["admin_share"]["status"] == "pass"
    assert ind["green_ratio"]["status"] == "not_provided" and ind["green_ratio"]["status_zh"] == "未提供"
    assert ind["investment_intensity"]["status"] == "not_provided"
    assert res["verdict"] == "conditional" and "indicators_failed" in rules_of(res)
    svc = sc.site_result(poly, "养老", context=ctx, figures=figs)
    assert {x["status"] for x in svc["indicators"]} == {"not_applicable"}


def test_provenance_names_schematic_layers(ctx):
    res = sc.site_result(at(3, 3), "轴承", context=ctx)
    assert "townships" in res["provenance"]["schematic_layers"]
    assert "district" not in res["provenance"]["schematic_layers"]
    assert "示意" in res["provenance"]["note_zh"]
    assert "示意" in sc.summary_text(res)
    json.dumps(res, ensure_ascii=False)  # JSON-ready


def test_batch_keeps_every_row_in_order_with_status(ctx):
    pts = [km_pt(3, 3), None, km_pt(27, 5), km_pt(4, 15), km_pt(3, 3)]
    sites = crs.to_storage(gpd.GeoDataFrame(geometry=pts, crs=settings.working_crs))
    inds = ["轴承", "轴承", "轴承", "蔬菜加工", "外星飞碟"]
    out = sc.site_results(sites, inds, context=ctx, errors=[None, None, None, None, None])
    assert [r["row"] for r in out] == [0, 1, 2, 3, 4]
    assert [r["status"] for r in out] == ["ok", "error", "ok", "ok", "error"]
    assert [r.get("verdict") for r in out] == ["fits", None, "outside_plan_area", "fits", None]
    assert "外星飞碟" in out[4]["error"]
    table = sc.results_table(out)
    assert len(table) == 5 and table.loc[1, "verdict_zh"] == "无法核查"


def test_batch_matches_single_checks(ctx):
    rng = np.random.default_rng(3)
    xy = rng.uniform([0, 0], [32, 20], size=(40, 2))
    sites = crs.to_storage(gpd.GeoDataFrame(geometry=[km_pt(x, y) for x, y in xy], crs=settings.working_crs))
    inds = ["轴承", "钢管", "蔬菜加工", "养老"] * 10
    batch = sc.site_results(sites, inds, context=ctx)
    for i in (0, 7, 13, 38):
        single = sc.site_result(sites.iloc[[i]], inds[i], context=ctx)
        assert batch[i]["verdict"] == single["verdict"]
        assert batch[i]["zones"] == single["zones"]


# --- the shipped layers ---------------------------------------------------------------------------

@shipped
def test_shipped_bearing_in_zhengjia_and_nev_in_second_area(real):
    assert sc.site_result(inside(real, "park.zhengjia.bearing", "cluster_parks"), "轴承", context=real)["verdict"] == "fits"
    assert sc.site_result(inside(real, "park.jiaming2.yiye", "cluster_parks"), "新能源汽车", context=real)["verdict"] == "fits"


@shipped
def test_shipped_tube_plant_in_zhengjia_is_wrong_cluster(real):
    res = sc.site_result(inside(real, "cluster.zhengjia", "industrial_clusters"), "无缝钢管", context=real)
    assert res["verdict"] == "conditional"
    assert res["designated_zones"][0]["id"] == "cluster.guangping"


@shipped
def test_shipped_cement_and_vegetable_processing(real):
    assert sc.site_result(inside(real, "park.jiaming.new_materials", "cluster_parks"), "水泥",
                         context=real)["verdict"] == "does_not_fit"
    assert sc.site_result(inside(real, "agri.vegetable", "agri_zones"), "蔬菜加工", context=real)["verdict"] == "fits"


@shipped
def test_shipped_development_zone_unit_and_outside_district(real):
    lay = real.layers["other_units"]
    p = crs.to_storage(gpd.GeoDataFrame(geometry=[lay.geoms[0].representative_point()], crs=settings.working_crs))
    assert sc.site_result(p, "轴承", context=real)["verdict"] == "outside_plan_area"
    far = gpd.GeoDataFrame(geometry=[Point(118.0, 30.0)], crs=settings.storage_crs)
    assert sc.site_result(far, "轴承", context=real)["verdict"] == "outside_plan_area"
    prov = sc.site_result(far, "轴承", context=real)["provenance"]
    assert "townships" in prov["schematic_layers"]


@shipped
def test_shipped_site_across_two_townships_and_gcj02_point(real):
    import shapely

    from dcf_spatial import io as dcf_io

    t = real.layers["townships"]
    # a 400 m square centred on the border of the first two adjoining townships
    for i in range(len(t.geoms)):
        for j in range(i + 1, len(t.geoms)):
            border = shapely.intersection(t.geoms[i].boundary, t.geoms[j].boundary)
            if border.length > 2000:
                break
        else:
            continue
        break
    mid = border.interpolate(0.5, normalized=True)
    sq = crs.to_storage(gpd.GeoDataFrame(geometry=[mid.buffer(200, cap_style="square")], crs=settings.working_crs))
    res = sc.site_result(sq, "养老", context=real)
    assert len([x for x in res["townships"] if x["share"] > 0.1]) == 2
    assert sum(x["share"] for x in res["townships"]) == pytest.approx(1.0, abs=1e-6)
    assert any(r["rule"] == "split_townships" for r in res["reasons"])
    # a point picked on an Amap (GCJ-02) map inside the bearing park
    p = inside(real, "park.zhengjia.bearing", "cluster_parks").geometry.iloc[0]
    glon, glat = crs.wgs84_to_gcj02(p.x, p.y)
    site = dcf_io.read_site(f"{float(glon):.8f},{float(glat):.8f}", crs="gcj02")
    assert abs(site.geometry.iloc[0].x - p.x) < 1e-6
    assert sc.site_result(site, "轴承", context=real)["verdict"] == "fits"


@pytest.mark.parametrize("where,industry,verdict,rule", [
    ((4, 15), "蔬菜", "fits", "agriculture_fits_zone"),
    # capture fishing outside the zones (crops, forestry, livestock and — since task R11 — fish farming fit
    # district-wide, 第五章第二节; 水产捕捞 A042 is no district task of the plan)
    ((10, 5), "A0422", "conditional", "agri_outside_zone"),
    ((20, 15), "养老", "fits", "service_fits_zone"),
    ((20, 15), "物流", "conditional", "wrong_zone"),
    ((3, 3), "C34", "conditional", "partial_match"),
    ((3, 3), "C", "conditional", "industry_too_general"),
    ((10, 5), "光伏发电", "conditional", "utility_special_plan"),
    # 第八章第一节 产业园区分区: auto parts belong in 汽车零部件产业园, not in the bearing park of the same cluster
    ((3, 3), "C3670", "conditional", "park_designation"),
])
def test_every_other_rule(ctx, where, industry, verdict, rule):
    res = sc.site_result(at(*where), industry, context=ctx)
    assert res["verdict"] == verdict, res["reasons"]
    r = rules_of(res)[rule]
    assert r["plan_ref"].startswith("第") and r["text_zh"]


def test_site_partly_outside_the_plan_area(ctx):
    poly = crs.to_storage(gpd.GeoDataFrame(geometry=[km_box(24, 5, 26, 6)], crs=settings.working_crs))
    res = sc.site_result(poly, "养老", context=ctx)
    assert res["site"]["share_in_plan_area"] == pytest.approx(0.5, abs=1e-3)
    r = rules_of(res)["plan_area_partial"]
    assert "50.0%" in r["text_zh"] and "测试开发区街道" in r["text_zh"]
    assert res["verdict"] == "conditional"


def test_read_batch_flags_and_figures(ctx, tmp_path):
    p1 = at(19, 4).geometry.iloc[0]
    p2 = at(3, 3).geometry.iloc[0]
    csv = tmp_path / "flags.csv"
    csv.write_text("经度,纬度,行业,catalogue_class,capacity_replacement,用地面积(亩),plot_ratio\n"
                   f"{p1.x:.8f},{p1.y:.8f},涂料,限制类,,,\n"
                   f"{p2.x:.8f},{p2.y:.8f},水泥,,是,,\n"
                   f"{p2.x:.8f},{p2.y:.8f},C3451,,,100,0.5\n", encoding="utf-8")
    sites, inds, figs, errs, notes, flags = sc.read_batch(csv)
    assert inds == ["涂料", "水泥", "C3451"] and errs == [None, None, None]
    assert flags[0]["catalogue_class"] == "限制类" and flags[1]["capacity_replacement"] is True
    out = sc.site_results(sites, inds, figures=figs, errors=errs, flags=flags, context=ctx)
    assert [r["verdict"] for r in out] == ["does_not_fit", "conditional", "conditional"]
    ind = {x["indicator"]: x for x in out[2]["indicators"]}
    assert ind["plot_ratio"]["status"] == "fail" and ind["plot_ratio"]["value"] == 0.5


@shipped
@pytest.mark.parametrize("layer,zone_id,word", [
    ("agri_zones", "agri.vegetable", "蔬菜"), ("agri_zones", "agri.grain", "面粉"),
    ("agri_zones", "agri.grape", "葡萄"), ("agri_zones", "agri.tcm", "中药材"),
    ("agri_zones", "agri.fishery", "甲鱼"), ("agri_zones", "agri.gourd", "葫芦"),
    ("agri_zones", "agri.aroma", "芳香植物"), ("cluster_parks", "park.guangping.production", "无缝钢管"),
    ("cluster_parks", "park.jiaming.smart_mfg", "工业机器人"), ("cluster_parks", "park.jiaming.logistics", "物流"),
    ("service_groups", "group.eldercare", "养老"), ("service_groups", "group.digital", "软件"),
    ("service_belts", "belt.jingjiu", "物流"), ("service_belts", "belt.canal", "旅游"),
])
def test_shipped_each_zone_takes_its_own_industry(real, layer, zone_id, word):
    res = sc.site_result(inside(real, zone_id, layer), word, context=real)
    hit = [z for z in res["zones"] if z["id"] == zone_id]
    assert hit and hit[0]["match"] == "full", (res["industry"], hit)
    assert res["verdict"] == "fits", res["reasons"]


def test_report_escapes_values_and_states_provenance(ctx):
    from dcf_spatial.queries.site.report import site_report_html

    res = sc.site_result(at(3, 3), "轴承", context=ctx)
    res["zones"][0]["name_zh"] = "<script>alert(1)</script>"
    html = site_report_html([res], title="核查 <b>", inputs={"场地": "<img src=x onerror=alert(1)>"})
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "核查 &lt;b&gt;" in html
    assert "示意" in html and "第八章第一节" in html and "符合" in html


def test_barred_project_gets_no_placement_suggestion(ctx):
    res = sc.site_result(at(10, 5), "C3011", context=ctx)
    assert res["verdict"] == "does_not_fit"
    assert "郑家镇工业集聚区" not in rules_of(res)["enterprises_into_parks"]["text_zh"]
    assert "对口分区" not in sc.summary_text(res)
    ok = sc.site_result(at(10, 5), "轴承", context=ctx)
    assert "对口分区" in sc.summary_text(ok)


def test_read_batch_chinese_headers_of_the_project_figures(ctx, tmp_path):
    """总建筑面积, 建筑基底面积/建筑占地面积, 行政办公及生活服务设施用地面积, 绿地面积, 产能置换, 产业目录类别."""
    p = at(3, 3).geometry.iloc[0]
    csv = tmp_path / "项目.csv"
    csv.write_text("经度,纬度,行业,用地面积(亩),总建筑面积,建筑基底面积,行政办公及生活服务设施用地面积,绿地面积,产能置换,产业目录类别\n"
                   f"{p.x:.8f},{p.y:.8f},水泥,100,40000,25000,1500,3000,是,允许类\n", encoding="gbk")
    csv2 = tmp_path / "项目2.csv"
    csv2.write_text("经度,纬度,行业,建筑占地面积\n" f"{p.x:.8f},{p.y:.8f},C3451,12345\n", encoding="utf-8")
    sites, inds, figs, errs, notes, flags = sc.read_batch(csv)
    assert figs[0]["floor_area_m2"] == 40000 and figs[0]["footprint_m2"] == 25000
    assert figs[0]["admin_area_m2"] == 1500 and figs[0]["green_area_m2"] == 3000
    assert flags[0] == {"capacity_replacement": True, "catalogue_class": "允许类"}
    assert not any("截断" in n for n in notes), notes  # a CSV header is never a truncated DBF name
    out = sc.site_results(sites, inds, figures=figs, errors=errs, flags=flags, context=ctx)
    assert out[0]["verdict"] == "conditional"  # cement with capacity replacement
    ind = {x["indicator"]: x for x in out[0]["indicators"]}
    assert ind["plot_ratio"]["value"] == pytest.approx(40000 / (100 * settings.MU_M2), rel=1e-3)
    _, _, figs2, _, _, _ = sc.read_batch(csv2)
    assert figs2[0]["footprint_m2"] == 12345


def test_text_summary_speaks_chinese_without_internal_markers(ctx):
    """No `verify` marker, raw field name or English verdict code in what a planner reads; a figure
    still to be checked against the official text says 待核对原文; shares read as per cent."""
    import re

    poly = crs.to_storage(gpd.GeoDataFrame(geometry=[km_box(2.5, 2.5, 3.0, 3.0)], crs=settings.working_crs))
    area = 250_000.0
    figs = {"floor_area_m2": 0.5 * area, "footprint_m2": 0.4 * area, "admin_area_m2": 0.09 * area,
            "green_area_m2": 0.1 * area, "investment_wan": 5000.0}
    res = sc.site_result(poly, "C3451", context=ctx, figures=figs)
    text = sc.summary_text(res)
    assert "verify" not in text and not any("verify" in x["note"] for x in res["indicators"])
    assert not re.search(r"(?<![-\w])[a-z]+_[a-z0-9_]+(?![\w.])", text), text  # floor_area_m2, does_not_fit …
    assert "Polygon" not in text and "面状" in text
    assert res["verdict"] not in text
    plot = {x["indicator"]: x for x in res["indicators"]}["plot_ratio"]
    if plot["to_verify"]:
        assert "待核对原文" in text
    assert "9.0%" in text  # admin share 0.09 shown as per cent


def test_html_report_has_no_english_verdict_code_or_geometry_type(ctx):
    from dcf_spatial.queries.site import report

    poly = crs.to_storage(gpd.GeoDataFrame(geometry=[km_box(2.5, 2.5, 3.0, 3.0)], crs=settings.working_crs))
    res = sc.site_result(poly, "C3451", context=ctx, figures={"admin_area_m2": 0.09 * 250_000.0})
    html = report.site_report_html([res], title="测试")
    assert f"（{res['verdict']}）" not in html and "Polygon" not in html and "面状地块" in html
    assert "9.0%" in html and "verify" not in html
