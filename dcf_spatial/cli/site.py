"""`dcf site` — 项目选址核查 — does a project fit the plan here?"""

from __future__ import annotations

import re
from pathlib import Path

import click

from ._options import (
    basemap_opt,
    check_writable,
    cli_wording,
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
FIGURE_OPTIONS = "--area-mu、--floor-area-m2、--footprint-m2、--admin-area-m2、--green-area-m2、--investment-wan"
FIGURES_HINT = f"（可用 {FIGURE_OPTIONS} 给出）"
#: the same in a recorded check reproduced (``dcf site history show``): the figures go to a new ``dcf site check``
FIGURES_HINT_RECORDED = f"（登记时未给出；可用 dcf site check 的 {FIGURE_OPTIONS} 给出后重新核查）"


@click.group(cls=DcfGroup)
def site():
    """项目选址核查 — does a project fit the plan here?

    check 核查一个场地或一批场地；industry 查行业代码；rules 列出核查所依据的规划条文。

    \b
    $ dcf site check --site 115.80,36.47 --industry 轴承
    $ dcf site check --batch 项目清单.xlsx -o 核查结果.xlsx
    """


@site.command()
@click.option("--site", "site_value", help="场地：文件（SHP/GPKG/GeoJSON/KML/CSV…）、WKT、“经度,纬度”，或地名（郑家镇、郑家镇工业集聚区、智能制造产业园、第二片区…，按该单元范围核查）。")
@click.option("--industry", help="行业：GB/T 4754-2017 代码（C3451、345、34、C）或中文词（轴承、新能源汽车、水泥…）。")
@click.option("--area-mu", type=float, metavar="亩", help="用地面积（亩）：点位按此面积扩为圆形地块，并用于指标核算。")
@crs_opt
@reader_options
@click.option("--investment-wan", type=float, metavar="万元", help="项目总投资（万元），用于投资强度。")
@click.option("--floor-area-m2", type=float, metavar="m²", help="总建筑面积（m²），用于容积率。")
@click.option("--footprint-m2", type=float, metavar="m²", help="建筑物、构筑物基底占地面积（m²），用于建筑系数。")
@click.option("--admin-area-m2", type=float, metavar="m²", help="行政办公及生活服务设施用地面积（m²）。")
@click.option("--green-area-m2", type=float, metavar="m²", help="绿地面积（m²），用于绿地率。")
@click.option("--tall-floor-area-m2", type=float, metavar="m²",
              help="总建筑面积中层高超过 8 m 的部分（m²）：计算容积率时加倍计入。")
@click.option("--yard-area-m2", type=float, metavar="m²", help="露天堆场、露天操作场地面积（m²），计入建筑系数。")
@click.option("--non-production-facilities", metavar="设施",
              help="工业用地内拟建的成套住宅、专家楼、宾馆、招待所、培训中心（写明哪些）：控制指标严禁，结论为不符合。")
@click.option("--date", "check_date", metavar="YYYY-MM-DD",
              help="核查日期（默认今天）：决定适用哪一版用地控制指标，结果中注明所用版本。")
@click.option("--capacity-replacement", is_flag=True, help="项目实施产能等量或减量置换（第九章第三节）。")
@click.option("--catalogue-class", type=click.Choice(CATALOGUE_CLASSES),
              help="项目在《产业结构调整指导目录》中的类别（化工项目核查用）。")
@click.option("--policy", "policies", multiple=True, metavar="口径=取值",
              help="本次核查改用规划管理部门的另一口径（规则数据 office_policies 中的口径名=取值，见示例：集聚区外"
                   "新建工业项目改判有条件符合；默认不符合）。可重复。")
@click.option("--batch", "batch_file", type=click.Path(dir_okay=False, path_type=Path),
              help="批量核查：CSV/XLSX（每行一个场地：经度/纬度或 WKT 列、行业列，可含面积与投资列）；"
                   "行业列名不能识别时用 --field industry=列名，或用 --industry 给全部行统一行业。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="批量结果文件：.csv / .xlsx / .gpkg。")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="另存 HTML 核查报告。")
@click.option("--export-site", "export_site", type=click.Path(dir_okay=False, path_type=Path),
              help="另存核查的场地范围：.txt 为报批坐标文件（2000 国家大地坐标系 3 度带第 39 带，"
                   "GBK 编码），也可用 .gpkg、.shp、.kml 等。")
@map_opt
@basemap_opt
@click.option("--record", is_flag=True, help="把本次核查记入图层库的核查登记（场地、输入、结论与理由、日期、所用图层与规则文件的版本），"
                                             "之后可用 dcf site history 查看、dcf site recheck 重新核查。")
@click.option("--project", metavar="名称", help="项目名称（随 --record 记入登记）；批量核查时为批次名称，各行记为“批次名称 / 该行项目名称”（无名称的行只记批次名称）。")
@json_opt
@overwrite_opt
def check(site_value, industry, area_mu, crs, reader, investment_wan, floor_area_m2, footprint_m2, admin_area_m2,
          green_area_m2, tall_floor_area_m2, yard_area_m2, non_production_facilities, check_date, capacity_replacement,
          catalogue_class, policies, batch_file, output, report_path, export_site, map_path,
          basemap, record, project, as_json, overwrite):
    """核查项目选址是否符合产业规划 — does this project fit the plan here?

    给出结论（符合 / 有条件符合 / 不符合 / 不在规划范围）、涉及的镇（街道）和分区及面积（亩）、
    对口分区（由近及远，距离 km）、判定理由（注明规划章节）和用地控制指标核算。用 --site 核查一个
    场地，或用 --batch 逐行核查一个表格（每行一条结论，不遗漏）。所用示意图层在结果中注明。

    \b
    $ dcf site check --site 115.80,36.47 --industry 轴承
    $ dcf site check --site 115.80,36.47 --crs gcj02 --industry C3451 --area-mu 80 --investment-wan 24000
    $ dcf site check --site 地块.shp --industry 新能源汽车 --report 核查.html --map 核查地图.html
    $ dcf site check --site 报批坐标.txt --industry 轴承 --export-site 地块报批坐标.txt
    $ dcf site check --batch 项目清单.csv -o 核查结果.xlsx --json
    $ dcf site check --batch 项目.xlsx --layer 坐标 --field lon=东经 --field lat=北纬 -o 结果.csv
    $ dcf site check --batch 项目清单.xlsx --field industry=主营 -o 核查结果.xlsx
    $ dcf site check --site 115.80,36.47 --industry 轴承 --record --project 某轴承项目
    $ dcf site check --site 115.72,36.33 --industry C3451 --policy industry_outside_clusters=conditional
    """
    policy = _policy_option(policies)
    if project and not record:
        raise click.BadParameter("--project 只随 --record 记入核查登记；请同时给出 --record。", param_hint="--project")
    record = (project or True) if record else False
    for p, hint in ((report_path, "--report"), (map_path, "--map"), (output, "--output"),
                    (export_site, "--export-site")):
        if p is not None:
            # a missing folder is made (and said) for each output alike
            check_writable(p, overwrite, param_hint=hint, need_folder=True, inputs=(batch_file, site_value))
    if output is not None and output.suffix.lower() not in (".csv", ".xlsx", ".gpkg"):
        raise click.BadParameter(f"{output}：结果文件请用 .csv、.xlsx 或 .gpkg。", param_hint="--output")
    if export_site is not None and export_site.suffix.lower() not in (".txt", ".gpkg", ".geojson", ".json", ".shp", ".kml"):
        raise click.BadParameter(f"{export_site}：场地文件请用 .txt（报批坐标文件）、.gpkg、.geojson、.shp 或 .kml。",
                                 param_hint="--export-site")
    from .._validate import figure_problem

    for value, opt, field in ((area_mu, "--area-mu", "site_area_mu"), (investment_wan, "--investment-wan", "investment_wan"),
                              (floor_area_m2, "--floor-area-m2", "floor_area_m2"),
                              (footprint_m2, "--footprint-m2", "footprint_m2"),
                              (admin_area_m2, "--admin-area-m2", "admin_area_m2"),
                              (green_area_m2, "--green-area-m2", "green_area_m2"),
                              (tall_floor_area_m2, "--tall-floor-area-m2", "tall_floor_area_m2"),
                              (yard_area_m2, "--yard-area-m2", "yard_area_m2")):
        # the rules every batch row is checked with (dcf_spatial._validate); NaN given is refused
        problem = None if value is None else figure_problem(field, value if value == value else "nan")
        if problem:
            raise click.BadParameter(f"{problem}。", param_hint=opt)
    if record:   # before the check (a batch may run long): the register is written into the store (issue 12, b)
        from ..store.backends.gpkg_writable import refuse_unwritable

        refuse_unwritable(None, who="--record 把本次核查", rerun="dcf --store {store} site check … --record",
                          without="去掉 --record")
    if batch_file is not None:
        if site_value:
            raise click.BadParameter("--site 与 --batch 只能二选一。", param_hint="--batch")
        return _batch(batch_file, crs, output, report_path, map_path, as_json, overwrite, industry, reader, basemap,
                      export_site, record, policy)
    if not site_value:
        raise click.BadParameter("未给出场地。例：--site 115.80,36.47（经度,纬度）、WKT 或文件路径。",
                                 param_hint="--site")
    if not industry:
        raise click.BadParameter("未给出行业。例：--industry 轴承 或 --industry C3451。",
                                 param_hint="--industry")
    from ..errors import InputError
    from ..industry import IndustryChoiceNeeded, checkable, choice_error_message, industry_error_message, resolve
    from ..queries import check_site

    try:
        m = resolve(industry)
    except InputError as exc:  # a malformed code (大类 98 …)
        raise input_error(exc, "--industry") from None
    if not checkable(m):
        raise click.BadParameter(industry_error_message(m, where="--industry").removeprefix("--industry："),
                                 param_hint="--industry")
    try:
        answer = check_site(site_value, industry, area_mu=area_mu, crs=crs, investment_wan=investment_wan,
                            floor_area_m2=floor_area_m2, footprint_m2=footprint_m2, admin_area_m2=admin_area_m2,
                            green_area_m2=green_area_m2, capacity_replacement=capacity_replacement,
                            catalogue_class=catalogue_class, date=check_date,
                            tall_floor_area_m2=tall_floor_area_m2, yard_area_m2=yard_area_m2,
                            non_production_facilities=non_production_facilities, record=record, policy=policy,
                            **reader)
    except IndustryChoiceNeeded as exc:  # a word of several codes whose verdicts differ here: choose the code
        raise click.BadParameter(choice_error_message(exc.match, exc.each, where="--industry")
                                 .removeprefix("--industry："), param_hint="--industry") from None
    except InputError as exc:
        raise input_error(exc, _CHECK_OPTIONS.get(getattr(exc, "argument", None), "--site")) from None
    def show():
        _recorded(answer)
        if as_json:  # with --record, the register entry too, as the desk's POST /api/site-check answers
            data = answer.to_dict()
            echo_json({**data, "register_id": answer.register_ids[0] if answer.register_ids else None} if record else data)
        else:
            # the library words a fix neutrally (请声明产能置换): the command line names its option
            click.echo(cli_wording(answer.summary_text(figures_hint=FIGURES_HINT)))
            for n in answer.notes:
                echo_note(f"读取说明：{cli_wording(n)}")

    _outputs_then(show, answer, report_path, map_path, overwrite, basemap, export_site)


#: the Python argument an error of check_site is about (``exc.argument``) -> the option that gave it
_CHECK_OPTIONS = {"industry": "--industry", "date": "--date", "policy": "--policy", "tall_floor_area_m2": "--tall-floor-area-m2",
                  "non_production_facilities": "--non-production-facilities"}


def _policy_option(values) -> dict | None:
    """``--policy 口径=取值`` (repeatable) as the ``policy`` argument of check_site; the library checks the names."""
    if not values:
        return None
    out = {}
    for v in values:
        name, sep, value = v.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise click.BadParameter(f"「{v}」应写成 口径=取值，如 industry_outside_clusters=conditional。",
                                     param_hint="--policy")
        out[name.strip()] = value.strip()
    return out


def _industry_column_message(exc) -> str:
    """A batch without an industry column: the library's finding, the fix in this command's options."""
    if exc.guess:
        hint = (f"列“{exc.guess}”的内容像行业（如 {'、'.join(exc.samples)}）。"
                f"请用 --field industry={exc.guess} 指定行业列")
    else:
        hint = "请用 --field industry=列名 指定行业列（行业代码列用 --field industry_code=列名）"
    return f"{exc.head()}{hint}，或用 --industry 词或代码（如 --industry 轴承）给全部行统一行业。"


def _outputs(answer, report_path, map_path, overwrite, basemap, export_site=None):
    if export_site is not None:
        answer.to_site_file(export_site, overwrite=overwrite)
        echo_note(f"场地范围已写出：{export_site}")
    if report_path is not None:
        answer.to_report(report_path, overwrite=overwrite)
        echo_note(f"报告已写出：{report_path}")
    if map_path is not None:
        answer.to_map(map_path, basemap=basemap, overwrite=overwrite)
        echo_note(f"地图已写出：{map_path}")


def _outputs_then(show, answer, *args):
    """Write the requested files, then ``show()`` the verdict. A file that cannot be written (``--export-site``
    of a batch whose rows have no geometry) does not hide the verdict, already reached and maybe recorded:
    it is shown first, then the error."""
    from ..errors import DcfError

    try:
        _outputs(answer, *args)
    except DcfError:
        show()
        raise
    show()


def _recorded(answer):
    ids = answer.register_ids
    if ids:
        shown = f"{ids[0]}" if len(ids) == 1 else f"{ids[0]}–{ids[-1]}（{len(ids)} 条）"
        echo_note(f"已记入核查登记：登记号 {shown}；查看：dcf site history show {ids[0]}")


def _batch(batch_file, crs, output, report_path, map_path, as_json, overwrite, default_industry, reader, basemap,
           export_site=None, record=False, policy=None):
    from ..errors import InputError
    from ..queries import check_batch, check_batch_to_file

    from ..queries.site.batch import IndustryColumnMissing

    progress = not click.get_current_context().find_root().params.get("quiet")
    # only the table is wanted: written chunk by chunk, in bounded memory whatever the batch's size
    stream = output is not None and not (report_path or map_path or as_json or export_site)
    try:
        if stream and not record:
            run = check_batch_to_file(batch_file, output, default_industry, crs=crs, overwrite=True,
                                      progress=progress, policy=policy, **reader)  # refused above unless --overwrite
        else:
            answer = check_batch(batch_file, default_industry, crs=crs, record=record, progress=progress,
                                 policy=policy, **reader)
    except IndustryColumnMissing as exc:
        raise input_error(InputError(_industry_column_message(exc)), "--batch") from None
    except InputError as exc:
        raise input_error(exc, "--policy" if getattr(exc, "argument", None) == "policy" else "--batch") from None
    if stream and not record:
        if run.failed and run.failed == run.rows:
            echo_note(f"全部 {run.rows} 条记录都无法核查，例如{run.first_failure['row_label']}：{run.first_failure['error']}")
        echo_note(f"结果已写出：{output}（{run.rows} 行，与输入行数相同）")
        click.echo(run.summary_text(more_hint="-o 输出文件或 --json"))
        for n in run.notes:
            echo_note(f"读取说明：{cli_wording(n)}")
        return
    failed = answer.failed()
    if failed and len(failed) == len(answer.results):  # one line before anything else: why nothing was checked
        echo_note(f"全部 {len(answer.results)} 条记录都无法核查，例如{failed[0]['row_label']}：{failed[0]['error']}")
    if output is not None:
        answer.to_table(output, overwrite=True)  # refused above unless --overwrite
        echo_note(f"结果已写出：{output}（{len(answer.results)} 行，与输入行数相同）")
    def show():
        _recorded(answer)
        if as_json:
            echo_json(answer.to_dict())
            for n in answer.notes:  # stderr: the JSON on stdout stays clean
                echo_note(f"读取说明：{cli_wording(n)}")
            return
        click.echo(answer.summary_text(more_hint="-o 输出文件或 --json"))
        for n in answer.notes:
            echo_note(f"读取说明：{cli_wording(n)}")

    _outputs_then(show, answer, report_path, map_path, overwrite, basemap, export_site)


@site.command()
@click.argument("words", nargs=-1, required=True)
@json_opt
def industry(words, as_json):
    """查行业代码 — resolve industry words to GB/T 4754-2017.

    把行业代码或中文词解析为 GB/T 4754-2017 行业代码；有多个可能时列出候选，不替用户猜。
    有词无法识别或被拒绝时以状态 2 退出，与 site check 相同（有多个可能时列出候选，状态 0，site check 亦然）。

    \b
    $ dcf site industry 轴承 管材 3612
    """
    from ..industry import resolve

    out = [resolve(w) for w in words]
    _show_industries(out, as_json)
    if any(not m.resolved and m.status != "ambiguous" for m in out):   # a script tells a word not read (QA31 F8)
        raise SystemExit(2)


def _show_industries(out, as_json: bool) -> None:
    """Each word's reading (:func:`~dcf_spatial.industry.resolve`) on stdout, as text or JSON."""
    from ..industry import REFUSALS, industry_error_message

    if as_json:
        echo_json([m.to_dict() for m in out])
        return
    for m in out:
        read = f"（{m.read_zh}）" if m.read_zh else ""
        if m.resolved:
            click.echo(f"{m.query}：{m.label_zh}{read}")
        elif m.status == "ambiguous":
            click.echo(f"{m.query}{read}：有多个可能 — " + "；".join(f"{c} {n}" for c, n in m.candidates))
        elif m.notes[:1] and m.notes[0] in REFUSALS:   # a negation, an annex, a code that does not exist …: why
            click.echo(industry_error_message(m))
        else:
            hint = "；".join(f"{c} {n}" for c, n in m.candidates)
            click.echo(f"{m.query}：无法识别" + (f"（相近：{hint}）" if hint else ""))


@site.command()
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path),
              help="把全部规则导出为表格（.xlsx 或 .csv）供规划科审阅：编号、章节、规划原文、影响、结论用语、数据文件。")
@click.option("--check", "check_path", type=click.Path(dir_okay=False, path_type=Path),
              help="检查修改后的规则表：未知代码、缺少章节、错误的结论名等，逐行指出。")
@json_opt
@overwrite_opt
def rules(xlsx_path, check_path, as_json, overwrite):
    """列出核查规则 — list the site-check rules.

    列出每条核查规则及其规划依据（章节）和规划原文，以及各分区承接的行业，便于与规划文本逐条对照。
    --xlsx 导出规则表供审阅；--check 在使用前检查修改过的规则表（有问题时逐行列出并以非零状态退出）。

    \b
    $ dcf site rules
    $ dcf site rules --json > rules.json
    $ dcf site rules --xlsx 规则表.xlsx
    $ dcf site rules --check 规则表.xlsx
    """
    from .. import plan
    from ..errors import InputError

    if xlsx_path is not None or check_path is not None:
        from ..queries.site.rules_table import check_rules_table, export_rules

        if xlsx_path is not None:
            check_writable(xlsx_path, overwrite, param_hint="--xlsx", need_folder=True)
            try:
                export_rules(xlsx_path, overwrite=True)  # refused above unless --overwrite
            except InputError as exc:
                raise input_error(exc, "--xlsx") from None
            echo_note(f"规则表已写出：{xlsx_path}")
        if check_path is not None:
            try:
                res = check_rules_table(check_path)
            except InputError as exc:
                raise input_error(exc, "--check") from None
            if as_json:
                echo_json(res.to_dict())
            else:
                click.echo(res.summary_text())
            if not res.ok:
                raise SystemExit(1)
        return

    rb = plan.rules()
    zones = plan.zones()
    if as_json:
        echo_json({"rules": rb, "zones": zones, "overcapacity_industries": plan.overcapacity(),
                   "extra_rules": plan.extra_rules()})
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
    click.echo("五、其他规则（过剩产能、高耗能、淘汰类、全区支持的行业、功能区块、分区补充行业、规划点名地点、生态廊道）")
    for r in plan.extra_rules():
        said = re.sub(r"\{[a-z_]+\}", "…", r["wording"])
        click.echo(f"  [{r['rule_id']}] 行业 {', '.join(r['codes']) or '—'} → {plan.verdict_zh(r['effect'])}；{r['plan_ref']}"
                   + ("（出处待核实）" if r["verify"] else "")
                   + (f"\n      原文：{r['quote']}" if r["quote"] else "\n      （无逐字引文：按所引依据推定）")
                   + (f"\n      核查结论用语：{said}" if said else ""))


@site.group(cls=DcfGroup)
def indicators():
    """用地控制指标版本 — land-use control indicator editions.

    load 载入地方（山东/聊城“标准地”）指标表；载入后核查中有对应行的指标优先按地方指标核查。

    \b
    $ dcf site indicators load 标准地指标.xlsx
    """


@indicators.command("load")
@click.argument("table", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sheet", default=None, help="工作表名（默认第一个）。")
@overwrite_opt
def indicators_load(table, sheet, overwrite):
    """载入地方指标表 — load a local edition (标准地) from a spreadsheet.

    列：指标、行业代码（GB/T 4754-2017，* 表示全部行业）、比较（>= / <=）、阈值、单位、施行日期、版本（可选：依据）。
    逐行校验，有误的行全部列出且不载入；载入后保存在用户数据目录。

    \b
    $ dcf site indicators load 标准地指标.xlsx
    $ dcf site indicators load 标准地指标.xlsx --sheet 工业 --overwrite
    """
    from ..errors import InputError
    from ..queries.land_indicators import load_local_indicators

    try:
        res = load_local_indicators(table, sheet=sheet if sheet is not None else 0, overwrite=overwrite)
    except InputError as exc:
        raise input_error(InputError(str(exc).replace("请允许覆盖（overwrite）", "请加 --overwrite")), "TABLE") from None
    click.echo(res.summary_text())


@site.group(cls=DcfGroup, invoke_without_command=True)
@click.option("--verdict", metavar="结论", help="只列此结论：符合 / 有条件符合 / 不符合 / 不在规划范围（或 fits 等代码）。")
@click.option("--zone", metavar="分区", help="只列涉及此分区的：分区编号（cluster.zhengjia）或中文名的一部分（郑家镇）。")
@click.option("--since", metavar="YYYY-MM-DD", help="登记日期不早于此日。")
@click.option("--until", metavar="YYYY-MM-DD", help="登记日期不晚于此日。")
@click.option("--project", metavar="名称", help="项目名称包含此文字。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="另存登记列表：.xlsx / .csv / .gpkg（含场地范围）。")
@json_opt
@overwrite_opt
@click.pass_context
def history(ctx, verdict, zone, since, until, project, output, as_json, overwrite):
    """核查登记：列出记入登记的选址核查（--record），可筛选、导出 — the register of checks.

    show 登记号 按登记时所用的图层与规则文件版本重现当时的结论。

    \b
    $ dcf site history --verdict 不符合 --since 2026-01-01
    $ dcf site history --zone 郑家镇 -o 登记.xlsx
    $ dcf site history show 12
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..errors import InputError
    from ..register import history as register_history

    if output is not None:
        check_writable(output, overwrite, param_hint="--output", need_folder=True)
    try:
        answer = register_history(verdict=verdict, zone=zone, since=since, until=until, project=project)
    except InputError as exc:
        hint = "--verdict" if "结论" in str(exc) else "--until" if "截止" in str(exc) else "--since"
        raise input_error(exc, hint) from None
    if output is not None:
        answer.to_table(output, overwrite=True)  # refused above unless --overwrite
        echo_note(f"登记列表已写出：{output}（{len(answer.rows)} 条）")
    if as_json:
        echo_json(answer.to_dict())
    else:
        click.echo(answer.summary_text())


@history.command("show")
@click.argument("entry_id", type=int, metavar="登记号")
@json_opt
def history_show(entry_id, as_json):
    """按登记时的图层与规则文件版本重现一条核查结论 — reproduce a recorded check.

    \b
    $ dcf site history show 12
    """
    from ..errors import InputError
    from ..register import show

    try:
        answer = show(entry_id)
    except InputError as exc:
        raise input_error(exc, "登记号") from None
    if as_json:
        echo_json(answer.to_dict())
    else:
        click.echo(answer.summary_text(figures_hint=FIGURES_HINT_RECORDED))


@site.command()
@click.option("--since", metavar="YYYY-MM-DD", help="只重新核查此日及以后登记的。")
@click.option("--against", default="current", show_default=True, metavar="current|版本集",
              help="按什么重新核查：current 现行图层与规则；或一个版本集——登记号（按该登记所用的图层与规则版本）"
                   "或版本集编号（dcf layers versions、dcf site history 列出）。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="另存变化清单：.xlsx（含核查对照、版本变化）或 .csv。")
@click.option("--map", "map_path", type=click.Path(dir_okay=False, path_type=Path),
              help="另存变化地图（.html）：结论或分区有变化的场地，按变化着色，中文图例。")
@basemap_opt
@json_opt
@overwrite_opt
def recheck(since, against, output, map_path, basemap, as_json, overwrite):
    """按现行图层与规则重新核查已登记的选址，列出每一处变化及其原因 — what changed since.

    结论改变、进入或移出分区、分区占比和所在镇（街道）变化、用地控制指标阈值变化，各注明是哪个图层或
    规则文件的哪次改动（登记时版本 → 现版本）造成的。

    \b
    $ dcf site recheck
    $ dcf site recheck --since 2026-01-01 -o 变化清单.xlsx
    $ dcf site recheck --against 3f2a9c1d0b7e --map 变化.html
    """
    from ..errors import InputError
    from ..register import recheck as register_recheck
    from ..register.recheck import _is_version_set

    if output is not None:
        check_writable(output, overwrite, param_hint="--output", need_folder=True)
        if output.suffix.lower() not in (".xlsx", ".csv"):
            raise click.BadParameter(f"{output}：变化清单请用 .xlsx 或 .csv。", param_hint="--output")
    if map_path is not None:
        check_writable(map_path, overwrite, param_hint="--map", need_folder=True)
        if map_path.suffix.lower() != ".html":
            raise click.BadParameter(f"{map_path}：变化地图请用 .html。", param_hint="--map")
    if against != "current" and not _is_version_set(against):
        raise click.BadParameter(f"{against!r} 不是 current、登记号或版本集编号（dcf layers versions 列出）。",
                                 param_hint="--against")
    try:
        answer = register_recheck(since=since, against=against)
    except InputError as exc:
        raise input_error(exc, "--against" if "版本集" in str(exc) or "登记号" in str(exc) else "--since") from None
    if output is not None:
        answer.to_table(output, overwrite=True)
        echo_note(f"变化清单已写出：{output}（{len(answer.changes)} 项）")
    if map_path is not None:
        if len(answer.changes):
            answer.to_map(map_path, overwrite=True, basemap=basemap)
            echo_note(f"变化地图已写出：{map_path}")
        else:
            echo_note("没有变化，未写变化地图。")
    if as_json:
        echo_json(answer.to_dict())
    else:
        click.echo(answer.summary_text())
