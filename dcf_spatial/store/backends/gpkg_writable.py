"""Can site checks be recorded into a GeoPackage store: may this process write the file and its folder?

A recorded check is written into the register tables of the store itself, and SQLite writes its journal
(``-journal``, or ``-wal``/``-shm`` while a desk runs, :mod:`.gpkg_wal`) as new files beside it: both the
file and its folder must be writable. A desk started on a store in a read-only folder ran, and then answered
every site check 500; ``dcf site check --record`` ended in a traceback (issue 12, b). They are refused at
the start instead (:func:`refuse_unwritable`), naming the folder or file, why and the way out.

:func:`write_problem` is the one place that asks the operating system (``os.access``: the permission bits
for this user, a read-only mount; root passes every permission check).
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from ...errors import StoreError


def write_problem(path) -> str | None:
    """Why this process cannot write the GeoPackage ``path`` and new files beside it; ``None`` when it can
    (or when there is no such file: a missing store is said elsewhere).

    Examples
    --------
    >>> write_problem("/nonexistent/store.gpkg") is None
    True
    """
    path = Path(path)
    if not path.is_file():
        return None
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"所在文件夹 {folder} 不可写"
    if not os.access(path, os.W_OK):
        return f"文件 {path} 是只读的"
    return None


def unwritable_message(path, problem: str, *, who: str, rerun: str, without: str) -> str:
    """The message for recording into the store ``path`` that cannot be written (``problem``, from
    :func:`write_problem`): ``who`` records what ("工作台把每次选址核查"), ``rerun`` is the command to run again on a writable copy,
    with ``{store}`` where the copy's path goes; ``without`` how to check without recording.

    Examples
    --------
    >>> print(unwritable_message("/srv/ro/s.gpkg", "所在文件夹 /srv/ro 不可写", who="工作台把每次选址核查",
    ...                          rerun="dcf serve --store {store}", without="加 --no-record"))  # doctest: +ELLIPSIS
    图层库 /srv/ro/s.gpkg 所在文件夹 /srv/ro 不可写...
    """
    path = Path(path)
    copy = f"~/dcf/{path.name}"
    return (f"图层库 {path} {problem}，无法记入核查登记：{who}记入图层库中的核查登记，"
            f"SQLite 写入时还要在同一文件夹中建立日志文件（{path.name}-journal 或 -wal），须能写入该文件和所在文件夹。"
            f"出路：把图层库复制到可写的文件夹，如 `mkdir -p ~/dcf && cp {shlex.quote(str(path))} {copy}`，"
            f"再运行 `{rerun.format(store=copy)}`；或取得写权限（chmod u+w，文件夹与文件都要）；"
            f"只核查、不记入登记时{without}。")


def refuse_unwritable(store, *, who: str, rerun: str, without: str) -> None:
    """Raise :class:`StoreError` (:func:`unwritable_message`) when ``store`` — where its register is written:
    a GeoPackage path, ``None`` for the default store — cannot be written; nothing for PostGIS."""
    from ..locate import resolve_store, writable_location
    from . import as_pg_url

    location = writable_location(resolve_store(store))
    if as_pg_url(location) is not None:
        return
    problem = write_problem(location)
    if problem:
        raise StoreError(unwritable_message(location, problem, who=who, rerun=rerun, without=without))


__all__ = ["write_problem", "unwritable_message", "refuse_unwritable"]
