"""Start the desk: :func:`serve` (what ``dcf serve`` calls)."""

from __future__ import annotations

import logging
import secrets
import threading
import webbrowser

logger = logging.getLogger("dcf_spatial.desk")

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def resolve_token(host: str, token: str | None) -> tuple[str | None, bool]:
    """The token the server demands: the one given; on a non-loopback host without one, a new one.

    Returns
    -------
    (token, generated)
        ``generated`` is True when the token was made here (the caller prints it once).

    Examples
    --------
    >>> resolve_token("127.0.0.1", None)
    (None, False)
    >>> resolve_token("0.0.0.0", None)[1]
    True
    """
    if token is not None and not token.strip():
        from ..errors import InputError

        raise InputError("访问令牌不能为空。请给出至少 16 个字符的令牌，或不指定令牌（非本机地址时将自动生成）。")
    if token is None and host not in LOOPBACK:
        return secrets.token_urlsafe(24), True
    return token, False


def serve(*, host: str = "127.0.0.1", port: int = 8765, store=None, token: str | None = None,
          open_browser: bool = True, upload_limit_mb: float = 200, on_start=None, record: bool = True,
          workers: int = 1, pin_cpus: bool = True, on_stop=None) -> None:
    """Run the desk until interrupted (Ctrl+C).

    Parameters
    ----------
    host, port
        Where to listen; a host other than loopback needs a token (one is generated when not given).
    store
        Layer store (GeoPackage path or ``postgresql://`` URL); ``None`` is the default store.
    token
        Access token; see :func:`dcf_spatial.desk.create_app`.
    open_browser
        Open the desk in the default browser once the server is up.
    upload_limit_mb
        Largest upload accepted.
    on_start
        Called with ``(url, token, generated)`` before the server starts (the CLI prints the link); with
        several workers once the primary serves.
    on_stop
        Called once the desk has stopped and cleaned up (the CLI says so), not when it failed.
    record
        Record every site check in the store's register (default); ``False`` does not.
    workers
        Worker processes sharing the port (default 1). With 2 or more, worker 0 keeps all state (jobs,
        downloads, pending imports) and the others answer site checks, pages and lookups themselves and
        pass everything else to it (:mod:`dcf_spatial.desk.workers`); Linux only (``SO_REUSEPORT``, a unix socket).
    pin_cpus
        With several workers, bind each to a CPU of its own (default; :mod:`dcf_spatial.desk.cpus`);
        ``False`` leaves their placement to the kernel.

    Examples
    --------
    >>> from dcf_spatial.desk import serve
    >>> serve(port=8765, store="layers/dcf_layers.gpkg", open_browser=False)   # doctest: +SKIP
    """
    import uvicorn

    from .app import create_app

    token, generated = resolve_token(host, token)
    if record:   # refused now, not a 500 at every check: the register is written into the store (issue 12, b)
        from ..store.backends.gpkg_writable import refuse_unwritable

        refuse_unwritable(store, who="工作台把每次选址核查", rerun="dcf serve --store {store}",
                          without="加 --no-record")
    if workers < 1:
        from ..errors import InputError

        raise InputError(f"工作进程数须为正整数，收到 {workers}。")
    if workers > 1:
        from .workers import serve_workers

        url = _url(host, port, token)
        if store is None:
            # the store the command line made active (``dcf --store URL serve``): a worker process starts
            # afresh and would otherwise open the default store — and record into it
            from .. import settings

            store = settings.active_store.get()
        store = str(store.location) if hasattr(store, "location") else store
        serve_workers(workers, host=host, port=port, url=url, open_browser=open_browser, pin_cpus=pin_cpus,
                      on_ready=None if on_start is None else (lambda: on_start(url, token, generated)),
                      app_kwargs={"store": store, "token": token, "upload_limit_mb": upload_limit_mb,
                                  "record": record, "watch_catalog": True})
        if on_stop is not None:
            on_stop()
        return
    _port_free(host, port)   # before anything says the desk started
    from . import private_folder

    # the private folder of a desk run with --workers and killed earlier (kill -9): removed if its desk is gone
    if gone := private_folder.said(private_folder.remove_dead()):
        logger.warning(gone)
    app = create_app(store, token=token, upload_limit_mb=upload_limit_mb, record=record, access_log=True,
                     watch_catalog=True)
    from .app import console_access_log

    console_access_log()
    url = _url(host, port, token)
    if on_start is not None:
        on_start(url, token, generated)
    # requests are logged by the desk's batched access log (dcf_spatial.desk.app.AccessLog), not uvicorn's
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=False)
    from .server_log import speak_chinese

    speak_chinese()   # uvicorn's start-up and shutdown lines in Chinese, like the desk's own (server_log.py)
    from .upload_names import hide_upload_paths

    hide_upload_paths()   # the console names an upload by the user's file name, not the server's copy
    server = uvicorn.Server(config)
    if open_browser:
        def _open():
            import time

            while not server.started and not server.should_exit:
                time.sleep(0.1)
            if server.started:
                webbrowser.open(url.replace("0.0.0.0", "127.0.0.1"))

        threading.Thread(target=_open, daemon=True).start()
    from ..store.backends.gpkg_wal import desk_wal

    from .stop import stop_on_signals

    stop_on_signals(server)
    try:
        with desk_wal(store, enabled=record):   # register commits in WAL while the desk runs (see gpkg_wal)
            server.run()
    finally:
        app.state.jobs.close()
        if app.state.access_log is not None:
            app.state.access_log.close()
    if on_stop is not None:
        on_stop()
    from .jobs import leave_now

    leave_now(app.state.jobs)   # a job cut short still running: its thread is not waited for


def _port_free(host: str, port: int) -> None:
    """Refuse (:class:`~dcf_spatial.desk.workers.DeskStopped`, in Chinese) a port something already listens on,
    before the start-up lines say the desk started; uvicorn binds it again a moment later (a port taken in
    between is still said in Chinese, :mod:`dcf_spatial.desk.server_log`)."""
    import socket

    from .server_log import listen_error_zh
    from .workers import DeskStopped

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as uvicorn binds it
            probe.bind((host, port))
    except OSError as exc:
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        raise DeskStopped(listen_error_zh(exc, where)) from None


def _url(host: str, port: int, token: str | None) -> str:
    shown_host = f"[{host}]" if ":" in host else host
    return f"http://{shown_host}:{port}/" + (f"?token={token}" if token else "")
