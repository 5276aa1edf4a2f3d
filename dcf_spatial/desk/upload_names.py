"""The desk's console log names an upload by the user's file name, never by the server's temporary copy.

An uploaded file lives on the server as ``/tmp/dcf-desk-…/upload.txt`` (:mod:`dcf_spatial.desk.uploads`);
the readers log that path ("Read 2 features from /tmp/dcf-desk-x/upload.txt"). The desk remembers, for
each saved upload, the name the user gave it (:func:`remember`), and a filter on the console's handlers
(:func:`hide_upload_paths`) writes that name instead (as text, no folder); any other path in a desk
temporary folder (a result written there, a job's folder) is shown as ``临时文件 <file name>``. The
messages answered to the user are worded apart (:func:`dcf_spatial.desk.wording.desk_wording`).
(Issue 12, M3.)

Examples
--------
>>> remember("/tmp/dcf-desk-1/upload.txt", "D:/报批/报批坐标.txt")
>>> shown_in_log("Read 2 features from /tmp/dcf-desk-1/upload.txt; wrote /tmp/dcf-desk-1/result.xlsx")
'Read 2 features from 报批坐标.txt; wrote 临时文件 result.xlsx'
>>> forget_under("/tmp/dcf-desk-1")
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import PurePath

from ..console_log import RewriteLines
from ..user_text import printable_name

#: a path in one of the desk's temporary folders (uploads, jobs, imports: all named ``dcf-desk-…``), as the
#: answers find it (one pattern for both)
from .wording import _SERVER_PATH as _DESK_TEMP_PATH

#: the saved uploads this process remembers at most (oldest forgotten first; a request forgets its own)
MAX_REMEMBERED = 1000

_names: OrderedDict[str, str] = OrderedDict()
_lock = threading.Lock()


def display_name(filename: str | None) -> str:
    """The user's file name without its folder (a browser may send ``C:\\fakepath\\地块.txt``), safe to
    print (:func:`dcf_spatial.user_text.printable_name`): every log line and report names an upload through this."""
    return printable_name((filename or "").replace("\\", "/").rsplit("/", 1)[-1]) or "（无文件名）"


def remember(path, filename: str | None) -> None:
    """Log ``path`` (a saved upload, or the file unpacked from it) as the user's ``filename``."""
    with _lock:
        _names[str(path)] = display_name(filename)
        _names.move_to_end(str(path))
        while len(_names) > MAX_REMEMBERED:
            _names.popitem(last=False)


def forget_under(folder) -> None:
    """Forget the uploads saved in ``folder`` (its request ended, the folder is gone)."""
    prefix = str(folder)
    with _lock:
        for key in [k for k in _names if k == prefix or k.startswith(prefix.rstrip("/\\") + "/")]:
            del _names[key]


def shown_in_log(text: str) -> str:
    """``text`` with each remembered upload's path as the user's file name and any other desk temporary
    path as ``临时文件 <name>``."""
    if "dcf-desk-" not in text:
        return text
    with _lock:
        known = sorted(_names.items(), key=lambda kv: -len(kv[0]))
    for path, name in known:
        if path in text:
            text = text.replace(path, name)
    return _DESK_TEMP_PATH.sub(lambda m: f"临时文件 {PurePath(m.group()).name}", text)


class UploadNamesInLog(RewriteLines):
    """Every console line (and its traceback) through :func:`shown_in_log`.

    Examples
    --------
    >>> r = logging.LogRecord("x", logging.INFO, "", 0, "Read %d rows from %s", (2, "/tmp/dcf-desk-9/upload.csv"), None)
    >>> UploadNamesInLog().filter(r), r.getMessage()
    (True, 'Read 2 rows from 临时文件 upload.csv')
    """

    def rewrite(self, text: str) -> str:
        return shown_in_log(text)


#: the loggers whose handlers write the desk's console (the package's lines reach the root's handler)
CONSOLE_LOGGERS = ("", "dcf_spatial", "uvicorn", "uvicorn.error", "uvicorn.access", "dcf_spatial.desk.access")


def hide_upload_paths() -> None:
    """Put :class:`UploadNamesInLog` on every handler of the desk's console (once each); call once logging
    is set up (after ``uvicorn.Config``)."""
    for name in CONSOLE_LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, UploadNamesInLog) for f in handler.filters):
                handler.addFilter(UploadNamesInLog())
