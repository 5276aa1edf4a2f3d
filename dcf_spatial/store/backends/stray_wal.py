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
import os
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


def stray_wal_message(path, detail: str) -> str | None:
    """The message for a store unreadable only because of a ``-wal`` that is not its own; ``None`` when
    that is not so (the store is damaged, or there is no log beside it)."""
    if not main_file_sound_without_wal(path):
        return None
    return (f"图层库 {path} 旁的 {path}-wal（SQLite 的预写日志）与它不符，无法读入（{detail}）；"
            f"图层库主文件本身完好。这多半是从别处一起复制来的另一个图层库的日志。恢复办法：把 {path}-wal 和 "
            f"{path}-shm（若有）移到别的文件夹（不要删除，以备核对），再重新运行；不要重建图层库。"
            "若该日志确是本图层库的（如工作台被强行终止后留下），请勿移走，先运行 `dcf layers doctor` 检查。")


__all__ = ["main_file_sound_without_wal", "stray_wal_message"]
