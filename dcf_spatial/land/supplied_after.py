"""Was the land supplied by the audit date? A parcel whose contract was signed after it is out of that audit.

《闲置土地处置办法》第二条 defines idle land by the 动工开发日期 that the 国有建设用地使用权有偿使用合同 or the
划拨决定书 "约定、规定": idle time is counted from that agreed start. On an audit date before the contract was
signed there was no such agreement yet — the land was not supplied, so it can be neither idle nor 正常 then.
Such a row (a ledger re-audited at an old date, or a mistyped 合同签订日期) gets the status ``supplied_after``,
its own line in every summary and in no idle or 正常 count (breaker B31-9: it was 正常 and counted). A contract
date after today as well cannot be true: it is a data problem too, on 问题记录.

A contract date given to the month only (2025年12月, read as the month's first day) is after the audit date
only when that first day is: then every day of the month is.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .month_dates import dates_or_months, month_bounds, month_only, month_text
from .row_outcome import add_problems, clear_outcome as _clear_outcome, put_rows as _put_rows

logger = logging.getLogger(__name__)

#: the status and its label (:data:`dcf_spatial.land.idle_audit.STATUS_ZH`)
STATUS = "supplied_after"
STATUS_LABEL_ZH = "基准日后才签订合同（不在本次审计范围）"


def contracts_after(audited, as_of) -> np.ndarray:
    """True where the 合同签订日期 (``contract_date``, parsed) is after ``as_of``; all False without the column.

    Examples
    --------
    >>> f = pd.DataFrame({"contract_date": pd.to_datetime(["2030-01-10", "2025-12-31", None])})
    >>> contracts_after(f, pd.Timestamp("2025-12-31")).tolist()
    [True, False, False]
    """
    if "contract_date" not in audited.columns:
        return np.zeros(len(audited), dtype=bool)
    signed = pd.to_datetime(audited["contract_date"], errors="coerce")
    return np.asarray((signed > pd.Timestamp(as_of)).fillna(False), dtype=bool)


def mark_supplied_after(out, as_of, *, rules: dict, today=None) -> None:
    """Give the rows whose contract was signed after ``as_of`` the status ``supplied_after``: their reason
    (the two dates and 第二条), a next step, no fee, deadline or late-start finding; a contract date after
    ``today`` too is added to their 数据问题. A 合计/表尾 row is left alone. In place.

    Parameters
    ----------
    out
        The audited frame (:func:`dcf_spatial.land.idle_audit.audit_idle`), ``contract_date`` parsed.
    as_of
        The audit date.
    rules
        The rule parameters (the regulation's name and articles).
    today
        The day a contract date cannot be after (default: today).
    """
    late = contracts_after(out, as_of)
    if "not_a_parcel" in out.columns:
        late = late & ~out["not_a_parcel"].fillna(False).to_numpy(dtype=bool)
    if not late.any():
        return
    from .parcels import input_label

    as_of = pd.Timestamp(as_of)
    now = pd.Timestamp(today if today is not None else pd.Timestamp.today()).normalize()
    rows = np.flatnonzero(late)
    signed = pd.to_datetime(out["contract_date"], errors="coerce").to_numpy()[rows]
    label = input_label("contract_date", out.attrs.get("field_sources"))
    regulation, art = rules["regulation_zh"], rules["articles"]["definition"]
    month = month_only(out, "contract_date")
    shown = dates_or_months(pd.Series(signed), None if month is None else month[rows]).tolist()   # a month as given
    future = np.array([pd.Timestamp(d) > now for d in signed], dtype=bool)
    reasons = [f"{label} {d} 晚于审计基准日 {as_of:%Y-%m-%d}：至基准日尚未签订合同（尚未供地）。{regulation}{art}"
               "所称闲置土地，自国有建设用地使用权有偿使用合同或划拨决定书约定、规定的动工开发日期起算，基准日时尚无该约定，"
               "该宗既非闲置也非正常，不在本次审计范围，不计入闲置、正常等结论的宗数与面积。"
               + (f"该日期晚于今天（{now:%Y-%m-%d}），疑为录入错误，请核实。" if f else "")
               for d, f in zip(shown, future)]
    steps = ["核实合同签订日期后重新审计" if f else "按合同约定的动工开发日期在以后的审计中审计" for f in future]
    k = len(rows)
    _put_rows(out, "status", rows, [STATUS] * k)
    _put_rows(out, "status_zh", rows, [STATUS_LABEL_ZH] * k)
    _put_rows(out, "reason_zh", rows, reasons)
    _put_rows(out, "next_step_zh", rows, steps)
    for col in ("missing_fields", "extension_flag", "late_start_flag", "cause_kind"):
        if col in out.columns:
            _put_rows(out, col, rows, [""] * k)
    _clear_outcome(out, rows, ("fee_wan", "developed_share", "invested_share"))
    if future.any() and "problems" in out.columns:
        add_problems(out, rows[future], [f"{label} {d} 晚于今天（{now:%Y-%m-%d}），不可能已签订：疑为录入错误，请核实"
                                         for d in np.asarray(shown, dtype=object)[future]])
    logger.info("%d parcels' contracts were signed after the audit date %s: out of this audit", k, f"{as_of:%Y-%m-%d}")


#: what a contract given to the month of the audit date leaves open (breaker B31b-4)
SAME_MONTH_ZH = "须核实签订日期"


def flag_contract_in_the_audit_month(out, as_of) -> None:
    """A 合同签订日期 given to the month only whose month holds ``as_of`` (2025-12, audited at 2025-12-15)
    may be after the audit date, and the land then not yet supplied: the reason and the 数据问题 say
    「须核实签订日期」 instead of a plain conclusion (the status is kept). A 合计/表尾 row and a row already
    ``supplied_after`` are left alone. In place.
    """
    month = month_only(out, "contract_date")
    if month is None:
        return
    as_of = pd.Timestamp(as_of)
    signed = pd.DatetimeIndex(pd.to_datetime(out["contract_date"], errors="coerce"))
    first, last = month_bounds(signed, month)
    open_ = month & np.asarray((first <= as_of) & (last > as_of), dtype=bool)
    if "not_a_parcel" in out.columns:
        open_ &= ~out["not_a_parcel"].fillna(False).to_numpy(dtype=bool)
    open_ &= out["status"].astype(str).to_numpy() != STATUS
    if not open_.any():
        return
    from .parcels import input_label

    rows = np.flatnonzero(open_)
    label = input_label("contract_date", out.attrs.get("field_sources"))
    texts = [f"{label} {month_text(f'{d:%Y-%m-%d}')}与审计基准日 {as_of:%Y-%m-%d} 同月，可能在基准日之后才签订"
             f"（则至基准日尚未供地，不在本次审计范围）：{SAME_MONTH_ZH}" for d in signed[rows]]
    reasons = out["reason_zh"].astype(object).to_numpy()[rows]
    _put_rows(out, "reason_zh", rows, [t if not r or r != r else f"{r}；{t}" for r, t in zip(reasons, texts)])
    if "problems" in out.columns:
        add_problems(out, rows, texts)
    logger.info("%d parcels' contracts are dated to the audit date's month only: 须核实", len(rows))
