"""Is this parcel idle? 《闲置土地处置办法》（国土资源部令第53号，2012） applied to every parcel.

Statuses (``STATUS_ZH``): ``idle`` (Art. 2, fee Art. 14(1)), ``idle_reclaim`` (Art. 14(2)),
``idle_underdeveloped`` (Art. 2 second paragraph), ``excused`` (an Art. 8 cause recorded: a
government act, para. 1, or force majeure, para. 2), ``extended``, ``normal``, ``not_applicable``,
``insufficient_data``.

Suspected, not determined. The tool screens records; only the procedure of Arts. 5–10 (investigation
notice, the holder's statement, review of Art. 8 causes, the 《闲置土地认定书》 of Art. 9) makes land
idle in law. So the three idle statuses are labelled 疑似… and their fee is a *potential* fee, with
the next step "依第五条开展调查" — unless the input records the date of the 认定书
(``determination_date``) on or before the audit date: then the row is ``determined`` and labelled
认定…. The status codes are the same either way.

Extensions (Art. 12(1)): an extension is for Art. 8 causes only and may not run more than one year
(read here as: the new start no later than one full year after the originally agreed start,
``extension_max_years``). An extension without a recorded cause is not honoured (counted from the
original date); one beyond the cap is honoured up to the cap only; both are flagged
(``extension_flag``).

动工开发 is the Art. 30 standard (deep foundation pit dug / all foundation piles driven / one third of
the foundation works done): the input ``actual_start`` must mean that date. The developed share is
measured against 应动工开发建设用地总面积 (``required_dev_area_m2``) where given, else the parcel area;
已投资额 and 总投资额 exclude the land price and taxes (Art. 30).

"One full year" follows the Civil Code (民法典 Art. 201–202): the period counts from the day after
the start date and ends on the corresponding date one year later (28 February when the start is
29 February); the year is *full* only on the day after that. So with an agreed start of
2022-03-01 a parcel not started is ``normal`` on 2023-03-01 and ``idle`` from 2023-03-02. Dates
are added with ``pandas.DateOffset(years=…)`` (calendar years), never 365 days.

The rule parameters (years, thresholds, fee rate, article references) live in
``dcf_spatial/data/idle_land_rules.json``.
"""

from __future__ import annotations

import json
import re
import logging
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import settings
from ..errors import InputError
from .month_dates import dates_or_months, month_bounds, month_only, month_text
from .parcels import input_label
from .row_outcome import add_problems, clear_outcome as _clear_outcome, put_rows as _put_rows

logger = logging.getLogger(__name__)

STATUS_ZH = {
    "idle": "疑似闲置（满一年未动工开发）",
    "idle_reclaim": "疑似闲置满两年（未动工开发）",
    "idle_underdeveloped": "疑似闲置（开发不足且中止满一年）",
    "excused": "疑似闲置·记录有第八条原因（待审核）",
    "extended": "延期动工期内",
    "normal": "正常",
    "not_applicable": "不适用",
    "insufficient_data": "数据不足",
    "not_a_parcel": "非宗地行（合计/表尾）",
    # a contract signed after the audit date: no land supplied then (第二条; dcf_spatial/land/supplied_after.py)
    "supplied_after": "基准日后才签订合同（不在本次审计范围）",
}
#: statuses that need the bureau to act or check, in report order
ACTION_STATUSES = ("idle_reclaim", "idle", "idle_underdeveloped", "excused", "extended", "insufficient_data")
IDLE_STATUSES = ("idle", "idle_reclaim", "idle_underdeveloped")
#: the idle statuses whose outcome is a 土地闲置费 (第十四条第（一）项; 第二条第二款 land "依第十四条处置" at its
#: first year): not ``idle_reclaim``, whose outcome under 第十四条第（二）项 is 无偿收回 — its 满一年 fee is in
#: its reason (已征缴的不重复) but in no fee total, as money still to collect (QA user F12)
FEE_STATUSES = ("idle", "idle_underdeveloped")
#: the label of an idle status once the input records a 《闲置土地认定书》 (Art. 9) dated by the audit date
DETERMINED_ZH = {
    "idle": "认定闲置（满一年未动工开发）",
    "idle_reclaim": "认定闲置满两年（可依法无偿收回）",
    "idle_underdeveloped": "认定闲置（开发不足且中止满一年）",
}
#: the label of ``excused`` by the kind of Art. 8 cause recorded
EXCUSED_ZH = {
    "government": "疑似闲置·政府原因（第八条第一款，待审核）",
    "force_majeure": "疑似闲置·不可抗力（第八条第二款，待审核）",
}
#: ``not_a_parcel``: a ledger's 合计/小计 row or footer (:func:`~dcf_spatial.land.parcels.not_a_parcel_rows`),
#: listed with its reason and counted in no total
STATUS_ORDER = ACTION_STATUSES + ("normal", "not_applicable", "supplied_after", "not_a_parcel")
#: the label of ``excused`` once a 《闲置土地认定书》 is recorded too (the cause still to be reviewed in the procedure)
EXCUSED_DETERMINED_ZH = {k: v.replace("疑似闲置", "认定闲置").replace("，待审核", "") for k, v in EXCUSED_ZH.items()}
#: in the 逾期动工 flag of a start late on some days of a month-only date's month and not on others:
#: 第二条's full year cannot be asserted, the day is asked for
LATE_UNSURE_ZH = "须核实具体日期"


def status_labels() -> list[tuple[str, str]]:
    """Every label a parcel can carry, with its status code, in report order.

    A status may carry several labels (认定… once a 认定书 is recorded, else 疑似…; the 第八条
    第一款/第二款 kinds of ``excused``): summaries and legends list each label apart, so that no
    group of parcels is named by another group's label.

    Returns
    -------
    list of (str, str)
        ``(status, status_zh)`` pairs, the statuses in :data:`STATUS_ORDER`, determined before suspected.

    Examples
    --------
    >>> [zh for s, zh in status_labels() if s == "idle_reclaim"]
    ['认定闲置满两年（可依法无偿收回）', '疑似闲置满两年（未动工开发）']
    """
    out = []
    for s in STATUS_ORDER:
        if s in DETERMINED_ZH:
            out += [(s, DETERMINED_ZH[s]), (s, STATUS_ZH[s])]
        elif s == "excused":
            for kind in EXCUSED_ZH:
                out += [(s, EXCUSED_DETERMINED_ZH[kind]), (s, EXCUSED_ZH[kind])]
            out.append((s, STATUS_ZH[s]))
        else:
            out.append((s, STATUS_ZH[s]))
    return out


@lru_cache(maxsize=None)
def _default_rules() -> str:
    return (settings.data_dir / "idle_land_rules.json").read_text(encoding="utf-8")


def load_rules(path=None) -> dict:
    """The rule parameters: the shipped ``idle_land_rules.json`` or a file of the same shape."""
    text = _default_rules() if path is None else open(path, encoding="utf-8").read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}：不是有效的 JSON（{exc}）；请以 dcf_spatial/data/idle_land_rules.json 为模板修改。") from None


#: the earliest audit date taken: no 出让合同 of the district is older (the 城镇国有土地使用权出让和转让
#: 暂行条例 dates from 1990); the latest is a year after today (an audit planned ahead)
AS_OF_EARLIEST = pd.Timestamp("1990-01-01")
AS_OF_AHEAD = pd.DateOffset(years=1)


#: the forms of an audit date a message offers (all read by :func:`parse_as_of`)
AS_OF_FORMS_ZH = "年-月-日，如 2025-12-31、2025/12/31、2025年12月31日 或 20251231"


def _refuse_year(value) -> None:
    """A year alone (``2025``, ``2025年``, the int 2025) is no audit date: which day of it the audit
    counts to changes every status, so the clerk gives the day (a month alone is refused alike)."""
    year = re.match(r"\s*(\d{4})", str(value)).group(1)
    raise InputError(f"审计基准日（as_of）“{value}”只有年份，没有月和日：审计基准日须是具体的某一天，"
                     f"如按 {year} 年末审计请写 {year}-12-31；请写成 {AS_OF_FORMS_ZH}。")


def _as_of_text(value: str):
    """An audit date typed as the ledgers' dates are (``2025/12/31``, ``2025年12月31日``, ``20251231``),
    read by the package's one date parser; None when it is not such a full date (a month, a
    placeholder such as 9999-12-31, or no date): :func:`parse_as_of` then says why."""
    import unicodedata

    from .parcels import _parse_date_text

    text = unicodedata.normalize("NFKC", value).strip()   # ２０２５－１２－３１ typed with a Chinese input method
    day_month = re.fullmatch(r"(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4})", text)
    if day_month and int(day_month.group(1)) <= 12 and int(day_month.group(3)) <= 12 \
            and day_month.group(1) != day_month.group(3):
        a, b, year = day_month.group(1, 3, 4)   # 03/04/2025: 4 March or 3 April (breaker B31b-5)
        raise InputError(f"审计基准日（as_of）“{value}”的日和月次序不明：可能是 {year}-{int(a):02d}-{int(b):02d}，"
                         f"也可能是 {year}-{int(b):02d}-{int(a):02d}。请按 年-月-日 写成 YYYY-MM-DD，如 2025-12-31。")
    if re.fullmatch(r"\d{4}\s*年?(?:度|末|底)?", text):  # a year is no day (breaker B31-11: it was read as 1 January)
        _refuse_year(value)
    if re.fullmatch(r"\d+(?:\.0+)?", text) and len(text.split(".")[0]) != 8:
        return None  # an Excel serial day number is a ledger's, not a typed audit date
    if re.fullmatch(r"\d{4}\s*(?:年|[-/.])\s*\d{1,2}\s*月?", text):
        raise InputError(f"审计基准日（as_of）“{value}”只有年月，没有日：请写成 {AS_OF_FORMS_ZH}。")
    stamp, kind = _parse_date_text(text)
    return stamp if kind == "ok" else None


def parse_as_of(value, *, today=None) -> pd.Timestamp:
    """The audit date (审计基准日) given as text or a date, checked.

    Parameters
    ----------
    value
        ``2025-12-31``, a ``datetime.date`` or a ``Timestamp``; text also as a clerk writes a date
        (the ledgers' own forms, :func:`dcf_spatial.land.parcels.parse_dates`): ``2025/12/31``,
        ``2025.12.31``, ``2025年12月31日``, ``20251231``. A month alone (``2025年12月``) or a year alone
        (``2025``, ``2025年``, the int 2025) is no audit date: refused, asking for the day.
    today
        The day the bound "one year after today" counts from (default: today).

    Returns
    -------
    pandas.Timestamp
        The date, at midnight.

    Raises
    ------
    InputError
        (a :class:`ValueError`) naming the value and the fix, when it is not a date, is before
        1990-01-01 (:data:`AS_OF_EARLIEST`) or more than a year after today: a placeholder such as
        9999-12-31 would find every parcel idle for ever, and 1900-01-01 none.

    Examples
    --------
    >>> parse_as_of("2025-12-31", today=pd.Timestamp("2026-01-10"))
    Timestamp('2025-12-31 00:00:00')
    >>> parse_as_of("9999-12-31", today=pd.Timestamp("2026-01-10"))
    Traceback (most recent call last):
    ...
    dcf_spatial.errors.InputError: 审计基准日（as_of）“9999-12-31”晚于今天（2026-01-10）一年以上，不是可用的审计基准日：请填写实际审计的日期（不晚于 2027-01-10），例如 2025-12-31。
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 1000 <= value <= 9999:
        _refuse_year(value)   # as_of=2025 in Python: a year, not nanoseconds after 1970
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 10**7 <= value < 10**8:
        value = str(value)    # as_of=20251231: the day as the CLI reads it, not nanoseconds after 1970
    ts = _as_of_text(value) if isinstance(value, str) else None
    if ts is None:
        try:
            ts = pd.Timestamp(value)
        except (ValueError, TypeError, OverflowError):
            ts = pd.NaT
    if ts is not None and ts is not pd.NaT and not pd.isna(ts) and ts.tzinfo is not None:
        ts = ts.tz_localize(None)   # 2025-12-31T00:00+08:00: the day as written in its own zone (breaker B31b-3)
    if ts is pd.NaT or pd.isna(ts):
        import datetime as _dt

        if isinstance(value, (str, _dt.date)):  # 9999-12-31 is a date, only beyond pandas' range
            try:
                day = _dt.date.fromisoformat(str(value).strip()[:10]) if isinstance(value, str) else value
            except ValueError:
                day = None
            if day is not None and day.year > 2200:
                ts = None
        if ts is not None:
            raise InputError(f"审计基准日（as_of）“{value}”不是可识别的日期（月份 1–12，日期须在该月之内）。"
                             f"请写成 {AS_OF_FORMS_ZH}。")
    now = pd.Timestamp(today if today is not None else pd.Timestamp.today()).normalize()
    latest = now + AS_OF_AHEAD
    if ts is None or ts.normalize() > latest:
        raise InputError(f"审计基准日（as_of）“{value}”晚于今天（{now:%Y-%m-%d}）一年以上，不是可用的审计基准日："
                         f"请填写实际审计的日期（不晚于 {latest:%Y-%m-%d}），例如 2025-12-31。")
    if ts < AS_OF_EARLIEST:
        raise InputError(f"审计基准日（as_of）“{value}”早于 {AS_OF_EARLIEST:%Y-%m-%d}，不是可用的审计基准日"
                         "（国有土地使用权出让自 1990 年起）：请填写实际审计的日期，例如 2025-12-31。")
    return ts.normalize()


_LS = pa.large_string()
#: the status codes held per row while the rules run (the position in :data:`STATUS_ZH`)
_CODE = {s: i for i, s in enumerate(STATUS_ZH)}


def _mask(mask) -> pa.Array:
    return pa.array(np.asarray(mask, dtype=bool))


def _part(value):
    return pa.scalar(value, type=_LS) if isinstance(value, str) else value


class _Chosen:
    """``yes`` where ``mask``, else ``no`` (texts, full-length arrow text arrays, or other parts with
    ``rows``), made only for the rows a clause uses (:func:`_join`): a clause holds a few of the rows,
    and the choice made for every row first was a tenth of the rules' time at 10⁶ parcels."""

    def __init__(self, mask, yes, no):
        self.mask, self.yes, self.no = np.asarray(mask, dtype=bool), yes, no

    def rows(self, mask: np.ndarray) -> pa.Array:
        return pc.if_else(_mask(self.mask[mask]), _part_rows(self.yes, mask), _part_rows(self.no, mask))


def _choose(mask, yes, no) -> _Chosen:
    """``yes`` where ``mask``, else ``no``, for the rows of the clause it is joined into (see :class:`_Chosen`)."""
    return _Chosen(mask, yes, no)


class _Coded:
    """A text column held as codes into its distinct texts: taken only for the rows a clause uses."""

    def __init__(self, texts: pa.Array, codes: np.ndarray):
        self.texts, self.codes = texts, codes

    def rows(self, mask: np.ndarray) -> pa.Array:
        return self.texts.take(pa.array(self.codes[mask]))


class _Formatted:
    """Numbers formatted by :func:`_fixed` only for the rows a clause uses (the same texts)."""

    def __init__(self, values, decimals: int, suffix: str = ""):
        self.values, self.decimals, self.suffix = np.asarray(values, dtype=float), decimals, suffix

    def rows(self, mask: np.ndarray) -> pa.Array:
        return _fixed(self.values[mask], self.decimals, self.suffix)


def _part_rows(part, mask: np.ndarray):
    """One part of a clause (see :func:`_join`) for the rows in ``mask``: a text as an arrow scalar,
    a part with ``rows`` made for those rows, a full-length arrow array filtered to them."""
    if isinstance(part, str):
        return _part(part)
    if hasattr(part, "rows"):
        return part.rows(mask)
    return part.filter(_mask(mask))


def _datestr(values, last=None) -> _Coded:
    """YYYY-MM-DD text of each date ("" for NaT), formatted once per distinct date.

    ``last``: the last day each date may be, where a date (or a date counted from one) is known
    only to the month (:func:`~dcf_spatial.land.month_dates.month_bounds`; ``values`` then the first):
    such a date reads 「2022-03（仅到月）」, never a day the record does not give, and one whose days
    span two months 「2022-03-15至2022-04-14」.

    Examples
    --------
    >>> d = pd.DatetimeIndex(["2022-03-01", "2022-03-01", "2022-03-15"])
    >>> t = _datestr(d, pd.DatetimeIndex(["2022-03-01", "2022-03-31", "2022-04-14"]))
    >>> t.texts.take(pa.array(t.codes)).to_pylist()
    ['2022-03-01', '2022-03（仅到月）', '2022-03-15至2022-04-14']
    """
    arr = np.asarray(values, dtype="datetime64[D]")
    # a hash of the day numbers, not a sort (np.unique): the same text, without an n·log n step
    codes, uniq = pd.factorize(arr.view(np.int64), use_na_sentinel=False)
    uniq = np.asarray(uniq, dtype=np.int64).view("datetime64[D]")
    text = np.datetime_as_string(uniq, unit="D").astype(object)
    text[np.isnat(uniq)] = ""
    if last is not None:
        end = np.asarray(last, dtype="datetime64[D]")
        span = ~np.isnat(arr) & (end != arr)
        if span.any():  # the spans' texts, once per distinct (first, last) pair
            pair, pairs = pd.factorize(pd.MultiIndex.from_arrays([arr[span].view(np.int64), end[span].view(np.int64)]))
            lo = np.array([p[0] for p in pairs], dtype=np.int64).view("datetime64[D]")
            hi = np.array([p[1] for p in pairs], dtype=np.int64).view("datetime64[D]")
            lo_t, hi_t = np.datetime_as_string(lo, unit="D"), np.datetime_as_string(hi, unit="D")
            more = np.array([month_text(a) if a[:7] == b[:7] else f"{a}至{b}" for a, b in zip(lo_t, hi_t)], dtype=object)
            codes = codes.copy()
            codes[span] = len(text) + pair
            text = np.concatenate([text, more])
    return _Coded(pa.array(text, type=_LS), codes)


def _dates_text(values) -> pa.Array:
    """YYYY-MM-DD text of each date ("" for NaT), as arrow text (see :func:`_datestr`)."""
    coded = _datestr(values)
    return coded.texts.take(pa.array(coded.codes))


def _fixed(values, decimals: int, suffix: str = "") -> pa.Array:
    """``"%.<decimals>f" % v`` of every value followed by ``suffix`` ("（未知）" for NaN, no suffix),
    as arrow text.

    By hand: arrow has no printf-style format, and Python's ``%`` per row was ~0.4 s at 10⁶ rows.
    The digits are those of ``v · 10^decimals`` rounded to an integer (numpy), which is the
    correctly rounded answer of ``%`` wherever the product is not within 1e-9 (relative) of a
    half; those rows, NaN, negative and huge values are formatted by Python's ``%`` itself.
    """
    v = np.asarray(values, dtype=float)
    scale = 10 ** decimals
    with np.errstate(invalid="ignore", over="ignore"):
        y = v * scale
        fast = np.isfinite(y) & ~np.signbit(v) & (y < 2.0 ** 52)
        y = np.where(fast, y, 0.0)
        fast &= np.abs(y - np.floor(y) - 0.5) > 1e-9 * np.maximum(y, 1.0)
    r = np.rint(np.where(fast, y, 0.0)).astype(np.int64)
    whole = pc.cast(pa.array(r // scale), _LS)
    frac = pc.utf8_lpad(pc.cast(pa.array(r % scale), _LS), decimals, "0")
    text = pc.binary_join_element_wise(whole, pa.scalar(".", type=_LS), frac, pa.scalar(suffix, type=_LS),
                                       pa.scalar("", type=_LS))
    unknown = np.isnan(v)
    if unknown.any():
        text = pc.if_else(_mask(unknown), pa.scalar("（未知）", type=_LS), text)
    odd = ~fast & ~unknown
    if odd.any():
        fmt = f"%.{decimals}f" + suffix.replace("%", "%%")
        text = pc.replace_with_mask(text, _mask(odd), pa.array([fmt % x for x in v[odd]], type=_LS))
    return text


def _pct(values) -> pa.Array:
    """``"%.1f%%" % (v · 100)`` of every value (arrow text)."""
    return _fixed(np.asarray(values, dtype=float) * 100, 1, "%")


def _join(mask, *parts) -> pa.Array:
    """Concatenate ``parts`` (texts, full-length arrow text arrays, or parts with ``rows``: :class:`_Coded`,
    :class:`_Chosen`, :class:`_Formatted`) for the rows in ``mask``."""
    mask = np.asarray(mask, dtype=bool)
    cols = [_part_rows(p, mask) for p in parts]
    if not any(isinstance(c, (pa.Array, pa.ChunkedArray)) for c in cols):
        return pa.repeat(pa.scalar("".join(parts), type=_LS), int(np.count_nonzero(mask)))
    return pc.binary_join_element_wise(*cols, pa.scalar("", type=_LS))


class _Texts:
    """A full-length text column put together from clauses, each on its rows (a later clause wins
    on a row two share): the clauses' texts are kept apart and gathered by one ``take`` at the end,
    not written into the column one clause at a time (each such write copied every row's text)."""

    def __init__(self, n: int, default: str = ""):
        self.index = np.zeros(n, dtype=np.int64)  # 0: the default text
        self.pieces = [pa.array([default], type=_LS)]
        self.size = 1

    def put(self, mask, *parts) -> None:
        """The rows in ``mask`` hold ``parts`` concatenated (see :func:`_join`)."""
        self.set(mask, None, *parts)

    def set(self, mask, values, *parts) -> None:
        """The rows in ``mask`` hold ``values`` (one text per such row), or ``parts`` joined."""
        rows = np.flatnonzero(mask)
        if not len(rows):
            return
        values = _join(mask, *parts) if values is None else values
        self.index[rows] = self.size + np.arange(len(rows))
        self.pieces.append(values)
        self.size += len(values)

    def array(self) -> pa.Array:
        if len(self.pieces) == 1:
            return pa.repeat(self.pieces[0][0], len(self.index))
        return pa.concat_arrays(self.pieces).take(pa.array(self.index))


_NO_CAUSE = frozenset({"否", "无", "0", "0.0", "false", "no", "n", "f", "不是"})


def cause_kinds(values: pd.Series, rules: dict) -> np.ndarray:
    """The kind of Art. 8 cause each row records: ``"government"`` (para. 1), ``"force_majeure"``
    (para. 2) or ``""`` (none).

    Parameters
    ----------
    values
        The ``gov_cause`` column: a code of ``gov_causes_zh`` ("1"–"6"), ``"7"`` or any text naming
        不可抗力/自然灾害 (force majeure), free text or 是 (a government act), 否/无/0/empty (none).
    rules
        The rule parameters (``force_majeure_causes_zh``).

    Returns
    -------
    numpy.ndarray
        One string per row.

    Examples
    --------
    >>> cause_kinds(pd.Series(["1", "不可抗力（暴雨）", "否", None]), load_rules()).tolist()
    ['government', 'force_majeure', '', '']
    """
    from .parcels import _blank_to_na

    fm = rules.get("force_majeure_causes_zh", {})
    fm_codes = {k for k in fm if not k.startswith("_")}
    fm_words = tuple(fm.get("_match", ()))
    text = _blank_to_na(values).to_numpy(dtype=object)
    # once per distinct value (a column holds few): the same rule, without a Python step per row
    codes_, uniques = pd.factorize(text, use_na_sentinel=True)
    kinds = np.full(len(uniques) + 1, "", dtype=object)  # the last entry: blank
    for k, v in enumerate(uniques):
        if v is None or str(v).strip().lower() in _NO_CAUSE:
            continue
        v = str(v)
        kinds[k] = "force_majeure" if (v in fm_codes or any(w in v for w in fm_words)) else "government"
    return kinds[np.where(codes_ >= 0, codes_, len(uniques))]


def legal_notes(rules: dict | None = None) -> list[str]:
    """The workbook's notes on what the audit rests on and what the input dates and sums must mean.

    Parameters
    ----------
    rules
        Rule parameters; default the shipped ``idle_land_rules.json``.

    Returns
    -------
    list of str
        Chinese note lines (both engines put them in the 说明 sheet).

    Examples
    --------
    >>> any("第三十条" in line for line in legal_notes())
    True
    """
    rules = rules or load_rules()
    reg, art = rules["regulation_zh"], rules["articles"]
    law = rules.get("land_law_zh", "《中华人民共和国土地管理法》（2019年修正）")
    return [
        f"疑似与认定：本工具只据输入数据筛查。依{reg}{art['procedure']}，闲置土地须经调查（{art['investigation']}，"
        f"发出《闲置土地调查通知书》）、审核第八条原因、下达《闲置土地认定书》（{art['determination']}）并公开（{art['publication']}）"
        "后方为认定。输入未记录认定书日期（闲置土地认定书日期）的，结论一律为“疑似闲置”，土地闲置费为潜在金额，下一步为依第五条开展调查；"
        "记录有认定书日期且不晚于基准日的，结论为“认定闲置”。",
        f"动工开发的标准见{art['start_definition']}（依法取得施工许可证后，需挖深基坑的项目基坑开挖完毕；使用桩基的项目打入所有基础桩；"
        "其他项目地基施工完成三分之一）：输入的实际动工日期必须是达到该标准之日，不是开工仪式、场地平整或办证之日。",
        f"已投资额、总投资额依{art['start_definition']}均不含土地出让价款、划拨价款和向国家缴纳的相关税费：输入的已投资、总投资须按此口径填报。",
        f"已开发面积占比的分母为应动工开发建设用地总面积（{art['definition_para2']}）；输入提供该字段的按其计算，未提供的以宗地面积代替并在理由中注明。",
        f"{art['definition_para2']}规定已动工开发但开发不足、中止开发建设满一年的国有建设用地“也可以认定为闲置土地”：是可以认定，"
        "不是必须认定，由市、县自然资源主管部门裁量；本工具列为疑似（开发不足且中止满一年）供核查。",
        "第八条原因：第一款所列政府、政府有关部门的行为与第二款的自然灾害等不可抗力分别标注（政府原因栏填 1–6 为第一款各项，"
        "填 7 或含“不可抗力”“自然灾害”字样为不可抗力，填 否/无/0 为无）；经审核属实的依第十二条、第十三条处置，不征收土地闲置费。",
        f"延期：依{art['extension']}，因第八条情形可签订补充协议延长动工开发期限，“延长动工开发期限最长不得超过一年”。本工具按延期后的动工日期"
        "不得晚于原约定动工日期满一年之日核查：延期未记录第八条原因的不予认可，自原约定动工日期起算；超过上限的，上限以内部分认可、"
        "自上限之日起算，超出部分不予认可；两种情形均在“延期核查提示”列标出。",
        f"逾期动工：依{art['definition']}，超过约定（或依{art['extension']}经批准延期后的）动工开发日期满一年未动工开发的为闲置土地；"
        "已动工、但动工日期晚于满一年之日的宗地，其间曾构成闲置土地。结论按基准日现状（如“正常”），另在“逾期动工提示”列"
        f"和理由中写明晚了多少天、曾闲置的期间，列入问题记录，下一步为核查是否已依{art['fee']}征缴土地闲置费。",
        f"无偿收回：{art['reclaim']}援引的《土地管理法》第三十七条为2004年文本条号，{law}中为第三十八条。",
    ]


def audit_idle(parcels, *, as_of, rules: dict | None = None):
    """Give every parcel its idle-land status, reason (Chinese, article and deciding dates) and fee.

    Parameters
    ----------
    parcels
        Validated parcels (:func:`dcf_spatial.land.parcels.validate_parcels`), any CRS.
    as_of
        The audit date (审计基准日): the state of works on that day is judged.
    rules
        Rule parameters; default the shipped ``idle_land_rules.json``.

    Returns
    -------
    GeoDataFrame
        ``parcels`` with ``status``, ``status_zh`` (疑似… until a 认定书 date is recorded),
        ``reason_zh``, ``fee_wan`` (potential unless determined), ``count_from``, ``deadline_1y``,
        ``deadline_2y``, ``developed_share``, ``invested_share``, ``missing_fields``,
        ``determined`` (a 认定书 dated by ``as_of``), ``next_step_zh``, ``extension_flag`` and
        ``cause_kind`` added; same index and order, one row per input row. ``reason_zh`` is a
        ``category`` column (one category per distinct reason); the other texts are ``str``.

    Examples
    --------
    >>> from dcf_spatial.land.parcels import validate_parcels
    >>> import geopandas as gpd, shapely
    >>> p = gpd.GeoDataFrame({"parcel_id": ["A"], "agreed_start": ["2022-03-01"], "actual_start": [None],
    ...                       "land_use_code": ["0601"]}, geometry=[shapely.box(409000, 4035000, 409100, 4035100)], crs=4548)
    >>> audit_idle(validate_parcels(p), as_of="2023-03-02")["status_zh"].iloc[0]
    '疑似闲置（满一年未动工开发）'
    """
    rules = rules or load_rules()
    as_of = parse_as_of(as_of)
    df = parcels
    n = len(df)
    # The rules run once per distinct combination of the inputs they read (repeated rows: once), and
    # every text column is held by arrow, not as a Python string per parcel (at 10⁶ parcels the per-row
    # reason strings and the object arrays behind them were ~1.6 GB at the peak). The values are those
    # of the rules run on every row (tests/test_idle_audit_distinct.py).
    # Where most rows are distinct (a real ledger: each parcel its own dates and sums), the rules run
    # on every row: the same values (tests/test_idle_audit_distinct.py) without a copy of the
    # representatives and a take of every new column. Else on the representatives, and only the
    # columns the rules read are copied (not the geometry and the carried text). A large ledger is
    # first judged on a sample: grouping every row only to find it distinct was ~1 s at 10⁶ parcels.
    if _sample_mostly_distinct(df):
        group, first, expand = None, None, False
    else:
        group, first = _distinct_inputs(df)
        expand = len(first) < n * EXPAND_BELOW
    reps = df[[c for c in (*_RULE_INPUTS, "area_m2") if c in df.columns]].iloc[first] if expand else df
    # and in slices of RULE_CHUNK_ROWS, two at a time on two threads: the rules' work is numpy and
    # arrow's string kernels, which release the GIL, so the second core (idle here otherwise) takes
    # half the slices; the results are taken in order, so the columns are those of one pass
    slices = [reps.iloc[lo:lo + RULE_CHUNK_ROWS] for lo in range(0, max(len(reps), 1), RULE_CHUNK_ROWS)]
    parts: dict[str, list] = {}
    workers = min(RULE_THREADS, len(slices))
    if workers > 1:
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dcf-rules")
        results = pool.map(lambda part: _audit_rows(part, as_of=as_of, rules=rules), slices)
    else:
        pool, results = None, (_audit_rows(part, as_of=as_of, rules=rules) for part in slices)
    del slices
    for result in results:
        for col, values in result.items():
            if isinstance(values, np.ndarray) and values.dtype == object:  # text
                values = pa.array(values, type=pa.large_string())
            elif isinstance(values, pa.ChunkedArray):  # text built by arrow
                values = values.combine_chunks()
            elif isinstance(values, pd.DatetimeIndex):
                values = values.to_numpy()
            parts.setdefault(col, []).append(values)
    if pool is not None:
        pool.shutdown()
    # a shallow copy: only new columns are added, the input's are shared, not duplicated (at 10⁶
    # parcels a deep copy was ~1.5 GB more at the peak)
    cow = int(pd.__version__.split(".")[0]) >= 3 or pd.options.mode.copy_on_write is True
    out = df.copy(deep=not cow)  # without copy-on-write (pandas 2 default) a shallow copy could be written through
    # the category columns factorised in threads (arrow's hashing releases the GIL: at 10⁶ parcels
    # ~0.2 s a column, the reasons all distinct) while this one puts the other columns in the frame;
    # each is put in the frame in its place, so the columns keep their order
    from concurrent.futures import ThreadPoolExecutor

    factorising = ThreadPoolExecutor(max_workers=RULE_THREADS, thread_name_prefix="dcf-factorize")
    try:
        factorised = {col: factorising.submit(_factorize_slices, parts[col]) for col in parts
                      if col in CATEGORY_COLUMNS and isinstance(parts[col][0], pa.Array)}
        _columns_into(out, parts, factorised, group if expand else None)
    finally:
        factorising.shutdown(wait=True)
    out["as_of"] = as_of
    _flag_future_starts(out, as_of)
    _decide_month_dates(out, as_of, rules)
    _flag_extension_before_start(out)
    _list_late_starts(out)
    from .supplied_after import flag_contract_in_the_audit_month, mark_supplied_after

    mark_supplied_after(out, as_of, rules=rules)   # before the price list: such a row owes no fee
    flag_contract_in_the_audit_month(out, as_of)
    _list_missing_prices(out, rules)
    _mark_not_a_parcel(out)
    counts = out["status"].value_counts().to_dict()
    logger.info("Audited %d parcels (%s distinct rule inputs) as of %s: %s", n,
                "most" if first is None else f"{len(first):,}",
                f"{as_of:%Y-%m-%d}", counts)
    return out


def _columns_into(out, parts: dict, factorised: dict, group) -> None:
    """The rules' columns (``parts``: each column's slices, emptied as they go) put into ``out`` in
    their order; ``factorised``: the futures of :func:`_factorize_slices` of the category columns;
    ``group``: each row's distinct-input position when the rules ran once per distinct input (else None)."""
    expand = group is not None
    for col in list(parts):
        chunks = parts.pop(col)  # each column's slices freed once it is in the frame, not at the end
        if col in factorised:  # (its slices emptied by the factorising thread)
            # a category per distinct reason (rows share dates and sums), the rows holding codes:
            # each text stored once, not once per parcel (at 10⁶ parcels ~250 MB as strings)
            codes, uniq = factorised.pop(col).result()
            out[col] = pd.Categorical.from_codes(codes[group] if expand else codes, dtype=_category_dtype(uniq))
        elif isinstance(chunks[0], pa.Array):
            # the status codes and labels stay text: code elsewhere maps them (Series.map on a
            # categorical would give categories, not values)
            text = _str_array(pa.chunked_array(chunks, type=pa.large_string()))
            del chunks
            out[col] = text.take(group) if expand else text
        else:
            values = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
            out[col] = values[group] if expand else values



def _decide_month_dates(out, as_of: pd.Timestamp, rules: dict) -> None:
    """Rows with a date known only to the month (``month_fields`` of
    :func:`~dcf_spatial.land.parcels.validate_parcels`, read as the month's first day): the rules are
    run again with each such date on the month's last day, in every combination. Where every run
    gives the status found, it stands and the reason says the date was given to the month; where
    the status depends on the day, the row is 数据不足 naming the field, its value and the fix.

    The first and last day of the month suffice: a status moves one way as a date moves later
    (a later agreed start is less overdue, a later actual start later than the deadlines), so a
    status that differs anywhere in the month differs between its ends. In place."""
    if "month_fields" not in out.columns or not len(out):
        return
    col = out["month_fields"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        codes = col.cat.codes.to_numpy()
        empty = cats.get_loc("") if "" in cats else -1
        rows = np.flatnonzero((codes >= 0) & (codes != empty))
    else:
        rows = np.flatnonzero((col.astype("string").fillna("") != "").to_numpy(dtype=bool))
    if not len(rows):
        return
    import itertools

    # only the dates the rules read (an 约定竣工日期 given to the month decides nothing here)
    per_row = [[f for f in str(v).split(";") if f in _RULE_INPUTS] for v in col.astype(object).to_numpy()[rows]]
    keep = np.array([bool(fs) for fs in per_row])
    rows, per_row = rows[keep], [fs for fs in per_row if fs]
    if not len(rows):
        return
    sources = out.attrs.get("field_sources")
    sub = out[[c for c in (*_RULE_INPUTS, "area_m2") if c in out.columns]].iloc[rows].copy()
    sub.attrs = dict(out.attrs)
    fields = sorted({f for fs in per_row for f in fs if f in sub.columns})
    runs = []
    for combo in itertools.product((False, True), repeat=len(fields)):
        frame = sub.copy()
        for f, last in zip(fields, combo):
            has = np.array([f in fs for fs in per_row])
            if last and has.any():
                frame.loc[frame.index[has], f] = frame[f].iloc[np.flatnonzero(has)] + pd.offsets.MonthEnd(0)
        runs.append(np.asarray(_audit_rows(frame, as_of=as_of, rules=rules)["status"], dtype=object))
    found = out["status"].to_numpy(dtype=object)[rows]
    steady = (np.vstack(runs) == found).all(axis=0)

    def named(i):  # “约定开工时间”只填到月（2019年3月）, for each month field of row i
        parts = []
        for f in per_row[i]:
            d = sub[f].iloc[i] if f in sub.columns else pd.NaT
            when = f"{d.year}年{d.month}月" if not pd.isna(d) else "只有年月"
            parts.append(f"{input_label(f, sources)}只填到月（{when}）")
        return "、".join(parts)

    reasons = out["reason_zh"].astype(object).to_numpy()[rows]
    kept = [str(reasons[i]) + f"（注：{named(i)}，按该月任何一日审计结论均相同，据此判定；由其推算的期限之日也只到月）"
            for i in np.flatnonzero(steady)]
    if kept:
        _put_rows(out, "reason_zh", rows[steady], kept)
    open_ = np.flatnonzero(~steady)
    if not len(open_):
        return
    at = rows[open_]
    example = []
    for i in open_:
        d = next((sub[f].iloc[i] for f in per_row[i] if f in sub.columns and not pd.isna(sub[f].iloc[i])), None)
        example.append(f"{d.year}-{d.month:02d}-15" if d is not None else "2019-03-15")
    missing = [named(i) + "，结论随该月哪一天而不同" for i in open_]
    _put_rows(out, "status", at, ["insufficient_data"] * len(at))
    _put_rows(out, "status_zh", at, [STATUS_ZH["insufficient_data"]] * len(at))
    _put_rows(out, "missing_fields", at, missing)
    _put_rows(out, "reason_zh", at, [f"数据不足，无法判断：{m}（原表行号 {r}）。请填写到日，如 {e}，然后重新审计。"
                                     for m, r, e in zip(missing, out["row"].to_numpy()[at] if "row" in out.columns
                                                        else at + 1, example)])
    _put_rows(out, "next_step_zh", at, ["补齐数据后重新审计"] * len(at))
    _clear_outcome(out, at, ("fee_wan",))


def _flag_future_starts(out, as_of: pd.Timestamp) -> None:
    """An 实际动工开发日期 after the audit date cannot have happened by then: the row is judged as not
    yet started on the audit date (《闲置土地处置办法》第二条 counts from the agreed start up to that day),
    and the date is named in its problems (数据问题) to be checked, never silently."""
    if "actual_start" not in out.columns or "problems" not in out.columns:
        return
    actual = pd.to_datetime(out["actual_start"], errors="coerce")
    future = np.asarray((actual > as_of).fillna(False), dtype=bool)
    if not future.any():
        return
    problems = out["problems"].astype(object).to_numpy().copy()
    shown = dates_or_months(actual, month_only(out, "actual_start"))
    for i in np.flatnonzero(future):
        text = (f"实际动工开发日期 {shown[i]} 晚于审计基准日 {as_of:%Y-%m-%d}：按基准日尚未动工判定"
                "（《闲置土地处置办法》第二条），请核实该日期")
        problems[i] = text if not problems[i] or problems[i] != problems[i] else f"{problems[i]}；{text}"
    out["problems"] = problems


def _extension_before_start_part(ext_part: "_Texts", early: np.ndarray, s_ext, s_agreed) -> None:
    """The reason's words on an 延期至 date before the agreed start (``early``): not "经批准延期至…（自该
    日起算）" — the rules count from the agreed start, the later date — but which date was used and
    why (an extension moves the start later, 《闲置土地处置办法》第十二条第（一）项). In place."""
    if early.any():
        ext_part.put(early, "（记录的延期至 ", s_ext, " 早于约定动工日期，不是延期，未采用：自约定动工日期 ", s_agreed, " 起算）")


def _flag_extension_before_start(out) -> None:
    """An 延期至 date before the agreed start cannot be an extension (《闲置土地处置办法》第十二条
    第（一）项 extends the 动工开发期限): 数据问题 names both dates (the reason says which date was used,
    :func:`_extension_before_start_part`). The status is not changed. In place."""
    if not {"extension_until", "agreed_start", "problems"} <= set(out.columns):
        return
    ext = pd.to_datetime(out["extension_until"], errors="coerce")
    agreed = pd.to_datetime(out["agreed_start"], errors="coerce")
    early = np.array((ext < agreed).fillna(False), dtype=bool)
    if "not_a_parcel" in out.columns:
        early &= ~out["not_a_parcel"].fillna(False).to_numpy(dtype=bool)
    if not early.any():
        return
    rows = np.flatnonzero(early)
    sources = out.attrs.get("field_sources")
    e_txt = dates_or_months(ext, month_only(out, "extension_until"))[rows]
    a_txt = dates_or_months(agreed, month_only(out, "agreed_start"))[rows]
    add_problems(out, rows, [f"{input_label('extension_until', sources)} {e} 早于{input_label('agreed_start', sources)} {a}："
                             "延期只能推后动工开发期限（《闲置土地处置办法》第十二条），该日期未采用，按约定动工日期起算；请核实延期补充协议"
                             for e, a in zip(e_txt, a_txt)])


def _list_late_starts(out) -> None:
    """The rows with a late start (``late_start_flag``, :func:`_late_starts`) go on the list of rows to
    check: 数据问题 says 逾期动工 and what to check, so that they are on the 问题记录 sheet (and in a capped
    清单) beside the rows to correct. Vectorised: the flagged rows' texts only. In place."""
    if "late_start_flag" not in out.columns or "problems" not in out.columns:
        return
    flag = out["late_start_flag"]
    if isinstance(flag.dtype, pd.CategoricalDtype):   # by the codes: no object copy of the column
        codes = flag.cat.codes.to_numpy()
        empty = flag.cat.categories.get_loc("") if "" in flag.cat.categories else -1
        late = (codes >= 0) & (codes != empty)
    else:
        late = np.asarray((flag.fillna("") != "").to_numpy(), dtype=bool)   # compared where the text is held
    if not late.any():
        return
    rows = np.flatnonzero(late)
    # the flagged rows' texts only, not an object copy of the whole column
    # a start late on some days of a month-only date's month only (须核实具体日期): none without such a date, and
    # then sought in the flagged rows' texts by arrow (no Python string per row)
    unsure = np.zeros(len(rows), dtype=bool)
    if "month_fields" in out.columns and (out["month_fields"].astype("category").cat.categories != "").any():
        texts = pa.array(flag.iloc[rows].astype(object).fillna("").to_numpy(dtype=object), type=_LS)
        unsure = pc.match_substring(texts, LATE_UNSURE_ZH).to_numpy(zero_copy_only=False)
    text = np.where(unsure, "逾期动工待核实：是否逾期随只填到月的日期而不同，" + LATE_UNSURE_ZH + "（见逾期动工提示）",
                    "逾期动工：曾构成闲置土地，请核查是否已征缴土地闲置费（见逾期动工提示）").astype(object)
    old = out["problems"].iloc[rows].astype(object).fillna("").astype(str)
    _put_rows(out, "problems", rows, np.where(old.to_numpy() == "", text, (old + "；" + text).to_numpy(dtype=object)))


def _mark_not_a_parcel(out) -> None:
    """The rows :func:`~dcf_spatial.land.parcels.validate_parcels` found to be a ledger's 合计/小计
    rows or footers (``not_a_parcel``) get the status ``not_a_parcel``, their reason (the cell that
    says so, which the validation left in ``problems``) and no fee, deadline, next step or data
    problem: listed, never audited, never in a total (their ``in_totals`` is False), and no record
    to correct (not on 问题记录, not in 需核实补正; the README: 非宗地行 "count in no total"). In place."""
    if "not_a_parcel" not in out.columns:
        return
    skip = out["not_a_parcel"].fillna(False).to_numpy(dtype=bool)
    if not skip.any():
        return
    rows = np.flatnonzero(skip)
    k = len(rows)
    _put_rows(out, "status", rows, ["not_a_parcel"] * k)
    _put_rows(out, "status_zh", rows, [STATUS_ZH["not_a_parcel"]] * k)
    _put_rows(out, "reason_zh", rows, [str(v) + "。" for v in out["problems"].iloc[rows].astype(object)])
    for col in ("problems", "next_step_zh", "missing_fields", "extension_flag", "late_start_flag", "cause_kind"):
        if col in out.columns:
            _put_rows(out, col, rows, [""] * k)
    _clear_outcome(out, rows, ("fee_wan", "developed_share", "invested_share"))



def as_of_notes(audited, as_of) -> list[str]:
    """A warning when the audit date is before most parcels' agreed start (a mistyped 基准日 such as
    1990-01-01 would find nothing idle): empty when it is not.

    Examples
    --------
    >>> f = pd.DataFrame({"agreed_start": pd.to_datetime(["2021-01-01", "2022-01-01"])})
    >>> "早于 2 宗中 2 宗的约定动工日期" in as_of_notes(f, pd.Timestamp("1995-01-01"))[0]
    True
    >>> as_of_notes(f, pd.Timestamp("2025-01-01"))
    []
    """
    if "agreed_start" not in audited.columns or not len(audited):
        return []
    agreed = pd.to_datetime(audited["agreed_start"], errors="coerce")
    known = int(agreed.notna().sum())
    later = int((agreed > pd.Timestamp(as_of)).sum())
    if not known or later * 2 <= known:
        return []
    return [f"注意：审计基准日 {pd.Timestamp(as_of):%Y-%m-%d} 早于 {known:,} 宗中 {later:,} 宗的约定动工日期，这些宗地至基准日"
            "尚未到期，不会列为闲置：请核实审计基准日是否填写正确。"]


#: text columns of :func:`audit_idle` held as ``category`` (the rest are ``str``)
CATEGORY_COLUMNS = ("reason_zh", "next_step_zh", "missing_fields", "extension_flag", "cause_kind")
#: the rules run once per distinct rule input (then expanded by a take) only when the distinct inputs
#: are fewer than this share of the rows; otherwise on every row (the same values)
EXPAND_BELOW = 0.5
#: rows of distinct rule input whose text is built at a time (bounds the texts alive at once)
RULE_CHUNK_ROWS = 50_000
#: threads the slices of :data:`RULE_CHUNK_ROWS` rows are shared among
RULE_THREADS = 2


def _factorize_slices(chunks: list) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize`` of the text slices ``chunks`` (arrow arrays) taken as one column: the codes
    (-1 for a missing text), and the distinct texts in order of first use; ``chunks`` is emptied.

    One arrow ``dictionary_encode`` over the slices as a chunked column: arrow's hash table runs
    across the chunks, each chunk's indices point into the one dictionary of every text seen, in
    order of first use — the answer of factorising the concatenated column, without concatenating
    it. (Slice by slice through pandas, the table of the texts seen was rebuilt for every slice:
    on a ledger whose reasons all differ, as each carries its own dates, that cost grew with the
    square of the rows.)"""
    if not chunks:
        return np.zeros(0, dtype=np.intp), pd.Index([], dtype="str")
    encoded = pa.chunked_array(chunks, type=pa.large_string()).dictionary_encode()
    chunks.clear()
    codes = np.empty(encoded.length(), dtype=np.intp)
    lo = 0
    for part in encoded.chunks:
        codes[lo:lo + len(part)] = part.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        lo += len(part)
    dictionary = encoded.chunks[-1].dictionary if encoded.num_chunks else pa.array([], type=pa.large_string())
    del encoded
    return codes, pd.Index(_str_array(pa.chunked_array([dictionary], type=pa.large_string())), dtype="str")


def _category_dtype(categories: pd.Index) -> pd.CategoricalDtype:
    """``CategoricalDtype(categories)`` for texts already distinct (arrow's dictionary): pandas'
    own fast path, which does not hash every category again to check it (~0.25 s at 10⁶ reasons)."""
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    if fast is not None:
        try:
            return fast(categories, ordered=False)
        except TypeError:  # a pandas whose private signature differs: the checked way
            pass
    return pd.CategoricalDtype(categories)


def _str_array(values: "pa.ChunkedArray"):
    """The column ``values`` as pandas stores text by default: arrow-backed ``str`` (pandas ≥ 3,
    without a copy), else the object array pandas 2 makes of Python strings."""
    try:
        return pd.arrays.ArrowStringArray(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    except TypeError:  # pandas 2: no ``na_value``; its default text column is object
        return values.to_pandas().to_numpy(dtype=object)


#: the columns :func:`audit_idle`'s rules read (``area_m2`` only through the developed share)
_RULE_INPUTS = ("month_fields", "agreed_start", "actual_start", "stopped_since", "extension_until", "determination_date", "gov_cause",
                "bad_fields", "code_valid", "construction", "required_dev_area_m2", "developed_area_m2", "invested_wan",
                "total_investment_wan", "land_price_wan", "land_use_code", "land_use_name")


def _distinct_inputs(df) -> tuple[np.ndarray, np.ndarray]:
    """Group the rows by everything the rules read: (group of each row, first row of each group).

    The parcel area enters the rules only as the denominator of the developed share (and whether
    it is positive), so the key holds that share, not the area: rows alike but for their area and
    with no developed area recorded fall in one group.
    """
    n = len(df)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # one running code per row, refined column by column (factorize of code × width + next code):
    # a few integer arrays alive at a time, not a table of every key column
    # The codes are combined as code × width + next code while that stays within int64, and
    # renumbered (a factorize, a hash of every row) only when it would not: a few factorizes instead
    # of one per column. Combining is one-to-one, so the groups are the same; the last factorize
    # numbers them in the order of their first row, as before.
    group = np.zeros(n, dtype=np.int64)
    span = 1  # the codes in ``group`` lie in [0, span)

    def refine(codes, width):
        nonlocal group, span
        width = max(int(width), 1)
        if span * width >= 2 ** 62:
            group = pd.factorize(group, sort=False)[0].astype(np.int64, copy=False)
            span = int(group.max()) + 1
        group = group * width + codes
        span *= width

    for c in _RULE_INPUTS:
        if c in df:
            s = df[c]
            values = pd.DatetimeIndex(s).asi8 if pd.api.types.is_datetime64_any_dtype(s.dtype) else s
            codes, uniq = pd.factorize(values, use_na_sentinel=False)  # missing values: a code of their own
            refine(codes, len(uniq))
    area = df["area_m2"].to_numpy(dtype=float)
    required = df["required_dev_area_m2"].to_numpy(dtype=float) if "required_dev_area_m2" in df else np.full(n, np.nan)
    denominator = np.where(required > 0, required, area)
    developed = df["developed_area_m2"].to_numpy(dtype=float) if "developed_area_m2" in df else np.full(n, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        codes, uniq = pd.factorize(np.where(denominator > 0, developed / denominator, np.nan), use_na_sentinel=False)
    refine(codes, len(uniq))
    refine((denominator > 0).astype(np.int64), 2)
    group = pd.factorize(group, sort=False)[0]
    # codes number the groups in the order of their first row, so the first rows come out in order
    first = np.unique(group, return_index=True)[1]
    return group, first


#: a ledger of at least this many rows is first judged on a sample (:func:`_sample_mostly_distinct`)
DISTINCT_SAMPLE_FROM = 200_000
#: rows in that sample
DISTINCT_SAMPLE_ROWS = 50_000


def _sample_mostly_distinct(df) -> bool:
    """True when a random sample of ``df``'s rows (at least :data:`DISTINCT_SAMPLE_FROM` rows) shows
    the rule inputs to be nearly all distinct, so that grouping every row (:func:`_distinct_inputs`)
    would only find that the rules must run on every row; False (group them) otherwise.

    Why a sample decides: were half the rows or fewer distinct (the grouped path, ``EXPAND_BELOW``),
    every sampled row would share its group with another row, and a sample of a share ``f`` of the
    rows would hold about ``f / 2`` of its rows as repeats at least (pairs, the fewest repeats); a
    sample with fewer than half that is taken as distinct. A wrong guess costs time, never a value:
    both paths give the same columns (tests/test_idle_audit_distinct.py). The sample is seeded."""
    n = len(df)
    if n < DISTINCT_SAMPLE_FROM or EXPAND_BELOW > 0.5:  # (the bound above holds up to a half)
        return False
    rows = np.sort(np.random.default_rng(0).choice(n, DISTINCT_SAMPLE_ROWS, replace=False))
    # the sampled rows of each column taken one by one: a selection of the columns first copied
    # every row of them (a frame of many blocks is consolidated: ~1 s at 10⁶ parcels)
    sample = pd.DataFrame({c: df[c].iloc[rows].reset_index(drop=True) for c in (*_RULE_INPUTS, "area_m2")
                           if c in df.columns})
    group, first = _distinct_inputs(sample)
    share = DISTINCT_SAMPLE_ROWS / n
    return DISTINCT_SAMPLE_ROWS - len(first) < DISTINCT_SAMPLE_ROWS * share / 4


def _audit_rows(df, *, as_of: pd.Timestamp, rules: dict) -> dict:
    """The rules of :func:`audit_idle` on each row of ``df``: the new columns, as arrays (text as objects)."""
    art = rules["articles"]
    reg = rules["regulation_zh"]
    tol = float(rules["ratio_tolerance"])
    dev_cut, inv_cut = float(rules["developed_share_below"]), float(rules["invested_share_below"])
    fee_rate = float(rules["idle_fee_rate"])
    y_idle, y_reclaim, y_stop, y_ext = (pd.DateOffset(years=int(rules.get(k, 1))) for k in
                                        ("idle_after_years", "reclaim_after_years", "stopped_after_years",
                                         "extension_max_years"))
    steps = rules.get("next_step_zh", {})
    n = len(df)
    sources = df.attrs.get("field_sources")

    def field_label(field):  # a reason names the clerk's own column, never the English field
        return input_label(field, sources)

    bad_masks: dict[str, np.ndarray] = {}
    if "bad_fields" in df:
        flagged = df["bad_fields"].to_numpy(dtype=object)
        for i in np.flatnonzero(~pd.isna(flagged) & (flagged != "")):
            for field in str(flagged[i]).split(";"):
                bad_masks.setdefault(field, np.zeros(n, dtype=bool))[i] = True

    def bad(field):
        return bad_masks.get(field, np.zeros(n, dtype=bool))

    def dates(field):
        return pd.DatetimeIndex(df[field]) if field in df else pd.DatetimeIndex(np.full(n, np.datetime64("NaT"), "M8[ns]"))

    def numbers(field):
        return df[field].to_numpy(dtype=float) if field in df else np.full(n, np.nan)

    agreed = dates("agreed_start")
    actual = dates("actual_start")
    stopped_since = dates("stopped_since")
    ext_raw = dates("extension_until")
    determination = dates("determination_date")

    # Art. 8 causes: a government act (para. 1) or force majeure (para. 2)
    cause_kind = cause_kinds(df["gov_cause"] if "gov_cause" in df else pd.Series([None] * n, index=df.index), rules)
    has_cause = cause_kind != ""

    # Art. 12(1): an extension is for Art. 8 causes only and runs at most one year. An extension
    # without a cause is not honoured; one past the cap is honoured up to the cap.
    cap, ext_no_cause, ext_over, ext, has_ext, count_from = _start_counted(agreed, ext_raw, has_cause, y_ext)
    d1 = count_from + y_idle
    d2 = count_from + y_reclaim
    ds1 = stopped_since + y_stop
    # A date given only to the month (month_fields; read as its first day) is some day of that month:
    # the first and last day it may be (the statuses are decided over them in _decide_month_dates),
    # for the texts — such a date and every date counted from it read to the month — and the late start
    # span: each date shown or compared → (first day, last day or None when it is known to the day)
    months = {f: month_only(df, f) for f in ("agreed_start", "actual_start", "stopped_since", "extension_until",
                                             "determination_date")}
    any_month = any(m is not None for m in months.values())
    if any_month:
        b = {f: month_bounds(dates(f), m) for f, m in months.items()}
        cap_lo, _, _, ext_lo, _, from_lo = _start_counted(b["agreed_start"][0], b["extension_until"][0], has_cause, y_ext)
        cap_hi, _, _, ext_hi, _, from_hi = _start_counted(b["agreed_start"][1], b["extension_until"][1], has_cause, y_ext)
        (stop_lo, stop_hi) = b["stopped_since"]
        span = {"agreed": b["agreed_start"], "actual": b["actual_start"], "stop": b["stopped_since"],
                "ext_raw": b["extension_until"], "det": b["determination_date"], "ext": (ext_lo, ext_hi),
                "cap": (cap_lo, cap_hi), "from": (from_lo, from_hi), "d1": (from_lo + y_idle, from_hi + y_idle),
                "d2": (from_lo + y_reclaim, from_hi + y_reclaim), "ds1": (stop_lo + y_stop, stop_hi + y_stop)}
    else:   # (the common case: no date to the month, nothing counted twice)
        span = {"agreed": (agreed, None), "actual": (actual, None), "stop": (stopped_since, None),
                "ext_raw": (ext_raw, None), "det": (determination, None), "ext": (ext, None), "cap": (cap, None),
                "from": (count_from, None), "d1": (d1, None), "d2": (d2, None), "ds1": (ds1, None)}

    def first(key):
        return span[key][0]

    def last(key):
        return span[key][0] if span[key][1] is None else span[key][1]

    started = np.asarray((~actual.isna()) & (actual <= as_of))
    is_stopped = started & np.asarray((~stopped_since.isna()) & (stopped_since <= as_of))
    code_ok = df["code_valid"].to_numpy(dtype=bool) if "code_valid" in df else np.ones(n, bool)
    construction = df["construction"].fillna(False).to_numpy(dtype=bool) if "construction" in df else np.ones(n, bool)

    area = df["area_m2"].to_numpy(dtype=float)
    required = numbers("required_dev_area_m2")
    use_required = required > 0
    denominator = np.where(use_required, required, area)
    developed = numbers("developed_area_m2")
    invested = numbers("invested_wan")
    total = numbers("total_investment_wan")
    with np.errstate(divide="ignore", invalid="ignore"):
        dev_share = np.where(denominator > 0, developed / denominator, np.nan)
        inv_share = np.where(total > 0, invested / total, np.nan)
    dev_known, inv_known = ~np.isnan(dev_share), ~np.isnan(inv_share)
    dev_under = dev_known & (dev_share < dev_cut - tol)
    inv_under = inv_known & (inv_share < inv_cut - tol)
    under = dev_under | inv_under
    not_under = dev_known & inv_known & ~under

    # The statuses are held as codes (an int per row, ``_CODE``), and every text below is built by
    # arrow (pyarrow.compute string kernels, which release the GIL), not as a Python string per row:
    # at 10⁶ parcels the object-array concatenation and the conversion of its strings to arrow were
    # ~4 s of the rules' ~6 s on one core. The texts are the same (tests/test_idle_audit*.py).
    st = np.full(n, -1, dtype=np.int8)
    miss_texts: list[str] = [""]
    miss_code = np.zeros(n, dtype=np.int32)
    undecided = np.ones(n, dtype=bool)

    def decide(mask, value, miss=None):
        take = mask & undecided
        st[take] = _CODE[value]
        undecided[take] = False
        if miss is not None:
            miss_texts.append(miss)
            miss_code[take] = len(miss_texts) - 1
        return take

    # 1. fields the rules cannot do without
    decide(bad("agreed_start"), "insufficient_data", field_label("agreed_start") + "无法识别")
    decide(bad("land_use_code") | ~code_ok, "insufficient_data", field_label("land_use_code") + "缺失或无效")
    decide(~construction, "not_applicable")
    # Art. 2 covers every 国有建设用地 with a 有偿使用合同 or 划拨决定书, and both fix a start date: a blank
    # (or placeholder) date on construction land hides the one fact the audit needs, so the row is
    # 数据不足 and goes on the list of rows to correct — never 不适用 (issue 14 item 7).
    decide(np.asarray(agreed.isna()), "insufficient_data",
           field_label("agreed_start") + "缺失（建设用地的出让合同或划拨决定书应约定动工开发日期）")
    decide(bad("actual_start"), "insufficient_data", field_label("actual_start") + "无法识别")
    # 2. not started (Art. 2 first paragraph; Art. 14)
    not_started = ~started
    decide(not_started & bad("extension_until"), "insufficient_data", field_label("extension_until") + "无法识别")
    decide(not_started & has_ext & np.asarray(ext >= as_of), "extended")
    decide(not_started & np.asarray(d2 < as_of), "idle_reclaim")
    decide(not_started & np.asarray(d1 < as_of), "idle")
    decide(not_started, "normal")
    # 3. started, stopped (Art. 2 second paragraph)
    decide(bad("stopped_since"), "insufficient_data", field_label("stopped_since") + "无法识别")
    decide(~is_stopped, "normal")
    decide(np.asarray(ds1 >= as_of), "normal")
    decide(under, "idle_underdeveloped")
    decide(not_under, "normal")
    dev_label = field_label("developed_area_m2")
    inv_label = "、".join(field_label(f) for f in ("invested_wan", "total_investment_wan"))
    # which of the shares could not be computed, for the rows left: a text per combination of the
    # three facts it names (at most 8), not one per row
    left = decide(np.ones(n, bool), "insufficient_data")
    has_area = denominator > 0
    for dk in (False, True):
        for dp in (False, True):
            for ik in (False, True):
                rows = left & (dev_known == dk) & (has_area == dp) & (inv_known == ik)
                if rows.any():
                    miss_texts.append("、".join(([dev_label + ("（宗地无有效面积）" if not dp else "")] if not dk else [])
                                               + ([inv_label] if not ik else [])))
                    miss_code[rows] = len(miss_texts) - 1
    missing = pa.array(miss_texts, type=_LS).take(pa.array(miss_code))

    def is_(value):
        return st == _CODE[value]

    # 4. an Art. 8 cause turns an idle finding into "excused"
    fm_names = {k: v for k, v in rules.get("force_majeure_causes_zh", {}).items() if not k.startswith("_")}
    gov_text = _Texts(n)
    if has_cause.any():
        # once per distinct cause (a column holds few), then taken
        cause_rows = np.flatnonzero(has_cause)
        codes_, uniq = pd.factorize(df["gov_cause"].iloc[cause_rows].astype(str).str.strip().to_numpy(dtype=object))
        named = pa.array([rules["gov_causes_zh"].get(g) or fm_names.get(g) or g for g in uniq], type=_LS)
        gov_text.set(has_cause, named.take(pa.array(codes_)))
    gov_text = gov_text.array()
    idle_codes = [_CODE[s] for s in IDLE_STATUSES]
    found_idle = np.isin(st, idle_codes)
    # 第十二条第（一）项: a 第八条 cause that led to an extension excuses the delay up to the extended
    # start only. Not started a full year after that start, the land is idle by 第二条 and is disposed
    # of by 第十四条; the same cause, used up by the extension, does not excuse it again (a new cause
    # arising after the extension would: the reason asks to verify that).
    cause_spent = has_cause & has_ext & np.asarray(ext > agreed)
    excused = found_idle & has_cause & ~(cause_spent & ~started)
    idle_kind = st.copy()
    st[excused] = _CODE["excused"]
    # Art. 9: determined only when the input records a 认定书 dated by the audit date
    has_det = np.asarray(~determination.isna() & (determination <= as_of))
    determined = found_idle & has_det

    price = df["land_price_wan"].to_numpy(dtype=float) if "land_price_wan" in df else np.full(n, np.nan)
    fee = np.where(np.isin(st, [_CODE[s] for s in FEE_STATUSES]), price * fee_rate, np.nan)
    fee = np.where(is_("excused"), 0.0, fee)

    # --- reasons (Chinese; article and the dates that decided) -----------------------------
    # Built only for the rows of each clause: each part filtered to those rows, joined by arrow.
    s_agreed, s_ext, s_cap = _datestr(*span["agreed"]), _datestr(*span["ext"]), _datestr(*span["cap"])
    s_ext_raw, s_det = _datestr(*span["ext_raw"]), _datestr(*span["det"])
    s_d1, s_d2, s_ds1 = _datestr(*span["d1"]), _datestr(*span["d2"]), _datestr(*span["ds1"])
    s_act, s_stop = _datestr(*span["actual"]), _datestr(*span["stop"])
    s_asof = as_of.strftime("%Y-%m-%d")
    ext_part = _Texts(n)
    ext_part.put(has_ext, "，经批准延期至", s_ext, "（自该日起算）")
    _extension_before_start_part(ext_part, has_ext & np.asarray(agreed > ext), s_ext, s_agreed)
    ext_part = ext_part.array()
    ext_flag = _Texts(n)
    if ext_no_cause.any():
        ext_flag.put(ext_no_cause, "延期至", s_ext_raw, "，但未记录第八条原因：依" + art["extension"]
                        + "，延长动工开发期限只适用于第八条情形，该延期不予认可，自原约定动工日期", s_agreed, "起算")
    if ext_over.any():
        over_days = _Texts(n)
        over_days.set(ext_over, _day_span(*(d[ext_over] for d in (first("ext_raw"), last("ext_raw"), first("cap"),
                                                                    last("cap"))))[0])
        ext_flag.put(ext_over, "延期至", s_ext_raw, "，超过" + art["extension"]
                        + "“延长动工开发期限最长不得超过一年”的上限（原约定动工日期满一年之日", s_cap, "）",
                        over_days.array(), "天：上限以内部分认可，自", s_cap, "起算，超出部分不予认可")
    ext_flag = ext_flag.array()
    flagged_ext = ext_no_cause | ext_over
    needs_fee = np.isin(idle_kind, idle_codes) & ~excused
    fee_part = _Texts(n)
    if needs_fee.any():
        fee_word = _choose(determined, "依" + art["fee"] + "按土地价款", "如经认定，依" + art["fee"] + "按土地价款")
        fee_tail = _choose(determined, "万元", "万元（潜在土地闲置费，认定前不得征缴）")
        no_price = _join(needs_fee, "；", _choose(determined, "应", "如经认定应"), "征缴土地闲置费（缺少土地价款，金额待核定）")
        priced = _join(needs_fee, "；", fee_word, _Formatted(price, 2), f"万元的{fee_rate:.0%}征缴土地闲置费",
                       _Formatted(price * fee_rate, 2), fee_tail)
        fee_part.set(needs_fee, pc.if_else(_mask(np.isnan(price[needs_fee])), no_price, priced))
    fee_part = fee_part.array()
    share_rows = (idle_kind == _CODE["idle_underdeveloped"]) | (is_("normal") & is_stopped & np.asarray(ds1 < as_of))
    share_part = _Texts(n)
    if share_rows.any():
        denom_word = _choose(use_required, "已开发面积占应动工开发建设用地总面积",
                             "已开发面积占宗地面积（未提供应动工开发建设用地总面积，以宗地面积代替）")
        share_part.put(share_rows, denom_word, "的", _Formatted(np.asarray(dev_share, dtype=float) * 100, 1, "%"),
                          _choose(dev_under, "（不足三分之一）", ""), "，已投资额占总投资额的",
                          _Formatted(np.asarray(inv_share, dtype=float) * 100, 1, "%"),
                          _choose(inv_under, "（不足25%）", ""))
    share_part = share_part.array()
    start = ("约定动工日期", s_agreed, ext_part)
    reg_def = reg + art["definition"]
    verdict = _Texts(n, "，涉嫌构成" + reg_def + "规定的闲置土地（疑似，尚未经" + art["procedure"] + "程序认定）")
    if determined.any():
        verdict.put(determined, "，已于", s_det, "下达《闲置土地认定书》（" + art["determination"]
                       + "），认定为闲置土地")
    verdict = verdict.array()
    # the reason: a sentence by status, then what is added to it (a cause recorded, the extension
    # check, a 认定书 date not used), each its own column, joined at the end
    reason, also_cause, also_ext, also_det = _Texts(n), _Texts(n), _Texts(n), _Texts(n)
    put = reason.put

    put(idle_kind == _CODE["idle"], *start, "；满一年之日为", s_d1, "，至基准日" + s_asof + "仍未动工开发（已满一年、未满两年）",
        verdict, fee_part, "。")
    # after "满一年时" the fee sentence follows directly: its own leading "；" would cut the clause in two
    cut = (idle_kind == _CODE["idle_reclaim"]) & needs_fee
    fee_after = fee_part
    if cut.any():
        fee_after = pc.if_else(pc.and_(_mask(cut), pc.starts_with(fee_part, "；")),
                               pc.utf8_slice_codeunits(fee_part, 1), fee_part)
    law = rules.get("land_law_zh", "《土地管理法》")
    reclaim_law = f"（所援引《土地管理法》条文在{law}中为{rules.get('land_law_articles', {}).get('idle_land', '第三十八条')}）"
    reclaim_tail = art["reclaim"] + reclaim_law + "报经有批准权的人民政府批准后可无偿收回国有建设用地使用权；满一年时"
    put(idle_kind == _CODE["idle_reclaim"], *start, "；满两年之日为", s_d2, "，至基准日" + s_asof + "仍未动工开发", verdict,
        _choose(excused, "", _choose(determined, "；依" + reclaim_tail, "；如经认定，依" + reclaim_tail)), fee_after,
        _choose(excused, "", "（已征缴的不重复）"), "。")
    put(idle_kind == _CODE["idle_underdeveloped"], "已于", s_act, "动工开发，自", s_stop, "中止开发建设，满一年之日为", s_ds1,
        "，至基准日" + s_asof + "已满一年；", share_part, "。依" + reg + art["definition_para2"]
        + "，此类土地“也可以认定为闲置土地”——可以认定而非必须认定，由市、县自然资源主管部门裁量", verdict,
        _choose(excused, "", "；如认定，依" + art["fee_and_reclaim"] + "处置"), fee_part, "。")
    is_fm = cause_kind == "force_majeure"
    if excused.any():
        fm = excused & is_fm
        gv = excused & ~fm
        also_cause.put(gv, "但记录有政府原因（" + art["gov_cause"] + "第一款）：", gov_text,
            "；经审核属实的按" + art["gov_disposal"] + "处置，不征收土地闲置费，列入跟踪。")
        also_cause.put(fm, "但记录有不可抗力（" + art["force_majeure"] + "，因自然灾害等不可抗力导致土地闲置的"
            "依第一款办理）：", gov_text, "；经审核属实的按" + art["gov_disposal"] + "处置，不征收土地闲置费，列入跟踪。")
    put(is_("extended"), *start, "；基准日" + s_asof + "尚在批准的延期动工期限内（延期至", s_ext, "），暂不认定闲置；此后自",
        s_ext, "起算，满一年之日为", s_d1, "。")
    put(is_("normal") & not_started, *start, "；至基准日" + s_asof + "未动工开发，但未满一年（满一年之日为", s_d1,
        "，此后方可列为疑似闲置）。")
    put(is_("normal") & started & ~is_stopped, "已于", s_act, "动工开发，至基准日" + s_asof + "未记录中止开发。")
    put(is_("normal") & is_stopped & np.asarray(ds1 >= as_of), "已于", s_act, "动工开发，自", s_stop,
        "中止开发，至基准日" + s_asof + "未满一年（满一年之日为", s_ds1, "）。")
    put(is_("normal") & is_stopped & np.asarray(ds1 < as_of), "已于", s_act, "动工开发，自", s_stop, "中止开发已满一年，但",
        share_part, "，均未低于" + art["definition_para2"] + "的标准，不列为闲置。")
    na_rows = is_("not_applicable")
    if na_rows.any():  # the text for those rows only, not for all n
        code_txt = (df["land_use_code"][na_rows].astype(object).fillna("").astype(str).to_numpy(dtype=object)
                    + df["land_use_name"][na_rows].astype(object).fillna("").astype(str).to_numpy(dtype=object))
        code_col = _Texts(n)
        code_col.set(na_rows, pa.array(code_txt, type=_LS))
        code_txt = code_col.array()
        put(na_rows, "地类", code_txt, "不属于建设用地，" + reg_def + "只适用于国有建设用地，不适用。")
    put(is_("insufficient_data"), "数据不足，无法判断：", missing, "。请补齐后重新审计。")
    spent_idle = found_idle & cause_spent & ~started
    if spent_idle.any():
        also_cause.put(spent_idle, "【第八条原因已用于延期】记录的", _choose(is_fm, "不可抗力（", "政府原因（"), gov_text,
                       "）已据" + art["extension"] + "延期至", s_ext, "，只免除至该日的延误；自该日起满一年仍未动工开发的，"
                       "不因同一原因免除，依" + art["fee_and_reclaim"] + "处置。请核实延期后是否另有新的第八条原因"
                       "（如有，经审核属实的按" + art["gov_disposal"] + "处置）。")
    other_gov = has_cause & ~excused & ~spent_idle
    also_cause.put(other_gov, _choose(is_fm, "（另记录不可抗力：", "（另记录政府原因："), gov_text, "）")
    also_ext.put(flagged_ext, "【延期核查】", ext_flag, "。")
    det_unused = ~determination.isna() & ~determined
    if det_unused.any():
        late = det_unused & np.asarray(determination > as_of)
        also_det.put(late, "（记录的闲置土地认定书日期", s_det, "晚于基准日，按基准日尚未认定）")
        odd = det_unused & ~late
        also_det.put(odd, "（记录有闲置土地认定书日期", s_det, "，但按输入数据至基准日不构成闲置，请核实）")
    # 5. a start more than a full year after the agreed (or validly extended) start: idle in that
    # period (第二条), though started now. The status stays the present state; the row is flagged
    # A date given to the month: late only where it is late on every day of the month (the start at its
    # first day, the year's end at its last); where it is late on some days only, the flag asks for the day
    late = _late_starts(started, first("actual"), last("d1"))
    unsure = (_late_starts(started, last("actual"), first("d1")) & ~late) if any_month else np.zeros(n, dtype=bool)
    late_flag = _Texts(n)
    if late.any() or unsure.any():
        # the texts of the flagged rows only (at 10⁶ parcels most are not late): each part taken for them
        flagged = late | unsure
        m = _mask(flagged)
        one_day = pd.Timedelta(days=1)
        late_ext = _Texts(n)
        late_ext.put(flagged & has_ext & np.asarray(agreed <= ext), "（经批准延期至", s_ext, "）")
        act_lo, act_hi, from_lo, from_hi, d1_lo, d1_hi = (d[flagged] for d in (
            first("actual"), last("actual"), first("from"), last("from"), first("d1"), last("d1")))
        # the idle period: exact dates; where a date is known to the month only, the days idle on every day of it
        period = pc.binary_join_element_wise(_dates_text(d1_hi + one_day), _part("至"), _dates_text(act_lo - one_day),
                                             _part(""))
        days, ranged = _day_span(act_lo, act_hi, from_lo, from_hi) if any_month else _day_span(act_lo, act_lo, from_lo, from_lo)
        days = pc.binary_join_element_wise(days, _part("天"), _part(""))
        if any_month:  # (else every date is exact: the texts as they always were, nothing more computed)
            days = pc.if_else(_mask(ranged), pc.binary_join_element_wise(
                days, _part("（只填到月的日期按该月首日、末日计）"), _part("")), days)
            exact = np.asarray((d1_lo == d1_hi) & (act_lo == act_hi))
            period = pc.if_else(_mask(exact), period, pc.binary_join_element_wise(
                _part("满一年之日后至动工前（按该月任何一日至少为"), period, _part("）"), _part("")))

        def sub(flag, text, other=""):
            return pc.if_else(_mask(flag[flagged]), _part(text), _part(other))

        def by_late(text, other):  # the text of a late row, or of one late on some days of the month only
            return sub(late, text, other) if unsure.any() else _part(text)

        late_text = pc.binary_join_element_wise(
            _part("）：依" + reg_def + "，"), period,
            _part("期间曾构成闲置土地（未动工开发满一年）；现已动工，结论按基准日现状。请核查是否已依" + art["fee"] + "征缴土地闲置费"),
            _part(""))
        if unsure.any():
            late_text = pc.if_else(_mask(late[flagged]), late_text, _part(
                "）随只填到月的日期是该月哪一天而不同：" + LATE_UNSURE_ZH + "（请填写到日后重新审计）；如超过，依" + reg_def
                + "其间曾构成闲置土地，须核查是否已依" + art["fee"] + "征缴土地闲置费"))
        late_flag.set(flagged, pc.binary_join_element_wise(
            _part("实际动工日期"), s_act.rows(flagged), by_late("比约定动工日期", "与约定动工日期"), s_agreed.rows(flagged),
            late_ext.array().filter(m), by_late("晚", "相隔"), days,
            by_late("，超过满一年之日（", "，是否超过满一年之日（"), s_d1.rows(flagged), late_text,
            sub(has_cause & ~cause_spent, "（记录有第八条原因：经审核属实的不征收土地闲置费）"),
            sub(bad("extension_until"), "（" + field_label("extension_until") + "中没有可识别的延期日期，未作为延期，对此无影响；"
                "如有第八条情形的延期补充协议，请填写延期至的日期后重新审计）"),
            sub(flagged_ext, "（所记录的延期未获认可或超过一年上限，见延期核查提示）"), _part("")))
    late_flag = late_flag.array()
    # the reason's remark is one of a few texts (the dates and days are in the flag column): at 10⁶
    # parcels a per-row remark made every late row's reason distinct (~+3 s of CPU, +0.7 GB)
    also_late = _Texts(n)
    also_late.put(late, "【逾期动工】动工晚于约定（或经批准延期后的）动工开发日期满一年，其间曾构成" + reg_def
                  + "规定的闲置土地，日期与天数见逾期动工提示；请核查是否已依" + art["fee"] + "征缴土地闲置费",
                  _choose(has_cause & ~cause_spent, "（记录有第八条原因：经审核属实的不征收）", ""),
                  _choose(bad("extension_until"), "（" + field_label("extension_until") + "中没有可识别的延期日期，"
                          "未作为延期，对此无影响）", ""), "。")
    also_late.put(unsure, "【逾期动工待核实】动工是否晚于约定（或经批准延期后的）动工开发日期满一年，随只填到月的日期是该月哪一天而不同，"
                  + LATE_UNSURE_ZH + "，见逾期动工提示；如晚于，其间曾构成" + reg_def + "规定的闲置土地。")
    reason = pc.binary_join_element_wise(reason.array(), also_cause.array(), also_ext.array(), also_det.array(),
                                         also_late.array(), pa.scalar("", type=_LS))

    # the labels and next steps: a code per row into a short list of texts, then one take
    labels: list[str] = [""]
    zh = np.zeros(n, dtype=np.int32)

    def label(mask, text):
        labels.append(text)
        zh[mask] = len(labels) - 1

    for key, text in STATUS_ZH.items():
        label(is_(key), text)
    for key, text in DETERMINED_ZH.items():
        label(determined & is_(key), text)
    for kind, text in EXCUSED_ZH.items():
        take = excused & (cause_kind == kind)
        label(take, text)
        label(take & determined, EXCUSED_DETERMINED_ZH[kind])
    steps_txt = ["", steps.get("suspected", "依第五条开展调查"), steps.get("determined", ""), steps.get("excused", ""),
                 "补齐数据后重新审计"]
    step = np.zeros(n, dtype=np.int32)
    step[found_idle & ~determined & ~excused] = 1
    step[determined & ~excused] = 2
    step[excused] = 3
    step[is_("insufficient_data")] = 4
    if flagged_ext.any():
        extra = steps.get("extension_flag", "核实延期补充协议")
        base = len(steps_txt)
        steps_txt += [extra if t == "" else t + "；" + extra for t in steps_txt]
        step[flagged_ext] += base
    if late.any():
        extra = steps.get("late_start", "核查是否已征缴土地闲置费（第十四条第（一）项）")
        base = len(steps_txt)
        steps_txt += [extra if t == "" else t + "；" + extra for t in steps_txt]
        step[late] += base
    if unsure.any():
        extra = steps.get("late_start_unsure", "将只填到月的日期填写到日后重新审计，再定是否逾期动工")
        base = len(steps_txt)
        steps_txt += [extra if t == "" else t + "；" + extra for t in steps_txt]
        step[unsure] += base

    return {"status": pa.array(list(_CODE), type=_LS).take(pa.array(st)), "status_zh": pa.array(labels, type=_LS).take(pa.array(zh)),
            "reason_zh": reason, "fee_wan": fee,
            "count_from": count_from.where(~started, stopped_since), "deadline_1y": d1.where(~started, ds1),
            "deadline_2y": d2.where(~started), "developed_share": dev_share, "invested_share": inv_share,
            "missing_fields": missing, "determined": determined,
            "next_step_zh": pa.array(steps_txt, type=_LS).take(pa.array(step)),
            "extension_flag": ext_flag, "late_start_flag": late_flag, "cause_kind": cause_kind}


def _start_counted(agreed: pd.DatetimeIndex, ext_raw: pd.DatetimeIndex, has_cause: np.ndarray, y_ext):
    """The start the year counts from (《闲置土地处置办法》第十二条第（一）项): an extension is for 第八条
    causes only and runs at most ``y_ext`` (one year). Returns (cap, extension without a cause, extension
    past the cap, the extension honoured, has one, the start counted from). The start counted from never
    moves earlier as ``agreed`` or ``ext_raw`` moves later (the first and last day of a month-only date
    bound it)."""
    cap = agreed + y_ext
    moves = np.asarray(~ext_raw.isna() & ~agreed.isna() & (ext_raw > agreed))
    ext_no_cause = moves & ~has_cause
    ext_over = moves & has_cause & np.asarray(ext_raw > cap)
    eff = np.where(ext_no_cause, np.datetime64("NaT"), ext_raw.to_numpy())
    eff = np.where(ext_over, cap.to_numpy(), eff)
    ext = pd.DatetimeIndex(eff)
    has_ext = np.asarray(~ext.isna())
    return cap, ext_no_cause, ext_over, ext, has_ext, agreed.where(~has_ext | (agreed > ext), ext)


def _day_span(later_lo, later_hi, earlier_lo, earlier_hi) -> tuple[pa.Array, np.ndarray]:
    """The days from an earlier to a later date as text, each given by the first and last day it may
    be (a date known only to the month): "N", or "N1至N2" where they differ; and where they differ.

    Examples
    --------
    >>> a, b = pd.DatetimeIndex(["2023-03-01", "2023-03-01"]), pd.DatetimeIndex(["2021-11-01", "2021-11-01"])
    >>> text, span = _day_span(a, a, b, pd.DatetimeIndex(["2021-11-30", "2021-11-01"]))
    >>> text.to_pylist(), span.tolist()
    (['456至485', '485'], [True, False])
    """
    with np.errstate(invalid="ignore"):
        lo = np.asarray((later_lo - earlier_hi) / pd.Timedelta(days=1)).astype(np.int64)
        hi = lo if later_hi is later_lo and earlier_hi is earlier_lo else \
            np.asarray((later_hi - earlier_lo) / pd.Timedelta(days=1)).astype(np.int64)
    text = pc.cast(pa.array(lo), _LS)
    span = lo != hi
    if span.any():
        text = pc.if_else(_mask(span), pc.binary_join_element_wise(text, pc.cast(pa.array(hi), _LS), _part("至")), text)
    return text, span


def _late_starts(started: np.ndarray, actual: pd.DatetimeIndex, d1: pd.DatetimeIndex) -> np.ndarray:
    """The rows started (``started``) after having been idle: 《闲置土地处置办法》第二条 makes land idle
    that is not started when one full year has passed since the agreed start (``d1``, the year's last
    day, from the agreed or validly extended start, 第十二条第（一）项). On the day after ``d1`` the year is
    full: a parcel not started by then was idle on that day, so a start later than ``d1`` + 1 day
    means an idle period (the statuses this module gives on each audit date agree: idle from ``d1`` + 1
    day, started on the start date).

    Examples
    --------
    >>> d1 = pd.DatetimeIndex(["2023-03-01"] * 3)
    >>> _late_starts(np.ones(3, bool), pd.DatetimeIndex(["2023-03-02", "2023-03-03", "2023-01-31"]), d1).tolist()
    [False, True, False]
    """
    return np.asarray(started & np.asarray(~d1.isna() & (actual > d1 + pd.Timedelta(days=1))), dtype=bool)


def rows_zh(n: int, footers: int, *, unit: str = "宗") -> str:
    """How many input rows, said as a clerk counts them: ``"50 宗"`` — or, where some rows are a
    ledger's 合计 row or footer (``not_a_parcel``), ``"50 行（其中 48 宗地、2 行非宗地行（合计/表尾））"``:
    every count of the input says the same (CLI, 说明 sheet, the list's heading).

    Examples
    --------
    >>> rows_zh(50, 2), rows_zh(3, 0), rows_zh(3, 0, unit="条记录")
    ('50 行（其中 48 宗地、2 行非宗地行（合计/表尾））', '3 宗', '3 条记录')
    """
    if not footers:
        return f"{n:,} {unit}"
    return f"{n:,} 行（其中 {n - footers:,} 宗地、{footers:,} 行{STATUS_ZH['not_a_parcel']}）"


def footer_count(audited) -> int:
    """The rows of ``audited`` that are a ledger's 合计 row or footer (status ``not_a_parcel``)."""
    if "status" not in audited.columns:
        return 0
    return int(np.asarray(audited["status"] == "not_a_parcel", dtype=bool).sum())


def in_totals(audited) -> np.ndarray:
    """Which rows count in totals and summaries: all but the repeats of a duplicated parcel id
    (``in_totals`` of :func:`~dcf_spatial.land.parcels.validate_parcels`; all rows without it).

    Examples
    --------
    >>> in_totals(pd.DataFrame({"in_totals": [True, False]})).tolist(), in_totals(pd.DataFrame({"a": [1]})).tolist()
    ([True, False], [True])
    """
    if "in_totals" not in audited.columns:
        return np.ones(len(audited), dtype=bool)
    return pd.Series(audited["in_totals"]).fillna(True).to_numpy(dtype=bool)


def counted_once(audited):
    """``audited`` without the repeats of a duplicated parcel id (see :func:`in_totals`): each parcel
    once, for the totals. The same frame when nothing is repeated.

    Examples
    --------
    >>> len(counted_once(pd.DataFrame({"parcel_id": ["1", "1"], "in_totals": [True, False]})))
    1
    """
    keep = in_totals(audited)
    return audited if keep.all() else audited[keep]


def fee_pending(audited) -> np.ndarray:
    """The rows whose 土地闲置费 is owed but cannot be reckoned: idle (``FEE_STATUSES``, 第十四条第（一）项)
    with no 土地价款 given, so ``fee_wan`` is empty (the row's reason says 金额待核定). A total must not
    read 0.00 for them (QA7 #3): :func:`fee_total_zh` says 待核定 and how many.

    Examples
    --------
    >>> fee_pending(pd.DataFrame({"status": ["idle", "idle", "normal"], "fee_wan": [None, 2.0, None]})).tolist()
    [True, False, False]
    """
    # the statuses as their codes (looked up by arrow where the text is held there), not a Python
    # string per row hashed by np.isin (~0.5 s at 10⁶ parcels); the same rows
    codes = status_codes(audited["status"])
    fee = pd.to_numeric(audited["fee_wan"], errors="coerce").to_numpy(dtype=float) if "fee_wan" in audited.columns \
        else np.full(len(codes), np.nan)
    return np.isin(codes, [STATUS_ORDER.index(s) for s in FEE_STATUSES]) & np.isnan(fee)


def _list_missing_prices(out, rules: dict) -> None:
    """The idle rows (:data:`IDLE_STATUSES`, not excused) without a 土地价款 — their reason says the
    土地闲置费 is 金额待核定 (:func:`fee_pending`, ``reclaim_no_price``) — go on the 问题记录 sheet: 数据问题
    names the field and the fix, as a missing area does (QA session 31 F5). Only when the table has a price
    column (a table without one is no row's to correct: the totals say 缺少土地价款 once); rows whose problems
    already name the price (a value not read) are left as they are. In place."""
    if "problems" not in out.columns or not (out.attrs.get("field_sources") or {}).get("land_price_wan"):
        return   # a table without a price column: the file's matter, said once in the notes, no row's to correct
    idle = np.isin(status_codes(out["status"]), [STATUS_ORDER.index(s) for s in IDLE_STATUSES])
    price = pd.to_numeric(out["land_price_wan"], errors="coerce").to_numpy(dtype=float)
    rows = np.flatnonzero(idle & np.isnan(price))
    if not len(rows):
        return
    old = out["problems"].iloc[rows].astype(object).fillna("").astype(str).to_numpy(dtype=object)
    keep = np.array(["土地价款" not in p for p in old], dtype=bool)
    rows, old = rows[keep], old[keep]
    if not len(rows):
        return
    text = (f"缺少{input_label('land_price_wan', out.attrs.get('field_sources'))}：土地闲置费（{rules['articles']['fee']}，"
            f"按土地价款的{float(rules['idle_fee_rate']):.0%}）无法计算，金额待核定；请在该列填写该宗地的土地价款（万元）后重新审计")
    _put_rows(out, "problems", rows, np.where(old == "", text, old + "；" + text))


def reclaim_counts(audited) -> dict:
    """The parcels due for reclaim (``idle_reclaim``, 第十四条第（二）项: 未动工开发满两年 → 无偿收回), each
    once: how many, their 亩 and their 土地价款 (万元; ``reclaim_no_price``: how many have none). Said apart
    from the 土地闲置费合计, which they are not in (:data:`FEE_STATUSES`). Numbers that add up over partitions.

    Examples
    --------
    >>> reclaim_counts(pd.DataFrame({"status": ["idle_reclaim", "idle", "idle_reclaim"], "area_mu": [10.0, 5.0, 2.0],
    ...                              "land_price_wan": [300.0, 100.0, float("nan")]}))
    {'reclaim': 2, 'reclaim_area_mu': 12.0, 'reclaim_price_wan': 300.0, 'reclaim_no_price': 1}
    """
    due = np.asarray(status_codes(audited["status"]) == STATUS_ORDER.index("idle_reclaim")) & in_totals(audited)
    n = len(audited)
    area = audited["area_mu"].to_numpy(dtype=float) if "area_mu" in audited.columns else np.full(n, np.nan)
    price = (pd.to_numeric(audited["land_price_wan"], errors="coerce").to_numpy(dtype=float)
             if "land_price_wan" in audited.columns else np.full(n, np.nan))
    return {"reclaim": int(due.sum()), "reclaim_area_mu": float(np.nansum(area[due])),
            "reclaim_price_wan": float(np.nansum(price[due])), "reclaim_no_price": int((due & np.isnan(price)).sum())}


def reclaim_line_zh(counts: dict, rules: dict | None = None) -> str:
    """The sentence saying the parcels due for reclaim apart from the fee total ("" when none).

    Examples
    --------
    >>> reclaim_line_zh({"reclaim": 4, "reclaim_area_mu": 120.5, "reclaim_price_wan": 6000.0, "reclaim_no_price": 0}).split("：")[0]
    '未动工开发满两年的宗地 4 宗（面积 120.50 亩，土地价款合计 6,000.00 万元）'
    """
    if not counts.get("reclaim"):
        return ""
    rules = rules or load_rules()
    price = f"土地价款合计 {counts['reclaim_price_wan']:,.2f} 万元"
    if counts.get("reclaim_no_price"):
        price += f"，另 {counts['reclaim_no_price']:,} 宗缺少土地价款"
    return (f"未动工开发满两年的宗地 {counts['reclaim']:,} 宗（面积 {counts['reclaim_area_mu']:,.2f} 亩，{price}）："
            f"依{rules['regulation_zh'].split('（')[0]}{rules['articles']['reclaim']}，经认定并报经有批准权的人民政府批准后"
            "可无偿收回国有建设用地使用权；不计入土地闲置费合计（其满一年时应征的闲置费见各宗理由，已征缴的不重复）")


def fee_total_zh(fee: float, pending: int) -> str:
    """A fee total as it must be read: ``"12.50 万元"``; with rows whose land price is missing,
    ``"待核定（3 宗缺少土地价款）"`` or ``"12.50 万元（另 3 宗缺少土地价款，金额待核定）"`` — never 0.00 for them.

    Examples
    --------
    >>> fee_total_zh(0.0, 3), fee_total_zh(12.5, 0), fee_total_zh(12.5, 1)
    ('待核定（3 宗缺少土地价款）', '12.50 万元', '12.50 万元（另 1 宗缺少土地价款，金额待核定）')
    """
    fee = 0.0 if fee is None or fee != fee else float(fee)
    if not pending:
        return f"{fee:,.2f} 万元"
    if fee == 0:
        return f"待核定（{pending:,} 宗缺少土地价款）"
    return f"{fee:,.2f} 万元（另 {pending:,} 宗缺少土地价款，金额待核定）"


def status_counts(audited, *, rows: bool = False) -> dict:
    """How many per status (every :data:`STATUS_ORDER` key, zeros included): each parcel once — the
    repeats of a duplicated parcel id (``in_totals`` False) are not counted again, as in the workbooks'
    宗数 — or, with ``rows``, every row (``rows_by_status``). A 合计/表尾 row (``not_a_parcel``) is no
    parcel and no repeat: it counts once under its own status either way.

    Examples
    --------
    >>> a = pd.DataFrame({"status": ["idle", "idle", "normal", "not_a_parcel"],
    ...                   "in_totals": [True, False, True, False]})
    >>> status_counts(a)["idle"], status_counts(a, rows=True)["idle"], status_counts(a)["not_a_parcel"]
    (1, 2, 1)
    """
    status = audited["status"]
    # counted on the column as it is (arrow text or category): an object copy of 10⁶ statuses held
    # ~0.15 GB more at the audit's peak
    status = status.reset_index(drop=True) if isinstance(status, pd.Series) else pd.Series(status)
    if not rows:
        keep = np.asarray(in_totals(audited), dtype=bool) | np.asarray(status == "not_a_parcel", dtype=bool)
        status = status[keep]
    counts = status.value_counts()
    return {str(k): int(counts.get(k, 0)) for k in STATUS_ORDER}


def summarize(audited, by: list[str] | None = None) -> pd.DataFrame:
    """Count, area (亩) and fee (万元) per status, optionally grouped by ``by`` columns.

    A parcel id given on several rows counts once (its first row, :func:`counted_once`); every row
    keeps its own conclusion in the lists.

    Returns one row per group with a column per status count and the totals; idle area is the
    area of parcels whose status is in ``IDLE_STATUSES`` (the excused ones are counted apart);
    ``determined_count`` how many of those carry a 认定书 (the rest are suspected).

    Examples
    --------
    >>> t = summarize(pd.DataFrame({"status": ["idle", "normal", "idle"], "area_mu": [1.0, 2.0, 3.0],
    ...                             "fee_wan": [5.0, float("nan"), 1.0], "township_zh": ["甲", "乙", None]}),
    ...               by=["township_zh"])
    >>> t[["township_zh", "idle", "normal", "total", "idle_area_mu", "fee_wan"]].values.tolist()
    [['乙', 0, 1, 1, 0.0, 0.0], ['甲', 1, 0, 1, 1.0, 5.0], ['（未落入任何区域）', 1, 0, 1, 3.0, 1.0]]
    """
    keys = list(by or [])
    if len(keys) <= 1 and len(audited) and in_totals(audited).any():
        # the repeats dropped from the codes and numbers (numpy masks), not from the frame: a
        # mask over the text columns copied 10⁶ arrow strings per summary (~0.1 s each)
        return _summarize_codes(audited, keys[0] if keys else None, keep=in_totals(audited))
    # only the columns summed and grouped are taken before the repeats are dropped: a mask over the
    # whole frame copied every column, the geometry included (at 10⁶ parcels ~1 s per summary)
    audited = counted_once(audited[[c for c in dict.fromkeys(("status", "area_mu", "fee_wan", "determined",
                                                               "in_totals", *(by or [])))
                                    if c in audited.columns]])
    df = pd.DataFrame({
        "status": audited["status"].to_numpy(),
        "area_mu": audited["area_mu"].to_numpy(dtype=float),
        "fee_wan": audited["fee_wan"].to_numpy(dtype=float),
        "determined": (audited["determined"].fillna(False).to_numpy(dtype=bool) if "determined" in audited.columns
                       else np.zeros(len(audited), dtype=bool)),
    })
    keys = []
    for col in by or []:
        df[col] = audited[col].astype("string").fillna("（未落入任何区域）").to_numpy()
        keys.append(col)
    if not keys:
        df["_all"] = "全部"
        keys = ["_all"]
    counts = df.pivot_table(index=keys, columns="status", values="area_mu", aggfunc="size", fill_value=0)
    counts = counts.reindex(columns=list(STATUS_ORDER), fill_value=0).astype(int)
    idle = df[df["status"].isin(IDLE_STATUSES)]
    g = df.groupby(keys)
    out = counts.copy()
    out["total"] = g.size()
    out["area_mu"] = g["area_mu"].sum()
    out["idle_count"] = idle.groupby(keys).size().reindex(out.index, fill_value=0)
    out["idle_area_mu"] = idle.groupby(keys)["area_mu"].sum().reindex(out.index, fill_value=0.0)
    out["determined_count"] = idle.groupby(keys)["determined"].sum().reindex(out.index, fill_value=0).astype(int)
    out["fee_wan"] = g["fee_wan"].sum()
    owed = df[df["status"].isin(FEE_STATUSES)]
    out["fee_pending"] = owed.groupby(keys)["fee_wan"].apply(lambda v: int(v.isna().sum())).reindex(
        out.index, fill_value=0).astype(int)
    out["area_unknown"] = df["area_mu"].isna().groupby([df[k] for k in keys]).sum().reindex(out.index, fill_value=0).astype(int)
    return out.reset_index()


#: the summaries' name for rows outside every zone
OUTSIDE_ZH = "（未落入任何区域）"


def status_codes(status) -> np.ndarray:
    """The position of each status in :data:`STATUS_ORDER` (``-1``: missing or unknown), as int64.

    The codes of ``pd.Categorical(status, categories=STATUS_ORDER)``; a column held by arrow is
    looked up there (``pyarrow.compute.index_in``, ~10× faster at 10⁶ rows, and the summaries,
    the list and the map each need the codes), anything else is looked up in an index of the statuses.

    Examples
    --------
    >>> status_codes(pd.Series(["normal", "idle_reclaim", None, "x"], dtype="str")).tolist()
    [6, 0, -1, -1]
    """
    values = status.array if isinstance(status, pd.Series) else status
    chunked = getattr(values, "_pa_array", None)  # pandas' arrow-backed text (str / string[pyarrow])
    if chunked is not None and (pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)):
        import pyarrow.compute as pc

        found = pc.index_in(chunked, value_set=pa.array(list(STATUS_ORDER), type=chunked.type))
        return np.asarray(found.fill_null(-1).to_numpy(), dtype=np.int64)
    # (a lookup, not pd.Categorical: that warns of values outside the categories, to raise in pandas 4)
    return np.asarray(pd.Index(list(STATUS_ORDER), dtype=object).get_indexer(np.asarray(status, dtype=object)),
                      dtype=np.int64)


def _summarize_codes(audited, key: str | None, keep: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`summarize` by one key (or none) from integer codes: the statuses and the key are
    factorised where they are held (arrow), not turned into a Python string per parcel and back
    into a frame (at 10⁶ parcels that round trip was ~1.5 s of the three summaries' ~1.6 s). The
    sums go through the same ``groupby().sum()`` as before, on the codes: the same values.
    ``keep``: the rows counted (:func:`in_totals`; all when None), taken from the codes and numbers."""
    def kept(values):
        return values if keep is None or keep.all() else values[keep]

    st = kept(status_codes(audited["status"]).astype(np.intp))
    area = kept(audited["area_mu"].to_numpy(dtype=float))
    fee = kept(audited["fee_wan"].to_numpy(dtype=float))
    n = len(st)
    det = (kept(audited["determined"].fillna(False).to_numpy(dtype=bool)) if "determined" in audited.columns
           else np.zeros(n, dtype=bool))
    if key is None:
        codes, index = np.zeros(n, dtype=np.intp), pd.Index(["全部"], name="_all")
    elif isinstance(audited[key].dtype, pd.CategoricalDtype):
        # a category (the zone columns): its few labels sorted, the rows' codes mapped to them —
        # the groups and order of the factorisation below, without recasting 10⁶ rows to text
        col = audited[key]
        labels = np.asarray([*map(str, col.cat.categories), OUTSIDE_ZH], dtype=object)
        raw = kept(col.cat.codes.to_numpy().astype(np.intp))
        raw[raw < 0] = len(labels) - 1
        present = np.flatnonzero(np.bincount(raw, minlength=len(labels)))
        uniq, inverse = np.unique(labels[present], return_inverse=True)  # sorted; equal labels are one group
        remap = np.full(len(labels), -1, dtype=np.intp)
        remap[present] = inverse.ravel()
        codes = remap[raw]
        index = pd.Index(uniq, dtype="str", name=key)
    else:
        col = audited[key] if keep is None or keep.all() else audited[key][keep]
        codes, uniq = pd.factorize(col.astype("string").fillna(OUTSIDE_ZH), sort=True)
        index = pd.Index(np.asarray(uniq, dtype=object), dtype="str", name=key)
    ng, ns = len(index), len(STATUS_ORDER)
    known = st >= 0
    counts = np.bincount(codes[known] * ns + st[known], minlength=ng * ns).reshape(ng, ns).astype(np.int64)
    out = pd.DataFrame(counts, index=index, columns=pd.Index(list(STATUS_ORDER), dtype="str", name="status"))
    idle = np.isin(st, [STATUS_ORDER.index(s) for s in IDLE_STATUSES])
    out["total"] = np.bincount(codes, minlength=ng).astype(np.int64)
    out["area_mu"] = pd.Series(area).groupby(codes).sum().to_numpy()
    out["idle_count"] = np.bincount(codes[idle], minlength=ng).astype(np.int64)
    out["idle_area_mu"] = pd.Series(area[idle]).groupby(codes[idle]).sum().reindex(range(ng), fill_value=0.0).to_numpy()
    out["determined_count"] = np.bincount(codes[idle], weights=det[idle], minlength=ng).astype(np.int64)
    out["fee_wan"] = pd.Series(fee).groupby(codes).sum().to_numpy()
    owed = np.isin(st, [STATUS_ORDER.index(s) for s in FEE_STATUSES])
    pend = owed & np.isnan(fee)   # owed, no land price: the fee is 待核定, not 0 (fee_pending)
    out["fee_pending"] = np.bincount(codes[pend], minlength=ng).astype(np.int64)
    out["area_unknown"] = np.bincount(codes[np.isnan(area)], minlength=ng).astype(np.int64)  # not in area_mu
    return out.reset_index()
