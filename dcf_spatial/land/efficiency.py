"""How efficiently does each enterprise use its land? 亩产效益 classes A/B/C/D and T.

Plan basis: 第十章第四节 (要素保障政策: 用好“亩产效益”评价结果，加大A类、B类企业支持力度，倒逼C、D类企业
提升资源要素利用效率) and 第九章第四节 (盘活闲置和低效利用土地). Weights, benchmarks, class shares
and the T rule are data (``dcf_spatial/data/efficiency_scoring.json``, documented defaults).

Every enterprise row gets a class: evaluated rows A–D by their rank within their year, the
others T with the reason. Low-efficiency land (低效用地) is the parcels of class-D firms plus
the idle parcels (:mod:`idle_audit`), summed by zone in 亩.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd

from .. import settings
from ..errors import InputError

logger = logging.getLogger(__name__)

CLASS_ORDER = ("A", "B", "C", "D", "T")


def load_scoring(path=None) -> dict:
    """The scoring parameters: the shipped ``efficiency_scoring.json`` or a file of the same shape."""
    p = settings.data_dir / "efficiency_scoring.json" if path is None else path
    try:
        cfg = json.loads(open(p, encoding="utf-8").read())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"--scoring：无法读取 {p}（{exc}）；请以 dcf_spatial/data/efficiency_scoring.json 为模板修改。") from None
    weights = sum(v["weight"] for v in cfg["indicators"].values())
    if abs(weights - 1) > 1e-6:
        raise InputError(f"--scoring {p}：各指标权重（weight）之和为 {weights:.3f}，不等于 1。请调整权重使其合计为 1。")
    return cfg


def indicators(ent: pd.DataFrame) -> pd.DataFrame:
    """The five indicators per enterprise row (indexed like ``ent``; NaN where not computable)."""
    land = ent["land_area_mu"].to_numpy(dtype=float)
    tax = ent["tax_wan"].to_numpy(dtype=float)
    rev = ent["revenue_wan"].to_numpy(dtype=float)
    energy = ent["energy_tce"].to_numpy(dtype=float)
    emp = ent["employees"].to_numpy(dtype=float)
    rd = ent["rd_wan"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame({
            "tax_per_mu": np.where(land > 0, tax / land, np.nan),
            "revenue_per_mu": np.where(land > 0, rev / land, np.nan),
            # energy 0 with tax > 0 is "no energy used": infinite ratio, capped in the score
            "tax_per_tce": np.where(energy > 0, tax / energy, np.where((energy == 0) & (tax > 0), np.inf, np.nan)),
            "rd_intensity": np.where(rev > 0, rd / rev * 100, np.nan),
            "labour_productivity": np.where(emp > 0, rev / emp, np.nan),
        }, index=ent.index)
    return out


def attach_land_area(ent: pd.DataFrame, parcels=None) -> pd.DataFrame:
    """Fill ``land_area_mu`` from the enterprise's parcels (by ``credit_code``) where the table has none.

    Adds ``land_area_source`` (企业填报 / 宗地合计 / 缺失) and ``parcel_area_mu`` (the parcels' sum,
    NaN without parcels).
    """
    out = ent.copy()
    declared = out["land_area_mu"].astype(float)
    if parcels is not None and len(parcels):
        by_cc = pd.Series(parcels["area_mu"].to_numpy(dtype=float),
                          index=parcels["credit_code"].astype("string").str.upper().to_numpy()).groupby(level=0).sum()
        from_parcels = out["credit_code"].astype("string").map(by_cc).astype(float)
    else:
        from_parcels = pd.Series(np.nan, index=out.index)
    out["parcel_area_mu"] = from_parcels.to_numpy()
    use_parcels = declared.isna() & from_parcels.notna()
    out["land_area_mu"] = declared.where(~use_parcels, from_parcels)
    out["land_area_source"] = np.where(declared.notna(), "企业填报", np.where(use_parcels, "宗地合计", "缺失"))
    return out


def classify(ent: pd.DataFrame, *, scoring: dict | None = None) -> pd.DataFrame:
    """Score and class every enterprise row (validated table, see ``validate_enterprises``).

    Returns ``ent`` with the indicators, ``<indicator>_score``, ``score`` (0–100×cap),
    ``rank``/``evaluated_n`` within the year, ``eff_class`` (A/B/C/D/T), ``eff_class_zh`` and
    ``eff_reason`` (Chinese). Same index, every row kept.
    """
    cfg = scoring or load_scoring()
    ind = indicators(ent)
    out = ent.copy()
    cap = float(cfg["score_cap"])
    score = np.zeros(len(out))
    missing = [[] for _ in range(len(out))]
    for key, spec in cfg["indicators"].items():
        v = ind[key].to_numpy(dtype=float)
        out[key] = np.where(np.isinf(v), np.nan, v)
        s = np.where(np.isnan(v), 0.0, np.minimum(v / float(spec["benchmark"]), cap)) * float(spec["weight"]) * 100
        out[f"{key}_score"] = s
        score += s
        for i in np.flatnonzero(np.isnan(v)):
            missing[i].append(spec["name_zh"])
    out["score"] = np.round(score, 2)
    land = out["land_area_mu"].to_numpy(dtype=float)
    above = out["above_scale"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    t_min = float(cfg["t_min_area_mu"])
    no_land = ~(land > 0)
    small = ~above & (land < t_min)
    evaluated = ~no_land & ~small
    year = out["year"].astype("Int64").astype("string").fillna("（未填年度）")
    cls = np.full(len(out), "T", dtype=object)
    rank = np.full(len(out), np.nan)
    n_eval = np.zeros(len(out), dtype=int)
    c = cfg["classes"]
    for _, idx in pd.Series(np.arange(len(out)))[evaluated].groupby(year[evaluated].to_numpy()):
        pos = idx.to_numpy()
        n = len(pos)
        r = pd.Series(score[pos]).rank(ascending=False, method="min").to_numpy()
        n_a = int(round(n * c["A"]["share_top"]))
        n_d = int(round(n * c["D"]["share_bottom"]))
        n_b = int(round(n * c["B"]["share"]))
        k = np.where(r <= n_a, "A", np.where(r <= n_a + n_b, "B", "C")).astype(object)
        k[(r > n - n_d) & (k != "A")] = "D"
        cls[pos] = k
        rank[pos] = r
        n_eval[pos] = n
    out["eff_class"] = cls
    out["eff_class_zh"] = pd.Series(cls, index=out.index).map({k: v["name_zh"] for k, v in c.items()})
    out["rank"] = pd.array(np.where(np.isnan(rank), pd.NA, rank), dtype="Int64")
    out["evaluated_n"] = n_eval
    reason = np.full(len(out), "", dtype=object)
    share = {"A": f"前{c['A']['share_top']:.0%}", "B": f"其后{c['B']['share']:.0%}", "C": "其余",
             "D": f"末{c['D']['share_bottom']:.0%}"}
    for i in range(len(out)):
        if cls[i] == "T":
            if no_land[i]:
                reason[i] = "缺少用地面积（企业未填报且无对应宗地），暂不评价"
            else:
                reason[i] = f"规模以下且用地面积{land[i]:.2f}亩（小于{t_min:g}亩），暂不评价"
        else:
            reason[i] = (f"综合得分{score[i]:.1f}，在{year.iloc[i]}年度{n_eval[i]}家参评企业中列第{int(rank[i])}名"
                         f"（{share[cls[i]]}）")
            if missing[i]:
                reason[i] += "；缺少" + "、".join(missing[i]) + "数据，该项计0分"
    out["eff_reason"] = reason
    counts = pd.Series(cls).value_counts().to_dict()
    logger.info("Classed %d enterprise rows: %s", len(out), counts)
    return out


def enterprise_zones(ent: pd.DataFrame, parcels) -> pd.DataFrame:
    """Township/cluster of each enterprise: those of its largest parcel (joined by credit code)."""
    cols = ["township_zh", "cluster_zh", "park_zh"]
    if parcels is None or not len(parcels) or "township_zh" not in parcels.columns:
        return pd.DataFrame({c: pd.array([pd.NA] * len(ent), dtype="string") for c in cols}, index=ent.index)
    p = pd.DataFrame({"cc": parcels["credit_code"].astype("string").str.upper().to_numpy(),
                      "area": parcels["area_mu"].to_numpy(dtype=float),
                      **{c: parcels[c].astype("string").to_numpy() for c in cols if c in parcels.columns}})
    p = p.dropna(subset=["cc"]).sort_values("area", ascending=False).drop_duplicates("cc").set_index("cc")
    key = ent["credit_code"].astype("string")
    return pd.DataFrame({c: key.map(p[c]).astype("string").to_numpy() if c in p else pd.NA for c in cols}, index=ent.index)


def low_efficiency_parcels(parcels, classed: pd.DataFrame) -> pd.Series:
    """Per parcel: why it is 低效用地 ("D类企业用地" / "闲置土地" / both joined), or "" if it is not.

    A parcel is a class-D firm's if its ``credit_code`` has class D in the latest year of
    ``classed``; idle means a status in ``idle_audit.IDLE_STATUSES`` (when ``status`` is present).
    """
    from .idle_audit import IDLE_STATUSES

    latest = classed.sort_values("year", na_position="first").drop_duplicates("credit_code", keep="last")
    d_firms = set(latest.loc[latest["eff_class"] == "D", "credit_code"].dropna().astype(str))
    cc = parcels["credit_code"].astype("string").str.upper().fillna("")
    is_d = cc.isin(d_firms).to_numpy()
    is_idle = parcels["status"].isin(IDLE_STATUSES).to_numpy() if "status" in parcels.columns else np.zeros(len(parcels), bool)
    why = np.where(is_d & is_idle, "D类企业用地；闲置土地", np.where(is_d, "D类企业用地", np.where(is_idle, "闲置土地", "")))
    return pd.Series(why, index=parcels.index)


def low_efficiency_by_zone(parcels, low: pd.Series, *, by: str) -> pd.DataFrame:
    """Area (亩) and count of 低效用地 per value of ``by`` (e.g. ``cluster_zh``); each parcel counted once."""
    df = pd.DataFrame({
        by: parcels[by].astype("string").fillna("（未落入任何区域）").to_numpy(),
        "area_mu": parcels["area_mu"].to_numpy(dtype=float),
        "low": low.to_numpy() != "",
        "d": pd.Series(low.to_numpy()).str.contains("D类").to_numpy(),
        "idle": pd.Series(low.to_numpy()).str.contains("闲置").to_numpy(),
    })
    g = df.groupby(by)
    out = pd.DataFrame({
        "parcels": g.size(),
        "area_mu": g["area_mu"].sum(),
        "low_count": g["low"].sum(),
        "low_area_mu": df[df["low"]].groupby(by)["area_mu"].sum(),
        "d_area_mu": df[df["d"]].groupby(by)["area_mu"].sum(),
        "idle_area_mu": df[df["idle"]].groupby(by)["area_mu"].sum(),
    }).fillna(0.0)
    out["low_count"] = out["low_count"].astype(int)
    return out.reset_index()
