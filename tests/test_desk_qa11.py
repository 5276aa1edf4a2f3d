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


@pytest.fixture()
def started(monkeypatch):
    """``dcf serve``'s console up to serving: the desk itself not run (it would open the store)."""
    import dcf_spatial.desk as desk

    def run(*, on_start, on_stop=None, **kw):
        on_start("http://127.0.0.1:8765/", kw.get("token"), False)
        on_stop()

    monkeypatch.setattr(desk, "serve", run)

    def invoke(*args):
        from click.testing import CliRunner

        from dcf_spatial.cli.main import cli

        out = CliRunner().invoke(cli, ["serve", "--no-browser", *args])
        assert out.exit_code == 0, out.output
        return out.output

    return invoke


def test_serve_names_the_geopackage_it_opened(started, store):
    """F13.9: nothing said which store the desk opened."""
    text = started("--store", str(store))
    assert f"图层库：{store}（GeoPackage）" in text
    assert "受版本管理" not in text
    assert text.rstrip().splitlines()[-1] == "工作台已停止。"


def test_serve_warns_once_when_it_records_into_the_tracked_checkout_store(started):
    from dcf_spatial import settings

    if not settings.checkout_store.exists():
        pytest.skip("not a checkout")
    text = started()   # the default store of a checkout: layers/dcf_layers.gpkg (never opened here)
    assert f"图层库：{settings.checkout_store}（GeoPackage）" in text
    assert text.count("受版本管理的 layers/dcf_layers.gpkg") == 1 and "--no-record" in text
    assert "受版本管理" not in started("--no-record")


def test_serve_names_a_postgis_store_with_its_password_masked(started):
    text = started("--store", "postgresql://dcf:s3cret-pw@db.example:5432/gis", "--no-record")
    assert "图层库：postgresql://dcf:***@db.example:5432/gis（PostGIS）" in text, text
    assert "s3cret-pw" not in text
    assert "PGPASSWORD" in text


def test_a_script_writes_layers_with_the_token_given_to_serve_as_the_readme_says(store):
    """F10: the README's recipe for a script — start the desk with --token, send the token as a Bearer header
    and the desk's own address as Origin — reaches the layer writes; each part left out is refused."""
    from _desk_server import running_desk

    token = "a-script-token-of-enough-length"
    with running_desk(store, token=token) as url:
        reset = url + "/api/layers/industrial_clusters/reset"
        ok = {"Authorization": f"Bearer {token}", "Origin": url}
        got = httpx.post(reset, json={"version": 1}, headers=ok, timeout=60)
        assert got.status_code not in (401, 403), got.text   # past the guards: the layer has nothing to restore
        assert httpx.post(reset, json={"version": 1}, headers={"Authorization": ok["Authorization"]},
                          timeout=60).status_code == 403
        assert httpx.post(reset, json={"version": 1}, headers={"Origin": url}, timeout=60).status_code == 401


def test_a_write_without_the_token_says_how_a_script_gets_one(store):
    from _desk_server import running_desk

    with running_desk(store) as url:
        got = httpx.post(url + "/api/layers/industrial_clusters/reset", json={"version": 1},
                         headers={"Origin": url}, timeout=60)
    assert got.status_code == 401 and "以 --token 启动 dcf serve" in got.json()["error"], got.text


def _idle_job(c, parcels, name="供地台账.gpkg"):
    with open(parcels, "rb") as fh:
        r = c.post("/api/audit/idle", files={"parcels": (name, fh.read())}, data={"as_of": "2025-12-31"})
    assert r.status_code == 202, r.text
    for _ in range(900):   # polls until the job ends (no time limit asserted)
        job = c.get(r.json()["url"]).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    return job


def test_audit_downloads_are_named_in_chinese_and_the_geoparquet_is_marked_for_gis(store, parcels):
    """F13.13: ``idle_audit_供地台账.xlsx`` beside ``idle_audit_map_供地台账.html``, and a ``.parquet`` that
    no office program opens, offered without a word."""
    from _desk_server import running_desk

    with running_desk(store) as url, httpx.Client(base_url=url, timeout=120) as c:
        job = _idle_job(c, parcels)
    assert job["status"] == "done", job
    got = {d["name"]: d["note"] for d in job["downloads"]}
    assert {"闲置土地审计_供地台账.xlsx", "闲置土地审计_供地台账.gpkg", "闲置土地审计_供地台账_地图.html"} <= set(got), got
    assert all(n.startswith("闲置土地审计_供地台账") for n in got), got
    parquet = [n for n in got if n.endswith(".parquet")]
    assert parquet == ["闲置土地审计_供地台账_完整清单.parquet"], got
    assert "供 GIS 软件使用" in got[parquet[0]] and "Excel" in got[parquet[0]]


@pytest.mark.parametrize("upload, status", [(("台账.exe", b"MZ"), 415), (("台账.gpkg", b"x" * (1024 * 1024 + 20000)), 413)])
def test_a_refused_audit_upload_leaves_no_job_behind(store, tmp_path, monkeypatch, upload, status):
    """Item 6: the job was made before its upload was checked: a refused upload left a queued job's folder in
    the desk's jobs folder (``<tmp>/dcf-desk-jobs-…/<job>``) until the desk stopped."""
    from _desk_server import running_desk

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))     # this test's own temp root: other desks do not count
    with running_desk(store, upload_limit_mb=1) as url:
        (root,) = tmp.glob("dcf-desk-jobs-*")
        r = httpx.post(url + "/api/audit/idle", files={"parcels": upload}, data={"as_of": "2025-12-31"}, timeout=60)
        assert r.status_code == status, r.text
        assert list(root.iterdir()) == []
