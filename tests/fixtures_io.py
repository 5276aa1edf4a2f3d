"""Builders of small user files for tests/test_io.py (each writes into a pytest tmp_path)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: a point inside Dongchangfu (lon, lat), CGCS2000/WGS84
KNOWN = (115.98, 36.45)
#: two township names with characters outside Latin-1, and their codes (NBS 2023)
TOWNS = [("371502105000", "郑家镇"), ("371502106000", "堂邑镇")]


def township_polygons(crs="EPSG:4490") -> gpd.GeoDataFrame:
    """Two adjacent boxes near KNOWN with 三调-style admin fields XZQDM/XZQMC."""
    x, y = KNOWN
    geoms = [shapely.box(x - 0.05, y - 0.02, x, y + 0.02), shapely.box(x, y - 0.02, x + 0.05, y + 0.02)]
    return gpd.GeoDataFrame(
        {"XZQDM": [c for c, _ in TOWNS], "XZQMC": [n for _, n in TOWNS]}, geometry=geoms, crs="EPSG:4490"
    ).to_crs(crs)


def write_shapefile(gdf: gpd.GeoDataFrame, path: Path, *, encoding: str, keep_cpg: bool = False,
                    keep_prj: bool = True) -> Path:
    """Write a Shapefile in ``encoding``, then drop the .cpg (and .prj) as old desktop GIS exports do."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyogrio warns about a missing CRS on purpose-made files
        gdf.to_file(path, encoding=encoding, engine="pyogrio")
    if not keep_cpg:
        path.with_suffix(".cpg").unlink(missing_ok=True)
    if not keep_prj:
        path.with_suffix(".prj").unlink(missing_ok=True)
    return path


def point_in(crs: str, lon: float = KNOWN[0], lat: float = KNOWN[1]) -> tuple[float, float]:
    """KNOWN (or lon/lat) projected to ``crs``."""
    p = gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4490").to_crs(crs).iloc[0]
    return float(p.x), float(p.y)


def metres_from_known(gdf: gpd.GeoDataFrame, lon: float = KNOWN[0], lat: float = KNOWN[1]) -> np.ndarray:
    """Distance in metres (EPSG:4548) of each geometry's centroid from the known point."""
    from dcf_spatial.crs import to_working

    ref = to_working(gpd.GeoDataFrame(geometry=[shapely.Point(lon, lat)], crs="EPSG:4490")).geometry.iloc[0]
    return to_working(gdf).geometry.centroid.distance(ref).to_numpy()


def bowtie(lon: float = KNOWN[0], lat: float = KNOWN[1], d: float = 0.01) -> shapely.Polygon:
    """A self-intersecting (figure-of-eight) polygon."""
    return shapely.Polygon([(lon, lat), (lon + d, lat + d), (lon + d, lat), (lon, lat + d), (lon, lat)])


def table(rows: dict, path: Path, *, encoding: str = "utf-8", title: str | None = None) -> Path:
    """Write a CSV (given encoding) or XLSX (by suffix), optionally with a title line above the header."""
    df = pd.DataFrame(rows)
    if path.suffix == ".xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            df.to_excel(xw, index=False, startrow=1 if title else 0)
            if title:
                xw.sheets["Sheet1"]["A1"] = title
        return path
    text = df.to_csv(index=False, lineterminator="\n")
    if title:
        text = title + "\n" + text
    path.write_bytes(text.encode(encoding))
    return path
