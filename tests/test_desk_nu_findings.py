"""A new user's QA round of the desk (planning office / land bureau staff, 2026-12-07), findings written as
what the user should see:

- 8: ``POST /api/layers/{id}/import/preview`` without ``provenance`` went ahead as 权威 (``default:
  authoritative`` in the OpenAPI document); the page makes the user choose. A layer's 来源类别 is stated by
  every legend and report: the API refuses (422) naming the field and its values, and documents it required.
- 13: a townships file re-projected from CGCS2000 zone 39 with 2 townships changed was previewed as
  "位置改变 14": only features that really move count, and the text says the rest are unchanged.
- 14: after 恢复, version 1's 时间 showed the reset time, not the time version 1 was made.
- 17: a browser opening the token-protected desk without the token got raw JSON; it gets a Chinese page
  saying how to open the desk, while programs keep the JSON 401/403.
- 19: uvicorn's English start-up lines ("Started server process", "Uvicorn running on …") were mixed into
  the Chinese start-up log: they are in Chinese, the request lines keep their format, errors are kept.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from _desk_server import free_port, running_desk
from browser import make_fixture_store

LAYER = "industrial_clusters"
DCF = [sys.executable, "-m", "dcf_spatial.cli.main"] if not (Path(sys.executable).parent / "dcf").exists() \
    else [str(Path(sys.executable).parent / "dcf")]
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"}


@pytest.fixture()
def desk(tmp_path):
    store = make_fixture_store(tmp_path / "store.gpkg")
    with running_desk(store) as url, httpx.Client(base_url=url, timeout=120) as client:
        token = re.search(r'name="dcf-write-token" content="([^"]+)"', client.get("/layers").text).group(1)
        client.store, client.url, client.ok = store, url, {"X-DCF-Token": token, "Origin": url}
        yield client


def _clusters_in_zone_39(store, path, *, shift_m=0.0):
    """The store's clusters as the bureau's file would hold them: a zipped GBK shapefile in CGCS2000 3° zone
    39 (EPSG:4527), every outline re-projected and written as a shapefile writes rings, 嘉明经济开发区 moved
    ``shift_m`` metres east."""
    import warnings
    import zipfile

    import shapely.affinity

    from dcf_spatial.store import catalog

    g = catalog.read_layer(LAYER, store=store).drop(columns=["provenance", "source"]).to_crs(4527)
    if shift_m:
        i = g.index[g["id"] == "cluster.jiaming"][0]
        g.loc[i, "geometry"] = shapely.affinity.translate(g.geometry[i], xoff=shift_m)
    folder = path.with_suffix("")
    folder.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # field names cut to 10 characters (restored on import)
        g.to_file(folder / "集聚区.shp", encoding="gbk")
    with zipfile.ZipFile(path, "w") as zf:
        for part in sorted(folder.iterdir()):
            zf.write(part, part.name)
    return path, len(g)


def _preview(desk, path, **form):
    with open(path, "rb") as fh:
        return desk.post(f"/api/layers/{LAYER}/import/preview", headers=desk.ok, files={"file": (path.name, fh)},
                         data=form)


# ---- 8: 来源类别 is the importer's choice, on the API as on the page ------------------------------------------

def test_an_import_without_a_provenance_is_refused_naming_the_field_and_its_values(desk, tmp_path):
    path, _ = _clusters_in_zone_39(desk.store, tmp_path / "集聚区.zip", shift_m=200)
    r = _preview(desk, path)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert "来源类别" in error and "provenance" in error
    assert all(v in error for v in ("authoritative", "reference", "schematic", "权威", "参考", "示意")), error
    assert "handle" not in r.json()
    # an empty choice is no choice either
    assert _preview(desk, path, provenance="").status_code == 422
    # the OpenAPI document says so: required, no default, the three values
    doc = desk.get("/api/openapi.json").json()
    body = doc["paths"]["/api/layers/{layer_id}/import/preview"]["post"]["requestBody"]
    ref = body["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    schema = doc["components"]["schemas"][ref]
    assert "provenance" in schema["required"]
    field = schema["properties"]["provenance"]
    assert "default" not in field and set(field["enum"]) == {"authoritative", "reference", "schematic"}
    assert "必填" in field["description"]
    # a request without the write token is still told about the token first, not about its form
    with open(path, "rb") as fh:
        r = desk.post(f"/api/layers/{LAYER}/import/preview", headers={"Origin": desk.url},
                      files={"file": (path.name, fh)})
    assert r.status_code == 401 and "令牌" in r.json()["error"]
    # chosen, the preview goes ahead and says what was chosen
    p = _preview(desk, path, provenance="schematic")
    assert p.status_code == 200, p.text
    assert p.json()["provenance_zh"] == "示意" and p.json()["summary"]["provenance"] == "schematic"


# ---- 13: what really moved ----------------------------------------------------------------------------------

def test_the_preview_counts_only_the_features_that_really_moved(desk, tmp_path):
    """Every outline re-projected (zone 39 → CGCS2000 geographic: sub-millimetre differences), one cluster
    moved 200 m: one feature changed, the others unchanged, and the sentence says so in words."""
    path, n = _clusters_in_zone_39(desk.store, tmp_path / "集聚区.zip", shift_m=200)
    p = _preview(desk, path, provenance="authoritative").json()
    assert [m["编号"] for m in p["moved"]] == ["cluster.jiaming"], p["moved"]
    assert 195 < p["moved"][0]["最大偏移（米）"] < 205
    assert p["unchanged"] == n - 1
    assert f"位置或边界改变 1（移动超过 1 米）、未变 {n - 1}" in p["changes_zh"]
    assert p["changes_zh"] in p["text"] and f"位置改变 {n}" not in p["text"]
    # the same file unmoved: nothing changed at all, however its coordinates were written
    same, _ = _clusters_in_zone_39(desk.store, tmp_path / "原样.zip")
    q = _preview(desk, same, provenance="authoritative").json()
    assert q["moved"] == [] and q["unchanged"] == n
    assert "位置或边界改变 0" in q["changes_zh"] and "视为未变" in q["changes_zh"]


# ---- 14: a version's time is when it was made ---------------------------------------------------------------

def test_after_a_reset_each_version_shows_when_it_was_made_and_the_reset_apart(desk, tmp_path):
    built = "2026-11-28T09:30:00"
    with sqlite3.connect(desk.store) as con:   # version 1 was built on 11-28 (before the desk started)
        con.execute("UPDATE dcf_catalog SET updated_at = ? WHERE id = ?", (built, LAYER))
    path, _ = _clusters_in_zone_39(desk.store, tmp_path / "集聚区.zip", shift_m=200)
    p = _preview(desk, path, provenance="authoritative").json()
    assert desk.post(f"/api/layers/{LAYER}/import", json={"handle": p["handle"]}, headers=desk.ok).status_code == 200
    v2 = desk.get(f"/api/layers/{LAYER}/versions").json()
    imported_at = v2["current"]["updated_at"]
    assert v2["kept"][0]["updated_at"] == built and imported_at > built
    r = desk.post(f"/api/layers/{LAYER}/reset", json={"version": 1}, headers=desk.ok)
    assert r.status_code == 200, r.text
    v = desk.get(f"/api/layers/{LAYER}/versions").json()
    current = v["current"]
    assert current["version"] == 1
    assert current["updated_at"] == built and current["made_at"] == built   # not the reset's time
    # the reset is its own event, said beside the version
    assert current["reset_at"] >= imported_at and current["reset_from_version"] == 2
    assert "恢复" in current["reset_zh"] and "第 2 版" in current["reset_zh"]


# ---- 17: a browser without the token gets a page ------------------------------------------------------------

def test_a_browser_without_the_token_gets_a_chinese_page_and_programs_keep_json(tmp_path):
    store = make_fixture_store(tmp_path / "store.gpkg")
    token = "a-long-intranet-token-for-tests"
    with running_desk(store, token=token) as url, httpx.Client(base_url=url, timeout=60) as c:
        page = c.get("/site", headers=BROWSER)   # a planner's bookmark
        assert page.status_code == 401
        assert page.headers["content-type"].startswith("text/html")
        text = page.text
        assert '{"error"' not in text and "需要访问令牌" in text
        host = url.split("//", 1)[1]
        assert f"http://{host}/site?token=" in text      # how to open this very page
        assert "启动" in text and "?token=" in text       # the link printed at start-up
        assert token not in text
        # with the start-up link the same browser gets in
        assert c.get("/site?token=" + token, headers=BROWSER, follow_redirects=True).status_code == 200
    with running_desk(store, token=token) as url, httpx.Client(base_url=url, timeout=60) as c:
        # programs: JSON, as the README says (401 token; 403 same-origin/host)
        for headers in ({}, {"Accept": "application/json"}, {"Accept": "*/*"}):
            r = c.get("/api/layers", headers=headers)
            assert r.status_code == 401 and "令牌" in r.json()["error"]
        r = c.post("/api/site-check", json={"site": "115.75,36.34", "industry": "C34"}, headers=BROWSER)
        assert r.status_code == 401 and "令牌" in r.json()["error"]   # a form post is no page to show
        r = c.get(f"/site?token={token}", headers={**BROWSER, "Origin": "http://evil.example", "Host": "evil.example"})
        assert r.status_code in (200, 303)   # a token-protected desk answers any host name (no rebinding guard)


def test_a_browser_on_a_foreign_host_name_gets_a_page_too(tmp_path):
    store = make_fixture_store(tmp_path / "store.gpkg")
    with running_desk(store) as url, httpx.Client(base_url=url, timeout=60) as c:
        page = c.get("/site", headers={**BROWSER, "Host": "evil.example"})
        assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
        assert "拒绝" in page.text and '{"error"' not in page.text
        r = c.get("/site", headers={"Host": "evil.example"})
        assert r.status_code == 403 and "主机名" in r.json()["error"]


# ---- 19: the console in Chinese -----------------------------------------------------------------------------

ENGLISH = ("Started server process", "Waiting for application", "Application startup", "Uvicorn running",
           "Press CTRL+C", "Shutting down", "Application shutdown", "Finished server process")


def _serve(store, port, log):
    return subprocess.Popen([*DCF, "serve", "--store", str(store), "--no-browser", "--no-record", "--port", str(port)],
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)


def _wait_up(proc, url, log):
    for _ in range(900):   # start-up, not a timed assertion
        if proc.poll() is not None:
            raise RuntimeError(log.read_text(encoding="utf-8", errors="replace"))
        try:
            if httpx.get(url + "/api/jobs/none", timeout=5).status_code == 404:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("dcf serve did not start")


@contextmanager
def serving(proc, port, log):
    """The ``dcf serve`` process ``proc`` (writing ``log``) up on ``port`` for the block, then stopped with
    Ctrl+C once its request log is written (it must exit 0); killed if the block fails."""
    try:
        _wait_up(proc, f"http://127.0.0.1:{port}", log)
        yield proc
        time.sleep(0.8)   # the request log is written every 0.5 s
        proc.send_signal(signal.SIGINT)
        assert proc.wait(120) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_the_start_up_and_shutdown_lines_are_chinese_and_errors_are_kept(tmp_path):
    store = make_fixture_store(tmp_path / "store.gpkg")
    port = free_port()
    log, log2 = tmp_path / "desk.log", tmp_path / "second.log"
    with serving(_serve(store, port, log), port, log):
        assert httpx.get(f"http://127.0.0.1:{port}/site", timeout=30).status_code == 200
        # a second desk on the same port: the error is said in Chinese, with the system's own words
        second = _serve(store, port, log2)
        code = second.wait(120)
        text2 = log2.read_text(encoding="utf-8", errors="replace")
        assert code != 0, text2
        assert "端口已被占用" in text2 and "--port" in text2 and str(port) in text2, text2
        assert re.search(r"\[Errno \d+\]", text2), text2   # the system's reason kept
        assert "已启动" not in text2, text2                  # never said to have started
    text = log.read_text(encoding="utf-8", errors="replace")
    assert not [w for w in ENGLISH if w in text], text
    assert f"正在监听 http://127.0.0.1:{port}（按 Ctrl+C 停止）" in text, text
    assert "工作台进程已启动" in text and "工作台进程已结束" in text and "正在停止" in text, text
    # the request lines as the README describes them: client, method, path, status, time
    assert re.search(r'127\.0\.0\.1:\d+ - "GET /site HTTP/1\.1" 200 \d+ ms', text), text
    assert text.rstrip().splitlines()[-1] == "工作台已停止。"
