"""Hand memory freed by one step of a long job back to the system before the next step.

Arrow's allocator (mimalloc) and glibc's ``malloc`` both keep freed memory for reuse; between the
steps of a 10⁶-row audit that kept memory counts towards the process's peak even though no array
holds it. Neither library frees it on its own schedule, so it is asked for here (a few lines, no
library offers this).
"""

from __future__ import annotations

import ctypes
import gc
import ctypes.util
import sys
from contextlib import contextmanager
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim  # glibc only (musl has none)
    except (OSError, AttributeError):
        return None


def release_memory() -> None:
    """Return the memory pyarrow's pool and glibc's heap hold free to the operating system.

    Safe to call any time (nothing in use is touched); does nothing where it cannot.

    Examples
    --------
    >>> release_memory()
    """
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):
        pass
    trim = _libc_trim()
    if trim is not None:
        trim(0)


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector for the ``with`` block; it runs again after it.

    A 10⁶-row step makes millions of Python objects (shapely geometries read or reprojected,
    strings of the reasons): each few hundred allocations start a collection, and the full ones
    walk every live object — at 10⁶ parcels ~1 s of the single-process audit spent finding no
    garbage (the steps make no reference cycles; reference counting frees their objects as
    before). Nested use is fine; the collector is re-enabled only by the block that disabled it.

    Examples
    --------
    >>> with gc_paused():
    ...     pass
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


#: glibc ``mallopt`` parameter number of ``M_MMAP_THRESHOLD`` (malloc.h)
_M_MMAP_THRESHOLD = -3
#: blocks of at least this many bytes get their own memory map (:func:`large_blocks_returned`)
MMAP_THRESHOLD = 1 << 20


@lru_cache(maxsize=1)
def large_blocks_returned() -> bool:
    """Have glibc give every block of at least :data:`MMAP_THRESHOLD` (1 MiB) its own memory map,
    returned to the system as soon as it is freed; True when set (glibc only, once per process).

    glibc starts with a 128 KiB threshold and raises it (up to 32 MiB) each time a mapped block is
    freed, so after the first few columns of a 10⁶-row frame (8 MB each) are freed, the next ones are
    carved from the heap, where freed blocks stay resident until :func:`release_memory` trims it:
    between two trims of the idle audit's field checks that was ~0.2 GB of its memory peak. A fixed
    threshold (as ``MALLOC_MMAP_THRESHOLD_=1048576`` in the environment would set) keeps the big
    arrays mapped; small objects are not affected. Process-wide, like the environment variable;
    a few lines of ctypes because no library offers ``mallopt``.

    Examples
    --------
    >>> large_blocks_returned() in (True, False)
    True
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others: no mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
