"""Write a layer (or any GeoDataFrame) to the formats the bureau's desktop tools open."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from ..errors import InputError

logger = logging.getLogger(__name__)

#: suffix -> (GDAL driver, needs lon/lat in EPSG:4326)
FORMATS = {
    ".gpkg": ("GPKG", False),
    ".geojson": ("GeoJSON", False),
    ".json": ("GeoJSON", False),
    ".shp": ("ESRI Shapefile", False),
    ".kml": ("KML", True),
}


def write_vector(gdf, path, *, overwrite: bool = False, notes: list | None = None) -> Path:
    """Write ``gdf`` to ``path`` in the format its suffix names (see :data:`FORMATS`).

    Shapefiles are written in UTF-8 with a ``.cpg`` so that Chinese attributes survive; KML is
    written in EPSG:4326 as the format requires; the others keep the layer's CRS (EPSG:4490).
    ``.txt`` writes the 报批/勘测定界 coordinate TXT (CGCS2000 3° Gauss–Krüger zone 39 with the zone
    prefix, GBK, CRLF, 地块面积 in 公顷) with :func:`dcf_spatial.io.survey_txt.write_survey_txt`.

    Examples
    --------
    >>> write_vector(parcels, "地块.gpkg")       # doctest: +SKIP
    >>> write_vector(parcels, "报批坐标.txt")     # doctest: +SKIP
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".txt":
        from ..io.survey_txt import write_survey_txt

        return write_survey_txt(gdf, path, overwrite=overwrite, notes=notes)  # notes: areas written
    if suffix not in FORMATS:
        raise InputError(
            f"{path}：不能导出为 {suffix or '无扩展名的文件'}。"
            f"请用以下扩展名之一：{', '.join(FORMATS)}，或 .txt（报批坐标文件）。"
        )
    from ..outputs_guard import guard_output, remove_shapefile

    guard_output(path, overwrite=overwrite)  # never the store; x.shp: none of its parts without overwrite
    driver, needs_wgs84 = FORMATS[suffix]
    out = gdf
    if needs_wgs84:
        from ..crs import to_web

        out = to_web(gdf)
    path.parent.mkdir(parents=True, exist_ok=True)
    if driver == "ESRI Shapefile":
        remove_shapefile(path)  # its parts only: not x.gpkg or x.csv beside it
    elif path.exists():
        path.unlink()
    if driver == "ESRI Shapefile":
        with warnings.catch_warnings():
            # geopandas/GDAL say in English that long field names get shortened; said below in Chinese
            warnings.filterwarnings("ignore", message="Column names longer than 10 characters")
            warnings.filterwarnings("ignore", message="Normalized/laundered field name")
            warnings.filterwarnings("ignore", message="Could not decode error message")  # the same, for CJK names
            out.to_file(path, driver=driver, encoding="UTF-8")
        _report_shortened_fields(out, path)
    else:
        out.to_file(path, driver=driver)
    logger.info("Wrote %d features to %s (%s)", len(out), path, driver)
    return path


def _report_shortened_fields(gdf, path: Path) -> None:
    """Log, in Chinese, the field names the Shapefile format (10 bytes at most) shortened."""
    import pyogrio

    original = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    if all(len(c.encode("utf-8")) <= 10 for c in original):
        return
    try:
        written = [str(f) for f in pyogrio.read_info(path)["fields"]]
    except UnicodeDecodeError:  # a Chinese name cut inside a character
        written = []
    if len(written) == len(original):
        renamed = [f"{a} → {b}" for a, b in zip(original, written) if a != b]
    else:
        renamed = [a for a in original if len(a.encode("utf-8")) > 10]
    logger.warning("%s：Shapefile 的字段名最长 10 个字节（一个汉字占 3 个字节），以下字段名已被截短：%s。"
                   "需要完整字段名时请导出为 .gpkg 或 .geojson。", path, "；".join(renamed))


def export_layer(layer_id: str, path, *, overwrite: bool = False, store=None) -> Path:
    """Export one layer of the store to ``path`` (format by suffix)."""
    from . import catalog

    return write_vector(catalog.read_layer(layer_id, store=store), path, overwrite=overwrite)
