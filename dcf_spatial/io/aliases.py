"""The bureau's field names: the alias table, canonical columns, and user field maps.

The standard fields of the national land surveys (三调 ``XZQDM``/``XZQMC``, ``DLBM``/``DLMC``/``TBMJ``)
and the common Chinese headers of parcel, enterprise and site tables are listed in
``dcf_spatial/data/field_aliases.json``; :func:`apply_aliases` adds the canonical column beside each
recognised original, converting units where the alias says so. Any other field is mapped with
``field_map={"target": "source"}`` (:func:`parse_field_map` parses ``"target=source"`` texts).
Code columns (leading zeros, 12/18-digit codes) stay text (:func:`_is_text_field`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .. import settings
from .._fixes import ENCODING as FIX_ENCODING, FIELD_MAP as FIX_FIELD_MAP
from ..errors import InputError
from .encoding import _cjk_share

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: alias groups applied by read_vector unless told otherwise: the national land-survey standards
DEFAULT_VECTOR_ALIASES: tuple[str, ...] = ("admin", "landuse")


# --- alias table ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def alias_table() -> dict:
    """The parsed ``data/field_aliases.json``, a ``"shared:<name>"`` value replaced by its list in ``shared``
    (one address list for the batch's sites and the audit's parcels)."""
    with open(settings.data_dir / "field_aliases.json", encoding="utf-8") as fh:
        tab = json.load(fh)
    shared = tab.get("shared", {})
    for fields in tab.get("groups", {}).values():
        for target, entries in fields.items():
            if isinstance(entries, str) and entries.startswith("shared:"):
                fields[target] = list(shared[entries.split(":", 1)[1]])
    return tab


def _norm(name) -> str:
    """Header normalisation: NFKC (full-width → half-width), lower case, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name))).lower()


def _entries(entries) -> list[tuple[str, str | None]]:
    """``(name, scale)`` of each alias; scale is a key of ``unit_factors``, ``"guess"`` (unit judged
    from the values) or ``"assumed:<unit>"`` (read in that unit, said in the notes)."""
    out = []
    for e in entries:
        if isinstance(e, str):
            out.append((e, None))
        elif e.get("unit") == "guess":
            out.append((e["name"], "guess"))
        elif e.get("assumed"):
            out.append((e["name"], f"assumed:{e['assumed']}"))
        else:
            out.append((e["name"], e.get("scale")))
    return out


#: relative difference within which a unitless area value and its row's drawn area are taken to agree
#: (the 5 % the site reader allows between a declared and a drawn area: a DBF figure is rounded)
SHAPE_AREA_TOLERANCE = 0.05


def _measured_mu(df) -> "np.ndarray | None":
    """亩 of each row's polygon (measured in EPSG:4548), NaN where a row has no area (a point, a line, none);
    ``None`` for a frame without geometry or CRS (a table read as such)."""
    try:
        import geopandas as gpd
    except ImportError:  # pragma: no cover - geopandas is a dependency
        return None
    if not isinstance(df, gpd.GeoDataFrame) or df._geometry_column_name not in df.columns or df.crs is None:
        return None
    import shapely

    from ..crs import to_working

    try:
        area = shapely.area(to_working(df[[df.geometry.name]]).geometry.values)
    except Exception:  # noqa: BLE001 — a row that cannot be projected has no measured area; the row checks say why
        return None
    area = np.asarray(area, dtype=float) / settings.MU_M2
    return np.where(np.isfinite(area) & (area > 0), area, np.nan)


def _unit_by_shape(v: "pd.Series", measured: "pd.Series", col: str, target: str, units: dict,
                   plausible: list[str]) -> tuple[float | None, str] | None:
    """The unit of a unitless area column told by the rows' own polygons: ``(factor, note)`` when every row
    with a value has a drawn area and exactly one unit makes every value that area (within
    :data:`SHAPE_AREA_TOLERANCE`); ``(None, note)`` when no unit does — the column is not needed (the
    polygons give the area) and not used, said in the note; ``None`` when some row with a value has no
    drawn area (a point needs the value: the unit is judged from the values alone)."""
    m = measured.reindex(v.index)
    if v.empty or not (m > 0).all():
        return None
    agree = [u for u, f in units.items() if bool((abs(v * f - m) <= SHAPE_AREA_TOLERANCE * m).all())]

    def span(s, fmt):
        lo, hi = float(s.min()), float(s.max())
        return format(lo, fmt) if lo == hi else f"{format(lo, fmt)}–{format(hi, fmt)}"

    drawn = span(m, ",.2f")
    if len(agree) == 1:
        unit = agree[0]
        return units[unit], (f"字段 {col} 未注明单位：数值 {span(v, 'g')} 按{unit}理解与图形面积（{drawn} 亩）相符，"
                             + ("已按亩读取" if units[unit] == 1 else f"已按{unit}换算为亩") + f"（{target}）")
    said = "、".join(plausible) if plausible else "、".join(units)
    return None, (f"字段 {col} 未注明单位，数值 {span(v, 'g')} 按{said}理解都与图形面积（{drawn} 亩）不符，"
                  f"未使用该字段；场地面积以图形为准。若该字段有用，请核对其数值与单位")


def _guess_unit(values: "pd.Series", col: str, target: str, src_name: str,
                measured: "np.ndarray | None" = None) -> tuple[float | None, str]:
    """Factor to ``target``'s unit of a column without a unit. Rows drawn as polygons tell it by their own
    area (:func:`_unit_by_shape`: a site with a geometry does not need the column, so a column no unit
    makes agree with the polygons is noted and not used — factor ``None`` — not refused). Otherwise it is
    judged from the values: the one unit under which every value is a plausible size (``unit_guess`` of the
    alias table), else an :class:`InputError` asking for the unit by the column's name. Returns (factor, note)."""
    spec = alias_table()["unit_guess"][target]
    v = values.dropna()
    # a non-finite value (1e400 reads as inf) says nothing about the unit: the row's own check
    # (dcf_spatial._validate) makes that row 无法核查, the column's unit is judged from the others
    finite = np.isfinite(v.to_numpy(dtype=float))
    ignored = (f"；另有 {int((~finite).sum())} 个值不是有限数值，不参与单位判断，所在行另作报告"
               if (~finite).any() else "")
    v = v[finite & (v > 0)]
    if v.empty:
        return 1.0, f"字段 {col} 未注明单位且没有正数值，{target} 为空值"
    lo, hi = float(v.min()), float(v.max())
    fits = [u for u, f in spec["units"].items() if spec["min"] <= lo * f and hi * f <= spec["max"]]
    if measured is not None:
        import pandas as pd

        by_shape = _unit_by_shape(v, pd.Series(measured, index=values.index), col, target, spec["units"], fits)
        if by_shape is not None:
            return by_shape[0], by_shape[1] + ignored
    if len(fits) == 1:
        unit = fits[0]
        return spec["units"][unit], (f"字段 {col} 未注明单位：数值 {lo:g}–{hi:g} 只有按{unit}理解才是合理的单个地块面积"
                                     f"（{spec['min']:g}–{spec['max']:g} 亩），已按{unit}换算为亩（{target}）；"
                                     f"若不对，请把列名改为 {col}(亩)、{col}(平方米) 或 {col}(公顷){ignored}")
    said = "、".join(fits) if fits else "亩、平方米、公顷都不"
    raise InputError(
        f"{src_name}：列“{col}”没有注明单位，数值 {lo:g}–{hi:g} 按{said}说得通，无法判断。"
        f"请把列名改为 {col}(亩)、{col}(平方米) 或 {col}(公顷)，或用{FIX_FIELD_MAP} {target}={col}（表示单位为亩）。"
    )


# --- units named in headers ----------------------------------------------------------------------

#: a unit code -> its Chinese name and the factor to square metres
_UNIT_M2 = {"mu": ("亩", 10000.0 / 15.0), "m2": ("平方米", 1.0), "ha": ("公顷", 10000.0)}
#: audit targets that stand for the group's area field in another unit (``area_mu=面积(亩)`` on parcels)
_AREA_TARGETS = {"area_m2": "m2", "area_mu": "mu", "area_ha": "ha", "land_area_mu": "mu"}


def header_unit(name) -> tuple[str, str] | None:
    """``(stem, unit)`` of a header that names an area unit after a separator: ``面积(亩)``,
    ``面积（亩）``, ``面积/亩``, ``用地面积(m²)`` → ``("面积", "mu")`` … (normalised); else None.

    Hand-written: the unit is a word of the header, which no library reads.

    Examples
    --------
    >>> header_unit("出让面积（公顷）"), header_unit("面积/亩"), header_unit("宗地编号")
    (('出让面积', 'ha'), ('面积', 'mu'), None)

    A unit glued on without a separator (``出让面积亩``, as a two-row header ``出让面积`` over ``亩``
    is often flattened by hand or by other tools) is read too, when what is left ends with a Chinese
    character (``面积公顷``, not ``area_ha``); callers accept the stem only when it is an area name.

    >>> header_unit("出让面积亩"), header_unit("用地面积平方米")
    (('出让面积', 'mu'), ('用地面积', 'm2'))
    """
    spec = alias_table()["area_headers"]
    n = _norm(name)
    for word, code in sorted(spec["units"].items(), key=lambda kv: -len(kv[0])):
        w = _norm(word)
        for sep in spec["separators"]:
            close = {"(": ")", "[": "]", "【": "】"}.get(sep, "")
            for tail in ((sep + w + close, sep + w) if close else (sep + w,)):
                if n.endswith(tail) and len(n) > len(tail):
                    return n[: -len(tail)], code
    for word, code in sorted(spec["units"].items(), key=lambda kv: -len(kv[0])):
        w = _norm(word)
        if n.endswith(w) and len(n) > len(w) and _CJK_END.search(n[: -len(w)]):
            return n[: -len(w)], code
    return None


#: a header that ends with a Chinese character (a stem a unit may be glued on to)
_CJK_END = re.compile(r"[\u3400-\u9fff]$")

#: the brackets and separators around a unit in a header (``土地价款(万元)``, ``面积/亩``)
_UNIT_BRACKETS = re.compile(r"[()\[\]【】/_]")


def _loose(name) -> str:
    """A header as :func:`_norm` writes it, without the brackets or separator around a unit: a column named
    ``土地价款万元`` or ``出让面积亩`` (the unit glued on, as a flattened two-row header may be) meets the
    alias ``土地价款(万元)`` / ``出让面积(亩)``.

    Examples
    --------
    >>> _loose("土地价款（万元）") == _loose("土地价款万元")
    True
    """
    return _UNIT_BRACKETS.sub("", _norm(name))


def area_numbers(values, unit: str | None = None):
    """Area cells as typed → ``(numbers, bad)``: ``3,000`` and full-width ``３０`` are read (as the
    batch site check reads its figures, :func:`dcf_spatial._validate.number_text`), and so is
    ``30亩`` when the unit written in the cell is the header's ``unit`` (``"mu"``/``"m2"``/``"ha"``);
    ``bad`` is True where a value was given but is not such a number (``约30``, ``30公顷`` under 亩,
    the text ``nan``, and ``1,5``: a comma is read only as a thousands separator).

    Hand-written: the unit word inside a cell is Chinese text no number parser reads.

    Examples
    --------
    >>> import pandas as pd
    >>> n, bad = area_numbers(pd.Series(["3,000", "３０", "30亩", "约30", None, "30公顷"]), "mu")
    >>> n.tolist()[:3], bad.tolist()
    ([3000.0, 30.0, 30.0], [False, False, False, True, False, True])
    >>> area_numbers(pd.Series(["1,5", "1,500.5", "nan"]), "mu")[1].tolist()
    [True, False, True]
    """
    import numpy as np
    import pandas as pd

    from .._validate import number_text

    s = pd.Series(values)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype(float), np.zeros(len(s), dtype=bool)
    words = sorted((_norm(w) for w, c in alias_table()["area_headers"]["units"].items() if c == unit),
                   key=len, reverse=True) if unit else []

    def one(v):
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return np.nan, False
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v), False
        t = number_text(str(v)).strip().lower()
        if t in ("", "<na>"):
            return np.nan, False
        if t in ("nan", "none", "null", "n/a"):
            return np.nan, True  # typed text, not a blank cell: said as a value that is not a number
        if "," in t:
            # a comma only as a thousands separator (1,500 / 12,000.5): "1,5" is a decimal comma or a
            # typo — 1.5 or 15 cannot be told, so the cell is refused (named by the caller), not guessed
            if _THOUSANDS_TEXT.fullmatch(t) is None:
                return np.nan, True
            t = t.replace(",", "")
        for w in words:
            if t.endswith(w) and len(t) > len(w):
                t = t[: -len(w)].strip()
                break
        if re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([e][+-]?\d+)?", t) is None:
            return np.nan, True
        return float(t), False

    codes_, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)
    parsed = [one(u) for u in uniques] + [(np.nan, False)]
    take = np.where(codes_ >= 0, codes_, len(parsed) - 1)
    nums = np.array([p[0] for p in parsed], dtype=float)[take]
    bad = np.array([p[1] for p in parsed], dtype=bool)[take]
    return pd.Series(nums, index=s.index), bad


#: a number with thousands separators: 1,500 / 12,000.5 (``area_numbers``)
_THOUSANDS_TEXT = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")

#: words around a figure that say it is approximate: 约30, 大约 30, 30左右, 30上下 (not 30余/30多: a lower bound)
_APPROX = re.compile(r"^\s*(?:约为|大约|约|近)\s*(?P<a>.+?)\s*$|^\s*(?P<b>.+?)\s*(?:左右|上下)\s*$")


def approximate_area(value, unit: str | None = None) -> tuple[float | None, bool]:
    """One area cell as typed, with the words that make it approximate: ``(number, approximate)``;
    ``(None, False)`` when it is no such number. The number itself is read by :func:`area_numbers`
    (the ledgers' reader: ``3,000``, ``３０``, ``30亩`` under the header's unit).

    Hand-written: 约/左右 are Chinese words around a number that no number parser reads.

    Examples
    --------
    >>> approximate_area("约30", "mu"), approximate_area("30左右", "mu"), approximate_area("30亩", "mu")
    ((30.0, True), (30.0, True), (30.0, False))
    >>> approximate_area("约30亩左右", "mu"), approximate_area("三十", "mu")
    ((30.0, True), (None, False))
    """
    import pandas as pd

    text = value if isinstance(value, str) else None
    approximate = False
    if text is not None:
        for _ in range(2):  # 约30左右: both words
            m = _APPROX.match(text)
            if not m:
                break
            text, approximate = m.group("a") or m.group("b"), True
    nums, bad = area_numbers(pd.Series([text if text is not None else value], dtype=object), unit)
    number = float(nums.iloc[0])
    if bad[0] or number != number:
        return None, False
    return number, approximate


def alt_area_keys(target: str, sources: dict) -> list[str]:
    """The ``field_sources`` keys of the further area columns of ``target`` (``area_m2_alt``,
    ``area_m2_alt2`` …, as :func:`_second_area_column` names them), in the order they were taken.

    Examples
    --------
    >>> alt_area_keys("area_m2", {"area_m2": "面积(亩)", "area_m2_alt": "面积(公顷)", "area_m2_alt2": "面积(平方米)"})
    ['area_m2_alt', 'area_m2_alt2']
    """
    keys = [target + "_alt"] + [f"{target}_alt{k}" for k in range(2, 10)]
    return [k for k in keys if k in sources]


def _second_area_column(out, df, group: str, used: set, notes: list, sources: dict) -> None:
    """Two or three area columns (面积(亩), 面积(公顷), 面积(平方米)): the group's area field, read from the
    first, is filled from the next where it is still empty, each row from the first column that has a
    value (``field_sources``: ``<target>_alt``, ``<target>_alt2`` …); the note names the columns, how many
    rows each gave, and how many rows disagree by more than 1 % (for a list of sites each such row says
    which column was used; a ledger's rows are named by the reader of the group)."""
    import numpy as np

    spec = alias_table()["area_headers"]["groups"].get(group)
    if not spec or spec["target"] not in out.columns:
        return
    target = spec["target"]
    first = sources.get(target)
    if first is None or first not in df.columns:
        return
    stems = {_norm(s) for s in spec["stems"]} | {_norm(s) for s in ("宗地面积", "出让面积", "用地面积", "面积")}
    others = []
    for col in df.columns:
        if str(col) == str(first) or str(col) in used:
            continue
        hit = header_unit(col)
        if hit is not None and hit[0] in stems:
            others.append((col, hit[1]))
    if not others:
        return
    have, _ = area_numbers(out[target], spec["unit"])
    have = have.to_numpy(dtype=float).copy()
    taken = np.where(np.isnan(have), None, str(first)).astype(object)   # the column each row's area came from
    vals = out[target].astype(object).to_numpy().copy() if out[target].dtype == object else have.copy()
    issue = None
    gave, disagree = [], 0
    for k, (col, unit) in enumerate(others):
        factor = _UNIT_M2[unit][1] / _UNIT_M2[spec["unit"]][1]
        second, _ = area_numbers(out[col], unit)
        second = second.to_numpy(dtype=float) * factor
        fill = np.isnan(have) & np.isfinite(second)
        with np.errstate(invalid="ignore", divide="ignore"):
            differ = (~np.isnan(have) & ~np.isnan(second)
                      & (np.abs(have - second) > 0.01 * np.maximum(np.abs(have), np.abs(second))))
        if group == "sites" and differ.any():  # each row says it (读取提示), as the parcels' problems do
            if issue is None:
                issue = (out["read_issue"].astype(object).to_numpy().copy() if "read_issue" in out.columns
                         else np.full(len(out), None, dtype=object))
            vb = df[col].astype(object).to_numpy()
            for i in np.flatnonzero(differ):
                used_col = taken[i]
                text = (f"{used_col}「{df[used_col].astype(object).iloc[i]}」与 {col}「{vb[i]}」相差超过 1%："
                        f"面积取 {used_col}，请核实")
                issue[i] = text if issue[i] is None or issue[i] != issue[i] or not str(issue[i]).strip() \
                    else f"{issue[i]}；{text}"
        disagree += int(differ.sum())
        vals[fill] = second[fill]
        have[fill] = second[fill]
        taken[fill] = str(col)
        sources[target + ("_alt" if k == 0 else f"_alt{k + 1}")] = str(col)
        gave.append((col, unit, int(fill.sum())))
    out[target] = vals
    if issue is not None:
        out["read_issue"] = issue
    check = (f"；{disagree} 处两列数值相差超过 1%，已列入问题记录，请核实（面积取先有值的一列）" if disagree else
             "；两列都有值的行数值一致（相差不超过 1%）")
    if len(gave) == 1:
        col, unit, n = gave[0]
        notes.append(f"有两个面积列：{first} 与 {col}；面积取自 {first}，其为空的 {n} 行取自 {col}"
                     f"（按列名所注单位{_UNIT_M2[unit][0]}换算）"
                     + (f"；{disagree} 行两列数值相差超过 1%，已列入问题记录，请核实" if disagree else
                        "；两列都有值的行数值一致（相差不超过 1%）"))
        return
    filled = "，".join(f"仍为空的 {n} 行取自 {col}（按列名所注单位{_UNIT_M2[unit][0]}换算）" for col, unit, n in gave)
    notes.append(f"有 {len(gave) + 1} 个面积列：{first}、" + "、".join(str(c) for c, _, _ in gave)
                 + f"；每行取先有值的一列：面积取自 {first}，其为空的行依次取后面的列——{filled}" + check)


def _area_by_header(out, df, group: str, used: set, notes: list, mapped: list) -> None:
    """Add ``group``'s area field from a column whose header names the unit (``面积(亩)``), when no
    alias gave it; the note names the column and the unit."""
    import pandas as pd

    spec = alias_table()["area_headers"]["groups"].get(group)
    if not spec or spec["target"] in out.columns:
        return
    stems = {_norm(s) for s in spec["stems"]}
    for col in df.columns:
        if str(col) in used:
            continue
        hit = header_unit(col)
        if hit is None or hit[0] not in stems:
            continue
        unit = hit[1]
        factor = _UNIT_M2[unit][1] / _UNIT_M2[spec["unit"]][1]
        values, bad_mask = area_numbers(out[col], unit)  # 3,000 / ３０ / 30亩 under 面积(亩) are numbers
        out[spec["target"]] = values * factor
        mapped.append(f"{col}→{spec['target']}（×{factor:g}）")
        notes.append(f"字段 {col} 按列名所注单位{_UNIT_M2[unit][0]}读取，"
                     f"换算为{_UNIT_M2[spec['unit']][0]}（{spec['target']}）")
        bad = int(bad_mask.sum())
        if bad:
            notes.append(f"字段 {col} 有 {bad} 个值不是数字，{spec['target']} 中记为空值（原字段保留，各行列入问题记录）")
        _carry_number_text(out, col, spec["target"])
        return


#: Chinese names of the audit targets, for the list of known targets in a field-map error (kept here,
#: not imported from dcf_spatial.land, which imports this module)
TARGET_LABELS_ZH = {
    "parcel_id": "宗地代码", "holder": "土地使用权人", "credit_code": "统一社会信用代码", "land_use_code": "地类编码",
    "land_use_name": "土地用途/地类名称", "supply_type": "供地方式", "land_price_wan": "土地价款（万元）",
    "area_m2": "宗地面积（平方米）", "area_mu": "面积（亩）", "area_ha": "面积（公顷）", "contract_date": "合同签订日期",
    "delivery_date": "交地日期", "agreed_start": "约定动工日期", "agreed_completion": "约定竣工日期",
    "actual_start": "实际动工开发日期", "actual_completion": "实际竣工日期", "developed_area_m2": "已开发面积（平方米）",
    "total_investment_wan": "总投资（万元）", "invested_wan": "已投资（万元）", "stopped_since": "停工日期",
    "extension_until": "延期至", "gov_cause": "政府原因/不可抗力", "determination_date": "闲置土地认定书日期",
    "required_dev_area_m2": "应动工开发建设用地总面积（平方米）", "project_name": "项目名称",
    "industry_code": "行业代码", "township_name": "所在镇街", "address": "坐落/项目位置", "district_name": "行政区",
    "land_source": "土地来源", "land_term_years": "土地使用年限", "industry_name": "行业名称", "land_grade": "土地级别",
    "plot_ratio_min": "容积率下限", "plot_ratio_max": "容积率上限", "approved_by": "批准单位",
    "name": "企业名称", "year": "年度", "tax_wan": "税收（万元）", "revenue_wan": "营业收入（万元）",
    "energy_tce": "综合能耗（吨标准煤）", "employees": "从业人员", "rd_wan": "研发投入（万元）",
    "emissions_t": "主要污染物排放当量（吨）", "start_year": "投产年份", "veto": "一票否决事项", "above_scale": "是否规上",
    "land_area_mu": "用地面积（亩）",
}
#: the same for a list of projects (the ``sites`` group), where ``name`` is the project's, not a firm's
#: (QA round 10: "项目名称（读作企业名称）", "所属行业→industry" in a batch's notes)
SITE_TARGET_LABELS_ZH = {
    "name": "项目名称", "industry": "行业", "area_mu": "用地面积（亩）", "investment_wan": "总投资（万元）",
    "plot_ratio": "容积率", "building_coefficient": "建筑系数", "green_ratio": "绿地率",
    "admin_share": "行政办公及生活服务设施用地所占比重", "investment_intensity_wan_per_ha": "投资强度（万元/公顷）",
    "floor_area_m2": "总建筑面积（平方米）", "footprint_m2": "建筑物基底面积（平方米）",
    "admin_area_m2": "行政办公及生活服务设施用地面积（平方米）", "green_area_m2": "绿地面积（平方米）",
    "address": "建设地点/项目位置", "capacity_replacement": "产能置换", "catalogue_class": "产业目录类别",
}
#: field_map targets that name the coordinate columns of a table (``{"lon": "东经", "lat": "北纬"}``)
FIELD_MAP_X = ("lon", "x", "经度")
FIELD_MAP_Y = ("lat", "y", "纬度")


def _explicit_area(out, src_name: str, target: str, source: str, col: str, groups) -> str | None:
    """A user map onto an area field: the unit of the header must agree with the target's; a target
    that is the group's area field in another unit (``area_mu`` for parcels) is converted. Returns the
    canonical target the values went to (None: not an area map)."""
    import pandas as pd

    spec = alias_table()["area_headers"]["groups"]
    areas = {g: spec[g] for g in groups if g in spec}
    if target not in _AREA_TARGETS or not areas:
        return None
    group_spec = next(iter(areas.values()))
    want = _AREA_TARGETS[target]
    hit = header_unit(col)
    if hit is not None and hit[1] != want:
        said, meant = _UNIT_M2[hit[1]][0], _UNIT_M2[want][0]
        fix = next((t for t, u in _AREA_TARGETS.items() if u == hit[1] and t != "land_area_mu"), None)
        # refused, not converted: the header and the map disagree, and which one is wrong (the header
        # or the values) only the user knows; a silent choice would misstate every area by 666×
        raise InputError(
            f"{src_name}：{FIX_FIELD_MAP} {target}={source} 与列名矛盾——列“{col}”注明单位为{said}，"
            f"而 {target} 的单位是{meant}。若该列确为{said}，请改为{FIX_FIELD_MAP} {fix}={col}"
            f"（按{said}读取并换算），或去掉这项映射（列名注明单位的面积列会自动识别）；"
            f"若该列实为{meant}，请改正列名中的单位。")
    canonical = group_spec["target"]
    factor = _UNIT_M2[want][1] / _UNIT_M2[group_spec["unit"]][1]
    if canonical in out.columns and canonical != col:
        out[f"{canonical}__original"] = out[canonical]
    values = pd.to_numeric(out[col], errors="coerce")
    out[canonical] = values * factor if factor != 1.0 else out[col]
    return canonical


def _is_text_field(name: str) -> bool:
    """Should a column keep its values as text (codes with leading zeros, 12/18-digit codes)?"""
    table = alias_table()
    n = _norm(name)
    if n in {_norm(t) for t in table["text_fields"]}:
        return True
    for group in table["groups"].values():
        for target, entries in group.items():
            if target in table["text_fields"] and n in {_norm(s) for s, _ in _entries(entries)}:
                return True
    tokens = [t for t in re.split(r"[^0-9a-z]+", n) if t]
    for pat in table["text_name_patterns"]:
        p = _norm(pat)
        if pat.isascii():
            # upper-case patterns are suffixes of 三调 field codes (XZQDM, DLBM, TBBH); lower-case
            # ones must be a word of the name, digits allowed (parcel_id, code12_nbs2023, ext_id_x)
            if (pat.isupper() and n.endswith(p)) or any(re.fullmatch(re.escape(p) + r"\d*", t) for t in tokens):
                return True
        elif p in n:
            return True
    return False


def _as_text(series: "pd.Series") -> "pd.Series":
    """Numbers read from a code column back to exact text (371502105000.0 → '371502105000')."""
    import pandas as pd

    if pd.api.types.is_float_dtype(series):
        vals = series.to_numpy()
        whole = np.isfinite(vals) & (np.floor(vals) == vals)
        out = series.astype(object)
        out[whole] = [str(int(v)) for v in vals[whole]]
        out[~np.isfinite(vals)] = None
        return out
    if pd.api.types.is_integer_dtype(series):
        return series.astype(str).astype(object)
    if series.dtype == object:
        return series.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer()
                          else (str(v) if isinstance(v, (int, np.integer)) else v))
    return series


def apply_aliases(df: "pd.DataFrame", table: str | Sequence[str] | None = None,
                  field_map: dict[str, str] | None = None) -> tuple["pd.DataFrame", list[str]]:
    """Add canonical columns for recognised field names; originals are kept.

    Parameters
    ----------
    df
        Any DataFrame or GeoDataFrame (not modified).
    table
        Alias group(s) of ``data/field_aliases.json``: ``"admin"``, ``"landuse"``,
        ``"parcels"``, ``"enterprises"``, ``"sites"``, a list of them, or ``None`` for
        ``field_map`` only.
    field_map
        Explicit mapping ``{target: source}`` (e.g. ``{"parcel_id": "地块号"}``); it wins over
        the alias table. A target that already exists is kept as ``<target>__original``.

    Returns
    -------
    (DataFrame, notes)
        A copy with the canonical columns added, and Chinese notes saying what was mapped.
        Unit-bearing aliases are converted (``用地面积(平方米)`` → ``land_area_mu`` × 0.0015).

    Raises
    ------
    InputError
        ``field_map`` names a source field the data does not have, or a group that does not exist.
    """
    import pandas as pd

    tab = alias_table()
    groups = [table] if isinstance(table, str) else list(table or [])
    unknown = [g for g in groups if g not in tab["groups"]]
    if unknown:
        raise InputError(
            f"别名组 {unknown} 不存在；可用：{', '.join(tab['groups'])}（见 dcf_spatial/data/field_aliases.json）。"
        )
    out = df.copy()
    notes: list[str] = []
    by_norm: dict[str, str] = {}
    for c in out.columns:
        by_norm.setdefault(_norm(c), c)
    # a measure column whose unit is glued on (出让面积亩, 总投资万元) meets the alias that brackets it
    by_loose: dict[str, str] = {}
    for c in out.columns:
        by_loose.setdefault(_loose(c), c)
    src_name = getattr(df, "attrs", {}).get("source_file", "数据")

    explicit = []
    audit = [g for g in groups if g in ("parcels", "enterprises")]
    if audit and field_map:
        # an audit reads only the fields it knows: any other target would be ignored without a word
        known = [t for g in audit for t in tab["groups"][g]]
        known += [t for t in _AREA_TARGETS if t not in known and (t != "land_area_mu")]
        stray = [t for t in field_map if t not in known and t not in FIELD_MAP_X + FIELD_MAP_Y]
        if stray:
            labels = TARGET_LABELS_ZH
            listing = "、".join(f"{t}（{labels[t]}）" if t in labels else t for t in known)
            raise InputError(
                f"{src_name}：{FIX_FIELD_MAP} {' '.join(f'{t}={field_map[t]}' for t in stray)} 无效——"
                f"目标字段 {'、'.join(stray)} 不是本审计读取的字段（会被忽略，因此不予接受）。"
                f"可用的目标字段：{listing}；坐标列用 lon/lat（或 x/y）。")
    for target, source in (field_map or {}).items():
        col = source if source in out.columns else by_norm.get(_norm(source))
        if col is None:
            hint = (f"字段名疑似乱码（中文按错误的编码读入）：请{FIX_ENCODING}（如 gbk）。"
                    if looks_mis_decoded(out.columns) else "")
            raise InputError(
                f"{src_name}：{FIX_FIELD_MAP} {target}={source} 无效——没有名为“{source}”的字段。"
                f"现有字段：{', '.join(map(str, out.columns))}。{hint}请改为{FIX_FIELD_MAP} {target}=<上面的某个字段名>。"
            )
        if target == col:
            continue
        canonical = _explicit_area(out, src_name, target, source, col, groups)
        if canonical is not None:
            if canonical != target:
                notes.append(f"按用户指定映射 {target}={col}：按{_UNIT_M2[_AREA_TARGETS[target]][0]}读取，"
                             f"换算为 {canonical}")
            explicit.append(f"{col}→{canonical}")
            _carry_number_text(out, col, canonical)
            continue
        if target in out.columns:
            out[f"{target}__original"] = out[target]
            notes.append(f"原有字段 {target} 保留为 {target}__original（被用户映射 {target}={col} 取代）")
        out[target] = out[col]
        _carry_number_text(out, col, target)
        explicit.append(f"{col}→{target}")
    if explicit:
        notes.append("按用户指定映射字段：" + "、".join(explicit))

    # Only a DBF cuts field names at 10 bytes: a CSV/XLSX header is taken as written.
    dbf = str(src_name).lower().endswith((".shp", ".zip", ".dbf"))
    truncated = _truncated_names(out.columns) if dbf else {}
    # A cut name is used only when every alias it could be the start of means the same field:
    # 土地使 could be 土地使用权人 (holder) or 土地使用年限 (land_term_years) and is used for neither.
    cut_targets: dict = {}
    for group in groups:
        for target, entries in tab["groups"][group].items():
            for name, _ in _entries(entries):
                for n, c in truncated.items():
                    if _norm(name).startswith(n):
                        cut_targets.setdefault(c, set()).add(target)
    mapped, skipped = [], []
    not_used: list[str] = []  # columns read and said not to be used (a unitless 面积 the polygons contradict)
    for group in groups:
        for target, entries in tab["groups"][group].items():
            exact = any(_norm(name) in by_norm for name, _ in _entries(entries))
            for name, scale in _entries(entries):
                col = by_norm.get(_norm(name))
                if col is None and not exact and _loose(name) != _norm(name):
                    col = by_loose.get(_loose(name))
                cut = False
                if col is None and not exact:
                    hits = [c for n, c in truncated.items() if _norm(name).startswith(n) and len(cut_targets.get(c, ())) == 1]
                    col, cut = (hits[0], True) if len(hits) == 1 else (None, False)
                if col is None or col == target:
                    continue
                if cut and target not in out.columns:
                    notes.append(f"字段名 {col} 疑似被 Shapefile 截断（DBF 字段名最长 10 字节），按 {name} 识别")
                if target in out.columns:
                    if target not in (field_map or {}) and not any(m.endswith("→" + target) for m in mapped):
                        skipped.append(f"{col}（已有字段 {target}）")
                    break
                if scale == "guess":
                    values = pd.to_numeric(out[col], errors="coerce")
                    factor, note = _guess_unit(values, col, target, src_name, _measured_mu(df))
                    notes.append(note)
                    if factor is None:  # the polygons give the area; the column agrees in no unit: said, not used
                        not_used.append(col)
                        break
                    out[target] = values * factor
                    mapped.append(f"{col}→{target}（×{factor:g}）")
                elif scale and scale.startswith("assumed:"):
                    out[target] = pd.to_numeric(out[col], errors="coerce")
                    mapped.append(f"{col}→{target}")
                    notes.append(f"字段 {col} 未注明单位，按{scale.split(':', 1)[1]}读取（{target}）；"
                                 f"若不是，请把列名改为带单位的形式，如 {col}(平方米)")
                elif scale:
                    factor = tab["unit_factors"][scale]
                    head_unit = header_unit(col)
                    values, bad_mask = area_numbers(out[col], head_unit[1] if head_unit else None)
                    bad = int(bad_mask.sum())
                    out[target] = values * factor
                    mapped.append(f"{col}→{target}（×{factor:g}）")
                    unit = header_unit(col)
                    if unit is not None:  # the unit a clerk wrote in the header, said in words
                        notes.append(f"字段 {col} 按列名所注单位{_UNIT_M2[unit[1]][0]}读取，换算为 {target}")
                    if bad:
                        notes.append(f"字段 {col} 有 {bad} 个值不是数字，{target} 中记为空值（原字段保留）")
                else:
                    out[target] = out[col]
                    mapped.append(f"{col}→{target}")
                if target in tab["text_fields"]:
                    out[target] = _as_text(out[target])
                _carry_number_text(out, col, target)
                break
    used_now = {m.split("→", 1)[0] for m in mapped + explicit} | set((field_map or {}).values()) | set(not_used)
    for group in groups:
        _area_by_header(out, df, group, used_now, notes, mapped)
    if mapped:
        # said in the clerk's words (QA7 #7): the column, and what it is read as where the words differ
        labels = {**TARGET_LABELS_ZH, **(SITE_TARGET_LABELS_ZH if "sites" in groups else {})}

        def said(m):
            col, _, tgt = m.partition("→")
            base, _, extra = tgt.partition("（")
            zh = labels.get(base)
            if zh is None:
                return m
            same = re.sub(r"[()（）\s]", "", zh) == re.sub(r"[()（）\s]", "", col)
            return col if same and not extra else f"{col}（读作{zh}{'，' + extra.rstrip('）') if extra else ''}）"

        notes.append("识别的列（原列保留）：" + "、".join(said(m) for m in mapped))
    # which input column gave each canonical field: messages to a clerk name the column as written
    sources = dict(getattr(df, "attrs", {}).get("field_sources") or {})
    for m in mapped + explicit:
        col, _, tgt = m.partition("→")
        sources.setdefault(tgt.split("（", 1)[0], col)
    for group in groups:
        _second_area_column(out, df, group, used_now, notes, sources)
    if set(groups) & {"parcels", "enterprises", "sites"}:
        # an area column not recognised is named, never dropped silently
        used = ({m.split("→", 1)[0] for m in mapped + explicit} | set((field_map or {}).values())
                | {str(c) for c in sources.values()} | set(not_used))  # a reader's own column (a survey TXT's 地块面积)
        targets = {t for g in groups for t in tab["groups"][g]}
        idle = [str(c) for c in df.columns if "面积" in str(c) and str(c) not in used and str(c) not in targets]
        if "parcels" in groups and "area_m2" not in out.columns:
            # a parcels' area without a unit (面积) is read by the ledger's validation, in the unit given or
            # the one its values fit, and said there (dcf_spatial.land.area_unit): not called unused here
            stems = {_norm(s) for s in tab["area_headers"]["groups"]["parcels"]["stems"]}
            first = next((c for c in idle if _norm(c) in stems and header_unit(c) is None), None)
            idle = [c for c in idle if c != first]
        if idle:
            notes.append("以下面积列未识别、未使用：" + "、".join(idle)
                         + f"（如需使用，请用{FIX_FIELD_MAP} area_mu=<列名> 指明，并在列名中注明单位）")
    out.attrs["field_sources"] = sources
    out.attrs["input_columns"] = [str(c) for c in df.columns]
    if skipped:
        notes.append("以下标准字段未使用，因为规范字段已存在：" + "、".join(skipped))
    if "code12" in out.columns and "admin" in groups:
        codes = out["code12"].astype("string")
        nine = codes.str.fullmatch(r"\d{9}").fillna(False).to_numpy(dtype=bool)
        if nine.any():
            out.loc[nine, "code12"] = codes[nine] + "000"
            notes.append(f"{int(nine.sum())} 个 9 位乡镇代码已补足为 12 位统计用区划代码（末尾补 000）")
    return out, notes


def _carry_number_text(out, col, target) -> None:
    """The typed text of ``col``'s non-finite cells (``attrs["number_text"]``, kept by the table
    reader) also for the canonical column ``target``, so that a message quotes ``1e400``, not inf."""
    kept = out.attrs.get("number_text")
    if kept and col in kept:
        out.attrs["number_text"] = {**kept, target: kept[col]}


def looks_mis_decoded(names) -> bool:
    """True when names read as Latin-1/cp1252 are really GBK or UTF-8 Chinese ("Ãû³Æ" is 名称)."""
    text = "".join(ch for ch in " ".join(map(str, names)) if not ch.isascii())
    if not text:
        return False
    for single in ("latin-1", "cp1252"):
        try:
            raw = text.encode(single)
        except UnicodeEncodeError:
            continue
        for enc in ("gbk", "utf-8"):
            try:
                return _cjk_share(raw.decode(enc)) >= 0.5
            except UnicodeDecodeError:
                continue
    return False


def _truncated_names(columns) -> dict[str, str]:
    """Non-ASCII column names that look cut at the DBF limit of 10 bytes (GBK or UTF-8)."""
    out = {}
    for c in columns:
        n = _norm(c)
        if n.isascii() or len(n) < 3:
            continue
        sizes = {len(n.encode(enc, errors="replace")) for enc in ("gbk", "utf-8")}
        if sizes & {9, 10}:
            out[n] = c
    return out


def shapefile_short_names(names: Sequence[str]) -> dict[str, str]:
    """The names GDAL gives ``names`` (in this order) in a Shapefile: cut at 10 characters, a clash
    numbered ``industri_1``, ``target_2_2`` … (GDAL's own scheme, written out here because neither
    GDAL nor pyogrio exposes it). Only ASCII names are handled (a Chinese name is cut by bytes and
    repaired by :func:`dcf_spatial.io.vector._restore_cut_names`).

    Examples
    --------
    >>> shapefile_short_names(["industries_gbt4754", "industries_zh", "direction"])
    {'industries_gbt4754': 'industries', 'industries_zh': 'industri_1'}
    """
    taken: set[str] = {n.lower() for n in names if len(n) <= 10}
    out = {}
    for name in names:
        if len(name) <= 10 or not name.isascii():
            continue
        short, k = name[:10], 0
        while short.lower() in taken:
            k += 1
            short = name[:10 - len(f"_{k}")] + f"_{k}"
        taken.add(short.lower())
        out[name] = short
    return out


def restore_short_names(df: "pd.DataFrame", full_names: Sequence[str]) -> tuple["pd.DataFrame", list[str]]:
    """Rename the columns of a Shapefile that GDAL shortened (``industries`` → ``industries_gbt4754``)
    back to the full names of ``full_names`` — the fields of the layer the file was exported from,
    in their order. A short name is restored only when the full name is missing from ``df`` and the
    short name stands for exactly one full name; the notes say what was renamed.

    Examples
    --------
    >>> import pandas as pd
    >>> df, notes = restore_short_names(pd.DataFrame(columns=["id", "host_towns"]), ["id", "host_townships"])
    >>> list(df.columns)
    ['id', 'host_townships']
    """
    short = shapefile_short_names([str(n) for n in full_names])
    back: dict[str, list[str]] = {}
    for full, cut in short.items():
        back.setdefault(cut, []).append(full)
    renames = {}
    for col in df.columns:
        fulls = back.get(str(col), [])
        if len(fulls) == 1 and fulls[0] not in df.columns:
            renames[col] = fulls[0]
    if not renames:
        return df, []
    return df.rename(columns=renames), [
        "Shapefile 的字段名最长 10 个字符，已按图层的完整字段名还原：" + "、".join(f"{a}→{b}" for a, b in renames.items())]


def parse_field_map(items: Sequence[str] | str | None) -> dict[str, str]:
    """Parse ``target=source`` field maps: ``["id=XZQDM", "name_zh=XZQMC"]`` → ``{"id": "XZQDM", ...}``.

    An item may hold several pairs separated by commas (``"id=XZQDM,name_zh=XZQMC"``).

    Raises
    ------
    InputError
        An item is not ``target=source``, or a target appears twice.
    """
    if items is None:
        return {}
    if isinstance(items, str):
        items = [items]
    out: dict[str, str] = {}
    for item in items:
        for part in re.split(r"[,，]", str(item)):
            part = part.strip()
            if not part:
                continue
            target, sep, source = part.partition("=")
            target, source = target.strip(), source.strip()
            if not sep or not target or not source:
                raise InputError(
                    f"{FIX_FIELD_MAP} {part!r}：格式应为 目标字段=源字段，例如{FIX_FIELD_MAP} name_zh=XZQMC id=XZQDM。"
                )
            if target in out:
                raise InputError(
                    f"{FIX_FIELD_MAP}：目标字段 {target} 被映射了两次（{out[target]} 和 {source}）；每个目标字段只能来自一个源字段。"
                )
            out[target] = source
    return out


# --- docs/formats.md -------------------------------------------------------------------------------

#: how docs/formats.md names each alias group
_GROUP_TITLES = {"admin": "行政区（admin）", "landuse": "地类图斑 / 三调（landuse）", "datav": "DataV / 高德行政区 GeoJSON（datav；文件同时有 adcode 与 name 时自动识别）",
                 "parcels": "宗地 / 供地台账（parcels）", "enterprises": "企业（enterprises）", "sites": "项目选址（sites）"}
_UNIT_ZH = {"m2_to_mu": "平方米→亩", "mu_to_m2": "亩→平方米", "ha_to_m2": "公顷→平方米", "ha_to_mu": "公顷→亩",
            "yuan_to_wan": "元→万元", "yi_to_wan": "亿元→万元"}


def _md_cell(text) -> str:
    return str(text).replace("|", "\\|")


def formats_markdown() -> str:
    """``docs/formats.md``: every accepted file format and every recognised column name, from the tables.

    Generated from :data:`dcf_spatial.io.formats.SUPPORTED_FORMATS` and ``data/field_aliases.json``
    so that the document cannot drift from what the readers accept
    (``python -m dcf_spatial.io.aliases --markdown > docs/formats.md``; a test compares them).

    Returns
    -------
    str
        The Markdown text, ending with a newline.

    Examples
    --------
    >>> formats_markdown().splitlines()[0]
    '# 可读取的文件格式与字段名'
    """
    from .formats import _CONVERT_HINTS, SUPPORTED_FORMATS

    tab = alias_table()
    out = ["# 可读取的文件格式与字段名", "",
           "<!-- 本文件由 `python -m dcf_spatial.io.aliases --markdown > docs/formats.md` 生成，请勿手改；"
           "改动请改 dcf_spatial/io/formats.py 与 dcf_spatial/data/field_aliases.json。 -->", "",
           "## 文件格式", "", "| 扩展名 | 格式 |", "|---|---|"]
    seen: dict[str, list[str]] = {}
    for suffix, what in SUPPORTED_FORMATS.items():
        seen.setdefault(what, []).append(suffix)
    out += [f"| {' '.join(f'`{s}`' for s in suffixes)} | {_md_cell(what)} |" for what, suffixes in seen.items()]
    out += ["", "不能直接读取、需先转换的格式：", ""]
    out += [f"- `{s}`：{hint}" for s, hint in _CONVERT_HINTS.items()]
    out += ["", "## 字段名", "",
            "列名比较前先做 Unicode NFKC 规范化（全角括号变半角）、转小写并去掉空白，"
            "所以 `土地价款（万元）` 与 `土地价款(万元)` 相同。原字段始终保留，规范字段加在旁边；"
            "其他字段可用字段映射 `目标=源字段` 指定。", ""]
    for group, fields in tab["groups"].items():
        out += [f"### {_GROUP_TITLES.get(group, group)}", "", "| 规范字段 | 可识别的列名（按优先顺序） |", "|---|---|"]
        for target, entries in fields.items():
            names = []
            for e in entries:
                if isinstance(e, str):
                    names.append(f"`{e}`")
                elif e.get("scale"):
                    names.append(f"`{e['name']}`（{_UNIT_ZH.get(e['scale'], e['scale'])}）")
                elif e.get("unit") == "guess":
                    names.append(f"`{e['name']}`（未注明单位：面状场地按图形面积判断，不符则不用；否则按数值判断亩/平方米/公顷，判断不了则报错请注明）")
                elif e.get("assumed"):
                    names.append(f"`{e['name']}`（未注明单位，按{e['assumed']}读取并在说明中注明）")
                else:
                    names.append(f"`{e['name']}`")
            text = "、".join(_md_cell(n) for n in names)
            out.append(f"| `{target}`{'（文本）' if target in tab['text_fields'] else ''} | {text} |")
        out.append("")
    heads = tab["area_headers"]
    out += ["### 列名注明单位的面积列", "",
            "上表之外，列名为“面积词 + 分隔符 + 单位”的列也按所注单位读取并换算（说明中写明所用的列与单位），"
            "分隔符为 " + "、".join(f"`{c}`" for c in heads["separators"]) + "（全角括号同半角），单位为 "
            + "、".join(f"`{u}`" for u in heads["units"]) + "（`m²`、`㎡` 同 `m2`），如 `面积(亩)`、`面积/亩`、`出让面积(公顷)`：", ""]
    out += [f"- {_GROUP_TITLES.get(g, g)}：`{spec['target']}`，面积词 " + "、".join(f"`{w}`" for w in spec["stems"])
            for g, spec in heads["groups"].items()]
    out.append("")
    coords = tab["coordinates"]
    out += ["## 坐标列（CSV/TXT/XLSX/XLS/ODS）", "", "| 类型 | x / 经度 | y / 纬度 |", "|---|---|---|"]
    for kind, title in (("lonlat", "经纬度"), ("eastnorth", "东/北坐标"), ("xy", "X/Y")):
        out.append(f"| {title} | {'、'.join(f'`{n}`' for n in coords[kind]['x'])} | "
                   f"{'、'.join(f'`{n}`' for n in coords[kind]['y'])} |")
    out.append(f"| 一列经纬度（如 `116.0,36.4`） | {'、'.join(f'`{n}`' for n in coords['combined'])} | |")
    out.append(f"| WKT | {'、'.join(f'`{n}`' for n in coords['wkt'])} | |")
    out += ["", "代码类字段（保留前导零，按文本读取）：" + "、".join(f"`{t}`" for t in tab["text_fields"])
            + "；以及列名含 " + "、".join(f"`{p}`" for p in tab["text_name_patterns"]) + " 的列。", ""]
    return "\n".join(out)


if __name__ == "__main__":  # python -m dcf_spatial.io.aliases --markdown > docs/formats.md
    import sys

    if sys.argv[1:] != ["--markdown"]:
        sys.exit("用法：python -m dcf_spatial.io.aliases --markdown > docs/formats.md")
    sys.stdout.write(formats_markdown())
