"""Hand memory freed by one step of a long job back to the system before the next step.

Arrow's allocator (mimalloc) and glibc's ``malloc`` both keep freed memory for reuse; between the
steps of a 10⁶-row audit that kept memory counts towards the process's peak even though no array
holds it. Neither library frees it on its own schedule, so it is asked for here (a few lines, no
library offers this).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
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
