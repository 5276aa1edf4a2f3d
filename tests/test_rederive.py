"""When the bureau replaces 聊临路, the grain zone ("梁水镇聊临路以东、马颊河以南") follows the new line.

Each test works on a copy of the shipped store; the bureau's road layer is the stored one with
聊临路 moved 2 km east (a test-made line, not real data).
"""

from __future__ import annotations

import shutil

import pytest
import shapely
from shapely import affinity

from dcf_spatial import settings

from dcf_spatial.store import catalog, rederive
from dcf_spatial.crs import to_working
from dcf_spatial.errors import InputError

from _stores import STORE_KINDS, new_store

SHIFT_M = 2000.0


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    """A copy of the shipped store: a GeoPackage, or a fresh PostGIS schema (same tests, both stores)."""
    location = new_store(request.param, tmp_path, request)
    if request.param == "gpkg":
        shutil.copy(settings.default_store, location)
    else:
        catalog.copy_store(settings.default_store, location)
    return location


def bureau_roads(store, tmp_path, *, liaolin_id="road.liaolin", shift=SHIFT_M):
    """The store's roads with 聊临路 moved ``shift`` m east and given ``liaolin_id``, as a bureau file."""
    roads = to_working(catalog.read_layer("roads", store=store))
    i = roads.index[roads["id"] == "road.liaolin"][0]
    roads.loc[i, "geometry"] = affinity.translate(roads.loc[i, "geometry"], shift, 0)
    roads.loc[i, "id"] = liaolin_id
    path = tmp_path / "道路.gpkg"
    roads[["id", "name_zh", "geometry"]].to_crs(settings.storage_crs).to_file(path)
    return path


def grain(store):
    zones = to_working(catalog.read_layer("agri_zones", store=store))
    return zones.loc[zones["id"] == "agri.grain", "geometry"].iloc[0]


def liaolin(store):
    roads = to_working(catalog.read_layer("roads", store=store))
    return roads.loc[roads["id"] == "road.liaolin", "geometry"].iloc[0]


def point_just_east_of(line, zone, within_m):
    """A point of ``zone`` less than ``within_m`` metres from ``line`` (a grid search, independent of the build)."""
    minx, miny, maxx, maxy = zone.bounds
    for x in range(int(minx), int(maxx), 200):
        for y in range(int(miny), int(maxy), 200):
            p = shapely.Point(x, y)
            if zone.contains(p) and line.distance(p) < within_m:
                return p
    raise AssertionError("no point of the zone near the line")


def grid_points(zone, step=250):
    minx, miny, maxx, maxy = zone.bounds
    return [p for x in range(int(minx), int(maxx), step) for y in range(int(miny), int(maxy), step)
            if zone.contains(p := shapely.Point(x, y))]


def east_of(p, line):
    """A ray going west from ``p`` crosses the road (the layers README's own test of "以东")."""
    return shapely.LineString([p, (p.x - 50_000, p.y)]).intersects(line)


def test_grain_zone_follows_the_imported_road(store, tmp_path):
    old_line, old_zone = liaolin(store), grain(store)
    near = point_just_east_of(old_line, old_zone, within_m=1500)
    catalog.import_layer("roads", bureau_roads(store, tmp_path), store=store, provenance="authoritative")
    assert grain(store).equals(old_zone)  # the import alone moves no zone

    summary = rederive.rederive_zones(store=store)

    by_line = {e["line"]: e for e in summary["lines"]}
    assert by_line["road.liaolin"]["status"] == "replaced"
    assert by_line["road.liaolin"]["moved_m"] == pytest.approx(SHIFT_M, abs=1)
    assert by_line["river.majia"]["status"] == "unchanged"
    written = {e["layer"]: e for e in summary["layers"]}
    assert written["agri_zones"]["status"] == "written"
    new_zone, new_line = grain(store), liaolin(store)
    assert not new_zone.contains(near)  # 1.5 km east of the old road is now west of the new one
    inside = grid_points(new_zone)
    assert len(inside) > 50  # a 250 m grid over the zone
    assert all(east_of(p, new_line) for p in inside)  # every point of the zone is east of the new road
    assert new_zone.intersection(new_line.buffer(300)).area > 0  # and the zone reaches it
    zones = catalog.read_layer("agri_zones", store=store)
    entry = catalog.catalog_rows(store=store).set_index("id").loc["agri_zones"]
    assert set(zones["provenance"]) == {"schematic"} and "road.liaolin" in entry["source"]


def test_redraw_is_kept_as_a_version_and_can_be_reset(store, tmp_path):
    old_zone = grain(store)
    catalog.import_layer("roads", bureau_roads(store, tmp_path), store=store, provenance="authoritative")
    rederive.rederive_zones(store=store)
    assert not grain(store).equals(old_zone)
    catalog.reset_layer("agri_zones", store=store)
    assert grain(store).symmetric_difference(old_zone).area < 1.0


def test_second_run_writes_nothing_and_dry_run_writes_nothing(store, tmp_path):
    catalog.import_layer("roads", bureau_roads(store, tmp_path), store=store, provenance="authoritative")
    before = grain(store)
    dry = rederive.rederive_zones(store=store, dry_run=True)
    assert {e["status"] for e in dry["layers"]} == {"would_write"}
    assert grain(store).equals(before)
    rederive.rederive_zones(store=store)
    again = rederive.rederive_zones(store=store)
    assert {e["status"] for e in again["layers"]} == {"unchanged"}


def test_unchanged_lines_redraw_nothing(store):
    summary = rederive.rederive_zones(store=store)
    assert summary["layers"] == [] and {e["status"] for e in summary["lines"]} == {"unchanged"}
    assert any("没有需要重算的区" in n for n in summary["notes"])


def test_other_ids_are_matched_with_line_ids(store, tmp_path):
    catalog.import_layer("roads", bureau_roads(store, tmp_path, liaolin_id="G309"), store=store, provenance="authoritative")
    plain = rederive.rederive_zones(store=store, dry_run=True)
    entry = next(e for e in plain["lines"] if e["line"] == "road.liaolin")
    assert entry["status"] == "schematic_kept" and "road.liaolin" in entry["status_zh"]
    assert plain["layers"] == []
    mapped = rederive.rederive_zones(store=store, line_ids=["road.liaolin=G309"])
    assert next(e for e in mapped["lines"] if e["line"] == "road.liaolin")["status"] == "replaced"
    assert any(e["layer"] == "agri_zones" and e["status"] == "written" for e in mapped["layers"])
    with pytest.raises(InputError, match="road.nowhere"):
        rederive.rederive_zones(store=store, line_ids=["road.nowhere=G309"])
    with pytest.raises(InputError, match="规划线编号=图层中的编号"):
        rederive.rederive_zones(store=store, line_ids=["G309"])


def test_an_authoritative_zone_layer_is_never_overwritten(store, tmp_path):
    zones = catalog.read_layer("agri_zones", store=store)
    path = tmp_path / "示范区.gpkg"
    zones.drop(columns=["provenance", "source"]).to_file(path)
    catalog.import_layer("agri_zones", path, store=store, provenance="authoritative")  # the bureau's own zones
    catalog.import_layer("roads", bureau_roads(store, tmp_path), store=store, provenance="authoritative")
    before = grain(store)
    summary = rederive.rederive_zones(store=store)
    entry = next(e for e in summary["layers"] if e["layer"] == "agri_zones")
    assert entry["status"] == "skipped_authoritative" and "权威" in entry["status_zh"]
    assert grain(store).equals(before)


def test_cli_import_hints_and_rederive_reports(store, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    monkeypatch.delenv("DCF_STORE", raising=False)
    run = CliRunner().invoke
    res = run(cli, ["--store", str(store), "layers", "import", "--provenance", "authoritative", "roads", str(bureau_roads(store, tmp_path))])
    assert res.exit_code == 0 and "dcf layers rederive" in res.stderr
    before = grain(store)
    res = run(cli, ["--store", str(store), "layers", "rederive", "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "road.liaolin" in res.stdout and "将重算（试运行，未写入）" in res.stdout and "高效优质粮食产业示范区" in res.stdout
    assert grain(store).equals(before)
    res = run(cli, ["--store", str(store), "layers", "rederive"])
    assert res.exit_code == 0 and "已重算并写入" in res.stdout
    assert not grain(store).equals(before)
    assert "dcf layers reset agri_zones" in res.stdout
    res = run(cli, ["--store", str(store), "layers", "rederive", "--line", "liaolin"])
    assert res.exit_code == 2 and "规划线编号=图层中的编号" in res.stderr
    res = run(cli, ["--store", str(store), "layers", "reset", "roads"])  # the zones stay: say how to follow
    assert res.exit_code == 0 and "dcf layers rederive" in res.stderr


def test_resetting_the_road_and_redrawing_brings_the_sketched_zone_back(store, tmp_path):
    sketched = grain(store)
    catalog.import_layer("roads", bureau_roads(store, tmp_path), store=store, provenance="authoritative")
    rederive.rederive_zones(store=store)
    assert not grain(store).equals(sketched)
    catalog.reset_layer("roads", store=store)  # the bureau withdraws its road
    summary = rederive.rederive_zones(store=store)
    assert {e["line"]: e["status"] for e in summary["lines"]}["road.liaolin"] == "unchanged"
    assert any(e["layer"] == "agri_zones" and e["status"] == "written" for e in summary["layers"])
    assert grain(store).symmetric_difference(sketched).area < 1.0
    again = rederive.rederive_zones(store=store)  # nothing left to do
    assert again["layers"] and all(e["status"] == "unchanged" for e in again["layers"])


def test_an_unmatched_line_names_the_ids_there_and_a_typo_in_line_is_an_error(store, tmp_path):
    catalog.import_layer("roads", bureau_roads(store, tmp_path, liaolin_id="G309"), store=store, provenance="authoritative")
    summary = rederive.rederive_zones(store=store, dry_run=True)
    kept = next(e for e in summary["lines"] if e["line"] == "road.liaolin")
    assert "G309" in kept["status_zh"] and "--line road.liaolin=编号" in kept["status_zh"]
    with pytest.raises(InputError, match=r"没有编号 G3O9.*G309"):
        rederive.rederive_zones(store=store, line_ids=["road.liaolin=G3O9"])
