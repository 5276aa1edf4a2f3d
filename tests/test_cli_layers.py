"""`dcf layers …` through the CLI: output, JSON, errors, no silent overwrite."""

import json

from click.testing import CliRunner

from dcf_spatial.cli.main import cli


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_list_json_reports_counts_and_provenance(tiny_store):
    res = run("--store", str(tiny_store), "layers", "list", "--json")
    assert res.exit_code == 0, res.output
    rows = {r["id"]: r for r in json.loads(res.stdout)}
    assert rows["townships"]["count"] == 2
    assert rows["townships"]["provenance"] == "schematic"
    assert rows["townships"]["crs"] == "EPSG:4490"


def test_list_text_says_schematic_in_chinese(tiny_store):
    res = run("--store", str(tiny_store), "layers", "list")
    assert "示意" in res.output and "townships" in res.output


def test_show_json_is_geojson_with_chinese(tiny_store):
    res = run("--store", str(tiny_store), "layers", "show", "townships", "--json")
    fc = json.loads(res.stdout)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 2
    assert fc["features"][0]["properties"]["name_zh"] == "测试镇0"


def test_unknown_layer_is_a_clear_error_exit_2(tiny_store):
    res = run("--store", str(tiny_store), "layers", "show", "nope")
    assert res.exit_code == 2
    assert "'nope'" in res.stderr and "dcf layers list" in res.stderr and "dcf_catalog" not in res.stderr


def test_export_refuses_to_overwrite_without_flag(tiny_store, tmp_path):
    out = tmp_path / "t.geojson"
    assert run("--store", str(tiny_store), "layers", "export", "townships", "-o", str(out)).exit_code == 0
    again = run("--store", str(tiny_store), "layers", "export", "townships", "-o", str(out))
    assert again.exit_code != 0 and "--overwrite" in again.output
    assert run("--store", str(tiny_store), "layers", "export", "townships", "-o", str(out), "--overwrite").exit_code == 0
