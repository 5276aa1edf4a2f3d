"""Background jobs: a long audit runs in a worker thread; the page polls ``GET /api/jobs/{id}``.

Threads (not processes): the audits release the GIL in GEOS/GDAL for most of their time, the
job needs the request's store (a context variable, carried into the thread with
``contextvars.copy_context``) and its result objects stay in memory for the summary. Two jobs run at
once at most (the others wait, queued): the desk runs on an office PC. When the desk stops, a job still
running is cancelled and not waited for (:meth:`Jobs.close`, :func:`leave_now`).

A job can be cancelled (``DELETE /api/jobs/{id}``) while it is queued or running: it stops at its next
progress step (:meth:`Job.step`) and its folder is removed; a finished job keeps its results (409). Each desk keeps its jobs' folders under
``<tmp>/dcf-desk-jobs-<pid>-…``; a desk that starts removes such folders of desks whose process is
gone (killed, or the PC switched off), never those of a desk still running (:func:`remove_leftovers`).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DeskError
from .private_folder import process_alive

logger = logging.getLogger(__name__)


#: the folder of one desk's jobs: ``dcf-desk-jobs-<pid of the desk>-<random>``
JOBS_PREFIX = "dcf-desk-jobs-"
_OWNED = re.compile(re.escape(JOBS_PREFIX) + r"(\d+)-")


#: what each kind of download is for, shown beside it on the audit page: the GeoParquet file opens in no
#: office program (QA round 11, F13.13)
DOWNLOAD_NOTES = {
    ".xlsx": "Excel 工作簿",
    ".html": "网页地图，用浏览器打开",
    ".gpkg": "GeoPackage，供 GIS 软件（如 QGIS、ArcGIS）使用",
    ".parquet": "完整清单（GeoParquet），供 GIS 软件使用；Excel/WPS 不能打开",
}


def download_note(name: str) -> str:
    """What a download is for, by its suffix (empty when unknown).

    Examples
    --------
    >>> download_note("闲置土地审计_台账_完整清单.parquet")
    '完整清单（GeoParquet），供 GIS 软件使用；Excel/WPS 不能打开'
    """
    return DOWNLOAD_NOTES.get(Path(name).suffix.lower(), "")


class JobCancelled(Exception):
    """Raised at a job's progress step once the job was cancelled: the job stops there."""


@dataclass
class Job:
    """One background job and what the page shows of it."""

    id: str
    kind: str
    folder: Path
    status: str = "queued"   # queued → running → done | failed
    progress: float = 0.0
    message: str = "排队中"
    summary: dict | None = None
    error: str | None = None
    files: dict[str, Path] = field(default_factory=dict)
    geojson: bytes | None = None
    started: float = field(default_factory=time.time)
    #: server path of each upload → the name the user uploaded (messages show the latter)
    shown_names: dict[str, str] = field(default_factory=dict)
    #: the boxes of the form that started the job (see :func:`.wording.form_of`): its errors point at them
    form: tuple = ()
    #: set by :meth:`Jobs.cancel`; the job stops at its next :meth:`step`
    cancel_requested: threading.Event = field(default_factory=threading.Event)

    def step(self, progress: float, message: str) -> None:
        """Report progress; raise :class:`JobCancelled` when the job was cancelled meanwhile.

        Examples
        --------
        >>> job = Job("1", "idle", Path("."))
        >>> job.step(0.5, "正在审计"); job.progress
        0.5
        >>> job.cancel_requested.set(); job.step(0.7, "正在写出结果")
        Traceback (most recent call last):
        ...
        dcf_spatial.desk.jobs.JobCancelled
        """
        if self.cancel_requested.is_set():
            raise JobCancelled()
        self.progress, self.message = progress, message

    def to_dict(self) -> dict:
        """The JSON the page polls."""
        return {
            "id": self.id, "kind": self.kind, "status": self.status, "progress": round(self.progress, 2),
            "message": self.message, "summary": self.summary, "error": self.error,
            "downloads": [{"name": n, "url": f"/api/jobs/{self.id}/files/{i}", "note": download_note(n)}
                          for i, n in enumerate(self.files)],
        }


class Jobs:
    """The job table of one server: submit, look up, serve a job's files; removes its folders on close.

    Examples
    --------
    >>> jobs = Jobs()                                        # doctest: +SKIP
    >>> job = jobs.submit("idle", lambda job: {...})         # doctest: +SKIP
    >>> jobs.get(job.id).status                              # doctest: +SKIP
    'done'
    """

    def __init__(self, workers: int = 2):
        remove_leftovers()
        self.root = Path(tempfile.mkdtemp(prefix=f"{JOBS_PREFIX}{os.getpid()}-"))
        # a thread per job, at most ``workers`` running at once (the others wait for a slot: queued).
        # Daemon threads, not a ThreadPoolExecutor: Python joins an executor's threads at exit, so a desk
        # stopped while an audit wrote 50,000 parcels waited for it (QA round 11, F8: 9.6 s) — a job cut
        # short by the stop is abandoned instead (see close and leave_now)
        self._slots = threading.Semaphore(workers)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._running: set[str] = set()
        #: set by :meth:`close`: no job starts any more, a failure of one cut short is its cancellation
        self.closing = False

    def new(self, kind: str) -> Job:
        """A queued job with its own folder (the upload goes there before :meth:`start`)."""
        jid = uuid.uuid4().hex
        folder = self.root / jid
        # the root made again when it is gone: a desk left running for days finds its folder in /tmp removed
        # by the system's cleaner (systemd-tmpfiles, Windows 磁盘清理), and an audit was a 500 (FileNotFoundError)
        folder.mkdir(parents=True)
        job = Job(jid, kind, folder)
        with self._lock:
            self._jobs[jid] = job
        return job

    def start(self, job: Job, work) -> Job:
        """Run ``work(job)`` in a thread of its own, in a copy of the caller's context (its active store)."""
        ctx = contextvars.copy_context()

        def run():
            from .cpus import unpin_thread

            # a job's libraries start threads of their own: it runs on every CPU, not only its worker's (cpus.pin)
            unpin_thread()
            with self._slots:
                with self._lock:
                    self._running.add(job.id)
                try:
                    self._run(job, work, ctx)
                finally:
                    with self._lock:
                        self._running.discard(job.id)
                        last = not self._running
                    if self.closing:   # the desk stopped meanwhile: nothing of the job stays behind
                        shutil.rmtree(job.folder if not last else self.root, ignore_errors=True)

        threading.Thread(target=run, name=f"dcf-job-{job.id[:8]}", daemon=True).start()
        return job

    def _run(self, job: Job, work, ctx) -> None:
        try:
            job.step(0.1, "正在计算")
            job.status = "running"
            ctx.run(work, job)
            job.step(1.0, "完成")
        except JobCancelled:
            self._cancelled(job)
            return
        except Exception as exc:  # the page shows why; the log keeps the traceback
            from ..errors import DcfError

            if self.closing:   # cut short by the desk stopping: cancelled, not an error of the data or the desk
                logger.debug("job %s cut short by the desk stopping: %r", job.id, exc)
                self._cancelled(job)
                return
            if isinstance(exc, DcfError):
                from .wording import desk_wording

                # a job's page has no field boxes: fixes say what to change in the file
                job.error = desk_wording(str(exc), form=job.form, names=job.shown_names)
            elif isinstance(exc, DeskError):
                job.error = str(exc)
            else:  # not the data's fault (the readers name every problem of a file): say so, and where to look
                logger.exception("job %s failed (internal error)", job.id)
                job.error = (f"内部错误（任务编号 {job.id}，{type(exc).__name__}），不是上传数据的问题。"
                             "详情见服务器日志（运行 dcf serve 的命令行窗口，按任务编号查找）；请把任务编号告知管理员。")
            job.status, job.message = "failed", "失败"   # last: a poll that sees failed finds the error
        else:
            job.status = "done"
        finally:
            shutil.rmtree(job.folder / "input", ignore_errors=True)

    def cancel(self, jid: str) -> Job:
        """Cancel job ``jid``: a queued job never starts, a running one stops at its next progress step;
        either way its folder and downloads are removed. A finished job is not cancelled: its results stay
        (a 409 :class:`DeskError`; a cancelled one is answered as it is). A 404 :class:`DeskError` for an
        unknown job."""
        job = self.get(jid)
        if job.status == "done":
            raise DeskError(409, "任务已完成，不能取消（结果仍可下载）。")
        if job.status == "failed":
            raise DeskError(409, "任务已结束（失败），不能取消；失败原因见任务状态。")
        if job.status == "cancelled":
            return job
        job.cancel_requested.set()
        if job.status in ("done", "failed"):  # finished meanwhile: a finished job keeps what it has
            job.cancel_requested.clear()
            raise DeskError(409, "任务已完成，不能取消（结果仍可下载）。" if job.status == "done"
                            else "任务已结束（失败），不能取消；失败原因见任务状态。")
        else:  # queued: stops before it starts; running: at the end of its current step
            job.message = "正在取消（当前步骤完成后停止）"
        return job

    @staticmethod
    def _cancelled(job: Job, message: str = "已取消") -> None:
        job.files, job.summary, job.geojson, job.error = {}, None, None, None
        shutil.rmtree(job.folder, ignore_errors=True)
        job.status, job.message = "cancelled", message

    def get(self, jid: str) -> Job:
        """The job, or a 404 :class:`DeskError`."""
        with self._lock:
            job = self._jobs.get(jid)
        if job is None:
            raise DeskError(404, f"没有编号为「{jid}」的任务（任务只保存到服务器重启为止）。")
        return job

    def file(self, jid: str, index: int) -> tuple[str, Path]:
        """The ``index``-th download of a job: its name and server path (chosen by the server)."""
        files = list(self.get(jid).files.items())
        if not 0 <= index < len(files):
            raise DeskError(404, "该任务没有这个下载文件。")
        return files[index]

    def discard(self, job: Job) -> None:
        """Forget a job that was never started (its upload was refused) and remove its folder."""
        with self._lock:
            self._jobs.pop(job.id, None)
        shutil.rmtree(job.folder, ignore_errors=True)

    def close(self) -> list[Job]:
        """Stop taking jobs, cancel the queued and running ones, delete every folder no job is writing into.

        Returns the jobs still running (cut short: cancelled, their threads abandoned — see
        :func:`leave_now`). A running job's folder is not removed under it: the audit's writers then failed
        (``ERROR 4: sqlite3_open(…) failed``, ``OSError: Failed to save workbook``, an internal-error
        traceback, QA round 11 F8); its thread removes it if it ends, :func:`leave_now` otherwise."""
        self.closing = True
        with self._lock:
            jobs = list(self._jobs.values())
            running = set(self._running)
        for job in jobs:
            if job.status in ("queued", "running"):
                job.cancel_requested.set()
                if job.id not in running:   # waiting for a slot: stops as it gets one, or never starts
                    self._cancelled(job, "已取消（工作台已停止）")
        cut = [job for job in jobs if job.id in running]
        for job in cut:
            job.message = "已取消（工作台已停止）"
        if cut:
            logger.warning("工作台停止：正在运行的审计任务已取消（%d 个，上传文件与结果已删除）。", len(cut))
            for folder in self.root.iterdir() if self.root.is_dir() else ():
                if folder.name not in running:
                    shutil.rmtree(folder, ignore_errors=True)
        else:
            shutil.rmtree(self.root, ignore_errors=True)
        return [job for job in cut if job.id in self._running]

    def running(self) -> list[str]:
        """The ids of the jobs whose work is running now."""
        with self._lock:
            return sorted(self._running)


def leave_now(jobs: Jobs, status: int = 0) -> None:
    """End this process now when jobs cut short by the stop are still running (after the desk's cleanup).

    Their threads are in an audit's computation or its writers (GDAL, openpyxl): Python cannot stop a
    thread, waiting for one took as long as the audit (QA round 11, F8), and a normal exit runs C
    libraries' exit handlers (GDAL's) under a thread still inside them. ``os._exit`` ends the threads
    with the process; their folder is removed first, with the process's error output closed so that a
    writer failing in that instant prints nothing. Returns when no job is running."""
    if not jobs.running():
        shutil.rmtree(jobs.root, ignore_errors=True)
        return
    import sys

    for handler in logging.getLogger().handlers + logging.getLogger("dcf_spatial").handlers:
        with contextlib.suppress(Exception):
            handler.flush()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    shutil.rmtree(jobs.root, ignore_errors=True)
    os._exit(status)


def remove_leftovers(tmp: str | None = None) -> list[Path]:
    """Remove the job folders of desks that are no longer running; the folders removed.

    A desk killed before it could clean up leaves ``<tmp>/dcf-desk-jobs-<pid>-…`` behind (uploads and
    results of its audits). Such a folder is removed only when it is this user's and no process has
    that pid; a folder of a desk still running, another user's, or one without a pid in its name (an
    older desk's) is left alone.

    Examples
    --------
    >>> remove_leftovers("/nonexistent")
    []
    """
    root = Path(tmp or tempfile.gettempdir())
    removed = []
    try:
        entries = list(root.glob(JOBS_PREFIX + "*"))
    except OSError:
        return removed
    for folder in entries:
        m = _OWNED.match(folder.name)
        if not m or int(m.group(1)) == os.getpid():
            continue
        try:
            if not folder.is_dir() or folder.stat().st_uid != os.getuid() or process_alive(int(m.group(1))):
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        logger.info("removed the job folder %s of a desk no longer running (pid %s)", folder, m.group(1))
        removed.append(folder)
    return removed
