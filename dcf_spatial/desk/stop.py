"""How a desk process stops: on SIGTERM or Ctrl+C, after its own cleanup (``dcf serve``, one process or several)."""

from __future__ import annotations


def stop_on_signals(server) -> None:
    """SIGTERM and Ctrl+C (SIGINT) stop ``server`` (a ``uvicorn.Server``) and let the desk clean up after it.

    uvicorn handles both while it serves and, once it has shut down, raises the signal again for the
    handler it found installed: Python's default ones then killed the process (SIGTERM) or raised
    KeyboardInterrupt (a traceback) before the desk's cleanup — the jobs' folders stayed in /tmp, the
    store stayed in WAL mode, a worker's register rows being written were not waited for (break 12).
    This handler, installed first, stops the server when a signal comes before it serves and does
    nothing after (the cleanup follows ``server.run()`` / ``serve()`` returning)."""
    import signal

    def stop(signum, frame):
        server.should_exit = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
