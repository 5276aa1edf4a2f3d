"""The small JS runtime (and its CSS) that every web map of this project inlines.

The code lives in package data, ``dcf_spatial/maps/assets/runtime.js`` and ``runtime.css``, read
with :mod:`importlib.resources` (so it works from a wheel or a non-editable install). It is
written by hand because no maintained package does these jobs for Leaflet as package data:

* decoding our compact geometry encoding (:mod:`dcf_spatial.maps.encode`: integer-delta
  coordinates in ragged arrays, the GeoArrow layout in JSON) into Leaflet vector layers drawn on
  one shared canvas — this is what keeps a map of 100,000 parcels small and fast to open;
* popups and tooltips built with DOM ``textContent`` (never ``innerHTML``), so attribute values are
  always shown as text;
* the fullscreen and distance-measure controls: folium's Fullscreen/MeasureControl plugins load
  their JS from CDNs and no PyPI package ships those plugins as package data; both controls here
  are a few lines over browser APIs (Fullscreen API) and Leaflet's own ``map.distance``.
"""

from __future__ import annotations

import functools
from importlib import resources

#: the package-data folder holding runtime.js and runtime.css
ASSETS = "assets"

#: zoom levels between which a label class ``dcf-minzN`` can hide a label (shown from zoom N on)
LABEL_MIN_ZOOMS = range(5, 19)
MAX_ZOOM = 20


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(ASSETS, name).read_text(encoding="utf-8")


def label_zoom_css() -> str:
    """CSS that shows a ``dcf-minzN`` label only from zoom ``N`` on (the map carries a ``dcf-zK`` class).

    Returns
    -------
    str
        One rule per minimum zoom in :data:`LABEL_MIN_ZOOMS`.

    Examples
    --------
    >>> label_zoom_css().startswith(".dcf-minz5{display:none}")
    True
    """
    return "\n".join(
        f".dcf-minz{mz}{{display:none}}" + "".join(f" .dcf-z{z} .dcf-minz{mz}{{display:block}}"
                                                   for z in range(mz, MAX_ZOOM + 1))
        for mz in LABEL_MIN_ZOOMS
    )


@functools.cache
def runtime_js() -> str:
    """The JS runtime (the global ``dcf`` object) as text, read from package data.

    Returns
    -------
    str
        The content of ``dcf_spatial/maps/assets/runtime.js``.

    Examples
    --------
    >>> "var dcf = " in runtime_js()
    True
    """
    return _asset("runtime.js")


@functools.cache
def runtime_css() -> str:
    """The runtime's CSS: the label-zoom rules, then ``assets/runtime.css``.

    Returns
    -------
    str
        CSS text to inline in a ``<style>`` element.

    Examples
    --------
    >>> ".dcf-title" in runtime_css()
    True
    """
    return label_zoom_css() + _asset("runtime.css")
