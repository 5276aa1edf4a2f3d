"""The private folder of a desk run with several workers (``<tmp>/dcf-desk-XXXXXXXX``): who owns it, and
which of these folders a desk killed before it could clean up left behind.

``dcf serve --workers N`` keeps its unix sockets (``primary.sock``, ``register.sock``) and the register-commit
note in a folder only this user may enter (0700, :func:`make`). A desk stopped normally removes it; one killed
(``kill -9``, the PC switched off) cannot. The folder records its desk's pid and that process's start time
(``owner``), so that a desk starting later can tell a dead desk's folder from a live one's even when the pid
has since been given to another process (:func:`remove_dead`).

Examples
--------
>>> remove_dead("/nonexistent")
[]
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import socket
import stat
import tempfile
from pathlib import Path

logger = logging.getLogger("dcf_spatial.desk")

PREFIX = "dcf-desk-"
#: ``tempfile.mkdtemp``'s names: the prefix and 8 characters of its alphabet (not ``dcf-desk-jobs-…``, ``dcf-desk-import-…``)
_NAME = re.compile(re.escape(PREFIX) + r"[a-z0-9_]{8}")
#: the file in the folder naming its desk: ``<pid> <start time of that process>``
OWNER = "owner"
#: the primary's socket: a folder of an older desk (without ``owner``) is dead when nothing listens on it
PRIMARY = "primary.sock"


def _start_time(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks after boot, ``/proc/<pid>/stat`` field 22); ``None`` when
    there is no such process or no ``/proc``."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            text = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def make() -> str:
    """A new private folder (0700) recording this process as its owner; its path."""
    folder = tempfile.mkdtemp(prefix=PREFIX)   # 0700: only this user reaches the primary's socket
    pid = os.getpid()
    with open(os.path.join(folder, OWNER), "w", encoding="ascii") as fh:
        fh.write(f"{pid} {_start_time(pid) or ''}".strip())
    return folder


def process_alive(pid: int) -> bool:
    """Is there a process ``pid``? (signal 0 checks without sending anything; another user's counts: EPERM.)
    Also the desk's job folders' test (:func:`dcf_spatial.desk.jobs`)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _owner_gone(folder: Path) -> bool:
    """Whether the desk that made ``folder`` is gone. Unsure is "not gone": a live desk's folder is never removed."""
    try:
        st = os.lstat(folder / OWNER)
        if not stat.S_ISREG(st.st_mode) or st.st_size > 100:
            return False
        text = (folder / OWNER).read_text(encoding="ascii").split()
    except FileNotFoundError:
        text = []
    except (OSError, UnicodeDecodeError):
        return False
    if text:
        if not text[0].isdigit():
            return False
        pid = int(text[0])
        if pid == os.getpid():
            return False
        if not process_alive(pid):
            return True
        # the pid is in use: by the desk, or (after a reboot or a long time) by another process
        now = _start_time(pid)
        return len(text) > 1 and now is not None and now != text[1]
    # an older desk's folder (no owner recorded), or one being made this instant: dead only when its primary
    # socket is there and nothing listens on it (a live desk keeps it open from start to stop)
    sock_path = folder / PRIMARY
    try:
        if not stat.S_ISSOCK(os.lstat(sock_path).st_mode):
            return False
    except OSError:
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(2)
    try:
        probe.connect(str(sock_path))
    except ConnectionRefusedError:
        return True
    except OSError as exc:
        return exc.errno == errno.ECONNREFUSED
    finally:
        probe.close()
    return False


def remove_dead(tmp: str | None = None) -> list[Path]:
    """Remove the private folders of desks no longer running; the folders removed.

    Only a folder named as :func:`make` names them, that is this user's, a directory itself (a symlink is
    never followed) with mode 0700 — the mode :func:`make` gives — and whose desk is gone: the process
    recorded in ``owner`` no longer runs (or the pid now belongs to a process started later), or, for an
    older desk's folder without ``owner``, nothing listens on its ``primary.sock``.

    Examples
    --------
    >>> remove_dead("/nonexistent")
    []
    """
    root = Path(tmp or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return removed
    for folder in entries:
        if not _NAME.fullmatch(folder.name):
            continue
        try:
            st = os.lstat(folder)
        except OSError:
            continue
        if (not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or stat.S_IMODE(st.st_mode) != 0o700
                or not _owner_gone(folder)):
            continue
        try:
            shutil.rmtree(folder)
        except OSError as exc:
            logger.warning("未能删除已停止的工作台留下的临时文件夹 %s（%s）。", folder, exc.strerror or exc)
            continue
        removed.append(folder)
    return removed


def said(removed: list[Path]) -> str:
    """The one Chinese line that says which folders :func:`remove_dead` removed (empty when none).

    Examples
    --------
    >>> said([Path("/tmp/dcf-desk-abcd1234")])
    '已删除此前被强制结束的工作台留下的 1 个临时文件夹：/tmp/dcf-desk-abcd1234'
    """
    if not removed:
        return ""
    shown = "、".join(str(p) for p in removed[:5]) + (" 等" if len(removed) > 5 else "")
    return f"已删除此前被强制结束的工作台留下的 {len(removed)} 个临时文件夹：{shown}"
