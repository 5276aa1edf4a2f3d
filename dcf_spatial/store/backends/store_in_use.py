"""Is a GeoPackage store in WAL mode still used by a running process (a desk)?

A desk keeps its store in SQLite's WAL mode (:mod:`.gpkg_wal`); a desk killed with its anchor leaves it so,
and the next dcf process puts it back (:func:`~.gpkg.put_back_leftover_wal`). SQLite refusing the journal
switch is no proof that a desk still runs: its connections may be closed between two checks, or their
POSIX locks dropped by GDAL's own close of the file in the same process — breaker F3: the switch succeeded
under a live desk whose anchor had died, and every check after it failed. So every process that uses the
store in WAL mode holds a lock for its whole life (:func:`hold`); the put-back takes it exclusively, without
waiting, and leaves the store alone when it cannot (:func:`nobody_else`).

The lock is on the store file itself, so that nothing can be deleted to lose it while the store exists
(issue 12, c: it was an ``flock`` on a lock file beside the store, ``.<name>.in-use``; deleting that file
under a running desk let the next process make a new one, lock it and put the WAL back under the desk).
Of the locks Linux offers on the store file, only one fits:

- ``flock`` on the store file: dcf's writers already take it exclusively (:meth:`~.gpkg.GpkgStore._locked`,
  the desk's own register writer among them), so a desk's lifelong shared hold would make them wait
  forever. And on NFS the kernel emulates ``flock`` as a POSIX lock on the *whole* file (``flock(2)``,
  NOTES), which covers SQLite's lock bytes: a lifelong shared one would keep every SQLite writer from its
  RESERVED/PENDING locks.
- classic POSIX ``fcntl``/``lockf`` locks: they belong to the process, and any close of any handle on the
  file in that process drops them — GDAL's and SQLite's own closes included (the very reason for this lock).
- Linux's open-file-description (OFD) byte-range locks (``F_OFD_SETLK``, ``fcntl(2)``): they belong to the
  open file, like ``flock`` — no other close drops them, the kernel does when the process ends — and they
  lock only the bytes asked for. dcf locks ONE byte, :data:`IN_USE_BYTE`, outside the bytes SQLite locks
  (``PENDING_BYTE`` 0x40000000 to ``SHARED_FIRST + SHARED_SIZE`` = 0x40000200, sqlite.org/fileformat.html
  §1.3, "The Lock-Byte Page") and inside the lock-byte page SQLite never reads or writes: no conflict with
  SQLite's locks (GDAL's copy of SQLite, QGIS) nor with dcf's ``flock`` (a separate lock space on a local
  file system). On NFS the client sends it to the server as a byte-range lock of that one byte, still
  apart from SQLite's; a desk does not use WAL on a network file system anyway (:mod:`.gpkg_wal`).

The lock file of earlier versions is no longer made nor looked at; one left beside a store is harmless
(it may be deleted).
"""

from __future__ import annotations

import contextlib
import os
import struct

#: the byte of the store file dcf locks: just past SQLite's 512 lock bytes (0x40000000–0x400001FF), in the
#: lock-byte page SQLite keeps unused (page size ≥ 1024; a GeoPackage's is 4096); a lock beyond the end
#: of a smaller file is allowed
IN_USE_BYTE = 0x4000_0200

#: this process's shared holds: real path → file descriptor (kept open until the process ends)
_HELD: dict[str, int] = {}


def _ofd_lock(fd: int, kind: int, *, wait: bool = False) -> bool:
    """Take an OFD lock of ``kind`` (``F_RDLCK``/``F_WRLCK``) on :data:`IN_USE_BYTE` of ``fd`` (waiting for
    it with ``wait``); whether it was taken. ``struct flock`` of Linux: ``short l_type, l_whence; off_t l_start,
    l_len; pid_t l_pid`` (``l_pid`` 0 for OFD locks), native alignment."""
    import fcntl

    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLKW if wait else fcntl.F_OFD_SETLK, struct.pack("hhqqi", kind, os.SEEK_SET, IN_USE_BYTE, 1, 0))
    except OSError:   # EAGAIN/EACCES: held by another open file; others (EINTR, ENOLCK): not taken
        return False
    return True


def supported() -> bool:
    """Whether this system has OFD locks (Linux 3.15+); elsewhere no store is put back (:func:`nobody_else`)."""
    import fcntl

    return hasattr(fcntl, "F_OFD_SETLK")


def hold(path) -> bool:
    """Hold ``path``'s in-use lock shared for the rest of this process (once); whether it is held. Taken on a
    read-only handle: a read-only store is held too."""
    import fcntl

    key = os.path.realpath(os.fspath(path))
    if key in _HELD:
        return True
    if not supported():
        return False
    from .process_locks import file_lock

    with file_lock(key):   # a handle's close drops this process's POSIX locks (SQLite's) on the file
        try:
            fd = os.open(key, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return False
        if not _ofd_lock(fd, fcntl.F_RDLCK, wait=True):   # waits only while a put-back holds it (one switch)
            os.close(fd)
            return False
        _HELD[key] = fd
    return True


@contextlib.contextmanager
def nobody_else(path):
    """Yield whether no other process (nor this one, :func:`hold`) uses the store ``path``; while the block
    runs, none can begin to (a desk starting waits in :func:`hold`). ``False`` where that cannot be told
    (no OFD locks; a store this process may not write, which it could not put back either). The caller
    holds the store's :func:`~.gpkg.file_lock` (the handle opened here is closed at the end)."""
    import fcntl

    key = os.path.realpath(os.fspath(path))
    if key in _HELD or not supported():
        yield False
        return
    try:
        fd = os.open(key, os.O_RDWR | os.O_CLOEXEC)   # a write lock needs a handle open for writing
    except OSError:
        yield False
        return
    try:
        yield _ofd_lock(fd, fcntl.F_WRLCK)
    finally:
        os.close(fd)   # releases the lock (the only handle on this open file)


def other_holds(path) -> int | None:
    """How many in-use holds (:func:`hold`) on ``path`` there are now besides this process's own: other processes
    using the store in WAL mode, such as a second desk on it (breaker B11). From Linux's ``/proc/locks``, which lists
    each open file's OFD lock (``OFDLCK``) with the file's device and inode; ``None`` where that cannot be read."""
    try:
        st = os.stat(path)
        with open("/proc/locks", encoding="ascii", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    at = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    holds = sum(1 for line in lines if (part := line.split())[1:2] == ["OFDLCK"] and at in part and str(IN_USE_BYTE) in part)
    return holds - (os.path.realpath(os.fspath(path)) in _HELD)


__all__ = ["hold", "nobody_else", "other_holds", "supported", "IN_USE_BYTE"]
