"""Write a GeoPackage layer whose fields carry Chinese aliases and whose layer carries a description.

The field names stay the tool's (``parcel_id``, ``status`` …: the GeoParquet, ``dcf audit diff`` and scripts
read them); each field's Chinese name is its GDAL *alternative name*, which GDAL (≥ 3.7) stores in the
GeoPackage schema extension (``gpkg_data_columns.name``) and QGIS shows as the field's alias (attribute
table headers, forms). The layer's description goes to ``gpkg_contents.description`` (GDAL's ``DESCRIPTION``
layer option), its title to ``gpkg_contents.identifier``. Both are written by GDAL through pyogrio's arrow
writer (field metadata ``GDAL:OGR:alternative_name``); nothing is patched into the file afterwards.
"""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)

#: the arrow field metadata GDAL reads as a field's alternative name (alias)
ALIAS_KEY = b"GDAL:OGR:alternative_name"


#: shapely's geometry type ids → GDAL's layer geometry type names
_TYPE_NAMES = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon",
               7: "GeometryCollection"}


def _geometry_type(geoms) -> tuple[str, object]:
    """The layer's geometry type and the geometries to write: one type as it is, polygons and multipolygons
    (lines, points) mixed made multi, as pyogrio's own writer promotes them; else ``Unknown``."""
    import numpy as np
    import shapely

    arr = np.asarray(geoms, dtype=object)
    kinds = set(shapely.get_type_id(arr[~shapely.is_missing(arr)]).tolist()) - {-1}
    if len(kinds) == 1 and next(iter(kinds)) in _TYPE_NAMES:
        return _TYPE_NAMES[kinds.pop()], arr
    for single, multi, make in ((0, 4, shapely.multipoints), (1, 5, shapely.multilinestrings),
                                (3, 6, shapely.multipolygons)):
        if kinds == {single, multi}:
            types = shapely.get_type_id(arr)
            out = arr.copy()
            one = np.flatnonzero(types == single)
            out[one] = [make([g]) for g in arr[one]]
            return _TYPE_NAMES[multi], out
    return "Unknown", arr


def write_gpkg_layer(gdf, path, *, layer: str, aliases: dict[str, str], description: str = "",
                     identifier: str = "") -> Path:
    """Write ``gdf`` (plain column types: see :func:`dcf_spatial.land.outputs.write_gpkg`) as ``layer`` of the
    GeoPackage ``path``, each column named in ``aliases`` with that alias, and the layer's description.

    Parameters
    ----------
    gdf
        The rows, with a CRS.
    aliases
        Column → alias (Chinese); unnamed columns have none. Aliases must differ (GeoPackage: unique per table).
    description, identifier
        ``gpkg_contents.description`` and ``.identifier`` (QGIS: the layer's abstract and title).

    Examples
    --------
    >>> write_gpkg_layer(gdf, "out.gpkg", layer="idle_audit", aliases={"parcel_id": "宗地代码"},
    ...                  description="示意")                                          # doctest: +SKIP
    """
    import pyarrow as pa
    import pyogrio

    path = Path(path)
    geom_name = gdf.geometry.name
    kind, geoms = _geometry_type(gdf.geometry.values)
    frame = gdf.set_geometry(list(geoms), crs=gdf.crs) if geoms is not gdf.geometry.values else gdf
    table = pa.table(frame.to_arrow(index=False, geometry_encoding="WKB"))
    fields = []
    for f in table.schema:
        if pa.types.is_null(f.type):   # a column of no value at all: text for GDAL (as pyogrio's writer does)
            f = f.with_type(pa.string())
        if f.name in aliases:
            f = f.with_metadata({**(f.metadata or {}), ALIAS_KEY: str(aliases[f.name]).encode()})
        fields.append(f)
    table = table.cast(pa.schema(fields, metadata=table.schema.metadata))
    options = {k: v for k, v in (("DESCRIPTION", description), ("IDENTIFIER", identifier)) if v}
    pyogrio.write_arrow(table, path, layer=layer, driver="GPKG", geometry_name=geom_name, geometry_type=kind,
                        crs=gdf.crs.to_wkt() if gdf.crs is not None else None, layer_options=options or None)
    logger.info("Wrote %d features to %s (layer %s, %d field aliases)", len(gdf), path, layer,
                sum(1 for f in fields if f.metadata and ALIAS_KEY in f.metadata))
    return path
