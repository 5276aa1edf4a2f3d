"""``within`` measures only the features within the radius, and still gives GEOS's answers.

The reference is ``geopandas.sjoin(predicate="dwithin")`` (which features of A lie within D of
some B) and ``shapely.distance`` (the distance to the nearest B). Covered: points exactly on the
radius (straight edges and the rounded corners of the buffer, where GEOS's buffer polygon cuts
the arc), points in holes and either part of a multipolygon, lines as B (including D = 0), empty
A, rows without geometry, a CRS mismatch, and both ``distances="within"`` and ``"all"``; then the
API/CLI: the status text of the rows beyond, the file's 说明, the CLI's ``--distances``.
All data are generated (seeded, synthetic) shapes in metres (EPSG:4548).
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from dcf_spatial import queries, settings
from dcf_spatial.errors import CRSMismatchError, InputError
from dcf_spatial.queries import distance as D

W = settings.working_crs
X0, Y0 = 500_000.0, 4_000_000.0  # EPSG:4548 coordinates near Liaocheng (a synthetic layout)


def _box(x1, y1, x2, y2):
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def zone_frame():
    """A box, a polygon with a large hole, a two-part multipolygon and a line."""
    holed = shapely.Polygon(_box(10_000, 0, 16_000, 6000).exterior.coords, [_box(11_000, 1000, 15_000, 5000).exterior.coords])
    multi = shapely.MultiPolygon([_box(0, 10_000, 1000, 11_000), _box(4000, 10_000, 5000, 11_000)])
    line = shapely.LineString([(X0 + 20_000, Y0), (X0 + 23_000, Y0 + 3000), (X0 + 26_000, Y0)])
    return gpd.GeoDataFrame({"id": ["box", "holed", "multi", "line"]}, geometry=[_box(0, 0, 2000, 2000), holed, multi, line],
                            crs=W)


def edge_points():
    """Points at exactly 1000 m (and 1 mm inside/outside it) from the zones: beside straight edges
    and diagonally off corners (600-800-1000 triangles, exact in floating point), in the hole
    (1000 m from its ring: at the hole's centre line), and between the multipolygon's parts."""
    xy = [
        (2000 + 1000, 1000), (2000 + 1000.001, 1000), (2000 + 999.999, 1000),  # beside the box's east edge
        (2000 + 600, 2000 + 800), (2000 + 600, 2000 + 800.001), (-600, -800), (-600.001, -800),  # off its corners
        (2000 + 500 * np.sqrt(2) - 0.01, 2000 + 500 * np.sqrt(2) - 0.01),  # the corner's arc, between chord and arc
        (13_000, 3000),  # the hole's centre: 2000 m from its ring
        (12_000, 3000), (12_000.001, 3000),  # in the hole, 1000 m from its west ring / just beyond
        (2500, 10_500),  # between the multipolygon's parts: 1500 m from both
        (1000 + 1000, 10_500), (4000 - 999, 10_500),  # 1000 m from the first part, 999 m from the second
        (23_000, 3000 + 1000), (23_000, 3000 + 1000.001),  # above the line's apex
        (20_000 - 600, -800),  # off the line's end
        (500, 500), (11_000, 1000), (40_000, 40_000),  # inside the box, on the hole's ring, far away
    ]
    return np.array([(X0 + x, Y0 + y) for x, y in xy])


def reference(pts, zones, m):
    """GEOS: the within set (``sjoin dwithin``) and every point's distance to its nearest zone."""
    j = gpd.sjoin(pts, zones, predicate="dwithin", distance=m)
    within = np.zeros(len(pts), dtype=bool)
    within[np.unique(np.asarray(j.index))] = True
    g = np.asarray(pts.geometry.values, dtype=object)
    d = shapely.distance(g[:, None], np.asarray(zones.geometry.values, dtype=object)[None, :])
    d = np.where(np.isnan(d), np.inf, d).min(axis=1) if len(zones) else np.full(len(pts), np.inf)
    return within, d


def points(xy):
    return gpd.GeoDataFrame({"pid": np.arange(len(xy))}, geometry=shapely.points(xy), crs=W)


@pytest.mark.parametrize("distances", ["within", "all"])
def test_points_on_the_radius_equal_geos(distances):
    zones, pts = zone_frame(), points(edge_points())
    got = D.within_distance(pts, zones, 1.0, b_id="id", distances=distances)
    within, d = reference(pts, zones, 1000.0)
    assert (got["within"].to_numpy() == within).all()
    # the cases were written to be on both sides, so that the test can fail either way
    assert within[[0, 2, 3, 5, 7, 9, 12, 13, 14, 16, 17, 18]].all() and not within[[1, 4, 6, 8, 10, 11, 15, 19]].any()
    w = got["within"].to_numpy()
    assert np.abs(got["distance_m"].to_numpy()[w] - d[w]).max() < 1e-6
    assert (got["b_id"].to_numpy()[[0, 9, 12, 13, 14, 16, 17, 18]] ==
            ["box", "holed", "multi", "multi", "line", "line", "box", "holed"]).all()
    assert list(got["status"][w].unique()) == ["within"] and set(got["status"][~w]) == {"beyond"}
    if distances == "within":  # beyond: known to be farther, not measured
        assert got["distance_m"][~w].isna().all() and (got["b_index"][~w] == -1).all() and got["b_id"][~w].isna().all()
    else:
        assert np.abs(got["distance_m"].to_numpy()[~w] - d[~w]).max() < 1e-6 and got["b_id"][~w].notna().all()


@pytest.mark.parametrize("max_segments", [4096, 0])
def test_many_points_around_corners_and_arcs_equal_geos(max_segments, monkeypatch):
    """Points around every zone at 1000 m ± 1 cm (on its 1 km buffer's ring), and random points
    over the area: the radius search misses none — with the cell filter of the points outside
    (few boundary segments) and without it (B with many segments: every point measured)."""
    monkeypatch.setattr(D, "_RADIUS_FILTER_MAX_SEGMENTS", max_segments)
    zones = zone_frame()
    rng = np.random.default_rng(7)
    ring = shapely.get_coordinates(shapely.boundary(shapely.buffer(zones.geometry.values, 1000.0, quad_segs=64)))
    near = ring + rng.uniform(-0.01, 0.01, ring.shape)
    rand = np.column_stack([rng.uniform(X0 - 3000, X0 + 30_000, 20_000), rng.uniform(Y0 - 3000, Y0 + 13_000, 20_000)])
    pts = points(np.concatenate([near, rand]))
    got = D.within_distance(pts, zones, 1.0)
    within, d = reference(pts, zones, 1000.0)
    assert (got["within"].to_numpy() == within).all()
    assert 0 < within[:len(near)].sum() < len(near)  # both sides of the radius are among the ring points
    assert np.abs(got["distance_m"].to_numpy()[within] - d[within]).max() < 1e-6
    # nearest with a search radius uses the same radius search: none_within exactly beyond it
    nr = D.nearest(pts, zones, max_km=1.0)
    assert ((nr["status"] == "none_within").to_numpy() == ~within).all()
    assert np.abs(nr["distance_m"].to_numpy()[within] - d[within]).max() < 1e-6


def test_zero_radius_counts_points_on_a_line_and_inside_polygons():
    zones = zone_frame()
    xy = np.array([[X0 + 21_500, Y0 + 1500],  # on the line (its first segment's midpoint)
                   [X0 + 21_500, Y0 + 1500.01],  # 1 cm off it
                   [X0 + 1000, Y0 + 1000], [X0 + 2000, Y0 + 500], [X0 + 13_000, Y0 + 3000]])  # inside, on an edge, in the hole
    got = D.within_distance(points(xy), zones, 0.0)
    assert got["within"].tolist() == [True, False, True, True, False]
    assert got["distance_m"].tolist()[:1] == [0.0] and got["distance_m"].tolist()[2:4] == [0.0, 0.0]


def test_rows_without_geometry_empty_input_and_crs_mismatch():
    zones = zone_frame()
    pts = gpd.GeoDataFrame({"pid": [0, 1, 2]}, geometry=[shapely.Point(X0 + 2500, Y0 + 1000), None, shapely.Point()],
                           index=[7, 8, 9], crs=W)
    for distances in ("within", "all"):
        r = D.within_distance(pts, zones, 1.0, distances=distances)
        assert list(r.index) == [7, 8, 9]
        assert r["status"].tolist() == ["within", "no_geometry", "no_geometry"]
        assert r["within"].tolist() == [True, False, False]
        assert len(D.within_distance(pts.iloc[:0], zones, 1.0, distances=distances)) == 0
    # B empty: nothing is within, every row listed
    r = D.within_distance(pts, zones.iloc[:0], 1.0)
    assert r["status"].tolist() == ["beyond", "no_geometry", "no_geometry"] and not r["within"].any()
    with pytest.raises(CRSMismatchError):
        D.within_distance(pts.to_crs("EPSG:4326"), zones, 1.0)
    with pytest.raises(InputError, match="distances"):
        D.within_distance(pts, zones, 1.0, distances="some")


def test_inputs_in_another_crs_are_measured_in_the_working_crs():
    zones, pts = zone_frame(), points(edge_points())
    got = D.within_distance(pts.to_crs("EPSG:4326"), zones.to_crs("EPSG:4326"), 1.0)
    pw, zw = pts.to_crs("EPSG:4326").to_crs(W), zones.to_crs("EPSG:4326").to_crs(W)
    within, d = reference(pw, zw, 1000.0)
    assert (got["within"].to_numpy() == within).all()
    assert np.abs(got["distance_m"].to_numpy()[within] - d[within]).max() < 1e-6


# --- the public answer and the CLI -----------------------------------------------------------------


def _answer(distances):
    zones, pts = zone_frame(), points(edge_points())
    zones.attrs["title_zh"], pts.attrs["title_zh"] = "分区", "点"
    return queries.within(pts, zones, km=1, distances=distances)


def test_answer_says_the_rows_beyond_were_not_measured(tmp_path):
    import openpyxl

    fast, full = _answer("within"), _answer("all")
    beyond = fast.frame["status"] == "beyond"
    assert set(fast.frame.loc[beyond, "status_zh"]) == {"范围外（> 1 km）"}
    assert fast.frame.loc[beyond, "distance_km"].isna().all() and full.frame.loc[beyond, "distance_km"].notna().all()
    rows = fast.to_dict()["rows"]
    assert len(rows) == len(fast.frame) and all(r["distance_km"] is None for r, b in zip(rows, beyond) if b)
    fast.to_file(tmp_path / "w.xlsx", all_rows=True)
    about = dict(openpyxl.load_workbook(tmp_path / "w.xlsx")["说明"].iter_rows(min_row=2, values_only=True))
    assert f"范围外的 {int(beyond.sum())} 个要素" in about["未计算距离"]
    full.to_file(tmp_path / "a.xlsx", all_rows=True)
    about = dict(openpyxl.load_workbook(tmp_path / "a.xlsx")["说明"].iter_rows(min_row=2, values_only=True))
    assert "未计算距离" not in about
    pd.testing.assert_frame_equal(fast.totals(), full.totals(), atol=1e-9)  # the totals count the rows within only


def test_cli_distances_option(tmp_path):
    from dcf_spatial.cli.main import cli

    zones, pts = zone_frame(), points(edge_points())
    zp, pp = tmp_path / "zones.gpkg", tmp_path / "pts.gpkg"
    zones.to_file(zp)
    pts.to_file(pp)
    run = CliRunner().invoke
    fast = run(cli, ["query", "within", str(pp), str(zp), "--km", "1", "--json"])
    full = run(cli, ["query", "within", str(pp), str(zp), "--km", "1", "--distances", "all", "--json"])
    assert fast.exit_code == 0 and full.exit_code == 0, fast.output + full.output
    f_rows, a_rows = json.loads(fast.stdout)["rows"], json.loads(full.stdout)["rows"]
    assert [r["within"] for r in f_rows] == [r["within"] for r in a_rows]
    assert sum(r["distance_km"] is None for r in f_rows) == sum(not r["within"] for r in f_rows) > 0
    assert all(r["distance_km"] is not None for r in a_rows)
    text = run(cli, ["query", "within", str(pp), str(zp), "--km", "1", "--all"])
    assert text.exit_code == 0 and "--distances all" in text.stdout and "范围外（> 1 km）" in text.stdout
    bad = run(cli, ["query", "within", str(pp), str(zp), "--km", "1", "--distances", "some"])
    assert bad.exit_code != 0 and "--distances" in bad.output


def test_cells_settle_only_points_geos_agrees_with():
    """``settled_by_cells`` (the step that spares most points any per-point work): every point it
    puts inside a polygon lies in that polygon and in none before it (the lowest position wins,
    as for the points tested one by one), every point it puts beyond lies farther than the radius
    from every zone — around holes, an island in a hole, overlapping polygons, a multipolygon and
    a line — and it settles most of 80,000 random points."""
    zones = zone_frame()
    extra = gpd.GeoDataFrame({"id": ["overlap", "island"]}, crs=W,
                             geometry=[_box(-1500, -1500, 3500, 3500), _box(11_500, 1500, 14_500, 4500)])
    gb = np.asarray(pd.concat([zones, extra], ignore_index=True).geometry.values, dtype=object)
    polys = np.flatnonzero(np.isin(shapely.get_type_id(gb), (3, 6)))
    segs, _ = D.boundary_segments(gb)
    rng = np.random.default_rng(11)
    # 80,000 points: cells of ~650 m, so that some lie wholly in the 2 km box, and in the overlap
    x, y = rng.uniform(X0 - 3000, X0 + 30_000, 80_000), rng.uniform(Y0 - 3000, Y0 + 13_000, 80_000)
    shapely.prepare(gb[polys])
    code = D.settled_by_cells(x, y, gb[polys], segs, 1000.0)
    pts = shapely.points(x, y)
    holds = shapely.intersects(gb[polys][None, :], pts[:, None])  # point × polygon
    inside = np.flatnonzero(code >= 0)
    assert (holds[inside, code[inside]]).all()
    assert not np.array([holds[i, :c].any() for i, c in zip(inside, code[inside])]).any()
    assert (holds[inside][:, [0, 3]].all(axis=1)).any()  # in the box and the overlap around it: "box" (0)
    beyond = np.flatnonzero(code == D.BEYOND)
    assert (shapely.distance(pts[beyond][:, None], gb[None, :]).min(axis=1) > 1000.0).all()
    assert set(np.unique(code)) <= {D.BEYOND, D.UNSETTLED, *range(len(polys))}
    assert (code != D.UNSETTLED).mean() > 0.6


# --- edge cases found by the breaker (session 30, B4–B8) ---


@pytest.mark.parametrize("distances", ["within", "all"])
def test_zero_radius_for_multipoints_is_intersecting_not_a_traceback(distances):
    """B4: ``--km 0`` with a MultiPoint outside B raised shapely's «max_distance must be greater than 0»."""
    zones = zone_frame()
    far = shapely.MultiPoint([(X0 + 40_000, Y0 + 40_000), (X0 + 40_100, Y0 + 40_000)])
    on_line = shapely.MultiPoint([(X0 + 40_000, Y0 + 40_000), (X0 + 21_500, Y0 + 1500)])  # one part on the line
    in_box = shapely.MultiPoint([(X0 + 40_000, Y0 + 40_000), (X0 + 1000, Y0 + 1000)])
    near = shapely.MultiPoint([(X0 + 2000.01, Y0 + 1000)])  # 1 cm east of the box
    a = gpd.GeoDataFrame(geometry=[far, on_line, in_box, near], crs=W)
    got = D.within_distance(a, zones, 0.0, distances=distances)
    assert got["within"].tolist() == [False, True, True, False]
    assert got["b_index"].tolist()[1:3] == [3, 0] and got["distance_m"].tolist()[1:3] == [0.0, 0.0]
    # the engine itself, asked for radius 0
    b_pos, dist, _ = D.nearest_positions(np.asarray(a.geometry.values), np.asarray(zones.geometry.values), max_distance=0.0)
    assert b_pos.tolist() == [-1, 3, 0, -1] and dist[1:3].tolist() == [0.0, 0.0]


def _unplaceable_rows(inside):
    nan, inf = float("nan"), float("inf")
    return [shapely.Point(1e300, 1e300), inside, shapely.Point(nan, nan), shapely.Point(inside.x, nan),
            shapely.Point(inf, 0), shapely.Point(X0 - 3e8, Y0)]


@pytest.mark.parametrize("km", [0.0, 1.0])
@pytest.mark.parametrize("distances", ["within", "all"])
def test_rows_with_nan_infinite_or_absurd_coordinates_are_no_geometry_and_the_rest_answered(km, distances):
    """B5/B8: a point at 1e300 crashed the grid (NaN cell count), a MultiPoint beside a NaN point raised a
    bare GEOSException, and NaN/inf points came back 范围外: they are rows without a usable geometry."""
    zones = zone_frame()
    inside = shapely.Point(X0 + 1000, Y0 + 1000)
    want = ["no_geometry", "within"] + ["no_geometry"] * 4
    pts = gpd.GeoDataFrame(geometry=_unplaceable_rows(inside), crs=W)  # points only: the coordinate path
    got = D.within_distance(pts, zones, km, distances=distances)
    assert got["status"].tolist() == want and got["within"].tolist() == [False, True] + [False] * 4
    assert got["distance_m"].isna().tolist() == [True, False] + [True] * 4
    # with a MultiPoint (one part inside, one 1,000 km away) the rows go the geometry path
    mixed = gpd.GeoDataFrame(geometry=[shapely.MultiPoint([inside, (inside.x + 1e6, inside.y)]), *_unplaceable_rows(inside)],
                             crs=W)
    got = D.within_distance(mixed, zones, km, distances=distances)
    assert got["status"].tolist() == ["within", *want]
    assert D.nearest(mixed, zones)["status"].tolist() == ["inside", "no_geometry", "inside"] + ["no_geometry"] * 4


def test_the_answer_says_why_a_row_with_coordinates_was_not_measured():
    zones = zone_frame()
    pts = gpd.GeoDataFrame({"name": ["远", "内", "空", "半", "无穷", "外"]}, crs=W,
                           geometry=_unplaceable_rows(shapely.Point(X0 + 1000, Y0 + 1000)))
    frame = queries.within(pts, zones, km=1.0).frame
    said = frame.set_index("a_name")["status_zh"]
    assert said["内"] == "范围内"
    for name in ("远", "空", "半", "无穷", "外"):
        assert "无几何" in said[name] and "坐标缺失或不是数字" in said[name] and "地球" in said[name]


def test_cells_leave_points_they_cannot_place_unsettled():
    """B5: ``settled_by_cells`` skips NaN, infinite and absurd coordinates (left to the exact path) and
    settles the others as it would without them."""
    zones = zone_frame()
    gb = np.asarray(zones.geometry.values, dtype=object)
    polys = gb[:3]
    shapely.prepare(polys)
    segs, _ = D.boundary_segments(gb)
    rng = np.random.default_rng(5)
    x, y = rng.uniform(X0 - 3000, X0 + 30_000, 5000), rng.uniform(Y0 - 3000, Y0 + 13_000, 5000)
    bad_x = np.array([1e300, np.nan, np.inf, X0, -1e300])
    bad_y = np.array([1e300, Y0, Y0, np.nan, Y0])
    code = D.settled_by_cells(np.r_[x, bad_x], np.r_[y, bad_y], polys, segs, 1000.0)
    assert (code[5000:] == D.UNSETTLED).all()
    assert (code[:5000] == D.settled_by_cells(x, y, polys, segs, 1000.0)).all()
    assert (code[:5000] != D.UNSETTLED).mean() > 0.3  # some cells settled: the test can tell


def _geos_distance(a, b):
    return shapely.distance(np.asarray(a.geometry.values)[:, None], np.asarray(b.geometry.values)[None, :]).min(axis=1)


@pytest.mark.parametrize("distances", ["within", "all"])
def test_points_geos_puts_on_the_canal_are_within_at_zero_km(distances):
    """B6: the midpoints of the shipped canal's segments are at GEOS distance 0 from it for 71 of them,
    where the numpy distance said 2.8e-14 m (范围外 at 0 km): GEOS's side of the radius counts."""
    from dcf_spatial.crs import to_working
    from dcf_spatial.store import catalog

    canal = to_working(catalog.read_layer("canal"))
    segs, _ = D.boundary_segments(np.asarray(canal.geometry.values))
    c = shapely.get_coordinates(segs).reshape(-1, 2, 2)
    mids = points((c[:, 0] + c[:, 1]) / 2)
    ref = _geos_distance(mids, canal)
    got = D.within_distance(mids, canal, 0.0, distances=distances)
    assert 0 < (ref == 0).sum() < len(ref)  # both sides
    assert (got["within"].to_numpy() == (ref <= 0)).all()
    assert (got["distance_m"].to_numpy()[ref == 0] == 0).all()


@pytest.mark.parametrize("distances", ["within", "all"])
def test_a_point_geos_puts_at_the_radius_is_within(distances):
    """B7: a point 500 m (GEOS) from the shipped service belts was measured 500.0000000000001 m: beyond 0.5 km."""
    from dcf_spatial.crs import to_working
    from dcf_spatial.store import catalog

    belts = to_working(catalog.read_layer("service_belts"))
    pt = points(np.array([[408329.09856452147, 4045119.3126075338]]))
    assert _geos_distance(pt, belts)[0] <= 500.0
    got = D.within_distance(pt, belts, 0.5, distances=distances)
    assert got["within"].tolist() == [True] and got["distance_m"].iloc[0] <= 500.0
    assert D.nearest(pt, belts, max_km=0.5)["status"].tolist() == ["nearest"]
