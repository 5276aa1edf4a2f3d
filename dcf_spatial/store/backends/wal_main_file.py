"""Was the main file of a desk's WAL store replaced under it (``cp other.gpkg store.gpkg`` while the desk runs,
breaker F9/N4)?

``cp`` keeps the inode and writes the other file's bytes into it; SQLite's connections see nothing, the desk
goes on committing into its ``-wal``, and its next checkpoint writes those pages into the other database: a
page-level mix of two files. In WAL mode SQLite writes the main file only at a checkpoint (sqlite.org/wal.html
§2.2), and a checkpoint that copies pages raises the WAL index's ``nBackfill``; the log then starts over (new
salts, ``nBackfill`` 0) only once every frame was copied (sqlite.org/walformat.html §2.1, §2.2). New salts alone
say nothing: the first commit into an empty log writes new ones without any checkpoint. So the main file changed
(its inode at the path, size, mtime or its first 100 bytes: change counter, page count, schema cookie…) with no
checkpoint seen in between (:func:`checkpointed`) means something other than SQLite wrote it. The desk's own
register writer does not checkpoint (``wal_autocheckpoint=0``): its anchor does, after this look (:mod:`.gpkg_wal`).
A checkpoint by another process between the writing of its pages and of its record is told apart by looking again
a moment later.

Stdlib only and no package imports: the anchor loads this file by path (no GDAL in that process). Reads go
through handles kept open by the caller: closing a handle on the store would drop the process's POSIX locks on
it (SQLite's "How To Corrupt" §2.2).
"""

from __future__ import annotations

import os
import sys
import time


def state(path, main_fd: int, shm_fd: int | None) -> tuple:
    """``(main file, checkpoint record)`` of the WAL store ``path``: the inode at the path, the kept handle's
    inode, size, mtime and first 100 bytes; the WAL index's salts (first header copy, bytes 32–40), ``mxFrame``
    (bytes 16–20) and ``nBackfill`` (bytes 96–100, native byte order) from the kept ``-shm`` handle (``None``
    without one). The inode at the path is ``None`` when no file is there (``rm`` of the store, breaker B10)."""
    try:
        at = os.stat(path).st_ino
    except FileNotFoundError:
        at = None
    st = os.fstat(main_fd)
    main = (at, st.st_ino, st.st_size, st.st_mtime_ns, os.pread(main_fd, 100, 0))
    record = None
    if shm_fd is not None:
        shm = os.pread(shm_fd, 100, 0)
        if len(shm) >= 100:
            record = (shm[32:40], int.from_bytes(shm[16:20], sys.byteorder), int.from_bytes(shm[96:100], sys.byteorder),
                      _files(path))
    return main, record


def _files(path) -> tuple:
    """``(inode of the -shm at the path, (inode, size) of the -wal or None)``: a last connection's close checkpoints,
    then deletes the -wal and the -shm; a TRUNCATE checkpoint empties the -wal."""
    try:
        shm = os.stat(f"{path}-shm").st_ino
    except OSError:
        shm = None
    try:
        st = os.stat(f"{path}-wal")
        wal = (st.st_ino, st.st_size)
    except OSError:
        wal = None
    return shm, wal


def replaced(then: tuple, read, *, settle_s: float = 0.5) -> tuple[tuple, str | None]:
    """``(state now, what changed)`` since ``then``, the :func:`state` after the caller's last look (``read()``
    gives a new one); ``what changed`` is ``None`` unless the main file changed without a checkpoint."""
    now = read()
    if now[0] == then[0] or checkpointed(then[1], now[1]):   # unchanged, or changed by a checkpoint
        return now, None
    time.sleep(settle_s)   # a checkpoint of another process between its pages and its record
    now = read()
    if checkpointed(then[1], now[1]):
        return now, None
    return now, describe(then[0], now[0])


def checkpointed(then, now) -> bool:
    """Whether a checkpoint copied WAL frames into the main file between two records of :func:`state`: with the
    same salts ``nBackfill`` rose; with new salts the log started over, after the rest of the old one was copied
    (``nBackfill`` was below ``mxFrame``) or with a copy from the new one since (``nBackfill`` above 0). New salts
    over a log with nothing left to copy are a first commit into it, not a checkpoint. A -wal gone, made anew or
    shorter, or another -shm at the path, follow a checkpoint too (a last connection's close, a TRUNCATE).

    Examples
    --------
    >>> f = (7, (8, 4096))
    >>> checkpointed((b"a", 3, 0, f), (b"a", 5, 0, f)), checkpointed((b"a", 3, 0, f), (b"a", 5, 3, f))
    (False, True)
    >>> checkpointed((b"a", 0, 0, f), (b"b", 2, 0, f)), checkpointed((b"a", 4, 2, f), (b"b", 1, 0, f))
    (False, True)
    >>> checkpointed((b"a", 3, 0, f), (b"a", 3, 0, (7, None))), checkpointed((b"a", 3, 0, f), (b"a", 3, 0, (7, (8, 0))))
    (True, True)
    """
    if then is None or now is None:
        return False
    (shm, wal), (shm_now, wal_now) = then[3], now[3]
    if shm_now != shm or (wal is not None and (wal_now is None or wal_now[0] != wal[0] or wal_now[1] < wal[1])):
        return True
    if now[0] == then[0]:
        return now[2] > then[2]
    return then[2] < then[1] or now[2] > 0


def describe(then: tuple, now: tuple) -> str:
    """In Chinese, how the main file changed between two :func:`state` reads.

    Examples
    --------
    >>> describe((5, 5, 8192, 1, b"S"), (None, 5, 8192, 1, b"S"))
    '主文件已被删除（路径上已没有文件）'
    >>> describe((5, 5, 8192, 1, b"S"), (5, 5, 0, 2, b""))
    '主文件被清空（大小 8192 → 0 字节）'
    """
    if now[0] is None:
        return "主文件已被删除（路径上已没有文件）"
    if now[2] == 0:
        return f"主文件被清空（大小 {then[2]} → 0 字节）"
    if now[0] != then[1]:
        return "路径上已是另一个文件（被移动或改名覆盖）"
    said = []
    if now[2] != then[2]:
        said.append(f"大小 {then[2]} → {now[2]} 字节")
    if now[4] != then[4]:
        said.append("文件头（SQLite 的更改计数、页数、结构版本等）已不同")
    if now[3] != then[3]:
        said.append("修改时间已变")
    return "主文件内容在没有 SQLite 检查点的情况下被改写（" + "，".join(said) + "）"


__all__ = ["checkpointed", "describe", "replaced", "state"]
