"""Benchmark: the planning desk (``dcf serve``) under load, against the issue's goals.

    python benchmarks/bench_serve.py                       # the shipped GeoPackage store
    python benchmarks/bench_serve.py --pg postgresql://…   # also the same layers pushed to PostGIS
    python benchmarks/bench_serve.py --page-only           # only the first page load in Chromium
    python benchmarks/bench_serve.py --workers 1,2         # dcf serve --workers 1 and 2, interleaved
    python benchmarks/bench_serve.py --baseline ../base    # beside another checkout's desk, in paired bursts
    python benchmarks/bench_serve.py --workers 2 --pin both  # workers bound to a CPU each, and not

For each store it starts the real server (``dcf serve --no-browser`` on a free loopback port, a
separate process, uvicorn) and measures:

* ``POST /api/site-check`` with 20 concurrent clients (keep-alive connections on asyncio streams): p50 / p99 latency in ms
  (goal p50 ≤ 30 ms, p99 ≤ 150 ms). Sites are seeded random points inside the district's bounds,
  industries drawn from a fixed list; one warm-up round is not counted.
  The same with one client alone shows the latency of a request without queueing: with 20
  clients a request waits for the ones ahead of it, and one server process runs its Python code on
  one core at a time (the GIL), so p50 ≈ clients × server CPU per request. Both CPU figures are
  printed (the server's from ``/proc``, the bench client's own): they move far less with the
  machine's load than the latencies do. The client is a bare keep-alive HTTP/1.1 client (~0.1 ms
  of CPU per request) so that it takes as little as possible from the server it shares the cores with.
* first load of 选址核查 in headless Chromium (Playwright, network cut off the loopback): time from
  navigation to the marker the page sets once every plan layer is drawn (``window.dcfLayersDrawnMs``;
  goal ≤ 1.0 s; the median of 5 loads), with the desk's font downloaded (no Chinese font on this machine: the pages' subset,
  ~0.3 MB) and without (a PC with one). The browser is warm (one load before the measured one), the
  HTTP cache is off. Also the CPU time the server and Chromium spent on the load, and the bytes it moved.
* a 1,000-row project list (CSV) posted to ``POST /api/site-check/batch``: seconds (goal ≤ 3 s).

With ``--workers 2`` the desk binds each worker process to a CPU of its own (``dcf serve``'s default,
``dcf_spatial.desk.cpus``); ``--pin both`` measures it bound and not bound (``--no-pin-cpus``) one after
the other, ``--pin off`` only not bound. A ``--baseline`` checkout's desk runs as that code does.

With ``--workers 1,2`` each store is measured with ``dcf serve --workers 1`` and ``--workers 2`` one after
the other (same run, same load); the server CPU is then that of all its processes, and the share of
the concurrent checks each worker process answered (the ``X-DCF-Worker`` header; the primary first) is
printed with the number of the clients' connections each process was given (the kernel's pick).

Prints one table plus the machine's load (``os.getloadavg``) and CPU count, then the figures as JSON.
The figures depend on what else runs on the machine: report the load with them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

#: the district's rough bounds (lon/lat): random sites fall in and around the plan's zones
BOUNDS = (115.70, 36.25, 116.20, 36.62)
INDUSTRIES = ("轴承", "C3451", "新能源汽车", "C2614", "物流", "软件", "蔬菜", "C3670")
CLIENTS = 20
GOALS = {"p50_ms": 30, "p99_ms": 150, "first_load_s": 1.0, "batch_1000_s": 3.0}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``dcf serve`` in a child process; waits until it answers, stops it on exit."""

    def __init__(self, store: str | None, record: bool = True, workers: int = 1, pythonpath: str | None = None,
                 pin: bool = True):
        from _measure import dcf_command

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [*dcf_command(), "serve", "--no-browser", "--port", str(self.port)]
        if store:
            args += ["--store", store]
        if not record:
            args.append("--no-record")
        if workers != 1:
            args += ["--workers", str(workers)]
            if not pin:   # this checkout's workers bound to a CPU each unless told (desk.cpus); a baseline's as it does
                args.append("--no-pin-cpus")
        self.log = tempfile.TemporaryFile()
        # pythonpath: another checkout's package (--baseline), imported before the installed one
        env = None if pythonpath is None else {**os.environ, "PYTHONPATH": pythonpath}
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def __enter__(self):
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError("dcf serve exited:\n" + self.log.read().decode(errors="replace")[-3000:])
            try:
                r = httpx.get(self.url + "/api/layers", timeout=5)
                if r.status_code == 200 and self._ours():
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("dcf serve did not answer within 120 s")

    def _ours(self) -> bool:
        """Whether this desk listens on its port: the port is picked free, then bound by the desk, and another
        program (another bench, a user's desk) could take it in between — its answers must not be measured."""
        import psutil

        try:
            tree = [psutil.Process(self.proc.pid)]
            tree += tree[0].children(recursive=True)
        except psutil.NoSuchProcess:
            return False
        for p in tree:
            try:
                conns = p.net_connections(kind="tcp") if hasattr(p, "net_connections") else p.connections(kind="tcp")
            except psutil.Error:
                continue
            if any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == self.port for c in conns):
                return True
        return False

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def site_bodies(n: int, seed: int = 12) -> list[dict]:
    rng = random.Random(seed)
    x0, y0, x1, y1 = BOUNDS
    return [{"site": f"{rng.uniform(x0, x1):.5f},{rng.uniform(y0, y1):.5f}", "industry": rng.choice(INDUSTRIES),
             "area_mu": rng.choice([20, 50, 100])} for _ in range(n)]


def _request_bytes(url: str, body: dict) -> bytes:
    """One ``POST /api/site-check`` as bytes on the wire (encoded before the clock starts)."""
    from urllib.parse import urlsplit

    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    host = urlsplit(url).netloc
    return (f"POST /api/site-check HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode("ascii") + data


async def _clients(url: str, bodies: list[dict], clients: int) -> tuple[list[float], int, dict]:
    """``clients`` keep-alive connections posting ``bodies`` as fast as answers come back.

    The client shares the machine's two cores with the server, so every millisecond it spends is
    taken from the server and shows up as server latency. It is therefore a bare HTTP/1.1 client on
    asyncio streams (written here for that reason: the httpx client used ~4 ms of CPU per request on this
    machine, more than the server spent on the check; this one ~0.1 ms): requests
    are encoded before the clock starts, and an answer counts as received when its status line,
    headers and whole ``Content-Length`` body have arrived; it is an error unless the status is 200 and
    the body is the JSON object of a check (it has ``"verdict"``). Nothing else is parsed but the
    ``X-DCF-Worker`` header: answers counted by the worker process that gave them.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    queue: asyncio.Queue = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(_request_bytes(url, b))
    times: list[float] = []
    errors = 0
    workers: dict[str, int] = {}
    conns: dict[str, int] = {}

    async def client():
        nonlocal errors
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        mine: set = set()
        try:
            while True:
                try:
                    request = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                    elif line[:13].lower() == b"x-dcf-worker:":
                        pid = line[13:].strip().decode()
                        workers[pid] = workers.get(pid, 0) + 1
                        if pid not in mine:   # this connection's worker (the kernel's pick, kept while open)
                            mine.add(pid)
                            conns[pid] = conns.get(pid, 0) + 1
                body = await reader.readexactly(length)
                times.append((time.perf_counter() - t0) * 1000)
                if not head.startswith(b"HTTP/1.1 200 ") or b'"verdict"' not in body:
                    errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    workers[CONNECTIONS] = conns
    return times, errors, workers


#: key of :func:`_clients`'s per-worker answers under which the connections per worker are given
CONNECTIONS = "connections"


def _primary_pid(url: str) -> str | None:
    """The pid of the desk's primary process: a route only the primary answers (a job that does not
    exist, 404) comes back with its ``X-DCF-Worker`` header from any worker."""
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(url + "/api/jobs/no-such-job", timeout=30)
    except urllib.error.HTTPError as exc:
        return exc.headers.get("X-DCF-Worker")
    except OSError:
        return None
    return None


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by process ``pid`` and its children (the worker processes of
    ``dcf serve --workers N``; Linux ``/proc``)."""
    import psutil

    def one(p):
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    total = one(pid)
    for child in psutil.Process(pid).children(recursive=True):
        try:
            total += one(child.pid)
        except OSError:   # gone meanwhile
            continue
    return total


def _wait_idle(pid: int, quiet_s: float = 0.02, every: float = 0.5, limit: float = 60.0) -> None:
    """Wait until server ``pid`` spends under ``quiet_s`` of CPU in ``every`` seconds (at most ``limit``).

    The warm-up thread goes on after the map layers with the pages' font subset (~0.25 s of CPU): counted
    against 400 site checks it added ~0.6 ms to the "server CPU per request" — the rise from 1.75 to
    2.8–3.2 ms seen after the warm-up thread came in (2026-12-06, 62fe69d).
    """
    deadline = time.monotonic() + limit
    before = _cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(every)
        now = _cpu_seconds(pid)
        if now - before < quiet_s:
            return
        before = now


def bench_site_check(url: str, requests: int, clients: int, server_pid: int | None = None) -> dict:
    # the server builds the map's layer answer in a background thread as it starts (~1 s of CPU): wait for
    # it (the request returns once it is built), or its CPU would be counted against the site checks
    import urllib.request

    urllib.request.urlopen(url + "/api/map-layers", timeout=120).read()
    if server_pid is not None:
        _wait_idle(server_pid)
    asyncio.run(_clients(url, site_bodies(clients * 2, seed=1), clients))   # warm-up: caches, thread pool
    cpu0 = None if server_pid is None else _cpu_seconds(server_pid)
    own0 = time.process_time()
    t0 = time.perf_counter()
    times, errors, workers = asyncio.run(_clients(url, site_bodies(requests), clients))
    wall = time.perf_counter() - t0
    own = time.process_time() - own0
    conns = workers.pop(CONNECTIONS)
    primary = _primary_pid(url)
    order = sorted(workers, key=lambda p: (p != primary, -workers[p]))   # primary, then by answers
    q = statistics.quantiles(times, n=100, method="inclusive")
    out = {"requests": len(times), "errors": errors, "p50_ms": round(statistics.median(times), 1),
           "p99_ms": round(q[98], 1), "max_ms": round(max(times), 1), "req_per_s": round(len(times) / wall, 1),
           "client_cpu_ms_per_req": round(own * 1000 / len(times), 2),
           # share of the answers by each worker process, the primary first (one process: 100), and the
           # 20 keep-alive connections each got (SO_REUSEPORT hashes a connection to one worker: an uneven
           # split of the connections shows as uneven shares whatever the workers do)
           "worker_shares_pct": "/".join(str(round(100 * workers.get(p, 0) / len(times))) for p in order),
           "worker_connections": "/".join(str(conns.get(p, 0)) for p in order)}
    if server_pid is not None:
        # CPU per request is what bounds the 20-client latency (p50 ≈ clients × CPU ÷ cores) and, unlike
        # wall times, hardly depends on what else the machine runs
        out["server_cpu_ms_per_req"] = round((_cpu_seconds(server_pid) - cpu0) * 1000 / len(times), 2)
    return out


def bench_site_check_paired(servers: dict, requests: int, clients: int, bursts: int) -> dict:
    """:func:`bench_site_check` for several servers up at once (``{label: (url, pid)}``, ``--baseline``),
    loaded in turn in ``bursts`` bursts of ``requests`` checks each, the order reversed every round.

    Other jobs on the machine come and go within seconds (the same code measured twice in a row differed
    twofold in CPU per request): bursts a few seconds apart see the same background, so the difference
    between the servers is theirs. Each server's figures are over all its bursts; ``faster_bursts`` says
    in how many paired bursts the first server's p50 was below the second's."""
    import urllib.request

    for url, pid in servers.values():
        urllib.request.urlopen(url + "/api/map-layers", timeout=120).read()
        _wait_idle(pid)
        asyncio.run(_clients(url, site_bodies(clients * 2, seed=1), clients))   # warm-up: caches, thread pool
    got = {label: {"times": [], "p50s": [], "errors": 0, "cpu": 0.0, "own": 0.0, "wall": 0.0} for label in servers}
    labels = list(servers)
    for b in range(bursts):
        for label in (labels if b % 2 == 0 else labels[::-1]):
            url, pid = servers[label]
            bodies = site_bodies(requests, seed=100 + b)
            cpu0, own0, t0 = _cpu_seconds(pid), time.process_time(), time.perf_counter()
            times, errors, _ = asyncio.run(_clients(url, bodies, clients))
            g = got[label]
            g["wall"] += time.perf_counter() - t0
            g["own"] += time.process_time() - own0
            g["cpu"] += _cpu_seconds(pid) - cpu0
            g["times"] += times
            g["p50s"].append(statistics.median(times))
            g["errors"] += errors
    out = {}
    for label, g in got.items():
        n = len(g["times"])
        q = statistics.quantiles(g["times"], n=100, method="inclusive")
        out[label] = {"requests": n, "errors": g["errors"], "p50_ms": round(statistics.median(g["times"]), 1),
                      "p99_ms": round(q[98], 1), "max_ms": round(max(g["times"]), 1),
                      "req_per_s": round(n / g["wall"], 1), "client_cpu_ms_per_req": round(g["own"] * 1000 / n, 2),
                      "server_cpu_ms_per_req": round(g["cpu"] * 1000 / n, 2), "bursts": bursts}
    if len(labels) == 2:
        first, second = (got[label]["p50s"] for label in labels)
        out[labels[0]]["faster_bursts"] = f"{sum(a < b for a, b in zip(first, second))}/{bursts}"
    return out


def bench_first_load(url: str, server_pid: int | None = None) -> dict:
    """Both ways a page meets its Chinese font: this machine's Chromium has none, so the page downloads
    the desk's font (the subset of the pages' characters; the whole 17 MB Noto Sans SC only for a
    character outside it); an office PC with 微软雅黑 never fetches it (desk.css lists installed fonts
    first) — measured by refusing the font files."""
    out = _first_load(url, block_font=False, server_pid=server_pid)
    alone = _first_load(url, block_font=True, server_pid=server_pid)
    out["first_load_system_font_s"] = alone["first_load_s"]
    return out


#: measured loads of the page (after one that warms the browser): the median is reported
LOADS = 5


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid``'s children, recursively (Chromium, Playwright's driver)."""
    import psutil

    total = 0.0
    for child in psutil.Process(pid).children(recursive=True):
        try:
            t = child.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            continue
    return total


def _first_load(url: str, *, block_font: bool, server_pid: int | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    from browser import chromium_path

    external: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        try:
            out = []
            for i in range(1 + LOADS):   # the first load warms the browser process and the server's caches
                ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith((url + "/", "data:", "blob:"))
                          else (external.append(r.request.url), r.abort()))
                if block_font:   # the font files; their small stylesheet is still fetched
                    ctx.route(lambda u: "/static/font/" in u and not u.endswith(".css"), lambda r: r.abort())
                page = ctx.new_page()
                cpu0 = (_tree_cpu(os.getpid()), None if server_pid is None else _cpu_seconds(server_pid))
                page.goto(url + "/site", wait_until="commit")
                page.wait_for_function("window.dcfLayersDrawnMs !== undefined", timeout=120_000)
                cpu1 = (_tree_cpu(os.getpid()), None if server_pid is None else _cpu_seconds(server_pid))
                drawn = page.evaluate("window.dcfLayersDrawnMs")
                layers = page.evaluate("Object.keys(window.dcfMap._layers).length")
                moved = page.evaluate("performance.getEntriesByType('navigation').concat("
                                      "performance.getEntriesByType('resource')).reduce((a, e) => a + e.transferSize, 0)")
                if i:
                    out.append({"drawn": drawn, "layers": layers, "bytes": moved, "browser_cpu": cpu1[0] - cpu0[0],
                                "server_cpu": None if server_pid is None else cpu1[1] - cpu0[1]})
                ctx.close()
        finally:
            browser.close()
    mid = sorted(out, key=lambda o: o["drawn"])[len(out) // 2]
    fig = {"first_load_s": round(mid["drawn"] / 1000, 3), "leaflet_layers": mid["layers"],
           "external_requests": len(external), "first_load_loads_s": [round(o["drawn"] / 1000, 3) for o in out],
           "first_load_kb": round(mid["bytes"] / 1024), "first_load_browser_cpu_s": round(mid["browser_cpu"], 2)}
    if server_pid is not None:
        fig["first_load_server_cpu_s"] = round(mid["server_cpu"], 3)
    return fig


def bench_batch(url: str, rows: int = 1000, seed: int = 5) -> dict:
    import httpx

    rng = random.Random(seed)
    x0, y0, x1, y1 = BOUNDS
    lines = ["项目名称,经度,纬度,行业,用地面积（亩）"]
    for i in range(rows):
        lines.append(f"压测项目{i:04d},{rng.uniform(x0, x1):.5f},{rng.uniform(y0, y1):.5f},"
                     f"{rng.choice(INDUSTRIES)},{rng.choice([20, 50, 100])}")
    data = ("\n".join(lines) + "\n").encode("utf-8")
    with httpx.Client(base_url=url, timeout=600) as c:
        c.post("/api/site-check/batch", files={"file": ("warm.csv", "\n".join(lines[:3]).encode())})
        t0 = time.perf_counter()
        r = c.post("/api/site-check/batch", files={"file": ("projects.csv", data, "text/csv")})
        secs = time.perf_counter() - t0
    ok = r.status_code == 200 and len(r.json()["results"]) == rows
    return {"batch_rows": rows, "batch_1000_s": round(secs, 2), "batch_ok": ok}


def _with_baseline(args, stores: list, scratch: str) -> dict:
    """Each store measured with this checkout's desk and the baseline's side by side
    (:func:`bench_site_check_paired`), then each alone: one client, the page load (this checkout only)
    and the 1,000-row batch. A GeoPackage store is copied for the baseline (two desks in one file would
    share its WAL); a database is shared (each desk writes its register rows under the register's lock)."""
    import shutil

    results = {}
    base_path = os.path.abspath(args.baseline)
    for label, store, record, workers, pin in stores:
        base_store = store
        if not str(store).startswith("postgresql"):
            base_store = os.path.join(scratch, f"baseline-{len(results)}.gpkg")
            shutil.copyfile(store, base_store)
        with Server(store, record, workers, pin=pin) as server, \
                Server(base_store, record, workers, pythonpath=base_path) as base:
            pair = bench_site_check_paired({label: (server.url, server.proc.pid),
                                            f"{label} base": (base.url, base.proc.pid)},
                                           args.requests, args.clients, args.bursts)
            for key, srv in ((label, server), (f"{label} base", base)):
                fig = pair[key]
                one = bench_site_check(srv.url, 60, 1)
                fig.update({"p50_1client_ms": one["p50_ms"], "p99_1client_ms": one["p99_ms"]})
                if not args.no_browser and key == label:
                    fig.update(bench_first_load(srv.url, srv.proc.pid))
                fig.update(bench_batch(srv.url))
                results[key] = fig
    return results


def push_to_pg(url: str) -> str:
    from dcf_spatial.store.catalog import copy_store

    copy_store(None, url, overwrite=True)
    return url


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", default=None,
                    help="GeoPackage store (default: a temporary copy of the shipped one — the desk records every "
                         "check in its store, and the checkout's store must stay as committed)")
    ap.add_argument("--pg", default=None, help="postgresql:// URL: also benchmark the layers pushed there")
    ap.add_argument("--requests", type=int, default=400, help="site checks in the concurrent run")
    ap.add_argument("--clients", type=int, default=CLIENTS)
    ap.add_argument("--no-browser", action="store_true", help="skip the page-load measure")
    ap.add_argument("--workers", default="1", help="dcf serve --workers: one count, or several (1,2) measured in turn")
    ap.add_argument("--baseline", default=None, metavar="CHECKOUT",
                    help="also run the desk of another checkout (its folder, put first on PYTHONPATH) beside this one, "
                         "on its own copy of each store: the 20-client checks of the two alternate in bursts "
                         "(--bursts), so both meet the same load from other jobs; columns '… base'")
    ap.add_argument("--bursts", type=int, default=8, help="with --baseline: bursts of --requests checks per desk")
    ap.add_argument("--pin", choices=("on", "off", "both"), default="on",
                    help="with --workers N > 1: this checkout's workers bound to a CPU each (on, the desk's default), "
                         "left to the kernel (off: dcf serve --no-pin-cpus), or both one after the other")
    ap.add_argument("--page-only", action="store_true",
                    help="only the page-load measure (GeoPackage store, without recording): no site checks, no batch")
    args = ap.parse_args(argv)

    import shutil

    from dcf_spatial.store.locate import resolve_store

    scratch = tempfile.mkdtemp(prefix="bench-serve-")
    store = args.store
    if store is None:
        store = os.path.join(scratch, "store.gpkg")
        shutil.copyfile(resolve_store(None), store)
    # the desk records every check by default (issue 15); the same store without recording beside it
    stores = [("GPKG,record", store, True), ("GPKG,no-rec", store, False)]
    if args.page_only:
        stores = [("GPKG,no-rec", store, False)]
    elif args.pg:
        stores.append(("PostGIS,rec", push_to_pg(args.pg), True))
    counts = [int(w) for w in str(args.workers).split(",")]
    if len(counts) > 1 or counts[0] != 1:
        stores = [(f"{label},w{w}", st, rec, w) for label, st, rec in stores for w in counts]
    else:
        stores = [(label, st, rec, 1) for label, st, rec in stores]
    # with several workers: bound to a CPU each (this checkout's default), not bound, or both in turn
    pins = {"on": [True], "off": [False], "both": [True, False]}[args.pin]
    stores = [(label + ("" if len(pins) == 1 or w == 1 else (",pin" if p else ",nopin")), st, rec, w, p)
              for label, st, rec, w in stores for p in (pins if w > 1 else [True])]
    load_before = os.getloadavg()
    results = {}
    if args.baseline and not args.page_only:
        results = _with_baseline(args, stores, scratch)
        stores = []
    for label, store, record, workers, pin in stores:
        with Server(store, record, workers, pin=pin) as server:
            fig = {}
            if not args.page_only:
                fig = bench_site_check(server.url, args.requests, args.clients, server.proc.pid)
                one = bench_site_check(server.url, 60, 1)   # one client: the latency without queueing
                fig.update({"p50_1client_ms": one["p50_ms"], "p99_1client_ms": one["p99_ms"]})
            if not args.no_browser:
                fig.update(bench_first_load(server.url, server.proc.pid))
            if not args.page_only:
                fig.update(bench_batch(server.url))
        results[label] = fig
    load_after = os.getloadavg()
    shutil.rmtree(scratch, ignore_errors=True)

    rows = [("POST /api/site-check p50 (ms)", "p50_ms", "≤ 30"), ("POST /api/site-check p99 (ms)", "p99_ms", "≤ 150"),
            ("  requests / errors", None, ""), ("  throughput (req/s)", "req_per_s", ""),
            ("  server CPU per request (ms)", "server_cpu_ms_per_req", ""),
            ("  paired bursts with the lower p50", "faster_bursts", ""),
            ("  bench client CPU per request (ms)", "client_cpu_ms_per_req", ""),
            ("  answers by worker process (%)", "worker_shares_pct", ""),
            ("  connections by worker process", "worker_connections", ""),
            ("  one client alone: p50 (ms)", "p50_1client_ms", ""), ("  one client alone: p99 (ms)", "p99_1client_ms", ""),
            ("first page load, all layers drawn (s)", "first_load_s", "≤ 1.0"),
            ("  same, PC with a Chinese font (s)", "first_load_system_font_s", "≤ 1.0"),
            ("  bytes moved by the load (KB)", "first_load_kb", ""),
            ("  server CPU of the load (s)", "first_load_server_cpu_s", ""),
            ("  Chromium + driver CPU of the load (s)", "first_load_browser_cpu_s", ""),
            ("1,000-row batch upload (s)", "batch_1000_s", "≤ 3")]
    width = max([15] + [len(k) for k in results])
    head = f"{'measure':40s} {'goal':>7s}" + "".join(f" {k:>{width}s}" for k in results)
    print(head)
    print("-" * len(head))
    for name, key, goal in rows:
        if key is None:
            cells = [f"{r['requests']}/{r['errors']}" if "requests" in r else "—" for r in results.values()]
        else:
            cells = ["—" if r.get(key) is None else str(r[key]) for r in results.values()]
        print(f"{name:40s} {goal:>7s}" + "".join(f" {c:>{width}s}" for c in cells))
    print(f"\nmachine: {os.cpu_count()} CPUs; load average (1, 5, 15 min) before "
          f"{tuple(round(x, 2) for x in load_before)}, after {tuple(round(x, 2) for x in load_after)}; "
          f"{args.clients} concurrent clients")
    print(json.dumps({"results": results, "cpus": os.cpu_count(), "load_before": load_before,
                      "load_after": load_after, "clients": args.clients, "goals": GOALS}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
