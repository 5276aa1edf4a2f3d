"""The register's PostGIS write path (issue 12, "Speed", the same figures with the PostGIS store).

A group of recorded checks is one pipelined transaction; what this process already knows about the
register (its tables exist, which layer versions it keeps) only lets a write skip work, never lose a
record: these tests make that knowledge wrong and check that every record still keeps what it needs.
They need ``DCF_TEST_PG_URL`` (``eval "$(bash .ci/postgis.sh)"``).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

import dcf_spatial as dcf
from dcf_spatial.errors import InputError, StoreChangedError
from dcf_spatial.register import tables
from dcf_spatial.register.history import entries
from dcf_spatial.store.backends import open_store

from _stores import STORE_KINDS, checkout_copy

#: 郑家镇工业集聚区, where 轴承 (C3451) fits (第八章第一节)
SITE = "115.75,36.455"


@pytest.fixture(params=[p for p in STORE_KINDS if p.id == "postgis"])
def store(request, tmp_path):
    return checkout_copy(request, tmp_path)


def _kept_pairs(st) -> set[tuple[str, str]]:
    with st.engine.connect() as con:
        return {tuple(r) for r in con.execute(text(f"SELECT layer_id, sha256 FROM {st._t(tables.LAYERS_TABLE)}")).all()}


def _used_pairs(store, register_id) -> set[tuple[str, str]]:
    row = entries(store=store).set_index("id").loc[register_id]
    return set(json.loads(row["layers"]).items())


def test_a_layer_version_deleted_behind_the_writers_back_is_kept_again(store):
    """The writer believes the register keeps the layer versions (it wrote them); they are deleted by
    hand in the database. The next record must find that out inside its transaction and keep them
    again, so that the record can be shown and re-run."""
    st = open_store(store)
    first = dcf.check_site(SITE, "轴承", area_mu=50, store=store, record="第一条")
    used = _used_pairs(store, first.register_ids[0])
    assert used and used <= _kept_pairs(st)
    with st.engine.begin() as con:
        con.execute(text(f"DELETE FROM {st._t(tables.LAYERS_TABLE)}"))
    second = dcf.check_site(SITE, "轴承", area_mu=50, store=store, record="第二条")
    assert _used_pairs(store, second.register_ids[0]) == used
    assert used <= _kept_pairs(st)
    lid, sha = sorted(used)[0]
    gdf, row = tables.read_layer_version(st, lid, sha)
    assert len(gdf) > 0 and row["id"] == lid


def test_register_tables_dropped_behind_the_writers_back_are_created_again(store):
    """The writer knows the register's tables exist; they are dropped. The next record creates them again
    and is there, alone, with its layer versions."""
    st = open_store(store)
    dcf.check_site(SITE, "轴承", store=store, record="第一条")
    with st.engine.begin() as con:
        for t in (tables.REGISTER_TABLE, tables.LAYERS_TABLE, tables.FILES_TABLE):
            con.execute(text(f"DROP TABLE {st._t(t)}"))
    again = dcf.check_site(SITE, "轴承", store=store, record="重建后")
    kept = entries(store=store)
    assert list(kept["project"]) == ["重建后"] and list(kept["id"]) == again.register_ids
    assert _used_pairs(store, again.register_ids[0]) <= _kept_pairs(st)


def _import_after_build(store, tmp_path):
    """A ``tables.write_records`` that replaces the clusters layer of ``store`` right after the group's
    versions are read (``build``) and before the transaction: the moment a concurrent import can land."""
    real = tables.write_records
    f = tmp_path / "clusters.gpkg"
    gdf = dcf.layer("industrial_clusters", store=store)
    gdf.drop(columns=["provenance", "source"]).assign(name_zh=gdf["name_zh"] + "（改）").to_file(f, driver="GPKG")

    def import_after_build(st, build):
        def build_then_import():
            out = build()
            dcf.Store(store).import_layer("industrial_clusters", f, provenance="authoritative")
            return out
        return real(st, build_then_import)
    return import_after_build


def test_a_layer_replaced_between_the_versions_read_and_the_transaction_is_not_recorded(store, tmp_path, monkeypatch):
    """The layer versions are read before the transaction (a layer is never read inside it, see
    ``tables._pg_write_records``); an import landing in between is caught by the catalog compared
    inside the transaction: nothing is recorded and the message says why."""
    import_after_build = _import_after_build(store, tmp_path)

    dcf.check_site(SITE, "轴承", store=store, record="之前")   # the register exists; its writer is warm
    monkeypatch.setattr(tables, "write_records", import_after_build)
    with pytest.raises(StoreChangedError, match="industrial_clusters 被他人修改.*未记入核查登记"):
        dcf.check_site(SITE, "轴承", store=store, record="期间")
    assert list(entries(store=store)["project"]) == ["之前"]


def test_a_batch_group_gets_its_ids_in_row_order(store, tmp_path):
    """Several rows in one write: each register id is its own row's (the inserts go in one pipeline)."""
    import geopandas as gpd
    import shapely

    pts = [(115.75, 36.455), (115.80, 36.47), (115.99, 36.30), (116.10, 36.50)]
    sites = gpd.GeoDataFrame({"name": [f"第{i}号" for i in range(len(pts))], "industry": ["轴承"] * len(pts)},
                             geometry=[shapely.Point(p) for p in pts], crs=4490)
    answer = dcf.check_site(sites, store=store, record=True)
    kept = entries(store=store).set_index("id")
    assert [kept.loc[i, "project"] for i in answer.register_ids] == list(sites["name"])
    assert [kept.loc[i, "verdict"] for i in answer.register_ids] == [r["verdict"] for r in answer.results]


def test_catalog_reads_survive_connections_the_server_dropped(store):
    """The catalog is read on a pool without the pre-ping; when the server has closed its connections
    (a restart, an idle timeout), the next check reconnects instead of failing."""
    st = open_store(store)
    dcf.check_site(SITE, "轴承", store=store, record="之前")
    pids = set()
    for engine in (st.read_engine, st.engine):   # the connections the pools keep (one each, used in turn)
        with engine.connect() as con:
            pids.add(con.execute(text("SELECT pg_backend_pid()")).scalar())
    with st.engine.begin() as con:   # only those: other tests may share the database
        con.execute(text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:p AS int[])) AS pid "
                         "WHERE pid <> pg_backend_pid()"), {"p": sorted(pids)})
    after = dcf.check_site(SITE, "轴承", store=store, record="之后")
    assert list(entries(store=store)["project"]) == ["之前", "之后"]
    assert after.register_ids


def test_a_server_restarting_while_the_catalog_is_read_is_a_store_error_not_a_crash(store, monkeypatch):
    """While PostgreSQL restarts, the pool's checkout can raise psycopg's own OperationalError (a tester's
    desk answered 500 to 82 of 600 checks across ``pg_ctl restart``): it must be the store's InputError,
    marked as about the store (the desk answers 400, the CLI names no option), with the password masked."""
    import psycopg

    st = open_store(store)

    def refused():
        raise psycopg.OperationalError("connection failed: the database system is shutting down")

    monkeypatch.setattr(st.read_engine, "raw_connection", refused)
    with pytest.raises(InputError, match="无法连接 PostGIS 图层库") as info:
        st.catalog_dicts()
    assert getattr(info.value, "argument", None) == "store"
    assert "shutting down" in str(info.value)


def _replace_clusters(store, tmp_path):
    """Import a changed 产业集群 layer (one name edited); return the new layer's content hash."""
    from dcf_spatial.register.versions import layer_versions

    f = tmp_path / "clusters_new.gpkg"
    gdf = dcf.layer("industrial_clusters", store=store)
    gdf.drop(columns=["provenance", "source"]).assign(name_zh=gdf["name_zh"] + "（新）").to_file(f, driver="GPKG")
    dcf.Store(store).import_layer("industrial_clusters", f, provenance="authoritative")
    return layer_versions(store)["industrial_clusters"]["sha256"]


def test_a_check_after_a_layer_was_replaced_is_recorded_with_the_new_version(store, tmp_path):
    """The register writer keeps the catalog it read for the next group; a layer replaced since (here
    by an import, as another desk process or user would) must not make the next check be refused nor
    recorded with the old version: the check saw the new layer, and its record names the new one."""
    first = dcf.check_site(SITE, "轴承", store=store, record="之前")
    old = dict(_used_pairs(store, first.register_ids[0]))["industrial_clusters"]
    new = _replace_clusters(store, tmp_path)
    assert new != old
    second = dcf.check_site(SITE, "轴承", store=store, record="之后")
    assert dict(_used_pairs(store, second.register_ids[0]))["industrial_clusters"] == new
    assert ("industrial_clusters", new) in _kept_pairs(open_store(store))


def test_a_record_without_versions_taken_before_is_written_with_the_catalog_as_it_is(store, tmp_path):
    """Rows recorded without the versions a check started from (``expected=None``) are written with the
    layer versions of the catalog at commit time, not with the catalog the writer kept from its last
    group (that one is stale after an import: the transaction's own read of the catalog finds it out)."""
    import shapely

    from dcf_spatial.register.record import record_results, rerun_input

    answer = dcf.check_site(SITE, "轴承", store=store, record="之前")
    new = _replace_clusters(store, tmp_path)
    ids = record_results(answer.results, [rerun_input([None], "轴承", None, None)], [shapely.Point(115.75, 36.455)],
                         store=store, project="无版本", expected=None)
    assert dict(_used_pairs(store, ids[0]))["industrial_clusters"] == new


def _round_trips(st, run):
    """Run ``run()`` and list the round trips it makes on the store's pooled connections: every message
    after which libpq waits for the server — Sync, Flush (results fetched inside a pipeline; not one
    right after a Sync) and a simple Query — from its own message trace (``PQtrace``), and every
    pre-ping of a pool checkout (made before the checkout event, so counted apart)."""
    pings, sent = _sent_messages(st, run)
    waits, last = [], None
    for m in sent:
        kind = m[2].strip()
        # a Flush right after a Sync (psycopg's pipeline exit) asks for nothing more: the same wait
        if kind in ("Sync", "Query") or (kind == "Flush" and last != "Sync"):
            waits.append(kind + (" " + m[3].strip() if len(m) > 3 else ""))
        last = kind
    return pings + waits


def _statements(st, run) -> list[str]:
    """Run ``run()`` and list the statements it has the server run on the store's pooled connections, as
    libpq's trace shows them: ``Execute`` (of a bound statement, in a pipeline or not) and ``Query`` (simple)."""
    return [m[2].strip() for m in _sent_messages(st, run)[1] if m[2].strip() in ("Execute", "Query")]


def _sent_messages(st, run) -> tuple[list, list]:
    """Run ``run()``: the pre-pings of its pool checkouts and every message it sent on the store's pooled
    connections, split at the tabs of libpq's trace (``PQtrace``)."""
    import os
    import tempfile

    from sqlalchemy import event

    traces, pings = [], []

    def on_checkout(dbapi_con, record, proxy):
        if any(con is dbapi_con for con, _, _ in traces):   # traced already: one trace file per connection
            return
        fd, path = tempfile.mkstemp(suffix=".pqtrace")
        traces.append((dbapi_con, fd, path))
        dbapi_con.pgconn.trace(fd)
        dbapi_con.pgconn.set_trace_flags(__import__("psycopg").pq.Trace.SUPPRESS_TIMESTAMPS)

    engines = (st.engine, st.read_engine)
    pingers = []
    for e in engines:
        event.listen(e, "checkout", on_checkout)
        real_ping = e.dialect.do_ping
        pingers.append((e.dialect, real_ping))
        e.dialect.do_ping = lambda con, real_ping=real_ping: pings.append("pre-ping") or real_ping(con)
    try:
        run()
    finally:
        for e in engines:
            event.remove(e, "checkout", on_checkout)
        for dialect, _ in pingers:
            dialect.__dict__.pop("do_ping", None)
        for con, fd, path in traces:
            if not con.closed:
                con.pgconn.untrace()   # flushes libpq's buffered trace
            os.close(fd)
    sent = []
    for _, _, path in traces:
        with open(path, encoding="utf-8", errors="replace") as fh:
            sent += [line.split("\t") for line in fh if line.startswith("F\t")]
        os.unlink(path)
    return pings, sent


def test_a_group_is_written_in_two_round_trips(store):
    """A group of recorded checks is one pipeline (BEGIN, the advisory lock, the catalog FOR SHARE, the kept
    versions and every insert) and the COMMIT: two round trips, no pre-ping of the pool (it was seven)."""
    import shapely

    from dcf_spatial.register.record import record_results, rerun_input
    from dcf_spatial.register.versions import layer_keys

    st = open_store(store)
    answer = dcf.check_site(SITE, "轴承", area_mu=50, store=store, record="预热")   # the writer is warm
    expected = layer_keys(store)
    ids = []

    def write():
        ids.extend(record_results(answer.results * 3, [rerun_input([None], "轴承", None, None)] * 3,
                                  [shapely.Point(115.75, 36.455)] * 3, store=store, project="三条",
                                  expected=expected))

    for _ in range(6):   # psycopg prepares a statement on its fifth run on a connection: past that, too
        trips = _round_trips(st, write)
        assert trips == ["Sync", 'Query "COMMIT"']
    assert len(ids) == 18 and len(set(ids)) == 18
    kept = entries(store=store).set_index("id")
    assert [kept.loc[i, "project"] for i in ids] == ["三条"] * 18


def test_a_group_runs_one_statement_per_row_and_three_besides(store):
    """A group's transaction is BEGIN, the catalog read FOR SHARE (with the register's advisory lock), the kept
    versions (layers and files in one query), one INSERT per row and COMMIT: no statement of its own for the
    lock or for each kind of kept version (each costs a parse, bind and result here and in the server)."""
    import shapely

    from dcf_spatial.register.record import record_results, rerun_input
    from dcf_spatial.register.versions import layer_keys

    st = open_store(store)
    answer = dcf.check_site(SITE, "轴承", area_mu=50, store=store, record="预热")
    expected = layer_keys(store)

    def write():
        record_results(answer.results * 3, [rerun_input([None], "轴承", None, None)] * 3,
                       [shapely.Point(115.75, 36.455)] * 3, store=store, project="三条", expected=expected)

    for _ in range(6):   # past psycopg's preparing of a statement on its fifth run, too
        assert _statements(st, write) == ["Execute"] * 6 + ["Query"]
    assert list(entries(store=store)["project"]) == ["预热"] + ["三条"] * 18


def test_a_layer_no_check_reads_can_be_written_while_a_group_is_committed(store, monkeypatch):
    """The register's transaction locks the catalog rows of the layers its checks used, and no other: the row of
    the roads (no site check reads them) can be written by an import while a group of recorded checks is being
    committed, instead of waiting for it."""
    from dcf_spatial.register.versions import site_layers

    st = open_store(store)
    assert "roads" not in site_layers() and st.catalog_entry("roads") is not None
    dcf.check_site(SITE, "轴承", area_mu=50, store=store, record="之前")
    real, seen = tables._pg_check_group, []

    def meanwhile(*args, **kwargs):   # inside the group's transaction, its catalog rows locked
        with st.engine.connect() as con, con.begin():
            con.execute(text("SET LOCAL lock_timeout = '1s'"))
            try:
                con.execute(text(f"UPDATE {st._t('dcf_catalog')} SET description = description WHERE id = 'roads'"))
                seen.append("written")
            except Exception as exc:  # noqa: BLE001 - the lock not granted
                seen.append(type(getattr(exc, "orig", exc)).__name__)
        return real(*args, **kwargs)

    monkeypatch.setattr(tables, "_pg_check_group", meanwhile)
    answer = dcf.check_site(SITE, "轴承", area_mu=50, store=store, record="其间")
    assert seen == ["written"]
    assert list(entries(store=store)["project"]) == ["之前", "其间"] and answer.register_ids


def _compressions(st) -> list[str]:
    """How each register row's answer is stored, in id order (``pg_column_compression``)."""
    with st.engine.connect() as con:
        return [r[0] for r in con.execute(text(
            f"SELECT pg_column_compression(result) FROM {st._t(tables.REGISTER_TABLE)} ORDER BY id")).all()]


def test_register_rows_are_compressed_with_lz4_also_in_an_older_register(store):
    """A recorded check's answer (~5 kB of JSON) is compressed as its row is written: with LZ4 where the server
    has it (a third less of the server's CPU an insert than pglz, PostgreSQL's default). A register made before
    keeps its rows as they are and gets LZ4 for the rows a process writes once it starts; every row reads back
    whole."""
    st = open_store(store)
    with st.engine.connect() as con:
        if int(con.execute(text("SELECT current_setting('server_version_num')")).scalar()) < 140000:
            pytest.skip("PostgreSQL before 14 has no column compression setting")
        try:
            con.execute(text("CREATE TEMP TABLE lz4_probe (t TEXT COMPRESSION lz4)"))
        except Exception:  # noqa: BLE001 - a server built without LZ4
            pytest.skip("this PostgreSQL is built without LZ4")
    first = dcf.check_site(SITE, "轴承", area_mu=50, store=store, record="新建")
    assert _compressions(st) == ["lz4"]
    with st.engine.begin() as con:   # as a register made by an earlier version is
        con.execute(text(f"ALTER TABLE {st._t(tables.REGISTER_TABLE)} ALTER COLUMN result SET COMPRESSION pglz"))
    second = dcf.check_site(SITE, "轴承", area_mu=50, store=store, record="旧进程")   # a process already writing
    tables._PG_KNOWN.pop(tables._pg_key(st), None)   # a process starting: its first write makes sure of the tables
    third = dcf.check_site(SITE, "轴承", area_mu=50, store=store, record="新进程")
    assert _compressions(st) == ["lz4", "pglz", "lz4"]
    kept = entries(store=store).set_index("id")
    for answer in (first, second, third):
        assert json.loads(kept.loc[answer.register_ids[0], "result"])["verdict"] == answer.results[0]["verdict"]


def test_a_group_sent_whole_is_still_refused_whole_when_the_catalog_moved(store, tmp_path, monkeypatch):
    """The inserts travel with the catalog read, before it is compared: when a layer was replaced after the
    versions were read, the transaction is rolled back — none of the group's rows, nor any version they
    would have kept, is committed — and the pooled connection is clean for the next check."""
    import geopandas as gpd
    import shapely

    real = tables.write_records
    import_after_build = _import_after_build(store, tmp_path)

    st = open_store(store)
    dcf.check_site(SITE, "轴承", store=store, record="之前")
    kept_before = _kept_pairs(st)
    pts = [(115.75, 36.455), (115.80, 36.47), (115.99, 36.30)]
    sites = gpd.GeoDataFrame({"name": [f"第{i}号" for i in range(len(pts))], "industry": ["轴承"] * len(pts)},
                             geometry=[shapely.Point(p) for p in pts], crs=4490)
    monkeypatch.setattr(tables, "write_records", import_after_build)
    with pytest.raises(StoreChangedError, match="industrial_clusters 被他人修改.*未记入核查登记"):
        dcf.check_site(sites, store=store, record=True)
    monkeypatch.setattr(tables, "write_records", real)
    assert list(entries(store=store)["project"]) == ["之前"]
    assert _kept_pairs(st) == kept_before
    after = dcf.check_site(SITE, "轴承", store=store, record="之后")
    assert list(entries(store=store)["project"]) == ["之前", "之后"] and after.register_ids


def test_a_file_version_believed_kept_but_deleted_is_kept_again(store):
    """The writer no longer reads the kept rule-file versions before its pipeline: it trusts what it wrote.
    A version deleted behind its back is found missing inside the transaction, the group rolled back and
    written again with the file's bytes."""
    st = open_store(store)
    dcf.check_site(SITE, "轴承", store=store, record="第一条")
    with st.engine.begin() as con:
        con.execute(text(f"DELETE FROM {st._t(tables.FILES_TABLE)}"))
    second = dcf.check_site(SITE, "轴承", store=store, record="第二条")
    row = entries(store=store).set_index("id").loc[second.register_ids[0]]
    for name, sha in json.loads(row["files"]).items():
        assert tables.read_file_version(st, name, sha) is not None, name


def test_a_percent_in_the_schema_name_does_not_break_a_recorded_site_check(request):
    """A schema named with ``%`` (``?schema=t%25x…``, breaker3 B3): the layers are pushed there, and a recorded site
    check answers and is recorded there — before, every catalog read failed with psycopg's "only '%s', '%b', '%t' are
    allowed as placeholders"."""
    import uuid

    from dcf_spatial import settings
    from dcf_spatial.store import catalog

    from _stores import drop_schema, require_pg_url, with_schema

    schema = f"t%x_{uuid.uuid4().hex[:8]}"
    request.addfinalizer(lambda: drop_schema(schema))
    store = with_schema(require_pg_url(), schema.replace("%", "%25"))
    catalog.copy_store(settings.checkout_store, store)
    answer = dcf.check_site(SITE, "轴承", area_mu=50, store=store, record="百分号")
    assert answer.register_ids
    assert list(entries(store=store)["project"]) == ["百分号"]
    assert open_store(store).schema == schema


def test_a_role_without_the_rights_recording_needs_is_told_which_and_how_to_grant_them(store, request):
    """A database user granted only reading and adding rows (breaker3 B12): a recorded check is refused with a
    Chinese message naming the rights it lacks and the GRANT lines — not a psycopg traceback; an unrecorded check
    still answers. Given what the message asks (UPDATE on the catalog), the same user records: nothing it would
    need to create is created again (CREATE … IF NOT EXISTS asked for the right to create even when it was there)."""
    import uuid

    from sqlalchemy.engine import make_url

    from dcf_spatial.errors import StoreError

    st = open_store(store)
    dcf.check_site(SITE, "轴承", area_mu=50, store=store, record="所有者")   # the register's tables exist
    role = f"dcf_t_w_{uuid.uuid4().hex[:8]}"
    schema = f'"{st.schema}"'

    def drop_role():
        with st.engine.begin() as con:
            con.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"))
            con.execute(text(f"DROP OWNED BY {role}"))
            con.execute(text(f"DROP ROLE {role}"))
    with st.engine.begin() as con:
        con.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'pw'"))
        request.addfinalizer(drop_role)
        con.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {role}"))
        con.execute(text(f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA {schema} TO {role}"))
        con.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}"))
    url = make_url(str(store)).set(username=role, password="pw").render_as_string(hide_password=False)

    assert dcf.check_site(SITE, "轴承", area_mu=50, store=url).results   # not recorded: reading is enough
    with pytest.raises(StoreError) as err:
        dcf.check_site(SITE, "轴承", area_mu=50, store=url, record="受限用户")
    text_ = str(err.value)
    assert "没有记入核查登记所需的权限" in text_ and role in text_
    assert f"GRANT SELECT, UPDATE ON {schema}.\"dcf_catalog\" TO \"{role}\";" in text_
    assert list(entries(store=store)["project"]) == ["所有者"]

    with st.engine.begin() as con:
        con.execute(text(f"GRANT UPDATE ON {schema}.dcf_catalog TO {role}"))
    answer = dcf.check_site(SITE, "轴承", area_mu=50, store=url, record="受限用户")
    assert list(entries(store=store)["project"]) == ["所有者", "受限用户"] and answer.register_ids
