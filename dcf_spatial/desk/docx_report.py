"""核查意见 as an editable Word document (python-docx), from a :class:`dcf_spatial.SiteCheck`.

Same content as the HTML report (``SiteCheck.to_report``): the inputs, the verdict, the reasons
with their plan clauses, the zones touched (亩, shares), the nearest designated clusters, the
land-use control indicators and the data note, with a small map picture of the site over the
plan's zones (matplotlib's object API, no pyplot: safe in a server thread).
"""

from __future__ import annotations

from pathlib import Path


def _fmt(v, digits=2) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{digits}f}".rstrip("0").rstrip(".") if v == v else "—"
    return str(v)


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
    doc.add_paragraph(f"核查结论：{r.get('verdict_zh', '')}")

    png = Path(path).with_suffix(".map.png")
    try:
        if _map_png(answer, png):
            from docx.shared import Cm

            doc.add_picture(str(png), width=Cm(15))
            doc.add_paragraph("图：场地（红色）与所涉规划分区（图层为示意数据的，边界仅供参考）")
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
    doc.add_paragraph(f"场地面积：{_fmt(site.get('area_mu'))} 亩；所在镇（街道）：{towns or '—'}")

    doc.add_heading("涉及分区", level=2)
    zones = r.get("zones", [])
    if zones:
        _table(doc, ["分区", "图层", "重叠面积（亩）", "占场地比例", "规划依据"],
               [[z.get("name_zh"), z.get("layer_title_zh"), _fmt(z.get("overlap_mu")),
                 f"{_fmt((z.get('share') or 0) * 100, 1)}%", z.get("plan_ref")] for z in zones])
    else:
        doc.add_paragraph("场地不在任何规划分区内。")

    designated = r.get("designated_zones", [])
    if designated:
        doc.add_heading("对口分区（由近及远）", level=2)
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


def _map_png(answer, png: Path) -> bool:
    """Draw the site (red) over the plan's zones around it; False when there is nothing to draw."""
    import math

    from matplotlib.figure import Figure

    import dcf_spatial as dcf

    from ..maps.style import layer_style, zone_color

    sites = answer.sites
    if sites is None or len(sites) == 0 or sites.geometry.is_empty.all():
        return False
    sites = sites.to_crs(4490)
    x0, y0, x1, y1 = sites.total_bounds
    pad = max(x1 - x0, y1 - y0) * 2 + 0.02  # the site and about 2 km around it
    bbox = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    fig = Figure(figsize=(6, 4.5), dpi=150)
    ax = fig.add_subplot()
    known = {r["id"] for r in dcf.layers().to_dict(orient="records")}
    for lid in MAP_LAYERS:
        if lid not in known:
            continue
        gdf = dcf.layer(lid, bbox=bbox)
        if len(gdf) == 0:
            continue
        st = layer_style(lid)
        ids = gdf["id"].astype(str) if "id" in gdf.columns else None
        fill = [zone_color(i, lid) for i in ids] if ids is not None else st["fill"]
        if st.get("fill") == "none":
            fill = "none"
        gdf.plot(ax=ax, facecolor=fill, edgecolor=st.get("edge", "#555"), linewidth=0.8,
                 alpha=0.6 if fill != "none" else 1)
    if sites.geom_type.isin(["Point", "MultiPoint"]).all():
        sites.plot(ax=ax, color="#d00000", markersize=40)
    else:
        sites.plot(ax=ax, facecolor="none", edgecolor="#d00000", linewidth=2)
    ax.set_xlim(bbox[0], bbox[2])
    ax.set_ylim(bbox[1], bbox[3])
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    ax.set_axis_off()
    fig.savefig(png, bbox_inches="tight")
    return True


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
