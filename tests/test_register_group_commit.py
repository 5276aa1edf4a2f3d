"""The register under concurrent recorded checks (issue 12, "Speed"): group commit, the quick path's
records, and the GeoPackage content stamp that keeps the layers cached across register writes.

Checks are recorded in a copy of the default store (GeoPackage) and, when ``DCF_TEST_PG_URL`` is set,
in a fresh PostGIS schema.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
import time

import pytest
import shapely

import dcf_spatial as dcf
from dcf_spatial import settings
from dcf_spatial.register import record as rec
from dcf_spatial.register import tables

from _stores import STORE_KINDS, checkout_copy

#: 郑家镇工业集聚区, where 轴承 (C3451) fits (第八章第一节)
SITE = "115.75,36.455"


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    return checkout_copy(request, tmp_path)


def _wait_until(predicate, what: str, limit_s: float = 120.0) -> None:
    """Synchronisation, not a timed assertion: give up only when the state never comes."""
    deadline = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"never reached: {what}")
        time.sleep(0.01)


def _hold_first_write(monkeypatch):
    """Hold the register's first group write (``tables.write_records``) until the returned event is set, so
    the checks recorded meanwhile queue behind it; ``calls`` gets an entry as each group write starts."""
    calls, may_go = [], threading.Event()
    real = tables.write_records

    def held_first(st, build):
        calls.append(None)
        if len(calls) == 1:
            may_go.wait(120)
        return real(st, build)

    monkeypatch.setattr(tables, "write_records", held_first)
    return calls, may_go


def test_records_waiting_for_a_write_are_committed_together_and_none_is_lost(store, monkeypatch):
    """While one write is in progress, the checks recorded meanwhile wait and go in one transaction."""
    n = 8
    calls, first_may_go = _hold_first_write(monkeypatch)
    answers, errors = {}, []

    def check(i):
        try:
            answers[i] = dcf.check_site(SITE, "轴承", area_mu=20 + i, store=store, record=f"并发项目{i}")
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    first = threading.Thread(target=check, args=(0,))
    first.start()
    _wait_until(lambda: len(calls) == 1, "the first write started")
    others = [threading.Thread(target=check, args=(i,)) for i in range(1, n)]
    for t in others:
        t.start()
    from dcf_spatial.store.locate import resolve_store, writable_location

    location = str(writable_location(resolve_store(store)))
    _wait_until(lambda: len(rec._COMMITTERS[location].pending) == n - 1, "every other check waiting")
    first_may_go.set()
    for t in [first, *others]:
        t.join(300)
    assert not errors, errors
    assert len(calls) == 2   # the first alone, then the seven that waited, together
    ids = {i: a.register_ids for i, a in answers.items()}
    assert all(len(v) == 1 for v in ids.values())
    assert len({v[0] for v in ids.values()}) == n
    from dcf_spatial.register.history import entries

    kept = entries(store=store)
    by_id = dict(zip(kept["id"].astype(int), kept["project"]))
    for i, v in ids.items():   # each answer's id is its own project's row
        assert by_id[v[0]] == f"并发项目{i}"


def test_a_stale_record_fails_alone_in_its_group(store):
    """A check whose layers were replaced before its write is refused (InputError, nothing written);
    the records committed with it are kept."""
    from dcf_spatial.errors import InputError
    from dcf_spatial.register.versions import layer_keys
    from dcf_spatial.store.locate import resolve_store

    answer = dcf.check_site(SITE, "轴承", store=store)
    point = shapely.Point(115.75, 36.455)
    rerun = rec.rerun_input([point], "轴承", {}, {})
    now = layer_keys(store)
    stale = {k: v[:2] + ("旧版本",) + v[3:] for k, v in now.items()}
    good = rec._Job(answer.results, [rerun], [point], "保留的项目", None, "", now)
    bad = rec._Job(answer.results, [rerun], [point], "过期的项目", None, "", stale)
    rec._write_group(resolve_store(store), [bad, good])
    assert bad.done and good.done
    assert isinstance(bad.error, InputError) and "未记入核查登记" in str(bad.error)
    assert good.error is None and len(good.ids) == 1
    from dcf_spatial.register.history import entries

    kept = entries(store=store)
    assert list(kept["project"]) == ["保留的项目"]


def test_a_typed_lonlat_is_recorded_as_the_full_reader_would(store, monkeypatch):
    """The quick path (a typed "lon,lat") records the same row as the full reader: the same site
    geometry, inputs and answer."""
    from dcf_spatial.queries.site import quick
    from dcf_spatial.register.history import entries

    fast = dcf.check_site(SITE, "轴承", area_mu=50, store=store, record="甲")
    monkeypatch.setattr(quick, "quick_site", lambda *a, **k: None)   # every site through the full reader
    full = dcf.check_site(SITE, "轴承", area_mu=50, store=store, record="甲")
    assert fast.to_dict() == full.to_dict()
    rows = entries(store=store).set_index("id")
    a, b = rows.loc[fast.register_ids[0]], rows.loc[full.register_ids[0]]
    assert shapely.to_wkb(a["geometry"]) == shapely.to_wkb(b["geometry"])
    for col in ("project", "industry", "industry_code", "verdict", "zones", "layers", "files"):
        assert a[col] == b[col], col
    assert json.loads(a["result"]) == json.loads(b["result"])
    assert json.loads(a["rerun"]) == json.loads(b["rerun"])


def test_gpkg_content_stamp_sees_an_in_place_write_that_keeps_mtime_and_size(tmp_path):
    """A layer's catalog row changed in place, with the file's mtime and size put back as they were:
    SQLite's change counter still tells the stamp to read the catalog again."""
    from dcf_spatial.store.backends.gpkg import content_stamp

    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    old = time.time_ns() - 3_600 * 10**9
    os.utime(path, ns=(old, old))
    before = content_stamp(path)
    size = path.stat().st_size
    with sqlite3.connect(path) as con:   # same length text: the file keeps its size
        (value,) = con.execute("SELECT updated_at FROM dcf_catalog WHERE id='industrial_clusters'").fetchone()
        changed = value[:-1] + ("0" if value[-1] != "0" else "1")
        con.execute("UPDATE dcf_catalog SET updated_at=? WHERE id='industrial_clusters'", (changed,))
    os.utime(path, ns=(old, old))
    assert path.stat().st_size == size
    assert content_stamp(path) != before


def test_a_register_write_keeps_the_layers_stamp_and_a_layer_write_does_not(tmp_path, monkeypatch):
    """After a recorded check the next check finds its layers unchanged without opening the store; an
    import (a new file) is seen."""
    from dcf_spatial.store.backends import gpkg

    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    dcf.check_site(SITE, "轴承", store=path, record="第一次")
    stamp = gpkg.content_stamp(path)
    opened = []
    real, kept = gpkg._reading, gpkg._stamp_connection
    monkeypatch.setattr(gpkg, "_reading", lambda p: (opened.append(p), real(p))[1])
    monkeypatch.setattr(gpkg, "_stamp_connection", lambda p, ino: (opened.append(p), kept(p, ino))[1])
    dcf.check_site(SITE, "轴承", store=path, record="第二次")
    assert gpkg.content_stamp(path) == stamp
    assert opened == []
    gdf = dcf.layer("industrial_clusters", store=path)
    f = tmp_path / "clusters.gpkg"
    gdf.drop(columns=["provenance", "source"]).assign(name_zh=gdf["name_zh"] + "（改）").to_file(f, driver="GPKG")
    dcf.Store(path).import_layer("industrial_clusters", f, provenance="authoritative")
    assert gpkg.content_stamp(path) != stamp


def test_the_desk_records_every_concurrent_check_once(tmp_path):
    """Twelve checks posted at once to a recording desk: each answer carries its own register id, and
    the register holds exactly those twelve, each with its answer's verdict."""
    import httpx

    from dcf_spatial.register.history import entries

    from _desk_server import running_desk

    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    bodies = [{"site": f"{115.70 + 0.01 * i:.2f},36.45", "industry": "轴承", "project": f"窗口{i}"} for i in range(12)]
    out = [None] * len(bodies)
    with running_desk(path, record=True) as url:
        def post(i):
            out[i] = httpx.post(url + "/api/site-check", json=bodies[i], timeout=300)

        threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
    assert all(r is not None and r.status_code == 200 for r in out), [r and r.text[:200] for r in out]
    ids = [r.json()["register_id"] for r in out]
    assert len(set(ids)) == len(bodies)
    kept = entries(store=path).set_index("id")
    assert sorted(kept.index) == sorted(ids)
    for body, r in zip(bodies, out):
        row = kept.loc[r.json()["register_id"]]
        assert row["project"] == body["project"] and row["verdict"] == r.json()["verdict"]


def test_a_register_write_keeps_its_sqlite_lock_until_it_commits(tmp_path):
    """SQLite's locks are POSIX locks of the process: closing ANY handle on the file drops them (SQLite's
    "How To Corrupt" §2.2). A register write reads the file's state and the layers it records; if any of
    that opened and closed a handle inside its transaction, another process could write at the same
    time. While the transaction is open, a second process must find the store locked."""
    import subprocess
    import sys

    from dcf_spatial.store.backends.gpkg import content_stamp

    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    dcf.check_site(SITE, "轴承", store=path, record=True)  # the register's tables exist
    probe = ("import sqlite3, sys\n"
             "c = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)\n"
             "try:\n    c.execute('BEGIN IMMEDIATE'); print('got')\n"
             "except sqlite3.OperationalError:\n    print('locked')\n")
    from dcf_spatial.store import catalog

    st = catalog._require_store(path)

    def prepare(con):   # what a record reads before its transaction: the store's stamp and a layer (GDAL)
        content_stamp(path)
        return len(catalog.read_layer("industrial_clusters", store=path))

    with tables._gpkg_write(st, prepare=prepare) as (con, n):
        assert n == 4
        con.execute(f"UPDATE {tables.REGISTER_TABLE} SET project = project WHERE id = 1")
        seen = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True).stdout.strip()
    assert seen == "locked"


def test_deferred_records_are_queued_at_once_and_answered_only_once_committed(store, monkeypatch):
    """The desk's way (register.record.deferred_records): a check only queues its rows and returns at
    once; the ids come once the writer thread committed them, every check queued while a write was
    under way goes into the next group, each id is its own check's row, and nothing is lost."""
    n = 6
    calls, first_may_go = _hold_first_write(monkeypatch)
    queued = []
    for i in range(n):   # one thread queues them all: it never waits for a commit
        with rec.deferred_records() as pending:
            answer = dcf.check_site(SITE, "轴承", area_mu=20 + i, store=store, record=f"排队项目{i}")
        queued.append((answer, pending))
        if i == 0:
            _wait_until(lambda: len(calls) == 1, "the first write started")
    assert all(a.register_ids == [] for a, _ in queued[1:])   # not committed yet: no id handed out
    assert not any(job.done for _, p in queued[1:] for job in p.jobs)
    first_may_go.set()
    for _, pending in queued:
        pending.wait()
    assert len(calls) == 2   # the first alone, then the five queued meanwhile, together
    ids = [a.register_ids for a, _ in queued]
    assert all(len(v) == 1 for v in ids) and len({v[0] for v in ids}) == n
    from dcf_spatial.register.history import entries

    by_id = dict(zip(entries(store=store)["id"].astype(int), entries(store=store)["project"]))
    assert [by_id[v[0]] for v in ids] == [f"排队项目{i}" for i in range(n)]


def test_a_deferred_record_refused_raises_when_waited_for(store):
    """A queued check whose layers were replaced before its write: wait() raises the StoreChangedError
    (the desk's 409), no id is handed out, nothing is written."""
    from dcf_spatial.errors import StoreChangedError
    from dcf_spatial.register.history import entries
    from dcf_spatial.register.versions import layer_keys

    real = layer_keys

    def stale(st):
        return {k: v[:2] + ("旧版本",) + v[3:] for k, v in real(st).items()}

    import unittest.mock

    with unittest.mock.patch("dcf_spatial.register.versions.layer_keys", stale):
        with rec.deferred_records() as pending:
            answer = dcf.check_site(SITE, "轴承", store=store, record="过期的项目")
    with pytest.raises(StoreChangedError):
        pending.wait()
    assert answer.register_ids == []
    assert "过期的项目" not in set(entries(store=store)["project"])


def test_a_groups_answers_reach_the_event_loop_in_one_hand_over(store, monkeypatch):
    """The desk's event loop waits for its checks' commits (deferred_records.done): the writer hands
    every callback of one group to that loop at once — one call_soon_threadsafe, not one per check
    (each wrote to the loop's wake-up socket and gave the GIL away) — and only once they are committed."""
    import asyncio

    calls, may_go = _hold_first_write(monkeypatch)
    loop = asyncio.new_event_loop()
    handed = []
    to_loop = loop.call_soon_threadsafe
    loop.call_soon_threadsafe = lambda *a: (handed.append(a), to_loop(*a))[1]
    try:
        waits = []
        for i in range(5):
            with rec.deferred_records() as pending:
                answer = dcf.check_site(SITE, "轴承", area_mu=20 + i, store=store, record=f"一次交回{i}")
            waits.append((answer, pending.done(loop)))
            if i == 0:
                _wait_until(lambda: len(calls) == 1, "the first write started")
        assert handed == [] and not any(f.done() for _, f in waits)   # nothing committed yet
        may_go.set()
        loop.run_until_complete(asyncio.gather(*(f for _, f in waits)))
    finally:
        loop.close()
    assert len(calls) == 2 and len(handed) == 2   # the first group's check, then the four of the second
    assert len({a.register_ids[0] for a, _ in waits}) == 5


def test_checks_queued_before_the_writer_thread_starts_wake_it_once(store, monkeypatch):
    """The writer thread is handed one drain however many checks queue before it starts (a hand-over
    and a thread woken per check cost a context switch each); that drain writes them in one group."""

    class Held:   # the writer thread, started by the test
        def __init__(self):
            self.drains = []

        def submit(self, fn):
            self.drains.append(fn)

    held = Held()
    monkeypatch.setattr(rec, "_writer_thread", lambda: held)
    writes = []
    real = tables.write_records
    monkeypatch.setattr(tables, "write_records", lambda st, build: (writes.append(None), real(st, build))[1])
    queued = []
    for i in range(3):
        with rec.deferred_records() as pending:
            answer = dcf.check_site(SITE, "轴承", area_mu=20 + i, store=store, record=f"一次唤醒{i}")
        queued.append((answer, pending))
    assert len(held.drains) == 1 and writes == []
    held.drains[0]()   # the writer thread runs
    for _, pending in queued:
        pending.wait()
    assert len(writes) == 1 and len(held.drains) == 1
    assert len({a.register_ids[0] for a, _ in queued}) == 3


def _gpkg_copy(tmp_path):
    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    return path


def test_a_group_on_the_kept_connection_knows_the_kept_versions_and_anything_else_makes_it_read_them(
        tmp_path, monkeypatch):
    """The versions the register keeps are read once per writer connection: the next group of the same
    connection, with nothing else written since, knows them from its own commit; a write by anyone else
    makes it read them again. Every row still names its versions, and each version is kept once."""
    path = _gpkg_copy(tmp_path)
    dcf.check_site(SITE, "轴承", store=path, record="第一组")   # reads the kept versions, writes them
    reads = []
    real = tables._kept
    monkeypatch.setattr(tables, "_kept", lambda con, sql: (reads.append(sql), real(con, sql))[1])
    dcf.check_site(SITE, "轴承", store=path, record="第二组")
    assert reads == []
    with sqlite3.connect(path) as con:   # another writer: any change the register did not make
        con.execute("CREATE TABLE other_writer (x)")
    dcf.check_site(SITE, "轴承", store=path, record="第三组")
    assert len(reads) == 2
    with sqlite3.connect(path) as con:
        layers = con.execute("SELECT layer_id, sha256 FROM dcf_register_layers").fetchall()
        files = con.execute("SELECT name, sha256 FROM dcf_register_files").fetchall()
        rows = con.execute("SELECT project, layers, files FROM dcf_register ORDER BY id").fetchall()
    assert len(layers) == len(set(layers)) and len(files) == len(set(files))
    assert [r[0] for r in rows] == ["第一组", "第二组", "第三组"]
    named = {(lid, sha) for r in rows for lid, sha in json.loads(r[1]).items()}
    assert named <= set(layers) and {(n, s) for r in rows for n, s in json.loads(r[2]).items()} <= set(files)


def test_a_layer_changed_after_a_group_is_refused_in_the_next(tmp_path):
    """The layer versions a group compares its checks with are kept for the next group only while the
    store's content stamp is the same: a layer's catalog row changed in between (by another writer, in
    place) refuses a check that read the layers before it (StoreChangedError), as without the cache."""
    from dcf_spatial.errors import StoreChangedError
    from dcf_spatial.register.versions import layer_keys
    from dcf_spatial.store.locate import resolve_store, writable_location

    path = _gpkg_copy(tmp_path)
    dcf.check_site(SITE, "轴承", store=path, record="之前")   # a group: its layer versions kept
    before = layer_keys(path)
    assert "industrial_clusters" in before
    with sqlite3.connect(path) as con:
        con.execute("UPDATE dcf_catalog SET updated_at = updated_at || 'x' WHERE id='industrial_clusters'")
    answer = dcf.check_site(SITE, "轴承", store=path)
    point = shapely.Point(115.75, 36.455)
    job = rec._Job(answer.results, [rec.rerun_input([point], "轴承", {}, {})], [point], "之后", None, "", before)
    with pytest.raises(StoreChangedError):
        rec._committer(writable_location(resolve_store(path))).submit(job)
    assert job.ids is None
