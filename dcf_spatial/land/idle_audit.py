"""Is this parcel idle? 《闲置土地处置办法》（国土资源部令第53号，2012） applied to every parcel.

Statuses (``STATUS_ZH``): ``idle`` (Art. 2, fee Art. 14(1)), ``idle_reclaim`` (Art. 14(2)),
``idle_underdeveloped`` (Art. 2 second paragraph), ``excused`` (Art. 8 government cause),
``extended``, ``normal``, ``not_applicable``, ``insufficient_data``.

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
import logging
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import settings
from ..errors import InputError
from .parcels import field_label

logger = logging.getLogger(__name__)

STATUS_ZH = {
    "idle": "闲置（满一年未动工）",
    "idle_reclaim": "闲置满两年（可无偿收回）",
    "idle_underdeveloped": "闲置（开发不足且中止满一年）",
    "excused": "政府原因造成（不征闲置费，跟踪处置）",
    "extended": "延期动工期内",
    "normal": "正常",
    "not_applicable": "不适用",
    "insufficient_data": "数据不足",
}
#: statuses that need the bureau to act or check, in report order
ACTION_STATUSES = ("idle_reclaim", "idle", "idle_underdeveloped", "excused", "extended", "insufficient_data")
IDLE_STATUSES = ("idle", "idle_reclaim", "idle_underdeveloped")
STATUS_ORDER = ACTION_STATUSES + ("normal", "not_applicable")


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


def parse_as_of(value) -> pd.Timestamp:
    """``--as-of`` value to a date; raises :class:`InputError` naming the value."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if ts is pd.NaT or pd.isna(ts):
        raise InputError(f"--as-of：“{value}”不是有效日期（月份 1–12，日期须在该月之内）。请写成 年-月-日，"
                         "例如 --as-of 2025-12-31。")
    return ts.normalize()


def _datestr(values) -> np.ndarray:
    """YYYY-MM-DD text of each date ("" for NaT), formatted once per distinct date."""
    arr = np.asarray(values, dtype="datetime64[D]")
    uniq, inverse = np.unique(arr, return_inverse=True)
    text = np.datetime_as_string(uniq, unit="D").astype(object)
    text[np.isnat(uniq)] = ""
    return text[inverse.ravel()]


def _fmt(fmt: str, values, mask) -> np.ndarray:
    """``fmt % value`` for the masked rows, full-length result ("" elsewhere, "（未知）" for NaN)."""
    v = np.asarray(values, dtype=float)
    out = np.full(len(v), "", dtype=object)
    sub = v[mask]
    text = np.array([("（未知）" if x != x else fmt % x) for x in sub], dtype=object)
    out[mask] = text
    return out


def _pct(values, mask) -> np.ndarray:
    return _fmt("%.1f%%", np.asarray(values, dtype=float) * 100, mask)


def _num(values, mask) -> np.ndarray:
    return _fmt("%.2f", values, mask)


def _text(mask, *parts) -> np.ndarray:
    """Concatenate ``parts`` (strings, or full-length object arrays) for the rows in ``mask``."""
    idx = np.flatnonzero(mask)
    out = np.full(len(idx), "", dtype=object)
    for part in parts:
        out = out + (part[idx] if isinstance(part, np.ndarray) else part)
    return out


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
        ``parcels`` with ``status``, ``status_zh``, ``reason_zh``, ``fee_wan``, ``count_from``,
        ``deadline_1y``, ``deadline_2y``, ``developed_share``, ``invested_share``,
        ``missing_fields`` added; same index and order, one row per input row.
    """
    rules = rules or load_rules()
    as_of = parse_as_of(as_of)
    art = rules["articles"]
    reg = rules["regulation_zh"]
    tol = float(rules["ratio_tolerance"])
    dev_cut, inv_cut = float(rules["developed_share_below"]), float(rules["invested_share_below"])
    fee_rate = float(rules["idle_fee_rate"])
    y_idle, y_reclaim, y_stop = (pd.DateOffset(years=int(rules[k]))
                                 for k in ("idle_after_years", "reclaim_after_years", "stopped_after_years"))

    df = parcels
    n = len(df)
    bad_masks: dict[str, np.ndarray] = {}
    if "bad_fields" in df:
        flagged = df["bad_fields"].to_numpy(dtype=object)
        for i in np.flatnonzero(~pd.isna(flagged) & (flagged != "")):
            for field in str(flagged[i]).split(";"):
                bad_masks.setdefault(field, np.zeros(n, dtype=bool))[i] = True

    def bad(field):
        return bad_masks.get(field, np.zeros(n, dtype=bool))

    agreed = pd.DatetimeIndex(df["agreed_start"])
    actual = pd.DatetimeIndex(df["actual_start"])
    stopped_since = pd.DatetimeIndex(df["stopped_since"])
    ext = pd.DatetimeIndex(df["extension_until"])
    has_ext = ~ext.isna()
    count_from = agreed.where(~has_ext | (agreed > ext), ext)
    d1 = count_from + y_idle
    d2 = count_from + y_reclaim
    ds1 = stopped_since + y_stop

    started = (~actual.isna()) & (actual <= as_of)
    is_stopped = started & (~stopped_since.isna()) & (stopped_since <= as_of)
    code_ok = df["code_valid"].to_numpy(dtype=bool) if "code_valid" in df else np.ones(n, bool)
    construction = df["construction"].fillna(False).to_numpy(dtype=bool) if "construction" in df else np.ones(n, bool)

    area = df["area_m2"].to_numpy(dtype=float)
    developed = df["developed_area_m2"].to_numpy(dtype=float)
    invested = df["invested_wan"].to_numpy(dtype=float)
    total = df["total_investment_wan"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev_share = np.where(area > 0, developed / area, np.nan)
        inv_share = np.where(total > 0, invested / total, np.nan)
    dev_known, inv_known = ~np.isnan(dev_share), ~np.isnan(inv_share)
    dev_under = dev_known & (dev_share < dev_cut - tol)
    inv_under = inv_known & (inv_share < inv_cut - tol)
    under = dev_under | inv_under
    not_under = dev_known & inv_known & ~under

    status = np.full(n, "", dtype=object)
    missing = np.full(n, "", dtype=object)
    undecided = np.ones(n, dtype=bool)

    def decide(mask, value, miss=None):
        take = mask & undecided
        status[take] = value
        undecided[take] = False
        if miss is not None:
            missing[take] = miss(take) if callable(miss) else miss
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
    decide(not_started & (d2 < as_of), "idle_reclaim")
    decide(not_started & (d1 < as_of), "idle")
    decide(not_started, "normal")
    # 3. started, stopped (Art. 2 second paragraph)
    decide(bad("stopped_since"), "insufficient_data", field_label("stopped_since") + "无法识别")
    decide(~is_stopped, "normal")
    decide(ds1 >= as_of, "normal")
    decide(under, "idle_underdeveloped")
    decide(not_under, "normal")
    dev_label = field_label("developed_area_m2")
    inv_label = "、".join(field_label(f) for f in ("invested_wan", "total_investment_wan"))

    def need(take):  # which of the shares could not be computed, for the rows left
        rows = np.flatnonzero(take)
        return np.array(["、".join(([dev_label + ("（宗地无有效面积）" if not area[i] > 0 else "")] if not dev_known[i] else [])
                                   + ([inv_label] if not inv_known[i] else [])) for i in rows], dtype=object)

    decide(np.ones(n, bool), "insufficient_data", need)

    # 4. government cause (Art. 8) turns an idle finding into "excused"
    from .parcels import _blank_to_na

    gov = _blank_to_na(df["gov_cause"]).to_numpy(dtype=object)
    has_gov = np.array([g is not None for g in gov], dtype=bool)
    gov_text = np.full(n, "", dtype=object)
    gov_text[has_gov] = [rules["gov_causes_zh"].get(g, g) for g in gov[has_gov]]
    found_idle = np.isin(status, IDLE_STATUSES)
    excused = found_idle & has_gov
    idle_kind = status.copy()
    status[excused] = "excused"

    price = df["land_price_wan"].to_numpy(dtype=float)
    fee = np.where(np.isin(status, IDLE_STATUSES), price * fee_rate, np.nan)
    fee = np.where(status == "excused", 0.0, fee)

    # --- reasons (Chinese; article and the dates that decided) -----------------------------
    # Built only for the rows of each status (object-array concatenation is Python-speed).
    s_agreed, s_ext = _datestr(agreed), _datestr(ext)
    s_d1, s_d2 = _datestr(d1), _datestr(d2)
    s_act, s_stop, s_ds1 = _datestr(actual), _datestr(stopped_since), _datestr(ds1)
    s_asof = as_of.strftime("%Y-%m-%d")
    ext_part = np.full(n, "", dtype=object)
    ext_part[has_ext] = _text(has_ext, "，经批准延期至", s_ext, "（自该日起算）")
    needs_fee = np.isin(idle_kind, IDLE_STATUSES) & ~excused
    fee_part = np.full(n, "", dtype=object)
    fee_part[needs_fee] = np.where(np.isnan(price[needs_fee]), "征缴土地闲置费（缺少土地价款，金额待核定）",
                                   _text(needs_fee, "按土地价款", _num(price, needs_fee), f"万元的{fee_rate:.0%}征缴土地闲置费",
                                         _num(price * fee_rate, needs_fee), "万元"))
    share_rows = (idle_kind == "idle_underdeveloped") | ((status == "normal") & is_stopped & (ds1 < as_of))
    share_part = np.full(n, "", dtype=object)
    share_part[share_rows] = _text(share_rows, "已开发面积占比", _pct(dev_share, share_rows),
                                   np.where(dev_under, "（不足三分之一）", ""), "，已投资额占比", _pct(inv_share, share_rows),
                                   np.where(inv_under, "（不足25%）", ""))
    start = ("约定动工日期", s_agreed, ext_part)
    reg_def = reg + art["definition"]
    reason = np.full(n, "", dtype=object)

    def put(mask, *parts):
        if mask.any():
            reason[mask] = _text(mask, *parts)

    put(idle_kind == "idle", *start, "；满一年之日为", s_d1, "，至基准日" + s_asof + "仍未动工开发（已满一年、未满两年），依",
        reg_def, "认定为闲置土地", np.where(excused, "", "；依" + art["fee"]), fee_part, "。")
    put(idle_kind == "idle_reclaim", *start, "；满两年之日为", s_d2, "，至基准日" + s_asof + "仍未动工开发，依", reg_def,
        "认定为闲置土地", np.where(excused, "", "，依" + art["reclaim"] + "可无偿收回国有建设用地使用权；满一年时应"), fee_part,
        np.where(excused, "", "（已征缴的不重复）"), "。")
    put(idle_kind == "idle_underdeveloped", "已于", s_act, "动工，自", s_stop, "中止开发建设，满一年之日为", s_ds1,
        "，至基准日" + s_asof + "已满一年；", share_part, "，依", reg_def, "第二款认定为闲置土地",
        np.where(excused, "", "；依" + art["fee_and_reclaim"]), fee_part, "。")
    if excused.any():
        reason[excused] = reason[excused] + _text(excused, "但记录有政府原因：", gov_text, "；依" + art["gov_cause"]
                                                  + "，经审核属实的按" + art["gov_disposal"] + "处置，不征收土地闲置费，列入跟踪。")
    put(status == "extended", *start, "；基准日" + s_asof + "尚在批准的延期动工期限内（延期至", s_ext, "），暂不认定闲置；此后自",
        s_ext, "起算，满一年之日为", s_d1, "。")
    put((status == "normal") & not_started, *start, "；至基准日" + s_asof + "未动工，但未满一年（满一年之日为", s_d1,
        "，此后方可认定闲置）。")
    put((status == "normal") & started & ~is_stopped, "已于", s_act, "动工，至基准日" + s_asof + "未记录中止开发。")
    put((status == "normal") & is_stopped & (ds1 >= as_of), "已于", s_act, "动工，自", s_stop,
        "中止开发，至基准日" + s_asof + "未满一年（满一年之日为", s_ds1, "）。")
    put((status == "normal") & is_stopped & (ds1 < as_of), "已于", s_act, "动工，自", s_stop, "中止开发已满一年，但",
        share_part, "，均未低于" + art["definition"] + "第二款的标准，不认定闲置。")
    code_txt = (df["land_use_code"].astype(object).fillna("").astype(str).to_numpy(dtype=object)
                + df["land_use_name"].astype(object).fillna("").astype(str).to_numpy(dtype=object)
                if (status == "not_applicable").any() else np.full(n, "", dtype=object))
    put(status == "not_applicable", "地类", code_txt, "不属于建设用地，" + reg_def + "只适用于国有建设用地，不适用。")
    put(status == "insufficient_data", "数据不足，无法认定：", missing, "。请补齐后重新审计。")
    other_gov = has_gov & ~excused
    if other_gov.any():
        reason[other_gov] = reason[other_gov] + _text(other_gov, "（另记录政府原因：", gov_text, "）")

    out = df.copy()
    out["status"] = status
    status_zh = np.full(n, "", dtype=object)
    for key, label in STATUS_ZH.items():
        status_zh[status == key] = label
    out["status_zh"] = status_zh
    out["reason_zh"] = reason
    out["fee_wan"] = fee
    out["count_from"] = count_from.where(~started, stopped_since)
    out["deadline_1y"] = d1.where(~started, ds1)
    out["deadline_2y"] = d2.where(~started)
    out["developed_share"] = dev_share
    out["invested_share"] = inv_share
    out["missing_fields"] = missing
    out["as_of"] = as_of
    counts = pd.Series(status).value_counts().to_dict()
    logger.info("Audited %d parcels as of %s: %s", n, s_asof, counts)
    return out


def summarize(audited, by: list[str] | None = None) -> pd.DataFrame:
    """Count, area (亩) and fee (万元) per status, optionally grouped by ``by`` columns.

    Returns one row per group with a column per status count and the totals; idle area is the
    area of parcels whose status is in ``IDLE_STATUSES`` (the excused ones are counted apart).
    """
    df = pd.DataFrame({
        "status": audited["status"].to_numpy(),
        "area_mu": audited["area_mu"].to_numpy(dtype=float),
        "fee_wan": audited["fee_wan"].to_numpy(dtype=float),
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
    out["fee_wan"] = g["fee_wan"].sum()
    return out.reset_index()
