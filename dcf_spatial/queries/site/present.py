"""How site-check results are shown to people: Chinese tables, the text summary, the data note,
the HTML report and the answer map.

Everything here reads result dicts (:mod:`dcf_spatial.queries.site`) and computes nothing about
the plan; the CLI and :class:`dcf_spatial.queries.SiteCheck` both present through it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..land_indicators import format_value
from .rules import fmt_share

logger = logging.getLogger(__name__)

#: layers drawn under a site-check answer: the plan's zones plus the development-zone units
#: (a site there is outside the plan area) and the cluster parks
SITE_MAP_CONTEXT = ["district", "townships", "other_units", "industrial_clusters", "cluster_parks", "agri_zones",
                    "service_core", "service_belts", "service_groups", "service_points"]
#: what each column of the site map's popup is called
SITE_POPUP_FIELDS = {"verdict_zh": "结论", "industry_zh": "行业", "townships": "所在镇（街道）",
                     "zones": "涉及分区", "nearest_designated": "对口分区（最近）", "reasons": "判定理由",
                     "error": "问题"}


from .tables import GEOM_ZH, area_zh, barred, from_name_zh, point_zone_zh, unit_of


#: how summary_text says where missing project figures are given (the CLI names its options instead)
FIGURES_HINT_ZH = ("（可用 area_mu、floor_area_m2、footprint_m2、admin_area_m2、green_area_m2、"
                   "investment_wan 给出）")


def summary_text(result: dict, *, figures_hint: str = FIGURES_HINT_ZH) -> str:
    """A Chinese text summary of one check (what the CLI prints by default).

    Parameters
    ----------
    result
        One site's result dict.
    figures_hint
        Text appended when no project figures were given, saying how to give them.

    Returns
    -------
    str
        Several lines: verdict, industry, site, townships, zones, nearest designated zones,
        reasons, land-use control indicators, data note.

    Examples
    --------
    >>> print(summary_text(check_site("115.80,36.47", "轴承").results[0]))  # doctest: +SKIP
    选址核查结论：符合
    """
    lines = [f"选址核查结论：{result['verdict_zh']}"]
    ind = result["industry"]
    read = f"；「{ind['input']}」{ind['read_zh']}" if ind.get("read_zh") else ""  # a phrase read by words it contains
    lines.append(f"行业：{'、'.join(f'{c} {n}' for c, n in zip(ind['codes'], ind['names_zh']))}（{ind['kind_zh']}{read}）")
    s = result["site"]
    if s.get("parcel_known", True):
        lines.append(f"场地：{GEOM_ZH.get(s['geometry_type'], s['geometry_type'])}，{area_zh(s)}，中心 {s['centroid_lonlat'][0]:.5f}, "
                     f"{s['centroid_lonlat'][1]:.5f}（CGCS2000）；规划范围内占 {fmt_share(s['share_in_plan_area'])}")
    else:
        lines.append(f"场地：{area_zh(s)}；规划范围内占 {fmt_share(s['share_in_plan_area'])}")
    if s.get("parcels_zh"):  # a file of several 地块, some without usable geometry: said under the site
        lines.append(f"地块：{s['parcels_zh']}")
    for w in s.get("shape_warnings_zh", []):  # the shape checked may not be the parcel's: said before the zones
        lines.append(f"图形警告：{w}")
    if s.get("from_name"):
        lines.append(from_name_zh(s))
    others = [f"{u['name_zh']} {fmt_share(u['share'])}（开发区托管，不在规划范围）" for u in s.get("other_units") or []]
    if result["townships"] or others:
        lines.append("所在镇（街道）：" + "；".join([f"{t['name_zh']} {fmt_share(t['share'])}" for t in result["townships"]]
                                                 + others))
    if result["zones"]:
        lines.append("涉及分区：")
        for z in result["zones"]:
            mt = ("集聚区整体对口（规划在集聚区一级写明本行业）" if z.get("cluster_wide")
                  else {"full": "产业对口", "partial": "部分对口", "none": "不对口"}[z["match"]])
            where = (f"重叠 {z['overlap_mu']:.2f} 亩，占场地 {fmt_share(z['share'])}" if (s["area_mu"] or 0) > 0
                     else "点位位于其内")
            if not s.get("parcel_known", True):  # a named unit: shares are of the unit, not of the parcel
                where = f"占{unit_of(s)} {fmt_share(z['share'])}"
            if z["layer"] == "named_places":  # no drawn extent: the township stands for the place
                where = f"按所在镇（街道）示意，占场地 {fmt_share(z['share'])}"
            if z.get("point"):  # a point feature has no area: no share; where it is from the site
                where = point_zone_zh(z, s)
            lines.append(f"  - {z['name_zh']}（{z['layer_title_zh']}）{where}，{mt}")
    else:
        lines.append("涉及分区：无")
    if result["designated_zones"] and not barred(result):
        lines.append("对口分区（由近及远）：" + "；".join(
            f"{d['name_zh']} {d['distance_km']:.2f} km" for d in result["designated_zones"][:6]))
    lines.append("判定理由：")
    for r in result["reasons"]:
        lines.append(f"  - {r['text_zh']}")
    lines.append("用地控制指标（《工业项目建设用地控制指标》）：")
    edition_note = next((x.get("edition_note") for x in result["indicators"] if x.get("edition_note")), "")
    if edition_note and any(x["status"] != "not_applicable" for x in result["indicators"]):
        lines.append(f"  - {edition_note}")
    missing = [x for x in result["indicators"] if x["status"] in ("not_provided", "not_applicable")]
    if len(missing) == len(result["indicators"]):
        status = {x["status_zh"] for x in missing}
        lines.append(f"  - {'、'.join(x['name_zh'] for x in missing)}：{'、'.join(sorted(status))}"
                     + (figures_hint if "未提供" in status else ""))
    for x in (result["indicators"] if len(missing) < len(result["indicators"]) else []):
        val = "" if x["value"] is None else f"（项目值 {format_value(x['indicator'], x['value'])}）"
        cmp_ = {">=": "≥", "<=": "≤"}.get(x["comparator"], x["comparator"])
        thr = ("" if x["threshold"] is None
               else f"，要求 {cmp_} {format_value(x['indicator'], x['threshold'])}（{x['edition']}）")
        note = f"；{x['note']}" if x["note"] else ""
        lines.append(f"  - {x['name_zh']}：{x['status_zh']}{val}{thr}{note}")
    lines.append("数据说明：" + result["provenance"]["note_zh"])
    return "\n".join(lines)


def policy_statement(chosen: dict | None = None, reasons: list[dict] | None = None, codes=None) -> str:
    """The planning office's policy settings in one line, as the desk's page shows them under the verdict:
    each policy's name, the setting used and whether it is the default; with ``reasons`` (one site's),
    a policy no reason rests on says so; with ``codes`` (the project's industry), only the policies that
    can decide a project of that industry (:func:`dcf_spatial.plan.office_policy_applies`: 集聚区外新建工业项目
    for industrial projects only); none: ``""``.

    Examples
    --------
    >>> policy_statement()
    '集聚区外新建工业项目——应入园：不符合（默认口径）'
    >>> policy_statement({"industry_outside_clusters": "conditional"})
    '集聚区外新建工业项目——引导入园：有条件符合（本次选用，非默认口径）'
    """
    from ... import plan

    settings = plan.office_policies(chosen)
    defaults = plan.office_policies()
    out = []
    for name, value in settings.items():
        if codes and not plan.office_policy_applies(name, codes):
            continue
        e = plan.rules()["office_policies"][name]
        used = reasons is None or any(e["name_zh"] in (r.get("text_zh") or "") for r in reasons)
        out.append(f"{e['name_zh']}——{e['setting_zh'][value].split('（')[0]}：{plan.verdict_zh(value)}"
                   + ("（默认口径）" if value == defaults[name] else "（本次选用，非默认口径）")
                   + ("" if used else "，本次结论未涉及此口径"))
    return "；".join(out)


def provenance_note(results: list[dict]) -> str:
    """The data note (which layers are schematic) of the first result that was checked, else ``""``."""
    return next((r["provenance"]["note_zh"] for r in results if r.get("status", "ok") == "ok"), "")


def sites_frame(sites, results: list[dict]):
    """The sites with their verdicts as a GeoDataFrame (EPSG:4490) for maps and GeoPackage output."""
    from .report import sites_frame as _frame

    return _frame(sites, results)


def write_site_report(results: list[dict], path, *, title: str, inputs: dict | None = None,
                      read_notes=None, overwrite: bool = False) -> Path:
    """Write the HTML report of a check (escaped, provenance stated, plan references).

    Parameters
    ----------
    results
        The result dicts (one site or a batch).
    path
        Output ``.html`` file.
    title
        The report's heading.
    inputs
        What the user gave (shown as a table), Chinese labels to values.
    read_notes
        The reader's notes about the input.
    overwrite
        Replace an existing file.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> write_site_report(results, "核查.html", title="项目选址核查：轴承")  # doctest: +SKIP
    """
    from . import report

    return report.write_html(report.site_report_html(results, title=title, inputs=inputs, read_notes=read_notes),
                             path, overwrite=overwrite)


def write_site_map(results: list[dict], sites, path, *, title: str, basemap: str = "none",
                   overwrite: bool = False, store=None) -> Path:
    """Write the answer map of a check: the sites coloured by verdict over the plan's zones.

    A batch row is labelled as the planner finds it in the file (表格第 9 行); one site outside the
    zones designated for its industry also gets the nearest of them outlined.

    Parameters
    ----------
    results
        The result dicts, one per row of ``sites``.
    sites
        The sites checked (GeoDataFrame, one row per result).
    path
        Output ``.html`` file.
    title
        Map title.
    basemap
        ``"none"`` or a tile basemap name known to :func:`dcf_spatial.maps.webmap.answer_map`.
    overwrite
        Replace an existing file.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> write_site_map(results, sites, "核查地图.html", title="项目选址核查：轴承")  # doctest: +SKIP
    """
    from ...maps.webmap import answer_map

    focus = sites_frame(sites, results)
    batch = any("row_label" in r for r in results)
    # a batch row's 项目名称 (the list's 项目名称/名称 column): in its popup and its tooltip, as text
    names = project_names(sites) if batch else None
    if names is not None:
        focus["project_name"] = names
    focus["label"] = ([" ".join(t for t in (str(r), n or "", str(v)) if t)
                       for r, n, v in zip(focus["row_label"], names if names is not None else [None] * len(focus),
                                          focus["verdict_zh"])]
                      if batch else focus["verdict_zh"])
    return answer_map(focus, path, title=title, label_field="label", status_field="verdict_zh",
                      popup_fields={**({"row_label": "原文件位置"} if batch else {}),
                                    **({"project_name": "项目名称"} if names is not None else {}), **SITE_POPUP_FIELDS},
                      context=SITE_MAP_CONTEXT, provenance_note=provenance_note(results), basemap=basemap,
                      overwrite=overwrite, **nearest_designated_outline(results, store=store))


def project_names(sites) -> list[str | None] | None:
    """The 项目名称 of each batch row (the ``name`` column the list's 项目名称/名称 is read into), stripped;
    ``None`` for a row without one; ``None`` when the list has no such column.

    Examples
    --------
    >>> import pandas as pd
    >>> project_names(pd.DataFrame({"name": ["甲项目 ", None, ""]}))
    ['甲项目', None, None]
    >>> project_names(pd.DataFrame({"x": [1]})) is None
    True
    """
    if "name" not in getattr(sites, "columns", ()):
        return None
    import pandas as pd

    return [None if pd.isna(v) else (str(v).strip() or None) for v in sites["name"].astype(object)]


def nearest_designated_outline(results, *, store=None) -> dict:
    """For one site outside the zones designated for its industry: the nearest of them, outlined
    and in view, so that the planner sees where the plan puts the project (else nothing)."""
    from ...store import catalog

    if len(results) != 1 or results[0].get("status", "ok") != "ok":
        return {}
    near = results[0].get("designated_zones") or []
    touched = {z.get("id") for z in results[0].get("zones", [])}
    if not near or near[0]["id"] in touched:
        return {}
    layer = catalog.read_layer(near[0]["layer"], store=store)
    zone = layer[layer["id"] == near[0]["id"]]
    if zone.empty:
        return {}
    return {"zones": zone, "zones_label": f"对口分区（最近，{near[0]['distance_km']:.1f} km）"}
