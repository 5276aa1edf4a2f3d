"""The dask cluster an audit runs on: a running scheduler, or a ``LocalCluster`` started here.

``distributed`` is imported lazily, inside these functions: the rest of the package never needs it.
"""

from __future__ import annotations

import logging
from ...errors import InputError

logger = logging.getLogger(__name__)

#: how long to wait for a ``scheduler`` address to answer
SCHEDULER_TIMEOUT_S = 10


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
        Worker processes of the ``LocalCluster`` (one thread each).
    dashboard
        Serve the dashboard on a free port.

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
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                           dashboard_address=":0" if dashboard else None)
    return Client(cluster), cluster


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
