"""The desk's ASGI application: :func:`create_app`.

FastAPI (on Starlette, served by uvicorn) because the issue asks for an HTTP API documented by
OpenAPI that other systems (一张图 platforms) call: FastAPI derives that document from the request
models we validate with anyway, and ``fastapi-offline`` serves its docs page (Swagger UI / ReDoc)
from package data instead of the CDN FastAPI links by default. Both are widely used and maintained.

Every request runs with the server's layer store active (``Store.activate()``, a context variable,
so concurrent requests and background jobs each see it); every error is JSON with a Chinese
``error`` message — bad input is a 4xx, never a traceback.
"""

from __future__ import annotations

import os

import hmac
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from .errors import DeskError, validation_message

logger = logging.getLogger("dcf_spatial.desk")
#: one line per request (``dcf serve`` writes it to the console; see :class:`AccessLog`)
access_logger = logging.getLogger("dcf_spatial.desk.access")

from .paths import STATIC_DIR
#: default upload cap (MB)
UPLOAD_LIMIT_MB = 200
TOKEN_COOKIE = "dcf_token"


class _BodyLimit:
    """ASGI middleware counting the bytes of a request body as they arrive (a body sent in chunks
    has no Content-Length to check up front). Past ``limit`` the body is cut short and whatever the
    app answers to the truncated request is replaced by a 413 with a Chinese message."""

    def __init__(self, app, limit: int, message: str):
        self.app, self.limit, self.message = app, limit, message

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        import json

        seen, over, answered = 0, False, False

        async def counted():
            nonlocal seen, over
            if over:
                return {"type": "http.request", "body": b"", "more_body": False}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    over = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def guarded(message):
            nonlocal answered
            if not over:
                return await send(message)
            if answered:
                return None
            answered = True
            body = json.dumps({"error": self.message}, ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        return await self.app(scope, counted, guarded)


class AccessLog:
    """The request log of a running desk: one line per request, written in batches.

    uvicorn's own access log formats and writes each line as the answer goes out — a log record, its
    formatter and a write to the console for every request, about a third of the server's CPU per
    site check under 20 concurrent clients (py-spy, benchmarks/bench_serve.py). Here a request only
    appends its line to a list; a thread hands the lines gathered to ``dcf_spatial.desk.access`` as one
    record every ``interval`` seconds (and on :meth:`close`), so a line shows at most that late.

    Examples
    --------
    >>> log = AccessLog(interval=0.5)            # doctest: +SKIP
    >>> log.add('127.0.0.1:50000 - "GET /site HTTP/1.1" 200 3 ms')  # doctest: +SKIP
    >>> log.close()                               # doctest: +SKIP
    """

    def __init__(self, interval: float = 0.5):
        import threading

        import collections

        self.interval = interval
        # a deque: appends and pops are atomic, so no line added while a batch goes out is lost (swapping a list
        # lost a line appended to the old list after the swap had read it)
        self._lines: collections.deque[str] = collections.deque()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dcf-desk-access-log", daemon=True)
        self._thread.start()

    def add(self, line: str) -> None:
        """Queue one line (``deque.append`` is atomic: no lock on the request path)."""
        self._lines.append(line)

    def flush(self) -> None:
        """Hand the lines queued so far to the logger, as one record."""
        lines, pop = [], self._lines.popleft
        try:
            while True:
                lines.append(pop())
        except IndexError:
            pass
        if lines:
            access_logger.info("\n".join(lines))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.flush()


class _EachLine(logging.Formatter):
    r"""Every line of a record behind the same ``head``: :class:`AccessLog` writes the requests of half a
    second as one record, and only its first line had ``INFO:     [n]`` (QA round 11, F13.4).

    Examples
    --------
    >>> rec = logging.LogRecord("a", logging.INFO, "", 0, "one\ntwo", None, None)
    >>> _EachLine("INFO:     [1] ").format(rec)
    'INFO:     [1] one\nINFO:     [1] two'
    """

    def __init__(self, head: str):
        super().__init__()
        self.head = head

    def format(self, record):
        return "\n".join(self.head + line for line in record.getMessage().split("\n"))


def console_access_log(prefix: str = "") -> None:
    """The request lines on the console, as uvicorn prints its own (``INFO:     …``), unless the
    logging set-up already sends ``dcf_spatial.desk.access`` somewhere. ``prefix`` names the worker
    process (``[1] ``) when there are several.

    Examples
    --------
    >>> console_access_log(prefix="[1] ")   # doctest: +SKIP
    """
    import sys

    log = logging.getLogger("dcf_spatial.desk.access")
    if log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_EachLine(f"INFO:     {prefix}"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


class _Guard:
    """ASGI middleware every request passes: the cross-site and token checks, the upload cap announced
    by ``Content-Length``, the server's store made active for the request, ``nosniff`` on every answer,
    and a debug line with the time taken.

    A plain ASGI class, not ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware`` runs the
    app in a task group with memory streams for the body and the answer, which cost more CPU than a
    site check itself under 20 concurrent clients (py-spy, benchmarks/bench_serve.py).
    """

    def __init__(self, app, *, store, token: str | None, too_large: str, access_log: "AccessLog | None" = None):
        self.app, self.store, self.token, self.too_large = app, store, token, too_large
        self.access_log = access_log

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from starlette.requests import Request
        from starlette.responses import JSONResponse, RedirectResponse

        t0 = time.perf_counter()
        request = Request(scope)
        status = 0

        async def send_nosniff(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                if not any(k.lower() == b"x-content-type-options" for k, _ in headers):
                    message["headers"] = [*headers, (b"x-content-type-options", b"nosniff")]
            await send(message)

        token = self.token
        refused = _cross_site(request)
        response = None
        if refused:
            response = _refusal(request, refused, 403)
        elif token is not None and not _token_ok(request, token):
            response = _refusal(request, "需要访问令牌。请使用启动 dcf serve 时给出（或打印）的链接打开，"
                                         "或在请求头 Authorization: Bearer <令牌> 中提供。", 401)
        else:
            length = request.headers.get("content-length")
            if length and length.isdigit() and int(length) > scope["app"].state.upload_limit + (64 << 10):
                response = JSONResponse({"error": self.too_large}, status_code=413)
            elif token is not None and request.method == "GET" and request.query_params.get("token") == token \
                    and not request.url.path.startswith("/api/"):
                # the link printed at start-up: keep the token in a cookie and drop it from the address bar
                response = RedirectResponse(request.url.path, status_code=303)
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        if response is not None:
            await response(scope, receive, send_nosniff)
        else:
            with self.store.activate():
                if scope["path"] == "/api/site-check" and scope["method"] == "POST":
                    await _site_check_hot(scope["app"], self.app, scope, receive, send_nosniff)
                else:
                    await self.app(scope, receive, send_nosniff)
        if self.access_log is not None:
            client = scope.get("client") or ("-", 0)
            self.access_log.add(f'{client[0]}:{client[1]} - "{scope["method"]} {scope["path"]} '
                                f'HTTP/{scope.get("http_version", "1.1")}" {status} '
                                f'{(time.perf_counter() - t0) * 1000:.0f} ms')
        elif logger.isEnabledFor(logging.INFO):
            logger.info("%s %s %s %.0f ms", request.method, scope["path"], status, (time.perf_counter() - t0) * 1000)


def create_app(store=None, *, token: str | None = None, upload_limit_mb: float = UPLOAD_LIMIT_MB,
               job_workers: int = 2, record: bool = True, access_log: bool = False, watch_catalog: bool = False):
    """The desk as an ASGI app (pages, static assets, HTTP API).

    Parameters
    ----------
    store
        The layer store every request uses: a :class:`dcf_spatial.Store`, a GeoPackage path or a
        ``postgresql://`` URL; ``None`` is the default store.
    token
        When given, every request must carry it (``Authorization: Bearer …``, the ``X-DCF-Token``
        header, or the cookie the page gets by opening ``/?token=…`` once).
    upload_limit_mb
        Largest upload accepted (also the cap on a zip's unpacked size).
    job_workers
        Threads running background jobs (audits).
    record
        Record every site check in the store's register (the answer carries ``register_id``);
        ``False`` checks without recording (``dcf serve --no-record``).
    access_log
        Log one line per request (client, method, path, status, time taken) to the
        ``dcf_spatial.desk.access`` logger, in batches every half second (:class:`AccessLog`);
        ``dcf serve`` turns it on in place of uvicorn's access log.
    watch_catalog
        Keep a PostGIS store's layer catalog between its changes, told by the database (one query less
        per check: :mod:`dcf_spatial.store.backends.catalog_watch`), from the app's start to its shutdown;
        ``dcf serve`` turns it on.

    Returns
    -------
    fastapi.FastAPI
        The app; ``app.state.jobs`` is its job table (close it with ``app.state.jobs.close()``).

    Examples
    --------
    >>> import uvicorn
    >>> from dcf_spatial.desk import create_app
    >>> uvicorn.run(create_app("layers/dcf_layers.gpkg"), host="127.0.0.1", port=8765)  # doctest: +SKIP
    """
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from fastapi.staticfiles import StaticFiles
    from fastapi_offline import FastAPIOffline
    from starlette.exceptions import HTTPException as StarletteHTTPException

    import dcf_spatial as dcf

    import xstatic.pkg.leaflet as xleaflet
    from .jobs import Jobs

    _KeptStatic = _kept_static()
    from .routes import api, layers as layer_routes, pages

    if not isinstance(store, dcf.Store):
        store = dcf.Store(None if store is None else str(store))
    app = FastAPIOffline(
        title="东昌府区产业规划 规划工作台 API",
        version=dcf.__version__,
        description="选址核查、批量核查、图层与闲置土地审计的 HTTP 接口。返回与 `dcf … --json` 相同的 JSON；"
                    "错误为 `{\"error\": \"中文说明\"}`。",
        docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json",
    )
    if watch_catalog:
        from ..store.backends import catalog_watch

        # while the app serves, not from its making: a program (or a test) that builds an app without
        # running it leaves its process's catalog reads as they were
        app.router.on_startup.append(catalog_watch.enable)
        app.router.on_shutdown.append(lambda: catalog_watch.enable(False))
    app.state.store = store
    app.state.token = token
    app.state.upload_limit = int(upload_limit_mb * (1 << 20))
    app.state.jobs = Jobs(job_workers)
    app.state.downloads = {}
    app.state.record = bool(record)
    layer_routes.setup(app, token=token)
    #: encoded GeoJSON of the plan layers, keyed by the layer's catalog row: every page load draws
    #: every layer, and encoding them again each time was most of a first load's server time
    app.state.layer_json = {}
    #: the 选址核查 map's layers in one answer (``GET /api/map-layers``), held for one state of the store
    app.state.map_layers = {}
    #: the pages' font subset (``/static/font/desk-font.css``), for the same state of the store
    app.state.page_font = {}
    app.router.on_startup.append(lambda: _warm_up(app))
    app.router.on_startup.append(_limit_threads)
    #: the threads that run ``POST /api/site-check`` (its hot path, :func:`_site_check_hot`)
    app.state.check_pool = ThreadPoolExecutor(max_workers=_thread_count(), thread_name_prefix="dcf-check")
    app.router.on_shutdown.append(lambda: app.state.check_pool.shutdown(wait=False))

    too_large = f"请求超过大小上限 {upload_limit_mb:g} MB。请压缩或拆分后再上传，或请管理员调高上限。"

    @app.exception_handler(DeskError)
    async def desk_error(request, exc: DeskError):
        return desk_error_response(exc)

    @app.exception_handler(dcf.DcfError)
    async def dcf_error(request, exc):
        return dcf_error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request, exc: RequestValidationError):
        return JSONResponse({"error": validation_message(exc.errors())}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, exc):
        msg = {404: f"没有这个地址：{request.url.path}", 405: f"{request.url.path} 不支持 {request.method} 请求。"}
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI's words for a body it could not decode (not UTF-8, JSON nested too deep …)
            msg[400] = "请求有误：请求体无法解析（应为 UTF-8 编码、嵌套不过深的 JSON 或表单）。"
        return JSONResponse({"error": msg.get(exc.status_code, str(exc.detail))}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request, exc):
        return unexpected_response(request, exc)

    app.state.access_log = AccessLog() if access_log else None
    if app.state.access_log is not None:
        app.router.on_shutdown.append(app.state.access_log.close)
    app.add_middleware(_Guard, store=store, token=token, too_large=too_large, access_log=app.state.access_log)
    # room for the multipart headers around the file (added last: it runs first, around the guard)
    app.add_middleware(_BodyLimit, limit=app.state.upload_limit + (64 << 10), message=too_large)
    app.include_router(layer_routes.router)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static/leaflet", _KeptStatic(directory=xleaflet.BASE_DIR), name="leaflet")
    app.mount("/static/desk", StaticFiles(directory=STATIC_DIR), name="desk")

    return app


def desk_error_response(exc: DeskError):
    """The answer to a :class:`DeskError`: ``{"error": …}`` with its status."""
    from starlette.responses import JSONResponse

    return JSONResponse({"error": exc.message, **exc.extra}, status_code=exc.status)


def dcf_error_response(request, exc):
    """The answer to a library error: 404 for a missing layer, 409 for a layer changed by someone else
    while the request used it (:class:`~dcf_spatial.errors.StoreChangedError`: check again, as the single
    check answers it), else 400; the message worded for the page."""
    import dcf_spatial as dcf
    from starlette.responses import JSONResponse

    from .wording import desk_wording, form_of

    from ..errors import StoreChangedError, StoreReplacedError
    from ..register.record import ForwardError

    # the primary process died while a secondary's check waited for its register write: the server's
    # fault, not the request's (503, as a forward that fails at once); whether it was recorded is unknown
    # the store's main file replaced under the running desk (breaker F9/N4): it records no more until restarted
    status = (404 if isinstance(exc, dcf.LayerNotFoundError) else 503 if isinstance(exc, (ForwardError, StoreReplacedError))
              else 409 if isinstance(exc, StoreChangedError) else 400)
    # the library's fixes pointed at this page's form; no server path (nor the store's file or
    # database address: a client has no business with them), no command-line option
    return JSONResponse({"error": desk_wording(str(exc), form=form_of(request.url.path), names=_store_names(request.app))},
                        status_code=status)


def unexpected_response(request, exc):
    """A bug: logged with its traceback, answered without it."""
    from starlette.responses import JSONResponse

    logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"error": f"服务器内部错误（{type(exc).__name__}）。请把操作步骤告知维护人员；"
                                  "详情见服务器日志。"}, status_code=500)


def _is_json(scope) -> bool:
    """The request says its body is ``application/json`` (parameters such as ``charset`` allowed)."""
    for key, value in scope["headers"]:
        if key == b"content-type":
            return value.split(b";", 1)[0].strip().lower() == b"application/json"
    return False


async def _site_check_hot(app, inner, scope, receive, send) -> None:
    """``POST /api/site-check`` without FastAPI's request machinery, for a well-formed JSON body.

    The route (``routes/api.py``) stays as it is — its OpenAPI entry, and the answer to anything but a
    valid JSON object of the right fields: such a request is passed on to it with the body it sent, so
    every error (the Chinese validation messages included) is FastAPI's own. A valid one is parsed by
    orjson, validated by the same pydantic model and answered by the same function in a pool of
    ``DCF_DESK_THREADS`` threads (with the request's context: its active store); only the ten layers of routing, dependency
    solving and exception middleware around it are skipped, which cost more CPU than the check itself
    under 20 concurrent clients (py-spy, benchmarks/bench_serve.py).
    """
    import asyncio
    import contextvars
    import functools

    import orjson
    from starlette.requests import Request

    import dcf_spatial as dcf

    from .routes import api

    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":   # the client went away
            return
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    data = b"".join(chunks)
    body = None
    if _is_json(scope):
        try:
            parsed = orjson.loads(data)
            if isinstance(parsed, dict):
                body = api.SiteCheckBody.model_validate(parsed)
        except Exception:   # not JSON orjson reads, or invalid: FastAPI's route answers it, in its words
            body = None
    if body is None:
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": data, "more_body": False}

        return await inner(scope, replay, send)
    try:
        # a plain executor, not anyio.to_thread: its per-call bookkeeping (backend sniffing, run-vars,
        # capacity limiter, cancel scope) cost a third of the check's own CPU (py-spy); the context is
        # copied by hand, as anyio does, so the check sees the store the guard activated
        ctx = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        if app.state.record:
            # the check thread only queues the register rows (written by the process's register writer
            # thread) and goes on checking; the event loop waits for the commit, without a thread, so a
            # group commit takes the rows of every check in flight (register.record.deferred_records)
            answer, pending = await loop.run_in_executor(
                app.state.check_pool, functools.partial(ctx.run, api.site_check_queued, body, True))
            await pending.done(loop)
            response = ctx.run(api.site_check_finish, answer, pending)
        else:
            response = await loop.run_in_executor(
                app.state.check_pool, functools.partial(ctx.run, api.site_check_response, body, False))
    except DeskError as exc:
        response = desk_error_response(exc)
    except dcf.DcfError as exc:
        response = dcf_error_response(Request(scope), exc)
    except Exception as exc:
        response = unexpected_response(Request(scope), exc)
    await response(scope, receive, send)


def _kept_static():
    from fastapi.staticfiles import StaticFiles

    class KeptStatic(StaticFiles):
        """Leaflet's files, which change only with the installed ``xstatic-leaflet`` package: a browser
        keeps them a day instead of asking again on every page (the desk's own files are revalidated by
        their ``ETag``, so a new version shows at once)."""

        def file_response(self, *args, **kwargs):
            response = super().file_response(*args, **kwargs)
            if response.status_code == 200:
                response.headers["Cache-Control"] = "max-age=86400"
            return response

    return KeptStatic


def _limit_threads() -> None:
    """Run the synchronous endpoints in a few threads, not anyio's default 40.

    A site check is ~0.5 ms of Python with shapely/pyproj calls that release and retake the GIL; with
    40 threads queued on 2 cores each handover wakes a crowd (measured: ~1 ms of extra CPU per request,
    a third of it in the kernel). Requests beyond the limit wait in the event loop instead. Long work
    (audits) runs in the desk's own job threads, not here. ``DCF_DESK_THREADS`` overrides (default 4).
    """
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = _thread_count()


def _thread_count() -> int:
    return max(1, int(os.environ.get("DCF_DESK_THREADS", "4")))


def _warm_up(app) -> None:
    """Make the 选址核查 page's layers (``/api/map-layers``, about a second on a loaded machine) and its
    font subset in a background thread as the server starts, so the first page load finds them ready; then the
    documents' font subset (:func:`dcf_spatial.maps.fonts.prepare_document_fonts`: ~9 s of CPU once per font
    cache), so the first PDF download does not wait ~20 s for it (issue 12)."""
    import threading

    def run():
        from .routes.api import map_layers_entry
        from .routes.pages import page_font_entry

        try:
            with app.state.store.activate():
                map_layers_entry(app)
                page_font_entry(app)
        except Exception:  # the first request makes them again and answers whatever fails
            logger.debug("warm-up of the map layers failed", exc_info=True)
        try:
            from ..maps.fonts import prepare_document_fonts

            prepare_document_fonts()
        except Exception:  # the first PDF derives it again and says what fails (a read-only cache …)
            logger.debug("warm-up of the documents' font failed", exc_info=True)

    threading.Thread(target=run, name="dcf-desk-warm-up", daemon=True).start()


def _store_names(app) -> dict:
    """The store's location as library messages write it (``图层库 /srv/…/dcf_layers.gpkg``) → ``图层库``."""
    from .wording import store_names

    return store_names(app.state.store)



def _refusal(request, message: str, status: int):
    """A refused request's answer: the JSON ``{"error": …}`` for programs and the pages' scripts, a page in
    Chinese for a browser opening an address (:mod:`dcf_spatial.desk.token_page`)."""
    from starlette.responses import JSONResponse

    from .token_page import token_page, wants_html

    if wants_html(request):
        return token_page(request, message, status)
    return JSONResponse({"error": message}, status_code=status)


def _cross_site(request) -> str | None:
    """Why a request must be refused as coming from another web site, or ``None``.

    Every check the desk makes is recorded in the register, so any POST writes: another site open in
    the same browser must not be able to send one (a form or ``fetch`` to 127.0.0.1 carries an
    ``Origin`` naming that site), nor read the answers by pointing its own name at 127.0.0.1 (DNS
    rebinding: the ``Host`` is then that name). Programs without a browser send no ``Origin`` and are
    served as before.
    """
    from urllib.parse import urlsplit

    from .routes.layers import host_allowed

    host = (request.headers.get("host") or "").lower()
    if not host_allowed(request):
        return ("拒绝：请求的主机名不是本机地址。未设令牌的工作台只回答发往 127.0.0.1 / localhost 的请求"
                "（防止其他网站借 DNS 重绑定读写本机数据）；内网使用请以 --host 和 --token 启动。")
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        origin = request.headers.get("origin")
        if origin is not None and (origin == "null" or urlsplit(origin).netloc.lower() != host):
            return ("拒绝跨站请求：工作台只接受本工作台页面或不经浏览器的程序发出的提交（请求头 Origin 须与服务器地址相同）。")
    return None


def _token_ok(request, token: str) -> bool:
    auth = request.headers.get("authorization", "")
    given = [auth[7:] if auth.lower().startswith("bearer ") else None, request.headers.get("x-dcf-token"),
             request.cookies.get(TOKEN_COOKIE), request.query_params.get("token")]
    return any(g is not None and hmac.compare_digest(g.encode(), token.encode()) for g in given)
