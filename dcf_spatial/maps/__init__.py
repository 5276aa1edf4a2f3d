"""Maps: the plan's appendix maps (print and web) and offline web maps of layers and answers.

* :func:`appendix_maps` — 附图1–3 as PDF, PNG and HTML (:mod:`~dcf_spatial.maps.appendix`);
* :func:`layers_map` — layers of the store as an offline web map (:mod:`~dcf_spatial.maps.webmap`);
* :func:`answer_map` — a query's answer over the plan's zones (:mod:`~dcf_spatial.maps.answer`).

Supporting modules: :mod:`~dcf_spatial.maps.style` (the style file), :mod:`~dcf_spatial.maps.builder`
(one web map), :mod:`~dcf_spatial.maps.encode` (compact encoding), :mod:`~dcf_spatial.maps.runtime`
(the JS runtime, package data), :mod:`~dcf_spatial.maps.offline`, :mod:`~dcf_spatial.maps.fonts`,
:mod:`~dcf_spatial.maps.dates` (the date a map states). The names here are imported on first use:
``import dcf_spatial.maps`` loads neither matplotlib, folium nor the CJK font.
"""

from __future__ import annotations

import importlib

__all__ = ["appendix_maps", "answer_map", "layers_map"]

_WHERE = {"appendix_maps": "appendix", "answer_map": "answer", "layers_map": "webmap"}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
