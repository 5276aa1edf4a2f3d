"""The dask cluster an audit runs on: a running scheduler, or a ``LocalCluster`` started here.

``distributed`` is imported lazily, inside these functions: the rest of the package never needs it.
"""

from __future__ import annotations

import logging
from ...errors import InputError

logger = logging.getLogger(__name__)

#: how long to wait for a ``scheduler`` address to answer
SCHEDULER_TIMEOUT_S = 10

#: up to this many workers, the ``LocalCluster`` runs them as threads of this process; above, as
#: single-threaded processes. Measured (``benchmarks/bench_efficiency_scale.py``-sized run, 1,000,000
#: parcels, 2 workers on a 2-core machine): threads used 49 s of CPU in all, processes 71 s — each
#: worker process imports geopandas and this package again, and a nanny, the scheduler's messages and
#: the results' pickling come on top — and gave the same classes. The steps are shapely, pyproj and
#: Arrow work that releases the GIL, with pandas in between that does not, so with many workers
#: processes keep them from queueing for the GIL (not measured here: this machine has 2 cores).
LOCAL_THREADS_MAX = 2

#: task threads per worker of an in-process ``LocalCluster`` (``n_workers`` ≤ :data:`LOCAL_THREADS_MAX`):
#: ``n_workers`` × this many partitions are audited at once. A second thread per worker could fill a core
#: while the other holds the GIL (field checks, rules, summaries), but measured at 1,000,000 parcels on the
#: quiet 2-core machine (``benchmarks/bench_efficiency_scale.py --compare-threads``, see docs/dask.md) two were
#: slower than one for both audits and held 0.6 GB more, so the default is one. Memory: that many partitions in
#: flight at once (see :data:`~dcf_spatial.land.dask.engine.HOLD_MAX_ROWS_PER_THREAD`, which counts workers).
LOCAL_THREADS_PER_WORKER = 1


def store_text(store) -> str:
    """The layer store as text, passed to every task: worker processes do not share this process's
    active store (set by ``dcf --store`` or ``Store(...).activate()``)."""
    from ...store.locate import resolve_store

    return str(resolve_store(store))


def connect(scheduler, n_workers, dashboard: bool):
    """A ``distributed.Client`` and the ``LocalCluster`` started for it (None with a ``scheduler`` address).

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``), or None for a ``LocalCluster``.
    n_workers
        Workers of the ``LocalCluster``: threads of this process up to :data:`LOCAL_THREADS_MAX`,
        single-threaded processes above.
    dashboard
        Serve the dashboard on a free port of 127.0.0.1 (this machine only).

    Returns
    -------
    tuple
        ``(client, cluster)``; close both when done.

    Examples
    --------
    >>> client, cluster = connect(None, 2, dashboard=False)   # doctest: +SKIP
    """
    from distributed import Client, LocalCluster

    # distributed logs each worker's start and stop at INFO; show them only when this run is verbose
    root_level = logging.getLogger().getEffectiveLevel()
    logging.getLogger("distributed").setLevel(max(root_level, logging.INFO))

    if scheduler:
        try:
            return Client(scheduler, timeout=SCHEDULER_TIMEOUT_S), None
        except (OSError, TimeoutError) as exc:
            raise InputError(f"--scheduler：{SCHEDULER_TIMEOUT_S} 秒内 {scheduler} 没有 dask 调度器应答"
                             f"（{exc.__class__.__name__}）。请先启动集群（`dask scheduler`，再 `dask worker 地址`），"
                             "或去掉 --scheduler，在本机启动 LocalCluster。") from None
    # the dashboard answers anyone who reaches its port, without a login: loopback only, as the desk is by
    # default (":0" would listen on every interface); a cluster for other machines is started with
    # `dask scheduler` and given by --scheduler
    dash = "127.0.0.1:0" if dashboard else None
    if n_workers <= LOCAL_THREADS_MAX:  # one worker of n_workers threads, in this process (see LOCAL_THREADS_MAX)
        import dask

        slots = max(1, int(LOCAL_THREADS_PER_WORKER))
        # the worker's own statistical profiler (a stack sample of every task thread each 10 ms, for the
        # dashboard's "Profile" page) off: in this process it competes with the audit for the same 2
        # cores and the GIL; the task stream and progress pages are unchanged
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(n_workers=1, threads_per_worker=n_workers * slots, processes=False,
                                   dashboard_address=dash)
    else:
        slots = 1
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=dash)
    client = Client(cluster)
    client.dcf_threads_per_worker = slots  # hold_fits counts workers, not the extra threads
    client.dcf_local_dashboard = bool(dashboard)  # listening on 127.0.0.1 (dashboard_link)
    return client, cluster


def dashboard_link(client) -> str | None:
    """The address of the dashboard of ``client``'s cluster to print: for a cluster :func:`connect` started here
    (its dashboard listens on 127.0.0.1 only) the loopback address — ``client.dashboard_link`` names the
    machine's own address, where nothing listens (QA break 11: «http://192.0.2.2:44079/status» refused); a
    scheduler given by ``--scheduler`` keeps its own link.

    Examples
    --------
    >>> client, cluster = connect(None, 2, dashboard=True)   # doctest: +SKIP
    >>> dashboard_link(client)                               # doctest: +SKIP
    'http://127.0.0.1:40123/status'
    """
    from urllib.parse import urlsplit, urlunsplit

    link = client.dashboard_link
    if not link or not getattr(client, "dcf_local_dashboard", False):
        return link
    parts = urlsplit(link)
    return urlunsplit(parts._replace(netloc=f"127.0.0.1:{parts.port}" if parts.port else "127.0.0.1"))


def progress_bar(show_progress, futures) -> None:
    """Wait for ``futures`` showing progress on stderr (:func:`dcf_spatial.progress.progress_bar`): a tqdm
    bar on a terminal, plain periodic lines otherwise, so that a log does not get one long ``\r`` line.
    ``show_progress`` (distributed's text bar, which writes to stdout where results go) is no longer
    used; the argument stays for callers."""
    from distributed import as_completed

    from ...progress import progress_bar as bar_of

    bar = bar_of(len(futures), "dask 分区", True, unit="个")
    for _ in as_completed(list(futures)):
        bar.update(1)
    bar.close()


def workers_cpu(client) -> float:
    """CPU seconds the cluster's worker processes have used so far (user + system, all workers added up).

    Read before and after a step, the difference is that step's CPU on the workers, which a loaded
    machine's wall times do not show.

    Examples
    --------
    >>> before = workers_cpu(client)   # doctest: +SKIP
    """
    import time

    return float(sum(client.run(time.process_time).values()))


class TaskClock:
    """Per-step figures of a dask run: each task's compute time (dask's own task stream) and the workers' CPU.

    ``clock = TaskClock(client)``, then ``clock.step("audit")`` after each step; :meth:`table` gives
    per step and task kind the tasks, their total, mean and largest compute seconds, and per step the
    workers' CPU seconds. What a machine with more cores would take follows from it: the tasks of a
    step are independent, so a step takes about its compute seconds ÷ the workers (while there are at
    least as many partitions), plus the client's own work between the steps.

    Examples
    --------
    >>> clock = TaskClock(client)                          # doctest: +SKIP
    >>> client.gather(client.map(f, parts)); clock.step("audit")   # doctest: +SKIP
    >>> clock.table()["audit"]["workers_cpu_s"]             # doctest: +SKIP
    41.2
    """

    def __init__(self, client):
        import time

        self.client = client
        self.steps: dict[str, dict] = {}
        client.get_task_stream(start=0, stop=0)  # registers the scheduler's task-stream plugin
        self._since = time.time()
        self._cpu = workers_cpu(client)

    def step(self, name: str) -> None:
        """Close the step ``name``: the tasks finished since the previous step, and the workers' CPU."""
        import time

        from dask.utils import key_split

        now = time.time()
        records = self.client.get_task_stream(start=self._since)
        self._since = now
        kinds: dict[str, list[float]] = {}
        for r in records:
            secs = sum(s["stop"] - s["start"] for s in r.get("startstops", ()) if s.get("action") == "compute")
            kinds.setdefault(key_split(r["key"]), []).append(secs)
        cpu = workers_cpu(self.client)
        self.steps[name] = {
            "workers_cpu_s": round(cpu - self._cpu, 3),
            "tasks": {k: {"n": len(v), "compute_s": round(sum(v), 3), "mean_s": round(sum(v) / len(v), 3),
                          "max_s": round(max(v), 3)} for k, v in kinds.items()}}
        self._cpu = cpu

    def table(self) -> dict:
        """The steps closed so far (see the class docstring)."""
        return dict(self.steps)
