"""Which unit is a ledger's 面积 in, when its header does not say (面积, 出让面积, 用地面积 …)?

A 供地台账 often heads its area column 面积 alone (QA nu #6); 中国土地市场网 writes 公顷, a township's ledger
亩. A wrong unit misstates every parcel's area 15× (亩/公顷) or 666× (亩/平方米), so the unit is never guessed
silently:

* the unit the user gives (``area_unit``: the CLI's ``--area-unit``, the desk's 面积单位 select, the API's
  ``area_unit`` field) is used, and the reading note says it was given;
* else the unit is inferred only when it is unambiguous: exactly one of 亩/公顷/平方米 makes every parcel's
  value a plausible size of one parcel (the ``unit_guess`` range of ``field_aliases.json``, 0.5–3,000 亩, the
  same rule the batch site check reads a project list's 面积 by); the note says which unit and why;
* else the column is not used: every row keeps its status, the row says its area was not counted and how to
  give the unit, and the note names the units the values fit.

A header that names its unit (面积(公顷)) is read by :func:`dcf_spatial.io.apply_aliases`, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError

#: the units a user may give, by every name accepted → the code of ``dcf_spatial.io.aliases._UNIT_M2``
UNIT_NAMES = {"亩": "mu", "mu": "mu", "公顷": "ha", "ha": "ha", "hm2": "ha", "平方米": "m2", "m2": "m2", "㎡": "m2",
              "m²": "m2", "平米": "m2"}
#: the choices as a message and the desk's select offer them
UNIT_CHOICES_ZH = ("亩", "公顷", "平方米")
#: how a message tells the user to give the unit (CLI and desk alike)
GIVE_UNIT_ZH = ("请在审计页“面积单位”中选择（命令行 --area-unit 亩|公顷|平方米，接口 area_unit），"
                "或把列名改为注明单位的形式，如 面积(亩)、面积(公顷)")


def area_unit_code(value) -> str | None:
    """The unit code (``"mu"``, ``"ha"``, ``"m2"``) of a unit the user gave; None for none given.

    Raises
    ------
    InputError
        naming the value and the units accepted.

    Examples
    --------
    >>> area_unit_code("公顷"), area_unit_code(" 亩 "), area_unit_code(None), area_unit_code("")
    ('ha', 'mu', None, None)
    """
    if value is None or not str(value).strip():
        return None
    code = UNIT_NAMES.get(str(value).strip().lower())
    if code is None:
        raise InputError(f"面积单位（area_unit）“{value}”无法识别：请填 {'、'.join(UNIT_CHOICES_ZH)} 之一。")
    return code


def unitless_area_column(frame) -> str | None:
    """The input column a ledger gives its parcels' area in without a unit (面积, 出让面积 …: a stem of the
    ``parcels`` area headers), when no column gave the area already; None otherwise."""
    from ..io.aliases import _norm, alias_table, header_unit

    sources = frame.attrs.get("field_sources") or {}
    if sources.get("area_m2") or sources.get("area_mu") or "area_m2" in frame.columns:
        return None
    taken = {str(c) for c in sources.values()}
    stems = {_norm(s) for s in alias_table()["area_headers"]["groups"]["parcels"]["stems"]}
    for col in frame.attrs.get("input_columns") or []:
        if col in frame.columns and str(col) not in taken and _norm(col) in stems and header_unit(col) is None:
            return str(col)
    return None


@dataclass
class UnitlessArea:
    """The reading of a unitless area column: ``m2`` (per row, NaN where not read; None when the column
    was not used), ``note`` (the reading note), ``row_text`` (per row, why the area was not counted, ""
    where it was), ``bad`` (cells that are no number)."""

    column: str
    m2: np.ndarray | None
    note: str
    row_text: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    bad: np.ndarray = field(default_factory=lambda: np.array([], dtype=bool))


def read_unitless_area(frame, column: str, *, unit: str | None, skip: np.ndarray, infer: bool = True) -> UnitlessArea:
    """Read ``frame[column]`` (an area without a unit) in the unit given, else in the one unit its parcels'
    values fit (see the module's text), else not at all. ``skip``: rows that are no parcel (合计/表尾), left
    out of the inference (a 合计 sums the parcels) and of the row texts. ``infer=False`` (a partition of the
    dask engine: its values are not the whole ledger's, and two partitions could infer two units): not
    inferred, the column is not used, with the same words in every partition.

    Examples
    --------
    >>> f = pd.DataFrame({"面积": [3.3333, 2.5, 1.2]})
    >>> r = read_unitless_area(f, "面积", unit=None, skip=np.zeros(3, bool))
    >>> r.m2 is None, "亩、公顷" in r.note
    (True, True)
    >>> r = read_unitless_area(f, "面积", unit="ha", skip=np.zeros(3, bool))
    >>> round(float(r.m2[0])), "按指定的单位公顷读取" in r.note
    (33333, True)
    >>> r = read_unitless_area(pd.DataFrame({"面积": [2000, 6667]}), "面积", unit=None, skip=np.zeros(2, bool))
    >>> round(float(r.m2[1])), "只有按平方米理解" in r.note
    (6667, True)
    """
    from ..io.aliases import _UNIT_M2, alias_table, area_numbers

    n = len(frame)
    values, bad = area_numbers(frame[column], unit)
    values = values.to_numpy(dtype=float)
    bad = np.asarray(bad, dtype=bool) & ~skip
    if unit is not None:
        name = _UNIT_M2[unit][0]
        m2 = values * _UNIT_M2[unit][1]
        return UnitlessArea(column, m2, f"面积列“{column}”未注明单位，按指定的单位{name}读取（换算为平方米）",
                            np.full(n, "", dtype=object), bad)
    if not infer:
        has = ~skip & ~np.isnan(values)
        fix = "请把列名改为注明单位的形式，如 面积(亩)、面积(公顷)（或改用单进程引擎并指定面积单位）"
        row_text = np.where(has, f"面积列“{column}”未注明单位，未计面积：{fix}", "").astype(object)
        return UnitlessArea(column, None, f"面积列“{column}”未注明单位，分区计算时不按数值推断单位，该列未使用（有宗地图形的按图形量算；"
                                          f"无图形的宗地面积不计，结论不受影响）：{fix}", row_text, bad)
    spec = alias_table()["unit_guess"]["area_mu"]
    with np.errstate(invalid="ignore"):
        usable = ~skip & np.isfinite(values) & (values > 0)
    row_text = np.full(n, "", dtype=object)
    if not usable.any():
        return UnitlessArea(column, None, f"面积列“{column}”未注明单位且没有可用的正数值，未使用", row_text, bad)
    lo, hi = float(values[usable].min()), float(values[usable].max())
    to_mu = {"亩": 1.0, "公顷": 15.0, "平方米": 0.0015}
    fits = [u for u in UNIT_CHOICES_ZH if spec["min"] <= lo * to_mu[u] and hi * to_mu[u] <= spec["max"]]
    plausible = f"合理的单宗面积（{spec['min']:g}–{spec['max']:g} 亩）"
    if len(fits) == 1:
        code = UNIT_NAMES[fits[0]]
        return UnitlessArea(column, values * _UNIT_M2[code][1],
                            f"面积列“{column}”未注明单位：各宗数值 {lo:g}–{hi:g} 只有按{fits[0]}理解才是{plausible}，"
                            f"已按{fits[0]}读取；若不对，{GIVE_UNIT_ZH}", row_text, bad)
    said = f"按{'、'.join(fits)}都说得通" if fits else f"按{'、'.join(UNIT_CHOICES_ZH)}都不是{plausible}"
    has = ~skip & ~np.isnan(values)
    typed = frame[column].astype(object).to_numpy()
    row_text[has] = [f"面积列“{column}”的值“{_shown(v)}”未注明单位（{said}），未计面积：{GIVE_UNIT_ZH}" for v in typed[has]]
    return UnitlessArea(column, None,
                        f"面积列“{column}”未注明单位：各宗数值 {lo:g}–{hi:g} {said}，无法判断单位，该列未使用（有宗地图形的按图形量算；"
                        f"无图形的宗地面积不计、不计入面积合计，结论不受影响）：{GIVE_UNIT_ZH}", row_text, bad)


def _shown(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)
