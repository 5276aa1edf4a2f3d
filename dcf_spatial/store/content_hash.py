"""Is a layer's content the same? The SHA-256 of its features and attributes (:func:`frame_sha256`): a
layer's version in the register of checks, and what a push compares with the target's current version."""

from __future__ import annotations

import hashlib


def frame_sha256(gdf) -> str:
    """SHA-256 of a layer's content: column names, attribute values and geometry (WKB), in row order.

    Written here because a table's content hash is not offered by geopandas; the attributes are hashed
    with pandas' own stable row hash (:func:`pandas.util.hash_pandas_object`) and the geometry as WKB.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(1, 2)], crs=4490)
    >>> frame_sha256(g) == frame_sha256(g.copy())
    True
    """
    import pandas as pd
    import shapely

    geom = gdf.geometry.name
    attrs = gdf.drop(columns=[geom])
    attrs = attrs[sorted(attrs.columns)]
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, attrs.columns)).encode("utf-8"))
    for col in attrs.columns:  # as text: the same content hashes the same whatever dtype a backend reads
        values = attrs[col].astype(object).where(attrs[col].notna(), None).map(lambda v: "\x00" if v is None else str(v))
        h.update(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes())
    wkb = shapely.to_wkb(gdf.geometry.values, hex=False)
    for w in wkb:
        h.update(b"\x00" if w is None else w)
    return h.hexdigest()
