"""What the 图层 page draws of an uploaded layer during an import preview, and how much of it: at most
:data:`MAP_FEATURES` features (the moved and added ones first) and about :data:`MAP_VERTICES` vertices, simplified
beyond that, with a sentence saying what was left out. A 100,000-feature file was sent whole: 26 MB of GeoJSON
of a 28 MB answer, 45 s on the server and 94 s before the page showed anything (breaker B31-12)."""

from __future__ import annotations

import json

#: features drawn at most; the rest are counted in the note
MAP_FEATURES = 2_000
#: vertices drawn before the outlines are simplified (by :data:`SIMPLIFY_DEG`)
MAP_VERTICES = 100_000
#: the simplification of outlines over :data:`MAP_VERTICES`: 0.0001° is about 10 m, finer than the map shows
SIMPLIFY_DEG = 1e-4


def outline(layer, *, first=(), max_features: int | None = None) -> tuple[dict, str]:
    """The layer an import would make (``id``/``name_zh`` kept), as GeoJSON (EPSG:4326) for the page to draw over
    the current layer, and a note saying what was left out or simplified (``""`` when all is drawn as is).

    Parameters
    ----------
    layer
        The previewed layer (:attr:`dcf_spatial.register.preview.ImportPreview.new_layer`).
    first
        Feature ids drawn before the others, in this order, when not all can be (the moved and the added ones).
    max_features
        Features drawn at most (``None``: :data:`MAP_FEATURES`).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame({"id": ["a", "b", "c"]}, geometry=[shapely.Point(115.9, 36.4)] * 3, crs=4490)
    >>> drawn, note = outline(g, first=["c"], max_features=2)
    >>> [f["properties"]["id"] for f in drawn["features"]]
    ['a', 'c']
    >>> note
    '地图只画出其中 2 个要素（共 3 个，位置改变与新增的优先）。数量与变化以上面的统计为准，完整要素以导入的文件为准。'
    """
    import numpy as np
    import shapely

    keep = [c for c in ("id", "name_zh") if c in layer.columns]
    gdf = layer[keep + [layer.geometry.name]]
    cap = MAP_FEATURES if max_features is None else int(max_features)
    total, said = len(gdf), []
    if total > cap:
        rank = {i: k for k, i in enumerate(dict.fromkeys(map(str, first)))}
        wanted = bool(rank) and "id" in gdf.columns
        order = (np.argsort(gdf["id"].astype(str).map(rank).fillna(len(rank)).to_numpy(), kind="stable")
                 if wanted else np.arange(total))
        gdf = gdf.iloc[np.sort(order[:cap])]
        said.append(f"地图只画出其中 {cap:,} 个要素（共 {total:,} 个" + ("，位置改变与新增的优先" if wanted else "") + "）")
    gdf = gdf.to_crs(4326)
    if int(shapely.get_num_coordinates(gdf.geometry.values).sum()) > MAP_VERTICES:
        gdf = gdf.set_geometry(shapely.simplify(gdf.geometry.values, SIMPLIFY_DEG, preserve_topology=True))
        said.append("边界已简化（约 10 米）")
    note = ("；".join(said) + "。数量与变化以上面的统计为准，完整要素以导入的文件为准。") if said else ""
    return json.loads(gdf.to_json(na="null", drop_id=True)), note
