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
#: dates fixed by a contract, a 划拨决定书 or a decision: "未开工" there is no date of theirs
AGREEMENT_DATES = ("agreed_start", "agreed_completion", "extension_until", "determination_date")
#: columns the validation and the audit add; a user column of the same name is renamed, not lost
RESERVED_OUTPUT_COLUMNS = ("row", "duplicate_id", "in_totals", "not_a_parcel", "month_fields", "problems", "bad_fields", "area_mu", "area_source", "code_valid", "code_problem",
                           "credit_code_valid", "status", "status_zh", "reason_zh", "fee_wan", "count_from",
                           "deadline_1y", "deadline_2y", "developed_share", "invested_share", "missing_fields", "as_of",
                           "determined", "next_step_zh", "extension_flag", "late_start_flag", "cause_kind")

ENTERPRISE_FIELDS_ZH = {
    "credit_code": "统一社会信用代码", "name": "企业名称", "industry_code": "行业代码（GB/T 4754-2017）",
    "above_scale": "是否规上", "land_area_mu": "用地面积（亩）", "tax_wan": "税收（万元）",
    "revenue_wan": "营业收入（万元）", "energy_tce": "综合能耗（吨标准煤）", "employees": "从业人员（人）",
    "rd_wan": "研发投入（万元）", "emissions_t": "主要污染物排放当量（吨）", "start_year": "投产年份",
    "veto": "一票否决事项", "year": "年度",
}
ENTERPRISE_REQUIRED = ("credit_code", "name")
ENTERPRISE_RESERVED_COLUMNS = ("row", "duplicate_id", "problems", "remarks", "data_errors", "credit_code_valid", "score", "rank", "evaluated_n",
                               "eff_class", "eff_class_zh", "eff_reason", "land_area_source", "parcel_area_mu",
                               "pool", "pool_zh", "vetoed", "parcel_link", "parcel_link_zh", "matched_parcel_ids",
                               "zone_source")
ENTERPRISE_NUMBERS = ("land_area_mu", "tax_wan", "revenue_wan", "energy_tce", "employees", "rd_wan", "emissions_t")


#: canonical fields the idle audit reads (a column mapped to any other field is named as not used)
PARCEL_USED = frozenset(PARCEL_FIELDS_ZH) | {"area_m2", "area_m2_alt", "area_m2_alt2", "area_m2_alt3", "address", "land_use_name", "township_name",
                                             "district_name", "project_name", "contract_date", "actual_completion"}
#: dates a ledger often has that the rules do not read: each is checked against the dates that the
#: rules read (a start before the contract, a completion before the start), never silently kept
CHECK_DATES_ZH = {"contract_date": "合同签订日期", "actual_completion": "实际竣工日期"}
#: what an empty 实际开工/竣工 cell is often written as: the event has not happened (not an unreadable date)
NOT_YET_TEXTS = frozenset({"未开工", "尚未开工", "未动工", "尚未动工", "未开发", "尚未开发", "未竣工", "尚未竣工",
                           "未建", "未", "否", "没有"})


def unused_input_columns(frame, used) -> list[str]:
    """The input columns (``attrs["input_columns"]``, as written) that gave none of the ``used``
    canonical fields, nor coordinates or a geometry: named in the notes, so that no column is
    ignored without a word.

    Examples
    --------
    >>> f = pd.DataFrame({"宗地编号": ["A"], "parcel_id": ["A"], "备注": [""]})
    >>> f.attrs.update(input_columns=["宗地编号", "备注"], field_sources={"parcel_id": "宗地编号"})
    >>> unused_input_columns(f, {"parcel_id"})
    ['备注']
    >>> g = pd.DataFrame({"parcel_id": ["A"], "scenario": ["x"]})
    >>> g.attrs.update(input_columns=["parcel_id", "scenario"], field_sources={})
    >>> unused_input_columns(g, {"parcel_id"})
    ['scenario']
    """
    from ..io.aliases import _norm, alias_table

    cols = frame.attrs.get("input_columns")
    if not cols:
        return []
    sources = frame.attrs.get("field_sources") or {}
    took = {str(c) for t, c in sources.items() if t in used}
    # a column already carrying a used field's standard name (``dcf sample`` output, a database
    # export: parcel_id, agreed_start, land_area_mu …) is read as it is: no alias maps it, yet it is used
    took |= {str(c) for c in cols if str(c) in used and str(c) not in sources}
    coords = alias_table()["coordinates"]
    coord_names = {_norm(n) for k in ("lonlat", "eastnorth", "xy") for a in ("x", "y") for n in coords[k][a]}
    coord_names |= {_norm(n) for n in coords["combined"] + coords["wkt"]} | {"geometry", "lon", "lat", "x", "y"}
    return [c for c in cols if c not in took and _norm(c) not in coord_names]


def input_label(field: str, sources: dict | None = None) -> str:
    """How a message to a clerk names a field: the input column as written (``实际开工日期``), with
    the audit's meaning when it differs; never the English canonical name.

    Examples
    --------
    >>> input_label("actual_start", {"actual_start": "实际开工日期"})
    '“实际开工日期”（实际动工开发日期（第三十条标准））'
    >>> input_label("agreed_start")
    '约定动工日期'
    """
    zh = PARCEL_FIELDS_ZH.get(field) or ENTERPRISE_FIELDS_ZH.get(field) or CHECK_DATES_ZH.get(field) or field
    src = (sources or {}).get(field)
    if not src or src == zh:
        return zh
    return f"“{src}”（{zh}）"


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
                 swap_xy: bool = False, code_system: str = "auto", store=None):
    """Read a parcel file (any format :func:`dcf_spatial.io.read_vector` takes; the ``parcels``
    aliases map 宗地代码/土地使用权人/约定动工日期/``DLBM`` and the 中国土地市场网 供地结果 columns
    电子监管号/面积(公顷)/约定开工时间/成交价格(万元) …) and validate it; see :func:`validate_parcels`.

    A CSV/XLSX without coordinates (a 供地 ledger) is read as it is: each row is placed by the
    names in its 项目位置 (:func:`dcf_spatial.places.place_rows`, gazetteer of ``store``) at its
    unit's representative point (``location_method`` 按地名定位), or left without a place
    (位置不明); every row is audited either way.

    Examples
    --------
    >>> parcels = read_parcels("供地结果.csv")                    # doctest: +SKIP
    >>> parcels["location_method"].value_counts()                  # doctest: +SKIP
    """
    gdf = read_parcel_rows(path, crs=crs, layer=layer, field_map=field_map, encoding=encoding, swap_xy=swap_xy,
                           store=store)
    return finish_parcels(gdf, path, code_system=code_system)


def read_parcel_rows(path, *, crs=None, layer=None, field_map: dict | None = None, encoding=None,
                     swap_xy: bool = False, store=None, keep_wkb: bool = False):
    """The rows of a parcel file as read, before :func:`validate_parcels` (see :func:`read_parcels`);
    ``keep_wkb``: the geometries as read kept for the GeoParquet writer (see :func:`dcf_spatial.io.read_vector`).

    Examples
    --------
    >>> rows = read_parcel_rows("宗地.gpkg")                     # doctest: +SKIP
    >>> parcels = finish_parcels(rows, "宗地.gpkg")               # doctest: +SKIP
    """
    from ..places import ADDRESS_COLUMN, place_rows, read_rows_maybe_without_coordinates

    gdf, has_xy = read_rows_maybe_without_coordinates(path, crs=crs, layer=layer, field_map=field_map,
                                                      encoding=encoding, swap_xy=swap_xy, aliases="parcels",
                                                      keep_wkb=keep_wkb)
    if not has_xy or ADDRESS_COLUMN in gdf.columns:
        # a 供地 ledger has no coordinates: rows are placed by the names in 项目位置 (for the summaries
        # by township and cluster, and the map), at their unit's representative point; not an error
        # a 合计 row or a footer (制表人：…) is no parcel: not placed, not counted as 位置不明
        gdf, place_notes = place_rows(gdf, store=store, as_point=True, skip=not_a_parcel_rows(gdf)[0])
        gdf.attrs["read_notes"] = list(gdf.attrs.get("read_notes", [])) + place_notes
    return gdf


def finish_parcels(gdf, path, *, code_system: str = "auto", working=None, area_unit: str | None = None):
    """:func:`validate_parcels` of rows read by :func:`read_parcel_rows`, with the reader's notes kept.

    Examples
    --------
    >>> parcels = finish_parcels(read_parcel_rows("宗地.gpkg"), "宗地.gpkg")   # doctest: +SKIP
    """
    out = validate_parcels(gdf, source=str(path), code_system=code_system, working=working, area_unit=area_unit)
    out.attrs["read_notes"] = list(gdf.attrs.get("read_notes", [])) + out.attrs.get("read_notes", [])
    out.attrs["source_file"] = str(path)
    return out


def working_geometry(gdf):
    """``gdf``'s geometry in the measuring CRS (EPSG:4548), reprojected once, for
    :func:`validate_parcels` and :func:`dcf_spatial.land.zones.join_zones` to share
    (``None`` when ``gdf`` has no CRS or no geometry).

    Examples
    --------
    >>> work = working_geometry(rows)                                        # doctest: +SKIP
    >>> data = validate_parcels(rows, working=work); join_zones(data, working=work)  # doctest: +SKIP
    """
    import geopandas as gpd

    from ..crs import to_working

    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.crs is None or gdf.geometry.name not in gdf.columns:
        return None
    if gdf.crs.to_epsg() != 4548:
        fast = _reprojected_simple_polygons(gdf.geometry)
        if fast is not None:
            return fast
    return to_working(gdf[[gdf.geometry.name]]).geometry


def _reprojected_simple_polygons(geometry):
    """``geometry.to_crs(working_crs)`` when every geometry is a 2D polygon without holes (a parcel
    as drawn; else None): the same coordinates (the same transformer on the same arrays), the
    polygons built from them by ``shapely.from_ragged_array`` instead of copying each polygon and
    writing its coordinates back (``to_crs``): at 10⁶ parcels ~0.55 s instead of ~0.8 s of CPU."""
    import geopandas as gpd
    import shapely
    from pyproj import Transformer

    from .. import settings

    values = np.asarray(geometry.values, dtype=object)
    if not len(values) or not (shapely.get_type_id(values) == 3).all() \
            or shapely.get_num_interior_rings(values).any() or shapely.has_z(values).any():
        return None
    coords = shapely.get_coordinates(values)
    # the transformer of GeoSeries.to_crs (always x, y)
    x, y = Transformer.from_crs(geometry.crs, settings.working_crs, always_xy=True).transform(coords[:, 0], coords[:, 1])
    del coords
    ends = np.cumsum(shapely.get_num_coordinates(values))
    polygons = shapely.from_ragged_array(shapely.GeometryType.POLYGON, np.column_stack([x, y]),
                                         (np.r_[0, ends], np.arange(len(values) + 1)))
    return gpd.GeoSeries(polygons, index=geometry.index, crs=settings.working_crs, name=geometry.name)


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
#: values that mean "no date" in bureau tables and 中国土地市场网 exports (not errors)
DATE_NONE_TEXTS = frozenset({"", "--", "-", "—", "——", "/", "无", "暂无", "空", "nan", "NaN", "None", "NaT", "<NA>", "null",
                             "NULL", "0"})
#: placeholder dates that systems write for "none": Excel's day 0/1, the 1900 default and the 9999 "open end"
DATE_PLACEHOLDERS = ("1899-12-30", "1899-12-31", "1900-01-01", "9999-12-31")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: an Excel serial day number that is a plausible date (1927-05-18 … 2119-02-12)
_SERIAL_RANGE = (10_000, 80_000)
_TIME_PART = re.compile(r"(?:[T\s]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$")


def _parse_date_text(text: str):
    """One date value written any usual way → (Timestamp | None, "ok" | "none" | "bad").

    Hand-written: pandas' own inference would take ``44986`` or ``2021年2月1日`` wrongly or not at
    all, and every form here needs its rule said (see :func:`parse_dates`).
    """
    t = str(text).strip()
    if t in DATE_NONE_TEXTS or t in NOT_YET_TEXTS:
        return None, "none"
    t = _TIME_PART.sub("", t)
    num = re.fullmatch(r"(\d+)(?:\.0+)?", t)
    if num and len(num.group(1)) != 8:
        n = int(num.group(1))
        if n == 0:
            return None, "none"
        if _SERIAL_RANGE[0] <= n <= _SERIAL_RANGE[1]:  # an Excel serial day number, also when stored as text
            return _EXCEL_EPOCH + pd.Timedelta(days=n), "ok"
        return None, "bad"
    t = t.replace("日", "")
    t = _DATE_CLEAN.sub("-", t).strip("-")
    if re.fullmatch(r"\d{8}", t):
        t = f"{t[:4]}-{t[4:6]}-{t[6:8]}"
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", t)
    if not m:
        month = re.fullmatch(r"(\d{4})-(\d{1,2})", t)  # 2019年3月, 2024-05: a month, no day
        if month and 1 <= int(month.group(2)) <= 12 and 1900 < int(month.group(1)) < 9999:
            return pd.Timestamp(year=int(month.group(1)), month=int(month.group(2)), day=1), "month"
        return None, "bad"
    iso = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    if iso in DATE_PLACEHOLDERS:
        return None, "none"
    try:
        return pd.Timestamp(iso), "ok"
    except (ValueError, OverflowError):  # 2021-02-30, or a year pandas cannot hold
        return None, "bad"


def parse_dates(values: pd.Series, *, months: bool = False):
    """Parse a date column written the usual Chinese ways — the one date parser of the package.

    Accepts datetimes, ``2022-03-01``, ``2022/3/1``, ``2022.3.1``, ``2022年3月1日``, ``20220301``,
    any of these with a time (``2021-02-01 00:00:00``, ``2021-02-01T08:30``), and Excel serial day
    numbers (``44986`` = 2023-03-01, as a number or as text). ``1900-01-01``, ``1899-12-30``,
    ``9999-12-31``, ``0``, ``--``, ``无`` and blanks mean "no date" (NaT, not an error), and so do
    ``未开工``/``尚未开工``/``未竣工`` …: in an 实际开工/竣工 column the event has not happened yet.

    Returns ``(dates, bad)``: ``dates`` is datetime64 (NaT where empty, a placeholder or
    unparseable), ``bad`` is True where a non-empty value could not be read.
    ``dates.attrs["placeholders"]`` counts the values read as "no date" that were not blank.
    A year and month without a day (``2019年3月``, ``2024-05``, ``2024/5``) is bad, unless ``months``:
    then it reads as the month's first day and a third Series, True on those rows, is returned
    (``(dates, bad, month)``; the caller decides what a date known only to the month means).

    Examples
    --------
    >>> d, bad = parse_dates(pd.Series(["2021-02-01 00:00:00", "44986", "1900-01-01", "无", "x"]))
    >>> [str(v.date()) if v == v else None for v in d], bad.tolist()
    (['2021-02-01', '2023-03-01', None, None, None], [False, False, False, False, True])
    """
    index = values.index
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
        dates = dates.dt.normalize()
        placeholder = dates.isin(pd.to_datetime(list(DATE_PLACEHOLDERS[:3])))
        dates = dates.mask(placeholder)
        dates.attrs["placeholders"] = int(placeholder.sum())
        none = pd.Series(False, index=index)
        return (dates, none, none.copy()) if months else (dates, none)
    # once per distinct value (a column holds few distinct dates): fast at 10⁶ rows, and every form
    # (datetime objects up to 9999-12-31, numbers, text) goes through the same rules
    codes_, uniques = pd.factorize(values if isinstance(values.dtype, pd.StringDtype)  # arrow text: no Python
                                   else values.to_numpy(dtype=object), use_na_sentinel=True)  # string per row
    parsed = [_parse_date_value(u) for u in np.asarray(uniques, dtype=object)] + [(None, "blank")]
    stamps = pd.to_datetime(pd.Series([p[0] for p in parsed], dtype=object)).to_numpy(dtype="datetime64[ns]")
    status = np.array([p[1] for p in parsed], dtype=object)
    take = np.where(codes_ >= 0, codes_, len(parsed) - 1)
    st = status[take]
    month = st == "month"
    if not months and month.any():  # a month is not a date here: bad, as before
        stamps = stamps.copy()
        stamps[status == "month"] = np.datetime64("NaT")
        st = np.where(month, "bad", st)
    dates = pd.Series(stamps[take], index=index)
    dates.attrs["placeholders"] = int((st == "none").sum())
    if months:
        return dates, pd.Series(st == "bad", index=index), pd.Series(month, index=index)
    return dates, pd.Series(st == "bad", index=index)


def _parse_date_value(v):
    """One cell of a date column (any Python type) → (Timestamp | None, "ok" | "none" | "blank" | "bad")."""
    import datetime as _dt

    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return None, "blank"
    if isinstance(v, (_dt.datetime, _dt.date, np.datetime64)):
        try:
            ts = pd.Timestamp(v)
        except (ValueError, OverflowError):  # beyond pandas' range: 9999-12-31 is the "open end" placeholder
            year = getattr(v, "year", None)
            return (None, "none") if year is not None and year >= 9999 else (None, "bad")
        if ts is pd.NaT:
            return None, "blank"
        ts = ts.tz_localize(None) if ts.tzinfo is not None else ts
        ts = ts.normalize()
        return (None, "none") if ts.strftime("%Y-%m-%d") in DATE_PLACEHOLDERS else (ts, "ok")
    if isinstance(v, (bool, np.bool_)):
        return None, "bad"
    if isinstance(v, (int, float, np.integer, np.floating)):
        if float(v) != int(v):
            return None, "bad"
        v = str(int(v))
    text = str(v).strip()
    if text in ("", "nan", "NaN", "None", "NaT", "<NA>"):
        return None, "blank"
    return _parse_date_text(text)


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers with thousands separators allowed; returns ``(numbers, bad)`` (bad: present, not a
    number, not finite (``inf``), or negative). Full-width digits (``７８０``, as typed in a Chinese
    spreadsheet) read as the ASCII ones, also in a column the reader left as text for another cell.

    Examples
    --------
    >>> parse_numbers(pd.Series(["７８０", "1,200", "待定", None]))[0].tolist()
    [780.0, 1200.0, nan, nan]
    """
    if pd.api.types.is_numeric_dtype(values):
        num = values.astype(float)
        return num, (num < 0) | np.isinf(num)
    s = values.astype("string").str.strip().str.replace(",", "", regex=False).str.replace("，", "", regex=False)
    s = s.replace({"": pd.NA, "nan": pd.NA, "None": pd.NA})
    num = pd.to_numeric(s, errors="coerce").astype(float)
    failed = (s.notna() & num.isna()).to_numpy()
    if failed.any():
        # only the cells pandas could not read (few) are normalised: NFKC per row costs at 10⁶ rows
        from .._validate import number_text

        again = pd.to_numeric(s[failed].map(number_text).str.strip().str.replace(",", "", regex=False),
                              errors="coerce").astype(float)
        num = num.copy()
        num[failed] = again.to_numpy()
    bad = (s.notna() & num.isna()) | (num < 0) | np.isinf(num)
    return num, bad


_BLANKS = frozenset({"", "nan", "NaN", "None", "<NA>", "NaT"})


def _blank_to_na(values: pd.Series) -> pd.Series:
    """Text stripped of surrounding blanks; empty, "nan", "None" → None. Object dtype, indexed like
    ``values``; the work is done once per distinct value (fast at 10⁶ rows)."""
    # text held by arrow is factorised there (no Python string per row: at 10⁶ rows the conversion
    # was most of the cost); other columns (object: numbers and text mixed) as Python objects
    codes, uniques = pd.factorize(values if isinstance(values.dtype, pd.StringDtype)
                                  else values.to_numpy(dtype=object), use_na_sentinel=True)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype(str).str.strip()  # vectorised
    clean = text.to_numpy(dtype=object)
    clean[text.isin(_BLANKS).to_numpy()] = None
    out = np.full(len(values), None, dtype=object)
    has = codes >= 0
    out[has] = clean[codes[has]]
    return pd.Series(out, index=values.index, dtype=object)


#: the characters Python's ``str.strip()`` removes (``str.isspace``: 29 code points), for arrow's trim
_PY_WHITESPACE = codes._PY_WHITESPACE


def _arrow_text(values: pd.Series):
    """The arrow array behind an arrow-backed text column (``str``/``string[pyarrow]``), else None."""
    if not isinstance(values.dtype, pd.StringDtype) or getattr(values.dtype, "storage", None) != "pyarrow":
        return None
    return getattr(values.array, "_pa_array", None)


def _clean_text(values: pd.Series) -> pd.Series:
    """``_as_text(_blank_to_na(values))`` — text stripped, blanks missing, held as ``str`` — done in
    arrow when ``values`` is arrow-backed text (as pyogrio's arrow reader gives it): the strings are
    trimmed by arrow's kernel with exactly the characters ``str.strip()`` removes, and no Python
    string is made per row. At 10⁶ mostly distinct ids the round trip through Python objects
    (factorise, a Python string per distinct value, strip, back to arrow) was several seconds per
    column. Other columns (object: numbers and text mixed) go the Python way; the values are the same."""
    arr = _arrow_text(values)
    if arr is None:
        return _as_text(_blank_to_na(values))
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        dtype = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default text (pandas ≥ 2.3)
    except TypeError:  # older pandas: its default text is object
        return _as_text(_blank_to_na(values))
    trimmed = pc.utf8_trim(arr, characters=_PY_WHITESPACE)
    blank = pc.is_in(trimmed, value_set=pa.array(sorted(_BLANKS), type=trimmed.type))
    cleaned = pc.if_else(blank, pa.scalar(None, type=trimmed.type), trimmed)
    return pd.Series(pd.arrays.ArrowStringArray(cleaned, dtype=dtype), index=values.index)


def _said_not_yet(values: pd.Series) -> np.ndarray:
    """True where the text of ``values``, stripped, is one of :data:`NOT_YET_TEXTS` (未开工 …); in
    arrow for arrow-backed text (no Python string per row), the same answer either way."""
    arr = _arrow_text(values)
    if arr is None:
        return _blank_to_na(values).astype("string").str.strip().isin(NOT_YET_TEXTS).fillna(False).to_numpy(dtype=bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    words = pa.array(sorted(NOT_YET_TEXTS - _BLANKS), type=arr.type)  # a blank is missing, never 未开工
    hit = pc.is_in(pc.utf8_trim(arr, characters=_PY_WHITESPACE), value_set=words).fill_null(False)
    return np.asarray(hit.to_numpy(), dtype=bool) if hasattr(hit, "to_numpy") else np.asarray(hit, dtype=bool)


def _place_to_correct(out, unplaced) -> np.ndarray:
    """The rows of ``unplaced`` (位置不明) whose own 项目位置 is to correct (:func:`dcf_spatial.places.place_to_correct`)."""
    if not unplaced.any() or "place_reason" not in out.columns:
        return np.zeros(len(out), dtype=bool)
    from ..places import place_to_correct

    return unplaced & place_to_correct(out["location_method"].to_numpy(dtype=object),
                                       out["place_reason"].to_numpy(dtype=object))


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


def _as_typed(values: pd.Series, typed: dict | None) -> pd.Series:
    """Each value as the user typed it, for messages: the reader's text of a cell that became ±inf
    (``typed``: position → text, :data:`dcf_spatial.io.tables.NUMBER_TEXT`), a whole float without
    its ``.0`` (``-5.0`` → ``-5``), anything else as it is."""
    vals = values.to_numpy(dtype=object)
    out = np.empty(len(vals), dtype=object)
    for i, v in enumerate(vals):
        if typed and i in typed:
            out[i] = typed[i]
        elif isinstance(v, (float, np.floating)) and np.isfinite(v) and float(v).is_integer():
            out[i] = str(int(v))
        else:
            out[i] = v
    return pd.Series(out, index=values.index, dtype=object)


def _quoted(values: pd.Series, prefix: str, suffix: str):
    """Message builder for :func:`_append_problem`: ``prefix“value”suffix`` for the masked rows."""
    def build(mask):  # only the masked rows become Python objects (usually few)
        raw = values[np.asarray(mask, dtype=bool)].to_numpy(dtype=object)
        return np.array([f"{prefix}“{'' if v is None or v is pd.NA else v}”{suffix}" for v in raw], dtype=object)

    return build


_KIND_ZH = {"parcel": ("宗地", "parcels"), "enterprise": ("企业", "enterprises")}
#: a required field another column gives when it is absent: field → (that field, how a message names it)
_FILLED_FROM = {"land_use_code": ("land_use_name", "写地类名称（工业用地 等）的列")}


def _require(df, required, source, kind) -> None:
    """Raise a :class:`SchemaError` naming each missing field, the headers recognised for it, the
    columns the file has, and the fix (a field map)."""
    from .. import _fixes
    from ..errors import about
    from ..io import alias_table, looks_mis_decoded
    from ..io.tables import where_read

    missing = [f for f in required if f not in df.columns]
    if not missing:
        return
    source = where_read(df, source)  # the sheet of a workbook whose columns are listed
    kind_zh, group = _KIND_ZH.get(kind, (kind, None))
    aliases = alias_table()["groups"].get(group, {}) if group else {}

    def names_of(field):
        return [e if isinstance(e, str) else e["name"] for e in aliases.get(field, [])]

    wanted = []
    for f in missing:
        names = names_of(f)
        other = _FILLED_FROM.get(f)
        if other and names_of(other[0]):
            # every header that works: the code's, and the name's (土地用途, 用途 …) from which the code is taken
            wanted.append(f"{field_label(f)}（可识别的列名：{'、'.join(names)}；或{other[1]}：{'、'.join(names_of(other[0]))}）")
        else:
            wanted.append(field_label(f) + (f"（可识别的列名：{'、'.join(names[:5])}）" if names else ""))
    geom = getattr(df, "geometry", None)
    # the file's own columns (read_table's ``input_columns``), not the canonical ones the aliases and the
    # place lookup added (parcel_id, location_method …): the user cannot find those in the file
    own = df.attrs.get("input_columns")
    cols = [str(c) for c in (own if own is not None else df.columns) if geom is None or c != geom.name]
    # Chinese GBK names read as Latin-1 come out as runs of accented letters (e.g. "×ÚµØ´úÂë")
    # the fixes in the library's neutral words (dcf_spatial._fixes): the CLI and the desk word them their way
    hint = f"字段名疑似乱码（中文按错误的编码读入）：请{_fixes.ENCODING}（如 gbk）。" if looks_mis_decoded(cols) else ""
    raise about("field_map", SchemaError(
        f"{source}：{kind_zh}表缺少字段 {'；'.join(wanted)}。文件中的列：{', '.join(cols)}。{hint}"
        f"请改列名，或用{_fixes.FIELD_MAP} {missing[0]}=<你的列名> 指定。"
    ))


# --- parcels -------------------------------------------------------------------------------------


def _prepare_columns(frame, reserved, fields, result_zh: str, notes: list[str]):
    """A copy of ``frame`` ready for validation: the user's columns named like our outputs are kept
    under ``<name>__original`` (never overwritten), absent optional fields are added empty, and
    ``row`` numbers the input records from 1. Each change is added to ``notes``."""
    # with copy-on-write (pandas 3) a shallow copy is safe and spares a copy of the whole table
    cow = int(pd.__version__.split(".")[0]) >= 3 or pd.options.mode.copy_on_write is True
    out = frame.copy(deep=not cow)
    clash = [c for c in reserved if c in out.columns]
    if clash:
        out = out.rename(columns={c: f"{c}__original" for c in clash})
        notes.append(f"文件中与{result_zh}同名的字段已改名保留：" + "、".join(f"{c}→{c}__original" for c in clash))
    for f in fields:
        if f not in out.columns:
            out[f] = pd.NA
            zh = PARCEL_FIELDS_ZH.get(f) or ENTERPRISE_FIELDS_ZH.get(f)   # the clerk's words, not the field id (QA7 #7)
            notes.append(f"文件无“{zh}”列，按空值处理" if zh else f"文件无 {f} 字段，按空值处理")
    out["row"] = np.arange(1, len(out) + 1)
    return out


#: the labels of ``area_source``, by code
#: geometry types other than an area, in Chinese (for a parcel drawn as one)
_GEOM_ZH = {"LineString": "线", "MultiLineString": "多线", "LinearRing": "闭合线", "GeometryCollection": "几何集合"}

#: shapely's geometry type names by ``shapely.get_type_id`` (the last, for -1: no geometry, ``""``)
_GEOM_TYPE_NAMES = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
                             "MultiPolygon", "GeometryCollection", ""], dtype=object)

AREA_SOURCES_ZH = ("图形量算（EPSG:4548）", "申报面积（按地名定位，无宗地图形）", "申报面积（位置不明，无宗地图形）",
                   "申报面积（点位，无宗地图形）", "无面积", "申报面积（图形不是面，无法量算）")


def _category(codes, labels) -> pd.Categorical:
    """A ``category`` column of ``labels[codes]`` with only the labels used, in order of first use
    (the order the sliced GeoParquet writer keeps)."""
    codes = np.asarray(codes, dtype=np.int64)
    used, first = np.unique(codes, return_index=True)
    used = used[np.argsort(first)]
    remap = np.full(len(labels), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return pd.Categorical.from_codes(remap[codes], dtype=pd.CategoricalDtype(pd.Index([labels[i] for i in used],
                                                                                      dtype="str")))


def _as_text(values: pd.Series) -> pd.Series:
    """The object column of :func:`_blank_to_na` held as pandas' default text (arrow-backed ``str``
    in pandas 3), missing kept: a few bytes a row instead of a Python string object each (at 10⁶
    parcels the five text fields were ~450 MB as objects). The text is factorised first, so only
    the distinct values become Python strings."""
    if _arrow_text(values) is not None and getattr(values.dtype, "na_value", pd.NA) is not pd.NA:
        return values  # already held so (from :func:`_clean_text`)
    index = values.index
    values = values.to_numpy(dtype=object)
    if len(values) > 1000 and len(pd.unique(values[:1000])) > 500:
        # mostly distinct (ids, names, credit codes): straight to arrow — factorising a million
        # distinct Python strings first costs more than it saves; the same values either way
        return pd.Series(pd.array(values, dtype="str"), index=index)
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    text = pd.array(np.asarray(uniq, dtype=object), dtype="str")
    return pd.Series(text.take(codes, allow_fill=True), index=index)


#: the fields :func:`validate_parcels` cleans into Python-object text, held as ``str`` once it is done
_TEXT_FIELDS = ("parcel_id", "holder", "supply_type", "gov_cause", "credit_code")
#: columns the land-use code lookup adds with a few distinct texts: held as ``category``
_FEW_TEXT_COLUMNS = ("code_system", "code_note", "code_problem")


def _to_category(values: pd.Series) -> pd.Series:
    """``values`` (text) as a ``category`` whose categories are in order of first use (the order the
    sliced GeoParquet writer keeps, :func:`dcf_spatial.land.outputs.write_geoparquet`), missing kept."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    cats = pd.Index(np.asarray(uniq, dtype=object), dtype="str")
    return pd.Series(pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(cats)), index=values.index)


def _compact_text(out, input_columns) -> None:
    """Hold the validated frame's text compactly, in place, column by column (no whole-frame copy):
    the cleaned fields (Python objects) as ``str``; the input's own text columns that the audit
    only carries (a note, a scenario: one text repeated on every row) and the few-valued code
    columns as ``category``. The values are unchanged; at 10⁶ parcels this is ~0.6 GB less."""
    for c in _TEXT_FIELDS:
        if c in out.columns and out[c].dtype == object:
            out[c] = _as_text(out[c])
    known = set(PARCEL_FIELDS_ZH) | set(RESERVED_OUTPUT_COLUMNS) | {"geometry", "location_method", "place_level",
                                                                    "place_name", "address", "read_issue"}
    carried = [c for c in input_columns if c in out.columns and c not in known and not c.endswith("__original")]
    for c in [*carried, *_FEW_TEXT_COLUMNS]:
        if c in out.columns and c != out.geometry.name and isinstance(out[c].dtype, pd.StringDtype):
            out[c] = _to_category(out[c])


# --- rows that are not parcels; dates against each other; ids written differently ---------------

#: the fields whose presence makes a row a parcel's (a date of the contract or the works, a use)
_PARCEL_DATA_FIELDS = PARCEL_DATES + ("land_use_code", "land_use_name", "contract_date", "actual_completion")
#: the reason of a row that is not a parcel, by kind
NOT_A_PARCEL_ZH = "非宗地行（合计/表尾）"


def _blank_mask(values: pd.Series) -> np.ndarray:
    """True where a cell is blank (empty, only spaces, "nan" …), without a Python step per row for
    dates and arrow text."""
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.isna().to_numpy(dtype=bool)
    if _arrow_text(values) is not None:
        return _clean_text(values).isna().to_numpy(dtype=bool)
    return _blank_to_na(values).isna().to_numpy(dtype=bool)


def not_a_parcel_rows(frame) -> tuple[np.ndarray, np.ndarray]:
    """Which rows of a ledger are its total rows (合计/小计/总计, 郑家镇小计, 其中：…) or footers
    (制表人：…, 审核人：…, 填表日期：…, 注：…), not parcels; and the reason of each (Chinese, quoting the cell).

    A row is one when a cell of it is, as a whole, such a text and its 宗地代码 is blank or that text
    itself. A footer is one only on a row without parcel data (no date of the contract or the works,
    no land use). A total or subtotal is one by its label, whatever else the row carries: a
    per-town or per-use 小计 repeats the 镇 and the 用途 of the rows it sums and holds their summed
    area and price — that is what must not be counted twice (breaker B31-13); a label in a remark
    column (备注/说明) does not count there. A parcel whose name merely contains 合计
    (``合计镇工业项目``) or that has a real 宗地代码 stays a parcel.

    Parameters
    ----------
    frame
        The rows as read, with canonical field names (``field_sources`` in ``attrs`` for the labels).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        A bool mask and, per row, the reason ("" where the row is a parcel).

    Examples
    --------
    >>> f = pd.DataFrame({"parcel_id": ["A1", "合计", "合计镇项目", None, "小计"],
    ...                   "agreed_start": ["2021-01-01", None, None, None, None],
    ...                   "land_use_code": [None, None, None, None, "工业用地"],
    ...                   "holder": ["甲", None, "乙", "制表人：张三", None]})
    >>> mask, why = not_a_parcel_rows(f)
    >>> mask.tolist()
    [False, True, False, True, True]
    >>> why[1]
    '非宗地行（合计/表尾）：宗地代码“合计”是表格的合计行，该行无日期、用途等宗地数据；未作为宗地审计，不计入宗数、面积、闲置费等任何合计'
    >>> why[4]
    '非宗地行（合计/表尾）：宗地代码“小计”是表格的合计行，该行所填的用途、日期、镇街、面积等是其所计各宗的汇总，不是一宗地；未作为宗地审计，不计入宗数、面积、闲置费等任何合计'
    """
    n = len(frame)
    mask = np.zeros(n, dtype=bool)
    why = np.full(n, "", dtype=object)
    if not n:
        return mask, why
    # the rows without any parcel data first (in a real ledger few): only those cells are read as
    # text, each field only on the rows still blank in every field before it (at 10⁶ parcels most
    # rows leave with the first field, not after every field was cleaned whole)
    cand = np.ones(n, dtype=bool)
    for f in _PARCEL_DATA_FIELDS:
        if f in frame.columns and cand.any():
            rows = np.flatnonzero(cand)
            column = frame[f] if len(rows) == n else frame[f].iloc[rows]
            cand[rows] = _blank_mask(column)
    sources = frame.attrs.get("field_sources") or {}
    geom = getattr(frame, "geometry", None)
    geom_name = geom.name if geom is not None else None
    columns = [c for c in frame.columns if c != geom_name]
    # the cells a clerk writes such a line in: the id and names first, then any other text column
    order = [c for c in ("parcel_id", "holder", "project_name", "address") if c in columns]
    order += [c for c in columns if c not in order]
    # rows with parcel data: only those with a cell that may be a total's label are read one by one
    totals = _total_label_candidates(frame, [c for c in order if not _REMARK_HEADER.search(str(sources.get(c, c)))],
                                     ~cand)
    _name_ledger_lines(frame, np.flatnonzero(cand), order, sources, mask, why, totals_only=False)
    _name_ledger_lines(frame, totals, order, sources, mask, why, totals_only=True,
                       labels=_label_columns(columns, sources))
    return mask, why


#: a column whose header says it numbers the rows: the label column a clerk writes 小计 in
_ROW_NUMBER_HEADER = re.compile(r"^\s*(?:序号|编号|行号|序|No\.?)\s*$", re.I)
#: what a parcel's own row carries and a subtotal does not repeat: its holder and its dates
_OWN_PARCEL_FIELDS = ("holder", "contract_date") + PARCEL_DATES + ("actual_completion",)


def _label_columns(columns, sources) -> set:
    """The columns that label a row (宗地代码, 序号, the table's first column): a total's label there
    makes the row a total whatever it carries; elsewhere (项目名称, 项目位置 …) only on a row without a
    parcel's own data (breaker B31b-7)."""
    labels = {c for c in columns if c == "parcel_id" or _ROW_NUMBER_HEADER.match(str(sources.get(c, c)))}
    return labels | set(columns[:1])


#: a column whose header says it holds remarks: a 合计 written there says nothing of the row
_REMARK_HEADER = re.compile(r"备注|说明|附注|注释")
#: the words any total's or breakdown's label holds (a cheap vectorised test before the exact one)
_TOTAL_WORDS = "合计|小计|总计|共计|累计|其中"
#: a numbered breakdown 其中(1) / 其中（2） — with a holder and dates, a parcel listed under a total
_NUMBERED_PART = re.compile(r"其中\s*[（(]\s*\d+\s*[)）]")


def _total_label_candidates(frame, columns, rows) -> np.ndarray:
    """The positions among ``rows`` (a mask) where a text cell of ``columns`` holds a total's word
    (合计, 小计 … 其中): vectorised, so a million parcels cost a string search per column, not a
    Python step per row."""
    hit = np.zeros(len(frame), dtype=bool)
    if not rows.any():
        return np.flatnonzero(hit)
    for c in columns:
        values = frame[c]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        found = values.astype("string").str.contains(_TOTAL_WORDS, regex=True, na=False)
        hit |= found.to_numpy(dtype=bool)
    return np.flatnonzero(hit & rows)


def _name_ledger_lines(frame, positions, order, sources, mask, why, *, totals_only: bool, labels=()) -> None:
    """Mark the rows at ``positions`` whose cell (in ``order``) is a total's or footer's text (only a
    total's with ``totals_only``: a row with parcel data), the 宗地代码 blank or that text; in place.

    With ``totals_only``, a row that carries a parcel's own data (土地使用权人, a date) stays a parcel
    when the label is outside the ``labels`` columns, or is a numbered breakdown 其中(1) anywhere: its
    ``why`` is then a 数据问题 naming the cell and ``mask`` stays False."""
    if not len(positions):
        return
    from ..io.rows import ledger_line_kind

    sub = frame.iloc[positions]
    ids = sub["parcel_id"].to_numpy(dtype=object) if "parcel_id" in sub.columns else np.full(len(sub), None)
    cells = {c: sub[c].to_numpy(dtype=object) for c in order}
    own = np.zeros(len(sub), dtype=bool)
    if totals_only:
        for f in _OWN_PARCEL_FIELDS:
            if f in sub.columns:
                own |= ~_blank_mask(sub[f])
    carried = ("该行所填的用途、日期、镇街、面积等是其所计各宗的汇总，不是一宗地" if totals_only
               else "该行无日期、用途等宗地数据")
    for j, i in enumerate(positions):
        id_blank = ids[j] is None or ids[j] is pd.NA or str(ids[j]).strip() in _BLANKS
        for c in order:
            if totals_only and c in sources and _REMARK_HEADER.search(str(sources[c])):
                continue
            kind = ledger_line_kind(cells[c][j])
            # the id blank or the marker itself: a row with a real parcel id is a parcel
            if kind is None or (totals_only and kind == "表尾") or not (id_blank or c == "parcel_id"):
                continue
            label = input_label(c, sources) if c in PARCEL_FIELDS_ZH or c in CHECK_DATES_ZH else \
                {"project_name": "项目名称", "address": "项目位置"}.get(c, str(sources.get(c, c)))
            text = str(cells[c][j]).strip()
            if totals_only and own[j] and (c not in labels or _NUMBERED_PART.fullmatch(text)):
                why[i] = (f"{label}“{text}”写成了表格{kind}的样子，但该行填有土地使用权人或日期等宗地数据，"
                          "已按宗地审计：请核实该行是否为合计行，如是请从台账中删去，如不是请改正该格")
                break
            mask[i] = True
            why[i] = (f"{NOT_A_PARCEL_ZH}：{label}“{str(cells[c][j]).strip()}”是表格的{kind}，{carried}；"
                      "未作为宗地审计，不计入宗数、面积、闲置费等任何合计")
            break


def not_a_parcel_lines(rows, why, *, most: int = 20) -> str:
    """The 非宗地行 named by their 原表行号 and the cell that makes each one (the reason of
    :func:`not_a_parcel_rows` without its common words), at most ``most`` of them: a ledger has a
    合计 row or two and a footer, so the note lists them, not a sheet.

    Examples
    --------
    >>> why = not_a_parcel_rows(pd.DataFrame({"parcel_id": ["A1", "合计"], "agreed_start": ["2021-01-01", None]}))[1]
    >>> not_a_parcel_lines([11], why[1:])
    '原表第 11 行（宗地代码“合计”，合计行）'
    """
    head = f"{NOT_A_PARCEL_ZH}："
    shown = []
    for row, text in zip(list(rows)[:most], list(why)[:most]):
        cell, _, kind = str(text).removeprefix(head).partition("是表格的")
        shown.append(f"原表第 {int(row)} 行（{' '.join(cell.split())}，{kind.split('，')[0]}）")
    more = len(rows) - len(shown)
    return "；".join(shown) + (f"；另 {more:,} 行见清单中结论为“{NOT_A_PARCEL_ZH}”的记录" if more > 0 else "")


def row_number_note(header_lines=None, *, what: str = "该宗地在输入表格中", end: str = "。") -> str:
    """The 说明 sentence on 原表行号 of a table read with its own line numbers: where its header is
    (``header_lines``, :data:`~dcf_spatial.io.tables.HEADER_LINES`; a title row above moves it down),
    never a fixed 第 1 行.

    Examples
    --------
    >>> row_number_note([2])
    '“原表行号”为该宗地在输入表格中的行号，与在 Excel/WPS 中看到的一致（表头在第 2 行，记录自第 3 行起）。'
    """
    said = ""
    if header_lines:
        said = (f"（表头在第 {'、'.join(str(int(x)) for x in header_lines)} 行，"
                f"记录自第 {int(header_lines[-1]) + 1} 行起）")
    return f"“原表行号”为{what}的行号，与在 Excel/WPS 中看到的一致{said}{end}"


def parcel_key(values) -> pd.Series:
    """The key a 宗地编号 is matched on, as a clerk's ids vary between the two tables.

    Unicode NFKC (full-width letters, digits and dashes become half-width), every space removed,
    upper case; an id of digits only loses its leading zeros (``'0012'`` = ``12``), and a number
    read from Excel as ``12.0`` is ``'12'``. Blank → missing.

    Examples
    --------
    >>> parcel_key(pd.Series(["0012", 12.0, " dcf 2019－001 ", "ＤＣＦ2019-001", None, " "])).tolist()
    ['12', '12', 'DCF2019-001', 'DCF2019-001', <NA>, <NA>]
    """
    s = pd.Series(values)

    def text(v):  # Excel gives whole numbers as floats: 12.0 is the id 12 (one Python step per id, few ids)
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v)

    if isinstance(s.dtype, (pd.StringDtype, pd.CategoricalDtype)):  # read as text (field_aliases text_fields)
        k = s.astype("string")
    else:
        k = s.astype(object).map(text).astype("string")
    k = k.str.normalize("NFKC").str.replace(r"\s+", "", regex=True).str.upper()
    k = k.mask(k == "")
    digits = k.str.fullmatch(r"\d+").fillna(False)
    stripped = k.str.lstrip("0").mask(lambda x: x == "", "0")
    return k.where(~digits, stripped)


def parcel_id_keys(ids: pd.Series) -> pd.Series:
    """The key a parcel id is compared on for repeats: as the enterprise side matches 宗地编号
    (:func:`dcf_spatial.land.efficiency.parcel_key`: ``0007`` = ``7``, spaces, full-width characters
    and case ignored). Blank → missing.

    Examples
    --------
    >>> parcel_id_keys(pd.Series(["0007", "7", " ｄｃｆ-1", None])).tolist()
    ['7', '7', 'DCF-1', <NA>]
    """
    arr = _arrow_text(ids)
    if arr is None:
        return parcel_key(ids).reset_index(drop=True).set_axis(ids.index)
    # Arrow-backed text: the same steps in Arrow's kernels (a third of the CPU of pandas' string
    # methods at 10⁶ ids). Hand-written to match parcel_key: NFKC, the characters Python's ``\s``
    # matches (``str.isspace``, :data:`_PY_WHITESPACE`) removed, upper case, ASCII digits only losing
    # their leading zeros (after NFKC full-width digits are ASCII); tests/test_idle_ledger_lines.py
    # checks both ways give the same keys.
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.chunked_array([arr]) if not isinstance(arr, pa.ChunkedArray) else arr
    blank = "".join(f"\\x{{{ord(c):x}}}" for c in _PY_WHITESPACE)
    k = pc.utf8_upper(pc.replace_substring_regex(pc.utf8_normalize(arr, "NFKC"), f"[{blank}]+", ""))
    trimmed = pc.utf8_ltrim(k, "0")
    trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar("0", type=k.type), trimmed)
    k = pc.if_else(pc.match_substring_regex(k, "^[0-9]+$"), trimmed, k)
    k = pc.if_else(pc.equal(k, ""), pa.scalar(None, type=k.type), k)
    return pd.Series(pd.arrays.ArrowStringArray(k), index=ids.index)


def date_conflicts(out, raw_checks: dict, sources: dict | None, *, months: dict | None = None) -> np.ndarray:
    """The ledger's dates that contradict each other, per row (Chinese, ``""`` where none): a
    合同签订日期 after the 约定动工日期 or after the 实际动工日期 (the works cannot be agreed to start,
    nor start, before the contract is signed), and an 实际竣工日期 before the 实际动工日期. Each names
    both fields and both dates; the audit's conclusion is not changed by it.

    ``out`` holds the parsed ``agreed_start``/``actual_start``; ``raw_checks`` the parsed optional
    dates (:data:`CHECK_DATES_ZH`) present in the input; ``months`` (field → bool Series) marks those given
    to the month only (2024年10月, read as the month's first day): a conflict is said when every day of
    the month conflicts; when only some days do, the row is asked for the day.

    Examples
    --------
    >>> o = pd.DataFrame({"agreed_start": pd.to_datetime(["2022-01-01", "2022-01-01"]),
    ...                   "actual_start": pd.to_datetime(["2021-06-01", None])})
    >>> c = {"contract_date": pd.Series(pd.to_datetime(["2023-05-01", "2021-01-01"]))}
    >>> date_conflicts(o, c, None)[0]
    '合同签订日期 2023-05-01 晚于约定动工日期 2022-01-01；合同签订日期 2023-05-01 晚于实际动工开发日期（第三十条标准） 2021-06-01（动工不能早于签订合同）：请核实上述日期'
    """
    n = len(out)
    text = np.full(n, "", dtype=object)
    pairs = []  # (earlier field, its dates, later field, its dates, what is wrong)
    contract = raw_checks.get("contract_date")
    done = raw_checks.get("actual_completion")
    agreed = pd.to_datetime(out["agreed_start"]) if "agreed_start" in out.columns else None
    actual = pd.to_datetime(out["actual_start"]) if "actual_start" in out.columns else None
    if contract is not None and agreed is not None:
        pairs.append(("contract_date", contract, "agreed_start", agreed, "晚于", ""))
    if contract is not None and actual is not None:
        pairs.append(("contract_date", contract, "actual_start", actual, "晚于", "（动工不能早于签订合同）"))
    if done is not None and actual is not None:
        pairs.append(("actual_completion", done, "actual_start", actual, "早于", "（竣工不能早于动工）"))
    months = months or {}
    for f1, d1, f2, d2, word, tail in pairs:
        a = pd.DatetimeIndex(np.asarray(d1, dtype="datetime64[ns]"))
        b = pd.DatetimeIndex(np.asarray(d2, dtype="datetime64[ns]"))
        month = np.asarray(months[f1], dtype=bool) if f1 in months else np.zeros(n, dtype=bool)
        last = a.where(~month, a + pd.offsets.MonthEnd(0))  # a month-only date: its first and last day
        known = np.asarray(~a.isna() & ~b.isna(), dtype=bool)
        every = np.asarray((a > b) if word == "晚于" else (last < b), dtype=bool) & known
        some = np.asarray((last > b) if word == "晚于" else (a < b), dtype=bool) & known & ~every
        for i in np.flatnonzero(every):
            when = f"{a[i]:%Y年%m月}" if month[i] else f"{a[i]:%Y-%m-%d}"
            part = (f"{input_label(f1, sources)} {when} {word}{input_label(f2, sources)} {b[i]:%Y-%m-%d}{tail}")
            text[i] = part if not text[i] else f"{text[i]}；{part}"
        for i in np.flatnonzero(some):
            part = (f"{input_label(f1, sources)}只填到月（{a[i]:%Y年%m月}），是否{word}{input_label(f2, sources)} "
                    f"{b[i]:%Y-%m-%d} 随该月哪一天而不同，请填写到日")
            text[i] = part if not text[i] else f"{text[i]}；{part}"
    has = text != ""
    text[has] = text[has] + "：请核实上述日期"
    return text


def validate_parcels(gdf, *, source: str = "parcels", code_system: str = "auto", working=None,
                     area_unit: str | None = None, infer_area_unit: bool = True):
    """Type and check a parcel GeoDataFrame (any CRS) already carrying canonical field names.

    Returns a copy, indexed and ordered like the input (nothing dropped), with dates parsed,
    numbers parsed, land-use codes looked up, credit codes checked, ``area_m2``/``area_mu`` measured
    in the working CRS, ``row`` (1-based row in the file), ``duplicate_id``, ``bad_fields``
    (``;``-joined canonical names of unreadable values) and ``problems`` (Chinese; empty when fine).

    ``working`` is ``gdf``'s geometry already in EPSG:4548 (:func:`working_geometry`), row for
    row; given, it is used for the areas instead of reprojecting again. It may also be a callable
    returning that geometry (e.g. ``future.result`` of a reprojection running in another thread),
    called only when the areas are measured, after the fields are checked.

    ``area_unit`` (亩/公顷/平方米) is the unit of an area column whose header names none (面积); without it
    that column is read in the one unit its values fit, or not used (:mod:`dcf_spatial.land.area_unit`);
    ``infer_area_unit=False`` (a partition) does not infer it.

    Raises
    ------
    SchemaError
        When a required field (parcel_id, agreed_start, actual_start, land_use_code) is absent.
    """
    import geopandas as gpd

    from .. import settings
    from ..crs import to_working
    from ..io import declared_area_m2
    from ..io.tables import HEADER_LINES

    notes = []
    # a ledger's 合计/小计 rows and footers (制表人：…) are listed, not audited nor counted (read as they were typed)
    skip, skip_why = not_a_parcel_rows(gdf)
    # a name typed in the code column (工业用地 under 用途 mapped to it) is read as in a 土地用途 column
    gdf, name_why, given_codes = _codes_from_ledger_names(gdf, notes, code_system)
    _require(gdf, PARCEL_REQUIRED, source, "parcel")
    out = _prepare_columns(gdf, RESERVED_OUTPUT_COLUMNS, PARCEL_FIELDS_ZH, "审计结果", notes)
    n = len(out)
    problems = np.full(n, "", dtype=object)
    bad_fields = np.full(n, "", dtype=object)
    lines = gdf.attrs.get("row_numbers")
    table_lines = lines is not None and len(lines) == n
    if table_lines:
        # a table's own line numbers (title rows above the header counted): the 原表行号 a clerk finds in
        # Excel/WPS, as the efficiency audit and the batch site check count
        out["row"] = np.asarray(lines, dtype=np.int64)
        notes.append(row_number_note(gdf.attrs.get(HEADER_LINES)))
    else:
        notes.append("“原表行号”为该宗地在输入文件中的序号（第一条记录为 1）。")
    sources = gdf.attrs.get("field_sources")

    # arrow text stays arrow (no Python string per row); other columns as Python objects, then held as text
    out["parcel_id"] = _clean_text(out["parcel_id"]) if _arrow_text(out["parcel_id"]) is not None \
        else _blank_to_na(out["parcel_id"])
    _append_problem(problems, out["parcel_id"].isna(), "宗地代码为空")
    # a total's label on a row that carries a parcel's own data: audited, the cell to check said
    _append_problem(problems, (skip_why != "") & ~skip, skip_why)
    _control_characters_in_ids(out["parcel_id"], problems)
    # ids compared as the enterprise side matches them (0007 = 7, spaces, full-width and case ignored)
    key = parcel_id_keys(out["parcel_id"])
    if skip.any():
        key = key.mask(skip)
    # both answers from one factorisation (two ``duplicated`` calls hashed every id twice): codes in
    # order of first use, so a row is its id's first exactly when its code exceeds every code before it
    id_codes, _ = pd.factorize(key, use_na_sentinel=True)
    id_codes = np.asarray(id_codes, dtype=np.int64)
    seen = np.bincount(id_codes[id_codes >= 0], minlength=1)
    dup_np = (id_codes >= 0) & (seen[np.clip(id_codes, 0, None)] > 1)
    dup = pd.Series(dup_np, index=key.index)
    out["duplicate_id"] = dup_np
    # one parcel, one share of every total: of the rows sharing an id, the first (the input's order,
    # the smallest 原表行号) counts; the others stay in every list, marked, but add nothing to a sum
    before = np.maximum.accumulate(np.concatenate(([-1], id_codes[:-1]))) if len(id_codes) else id_codes
    repeat = dup_np & (id_codes <= before)
    del id_codes, seen, before
    out["in_totals"] = ~repeat & ~skip
    if dup.any():
        ids = out.loc[dup, "parcel_id"].astype(str)
        keys = key[dup]
        counts = keys.map(keys.value_counts())
        forms = ids.groupby(keys.to_numpy()).agg(lambda v: "、".join(dict.fromkeys(v)))
        # (no line number in the text: the dask engine numbers its rows after this validation)
        again = repeat[dup.to_numpy()]
        text = [f"宗地代码“{i}”重复（共{c}条，均保留、未合并，请核实）；"
                + (f"写法不同的“{forms[k]}”按同一宗地代码计（前导零、空格、全角和大小写不计）；" if "、" in forms[k] else "")
                + ("汇总与合计只计该代码的第一条记录（原表行号最小者），本条不重复计入" if a else "汇总与合计只计本条一次")
                for i, k, c, a in zip(ids, keys, counts, again)]
        _append_problem(problems, dup, lambda m: text)
        notes.append(f"{int(dup.sum())} 条记录的宗地代码重复，均保留并列入问题清单；每个宗地代码在汇总与合计中只计一次"
                     f"（计原表中的第一条），另 {int(repeat.sum())} 条重复记录不计入面积、宗数与闲置费合计")
    # each cleaned text field is held compactly as soon as its last use as Python objects is past
    # (as _compact_text would at the end): at 10⁶ parcels the ids, holders and credit codes were
    # ~0.2 GB of Python strings alive at once until then; the values are the same
    out["parcel_id"] = _as_text(out["parcel_id"])

    # 延期情况 “因政府规划调整延期至2023年4月1日”: the date and the 第八条 cause read from the sentence (QA7 #2)
    from .extension_text import read_extension_column, remark_extensions

    # the same sentence in 备注/说明 (QA nu #3): read as the 延期情况 column is, never dropped silently
    ext_label = input_label("extension_until", sources) if (sources or {}).get("extension_until") else "延期情况"
    remark = remark_extensions(out, gdf, problems, _append_problem, label=ext_label)
    n_ext = read_extension_column(out, problems, _append_problem, ext_label,
                                  input_label("gov_cause", sources), parse_dates=parse_dates, source=remark.source)
    n_ext -= int((remark.source != "").sum())   # those are said by the 备注 note
    if n_ext > 0:
        notes.append(f"{n_ext} 条记录的{input_label('extension_until', sources)}为文字说明，已从中读出延期日期和原因"
                     "（第八条情形的才认可延期，最长一年，第十二条第（一）项），读法见各条“数据问题”")
    notes.extend(remark.notes)
    placeholders = []
    month_fields = np.full(n, "", dtype=object)  # the date fields given to the month only (2019年3月)
    for f in PARCEL_DATES:
        raw = out[f]
        dates, bad, month = parse_dates(raw, months=True)
        if month.any():  # read as the month's first day; the audit tries every day of the month (idle_audit)
            _append_problem(month_fields, month.to_numpy(), f, sep=";")
        if f in AGREEMENT_DATES and not pd.api.types.is_datetime64_any_dtype(raw):
            # 未开工 in an agreed (合同/决定书) date column is the works' state typed in the wrong column:
            # no agreement date was given; named as a bad value, not read as "none" (a missing date)
            said = _said_not_yet(raw)
            if said.any():
                dates.attrs["placeholders"] = max(0, dates.attrs.get("placeholders", 0) - int(said.sum()))
                _append_problem(problems, said, _quoted(raw, input_label(f, sources) + "的值",
                                                        "是工程进度，不是约定日期：请填写出让合同或划拨决定书约定的日期"))
                _append_problem(bad_fields, said, f, sep=";")
        if dates.attrs.get("placeholders"):
            placeholders.append(f"{input_label(f, sources)} {dates.attrs['placeholders']} 个")
        out[f] = dates
        if bad.any():
            _append_problem(problems, bad, _quoted(raw, input_label(f, sources) + "的值",
                                                   "无法识别为日期"))
            _append_problem(bad_fields, bad, f, sep=";")
    check_dates, check_months = {}, {}
    for f in CHECK_DATES_ZH:  # read to check them against the others only (the rules do not use them)
        if f in out.columns:
            raw = out[f]
            # a month without a day (2024年10月) is read as the rule dates read it (QA7 #5): the check is
            # decided where every day of the month gives the same answer (date_conflicts)
            check_dates[f], bad, check_months[f] = parse_dates(raw, months=True)
            out[f] = check_dates[f]
            _append_problem(problems, bad.to_numpy() & ~skip, _quoted(raw, input_label(f, sources) + "的值", "无法识别为日期"))
    conflicts = date_conflicts(out, check_dates, sources, months=check_months)
    _append_problem(problems, (conflicts != "") & ~skip, conflicts)
    if (month_fields != "").any():
        notes.append(f"{int((month_fields != '').sum())} 条记录的日期只填到月（如“2019年3月”）：按该月每一天审计，结论都相同的照此判定"
                     "并在理由中注明；结论随日期不同的列为数据不足，请填写到日。")
    for f, month in check_months.items():   # named too, so the workbook shows them to the month (QA30 F8)
        if month.any():
            _append_problem(month_fields, month.to_numpy(), f, sep=";")
    some = month_fields != ""
    out["month_fields"] = (pd.Categorical(month_fields) if some.any()  # (no per-row factorisation when none)
                           else pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[""]))
    if placeholders:
        notes.append("日期为占位值（1900-01-01、9999-12-31、--、无 等）或写作“未开工”“尚未开工”“未竣工”等的，"
                     "按“无日期”（尚未发生）处理：" + "、".join(placeholders))
    for f in PARCEL_NUMBERS:
        raw = out[f]
        num, bad = parse_numbers(raw)
        out[f] = num.where(~bad)
        if bad.any():
            _append_problem(problems, bad, _quoted(raw, _zh_label(f) + "的值", "不是非负数：请只填数字（单位见字段名，如 12），不要带“万”“元”等文字；该项按缺失计"))
            _append_problem(bad_fields, bad, f, sep=";")
    for f in ("holder", "supply_type", "gov_cause", "credit_code"):
        if f in ("holder", "gov_cause", "credit_code"):  # text from here on (credit codes: checked as text)
            out[f] = _clean_text(out[f])
        else:
            out[f] = _blank_to_na(out[f])
    # 中国土地市场网 writes the way of sale: 挂牌出让 / 拍卖出让 / 招标出让 / 协议出让 are all 出让. Each
    # distinct value is judged once (a column holds few), not a Python text method per row (~0.15 s at 10⁶)
    kind_of, kinds = pd.factorize(out["supply_type"].to_numpy(dtype=object), use_na_sentinel=True)
    given = kind_of >= 0
    kinds = np.asarray(kinds, dtype=object)
    kind_of = np.where(given, kind_of, len(kinds))  # a blank: the last entry (False) of each verdict below
    sold = np.array([str(k).endswith("出让") and k != "出让" for k in kinds] + [False], dtype=bool)[kind_of]
    if sold.any():
        out["supply_type_original"] = out["supply_type"]
        out.loc[sold, "supply_type"] = "出让"
        notes.append(f"{int(sold.sum())} 宗的供地方式为挂牌/拍卖/招标/协议出让，按“出让”审计（原值保留在 supply_type_original）")
    bad_supply = given & ~sold & ~np.array([k in SUPPLY_TYPES for k in kinds] + [True], dtype=bool)[kind_of]
    _append_problem(problems, bad_supply, _quoted(out["supply_type"], "供地方式", "不是出让或划拨"))

    looked = codes.validate_land_use_codes(out["land_use_code"], system=code_system)
    if given_codes:  # which classification the codes follow says nothing when only names were given
        notes.append(looked.attrs["note"])
    for col in looked.columns:
        # text as it is (arrow): its to_numpy() was a Python string per row, made text again on assignment
        out[col] = looked[col] if col == "land_use_code" else \
            looked[col].array if _arrow_text(looked[col]) is not None else looked[col].to_numpy()
    n_old = int((looked["code_note"] != "").sum()) if "code_note" in looked.columns else 0
    if n_old:
        notes.append(f"{n_old} 宗的地类编码为 GB/T 21010-2007 旧编码（如 061），已译为 2017 编码，译法见 code_note 列（待核实）")
    _industry_codes(out, notes)
    bad_code = ~looked["code_valid"].to_numpy()
    # a name that gave no code is named as typed (土地用途“火星用地”不是…), not as an empty code
    unnamed = name_why != ""
    _append_problem(problems, bad_code, np.where(unnamed, name_why + "：请填写 GB/T 21010-2017 的地类名称或地类编码",
                                                 looked["code_problem"].to_numpy(dtype=object)))
    _append_problem(problems, unnamed & ~bad_code, name_why)   # a shorthand read as its name, to confirm
    _append_problem(bad_fields, bad_code & out["land_use_code"].notna().to_numpy(), "land_use_code", sep=";")

    valid_cc = codes.credit_code_valid(out["credit_code"])
    out["credit_code_valid"] = valid_cc
    bad_cc = valid_cc.eq(False).fillna(False).to_numpy()
    _append_problem(problems, bad_cc, _quoted(out["credit_code"], "统一社会信用代码", "校验不通过（GB 32100-2015）"))
    out["credit_code"] = _as_text(out["credit_code"])

    if "read_issue" in out.columns:
        issue = _blank_to_na(out["read_issue"]).to_numpy(dtype=object)
        has_issue = np.array([v is not None for v in issue], dtype=bool)
        _append_problem(problems, has_issue, lambda m: np.array(["读入：" + v for v in issue[m]], dtype=object))
    # an area column without a unit (面积): the unit given, else the one its values fit, else unused (QA nu #6)
    from .area_unit import area_unit_code, read_unitless_area, unitless_area_column

    unit_code = area_unit_code(area_unit)
    unitless_col = unitless_area_column(gdf)
    unitless = None
    if unitless_col is not None:
        unitless = read_unitless_area(gdf, unitless_col, unit=unit_code, skip=skip, infer=infer_area_unit)
        notes.append(unitless.note)
        if unitless.m2 is not None:
            out["area_m2"] = unitless.m2
        if unitless.bad.any():
            typed_area = gdf[unitless_col].astype(object).to_numpy()
            _append_problem(problems, unitless.bad, lambda m: np.array(
                [_bad_area_text(unitless_col, v) for v in typed_area[m]], dtype=object))
            _append_problem(bad_fields, unitless.bad, "area_m2", sep=";")
    elif unit_code is not None:
        notes.append("指定的面积单位未使用：文件中没有未注明单位的面积列（面积取自注明单位的列或宗地图形）")
    declared = declared_area_m2(out)
    _area_cell_problems(gdf, problems, bad_fields)
    if "area_m2" in out.columns:
        out["area_m2_declared"] = out["area_m2"]
        given = pd.to_numeric(out["area_m2"], errors="coerce").to_numpy(dtype=float)
        unusable = ~np.isnan(given) & np.isnan(declared)  # inf, ≤ 0 or beyond any parcel: not an area
        if unusable.any():
            from ..io.tables import NUMBER_TEXT

            typed = (gdf.attrs.get(NUMBER_TEXT) or {}).get("area_m2")  # "1e400" quoted as typed, not "inf"
            _append_problem(problems, unusable, _quoted(_as_typed(out["area_m2"], typed), "宗地面积（m²）的值",
                                                        "不是可用的面积（须为正数且不超过合理上限）；按图形量算或按缺失计"))
            _append_problem(bad_fields, unusable, "area_m2", sep=";")
    geom = out.geometry
    no_geom = (geom.isna() | geom.is_empty).to_numpy()
    by_name = (out["location_method"].astype(object).to_numpy() == "按地名定位") if "location_method" in out.columns \
        else np.zeros(n, dtype=bool)
    # a row of a table without coordinates (a 供地 ledger) is not wrong for lacking a geometry: the
    # audit needs dates, areas and money; only its place is unknown (位置不明 in the summaries)
    unplaced = ((out["location_method"].astype(object).to_numpy() == "位置不明") if "location_method" in out.columns
                else np.zeros(n, dtype=bool)) & ~skip
    ledger = unplaced & ~np.isnan(declared)
    # a ledger row whose place text could not be placed is a record to correct (QA user F6): on 问题记录, with
    # the fix its 定位说明 gives (a name to use instead, or coordinates)
    from ..places import ADDRESS_COLUMN, column_label

    _append_problem(problems, _place_to_correct(out, unplaced), lambda m: np.array(
        [f"{column_label(ADDRESS_COLUMN, gdf.attrs).removesuffix('列')}无法定位（位置不明，分区汇总计入“位置不明”）：{r}"
         for r in out["place_reason"].to_numpy(dtype=object)[m]], dtype=object))
    # a ledger row without coordinates has no geometry to lack: its missing area is said as such (QA user F10)
    _append_problem(problems, no_geom & unplaced & ~ledger,
                    "表中没有可用的宗地面积，也没有宗地图形：请在表中给出宗地面积（平方米/亩/公顷），或提供宗地图形")
    _append_problem(problems, no_geom & ~unplaced & ~skip, "无几何图形，无法计算面积和所在区域")
    if callable(working):  # reprojected in another thread meanwhile: its answer is needed from here on
        working = working()
    if working is not None and len(working) == n:
        area = np.asarray(working.area, dtype=float)
    elif isinstance(out, gpd.GeoDataFrame) and out.crs is not None:
        area = to_working(out[[out.geometry.name]]).geometry.area.to_numpy()
    else:
        area = np.full(n, np.nan)
    area = np.where(no_geom, np.nan, area)
    # A parcel given as a point (a table with 经度/纬度) has no drawn area: its declared 宗地面积 is used.
    # the geometry types as shapely's codes, named once per code: ``geom_type`` made a text per parcel
    # and hashed them all twice (~0.3 s at 10⁶ parcels); the same names
    import shapely

    gtype = _GEOM_TYPE_NAMES[shapely.get_type_id(np.asarray(geom.array, dtype=object))]
    pointlike = ~no_geom & ~np.isin(gtype, ["Polygon", "MultiPolygon"])
    use_declared = pointlike & ~np.isnan(declared)
    area = np.where(pointlike | ledger, declared, area)
    out["area_m2"] = area
    out["area_mu"] = area / settings.MU_M2
    if dup.any():
        _duplicate_area_conflicts(key, dup.to_numpy(), out["area_mu"].to_numpy(dtype=float), problems)
    # a category (one byte a row) made from the codes of the few labels, not a text per parcel
    # a line or a collection is drawn, but not as an area: named by its type, not called a point
    point = pointlike & np.isin(gtype, ["Point", "MultiPoint"])
    other = pointlike & ~point
    out["area_source"] = _category(np.select([use_declared & by_name, ledger, use_declared & other, use_declared,
                                              pointlike | no_geom],
                                             [1, 2, 5, 3, 4], default=0),
                                   AREA_SOURCES_ZH)
    no_area = pointlike & np.isnan(declared)
    if unitless is not None and (unitless.row_text != "").any():
        # the area is in the table, only its unit is unknown: said so, with the way to give it
        said_unit = (unitless.row_text != "") & (no_area | (no_geom & ~ledger)) & ~skip
        _append_problem(problems, said_unit, unitless.row_text)
        no_area = no_area & ~said_unit
    # a row placed by its 项目位置 was given no point (QA user F10): said in the clerk's words
    _append_problem(problems, no_area & point & by_name,
                    "按地名定位的宗地没有宗地图形，表中也没有可用的宗地面积：请在表中给出宗地面积（平方米/亩/公顷），或提供宗地图形")
    _append_problem(problems, no_area & point & ~by_name,
                    "点位宗地没有宗地面积：请在表中给出宗地面积（平方米/亩/公顷），或提供宗地图形")
    _append_problem(problems, no_area & other, lambda m: np.array(
        [f"宗地图形为{_GEOM_ZH.get(t, t)}（{t}），不是面，无法量算面积，且表中没有宗地面积：请提供宗地的面图形"
         "（Polygon），或在表中给出宗地面积（平方米/亩/公顷）" for t in gtype[m]], dtype=object))
    if (point & ~by_name).any():
        notes.append(f"{int((point & ~by_name).sum())} 宗为点位（无宗地图形）：面积取表中申报的宗地面积"
                     f"（{int((use_declared & point & ~by_name).sum())} 宗有值），所在镇街/区按点位判断")
    if (other & ~by_name).any():
        kinds = "、".join(sorted(set(gtype[other & ~by_name])))
        notes.append(f"{int((other & ~by_name).sum())} 宗的图形不是面（{kinds}），无法量算面积：面积取表中申报的宗地面积"
                     f"（{int((use_declared & other & ~by_name).sum())} 宗有值），所在镇街/区按图形位置判断")
    if "area_m2_declared" in out.columns and (~pointlike & ~no_geom).any():
        notes.append("有宗地图形的宗地按图形在 EPSG:4548 量算面积；文件中的宗地面积保留为 area_m2_declared")
    lacking = int((np.isnan(np.asarray(out["area_m2"], dtype=float)) & ~skip).sum())  # a footer has no area to lack
    if lacking:  # never left out of the totals without a word
        notes.append(f"{lacking} 宗没有可用的面积（面积列为空或无法读取，且无可量算的宗地图形）：各宗仍有结论，"
                     "但不计入面积合计；见问题记录")
    if skip.any():  # its reason alone: "宗地代码为空", "缺少约定动工日期" … say nothing of a 合计 row
        # carried to the audit's reason (idle_audit._mark_not_a_parcel empties 数据问题 then: no record to correct)
        problems[skip] = skip_why[skip]
        bad_fields[skip] = ""
        notes.append(f"{int(skip.sum())} 行是表格的合计行或表尾（合计、小计、其中、制表人、审核人、填表日期、注 等；"
                     "小计行即使填有用途、镇街也是汇总）："
                     f"列入清单，结论为“{NOT_A_PARCEL_ZH}”，不作为宗地审计，不计入宗数、面积、闲置费等任何合计，"
                     "也不是需核实补正的记录（不列入问题记录）"
                     + (f"：{not_a_parcel_lines(out['row'].to_numpy()[skip], skip_why[skip])}" if table_lines else ""))
    out["not_a_parcel"] = skip
    out["problems"] = problems
    out["bad_fields"] = bad_fields
    _compact_text(out, gdf.columns)
    used_here = set(remark.read_columns) | ({unitless_col} if unitless is not None else set())   # said in its own note
    unused = [c for c in unused_input_columns(gdf, PARCEL_USED) if c not in used_here]
    if unused:
        notes.append("以下输入列本审计未使用（原样保留，不影响结论；如其中有审计需要的内容，请改列名，或用字段映射 <目标字段>=<列名> 指明）："
                     + "、".join(unused))
    out.attrs["field_sources"] = dict(gdf.attrs.get("field_sources") or {})
    out.attrs["read_notes"] = notes
    n_prob = int((problems != "").sum())
    logger.info("Validated %d parcels from %s: %d with problems", n, source, n_prob)
    return out


def _duplicate_area_conflicts(key: pd.Series, dup: np.ndarray, area_mu: np.ndarray, problems: np.ndarray) -> None:
    """Rows sharing a parcel id whose areas differ (10 亩 on one row, 11 亩 on another) say both areas:
    a repeated id is not merged, and which area is right is for the bureau to check.

    Examples
    --------
    >>> p = np.full(3, "", dtype=object)
    >>> _duplicate_area_conflicts(pd.Series(["A", "A", "B"]), np.array([True, True, False]),
    ...                           np.array([10.0, 11.0, 5.0]), p)
    >>> p[0]
    '同一宗地代码的各条记录面积不同（10.00 亩、11.00 亩），请核实哪一条正确；合计只计第一条'
    """
    pos = np.flatnonzero(dup)
    # the repeated rows' keys only as Python strings (not every row's: ~0.08 s at 10⁶ parcels)
    frame = pd.DataFrame({"k": key.iloc[pos].to_numpy(dtype=object), "a": np.round(area_mu[pos], 2)})
    # each id's distinct areas in row order (the first row of each (id, area) pair), then listed for
    # the ids with more than one: a Python call per repeated id was ~0.25 s at 10⁶ parcels
    distinct = frame[frame["a"].notna()].drop_duplicates(["k", "a"])
    many = distinct["k"].duplicated(keep=False).to_numpy()
    if not many.any():
        return
    differ = distinct[many].groupby("k", sort=False)["a"].agg(list)
    texts = {k: "同一宗地代码的各条记录面积不同（" + "、".join(f"{a:,.2f} 亩" for a in v) + "），请核实哪一条正确；合计只计第一条"
             for k, v in differ.items()}
    hit = frame["k"].map(texts)
    mask = np.zeros(len(problems), dtype=bool)
    mask[pos[hit.notna().to_numpy()]] = True
    _append_problem(problems, mask, lambda m: hit[hit.notna()].tolist())


def _bad_area_text(col: str, value) -> str:
    """Why an area cell was not read (see :func:`dcf_spatial.io.aliases.area_numbers`), in Chinese.

    Examples
    --------
    >>> _bad_area_text("面积(亩)", "1,5")
    '面积(亩)「1,5」无法确定是 1.5 还是 15（逗号只作千位分隔，如 1,500）：请改为其中一个，按缺失计'
    >>> _bad_area_text("面积(亩)", "nan")
    '面积(亩)「nan」是文字，不是面积（空单元格才是没有面积）：请填写面积或清空单元格，按缺失计'
    """
    text = str(value).strip()
    if "," in text or "，" in text:
        plain = text.replace("，", ",")
        return (f"{col}「{text}」无法确定是 {plain.replace(',', '.')} 还是 {plain.replace(',', '')}"
                "（逗号只作千位分隔，如 1,500）：请改为其中一个，按缺失计"
                if plain.count(",") == 1 else f"{col}「{text}」的逗号不是千位分隔（如 1,500）：请只填数字，按缺失计")
    if text.lower() in ("nan", "none", "null", "n/a"):
        return f"{col}「{text}」是文字，不是面积（空单元格才是没有面积）：请填写面积或清空单元格，按缺失计"
    return f"{col}「{text}」不是数字：请只填数字（单位见列名），按缺失计"


def _control_characters_in_ids(ids: pd.Series, problems: np.ndarray) -> None:
    """A 宗地代码 holding a control character (a NUL from a damaged export) is named on its row: the id is
    kept as given (matched and de-duplicated as typed), and the row says that an Excel workbook shows the
    character as � — an identifier is never changed without a word."""
    from ..io.tables import CONTROL_CHARACTERS, shown_control_characters

    bad = ids.astype("string").str.contains(CONTROL_CHARACTERS.pattern, regex=True, na=False).to_numpy(dtype=bool)
    if bad.any():
        typed = ids.astype(object).to_numpy()
        _append_problem(problems, bad, lambda m: np.array(
            [f"宗地代码“{shown_control_characters(v)}”含控制字符（引号中写作 \\xNN 处，如 NUL 即 \\x00），原表如此：按原值核对与去重；"
             "Excel 工作簿不能保存该字符，其中显示为 �（U+FFFD），请在原台账中核对宗地代码" for v in typed[m]], dtype=object))


def _area_cell_problems(gdf, problems: np.ndarray, bad_fields: np.ndarray) -> None:
    """Each area cell that is not a number (``面积/亩「约30」不是数字``) and each row whose two area
    columns (面积(亩) and 面积(公顷)) disagree by more than 1 % is named in the row's problems."""
    from ..io.aliases import _UNIT_M2, alt_area_keys, area_numbers, header_unit

    sources = gdf.attrs.get("field_sources") or {}
    read = {}
    for key in ("area_m2", *alt_area_keys("area_m2", sources)):
        col = sources.get(key)
        if col is None or col not in gdf.columns or col == "area_m2":
            continue
        hit = header_unit(col)
        nums, bad = area_numbers(gdf[col], hit[1] if hit else None)
        if key != "area_m2":  # 1e400 in a further column fills nothing: named here, not dropped
            bad = bad | np.isinf(nums.to_numpy(dtype=float))
        read[key] = (col, nums.to_numpy(dtype=float) * (_UNIT_M2[hit[1]][1] if hit else 1.0))
        if bad.any():
            typed = gdf[col].astype(object).to_numpy()
            _append_problem(problems, bad, lambda m, typed=typed, col=col: np.array(
                [_bad_area_text(col, v) for v in typed[m]], dtype=object))
            _append_problem(bad_fields, bad, "area_m2", sep=";")
    if "area_m2" in read and len(read) >= 2:
        # each row's area is its first column with a value; every other column that disagrees is named,
        # with the column the area was taken from
        c1, a = read["area_m2"]
        used = a.copy()
        taken = np.where(np.isnan(a), None, c1).astype(object)
        for key in list(read)[1:]:
            c2, b = read[key]
            with np.errstate(invalid="ignore"):
                differ = ~np.isnan(used) & ~np.isnan(b) & (np.abs(used - b) > 0.01 * np.maximum(np.abs(used), np.abs(b)))
            if differ.any():
                vb = gdf[c2].astype(object).to_numpy()
                typed = {c: gdf[c].astype(object).to_numpy() for c in set(taken[differ])}
                rows = np.flatnonzero(differ)
                texts = np.array([f"{taken[i]}「{typed[taken[i]][i]}」与 {c2}「{vb[i]}」相差超过 1%：面积取 {taken[i]}，请核实"
                                  for i in rows], dtype=object)
                _append_problem(problems, differ, lambda m, texts=texts: texts)
            fill = np.isnan(used) & np.isfinite(b)
            used[fill] = b[fill]
            taken[fill] = c2


#: a character of a Chinese name (工业用地): a land-use code (0601, 061, 601.0) has none
_NAME_CHAR = re.compile(r"[\u3400-\u9fff]")


def _code_cells(code: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(blank, named)`` per row of a land-use code column: blank cells (as :func:`_blank_to_na` says),
    and cells holding a name (工业用地, 0601工业用地), not a code — a ledger's 用途 column mapped or
    renamed to the code field. One factorisation, each distinct value judged once (10⁶ rows, few codes)."""
    if pd.api.types.is_numeric_dtype(code) or pd.api.types.is_datetime64_any_dtype(code):
        return code.isna().to_numpy(dtype=bool), np.zeros(len(code), dtype=bool)
    index_of, uniques = pd.factorize(code if isinstance(code.dtype, pd.StringDtype) else code.to_numpy(dtype=object),
                                     use_na_sentinel=True)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype(str).str.strip()
    take = np.where(index_of >= 0, index_of, len(text))
    blank = np.append(text.isin(_BLANKS).to_numpy(dtype=bool), True)[take]
    named = np.append(np.array([bool(_NAME_CHAR.search(t)) for t in text], dtype=bool), False)[take]
    return blank, named


def _codes_from_ledger_names(gdf, notes: list[str], code_system: str = "auto"):
    """A 供地 table gives 土地用途 as a name (工业用地 …), not a code: fill ``land_use_code`` from it.

    The name is read wherever it was put: in a name column (土地用途, 用途, 用地性质 … → ``land_use_name``)
    for the rows without a code, and in the code column itself (a 用途 column mapped with
    ``land_use_code=用途``, or renamed DLBM as a message advised), so that either way gives the same
    codes, and the same audit. The names give codes of the classification the codes are read in
    (``code_system``; for ``auto`` the one the typed codes follow, GB/T 21010-2017 without any): a ledger read as
    2023 has 工业用地 as 1001, not the 2017 code 0601 that is 农村道路 there. Returns ``(gdf, why, typed)``: ``why``
    is, per row, why a name gave no code (empty elsewhere), said as the row's problem instead of an empty or unknown
    code, or how a shorthand was read (工业 → 工业用地, a code found: the row's note); ``typed`` whether any row has a code typed as a code (only then is the classification the codes follow
    worth a note)."""
    n = len(gdf)
    no_reason = np.full(n, "", dtype=object)
    has_name = "land_use_name" in gdf.columns
    has_code = "land_use_code" in gdf.columns
    if not has_name and not has_code:
        return gdf, no_reason, False
    empty, named = _code_cells(gdf["land_use_code"]) if has_code else (np.ones(n, dtype=bool), np.zeros(n, dtype=bool))
    blank = empty & (_blank_to_na(gdf["land_use_name"]).notna().to_numpy() if has_name else np.zeros(n, dtype=bool))
    typed = bool((~empty & ~named).any())
    if not blank.any() and not named.any():
        if not has_code:
            # a 土地用途 column without a name in these rows (a dask partition left with only a 合计 row once the
            # repeated ids went to their own partition): the field is given, each row's code is missing
            gdf = gdf.assign(land_use_code=pd.Series([None] * n, index=gdf.index, dtype=object))
        return gdf, no_reason, typed
    out = gdf.copy()
    col = (out["land_use_code"].astype(object).to_numpy().copy() if has_code
           else np.full(n, None, dtype=object))
    system = code_system
    if system == "auto":
        system = codes.detect_code_system(pd.Series(col[~empty & ~named]))[0] if typed else "2017"
    short = codes.CODE_SYSTEM_SHORT_ZH[system]
    why = no_reason.copy()
    sources = gdf.attrs.get("field_sources") or {}
    for rows, names, said in ((blank, out["land_use_name"] if has_name else None, "土地用途名称"),
                              (named, _blank_to_na(gdf["land_use_code"]) if named.any() else None, "地类编码列中的地类名称")):
        if not rows.any():
            continue
        derived, reasons = codes.codes_from_names(names, system)
        got = derived.to_numpy(dtype=object)
        col[rows] = got[rows]
        reasons = reasons.to_numpy(dtype=object)
        lost = rows & pd.isna(got)
        why[lost] = reasons[lost]
        # a shorthand read as its name (工业 → 工业用地) is said on the row, to be confirmed (QA user F7)
        short_read = rows & ~lost & np.array([codes.SHORTHAND_ZH in str(r) for r in reasons], dtype=bool)
        why[short_read] = reasons[short_read]
        n_ok = int(pd.notna(got[rows]).sum())
        if said == "土地用途名称":
            notes.append(f"{int(rows.sum())} 宗无地类编码，按土地用途名称取 {short}编码（{n_ok} 宗取得）")
        else:
            notes.append(f"{input_label('land_use_code', sources)}列中 {int(rows.sum())} 宗填的是地类名称，不是编码："
                         f"按名称取 {short}编码（{n_ok} 宗取得），与“土地用途”列的读法相同")
        notes.extend(sorted({w for w in reasons[rows] if w})[:10])
    out["land_use_code"] = col
    out["land_use_code_from"] = np.where(blank | named, "土地用途名称", "地类编码")
    return out, why, typed


def _industry_codes(out, notes: list[str]) -> None:
    """行业分类 given as a name → GB/T 4754-2017 code (``industry_code``), via :mod:`dcf_spatial.industry`."""
    if "industry_name" not in out.columns:
        return
    from .. import industry

    have = _blank_to_na(out["industry_code"]) if "industry_code" in out.columns else pd.Series([None] * len(out),
                                                                                                   index=out.index)
    names = _blank_to_na(out["industry_name"])
    todo = have.isna().to_numpy() & names.notna().to_numpy()
    if not todo.any():
        return
    idx, uniq = pd.factorize(names[todo].to_numpy(dtype=object))
    found = [industry.resolve(u) for u in uniq]
    col = have.to_numpy(dtype=object).copy()
    note = np.full(len(out), "", dtype=object)
    col[todo] = [",".join(found[k].codes) if found[k].resolved else None for k in idx]
    note[todo] = [("" if found[k].resolved else
                   f"行业分类“{found[k].query}”无法唯一对应 GB/T 4754-2017 代码"
                   + (f"（可能是：{'、'.join(f'{c} {n}' for c, n in found[k].candidates[:4])}）" if found[k].candidates else ""))
                  for k in idx]
    out["industry_code"] = col
    out["industry_note"] = note
    n_ok = sum(f.resolved for f in found)
    notes.append(f"行业分类名称按 GB/T 4754-2017 取代码：{n_ok}/{len(found)} 种名称取得唯一代码，"
                 "未取得的见 industry_note 列")


# --- enterprises ---------------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "y", "是", "规上", "√", "t"}
_FALSE = {"0", "false", "no", "n", "否", "规下", "规模以下", "f"}


def validate_enterprises(df: pd.DataFrame, *, source: str = "enterprises") -> pd.DataFrame:
    """Type and check an enterprise table; same contract as :func:`validate_parcels` (no row dropped,
    ``problems`` in Chinese, ``duplicate_id`` for a credit code repeated within one year).

    A figure given but unusable (text, a negative, ``1e400``/``inf``) and a 投产年份 after the 评价年度
    are data errors of their row: ``data_errors`` names the fields (Chinese), ``problems`` quotes the
    value as typed, and :func:`dcf_spatial.land.efficiency.classify` does not score the row (class T).
    ``row`` is the spreadsheet line of each record when the table was read from CSV/XLSX (header on
    line 1, as the batch site check's 表格行号; ``attrs["row_kind"] == "table"``), else 1, 2, ….

    Examples
    --------
    >>> e = validate_enterprises(pd.DataFrame({"credit_code": ["91371502MA3C000000"], "name": ["甲"],
    ...                                        "revenue_wan": [float("inf")], "year": [2024]}))
    >>> e["data_errors"].tolist()
    ['营业收入（万元）[revenue_wan]']
    """
    _require(df, ENTERPRISE_REQUIRED, source, "enterprise")
    notes = []
    out = _prepare_columns(df, ENTERPRISE_RESERVED_COLUMNS, ENTERPRISE_FIELDS_ZH, "评价结果", notes)
    n = len(out)
    problems = np.full(n, "", dtype=object)
    out["credit_code"] = _blank_to_na(out["credit_code"]).str.upper()
    out["name"] = _blank_to_na(out["name"])
    out["industry_code"] = _blank_to_na(out["industry_code"]).str.upper()
    from ..io.tables import HEADER_LINES, NUMBER_TEXT

    lines = df.attrs.get("row_numbers")
    if lines is not None and len(lines) == n:
        # a spreadsheet's own line numbers (title rows above the header counted), as the batch site check's 表格行号 counts
        out["row"] = np.asarray(lines, dtype=np.int64)
        out.attrs["row_kind"] = "table"
        out.attrs[HEADER_LINES] = df.attrs.get(HEADER_LINES)
    else:
        out.attrs["row_kind"] = "record"

    typed = df.attrs.get(NUMBER_TEXT) or {}
    # a figure given but unusable (text, negative, 1e400/inf) is a data error of its row: the row is
    # not scored (a 0 for it would rank the firm as if it had produced nothing), its field is named
    wrong = [[] for _ in range(n)]

    def data_error(mask, label):
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            wrong[i].append(label)

    for f in ENTERPRISE_NUMBERS:
        raw = out[f]
        num, bad = parse_numbers(raw)
        out[f] = num.where(~bad)
        bad = np.asarray(bad, dtype=bool)
        _append_problem(problems, bad, _quoted(_as_typed(raw, typed.get(f)), _zh_label(f) + "的值",
                                               "不是有效的非负有限数：请只填数字（单位见字段名，如 12），不要带“万”“元”等文字；"
                                               "该企业暂不评价，请更正后重新评价"))
        data_error(bad, _zh_label(f))
    year, bad_year = parse_numbers(out["year"])
    out["year"] = year.where(~bad_year).astype("Int64")
    _append_problem(problems, bad_year, "年度无法识别")
    raw_start = out["start_year"]
    start, bad_start = parse_numbers(raw_start)
    out["start_year"] = start.where(~bad_start).round().astype("Int64")
    _append_problem(problems, bad_start, _quoted(_as_typed(raw_start, typed.get("start_year")), "投产年份的值",
                                                 "无法识别（应为四位年份，如 2023）"))
    with np.errstate(invalid="ignore"):
        late = (start.where(~bad_start) > year.where(~bad_year)).fillna(False).to_numpy(dtype=bool)
    year_shown = year.to_numpy(dtype=float)
    _append_problem(problems, late, lambda m: np.array(
        [f"投产年份“{t}”晚于评价年度 {int(y)}：投产年份有误，该企业暂不评价，请更正后重新评价"
         for t, y in zip(_as_typed(raw_start, typed.get("start_year")).to_numpy(dtype=object)[m], year_shown[m])],
        dtype=object))
    data_error(late, _zh_label("start_year"))
    out["data_errors"] = np.array(["、".join(w) for w in wrong], dtype=object)
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
    # an empty credit code is a remark, not a data problem: the firm is told apart by its name and
    # finds its parcels by 宗地编号 (efficiency.firm_key, link_parcels); the 宗地对应 column says
    # when neither lets a row find a parcel
    remarks = np.full(len(out), "", dtype=object)
    _append_problem(remarks, out["credit_code"].isna().to_numpy(),
                    "统一社会信用代码未填（按企业名称识别企业、按宗地编号对应宗地；不影响评价）")
    out["remarks"] = remarks
    valid_cc = codes.credit_code_valid(out["credit_code"])
    out["credit_code_valid"] = valid_cc
    _append_problem(problems, valid_cc.eq(False).fillna(False).to_numpy(),
                    _quoted(out["credit_code"], "统一社会信用代码", "校验不通过（GB 32100-2015）"))
    key = out["credit_code"].astype("string").fillna("") + "|" + out["year"].astype("string").fillna("")
    dup = out["credit_code"].notna() & key.duplicated(keep=False)
    out["duplicate_id"] = dup.to_numpy()
    _append_problem(problems, dup, "同一年度统一社会信用代码重复（均保留、未合并，请核实）")
    out["problems"] = problems
    unused = unused_input_columns(df, set(ENTERPRISE_FIELDS_ZH) | {"parcel_id", "township_name", "industry_name",
                                                                   "land_area_mu_alt", "land_area_mu_alt2",
                                                                   "land_area_mu_alt3"})
    if unused:
        notes.append("以下输入列本评价未使用（原样保留，不影响结论；如其中有评价需要的内容，请改列名，"
                     "或用字段映射 <目标字段>=<列名> 指明）：" + "、".join(unused))
    out.attrs["read_notes"] = notes
    logger.info("Validated %d enterprises from %s: %d with problems", n, source, int((problems != "").sum()))
    return out
