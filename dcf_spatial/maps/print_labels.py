"""Labels on the print maps: names of townships, zones, parks and lines, placed so they stay legible.

Township names in grey with a white halo; zone labels in white boxes above their zone, spread
apart with adjustText (a fixed number of steps, so the maps are the same on any machine) and tied
to their zone by a leader line when they end up away from it; each canal named along its line where
it is clearest; Chinese text wrapped without a line starting with punctuation (避头点). Used by
:mod:`dcf_spatial.maps.print_layout`.
"""

from __future__ import annotations

import textwrap

from .. import crs as dcf_crs
from . import style as map_style
from .encode import display_value

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



CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


ROMAN = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ"


def _number(i: int, series: str = "circled") -> str:
    """Label number ``i`` (0-based) in a series: ①② … or Ⅰ Ⅱ … (two layers on one map use two series)."""
    chars = ROMAN if series == "roman" else CIRCLED
    return chars[i] if i < len(chars) else f"({i + 1})"



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
                path_effects=halo, zorder=9.9, parse_math=False)
        texts.append(ax.text(pt.x, pt.y, name, fontsize=size or pr["label_size"], color="#555555", ha="center",
                             va="center", zorder=10, parse_math=False))
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
                                 path_effects=[patheffects.withStroke(linewidth=2.4, foreground="white")], zorder=10.5, parse_math=False))
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
                         "alpha": 0.9, "linewidth": 0.5}, parse_math=False)


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

    # the frame's final position (its 1:1 aspect) is all the text boxes below need: not a draw of the
    # whole page (every label, arrow and legend of the map) that nothing looks at
    ax.apply_aspect()
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
    # the frame's final position (its 1:1 aspect) is all the text boxes below need: not a draw of the
    # whole page (every label, arrow and legend of the map) that nothing looks at
    ax.apply_aspect()
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
