"""Check sites against the plan: one site (:func:`site_result`) or many rows (:func:`site_results`).

These are the engine functions behind :func:`dcf_spatial.queries.check_site`; they take geometry
already read and return plain result dicts (JSON-ready, described in :mod:`dcf_spatial.queries.site`).
"""

from __future__ import annotations

import logging

import numpy as np

from ... import settings
from ...errors import InputError
from ...industry import IndustryMatch, checkable, industry_error_message, resolve
from .context import PlanContext, load_context
from .rules import evaluate

logger = logging.getLogger(__name__)

#: a batch row that is the list's 合计 row or a footer (制表人：…): its verdict word, and how its reason begins
NOT_PROJECT_ZH = "非项目行"
NOT_PROJECT_PREFIX = NOT_PROJECT_ZH + "（合计/表尾）"
#: the column of a batch's sites that marks such a row (set by :func:`~dcf_spatial.queries.site.batch.batch_rows`):
#: its result says ``not_project``, and the counts put it apart from 无法核查
NOT_PROJECT_COLUMN = "not_project"


def site_result(site, industry, *, figures: dict | None = None, context: PlanContext | None = None,
               store=None, capacity_replacement: bool = False, catalogue_class: str | None = None,
               policy: dict | None = None) -> dict:
    """Check one site; the result dict. Raises :class:`InputError` for an unknown or ambiguous industry.

    Parameters
    ----------
    site
        A GeoDataFrame/GeoSeries with a CRS (all rows are one site: they are unioned), or a shapely
        geometry in the storage CRS (EPSG:4490). Read user input with ``dcf_spatial.io.read_site``.
    industry
        A GB/T 4754-2017 code at any level, Chinese words, or an :class:`IndustryMatch`.
    figures
        Project figures for the land-use control indicators (see ``FIGURE_FIELDS``).
    capacity_replacement
        The project declares 等量或减量置换 of capacity (第九章第三节).
    catalogue_class
        Class of the project in 《产业结构调整指导目录》 (鼓励类/限制类/淘汰类/允许类), if known.
    policy
        The planning office's policy settings for this check (``plan_rules.json`` → ``office_policies``),
        e.g. ``{"industry_outside_clusters": "conditional"}``; ``None``: the defaults.

    Examples
    --------
    >>> from shapely import Point
    >>> site_result(Point(115.80, 36.47), "轴承")["verdict"]  # doctest: +SKIP
    'fits'
    """
    m = industry if isinstance(industry, IndustryMatch) else resolve(str(industry))
    if not checkable(m):  # a plan word with several codes is judged over them (rules.evaluate)
        raise InputError(industry_error_message(m))
    geom = site_geometry(site)
    # a site given by a place name means "somewhere in that unit" (rules/named.py)
    named = placed_by_name(site, 0) if getattr(site, "columns", None) is not None and len(site) == 1 else None
    return evaluate(context or load_context(store), np.array([geom], dtype=object), [m], [figures or {}],
                    with_policy([dict(capacity_replacement=capacity_replacement, catalogue_class=catalogue_class)],
                                policy), named=[named])[0]


def with_policy(flags: list, policy: dict | None) -> list:
    """Each row's flags with the office policy settings of the check (``flags["policy"]``, read by the rule
    the policy decides and kept in the register so that a re-check uses the same setting); unchanged when
    ``policy`` is None (the defaults of ``plan_rules.json`` → ``office_policies`` apply).

    Examples
    --------
    >>> with_policy([{"capacity_replacement": False}], {"industry_outside_clusters": "conditional"})[0]["policy"]
    {'industry_outside_clusters': 'conditional'}
    """
    if policy is None:
        return flags
    from ... import plan

    chosen = plan.chosen_policies(policy)  # refuse an unknown policy or setting, naming it; kept as codes
    return [{**(f or {}), "policy": dict(chosen)} for f in flags]


def site_geometry(site):
    """One geometry in the working CRS from a GeoDataFrame/GeoSeries (any CRS) or a 4490 geometry."""
    import geopandas as gpd
    import shapely

    from ...crs import to_working

    if isinstance(site, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if len(site) == 0:
            raise InputError("场地没有几何图形（0 行）。请给出含一个要素的文件、WKT 或 “经度,纬度”。")
        frame = site if isinstance(site, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=site)
        w = to_working(frame)
        return _checkable(shapely.union_all(w.geometry.values) if len(w) > 1 else w.geometry.values[0])
    if isinstance(site, shapely.Geometry):
        frame = gpd.GeoDataFrame(geometry=[site], crs=settings.storage_crs)
        return _checkable(to_working(frame).geometry.values[0])
    raise InputError(f"场地须为几何对象或 GeoDataFrame，收到 {type(site).__name__}。")


def _checkable(geom):
    """``geom`` when it is a site that can be checked; :class:`InputError` for none, an empty one or
    a polygon of no area (all its points identical or on one line: make_valid leaves nothing)."""
    import shapely

    if geom is None or shapely.is_empty(geom):
        raise InputError("场地没有可核查的几何（坐标为空或无法构成图形）。请给出 “经度,纬度”、WKT 或含坐标的地块文件。")
    if shapely.get_type_id(geom) in (3, 6) and not shapely.area(geom) > 0:
        raise InputError("场地面积为零（各点重合或在一条直线上，不成面）。请给出至少 3 个不在一条直线上的点围成的面，"
                         "或 “经度,纬度”。")
    return geom


def site_results(sites, industries, *, figures=None, context: PlanContext | None = None, store=None,
                flags=None, errors=None, row_numbers=None, row_kind: str | None = None) -> list[dict]:
    """Check many sites; one result per input row, in order, none lost.

    Parameters
    ----------
    sites
        GeoDataFrame (any CRS) — rows with a missing/empty geometry get ``status="error"``.
    industries
        One code/word per row (str or :class:`IndustryMatch`).
    figures, flags
        Optional per-row dicts (project figures; ``capacity_replacement``/``catalogue_class``).
    errors
        Optional per-row error text already found by the reader (that row is reported, not checked).
    row_numbers, row_kind
        Where each row sits in the user's file, so that every message names it as the user sees
        it: ``row_kind`` ``"table"`` (spreadsheet row numbers, header on row 1: 表格第 9 行),
        ``"feature"`` (第 3 条要素) or ``"record"`` (第 3 条记录). Default: ``sites.attrs``
        (:func:`read_batch` sets them), else the input position.

    Returns
    -------
    list of dict
        Each has ``row`` (0-based input position), ``source_row`` (the row's number in the user's
        file), ``row_label`` (its Chinese name, e.g. ``"表格第 9 行"``), ``status`` (``ok``/``error``),
        ``error`` (Chinese reason for bad rows) and, for good rows, the :func:`site_result` result.
    """
    import shapely

    from ...crs import to_working

    n = len(sites)
    figures = figures if figures is not None else [{}] * n
    flags = flags if flags is not None else [{}] * n
    errors = list(errors) if errors is not None else [None] * n
    if not (len(industries) == len(figures) == len(flags) == len(errors) == n):
        raise InputError(f"site_results：{n} 个选址，但行业 {len(industries)} 个、项目指标 {len(figures)} 行、"
                         f"标记 {len(flags)} 行、错误 {len(errors)} 行；各列表须与选址一一对应。")
    attrs = getattr(sites, "attrs", {}) or {}
    if row_numbers is None:
        row_numbers, row_kind = attrs.get("row_numbers"), row_kind or attrs.get("row_kind")
    if row_numbers is not None and len(row_numbers) != n:
        logger.warning("check_sites: %d row numbers for %d sites; rows are named by their position", len(row_numbers), n)
        row_numbers, row_kind = None, None
    if row_numbers is None:  # no file behind the rows: their position is their number
        row_numbers = list(range(1, n + 1))
    labels = row_labels(sites, row_numbers, row_kind)
    ctx = context or load_context(store)
    geoms_w = to_working(sites).geometry.values if n else []
    out: list[dict | None] = [None] * n
    good, matches = [], []
    cache: dict[str, IndustryMatch] = {}

    def where(i: int) -> dict:
        return {"row": i, "source_row": int(row_numbers[i]), "row_label": labels[i]}

    # the list's 合计 row or footer, as the batch reader marked it: counted apart, not as 无法核查
    cols = getattr(sites, "columns", ())
    not_project = (sites[NOT_PROJECT_COLUMN].to_numpy(dtype=bool, na_value=False) if NOT_PROJECT_COLUMN in cols
                   else np.zeros(n, dtype=bool))
    for i in range(n):
        if errors[i]:
            out[i] = {**where(i), "status": "error", "error": errors[i]}
            if not_project[i]:   # said as every count of the batch says it (tables.counted_as_zh), not 无法核查
                out[i].update(not_project=True, verdict_zh=NOT_PROJECT_ZH)
            continue
        g = geoms_w[i]
        if g is None or shapely.is_empty(g):
            out[i] = {**where(i), "status": "error", "error": "该行没有有效的位置（坐标或几何为空）。"}
            continue
        ind = industries[i]
        if isinstance(ind, IndustryMatch):
            mt = ind
        else:
            key = "" if ind is None or ind != ind else str(ind).strip()
            try:
                mt = cache.get(key) or cache.setdefault(key, resolve(key))
            except InputError as exc:  # a malformed code (C9899): this row, not the batch
                out[i] = {**where(i), "status": "error", "error": f"行业列：{exc}"}
                continue
        if not checkable(mt):
            out[i] = {**where(i), "status": "error", "error": industry_error_message(mt, where="行业列"),
                      "industry": mt.to_dict()}
            continue
        good.append(i)
        matches.append(mt)
    if good:
        named = [placed_by_name(sites, i) for i in good]  # rows placed by their 建设地点 (rules/named.py)
        res = evaluate(ctx, np.asarray([geoms_w[i] for i in good], dtype=object), matches,
                        [figures[i] or {} for i in good], [flags[i] or {} for i in good], named=named,
                        row_errors=True)
        for i, r, fn in zip(good, res, named):
            out[i] = {**where(i), "status": "ok", "error": "", **r}
            if r.get("reasons") and r.get("verdict", "") is None:
                # a layer its verdict needs is missing or empty (layer_gaps.py): 无法核查, the first reason says why
                out[i].update(status="error", error=r["reasons"][0]["text_zh"])
            if fn and "site" in out[i]:
                out[i]["site"]["from_name"] = fn
            elif "site" in out[i]:
                out[i]["site"].update(_geometry_from(sites, i))
    logger.info("Checked %d sites (%d with errors)", n, n - len(good))
    return out


def _geometry_from(sites, i: int) -> dict:
    """Which column(s) row ``i``'s place was read from, when its table had both coordinate columns and a
    WKT/GeoJSON column (:data:`dcf_spatial.io.tables.GEOMETRY_FROM_COLUMN`): ``{"geometry_from": "经度/纬度",
    "geometry_from_kind": "coordinates"}`` or ``{"geometry_from": "WKT", "geometry_from_kind": "shape"}``;
    ``{}`` otherwise."""
    from ...io.tables import GEOMETRY_FROM_COLUMN

    if GEOMETRY_FROM_COLUMN not in getattr(sites, "columns", ()):
        return {}
    v = sites[GEOMETRY_FROM_COLUMN].iloc[i]
    if v is None or v != v or not str(v):
        return {}
    return {"geometry_from": str(v), "geometry_from_kind": "coordinates" if "/" in str(v) else "shape"}


def placed_by_name(sites, i: int) -> dict | None:
    """How row ``i`` of ``sites`` was placed by a name (:mod:`dcf_spatial.places`), or None.

    Returns ``{"name": typed or matched name, "unit": unit name, "level": 园区/集聚区/示范区/镇街 …,
    "unit_id", "layer", "method": "按地名定位"}`` when the reader placed the row by name.
    """
    cols = getattr(sites, "columns", ())
    if "location_method" not in cols or sites["location_method"].iloc[i] != "按地名定位":
        return None

    def get(c):
        v = sites[c].iloc[i] if c in cols else None
        return None if v is None or v != v else str(v)

    return {"name": get("site_from_name") or get("place_matched"), "unit": get("place_name"),
            "level": get("place_level"), "unit_id": get("place_unit_id"), "layer": get("place_layer"),
            "method": "按地名定位"}


#: how a row of each kind of batch input is named to the user (the readers' own wording:
#: dcf_spatial.io labels spreadsheet rows 表格第 N 行, header on row 1, and GIS features 第 N 条要素;
#: a 报批 coordinate TXT's records, ``"parcel"``, are named by their 地块: :func:`parcel_label`)
ROW_LABELS_ZH = {"table": "表格第 {n} 行", "feature": "第 {n} 条要素", "record": "第 {n} 条记录"}
#: the record fields of a 报批 coordinate TXT that name its 地块 (dcf_spatial.io.survey_txt's columns)
PARCEL_NAME_COLUMNS = ("地块编号", "地块名称")


def row_label(number: int, kind: str = "record") -> str:
    """The Chinese name of a batch row as the user finds it in their file (``"表格第 9 行"``)."""
    return ROW_LABELS_ZH.get(kind, ROW_LABELS_ZH["record"]).format(n=int(number))


def parcel_label(line: int, parcel_id=None, name=None) -> str:
    """A 报批 coordinate TXT's record as its user finds it: its 地块编号 and 地块名称, and its line in the file
    (a TXT has no table rows).

    Examples
    --------
    >>> parcel_label(13, "DK01", "仓储物流地块")
    '地块 DK01（仓储物流地块，第 13 行）'
    >>> parcel_label(24, None, "")
    '地块记录（第 24 行）'
    """
    def text(v) -> str:
        return "" if v is None or v != v else str(v).strip()

    parcel_id, name = text(parcel_id), text(name)
    where = f"第 {int(line)} 行"
    if parcel_id:
        return f"地块 {parcel_id}（{name}，{where}）" if name else f"地块 {parcel_id}（{where}）"
    if name:
        return f"地块“{name}”（{where}）"
    return f"地块记录（{where}）"


def row_labels(sites, row_numbers, row_kind: str | None) -> list[str]:
    """Each batch row's :func:`row_label`; the records of a 报批 TXT (``row_kind == "parcel"``) by their
    地块 (:func:`parcel_label`, from the ``sites`` columns 地块编号/地块名称)."""
    if row_kind != "parcel":
        return [row_label(r, row_kind or "record") for r in row_numbers]
    cols = getattr(sites, "columns", ())
    ids, names = ([None] * len(row_numbers) if c not in cols else sites[c].tolist() for c in PARCEL_NAME_COLUMNS)
    return [parcel_label(r, i, m) for r, i, m in zip(row_numbers, ids, names)]
