"""``dcf serve --workers N``: one register writer for the whole desk (issue 12, "Speed").

A secondary process hands its recorded checks to the primary (:func:`record.forward_records`), whose
group commit writes them (:func:`record.write_forwarded`); the secondary answers with the ids the
primary returned, or with an error — never an id it made up. The primary notes each commit that wrote
only register tables, so the other processes keep their layers' content stamp across it
(:func:`gpkg.share_register_commits`), and anything else written to the store breaks that chain.
The whole path with real processes is in ``test_desk_workers.py``.
"""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
import shapely

import dcf_spatial as dcf
from dcf_spatial import settings
from dcf_spatial.errors import StoreChangedError, StoreError
from dcf_spatial.register import record as rec
from dcf_spatial.register.history import entries
from dcf_spatial.register.versions import layer_keys, layer_versions
from dcf_spatial.store.backends import gpkg
from dcf_spatial.store.locate import resolve_store, writable_location

from _stores import STORE_KINDS, checkout_copy

#: 郑家镇工业集聚区, where 轴承 (C3451) fits (第八章第一节)
SITE = "115.75,36.455"


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    return checkout_copy(request, tmp_path)


@pytest.fixture
def forwarding():
    """Sets this process's forwarder for one test (a secondary's role), and clears it after."""
    yield rec.forward_records
    rec.forward_records(None)


def _jobs(store, projects, expected=None):
    answer = dcf.check_site(SITE, "轴承", store=store)
    point = shapely.Point(115.75, 36.455)
    rerun = rec.rerun_input([point], "轴承", {}, {})
    keys = layer_keys(store) if expected is None else expected
    return [rec._Job(answer.results, [rerun], [point], p, None, "", keys) for p in projects]


def test_the_writer_writes_a_handed_over_group_in_one_commit_and_answers_its_ids(store):
    location = writable_location(resolve_store(store))
    payload = rec.encode_jobs(location, _jobs(store, ["甲", "乙"]))
    answer = json.loads(rec.write_forwarded(store, payload))
    ids = [o["ids"] for o in answer["outcomes"]]
    assert [len(i) for i in ids] == [1, 1] and ids[0] != ids[1]
    kept = entries(store=store).set_index("id")
    assert kept.loc[ids[0][0], "project"] == "甲" and kept.loc[ids[1][0], "project"] == "乙"
    # the site travels as WKB: the same geometry as a record written in the process itself
    assert shapely.equals_exact(kept.loc[ids[0][0], "geometry"], shapely.Point(115.75, 36.455), 0)
    assert json.loads(kept.loc[ids[0][0], "rerun"])["industry"] == "轴承"


def test_a_handed_over_record_whose_layers_changed_is_refused_and_the_rest_kept(store):
    """The layer-version check stays the writer's: the keys the secondary took before its check are
    compared with the catalog the writer reads under its lock (a replaced layer → StoreChangedError)."""
    location = writable_location(resolve_store(store))
    now = layer_keys(store)
    stale = {k: v[:2] + ("旧版本",) + v[3:] for k, v in now.items()}
    jobs = _jobs(store, ["过期"], expected=stale) + _jobs(store, ["保留"])
    answer = json.loads(rec.write_forwarded(store, rec.encode_jobs(location, jobs)))
    bad, good = answer["outcomes"]
    assert bad["error"]["type"] == "StoreChangedError" and bad["error"]["argument"] == "store"
    assert "未记入核查登记" in bad["error"]["message"]
    assert list(entries(store=store)["project"]) == ["保留"] and good["ids"]


def test_the_writer_refuses_a_group_for_another_store(store, tmp_path):
    other = tmp_path / "other.gpkg"
    payload = rec.encode_jobs(other, _jobs(store, ["别处"]))
    (out,) = json.loads(rec.write_forwarded(store, payload))["outcomes"]
    assert "图层库不一致" in out["error"]["message"]
    assert entries(store=store).empty


def test_a_secondary_answers_the_ids_and_errors_the_writer_returned(tmp_path, forwarding):
    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    sent = []

    def writer(payload):
        sent.append(json.loads(payload))
        return json.dumps({"outcomes": [{"ids": [41]}]}).encode()

    forwarding(writer)
    answer = dcf.check_site(SITE, "轴承", store=path, record="转交")
    assert answer.register_ids == [41]
    (job,) = sent[0]["jobs"]
    assert [r["project"] for r in job["rows"]] == ["转交"] and job["expected"] and sent[0]["location"] == str(path)
    assert entries(store=path).empty   # written by the writer, not here

    forwarding(lambda payload: json.dumps({"outcomes": [{"error": {
        "type": "StoreChangedError", "message": "核查期间图层库被他人修改", "argument": "store"}}]}).encode())
    with pytest.raises(StoreChangedError) as err:   # still the desk's 409
        dcf.check_site(SITE, "轴承", store=path, record="转交")
    assert err.value.argument == "store"


@pytest.mark.parametrize("failure", ["gone", "garbled", "short"])
def test_a_writer_that_fails_to_answer_gives_an_error_never_an_id(tmp_path, forwarding, failure):
    """The primary killed mid-write (the socket closed), an answer that is not the protocol's, or one
    answer short: every waiting check fails saying the record's fate is unknown."""
    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)

    def writer(payload):
        if failure == "gone":
            raise ConnectionResetError("primary closed the socket")
        return b"<html>" if failure == "garbled" else json.dumps({"outcomes": []}).encode()

    forwarding(writer)
    with pytest.raises(rec.ForwardError) as err:
        dcf.check_site(SITE, "轴承", store=path, record="无主")
    assert isinstance(err.value, StoreError) and err.value.argument == "store"
    assert "无法确定" in str(err.value)
    assert entries(store=path).empty


def test_a_secondary_keeps_its_layers_stamp_across_the_writers_register_commits(tmp_path, monkeypatch):
    """The primary's register-only commits are noted; a process that read the stamp before them keeps
    it without opening the store. A write to anything else (a catalog row changed in place, by another
    writer) breaks the chain: the stamp is read again and differs."""
    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    monkeypatch.setattr(gpkg, "_COMMIT_LOG", {"path": str(tmp_path / "register-commits"), "offset": 0, "next": {}})
    stamp = gpkg.content_stamp(path)
    then = gpkg._STAMPS[str(path)][0]
    for name in ("第一次", "第二次"):
        dcf.check_site(SITE, "轴承", store=path, record=name)   # two commits, each noted
    assert (tmp_path / "register-commits").stat().st_size == 2 * gpkg._ENTRY.size
    assert gpkg._register_only_since(then, gpkg.file_state(path))
    reads = []
    real = gpkg._stamp_connection
    monkeypatch.setattr(gpkg, "_stamp_connection", lambda p, ino: (reads.append(p), real(p, ino))[1])
    gpkg._STAMPS[str(path)] = (then, stamp)   # as a secondary that read the stamp before those commits
    assert gpkg.content_stamp(path) == stamp and reads == []
    with sqlite3.connect(path) as con:   # another writer, not noted: a layer's catalog row changed
        con.execute("UPDATE dcf_catalog SET updated_at = updated_at || 'x' WHERE id='industrial_clusters'")
    assert not gpkg._register_only_since(then, gpkg.file_state(path))
    assert gpkg.content_stamp(path) != stamp and len(reads) == 1


def test_without_the_shared_log_no_commit_is_taken_as_register_only(tmp_path, monkeypatch):
    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    monkeypatch.setattr(gpkg, "_COMMIT_LOG", {"path": None, "offset": 0, "next": {}})
    gpkg.content_stamp(path)
    then = gpkg._STAMPS[str(path)][0]
    dcf.check_site(SITE, "轴承", store=path, record="甲")
    assert not gpkg._register_only_since(then, gpkg.file_state(path))


def test_a_postgis_secondary_writes_its_records_itself(store, forwarding):
    """PostGIS: nothing in a process is keyed on the database's state, so a secondary commits its own
    records (under the register's advisory lock) instead of paying the hop to the primary."""
    if not str(store).startswith("postgresql"):
        pytest.skip("PostGIS only")
    sent = []
    forwarding(lambda payload: sent.append(payload))
    answer = dcf.check_site(SITE, "轴承", store=store, record="自己写")
    assert sent == [] and list(entries(store=store).set_index("id").loc[answer.register_ids, "project"]) == ["自己写"]


def test_a_secondary_that_sees_a_commit_not_yet_noted_waits_for_its_note(tmp_path, monkeypatch):
    """The writer holds the commit window from its COMMIT until the note; a secondary that looks in
    between finds the log silent, waits for the window (instead of reading the store, where SQLite's
    busy handler slept up to 100 ms while the writer committed again) and then keeps its stamp."""
    import threading

    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    monkeypatch.setattr(gpkg, "_COMMIT_LOG", {"path": str(tmp_path / "register-commits"), "offset": 0, "next": {}})
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE dcf_register_probe (x)")
    stamp = gpkg.content_stamp(path)
    then = gpkg._STAMPS[str(path)][0]
    committed, first_look_done = threading.Event(), threading.Event()

    def writer():   # the primary: one register-only commit, noted only once the secondary has looked
        with gpkg.register_commit_window():
            before = gpkg.file_state(path)
            with sqlite3.connect(path) as con:
                con.execute("INSERT INTO dcf_register_probe VALUES (1)")
            committed.set()
            first_look_done.wait()
            gpkg.note_register_commit(path, before, gpkg.file_state(path))

    real_follow = gpkg._follow
    looks = []

    def follow(log, a, b):
        looks.append(real_follow(log, a, b))
        first_look_done.set()
        return looks[-1]

    monkeypatch.setattr(gpkg, "_follow", follow)
    t = threading.Thread(target=writer)
    t.start()
    committed.wait()
    reached = gpkg._register_only_since(then, gpkg.file_state(path), path)
    t.join()
    assert looks == [False, True]   # the log was silent at first; after the window, the note explains it
    assert reached == gpkg.file_state(path)
    reads = []
    real = gpkg._stamp_connection
    monkeypatch.setattr(gpkg, "_stamp_connection", lambda p, ino: (reads.append(p), real(p, ino))[1])
    assert gpkg.content_stamp(path) == stamp and reads == []


def test_register_rows_encode_the_answer_as_json_reads_it_back(tmp_path):
    """orjson writes the register's JSON: the same values as ``json`` of :func:`record._plain` (numpy
    scalars unwrapped, tuples as lists, pandas NA as null, other objects as their text), keys sorted."""
    import datetime

    import numpy as np
    import pandas as pd

    value = {"b": np.int64(2), "a": (1, None), "na": pd.NA, "nat": pd.NaT, "d": datetime.date(2026, 1, 2),
             "f": np.float32(1.5), "t": np.bool_(True), "z": "郑家镇", "nested": [{"y": 1, "x": np.float64(2.5)}]}
    text = rec.dumps(value)
    assert json.loads(text) == json.loads(json.dumps(rec._plain(value), ensure_ascii=False))
    assert list(json.loads(text)) == sorted(value) and "郑家镇" in text
    # what orjson refuses (a key that is not text) takes the json path, as before
    assert json.loads(rec.dumps({1: "a"})) == {"1": "a"}
    answer = dcf.check_site(SITE, "轴承")
    assert json.loads(rec.dumps(answer.results[0])) == json.loads(json.dumps(rec._plain(answer.results[0]), ensure_ascii=False))


def test_a_database_catalog_is_read_once_per_check_and_anew_for_the_register_write(store, monkeypatch):
    """PostGIS: a recorded check reads the catalog once for the versions it starts from and its layers'
    cache key (:func:`one_catalog_read`); the register write reads it again (a layer replaced during
    the check must still be caught: StoreChangedError)."""
    if not str(store).startswith("postgresql"):
        pytest.skip("PostGIS only")
    from dcf_spatial.store import catalog
    from dcf_spatial.store.backends import postgis

    from dcf_spatial.store.backends import catalog_watch

    # the reads of a process that does not keep the catalog between changes (a desk does: test_catalog_watch)
    monkeypatch.setitem(catalog_watch._ENABLED, "on", False)
    st = catalog.open_store(str(store))
    from test_catalog_watch import _reads   # this thread's catalog reads (not a watch thread left by another test)

    reads = _reads(monkeypatch)
    with postgis.one_catalog_read():
        first = st.catalog_dicts()
        assert st.catalog_dicts() is first and len(reads) == 1
        with postgis.fresh_catalog_reads():
            st.catalog_dicts()
        assert len(reads) == 2
    st.catalog_dicts()
    assert len(reads) == 3   # outside a check: every call reads
    # the layers loaded (a first load also checks, with one more read, that the store did not move while they were
    # read) and their versions hashed (each read between two looks at its catalog row: register/versions.py)
    dcf.check_site(SITE, "轴承", store=store)
    layer_versions(store)
    reads.clear()
    dcf.check_site(SITE, "轴承", store=store, record="一次读")
    assert len(reads) == 2   # once for the check (versions and cache key), once by the register write
    # a layer replaced between the check's read and the write: refused, not recorded
    expected = layer_keys(store)
    stale = {k: (v[0], "old-version", *v[2:]) for k, v in expected.items()}
    location = writable_location(resolve_store(store))
    answer = json.loads(rec.write_forwarded(store, rec.encode_jobs(location, _jobs(store, ["旧"], expected=stale))))
    assert answer["outcomes"][0]["error"]["type"] == "StoreChangedError"


def test_a_secondary_hands_over_a_second_group_while_the_first_waits_and_never_a_third(tmp_path, forwarding):
    """A secondary's rows queued while its first group waits for the primary's commit are handed over
    at once (they join the primary's next group) instead of after that answer; a third group waits for
    one of the two. Every check gets the id the writer answered for its own row, and none is lost."""
    import threading
    import time

    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    entered, release, lock = [], threading.Event(), threading.Lock()
    in_flight = [0, 0]   # now, most at once
    given = {}           # project → the id the writer answered for it

    def writer(payload):   # the primary, in another process: holds each commit until the test lets it go
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
            entered.append(json.loads(payload))
            group = len(entered)
        try:
            release.wait(120)
            outcomes = []
            for k, job in enumerate(entered[group - 1]["jobs"]):
                given[job["rows"][0]["project"]] = 100 * group + k
                outcomes.append({"ids": [100 * group + k]})
            return json.dumps({"outcomes": outcomes}).encode()
        finally:
            with lock:
                in_flight[0] -= 1

    forwarding(writer)

    def until(cond, what):
        deadline = time.monotonic() + 60
        while not cond():
            assert time.monotonic() < deadline, what
            time.sleep(0.01)

    queued = []
    for i in range(5):
        with rec.deferred_records() as pending:
            answer = dcf.check_site(SITE, "轴承", area_mu=20 + i, store=path, record=f"转交{i}")
        queued.append((answer, pending))
        if i < 2:   # the first two each go at once: two groups in flight
            until(lambda: len(entered) == i + 1, f"group {i + 1} handed over")
    time.sleep(0.2)
    assert len(entered) == 2 and in_flight[0] == 2   # the other three wait for one of the two
    assert not any(job.done for _, p in queued for job in p.jobs)
    release.set()
    for _, pending in queued:
        pending.wait()
    assert in_flight[1] == 2 and [len(g["jobs"]) for g in entered] == [1, 1, 3]   # the three went over together
    assert [a.register_ids for a, _ in queued] == [[given[f"转交{i}"]] for i in range(5)]
    assert sorted(given) == [f"转交{i}" for i in range(5)]


def test_a_check_follows_noted_commits_without_waiting_for_the_store_the_writer_holds(tmp_path, monkeypatch):
    """A check finds its layers' stamp across noted register commits without the store's file lock,
    which the register writer holds for a whole group (its fsync included): under that lock a desk's
    checks queued behind every group being written, and behind each other."""
    import threading

    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    monkeypatch.setattr(gpkg, "_COMMIT_LOG", {"path": str(tmp_path / "register-commits"), "offset": 0, "next": {}})
    stamp = gpkg.content_stamp(path)
    then = gpkg._STAMPS[str(path)][0]
    dcf.check_site(SITE, "轴承", store=path, record="写入中")   # one noted register commit
    gpkg._STAMPS[str(path)] = (then, stamp)   # as a process that read the stamp before it
    got = []
    with gpkg.file_lock(path):   # the writer (another thread) holds the store
        reader = threading.Thread(target=lambda: got.append(gpkg.content_stamp(path)), daemon=True)
        reader.start()
        reader.join(60)   # synchronisation: under the old lock it could only end after the release
        finished = not reader.is_alive()
    reader.join()
    assert finished and got == [stamp]
    assert gpkg._STAMPS[str(path)][0] == gpkg.file_state(path)   # the state reached is kept


def test_a_handed_over_site_travels_as_the_blob_the_writer_inserts(tmp_path):
    """The worker makes the site's GeoPackage blob (header, envelope, WKB); the writer copies it."""
    from dcf_spatial.register import tables

    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    location = writable_location(resolve_store(path))
    (row,) = json.loads(rec.encode_jobs(location, _jobs(path, ["甲"])))["jobs"][0]["rows"]
    assert row["geometry"] is None
    assert bytes.fromhex(row["gpkg_blob"]) == tables.gpkg_blob(shapely.Point(115.75, 36.455))
