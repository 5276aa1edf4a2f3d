"""Which dates a parcel record gives only to the month (「2019年3月」), and how such a date is shown.

:func:`~dcf_spatial.land.parcels.validate_parcels` reads a month-only date as the month's first day and
names its field in ``month_fields`` (fields joined by ";"). Everything that shows the date — the
workbook's columns, the audit's reasons and flags — shows the month as given, marked （仅到月）, never a
day the record does not give (QA30 F8, session 31).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: how a date the input gave to the month only is shown: the month as given, marked
MONTH_ONLY_ZH = "（仅到月）"


def month_only(df: pd.DataFrame, field: str) -> np.ndarray | None:
    """True on the rows of ``df`` whose ``field`` was given to the month only (``month_fields`` of
    :func:`~dcf_spatial.land.parcels.validate_parcels`, fields joined by ";"); None when none is.

    Examples
    --------
    >>> f = pd.DataFrame({"month_fields": ["agreed_start;contract_date", "", "actual_start"]})
    >>> month_only(f, "agreed_start").tolist(), month_only(f, "stopped_since")
    ([True, False, False], None)
    """
    if "month_fields" not in df.columns or not len(df):
        return None
    col = df["month_fields"]
    if not isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype(object).where(col.notna(), "").astype(str).astype("category")
    hit = np.array([field in str(c).split(";") for c in col.cat.categories], dtype=bool)
    if not hit.any():
        return None
    codes = col.cat.codes.to_numpy()
    return (codes >= 0) & hit[np.maximum(codes, 0)]


#: the audit's dates counted from an input date (起算日, 满一年之日, 满两年之日): known to the month only when
#: the start they count from is
COUNTED_FIELDS = ("count_from", "deadline_1y", "deadline_2y")


def month_only_shown(df: pd.DataFrame, field: str) -> np.ndarray | None:
    """:func:`month_only`, also for the dates the audit counts (:data:`COUNTED_FIELDS`): on the rows
    whose 起算日 is an input date given to the month — the agreed start, the extension's date, the
    stop — or the one-year cap on an extension of an agreed start given to the month (第十二条第（一）项),
    every date counted from it is known to the month only, and shown so (QA31 F1).

    Examples
    --------
    >>> f = pd.DataFrame({"month_fields": ["agreed_start", "agreed_start", ""],
    ...                   "agreed_start": pd.to_datetime(["2024-05-01", "2021-03-01", "2024-05-01"]),
    ...                   "extension_until": pd.to_datetime([None, "2022-01-15", None]),
    ...                   "count_from": pd.to_datetime(["2024-05-01", "2022-01-15", "2024-05-01"])})
    >>> month_only_shown(f, "deadline_1y").tolist()
    [True, False, False]
    """
    if field not in COUNTED_FIELDS:
        return month_only(df, field)
    if "count_from" not in df.columns or "month_fields" not in df.columns:
        return None
    start = pd.DatetimeIndex(df["count_from"])
    shown = np.zeros(len(df), dtype=bool)
    for source in ("agreed_start", "extension_until", "stopped_since"):
        month = month_only(df, source)
        if month is None or source not in df.columns:
            continue
        given = pd.DatetimeIndex(df[source])
        same = np.asarray(start == given)
        if source == "agreed_start":   # an extension past the cap is counted from the agreed start's first anniversary
            same |= np.asarray(start == given + pd.DateOffset(years=1))
        shown |= month & same
    return shown if shown.any() else None


def month_text(day_text: str) -> str:
    """An ISO day's text shown to its month: ``"2022-03-01"`` → ``"2022-03（仅到月）"``."""
    return day_text[:7] + MONTH_ONLY_ZH


def dates_or_months(values: pd.Series, month: np.ndarray | None) -> np.ndarray:
    """Each date as text: ``YYYY-MM-DD``, or its month marked （仅到月） on the rows of ``month`` ("" for a missing date).

    Examples
    --------
    >>> dates_or_months(pd.Series(pd.to_datetime(["2022-03-01", "2022-03-01", None])), np.array([True, False, False])).tolist()
    ['2022-03（仅到月）', '2022-03-01', '']
    """
    text = pd.to_datetime(values).dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)
    if month is not None and month.any():
        text[month] = [month_text(t) if t else "" for t in text[month]]
    return text


def month_bounds(values: pd.DatetimeIndex, month: np.ndarray | None) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """The first and last day each date may be: the date itself, or for the rows of ``month`` its
    month's first and last day.

    Examples
    --------
    >>> lo, hi = month_bounds(pd.DatetimeIndex(["2022-02-01", "2022-02-01"]), np.array([True, False]))
    >>> [f"{d:%m-%d}" for d in lo], [f"{d:%m-%d}" for d in hi]
    (['02-01', '02-01'], ['02-28', '02-01'])
    """
    if month is None or not month.any():
        return values, values
    first = values.to_period("M").to_timestamp()
    last = first + pd.offsets.MonthEnd(0)
    return values.where(~month, first), values.where(~month, last)
