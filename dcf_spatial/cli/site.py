"""`dcf site` — 项目选址核查 — does a project fit the plan here?"""

from __future__ import annotations

import re
from pathlib import Path

import click

from ._options import (
    basemap_opt,
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
#: how the text answer says where missing project figures are given: the options of this command
FIGURES_HINT = "（可用 --area-mu、--floor-area-m2、--footprint-m2、--admin-area-m2、--green-area-m2、--investment-wan 给出）"


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
    from .._validate import figure_problem

    for value, opt, field in ((area_mu, "--area-mu", "site_area_mu"), (investment_wan, "--investment-wan", "investment_wan"),
                              (floor_area_m2, "--floor-area-m2", "floor_area_m2"),
                              (footprint_m2, "--footprint-m2", "footprint_m2"),
                              (admin_area_m2, "--admin-area-m2", "admin_area_m2"),
                              (green_area_m2, "--green-area-m2", "green_area_m2")):
        # the rules every batch row is checked with (dcf_spatial._validate); NaN given is refused
        problem = None if value is None else figure_problem(field, value if value == value else "nan")
        if problem:
            raise click.BadParameter(f"{problem}。", param_hint=opt)
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
    from ..errors import InputError
    from ..industry import industry_error_message, resolve
    from ..queries import check_site

    try:
        m = resolve(industry)
    except InputError as exc:  # a malformed code (大类 98 …)
        raise input_error(exc, "--industry") from None
    if not m.resolved:
        raise click.BadParameter(industry_error_message(m, where="--industry").removeprefix("--industry："),
                                 param_hint="--industry")
    try:
        answer = check_site(site_value, industry, area_mu=area_mu, crs=crs, investment_wan=investment_wan,
                            floor_area_m2=floor_area_m2, footprint_m2=footprint_m2, admin_area_m2=admin_area_m2,
                            green_area_m2=green_area_m2, capacity_replacement=capacity_replacement,
                            catalogue_class=catalogue_class, **reader)
    except InputError as exc:
        raise input_error(exc, "--site") from None
    _outputs(answer, report_path, map_path, overwrite, basemap)
    if as_json:
        echo_json(answer.to_dict())
    else:
        click.echo(answer.summary_text(figures_hint=FIGURES_HINT))
        for n in answer.notes:
            echo_note(f"读取说明：{n}")


def _industry_column_message(exc) -> str:
    """A batch without an industry column: the library's finding, the fix in this command's options."""
    col = exc.guess or "列名"
    if exc.guess:
        hint = (f"列“{exc.guess}”的内容像行业（如 {'、'.join(exc.samples)}）。"
                f"请用 --field industry={exc.guess} 指定行业列")
    else:
        hint = "请用 --field industry=列名 指定行业列（行业代码列用 --field industry_code=列名）"
    return (f"{exc.head()}{hint}，或用 --industry 词或代码（如 --industry 轴承）给全部行统一行业；"
            f"Python：field_map={{'industry': '{col}'}} 或 default_industry=。")


def _outputs(answer, report_path, map_path, overwrite, basemap):
    if report_path is not None:
        answer.to_report(report_path, overwrite=overwrite)
        echo_note(f"报告已写出：{report_path}")
    if map_path is not None:
        answer.to_map(map_path, basemap=basemap, overwrite=overwrite)
        echo_note(f"地图已写出：{map_path}")


def _batch(batch_file, crs, output, report_path, map_path, as_json, overwrite, default_industry, reader, basemap):
    from ..errors import InputError
    from ..queries import check_batch

    from ..queries.site.batch import IndustryColumnMissing

    try:
        answer = check_batch(batch_file, default_industry, crs=crs, **reader)
    except IndustryColumnMissing as exc:
        raise input_error(InputError(_industry_column_message(exc)), "--batch") from None
    except InputError as exc:
        raise input_error(exc, "--batch") from None
    failed = answer.failed()
    if failed and len(failed) == len(answer.results):  # one line before anything else: why nothing was checked
        echo_note(f"全部 {len(answer.results)} 条记录都无法核查，例如{failed[0]['row_label']}：{failed[0]['error']}")
    if output is not None:
        answer.to_table(output, overwrite=True)  # refused above unless --overwrite
        echo_note(f"结果已写出：{output}（{len(answer.results)} 行，与输入行数相同）")
    _outputs(answer, report_path, map_path, overwrite, basemap)
    if as_json:
        echo_json(answer.to_dict())
        for n in answer.notes:  # stderr: the JSON on stdout stays clean
            echo_note(f"读取说明：{n}")
        return
    click.echo(answer.summary_text(more_hint="-o 输出文件或 --json"))
    for n in answer.notes:
        echo_note(f"读取说明：{n}")


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
