"""`dcf layers push` is ONE change of the target store, for both store kinds.

A desk checking sites from the target while `dcf layers push --overwrite` runs must answer either from
the store as it was or from the store as pushed — never from the new industrial clusters with the old
functional parks (the plan's chapter 8 nests each park in its cluster; a check and its recorded
versions name one state of the store). A push killed part-way leaves the old set, and the next run
says what it found and numbers the versions as if the killed run had never been.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

import pytest

import dcf_spatial as dcf
from dcf_spatial import settings
from dcf_spatial.errors import StoreChangedError
from dcf_spatial.store import catalog

from _stores import PG_URL, STORE_KINDS, new_store

#: a point inside 智能制造产业园 (park.jiaming.smart_mfg) of 嘉明经济开发区 (cluster.jiaming)
PARK, CLUSTER = "park.jiaming.smart_mfg", "cluster.jiaming"
RENAMED = "（推送后）"
#: the layers the source renames: the only ones a push changes (the others are as in the target)
RENAMED_LAYERS = ("industrial_clusters", "cluster_parks", "service_groups")


def _dcf(args, env_extra=None):
    """`dcf …` in its own process: a kill point ends that process, never the test's."""
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.Popen([sys.executable, "-c", "from dcf_spatial.cli.main import cli; cli()", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _site() -> str:
    parks = catalog.read_layer("cluster_parks", store=settings.checkout_store)
    pt = parks.loc[parks["id"] == PARK].geometry.iloc[0].representative_point()
    return f"{pt.x},{pt.y}"


@pytest.fixture(params=STORE_KINDS)
def stores(request, tmp_path):
    """``(source, target)``: the target holds the shipped layers; the source the same layers with the
    clusters, the parks and the service groups renamed (a bureau's new names), so a check tells which of
    them it read."""
    return _stores(request.param, request, tmp_path)


def _stores(kind, request, tmp_path):
    target = new_store(kind, tmp_path, request)
    if kind == "gpkg":
        shutil.copy(settings.checkout_store, target)
    else:
        catalog.copy_store(settings.checkout_store, target)
    source = tmp_path / "source.gpkg"
    shutil.copy(settings.checkout_store, source)
    for lid in RENAMED_LAYERS:   # service_groups: written after the parks
        gdf = catalog.read_layer(lid, store=source)
        gdf["name_zh"] = gdf["name_zh"] + RENAMED
        catalog.write_layer(gdf, lid, store=source, keep_history=True, source="重新命名（测试）")
    return source, target


def _versions(store) -> dict:
    rows = dcf.Store(store).layers()   # one read of the catalog
    return dict(zip(rows["id"], rows["version"]))


def _pushed(versions: dict) -> dict:
    """The catalog versions after a push of the source: one up for each renamed layer, the rest as they were
    (a layer identical to the target's gets no new version)."""
    return {lid: v + (lid in RENAMED_LAYERS) for lid, v in versions.items()}


def _zone_names(store, site, *, record=False) -> tuple:
    zones = {z["id"]: z["name_zh"] for z in dcf.check_site(site, "C3451", store=store, record=record).to_dict()["zones"]}
    return zones[CLUSTER], zones[PARK]


def _layer_hashes(store) -> dict:
    from dcf_spatial.register import versions

    return {lid: v["sha256"] for lid, v in versions.layer_versions(store).items()}


def _recorded_layer_sets(store) -> list[dict]:
    """The layer versions each recorded check of the register names."""
    import json

    from dcf_spatial.register.history import entries

    return [json.loads(v) for v in entries(store=store)["layers"]]


def _tables(store) -> list[str]:
    from dcf_spatial.store.backends import open_store

    return sorted(open_store(store).table_names())


def test_a_desk_reading_during_a_push_sees_the_old_set_or_the_new_set_never_a_mix(stores):
    _read_during_push(*stores)


def test_the_same_while_a_desk_keeps_the_geopackage_open_in_wal_mode(request, tmp_path):
    """A running desk holds the GeoPackage open in WAL mode (gpkg_wal): the push must not swap the file
    under it, and the desk still sees the old set or the new set."""
    from dcf_spatial.store.backends.gpkg import is_wal
    from dcf_spatial.store.backends.gpkg_wal import desk_wal

    source, target = _stores("gpkg", request, tmp_path)
    with desk_wal(target) as wal:
        assert wal.active and is_wal(target), wal.reason
        inode = target.stat().st_ino
        _read_during_push(source, target)
        assert target.stat().st_ino == inode   # the same file: the desk's connections stay valid


def _read_during_push(source, target):
    site = _site()
    old_versions, old_names, old_hashes = _versions(target), _zone_names(target, site), _layer_hashes(target)
    new_versions = _pushed(old_versions)
    new_names = tuple(n + RENAMED for n in old_names)
    seen_versions, seen_names, errors, refused = [], [], [], []
    done = threading.Event()

    def read_versions():   # the catalog a desk reads for every check
        try:
            while not done.is_set():
                seen_versions.append(_versions(target))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    reader = threading.Thread(target=read_versions)
    reader.start()
    push = _dcf(["layers", "push", "--from", str(source), "--to", str(target), "--overwrite"])
    try:
        while push.poll() is None:   # recorded site checks through the public API, as a desk answers them
            try:
                seen_names.append(_zone_names(target, site, record="推送期间"))
            except StoreChangedError:   # begun before the push's commit, recorded after it: refused, not mis-named
                refused.append(1)
    finally:
        out, err = push.communicate(timeout=300)
        done.set()
        reader.join()
    assert push.returncode == 0, err
    assert not errors, errors
    seen_versions.append(_versions(target))
    seen_names.append(_zone_names(target, site))
    mixed = [v for v in seen_versions if v not in (old_versions, new_versions)]
    assert not mixed, f"{len(mixed)} of {len(seen_versions)} catalog reads saw part of the push: {mixed[0]}"
    assert set(seen_names) <= {old_names, new_names}, set(seen_names)
    assert seen_versions[-1] == new_versions and seen_names[-1] == new_names
    # the register names the store's old state or its new one: never a set of versions it never had
    new_hashes = _layer_hashes(target)
    recorded = _recorded_layer_sets(target)
    assert len(recorded) == len(seen_names) - 1   # every check the loop made and was not refused
    assert all(r in (old_hashes, new_hashes) for r in recorded), [
        sorted(lid for lid in r if r[lid] != old_hashes.get(lid)) for r in recorded if r not in (old_hashes, new_hashes)]


def test_a_push_killed_midway_leaves_the_old_set_and_the_next_run_completes_it(stores):
    source, target = stores
    site = _site()
    old_versions, old_names, old_tables = _versions(target), _zone_names(target, site), _tables(target)
    old_parks = catalog.read_layer("cluster_parks", store=target)
    # killed (os._exit: no cleanup) after 2 of the 3 changed layers were written: the clusters and the parks
    killed = _dcf(["layers", "push", "--from", str(source), "--to", str(target), "--overwrite"],
                  {"DCF_TEST_FAIL_AFTER": "push:2"})
    killed.communicate(timeout=300)
    assert killed.returncode == 70
    assert _versions(target) == old_versions
    assert _zone_names(target, site) == old_names
    assert _tables(target) == old_tables   # no kept version, no half-loaded table
    assert catalog.read_layer("cluster_parks", store=target)["name_zh"].tolist() == old_parks["name_zh"].tolist()
    if not str(target).startswith("postgresql"):   # what the kill left beside the file: named by the doctor
        from dcf_spatial.store import doctor

        assert [f["kind"] for f in doctor.diagnose(target)["findings"]] == ["orphan_copies"]

    again = _dcf(["layers", "push", "--from", str(source), "--to", str(target), "--overwrite"])
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    if not str(target).startswith("postgresql"):   # the killed run's working copy: removed, and said so
        assert "未完成的写入" in err and "图层库仍是那次写入之前的状态" in err
        assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp.gpkg")]
    # numbered as if the killed run had never been: one version above the old one, the old one kept
    assert _versions(target) == _pushed(old_versions)
    assert _zone_names(target, site) == tuple(n + RENAMED for n in old_names)
    dcf.Store(target).reset("cluster_parks")
    assert catalog.read_layer("cluster_parks", store=target)["name_zh"].tolist() == old_parks["name_zh"].tolist()


@pytest.mark.parametrize("store_kind", [p for p in STORE_KINDS if p.id == "postgis"])
def test_a_push_into_postgis_sends_the_catalog_watch_one_notice(store_kind, tmp_path, request):
    """A desk's catalog watch drops its rows on each notice: one push, one commit, one notice."""
    import psycopg

    from dcf_spatial.store.backends.catalog_watch import CHANNEL

    source = tmp_path / "source.gpkg"
    shutil.copy(settings.checkout_store, source)
    target = new_store(store_kind, tmp_path, request)
    catalog.copy_store(source, target, layers=["townships"])   # the catalog and its trigger are there
    schema = target.rsplit("schema=", 1)[1]
    with psycopg.connect(PG_URL, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        catalog.copy_store(source, target, overwrite=True)
        # the first notice is waited for (a loaded server may send it after a fixed 2 s window), then any
        # other one for 2 s more; other stores on the server (other tests) notify on the same channel
        notices = []
        for n in listener.notifies(timeout=120):   # a guard against a hang, not a timed assertion
            if n.payload == schema:
                notices.append(n)
                break
        notices += [n for n in listener.notifies(timeout=2.0) if n.payload == schema]
    assert len(notices) == 1


def test_a_check_whose_layers_change_while_it_reads_them_reads_them_again(stores, monkeypatch):
    """The check reads its layers one by one; a push committed between two of those reads (here: right after
    the clusters were read, before the parks) must not give it the old clusters with the new parks."""
    from dcf_spatial.queries.site import context

    source, target = stores
    site = _site()
    monkeypatch.setenv("DCF_NO_CONTEXT_CACHE", "1")
    context._CONTEXT_CACHE.clear()
    read_layer, pushed = catalog.read_layer, []

    def read_then_push(lid, *args, **kwargs):
        out = read_layer(lid, *args, **kwargs)
        if lid == "industrial_clusters" and not pushed:
            pushed.append(catalog.copy_store(source, target, overwrite=True,
                                             layers=["industrial_clusters", "cluster_parks"]))
        return out

    monkeypatch.setattr(catalog, "read_layer", read_then_push)
    names = _zone_names(target, site)
    assert pushed
    old = tuple(n.removesuffix(RENAMED) for n in names)
    assert names == tuple(n + RENAMED for n in old), names   # the store as pushed, whole


def test_a_check_recorded_in_the_middle_of_a_push_names_a_state_the_store_had(stores, monkeypatch):
    """A recorded check made while the push has written the clusters and the parks but not yet the layers
    after them (here: while it reads the source's agri_zones) names the old set, or — if it waits for the
    push — the new set; never the new clusters and parks with the old rest."""
    from dcf_spatial.store.backends.gpkg import GpkgStore

    source, target = stores
    site = _site()
    old_hashes = _layer_hashes(target)
    read_table, made, outcome = GpkgStore.read_table, [], []

    def check():
        try:
            outcome.append(_zone_names(target, site, record="推送中途"))
        except StoreChangedError as exc:   # begun before the push's commit, recorded after: refused
            outcome.append(exc)

    def read_table_then_check(self, table, **kwargs):
        if self.path == source and table == "agri_zones" and not made:
            made.append(threading.Thread(target=check))
            made[0].start()
            made[0].join(3.0)   # a GeoPackage target is locked by the push in this process: checked after it
        return read_table(self, table, **kwargs)

    monkeypatch.setattr(GpkgStore, "read_table", read_table_then_check)
    catalog.copy_store(source, target, overwrite=True)
    made[0].join(60)
    new_hashes = _layer_hashes(target)
    recorded = _recorded_layer_sets(target)
    assert outcome and len(recorded) == (0 if isinstance(outcome[0], StoreChangedError) else 1)
    assert all(r in (old_hashes, new_hashes) for r in recorded), [
        sorted(lid for lid in r if r[lid] != old_hashes.get(lid)) for r in recorded]


def _push_with_hook(source, target, hook):
    """Push ``source`` over ``target`` in this process, calling ``hook()`` once mid-push: when the push has
    written the clusters and the parks into its working copy and reads the source's service_groups to
    write them."""
    from dcf_spatial.store.backends.gpkg import GpkgStore

    read_table, called = GpkgStore.read_table, []

    def read_table_then_hook(self, table, **kwargs):
        writing = any(p.name.endswith(".tmp.gpkg") for p in target.parent.iterdir())   # its working copy is there
        if self.path == source and table == "service_groups" and writing and not called:
            called.append(1)
            hook()
        return read_table(self, table, **kwargs)

    GpkgStore.read_table = read_table_then_hook
    try:
        return catalog.copy_store(source, target, overwrite=True)
    finally:
        GpkgStore.read_table = read_table
        assert called, "the push never got to the service groups"


def test_a_check_recorded_during_a_push_into_a_geopackage_is_answered_at_once_from_the_old_set(request, tmp_path):
    """Issue 12, N2a: a check arriving while a push writes a GeoPackage store waited for the whole push (the
    push held the store's writers' lock, which the register of recorded checks needs) and was then refused
    409. The push now writes its working copy without that lock: the check is answered from the store as it
    was (one state, the old set), recorded, and its register row is kept in the store as pushed."""
    source, target = _stores("gpkg", request, tmp_path)
    site = _site()
    old_names, old_hashes, old_versions = _zone_names(target, site), _layer_hashes(target), _versions(target)
    outcome = []

    def check():
        try:
            answer = dcf.check_site(site, "C3451", store=target, record="推送期间")
            zones = {z["id"]: z["name_zh"] for z in answer.to_dict()["zones"]}
            outcome.append(((zones[CLUSTER], zones[PARK]), answer.register_ids))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            outcome.append(exc)

    def hook():
        thread = threading.Thread(target=check)
        thread.start()
        thread.join(120)   # answered while the push is still under way (before: blocked until it ended)
        outcome.append("alive" if thread.is_alive() else "answered")

    _push_with_hook(source, target, hook)
    assert outcome[-1] == "answered", outcome
    (names, ids), = outcome[:-1]
    assert names == old_names and len(ids) == 1
    # the push went in whole; the check recorded meanwhile was carried into the store as pushed
    assert _versions(target) == _pushed(old_versions)
    assert _zone_names(target, site) == tuple(n + RENAMED for n in old_names)
    assert _recorded_layer_sets(target) == [old_hashes]
    from dcf_spatial import register

    assert set(register.history(store=target).frame["登记号"]) == set(ids)


def test_a_layer_written_by_another_while_a_push_writes_its_copy_is_not_lost(request, tmp_path):
    """The push no longer holds the writers' lock while it writes its working copy: another writer's layer
    write made meanwhile must neither be overwritten by the copy nor be mixed with it — the push is refused
    and changes nothing, the other write stands."""
    from dcf_spatial.errors import InputError

    source, target = _stores("gpkg", request, tmp_path)
    old_versions = _versions(target)
    towns = catalog.read_layer("townships", store=target)
    done = []

    def write_towns():
        catalog.write_layer(towns, "townships", store=target, keep_history=True, source="他人导入（测试）")
        done.append(1)

    def hook():
        thread = threading.Thread(target=write_towns)
        thread.start()
        thread.join(120)

    with pytest.raises(InputError, match="写入期间.*已被他人修改.*未作任何改动"):
        _push_with_hook(source, target, hook)
    assert done
    assert _versions(target) == dict(old_versions, townships=old_versions["townships"] + 1)
    assert dcf.Store(target).layers().set_index("id").loc["townships", "source"] == "他人导入（测试）"
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp.gpkg")]


def test_a_push_keeps_a_new_version_only_of_the_layers_it_changes_and_says_when_it_changed_nothing(stores):
    """Issue 12, N2b: each push kept all 16 layers as new versions, identical or not. Only the three layers
    whose features or attributes differ get one (content compared, not files' times); pushing the same
    again changes nothing and says so."""
    source, target = stores
    old_versions, old_tables = _versions(target), _tables(target)
    push = _dcf(["layers", "push", "--from", str(source), "--to", str(target), "--overwrite"])
    out, err = push.communicate(timeout=300)
    assert push.returncode == 0, err
    changed = {lid for lid, v in _versions(target).items() if v != old_versions[lid]}
    assert changed == set(RENAMED_LAYERS)
    kept = sorted(set(_tables(target)) - set(old_tables))
    assert [t.split("__")[1] for t in kept] == sorted(RENAMED_LAYERS), kept   # one kept version each, no more
    assert f"另有 {len(old_versions) - 3} 个图层内容未变，未写入新版本" in out + err
    tables, versions = _tables(target), _versions(target)
    state = None if str(target).startswith("postgresql") else (target.stat().st_ino, target.stat().st_mtime_ns)

    again = _dcf(["layers", "push", "--from", str(source), "--to", str(target), "--overwrite"])
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert "本次未作任何改动，未写入新版本" in out + err
    assert _versions(target) == versions and _tables(target) == tables
    if state is not None:   # the file not even touched
        assert (target.stat().st_ino, target.stat().st_mtime_ns) == state


def test_a_push_refused_for_a_write_made_meanwhile_names_the_versions_the_right_way_round(request, tmp_path):
    """Breaker F6: another write landed on a layer while a push was writing its working copy, before the push
    reached that layer. The push is refused (nothing lost) — and said «开始时为第 2 版，现为第 1 版» backwards:
    it started from the version it copied, and the store now has the other writer's, one up."""
    from dcf_spatial.errors import InputError
    from dcf_spatial.store.backends.gpkg import GpkgStore

    source, target = _stores("gpkg", request, tmp_path)
    old = _versions(target)["service_groups"]
    groups = catalog.read_layer("service_groups", store=target)
    read_table, called = GpkgStore.read_table, []

    def read_then_write_groups(self, table, **kwargs):   # the push reads its first layer: another writes a later one
        writing = any(p.name.endswith(".tmp.gpkg") for p in target.parent.iterdir())
        if self.path == source and writing and not called:
            called.append(1)
            thread = threading.Thread(target=lambda: catalog.write_layer(groups, "service_groups", store=target,
                                                                         keep_history=True, source="他人导入（测试）"))
            thread.start()
            thread.join(120)
        return read_table(self, table, **kwargs)

    GpkgStore.read_table = read_then_write_groups
    try:
        with pytest.raises(InputError) as refused:
            catalog.copy_store(source, target, overwrite=True)
    finally:
        GpkgStore.read_table = read_table
    assert called
    assert f"'service_groups' 已被他人修改（开始时为第 {old} 版，现为第 {old + 1} 版）" in str(refused.value)
    assert _versions(target)["service_groups"] == old + 1   # the other write stands
