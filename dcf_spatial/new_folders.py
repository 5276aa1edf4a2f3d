"""Which output folders did this run create, and what is left of them when it stops on an error?

A run that stops on an error (a full disk, an unreadable input, a refused option) leaves no empty
folder it created behind, and says which unfinished files it left in one (QA30 F10): the CLI
(:func:`dcf_spatial.cli._options.remove_new_folders`) and the Python API
(:func:`dcf_spatial.land.audit_idle`, :func:`~dcf_spatial.land.audit_efficiency`) both use this module.
A folder that existed before the run is never touched.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)


def missing_parts(folder) -> list[Path]:
    """``folder`` and its parents that do not exist yet, deepest first (what writing into it creates)."""
    folder = Path(folder)
    return [p for p in (folder, *folder.parents) if not p.exists()]


def remove_empty(folders) -> list[str]:
    """Remove each of ``folders`` (created by this run, deepest first) that is empty; return a Chinese
    note for each one kept because it holds files: not a complete result, which may be deleted."""
    kept, notes = set(), []
    for folder in folders:
        try:
            folder.rmdir()   # only when empty
        except FileNotFoundError:
            pass
        except OSError:
            kept.add(folder)
            left = sorted(p.name for p in folder.iterdir() if p not in kept) if folder.is_dir() else []
            if left:   # (a parent holding only a kept new folder: said there)
                shown = "、".join(left[:5]) + (f" 等 {len(left)} 项" if len(left) > 5 else "")
                notes.append(f"运行出错停止，本次新建的文件夹 {folder} 中留有未完成的文件（{shown}），不是完整结果，可删除。")
    return notes


@contextmanager
def removed_on_error(folder):
    """Run the block; if it raises, remove the parts of ``folder`` it created that are still empty and
    log (warning) what is left in the others, then re-raise. ``folder`` None: nothing to do."""
    created = missing_parts(folder) if folder is not None else []
    try:
        yield
    except BaseException:
        for note in remove_empty(created):
            logger.warning("%s", note)
        raise
