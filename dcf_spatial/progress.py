"""Progress of long work on stderr: a tqdm bar on a terminal, plain periodic lines in a log.

Library functions take ``progress=False`` and pass it here; the CLI turns it on (off with ``-q``).
On a terminal the bar is tqdm's; when stderr is not a terminal (a log file, a CI job) tqdm's ``\\r``
redraws would pile up into one long line, so a plain line is printed instead at most every
``interval`` seconds (and at the end).
"""

from __future__ import annotations

import sys
import time

#: seconds between two plain lines when stderr is not a terminal
PLAIN_INTERVAL = 10.0


class _Nothing:
    """Progress switched off: every call does nothing."""

    def update(self, n: int = 1) -> None:
        pass

    def step(self, label: str = "") -> None:
        pass

    def close(self) -> None:
        pass


class _Plain:
    """One line per ``interval`` seconds (and one at the end): a log-friendly progress.

    Written by hand because tqdm has no line-per-update mode: its redraws always use ``\\r``.
    """

    def __init__(self, total: int | None, desc: str, unit: str, stream, interval: float):
        self.total, self.desc, self.unit, self.stream, self.interval = total, desc, unit, stream, interval
        self.n, self.label, self.t0 = 0, "", time.monotonic()
        self.last = self.t0

    def _line(self) -> None:
        done = f"{self.n:,}" + (f"/{self.total:,}" if self.total else "")
        pct = f"（{100 * self.n / self.total:.0f}%）" if self.total else ""
        label = f" {self.label}" if self.label else ""
        print(f"{self.desc}：{done} {self.unit}{pct}{label}，已用 {time.monotonic() - self.t0:.0f} 秒",
              file=self.stream, flush=True)

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            self._line()

    def step(self, label: str = "") -> None:
        self.label = label
        self._line()
        self.n += 1

    def close(self) -> None:
        self.label = "完成"
        self._line()


class _Tqdm:
    def __init__(self, total, desc, unit, stream):
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=desc, unit=unit, file=stream, dynamic_ncols=True, leave=True)

    def update(self, n: int = 1) -> None:
        self.bar.update(n)

    def step(self, label: str = "") -> None:
        self.bar.set_postfix_str(label, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def progress_bar(total: int | None, desc: str, enabled: bool = False, *, unit: str = "行", stream=None,
                 interval: float = PLAIN_INTERVAL):
    """A progress reporter with ``update(n)``, ``step(label)`` and ``close()``.

    Parameters
    ----------
    total
        How many units in all (None: unknown).
    desc
        What is being done (Chinese, shown before the count).
    enabled
        False gives a reporter that does nothing (the library default).
    unit
        The unit counted (``"行"``, ``"宗"``, ``"步"`` …).
    stream
        Where to write (default ``sys.stderr``): a tqdm bar when it is a terminal, else plain lines.
    interval
        Seconds between plain lines.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> bar = progress_bar(3, "核查", True, stream=buf, interval=0)
    >>> bar.update(3); bar.close()
    >>> buf.getvalue().splitlines()[-1].startswith("核查：3/3 行（100%）")
    True
    """
    if not enabled:
        return _Nothing()
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return _Tqdm(total, desc, unit, stream)
    return _Plain(total, desc, unit, stream, interval)


def steps_bar(n_steps: int, desc: str, enabled: bool = False, *, stream=None):
    """A progress reporter over the named steps of one piece of work: call ``step("读入")`` as each starts.

    When stderr is not a terminal, each step prints one line.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> bar = steps_bar(2, "审计", True, stream=buf)
    >>> bar.step("读入"); bar.step("审计"); bar.close()
    >>> len(buf.getvalue().splitlines())
    3
    """
    return progress_bar(n_steps, desc, enabled, unit="步", stream=stream, interval=0)
