"""``dcf serve --workers N``: the desk in N processes on one port (:func:`serve_workers`).

One Python process runs its Python code on one core at a time, so a busy desk (twenty clients
checking sites) queues on one core of two. With ``--workers N`` the parent process binds the
listening socket once and starts N worker processes (``multiprocessing`` *spawn*, each a uvicorn
server on that same socket: the kernel hands each new connection to one of them).

All state stays in ONE process, worker 0, the *primary*: the job table, the downloads kept for a
while, previewed imports and the store-write lock. The other workers (*secondaries*) answer only what
needs no state — ``POST /api/site-check`` (recording included: with a GeoPackage store a secondary hands its
register rows to the primary over the desk's register socket (:class:`RegisterDoor`), and the primary's one group commit writes the
rows of every process, see :func:`dcf_spatial.register.record.forward_records`; a PostGIS store is
written by each process under the register's advisory lock), site-file reading and report exports,
pages, static assets and the read-only ``GET /api/…`` lookups (:func:`served_anywhere`) — and pass
every other request unchanged to the primary over a private unix socket (:class:`WorkerFront`), body
streamed both ways: the primary's guard (token, same-origin, upload cap) sees it exactly as a direct
request. Check contexts are keyed by the store's content stamp, so a layer imported on the primary is
seen by the next check on any worker.

A secondary that dies is started again (at most :data:`RESTARTS` times a minute, then the desk
stops); if the primary dies, its state is gone and the desk stops with an error — never half-alive. If the
desk's main process dies (``kill -9``), every worker is killed with it (:func:`die_with_parent`), and the next
desk removes the private folder it left (:mod:`dcf_spatial.desk.private_folder`).
"""

from __future__ import annotations

import logging
import os
import re

logger = logging.getLogger("dcf_spatial.desk")

#: restarts of secondaries allowed within a minute before the desk gives up and stops
RESTARTS = 5

_LOCAL_GET = re.compile(
    r"^/(?:|site|batch|audit)$"                        # pages (not /layers: it carries the primary's write token)
    r"|^/static(?:-offline-docs)?/"                   # the desk's, Leaflet's and the docs page's files, the font
    r"|^/api/(?:industry|places|policies|layers|map-layers|docs|openapi\.json)$"
    r"|^/api/layers/[^/]+$")                          # one layer's GeoJSON (its versions go to the primary)
_LOCAL_POST = re.compile(r"^/api/site-check$|^/api/site-check/export/[^/]+$|^/api/site/read$")
#: the HTTP path that once took a secondary's register rows: gone (they go over the register socket,
#: :class:`RegisterDoor`); a client asking for it gets the desk's 404, as for any unknown path
REGISTER_PATH = "/_dcf/register"
#: a header no client may pass to the primary (stripped from every forwarded request)
INTERNAL = b"x-dcf-internal"
#: the address of the client a secondary forwards a request for (``host:port``): the primary's request
#: log names the client, not ``-:0`` (the private socket has no address; QA round 11, F13.4). Set only by
#: a secondary; honoured only on a request that came over the private socket, stripped from any other
CLIENT = b"x-dcf-client"
#: headers of one connection, not of the request (RFC 9110 §7.6.1): not passed on
_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"upgrade", b"proxy-connection", b"trailer"}


def served_anywhere(method: str, path: str) -> bool:
    """Whether any worker answers ``method path`` itself (it needs no state of the primary's).

    Examples
    --------
    >>> served_anywhere("POST", "/api/site-check")
    True
    >>> served_anywhere("GET", "/api/jobs/abc")
    False
    >>> served_anywhere("GET", "/layers")
    False
    """
    if method in ("GET", "HEAD"):
        return bool(_LOCAL_GET.match(path))
    return method == "POST" and bool(_LOCAL_POST.match(path))


class WorkerFront:
    """ASGI middleware in front of the desk in each worker process: names the worker in an
    ``X-DCF-Worker`` header (its pid) and, in a secondary, passes every request that needs the
    primary's state (:func:`served_anywhere`) to the primary over its unix socket, unchanged.

    Examples
    --------
    >>> front = WorkerFront(create_app(store), primary_uds="/tmp/dcf-desk-x/primary.sock")   # doctest: +SKIP
    """

    def __init__(self, app, *, primary_uds: str | None = None):
        self.app, self.uds = app, primary_uds
        self.tag = (b"x-dcf-worker", str(os.getpid()).encode())
        self._client = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if any(k == CLIENT for k, _ in scope["headers"]):
            scope = _with_forwarded_client(scope)
        if self.uds is None or served_anywhere(scope["method"], scope["path"]):
            async def tagged(message):
                if message["type"] == "http.response.start":
                    message["headers"] = [*message.get("headers", []), self.tag]
                await send(message)

            return await self.app(scope, receive, tagged)
        return await self._forward(scope, receive, send)

    async def _forward(self, scope, receive, send):
        import httpx

        if self._client is None:
            # httpx is already a dependency (the desk's tests and the CLI's HTTP reads); one pooled
            # client per process, on the primary's private socket
            self._client = httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(uds=self.uds),
                                             timeout=httpx.Timeout(None, connect=30))
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _HOP and k.lower() not in (INTERNAL, CLIENT)]
        client = scope.get("client")
        if client:
            headers.append((CLIENT, f"{client[0]}:{client[1]}".encode("latin-1")))
        has_body = any(k.lower() in (b"content-length", b"transfer-encoding") for k, _ in scope["headers"])

        async def body():
            while True:
                message = await receive()
                if message["type"] != "http.request":   # the client went away
                    raise ConnectionAbortedError
                if message.get("body"):
                    yield message["body"]
                if not message.get("more_body", False):
                    return

        url = "http://primary" + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        request = self._client.build_request(scope["method"], url, headers=headers,
                                             content=body() if has_body else None)
        try:
            response = await self._client.send(request, stream=True)
        except (httpx.TransportError, ConnectionAbortedError) as exc:
            logger.error("转发到主进程失败：%s %s（%s）", scope["method"], scope["path"], exc)
            return await _json(send, 503, "工作台主进程无响应，请稍后重试；如持续出现，请重启 dcf serve 并查看其日志。")
        try:
            await send({"type": "http.response.start", "status": response.status_code,
                        # the primary's date and server dropped: this process's server adds its own
                        "headers": [(k, v) for k, v in response.headers.raw
                                    if k.lower() not in _HOP and k.lower() not in (b"date", b"server")]})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections to the primary."""
        if self._client is not None:
            await self._client.aclose()


def _with_forwarded_client(scope) -> dict:
    """``scope`` without the :data:`CLIENT` header; on a request over the primary's private socket (no
    client address: only this desk's own processes reach it) its client is the one the header names.

    Examples
    --------
    >>> _with_forwarded_client({"client": None, "headers": [(b"x-dcf-client", b"10.0.0.7:50312")]})["client"]
    ('10.0.0.7', 50312)
    >>> _with_forwarded_client({"client": ("10.0.0.9", 4000), "headers": [(b"x-dcf-client", b"1.2.3.4:1")]})["client"]
    ('10.0.0.9', 4000)
    """
    named = [v for k, v in scope["headers"] if k == CLIENT]
    scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != CLIENT]}
    if scope.get("client") is None and named:
        host, _, port = named[-1].decode("latin-1").rpartition(":")
        if host and port.isdigit():
            scope["client"] = (host, int(port))
    return scope


async def _json(send, status: int, error: str) -> None:
    import json

    body = json.dumps({"error": error}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


#: ``>I``: the length of each frame on the register socket (:func:`_register_sender`, :class:`RegisterDoor`)
_FRAME = __import__("struct").Struct(">I")
#: the largest frame the primary reads (a group of 20 recorded checks is ~100 KB)
_MAX_FRAME = 256 * 1024 * 1024


def _recv_exact(sock, n: int) -> bytes | None:
    """``n`` bytes from ``sock``, or ``None`` if it closed first (mid-frame included).

    A peer that closes with our bytes still unread makes the kernel reset the connection (ECONNRESET)
    instead of an orderly end: that is a close too, not a different failure."""
    buf = bytearray()
    while len(buf) < n:
        try:
            chunk = sock.recv(min(n - len(buf), 1 << 20))
        except ConnectionResetError:
            return None
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _recv_frame(sock) -> bytes | None:
    head = _recv_exact(sock, _FRAME.size)
    if head is None:
        return None
    (n,) = _FRAME.unpack(head)
    if n > _MAX_FRAME:
        raise ConnectionError(f"frame of {n} bytes")
    return _recv_exact(sock, n)


def _send_frame(sock, data: bytes) -> None:
    sock.sendall(_FRAME.pack(len(data)) + data)


def _register_sender(uds: str, secret: str):
    """``send(payload) -> bytes`` handing a secondary's register rows to the primary over the desk's
    register socket (:class:`RegisterDoor`), one kept connection per writer thread.

    Frames of a 4-byte length and the bytes, no HTTP: the first frame of a connection is the desk's
    key, then each group (:func:`dcf_spatial.register.record.encode_jobs`) is answered by one frame —
    ``0`` and the outcomes, or ``1`` and the error. Handed over as an HTTP request, each group waited
    for a turn of the primary's event loop, busy with the clients' requests, and cost an HTTP parse
    and an executor hop on each side (benchmarks/bench_serve.py, issue 12). A kept connection the
    primary closed while idle is replaced before the group is sent; a group once sent is never sent
    again (its rows may be written: no duplicate).
    """
    import select
    import socket
    import threading

    local = threading.local()   # one connection per writer thread
    key = secret.encode()

    def connect():
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(30)
        try:
            sock.connect(uds)
            sock.settimeout(None)   # the primary answers once the rows are committed: no time limit
            _send_frame(sock, key)
        except BaseException:
            sock.close()
            raise
        return sock

    def send(payload: bytes) -> bytes:
        sock = getattr(local, "sock", None)
        if sock is not None and select.select([sock], [], [], 0)[0]:
            # readable while idle: the primary closed it (restarted, stopping) — a new one BEFORE sending
            sock.close()
            sock = None
        if sock is None:
            sock = local.sock = connect()
        try:
            _send_frame(sock, payload)
            answer = _recv_frame(sock)
            if answer is None:
                raise ConnectionError("the primary closed the register connection before answering")
        except BaseException:
            sock.close()
            local.sock = None
            raise
        if answer[:1] != b"0":
            raise ForwardRefused(500, answer[1:])
        return answer[1:]

    return send


class RegisterDoor:
    """The primary's end of the register socket: a thread per secondary connection reads its groups
    and writes them through this process's group commit (:func:`dcf_spatial.register.record.write_forwarded`),
    outside the event loop. A connection whose first frame is not the desk's key is closed unread.

    Examples
    --------
    >>> door = RegisterDoor(listening_socket, secret, app.state.store); door.start()   # doctest: +SKIP
    >>> door.close()                                                                   # doctest: +SKIP
    """

    def __init__(self, sock, secret: str, store):
        import threading

        self.sock, self.key, self.store = sock, secret.encode(), store
        self.cond = threading.Condition()
        self.busy = 0          # groups being written now
        self.closing = False

    def start(self) -> None:
        import threading

        threading.Thread(target=self._accept, name="dcf-register-door", daemon=True).start()

    def _accept(self) -> None:
        import threading

        while not self.closing:
            try:
                con, _ = self.sock.accept()
            except OSError:
                if self.closing:
                    return
                continue
            threading.Thread(target=self._serve, args=(con,), name="dcf-register-in", daemon=True).start()

    def _serve(self, con) -> None:
        import hmac

        from ..register.record import write_forwarded

        try:
            first = _recv_frame(con)
            if first is None or not hmac.compare_digest(first, self.key):
                return
            while True:
                payload = _recv_frame(con)
                if payload is None:
                    return
                with self.cond:
                    if self.closing:   # not written: the secondary's checks say it is unknown (ForwardError)
                        return
                    self.busy += 1
                try:
                    answer = b"0" + write_forwarded(self.store, payload)
                except Exception as exc:   # the secondary's checks answer an error (never an id): logged here
                    logger.exception("写入其他工作进程的核查登记失败")
                    answer = b"1" + f"核查登记写入失败：{exc}".encode()
                finally:
                    with self.cond:
                        self.busy -= 1
                        self.cond.notify_all()
                _send_frame(con, answer)
        except OSError:   # the secondary went away: what it sent whole is written, the rest was never read
            pass
        finally:
            con.close()

    def close(self, timeout: float = 60) -> None:
        """Take no more groups; wait (up to ``timeout`` s) for the ones being written."""
        with self.cond:
            self.closing = True
            self.cond.wait_for(lambda: self.busy == 0, timeout)


class ForwardRefused(RuntimeError):
    """The primary answered a register write with an error status (its body says why)."""

    def __init__(self, status: int, body: bytes):
        super().__init__(f"HTTP {status}: {body[:500].decode('utf-8', 'replace')}")
        self.status = status


def _worker_main(index: int, sockets: list, uds: str, app_kwargs: dict, ready, parent: int,
                 secret: str | None = None, register_sock=None, cpu: int | None = None) -> None:
    """One worker process: the desk app behind :class:`WorkerFront`, served on ``sockets``; bound to
    ``cpu`` (:mod:`dcf_spatial.desk.cpus`) before any thread starts; killed with the desk's main process."""
    die_with_parent(parent)
    if cpu is not None:
        from .cpus import pin

        pin(cpu)
    import asyncio
    import threading
    import time

    import uvicorn

    from .app import console_access_log, create_app

    console_access_log(prefix=f"[{index}] ")
    _console_log(index)
    app = create_app(**app_kwargs, access_log=True)
    front = WorkerFront(app, primary_uds=None if index == 0 else uds)
    if app_kwargs.get("record", True):
        from ..store.backends.gpkg_wal import first_look

        first_look(app_kwargs.get("store"))   # a store copied over before this process's first commit: seen too
    door = None
    if index == 0 and register_sock is not None:
        door = RegisterDoor(register_sock, secret, app.state.store)
        door.start()
    if secret is not None:
        from ..store.backends.gpkg import share_register_commits
        from .upload_reading import use_secret

        use_secret(secret)   # an upload one worker read and signed is checked by another

        # the primary notes its register-only commits; the others keep their layers' stamp across them
        share_register_commits(os.path.join(os.path.dirname(uds), "register-commits"))
    if index != 0 and secret is not None and app.state.record:
        from ..register.record import forward_records

        # one register writer for the whole desk: the primary's group commit (see register.record)
        forward_records(_register_sender(os.path.join(os.path.dirname(uds), "register.sock"), secret))
    # uvicorn's own lines ("Started server process …", in English, once per worker) left out: the desk says in
    # Chinese when it serves (serve_workers' on_ready) and logs each request itself (console_access_log)
    server = uvicorn.Server(uvicorn.Config(front, log_level="warning", access_log=False))
    from .server_log import speak_chinese

    speak_chinese()   # its warnings and errors, in Chinese (the system's own words kept)
    from .upload_names import hide_upload_paths

    hide_upload_paths()   # the console names an upload by the user's file name, not the server's copy

    def watch():
        # tell the parent once serving; stop if the parent is gone (killed without stopping us)
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            ready.set()
        while not server.should_exit:
            if os.getppid() != parent:
                logger.error("工作台父进程已退出，工作进程 %d 停止。", index)
                server.should_exit = True
            time.sleep(1)

    threading.Thread(target=watch, name="dcf-desk-watch", daemon=True).start()

    from .stop import stop_on_signals

    stop_on_signals(server)

    async def run():
        try:
            await server.serve(sockets=sockets)
        finally:
            await front.aclose()
            if door is not None:   # the groups handed over are written before the primary stops
                await asyncio.get_running_loop().run_in_executor(None, door.close)

    try:
        asyncio.run(run())
    finally:
        app.state.jobs.close()
        if app.state.access_log is not None:
            app.state.access_log.close()
    if not server.started:
        raise SystemExit(3)
    from .jobs import leave_now

    leave_now(app.state.jobs)   # a job cut short still running: its thread is not waited for


#: ``prctl`` option: the signal this process gets when the thread that started it ends (linux/prctl.h)
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> bool:
    """Have the kernel kill this process (SIGKILL) the moment the desk's main process ``parent`` dies; ``True`` when set.

    A worker whose main process was killed (``kill -9``) kept answering on the port until its watch noticed,
    a second later, and its server had wound down (breaker F8): answers of a desk no longer whole — a
    check recorded by a primary that is going, a job nobody will keep. With ``PR_SET_PDEATHSIG`` (Linux, the only
    system ``--workers`` runs on) it answers nothing more: SIGKILL is queued before the main process is
    even reaped. It fires when the *thread* that started the worker ends: :func:`serve_workers` starts and
    restarts them from its main thread, which lives as long as the desk. Where ``prctl`` is missing the
    worker's watch (a check of its parent pid each second) still stops it."""
    import ctypes
    import signal

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    if prctl(ctypes.c_int(_PR_SET_PDEATHSIG), ctypes.c_ulong(signal.SIGKILL), ctypes.c_ulong(0), ctypes.c_ulong(0),
             ctypes.c_ulong(0)) != 0:
        return False
    if os.getppid() != parent:   # it died before the signal was set: nothing will send it now
        os.kill(os.getpid(), signal.SIGKILL)
    return True


def _console_log(index: int) -> None:
    """The package's warnings and errors of worker ``index`` on the console, as ``dcf``'s own (提示：…), with
    the worker named: a spawned process has no logging set up, and Python's last resort printed the bare
    message (or nothing, below a warning)."""
    import sys

    from ..console_log import MaskSecrets, ZhLevelFormatter

    log = logging.getLogger("dcf_spatial")
    if log.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ZhLevelFormatter(f"%(level_zh)s：[{index}] %(message)s"))
    handler.setLevel(logging.WARNING)
    handler.addFilter(MaskSecrets())
    log.addHandler(handler)


class DeskStopped(RuntimeError):
    """The desk stopped because a worker process could not be kept running."""


def serve_workers(workers: int, *, host: str, port: int, app_kwargs: dict, url: str,
                  open_browser: bool = False, pin_cpus: bool = True, on_ready=None) -> None:
    """Run the desk in ``workers`` processes on ``host:port`` until interrupted (see the module's text).

    Parameters
    ----------
    workers
        Number of worker processes (≥ 2; one is :func:`dcf_spatial.desk.serve` without this module).
    host, port
        Where to listen (bound once here, in the parent).
    app_kwargs
        Keywords of :func:`dcf_spatial.desk.create_app` for every worker (the same token in each).
    url
        The desk's address, opened in the browser once the primary serves when ``open_browser``.
    on_ready
        Called once, when the primary serves (the CLI prints the desk's address then, not before).
    pin_cpus
        Bind each worker to a CPU of its own, in turn over the CPUs this process may use
        (:mod:`dcf_spatial.desk.cpus`; background jobs still use them all); ``False`` leaves the
        placement to the kernel.

    Raises
    ------
    DeskStopped
        When the primary dies, or a secondary dies more than :data:`RESTARTS` times in a minute.

    Examples
    --------
    >>> serve_workers(2, host="127.0.0.1", port=8765, app_kwargs={"store": None}, url="http://127.0.0.1:8765/")  # doctest: +SKIP
    """
    import multiprocessing as mp
    import secrets
    import shutil
    import signal
    import socket
    import threading
    import time
    from multiprocessing.connection import wait

    if not hasattr(socket, "SO_REUSEPORT") or not hasattr(socket, "AF_UNIX"):
        raise DeskStopped("本系统不支持多个工作进程（--workers 大于 1 需要 Linux）；请不指定 --workers。")
    ctx = mp.get_context("spawn")   # fresh interpreters: no threads or locks copied from this one
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # One listening socket per worker on the same port (SO_REUSEPORT: the kernel spreads new connections
    # evenly over them). One socket shared by all was uneven: a worker woken by a burst of connections
    # accepts them all (asyncio accepts up to the backlog at a time), 90/10 with 20 clients. All are bound
    # here, before any worker starts, and kept open by this process: a connection that reaches the socket
    # of a worker being restarted waits in its queue. IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY
    # only on sockets that say so, and without it each answer waited ~40 ms for a delayed ACK (Nagle).
    socks = []
    try:
        # a port that anything listens on is refused first, by a socket without SO_REUSEPORT: with it, a
        # second desk started on the same port by the same user would share this one's connections
        with socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
        for _ in range(workers):
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            sock.listen(2048)
            socks.append(sock)
    except OSError as exc:
        for sock in socks:
            sock.close()
        raise DeskStopped(f"无法在 {host}:{port} 上监听（{exc.strerror or exc}）：端口可能已被占用，请换一个端口。") from None
    from . import private_folder

    # a desk killed earlier (kill -9) could not remove its folder: removed now if its desk is gone (breaker F8)
    if gone := private_folder.said(private_folder.remove_dead()):
        logger.warning(gone)
    folder = private_folder.make()   # 0700: only this user reaches the primary's socket; records this pid
    uds = os.path.join(folder, "primary.sock")
    private = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    private.bind(uds)
    private.listen(2048)   # bound before any worker starts: a forward waits in the queue until the primary accepts
    # the secondaries' register rows (RegisterDoor): bound here too, so a group sent while the primary
    # starts (or before it accepts) waits in the queue
    register_sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    register_sock.bind(os.path.join(folder, "register.sock"))
    register_sock.listen(64)
    me = os.getpid()
    secret = secrets.token_hex(16)   # the key of the register socket: in these processes' memory only
    from .cpus import worker_cpus
    procs: dict[int, object] = {}
    ready: dict[int, object] = {}
    stopping = threading.Event()

    def start(index: int) -> None:
        # the CPUs this process may use now (a restart after `taskset -p` on the desk follows its new set)
        cpus = worker_cpus(workers) if pin_cpus else None
        ready[index] = ctx.Event()
        sockets = [socks[index], private] if index == 0 else [socks[index]]
        p = ctx.Process(target=_worker_main, name=f"dcf-desk-{index}", daemon=False,
                        args=(index, sockets, uds, app_kwargs, ready[index], me, secret,
                              register_sock if index == 0 else None, None if cpus is None else cpus[index]))
        p.start()
        procs[index] = p
        wal.watch(p.pid)

    def on_signal(signum, frame):
        stopping.set()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    restarts: list[float] = []
    failure = None
    import contextlib

    from ..store.backends.gpkg_wal import desk_wal

    wal_block = contextlib.ExitStack()
    try:
        # register commits in WAL while the desk runs; the anchor outlives every worker (see gpkg_wal)
        wal = wal_block.enter_context(desk_wal(app_kwargs.get("store"), enabled=app_kwargs.get("record", True)))
        for i in range(workers):
            start(i)
        logger.info("规划工作台以 %d 个进程运行（主进程 pid %d）。", workers, procs[0].pid)
        if open_browser or on_ready is not None:
            import webbrowser

            def _serving():
                while not stopping.is_set():
                    if ready[0].wait(0.2):
                        if on_ready is not None:
                            on_ready()
                        if open_browser:
                            webbrowser.open(url.replace("0.0.0.0", "127.0.0.1"))
                        return

            threading.Thread(target=_serving, daemon=True).start()
        while not stopping.is_set():
            wait([p.sentinel for p in procs.values()], timeout=0.5)
            if stopping.is_set():
                break
            for index, p in list(procs.items()):
                if p.is_alive():
                    continue
                p.join()
                if index == 0:
                    failure = (f"工作台主进程（pid {p.pid}）意外退出（退出码 {p.exitcode}）：后台任务、待确认的导入与"
                               "下载随之丢失，工作台已停止。请查看上方日志后重新运行 dcf serve。")
                    break
                now = time.monotonic()
                restarts = [t for t in restarts if now - t < 60] + [now]
                if len(restarts) > RESTARTS:
                    failure = (f"工作进程 {index} 一分钟内退出超过 {RESTARTS} 次（最后一次退出码 {p.exitcode}），"
                               "工作台已停止。请查看上方日志。")
                    break
                logger.warning("工作进程 %d（pid %d）意外退出（退出码 %s），已重新启动。", index, p.pid, p.exitcode)
                start(index)
                logger.warning("工作进程 %d 已重新启动（pid %d）。", index, procs[index].pid)
            if failure:
                logger.error(failure)
                break
    finally:
        for p in procs.values():
            if p.is_alive():
                p.terminate()   # SIGTERM: uvicorn finishes the requests in flight and stops
        deadline = time.monotonic() + 30
        for p in procs.values():
            p.join(max(0.1, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join()
        for s in (*socks, private, register_sock):
            s.close()
        shutil.rmtree(folder, ignore_errors=True)
        wal_block.close()   # every worker has stopped: back to the rollback journal
        for s, h in old.items():
            signal.signal(s, h)
    if failure:
        raise DeskStopped(failure)
