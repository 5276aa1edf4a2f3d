"""The dask engine's inputs and kill-safety (QA breaker round 3).

* a CSV of coordinates is read as the single engine reads it (then cut into partitions): the same
  rows, statuses and ``problems``, row for row;
* a parcel outside China gets the single engine's read note (``读入：坐标在中国境外…``) in ``problems``;
* a dask ``--overwrite`` run killed at any stage leaves either the earlier result intact and complete,
  or a folder that says it is not complete — never the earlier ``manifest.json`` (``complete: true``)
  over changed files.

Data: the synthetic sample (合成数据).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from dcf_spatial import sample
from dcf_spatial.io.output_set import MANIFEST, check_set, sha256_of
from dcf_spatial.land import audit_idle
from dcf_spatial.land import dask as dengine

AS_OF = "2025-12-31"
OUTSIDE = (0.005, 0.005)  # the Gulf of Guinea: outside China


def _with_one_outside(parcels: gpd.GeoDataFrame, at: int = 2) -> gpd.GeoDataFrame:
    geoms = parcels.geometry.to_numpy().copy()
    geoms[at] = shapely.Point(*OUTSIDE).buffer(0.0005)
    return gpd.GeoDataFrame(parcels.drop(columns="geometry"), geometry=geoms, crs=parcels.crs)


def _same_rows(single: pd.DataFrame, dask: pd.DataFrame, columns=("row", "parcel_id", "status", "problems")):
    dask = dask.sort_values("row").reset_index(drop=True)
    single = single.reset_index(drop=True)
    assert len(single) == len(dask)
    for c in columns:
        a = single[c].astype(object).where(single[c].notna(), None).astype(str).tolist()
        b = dask[c].astype(object).where(dask[c].notna(), None).astype(str).tolist()
        assert a == b, c


def test_csv_of_coordinates_matches_the_single_engine_row_for_row(cluster, tmp_path):
    parcels = _with_one_outside(sample.generate_parcels(60, seed=5))
    pts = parcels.geometry.representative_point()
    table = pd.DataFrame(parcels.drop(columns="geometry")).assign(经度=pts.x, 纬度=pts.y)
    csv = tmp_path / "宗地.csv"
    table.to_csv(csv, index=False, encoding="utf-8")
    single = audit_idle(str(csv), out=tmp_path / "single", as_of=AS_OF, map=False).frame
    res = audit_idle(str(csv), out=tmp_path / "dask", engine="dask", as_of=AS_OF, scheduler=cluster,
                     partitions=3, map=False)
    assert res.details["partitions"] == 3
    got = dengine.read_result(tmp_path / "dask")
    _same_rows(single, got)
    # the row moved to the Gulf of Guinea carries the reader's note on both engines
    assert "坐标在中国境外" in single.loc[2, "problems"]


def test_parcel_outside_china_gets_the_read_note_on_dask(cluster, tmp_path):
    parcels = _with_one_outside(sample.generate_parcels(40, seed=9), at=7)
    path = tmp_path / "宗地.gpkg"
    parcels.to_file(path)
    single = audit_idle(str(path), out=tmp_path / "single", as_of=AS_OF, map=False).frame
    assert single.loc[7, "problems"].startswith("读入：坐标在中国境外")
    for source, n in ((str(path), 4), (None, None)):
        if source is None:  # the same parcels as a GeoParquet folder of two files
            folder = tmp_path / "pq"
            folder.mkdir()
            parcels.iloc[:20].to_parquet(folder / "a.parquet")
            parcels.iloc[20:].to_parquet(folder / "b.parquet")
            source = str(folder)
        out = tmp_path / f"dask{n}"
        audit_idle(source, out=out, engine="dask", as_of=AS_OF, scheduler=cluster, partitions=n, map=False)
        _same_rows(single, dengine.read_result(out))


# --- killed runs ----------------------------------------------------------------------------------

def _cli(args, env=None):
    return [sys.executable, "-c", "from dcf_spatial.cli.main import cli; cli()", "-q", *args]


@pytest.fixture(scope="module")
def earlier(cluster, tmp_path_factory):
    """Parcels as one GeoPackage (4 partitions) and a complete earlier dask result of them."""
    root = tmp_path_factory.mktemp("killed")
    path = root / "宗地.gpkg"
    sample.generate_parcels(400, seed=3).to_file(path)
    out = root / "earlier"
    res = subprocess.run(_cli(["audit", "idle", "--parcels", str(path), "--as-of", AS_OF, "-o", str(out), "--engine",
                               "dask", "--scheduler", cluster, "--partitions", "4", "--no-map"]),
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert check_set(out)["complete"]
    return path, out


def _rerun(path, out, cluster):
    # another as-of date: the rewritten files differ from the earlier ones
    return _cli(["audit", "idle", "--parcels", str(path), "--as-of", "2026-06-30", "-o", str(out), "--engine", "dask",
                 "--scheduler", cluster, "--partitions", "4", "--no-map", "--overwrite"])


def _files(folder):
    return {str(p.relative_to(folder)): sha256_of(p) for p in folder.rglob("*") if p.is_file()}


def _never_complete_over_changed_files(out, before):
    """Either the earlier result, intact and complete, or a folder that says it is not complete."""
    state = check_set(out)
    if (out / MANIFEST).exists() and state["manifest"] and state["manifest"].get("complete") is True \
            and state["manifest"].get("as_of") == AS_OF:
        # the earlier manifest still stands: then every file it names is the earlier file
        assert state["complete"], state["problems"]
        now = _files(out)
        assert all(now.get(k) == v for k, v in before.items()), "the earlier result was changed under its manifest"
        return "intact"
    assert not state["complete"] or state["manifest"].get("as_of") != AS_OF
    return "incomplete" if not state["complete"] else "new"


@pytest.mark.parametrize("point", ["dask:unmarked", "dask:removed", "dask:written", "outputs:staged",
                                   "outputs:moved:1"])
def test_killed_overwrite_never_leaves_a_complete_manifest_over_changed_files(earlier, cluster, tmp_path, point):
    import shutil

    path, base = earlier
    out = tmp_path / "out"
    shutil.copytree(base, out)
    before = _files(out)
    env = dict(os.environ, DCF_TEST_FAIL_AFTER=point)
    res = subprocess.run(_rerun(path, out, cluster), capture_output=True, text=True, env=env, timeout=600)
    assert res.returncode == 70, res.stderr  # ended at the kill point
    assert _never_complete_over_changed_files(out, before) == "incomplete"
    assert not (out / MANIFEST).exists()  # visibly not complete: no manifest until the new one
    # a later run completes the folder again
    res = subprocess.run(_rerun(path, out, cluster), capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert check_set(out)["complete"] and check_set(out)["manifest"]["as_of"] == "2026-06-30"


def test_killed_as_the_first_partition_file_changes(earlier, cluster, tmp_path):
    # the tester's repro: SIGKILL as soon as anything in the output folder changes
    import shutil

    path, base = earlier
    out = tmp_path / "out"
    shutil.copytree(base, out)
    before = _files(out)
    stamps = {p: os.stat(p).st_mtime_ns for p in out.rglob("*") if p.is_file()}
    proc = subprocess.Popen(_rerun(path, out, cluster), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None:
            now = {p: os.stat(p).st_mtime_ns for p in out.rglob("*") if p.is_file() and p.exists()}
            if now != stamps:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)
    except FileNotFoundError:  # a file went away between listing and stat: a change too
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=600)
    _never_complete_over_changed_files(out, before)
