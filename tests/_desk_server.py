"""Run the desk for a test: the real uvicorn server on a free loopback port, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager


def free_port() -> int:
    """A loopback port free now, for a ``dcf serve`` child process to bind: it may be taken (e.g. as another
    process's outgoing connection's port) before the child binds it. In-process, :func:`listening_socket`."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_socket() -> socket.socket:
    """A loopback socket bound to a port the kernel chose, for uvicorn to serve on (``Server.run(sockets=...)``):
    no port is picked and bound again later, so none can be taken in between (``free_port``'s race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def running_desk(store, **kwargs):
    """Yield the base URL of a desk serving ``store``; stop it (and its jobs) afterwards.

    A desk on the checkout's own store (``store=None``) does not record checks unless asked: the
    tests must not write into the tracked ``layers/dcf_layers.gpkg``."""
    import uvicorn

    from dcf_spatial.desk import create_app

    if store is None:
        kwargs.setdefault("record", False)
    app = create_app(store, **kwargs)
    sock = listening_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:  # start-up, not a timed assertion: give up only if it never starts
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the desk did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        app.state.jobs.close()
