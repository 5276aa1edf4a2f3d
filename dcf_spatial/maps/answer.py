"""Answer maps: a query's, a site check's or an audit's answer drawn over the plan's zones.

:func:`answer_map` is what every ``--map`` option calls: the answer (a site, parcels …) drawn on
top of the plan's zones, coloured by its status, with the verdict in the popup, the zones the
question was about outlined and named, and every row counted in the legend (rows without a
geometry or a real location are counted and listed, never drawn where they are not). The map
opens on its answer (:func:`answer_view`: the answer, a thin margin, a minimum extent), fitted in
the browser into the part of the window the title, layer list and legend leave free.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import crs as dcf_crs
from .. import settings
from ..errors import DcfError, InputError
from . import style as map_style
from .builder import FIELD_LABELS, WebMap

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = ["answer_map", "answer_view", "count_radii", "count_text", "focus_outline_weight", "point_radius", "shade"]


def _located_mask(gdf, web_cfg: dict):
    """True for rows to draw: all, unless a ``[web] located_fields`` column says false for the row."""
    import numpy as np
    import pandas as pd

    from ..io.rows import says_false

    mask = np.ones(len(gdf), dtype=bool)
    for field in web_cfg.get("located_fields", []):
        if field in gdf.columns:
            mask &= ~says_false(gdf[field].tolist())
    return pd.Series(mask, index=gdf.index)



def focus_outline_weight(n_features: int, web_cfg: dict | None = None) -> float:
    """Outline weight (px) of an answer with ``n_features`` drawn features.

    ``[web] focus_weight`` up to ``focus_full_weight_max`` features, then thinner in proportion to
    1/√n (the typical gap between features shrinks like that), never below ``focus_min_weight``.
    """
    web_cfg = web_cfg if web_cfg is not None else map_style.section("web")
    full = float(web_cfg.get("focus_weight", 2.5))
    n_full = int(web_cfg.get("focus_full_weight_max", 20))
    low = float(web_cfg.get("focus_min_weight", 0.4))
    if n_features <= n_full:
        return full
    return round(max(low, full * (n_full / n_features) ** 0.5), 2)


def point_radius(n_features: int, web_cfg: dict | None = None) -> int:
    """Radius (px) of a point of an answer with ``n_features`` drawn features: ``[web] point_radius``,
    smaller as the outlines thin (:func:`focus_outline_weight`)."""
    web_cfg = web_cfg if web_cfg is not None else map_style.section("web")
    radius = int(web_cfg.get("point_radius", 7))
    weight, full = focus_outline_weight(n_features, web_cfg), float(web_cfg.get("focus_weight", 2.5))
    return max(3, round(radius * (weight / full) ** 0.5)) if weight < full else radius


def count_radii(counts, radius: int, web_cfg: dict | None = None) -> list[int]:
    """Radii (px) of points standing for ``counts`` rows each: ``radius`` × √k, at most × ``[web]
    point_size_max_factor`` (default 3). The HTML answer map and the desk's audit map both size by it.

    Examples
    --------
    >>> count_radii([1, 2, 4, 100], 7, {"point_size_max_factor": 3})
    [7, 10, 14, 21]
    """
    web_cfg = web_cfg if web_cfg is not None else map_style.section("web")
    top = float(web_cfg.get("point_size_max_factor", 3))
    return [int(round(radius * min(top, max(1.0, float(k)) ** 0.5))) for k in counts]


def count_text(k, unit: str = "") -> str:
    """The count written under a point standing for ``k`` rows (``"2 宗"``).

    Examples
    --------
    >>> count_text(2.0, "宗")
    '2 宗'
    """
    return f"{int(k)} {unit}".strip()


def shade(color: str, darken: float) -> str:
    """``color`` mixed with black by ``darken`` (0 = unchanged, 1 = black; negative: with white), as ``#rrggbb``."""
    from .style import to_hex, to_rgb

    rgb = to_rgb(color)
    k = max(-1.0, min(1.0, darken))
    if k >= 0:
        return to_hex(tuple(c * (1 - k) for c in rgb))
    return to_hex(tuple(c + (1 - c) * -k for c in rgb))



def answer_map(
    focus: "gpd.GeoDataFrame",
    path,
    *,
    title: str,
    label_field: str | None = None,
    status_field: str | None = None,
    popup_fields: dict[str, str] | None = None,
    context: list[str] | None = None,
    provenance_note: str | None = None,
    basemap: str = "none",
    overwrite: bool = False,
    zones: "gpd.GeoDataFrame | None" = None,
    zones_label: str | None = None,
    zones_in_view: bool = True,
    answer_label: str = "查询结果",
    legend_counts: dict[str, int] | None = None,
    size_field: str | None = None,
    count_unit: str = "",
    marked_field: str | None = None,
) -> Path:
    """Write an offline HTML map of a query's answer: ``focus`` highlighted over the plan's zones.

    Parameters
    ----------
    focus
        The answer (a site, parcels …) in any CRS. Every row is drawn (rows without geometry are
        counted in the legend); polygons, lines and points may be mixed.
    path
        Output ``.html`` file.
    title
        Chinese title shown on the map.
    label_field
        Column shown as tooltip on hover (e.g. parcel name).
    status_field
        Column whose values colour the features (verdict, audit status); the legend lists each
        value with its count. Colours come from ``[web.status_colors]`` in the style file.
    popup_fields
        Column -> Chinese label, in the order shown in the popup. Default: every attribute column.
    context
        Layer ids drawn under the answer; default ``[web] default_context`` of the style file
        (district, townships, clusters, agri zones, service structure).
    provenance_note
        Extra note for the legend (e.g. "样例地块为合成数据").
    basemap
        ``"none"`` (default, offline), ``"osm"``, ``"tianditu"`` or ``"gaode"``.
    overwrite
        Replace ``path`` if it exists.
    zones
        The zones the question was about (e.g. the park searched for available land, or layer B of
        ``dcf query within``), drawn as a bold outline above the context and named on the map.
    zones_label
        Their name in the layer list and legend (default ``[web] query_zone_label``, 查询分区).
    zones_in_view
        Open on the answer and the zones together (default); False opens on the answer alone
        (for a B that runs far beyond it, like the 1:4M canal).
    answer_label
        Name of the answer in the layer list (e.g. "审计结果").
    legend_counts
        Value of ``status_field`` -> the count its legend entry shows, instead of the features drawn
        of it (when a feature stands for several rows, e.g. the parcels sharing a point, or the counts
        are those of a workbook); every value listed gets an entry and a colour, drawn or not.
    size_field
        A column of counts (≥ 1): a point standing for ``k`` rows is drawn larger (radius × √k, at most
        × ``[web] point_size_max_factor``, default 3) and labelled with ``k`` where ``k`` > 1.
    count_unit
        The unit after that ``k`` (e.g. "宗").
    marked_field
        With ``size_field``: a column whose non-empty rows are points of an illustrative place (a parcel
        placed by a name, drawn at the unit's label point): drawn with a dark dashed ring instead of the
        white halo, so that they do not read as parcels located there.

    Returns
    -------
    Path
        The HTML file written.

    Examples
    --------
    >>> answer_map(site, "out/site.html", title="选址核查：某项目", status_field="verdict")  # doctest: +SKIP
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    if not isinstance(focus, gpd.GeoDataFrame):
        raise InputError(f"要画成地图的结果须为 GeoDataFrame，收到 {type(focus).__name__}。")
    if focus.crs is None:
        raise InputError("要画成地图的结果没有坐标系（CRS）；请用 dcf_spatial.io 读取输入，使其带有坐标系。")
    for col, what in ((label_field, "标注字段 label_field"), (status_field, "着色字段 status_field")):
        if col is not None and col not in focus.columns:
            raise InputError(f"{what}={col!r} 不是结果中的列"
                             f"（现有列：{', '.join(map(str, focus.columns))}）。")
    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError(f"{path} 已存在，未覆盖。要替换已有文件，请允许覆盖（overwrite=True）。")
    web_cfg = map_style.section("web")
    wm = WebMap(title, basemap=basemap)
    for lid in (context if context is not None else web_cfg.get("default_context", [])):
        wm.add_catalog_layer(lid, show=True, legend_by_zone=False)
    if wm.legend_groups:
        # the context layers are one legend group (a name on the first alone would read as the
        # heading of the district outline only)
        wm.legend_groups = [{"name": "背景图层", "items": [it for g in wm.legend_groups for it in g["items"]]}]

    if zones is not None and len(zones):
        _add_query_zones(wm, zones, web_cfg, label=zones_label)
    else:
        touched = _touched_zones(focus, context if context is not None else web_cfg.get("default_context", []), web_cfg)
        if touched is not None:
            _add_query_zones(wm, touched, web_cfg, label=str(web_cfg.get("touched_zone_label", "所在分区")))

    focus = focus.reset_index(drop=True)
    if popup_fields is None:
        popup_fields = {c: FIELD_LABELS.get(c, c) for c in focus.columns if c != focus.geometry.name}
    status = (focus[status_field].map(lambda v: "未知" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
              if status_field else pd.Series(["结果"] * len(focus)))
    colors = (map_style.status_colors(status.tolist() + list(legend_counts or ())) if status_field
              else {"结果": web_cfg.get("focus_color", "#e31a1c")})
    values = list(colors)
    missing_geom = focus.geometry.isna() | focus.geometry.is_empty
    # rows that say they have no real location (e.g. enterprises the plan names but does not place,
    # parked at a stand-in point) are counted and listed, not drawn as if they were located there
    located = _located_mask(focus, web_cfg)
    # one layer per geometry family, so that a site point and its parcels can share a map
    families = focus.geometry.geom_type.fillna("").map(
        lambda t: "polygon" if "Polygon" in t else "line" if "Line" in t else "point" if "Point" in t else "")
    drawn = ~missing_geom & located
    weight = focus_outline_weight(int(drawn.sum()), web_cfg)
    radius = point_radius(int(drawn.sum()), web_cfg)
    # few features: outline darker than the fill, to stand out; many: lighter than the fill, so that
    # neighbouring parcels separate like a fine white seam instead of merging into a dark blot
    many = int(drawn.sum()) > int(web_cfg.get("focus_full_weight_max", 20))
    darken = (-float(web_cfg.get("focus_edge_lighten", 0.5)) if many else float(web_cfg.get("focus_edge_darken", 0.45)))
    for fam in ("polygon", "line", "point"):
        sel = (families == fam) & drawn
        if not sel.any():
            continue
        sub = focus[sel]
        idx = [values.index(v) for v in status[sel]]
        labels = None
        if fam == "point" and size_field and size_field in sub.columns:
            # a point standing for k rows: larger, and its k written on it; a style per (colour, size)
            k = sub[size_field].fillna(1).to_numpy(dtype=float).clip(min=1)
            radii = count_radii(k, radius, web_cfg)
            marked = (sub[marked_field].notna().to_numpy() if marked_field and marked_field in sub.columns
                      else np.zeros(len(sub), dtype=bool)).tolist()
            pairs = list(dict.fromkeys(zip(idx, radii, marked)))
            styles = [{"radius": r, "color": web_cfg.get("point_halo", "#ffffff"),
                       "weight": max(1.0, min(2.0, weight)), "fillColor": colors[values[v]], "fillOpacity": 0.95}
                      | ({"color": "#333333", "weight": 2, "dashArray": "3 3"} if m else {})
                      for v, r, m in pairs]
            idx = [pairs.index(pr) for pr in zip(idx, radii, marked)]
            many_rows = k > 1
            if many_rows.any():
                pts = wm.to_display(sub[many_rows])
                labels = [(round(p.y, 5), round(p.x, 5), count_text(kk, count_unit)) for p, kk in zip(pts.geometry, k[many_rows])]
        elif fam == "point":
            # a light halo: a red "inside" dot on a red cluster otherwise disappears into it
            styles = [{"radius": radius, "color": web_cfg.get("point_halo", "#ffffff"),
                       "weight": max(1.0, min(2.0, weight)), "fillColor": colors[v], "fillOpacity": 0.95}
                      for v in values]
        elif fam == "line":
            styles = [{"color": colors[v], "weight": weight + 1, "opacity": 0.95} for v in values]
        else:
            # outline in a darker shade of the fill, thinner as features get many: hundreds of small
            # parcels with heavy black outlines render as a black blot
            styles = [{"color": shade(colors[v], darken), "weight": weight,
                       "fillColor": colors[v], "fillOpacity": 0.6, "opacity": 0.9} for v in values]
        wm.add_layer(sub, answer_label if fam == "polygon" or families[drawn].nunique() == 1
                     else f"{answer_label}（{ {'line': '线', 'point': '点'}[fam] }）",
                     styles=styles, style_index=idx, popup_fields=popup_fields, tooltip_field=label_field,
                     popup_title=title, provenance=focus.attrs.get("provenance"), labels=labels,
                     label_class="dcf-count-label" if labels else "")
    counts = status.value_counts()
    undrawn = status[~drawn].value_counts()

    def count_label(v):
        if legend_counts is not None:  # the counts given (the rows a feature stands for, a workbook's)
            return f"{v}（{int(legend_counts.get(v, 0))}）"
        # every row counts; rows not on the map (no geometry, no real location) are said so
        n, off = int(counts.get(v, 0)), int(undrawn.get(v, 0))
        return f"{v}（{n}）" if not off else f"{v}（{n}，其中 {off} 个未上图）"

    wm.legend_groups.append({
        "name": (FIELD_LABELS.get(status_field, popup_fields.get(status_field, status_field)) if status_field else "查询结果"),
        "items": [{"label": count_label(v),
                   "kind": "point" if len(families[drawn]) and (families[drawn] == "point").all() else "polygon",
                   "fill": colors[v], "edge": shade(colors[v], darken), "width": 1} for v in values],
    })
    if missing_geom.any():
        wm.notes.append(f"{int(missing_geom.sum())} 条记录无几何，未绘制（见结果表）")
    unlocated = ~located & ~missing_geom
    if unlocated.any():
        names = (focus.loc[unlocated, label_field].astype(str).tolist() if label_field
                 else [f"第 {i + 1} 条" for i in focus.index[unlocated]])
        shown = int(web_cfg.get("unlocated_names_max", 30))
        wm.notes.append(web_cfg.get("unlocated_note", "{n} 个要素无确切位置（仅为代位点），未上图：{names}。").format(
            n=int(unlocated.sum()), names="、".join(names[:shown]) + (" 等" if len(names) > shown else "")))
    if provenance_note:
        wm.notes.append(provenance_note)
    # the legend: the answer first, then the zones asked about, then the context swatches
    context_groups = [g for g in wm.legend_groups if g.get("name") == "背景图层"]
    others = [g for g in wm.legend_groups if g.get("name") != "背景图层"]
    wm.legend_groups = others[-1:] + others[:-1] + context_groups
    drawable = focus[~missing_geom & located]
    if zones is not None and len(zones) and zones_in_view:
        shown = [gpd.GeoDataFrame(geometry=dcf_crs.to_storage(g).geometry.values, crs=settings.storage_crs)
                 for g in (drawable, zones)]
        drawable = pd.concat(shown, ignore_index=True)
        drawable = drawable[~(drawable.geometry.isna() | drawable.geometry.is_empty)]
    # nothing to draw (every row without geometry or location): open on the context instead
    fit = answer_view(drawable, wm.to_display, web_cfg) if len(drawable) else (
        [float(v) for v in wm.bounds] if wm.bounds is not None else None)
    return wm.save(path, overwrite=overwrite, fit_bounds=fit)


def _touched_zones(focus, context: list[str], web_cfg: dict):
    """The plan zones a small answer lies in or touches (a site's park and cluster), or None.

    Only for answers of at most ``[web] touched_zones_max_features`` drawn features, and only from
    the zone layers in ``[web] touched_zone_layers`` that are on the map; a planner then reads on
    the map which park the site is in, instead of hovering over colours.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from ..store.catalog import read_layer

    geoms = focus.geometry[~(focus.geometry.isna() | focus.geometry.is_empty)]
    if not len(geoms) or len(geoms) > int(web_cfg.get("touched_zones_max_features", 10)):
        return None
    answer = shapely.union_all(dcf_crs.to_working(gpd.GeoDataFrame(geometry=geoms, crs=focus.crs)).geometry.values)
    found = []
    for lid in [lid for lid in web_cfg.get("touched_zone_layers", []) if lid in context]:
        try:
            layer = read_layer(lid)
        except DcfError:
            continue
        hit = shapely.intersects(dcf_crs.to_working(layer).geometry.values, answer)
        if hit.any():
            found.append(layer[hit][[c for c in ("id", "name_zh", "plan_ref") if c in layer.columns] + [layer.geometry.name]]
                         .rename_geometry("geometry") if layer.geometry.name != "geometry" else
                         layer[hit][[c for c in ("id", "name_zh", "plan_ref") if c in layer.columns] + ["geometry"]])
    if not found:
        return None
    out = gpd.GeoDataFrame(pd.concat(found, ignore_index=True), geometry="geometry", crs=found[0].crs)
    out.attrs["provenance"] = "schematic" if any("schematic" in str(f.attrs.get("provenance", "")) for f in found) else ""
    return out


def _add_query_zones(wm: WebMap, zones, web_cfg: dict, *, label: str | None = None) -> None:
    """The zones a question was about, as a bold outline with their names (no fill: the answer shows through)."""
    label = str(label or web_cfg.get("query_zone_label", "查询分区"))
    st = {"color": web_cfg.get("query_zone_edge", "#08306b"), "weight": float(web_cfg.get("query_zone_weight", 3)),
          "fill": False, "fillOpacity": 0.0, "opacity": 1.0, "dashArray": str(web_cfg.get("query_zone_dash", "8 4"))}
    names = zones["name_zh"].astype(str) if "name_zh" in zones.columns else zones.index.astype(str)
    z = zones.assign(name_zh=names.to_numpy())
    pts = wm.to_display(z.set_geometry(z.geometry.representative_point()))
    fields = {c: FIELD_LABELS.get(c, c) for c in ("name_zh", "id", "plan_ref") if c in z.columns}
    sizes = [round(float(a) / 1e6, 3) for a in dcf_crs.to_working(z).geometry.area]  # the larger zone's name keeps its place
    wm.add_layer(z[[*fields, z.geometry.name]], label, styles=[st], popup_fields=fields, tooltip_field="name_zh",
                 popup_title=label, labels=[(round(p.y, 5), round(p.x, 5), n) for p, n in zip(pts.geometry, pts["name_zh"])],
                 label_sizes=sizes, provenance=zones.attrs.get("provenance"))
    wm.legend_groups.append({"name": "", "items": [{"label": label + "：" + "、".join(names), "kind": "polygon",
                                                    "fill": "none", "edge": st["color"], "width": 2}]})


def answer_view(drawn: "gpd.GeoDataFrame", to_display, web_cfg: dict | None = None) -> list[float]:
    """The extent an answer map opens on: the drawn answer, a thin margin, and a minimum size.

    Sized in the working CRS (metres): the answer's bounds grow by ``[web] answer_pad_share`` of
    their larger side on each side and to at least ``answer_min_extent_m`` across (a single point
    site opens on its neighbourhood, not on a 1 m square). Returned as ``[west, south, east,
    north]`` in the display CRS (``to_display``); the browser then fits it beside the legend.
    """
    import geopandas as gpd
    from shapely.geometry import box

    web_cfg = web_cfg if web_cfg is not None else map_style.section("web")
    x0, y0, x1, y1 = dcf_crs.to_working(drawn).total_bounds
    share = float(web_cfg.get("answer_pad_share", 0.04))
    min_extent = float(web_cfg.get("answer_min_extent_m", 2000))
    pad = share * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hw, hh = max(x1 - x0, min_extent) / 2, max(y1 - y0, min_extent) / 2
    frame = gpd.GeoDataFrame(geometry=[box(cx - hw, cy - hh, cx + hw, cy + hh)], crs=settings.working_crs)
    return [float(v) for v in to_display(frame).total_bounds]