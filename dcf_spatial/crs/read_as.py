"""In which coordinate system a site's coordinates were read, and who said so.

A 核查意见 names the CRS of the site it judged. That must be the CRS the reader actually used — the
one the file declares (a 报批 TXT's header, a shapefile's .prj, a GeoPackage's layer), the one the
user chose, or the one guessed from the numbers — with where it came from, never the CRS of a later
step (the desk's upload answer is already in EPSG:4490, and checking that again is no statement
about the surveyor's file; QA new-user round, finding 1).

:func:`read_as` makes the record the readers keep in ``attrs[CRS_READ]``; :func:`read_as_zh` words it
for 核查输入 → 坐标系.
"""

from __future__ import annotations

import functools
import re

#: the ``attrs`` key of a read frame holding :func:`read_as`'s record
CRS_READ = "crs_read"
#: who decided the CRS: the file, the user, or the reader from the coordinates' numbers
SOURCES = ("file", "user", "guessed")
#: where a file states its CRS, by the reader's format name (dcf_spatial.io.formats)
DECLARED_IN = {"survey_txt": "文件头", "shp": ".prj 文件", "gpkg": "GeoPackage 图层定义", "geojson": "GeoJSON 文件",
               "kml": "KML 文件（KML 规定为 WGS84 经纬度）", "gdb": "FileGDB 图层定义"}
_WEB = {"gcj02": "GCJ-02（高德/腾讯坐标）", "bd09": "BD-09（百度坐标）"}


def read_as(source: str, crs, *, declared_in: str | None = None) -> dict:
    """The record of how coordinates were read.

    Parameters
    ----------
    source
        ``"file"`` (declared by the file), ``"user"`` (chosen by the user) or ``"guessed"`` (from the numbers).
    crs
        The CRS read in: ``"gcj02"``/``"bd09"``, an EPSG code or anything pyproj takes.
    declared_in
        For ``"file"``: where the file declares it (``文件头``, ``.prj 文件`` …).

    Examples
    --------
    >>> read_as("file", "EPSG:4527", declared_in="文件头")["crs"]
    'EPSG:4527'
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    if isinstance(crs, str) and crs.lower() in _WEB:
        return {"crs": crs.lower(), "name": _WEB[crs.lower()], "source": source, "declared_in": declared_in}
    code, name = _described(crs) if isinstance(crs, (str, int)) else _describe(crs)
    return {"crs": code, "name": name, "source": source, "declared_in": declared_in}


@functools.lru_cache(maxsize=64)
def _described(crs: str | int) -> tuple[str, str]:
    """:func:`_describe` of a CRS given by name or code, kept: every typed ``lon,lat`` check names its CRS,
    and pyproj's ``to_epsg`` cost ~0.09 ms of a ~0.8 ms check (the desk's per-check CPU)."""
    return _describe(crs)


def _describe(crs) -> tuple[str, str]:
    """``(EPSG:n or pyproj's name, the Chinese name)`` of a CRS."""
    from pyproj import CRS

    parsed = CRS.from_user_input(crs)
    epsg = parsed.to_epsg()
    return (f"EPSG:{epsg}" if epsg else parsed.name), name_zh(parsed)


def name_zh(crs) -> str:
    """A CRS's name as a Chinese reader knows it (CGCS2000 3 度带第 39 带), else pyproj's name.

    Examples
    --------
    >>> name_zh("EPSG:4527"), name_zh("EPSG:4490"), name_zh("EPSG:4548")
    ('CGCS2000 3 度带第 39 带', 'CGCS2000 经纬度', 'CGCS2000 3 度带（中央经线 117°E）')
    """
    from pyproj import CRS

    parsed = CRS.from_user_input(crs)
    name = parsed.name
    datum = "CGCS2000" if "CGCS2000" in name or "China Geodetic Coordinate System 2000" in name else (
        "西安 80" if "Xian 1980" in name else "北京 54" if "Beijing 1954" in name else
        "WGS84" if name.startswith("WGS 84") else None)
    if parsed.is_geographic and datum:
        return f"{datum} 经纬度"
    m = re.search(r"(\d)-degree Gauss-Kruger (?:zone (\d+)|CM (\d+)E)", name)
    if datum and m:
        width, zone, cm = m.groups()
        return f"{datum} {width} 度带第 {zone} 带" if zone else f"{datum} {width} 度带（中央经线 {cm}°E）"
    return name


def read_as_checked(value) -> dict | None:
    """A :func:`read_as` record sent back by a client (the desk's page returns the upload's), rebuilt from
    its ``source``, ``crs`` and ``declared_in`` only when each is one this module makes; else ``None``.
    The CRS's name is made here again, so no text of the client's reaches a report.

    Examples
    --------
    >>> read_as_checked({"source": "file", "crs": "EPSG:4527", "declared_in": "文件头", "name": "x"})["name"]
    'CGCS2000 3 度带第 39 带'
    >>> read_as_checked({"source": "file", "crs": "EPSG:4527", "declared_in": "任意文字"}) is None
    True
    """
    if not isinstance(value, dict) or value.get("source") not in SOURCES or not isinstance(value.get("crs"), str):
        return None
    where = value.get("declared_in")
    if where is not None and where not in (*DECLARED_IN.values(), "文件"):
        return None
    try:
        return read_as(value["source"], value["crs"], declared_in=where)
    except Exception:  # noqa: BLE001 - pyproj's CRSError and kin: a record this module did not make
        return None


def read_as_zh(info: dict | None) -> str | None:
    """The 坐标系 line of 核查输入 for a :func:`read_as` record: the CRS and where it came from.

    Examples
    --------
    >>> read_as_zh(read_as("file", "EPSG:4527", declared_in="文件头"))
    'EPSG:4527（CGCS2000 3 度带第 39 带），取自文件头'
    >>> read_as_zh(read_as("user", "gcj02"))
    'GCJ-02（高德/腾讯坐标），用户指定'
    >>> read_as_zh(read_as("guessed", "EPSG:4490"))
    'EPSG:4490（CGCS2000 经纬度），未声明坐标系，按坐标数值判断'
    """
    if not info or info.get("source") not in SOURCES:
        return None
    code, name = info.get("crs"), info.get("name")
    shown = name if code in _WEB else (f"{code}（{name}）" if name and name != code else str(code))
    if info["source"] == "file":
        where = info.get("declared_in") or "文件"
        return f"{shown}，取自{' ' if where[0].isascii() else ''}{where}"
    if info["source"] == "user":
        return f"{shown}，用户指定"
    return f"{shown}，未声明坐标系，按坐标数值判断"
