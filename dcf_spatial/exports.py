"""Write a layer (or any GeoDataFrame) to the formats the bureau's desktop tools open."""

from __future__ import annotations

import logging
from pathlib import Path

from .errors import InputError

logger = logging.getLogger(__name__)

#: suffix -> (GDAL driver, needs lon/lat in EPSG:4326)
FORMATS = {
    ".gpkg": ("GPKG", False),
    ".geojson": ("GeoJSON", False),
    ".json": ("GeoJSON", False),
    ".shp": ("ESRI Shapefile", False),
    ".kml": ("KML", True),
}


def write_vector(gdf, path, *, overwrite: bool = False) -> Path:
    """Write ``gdf`` to ``path`` in the format its suffix names (see :data:`FORMATS`).

    Shapefiles are written in UTF-8 with a ``.cpg`` so that Chinese attributes survive; KML is
    written in EPSG:4326 as the format requires; the others keep the layer's CRS (EPSG:4490).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            f"{path}：不能导出为 {suffix or '无扩展名的文件'}。"
            f"请用以下扩展名之一：{', '.join(FORMATS)}。"
        )
    if path.exists() and not overwrite:
        raise InputError(f"{path} 已存在。要替换请加 --overwrite。")
    driver, needs_wgs84 = FORMATS[suffix]
    out = gdf
    if needs_wgs84:
        from .crs import to_web

        out = to_web(gdf)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        if driver == "ESRI Shapefile":
            for sib in path.parent.glob(path.stem + ".*"):
                sib.unlink()
        else:
            path.unlink()
    kwargs = {"encoding": "UTF-8"} if driver == "ESRI Shapefile" else {}
    out.to_file(path, driver=driver, **kwargs)
    logger.info("Wrote %d features to %s (%s)", len(out), path, driver)
    return path


def export_layer(layer_id: str, path, *, overwrite: bool = False, store=None) -> Path:
    """Export one layer of the store to ``path`` (format by suffix)."""
    from . import catalog

    return write_vector(catalog.read_layer(layer_id, store=store), path, overwrite=overwrite)
