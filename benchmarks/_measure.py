"""Shared by the benchmarks: run a script as a child process and measure it; find ``dcf``.

Wall time and the peak resident memory of the child's whole process tree (dask workers and forked
children included, shared pages counted once: :func:`tree_rss`), sampled every 0.2 s with psutil.
``dcf_command()`` is the ``dcf`` of the interpreter running the benchmark (its venv), so the benchmarks need no activated venv and no ``dcf`` on PATH.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path


def dcf_command() -> list[str]:
    """The ``dcf`` command installed beside this interpreter, as an argument list.

    Returns
    -------
    list of str
        ``[<venv>/bin/dcf]`` when the entry point sits beside ``sys.executable``, otherwise
        ``[sys.executable, "-m", "dcf_spatial.cli.main"]``; never a bare ``dcf`` looked up on PATH.

    Examples
    --------
    >>> import subprocess
    >>> subprocess.run([*dcf_command(), "layers", "list"], check=True)  # doctest: +SKIP
    """
    entry = Path(sys.executable).parent / "dcf"
    if entry.is_file():
        return [str(entry)]
    return [sys.executable, "-m", "dcf_spatial.cli.main"]


def tree_rss(proc) -> int:
    """Resident memory of ``proc`` and all its descendants, in bytes, each page counted once.

    ``proc``'s resident memory, plus each descendant's private memory (USS: the pages no other
    process maps). A forked child shares its parent's pages until either writes to them; its
    resident size counts them all again (at the audit's forked workbook writer ~2 GB that the tree
    does not use twice), its private size only the pages it made or copied. A spawned process
    (a dask worker) has its own heap, all private; only the shared libraries it maps like ``proc``
    are not counted again. Where the kernel gives no private size, its resident size is counted."""
    import psutil

    try:
        below = proc.children(recursive=True)
        total = proc.memory_info().rss
    except psutil.Error:  # the child has just ended
        return 0
    for p in below:
        try:
            total += _private_bytes(p)
        except psutil.Error:
            pass
    return total


def _private_bytes(p) -> int:
    """The private memory (USS) of process ``p`` from ``/proc/<pid>/smaps_rollup`` (one read, cheap
    at any size, unlike the full ``smaps``); its resident size where that file is missing."""
    try:
        with open(f"/proc/{p.pid}/smaps_rollup") as fh:
            kb = sum(int(line.split()[1]) for line in fh if line.startswith(("Private_Clean:", "Private_Dirty:")))
        return kb * 1024
    except (OSError, ValueError, IndexError):
        return p.memory_info().rss


def _largest_rss(proc) -> int:
    """Resident memory of the largest process among ``proc`` and its descendants, in bytes."""
    import psutil

    best = 0
    try:
        tree = [proc] + proc.children(recursive=True)
    except psutil.Error:  # the child has just ended
        return 0
    for p in tree:
        try:
            best = max(best, p.memory_info().rss)
        except psutil.Error:
            pass
    return best


def run_child(script: str, args: list[str], env: dict | None = None, timeout: float | None = None) -> dict:
    """Run ``python script *args``; return the JSON of its last stdout line plus ``wall``, ``peak_gb``
    (the whole tree), ``peak_process_gb`` (its largest process), ``peak_worker_gb`` (the largest process
    other than the child itself: a dask worker) and ``cpu_tree`` (user + system seconds of the whole tree).

    ``env``: the child's environment (default this process's), e.g. a ``PYTHONPATH`` putting another
    checkout's package first (a before/after comparison in one run). ``timeout``: seconds after which the
    child (and its tree) is stopped and ``{"timed_out": True, "wall": …}`` returned instead of its JSON."""
    import os
    import resource

    import psutil

    def reaped() -> float:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    cpu0 = reaped()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, script, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env)
    ps, peak = psutil.Process(proc.pid), 0
    stop = threading.Event()

    peak_one = 0  # the largest single process of the tree (a dask worker's own ceiling)
    peak_worker = 0  # the largest process below the child (the dask workers)
    cpu_seen: dict[int, float] = {}  # each process's CPU seconds when last seen (those not reaped by their parent)

    def watch():
        nonlocal peak, peak_one, peak_worker
        while not stop.is_set():
            peak = max(peak, tree_rss(ps))
            peak_one = max(peak_one, _largest_rss(ps))
            try:
                below = ps.children(recursive=True)
            except psutil.Error:
                below = []
            for p in [ps] + below:
                try:
                    if p.pid != ps.pid:
                        peak_worker = max(peak_worker, p.memory_info().rss)
                    c = p.cpu_times()
                    cpu_seen[p.pid] = c.user + c.system
                except psutil.Error:
                    pass
            time.sleep(0.2)

    th = threading.Thread(target=watch, daemon=True)
    th.start()
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        for p in [*ps.children(recursive=True), ps]:   # the child this function started, and its own children
            try:
                p.kill()
            except psutil.Error:
                pass
        proc.communicate()
        stop.set()
        th.join()
        return {"timed_out": True, "wall": time.perf_counter() - t0, "peak_gb": peak / 1e9,
                "cpu_tree": max(reaped() - cpu0, sum(cpu_seen.values())), "load": os.getloadavg()[0]}
    stop.set()
    th.join()
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed with code {proc.returncode}")
    answer = json.loads(out.strip().splitlines()[-1])
    # the kernel's count of the finished tree (its processes waited for); the sampled sum where that is less
    cpu = max(reaped() - cpu0, sum(cpu_seen.values()))
    answer.update(wall=time.perf_counter() - t0, peak_gb=peak / 1e9, peak_process_gb=peak_one / 1e9,
                  peak_worker_gb=peak_worker / 1e9, cpu_tree=cpu, load=os.getloadavg()[0])
    return answer
