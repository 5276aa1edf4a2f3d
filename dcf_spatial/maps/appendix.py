"""The plan's three appendix maps (附图1–3) as print maps (PDF A3 landscape, PNG) and web maps.

* 附图1 聊城市东昌府区产业布局示意图 — clusters, agricultural zones and the service structure;
* 附图2 聊城市东昌府区四大工业聚集区示意图 — the four clusters and their parks, leading industries;
* 附图3 聊城市东昌府区七大农业示范园区示意图 — the seven zones and their products.

What each map shows (layers, titles, colours, labels) is defined in the style file
(``[appendix.fig1]`` …, :mod:`dcf_spatial.maps.style`); this module only lays them out: the map
frame in the working CRS (EPSG:4548, so the scale bar is true), legend and notes in a side panel
that never covers data, scale bar in km, north arrow, township names, the date and a provenance
note naming every schematic layer drawn. Importing it registers the CJK font with matplotlib and
fails loudly (:class:`~dcf_spatial.maps.fonts.FontError`) if Chinese glyphs are missing.
"""

from __future__ import annotations

import datetime as _dt
import logging
import textwrap
from pathlib import Path

from .. import crs as dcf_crs
from ..errors import DcfError, InputError
from . import fonts
from . import style as map_style
from .builder import PROVENANCE_ZH
from .dates import data_date
from .encode import display_value
from .webmap import layers_map

logger = logging.getLogger(__name__)

FONT_FAMILY = fonts.register()

APPENDIX_KEYS = ("fig1", "fig2", "fig3")
#: where ``dcf maps appendix`` writes without --out (relative to the working directory)
DEFAULT_OUT_DIR = "maps"
FORMATS = ("pdf", "png", "html")


def _read(layer_id: str, store=None):
    from ..catalog import read_layer

    return read_layer(layer_id, store=store)


def _mpl_color(color: str, alpha: float = 1.0):
    from matplotlib.colors import to_rgba

    return "none" if color in (None, "none") else to_rgba(color, alpha)


def _draw_layer(ax, gdf, layer_id: str, st: dict):
    """Draw one layer in the working CRS; return the per-feature colours used."""
    kind = st.get("kind", "polygon")
    colors = [map_style.zone_color(z, layer_id) for z in gdf["id"].astype(str)] if "id" in gdf.columns else [st.get("fill")] * len(gdf)
    work = dcf_crs.to_working(gdf)
    if kind == "polygon":
        alpha = float(st.get("fill_opacity", 0.5))
        faces = [_mpl_color(c, alpha) for c in colors]
        ls = (0, tuple(st["dash"])) if st.get("dash") else "solid"
        work.plot(ax=ax, facecolor=faces, edgecolor=st.get("edge", "#333333"), linewidth=float(st.get("width", 0.8)),
                  linestyle=ls, hatch=st.get("hatch"), zorder=2)
    elif kind == "line":
        ls = (0, tuple(st["dash"])) if st.get("dash") else "solid"
        if layer_id == "railways":  # the cartographic railway: black line with white dashes over it
            work.plot(ax=ax, color=st.get("edge", "#252525"), linewidth=float(st.get("width", 1.4)) + 1.2, zorder=3)
            work.plot(ax=ax, color="white", linewidth=float(st.get("width", 1.4)), linestyle=(0, (4, 4)), zorder=3.1)
        elif "id" in work.columns and map_style.has_feature_styles(work["id"]):
            # features styled one by one (the two canals): each with its own colour and width
            for z, part in work.groupby(work["id"].astype(str), sort=False):
                zst = map_style.zone_style(z, layer_id)
                zls = (0, tuple(zst["dash"])) if zst.get("dash") else "solid"
                part.plot(ax=ax, color=zst.get("edge", "#333333"), linewidth=float(zst.get("width", 1.0)), linestyle=zls,
                          zorder=3)
        else:
            work.plot(ax=ax, color=st.get("edge", "#333333"), linewidth=float(st.get("width", 1.0)), linestyle=ls, zorder=3)
    else:
        work.plot(ax=ax, color=[_mpl_color(c) for c in colors], edgecolor=st.get("edge", "#ffffff"),
                  markersize=float(st.get("size", 30)), marker=st.get("marker", "o"), linewidth=0.6, zorder=11)
    return colors


def _legend_handles(layer_id: str, st: dict, gdf, colors, by_zone: bool):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    kind = st.get("kind", "polygon")
    alpha = float(st.get("fill_opacity", 0.5))
    ls = (0, tuple(st["dash"])) if st.get("dash") else "solid"
    if kind == "line":
        if layer_id == "railways":
            return [(Line2D([], [], color=st.get("edge"), linewidth=2.4, linestyle=(0, (3, 3))), st["label"])]
        if "id" in gdf.columns and map_style.has_feature_styles(gdf["id"]):
            out = []
            for z in dict.fromkeys(gdf["id"].astype(str)):
                zst = map_style.zone_style(z, layer_id)
                zls = (0, tuple(zst["dash"])) if zst.get("dash") else "solid"
                out.append((Line2D([], [], color=zst.get("edge"), linewidth=float(zst.get("width", 1)) + 0.4, linestyle=zls),
                            str(zst.get("label"))))
            return out
        return [(Line2D([], [], color=st.get("edge"), linewidth=float(st.get("width", 1)) + 0.4, linestyle=ls), st["label"])]
    if kind == "point":
        return [(Line2D([], [], marker=st.get("marker", "o"), linestyle="none", markerfacecolor=colors[0] if colors else st.get("fill"),
                        markeredgecolor="#555555", markersize=10 if st.get("size", 30) > 60 else 6), st["label"])]
    if by_zone:
        out = []
        for name, c in zip(gdf["name_zh"].astype(str), colors):
            out.append((Patch(facecolor=_mpl_color(c, max(alpha, 0.55)), edgecolor=st.get("edge"), hatch=st.get("hatch"),
                              linewidth=0.8), name))
        return out
    return [(Patch(facecolor=_mpl_color(colors[0] if colors else st.get("fill"), alpha), edgecolor=st.get("edge"),
                   hatch=st.get("hatch"), linewidth=float(st.get("width", 0.8)), linestyle=ls), st["label"])]


def _north_arrow(ax, x=0.95, y=0.93, size=0.06):
    """A simple north arrow (hand-drawn: matplotlib has none; the frame is in a north-up CRS)."""
    from matplotlib.patches import Polygon

    ax.add_patch(Polygon([(x, y), (x - size * 0.28, y - size), (x, y - size * 0.72)], closed=True,
                         transform=ax.transAxes, facecolor="#222222", edgecolor="#222222", zorder=20))
    ax.add_patch(Polygon([(x, y), (x + size * 0.28, y - size), (x, y - size * 0.72)], closed=True,
                         transform=ax.transAxes, facecolor="white", edgecolor="#222222", linewidth=0.8, zorder=20))
    ax.text(x, y + 0.012, "北", transform=ax.transAxes, ha="center", va="bottom", fontsize=13, fontweight="bold", zorder=20)


def _scale_bar(ax, km: float | None, segments: int, size: float):
    from matplotlib_scalebar.scalebar import ScaleBar

    ax.add_artist(ScaleBar(1.0, units="m", dimension="si-length", fixed_value=km, fixed_units="km" if km else None,
                           location="lower left", box_alpha=0.85, scale_loc="top", length_fraction=None,
                           scale_formatter=lambda value, unit: f"{value:g} 千米" if unit == "km" else f"{value:g} 米", font_properties={"size": size},
                           border_pad=0.8, sep=3))


_NO_LINE_START = "、，；：。）》”,;:.)"


def _wrap(text: str, width: int) -> str:
    """Wrap Chinese text; punctuation that may not start a line (避头点) stays on the line before."""
    if not text:
        return ""
    lines = textwrap.wrap(text, width=width, break_on_hyphens=False)
    for i in range(1, len(lines)):
        while lines[i] and lines[i][0] in _NO_LINE_START:
            lines[i - 1] += lines[i][0]
            lines[i] = lines[i][1:]
    return "\n".join(line for line in lines if line)


def _detail_text(value, *, limit: int = 6) -> str:
    text = display_value(value) or ""
    items = [t for t in text.replace("，", "、").split("、") if t]
    if len(items) > limit:
        items = items[:limit] + ["等"]
    return "、".join(items)


def provenance_note(used: dict[str, str]) -> str:
    """One sentence naming the schematic and reference layers a map draws (label -> provenance)."""
    groups: dict[str, list[str]] = {}
    for label, prov in used.items():
        for p in str(prov).split("/"):
            groups.setdefault(p, []).append(label)
    parts = []
    for key in ("schematic", "reference", "authoritative"):
        if key in groups:
            parts.append(f"{PROVENANCE_ZH[key]}图层：" + "、".join(dict.fromkeys(groups[key])))
    return "；".join(parts)


CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


ROMAN = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ"


def _number(i: int, series: str = "circled") -> str:
    """Label number ``i`` (0-based) in a series: ①② … or Ⅰ Ⅱ … (two layers on one map use two series)."""
    chars = ROMAN if series == "roman" else CIRCLED
    return chars[i] if i < len(chars) else f"({i + 1})"


def _frame_axes(ax, bounds, pr, margin: float = 0.04):
    x0, y0, x1, y1 = bounds
    mx, my = (x1 - x0) * margin, (y1 - y0) * margin
    x0, x1, y0, y1 = x0 - mx, x1 + mx, y0 - my, y1 + my
    # widen the shorter side so that the data fills the frame at 1:1 (no matplotlib aspect fight)
    pos = ax.get_position(original=True)
    fw, fh = ax.figure.get_size_inches()
    box_ratio = (pos.height * fh) / (pos.width * fw)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if (y1 - y0) / (x1 - x0) < box_ratio:
        half = (x1 - x0) * box_ratio / 2
        y0, y1 = cy - half, cy + half
    else:
        half = (y1 - y0) / box_ratio / 2
        x0, x1 = cx - half, cx + half
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for s in ax.spines.values():
        s.set_edgecolor(pr.get("frame_color", "#333333"))
        s.set_linewidth(1.2)


def _clip_lines(gdf, layer_id: str, st: dict, district):
    """Lines are clipped to the district so that sketches do not run off into the neighbours."""
    if st.get("kind") != "line" or district is None or layer_id == "district":
        return gdf
    import geopandas as gpd

    clipped = gpd.clip(gdf, district.union_all())
    return clipped[~clipped.geometry.is_empty]


def _township_labels(ax, frames, pr, *, size=None, clip_box=None, avoid=None, gap: float = 0.0):
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=2.6, foreground="white")]
    texts = []
    if "townships" not in frames:
        return texts
    tw = dcf_crs.to_working(frames["townships"])
    for pt, name in zip(tw.geometry.representative_point(), tw["name_zh"].astype(str)):
        if clip_box is not None and not clip_box.contains(pt):
            continue
        pt = _move_off(pt, avoid, gap)
        # halo drawn as a path underneath, the name itself as real (searchable, copyable) PDF text
        ax.text(pt.x, pt.y, name, fontsize=size or pr["label_size"], color="white", ha="center", va="center",
                path_effects=halo, zorder=9.9)
        texts.append(ax.text(pt.x, pt.y, name, fontsize=size or pr["label_size"], color="#555555", ha="center",
                             va="center", zorder=10))
    return texts


def _line_labels(ax, frames, pr, district, clip_box=None, size=None, avoid=None):
    """Name each line feature that has a ``label`` in the style file (the canals), along the line.

    The label goes where the line is farthest from ``avoid`` (zones and their labels, township
    names), among points between 25 % and 75 % of its length inside the frame.
    """
    import math

    from matplotlib import patheffects

    texts = []
    for lid, gdf in frames.items():
        st = map_style.layer_style(lid)
        if st.get("kind") != "line" or "id" not in gdf.columns or not map_style.has_feature_styles(gdf["id"]):
            continue
        work = dcf_crs.to_working(gdf)
        area = district.union_all() if district is not None else None
        if clip_box is not None:
            area = clip_box if area is None else area.intersection(clip_box)
        for z, g in zip(work["id"].astype(str), work.geometry):
            zst = map_style.zone_style(z, lid)
            if "label" not in map_style.load_style().get("zones", {}).get(z, {}):
                continue
            inside = g.intersection(area) if area is not None else g
            parts = getattr(inside, "geoms", [inside])
            parts = [p for p in parts if p.geom_type == "LineString" and not p.is_empty]
            if not parts:
                continue
            line = max(parts, key=lambda p: p.length)
            fractions = [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7, 0.25, 0.75]
            if avoid is not None and not avoid.is_empty:
                # the first candidate (nearest the middle) that is as clear as the clearest, within 10 %
                clear = [avoid.distance(line.interpolate(f, normalized=True)) for f in fractions]
                best = max(clear)
                f = next(f for f, c in zip(fractions, clear) if c >= 0.9 * best)
            else:
                f = 0.5
            d = line.length * f
            p0, p1 = line.interpolate(max(0.0, d - line.length * 0.03)), line.interpolate(min(line.length, d + line.length * 0.03))
            angle = math.degrees(math.atan2(p1.y - p0.y, p1.x - p0.x))
            angle = angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle
            mid = line.interpolate(d)
            texts.append(ax.text(mid.x, mid.y, str(zst["label"]), fontsize=size or pr["label_size"], color=zst.get("edge", "#1f78b4"),
                                 rotation=angle, rotation_mode="anchor", ha="center", va="bottom", fontstyle="italic",
                                 path_effects=[patheffects.withStroke(linewidth=2.4, foreground="white")], zorder=10.5))
    return texts


def _label_obstacles(frames, spec):
    """What a line label should keep clear of: the labelled zones and the township name points."""
    import shapely

    geoms = []
    for lid in list(spec.get("zone_labels", [])) + ["service_core", "service_groups"]:
        if lid in frames and len(frames[lid]):
            geoms.extend(dcf_crs.to_working(frames[lid]).geometry.buffer(1500).tolist())
    if "townships" in frames:
        geoms.extend(dcf_crs.to_working(frames["townships"]).geometry.representative_point().buffer(1200).tolist())
    return shapely.union_all(geoms) if geoms else None


def _zone_label(ax, x, y, text, pr, size=None):
    return ax.text(x, y, text, fontsize=size or pr["label_size"] + 0.5, color="#111111", ha="center", va="center",
                   fontweight="bold", zorder=12,
                   bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": "#777777",
                         "alpha": 0.9, "linewidth": 0.5})


#: steps adjustText takes to push labels apart (a fixed count keeps the print maps reproducible)
LABEL_ITERATIONS = 300


def _spread(ax, texts, avoid, *, arrows: bool = True):
    """Nudge labels apart with adjustText (a maintained library); leader lines when moved."""
    from adjustText import adjust_text

    if texts:
        kw = {"arrowprops": {"arrowstyle": "-", "color": "#444444", "lw": 0.7}, "min_arrow_len": 2} if arrows else {}
        # iter_lim, not adjustText's default 1-second time limit: the same map on any machine, at any load
        adjust_text(texts, ax=ax, objects=avoid or None, expand=(1.2, 1.4), only_move={"text": "xy"},
                    ensure_inside_axes=True, iter_lim=LABEL_ITERATIONS, **kw)


def _text_box(ax, text):
    """The box a text artist covers, in data coordinates (the map frame's CRS), as a shapely box."""
    from shapely.geometry import box

    bb = text.get_window_extent(renderer=ax.figure.canvas.get_renderer()).transformed(ax.transData.inverted())
    return box(bb.x0, bb.y0, bb.x1, bb.y1)


def _leaders(ax, placed, min_gap_m: float):
    """A leader line from each label that ended up away from its zone (``min_gap_m`` or more) to the zone.

    ``placed``: (text artist, zone geometry in the frame CRS). Drawn by hand: adjustText's arrows
    point at where a label started, not at the zone it names.
    """
    from shapely.ops import nearest_points

    ax.figure.canvas.draw()
    drawn = 0
    for text, geom in placed:
        tb = _text_box(ax, text)
        if tb.distance(geom) < min_gap_m:
            continue
        a, b = nearest_points(tb, geom)
        # end a little inside the zone, so the leader visibly touches it
        inner = geom.buffer(-min(150.0, geom.area ** 0.5 * 0.05))
        _, b = nearest_points(b, inner if not inner.is_empty else geom)
        ax.plot([a.x, b.x], [a.y, b.y], color="#333333", linewidth=0.7, zorder=11.5, solid_capstyle="round")
        ax.plot([b.x], [b.y], marker="o", markersize=2.2, color="#333333", zorder=11.6)
        drawn += 1
    return drawn


def _label_parts(geom, min_share: float):
    """The pieces of a zone that get their own label: every part at least ``min_share`` of the largest."""
    parts = list(getattr(geom, "geoms", [geom]))
    big = max(p.area for p in parts)
    return [p for p in parts if p.area >= min_share * big]


def _move_off(point, avoid, gap: float):
    """A township label point moved just below the zone covering it (so the zone's own marks don't hide it)."""
    from shapely.geometry import Point

    if avoid is None or not avoid.contains(point):
        return point
    parts = [p for p in getattr(avoid, "geoms", [avoid]) if p.contains(point)]
    return Point(point.x, parts[0].bounds[1] - gap) if parts else point


def _two_lines(name: str, pr) -> str:
    """A long park name on two lines, broken before its generic ending (…产业园, …板块) or after ·."""
    limit = int(pr.get("park_label_chars", 9))
    if len(name) <= limit:
        return name
    if "·" in name:
        a, b = name.split("·", 1)
        return f"{a}·\n{b}"
    for suffix in pr.get("park_label_break_before", ["产业园", "服务区", "园区", "板块", "基地"]):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)] + "\n" + suffix
    half = (len(name) + 1) // 2
    return name[:half] + "\n" + name[half:]


def _keep_inside(ax, texts, margin: float = 0.03):
    """Shift labels whose box crosses the panel edge back inside (adjustText keeps only the anchor in)."""
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    to_axes = ax.transAxes.inverted()
    for t in texts:
        patch = t.get_bbox_patch()  # the label's white box, larger than its glyphs
        if patch is not None:
            t.update_bbox_position_size(renderer)
        bb = (patch if patch is not None else t).get_window_extent(renderer).transformed(to_axes)
        dx = (margin - bb.x0) if bb.x0 < margin else (1 - margin - bb.x1) if bb.x1 > 1 - margin else 0.0
        dy = (margin - bb.y0) if bb.y0 < margin else (1 - margin - bb.y1) if bb.y1 > 1 - margin else 0.0
        if dx or dy:
            x, y = ax.transData.inverted().transform(ax.transAxes.transform(
                to_axes.transform(ax.transData.transform(t.get_position())) + (dx, dy)))
            t.set_position((x, y))


def _panel_header(head: str, detail_value, width: float, height: float, fig, pr) -> str:
    """The text above a 附图2 panel: name and leading industries, wrapped to the panel's width.

    ``width``/``height`` in figure fractions. Characters per line follow from the font size (a CJK
    glyph is one em wide); industries are dropped from the end (… 等) until the lines fit the height.
    """
    size = pr["label_size"] - 0.5
    fig_w, fig_h = fig.get_size_inches()
    chars = max(8, int(width * fig_w * 72 / size) - 1)
    max_lines = max(2, int(height * fig_h * 72 / (size * 1.3 * 1.15)))
    text = display_value(detail_value) or ""
    sep = "；" if "；" in text else "、"
    items = [t for t in text.split(sep) if t]
    for n in range(len(items), -1, -1):
        shown = sep.join(items[:n]) + ("等" if n < len(items) else "")
        body = _wrap("主导产业：" + shown, chars) if n else ""
        lines = _wrap(head, chars).split("\n") + (body.split("\n") if body else [])
        if len(lines) <= max_lines:
            return "\n".join(lines)
    return _wrap(head, chars)


def _cluster_insets(fig, rect, frames, spec, pr):
    """附图2: one zoomed panel per cluster with its parks and named enterprises."""
    from shapely.geometry import box

    clusters = dcf_crs.to_working(frames["industrial_clusters"]).reset_index(drop=True)
    parks = dcf_crs.to_working(frames["cluster_parks"]) if "cluster_parks" in frames else None
    ents = dcf_crs.to_working(frames["anchor_enterprises"]) if "anchor_enterprises" in frames else None
    left, bottom, width, height = rect
    n = len(clusters)
    cols = 2
    rows = (n + cols - 1) // cols
    gap = 0.012
    w = (width - gap * (cols - 1)) / cols
    h = (height - gap * (rows - 1)) / rows
    panels = []
    for i, row in clusters.iterrows():
        r, c = divmod(i, cols)
        ax = fig.add_axes([left + c * (w + gap), bottom + (rows - 1 - r) * (h + gap), w, h * 0.80])
        x0, y0, x1, y1 = row.geometry.bounds
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        # square-ish window around the cluster, matching the panel's aspect
        fig_w, fig_h = fig.get_size_inches()
        aspect = (h * 0.80 * fig_h) / (w * fig_w)
        half_w = max(x1 - x0, (y1 - y0) / aspect) * 0.62
        half_h = half_w * aspect
        window = box(cx - half_w, cy - half_h, cx + half_w, cy + half_h)
        for lid in ("other_units", "townships", "industrial_clusters", "cluster_parks", "rivers", "roads", "railways", "canal"):
            if lid in frames:
                g = dcf_crs.to_working(frames[lid])
                g = g[g.intersects(window)]
                if len(g):
                    _draw_layer(ax, g.to_crs(frames[lid].crs), lid, map_style.layer_style(lid))
        ax.set_xlim(cx - half_w, cx + half_w)
        ax.set_ylim(cy - half_h, cy + half_h)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        texts = _township_labels(ax, frames, pr, size=pr["label_size"] - 1, clip_box=window)
        labels = []
        if parks is not None and "cluster_id" in parks.columns:
            mine = parks[parks["cluster_id"] == row["id"]]
            for pt, name in zip(mine.geometry.representative_point(), mine["name_zh"].astype(str)):
                labels.append(_zone_label(ax, pt.x, pt.y, _two_lines(name, pr), pr, size=pr["label_size"] - 1))
        if ents is not None and "cluster_id" in ents.columns:
            mine_e = ents[ents["cluster_id"] == row["id"]]
            if len(mine_e):
                st = map_style.layer_style("anchor_enterprises")
                ax.scatter(mine_e.geometry.x, mine_e.geometry.y, s=10, c=st.get("fill", "#000"), edgecolors="white",
                           linewidths=0.4, zorder=11)
        _spread(ax, labels, texts)
        _keep_inside(ax, labels)
        for s_ in ax.spines.values():
            s_.set_edgecolor(map_style.zone_color(row["id"], "industrial_clusters"))
            s_.set_linewidth(1.6)
        head = f"{_number(i)} {row['name_zh']}"
        fig.text(left + c * (w + gap), bottom + (rows - 1 - r) * (h + gap) + h * 0.80 + 0.004,
                 _panel_header(head, row.get(spec.get("label_detail") or "", None), w, h * 0.20 - 0.008, fig, pr),
                 fontsize=pr["label_size"] - 0.5, va="bottom", ha="left", linespacing=1.3)
        try:
            _scale_bar(ax, None, 0, pr["note_size"])
        except Exception:  # pragma: no cover - a scale bar must never stop a map
            logger.debug("inset scale bar failed", exc_info=True)
        panels.append((i, window))
    return panels


def print_map(key: str, out_dir, *, overwrite: bool = False, store=None, formats=("pdf", "png")) -> dict[str, Path]:
    """Draw appendix map ``key`` (``"fig1"``…) as PDF (A3 landscape, vector) and PNG; return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.legend import Legend
    from matplotlib.patches import Rectangle

    spec = map_style.appendix_spec(key)
    pr = map_style.section("print")
    notes_cfg = map_style.section("notes")
    out_dir = Path(out_dir)
    paths = {fmt: out_dir / f"{spec['filename']}.{fmt}" for fmt in formats}
    for p in paths.values():
        if p.exists() and not overwrite:
            raise InputError(f"{p} 已存在，未覆盖。要替换已有文件，请允许覆盖（overwrite=True）。")
    title = f"{spec['number']}  {spec['title']}"
    fonts.check_text(title + spec.get("subtitle", ""))

    frames = {}
    unlocated_notes = []
    for lid in spec["layers"]:
        try:
            frames[lid] = _read(lid, store)
        except DcfError as exc:
            raise InputError(f"{spec['number']} 需要图层 {lid!r}：{exc}") from None
        # features without a real location are named in the side panel, never drawn as points
        located, unlocated = map_style.split_unlocated(frames[lid], lid)
        if len(unlocated):
            frames[lid] = located
            unlocated_notes.append(map_style.unlocated_note(unlocated, lid))
    insets = bool(spec.get("inset_layers")) and "industrial_clusters" in frames
    # the date the map states is its data's (the newest update of the layers drawn), not the clock's
    made_on = data_date(spec["layers"], store=store) or _dt.date.today()

    fig = plt.figure(figsize=(pr["page_width_in"], pr["page_height_in"]), facecolor=pr.get("background", "white"))
    ax = fig.add_axes([0.015, 0.05, 0.415, 0.83] if insets else [0.025, 0.05, 0.70, 0.83])
    side = fig.add_axes([0.755, 0.05, 0.23, 0.83])
    side.axis("off")
    fig.text(0.5, 0.955, title, ha="center", va="center", fontsize=pr["title_size"], fontweight="bold")
    if spec.get("subtitle"):
        fig.text(0.5, 0.913, spec["subtitle"], ha="center", va="center", fontsize=pr["subtitle_size"], color="#444444")

    district = dcf_crs.to_working(frames["district"]) if "district" in frames else None
    used: dict[str, str] = {}
    handles: list[tuple] = []
    zone_handles: dict[str, list] = {}
    zone_details: list[str] = []
    for lid, gdf in frames.items():
        st = map_style.layer_style(lid)
        drawn = _clip_lines(gdf, lid, st, district.to_crs(gdf.crs) if district is not None else None)
        colors = _draw_layer(ax, drawn, lid, st) if len(drawn) else []
        used[st["label"]] = gdf.attrs.get("provenance") or "/".join(sorted(set(gdf.get("provenance", []))))
        by_zone = lid in spec.get("legend_by_zone", [])
        numbered = lid in spec.get("zone_labels", [])
        series = spec.get("numbering", {}).get(lid, "circled")
        h = _legend_handles(lid, st, gdf, [map_style.zone_color(z, lid) for z in gdf["id"].astype(str)]
                            if "id" in gdf.columns else colors, by_zone)
        if by_zone:
            if numbered:
                h = [(a, f"{_number(i, series)} {b}") for i, (a, b) in enumerate(h)]
            zone_handles[st["label"]] = h
        else:
            handles.extend(h)
        if numbered and spec.get("label_detail") and spec["label_detail"] in gdf.columns and not insets:
            for i, (_, row) in enumerate(gdf.iterrows()):
                detail = _detail_text(row[spec["label_detail"]], limit=8)
                if detail:
                    zone_details.append(f"{_number(i, series)}{row['name_zh']}：{detail}")

    _frame_axes(ax, (district if district is not None else dcf_crs.to_working(next(iter(frames.values())))).total_bounds, pr)
    cover = None
    if insets:
        import shapely

        panels = _cluster_insets(fig, [0.445, 0.05, 0.30, 0.80], frames, spec, pr)
        for i, window in panels:
            x0, y0, x1, y1 = window.bounds
            ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#333333", linewidth=0.8,
                                   linestyle=(0, (3, 2)), zorder=13))
        # the clusters carry numbers, enterprise dots and the panels' dashed frames: township names
        # inside a frame move below it
        cover = shapely.union_all([w for _, w in panels])
    texts = _township_labels(ax, frames, pr, avoid=cover, gap=float(pr.get("township_label_gap_m", 700)))
    texts += _line_labels(ax, frames, pr, district, avoid=_label_obstacles(frames, spec))
    zone_texts, placed = [], []
    for lid in spec.get("zone_labels", []):
        if lid not in frames:
            continue
        zw = dcf_crs.to_working(frames[lid]).reset_index(drop=True)
        for i, row in zw.iterrows():
            num = _number(i, spec.get("numbering", {}).get(lid, "circled"))
            label = num if (insets or not spec.get("label_names", True)) else f"{num} {row['name_zh']}"
            # a zone of several pieces (vegetables at 侯营 and 沙镇) gets a label on each piece
            for part in _label_parts(row.geometry, float(pr.get("label_part_min_share", 0.2))):
                # above the zone, so that the township name at its centre stays readable
                pt = part.representative_point()
                bx0, by0, bx1, by1 = part.bounds
                compact = part.area >= 0.45 * (bx1 - bx0) * (by1 - by0)
                # compact zones: label just above; bands and diagonal shapes: at their representative point
                top = by1 if compact else pt.y
                t = _zone_label(ax, pt.x, top, label, pr)
                t.set_va("bottom")
                zone_texts.append(t)
                placed.append((t, part))
    _spread(ax, zone_texts, texts, arrows=False)
    _leaders(ax, placed, float(pr.get("leader_min_gap_m", 500)))
    _north_arrow(ax)
    _scale_bar(ax, float(pr.get("scalebar_km", 10)), int(pr.get("scalebar_segments", 5)), pr["legend_size"])


    # legend panel: zones first, then the base layers, then details and the provenance note
    y = 1.0
    legend_kw = {"frameon": False, "fontsize": pr["legend_size"], "title_fontsize": pr["legend_size"] + 1.5,
                 "alignment": "left", "handlelength": 2.2, "handleheight": 1.2, "borderaxespad": 0.0}
    side.text(0.0, y, "图  例", fontsize=pr["legend_size"] + 4, fontweight="bold", va="top", transform=side.transAxes)
    y -= 0.045
    for group, h in list(zone_handles.items()) + [("基础图层", handles)]:
        leg = Legend(side, [a for a, _ in h], [_wrap(b, 24) for _, b in h], loc="upper left", bbox_to_anchor=(0.0, y),
                     title=group, **legend_kw)
        side.add_artist(leg)
        fig.canvas.draw()
        bb = leg.get_window_extent().transformed(side.transAxes.inverted())
        y = bb.y0 - 0.025
    if zone_details:
        head = map_style.section("notes").get(f"detail_{spec['label_detail']}", "主要内容")
        body = "\n".join(_wrap(t, 34) for t in zone_details)
        t = side.text(0.0, y, f"{head}\n{body}", fontsize=pr["note_size"] + 0.5, va="top", ha="left",
                      transform=side.transAxes, linespacing=1.4)
        fig.canvas.draw()
        y = t.get_window_extent().transformed(side.transAxes.inverted()).y0 - 0.02
    if unlocated_notes:
        body = "\n".join(_wrap(t, 34) for t in unlocated_notes)
        side.text(0.0, y, body, fontsize=pr["note_size"] + 0.5, va="top", ha="left", transform=side.transAxes,
                  linespacing=1.4, color="#333333")
    note = (
        f"{notes_cfg.get('schematic', '')}\n"
        f"{provenance_note(used)}。\n"
        f"规划依据：《东昌府区产业规划（2021—2030年）》{spec.get('plan_ref', '第八章')}及附图。\n"
        f"{notes_cfg.get('townships', '')}\n"
        "坐标系：CGCS2000，3°带高斯-克吕格投影（EPSG:4548）。\n"
        f"数据日期：{made_on.isoformat()}　制图：dcf_spatial"
    )
    side.text(0.0, 0.0, "\n".join(_wrap(line, 36) for line in note.split("\n") if line), fontsize=pr["note_size"],
              color="#333333", va="bottom", ha="left", transform=side.transAxes, linespacing=1.45)
    fig.text(0.02, 0.02, f"{spec['number']}（{spec.get('plan_ref', '')}） · 示意图，不作为用地审批依据",
             fontsize=pr["note_size"], color="#666666")

    out_dir.mkdir(parents=True, exist_ok=True)
    for fmt, p in paths.items():
        meta = {"Title": title, "Subject": "东昌府区产业规划（2021—2030）附图（示意）", "Creator": "dcf_spatial"}
        if fmt == "pdf":
            # the PDF's date is the map's own date (数据日期), not the second it was written: the same
            # data drawn twice is the same file
            made = _dt.datetime.combine(made_on, _dt.time(), tzinfo=_dt.timezone.utc)
            fig.savefig(p, format="pdf", metadata={**meta, "CreationDate": made})
        elif fmt == "png":
            fig.savefig(p, format="png", dpi=int(pr.get("png_dpi", 200)), metadata={"Title": title})
        logger.info("Wrote %s", p)
    plt.close(fig)
    return paths


def web_map(key: str, out_dir, *, overwrite: bool = False, store=None, basemap: str = "none") -> Path:
    """The interactive HTML version of appendix map ``key``."""
    spec = map_style.appendix_spec(key)
    path = Path(out_dir) / f"{spec['filename']}.html"
    labelled = ["townships"] + list(spec.get("zone_labels", [])) + list(spec.get("inset_layers", []))
    return layers_map(spec["layers"], path, title=f"{spec['number']}  {spec['title']}", subtitle=spec.get("subtitle"),
                      labelled=labelled, basemap=basemap, overwrite=overwrite, store=store)


def appendix_paths(out=None, *, keys=APPENDIX_KEYS, formats=FORMATS) -> dict[str, dict[str, Path]]:
    """The files :func:`appendix_maps` writes, without writing anything.

    Parameters
    ----------
    out
        Output folder; default ``maps/`` in the working directory.
    keys
        Which maps: any of ``"fig1"``, ``"fig2"``, ``"fig3"``.
    formats
        Any of ``"pdf"``, ``"png"``, ``"html"``.

    Returns
    -------
    dict
        ``{key: {format: path}}``.

    Raises
    ------
    InputError
        For a map or a format that does not exist (the message lists the ones that do).

    Examples
    --------
    >>> appendix_paths("maps", keys=["fig3"], formats=["png"])
    {'fig3': {'png': PosixPath('maps/fig3_agri_zones.png')}}
    """
    out = Path(out) if out is not None else Path(DEFAULT_OUT_DIR)
    unknown = [k for k in keys if k not in APPENDIX_KEYS]
    if unknown:
        raise InputError(f"没有附图 {'、'.join(map(str, unknown))}；可选：{'、'.join(APPENDIX_KEYS)}。")
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise InputError(f"不支持的地图格式 {'、'.join(map(str, bad))}；可选：{'、'.join(FORMATS)}。")
    return {key: {fmt: out / f"{map_style.appendix_spec(key)['filename']}.{fmt}" for fmt in formats} for key in keys}


def appendix_maps(out=None, *, overwrite: bool = False, store=None, formats=FORMATS, keys=APPENDIX_KEYS,
                  basemap: str = "none") -> dict[str, dict[str, Path]]:
    """Regenerate the plan's appendix maps 附图1–3 as print maps (PDF, PNG) and web maps (HTML).

    What each map shows (layers, titles, colours, labels) comes from the style file
    (``dcf_spatial/data/map_style.toml``). The date on every map is the date of its data — the
    newest update of the layers it draws (:func:`dcf_spatial.maps.dates.data_date`) — so the same
    layers give the same files on any day. Nothing is written when any output exists and
    ``overwrite`` is False.

    Parameters
    ----------
    out
        Output folder (created if missing); default ``maps/`` in the working directory.
    overwrite
        Replace existing files; otherwise an existing output stops the run before anything is drawn.
    store
        The layer store (``None``: the active store).
    formats
        Any of ``"pdf"`` (A3 landscape, vector), ``"png"`` (``[print] png_dpi``) and ``"html"``
        (offline interactive map).
    keys
        Which maps: any of ``"fig1"`` (产业布局), ``"fig2"`` (四大工业聚集区), ``"fig3"`` (七大农业示范园区).
    basemap
        Basemap of the HTML maps: ``"none"`` (default, offline), ``"osm"``, ``"tianditu"`` or ``"gaode"``.

    Returns
    -------
    dict
        ``{key: {format: path}}`` of the files written.

    Raises
    ------
    InputError
        For an unknown map or format, an existing output without ``overwrite``, or a layer the map
        needs that the store lacks.

    Examples
    --------
    >>> from dcf_spatial.maps import appendix_maps
    >>> paths = appendix_maps("maps/", overwrite=True)  # doctest: +SKIP
    >>> paths["fig1"]["pdf"]  # doctest: +SKIP
    PosixPath('maps/fig1_industry_layout.pdf')
    """
    planned = appendix_paths(out, keys=keys, formats=formats)
    # refuse before drawing anything, so a refused run leaves no half-written set
    if not overwrite:
        existing = [str(p) for paths in planned.values() for p in paths.values() if p.exists()]
        if existing:
            raise InputError(f"{'、'.join(existing)} 已存在，未覆盖。要替换已有文件，请允许覆盖（overwrite=True）。")
    out_dir = Path(out) if out is not None else Path(DEFAULT_OUT_DIR)
    result = {}
    for key in keys:
        paths = print_map(key, out_dir, overwrite=overwrite, store=store,
                          formats=[f for f in formats if f in ("pdf", "png")])
        if "html" in formats:
            paths["html"] = web_map(key, out_dir, overwrite=overwrite, store=store, basemap=basemap)
        result[key] = paths
    logger.info("Wrote %d appendix map files to %s", sum(len(v) for v in result.values()), out_dir)
    return result
