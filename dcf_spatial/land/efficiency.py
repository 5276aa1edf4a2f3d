"""How efficiently does each enterprise use its land? 亩产效益 classes A/B/C/D and T.

Plan basis: 第十章第四节 (要素保障政策: 用好“亩产效益”评价结果，加大A类、B类企业支持力度，倒逼C、D类企业
提升资源要素利用效率) and 第九章第四节 (盘活闲置和低效利用土地). Weights, benchmarks, class shares
and the T rule are data (``dcf_spatial/data/efficiency_scoring.json``, documented defaults).

Indicators follow the Shandong county model (亩均税收, 亩均营业收入, 单位能耗营业收入, 单位排放营业收入,
研发经费投入强度, 全员劳动生产率); 规上 and 规下 firms are ranked in separate pools, 规下 on tax and
revenue per 亩 only. Every enterprise row gets a class: evaluated rows A–D by their rank within
their year and pool, a firm with a veto item (重大安全/环保事故) D outside the ranking, the others
T with the reason (new in production, small, no land). The R&D benchmark is the plan's 5 % target
(第三章第五节). An indicator that no firm of a pool can have (its column absent) drops out of that
pool's score and its weight is shared out, said in the notes. Low-efficiency land (低效用地) is the parcels of class-D firms plus
the idle parcels (:mod:`idle_audit`), summed by zone in 亩.
"""

from __future__ import annotations

import json
import logging
import re

import numpy as np
import pandas as pd

from .. import settings
from ..errors import InputError
from .parcels import parcel_key  # (with the parcels' validation, which finds repeated ids on the same key)

logger = logging.getLogger(__name__)

CLASS_ORDER = ("A", "B", "C", "D", "T")
#: the columns an indicator needs from the enterprise table (to tell "no such column" from "no value")
INDICATOR_INPUTS = {
    "tax_per_mu": ("tax_wan", "land_area_mu"), "revenue_per_mu": ("revenue_wan", "land_area_mu"),
    "revenue_per_tce": ("revenue_wan", "energy_tce"), "revenue_per_emission": ("revenue_wan", "emissions_t"),
    "rd_intensity": ("rd_wan", "revenue_wan"), "labour_productivity": ("revenue_wan", "employees"),
}
POOL_OF = {True: "above", False: "below"}
_NO_VETO = frozenset({"否", "无", "0", "0.0", "false", "no", "n", "f"})


def load_scoring(path=None) -> dict:
    """The scoring parameters: the shipped ``efficiency_scoring.json`` or a file of the same shape.

    Parameters
    ----------
    path
        A JSON file shaped like the shipped one; None for the shipped defaults.

    Returns
    -------
    dict
        The parameters; each pool's weights are checked to sum to 1 and to name known indicators.

    Examples
    --------
    >>> sorted(load_scoring()["pools"])
    ['above', 'below']
    """
    p = settings.data_dir / "efficiency_scoring.json" if path is None else path
    try:
        cfg = json.loads(open(p, encoding="utf-8").read())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"评分参数文件 {p} 无法读取（{exc}）；请以 dcf_spatial/data/efficiency_scoring.json 为模板修改。") from None
    for pool, spec in cfg["pools"].items():
        unknown = [k for k in spec["weights"] if k not in cfg["indicators"]]
        if unknown:
            raise InputError(f"评分参数文件 {p}：{spec['name_zh']}（{pool}）的权重中有未定义的指标 {', '.join(unknown)}；"
                             f"可用的指标：{', '.join(cfg['indicators'])}。")
        weights = sum(spec["weights"].values())
        if abs(weights - 1) > 1e-6:
            raise InputError(f"评分参数文件 {p}：{spec['name_zh']}各指标权重（weight）之和为 {weights:.3f}，不等于 1。"
                             "请调整权重使其合计为 1。")
    return cfg


def indicators(ent: pd.DataFrame) -> pd.DataFrame:
    """The six indicators of the Shandong county model per enterprise row (NaN where not computable).

    Parameters
    ----------
    ent
        A validated enterprise table (:func:`dcf_spatial.land.parcels.validate_enterprises`).

    Returns
    -------
    DataFrame
        Indexed like ``ent``: ``tax_per_mu``, ``revenue_per_mu`` (万元/亩), ``revenue_per_tce``
        (万元/吨标准煤), ``revenue_per_emission`` (万元/吨排放当量), ``rd_intensity`` (%),
        ``labour_productivity`` (万元/人). A zero denominator with revenue (no energy used, no
        emissions) gives infinity, capped in the score.

    Examples
    --------
    >>> e = pd.DataFrame({"land_area_mu": [10.0], "tax_wan": [50.0], "revenue_wan": [1000.0], "energy_tce": [100.0],
    ...                   "emissions_t": [2.0], "employees": [20], "rd_wan": [30.0]})
    >>> indicators(e).iloc[0].round(1).tolist()
    [5.0, 100.0, 10.0, 500.0, 3.0, 50.0]
    """
    def col(name):
        return ent[name].to_numpy(dtype=float) if name in ent.columns else np.full(len(ent), np.nan)

    land, tax, rev = col("land_area_mu"), col("tax_wan"), col("revenue_wan")
    energy, emis, emp, rd = col("energy_tce"), col("emissions_t"), col("employees"), col("rd_wan")

    def per(num, den):  # 0 in the denominator with something produced: infinite (capped in the score)
        return np.where(den > 0, num / den, np.where((den == 0) & (num > 0), np.inf, np.nan))

    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame({
            "tax_per_mu": np.where(land > 0, tax / land, np.nan),
            "revenue_per_mu": np.where(land > 0, rev / land, np.nan),
            "revenue_per_tce": per(rev, energy),
            "revenue_per_emission": per(rev, emis),
            "rd_intensity": np.where(rev > 0, rd / rev * 100, np.nan),
            "labour_productivity": np.where(emp > 0, rev / emp, np.nan),
        }, index=ent.index)
    return out


def _vetoed(ent: pd.DataFrame) -> np.ndarray:
    if "veto" not in ent.columns:
        return np.zeros(len(ent), dtype=bool)
    v = ent["veto"].astype("string").str.strip()
    return (v.notna() & (v != "") & ~v.str.lower().isin(_NO_VETO)).fillna(False).to_numpy(dtype=bool)


def pool_weights(cfg: dict, ent: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Each pool's weights for this table: an indicator no row of the pool can have (its input column
    absent or empty in the whole pool) is dropped and its weight shared out in proportion.

    Parameters
    ----------
    cfg
        Scoring parameters (:func:`load_scoring`).
    ent
        The validated enterprise table.

    Returns
    -------
    dict
        ``{"above": {indicator: weight}, "below": {...}}``; weights of a pool sum to 1.

    Examples
    --------
    >>> cfg = load_scoring()
    >>> w = pool_weights(cfg, pd.DataFrame({"above_scale": [True], "tax_wan": [1.0], "revenue_wan": [10.0],
    ...                                     "land_area_mu": [1.0]}))
    >>> round(w["above"]["tax_per_mu"], 3), "revenue_per_tce" in w["above"]
    (0.727, False)
    """
    above = ent["above_scale"].astype("boolean").fillna(False).to_numpy(dtype=bool) if "above_scale" in ent else \
        np.zeros(len(ent), dtype=bool)
    out = {}
    for pool, spec in cfg["pools"].items():
        rows = above if pool == "above" else ~above
        keep = {}
        for key, w in spec["weights"].items():
            cols = INDICATOR_INPUTS.get(key, ())
            if all(c in ent.columns and ent.loc[rows, c].notna().any() for c in cols) or not rows.any():
                keep[key] = float(w)
        total = sum(keep.values())
        out[pool] = {k: w / total for k, w in keep.items()} if total > 0 else dict(spec["weights"])
    return out


def scoring_notes(cfg: dict, ent: pd.DataFrame) -> list[str]:
    """The workbook's lines on the scoring: parameters, sources, weights per pool, dropped indicators.

    Parameters
    ----------
    cfg
        Scoring parameters (:func:`load_scoring`).
    ent
        The validated enterprise table (which indicators it can feed).

    Returns
    -------
    list of str
        Chinese note lines; both engines put them in the 说明 sheet.

    Examples
    --------
    >>> any("第三章第五节" in x for x in scoring_notes(load_scoring(), pd.DataFrame({"above_scale": [True]})))
    True
    """
    ind = cfg["indicators"]
    lines = [f"评价参数：{x}" for x in cfg["_doc"][1:]]
    lines.append("指标基准值及来源：" + "；".join(f"{v['name_zh']} 基准{v['benchmark']:g}（{v.get('source', '待核实')}）"
                                            for v in ind.values()))
    used = pool_weights(cfg, ent)
    for pool, spec in cfg["pools"].items():
        w = used[pool]
        dropped = [ind[k]["name_zh"] for k in spec["weights"] if k not in w]
        lines.append(f"{spec['name_zh']}权重（{spec.get('source', '待核实')}）：" + "；".join(
            f"{ind[k]['name_zh']} {v:.0%}" for k, v in w.items())
            + (f"。输入表中本组全部企业均无{'、'.join(dropped)}所需数据（缺列或全空），该项不参与评分，其权重已按比例分给其余指标"
               if dropped else ""))
    c = cfg["classes"]
    lines.append(f"分类比例：同一年度同一组内综合得分前{c['A']['share_top']:.0%}为{c['A']['name_zh']}，其后{c['B']['share']:.0%}为"
                 f"{c['B']['name_zh']}，末{c['D']['share_bottom']:.0%}为{c['D']['name_zh']}，其余为{c['C']['name_zh']}；"
                 f"单项指标得分最高为基准值的 {float(cfg['score_cap']):g} 倍（示意默认值，待核实）。")
    lines.append(f"暂不评价的门槛：新投产未满 {int(cfg.get('t_new_years', 0))} 年（评价年度 − 投产年份；评价年度取企业表“年度”列，"
                 "该列未填时取审计基准日所在年份），"
                 f"或规模以下且用地面积小于 {float(cfg['t_min_area_mu']):g} 亩（示意默认值，待核实）。")
    veto = cfg.get("veto", {})
    if veto:
        lines.append(f"否决事项（直接列为{veto.get('class', 'D')}类，{veto.get('source', '待核实')}）：" + "；".join(veto["items_zh"]))
    return lines



def attach_land_area(ent: pd.DataFrame, parcels=None, link: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fill ``land_area_mu`` from the enterprise's parcels where the table has none.

    The parcels of a row are those :func:`link_parcels` finds (by 宗地编号, by ``credit_code``);
    ``link`` is its result when already computed.

    Adds ``land_area_source`` (企业填报 / 宗地合计 / 缺失) and ``parcel_area_mu`` (the parcels' sum,
    NaN without parcels). A 用地面积 of 0 is a data error, named in ``problems``: with parcels their
    sum is used instead (source ``宗地合计（填报为 0）``); without, the field is added to
    ``data_errors`` (the row is T, 数据有误).

    Examples
    --------
    >>> e = pd.DataFrame({"credit_code": ["A"], "land_area_mu": [0.0], "problems": [""], "data_errors": [""]})
    >>> p = pd.DataFrame({"credit_code": ["A", "A"], "area_mu": [100.0, 91.5]})
    >>> attach_land_area(e, p)[["land_area_mu", "land_area_source"]].values.tolist()
    [[191.5, '宗地合计（填报为 0）']]
    """
    out = ent.copy()
    declared = out["land_area_mu"].astype(float)
    zero = (declared == 0).to_numpy()
    if parcels is not None and len(parcels):
        link = link_parcels(ent, parcels) if link is None else link
        from .idle_audit import in_totals

        area = parcels["area_mu"].to_numpy(dtype=float)
        once = link[in_totals(parcels)[link["parcel"].to_numpy()]]  # a parcel id on several rows: its area once
        summed = pd.Series(area[once["parcel"].to_numpy()], index=once["ent"].to_numpy()).groupby(level=0).sum()
        from_parcels = pd.Series(summed.reindex(np.arange(len(out))).to_numpy(dtype=float), index=out.index)
    else:
        from_parcels = pd.Series(np.nan, index=out.index)
    out["parcel_area_mu"] = from_parcels.to_numpy()
    has_parcels = (from_parcels > 0).to_numpy()
    use_parcels = (declared.isna().to_numpy() | zero) & has_parcels
    out["land_area_mu"] = declared.where(~use_parcels, from_parcels)
    out["land_area_source"] = np.where(use_parcels, np.where(zero, "宗地合计（填报为 0）", "宗地合计"),
                                       np.where(declared.notna(), "企业填报", "缺失"))
    if zero.any():
        from .parcels import _zh_label

        label = _zh_label("land_area_mu")
        problems = (out["problems"].astype(object).where(out["problems"].notna(), "").to_numpy(dtype=object).copy()
                    if "problems" in out.columns else np.full(len(out), "", dtype=object))
        wrong = (out["data_errors"].astype(object).where(out["data_errors"].notna(), "").to_numpy(dtype=object).copy()
                 if "data_errors" in out.columns else np.full(len(out), "", dtype=object))
        parcel_sum = from_parcels.to_numpy(dtype=float)
        for i in np.flatnonzero(zero):
            if use_parcels[i]:
                text = (f"用地面积填报为 0，不是有效的用地面积：已改用该企业对应宗地的面积合计 {parcel_sum[i]:.2f} 亩评价；"
                        "请核实并更正企业表")
            else:
                text = "用地面积填报为 0，不是有效的用地面积，且无对应宗地：该企业暂不评价，请更正后重新评价"
                wrong[i] = f"{wrong[i]}、{label}" if wrong[i] else label
            problems[i] = f"{problems[i]}；{text}" if problems[i] else text
        out["problems"] = problems
        out["data_errors"] = wrong
    return out


def classify(ent: pd.DataFrame, *, scoring: dict | None = None, as_of=None) -> pd.DataFrame:
    """Score and class every enterprise row (validated table, see ``validate_enterprises``).

    规上 and 规下 firms are ranked in separate pools (规下 on tax and revenue per 亩 only), per year;
    a firm with a veto item is class D outside the ranking; a firm in production for fewer than
    ``t_new_years``, a small 规下 firm, or one without land area is T.

    Parameters
    ----------
    ent
        The validated enterprise table.
    scoring
        Scoring parameters; default the shipped ``efficiency_scoring.json``.
    as_of
        The audit date (anything :func:`pandas.Timestamp` reads); a 投产年份 after its year is a data
        error of the row. A row without 年度 is ranked (and its years in production counted) in the
        audit date's year, its reason saying “在审计基准日所在年度（2025）…”. A row with a data error (``data_errors`` of the validated table) is T and not
        scored, its reason naming the fields.

    Returns
    -------
    DataFrame
        ``ent`` with the indicators, ``<indicator>_score``, ``score`` (0–100×cap), ``pool``/``pool_zh``,
        ``vetoed``, ``rank``/``evaluated_n`` within year and pool, ``eff_class`` (A/B/C/D/T),
        ``eff_class_zh`` and ``eff_reason`` (Chinese). Same index, every row kept.

    Examples
    --------
    >>> from dcf_spatial.land.parcels import validate_enterprises
    >>> e = validate_enterprises(pd.DataFrame({"credit_code": ["91371502MA3C000000"], "name": ["甲"], "above_scale": ["否"],
    ...                                        "land_area_mu": [2.0], "year": [2024]}))
    >>> classify(e)["eff_class"].tolist()
    ['T']
    """
    cfg = scoring or load_scoring()
    ind = indicators(ent)
    out = ent.copy()
    n = len(out)
    cap = float(cfg["score_cap"])
    above = out["above_scale"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    pool = np.where(above, "above", "below").astype(object)
    pool_zh = np.where(above, cfg["pools"]["above"]["name_zh"], cfg["pools"]["below"]["name_zh"]).astype(object)
    weights = pool_weights(cfg, out)
    score = np.zeros(n)
    missing = [[] for _ in range(n)]
    for key, spec in cfg["indicators"].items():
        v = ind[key].to_numpy(dtype=float)
        out[key] = np.where(np.isinf(v), np.nan, v)
        w = np.where(above, weights["above"].get(key, 0.0), weights["below"].get(key, 0.0))
        s = np.where(np.isnan(v), 0.0, np.minimum(v / float(spec["benchmark"]), cap)) * w * 100
        out[f"{key}_score"] = s
        score += s
        for i in np.flatnonzero(np.isnan(v) & (w > 0)):
            missing[i].append(spec["name_zh"])
    out["score"] = np.round(score, 2)
    land = out["land_area_mu"].to_numpy(dtype=float)
    t_min = float(cfg["t_min_area_mu"])
    t_new = int(cfg.get("t_new_years", 0))
    year_num = out["year"].astype("Int64").to_numpy(dtype=float, na_value=np.nan)
    start = (out["start_year"].astype("Int64").to_numpy(dtype=float, na_value=np.nan) if "start_year" in out.columns
             else np.full(n, np.nan))
    vetoed = _vetoed(out)
    wrong = (out["data_errors"].astype(object).where(out["data_errors"].notna(), "").to_numpy(dtype=object).copy()
             if "data_errors" in out.columns else np.full(n, "", dtype=object))
    if as_of is not None:
        as_of_ts = pd.Timestamp(as_of)
        with np.errstate(invalid="ignore"):
            late = ~np.isnan(start) & (start > as_of_ts.year)
        problems = out["problems"].astype(object).fillna("").to_numpy(dtype=object).copy() if "problems" in out.columns \
            else np.full(n, "", dtype=object)
        from .parcels import _zh_label

        label = _zh_label("start_year")
        for i in np.flatnonzero(late):
            if label in wrong[i]:
                continue  # already after its 评价年度 (validate_enterprises)
            text = f"投产年份“{int(start[i])}”晚于审计基准日 {as_of_ts:%Y-%m-%d}：投产年份有误，该企业暂不评价，请更正后重新评价"
            problems[i] = f"{problems[i]}；{text}" if problems[i] else text
            wrong[i] = f"{wrong[i]}、{label}" if wrong[i] else label
        out["problems"] = problems
        out["data_errors"] = wrong
    erroneous = wrong != ""
    no_land = ~(land > 0)
    small = ~above & (land < t_min)
    # the years in production are counted to the audit year: the row's 年度 where given, else the year
    # of the audit date (a table without 年度 audited "as of 2025-12-31" is the 2025 evaluation)
    age_year = year_num.copy()
    # a row without 年度 in a table whose other rows all give one year is of that year (the table's year,
    # QA7 #6: one blank cell of a 2024 table is not a 2025 evaluation of its own); else the audit date's
    given_years = np.unique(year_num[~np.isnan(year_num)])
    table_year = int(given_years[0]) if len(given_years) == 1 else None
    fill_year = table_year if table_year is not None else (pd.Timestamp(as_of).year if as_of is not None else None)
    if fill_year is not None:
        age_year[np.isnan(age_year)] = fill_year
    with np.errstate(invalid="ignore"):
        new = ~np.isnan(start) & ~np.isnan(age_year) & (age_year - start < t_new)
    evaluated = ~vetoed & ~erroneous & ~no_land & ~small & ~new
    # the ranking's year: the row's 年度, else (as for the years in production above) the audit date's
    # year — a row without 年度 is ranked with that year's firms, and its reason says so
    year = out["year"].astype("Int64").astype("string")
    no_year = year.isna().to_numpy()
    year = year.fillna(str(fill_year) if fill_year is not None else "（未填年度）")
    where_year = np.where(no_year, (f"企业表其他企业的年度（{table_year}，本行未填年度）" if table_year is not None
                                    else f"审计基准日所在年度（{pd.Timestamp(as_of).year}）" if as_of is not None
                                    else "未填评价年度的"), year.to_numpy(dtype=object) + "年度").astype(object)
    # a group of fewer firms than ``min_pool_size`` (default 2) is no pool: one firm has nothing to be ranked
    # against, and a share of it (前20% …) names no class (QA7 #6): T, the reason says so
    min_pool = int(cfg.get("min_pool_size", 2))
    too_few = np.zeros(n, dtype=bool)
    cls = np.full(n, "T", dtype=object)
    cls[vetoed] = cfg.get("veto", {}).get("class", "D")
    rank = np.full(n, np.nan)
    n_eval = np.zeros(n, dtype=int)
    c = cfg["classes"]
    group = (year + "|" + pd.Series(pool, index=out.index)).to_numpy()
    for _, idx in pd.Series(np.arange(n))[evaluated].groupby(group[evaluated]):
        pos = idx.to_numpy()
        m = len(pos)
        if m < min_pool:
            too_few[pos] = True
            n_eval[pos] = m
            continue
        r = pd.Series(score[pos]).rank(ascending=False, method="min").to_numpy()
        n_a = int(round(m * c["A"]["share_top"]))
        n_d = int(round(m * c["D"]["share_bottom"]))
        n_b = int(round(m * c["B"]["share"]))
        k = np.where(r <= n_a, "A", np.where(r <= n_a + n_b, "B", "C")).astype(object)
        k[(r > m - n_d) & (k != "A")] = "D"
        cls[pos] = k
        rank[pos] = r
        n_eval[pos] = m
    out["pool"] = pool
    out["pool_zh"] = pool_zh
    out["vetoed"] = vetoed
    out["eff_class"] = cls
    out["eff_class_zh"] = pd.Series(cls, index=out.index).map({k: v["name_zh"] for k, v in c.items()})
    out["rank"] = pd.array(np.where(np.isnan(rank), pd.NA, rank), dtype="Int64")
    out["evaluated_n"] = n_eval
    reason = np.full(n, "", dtype=object)
    parcel_area = (out["parcel_area_mu"].to_numpy(dtype=float) if "parcel_area_mu" in out.columns
                   else np.full(n, np.nan))
    share = {"A": f"前{c['A']['share_top']:.0%}", "B": f"其后{c['B']['share']:.0%}", "C": "其余",
             "D": f"末{c['D']['share_bottom']:.0%}"}
    veto_text = out["veto"].astype(object).to_numpy() if "veto" in out.columns else np.full(n, None, dtype=object)
    for i in range(n):
        if vetoed[i]:
            reason[i] = (f"一票否决：{veto_text[i]}（否决事项：{'；'.join(cfg['veto']['items_zh'])}），"
                         f"直接列为{cls[i]}类，不参加排名")
        elif cls[i] == "T":
            if erroneous[i]:
                reason[i] = f"数据有误（{wrong[i]}，见“数据问题”列），暂不评价；请更正后重新评价"
            elif no_land[i]:
                reason[i] = ("缺少用地面积（企业未填报，对应宗地无面积），暂不评价" if parcel_area[i] == 0
                             else "缺少用地面积（企业未填报且无对应宗地），暂不评价")
            elif too_few[i]:
                reason[i] = (f"在{where_year[i]}{pool_zh[i]}中参评企业仅 {n_eval[i]} 家（少于 {min_pool} 家），无从排名，"
                             f"不按比例分类，暂不评价（综合得分{score[i]:.1f}）；请核对年度、是否规上后重新评价")
            elif new[i]:
                basis = ("评价年度" if not np.isnan(year_num[i]) else
                         "企业表本行无年度，按表中其他企业的年度" if table_year is not None
                         else "企业表无年度，按审计基准日所在年度")
                reason[i] = f"新投产企业（投产年份{int(start[i])}，{basis}{int(age_year[i])}）未满{t_new}年，暂不评价"
            else:
                reason[i] = f"规模以下且用地面积{land[i]:.2f}亩（小于{t_min:g}亩），暂不评价"
        else:
            reason[i] = (f"综合得分{score[i]:.1f}，在{where_year[i]}{pool_zh[i]}{n_eval[i]}家参评企业中列第{int(rank[i])}名"
                         f"（{share[cls[i]]}）")
            if missing[i]:
                reason[i] += "；缺少" + "、".join(missing[i]) + "数据，该项计0分"
    out["eff_reason"] = reason
    counts = pd.Series(cls).value_counts().to_dict()
    logger.info("Classed %d enterprise rows: %s", n, counts)
    return out


def row_note(ent: pd.DataFrame) -> str:
    """The note saying how the ``原表行号`` column counts (see :func:`~dcf_spatial.land.parcels.validate_enterprises`).

    Examples
    --------
    >>> frame = pd.DataFrame()
    >>> frame.attrs["row_kind"] = "table"
    >>> "表格行号" in row_note(frame)
    True
    """
    if ent.attrs.get("row_kind") == "table":
        from ..io.tables import HEADER_LINES
        from .parcels import row_number_note

        return row_number_note(ent.attrs.get(HEADER_LINES), what="该企业记录在企业表中",
                               end="，与选址批量核查的“表格行号”（表格第 N 行）计法相同。")
    return "“原表行号”为该企业记录在输入中的序号（第一条记录为 1）。"


def enterprise_zones(ent: pd.DataFrame, parcels, link: pd.DataFrame | None = None) -> pd.DataFrame:
    """Township/cluster/park of each enterprise row: those of its largest located parcel (see
    :func:`link_parcels`); a row without one takes the township its table names (``township_name``,
    e.g. 所在镇街), said in ``zone_source``.

    A row whose own 所在镇街 names another unit than its parcel's gets a note in ``problems`` naming
    both (企业填报镇街「乙镇」与宗地所在「甲镇」不一致，按宗地计); a short form of the same unit (古楼 for
    古楼街道) is not a difference.

    Returns
    -------
    DataFrame
        ``township_zh``, ``cluster_zh``, ``park_zh``, ``zone_source`` (宗地位置 / 企业表所填镇街 / 无)
        and ``problems`` (``ent``'s, with that note added), on ``ent``'s index.

    Examples
    --------
    >>> e = pd.DataFrame({"credit_code": ["A", "B"], "parcel_id": ["1", None], "township_name": ["乙镇", "丙镇"]})
    >>> p = pd.DataFrame({"parcel_id": ["1"], "area_mu": [5.0], "township_zh": ["甲镇"], "cluster_zh": [None]})
    >>> enterprise_zones(e, p)[["township_zh", "zone_source", "problems"]].values.tolist()
    [['甲镇', '宗地位置', '企业填报镇街「乙镇」与宗地所在「甲镇」不一致，按宗地计'], ['丙镇', '企业表所填镇街', '']]
    """
    cols = ["township_zh", "cluster_zh", "park_zh"]
    n = len(ent)
    out = pd.DataFrame({c: pd.array([pd.NA] * n, dtype="string") for c in cols}, index=ent.index)
    if parcels is not None and len(parcels) and "township_zh" in parcels.columns:
        link = link_parcels(ent, parcels) if link is None else link
        pos = link["parcel"].to_numpy()
        p = pd.DataFrame({"ent": link["ent"].to_numpy(), "area": parcels["area_mu"].to_numpy(dtype=float)[pos],
                          **{c: parcels[c].astype("string").to_numpy()[pos] for c in cols if c in parcels.columns}})
        # only a parcel placed in a township lends its zones (one without geometry or place has none)
        p = p.dropna(subset=["township_zh"]).sort_values(["ent", "area"], ascending=[True, False], kind="stable")
        p = p.drop_duplicates("ent").set_index("ent").reindex(np.arange(n))
        for c in cols:
            if c in p.columns:
                out[c] = pd.array(p[c].to_numpy(), dtype="string")
    located = out["township_zh"].notna().to_numpy()
    own = (ent["township_name"].astype("string").str.strip().replace("", pd.NA).to_numpy()
           if "township_name" in ent.columns else np.full(n, pd.NA, dtype=object))
    own_ok = ~located & pd.notna(own)
    town = out["township_zh"].to_numpy(dtype=object)
    town[own_ok] = own[own_ok]
    out["township_zh"] = pd.array(town, dtype="string")
    out["zone_source"] = np.where(located, "宗地位置", np.where(own_ok, "企业表所填镇街", "无"))
    problems = (ent["problems"].astype(object).where(ent["problems"].notna(), "").to_numpy(dtype=object).copy()
                if "problems" in ent.columns else np.full(n, "", dtype=object))
    parcel_town = pd.Series(town, dtype="string")
    own_town = pd.Series(own, dtype="string")
    differ = (located & own_town.notna().to_numpy()
              & (_township_key(own_town) != _township_key(parcel_town)).fillna(False).to_numpy(dtype=bool))
    for i in np.flatnonzero(differ):
        text = f"企业填报镇街「{own_town.iloc[i]}」与宗地所在「{parcel_town.iloc[i]}」不一致，按宗地计"
        problems[i] = f"{problems[i]}；{text}" if problems[i] else text
    out["problems"] = problems
    return out


def _township_key(names: pd.Series) -> pd.Series:
    """The key two spellings of one township compare on: NFKC, no spaces, without the suffix 街道办事处 /
    办事处 / 街道 / 镇 when two characters remain (古楼街道 = 古楼, 沙镇镇 = 沙镇, but 沙镇 stays 沙镇)."""
    k = names.astype("string").str.normalize("NFKC").str.replace(r"\s+", "", regex=True)
    return k.str.replace(r"^(.{2,}?)(街道办事处|办事处|街道|镇)$", r"\1", regex=True)


def firm_key(ent: pd.DataFrame) -> pd.Series:
    """Who each enterprise row is: its 统一社会信用代码 (stripped, upper case), else its name
    (``名称：…``), else its row (``行：…``) — a table without credit codes still tells its firms apart.

    Examples
    --------
    >>> firm_key(pd.DataFrame({"credit_code": [" 91a ", None, None], "name": ["甲", "乙", None],
    ...                        "row": [2, 3, 4]})).tolist()
    ['91A', '名称：乙', '行：4']
    """
    n = len(ent)
    cc = (ent["credit_code"].astype("string").str.strip().str.upper().replace("", pd.NA)
          if "credit_code" in ent.columns else pd.Series(pd.NA, index=ent.index, dtype="string"))
    name = (ent["name"].astype("string").str.strip().replace("", pd.NA)
            if "name" in ent.columns else pd.Series(pd.NA, index=ent.index, dtype="string"))
    row = (ent["row"].astype("string") if "row" in ent.columns
           else pd.Series(np.arange(1, n + 1), index=ent.index).astype("string"))
    return cc.fillna("名称：" + name).fillna("行：" + row)


def latest_by_firm(classed: pd.DataFrame) -> pd.DataFrame:
    """Each firm's (:func:`firm_key`) row of its latest year, with a ``firm_key`` column.

    Examples
    --------
    >>> c = pd.DataFrame({"credit_code": [None, None], "name": ["甲", "乙"], "year": [2025, 2025],
    ...                   "eff_class": ["D", "A"]})
    >>> latest_by_firm(c)[["firm_key", "eff_class"]].values.tolist()
    [['名称：甲', 'D'], ['名称：乙', 'A']]
    """
    out = classed if "firm_key" in classed.columns else classed.assign(firm_key=firm_key(classed).to_numpy())
    return out.sort_values("year", na_position="first", kind="stable").drop_duplicates("firm_key", keep="last")


def low_efficiency_parcels(parcels, classed: pd.DataFrame, firms: pd.Series | None = None) -> pd.Series:
    """Per parcel: why it is 低效用地 ("D类企业用地" / "闲置土地" / both joined), or "" if it is not.

    A parcel is a class-D firm's if its firm (``firms``, see :func:`parcel_firms`; default the
    parcel's ``credit_code``) has class D in the latest year of ``classed`` (firms told apart by
    :func:`firm_key`: a firm without a credit code is matched through the 宗地编号 its row names);
    idle means a status in ``idle_audit.IDLE_STATUSES`` (when ``status`` is present).

    Examples
    --------
    >>> e = pd.DataFrame({"credit_code": [None], "name": ["某机械厂"], "year": [2025], "eff_class": ["D"],
    ...                   "parcel_id": ["3715022016B00011"]})
    >>> p = pd.DataFrame({"parcel_id": ["3715022016B00011", "X"]})
    >>> low_efficiency_parcels(p, e, firms=parcel_firms(p, e)).tolist()
    ['D类企业用地', '']
    """
    from .idle_audit import IDLE_STATUSES

    latest = latest_by_firm(classed)
    d_firms = set(latest.loc[latest["eff_class"] == "D", "firm_key"].dropna().astype(str))
    cc = (parcels["credit_code"] if firms is None else firms).astype("string").str.upper().fillna("")
    is_d = cc.isin(d_firms).to_numpy()
    is_idle = parcels["status"].isin(IDLE_STATUSES).to_numpy() if "status" in parcels.columns else np.zeros(len(parcels), bool)
    why = np.where(is_d & is_idle, "D类企业用地；闲置土地", np.where(is_d, "D类企业用地", np.where(is_idle, "闲置土地", "")))
    return pd.Series(why, index=parcels.index)


def low_efficiency_by_zone(parcels, low: pd.Series, *, by: str) -> pd.DataFrame:
    """Area (亩) and count of 低效用地 per value of ``by`` (e.g. ``cluster_zh``); each parcel counted once
    (a parcel id on several rows: its first row, see :func:`~dcf_spatial.land.idle_audit.in_totals`)."""
    from .idle_audit import in_totals

    keep = in_totals(parcels)
    if not keep.all():
        parcels, low = parcels[keep], low[keep]
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


# ---- enterprises ↔ parcels ------------------------------------------------------------------------

#: what separates several 宗地编号 in one cell of the enterprise table (a firm on more than one parcel)
_ID_SEPARATORS = r"[、,，;；/／|]"


def link_parcels(ent: pd.DataFrame, parcels) -> pd.DataFrame:
    """Which parcels each enterprise row stands on: by 宗地编号, and by 统一社会信用代码.

    An enterprise row's ``parcel_id`` (its 宗地编号; several in one cell separated by 、，；/) is
    matched to the parcels' ``parcel_id`` through :func:`parcel_key`; a parcel whose own
    ``credit_code`` is the firm's is linked too. Either table may lack the column.

    Parameters
    ----------
    ent
        The enterprise rows (``credit_code``; ``parcel_id`` optional).
    parcels
        The parcels (``parcel_id`` and/or ``credit_code``), or None.

    Returns
    -------
    DataFrame
        One row per (enterprise row, parcel) pair: ``ent`` and ``parcel`` (positions), ``via``
        (``"宗地编号"`` / ``"统一社会信用代码"``). Empty without parcels.

    Examples
    --------
    >>> e = pd.DataFrame({"credit_code": ["A", "B"], "parcel_id": ["0012", None]})
    >>> p = pd.DataFrame({"parcel_id": ["12", "13"], "credit_code": [None, "B"]})
    >>> link_parcels(e, p).values.tolist()
    [[0, 0, '宗地编号'], [1, 1, '统一社会信用代码']]
    """
    empty = pd.DataFrame({"ent": pd.Series([], dtype=np.int64), "parcel": pd.Series([], dtype=np.int64),
                          "via": pd.Series([], dtype=object)})
    if parcels is None or not len(parcels) or not len(ent):
        return empty
    pairs = []
    if "parcel_id" in ent.columns and "parcel_id" in parcels.columns:
        cell = ent["parcel_id"].astype(object).where(ent["parcel_id"].notna(), None)
        asked = pd.Series([re.split(_ID_SEPARATORS, v) if isinstance(v, str) else [v] for v in cell],
                          index=np.arange(len(ent)), dtype=object).explode()
        asked = pd.DataFrame({"ent": asked.index.to_numpy(dtype=np.int64),
                              "key": parcel_key(asked.reset_index(drop=True)).to_numpy()}).dropna(subset=["key"])
        have = pd.DataFrame({"parcel": np.arange(len(parcels), dtype=np.int64),
                             "key": parcel_key(parcels["parcel_id"].reset_index(drop=True)).to_numpy()}).dropna(subset=["key"])
        by_id = asked.merge(have, on="key")[["ent", "parcel"]].assign(via="宗地编号")
        pairs.append(by_id)
    if "credit_code" in parcels.columns and "credit_code" in ent.columns:
        cc_e = pd.DataFrame({"ent": np.arange(len(ent), dtype=np.int64),
                             "cc": ent["credit_code"].astype("string").str.strip().str.upper().to_numpy()}).dropna()
        cc_p = pd.DataFrame({"parcel": np.arange(len(parcels), dtype=np.int64),
                             "cc": parcels["credit_code"].astype("string").str.strip().str.upper().to_numpy()}).dropna()
        pairs.append(cc_e.merge(cc_p, on="cc")[["ent", "parcel"]].assign(via="统一社会信用代码"))
    if not pairs:
        return empty
    out = pd.concat(pairs, ignore_index=True)
    # a parcel found both ways counts once for its firm (宗地编号 named first)
    out = out.drop_duplicates(["ent", "parcel"], keep="first").sort_values(["ent", "parcel"], kind="stable")
    return out.reset_index(drop=True).astype({"ent": np.int64, "parcel": np.int64})


def parcel_firms(parcels, ent: pd.DataFrame, link: pd.DataFrame | None = None) -> pd.Series:
    """Per parcel, its firm (:func:`firm_key`): the parcel's own ``credit_code``, else the key of the
    enterprise row naming it by 宗地编号 (the first such row; its credit code, else its name). Missing when neither.

    Examples
    --------
    >>> e = pd.DataFrame({"credit_code": ["A"], "parcel_id": ["7"]})
    >>> parcel_firms(pd.DataFrame({"parcel_id": ["007", "8"]}), e).tolist()
    ['A', <NA>]
    """
    own = (parcels["credit_code"].astype("string").str.strip().str.upper().reset_index(drop=True)
           if "credit_code" in parcels.columns else pd.Series(pd.NA, index=range(len(parcels)), dtype="string"))
    link = link_parcels(ent, parcels) if link is None else link
    by_id = link[link["via"] == "宗地编号"].drop_duplicates("parcel", keep="first")
    named = pd.Series(firm_key(ent).to_numpy()[by_id["ent"].to_numpy()],
                      index=by_id["parcel"].to_numpy(), dtype="string")
    out = own.fillna(named.reindex(own.index))
    out.index = parcels.index
    return out


def link_columns(ent: pd.DataFrame, parcels, link: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per enterprise row: ``parcel_link`` (how its parcels were found, or 未匹配), ``parcel_link_zh``
    (the Chinese sentence, with the reason when none was found) and ``matched_parcel_ids``.

    Examples
    --------
    >>> e = pd.DataFrame({"credit_code": ["A", "B"], "parcel_id": ["12", None]})
    >>> link_columns(e, pd.DataFrame({"parcel_id": ["0012"]}))["parcel_link_zh"].tolist()
    ['按宗地编号对应宗地 0012', '未对应到宗地：企业表未填宗地编号，宗地表中也没有该统一社会信用代码']
    """
    n = len(ent)
    if parcels is None:
        return pd.DataFrame({"parcel_link": ["未提供宗地"] * n, "parcel_link_zh": ["未提供宗地表，未对应宗地"] * n,
                             "matched_parcel_ids": [""] * n}, index=ent.index)
    link = link_parcels(ent, parcels) if link is None else link
    ids = (parcels["parcel_id"].astype("string").fillna("（无宗地编号）").to_numpy(dtype=object)
           if "parcel_id" in parcels.columns else np.full(len(parcels), "（无宗地编号）", dtype=object))
    asked = (ent["parcel_id"].astype(object).where(ent["parcel_id"].notna(), None).to_numpy()
             if "parcel_id" in ent.columns else np.full(n, None, dtype=object))
    how, text, found = ["未匹配"] * n, [""] * n, [""] * n
    no_code = (ent["credit_code"].astype("string").str.strip().replace("", pd.NA).isna().to_numpy(dtype=bool)
               if "credit_code" in ent.columns else np.ones(n, dtype=bool))
    groups = {int(k): g for k, g in link.groupby("ent")} if len(link) else {}
    for i in range(n):
        g = groups.get(i)
        wanted = asked[i]
        wanted = None if wanted is None or (isinstance(wanted, float) and np.isnan(wanted)) or str(wanted).strip() == "" \
            else str(wanted).strip()
        if g is not None:
            vias = list(dict.fromkeys(g["via"]))
            how[i] = "、".join(vias)
            found[i] = "、".join(dict.fromkeys(str(x) for x in ids[g["parcel"].to_numpy()]))  # a repeated id once
            text[i] = f"按{'、'.join(vias)}对应宗地 {found[i]}"
            if wanted is not None and "宗地编号" not in vias:
                text[i] += f"（企业表所填宗地编号“{wanted}”在宗地表中找不到）"
        elif wanted is not None:
            text[i] = f"未对应到宗地：企业表所填宗地编号“{wanted}”在宗地表中找不到，宗地表中也没有该统一社会信用代码；请核对宗地编号"
        elif no_code[i]:
            text[i] = "未对应到宗地：企业表未填宗地编号，也未填统一社会信用代码，无从对应；请补填宗地编号"
        else:
            text[i] = "未对应到宗地：企业表未填宗地编号，宗地表中也没有该统一社会信用代码"
    return pd.DataFrame({"parcel_link": how, "parcel_link_zh": text, "matched_parcel_ids": found}, index=ent.index)


def link_summary_zh(classed: pd.DataFrame, *, limit: int = 20) -> list[str]:
    """The lines saying how many enterprise rows found their parcels and which did not (with reasons).

    Examples
    --------
    >>> c = pd.DataFrame({"row": [2, 3], "name": ["甲", "乙"], "parcel_link": ["宗地编号", "未匹配"],
    ...                   "parcel_link_zh": ["按宗地编号对应宗地 1", "未对应到宗地：企业表未填宗地编号"]})
    >>> link_summary_zh(c)[0]
    '企业与宗地对应：2 行企业记录中 1 行对应到宗地（按宗地编号 1 行），1 行未对应。'
    """
    if "parcel_link" not in classed.columns or (classed["parcel_link"] == "未提供宗地").all():
        return []
    link = classed["parcel_link"].astype(str)
    miss = classed[link == "未匹配"]
    n, ok = len(classed), int((link != "未匹配").sum())
    by = [f"按{v} {int((link.str.contains(v)).sum()):,} 行" for v in ("宗地编号", "统一社会信用代码") if link.str.contains(v).any()]
    lines = [f"企业与宗地对应：{n:,} 行企业记录中 {ok:,} 行对应到宗地" + (f"（{'，'.join(by)}）" if by else "")
             + f"，{len(miss):,} 行未对应。"]
    if len(miss):
        rows = miss["row"].to_numpy() if "row" in miss.columns else np.arange(1, len(miss) + 1)
        names = miss["name"].astype(object).where(miss["name"].notna(), "（无企业名称）").to_numpy() if "name" in miss.columns \
            else np.full(len(miss), "", dtype=object)
        items = [f"第 {r} 行 {nm}：{t.removeprefix('未对应到宗地：')}"
                 for r, nm, t in zip(rows[:limit], names[:limit], miss["parcel_link_zh"].to_numpy()[:limit])]
        lines.append("未对应到宗地的企业（用地面积只能取企业填报值，所在镇街取企业表所填；请核对宗地编号或补填）：" + "；".join(items)
                     + (f"；另有 {len(miss) - limit:,} 行见企业清单“宗地对应”列" if len(miss) > limit else ""))
    return lines
