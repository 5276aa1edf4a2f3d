"""A run's output files written as one set, with a manifest that says what produced them.

:func:`write_set` has a writer put every file into a hidden folder inside the output folder
(``.dcf-partial-<id>/``), and only when all are written moves them into place and writes
``manifest.json`` last (``"complete": true``, each file's sha256). A run killed while writing
leaves the previous result as it was. Before moving, the earlier result's manifest and the files
the new set replaces are moved aside into ``.上次结果/`` (with a list of the new names); one
killed while moving leaves no manifest, so the folder says it is not complete, and the earlier
result is kept whole in ``.上次结果/``: :func:`restore_set` — run first by the next
:func:`write_set` into the folder — puts it back file for file. :func:`check_set` reads a
folder's manifest back and checks each file.

Only the standard library is needed (``os.replace`` is atomic within one file system, which a
folder inside the output folder guarantees); no library offers a multi-file transaction.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import logging
import os
import shutil
import threading
import uuid
from pathlib import Path
from typing import Callable

from .._killpoints import kill_point
from ..errors import InputError

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
#: the hidden staging folders inside an output folder
PARTIAL_PREFIX = ".dcf-partial-"
#: the hidden folder holding the earlier result while a new set is moved into place
PREVIOUS = ".上次结果"
#: inside :data:`PREVIOUS`: the names the new set moves in (removed again on a restore)
_INCOMING = ".incoming.json"


def sha256_file(path) -> str:
    """The sha256 of a file (hex).

    Examples
    --------
    >>> sha256_file(__file__)[:0]
    ''
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


#: sha256 of files hashed ahead of the manifest (:func:`hash_written`, :func:`hash_ahead`), by resolved
#: path: the size and modification time the file had, and the digest (or the future of one)
_KNOWN: dict[str, tuple[int, int, object]] = {}
_KNOWN_LOCK = threading.Lock()


def _hash_and_keep(p: Path) -> str:
    before = p.stat()
    digest = sha256_file(p)
    after = p.stat()
    if (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns):  # not written meanwhile
        with _KNOWN_LOCK:
            _KNOWN[str(p)] = (after.st_size, after.st_mtime_ns, digest)
    return digest


def hash_written(path) -> str:
    """Hash a file its writer has just finished, in the writer's own thread, for the manifest.

    :func:`write_set` reads back every file it moves into place to list its sha256 in the
    manifest; a file hashed here (while the other files are still being written, on another core)
    is not read again there, as long as its size and modification time are those it had when
    hashed (a file changed since is hashed again). Returns the sha256 (hex).

    Examples
    --------
    >>> hash_written(__file__) == sha256_file(__file__)
    True
    """
    return _hash_and_keep(Path(path).resolve())


def hash_ahead(path) -> None:
    """Start hashing an input file in a background thread, for the manifest written at the end.

    The audits call it as they start reading, while the second core has nothing else to do;
    :func:`sha256_of` then waits for that digest instead of reading the file again at the end
    (where the writers keep both cores busy). A file changed after it was hashed is hashed again
    there. Anything but a plain local file (a folder, a shapefile and its sidecars, ``pg:``) is
    left to :func:`sha256_of`.

    Examples
    --------
    >>> hash_ahead(__file__); sha256_of(__file__) == sha256_file(__file__)
    True
    """
    from concurrent.futures import Future

    try:
        p = Path(str(path)).expanduser().resolve()
        if not p.is_file() or p.suffix.lower() == ".shp":
            return
        st = p.stat()
    except (OSError, ValueError):
        return
    pending: Future = Future()

    def run():
        try:
            pending.set_result(_hash_and_keep(p))
        except BaseException as exc:  # an unreadable file: sha256_of reads it itself and says so
            pending.set_exception(exc)

    with _KNOWN_LOCK:
        _KNOWN[str(p)] = (st.st_size, st.st_mtime_ns, pending)
    threading.Thread(target=run, name="dcf-sha-ahead", daemon=True).start()


def _sha256_known(path: Path) -> str:
    """The sha256 of ``path``: the one hashed ahead if the file is unchanged since, else read now."""
    p = path.resolve()
    with _KNOWN_LOCK:
        known = _KNOWN.pop(str(p), None)
    if known is not None:
        st = p.stat()
        if (st.st_size, st.st_mtime_ns) == known[:2]:
            digest = known[2]
            if not isinstance(digest, str):
                try:
                    digest = digest.result()
                except Exception:
                    digest = None
            if digest is not None:
                st2 = p.stat()
                if (st2.st_size, st2.st_mtime_ns) == known[:2]:
                    return digest
    return sha256_file(p)


def sha256_of(path) -> str | None:
    """The sha256 of a file, or of a folder's files (names and contents, in name order); ``None``
    when ``path`` is not a local file or folder (a ``pg:`` table, a GeoDataFrame).

    Examples
    --------
    >>> sha256_of("pg:public.parcels") is None
    True
    """
    try:
        p = Path(str(path)).expanduser()
        if p.is_file() and p.suffix.lower() == ".shp":  # a shapefile is its sidecars too (.dbf holds the rows)
            h = hashlib.sha256()
            for f in sorted(q for q in p.parent.glob(p.stem + ".*") if q.is_file()):
                h.update(f.suffix.lower().encode())
                h.update(sha256_file(f).encode())
            return h.hexdigest()
        if p.is_file():
            return _sha256_known(p)
        if p.is_dir():
            h = hashlib.sha256()
            for f in sorted(q for q in p.rglob("*") if q.is_file()):
                h.update(str(f.relative_to(p)).encode())
                h.update(sha256_file(f).encode())
            return h.hexdigest()
    except (OSError, ValueError):
        return None
    return None


def _describe(path: Path) -> dict:
    if path.is_dir():
        files = sorted(q for q in path.rglob("*") if q.is_file())
        return {"sha256": sha256_of(path), "files": len(files), "bytes": sum(q.stat().st_size for q in files)}
    return {"sha256": _sha256_known(path), "bytes": path.stat().st_size}


def _tool_version() -> str:
    try:
        from importlib.metadata import version

        return version("dcf_spatial")
    except Exception:  # not installed (a source checkout on sys.path)
        from .. import __version__

        return __version__


def write_set(folder, write: Callable[[Path], dict], *, overwrite: bool = False, manifest: dict | None = None,
              extra=()) -> dict:
    """Run ``write(stage)`` into a staging folder, then move its files into ``folder`` as one set.

    Parameters
    ----------
    folder
        The output folder (created if missing).
    write
        Writes the files into the folder it is given; returns name → path (str, a list of str, or
        ``None``), the way the audit writers do.
    overwrite
        Replace files of an earlier run; otherwise an existing file is refused (nothing is moved).
    manifest
        What produced the files (inputs, as-of date, layers, rules, row counts), or a function
        returning it (called after ``write``: the audits compute the inputs' sha256 meanwhile);
        ``tool``, ``written_at``, ``files`` and ``complete`` are added.
    extra
        Names in ``folder`` that belong to the set but were written before (the dask engine's
        GeoParquet folder, written while auditing); listed in the manifest with their sha256.

    Returns
    -------
    dict
        ``write``'s answer with its paths pointing into ``folder``.

    Examples
    --------
    >>> write_set("out", lambda d: {"a": str((d / "a.txt").write_text("x") and d / "a.txt")})  # doctest: +SKIP
    {'a': 'out/a.txt'}
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    restore_set(folder)  # a run killed while moving its files: the earlier result back first
    for old in folder.glob(PARTIAL_PREFIX + "*"):  # a run killed before it moved its files
        shutil.rmtree(old, ignore_errors=True)
        logger.info("Removed %s, the files of a run that did not finish", old)
    stage = folder / f"{PARTIAL_PREFIX}{uuid.uuid4().hex[:8]}"
    stage.mkdir()
    try:
        answer = write(stage)
        kill_point("outputs:staged")
        produced = sorted(stage.iterdir())
        clash = [str(folder / p.name) for p in produced if (folder / p.name).exists()]
        if clash and not overwrite:
            raise InputError(f"输出文件已存在：{', '.join(clash)}。要替换须允许覆盖（overwrite），或换一个输出文件夹。")
        stage_s, folder_s = str(stage), str(folder)
        for p in produced:  # paths written into a JSON summary name the folder, not the stage
            if p.suffix == ".json":
                text = p.read_text(encoding="utf-8")
                p.write_text(text.replace(json.dumps(stage_s)[1:-1], json.dumps(folder_s)[1:-1]), encoding="utf-8")
        # the files' sha256 at the same time, a thread each (hashlib releases the GIL on large reads)
        to_describe = [*produced, *(folder / n for n in extra if (folder / n).exists()
                                    and n not in {p.name for p in produced})]
        if len(to_describe) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(len(to_describe), 4), thread_name_prefix="dcf-sha") as pool:
                described = dict(zip((p.name for p in to_describe), pool.map(_describe, to_describe)))
        else:
            described = {p.name: _describe(p) for p in to_describe}
        record = dict((manifest() if callable(manifest) else manifest) or {})
        record.update({"tool": {"name": "dcf_spatial", "version": _tool_version()},
                       "written_at": _dt.datetime.now().isoformat(timespec="seconds"),
                       "files": described, "complete": True})
        # the earlier result aside, whole, before anything of it is replaced: the manifest first (from
        # here until the new one the folder is not complete), then each file the new set replaces
        aside = folder / PREVIOUS
        aside.mkdir()
        replaces = [p.name for p in produced if (folder / p.name).exists() or (folder / p.name).is_symlink()]
        _write_atomic(aside / _INCOMING, json.dumps({"incoming": [p.name for p in produced], "replaces": replaces},
                                                    ensure_ascii=False))
        kill_point("outputs:aside:0")
        try:
            _swap(folder, aside, produced, replaces, record)
        except BaseException:  # a failure (not a kill) part-way: the earlier result back at once
            restore_set(folder)
            raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    logger.info("Wrote %d files into %s as one set (%s)", len(described), folder, MANIFEST)
    return _moved_paths(answer, stage_s, folder_s)


def _swap(folder: Path, aside: Path, produced: list, replaces: list, record: dict) -> None:
    if (folder / MANIFEST).exists():
        os.replace(folder / MANIFEST, aside / MANIFEST)
    for i, p in enumerate(produced, 1):
        if p.name in replaces:
            os.replace(folder / p.name, aside / p.name)
        kill_point(f"outputs:aside:{i}")
    for i, p in enumerate(produced, 1):
        os.replace(p, folder / p.name)
        kill_point(f"outputs:moved:{i}")
    _write_atomic(folder / MANIFEST, json.dumps(record, ensure_ascii=False, indent=2, default=str))
    kill_point("outputs:manifest")
    shutil.rmtree(aside)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def restore_set(folder) -> str | None:
    """Finish what a run killed while moving its files into ``folder`` left: put the earlier
    result back from ``.上次结果/``, file for file (the killed run's new files removed), or — when
    the new set's manifest was written — drop the folder of the earlier result.

    :func:`write_set` calls this first; call it yourself to get a folder back without a new run.

    Returns
    -------
    str or None
        ``"restored"``, ``"finished"`` (the new set was complete), or ``None`` (nothing to do).

    Examples
    --------
    >>> restore_set("out/idle")  # doctest: +SKIP
    'restored'
    """
    folder = Path(folder)
    aside = folder / PREVIOUS
    if not aside.is_dir():
        return None
    if (folder / MANIFEST).exists():  # the new set was complete (or nothing of the old one moved yet)
        shutil.rmtree(aside)
        logger.info("Removed %s: the run that moved its files in had finished", aside)
        return "finished"
    try:
        journal = json.loads((aside / _INCOMING).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # killed before the list was written: nothing was moved yet
        journal = {}
    replaces = set(journal.get("replaces", ()))
    for name in journal.get("incoming", ()):  # the killed run's files out
        if name in replaces and not (aside / name).exists() and not (aside / name).is_symlink():
            continue  # the earlier file was not moved aside yet: it is still in place
        target = folder / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
    for name in [*sorted(replaces), MANIFEST]:  # what was moved aside, the manifest last
        if (aside / name).exists() or (aside / name).is_symlink():
            os.replace(aside / name, folder / name)
    shutil.rmtree(aside)
    logger.warning("%s：上次运行在替换输出文件时中断，已恢复之前的结果。", folder)
    return "restored"


def mark_incomplete(folder) -> bool:
    """Take ``folder``'s ``manifest.json`` away before a run changes any file in it in place.

    The dask engine writes its GeoParquet folders straight into the output folder while auditing
    (they may not fit anywhere else), long before :func:`write_set` runs: from the first changed file
    on, the old manifest would call a half-rewritten folder complete. Without it the folder says it
    is not complete (:func:`check_set`) until the new run's manifest is written, last.

    Returns
    -------
    bool
        Whether there was a manifest to take away.

    Examples
    --------
    >>> mark_incomplete("out/idle")  # doctest: +SKIP
    True
    """
    path = Path(folder) / MANIFEST
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    with contextlib.suppress(OSError):  # the removal on disk before any file changes (POSIX; not on Windows)
        fd = os.open(str(path.parent), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    logger.info("Removed %s: %s is being rewritten", MANIFEST, folder)
    return True


def _moved_paths(obj, old: str, new: str):
    if isinstance(obj, str):
        return obj.replace(old, new, 1) if obj.startswith(old) else obj
    if isinstance(obj, dict):
        return {k: _moved_paths(v, old, new) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_moved_paths(v, old, new) for v in obj]
    return obj


@contextlib.contextmanager
def atomic_file(path):
    """Yield a temporary path beside ``path`` (same suffix) that replaces ``path`` only when the
    block ends without error: a killed or failed write leaves the earlier file as it was.

    Examples
    --------
    >>> with atomic_file("结果.csv") as tmp:  # doctest: +SKIP
    ...     frame.to_csv(tmp)
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.partial{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def check_set(folder) -> dict:
    """Is ``folder`` a complete output set? Read its manifest and check every file against it.

    Returns
    -------
    dict
        ``complete`` (bool), ``problems`` (Chinese, empty when complete) and ``manifest`` (or ``None``).

    Examples
    --------
    >>> check_set("out/idle")["complete"]  # doctest: +SKIP
    True
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.exists():
        problem = f"{folder} 中没有 {MANIFEST}：输出不完整（写出中断）或不是本工具写出的。"
        if (folder / PREVIOUS).is_dir():
            problem += (f"上次的结果完整保存在 {folder / PREVIOUS}，再次运行写入该文件夹时会先恢复"
                        "（或在 Python 中调用 dcf_spatial.io.output_set.restore_set）。")
        return {"complete": False, "manifest": None, "problems": [problem]}
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        return {"complete": False, "manifest": None, "problems": [f"{path} 无法读取（{exc}）。"]}
    problems = [] if record.get("complete") is True else [f"{path} 未标记为完整（complete）。"]
    for name, want in (record.get("files") or {}).items():
        p = folder / name
        if not p.exists():
            problems.append(f"{name} 缺失。")
        elif sha256_of(p) != want.get("sha256"):
            problems.append(f"{name} 与清单中的 sha256 不符（写出后被改动或替换）。")
    return {"complete": not problems, "manifest": record, "problems": problems}
