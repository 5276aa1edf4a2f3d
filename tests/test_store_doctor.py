"""The layer store when things go wrong (issue 14 item 5): damaged, read-only, killed mid-import or
mid-rederive — a clear message naming the store and the way out, `dcf layers doctor`, backup/restore."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from shapely import affinity

from dcf_spatial import settings
from dcf_spatial.cli.main import cli
from dcf_spatial.crs import to_working
from dcf_spatial.errors import StoreError
from dcf_spatial.store import catalog, doctor, rederive


@pytest.fixture()
def store(tmp_path, monkeypatch):
    path = tmp_path / "store.gpkg"
    shutil.copy(settings.default_store, path)
    monkeypatch.setenv("DCF_STORE", str(path))
    monkeypatch.setattr(settings, "store", path)
    return path


def _dcf(args, env_extra=None, cwd=None):
    """`dcf …` in its own process (a kill point ends that process, never the test's)."""
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-c", "from dcf_spatial.cli.main import cli; cli()", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def _damage(path, how):
    if how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(b"this is not a database\n" * 10)
    else:  # truncated
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])


@pytest.mark.parametrize("how", ["empty", "garbage", "truncated"])
@pytest.mark.parametrize("command", [["layers", "list"], ["layers", "show", "townships"], ["layers", "reset", "townships"],
                                     ["site", "check", "--site", "115.98,36.45", "--industry", "轴承"]])
def test_a_damaged_store_gives_the_recovery_on_every_command(store, how, command):
    _damage(store, how)
    res = CliRunner().invoke(cli, command)
    text = res.output
    assert res.exit_code == 2, text  # a usage-style error, not a crash
    assert isinstance(res.exception, SystemExit)
    assert str(store) in text and "已损坏" in text
    assert "dcf layers doctor" in text and "dcf layers restore" in text


def test_a_read_only_store_refuses_import_and_reset_with_the_way_out(store, tmp_path, monkeypatch):
    # as root a chmod does not stop a write, so the OS refusal is simulated where the store is written
    townships = catalog.read_layer("townships")
    src = tmp_path / "乡镇.gpkg"
    townships.to_file(src)

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("dcf_spatial.store.backends.gpkg.shutil.copyfile", refuse)
    before = store.read_bytes()
    with pytest.raises(StoreError, match="不可写") as err:
        catalog.import_layer("townships", src, store=store, provenance="authoritative")
    assert str(store) in str(err.value) and "DCF_STORE" in str(err.value)
    res = CliRunner().invoke(cli, ["layers", "import", "--provenance", "authoritative", "townships", str(src)])
    assert res.exit_code == 2 and "不可写" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(cli, ["layers", "reset", "townships"])
    assert "Traceback" not in res.output
    assert store.read_bytes() == before


def test_a_killed_import_leaves_no_copy_behind_after_the_next_run(store, tmp_path):
    src = tmp_path / "乡镇.gpkg"
    catalog.read_layer("townships").to_file(src)
    killed = _dcf(["layers", "import", "--provenance", "authoritative", "townships", str(src)], {"DCF_TEST_FAIL_AFTER": "import:copied",
                                                                "DCF_STORE": str(store)})
    assert killed.returncode == 70, killed.stderr
    hidden = [p for p in store.parent.iterdir() if p.name.startswith(".store.") and p.name.endswith(".tmp.gpkg")]
    assert len(hidden) == 1  # the kill left the working copy
    found = doctor.diagnose(store)
    assert [f["kind"] for f in found["findings"]] == ["orphan_copies"]
    again = _dcf(["layers", "import", "--provenance", "authoritative", "townships", str(src)], {"DCF_STORE": str(store)})
    assert again.returncode == 0, again.stderr
    assert not [p for p in store.parent.iterdir() if p.name.endswith(".tmp.gpkg")]
    assert doctor.diagnose(store)["ok"]


def test_doctor_repairs_orphans_and_reports_what_it_cannot_repair(store):
    orphan = store.with_name(".store.0badc0de.tmp.gpkg")
    shutil.copy(store, orphan)
    res = CliRunner().invoke(cli, ["layers", "doctor"])
    assert res.exit_code == 1 and "临时副本" in res.output and "--repair" in res.output
    res = CliRunner().invoke(cli, ["layers", "doctor", "--repair"])
    assert res.exit_code == 0, res.output
    assert not orphan.exists()
    with __import__("sqlite3").connect(store) as con:  # a catalog row whose table is gone
        con.execute("INSERT INTO dcf_catalog (id, title_zh, version, history) VALUES ('ghost', '幽灵', 1, 0)")
    found = doctor.diagnose(store)
    assert not found["ok"] and found["findings"][0]["kind"] == "catalog_without_table"
    assert not found["findings"][0]["repairable"]


def test_backup_and_restore_bring_a_damaged_store_back(store, tmp_path):
    backup = tmp_path / "备份.gpkg"
    res = CliRunner().invoke(cli, ["layers", "backup", "-o", str(backup)])
    assert res.exit_code == 0, res.output
    n_layers = len(catalog.catalog_rows(store=backup))
    _damage(store, "truncated")
    assert not doctor.diagnose(store)["ok"]
    res = CliRunner().invoke(cli, ["layers", "restore", str(backup)])
    assert res.exit_code == 0, res.output
    assert doctor.diagnose(store)["ok"]
    assert len(catalog.catalog_rows(store=store)) == n_layers
    kept = list(tmp_path.glob("store.before-restore-*.gpkg"))
    assert len(kept) == 1  # the damaged file is kept, not deleted
    res = CliRunner().invoke(cli, ["layers", "backup", "-o", str(backup)])
    assert res.exit_code == 2 and "--overwrite" in res.output
    garbage = tmp_path / "坏备份.gpkg"
    garbage.write_bytes(b"nope")
    res = CliRunner().invoke(cli, ["layers", "restore", str(garbage)])
    assert res.exit_code == 2 and "不能用作图层库备份" in res.output


def test_a_killed_rederive_is_flagged_and_finished(store, tmp_path):
    roads = to_working(catalog.read_layer("roads", store=store))
    i = roads.index[roads["id"] == "road.liaolin"][0]
    roads.loc[i, "geometry"] = affinity.translate(roads.loc[i, "geometry"], 2000, 0)
    src = tmp_path / "道路.gpkg"
    roads[["id", "name_zh", "geometry"]].to_crs(settings.storage_crs).to_file(src)
    catalog.import_layer("roads", src, store=store, provenance="authoritative")
    killed = _dcf(["layers", "rederive"], {"DCF_TEST_FAIL_AFTER": "rederive:1", "DCF_STORE": str(store)})
    assert killed.returncode == 70, killed.stderr
    left = rederive.unfinished(store)
    assert left is not None and len(left["done"]) == 1
    found = doctor.diagnose(store)
    assert [f["kind"] for f in found["findings"]] == ["rederive_unfinished"]
    fixed = doctor.repair(store)
    assert fixed["remaining"] == [] and rederive.unfinished(store) is None
    assert all(e["status"] != "written" for e in rederive.rederive_zones(store=store)["layers"])


def test_two_restores_in_one_second_keep_both_replaced_stores(store, tmp_path, monkeypatch):
    """Each restore keeps the store it replaces (``layers restore`` in README): named by the second, a second restore
    within that second wrote its kept copy over the first one's — the store the first restore replaced was gone."""
    import datetime as dt

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2026, 12, 7, 23, 0, 0)

    monkeypatch.setattr(doctor._dt, "datetime", Frozen)
    backup = tmp_path / "备份.gpkg"
    doctor.backup(backup, store=store)
    before = store.read_bytes()
    first = doctor.restore(backup, store=store)["kept"]
    _damage(store, "truncated")
    damaged = store.read_bytes()
    second = doctor.restore(backup, store=store)["kept"]
    assert first != second
    assert Path(first).read_bytes() == before and Path(second).read_bytes() == damaged
