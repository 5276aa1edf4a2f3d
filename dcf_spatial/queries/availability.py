"""Where in a zone is land still available? Candidate plots of at least N 亩, largest first.

Available land = the zone − parcels that are occupied or supplied − constraint corridors (river,
railway, road and canal setbacks). Which parcel statuses count as taken, the status field names
and the setback distances are data (``plan_rules.json`` → ``availability``); the setbacks there are
schematic assumptions the bureau should replace with its own.

Parcels given as points (a bureau table with 经度/纬度) have no drawn footprint. A point with a
declared area (``area_m2`` after the reader's aliases, e.g. 宗地面积(亩) → ``area_m2``; or ``area_mu``)
is counted as the circle of exactly that area around the point (``io.points_to_discs``); a point
without one is counted as taken at its point only — it takes no area — and the notes say how many
there are, which ones, and in which candidate plots they lie. Nothing is silently ignored.

Without parcels the answer uses generated sample parcels (``dcf_spatial.sample.generate_parcels``)
and is labelled synthetic (合成数据) in every row.
"""

from __future__ import annotations

import logging

import numpy as np

from .. import plan, settings
from ..crs import check_same_crs, to_storage, to_working
from ..errors import InputError, LayerNotFoundError

logger = logging.getLogger(__name__)

#: vertices per quarter of the circle a point parcel becomes: a 32-gon of exactly the declared area
#: (points_to_discs corrects the radius); within 0.5 % of the radius of a true circle, and four times
#: fewer vertices to union and cut than the default 128-gon
DISC_QUAD_SEGS = 8

#: polygon zone layers a zone id is looked up in, in this order
ZONE_SOURCE_LAYERS = ("cluster_parks", "industrial_clusters", "agri_zones", "service_core", "service_belts",
                      "service_groups", "townships")


def find_zones(zone_id: str | None, store=None):
    """The zone(s) to search: one id from any polygon zone layer, or every industrial cluster."""
    from ..store import catalog

    if zone_id is None:
        return catalog.read_layer("industrial_clusters", store=store)
    import difflib

    known: dict[str, list[tuple[str, str]]] = {}
    for lid in ZONE_SOURCE_LAYERS:
        if not catalog.has_layer(lid, store):
            continue
        gdf = catalog.read_layer(lid, store=store)
        hit = gdf[gdf["id"] == zone_id]
        if len(hit):
            return hit
        known[lid] = list(zip(gdf["id"].astype(str), gdf["name_zh"].astype(str)))
    if not known:
        raise LayerNotFoundError("图层库中没有分区图层；请先构建图层（dcf layers build）。")
    # a zone typed by its Chinese name (or a near miss of an id) is pointed at its id
    pairs = [p for rows in known.values() for p in rows]
    by_name = {n: i for i, n in pairs}
    typed = str(zone_id)
    near = [by_name[typed]] if typed in by_name else [
        by_name[n] for n in by_name if typed and (typed in n or n in typed)]
    near += difflib.get_close_matches(typed, [i for i, _ in pairs], n=3, cutoff=0.6)
    near = list(dict.fromkeys(near))[:5]
    listing = "；".join(
        f"{lid}：" + ("、".join(f"{i}（{n}）" for i, n in rows) if lid != "townships"
                     else f"{rows[0][0]} 等 {len(rows)} 个（town.<12 位代码>）")
        for lid, rows in known.items())
    raise InputError(
        f"没有编号为“{zone_id}”的分区。" + (f"是否指：{'、'.join(near)}？" if near else "")
        + f"可用的分区编号：{listing}。"
    )


def synthetic_parcels(zones, *, n: int | None = None, seed: int | None = None):
    """Generated parcels (合成数据) with a ``status`` field, from :func:`dcf_spatial.sample.generate_parcels`.

    Parameters
    ----------
    zones
        The zone(s) searched (kept for the call's shape; the generator covers the whole district).
    n, seed
        How many parcels and the seed (defaults in ``plan_rules.json`` → ``availability``).

    Returns
    -------
    GeoDataFrame (EPSG:4490)
        Every row carries ``synthetic=True``.

    Examples
    --------
    >>> synthetic_parcels(find_zones("cluster.zhengjia"))["synthetic"].all()  # doctest: +SKIP
    True
    """
    from ..sample import generate_parcels

    cfg = plan.rules()["availability"]
    n = n or cfg["default_sample_parcels"]
    seed = cfg["default_sample_seed"] if seed is None else seed
    gdf = generate_parcels(n, seed=seed).copy()
    gdf["synthetic"] = True
    logger.info("Generated %d synthetic parcels (seed %d)", n, seed)
    return gdf


def taken_parcels(zones, parcels):
    """The parcels counted as taken (occupied/supplied) that touch the zones, for maps.

    A point parcel with a declared area is drawn as the circle that was subtracted; a point without
    one stays a point.
    """
    import shapely

    taken, _ = _taken_mask(parcels)
    footprints, _ = taken_footprints(parcels)
    zw = shapely.union_all(to_working(zones).geometry.values)
    hit = taken & shapely.intersects(footprints, zw)
    sel = to_working(parcels[hit])
    sel = sel.set_geometry(np.asarray(footprints[hit], dtype=object), crs=sel.crs)
    return to_storage(sel)


def taken_footprints(parcels) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each parcel's footprint in the working CRS, for subtracting from a zone.

    Polygons are their own footprint; a point with a declared area (:func:`declared_area_m2`)
    becomes the circle of exactly that area around it (``io.points_to_discs``); a point without one
    stays a point (it takes no area). Returns (geometries indexed like ``parcels``, masks
    ``disc`` / ``unsized_point`` / ``no_geometry`` / ``polygon``).
    """
    import shapely

    from ..io import declared_area_m2, points_to_discs

    geoms = np.asarray(to_working(parcels).geometry.values, dtype=object)
    kind = shapely.get_type_id(geoms)
    point = np.isin(kind, (0, 4))  # Point, MultiPoint
    no_geom = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    point &= ~no_geom
    geoms, radius = points_to_discs(geoms, declared_area_m2(parcels), quad_segs=DISC_QUAD_SEGS)
    disc = ~np.isnan(radius)
    return geoms, {"disc": disc, "unsized_point": point & ~disc, "no_geometry": no_geom,
                   "polygon": np.isin(kind, (3, 6)) & ~no_geom}


def _ids(parcels, mask, limit: int = 10) -> str:
    """Up to ``limit`` parcel ids (or 1-based row numbers) of the rows in ``mask``, for a note."""
    rows = np.flatnonzero(mask)
    if "parcel_id" in parcels.columns:
        names = [str(v) for v in parcels["parcel_id"].to_numpy()[rows[:limit]]]
    else:
        names = [f"第 {r + 1} 行" for r in rows[:limit]]
    return "、".join(names) + (f" 等 {len(rows)} 宗" if len(rows) > limit else "")


def _footprint_notes(parcels, taken, kinds, in_zones, unsized_plots) -> list[str]:
    """Chinese notes on taken parcels that were not drawn as polygons (points, missing geometry)."""
    notes = []
    disc = taken & kinds["disc"]
    if disc.any():
        n_in = int((disc & in_zones).sum())
        notes.append(f"{int(disc.sum()):,} 宗已占用或已供地宗地为点位（无宗地图形）：按申报的宗地面积，以点位为圆心"
                     "取等面积圆扣除" + (f"（其中 {n_in:,} 宗与所查分区相交）" if n_in else "（均不与所查分区相交，未扣除分区内土地）")
                     + "；圆的位置和形状为近似，实际宗地边界以宗地图为准")
    unsized = taken & kinds["unsized_point"]
    if unsized.any():
        inside = unsized & in_zones
        text = (f"{int(unsized.sum()):,} 宗已占用或已供地宗地为点位且没有宗地面积（面积不明）：只在点位处计为已占用，"
                "未扣除任何面积，其周边的可用地可能偏大；请在表中补充宗地面积（平方米/亩/公顷）或提供宗地图形")
        if inside.any():
            text += f"。位于所查分区内的 {int(inside.sum()):,} 宗：{_ids(parcels, inside)}"
            if unsized_plots:
                shown = "、".join(str(r) for r in unsized_plots[:20]) + " 号" + ("等" if len(unsized_plots) > 20 else "")
                text += (f"；其点位落在 {len(unsized_plots)} 块候选地块内（第 {shown}），"
                         "这些地块实际可用面积可能更小")
        else:
            text += "。其中没有位于所查分区内的"
        notes.append(text)
    lost = taken & kinds["no_geometry"]
    if lost.any():
        notes.append(f"{int(lost.sum()):,} 宗已占用或已供地宗地没有坐标或图形，无法定位，未扣除：{_ids(parcels, lost)}")
    return notes


def _taken_mask(parcels) -> tuple[np.ndarray, str]:
    cfg = plan.rules()["availability"]
    field = next((f for f in cfg["status_fields"] if f in parcels.columns), None)
    if field is None:
        return np.ones(len(parcels), dtype=bool), "宗地无状态字段：全部宗地按已占用或已供地处理"
    taken = parcels[field].astype(str).str.strip().isin(cfg["taken_status_values"]).to_numpy()
    return taken, f"按字段 {field} 取值 {'/'.join(cfg['taken_status_values'])} 视为已占用或已供地"


def _constraint_union(store, zone_geom_w, constraints):
    import shapely

    from ..store import catalog

    parts, used = [], []
    for c in constraints:
        if not catalog.has_layer(c["layer"], store):
            continue
        g = to_working(catalog.read_layer(c["layer"], store=store)).geometry.values
        g = g[shapely.intersects(g, shapely.buffer(zone_geom_w, c["buffer_m"]))]
        if len(g):
            parts.append(shapely.union_all(shapely.buffer(g, c["buffer_m"])))
            used.append(c["name_zh"])
    return (shapely.union_all(parts) if parts else None), used


def _cut_by_grid(geom, size_m: float):
    """Cut free land into blocks of a square grid (a stand-in for the internal road grid of a
    park), so that one large connected remainder becomes plots a planner can allocate."""
    import shapely

    if geom.is_empty:
        return geom
    x1, y1, x2, y2 = geom.bounds
    xs = np.arange(np.floor(x1 / size_m) * size_m, x2 + size_m, size_m)
    ys = np.arange(np.floor(y1 / size_m) * size_m, y2 + size_m, size_m)
    gx, gy = np.meshgrid(xs[:-1], ys[:-1])
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + size_m, gy.ravel() + size_m)
    shapely.prepare(geom)
    cells = cells[shapely.intersects(geom, cells)]
    parts = shapely.intersection(cells, geom)
    return shapely.geometrycollections([p for part in parts for p in shapely.get_parts(part)])


def available_land(zone_id: str | None = None, *, parcels=None, min_mu: float | None = None, store=None,
                   constraints: list[dict] | None = None, sample_n: int | None = None, seed: int | None = None,
                   grid_m: float | None = None, synthetic: bool | None = None):
    """Candidate plots in a zone not taken by occupied/supplied parcels nor under a constraint.

    Parameters
    ----------
    zone_id
        A zone id (``park.zhengjia.bearing``, ``cluster.guangping``, ``agri.grain``…); ``None``
        searches every industrial cluster.
    parcels
        Parcel GeoDataFrame (any CRS equal to the store's, EPSG:4490 after reading with
        ``dcf_spatial.io``); ``None`` uses synthetic sample parcels and labels the answer so.
    min_mu
        Smallest plot to report, in 亩 (default from ``plan_rules.json``).
    constraints
        ``[{"layer", "buffer_m", "name_zh"}]``; default from ``plan_rules.json``.
    synthetic
        Label the answer as synthetic (default: when ``parcels`` is None or has a true
        ``synthetic`` column).
    grid_m
        Block size (m) that free land is cut into (default ``plot_grid_m`` in ``plan_rules.json``;
        0 keeps connected pieces whole).

    Returns
    -------
    GeoDataFrame (EPSG:4490)
        One row per candidate plot: ``rank, zone_id, zone_name_zh, area_mu, area_ha,
        distance_km`` (plot centroid to zone centroid), ``synthetic``; ``attrs`` carry the notes
        (which parcels counted as taken, which constraints, provenance).
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    cfg = plan.rules()["availability"]
    min_mu = cfg["default_min_mu"] if min_mu is None else float(min_mu)
    constraints = cfg["constraints"] if constraints is None else constraints
    grid_m = cfg["plot_grid_m"] if grid_m is None else grid_m
    zones = find_zones(zone_id, store)
    if parcels is None:
        parcels = synthetic_parcels(zones, n=sample_n, seed=seed)
        synthetic = True
    synthetic = bool(synthetic) or bool(parcels.get("synthetic", pd.Series([False])).any())
    check_same_crs(zones, parcels, names=("zones", "parcels"))
    taken, taken_note = _taken_mask(parcels)
    zw = to_working(zones)
    footprints, kinds = taken_footprints(parcels)
    # only areas are subtracted: a point without a declared area is taken at its point alone
    pg = footprints[taken & (kinds["polygon"] | kinds["disc"])]
    tree = shapely.STRtree(pg)
    rows, geoms, used_constraints = [], [], []
    for zid, zname, zg in zip(zones["id"], zones["name_zh"], zw.geometry.values):
        hits = tree.query(zg, predicate="intersects")
        free = zg
        if len(hits):
            free = shapely.difference(free, shapely.union_all(pg[hits]))
        block, used = _constraint_union(store, zg, constraints)
        used_constraints = sorted(set(used_constraints) | set(used))
        if block is not None:
            free = shapely.difference(free, block)
        centre = shapely.centroid(zg)
        if grid_m:
            free = _cut_by_grid(free, grid_m)
        for piece in shapely.get_parts(free):
            if shapely.get_type_id(piece) != 3:
                continue
            a = piece.area / settings.MU_M2
            if a >= min_mu:
                rows.append({"zone_id": zid, "zone_name_zh": zname, "area_mu": round(a, 2),
                             "area_ha": round(piece.area / 10_000, 3),
                             "distance_km": round(shapely.distance(shapely.centroid(piece), centre) / 1000, 3),
                             "synthetic": synthetic})
                geoms.append(piece)
    out = gpd.GeoDataFrame(pd.DataFrame(rows, columns=["zone_id", "zone_name_zh", "area_mu", "area_ha",
                                                        "distance_km", "synthetic"]),
                           geometry=geoms, crs=settings.working_crs)
    out = out.sort_values("area_mu", ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    zone_union = shapely.union_all(zw.geometry.values)
    in_zones = ~kinds["no_geometry"] & shapely.intersects(footprints, zone_union)
    unsized_plots = []
    if (taken & kinds["unsized_point"] & in_zones).any() and len(out):
        pts = footprints[taken & kinds["unsized_point"] & in_zones]
        plot_hits = shapely.STRtree(out.geometry.values).query(pts, predicate="intersects")[1]
        unsized_plots = sorted({int(r) for r in out["rank"].to_numpy()[np.unique(plot_hits)]})
    landuse_note = _cultivated_in_plots(out, store)
    out = to_storage(out)
    notes = [taken_note, *_footprint_notes(parcels, taken, kinds, in_zones, unsized_plots), f"最小地块 {min_mu:g} 亩",
             (f"可用地按 {grid_m:g} 米方格（示意路网）切分为候选地块" if grid_m else "可用地按连通范围列出"),
             "约束：" + ("、".join(used_constraints) if used_constraints
                          else "无（约束图层中没有穿过该分区的线）")]
    notes.append(landuse_note)
    if synthetic:
        notes.insert(0, "宗地为生成的合成数据（合成数据，非真实供地信息），结果仅作演示")
    out.attrs.update({"notes": notes, "synthetic": synthetic,
                      "provenance": zones.attrs.get("provenance", ""), "zones_title_zh": zones.attrs.get("title_zh", "")})
    logger.info("Found %d candidate plots ≥ %g 亩 in %d zone(s)", len(out), min_mu, len(zones))
    return out


def _cultivated_in_plots(plots, store) -> str:
    """Add ``cultivated_mu`` (耕地, land-use code 01*, under each plot) from the imported ``landuse``
    layer (三调 DLTB) when the store has one; returns the note saying so, or that it was not checked.
    Plots in the working CRS; informative only — a plot on 耕地 stays a candidate, stated."""
    import shapely

    from ..store import catalog
    from ..store.catalog import PROVENANCE_ZH

    if not catalog.has_layer("landuse", store):
        return "未按土地利用现状核查耕地：图层库中没有 landuse 图层（可导入三调地类图斑 DLTB）"
    lu = catalog.read_layer("landuse", store=store)
    lw = to_working(lu)
    cult = lw[lu["land_use_code"].astype(str).str.startswith("01").to_numpy()]
    geoms = np.asarray(cult.geometry.values, dtype=object)
    tree = shapely.STRtree(geoms)
    mu = []
    for g in plots.geometry.values:
        hits = tree.query(g, predicate="intersects")
        mu.append(round(float(shapely.area(shapely.intersection(geoms[hits], g)).sum()) / settings.MU_M2, 2)
                  if len(hits) else 0.0)
    plots["cultivated_mu"] = mu
    prov = str(lu.attrs.get("provenance") or "/".join(sorted(set(lu["provenance"]))))
    source = str(lu["source"].iloc[0]) if "source" in lu.columns and len(lu) else ""
    return (f"耕地（地类编码 01*）面积取自土地利用现状图层 landuse（{PROVENANCE_ZH.get(prov, prov)}；{source}），"
            f"列 cultivated_mu；候选地块含耕地者仍列出，占用耕地须另行依法办理")


def available_land_map(plots, parcels, zones, path, *, title: str | None = None, basemap: str = "none",
                       overwrite: bool = False, note: str | None = None):
    """The HTML map of an availability answer: candidate plots and the taken parcels they avoid,
    inside the outline of the zone(s) searched, opening on that zone.

    Parameters
    ----------
    plots
        The answer of :func:`available_land` (its ``attrs`` carry the notes and the synthetic flag).
    parcels
        The parcels the answer was computed from; those counted as taken and touching the zones
        are drawn in grey.
    zones
        The zone(s) searched (:func:`find_zones`), drawn as a bold outline and named.
    path
        Output ``.html`` file.
    note
        Text for the legend about the zone layer; default names the layer and its provenance in Chinese.
    """
    import pandas as pd

    from ..maps.webmap import answer_map

    focus = plots.copy()
    focus["label"] = [f"候选地块 {r}（{m:.1f} 亩）" for r, m in zip(focus["rank"], focus["area_mu"])]
    focus["状态"] = "候选可用地"
    taken = taken_parcels(zones, parcels)
    tag = "（合成数据）" if plots.attrs.get("synthetic") else ""
    tk = to_storage(taken[[taken.geometry.name]])
    if tk.geometry.name != focus.geometry.name:
        tk = tk.rename_geometry(focus.geometry.name)
    tk["label"] = f"已占用/已供地宗地{tag}"
    tk["状态"] = f"已占用或已供地{tag}"
    both = pd.concat([focus, tk], ignore_index=True)
    both.attrs.update(plots.attrs)
    from ..store.catalog import PROVENANCE_ZH

    zone_title = "、".join(zones["name_zh"].astype(str))
    prov = str(zones.attrs.get("provenance", ""))
    zone_note = (f"分区图层：{zones.attrs.get('title_zh') or '分区'}（{PROVENANCE_ZH.get(prov, prov) or '未注明'}）"
                 if note is None else note)
    notes = list(plots.attrs.get("notes", [])) + [zone_note]
    return answer_map(both, path, title=title or f"可用地：{zone_title}", label_field="label", status_field="状态",
                      popup_fields={"label": "地块", "zone_name_zh": "分区", "area_mu": "面积（亩）",
                                    "distance_km": "距分区中心（km）"},
                      provenance_note="；".join(notes), basemap=basemap, overwrite=overwrite, zones=zones,
                      answer_label="可用地")
