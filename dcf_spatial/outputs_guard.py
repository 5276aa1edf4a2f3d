"""Where may a command write? Refuse the layer store, the inputs, a path two outputs share, and an
existing file (with a shapefile's sidecars) unless overwriting was asked for.

Every writer of the package and every command of the CLI checks its outputs here before any work
is done. Paths are compared after resolving (``..``, symlinks) and, where both exist, with
:func:`os.path.samefile` (hard links, case-insensitive file systems). A shapefile is five files
(``.shp .shx .dbf .prj .cpg``): writing ``x.shp`` writes (and may replace) all of them, so each is
checked. Messages name no command-line option; the argument at fault is in ``exc.argument``
(``"overwrite"`` for an existing output), so that the CLI can add its option.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from .errors import InputError

#: the files a shapefile ``x.shp`` consists of (written, or replaced, together)
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
#: more files GIS tools keep beside a shapefile (spatial indexes, metadata): removed with it on overwrite
SHAPEFILE_EXTRAS = (".qix", ".sbn", ".sbx", ".shp.xml")
#: files SQLite keeps beside a GeoPackage while it is open
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def files_written(path) -> list[Path]:
    """The files that writing ``path`` creates or replaces: ``path`` itself, or a shapefile's parts.

    Parameters
    ----------
    path
        An output path.

    Returns
    -------
    list of Path
        ``[path]``, or the five parts of a shapefile.

    Examples
    --------
    >>> [p.name for p in files_written("out/parks.shp")]
    ['parks.shp', 'parks.shx', 'parks.dbf', 'parks.prj', 'parks.cpg']
    """
    path = Path(path)
    if path.suffix.lower() == ".shp":
        return [path.with_suffix(ext) for ext in SHAPEFILE_PARTS]
    return [path]


def _input_files(value) -> list[Path]:
    """The files an input value names (none for WKT, coordinates, layer ids or ``pg:`` specs)."""
    if value is None:
        return []
    text = str(value)
    if "\n" in text or len(text) > 4096:
        return []
    try:
        p = Path(text)
        if not p.exists():
            return []
    except OSError:  # a WKT string too long for a file name
        return []
    if p.is_dir():  # a folder of inputs: the files in it
        return [q for q in p.iterdir() if q.is_file()]
    return files_written(p) if p.suffix.lower() == ".shp" else [p]


def _store_files(store) -> tuple[str, list[Path]]:
    """The label and the files of the store in effect (``[]`` for a PostGIS store)."""
    from .store.backends.names import mask_url
    from .store.locate import resolve_store

    location = resolve_store(store)
    if isinstance(location, str):  # a postgresql:// URL: nothing on disk to overwrite
        return mask_url(location), []
    p = Path(location)
    return str(p), [p, *(p.with_name(p.name + s) for s in SQLITE_SIDECARS)]


def _same(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def output_set_of(path) -> Path | None:
    """The ``manifest.json`` of the dcf output set (an audit's folder) that ``path`` would be written
    into, or ``None``.

    A folder is an output set when it holds a ``manifest.json`` written by this package (it names
    ``dcf_spatial`` as its tool; a truncated one still does). Another program's ``manifest.json`` is
    not one.

    Parameters
    ----------
    path
        An output path.

    Returns
    -------
    Path or None
        The manifest, when ``path``'s folder is an output set.

    Examples
    --------
    >>> output_set_of("审计/2025-06/对比.xlsx")  # doctest: +SKIP
    PosixPath('审计/2025-06/manifest.json')
    """
    from .io.output_set import MANIFEST

    man = Path(path).parent / MANIFEST
    try:
        if not man.is_file():
            return None
        with open(man, "rb") as fh:  # a manifest is small; read a bounded head, not a stray huge file
            head = fh.read(1 << 16)
    except OSError:
        return None
    return man if b'"dcf_spatial"' in head else None


def guard_output(path, *, overwrite: bool = False, inputs: Iterable = (), taken: Iterable = (),
                 store=None, check_store: bool = True, own_set: bool = False) -> Path:
    """Refuse to write ``path`` when it would overwrite what must not be overwritten.

    Refused, always: the layer store in effect (or one of its SQLite files), any input file (a
    shapefile input with all its parts), a path another output of the same run already uses, and
    (unless ``own_set``) a path inside another run's output set (a folder holding a dcf
    ``manifest.json``: its files are checked against that manifest, and another output beside them
    would make the set no longer what the manifest says).
    Refused unless ``overwrite``: an existing file (for ``x.shp``: any of its parts).

    Parameters
    ----------
    path
        The output about to be written.
    overwrite
        Allow replacing an existing file that is none of the above.
    inputs
        The run's inputs: paths, or values that may be paths (WKT, coordinates, layer ids are
        ignored).
    taken
        The outputs of the same run checked before this one.
    store
        The layer store (``None``: the one in effect).
    check_store
        ``False`` for a writer that *is* writing the store (build, push).
    own_set
        ``True`` for the writer of an output set writing (or rewriting) its own folder.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        Naming the path, what it would overwrite and the fix; ``exc.argument == "overwrite"``
        when only the overwrite permission is missing.

    Examples
    --------
    >>> guard_output("结果.csv", inputs=["项目清单.csv"])  # doctest: +SKIP
    PosixPath('结果.csv')
    >>> guard_output("项目清单.csv", inputs=["项目清单.csv"])  # doctest: +SKIP
    Traceback (most recent call last):
    InputError: 项目清单.csv 是本次的输入文件，不能同时作为输出：请换一个输出文件名。
    """
    path = Path(path)
    written = files_written(path)
    if check_store:
        label, store_files = _store_files(store)
        for w in written:
            if any(_same(w, s) for s in store_files):
                raise InputError(f"{path} 是当前的图层库（{label}），不能作为输出文件，否则图层库及其历史会被替换或写入"
                                 f"别的表：请换一个输出文件名。")
    input_files = [f for value in inputs for f in _input_files(value)]
    for w in written:
        hit = next((f for f in input_files if _same(w, f)), None)
        if hit is not None:
            also = "" if w == path else f"（{w.name} 是它的组成文件）"
            raise InputError(f"{path}{also} 是本次的输入文件 {hit}，不能同时作为输出：请换一个输出文件名。")
    for other in taken:
        for w in written:
            if any(_same(w, o) for o in files_written(other)):
                raise InputError(f"{path} 与本次的另一个输出 {other} 是同一个文件（或共用 {w.name}）：每个输出请用不同的文件名。")
    manifest = None if own_set else output_set_of(path)
    if manifest is not None:
        raise InputError(f"{path} 位于另一次运行的输出文件夹 {manifest.parent} 中（有 {manifest.name}，如审计输出）："
                         f"写入会替换或混入该次的结果，{manifest.name} 所记的文件与哈希将不再相符，"
                         f"其后的对比（audit diff）会拒绝它。请把输出写到别的文件夹。")
    existing = [w for w in written if w.exists()]
    if existing and not overwrite:
        from .errors import about

        shown = "、".join(str(w) for w in existing)
        raise about("overwrite", InputError(f"{shown} 已存在；要替换须允许覆盖（overwrite），或换一个文件名。"))
    return path


def guard_outputs(paths: Iterable, *, overwrite: bool = False, inputs: Iterable = (), store=None,
                  own_set: bool = False) -> list[Path]:
    """:func:`guard_output` for each of a run's outputs (``None`` entries skipped), in order.

    Parameters
    ----------
    paths
        The run's outputs.
    overwrite, inputs, store, own_set
        As for :func:`guard_output`.

    Returns
    -------
    list of Path
        The outputs checked.

    Examples
    --------
    >>> guard_outputs(["a.html", "a.html"])  # doctest: +SKIP
    Traceback (most recent call last):
    InputError: a.html 与本次的另一个输出 a.html 是同一个文件（或共用 a.html）：每个输出请用不同的文件名。
    """
    inputs = list(inputs)
    done: list[Path] = []
    for p in paths:
        if p is not None:
            done.append(guard_output(p, overwrite=overwrite, inputs=inputs, taken=done, store=store,
                                     own_set=own_set))
    return done


def remove_shapefile(path) -> None:
    """Delete the shapefile ``path`` (its parts and the index/metadata files tools keep beside it),
    and nothing else: not ``x.gpkg`` or ``x.csv`` next to ``x.shp``."""
    path = Path(path)
    for ext in (*SHAPEFILE_PARTS, *SHAPEFILE_EXTRAS):
        q = path.with_name(path.stem + ext)
        if q.exists():
            q.unlink()
