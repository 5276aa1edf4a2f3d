"""The builder of one offline web map (:class:`WebMap`): layers, legend, controls, one HTML file.

Every map

* is one self-contained HTML file: Leaflet inlined from ``xstatic-leaflet``, no CDN request
  (:mod:`dcf_spatial.maps.offline`); with ``basemap="none"`` (the default) nothing at all is
  fetched;
* encodes geometries compactly (:mod:`dcf_spatial.maps.encode`) and draws them on one canvas with
  the JS runtime (:mod:`dcf_spatial.maps.runtime`) — 100,000 parcels stay usable;
* shows attribute values as text only (popups and tooltips are built with ``textContent``);
* has a layer control, a legend, a metric scale, fullscreen and measure controls, and a note on
  which layers are schematic (示意);
* draws context lines (the 1:4M canal, rivers, roads, railways) only inside the district, for
  display — the stored layers are untouched and the legend says which were cut.

The two kinds of map built with it: :func:`dcf_spatial.maps.webmap.layers_map` (layers of the
store) and :func:`dcf_spatial.maps.answer.answer_map` (a query's answer over the plan's zones).
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
from ..errors import DcfError, InputError
from . import style as map_style
from .encode import display_value, encode_geometries, payload_js, safe_json

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
    from .runtime import runtime_css, runtime_js

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
                "<style>" + offline.leaflet_css() + "</style>\n<style>" + runtime_css() + "</style>\n"
                "<script>" + offline.leaflet_js() + "</script>\n<script>" + runtime_js() + "</script>\n"
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
            " var apart = dcf.labelsApart(m);\n"
            " dcf.fitOnceLaidOut(m, c.fit, c.fitOptions, function () { apart(); window.dcfReady = true; });\n"
            "})({{ this._parent.get_name() }});\n"
            "{% endmacro %}"
        )

        def __init__(self, config: dict):
            super().__init__()
            self._name = "DcfControls"
            self.config = safe_json(config)

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
            raise InputError(f"底图 {basemap!r} 不是可选项（{', '.join(BASEMAPS)}）之一。")
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
                    f"（例如 export {spec['key_env']}=<你的 key>），或改用 none（无底图）、osm 底图。"
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
        label_sizes: list[float] | None = None,
        show: bool = True,
        provenance: str | None = None,
    ) -> None:
        """Add ``gdf`` (any CRS) as one toggleable layer named ``name``.

        ``styles`` are Leaflet path options; ``style_index`` gives each row's index into them.
        ``popup_fields`` maps column -> Chinese label, in display order. ``label_sizes``: the area (km²) each
        of ``labels`` names; where labels would overlap, the larger area's keeps its place (the runtime's
        ``labelsApart``).
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
            "labelSizes": label_sizes,
            # a popup lists at most this many attributes, then says how many more the table holds
            "maxRows": int(self.web.get("max_popup_rows", 40)),
        }
        if style_index is not None and len(styles) > 1:
            meta["k"] = [int(i) for i in style_index]
        big_from = int(self.web.get("fast_render_min_features", 5000))
        if len(gdf) >= big_from and enc["type"] in ("polygon", "point"):
            meta["big"] = True  # drawn by the runtime's BigLayer (typed arrays, one path per style)
        CompactLayer(payload_js(enc, meta), name, show=show).add_to(self.map)
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
        label = map_style.label_for(st["label"], gdf.attrs.get("provenance")
                                    or "/".join(sorted(set(gdf["provenance"].astype(str))) if "provenance" in gdf else []))
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
        label_pts, label_sizes = None, None
        if labels is None:
            labels = bool(st.get("label_field")) and kind == "polygon"
        if labels and "name_zh" in gdf.columns and len(gdf):
            # one label per sizeable piece: a zone in two places (vegetables at 侯营 and 沙镇) is named in both
            share = float(map_style.section("print").get("label_part_min_share", 0.2))
            parts = gdf[["name_zh", gdf.geometry.name]].explode(index_parts=False)
            area = dcf_crs.to_working(parts).geometry.area  # compared within a zone, in m²
            keep = area >= share * area.groupby(level=0).transform("max")
            parts = parts[keep]
            pts = self.to_display(parts.set_geometry(parts.geometry.representative_point()))
            label_pts = [(round(p.y, 5), round(p.x, 5), str(n)) for p, n in zip(pts.geometry, pts["name_zh"])]
            label_sizes = [round(float(a) / 1e6, 3) for a in area[keep]]
        if named and kind == "line" and len(gdf):
            label_pts = (label_pts or []) + self._line_labels(gdf, zone_ids, layer_id)
        provenance = gdf.attrs.get("provenance") or (
            "/".join(sorted(set(gdf["provenance"].astype(str)))) if "provenance" in gdf.columns else "")
        self.add_layer(gdf, label, styles=styles, style_index=index, popup_fields=fields,
                       tooltip_field="name_zh" if "name_zh" in gdf.columns else None,
                       popup_title=label, labels=label_pts, label_sizes=label_sizes,
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

    def save(self, path, *, overwrite: bool = False, fit_bounds=None, data_date: "_dt.date | None" = None) -> Path:
        """Write the map as one offline HTML file; refuse to overwrite unless ``overwrite``.

        Parameters
        ----------
        path
            Output ``.html`` file (its folder is created).
        overwrite
            Replace ``path`` if it exists.
        fit_bounds
            ``[west, south, east, north]`` in the display CRS to open on; default all layers.
        data_date
            The date of the data shown (:func:`dcf_spatial.maps.dates.data_date`), stated as
            数据日期: the same data gives the same file on any day. None states today as 制图日期
            (an answer computed now).

        Returns
        -------
        Path
            The file written.
        """
        import folium

        from . import offline

        _, Runtime, Controls = _folium_classes()
        path = Path(path)
        if path.exists() and not overwrite:
            raise InputError(f"{path} 已存在，未覆盖。要替换已有文件，请允许覆盖（overwrite=True）。")
        path.parent.mkdir(parents=True, exist_ok=True)
        notes = list(self.notes)
        if self.clipped_layers:
            notes.append(self.web.get("clip_note", "{layers}仅绘出区界以内部分。").format(
                layers="、".join(dict.fromkeys(self.clipped_layers))))
        sch = self._schematic_note()
        if sch:
            notes.insert(0, sch)
        dated = f"数据日期：{data_date.isoformat()}" if data_date else f"制图日期：{_dt.date.today().isoformat()}"
        notes.append(f"{dated}；坐标系：CGCS2000（EPSG:4490）")
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
        fig.title = None  # folium writes its <title> raw; ours (escaped) is put in below
        html = _stable_ids(fig.render())
        head = f"<head>\n<title>{_escape_html(self.title)}</title>"
        if self.web.get("embed_font", True):
            from . import fonts

            # Chinese must render on machines without a CJK font: embed a subset holding just the
            # characters this page uses (a few hundred kB at most).
            escaped = {chr(int(h, 16)) for h in re.findall(r"\\u([0-9a-fA-F]{4})", html)}
            # the distinct characters first (a C loop), then the few non-ASCII ones among them: the
            # same set as testing each character of the page (~0.2 s for a map of 3,000 parcels)
            chars = "".join(sorted({c for c in set(html) | set(self.title) if ord(c) > 127} | escaped))
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

