"""核查意见 as an editable Word document (python-docx), from a :class:`dcf_spatial.SiteCheck`.

Same content as the HTML report (``SiteCheck.to_report``): the inputs, the verdict, the reasons
with their plan clauses, the zones touched (亩, shares), the nearest designated clusters, the
land-use control indicators and the data note, with a small map picture of the site over the
plan's zones (matplotlib's object API, no pyplot: safe in a server thread).
"""

from __future__ import annotations

from pathlib import Path
import logging

from ..queries.site.reviewer import reviewer_text
from ..queries.site.tables import NAMED_PLACE_AREA_ZH, named_place_share_zh, zone_headers_zh

logger = logging.getLogger(__name__)


def _fmt(v, digits=2) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{digits}f}".rstrip("0").rstrip(".") if v == v else "—"
    return str(v)


def policy_line(answer) -> str:
    """The one-line 核查口径 statement the desk's page shows under the verdict, for both report files;
    ``""`` when no policy can decide the project's industry (a logistics project: no 集聚区外新建工业项目 line).

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> policy_line(dcf.check_site("115.7353,36.3611", "轴承", policy={"industry_outside_clusters": "conditional"}))  # doctest: +SKIP
    '核查口径：集聚区外新建工业项目——引导入园：有条件符合（本次选用，非默认口径）'
    """
    from ..queries.site.present import policy_statement

    first = answer.results[0] if answer.results else {}
    # only the policies that can decide this industry (集聚区外新建工业项目: industrial projects; QA round 9)
    said = policy_statement(getattr(answer, "policy", None), first.get("reasons", []),
                            codes=(first.get("industry") or {}).get("codes"))
    return "核查口径：" + said if said else ""


def towns_text(result: dict) -> str:
    """The header's 所在镇（街道）: the plan's townships with their shares, then the units outside the plan
    area the site lies in (``site.other_units``: 湖西街道 and the others the development zones administer),
    said to be outside it; none: ``—``.

    Examples
    --------
    >>> towns_text({"townships": [], "site": {"other_units": [{"name_zh": "湖西街道", "share": 1.0}]}})
    '湖西街道（100%，开发区托管，不在规划范围）'
    >>> towns_text({"townships": [{"name_zh": "郑家镇", "share": 1.0}], "site": {}})
    '郑家镇（100%）'
    """
    towns = [f"{t['name_zh']}（{_fmt(t.get('share', 0) * 100, 1)}%）" for t in result.get("townships") or []]
    towns += [f"{u['name_zh']}（{_fmt(u.get('share', 0) * 100, 1)}%，开发区托管，不在规划范围）"
              for u in (result.get("site") or {}).get("other_units") or []]
    return "、".join(towns) or "—"


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


def describe_drawn(geom, how: str) -> str:
    """A site given as a geometry (drawn on the map, sent as GeoJSON, typed as WKT) in words: how it came, its kind, vertex count,
    亩 (EPSG:4548) and centre (CGCS2000 lon,lat, 6 decimals) — never the WKT.

    Parameters
    ----------
    geom
        A shapely geometry in lon/lat (EPSG:4490 / WGS84).
    how
        How it was given (在地图上绘制, 通过接口以 GeoJSON 几何提交, 以 WKT 给出 …): no default, a report
        must not say a site was drawn on the map when another system sent it.

    Examples
    --------
    >>> import shapely
    >>> describe_drawn(shapely.box(115.90, 36.40, 115.901, 36.401), "在地图上绘制")
    '在地图上绘制的多边形：4 个顶点，14.94 亩，中心 115.900500,36.400500'
    >>> describe_drawn(shapely.Point(115.75, 36.455), "通过接口以 GeoJSON 几何提交")
    '通过接口以 GeoJSON 几何提交的点位：115.750000,36.455000（面积未知）'
    """
    import geopandas as gpd
    import shapely

    from .. import settings
    from ..crs import to_working

    if geom.geom_type in ("Point", "MultiPoint"):
        c = geom.centroid
        return f"{how}的点位：{c.x:.6f},{c.y:.6f}（面积未知）"
    polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    vertices = sum(len(p.exterior.coords) - 1 for p in polys if p.geom_type == "Polygon")
    work = to_working(gpd.GeoDataFrame(geometry=[geom], crs=4490))
    mu = float(shapely.area(work.geometry.values).sum()) / settings.MU_M2
    c = gpd.GeoSeries([work.geometry.iloc[0].centroid], crs=work.crs).to_crs(4490).iloc[0]
    kind = "多边形" if len(polys) == 1 else f"多边形（{len(polys)} 块）"
    return f"{how}的{kind}：{vertices} 个顶点，{mu:,.2f} 亩，中心 {c.x:.6f},{c.y:.6f}"


def input_cell(key: str, value) -> str:
    """One 核查输入 value as the report shows it: a site typed as WKT in words (:func:`describe_drawn`).

    Examples
    --------
    >>> input_cell("场地", "POINT (115.75 36.455)")
    '以 WKT 给出的点位：115.750000,36.455000（面积未知）'
    >>> input_cell("行业", "轴承")
    '轴承'
    """
    import re

    if key == "场地" and isinstance(value, str) and re.match(r"\s*(MULTI)?(POINT|POLYGON)\s*(Z\s*)?\(", value, re.I):
        try:
            import shapely

            return describe_drawn(shapely.from_wkt(value), how="以 WKT 给出")
        except Exception:  # noqa: BLE001 - not readable: shown as given (cut), the check read it its own way
            return value[:80] + ("…" if len(value) > 80 else "")
    return reviewer_text(_fmt(value))


def check_date(answer) -> str:
    """The 核查日期 a report states near its top: the date the check was run for (``date=``), else today.

    Examples
    --------
    >>> class A: inputs = {"核查日期": "2025-06-30"}
    >>> check_date(A())
    '2025-06-30'
    """
    import datetime as dt

    given = (getattr(answer, "inputs", None) or {}).get("核查日期")
    return str(given) if given else dt.date.today().isoformat()


#: the blank lines a 核查意见 ends with, to be filled in and signed on paper
SIGN_LINES = ("经办人：＿＿＿＿＿＿＿＿　　　　审核人：＿＿＿＿＿＿＿＿",
              "出具单位（盖章）：＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿",
              "日期：＿＿＿＿年＿＿月＿＿日")


def named_site_note(answer) -> str | None:
    """The line under the map picture for a site placed by a name: the dot is approximate, not the parcel.

    Examples
    --------
    >>> class A:
    ...     def named_sites(self): return [{"name": "郑家镇王屯村", "unit": "郑家镇", "level": "镇街"}]
    >>> named_site_note(A()).startswith('场地按地名“郑家镇王屯村”近似定位（镇街“郑家镇”）')
    True
    """
    named = answer.named_sites() if hasattr(answer, "named_sites") else []
    if not named:
        return None
    n = named[0]
    return (f"场地按地名“{n.get('name') or n.get('unit')}”近似定位（{n.get('level') or '单元'}“{n.get('unit')}”）："
            "图中蓝色虚线为该单元的范围，不是项目地块的位置或边界；具体地块须给出坐标或图形后复核。")


def distance_cell(km, site: dict | None = None) -> str:
    """The 距离（km） cell of a designated zone: 0 is said as 场地在其内. For a site placed by a name whose
    parcel is unknown (``site``), 0 is the unit's outline meeting the zone, not the project's parcel in it
    (QA round 7: "0（场地在其内）" beside parts 1.2 km and 2.8 km away).

    Examples
    --------
    >>> distance_cell(0.0), distance_cell(14.44)
    ('0（场地在其内）', '14.44')
    >>> distance_cell(0.0, {"parcel_known": False, "from_name": {"level": "镇街"}})
    '0（该镇街与其相交或相邻，具体地块未知）'
    """
    if km is not None and km == km and float(km) <= 0.0:
        if site and site.get("from_name") and not site.get("parcel_known", True):
            return f"0（该{site['from_name'].get('level') or '单元'}与其相交或相邻，具体地块未知）"
        return "0（场地在其内）"
    return _fmt(km)


def zone_headers_broken(site: dict) -> list[str]:
    """:func:`~dcf_spatial.queries.site.tables.zone_headers_zh` for the DOCX/PDF tables, a named unit's long
    header broken before its unit (QA round 7: "该镇街内面积（亩" wrapped with "）" alone on the next line).

    Examples
    --------
    >>> zone_headers_broken({"parcel_known": False, "from_name": {"level": "镇街"}})
    ['该镇街内面积\n（亩）', '占该镇街比例']
    """
    return [h.replace("面积（亩）", "面积\n（亩）") if h.startswith("该") else h for h in zone_headers_zh(site)]


def zone_cells(z: dict, site: dict | None = None) -> list[str]:
    """The 亩 and share cells of a zone touched: a point feature (特色小镇) has no area, so no share; a
    place the plan names without drawing it (``named_places``, shown at its township) has neither.

    Examples
    --------
    >>> zone_cells({"overlap_mu": 40.0, "share": 1.0})
    ['40', '100%']
    >>> zone_cells({"overlap_mu": 0.0, "share": 1.0, "point": True})
    ['—（点位）', '点位，位于其内']
    >>> zone_cells({"layer": "named_places", "overlap_mu": 0.0, "share": 0.246}, {"area_mu": 6025})
    ['—（按镇示意，无面积）', '场地 24.6% 在其所在镇（街道）']
    """
    if z.get("layer") == "named_places":
        return [NAMED_PLACE_AREA_ZH, named_place_share_zh(z, site or {})]
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

    from docx.shared import Mm

    r = answer.to_dict()
    doc = Document()
    # A4 with the margins of a Chinese Word default (2.54 cm top/bottom, 3.18 cm left/right): python-docx's
    # template is US Letter
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = section.bottom_margin = Mm(25.4)
        section.left_margin = section.right_margin = Mm(31.8)
    normal = doc.styles["Normal"]
    normal.font.name = "SimSun"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")

    doc.add_heading(reviewer_text(answer.title or "项目选址核查"), level=1)
    project = (answer.inputs or {}).get("项目名称")
    if project:  # the title block names the project (the desk's 项目名称), not only the file name
        doc.add_paragraph(reviewer_text(f"项目名称：{project}"))  # as typed, hidden characters in words (breaker F11)
    doc.add_paragraph(f"核查日期：{check_date(answer)}")
    doc.add_paragraph(f"核查结论：{r.get('verdict_zh', '')}")
    if policy_line(answer):
        doc.add_paragraph(policy_line(answer))
    for w in (r.get("site") or {}).get("shape_warnings_zh", []):  # new-user F3: under the verdict, as the CLI says it
        doc.add_paragraph(f"图形警告：{w}")

    png = Path(path).with_suffix(".map.png")
    try:
        if _map_png(answer, png):
            doc.add_picture(str(png), width=Mm(150))
            doc.add_paragraph(map_caption(answer))
    finally:
        png.unlink(missing_ok=True)

    inputs = [(k, v) for k, v in (answer.inputs or {}).items() if v not in (None, "", False)]
    if inputs:
        doc.add_heading("核查输入", level=2)
        _table(doc, ["项目", "内容"], [[k, input_cell(k, v)] for k, v in inputs])

    doc.add_heading("判定理由", level=2)
    for reason in r.get("reasons", []):
        doc.add_paragraph(reviewer_text(reason.get("text_zh", "")), style="List Bullet")

    site = r.get("site") or {}
    doc.add_paragraph(f"场地面积：{area_text(site)}；所在镇（街道）：{towns_text(r)}")

    doc.add_heading("涉及分区", level=2)
    zones = r.get("zones", [])
    if zones:
        _table(doc, ["分区", "图层", *zone_headers_broken(site), "规划依据"],
               [[z.get("name_zh"), z.get("layer_title_zh"), *zone_cells(z, site), z.get("plan_ref")] for z in zones])
    else:
        doc.add_paragraph("场地不在任何规划分区内。")

    designated = r.get("designated_zones", [])
    if designated:
        _keep_with_next(doc.add_heading("对口分区（由近及远）", level=2))
        _table(doc, ["分区", "距离（km）"], [[z.get("name_zh"), distance_cell(z.get("distance_km"), site)] for z in designated])

    indicators = r.get("indicators", [])
    if indicators:
        doc.add_heading("用地控制指标", level=2)
        _table(doc, ["指标", "项目值", "控制值", "结果", "说明"],
               [[i.get("name_zh"), _fmt(i.get("value"), 3),
                 f"{i.get('comparator') or ''} {_fmt(i.get('threshold'))}".strip(), i.get("status_zh"), i.get("note")]
                for i in indicators])
        note = next((i.get("edition_note") for i in indicators if i.get("edition_note")), None)
        if note:
            doc.add_paragraph(reviewer_text(note))

    doc.add_heading("数据说明", level=2)
    prov = (r.get("provenance") or {}).get("note_zh")
    doc.add_paragraph(reviewer_text(prov or "所用图层均为权威或参考数据。"))
    for n in r.get("read_notes", []):
        doc.add_paragraph(reviewer_text(f"读取说明：{n}"))
    doc.add_paragraph("")
    for line in SIGN_LINES:  # to be filled in and signed on paper
        doc.add_paragraph(line)
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


#: the legend entry of a named unit's outline on the report map (QA round 7)
UNIT_LEGEND_ZH = "按地名定位的单元范围（非项目地块）"


def map_caption(answer) -> str:
    """The caption under the map picture: :data:`MAP_CAPTION`, or for a site placed by a name the note
    that its dot is approximate (:func:`named_site_note`).

    Examples
    --------
    >>> class A:
    ...     def named_sites(self): return []
    >>> map_caption(A()) == MAP_CAPTION
    True
    """
    named = named_site_note(answer)
    if not named:
        return MAP_CAPTION
    return MAP_CAPTION.replace("场地（蓝色）", "按地名定位的单元范围（蓝色虚线）") + named


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
    # a site placed by a name is "somewhere in that unit": the frame shows the whole unit (QA round 7: a dot at
    # its representative point zoomed into one park of it), its outline dashed and captioned as the unit,
    # never drawn like a parcel; no dot (no point of it is the project's)
    approximate = bool(answer.named_sites()) if hasattr(answer, "named_sites") else False
    x0, y0, x1, y1 = work_sites.total_bounds
    # the site legible: its extent fills about 40 % of the frame, with SITE_MARGIN_M around it at least (QA
    # new-user round, finding 11: a 65-亩 报批 site framed on its whole cluster was a few pixels); the zones it
    # touches are shown whole in a locator inset when the frame cuts them (_locator)
    size = max(x1 - x0, y1 - y0)
    pad = max(size * 0.75, SITE_MARGIN_M if size > 0 else POINT_MARGIN_M)
    if approximate:  # a township or cluster: the unit and a margin, not twice its size around it
        pad = max(x1 - x0, y1 - y0) * 0.15 + 1000
    # where the plan sends the project: the nearest designated zones, with the point of each nearest the site
    site_geom = work_sites.union_all() if hasattr(work_sites, "union_all") else work_sites.unary_union
    targets = _designated_targets(answer, site_geom)
    if any(not _labelled(t) for t in targets):
        # the nearest designated zone is at the site (0 km, the table's first row): the picture points to it, not
        # to farther ones (QA round 9: the arrow went to 物流产业园 4.6 km while the table listed a zone at 0 km)
        targets = [t for t in targets if not _labelled(t)]
    # a zone the site lies in (0 km) is shown by its outline over the site: no reason to widen the frame for it
    near = [t for t in targets if _labelled(t) and t["distance_km"] <= DESIGNATED_FRAME_KM]
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
        handles, used, drawn, fills = [], {}, [], {}
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
            if lid in DISTINCT_FILLS and "id" in gdf.columns and len(gdf) > 1:
                # the parks of one cluster share one fill in the style file: here each gets its own, so the
                # three parks the 涉及分区 table lists can be told apart in the picture and the legend
                colors = [DISTINCT_FILLS[lid][i % len(DISTINCT_FILLS[lid])] for i in range(len(gdf))]
                dcf_crs.to_working(gdf).plot(ax=ax, facecolor=[pl._mpl_color(c, float(st.get("fill_opacity", 0.5)))
                                                               for c in colors],
                                             edgecolor=st.get("edge", "#333333"), linewidth=float(st.get("width", 0.8)),
                                             zorder=2)
            else:
                colors = pl._draw_layer(ax, gdf, lid, st)
            by_zone = lid in LEGEND_BY_ZONE and "name_zh" in gdf.columns
            handles += pl._legend_handles(lid, st, gdf, colors, by_zone)
            used[st["label"]] = metas[lid].get("provenance") or ""
            drawn.append(lid)
            fills[lid] = colors
        # the designated zones: their outline (dashed green) and a line from the site to each, with its name and
        # distance; a zone beyond the frame gets an arrow at the frame's edge pointing to it
        fb = shapely.geometry.box(*frame)
        for i, t in enumerate(targets):
            # the zone's own outline inside the frame (not the frame's edges where the zone is cut by it)
            part = t["geom"].boundary.intersection(fb)
            if not part.is_empty:
                gpd.GeoSeries([part]).plot(ax=ax, color=DESIGNATED_RGB, linewidth=1.8, linestyle="--", zorder=26)
            if not _labelled(t):
                # the site is in it (0 km): its outline shows it, no "0.0 km" label; a site only partly in it (a
                # drawn 6,000 亩 polygon 2.7 % in the zone) gets an arrow from the zone's name to the shared part
                pointer = _pointer(t, site_geom, frame)
                if pointer is not None:
                    (tx, ty), (lx, ly) = pointer
                    ax.annotate(mark_absent(f"{t['name_zh']}\n（场地与其相交）", absent), xy=(tx, ty), xytext=(lx, ly),
                                fontsize=7, color=DESIGNATED_RGB, va="center", zorder=28,
                                ha="left" if lx >= tx else "right",  # the name runs away from the site
                                arrowprops=dict(arrowstyle="-|>", color=DESIGNATED_RGB, lw=1.4, shrinkA=2, shrinkB=0),
                                bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1))
                continue
            start = t["from"]
            end = t["to"] if fb.contains(t["to"]) else _edge_point(start, t["to"], frame)
            ax.annotate("", xy=(end.x, end.y), xytext=(start.x, start.y), zorder=27,
                        arrowprops=dict(arrowstyle="-|>", color=DESIGNATED_RGB, lw=1.4, shrinkA=6, shrinkB=0))
            # the label beyond the arrow's head, on the side away from the site, so it never covers the site
            ax.text(end.x, end.y, mark_absent(f"{t['name_zh']} {t['distance_km']:.1f} km", absent), fontsize=7,
                    color=DESIGNATED_RGB, ha="left" if end.x >= start.x else "right",
                    va="bottom" if end.y >= start.y else "top", zorder=28,
                    parse_math=False, bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1))
        # the site on top, in a colour no plan layer uses, with a white halo so it reads over any fill
        if approximate and not work_sites.geom_type.isin(["Point", "MultiPoint"]).all():
            work_sites.boundary.plot(ax=ax, color="white", linewidth=3.5, zorder=29)
            work_sites.boundary.plot(ax=ax, color=SITE_RGB, linewidth=2.0, linestyle="--", zorder=30)
            site_handle = Line2D([], [], color=SITE_RGB, linewidth=2.0, linestyle="--")
        elif work_sites.geom_type.isin(["Point", "MultiPoint"]).all():
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
        located = _locator(ax, answer, frame, work_sites, approximate)
        _labels_inside(ax)  # after everything is placed: no label cut by the frame (finding 10)

        # the zones the site touches first (the 涉及分区 table's), then the others the frame shows: a long
        # legend is cut from its end, never the zones the verdict rests on
        touched = {z.get("name_zh") for z in (answer.to_dict().get("zones") or [])}
        handles = sorted(handles, key=lambda e: str(e[1]) not in touched)
        entries = [(site_handle, UNIT_LEGEND_ZH if approximate else "场地")] + handles
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
                                     "in_frame": fb.contains(t["to"]), "labelled": _labelled(t),
                                     "pointed": _labelled(t) or _pointer(t, site_geom, frame) is not None}
                                    for t in targets],
                     "site_drawn_as": "point" if work_sites.geom_type.isin(["Point", "MultiPoint"]).all()
                     else "unit" if approximate else "polygon",
                     "fills": {lid: [pl._mpl_color(c) for c in cs] for lid, cs in fills.items()},
                     "labels": _label_boxes(ax),
                     "map_box": tuple(ax.get_window_extent().extents),
                     "locator": located,
                     "site_extent": _site_extent(ax, work_sites)}

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


#: the least margin (m) around a site with an area, and around a point site, in the picture's frame
SITE_MARGIN_M = 250.0
POINT_MARGIN_M = 1500.0
#: the locator inset: its box in the map frame's fractions, the first of these clear of every label and arrow
#: (lower right, upper left; the scale bar is lower left, the north arrow upper right)
LOCATOR_BOXES = ((0.71, 0.02, 0.27, 0.30), (0.02, 0.66, 0.27, 0.30))
LOCATOR_RGB = "#d00000"


def _locator(ax, answer, frame, work_sites, approximate: bool) -> dict | None:
    """A small map in a corner of the frame showing the zones the site touches whole, the site, and the main
    frame as a red box, when the frame shows a small part of those zones (a small site in a large cluster);
    ``None`` when it shows them whole or mostly, when no corner is clear, or for a site placed by a name (its
    frame is the unit)."""
    import shapely.geometry
    from matplotlib.patches import Rectangle

    import dcf_spatial as dcf

    from .. import crs as dcf_crs

    if approximate:
        return None
    res = answer.results[0] if answer.results else {}
    wanted: dict[str, set] = {}
    for z in res.get("zones") or []:
        if z.get("layer") and z.get("id") and z.get("layer") != "named_places" and not z.get("point"):
            wanted.setdefault(z["layer"], set()).add(z["id"])
    if not wanted:  # in no zone: its township for context
        for t in res.get("townships") or []:
            if t.get("id"):
                wanted.setdefault("townships", set()).add(t["id"])
    context = []
    for lid, ids in wanted.items():
        try:
            g = dcf.layer(lid)
        except Exception:  # noqa: BLE001 - a layer gone from the store: no inset for it
            continue
        if "id" in g.columns:
            g = g[g["id"].isin(ids)]
            if len(g):
                context.append((lid, dcf_crs.to_working(g)))
    if not context:
        return None
    fb = shapely.geometry.box(*frame)
    cx0 = min(g.total_bounds[0] for _, g in context)
    cy0 = min(g.total_bounds[1] for _, g in context)
    cx1 = max(g.total_bounds[2] for _, g in context)
    cy1 = max(g.total_bounds[3] for _, g in context)
    if fb.contains(shapely.geometry.box(cx0, cy0, cx1, cy1)) or (
            max(frame[2] - frame[0], frame[3] - frame[1]) > 0.5 * max(cx1 - cx0, cy1 - cy0)):
        return None  # the frame shows the zones whole, or most of them: an inset would add nothing
    from ..maps import print_layout as pl
    from ..maps.style import layer_style

    box = _clear_corner(ax, work_sites)
    if box is None:  # every corner holds a label or an arrow: the frame's own context has to do
        return None
    inset = ax.inset_axes(box)
    inset.set_zorder(40)
    for lid, g in context:
        st = layer_style(lid)
        g.plot(ax=inset, facecolor=pl._mpl_color(st.get("fill", "#dddddd"), 0.55), edgecolor=st.get("edge", "#555555"),
               linewidth=0.6)
    work_sites.plot(ax=inset, color=SITE_RGB, markersize=4, linewidth=0.8)
    inset.add_patch(Rectangle(
        (frame[0], frame[1]), frame[2] - frame[0], frame[3] - frame[1], fill=False, edgecolor=LOCATOR_RGB, linewidth=1.2))
    x0, y0 = min(cx0, frame[0]), min(cy0, frame[1])
    x1, y1 = max(cx1, frame[2]), max(cy1, frame[3])
    w, h = x1 - x0, y1 - y0
    # the inset's box is LOCATOR_BOX of the frame: fill it at 1:1, the shorter side widened
    pos = ax.get_position()
    fw, fh = ax.figure.get_size_inches()
    ratio = (box[3] * pos.height * fh) / (box[2] * pos.width * fw)
    if h / w < ratio:
        h = w * ratio
    else:
        w = h / ratio
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    inset.set_xlim(mx - w * 0.53, mx + w * 0.53)
    inset.set_ylim(my - h * 0.53, my + h * 0.53)
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_xlabel("")  # geopandas names the CRS axes
    inset.set_ylabel("")
    inset.set_facecolor("white")
    for spine in inset.spines.values():
        spine.set_edgecolor("#666666")
    inset.set_title("位置示意（红框为本图范围）", fontsize=6, pad=2, color="#333333")
    return {"zones": [lid for lid, _ in context], "box": tuple(inset.get_window_extent().extents)}


def _clear_corner(ax, work_sites) -> tuple | None:
    """The first of :data:`LOCATOR_BOXES` that no label, arrow or the site overlaps (display pixels), or ``None``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    canvas = ax.figure.canvas if isinstance(ax.figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(ax.figure)
    renderer = canvas.get_renderer()
    taken = [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]
    taken += [t.arrow_patch.get_window_extent(renderer) for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    taken.append(Bbox.from_extents(*_site_extent(ax, work_sites)))
    fx0, fy0, fx1, fy1 = ax.get_window_extent(renderer).extents
    for box in LOCATOR_BOXES:
        x0, y0 = fx0 + box[0] * (fx1 - fx0), fy0 + box[1] * (fy1 - fy0)
        corner = Bbox.from_extents(x0, y0 - 12, x0 + box[2] * (fx1 - fx0), y0 + box[3] * (fy1 - fy0) + 12)  # its title
        if not any(corner.overlaps(t) for t in taken):
            return box
    return None


def _labels_inside(ax, margin_px: float = 3.0) -> None:
    """Move each label placed in data coordinates (a zone's callout, a distance) back inside the map frame when
    it runs past an edge, by as much as it overflows: a label is never cut by the frame (QA new-user round,
    finding 10: «承保持器智能制造产业园», its first character lost at the left edge). An annotation's arrow
    keeps pointing where it pointed."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Annotation

    canvas = ax.figure.canvas if isinstance(ax.figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(ax.figure)
    renderer = canvas.get_renderer()
    fx0, fy0, fx1, fy1 = ax.get_window_extent(renderer).extents
    to_data = ax.transData.inverted()
    for t in ax.texts:
        if not t.get_text():
            continue
        if isinstance(t, Annotation):
            if t.anncoords not in ("data", None) and t.anncoords != ax.transData:
                continue
            x, y = t.xyann
        elif t.get_transform() == ax.transData:
            x, y = t.get_position()
        else:
            continue
        bx0, by0, bx1, by1 = t.get_window_extent(renderer).extents
        dx = max(0.0, fx0 + margin_px - bx0) - max(0.0, bx1 - (fx1 - margin_px))
        dy = max(0.0, fy0 + margin_px - by0) - max(0.0, by1 - (fy1 - margin_px))
        if dx == 0 and dy == 0:
            continue
        px, py = ax.transData.transform((x, y))
        nx, ny = to_data.transform((px + dx, py + dy))
        if isinstance(t, Annotation):
            t.xyann = (nx, ny)
        else:
            t.set_position((nx, ny))


#: layers whose features each get their own fill in the picture (the style file gives a layer one fill)
#: (ColorBrewer Set3/Paired light tones, none the clusters' orange/red, the farms' green or the site's blue)
DISTINCT_FILLS = {"cluster_parks": ("#fb9a99", "#8dd3c7", "#cab2d6", "#ffffb3", "#bebada", "#fccde5", "#d9d9d9")}


def _pointer(target: dict, site_geom, frame) -> tuple | None:
    """Where the arrow to a designated zone the site lies partly in points (a point of the part they share)
    and where its label sits (off the site, towards the frame's nearer side); ``None`` when the site lies
    wholly in the zone (its outline shows it) or they share no area."""
    part = site_geom.intersection(target["geom"])
    if part.is_empty or site_geom.within(target["geom"]) or (
            site_geom.area > 0 and part.area >= 0.95 * site_geom.area):
        return None
    x0, y0, x1, y1 = frame
    tip = part.representative_point()
    cx, cy = site_geom.centroid.x, site_geom.centroid.y
    dx, dy = tip.x - cx, tip.y - cy
    norm = (dx * dx + dy * dy) ** 0.5 or 1.0
    if norm == 1.0 and dx == dy == 0:
        dx, dy = 1.0, 1.0
        norm = 2 ** 0.5
    # the label beyond the shared part, away from the site's centre, kept inside the frame's middle 80 %
    sx0, sy0, sx1, sy1 = site_geom.bounds
    reach = max(sx1 - sx0, sy1 - sy0) / 2 + (x1 - x0) * 0.15
    # the name runs away from the site (left-aligned to the right of it, else right-aligned): room for it kept
    lx = min(max(cx + dx / norm * reach, x0 + (x1 - x0) * 0.22), x1 - (x1 - x0) * 0.22)
    ly = min(max(cy + dy / norm * reach, y0 + (y1 - y0) * 0.08), y1 - (y1 - y0) * 0.08)
    return (tip.x, tip.y), (lx, ly)


def _labelled(target: dict) -> bool:
    """A designated zone gets an arrow and a distance label only when the site is outside it."""
    return float(target["distance_km"]) > 0.05


def _label_boxes(ax) -> list[tuple]:
    """Each text drawn on the map frame with its box in display pixels (x0, y0, x1, y1)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = ax.figure.canvas if isinstance(ax.figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(ax.figure)
    renderer = canvas.get_renderer()
    return [(t.get_text(), tuple(t.get_window_extent(renderer).extents)) for t in ax.texts if t.get_text()]


def _site_extent(ax, work_sites):
    """The site's box in display pixels (to test that no label covers it)."""
    x0, y0, x1, y1 = work_sites.total_bounds
    (a, b), (c, d) = ax.transData.transform([(x0, y0), (x1, y1)])
    return (min(a, c), min(b, d), max(a, c), max(b, d))


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
            cell.text = "" if v is None else reviewer_text(str(v))
    return t
