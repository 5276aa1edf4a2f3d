"""The one error type of the desk's HTTP layer: a status code and a Chinese message."""

from __future__ import annotations


class DeskError(Exception):
    """An error answered as ``{"error": message, ...}`` with ``status``.

    Examples
    --------
    >>> raise DeskError(404, "没有这个任务。")   # doctest: +SKIP
    """

    def __init__(self, status: int, message: str, **extra):
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra
