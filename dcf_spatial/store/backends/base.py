"""What a store backend is: the table operations both :class:`~.gpkg.GpkgStore` and
:class:`~.postgis.PostgisStore` implement, and all that :mod:`dcf_spatial.store.catalog` calls.

A backend keeps tables only; schemas, validation, versions and provenance are the catalog's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd


@dataclass
class LayerWrite:
    """One layer of a write of several layers that readers see as one change (:meth:`StoreBackend.commit_layers`).

    Attributes
    ----------
    layer_id
        The layer written.
    row
        Its catalog row.
    read
        Gives the new content when the store writes it (a large layer is read only then).
    archive
        Keep the current version as kept version ``archive`` (its catalog row ``archive_meta``).
    expected_version
        The catalog version ``row`` was based on (``None``: a new layer); another one refuses the whole write.
    history
        ``(n, read, meta)`` of kept versions to store with a new layer (a copied store's history).
    """

    layer_id: str
    row: dict
    read: Callable[[], "gpd.GeoDataFrame"]
    archive: int | None = None
    archive_meta: dict | None = None
    expected_version: int | None = None
    history: tuple = ()


@runtime_checkable
class StoreBackend(Protocol):
    """The operations of a layer-store backend.

    Attributes
    ----------
    kind
        ``"gpkg"`` or ``"postgis"``.
    label
        The location as shown to users (passwords masked).

    Examples
    --------
    >>> from dcf_spatial.store.backends import open_store
    >>> from dcf_spatial.store.backends.base import StoreBackend
    >>> isinstance(open_store("/tmp/x.gpkg"), StoreBackend)
    True
    """

    kind: str
    label: str

    def exists(self) -> bool:
        """Whether the store is there (a file, or a schema with the catalog table)."""

    def missing_message(self) -> str:
        """The Chinese message for a store that is not there, with how to make it."""

    def catalog_rows(self) -> "pd.DataFrame":
        """The ``dcf_catalog`` table, in store order."""

    def catalog_dicts(self, *, present: bool = False) -> dict[str, dict]:
        """Every catalog row, by layer id, in one read; with ``present`` only those whose table is there (a
        table dropped outside dcf keeps its catalog row)."""

    def catalog_entry(self, layer_id: str) -> dict | None:
        """The catalog row of ``layer_id``, or ``None``."""

    def history_entries(self, layer_id: str) -> dict[int, dict]:
        """The catalog rows of the kept versions of ``layer_id``, by version number."""

    def feature_counts(self) -> dict[str, tuple[int, str | None]]:
        """``{layer_id: (count, geometry type)}`` of every layer table."""

    def table_names(self) -> list[str]:
        """Every table the store holds (layers, kept versions, metadata)."""

    def read_table(self, table: str, *, bbox: tuple | None = None) -> "gpd.GeoDataFrame":
        """One table; ``bbox`` (EPSG:4490) answered through the spatial index."""

    def commit_layer(self, gdf, layer_id: str, row: dict, *, archive: int | None = None,
                     archive_meta: dict | None = None, expected_version: int | None = None) -> None:
        """Write ``gdf`` as ``layer_id`` with catalog ``row``, keeping the current version as ``archive``."""

    def commit_layers(self, writes) -> None:
        """Write every :class:`LayerWrite` of the iterable ``writes`` as ONE change: a reader sees the store
        before all of them or after all of them; a failure or a kill part-way leaves it as it was."""

    def put_history(self, layer_id: str, n: int, gdf, meta: dict) -> None:
        """Store ``gdf`` as kept version ``n`` of ``layer_id``."""

    def restore_layer(self, layer_id: str, n: int, row: dict, *, expected_version: int | None = None) -> int:
        """Make kept version ``n`` current again; return its feature count."""
