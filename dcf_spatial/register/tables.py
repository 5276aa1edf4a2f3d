"""Where the register lives: three tables in the layer store itself, written in one transaction.

* ``dcf_register`` — one row per recorded check (a spatial table: the site in EPSG:4490);
* ``dcf_register_layers`` — every layer version a recorded check used, keyed by content hash
  (GeoParquet bytes), so a later ``import`` or ``reset`` can never take away what a record needs;
* ``dcf_register_files`` — every version of a rule or indicator file a recorded check used, keyed by
  hash (the file's bytes).

GeoPackage: the writer holds the store's writer lock (the one imports take before they swap the
file) and writes in one ``BEGIN IMMEDIATE`` SQLite transaction, retried while another writer holds the
database. PostGIS: one transaction under a transaction-level advisory lock, in two round trips for a
whole group of recorded checks (a psycopg pipeline with every read and insert, then the commit).
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import struct
import time
from typing import TYPE_CHECKING

from ..errors import InputError, StoreChangedError, StoreError, about
from ..store.backends import outside_edits
from ..store.backends.names import CATALOG_TABLE

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

REGISTER_TABLE = "dcf_register"
LAYERS_TABLE = "dcf_register_layers"
FILES_TABLE = "dcf_register_files"
#: one row per recorded audit: its manifest (inputs' hashes, as-of date, layer and rule versions) and
#: its per-parcel (per-enterprise) answer as GeoParquet bytes, for ``dcf audit diff``
AUDITS_TABLE = "dcf_register_audits"
AUDIT_COLUMNS = ("recorded_at", "kind", "engine", "as_of", "folder", "manifest")
GEOM = "geom"
SRID = 4490
#: the text columns of ``dcf_register``, in order (``id`` and the geometry besides)
COLUMNS = ("recorded_at", "check_date", "project", "industry", "industry_code", "verdict", "status", "zones",
           "source", "row_label", "rerun", "result", "layers", "files", "store")

# ---------------------------------------------------------------------------------------------
# GeoPackage geometry blobs. Written by hand because the register row must go in through plain
# sqlite3 inside the same BEGIN IMMEDIATE transaction as its other rows (GDAL cannot join that
# transaction); the format is the 8-byte GeoPackage header (GPKG spec §2.1.3), an xy envelope, and WKB.


def gpkg_blob(geom) -> bytes | None:
    import shapely

    if geom is None:
        return None
    if shapely.is_empty(geom):
        return b"GP\x00\x11" + struct.pack("<i", SRID) + shapely.to_wkb(geom, byte_order=1)
    x0, y0, x1, y1 = geom.bounds
    return b"GP\x00\x03" + struct.pack("<i4d", SRID, x0, x1, y0, y1) + shapely.to_wkb(geom, byte_order=1)


def from_gpkg_blob(blob):
    import shapely

    if blob is None:
        return None
    flags = blob[3]
    env = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0b111]
    return shapely.from_wkb(bytes(blob[8 + env:]))


def _gpkg_init(con: sqlite3.Connection) -> None:
    con.execute(f"""CREATE TABLE IF NOT EXISTS {REGISTER_TABLE} (
        id INTEGER PRIMARY KEY AUTOINCREMENT, {GEOM} GEOMETRY, {', '.join(c + ' TEXT' for c in COLUMNS)})""")
    con.execute(f"CREATE TABLE IF NOT EXISTS {LAYERS_TABLE} (layer_id TEXT, sha256 TEXT, catalog TEXT, data BLOB, "
                "PRIMARY KEY (layer_id, sha256))")
    con.execute(f"CREATE TABLE IF NOT EXISTS {FILES_TABLE} (name TEXT, sha256 TEXT, content BLOB, PRIMARY KEY (name, sha256))")
    con.execute(f"CREATE TABLE IF NOT EXISTS {AUDITS_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                f"{', '.join(c + ' TEXT' for c in AUDIT_COLUMNS)}, rows BLOB)")
    if con.execute("SELECT 1 FROM gpkg_contents WHERE table_name=?", (REGISTER_TABLE,)).fetchone() is None:
        if con.execute("SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id=?", (SRID,)).fetchone() is None:
            raise InputError(f"图层库中没有 EPSG:{SRID} 坐标系定义，无法建立核查登记表；请先导入或重建图层库。")
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
                    "VALUES (?, 'features', ?, ?, ?)", (REGISTER_TABLE, REGISTER_TABLE, "选址核查登记", SRID))
        con.execute("INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) "
                    "VALUES (?, ?, 'GEOMETRY', ?, 0, 0)", (REGISTER_TABLE, GEOM, SRID))


@contextlib.contextmanager
def _gpkg_read(st):
    """A connection to the store file, holding its in-process lock (see ``gpkg.file_lock``)."""
    from ..store.backends.gpkg import file_lock

    # read-only: closing it never checkpoints nor deletes the -wal of a store a desk has in WAL mode (breaker F3)
    with file_lock(st.path), contextlib.closing(sqlite3.connect(f"file:{st.path}?mode=ro", uri=True)) as con:
        yield con


#: the register's writer connection of each store file, kept between writes: opening a connection
#: makes SQLite parse the GeoPackage's whole schema again (tables, triggers, R-trees) on its first
#: statement, about 3 ms of CPU on every recorded check of a busy desk. Path -> [connection, the file's
#: state after that connection's last commit, register tables created, the ``(layer id, sha256)`` and
#: ``(file, sha256)`` versions the register keeps as of that commit (or ``None``: read them)]. Reused only while the file is
#: exactly as that commit left it (same inode, mtime, size and change counter): an import that swaps
#: the file, or any other writer, makes the next write open a fresh connection. Used only under the
#: store's writer lock.
_WRITERS: dict[str, list] = {}


def _writer(path) -> list:
    from ..store.backends.gpkg import file_lock, file_state

    key = str(path)
    entry = _WRITERS.get(key)
    if entry is not None:
        try:
            same = file_state(path) == entry[1]
        except OSError:
            same = False
        if same:
            return entry
        entry[0].close()
    _WRITERS.pop(key, None)
    from ..store.backends.gpkg import _drop_stamp_connection

    # no other connection of this process left on the file either: SQLite shares one WAL index mapping among a
    # process's connections, and one kept open would keep a -wal/-shm deleted meanwhile (another program closing
    # the store as its last user, breaker F3) in use for the new writer, whose commits would then be lost
    with file_lock(path):
        _drop_stamp_connection(path)
    while len(_WRITERS) >= 8:  # a few stores at a time are written; the oldest connection goes
        old_path, old = next(iter(_WRITERS.items()))
        with file_lock(old_path):  # closing a handle drops the process's locks on that file (see file_lock)
            _WRITERS.pop(old_path)[0].close()
    from ..store.backends.gpkg import connect_existing, refuse_gone_under_desk

    refuse_gone_under_desk(path)   # a desk's store deleted under it: said (503), not made anew empty by this connect (B9)
    try:
        # mode=rw: a file deleted between that look and this open is not made anew (empty) at the path
        con = connect_existing(path, timeout=30, isolation_level=None, check_same_thread=False)
    except sqlite3.OperationalError as exc:
        refuse_gone_under_desk(path, exc)
        raise
    # durable at every commit in either journal mode: in WAL (a running desk, gpkg_wal) SQLite's default
    # may be built as NORMAL, which can lose the last commits on a power cut
    con.execute("PRAGMA synchronous=FULL")
    # a desk's WAL is checkpointed by its anchor alone, after it looked whether the main file was replaced
    # (breaker N4, store/backends/gpkg_wal.py); in the rollback journal this has no effect
    con.execute("PRAGMA wal_autocheckpoint=0")
    entry = [con, None, False, None]
    _WRITERS[key] = entry
    return entry


@contextlib.contextmanager
def _gpkg_write(st, prepare=None):
    """The store's writer lock, then one ``BEGIN IMMEDIATE`` transaction (retried while busy) on the
    store's kept writer connection (:data:`_WRITERS`); yields ``(connection, prepare(connection))``.

    ``prepare`` runs under the writer lock but BEFORE the transaction: whatever reads the store through
    another handle (a layer read by GDAL, a read-only connection) must happen there. Inside the
    transaction only the yielded connection may touch the file: closing any other handle on it drops
    every POSIX lock this process holds on it, the transaction's RESERVED lock included (SQLite's "How
    To Corrupt" §2.2), and another process could then write at the same time."""
    with st._locked():  # imports replace the whole file: a write must not fall between their copy and swap
        from ..store.backends.gpkg import (carry_stamp, file_state, main_file_committed, note_register_commit,
                                           register_commit_window, watch_layer_tables)

        _refuse_replaced(st.path)
        entry = _writer(st.path)
        con = entry[0]
        if prepare is None:   # another kind of write (an audit, a copied register): kept versions read anew
            entry[3] = None
        prepared = prepare(con) if prepare is not None else None
        entry[1] = None  # until this transaction commits, the connection is not known to be current
        try:
            if not entry[2]:   # dcf's first write through this connection: a store made before the edit triggers gets them
                watch_layer_tables(con, st.path)
            # the file's state is read BEFORE the transaction takes SQLite's lock: reading the header opens
            # and closes a handle on the file, and closing any handle drops every POSIX lock this process
            # holds on it — the transaction's own RESERVED lock included (SQLite's "How To Corrupt" §2.2).
            # A commit by another process in between raises the counter twice, so carry_stamp keeps nothing.
            before = file_state(st.path)
            for attempt in range(20):
                try:
                    con.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as exc:  # "database is locked" past the timeout
                    if "locked" not in str(exc) or attempt == 19:
                        raise
                    time.sleep(0.2 * (attempt + 1))
            changes = con.total_changes
            try:
                if not entry[2]:
                    _gpkg_init(con)
                yield con, prepared
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            # the other processes of a desk wait for the note of this commit rather than read the store
            with register_commit_window():
                try:
                    con.execute("COMMIT")
                except BaseException:
                    if con.in_transaction:
                        con.execute("ROLLBACK")
                    raise
                entry[2] = True
                entry[1] = file_state(st.path)
                # only register tables were written: the layers' content stamp still holds
                carry_stamp(st.path, before, entry[1])
                if con.total_changes > changes:   # rows were written: the commit raised the change counter
                    note_register_commit(st.path, before, entry[1])
                main_file_committed(st.path)
        except BaseException as exc:
            _WRITERS.pop(str(st.path), None)
            con.close()
            if isinstance(exc, sqlite3.Error):   # a full disk, a store made read-only: said, not a traceback (500)
                _unwritten(st, exc)
            raise


def _refuse_replaced(path) -> None:
    """Raise the :class:`~dcf_spatial.errors.StoreReplacedError` of a register write into a running desk's WAL store whose
    main file was replaced under it (breaker F9/N4): a commit would go into a log that no longer fits the file."""
    from ..errors import StoreReplacedError
    from ..store.backends.gpkg import main_file_replaced, refuse_gone_under_desk

    if what := main_file_replaced(path):
        refuse_gone_under_desk(path)   # emptied or deleted rather than replaced: said so (breaker B9)
        raise StoreReplacedError(f"核查未登记：图层库 {path} 的主文件在工作台运行期间被替换了（{what}；如用 cp 把另一个文件复制到它上面）。"
                         f"本工作台已停止登记核查，也不会把 {path}-wal 中的登记写回被替换的主文件。请停止工作台（Ctrl+C），"
                         "停止时它会把图层库及其 -wal、-shm 原样复制到旁边的文件夹并说明如何找回；"
                         "恢复图层库一律用 dcf layers restore，不要用 cp 覆盖。")


def _unwritten(st, exc: sqlite3.Error) -> None:
    """Raise the :class:`~dcf_spatial.errors.StoreError` of a register write into the GeoPackage ``st`` that
    SQLite refused for a full disk or a read-only file or folder (issue 12, a and b); nothing for another
    error. The write was rolled back: nothing of it is in the store."""
    from ..errors import StoreError
    from ..store.backends.disk_full import is_disk_full
    from ..store.backends.gpkg_writable import unwritable_message, write_problem

    if is_disk_full(exc):
        raise st._disk_full(exc, writing="核查登记") from None
    if "readonly" in str(exc):   # SQLITE_READONLY: "attempt to write a readonly database"
        problem = write_problem(st.path) or f"不可写（{exc}）"
        raise StoreError(unwritable_message(st.path, problem, who="选址核查", rerun="dcf --store {store} …",
                                            without="加 --no-record（dcf serve）或去掉 --record（dcf site check）")) from None


#: the catalog's columns of the mark of an edit outside dcf and their types
MARK_COLUMNS = outside_edits.COLUMN_TYPES


def _pg_init(st, con) -> bool:
    """The register's tables made (and the store's meta tables, :meth:`PostgisStore._ensure_meta_tables`);
    returns whether the catalog has the columns of the mark of an edit outside dcf (:func:`_catalog_locked_sql`)."""
    from sqlalchemy import bindparam, text

    con.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"{st.schema}.{REGISTER_TABLE}"})
    st._ensure_meta_tables(con)
    # each made only when missing (CREATE … IF NOT EXISTS asks for the right to create even when it is there)
    made = {
        REGISTER_TABLE: f"""(id BIGSERIAL PRIMARY KEY, {GEOM} geometry(Geometry, {SRID}),
                             {', '.join(c + ' TEXT' for c in COLUMNS)})""",
        LAYERS_TABLE: "(layer_id TEXT, sha256 TEXT, catalog TEXT, data BYTEA, PRIMARY KEY (layer_id, sha256))",
        FILES_TABLE: "(name TEXT, sha256 TEXT, content BYTEA, PRIMARY KEY (name, sha256))",
        AUDITS_TABLE: f"(id BIGSERIAL PRIMARY KEY, {', '.join(c + ' TEXT' for c in AUDIT_COLUMNS)}, rows BYTEA)",
    }
    for table, columns in made.items():
        if not st._table_exists(con, table):
            con.execute(text(f"CREATE TABLE IF NOT EXISTS {st._t(table)} {columns}"))
        if table == REGISTER_TABLE:
            _pg_lz4(st, con)
    return con.execute(text("SELECT count(*) FROM information_schema.columns WHERE table_schema=:s AND table_name=:t "
                            "AND column_name IN :cols").bindparams(bindparam("cols", expanding=True)),
                       {"s": st.schema, "t": CATALOG_TABLE, "cols": list(MARK_COLUMNS)}).scalar() == len(MARK_COLUMNS)


def _pg_lz4(st, con) -> None:
    """The register rows' text columns compressed with LZ4 (``SET COMPRESSION lz4``, PostgreSQL 14+ built with
    it; rows written before keep theirs, and both read back the same). A row's answer (~5 kB of JSON) is compressed
    as it is written: pglz, the default, cost the server 0.21 ms of CPU an insert (with its commit), LZ4 0.135 ms
    (2,000 inserts of recorded checks' rows each, the same rows). Asked where not done yet; in a savepoint that
    waits at most 2 s for the table (a reader of the register): an older server, one built without LZ4 or a table
    held too long keeps pglz, and the writes go on."""
    from sqlalchemy import bindparam, text

    try:
        with con.begin_nested():
            if int(con.execute(text("SELECT current_setting('server_version_num')")).scalar()) < 140000:
                return
            todo = [r[0] for r in con.execute(text(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:t) AND attname IN :cols "
                "AND attcompression <> 'l'").bindparams(bindparam("cols", expanding=True)),
                {"t": st._t(REGISTER_TABLE), "cols": list(COLUMNS)}).all()]
            if todo:
                old = con.execute(text("SELECT current_setting('lock_timeout')")).scalar()
                con.execute(text("SET LOCAL lock_timeout = '2s'"))
                con.execute(text(f"ALTER TABLE {st._t(REGISTER_TABLE)} "
                                 + ", ".join(f"ALTER COLUMN {c} SET COMPRESSION lz4" for c in todo)))
                con.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": old})
    except Exception:  # noqa: BLE001 - no LZ4 in this server, no right to alter, or the table held: pglz stays
        logger.debug("the register's columns keep their compression", exc_info=True)


def _catalog_locked_sql(cat: str, has_marks: bool, schema: str, layer_ids) -> str:
    """The catalog rows a register write compares — those of the layers ``layer_ids`` its group used, no
    other — locked ``FOR SHARE``, with the mark of an edit outside dcf, after the register's transaction-level
    advisory lock (parameter ``%s``, its key) is taken. Its columns are named when this process found them
    (:func:`_pg_init`: a dropped one makes the write start over, :class:`_StaleCache`); else read through
    ``to_jsonb`` of the row, NULL in a store made before them — which cost the server about 0.1 ms of CPU a
    write (0.21 against 0.11 ms, 12,000 writes' catalog reads).

    Each row locked is written (its tuple header, and a WAL record) and each costs a look at its table's
    columns (``pg_attribute``): the rows of layers the group did not use (no site check reads the roads) are
    neither locked nor compared. The lock is the query's one-time filter (``EXPLAIN``: an InitPlan the gating
    ``Result`` evaluates before the catalog is scanned), not a statement of its own; what the write reads
    after it (the kept versions) is read under the lock, as before. Kept per set of layers: the same text
    every write (psycopg prepares it)."""
    key = (cat, has_marks, schema, tuple(layer_ids))
    sql = _LOCKED_SQL.get(key)
    if sql is None:
        from ..store.backends.postgis import edit_count_sql, layer_table_sql, schema_unmarked_sql

        cols = MARK_COLUMNS if has_marks else {c: f"CAST(to_jsonb(c) ->> '{c}' AS {t})" for c, t in MARK_COLUMNS.items()}
        # the count as every catalog read gives it: one more for a layer table altered or replaced outside dcf (DDL: PostgisStore)
        marks = ", ".join(f"{edit_count_sql(c if has_marks else cols[c], schema_unmarked_sql('t.rel'))} AS {c}"
                          if c == outside_edits.COUNT else (c if has_marks else f"{cols[c]} AS {c}") for c in MARK_COLUMNS)
        # the layer's table looked up once per row (OFFSET 0: not pulled up into each use); a "%" in a name or
        # the schema doubled: the query has a parameter, psycopg reads every other "%" as one
        sql = (f"SELECT id, version, history, sha256, updated_at, source, {marks} FROM {cat} AS c CROSS JOIN LATERAL "
               f"(SELECT {layer_table_sql(schema)} AS rel OFFSET 0) AS t WHERE c.id = ANY({_text_array(key[3])}) "
               ).replace("%", "%%") + "AND (SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext(%s))) AS l) = 1 FOR SHARE OF c"
        _keep(_LOCKED_SQL, key, sql)
    return sql


def _kept_sql(lay: str, fil: str, layers: dict, files: dict) -> str:
    """One query for the kept versions a group names: ``('l', layer id, sha256)`` rows of the register's layer
    versions and ``('f', name, sha256)`` of its files (only those named: every version kept grows with the
    years). The names and hashes are written into the text, not sent as four array parameters: the text is
    the same for every group while the versions are (psycopg then prepares it), and the arrays' dumping
    was a tenth of a write's CPU in this process (cProfile). Kept per set of versions."""
    key = (lay, fil, tuple((lid, v["sha256"]) for lid, v in layers.items()), tuple((n, sha) for n, (sha, _) in files.items()))
    sql = _KEPT_SQL.get(key)
    if sql is None:
        sql = (f"SELECT 'l', layer_id, sha256 FROM {lay} WHERE layer_id = ANY({_text_array(layers)}) AND sha256 = "
               f"ANY({_text_array(v['sha256'] for v in layers.values())}) UNION ALL SELECT 'f', name, sha256 FROM {fil} "
               f"WHERE name = ANY({_text_array(files)}) AND sha256 = ANY({_text_array(sha for sha, _ in files.values())})")
        _keep(_KEPT_SQL, key, sql)
    return sql


def _text_array(values) -> str:
    """An SQL ``TEXT[]`` literal of ``values`` (quoted by psycopg)."""
    from psycopg import sql

    return "CAST(" + sql.Literal([str(v) for v in values]).as_string(None) + " AS TEXT[])"


def _keep(cache: dict, key, value) -> None:
    """Keep a query text for a few sets of versions (one at a time in a desk; a few while they change)."""
    if len(cache) >= 8:
        cache.clear()
    cache[key] = value


_KEPT_SQL: dict = {}
_LOCKED_SQL: dict = {}


def write_records(st, build) -> list:
    """Insert groups of register rows with the layer and file versions they use, in one transaction;
    return each group's new ids (or the exception that kept that group out).

    ``build()`` is called inside the GeoPackage writer lock (no layer can change any more); in PostGIS
    before the transaction, which then locks the catalog rows ``FOR SHARE`` and refuses the write when
    a layer's catalog key moved since (:func:`_pg_write_records`). It returns ``(groups, layers, files,
    snapshot)``: groups as lists of rows (dicts of :data:`COLUMNS` + ``geometry``) or an exception
    for a group not to write, ``{layer id: {"sha256", "catalog"}}``, ``{name: (sha256, bytes)}``, and
    ``snapshot(layer_id)`` giving the GeoParquet bytes of a layer. The group commit of
    :mod:`dcf_spatial.register.record` writes every check waiting for the store in one call.
    """
    out = []
    if st.kind == "gpkg":
        def prepare(con):
            # everything that reads the store through other handles, before the transaction (see _gpkg_write):
            # the layers' versions, and the GeoParquet snapshots of layer versions the register does not keep
            groups, layers, files, snapshot = build()
            if not any(isinstance(g, list) for g in groups):
                return groups, None
            # what the register keeps already, in one query each: most writes add no version (handing
            # every rule file's bytes to INSERT OR IGNORE copied megabytes per recorded check). Known
            # from the connection's last commit while nothing else wrote the file since (_writer):
            # read anew, the two queries were a sixth of a group's CPU on a busy desk (perf_counter /
            # thread_time per step of the group)
            entry = _WRITERS.get(str(st.path))
            if entry is not None and entry[3] is not None:
                kept_layers, kept_files = entry[3]
            else:
                kept_layers = _kept(con, f"SELECT layer_id, sha256 FROM {LAYERS_TABLE}")
                kept_files = _kept(con, f"SELECT name, sha256 FROM {FILES_TABLE}")
            snaps = {lid: snapshot(lid) for lid, v in layers.items() if (lid, v["sha256"]) not in kept_layers}
            return groups, (layers, files, snaps, kept_layers, kept_files)

        with _gpkg_write(st, prepare) as (con, (groups, rest)):
            if rest is None:
                return groups
            layers, files, snaps, kept_layers, kept_files = rest
            # as they will be once this transaction commits (a failed one drops the connection and this)
            _WRITERS[str(st.path)][3] = (kept_layers | {(lid, layers[lid]["sha256"]) for lid in snaps},
                                         kept_files | {(name, sha) for name, (sha, _) in files.items()})
            for lid, v in layers.items():
                if lid in snaps:
                    con.execute(f"INSERT OR IGNORE INTO {LAYERS_TABLE} VALUES (?,?,?,?)",
                                (lid, v["sha256"], json.dumps(v["catalog"], ensure_ascii=False, default=str), snaps[lid]))
            for name, (sha, data) in files.items():
                if (name, sha) not in kept_files:
                    con.execute(f"INSERT OR IGNORE INTO {FILES_TABLE} VALUES (?,?,?)", (name, sha, data))
            for rows in groups:
                if not isinstance(rows, list):
                    out.append(rows)
                    continue
                ids = []
                for r in rows:
                    cur = con.execute(f"INSERT INTO {REGISTER_TABLE} ({GEOM}, {', '.join(COLUMNS)}) VALUES "
                                      f"(?, {', '.join('?' * len(COLUMNS))})",
                                      [r["gpkg_blob"] if "gpkg_blob" in r else gpkg_blob(r.get("geometry"))]
                                      + [r.get(c) for c in COLUMNS])
                    ids.append(int(cur.lastrowid))
                out.append(ids)
        return out
    for attempt in (0, 1):
        try:
            return _pg_write_records(st, build, trust_cache=attempt == 0)
        except _StaleCache:   # what this process believed the register kept was not so: read it, then write
            _PG_KNOWN.pop(_pg_key(st), None)
        except Exception as exc:
            denied = _denied(exc)
            if denied is None:
                raise
            raise about("store", StoreError(_rights_message(st, denied))) from None
    # pragma: no cover — only when kept versions are deleted while this write runs (nothing in dcf does that)
    raise about("store", StoreChangedError(f"PostGIS 图层库 {st.label} 的核查登记在写入期间被他人改动，本次未记入核查登记；请重新核查。"))


def _kept(con, sql: str) -> set:
    """The rows of ``sql`` as a set; empty while its table does not exist yet. Asked directly, not after
    a look in ``sqlite_master``: a GeoPackage's schema (tables, triggers, R-trees) is read row by row
    for that, twice per register commit (~0.1 ms of CPU each commit, measured on the shipped store)."""
    try:
        return set(con.execute(sql).fetchall())
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        return set()


def _denied(exc):
    """PostgreSQL's "permission denied" (psycopg's error, also wrapped by SQLAlchemy) in ``exc``, or ``None``."""
    import psycopg

    orig = getattr(exc, "orig", exc)
    return orig if isinstance(orig, psycopg.errors.InsufficientPrivilege) else None


def _rights_message(st, denied) -> str:
    """What a database user needs to record site checks in a PostGIS store, and the ``GRANT`` lines that give it
    (docs/postgis.md): to read the catalog and lock its rows while the records are written (``FOR SHARE`` asks for
    ``UPDATE``), to add the register's rows and the versions they name; to make what is missing, ``CREATE``."""
    from ..store.backends.postgis import _q

    user = _q(st._url.username or "当前用户")
    schema, db = _q(st.schema), _q(st._url.database or "")
    reason = " ".join(str(getattr(denied, "diag", None) and denied.diag.message_primary or denied).split())
    tables_ = ", ".join(f"{schema}.{_q(t)}" for t in (REGISTER_TABLE, LAYERS_TABLE, FILES_TABLE, AUDITS_TABLE))
    return (f"PostGIS 图层库 {st.label} 的数据库用户 {user} 没有记入核查登记所需的权限（{reason}），本次未记入核查登记"
            f"（不记录的核查不受影响）。记入登记需要：模式 {schema} 的 USAGE；图层目录 {CATALOG_TABLE} 的 SELECT 和 UPDATE"
            "（写入时以 FOR SHARE 锁住目录行）；登记表的 SELECT、INSERT 及其序列的 USAGE；登记表尚未建立时还需模式的 CREATE"
            "（模式不存在时需数据库的 CREATE）。请数据库管理员执行：\n"
            f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {user};\n"
            f"GRANT SELECT, UPDATE ON {schema}.{_q(CATALOG_TABLE)} TO {user};\n"
            f"GRANT SELECT, INSERT ON {tables_} TO {user};\n"
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {user};\n"
            f"（模式尚不存在时：GRANT CREATE ON DATABASE {db} TO {user};）")


class _StaleCache(Exception):
    """Inside the transaction: a layer version this process believed kept is not in the register."""


#: per PostGIS store (URL and schema): ``[register tables created, {(layer id, sha256) kept}, {(file, sha256)
#: kept}]`` as this process last committed or read them. Lets a register write skip, on a busy desk, the
#: table creation (eight statements) and the read of the kept versions before its transaction. Only a
#: hint: inside the transaction the kept versions are read again (under the register's advisory lock) and a
#: version found missing makes the write start over without the hint (:class:`_StaleCache`), as a layer
#: must never be read inside the transaction (see :func:`_pg_write_records`).
_PG_KNOWN: dict[tuple, list] = {}


#: per PostGIS store: whether its catalog had the columns of the mark of an edit outside dcf when this process
#: made the register's tables (:func:`_pg_init`)
_PG_MARKS: dict[tuple, bool] = {}

#: per PostGIS store: ``(catalog rows, layer keys)`` of the last write whose keys matched its catalog
_PG_MATCHED: dict[tuple, tuple] = {}


def _pg_key(st) -> tuple:
    # asked a few times per register write: the URL rendered once per store object (SQLAlchemy's
    # rendering parses and quotes it again each time)
    key = getattr(st, "_register_key", None)
    if key is None:
        key = st._register_key = (st._url.render_as_string(hide_password=True), st.schema)
    return key


def _pg_write_records(st, build, *, trust_cache: bool) -> list:
    """The PostGIS half of :func:`write_records`: one transaction on one pooled connection in two round
    trips — a psycopg pipeline carrying ``BEGIN``, the register's advisory lock, the catalog locked
    ``FOR SHARE``, the kept versions and every insert, then ``COMMIT`` (or ``ROLLBACK``) once the rows
    read back are checked.

    The inserts are sent before the catalog is compared: PostgreSQL keeps them uncommitted, and a
    catalog that moved (or a layer or file version this process believed kept and is not) rolls the
    whole group back — nothing of it is written. Before, each group cost seven round trips (the pool's
    pre-ping, ``BEGIN``, the reads and their sync, the inserts and their sync, ``COMMIT``; counted with
    ``strace -e sendto,recvfrom``), each a wake-up of this process and of the server. The connection
    is the autocommit read pool's (:attr:`~dcf_spatial.store.backends.postgis.PostgisStore.read_engine`,
    no pre-ping): a connection the server dropped fails in the first round trip, before anything can
    have been committed, and the group is sent once more on a fresh one.

    Everything that reads the layers is done before the transaction: a read of a layer table on
    another connection, made while this transaction holds the catalog rows, waits for an import that
    itself waits for those rows — a deadlock PostgreSQL cannot see (the two waits are on different
    connections of one client). Inside the transaction only the catalog and the register are read."""
    import psycopg
    import shapely

    groups, layers, files, snapshot = build()
    if not any(isinstance(g, list) for g in groups):
        return groups
    known = _PG_KNOWN.get(_pg_key(st)) if trust_cache else None
    if known is not None and known[0]:
        # what this process believes the register keeps: not sent again (every rule file's bytes per
        # write cost megabytes a check); checked against the kept versions read in the transaction
        kept_layers_before, kept_files_before = known[1], known[2]
    else:
        # the first write of this process (or after a stale belief): the register's tables made (in a
        # transaction of their own: empty tables are all it can leave) and what they keep read first
        with st._connect(transaction=True) as con:
            _PG_MARKS[_pg_key(st)] = _pg_init(st, con)
        kept_layers_before = set(_read_all(st, LAYERS_TABLE, ["layer_id", "sha256"]))
        kept_files_before = set(_read_all(st, FILES_TABLE, ["name", "sha256"]))
        known = None
    new_layers = [(lid, v) for lid, v in layers.items() if (lid, v["sha256"]) not in kept_layers_before]
    snapshots = {lid: snapshot(lid) for lid, _ in new_layers}
    new_files = [(n, sha, data) for n, (sha, data) in files.items() if (n, sha) not in kept_files_before]
    rows = [r for g in groups if isinstance(g, list) for r in g]
    layer_rows = [(lid, v["sha256"], json.dumps(v["catalog"], ensure_ascii=False, default=str), snapshots[lid])
                  for lid, v in new_layers]
    reg_rows = [(None if r.get("geometry") is None else shapely.to_wkb(r["geometry"]), *(r.get(c) for c in COLUMNS))
                for r in rows]
    reg, lay, fil, cat = (st._t(t) for t in (REGISTER_TABLE, LAYERS_TABLE, FILES_TABLE, "dcf_catalog"))
    for attempt in (0, 1):
        raw = _pg_checkout(st)
        pg = raw.driver_connection   # psycopg, autocommit: the transaction is the BEGIN … COMMIT sent here
        try:
            # a cursor per register row: the inserts return their ids in the pipeline's one round trip
            # (executemany(returning=True) waits for its results before the Sync: one round trip more)
            with pg.cursor() as c_cat, pg.cursor() as c_kept, pg.cursor() as c_ins, contextlib.ExitStack() as stack:
                c_rows = [stack.enter_context(pg.cursor()) for _ in reg_rows]
                try:
                    with pg.pipeline():   # round trip 1: everything up to the inserts, one Sync
                        c_cat.execute("BEGIN")
                        # the register's advisory lock, then no layer replaced until we commit; the rows compared
                        # are the rows locked with the mark of an edit outside dcf (store/backends/outside_edits.py)
                        c_cat.execute(_catalog_locked_sql(cat, _PG_MARKS.get(_pg_key(st), False), st.schema, layers),
                                      (f"{st.schema}.{REGISTER_TABLE}",))
                        c_kept.execute(_kept_sql(lay, fil, layers, files))
                        # another process may have kept the same versions since this one read them
                        if layer_rows:
                            c_ins.executemany(f"INSERT INTO {_pct(lay)} VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                                              layer_rows)
                        if new_files:
                            c_ins.executemany(f"INSERT INTO {_pct(fil)} VALUES (%s, %s, %s) ON CONFLICT DO NOTHING", new_files)
                        insert = (f"INSERT INTO {_pct(reg)} ({GEOM}, {', '.join(COLUMNS)}) VALUES "
                                  f"(ST_GeomFromWKB(%s, {SRID}), {', '.join(['%s'] * len(COLUMNS))}) RETURNING id")
                        for c_row, params in zip(c_rows, reg_rows):
                            c_row.execute(insert, params)
                except psycopg.OperationalError:
                    if attempt == 0:   # a kept connection the server dropped: nothing was committed, send again
                        raw.invalidate()
                        continue
                    raise
                got = c_cat.fetchall()
                kept = c_kept.fetchall()
                kept_layers = {(a, b) for kind, a, b in kept if kind == "l"}
                kept_files = {(a, b) for kind, a, b in kept if kind == "f"}
                _pg_check_group(st, layers, files, got, c_cat, kept_layers | {r[:2] for r in layer_rows},
                                kept_files | {r[:2] for r in new_files}, trust_cache=trust_cache)
                ids = [int(c_row.fetchone()[0]) for c_row in c_rows]   # in the order of the rows
                # round trip 2; never a prepared statement: psycopg prepares a query on its fifth run on a
                # connection, one more round trip then
                pg.execute("COMMIT", prepare=False)
            break
        except psycopg.errors.UndefinedTable:
            if known is None:
                raise
            raise _StaleCache() from None   # the register's tables went away since: created again on the retry
        except psycopg.errors.UndefinedColumn:
            if not _PG_MARKS.pop(_pg_key(st), False):
                raise
            raise _StaleCache() from None   # the catalog's mark columns dropped since: looked for again on the retry
        except psycopg.OperationalError as exc:   # the connection was lost mid-write (raw psycopg, not wrapped)
            # lost at COMMIT: whether it was committed is unknown, so it is not sent again
            raw.invalidate()
            raise st.connection_lost(exc) from None
        finally:
            _pg_checkin(raw)
    _PG_MATCHED[_pg_key(st)] = (got, [(lid, v["key"]) for lid, v in layers.items()])
    entry = _PG_KNOWN.setdefault(_pg_key(st), [True, set(), set()])
    entry[0] = True
    entry[1] |= kept_layers | {r[:2] for r in layer_rows}
    entry[2] |= kept_files | {r[:2] for r in new_files}
    out, at = [], 0
    for g in groups:
        if not isinstance(g, list):
            out.append(g)
            continue
        out.append(ids[at:at + len(g)])
        at += len(g)
    return out


def _pct(name_sql: str) -> str:
    """A quoted name written into a query sent with ``%s`` parameters: a ``%`` in it doubled (breaker3 B3)."""
    return name_sql.replace("%", "%%")


def _pg_checkout(st):
    """A connection of the store's autocommit pool (no pre-ping: a dropped one fails at once and is sent
    again, see :func:`_pg_write_records`), connection failures as the store's error."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    try:
        return st.read_engine.raw_connection()
    except (OperationalError, psycopg.OperationalError) as exc:
        reason = " ".join(st._scrub(getattr(exc, "orig", exc)).split())
        raise about("store", InputError(
            f"无法连接 PostGIS 图层库 {st.label}：{reason}。请检查地址中的主机、端口和数据库名，"
            "以及密码（写在地址中、PGPASSWORD 环境变量或 ~/.pgpass 中）。")) from None


def _pg_checkin(raw) -> None:
    """Back to the pool outside any transaction: a group refused, or failed, is rolled back here."""
    import psycopg

    try:
        pg = raw.driver_connection
        if pg is not None and not pg.closed and pg.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            pg.execute("ROLLBACK", prepare=False)
    except psycopg.Error:
        raw.invalidate()
    finally:
        raw.close()


def _pg_check_group(st, layers, files, got, cursor, kept_layers, kept_files, *, trust_cache: bool) -> None:
    """Inside the transaction, before its COMMIT: raise when the group must not be committed — the
    catalog's rows (locked; ``got``, read by ``cursor``) are not those the layer versions were built from (StoreChangedError, or
    :class:`_StaleCache` to build them again from a fresh read first), or a layer or file version the
    rows name is not kept (:class:`_StaleCache`: what this process believed kept was not so)."""
    from .versions import _key

    if any((lid, v["sha256"]) not in kept_layers for lid, v in layers.items()) or \
            any((n, sha) not in kept_files for n, (sha, _) in files.items()):
        raise _StaleCache()   # rolled back: the layer is read before a fresh transaction
    # the same catalog rows and layer keys as the last group that matched: compared already
    # (building the rows' dicts and keys was a fifth of a group's CPU, cProfile)
    if _PG_MATCHED.get(_pg_key(st)) == (got, [(lid, v["key"]) for lid, v in layers.items()]):
        return
    names = [d.name for d in cursor.description]   # only here: its column objects cost CPU every write
    catalog_now = {str(r[0]): dict(zip(names, r)) for r in got}
    used = {lid: _plain(v["key"][1:]) for lid, v in layers.items()}
    now = {lid: _plain(_key("", lid, catalog_now[lid])[1:]) for lid in used if lid in catalog_now}
    if now == used:
        return
    if trust_cache:
        # the versions may have been built from the catalog kept by the last group
        # (versions.layer_versions(reuse_catalog=True)): built again from a fresh read first
        from .versions import forget_catalog

        forget_catalog()
        raise _StaleCache()
    raise store_changed(st.label, used, now, during="记录期间")


def store_changed(label: str, then: dict, now: dict, *, during: str = "核查期间"):
    """The refusal of a check whose layers changed while it ran (the desk answers 409), as the store's error:
    which layers, and of those, the ones a statement outside dcf wrote (their edit mark counts more edits now,
    store/backends/outside_edits.py: QGIS, psql) said to be so. ``then`` and ``now``: ``{layer id: catalog key
    without its location}``."""
    from ..store.backends.outside_edits import COUNT, count_of
    from .versions import KEY_OUTSIDE_EDITS

    def edits(key) -> int:
        return count_of({COUNT: key[KEY_OUTSIDE_EDITS]}) if key is not None and len(key) > KEY_OUTSIDE_EDITS else 0

    changed = sorted(k for k in set(then) | set(now) if then.get(k) != now.get(k))
    outside = [k for k in changed if edits(now.get(k)) > edits(then.get(k))]
    how = ("被他人修改" if not outside else "在 dcf 之外被直接编辑（QGIS、psql 等，未经导入，无版本记录）" if outside == changed
           else f"被他人修改（其中 {', '.join(outside)} 在 dcf 之外被直接编辑：QGIS、psql 等，未经导入，无版本记录）")
    return about("store", StoreChangedError(f"{during}图层库 {label} 中的图层 {', '.join(changed)} {how}，"
                                            "无法确定核查所用的版本，本次未记入核查登记；请重新核查。"))


def _plain(key) -> tuple:
    """A catalog key with its numbers as numbers and the rest as text (the same row read through pandas
    and straight from the database compares equal)."""
    out = []
    for v in key:
        if v is None:
            out.append(None)
        elif isinstance(v, (int, float)) and float(v).is_integer():
            out.append(int(v))
        else:
            out.append(str(v))
    return tuple(out)


def _has_register(st) -> bool:
    if st.kind == "gpkg":
        if not st.path.exists():
            return False
        with _gpkg_read(st) as con:
            return con.execute("SELECT 1 FROM sqlite_master WHERE name=?", (REGISTER_TABLE,)).fetchone() is not None
    with st._connect() as con:
        return st._table_exists(con, REGISTER_TABLE)


def _filters(ids=None, status: str | None = None, since: str | None = None, below: int | None = None):
    """``(" WHERE …", params)`` selecting register rows by id, status, recording date and an id bound."""
    conds, params = [], {}
    if ids is not None:
        conds.append(f"id IN ({', '.join(str(int(i)) for i in ids) or 'NULL'})")
    if below is not None:
        conds.append("id < :below")
        params["below"] = int(below)
    if status is not None:
        conds.append("status = :status")
        params["status"] = str(status)
    if since is not None:  # recorded_at is ISO text: a date compares below every time of that day
        conds.append("recorded_at >= :since")
        params["since"] = str(since)
    return (f" WHERE {' AND '.join(conds)}" if conds else ""), params


def _select(st, sql: str, params: dict) -> list:
    """The rows of ``sql`` (``{t}`` stands for the register table) on either kind of store."""
    if st.kind == "gpkg":
        with _gpkg_read(st) as con:
            return con.execute(sql.format(t=REGISTER_TABLE), params).fetchall()
    from sqlalchemy import text

    with st._connect() as con:
        return con.execute(text(sql.format(t=st._t(REGISTER_TABLE))), params).all()


def record_ids(st, *, status: str | None = None, since: str | None = None) -> list[int]:
    """The ids of the register rows of ``status`` recorded on or after ``since``, oldest first."""
    if not _has_register(st):
        return []
    where, params = _filters(status=status, since=since)
    return [int(r[0]) for r in _select(st, f"SELECT id FROM {{t}}{where} ORDER BY id", params)]


def read_records(st, ids=None, *, status: str | None = None, since: str | None = None,
                 last: int | None = None) -> "pd.DataFrame":
    """The register rows (all, or those of ``ids``), oldest first, with a ``geometry`` column of shapely
    geometries in EPSG:4490.

    ``status`` (``"ok"``), ``since`` (a date ``YYYY-MM-DD``: recorded on or after it) and ``last`` (only the
    ``last`` most recent of the rows left) are applied in the database: a year's register holds tens of
    thousands of rows of some 16 kB each, and a caller that wants the recent ones must not read them all.
    """
    import pandas as pd
    import shapely

    cols = ["id", *COLUMNS]
    if not _has_register(st):
        return pd.DataFrame({c: [] for c in [*cols, "geometry"]})
    where, params = _filters(ids, status, since)
    order = " ORDER BY id" if last is None else f" ORDER BY id DESC LIMIT {max(int(last), 0)}"
    gpkg = st.kind == "gpkg"
    rows = _select(st, f"SELECT {', '.join(cols)}, {GEOM if gpkg else f'ST_AsBinary({GEOM})'} FROM {{t}}{where}{order}",
                   params)
    rows = rows[::-1] if last is not None else rows
    df = pd.DataFrame([tuple(r[:-1]) for r in rows], columns=cols)
    df["geometry"] = [from_gpkg_blob(r[-1]) if gpkg else None if r[-1] is None else shapely.from_wkb(bytes(r[-1]))
                      for r in rows]
    return df


def has_records_before(st, first_id: int, *, status: str | None = None, since: str | None = None) -> bool:
    """Whether the register holds a row of ``status`` recorded on or after ``since`` with an id below
    ``first_id``. Walks the ids down from ``first_id`` and stops at the first such row: a count of a
    GeoPackage register reads every row's page (a row holds its whole answer, ~16 kB), ~1 s at 30,000."""
    if not _has_register(st):
        return False
    where, params = _filters(status=status, since=since, below=first_id)
    return bool(_select(st, f"SELECT id FROM {{t}}{where} ORDER BY id DESC LIMIT 1", params))


def layer_use_counts(st, layer_id: str) -> dict[str, int]:
    """``{content hash: number of register checks that used it}`` for ``layer_id``, counted in the database:
    the 图层 page asks for every layer's versions, and reading a year's register (tens of thousands of
    rows, ~16 kB each) into Python for one JSON key took seconds and a gigabyte.

    Only checks of status ``ok`` count: a row that could not be checked (no usable place) read no layer, and
    an import preview re-runs only those (:func:`record_ids` ``status="ok"``): the page's 登记核查 and the
    preview's 全部 N 条登记 count the same checks (a new user's QA, finding F7: 14 against 12)."""
    if not _has_register(st):
        return {}
    if st.kind == "gpkg":
        rows = _select(st, "SELECT json_extract(layers, :path) AS sha, COUNT(*) FROM {t} WHERE json_valid(layers) "
                           "AND status = :status GROUP BY sha",
                       {"path": '$."' + str(layer_id).replace('"', '') + '"', "status": "ok"})
    else:
        rows = _select(st, "SELECT (NULLIF(layers, '')::json ->> :lid) AS sha, COUNT(*) FROM {t} "
                           "WHERE status = :status GROUP BY sha", {"lid": str(layer_id), "status": "ok"})
    return {str(sha): int(n) for sha, n in rows if sha}


def read_layer_version(st, layer_id: str, sha256: str):
    """``(GeoDataFrame, catalog row)`` of a kept layer version, or ``None``."""
    import io

    import geopandas as gpd

    if st.kind == "gpkg":
        with _gpkg_read(st) as con:
            row = con.execute(f"SELECT catalog, data FROM {LAYERS_TABLE} WHERE layer_id=? AND sha256=?",
                              (layer_id, sha256)).fetchone()
    else:
        from sqlalchemy import text

        with st._connect() as con:
            row = con.execute(text(f"SELECT catalog, data FROM {st._t(LAYERS_TABLE)} WHERE layer_id=:l AND sha256=:s"),
                              {"l": layer_id, "s": sha256}).first()
    if row is None:
        return None
    return gpd.read_parquet(io.BytesIO(bytes(row[1]))), json.loads(row[0])


def read_file_version(st, name: str, sha256: str) -> bytes | None:
    """The content of a kept rule or indicator file version, or ``None``."""
    if st.kind == "gpkg":
        with _gpkg_read(st) as con:
            row = con.execute(f"SELECT content FROM {FILES_TABLE} WHERE name=? AND sha256=?", (name, sha256)).fetchone()
    else:
        from sqlalchemy import text

        with st._connect() as con:
            row = con.execute(text(f"SELECT content FROM {st._t(FILES_TABLE)} WHERE name=:n AND sha256=:s"),
                              {"n": name, "s": sha256}).first()
    return None if row is None else bytes(row[0])


def kept_layer_versions(st) -> set[tuple[str, str]]:
    """``{(layer id, sha256)}`` of every layer version the register keeps."""
    if not _has_register(st):
        return set()
    if st.kind == "gpkg":
        with _gpkg_read(st) as con:
            return set(con.execute(f"SELECT layer_id, sha256 FROM {LAYERS_TABLE}").fetchall())
    from sqlalchemy import text

    with st._connect() as con:
        return {tuple(r) for r in con.execute(text(f"SELECT layer_id, sha256 FROM {st._t(LAYERS_TABLE)}")).all()}


def write_audit(st, row: dict) -> int:
    """Insert one recorded audit (:data:`AUDIT_COLUMNS` and ``rows``, GeoParquet bytes); return its id."""
    if st.kind == "gpkg":
        with _gpkg_write(st) as (con, _):
            cur = con.execute(f"INSERT INTO {AUDITS_TABLE} ({', '.join(AUDIT_COLUMNS)}, rows) VALUES "
                              f"({', '.join('?' * (len(AUDIT_COLUMNS) + 1))})",
                              [row.get(c) for c in AUDIT_COLUMNS] + [row["rows"]])
            return int(cur.lastrowid)
    from sqlalchemy import text

    with st._connect(transaction=True) as con:
        _pg_init(st, con)
        return int(con.execute(text(
            f"INSERT INTO {st._t(AUDITS_TABLE)} ({', '.join(AUDIT_COLUMNS)}, rows) VALUES "
            f"({', '.join(':' + c for c in AUDIT_COLUMNS)}, :rows) RETURNING id"),
            {**{c: row.get(c) for c in AUDIT_COLUMNS}, "rows": row["rows"]}).scalar())


def _has_table(st, name: str) -> bool:
    if st.kind == "gpkg":
        if not st.path.exists():
            return False
        with _gpkg_read(st) as con:
            return con.execute("SELECT 1 FROM sqlite_master WHERE name=?", (name,)).fetchone() is not None
    with st._connect() as con:
        return st._table_exists(con, name)


def read_audits(st, ids=None, *, with_rows: bool = True) -> list[dict]:
    """The recorded audits (all, or those of ``ids``), oldest first, as dicts (``rows``: bytes or absent)."""
    if not _has_table(st, AUDITS_TABLE):
        return []
    cols = ["id", *AUDIT_COLUMNS] + (["rows"] if with_rows else [])
    where = "" if ids is None else f" WHERE id IN ({', '.join(str(int(i)) for i in ids) or 'NULL'})"
    if st.kind == "gpkg":
        with _gpkg_read(st) as con:
            got = con.execute(f"SELECT {', '.join(cols)} FROM {AUDITS_TABLE}{where} ORDER BY id").fetchall()
    else:
        from sqlalchemy import text

        with st._connect() as con:
            got = con.execute(text(f"SELECT {', '.join(cols)} FROM {st._t(AUDITS_TABLE)}{where} ORDER BY id")).all()
    out = [dict(zip(cols, r)) for r in got]
    for r in out:
        if r.get("rows") is not None:
            r["rows"] = bytes(r["rows"])
    return out


def _read_all(st, table: str, cols: list[str]) -> list[tuple]:
    if not _has_table(st, table):
        return []
    if st.kind == "gpkg":
        with _gpkg_read(st) as con:
            return con.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
    from sqlalchemy import text

    with st._connect() as con:
        return [tuple(r) for r in con.execute(text(f"SELECT {', '.join(cols)} FROM {st._t(table)}")).all()]


def _record_key(r: dict) -> tuple:
    return (r.get("recorded_at"), r.get("rerun"), r.get("result"), r.get("layers"), r.get("files"))


def copy_register(src, dst) -> dict:
    """Copy the register of store ``src`` (checks, audits, and the layer and rule-file versions they
    point to) into store ``dst`` in one transaction (``dcf layers push``).

    Entries ``dst`` already holds (same time, input, answer and versions) are not copied twice. Into
    an empty register the ids are kept; otherwise the copies get new ids, listed in ``renumbered``
    (``{old id: new id}``).

    Returns
    -------
    dict
        ``records``, ``audits``, ``layer_versions``, ``file_versions`` (how many of each were written
        into ``dst``: what it held already is not counted, and nothing is written when nothing is new) and
        ``renumbered``.
    """
    import shapely

    records = read_records(src)
    audits = read_audits(src)
    layer_rows = _read_all(src, LAYERS_TABLE, ["layer_id", "sha256", "catalog", "data"])
    file_rows = _read_all(src, FILES_TABLE, ["name", "sha256", "content"])
    out = {"records": 0, "audits": 0, "layer_versions": 0, "file_versions": 0,
           "renumbered": {}, "audits_renumbered": {}}
    if not len(records) and not audits:
        return out
    # only the versions the target lacks: a second push copies none and says so (QA F8: "12 个图层版本" each time)
    held = set(_read_all(dst, LAYERS_TABLE, ["layer_id", "sha256"]))
    layer_rows = [r for r in layer_rows if (r[0], r[1]) not in held]
    held = set(_read_all(dst, FILES_TABLE, ["name", "sha256"]))
    file_rows = [r for r in file_rows if (r[0], r[1]) not in held]
    have = read_records(dst)
    have_keys = {_record_key(r) for r in have.to_dict(orient="records")}
    keep_ids = not len(have)
    have_audits = read_audits(dst, with_rows=False)
    audit_keys = {(a["recorded_at"], a["manifest"]) for a in have_audits}
    keep_audit_ids = not have_audits
    new_records = [r for r in records.to_dict(orient="records") if _record_key(r) not in have_keys]
    new_audits = [a for a in audits if (a["recorded_at"], a["manifest"]) not in audit_keys]
    if not (new_records or new_audits or layer_rows or file_rows):
        return out   # nothing new: the target not even opened for writing
    if dst.kind == "gpkg":
        with _gpkg_write(dst) as (con, _):
            con.executemany(f"INSERT OR IGNORE INTO {LAYERS_TABLE} VALUES (?,?,?,?)", layer_rows)
            con.executemany(f"INSERT OR IGNORE INTO {FILES_TABLE} VALUES (?,?,?)", file_rows)
            for r in new_records:
                cols = (["id"] if keep_ids else []) + [GEOM, *COLUMNS]
                vals = ([int(r["id"])] if keep_ids else []) + [gpkg_blob(r.get("geometry"))] + [r.get(c) for c in COLUMNS]
                cur = con.execute(f"INSERT INTO {REGISTER_TABLE} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", vals)
                if int(cur.lastrowid) != int(r["id"]):
                    out["renumbered"][int(r["id"])] = int(cur.lastrowid)
            for a in new_audits:
                cols = (["id"] if keep_audit_ids else []) + [*AUDIT_COLUMNS, "rows"]
                vals = ([int(a["id"])] if keep_audit_ids else []) + [a.get(c) for c in AUDIT_COLUMNS] + [a["rows"]]
                cur = con.execute(f"INSERT INTO {AUDITS_TABLE} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", vals)
                if int(cur.lastrowid) != int(a["id"]):
                    out["audits_renumbered"][int(a["id"])] = int(cur.lastrowid)
    else:
        from sqlalchemy import text

        with dst._connect(transaction=True) as con:
            _pg_init(dst, con)
            for lid, sha, cat, data in layer_rows:
                con.execute(text(f"INSERT INTO {dst._t(LAYERS_TABLE)} VALUES (:l, :s, :c, :d) ON CONFLICT DO NOTHING"),
                            {"l": lid, "s": sha, "c": cat, "d": bytes(data)})
            for name, sha, content in file_rows:
                con.execute(text(f"INSERT INTO {dst._t(FILES_TABLE)} VALUES (:n, :s, :c) ON CONFLICT DO NOTHING"),
                            {"n": name, "s": sha, "c": bytes(content)})
            for r in new_records:
                g = r.get("geometry")
                params = {c: r.get(c) for c in COLUMNS}
                params.update(g=None if g is None else shapely.to_wkb(g), id=int(r["id"]))
                cols = (["id"] if keep_ids else []) + [GEOM, *COLUMNS]
                vals = ([":id"] if keep_ids else []) + [f"ST_GeomFromWKB(:g, {SRID})"] + [":" + c for c in COLUMNS]
                new = con.execute(text(f"INSERT INTO {dst._t(REGISTER_TABLE)} ({', '.join(cols)}) VALUES ({', '.join(vals)}) "
                                       "RETURNING id"), params).scalar()
                if int(new) != int(r["id"]):
                    out["renumbered"][int(r["id"])] = int(new)
            for a in new_audits:
                params = {**{c: a.get(c) for c in AUDIT_COLUMNS}, "rows": a["rows"], "id": int(a["id"])}
                cols = (["id"] if keep_audit_ids else []) + [*AUDIT_COLUMNS, "rows"]
                new = con.execute(text(f"INSERT INTO {dst._t(AUDITS_TABLE)} ({', '.join(cols)}) VALUES "
                                       f"({', '.join(':' + c for c in cols)}) RETURNING id"), params).scalar()
                if int(new) != int(a["id"]):
                    out["audits_renumbered"][int(a["id"])] = int(new)
            for table, kept in ((REGISTER_TABLE, keep_ids and new_records), (AUDITS_TABLE, keep_audit_ids and new_audits)):
                if kept:  # explicit ids were written: the sequence continues after them
                    con.execute(text(f"SELECT setval(pg_get_serial_sequence('{dst._t(table)}', 'id'), "
                                     f"(SELECT max(id) FROM {dst._t(table)}))"))
    out["records"], out["audits"] = len(new_records), len(new_audits)
    out["layer_versions"], out["file_versions"] = len(layer_rows), len(file_rows)
    return out
