"""Parcels that share one point on the idle-audit maps: one marker per point, none hidden (QA9 #2).

A ledger without coordinates is placed by the names in its 项目位置 (:func:`dcf_spatial.places.place_rows`):
every parcel of a town sits on the town's representative point. Drawn one by one, the last drawn hid the
others — 郑家镇 showed one green (正常) dot over two 疑似闲置满两年. Here the parcels that share a point
become one marker: coloured by the most serious label present (the order of
:func:`~dcf_spatial.land.idle_audit.status_labels`), sized by how many parcels it stands for, with the
counts by label and the parcels in its popup. The legend counts parcels as the workbook does: each
parcel once (a repeated 宗地代码 drawn once, :func:`~dcf_spatial.land.idle_audit.in_totals`), a ledger's
合计 row or footer in no count, and the parcels not drawn (位置不明) said apart.

Both the HTML map (:func:`dcf_spatial.land.outputs.write_idle_parcel_map`) and the desk's audit map
(``GET /api/jobs/{id}/map``) take their features from :func:`idle_map_features`. Vectorised: the rows
are grouped by their point's coordinates (a factorize); only the texts of the shared points (a few
per town, at most one per place the gazetteer knows) are joined per group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .idle_audit import STATUS_ORDER, in_totals, status_codes, status_labels

#: the parcels a marker's popup lists by id before saying how many more
LIST_MAX = 30
#: ``location_method`` of a row placed by a name (:func:`dcf_spatial.places.place_rows`)
BY_NAME = "按地名定位"
#: the feature column that says a marker stands at a name's label point, not at the parcels (QA nu #2)
LOCATED = "located_zh"


def located_text(place, level=None) -> str:
    """What a marker placed by a name says of its place (popup and tooltip): where it is drawn, and that it
    is no parcel's position nor says the parcels lie in a finer unit the name does not fix (a township's
    clusters and parks, whose areas its point keeps out of: :func:`dcf_spatial.places.label_point`; a
    cluster's parks).

    Examples
    --------
    >>> located_text("郑家镇", "镇街")
    '按地名“郑家镇”定位，位置示意：画在该镇街内、其中的集聚区和园区之外，不是宗地的实际位置，不表示宗地在集聚区或园区内'
    >>> located_text("郑家镇工业集聚区", "集聚区")
    '按地名“郑家镇工业集聚区”定位，位置示意：画在该集聚区的代表点，不是宗地的实际位置，不表示宗地在其中某个园区内'
    """
    if level == "园区":
        return f"按地名“{place}”定位，位置示意：画在该园区的代表点，不是宗地的实际位置"
    if level == "集聚区":
        return f"按地名“{place}”定位，位置示意：画在该集聚区的代表点，不是宗地的实际位置，不表示宗地在其中某个园区内"
    return (f"按地名“{place}”定位，位置示意：画在该{level or '单元'}内、其中的集聚区和园区之外，不是宗地的实际位置，"
            "不表示宗地在集聚区或园区内")


def _located(result, rows: np.ndarray) -> np.ndarray:
    """:func:`located_text` for each of ``rows`` placed by a name (None for the others)."""
    out = np.full(len(rows), None, dtype=object)
    if "location_method" not in result.columns or not len(rows):
        return out
    method = result["location_method"].iloc[rows].astype(object).to_numpy()
    none = np.full(len(rows), None, dtype=object)
    place = result["place_name"].iloc[rows].astype(object).to_numpy() if "place_name" in result.columns else none
    level = result["place_level"].iloc[rows].astype(object).to_numpy() if "place_level" in result.columns else none
    for j in np.flatnonzero(method == BY_NAME):
        out[j] = located_text("" if pd.isna(place[j]) else place[j], None if pd.isna(level[j]) else level[j])
    return out


def parcel_names(result, rows: np.ndarray) -> np.ndarray:
    """How the map names each of ``rows``: its 宗地代码, or where the ledger left it empty (None, NaN,
    blank) 「无宗地代码（原表第 N 行）」 by its 原表行号 (``row``; else its position from 1), so a parcel
    without an id is drawn and listed like the others (QA30 F2: the join of the ids failed on a NaN).

    Examples
    --------
    >>> import pandas as pd
    >>> parcel_names(pd.DataFrame({"parcel_id": ["Z1", None, " "], "row": [2, 15, 16]}), np.arange(3)).tolist()
    ['Z1', '无宗地代码（原表第 15 行）', '无宗地代码（原表第 16 行）']
    """
    rows = np.asarray(rows, dtype=np.int64)
    where = (result["row"].iloc[rows].to_numpy() if "row" in result.columns else rows + 1)
    missing = [f"无宗地代码（原表第 {int(r)} 行）" if pd.notna(r) else "无宗地代码" for r in where]
    if "parcel_id" not in result.columns:
        return np.asarray(missing, dtype=object)
    ids = result["parcel_id"].iloc[rows].astype(object).to_numpy()
    blank = pd.isna(ids) | (pd.Series(ids, dtype=object).astype(str).str.strip() == "").to_numpy()
    return np.where(blank, np.asarray(missing, dtype=object), ids.astype(str)).astype(object)


def _label_ranks(status_codes_: np.ndarray, label_codes: np.ndarray, labels) -> np.ndarray:
    """The seriousness of each distinct label (``labels``, codes ``label_codes`` per row): its position
    in :func:`status_labels` (0 = most serious); a label not listed ranks after the listed ones, by the
    status code of its first row. One value per distinct label, not per row."""
    order = {zh: i for i, (_s, zh) in enumerate(status_labels())}
    ranks = np.empty(len(labels), dtype=float)
    present = label_codes >= 0
    first = np.full(len(labels), -1, dtype=np.int64)
    if present.any():
        uniq, at = np.unique(label_codes[present], return_index=True)
        first[uniq] = np.flatnonzero(present)[at]
    for j, zh in enumerate(labels):  # the distinct labels: a handful
        code = status_codes_[first[j]] if first[j] >= 0 else -1
        ranks[j] = order.get(str(zh), len(order) + (code if code >= 0 else len(STATUS_ORDER)))
    return ranks


def idle_map_features(result, *, columns=()):
    """The features of an idle-audit map and what its legend must say.

    Parameters
    ----------
    result
        The audited parcels (:func:`~dcf_spatial.land.idle_audit.audit_idle` with zones), a GeoDataFrame.
    columns
        Further columns to carry on the features (popup fields); on a shared point they hold the
        first parcel's value where all its parcels agree, else are empty.

    Returns
    -------
    (GeoDataFrame, dict)
        The features: where no parcels share a point, ``result`` itself (no copy; draw only the rows of
        ``info["drawn"]``); else each parcel counted in the totals that has a place, those that share
        their point with others being one feature per point (``n_parcels`` > 1, ``parcel_id`` naming
        the place and the count, ``status``/``status_zh`` the most serious present, ``counts_zh`` and
        ``parcels_zh`` the counts by label and the parcels; ``n_parcels`` is 1 on the other rows). The
        dict: ``drawn`` (bool per row of the features: to draw), ``legend_counts`` (label → parcels, as
        the workbook counts them, most serious first), ``unplaced`` (parcels not drawn: no place),
        ``unplaced_zh`` (their labels and counts), ``repeats`` (rows of a repeated parcel id, drawn
        once), ``footers`` (合计/表尾 rows, no parcel), ``shared_points``, ``shared_parcels``,
        ``by_name_points`` (shared points placed by a name).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> f = gpd.GeoDataFrame({"parcel_id": ["A", "B", "C"], "status": ["normal", "idle_reclaim", "normal"],
    ...                       "status_zh": ["正常", "疑似闲置满两年（未动工开发）", "正常"],
    ...                       "location_method": ["按地名定位"] * 2 + ["坐标"], "place_name": ["甲镇", "甲镇", None]},
    ...                      geometry=[shapely.Point(1, 1), shapely.Point(1, 1), shapely.Point(2, 2)], crs=4490)
    >>> feats, info = idle_map_features(f)
    >>> feats[["parcel_id", "status_zh", "n_parcels"]].values.tolist()
    [['C', '正常', 1], ['甲镇（按镇示意，2 宗）', '疑似闲置满两年（未动工开发）', 2]]
    >>> info["legend_counts"]
    {'疑似闲置满两年（未动工开发）': 1, '正常': 2}
    """
    import geopandas as gpd
    import shapely

    n = len(result)
    # codes, not a Python string per row (at 10⁶ parcels an object copy of a text column was the
    # audit's memory peak): the statuses' codes, the labels factorised (arrow text stays arrow)
    codes = status_codes(result["status"])
    label_codes, labels = pd.factorize(result["status_zh"])
    label_codes = np.asarray(label_codes, dtype=np.int64)
    labels = [str(v) for v in labels]
    label_rank = _label_ranks(codes, label_codes, labels)
    footer = codes == STATUS_ORDER.index("not_a_parcel")
    repeat = ~np.asarray(in_totals(result), dtype=bool)
    keep = ~repeat & ~footer & (label_codes >= 0)
    geom = result.geometry.values
    has = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    by_rank = np.argsort(label_rank, kind="stable")

    def counted(mask):  # label → rows in mask, most serious first
        k = np.bincount(label_codes[mask], minlength=len(labels))
        return {labels[j]: int(k[j]) for j in by_rank if k[j]}

    unplaced = keep & ~has
    un = counted(unplaced)
    info = {"legend_counts": counted(keep), "unplaced": int(unplaced.sum()),
            "unplaced_zh": "、".join(f"{k} {v} 宗" for k, v in un.items()),
            "repeats": int((repeat & ~footer).sum()), "footers": int(footer.sum()),
            "shared_points": 0, "shared_parcels": 0, "by_name_points": 0}
    drawn = keep & has
    point = drawn & (shapely.get_type_id(geom) == 0)
    pos = np.flatnonzero(point)
    group = np.full(n, -1, dtype=np.int64)
    if len(pos):
        cx, _ = pd.factorize(np.round(shapely.get_x(geom[pos]), 7))
        cy, uy = pd.factorize(np.round(shapely.get_y(geom[pos]), 7))
        group[pos] = pd.factorize(cx.astype(np.int64) * max(len(uy), 1) + cy)[0]
    sizes = np.bincount(group[pos]) if len(pos) else np.zeros(1, dtype=np.int64)
    shared = point & (group >= 0) & (sizes[np.maximum(group, 0)] > 1)
    if not shared.any():
        info["drawn"] = drawn
        named = (drawn & (result["location_method"].astype(object).to_numpy() == BY_NAME)
                 if "location_method" in result.columns else np.zeros(n, dtype=bool))
        unnamed = (drawn & result["parcel_id"].isna().to_numpy() if "parcel_id" in result.columns
                   else np.zeros(n, dtype=bool))
        if named.any() or unnamed.any():   # (a ledger placed by names: small; a file with coordinates is not copied)
            result = result.copy()
            if named.any():
                result[LOCATED] = _located(result, np.arange(n))
            if unnamed.any():   # the map's label and popup name a parcel without an id by its row (QA30 F2)
                result["parcel_id"] = parcel_names(result, np.arange(n))
        return result, info
    single_pos = np.flatnonzero(drawn & ~shared)
    carry = [c for c in dict.fromkeys(("parcel_id", "status", "status_zh", "area_mu", *columns)) if c in result.columns]
    singles = result[carry + [result.geometry.name]].iloc[single_pos].copy()
    if "parcel_id" in singles.columns:
        singles["parcel_id"] = parcel_names(result, single_pos)
    singles["n_parcels"] = 1
    singles[LOCATED] = _located(result, single_pos)
    spos = np.flatnonzero(shared)

    def take(col, rows):  # the values of ``col`` at ``rows`` only, as Python objects
        return result[col].iloc[rows].astype(object).to_numpy()

    status = take("status", spos)
    status_zh = np.asarray(labels, dtype=object)[label_codes[spos]]
    sub = pd.DataFrame({"g": group[spos], "rank": label_rank[label_codes[spos]], "status": status,
                        "status_zh": status_zh,
                        "pid": parcel_names(result, spos), "pos": spos})
    sub = sub.sort_values(["g", "rank", "pos"], kind="stable")
    top = sub.drop_duplicates("g")                        # the most serious label of each point
    count = sub.groupby("g").size()
    by_label = sub.groupby(["g", "rank", "status_zh"], sort=True).size().rename("k").reset_index()
    by_label["text"] = by_label["status_zh"].astype(str) + " " + by_label["k"].astype(str) + " 宗"
    counts_zh = by_label.groupby("g")["text"].agg("；".join)
    nth = sub.groupby("g").cumcount().to_numpy()
    listed = sub[nth < LIST_MAX]
    ids = (listed["pid"].astype(str) + "（" + listed["status_zh"].astype(str) + "）").groupby(listed["g"]).agg("、".join)
    more = (count - LIST_MAX).clip(lower=0)
    parcels_zh = ids + np.where(more.reindex(ids.index).to_numpy() > 0,
                                "等，另 " + more.reindex(ids.index).astype(str) + " 宗见清单", "")
    first = top["pos"].to_numpy()
    method = (take("location_method", first) if "location_method" in result.columns
              else np.full(len(first), None, dtype=object))
    by_name = method == BY_NAME
    place = (take("place_name", first) if "place_name" in result.columns
             else np.full(len(first), None, dtype=object))
    place = np.where(pd.isna(place), "", place).astype(object)
    k = count.reindex(top["g"]).to_numpy()
    name = np.where(by_name & (place != ""), pd.Series(place).astype(str) + "（按镇示意，" + pd.Series(k).astype(str) + " 宗）",
                    "同一点位 " + pd.Series(k).astype(str) + " 宗")
    grouped = {"parcel_id": name, "status": top["status"].to_numpy(), "status_zh": top["status_zh"].to_numpy(),
               "n_parcels": k, "counts_zh": counts_zh.reindex(top["g"]).to_numpy(),
               "parcels_zh": parcels_zh.reindex(top["g"]).to_numpy(),
               LOCATED: np.where(by_name, _located(result, first), None)}
    if "area_mu" in result.columns:
        area = pd.Series(result["area_mu"].iloc[spos].to_numpy(dtype=float)).groupby(group[spos]).sum(min_count=1)
        grouped["area_mu"] = area.reindex(top["g"]).to_numpy()
    for c in carry:
        if c in grouped:
            continue
        vals = pd.Series(take(c, spos), dtype=object)
        same = vals.groupby(group[spos]).nunique(dropna=False).reindex(top["g"]).to_numpy() == 1
        grouped[c] = np.where(same, take(c, first), None)
    points = gpd.GeoDataFrame(grouped, geometry=list(geom[first]), crs=result.crs)
    if result.geometry.name != "geometry":
        points = points.rename_geometry(result.geometry.name)
    info.update(shared_points=len(points), shared_parcels=int(len(spos)), by_name_points=int(by_name.sum()))
    out = gpd.GeoDataFrame(pd.concat([singles, points], ignore_index=True), geometry=result.geometry.name,
                           crs=result.crs)
    info["drawn"] = np.ones(len(out), dtype=bool)
    return out, info


def legend_notes(info: dict, *, numbers: bool = True) -> list[str]:
    """What the legend says besides the counts: the markers that stand for several parcels (按镇示意
    where placed by a name), the parcels not drawn, the repeats drawn once and the footer rows
    (``numbers``: the count is written under such a marker)."""
    notes = []
    written = "圆点下的数字为宗数，" if numbers else ""
    if info.get("by_name_points"):
        notes.append(f"按镇示意：无坐标的宗地按项目位置中的地名画在所属单元的代表点上（位置示意，取该单元内、其中的集聚区和园区之外的点，"
                     f"不表示宗地在集聚区或园区内；虚线圆圈）；同一点的多宗合为一个圆点"
                     f"（共 {info['shared_points']:,} 个点、{info['shared_parcels']:,} 宗），点的大小随宗数，"
                     f"颜色取其中最严重的结论，{written}点击见各结论宗数与宗地")
    elif info.get("shared_points"):
        notes.append(f"同一坐标的多宗合为一个圆点（共 {info['shared_points']:,} 个点、{info['shared_parcels']:,} 宗），"
                     f"点的大小随宗数，颜色取其中最严重的结论，{written}点击见各结论宗数与宗地")
    if info.get("unplaced"):
        notes.append(f"另有 {info['unplaced']:,} 宗位置不明，未上图（{info['unplaced_zh']}），见清单")
    if info.get("repeats"):
        notes.append(f"宗地代码重复的 {info['repeats']:,} 条重复记录只画一次、只计一次（与工作簿相同）")
    if info.get("footers"):
        notes.append(f"{info['footers']:,} 行非宗地行（合计/表尾）不上图、不计数")
    notes.append("图例数字为宗数，与工作簿“汇总_按状态”一致")
    return notes
