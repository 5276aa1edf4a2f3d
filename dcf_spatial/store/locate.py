"""Which layer store a call uses, and where a change to the packaged default is written.

Every function of :mod:`dcf_spatial.store` takes ``store=None``. :func:`resolve_store` turns it
into a location: an explicit argument (a :class:`~dcf_spatial.store.Store`, a GeoPackage path or a
``postgresql://`` URL) wins; ``None`` means the active store (``with Store(x).activate():``), else
``settings.store`` (``DCF_STORE`` or the shipped default).

An installed package ships its default GeoPackage inside the package (read only). Before the first
change, :func:`writable_location` copies it to the per-user data folder (``settings.user_store``),
and from then on :func:`resolve_store` reads the copy.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from .. import settings
from ..errors import InputError
from .backends import as_pg_url

logger = logging.getLogger(__name__)


def resolve_store(store=None) -> Path | str:
    """The location of the store a call uses: a GeoPackage :class:`~pathlib.Path` or a URL string.

    Parameters
    ----------
    store
        A :class:`~dcf_spatial.store.Store`, a GeoPackage path, a ``postgresql://`` URL, or
        ``None`` (the active store, else ``settings.store``).

    Returns
    -------
    pathlib.Path or str
        The GeoPackage path, or the PostgreSQL URL (with ``//`` restored if a ``Path`` collapsed it).

    Examples
    --------
    >>> from dcf_spatial.store.locate import resolve_store
    >>> resolve_store("postgresql:/dcf@127.0.0.1/gis")
    'postgresql://dcf@127.0.0.1/gis'
    """
    if store is None:
        store = settings.store
    elif not isinstance(store, (str, os.PathLike)):
        if not hasattr(store, "location"):
            raise InputError(f"store={store!r}：应为图层库（dcf_spatial.store.Store）、GeoPackage 路径或 "
                             "postgresql:// 数据库地址。")
        store = store.location
    url = as_pg_url(store)
    if url is not None:
        return url
    path = Path(store)
    if _is_packaged(path) and settings.user_store.exists():
        return settings.user_store
    return path


def writable_location(location: Path | str) -> Path | str:
    """``location``, or — for the read-only default inside the package — its per-user copy, made now.

    Parameters
    ----------
    location
        A location from :func:`resolve_store`.

    Returns
    -------
    pathlib.Path or str
        Where a change to ``location`` is written.

    Examples
    --------
    >>> from dcf_spatial.store.locate import writable_location
    >>> writable_location("/tmp/mine.gpkg")
    '/tmp/mine.gpkg'
    """
    if isinstance(location, str) and as_pg_url(location) is not None:
        return location
    if not _is_packaged(Path(location)):
        return location
    target = settings.user_store
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(settings.packaged_store, tmp)
        os.replace(tmp, target)
        logger.warning("随附的默认图层库在安装目录中（只读），已复制到 %s；改动写入该副本，此后默认使用它。", target)
    return target


def _is_packaged(path: Path) -> bool:
    # the same file, by device and inode: two stat calls, where resolving both paths walked every
    # component of each (a quarter of a millisecond on every request of the desk). The answer is kept
    # per pair of paths once both exist: a recorded check of the desk asked it five times (ten stat calls,
    # cProfile); a path that is not the packaged file does not become it (an import replaces a store by
    # a new file at the same path, never by the packaged one)
    key = (os.fspath(path), os.fspath(settings.packaged_store))
    known = _PACKAGED.get(key)
    if known is not None:
        return known
    try:
        same = os.path.samefile(*key)
    except (OSError, ValueError):   # not there (yet): asked again next time
        return False
    if len(_PACKAGED) >= 64:
        _PACKAGED.clear()
    _PACKAGED[key] = same
    return same


#: ``{(path, packaged store path): whether they are the same file}`` (:func:`_is_packaged`)
_PACKAGED: dict = {}
