"""Stopping ``dcf serve`` (QA round 11, F8): the console says once that the desk stopped, and an audit job
still writing when the desk is stopped is cancelled quietly — no GDAL errors, no internal-error traceback —
and is not waited for.

The job is held for ever where its files are written (``DCF_TEST_HOLD_AT=outputs:staged``, a test-only
point): a desk that waited for its job's writes never stops (the previous code joined the job's thread at
exit, after removing the folder it was writing into: ``ERROR 4: sqlite3_open(…) failed`` and a traceback).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from _desk_server import free_port
from browser import make_fixture_store

DCF = [sys.executable, "-m", "dcf_spatial.cli.main"] if not (Path(sys.executable).parent / "dcf").exists() \
    else [str(Path(sys.executable).parent / "dcf")]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return make_fixture_store(tmp_path_factory.mktemp("stop") / "store.gpkg")


@pytest.fixture(scope="module")
def parcels(tmp_path_factory):
    import dcf_spatial as dcf

    files = dcf.write_sample(tmp_path_factory.mktemp("sample"), parcels=60, seed=3, imagery=False)
    return next(p for p in map(str, files.values()) if p.endswith("parcels.gpkg"))


def _start(store, log_path, workers, env=None):
    port = free_port()
    proc = subprocess.Popen([*DCF, "serve", "--store", str(store), "--no-browser", "--port", str(port),
                             "--workers", str(workers)], stdout=open(log_path, "wb"), stderr=subprocess.STDOUT,
                            start_new_session=True, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    for _ in range(900):   # start-up, not a timed assertion
        if proc.poll() is not None:
            raise RuntimeError(log_path.read_text(encoding="utf-8", errors="replace"))
        try:
            if httpx.get(url + "/api/jobs/none", timeout=5).status_code == 404:
                return proc, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("dcf serve did not start")


def _stopped(proc, log_path) -> str:
    try:
        code = proc.wait(120)   # a guard: a desk waiting for its held job would never stop
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        pytest.fail("the desk did not stop: it waited for the job still writing\n"
                    + log_path.read_text(encoding="utf-8", errors="replace")[-3000:])
    text = log_path.read_text(encoding="utf-8", errors="replace")
    assert code == 0, text[-3000:]
    return text


def _jobs_folders(pid) -> list[Path]:
    from dcf_spatial.desk.jobs import JOBS_PREFIX

    return list(Path(tempfile.gettempdir()).glob(f"{JOBS_PREFIX}{pid}-*"))


@pytest.mark.parametrize("workers", [1, 2])
def test_stopping_an_idle_desk_says_so_once(store, tmp_path, workers):
    log = tmp_path / "serve.log"
    proc, url = _start(store, log, workers)
    proc.send_signal(signal.SIGTERM)
    text = _stopped(proc, log)
    assert text.count("工作台已停止") == 1, text
    assert text.rstrip().splitlines()[-1] == "工作台已停止。", text   # the last line, after the cleanup's
    assert "正在运行的审计任务已取消" not in text


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_job_still_writing_is_cancelled_quietly_and_not_waited_for(store, parcels, tmp_path, workers):
    log = tmp_path / "serve.log"
    proc, url = _start(store, log, workers, env={"DCF_TEST_HOLD_AT": "outputs:staged"})
    try:
        with open(parcels, "rb") as fh:
            r = httpx.post(url + "/api/audit/idle", files={"parcels": ("宗地.gpkg", fh.read())},
                           data={"as_of": "2025-12-31"}, timeout=120)
        assert r.status_code == 202, r.text
        # the process holding the job: the desk's own, or the primary (its pid in X-DCF-Worker)
        owner = proc.pid if workers == 1 else int(httpx.get(url + r.json()["url"], timeout=30).headers["x-dcf-worker"])
        jid = r.json()["job"]
        staged = []
        for _ in range(1200):   # until every file of the audit is written and the job holds (no time asserted)
            job = httpx.get(url + r.json()["url"], timeout=30).json()
            assert job["status"] in ("queued", "running"), job
            staged = [p for root in _jobs_folders(owner) for p in (root / jid / "out").glob(".dcf-partial-*/*.xlsx")]
            if staged:
                break
            time.sleep(0.2)
        assert staged, "the job never reached its writes"
        pids = [proc.pid, owner]
        proc.send_signal(signal.SIGTERM)
        text = _stopped(proc, log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    for _ in range(100):   # the primary's exit follows the parent's wait
        if not Path(f"/proc/{owner}").exists():
            break
        time.sleep(0.1)
    assert "正在运行的审计任务已取消" in text, text
    assert text.count("工作台已停止") == 1, text
    for noise in ("Traceback", "ERROR 4", "sqlite3_open", "internal error", "内部错误", "OSError"):
        assert noise not in text, text
    assert [f for pid in pids for f in _jobs_folders(pid)] == []


def test_every_request_line_names_the_client_in_the_same_shape(store, tmp_path):
    """F13.4: a request a secondary passed to the primary was logged as from ``-:0``, and the requests of one
    half-second batch after the first had no ``INFO:     [n]``."""
    log = tmp_path / "serve.log"
    proc, url = _start(store, log, 2)
    try:
        sent = 0
        for _ in range(16):   # each on a new connection: the kernel hands some to the secondary, which forwards
            with httpx.Client(timeout=30) as c:
                assert c.get(url + "/api/jobs/none").status_code == 404
                sent += 1
        proc.send_signal(signal.SIGTERM)
        text = _stopped(proc, log)   # the batched lines are written out as the desk stops
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    import re

    lines = [line for line in text.splitlines() if "/api/jobs/none" in line]
    shape = re.compile(r'^INFO:     \[[01]\] 127\.0\.0\.1:\d+ - "GET /api/jobs/none HTTP/1\.1" 404 \d+ ms$')
    assert len(lines) >= sent and all(shape.match(line) for line in lines), "\n".join(lines)
