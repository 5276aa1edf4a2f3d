"""What did the bureau bring? Read and validate parcel (宗地) and enterprise tables.

Files are read through :mod:`dcf_spatial.io` (any format it takes; Chinese headers and the
standard database field names are mapped by ``apply_aliases``). Validation never drops a row:
each row keeps its place and gets a ``problems`` text (Chinese) naming the field, the value and
what was wrong; rows with problems are listed as "rejected" in the outputs *and* stay in the audit.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from ..errors import SchemaError
from . import codes

logger = logging.getLogger(__name__)

#: canonical parcel field -> Chinese label used in messages and Excel headers
PARCEL_FIELDS_ZH = {
    "parcel_id": "宗地代码", "holder": "土地使用权人", "land_use_code": "地类编码", "supply_type": "供地方式",
    "land_price_wan": "土地价款（万元）", "agreed_start": "约定动工日期", "agreed_completion": "约定竣工日期",
    "actual_start": "实际动工开发日期（第三十条标准）", "developed_area_m2": "已开发面积（m²）",
    "required_dev_area_m2": "应动工开发建设用地总面积（m²）",
    "total_investment_wan": "总投资（万元，不含土地价款和税费）", "invested_wan": "已投资（万元，不含土地价款和税费）",
    "stopped_since": "停工日期", "extension_until": "延期至（新约定动工日期）", "gov_cause": "政府原因/不可抗力",
    "determination_date": "闲置土地认定书日期", "credit_code": "统一社会信用代码",
}
PARCEL_REQUIRED = ("parcel_id", "agreed_start", "actual_start", "land_use_code")
PARCEL_DATES = ("agreed_start", "agreed_completion", "actual_start", "stopped_since", "extension_until",
                "determination_date")
PARCEL_NUMBERS = ("land_price_wan", "developed_area_m2", "required_dev_area_m2", "total_investment_wan", "invested_wan")
SUPPLY_TYPES = ("出让", "划拨")
#: columns the validation and the audit add; a user column of the same name is renamed, not lost
RESERVED_OUTPUT_COLUMNS = ("row", "duplicate_id", "problems", "bad_fields", "area_mu", "area_source", "code_valid", "code_problem",
                           "credit_code_valid", "status", "status_zh", "reason_zh", "fee_wan", "count_from",
                           "deadline_1y", "deadline_2y", "developed_share", "invested_share", "missing_fields", "as_of",
                           "determined", "next_step_zh", "extension_flag", "cause_kind")

ENTERPRISE_FIELDS_ZH = {
    "credit_code": "统一社会信用代码", "name": "企业名称", "industry_code": "行业代码（GB/T 4754-2017）",
    "above_scale": "是否规上", "land_area_mu": "用地面积（亩）", "tax_wan": "税收（万元）",
    "revenue_wan": "营业收入（万元）", "energy_tce": "综合能耗（吨标准煤）", "employees": "从业人员（人）",
    "rd_wan": "研发投入（万元）", "emissions_t": "主要污染物排放当量（吨）", "start_year": "投产年份",
    "veto": "一票否决事项", "year": "年度",
}
ENTERPRISE_REQUIRED = ("credit_code", "name")
ENTERPRISE_RESERVED_COLUMNS = ("row", "duplicate_id", "problems", "credit_code_valid", "score", "rank", "evaluated_n",
                               "eff_class", "eff_class_zh", "eff_reason", "land_area_source", "parcel_area_mu",
                               "pool", "pool_zh", "vetoed")
ENTERPRISE_NUMBERS = ("land_area_mu", "tax_wan", "revenue_wan", "energy_tce", "employees", "rd_wan", "emissions_t")


def _zh_label(field: str) -> str:
    """``"税收（万元）[tax_wan]"`` — the Chinese label first, for row problems read by people."""
    zh = PARCEL_FIELDS_ZH.get(field) or ENTERPRISE_FIELDS_ZH.get(field)
    return f"{zh}[{field}]" if zh else field


def field_label(field: str) -> str:
    """``"agreed_start（约定动工日期）"`` — the canonical name and its Chinese label."""
    zh = PARCEL_FIELDS_ZH.get(field) or ENTERPRISE_FIELDS_ZH.get(field)
    return f"{field}（{zh}）" if zh else field


# --- reading -----------------------------------------------------------------------------------


def read_parcels(path, *, crs=None, layer=None, field_map: dict | None = None, encoding=None,
                 swap_xy: bool = False, code_system: str = "auto"):
    """Read a parcel file (any format :func:`dcf_spatial.io.read_vector` takes; the ``parcels``
    aliases map 宗地代码/土地使用权人/约定动工日期/``DLBM`` …) and validate it; see :func:`validate_parcels`."""
    from .. import io as dcf_io

    gdf = dcf_io.read_vector(path, crs=crs, layer=layer, field_map=field_map, encoding=encoding, swap_xy=swap_xy,
                             aliases="parcels")
    out = validate_parcels(gdf, source=str(path), code_system=code_system)
    out.attrs["read_notes"] = list(gdf.attrs.get("read_notes", [])) + out.attrs.get("read_notes", [])
    out.attrs["source_file"] = str(path)
    return out


def read_enterprises(path, *, field_map: dict | None = None, encoding=None, sheet=None) -> pd.DataFrame:
    """Read an enterprise table (CSV/XLSX; ``enterprises`` aliases) and validate it; see
    :func:`validate_enterprises`."""
    from .. import io as dcf_io

    df = dcf_io.read_table(path, field_map=field_map, encoding=encoding, sheet=sheet, aliases="enterprises")
    out = validate_enterprises(df, source=str(path))
    out.attrs["read_notes"] = list(df.attrs.get("read_notes", [])) + out.attrs.get("read_notes", [])
    out.attrs["source_file"] = str(path)
    return out


# --- cleaning helpers --------------------------------------------------------------------------

_DATE_CLEAN = re.compile(r"[年月/.]")


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a date column written the usual Chinese ways.

    Accepts datetimes, ``2022-03-01``, ``2022/3/1``, ``2022.3.1``, ``2022年3月1日``, ``20220301``.
    Returns ``(dates, bad)``: ``dates`` is datetime64 (NaT where empty or unparseable), ``bad``
    is True where a non-empty value could not be read.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
        return dates.dt.normalize(), pd.Series(False, index=values.index)
    # fast path: ISO dates, the common case, parsed in one vectorised call
    direct = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    todo = direct.isna() & values.notna()
    if not todo.any():
        return direct, pd.Series(False, index=values.index)
    s = values[todo].astype("string").str.strip()
    s = s.replace({"": pd.NA, "NaT": pd.NA, "nan": pd.NA, "None": pd.NA})
    t = s.str.replace(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", regex=True)  # drop a time part
    t = t.str.replace("日", "", regex=False).str.replace(_DATE_CLEAN, "-", regex=True)
    t = t.mask(t.str.fullmatch(r"\d{8}"), t.str[:4] + "-" + t.str[4:6] + "-" + t.str[6:8])
    slow = pd.to_datetime(t, format="%Y-%m-%d", errors="coerce")
    dates = direct.copy()
    dates[todo] = slow
    bad = pd.Series(False, index=values.index)
    bad[todo] = (s.notna() & slow.isna()).to_numpy()
    return dates, bad


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers with thousands separators allowed; returns ``(numbers, bad)`` (bad: present, not a
    number, or negative)."""
    if pd.api.types.is_numeric_dtype(values):
        num = values.astype(float)
        return num, num < 0
    s = values.astype("string").str.strip().str.replace(",", "", regex=False).str.replace("，", "", regex=False)
    s = s.replace({"": pd.NA, "nan": pd.NA, "None": pd.NA})
    num = pd.to_numeric(s, errors="coerce").astype(float)
    bad = (s.notna() & num.isna()) | (num < 0)
    return num, bad


_BLANKS = frozenset({"", "nan", "NaN", "None", "<NA>", "NaT"})


def _blank_to_na(values: pd.Series) -> pd.Series:
    """Text stripped of surrounding blanks; empty, "nan", "None" → None. Object dtype, indexed like
    ``values``; the work is done once per distinct value (fast at 10⁶ rows)."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    text = pd.Series(uniques, dtype=object).astype(str).str.strip()  # vectorised string kernels
    clean = text.to_numpy(dtype=object)
    clean[text.isin(_BLANKS).to_numpy()] = None
    out = np.full(len(values), None, dtype=object)
    has = codes >= 0
    out[has] = clean[codes[has]]
    return pd.Series(out, index=values.index, dtype=object)


def _append_problem(problems: np.ndarray, mask, text, sep: str = "；") -> None:
    """Add ``text`` to ``problems`` where ``mask`` holds (in place).

    ``text``: a scalar, a per-row array, or a callable ``f(mask) -> texts of the masked rows`` so
    that messages are only built for the (few) rows that need one.
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    if callable(text):
        sub = np.asarray(text(mask), dtype=object)
    else:
        sub = np.broadcast_to(np.asarray(text, dtype=object), problems.shape)[mask]
    sep = np.where(problems[mask] == "", "", sep)
    problems[mask] = problems[mask] + sep + sub


def _quoted(values: pd.Series, prefix: str, suffix: str):
    """Message builder for :func:`_append_problem`: ``prefix“value”suffix`` for the masked rows."""
    raw = values.to_numpy(dtype=object)

    def build(mask):
        return np.array([f"{prefix}“{'' if v is None or v is pd.NA else v}”{suffix}" for v in raw[mask]], dtype=object)

    return build


_KIND_ZH = {"parcel": ("宗地", "parcels"), "enterprise": ("企业", "enterprises")}


def _require(df, required, source, kind) -> None:
    """Raise a :class:`SchemaError` naming each missing field, the headers recognised for it, the
    columns the file has, and the ``--field`` fix."""
    from ..io import alias_table, looks_mis_decoded

    missing = [f for f in required if f not in df.columns]
    if not missing:
        return
    kind_zh, group = _KIND_ZH.get(kind, (kind, None))
    aliases = alias_table()["groups"].get(group, {}) if group else {}
    wanted = []
    for f in missing:
        names = [e if isinstance(e, str) else e["name"] for e in aliases.get(f, [])]
        wanted.append(field_label(f) + (f"（可识别的列名：{'、'.join(names[:5])}）" if names else ""))
    geom = getattr(df, "geometry", None)
    cols = [str(c) for c in df.columns if geom is None or c != geom.name]
    # Chinese GBK names read as Latin-1 come out as runs of accented letters (e.g. "×ÚµØ´úÂë")
    hint = "字段名疑似乱码（中文按错误的编码读入）：请加 --encoding gbk。" if looks_mis_decoded(cols) else ""
    raise SchemaError(
        f"{source}：{kind_zh}表缺少字段 {'；'.join(wanted)}。文件中的列：{', '.join(cols)}。{hint}"
        f"请改列名，或用 --field {missing[0]}=<你的列名> 指定（audit efficiency 的宗地文件用 --parcel-field）。"
    )


# --- parcels -------------------------------------------------------------------------------------


def _prepare_columns(frame, reserved, fields, result_zh: str, notes: list[str]):
    """A copy of ``frame`` ready for validation: the user's columns named like our outputs are kept
    under ``<name>__original`` (never overwritten), absent optional fields are added empty, and
    ``row`` numbers the input records from 1. Each change is added to ``notes``."""
    out = frame.copy()
    clash = [c for c in reserved if c in out.columns]
    if clash:
        out = out.rename(columns={c: f"{c}__original" for c in clash})
        notes.append(f"文件中与{result_zh}同名的字段已改名保留：" + "、".join(f"{c}→{c}__original" for c in clash))
    for f in fields:
        if f not in out.columns:
            out[f] = pd.NA
            notes.append(f"文件无 {field_label(f)} 字段，按空值处理")
    out["row"] = np.arange(1, len(out) + 1)
    return out


def validate_parcels(gdf, *, source: str = "parcels", code_system: str = "auto"):
    """Type and check a parcel GeoDataFrame (any CRS) already carrying canonical field names.

    Returns a copy, indexed and ordered like the input (nothing dropped), with dates parsed,
    numbers parsed, land-use codes looked up, credit codes checked, ``area_m2``/``area_mu`` measured
    in the working CRS, ``row`` (1-based row in the file), ``duplicate_id``, ``bad_fields``
    (``;``-joined canonical names of unreadable values) and ``problems`` (Chinese; empty when fine).

    Raises
    ------
    SchemaError
        When a required field (parcel_id, agreed_start, actual_start, land_use_code) is absent.
    """
    import geopandas as gpd

    from .. import settings
    from ..crs import to_working
    from ..io import declared_area_m2

    _require(gdf, PARCEL_REQUIRED, source, "parcel")
    notes = []
    out = _prepare_columns(gdf, RESERVED_OUTPUT_COLUMNS, PARCEL_FIELDS_ZH, "审计结果", notes)
    n = len(out)
    problems = np.full(n, "", dtype=object)
    bad_fields = np.full(n, "", dtype=object)

    out["parcel_id"] = _blank_to_na(out["parcel_id"])
    _append_problem(problems, out["parcel_id"].isna(), "宗地代码为空")
    dup = out["parcel_id"].notna() & out["parcel_id"].duplicated(keep=False)
    out["duplicate_id"] = dup.to_numpy()
    if dup.any():
        ids = out.loc[dup, "parcel_id"].astype(str)
        counts = ids.map(ids.value_counts())
        text = [f"宗地代码“{i}”重复（共{c}条，均保留、未合并，请核实）" for i, c in zip(ids, counts)]
        _append_problem(problems, dup, lambda m: text)
        notes.append(f"{int(dup.sum())} 条记录的宗地代码重复，均保留并列入问题清单")

    for f in PARCEL_DATES:
        raw = out[f]
        dates, bad = parse_dates(raw)
        out[f] = dates
        if bad.any():
            _append_problem(problems, bad, _quoted(raw, field_label(f) + "的值", "无法识别为日期"))
            _append_problem(bad_fields, bad, f, sep=";")
    for f in PARCEL_NUMBERS:
        raw = out[f]
        num, bad = parse_numbers(raw)
        out[f] = num.where(~bad)
        if bad.any():
            _append_problem(problems, bad, _quoted(raw, _zh_label(f) + "的值", "不是非负数：请只填数字（单位见字段名，如 12），不要带“万”“元”等文字；该项按缺失计"))
            _append_problem(bad_fields, bad, f, sep=";")
    for f in ("holder", "supply_type", "gov_cause", "credit_code"):
        out[f] = _blank_to_na(out[f])
    bad_supply = out["supply_type"].notna() & ~out["supply_type"].isin(SUPPLY_TYPES)
    _append_problem(problems, bad_supply, _quoted(out["supply_type"], "供地方式", "不是出让或划拨"))

    looked = codes.validate_land_use_codes(out["land_use_code"], system=code_system)
    notes.append(looked.attrs["note"])
    for col in looked.columns:
        out[col] = looked[col].to_numpy() if col != "land_use_code" else looked[col]
    bad_code = ~looked["code_valid"].to_numpy()
    _append_problem(problems, bad_code, looked["code_problem"].to_numpy(dtype=object))
    _append_problem(bad_fields, bad_code & out["land_use_code"].notna().to_numpy(), "land_use_code", sep=";")

    valid_cc = codes.credit_code_valid(out["credit_code"])
    out["credit_code_valid"] = valid_cc
    bad_cc = valid_cc.eq(False).fillna(False).to_numpy()
    _append_problem(problems, bad_cc, _quoted(out["credit_code"], "统一社会信用代码", "校验不通过（GB 32100-2015）"))

    if "read_issue" in out.columns:
        issue = _blank_to_na(out["read_issue"]).to_numpy(dtype=object)
        has_issue = np.array([v is not None for v in issue], dtype=bool)
        _append_problem(problems, has_issue, lambda m: np.array(["读入：" + v for v in issue[m]], dtype=object))
    declared = declared_area_m2(out)
    if "area_m2" in out.columns:
        out["area_m2_declared"] = out["area_m2"]
    geom = out.geometry
    no_geom = (geom.isna() | geom.is_empty).to_numpy()
    _append_problem(problems, no_geom, "无几何图形，无法计算面积和所在区域")
    if isinstance(out, gpd.GeoDataFrame) and out.crs is not None:
        area = to_working(out).geometry.area.to_numpy()
    else:
        area = np.full(n, np.nan)
    area = np.where(no_geom, np.nan, area)
    # A parcel given as a point (a table with 经度/纬度) has no drawn area: its declared 宗地面积 is used.
    pointlike = ~no_geom & ~np.asarray(geom.geom_type.isin(["Polygon", "MultiPolygon"]), dtype=bool)
    use_declared = pointlike & ~np.isnan(declared)
    area = np.where(pointlike, declared, area)
    out["area_m2"] = area
    out["area_mu"] = area / settings.MU_M2
    out["area_source"] = np.select([use_declared, pointlike, no_geom], ["申报面积（点位，无宗地图形）", "无面积", "无面积"],
                                   default="图形量算（EPSG:4548）")
    no_area = pointlike & np.isnan(declared)
    _append_problem(problems, no_area, "点位宗地没有宗地面积：请在表中给出宗地面积（平方米/亩/公顷），或提供宗地图形")
    if pointlike.any():
        notes.append(f"{int(pointlike.sum())} 宗为点位（无宗地图形）：面积取表中申报的宗地面积"
                     f"（{int(use_declared.sum())} 宗有值），所在镇街/区按点位判断")
    if "area_m2_declared" in out.columns and (~pointlike & ~no_geom).any():
        notes.append("有宗地图形的宗地按图形在 EPSG:4548 量算面积；文件中的宗地面积保留为 area_m2_declared")
    out["problems"] = problems
    out["bad_fields"] = bad_fields
    out.attrs["read_notes"] = notes
    n_prob = int((problems != "").sum())
    logger.info("Validated %d parcels from %s: %d with problems", n, source, n_prob)
    return out


# --- enterprises ---------------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "y", "是", "规上", "√", "t"}
_FALSE = {"0", "false", "no", "n", "否", "规下", "规模以下", "f"}


def validate_enterprises(df: pd.DataFrame, *, source: str = "enterprises") -> pd.DataFrame:
    """Type and check an enterprise table; same contract as :func:`validate_parcels` (no row dropped,
    ``problems`` in Chinese, ``duplicate_id`` for a credit code repeated within one year)."""
    _require(df, ENTERPRISE_REQUIRED, source, "enterprise")
    notes = []
    out = _prepare_columns(df, ENTERPRISE_RESERVED_COLUMNS, ENTERPRISE_FIELDS_ZH, "评价结果", notes)
    n = len(out)
    problems = np.full(n, "", dtype=object)
    out["credit_code"] = _blank_to_na(out["credit_code"]).str.upper()
    out["name"] = _blank_to_na(out["name"])
    out["industry_code"] = _blank_to_na(out["industry_code"]).str.upper()
    for f in ENTERPRISE_NUMBERS:
        raw = out[f]
        num, bad = parse_numbers(raw)
        out[f] = num.where(~bad)
        _append_problem(problems, bad, _quoted(raw, _zh_label(f) + "的值", "不是非负数：请只填数字（单位见字段名，如 12），不要带“万”“元”等文字；该项按缺失计"))
    year, bad_year = parse_numbers(out["year"])
    out["year"] = year.where(~bad_year).astype("Int64")
    _append_problem(problems, bad_year, "年度无法识别")
    raw_start = out["start_year"]
    start, bad_start = parse_numbers(raw_start)
    out["start_year"] = start.where(~bad_start).round().astype("Int64")
    _append_problem(problems, bad_start, _quoted(raw_start, "投产年份的值", "无法识别（应为四位年份，如 2023）"))
    out["veto"] = _blank_to_na(out["veto"])
    scale = out["above_scale"]
    if pd.api.types.is_bool_dtype(scale):
        out["above_scale"] = scale.astype("boolean")
    else:
        low = scale.astype("string").str.strip().str.lower()
        val = pd.array(np.where(low.isin(_TRUE), True, np.where(low.isin(_FALSE), False, pd.NA)), dtype="boolean")
        bad = low.notna() & ~low.isin(_TRUE | _FALSE) & (low != "")
        _append_problem(problems, bad, _quoted(scale, "是否规上的值", "无法识别（应为 是/否）"))
        out["above_scale"] = val
    _append_problem(problems, out["credit_code"].isna(), "统一社会信用代码为空")
    valid_cc = codes.credit_code_valid(out["credit_code"])
    out["credit_code_valid"] = valid_cc
    _append_problem(problems, valid_cc.eq(False).fillna(False).to_numpy(),
                    _quoted(out["credit_code"], "统一社会信用代码", "校验不通过（GB 32100-2015）"))
    key = out["credit_code"].astype("string").fillna("") + "|" + out["year"].astype("string").fillna("")
    dup = out["credit_code"].notna() & key.duplicated(keep=False)
    out["duplicate_id"] = dup.to_numpy()
    _append_problem(problems, dup, "同一年度统一社会信用代码重复（均保留、未合并，请核实）")
    out["problems"] = problems
    out.attrs["read_notes"] = notes
    logger.info("Validated %d enterprises from %s: %d with problems", n, source, int((problems != "").sum()))
    return out
