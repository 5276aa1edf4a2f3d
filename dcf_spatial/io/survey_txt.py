"""The 报批/勘测定界 coordinate TXT: the exchange text of land-use approval and boundary survey.

The file has a ``[属性描述]`` section of ``key=value`` lines (坐标系, 几度分带, 投影类型, 计量单位, 带号,
精度, 转换参数) and a ``[地块坐标]`` section of parcel records::

    [地块坐标]
    5,0.3600,1,地块一,面,,工业用地,0601,@      <- 界址点数,地块面积,地块编号,地块名称,图形属性,图幅号,地块用途,地类编码,@
    J1,1,4035000.000,39409000.000             <- 点号,圈号,X,Y: X is the northing, Y the easting
    ...

:func:`read_survey_txt` gives one row per 地块 record (bad records keep their row, with the reason in
``read_issue``); :func:`write_survey_txt` writes a GeoDataFrame back (CGCS2000 3° Gauss–Krüger zone 39,
zone-prefixed easting, GBK, CRLF). :func:`is_survey_txt` tells such a file by its content, whatever its
suffix. The format is parsed by hand: it is a few comma lines, and no maintained PyPI library reads it.

Examples
--------
>>> from dcf_spatial.io import survey_txt
>>> survey_txt.gk_epsg(39, width=3, prefixed=True)
'EPSG:4527'
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._fixes import CRS as FIX_CRS, ENCODING as FIX_ENCODING
from ..errors import InputError
from ..user_text import has_line_breakers, one_line, printable_name
from .rows import RowIssues

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

logger = logging.getLogger(__name__)

HEADER_SECTION = "[属性描述]"
PARCEL_SECTION = "[地块坐标]"
#: the fields of a parcel record, in file order (the record ends with ``@``)
RECORD_FIELDS = ("界址点数", "地块面积", "地块编号", "地块名称", "图形属性", "图幅号", "地块用途", "地类编码")
#: the ``[属性描述]`` key some exports fill with the project's name: given, it becomes a ``项目名称`` column
PROJECT_NAME_KEY = "项目名称"
#: relative difference between the recorded 地块面积 and the area of the coordinates that is reported
AREA_TOLERANCE = 0.01
#: the zone the district lies in: CGCS2000 3° Gauss–Krüger zone 39, central meridian 117°E
DISTRICT_ZONE = 39
#: bytes read to tell a survey TXT by its content
_SNIFF_BYTES = 65536
#: two coordinates this close (m) are the same point (the format gives mm)
_SAME_POINT_M = 0.0005

#: (datum, zone width, zone-prefixed easting) -> (EPSG code of the first zone, first zone number);
#: each code is checked against pyproj's definition before use (:func:`gk_epsg`)
_GK_CODES = {
    ("CGCS2000", 3, True): (4513, 25), ("CGCS2000", 3, False): (4534, 25),
    ("CGCS2000", 6, True): (4491, 13), ("CGCS2000", 6, False): (4502, 13),
    ("Xian 1980", 3, True): (2349, 25), ("Xian 1980", 3, False): (2370, 25),
    ("Xian 1980", 6, True): (2327, 13), ("Xian 1980", 6, False): (2338, 13),
    ("Beijing 1954", 3, True): (2401, 25), ("Beijing 1954", 3, False): (2422, 25),
    ("Beijing 1954", 6, True): (21413, 13), ("Beijing 1954", 6, False): (21473, 13),
}
_DATUM_ZH = {"CGCS2000": "2000国家大地坐标系", "Xian 1980": "1980西安坐标系", "Beijing 1954": "1954北京坐标系"}
_AREA_UNITS = {"公顷": 10_000.0, "平方米": 1.0, "亩": 10_000 / 15}


def gk_epsg(zone: int, *, width: int = 3, prefixed: bool = True, datum: str = "CGCS2000") -> str:
    """The EPSG code of a Gauss–Krüger zone, checked against pyproj.

    Parameters
    ----------
    zone
        Zone number (带号): 25–45 for 3° zones, 13–23 for 6° zones in China.
    width
        Zone width in degrees (几度分带): 3 or 6.
    prefixed
        ``True`` when the easting carries the zone number in front (39 409 000.0), ``False`` when it
        is the plain false-easting 500 km value (409 000.0).
    datum
        ``"CGCS2000"``, ``"Xian 1980"`` or ``"Beijing 1954"``.

    Returns
    -------
    str
        ``"EPSG:NNNN"``.

    Raises
    ------
    InputError
        A zone or width that does not exist in China.

    Examples
    --------
    >>> gk_epsg(39)
    'EPSG:4527'
    >>> gk_epsg(39, prefixed=False)
    'EPSG:4548'
    >>> gk_epsg(20, width=6)
    'EPSG:4498'
    """
    from pyproj import CRS

    key = (datum, int(width), bool(prefixed))
    if key not in _GK_CODES:
        raise InputError(f"几度分带={width}：只支持 3 度带或 6 度带的高斯-克吕格投影。")
    first_code, first_zone = _GK_CODES[key]
    last_zone = first_zone + (20 if width == 3 else 10)
    if not first_zone <= int(zone) <= last_zone:
        raise InputError(f"带号={zone}：{width} 度带在我国的带号为 {first_zone}–{last_zone}，请核对文件头的带号。")
    code = first_code + int(zone) - first_zone
    cm = zone * 3 if width == 3 else zone * 6 - 3
    crs = CRS.from_epsg(code)
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    easting = zone * 1_000_000 + 500_000 if prefixed else 500_000
    if params.get("Longitude of natural origin") != cm or params.get("False easting") != easting:
        raise RuntimeError(f"EPSG:{code} is not {datum} {width}-degree zone {zone} in this PROJ database")
    return f"EPSG:{code}"


# --- reading ----------------------------------------------------------------------------------------


def is_survey_txt(path) -> bool:
    """``True`` when the file's content has a ``[地块坐标]`` section (GBK or UTF-8), whatever its suffix.

    Examples
    --------
    >>> is_survey_txt("地块.txt")  # doctest: +SKIP
    True
    """
    path = Path(path)
    if not path.is_file():
        return False
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    return any(PARCEL_SECTION.encode(enc) in head for enc in ("utf-8", "gbk", "utf-16-le"))


def _decode(path: Path, encoding, notes) -> str:
    raw = path.read_bytes()
    if encoding:
        notes.append(f"按用户指定的编码 {encoding} 读取")
        return raw.decode(encoding, errors="replace")
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise InputError(f"{path}：既不是 UTF-8 也不是 GBK 编码。请{FIX_ENCODING}（如 gbk）。") from None
    notes.append("坐标文件按 GBK（GB18030）编码读取")
    return text


@dataclass
class SurveyHeader:
    """The ``[属性描述]`` section: its raw values and what they say about the CRS."""

    values: dict[str, str] = field(default_factory=dict)
    datum: str | None = None   # "CGCS2000", "Xian 1980", "Beijing 1954" or None (not stated / other)
    width: int | None = None
    zone: int | None = None

    @classmethod
    def parse(cls, lines: list[str]) -> "SurveyHeader":
        values = {}
        for line in lines:
            if "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
        head = cls(values=values)
        system = values.get("坐标系", "")
        if re.search(r"2000|CGCS", system, re.IGNORECASE):
            head.datum = "CGCS2000"
        elif re.search(r"80|西安", system):
            head.datum = "Xian 1980"
        elif re.search(r"54|北京", system):
            head.datum = "Beijing 1954"
        width = re.search(r"\d+", values.get("几度分带", ""))
        head.width = int(width.group()) if width else None
        zone = re.search(r"\d+", values.get("带号", ""))
        head.zone = int(zone.group()) if zone else None
        return head

    def parameters(self) -> list[str]:
        """The non-empty values of 转换参数."""
        return [v.strip() for v in re.split(r"[,，]", self.values.get("转换参数", "")) if v.strip()]


def _number(text: str) -> float:
    value = float(text.strip())
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _assemble(rings: list[np.ndarray]):
    """Rings (x=easting, y=northing) to one Polygon/MultiPolygon: a ring inside another is its hole,
    a ring outside every other is another part (圈号 > 1 means either; containment decides)."""
    import shapely

    polys = [shapely.Polygon(r) for r in rings]
    order = sorted(range(len(rings)), key=lambda i: -abs(polys[i].area))
    outers: list[int] = []
    holes: dict[int, list[int]] = {}
    for i in order:
        host = next((o for o in outers if polys[o].contains(polys[i].representative_point())
                     and polys[o].buffer(_SAME_POINT_M).contains(polys[i])), None)
        if host is None:
            outers.append(i)
            holes[i] = []
        else:
            holes[host].append(i)
    parts = [shapely.Polygon(rings[o], [rings[h] for h in holes[o]]) for o in sorted(outers)]
    n_holes = sum(len(v) for v in holes.values())
    geom = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
    return geom, len(parts), n_holes


@dataclass
class _Record:
    line: int
    fields: list[str]
    points: list[tuple[int, list[str]]] = field(default_factory=list)
    #: why the record line cannot be split into the format's fields (the record is kept, without geometry)
    refused: str = ""


#: what a clerk's keyboard or another program puts between the fields instead of the format's comma:
#: the full-width comma (Chinese input), a tab, a semicolon (full-width or not), the ideographic comma;
#: read as commas. A record line has exactly len(RECORD_FIELDS) fields before its ``@``: when reading all of
#: these as commas gives more, one of them is text inside a field (a 地块名称 “东、西区”, a formula with ``;``),
#: and the line is read by the separators that give the format's fields (:func:`_record_fields`)
_SEPARATORS = str.maketrans({"，": ",", "\t": ",", ";": ",", "；": ",", "、": ","})
_SEPARATOR_NAMES = {"，": "全角逗号“，”", "\t": "制表符（Tab）", ";": "分号“;”", "；": "全角分号“；”", "、": "顿号“、”"}
_RECORD_LAYOUT = ",".join(RECORD_FIELDS) + ",@"
#: the 图形属性 of the format: 面 (also when empty), 线, 点
_KINDS = ("面", "线", "点")


def _split_on(text: str, seps) -> list[str]:
    return [f.strip() for f in re.split("|".join(re.escape(c) for c in seps), text)]


def _record_fields(line: str, number: int) -> tuple[list[str], set[str], str, str]:
    """The fields of one record line (``…,@``) as the format lays them out: (fields, the separators used,
    a note on separator characters kept inside a field, why the line is refused).

    The record has len(RECORD_FIELDS) fields. Read with every separator as a comma, a line may give
    more: a field holds one of them. Then the line is split on each set of the separators it holds; when
    exactly one way gives the format's field count, that is the record (the other characters stay in
    their field, said in the note); otherwise the record is refused (never shifted into other fields)."""
    from itertools import combinations

    body = line[:-1].rstrip()
    present = [c for c in (",", *_SEPARATOR_NAMES) if c in body]
    if body and body[-1] in present:   # the separator before the closing @
        body = body[:-1]
    fields = _split_on(body, present) if present else [body.strip()]
    trimmed = list(fields)
    while len(trimmed) > len(RECORD_FIELDS) and not trimmed[-1]:   # empty fields after 地类编码 shift nothing
        trimmed.pop()
    # ... unless a separator inside a field is what made them: the 图形属性 read so is not the format's (面/线/点),
    # e.g. a 地块名称 “=HYPERLINK("…","点我")” with an empty 地类编码 (breaker F8): the line is told apart below or refused
    if len(trimmed) == len(RECORD_FIELDS) and len(fields) > len(RECORD_FIELDS) and trimmed[4] not in ("", *_KINDS):
        trimmed.append("")   # one more field than the format's, as the line has
    fields = trimmed
    if len(fields) <= len(RECORD_FIELDS):
        return fields, set(present), "", ""
    fits: dict[tuple, tuple] = {}
    for size in range(1, len(present)):
        for seps in combinations(present, size):
            split = _split_on(body, seps)
            if len(split) == len(RECORD_FIELDS):
                fits.setdefault(tuple(split), seps)
    names = "、".join(_SEPARATOR_NAMES.get(c, "英文逗号“,”") for c in present)
    if len(fits) > 1 and (",",) in fits.values():
        # the format's own separator gives its fields: that is the record (a name of eight parts “甲，乙，…” that
        # dcf wrote, its commas full-width, also splits into eight on the full-width comma; breaker F6's round trip)
        fits = {split: seps for split, seps in fits.items() if seps == (",",)}
    if len(fits) == 1:
        (split, seps), = fits.items()
        kept = [c for c in present if c not in seps]
        inside = "；".join(f"{name}“{value if len(value) <= 40 else value[:39] + '…'}”"
                          for name, value in zip(RECORD_FIELDS, split)
                          if any(c in value for c in kept))
        note = (f"第 {number} 行地块记录：{'、'.join(_SEPARATOR_NAMES[c] for c in kept)}在 {inside} 之中，"
                f"按该项的文字原样保留（以 {'、'.join(_SEPARATOR_NAMES.get(c, '英文逗号“,”') for c in seps)} "
                f"分隔各项正好是报批格式的 {len(RECORD_FIELDS)} 项）")
        return list(split), set(seps), note, ""
    shown = line if len(line) <= 80 else line[:77] + "…"
    reason = (f"第 {number} 行地块记录按分隔符（{names}）分成 {len(fields)} 项，多于报批格式的 {len(RECORD_FIELDS)} 项"
              f"（{_RECORD_LAYOUT}），某一项的文字中含有分隔符（或多写了一项），无法确定各项的分界，本地块未读取"
              f"（记录原文：{shown}）；请把该项文字中的逗号、分号、顿号或制表符改为其他字符（如“／”），"
              f"或统一用英文逗号分隔各项后重新导出")
    return [], set(), "", reason


def _split_records(lines: list[str], path: Path, kept: list[str] | None = None
                   ) -> tuple[list[str], list[_Record], list[str]]:
    """The header lines, the parcel records with their points, and the names of the separators other
    than the comma that the [地块坐标] lines used (read as commas, said in a note). ``kept`` gets a
    note for each record line whose field holds a separator character kept as text (:func:`_record_fields`)."""
    header, records, section = [], [], None
    seen: set[str] = set()   # other separators read as commas in the [地块坐标] section
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if section == PARCEL_SECTION and line.endswith("@"):
            fields, used, note, refused = _record_fields(line, number)
            seen.update(c for c in used if c in _SEPARATOR_NAMES)
            if note and kept is not None:
                kept.append(note)
            records.append(_Record(number, fields, refused=refused))
            continue
        if section == PARCEL_SECTION and not (line.startswith("[") and line.endswith("]")):
            seen.update(c for c in _SEPARATOR_NAMES if c in line)
            line = line.translate(_SEPARATORS)
        if line.startswith("[") and line.endswith("]"):
            section = line
            continue
        if section == HEADER_SECTION:
            header.append(line)
        elif section == PARCEL_SECTION:
            if line.endswith("@"):   # pragma: no cover - record lines are read above
                records.append(_Record(number, [f.strip() for f in line[:-1].split(",")]))
            elif not records:
                raise InputError(
                    f"{path}：第 {number} 行的坐标点出现在第一条地块记录之前。每个地块须以 "
                    f"“界址点数,地块面积,地块编号,地块名称,图形属性,图幅号,地块用途,地类编码,@” 一行开头。"
                )
            else:
                records[-1].points.append((number, [f.strip() for f in line.split(",")]))
    if not records:
        raise InputError(f"{path}：[地块坐标] 部分没有任何地块记录（以 @ 结尾的行）。请检查文件是否完整。")
    return header, records, [_SEPARATOR_NAMES[c] for c in _SEPARATOR_NAMES if c in seen]


def _parse_record(rec: _Record, k: int, issues: RowIssues, notes: list[str] | None = None,
                  stray_found: dict | None = None):
    """Geometry (x=easting, y=northing) and plane area of one record; problems go to ``issues``."""
    import shapely

    kind = (rec.fields[4] if len(rec.fields) > 4 else "") or "面"
    bad = [f"第 {n} 行" for n, parts in rec.points if len(parts) < 4]
    coords, ring_ids, point_names = [], [], []
    for n, parts in rec.points:
        if len(parts) < 4:
            continue
        try:
            coords.append((_number(parts[3]), _number(parts[2])))  # (Y easting, X northing)
            ring_ids.append(parts[1] or "1")
            point_names.append(parts[0] or f"第 {n} 行")
        except ValueError:
            bad.append(f"第 {n} 行")
    if bad:
        issues.add([k], f"坐标行不是 “点号,圈号,X,Y” 四个数（{'、'.join(bad[:5])}{' 等' if len(bad) > 5 else ''}），几何为空")
        return None, math.nan, 0, 0
    if not coords:
        issues.add([k], "没有坐标点，几何为空")
        return None, math.nan, 0, 0
    declared = rec.fields[0] if rec.fields else ""
    try:
        count_ok = int(float(declared)) == len(rec.points)
    except ValueError:
        count_ok = False
    if not count_ok:
        issues.add([k], f"界址点数 {declared or '（空）'} 与实际坐标行数 {len(rec.points)} 不符（几何按实际坐标行构成）")
    xy = np.asarray(coords, dtype=float)
    if kind.startswith("点"):
        return (shapely.Point(xy[0]) if len(xy) == 1 else shapely.MultiPoint(xy)), 0.0, 0, 0
    # consecutive runs of the same 圈号 are one ring
    runs, start = [], 0
    for i in range(1, len(ring_ids) + 1):
        if i == len(ring_ids) or ring_ids[i] != ring_ids[start]:
            runs.append(xy[start:i])
            start = i
    if kind.startswith("线"):
        lines = [shapely.LineString(r) for r in runs if len(r) >= 2]
        return (lines[0] if len(lines) == 1 else shapely.MultiLineString(lines)), 0.0, 0, 0
    for ring_no, ring in enumerate(runs, start=1):
        if len(ring) < 4:
            issues.add([k], f"第 {ring_no} 圈只有 {len(ring)} 个点，不能构成面（至少 3 个不同点并回到起点），几何为空")
            return None, math.nan, 0, 0
        if np.hypot(*(ring[0] - ring[-1])) > _SAME_POINT_M:
            issues.add([k], f"第 {ring_no} 圈未闭合（末点与首点坐标不同），可能缺点，几何为空；请补上与首点相同的末点")
            return None, math.nan, 0, 0
    stray = _stray_points(xy, point_names)
    if stray:
        issues.add([k], stray)
        if notes is not None:
            notes.append(f"警告：{issues.row_label(k)}（地块编号 {rec.fields[2] if len(rec.fields) > 2 else ''}）：{stray}")
        if stray_found is not None:
            stray_found[k] = stray
    geom, parts, holes = _assemble(runs)
    return geom, float(shapely.area(geom)), parts, holes


#: ``attrs`` key of the warnings about a parcel's shape that the answer shows in its first lines
SHAPE_WARNINGS = "shape_warnings"
#: rings repaired here for their area at most this many vertices (make_valid grows with the crossings: rows.py)
_MAX_REPAIR_VERTICES = 5_000


def _repaired_areas(geoms, pieces: list | None = None) -> np.ndarray:
    """Plane area of each invalid polygon once repaired as the row checks repair it (``shapely.make_valid``,
    polygonal parts); NaN for valid or missing geometries. ``pieces`` (when given) gets, per geometry, how many
    polygons the repair left (0 when not repaired)."""
    import shapely

    out = np.full(len(geoms), np.nan)
    if pieces is not None:
        pieces[:] = [0] * len(geoms)
    for k, g in enumerate(geoms):
        if (g is None or shapely.get_type_id(g) not in (3, 6) or shapely.is_valid(g)
                or shapely.get_num_coordinates(g) > _MAX_REPAIR_VERTICES):
            continue
        parts = [p for p in shapely.get_parts(shapely.make_valid(g)) if shapely.get_type_id(p) in (3, 6)]
        out[k] = float(shapely.area(shapely.union_all(parts))) if parts else 0.0
        if pieces is not None:
            pieces[k] = len(shapely.get_parts(shapely.union_all(parts))) if parts else 0
    return out


def _out_of_order_warning(where: str, label: str, number, recorded_m2: float, repaired_m2: float, geom) -> str:
    """The warning of a record whose ring crosses itself and whose repaired area is off the recorded one."""
    import shapely

    from .. import settings

    hull = float(shapely.area(shapely.convex_hull(geom)))
    name = Path(where).name
    text = (f"{name} {label}（地块编号 {number}）：界址点连线自相交，修复后的图形面积 {repaired_m2:,.1f} 平方米"
            f"（{repaired_m2 / settings.MU_M2:,.2f} 亩），比记载的 {recorded_m2:,.1f} 平方米相差 "
            f"{abs(recorded_m2 - repaired_m2) / recorded_m2:.0%}：界址点的顺序可能错乱，按修复后的图形核查的结论可能不对")
    if abs(hull - recorded_m2) <= AREA_TOLERANCE * recorded_m2:
        text += f"（各界址点围成的外包范围为 {hull:,.1f} 平方米，与记载相符，多半是点序颠倒）"
    return text + "；请按测绘成果核对界址点顺序（依次沿边界排列，末点回到首点）后重新导出"


def _mu_m2() -> float:
    from .. import settings

    return settings.MU_M2


#: a 界址点 this far from the middle of the others, and this many times farther than they lie from it, is stray
STRAY_POINT_M = 1_000.0
STRAY_POINT_FACTOR = 20.0


def _stray_points(xy: np.ndarray, names: list[str]) -> str:
    """The 界址点 of one record lying far off the others (a digit typed wrong: J4 180 km away), said by name;
    ``""`` when none. The middle is the median point (a stray one does not move it); a point is stray when it
    lies more than :data:`STRAY_POINT_M` and :data:`STRAY_POINT_FACTOR` times the median spread from it."""
    if len(xy) < 4:
        return ""
    mid = np.median(xy, axis=0)
    d = np.hypot(*(xy - mid).T)
    spread = float(np.median(d))
    far = np.flatnonzero((d > STRAY_POINT_M) & (d > STRAY_POINT_FACTOR * max(spread, 1.0)))
    # a ring's closing point repeats its first (J1 … J1): named once (QA round 10)
    seen: set = set()
    far = [i for i in far if not ((names[i], *xy[i]) in seen or seen.add((names[i], *xy[i])))]
    if not len(far):
        return ""
    shown = "、".join(f"{names[i]}（X={xy[i, 1]:,.3f}，Y={xy[i, 0]:,.3f}，离其余各点约 {d[i] / 1000:,.1f} km）"
                     for i in far[:5])
    return (f"界址点 {shown}远离其余各点，疑似坐标输错（面积、范围因此失真）；请按原始测绘成果核对这些点后重新导出")


#: the unit of 地块面积 when the header names none. The format's convention: 《建设项目用地红线坐标文件内容要求》
#: (附件1, 坐标说明 1) "地块面积：地块的面积，单位为公顷" (https://m.wenku365.com/p-6705749.html); the
#: field list of the same exchange text gives "DKMJ - 地块面积(公顷)" (https://www.cnblogs.com/znlgis/p/19274558).
#: The header's 计量单位=米 is the unit of the coordinates, not of the area.
STANDARD_AREA_UNIT = "公顷"
#: header keys that name the unit of 地块面积 (a local variant of the format); 计量单位 is the coordinates'
_AREA_UNIT_KEY_RE = re.compile(r"面积单位|面积计量单位")


def _area_unit(head: SurveyHeader) -> tuple[str, str]:
    """The unit of 地块面积 and where it comes from: the header's area unit if it names one, else the
    format's standard unit (:data:`STANDARD_AREA_UNIT`). Never guessed from the values: a 99.0000
    recorded in 公顷 for a 3.24 公顷 parcel is a wrong record to report, not 亩."""
    for key, value in head.values.items():
        if _AREA_UNIT_KEY_RE.search(key):
            unit = {"平方米": "平方米", "m2": "平方米", "㎡": "平方米", "亩": "亩", "公顷": "公顷", "ha": "公顷"}.get(
                value.strip().lower().replace("m²", "m2"))
            if unit is None:
                raise InputError(f"文件头 {key}={value}：无法识别的面积单位。请写 公顷、亩 或 平方米。")
            return unit, f"文件头 {key}={value}"
    return STANDARD_AREA_UNIT, "该格式的规定"


def _unit_that_fits(recorded: float, computed: float) -> str | None:
    """The other unit in which a recorded area would agree with the coordinates (a hint, never applied)."""
    for unit, factor in _AREA_UNITS.items():
        if abs(recorded * factor - computed) <= AREA_TOLERANCE * computed:
            return unit
    return None


def _refuse_swapped_xy(xy_median: tuple[float, float] | None, where: str) -> None:
    """:class:`InputError` when the point rows hold X and Y the wrong way round. A 报批 point row is
    “点号,圈号,X,Y”: X the northing, which in China lies between 1 000 000 and 10 000 000 m (the
    district: ~4 030 000), and Y the easting (39 xxx xxx with the zone number, or below 1 000 000
    without). When the X column cannot be a northing and the Y column can, they were swapped; read
    as given, the northing's first digit would be taken for the zone (“带号=4”)."""
    if xy_median is None:
        return
    easting, northing = xy_median   # from the Y column and the X column
    if 1_000_000 <= easting < 10_000_000 and not 1_000_000 <= northing < 10_000_000:
        raise InputError(
            f"{where}：坐标行的 X、Y 两列似乎互换了。报批格式的坐标行为 “点号,圈号,X,Y”：X 为北坐标"
            f"（本区约 4 030 000 米），Y 为东坐标（带带号时如 39 500 000 米）；文件中 X 列约为 {northing:,.0f}，"
            f"Y 列约为 {easting:,.0f}。请在文件中对调 X、Y 两列后重试。")


def _header_crs(head: SurveyHeader, xy_median: tuple[float, float] | None, user_crs, where: str, notes) -> str | None:
    """The CRS the header declares, as an EPSG code (None: not stated, left to the user or the guess)."""
    _refuse_swapped_xy(xy_median, where)
    if head.datum is None:
        stated = head.values.get("坐标系", "")
        notes.append(f"文件头{'坐标系=' + stated + ' 无法识别' if stated else '未写坐标系'}，坐标系按数值判断")
        return None
    prefixed = xy_median is not None and xy_median[0] >= 1_000_000
    zone, width = head.zone, head.width
    if prefixed:
        prefix = int(xy_median[0] // 1_000_000)
        if zone is not None and zone != prefix:
            raise InputError(
                f"{where}：文件头 带号={zone}，而 Y 坐标（东坐标）的带号前缀是 {prefix}，二者矛盾。"
                f"请核对坐标文件，或{FIX_CRS}（如 {gk_epsg(prefix, width=3 if prefix >= 25 else 6)}）。"
            )
        zone = prefix
    if width is None and zone is not None:
        width = 3 if zone >= 25 else 6
    if zone is None or width not in (3, 6):
        notes.append(f"文件头未写带号或几度分带，坐标系按数值判断（文件声明 {_DATUM_ZH[head.datum]}）")
        return None
    code = gk_epsg(zone, width=width, prefixed=prefixed, datum=head.datum)
    what = f"{_DATUM_ZH[head.datum]} {width} 度带第 {zone} 带（{'Y 坐标带带号前缀' if prefixed else 'Y 坐标不带带号'}，{code}）"
    if head.datum != "CGCS2000":
        params = head.parameters()
        said = (f"文件给出的转换参数（{','.join(params)}）未写明旋转参数的符号约定，本工具不套用；" if params else
                "文件未给出转换参数；")
        if user_crs is None:
            raise InputError(
                f"{where}：坐标文件声明坐标系为{what}。{said}它与 CGCS2000 之间没有公开的转换参数，"
                f"不能当作 CGCS2000 读取。请向自然资源部门索取 CGCS2000 成果；或明知偏差（可达百米）仍要读取时，"
                f"请{FIX_CRS}（如 {code}）。"
            )
        notes.append(f"坐标文件声明坐标系为{what}；{said}按用户指定的坐标系 {user_crs} 读取")
        return None
    notes.append(f"坐标系取自文件头：{what}；X 为北坐标、Y 为东坐标（测量惯例）")
    return code


def read_survey_txt(path, *, crs=None, encoding=None) -> "gpd.GeoDataFrame":
    """Parse a 报批/勘测定界 coordinate TXT into one row per 地块 record, in the file's plane CRS.

    Most users want :func:`dcf_spatial.io.read_vector`, which calls this for such a file (by its
    content) and then converts to the storage CRS, checks rows and adds the canonical columns.

    Parameters
    ----------
    path
        The TXT file (any suffix).
    crs
        The user's CRS. Required to read a file declaring 西安80 / 北京54 (never silently taken
        as CGCS2000); otherwise it overrides the header.
    encoding
        Text encoding; default: UTF-8 if the file decodes as such, else GBK (GB18030).

    Returns
    -------
    GeoDataFrame
        Columns ``界址点数, 地块面积, 地块编号, 地块名称, 图形属性, 图幅号, 地块用途, 地类编码`` as
        text in the file (after a ``项目名称`` column when the header gives one), ``area_m2`` (the recorded 地块面积 in m², unit inferred), ``area_m2_coordinates``
        (plane area of the coordinates), ``parts``, ``holes``; geometry x = easting (Y), y =
        northing (X); CRS from the header (``None`` when not stated or the user gives one).
        ``attrs``: ``read_notes``, ``row_numbers`` (the file line of each record), ``issues``
        (:class:`~dcf_spatial.io.rows.RowIssues`).

    Raises
    ------
    InputError
        No ``[地块坐标]`` records, points before the first record, a 西安80/北京54 header without a
        user CRS, a zone prefix that contradicts 带号.

    Examples
    --------
    >>> gdf = read_survey_txt("报批坐标.txt")  # doctest: +SKIP
    >>> gdf[["地块编号", "area_m2", "area_m2_coordinates"]]  # doctest: +SKIP
    """
    import geopandas as gpd
    import pandas as pd

    path = Path(path)
    where = str(path)
    notes: list[str] = []
    text = _decode(path, encoding, notes)
    kept: list[str] = []
    header_lines, records, separators = _split_records(text.splitlines(), path, kept)
    if separators:
        notes.append(f"[地块坐标] 中的{'、'.join(separators)}按逗号读取（报批格式以英文逗号分隔各项）")
    notes.extend(kept)
    head = SurveyHeader.parse(header_lines)
    issues = RowIssues(len(records), lambda p, _r=records: f"地块记录 {p + 1}（第 {_r[p].line} 行）")
    rows, geoms, computed, parts, holes = [], [], [], [], []
    stray: dict[int, str] = {}  # record -> its stray 界址点 (J4 180 km off)
    for k, rec in enumerate(records):
        values = (rec.fields + [""] * len(RECORD_FIELDS))[:len(RECORD_FIELDS)]
        rows.append(dict(zip(RECORD_FIELDS, values)))
        if rec.refused:   # its fields cannot be told apart: kept as a row, without geometry, with the reason
            issues.add([k], rec.refused)
            g, a, p, h = None, math.nan, 0, 0
        else:
            g, a, p, h = _parse_record(rec, k, issues, notes, stray)
        geoms.append(g)
        computed.append(a)
        parts.append(p)
        holes.append(h)
    df = pd.DataFrame(rows)
    project = head.values.get(PROJECT_NAME_KEY, "").strip()
    if project:  # the header names the project: each 地块 record is of it (a batch's 项目名称, QA round nu #7)
        df.insert(0, PROJECT_NAME_KEY, project)
    recorded = pd.to_numeric(df["地块面积"], errors="coerce").to_numpy(dtype=float)
    computed = np.asarray(computed, dtype=float)
    unit, unit_from = _area_unit(head)
    notes.append(f"读取报批坐标文件（[属性描述]/[地块坐标] 格式）：{len(records)} 条地块记录，每条一行；"
                 f"地块面积单位为{unit}（依{unit_from}）")
    df["area_m2"] = recorded * _AREA_UNITS[unit]
    df["area_m2_coordinates"] = computed
    df["parts"] = parts
    df["holes"] = holes
    gdf = gpd.GeoDataFrame(df, geometry=np.asarray(geoms, dtype=object), crs=None)
    for k in np.flatnonzero((np.asarray(holes) > 0) | (np.asarray(parts) > 1)):
        notes.append(f"{issues.row_label(k)}（地块编号 {df.at[k, '地块编号']}）：由 {parts[k]} 个面"
                     + (f"、{holes[k]} 个洞" if holes[k] else "") + " 组成（圈号 > 1 按包含关系判定为洞或另一块）")
    # a ring crossing itself (points out of order) is repaired by the row checks (make_valid): its area is what the
    # check will use, so the recorded area is compared with the REPAIRED one (the bowtie's signed area is 0)
    pieces: list[int] = []
    repaired = _repaired_areas(geoms, pieces)
    computed = np.where(np.isfinite(repaired), repaired, computed)
    warnings: list[str] = []
    for k in np.flatnonzero(np.isfinite(recorded) & np.isfinite(computed) & (computed > 0)):
        rec_m2 = recorded[k] * _AREA_UNITS[unit]
        if abs(rec_m2 - computed[k]) > AREA_TOLERANCE * computed[k] and np.isfinite(repaired[k]):
            warnings.append(_out_of_order_warning(where, issues.row_label(k), df.at[k, "地块编号"], rec_m2, computed[k],
                                                  geoms[k]))
            notes.append("警告：" + warnings[-1])
            issues.add([k], warnings[-1])
        elif abs(rec_m2 - computed[k]) > AREA_TOLERANCE * computed[k]:
            other = _unit_that_fits(recorded[k], computed[k])
            text = (f"{issues.row_label(k)}（地块编号 {df.at[k, '地块编号']}）：记载地块面积 {recorded[k]:g} {unit}"
                    f"（{rec_m2:,.1f} 平方米），坐标算得 {computed[k]:,.1f} 平方米（{computed[k] / _mu_m2():,.2f} 亩），相差 "
                    f"{abs(rec_m2 - computed[k]) / computed[k]:.1%}，超过 {AREA_TOLERANCE:.0%}，请核对"
                    + (f"（若记载单位实为{other}则相符，但文件未写明，不按{other}读）：记载值是坐标面积的 "
                       f"{rec_m2 / computed[k]:,.1f} 倍，正是{unit}与{other}之比，很可能按{other}填写了面积；"
                       f"请改正地块面积或在文件头写明“面积单位={other}”（本次按坐标算得的面积核查）"
                       if other and other != unit
                       else "：界址点坐标可能有误，按坐标核查的结论可能不对"))
            notes.append(text)
            # new-user F3: the answer's first lines carry it whatever its likely cause (a unit typed wrong, or the
            # coordinates): a 1,400 % disagreement between the record and the red line is no footnote; a stray
            # point's warning already says it (QA round 10)
            if k not in stray:
                warnings.append(f"{Path(where).name} {text}")
    for k in np.flatnonzero(np.asarray(pieces) > np.maximum(np.asarray(parts), 1)):
        if any(f"{issues.row_label(k)}（" in w for w in warnings):
            continue   # already warned (the recorded area is off the repaired one)
        warnings.append(f"{Path(where).name} {issues.row_label(k)}（地块编号 {df.at[k, '地块编号']}）：界址点连线自相交，"
                        f"一圈修复成 {pieces[k]} 块，点序可能有误，按修复后的图形核查的结论可能不对；"
                        "请按测绘成果核对界址点顺序（依次沿边界排列，末点回到首点）后重新导出")
        notes.append("警告：" + warnings[-1])
        issues.add([k], warnings[-1])
    flagged = np.flatnonzero(issues.flagged())
    if len(flagged):
        notes.append(f"{len(flagged)} 条地块记录有问题，保留在结果中，原因见 read_issue 列：{issues.rows(flagged)}")
    xy = gdf.geometry.dropna()
    median = None
    if len(xy):
        import shapely

        c = shapely.get_coordinates(xy.values)
        median = (float(np.median(c[:, 0])), float(np.median(c[:, 1])))
    code = _header_crs(head, median, crs, where, notes)
    if code is not None:
        gdf = gdf.set_crs(code)
    # area_m2 is the recorded 地块面积: named as its source, so that no note calls that column unused
    gdf.attrs["field_sources"] = {**(gdf.attrs.get("field_sources") or {}), "area_m2": "地块面积"}
    gdf.attrs[HEADER_ATTR] = dict(head.values)  # written back by write_survey_txt (QA user F11)
    gdf.attrs.update({"read_notes": notes, "row_numbers": [r.line for r in records], "issues": issues,
                      "source_file": where})
    warnings += [f"{path.name} {issues.row_label(k)}（地块编号 {df.at[k, '地块编号']}）：{t}" for k, t in stray.items()]
    if warnings:  # said in the answer's first lines (site["shape_warnings_zh"]), not only among the notes
        gdf.attrs[SHAPE_WARNINGS] = warnings
    logger.info("Parsed %d parcel records from %s", len(gdf), path)
    return gdf


# --- writing ----------------------------------------------------------------------------------------

_ID_COLUMNS = ("地块编号", "parcel_id", "id", "编号")
_NAME_COLUMNS = ("地块名称", "name_zh", "name", "名称")
#: the record fields copied from a 地块 to its line (the reader names its columns so): kept on a round trip
COPY_COLUMNS = {"图幅号": ("图幅号",), "地块用途": ("地块用途", "land_use_name", "用途"),
                 "地类编码": ("地类编码", "land_use_code")}


def _cell(row, names, replaced: list | None = None) -> str:
    """The first of the columns ``names`` that ``row`` fills, as one field of a record line: one line (line
    breaks and control characters → a space: the format is a record per line, and a tab is read as a
    separator), a comma full-width (the separator), ``@`` full-width (the end of a record); ``replaced`` gets
    the field's name (``names[0]``) when a line break or control character was replaced."""
    for n in names:
        if n in row.index:
            v = row[n]
            if v is not None and not (isinstance(v, float) and math.isnan(v)) and str(v).strip() not in ("", "nan", "None"):
                text = str(v)
                if replaced is not None and has_line_breakers(text.strip()):
                    replaced.append(names[0])   # the format's name of the field (地块名称 …)
                return one_line(text).replace(",", "，").replace("@", "＠")
    return ""


def _replaced_note(who: str, columns: list[str]) -> str:
    return (f"导出报批坐标文件：地块 {who} 的{'、'.join(dict.fromkeys(columns))}含换行符或控制字符，已替换为空格"
            "（报批坐标文件每条地块记录占一行）")


#: 数据产生单位 written when none is given: a placeholder the clerk fills in before sending the file on
PRODUCER_PLACEHOLDER = "（待填写：数据产生单位）"
#: ``attrs`` key of a read TXT's ``[属性描述]`` values (name → value, as in the file)
HEADER_ATTR = "survey_header"
#: the ``[属性描述]`` values a TXT read keeps when written again: they describe the data's origin, not the
#: coordinates (which are written in CGCS2000 3° zone ``zone``, metres, 0.001 whatever the file had)
KEPT_HEADER = ("格式版本号", "数据产生单位", "数据产生日期")


def _header_lines(header: dict | None, *, producer: str, zone: int) -> list[str]:
    """The ``[属性描述]`` section: the origin fields (:data:`KEPT_HEADER`) of the file the 地块 were read from
    (``header``), else placeholders — ``producer`` (given) before the file's 数据产生单位, the placeholder
    only when neither says it (QA user F11: a 报批 TXT uploaded and downloaded lost 聊城市某测绘院 and
    its 1.01版本)."""
    # one line each (a value sent with a line break would start lines of its own: breaker F7)
    kept = {k: one_line(str(v)) for k, v in (header or {}).items() if k in KEPT_HEADER and one_line(str(v or ""))}
    producer = one_line(producer or "")
    return [HEADER_SECTION, f"格式版本号={kept.get('格式版本号', '1.0')}",
            f"数据产生单位={producer or kept.get('数据产生单位') or PRODUCER_PLACEHOLDER}",
            f"数据产生日期={kept.get('数据产生日期') or _dt.date.today().isoformat()}", "坐标系=2000国家大地坐标系",
            "几度分带=3", "投影类型=高斯克吕格", "计量单位=米", f"带号={zone}", "精度=0.001", "转换参数=,,,,,,"]


def _rings_of(geom, keep_order: bool = False):
    """(ring coordinates, is exterior) in writing order: each part's exterior clockwise (the
    surveyors' numbering), then its holes counter-clockwise; with ``keep_order`` the rings as given (a
    parcel read from a 报批 TXT keeps its J numbering, QA round 7)."""
    from shapely.geometry.polygon import orient

    polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    for p in polys:
        p = p if keep_order else orient(p, sign=-1.0)
        yield np.asarray(p.exterior.coords)
        for hole in p.interiors:
            yield np.asarray(hole.coords)


def _area_written(row, computed_m2: float, factor: float, i: int, notes: list | None) -> float:
    """The 地块面积 to write (in the unit of ``factor``): the clerk's recorded area (``area_m2``) when it
    agrees with the coordinates within :data:`AREA_TOLERANCE`, else the coordinates' area, with a note."""
    recorded = row.get("area_m2") if hasattr(row, "get") else None
    try:
        recorded = float(recorded)
    except (TypeError, ValueError):
        recorded = math.nan
    if math.isfinite(recorded) and recorded > 0 and abs(recorded - computed_m2) <= AREA_TOLERANCE * computed_m2:
        return recorded / factor
    if math.isfinite(recorded) and recorded > 0 and notes is not None:
        who = _cell(row, _ID_COLUMNS) or str(i + 1)
        notes.append(f"导出报批坐标文件：地块 {who} 记载面积 {recorded:,.1f} 平方米与坐标算得的 {computed_m2:,.1f} 平方米"
                     f"相差超过 {AREA_TOLERANCE:.0%}，地块面积按坐标算得的面积写出")
    return computed_m2 / factor


def write_survey_txt(gdf, path, *, zone: int = DISTRICT_ZONE, encoding: str = "gbk", overwrite: bool = False,
                     unit: str = "公顷", producer: str = "", notes: list | None = None) -> Path:
    """Write polygons as a 报批/勘测定界 coordinate TXT (CGCS2000 3° Gauss–Krüger, zone-prefixed).

    Parameters
    ----------
    gdf
        GeoDataFrame with a CRS (any); polygons and multipolygons (points and lines are written as
        图形属性 点/线). Columns ``地块编号``/``parcel_id``/``id``, ``地块名称``/``name_zh``/``name``,
        ``图幅号``, ``地块用途``, ``地类编码`` fill the record when present; 地块编号 defaults to 1…n.
    path
        Output file.
    zone
        3° zone (带号); default 39 (central meridian 117°E, the district's zone).
    encoding
        ``"gbk"`` (default, what the approval software expects) or ``"utf-8"``.
    overwrite
        Replace an existing file.
    unit
        Unit of 地块面积: ``"公顷"`` (default, 4 decimals) or ``"平方米"`` (2 decimals).
    producer
        数据产生单位 written in the header; empty: the one of the TXT the 地块 were read from
        (``gdf.attrs["survey_header"]``, which also gives 格式版本号 and 数据产生日期), else
        :data:`PRODUCER_PLACEHOLDER` (to fill in by hand).
    notes
        A list that gets a Chinese line for each 地块 whose recorded area (``area_m2``, as read from a
        报批 TXT) disagrees with its coordinates by more than :data:`AREA_TOLERANCE`: its 地块面积 is
        then the coordinates' area; an agreeing recorded area is written as recorded.

    Returns
    -------
    Path
        The file written: CRLF line ends, points numbered J1… per parcel, every ring closed by
        repeating its first point, coordinates to the millimetre.

    Raises
    ------
    InputError
        An existing file without ``overwrite``, rows without geometry (named), text that GBK cannot hold.

    Examples
    --------
    >>> write_survey_txt(parcels, "报批坐标.txt")  # doctest: +SKIP
    """
    import shapely

    path = Path(path)
    if path.exists() and not overwrite:
        from ..errors import about

        raise about("overwrite", InputError(f"{path} 已存在；要替换须允许覆盖（overwrite）。"))
    if unit not in ("公顷", "平方米"):
        raise InputError(f"地块面积单位 {unit!r}：请用 公顷 或 平方米。")
    if gdf.crs is None:
        raise InputError("要写出的图层没有坐标系，无法换算为 2000 国家大地坐标系高斯-克吕格坐标。")
    code = gk_epsg(zone, width=3, prefixed=True)
    out = gdf.to_crs(code).reset_index(drop=True)
    empty = np.flatnonzero(shapely.is_missing(out.geometry.values) | shapely.is_empty(out.geometry.values))
    if len(empty):
        raise InputError(f"第 {'、'.join(str(i + 1) for i in empty[:10])} 条要素没有几何，无法写入坐标文件。"
                         "请先补全或删除这些要素。")
    # a parcel read from a 报批 TXT (read_survey_txt adds area_m2_coordinates) keeps the file's point order, so the
    # surveyor's J1… name the same points; it is re-oriented only when its polygon is invalid, with a note
    from_txt = "area_m2_coordinates" in out.columns
    lines = [*_header_lines(gdf.attrs.get(HEADER_ATTR), producer=producer, zone=zone), PARCEL_SECTION]
    factor, digits = (_AREA_UNITS[unit], 4 if unit == "公顷" else 2)
    for i, row in out.iterrows():
        geom = row.geometry
        kind = {"Polygon": "面", "MultiPolygon": "面", "LineString": "线", "MultiLineString": "线"}.get(geom.geom_type, "点")
        if kind == "面":
            keep = from_txt and bool(shapely.is_valid(geom))
            if from_txt and not keep and notes is not None:
                notes.append(f"导出报批坐标文件：地块 {_cell(row, _ID_COLUMNS) or i + 1} 的图形无效（如自相交），界址点已按"
                             "顺时针重新排列，J 编号与原文件不同，请核对")
            rings = list(_rings_of(geom, keep_order=keep))
        elif kind == "线":
            rings = [np.asarray(g.coords) for g in getattr(geom, "geoms", [geom])]
        else:
            rings = [shapely.get_coordinates(geom)]
        points, number = [], 0
        for ring_no, ring in enumerate(rings, start=1):
            first = number + 1
            closed = kind == "面"
            for j, (x, y) in enumerate(ring[:-1] if closed else ring):
                number += 1
                points.append(f"J{number},{ring_no},{y:.3f},{x:.3f}")
            if closed:
                points.append(f"J{first},{ring_no},{ring[0][1]:.3f},{ring[0][0]:.3f}")
        area = float(shapely.area(geom)) / factor if kind == "面" else 0.0
        if kind == "面":
            area = _area_written(row, area * factor, factor, i, notes)
        replaced: list[str] = []
        fields = [str(len(points)), f"{area:.{digits}f}", _cell(row, _ID_COLUMNS, replaced) or str(i + 1),
                  _cell(row, _NAME_COLUMNS, replaced), kind, *(_cell(row, names, replaced) for names in COPY_COLUMNS.values())]
        if replaced and notes is not None:
            notes.append(_replaced_note(fields[2], replaced))
        lines.append(",".join(fields) + ",@")
        lines.extend(points)
    text = "\r\n".join(lines) + "\r\n"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise InputError(f"{path}：文字“{printable_name(exc.object[exc.start:exc.end])}”不能用 {encoding} 编码写出。"
                         "请改用 UTF-8 编码写出，或修改该名称。") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    logger.info("Wrote %d parcels to %s (%s, %s, %s)", len(out), path, code, encoding, unit)
    return path
