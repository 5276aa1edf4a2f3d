"""One set of range checks for the figures and locations a user gives, shared by the single-site
API (``check_site``, ``--area-mu`` …) and every row of a batch, so that a value refused for one
site is refused, with the same reason, in row 9 of a spreadsheet.

The functions here return a Chinese reason (or ``None``) and name no command-line option; the
caller says where the value came from (a Python argument, a CLI option, a spreadsheet row).
"""

from __future__ import annotations

import math
import unicodedata

import numpy as np

#: sanity ceilings, not figures from the plan: far above any real project in the district, low
#: enough that geometry built from them (a circle of the area) stays finite. A value above one is
#: a typing error (1e308, an extra row of zeros), and the row is reported instead of checked.
MAX_AREA_MU = 1.5e7          # 10 000 km²
MAX_AREA_M2 = 1.0e10         # 10 000 km²
MAX_INVESTMENT_WAN = 1.0e9   # 10 万亿元
#: sanity floor of a site's area, not a plan figure: 0.0001 亩 is 0.07 m², below any parcel; a smaller
#: positive value (1e-100) is a typing error and would build a circle too small to be a polygon
MIN_AREA_MU = 1.0e-4
#: field -> smallest positive value taken (the others: any value above zero)
FIGURE_FLOORS: dict[str, float] = {"site_area_mu": MIN_AREA_MU}

#: minus signs NFKC leaves alone (U+2212 MINUS SIGN, U+2013 EN DASH typed for a minus)
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def number_text(value: str) -> str:
    """Number text as typed in a Chinese spreadsheet, made readable by a number parser:
    full-width digits, point, comma, plus and minus (``１１５．７３５３``, ``－５``, ``１，２００``)
    become ASCII by Unicode NFKC (:func:`unicodedata.normalize`), and the minus signs NFKC
    keeps (U+2212) become ``-``. Other text is returned normalised the same way.

    Examples
    --------
    >>> number_text("１１５．７３５３")
    '115.7353'
    >>> number_text("－５")
    '-5'
    >>> number_text("１，２００")
    '1,200'
    """
    return unicodedata.normalize("NFKC", value).translate(_MINUS)


#: field -> (Chinese label, unit, zero allowed, ceiling)
FIGURE_RULES: dict[str, tuple[str, str, bool, float]] = {
    "site_area_mu": ("用地面积", "亩", False, MAX_AREA_MU),
    "investment_wan": ("总投资", "万元", True, MAX_INVESTMENT_WAN),
    "floor_area_m2": ("总建筑面积", "m²", True, MAX_AREA_M2),
    "footprint_m2": ("基底面积", "m²", True, MAX_AREA_M2),
    "admin_area_m2": ("行政办公及生活服务设施用地面积", "m²", True, MAX_AREA_M2),
    "green_area_m2": ("绿地面积", "m²", True, MAX_AREA_M2),
    "tall_floor_area_m2": ("层高超过 8 m 的建筑面积", "m²", True, MAX_AREA_M2),
    "yard_area_m2": ("露天堆场和露天操作场地面积", "m²", True, MAX_AREA_M2),
}


def number_problem(value, *, unit: str, allow_zero: bool, ceiling: float,
                   floor: float = 0.0) -> tuple[float | None, str | None]:
    """Parse ``value`` as a number and range-check it: ``(number, None)`` or ``(None, reason)``.

    A value not given is ``(None, None)``. Text such as ``"1,200"`` is read; ``"abc"``, NaN, ±inf,
    negatives, zero (unless ``allow_zero``), values above ``ceiling`` and positive values below ``floor``
    get a Chinese reason. A boolean (JSON ``true``) is no number.

    Examples
    --------
    >>> number_problem("80", unit="亩", allow_zero=False, ceiling=1e7)
    (80.0, None)
    >>> number_problem(-5, unit="亩", allow_zero=False, ceiling=1e7)[1]
    '-5：必须大于 0（单位：亩）'
    >>> number_problem(1e-100, unit="亩", allow_zero=False, ceiling=1e7, floor=1e-4)[1]
    '1e-100：过小（下限 0.0001 亩），疑似录入错误'
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, (bool, np.bool_)):  # float(True) is 1.0: a yes/no is not a figure
        return None, f"{value!r} 不是数字（单位：{unit}）"
    if isinstance(value, str):
        text = number_text(value).strip().replace(",", "")
        if text.lower() in ("nan", "inf", "+inf", "-inf", "infinity", "-infinity"):
            return None, f"{value.strip()}：不是有效的数值（单位：{unit}）"
        try:
            number = float(text)
        except ValueError:
            return None, f"{value.strip()!r} 不是数字（单位：{unit}）"
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None, f"{value!r} 不是数字（单位：{unit}）"
    if math.isnan(number):
        return None, None if not isinstance(value, str) else f"{value}：不是有效的数值（单位：{unit}）"
    if math.isinf(number):  # "1e400" typed is quoted as typed, not as inf
        return None, f"{value.strip() if isinstance(value, str) else f'{number:g}'}：不是有限的数值（单位：{unit}）"
    if number < 0 or (number == 0 and not allow_zero):
        need = "不能为负数" if allow_zero else "必须大于 0"
        return None, f"{number:g}：{need}（单位：{unit}）"
    if number > ceiling:
        return None, f"{number:g}：超出合理范围（上限 {ceiling:g} {unit}），疑似录入错误"
    if 0 < number < floor:
        return None, f"{number:g}：过小（下限 {floor:g} {unit}），疑似录入错误"
    return number, None


def figure_problem(field: str, value) -> str | None:
    """The reason ``value`` cannot be project figure ``field`` (see :data:`FIGURE_RULES`), or ``None``.

    A NaN number is a value not given (an empty spreadsheet cell); NaN typed as text is refused.

    Examples
    --------
    >>> figure_problem("site_area_mu", 1e308)
    '用地面积 1e+308：超出合理范围（上限 1.5e+07 亩），疑似录入错误'
    >>> figure_problem("investment_wan", 0) is None
    True
    """
    label, unit, allow_zero, ceiling = FIGURE_RULES[field]
    _, problem = number_problem(value, unit=unit, allow_zero=allow_zero, ceiling=ceiling,
                                floor=FIGURE_FLOORS.get(field, 0.0))
    return f"{label} {problem}" if problem else None


def figures_problems(figures: dict) -> list[str]:
    """Every reason in ``figures`` (field → value) that :func:`figure_problem` finds, in field order.

    Examples
    --------
    >>> figures_problems({"site_area_mu": float("inf"), "investment_wan": -1})
    ['用地面积 inf：不是有限的数值（单位：亩）', '总投资 -1：不能为负数（单位：万元）']
    """
    return [p for f in FIGURE_RULES if f in figures and (p := figure_problem(f, figures[f]))]


def clean_figures(figures: dict) -> dict:
    """``figures`` with each value read as a number (``None`` for a value not given); call after
    :func:`figures_problems` found nothing.

    Examples
    --------
    >>> clean_figures({"site_area_mu": "80", "investment_wan": float("nan")})
    {'site_area_mu': 80.0}
    """
    out = {}
    for f, v in figures.items():
        if f in FIGURE_RULES:
            label, unit, allow_zero, ceiling = FIGURE_RULES[f]
            number, _ = number_problem(v, unit=unit, allow_zero=allow_zero, ceiling=ceiling)
            if number is not None:
                out[f] = number
        elif v is not None:
            out[f] = v
    return out


def location_problems(geoms) -> list[str | None]:
    """:func:`location_problem` of each geometry of a batch, without a Python round per well-placed point.

    A point's checks are all on its one coordinate, so they run vectorised; only the points that fail
    one, and the other geometries, go through :func:`location_problem` (for its message). The answer
    is the same as calling :func:`location_problem` on each.

    Examples
    --------
    >>> from shapely import Point
    >>> location_problems([Point(115.98, 36.45), Point(0, 0), None])[:2]
    [None, '坐标为 (0, 0)：通常是坐标列为空或填了 0，请填写该行的经度、纬度']
    """
    import shapely

    from .crs.guess import in_china

    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    out: list[str | None] = [None] * len(arr)
    point = shapely.get_type_id(arr) == 0
    point[point] = ~shapely.is_empty(arr[point])
    xy = np.full((len(arr), 2), np.nan)
    if point.any():
        xy[point] = shapely.get_coordinates(arr[point])
    x, y = xy[:, 0], xy[:, 1]
    with np.errstate(invalid="ignore"):
        fine = (point & np.isfinite(xy).all(axis=1) & ~((x == 0) & (y == 0))
                & (np.abs(x) <= 180) & (np.abs(y) <= 90) & in_china(x, y))
    for i in np.flatnonzero(~fine):
        out[i] = location_problem(arr[i])
    return out


def location_problem(geom) -> str | None:
    """The reason a site geometry in EPSG:4490 (longitude, latitude) cannot be checked, or ``None``.

    Refused: no geometry, an empty one, non-finite coordinates, the point (0, 0) (an empty
    coordinate cell read as zero) and a site outside China (the readers' own test,
    :func:`dcf_spatial.crs.in_china`, the one that refuses a single ``--site`` outside China).

    Examples
    --------
    >>> from shapely import Point
    >>> location_problem(Point(0, 0))
    '坐标为 (0, 0)：通常是坐标列为空或填了 0，请填写该行的经度、纬度'
    >>> location_problem(Point(115.98, 36.45)) is None
    True
    >>> location_problem(Point(36.45, 115.98))[:9]
    '经纬度顺序颠倒——'
    """
    import shapely

    from .crs.guess import in_china, swapped_degrees, swapped_row_zh

    if geom is None or shapely.is_empty(geom):
        return "该行没有有效的位置（坐标或几何为空）"
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        return "坐标含无效数值（NaN 或无穷大）"
    x0, y0, x1, y1 = shapely.bounds(geom)
    if max(abs(x0), abs(x1), abs(y0), abs(y1)) == 0:
        return "坐标为 (0, 0)：通常是坐标列为空或填了 0，请填写该行的经度、纬度"
    # 经度 36.x / 纬度 115.x: the two columns filled the wrong way round, a site in China once swapped; a point
    # says so in the single check's words (the readers' test and wording, dcf_spatial.crs.guess)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    swapped = swapped_degrees(cx, cy)
    if swapped and (x0, y0) == (x1, y1):
        return swapped_row_zh(x0, y0)
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        if swapped:
            given = f"经度 {x0:g}…{x1:g}，纬度 {y0:g}…{y1:g}"  # a shape: a point returned above
            return f"经纬度可能填反（{given}；对调后为经度 {cy:g}、纬度 {cx:g}，在中国境内），请对调经度、纬度两列"
        return f"坐标超出经纬度范围（经度 {x0:g}…{x1:g}，纬度 {y0:g}…{y1:g}），请检查坐标列与坐标系"
    p = shapely.centroid(geom)
    if not bool(np.all(in_china(np.array([p.x]), np.array([p.y])))):
        if swapped:
            return (f"经纬度可能填反（经度 {p.x:.4f}，纬度 {p.y:.4f}；对调后在中国境内），请对调经度、纬度两列")
        return f"坐标在中国境外（{p.x:.4f}, {p.y:.4f}），疑似录入错误，请检查经纬度是否颠倒或坐标系"
    return None
