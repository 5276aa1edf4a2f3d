"""Where the layer catalog keeps its tables: a GeoPackage file or a PostGIS database.

:mod:`dcf_spatial.store.catalog` holds the logic (schemas, validation, versions, import/reset); a
store only keeps tables. :func:`open_store` picks the backend from what ``store=`` (or
``settings.store``) names:

* a path — :class:`~dcf_spatial.store.backends.gpkg.GpkgStore`, the embedded default;
* a ``postgresql://`` (or ``postgres://``, ``postgresql+psycopg://``) URL —
  :class:`~dcf_spatial.store.backends.postgis.PostgisStore`. A ``schema=`` query parameter chooses the
  database schema (default ``public``); credentials come from the URL, ``PGPASSWORD`` or
  ``~/.pgpass`` (libpq's own rules) and are masked in every message (:func:`mask_url`).

Both backends keep the same tables: one per layer (named by its id), ``dcf_catalog`` (one row
of metadata per layer), ``_history__<id>__<n>`` (the version an import replaced) and
``dcf_catalog_history`` (the catalog row of each kept version).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .names import (  # noqa: F401  (the backends' shared names, re-exported)
    CATALOG_COLUMNS,
    CATALOG_HISTORY_TABLE,
    CATALOG_TABLE,
    HISTORY_PREFIX,
    as_pg_url,
    history_table,
    is_pg_url,
    mask_secrets,
    mask_url,
    remember_secret,
)

if TYPE_CHECKING:  # pragma: no cover
    from .base import StoreBackend


_PG_STORES: dict = {}


def open_store(store) -> "StoreBackend":
    """The backend object for ``store`` (a path or a PostgreSQL URL; ``None`` is not accepted here).

    Both backends implement :class:`~dcf_spatial.store.backends.base.StoreBackend`.
    """
    url = as_pg_url(store)
    if url is not None:
        from .postgis import PostgisStore

        # kept per URL: a database store is opened several times per site check (its catalog, the layer
        # versions, the register), and parsing the URL each time cost a quarter of a millisecond of CPU;
        # the object holds nothing but what the URL says (connections live in shared pools)
        st = _PG_STORES.get(url)
        if st is None:
            st = _PG_STORES[url] = PostgisStore(url)
            while len(_PG_STORES) > 16:   # oldest first
                _PG_STORES.pop(next(iter(_PG_STORES)))
        return st
    from .gpkg import GpkgStore

    return GpkgStore(Path(store))
