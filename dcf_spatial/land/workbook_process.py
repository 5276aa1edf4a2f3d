"""The workbook written by a process of its own, beside the audit's other writes.

Why a process: the xlsx writer (``rustpy_xlsxwriter``) holds Python's GIL while it writes, so in a
thread it ran one at a time with the complete list's and the map's threads (at 10⁶ parcels ~3 s
of a ~8 s write phase that two cores could share). In a child process it runs beside them.

The parent builds the sheets as before (:class:`dcf_spatial.land.outputs._Workbook`) and hands
them over on the child's standard input: pickled with their arrays' buffers sent as they are
(pickle protocol 5, no copy of the cells in the parent); the child writes the file exactly as
the in-process path does (:func:`dcf_spatial.land.outputs.write_book`), so the workbook is the same
file either way. The child is started early (:meth:`WorkbookProcess.start`), so that its imports
overlap the parent's work, and costs ~0.1 GB while it waits.

Run as ``python -m dcf_spatial.land.workbook_process`` by :class:`WorkbookProcess` only.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

#: the single engine writes its idle workbook in a child process from this many parcels on. The
#: workbook is about as long from 10⁵ parcels on (its list is capped), the complete list grows with
#: the parcels: at 10⁵ the child's start (~0.5 s of CPU) and the hand-over cost more than the
#: overlap saves (8.1–8.6 s in process vs 9.4 s, 2026-12-07), at 10⁶ the workbook is the longest write
MIN_ROWS = 500_000

_LEN = struct.Struct("<Q")


class WorkbookProcess:
    """A child process waiting for one workbook to write.

    Examples
    --------
    >>> proc = WorkbookProcess.start()                                    # doctest: +SKIP
    >>> proc.submit(path, sheets, options, integer_columns); proc.wait()  # doctest: +SKIP
    """

    def __init__(self, popen: subprocess.Popen, errors):
        self._popen = popen
        self._errors = errors
        self._submitted = False
        self._broken = False

    @classmethod
    def start(cls) -> "WorkbookProcess":
        """Start the child (it imports the writer, then waits for :meth:`submit`)."""
        import dcf_spatial

        # the child imports this very package (a checkout put first on the path included)
        root = str(Path(dcf_spatial.__file__).resolve().parent.parent)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
        errors = tempfile.TemporaryFile()  # a file, not a pipe: a chatty child cannot block on it
        popen = subprocess.Popen([sys.executable, "-m", "dcf_spatial.land.workbook_process"], stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, stderr=errors, env=env)
        return cls(popen, errors)

    def _send(self, message) -> None:
        buffers: list = []
        head = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
        pipe = self._popen.stdin
        try:
            pipe.write(_LEN.pack(len(head)) + head + _LEN.pack(len(buffers)))
            for buf in buffers:
                view = buf.raw()
                pipe.write(_LEN.pack(view.nbytes))
                pipe.write(view)
            pipe.flush()
        except (BrokenPipeError, OSError):
            self._broken = True  # the child has ended: wait() says why

    def send_sheet(self, name: str, frame) -> None:
        """Hand over one sheet now (the child takes it in while this process makes the others)."""
        if not self._broken:
            self._send(("sheet", name, frame))

    def submit(self, path, sheets, options: dict, integer_columns: list) -> None:
        """Hand the child the workbook to write into ``path``: ``sheets`` in their order, as
        ``(name, frame)``, ``frame`` None for one already handed over by :meth:`send_sheet`;
        returns once it is handed over."""
        self._submitted = True
        if not self._broken:
            self._send(("write", str(path), sheets, options, integer_columns))
        try:
            self._popen.stdin.close()
        except OSError:
            pass

    def wait(self) -> None:
        """Wait for the workbook; raise with the child's own message if it failed."""
        code = self._popen.wait()
        self._errors.seek(0)
        text = self._errors.read().decode("utf-8", "replace")
        self._errors.close()
        if code != 0 or not self._submitted:
            raise RuntimeError(f"工作簿写出失败（写出进程退出码 {code}）：{text.strip()[-2000:]}")

    def close(self) -> None:
        """End the child if it is still waiting (the audit failed before its workbook); safe to call twice."""
        if self._popen.poll() is None:
            self._popen.kill()
            self._popen.wait()
        if self._popen.stdin and not self._popen.stdin.closed:
            try:
                self._popen.stdin.close()
            except OSError:
                pass
        if not self._errors.closed:
            self._errors.close()


def _read_exact(stream, n: int) -> bytearray:
    out = bytearray(n)
    view, got = memoryview(out), 0
    while got < n:
        k = stream.readinto(view[got:])
        if not k:
            raise EOFError("the parent ended before handing over the workbook")
        got += k
    return out


def _receive(stream):
    """One message's bytes: its pickle and its buffers (unpickled by the caller)."""
    head = _read_exact(stream, _LEN.unpack(_read_exact(stream, _LEN.size))[0])
    count = _LEN.unpack(_read_exact(stream, _LEN.size))[0]
    return head, [_read_exact(stream, _LEN.unpack(_read_exact(stream, _LEN.size))[0]) for _ in range(count)]


def main() -> None:
    """The child: take in the sheets from standard input, then write the workbook."""
    import queue
    import threading

    from .outputs import write_book  # imported before the sheets arrive: overlaps the parent's work

    # the pipe is read in a thread of its own (reading releases the GIL) while this one unpickles the
    # sheet before: the parent's next sheet is not held up by it
    messages: queue.Queue = queue.Queue()

    def read():
        try:
            while True:  # until the parent closes the pipe (after the last message)
                messages.put(_receive(sys.stdin.buffer))
        except BaseException as exc:  # an end before the workbook (the parent failed) is raised below
            messages.put(exc)

    threading.Thread(target=read, daemon=True).start()
    received = {}
    while True:
        item = messages.get()
        if isinstance(item, BaseException):
            raise item
        message = pickle.loads(item[0], buffers=item[1])
        del item
        if message[0] == "sheet":
            received[message[1]] = message[2]
            continue
        _, path, sheets, options, integer_columns = message
        break
    sheets = [(name, received.pop(name) if frame is None else frame) for name, frame in sheets]
    write_book(Path(path), sheets, options, integer_columns)


if __name__ == "__main__":
    main()
