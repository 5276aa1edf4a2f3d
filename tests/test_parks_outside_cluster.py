"""A bureau's new cluster boundary imported without new parks (QA round 11, F1).

第八章第一节 divides each industrial cluster into functional parks — 郑家镇工业集聚区: “产业园区分区：规划建设轴承保持器
智能制造产业园、汽车零部件产业园、物流产业园” — so the parks (``cluster_parks``, keyed by ``cluster_id``) lie inside
their cluster. A clerk importing only the bureau's 集聚区 file (the README's own example) leaves parks outside the new
boundary. What the user should see:

* the import preview (``--dry-run``, the desk's 图层 page) and ``dcf layers doctor`` name each park left outside its
  cluster, with the 亩 outside and the way out (import the matching park layer, or check the boundary);
* the site check counts a park only inside its cluster (the cluster layer is the bureau's authoritative boundary): a
  factory in a park's part outside the cluster is judged outside the clusters, with a reason saying that the two
  layers disagree there (待核实, update the park layer); a park is called 园区, never “该集聚区”.

Every test works on a copy of the shipped store (never the tracked ``layers/dcf_layers.gpkg``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import shapely

from dcf_spatial import plan, settings
from dcf_spatial.queries import check_site
from dcf_spatial.register.preview import preview_import
from dcf_spatial.store import catalog, doctor, nesting

from _shipped import shipped

pytestmark = shipped

SHIPPED = Path(settings.default_store)
#: the QA's cut: 郑家镇工业集聚区 west of 115.75°E
CUT_LON = 115.75
#: a site in 汽车零部件产业园, east of the cut (QA's first case) and one in the same park nearer the cut (QA's second)
AUTO_PARTS_SITE = (115.7660, 36.4534)
BEARING_SITE = (115.7612, 36.4475)


def _cut_clusters(path: Path) -> Path:
    """The bureau's file: the four clusters, 郑家镇工业集聚区 cut to west of 115.75°E."""
    clusters = catalog.read_layer("industrial_clusters", store=SHIPPED)[["id", "name_zh", "geometry"]].copy()
    west = shapely.box(114.0, 35.0, CUT_LON, 38.0)
    zj = clusters["id"] == "cluster.zhengjia"
    clusters.loc[zj, "geometry"] = clusters.loc[zj, "geometry"].intersection(west)
    clusters.to_file(path, driver="GeoJSON")
    return path


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """``(shipped copy, copy with the cut cluster imported, the cut file)``."""
    tmp = tmp_path_factory.mktemp("nesting")
    before, after = tmp / "before.gpkg", tmp / "after.gpkg"
    shutil.copyfile(SHIPPED, before)
    shutil.copyfile(SHIPPED, after)
    cut = _cut_clusters(tmp / "集聚区2025.geojson")
    catalog.import_layer("industrial_clusters", cut, store=after, provenance="authoritative")
    return before, after, cut


def _by_rule(res: dict) -> dict:
    return {r["rule"]: r for r in res["reasons"]}


# --- (a) the preview and the doctor name the parks left outside -----------------------------------------------


def test_the_preview_names_each_park_left_outside_its_new_cluster(stores):
    before, _after, cut = stores
    p = preview_import("industrial_clusters", cut, store=before, provenance="authoritative")
    parks = {r["id"]: r for r in p.nesting if r["layer"] == "cluster_parks"}
    assert set(parks) == {"park.zhengjia.bearing", "park.zhengjia.auto_parts", "park.zhengjia.logistics"}
    assert parks["park.zhengjia.auto_parts"]["share_outside"] == pytest.approx(1.0)   # wholly east of the cut
    assert all(r["parent_id"] == "cluster.zhengjia" for r in parks.values())
    # the park land outside is the land the cluster loses (the parks fill 郑家镇工业集聚区 in the shipped layers)
    lost = p.transfers.loc[p.transfers["到"] == "区外", "亩"].sum()
    assert sum(r["outside_mu"] for r in parks.values()) == pytest.approx(lost, rel=1e-3)
    text = p.summary_text()
    assert "上下级图层不一致" in text and "汽车零部件产业园" in text and "全部" in text
    assert "dcf layers import cluster_parks" in text and "第八章第一节" in text
    body = p.to_dict()
    assert body["nesting"] and "cluster_parks" in body["nesting_fix_zh"]


def test_the_preview_of_an_unchanged_boundary_says_nothing_of_parks(stores, tmp_path):
    before, _after, _cut = stores
    same = tmp_path / "same.geojson"
    catalog.read_layer("industrial_clusters", store=SHIPPED)[["id", "name_zh", "geometry"]].to_file(same, driver="GeoJSON")
    p = preview_import("industrial_clusters", same, store=before, provenance="authoritative")
    assert p.nesting == [] and "上下级图层不一致" not in p.summary_text()


def test_the_doctor_finds_the_parks_outside_their_cluster(stores):
    before, after, _cut = stores
    assert doctor.diagnose(before)["ok"]
    res = doctor.diagnose(after)
    assert not res["ok"]
    parks = [f for f in res["findings"] if f["kind"] == "child_outside_parent" and "cluster_parks" in f["problem_zh"]]
    assert len(parks) == 1 and not parks[0]["repairable"]
    assert "汽车零部件产业园" in parks[0]["problem_zh"] and "亩" in parks[0]["problem_zh"]
    assert "dcf layers import cluster_parks" in parks[0]["fix_zh"]


def test_doctor_cli_says_the_parks_lie_inside_on_the_shipped_copy(stores, monkeypatch):
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    before, after, _cut = stores
    monkeypatch.setattr(settings, "store", before)
    ok = CliRunner().invoke(cli, ["layers", "doctor"])
    assert ok.exit_code == 0 and "功能园区均在所属集聚区内" in ok.output
    monkeypatch.setattr(settings, "store", after)
    bad = CliRunner().invoke(cli, ["layers", "doctor"])
    assert bad.exit_code == 1 and "上下级图层不一致" in bad.output and "出路" in bad.output


def test_a_park_naming_no_cluster_is_reported():
    import geopandas as gpd

    clusters = gpd.GeoDataFrame({"id": ["c1"], "name_zh": ["甲集聚区"]}, geometry=[shapely.box(0, 0, 1000, 1000)], crs=4548)
    parks = gpd.GeoDataFrame({"id": ["p1", "p2"], "name_zh": ["乙园", "丙园"], "cluster_id": ["c1", "c9"]},
                             geometry=[shapely.box(0, 0, 500, 500), shapely.box(0, 0, 500, 500)], crs=4548)
    rows = nesting.children_outside({"industrial_clusters": clusters, "cluster_parks": parks})
    assert [(r["id"], r["parent_name_zh"]) for r in rows] == [("p2", "")]
    assert "c9" in rows[0]["text_zh"] and "没有该编号" in rows[0]["text_zh"]


# --- (b) the site check: a park is in force only inside its cluster --------------------------------------------


def test_a_car_parts_factory_east_of_the_new_boundary_is_outside_the_clusters(stores):
    before, after, _cut = stores
    assert check_site(AUTO_PARTS_SITE, "汽车零部件", store=before).results[0]["verdict"] == "fits"
    res = check_site(AUTO_PARTS_SITE, "汽车零部件", store=after).results[0]
    # 第三章第三节/第十章第四节 and the default 口径: a factory outside the clusters (the answer names no cluster)
    assert res["verdict"] == "does_not_fit"
    assert not [z for z in res["zones"] if z["layer"] in ("industrial_clusters", "cluster_parks")]
    rules = _by_rule(res)
    assert "enterprises_into_parks" in rules and "industrial_fits_zone" not in rules
    note = rules["park_outside_cluster"]
    assert note["effect"] == "info" and note["plan_ref"] == "第八章第一节"
    assert "汽车零部件产业园" in note["text_zh"] and "郑家镇工业集聚区" in note["text_zh"]
    assert "不一致" in note["text_zh"] and "待核实" in note["text_zh"] and "更新功能园区图层" in note["text_zh"]
    # the deciding reason comes first; the park wholly outside is suggested nowhere
    assert res["reasons"][0]["rule"] == "enterprises_into_parks"
    assert "汽车零部件产业园" not in rules["enterprises_into_parks"]["text_zh"]


def test_a_bearing_plant_in_the_cut_off_part_is_not_told_the_park_is_a_cluster(stores):
    before, after, _cut = stores
    # on the shipped store bearings fit the whole of 郑家镇工业集聚区 (第四章第一节, 第八章第一节)
    assert check_site(BEARING_SITE, "轴承", store=before).results[0]["verdict"] == "fits"
    res = check_site(BEARING_SITE, "轴承", store=after).results[0]
    assert res["verdict"] == "does_not_fit"
    assert "park_outside_cluster" in _by_rule(res)
    assert not any("该集聚区" in r["text_zh"] and "产业园" in r["text_zh"].split("该集聚区")[0][-12:]
                   for r in res["reasons"])


def test_the_part_of_a_park_inside_the_new_cluster_still_counts(stores):
    _before, after, _cut = stores
    parks = catalog.read_layer("cluster_parks", store=SHIPPED)
    bearing = parks.loc[parks["id"] == "park.zhengjia.bearing", "geometry"].iloc[0]
    inside = bearing.intersection(shapely.box(114.0, 35.0, CUT_LON - 0.01, 38.0)).representative_point()
    res = check_site((inside.x, inside.y), "轴承", store=after).results[0]
    assert res["verdict"] == "fits"
    assert "park_outside_cluster" not in _by_rule(res)
    assert {z["id"] for z in res["zones"]} >= {"cluster.zhengjia", "park.zhengjia.bearing"}


def test_the_shipped_context_keeps_every_park_whole(real):
    # the shipped parks lie inside their clusters: nothing is cut, no answer changes
    assert real.layers["cluster_parks"].outside == {}


def test_a_park_whose_positioning_lacks_the_industry_is_called_a_park():
    # 第八章第一节/第十章第四节 (wrong_cluster): the sentence names what the zone is
    from dcf_spatial.industry import resolve
    from dcf_spatial.queries.site.rules.base import Reasons, SiteFacts
    from dcf_spatial.queries.site.rules.industry import zone_fit

    m = resolve("食品")
    kind = plan.industry_kind(m.codes)
    park = {"id": "park.zhengjia.auto_parts", "name_zh": "汽车零部件产业园", "layer": "cluster_parks",
            "share": 1.0, "match": "none", "plan_ref": "第八章第一节", "codes": ["C367", "C339"]}
    reasons = Reasons()
    site = SiteFacts(geom=shapely.Point(0, 0), area=0.0, lonlat=None, match=m, overlaps={})
    zone_fit(site, kind, [park], 1.0, "郑家镇工业集聚区（1.0 km）", reasons)
    text = next(r["text_zh"] for r in reasons.items if r["rule"] == "wrong_cluster")
    assert "选址位于汽车零部件产业园，但该园区的产业定位" in text and "该集聚区" not in text


def test_the_preview_heading_names_every_layer_it_lists(stores):
    """QA session 31 F10: the desk's heading «上下级图层不一致（功能园区与所属集聚区）» also listed 规划点名企业."""
    before, _after, cut = stores
    body = preview_import("industrial_clusters", cut, store=before, provenance="authoritative").to_dict()
    listed = {r["layer_zh"] for r in body["nesting"]}
    assert len(listed) == 2, listed                   # the parks and the named enterprises east of the cut
    heading = body["nesting_heading_zh"]
    assert heading.startswith("上下级图层不一致：") and all(name in heading for name in listed), heading
    assert "四大工业集聚区" in heading
    from importlib.resources import files

    page = (files("dcf_spatial.desk") / "static" / "layers.html").read_text(encoding="utf-8")
    assert "（功能园区与所属集聚区）" not in page
