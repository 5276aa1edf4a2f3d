"""`dcf site` — 项目选址核查 — does a project fit the plan here?"""

from __future__ import annotations

import re
from pathlib import Path

import click

from ._options import (
    basemap_opt,
    check_positive,
    check_writable,
    crs_opt,
    echo_json,
    echo_note,
    input_error,
    json_opt,
    map_opt,
    overwrite_opt,
    reader_options,
)
from .help_format import DcfGroup

CATALOGUE_CLASSES = ("鼓励类", "允许类", "限制类", "淘汰类")
#: layers drawn under a site-check answer: the plan's zones plus the development-zone units
#: (a site there is outside the plan area) and the cluster parks
SITE_MAP_CONTEXT = ["district", "townships", "other_units", "industrial_clusters", "cluster_parks", "agri_zones",
                    "service_core", "service_belts", "service_groups", "service_points"]
#: batch rows listed in the text summary (all rows go to -o / --json)
TEXT_ROWS = 50


@click.group(cls=DcfGroup)
def site():
    """项目选址核查 — does a project fit the plan here?

    check 核查一个场地或一批场地；industry 查行业代码；rules 列出核查所依据的规划条文。

    \b
    $ dcf site check --site 115.80,36.47 --industry 轴承
    $ dcf site check --batch 项目清单.xlsx -o 核查结果.xlsx
    """


@site.command()
@click.option("--site", "site_value", help="场地：文件（SHP/GPKG/GeoJSON/KML/CSV…）、WKT 或 “经度,纬度”。")
@click.option("--industry", help="行业：GB/T 4754-2017 代码（C3451、345、34、C）或中文词（轴承、新能源汽车、水泥…）。")
@click.option("--area-mu", type=float, metavar="亩", help="用地面积（亩）：点位按此面积扩为圆形地块，并用于指标核算。")
@crs_opt
@reader_options
@click.option("--investment-wan", type=float, metavar="万元", help="项目总投资（万元），用于投资强度。")
@click.option("--floor-area-m2", type=float, metavar="m²", help="总建筑面积（m²），用于容积率。")
@click.option("--footprint-m2", type=float, metavar="m²", help="建筑物、构筑物基底占地面积（m²），用于建筑系数。")
@click.option("--admin-area-m2", type=float, metavar="m²", help="行政办公及生活服务设施用地面积（m²）。")
@click.option("--green-area-m2", type=float, metavar="m²", help="绿地面积（m²），用于绿地率。")
@click.option("--capacity-replacement", is_flag=True, help="项目实施产能等量或减量置换（第九章第三节）。")
@click.option("--catalogue-class", type=click.Choice(CATALOGUE_CLASSES),
              help="项目在《产业结构调整指导目录》中的类别（化工项目核查用）。")
@click.option("--batch", "batch_file", type=click.Path(dir_okay=False, path_type=Path),
              help="批量核查：CSV/XLSX（每行一个场地：经度/纬度或 WKT 列、行业列，可含面积与投资列）；"
                   "行业列名不能识别时用 --field industry=列名，或用 --industry 给全部行统一行业。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="批量结果文件：.csv / .xlsx / .gpkg。")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="另存 HTML 核查报告。")
@map_opt
@basemap_opt
@json_opt
@overwrite_opt
def check(site_value, industry, area_mu, crs, reader, investment_wan, floor_area_m2, footprint_m2, admin_area_m2,
          green_area_m2, capacity_replacement, catalogue_class, batch_file, output, report_path, map_path,
          basemap, as_json, overwrite):
    """核查项目选址是否符合产业规划 — does this project fit the plan here?

    给出结论（符合 / 有条件符合 / 不符合 / 不在规划范围）、涉及的镇（街道）和分区及面积（亩）、
    对口分区（由近及远，距离 km）、判定理由（注明规划章节）和用地控制指标核算。用 --site 核查一个
    场地，或用 --batch 逐行核查一个表格（每行一条结论，不遗漏）。所用示意图层在结果中注明。

    \b
    $ dcf site check --site 115.80,36.47 --industry 轴承
    $ dcf site check --site 115.80,36.47 --crs gcj02 --industry C3451 --area-mu 80 --investment-wan 24000
    $ dcf site check --site 地块.shp --industry 新能源汽车 --report 核查.html --map 核查地图.html
    $ dcf site check --batch 项目清单.csv -o 核查结果.xlsx --json
    $ dcf site check --batch 项目.xlsx --layer 坐标 --field lon=东经 --field lat=北纬 -o 结果.csv
    $ dcf site check --batch 项目清单.xlsx --field industry=主营 -o 核查结果.xlsx
    """
    for p, hint in ((report_path, "--report"), (map_path, "--map"), (output, "--output")):
        if p is not None:
            check_writable(p, overwrite, param_hint=hint, need_folder=True)
    if output is not None and output.suffix.lower() not in (".csv", ".xlsx", ".gpkg"):
        raise click.BadParameter(f"{output}：结果文件请用 .csv、.xlsx 或 .gpkg。", param_hint="--output")
    check_positive(area_mu, "--area-mu", "亩")
    for value, opt, unit in ((investment_wan, "--investment-wan", "万元"), (floor_area_m2, "--floor-area-m2", "m²"),
                             (footprint_m2, "--footprint-m2", "m²"), (admin_area_m2, "--admin-area-m2", "m²"),
                             (green_area_m2, "--green-area-m2", "m²")):
        check_positive(value, opt, unit, allow_zero=True)
    if batch_file is not None:
        if site_value:
            raise click.BadParameter("--site 与 --batch 只能二选一。", param_hint="--batch")
        return _batch(batch_file, crs, output, report_path, map_path, as_json, overwrite, industry, reader, basemap)
    if not site_value:
        raise click.BadParameter("未给出场地。例：--site 115.80,36.47（经度,纬度）、WKT 或文件路径。",
                                 param_hint="--site")
    if not industry:
        raise click.BadParameter("未给出行业。例：--industry 轴承 或 --industry C3451。",
                                 param_hint="--industry")
    from .. import io as dcf_io
    from ..errors import InputError
    from ..industry import industry_error_message, resolve
    from ..queries import site_check as sc

    m = resolve(industry)
    if not m.resolved:
        raise click.BadParameter(industry_error_message(m).removeprefix("--industry："), param_hint="--industry")
    try:
        site_gdf = dcf_io.read_site(site_value, crs=crs, area_mu=area_mu, **reader)
    except InputError as exc:
        raise input_error(exc, "--site") from None
    figures = {"site_area_mu": area_mu, "investment_wan": investment_wan, "floor_area_m2": floor_area_m2,
               "footprint_m2": footprint_m2, "admin_area_m2": admin_area_m2, "green_area_m2": green_area_m2}
    res = sc.check_site(site_gdf, m, figures=figures, capacity_replacement=capacity_replacement,
                        catalogue_class=catalogue_class)
    notes = site_gdf.attrs.get("read_notes", [])
    res["read_notes"] = notes
    inputs = {"场地": site_value, "行业": industry, "坐标系": crs, "用地面积（亩）": area_mu,
              "总投资（万元）": investment_wan, "总建筑面积（m²）": floor_area_m2, "基底面积（m²）": footprint_m2,
              "行政办公及生活服务设施用地（m²）": admin_area_m2, "绿地面积（m²）": green_area_m2,
              "产能置换": "是" if capacity_replacement else None, "产业目录类别": catalogue_class}
    _outputs([res], site_gdf.iloc[[0]] if len(site_gdf) == 1 else _dissolved(site_gdf), report_path, map_path,
             overwrite, title=f"项目选址核查：{m.label_zh}", inputs=inputs, notes=notes, basemap=basemap)
    if as_json:
        echo_json(res)
    else:
        from ..queries.site_check import summary_text

        click.echo(summary_text(res))
        for n in notes:
            echo_note(f"读取说明：{n}")


def _dissolved(gdf):
    return gdf.dissolve().reset_index(drop=True)


def _outputs(results, sites, report_path, map_path, overwrite, *, title, inputs=None, notes=None, basemap="none"):
    from ..queries import report

    if report_path is not None:
        report.write_html(report.site_report_html(results, title=title, inputs=inputs, read_notes=notes),
                          report_path, overwrite=overwrite)
        echo_note(f"报告已写出：{report_path}")
    if map_path is not None:
        from ..maps.webmap import answer_map

        focus = report.sites_frame(sites, results)
        prov = next((r["provenance"]["note_zh"] for r in results if r.get("status", "ok") == "ok"), "")
        # a batch row is labelled as the planner finds it in the spreadsheet (表格第 9 行), not by position
        batch = any("row_label" in r for r in results)
        focus["label"] = ([f"{r} {v}" for r, v in zip(focus["row_label"], focus["verdict_zh"])]
                          if batch else focus["verdict_zh"])
        answer_map(focus, map_path, title=title, label_field="label", status_field="verdict_zh",
                   popup_fields={**({"row_label": "原文件位置"} if batch else {}),
                                 "verdict_zh": "结论", "industry_zh": "行业", "townships": "所在镇（街道）",
                                 "zones": "涉及分区", "nearest_designated": "对口分区（最近）", "reasons": "判定理由",
                                 "error": "问题"},
                   context=SITE_MAP_CONTEXT, provenance_note=prov, basemap=basemap, overwrite=overwrite,
                   **_nearest_designated_outline(results))
        echo_note(f"地图已写出：{map_path}")


def _nearest_designated_outline(results) -> dict:
    """For one site outside the zones designated for its industry: the nearest of them, outlined
    and in view, so that the planner sees where the plan puts the project (else nothing)."""
    from ..store import catalog

    if len(results) != 1 or results[0].get("status", "ok") != "ok":
        return {}
    near = results[0].get("designated_zones") or []
    touched = {z.get("id") for z in results[0].get("zones", [])}
    if not near or near[0]["id"] in touched:
        return {}
    layer = catalog.read_layer(near[0]["layer"])
    zone = layer[layer["id"] == near[0]["id"]]
    if zone.empty:
        return {}
    return {"zones": zone, "zones_label": f"对口分区（最近，{near[0]['distance_km']:.1f} km）"}


def _batch(batch_file, crs, output, report_path, map_path, as_json, overwrite, default_industry, reader, basemap):
    from ..errors import InputError
    from ..queries import site_check as sc

    try:
        sites, industries, figures, errors, notes, flags = sc.read_batch(batch_file, crs=crs,
                                                                         default_industry=default_industry, **reader)
    except InputError as exc:
        raise input_error(exc, "--batch") from None
    results = sc.check_sites(sites, industries, figures=figures, errors=errors, flags=flags)
    table = sc.results_table(results)
    failed = [r for r in results if r.get("status") != "ok"]
    if failed and len(failed) == len(results):  # one line before anything else: why nothing was checked
        echo_note(f"全部 {len(results)} 条记录都无法核查，例如{failed[0]['row_label']}：{failed[0]['error']}")
    if output is not None:
        _write_table(table, sites, results, output)
        echo_note(f"结果已写出：{output}（{len(table)} 行，与输入行数相同）")
    _outputs(results, sites, report_path, map_path, overwrite, title=f"项目选址批量核查：{batch_file.name}",
             inputs={"文件": str(batch_file), "坐标系": crs}, notes=notes, basemap=basemap)
    if as_json:
        echo_json(results)
        for n in notes:  # stderr: the JSON on stdout stays clean
            echo_note(f"读取说明：{n}")
        return
    counts = table["verdict_zh"].value_counts()
    click.echo(f"批量核查 {batch_file}：共 {len(table)} 条记录（与输入相同，无一遗漏）。")
    for k, v in counts.items():
        click.echo(f"  {k}：{v} 条")
    shown = table.head(TEXT_ROWS)
    for r in shown.itertuples():
        click.echo(f"  {r.row_label}：{r.verdict_zh}" + (f" — {r.error}" if r.error else ""))
    if len(table) > len(shown):
        click.echo(f"  …… 其余 {len(table) - len(shown)} 条见 -o 输出文件或 --json")
    prov = next((r["provenance"]["note_zh"] for r in results if r.get("status") == "ok"), "")
    if prov:
        click.echo("数据说明：" + prov)
    for n in notes:
        echo_note(f"读取说明：{n}")


def _write_table(table, sites, results, output: Path):
    from ..queries.site_check import results_table_zh

    names = sites["name"].astype("string").fillna("").to_numpy() if "name" in sites.columns else None
    suffix = output.suffix.lower()
    if suffix == ".csv":
        results_table_zh(results, names).to_csv(output, index=False, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        import pandas as pd

        prov = next((r["provenance"] for r in results if r.get("status") == "ok"), None)
        with pd.ExcelWriter(output) as xl:
            results_table_zh(results, names).to_excel(xl, sheet_name="核查结果", index=False)
            pd.DataFrame({"说明": [prov["note_zh"] if prov else "",
                                   "结论取值：符合 / 有条件符合 / 不符合 / 不在规划范围 / 无法核查（原因见“无法核查的原因”列）"]}
                         ).to_excel(xl, sheet_name="数据说明", index=False)
    elif suffix == ".gpkg":
        from ..queries.report import sites_frame

        sites_frame(sites, results).to_file(output, layer="site_check", driver="GPKG")
    else:
        raise click.BadParameter(f"{output}：结果文件请用 .csv、.xlsx 或 .gpkg。", param_hint="--output")


@site.command()
@click.argument("words", nargs=-1, required=True)
@json_opt
def industry(words, as_json):
    """查行业代码 — resolve industry words to GB/T 4754-2017.

    把行业代码或中文词解析为 GB/T 4754-2017 行业代码；有多个可能时列出候选，不替用户猜。

    \b
    $ dcf site industry 轴承 管材 3612
    """
    from ..industry import resolve

    out = [resolve(w) for w in words]
    if as_json:
        echo_json([m.to_dict() for m in out])
        return
    for m in out:
        if m.resolved:
            click.echo(f"{m.query}：{m.label_zh}")
        elif m.status == "ambiguous":
            click.echo(f"{m.query}：有多个可能 — " + "；".join(f"{c} {n}" for c, n in m.candidates))
        else:
            hint = "；".join(f"{c} {n}" for c, n in m.candidates)
            click.echo(f"{m.query}：无法识别" + (f"（相近：{hint}）" if hint else ""))


@site.command()
@json_opt
def rules(as_json):
    """列出核查规则 — list the site-check rules.

    列出每条核查规则及其规划依据（章节）和规划原文，以及各分区承接的行业，便于与规划文本逐条对照。

    \b
    $ dcf site rules
    $ dcf site rules --json > rules.json
    """
    from .. import plan

    rb = plan.rules()
    zones = plan.zones()
    if as_json:
        echo_json({"rules": rb, "zones": zones})
        return
    click.echo("一、禁止与限制（第九章第三节）")
    for r in rb["barred"]:
        click.echo(f"  [{r['id']}] 行业 {', '.join(r['codes'])} → {plan.verdict_zh(r['effect'])}；{r['plan_ref']}")
        click.echo(f"      原文：{r['quote']}")
    click.echo("二、产业类别与对应分区")
    for k in rb["industry_kinds"]:
        click.echo(f"  [{k['kind']}] {k['name_zh']}（{', '.join(k['codes'])}）→ 分区图层 {', '.join(k['zone_layers']) or '无'}；"
                   f"不在对应分区：{plan.verdict_zh(k['outside_effect'])}（规则 {k['outside_rule']}）")
    click.echo("三、政策规则")
    for rid, r in rb["policy_rules"].items():
        if r.get("quote"):
            basis = f"\n      原文：{r['quote']}"
        else:  # a rule the checker derives from the plan's structure: say so, and show what it prints
            basis = "\n      （无逐字引文：按所引依据推定）"
        said = re.sub(r"\{[a-z_]+\}", "…", r.get("reason_zh", ""))
        click.echo(f"  [{rid}] {r['plan_ref']}{basis}" + (f"\n      核查结论用语：{said}" if said else ""))
    click.echo("四、各分区承接的行业（plan_zones.json）")
    for zid, z in zones.items():
        click.echo(f"  {zid} {z.get('name_zh', '')}（{z.get('plan_ref', '')}）：{', '.join(z.get('industries_gbt4754') or []) or '—'}")
