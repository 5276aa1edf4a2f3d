"""核查意见 as an A4 PDF with the CJK font embedded, from a :class:`dcf_spatial.SiteCheck`.

fpdf2 writes the PDF: a pure-Python, actively maintained library (no system LibreOffice, no Cairo)
that embeds a TrueType font as a subset (through fontTools, already a dependency) and lays out tables
itself. The font is the project's own Noto Sans SC, cut to the characters of the desk's documents
(:func:`dcf_spatial.maps.fonts.document_font_files`), so the PDF reads the same on a PC with no Chinese font.
Same content as the DOCX (:mod:`.docx_report`): inputs, verdict, reasons with their plan clauses,
zones touched, nearest designated clusters, indicators, the map picture and the data note.
"""

from __future__ import annotations

from pathlib import Path

from .docx_report import (MAP_CAPTION, zone_headers_broken, SIGN_LINES, _fmt, _map_png, area_text, towns_text, check_date, distance_cell, input_cell, map_caption,
                          mark_absent, policy_line, reviewer_text, zone_cells)

FAMILY = "NotoSansSC"
#: verdict → colour of the verdict line (the page's colours)
VERDICT_RGB = {"fits": (26, 127, 55), "conditional": (160, 120, 20), "does_not_fit": (207, 34, 46),
               "outside_plan_area": (87, 96, 106)}


#: the most lines one table cell may take; a row of 40 lines × 5.5 mm still fits an A4 page (267 mm
#: between the margins) with its heading
TABLE_CELL_LINES = 40
#: what ends a cut cell: the DOCX and the HTML page carry the whole text
CUT_MARK = "…（全文见 DOCX/HTML）"


def cell_limit(width_mm: float, size_pt: float) -> int:
    """How many characters a table cell ``width_mm`` wide keeps at ``size_pt`` (CJK characters are
    one em wide; the cell's padding takes about 2 mm).

    Examples
    --------
    >>> cell_limit(41.5, 9)
    480
    """
    per_line = max(1, int((width_mm - 2) / (size_pt * 25.4 / 72)))
    return per_line * TABLE_CELL_LINES


def cut_cell(text: str, limit: int) -> str:
    """``text``, or its first characters and :data:`CUT_MARK` when longer than ``limit``.

    Examples
    --------
    >>> cut_cell("郑家镇工业集聚区", 100)
    '郑家镇工业集聚区'
    >>> cut_cell("长" * 600, 480).endswith("…（全文见 DOCX/HTML）")
    True
    """
    if len(text) <= limit:
        return text
    return text[: max(1, limit - len(CUT_MARK))] + CUT_MARK


def report_blocks(answer) -> list[tuple]:
    """The report's content, in order, before anything is drawn: ``("title", text)``,
    ``("verdict", text, rgb)``, ``("heading", text)``, ``("para", text, size)``, ``("map",)`` and
    ``("table", header, rows, widths)``. :func:`write_pdf` collects every character of these to pick
    its font, then draws them.

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> report_blocks(dcf.check_site("115.75,36.455", "轴承"))[0]   # doctest: +SKIP
    ('title', '项目选址核查')
    """
    r = answer.to_dict()
    blocks: list[tuple] = [("title", answer.title or "项目选址核查"),
                           ("verdict", f"核查结论：{r.get('verdict_zh', '')}", VERDICT_RGB.get(r.get("verdict"), (0, 0, 0)))]
    project = (answer.inputs or {}).get("项目名称")
    if project:  # the title block names the project (the desk's 项目名称), not only the file name
        blocks.insert(1, ("para", f"项目名称：{project}", 12))
    blocks.insert(2 if project else 1, ("para", f"核查日期：{check_date(answer)}", 10))
    if policy_line(answer):
        blocks.append(("para", policy_line(answer), 10))
    site = r.get("site") or {}
    blocks.append(("para", f"场地面积：{area_text(site)}；所在镇（街道）：{towns_text(r)}", 10))
    # the shape or the recorded area may be wrong (new-user F3): under the verdict, as the CLI's first lines
    blocks += [("para", f"图形警告：{w}", 10) for w in site.get("shape_warnings_zh", [])]
    blocks.append(("map",))

    inputs = [(k, v) for k, v in (answer.inputs or {}).items() if v not in (None, "", False)]
    if inputs:
        blocks += [("heading", "核查输入"), ("table", ["项目", "内容"], [[k, input_cell(k, v)] for k, v in inputs], (1, 3))]

    blocks.append(("heading", "判定理由"))
    blocks += [("para", "• " + (reason.get("text_zh") or ""), 10) for reason in r.get("reasons", [])]

    blocks.append(("heading", "涉及分区"))
    zones = r.get("zones", [])
    if zones:
        blocks.append(("table", ["分区", "图层", *zone_headers_broken(site), "规划依据"],
                       [[z.get("name_zh"), z.get("layer_title_zh"), *zone_cells(z, site), z.get("plan_ref")] for z in zones], (3, 3, 2, 2, 3)))
    else:
        blocks.append(("para", "场地不在任何规划分区内。", 10))

    designated = r.get("designated_zones", [])
    if designated:
        blocks += [("heading", "对口分区（由近及远）"),
                   ("table", ["分区", "距离（km）"], [[z.get("name_zh"), distance_cell(z.get("distance_km"), site)] for z in designated], (3, 1))]

    indicators = r.get("indicators", [])
    if indicators:
        blocks += [("heading", "用地控制指标"),
                   ("table", ["指标", "项目值", "控制值", "结果", "说明"],
                    [[i.get("name_zh"), _fmt(i.get("value"), 3),
                      f"{i.get('comparator') or ''} {_fmt(i.get('threshold'))}".strip(), i.get("status_zh"), i.get("note")]
                     for i in indicators], (3, 2, 2, 2, 4))]
        note = next((i.get("edition_note") for i in indicators if i.get("edition_note")), None)
        if note:
            blocks.append(("para", note, 9))

    blocks.append(("heading", "数据说明"))
    prov = (r.get("provenance") or {}).get("note_zh")
    blocks.append(("para", prov or "所用图层均为权威或参考数据。", 9))
    blocks += [("para", f"读取说明：{n}", 9) for n in r.get("read_notes", [])]
    blocks.append(("para", "", 10))
    blocks += [("para", line, 11) for line in SIGN_LINES]  # to be filled in and signed on paper
    return [_reviewed(b) for b in blocks]


def _reviewed(block) -> tuple:
    """``block`` with its text as a reviewer reads it (:func:`~.docx_report.reviewer_text`)."""
    if block[0] == "table":
        return (block[0], block[1], [[reviewer_text(v) if isinstance(v, str) else v for v in row] for row in block[2]],
                *block[3:])
    if block[0] in ("title", "para", "heading"):
        return (block[0], reviewer_text(block[1]), *block[2:])
    return block


def report_text(blocks) -> str:
    """Every text :func:`write_pdf` draws for ``blocks`` (:func:`report_blocks`), with the map's caption
    and the mark that ends a cut table cell.

    Examples
    --------
    >>> report_text([("heading", "判定理由")]).startswith("判定理由")
    True
    """
    parts: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind == "table":
            parts += [str(h) for h in block[1]]
            parts += ["" if v is None else str(v) for row in block[2] for v in row]
        elif kind != "map":
            parts.append(block[1])
    return "\n".join(parts + [MAP_CAPTION, CUT_MARK])


def write_pdf(answer, path: Path | str) -> Path:
    """Write one site's 核查意见 to ``path`` as an A4 PDF (Noto Sans SC embedded).

    The report's text is built first (:func:`report_blocks`); its font is the cached subset of the
    desk's documents (:func:`dcf_spatial.maps.fonts.document_font_files`: GB 2312's common characters and the
    report's own words) when that holds every character, else a subset of just this report's
    characters made for it and not kept. fpdf2 embeds only the glyphs the PDF uses.

    Parameters
    ----------
    answer
        A one-site :class:`~dcf_spatial.SiteCheck`.
    path
        The file to write.

    Returns
    -------
    Path
        ``path``. A table cell too long for one page (:func:`cut_cell`) is cut with
        "…（全文见 DOCX/HTML）"; paragraphs wrap across pages.

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> write_pdf(dcf.check_site("115.75,36.455", "轴承"), "核查意见.pdf")   # doctest: +SKIP
    """
    import tempfile

    from ..maps.fonts import document_font_files

    from ..maps.fonts import missing_glyphs

    blocks = report_blocks(answer)
    caption = reviewer_text(map_caption(answer))  # a name-placed site's caption has words of its own
    missing = [ch for ch in missing_glyphs(report_text(blocks) + caption) if ord(ch) > 0x7F]
    if missing:
        # a character the font has no glyph for would be dropped from the PDF without a trace (a zone's
        # name changed silently): it is printed as 〓 and the report says which characters those are
        blocks = _marked(blocks, set(missing))
        blocks.append(("para", "字形说明：报告字体中没有下列字符的字形，文中以“〓”代替："
                       + "、".join(f"U+{ord(ch):04X}" for ch in missing) + "（Unicode 编码）。原文见 HTML/DOCX 报告。", 9))
    with tempfile.TemporaryDirectory(prefix="dcf-pdf-font-") as scratch:
        fonts = document_font_files(report_text(blocks) + caption, scratch=Path(scratch))
        _draw(answer, blocks, fonts, path)
    return Path(path)


def _marked(blocks, missing: set) -> list:
    """``blocks`` with every character of ``missing`` as 〓 (:func:`~.docx_report.mark_absent`)."""
    def fix(v):
        return mark_absent(v, missing) if isinstance(v, str) else v

    out = []
    for block in blocks:
        if block[0] == "table":
            out.append((block[0], [fix(h) for h in block[1]], [[fix(v) for v in row] for row in block[2]], *block[3:]))
        else:
            out.append((block[0], *[fix(v) for v in block[1:]]))
    return out


def _draw(answer, blocks, fonts: dict, path) -> None:
    from fpdf import FPDF
    from fpdf.enums import WrapMode
    from fpdf.fonts import FontFace

    from .pdf_lines import break_lines

    # Chinese has no spaces between words: wrap at any character (word wrap would push a whole clause
    # to the next line after a figure like "2.7 km")
    CHAR = WrapMode.CHAR

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font(FAMILY, "", str(fonts[min(fonts)]))
    pdf.add_font(FAMILY, "B", str(fonts[max(fonts)]))
    title = blocks[0][1]
    pdf.set_title(title)
    pdf.set_creator("dcf_spatial 规划工作台")
    pdf.add_page()
    width = pdf.epw

    def lines(text, h):
        # broken here by the Unicode rules in the current font (no line opening with 。，）”), each line
        # narrower than the cell, so fpdf2's own character wrap finds nothing left to break (QA user F12)
        text = "\n".join(break_lines(text, width - 2 * pdf.c_margin - 0.01, pdf.get_string_width))
        pdf.multi_cell(width, h, text, new_x="LMARGIN", new_y="NEXT", align="L", wrapmode=CHAR)

    def heading(text, size=13, keep=0.0):
        # keep a heading with what follows it (``keep`` mm: its table's header and first row): a heading
        # never ends a page with its table on the next (fpdf2 has no keep-with-next)
        if pdf.get_y() + 2 + 8 + keep > pdf.page_break_trigger:
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font(FAMILY, "B", size)
        lines(text, 8)
        pdf.set_font(FAMILY, "", 10)

    def para(text, size=10):
        pdf.set_font(FAMILY, "", size)
        lines(text, 5.5)

    def table(header, rows, widths):
        pdf.set_font(FAMILY, "", 9)
        # fpdf2 cannot split one table row across pages ("row too high"): a cell longer than
        # TABLE_CELL_LINES lines of its column (an imported layer's 1,500-character name) is cut
        limits = [cell_limit(pdf.epw * w / sum(widths), 9) for w in widths]
        # each cell broken by the same rules as the paragraphs (no line opening with ）；，), a little
        # narrower than its column so that fpdf2's own character wrap leaves the lines as they are
        spans = [pdf.epw * w / sum(widths) - 2 * pdf.c_margin - 0.5 for w in widths]

        def cell(v, limit, span):
            return "\n".join(break_lines(cut_cell("" if v is None else str(v), limit), span, pdf.get_string_width))

        with pdf.table(col_widths=widths, wrapmode=CHAR, text_align="LEFT", line_height=5.5,
                       headings_style=FontFace(emphasis="BOLD", fill_color=(235, 238, 242))) as t:
            t.row(header)
            for row in rows:
                t.row([cell(v, limit, span) for v, limit, span in zip(row, limits, spans)])
        pdf.ln(1)

    for i, block in enumerate(blocks):
        kind = block[0]
        nxt = blocks[i + 1] if i + 1 < len(blocks) else ("",)
        if kind == "title":
            heading(block[1], 16)
        elif kind == "heading":
            # the next block's first lines: a table's header and first row (about 2 × 2 lines), or a paragraph's lines
            heading(block[1], keep=24.0 if nxt[0] == "table" else 12.0 if nxt[0] == "para" else 0.0)
        elif kind == "verdict":
            pdf.set_font(FAMILY, "B", 14)
            pdf.set_text_color(*block[2])
            lines(block[1], 9)
            pdf.set_text_color(0, 0, 0)
        elif kind == "para":
            para(block[1], block[2])
        elif kind == "table":
            table(*block[1:])
        elif kind == "map":
            png = Path(path).with_suffix(".map.png")
            try:
                if _map_png(answer, png):
                    pdf.image(str(png), w=160, x=(pdf.w - 160) / 2)
                    para(reviewer_text(map_caption(answer)), 8)
            finally:
                png.unlink(missing_ok=True)
    pdf.output(str(path))
