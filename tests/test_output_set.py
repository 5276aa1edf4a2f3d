"""Outputs written as a set (issue 14 item 6): a killed `audit idle --overwrite` over an earlier run
leaves the earlier result intact; a complete folder carries manifest.json saying what produced it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from dcf_spatial import settings
from dcf_spatial.io.output_set import MANIFEST, PARTIAL_PREFIX, PREVIOUS, check_set, sha256_of
from test_audit_cli import FIELDS, chinese_shapefile
from test_idle_audit import make_land_store


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = make_land_store(tmp_path / "store.gpkg")
    monkeypatch.setattr(settings, "store", settings.store)
    monkeypatch.setenv("DCF_STORE", str(path))
    return path


def _audit(store, shp, out, *extra, kill=None):
    env = dict(os.environ, DCF_STORE=str(store))
    if kill:
        env["DCF_TEST_FAIL_AFTER"] = kill
    args = ["--store", str(store), "audit", "idle", "--parcels", str(shp), "--as-of", "2024-06-01", "-o", str(out),
            *FIELDS, *extra]
    return subprocess.run([sys.executable, "-c", "from dcf_spatial.cli.main import cli; cli()", *args],
                          capture_output=True, text=True, env=env, timeout=600)


def _snapshot(folder):
    return {p.name: sha256_of(p) for p in folder.iterdir()}


def test_a_complete_run_has_a_manifest_of_what_produced_it(store, tmp_path):
    shp = chinese_shapefile(tmp_path / "宗地.shp")
    out = tmp_path / "out"
    res = _audit(store, shp, out)
    assert res.returncode == 0, res.stderr
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["complete"] is True and manifest["as_of"] == "2024-06-01"
    assert manifest["inputs"]["parcels"]["sha256"] == sha256_of(shp)
    assert manifest["rows"]["in"] == manifest["rows"]["out"] == 4
    assert {e["layer_id"] for e in manifest["layers"]} >= {"townships", "industrial_clusters"}
    assert all("version" in e for e in manifest["layers"])
    assert manifest["rules"]["sha256"] and manifest["tool"]["version"]
    assert set(manifest["files"]) == {"idle_audit.xlsx", "idle_audit.parquet", "idle_audit.gpkg", "idle_audit_map.html"}
    assert check_set(out)["complete"]
    assert not list(out.glob(PARTIAL_PREFIX + "*"))
    (out / "idle_audit.xlsx").write_bytes(b"changed")
    assert not check_set(out)["complete"]


@pytest.mark.parametrize("kill", ["outputs:staged", "outputs:moved:1"])
def test_a_killed_overwrite_leaves_the_earlier_result_or_says_it_is_incomplete(store, tmp_path, kill):
    shp = chinese_shapefile(tmp_path / "宗地.shp")
    out = tmp_path / "out"
    assert _audit(store, shp, out, "--as-of", "2024-06-01").returncode == 0
    before = _snapshot(out)
    killed = _audit(store, shp, out, "--overwrite", "--as-of", "2025-06-01", kill=kill)
    assert killed.returncode == 70, killed.stderr
    if kill == "outputs:staged":  # killed while writing: the earlier result, file for file
        assert {k: v for k, v in _snapshot(out).items() if not k.startswith(PARTIAL_PREFIX)} == before
        assert check_set(out)["complete"]
        assert json.loads((out / MANIFEST).read_text(encoding="utf-8"))["as_of"] == "2024-06-01"
    else:  # killed while moving into place: the folder says it is not complete
        state = check_set(out)
        assert not state["complete"] and MANIFEST in state["problems"][0]
        # … and the earlier result is kept whole aside, put back by the next run (QA breaker round 3)
        kept = out / PREVIOUS
        assert json.loads((kept / MANIFEST).read_text(encoding="utf-8"))["as_of"] == "2024-06-01"
        assert {k: sha256_of(kept / k) for k in before if (kept / k).exists()} == {
            k: v for k, v in before.items() if (kept / k).exists()}
        assert PREVIOUS in state["problems"][0]
    again = _audit(store, shp, out, "--overwrite", "--as-of", "2025-06-01")
    assert again.returncode == 0, again.stderr
    assert check_set(out)["complete"] and not list(out.glob(PARTIAL_PREFIX + "*"))


def test_a_failed_batch_table_write_leaves_the_earlier_file(tmp_path, monkeypatch):
    import geopandas as gpd
    from shapely import Point

    from dcf_spatial.queries.site import tables as present
    from dcf_spatial.queries.site.batch import write_batch_table

    sites = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[Point(115.98, 36.45)], crs=4490)
    results = [{"row": 0, "source_row": 1, "row_label": "第 1 条记录", "status": "error", "error": "测试"}]
    out = tmp_path / "结果.csv"
    write_batch_table(results, sites, out)
    before = out.read_bytes()

    def broken(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(present, "results_table_zh", broken)
    with pytest.raises(RuntimeError):
        write_batch_table(results, sites, out, overwrite=True)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["结果.csv"]
