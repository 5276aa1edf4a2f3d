"""核查意见 as an editable Word document (python-docx), from a :class:`dcf_spatial.SiteCheck`.

Same content as the HTML report (``SiteCheck.to_report``): the inputs, the verdict, the reasons
with their plan clauses, the zones touched (亩, shares), the nearest designated clusters, the
land-use control indicators and the data note, with a small map picture of the site over the
plan's zones (matplotlib's object API, no pyplot: safe in a server thread).
"""

from __future__ import annotations

from pathlib import Path
import logging

from ..queries.site.tables import zone_headers_zh

logger = logging.getLogger(__name__)


def _fmt(v, digits=2) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{digits}f}".rstrip("0").rstrip(".") if v == v else "—"
    return str(v)


def policy_line(answer) -> str:
    """The one-line 核查口径 statement the desk's page shows under the verdict, for both report files.

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> policy_line(dcf.check_site("115.7353,36.3611", "轴承", policy={"industry_outside_clusters": "conditional"}))  # doctest: +SKIP
    '核查口径：集聚区外新建工业项目——引导入园：有条件符合（本次选用，非默认口径）'
    """
    from ..queries.site.present import policy_statement

    reasons = answer.results[0].get("reasons", []) if answer.results else []
    return "核查口径：" + policy_statement(getattr(answer, "policy", None), reasons)


def area_text(site: dict) -> str:
    """The site's area as the report says it: 亩, or 面积未知（点位） for a point given without an area
    (never "0 亩", as the CLI says 面积未知).

    Examples
    --------
    >>> area_text({"area_mu": 40.0})
    '40 亩'
    >>> area_text({"area_mu": 0.0, "geometry_type": "Point"})
    '面积未知（点位）'
    """
    mu = site.get("area_mu")
    if not mu:
        return "面积未知（点位）" if "Point" in str(site.get("geometry_type") or "") else "面积未知"
    return f"{_fmt(mu)} 亩"


def zone_cells(z: dict) -> list[str]:
    """The 亩 and share cells of a zone touched: a point feature (特色小镇) has no area, so no share.

    Examples
    --------
    >>> zone_cells({"overlap_mu": 40.0, "share": 1.0})
    ['40', '100%']
    >>> zone_cells({"overlap_mu": 0.0, "share": 1.0, "point": True})
    ['—（点位）', '点位，位于其内']
    """
    if z.get("point"):
        return ["—（点位）", "点位，位于其内"]
    return [_fmt(z.get("overlap_mu")), f"{_fmt((z.get('share') or 0) * 100, 1)}%"]


def _keep_with_next(paragraph):
    """Word's 与下段同页 on ``paragraph`` (a heading stays on the page of its table)."""
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def write_docx(answer, path: Path | str) -> Path:
    """Write one site's 核查意见 to ``path`` (.docx).

    Parameters
    ----------
    answer
        A one-site :class:`~dcf_spatial.SiteCheck`.
    path
        The file to write.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> write_docx(dcf.check_site("115.75,36.455", "轴承"), "核查意见.docx")   # doctest: +SKIP
    """
    from docx import Document
    from docx.oxml.ns import qn

    r = answer.to_dict()
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "SimSun"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")

    doc.add_heading(answer.title or "项目选址核查", level=1)
    project = (answer.inputs or {}).get("项目名称")
    if project:  # the title block names the project (the desk's 项目名称), not only the file name
        doc.add_paragraph(f"项目名称：{project}")
    doc.add_paragraph(f"核查结论：{r.get('verdict_zh', '')}")
    doc.add_paragraph(policy_line(answer))

    png = Path(path).with_suffix(".map.png")
    try:
        if _map_png(answer, png):
            from docx.shared import Cm

            doc.add_picture(str(png), width=Cm(16))
            doc.add_paragraph(MAP_CAPTION)
    finally:
        png.unlink(missing_ok=True)

    inputs = [(k, v) for k, v in (answer.inputs or {}).items() if v not in (None, "", False)]
    if inputs:
        doc.add_heading("核查输入", level=2)
        _table(doc, ["项目", "内容"], [[k, _fmt(v)] for k, v in inputs])

    doc.add_heading("判定理由", level=2)
    for reason in r.get("reasons", []):
        doc.add_paragraph(reason.get("text_zh", ""), style="List Bullet")

    site = r.get("site") or {}
    towns = "、".join(f"{t['name_zh']}（{_fmt(t.get('share', 0) * 100, 1)}%）" for t in r.get("townships", []))
    doc.add_paragraph(f"场地面积：{area_text(site)}；所在镇（街道）：{towns or '—'}")

    doc.add_heading("涉及分区", level=2)
    zones = r.get("zones", [])
    if zones:
        _table(doc, ["分区", "图层", *zone_headers_zh(site), "规划依据"],
               [[z.get("name_zh"), z.get("layer_title_zh"), *zone_cells(z), z.get("plan_ref")] for z in zones])
    else:
        doc.add_paragraph("场地不在任何规划分区内。")

    designated = r.get("designated_zones", [])
    if designated:
        _keep_with_next(doc.add_heading("对口分区（由近及远）", level=2))
        _table(doc, ["分区", "距离（km）"], [[z.get("name_zh"), _fmt(z.get("distance_km"))] for z in designated])

    indicators = r.get("indicators", [])
    if indicators:
        doc.add_heading("用地控制指标", level=2)
        _table(doc, ["指标", "项目值", "控制值", "结果", "说明"],
               [[i.get("name_zh"), _fmt(i.get("value"), 3),
                 f"{i.get('comparator') or ''} {_fmt(i.get('threshold'))}".strip(), i.get("status_zh"), i.get("note")]
                for i in indicators])
        note = next((i.get("edition_note") for i in indicators if i.get("edition_note")), None)
        if note:
            doc.add_paragraph(note)

    doc.add_heading("数据说明", level=2)
    prov = (r.get("provenance") or {}).get("note_zh")
    doc.add_paragraph(prov or "所用图层均为权威或参考数据。")
    for n in r.get("read_notes", []):
        doc.add_paragraph(f"读取说明：{n}")
    doc.save(path)
    return Path(path)


#: plan layers drawn under the site in the picture (bottom to top)
MAP_LAYERS = ("townships", "agri_zones", "service_core", "service_groups", "industrial_clusters", "cluster_parks")
#: zone layers whose features each get a legend entry (by name); the others get one entry per layer
LEGEND_BY_ZONE = ("agri_zones", "service_core", "service_groups", "industrial_clusters", "cluster_parks")
#: legend entries at most (the picture is 15 cm wide); more zones are summed up in one line
LEGEND_MAX = 12
SITE_RGB = "#0050d0"
#: the nearest designated zones the picture points to, and how near (km) one must be to be drawn in the frame
DESIGNATED_SHOWN = 2
DESIGNATED_FRAME_KM = 12.0
DESIGNATED_RGB = "#1a7f37"
#: the picture (inches) and its map frame (figure fractions: left, bottom, width, height); the legend
#: panel takes the right third, the provenance note the strip below
FIG_INCHES = (7.2, 4.6)
MAP_BOX = (0.01, 0.09, 0.64, 0.89)
#: the caption under the picture in both reports
MAP_CAPTION = ("图：场地（蓝色）与周边规划分区；绿色虚线与箭头为本行业最近的对口分区及距离。图例、比例尺、指北针见图内；"
               "图层为示意数据的，边界仅供参考。")


def map_picture(answer, png: Path) -> dict | None:
    """Draw the site over the plan's zones around it, with a legend, a scale bar, a north arrow and the
    provenance note, to ``png``; ``None`` when there is nothing to draw.

    The frame is the measuring CRS (EPSG:4548, metres, north up), so the scale bar is true; the scale
    bar is matplotlib-scalebar's, the north arrow and legend handles are the appendix maps' own
    (:mod:`dcf_spatial.maps.print_layout`), and the CJK font is a subset of the project's Noto Sans SC
    holding the appendix maps' characters and this module's words (redrawn with a larger subset when a
    label needs it), so no label falls back to a box. Drawn with matplotlib's object API
    (no pyplot): safe in a server thread.

    Parameters
    ----------
    answer
        A one-site :class:`~dcf_spatial.SiteCheck`.
    png
        The PNG to write.

    Returns
    -------
    dict or None
        ``{"legend": [labels], "note": provenance note, "layers": [layer ids drawn], "designated": [the nearest
        zones designated for the industry the picture points to: name_zh, distance_km, in_frame]}``; a designated
        zone within :data:`DESIGNATED_FRAME_KM` widens the frame to show it, a farther one gets an arrow.

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> map_picture(dcf.check_site("115.75,36.455", "轴承"), Path("map.png"))["legend"][0]   # doctest: +SKIP
    '场地'
    """
    import warnings

    import geopandas as gpd
    import matplotlib
    import shapely.geometry
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.text import Text

    import dcf_spatial as dcf

    from .. import crs as dcf_crs
    from ..maps import fonts
    from ..maps import print_layout as pl
    from ..maps.style import layer_style

    sites = answer.sites
    if sites is None or len(sites) == 0 or sites.geometry.is_empty.all():
        return None
    sites = sites.to_crs(4490)
    work_sites = dcf_crs.to_working(sites)
    x0, y0, x1, y1 = work_sites.total_bounds
    pad = max(x1 - x0, y1 - y0) * 2 + 2000  # the site and about 2 km around it
    # where the plan sends the project: the nearest designated zones, with the point of each nearest the site
    site_geom = work_sites.union_all() if hasattr(work_sites, "union_all") else work_sites.unary_union
    targets = _designated_targets(answer, site_geom)
    near = [t for t in targets if t["distance_km"] <= DESIGNATED_FRAME_KM]
    if near:  # widen the frame to show the near ones (about 1.5 km beyond their nearest point)
        xs = [x0, x1] + [t["to"].x for t in near]
        ys = [y0, y1] + [t["to"].y for t in near]
        x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
        pad = 2500
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w = half_h = max(x1 - x0, y1 - y0) / 2 + pad
    half_w *= MAP_BOX[2] * FIG_INCHES[0] / (MAP_BOX[3] * FIG_INCHES[1])  # the frame fills the map box at 1:1
    frame = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    lon0, lat0, lon1, lat1 = gpd.GeoSeries.from_xy([frame[0], frame[2]], [frame[1], frame[3]],
                                                   crs=work_sites.crs).to_crs(4490).total_bounds
    bbox = (lon0 - 0.01, lat0 - 0.01, lon1 + 0.01, lat1 + 0.01)

    def draw():
        fig = Figure(figsize=FIG_INCHES, dpi=150)
        ax = fig.add_axes(MAP_BOX)
        side = fig.add_axes((0.67, 0.09, 0.32, 0.89))
        side.set_axis_off()
        metas = {r["id"]: r for r in dcf.layers().to_dict(orient="records")}
        handles, used, drawn = [], {}, []
        for lid in MAP_LAYERS:
            if lid not in metas:
                continue
            gdf = dcf.layer(lid, bbox=bbox)
            # only what the frame shows: the legend names no zone that is not in the picture
            gdf = gdf[dcf_crs.to_working(gdf).intersects(shapely.geometry.box(*frame)).to_numpy()]
            if len(gdf) == 0:
                continue
            st = dict(layer_style(lid))
            st.setdefault("label", metas[lid].get("title_zh") or lid)
            colors = pl._draw_layer(ax, gdf, lid, st)
            by_zone = lid in LEGEND_BY_ZONE and "name_zh" in gdf.columns
            handles += pl._legend_handles(lid, st, gdf, colors, by_zone)
            used[st["label"]] = metas[lid].get("provenance") or ""
            drawn.append(lid)
        # the designated zones: their outline (dashed green) and a line from the site to each, with its name and
        # distance; a zone beyond the frame gets an arrow at the frame's edge pointing to it
        fb = shapely.geometry.box(*frame)
        for i, t in enumerate(targets):
            part = t["geom"].intersection(fb)
            if not part.is_empty:
                gpd.GeoSeries([part.boundary]).plot(ax=ax, color=DESIGNATED_RGB, linewidth=1.8, linestyle="--", zorder=26)
            start = t["from"]
            end = t["to"] if fb.contains(t["to"]) else _edge_point(start, t["to"], frame)
            ax.annotate("", xy=(end.x, end.y), xytext=(start.x, start.y), zorder=27,
                        arrowprops=dict(arrowstyle="-|>", color=DESIGNATED_RGB, lw=1.4, shrinkA=6, shrinkB=0))
            ax.text(end.x, end.y, mark_absent(f"{t['name_zh']} {t['distance_km']:.1f} km", absent), fontsize=7,
                    color=DESIGNATED_RGB, ha="right" if end.x > cx else "left", va="bottom" if i == 0 else "top", zorder=28,
                    parse_math=False, bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1))
        # the site on top, in a colour no plan layer uses, with a white halo so it reads over any fill
        if work_sites.geom_type.isin(["Point", "MultiPoint"]).all():
            work_sites.plot(ax=ax, color=SITE_RGB, edgecolor="white", markersize=60, linewidth=1.2, zorder=30)
            site_handle = Line2D([], [], marker="o", linestyle="none", markerfacecolor=SITE_RGB, markeredgecolor="white",
                                 markersize=8)
        else:
            work_sites.boundary.plot(ax=ax, color="white", linewidth=4, zorder=29)
            work_sites.boundary.plot(ax=ax, color=SITE_RGB, linewidth=2.2, zorder=30)
            site_handle = Line2D([], [], color=SITE_RGB, linewidth=2.2)
        ax.set_xlim(frame[0], frame[2])
        ax.set_ylim(frame[1], frame[3])
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")  # geopandas names the CRS axes ("Easting [metre]"): not for a report picture
        ax.set_ylabel("")
        for spine in ax.spines.values():
            spine.set_edgecolor("#888888")
        pl._north_arrow(ax, x=0.93, y=0.94, size=0.09)
        pl._scale_bar(ax, None, 0, 8)

        # the zones the site touches first (the 涉及分区 table's), then the others the frame shows: a long
        # legend is cut from its end, never the zones the verdict rests on
        touched = {z.get("name_zh") for z in (answer.to_dict().get("zones") or [])}
        handles = sorted(handles, key=lambda e: str(e[1]) not in touched)
        entries = [(site_handle, "场地")] + handles
        if targets:
            entries.insert(1, (Line2D([], [], color=DESIGNATED_RGB, linewidth=1.8, linestyle="--"),
                               "对口分区（规划指定，箭头示方向与距离）"))
        if len(entries) > LEGEND_MAX:
            rest = len(entries) - (LEGEND_MAX - 1)
            entries = entries[: LEGEND_MAX - 1] + [(Line2D([], [], linestyle="none"), f"另有 {rest} 项，见涉及分区表")]
        # a label is wrapped every 12 characters, except the "another N" line: broken at its comma, never
        # mid-phrase ("另有 16" / "项，见涉及分区表" read as two broken halves)
        labels = [str(t).replace("，", "，\n") if str(t).startswith("另有 ") else pl._wrap(mark_absent(str(t), absent), 12)
                  for _, t in entries]
        side.text(0.0, 1.0, "图  例", fontsize=10, fontweight="bold", va="top", transform=side.transAxes, parse_math=False)
        side.legend([h for h, _ in entries], labels, loc="upper left", bbox_to_anchor=(0.0, 0.93), frameon=False,
                    fontsize=8, handlelength=1.8, borderaxespad=0.0, labelspacing=0.5)
        note = pl.provenance_note(used)
        if note:
            fig.text(0.01, 0.045, pl._wrap(mark_absent("数据说明：" + note + "（示意图层按规划文字示意绘制，边界仅供参考）", absent), 62),
                     fontsize=7, va="center", ha="left", color="#444444", parse_math=False)
        return fig, {"legend": [str(t) for _, t in entries], "note": note, "layers": drawn,
                     "designated": [{"name_zh": t["name_zh"], "distance_km": t["distance_km"],
                                     "in_frame": fb.contains(t["to"])} for t in targets]}

    # the picture's CJK text is drawn with a subset of the project's font (as the appendix maps are): the
    # appendix maps' characters (every zone name of their layers) and this module's own words, so the
    # desk reuses one cached subset; a label outside it is drawn again with a subset that has it
    text = pl.appendix_text() + "".join(ch for ch in Path(__file__).read_text(encoding="utf-8") if ord(ch) > 0x2E7F)
    absent: set = set()
    for attempt in (1, 2, 3):
        rc = fonts.print_rc(text)
        with matplotlib.rc_context(rc), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
            fig, info = draw()
            drawn_text = "".join(t.get_text() for t in fig.findobj(Text))
            more, nowhere = fonts.uncovered(drawn_text, rc)
            if (more or nowhere) and attempt < 3:
                # a label outside the subset: draw again with a subset that has it; a character no font
                # has (𠀀, an emoji) is drawn as 〓, as in the PDF's text, never as a box
                text += more
                absent |= set(nowhere)
                continue
            fig.savefig(png)
        return {**info, "absent": sorted(absent)}
    raise AssertionError("unreachable")  # pragma: no cover


def _designated_targets(answer, site_geom) -> list[dict]:
    """The nearest designated zones (at most :data:`DESIGNATED_SHOWN`, of different names) with their
    geometry in the working CRS, the site's point and the zone's point nearest each other."""
    import dcf_spatial as dcf
    from shapely.ops import nearest_points

    from .. import crs as dcf_crs

    res = answer.results[0] if answer.results else {}
    out, seen, frames = [], set(), {}
    for d in res.get("designated_zones") or []:
        if len(out) >= DESIGNATED_SHOWN:
            break
        if d.get("name_zh") in seen:
            continue
        if d["layer"] not in frames:
            try:
                frames[d["layer"]] = dcf_crs.to_working(dcf.layer(d["layer"]))
            except Exception:  # noqa: BLE001 - a layer gone from the store: the picture draws without it
                frames[d["layer"]] = None
        g = frames[d["layer"]]
        if g is None or "id" not in g.columns:
            continue
        rows = g[g["id"] == d["id"]]
        if len(rows) == 0:
            continue
        geom = rows.geometry.iloc[0]
        a, b = nearest_points(site_geom, geom)
        seen.add(d.get("name_zh"))
        out.append({"name_zh": d["name_zh"], "distance_km": float(d["distance_km"]), "geom": geom, "from": a, "to": b})
    return out


def _edge_point(start, end, frame, inset: float = 0.06):
    """The point where the line from ``start`` (inside ``frame``) towards ``end`` leaves the frame, pulled
    ``inset`` of the frame's size back inside so the arrow and its label stay in the picture."""
    import shapely.geometry

    x0, y0, x1, y1 = frame
    dx, dy = (x1 - x0) * inset, (y1 - y0) * inset
    inner = shapely.geometry.box(x0 + dx, y0 + dy, x1 - dx, y1 - dy)
    line = shapely.geometry.LineString([start, end]).intersection(inner)
    coords = list(line.coords) if not line.is_empty and line.geom_type == "LineString" else [(start.x, start.y)]
    return shapely.geometry.Point(coords[-1])


def mark_absent(text: str, absent: set) -> str:
    """``text`` with each character of ``absent`` (no glyph in any font) as 〓 (GETA MARK, the usual
    stand-in), in the report's map picture and its PDF text alike.

    Examples
    --------
    >>> mark_absent("🏭园区", {"🏭"})
    '〓园区'
    """
    return "".join("〓" if ch in absent else ch for ch in text) if absent else text


def _map_png(answer, png: Path) -> bool:
    """Kept for callers of the earlier name: :func:`map_picture`, True when a picture was drawn."""
    return map_picture(answer, png) is not None


def _table(doc, header, rows):
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header):
        cell.text = text
    for row in rows:
        cells = t.add_row().cells
        for cell, v in zip(cells, row):
            cell.text = "" if v is None else str(v)
    return t
