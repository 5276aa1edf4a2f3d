"""Record a site check in the register: what was checked, the answer, and the versions it used."""

from __future__ import annotations

import datetime as _dt
import io
import json
import logging
import time as _time

from ..errors import StoreError, about
from . import tables, versions

logger = logging.getLogger(__name__)


def _plain(value):
    """JSON-ready: numpy scalars to Python, tuples to lists, pandas NA / NaT to None."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic) or (value is not None and not isinstance(value, (str, int, float, bool))):
        return _plain_leaf(value)
    return value


def _plain_leaf(value):
    """orjson's ``default``: what :func:`_plain` makes of a value orjson does not write itself."""
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def dumps(value) -> str:
    """``value`` as the register keeps it: JSON text, keys sorted, numpy scalars unwrapped, pandas NA /
    NaT as null, anything else as its text (:func:`_plain`).

    Encoded by orjson (C, compact): walking a check's answer in Python (:func:`_plain`) and encoding it
    with ``json`` cost a tenth of a recorded check's server CPU (py-spy, benchmarks/bench_serve.py).
    The register is read back with ``json.loads``, so only the spacing differs from rows written before;
    NaN is written as null (strict JSON, as the desk answers it). Values orjson writes its own way
    (non-text keys, integers past 64 bits) take the pure-Python path.

    Examples
    --------
    >>> import numpy as np
    >>> dumps({"b": np.int64(2), "a": (1, None)})
    '{"a":[1,null],"b":2}'
    """
    import orjson

    try:
        # datetimes and dataclasses passed through to _plain_leaf: written as their text, as _plain does
        return orjson.dumps(value, default=_plain_leaf, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                            | orjson.OPT_PASSTHROUGH_DATACLASS).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True)


def rerun_input(parts, industry, figures: dict | None, flags: dict | None) -> dict:
    """What a check needs to be run again: the industry as the user gave it, the project figures (the
    check date fixed to the day of the check, so the same indicator edition applies) and the flags.
    ``parts`` is the list of site geometries (EPSG:4490) that were one site."""
    figures = dict(figures or {})
    if not figures.get("check_date"):
        figures["check_date"] = _dt.date.today().isoformat()
    query = getattr(industry, "query", industry)
    return {"industry": None if query is None else str(query), "figures": _plain(figures),
            "flags": _plain(flags or {}), "parts": len(parts)}


def site_geometry(parts):
    """The geometry kept for a site: one part as it is, several as a collection (run again as parts)."""
    import shapely

    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.GeometryCollection(parts)


def _zones(result: dict) -> str:
    return "|".join(f"{z.get('id')}|{z.get('name_zh')}" for z in result.get("zones") or [])


def record_results(results: list[dict], reruns: list[dict], geometries: list, *, store=None, project=None,
                   names=None, source: str = "", expected: dict | None = None) -> list[int]:
    """Write checks into the register of ``store`` in one transaction; return their register ids.

    Parameters
    ----------
    results
        The result dicts (:attr:`dcf_spatial.SiteCheck.results`).
    reruns
        For each result, :func:`rerun_input`.
    geometries
        For each result, the site (EPSG:4490; several parts as a collection, see :func:`site_geometry`).
    store
        The layer store checked against (``None``: the active store).
    project
        The project's name for every row (else ``names``).
    names
        A name per row (a batch's name column), or ``None``.
    source
        The batch file, or empty.
    expected
        :func:`~dcf_spatial.register.versions.layer_keys` taken before the check: when a layer was
        replaced since, nothing is recorded and :class:`~dcf_spatial.errors.InputError` says so (the
        check may have seen either version).

    Returns
    -------
    list of int
        The register ids, in the order of ``results``.

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> r = dcf.check_site("115.75,36.455", "轴承", area_mu=50, record="轴承项目")   # doctest: +SKIP
    >>> r.register_ids                                                            # doctest: +SKIP
    [1]
    """
    from ..store.locate import resolve_store, writable_location

    location = writable_location(resolve_store(store))
    job = _Job(results, reruns, geometries, project, names, source, expected)
    job.row_parts()   # built here, in the check's own thread: the group's writer holds the store's lock shorter
    deferred = _DEFERRED.get()
    if deferred is not None:   # the caller waits for the commit later, in another thread (see deferred_records)
        job.committer = _committer(location)
        job.committer.enqueue([job])
        job.committer.kick()   # written by the writer thread, with whatever else is queued by then
        deferred.append(job)
        return job.ids_out
    return _committer(location).submit(job)


#: the list of jobs :func:`record_results` only queued, inside :func:`deferred_records`; else ``None``
_DEFERRED = __import__("contextvars").ContextVar("dcf_deferred_records", default=None)


class deferred_records:
    """Within this block :func:`record_results` queues its rows for the group commit and returns at
    once, with a list of register ids that :meth:`wait` fills in once the rows are committed.

    The desk's site checks run in a few threads (``DCF_DESK_THREADS``, 4): when each waited there for
    its own commit, a group commit carried at most the rows of those few threads (~3 with two
    processes) and the commit's fixed cost — about 2 ms of CPU: the store's versions, the transaction
    and its syncs, the hand-over between processes — was paid every three checks (py-spy and
    cProfile on a CPU clock, benchmarks/bench_serve.py). A check thread that only queues its rows is
    free for the next check at once, the commit is waited for elsewhere, and a group takes the rows of
    every check in flight. Nothing else changes: the answer still goes out only once its rows are
    committed (:meth:`wait` returns their ids or raises the error that kept them out), and rows queued
    are written even if nobody waits.

    Examples
    --------
    >>> with deferred_records() as pending:                       # doctest: +SKIP
    ...     answer = dcf.check_site("115.75,36.455", "轴承", record=True)
    >>> pending.wait()                                            # doctest: +SKIP
    >>> answer.register_ids                                       # doctest: +SKIP
    [12]
    """

    def __init__(self):
        self.jobs: list[_Job] = []
        self._token = None

    def __enter__(self) -> "deferred_records":
        self._token = _DEFERRED.set(self.jobs)
        return self

    def __exit__(self, *exc) -> None:
        _DEFERRED.reset(self._token)

    def done(self, loop):
        """An :class:`asyncio.Future` of ``loop`` set once every queued job is done: an event loop waits
        for the commit without a thread of its own (then :meth:`wait` returns at once)."""
        fut = loop.create_future()
        left = [len(self.jobs)]

        def one():
            left[0] -= 1
            if left[0] <= 0 and not fut.done():
                fut.set_result(None)

        if not self.jobs:
            fut.set_result(None)
        for job in self.jobs:
            job.committer.when_done(job, _InLoop(loop, one))
        return fut

    def wait(self) -> None:
        """Wait until every queued job is committed (its ids filled in) or refused (its error raised)."""
        for job in self.jobs:
            job.committer.wait([job])
        for job in self.jobs:
            if job.error is not None:
                raise job.error


class _InLoop:
    """A job's callback that runs in an event loop (:meth:`deferred_records.done`): the writer of a group
    hands all of one loop's callbacks over in one ``call_soon_threadsafe``. One each cost a write to the
    loop's wake-up socket per check, and each write gave the GIL away to a check thread, the writer
    waiting to get it back (py-spy; voluntary context switches per recorded check, /proc)."""

    __slots__ = ("loop", "fn")

    def __init__(self, loop, fn):
        self.loop, self.fn = loop, fn

    def __call__(self, job) -> None:   # called alone (the job was done already): into its loop at once
        self.loop.call_soon_threadsafe(self.fn)


def _run_callbacks(fire: list) -> None:
    """Run ``fire`` (``(callback, job)`` pairs of one group): plain callbacks here, those of an event loop
    (:class:`_InLoop`) in that loop, one hand-over per loop."""
    loops: dict = {}
    for cb, job in fire:
        if isinstance(cb, _InLoop):
            loops.setdefault(cb.loop, []).append(cb.fn)
            continue
        try:
            cb(job)
        except Exception:   # a desk stopping (its event loop closed): the rows are written anyway
            logger.debug("register commit callback failed", exc_info=True)
    for loop, fns in loops.items():
        try:
            loop.call_soon_threadsafe(_call_all, fns)
        except Exception:   # its event loop closed (a desk stopping): the rows are written anyway
            logger.debug("register commit callback failed", exc_info=True)


def _call_all(fns: list) -> None:
    for fn in fns:
        fn()


class _Job:
    """One :func:`record_results` call waiting for its rows to be committed."""

    def __init__(self, results, reruns, geometries, project, names, source, expected):
        self.results, self.reruns, self.geometries = results, reruns, geometries
        self.project, self.names, self.source, self.expected = project, names, source, expected
        self.ids: list[int] | None = None
        #: the ids once committed, in a list handed out before (:class:`deferred_records`)
        self.ids_out: list[int] = []
        self.committer: _GroupCommit | None = None
        #: called with the job once done (:meth:`_GroupCommit.when_done`)
        self.callbacks: list = []
        self.rows: list[dict] | None = None
        self.error: BaseException | None = None
        self.done = False
        #: when the rows were queued (perf_counter): the debug counter of :class:`_CommitStats`
        self.queued_at = _time.perf_counter()

    def row_parts(self) -> list[dict]:
        """The register rows of this job but for what its group adds (time, layer and file versions,
        store): the answer and inputs serialised once, by the thread that checked."""
        if self.rows is None:
            rows = []
            for i, (res, rerun, geom) in enumerate(zip(self.results, self.reruns, self.geometries)):
                project, names = self.project, self.names
                name = project if isinstance(project, str) and project else (names[i] if names is not None else None)
                name = None if name is None or name != name or str(name).strip() == "" else _printable(str(name))
                rows.append({
                    "check_date": rerun["figures"].get("check_date"), "project": name,
                    "industry": rerun.get("industry"),
                    "industry_code": ",".join((res.get("industry") or {}).get("codes") or []),
                    "verdict": res.get("verdict"), "status": res.get("status", "ok"), "zones": _zones(res),
                    "source": self.source, "row_label": res.get("row_label"), "rerun": dumps(rerun),
                    "result": dumps(res), "geometry": geom,
                })
            self.rows = rows
        return self.rows


class _GroupCommit:
    """Group commit of the register writes of one store.

    Checks recorded while another write is in progress are written together, in one transaction, by
    one of the waiting threads (the first to find the store free takes every waiting record), so
    twenty concurrent recorded checks cost one or two transactions instead of twenty in a row. Each
    caller returns only once its own rows are committed (or with the error that kept them out); a
    record that could not be written is never dropped silently. Leader/follower for callers that wait
    (the CLI, batches, the rows another process hands over): a caller never waits on a thread that
    died. Rows only queued (:class:`deferred_records`, the desk's checks) are written by the process's
    one register writer thread (:meth:`kick`), whose callbacks tell the waiting event loop.

    A desk's secondary process, whose groups the primary writes (:func:`forward_records`), keeps up to
    two groups in flight: while one waits for the primary's commit (its fsyncs: ~10 ms of wall time
    for ~0.2 ms of CPU a row on this machine), the rows queued since are already handed over and join
    the primary's next group, instead of waiting for that answer first and then for a commit of
    their own (measured with ``DCF_DEBUG_REGISTER_STATS``: a secondary's rows waited twice as long as
    the primary's). Every other store and process writes one group at a time.
    """

    def __init__(self, location):
        import threading

        self.location = location
        self.cond = threading.Condition()
        self.pending: list[_Job] = []
        #: groups being written now (at most :meth:`_limit`)
        self.writers = 0
        #: a :meth:`_drain` handed to the writer thread has not started yet: the jobs queued meanwhile
        #: are its to write (a submission, and a thread woken, per queued check cost a context switch each)
        self.scheduled = False
        self._gpkg = _is_gpkg(location)

    def _limit(self) -> int:
        """How many groups may be written at once: two handed over to the primary, else one."""
        return 2 if self._gpkg and _FORWARD.get("send") is not None else 1

    def submit(self, job: _Job) -> list[int]:
        self.submit_many([job])
        if job.error is not None:
            raise job.error
        return job.ids

    def submit_many(self, jobs: list[_Job]) -> None:
        """Wait until every job of ``jobs`` is written (its ``ids``) or refused (its ``error``)."""
        self.enqueue(jobs)
        self.wait(jobs)

    def enqueue(self, jobs: list[_Job]) -> None:
        """Queue ``jobs`` for the next group (written by whichever thread writes next)."""
        with self.cond:
            self.pending.extend(jobs)

    def wait(self, jobs: list[_Job]) -> None:
        """Wait until the queued ``jobs`` are done, writing the waiting group when the store is free."""
        while True:
            with self.cond:
                # the caller's jobs may all be in a group under way (pending empty): wait for it
                while not all(j.done for j in jobs) and (self.writers >= self._limit() or not self.pending):
                    self.cond.wait()
                if all(j.done for j in jobs):
                    break
                self.writers += 1
                batch, self.pending = self.pending, []
            self._write(batch, drain=False)

    def _write(self, batch: list[_Job], *, drain: bool) -> None:
        """Write one group (the caller counted itself in ``writers``); then wake the threads waiting and run the
        callbacks of its jobs (:meth:`when_done`). Jobs queued meanwhile that no thread waits for are
        handed to the writer thread (:meth:`kick`), unless this is that thread (it goes on itself)."""
        started = _STATS.begin()
        try:
            # looked up per group: a desk's secondary process hands its groups to the primary
            write = _FORWARD.get("send") or _write_group
            write(self.location, batch)
        finally:
            _STATS.end(started, batch)
            with self.cond:
                self.writers -= 1
                fire = [(cb, j) for j in batch for cb in j.callbacks]
                for j in batch:
                    j.callbacks = []
                more = bool(self.pending)
                self.cond.notify_all()
            _run_callbacks(fire)
            if more and not drain:
                self.kick()

    def when_done(self, job: _Job, callback) -> None:
        """Call ``callback(job)`` once ``job`` is done (at once if it is): from the thread that wrote it."""
        with self.cond:
            if not job.done:
                job.callbacks.append(callback)
                return
        callback(job)

    def kick(self) -> None:
        """Have the writer thread write the queued jobs unless a write is under way (whose end hands
        on what was queued meanwhile): for jobs no thread waits for (:class:`deferred_records`)."""
        with self.cond:
            if self.scheduled or self.writers >= self._limit() or not self.pending:
                return
            self.scheduled = True
        try:
            _writer_thread().submit(self._drain)
        except BaseException:
            with self.cond:
                self.scheduled = False
            raise

    def _drain(self) -> None:
        with self.cond:
            self.scheduled = False
        while True:
            with self.cond:
                if self.writers >= self._limit() or not self.pending:
                    return
                self.writers += 1
                batch, self.pending = self.pending, []
            self._write(batch, drain=True)


class _CommitStats:
    """A debug counter, not shown to users: where a recorded check's time goes between queuing its rows
    and their commit (the wait for the writer, the write itself: for a desk's secondary the hand-over
    to the primary and back). Kept only when ``DCF_DEBUG_REGISTER_STATS`` names a file prefix: every
    20 groups each process writes ``<prefix>.<pid>.json`` (benchmarks/bench_serve.py reads nothing of it;
    the figures are for profiling the group commit)."""

    def __init__(self):
        import os

        self.prefix = os.environ.get("DCF_DEBUG_REGISTER_STATS") or None
        self.figures = {"groups": 0, "jobs": 0, "queued_to_write_ms": 0.0, "write_ms": 0.0, "queued_to_done_ms": 0.0}

    def begin(self) -> float | None:
        return None if self.prefix is None else _time.perf_counter()

    def end(self, started: float | None, batch: list) -> None:
        if started is None:
            return
        import os

        now, f = _time.perf_counter(), self.figures
        f["groups"] += 1
        f["jobs"] += len(batch)
        f["write_ms"] += (now - started) * 1000
        for job in batch:
            f["queued_to_write_ms"] += (started - job.queued_at) * 1000
            f["queued_to_done_ms"] += (now - job.queued_at) * 1000
        if f["groups"] % 20 == 0:
            with open(f"{self.prefix}.{os.getpid()}.json", "w") as fh:
                json.dump(f, fh)


_STATS = _CommitStats()

_WRITER_THREAD: list = []


def _writer_thread():
    """The process's threads writing the groups no caller waits in (:meth:`_GroupCommit.kick`): two,
    for a secondary's two groups in flight (:meth:`_GroupCommit._limit`; elsewhere one writes at a time)."""
    with _COMMITTERS_LOCK:
        if not _WRITER_THREAD:
            from concurrent.futures import ThreadPoolExecutor

            _WRITER_THREAD.append(ThreadPoolExecutor(max_workers=2, thread_name_prefix="dcf-register-writer"))
        return _WRITER_THREAD[0]


#: ``{"send": callable(location, jobs)}`` in a process whose register writes another process makes
#: (a ``dcf serve --workers N`` secondary: :func:`forward_records`); empty elsewhere
_FORWARD: dict = {}

_COMMITTERS: dict[str, _GroupCommit] = {}
_COMMITTERS_LOCK = __import__("threading").Lock()


def _committer(location) -> _GroupCommit:
    with _COMMITTERS_LOCK:
        key = str(location)
        if key not in _COMMITTERS:
            _COMMITTERS[key] = _GroupCommit(location)
        return _COMMITTERS[key]


def _write_group(location, jobs: list[_Job]) -> None:
    """Write the rows of ``jobs`` in one transaction; set each job's ids or error, and mark it done."""
    from ..store import catalog
    from ..store.backends.names import mask_url
    from ..store.backends.postgis import fresh_catalog_reads

    with fresh_catalog_reads():   # the catalog as it is now, not as the check that leads the group read it
        _write_group_now(location, jobs, catalog, mask_url)


def _write_group_now(location, jobs, catalog, mask_url) -> None:
    try:
        st = catalog._store(location, write=True)
        now = _dt.datetime.now().isoformat(timespec="seconds")

        def snapshot(lid):
            buf = io.BytesIO()
            catalog.read_layer(lid, store=location).to_parquet(buf)
            return buf.getvalue()

        def build():
            # a database's catalog as the last group read it: the transaction reads it again (FOR SHARE)
            # and starts over with a fresh read when it moved (tables._pg_write_records)
            layer_v, now_keys = _group_layer_versions(location, st)
            if st.kind != "gpkg" and any(job.expected is not None and {k: v[1:] for k, v in job.expected.items()}
                                         != now_keys for job in jobs):
                # a check saw another catalog than the one kept: read it now before refusing anything
                versions.forget_catalog()
                layer_v = versions.layer_versions(location, reuse_catalog=True)
                now_keys = {k: v["key"][1:] for k, v in layer_v.items()}
            file_v = versions.file_versions()
            groups, group_fields = [], []   # per build: a retry builds from another catalog read
            for job in jobs:
                then_keys = {k: v[1:] for k, v in (job.expected or {}).items()}
                if job.expected is not None and now_keys != then_keys:
                    # about the store, not the site: the CLI names no option before it (cli._options.input_error)
                    groups.append(tables.store_changed(st.label, then_keys, now_keys))
                else:
                    groups.append(_rows(job, layer_v, file_v, group_fields))
            return groups, layer_v, file_v, snapshot

        def _rows(job, layer_v, file_v, group_fields):
            if not group_fields:   # the same for every job of the group: built once
                group_fields.append({"recorded_at": now, "layers": dumps({k: v["sha256"] for k, v in layer_v.items()}),
                                     "files": dumps({k: v[0] for k, v in file_v.items()}),
                                     "store": mask_url(str(location))})
            return [{**part, **group_fields[0]} for part in job.row_parts()]

        outcomes = tables.write_records(st, build)
    except BaseException as exc:  # the whole transaction failed: every waiting record says so
        outcomes = [exc] * len(jobs)
    for job, out in zip(jobs, outcomes):
        if isinstance(out, BaseException):
            job.error = out
        else:
            job.ids = out
            job.ids_out.extend(out)
            logger.info("Recorded %d checks in the register of %s (ids %s)", len(out), location, out[:5])
        job.done = True


#: per GeoPackage store: ``(content stamp, layer versions, their keys)`` of the last group — the same
#: as long as the stamp is (it covers every catalog row): one read of the stamp a group instead of the
#: catalog's rows copied and the versions built again (a fifth of a group's CPU, thread_time per step)
_GROUP_LAYERS: dict = {}


def _group_layer_versions(location, st) -> tuple[dict, dict]:
    """:func:`versions.layer_versions` of ``location`` and their keys as a group compares them (without
    the location: the packaged default store is recorded in its per-user copy). The result is shared
    between groups: read only."""
    from ..store.backends.gpkg import content_stamp

    try:
        stamp = content_stamp(st.path) if st.kind == "gpkg" else None
    except OSError:   # no file there: layer_versions says so, in its words
        stamp = None
    if stamp is None:
        layer_v = versions.layer_versions(location, reuse_catalog=True)
        return layer_v, {k: v["key"][1:] for k, v in layer_v.items()}
    kept = _GROUP_LAYERS.get(str(location))
    if kept is not None and kept[0] == stamp:
        return kept[1], kept[2]
    layer_v = versions.layer_versions(location, reuse_catalog=True)
    now_keys = {k: v["key"][1:] for k, v in layer_v.items()}
    if content_stamp(st.path) == stamp:   # read from that state (else the next group builds them again)
        _GROUP_LAYERS.clear()   # one store at a time is written by a process
        _GROUP_LAYERS[str(location)] = (stamp, layer_v, now_keys)
    return layer_v, now_keys


def _printable(text: str) -> str:
    """A project name as it may be kept: control characters (NUL, ESC, BEL …) dropped — they break
    workbooks and databases (PostgreSQL refuses NUL) and can drive a terminal that prints the register."""
    import unicodedata

    return "".join(ch for ch in text if ch in "\t" or unicodedata.category(ch) != "Cc").strip() or "（无名称）"


# ---------------------------------------------------------------------------------------------
# One writer for several processes (``dcf serve --workers N``, GeoPackage stores). With two processes
# each writing the GeoPackage itself, every commit of one made the other's kept writer connection and content stamp
# look stale (the file's change counter moved), so both reopened the file and read the catalog again
# on every group: p99 165 ms. A secondary instead hands each of its groups to the primary, whose ONE
# group commit writes the rows of both processes; the secondary answers once the primary returns the
# ids (or the error). The layer-version check stays exact: the primary compares each job's
# ``expected`` keys (taken by the secondary before its check) with the catalog it reads under its
# writer lock, exactly as for its own checks.


class ForwardError(StoreError):
    """The process that writes the register did not answer: whether the check was recorded is unknown."""


def forward_records(send) -> None:
    """Make this process hand its register writes to another one: ``send(payload: bytes) -> bytes``
    carries :func:`encode_jobs` to the writing process (which answers with :func:`write_forwarded`);
    ``None`` writes here again.

    Examples
    --------
    >>> forward_records(lambda payload: post_to_primary(payload))   # doctest: +SKIP
    """
    if send is None:
        _FORWARD.clear()
        return

    def write(location, jobs):
        if not _is_gpkg(location):
            # PostGIS: each process's commits leave the others' caches valid (nothing there is keyed on
            # the database's state), so the hop to the primary would only add CPU (measured: +0.3 ms a
            # check); the transaction-level advisory lock already orders the processes' writes
            return _write_group(location, jobs)
        try:
            answer = send(encode_jobs(location, jobs))
            outcomes = json.loads(answer)["outcomes"]
            if len(outcomes) != len(jobs):
                raise ValueError(f"{len(outcomes)} answers for {len(jobs)} records")
        except Exception as exc:   # never an id not returned by the writer: every waiting check says so
            logger.error("Register write handed to the desk's primary process failed: %s", exc)
            err = about("store", ForwardError(
                "工作台主进程未能答复核查登记的写入（可能已退出或中断），本次核查是否已记入登记无法确定；"
                "请在核查登记中查看，或稍后重新核查。"))
            for job in jobs:
                job.error, job.done = err, True
            return
        for job, out in zip(jobs, outcomes):
            if "ids" in out:
                job.ids = [int(i) for i in out["ids"]]
                job.ids_out.extend(job.ids)
            else:
                job.error = _rebuilt_error(out["error"])
            job.done = True

    _FORWARD["send"] = write


def encode_jobs(location, jobs: list[_Job]) -> bytes:
    """The jobs of one group as JSON bytes (sites as GeoPackage geometry blobs in hex): what a desk
    worker hands to the writer."""
    import orjson
    import shapely

    from .tables import gpkg_blob

    # the rows as the worker built them (:meth:`_Job.row_parts`): the writer, which writes for every
    # process, only adds the group's fields. orjson (C): the rows carry the answer's JSON text, which
    # ``json`` escaped again in Python. The site as the blob the writer inserts (header, envelope,
    # WKB), made here: the writer only copies the bytes (it read WKB into a geometry and wrote it out
    # again: a fifth of its Python time, py-spy)

    def site(r):
        if not gpkg:   # a database's writer takes WKB (only handed over in tests: each desk process writes PostGIS itself)
            return {**r, "geometry": None if r["geometry"] is None else shapely.to_wkb(r["geometry"], hex=True)}
        return {**r, "geometry": None, "gpkg_blob": None if r["geometry"] is None else gpkg_blob(r["geometry"]).hex()}

    gpkg = _is_gpkg(location)

    def payload(expected):
        return {"location": str(location), "jobs": [{
            "rows": [site(r) for r in j.row_parts()],
            "expected": expected(j.expected),
        } for j in jobs]}

    try:
        # the layer keys as they are (text keys, tuples written as lists, numpy scalars and NA through
        # _plain_leaf): walking them in Python (_plain) cost more than encoding the whole group (cProfile)
        return orjson.dumps(payload(lambda e: e), default=_plain_leaf)
    except (orjson.JSONEncodeError, TypeError):   # a key orjson does not write (not text): as _plain makes it
        return orjson.dumps(payload(lambda e: None if e is None else _plain(e)), default=_plain_leaf)


def write_forwarded(store, payload: bytes) -> bytes:
    """Write the jobs another process handed over (:func:`encode_jobs`) through this process's group
    commit; answer each job's ids or error as JSON bytes.

    Examples
    --------
    >>> write_forwarded(app.state.store, request_body)   # doctest: +SKIP
    b'{"outcomes":[{"ids":[12]}]}'
    """
    import shapely

    from ..store.locate import resolve_store, writable_location

    import orjson

    data = orjson.loads(payload)
    location = writable_location(resolve_store(store))
    jobs = []
    for j in data["jobs"]:
        job = _Job([], [], [], None, None, "", None if j["expected"] is None else {k: tuple(v) for k, v in j["expected"].items()})
        job.rows = [{**r, "gpkg_blob": None if r.get("gpkg_blob") is None else bytes.fromhex(r["gpkg_blob"])}
                    if "gpkg_blob" in r else
                    {**r, "geometry": None if r["geometry"] is None else shapely.from_wkb(r["geometry"])} for r in j["rows"]]
        jobs.append(job)
    if str(location) != data["location"]:   # never written into another store than the check used
        err = about("store", StoreError("工作台各进程的图层库不一致，本次核查未记入登记；请重启 dcf serve。"))
        for job in jobs:
            job.error, job.done = err, True
    else:
        _committer(location).submit_many(jobs)
    return orjson.dumps({"outcomes": [{"ids": j.ids} if j.error is None else {"error": {
        "type": type(j.error).__name__, "message": str(j.error), "argument": getattr(j.error, "argument", None)}}
        for j in jobs]})


def _rebuilt_error(err: dict) -> BaseException:
    """The error the writer answered, as the same :mod:`dcf_spatial.errors` class (a StoreChangedError
    stays one: the desk answers it 409), else a :class:`StoreError` with its message."""
    from .. import errors

    cls = getattr(errors, str(err.get("type")), None)
    if not (isinstance(cls, type) and issubclass(cls, errors.DcfError)):
        cls = StoreError
    exc = cls(err.get("message") or "核查登记写入失败。")
    return about(err["argument"], exc) if err.get("argument") else exc


def _is_gpkg(location) -> bool:
    from ..store.locate import as_pg_url

    return not (isinstance(location, str) and as_pg_url(location) is not None)
