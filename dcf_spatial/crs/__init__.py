"""The project's one CRS policy, and conversion of Chinese web-map coordinates.

Storage
    CGCS2000 geographic, EPSG:4490 (:data:`dcf_spatial.settings.storage_crs`).
Measuring (areas, distances, buffers)
    CGCS2000 3-degree Gauss–Krüger CM 117°E, EPSG:4548 (:data:`~dcf_spatial.settings.working_crs`).
Web maps
    EPSG:4326, produced only by :func:`to_web`.

GCJ-02 ("Mars coordinates", used by Amap/Gaode and Tencent) and BD-09 (Baidu) are not known to
PROJ. They are converted here on the way in (:func:`to_storage` with ``crs="gcj02"``) and the
conversion is recorded by the caller in the layer's provenance.

Areas are reported in 亩, 公顷 and km² — never in square degrees (:func:`area_table`).

What CRS a user's bare coordinates are in (no ``.prj``, swapped axes, a wrong declaration) is
decided beside this policy, in :mod:`dcf_spatial.crs.guess`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from .. import settings
from .._fixes import CRS as FIX_CRS, CRS_VALUE_ERRORS
from ..errors import CRSMismatchError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd

logger = logging.getLogger(__name__)

#: pseudo-CRS names accepted wherever a CRS is (``crs="gcj02"``)
CHINESE_WEB_CRS = ("gcj02", "bd09")

# --- GCJ-02 / BD-09 --------------------------------------------------------------------------
# Written by hand because no maintained, vectorised library implements the GCJ-02 obfuscation
# (PROJ deliberately does not). The forward formula below is the widely published one (Krasovsky
# 1940 ellipsoid constants); the inverse is solved by fixed-point iteration, which converges to
# well under a millimetre in a few steps inside China.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
_BD_X_PI = np.pi * 3000.0 / 180.0


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    dlat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _GCJ_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat):
    """Forward GCJ-02 obfuscation of WGS84/CGCS2000 lon/lat (arrays or scalars)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, *, tol_deg: float = 1e-10, max_iter: int = 30):
    """Invert :func:`wgs84_to_gcj02` by fixed-point iteration (error ≪ 1 mm after convergence)."""
    glon = np.asarray(lon, dtype=float)
    glat = np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon = wlon - elon
        wlat = wlat - elat
        if np.all(np.abs(elon) < tol_deg) and np.all(np.abs(elat) < tol_deg):
            break
    return wlon, wlat


def _bd09_to_gcj02_closed_form(lon, lat):
    x = np.asarray(lon, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lon, lat, *, tol_deg: float = 1e-10, max_iter: int = 10):
    """Baidu BD-09 to GCJ-02: the published closed form (good to ~5 cm), refined by fixed-point
    iteration against :func:`gcj02_to_bd09` to well under a millimetre."""
    blon = np.asarray(lon, dtype=float)
    blat = np.asarray(lat, dtype=float)
    glon, glat = _bd09_to_gcj02_closed_form(blon, blat)
    for _ in range(max_iter):
        flon, flat = gcj02_to_bd09(glon, glat)
        elon, elat = flon - blon, flat - blat
        glon, glat = glon - elon, glat - elat
        if np.all(np.abs(elon) < tol_deg) and np.all(np.abs(elat) < tol_deg):
            break
    return glon, glat


def gcj02_to_bd09(lon, lat):
    """GCJ-02 to Baidu BD-09."""
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_wgs84(lon, lat):
    """Baidu BD-09 to WGS84/CGCS2000."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _transform_geoms(geoms, func):
    import shapely

    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = func(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, apply)


# --- CRS policy ------------------------------------------------------------------------------


def parse_crs(value) -> str:
    """Normalise a user CRS option: ``"4490"``, ``"EPSG:4527"``, ``"gcj02"``, ``"bd09"``, WKT.

    Returns ``"gcj02"``/``"bd09"`` for the Chinese web-map systems, else an ``"EPSG:n"`` or the
    input string accepted by pyproj.
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    if value is None:
        raise InputError(f"{CRS_VALUE_ERRORS[1]}。请写 EPSG 编号（如 4490），或 gcj02（高德/腾讯）/ bd09（百度）。")
    text = str(value).strip()
    low = text.lower().replace("-", "").replace("_", "")
    if low in CHINESE_WEB_CRS:
        return low
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        crs = CRS.from_user_input(text)
    except CRSError as exc:
        raise InputError(
            f"{CRS_VALUE_ERRORS[0]}“{value}”（pyproj：{exc}）。请写 EPSG 编号：4490（CGCS2000 经纬度）、"
            "4326（WGS84）、4527/4548（CGCS2000 高斯-克吕格 3° 带，带号前缀/不带前缀），"
            "或 gcj02（高德/腾讯坐标）、bd09（百度坐标）。"
        ) from None
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def to_storage(gdf: "gpd.GeoDataFrame", crs=None) -> "gpd.GeoDataFrame":
    """Return ``gdf`` in the storage CRS (EPSG:4490).

    Parameters
    ----------
    gdf
        Any GeoDataFrame.
    crs
        Declared CRS of the coordinates when ``gdf.crs`` is missing or wrong, including
        ``"gcj02"`` and ``"bd09"``, which are converted to CGCS2000 here.
    """
    out = gdf.copy()
    if crs is not None:
        code = parse_crs(crs)
        if code == "gcj02":
            out = out.set_geometry(_transform_geoms(out.geometry.values, gcj02_to_wgs84), crs=None)
            out = out.set_crs(settings.storage_crs, allow_override=True)
            logger.info("Converted %d features from GCJ-02 to CGCS2000", len(out))
            return out
        if code == "bd09":
            out = out.set_geometry(_transform_geoms(out.geometry.values, bd09_to_wgs84), crs=None)
            out = out.set_crs(settings.storage_crs, allow_override=True)
            logger.info("Converted %d features from BD-09 to CGCS2000", len(out))
            return out
        out = out.set_crs(code, allow_override=True)
    if out.crs is None:
        raise InputError(
            f"数据没有坐标系信息，也未指明。请{FIX_CRS}，例如 4490（CGCS2000 经纬度）、"
            "4527（高斯-克吕格 3° 带，X 坐标带 39 带号前缀）、gcj02（高德坐标）。"
        )
    if _is_wgs84_like(out.crs):
        # WGS84 and CGCS2000 differ by centimetres here; relabel rather than run a null transform.
        return out.set_crs(settings.storage_crs, allow_override=True)
    return out.to_crs(settings.storage_crs)


def _is_wgs84_like(crs) -> bool:
    """True for WGS84 and CGCS2000 lon/lat, which agree to centimetres here (not Beijing 1954 or
    Xian 1980, whose datums differ by up to ~100 m and must be transformed)."""
    if crs is None:
        return False
    epsg = crs.to_epsg()
    return epsg in (4326, 4490) or (crs.is_geographic and epsg is None and "WGS" in crs.name.upper())


def to_working(gdf: "gpd.GeoDataFrame") -> "gpd.GeoDataFrame":
    """Return ``gdf`` in the measuring CRS (EPSG:4548), for areas, distances and buffers."""
    if gdf.crs is None:
        raise InputError("图层没有坐标系，无法量算；请先用 dcf_spatial.io 读入（会检查并设置坐标系）。")
    if gdf.crs.to_epsg() == 4548:
        return gdf
    return gdf.to_crs(settings.working_crs)


def to_web(gdf: "gpd.GeoDataFrame", *, gcj02: bool = False) -> "gpd.GeoDataFrame":
    """Return ``gdf`` in EPSG:4326 for Leaflet; with ``gcj02=True`` shifted to GCJ-02 so that it
    lines up with Amap/Gaode tiles (the map must say so)."""
    if gdf.crs is None:
        raise InputError("图层没有坐标系，无法画到网页地图上；请先用 dcf_spatial.io 读入（会检查并设置坐标系）。")
    if _is_wgs84_like(gdf.crs):
        # CGCS2000 and WGS84 agree to centimetres at this scale: relabel, no transform.
        out = gdf.set_crs(settings.web_crs, allow_override=True)
    else:
        out = gdf.to_crs(settings.web_crs)
    if gcj02:
        out = out.set_geometry(_transform_geoms(out.geometry.values, wgs84_to_gcj02))
    return out


def check_same_crs(a: "gpd.GeoDataFrame", b: "gpd.GeoDataFrame", *, names=("left", "right")) -> None:
    """Raise :class:`CRSMismatchError` unless ``a`` and ``b`` share a CRS (stricter than geopandas)."""
    if a.crs is None or b.crs is None or not a.crs.equals(b.crs):
        ca = a.crs.to_string() if a.crs is not None else "None"
        cb = b.crs.to_string() if b.crs is not None else "None"
        raise CRSMismatchError(
            f"坐标系不一致（CRS mismatch）：{names[0]} 为 {ca}，{names[1]} 为 {cb}。请先统一坐标系，"
            "例如 dcf_spatial.crs.to_storage()（EPSG:4490）或 dcf_spatial.crs.to_working()（EPSG:4548）。"
        )


def m2_to_mu(m2):
    """Square metres to 亩 (1 亩 = 10,000/15 m²)."""
    return np.asarray(m2, dtype=float) / settings.MU_M2 if np.ndim(m2) else float(m2) / settings.MU_M2


def area_table(gdf: "gpd.GeoDataFrame") -> "pd.DataFrame":
    """Areas of each feature in m², 亩, 公顷 and km², measured in the working CRS, indexed like ``gdf``."""
    import pandas as pd

    m2 = to_working(gdf).geometry.area
    return pd.DataFrame(
        {"area_m2": m2, "area_mu": m2 / settings.MU_M2, "area_ha": m2 / 10_000, "area_km2": m2 / 1e6},
        index=gdf.index,
    )
