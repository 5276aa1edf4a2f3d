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


class MaskSecrets(logging.Filter):
    """Every log line passes through :func:`~dcf_spatial.store.backends.mask_url` (passwords → ***),
    whichever library wrote it (ours, sqlalchemy, psycopg at ``-vv``)."""

    def filter(self, record):
        from .store.backends.names import mask_url

        text = record.getMessage()
        masked = mask_url(text)
        if masked != text:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = mask_url(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True
