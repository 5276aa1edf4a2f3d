"""The HTML report of a site check (escaped, provenance stated, plan references) and the sites
frame behind the answer map and the GeoPackage output.

HTML is assembled from escaped pieces (:func:`escape` on every value from data), never by
pasting raw attribute values. A user's text (a 项目名称, a 地块名称) is shown with its hidden characters in
words, as the console and the 核查意见 show them: a right-to-left override as ``<U+202E>``, not wrapped in
``<bdi>`` — ``<bdi>`` only keeps the override from reversing the text after the name, the name itself would
still read reversed (``报告<U+202E>fdp.exe`` shown as ``报告exe.pdf``), and the upload's file name in the same
report already reads so (breaker F7, F11).
"""

from __future__ import annotations

import datetime as _dt
import logging
import html
from pathlib import Path

from ...user_text import printable_name

logger = logging.getLogger(__name__)


def escape(text: str) -> str:
    """``text`` as HTML text: hidden characters in words (line breaks kept: HTML lays them out as spaces),
    then ``html.escape``.

    Examples
    --------
    >>> escape("<b>x</b>\u202e反")
    '&lt;b&gt;x&lt;/b&gt;&lt;U+202E&gt;反'
    """
    return html.escape(printable_name(text, line_breaks=True))

_CSS = """
body{font-family:"Noto Sans SC","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:2em;max-width:1100px;color:#222}
h1{font-size:1.5em} h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;width:100%} td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3} .v-fits{color:#1a7f37} .v-conditional{color:#b76e00} .v-does_not_fit{color:#c62828}
.v-outside_plan_area{color:#555} .verdict{font-size:1.3em;font-weight:bold}
.reasons td:first-child,.reasons th:first-child{white-space:nowrap}
.prov{background:#fff6e0;border:1px solid #e0b84c;padding:.6em;margin:.8em 0} .small{color:#666;font-size:.9em}
"""


_CMP = {">=": "≥", "<=": "≤"}


def _table(headers, rows, *, cls: str | None = None) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if c is None else str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table{f' class={chr(39)}{escape(cls)}{chr(39)}' if cls else ''}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _effect_zh(effect: str) -> str:
    from ...plan import verdict_zh

    return "提示" if effect == "info" else verdict_zh(effect)


def _layer_title(res: dict, layer: str) -> str:
    return next((r["title_zh"] for r in res["provenance"]["layers"] if r["layer"] == layer), layer)


def _pct(x) -> str:
    return f"{x * 100:.1f}%"


def _site_section(res: dict, heading: str) -> str:
    from ..land_indicators import format_value
    from .tables import (NAMED_PLACE_AREA_ZH, area_zh, counted_as_zh, from_name_zh, named_place_share_zh, point_zone_zh,
                         zone_headers_zh)
    from .tables import GEOM_ZH as _GEOM_ZH
    from .tables import barred as _barred

    parts = [f"<h2>{escape(heading)}</h2>"]
    if res.get("status", "ok") != "ok":
        parts.append(f"<p class='verdict v-outside_plan_area'>{escape(counted_as_zh(res))}</p>"
                     f"<p>{escape(res.get('error', ''))}</p>")
        return "".join(parts)
    v = res["verdict"]
    ind = res["industry"]
    s = res["site"]
    # no verdict (a layer it needs unread, layer_gaps.py): shown like a row that could not be checked
    parts.append(f"<p class='verdict v-{escape(v or 'outside_plan_area')}'>结论：{escape(res['verdict_zh'])}</p>")
    parts.append(f"<p>行业：{escape('、'.join(f'{c} {n}' for c, n in zip(ind['codes'], ind['names_zh'])))}"
                 f"（{escape(ind['kind_zh'])}；输入“{escape(ind['input'])}”"
                 + (f"，{escape(ind['read_zh'])}" if ind.get("read_zh") else "") + "）<br>"
                 + (f"场地：{escape(_GEOM_ZH.get(s['geometry_type'], s['geometry_type']))}，面积 {s['area_mu']:.2f} 亩（{s['area_ha']:.3f} 公顷），"
                    f"中心 {s['centroid_lonlat'][0]:.5f}, {s['centroid_lonlat'][1]:.5f}（CGCS2000）；"
                    if s.get("parcel_known", True) else f"场地：{escape(area_zh(s))}；")
                 + f"规划范围内占 {_pct(s['share_in_plan_area'])}</p>")
    if s.get("parcels_zh"):  # 地块 of the file that were not checked, named with why
        parts.append(f"<p>地块：{escape(s['parcels_zh'])}</p>")
    for w in s.get("shape_warnings_zh", []):  # the shape or the recorded area may be wrong: said under the verdict
        parts.append(f"<p class='shape-warning'><b>图形警告：</b>{escape(w)}</p>")
    if s.get("from_name"):
        parts.append(f"<p>{escape(from_name_zh(s))}</p>")
    # the reviewer reads the effect and the text first; the rule's id (for `dcf site rules`) comes last
    # the reasons as the 核查意见 words them: no layer or unit ids in the text (reviewer_text)
    from .reviewer import reviewer_text

    parts.append("<h3>判定理由</h3>" + _table(
        ["结论影响", "说明", "规划出处", "规则编号（见 dcf site rules）"],
        [(_effect_zh(r["effect"]), reviewer_text(r["text_zh"]), r["plan_ref"], r["rule"]) for r in res["reasons"]],
        cls="reasons"))
    # by name, as the 核查意见 lists them: a unit's id is the store's, no reader's (QA new-user round, finding 16)
    parts.append("<h3>所在镇（街道）</h3>" + (_table(["镇（街道）", "占场地比例"],
                                              [(t["name_zh"], _pct(t["share"])) for t in res["townships"]])
                                      if res["townships"] else "<p>无（不在规划范围的 14 个镇（街道）内）</p>"))
    match_zh = {"full": "产业对口", "partial": "部分对口", "none": "不对口"}
    parts.append("<h3>涉及的规划分区</h3>" + (_table(
        ["分区", "图层", *zone_headers_zh(s), "产业匹配", "规划出处"],
        [(z["name_zh"], z["layer_title_zh"],
          NAMED_PLACE_AREA_ZH if z["layer"] == "named_places" else "—（点位）" if z.get("point")
          else f"{z['overlap_mu']:.2f}" if (s["area_mu"] or 0) > 0 or not s.get("parcel_known", True) else "—（点位）",
          named_place_share_zh(z, s) if z["layer"] == "named_places"  # no extent of its own: no share of it
          else point_zone_zh(z, s) if z.get("point")  # a point feature (特色小镇) has no area to share
          else _pct(z["share"]) if (s["area_mu"] or 0) > 0 or not s.get("parcel_known", True) else "点位位于其内",
          "集聚区整体对口" if z.get("cluster_wide") else match_zh[z["match"]],
          z["plan_ref"]) for z in res["zones"]]) if res["zones"] else "<p>无</p>"))
    if _barred(res):
        parts.append("<h3>本行业的对口分区</h3><p>该项目属第九章第三节禁止情形，不列对口分区。</p>")
    else:
        parts.append("<h3>本行业的对口分区（由近及远）</h3>" + (_table(
            ["分区", "图层", "距离（km）"],
            [(d["name_zh"], _layer_title(res, d["layer"]), f"{d['distance_km']:.2f}")
             for d in res["designated_zones"]])
            if res["designated_zones"] else "<p>规划未为该行业指定分区。</p>"))
    parts.append("<h3>用地控制指标（《工业项目建设用地控制指标》）</h3>" + _table(
        ["指标", "项目值", "要求", "结果", "依据", "说明"],
        [(x["name_zh"], "" if x["value"] is None else format_value(x["indicator"], x["value"]),
          "" if x["threshold"] is None
          else f"{_CMP.get(x['comparator'], x['comparator'])} {format_value(x['indicator'], x['threshold'])}",
          x["status_zh"],
          x["edition"] or "", x["note"]) for x in res["indicators"]]))
    return "".join(parts)


def site_report_html(results: list[dict], *, title: str, inputs: dict | None = None,
                     read_notes: list[str] | None = None) -> str:
    """The HTML text of a site-check report for one or more results (batch rows included)."""
    prov = next((r["provenance"] for r in results if r.get("status", "ok") == "ok"), None)
    out = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{escape(title)}</title>"
           f"<style>{_CSS}</style></head><body><h1>{escape(title)}</h1>"]
    out.append(f"<p class='small'>生成时间 {escape(_dt.datetime.now().isoformat(timespec='seconds'))}；"
               "规划依据：《东昌府区产业规划（2021-2030年）》；工业用地指标依据见下表。</p>")
    # the verdict first, as the 核查意见 (DOCX/PDF) gives it; what it was checked on (输入, 读取说明) and the
    # data's provenance after it (QA new-user round, finding 16: the verdict sat below three tables)
    given, tail = [], []
    if inputs:
        given.append("<h2>输入</h2>" + _table(["项", "值"], [(k, v) for k, v in inputs.items() if v not in (None, "")]))
    if read_notes:
        given.append("<h2>读取说明</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in read_notes) + "</ul>")
    if prov:
        schem = [r for r in prov["layers"] if r["layer"] in prov["schematic_layers"]]
        # the layers by their titles; the id (图层编号) only here, where one looks a layer up (dcf layers …)
        tail.append("<h2>数据说明</h2><div class='prov'>" + escape(prov["note_zh"]) + _table(
            ["图层", "来源性质", "图层编号"], [(r["title_zh"], r["provenance_zh"], r["layer"]) for r in prov["layers"]])
            + ("" if not schem else "<p>示意图层的边界为按规划文字推定的示意位置，结论须以自然资源部门权威数据复核。</p>")
            + "</div>")
    if len(results) > 1:
        from .check import NOT_PROJECT_ZH
        from .tables import rows_counted_zh, verdict_counts_zh

        # the summary's count (the console, the XLSX and the desk print the same): a 合计 row is 非项目行
        counts = verdict_counts_zh(results)
        out.append(f"<h2>汇总</h2><p>{escape(rows_counted_zh(len(results), counts.get(NOT_PROJECT_ZH, 0)))}</p>"
                   + _table(["结论", "个数"], counts.items()))
        out.extend(given)  # a batch: which rows were read how, before the rows themselves
        given = []
    for k, r in enumerate(results):
        heading = "核查结果" if len(results) == 1 else (r.get("row_label") or f"第 {r.get('row', k) + 1} 条记录")
        out.append(_site_section(r, heading))
    out.extend(given + tail)
    out.append("</body></html>")
    return _with_font("".join(out))


def _with_font(html_text: str) -> str:
    """Embed a CJK font subset (the maps' font helper) so Chinese renders on machines without one."""
    try:
        from ...maps import fonts

        css = fonts.web_font_css(html_text)
    except (ImportError, OSError) as exc:  # font package or file unavailable: system fonts then
        logger.warning("报告未能内嵌中文字体（%s）；中文需依赖系统字体显示", exc)
        return html_text
    return html_text.replace("<style>", "<style>" + css + "\nbody{font-family:'Noto Sans SC',sans-serif}", 1)


def write_html(text: str, path, *, overwrite: bool = False) -> Path:
    """Write an HTML file; refuse to replace an existing one unless ``overwrite``."""
    from ...errors import InputError

    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError(f"{path} 已存在；如需覆盖请设 overwrite=True。")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    logger.info("Wrote report %s", path)
    return path


def sites_frame(sites, results: list[dict]):
    """The sites with their verdicts as a GeoDataFrame (EPSG:4490) for maps and GeoPackage output."""
    from .tables import results_table

    table = results_table(results)
    gdf = sites[[sites.geometry.name]].reset_index(drop=True).copy()
    for col in table.columns:
        gdf[col] = table[col].to_numpy()
    gdf["verdict_zh"] = gdf["verdict_zh"].fillna("无法核查")
    return gdf
