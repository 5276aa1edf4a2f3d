"""Which CPU each desk worker process runs on (``dcf serve --workers N``).

With two worker processes on a two-core machine the kernel often ran both on one core while the other
idled: over a 20-client run of recorded site checks a third of the machine's CPU time was idle (a
``SCHED_IDLE`` probe's loop count and ``/proc/stat`` agreed), and the p50 was 40–50 ms. Bound one to
each core, the same run gave 27–29 ms (benchmarks/bench_serve.py, ``--pin both``). A worker is one
Python process whose Python code runs on one core at a time (the GIL), so binding it to one core
takes nothing from its requests; the work that does use several cores — a background job (an audit),
whose libraries start threads of their own — runs in threads given every core back
(:func:`unpin_thread`). A batch of site checks runs in the request's thread, on its worker's core.

Linux ``sched_setaffinity`` applies to the calling thread, and a new thread starts with its creator's
set: a worker binds its main thread first, before the server or any pool starts a thread.
"""

from __future__ import annotations

import os

#: the CPUs this process could use before :func:`pin` bound it (``None``: never bound)
_STARTED_ON: set[int] | None = None


def worker_cpus(workers: int) -> list[int] | None:
    """The CPU for each of ``workers`` processes, in turn over the CPUs this process may use; ``None``
    when there is nothing to spread (one worker, one CPU, or no ``sched_getaffinity`` on this system).

    Examples
    --------
    >>> import os
    >>> cpus = sorted(os.sched_getaffinity(0))
    >>> worker_cpus(2) == (None if len(cpus) < 2 else cpus[:2])
    True
    >>> worker_cpus(1) is None
    True
    """
    if workers < 2 or not hasattr(os, "sched_getaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None
    return [allowed[i % len(allowed)] for i in range(workers)]


def pin(cpu: int) -> None:
    """Bind the calling thread — and so every thread it starts later — to ``cpu``; remember the CPUs
    it could use before (:func:`unpin_thread`). A CPU the system refuses (taken away meanwhile) leaves
    the process as it was."""
    global _STARTED_ON
    before = set(os.sched_getaffinity(0))
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:
        return
    _STARTED_ON = before


def unpin_thread() -> None:
    """Give the calling thread back every CPU the process had before :func:`pin` (nothing when it was
    never bound): for the threads of background jobs, whose libraries use several cores."""
    if _STARTED_ON is not None:
        try:
            os.sched_setaffinity(0, _STARTED_ON)
        except OSError:
            pass


def cpus_said(workers: int) -> str:
    """How ``workers`` processes are placed, in the words of the desk's start-up line.

    Examples
    --------
    >>> import os
    >>> cpus_said(1)
    ''
    >>> len(os.sched_getaffinity(0)) < 2 or cpus_said(2).startswith("，各绑定一个 CPU")
    True
    """
    if workers < 2:
        return ""
    cpus = worker_cpus(workers)
    if cpus is None:
        return "，未绑定 CPU（本进程只能使用 1 个 CPU）"
    shared = len(set(cpus)) < len(cpus)
    return (f"，各绑定一个 CPU：{'、'.join(f'{i} 号进程→CPU {c}' for i, c in enumerate(cpus))}"
            + ("（进程数多于可用 CPU，有的 CPU 由两个进程共用）" if shared else ""))
