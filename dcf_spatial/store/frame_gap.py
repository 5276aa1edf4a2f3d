"""Whether the township-level layers still tile the district: the frame gap (store/layer_health.py says what a
check makes of it; an import warns of one it would leave). A module of its own, importing no store module, so that
the catalog's import and the layers' health both use it."""

from __future__ import annotations

import numpy as np

#: the frame layers: the district and the units that should tile it (townships and development-zone units)
FRAME_LAYERS = ("district", "townships", "other_units")
#: a gap in the frame thinner than twice this (metres) is a sliver of two layers' edges, not a hole. Not smaller:
#: the layers are compared in the working (projected) CRS, where one long straight edge of a layer drawn in
#: longitude/latitude (a district edge of 70 km) and the same line made of several shorter edges (the townships
#: along it) part by the curvature of the parallel, up to ~70 m at 36.5° N; a township cut away is km wide
FRAME_GAP_TOLERANCE_M = 100.0


def frame_gap(district, units) -> object | None:
    """The part of ``district`` (geometries in the working CRS) that no geometry of ``units`` (townships and
    development-zone units) covers, slivers thinner than 2 × :data:`FRAME_GAP_TOLERANCE_M` left out; ``None``
    when there is none."""
    import shapely

    d = shapely.union_all(np.asarray(district, dtype=object))
    if d is None or d.is_empty:
        return None
    u = shapely.union_all(np.asarray(units, dtype=object)) if len(units) else shapely.Polygon()
    gap = d.difference(u)
    if gap.is_empty:
        return None
    core = gap.buffer(-FRAME_GAP_TOLERANCE_M)
    if core.is_empty:
        return None
    return core.buffer(FRAME_GAP_TOLERANCE_M).intersection(gap)


def frame_gap_zh(gap) -> str:
    """``东昌府区行政区域内约 1,203.52 km² 不在任何镇（街道）或开发区托管单元内``."""
    return (f"东昌府区行政区域（district）内约 {gap.area / 1e6:,.2f} km² 不在镇（街道）图层（townships）或开发区托管单元图层"
            "（other_units）的任何要素内（两图层本应铺满全区）")
