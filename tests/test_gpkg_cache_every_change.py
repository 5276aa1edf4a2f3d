"""The prepared site-check layers (in memory and in ~/.cache/dcf_spatial/context) follow every change of a
GeoPackage layer, whoever makes it (breaker 2026-12-07, F3, F4, F12, F2).

Each change here left the store's edit counts (``dcf_layer_edits``) and ``gpkg_contents.last_change`` as they
were, so a check after a first one answered from the copy prepared before the change: 符合 with a zone deleted,
a layer dropped or renamed. The rule every test holds the check to: a check after a change answers as a check
on the same file with no prepared copy at all (a new user's first run) — the caches may make it faster, never
different. README: a layer "missing from the store" gives 无法核查.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dcf_spatial.cli.main import cli
from dcf_spatial.store import doctor

from _desk_server import running_desk
from test_gpkg_outside_edits import CLUSTERS_ZH, EDITED, _copy, _note, _outside
from test_gpkg_outside_edits import disk_cache  # noqa: F401  (fixture)

#: the breaker's site: 50 亩 in 郑家镇工业集聚区 (轴承保持器智能制造产业园), 轴承 — 符合 on the shipped store
ZHENGJIA_SITE, BEARINGS = "115.75,36.455", "轴承"


def _answer(path) -> dict:
    res = CliRunner().invoke(cli, ["--store", str(path), "site", "check", "--site", ZHENGJIA_SITE, "--industry",
                                   BEARINGS, "--area-mu", "50", "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _said(answer: dict) -> tuple:
    """What the clerk reads: the verdict and the zones named."""
    return answer["verdict_zh"], sorted(z.get("name_zh") or "" for z in answer.get("zones") or [])


def _without_prepared_copies(path, tmp_path, monkeypatch) -> dict:
    """The answer of a first run: no prepared copy in memory or on disk."""
    from dcf_spatial.queries.site import context

    saved = dict(context._CONTEXT_CACHE)
    context._CONTEXT_CACHE.clear()
    monkeypatch.setenv("DCF_CACHE_DIR", str(tmp_path / "fresh-cache"))
    try:
        return _answer(path)
    finally:
        monkeypatch.setenv("DCF_CACHE_DIR", str(tmp_path / "cache"))
        context._CONTEXT_CACHE.clear()
        context._CONTEXT_CACHE.update(saved)


def _same_as_a_first_run(path, tmp_path, monkeypatch) -> dict:
    """A check after the change, in the same process and in a new shell (the copy on disk), each as a first run."""
    from dcf_spatial.queries.site import context

    cold = _said(_without_prepared_copies(path, tmp_path, monkeypatch))
    warm = _answer(path)
    assert _said(warm) == cold
    context._CONTEXT_CACHE.clear()                            # a new shell: the prepared copy on disk
    assert _said(_answer(path)) == cold
    return warm


TRIGGERS = [f"dcf_layer_edited_{op}__industrial_clusters" for op in ("insert", "update", "delete")]
DELETE_ZHENGJIA = "DELETE FROM industrial_clusters WHERE id = 'cluster.zhengjia';"


@pytest.mark.parametrize("lose_counts", [
    "DELETE FROM dcf_layer_edits;",
    "DROP TABLE dcf_layer_edits; CREATE TABLE dcf_layer_edits (table_name TEXT PRIMARY KEY, "
    "edits INTEGER NOT NULL DEFAULT 0, seen INTEGER NOT NULL DEFAULT 0, edited_at TEXT);"],
    ids=["rows-deleted", "table-recreated"])
def test_edits_after_the_counts_were_lost_are_seen_said_and_repaired(tmp_path, disk_cache, monkeypatch, lose_counts):
    """F3: with its counting row gone, a layer's triggers count nothing; the edit after it was never seen, and
    ``doctor --repair`` said 没有可自动修复的问题."""
    path = _copy(tmp_path)
    _outside(path, lose_counts)
    first = _answer(path)
    assert first["verdict"] == "fits" and "郑家镇工业集聚区" in _said(first)[1]
    _outside(path, DELETE_ZHENGJIA)
    after = _same_as_a_first_run(path, tmp_path, monkeypatch)
    assert "郑家镇工业集聚区" not in _said(after)[1]
    assert "计数行" in _note(after) and CLUSTERS_ZH in _note(after)   # its edits are not counted: said
    found = [f for f in doctor.diagnose(path)["findings"] if f["kind"] == "edits_unwatched"]
    assert found and found[0]["repairable"] and "industrial_clusters" in found[0]["problem_zh"]
    doctor.repair(path)
    findings = doctor.diagnose(path)["findings"]
    assert not [f for f in findings if f["kind"] == "edits_unwatched"]
    # what was written while nothing counted is unknown: the layer is marked, as a trigger back after a gap
    assert [f for f in findings if f["kind"] == "edited_outside" and CLUSTERS_ZH in f["problem_zh"]]
    assert EDITED in _note(_same_as_a_first_run(path, tmp_path, monkeypatch))


def test_triggers_dropped_and_made_again_around_an_edit_are_no_way_to_the_old_answer(tmp_path, disk_cache, monkeypatch):
    """F4: drop the triggers, delete a zone, make the triggers again (one transaction): no count moved."""
    import sqlite3

    path = _copy(tmp_path)
    assert _answer(path)["verdict"] == "fits"
    with sqlite3.connect(path) as con:
        made = [r[0] for r in con.execute("SELECT sql FROM sqlite_master WHERE type='trigger' AND name IN (?,?,?)",
                                          TRIGGERS)]
    assert len(made) == 3
    _outside(path, "BEGIN; " + " ".join(f"DROP TRIGGER {t};" for t in TRIGGERS) + DELETE_ZHENGJIA
             + " ".join(f"{sql};" for sql in made) + " COMMIT;")
    after = _same_as_a_first_run(path, tmp_path, monkeypatch)
    assert "郑家镇工业集聚区" not in _said(after)[1]


def _swapped(path) -> None:
    """The layer table renamed away and made again with the same rows, in sqlite3 (SQLite moves the table's
    triggers with it: dcf's triggers then count the old table's writes)."""
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as con:
        made = con.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name='industrial_clusters'").fetchone()[0]
    _outside(path, f"ALTER TABLE industrial_clusters RENAME TO industrial_clusters_old; {made}; "
                   "INSERT INTO industrial_clusters SELECT * FROM industrial_clusters_old;")


@pytest.mark.parametrize("change", ["swap", "no-op-triggers"])
def test_an_edit_after_the_triggers_went_elsewhere_or_do_nothing_is_seen(tmp_path, disk_cache, monkeypatch, change):
    """breaker2 N1: after the table was swapped (renamed away, made again) dcf's triggers, checked by name only,
    stayed on the old table; N2: triggers of the same names with a body that counts nothing. A zone deleted
    afterwards was answered from the prepared copy (符合 with the deleted zone)."""
    path = _copy(tmp_path)
    assert _answer(path)["verdict"] == "fits"
    if change == "swap":
        _swapped(path)
    else:
        _outside(path, " ".join(f"DROP TRIGGER {t}; CREATE TRIGGER {t} AFTER {t.split('_')[3].upper()} ON "
                                f"industrial_clusters BEGIN SELECT 1; END;" for t in TRIGGERS))
    assert "郑家镇工业集聚区" in _said(_answer(path))[1]          # same rows: still 符合
    _outside(path, DELETE_ZHENGJIA)
    after = _same_as_a_first_run(path, tmp_path, monkeypatch)
    assert "郑家镇工业集聚区" not in _said(after)[1]
    found = [f for f in doctor.diagnose(path)["findings"] if f["kind"] == "edits_unwatched"]
    assert found and "industrial_clusters" in found[0]["problem_zh"]
    doctor.repair(path)
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as con:
        on = {r[0] for r in con.execute("SELECT tbl_name FROM sqlite_master WHERE type='trigger' AND name IN (?,?,?)",
                                        TRIGGERS)}
    assert on == {"industrial_clusters"}


@pytest.mark.parametrize("change", ["DROP TABLE industrial_clusters;",
                                    "ALTER TABLE industrial_clusters RENAME TO ic_old;"], ids=["drop", "rename"])
def test_a_layer_table_dropped_or_renamed_in_sqlite3_is_missing_for_the_next_check(tmp_path, disk_cache, monkeypatch,
                                                                                   change):
    """F12: after a first check, ``sqlite3 store.gpkg "drop table industrial_clusters"``: the next check said
    符合 (in the same process and from the copy on disk)."""
    path = _copy(tmp_path)
    assert _answer(path)["verdict"] == "fits"
    _outside(path, change)
    after = _same_as_a_first_run(path, tmp_path, monkeypatch)
    assert after["verdict"] is None and after["verdict_zh"] == "无法核查"
    assert "industrial_clusters" in after["reasons"][0]["text_zh"]


def test_a_layers_srs_changed_in_the_geopackage_tables_is_read_again(tmp_path, disk_cache, monkeypatch):
    """F2 (GeoPackage): ``gpkg_geometry_columns.srs_id`` / ``gpkg_contents.srs_id`` of a zone layer set to 3857 by
    hand changes how every feature is read; the check after it answered from the copy read before."""
    import contextlib
    import sqlite3

    import pyproj

    path = _copy(tmp_path)
    assert _answer(path)["verdict"] == "fits"
    with contextlib.closing(sqlite3.connect(path)) as con, con:   # 3857 known to the file, as QGIS adds it
        con.execute("INSERT OR IGNORE INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, "
                    "definition) VALUES ('WGS 84 / Pseudo-Mercator', 3857, 'EPSG', 3857, ?)",
                    (pyproj.CRS.from_epsg(3857).to_wkt("WKT1_GDAL"),))
    _outside(path, "UPDATE gpkg_geometry_columns SET srs_id = 3857 WHERE table_name = 'industrial_clusters'; "
                   "UPDATE gpkg_contents SET srs_id = 3857 WHERE table_name = 'industrial_clusters';")
    after = _same_as_a_first_run(path, tmp_path, monkeypatch)
    assert after["verdict"] != "fits"   # the zones now read as metres near 0°, 0°: whatever is said, not the old 符合


def test_the_desk_sees_a_layer_dropped_and_counts_lost_while_it_runs(tmp_path):
    """F12 and F3 against a running desk: 符合 from the dropped layer, still after seconds."""
    import shutil

    import httpx

    path, other = _copy(tmp_path), tmp_path / "other.gpkg"
    shutil.copy(path, other)
    body = {"site": ZHENGJIA_SITE, "industry": BEARINGS, "area_mu": 50, "project": "工作台"}
    with running_desk(path, record=True) as url, httpx.Client(base_url=url, timeout=180) as client:
        assert client.post("/api/site-check", json=body).json()["verdict"] == "fits"
        _outside(path, "DROP TABLE industrial_clusters;")
        r = client.post("/api/site-check", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["verdict_zh"] == "无法核查" and "industrial_clusters" in r.json()["reasons"][0]["text_zh"]
    with running_desk(other, record=True) as url, httpx.Client(base_url=url, timeout=180) as client:
        assert client.post("/api/site-check", json=body).json()["verdict"] == "fits"
        _outside(other, "DELETE FROM dcf_layer_edits;")
        client.post("/api/site-check", json=body)            # a check between: the counts now found lost
        _outside(other, DELETE_ZHENGJIA)
        r = client.post("/api/site-check", json=body)
    assert r.status_code == 200, r.text
    assert "郑家镇工业集聚区" not in _said(r.json())[1]


def test_a_main_file_copied_over_a_running_desks_store_is_said_as_it_is_and_its_log_kept(tmp_path):
    """F9: ``cp old.gpkg store.gpkg`` while the desk runs (WAL mode, its recorded checks in ``-wal``). The desk called
    its own log "probably another store's … move it aside", and at stop 「数据完整…无需处理」 — the records were gone."""
    import os
    import shutil
    import sqlite3

    import dcf_spatial as dcf
    from dcf_spatial.errors import DcfError
    from dcf_spatial.store.backends import gpkg_wal

    path, old = _copy(tmp_path), tmp_path / "old.gpkg"
    shutil.copy(path, old)
    with sqlite3.connect(old) as con:   # an older file: another page layout
        con.execute("VACUUM")
    with gpkg_wal.desk_wal(path) as wal:
        for i in range(3):
            dcf.check_site(ZHENGJIA_SITE, BEARINGS, area_mu=50, store=path, record=f"登记{i}")
        shutil.copyfile(old, path)   # what cp does: the same file, other bytes
        with pytest.raises(DcfError) as said:
            dcf.check_site(ZHENGJIA_SITE, BEARINGS, area_mu=50, store=path, record="之后")
    text = str(said.value)
    assert "另一个图层库的日志" not in text and "主文件本身完好" not in text and "移到别的文件夹" not in text, text
    assert "被替换" in text and f"不要移走或删除 {path}-wal" in text
    stop = wal.messages[-1]
    assert "数据完整" not in stop and "无需处理" not in stop and "已恢复普通日志模式" not in stop, stop
    kept = [p for p in tmp_path.iterdir() if p.is_dir() and p.name.startswith(path.name + ".")]
    assert len(kept) == 1 and str(kept[0]) in stop
    assert os.path.getsize(kept[0] / f"{path.name}-wal") > 0   # the desk's log, whatever its connections do on closing
