"""The site of a project: a ``"lon,lat"``, a WKT/GeoJSON geometry or a file, as one value.

:func:`read_site` turns what a user types for a site (the CLI's ``--site``) into rows in the storage
CRS; a point with a planned area becomes a disc of exactly that area (:func:`points_to_discs`), and
a table's declared area is read by :func:`declared_area_m2`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .. import settings
from ..crs.guess import resolve_crs, swapped_degrees, swapped_pair_zh
from ..crs.read_as import CRS_READ
from ..errors import InputError, clip
from .lonlat import labelled_lonlat, read_lonlat  # noqa: F401 — labelled_lonlat: kept importable here
from .rows import CAD_RINGS, check_rows

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

_SITE = "场地"
_EXAMPLE_POLYGON = "\"POLYGON((115.9 36.4, 115.91 36.4, 115.91 36.41, 115.9 36.4))\""

_LONLAT_RE = re.compile(r"^\s*\(?\s*([+-]?\d+(?:\.\d+)?)\s*[,，\s]\s*([+-]?\d+(?:\.\d+)?)\s*\)?\s*$")
_WKT_RE = re.compile(r"^\s*(SRID=\d+;\s*)?(POINT|MULTIPOINT|LINESTRING|MULTILINESTRING|POLYGON|MULTIPOLYGON|GEOMETRYCOLLECTION)\b",
                     re.IGNORECASE)


#: a site value made only of numbers (and separators, degree signs): meant as coordinates
_COORDINATE_LIKE_RE = re.compile(r"^[\s(（]*[+-]?\d+(?:\.\d*)?(?:[\s,，;；/、°度]+[+-]?\d+(?:\.\d*)?)*[\s°度)）]*$")


def _not_a_lonlat_message(text: str) -> str:
    """Why a site value of numbers is not a usable ``经度,纬度`` and how to write it."""
    nums = [float(v) for v in re.findall(r"[+-]?\d+(?:\.\d*)?", text)]
    example = "115.98,36.45"
    if len(nums) == 1:
        v = nums[0]
        if 73 <= v <= 136:  # China's longitudes: the latitude is missing
            what, example = f"只有一个数，{v:g} 像经度，缺少纬度", f"{v:g},36.45"
        elif 18 <= v <= 54:  # China's latitudes: the longitude is missing
            what, example = f"只有一个数，{v:g} 像纬度，缺少经度", f"115.98,{v:g}"
        else:
            what = "只有一个数"
    elif len(nums) == 2:
        what = "两个数之间请用逗号分隔"
        example = f"{nums[0]:g},{nums[1]:g}"
    else:
        what = f"有 {len(nums)} 个数，点位只要经度、纬度两个"
    return (f"{_SITE} {text!r} 看起来是坐标，但不是 “经度,纬度” 形式：{what}。"
            f"请写成 经度,纬度（先经度后纬度，英文或中文逗号分隔），例：{example}；"
            f"面状地块请给文件或 WKT，如 {_EXAMPLE_POLYGON}。")


_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def _is_file(text: str) -> bool:
    """``text`` names a file that exists (``point.kml`` beginning like WKT's POINT is that file)."""
    try:
        return len(text) < 4096 and Path(text).expanduser().exists()
    except OSError:  # a text too long for a file name
        return False


def _looks_like_name(text: str) -> bool:
    """A place name, not a path: Chinese characters and no folder separator."""
    return (bool(_CJK_RE.search(text)) and not re.search(r"[/\\]", text)
            and not re.search(r"\.[A-Za-z][A-Za-z0-9]{0,4}$", text))  # 地块.shp that does not exist is a file


def points_to_discs(geoms: np.ndarray, area_m2: np.ndarray, *, quad_segs: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Points (metric CRS) with a planned area become circles of exactly that area.

    Rows that are not points, or whose ``area_m2`` is not a positive number, are returned unchanged
    (their radius is NaN). A circle polygon with k vertices has area k/2·r²·sin(2π/k), not πr²: the
    radius is chosen so that the *polygon* has the requested area. Returns (geometries, radii in m).
    """
    import shapely

    geoms = np.asarray(geoms, dtype=object).copy()
    area = np.asarray(area_m2, dtype=float)
    k = 4 * quad_segs
    grow = (shapely.get_type_id(geoms) == 0) & (area > 0)
    radius = np.where(grow, np.sqrt(np.where(grow, area, 0.0) / (k / 2 * np.sin(2 * np.pi / k))), np.nan)
    if grow.any():
        geoms[grow] = shapely.buffer(geoms[grow], radius[grow], quad_segs=quad_segs)
    return geoms, radius


def disc_note(area_mu: float, radius_m: float) -> str:
    """The read note of a point grown into a disc of ``area_mu`` 亩 (:func:`points_to_discs`)."""
    return f"点位按用地面积 {area_mu:g} 亩扩为圆形地块（半径 {radius_m:,.1f} 米，于 EPSG:4548 量算），位置为示意"


def declared_area_m2(parcels) -> np.ndarray:
    """The declared parcel area in m² per row (NaN where absent, not a number, not positive, not finite
    or above :data:`dcf_spatial._validate.MAX_AREA_M2` — a 1e308 typed in a ledger is no area).

    Read from ``area_m2`` (what the readers' aliases give for 宗地面积 / 宗地面积(亩) / 宗地面积(公顷)),
    else from ``area_mu``.
    """
    import pandas as pd

    if "area_m2" in parcels.columns:
        area = pd.to_numeric(parcels["area_m2"], errors="coerce").to_numpy(dtype=float)
    elif "area_mu" in parcels.columns:
        area = pd.to_numeric(parcels["area_mu"], errors="coerce").to_numpy(dtype=float) * settings.MU_M2
    else:
        area = np.full(len(parcels), np.nan)
    from .._validate import MAX_AREA_M2

    with np.errstate(invalid="ignore"):
        ok = np.isfinite(area) & (area > 0) & (area <= MAX_AREA_M2)
    return np.where(ok, area, np.nan)


def read_site(value: str, *, crs=None, area_mu: float | None = None, layer=None, encoding=None,
              swap_xy: bool = False, field_map: dict[str, str] | None = None,
              as_points: bool = False, resolve_name=None, crs_read: dict | None = None) -> "gpd.GeoDataFrame":
    """Turn a site value (the CLI's ``--site``) into 1+ rows in EPSG:4490.

    Parameters
    ----------
    value
        A file path (any format of :func:`read_vector`), a WKT string (``"POLYGON((…))"``), a
        GeoJSON geometry, ``"lon,lat"`` (``"115.98,36.45"``; metre pairs such as
        ``"39409000,4035000"`` are recognised as Gauss–Krüger with notes), or the name of a
        township, cluster, park or zone (``"郑家镇"``, ``"第二片区"``; see :mod:`dcf_spatial.places`):
        the site is then that unit's polygon, and the row says so (``place_level`` …).
    crs
        CRS of the value, as in :func:`read_vector` (``"gcj02"`` for a point picked on Amap).
    area_mu
        Planned land area in 亩: a point becomes a circle of exactly that area (measured in
        EPSG:4548); for a polygon the declared and drawn areas are compared in the notes.
    layer, encoding, swap_xy, field_map, as_points
        Passed to :func:`read_vector` when ``value`` is a file (``swap_xy`` also applies to a
        typed ``"lon,lat"``). A 报批 coordinate TXT or a 界址点 table is read as polygons.
    resolve_name
        ``f(text, area_mu=…) -> GeoDataFrame`` for a value that looks like a place name and is no
        file (:func:`dcf_spatial.places.read_site` passes the gazetteer's; reading files needs no
        layer store, so this module does not look names up itself).
    crs_read
        For coordinates read before (``"lon,lat"``, WKT or GeoJSON in EPSG:4490: the desk's upload answered a
        file's 地块 so): the record of that reading (:func:`dcf_spatial.crs.read_as.read_as`), kept as the
        frame's ``attrs["crs_read"]``; no CRS is decided again and no note of it is made. ``{}``: in EPSG:4490
        by contract, read by nobody (a shapely geometry). ``None``: decide it (``crs``, the file, the numbers).
        ``crs`` is not used then; a file refuses it.

    Returns
    -------
    GeoDataFrame
        Columns of the file (with the ``sites`` aliases, e.g. ``用地面积(亩)`` → ``area_mu``) or
        ``site_input`` holding the value; for a name also ``site_from_name`` (the name typed),
        ``place_name``, ``place_level`` (园区/集聚区/示范区/镇街 …), ``place_unit_id``, ``place_layer``; ``area_mu_measured`` (亩, EPSG:4548); a ``read_issue``
        column when something was wrong; ``attrs["read_notes"]``.

    Examples
    --------
    >>> read_site("115.98,36.45", area_mu=50)  # doctest: +SKIP
    >>> read_site("郑家镇工业集聚区")["place_level"].iloc[0]  # doctest: +SKIP
    '集聚区'
    """
    import geopandas as gpd
    import shapely

    from ..crs import to_working

    text = str(value).strip()
    notes: list[str] = []
    read_attrs: dict = {}
    if not text:
        raise InputError(f"{_SITE}为空。请给出 “经度,纬度”（如 115.98,36.45）、WKT 或一个文件路径。")
    # one reader for a typed point and a list's coordinate cells (io.lonlat): 115.98,36.45, E115.7612 N36.4475,
    # 东经115.7612 北纬36.4475 (QA round 9: read as a file name, «文件不存在»), 115°45′40″,36°26′51″; a file whose name
    # has an extension (E1.shp, E1.geojson) stays a file. A value that reads as coordinates is coordinates even when
    # a file of that name lies in the working folder (QA break 11: it was read as that file, «不支持的文件格式 .4475»):
    # the note says so; such a file is read by its extension
    point = None
    if not re.search(r"\.[A-Za-z][A-Za-z0-9]{1,4}$", text):
        try:
            point = read_lonlat(text)
        except InputError:
            if not _is_file(text):  # E1, a file of that name without an extension, is still read
                raise
    if point is not None and point.form != "decimal":
        how = "东经/北纬标注" if point.form == "labelled" else "度分秒"
        notes.append(f"按{how}读取坐标：经度 {point.lon:.10g}，纬度 {point.lat:.10g}")
        if _is_file(text):
            notes.append(f"当前文件夹中有名为“{clip(text)}”的文件：按坐标读取，未读该文件（要读该文件，请给它加上扩展名，如 .geojson）")
    if point is not None:
        gx, gy = point.lon, point.lat
        if swap_xy:
            gx, gy = gy, gx
            notes.append(f"已按用户要求对调经纬度：经度 {gx:g}，纬度 {gy:g}")
        if swapped_degrees(gx, gy):
            raise InputError(
                f"{_SITE} {text!r}：{swapped_pair_zh(gx, gy)}。请写成 经度,纬度：{gy:.10g},{gx:.10g}"
                + ("（或核对东经/北纬标注是否写反）" if point.form == "labelled" else "")
            )
        gdf = gpd.GeoDataFrame({"site_input": [text]}, geometry=[shapely.Point(gx, gy)], crs=None)
        where = f"{_SITE} {text!r}"
    elif (_WKT_RE.match(text) or text.startswith("{")) and not _is_file(text):  # point.kml is a file, not WKT
        try:
            body = re.sub(r"^\s*SRID=\d+;\s*", "", text)
            geom = shapely.from_geojson(text) if text.startswith("{") else shapely.from_wkt(body)
        except Exception as exc:  # shapely.errors.GEOSException / ValueError
            raise InputError(f"{_SITE}：WKT/GeoJSON 无法解析（{exc}）。例：{_EXAMPLE_POLYGON}") from None
        srid = re.match(r"^\s*SRID=(\d+);", text)
        if srid and crs is None:
            crs = srid.group(1)
        gdf = gpd.GeoDataFrame({"site_input": [text[:200]]}, geometry=[geom], crs=None)
        where = f"{_SITE} WKT"
    else:
        p = Path(text).expanduser()
        try:
            exists = p.exists()
        except OSError:  # a text too long for a file name (a pasted page) is no file
            exists = False
        if not exists and _COORDINATE_LIKE_RE.match(text):
            raise InputError(_not_a_lonlat_message(text))
        if not exists and _looks_like_name(text):
            if resolve_name is not None:
                return resolve_name(text, area_mu=area_mu)
            raise InputError(f"{_SITE} {clip(text)!r}：既不是存在的文件，也不是 “经度,纬度” 或 WKT。"
                             "例：115.98,36.45 或 地块.shp；若是地名（镇街、集聚区、园区、示范区），"
                             "dcf_spatial.read_site 和 check_site 会在图层库中查找。")
        if not exists and (not len(text) < 255 or not p.suffix or re.search(r"[,，]", text)):
            raise InputError(
                f"{_SITE} {clip(text)!r}：既不是存在的文件，也不是 “经度,纬度” 或 WKT。"
                "例：115.98,36.45 或 地块.shp 或 \"POINT(115.98 36.45)\""
            )
        if crs_read is not None:
            raise InputError(f"{_SITE} {clip(text)!r} 是文件：其坐标系在读取文件时确定，crs_read 只用于已读入的坐标"
                             "（经纬度、WKT 或 GeoJSON）。请去掉 crs_read，或给出已读入的坐标。")
        from .aliases import DEFAULT_VECTOR_ALIASES  # here: a typed "lon,lat" imports no pandas
        from .vector import read_vector

        gdf = read_vector(p, crs=crs, layer=layer, encoding=encoding, swap_xy=swap_xy, field_map=field_map,
                          aliases=DEFAULT_VECTOR_ALIASES + ("sites",), as_points=as_points)
        notes.extend(gdf.attrs.get("read_notes", []))
        read_attrs = dict(gdf.attrs)
        where = None
    if where is not None:
        if crs_read is not None:   # read before, now in the storage CRS (see crs_read): nothing to decide or say
            gdf = gdf.set_crs(settings.storage_crs, allow_override=True)
            read_attrs[CRS_READ] = crs_read or None
        else:
            gdf = resolve_crs(gdf, user_crs=crs, where=where, names=("经度", "纬度"), notes=notes)
            read_attrs[CRS_READ] = gdf.attrs.get(CRS_READ)
        gdf = check_rows(gdf, where=where, notes=notes, row_label=lambda p: _SITE)
    gdf = gdf.reset_index(drop=True)
    if read_attrs.get(CAD_RINGS):  # which rows were closed polylines, carried past lines_as_site (it reorders rows)
        numbers = read_attrs.get("row_numbers") or []
        gdf[_RING_ROW] = None
        gdf.loc[read_attrs[CAD_RINGS], _RING_ROW] = [int(numbers[i]) if i < len(numbers) else i + 1
                                                    for i in read_attrs[CAD_RINGS]]
    gdf = lines_as_site(gdf, where=where or text, notes=notes)
    ring_warnings: list[str] = []
    gdf = rings_as_holes(gdf, where=where or text, notes=notes, warnings=ring_warnings)
    work = to_working(gdf)
    if area_mu is not None:
        from .._validate import figure_problem

        problem = figure_problem("site_area_mu", area_mu if area_mu == area_mu else "nan")
        if problem:
            raise InputError(f"{problem}。")
        target_m2 = float(area_mu) * settings.MU_M2
        pts = np.isin(shapely.get_type_id(work.geometry.values), (0,))
        if pts.any():
            geoms, radius = points_to_discs(work.geometry.values, np.where(pts, target_m2, np.nan))
            work = work.set_geometry(geoms, crs=work.crs)
            notes.append(disc_note(area_mu, radius[pts][0]))
        other = ~pts & ~shapely.is_empty(work.geometry.values)
        if other.any():
            # the area the check measures: overlapping parts once
            drawn = float(shapely.area(shapely.union_all(work.geometry.values[other]))) / settings.MU_M2
            if abs(drawn - area_mu) > 0.05 * area_mu:
                notes.append(f"申报用地面积 {area_mu:g} 亩，图形面积 {drawn:,.1f} 亩，相差超过 5%，以图形为准")
    gdf = work.to_crs(settings.storage_crs) if area_mu is not None else gdf
    gdf["area_mu_measured"] = shapely.area(to_working(gdf).geometry.values) / settings.MU_M2
    warnings = list(read_attrs.get("shape_warnings", [])) + ring_warnings
    gdf.attrs.update({"read_notes": notes, "source_file": text if where is None else where})
    if read_attrs.get(CRS_READ):  # the CRS read in and who said so (核查输入 → 坐标系)
        gdf.attrs[CRS_READ] = read_attrs[CRS_READ]
    if warnings:
        gdf.attrs["shape_warnings"] = warnings
    return gdf


#: line types (LineString, LinearRing, MultiLineString) of shapely's type ids
_LINE_TYPES = (1, 2, 5)
#: a working column while a site is read: the file's row number of each closed polyline (None for other rows)
_RING_ROW = "_cad_ring_row"


def lines_as_site(gdf, *, where: str, notes: list[str]) -> "gpd.GeoDataFrame":
    """A site drawn as lines: lines that close into rings become the polygon(s) they enclose; lines that do not
    close are refused (a site is an area: a line has none, and "面积 0.00 亩 符合" would answer for nothing).

    CAD often draws a red line as separate LINEs or a polyline left open. The lines of all rows are snapped to
    1 mm (in EPSG:4548) and polygonized together (:func:`shapely.polygonize_full`); they close when every
    segment bounds a face: no dangling end and no cut line. The line rows are replaced by one row per
    enclosed polygon (the first line's attributes; ``site_from_lines`` lists the rows used), with a note
    (“由闭合的线围成面”). Points and polygons are kept as they are. A ring inside another ring is a hole
    (even-odd, said in the note). When closed rings exist (of lines, or closed polylines already polygons),
    open lines apart from them (a dimension line) are left out and named in the notes; an open line touching
    a ring (a tail, an overshoot) still refuses the file.

    Raises
    ------
    InputError
        Lines that enclose no area, or an open line touching a ring: naming the file, the rows and an open end,
        and the fix.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> sq = [((115.75, 36.45), (115.752, 36.45)), ((115.752, 36.45), (115.752, 36.452)),
    ...       ((115.752, 36.452), (115.75, 36.452)), ((115.75, 36.452), (115.75, 36.45))]
    >>> g = gpd.GeoDataFrame(geometry=[shapely.LineString(s) for s in sq], crs=4490)
    >>> notes = []
    >>> lines_as_site(g, where="a.dxf", notes=notes).geom_type.tolist(), "围成面" in notes[0]
    (['Polygon'], True)
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from ..crs import to_working

    geoms = np.asarray(gdf.geometry.values, dtype=object)
    is_line = np.isin(shapely.get_type_id(geoms), _LINE_TYPES)
    if not is_line.any():
        return gdf
    numbers = gdf.attrs.get("row_numbers") or []
    rows = [int(numbers[i]) if i < len(numbers) else i + 1 for i in np.flatnonzero(is_line)]
    shown = "、".join(map(str, rows[:10])) + ("…" if len(rows) > 10 else "")
    work = to_working(gdf.iloc[np.flatnonzero(is_line)])
    merged = shapely.union_all(shapely.set_precision(work.geometry.values, 0.001))
    polys, cuts, dangles, invalid = shapely.polygonize_full([merged])
    fix = ("场地须为面（红线范围）。请在 CAD 中把红线画成一条闭合多段线（PLINE 画完输入 C 闭合，或用 PEDIT 合并各段并闭合）"
           "后另存为 DXF，或在 GIS 中转为面（Polygon）后再读取；点位请给“经度,纬度”并注明用地面积")
    open_parts = [g for g in (cuts, dangles, invalid) if not shapely.is_empty(g)]
    kept_types = shapely.get_type_id(geoms[~is_line]) if (~is_line).any() else np.array([], dtype=int)
    has_areas = bool(np.isin(kept_types, (3, 6)).any())   # closed polylines the reader already made polygons
    faces = list(shapely.get_parts(polys))
    if not faces and not has_areas or open_parts and not faces and not has_areas:
        ends = shapely.get_coordinates(shapely.boundary(shapely.union_all(open_parts))) if open_parts else []
        end = ""
        if len(ends):
            lon, lat = shapely.get_coordinates(
                gpd.GeoSeries([shapely.Point(ends[0])], crs=work.crs).to_crs(4490).values)[0]
            end = f"，例如端点 {lon:.6f},{lat:.6f} 处没有接上"
        what = "没有围成闭合的面" if not faces else "有一部分没有闭合（线头伸出或未接上）"
        raise InputError(f"{where}：第 {shown} 条要素是线（共 {len(rows)} 条），{what}{end}，无法作为场地。{fix}。")
    # closed rings exist (here or drawn as closed polylines): open lines beside them (a dimension line, a
    # leader) are not the site: left out and named in the notes (QA round 10)
    line_idx = np.flatnonzero(is_line)
    lines_w = shapely.set_precision(work.geometry.values, 0.001)
    if faces:
        edges = shapely.buffer(shapely.union_all([shapely.boundary(f) for f in faces]), 0.01)
        used = shapely.covered_by(lines_w, edges)
    else:
        used = np.zeros(len(line_idx), dtype=bool)
    outlines = [shapely.boundary(f) for f in faces]
    if has_areas:
        outlines += list(shapely.boundary(to_working(gdf.iloc[np.flatnonzero(~is_line)]).geometry.values))
    attached = ~used & shapely.intersects(lines_w, shapely.buffer(shapely.union_all(outlines), 0.01))
    if attached.any():
        # a line tail or overshoot touching a ring: the red line itself may be drawn wrong, not a dimension line
        bad = [rows[i] for i in np.flatnonzero(attached)]
        end = shapely.get_coordinates(shapely.boundary(lines_w[int(np.flatnonzero(attached)[0])]))
        lon, lat = shapely.get_coordinates(
            gpd.GeoSeries([shapely.Point(end[0])], crs=work.crs).to_crs(4490).values)[0] if len(end) else (0, 0)
        raise InputError(f"{where}：第 {shown} 条要素是线（共 {len(rows)} 条），有一部分没有闭合（线头伸出或未接上：第 "
                         f"{'、'.join(map(str, bad[:10]))} 条线与闭合的圈相连却不在圈上，例如端点 {lon:.6f},{lat:.6f}），"
                         f"无法作为场地。{fix}。")
    if not used.all():
        left = [rows[i] for i in np.flatnonzero(~used)]
        layer_col = next((c for c in gdf.columns if str(c).lower() == "layer"), None)
        layers = sorted({str(gdf.iloc[line_idx[i]][layer_col]) for i in np.flatnonzero(~used)}) if layer_col else []
        notes.append(f"{where} 的第 {'、'.join(map(str, left[:10]))}{'…' if len(left) > 10 else ''} 条线"
                     + (f"（图层 {'、'.join(layers)}）" if layers else "")
                     + " 未闭合，不是场地的边界（如标注线、引线），未作为场地；场地按闭合的"
                     + ("线围成的面" if faces else "多段线") + "核查。若其中有红线，请在 CAD 中把它闭合后重新导出")
    if not faces:
        out = gdf.iloc[np.flatnonzero(~is_line)].copy()
        out.attrs = dict(gdf.attrs)
        if numbers:
            out.attrs["row_numbers"] = [numbers[i] for i in np.flatnonzero(~is_line)]
        return out
    rows_used = [rows[i] for i in np.flatnonzero(used)]
    shown = "、".join(map(str, rows_used[:10])) + ("…" if len(rows_used) > 10 else "")
    # a ring inside another ring is a hole (even-odd, as CAD hatches a red line with an island): a face lying
    # inside the outlines of an odd number of other faces is left out (QA round 10: it was filled)
    inside = [sum(1 for g in faces if g is not f and shapely.within(shapely.point_on_surface(f),
                                                                   shapely.Polygon(shapely.get_exterior_ring(g))))
              for f in faces]
    holes = sum(1 for d in inside if d % 2)
    areas = shapely.get_parts(shapely.union_all([f for f, d in zip(faces, inside) if d % 2 == 0]))
    first = gdf.iloc[[int(line_idx[int(np.flatnonzero(used)[0])])]]
    made = gpd.GeoDataFrame(pd.concat([first] * len(areas), ignore_index=True).drop(columns=gdf.geometry.name),
                            geometry=gpd.GeoSeries(areas, crs=work.crs).to_crs(gdf.crs).values, crs=gdf.crs)
    made["site_from_lines"] = f"第 {shown} 条线"
    kept = gdf.iloc[np.flatnonzero(~is_line)]
    out = gpd.GeoDataFrame(pd.concat([kept, made], ignore_index=True), geometry=gdf.geometry.name, crs=gdf.crs)
    out.attrs = dict(gdf.attrs)
    if numbers:
        out.attrs["row_numbers"] = [numbers[i] for i in np.flatnonzero(~is_line)] + [rows_used[0]] * len(areas)
    mu = float(shapely.area(to_working(made).geometry.values).sum()) / settings.MU_M2
    notes.append(f"场地由闭合的线围成面：{where} 的第 {shown} 条线（共 {len(rows_used)} 条）首尾相接，围成 {len(areas)} 个面"
                 + (f"（其中 {holes} 圈在另一圈之内，按洞处理，不计入场地）" if holes else "")
                 + f"，共 {mu:,.2f} 亩，按面核查；请核对这就是红线范围")
    return out


def rings_as_holes(gdf, *, where: str, notes: list[str], warnings: list[str] | None = None) -> "gpd.GeoDataFrame":
    """Closed CAD rings (closed polylines, marked in column ``_RING_ROW``, and the faces :func:`lines_as_site`
    made of lines) lying inside another are holes, read even-odd as CAD hatches a red line with an island: a
    ring inside one other ring is cut out of it (a village kept out of the parcel), a ring inside two is a part
    again. A ring beside another stays a part of its own; two copies of one ring count once. The rings cut
    out leave the rows, named in a note; the column ``_RING_ROW`` is dropped. A ring within
    :data:`RING_COPY_GAP_M` of another everywhere is that ring drawn twice: it leaves the rows, named in a note.
    Rings of the site that overlap or cross are united, with a 图形警告 in ``warnings`` (else in ``notes``).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame({_RING_ROW: [1, 2, 3]}, geometry=[shapely.box(115.750, 36.450, 115.760, 36.458),
    ...     shapely.box(115.752, 36.452, 115.754, 36.454), shapely.box(115.770, 36.450, 115.772, 36.452)], crs=4490)
    >>> notes = []
    >>> out = rings_as_holes(g, where="红线.dxf", notes=notes)
    >>> [len(p.interiors) for p in out.geometry], "第 2 条闭合多段线在第 1 条闭合多段线之内" in notes[0]
    ([1, 0], True)
    """
    import shapely

    from ..crs import to_working

    if _RING_ROW not in gdf.columns:
        return gdf
    # the file's row number of each closed polyline; None for the other rows (NaN once rows were concatenated)
    ring_rows = [int(r) if isinstance(r, (int, float, np.integer, np.floating)) and r == r else None
                 for r in gdf[_RING_ROW]]
    out = gdf.drop(columns=_RING_ROW)
    out.attrs = dict(gdf.attrs)
    from_lines = out["site_from_lines"].to_numpy(dtype=object) if "site_from_lines" in out.columns else [None] * len(out)
    polygon = shapely.get_type_id(np.asarray(out.geometry.values, dtype=object)) == 3
    cand = np.flatnonzero([poly and (r is not None or isinstance(f, str))
                           for poly, r, f in zip(polygon, ring_rows, from_lines)])
    if len(cand) < 2:
        return out

    def label_of(k):
        row = ring_rows[cand[k]]
        return f"第 {row} 条闭合多段线" if row is not None else f"{from_lines[cand[k]]}围成的圈"

    # nesting is read in the working CRS, snapped to 1 mm as lines_as_site snaps the lines
    work = shapely.set_precision(to_working(out.iloc[cand]).geometry.values, 0.001)
    # a red line drawn twice (redrawn, snapped, offset by a pick) is one line, not a ring and its hole: the
    # copies leave the rows and are named (QA break 11: a copy 1 mm inside was a hole, the site a 0.01 亩 sliver)
    copies = _ring_copies(shapely.polygons(shapely.get_exterior_ring(work)))
    if copies:
        said = "；".join(f"{label_of(k)}与{label_of(kept)}重复" for k, kept in copies.items())
        keep = np.setdiff1d(np.arange(len(out)), cand[list(copies)])
        out_kept = out.iloc[keep].reset_index(drop=True)
        out_kept.attrs = dict(out.attrs)
        if out.attrs.get("row_numbers"):
            out_kept.attrs["row_numbers"] = [out.attrs["row_numbers"][i] for i in keep]
        notes.append(f"{where} 的{said}（两圈处处相差不超过 {RING_COPY_GAP_M:g} 米，应为同一圈线画了两次）：计一次，不作为洞")
        out, ring_rows, from_lines = out_kept, [ring_rows[i] for i in keep], [from_lines[i] for i in keep]
        cand = np.flatnonzero(np.isin(keep, cand))   # the remaining rings' new positions
        work = shapely.set_precision(to_working(out.iloc[cand]).geometry.values, 0.001)
    if len(cand) < 2:
        return out
    outlines = shapely.polygons(shapely.get_exterior_ring(work))
    # every ring (each outline, then the holes lines_as_site made) and the candidate it belongs to
    rings, owner = list(outlines), list(range(len(cand)))
    for k, g in enumerate(work):
        for i in range(shapely.get_num_interior_rings(g)):
            rings.append(shapely.Polygon(shapely.get_interior_ring(g, i)))
            owner.append(k)
    owner = np.asarray(owner)
    normal = shapely.normalize(np.asarray(rings, dtype=object))   # outlines first: ring p < len(cand) is outline p

    def same(a, b):
        return shapely.equals_exact(normal[a], normal[b], tolerance=0.001)

    # which rings each outline lies within (a ring, not a point of the face: an outline with a ring inside it
    # is not yet cut, its inner point may lie in that ring)
    pts, hit = shapely.STRtree(rings).query(outlines, predicate="within")
    # a ring counts for the others, never for itself or its copy (a red line drawn twice), and a ring drawn
    # twice around another counts once
    other = np.array([not same(p, r) for p, r in zip(pts, hit)], dtype=bool)
    pts, hit = pts[other], hit[other]
    counted: dict[int, list[int]] = {}
    for p, r in zip(pts, hit):
        if not any(same(r, q) for q in counted.setdefault(int(p), [])):
            counted[int(p)].append(int(r))
    depth = np.array([len(counted.get(p, ())) for p in range(len(cand))])
    holes = np.flatnonzero(depth % 2 == 1)
    _crossing_note(outlines, depth % 2 == 0, label_of=label_of, where=where, notes=notes, warnings=warnings)
    if not len(holes):
        return out
    # a hole is cut out of the outline it lies in one level up (an outline: hit < len(cand))
    parents = {int(p): sorted({int(owner[r]) for q, r in zip(pts, hit)
                               if q == p and r < len(cand) and depth[owner[r]] == depth[p] - 1}) for p in holes}

    label = label_of
    geoms = np.asarray(out.geometry.values, dtype=object).copy()
    for k in sorted({k for ks in parents.values() for k in ks}):
        inside = [cand[p] for p, ks in parents.items() if k in ks]
        geoms[cand[k]] = shapely.difference(geoms[cand[k]], shapely.union_all(geoms[inside]))
    kept = np.setdiff1d(np.arange(len(out)), cand[holes])
    result = out.set_geometry(type(out.geometry)(geoms, crs=out.crs, index=out.index)).iloc[kept].reset_index(drop=True)
    result.attrs = dict(out.attrs)
    if out.attrs.get("row_numbers"):
        result.attrs["row_numbers"] = [out.attrs["row_numbers"][i] for i in kept]
    said = "；".join(f"{label(p)}在{'、'.join(label(k) for k in ks) or '另一圈'}之内" for p, ks in parents.items())
    # the area the check measures: the parts together (overlapping parts once)
    mu = float(shapely.area(shapely.union_all(to_working(result).geometry.values))) / settings.MU_M2
    notes.append(f"{where} 的{said}：按洞处理（如红线内扣除的村庄），不计入场地；场地共 {mu:,.2f} 亩，请核对这就是红线范围")
    return result


#: two closed rings that lie within this many metres of each other everywhere (Hausdorff distance, in the
#: working CRS) are one red line drawn twice. A 1:500 topographic or cadastral drawing places a point to
#: about ±0.5 mm on paper (0.25 m on the ground); twice that, the usual limit error, is 0.5 m: outlines closer
#: than that cannot be told apart as surveyed, while a village or road cut out of a parcel is metres wide
RING_COPY_GAP_M = 0.5
#: … and whose symmetric difference is at most this share of the larger ring's area: a small ring (a well,
#: a pylon base a metre across) inside a slightly larger one stays a hole even when its edges are close
RING_COPY_SHARE = 0.01


def _ring_copies(outlines) -> dict[int, int]:
    """The rings of ``outlines`` (polygons of the exterior rings, metres) that copy an earlier one: ``{copy:
    kept}``, by :data:`RING_COPY_GAP_M` and :data:`RING_COPY_SHARE` (a copy of a copy keeps the first).

    Examples
    --------
    >>> import shapely
    >>> _ring_copies([shapely.box(0, 0, 200, 160), shapely.box(0.001, 0.001, 199.999, 159.999),
    ...               shapely.box(50, 50, 80, 80), shapely.box(300, 0, 400, 100)])
    {1: 0}
    """
    import shapely

    outlines = np.asarray(outlines, dtype=object)
    if len(outlines) < 2:
        return {}
    left, right = shapely.STRtree(outlines).query(outlines, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    if not len(left):
        return {}
    a, b = outlines[left], outlines[right]
    area = np.maximum(shapely.area(a), shapely.area(b))
    near = shapely.hausdorff_distance(shapely.boundary(a), shapely.boundary(b), densify=0.05) <= RING_COPY_GAP_M
    close = near & (shapely.area(shapely.symmetric_difference(a, b)) <= RING_COPY_SHARE * area)
    copies: dict[int, int] = {}
    for i, j in sorted(zip(left[close].tolist(), right[close].tolist())):
        if j not in copies:
            copies[j] = copies.get(i, i)
    return copies


def _crossing_note(outlines, parts, *, label_of, where: str, notes: list[str], warnings: list[str] | None) -> None:
    """A 图形警告 for closed rings that are parts of the site (``parts``: not holes) and overlap or cross
    (neither inside the other nor a copy): the site is their union, and a «village» drawn across the red line
    is no hole (QA break 11: said nowhere). Two holes that overlap are cut out together, as drawn."""
    import shapely

    outlines = np.asarray(outlines, dtype=object)
    if len(outlines) < 2:
        return
    left, right = shapely.STRtree(outlines).query(outlines, predicate="overlaps")
    pairs = [(i, j) for i, j in zip(left.tolist(), right.tolist()) if i < j and parts[i] and parts[j]]
    if pairs:
        said = "、".join(f"{label_of(i)}与{label_of(j)}" for i, j in pairs[:10]) + ("等" if len(pairs) > 10 else "")
        text = (f"{where} 的{said}相互交叉重叠（不是一圈在另一圈之内，也不是重复绘制）："
                "按两者合并计入场地（重叠部分计一次），未作为洞扣除；请核对红线——要扣除的范围须整圈画在红线之内")
        # shown in the answer's first lines (site["shape_warnings_zh"], «图形警告：…»), once
        if warnings is not None:
            warnings.append(text)
        else:
            notes.append(f"图形警告：{text}")


def unusable_rows(gdf) -> list[tuple[int, str]]:
    """The rows of a read site that have no geometry to check, each with who it is and why.

    A row keeps its place when its coordinates are missing, not numbers, or make no area (the
    readers say why in ``read_issue``); the single-site check and the desk's site reading use the
    others and name these.

    Parameters
    ----------
    gdf
        What :func:`read_site` returned (``attrs["row_numbers"]`` gives each row's line in the file).

    Returns
    -------
    list of (int, str)
        Position of the row and ``"第 5 行（地块编号 4，未闭合）：第 1 圈未闭合…"``; empty when every row has a geometry.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame({"read_issue": ["", "坐标缺失"]}, geometry=[shapely.Point(115.75, 36.45), None])
    >>> unusable_rows(g)
    [(1, '第 2 条：坐标缺失')]
    """
    import shapely

    from .rows import ISSUE_COLUMN

    geoms = np.asarray(gdf.geometry.values)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    numbers = gdf.attrs.get("row_numbers") or []
    out = []
    for pos in np.flatnonzero(bad).tolist():
        row = gdf.iloc[pos]
        label = f"第 {numbers[pos]} 行" if pos < len(numbers) else f"第 {pos + 1} 条"
        who = [f"{c} {row[c]}" if c == "地块编号" else str(row[c]) for c in ("地块编号", "地块名称", "name")
               if c in gdf.columns and row[c] is not None and row[c] == row[c] and str(row[c]).strip()]
        who = list(dict.fromkeys(who))
        if who:
            label += f"（{'，'.join(who)}）"
        reason = str(row[ISSUE_COLUMN]).strip() if ISSUE_COLUMN in gdf.columns and row[ISSUE_COLUMN] else ""
        out.append((pos, f"{label}：{reason or '无几何图形'}"))
    return out
