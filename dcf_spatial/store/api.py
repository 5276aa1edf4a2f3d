"""The layer store as an object: :class:`Store`, and the module functions :func:`layer` and :func:`layers`."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from .. import settings
from . import catalog, export
from .backends import mask_url
from .locate import resolve_store

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd


class Store:
    """A layer store: a GeoPackage file or a PostGIS database (``postgresql://`` URL).

    Parameters
    ----------
    location
        A GeoPackage path, a ``postgresql://`` URL (password from the URL, ``PGPASSWORD`` or
        ``~/.pgpass``; ``?schema=`` chooses the schema), another :class:`Store`, or ``None``: the
        store in effect now (the active one, else ``settings.store``).

    Examples
    --------
    >>> from dcf_spatial.store import Store
    >>> st = Store("layers/dcf_layers.gpkg")
    >>> st.layer("townships")[["id", "name_zh"]].head(2)  # doctest: +SKIP
    >>> with Store("postgresql://dcf@127.0.0.1/gis").activate():  # doctest: +SKIP
    ...     import dcf_spatial.store as s
    ...     s.layer("townships")   # read from PostGIS
    """

    def __init__(self, location=None):
        self.location: Path | str = resolve_store(location)

    @property
    def label(self) -> str:
        """The location as shown to users: a path, or the URL with its password masked."""
        return mask_url(str(self.location))

    def __repr__(self) -> str:
        return f"Store({self.label!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Store) and str(self.location) == str(other.location)

    def __hash__(self) -> int:
        return hash(str(self.location))

    @contextlib.contextmanager
    def activate(self) -> Iterator["Store"]:
        """Make this the store every ``store=None`` call uses, for the ``with`` block.

        The active store lives in a :class:`contextvars.ContextVar`: each thread (and each asyncio
        task) sees its own, so a web server can serve requests against different stores at once.

        Returns
        -------
        contextlib.AbstractContextManager
            Yields this store.

        Examples
        --------
        >>> from dcf_spatial.store import Store, layers
        >>> with Store("/tmp/mine.gpkg").activate():  # doctest: +SKIP
        ...     layers()
        """
        token = settings.active_store.set(self)
        try:
            yield self
        finally:
            settings.active_store.reset(token)

    def exists(self) -> bool:
        """Whether the store holds a catalog (a GeoPackage file that exists, a schema with ``dcf_catalog``)."""
        return catalog.open_store(self.location).exists()

    def layer(self, layer_id: str, *, bbox: tuple[float, float, float, float] | None = None) -> "gpd.GeoDataFrame":
        """One layer in EPSG:4490, see :func:`dcf_spatial.store.catalog.read_layer`.

        Parameters
        ----------
        layer_id
            A layer id, e.g. ``"townships"``.
        bbox
            ``(minx, miny, maxx, maxy)`` in EPSG:4490: only the features meeting the box.

        Returns
        -------
        geopandas.GeoDataFrame
            With ``attrs["provenance"]``, ``attrs["title_zh"]`` and ``attrs["source"]``.

        Examples
        --------
        >>> Store().layer("townships").attrs["provenance"]  # doctest: +SKIP
        'schematic'
        """
        return catalog.read_layer(layer_id, store=self.location, bbox=bbox)

    def layers(self) -> "pd.DataFrame":
        """The list of layers: id, title_zh, count, geometry_type, provenance, crs, version, source.

        Returns
        -------
        pandas.DataFrame
            One row per layer (see :func:`dcf_spatial.store.catalog.list_layers`).

        Examples
        --------
        >>> Store().layers()["id"].tolist()[:2]  # doctest: +SKIP
        ['district', 'townships']
        """
        return catalog.list_layers(store=self.location)

    def describe(self, layer_id: str) -> dict:
        """The catalog entry of a layer plus count, bounds and field names.

        Parameters
        ----------
        layer_id
            A layer id.

        Returns
        -------
        dict
            See :func:`dcf_spatial.store.catalog.describe_layer`.

        Examples
        --------
        >>> Store().describe("townships")["count"]  # doctest: +SKIP
        14
        """
        return catalog.describe_layer(layer_id, store=self.location)

    def import_layer(self, layer_id: str, file, *, crs=None, field_map: dict | None = None,
                     provenance: str | None = None, source_note: str = "", layer=None,
                     encoding: str | None = None) -> dict:
        """Replace a layer with the bureau's file, keeping the previous version (see :meth:`reset`).

        Parameters
        ----------
        layer_id
            The layer to replace.
        file
            Any file :func:`dcf_spatial.io.read_vector` reads.
        crs, field_map, layer, encoding
            As for :func:`dcf_spatial.io.read_vector` (``layer`` ``None``: the only layer, or the
            standard 三调 layer of ``layer_id`` in a survey FileGDB, e.g. ``DLTB`` for ``landuse``).
        provenance
            Required unless the file carries one: ``authoritative``, ``reference`` or ``schematic`` (or 权威,
            参考, 示意). ``None`` (the default): the file's own ``provenance`` field (a layer exported from a
            store), else a ``ValueError`` naming the choices — never assumed authoritative (what the command
            line does without ``--provenance``).
        source_note
            Recorded with the import (document number, data date).

        Returns
        -------
        dict
            The import summary (see :func:`dcf_spatial.store.catalog.import_layer`).

        Examples
        --------
        >>> Store().import_layer("townships", "乡镇界线.shp", provenance="authoritative",
        ...                      field_map={"id": "XZQDM"})  # doctest: +SKIP
        """
        return catalog.import_layer(layer_id, file, crs=crs, field_map=field_map, provenance=provenance,
                                    store=self.location, source_note=source_note, layer=layer, encoding=encoding)

    def reset(self, layer_id: str) -> dict:
        """Restore the version of a layer that the last import (or rederive) replaced.

        Parameters
        ----------
        layer_id
            The layer to restore.

        Returns
        -------
        dict
            ``layer``, ``features``, ``provenance``, ``source``.

        Examples
        --------
        >>> Store().reset("townships")  # doctest: +SKIP
        """
        return catalog.reset_layer(layer_id, store=self.location)

    def export(self, layer_id: str, path, *, overwrite: bool = False) -> Path:
        """Write a layer to ``path`` (.gpkg .geojson .json .shp .kml, by suffix).

        Parameters
        ----------
        layer_id
            The layer to export.
        path
            The output file; refused when it exists, unless ``overwrite``.
        overwrite
            Replace an existing file.

        Returns
        -------
        pathlib.Path
            ``path``.

        Examples
        --------
        >>> Store().export("townships", "townships.shp")  # doctest: +SKIP
        """
        return export.export_layer(layer_id, path, overwrite=overwrite, store=self.location)

    def push(self, to, *, overwrite: bool = False, layers: list[str] | None = None) -> dict:
        """Copy this store's layers (catalog rows and kept versions) into the store ``to``.

        Parameters
        ----------
        to
            A :class:`Store`, GeoPackage path or ``postgresql://`` URL.
        overwrite
            Replace layers the target already has (its versions are kept as history).
        layers
            Only these layer ids.

        Returns
        -------
        dict
            ``source``, ``target`` (masked), ``layers`` (``id``, ``features``, ``history``) and
            ``register``: the register of checks and audits copied too, with the layer and rule-file
            versions it points to (:func:`dcf_spatial.register.tables.copy_register`).

        Examples
        --------
        >>> Store().push("postgresql://dcf@127.0.0.1/gis")  # doctest: +SKIP
        """
        from ..register.tables import copy_register

        target = resolve_store(to)
        summary = catalog.copy_store(self.location, target, overwrite=overwrite, layers=layers)
        summary["register"] = copy_register(catalog._require_store(self.location), catalog._store(target, write=True))
        return summary


def layer(layer_id: str, *, store=None, bbox: tuple[float, float, float, float] | None = None) -> "gpd.GeoDataFrame":
    """Read one layer of the store (default: the active store, else ``settings.store``).

    Parameters
    ----------
    layer_id
        A layer id, e.g. ``"townships"``.
    store
        A :class:`Store`, GeoPackage path or ``postgresql://`` URL.
    bbox
        ``(minx, miny, maxx, maxy)`` in EPSG:4490.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer in EPSG:4490, its provenance in ``attrs``.

    Examples
    --------
    >>> import dcf_spatial.store as s
    >>> len(s.layer("townships"))  # doctest: +SKIP
    14
    """
    return catalog.read_layer(layer_id, store=store, bbox=bbox)


def layers(*, store=None) -> "pd.DataFrame":
    """The layers of the store, one row each (see :meth:`Store.layers`).

    Parameters
    ----------
    store
        A :class:`Store`, GeoPackage path or ``postgresql://`` URL; default the active store.

    Returns
    -------
    pandas.DataFrame
        id, title_zh, count, geometry_type, provenance, crs, version, source.

    Examples
    --------
    >>> import dcf_spatial.store as s
    >>> s.layers()[["id", "count"]].head(2)  # doctest: +SKIP
    """
    return catalog.list_layers(store=store)
