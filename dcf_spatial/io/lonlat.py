"""What point a typed coordinate text names: one reader for a typed site and a table's coordinate cells.

A planner types a point the way it was handed to them: ``115.98,36.45``, ``115.98 36.45``, ``(115.98；36.45)``,
``E115.7612 N36.4475``, ``东经115.7612 北纬36.4475``, ``115°45′40″E, 36°26′51″N``, ``115°45′40″,36°26′51″``, in
full-width digits from a Chinese input method. The single site check (:func:`dcf_spatial.io.read_site`, the
desk's 场地 box) and a batch list's coordinate columns (a 经纬度 column of pairs, 经度/纬度 columns of one
coordinate each: :mod:`dcf_spatial.io.tables`) read them here, so that a form the one accepts the other
accepts too (QA round nu #5: ``E115.746 N36.4402`` was 无法核查 in a batch, accepted as a single site).

Hand-written: a few small regexes over Chinese and typographic marks (° ′ ″ 度 分 秒, 东经/北纬) no coordinate
library reads; none imports pandas (a typed ``"lon,lat"`` is read before pandas is).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..errors import InputError, clip

_SITE = "场地"

#: one coordinate with its hemisphere written before or after it: E115.7612, 东经115.7612, 115°45′40″E,
#: 北纬 36.4475, N36°26'51"; the number decimal or degrees-minutes-seconds
_NUMBER = r"\d+(?:\.\d+)?"


def _angle(tag: str) -> str:
    """The regex of a decimal or degrees-minutes-seconds number, its groups named ``deg``/``min``/``sec`` + ``tag``."""
    return (rf"(?P<deg{tag}>{_NUMBER})\s*(?:[°度]\s*(?:(?P<min{tag}>{_NUMBER})\s*['′’分]\s*)?"
            rf"(?:(?P<sec{tag}>{_NUMBER})\s*(?:[\"″”秒]|''))?)?")


_HEMISPHERE = r"东经|北纬|西经|南纬|[ENWSenws]"
_HEMISPHERE_AXIS = {"东经": ("lon", 1), "e": ("lon", 1), "西经": ("lon", -1), "w": ("lon", -1),
                    "北纬": ("lat", 1), "n": ("lat", 1), "南纬": ("lat", -1), "s": ("lat", -1)}
#: a site value that labels its numbers with a hemisphere (E/N, 东经/北纬): meant as coordinates
_LABELLED_LIKE_RE = re.compile(rf"^[\s(（]*(?:{_HEMISPHERE})\s*[:：]?\s*[-+−]?\s*\d|\d\s*[°度′'″\"]*\s*(?:{_HEMISPHERE})\s*(?:[,，;；/、\s]|$)")
_LABELLED_EXAMPLE = "E115.7612 N36.4475、东经115.7612 北纬36.4475 或 115.7612,36.4475"
#: one labelled number anywhere in the text (:func:`labelled_lonlat` walks them); the label before the number
#: is tried first, so that E115.7612N36.4475 is E115.7612 and N36.4475
_LABELLED_ONE_RE = re.compile(rf"(?P<pre>{_HEMISPHERE})\s*[:：]?\s*{_angle('')}|{_angle('2')}\s*(?P<post>{_HEMISPHERE})")
_SEPARATORS_RE = re.compile(r"[\s,，;；/、]*")
#: full-width letters, digits and signs as typed with a Chinese input method (Ｅ１１５．７６１２) → ASCII;
#: ″ ′ ° stay (NFKC would split ″ into two ′)
_FULL_WIDTH = {**{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}, 0x3000: 0x20}


def labelled_lonlat(text: str) -> tuple[float, float] | None:
    """``(lon, lat)`` of a point typed with its hemispheres: ``"E115.7612 N36.4475"``,
    ``"东经115.7612，北纬36.4475"``, ``"北纬36.4475 东经115.7612"`` (either order: the labels say which is
    which), ``"115°45′40″E, 36°26′51″N"``; ``None`` when ``text`` is not two such labelled numbers.
    Two numbers of the same axis, or a value labelled but not readable, raise an :class:`InputError`
    naming the forms to type.

    Examples
    --------
    >>> labelled_lonlat("E115.7612 N36.4475")
    (115.7612, 36.4475)
    >>> labelled_lonlat("北纬36.4475，东经115.7612")
    (115.7612, 36.4475)
    >>> labelled_lonlat("115.98,36.45") is None
    True
    """
    text = text.translate(_FULL_WIDTH)
    if not _LABELLED_LIKE_RE.search(text):
        return None
    body = text.strip().strip("()（）")
    sign = re.search(rf"(?:{_HEMISPHERE})\s*[:：]?\s*([-+−])\s*\d", body)
    if sign:  # E-115.7612: the hemisphere gives the sign (QA break 11: read as a file name, «文件不存在»)
        raise InputError(f"{_SITE} {clip(text)!r}：东经/北纬标注后的数不带正负号（“{sign.group(1)}”）——西经、南纬请写 W、S。"
                         f"请写成 {_LABELLED_EXAMPLE}。")
    # each labelled number in turn, with only separators between them (E115.7612N36.4475, "E 115.7612, N 36.4475")
    found: dict[str, float] = {}
    at, count = 0, 0
    for m in _LABELLED_ONE_RE.finditer(body):
        if not _SEPARATORS_RE.fullmatch(body[at:m.start()]):
            count = -1
            break
        at, count = m.end(), count + 1
        label = (m.group("pre") or m.group("post")).lower()
        axis, hemisphere = _HEMISPHERE_AXIS[label]
        deg, minutes, seconds = (float(v) if v else 0.0 for v in _angle_groups(m))
        for name, v, given in (("分", minutes, m.group("min") or m.group("min2")),
                               ("秒", seconds, m.group("sec") or m.group("sec2"))):
            if v >= 60:  # 45′70″ is no angle (it was read as 46′10″ and moved the site)
                raise InputError(f"{_SITE} {clip(text)!r}：{'经度' if axis == 'lon' else '纬度'}的{name}为 {given}，"
                                 f"应小于 60。请核对度分秒（如 E115°45′40″ N36°26′51″），或写成十进制度 {_LABELLED_EXAMPLE}。")
        if axis in found:
            count = -1
            break
        found[axis] = hemisphere * (deg + minutes / 60 + seconds / 3600)
    if count == 2 and _SEPARATORS_RE.fullmatch(body[at:]) and set(found) == {"lon", "lat"}:
        return found["lon"], found["lat"]
    raise InputError(f"{_SITE} {clip(text)!r} 看起来是带东经/北纬标注的坐标，但未能读出一个经度和一个纬度。"
                     f"请写成 {_LABELLED_EXAMPLE}（度分秒可写 E115°45′40″ N36°26′51″）。")


def _angle_groups(m: "re.Match") -> list[str | None]:
    """The degrees, minutes and seconds a :data:`_LABELLED_ONE_RE` match read (from whichever of its two
    alternatives matched)."""
    d = m.groupdict()
    return [d.get("deg") or d.get("deg2"), d.get("min") or d.get("min2"), d.get("sec") or d.get("sec2")]


class LonLat(NamedTuple):
    """A point read from a typed text: its longitude, latitude and the form it was typed in
    (``"decimal"`` 115.98,36.45; ``"dms"`` 115°45′40″,36°26′51″; ``"labelled"`` E115.7612 N36.4475)."""

    lon: float
    lat: float
    form: str


#: a signed decimal number as typed (the minus of a Chinese keyboard, − or –, is read as -)
_SIGNED = r"[+-]?\d+(?:\.\d+)?"
#: the separator between the two numbers of a pair: a comma or semicolon (either width), or spaces alone
_PAIR_SEPARATOR = r"\s*[,;]\s*|\s+"
#: ``lon,lat`` / ``lon lat`` / ``lon;lat``, in brackets or not
_DECIMAL_PAIR_RE = re.compile(rf"^\s*\(?\s*(?P<x>{_SIGNED})(?:{_PAIR_SEPARATOR})(?P<y>{_SIGNED})\s*\)?\s*$")
#: two degrees-minutes-seconds angles without hemisphere labels (longitude first): 115°45′40″,36°26′51″
_DMS_PAIR_RE = re.compile(rf"^\s*\(?\s*{_angle('')}(?:{_PAIR_SEPARATOR}){_angle('2')}\s*\)?\s*$")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def _typed(text: str) -> str:
    """``text`` with full-width characters and the typographic minus as ASCII."""
    return str(text).translate(_FULL_WIDTH).translate(_MINUS)


def _dms_value(deg, minutes, seconds, *, text: str, axis: str) -> float:
    """Decimal degrees of a degrees-minutes-seconds reading; minutes or seconds of 60 or more refused."""
    for name, given in (("分", minutes), ("秒", seconds)):
        if given and float(given) >= 60:
            raise InputError(f"{_SITE} {clip(text)!r}：{'经度' if axis == 'lon' else '纬度'}的{name}为 {given}，"
                             f"应小于 60。请核对度分秒（如 115°45′40″,36°26′51″），或写成十进制度 {_LABELLED_EXAMPLE}。")
    return float(deg) + float(minutes or 0) / 60 + float(seconds or 0) / 3600


def read_lonlat(text) -> LonLat | None:
    """The point a typed pair of coordinates names, longitude first unless labelled; ``None`` when ``text``
    is not such a pair (a file name, WKT, a place name …).

    Read: decimal pairs separated by a comma or semicolon (either width) or spaces, in brackets or not;
    two degrees-minutes-seconds angles (``115°45′40″,36°26′51″``, ``115度45分40秒 36度26分51秒``); numbers labelled
    with their hemisphere in either order (:func:`labelled_lonlat`). Full-width digits and signs are read as typed.

    Raises
    ------
    InputError
        A text labelled with hemispheres that does not give one longitude and one latitude, or minutes or
        seconds of 60 or more: the message names the forms to type.

    Examples
    --------
    >>> read_lonlat("115.98，36.45")
    LonLat(lon=115.98, lat=36.45, form='decimal')
    >>> read_lonlat("E115.746 N36.4402")
    LonLat(lon=115.746, lat=36.4402, form='labelled')
    >>> read_lonlat("115°45′,36°27′").form, read_lonlat("郑家镇") is None
    ('dms', True)
    """
    if text is None:
        return None
    typed = _typed(text)
    m = _DECIMAL_PAIR_RE.match(typed)
    if m:
        return LonLat(float(m.group("x")), float(m.group("y")), "decimal")
    labelled = labelled_lonlat(typed)
    if labelled is not None:
        return LonLat(labelled[0], labelled[1], "labelled")
    m = _DMS_PAIR_RE.match(typed)
    if m and re.search(r"[°度]", typed):
        d = m.groupdict()
        return LonLat(_dms_value(d["deg"], d["min"], d["sec"], text=str(text), axis="lon"),
                      _dms_value(d["deg2"], d["min2"], d["sec2"], text=str(text), axis="lat"), "dms")
    return None


#: one coordinate of a table cell in degrees-minutes-seconds, signed or with its hemisphere after it as one
#: character or letter: 116°00′30″, 116度0分30秒, 36°27'N, -36°27′, 36°27′北
_DMS_CELL_RE = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*['′’分])?\s*"
                          r"(?:(\d+(?:\.\d+)?)\s*(?:[\"″”秒]|''))?\s*([NSEWnsew东西南北])?\s*$")
_CELL_HEMISPHERE = {"东": "e", "西": "w", "南": "s", "北": "n"}


def read_coordinate(text, axis: str | None = None) -> tuple[float, str] | None:
    """One coordinate as typed in a table cell: ``(value, form)`` with form ``"decimal"``, ``"dms"`` or
    ``"labelled"``; ``None`` when the cell is no such coordinate, or is labelled for the other axis than
    ``axis`` (``"lon"``/``"lat"``: N36.44 in a 经度 column). Metres (39387099.938) read as decimals.

    Examples
    --------
    >>> read_coordinate("１１５．７４６"), read_coordinate("E115.746", "lon"), read_coordinate("36°27′", "lat")
    ((115.746, 'decimal'), (115.746, 'labelled'), (36.45, 'dms'))
    >>> read_coordinate("N36.44", "lon") is None
    True
    """
    if text is None:
        return None
    from .._validate import number_text  # numpy only: the batch's figures are read by it too

    try:
        return float(number_text(str(text)).strip()), "decimal"
    except ValueError:
        pass
    typed = _typed(text).strip()
    m = _LABELLED_ONE_RE.fullmatch(typed)
    if m:
        label = (m.group("pre") or m.group("post")).lower()
        which, sign = _HEMISPHERE_AXIS[label]
        if axis is not None and which != axis:
            return None
        deg, minutes, seconds = _angle_groups(m)
        try:
            value = _dms_value(deg, minutes, seconds, text=str(text), axis=which)
        except InputError:
            return None
        return sign * value, "labelled"
    m = _DMS_CELL_RE.match(str(text).translate(_MINUS))  # as typed: NFKC would turn ″ into ′′
    if not m:
        return None
    deg, minutes, seconds, hemi = m.groups()
    if hemi:
        which, _ = _HEMISPHERE_AXIS[_CELL_HEMISPHERE.get(hemi, hemi).lower()]
        if axis is not None and which != axis:
            return None
    if (minutes and float(minutes) >= 60) or (seconds and float(seconds) >= 60):
        return None
    v = abs(float(deg)) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
    negative = deg.startswith("-") or (hemi or "").upper() in ("S", "W") or hemi in ("南", "西")
    return (-v if negative else v), "dms"
