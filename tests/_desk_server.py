"""Run the desk for a test: the real uvicorn server on a free loopback port, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
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
        app.state.jobs.close()
