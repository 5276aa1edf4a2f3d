"""`dcf layers …` through the CLI: output, JSON, errors, no silent overwrite — on both stores."""

import json

import pytest
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal

from dcf_spatial import settings

from dcf_spatial.store import catalog
from dcf_spatial.cli.main import cli

from _stores import STORE_KINDS, drop_schema, new_store, require_pg_url, with_schema
from conftest import make_townships


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(params=STORE_KINDS)
def store_kind(request):
    return request.param


@pytest.fixture
def tiny_store(store_kind, tmp_path, request, monkeypatch):
    """Overrides conftest's: a 2-township store in each backend (the CLI's --store names it)."""
    store = new_store(store_kind, tmp_path, request)
    catalog.write_layer(make_townships(2), "townships", store=store, source="test fixture")
    # --store is active for one invocation only; settings.store is restored after each test regardless.
    monkeypatch.setattr(settings, "store", settings.store)
    return store


def test_list_json_reports_counts_and_provenance(tiny_store):
    res = run("--store", tiny_store, "layers", "list", "--json")
    assert res.exit_code == 0, res.output
    rows = {r["id"]: r for r in json.loads(res.stdout)}
    assert rows["townships"]["count"] == 2
    assert rows["townships"]["provenance"] == "schematic"
    assert rows["townships"]["crs"] == "EPSG:4490"
    assert rows["townships"]["geometry_type"] == "Polygon"


def test_list_text_says_schematic_in_chinese(tiny_store):
    res = run("--store", tiny_store, "layers", "list")
    assert "示意" in res.output and "townships" in res.output


def test_show_json_is_geojson_with_chinese(tiny_store):
    res = run("--store", tiny_store, "layers", "show", "townships", "--json")
    fc = json.loads(res.stdout)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 2
    assert fc["features"][0]["properties"]["name_zh"] == "测试镇0"


def test_show_text_names_provenance_and_source(tiny_store):
    res = run("--store", tiny_store, "layers", "show", "townships")
    assert res.exit_code == 0, res.output
    assert "测试镇1" in res.output and "schematic" in res.output and "test fixture" in res.output


def test_unknown_layer_is_a_clear_error_exit_2(tiny_store):
    res = run("--store", tiny_store, "layers", "show", "nope")
    assert res.exit_code == 2
    assert "'nope'" in res.stderr and "dcf layers list" in res.stderr and "dcf_catalog" not in res.stderr


def test_export_refuses_to_overwrite_without_flag(tiny_store, tmp_path):
    out = tmp_path / "t.geojson"
    assert run("--store", tiny_store, "layers", "export", "townships", "-o", out).exit_code == 0
    again = run("--store", tiny_store, "layers", "export", "townships", "-o", out)
    assert again.exit_code != 0 and "--overwrite" in again.output
    assert run("--store", tiny_store, "layers", "export", "townships", "-o", out, "--overwrite").exit_code == 0


def test_reset_without_history_is_a_clear_error(tiny_store):
    res = run("--store", tiny_store, "layers", "reset", "townships")
    assert res.exit_code == 2 and "'townships'" in res.stderr and "没有更早的版本" in res.stderr


def test_push_copies_every_layer_and_refuses_to_overwrite(tiny_store, tmp_path, request):
    catalog.write_layer(make_townships(3, provenance="authoritative"), "townships", store=tiny_store,
                        keep_history=True, source="bureau file")
    schema = "t_push_" + request.node.callspec.id
    target = with_schema(require_pg_url(), schema)
    request.addfinalizer(lambda: drop_schema(schema))
    res = run("--store", tiny_store, "layers", "push", "--to", target)
    assert res.exit_code == 0, res.output
    assert "townships" in res.stdout and "示意" not in res.stdout.split("townships")[1].splitlines()[0]
    header = res.stdout.splitlines()[0]  # the listing has a header row
    assert "图层编号" in header and "要素数" in header and "来源性质" in header
    assert "复制到" in res.stderr and "***" in res.stderr
    assert_geodataframe_equal(catalog.read_layer("townships", store=target),
                              catalog.read_layer("townships", store=tiny_store))
    # the same layers again: nothing to replace, so no --overwrite needed, and nothing written (QA F8)
    same = run("--store", tiny_store, "layers", "push", "--to", target)
    assert same.exit_code == 0 and "无需写入" in same.stderr and "本次未作任何改动" in same.stderr, same.output
    # a layer that differs is not replaced without --overwrite
    catalog.write_layer(make_townships(4, provenance="authoritative"), "townships", store=tiny_store,
                        keep_history=True, source="bureau file 2")
    again = run("--store", tiny_store, "layers", "push", "--to", target)
    assert again.exit_code != 0 and "--overwrite" in again.stderr
    # reset works in the database: the history travelled with the layer
    assert run("--store", target, "layers", "reset", "townships").exit_code == 0
    assert len(catalog.read_layer("townships", store=target)) == 2


def test_push_without_target_needs_a_database(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "store", settings.store)
    store = tmp_path / "s.gpkg"
    catalog.write_layer(make_townships(2), "townships", store=store)
    res = run("--store", store, "layers", "push")
    assert res.exit_code == 2 and "--to" in res.output


def test_push_into_same_store_is_refused(tiny_store):
    res = run("--store", tiny_store, "layers", "push", "--to", tiny_store)
    assert res.exit_code == 2 and "同一个图层库" in res.output


def _display_width(line):
    from dcf_spatial.cli._table import display_width

    return display_width(line)


@pytest.mark.parametrize("columns", [60, 100])
def test_list_and_show_fit_the_terminal_with_chinese_headers(columns, monkeypatch):
    """The shipped store's tables fit the window; long values end with …; headers are Chinese."""
    monkeypatch.setenv("COLUMNS", str(columns))
    listed = run("layers", "list")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines()[0].split()[:2] == ["图层编号", "中文名"]
    shown = run("layers", "show", "industrial_clusters")
    assert shown.exit_code == 0, shown.output
    table = shown.stdout.splitlines()[2:]
    assert table[0].split()[:2] == ["编号", "名称"] and "规划依据" in table[0]
    for line in listed.stdout.splitlines() + table:
        assert _display_width(line) <= columns, line
    assert "…" in shown.stdout


def test_show_json_and_output_files_give_the_whole_table(tmp_path):
    import pandas as pd

    full = catalog.read_layer("industrial_clusters")
    attrs = full.drop(columns="geometry")
    for name in ("clusters.csv", "clusters.xlsx"):
        res = run("layers", "show", "industrial_clusters", "-o", tmp_path / name)
        assert res.exit_code == 0, res.output
        back = (pd.read_csv(tmp_path / name, dtype=str, keep_default_na=False) if name.endswith(".csv")
                else pd.read_excel(tmp_path / name, dtype=str, keep_default_na=False))
        assert list(back.columns) == list(attrs.columns)
        assert back["direction"].tolist() == attrs["direction"].astype(str).tolist()  # not cut
    res = run("layers", "show", "industrial_clusters", "-o", tmp_path / "clusters.json")
    assert json.loads((tmp_path / "clusters.json").read_text(encoding="utf-8"))["type"] == "FeatureCollection"
    again = run("layers", "show", "industrial_clusters", "-o", tmp_path / "clusters.csv")
    assert again.exit_code != 0 and "--overwrite" in again.output
    bad = run("layers", "show", "industrial_clusters", "-o", tmp_path / "clusters.txt")
    assert bad.exit_code != 0 and ".xlsx" in bad.output


def test_list_json_and_output_file_give_the_whole_table(tmp_path):
    import pandas as pd

    listed = json.loads(run("layers", "list", "--json").stdout)
    assert {"id", "title_zh", "count", "geometry_type", "provenance", "crs", "version", "source"} <= set(listed[0])
    assert run("layers", "list", "-o", tmp_path / "layers.xlsx").exit_code == 0
    back = pd.read_excel(tmp_path / "layers.xlsx")
    assert back["id"].tolist() == [r["id"] for r in listed]
    assert back["source"].tolist() == [r["source"] for r in listed]
