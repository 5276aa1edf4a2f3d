"""Batch site checks: read a file of sites (one per row, none lost) and write the results table.

:func:`read_batch` reads CSV/XLSX/any vector file with :func:`dcf_spatial.io.read_vector` and keeps
each row's number in the user's file; :func:`write_batch_table` writes the Chinese-labelled table
(.csv / .xlsx with a 数据说明 sheet / .gpkg with the sites).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ... import _fixes, settings
from ..._validate import clean_figures, figure_problem, figures_problems, location_problems
from ...errors import InputError, clip
from ...places import UNREADABLE_HEAD_ZH
from ...industry import resolve
from ..land_indicators import FIGURE_FIELDS
from ...io.tables import coordinate_cells_blank as _coordinates_blank
from .check import NOT_PROJECT_COLUMN, NOT_PROJECT_PREFIX

logger = logging.getLogger(__name__)

#: the suffixes :func:`write_batch_table` writes
BATCH_OUTPUT_SUFFIXES = (".csv", ".xlsx", ".gpkg")


#: the 产能置换 cell (and the API's ``capacity_replacement`` given as text): what reads as declared / not declared.
#: Written out by hand (QA break 11: 等量置换, 减量置换, 是（减量置换）, 已置换, √ read as «not declared» → 不符合):
#: the words are the plan's (第九章第三节 «等量或减量置换») and a clerk's yes/no marks; anything else is not guessed
_REPLACED = r"(?:实施|进行|已实施|已进行)?(?:产能)?(?:等量|减量|等量或减量|等量/减量|等量、减量|等量或者减量)?置换(?:产能)?"
_YES_RE = None
_NO_RE = None
CAPACITY_REPLACEMENT_WORDS_ZH = ("是（或 等量置换、减量置换、已置换、√、1、true）；"
                                 "否（或 无、未置换、不涉及、×、0、false）")


def capacity_replacement_answer(value) -> bool | None:
    """Whether a 产能置换 cell declares the project's 等量或减量置换: True (是, 是的, 有, Y, 1, TRUE, √, 等量置换,
    减量置换, 是（减量置换）, 已置换 …), False (否, 无, N, 0, FALSE, ×, 未置换, 不置换, 不涉及 …), None for a text
    not understood (待置换, 拟置换 …: said, never read as «not declared»).

    Examples
    --------
    >>> [capacity_replacement_answer(v) for v in ("是", "等量置换", "是（减量置换）", "已置换", "√", "是的", "１")]
    [True, True, True, True, True, True, True]
    >>> [capacity_replacement_answer(v) for v in ("否", "无", "未置换", "×", "0", "不涉及", False)]
    [False, False, False, False, False, False, False]
    >>> capacity_replacement_answer("待置换") is None
    True
    """
    import re
    import unicodedata

    global _YES_RE, _NO_RE
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return True if value == 1 else False if value == 0 else None
    if _YES_RE is None:
        _YES_RE = re.compile(rf"^(?:是的?|对|有|y|yes|true|t|1(?:\.0+)?|[√✓✔☑]|(?:是|已|有)?{_REPLACED}|已置换)$")
        _NO_RE = re.compile(rf"^(?:否|不是|不|无|没有|n|no|false|f|0(?:\.0+)?|[×✗✘x]|(?:未|不|无|没有|无需|不需|不需要){_REPLACED}"
                            r"|不涉及|不适用)$")
    # full-width letters, digits and brackets as half-width; spaces and a closing 。 dropped; case folded
    text = re.sub(r"[\s。.]+$", "", re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))).lower()
    if not text:
        return None
    if _YES_RE.match(text) or _NO_RE.match(text):
        return bool(_YES_RE.match(text))
    # 是（减量置换）, 否（不涉及）: the word before the bracket, when the bracket does not contradict it
    m = re.match(r"^(是的?|否|有|无)[(\[]([^()\[\]]*)[)\]]$", text)
    if m:
        head = m.group(1) in ("是", "是的", "有")
        inner = capacity_replacement_answer(m.group(2)) if m.group(2) else head
        return head if inner is None or inner == head else None
    return None


def _points_with_area_as_discs(gdf, *, working: bool = False):
    """A batch row given as a point with its 用地面积 becomes a circle of that area, exactly as
    ``dcf site check --site lon,lat --area-mu N`` does, so that overlaps are measured in 亩.

    ``working=True`` returns the frame in the measuring CRS (EPSG:4548) where the circles were
    drawn, for the check, which measures there: no round trip of 129 vertices per circle through
    EPSG:4490 and back (a tenth of a large batch's time)."""
    import pandas as pd
    import shapely

    from ... import io as dcf_io
    from ...crs import to_working

    # only an area the shared validator accepts grows a circle (1e308 or inf would overflow GEOS)
    area_mu = [figure_problem("site_area_mu", v) is None for v in gdf["area_mu"].tolist()]
    area_m2 = np.where(area_mu, pd.to_numeric(gdf["area_mu"], errors="coerce").to_numpy(dtype=float), np.nan)
    area_m2 = area_m2 * settings.MU_M2
    work = to_working(gdf)
    geoms, radius = dcf_io.points_to_discs(work.geometry.values, area_m2)
    # a point that cannot be projected (纬度 115: a swapped pair) gives no circle, and is not counted as grown
    grown = ~np.isnan(radius) & ~shapely.is_empty(geoms)
    if not grown.any():
        return work if working else gdf
    out = work.set_geometry(geoms, crs=work.crs)
    if not working:
        out = out.to_crs(gdf.crs)
    out.attrs = dict(gdf.attrs)
    out.attrs["read_notes"] = list(gdf.attrs.get("read_notes", [])) + [
        f"{int(grown.sum())} 行为点位：按该行用地面积扩为同面积的圆形地块（于 EPSG:4548 量算），位置为示意"]
    return out


def read_batch(path, *, crs=None, default_industry: str | None = None, layer=None, encoding=None,
               swap_xy: bool = False, field_map: dict[str, str] | None = None, as_points: bool = False,
               store=None, discs: bool = True):
    """Read a batch file (CSV/XLSX/any vector file, one site per row) for :func:`~dcf_spatial.queries.site.check.site_results`.

    Coordinates, WKT and the standard Chinese headers (经度/纬度, 行业, 用地面积(亩), 总投资(万元),
    容积率 …) are recognised by :func:`dcf_spatial.io.read_vector` with the ``sites`` alias group.
    Rows without usable coordinates or industry are kept and reported, never dropped. A point row
    with its 用地面积 becomes a circle of that area (as ``--site lon,lat --area-mu N`` does), so
    that its overlaps are measured; the area also feeds the indicators.

    Optional columns ``capacity_replacement`` (是/否) and ``catalogue_class`` (鼓励类/限制类/淘汰类/允许类)
    feed the barred-industry rules.

    ``layer``, ``encoding``, ``swap_xy``, ``field_map`` and ``as_points`` are passed to
    :func:`dcf_spatial.io.read_vector` (a 报批 coordinate TXT gives one site per 地块 record, a 界址点
    table one site per 地块).

    A row without coordinates whose 建设地点 / 项目位置 / 项目地址 names a place is checked at the
    most specific unit the text names (:func:`dcf_spatial.places.place_rows`: “东昌府区郑家镇工业园区
    纬二路北” → 郑家镇工业集聚区), with ``location_method`` = ``按地名定位``; a file with no
    coordinate column at all is read that way too (``store`` gives the gazetteer).

    Returns
    -------
    (sites, industries, figures, errors, notes, flags)
        ``sites.attrs["row_numbers"]`` and ``sites.attrs["row_kind"]`` say where each row sits in the
        file (spreadsheet row, header on row 1, for CSV/XLSX; feature number otherwise), for
        :func:`~dcf_spatial.queries.site.check.site_results` and every message about a row.

    Raises
    ------
    InputError
        The file has no industry column the ``sites`` aliases recognise (or it is empty in every
        row) and no ``default_industry`` was given: every row would be unchecked. The message lists
        the file's columns, the recognised headers, a column whose values look like industries,
        and the fix (``--field industry=列名`` or ``--industry 词``).
    """
    from ...places import ADDRESS_COLUMN, place_rows, read_rows_maybe_without_coordinates

    gdf, _ = read_rows_maybe_without_coordinates(path, crs=crs, layer=layer, encoding=encoding, swap_xy=swap_xy,
                                                 field_map=field_map, aliases=("sites",),
                                                 require_address=True, as_points=as_points)
    # a 合计 row or footer is no project: found once, here, before any row is placed by name (it is not placed,
    # never counted as 位置不明 nor as a row without industry), and handed on to batch_rows, which says so on it
    ledger = _not_project_lines(gdf)
    not_project = np.zeros(len(gdf), dtype=bool)
    not_project[list(ledger)] = True
    if ADDRESS_COLUMN in gdf.columns:
        # rows without coordinates are placed by the most specific name in 建设地点/项目位置/项目地址
        gdf, place_notes = place_rows(gdf, store=store, skip=not_project, skip_word="项目")
        gdf.attrs["read_notes"] = list(gdf.attrs.get("read_notes", [])) + place_notes
    row_numbers, row_kind = _source_rows(gdf, path)
    extra_notes = _industry_column_notes(gdf, path, default_industry, skip=not_project)
    out = batch_rows(gdf, default_industry, row_numbers=row_numbers, row_kind=row_kind, extra_notes=extra_notes,
                     discs=discs, not_project=ledger)
    logger.info("Read %d batch rows from %s", len(gdf), path)
    return out


def _disc_note(gdf, placed=None) -> list[str]:
    """The note :func:`_points_with_area_as_discs` adds, counted without growing the discs; ``placed``: the rows
    whose place can be checked (a swapped pair cannot: no circle is drawn for it)."""
    import pandas as pd
    import shapely

    area = pd.to_numeric(gdf["area_mu"], errors="coerce").to_numpy(dtype=float)
    # the areas :func:`_points_with_area_as_discs` grows: those the shared validator accepts (not inf)
    usable = np.array([figure_problem("site_area_mu", v) is None for v in area.tolist()], dtype=bool) & (area > 0)
    if placed is not None:
        usable &= np.asarray(placed, dtype=bool)
    grown = int(((shapely.get_type_id(gdf.geometry.values) == 0) & usable).sum())
    return [f"{grown} 行为点位：按该行用地面积扩为同面积的圆形地块（于 EPSG:4548 量算），位置为示意"] if grown else []


def batch_rows(gdf, default_industry: str | None = None, *, row_numbers=None, row_kind: str | None = None,
               extra_notes: list[str] | None = None, discs: bool = True, not_project: dict[int, str] | None = None):
    """Each row's industry, figures, flags and reader error from a frame of sites (the ``sites``
    aliases' columns: ``industry``/``industry_code``, ``area_mu``, ``investment_wan`` …).

    Parameters
    ----------
    gdf
        One site per row (any CRS).
    default_industry
        The industry of rows without one.
    row_numbers, row_kind
        Where each row sits in the user's file (default: ``gdf.attrs``, else the position).
    extra_notes
        Notes to add to the reader's.
    discs
        Grow point rows with an area into discs now (False: :func:`iter_site_results` grows them
        chunk by chunk, for bounded memory).
    not_project
        The rows that are the list's 合计 row or a footer, position → the reason of each
        (:func:`_not_project_lines`, as :func:`read_batch` found them before placing rows by name);
        ``None``: found here.

    Returns
    -------
    (sites, industries, figures, errors, notes, flags)
        As :func:`read_batch`; ``sites`` has the column :data:`~dcf_spatial.queries.site.check.NOT_PROJECT_COLUMN`
        (True on a 合计 row or footer: its result is ``not_project``, counted apart).

    Examples
    --------
    >>> sites, industries, *_ = batch_rows(frame, "轴承")  # doctest: +SKIP
    """
    from ... import io as dcf_io

    n = len(gdf)
    ledger_lines = _not_project_lines(gdf) if not_project is None else not_project
    if row_numbers is None:
        known = gdf.attrs.get("row_numbers")
        row_numbers = list(known) if known is not None and len(known) == n else list(range(1, n + 1))
        row_kind = row_kind or (gdf.attrs.get("row_kind") if known is not None else None) or "record"
    # where each row is, as given (before a point grows into a circle): checked with the same rules as one site
    located_problems = location_problems(_storage_geometries(gdf))
    gdf, area_notes = _approximate_areas(gdf, row_numbers, row_kind)
    extra_notes = list(extra_notes or []) + area_notes
    if "area_mu" in gdf.columns and n:
        if discs:
            gdf = _points_with_area_as_discs(gdf)
        else:  # iter_site_results grows them chunk by chunk (1M discs at once took ~13 GB)
            gdf.attrs["read_notes"] = list(gdf.attrs.get("read_notes", [])) + _disc_note(
                gdf, [p is None for p in located_problems])
            gdf.attrs["discs_deferred"] = True
    gdf.attrs.update({"row_numbers": row_numbers, "row_kind": row_kind})
    gdf = _mark_not_project(gdf, ledger_lines)
    issue_col = getattr(dcf_io, "ISSUE_COLUMN", "read_issue")

    def column(name):
        return gdf[name].tolist() if name in gdf.columns else [None] * n

    def blank(v) -> bool:
        return v is None or v != v or str(v).strip() == ""

    issues = column(issue_col)
    codes_col, words_col = column("industry_code"), column("industry")
    empty_geom = [g is None or g.is_empty for g in gdf.geometry.values]
    fig_cols = {f: column("area_mu" if f == "site_area_mu" else f) for f in FIGURE_FIELDS}
    # the text of a cell read as ±inf (io.tables.NUMBER_TEXT): the reason quotes "1e400", not inf
    typed = gdf.attrs.get("number_text") or {}
    typed_fig = {f: typed.get("area_mu" if f == "site_area_mu" else f, {}) for f in FIGURE_FIELDS}
    swap_col, class_col = column("capacity_replacement"), column("catalogue_class")
    method_col, reason_col, addr_col = column("location_method"), column("place_reason"), column("address")
    addr_label = "建设地点/项目位置/项目地址"
    industries, errors, figures, flags = [], [], [], []
    unread: list[str] = []
    for i in range(n):
        val = codes_col[i] if not blank(codes_col[i]) else words_col[i]
        if blank(val):
            val = default_industry
        industries.append(val)
        if i in ledger_lines:  # the table's 合计 row or footer: said so, not checked as a site
            errors.append(ledger_lines[i])
            figures.append({})
            flags.append({})
            continue
        err = None if blank(issues[i]) else str(issues[i])
        if empty_geom[i] and method_col[i] == "位置不明":
            text = '' if blank(addr_col[i]) else str(addr_col[i])
            addr = f"{addr_label}“{text}”" if text.strip() else addr_label
            # the reason says what the text holds (no name of the gazetteer; two units apart; a relative place; an
            # unknown 区/园 with the nearest names) and its fix: "找不到地名" would be untrue for most of them
            why = str(reason_col[i] or "").removeprefix(f"地名“{clip(text)}”：").rstrip("。")
            # names found but none usable (two units apart, a relative place) vs no name of the gazetteer at all
            found = not (text.strip() == "" or why.startswith(("地址中没有地名表中", "地址为空")) or "不在地名表中" in why)
            if not found and text.strip():  # an empty cell is said to be empty (QA round 11), not «找不到地名»
                why = f"找不到地名表中的地名（{why}）"
            if err and not _coordinates_blank(err):
                # a typed coordinate that is no number (经度 “abc”) is named beside the address that did not help
                err = f"{err.rstrip('。')}；{addr}也无法定位：{why}。请改正坐标，或按上述办法改写地点。"
            elif why.startswith(UNREADABLE_HEAD_ZH):
                # the names could not be checked (the store lacks a layer): the row is right as written, so its one
                # instruction is the store's fix — or coordinates, never another name (QA: 「无须改名」 then 「写明…」)
                err = f"无坐标，{addr}无法定位：{why}，或在本行补上坐标。"
            else:
                err = f"无坐标，{addr}无法定位：{why}。" + ("" if "请" in why else "请补坐标，或写明所在镇街/集聚区/园区。")
        # a row without an industry says so first; the reader's note on its coordinates (坐标缺失 …) is
        # moot once the row was placed by its 建设地点, and is not repeated then
        reasons = ["该行没有行业（请填写“行业”或“行业代码”列，或给出全部行的统一行业）。"] if val is None else []
        if err and (empty_geom[i] or (val is None and method_col[i] != "按地名定位")):
            reasons.append(err)
        # the same range checks as one site's options (dcf_spatial._validate): a bad value makes
        # the row 无法核查 with its reason, never a traceback that loses the other rows
        where = None if empty_geom[i] else located_problems[i]
        if where and not reasons:
            reasons.append(where)
        raw = {f: typed_fig[f].get(i, col[i]) for f, col in fig_cols.items() if col[i] is not None}
        reasons += figures_problems(raw)
        errors.append("；".join(r.rstrip("。") for r in reasons) + "。" if reasons else None)
        figures.append(clean_figures(raw))
        flag = {}
        if not blank(swap_col[i]):
            answer = capacity_replacement_answer(swap_col[i])
            if answer is None:  # said in the row's capacity reason and in the notes, never «not declared»
                flag["capacity_replacement_unread"] = clip(str(swap_col[i]).strip(), 20)
                unread.append(flag["capacity_replacement_unread"])
            else:
                flag["capacity_replacement"] = answer
        if not blank(class_col[i]):
            cls = str(class_col[i]).strip()
            flag["catalogue_class"] = cls if cls in ("鼓励类", "允许类", "限制类", "淘汰类") else None
        flags.append(flag)
    if unread:
        shown = "、".join(f"“{v}”" for v in list(dict.fromkeys(unread))[:5])
        extra_notes = list(extra_notes or []) + [
            f"“产能置换”列有 {len(unread)} 行的值无法识别（{shown}）：可填 {CAPACITY_REPLACEMENT_WORDS_ZH}。"
            "这些行不当作“未置换”而判为不符合：受产能置换约束的行业写明是否置换待核实（有条件符合），请改填后重新核查"]
    return gdf, industries, figures, errors, list(gdf.attrs.get("read_notes", [])) + list(extra_notes or []), flags


def _not_project_lines(gdf) -> dict[int, str]:
    """The rows of a list that are its 合计 row or a footer (:func:`_ledger_lines` of the rows without
    geometry and without an industry), position → the reason of its 无法核查. Found before any row is placed
    by name: a 合计 row whose 建设地点 cell holds “/” or a town is no project either (it is not placed)."""
    import shapely

    empty = shapely.is_missing(gdf.geometry.values) | shapely.is_empty(gdf.geometry.values)
    return _ledger_lines(gdf, empty & ~_filled(gdf, INDUSTRY_FIELDS))


def _mark_not_project(gdf, lines: dict[int, str]):
    """``gdf`` with the column :data:`~dcf_spatial.queries.site.check.NOT_PROJECT_COLUMN` (True on the rows of
    ``lines``), which :func:`~dcf_spatial.queries.site.check.site_results` reads; a column of that name in the
    file is kept as ``<name>__original``, as :func:`dcf_spatial.places.place_rows` keeps its own."""
    if NOT_PROJECT_COLUMN in gdf.columns:
        gdf = gdf.rename(columns={NOT_PROJECT_COLUMN: f"{NOT_PROJECT_COLUMN}__original"})
    mark = np.zeros(len(gdf), dtype=bool)
    mark[list(lines)] = True
    gdf[NOT_PROJECT_COLUMN] = mark
    return gdf


def _filled(gdf, fields) -> np.ndarray:
    """Per row: whether any of ``fields`` (those present) holds text other than blanks."""
    filled = np.zeros(len(gdf), dtype=bool)
    for f in fields:
        if f in gdf.columns:
            filled |= gdf[f].astype("string").str.strip().fillna("").ne("").to_numpy(dtype=bool)
    return filled


def _ledger_lines(gdf, candidates) -> dict[int, str]:
    """The rows of a project list that are its total row (合计/小计) or a footer (制表人：…, 填表日期：…):
    a row without a place and without an industry, one of whose cells is such a text
    (:func:`dcf_spatial.io.rows.ledger_line_kind`; the first such cell, in the columns' order, is named).
    Position → the reason of its 无法核查 (not a project)."""
    import pandas as pd

    from ...io.rows import ledger_line_kind

    rows = np.flatnonzero(np.asarray(candidates, dtype=bool))
    if not len(rows):
        return {}
    geom = gdf.geometry.name
    sources = gdf.attrs.get("field_sources") or {}  # canonical field → the column as the user named it
    found: dict[int, str] = {}
    # column by column over the candidate rows (a list placed by name has thousands of them); a column of
    # numbers holds no such text
    for c in gdf.columns:
        if c == geom or pd.api.types.is_numeric_dtype(gdf[c].dtype):
            continue
        for i, v in zip(rows.tolist(), gdf[c].to_numpy(dtype=object)[rows].tolist()):
            kind = None if i in found else ledger_line_kind(v)
            if kind:
                found[i] = (f"{NOT_PROJECT_PREFIX}：“{sources.get(c, c)}”列为“{str(v).strip()}”，是表格的{kind}，"
                            "不是一个项目：未核查，不计入任何项目的结论。")
    return dict(sorted(found.items()))


def _approximate_areas(gdf, row_numbers, row_kind):
    """The 用地面积 column as numbers wherever a cell can be read: an area typed as 约30 / 30左右 / 30亩 is
    read as 30 (the ledgers' number reader, :func:`dcf_spatial.io.aliases.approximate_area`), never the
    whole row 无法核查, and the note names each row whose figure was approximate; a plain number typed
    as text (full-width ``２０``, ``1,200``: the reader leaves a column text when one cell is not a
    number) is read as the single-site check reads it. Other text is left for the figure checks to
    refuse, with its row."""
    import pandas as pd

    if "area_mu" not in gdf.columns or not len(gdf) or pd.api.types.is_numeric_dtype(gdf["area_mu"]):
        return gdf, []
    from ..._validate import clean_figures
    from ...io.aliases import approximate_area
    from .check import row_labels

    values = gdf["area_mu"].tolist()
    changed, approx = {}, []
    for i, v in enumerate(values):
        if not isinstance(v, str):
            continue
        if figure_problem("site_area_mu", v) is None:
            # a number as text: as a number here, so that the circle drawn and the area shown are this one
            # (pandas.to_numeric read ２０ as missing: the row was drawn as a point of 0 亩)
            number = clean_figures({"site_area_mu": v}).get("site_area_mu")
            if number is not None:
                changed[i] = number
            continue
        number, rough = approximate_area(v, "mu")
        if number is None:
            continue
        changed[i] = number
        if rough:
            approx.append((i, v.strip()))
    if not changed:
        return gdf, []
    gdf = gdf.copy()
    gdf["area_mu"] = pd.Series([changed.get(i, v) for i, v in enumerate(values)], index=gdf.index, dtype=object)
    if not approx:
        return gdf, []
    labels = row_labels(gdf.iloc[[i for i, _ in approx[:10]]], [row_numbers[i] for i, _ in approx[:10]], row_kind)
    shown = "、".join(f"{k}（“{v}”）" for k, (_, v) in zip(labels, approx)) + (f" 等 {len(approx)} 行" if len(approx) > 10 else "")
    return gdf, [f"用地面积为约数，按其数值核查（结论与用地控制指标按此面积，须以实测面积复核）：{shown}"]


def _storage_geometries(gdf) -> list:
    """Each row's geometry in the storage CRS (EPSG:4490), for :func:`~dcf_spatial._validate.location_problem`;
    as given when the frame has no CRS."""
    if gdf.crs is None or len(gdf) == 0:
        return list(gdf.geometry.values)
    return list(gdf.geometry.to_crs(settings.storage_crs).values)


def _source_rows(gdf, path) -> tuple[list[int], str]:
    """Where each row of a batch sits in the user's file: (numbers, kind) with kind ``"table"``
    (spreadsheet row numbers, as the reader's notes count them), ``"parcel"`` (a 报批 coordinate TXT's
    records: their lines, named by their 地块), ``"feature"`` or ``"record"``."""
    from ... import io as dcf_io
    from ...io.survey_txt import is_survey_txt
    from ...io.vector import _BINARY_SUFFIXES

    n = len(gdf)
    if dcf_io._is_pg(path):
        return list(range(1, n + 1)), "record"
    p = Path(str(path)).expanduser()
    known = gdf.attrs.get("row_numbers")
    # a 报批 TXT (by its content, as io.read_vector tells it) has no table rows: its 地块 are named (issue 12 M2)
    if known is not None and len(known) == n and p.suffix.lower() not in _BINARY_SUFFIXES and is_survey_txt(p):
        return [int(v) for v in known], "parcel"
    kind = dcf_io._FORMAT_KIND.get(p.suffix.lower())
    if kind not in dcf_io._TABULAR:
        return list(range(1, n + 1)), "feature"
    # io.read_vector keeps each record's spreadsheet row
    if known is not None and len(known) == n:
        return [int(v) for v in known], "table"
    logger.warning("%s: no spreadsheet row numbers for the %d rows read; rows are named by position", path, n)
    return list(range(1, n + 1)), "record"


#: rows checked at a time by :func:`iter_site_results` (bounded memory whatever the batch's size)
BATCH_CHUNK_ROWS = 5_000


def iter_site_results(sites, industries, figures, errors, flags, *, store=None, chunk_rows: int = BATCH_CHUNK_ROWS,
                      progress: bool = False):
    """Check a batch ``chunk_rows`` rows at a time; yield ``(start, sites, results)`` for each chunk, in order.

    The arguments are what :func:`read_batch` returns (with ``discs=False``, point rows with an
    area are grown into discs here, chunk by chunk; the chunk's ``sites`` are then the discs, in the
    measuring CRS EPSG:4548 where they were drawn). Each result's ``row`` is its position in the
    whole batch (0-based), ``source_row``/``row_label`` where it sits in the user's file. The plan's
    layers are loaded once for all chunks. ``progress`` shows the rows done on stderr.

    Examples
    --------
    >>> sites, industries, figures, errors, notes, flags = read_batch("项目清单.csv")     # doctest: +SKIP
    >>> for start, part, results in iter_site_results(sites, industries, figures, errors, flags):  # doctest: +SKIP
    ...     print(start, len(results))
    """
    from ...progress import progress_bar
    from .check import site_results
    from .context import load_context

    n = len(sites)
    chunk_rows = max(1, int(chunk_rows))
    ctx = load_context(store)
    numbers = sites.attrs.get("row_numbers")
    numbers = list(numbers) if numbers is not None and len(numbers) == n else list(range(1, n + 1))
    kind = sites.attrs.get("row_kind") or "record"
    deferred = bool(sites.attrs.get("discs_deferred"))
    # pandas deep-copies ``attrs`` into every frame an operation returns; the batch's attrs hold a
    # row number per row (and the typed text of bad cells), so each chunk's slice, reprojection and
    # column access copied a list as long as the whole batch: O(rows²) in all (a 300,000-row batch
    # spent most of its time there). The chunks are cut from a view whose attrs are only the small ones.
    view = _small_attrs_view(sites)
    bar = progress_bar(n, "选址批量核查", progress)
    try:
        for start in range(0, max(n, 1), chunk_rows):
            stop = min(n, start + chunk_rows)
            part = view.iloc[start:stop]
            if deferred and len(part):
                part = _points_with_area_as_discs(part, working=True)
            res = site_results(part, industries[start:stop], figures=figures[start:stop], errors=errors[start:stop],
                               flags=flags[start:stop], context=ctx, store=store, row_numbers=numbers[start:stop],
                               row_kind=kind)  # a TXT's 地块 named from the chunk's own 地块编号/地块名称
            _read_issues_as_reasons(part, res)
            for r in res:
                r["row"] += start
            bar.update(stop - start)
            yield start, part, res
            if stop >= n:
                break
    finally:
        bar.close()


def _read_issues_as_reasons(part, results) -> None:
    """What the reader found wrong on a row that was still checked (a point ~700 km from the district,
    疑似录入错误; a repaired geometry) goes first in that row's reasons, so that the row says it in every
    output (the table's 理由, the desk's list), not only the batch's 读取说明. A row placed by its
    建设地点 does not repeat that its coordinate cells were empty."""
    from ... import io as dcf_io

    col = getattr(dcf_io, "ISSUE_COLUMN", "read_issue")
    if col not in part.columns:
        return
    issues = part[col].tolist()
    methods = part["location_method"].tolist() if "location_method" in part.columns else [None] * len(part)
    for k, r in enumerate(results):
        text = issues[k]
        if r.get("status", "ok") != "ok" or text is None or text != text or not str(text).strip():
            continue
        parts = [t for t in str(text).split("；")
                 if t.strip() and not (methods[k] == "按地名定位" and _coordinates_blank(t))]
        if parts:
            r["reasons"].insert(0, {"rule": "read_issue", "effect": "info", "plan_ref": "",
                                    "text_zh": "读取提示：" + "；".join(p.rstrip("。") for p in parts) + "。"})


#: ``attrs`` of a batch frame that hold one entry per row (or per bad cell): never copied into a chunk
_PER_ROW_ATTRS = ("row_numbers", "number_text")


def _small_attrs_view(sites):
    """``sites`` without copying its rows, its ``attrs`` without the per-row entries (:data:`_PER_ROW_ATTRS`)."""
    small = {k: v for k, v in sites.attrs.items() if k not in _PER_ROW_ATTRS}
    full, sites.attrs = sites.attrs, {}
    try:
        view = sites.copy(deep=False)  # shares the columns' data; only the frame object is new
    finally:
        sites.attrs = full
    view.attrs = small
    return view


#: canonical columns of the ``sites`` alias group that name the industry of a batch row
INDUSTRY_FIELDS = ("industry", "industry_code")


def _industry_column_notes(gdf, path, default_industry, *, skip=None) -> list[str]:
    """Is there an industry to check each row against? Raise when no row can have one (no column
    recognised, or the column empty throughout, and no ``default_industry``): a results file of
    100 % 无法核查 tells the planner nothing. With a default, say how it was used. ``skip``: the rows that
    are no project (a 合计 row, a footer: :func:`_not_project_lines`), not counted."""
    from ... import io as dcf_io

    n = len(gdf)
    present = [f for f in INDUSTRY_FIELDS if f in gdf.columns]
    filled = _filled(gdf, present)
    skip = np.zeros(n, dtype=bool) if skip is None else np.asarray(skip, dtype=bool)
    if default_industry is not None and str(default_industry).strip():
        given = f"{_fixes.DEFAULT_INDUSTRY} {default_industry} 核查"
        rows = int((~skip).sum())
        if not present:
            # a column that reads as industries is named: every row checked as one industry is then
            # most likely not what was meant (QA round 10: cement and chemical projects checked as 轴承)
            guess = _industry_like_column(gdf, _original_columns(gdf))
            also = (f"（注意：列“{guess}”的内容像行业，如 {'、'.join(_sample_values(gdf[guess], 3))}；"
                    f"要逐行按该列核查，请用{_fixes.FIELD_MAP} industry={guess} 指定）") if guess else ""
            return [f"文件中没有可识别的行业列，全部 {rows} 行{given}{also}"]
        if (~filled & ~skip).any():
            return [f"{int((~filled & ~skip).sum())} 行行业为空，{given}（其他行按文件中的行业列）"]
        return []
    if filled.any() or n == 0:
        return []
    group = dcf_io.alias_table()["groups"]["sites"]
    heads = {f: [e if isinstance(e, str) else e["name"] for e in group[f]] for f in INDUSTRY_FIELDS}
    originals = _original_columns(gdf)
    guess = _industry_like_column(gdf, originals)
    known = (f"可识别的行业列名：{'、'.join(heads['industry'])}（行业词），"
             f"{'、'.join(heads['industry_code'])}（GB/T 4754 代码）。")
    if present:
        used = "、".join(present)
        what = f"行业列（{used}）每一行都是空的，没有一行能核查。"
    else:
        what = "表头中没有可识别的行业列，没有一行能核查。"
    raise IndustryColumnMissing(path=path, what=what, columns=[str(c) for c in originals], known=known,
                                guess=guess, samples=_sample_values(gdf[guess], 3) if guess else [])


class IndustryColumnMissing(InputError):
    """A batch file has no industry column (or it is empty throughout) and no default industry.

    The message gives the fix in Python terms (``field_map=``, ``default_industry=``); the attributes
    let a caller phrase it in its own terms (the CLI names its options).

    Attributes
    ----------
    path
        The file.
    what
        What is wrong (Chinese).
    columns
        The file's own columns.
    known
        The recognised industry headers (Chinese sentence).
    guess
        A column whose values look like industries, or ``None``.
    samples
        Up to three of its values.
    """

    def __init__(self, *, path, what: str, columns: list[str], known: str, guess: str | None, samples: list[str]):
        self.path, self.what, self.columns, self.known = path, what, columns, known
        self.guess, self.samples = guess, samples
        if guess:
            hint = (f"列“{guess}”的内容像行业（如 {'、'.join(samples)}）。"
                    f"请用 field_map={{'industry': '{guess}'}} 指定行业列")
        else:
            hint = "请用 field_map={'industry': '列名'} 指定行业列（行业代码列用 field_map={'industry_code': '列名'}）"
        super().__init__(f"{self.head()}{hint}，或用 default_industry=（如 '轴承'）给全部行统一行业。")

    def head(self) -> str:
        """The part of the message that names no fix: file, problem, columns, recognised headers."""
        return f"{self.path}：{self.what}表中的列：{'、'.join(self.columns) or '（无）'}。{self.known}"


def _original_columns(gdf) -> list:
    """The file's own columns: without the geometry, the reader's issue column and the canonical
    columns the aliases added beside the originals."""
    from .tables import original_columns

    return original_columns(gdf)


def _sample_values(series, k: int) -> list[str]:
    vals = series.dropna().astype(str).str.strip()
    return list(dict.fromkeys(v for v in vals if v))[:k]


#: rows looked at to guess an industry column (a batch of a million rows is not read through for a hint)
_GUESS_ROWS = 10_000


def _industry_like_column(gdf, columns) -> str | None:
    """The text column whose values most often resolve to an industry (≥ 60 % of up to 30 distinct
    values among its first :data:`_GUESS_ROWS` rows), to name in the message; ``None`` when no column looks like one."""
    import pandas as pd

    from ... import io as dcf_io
    from ...io.survey_txt import RECORD_FIELDS

    spec = dcf_io.alias_table()
    known = {dcf_io._norm(e if isinstance(e, str) else e["name"])
             for entries in spec["groups"]["sites"].values() for e in entries}
    # a 报批 TXT's record fields are the format's, never an industry (界址点数 “10” read as a code: issue 12 M2)
    known |= {dcf_io._norm(c) for c in RECORD_FIELDS}
    for kind in spec["coordinates"].values():
        names = kind if isinstance(kind, list) else kind["x"] + kind["y"]
        known |= {dcf_io._norm(x) for x in names}
    best, best_share = None, 0.0
    for c in columns:
        if dcf_io._norm(c) in known or pd.api.types.is_numeric_dtype(gdf[c]):
            continue
        vals = _sample_values(gdf[c].iloc[:_GUESS_ROWS], 30)
        if not vals:
            continue
        share = sum(_resolves(v) for v in vals) / len(vals)
        if share >= 0.6 and share > best_share:
            best, best_share = c, share
    return best


def _resolves(value) -> bool:
    """Does ``value`` name an industry (resolved or ambiguous)? A malformed code (C9899) does not."""
    try:
        return resolve(value).status in ("resolved", "ambiguous")
    except InputError:
        return False


def policy_notes_zh(policy: dict | None = None) -> list[str]:
    """The 数据说明 lines naming each office policy (口径) a batch was checked under: its name, the
    setting used, and whether that is the default or was chosen for this check.

    Parameters
    ----------
    policy
        ``{policy name: setting}`` chosen for the check (as ``check_batch(policy=…)``); ``None``: defaults.

    Returns
    -------
    list of str
        One line per policy of ``plan_rules.json`` → ``office_policies``.

    Examples
    --------
    >>> line = policy_notes_zh({"industry_outside_clusters": "conditional"})[0]
    >>> line.startswith("核查口径：集聚区外新建工业项目"), "本次选用，非默认口径" in line
    (True, True)
    """
    from ... import plan

    policy = plan.chosen_policies(policy)   # a name or setting given in Chinese, as codes
    used = plan.office_policies(policy)
    defaults = plan.office_policies()
    defined = plan.rules().get("office_policies") or {}
    lines = []
    for name, setting in used.items():
        e = defined[name]
        default = defaults[name]
        if not policy or name not in policy:
            which = "默认口径"
        elif setting == default:
            which = "本次选用，与默认口径相同"
        else:
            which = f"本次选用，非默认口径；默认口径为“{e['setting_zh'][default]}”"
        lines.append(f"核查口径：{e['name_zh']}（{name}）——{e['setting_zh'][setting]}（{which}）。"
                     f"规划依据 {e.get('plan_ref', '')}，口径由规划管理部门确定")
    return lines


def reading_notes_zh(notes) -> list[str]:
    """The 数据说明 lines of a batch workbook that say how its file was read: the columns the places were
    taken from (经度/纬度, a WKT column for rows without coordinates, 建设地点 for rows with neither), the
    rows without coordinates, the columns recognised — each line ``读取说明：…``, as the summary prints them.

    Parameters
    ----------
    notes
        The reader's notes (:func:`read_batch`'s ``notes``, or ``sites.attrs["read_notes"]``).

    Returns
    -------
    list of str

    Examples
    --------
    >>> reading_notes_zh(["坐标取自列 经度 / 纬度", ""])
    ['读取说明：坐标取自列 经度 / 纬度']
    """
    return [f"读取说明：{str(n).strip()}" for n in (notes or []) if str(n).strip()]


def write_batch_table(results: list[dict], sites, output, *, overwrite: bool = False,
                      policy: dict | None = None) -> Path:
    """Write the batch results as the table a planner opens, one row per input row.

    Parameters
    ----------
    results
        One result dict per row (:func:`~dcf_spatial.queries.site.check.site_results`).
    sites
        The rows checked (their ``name`` column, when present, is put beside each result; the
        geometry goes into a .gpkg). The file's own columns (序号、建设单位、经度、纬度 …) follow the
        result columns, an input column named like a result column as ``原表_<name>``
        (:func:`~dcf_spatial.queries.site.tables.input_columns`).
    output
        ``.csv`` (UTF-8 with BOM), ``.xlsx`` (with a 数据说明 sheet) or ``.gpkg`` (layer ``site_check``).
    overwrite
        Replace an existing file.
    policy
        The office policy settings the batch was checked under (``None``: the defaults); an .xlsx
        names them in its 数据说明 sheet (:func:`policy_notes_zh`).

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> write_batch_table(results, sites, "核查结果.xlsx")  # doctest: +SKIP
    PosixPath('核查结果.xlsx')
    """
    from .present import sites_frame
    from .tables import results_table_zh, with_input_columns

    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in BATCH_OUTPUT_SUFFIXES:
        raise InputError(f"{output}：结果文件请用 .csv、.xlsx 或 .gpkg。")
    from ...outputs_guard import guard_output

    guard_output(output, overwrite=overwrite)  # never the layer store
    output.parent.mkdir(parents=True, exist_ok=True)  # a new folder for the results (结果/2026/核查结果.xlsx)
    names = sites["name"].astype("string").fillna("").to_numpy() if "name" in sites.columns else None
    from ...io.output_set import atomic_file
    from ...io.write import write_csv, write_xlsx

    with atomic_file(output) as tmp:  # a failed or killed write leaves an earlier file as it was
        if suffix == ".csv":
            write_csv(results_table_zh(results, names, sites), tmp)  # formula-like text quoted
        elif suffix == ".xlsx":
            import pandas as pd

            prov = next((r["provenance"] for r in results if r.get("status") == "ok"), None)
            notes = pd.DataFrame({"说明": [prov["note_zh"] if prov else "",
                                           "结论取值：符合 / 有条件符合 / 不符合 / 不在规划范围 / 无法核查（原因见“无法核查的原因”列）",
                                           *policy_notes_zh(policy),
                                           *reading_notes_zh(getattr(sites, "attrs", {}).get("read_notes"))]})
            # text never a formula; the input's number cells as numbers (a 经度 column with one "abc" is text)
            table = results_table_zh(results, names, sites, numbers=True)
            from .tables import xlsx_layout

            write_xlsx({"核查结果": table, "数据说明": notes}, tmp,
                       layouts={"核查结果": xlsx_layout(table.columns), "数据说明": {"widths": {"说明": 100}, "wrap": ["说明"]}})
        else:
            frame = sites_frame(sites, results)
            with_input_columns(frame, sites, taken=frame.columns).to_file(tmp, layer="site_check", driver="GPKG")
    logger.info("Wrote %d batch results to %s", len(results), output)
    return output
