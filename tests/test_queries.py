"""Query engine: overlap, nearest, within, availability — API against geopandas, and the CLI."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import LineString, Point, box

from dcf_spatial import settings

from dcf_spatial.store import catalog
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import CRSMismatchError, InputError
from dcf_spatial.queries.availability import available_land
from dcf_spatial.queries.distance import boundary_segments, nearest, within_distance
from dcf_spatial.queries.overlay import overlap, subdivide
from _shipped import shipped
from test_site_check import X0, Y0, _layer, build_fixture_store, km_box, km_pt

W = settings.working_crs


def wavy(cx, cy, r, n=300, k=5, seed=0):
    rng = np.random.default_rng(seed)
    th = np.linspace(0, 2 * np.pi, n, endpoint=False)
    rr = r * (1 + 0.3 * np.sin(k * th) + 0.03 * rng.standard_normal(n))
    return shapely.Polygon(np.column_stack([cx + rr * np.cos(th), cy + rr * np.sin(th)])).buffer(0)


@pytest.fixture(scope="module")
def zones():
    g = [wavy(X0 + 3000, Y0 + 3000, 2000, seed=1), wavy(X0 + 9000, Y0 + 3000, 2000, k=7, seed=2),
         wavy(X0 + 6000, Y0 + 8000, 1500, k=3, seed=3)]
    return gpd.GeoDataFrame({"id": ["z.a", "z.b", "z.c"], "name_zh": ["甲区", "乙区", "丙区"]}, geometry=g, crs=W)


def test_overlap_known_areas_shares_and_unmatched_rows():
    a = gpd.GeoDataFrame({"id": ["p1", "p2", "p3"], "name_zh": ["宗地1", "宗地2", "宗地3"]},
                         geometry=[box(0, 0, 100, 100), box(150, 0, 250, 100), box(1000, 1000, 1010, 1010)], crs=W)
    b = gpd.GeoDataFrame({"id": ["z"], "name_zh": ["区"]}, geometry=[box(50, -50, 500, 500)], crs=W)
    df = overlap(a, b)
    assert list(df["a_id"]) == ["p1", "p2", "p3"]
    p1 = df.iloc[0]
    assert p1["overlap_m2"] == pytest.approx(5000) and p1["overlap_mu"] == pytest.approx(5000 / settings.MU_M2)
    assert p1["share_a"] == pytest.approx(0.5) and p1["share_b"] == pytest.approx(5000 / (450 * 550))
    assert df.iloc[1]["share_a"] == pytest.approx(1.0)
    assert df.iloc[2]["status"] == "no_overlap"


def test_overlap_equals_geopandas_overlay(zones):
    rng = np.random.default_rng(5)
    c = rng.uniform([X0, Y0], [X0 + 12000, Y0 + 11000], size=(800, 2))
    parcels = gpd.GeoDataFrame({"id": [f"SYN{i}" for i in range(800)]},
                               geometry=shapely.box(c[:, 0], c[:, 1], c[:, 0] + 150, c[:, 1] + 90), crs=W)
    ours = overlap(parcels, zones, keep_unmatched=False)
    base = gpd.overlay(parcels, zones, how="intersection", keep_geom_type=True)
    base["area"] = base.geometry.area
    base = base[base["area"] >= 1.0]
    merged = ours.merge(base, left_on=["a_id", "b_id"], right_on=["id_1", "id_2"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    np.testing.assert_allclose(merged["overlap_m2"], merged["area"], rtol=1e-9, atol=1e-6)


def test_subdivide_tiles_the_polygon(zones):
    pieces, owner = subdivide(np.asarray(zones.geometry.values), max_vertices=32)
    assert shapely.get_num_coordinates(pieces).max() <= 32 + 8
    for i, g in enumerate(zones.geometry.values):
        assert shapely.area(pieces[owner == i]).sum() == pytest.approx(g.area, rel=1e-9)


def test_crs_mismatch_raises(zones):
    pts = gpd.GeoDataFrame(geometry=[Point(116.0, 36.4)], crs=settings.storage_crs)
    with pytest.raises(CRSMismatchError, match="EPSG:4490"):
        nearest(pts, zones)
    with pytest.raises(CRSMismatchError):
        overlap(zones.to_crs(settings.storage_crs), zones)


def test_nearest_equals_sjoin_nearest_to_a_millimetre(zones):
    rng = np.random.default_rng(9)
    xy = rng.uniform([X0 - 2000, Y0 - 2000], [X0 + 14000, Y0 + 12000], size=(3000, 2))
    pts = gpd.GeoDataFrame({"pid": range(3000)}, geometry=shapely.points(xy), crs=W)
    ours = nearest(pts, zones)
    base = gpd.sjoin_nearest(pts, zones, distance_col="d")
    base = base[~base.index.duplicated()]
    assert len(ours) == len(pts) and (ours.index == pts.index).all()
    np.testing.assert_allclose(ours["distance_m"], base["d"].reindex(ours.index), atol=1e-3)
    same = ours["b_id"].to_numpy() == base["id"].reindex(ours.index).to_numpy()
    assert same.mean() > 0.999  # only exact ties may differ
    inside = ours["inside"].to_numpy()
    assert inside.any() and (ours.loc[inside, "distance_m"] == 0).all()
    assert set(ours["status"]) == {"inside", "nearest"}


def test_nearest_to_points_and_lines_and_radius():
    a = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(100, 0), Point(5000, 0)], crs=W)
    b_pts = gpd.GeoDataFrame({"id": ["q1", "q2"]}, geometry=[Point(0, 30), Point(100, -40)], crs=W)
    r = nearest(a, b_pts)
    assert list(r["b_id"]) == ["q1", "q2", "q2"] and r["distance_m"].iloc[0] == pytest.approx(30)
    b_line = gpd.GeoDataFrame({"id": ["l"]}, geometry=[LineString([(-10, 50), (200, 50)])], crs=W)
    r2 = nearest(a, b_line, max_km=1)
    assert r2["distance_m"].iloc[1] == pytest.approx(50)
    assert r2["status"].iloc[2] == "none_within" and np.isnan(r2["distance_m"].iloc[2])


def test_boundary_segments_cover_holes():
    poly = box(0, 0, 10, 10).difference(box(4, 4, 6, 6))
    segs, owner = boundary_segments(np.array([poly], dtype=object))
    assert len(segs) == 8 and (owner == 0).all()
    a = gpd.GeoDataFrame(geometry=[Point(5, 5)], crs=W)  # in the hole: outside, 1 m from it
    b = gpd.GeoDataFrame({"id": ["h"]}, geometry=[poly], crs=W)
    r = nearest(a, b)
    assert not r["inside"].iloc[0] and r["distance_m"].iloc[0] == pytest.approx(1.0)


def test_within_keeps_every_row(zones):
    pts = gpd.GeoDataFrame(geometry=[Point(X0 + 3000, Y0 + 3000), Point(X0 + 3000, Y0 - 5000)], crs=W)
    r = within_distance(pts, zones, 1.0)
    assert list(r["within"]) == [True, False] and list(r["status"]) == ["within", "beyond"]
    with pytest.raises(InputError):
        within_distance(pts, zones, -1)


# --- availability ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def avail_store(tmp_path_factory):
    store = build_fixture_store(tmp_path_factory.mktemp("avail") / "a.gpkg")
    rivers = _layer([{"id": "river.test", "name_zh": "测试河"}], [LineString([km_pt(17, 4).coords[0], km_pt(21, 4).coords[0]])])
    catalog.write_layer(rivers, "rivers", store=store)
    return store


def test_available_land_subtracts_taken_parcels_and_constraints(avail_store):
    parcels = gpd.GeoDataFrame(
        {"parcel_id": ["P1", "P2", "P3"], "status": ["occupied", "vacant", "supplied"]},
        geometry=[km_box(17, 2, 19, 4), km_box(19, 2, 21, 4), km_box(17, 5, 18, 6)], crs=W,
    ).to_crs(settings.storage_crs)
    plots = available_land("cluster.guangping", parcels=parcels, min_mu=1, store=avail_store, grid_m=0)
    zone = 16e6
    taken = 4e6 + 1e6
    # river at y = 4 km from x = 17 to 21 km, 50 m setback: both sides along x 19–21 (P2 is vacant),
    # only the north side along x 17–19 (the south side lies in occupied P1 already)
    river = 2 * 50 * 2000 + 50 * 2000
    total_m2 = plots["area_mu"].sum() * settings.MU_M2
    assert total_m2 == pytest.approx(zone - taken - river, rel=1e-3)
    assert list(plots["rank"]) == list(range(1, len(plots) + 1))
    assert plots["area_mu"].is_monotonic_decreasing
    assert not plots["synthetic"].any() and plots.crs.to_epsg() == 4490
    assert any("河" in n for n in plots.attrs["notes"])


def test_available_land_grid_and_min_mu(avail_store):
    parcels = gpd.GeoDataFrame({"status": ["occupied"]}, geometry=[km_box(17, 2, 19, 4)], crs=W).to_crs(
        settings.storage_crs)
    plots = available_land("cluster.guangping", parcels=parcels, min_mu=200, store=avail_store, grid_m=400)
    assert (plots["area_mu"] >= 200).all()
    assert plots["area_mu"].max() <= 400 * 400 / settings.MU_M2 + 1e-6


def test_available_land_without_parcels_is_labelled_synthetic(avail_store):
    plots = available_land("cluster.zhengjia", store=avail_store, min_mu=1, sample_n=200, seed=1)
    assert plots["synthetic"].all()
    assert any("合成数据" in n for n in plots.attrs["notes"])


def test_available_land_unknown_zone(avail_store):
    with pytest.raises(InputError, match="park.nowhere"):
        available_land("park.nowhere", store=avail_store)


# --- CLI -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli_store(tmp_path_factory):
    return build_fixture_store(tmp_path_factory.mktemp("cli") / "cli.gpkg")


@pytest.fixture()
def run(cli_store, monkeypatch):
    store = cli_store
    monkeypatch.setattr(settings, "store", store)
    monkeypatch.delenv("DCF_STORE", raising=False)
    runner = CliRunner()

    def _run(*args):
        return runner.invoke(cli, ["--store", str(store), *args], catch_exceptions=False)

    return _run


def _lonlat(x, y):
    p = gpd.GeoSeries([km_pt(x, y)], crs=W).to_crs(settings.storage_crs).iloc[0]
    return f"{p.x:.7f},{p.y:.7f}"


def test_cli_site_check_text_json_and_unknown_industry(run):
    r = run("site", "check", "--site", _lonlat(3, 3), "--industry", "轴承")
    assert r.exit_code == 0, r.output
    assert "选址核查结论：符合" in r.output and "示意" in r.output
    rj = run("site", "check", "--site", _lonlat(27, 5), "--industry", "C3451", "--json")
    data = json.loads(rj.stdout)
    assert data["verdict"] == "outside_plan_area"
    bad = run("site", "check", "--site", _lonlat(3, 3), "--industry", "管材")
    assert bad.exit_code == 2 and "C313" in bad.output


def test_cli_site_check_report_is_escaped_and_never_overwritten(run, tmp_path):
    rep = tmp_path / "r.html"
    wkt = "POLYGON((" + ",".join(_lonlat(x, y).replace(",", " ") for x, y in
                                 [(2.5, 2.5), (3.0, 2.5), (3.0, 3.0), (2.5, 3.0), (2.5, 2.5)]) + "))"
    r = run("site", "check", "--site", wkt, "--industry", "轴承", "--floor-area-m2", "100000", "--report", str(rep))
    assert r.exit_code == 0, r.output
    html = rep.read_text(encoding="utf-8")
    assert "示意" in html and "有条件符合" in html and "容积率" in html and "国土资发〔2008〕24号" in html
    again = run("site", "check", "--site", wkt, "--industry", "<script>", "--report", str(rep))
    assert again.exit_code == 2 and "--overwrite" in again.output


def test_cli_batch_keeps_every_row(run, tmp_path):
    csv = tmp_path / "b.csv"
    a, b = _lonlat(3, 3).split(","), _lonlat(27, 5).split(",")
    csv.write_text("项目名称,经度,纬度,行业\n"
                   f"甲,{a[0]},{a[1]},轴承\n乙,,{a[1]},轴承\n丙,{b[0]},{b[1]},水泥\n丁,{a[0]},{a[1]},外星飞碟\n",
                   encoding="utf-8")
    out = tmp_path / "out.xlsx"
    r = run("site", "check", "--batch", str(csv), "-o", str(out))
    assert r.exit_code == 0, r.output
    df = pd.read_excel(out, sheet_name="核查结果")
    assert list(df["记录序号"]) == [1, 2, 3, 4] and list(df["项目名称"]) == ["甲", "乙", "丙", "丁"]
    assert list(df["结论"]) == ["符合", "无法核查", "不在规划范围", "无法核查"]
    assert list(df["核查状态"]) == ["已核查", "无法核查", "已核查", "无法核查"]
    errors = df["无法核查的原因"].fillna("")
    assert errors.str.len().tolist()[1] > 0 and "外星飞碟" in errors.iloc[3]
    assert not [c for c in df.columns if c.isascii()]  # Chinese headers only
    notes = pd.read_excel(out, sheet_name="数据说明")
    assert "示意" in notes.iloc[0, 0]


def test_cli_queries(run, tmp_path):
    r = run("query", "overlap", "industrial_clusters", "townships", "--json")
    pairs = json.loads(r.stdout)["pairs"]
    zj = [p for p in pairs if p["a_id"] == "cluster.zhengjia"]
    assert len(zj) == 1 and zj[0]["share_a"] == pytest.approx(1.0)
    r2 = run("query", "nearest", "industrial_clusters", "service_core")
    assert r2.exit_code == 0 and "中心城区服务业引领核" in r2.output
    r3 = run("query", "within", "industrial_clusters", "cluster_parks", "--km", "1", "--json")
    rows = json.loads(r3.stdout)["rows"]
    assert [x["within"] for x in rows] == [True, False, False]
    r4 = run("query", "available", "--zone", "cluster.zhengjia", "--min-mu", "50", "--json")
    data = json.loads(r4.stdout)
    assert data["synthetic"] is True and all(p["area_mu"] >= 50 for p in data["plots"])
    r5 = run("query", "nearest", "no_such_layer", "townships")
    assert r5.exit_code == 2 and "neither a layer id nor an existing file" in r5.output


# --- shipped layers --------------------------------------------------------------------------------

@shipped
def test_shipped_parks_lie_in_their_clusters_and_anchors_nearest_their_cluster():
    parks = catalog.read_layer("cluster_parks", store=settings.default_store)
    clusters = catalog.read_layer("industrial_clusters", store=settings.default_store)
    df = overlap(parks, clusters)
    best = df.sort_values("share_a", ascending=False).drop_duplicates("a_id").set_index("a_id")
    for pid, cid in zip(parks["id"], parks["cluster_id"]):
        assert best.loc[pid, "b_id"] == cid and best.loc[pid, "share_a"] > 0.99
    anchors = catalog.read_layer("anchor_enterprises", store=settings.default_store)
    near = nearest(anchors, clusters)
    with_cluster = anchors["cluster_id"].fillna("").astype(str).str.startswith("cluster.").to_numpy()
    assert (near.loc[with_cluster, "b_id"].to_numpy() == anchors.loc[with_cluster, "cluster_id"].to_numpy()).all()
    assert (near.loc[with_cluster, "distance_m"] == 0).all()


def test_cli_site_rules_and_industry_lookup(run):
    r = run("site", "rules")
    assert r.exit_code == 0 and "严禁水泥、铸造等行业新增产能" in r.output and "第三章第三节" in r.output
    r2 = run("site", "industry", "轴承", "管材", "--json")
    data = json.loads(r2.stdout)
    assert data[0]["codes"] == ["C3451"] and data[1]["status"] == "ambiguous"


def test_cli_query_with_a_file_and_xlsx_batch(run, tmp_path):
    pts = gpd.GeoDataFrame({"id": ["e1", "e2"], "name_zh": ["企业甲", "企业乙"]},
                           geometry=[km_pt(3, 3), km_pt(10, 5)], crs=W).to_crs(settings.storage_crs)
    f = tmp_path / "企业.geojson"
    pts.to_file(f, driver="GeoJSON")
    r = run("query", "nearest", str(f), "industrial_clusters", "--json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["rows"]
    assert rows[0]["b_id"] == "cluster.zhengjia" and rows[0]["distance_m"] == 0
    assert rows[1]["distance_m"] > 0
    p = pts.geometry.values
    xlsx = tmp_path / "项目.xlsx"
    pd.DataFrame({"经度": [p[0].x, p[1].x], "纬度": [p[0].y, p[1].y], "行业": ["轴承", "轴承"]}).to_excel(xlsx, index=False)
    out = tmp_path / "结果.csv"
    r2 = run("site", "check", "--batch", str(xlsx), "-o", str(out))
    assert r2.exit_code == 0, r2.output
    res = pd.read_csv(out)
    assert list(res["结论代码"]) == ["fits", "does_not_fit"] and list(res["结论"]) == ["符合", "不符合"]
    r3 = run("site", "check", "--batch", str(xlsx), "-o", str(out))
    assert r3.exit_code == 2 and "--overwrite" in r3.output


def test_cli_maps_are_written_with_verdicts_and_provenance(run, tmp_path):
    m1 = tmp_path / "site.html"
    r = run("site", "check", "--site", _lonlat(27, 5), "--industry", "轴承", "--map", str(m1))
    assert r.exit_code == 0, r.output
    html = m1.read_text(encoding="utf-8")
    assert "不在规划范围" in html and "示意" in html
    m2 = tmp_path / "within.html"
    r2 = run("query", "within", "industrial_clusters", "service_core", "--km", "5", "--map", str(m2))
    assert r2.exit_code == 0, r2.output
    html2 = m2.read_text(encoding="utf-8")
    assert "范围内" in html2 and "范围外" in html2
    again = run("query", "within", "industrial_clusters", "service_core", "--km", "5", "--map", str(m2))
    assert again.exit_code == 2


def test_cli_available_csv_has_chinese_headers_and_says_synthetic(run, tmp_path):
    out = tmp_path / "可用地.csv"
    r = run("query", "available", "--zone", "park.zhengjia.bearing", "-o", str(out))
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out)
    assert {"序号", "分区", "面积（亩）", "距分区中心（km）"} <= set(df.columns)
    assert not [c for c in df.columns if c.isascii()]
    assert set(df["基于合成宗地数据（合成数据）"]) == {"是"}
    assert list(df["序号"]) == sorted(df["序号"]) and df["面积（亩）"].is_monotonic_decreasing


# --- the public API answers exactly what the CLI prints ----------------------------------------------

def _strict_json(obj):
    """What ``echo_json`` makes of an object (NaN → null, Chinese kept), parsed back."""
    from dcf_spatial.cli._options import _strict

    return json.loads(json.dumps(_strict(obj), ensure_ascii=False, default=str, allow_nan=False))


def _api_batch_file(tmp_path):
    pts = gpd.GeoSeries([km_pt(3, 3), km_pt(10, 5)], crs=W).to_crs(settings.storage_crs).values
    xlsx = tmp_path / "项目.xlsx"
    pd.DataFrame({"经度": [p.x for p in pts], "纬度": [p.y for p in pts], "行业": ["轴承", "水泥"]}).to_excel(xlsx, index=False)
    return xlsx


@pytest.mark.parametrize("case", ["site", "batch", "overlap", "nearest", "within", "within all", "available"])
def test_cli_json_equals_the_api_answer_to_dict(case, run, cli_store, tmp_path):
    from dcf_spatial import queries

    site = _lonlat(3, 3)
    calls = {
        "site": (["site", "check", "--site", site, "--industry", "轴承", "--area-mu", "50"],
                 lambda: queries.check_site(site, "轴承", area_mu=50)),
        "batch": (["site", "check", "--batch", "{batch}"],
                  lambda: queries.check_batch(tmp_path / "项目.xlsx")),
        "overlap": (["query", "overlap", "cluster_parks", "townships"],
                    lambda: queries.overlap("cluster_parks", "townships")),
        "nearest": (["query", "nearest", "cluster_parks", "agri_zones", "--max-km", "5"],
                    lambda: queries.nearest("cluster_parks", "agri_zones", max_km=5)),
        "within": (["query", "within", "{points}", "industrial_clusters", "--km", "1"],
                   lambda: queries.within(str(points), "industrial_clusters", km=1)),
        "within all": (["query", "within", "{points}", "industrial_clusters", "--km", "1", "--distances", "all"],
                       lambda: queries.within(str(points), "industrial_clusters", km=1, distances="all")),
        "available": (["query", "available", "--zone", "cluster.zhengjia", "--min-mu", "50"],
                      lambda: queries.available(zone="cluster.zhengjia", min_mu=50)),
    }
    batch = _api_batch_file(tmp_path)
    points = tmp_path / "企业.geojson"
    gpd.GeoDataFrame({"name_zh": ["企业甲", "企业乙"]}, geometry=[km_pt(3, 3), km_pt(30, 30)], crs=W).to_crs(
        settings.storage_crs).to_file(points, driver="GeoJSON")
    args, api = calls[case]
    r = run(*[a.replace("{batch}", str(batch)).replace("{points}", str(points)) for a in args], "--json")
    assert r.exit_code == 0, r.output
    answer = api()
    assert json.loads(r.stdout) == _strict_json(answer.to_dict())
    assert answer.summary_text()


def test_check_site_api_shapes(cli_store, monkeypatch, tmp_path):
    from dcf_spatial import queries

    monkeypatch.setattr(settings, "store", cli_store)
    monkeypatch.delenv("DCF_STORE", raising=False)
    one = queries.check_site(_lonlat(3, 3), "轴承")
    assert one.verdict == one.results[0]["verdict"] == "fits"
    assert one.to_dict()["read_notes"] == one.notes
    frame = gpd.GeoDataFrame({"行业": ["轴承", "水泥"]}, geometry=[km_pt(3, 3), km_pt(10, 5)], crs=W)
    many = queries.check_site(frame.rename(columns={"行业": "industry"}))
    assert list(many.verdict) == [r["verdict"] for r in many.results] and len(many.results) == 2
    table = many.to_frame()
    assert "结论" in table.columns and len(table) == 2
    html = one.to_map(tmp_path / "m.html").read_text(encoding="utf-8")
    assert "符合" in html
    assert one.to_report(tmp_path / "r.html").exists()
