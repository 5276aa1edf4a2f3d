"""Did a write into a GeoPackage store fail because its disk is full, and what to tell the user?

A full disk shows up in three guises, depending on who was writing: ``OSError`` with ``ENOSPC`` (or
``EDQUOT``, a quota) from a plain file copy; SQLite's ``SQLITE_FULL`` ("database or disk is full", which
SQLite returns for ``ENOSPC``: sqlite.org/rescode.html#full) from Python's ``sqlite3``; and the same text
inside GDAL's error (pyogrio) when GDAL's own SQLite writes the layers. dcf called the last two 已损坏 and
advised a rebuild (issue 12, a): the store was sound, only the disk was full.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

#: SQLite's primary result code for a full disk (sqlite.org/rescode.html#full)
SQLITE_FULL = 13
#: what the OS, SQLite and GDAL say about a full disk, as found in their messages
_WORDS = ("database or disk is full", "no space left on device", "disk quota exceeded")


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says that the disk (or the user's quota) is full.

    Examples
    --------
    >>> import errno
    >>> is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    True
    >>> is_disk_full(OSError(errno.EACCES, "Permission denied"))
    False
    """
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) is not None:
        return exc.sqlite_errorcode & 0xFF == SQLITE_FULL
    return any(word in str(exc).lower() for word in _WORDS)


def _size(n: int) -> str:
    return f"{n / (1 << 30):.1f} GB" if n >= 1 << 30 else f"{n / (1 << 20):.1f} MB"


def store_size(path) -> int:
    """The bytes a full copy of the store ``path`` takes: the file and its ``-wal`` (0 when not there)."""
    total = 0
    for side in ("", "-wal"):
        try:
            total += Path(f"{path}{side}").stat().st_size
        except OSError:
            pass
    return total


def disk_full_message(label: str, path, *, writing: str, copy=None, detail: str = "") -> str:
    """The message for a write into the store ``path`` (shown as ``label``) that the full disk stopped:
    what was being written, the free space and what a working copy needs, that the store is unchanged,
    and the fix.

    ``writing`` says what was written (e.g. "图层 a、b "; a space before 时 after a Latin name); ``copy`` is the working copy (removed by
    the caller) when the write went through one.

    Examples
    --------
    >>> print(disk_full_message("/data/s.gpkg", "/nonexistent/s.gpkg", writing="图层 a "))  # doctest: +ELLIPSIS
    图层库 /data/s.gpkg 所在磁盘空间不足，写入图层 a 时失败...
    """
    path = Path(path)
    folder = path.parent
    try:
        free = f"现剩余 {_size(shutil.disk_usage(folder).free)}"
    except OSError:
        free = "剩余空间未知"
    size = store_size(path)
    if copy is not None:
        where = f"写入先在图层库旁的工作副本 {copy} 中进行，成功后才替换图层库；"
        need = f"，此次至少需要 {_size(size)}（图层库的一份完整副本）另加新写入的图层" if size else ""
        kept = "图层库未作任何改动（仍是写入前的版本），工作副本已删除"
    else:
        where, need, kept = "", "", "图层库未作任何改动（SQLite 已撤回这次未完成的写入）"
    because = f"（{detail}）" if detail else ""
    return (f"图层库 {label} 所在磁盘空间不足，写入{writing}时失败{because}。{where}{folder} 所在磁盘{free}{need}。"
            f"{kept}。出路：在该磁盘上腾出空间后重新运行该命令；或把图层库复制到空间充足的磁盘"
            f"（`dcf --store {path} layers backup -o /空间充足的磁盘/{path.name}`，工作台运行时也完整），"
            "再用 --store 或环境变量 DCF_STORE 指向该副本重新运行。")


def reason(exc: BaseException) -> str:
    """The short reason of a full-disk ``exc``: the OS's words, or SQLite's (GDAL's message around them is
    a long SQL statement).

    Examples
    --------
    >>> reason(RuntimeError('sqlite3_exec(CREATE TABLE "t" (…)) failed: database or disk is full'))
    'database or disk is full'
    """
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc)
    for word in _WORDS:
        at = text.lower().find(word)
        if at >= 0:
            return text[at:at + len(word)]
    return text.strip()[:200]


__all__ = ["is_disk_full", "disk_full_message", "reason", "store_size"]
