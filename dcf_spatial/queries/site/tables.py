"""The site-check results as tables (one row per site, Chinese headers for the files people open)
and the small labels the report and the text answer share."""

from __future__ import annotations

import re

from ... import plan
from ...user_text import printable_name
from .check import NOT_PROJECT_COLUMN, NOT_PROJECT_ZH, row_label
from .rules import fmt_share


#: results_table column -> the Chinese header of the CSV/XLSX a planner opens
RESULT_COLUMNS_ZH = {
    "row": "记录序号", "source_row": "表格行号", "status": "核查状态", "error": "无法核查的原因", "verdict": "结论代码", "verdict_zh": "结论",
    "industry_codes": "行业代码（GB/T 4754-2017）", "industry_zh": "行业", "area_mu": "面积（亩）",
    "townships": "所在镇（街道）及占比", "zones": "涉及分区及占比", "nearest_designated": "对口分区（最近）",
    "reasons": "判定理由", "indicators": "用地控制指标", "provenance_note": "数据说明",
    "location_method": "定位方式",
}
STATUS_ZH = {"ok": "已核查", "error": "无法核查", "not_project": "未核查（非项目行）"}


def counted_as_zh(result: dict) -> str:
    """The word a result is counted under, in every count of a batch (the summary, the 结论 column, the HTML
    report's 汇总, the desk's counts): its verdict; :data:`~dcf_spatial.queries.site.check.NOT_PROJECT_ZH` for
    the list's 合计 row or a footer; else 无法核查.

    Examples
    --------
    >>> [counted_as_zh(r) for r in ({"status": "ok", "verdict_zh": "符合"}, {"status": "error"},
    ...                             {"status": "error", "not_project": True})]
    ['符合', '无法核查', '非项目行']
    """
    if result.get("status", "ok") == "ok":
        return result["verdict_zh"]
    return NOT_PROJECT_ZH if result.get("not_project") else STATUS_ZH["error"]


def verdict_counts_zh(results=None, *, counted: dict | None = None) -> dict[str, int]:
    """A batch's counts, word → rows (:func:`counted_as_zh`), the most frequent first (ties in the order met):
    the one count every output of a batch prints. ``counted``: counts already made (a batch checked chunk by
    chunk keeps no results), only ordered here.

    Examples
    --------
    >>> verdict_counts_zh([{"status": "error"}, {"status": "ok", "verdict_zh": "符合"},
    ...                    {"status": "ok", "verdict_zh": "符合"}, {"status": "error", "not_project": True}])
    {'符合': 2, '无法核查': 1, '非项目行': 1}
    """
    from collections import Counter

    counts = Counter(counted) if counted is not None else Counter(counted_as_zh(r) for r in results or ())
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def rows_counted_zh(rows: int, not_project: int = 0) -> str:
    """The first line of a batch's counts: its rows, and apart the 合计 rows and footers that are no project.

    Examples
    --------
    >>> rows_counted_zh(9, 1)
    '共 9 行（其中 8 个项目、1 行非项目行），与输入相同，无一遗漏。'
    >>> rows_counted_zh(5)
    '共 5 条记录（与输入相同，无一遗漏）。'
    """
    if not not_project:
        return f"共 {rows} 条记录（与输入相同，无一遗漏）。"
    return f"共 {rows} 行（其中 {rows - not_project} 个项目、{not_project} 行{NOT_PROJECT_ZH}），与输入相同，无一遗漏。"


def original_columns(gdf) -> list:
    """A frame's own columns when the reader did not list them: without the geometry, the reader's
    issue column, the canonical columns the ``sites`` aliases added beside the originals, the columns
    placing a row by name added (``location_method``, ``place_*``: never listed as the file's, QA round 10)
    and the batch's mark of its 合计 rows and footers (:data:`~dcf_spatial.queries.site.check.NOT_PROJECT_COLUMN`).

    Examples
    --------
    >>> original_columns(read_vector("项目清单.csv", aliases=("sites",)))  # doctest: +SKIP
    ['序号', '项目名称', '经度', '纬度']
    """
    from ... import io as dcf_io

    geometry = getattr(gdf, "geometry", None)
    from ...io.tables import GEOMETRY_FROM_COLUMN
    from ...places import PLACE_COLUMNS

    added = (set(dcf_io.alias_table()["groups"]["sites"])
             | {dcf_io.ISSUE_COLUMN, GEOMETRY_FROM_COLUMN, NOT_PROJECT_COLUMN, *PLACE_COLUMNS})
    if geometry is not None:
        added.add(geometry.name)
    return [c for c in gdf.columns if c not in added and not str(c).endswith("__original")]


#: prefix of an input column whose name is also a result column's (``结论`` → ``原表_结论``)
INPUT_PREFIX = "原表_"


def input_columns(sites, *, taken) -> list[tuple[str, str]]:
    """The batch file's own columns (序号、建设单位、经度、纬度、总投资 …, in the file's order), written back
    after the result columns so that the office can join the results to its list.

    Parameters
    ----------
    sites
        The rows read (``attrs["input_columns"]`` from :func:`dcf_spatial.io.read_vector`; without it the
        columns that are neither the geometry, the reader's issue column nor a canonical alias column).
    taken
        The result columns' names: an input column of the same name is written as ``原表_<name>``.

    Returns
    -------
    list of (column in ``sites``, header written)

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"序号": [1], "结论": ["自填"]})
    >>> rows.attrs["input_columns"] = ["序号", "结论"]
    >>> input_columns(rows, taken={"结论"})
    [('序号', '序号'), ('结论', '原表_结论')]
    """
    own = sites.attrs.get("input_columns")
    if own is None:
        own = original_columns(sites)
    taken, out = set(taken), []
    for col in own:
        # apply_aliases keeps a column the user's field map replaced as <name>__original
        src = f"{col}__original" if f"{col}__original" in sites.columns else col
        if src not in sites.columns:
            continue
        header = str(col)
        while header in taken:
            header = INPUT_PREFIX + header
        taken.add(header)
        out.append((src, header))
    return out


#: every header :func:`results_table_zh` may write (the input's columns are named against all of them,
#: so every chunk of a streamed batch names them alike)
RESULT_HEADERS_ZH = frozenset({*RESULT_COLUMNS_ZH.values(), "项目名称"})


#: a cell of text that is a plain number (no leading zero, fewer digits than a float holds)
_PLAIN_NUMBER = re.compile(r"[+-]?(?:0|[1-9]\d{0,14})(?:\.\d+)?")


def _cells_as_numbers(col, header: str):
    """An input column of text whose cells are numbers where they read as one (``"115.95402"``, full-width
    ``"１２０"``) and text elsewhere (``"abc"``): a column the reader kept as text because one cell was no
    number writes its numbers as numbers into a spreadsheet. Code-like columns (代码、编号 …) stay text."""
    from ..._validate import number_text
    from ...io.aliases import _is_text_field

    import pandas as pd

    if not (col.dtype == object or pd.api.types.is_string_dtype(col.dtype)) or _is_text_field(header):
        return col

    def cell(v):
        if isinstance(v, str):
            t = number_text(v).strip()
            if _PLAIN_NUMBER.fullmatch(t):
                return float(t) if "." in t else int(t)
        return v

    return col.astype(object).map(cell)


def with_input_columns(table, sites, *, taken=RESULT_HEADERS_ZH, numbers: bool = False):
    """``table`` (one row per row of ``sites``, in order) with the input's own columns appended
    (:func:`input_columns`); ``sites`` may be ``None`` (nothing appended). ``numbers``: text cells that
    are plain numbers become numbers (for a spreadsheet; a GeoPackage column keeps one type).

    Examples
    --------
    >>> with_input_columns(results_table_zh(results, names), sites)  # doctest: +SKIP
    """
    if sites is None:
        return table
    import numpy as np
    import pandas as pd

    for src, header in input_columns(sites, taken=taken):
        col = sites[src]
        if pd.api.types.is_float_dtype(col.dtype):
            v = col.to_numpy(dtype=float)
            known = v[~np.isnan(v)]
            if len(known) and (np.abs(known) < 2 ** 53).all() and (known == np.round(known)).all():
                col = col.astype("Int64")  # a 序号 or 总投资 with a blank cell was read as float: 1, not 1.0
        elif numbers:
            col = _cells_as_numbers(col, src)
        table[header] = col.to_numpy() if not isinstance(col.dtype, pd.Int64Dtype) else col.array
    return table


#: columns of the results table that hold sentences: wide and wrapped in an .xlsx (a planner reads them
#: in the cell, not in the formula bar); the other result columns get a width from their header's length
XLSX_WRAPPED = {"无法核查的原因": 40, "判定理由": 60, "用地控制指标": 40, "数据说明": 40, "涉及分区及占比": 32,
                "对口分区（最近）": 32, "所在镇（街道）及占比": 20, "项目名称": 28,
                # the industry (C3670 汽车零部件及配件制造（读作…）) and how the row was placed run past a header's width
                "行业": 30, "定位方式": 36}
#: the narrowest and widest column of an .xlsx results sheet (Excel width units, about one Latin character)
XLSX_WIDTH_RANGE = (8.0, 24.0)


def xlsx_layout(columns) -> dict:
    """How a results sheet is laid out in an .xlsx: ``{"widths": {column: width}, "wrap": [columns]}``
    (sentences wide and wrapped, other columns as wide as their header, a CJK character counted twice);
    the writers also freeze the header row and put a filter on it.

    Examples
    --------
    >>> lay = xlsx_layout(["记录序号", "判定理由", "经度"])
    >>> lay["widths"]["判定理由"], "判定理由" in lay["wrap"], lay["widths"]["经度"]
    (60, True, 8.0)
    """
    lo, hi = XLSX_WIDTH_RANGE
    widths, wrap = {}, []
    for c in columns:
        c = str(c)
        if c in XLSX_WRAPPED:
            widths[c] = XLSX_WRAPPED[c]
            wrap.append(c)
        else:
            widths[c] = min(hi, max(lo, sum(2 if ord(ch) > 0x2E7F else 1 for ch in c) + 2.0))
    return {"widths": widths, "wrap": wrap}


def named_label(label: str, name) -> str:
    """A batch row's label with its 项目名称, as the console lists it (QA user F12: ``表格第 2 行：有条件符合``
    named no project, where the desk and the table do): ``表格第 2 行（某轴承项目）``; the label alone without
    a name, or when the label already holds it (a 报批 TXT's 地块 are labelled by their names). One printable
    line (:func:`~dcf_spatial.user_text.printable_name`): a name's line break cannot forge a row (breaker F11).

    Examples
    --------
    >>> named_label("表格第 2 行", "某轴承项目"), named_label("表格第 3 行", ""), named_label("表格第 4 行", None)
    ('表格第 2 行（某轴承项目）', '表格第 3 行', '表格第 4 行')
    >>> named_label("表格第 2 行", "甲）：不符合\\n  表格第 3 行（乙")
    '表格第 2 行（甲）：不符合⏎  表格第 3 行（乙）'
    """
    name = "" if name is None or (isinstance(name, float) and name != name) else str(name).strip()
    if not name or name in label:
        return printable_name(label)
    return printable_name(f"{label}（{name}）")


def results_table_zh(results: list[dict], names=None, sites=None, *, numbers: bool = False):
    """:func:`results_table` with Chinese headers and statuses, for the files people open;
    ``names`` (the input's project names, one per row) is put beside the record number, and the
    input's own columns (``sites``, one row per result) after the result columns (``numbers``: their
    number text as numbers, for an .xlsx; see :func:`with_input_columns`)."""
    table = results_table(results)
    table["status"] = table["status"].map(STATUS_ZH).fillna(table["status"])
    # 表格行号 (the spreadsheet's own row number) only when the input was a spreadsheet; for a GIS
    # file or a database table the record number is already how the user finds the row; a 报批 TXT's
    # records keep their 地块 (编号、名称、第 N 行) and their line in the file (issue 12 M2)
    from_table = bool(len(table)) and table["row_label"].str.startswith("表格").all()
    from_txt = bool(len(table)) and table["row_label"].str.startswith("地块").all()
    table = table.drop(columns=([] if from_txt else ["row_label"]) + ([] if from_table or from_txt else ["source_row"]))
    if names is not None and len(names) == len(table):
        table.insert(3 if from_txt else 2 if from_table else 1, "name", list(names))
    headers = {**RESULT_COLUMNS_ZH, "name": "项目名称", **(TXT_ROW_COLUMNS_ZH if from_txt else {})}
    return with_input_columns(table.rename(columns=headers), sites, numbers=numbers)


#: the headers of a 报批 TXT record's place in the batch table (a TXT has no 表格行号)
TXT_ROW_COLUMNS_ZH = {"source_row": "文件行号", "row_label": "地块"}


#: the columns of :func:`results_table`, in order: every table has all of them, so that the chunks of a
#: batch written one after another (:func:`~dcf_spatial.queries.check_batch_to_file`) line up even when a
#: chunk holds only rows that could not be checked
RESULT_COLUMNS = ("row", "source_row", "row_label", "status", "error", "verdict", "verdict_zh", "industry_codes",
                  "industry_zh", "area_mu", "location_method", "townships", "zones", "nearest_designated",
                  "reasons", "indicators", "provenance_note")


def results_table(results: list[dict]):
    """Flatten check results to a DataFrame with Chinese-readable text columns (one row per site;
    the columns of :data:`RESULT_COLUMNS`)."""
    import pandas as pd

    rows = []
    for k, r in enumerate(results):
        pos = r.get("row", k)
        source = r.get("source_row", pos + 1)
        row = {"row": pos + 1, "source_row": source, "row_label": r.get("row_label") or row_label(source),
               "status": r.get("status", "ok"), "error": r.get("error", "")}
        if r.get("status", "ok") == "ok" or r.get("reasons") is not None:   # checked (a layer unread: 无法核查)
            row.update({
                "verdict": r["verdict"], "verdict_zh": r["verdict_zh"],
                "industry_codes": ",".join(r["industry"]["codes"]),
                "industry_zh": "、".join(r["industry"]["names_zh"])
                + (f"（{r['industry']['read_zh']}）" if r["industry"].get("read_zh") else ""),
                "area_mu": r["site"]["area_mu"],
                "location_method": (f"按地名定位：“{r['site']['from_name']['name']}”→{r['site']['from_name']['level']}"
                                    f"“{r['site']['from_name']['unit']}”"
                                    + (f"（具体地块未知，{named_judged_zh(r['site'])}；"
                                       f"{'面积为申报面积' if r['site']['area_mu'] is not None else '面积未知'}）"
                                       if not r["site"].get("parcel_known", True) else ""))
                if r["site"].get("from_name")
                else f"图形（{r['site']['geometry_from']}列）" if r["site"].get("geometry_from_kind") == "shape"
                else f"坐标（{r['site']['geometry_from']}列）" if r["site"].get("geometry_from") else "坐标/图形",
                "townships": "；".join(f"{t['name_zh']} {fmt_share(t['share'])}" for t in r["townships"]),
                "zones": "；".join(f"{z['name_zh']} {fmt_share(z['share'])}" for z in r["zones"]),
                "nearest_designated": "；".join(f"{d['name_zh']} {d['distance_km']} km" for d in r["designated_zones"][:3]),
                # one reason a line (QA round 8): a cell of five reasons run together was unreadable
                "reasons": "\n".join(x["text_zh"] for x in r["reasons"]),
                "indicators": "；".join(f"{x['name_zh']}:{x['status_zh']}" for x in r["indicators"]),
                "provenance_note": r["provenance"]["note_zh"],
            })
        elif r.get("not_project"):  # the list's 合计 row or a footer: counted apart (QA round 10)
            row.update({"status": "not_project", "verdict": None, "verdict_zh": counted_as_zh(r)})
        else:
            row.update({"verdict": None, "verdict_zh": counted_as_zh(r)})
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    # record and spreadsheet row numbers are whole numbers, whatever the source handed over (1, not 1.0)
    for col in ("row", "source_row"):
        table[col] = pd.to_numeric(table[col], errors="coerce").round().astype("Int64")
    return table


def barred(result: dict) -> bool:
    """True when a barred-industry rule (第九章第三节; over-capacity, 淘汰类, 限制类) decided ``does_not_fit``."""
    ids = {r["id"] for r in plan.rules()["barred"]} | {"overcapacity", "catalogue_eliminated",
                                                                   "catalogue_restricted"}
    return any(r["rule"] in ids and r["effect"] == "does_not_fit" for r in result.get("reasons", []))


GEOM_ZH = {"Point": "点位", "MultiPoint": "多个点位", "Polygon": "面状地块", "MultiPolygon": "多块面状地块",
            "LineString": "线", "MultiLineString": "多条线", "GeometryCollection": "混合几何"}


def unit_of(s: dict) -> str:
    """``"该集聚区"``: how the texts name the unit a site given by a place name stands for."""
    return f"该{(s.get('from_name') or {}).get('level') or '单元'}"


def area_zh(s: dict) -> str:
    """The area of a result's site as the texts print it: ``"面积 50.00 亩"``; for a site given by a place
    name the declared area (``"面积 50.00 亩（申报面积，具体地块未知）"``) or ``"面积未知"``."""
    if s.get("parcel_known", True):
        return f"面积 {s['area_mu']:.2f} 亩"
    if s.get("area_mu") is not None:
        return f"面积 {s['area_mu']:.2f} 亩（申报面积，具体地块未知）"
    return "面积未知（按地名定位、具体地块未知，且未申报用地面积）"


def zone_headers_zh(s: dict) -> tuple[str, str]:
    """The 涉及分区 table's area and share headers: the site's own, or — for a site given by a place name
    whose parcel is unknown — the named unit's (its figures are the unit's, not a 50 亩 parcel's).

    Examples
    --------
    >>> zone_headers_zh({"area_mu": 50, "parcel_known": True})
    ('重叠面积（亩）', '占场地比例')
    >>> zone_headers_zh({"parcel_known": False, "from_name": {"level": "集聚区"}})
    ('该集聚区内面积（亩）', '占该集聚区比例')
    """
    if s.get("from_name") and not s.get("parcel_known", True):
        level = s["from_name"].get("level") or "单元"
        return f"该{level}内面积（亩）", f"占该{level}比例"
    return "重叠面积（亩）", "占场地比例"


def check_title_zh(subject: str | None) -> str:
    """The title of a site check's answer and reports: ``项目选址核查：<subject>`` (the industry as read, or
    as typed when it reads as several codes; the project's name in a desk report), never a bare colon
    (QA session 31 F8: a reading of several codes has no single label, and the PDF's title ended in «：»).

    Examples
    --------
    >>> check_title_zh("C3451 滚动轴承制造"), check_title_zh("  ")
    ('项目选址核查：C3451 滚动轴承制造', '项目选址核查')
    """
    subject = (subject or "").strip()
    return f"项目选址核查：{subject}" if subject else "项目选址核查"


def from_name_zh(s: dict) -> str:
    """The line saying a site was given by a place name, and what the verdict judges then."""
    fn = s["from_name"]
    unit = f"{fn['level']}“{fn['unit']}”"
    if s.get("parcel_known", True):
        return f"场地来自地名：“{fn['name']}” → {unit}（按地名定位）"
    parts = {p["part_zh"]: p["verdict"] for p in s.get("parts_checked") or []}
    from .rules.named import every_part_fails

    return (f"场地来自地名：“{fn['name']}” → {unit}（按地名定位，该单元共 {s.get('unit_area_mu', 0):,.0f} 亩）；"
            f"具体地块未知，{named_judged_zh(s)}"
            + ("" if every_part_fails(parts) else "，具体地块须另行核查"))


def named_judged_zh(s: dict) -> str:
    """How the verdict of a site placed by a name, its parcel unknown, was reached — the single check's
    :func:`from_name_zh` and the batch's 定位方式 column both say it from here (QA session 31 F4: the column
    said «结论按该单元本身的定位» beside a reason judged part by part).

    Examples
    --------
    >>> named_judged_zh({"from_name": {"level": "镇街"}, "parts_checked": [{"part_zh": "甲", "verdict": "fits"}]})
    '结论按该镇街内各分区及其余部分逐一按地块核查判定'
    >>> named_judged_zh({"from_name": {"level": "园区"}, "parts_checked": []})
    '结论按该园区本身的规划定位判定'
    """
    from ...places import unit_judged_zh
    from .rules.named import every_part_fails

    level = s["from_name"].get("level") or "单元"
    parts = {p["part_zh"]: p["verdict"] for p in s.get("parts_checked") or []}
    if every_part_fails(parts):
        return f"该{level}内各分区及其余部分逐一按地块核查均不符合，具体地块位于其中何处都不符合"
    return unit_judged_zh(level) if parts else f"结论按该{level}本身的规划定位判定"


#: the 亩 cell of a place the plan names without drawing it (``named_places``): the township stands for it
NAMED_PLACE_AREA_ZH = "—（按镇示意，无面积）"


def named_place_share_zh(zone: dict, site: dict) -> str:
    """The share cell of a place the plan names without drawing it (``named_places``, e.g. 沙镇、侯营
    高标准蔬菜产业示范园): it has no extent of its own, so no share of it; what is true is how much of the
    site lies in the township that stands for it (``zone["share"]``), or — for a site placed by a name —
    nothing beyond that the township stands for it.

    Examples
    --------
    >>> named_place_share_zh({"share": 0.246}, {"area_mu": 6025, "parcel_known": True})
    '场地 24.6% 在其所在镇（街道）'
    >>> named_place_share_zh({"share": 1.0}, {"parcel_known": False, "from_name": {"level": "镇街"}})
    '—（按所在镇（街道）示意）'
    """
    if not site.get("parcel_known", True):
        return "—（按所在镇（街道）示意）"
    return f"场地 {fmt_share(zone.get('share') or 0)} 在其所在镇（街道）"


def point_zone_zh(zone: dict, site: dict) -> str:
    """Where a point zone (a 多点 特色小镇, drawn as a point) lies from the site: in a drawn site
    (``"点位，位于场地内"``), in the named unit, or — for a site that is itself a point, or a parcel
    the point lies outside — its distance and the radius within which the check counts the town.

    Examples
    --------
    >>> point_zone_zh({"point": True, "distance_km": 0.62}, {"area_mu": 0, "parcel_known": True})
    '点位，距场地 0.62 km（在该点 1.5 km 示意范围内，非规划原文）'
    >>> point_zone_zh({"point": True, "distance_km": 0.0}, {"area_mu": 30, "parcel_known": True})
    '点位，位于场地内'
    """
    if not site.get("parcel_known", True):
        return f"点位，位于{unit_of(site)}内"
    d = zone.get("distance_km")
    if d is None or (d == 0 and (site.get("area_mu") or 0) > 0):
        return "点位，位于场地内"
    if d == 0:
        return "点位，与场地点位重合"
    radius = plan.rules()["thresholds"]["service_point_radius_km"]
    return f"点位，距场地 {d:.2f} km（在该点 {radius:g} km 示意范围内，非规划原文）"
