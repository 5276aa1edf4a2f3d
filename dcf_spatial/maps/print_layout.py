"""The print layout of an appendix map: PDF (A3 landscape, vector) and PNG, drawn with matplotlib.

What each map shows (layers, titles, colours, labels) is defined in the style file
(``[appendix.fig1]`` …, :mod:`dcf_spatial.maps.style`); this module only lays it out: the map
frame in the working CRS (EPSG:4548, so the scale bar is true), legend and notes in a side panel
that never covers data, scale bar in km, north arrow, the labels (:mod:`dcf_spatial.maps.print_labels`),
the date of the data (:mod:`dcf_spatial.maps.dates`) and a provenance note naming every schematic
layer drawn; 附图2 adds one zoomed panel per cluster. The maps draw with a subset of the CJK font
holding just their text (:func:`appendix_text`, :func:`dcf_spatial.maps.fonts.print_rc`); a text the
subset lacks is found before saving and the map drawn again with it, and a character no font has fails
loudly (:class:`~dcf_spatial.maps.fonts.FontError`) rather than print a tofu box.
"""

from __future__ import annotations

import datetime as _dt
import logging
import warnings
from pathlib import Path

from .. import crs as dcf_crs
from ..errors import DcfError, InputError
from . import fonts
from . import style as map_style
from .builder import PROVENANCE_ZH
from .dates import data_date
from .print_labels import (
    _detail_text,
    _keep_inside,
    _label_obstacles,
    _label_parts,
    _leaders,
    _line_labels,
    _number,
    _panel_header,
    _spread,
    _township_labels,
    _two_lines,
    _wrap,
    _zone_label,
)

logger = logging.getLogger(__name__)

#: the modules whose string literals end up on a print map (legend headings, notes, labels)
_LAYOUT_MODULES = ("print_layout.py", "print_labels.py", "style.py", "builder.py", "dates.py")


def _strings(value):
    """Every string inside a parsed style file (nested tables and arrays)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def appendix_text(store=None) -> str:
    """Every character the three appendix maps can draw, for the font subset they share.

    The style file's strings (titles, legend labels, notes), the text cells of every layer the
    three maps read, and the characters of the layout code's own literals (headings such as 图例 and
    基础图层, the note lines): read from the source files, so a heading added to the code is in the
    subset without a list to keep up to date. The same layers and style give the same text, whichever
    of the maps is drawn, so each map's files are the same drawn alone or with the others.

    Parameters
    ----------
    store
        The layer store (``None``: the active store). A layer the store lacks is left out here
        (drawing the map that needs it names it).

    Returns
    -------
    str
        The distinct characters, sorted.

    Examples
    --------
    >>> "图" in appendix_text()  # doctest: +SKIP
    True
    """
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    style = map_style.load_style()
    chars = set("".join(_strings(style)))
    here = Path(__file__).parent
    for name in _LAYOUT_MODULES:
        chars.update(c for c in (here / name).read_text(encoding="utf-8") if ord(c) > 127)
    # the layers of every appendix map the style file defines (附图1–3)
    for lid in dict.fromkeys(lid for spec in style.get("appendix", {}).values() for lid in spec.get("layers", [])):
        try:
            gdf = _read(lid, store)
        except DcfError:
            continue
        chars.update(str(gdf.attrs.get("provenance") or ""))
        for col in gdf.columns:
            if col != gdf.geometry.name and not is_numeric_dtype(gdf[col]) and not is_bool_dtype(gdf[col]):
                chars.update("".join(map(str, gdf[col].dropna().astype(str).unique())))
    return "".join(sorted(chars))


def _read(layer_id: str, store=None):
    from ..store.catalog import read_layer

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
    ax.text(x, y + 0.012, "北", transform=ax.transAxes, ha="center", va="bottom", fontsize=13, fontweight="bold", zorder=20, parse_math=False)


def _scale_bar(ax, km: float | None, segments: int, size: float):
    from matplotlib_scalebar.scalebar import ScaleBar

    ax.add_artist(ScaleBar(1.0, units="m", dimension="si-length", fixed_value=km, fixed_units="km" if km else None,
                           location="lower left", box_alpha=0.85, scale_loc="top", length_fraction=None,
                           scale_formatter=lambda value, unit: f"{value:g} 千米" if unit == "km" else f"{value:g} 米", font_properties={"size": size},
                           border_pad=0.8, sep=3))


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
                    _draw_layer(ax, g, lid, map_style.layer_style(lid))
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
                 fontsize=pr["label_size"] - 0.5, va="bottom", ha="left", linespacing=1.3, parse_math=False)
        try:
            _scale_bar(ax, None, 0, pr["note_size"])
        except Exception:  # pragma: no cover - a scale bar must never stop a map
            logger.debug("inset scale bar failed", exc_info=True)
        panels.append((i, window))
    return panels


def print_map(key: str, out_dir, *, overwrite: bool = False, store=None, formats=("pdf", "png")) -> dict[str, Path]:
    """Draw appendix map ``key`` (``"fig1"``…) as PDF (A3 landscape, vector) and PNG; return the paths.

    Parameters
    ----------
    key
        ``"fig1"``, ``"fig2"`` or ``"fig3"`` (``[appendix.<key>]`` in the style file).
    out_dir
        Output folder (created if missing); the file names come from the style file.
    overwrite
        Replace existing files; otherwise an existing output raises before drawing.
    store
        The layer store (``None``: the active store).
    formats
        Any of ``"pdf"`` and ``"png"``.

    Returns
    -------
    dict
        ``{format: path}`` of the files written.

    Examples
    --------
    >>> print_map("fig3", "out/", formats=("png",))  # doctest: +SKIP
    {'png': PosixPath('out/fig3_agri_zones.png')}
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

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
    text = appendix_text(store)
    for attempt in (1, 2):
        rc = fonts.print_rc(text)
        with matplotlib.rc_context(rc), warnings.catch_warnings():
            # matplotlib warns of each glyph the subset lacks as it lays text out; uncovered() below
            # finds them all at once and either draws again with them or fails naming them
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
            fig, made_on = _compose(spec, title, store, pr, notes_cfg)
            drawn = "".join(t.get_text() for t in fig.findobj(Text))
            more, nowhere = fonts.uncovered(drawn, rc)
            if nowhere:
                plt.close(fig)
                raise fonts.FontError(f"{spec['number']} 的文字中有字符 {nowhere!r} 没有任何地图字体的字形，印出来会是方框"
                                      "（tofu）。请在图层或样式文件中替换这些字符。")
            if more and attempt == 1:
                # a text the shared subset lacks (a label made from data outside appendix_text): draw
                # again with a subset that has it, so that layout and glyphs come from one font
                logger.info("%s: characters %r not in the font subset; drawing again with them", key, more)
                plt.close(fig)
                text += more
                continue
            _save(fig, paths, title, made_on, pr)
        return paths
    raise AssertionError("unreachable")  # pragma: no cover


def _save(fig, paths, title, made_on, pr):
    import matplotlib.pyplot as plt

    for p in paths.values():
        p.parent.mkdir(parents=True, exist_ok=True)
    for fmt, p in paths.items():
        meta = {"Title": title, "Subject": "《东昌府区产业规划（2021-2030年）》附图（示意）", "Creator": "dcf_spatial"}
        if fmt == "pdf":
            # the PDF's date is the map's own date (数据日期), not the second it was written: the same
            # data drawn twice is the same file
            made = _dt.datetime.combine(made_on, _dt.time(), tzinfo=_dt.timezone.utc)
            fig.savefig(p, format="pdf", metadata={**meta, "CreationDate": made})
        elif fmt == "png":
            # zlib level 3, not PIL's 6: half the time of encoding an A3 page at 200 dpi for 6 % more bytes
            fig.savefig(p, format="png", dpi=int(pr.get("png_dpi", 200)), metadata={"Title": title},
                        pil_kwargs={"compress_level": 3})
        logger.info("Wrote %s", p)
    plt.close(fig)


def _compose(spec, title, store, pr, notes_cfg):
    """Lay out one appendix map on a new figure (nothing saved); return the figure and its data date."""
    import matplotlib.pyplot as plt
    from matplotlib.legend import Legend
    from matplotlib.patches import Rectangle

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
    # every layer in the frame's CRS once, here: the layout and labels work in metres, and each of
    # them reprojected the layer again (the 附图2 panels twice per layer and panel)
    for lid, gdf in frames.items():
        attrs = dict(gdf.attrs)
        frames[lid] = dcf_crs.to_working(gdf)
        frames[lid].attrs.update(attrs)
    insets = bool(spec.get("inset_layers")) and "industrial_clusters" in frames
    # the date the map states is its data's (the newest update of the layers drawn), not the clock's
    made_on = data_date(spec["layers"], store=store) or _dt.date.today()

    fig = plt.figure(figsize=(pr["page_width_in"], pr["page_height_in"]), facecolor=pr.get("background", "white"))
    # geopandas' .plot() ends with canvas.draw_idle(), which on the Agg canvas draws the whole page:
    # ~60 full draws per map that nothing looks at (savefig draws once more). Off for this figure.
    fig.canvas.draw_idle = lambda *args, **kwargs: None
    ax = fig.add_axes([0.015, 0.05, 0.415, 0.83] if insets else [0.025, 0.05, 0.70, 0.83])
    side = fig.add_axes([0.755, 0.05, 0.23, 0.83])
    side.axis("off")
    fig.text(0.5, 0.955, title, ha="center", va="center", fontsize=pr["title_size"], fontweight="bold", parse_math=False)
    if spec.get("subtitle"):
        fig.text(0.5, 0.913, spec["subtitle"], ha="center", va="center", fontsize=pr["subtitle_size"], color="#444444", parse_math=False)

    district = dcf_crs.to_working(frames["district"]) if "district" in frames else None
    used: dict[str, str] = {}
    handles: list[tuple] = []
    zone_handles: dict[str, list] = {}
    zone_details: list[str] = []
    for lid, gdf in frames.items():
        st = map_style.layer_style(lid)
        prov = gdf.attrs.get("provenance") or "/".join(sorted(set(gdf.get("provenance", []))))
        st["label"] = map_style.label_for(st["label"], prov)
        drawn = _clip_lines(gdf, lid, st, district.to_crs(gdf.crs) if district is not None else None)
        colors = _draw_layer(ax, drawn, lid, st) if len(drawn) else []
        used[st["label"]] = prov
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
    side.text(0.0, y, "图  例", fontsize=pr["legend_size"] + 4, fontweight="bold", va="top", transform=side.transAxes, parse_math=False)
    y -= 0.045
    for group, h in list(zone_handles.items()) + [("基础图层", handles)]:
        leg = Legend(side, [a for a, _ in h], [_wrap(b, 24) for _, b in h], loc="upper left", bbox_to_anchor=(0.0, y),
                     title=group, **legend_kw)
        side.add_artist(leg)
        # a legend's box is known without drawing the page (its place comes from loc and the anchor)
        bb = leg.get_window_extent().transformed(side.transAxes.inverted())
        y = bb.y0 - 0.025
    if zone_details:
        head = map_style.section("notes").get(f"detail_{spec['label_detail']}", "主要内容")
        body = "\n".join(_wrap(t, 34) for t in zone_details)
        t = side.text(0.0, y, f"{head}\n{body}", fontsize=pr["note_size"] + 0.5, va="top", ha="left",
                      transform=side.transAxes, linespacing=1.4, parse_math=False)
        y = t.get_window_extent().transformed(side.transAxes.inverted()).y0 - 0.02
    if unlocated_notes:
        body = "\n".join(_wrap(t, 34) for t in unlocated_notes)
        side.text(0.0, y, body, fontsize=pr["note_size"] + 0.5, va="top", ha="left", transform=side.transAxes,
                  linespacing=1.4, color="#333333", parse_math=False)
    note = (
        f"{notes_cfg.get('schematic', '')}\n"
        f"{provenance_note(used)}。\n"
        f"规划依据：《东昌府区产业规划（2021-2030年）》{spec.get('plan_ref', '第八章')}及附图。\n"
        f"{notes_cfg.get('townships', '')}\n"
        "坐标系：CGCS2000，3°带高斯-克吕格投影（EPSG:4548）。\n"
        f"数据日期：{made_on.isoformat()}　制图：dcf_spatial"
    )
    side.text(0.0, 0.0, "\n".join(_wrap(line, 36) for line in note.split("\n") if line), fontsize=pr["note_size"],
              color="#333333", va="bottom", ha="left", transform=side.transAxes, linespacing=1.45, parse_math=False)
    fig.text(0.02, 0.02, f"{spec['number']}（{spec.get('plan_ref', '')}） · 示意图，不作为用地审批依据",
             fontsize=pr["note_size"], color="#666666", parse_math=False)

    return fig, made_on
