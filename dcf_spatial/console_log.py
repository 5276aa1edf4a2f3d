"""How the package's log lines read on a console: levels in Chinese, passwords masked. Shared by the
command line and the desk's worker processes (which must not import the CLI)."""

from __future__ import annotations

import logging


class ZhLevelFormatter(logging.Formatter):
    """Log lines on the command line start with 提示/警告/错误 rather than WARNING/ERROR."""

    LEVELS = {"DEBUG": "调试", "INFO": "信息", "WARNING": "提示", "ERROR": "错误", "CRITICAL": "错误"}

    def format(self, record):
        record.level_zh = self.LEVELS.get(record.levelname, record.levelname)
        return super().format(record)


class RewriteLines(logging.Filter):
    """Every log line, and its traceback, through :meth:`rewrite` (a subclass says how)."""

    def rewrite(self, text: str) -> str:  # pragma: no cover - every subclass has its own
        return text

    def filter(self, record):
        text = record.getMessage()
        shown = self.rewrite(text)
        if shown != text:
            record.msg, record.args = shown, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.rewrite(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class MaskSecrets(RewriteLines):
    """Every log line passes through :func:`~dcf_spatial.store.backends.mask_url` (passwords → ***),
    whichever library wrote it (ours, sqlalchemy, psycopg at ``-vv``)."""

    def rewrite(self, text: str) -> str:
        from .store.backends.names import mask_url

        return mask_url(text)
