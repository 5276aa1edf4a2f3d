"""Background jobs: a long audit runs in a worker thread; the page polls ``GET /api/jobs/{id}``.

A thread pool (not processes): the audits release the GIL in GEOS/GDAL for most of their time, the
job needs the request's store (a context variable, carried into the thread with
``contextvars.copy_context``) and its result objects stay in memory for the summary. Two workers at
most: the desk runs on an office PC.
"""

from __future__ import annotations

import contextvars
import logging
import shutil
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DeskError

logger = logging.getLogger(__name__)


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

    def to_dict(self) -> dict:
        """The JSON the page polls."""
        return {
            "id": self.id, "kind": self.kind, "status": self.status, "progress": round(self.progress, 2),
            "message": self.message, "summary": self.summary, "error": self.error,
            "downloads": [{"name": n, "url": f"/api/jobs/{self.id}/files/{i}"} for i, n in enumerate(self.files)],
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
        self.root = Path(tempfile.mkdtemp(prefix="dcf-desk-jobs-"))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dcf-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def new(self, kind: str) -> Job:
        """A queued job with its own folder (the upload goes there before :meth:`start`)."""
        jid = uuid.uuid4().hex
        folder = self.root / jid
        folder.mkdir()
        job = Job(jid, kind, folder)
        with self._lock:
            self._jobs[jid] = job
        return job

    def start(self, job: Job, work) -> Job:
        """Run ``work(job)`` in the pool, in a copy of the caller's context (its active store)."""
        ctx = contextvars.copy_context()

        def run():
            job.status, job.progress, job.message = "running", 0.1, "正在计算"
            try:
                ctx.run(work, job)
            except Exception as exc:  # the page shows why; the log keeps the traceback
                from ..errors import DcfError

                job.status, job.message = "failed", "失败"
                if isinstance(exc, DcfError):
                    from .wording import desk_wording

                    # a job's page has no field boxes: fixes say what to change in the file
                    job.error = desk_wording(str(exc), names=job.shown_names)
                elif isinstance(exc, DeskError):
                    job.error = str(exc)
                else:
                    logger.exception("job %s failed", job.id)
                    job.error = f"计算出错（{type(exc).__name__}）。请检查上传的数据；详情见服务器日志。"
            else:
                job.status, job.progress, job.message = "done", 1.0, "完成"
            finally:
                shutil.rmtree(job.folder / "input", ignore_errors=True)

        self._pool.submit(run)
        return job

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

    def close(self) -> None:
        """Stop taking jobs and delete every job's folder."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.root, ignore_errors=True)
