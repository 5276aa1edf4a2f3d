"""Layer maps: layers of the store drawn as one offline web map (``dcf maps layers``, the appendix HTML).

The web-map machinery lives in three modules, by job:

* :mod:`dcf_spatial.maps.encode` — the compact geometry and attribute encoding;
* :mod:`dcf_spatial.maps.builder` — :class:`~dcf_spatial.maps.builder.WebMap`, the builder of
  one offline HTML map (layers, legend, controls, the inlined JS runtime);
* :mod:`dcf_spatial.maps.answer` — answer maps of a query, a site check or an audit.

This module draws the store's layers (:func:`layers_map`) and, so that callers written against the
old single module keep working, re-exports the names they import from it (``answer_map``,
``answer_view``, ``WebMap``, ``encode_geometries`` …). New code imports them from their own module.
"""

from __future__ import annotations

from pathlib import Path

from . import style as map_style
from .answer import answer_map, answer_view, focus_outline_weight, shade
from .builder import BASEMAPS, FIELD_LABELS, PROVENANCE_ZH, WebMap
from .dates import data_date
from .encode import display_value, encode_geometries

__all__ = [
    "layers_map",
    # re-exported from their modules
    "answer_map", "answer_view", "focus_outline_weight", "shade", "BASEMAPS", "FIELD_LABELS",
    "PROVENANCE_ZH", "WebMap", "display_value", "encode_geometries", "map_style",
]


def layers_map(
    layer_ids: list[str],
    path,
    *,
    title: str,
    subtitle: str | None = None,
    labelled: list[str] | None = None,
    hidden: list[str] | None = None,
    basemap: str = "none",
    overwrite: bool = False,
    store=None,
) -> Path:
    """Draw layers of the store (bottom to top) as an offline web map; each toggles in the layer control.

    The map states the date of its data (:func:`dcf_spatial.maps.dates.data_date`: the newest
    update of the layers drawn), so the same layers give the same file on any day.

    Parameters
    ----------
    layer_ids
        Layer ids in drawing order, the first at the bottom, e.g. ``["district", "townships"]``.
    path
        Output ``.html`` file.
    title
        Chinese title shown on the map and as the page title.
    subtitle
        A second, smaller title line.
    labelled
        Layers whose features are named on the map; default: the layers whose style names a
        ``label_field``.
    hidden
        Layers drawn but switched off when the map opens.
    basemap
        ``"none"`` (default, offline), ``"osm"``, ``"tianditu"`` or ``"gaode"``.
    overwrite
        Replace ``path`` if it exists.
    store
        The layer store (``None``: the active store).

    Returns
    -------
    Path
        The HTML file written.

    Raises
    ------
    LayerNotFoundError
        When a layer id is not in the store.

    Examples
    --------
    >>> layers_map(["district", "townships", "agri_zones"], "out/agri.html", title="农业示范区")  # doctest: +SKIP
    PosixPath('out/agri.html')
    """
    wm = WebMap(title, subtitle=subtitle, basemap=basemap)
    zooms = map_style.section("web").get("label_min_zoom", {})
    fit = None
    for lid in layer_ids:
        wm.add_catalog_layer(lid, show=lid not in (hidden or []),
                             labels=(lid in labelled) if labelled is not None else None, store=store,
                             label_min_zoom=zooms.get(lid, zooms.get("default")), strict=True)
        if lid == "district" and wm.last_bounds is not None:
            fit = wm.last_bounds
    return wm.save(path, overwrite=overwrite, fit_bounds=fit, data_date=data_date(layer_ids, store=store))
