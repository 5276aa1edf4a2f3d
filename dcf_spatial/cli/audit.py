"""`dcf audit` — 闲置土地与亩产效益审计 — idle-land and per-mu efficiency audits.

Argument parsing, one call to :func:`dcf_spatial.land.audit_idle` / :func:`~dcf_spatial.land.audit_efficiency`
and printing: the summary goes to stdout in Chinese (or the result's ``to_dict()`` as JSON with
``--json``), diagnostics to stderr.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from ._options import (
    basemap_opt,
    crs_opt,
    echo_json,
    echo_note,
    overwrite_opt,
    reader_options,
)
from .help_format import DcfGroup

# the audit (dcf_spatial.land.api) makes the -o folder when it writes, and removes the parts it made again, or
# says what it left in them, when it stops on an error (QA30 F10): the API's callers and the CLI alike
out_dir_opt = click.option("-o", "--output", "output", required=True, type=click.Path(file_okay=False, path_type=Path),
                           help="输出文件夹（不存在则新建；命令出错停止时删去新建的空文件夹）。")


engine_opt = click.option("--engine", type=click.Choice(["single", "dask"]), default="single", show_default=True,
                          help="计算引擎。single：单进程，输出 Excel、GeoPackage 和 HTML 地图；dask：在 "
                               "dask.distributed 集群上分区计算，输出 GeoParquet 及同样的 Excel 和 HTML 地图"
                               "（见 docs/dask.md）。")
scheduler_opt = click.option("--scheduler", default=None, metavar="ADDRESS",
                             help="已在运行的 dask 调度器地址（tcp://HOST:8786）；缺省在本机启动 LocalCluster。"
                                  "仅用于 --engine dask。")
partitions_opt = click.option("--partitions", type=click.IntRange(min=1), default=None, metavar="N",
                              help="把单个文件（或 pg: 表）分成 N 个分区。仅用于 --engine dask。")

record_opt = click.option("--record", is_flag=True,
                          help="把本次审计记入图层库的审计登记（输入文件哈希、基准日、图层与规则版本、每宗结论），"
                               "之后可用 dcf audit diff 对比两次审计。")


def _recorded(res) -> None:
    rid = res.details.get("register_id")
    if rid is not None:
        echo_note(f"已记入审计登记：审计登记号 {rid}；对比：dcf audit diff 旧登记号或文件夹 {rid}")


def _echo_dask(summary: dict, as_json: bool, describe) -> None:
    """A dask run's summary: JSON, or the Chinese lines ``describe`` makes of it."""
    if as_json:
        echo_json(summary)
    else:
        for line in describe(summary):
            click.echo(line)


def _single_engine_only(scheduler, partitions, inputs: dict[str, list]) -> None:
    """Refuse the dask options, and several inputs, with the single-process engine."""
    for opt, val in (("--scheduler", scheduler), ("--partitions", partitions)):
        if val is not None:
            raise click.BadParameter("只用于 dask 引擎：请加 --engine dask，或去掉该选项。", param_hint=opt)
    for opt, values in inputs.items():
        if len(values) > 1:
            raise click.BadParameter(f"单进程引擎只读一个输入（收到 {len(values)} 个）。多个文件请加 --engine dask，"
                                     "或先合并为一个文件。", param_hint=opt)


def _dask_refuses(**given) -> None:
    """Options the dask engine does not take (it reads GeoParquet or files GDAL reads as they are)."""
    for opt, val in given.items():
        if val:
            raise click.BadParameter("dask 引擎不支持此选项（请给出 GeoParquet 或可直接读取的文件），"
                                     "或改用单进程引擎（去掉 --engine dask）。", param_hint=opt)


def _parcel_input(value: str, reader: dict, crs, option: str = "--parcels"):
    """A single-engine input: a checked path, or ``pg:SCHEMA.TABLE`` as given (``io.read_vector`` and
    ``io.read_table`` read it from the PostGIS store's database)."""
    if str(value).startswith("pg:"):
        return str(value)
    path = Path(value)
    _exists(path, option)
    return path


def _progress_wanted(as_json: bool) -> bool:
    """The dask progress bar (stderr) unless --json or dcf -q."""
    root = click.get_current_context().find_root()
    return not (as_json or root.params.get("quiet"))


def _as_of(ctx, param, value):
    if value is None:
        return None
    from ..errors import InputError
    from ..land.idle_audit import parse_as_of

    try:
        return parse_as_of(value)
    except InputError as exc:
        raise click.BadParameter(str(exc).removeprefix("--as-of："), param_hint="--as-of") from None


def _field_map(items):
    from ..io import parse_field_map

    return parse_field_map(list(items)) if items else None


def _exists(path: Path, hint: str) -> None:
    if not path.exists():
        raise click.BadParameter(f"文件不存在：{path}。请检查路径和文件名（含扩展名）。", param_hint=hint)


def _echo_notes(res) -> None:
    """The notes a reader must not miss: synthetic data, schematic layers, code system, warnings."""
    schematic = [lay["layer_id"] for lay in res.layers_used if "schematic" in str(lay.get("provenance"))]
    if schematic:
        click.echo(f"注意：区域归属所用图层 {'、'.join(schematic)} 为示意图层，分区汇总仅供参考。")
    from ._options import cli_wording

    # the columns the audit did not use and the units taken from headers are always shown: a column
    # ignored without a word on the terminal is how a ledger's areas became 0 亩 (QA round 4)
    for note in res.notes:
        if must_show(note):
            click.echo(f"注意：{cli_wording(note)}")


#: words of the notes every console shows (single and dask engines alike): synthetic data, the code
#: system, warnings, the reading of the file (blank lines, area columns and units, unused columns)
_SHOWN = ("合成数据】", "改读有坐标列的工作表", "地类编码按", "警告", "没有图层", "未使用", "列名所注单位", "未识别", "个空行", "有两个面积列",
          "没有可用的面积", "合计行或表尾", "汇总不可用", "无法核对地名")


def must_show(note) -> bool:
    """Whether a result note is printed on the console (see :data:`_SHOWN`; the note saying which sheet of
    a workbook was read: :func:`dcf_spatial.io.tables.is_sheet_note`).

    Examples
    --------
    >>> must_show("读入说明：跳过 1 个空行"), must_show("区域归属：…")
    (True, False)
    """
    from ..io.tables import is_sheet_note

    # the sheet read is found by how the chooser begins its note, not by words a new clause can split (brk12)
    return bool(note) and (is_sheet_note(note) or any(w in note for w in _SHOWN))


def idle_count_lines(rows: list[dict], counts: dict) -> list[str]:
    """The lines both engines print under an idle audit's first line, the same for the same input: one per
    status label carried (宗, 亩 or 面积不明), the 非宗地行 and repeated ids, the fee total (待核定 when a land
    price is missing) and the rows to check, imagery conflicts, and for a ledger placed by name the parcels
    placed by name, of unknown place and with a 地名冲突.

    Parameters
    ----------
    rows
        :func:`dcf_spatial.land.outputs.status_rows` as records (``status``, ``status_zh``, ``count``,
        ``area_mu``, ``area_unknown``).
    counts
        :func:`dcf_spatial.land.outputs.console_counts` of the audited parcels (added up over partitions).

    Examples
    --------
    >>> idle_count_lines([{"status": "idle", "status_zh": "疑似闲置", "count": 2, "area_mu": 0.0, "area_unknown": 2}],
    ...                  {"not_a_parcel": 0, "repeats": 0, "fee_wan": 0.0, "fee_pending": 0, "problems": 0,
    ...                   "insufficient": 0, "to_check": 0, "imagery_conflicts": None, "by_name": 2, "unknown": 1,
    ...                   "conflict": 1})[0].split()
    ['疑似闲置', '2', '宗', '面积不明', '2', '宗']
    """
    from ..land.idle_audit import fee_total_zh, reclaim_line_zh
    from ..land.outputs import area_total_text

    # an audit of no rows has no partition to count: zeros, and no column to read places from
    counts = {"not_a_parcel": 0, "repeats": 0, "fee_wan": 0.0, "fee_pending": 0, "problems": 0, "insufficient": 0,
              "to_check": 0, "imagery_conflicts": None, "by_name": None, "unknown": None, "conflict": None,
              **(counts or {})}
    lines = []
    if counts["not_a_parcel"]:
        lines.append(f"  非宗地行（合计/表尾） {counts['not_a_parcel']:,} 行：列入清单并注明，未作为宗地审计，不计入任何合计")
    if counts["repeats"]:
        lines.append(f"  宗地代码重复的记录中有 {counts['repeats']:,} 条为同一宗地的重复记录：均列入清单并标明，"
                     "下列宗数、面积与闲置费合计每宗只计一次")
    # one line per label the parcels carry (认定/疑似, 第八条第一款/第二款 apart), as the workbook's 汇总_按状态
    for row in rows:
        if row["count"] and row["status"] != "not_a_parcel":   # said above, in 行
            lines.append(f"  {row['status_zh']:<16} {int(row['count']):>8,} 宗  "
                         f"{area_total_text(row['area_mu'], row.get('area_unknown', 0), row['count']):>12}")
    # 需核实补正 0 条 is an answer; its break-down into two zeros and the empty table are not
    lines.append(f"  土地闲置费合计 {fee_total_zh(counts['fee_wan'], counts['fee_pending'])}；需核实补正的记录 "
                 f"{counts['to_check']:,} 条" + (f"（有数据问题 {counts['problems']:,} 条、数据不足 {counts['insufficient']:,} 条，"
                                                 "两者可重叠；见“问题记录”表）" if counts["to_check"] else ""))
    if counts.get("reclaim"):
        lines.append("  " + reclaim_line_zh(counts))
    if counts.get("late_starts"):
        lines.append(f"  逾期动工 {counts['late_starts']:,} 宗：已动工，但动工晚于约定日期满一年，其间曾构成闲置土地（第二条）；"
                     "结论按基准日现状，列入问题记录，请核查是否已征缴土地闲置费（见“逾期动工提示”列）")
    if counts["imagery_conflicts"] is not None:
        lines.append(f"  影像与记录矛盾 {counts['imagery_conflicts']:,} 宗")
    if counts["unknown"] is not None:
        # a part that counts 0 is left out (no "位置不明 0 宗"); the line only when either counts a parcel
        said = [f"按项目位置中的地名定位 {counts['by_name']:,} 宗"] if counts["by_name"] else []
        if counts["unknown"]:
            said.append(f"位置不明 {counts['unknown']:,} 宗"
                        + (f"（其中地名冲突 {counts['conflict']:,} 宗，见“镇街归属方式”列）" if counts["conflict"] else ""))
        if said:
            lines.append("  无坐标：" + "，".join(said)
                         + ("（均已审计，分区汇总计入“位置不明”）" if counts["unknown"] else "（均已审计）"))
    return lines


def describe_idle(summary: dict) -> list[str]:
    """The Chinese lines ``dcf audit idle --engine dask`` prints of a run summary (``AuditResult.to_dict()``):
    the single engine's lines (:func:`idle_count_lines`), the partitions and the run."""
    from ..land.idle_audit import rows_zh

    footers = (summary.get("console") or {}).get("not_a_parcel") or 0
    lines = [f"闲置土地审计（dask 引擎，基准日 {summary['as_of']}）：{summary['partitions']} 个输入分区"
             f"（输入分成的并行审计单元；结果文件数见下），输入 {rows_zh(summary['rows'], footers)}，输出 {summary['rows']:,} 条结论"]
    lines += idle_count_lines(summary.get("status_rows") or [], summary.get("console"))
    lines.append(f"  重复宗地代码 {summary['duplicate_ids']:,} 个（均保留、未合并；面积与闲置费每宗只计一次）")
    return lines + _describe_run(summary, summary["files"])


def describe_efficiency(summary: dict) -> list[str]:
    """The Chinese lines ``dcf audit efficiency --engine dask`` prints."""
    parts = summary["partitions"]
    lines = [f"亩产效益评价（dask 引擎）：企业表 {parts['enterprises']} 个分区、{summary['rows']:,} 行，输出 {summary['rows']:,} 行；"
             f"宗地 {parts['parcels']} 个分区、{summary['parcels']:,} 宗"]
    names = summary["class_names_zh"]
    lines += [f"  {names.get(k, k):<10} {n:>8,} 家" for k, n in summary["counts"].items()]
    table = summary["low_tables"].get("按集聚区")
    if table:
        low, d, idle = (sum(r[k] for r in table) for k in ("low_area_mu", "d_area_mu", "idle_area_mu"))
        lines.append(f"  低效用地合计 {low:,.1f} 亩（D类企业用地 {d:,.1f} 亩，闲置土地 {idle:,.1f} 亩）")
    files = summary["files"]["enterprises"] + summary["files"]["parcels"]
    return lines + _describe_run(summary, files)


def _describe_run(summary: dict, files: list[str]) -> list[str]:
    from ._options import cli_wording

    lines = [f"注意：{n}" for n in summary["notes"] if "合成数据】" in n][:1]
    # the reading notes, as the single engine's console shows them
    lines += [f"注意：{cli_wording(n)}" for n in summary["notes"] if must_show(n) and "合成数据】" not in n]
    schematic = [lay["layer_id"] for lay in summary.get("layers_used", []) if "schematic" in str(lay.get("provenance"))]
    if schematic:
        lines.append(f"注意：区域归属所用图层 {'、'.join(schematic)} 为示意图层，分区汇总仅供参考（详见汇总文件的说明）。")
    lines.append(f"dask 调度器 {summary['scheduler']}；监控面板 {summary['dashboard'] or '（未开启）'}；"
                 f"用时 {summary['timings'].get('total', max(summary['timings'].values(), default=0)):.1f} 秒")
    folders = sorted({str(Path(f).parent) for f in files if f.endswith(".parquet")})
    lines.append("输出：")
    for folder in folders:
        n = sum(1 for f in files if str(Path(f).parent) == folder)
        lines.append(f"  {folder}/ （{n} 个 GeoParquet/Parquet 分区文件）")
    if summary.get("excel"):
        lines.append(f"  {summary['excel']} （Excel 工作簿：{_excel_line(summary)}）")
    if summary.get("map"):
        lines.append(f"  {summary['map']} （HTML 地图：" + ("逐宗绘制" if summary.get("map_kind") == "parcels" else
                                                      "宗地过多，按镇街与工业集聚区汇总着色") + "）")
    lines.append(f"  {summary['summary_file']} （计数、说明、用时）")
    return lines


def _excel_line(summary: dict) -> str:
    if "excel_listed" not in summary:  # the efficiency workbook lists every enterprise row
        return ("分类汇总按全部企业、低效用地按全部宗地统计；" if summary.get("parcels") else "分类汇总按全部企业统计；") \
            + f"企业清单列出全部 {summary['rows']:,} 行"
    n, listed = summary["rows"], summary["excel_listed"]
    return "汇总表按全部宗地统计；" + (f"宗地清单列出全部 {n:,} 宗" if listed == n else
                                f"宗地清单列出需处置或需核实的 {listed:,} 宗，完整 {n:,} 宗见 GeoParquet 文件夹")


@click.group(cls=DcfGroup)
def audit():
    """闲置土地与亩产效益审计 — idle-land and per-mu efficiency audits.

    idle 按《闲置土地处置办法》逐宗判定闲置土地；efficiency 评价企业亩产效益并汇总低效用地；
    diff 对比两次审计（哪些宗地的结论、闲置费或所在区变了，为什么）；history 列出登记的审计（--record）。
    每条输入记录在结果中恰好出现一次。

    \b
    $ dcf audit idle --parcels 宗地.shp --as-of 2025-12-31 -o out/idle
    $ dcf audit efficiency --enterprises 企业.xlsx --parcels 宗地.shp -o out/eff
    $ dcf audit diff out/idle-2025-06 out/idle-2025-12
    """


@audit.command("idle")
@click.option("--parcels", "parcels", required=True, multiple=True,
              help="宗地文件（SHP、GPKG、GeoJSON、KML、带坐标的 CSV/XLSX）或数据库表 pg:SCHEMA.TABLE；"
                   "--engine dask 时也可为 GeoParquet 文件夹，或重复本选项给出多个文件。")
@click.option("--as-of", "as_of", required=True, callback=_as_of, metavar="YYYY-MM-DD", help="审计基准日：按该日判定每宗地的状态。")
@click.option("--imagery", type=click.Path(dir_okay=False, path_type=Path),
              help="土地覆盖分类影像 GeoTIFF（任意坐标系），用于计算每宗地的建成区比例、核对开工记录。")
@click.option("--built-class", type=int, default=None,
              help="影像中代表建成区的像元值；不给则按 0/1 建成区掩膜读取。")
@click.option("--code-system", type=click.Choice(["auto", "2017", "2023"]), default="auto", show_default=True,
              help="land_use_code 所用地类标准：2017 为 GB/T 21010-2017，2023 为 2023 年用地用海分类，"
                   "auto 自动判断（按所填编码，未填编码时按 2017）。只填土地用途名称（工业用地 等）的宗地按所选标准取编码。")
@click.option("--area-unit", "area_unit", type=click.Choice(["亩", "公顷", "平方米"]), default=None,
              help="表中面积列未注明单位（列名只写“面积”）时，其单位；不给则只在数值只有按一种单位才合理时按该单位读取"
                   "（读入说明写明），否则该列不计面积，各宗注明。")
@crs_opt
@reader_options
@out_dir_opt
@overwrite_opt
@click.option("--no-map", is_flag=True, help="不生成 HTML 地图。")
@click.option("--gpkg", is_flag=True,
              help="完整清单另写一份 GeoPackage（idle_audit.gpkg）；不超过 100,000 宗时总会写出，超过时只在给出本选项时写出。")
@basemap_opt
@click.option("--json", "as_json", is_flag=True, help="以 JSON 格式输出每宗地的 parcel_id、结论、理由和闲置费（万元）。")
@engine_opt
@scheduler_opt
@partitions_opt
@record_opt
def idle(parcels, as_of, imagery, built_class, code_system, area_unit, crs, reader, output, overwrite, no_map, gpkg,
         basemap, as_json, engine, scheduler, partitions, record):
    """闲置土地审计 — idle-land audit.

    按《闲置土地处置办法》（国土资源部令第53号）给每宗地一个结论（疑似闲置、疑似闲置满两年、
    疑似开发不足闲置、第八条原因（政府原因或不可抗力）、延期动工期内、正常、不适用、数据不足）及理由、
    依据日期和下一步。未记录闲置土地认定书日期的只是“疑似”（须依第五条至第十条调查认定），闲置费为
    潜在金额。每宗输入宗地在结果中恰好出现一次。

    输出文件夹中写出 idle_audit.xlsx（中文表头：按结论、镇街、分区汇总，宗地清单，问题记录，说明）、
    完整清单 idle_audit.parquet（GeoParquet，每宗一行，含图形；不超过 100,000 宗或给出 --gpkg 时另有
    idle_audit.gpkg）和 idle_audit_map.html。--engine dask 时完整清单为 idle_audit.parquet/ 文件夹
    （每个分区一个文件），Excel 相同（汇总全部分区）；宗地数超过地图上限时，地图改为按闲置比例给镇街和
    集聚区着色。

    \b
    $ dcf audit idle --parcels 宗地.gpkg --as-of 2025-12-31 -o out/idle
    $ dcf audit idle --parcels 宗地.shp --as-of 2025-12-31 --imagery landcover.tif --built-class 50 -o out/idle
    $ dcf audit idle --parcels 宗地.xlsx --layer 宗地 --field agreed_start=约定开工 --as-of 2025-12-31 -o out/idle
    $ dcf audit idle --parcels parcels_parquet/ --as-of 2025-12-31 -o out/idle --engine dask
    """
    from .. import land
    from ..land.dask import input_source
    from ..land.idle_audit import rows_zh
    from ..land.outputs import console_counts, status_rows

    if engine == "dask":
        _dask_refuses(**{"--imagery": imagery, "--built-class": built_class is not None, "--layer": reader["layer"],
                         "--encoding": reader["encoding"], "--swap-xy": reader["swap_xy"], "--area-unit": area_unit})
        res = land.audit_idle(input_source(list(parcels)), as_of=as_of, engine="dask", scheduler=scheduler,
                              partitions=partitions, field_map=reader["field_map"], crs=crs, code_system=code_system,
                              out=output, overwrite=overwrite, progress=_progress_wanted(as_json), map=not no_map,
                              basemap=basemap, record=record)
        _recorded(res)
        _echo_dask(res.to_dict(), as_json, describe_idle)
        return
    _single_engine_only(scheduler, partitions, {"--parcels": parcels})
    parcels = _parcel_input(parcels[0], reader, crs)
    if built_class is not None and imagery is None:
        raise click.BadParameter(f"{built_class} 只在给出 --imagery（分类影像 GeoTIFF）时有效；请加 --imagery <影像.tif>，"
                                 "或去掉 --built-class。", param_hint="--built-class")
    if imagery is not None:
        _exists(imagery, "--imagery")
    res = land.audit_idle(parcels, as_of=as_of, imagery=imagery, built_class=built_class,
                          field_map=reader["field_map"], crs=crs, layer=reader["layer"], encoding=reader["encoding"],
                          swap_xy=reader["swap_xy"], code_system=code_system, out=output, overwrite=overwrite,
                          map=not no_map, basemap=basemap, gpkg=gpkg, progress=_progress_wanted(as_json),
                          record=record, area_unit=area_unit)
    _recorded(res)
    r = res.frame
    if as_json:
        echo_json(res.to_dict())
        return
    counts = console_counts(r)
    click.echo(f"闲置土地审计（基准日 {as_of:%Y-%m-%d}）：输入 {rows_zh(len(r), counts['not_a_parcel'])}，"
               f"输出 {len(r):,} 条结论")
    for line in idle_count_lines(status_rows(res.summaries["status"]).to_dict("records"), counts):
        click.echo(line)
    _echo_notes(res)
    click.echo("输出：")
    for path in res.files.values():
        click.echo(f"  {path}")


@audit.command("efficiency")
@click.option("--enterprises", required=True,
              help="企业表（CSV/XLSX），含 credit_code、name、industry_code、tax_wan、revenue_wan 等列；"
                   "--engine dask 时也可为 Parquet（文件或文件夹）或 pg:SCHEMA.TABLE。")
@click.option("--parcels", multiple=True,
              help="宗地：补足企业缺少的用地面积、确定所在分区，闲置宗地计入低效用地（文件或 "
                   "pg:SCHEMA.TABLE；--engine dask 时也可为 GeoParquet 文件夹或多个文件）。")
@click.option("--as-of", "as_of", callback=_as_of, default=None, metavar="YYYY-MM-DD",
              help="审计基准日：闲置土地按该日判定（给了 --parcels 时必填）。")
@click.option("--scoring", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="评价参数文件（权重、基准值、分类比例）；缺省为随附的 efficiency_scoring.json。")
@crs_opt
@reader_options
@click.option("--parcel-layer", default=None, help="宗地文件的图层或工作表（--layer 用于企业表）。")
@click.option("--parcel-field", "parcel_fields", multiple=True, metavar="TARGET=SOURCE",
              help="宗地文件的字段对应，用法同 --field，如 --parcel-field agreed_start=约定开工；可重复。")
@out_dir_opt
@overwrite_opt
@click.option("--no-map", is_flag=True, help="不生成 HTML 地图。")
@basemap_opt
@click.option("--json", "as_json", is_flag=True, help="以 JSON 格式输出每家企业的分类和得分。")
@engine_opt
@scheduler_opt
@partitions_opt
@record_opt
def efficiency(enterprises, parcels, as_of, scoring, crs, reader, parcel_layer, parcel_fields, output, overwrite, no_map,
               basemap, as_json, engine, scheduler, partitions, record):
    """亩产效益评价与低效用地汇总 — per-mu efficiency classes.

    规上企业按亩均税收、亩均营业收入、单位能耗营业收入、单位排放营业收入、研发经费投入强度和全员
    劳动生产率加权评分，规下企业只按亩均税收和亩均营业收入评分，两组分别排名，每家企业分为
    A 优先发展 / B 支持发展 / C 提升发展 / D 限制发展 / T 暂不评价（一票否决事项直接列 D，新投产
    未满年限列 T）；低效用地（D 类企业用地与疑似闲置宗地）按分区汇总，以亩计。权重、基准值、分类
    比例和否决事项见 --scoring 文件（默认值待区里确定）。

    输出文件夹中写出 efficiency.xlsx；给了 --parcels 时另有 efficiency.gpkg 和 efficiency_map.html。
    --engine dask 时以 Parquet 文件夹代替 GeoPackage，Excel 和地图相同。

    \b
    $ dcf audit efficiency --enterprises 企业.csv --parcels 宗地.gpkg --as-of 2025-12-31 -o out/eff
    $ dcf audit efficiency --enterprises 企业.csv --parcels parcels_parquet/ --as-of 2025-12-31 -o out/eff --engine dask
    """
    from .. import land
    from ..land.dask import input_source

    if as_of is not None and not parcels:
        echo_note("提示：未给 --parcels，--as-of 不起作用（基准日只用于判定宗地是否闲置）。")
    if parcels and as_of is None:
        raise click.UsageError("--as-of：给了 --parcels 时须指明审计基准日，闲置土地（计入低效用地）按该日判定；"
                               "例：--as-of 2025-12-31（与 dcf audit idle 用同一天，两份结果才一致）。")
    if engine == "dask":
        _dask_refuses(**{"--layer": reader["layer"], "--parcel-layer": parcel_layer, "--encoding": reader["encoding"],
                         "--swap-xy": reader["swap_xy"]})
        with _parcel_fields_named():
            res = land.audit_efficiency(str(enterprises), parcels=input_source(list(parcels)) if parcels else None,
                                        as_of=as_of, engine="dask", scheduler=scheduler, partitions=partitions,
                                        scoring=scoring, field_map=reader["field_map"],
                                        parcel_field_map=_field_map(parcel_fields), crs=crs, out=output,
                                        overwrite=overwrite, progress=_progress_wanted(as_json), map=not no_map,
                                        basemap=basemap, record=record)
        _recorded(res)
        _echo_dask(res.to_dict(), as_json, describe_efficiency)
        return
    _single_engine_only(scheduler, partitions, {"--parcels": parcels})
    enterprises = _parcel_input(enterprises, reader, crs, "--enterprises")
    parcels = _parcel_input(parcels[0], {**reader, "field_map": _field_map(parcel_fields)}, crs) if parcels else None
    with _parcel_fields_named():
        res = land.audit_efficiency(enterprises, parcels=parcels, as_of=as_of, scoring=scoring,
                                    field_map=reader["field_map"], parcel_field_map=_field_map(parcel_fields), crs=crs,
                                    layer=reader["layer"], parcel_layer=parcel_layer, encoding=reader["encoding"],
                                    swap_xy=reader["swap_xy"], out=output, overwrite=overwrite, map=not no_map,
                                    basemap=basemap, record=record)
    _recorded(res)
    r = res.frame
    if as_json:
        echo_json(res.to_dict())
        return
    when = f"（闲置土地基准日 {as_of:%Y-%m-%d}）" if parcels else ""
    click.echo(f"亩产效益评价{when}：输入 {len(r):,} 行企业记录，输出 {len(r):,} 行")
    names = res.details.get("class_names_zh") or {}
    for k, n in res.counts.items():
        label = r.loc[r["eff_class"] == k, "eff_class_zh"]
        click.echo(f"  {label.iloc[0] if len(label) else names.get(k, k):<10} {n:>8,} 家")
    for name, table in res.summaries.items():
        if name == "按集聚区":
            low, d, idle_mu = (table[c].sum() for c in ("low_area_mu", "d_area_mu", "idle_area_mu"))
            both = d + idle_mu - low  # a D-class firm's idle parcel is in both parts
            click.echo(f"  低效用地合计 {low:,.1f} 亩（D类企业用地 {d:,.1f} 亩，闲置土地 {idle_mu:,.1f} 亩"
                       + (f"；两者重叠的 {both:,.1f} 亩只计一次" if both > 0.05 else "") + "）")
    for line in res.details.get("parcel_link_zh") or []:
        click.echo(f"  {line}")
    _echo_notes(res)
    click.echo("输出：")
    for path in res.files.values():
        click.echo(f"  {path}")


@contextlib.contextmanager
def _parcel_fields_named():
    """In ``audit efficiency`` the parcels file's fields are mapped with ``--parcel-field``, not ``--field``."""
    from ..errors import SchemaError
    from ._options import _worded, cli_wording

    try:
        yield
    except SchemaError as exc:
        if "宗地表缺少字段" not in str(exc):
            raise
        raise _worded(SchemaError, cli_wording(str(exc)).replace("--field ", "--parcel-field ")) from exc


@audit.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="另存对比清单：.xlsx（含说明）或 .csv。")
@overwrite_opt
@click.option("--json", "as_json", is_flag=True, help="以 JSON 格式输出对比结果。")
def diff(old, new, output, overwrite, as_json):
    """对比两次审计：哪些宗地的结论、闲置费或所在区变了，为什么 — what changed between two audits.

    OLD、NEW 为审计输出文件夹（-o 的文件夹，含 manifest.json）或审计登记号（审计时加 --record）。
    每条变化注明原因：基准日变化、输入数据变化（列出变了的字段）、图层变化（所在区所据图层的版本）、
    审计规则变化。

    \b
    $ dcf audit diff out/idle-2025-06 out/idle-2025-12
    $ dcf audit diff 3 5 -o 对比.xlsx
    """
    from ..errors import InputError
    from ..register.audits import audit_diff
    from ._options import check_writable, input_error

    if output is not None:
        check_writable(output, overwrite, param_hint="--output", need_folder=True)
        if output.suffix.lower() not in (".xlsx", ".csv"):
            raise click.BadParameter(f"{output}：对比清单请用 .xlsx 或 .csv。", param_hint="--output")
    try:
        answer = audit_diff(old, new)
    except InputError as exc:
        raise input_error(exc, "NEW" if str(new) in str(exc) and str(old) not in str(exc) else "OLD") from None
    if output is not None:
        answer.to_table(output, overwrite=True)  # refused above unless --overwrite
        echo_note(f"对比清单已写出：{output}（{len(answer.changes)} 条）")
    if as_json:
        echo_json(answer.to_dict())
    else:
        click.echo(answer.summary_text())


@audit.command("history")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 格式输出。")
def history(as_json):
    """列出记入登记的审计（--record）— the recorded audits.

    每次登记一行：审计登记号、登记时间、种类（闲置土地审计或亩产效益评价）、基准日和输出文件夹。
    登记号可用于 dcf audit diff。

    \b
    $ dcf audit history
    """
    from ..register.audits import audit_history

    table = audit_history()
    if as_json:
        echo_json(table.to_dict(orient="records"))
        return
    if not len(table):
        click.echo("审计登记为空（审计时加 --record 才会登记）。")
    for r in table.itertuples(index=False):
        state = r[5] if len(r) > 5 else ""
        click.echo(f"  #{r[0]} {r[1]} {r[2]} 基准日 {r[3] or '—'} {r[4]}"
                   + (f"（{state}）" if state and state != "完整" else ""))
