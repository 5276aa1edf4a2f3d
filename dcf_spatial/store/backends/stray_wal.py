"""Does the ``-wal`` beside a GeoPackage store belong to it?

SQLite's WAL header ties the log to no database file: its salts only tie the log's frames to the log
itself (sqlite.org/fileformat.html §4.1), so SQLite replays any well-formed ``-wal`` of the right page size
over the file it finds it beside. A ``-wal`` copied in from another store (two folders copied together,
breaker F10) then makes the store unreadable — "malformed database schema" — though its main file is
intact. dcf called that 已损坏 and advised a rebuild that loses the imported layers; the fix is to move the
stray ``-wal``/``-shm`` aside. This tells the two apart by checking the main file alone (a copy of it,
without the log) when the store with its log cannot be read.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
from pathlib import Path


def main_file_sound_without_wal(path) -> bool:
    """Whether ``path`` has a non-empty ``-wal`` beside it and its main file alone passes SQLite's
    ``quick_check`` (read from a copy: the store and its log are left as they are)."""
    path = Path(path)
    wal = Path(f"{path}-wal")
    try:
        if not path.is_file() or wal.stat().st_size == 0:
            return False
    except OSError:
        return False
    try:
        with tempfile.TemporaryDirectory(prefix="dcf-wal-") as d:
            alone = Path(d) / "alone.gpkg"
            shutil.copyfile(path, alone)
            with contextlib.closing(sqlite3.connect(alone, isolation_level=None)) as con:
                rows = [r[0] for r in con.execute("PRAGMA quick_check").fetchall()]
                con.execute("SELECT count(*) FROM gpkg_contents").fetchone()
    except (OSError, sqlite3.DatabaseError):
        return False
    return rows == ["ok"]


def _in_use(path) -> bool:
    """Whether this process is a desk keeping the store in WAL mode (:func:`.gpkg_wal.desk_wal`): its ``-wal``
    is then this desk's own. (Another process's hold, :mod:`.store_in_use`, does not tell a desk from any
    command that opened the store in WAL mode.)"""
    from .process_locks import in_desk_wal

    return in_desk_wal(path)


def wal_mismatch_zh(path, detail: str) -> tuple[str, str] | None:
    """``(problem, way out)`` for a store unreadable only because its ``-wal`` does not fit its main file
    (:func:`main_file_sound_without_wal`); ``None`` when that is not so.

    Whose log it is decides the way out. With a desk using the store (its lock, :mod:`.store_in_use`), the
    ``-wal`` is that desk's own and holds the checks it recorded since its last checkpoint: what changed is the
    main file, replaced under it (``cp`` of an older file over a live store, breaker F9) — moving the log aside,
    the way out for a log copied in from another store (F10), would lose those records for good."""
    path = Path(path)
    if not main_file_sound_without_wal(path):
        return None
    if _in_use(path):
        return (f"图层库 {path} 正由运行中的工作台以 WAL 模式使用，{path}-wal 是该工作台自己的预写日志（其中有它自上次检查点"
                f"以来登记的核查），但主文件与它不再相符，无法读入（{detail}）：主文件多半在工作台运行期间被替换了（如用 cp 把另一个"
                "文件复制到它上面）。这些登记只在该日志中，且只能与被替换前的主文件一起读出",
                f"不要移走或删除 {path}-wal，也不要再复制文件覆盖图层库。先把 {path}、{path}-wal 和 {path}-shm 一并复制到别的文件夹"
                "保存，再停止工作台；找回被替换前的主文件（与保存的 -wal、-shm 放在一起即可读出全部登记），找不回时用 "
                "dcf layers restore 备份.gpkg 恢复到最近一次备份（此后的登记会缺失，须按保存的文件核对补登）；"
                "恢复图层库一律用 dcf layers restore，不要用 cp 覆盖")
    return (f"图层库 {path} 旁的 {path}-wal（SQLite 的预写日志）与它不符，无法读入（{detail}）；图层库主文件本身完好。"
            "这多半是从别处一起复制来的另一个图层库的日志",
            f"把 {path}-wal 和 {path}-shm（若有）移到别的文件夹（不要删除，以备核对），再重新运行；不要重建图层库。"
            "若该日志确是本图层库的（如工作台被强行终止后留下，或工作台运行期间主文件被 cp 覆盖），请勿移走，"
            "先把三个文件一并复制保存，再运行 `dcf layers doctor` 检查")


def stray_wal_message(path, detail: str) -> str | None:
    """The message for a store unreadable only because of a ``-wal`` that does not fit its main file
    (:func:`wal_mismatch_zh`); ``None`` when that is not so (the store is damaged, or there is no log beside it)."""
    said = wal_mismatch_zh(path, detail)
    return None if said is None else f"{said[0]}。恢复办法：{said[1]}。"


__all__ = ["main_file_sound_without_wal", "stray_wal_message", "wal_mismatch_zh"]
