"""Row checks every reader applies: nothing is dropped, each problem is said on its row.

:class:`RowIssues` collects per-row problems while a file is read and becomes the ``read_issue``
column (:data:`ISSUE_COLUMN`, present only when some row had one). :func:`check_rows` runs the
checks every reader shares — files, ``--site`` values, PostGIS tables, GeoParquet partitions:
empty geometries flagged, invalid ones repaired with :func:`shapely.make_valid`
(:func:`check_geometries`), rows outside China or far from Dongchangfu flagged
(:func:`check_location`; all outside China raises).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import TYPE_CHECKING, Callable

import numpy as np

from .._fixes import CRS as FIX_CRS
from ..crs.guess import checks, in_china, km_from_district, representative_xy, swapped_degrees, swapped_row_zh
from ..errors import InputError
from .read_wkb import READ_WKB

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

logger = logging.getLogger(__name__)

ISSUE_COLUMN = "read_issue"
#: ``attrs`` key of a DXF read: the positions (0-based, file order) of the rows that were closed polylines made
#: polygons (:func:`dcf_spatial.io.vector._close_cad_rings`); :func:`dcf_spatial.io.site.read_site` reads a ring
#: inside another of them as a hole
CAD_RINGS = "cad_closed_rows"
#: the read issue of a polygon with no area (all its points identical or on one line)
COLLAPSED_ISSUE = "面积为零（各点重合或在一条直线上，不成面），几何为空"
#: above this many self-intersections an invalid polygon is not repaired: ``make_valid`` grows with the
#: number of crossings (a scrambled 2,000-vertex ring, ~450,000 crossings: 42 s and 1.1 GB; 20,000
#: vertices exhausted the machine's memory), while a parcel with a few digitising slips has a handful.
#: 10,000 crossings repair in ~0.2 s (measured: 300 scrambled vertices, 10,206 crossings, 0.13 s CPU).
MAX_SELF_CROSSINGS = 10_000
#: the read issue of a polygon refused for crossing itself too often ({n}: the count found, a lower bound)
SELF_CROSSING_ISSUE = "图形自相交过多（至少 {n} 处），未自动修复，请在 GIS 中修复后再上传，几何为空"


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
        #: warnings about a row's shape that an answer shows first (a stray vertex), not only among the notes
        self.warnings: list[str] = []

    def add(self, positions, text: str | Callable[[int], str]) -> None:
        for pos in np.asarray(positions, dtype=int).tolist():
            self._issues.setdefault(pos, []).append(text(pos) if callable(text) else text)

    def flagged(self) -> np.ndarray:
        """Boolean mask of the rows that already have an issue."""
        mask = np.zeros(self.n, dtype=bool)
        mask[list(self._issues)] = True
        return mask

    def rows(self, positions, limit: int = 10) -> str:
        return rows_zh(positions, self.row_label, limit)

    def column(self) -> list[str] | None:
        if not self._issues:
            return None
        return ["；".join(self._issues.get(i, [])) for i in range(self.n)]


# --- a ledger's own lines: totals and footers ------------------------------------------------------

#: a table's total line: 合计 / 小计 / 总计 / 共计 / 累计 (spaces ignored; "合计（25宗）", "本页小计：" too), a
#: subtotal named for what it sums ("郑家镇小计", "工业用地合计"), or the breakdown under a total ("其中：工业用地"),
#: as the whole cell — a parcel or a project whose name merely contains 合计 (合计镇工业项目) is not one
_TOTAL_CELL = re.compile(r"(?:(?:本页|本表|本年|本月|本期|当年|全部|全区|总)?(?:合计|小计|总计|共计|累计)"
                         r"|[^\d:：（(]{1,12}?(?:合计|小计))(?:[:：（(【\[].*)?", re.S)
#: the breakdown line under a total: 其中 / 其中：工业用地 (a part of the total, no parcel either)
_PART_OF_TOTAL_CELL = re.compile(r"其中(?:[:：，,（(].*)?", re.S)
#: a table's footer: who made, checked and dated it, and its notes (a label and a colon)
_FOOTER_CELL = re.compile(r"(?:制表人?|制表单位|制表日期|填表人?|填表单位|填表日期|填报人|填报单位|填报日期|编制人|编制单位|"
                          r"编制日期|审核人?|复核人?|审批人?|单位负责人|负责人|经办人|联系人|联系电话|报送日期|统计日期|"
                          r"数据来源|资料来源|注\d*|备注|说明|附注)[:：].*", re.S)


def ledger_line_kind(value) -> str | None:
    """``"合计行"`` when a cell is, as a whole, a table's total (合计/小计/总计/共计/累计, 郑家镇小计),
    ``"合计的分项行"`` for the breakdown under a total (其中：…), ``"表尾"`` when it
    is a footer (制表人：…, 审核人：…, 填表日期：…, 注：…), else None. Spaces and full-width forms
    are ignored; anything but text is None.

    Examples
    --------
    >>> [ledger_line_kind(v) for v in ["合 计", "小计（3宗）", "郑家镇小计", "其中：工业用地", "制表人：张三",
    ...                                "合计镇工业项目", "注意事项", 12]]
    ['合计行', '合计行', '合计行', '合计的分项行', '表尾', None, None, None]
    """
    if not isinstance(value, str):
        return None
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    if not text:
        return None
    if _TOTAL_CELL.fullmatch(text):
        return "合计行"
    if _PART_OF_TOTAL_CELL.fullmatch(text):
        return "合计的分项行"
    if _FOOTER_CELL.fullmatch(text):
        return "表尾"
    return None


# --- geometry helpers ---------------------------------------------------------------------------


#: how a table says "no" in a yes/no column (besides a real False)
FALSE_WORDS = ("false", "0", "no", "否")


def says_false(values) -> np.ndarray:
    """True where a yes/no value says no (False, "false", "0", "no", "否"); blanks are not a no."""
    return np.array([v is False or (isinstance(v, (bool, np.bool_)) and not v) or str(v).strip().lower() in FALSE_WORDS
                     for v in values], dtype=bool)



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
    # once: the sliver test and the repair both need it (a reader that kept its WKB computed it already,
    # beside its read of the attributes, for these very geometries: dcf_spatial.io.read_wkb)
    known = gdf.attrs.get(READ_WKB)
    valid = known.validity_of(geoms) if known is not None else None
    valid = shapely.is_valid(geoms) if valid is None else valid
    sliver = _slivers(gdf, geoms, missing, valid)
    if sliver.any():
        pos = np.flatnonzero(sliver)
        geoms = geoms.copy()
        geoms[pos] = shapely.Polygon()
        gdf = gdf.set_geometry(geoms, crs=gdf.crs)
        issues.add(pos, COLLAPSED_ISSUE)
        notes.append(f"{len(pos)} 个面{COLLAPSED_ISSUE}（{issues.rows(pos)}）")
        missing = missing | sliver
    invalid = ~missing & ~valid  # (a sliver, now empty, was valid: the same rows as testing again)
    if invalid.any() and repair:
        # bound the repair's work first: a polygon crossing itself thousands of times is refused, by row
        many = {int(p): c for p in np.flatnonzero(invalid)
                if np.isin(shapely.get_type_id(geoms[p]), (3, 6)) and (c := self_crossings(geoms[p])) > MAX_SELF_CROSSINGS}
        if many:
            pos = np.fromiter(many, dtype=int)
            geoms = geoms.copy()
            geoms[pos] = shapely.Polygon()
            gdf = gdf.set_geometry(geoms, crs=gdf.crs)
            issues.add(pos, lambda p: SELF_CROSSING_ISSUE.format(n=f"{many[p]:,}"))
            notes.append(f"{len(pos)} 个面{SELF_CROSSING_ISSUE.format(n=f'{max(many.values()):,}')}（{issues.rows(pos)}）")
            missing = missing.copy()
            missing[pos] = True
            invalid[pos] = False
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
            # a polygon whose points all coincide or lie on one line has no area: make_valid leaves
            # nothing of it (keep_collapsed=False), and it is no site to check
            collapsed = polygonal & shapely.is_empty(fixed)
            gone, kept = pos[collapsed], pos[~collapsed]
            if len(gone):
                issues.add(gone, COLLAPSED_ISSUE)
                notes.append(f"{len(gone)} 个面{COLLAPSED_ISSUE}（{issues.rows(gone)}）")
            if len(kept):
                issues.add(kept, lambda p, _r=dict(zip(pos.tolist(), reasons)): f"几何无效（{_r[p]}），已自动修复")
                notes.append(f"{len(kept)} 个无效几何已用 shapely.make_valid 修复（{issues.rows(kept)}）；"
                             f"原因如：{reasons[~collapsed][0]}")
            logger.info("%s: repaired %d invalid geometries", where, len(pos))
        else:
            issues.add(pos, lambda p, _r=dict(zip(pos.tolist(), reasons)): f"几何无效（{_r[p]}），未修复")
            notes.append(f"{len(pos)} 个几何无效且未修复（repair=False）：{issues.rows(pos)}")
    return gdf


def self_crossings(geom, limit: int = MAX_SELF_CROSSINGS) -> int:
    """How many pairs of non-adjacent edges of a polygon's rings meet, counted up to just over ``limit``.

    Bounds the work of :func:`shapely.make_valid` before it runs: its cost grows with the crossings, and a
    scrambled ring of n vertices has ~n²/9 of them. The edges go into an STRtree and are queried in
    chunks, so that the count stops soon after ``limit`` (a 20,000-vertex scrambled ring: ~0.1 s) instead
    of listing tens of millions of pairs. Written by hand: GEOS says only the first self-intersection
    (:func:`shapely.is_valid_reason`) and noding the ring would build every crossing.

    Examples
    --------
    >>> import shapely
    >>> self_crossings(shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]))  # a bow-tie
    1
    >>> self_crossings(shapely.box(0, 0, 1, 1))
    0
    """
    import shapely

    rings = shapely.get_rings(shapely.get_parts(geom))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    starts, ends = coords[:-1][same], coords[1:][same]
    seg_ring = ring[:-1][same]
    if len(starts) < 4:
        return 0
    segs = shapely.linestrings(np.stack([starts, ends], axis=1))
    ring_len = np.bincount(seg_ring)
    tree = shapely.STRtree(segs)
    # query a few edges at a time: each query may meet ~n/9 edges of a scrambled ring, so the pairs of one
    # chunk stay near 400,000 at most (a few MB), whatever n, and the count stops soon after the limit
    found, chunk = 0, max(16, min(1024, 400_000 // len(segs)))
    for s in range(0, len(segs), chunk):
        a, b = tree.query(segs[s:s + chunk], predicate="intersects")
        a = a + s
        d = np.abs(a - b)
        adjacent = (seg_ring[a] == seg_ring[b]) & ((d == 1) | (d == ring_len[seg_ring[a]] - 1))
        found += int(((b > a) & ~adjacent).sum())
        if found > limit:
            break
    return found


def _slivers(gdf, geoms: np.ndarray, missing: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """Valid polygons of (almost) no area: points on one straight line in the file's plane CRS are not
    quite on one line once in lon/lat. Polsby-Popper 4πA/P², measured in metres (EPSG:4548), is ~1e-12
    for such a sliver and ~3e-3 for a parcel 1 m wide and 1 km long: below 1e-6 it is no area. Only the
    thin candidates (below 1e-2 in the file's CRS) are reprojected to be measured."""
    import shapely

    polygonal = ~missing & np.isin(shapely.get_type_id(geoms), (3, 6))
    with np.errstate(divide="ignore", invalid="ignore"):
        compact = 4 * np.pi * shapely.area(geoms) / shapely.length(geoms) ** 2
    valid = shapely.is_valid(geoms) if valid is None else valid
    out = polygonal & valid & ~(compact > 1e-2)
    if out.any() and gdf.crs is not None and gdf.crs.is_geographic:
        import geopandas as gpd

        from .. import settings

        pos = np.flatnonzero(out)
        metric = gpd.GeoSeries(geoms[pos], crs=gdf.crs).to_crs(settings.working_crs).values
        with np.errstate(divide="ignore", invalid="ignore"):
            compact[pos] = 4 * np.pi * shapely.area(metric) / shapely.length(metric) ** 2
    return out & ~(compact > 1e-6)


def check_location(gdf: "gpd.GeoDataFrame", *, where: str, notes: list[str], issues: RowIssues,
                   whole: bool = True) -> None:
    """Rows outside China or far from Dongchangfu get a ``read_issue``; all outside China raises,
    unless ``whole=False`` (``gdf`` is one part of an input, a dask partition: the other parts may
    be inside China, so its rows are flagged one by one as any other row outside China)."""
    cfg = checks()
    lon, lat = representative_xy(gdf.geometry.values)
    has = np.isfinite(lon) & np.isfinite(lat)
    if not has.any():
        return
    china = in_china(lon, lat) & has
    outside = has & ~china
    if whole and outside.any() and not china.any():
        raise InputError(
            f"{where}：全部 {int(has.sum())} 个要素都在中国境外（中位点经度 {np.median(lon[has]):.4f}、纬度 "
            f"{np.median(lat[has]):.4f}），坐标显然有误。请检查坐标列与坐标系（必要时{FIX_CRS}），或经纬度是否颠倒。"
        )
    # a pair typed the wrong way round (纬度 in the 经度 cell) is said so, with the order to type, in the words
    # of the single check (which refuses «36.4534,115.766» and asks): the row is not exchanged on a guess
    swapped = outside & swapped_degrees(lon, lat)
    if swapped.any():
        pos = np.flatnonzero(swapped)
        issues.add(pos, lambda p: swapped_row_zh(lon[p], lat[p]))
        notes.append(f"警告：{len(pos)} 行经纬度顺序颠倒（纬度写在经度的位置），未自动对调：{issues.rows(pos)}")
        logger.warning("%s：%d 行经纬度顺序颠倒", where, len(pos))
    if (outside & ~swapped).any():
        pos = np.flatnonzero(outside & ~swapped)
        issues.add(pos, lambda p: f"坐标在中国境外（{_degrees_text(lon[p])}, {_degrees_text(lat[p])}），疑似录入错误")
        notes.append(f"警告：{len(pos)} 个要素在中国境外，疑似坐标录入错误：{issues.rows(pos)}")
        logger.warning("%s：%d 个要素在中国境外，疑似坐标录入错误", where, len(pos))
    dist = np.full(len(lon), np.nan)
    dist[china] = km_from_district(lon[china], lat[china])
    far = china & (dist > cfg["far_km"])
    if far.any():
        far = _stray_vertices(gdf, far, where=where, notes=notes, issues=issues, far_km=cfg["far_km"])
    if far.any():
        pos = np.flatnonzero(far)
        issues.add(pos, lambda p: f"距东昌府区约 {dist[p]:,.0f} km（超过 {cfg['far_km']:.0f} km），疑似坐标录入错误，请核对经纬度与坐标系")
        if far.sum() == china.sum():
            notes.append(f"警告：全部要素都在东昌府区以外，最近的约 {np.nanmin(dist[far]):,.0f} km——"
                         f"若数据本应在区内，请检查坐标系（必要时{FIX_CRS}）")
        else:
            notes.append(f"警告：{len(pos)} 个要素距东昌府区超过 {cfg['far_km']:.0f} km：{issues.rows(pos)}")
        logger.warning("%s：%d 个要素距东昌府区超过 %s km", where, len(pos), cfg["far_km"])


#: vertices looked at for stray points (rows far by their centre); beyond this the rows are judged by their centre
_MAX_STRAY_VERTICES = 2_000_000


def _degrees_text(value: float) -> str:
    """A coordinate as a row's issue quotes it: 4 decimals, or 4 significant digits when absurdly large
    (a point at 1e300 was quoted with 300 digits).

    Examples
    --------
    >>> _degrees_text(115.75), _degrees_text(1e300)
    ('115.7500', '1e+300')
    """
    return f"{value:.4f}" if abs(value) < 1e6 else f"{value:.4g}"


def _stray_vertices(gdf, far: np.ndarray, *, where: str, notes: list[str], issues: RowIssues, far_km: float) -> np.ndarray:
    """Of the rows far from the district by their centre, those with a vertex near it are not far: one or a
    few vertices are (a point typed wrong, 180 km off, pulls the centre away). Such rows get a ``read_issue``
    naming the stray vertices; the rows still far are returned."""
    import shapely

    pos = np.flatnonzero(far)
    coords, index = shapely.get_coordinates(np.asarray(gdf.geometry.values)[pos], return_index=True)
    if not len(coords) or len(coords) > _MAX_STRAY_VERTICES:
        return far
    d = km_from_district(coords[:, 0], coords[:, 1])
    far = far.copy()
    for k, p in enumerate(pos):
        mine = index == k
        dk = d[mine]
        if not len(dk) or dk.min() > far_km:
            continue
        far[p] = False
        xy, order = coords[mine], np.flatnonzero(dk > far_km)
        # the closing vertex repeats the first: name each stray point once, by its order in the ring
        seen, stray = set(), []
        for i in order:
            key = (round(float(xy[i, 0]), 7), round(float(xy[i, 1]), 7))
            if key not in seen:
                seen.add(key)
                stray.append(f"第 {i + 1} 个顶点（{xy[i, 0]:.5f}, {xy[i, 1]:.5f}，距东昌府区约 {dk[i]:,.0f} km）")
        text = (f"部分在东昌府区附近，但有 {len(stray)} 个顶点远离：{'；'.join(stray[:5])}"
                f"{' 等' if len(stray) > 5 else ''}，疑似个别坐标录入错误，面积与范围因此失真，请核对这些点")
        issues.add([p], text)
        notes.append(f"警告：{issues.row_label(p)}{text}")
        if not any("远离其余各点" in t for t in issues._issues.get(p, [])):  # a 报批 TXT named the 界址点 already
            issues.warnings.append(f"{where} {issues.row_label(p)}{text}")
    return far


def check_rows(gdf: "gpd.GeoDataFrame", *, where: str, notes: list[str], location: bool = True,
               row_label=None, repair: bool = True, issues: RowIssues | None = None,
               whole: bool = True) -> "gpd.GeoDataFrame":
    """Flag empty geometries, repair invalid ones and (``location``) flag rows far from the district,
    each in the row's ``read_issue``: the checks every reader applies (files, ``--site`` values, a
    PostGIS table, a GeoParquet partition). ``issues`` carries what the reader found earlier;
    ``whole=False``: ``gdf`` is one part of an input (see :func:`check_location`)."""
    issues = issues if issues is not None else RowIssues(len(gdf), row_label or _row_label_features)
    gdf = check_geometries(gdf, repair=repair, where=where, notes=notes, issues=issues)
    if location:
        check_location(gdf, where=where, notes=notes, issues=issues, whole=whole)
    col = issues.column()
    if col is not None:
        gdf[ISSUE_COLUMN] = col
    return gdf


def _row_label_features(pos: int) -> str:
    return f"第 {pos + 1} 条要素"


def row_labeller(row_numbers=None) -> Callable[[int], str]:
    """How the notes name a row by its position: ``表格第 N 行`` with the spreadsheet row of each record
    (``attrs["row_numbers"]`` of a table read), else ``第 N 条要素``."""
    if row_numbers is None:
        return _row_label_features
    return lambda p, _l=row_numbers: f"表格第 {_l[p]} 行"


def rows_zh(positions, label: Callable[[int], str], limit: int = 10) -> str:
    """The rows at ``positions`` named for a note (the first ``limit``, then how many in all).

    Examples
    --------
    >>> rows_zh([0, 2], row_labeller([2, 3, 4]))
    '表格第 2 行、表格第 4 行'
    """
    positions = np.asarray(positions, dtype=int).tolist()
    shown = "、".join(label(p) for p in positions[:limit])
    return shown + (f" 等共 {len(positions)} 处" if len(positions) > limit else "")

