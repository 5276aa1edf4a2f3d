"""Is a GeoPackage store in WAL mode still used by a running process (a desk)?

A desk keeps its store in SQLite's WAL mode (:mod:`.gpkg_wal`); a desk killed with its anchor leaves it so,
and the next dcf process puts it back (:func:`~.gpkg.put_back_leftover_wal`). SQLite refusing the journal
switch is no proof that a desk still runs: its connections may be closed between two checks, or their
POSIX locks dropped by GDAL's own close of the file in the same process — breaker F3: the switch succeeded
under a live desk whose anchor had died, and every check after it failed. So every process that uses the
store in WAL mode holds a shared ``flock`` on a lock file beside it (``.<name>.in-use``) for its whole
life (:func:`hold`); the put-back takes it exclusively, without waiting, and leaves the store alone when
it cannot (:func:`nobody_else`). ``flock`` locks belong to the open file, not the process: GDAL or SQLite
closing their own handles never drops them, and the kernel drops them when the process ends, however.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

#: this process's shared holds: real path → file descriptor (kept open until the process ends)
_HELD: dict[str, int] = {}


def lock_path(path) -> Path:
    """The lock file of the store ``path``.

    Examples
    --------
    >>> lock_path("/data/layers/dcf_layers.gpkg").as_posix()
    '/data/layers/.dcf_layers.gpkg.in-use'
    """
    path = Path(path)
    return path.with_name(f".{path.name}.in-use")


def hold(path) -> bool:
    """Hold ``path``'s lock shared for the rest of this process (once); whether it is held. Nothing where the
    lock file cannot be made (a read-only folder: no desk writes there in WAL mode either)."""
    import fcntl

    key = os.path.realpath(os.fspath(path))
    if key in _HELD:
        return True
    try:
        fd = os.open(lock_path(key), os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)   # waits only while a put-back holds it (one journal switch)
    except OSError:
        os.close(fd)
        return False
    _HELD[key] = fd
    return True


@contextlib.contextmanager
def nobody_else(path):
    """Yield whether no other process (nor this one, :func:`hold`) uses the store ``path``; while the block
    runs, none can begin to (a desk starting waits in :func:`hold`)."""
    import fcntl

    key = os.path.realpath(os.fspath(path))
    if key in _HELD:
        yield False
        return
    try:
        fd = os.open(lock_path(key), os.O_RDONLY)
    except FileNotFoundError:   # no process that holds it ever used this store in WAL mode
        yield True
        return
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


__all__ = ["hold", "nobody_else", "lock_path"]
