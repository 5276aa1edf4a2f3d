"""The embedded layer store: one GeoPackage file.

Layers are written and read by GDAL (pyogrio), which keeps the ``gpkg_*`` tables and R-tree
spatial indexes; the two metadata tables are plain SQLite tables. Operations that replace a
layer while keeping its previous version (import, reset), and a push of several layers, run on a
copy of the file that replaces the original in one atomic ``os.replace`` (or, in WAL mode, one SQLite
transaction) — a failure part-way leaves the store as it was. (GDAL offers no transaction spanning several GeoPackage layers through pyogrio, and a
store is a few MB, so copying is cheap.)
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sqlite3
import struct
import threading
import time
import uuid
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..._killpoints import kill_point
from ...errors import DcfError, InputError, StoreError
from . import gpkg_edits
from .disk_full import is_disk_full
from .names import CATALOG_COLUMNS, CATALOG_HISTORY_TABLE, CATALOG_TABLE, HISTORY_PREFIX, history_table

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd

logger = logging.getLogger(__name__)

from .process_locks import file_lock  # noqa: F401  (the one lock of a file in this process; used below and by others)

#: the first 16 bytes of every SQLite (and so GeoPackage) file
SQLITE_HEADER = b"SQLite format 3\x00"


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a GeoPackage, from its first bytes (``None`` when it may be one).

    Examples
    --------
    >>> file_problem(Path("/nonexistent.gpkg")) is None
    True
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"无法打开（{exc.strerror or exc}）"
    if not head:
        return "文件为空（0 字节）"
    if head != SQLITE_HEADER:
        return "不是 GeoPackage/SQLite 文件（文件头不符）"
    return None


def gone_zh(path) -> str | None:
    """How the main file of a store a process had open is gone (``rm``, or emptied or overwritten with what is no
    SQLite file: breaker B9), in Chinese; ``None`` while a file that may be a GeoPackage is there.

    Examples
    --------
    >>> gone_zh("/nonexistent.gpkg")
    '主文件已被删除（路径上已没有文件）'
    """
    # told from the file's size, never by opening it: this runs in a desk's processes, and closing any handle on the
    # store drops the process's POSIX locks on it — SQLite's own (a first recorded check then stalled half a second).
    # Other bytes written over it are a replacement, which the main-file look (wal_main_file) tells.
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        return "主文件已被删除（路径上已没有文件）"
    except OSError:
        return None
    return "主文件被清空或改写（文件为空（0 字节））" if size == 0 else None


def refuse_gone_under_desk(path, cause: Exception | None = None) -> None:
    """Raise the :class:`~dcf_spatial.errors.StoreReplacedError` (503) of a desk keeping ``path`` in WAL mode whose
    main file was deleted or emptied under it (:func:`gone_zh`, breaker B9): its recorded checks are in the ``-wal``,
    and 已损坏/不存在 with a rebuild's advice, followed while it runs, would put a new store beside that log.
    Nothing when this process is no such desk or the file is there."""
    from ...errors import StoreReplacedError
    from .process_locks import in_desk_wal

    if isinstance(cause, StoreReplacedError) or not in_desk_wal(path) or not (what := gone_zh(path)):
        return
    where = ("主文件与 -wal 一起才有全部登记：停止时工作台把它仍打开着的被删除的主文件连同 -wal、-shm 保存到旁边的文件夹"
             if what.startswith("主文件已被删除") else
             "-wal 只能与清空前的主文件一起读出：停止时工作台把留下的文件保存到旁边的文件夹")
    raise StoreReplacedError(
        f"图层库 {path} 的{what}：这是在工作台运行期间发生的。本工作台自上次检查点以来登记的核查在 {path}-wal 中，"
        f"不要删除它和 {path}-shm；本工作台已无法再读取图层或登记核查。请先停止工作台（Ctrl+C）——{where}，"
        "并说明如何找回。工作台运行期间不要运行 dcf layers build 或 dcf layers restore，也不要复制文件到原处。") from cause


def orphan_copies(path: Path) -> list[Path]:
    """Working copies of the store ``path`` left behind by a killed import/reset (``.<stem>.<id>.tmp.gpkg``
    and their SQLite journals), oldest first."""
    path = Path(path)
    found = [p for p in path.parent.glob(f".{path.stem}.*.tmp.gpkg*") if p.is_file()]
    live = {p for p in found if p.name.endswith(".tmp.gpkg") and _in_use(p)}
    found = [p for p in found if not any(p.name.startswith(w.name) for w in live)]
    return sorted(found, key=lambda p: p.stat().st_mtime)


def _in_use(copy: Path) -> bool:
    """Whether the working copy ``copy`` is being written: its writer holds an ``flock`` on it for its life
    (:meth:`GpkgStore._staged`), which ends with the writer's process — a killed run's copy is free."""
    import fcntl

    try:
        fd = os.open(copy, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def broken_message(label: str, detail: str) -> str:
    """The message for a store that cannot be read: what is wrong and the recovery (a store whose main
    file is sound beside a ``-wal`` that is not its own: move the log aside, never rebuild, breaker F10)."""
    from .stray_wal import stray_wal_message

    if stray := stray_wal_message(label, detail):
        return stray
    return (f"图层库 {label} 已损坏，无法读取（{detail}）。恢复办法：运行 `dcf layers doctor` 检查；"
            f"用备份恢复 `dcf layers restore 备份.gpkg`；或删除该文件后运行 `dcf layers build` 重新生成默认图层"
            f"（此前导入的图层会丢失）。")


def readonly_message(label: str, detail: str) -> str:
    """The message for a store that cannot be written: nothing was changed, and the way out."""
    return (f"图层库 {label} 不可写（{detail}），本次未作任何改动。出路：取得该文件及其所在文件夹的写权限"
            f"（chmod u+w；设了不可更改属性的用 chattr -i），或先复制出一份可写的图层库"
            f"（`dcf layers backup -o 副本.gpkg`），再用环境变量 DCF_STORE 指向它。")


def _ensure_meta_tables(con: sqlite3.Connection) -> None:
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {CATALOG_TABLE} (
            id TEXT PRIMARY KEY, title_zh TEXT, geometry TEXT, provenance TEXT, source TEXT,
            description TEXT, version INTEGER, history INTEGER, imported_from TEXT,
            sha256 TEXT, updated_at TEXT, extra TEXT)"""
    )
    con.execute(f"CREATE TABLE IF NOT EXISTS {CATALOG_HISTORY_TABLE} (layer_id TEXT, n INTEGER, meta TEXT)")


def connect_existing(path, **kwargs) -> sqlite3.Connection:
    """A read-write SQLite connection to the EXISTING file ``path`` (``mode=rw``): never creates one. A plain
    ``sqlite3.connect(path)`` creates an empty file when none is there — under a desk whose store was deleted
    (``rm``, breaker B9/B10) a new empty main file, beside which the next SQLite opener deletes the desk's ``-wal``
    (SQLite's pager drops a log beside a database of no pages). A missing file raises ``sqlite3.OperationalError``
    ("unable to open database file").

    Examples
    --------
    >>> import sqlite3
    >>> try:
    ...     connect_existing("/nonexistent/store.gpkg")
    ... except sqlite3.OperationalError as exc:
    ...     print(exc)
    unable to open database file
    """
    return sqlite3.connect(Path(path).resolve().as_uri() + "?mode=rw", uri=True, **kwargs)


def _reading(path: Path):
    """A read-only connection: reading the catalog must not write (``CREATE TABLE IF NOT EXISTS`` takes
    the write lock and syncs the file, ~5 ms, and a site check reads the catalog a dozen times)."""
    return contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True))


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


def _catalog_select(con: sqlite3.Connection, where: str = "") -> str:
    """``SELECT`` of the catalog's rows (alias ``c``, in store order), with the marks of an edit outside dcf
    (:mod:`.gpkg_edits`) when the store counts them."""
    if _has_table(con, gpkg_edits.TABLE):
        return gpkg_edits.marks_sql(CATALOG_TABLE, where)
    return f"SELECT * FROM {CATALOG_TABLE} c {where} ORDER BY c.rowid"


def _written(con: sqlite3.Connection, *layer_ids: str) -> None:
    """dcf has just written ``layer_ids`` (in ``con``'s transaction): their content is no edit outside dcf,
    and every layer table of the store counts edits outside dcf from now on (:mod:`.gpkg_edits`)."""
    for lid in layer_ids:
        gpkg_edits.written(con, lid)
    gpkg_edits.watch_catalog(con, CATALOG_TABLE)


def _forget_dropped_table(con: sqlite3.Connection, table: str) -> None:
    """Remove what a ``DROP TABLE`` typed outside dcf leaves of the layer table ``table`` (its rows in the
    GeoPackage's own tables and its R-tree index), so that GDAL can write the table again — it refuses while
    ``gpkg_contents`` still names it. Nothing is left of a table that never existed: nothing changes."""
    for meta in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_extensions"):
        if _has_table(con, meta):
            con.execute(f"DELETE FROM {meta} WHERE table_name = ?", (table,))
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\'",
                               ("rtree\\_" + table.replace("_", "\\_") + "\\_%",)).fetchall():
        con.execute(f'DROP TABLE IF EXISTS "{name}"')


def watch_layer_tables(con: sqlite3.Connection, path=None) -> list[str]:
    """Give every layer table of a store made before them the triggers that mark an edit outside dcf
    (:mod:`.gpkg_edits`), in a transaction of its own on ``con`` (autocommit; the caller holds the writers'
    lock), when one lacks them; return those tables. dcf's first write through a connection calls it.

    With the store's ``path``, the pass over the schema is the one kept for its schema version
    (:func:`_schema_look`): a register writer opened again after another process's commit (another desk,
    a CLI check) read the whole schema at every write (~0.8 ms of CPU for the shipped store)."""
    if path is None:
        lacking = _unwatched(con)
    else:
        _, tables, lacking = _schema_look(con, Path(path), os.stat(path).st_ino)
        lacking = lacking or gpkg_edits.uncounted(con, tables)
    if not lacking:
        return []
    con.execute("BEGIN IMMEDIATE")
    try:
        added = gpkg_edits.watch_catalog(con, CATALOG_TABLE)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    logger.info("图层库中 %d 个图层表补上了记录“在 dcf 之外编辑”的触发器：%s", len(added), "、".join(added))
    return added


def _upsert_row(con: sqlite3.Connection, row: dict) -> None:
    cols = [c for c in CATALOG_COLUMNS if c in row]
    con.execute(f"INSERT OR REPLACE INTO {CATALOG_TABLE} ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                [row[c] for c in cols])


def _layer_rows(con: sqlite3.Connection) -> list:
    """What the layers and the catalog of a store are, as rows: each table's rows of ``gpkg_contents``
    (GDAL sets ``last_change`` on every write; its SRS, extent) and ``gpkg_geometry_columns`` (geometry
    column, type, SRS: an ``srs_id`` edited by hand changes how every feature is read, breaker F2) but the
    register's, the catalog and its kept versions, and the counts of edits outside dcf. Equal rows: no
    layer was written in between (register commits do not count)."""
    rows, edits = _layer_and_edit_rows(con)
    return rows + (edits or [])


def _layer_and_edit_rows(con: sqlite3.Connection) -> tuple[list, list | None]:
    """:func:`_layer_rows` as ``(the layers' and the catalog's rows, the rows of the counts of edits outside dcf)``,
    the latter ``None`` in a store without their table (:mod:`.gpkg_edits`)."""
    rows = []
    for meta in ("gpkg_contents", "gpkg_geometry_columns"):
        rows += con.execute(f"SELECT * FROM {meta} WHERE table_name NOT LIKE 'dcf\\_register%' ESCAPE '\\' "
                            "ORDER BY table_name").fetchall()
    for table in (CATALOG_TABLE, CATALOG_HISTORY_TABLE):
        if _has_table(con, table):
            rows += con.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
    try:   # and the counts of edits outside dcf (gpkg_edits.py), asked without looking the table up first
        edits = con.execute(f"SELECT * FROM {gpkg_edits.TABLE} ORDER BY 1").fetchall()
    except sqlite3.OperationalError as exc:   # a store made before them
        if "no such table" not in str(exc):
            raise
        edits = None
    return rows, edits


def carry_register_rows(src, dst, prefix: str = "dcf_register") -> int:
    """Add to the GeoPackage ``dst`` (a working copy of ``src``) the rows of ``src``'s register tables
    (names starting with ``prefix``) that ``dst`` lacks, creating a table ``dst`` does not have yet; return
    how many rows were added. The register's tables only ever get rows (``INSERT``), numbered upwards
    (``AUTOINCREMENT``) or keyed by content, so "lacks" is: a higher ``id``, or a key not there. The
    caller holds ``src``'s writers' lock.

    Examples
    --------
    >>> carry_register_rows("dcf_layers.gpkg", "/tmp/.dcf_layers.1234.tmp.gpkg")   # doctest: +SKIP
    0
    """
    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    added = 0
    with contextlib.closing(sqlite3.connect(str(Path(dst).resolve()), isolation_level=None, timeout=30, uri=True)) as d:
        d.execute("ATTACH DATABASE ? AS src", (Path(src).resolve().as_uri() + "?mode=ro",))
        d.execute("BEGIN IMMEDIATE")
        tables = d.execute("SELECT name, sql FROM src.sqlite_master WHERE type='table' AND substr(name, 1, ?) = ? "
                           "ORDER BY rowid", (len(prefix), prefix)).fetchall()
        for name, sql in tables:
            if not _has_table(d, name):   # made by the register while the copy was written
                d.execute(sql)
                for meta in ("gpkg_contents", "gpkg_geometry_columns"):
                    d.execute(f"INSERT OR IGNORE INTO main.{meta} SELECT * FROM src.{meta} WHERE table_name=?", (name,))
            info = d.execute(f"PRAGMA main.table_info({q(name)})").fetchall()
            keys = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]]
            before = d.total_changes
            if keys == ["id"]:
                d.execute(f"INSERT INTO main.{q(name)} SELECT * FROM src.{q(name)} WHERE id > "
                          f"(SELECT COALESCE(MAX(id), 0) FROM main.{q(name)})")
            elif keys:
                match = " AND ".join(f"m.{q(k)} = s.{q(k)}" for k in keys)
                d.execute(f"INSERT INTO main.{q(name)} SELECT * FROM src.{q(name)} s WHERE NOT EXISTS "
                          f"(SELECT 1 FROM main.{q(name)} m WHERE {match})")
            else:
                raise StoreError(f"核查登记表 {name} 没有主键，无法在写入图层时保留其间新增的登记；本次未作任何改动。")
            added += d.total_changes - before
        d.execute("COMMIT")
        d.execute("DETACH DATABASE src")
    return added


def content_stamp(path) -> tuple:
    """What identifies the layers and catalog of a GeoPackage store, for caches of what is read from it.

    Not the file's mtime: a recorded site check writes the register (``dcf_register*`` tables) into the
    same file, and that must not invalidate the layers. GDAL sets ``gpkg_contents.last_change`` of each
    table it writes (the GeoPackage standard asks for it); the catalog rows carry each layer's version
    and hash; an import or reset replaces the whole file (a new inode). Plain ``sqlite3``, so the quick
    site-check path needs no pandas.
    """
    import hashlib

    p = Path(path)
    quick = file_state(p)   # reads the header through a kept handle: no lock needed (see _HEADER_FDS)
    ino, mtime_ns, size, counter = quick
    known = _STAMPS.get(str(p))
    # untouched since the last reading: nothing to read. With SQLite's file change counter (rollback
    # journal: every commit raises it) that is exact; without it (WAL) only for a file last written over
    # a second ago (as git does for its index): a write within the same clock tick could keep mtime and size.
    if known is not None and known[0] == quick and (
            counter is not None or time.time_ns() - mtime_ns > 1_000_000_000):
        return known[1]
    if known is not None and counter is not None:
        # register-only commits since (a desk's writer noted them): followed in the commit log, which
        # opens no handle on the store, so without the store's file lock. Under that lock a desk's
        # checks queued behind the register writer, which holds it for its whole group (fsync
        # included), and behind each other (py-spy: a fifth of a check thread's time, the most
        # context switches of a recorded check)
        reached = _register_only_since(known[0], quick, p)
        if reached:
            _STAMPS[str(p)] = (reached, known[1])
            return known[1]
    digest = hashlib.sha1()
    with file_lock(p):
        # another thread may have read it while this one waited for the lock (a desk's checks all find
        # the stamp stale at once after another process's commit): read once, not once per thread
        known = _STAMPS.get(str(p))
        if known is not None and known[0] == quick and counter is not None:
            return known[1]
        reached = known is not None and _register_only_since(known[0], quick, p)
        if reached:
            _STAMPS[str(p)] = (reached, known[1])
            return known[1]
        try:
            con = _stamp_connection(p, ino)
            rows, edits = _layer_and_edit_rows(con)   # a store being built has no catalog yet: none
            version, tables, bare = _schema_look(con, p, ino)
            # and the layer tables whose triggers count into no row (dcf_layer_edits emptied or made again
            # by hand, breaker F3): unwatched as well — read here with the counts, a DELETE changes no schema
            bare = bare + gpkg_edits.without_row([t for t in tables if t not in bare], edits)
            rows += edits or []
        except sqlite3.DatabaseError:
            _drop_stamp_connection(p)
            return (ino, mtime_ns, size)
    _evict_stamp_connections()
    # the schema too: a layer table dropped or renamed with plain sqlite3 (breaker F12), its triggers dropped and
    # made again around an edit (F4) move nothing above; any CREATE, DROP or ALTER moves the schema version
    digest.update(_stamp_bytes(version, rows))
    stamp = (ino, digest.hexdigest())
    if bare:
        # layer tables without the triggers that count edits outside dcf (a store made before them,
        # gpkg_edits.py): such an edit moves nothing above, so the stamp follows the file's every commit
        stamp += ((gpkg_edits.UNWATCHED, tuple((t, quick) for t in bare)),)
    _STAMPS[str(p)] = (quick, stamp)
    return stamp


def _stamp_bytes(version: int, rows: list) -> bytes:
    """The schema version and the rows of a content stamp as bytes to hash: JSON by orjson (~5 µs for the
    shipped store's rows, where ``repr`` took ~150 µs: a desk in WAL mode reads the stamp again at every
    check while the register is being written); ``repr`` for a value JSON cannot hold (a BLOB, a huge integer).

    Examples
    --------
    >>> _stamp_bytes(3, [("roads", 1.5, None)])
    b'[3,[["roads",1.5,null]]]'
    >>> _stamp_bytes(3, [("roads", b"\\x00")])
    b"(3, [('roads', b'\\\\x00')])"
    """
    import orjson

    try:
        return orjson.dumps((version, rows))
    except TypeError:   # orjson.JSONEncodeError: bytes, an integer beyond 64 bits
        return repr((version, rows)).encode()


def _unwatched(con: sqlite3.Connection) -> list[str]:
    """The layer tables of the store whose edits outside dcf no trigger counts (:mod:`.gpkg_edits`)."""
    return gpkg_edits.unwatched(con, CATALOG_TABLE)


#: ``{path: (inode, schema version, layer tables, those lacking a trigger)}``: changes only with the schema
_UNWATCHED_BY_SCHEMA: dict = {}


def _schema_look(con: sqlite3.Connection, path, ino: int) -> tuple[int, list[str], list[str]]:
    """``(PRAGMA schema_version, layer tables, those lacking a trigger)`` (:func:`.gpkg_edits.schema_look`), the
    tables read again only when the file's schema changed (a trigger dropped, a table made again): a pass over
    the schema cost more than the rest of a content stamp."""
    version = con.execute("PRAGMA schema_version").fetchone()[0]
    known = _UNWATCHED_BY_SCHEMA.get(str(path))
    if known is not None and known[:2] == (ino, version):
        return version, known[2], known[3]
    tables, bare = gpkg_edits.schema_look(con, CATALOG_TABLE)
    _UNWATCHED_BY_SCHEMA[str(path)] = (ino, version, tables, bare)
    return version, tables, bare


#: ``{path: ((inode, mtime, size, change counter), content stamp)}``: the last stamp of each store file
_STAMPS: dict = {}

# A desk of several processes (``dcf serve --workers N``): the primary writes the register for all of
# them, and each of its commits moves the file's change counter, so every other process would find its
# stamp stale after each commit and read the store again — under load, while the primary commits back
# to back, those reads wait on SQLite's lock and starve (p99 over a second). The primary therefore notes
# each commit that wrote only register tables — the exact file state before and after it — in a log
# the secondaries read (:func:`share_register_commits`). A secondary keeps its stamp when the state it
# read the stamp for leads to the current state through such commits only. Exact: a commit is noted only
# when made under the store's writer flock (every dcf writer takes it) with the change counter raised by
# exactly one (no other SQLite commit in between, dcf's or anyone's), and states are compared whole
# (inode, mtime in ns, size, counter), so a replaced file or any other write breaks the chain.
_COMMIT_LOG = {"path": None, "offset": 0, "next": {}}
_COMMIT_LOG_LOCK = threading.Lock()
_ENTRY = struct.Struct("<8q")


def share_register_commits(log_path) -> None:
    """Note (primary) or follow (secondaries) the register-only commits of this desk in ``log_path``
    (a file in the desk's private folder); ``None`` stops.

    Examples
    --------
    >>> share_register_commits("/tmp/dcf-desk-x/register-commits")   # doctest: +SKIP
    """
    _COMMIT_LOG.update(path=None if log_path is None else str(log_path), offset=0, next={})


@contextlib.contextmanager
def register_commit_window():
    """Held by the writer (primary) from its register ``COMMIT`` until the commit is noted: the file's
    state has moved then, but the log does not say so yet. A secondary that finds a state the log does
    not explain waits for it shared (:func:`_register_only_since`) and looks again, instead of reading
    the store — which, under a desk's back-to-back commits, waited in SQLite's busy handler (sleeps of
    up to 100 ms: p99 over 600 ms with two workers). ``flock`` on the log file itself: a lock between
    the desk's processes that touches none of SQLite's POSIX locks on the store. Nothing when no log is
    kept (one process, the CLI)."""
    with _commit_log_flock(exclusive=True):
        yield


@contextlib.contextmanager
def _commit_log_flock(*, exclusive: bool):
    """``flock`` on the commit log through a handle of its own (flock locks belong to the open file:
    two holders on one shared handle would not exclude each other, even in two threads)."""
    log = _COMMIT_LOG["path"]
    if log is None:
        yield
        return
    import fcntl

    fd = os.open(log, os.O_RDONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)   # releases the lock


def note_register_commit(path, before: tuple, after: tuple) -> None:
    """Log one commit that wrote only register tables (the caller holds the store's writer lock)."""
    log = _COMMIT_LOG["path"]
    if log is None or None in before or None in after or after[0] != before[0] or after[3] != before[3] + 1:
        return
    # one write() of 64 bytes on an O_APPEND file: readers see whole entries
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, _ENTRY.pack(*before, *after))
    finally:
        os.close(fd)


def _register_only_since(then: tuple, now: tuple, path=None) -> bool:
    """Whether the store went from state ``then`` to ``now`` through noted register-only commits only.
    With ``path``, a state the log does not explain yet is read again once the writer has noted the
    commit it may be making (:func:`register_commit_window`). Returns the state reached (truthy), or
    ``False``."""
    log = _COMMIT_LOG["path"]
    if log is None or None in then or None in now or then[0] != now[0] or now[3] <= then[3]:
        return False
    with _COMMIT_LOG_LOCK:
        if _follow(log, tuple(then), tuple(now)):
            return tuple(now)
    if path is None:
        return False
    # the writer may be between its COMMIT and the note of it (register_commit_window): wait for the note,
    # then compare the state read now, while no noted commit can be under way
    with _commit_log_flock(exclusive=False):
        now = file_state(path)
    if None in now or then[0] != now[0] or now[3] <= then[3]:
        return False
    with _COMMIT_LOG_LOCK:
        return tuple(now) if _follow(log, tuple(then), tuple(now)) else False


def _follow(log: str, then: tuple, now: tuple) -> bool:
    try:
        with open(log, "rb") as fh:
            fh.seek(_COMMIT_LOG["offset"])
            data = fh.read()
    except FileNotFoundError:
        return False
    whole = len(data) - len(data) % _ENTRY.size
    for at in range(0, whole, _ENTRY.size):
        v = _ENTRY.unpack_from(data, at)
        _COMMIT_LOG["next"][v[:4]] = v[4:]
    _COMMIT_LOG["offset"] += whole
    if len(_COMMIT_LOG["next"]) > 100_000:   # a long-running desk: keep the latest commits only
        _COMMIT_LOG["next"] = dict(list(_COMMIT_LOG["next"].items())[-10_000:])
    state = then
    for _ in range(now[3] - then[3]):
        state = _COMMIT_LOG["next"].get(state)
        if state is None:
            return False
    return state == now


#: ``{path: (inode, read-only connection)}`` kept for :func:`content_stamp`, used and closed only under
#: the path's :func:`file_lock`. A fresh connection parses the GeoPackage's whole schema on its first
#: statement (~3 ms of CPU), and in a desk of several processes every register commit of another
#: process makes the stamp be read again; a kept one re-reads the schema only when it changed (SQLite
#: checks its schema cookie). Between statements it holds no lock on the file (autocommit reads).
_STAMP_CONS: dict[str, tuple] = {}


def _stamp_connection(path: Path, ino: int) -> sqlite3.Connection:
    key = str(path)
    entry = _STAMP_CONS.get(key)
    try:   # the journal mode now (header byte 18), read through the kept handle: no lock of this process dropped
        mode = os.pread(_header_fd(path, ino), 20, 0)[18:19]
    except OSError:
        mode = None
    try:   # and the WAL index file: deleted and made again when the store left WAL mode and came back to it
        mode = (mode, os.stat(f"{path}-shm").st_ino)
    except OSError:
        mode = (mode, None)
    if entry is not None and entry[0] == ino and entry[2] == mode:
        return entry[1]
    # the file at the path was replaced (an import), or its journal mode or WAL index changed under this process
    # (another program put a desk's store back out of WAL, breaker F3): the old connection goes — in WAL mode it holds
    # SQLite's shared lock on the file for its life, and the desk's register writer then never commits again
    _drop_stamp_connection(path)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    _STAMP_CONS[key] = (ino, con, mode)
    return con


def _evict_stamp_connections() -> None:
    """At most 8 kept stamp connections, oldest closed first, each under its own path's lock (called
    holding no file lock: two threads never wait for each other's path)."""
    while len(_STAMP_CONS) > 8:
        try:
            other = next(iter(_STAMP_CONS))
        except (StopIteration, RuntimeError):   # emptied or changed by another thread meanwhile
            return
        with file_lock(other):
            _drop_stamp_connection(other)


def _drop_stamp_connection(path) -> None:
    """Close the kept stamp connection of ``path`` (the caller holds its :func:`file_lock`)."""
    old = _STAMP_CONS.pop(str(path), None)
    if old is not None:
        old[1].close()


def file_state(path) -> tuple:
    """``(inode, mtime, size, change counter)`` of a store file: what :func:`content_stamp` compares."""
    p = Path(path)
    st = p.stat()
    return (st.st_ino, st.st_mtime_ns, st.st_size, _change_counter(p, st.st_ino))


def carry_stamp(path, before: tuple, after: tuple | None = None) -> None:
    """Keep the content stamp of ``path`` across a commit that wrote only register tables.

    ``before`` is :func:`file_state` taken inside the write transaction (no other writer can commit
    then). When the stamp known for that state is cached and the file's change counter rose by exactly
    one (this commit alone), the same stamp stands for the new state: the desk's next check does not
    open the store to find its layers unchanged. Anything else leaves the cache to find out.

    ``after``: the state that commit left, when another process made it (a desk's primary writing the
    register for its secondaries, :func:`dcf_spatial.register.record.forward_records`); by default
    read now. Should the file have moved on since, the next stamp read sees a state other than
    ``after`` and reads the store, as without this.
    """
    known = _STAMPS.get(str(Path(path)))
    if known is None or before[3] is None or known[0] != tuple(before):
        return
    before = tuple(before)
    after = file_state(path) if after is None else tuple(after)
    if after[0] == before[0] and after[3] == before[3] + 1:
        _STAMPS[str(Path(path))] = (after, known[1])


#: ``{path: (inode, fd)}``: a handle kept open on each store file to read its header. Opening and closing
#: a handle per read would drop every POSIX lock the process holds on the file at each close (see
#: :func:`file_lock`), so reads would have to wait for the file lock; a kept handle is only read. It is
#: closed (under the file lock) only when the file at the path was replaced, or to keep at most 32.
_HEADER_FDS: dict[str, tuple[int, int]] = {}


def _header_fd(path, ino: int) -> int:
    """The kept handle of ``path``, whose file has inode ``ino`` now (the caller has just stat'ed it)."""
    key = str(path)
    entry = _HEADER_FDS.get(key)
    if entry is not None and entry[0] == ino:
        return entry[1]
    with file_lock(key):
        entry = _HEADER_FDS.get(key)
        if entry is not None and entry[0] == ino:
            return entry[1]
        fd = os.open(key, os.O_RDONLY)
        old = _HEADER_FDS.pop(key, None)
        if old is not None:
            os.close(old[1])   # the replaced file's handle, under its path's lock
        _HEADER_FDS[key] = (os.fstat(fd).st_ino, fd)
    while len(_HEADER_FDS) > 32:   # oldest first
        other = next(iter(_HEADER_FDS))
        with file_lock(other):
            entry = _HEADER_FDS.pop(other, None)
            if entry is not None:
                os.close(entry[1])
    return fd


def _change_counter(path: Path, ino: int) -> int | None:
    """SQLite's file change counter (database header, offset 24; sqlite.org/fileformat.html §1.3.8),
    raised by every committed write in rollback-journal mode; in WAL mode (header bytes 18–19 are 2
    there, and that counter is not kept) the WAL index's counter (:func:`_wal_counter`); ``None`` when
    the header cannot be read.

    Read from the file's first 100 bytes: a register write changes the file's mtime on every recorded
    check, and without the counter each check after one would open the store to tell whether its
    layers changed (a second open for every request of a busy desk).
    """
    try:
        head = os.pread(_header_fd(path, ino), 100, 0)
    except OSError:
        return None
    if len(head) < 100 or not head.startswith(b"SQLite format 3\x00"):
        return None
    if head[18] == 2 and head[19] == 2:   # WAL mode: the counter of the wal-index (commits stay in -wal)
        return _wal_counter(path)
    if head[18] != 1 or head[19] != 1:
        return None
    return int.from_bytes(head[24:28], "big")


#: ``{path: (inode, fd)}``: a handle kept open on each store's ``-shm`` file (the WAL index), read only;
#: kept for the same reason as :data:`_HEADER_FDS` (closing a handle drops the process's POSIX locks on
#: the file, here SQLite's locks on the WAL index)
_SHM_FDS: dict[str, tuple[int, int]] = {}
#: the WAL-index header (sqlite.org/walformat.html §2.1): two copies of 48 bytes, native byte order;
#: iVersion, unused, iChange, isInit, bigEndCksum, szPage, mxFrame, nPage, aFrameCksum[2], aSalt[2], aCksum[2]
_WAL_HDR = struct.Struct("=IIIBBHIIIIIIII")


def _wal_counter(path: Path) -> int | None:
    """A counter raised by exactly one by every commit of a WAL-mode store: the WAL index's ``iChange``
    (sqlite.org/walformat.html §2.1, "incremented with each transaction"), with the WAL's salts above
    it (they change each time the WAL starts over, so a counter after a restart never equals one from
    before it). The main file's header does not move in WAL mode (commits stay in ``-wal`` until a
    checkpoint), so without this a layer written into the WAL would go unnoticed by
    :func:`content_stamp`. ``None`` when there is no WAL index (no connection open: the content is
    then in the main file and ``-wal``, read by whoever opens it next) — :func:`content_stamp` then
    compares mtime and size as before. Read by hand: SQLite has no API for another connection's
    commits that is comparable between processes (``PRAGMA data_version`` is per connection)."""
    shm = f"{path}-shm"
    try:
        ino = os.stat(shm).st_ino
    except OSError:
        return None
    key = str(path)
    entry = _SHM_FDS.get(key)
    if entry is None or entry[0] != ino:
        with file_lock(key):
            entry = _SHM_FDS.get(key)
            if entry is None or entry[0] != ino:
                try:
                    fd = os.open(shm, os.O_RDONLY)
                except OSError:
                    return None
                old = _SHM_FDS.pop(key, None)
                if old is not None:
                    os.close(old[1])   # the replaced index's handle, under its path's lock
                entry = _SHM_FDS[key] = (os.fstat(fd).st_ino, fd)
    for _ in range(100):   # the two copies differ only while a writer updates them (walIndexWriteHdr)
        try:
            raw = os.pread(entry[1], 2 * _WAL_HDR.size, 0)
        except OSError:
            return None
        if len(raw) < 2 * _WAL_HDR.size:
            return None
        if raw[:48] == raw[48:]:
            h = _WAL_HDR.unpack(raw[:48])
            if not h[3]:   # isInit: not set up yet
                return None
            return ((h[10] ^ (h[11] << 1)) & 0x7FFF_FFFF) << 32 | h[2]
        time.sleep(0)
    return None


def is_wal(path) -> bool:
    """Whether the SQLite file ``path`` is in WAL mode (header bytes 18–19 are 2; sqlite.org/fileformat.html
    §1.3.3). ``False`` for a missing or unreadable file.

    Examples
    --------
    >>> is_wal("/nonexistent.gpkg")
    False
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(20)
    except OSError:
        return False
    return len(head) == 20 and head[18] == 2 and head[19] == 2


def put_back_leftover_wal(path) -> bool:
    """Put the GeoPackage ``path`` back in the rollback-journal mode when a desk left it in WAL mode and no
    process has it open any more; return whether it did.

    A desk killed together with its anchor (``kill -9`` of all its processes, a service manager ending
    its whole group, a power cut) leaves the store in WAL mode, with ``-wal``/``-shm`` beside it: nothing
    committed is lost, but QGIS on a network share or a read-only copy of the file cannot open it
    (issue 12, N6; :mod:`.gpkg_wal`). dcf's first open of the store in each process (:class:`~.gpkg.GpkgStore`) calls this.
    Nothing while any process uses the store in WAL mode (its lock on the store file, :mod:`.store_in_use`: a
    desk whose anchor died still holds it, breaker F3; nothing can be deleted to lose it, issue 12 c); else SQLite switches the journal mode only for a connection alone on
    the file — it checkpoints the WAL into the main file and deletes ``-wal`` and ``-shm``.

    Examples
    --------
    >>> put_back_leftover_wal("/nonexistent.gpkg")
    False
    """
    from .store_in_use import nobody_else

    if not is_wal(path):
        return False
    # SQLite's refusal alone is no proof: a live desk's connections may be closed between two checks (F3)
    with file_lock(path), nobody_else(path) as free:   # a handle's close drops this process's POSIX locks
        if not free:   # a desk (or another dcf process) uses the store in WAL mode: its lock says so
            return False
        try:
            con = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=0, isolation_level=None)
        except sqlite3.Error:
            return False
        try:
            mode = con.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.Error:   # "database is locked": a desk has it open; "readonly": not ours to change
            mode = "wal"
        finally:
            con.close()
    if mode != "delete":
        return False
    logger.warning("图层库 %s 仍处于 WAL 模式（使用它的工作台未正常停止，如被 kill -9 或断电），且已无程序打开它："
                   "已将 %s-wal 中的内容写回主文件，恢复普通日志模式（数据完整，无需处理）。", path, path)
    return True


def copy_consistent(src, dst) -> None:
    """Copy the SQLite database ``src`` to the new file ``dst`` through SQLite's backup API: what is
    committed, WAL included (copying the main file of a WAL-mode store would miss the commits still in
    ``-wal``). ``dst`` is left in rollback-journal mode: one self-contained file. The caller holds
    ``src``'s :func:`file_lock`.

    Examples
    --------
    >>> copy_consistent("dcf_layers.gpkg", "/tmp/copy.gpkg")   # doctest: +SKIP
    """
    Path(dst).unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30)) as s, \
            contextlib.closing(sqlite3.connect(dst, isolation_level=None)) as d:
        s.backup(d)
        d.execute("PRAGMA journal_mode=DELETE")


def copy_without(src, dst, prefix: str = "dcf_register") -> None:
    """Copy the GeoPackage ``src`` to the new file ``dst`` leaving out the tables whose name starts with
    ``prefix`` (and their R-tree index, triggers and ``gpkg_*`` rows): by default the register of recorded
    checks, which an import preview's throw-away copy does not need and which grows with every check
    (tens of thousands of rows, some 16 kB each: copying it was most of a preview's time at a year's
    register). One read transaction of ``src`` (what is committed, WAL included); the caller holds
    ``src``'s :func:`file_lock`. The GeoPackage's own header (application id, version) is kept.

    Examples
    --------
    >>> copy_without("dcf_layers.gpkg", "/tmp/layers_only.gpkg")   # doctest: +SKIP
    """
    Path(dst).unlink(missing_ok=True)
    skip = (prefix, f"rtree_{prefix}")

    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    # uri=True: the ATTACH below names ``src`` as a read-only URI, which SQLite reads as a URI only on a
    # connection opened with URI names on (Debian's build has them on by default; python.org's do not)
    with contextlib.closing(sqlite3.connect(str(Path(dst).resolve()), isolation_level=None, timeout=30, uri=True)) as d:
        d.execute("ATTACH DATABASE ? AS src", (Path(src).resolve().as_uri() + "?mode=ro",))
        for pragma in ("application_id", "user_version"):
            d.execute(f"PRAGMA main.{pragma}={int(d.execute(f'PRAGMA src.{pragma}').fetchone()[0])}")
        d.execute("BEGIN")
        objects = d.execute("SELECT type, name, tbl_name, sql FROM src.sqlite_master WHERE sql IS NOT NULL "
                            "ORDER BY rowid").fetchall()
        kept = [o for o in objects if not o[2].startswith(skip) and not o[1].startswith("sqlite_")]
        virtual = [o[1] for o in kept if o[0] == "table" and o[3].upper().startswith("CREATE VIRTUAL")]
        shadow = {f"{v}_{part}" for v in virtual for part in ("node", "parent", "rowid")}  # made by their table
        tables = [o[1] for o in kept if o[0] == "table" and o[1] not in shadow]
        for name in tables:
            d.execute(next(o[3] for o in kept if o[1] == name))
        for name in tables:
            d.execute(f"INSERT INTO main.{q(name)} SELECT * FROM src.{q(name)}")
            columns = [r[1] for r in d.execute(f"PRAGMA main.table_info({q(name)})")]
            if name.startswith("gpkg_") and "table_name" in columns:  # the metadata rows of what was left out
                d.execute(f"DELETE FROM main.{q(name)} WHERE " + " OR ".join("substr(table_name, 1, ?) = ?" for _ in skip),
                          [x for s in skip for x in (len(s), s)])
        if d.execute("SELECT 1 FROM src.sqlite_master WHERE name = 'sqlite_sequence'").fetchone() and \
                d.execute("SELECT 1 FROM main.sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
            d.execute("INSERT INTO main.sqlite_sequence SELECT * FROM src.sqlite_sequence WHERE "
                      + " AND ".join("substr(name, 1, ?) <> ?" for _ in skip), [x for s in skip for x in (len(s), s)])
        for kind in ("index", "view", "trigger"):  # after the rows: a trigger fires on none of the copied ones
            for o in kept:
                if o[0] == kind:
                    d.execute(o[3])
        d.execute("COMMIT")
        d.execute("DETACH DATABASE src")


def replace_contents(path, new) -> None:
    """Make the WAL-mode store ``path`` hold the database ``new``, in ONE transaction of ``path``
    (SQLite's backup API, synchronous=FULL): the file keeps its inode and its ``-wal``/``-shm``, so the
    connections other processes keep on it (a running desk) stay valid and see the new content at their
    next read; killed part-way, the transaction is not committed and the store is as it was. The caller
    holds the store's writer lock.

    Examples
    --------
    >>> replace_contents("dcf_layers.gpkg", "/tmp/.dcf_layers.1234.tmp.gpkg")   # doctest: +SKIP
    """
    with contextlib.closing(sqlite3.connect(new, isolation_level=None)) as s, \
            contextlib.closing(connect_existing(path, timeout=30, isolation_level=None)) as d:
        s.execute("PRAGMA journal_mode=DELETE")   # ``new`` stays one file (no -wal/-shm left beside it)
        d.execute("PRAGMA synchronous=FULL")
        s.backup(d)   # pages=-1: every page in one step, one write transaction


@lru_cache(maxsize=64)
def _read_cached(path: str, stamp: tuple, table: str, bbox: tuple | None) -> "gpd.GeoDataFrame":
    import geopandas as gpd

    gdf = gpd.read_file(path, layer=table, bbox=bbox)
    fids = _fids_if_count_stale(path, table, len(gdf) if bbox is None else None)
    if fids is None:
        return gdf
    # GDAL reads no more features than gpkg_ogr_contents.feature_count says; a count left stale by an edit
    # outside dcf (0 while 14 rows, breaker2 N5) would read the layer as empty: read its rows by fid instead
    logger.warning("%s: gpkg_ogr_contents 记录的 %s 要素数与表中的行数不符，按实际行读取", path, table)
    gdf = gpd.read_file(path, layer=table, fids=fids)
    if bbox is not None and len(gdf):
        import numpy as np
        import shapely

        gdf = gdf.iloc[np.sort(gdf.sindex.query(shapely.box(*bbox)))]
    return gdf


def _fids_if_count_stale(path: str, table: str, read: int | None) -> list[int] | None:
    """The table's fids when ``gpkg_ogr_contents`` holds a feature count other than its rows (``read``: the
    rows GDAL read of the whole table, else the recorded count is compared); ``None`` when the count is right."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        if not _has_table(con, "gpkg_ogr_contents"):
            return None
        row = con.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE lower(table_name)=lower(?)",
                          (table,)).fetchone()
        if row is None or row[0] is None:
            return None
        rows = con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        if rows == (row[0] if read is None else read):
            return None
        pk = next((r[1] for r in con.execute(f'PRAGMA table_info("{table}")') if r[5]), "fid")
        return [int(f) for (f,) in con.execute(f'SELECT "{pk}" FROM "{table}" ORDER BY "{pk}"')]


def _guarded(write: bool = False, *, hold: bool = True):
    """Turn what SQLite/GDAL/the OS raise about a damaged or read-only store into a :class:`StoreError`
    that names the store and the way out (a traceback tells the planner nothing).

    ``hold=False``: the method takes the store's :func:`file_lock` itself, only while it touches the
    store file (a write staged in a working copy, :meth:`GpkgStore._staged`), not for its whole run."""
    import functools

    def wrap(method):
        @functools.wraps(method)
        def inner(self, *args, **kwargs):
            try:
                if not hold:
                    return _checked(self, *args, **kwargs)
                with file_lock(self.path):
                    return _checked(self, *args, **kwargs)
            except Exception as exc:
                refuse_gone_under_desk(self.path, exc)
                raise

        def _checked(self, *args, **kwargs):
            problem = file_problem(self.path)
            if problem:
                raise StoreError(broken_message(self.label, problem))
            try:
                return method(self, *args, **kwargs)
            except sqlite3.DatabaseError as exc:  # "file is not a database", "disk image is malformed"
                if write and is_disk_full(exc):   # not 已损坏: SQLite rolled the write back, the store is as it was
                    raise self._disk_full(exc) from None
                if write and "readonly" in str(exc):
                    raise StoreError(readonly_message(self.label, str(exc))) from None
                raise StoreError(broken_message(self.label, str(exc))) from None
            except PermissionError as exc:
                if not write:
                    raise StoreError(f"图层库 {self.label} 无法读取（{exc.strerror or exc}）：请取得该文件的读权限，"
                                     "或用环境变量 DCF_STORE 指向另一个图层库。") from None
                raise StoreError(readonly_message(self.label, exc.strerror or str(exc))) from None
            except OSError as exc:
                if write and exc.errno in (1, 13, 30):  # EPERM (immutable), EACCES, EROFS
                    raise StoreError(readonly_message(self.label, exc.strerror or str(exc))) from None
                if write and is_disk_full(exc):
                    raise self._disk_full(exc) from None
                raise
            except (DcfError, KeyError, ValueError):
                raise
            except Exception as exc:  # pyogrio/fiona errors: damaged when SQLite says so
                if write and is_disk_full(exc):   # GDAL's SQLite: "database or disk is full"
                    raise self._disk_full(exc) from None
                damage = _integrity_problem(self.path)
                if not damage and type(exc).__name__ == "DataSourceError":  # SQLite, but not a GeoPackage
                    damage = str(exc)
                if damage:
                    raise StoreError(broken_message(self.label, damage)) from None
                if write and not os.access(self.path.parent, os.W_OK | os.X_OK):
                    raise StoreError(readonly_message(self.label, str(exc))) from None
                raise
        return inner
    return wrap


def _integrity_problem(path: Path) -> str | None:
    """SQLite's ``PRAGMA quick_check`` finding, or ``None`` when the file is sound."""
    try:
        with _reading(path) as con:
            rows = [r[0] for r in con.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if rows == ["ok"] else "；".join(rows[:3])


#: the store files this process has looked at for a WAL mode a killed desk left (:class:`GpkgStore`)
_WAL_LOOKED_AT: set[str] = set()


class GpkgStore:
    """A GeoPackage file holding the layers and the catalog tables."""

    kind = "gpkg"

    def __init__(self, path: Path):
        self.path = Path(path)
        self.label = str(self.path)
        key = str(self.path)
        if key not in _WAL_LOOKED_AT:   # once per file and process: a store a killed desk left in WAL mode
            _WAL_LOOKED_AT.add(key)
            put_back_leftover_wal(self.path)
            if is_wal(self.path):   # used in WAL mode from here on: no other process puts it back (F3)
                from .store_in_use import hold

                hold(self.path)

    # --- what is there ------------------------------------------------------------------------
    def exists(self) -> bool:
        """Whether the store file is there; a desk's store deleted under it raises (:func:`refuse_gone_under_desk`)."""
        if self.path.exists():
            return True
        refuse_gone_under_desk(self.path)
        return False

    def missing_message(self) -> str:
        return (
            f"图层库 {self.path} 不存在。请先生成默认图层（`dcf layers build`），"
            "或改用已有的 GeoPackage 或 postgresql:// 地址（环境变量 DCF_STORE）。"
        )

    @_guarded(write=False)
    def catalog_rows(self) -> "pd.DataFrame":
        import pandas as pd

        with _reading(self.path) as con:
            if not _has_table(con, CATALOG_TABLE):
                return pd.DataFrame(columns=list(CATALOG_COLUMNS))
            return pd.read_sql_query(_catalog_select(con), con)

    @_guarded(write=False)
    def catalog_dicts(self, *, present: bool = False) -> dict[str, dict]:
        """``{layer id: catalog row}``, read in one query without pandas (the register reads it twice per
        recorded check); with ``present`` only the layers whose table is in the file (:meth:`has_layer`)."""
        if not self.path.exists():
            return {}
        with _reading(self.path) as con:
            if not _has_table(con, CATALOG_TABLE):
                return {}
            cur = con.execute(_catalog_select(con))
            cols = [d[0] for d in cur.description]
            at = cols.index("id")
            rows = {str(row[at]): dict(zip(cols, row)) for row in cur.fetchall()}
            if present:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                rows = {k: r for k, r in rows.items() if k in tables}
            return rows

    @_guarded(write=False)
    def catalog_entry(self, layer_id: str) -> dict | None:
        if not self.path.exists():
            return None
        with _reading(self.path) as con:
            if not _has_table(con, CATALOG_TABLE):
                return None
            cur = con.execute(_catalog_select(con, "WHERE c.id=?"), (layer_id,))
            row = cur.fetchone()
            return None if row is None else dict(zip([d[0] for d in cur.description], row))

    @_guarded(write=False)
    def history_entries(self, layer_id: str) -> dict[int, dict]:
        """Catalog rows of the kept versions of ``layer_id``, by version number ``n``."""
        with _reading(self.path) as con:
            if not _has_table(con, CATALOG_HISTORY_TABLE):
                return {}
            rows = con.execute(f"SELECT n, meta FROM {CATALOG_HISTORY_TABLE} WHERE layer_id=? ORDER BY n",
                               (layer_id,)).fetchall()
        return {int(n): json.loads(meta) for n, meta in rows}

    @_guarded(write=False)
    def feature_counts(self) -> dict[str, tuple[int, str | None]]:
        import pyogrio

        info = {str(name): str(gtype) for name, gtype in pyogrio.list_layers(self.path)}
        counts = {}
        with contextlib.closing(connect_existing(self.path)) as con:
            for name, gtype in info.items():
                if name.startswith(HISTORY_PREFIX) or name in (CATALOG_TABLE, CATALOG_HISTORY_TABLE, gpkg_edits.TABLE):
                    continue
                n = con.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
                counts[name] = (n, gtype)
        return counts

    @_guarded(write=False)
    def has_layer(self, layer_id: str) -> bool:
        """Whether the catalog names ``layer_id`` AND its table is in the file: a layer deleted in QGIS or by
        GDAL (table and ``gpkg_contents`` row gone) or by ``DROP TABLE`` keeps its catalog row."""
        if not self.path.exists():
            return False
        with _reading(self.path) as con:
            return _has_table(con, CATALOG_TABLE) and _has_table(con, layer_id) and con.execute(
                f"SELECT 1 FROM {CATALOG_TABLE} WHERE id=?", (layer_id,)).fetchone() is not None

    @_guarded(write=False)
    def unwatched_layer_tables(self) -> list[str]:
        """The layer tables whose edits outside dcf would not be marked (no triggers yet: :mod:`.gpkg_edits`)."""
        if not self.path.exists():
            return []
        with _reading(self.path) as con:
            return _unwatched(con)

    def lacks_edit_marks(self) -> bool:
        """Whether a layer table lacks its triggers (:meth:`add_catalog_trigger` adds them)."""
        return bool(self.unwatched_layer_tables())

    @_guarded(write=True)
    def add_catalog_trigger(self) -> list[str]:
        """Add the triggers that mark an edit outside dcf to every layer table lacking them (a store made
        before them; :mod:`.gpkg_edits`); return those tables. Under the writers' lock."""
        with self._locked(), contextlib.closing(connect_existing(self.path, timeout=30, isolation_level=None)) as con:
            return watch_layer_tables(con)

    @_guarded(write=False)
    def table_names(self) -> list[str]:
        import pyogrio

        return [str(name) for name, _ in pyogrio.list_layers(self.path)]

    # --- reading ------------------------------------------------------------------------------
    @_guarded(write=False)
    def read_table(self, table: str, *, bbox: tuple | None = None) -> "gpd.GeoDataFrame":
        """Read one layer table; ``bbox`` (EPSG:4490) is answered from the GeoPackage R-tree."""
        key = tuple(float(v) for v in bbox) if bbox is not None else None
        # the store's content stamp, not its mtime: a recorded check writes the register into the same
        # file and must not empty the cache
        return _read_cached(str(self.path.resolve()), content_stamp(self.path), table, key).copy()

    # --- writing ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self):
        """Hold an exclusive ``flock`` on the store file (other dcf writers wait; readers do not).

        The file is replaced by :meth:`_staged`, so a waiter that wakes up holding the old inode
        opens the new file and locks again.
        """
        import fcntl

        with file_lock(self.path):
            yield from self._flocked(fcntl)

    def _flocked(self, fcntl):
        while True:
            fd = os.open(self.path, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_ino == os.stat(self.path).st_ino:
                break
            os.close(fd)
        try:
            yield
        finally:
            os.close(fd)

    def _check_version(self, path: Path, layer_id: str, expected_version: int | None, *,
                       read_since: bool = False) -> None:
        """Refuse when ``layer_id`` in the working copy ``path`` is not at ``expected_version``. With
        ``read_since``, ``expected_version`` was read from the store after the copy was taken (a push reads
        it layer by layer): the copy's version is then the one the write started from (breaker F6)."""
        with contextlib.closing(connect_existing(path)) as con:
            _ensure_meta_tables(con)
            row = con.execute(f"SELECT version FROM {CATALOG_TABLE} WHERE id=?", (layer_id,)).fetchone()
        current = None if row is None else row[0]
        if current != expected_version:
            started, now = (current, expected_version) if read_since else (expected_version, current)
            raise InputError(
                f"写入期间，{self.label} 中的图层 {layer_id!r} 已被他人修改"
                f"（开始时为第 {started} 版，现为第 {now} 版）；本次未作任何改动。请重新运行该命令。"
            )

    @contextlib.contextmanager
    def _staged(self, layers: list | None = None):
        """Yield a working copy of the store that replaces the original only on success.

        The writers' lock (:meth:`_locked`: other dcf writers, the register of recorded checks among
        them, wait for it) is held only while the copy is taken and while it is brought in, not while
        the layers are written into it: a site check recorded during a push or an import is written
        into the store at once (issue 12, N2a: it waited for the whole push, then was refused 409). At
        the swap, still under the lock, the store's layers and catalog must be as when copied (else
        nothing is changed, :class:`InputError`); the register rows recorded meanwhile (append-only
        tables) are carried into the copy first, so none is lost. A reader sees the old file or the new
        one: ``os.replace``, or in WAL mode (a desk keeping the file open) one SQLite transaction.

        The copy is removed however the write ends (but a kill: the next write removes it); a full disk
        at any step is a :class:`StoreError` naming the store, ``layers`` (the ids being written, a list
        the caller may fill as it goes), the free space and the way out (issue 12, a).
        """
        tmp, held = None, None

        def clean() -> None:
            nonlocal held
            if held is not None:
                os.close(held)   # after os.replace it locks the store itself: released before anyone waits long
                held = None
            if tmp is not None:
                for side in ("", "-wal", "-shm", "-journal"):
                    Path(f"{tmp}{side}").unlink(missing_ok=True)

        try:
            with self._locked():
                # holding the writers' lock, no other import is running: a copy left here was killed
                for orphan in orphan_copies(self.path):
                    orphan.unlink(missing_ok=True)
                    if orphan.name.endswith(".tmp.gpkg"):   # its journal files go with it unsaid
                        logger.warning("已删除 %s：上次未完成的写入（导入、恢复或推送被中止）留下的工作副本；"
                                       "图层库仍是那次写入之前的状态，那次写入须重新运行", orphan)
                tmp = self.path.with_name(f".{self.path.stem}.{uuid.uuid4().hex[:8]}.tmp.gpkg")
                # in WAL mode (a desk running, see gpkg_wal) the last commits are in -wal, not in the main file,
                # and the file must not be swapped under the connections that keep it open: copied out and
                # back in by SQLite's backup API, the way back one transaction
                if is_wal(self.path):
                    copy_consistent(self.path, tmp)
                else:
                    shutil.copyfile(self.path, tmp)
                with _reading(tmp) as con:
                    base = _layer_rows(con)
                # the copy is in use until this write ends: another writer's clean-up leaves it alone (an flock,
                # which GDAL's and sqlite3's opening and closing of the copy do not drop, and a kill does)
                import fcntl

                held = os.open(tmp, os.O_RDONLY)
                fcntl.flock(held, fcntl.LOCK_EX)
            kill_point("import:copied")
            yield tmp
            with self._locked():
                with _reading(self.path) as con:
                    moved = _layer_rows(con) != base
                if moved:
                    raise InputError(f"写入期间，图层库 {self.label} 中的图层已被他人修改；本次未作任何改动。请重新运行该命令。")
                carry_register_rows(self.path, tmp)
                if is_wal(self.path):   # looked at again: a desk may have started or stopped meanwhile
                    replace_contents(self.path, tmp)
                else:
                    os.replace(tmp, self.path)
        except Exception as exc:
            if tmp is None or isinstance(exc, DcfError) or not is_disk_full(exc):
                raise
            clean()   # first: the free space said is that with the copy gone
            raise self._disk_full(exc, layers, copy=tmp) from None
        finally:
            clean()

    def _disk_full(self, exc: BaseException, layers: list | None = None, *, copy=None,
                   writing: str | None = None) -> StoreError:
        """The :class:`StoreError` of a write into this store that a full disk stopped (:mod:`.disk_full`):
        of ``layers``, or of ``writing`` (what was written, e.g. "核查登记")."""
        from .disk_full import disk_full_message, reason

        if writing is None:
            writing = f"图层 {'、'.join(dict.fromkeys(layers))} " if layers else ("图层库的工作副本" if copy else "图层库")
        logger.debug("disk full while writing %s", self.path, exc_info=exc)
        return StoreError(disk_full_message(self.label, self.path, writing=writing, copy=copy, detail=reason(exc)))

    @staticmethod
    def _write_table(path: Path, gdf, table: str) -> None:
        if path.exists():
            with contextlib.closing(connect_existing(path)) as con, con:
                if not _has_table(con, table):
                    _forget_dropped_table(con, table)
        gdf.to_file(path, layer=table, driver="GPKG")

    @_guarded(write=True, hold=False)
    def commit_layer(self, gdf, layer_id: str, row: dict, *, archive: int | None = None,
                     archive_meta: dict | None = None, expected_version: int | None = None) -> None:
        """Write ``gdf`` as ``layer_id`` with catalog ``row``.

        With ``archive=n`` the current version is first kept as ``_history__<id>__<n>`` (with
        ``archive_meta`` as its catalog row), all in one atomic replacement of the file.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if archive is None or not self.path.exists():
            with file_lock(self.path):
                self._write_table(self.path, gdf, layer_id)
                with contextlib.closing(connect_existing(self.path)) as con, con:
                    _ensure_meta_tables(con)
                    _upsert_row(con, row)
                    _written(con, layer_id)
            return
        with self._staged([layer_id]) as work:
            import geopandas as gpd

            self._check_version(work, layer_id, expected_version)
            prev = gpd.read_file(work, layer=layer_id)
            self._write_table(work, prev, history_table(layer_id, archive))
            self._write_table(work, gdf, layer_id)
            with contextlib.closing(connect_existing(work)) as con, con:
                _ensure_meta_tables(con)
                con.execute(f"DELETE FROM {CATALOG_HISTORY_TABLE} WHERE layer_id=? AND n=?", (layer_id, archive))
                con.execute(f"INSERT INTO {CATALOG_HISTORY_TABLE} VALUES (?,?,?)",
                            (layer_id, archive, json.dumps(archive_meta or {}, ensure_ascii=False)))
                _upsert_row(con, row)
                _written(con, layer_id)

    @_guarded(write=True, hold=False)
    def commit_layers(self, writes) -> None:
        """Write several layers (:class:`~.base.LayerWrite`, e.g. a push) as ONE replacement of the file.

        Everything is written into a working copy (:meth:`_staged`, as an import's: ``os.replace``, or
        in WAL mode — a desk holding the file open — one SQLite transaction that brings the copy's pages
        in), so a reader sees the old set of layers or the new one, never part of it; a failure or a
        kill part-way leaves the store as it was (a killed run's copy is removed, saying so, by the next
        write). A store that does not exist yet is built in a copy of its own and linked into place
        whole."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        written: list[str] = []   # the ids as they are written: named should the disk be full
        if self.path.exists():
            with self._staged(written) as work:
                self._write_layers(work, writes, written)
            return
        tmp = self.path.with_name(f".{self.path.stem}.{uuid.uuid4().hex[:8]}.tmp.gpkg")
        try:
            self._write_layers(tmp, writes, written)
            if not tmp.exists():   # nothing to write: no store made
                return
            try:
                os.link(tmp, self.path)   # whole, and only if no other writer made the store meanwhile
            except FileExistsError:
                raise InputError(f"写入期间，图层库 {self.label} 已被他人创建；本次未作任何改动。请重新运行该命令。") from None
            except OSError as exc:   # a file system without hard links
                if is_disk_full(exc):
                    raise
                os.replace(tmp, self.path)
        except Exception as exc:
            if isinstance(exc, DcfError) or not is_disk_full(exc):
                raise
            for side in ("", "-wal", "-shm", "-journal"):   # first: the free space said is that with it gone
                Path(f"{tmp}{side}").unlink(missing_ok=True)
            raise self._disk_full(exc, written, copy=tmp) from None
        finally:
            for side in ("", "-wal", "-shm", "-journal"):
                Path(f"{tmp}{side}").unlink(missing_ok=True)

    def _write_layers(self, path: Path, writes, written: list) -> None:
        """:meth:`commit_layers`' writes into the file ``path`` (a working copy, or a new file); each layer id
        is added to ``written`` as its write begins."""
        import geopandas as gpd

        for w in writes:
            lid = w.layer_id
            written.append(lid)
            if path.exists():
                self._check_version(path, lid, w.expected_version, read_since=True)
            gdf = w.read()
            archive = w.archive
            if archive is not None and path.exists():
                with contextlib.closing(connect_existing(path)) as con:
                    if not _has_table(con, lid):   # deleted outside dcf (QGIS, GDAL, DROP TABLE): nothing to keep
                        logger.warning("图层 %s 的数据表已不在图层库中（在 dcf 之外被删除），写入新内容时没有可保留的旧版本", lid)
                        archive = None
            if archive is not None:
                self._write_table(path, gpd.read_file(path, layer=lid), history_table(lid, archive))
            self._write_table(path, gdf, lid)
            for n, read, _ in w.history:
                self._write_table(path, read(), history_table(lid, n))
            with contextlib.closing(connect_existing(path)) as con, con:
                _ensure_meta_tables(con)
                if archive is not None:
                    kept = [(archive, w.archive_meta or {})]
                else:
                    kept = [(n, meta) for n, _, meta in w.history]
                for n, meta in kept:
                    con.execute(f"DELETE FROM {CATALOG_HISTORY_TABLE} WHERE layer_id=? AND n=?", (lid, n))
                    con.execute(f"INSERT INTO {CATALOG_HISTORY_TABLE} VALUES (?,?,?)",
                                (lid, n, json.dumps(meta, ensure_ascii=False)))
                _upsert_row(con, w.row)
                _written(con, lid)

    @_guarded(write=True)
    def put_history(self, layer_id: str, n: int, gdf, meta: dict) -> None:
        """Store ``gdf`` as kept version ``n`` of ``layer_id`` (used when copying a store)."""
        self._write_table(self.path, gdf, history_table(layer_id, n))
        with contextlib.closing(connect_existing(self.path)) as con, con:
            _ensure_meta_tables(con)
            con.execute(f"DELETE FROM {CATALOG_HISTORY_TABLE} WHERE layer_id=? AND n=?", (layer_id, n))
            con.execute(f"INSERT INTO {CATALOG_HISTORY_TABLE} VALUES (?,?,?)",
                        (layer_id, n, json.dumps(meta, ensure_ascii=False)))

    @_guarded(write=True, hold=False)
    def restore_layer(self, layer_id: str, n: int, row: dict, *, expected_version: int | None = None) -> int:
        """Make kept version ``n`` the current ``layer_id`` again (catalog ``row``); return its size."""
        with self._staged([layer_id]) as work:
            import fiona
            import geopandas as gpd

            self._check_version(work, layer_id, expected_version)

            prev = gpd.read_file(work, layer=history_table(layer_id, n))
            self._write_table(work, prev, layer_id)
            # GDAL does the gpkg_* and R-tree bookkeeping of dropping a layer.
            fiona.remove(str(work), layer=history_table(layer_id, n))
            with contextlib.closing(connect_existing(work)) as con, con:
                _upsert_row(con, row)
                con.execute(f"DELETE FROM {CATALOG_HISTORY_TABLE} WHERE layer_id=? AND n=?", (layer_id, n))
                _written(con, layer_id)
        return len(prev)


#: ``{path: [the WAL store's state at this process's last look, what replaced its main file]}`` (:mod:`.wal_main_file`)
_MAIN_LOOKS: dict[str, list] = {}


def main_file_replaced(path) -> str | None:
    """What replaced the main file of the WAL-mode store ``path`` under this process since its first look here
    (``cp`` over a running desk's store, breaker F9/N4), in Chinese; ``None`` while it did not, or the store is
    not in WAL mode. Once seen it stays said: the register writer records nothing more into that log."""
    from . import wal_main_file

    key = str(path)
    try:
        ino = os.stat(path).st_ino
        if _wal_counter(Path(path)) is None or key not in _SHM_FDS:
            return None
        main_fd, shm_fd = _header_fd(path, ino), _SHM_FDS[key][1]
        head = os.pread(main_fd, 20, 0)
        if head[18:20] != b"\x02\x02" and key not in _MAIN_LOOKS:
            return None

        def read():
            return wal_main_file.state(path, main_fd, shm_fd)

        seen = _MAIN_LOOKS.get(key)
        if seen is None:
            _MAIN_LOOKS[key] = [read(), None]
            return None
        if seen[1] is None:
            seen[0], seen[1] = wal_main_file.replaced(seen[0], read)
        return seen[1]
    except OSError:
        return None


def main_file_committed(path) -> None:
    """After this process's register commit into ``path``: the state :func:`main_file_replaced` compares with next
    (the log as that commit left it: one deleted and made anew by another program's last connection, breaker F3,
    is then shorter — a checkpoint, not a replaced main file — even when its inode number comes back)."""
    from . import wal_main_file

    seen = _MAIN_LOOKS.get(str(path))
    if seen is None or seen[1] is not None:
        return
    try:
        main_fd, shm_fd = _header_fd(path, os.stat(path).st_ino), _SHM_FDS[str(path)][1]
        seen[0] = wal_main_file.state(path, main_fd, shm_fd)
    except (OSError, KeyError):
        pass
