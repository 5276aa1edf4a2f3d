"""The layer store: where the plan's layers live, and the one way to read and change them.

:class:`Store` wraps a GeoPackage path or a ``postgresql://`` URL; :func:`layer` and
:func:`layers` read the store in effect. Every function of the package that takes ``store=None``
resolves it the same way (:func:`~dcf_spatial.store.locate.resolve_store`): an explicit argument,
else the store made active by ``with Store(x).activate():`` (per thread / asyncio task), else
``settings.store`` (``DCF_STORE`` or the shipped default).

Modules: :mod:`.catalog` (schemas, provenance, read/write/import/reset/copy), :mod:`.build` (the
default layers from ``sources/``), :mod:`.rederive` (zones redrawn from imported lines),
:mod:`.export` (desktop-GIS formats), :mod:`.locate` (which store a call uses), :mod:`.backends`
(GeoPackage and PostGIS tables).

Examples
--------
>>> import dcf_spatial.store as s
>>> s.layers()[["id", "count"]].head(3)  # doctest: +SKIP
>>> with s.Store("/tmp/copy.gpkg").activate():  # doctest: +SKIP
...     s.layer("townships")
"""

from .api import Store, layer, layers

__all__ = ["Store", "layer", "layers"]
