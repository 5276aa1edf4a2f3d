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
from .webmap import PROVENANCE_ZH, display_value, layers_map

logger = logging.getLogger(__name__)

FONT_FAMILY = fonts.register()

APPENDIX_KEYS = ("fig1", "fig2", "fig3")
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


def _scale_bar(ax, km: float, segments: int, size: float):
    from matplotlib_scalebar.scalebar import ScaleBar

    ax.add_artist(ScaleBar(1.0, units="m", dimension="si-length", fixed_value=km, fixed_units="km",
                           location="lower left", box_alpha=0.85, scale_loc="top", length_fraction=None,
                           scale_formatter=lambda value, unit: f"{value:g} 千米", font_properties={"size": size},
                           border_pad=0.8, sep=3))


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width)) if text else ""


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


def print_map(key: str, out_dir, *, overwrite: bool = False, store=None, formats=("pdf", "png")) -> dict[str, Path]:
    """Draw appendix map ``key`` (``"fig1"``…) as PDF (A3 landscape, vector) and PNG; return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import patheffects
    from adjustText import adjust_text

    spec = map_style.appendix_spec(key)
    pr = map_style.section("print")
    notes_cfg = map_style.section("notes")
    out_dir = Path(out_dir)
    paths = {fmt: out_dir / f"{spec['filename']}.{fmt}" for fmt in formats}
    for p in paths.values():
        if p.exists() and not overwrite:
            raise InputError(f"{p} exists. Pass --overwrite (overwrite=True) to replace it.")
    title = f"{spec['number']}  {spec['title']}"
    fonts.check_text(title + spec.get("subtitle", ""))

    fig = plt.figure(figsize=(pr["page_width_in"], pr["page_height_in"]), facecolor=pr.get("background", "white"))
    ax = fig.add_axes([0.025, 0.05, 0.70, 0.83])
    side = fig.add_axes([0.745, 0.05, 0.235, 0.83])
    side.axis("off")
    fig.text(0.5, 0.955, title, ha="center", va="center", fontsize=pr["title_size"], fontweight="bold")
    if spec.get("subtitle"):
        fig.text(0.5, 0.913, spec["subtitle"], ha="center", va="center", fontsize=pr["subtitle_size"], color="#444444")

    used: dict[str, str] = {}
    handles: list[tuple] = []
    zone_handles: dict[str, list] = {}
    frames = {}
    for lid in spec["layers"]:
        try:
            gdf = _read(lid, store)
        except DcfError as exc:
            raise InputError(f"{spec['number']} needs layer {lid!r}: {exc}") from None
        st = map_style.layer_style(lid)
        colors = _draw_layer(ax, gdf, lid, st)
        frames[lid] = gdf
        used[st["label"]] = gdf.attrs.get("provenance") or "/".join(sorted(set(gdf.get("provenance", []))))
        by_zone = lid in spec.get("legend_by_zone", [])
        h = _legend_handles(lid, st, gdf, colors, by_zone)
        if by_zone:
            zone_handles[st["label"]] = h
        else:
            handles.extend(h)

    # frame: the district with a margin, north up, metres
    district = dcf_crs.to_working(frames["district"]) if "district" in frames else dcf_crs.to_working(next(iter(frames.values())))
    x0, y0, x1, y1 = district.total_bounds
    mx, my = (x1 - x0) * 0.04, (y1 - y0) * 0.04
    ax.set_xlim(x0 - mx, x1 + mx)
    ax.set_ylim(y0 - my, y1 + my)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for s in ax.spines.values():
        s.set_edgecolor(pr.get("frame_color", "#333333"))
        s.set_linewidth(1.2)

    halo = [patheffects.withStroke(linewidth=2.6, foreground="white")]
    texts = []
    if "townships" in frames:
        tw = dcf_crs.to_working(frames["townships"])
        for pt, name in zip(tw.geometry.representative_point(), tw["name_zh"].astype(str)):
            # halo drawn as a path underneath, the name itself as real (searchable, copyable) PDF text
            ax.text(pt.x, pt.y, name, fontsize=pr["label_size"], color="white", ha="center", va="center",
                    path_effects=halo, zorder=9.9)
            texts.append(ax.text(pt.x, pt.y, name, fontsize=pr["label_size"], color="#555555", ha="center",
                                 va="center", zorder=10))
    zone_texts = []
    for lid in spec.get("zone_labels", []):
        zw = dcf_crs.to_working(frames[lid]) if lid in frames else None
        if zw is None:
            continue
        for _, row in zw.iterrows():
            detail = _detail_text(row.get(spec.get("label_detail") or "", None)) if spec.get("label_detail") else ""
            label = str(row["name_zh"]) + ("\n" + _wrap(detail, 12) if detail else "")
            pt = row.geometry.representative_point()
            zone_texts.append(ax.text(pt.x, pt.y, label, fontsize=pr["label_size"] + 0.5, color="#111111", ha="center",
                                      va="center", fontweight="bold", linespacing=1.25, zorder=12,
                                      bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "#888888",
                                            "alpha": 0.88, "linewidth": 0.5}))
    if zone_texts:
        # labels are nudged apart by adjustText (a maintained library), with leader lines when moved
        # township names stay put (objects to avoid); zone labels move, with a leader line when moved
        adjust_text(zone_texts, ax=ax, objects=texts or None, expand=(1.15, 1.3), only_move={"text": "xy"},
                    arrowprops={"arrowstyle": "-", "color": "#666666", "lw": 0.6}, ensure_inside_axes=True)

    _north_arrow(ax)
    _scale_bar(ax, float(pr.get("scalebar_km", 10)), int(pr.get("scalebar_segments", 5)), pr["legend_size"])

    # legend panel: zones first, then the base layers
    from matplotlib.legend import Legend

    y = 1.0
    legend_kw = {"frameon": False, "fontsize": pr["legend_size"], "title_fontsize": pr["legend_size"] + 1.5,
                 "alignment": "left", "handlelength": 2.2, "handleheight": 1.2, "borderaxespad": 0.0}
    side.text(0.0, y, "图  例", fontsize=pr["legend_size"] + 4, fontweight="bold", va="top", transform=side.transAxes)
    y -= 0.045
    for group, h in list(zone_handles.items()) + [("基础图层", handles)]:
        leg = Legend(side, [a for a, _ in h], [_wrap(b, 22) for _, b in h], loc="upper left", bbox_to_anchor=(0.0, y),
                     title=group, **legend_kw)
        leg._legend_box.align = "left"
        side.add_artist(leg)
        fig.canvas.draw()
        bb = leg.get_window_extent().transformed(side.transAxes.inverted())
        y = bb.y0 - 0.02
    note = (
        f"{notes_cfg.get('schematic', '')}\n"
        f"{provenance_note(used)}。\n"
        f"规划依据：《东昌府区产业规划（2021—2030年）》{spec.get('plan_ref', '第八章')}及附图。\n"
        "镇（街道）界线为示意（由镇街代表点生成的泰森多边形裁切于区界），非法定界线。\n"
        f"坐标系：CGCS2000，3°带高斯-克吕格投影（EPSG:4548）。\n"
        f"制图日期：{_dt.date.today().isoformat()}  制图：dcf_spatial"
    )
    side.text(0.0, 0.0, "\n".join(_wrap(line, 30) for line in note.split("\n")), fontsize=pr["note_size"], color="#333333",
              va="bottom", ha="left", transform=side.transAxes, linespacing=1.45)
    fig.text(0.025, 0.02, f"{spec['number']}（{spec.get('plan_ref', '')}） · 示意图，不作为用地审批依据",
             fontsize=pr["note_size"], color="#666666")

    out_dir.mkdir(parents=True, exist_ok=True)
    for fmt, p in paths.items():
        meta = {"Title": title, "Subject": "东昌府区产业规划（2021—2030）附图（示意）", "Creator": "dcf_spatial"}
        if fmt == "pdf":
            fig.savefig(p, format="pdf", metadata=meta)
        elif fmt == "png":
            fig.savefig(p, format="png", dpi=int(pr.get("png_dpi", 200)), metadata={"Title": title})
        logger.info("Wrote %s", p)
    plt.close(fig)
    return paths


def web_map(key: str, out_dir, *, overwrite: bool = False, store=None, basemap: str = "none") -> Path:
    """The interactive HTML version of appendix map ``key``."""
    spec = map_style.appendix_spec(key)
    path = Path(out_dir) / f"{spec['filename']}.html"
    labelled = ["townships"] + list(spec.get("zone_labels", []))
    return layers_map(spec["layers"], path, title=f"{spec['number']}  {spec['title']}", subtitle=spec.get("subtitle"),
                      labelled=labelled, basemap=basemap, overwrite=overwrite, store=store)


def appendix_maps(out_dir=None, *, keys=APPENDIX_KEYS, formats=FORMATS, overwrite: bool = False, store=None) -> dict:
    """Regenerate the appendix maps; returns ``{key: {format: path}}``.

    Examples
    --------
    >>> appendix_maps("maps/", overwrite=True)  # doctest: +SKIP
    """
    from .. import settings

    out_dir = Path(out_dir) if out_dir is not None else settings.repo_root / "maps"
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise InputError(f"Unknown map format(s) {bad}; choose from {', '.join(FORMATS)}.")
    # refuse before drawing anything, so a refused run leaves no half-written set
    for key in keys:
        spec = map_style.appendix_spec(key)
        for fmt in formats:
            p = out_dir / f"{spec['filename']}.{fmt}"
            if p.exists() and not overwrite:
                raise InputError(f"{p} exists. Pass --overwrite to replace it.")
    out = {}
    for key in keys:
        paths = print_map(key, out_dir, overwrite=overwrite, store=store,
                          formats=[f for f in formats if f in ("pdf", "png")])
        if "html" in formats:
            paths["html"] = web_map(key, out_dir, overwrite=overwrite, store=store)
        out[key] = paths
    return out
