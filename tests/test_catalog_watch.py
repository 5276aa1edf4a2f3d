"""A desk keeps a PostGIS store's layer catalog between its changes (issue 12, "Speed" with the PostGIS
store): the database tells it when the catalog changes (a trigger's ``pg_notify``), and whatever
another session, this process or a hand-typed statement changes must still be seen by the next check.
Need ``DCF_TEST_PG_URL`` (``eval "$(bash .ci/postgis.sh)"``)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from sqlalchemy import text

import dcf_spatial as dcf
from dcf_spatial.store.backends import catalog_watch, open_store
from dcf_spatial.store.backends import postgis as pg_backend
from dcf_spatial.store.backends.names import CATALOG_TABLE

from _watching import live, store, until, watching  # noqa: F401 - store, watching: fixtures

#: 郑家镇工业集聚区, where 轴承 (C3451) fits (第八章第一节)
SITE = "115.75,36.455"


def _reads(monkeypatch) -> list:
    """The catalog queries this thread sends to the database from now on (not the watch's own periodic
    looks from its thread, which may land between a test's reads on a loaded machine)."""
    import threading

    sent = []
    real = pg_backend.PostgisStore._read_rows
    me = threading.get_ident()

    def counting(self, sql, params=None):
        if CATALOG_TABLE in sql and threading.get_ident() == me:
            sent.append(sql)
        return real(self, sql, params)

    monkeypatch.setattr(pg_backend.PostgisStore, "_read_rows", counting)
    return sent


def _other_session_sets_source(st, layer_id: str, source: str) -> None:
    """Another client (another machine's dcf, or SQL typed by hand) changes a catalog row and commits."""
    url = st._url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"UPDATE {st._t(CATALOG_TABLE)} SET source = %s WHERE id = %s", (source, layer_id))


def test_a_store_made_by_dcf_notifies_its_catalog_changes(store):
    """Every store dcf writes gets the trigger, so that any writer's change is announced."""
    st = open_store(store)
    with st.engine.connect() as con:
        on = con.execute(text(catalog_watch.trigger_state_sql(":t")), {"t": st._t(CATALOG_TABLE)}).scalar()
    assert on == "O"


def test_kept_rows_spare_the_query_and_are_a_copy(store, watching, monkeypatch):
    st = open_store(store)
    live(st)
    first = st.catalog_dicts()   # read (the watch listens now), then kept
    sent = _reads(monkeypatch)
    second = st.catalog_dicts()
    assert sent == [] and second == first
    second["industrial_clusters"]["source"] = "改了"   # a caller changing its copy changes nothing kept
    assert st.catalog_dicts()["industrial_clusters"]["source"] == first["industrial_clusters"]["source"]


def test_another_sessions_change_is_seen(store, watching):
    st = open_store(store)
    watch = live(st)
    st.catalog_dicts()
    _other_session_sets_source(st, "industrial_clusters", "另一会话的改动")
    # the notification drops the kept rows (delivered on commit: the wait is the listening thread's)
    assert until(lambda: watch.current() is None)
    assert st.catalog_dicts()["industrial_clusters"]["source"] == "另一会话的改动"


def test_a_change_waiting_on_the_socket_is_not_missed(store, watching, monkeypatch):
    """The listening thread may not have read a notification yet when a check asks: the kept rows are
    not used while anything waits on the listening connection."""
    st = open_store(store)
    watch = live(st)
    st.catalog_dicts()
    monkeypatch.setattr(catalog_watch.select, "select", lambda r, w, x, t: (r, [], []))   # something arrived
    assert watch.current() is None
    sent = _reads(monkeypatch)
    st.catalog_dicts()
    assert len(sent) == 1


def test_this_processes_own_import_is_seen_at_once(store, watching, tmp_path):
    """A layer imported by the desk itself: its next check uses the new version without waiting."""
    st = open_store(store)
    live(st)
    before = st.catalog_dicts()["industrial_clusters"]["version"]
    f = tmp_path / "clusters.gpkg"
    dcf.layer("industrial_clusters", store=store).to_file(f, driver="GPKG")
    dcf.Store(store).import_layer("industrial_clusters", f, provenance="authoritative")
    assert st.catalog_dicts()["industrial_clusters"]["version"] == before + 1


def test_a_recorded_check_names_the_version_another_session_made(store, watching):
    """What the register keeps is never the kept rows' word: after another session's change the
    record names the catalog as it is."""
    st = open_store(store)
    watch = live(st)
    dcf.check_site(SITE, "轴承", store=store, record="之前")
    _other_session_sets_source(st, "industrial_clusters", "另一会话的来源")
    assert until(lambda: watch.current() is None)
    after = dcf.check_site(SITE, "轴承", store=store, record="之后")
    assert after.register_ids


def test_without_the_trigger_every_read_asks_the_database(store, watching, monkeypatch):
    """A store whose user may not add the trigger (made by an older version, a read-only role): the
    catalog is read for every check, as before."""
    st = open_store(store)
    with st.engine.begin() as con:
        con.execute(text(f"DROP TRIGGER {catalog_watch.TRIGGER} ON {st._t(CATALOG_TABLE)}"))

    def refused(self):
        raise dcf.InputError("permission denied")

    monkeypatch.setattr(pg_backend.PostgisStore, "add_catalog_trigger", refused)
    st.catalog_dicts()
    watch = catalog_watch.watch_of(st)
    assert until(lambda: watch.why_not == "no trigger")
    sent = _reads(monkeypatch)
    st.catalog_dicts()
    st.catalog_dicts()
    assert watch.conn is None and len(sent) == 2


def test_the_trigger_is_added_to_an_older_store(store, watching):
    st = open_store(store)
    with st.engine.begin() as con:
        con.execute(text(f"DROP TRIGGER {catalog_watch.TRIGGER} ON {st._t(CATALOG_TABLE)}"))
    live(st)
    with st.engine.connect() as con:
        assert con.execute(text(catalog_watch.trigger_state_sql(":t")), {"t": st._t(CATALOG_TABLE)}).scalar() == "O"


def test_a_lost_listening_connection_stops_the_kept_rows(store, watching, monkeypatch):
    """The server ends the listening session (a restart, an administrator): nothing it would have told
    is trusted — the rows are read again — and the watch listens again afterwards."""
    st = open_store(store)
    watch = live(st)
    st.catalog_dicts()
    pid = watch.conn.info.backend_pid
    with st.engine.begin() as con:
        con.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    assert until(lambda: watch.conn is None or watch.conn.info.backend_pid != pid)
    _other_session_sets_source(st, "industrial_clusters", "断线期间的改动")
    assert st.catalog_dicts()["industrial_clusters"]["source"] == "断线期间的改动"
    assert until(lambda: watch.conn is not None)


def test_rows_are_read_again_after_max_age(store, watching, monkeypatch):
    """A writer that bypasses triggers (a table made again by other software) is seen within MAX_AGE_S."""
    st = open_store(store)
    live(st)
    st.catalog_dicts()
    monkeypatch.setattr(catalog_watch, "MAX_AGE_S", 0.0)
    sent = _reads(monkeypatch)
    st.catalog_dicts()
    assert len(sent) == 1


def test_rows_are_dropped_before_a_notification_is_taken_off_the_socket(store, watching, monkeypatch):
    """The listening thread must mark the rows stale before it reads a notification: read first, a check
    asking in between would find the socket empty and the rows still trusted (a breaker saw old answers
    54 ms after an import's COMMIT)."""
    st = open_store(store)
    watch = live(st)
    st.catalog_dicts()
    seen = []
    real = psycopg.Connection.notifies

    def notifies(self, *args, **kwargs):
        if threading.current_thread() is watch.thread:   # this store's listening thread reads its socket
            seen.append((watch.rows, watch.current()))   # what a check would have trusted at this moment
        return real(self, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "notifies", notifies)
    _other_session_sets_source(st, "industrial_clusters", "读取通知前")
    assert until(lambda: seen)
    assert seen[0] == (None, None)


def test_a_change_told_while_the_trigger_is_checked_is_not_missed(store, watching, monkeypatch):
    """Every RECHECK_S the listening connection asks whether the trigger still fires. A notification
    that arrives meanwhile is read off the socket together with the query's answer, so the watch's wait
    for the socket never sees it: the rows kept before must not be trusted after that check (a CI run
    read the old source after another session's commit)."""
    monkeypatch.setattr(catalog_watch, "RECHECK_S", 0.3)
    st = open_store(store)
    watch = live(st)
    real = catalog_watch._Watch._trigger_on
    done = []

    def checking(self, pg):
        if self is watch and not done:
            # another session commits while this check is about to run; its notice is waiting on the
            # listening socket when the query's answer is read
            _other_session_sets_source(st, "industrial_clusters", "核对触发器期间的改动")
            time.sleep(0.3)
            done.append(real(self, pg))
            return done[-1]
        return real(self, pg)

    st.catalog_dicts()
    monkeypatch.setattr(catalog_watch._Watch, "_trigger_on", checking)
    assert until(lambda: done and watch.conn is not None)
    assert st.catalog_dicts()["industrial_clusters"]["source"] == "核对触发器期间的改动"
    # and the watch goes on keeping the rows read after the check
    st.catalog_dicts()
    assert watch.current() is not None


def test_a_change_told_while_notifications_are_read_is_not_missed(store, watching, monkeypatch):
    """The listening thread reads what woke it (here another schema's notice: every store on the server
    shares the channel) with psycopg's notifies(), which goes on reading while it can: a notice of this
    store's change arriving meanwhile is taken in with it, and the wait for the socket never sees it. Rows a
    check kept during that read must not be trusted after it (a CI run, with other stores writing on the same
    server, read the old source after another session's commit)."""
    st = open_store(store)
    watch = live(st)
    real = psycopg.Connection.notifies
    done = []

    def notifies(self, *args, **kwargs):
        if not done and threading.current_thread() is watch.thread:
            done.append(True)
            st.catalog_dicts()   # a check reading the catalog while the thread reads the socket
            _other_session_sets_source(st, "industrial_clusters", "读取通知期间的改动")
            time.sleep(0.3)      # its notice now waits on the socket and is read below
        return real(self, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "notifies", notifies)
    with st.engine.begin() as con:
        con.execute(text(f"SELECT pg_notify('{catalog_watch.CHANNEL}', 'another_schema')"))
    assert until(lambda: done and watch.conn is not None)
    time.sleep(0.2)
    assert st.catalog_dicts()["industrial_clusters"]["source"] == "读取通知期间的改动"


def test_the_socket_read_between_a_checks_two_looks_is_seen(store, watching, monkeypatch):
    """A check looks at the generation, then at the socket. The listening thread may read the socket in
    between (the socket then looks empty): it moves the generation first, and the check must look at it
    again after the socket (seen in a debug run: the old source returned after the notice was read)."""
    st = open_store(store)
    watch = live(st)
    st.catalog_dicts()
    real = catalog_watch.select.select

    def select(r, w, x, timeout):
        if threading.current_thread() is threading.main_thread() and timeout == 0:
            watch.forget()          # the listening thread, about to read the socket, drops the rows ...
            return [], [], []       # ... and has read it: nothing left to see
        return real(r, w, x, timeout)

    monkeypatch.setattr(catalog_watch.select, "select", select)
    assert watch.current() is None


def test_any_notification_of_the_channel_drops_the_rows(store, watching):
    """A schema name longer than 63 bytes reaches listeners cut short: the payload is not compared."""
    st = open_store(store)
    watch = live(st)
    st.catalog_dicts()
    with st.engine.begin() as con:
        con.execute(text(f"SELECT pg_notify('{catalog_watch.CHANNEL}', 'another_schema_or_a_cut_name')"))
    assert until(lambda: watch.current() is None)


@pytest.mark.parametrize("how", ["DISABLE TRIGGER", "ENABLE REPLICA TRIGGER"])
def test_a_trigger_an_administrator_stopped_is_left_as_it_is(store, watching, monkeypatch, how):
    """Disabled, or firing only for replication: no notice comes of ordinary changes, so the rows are no
    longer kept — and the administrator's choice stands (never dropped and made again: a DROP TRIGGER
    waits for every open transaction that read the table, and all later reads wait behind it)."""
    monkeypatch.setattr(catalog_watch, "RECHECK_S", 0.2)
    st = open_store(store)
    watch = live(st)
    with st.engine.begin() as con:
        con.execute(text(f"ALTER TABLE {st._t(CATALOG_TABLE)} {how} {catalog_watch.TRIGGER}"))
    assert until(lambda: watch.why_not == "no trigger")
    sent = _reads(monkeypatch)
    st.catalog_dicts()
    st.catalog_dicts()
    assert len(sent) == 2
    with st.engine.connect() as con:
        state = con.execute(text(catalog_watch.trigger_state_sql(":t")), {"t": st._t(CATALOG_TABLE)}).scalar()
    assert state == ("D" if how.startswith("DISABLE") else "R")


def test_adding_the_trigger_does_not_wait_for_an_open_transaction(store, watching):
    """A session idle in a transaction that read the catalog (psql, QGIS) must not stop the desk, nor
    make other readers queue behind the desk."""
    st = open_store(store)
    with st.engine.begin() as con:
        con.execute(text(f"DROP TRIGGER {catalog_watch.TRIGGER} ON {st._t(CATALOG_TABLE)}"))
    url = st._url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as idle:   # a transaction left open after a read
        idle.execute(f"SELECT count(*) FROM {st._t(CATALOG_TABLE)}")
        live(st)
        with psycopg.connect(url, autocommit=True) as other:
            other.execute("SET statement_timeout = '5s'")
            assert other.execute(f"SELECT count(*) FROM {st._t(CATALOG_TABLE)}").fetchone()[0] > 0
        idle.rollback()


def test_catalog_entry_of_a_dropped_schema_is_none(store):
    """Asked while the schema is dropped (a re-push): no catalog, not a database error (a desk's 500)."""
    st = open_store(store)
    with st.engine.begin() as con:
        con.execute(text(f'DROP SCHEMA "{st.schema}" CASCADE'))
    assert st.catalog_entry("district") is None


def test_the_command_lines_store_reaches_every_worker(monkeypatch, tmp_path):
    """``dcf --store URL serve --workers 2``: the store made active by the command line is the workers'
    (they start afresh; they had opened the shipped store and recorded into it)."""
    from dcf_spatial.desk import server, workers

    handed = {}
    monkeypatch.setattr(workers, "serve_workers", lambda n, **kw: handed.update(kw["app_kwargs"]))
    mine = tmp_path / "mine.gpkg"
    with dcf.Store(str(mine)).activate():
        server.serve(workers=2, open_browser=False)
    assert handed["store"] == str(mine)
