"""Is the layer catalog a long-running process read from a PostGIS store still current?

A desk asks a database's catalog on every site check: it is the cache key of the check's layers and
the versions a recorded check names. One round trip each time was the largest single cost of a
PostGIS check (about 0.45 ms of the desk's CPU of ~2.6 ms, py-spy ``--gil``; plus the server's).
PostgreSQL can say instead when the catalog changes: a statement trigger on the catalog table sends
a notification (``pg_notify``, delivered when the writing transaction commits, to every session
listening), and a process that listens keeps the rows it read until one arrives. Every writer is
covered — ``dcf`` from any machine, another desk worker, SQL typed by hand — as the trigger sits on
the table, not in this code.

Kept only while it can be trusted; otherwise the catalog is read per call as before:

* the listening connection is up, and was up before the rows were read (a notification sent while
  nobody listened is lost), and the trigger fires for ordinary writers (checked when it starts and
  every :data:`RECHECK_S`; one an administrator disabled or set to replica mode is left so);
* no notification is waiting unread on the listening socket (checked without blocking, a ``select``
  of a few microseconds), and the listening thread marks the rows stale before it reads one off the
  socket: a change committed just before a check is not missed while that thread waits for the
  interpreter; and whenever that thread reads the socket (the notifications, the trigger's check) no rows
  are trusted or kept until it is done, then they are dropped: a notification that arrives during such a
  read is taken in with it, unseen by the wait for the socket;
* the rows are younger than :data:`MAX_AGE_S` (a writer that bypasses triggers — a table dropped and
  made again by other software, ``session_replication_role = replica`` — is seen within that time; so is a
  layer table dropped outside dcf, whose oid the rows carry: ``PostgisStore.catalog_dicts``);
* the calling process has not written the store itself, nor met a store error, since (:func:`forget`,
  called by the store's writes and errors: its own change is seen at once, before the notice comes back).

The same periodic check asks which layer tables lost the trigger that marks an edit outside dcf
(:mod:`.outside_edits`; dropped or disabled by an administrator): :func:`unwatched`. Nothing in the catalog
moves when such a table is edited, so a desk's check then stamps those tables' rows every time and says that
their edits can no longer be detected (``queries/site/context.py``), until the trigger is back. When it is
back — enabled again, or added again by dcf or by hand, even between two checks (the trigger's ``pg_trigger``
row changed) — what was written meanwhile left no mark: the layer is marked in the catalog as edited outside
dcf (every worker reads it again, every check and the doctor say so; ``PostgisStore.trigger_looks``).

Only processes that ask for it watch (:func:`enable`: the desk); a one-shot command reads the catalog
the one or two times it needs it. Stdlib threading and psycopg's own ``notifies()``: no library
offers a cache invalidated by ``LISTEN``/``NOTIFY`` for a SQLAlchemy engine.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time

from .names import CATALOG_TABLE

logger = logging.getLogger(__name__)

#: the notification channel (one for every schema: the payload names the schema)
CHANNEL = "dcf_catalog"
#: name of the trigger (and of its function, in the store's schema)
TRIGGER = "dcf_catalog_notify"
#: rows older than this are read again even without a notification (seconds)
MAX_AGE_S = 5.0
#: how long the listening thread waits for a notification before it checks the trigger again (s)
RECHECK_S = 5.0

_ENABLED = {"on": False}
_WATCHES: dict = {}
_LOCK = threading.Lock()


def enable(on: bool = True) -> None:
    """Keep PostGIS catalogs in this process between changes (the desk; see the module's text)."""
    _ENABLED["on"] = bool(on)


def trigger_sql(schema_q: str, table_q: str) -> list[str]:
    """The statements that make the catalog table notify :data:`CHANNEL` on every change (``schema_q`` and
    ``table_q`` quoted identifiers), for a table that has no trigger of that name (:func:`trigger_state_sql`):
    an existing one — disabled or set to replica mode by an administrator — is never replaced (a
    ``DROP TRIGGER`` waits for every open transaction that read the table, and every later read then
    waits behind it). Statement-level: one notification per writing statement, and PostgreSQL folds
    identical notifications of one transaction into one. The payload (the schema) is informative only:
    a listener drops its rows on any notification of the channel (a schema name longer than 63 bytes
    is cut by PostgreSQL and would not match the store's)."""
    return [
        f"""CREATE OR REPLACE FUNCTION {schema_q}.{TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('{CHANNEL}', TG_TABLE_SCHEMA); RETURN NULL; END $$""",
        f"""CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {schema_q}.{table_q}
            FOR EACH STATEMENT EXECUTE FUNCTION {schema_q}.{TRIGGER}()""",
    ]


def trigger_state_sql(param: str = "%s") -> str:
    """A query answering the trigger's ``tgenabled`` on the catalog table (no row: there is none), whose
    qualified name is the one parameter (``param``: psycopg's ``%s``, SQLAlchemy's ``:name``). Only
    ``O`` (fires in ordinary sessions) and ``A`` (always) tell of every change: ``D`` (disabled) and
    ``R`` (replica mode only) do not."""
    return f"SELECT tgenabled FROM pg_trigger WHERE tgrelid = to_regclass({param}) AND tgname = '{TRIGGER}'"


#: the trigger's states that fire for every ordinary writer
FIRING = ("O", "A")


class _Watch:
    """The listening thread of one store in this process, and the rows it vouches for."""

    def __init__(self, store):
        self.table = store._t(CATALOG_TABLE)
        self.engine = store.read_engine
        self.label = store.label
        self.store = store
        #: bumped by every notification, reconnection and own write: rows read under another are stale
        self.generation = 0
        #: the listening connection, while it is up and the trigger was found
        self.conn = None
        #: why the rows are not kept now: "starting", "no trigger", "connection lost"; None while listening
        self.why_not = "starting"
        self.rows: tuple | None = None   # (generation, time read, rows)
        #: the layer tables (ids) whose edits outside dcf would not be marked (:mod:`.outside_edits`: the trigger
        #: dropped or stopped by an administrator), as found by the last check (:meth:`_check_layers`)
        self.unwatched: tuple[str, ...] = ()
        #: ``{layer id: stamp}`` of the layer tables' triggers at the last check (PostgisStore.trigger_looks)
        self.touches: dict[str, str] = {}
        self.lock = threading.Lock()
        #: the listening thread (the only reader of the listening connection)
        self.thread = threading.Thread(target=self._run, name="dcf-catalog-watch", daemon=True)
        self.thread.start()

    # --- the calling threads ------------------------------------------------------------------
    def current(self) -> dict | None:
        """The rows kept, if they can be trusted now; ``None``: read them (and :meth:`keep` them)."""
        conn, kept = self.conn, self.rows
        if conn is None or kept is None or kept[0] != self.generation or time.monotonic() - kept[1] > MAX_AGE_S:
            return None
        try:
            if select.select([conn.fileno()], [], [], 0)[0]:
                return None   # something arrived that the listening thread has not read yet
        except (OSError, ValueError):   # closed meanwhile
            return None
        # asked again AFTER looking at the socket: the listening thread may have read it between the first
        # look at the generation and the select (the socket then looks empty) — but it moves the generation
        # before it reads (_unvouched), so a read in between is seen here
        if kept[0] != self.generation or self.conn is None:
            return None
        return {k: dict(v) for k, v in kept[2].items()}

    def ticket(self):
        """Taken before a read: the generation the rows will be kept under (``None``: not listening)."""
        return None if self.conn is None else self.generation

    def keep(self, ticket, rows: dict) -> None:
        if ticket is not None and ticket == self.generation:
            self.rows = (ticket, time.monotonic(), {k: dict(v) for k, v in rows.items()})

    def forget(self) -> None:
        with self.lock:
            self.generation += 1
            self.rows = None

    # --- the listening thread -----------------------------------------------------------------
    def _run(self) -> None:
        #: whether this process may still try to add a missing trigger (once: a role without the
        #: right would write a "permission denied" into the server's log at every try)
        self.may_add = True
        while True:
            try:
                self._listen()
            except _NotWatched:
                self._state("no trigger", "PostGIS 图层库 %s 的图层目录变更通知触发器被删除或停用：改为每次核查读取目录")
            except Exception as exc:  # noqa: BLE001 - any failure: stop vouching, then start again
                self._state("connection lost", "PostGIS 图层库 %s 的图层目录变更监听中断：改为每次核查读取目录，稍后重试")
                logger.debug("catalog watch of %s failed", self.label, exc_info=exc)
            self._drop()
            time.sleep(1.0)

    def _check_layers(self) -> None:
        """Ask which layer tables would not mark an edit outside dcf (on the read pool, not the listening
        connection): asked as the watch starts and every :data:`RECHECK_S`, also while the catalog's own
        trigger is missing. A change is said once; the kept rows are dropped with it (a check's layers are
        keyed by it: :func:`unwatched`)."""
        try:
            now, touches = self.store.trigger_looks()
        except Exception:  # noqa: BLE001 - the store unreachable: the last answer stands, asked again later
            logger.debug("could not ask %s for its layer tables' triggers", self.label, exc_info=True)
            return
        # a trigger that fires now but was dropped, disabled or set aside since the last look (also one put
        # back before that look, or by hand): what was written meanwhile left no mark. Marked in the catalog,
        # for every worker (this one's memory is not theirs) and for the doctor
        back = [lid for lid, touch in touches.items() if lid not in now
                and _same_table(self.touches.get(lid), touch) and self.touches[lid] != touch]
        if back:
            try:
                self.store.mark_edited_outside(back)
            except Exception:  # noqa: BLE001 - no right to write the catalog (or the store unreachable)
                # until marked (tried again at the next look), this process treats them as unwatched: their rows
                # are stamped at every check (read again when the stamp moves) and every check says so
                logger.debug("could not mark %s of %s as edited outside dcf", back, self.label, exc_info=True)
                touches.update({lid: self.touches[lid] for lid in back})
                now = [lid for lid in touches if lid in now or lid in back]
        now = tuple(now)
        self.touches = touches
        if now == self.unwatched:
            return
        if now:
            logger.warning("PostGIS 图层库 %s：图层表 %s 的“在 dcf 之外编辑”触发器被删除或停用，对它们的直接编辑不再能被发现"
                           "（dcf layers doctor --repair 补上被删除的触发器）", self.label, "、".join(now))
        else:
            logger.warning("PostGIS 图层库 %s：图层表的“在 dcf 之外编辑”触发器已恢复", self.label)
        self.unwatched = now
        self.forget()

    def _state(self, why: str, words: str) -> None:
        """Not listening, for ``why``: said once when it starts (a server down is retried every second)."""
        if why != self.why_not:
            logger.warning(words, self.label)
        self.why_not = why

    def _drop(self) -> None:
        conn, self.conn = self.conn, None
        self.why_not = self.why_not or "connection lost"
        self.forget()
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - already broken
                pass

    def _listen(self) -> None:
        raw = self.engine.raw_connection()
        pg = raw.driver_connection
        raw.detach()   # ours for good: out of the pool, closed by this thread only
        pg.autocommit = True
        try:
            pg.execute(f"LISTEN {CHANNEL}")
            on = self._trigger_on(pg)
            self._check_layers()
            if not on:
                pg.close()
                self._state("no trigger", "PostGIS 图层库 %s 的图层目录变更通知触发器不存在、被停用或无权创建："
                                          "每次核查读取目录")
                time.sleep(10.0)   # a store made by an older version may get one later (any dcf write adds it)
                return
        except BaseException:
            pg.close()
            raise
        self.forget()
        if self.why_not not in (None, "starting"):
            logger.warning("PostGIS 图层库 %s 的图层目录变更监听已恢复", self.label)
        self.conn, self.why_not = pg, None   # from here the rows read can be kept
        fd, recheck = pg.fileno(), time.monotonic() + RECHECK_S
        while True:
            # waited for here, not inside psycopg's notifies(): nothing is vouched for from before anything is
            # taken off the socket until after it (_unvouched). Until then a check finds the socket readable
            # (current()); during the read no rows are trusted or kept; after it the generation moved
            if select.select([fd], [], [], max(0.0, recheck - time.monotonic()))[0]:
                # read (any schema's: see trigger_sql), nothing else to do with them
                self._unvouched(pg, lambda: [None for _ in pg.notifies(timeout=0)])
            if time.monotonic() >= recheck:
                # whether the trigger still fires (the table made again without it, or disabled)
                if not self._unvouched(pg, lambda: self._trigger_on(pg)):
                    pg.close()
                    raise _NotWatched("catalog trigger gone")
                self._check_layers()
                recheck = time.monotonic() + RECHECK_S

    def _unvouched(self, pg, read):
        """``read()`` on the listening connection with nothing vouched for meanwhile: no kept rows are used
        and none kept while it runs, and the rows read before it are dropped before and after it.
        Whatever reads this socket may take in a notification that arrives while it reads — psycopg's
        ``notifies()`` goes on reading, a query's answer comes with it — and the ``select`` of
        :meth:`_listen` never sees that one: a check trusted rows older than another session's commit
        (a CI run read the old source after that commit). Closes ``pg`` when ``read`` fails."""
        self.conn = None
        self.forget()
        try:
            out = read()
        except BaseException:
            pg.close()
            raise
        self.forget()
        self.conn = pg
        return out

    def _trigger_on(self, pg) -> bool:
        """Whether the catalog's trigger fires for every writer; a missing one is added (once a process), and
        so are the layer tables' triggers that mark an edit outside dcf (:mod:`.outside_edits`)."""
        row = pg.execute(trigger_state_sql(), (self.table,)).fetchone()
        if not self.may_add:
            return row is not None and row[0] in FIRING
        if row is not None:
            # a store made before the layer tables marked their edits outside dcf (outside_edits): they
            # are what tells of such an edit, through this trigger
            try:
                if not self.store.lacks_edit_marks():
                    return row[0] in FIRING
            except Exception:  # noqa: BLE001 - asked again by the next write, which adds them
                logger.debug("could not ask %s for its edit marks", self.label, exc_info=True)
                return row[0] in FIRING
        self.may_add = False
        try:
            before = self.store.trigger_looks()[1]
            self.store.add_catalog_trigger()
            # the layer triggers just put back were marked with it (PostgisStore._add_edit_marks): not again
            self.touches.update({lid: t for lid, t in self.store.trigger_looks()[1].items()
                                 if _same_table(before.get(lid), t) and before[lid].endswith(":-:-")})
        except Exception:  # noqa: BLE001 - no right to add it (or another process did meanwhile): asked again below
            logger.debug("could not add the catalog trigger to %s", self.label, exc_info=True)
        row = pg.execute(trigger_state_sql(), (self.table,)).fetchone()
        return row is not None and row[0] in FIRING


def _same_table(before: str | None, now: str) -> bool:
    """Whether two trigger stamps (PostgisStore.trigger_looks) are of the same table (dcf writing a layer makes a
    new one, with its own trigger: no gap)."""
    return before is not None and before.split(":", 1)[0] == now.split(":", 1)[0]


class _NotWatched(Exception):
    """The trigger is gone or no longer fires: the rows are read per check until it is back."""


def watch_of(store) -> _Watch | None:
    """The watch of ``store`` in this process (started on first use) when watching is enabled."""
    if not _ENABLED["on"]:
        return None
    key = _key(store)
    watch = _WATCHES.get(key)
    if watch is None:
        with _LOCK:
            watch = _WATCHES.get(key)
            if watch is None:
                watch = _WATCHES[key] = _Watch(store)
    return watch


def unwatched(store) -> tuple[str, ...]:
    """The layer tables of ``store`` whose edits outside dcf a watching process (the desk) would not be told
    of, as its last periodic check found them (``()``: none, or nothing watched in this process)."""
    if not _WATCHES:
        return ()
    watch = _WATCHES.get(_key(store))
    return () if watch is None else watch.unwatched


def forget(store) -> None:
    """This process wrote ``store``'s catalog: its kept rows are not used again."""
    if not _WATCHES:   # a process that keeps no catalog (every command but the desk): nothing to render
        return
    watch = _WATCHES.get(_key(store))
    if watch is not None:
        watch.forget()


def _key(store) -> tuple:
    """A watch's key: the process (a forked child starts its own), the store's URL and schema (rendered once
    per store object: asked a few times per check, and SQLAlchemy renders the URL anew each time)."""
    where = getattr(store, "_watch_key", None)
    if where is None:
        where = store._watch_key = (store._url.render_as_string(hide_password=False), store.schema)
    return (os.getpid(), *where)
