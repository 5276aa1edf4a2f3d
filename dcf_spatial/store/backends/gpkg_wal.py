"""A GeoPackage store in SQLite's WAL mode while the desk runs (:func:`desk_wal`).

In the default rollback-journal mode one register commit makes four fsyncs (~20 ms on an office disk);
in WAL mode with ``synchronous=FULL`` it makes one (the WAL, at every commit: equally durable, SQLite's
"WAL" page §2 and ``PRAGMA synchronous``). The desk switches its store to WAL when it starts and back
to the rollback journal when it stops (after a full ``wal_checkpoint(TRUNCATE)``).

Why a separate *anchor* process holds a connection all the while: a WAL connection holds SQLite's
shared locks on the database and its ``-shm`` for its whole life, and SQLite's locks are POSIX
``fcntl`` locks, which belong to the process — GDAL (pyogrio) brings its own SQLite library, and each
of its opens and closes of the store in a desk process drops the locks of that process's own
connections (SQLite's "How To Corrupt" §2.2). Another process closing its last connection then finds
itself alone, checkpoints and deletes ``-wal`` and ``-shm`` under the desk's kept connections, and the
desk's next commits go into a deleted file: lost (reproduced: tests/test_desk_wal.py). The anchor
never loads GDAL, so its shared locks stay: while it lives no process is ever "the last", and the WAL
files stay in place; nor does GDAL's SQLite, opening the store in a desk process, take itself for the
first user of the WAL index and set it up afresh under that process's other connections (which then
fail with "disk I/O error"). It outlives the desk's workers: when the desk is killed it waits for
each of their pids, then puts the store back as at a normal stop. Every process using the store in WAL
mode also holds its in-use lock on the store file for its life (:mod:`.store_in_use`), so no dcf command puts the store back under
a running desk whose anchor alone was killed (breaker F3). Such a desk is not re-anchored: a new anchor would
open the store as the WAL index's first user and set it up afresh under the desk's connections (answered
register ids were lost so in 2 runs of 4); the desk should be restarted. Killed itself (``kill -9`` of all the
desk's processes, a power cut), it leaves the store in WAL mode with its ``-wal`` (nothing committed is
lost); the next dcf command, desk or ``dcf layers doctor`` that opens the store puts it back
(:func:`~.gpkg.put_back_leftover_wal`), so that other programs and read-only copies find one plain file.

Not on network file systems (WAL needs shared memory between the processes, sqlite.org/wal.html §2),
nor where SQLite refuses the switch (a read-only folder): the desk then writes as before and says so
in its start-up log.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from pathlib import Path

logger = logging.getLogger("dcf_spatial.desk.startup")


def _say(level: int, message: str, session: "WalSession | None" = None) -> None:
    """One line of the desk's start-up (and stop) log on the console, as uvicorn prints its own
    (``INFO:     …``) — the CLI shows only warnings of the package's loggers — unless the logging set-up
    already sends this logger somewhere; kept in ``session.messages`` too."""
    import sys

    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)-9s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    logger.log(level, message)
    if session is not None:
        session.messages.append(message)

#: file system types (``/proc/mounts``) where WAL's shared memory does not work between machines
NETWORK_FS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "fuse.sshfs", "glusterfs",
              "fuse.glusterfs", "ceph", "fuse.ceph", "lustre", "davfs", "fuse.davfs2", "fuse.rclone", "virtiofs")

# The anchor: stdlib only (no GDAL in that process, see the module's text). Lines on stdin: "pid N" (a
# desk process to outlive), "stop" (checkpoint, back to the rollback journal, close). EOF without "stop":
# the desk's parent is gone — wait until every listed pid is gone (no checkpoint while a killed desk's
# worker may still write), then as "stop". A main file replaced under the desk (its answer "replaced …", or
# "leave" from the desk): no checkpoint; it reads "kept FOLDER" (where the desk copied the three files), holds
# its shared lock on the store until every desk process is gone — SQLite checkpoints as the last connection
# to a WAL file closes, and none of theirs is the last while it holds it — then moves -wal and -shm into
# FOLDER (one of its own when none came), so that nobody opening the store later reads them into the other file.
# Its answer's second word says what the path holds ("same": the file it opened; "other": another, e.g. an empty
# one made there after an rm; "none"). Unless "same", the store's own main file is copied into FOLDER from the
# handle it kept (the desk's copy of the path's file set aside as "<name>.停止时路径上的文件"); a -wal or -shm gone
# from the path or not its own (SQLite deletes a -wal beside an empty main file as it opens it) likewise.
_ANCHOR = r"""
import importlib.util, os, pathlib, sqlite3, sys, threading, time
path, parent, watch_py = sys.argv[1], int(sys.argv[2]), sys.argv[3]
spec = importlib.util.spec_from_file_location("dcf_wal_main_file", watch_py)
watch = importlib.util.module_from_spec(spec)
spec.loader.exec_module(watch)
# mode=rw: never creates the store (one deleted as the desk starts is not made anew empty at the path)
con = sqlite3.connect(pathlib.Path(path).resolve().as_uri() + "?mode=rw", uri=True, timeout=30, isolation_level=None,
                      check_same_thread=False)
try:
    mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    # a read: the connection opens the WAL index now and holds its shared lock from here on
    con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
except sqlite3.Error as exc:
    mode = "error: %s" % exc
print("mode", mode, flush=True)
if mode != "wal":
    con.close()
    sys.exit(0)
pids = {parent}
# handles kept open (closing one would drop this process's locks on the store): the main file's look
main_fd, shm_fd = os.open(path, os.O_RDONLY), os.open(path + "-shm", os.O_RDONLY)
try:   # the log too: SQLite deletes a -wal beside an empty main file made at the path (rm, then any opener)
    wal_fd = os.open(path + "-wal", os.O_RDONLY)
except OSError:
    wal_fd = None
AT_STOP = ".停止时路径上的文件"   # what was found at a path under the name of the store's own file, kept aside
lock = threading.Lock()
seen = [watch.state(path, main_fd, shm_fd), None]   # [last look, what replaced the main file]


def look():
    # the main file replaced under the desk (cp, breaker F9/N4): from then on never a checkpoint into it
    if seen[1] is None:
        seen[0], seen[1] = watch.replaced(seen[0], lambda: watch.state(path, main_fd, shm_fd))
    return seen[1]


def checkpoints():
    # the only checkpointer of the desk's register commits (its writer has wal_autocheckpoint=0): after a look
    while True:
        time.sleep(1.0)
        with lock:
            if look() is not None:
                return
            try:
                if os.stat(path + "-wal").st_size > 4 << 20:
                    con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    seen[0] = watch.state(path, main_fd, shm_fd)
            except (OSError, sqlite3.Error):
                pass


def wait_pids():
    while pids:
        for pid in list(pids):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                pids.discard(pid)
            except PermissionError:
                pass
        time.sleep(0.2)


def where_main():
    # "same": the path names the file this process opened; "other": another file is there; "none": no file
    try:
        return "same" if own_file(path, main_fd) else "other"
    except FileNotFoundError:
        return "none"


def own_file(p, fd):
    # whether ``p`` is the file this process holds open as ``fd`` (no handle kept: taken as it, as before)
    st = os.stat(p)
    if fd is None:
        return True
    own = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)


def leave(*said):
    # no checkpoint into the replaced file: the log kept as it is, then moved away from it
    try:
        print(said[0], where_main(), *said[1:], flush=True)
        word = sys.stdin.readline().split(maxsplit=1)
    except (OSError, ValueError):
        word = []
    folder = word[1].strip() if word[:1] == ["kept"] and len(word) == 2 else ""
    wait_pids()
    name = os.path.basename(path)
    try:
        if not folder:
            folder = "%s.工作台停止时-%s" % (path, time.strftime("%Y%m%d-%H%M%S"))
            os.mkdir(folder)
        main_to = os.path.join(folder, name)
        if where_main() != "same" and os.path.exists(main_to):
            # the desk's copy of what is at the path now (a new or empty file made there after an rm) is not the
            # store's main file: kept aside under a clear name, the store's own file copied from the kept handle
            os.replace(main_to, main_to + AT_STOP)
        if not os.path.exists(main_to):
            rescue(main_fd, main_to)
        for suffix, fd in (("-wal", wal_fd), ("-shm", shm_fd)):
            to = os.path.join(folder, name + suffix)
            try:
                own = own_file(path + suffix, fd)
            except OSError:
                own = False
            if own:
                os.replace(path + suffix, to)
            elif fd is not None:   # gone or another at the path: the store's own, from the kept handle
                if os.path.exists(to):
                    os.replace(to, to + AT_STOP)
                rescue(fd, to)
    except OSError:
        pass
    os._exit(0)


def rescue(fd, to):
    # a file as this process's kept handle has it: a deleted main file's or -wal's last copy (rm under the desk,
    # breaker B10), which together read every record; read through that handle (closing another would drop the locks)
    with open(to, "wb") as out:
        at, size = 0, os.fstat(fd).st_size
        while at < size:
            chunk = os.pread(fd, min(1 << 20, size - at), at)
            if not chunk:
                break
            out.write(chunk)
            at += len(chunk)
        out.flush()
        os.fsync(out.fileno())


def stop():
    lock.acquire()
    what = look()
    if what is not None:
        leave("replaced", what)
    con.execute("PRAGMA busy_timeout=5000")
    try:
        busy, log, done = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        back = con.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.Error as exc:
        busy, back = -1, "error: %s" % exc
    try:
        print("stopped", busy, back, flush=True)
    except OSError:   # the desk is gone: nobody to tell
        pass
    con.close()
    sys.exit(0)


threading.Thread(target=checkpoints, daemon=True).start()
for line in sys.stdin:
    word = line.split()
    if word[:1] == ["pid"]:
        pids.add(int(word[1]))
    elif word[:1] == ["stop"]:
        stop()
    elif word[:1] == ["leave"]:   # the -wal does not fit the main file: no checkpoint into it, the log kept as it is
        lock.acquire()
        leave("left")
wait_pids()
stop()   # every process of the killed desk is gone: as at a normal stop
"""


from .process_locks import _IN_DESK_WAL  # noqa: E402  (this process's desk stores: process_locks.in_desk_wal asks it)


def _unreadable(path: Path) -> str | None:
    """SQLite's error reading the schema of ``path`` through a new connection (the main file with its ``-wal``), or
    ``None`` when it reads."""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as con:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        return str(exc)
    return None


def _keep_aside(path: Path) -> Path | None:
    """Copy ``path`` and its ``-wal``/``-shm`` as they are into a new folder beside it; the folder, or ``None``."""
    import shutil
    import time

    folder = path.with_name(f"{path.name}.工作台停止时-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        folder.mkdir()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(f"{path}{suffix}"):
                shutil.copy2(f"{path}{suffix}", folder / f"{path.name}{suffix}")
    except OSError:
        return None
    return folder


AT_STOP = ".停止时路径上的文件"   #: the anchor's suffix (its _ANCHOR text) for what it found at the path, kept aside


def kept_zh(path: Path, kept: Path | None, at: str | None) -> str:
    """What the folder of a desk's store deleted, emptied or replaced under it holds once the anchor is done, in
    Chinese: named wherever it is; ``at`` is the anchor's word for the path ("same", "other", "none", ``None``)."""
    where = kept or f"旁边名为 {path.name}.工作台停止时-… 的文件夹"
    name = path.name
    if at in ("other", "none"):
        aside = (f"；停止时原路径上的那个文件（不是本工作台打开的图层库）的副本另存为 {name}{AT_STOP}，原路径上的文件未动"
                 if at == "other" else "")
        return (f"工作台的进程全部退出后，{where} 中是：{name}（辅助进程从它仍打开着的句柄复制出的、本工作台打开的主文件）、"
                f"{name}-wal 与 {name}-shm（本工作台的日志，原路径上没有或已不是它们时同样从句柄复制）{aside}。"
                f"三个文件 {name}、{name}-wal、{name}-shm 同名放在一起即是完整的图层库，含全部已回答登记号的核查，不要删除。")
    return (f"{where} 中是：{name}（停止时原路径上的主文件的副本）、{name}-wal 与 {name}-shm（本工作台的日志，"
            "工作台的进程全部退出后移入），不要删除。")


def replaced_zh(path: Path, problem: str, kept: Path | None, *, at: str | None = None) -> str:
    """The desk's stop message for a main file replaced (breaker F9/N4), deleted or emptied (B9/B10) under it: what
    was kept where (:func:`kept_zh`), how to recover."""
    if not path.exists() and at in (None, "none"):
        return deleted_zh(path, kept)
    if problem.startswith("主文件被清空"):
        return emptied_zh(path, problem, kept, at=at)
    if at == "other":
        return (f"图层库 {path} 的主文件在工作台运行期间被替换了（{problem}），未恢复普通日志模式，也没有把日志写回路径上的"
                f"另一个文件。{kept_zh(path, kept, at)}把这三个文件一并移回 {path.parent}（先把原路径上的文件移到别处），"
                "再运行 dcf layers doctor。恢复图层库一律用 dcf layers restore，不要用 cp 或 mv 覆盖。")
    return (f"图层库 {path} 的主文件在工作台运行期间被替换了（{problem}；如用 cp 把另一个文件复制到它上面），"
            f"未恢复普通日志模式，也没有把日志写回被替换的主文件：本工作台自上次检查点以来登记的核查只在 {path}-wal 中，"
            f"且只能与被替换前的主文件一起读出。{kept_zh(path, kept, at)}"
            f"（{path}-wal 和 -shm 留在原处的话，下次打开图层库时会被写进被替换的主文件。）"
            "找回被替换前的主文件（与保存的 -wal、-shm 放在同一文件夹、同名即可读出全部登记），找不回时用 "
            "dcf layers restore 备份.gpkg 恢复到最近一次备份（此后的登记会缺失，须按保存的文件核对补登）。"
            "恢复图层库一律用 dcf layers restore，不要用 cp 覆盖。")


def deleted_zh(path: Path, kept: Path | None) -> str:
    """The desk's stop message for a main file deleted under it (``rm``, breaker B10): the anchor's kept handles still
    read it and its log, and it copies them into the folder once the desk's processes are gone."""
    return (f"图层库 {path} 的主文件在工作台运行期间被删除了，未恢复普通日志模式：本工作台自上次检查点以来登记的核查在 "
            f"{path}-wal 中。{kept_zh(path, kept, 'none')}把它们一并移回 {path.parent}，再运行 dcf layers doctor。"
            "在此之前不要运行 dcf layers build，也不要复制别的文件到原处。")


def emptied_zh(path: Path, problem: str, kept: Path | None, *, at: str | None = None) -> str:
    """The desk's stop message for a main file emptied or overwritten with what is no SQLite file under it
    (``truncate``, breaker B9; or an empty file made at the path after an ``rm``: ``at="other"``)."""
    if at == "other":   # a new file at the path: the store's own main file is still read through the anchor's handle
        return (f"图层库 {path} 的{problem[:3]}在工作台运行期间{problem[3:]}：路径上已是另一个（空的）文件，"
                f"原来的主文件先被删除了，未恢复普通日志模式。{kept_zh(path, kept, at)}"
                f"把这三个文件一并移回 {path.parent}（先把原路径上的空文件移到别处），再运行 dcf layers doctor。"
                "在此之前不要运行 dcf layers build。")
    return (f"图层库 {path} 的{problem[:3]}在工作台运行期间{problem[3:]}：图层和核查登记已不在该文件中，未恢复普通日志模式。"
            f"本工作台自上次检查点以来登记的核查在 -wal 中（原路径上的 -wal 若已被删除，则从辅助进程仍打开着的句柄复制）。"
            f"{kept_zh(path, kept, at)}-wal 只能与清空前的主文件一起读出。"
            "找回清空前的主文件（如文件系统的快照或备份盘）；找不回时用 dcf layers restore 备份.gpkg 恢复到最近一次备份"
            "（此后的登记会缺失，须核对补登）。")


def filesystem_type(path) -> str | None:
    """The type (``/proc/mounts``) of the file system holding ``path``; ``None`` when not known.

    Examples
    --------
    >>> filesystem_type("/proc") == "proc" or filesystem_type("/proc") is None
    True
    """
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    real = os.path.realpath(os.fspath(path))
    best, kind = "", None
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        if (real == point or real.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, kind = point, parts[2]
    return kind


class WalSession:
    """The running anchor of one store (:func:`desk_wal`); ``active`` says whether the store is in WAL
    mode for the desk, ``reason`` why not."""

    def __init__(self, path: Path):
        self.path, self.proc, self.active, self.reason = path, None, False, ""
        #: what was said in the desk's log about the journal mode
        self.messages: list[str] = []

    def watch(self, pid: int) -> None:
        """Have the anchor outlive process ``pid`` (a desk worker) should the desk's parent be killed."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.stdin.write(f"pid {pid}\n")
                self.proc.stdin.flush()
            except OSError:
                pass


def _store_path(store) -> Path | None:
    """The GeoPackage file of ``store`` (a path, ``None`` for the default store), or ``None`` (PostGIS)."""
    from ..locate import resolve_store, writable_location
    from . import as_pg_url

    location = writable_location(resolve_store(store))   # where the register is written
    if as_pg_url(location) is not None:
        return None
    return Path(location)


def first_look(store) -> None:
    """This desk process's first look at the main file of its WAL ``store`` (a path, as :func:`desk_wal` got it),
    taken as it starts rather than at its first register commit: a file copied over the store before the desk
    recorded anything is then seen too (breaker N4, :func:`.gpkg.main_file_replaced`)."""
    from .gpkg import is_wal, main_file_replaced

    path = _store_path(store)
    if path is not None:
        if is_wal(path):   # a desk's worker process: its store's failures are told as a desk's (breaker B9)
            _IN_DESK_WAL.add(os.path.realpath(path))
        main_file_replaced(path)


@contextlib.contextmanager
def desk_wal(store, *, enabled: bool = True):
    """Keep the GeoPackage ``store`` in WAL mode (register commits ``synchronous=FULL``: one fsync each)
    for the block, back to the rollback journal after it; yields a :class:`WalSession`.

    Nothing for a PostGIS store, a missing file, ``enabled=False`` (the desk records nothing), a network
    file system or a store SQLite does not switch (``session.reason`` says which; logged).

    Examples
    --------
    >>> with desk_wal("layers/dcf_layers.gpkg") as wal:   # doctest: +SKIP
    ...     serve_the_desk()
    """
    path = _store_path(store) if enabled else None
    session = WalSession(path)
    if path is None or not path.exists():
        yield session
        return
    kind = filesystem_type(path)
    if os.environ.get("DCF_DESK_WAL", "1") == "0":
        session.reason = "环境变量 DCF_DESK_WAL=0"
    elif os.name != "posix":
        # the anchor watches the desk's pids with os.kill(pid, 0), which on Windows would end the process
        session.reason = "非 POSIX 系统（如 Windows）上不切换（辅助进程按进程号守候，仅在 POSIX 上可用）"
    elif kind in NETWORK_FS:
        session.reason = f"图层库位于网络文件系统（{kind}）上，SQLite 的 WAL 模式在其上不可靠"
    if session.reason:
        _say(logging.WARNING, f"核查登记以普通日志模式写入（{session.reason}）：每次提交约 4 次落盘。图层库：{path}", session)
        yield session
        return
    from .store_in_use import hold, other_holds

    hold(path)   # for the desk's life: no dcf process puts the store back under it (breaker F3)
    watch_py = str(Path(__file__).with_name("wal_main_file.py"))
    proc = subprocess.Popen([sys.executable, "-c", _ANCHOR, str(path), str(os.getpid()), watch_py],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True)
    answer = proc.stdout.readline().split(maxsplit=1)
    mode = answer[1].strip() if len(answer) == 2 else "（无答复）"
    if mode != "wal":
        proc.stdin.close()
        proc.wait(30)
        session.reason = f"SQLite 未能切换到 WAL 模式（答复：{mode}）"
        _say(logging.WARNING, f"核查登记以普通日志模式写入（{session.reason}）：每次提交约 4 次落盘。图层库：{path}", session)
        yield session
        return
    session.proc, session.active = proc, True
    _IN_DESK_WAL.add(os.path.realpath(path))
    first_look(store)
    _say(logging.INFO, "核查登记以 SQLite WAL 模式写入（synchronous=FULL：每次提交都写入磁盘）；工作台停止时恢复普通日志模式"
         "（若工作台连同其辅助进程被强行终止，dcf 下次打开图层库时恢复）。"
         f"图层库：{path}", session)
    try:
        yield session
    finally:
        from .gpkg import gone_zh

        gone = gone_zh(path)   # deleted or emptied under the desk (breaker B9/B10)
        unreadable = None if gone else _unreadable(path)
        problem = gone or (unreadable and f"无法读入：{unreadable}")
        _IN_DESK_WAL.discard(os.path.realpath(path))
        try:
            # a main file replaced under the desk (cp of an older file, breaker F9): a checkpoint would write the
            # desk's log into the wrong file, and both would be lost
            proc.stdin.write("leave\n" if problem else "stop\n")
            proc.stdin.flush()
            line = proc.stdout.readline().split()
            if line[:1] not in (["replaced"], ["left"]):
                proc.wait(60)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            line = []
        at = line[1] if line[:1] in (["replaced"], ["left"]) and len(line) > 1 else None   # what the path holds
        if line[:1] == ["replaced"]:   # the anchor's look before its checkpoint (breaker N4): none made
            problem = f"{' '.join(line[2:])}"
        if problem:
            # the three files copied aside as they are now; the anchor, left holding its lock (no connection of the
            # desk's processes checkpoints as it closes), moves -wal and -shm there once they are all gone
            kept = _keep_aside(path)
            try:
                proc.stdin.write(f"kept {kept or ''}\n")
                proc.stdin.close()
            except OSError:
                pass
            _say(logging.WARNING, replaced_zh(path, problem, kept, at=at), session)
        elif line[:1] == ["stopped"] and line[-1] == "delete":
            _say(logging.INFO, f"图层库已恢复普通日志模式（WAL 已全部写回主文件）：{path}", session)
        elif line[:1] == ["stopped"] and line[1:2] != ["-1"]:   # the checkpoint waited on a reader: nothing wrong
            _say(logging.WARNING, f"图层库仍处于 WAL 模式（{' '.join(line[1:])}：另有程序打开着它）；数据完整，"
                 f"{path}-wal 中的内容由 SQLite 在下次打开时读入，无需处理。", session)
        elif line[:1] == ["stopped"] and "locked" in line and (others := other_holds(path)):
            # SQLite's "database is locked": another process (a second desk on this store, breaker B11) uses it in WAL
            _say(logging.WARNING, f"图层库 {path} 暂未恢复普通日志模式（{' '.join(line[1:])}）：另有 {others} 个 dcf 进程"
                 "（多半是用同一图层库运行的另一个工作台）仍以 WAL 模式使用它。数据完整：本工作台登记的核查在 "
                 f"{path}-wal 中，那些进程照常读写；最后一个使用它的工作台停止时把日志写回主文件并恢复普通日志模式"
                 "（若它被强行终止，dcf 下次打开图层库时恢复），无需处理，也不要移走或删除 -wal 和 -shm。", session)
        else:
            # SQLite's error (a main file replaced under the desk reads as malformed, breaker F9) or no answer: the
            # commits since the last checkpoint are in -wal only, and whether they can be read is not known here
            _say(logging.WARNING, f"图层库未能恢复普通日志模式（{' '.join(line[1:]) or '辅助进程无答复'}），数据是否完整未能确认："
                 f"本工作台自上次检查点以来登记的核查只在 {path}-wal 中。不要移走或删除 {path}-wal 和 {path}-shm，"
                 f"先把它们与 {path} 一并复制到别的文件夹保存，再运行 dcf layers doctor 检查并按它的办法处理。", session)


__all__ = ["desk_wal", "filesystem_type", "first_look", "WalSession", "NETWORK_FS"]
