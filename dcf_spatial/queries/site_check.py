"""Does this project, of this industry, on this site, fit the plan?

:func:`check_site` answers for one site, :func:`check_sites` for many (one result per input row,
in order, bad rows included with a status). The plan's rules come from :mod:`dcf_spatial.plan`
(``data/plan_rules.json`` + ``data/plan_zones.json``); zone geometry from the layer store
(:func:`dcf_spatial.store.catalog.read_layer`). All measuring happens in the working CRS (EPSG:4548).

A result is a plain dict (JSON-ready)::

    verdict, verdict_zh        fits 符合 / conditional 有条件符合 / does_not_fit 不符合 /
                               outside_plan_area 不在规划范围
    industry                   the resolved GB/T 4754-2017 codes and their kind
    site                       area (亩), centroid (lon/lat, EPSG:4490), share inside the plan area
    townships                  [{id, name_zh, share}]  (share of the site in each)
    zones                      [{id, name_zh, layer, overlap_mu, share, match, plan_ref}]
    designated_zones           zones designated for this industry, nearest first, distance_km
    reasons                    [{rule, effect, text_zh, plan_ref}]
    indicators                 land-use control indicators (see land_indicators)
    provenance                 which layers used are schematic
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import plan, settings
from ..errors import InputError
from ..industry import LEVEL_ZH, IndustryMatch, industry_error_message, label_zh, resolve
from .land_indicators import FIGURE_FIELDS, check_indicators, format_value

logger = logging.getLogger(__name__)

#: zone layers a site is checked against (the kinds' zone_layers in plan_rules.json name these)
ZONE_LAYERS = ("industrial_clusters", "cluster_parks", "agri_zones", "service_core", "service_belts",
               "service_groups", "service_points")
FRAME_LAYERS = ("district", "townships", "other_units")


@dataclass
class ZoneLayer:
    """One layer prepared for fast queries: geometry in the working CRS and an STRtree."""

    layer_id: str
    title_zh: str
    provenance: str
    ids: np.ndarray
    names: np.ndarray
    plan_refs: np.ndarray
    codes: list
    geoms: np.ndarray
    tree: object
    is_point: bool


@dataclass
class PlanContext:
    """The layers a site check needs, loaded once (:func:`load_context`)."""

    layers: dict = field(default_factory=dict)
    store: str = ""

    def provenance(self, used) -> dict:
        from ..store.catalog import PROVENANCE_ZH

        rows = [{"layer": lid, "title_zh": self.layers[lid].title_zh, "provenance": self.layers[lid].provenance,
                 "provenance_zh": "、".join(PROVENANCE_ZH.get(p, p) for p in self.layers[lid].provenance.split("/"))}
                for lid in used if lid in self.layers]
        schematic = [r for r in rows if "schematic" in r["provenance"]]
        note = ("所用图层中以下为示意数据（非权威边界，结论仅供参考）：" + "、".join(r["title_zh"] for r in schematic)
                if schematic else "所用图层均为权威或参考数据。")
        return {"layers": rows, "schematic_layers": [r["layer"] for r in schematic], "note_zh": note}


_CONTEXT_CACHE: dict = {}


def load_context(store=None) -> PlanContext:
    """Read the frame and zone layers from the store, project them and build STRtrees (cached)."""
    import shapely

    from ..store import catalog
    from ..crs import to_working

    path = store if store is not None else settings.store
    key = _store_key(path)
    if key is not None and key in _CONTEXT_CACHE:
        return _CONTEXT_CACHE[key]
    t0 = time.perf_counter()
    ctx = PlanContext(store=str(path))
    for lid in FRAME_LAYERS + ZONE_LAYERS:
        if not catalog.has_layer(lid, path):
            if lid in ("district", "townships"):
                catalog.read_layer(lid, store=path)  # raises LayerNotFoundError with the fix
            logger.warning("图层 %s 不在图层库 %s 中，选址核查跳过该图层", lid, path)
            continue
        gdf = catalog.read_layer(lid, store=path)
        w = to_working(gdf)
        geoms = np.asarray(w.geometry.values, dtype=object)
        shapely.prepare(geoms)
        codes = [plan.zone_codes(i, v) for i, v in
                 zip(gdf["id"], gdf["industries_gbt4754"] if "industries_gbt4754" in gdf else [None] * len(gdf))]
        ctx.layers[lid] = ZoneLayer(
            layer_id=lid, title_zh=gdf.attrs.get("title_zh") or lid,
            provenance=str(gdf.attrs.get("provenance") or "/".join(sorted(set(gdf["provenance"])))),
            ids=gdf["id"].astype(str).to_numpy(), names=gdf["name_zh"].astype(str).to_numpy(),
            plan_refs=gdf["plan_ref"].fillna("").astype(str).to_numpy(), codes=codes, geoms=geoms,
            tree=shapely.STRtree(geoms), is_point=bool(len(gdf)) and gdf.geom_type.iloc[0] in ("Point", "MultiPoint"),
        )
    if key is not None:
        _CONTEXT_CACHE.clear()
        _CONTEXT_CACHE[key] = ctx
    logger.info("Loaded %d layers for site checks from %s in %.2f s", len(ctx.layers), path, time.perf_counter() - t0)
    return ctx


def _store_key(store):
    """Cache key of a store: a GeoPackage by path and modification time; a database is not cached
    (another session may change it)."""
    text = str(store)
    if "://" in text:
        return None
    p = Path(text)
    return (str(p.resolve()), p.stat().st_mtime_ns if p.exists() else 0)


# --- geometry ------------------------------------------------------------------------------------


def _overlaps(layer: ZoneLayer, geoms: np.ndarray, areas: np.ndarray, radius_m: float = 0.0):
    """For each site: list of (zone index, overlap m², share). Points have share 1 when inside."""
    import shapely

    out = [[] for _ in range(len(geoms))]
    if layer.is_point:
        si, zi = layer.tree.query(geoms, predicate="dwithin", distance=radius_m)
        for s, z in zip(si, zi):
            out[s].append((z, 0.0, 1.0))
        return out
    si, zi = layer.tree.query(geoms, predicate="intersects")
    if not len(si):
        return out
    has_area = areas[si] > 0
    inter = np.zeros(len(si))
    if has_area.any():
        a_si, a_zi = si[has_area], zi[has_area]
        inside = shapely.contains(layer.geoms[a_zi], geoms[a_si])  # zone prepared (first argument): cheap
        area = np.where(inside, areas[a_si], 0.0)
        cut = ~inside
        if cut.any():
            area[cut] = shapely.area(shapely.intersection(geoms[a_si[cut]], layer.geoms[a_zi[cut]]))
        inter[has_area] = area
    for s, z, a, h in zip(si, zi, inter, has_area):
        share = a / areas[s] if h else 1.0
        if share > 0:
            out[s].append((z, float(a), float(share)))
    return out


def _fmt_share(x: float) -> str:
    return f"{x * 100:.1f}%"


# --- the check -----------------------------------------------------------------------------------


def check_site(site, industry, *, figures: dict | None = None, context: PlanContext | None = None,
               store=None, capacity_replacement: bool = False, catalogue_class: str | None = None) -> dict:
    """Check one site. Raises :class:`InputError` for an unknown or ambiguous industry.

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

    Examples
    --------
    >>> from shapely import Point
    >>> check_site(Point(115.80, 36.47), "轴承")["verdict"]  # doctest: +SKIP
    'fits'
    """
    m = industry if isinstance(industry, IndustryMatch) else resolve(str(industry))
    if not m.resolved:
        raise InputError(industry_error_message(m))
    geom = _site_geometry(site)
    return _evaluate(context or load_context(store), np.array([geom], dtype=object), [m], [figures or {}],
                     [dict(capacity_replacement=capacity_replacement, catalogue_class=catalogue_class)])[0]


def _site_geometry(site):
    """One geometry in the working CRS from a GeoDataFrame/GeoSeries (any CRS) or a 4490 geometry."""
    import geopandas as gpd
    import shapely

    from ..crs import to_working

    if isinstance(site, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if len(site) == 0:
            raise InputError("--site：场地没有几何图形（0 行）。请给出含一个要素的文件、WKT 或 “经度,纬度”。")
        frame = site if isinstance(site, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=site)
        w = to_working(frame)
        return shapely.union_all(w.geometry.values) if len(w) > 1 else w.geometry.values[0]
    if isinstance(site, shapely.Geometry):
        frame = gpd.GeoDataFrame(geometry=[site], crs=settings.storage_crs)
        return to_working(frame).geometry.values[0]
    raise InputError(f"--site：需要几何对象或 GeoDataFrame，收到 {type(site).__name__}。")


def _evaluate(ctx: PlanContext, geoms: np.ndarray, matches: list, figures: list, flags: list) -> list[dict]:
    """The vectorised core: geometry in the working CRS, one industry match per site."""
    import shapely

    rb = plan.rules()
    th = rb["thresholds"]
    areas = shapely.area(geoms)
    L = ctx.layers
    ov = {lid: _overlaps(L[lid], geoms, areas, th["service_point_radius_km"] * 1000) for lid in L}
    cent = shapely.centroid(geoms)
    lonlat = _to_lonlat(cent)
    used = list(L)
    prov = ctx.provenance(used)
    results = []
    for i, geom in enumerate(geoms):
        results.append(_one(ctx, i, geom, areas[i], lonlat[i], matches[i], figures[i], flags[i], ov, rb, th, prov))
    return results


def _to_lonlat(points: np.ndarray) -> np.ndarray:
    from pyproj import Transformer

    tr = Transformer.from_crs(settings.working_crs, settings.storage_crs, always_xy=True)
    import shapely

    xy = shapely.get_coordinates(points)
    lon, lat = tr.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def _one(ctx, i, geom, area, lonlat, m: IndustryMatch, figures, flags, ov, rb, th, prov) -> dict:
    import shapely

    L = ctx.layers
    codes = m.codes
    kind = plan.industry_kind(codes)
    reasons: list[dict] = []
    policy = rb["policy_rules"]

    def add(rule, effect, text, plan_ref):
        reasons.append({"rule": rule, "effect": effect, "text_zh": text, "plan_ref": plan_ref})

    # -- where is it: townships, plan area ----------------------------------------------------
    towns = [{"id": L["townships"].ids[z], "name_zh": L["townships"].names[z], "share": round(s, 4)}
             for z, _, s in ov["townships"][i]] if "townships" in L else []
    towns.sort(key=lambda t: -t["share"])
    share_plan = min(1.0, sum(t["share"] for t in towns))
    others = ([{"id": L["other_units"].ids[z], "name_zh": L["other_units"].names[z], "share": round(s, 4)}
               for z, _, s in ov["other_units"][i]] if "other_units" in L else [])
    share_district = min(1.0, sum(s for _, _, s in ov["district"][i])) if "district" in L else 1.0
    pa = rb["plan_area"]
    if share_plan < th["split_min_share"]:
        if others:
            text = pa["in_other_unit_zh"].format(units="、".join(o["name_zh"] for o in others))
        else:
            text = (pa["outside_district_zh"] if share_district < th["split_min_share"]
                    else pa["in_district_not_plan_zh"])
        add("plan_area", "outside_plan_area", text, pa["plan_ref"])
    elif share_plan < th["full_share"]:
        where = "、".join(o["name_zh"] for o in others) or "东昌府区以外"
        add("plan_area_partial", "conditional",
            pa["partly_outside_zh"].format(share=_fmt_share(1 - share_plan), where=where), pa["plan_ref"])
    real_towns = [t for t in towns if t["share"] >= th["split_min_share"]]
    if len(real_towns) > 1:
        parts = "、".join(f"{t['name_zh']} {_fmt_share(t['share'])}" for t in real_towns)
        add("split_townships", "info", policy["split_townships"]["reason_zh"].format(n=len(real_towns), parts=parts),
            policy["split_townships"]["plan_ref"])

    # -- zones overlapped ---------------------------------------------------------------------
    zones = []
    for lid in ZONE_LAYERS:
        if lid not in L:
            continue
        lay = L[lid]
        for z, a, s in ov[lid][i]:
            mt = plan.match(lay.codes[z], codes) if lay.codes[z] else "none"
            zones.append({"id": lay.ids[z], "name_zh": lay.names[z], "layer": lid, "layer_title_zh": lay.title_zh,
                          "overlap_mu": round(a / settings.MU_M2, 2), "share": round(s, 4), "match": mt,
                          "plan_ref": lay.plan_refs[z], "codes": list(lay.codes[z])})

    # -- designated zones for this industry, nearest first --------------------------------------
    designated = []
    for lid in kind["zone_layers"]:
        if lid not in L:
            continue
        lay = L[lid]
        idx = [z for z in range(len(lay.ids)) if lay.codes[z] and plan.match(lay.codes[z], codes) == "full"]
        if idx:
            d = shapely.distance(geom, lay.geoms[idx])
            designated += [{"id": lay.ids[z], "name_zh": lay.names[z], "layer": lid,
                            "distance_km": round(float(dz) / 1000, 2)} for z, dz in zip(idx, d)]
    designated.sort(key=lambda r: r["distance_km"])
    nearest_txt = "、".join(f"{d['name_zh']}（{d['distance_km']:.1f} km）"
                           for d in designated[: th["nearest_clusters_max"]]) or "（规划未指定对口分区）"

    # -- barred industries (第九章第三节) --------------------------------------------------------
    barred_here = False
    for rule, mt in plan.barred_rules(codes):
        effect = rule["effect"]
        text = rule["reason_zh"]
        if mt == "partial":
            effect = "conditional"
            text = f"项目行业（{m.label_zh}）可能包含受限行业：{text}请核实项目是否属于该类。"
        elif "effect_if_catalogue_class" in rule and flags.get("catalogue_class") in rule["effect_if_catalogue_class"]:
            effect = rule["effect_if_catalogue_class"][flags["catalogue_class"]]
            text = rule["catalogue_zh"].format(cls=flags["catalogue_class"])
        elif flags.get("capacity_replacement") and "effect_with_capacity_replacement" in rule:
            effect = rule["effect_with_capacity_replacement"]
            text = text + rule["replacement_zh"]
        add(rule["id"], effect, text, rule["plan_ref"])
        barred_here = barred_here or effect == "does_not_fit"
    if barred_here:  # do not suggest where to put a project the plan bars
        nearest_txt = "无（该项目属第九章第三节禁止情形）"

    # -- is it in the zone its kind belongs in? --------------------------------------------------
    if len(codes[0]) == 1:
        pr = policy["industry_too_general"]
        add("industry_too_general", "conditional",
            pr["reason_zh"].format(level=LEVEL_ZH["section"], project=m.label_zh), pr["plan_ref"])
    kind_zones = [z for z in zones if z["layer"] in kind["zone_layers"]]
    full = [z for z in kind_zones if z["match"] == "full"]
    partial = [z for z in kind_zones if z["match"] == "partial"]
    full_share = _max_layer_share(full)
    if kind["zone_layers"] and share_plan >= th["split_min_share"]:
        if full:
            best = max(full, key=lambda z: (z["share"], z["layer"] == "cluster_parks"))
            pr = best["plan_ref"] or kind["plan_ref"]
            add(f"{kind['kind']}_fits_zone", "fits",
                kind["fit_zh"].format(zone=best["name_zh"], codes=_codes_zh(best["codes"]), plan_ref=pr), pr)
            other_parks = [z for z in kind_zones if z["layer"] == "cluster_parks" and z["match"] == "none"
                           and z["share"] >= th["split_min_share"]]
            if best["layer"] != "cluster_parks" and other_parks:
                pk = max(other_parks, key=lambda z: z["share"])
                pr = policy["park_mismatch"]
                add("park_mismatch", "info", pr["reason_zh"].format(
                    park=pk["name_zh"], codes=_codes_zh(pk["codes"]) or "未列明", zone=best["name_zh"]), pk["plan_ref"] or pr["plan_ref"])
            if full_share < th["full_share"]:
                add("split_zone", "conditional",
                    policy["split_zone"]["reason_zh"].format(share=_fmt_share(full_share), zone=best["name_zh"]),
                    best["plan_ref"] or policy["split_zone"]["plan_ref"])
        elif partial:
            best = max(partial, key=lambda z: z["share"])
            add("partial_match", "conditional", policy["partial_match"]["reason_zh"].format(
                project=m.label_zh, zone=best["name_zh"], codes=_codes_zh(best["codes"]),
                plan_ref=best["plan_ref"] or kind["plan_ref"]), best["plan_ref"] or kind["plan_ref"])
        elif kind_zones:
            best = max(kind_zones, key=lambda z: z["share"])
            rule = "wrong_cluster" if kind["kind"] in ("industrial", "agro_processing") and best["layer"] in (
                "industrial_clusters", "cluster_parks") else "wrong_zone"
            pr = policy[rule]
            add(rule, "conditional", pr["reason_zh"].format(
                zone=best["name_zh"], codes=_codes_zh(best["codes"]) or "未列明", nearest=nearest_txt,
                plan_ref=best["plan_ref"] or kind["plan_ref"]), pr["plan_ref"])
        else:
            pr = policy[kind["outside_rule"]]
            add(kind["outside_rule"], kind["outside_effect"], pr["reason_zh"].format(nearest=nearest_txt),
                pr["plan_ref"])
    elif not kind["zone_layers"]:
        pr = policy[kind["outside_rule"]]
        add(kind["outside_rule"], kind["outside_effect"], pr["reason_zh"], pr["plan_ref"])

    # -- land-use control indicators -------------------------------------------------------------
    site_area_m2 = _site_area_m2(figures, area)
    indicators = check_indicators(codes, figures, site_area_m2=site_area_m2,
                                  applicable=kind["kind"] in ("industrial", "agro_processing") and codes[0].startswith("C"))
    failed = [r for r in indicators if r["status"] == "fail"]
    if failed:
        pr = policy["indicators_failed"]
        items = "；".join(f"{r['name_zh']} {format_value(r['indicator'], r['value'])}（要求 "
                         f"{'≥' if r['comparator'] == '>=' else '≤'} {format_value(r['indicator'], r['threshold'])}）"
                         for r in failed)
        add("indicators_failed", "conditional", pr["reason_zh"].format(items=items), pr["plan_ref"])

    effects = [r["effect"] for r in reasons if r["effect"] != "info"]
    if any(e == "outside_plan_area" for e in effects):
        verdict = "outside_plan_area"
    else:
        verdict = plan.worst(effects)
    return {
        "verdict": verdict, "verdict_zh": plan.verdict_zh(verdict),
        "industry": {**m.to_dict(), "kind": kind["kind"], "kind_zh": kind["name_zh"]},
        "site": {"area_mu": round(area / settings.MU_M2, 2), "area_ha": round(area / 10_000, 4),
                 "geometry_type": geom.geom_type, "centroid_lonlat": [round(float(v), 6) for v in lonlat],
                 "share_in_plan_area": round(share_plan, 4), "share_in_district": round(share_district, 4),
                 "other_units": others},
        "townships": towns, "zones": zones, "designated_zones": designated,
        "reasons": reasons, "indicators": indicators, "provenance": prov,
    }


def _codes_zh(codes) -> str:
    """Designated codes with their Chinese names, for reasons people read."""
    return "、".join(label_zh(c) for c in codes) if codes else "未列明"


def _max_layer_share(zs) -> float:
    """Share of the site inside matching zones, taking the best layer (parks lie inside clusters)."""
    by_layer: dict[str, float] = {}
    for z in zs:
        by_layer[z["layer"]] = by_layer.get(z["layer"], 0.0) + z["share"]
    return min(1.0, max(by_layer.values())) if by_layer else 0.0


def _site_area_m2(figures: dict, geom_area: float) -> float | None:
    from .land_indicators import _num

    mu = _num(figures.get("site_area_mu")) if figures else None
    if mu:
        return mu * settings.MU_M2
    return float(geom_area) if geom_area > 0 else None


# --- batch ---------------------------------------------------------------------------------------


def check_sites(sites, industries, *, figures=None, context: PlanContext | None = None, store=None,
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
        ``error`` (Chinese reason for bad rows) and, for good rows, the :func:`check_site` result.
    """
    import shapely

    from ..crs import to_working

    n = len(sites)
    figures = figures if figures is not None else [{}] * n
    flags = flags if flags is not None else [{}] * n
    errors = list(errors) if errors is not None else [None] * n
    if not (len(industries) == len(figures) == len(flags) == len(errors) == n):
        raise InputError(f"check_sites：{n} 个选址，但行业 {len(industries)} 个、项目指标 {len(figures)} 行、"
                         f"标记 {len(flags)} 行、错误 {len(errors)} 行；各列表须与选址一一对应。")
    attrs = getattr(sites, "attrs", {}) or {}
    if row_numbers is None:
        row_numbers, row_kind = attrs.get("row_numbers"), row_kind or attrs.get("row_kind")
    if row_numbers is not None and len(row_numbers) != n:
        logger.warning("check_sites: %d row numbers for %d sites; rows are named by their position", len(row_numbers), n)
        row_numbers, row_kind = None, None
    if row_numbers is None:  # no file behind the rows: their position is their number
        row_numbers = list(range(1, n + 1))
    labels = [row_label(r, row_kind or "record") for r in row_numbers]
    ctx = context or load_context(store)
    geoms_w = to_working(sites).geometry.values if n else []
    out: list[dict | None] = [None] * n
    good, matches = [], []
    cache: dict[str, IndustryMatch] = {}

    def where(i: int) -> dict:
        return {"row": i, "source_row": int(row_numbers[i]), "row_label": labels[i]}

    for i in range(n):
        if errors[i]:
            out[i] = {**where(i), "status": "error", "error": errors[i]}
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
            mt = cache.get(key) or cache.setdefault(key, resolve(key))
        if not mt.resolved:
            out[i] = {**where(i), "status": "error", "error": industry_error_message(mt, where="行业列"),
                      "industry": mt.to_dict()}
            continue
        good.append(i)
        matches.append(mt)
    if good:
        res = _evaluate(ctx, np.asarray([geoms_w[i] for i in good], dtype=object), matches,
                        [figures[i] or {} for i in good], [flags[i] or {} for i in good])
        for i, r in zip(good, res):
            out[i] = {**where(i), "status": "ok", "error": "", **r}
    logger.info("Checked %d sites (%d with errors)", n, n - len(good))
    return out


#: how a row of each kind of batch input is named to the user (the readers' own wording:
#: dcf_spatial.io labels spreadsheet rows 表格第 N 行, header on row 1, and GIS features 第 N 条要素)
ROW_LABELS_ZH = {"table": "表格第 {n} 行", "feature": "第 {n} 条要素", "record": "第 {n} 条记录"}


def row_label(number: int, kind: str = "record") -> str:
    """The Chinese name of a batch row as the user finds it in their file (``"表格第 9 行"``)."""
    return ROW_LABELS_ZH.get(kind, ROW_LABELS_ZH["record"]).format(n=int(number))


#: results_table column -> the Chinese header of the CSV/XLSX a planner opens
RESULT_COLUMNS_ZH = {
    "row": "记录序号", "source_row": "表格行号", "status": "核查状态", "error": "无法核查的原因", "verdict": "结论代码", "verdict_zh": "结论",
    "industry_codes": "行业代码（GB/T 4754-2017）", "industry_zh": "行业", "area_mu": "面积（亩）",
    "townships": "所在镇（街道）及占比", "zones": "涉及分区及占比", "nearest_designated": "对口分区（最近）",
    "reasons": "判定理由", "indicators": "用地控制指标", "provenance_note": "数据说明",
}
STATUS_ZH = {"ok": "已核查", "error": "无法核查"}


def results_table_zh(results: list[dict], names=None):
    """:func:`results_table` with Chinese headers and statuses, for the files people open;
    ``names`` (the input's project names, one per row) is put beside the record number."""
    table = results_table(results)
    table["status"] = table["status"].map(STATUS_ZH).fillna(table["status"])
    # 表格行号 (the spreadsheet's own row number) only when the input was a spreadsheet; for a GIS
    # file or a database table the record number is already how the user finds the row
    from_table = bool(len(table)) and table["row_label"].str.startswith("表格").all()
    table = table.drop(columns=["row_label"] + ([] if from_table else ["source_row"]))
    if names is not None and len(names) == len(table):
        table.insert(2 if from_table else 1, "name", list(names))
    return table.rename(columns={**RESULT_COLUMNS_ZH, "name": "项目名称"})


def results_table(results: list[dict]):
    """Flatten check results to a DataFrame with Chinese-readable text columns (one row per site)."""
    import pandas as pd

    rows = []
    for k, r in enumerate(results):
        pos = r.get("row", k)
        source = r.get("source_row", pos + 1)
        row = {"row": pos + 1, "source_row": source, "row_label": r.get("row_label") or row_label(source),
               "status": r.get("status", "ok"), "error": r.get("error", "")}
        if r.get("status", "ok") == "ok":
            row.update({
                "verdict": r["verdict"], "verdict_zh": r["verdict_zh"],
                "industry_codes": ",".join(r["industry"]["codes"]),
                "industry_zh": "、".join(r["industry"]["names_zh"]),
                "area_mu": r["site"]["area_mu"],
                "townships": "；".join(f"{t['name_zh']} {_fmt_share(t['share'])}" for t in r["townships"]),
                "zones": "；".join(f"{z['name_zh']} {_fmt_share(z['share'])}" for z in r["zones"]),
                "nearest_designated": "；".join(f"{d['name_zh']} {d['distance_km']} km" for d in r["designated_zones"][:3]),
                "reasons": " ".join(x["text_zh"] for x in r["reasons"]),
                "indicators": "；".join(f"{x['name_zh']}:{x['status_zh']}" for x in r["indicators"]),
                "provenance_note": r["provenance"]["note_zh"],
            })
        else:
            row.update({"verdict": None, "verdict_zh": "无法核查"})
        rows.append(row)
    return pd.DataFrame(rows)


def _barred(result: dict) -> bool:
    """True when a barred-industry rule (第九章第三节) decided ``does_not_fit``."""
    ids = {r["id"] for r in plan.rules()["barred"]}
    return any(r["rule"] in ids and r["effect"] == "does_not_fit" for r in result.get("reasons", []))


_GEOM_ZH = {"Point": "点位", "MultiPoint": "多个点位", "Polygon": "面状地块", "MultiPolygon": "多块面状地块",
            "LineString": "线", "MultiLineString": "多条线", "GeometryCollection": "混合几何"}


def summary_text(result: dict) -> str:
    """A Chinese text summary of one check (what the CLI prints by default)."""
    lines = [f"选址核查结论：{result['verdict_zh']}"]
    ind = result["industry"]
    lines.append(f"行业：{'、'.join(f'{c} {n}' for c, n in zip(ind['codes'], ind['names_zh']))}（{ind['kind_zh']}）")
    s = result["site"]
    lines.append(f"场地：{_GEOM_ZH.get(s['geometry_type'], s['geometry_type'])}，面积 {s['area_mu']:.2f} 亩，中心 {s['centroid_lonlat'][0]:.5f}, "
                 f"{s['centroid_lonlat'][1]:.5f}（CGCS2000）；规划范围内占 {_fmt_share(s['share_in_plan_area'])}")
    if result["townships"]:
        lines.append("所在镇（街道）：" + "；".join(f"{t['name_zh']} {_fmt_share(t['share'])}" for t in result["townships"]))
    if result["zones"]:
        lines.append("涉及分区：")
        for z in result["zones"]:
            mt = {"full": "产业对口", "partial": "部分对口", "none": "不对口"}[z["match"]]
            where = (f"重叠 {z['overlap_mu']:.2f} 亩，占场地 {_fmt_share(z['share'])}" if s["area_mu"] > 0
                     else "点位位于其内")
            lines.append(f"  - {z['name_zh']}（{z['layer_title_zh']}）{where}，{mt}")
    else:
        lines.append("涉及分区：无")
    if result["designated_zones"] and not _barred(result):
        lines.append("对口分区（由近及远）：" + "；".join(
            f"{d['name_zh']} {d['distance_km']:.2f} km" for d in result["designated_zones"][:6]))
    lines.append("判定理由：")
    for r in result["reasons"]:
        lines.append(f"  - {r['text_zh']}")
    lines.append("用地控制指标（《工业项目建设用地控制指标》）：")
    missing = [x for x in result["indicators"] if x["status"] in ("not_provided", "not_applicable")]
    if len(missing) == len(result["indicators"]):
        status = {x["status_zh"] for x in missing}
        lines.append(f"  - {'、'.join(x['name_zh'] for x in missing)}：{'、'.join(sorted(status))}"
                     + ("（可用 --area-mu、--floor-area-m2、--footprint-m2、--admin-area-m2、--green-area-m2、"
                        "--investment-wan 给出）" if "未提供" in status else ""))
    for x in (result["indicators"] if len(missing) < len(result["indicators"]) else []):
        val = "" if x["value"] is None else f"（项目值 {format_value(x['indicator'], x['value'])}）"
        cmp_ = {">=": "≥", "<=": "≤"}.get(x["comparator"], x["comparator"])
        thr = ("" if x["threshold"] is None
               else f"，要求 {cmp_} {format_value(x['indicator'], x['threshold'])}（{x['edition']}）")
        note = f"；{x['note']}" if x["note"] else ""
        lines.append(f"  - {x['name_zh']}：{x['status_zh']}{val}{thr}{note}")
    lines.append("数据说明：" + result["provenance"]["note_zh"])
    return "\n".join(lines)


_TRUE = {"是", "y", "yes", "true", "1", "1.0", "有"}


def _points_with_area_as_discs(gdf):
    """A batch row given as a point with its 用地面积 becomes a circle of that area, exactly as
    ``dcf site check --site lon,lat --area-mu N`` does, so that overlaps are measured in 亩."""
    import pandas as pd

    from .. import io as dcf_io
    from ..crs import to_working

    area_m2 = pd.to_numeric(gdf["area_mu"], errors="coerce").to_numpy(dtype=float) * settings.MU_M2
    work = to_working(gdf)
    geoms, radius = dcf_io.points_to_discs(work.geometry.values, area_m2)
    grown = ~np.isnan(radius)
    if not grown.any():
        return gdf
    out = work.set_geometry(geoms, crs=work.crs).to_crs(gdf.crs)
    out.attrs = dict(gdf.attrs)
    out.attrs["read_notes"] = list(gdf.attrs.get("read_notes", [])) + [
        f"{int(grown.sum())} 行为点位：按该行用地面积扩为同面积的圆形地块（于 EPSG:4548 量算），位置为示意"]
    return out


def read_batch(path, *, crs=None, default_industry: str | None = None, layer=None, encoding=None,
               swap_xy: bool = False, field_map: dict[str, str] | None = None):
    """Read a batch file (CSV/XLSX/any vector file, one site per row) for :func:`check_sites`.

    Coordinates, WKT and the standard Chinese headers (经度/纬度, 行业, 用地面积(亩), 总投资(万元),
    容积率 …) are recognised by :func:`dcf_spatial.io.read_vector` with the ``sites`` alias group.
    Rows without usable coordinates or industry are kept and reported, never dropped. A point row
    with its 用地面积 becomes a circle of that area (as ``--site lon,lat --area-mu N`` does), so
    that its overlaps are measured; the area also feeds the indicators.

    Optional columns ``capacity_replacement`` (是/否) and ``catalogue_class`` (鼓励类/限制类/淘汰类/允许类)
    feed the barred-industry rules.

    ``layer``, ``encoding``, ``swap_xy`` and ``field_map`` are passed to :func:`dcf_spatial.io.read_vector`.

    Returns
    -------
    (sites, industries, figures, errors, notes, flags)
        ``sites.attrs["row_numbers"]`` and ``sites.attrs["row_kind"]`` say where each row sits in the
        file (spreadsheet row, header on row 1, for CSV/XLSX; feature number otherwise), for
        :func:`check_sites` and every message about a row.

    Raises
    ------
    InputError
        The file has no industry column the ``sites`` aliases recognise (or it is empty in every
        row) and no ``default_industry`` was given: every row would be unchecked. The message lists
        the file's columns, the recognised headers, a column whose values look like industries,
        and the fix (``--field industry=列名`` or ``--industry 词``).
    """
    from .. import io as dcf_io

    gdf = dcf_io.read_vector(path, crs=crs, layer=layer, encoding=encoding, swap_xy=swap_xy, field_map=field_map,
                             aliases=("sites",))
    n = len(gdf)
    row_numbers, row_kind = _source_rows(gdf, path)
    extra_notes = _industry_column_notes(gdf, path, default_industry)
    if "area_mu" in gdf.columns and n:
        gdf = _points_with_area_as_discs(gdf)
    gdf.attrs.update({"row_numbers": row_numbers, "row_kind": row_kind})
    issue_col = getattr(dcf_io, "ISSUE_COLUMN", "read_issue")

    def column(name):
        return gdf[name].tolist() if name in gdf.columns else [None] * n

    def blank(v) -> bool:
        return v is None or v != v or str(v).strip() == ""

    issues = column(issue_col)
    codes_col, words_col = column("industry_code"), column("industry")
    empty_geom = [g is None or g.is_empty for g in gdf.geometry.values]
    fig_cols = {f: column("area_mu" if f == "site_area_mu" else f) for f in FIGURE_FIELDS}
    swap_col, class_col = column("capacity_replacement"), column("catalogue_class")
    industries, errors, figures, flags = [], [], [], []
    for i in range(n):
        val = codes_col[i] if not blank(codes_col[i]) else words_col[i]
        if blank(val):
            val = default_industry
        industries.append(val)
        err = None if blank(issues[i]) else str(issues[i])
        if val is None and not err:
            err = "该行没有行业（请填写“行业”或“行业代码”列，或用 --industry 给出统一行业）。"
        errors.append(err if err and (empty_geom[i] or val is None) else None)
        figures.append({f: col[i] for f, col in fig_cols.items() if col[i] is not None})
        flag = {}
        if not blank(swap_col[i]):
            flag["capacity_replacement"] = str(swap_col[i]).strip().lower() in _TRUE
        if not blank(class_col[i]):
            cls = str(class_col[i]).strip()
            flag["catalogue_class"] = cls if cls in ("鼓励类", "允许类", "限制类", "淘汰类") else None
        flags.append(flag)
    logger.info("Read %d batch rows from %s", n, path)
    return gdf, industries, figures, errors, list(gdf.attrs.get("read_notes", [])) + extra_notes, flags


def _source_rows(gdf, path) -> tuple[list[int], str]:
    """Where each row of a batch sits in the user's file: (numbers, kind) with kind ``"table"``
    (spreadsheet row numbers, as the reader's notes count them), ``"feature"`` or ``"record"``."""
    from .. import io as dcf_io

    n = len(gdf)
    if dcf_io._is_pg(path):
        return list(range(1, n + 1)), "record"
    p = Path(str(path)).expanduser()
    kind = dcf_io._FORMAT_KIND.get(p.suffix.lower())
    if kind not in dcf_io._TABULAR:
        return list(range(1, n + 1)), "feature"
    known = gdf.attrs.get("row_numbers")  # io.read_vector keeps each record's spreadsheet row
    if known is not None and len(known) == n:
        return [int(v) for v in known], "table"
    logger.warning("%s: no spreadsheet row numbers for the %d rows read; rows are named by position", path, n)
    return list(range(1, n + 1)), "record"


#: canonical columns of the ``sites`` alias group that name the industry of a batch row
INDUSTRY_FIELDS = ("industry", "industry_code")


def _industry_column_notes(gdf, path, default_industry) -> list[str]:
    """Is there an industry to check each row against? Raise when no row can have one (no column
    recognised, or the column empty throughout, and no ``default_industry``): a results file of
    100 % 无法核查 tells the planner nothing. With a default, say how it was used."""
    from .. import io as dcf_io

    n = len(gdf)
    present = [f for f in INDUSTRY_FIELDS if f in gdf.columns]
    filled = np.zeros(n, dtype=bool)
    for f in present:
        filled |= gdf[f].astype("string").str.strip().fillna("").ne("").to_numpy(dtype=bool)
    if default_industry is not None and str(default_industry).strip():
        if not present:
            return [f"文件中没有可识别的行业列，全部 {n} 行按 --industry {default_industry} 核查"]
        if (~filled).any():
            return [f"{int((~filled).sum())} 行行业为空，按 --industry {default_industry} 核查"]
        return []
    if filled.any() or n == 0:
        return []
    group = dcf_io.alias_table()["groups"]["sites"]
    heads = {f: [e if isinstance(e, str) else e["name"] for e in group[f]] for f in INDUSTRY_FIELDS}
    originals = _original_columns(gdf)
    guess = _industry_like_column(gdf, originals)
    col = guess or "列名"
    known = (f"可识别的行业列名：{'、'.join(heads['industry'])}（行业词），"
             f"{'、'.join(heads['industry_code'])}（GB/T 4754 代码）。")
    if present:
        used = "、".join(present)
        what = f"行业列（{used}）每一行都是空的，没有一行能核查。"
    else:
        what = "表头中没有可识别的行业列，没有一行能核查。"
    if guess:
        hint = (f"列“{guess}”的内容像行业（如 {'、'.join(_sample_values(gdf[guess], 3))}）。"
                f"请用 --field industry={guess} 指定行业列")
    else:
        hint = "请用 --field industry=列名 指定行业列（行业代码列用 --field industry_code=列名）"
    raise InputError(
        f"{path}：{what}表中的列：{'、'.join(map(str, originals)) or '（无）'}。{known}{hint}，"
        f"或用 --industry 词或代码（如 --industry 轴承）给全部行统一行业；"
        f"Python：field_map={{'industry': '{col}'}} 或 default_industry=。"
    )


def _original_columns(gdf) -> list:
    """The file's own columns: without the geometry, the reader's issue column and the canonical
    columns the aliases added beside the originals."""
    from .. import io as dcf_io

    added = set(dcf_io.alias_table()["groups"]["sites"]) | {gdf.geometry.name, dcf_io.ISSUE_COLUMN}
    return [c for c in gdf.columns if c not in added and not str(c).endswith("__original")]


def _sample_values(series, k: int) -> list[str]:
    vals = series.dropna().astype(str).str.strip()
    return list(dict.fromkeys(v for v in vals if v))[:k]


def _industry_like_column(gdf, columns) -> str | None:
    """The text column whose values most often resolve to an industry (≥ 60 % of up to 30 distinct
    values), to name in the message; ``None`` when no column looks like one."""
    import pandas as pd

    from .. import io as dcf_io

    spec = dcf_io.alias_table()
    known = {dcf_io._norm(e if isinstance(e, str) else e["name"])
             for entries in spec["groups"]["sites"].values() for e in entries}
    for kind in spec["coordinates"].values():
        names = kind if isinstance(kind, list) else kind["x"] + kind["y"]
        known |= {dcf_io._norm(x) for x in names}
    best, best_share = None, 0.0
    for c in columns:
        if dcf_io._norm(c) in known or pd.api.types.is_numeric_dtype(gdf[c]):
            continue
        vals = _sample_values(gdf[c], 30)
        if not vals:
            continue
        share = sum(resolve(v).status in ("resolved", "ambiguous") for v in vals) / len(vals)
        if share >= 0.6 and share > best_share:
            best, best_share = c, share
    return best
