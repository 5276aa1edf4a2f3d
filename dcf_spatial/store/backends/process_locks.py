"""What this process holds of each GeoPackage file: its one in-process lock, and whether a desk keeps it in WAL mode
now (a module of its own: the store's file, WAL and in-use code all ask it, and none may import the others for it)."""

from __future__ import annotations

import os
import threading

_FILE_LOCKS: dict = {}
_FILE_LOCKS_GUARD = threading.Lock()


def file_lock(path) -> threading.RLock:
    """The one in-process lock of a GeoPackage file; hold it while any file handle on it is open.

    GDAL (pyogrio) and Python's ``sqlite3`` each bring their own SQLite library, and SQLite's file locks
    are POSIX ``fcntl`` locks, which belong to the process: closing *any* handle on the file drops all of
    them, also those another thread's connection holds through the other library (SQLite's "How To
    Corrupt" §2.2). The desk reads layers, writes the register and checks the file from several threads,
    so every access to one store file in this process goes through this lock (other processes are kept
    apart by SQLite's own locking, which this does not affect).
    """
    key = os.path.realpath(os.fspath(path))
    with _FILE_LOCKS_GUARD:
        return _FILE_LOCKS.setdefault(key, threading.RLock())


#: the stores (real paths) this process keeps in WAL mode as a desk now (:func:`.gpkg_wal.desk_wal`)
_IN_DESK_WAL: set = set()


def in_desk_wal(path) -> bool:
    """Whether this process is a desk keeping ``path`` in WAL mode now."""
    return os.path.realpath(os.fspath(path)) in _IN_DESK_WAL
