"""Interactive web maps (Folium/Leaflet) that open offline: answer maps and layer maps.

:func:`answer_map` is what every ``--map`` option calls: the answer (a site, parcels …) drawn on
top of the plan's zones, coloured by its status, with the verdict in the popup.
:func:`layers_map` draws catalog layers (the appendix maps' HTML versions, ``dcf maps web``).

Every map

* is one self-contained HTML file: Leaflet inlined from ``xstatic-leaflet``, no CDN request
  (:mod:`dcf_spatial.maps.offline`); with ``basemap="none"`` (the default) nothing at all is
  fetched;
* encodes geometries compactly (integer-delta coordinates at ``[web] coordinate_decimals``, GeoArrow
  ragged layout) and draws them on one canvas — 100,000 parcels stay usable;
* shows attribute values as text only (popups and tooltips are built with ``textContent``);
* has a layer control, a legend, a metric scale, fullscreen and measure controls, and a note on
  which layers are schematic (示意);
* opens on its answer (:func:`answer_view`: the answer, a thin margin, a minimum extent), fitted in
  the browser into the part of the window the title, layer list and legend leave free;
* draws context lines (the 1:4M canal, rivers, roads, railways) only inside the district, for
  display — the stored layers are untouched and the legend says which were cut.

Colours, labels and basemap URLs come from the style file (:mod:`dcf_spatial.maps.style`).
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .. import crs as dcf_crs
from .. import settings
from ..errors import DcfError, InputError
from . import style as map_style

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

logger = logging.getLogger(__name__)

BASEMAPS = ("none", "osm", "tianditu", "gaode")

#: Chinese labels of attribute columns in popups (fields not listed keep their name)
FIELD_LABELS = {
    "name_zh": "名称", "id": "编号", "plan_ref": "规划依据", "provenance": "数据性质", "source": "来源",
    "kind": "类型", "code12": "统计区划代码", "industries_zh": "主导产业", "industries_gbt4754": "行业代码（GB/T 4754）",
    "products": "主要产品", "direction": "方位", "host_townships": "所在镇（街道）",
    "target_2025_yi": "2025年产值目标（亿元）", "target_2030_yi": "2030年产值目标（亿元）",
    "follows_line": "依托线路", "chain": "产业链", "cluster_id": "所属集聚区", "themes": "主题",
    "verdict": "结论", "status": "状态", "reason": "原因", "reasons": "原因", "area_mu": "面积（亩）",
    "area_ha": "面积（公顷）", "area_km2": "面积（平方千米）", "zone_id": "所在分区", "industry": "行业",
}
PROVENANCE_ZH = {"authoritative": "权威数据", "schematic": "示意", "reference": "参考数据"}


# --- geometry encoding ----------------------------------------------------------------------


def _quantize_runs(coords, run_offsets, scale: float):
    """Integer-delta encode coordinate runs: first vertex absolute, the rest as differences."""
    import numpy as np

    q = np.rint(coords[:, :2] * scale).astype(np.int64)
    d = q.copy()
    d[1:] -= q[:-1]
    starts = np.asarray(run_offsets[:-1], dtype=np.int64)
    starts = starts[starts < len(q)]
    d[starts] = q[starts]
    return d.ravel()


def _drop_ring_closure(coords, ring_offsets):
    """Drop each ring's repeated closing vertex (Leaflet closes rings itself): ~20 % smaller."""
    import numpy as np

    ro = np.asarray(ring_offsets, dtype=np.int64)
    lengths = np.diff(ro)
    keep = np.ones(len(coords), dtype=bool)
    closing = ro[1:][lengths > 0] - 1
    keep[closing] = False
    new_offsets = np.concatenate([[0], np.cumsum(np.where(lengths > 0, lengths - 1, 0))])
    return coords[keep], new_offsets


def encode_geometries(geoms, *, decimals: int = 5) -> dict:
    """Encode a GeoSeries (EPSG:4326) for the JS runtime: type, scale, coordinates and offsets.

    Polygons and MultiPolygons become ``{"type": "polygon", "c", "ro", "po", "go"}`` (ring,
    polygon and geometry offsets); lines ``{"type": "line", "c", "lo", "lg"}``; points
    ``{"type": "point", "c"}``. Missing or empty geometries encode as empty features (drawn as
    nothing, still counted).
    """
    import numpy as np
    import shapely

    arr = np.asarray(geoms, dtype=object)
    n = len(arr)
    scale = 10 ** decimals
    present = np.array([g is not None and not shapely.is_empty(g) for g in arr], dtype=bool)
    types = set(shapely.get_type_id(arr[present]).tolist()) if present.any() else set()
    if types <= {3, 6}:  # Polygon, MultiPolygon
        fill = shapely.from_wkt("MULTIPOLYGON EMPTY")
        multi = np.array([fill if not ok else (g if shapely.get_type_id(g) == 6 else shapely.multipolygons([g]))
                          for g, ok in zip(arr, present)], dtype=object)
        _, coords, (ring_off, poly_off, geom_off) = shapely.to_ragged_array(multi)
        coords, ring_off = _drop_ring_closure(coords, ring_off)
        return {"type": "polygon", "n": n, "scale": scale, "c": _quantize_runs(coords, ring_off, scale),
                "ro": ring_off, "po": poly_off, "go": geom_off}
    if types <= {1, 5}:  # LineString, MultiLineString
        fill = shapely.from_wkt("MULTILINESTRING EMPTY")
        multi = np.array([fill if not ok else (g if shapely.get_type_id(g) == 5 else shapely.multilinestrings([g]))
                          for g, ok in zip(arr, present)], dtype=object)
        _, coords, (line_off, geom_off) = shapely.to_ragged_array(multi)
        return {"type": "line", "n": n, "scale": scale, "c": _quantize_runs(coords, line_off, scale),
                "lo": line_off, "lg": geom_off}
    if types <= {0, 4}:  # Point, MultiPoint: drawn at the representative point
        pts = [shapely.get_point(g, 0) if ok and shapely.get_type_id(g) == 4 else g for g, ok in zip(arr, present)]
        c = []
        for p, ok in zip(pts, present):
            c.extend([int(round(p.x * scale)), int(round(p.y * scale))] if ok else [None, None])
        return {"type": "point", "n": n, "scale": scale, "c": c}
    # Mixed families (e.g. a site as point plus parcels as polygons): draw every geometry as its
    # polygon when it has one, else as a point is not possible in one layer — split by the caller.
    raise InputError(
        f"网页地图的一个图层混有多种几何类型（shapely 类型编号 {sorted(types)}）。请拆成点、线、面各一个图层。"
    )


def _to_js_list(values) -> str:
    import numpy as np

    if isinstance(values, np.ndarray):
        return "[" + ",".join(map(str, values.tolist())) + "]"
    return json.dumps(values, separators=(",", ":"))


def _safe_json(obj) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>``, no HTML comment openers)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _payload_js(enc: dict, meta: dict) -> str:
    """The JS object literal of one layer: big numeric arrays raw, the rest as safe JSON."""
    import numpy as np

    parts = [f'"c":{_to_js_list(enc["c"])}']
    # offsets travel as run lengths (1–2 digits instead of 6–7); all-ones (simple polygons) as null
    for key in ("go", "po", "ro", "lg", "lo"):
        if key in enc:
            lengths = np.diff(np.asarray(enc[key], dtype=np.int64))
            parts.append(f'"{key}L":' + ("null" if key != "ro" and key != "lo" and (lengths == 1).all()
                                         else _to_js_list(lengths)))
    small = {k: v for k, v in enc.items() if k not in ("c", "ro", "po", "go", "lo", "lg")}
    small.update(meta)
    body = _safe_json(small)
    return "{" + ",".join(parts) + ("," if parts else "") + body[1:]


def display_value(v) -> str | None:
    import math

    if v is None:
        return None
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return f"{v:,.2f}".rstrip("0").rstrip(".") if abs(v) < 1e15 else str(v)
    if isinstance(v, (list, tuple)):
        return "、".join(str(x) for x in v)
    text = str(v)
    if text.startswith("[") and text.endswith("]"):
        try:
            items = json.loads(text)
            if isinstance(items, list):
                return "、".join(str(x) for x in items)
        except ValueError:
            pass
    return text


# --- folium elements ------------------------------------------------------------------------


def _folium_classes():
    """Folium element classes, defined lazily so that importing this module stays cheap."""
    global _CompactLayer, _Runtime, _Controls
    if "_CompactLayer" in globals():
        return _CompactLayer, _Runtime, _Controls
    from branca.element import Element, MacroElement
    from folium.map import Layer
    from folium.template import Template

    from . import offline
    from ._runtime_js import RUNTIME_CSS, RUNTIME_JS

    class CompactLayer(Layer):
        """A Leaflet feature group decoded in the browser from the compact encoding."""

        _template = Template(
            "{% macro script(this, kwargs) %}\n"
            "var {{ this.get_name() }} = dcf.layer({{ this._parent.get_name() }}, {{ this.payload }});\n"
            "{% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}\n"
            "{% endmacro %}"
        )

        def __init__(self, payload: str, name: str, *, show: bool = True, control: bool = True):
            super().__init__(name=name, overlay=True, control=control, show=show)
            self._name = "CompactLayer"
            self.payload = payload

    class Runtime(Element):
        """Inline Leaflet + the dcf runtime into the page header (once per page)."""

        def __init__(self):
            super().__init__(
                "<style>" + offline.leaflet_css() + "</style>\n<style>" + RUNTIME_CSS + "</style>\n"
                "<script>" + offline.leaflet_js() + "</script>\n<script>" + RUNTIME_JS + "</script>\n"
            )

    class Controls(MacroElement):
        """Title, legend, metric scale, fullscreen and measure controls."""

        _template = Template(
            "{% macro script(this, kwargs) %}\n"
            "(function(m){ var c = {{ this.config }};\n"
            " dcf.title(m, c.title, c.subtitle);\n"
            " L.control.scale({imperial: false, maxWidth: 160, position: 'bottomleft'}).addTo(m);\n"
            " dcf.fullscreen(m, c.fullscreen); dcf.measure(m, c.measure);\n"
            " dcf.legend(m, c.legend);\n"
            " m.attributionControl.setPrefix(false); dcf.zoomClass(m); window.dcfMap = m;\n"
            " dcf.fitOnceLaidOut(m, c.fit, c.fitOptions, function () { window.dcfReady = true; });\n"
            "})({{ this._parent.get_name() }});\n"
            "{% endmacro %}"
        )

        def __init__(self, config: dict):
            super().__init__()
            self._name = "DcfControls"
            self.config = _safe_json(config)

    _CompactLayer, _Runtime, _Controls = CompactLayer, Runtime, Controls
    return CompactLayer, Runtime, Controls


class WebMap:
    """Builder of one offline web map. Add layers bottom to top, then :meth:`save`.

    Parameters
    ----------
    title
        Chinese title shown on the map and as the page title.
    basemap
        ``"none"`` (vector context only, works offline), ``"osm"``, ``"tianditu"`` (key from the
        environment variable named in the style file, ``TIANDITU_KEY``) or ``"gaode"`` (data
        shifted to GCJ-02 for display, and the map says so).
    """

    def __init__(self, title: str, *, subtitle: str | None = None, basemap: str = "none"):
        import folium

        if basemap not in BASEMAPS:
            raise InputError(f"--basemap：底图 {basemap!r} 不是可选项（{', '.join(BASEMAPS)}）之一。")
        self.title = title
        self.subtitle = subtitle
        self.basemap = basemap
        self.web = map_style.section("web")
        self.decimals = int(self.web.get("coordinate_decimals", 5))
        # fractional zoom steps let the opening view fit the answer snugly (whole steps leave it up
        # to half the screen too small); the +/- buttons still zoom by whole steps
        self.map = folium.Map(location=[36.45, 115.95], zoom_start=10, tiles=None, prefer_canvas=True,
                              control_scale=False, zoom_control=True,
                              zoom_snap=float(self.web.get("zoom_snap", 0.25)), zoom_delta=1)
        self.legend_groups: list[dict] = []
        self.notes: list[str] = []
        self.bounds = None
        self.last_bounds = None
        self.layers_used: dict[str, str] = {}  # label -> provenance
        self.clipped_layers: list[str] = []  # labels of context line layers cut to the outline
        self._clip_area = None
        self._add_basemap()

    # -- basemaps --------------------------------------------------------------------------
    def _add_basemap(self) -> None:
        import folium

        if self.basemap == "none":
            return
        spec = self.web.get("basemaps", {}).get(self.basemap)
        if spec is None:
            raise InputError(f"样式文件中没有定义 [web.basemaps.{self.basemap}] 表。")
        url = spec["url"]
        key = None
        if spec.get("key_env"):
            key = os.environ.get(spec["key_env"])
            if not key:
                raise InputError(
                    f"底图 {self.basemap!r} 需要在环境变量 {spec['key_env']} 中提供 API key"
                    f"（例如 export {spec['key_env']}=<你的 key>），或改用 --basemap none / osm。"
                )
        kwargs = {"subdomains": spec["subdomains"]} if spec.get("subdomains") else {}
        folium.TileLayer(url.replace("{key}", key or ""), attr=spec.get("attribution", ""),
                         name=spec.get("label", self.basemap), overlay=False, control=True, **kwargs).add_to(self.map)
        if spec.get("label_url"):
            folium.TileLayer(spec["label_url"].replace("{key}", key or ""), attr=spec.get("attribution", " "),
                             name=spec["label"] + "注记",
                             overlay=True, control=True, **kwargs).add_to(self.map)
        self.notes.append(f"底图：{spec.get('label', self.basemap)}（需联网加载）")
        if self.basemap == "gaode":
            self.notes.append(self.web.get("gcj02_note", "数据已偏移至 GCJ-02 显示。"))

    def to_display(self, gdf: "gpd.GeoDataFrame") -> "gpd.GeoDataFrame":
        """Geometry in the display CRS: EPSG:4326, or GCJ-02 over Gaode tiles."""
        return dcf_crs.to_web(gdf, gcj02=self.basemap == "gaode")

    # -- layers ----------------------------------------------------------------------------
    def add_layer(
        self,
        gdf: "gpd.GeoDataFrame",
        name: str,
        *,
        styles: list[dict],
        style_index=None,
        popup_fields: dict[str, str] | None = None,
        tooltip_field: str | None = None,
        popup_title: str | None = None,
        labels: list[tuple[float, float, str]] | None = None,
        label_class: str = "",
        show: bool = True,
        provenance: str | None = None,
    ) -> None:
        """Add ``gdf`` (any CRS) as one toggleable layer named ``name``.

        ``styles`` are Leaflet path options; ``style_index`` gives each row's index into them.
        ``popup_fields`` maps column -> Chinese label, in display order.
        """
        CompactLayer, _, _ = _folium_classes()
        web = self.to_display(gdf) if len(gdf) else gdf
        enc = encode_geometries(web.geometry.values, decimals=self.decimals)
        popup_fields = popup_fields or {}
        props = {}
        cols = list(popup_fields) + ([tooltip_field] if tooltip_field and tooltip_field not in popup_fields else [])
        for col in cols:
            if col not in gdf.columns:
                raise InputError(f"地图图层 {name!r}：数据中没有列 {col!r}（现有列："
                                 f"{', '.join(map(str, gdf.columns))}）。")
            values = [display_value(v) for v in gdf[col].tolist()]
            uniq = list(dict.fromkeys(values))
            if len(values) > 1000 and len(uniq) <= 255:  # dictionary-encode repetitive columns
                index = {v: i for i, v in enumerate(uniq)}
                props[col] = {"d": uniq, "k": [index[v] for v in values]}
            else:
                props[col] = values
        meta = {
            "styles": styles, "props": props, "pf": [[c, lab] for c, lab in popup_fields.items()],
            "tf": tooltip_field, "title": popup_title, "labels": labels, "labelClass": label_class,
            # a popup lists at most this many attributes, then says how many more the table holds
            "maxRows": int(self.web.get("max_popup_rows", 40)),
        }
        if style_index is not None and len(styles) > 1:
            meta["k"] = [int(i) for i in style_index]
        big_from = int(self.web.get("fast_render_min_features", 5000))
        if len(gdf) >= big_from and enc["type"] in ("polygon", "point"):
            meta["big"] = True  # drawn by the runtime's BigLayer (typed arrays, one path per style)
        CompactLayer(_payload_js(enc, meta), name, show=show).add_to(self.map)
        if len(web) and not web.geometry.is_empty.all():
            b = web.total_bounds
            self.last_bounds = list(b)
            self.bounds = b if self.bounds is None else [min(self.bounds[0], b[0]), min(self.bounds[1], b[1]),
                                                          max(self.bounds[2], b[2]), max(self.bounds[3], b[3])]
        if provenance:
            self.layers_used[name] = provenance
        logger.debug("Added web-map layer %s (%d features)", name, len(gdf))

    def add_catalog_layer(self, layer_id: str, *, show: bool = True, labels: bool | None = None,
                          store=None, gdf=None, legend_by_zone: bool = True, label_min_zoom: int | None = None,
                          strict: bool = False) -> bool:
        """Add a layer of the store styled by the style file.

        A missing layer raises with ``strict``; otherwise it is skipped, noted on the map, and False returned.
        """
        from ..store.catalog import read_layer

        if gdf is None:
            try:
                gdf = read_layer(layer_id, store=store)
            except DcfError as exc:
                if strict:
                    raise
                logger.warning("背景图层 %s 未绘制：%s", layer_id, exc)
                self.notes.append(f"未能读取图层 {layer_id}，未绘制")
                return False
        st = map_style.layer_style(layer_id)
        label = st["label"]
        kind = st.get("kind", "polygon")
        # features with no real location (e.g. enterprises the plan names but does not place) are
        # listed in the legend note, not drawn as if located
        gdf, unlocated = map_style.split_unlocated(gdf, layer_id)
        note = map_style.unlocated_note(unlocated, layer_id)
        if note:
            self.notes.append(note)
        if kind == "line":
            gdf = self._clip_context_lines(gdf, layer_id, label, store)
        zone_ids = gdf["id"].astype(str).tolist() if "id" in gdf.columns else [""] * len(gdf)
        colors = [map_style.zone_color(z, layer_id) for z in zone_ids]
        parent_field = self.web.get("fill_from", {}).get(layer_id)
        if parent_field and parent_field in gdf.columns:
            # sub-zones drawn over their parent (parks over their cluster) take the parent's colour:
            # in the layer's single colour they hid the clusters' colours the legend lists
            zones_cfg = map_style.load_style().get("zones", {})
            colors = [zones_cfg.get(str(p), {}).get("fill", c) for p, c in zip(gdf[parent_field], colors)]
        feature_styles = [_leaflet_style(map_style.zone_style(z, layer_id), kind, fill=c) for z, c in zip(zone_ids, colors)]
        keys = [json.dumps(fs, sort_keys=True) for fs in feature_styles]
        uniq_keys = list(dict.fromkeys(keys))
        uniq = list(dict.fromkeys(colors))
        styles = [json.loads(k) for k in uniq_keys]
        index = [uniq_keys.index(k) for k in keys]
        # features named in the style file (e.g. the two canals) get a legend entry and a label each
        named = map_style.has_feature_styles(zone_ids) and len(gdf) <= 12
        fields = {c: FIELD_LABELS.get(c, c) for c in _popup_columns(gdf)}
        gdf = gdf.copy()
        if "provenance" in gdf.columns:
            gdf["provenance"] = gdf["provenance"].map(lambda v: PROVENANCE_ZH.get(v, v))
        label_pts = None
        if labels is None:
            labels = bool(st.get("label_field")) and kind == "polygon"
        if labels and "name_zh" in gdf.columns and len(gdf):
            # one label per sizeable piece: a zone in two places (vegetables at 侯营 and 沙镇) is named in both
            share = float(map_style.section("print").get("label_part_min_share", 0.2))
            parts = gdf[["name_zh", gdf.geometry.name]].explode(index_parts=False)
            area = dcf_crs.to_working(parts).geometry.area  # compared within a zone, in m²
            parts = parts[area >= share * area.groupby(level=0).transform("max")]
            pts = self.to_display(parts.set_geometry(parts.geometry.representative_point()))
            label_pts = [(round(p.y, 5), round(p.x, 5), str(n)) for p, n in zip(pts.geometry, pts["name_zh"])]
        if named and kind == "line" and len(gdf):
            label_pts = (label_pts or []) + self._line_labels(gdf, zone_ids, layer_id)
        provenance = gdf.attrs.get("provenance") or (
            "/".join(sorted(set(gdf["provenance"].astype(str)))) if "provenance" in gdf.columns else "")
        self.add_layer(gdf, label, styles=styles, style_index=index, popup_fields=fields,
                       tooltip_field="name_zh" if "name_zh" in gdf.columns else None,
                       popup_title=label, labels=label_pts,
                       label_class=("dcf-label-small" if layer_id == "townships" else "") +
                                   (f" dcf-minz{label_min_zoom}" if label_min_zoom else ""),
                       show=show, provenance=provenance)
        by_zone = named or (legend_by_zone and kind == "polygon" and len(uniq) > 1 and len(gdf) <= 12)
        items = []
        if by_zone:
            names = gdf["name_zh"].astype(str).tolist() if "name_zh" in gdf.columns else zone_ids
            for z, n, c in zip(zone_ids, names, colors):
                zst = map_style.zone_style(z, layer_id)
                items.append({"label": str(zst.get("label") if named and z in _named_zones(zone_ids) else n),
                              "kind": kind, "fill": c, "edge": zst.get("edge", "#333"), "width": zst.get("width", 1)})
            items = list({it["label"]: it for it in items}.values())
        else:
            items = [{"label": label, "kind": kind, "fill": uniq[0] if uniq else st.get("fill"),
                      "edge": st.get("edge", "#333"), "width": st.get("width", 1)}]
            if kind == "polygon" and len(uniq) > 1:
                # one swatch per colour the layer is drawn in: a single layer colour would misname
                # zones drawn in their own colours (the clusters are red, purple, orange and brown)
                items[0]["fills"] = uniq[:int(self.web.get("legend_max_swatch_colours", 8))]
        self.legend_groups.append({"name": label if by_zone and not named else "", "items": items})
        return True

    def _clip_context_lines(self, gdf, layer_id: str, label: str, store=None):
        """``gdf`` cut to the ``[web] clip_lines_to`` layer's outline, for display only.

        Reference lines (the canal at 1:4M) run far beyond the district; drawn whole they pull the
        eye and the map off the plan area. The stored layer is not touched; the legend notes which
        layers were cut. Without the outline layer the lines are drawn whole.
        """
        import geopandas as gpd
        import shapely

        from ..store.catalog import read_layer

        clip_id = self.web.get("clip_lines_to")
        if not clip_id or layer_id == clip_id or not len(gdf):
            return gdf
        if self._clip_area is None:
            try:
                self._clip_area = shapely.union_all(read_layer(clip_id, store=store).to_crs(gdf.crs).geometry.values)
            except DcfError as exc:
                logger.warning("%s 的线未裁剪：无法读取轮廓图层 %s（%s）", layer_id, clip_id, exc)
                return gdf
        clipped = gpd.clip(gdf, self._clip_area)
        clipped = clipped[~clipped.geometry.is_empty]
        before = shapely.length(gdf.geometry.values).sum()
        after = shapely.length(clipped.geometry.values).sum()
        if after < before * (1 - 1e-9):
            self.clipped_layers.append(label)
            logger.debug("Clipped %s to %s for display (%.0f%% of its length kept)", layer_id, clip_id,
                         100 * after / before if before else 100)
        return clipped

    def _line_labels(self, gdf, zone_ids, layer_id) -> list[tuple[float, float, str]]:
        """One label per named line (its style-file ``label``), at the point nearest the map's centre."""
        from shapely.geometry import Point

        web = self.to_display(gdf)
        named = _named_zones(zone_ids)
        if self.bounds is not None:
            centre = Point((self.bounds[0] + self.bounds[2]) / 2, (self.bounds[1] + self.bounds[3]) / 2)
        else:
            centre = web.geometry.union_all().centroid
        out = []
        for z, g in zip(zone_ids, web.geometry):
            if z not in named or g is None or g.is_empty:
                continue
            p = g.interpolate(g.project(centre))
            out.append((round(p.y, 5), round(p.x, 5), str(map_style.zone_style(z, layer_id)["label"])))
        return out

    # -- output ----------------------------------------------------------------------------
    def _schematic_note(self) -> str | None:
        schematic = [name for name, prov in self.layers_used.items() if "schematic" in str(prov) or "示意" in str(prov)]
        if not schematic:
            return None
        return "示意图层：" + "、".join(schematic) + "。" + map_style.section("notes").get("schematic", "")

    def save(self, path, *, overwrite: bool = False, fit_bounds=None) -> Path:
        """Write the map as one offline HTML file; refuse to overwrite unless ``overwrite``."""
        import folium

        from . import offline

        _, Runtime, Controls = _folium_classes()
        path = Path(path)
        if path.exists() and not overwrite:
            raise InputError(f"{path} 已存在。要替换请加 --overwrite（Python：overwrite=True）。")
        path.parent.mkdir(parents=True, exist_ok=True)
        notes = list(self.notes)
        if self.clipped_layers:
            notes.append(self.web.get("clip_note", "{layers}仅绘出区界以内部分。").format(
                layers="、".join(dict.fromkeys(self.clipped_layers))))
        sch = self._schematic_note()
        if sch:
            notes.insert(0, sch)
        notes.append(f"制图日期：{_dt.date.today().isoformat()}；坐标系：CGCS2000（EPSG:4490）")
        folium.LayerControl(collapsed=False, position="topright").add_to(self.map)
        b = fit_bounds if fit_bounds is not None else self.bounds
        # the opening view is fitted in the browser, once the title, the layer list and the legend
        # are on the page: the padding is what they really cover at this window size
        Controls({
            "title": self.title, "subtitle": self.subtitle,
            "fullscreen": self.web.get("fullscreen_label", "全屏"), "measure": self.web.get("measure_label", "测距"),
            "legend": {"title": self.web.get("legend_title", "图例"), "groups": self.legend_groups, "notes": notes},
            "fit": [[float(b[1]), float(b[0])], [float(b[3]), float(b[2])]] if b is not None else None,
            "fitOptions": {"margin": int(self.web.get("fit_margin_px", 12)),
                           "minShare": float(self.web.get("fit_min_free_share", 0.45)),
                           "maxZoom": float(self.web.get("fit_max_zoom", 16))},
        }).add_to(self.map)
        offline.strip_cdn_links(self.map)
        fig = self.map.get_root()
        fig.header.add_child(Runtime(), name="dcf_runtime")
        fig.title = self.title
        html = _stable_ids(fig.render())
        head = f"<head>\n<title>{_escape_html(self.title)}</title>"
        if self.web.get("embed_font", True):
            from . import fonts

            # Chinese must render on machines without a CJK font: embed a subset holding just the
            # characters this page uses (a few hundred kB at most).
            escaped = {chr(int(h, 16)) for h in re.findall(r"\\u([0-9a-fA-F]{4})", html)}
            chars = "".join(sorted({c for c in html + self.title if ord(c) > 127} | escaped))
            head += "\n<style>" + fonts.web_font_css(chars) + "</style>"
        html = html.replace("<head>", head, 1)
        offline.assert_offline(html, where=str(path))
        path.write_text(html, encoding="utf-8")
        logger.info("Wrote web map %s (%.1f MB)", path, path.stat().st_size / 1e6)
        return path


def _stable_ids(html: str) -> str:
    """folium names each element with a random uuid4 (``map_3f2a…``); number them in order of first
    appearance instead, so that the same map always gives the same file (reproducible, diffable)."""
    seen: dict[str, str] = {}

    def number(m):
        return "_" + seen.setdefault(m.group(1), f"{len(seen):032x}")

    return re.sub(r"_([0-9a-f]{32})(?![0-9a-f])", number, html)


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


def _named_zones(zone_ids) -> set[str]:
    zones = map_style.load_style().get("zones", {})
    return {z for z in zone_ids if "label" in zones.get(str(z), {})}


def _escape_html(text: str) -> str:
    import html

    return html.escape(str(text), quote=True)


def _popup_columns(gdf) -> list[str]:
    skip = {gdf.geometry.name, "source"}
    cols = [c for c in gdf.columns if c not in skip]
    first = [c for c in ("name_zh", "id") if c in cols]
    last = [c for c in ("plan_ref", "provenance") if c in cols]
    middle = [c for c in cols if c not in first and c not in last]
    return first + middle + last


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


def shade(color: str, darken: float) -> str:
    """``color`` mixed with black by ``darken`` (0 = unchanged, 1 = black; negative: with white), as ``#rrggbb``."""
    from matplotlib.colors import to_hex, to_rgb

    rgb = to_rgb(color)
    k = max(-1.0, min(1.0, darken))
    if k >= 0:
        return to_hex(tuple(c * (1 - k) for c in rgb))
    return to_hex(tuple(c + (1 - c) * -k for c in rgb))


def _leaflet_style(st: dict, kind: str, *, fill: str | None = None) -> dict:
    fill = fill or st.get("fill", "#888888")
    edge = st.get("edge", "#333333")
    width = float(st.get("width", 1.0))
    if kind == "line":
        out = {"color": edge, "weight": max(1.0, width * 1.2), "opacity": 0.95}
    elif kind == "point":
        out = {"radius": 6 if st.get("size", 40) >= 60 else 4, "color": edge, "weight": 1,
               "fillColor": fill, "fillOpacity": 0.95}
    else:
        no_fill = fill == "none"
        out = {"color": edge if no_fill else st.get("edge", fill), "weight": max(0.5, width * 1.2),
               "fillColor": "#000000" if no_fill else fill, "fill": not no_fill,
               "fillOpacity": 0.0 if no_fill else float(st.get("fill_opacity", 0.5)), "opacity": 0.9}
    if st.get("dash"):
        out["dashArray"] = " ".join(str(x) for x in st["dash"])
    return out


def layers_map(
    layer_ids: list[str],
    path,
    *,
    title: str,
    subtitle: str | None = None,
    labelled: list[str] | None = None,
    hidden: list[str] | None = None,
    basemap: str = "none",
    overwrite: bool = False,
    store=None,
) -> Path:
    """Draw catalog layers (bottom to top) as an offline web map; each layer toggles in the layer control."""
    wm = WebMap(title, subtitle=subtitle, basemap=basemap)
    zooms = map_style.section("web").get("label_min_zoom", {})
    fit = None
    for lid in layer_ids:
        wm.add_catalog_layer(lid, show=lid not in (hidden or []),
                             labels=(lid in labelled) if labelled is not None else None, store=store,
                             label_min_zoom=zooms.get(lid, zooms.get("default")), strict=True)
        if lid == "district" and wm.last_bounds is not None:
            fit = wm.last_bounds
    return wm.save(path, overwrite=overwrite, fit_bounds=fit)


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

    Returns
    -------
    Path
        The HTML file written.

    Examples
    --------
    >>> answer_map(site, "out/site.html", title="选址核查：某项目", status_field="verdict")  # doctest: +SKIP
    """
    import geopandas as gpd
    import pandas as pd

    if not isinstance(focus, gpd.GeoDataFrame):
        raise InputError(f"answer_map：focus 须为 GeoDataFrame，收到 {type(focus).__name__}。")
    if focus.crs is None:
        raise InputError("answer_map：结果图层没有坐标系（CRS）；请用 dcf_spatial.io 读取输入，使其带有坐标系。")
    for col, what in ((label_field, "label_field"), (status_field, "status_field")):
        if col is not None and col not in focus.columns:
            raise InputError(f"answer_map：{what}={col!r} 不是结果中的列"
                             f"（现有列：{', '.join(map(str, focus.columns))}）。")
    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError(f"{path} 已存在。要替换请加 --overwrite（Python：overwrite=True）。")
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
    colors = map_style.status_colors(status.tolist()) if status_field else {"结果": web_cfg.get("focus_color", "#e31a1c")}
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
    radius = int(web_cfg.get("point_radius", 7))
    if weight < float(web_cfg.get("focus_weight", 2.5)):
        radius = max(3, round(radius * (weight / float(web_cfg.get("focus_weight", 2.5))) ** 0.5))
    # few features: outline darker than the fill, to stand out; many: lighter than the fill, so that
    # neighbouring parcels separate like a fine white seam instead of merging into a dark blot
    many = int(drawn.sum()) > int(web_cfg.get("focus_full_weight_max", 20))
    darken = (-float(web_cfg.get("focus_edge_lighten", 0.5)) if many else float(web_cfg.get("focus_edge_darken", 0.45)))
    for fam in ("polygon", "line", "point"):
        sel = (families == fam) & drawn
        if not sel.any():
            continue
        sub = focus[sel]
        if fam == "point":
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
        idx = [values.index(v) for v in status[sel]]
        wm.add_layer(sub, answer_label if fam == "polygon" or families[drawn].nunique() == 1
                     else f"{answer_label}（{ {'line': '线', 'point': '点'}[fam] }）",
                     styles=styles, style_index=idx, popup_fields=popup_fields, tooltip_field=label_field,
                     popup_title=title, provenance=focus.attrs.get("provenance"))
    counts = status.value_counts()
    undrawn = status[~drawn].value_counts()

    def count_label(v):
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
    wm.add_layer(z[[*fields, z.geometry.name]], label, styles=[st], popup_fields=fields, tooltip_field="name_zh",
                 popup_title=label, labels=[(round(p.y, 5), round(p.x, 5), n) for p, n in zip(pts.geometry, pts["name_zh"])],
                 provenance=zones.attrs.get("provenance"))
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
