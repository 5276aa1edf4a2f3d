"""What CRS are a user's coordinates in, and are they where they should be?

Used by the readers of :mod:`dcf_spatial.io` on every freshly read file, ``--site`` value or
database table. :func:`resolve_crs` brings a frame to the storage CRS (EPSG:4490), trusting in
turn the CRS the user gave (including GCJ-02/BD-09), the one the file declares (checked against
its numbers), and :func:`guess_crs`, which reads bare numbers: degrees, zone-prefixed
Gauss–Krüger eastings, unprefixed CM 117°E eastings, web Mercator — with latitude/longitude and
easting/northing swaps recognised. Each decision is said in a note; what cannot be decided
raises :class:`~dcf_spatial.errors.InputError` naming the file, the columns and the fix.

The places it checks against (China, the district) and the thresholds live in
``dcf_spatial/data/input_checks.json`` (:func:`checks`).

Examples
--------
>>> import numpy as np
>>> from dcf_spatial.crs.guess import guess_crs
>>> guess_crs(np.array([39_416_000.0]), np.array([4_035_000.0]), where="点.csv").crs  # doctest: +SKIP
'EPSG:4527'
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .. import settings
from .._fixes import CRS as FIX_CRS, SWAP_XY as FIX_SWAP
from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

logger = logging.getLogger(__name__)

EARTH_RADIUS_KM = 6371.0088


@lru_cache(maxsize=1)
def checks() -> dict:
    """The thresholds of ``data/input_checks.json``."""
    with open(settings.data_dir / "input_checks.json", encoding="utf-8") as fh:
        return json.load(fh)


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
    """True where lon/lat (CGCS2000 degrees) lie in China's bounding box of ``input_checks.json``."""
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
    """What :func:`guess_crs` decided: the CRS, whether x and y must be exchanged, and the note saying so."""

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


def swapped_degrees(x, y):
    """True when (x, y) only makes sense in China as (lat, lon); for arrays, per pair (a boolean array).

    Examples
    --------
    >>> swapped_degrees(36.4534, 115.766), swapped_degrees(115.766, 36.4534)
    (True, False)
    >>> swapped_degrees(np.array([36.4534, 115.766]), np.array([115.766, 36.4534])).tolist()
    [True, False]
    """
    out = in_china(y, x) & ~in_china(x, y)
    return bool(out) if np.ndim(out) == 0 else out


def swapped_pair_zh(x: float, y: float) -> str:
    """What is wrong with a pair read as (lon, lat) that only makes sense as (lat, lon) (:func:`swapped_degrees`),
    in the words of the single check's refusal: a typed ``--site`` and a list's row say the same.

    Examples
    --------
    >>> swapped_pair_zh(36.4534, 115.766)
    '经纬度顺序颠倒——36.4534 只能是纬度、115.766 只能是经度'
    """
    return f"经纬度顺序颠倒——{x:.10g} 只能是纬度、{y:.10g} 只能是经度"


def swapped_row_zh(x: float, y: float) -> str:
    """A row's :func:`swapped_pair_zh` with the order to type. The row is not exchanged on the reader's own
    guess: the single check refuses such a pair and asks, and a row of a list does the same.

    Examples
    --------
    >>> swapped_row_zh(36.4534, 115.766)
    '经纬度顺序颠倒——36.4534 只能是纬度、115.766 只能是经度。请对调该行的经度、纬度：经度 115.766，纬度 36.4534（经度,纬度：115.766,36.4534）；未自动对调'
    """
    return (f"{swapped_pair_zh(x, y)}。请对调该行的经度、纬度：经度 {y:.10g}，纬度 {x:.10g}"
            f"（经度,纬度：{y:.10g},{x:.10g}）；未自动对调")


def median_point(x, y) -> tuple[float, float, int, int]:
    """Where a file's coordinates lie, for deciding what they are: the median of its pairs, over the pairs
    that read as lon/lat in China when they are at least as many as the swapped ones (:func:`swapped_degrees`)
    — a list with one pair typed the wrong way round must not move it (two rows, one swapped, gave a
    meaningless 76.1, 76.1); over the swapped pairs when those are more (the file is refused as swapped);
    else over all pairs (metres). NaN pairs never count.

    Returns
    -------
    (x, y, swapped, outside)
        The median, and how many pairs were left out of it as swapped and as outside China.

    Examples
    --------
    >>> median_point(np.array([115.766, 36.4534]), np.array([36.4534, 115.766]))
    (115.766, 36.4534, 1, 0)
    >>> median_point(np.array([39_416_000.0, 39_417_000.0, 116.0]), np.array([4_035_000.0, 4_036_000.0, 36.4]))
    (39416000.0, 4035000.0, 0, 0)
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    finite = np.isfinite(x) & np.isfinite(y)
    inside, swapped = in_china(x, y), swapped_degrees(x, y)
    n_in, n_swapped = int(inside.sum()), int(swapped.sum())
    if 2 * (n_in + n_swapped) < int(finite.sum()):
        # mostly no lon/lat in China (metres, or numbers that are no coordinates): a stray pair of degrees
        # among metres must not make the file read as degrees
        inside = swapped = np.zeros_like(finite)
        n_in = n_swapped = 0
    if n_in and n_in >= n_swapped:
        keep = inside
    elif n_swapped:
        keep = swapped
    else:
        keep = finite
    if not keep.any():
        return float("nan"), float("nan"), 0, 0
    left_out = int(finite.sum() - keep.sum())
    left_swapped = n_swapped if keep is inside else 0
    return float(np.median(x[keep])), float(np.median(y[keep])), left_swapped, left_out - left_swapped


def swap_error(where: str, names: tuple[str, str], x: float, y: float, *, fix: str | None = None) -> InputError:
    fix = fix or (
        f"请把两列的列名对调（经度在前、东西向的那一列才是经度），或{FIX_SWAP}"
        if names[0] != "几何 x" else
        "请在 GIS 软件中检查数据的坐标轴顺序（EPSG:4490 的 GML/WFS 导出常把纬度写在前），"
        f"或{FIX_SWAP}"
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
    # one point (a typed site): its own coordinates; np.nanmedian's machinery costs more than a check's rules
    n_swapped = n_outside = 0
    if len(x) == 1:
        mx, my = (float(y[0]), float(x[0])) if swap_xy else (float(x[0]), float(y[0]))
    else:  # the pairs as they are to be read (exchanged when the user asked)
        mx, my, n_swapped, n_outside = median_point(y, x) if swap_xy else median_point(x, y)
    if swapped_degrees(mx, my):
        raise swap_error(where, names, mx, my)
    if _looks_like_degrees(mx, my):
        left = "、".join(t for t in (f"{n_swapped} 行经纬度顺序颠倒" if n_swapped else "",
                                     f"{n_outside} 行在中国境外" if n_outside else "") if t)
        over = f"，不计 {left}的坐标" if left else ""
        return Guess(settings.storage_crs, swap_xy,
                     f"未声明坐标系：{names[0]}/{names[1]} 为经纬度（中位点 {mx:.5f}, {my:.5f}{over}），按 CGCS2000 (EPSG:4490) 读入"
                     f"（与 WGS84 相差厘米级）；若坐标取自高德/腾讯地图请{FIX_CRS}（如 gcj02），取自百度地图请{FIX_CRS}（如 bd09）")
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
                + f"。请{FIX_CRS}。"
            )
        chosen = near[0]
    elif len(prefixed) == 1:
        chosen = prefixed[0]
    if chosen is None:
        tried = "；".join(f"按 {c[0]} 落在距东昌府区约 {c[3]:,.0f} km 处" for c in candidates) or "不符合任何已知的中国坐标系约定"
        raise InputError(
            f"{where}：无法判断坐标系——{names[0]} 约 {_fmt(mx)}、{names[1]} 约 {_fmt(my)}，文件未声明坐标系（{tried}）。"
            f"请{FIX_CRS}，例如 4490（CGCS2000 经纬度）、4527（3 度带带号 39）、"
            "4548（3 度带中央经线 117°E 无带号）、gcj02（高德/腾讯）、bd09（百度）。"
        )
    code, swap, is_prefixed, dist = chosen
    if swap and not survey_ok:
        raise swap_error(
            where, names, mx, my,
            fix=(f"{names[0]} 看起来是北坐标、{names[1]} 是东坐标：请对调两列列名，或把列名改为 北坐标/东坐标，"
                 f"或{FIX_SWAP}"),
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
        note += f"；若数据实为西安 80 或北京 54 坐标系（相差可达百米），请{FIX_CRS}"
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
    from . import parse_crs, to_storage
    from .read_as import CRS_READ, read_as

    rx, ry = representative_xy(gdf.geometry.values)
    ok = np.isfinite(rx) & np.isfinite(ry)
    if not ok.any():
        raise InputError(f"{where}：{len(gdf)} 条记录都没有几何图形或坐标，无法使用。请检查导出设置或坐标列。")
    rx, ry = rx[ok], ry[ok]
    mx, my = median_point(rx, ry)[:2]  # a few swapped or stray pairs do not move it
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
                        f"请改为{FIX_CRS}（如 EPSG:{_suggest(mx, my)}），即对应的投影坐标系。"
                    )
                raise InputError(
                    f"{where}：文件声明为经纬度坐标系 {declared.to_string()}，但坐标约为 ({_fmt(mx)}, {_fmt(my)})，"
                    f"是米制平面坐标——坐标系声明（.prj）有误。请{FIX_CRS}（如 EPSG:{_suggest(mx, my)}），即实际的坐标系。"
                )
        elif not geographic:
            if _looks_like_degrees(mx, my):
                if code:
                    raise InputError(
                        f"{where}：指定了投影坐标系 {user_crs}（米制），但坐标约为 ({_fmt(mx)}, {_fmt(my)})，是经纬度。"
                        f"请改为{FIX_CRS}（如 EPSG:4490，CGCS2000 经纬度；或 gcj02 / bd09），或不指定、由坐标数值判断。"
                    )
                raise InputError(
                    f"{where}：文件声明为投影坐标系 {declared.to_string()}（米制），但坐标约为 ({_fmt(mx)}, {_fmt(my)})，"
                    f"是经纬度——坐标系声明（.prj）有误。请{FIX_CRS}（如 EPSG:4490；高德/腾讯坐标用 gcj02，百度用 bd09）。"
                )
            if not swap_xy and _projected_swapped(effective, mx, my):
                if not survey_ok:
                    raise swap_error(where, names, mx, my, fix=(
                        f"{names[0]} 看起来是北坐标、{names[1]} 是东坐标：请在 GIS 软件中检查坐标轴顺序，"
                        f"或{FIX_SWAP}"))
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
        out = _check_transformed(out, where, mx, my, what)
        # the CRS the coordinates were read in, and who said so: 核查输入 → 坐标系 names this one (read_as)
        out.attrs[CRS_READ] = read_as("user", code) if code else read_as("file", declared)
        return out

    guess = guess_crs(rx, ry, where=where, names=names, survey_ok=survey_ok)
    if guess.swap:
        gdf = gdf.set_geometry(swap_axes(gdf.geometry.values), crs=None)
    notes.append(guess.note)
    out = to_storage(gdf.set_crs(guess.crs, allow_override=True))
    out.attrs[CRS_READ] = read_as("guessed", guess.crs)
    return out


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
        hint, example = "", ""
        try:
            g = guess_crs(np.array([mx]), np.array([my]), where=where, survey_ok=True)
            hint = f"按数值判断可能是 {g.crs}{'（X/Y 对调）' if g.swap else ''}。"
            example = f"（如 {g.crs}）"
        except InputError:
            pass
        raise InputError(
            f"{where}：按{what}转换后，所有要素都落在中国境外（中位点 {np.median(lon[ok]):.4f}, {np.median(lat[ok]):.4f}），"
            f"坐标系声明或指定有误。{hint}请{FIX_CRS}{example}，即正确的坐标系。"
        )
    return out

