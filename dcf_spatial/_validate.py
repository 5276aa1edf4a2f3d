"""Plumbing for :mod:`dcf_spatial.io`: what do these coordinates mean, and are they plausible?

Private module. It answers four questions about a freshly read user file, each time either
fixing the data and saying so in a *note*, flagging single rows with a reason, or raising
:class:`~dcf_spatial.errors.InputError` with the file, the fields and the fix:

0. Which text encoding do a DBF or CSV use (:func:`shapefile_encoding`, :func:`text_encoding`)?
1. Which CRS are the coordinates in (:func:`resolve_crs`)? Declared (``.prj``, GeoPackage),
   given by the user (``crs=``, including GCJ-02/BD-09), or guessed from bare numbers
   (:func:`guess_crs`: degrees, zone-prefixed Gauss–Krüger, unprefixed CM 117°E, web Mercator),
   with latitude/longitude swaps recognised.
2. Are the geometries usable (:func:`check_geometries`)? Empty ones are flagged, invalid ones
   repaired with :func:`shapely.make_valid` and reported by row.
3. Are they where they should be (:func:`check_location`)? Outside China is garbage; far from
   Dongchangfu is a warning.

Thresholds live in ``dcf_spatial/data/input_checks.json``.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from . import settings
from .errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

logger = logging.getLogger(__name__)

EARTH_RADIUS_KM = 6371.0088


@lru_cache(maxsize=1)
def checks() -> dict:
    """The thresholds of ``data/input_checks.json``."""
    with open(settings.data_dir / "input_checks.json", encoding="utf-8") as fh:
        return json.load(fh)


# --- text encodings ---------------------------------------------------------------------------------------

# Written by hand (not charset-normalizer/chardet): the files met here are either UTF-8 or the
# Chinese GBK family, and a strict "UTF-8, else GB18030" decode of the character fields decides
# deterministically; statistical detectors misfire on short CJK fields (they pick Big5, Shift-JIS
# or cp1252 for a handful of place names).
_CPG_CODECS = {"936": "gbk", "65001": "utf-8", "utf8": "utf-8", "gb2312": "gbk", "cp936": "gbk", "ansi 936": "gbk"}


#: Unicode ranges of Chinese text (CJK ideographs, CJK and full-width punctuation, general
#: punctuation such as “” — ·): a decoding that yields mostly these is taken as the right one
_CJK_RE = re.compile("[\u00b7\u00d7\u2010-\u206f\u2150-\u218f\u2460-\u24ff\u2e80-\u303f\u3400-\u4dbf"
                     "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0002ffff]")
_NON_ASCII_RE = re.compile("[^\x00-\x7f]")
#: characters looked at to judge a decoding (the judgement is settled long before)
_CJK_SAMPLE_CHARS = 200_000


def _cjk_share(text: str) -> float:
    """Share of the non-ASCII characters of ``text`` that are Chinese characters or punctuation."""
    text = text[:_CJK_SAMPLE_CHARS]
    wide = _NON_ASCII_RE.subn("", text)[1]
    if not wide:
        return 1.0
    return _CJK_RE.subn("", text)[1] / wide


def _decode_guess(raw: bytes) -> str | None:
    """``None`` for pure ASCII, else the encoding of ``raw`` among utf-8 / gbk / gb18030.

    Strict decoding alone is not enough when there is little Chinese text (e.g. only a few field
    names, the values being codes): two GBK characters are valid UTF-8 often enough ("状态" in
    GBK decodes as UTF-8 to "״̬"). So the first strict decoding that yields mostly Chinese
    characters wins; then any strict one; then GBK/GB18030 with at most a couple of broken
    characters (a field name cut mid-character at the DBF's 10-byte limit by some exporters).
    """
    if raw.isascii():
        return None
    strict = []
    for enc in ("utf-8", "gbk", "gb18030"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if _cjk_share(text) >= 0.5:
            return enc
        strict.append(enc)
    if strict:
        return strict[0]
    for enc in ("gbk", "gb18030"):
        text = raw.decode(enc, errors="replace")
        broken = text.count("\ufffd")
        if broken <= 2 and _cjk_share(text.replace("\ufffd", "")) >= 0.5:
            return enc
    return "unknown"


def _dbf_text_sample(fh, limit: int) -> bytes:
    """The bytes of the field names and the character ('C') fields of the first records of a DBF."""
    head = fh.read(32)
    if len(head) < 32:
        return b""
    n_records = int.from_bytes(head[4:8], "little")
    header_len = int.from_bytes(head[8:10], "little")
    record_len = int.from_bytes(head[10:12], "little")
    desc = fh.read(max(header_len - 32, 0))
    names, slices, offset = [], [], 1  # byte 0 of each record is the deletion flag
    for i in range(0, len(desc) - 31, 32):
        d = desc[i:i + 32]
        if d[0] == 0x0D:
            break
        names.append(d[:11].split(b"\x00")[0])
        length = d[16]
        if d[11:12] == b"C":
            slices.append((offset, offset + length))
        offset += length
    n = min(n_records, max(limit // max(record_len, 1), 1))
    body = fh.read(n * record_len) if record_len else b""
    parts = [b" ".join(names)]
    if slices and body:
        rec = np.frombuffer(body[: (len(body) // record_len) * record_len], dtype=np.uint8).reshape(-1, record_len)
        for a, b in slices:
            parts.append(rec[:, a:b].tobytes())
    return b" ".join(parts)


def _dbf_ldid(fh) -> int:
    fh.seek(29)
    b = fh.read(1)
    fh.seek(0)
    return b[0] if b else 0


def shapefile_encoding(dbf_open, cpg_text: str | None, explicit: str | None, where: str,
                        notes: list[str]) -> str | None:
    """Decide the encoding to hand to GDAL for a DBF (``None``: let GDAL decide)."""
    if explicit:
        notes.append(f"DBF 按用户指定的编码 {explicit} 读取")
        return explicit
    limit = int(checks()["dbf_sample_bytes"])
    with dbf_open() as fh:
        ldid = _dbf_ldid(fh)
        sample = _dbf_text_sample(fh, limit)
    found = _decode_guess(sample)
    if cpg_text is not None:
        declared = _CPG_CODECS.get(cpg_text.strip().lower().replace("-", "").replace("_", ""), cpg_text.strip())
        try:
            sample.decode(declared)
            return None  # the .cpg is right: GDAL reads it
        except (UnicodeDecodeError, LookupError):
            if found in ("utf-8", "gbk", "gb18030"):
                notes.append(f"{where}：.cpg 声明编码 {cpg_text.strip()}，但内容实际为 {found.upper()}，已按 {found.upper()} 读取")
                return found.upper()
            return None
    if found is None:
        return None
    if ldid == 0x4D and found in ("gbk", "gb18030"):
        return None  # LDID 77 = code page 936: GDAL honours it
    if found == "utf-8":
        notes.append("Shapefile 无 .cpg，DBF 内容为 UTF-8，按 UTF-8 读取")
        return "UTF-8"
    if found in ("gbk", "gb18030"):
        notes.append(f"Shapefile 无 .cpg，DBF 中文按 {'GBK' if found == 'gbk' else 'GB18030'} 编码读取（国内 ArcGIS/MapGIS 导出的常见情况）")
        return found.upper()
    notes.append(
        "警告：无法判断 DBF 的文字编码（既不是 UTF-8 也不是 GBK），中文属性可能乱码；请用 --encoding gbk（Python：encoding=）指定，"
        "或在 GIS 软件中导出时选择 UTF-8 并附带 .cpg 文件"
    )
    logger.warning("%s：无法识别 DBF 的文字编码，中文属性可能乱码（可用 --encoding gbk 指定）", where)
    return None


def text_encoding(path: Path, explicit: str | None, notes: list[str]) -> str:
    """Encoding of a CSV/TXT file: BOM, else strict UTF-8, else GB18030."""
    if explicit:
        notes.append(f"按用户指定的编码 {explicit} 读取")
        return explicit
    limit = int(checks()["dbf_sample_bytes"])
    with open(path, "rb") as fh:
        raw = fh.read(limit)
        more = bool(fh.read(1))
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        notes.append("文件为 UTF-16 编码（Excel “Unicode 文本”）")
        return "utf-16"
    if more:
        raw = raw[: raw.rfind(b"\n") + 1] or raw
    found = _decode_guess(raw)
    if found is None or found == "utf-8":
        return "utf-8"
    if found in ("gbk", "gb18030"):
        notes.append("CSV 按 GBK（GB18030）编码读取（Excel 中文版默认的 CSV 编码）")
        return "gb18030"
    raise InputError(
        f"{path}：无法判断文字编码（不是 UTF-8，也不是 GBK）。请在 Excel/WPS 中另存为“CSV UTF-8”，或用 --encoding gbk（Python：encoding=）指定编码。"
    )


# --- row bookkeeping --------------------------------------------------------------------------


class RowIssues:
    """Per-row problems collected while reading, turned into the ``read_issue`` column.

    ``row_label`` turns 0-based positions into what the user sees in their file
    ("第 3 条要素", or "表格第 5 行" for a spreadsheet whose header is on row 1).
    """

    def __init__(self, n: int, row_label: Callable[[int], str]):
        self.n = n
        self.row_label = row_label
        self._issues: dict[int, list[str]] = {}

    def add(self, positions, text: str | Callable[[int], str]) -> None:
        for pos in np.asarray(positions, dtype=int).tolist():
            self._issues.setdefault(pos, []).append(text(pos) if callable(text) else text)

    def flagged(self) -> np.ndarray:
        """Boolean mask of the rows that already have an issue."""
        mask = np.zeros(self.n, dtype=bool)
        mask[list(self._issues)] = True
        return mask

    def rows(self, positions, limit: int = 10) -> str:
        positions = np.asarray(positions, dtype=int).tolist()
        shown = "、".join(self.row_label(p) for p in positions[:limit])
        return shown + (f" 等共 {len(positions)} 处" if len(positions) > limit else "")

    def column(self) -> list[str] | None:
        if not self._issues:
            return None
        return ["；".join(self._issues.get(i, [])) for i in range(self.n)]


# --- geometry helpers ---------------------------------------------------------------------------


#: how a table says "no" in a yes/no column (besides a real False)
FALSE_WORDS = ("false", "0", "no", "否")


def says_false(values) -> np.ndarray:
    """True where a yes/no value says no (False, "false", "0", "no", "否"); blanks are not a no."""
    return np.array([v is False or (isinstance(v, (bool, np.bool_)) and not v) or str(v).strip().lower() in FALSE_WORDS
                     for v in values], dtype=bool)


def representative_xy(geoms) -> tuple[np.ndarray, np.ndarray]:
    """Centre of each geometry's bounding box (NaN for missing/empty geometries)."""
    import shapely

    b = shapely.bounds(np.asarray(geoms))
    return (b[:, 0] + b[:, 2]) / 2.0, (b[:, 1] + b[:, 3]) / 2.0


def swap_axes(geoms):
    """Exchange x and y of every vertex."""
    import shapely

    return shapely.transform(np.asarray(geoms), lambda c: c[:, ::-1])


def km_from_district(lon, lat) -> np.ndarray:
    """Great-circle distance (km) of lon/lat points from the district's bounding box (0 inside)."""
    x0, y0, x1, y1 = checks()["district_bbox"]
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    clon, clat = np.clip(lon, x0, x1), np.clip(lat, y0, y1)
    p1, p2 = np.radians(lat), np.radians(clat)
    dphi, dlmb = p2 - p1, np.radians(clon - lon)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def in_china(lon, lat) -> np.ndarray:
    x0, y0, x1, y1 = checks()["china_bbox"]
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def _looks_like_degrees(x, y) -> bool:
    return bool(abs(x) <= 180 and abs(y) <= 90)


def _fmt(v: float) -> str:
    return f"{v:,.6f}" if abs(v) < 1000 else f"{v:,.1f}"


# --- CRS guessing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Guess:
    crs: str
    swap: bool
    note: str


def _crs_name(code: str) -> str:
    from pyproj import CRS

    return CRS.from_user_input(code).name


def _gk_candidates(x: float, y: float) -> list[tuple[str, bool, bool]]:
    """(crs, swap, prefixed) readings of a metre pair ``(x, y)`` under the GK conventions."""
    cfg = checks()
    n0, n1 = cfg["northing_range_m"]
    out = []
    for east, north, swap in ((x, y, False), (y, x, True)):
        if not (n0 <= north <= n1) or east <= 0:
            continue
        zone = int(east // 1_000_000)
        z3 = cfg["gk3_prefixed_zones"]
        z6 = cfg["gk6_prefixed_zones"]
        if z3[0] <= zone <= z3[1]:
            out.append((f"EPSG:{cfg['gk3_prefixed_epsg_first'] + zone - z3[0]}", swap, True))
        if z6[0] <= zone <= z6[1]:
            out.append((f"EPSG:{cfg['gk6_prefixed_epsg_first'] + zone - z6[0]}", swap, True))
        if east < 1_000_000:
            out.append((cfg["default_working_cm_epsg"], swap, False))
    mx0, mx1 = cfg["web_mercator_china_x"]
    my0, my1 = cfg["web_mercator_china_y"]
    if mx0 <= x <= mx1 and my0 <= y <= my1:
        out.append(("EPSG:3857", False, False))
    return out


def _to_lonlat(code: str, x: float, y: float) -> tuple[float, float]:
    from pyproj import Transformer

    t = Transformer.from_crs(code, "EPSG:4490", always_xy=True)
    lon, lat = t.transform(x, y)
    return float(lon), float(lat)


def swapped_degrees(x: float, y: float) -> bool:
    """True when (x, y) only makes sense in China as (lat, lon)."""
    return bool(in_china(y, x)) and not bool(in_china(x, y))


def swap_error(where: str, names: tuple[str, str], x: float, y: float, *, fix: str | None = None) -> InputError:
    fix = fix or (
        "请把两列的列名对调（经度在前、东西向的那一列才是经度），或加选项 --swap-xy（Python：read_vector(..., swap_xy=True)） 明确要求对调"
        if names[0] != "几何 x" else
        "请在 GIS 软件中检查数据的坐标轴顺序（EPSG:4490 的 GML/WFS 导出常把纬度写在前），"
        "或加选项 --swap-xy（Python：read_vector(..., swap_xy=True)） 明确要求对调"
    )
    return InputError(
        f"{where}：经纬度顺序颠倒——{names[0]} 的值约为 {_fmt(x)}、{names[1]} 的值约为 {_fmt(y)}，"
        f"在中国境内只能是“纬度、经度”（东昌府区约为经度 116.0、纬度 36.5）。为避免算出错误结果，未读入。修正方法：{fix}。"
    )


def guess_crs(x, y, *, where: str, names: tuple[str, str] = ("几何 x", "几何 y"),
              survey_ok: bool = False, swap_xy: bool = False) -> Guess:
    """Guess the CRS of bare coordinates (no ``.prj``, no ``crs=``) from their median.

    Parameters
    ----------
    x, y
        Coordinates as read (one representative pair per row; NaN allowed).
    where
        The file (or ``--site`` value) named in notes and errors.
    names
        What ``x`` and ``y`` are called in the file (column names), for messages.
    survey_ok
        ``True`` when the headers are ``X``/``Y``: Chinese surveying calls the northing X, so a
        northing in the X column is read the surveyors' way (with a note) instead of refused.
    swap_xy
        The user asked explicitly to exchange x and y.

    Raises
    ------
    InputError
        Swapped latitude/longitude; metres whose projection cannot be told; numbers that are no
        coordinates in China at all.
    """
    cfg = checks()
    mx, my = float(np.nanmedian(x)), float(np.nanmedian(y))
    if swap_xy:
        mx, my = my, mx
    if swapped_degrees(mx, my):
        raise swap_error(where, names, mx, my)
    if _looks_like_degrees(mx, my):
        return Guess(settings.storage_crs, swap_xy,
                     f"未声明坐标系：{names[0]}/{names[1]} 为经纬度（中位点 {mx:.5f}, {my:.5f}），按 CGCS2000 (EPSG:4490) 读入"
                     "（与 WGS84 相差厘米级）；若坐标取自高德/腾讯地图请加 --crs gcj02，取自百度地图请加 --crs bd09（Python：crs=）")
    candidates = []
    for code, swap, prefixed in _gk_candidates(mx, my):
        ex, ny = (my, mx) if swap else (mx, my)
        lon, lat = _to_lonlat(code, ex, ny)
        dist = float(km_from_district(lon, lat)) if np.isfinite(lon) and np.isfinite(lat) else np.inf
        candidates.append((code, swap, prefixed, dist))
    near = [c for c in candidates if c[3] <= cfg["assume_km"]]
    prefixed = [c for c in candidates if c[2]]
    chosen = None
    if near:
        codes = {(c[0], c[1]) for c in near}
        if len(codes) > 1:
            raise InputError(
                f"{where}：坐标（{names[0]} 约 {_fmt(mx)}，{names[1]} 约 {_fmt(my)}）是米制平面坐标，但可有多种解读："
                + "；".join(f"{_crs_name(c[0])} ({c[0]}){'，X/Y 对调' if c[1] else ''}" for c in near)
                + "。请用 --crs（Python: crs=）指明坐标系。"
            )
        chosen = near[0]
    elif len(prefixed) == 1:
        chosen = prefixed[0]
    if chosen is None:
        tried = "；".join(f"按 {c[0]} 落在距东昌府区约 {c[3]:,.0f} km 处" for c in candidates) or "不符合任何已知的中国坐标系约定"
        raise InputError(
            f"{where}：无法判断坐标系——{names[0]} 约 {_fmt(mx)}、{names[1]} 约 {_fmt(my)}，文件未声明坐标系（{tried}）。"
            "请用 --crs（Python: crs=）指明，例如 4490（CGCS2000 经纬度）、4527（3 度带带号 39）、"
            "4548（3 度带中央经线 117°E 无带号）、gcj02（高德/腾讯）、bd09（百度）。"
        )
    code, swap, is_prefixed, dist = chosen
    if swap and not survey_ok:
        raise swap_error(
            where, names, mx, my,
            fix=(f"{names[0]} 看起来是北坐标、{names[1]} 是东坐标：请对调两列列名，或把列名改为 北坐标/东坐标，"
                 "或加选项 --swap-xy（Python：read_vector(..., swap_xy=True)）"),
        )
    how = {
        True: "东坐标带有带号（前两位），",
        False: "东坐标无带号，",
    }[is_prefixed]
    if code == "EPSG:3857":
        how = "坐标为 Web 墨卡托米制，"
    note = (f"未声明坐标系：{names[0]} 约 {_fmt(mx)}、{names[1]} 约 {_fmt(my)}，{how}"
            f"按 {_crs_name(code)} ({code}) 读入")
    if swap:
        note += f"；按测量惯例 {names[0]} 为北坐标、{names[1]} 为东坐标"
    if code != "EPSG:3857":
        note += "；若数据实为西安 80 或北京 54 坐标系（相差可达百米），请用 --crs 指定"
    return Guess(code, swap != swap_xy, note)


# --- CRS resolution of a whole frame ----------------------------------------------------------


def resolve_crs(gdf: "gpd.GeoDataFrame", *, user_crs=None, swap_xy: bool = False, survey_ok: bool = False,
                where: str, names: tuple[str, str] = ("几何 x", "几何 y"), notes: list[str]) -> "gpd.GeoDataFrame":
    """Bring ``gdf`` to the storage CRS (EPSG:4490), deciding what its coordinates mean.

    Order of authority: ``user_crs`` (the user knows best: it overrides a declared CRS, e.g. a
    GCJ-02 file labelled WGS84), then the file's declared CRS (checked against its numbers), then
    :func:`guess_crs`. In every case swapped axes are recognised: refused with the fix, or — for
    ``X``/``Y`` headers (``survey_ok``) holding a northing in X — read the surveyors' way. Notes
    say what was done.
    """
    from .crs import parse_crs, to_storage

    rx, ry = representative_xy(gdf.geometry.values)
    ok = np.isfinite(rx) & np.isfinite(ry)
    if not ok.any():
        raise InputError(f"{where}：{len(gdf)} 条记录都没有几何图形或坐标，无法使用。请检查导出设置或坐标列。")
    rx, ry = rx[ok], ry[ok]
    mx, my = float(np.median(rx)), float(np.median(ry))
    if swap_xy:
        gdf = gdf.set_geometry(swap_axes(gdf.geometry.values), crs=gdf.crs)
        notes.append(f"按用户要求对调了 x/y（原中位点 {_fmt(mx)}, {_fmt(my)}）")
        rx, ry, mx, my = ry, rx, my, mx
    declared = gdf.crs

    if user_crs is not None or declared is not None:
        code = parse_crs(user_crs) if user_crs is not None else None
        what = f"指定的坐标系 {user_crs}" if code else f"文件声明的坐标系 {declared.to_string()}"
        web = code in ("gcj02", "bd09")
        effective = "EPSG:4326" if web else (code or declared)
        geographic = web or _is_geographic(effective)
        # a projected file the user says holds GCJ-02/BD-09: unprojected to lon/lat first, below
        web_projected = web and declared is not None and not declared.is_geographic
        if geographic and not web_projected:
            if not swap_xy and swapped_degrees(mx, my):
                raise swap_error(where, names, mx, my)
            if not _looks_like_degrees(mx, my):
                if code:
                    raise InputError(
                        f"{where}：指定了经纬度坐标系 {user_crs}，但坐标约为 ({_fmt(mx)}, {_fmt(my)})，是米制平面坐标。"
                        f"请改用对应的投影坐标系，例如 --crs {_suggest(mx, my)}。"
                    )
                raise InputError(
                    f"{where}：文件声明为经纬度坐标系 {declared.to_string()}，但坐标约为 ({_fmt(mx)}, {_fmt(my)})，"
                    f"是米制平面坐标——坐标系声明（.prj）有误。请用 --crs 指定实际坐标系，例如 --crs {_suggest(mx, my)}。"
                )
        elif not geographic:
            if _looks_like_degrees(mx, my):
                if code:
                    raise InputError(
                        f"{where}：指定了投影坐标系 {user_crs}（米制），但坐标约为 ({_fmt(mx)}, {_fmt(my)})，是经纬度。"
                        "请去掉 --crs，或改为 --crs 4490（CGCS2000 经纬度）/ gcj02 / bd09。"
                    )
                raise InputError(
                    f"{where}：文件声明为投影坐标系 {declared.to_string()}（米制），但坐标约为 ({_fmt(mx)}, {_fmt(my)})，"
                    "是经纬度——坐标系声明（.prj）有误。请用 --crs 4490 指定（高德/腾讯坐标用 gcj02，百度用 bd09）。"
                )
            if not swap_xy and _projected_swapped(effective, mx, my):
                if not survey_ok:
                    raise swap_error(where, names, mx, my, fix=(
                        f"{names[0]} 看起来是北坐标、{names[1]} 是东坐标：请在 GIS 软件中检查坐标轴顺序，"
                        "或加选项 --swap-xy（Python：read_vector(..., swap_xy=True)）"))
                gdf = gdf.set_geometry(swap_axes(gdf.geometry.values), crs=gdf.crs)
                notes.append(f"按测量惯例 {names[0]} 为北坐标、{names[1]} 为东坐标，已按此解读")
                mx, my = my, mx
        if code and declared is not None:
            if web:
                if not declared.is_geographic:
                    gdf = gdf.to_crs("EPSG:4326")
                notes.append(f"文件声明坐标系 {declared.to_string()}，按用户指定视为 {code.upper()} 坐标并转换为 CGCS2000 (EPSG:4490)")
            elif not declared.equals(code):
                notes.append(f"文件声明坐标系 {declared.to_string()}，按用户指定的 {code} 解读（忽略文件声明）")
        elif web:
            notes.append(f"按用户指定，坐标视为 {code.upper()}，已转换为 CGCS2000 (EPSG:4490)（反算误差远小于 1 米）")
        elif code:
            notes.append(f"文件未声明坐标系，按用户指定的 {code} 读入")
        elif declared.to_epsg() != 4490:
            epsg = declared.to_epsg()
            notes.append(f"坐标系 {declared.name}（{'EPSG:' + str(epsg) if epsg else '自定义'}）已转换为 CGCS2000 (EPSG:4490)")
        note = _old_datum_note(effective)
        if note:
            notes.append(note)
        out = to_storage(gdf, crs=code) if code else to_storage(gdf)
        return _check_transformed(out, where, mx, my, what)

    guess = guess_crs(rx, ry, where=where, names=names, survey_ok=survey_ok)
    if guess.swap:
        gdf = gdf.set_geometry(swap_axes(gdf.geometry.values), crs=None)
    notes.append(guess.note)
    return to_storage(gdf.set_crs(guess.crs, allow_override=True))


def _old_datum_note(crs) -> str | None:
    """Xian 1980 / Beijing 1954 data: PROJ knows no public parameters to CGCS2000 — say so."""
    from pyproj import CRS

    try:
        datum = CRS.from_user_input(crs).datum.name
    except Exception:  # pyproj raises CRSError or AttributeError for odd user CRSs: no note then
        return None
    if any(k in datum for k in ("Xian 1980", "Beijing 1954")):
        return (f"注意：数据基于 {datum} 坐标系。它与 CGCS2000 之间没有公开的转换参数，PROJ 只能近似转换，"
                "偏差可达数十至上百米；需要精确位置时，请向自然资源部门索取 CGCS2000 成果")
    return None


def _projected_swapped(crs, mx: float, my: float) -> bool:
    """True when metre coordinates only land in China with their axes exchanged."""
    lon, lat = _to_lonlat(crs, mx, my)
    if np.isfinite(lon) and np.isfinite(lat) and in_china(lon, lat):
        return False
    slon, slat = _to_lonlat(crs, my, mx)
    return bool(np.isfinite(slon) and np.isfinite(slat) and in_china(slon, slat))


def _is_geographic(code) -> bool:
    from pyproj import CRS

    return CRS.from_user_input(code).is_geographic


def _suggest(mx: float, my: float) -> str:
    """An EPSG code for metre coordinates, for error messages (best effort)."""
    for code, swap, prefixed in _gk_candidates(mx, my):
        if not swap:
            return code.split(":")[1]
    return "4548"


def _check_transformed(out, where, mx, my, what):
    """After a declared/given CRS was applied: are the data now in China at all?"""
    lon, lat = representative_xy(out.geometry.values)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if ok.any() and not in_china(lon[ok], lat[ok]).any():
        hint = ""
        try:
            g = guess_crs(np.array([mx]), np.array([my]), where=where, survey_ok=True)
            hint = f"按数值判断可能是 {g.crs}{'（X/Y 对调）' if g.swap else ''}，可试 --crs {g.crs.split(':')[-1]}。"
        except InputError:
            pass
        raise InputError(
            f"{where}：按{what}转换后，所有要素都落在中国境外（中位点 {np.median(lon[ok]):.4f}, {np.median(lat[ok]):.4f}），"
            f"坐标系声明或指定有误。{hint}请用 --crs 指定正确的坐标系。"
        )
    return out


# --- geometry and location checks --------------------------------------------------------------


def check_geometries(gdf: "gpd.GeoDataFrame", *, repair: bool, where: str, notes: list[str],
                     issues: RowIssues) -> "gpd.GeoDataFrame":
    """Flag missing/empty geometries; repair (``make_valid``) and report invalid ones, by row."""
    import shapely

    geoms = np.asarray(gdf.geometry.values)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    unexplained = missing & ~issues.flagged()  # rows without coordinates were reported already
    if unexplained.any():
        pos = np.flatnonzero(unexplained)
        issues.add(pos, "无几何图形（空要素）")
        notes.append(f"{len(pos)} 条记录没有几何图形（{issues.rows(pos)}），保留在结果中，几何为空")
    invalid = ~missing & ~shapely.is_valid(geoms)
    if invalid.any():
        pos = np.flatnonzero(invalid)
        reasons = shapely.is_valid_reason(geoms[pos])
        if repair:
            polygonal = np.isin(shapely.get_type_id(geoms[pos]), (3, 6))
            fixed = geoms[pos].copy()
            if polygonal.any():
                fixed[polygonal] = shapely.make_valid(fixed[polygonal], method="structure", keep_collapsed=False)
            if (~polygonal).any():
                fixed[~polygonal] = shapely.make_valid(fixed[~polygonal])
            new = geoms.copy()
            new[pos] = fixed
            gdf = gdf.set_geometry(new, crs=gdf.crs)
            issues.add(pos, lambda p, _r=dict(zip(pos.tolist(), reasons)): f"几何无效（{_r[p]}），已自动修复")
            notes.append(f"{len(pos)} 个无效几何已用 shapely.make_valid 修复（{issues.rows(pos)}）；"
                         f"原因如：{reasons[0]}")
            logger.info("%s: repaired %d invalid geometries", where, len(pos))
        else:
            issues.add(pos, lambda p, _r=dict(zip(pos.tolist(), reasons)): f"几何无效（{_r[p]}），未修复")
            notes.append(f"{len(pos)} 个几何无效且未修复（repair=False）：{issues.rows(pos)}")
    return gdf


def check_location(gdf: "gpd.GeoDataFrame", *, where: str, notes: list[str], issues: RowIssues) -> None:
    """Rows outside China or far from Dongchangfu get a ``read_issue``; all outside China raises."""
    cfg = checks()
    lon, lat = representative_xy(gdf.geometry.values)
    has = np.isfinite(lon) & np.isfinite(lat)
    if not has.any():
        return
    china = in_china(lon, lat) & has
    outside = has & ~china
    if outside.any() and not china.any():
        raise InputError(
            f"{where}：全部 {int(has.sum())} 个要素都在中国境外（中位点经度 {np.median(lon[has]):.4f}、纬度 "
            f"{np.median(lat[has]):.4f}），坐标显然有误。请检查坐标列/坐标系（--crs），或经纬度是否颠倒。"
        )
    if outside.any():
        pos = np.flatnonzero(outside)
        issues.add(pos, lambda p: f"坐标在中国境外（{lon[p]:.4f}, {lat[p]:.4f}），疑似录入错误")
        notes.append(f"警告：{len(pos)} 个要素在中国境外，疑似坐标录入错误：{issues.rows(pos)}")
        logger.warning("%s：%d 个要素在中国境外，疑似坐标录入错误", where, len(pos))
    dist = np.full(len(lon), np.nan)
    dist[china] = km_from_district(lon[china], lat[china])
    far = china & (dist > cfg["far_km"])
    if far.any():
        pos = np.flatnonzero(far)
        issues.add(pos, lambda p: f"距东昌府区约 {dist[p]:,.0f} km")
        if far.sum() == china.sum():
            notes.append(f"警告：全部要素都在东昌府区以外，最近的约 {np.nanmin(dist[far]):,.0f} km——"
                         "若数据本应在区内，请检查坐标系（--crs）")
        else:
            notes.append(f"警告：{len(pos)} 个要素距东昌府区超过 {cfg['far_km']:.0f} km：{issues.rows(pos)}")
        logger.warning("%s：%d 个要素距东昌府区超过 %s km", where, len(pos), cfg["far_km"])
