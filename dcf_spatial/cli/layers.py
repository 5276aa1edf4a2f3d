"""`dcf layers` — list, show, export, import, reset, rederive and push the layers of the store."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import click

from ..errors import DcfError, InputError
from ._options import (
    check_encoding,
    check_writable,
    cli_wording,
    crs_opt,
    echo_json,
    echo_note,
    input_error,
    json_opt,
    overwrite_opt,
)
from ..store.backends import as_pg_url
from ._table import render
from .help_format import DcfGroup


@click.group(cls=DcfGroup)
def layers():
    """图层库 — the layer store.

    图层库缺省为随附的 GeoPackage（源码目录中为 layers/dcf_layers.gpkg）；用 dcf --store postgresql://… 或环境变量
    DCF_STORE 改用 PostGIS 数据库，各命令用法相同。

    \b
    $ dcf layers list
    $ dcf --store postgresql://dcf@127.0.0.1/gis layers list
    $ dcf layers show industrial_clusters
    $ dcf layers export townships -o townships.shp
    $ dcf layers import townships 乡镇界线.shp --provenance authoritative --field id=XZQDM --field name_zh=XZQMC
    $ dcf layers reset townships
    $ dcf layers rederive --dry-run
    $ dcf layers push --to postgresql://dcf@127.0.0.1/gis
    """


#: the library argument an error is about (``exc.argument``) -> the option that gives it here
OPTION_OF = {"overwrite": "--overwrite", "field_map": "--field", "line_ids": "--line", "layer": "--layer",
             "provenance": "--provenance"}


@contextlib.contextmanager
def _options_named():
    """Re-raise a library error that names its argument with the option that gives it (``--field：…``)."""
    try:
        yield
    except DcfError as exc:
        option = OPTION_OF.get(getattr(exc, "argument", None))
        if option is None:
            raise
        raise input_error(exc, option) from exc


def _table_output(f):
    """``-o FILE``: the whole table as .csv (UTF-8 with BOM, for Excel), .xlsx or .json."""
    f = overwrite_opt(f)
    return click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="把整张表写到文件：.csv .xlsx .json（按扩展名）。")(f)


def _write_table(frame, output: Path, overwrite: bool, *, geojson=None) -> None:
    suffix = output.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".json"):
        raise click.BadParameter(f"{output}：表格只能写成 .csv、.xlsx 或 .json。", param_hint="--output")
    check_writable(output, overwrite)
    from ..io.write import write_csv, write_xlsx

    if suffix == ".csv":
        write_csv(frame, output)  # formula-like text quoted
    elif suffix == ".xlsx":
        write_xlsx({"Sheet1": frame}, output)  # text cells as strings, never formulas
    elif geojson is not None:
        output.write_text(geojson, encoding="utf-8")
    else:
        output.write_text(json.dumps(frame.to_dict(orient="records"), ensure_ascii=False, indent=1, default=str),
                          encoding="utf-8")
    echo_note(f"已写出 {output}（{len(frame)} 行）。")


def _echo_table(rows: list[dict], headers: dict[str, str], *, right=frozenset(), keep=frozenset({"id"})) -> None:
    lines, dropped = render(rows, headers, right=right, keep=keep)
    click.echo("\n".join(lines))
    if dropped:
        echo_note(f"窗口太窄，未显示的列：{'、'.join(dropped)}；完整的表请加 --json 或 -o 表.xlsx。")


@layers.command("list")
@json_opt
@_table_output
def list_(as_json, output, overwrite):
    """列出图层 — list the layers.

    每个图层一行：图层编号、中文名、要素数、几何类型、来源性质（权威/参考/示意）、坐标系。表格按窗口宽度
    显示，过长的值以 … 截断；--json 或 -o 文件（.csv .xlsx .json）给出完整的表。

    \b
    $ dcf layers list
    $ dcf layers list --json
    $ dcf layers list -o 图层.xlsx
    """
    from ..store import catalog, layers as list_layers

    table = list_layers()
    if as_json:
        echo_json(table.to_dict(orient="records"))
        return
    if output is not None:
        _write_table(table, output, overwrite)
        return
    rows = [dict(r, provenance=catalog.PROVENANCE_ZH.get(r["provenance"], r["provenance"]))
            for r in table.to_dict(orient="records")]
    headers = {k: catalog.LIST_COLUMNS_ZH[k] for k in ("id", "title_zh", "count", "geometry_type", "provenance", "crs")}
    _echo_table(rows, headers, right=frozenset({"count"}))
    n_schematic = int((table["provenance"] == "schematic").sum())
    echo_note(f"\n共 {len(table)} 个图层，其中 {n_schematic} 个为示意图层（schematic），非权威界线。")


@layers.command()
@click.argument("layer_id")
@json_opt
@_table_output
def show(layer_id, as_json, output, overwrite):
    """查看图层要素属性 — show a layer's features.

    列出图层每个要素的属性（中文列名，按窗口宽度截断），及图层的来源性质和来源；加 --json 输出
    GeoJSON（坐标系 EPSG:4490）；-o 文件（.csv .xlsx 为属性表，.json 为 GeoJSON）给出完整的表。

    \b
    $ dcf layers show agri_zones
    $ dcf layers show townships --json > townships.geojson
    $ dcf layers show industrial_clusters -o 集聚区.xlsx
    """
    from ..store import Store, catalog

    store = Store()
    gdf = store.layer(layer_id)
    if as_json:
        click.echo(gdf.to_json(ensure_ascii=False, drop_id=True))
        return
    attrs = gdf.drop(columns=gdf.geometry.name)
    if output is not None:
        _write_table(attrs, output, overwrite, geojson=gdf.to_json(ensure_ascii=False, drop_id=True))
        return
    meta = store.describe(layer_id)
    click.echo(f"{layer_id} — {meta['title_zh']}  （{len(gdf)} 个要素，来源性质：{meta['provenance']}）")
    click.echo(f"来源 source: {meta['source']}")
    headers = {c: catalog.FIELD_ZH.get(c, c) for c in attrs.columns}
    numeric = frozenset(c for c in attrs.columns if attrs[c].dtype.kind in "if")
    _echo_table(attrs.to_dict(orient="records"), headers, right=numeric)


@layers.command()
@click.argument("layer_id")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="输出文件，格式按扩展名：.gpkg .geojson .shp .kml .txt（报批坐标文件）")
@overwrite_opt
def export(layer_id, output, overwrite):
    """导出图层 — export a layer.

    按 -o 文件的扩展名导出为 GeoPackage、GeoJSON、Shapefile（UTF-8 编码，附 .cpg）、KML，
    或 .txt 报批/勘测定界坐标文件（2000 国家大地坐标系 3 度带第 39 带、带号前缀，GBK 编码）。
    文件已存在时需加 --overwrite。

    \b
    $ dcf layers export cluster_parks -o parks.kml
    $ dcf layers export cluster_parks -o 园区报批坐标.txt
    """
    from ..store import Store

    check_writable(output, overwrite)
    with _options_named():
        path = Store().export(layer_id, output, overwrite=overwrite)
    click.echo(str(path))


@layers.command("import")
@click.argument("layer_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=True, path_type=Path))
@crs_opt
@click.option("--layer", default=None,
              help="要读取的图层（GeoPackage/FileGDB，如三调库的 DLTB）或工作表；缺省：唯一的图层，或按图层编号选三调标准图层。")
@click.option("--encoding", default=None, help="DBF/CSV 的文字编码，如 gbk；缺省自动识别 UTF-8/GBK。")
@click.option("--field", "fields", multiple=True, metavar="TARGET=SOURCE",
              help="把文件字段对应到图层字段，如 --field name_zh=XZQMC；可重复。")
@click.option("--provenance", type=click.Choice(["authoritative", "reference", "schematic"]), default=None,
              help="导入数据的来源性质，必须指明（不预设）：authoritative 权威（局里正式发布或确认的数据）、"
                   "reference 参考（其他部门或公开来源、未经确认）、schematic 示意（示意勾绘，非正式边界）。"
                   "文件自带统一的 provenance 字段（如从图层库导出的文件）时可省略，按该字段。")
@click.option("--note", default="", help="随导入记录的说明，如文号、数据日期。")
@click.option("--dry-run", is_flag=True, help="只试导入、不写入：报告新增、删除、移动的要素，在分区之间移动的亩数，"
                                              "核查登记中结论将改变的记录，以及所在区将改变的宗地和企业。")
@click.option("--sample-parcels", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="与 --dry-run 同用：看这些宗地（文件）的所在区是否改变；缺省用随附的合成样例宗地。")
@click.option("--recent", type=click.IntRange(min=0), default=None, metavar="N",
              help="与 --dry-run 同用：重新核查最近 N 条核查登记，看哪些结论将改变（缺省 500 条；0 为全部登记，"
                   "登记多时较慢）。")
@click.option("--since", "recent_since", default=None, metavar="YYYY-MM-DD",
              help="与 --dry-run 同用：只重新核查此日期（含）以后登记的核查。")
@json_opt
def import_(layer_id, file, crs, layer, encoding, fields, provenance, note, dry_run, sample_parcels, recent,
            recent_since, as_json):
    """导入权威图层 — import the bureau's layer.

    用局里的数据替换随附图层。写入前先校验字段、坐标系和几何，校验不通过则图层库不作任何改动；
    记录文件名、sha256 和导入日期；原版本保留，`dcf layers reset ID` 可恢复。来源性质（--provenance）
    必须指明，写入该图层的每个图例与报告。

    \b
    $ dcf layers import townships 乡镇界线.shp --provenance authoritative --field id=XZQDM --field name_zh=XZQMC
    $ dcf layers import district 东昌府区.json --provenance authoritative --crs gcj02
    $ dcf layers import landuse 三调.gdb --provenance authoritative --layer DLTB
    $ dcf layers import industrial_clusters 集聚区.shp --provenance schematic --dry-run
    $ dcf layers import industrial_clusters 集聚区.shp --provenance authoritative --dry-run --recent 2000 --since 2026-01-01
    """
    from ..io import parse_field_map
    from ..store import Store, catalog
    from ..store.rederive import LINE_LAYERS

    check_encoding(encoding)
    if sample_parcels is not None and not dry_run:
        raise click.BadParameter("只与 --dry-run 同用（试导入时查看宗地所在区的变化）。", param_hint="--sample-parcels")
    for value, hint in ((recent, "--recent"), (recent_since, "--since")):
        if value is not None and not dry_run:
            raise click.BadParameter("只与 --dry-run 同用（试导入时重新核查哪些登记）。", param_hint=hint)
    if dry_run:
        from ..register.preview import preview_import

        with _options_named():
            preview = preview_import(layer_id, file, parcels=sample_parcels,
                                     recent=recent, since=recent_since,
                                     more_hint="加 --recent 0",
                                     crs=crs, field_map=parse_field_map(list(fields)) or None,
                                     provenance=provenance, source_note=note, layer=layer, encoding=encoding)
        if as_json:
            echo_json(preview.to_dict())
        else:
            click.echo(cli_wording(preview.summary_text()))
        return
    with _options_named():
        # a version is kept only of a layer whose data the store holds (not a new one, nor a table deleted outside dcf)
        had = catalog.has_layer(layer_id, store=Store().location)
        summary = Store().import_layer(layer_id, file, crs=crs, field_map=parse_field_map(list(fields)) or None,
                                       provenance=provenance, source_note=note, layer=layer, encoding=encoding)
    if as_json:
        echo_json(summary)
    else:
        click.echo(f"已导入 {summary['features']} 个要素到图层 {layer_id}（{summary['provenance']}），"
                   f"文件 {summary['file']} sha256 {summary['sha256'][:16]}…；"
                   + (f"原版本已保留，可用 dcf layers reset {layer_id} 恢复。" if had
                      else "图层库中此前没有该图层的数据，没有可保留的旧版本。"))
        for note in summary.get("read_notes", []):
            echo_note(f"读取说明：{cli_wording(note)}")
        if layer_id in LINE_LAYERS:
            echo_note("提示：规划中按这些线划定的区（如“聊临路以东、马颊河以南”的粮食示范区）仍按原示意线；"
                       "运行 dcf layers rederive 按新线重算（先加 --dry-run 查看变化）。")


@layers.command()
@click.option("--line", "line_ids", multiple=True, metavar="PLAN_ID=ID",
              help="规划线在导入图层中的编号不同时指明，如 --line road.liaolin=G309。可重复。")
@click.option("--dry-run", is_flag=True, help="只报告哪些图层会变、变多少，不写入。")
@json_opt
def rederive(line_ids, dry_run, as_json):
    """按图层库中的线重算区 — redraw zones from the roads, rivers and railways.

    用 `dcf layers import roads|rivers|railways …` 导入新线后，按规划以这些线划定的区（如
    “聊临路以东、马颊河以南”的粮食示范区，第八章第二节）按图层库中的新线重新划定。每个改变的图层
    另存为新版本（`dcf layers reset ID` 可恢复）；局里自己导入的分区图层不会被覆盖。

    \b
    $ dcf layers import roads 道路.shp --provenance authoritative --field id=BM --field name_zh=MC
    $ dcf layers rederive --dry-run
    $ dcf layers rederive --line road.liaolin=G309
    """
    from ..store import rederive as redraw

    with _options_named():
        summary = redraw.rederive_zones(line_ids=list(line_ids), dry_run=dry_run)
    if as_json:
        echo_json(summary)
    else:
        click.echo("\n".join(redraw.describe(summary)))


@layers.command()
@click.argument("layer_id")
@click.option("--to-default", is_flag=True,
              help="恢复为随软件附带的默认图层（图层被清空或删除、又没有保留的早期版本时用）；被替换的版本保留。")
@json_opt
def reset(layer_id, to_default, as_json):
    """恢复导入前的图层版本 — restore the previous version.

    把图层恢复为最近一次导入（或重算）之前的版本；加 --to-default 恢复为随软件附带的默认图层
    （被替换的版本保留，再运行 dcf layers reset 可撤销）。

    \b
    $ dcf layers reset townships
    $ dcf layers reset industrial_clusters --to-default
    """
    from ..store import Store, catalog
    from ..store.rederive import LINE_LAYERS

    if to_default:
        with _options_named():
            summary = catalog.reset_to_default(layer_id, store=Store().location)
        if as_json:
            echo_json(summary)
        elif summary["layers"]:
            d = summary["layers"][0]
            click.echo(f"图层 {layer_id} 已恢复为随软件附带的默认图层（{d['features']} 个要素）；"
                       + (f"被替换的版本已保留，可用 dcf layers reset {layer_id} 撤销。" if layer_id not in summary.get("gone", ())
                          else "被替换的数据表已在 dcf 之外被删除，没有可保留的旧版本。"))
        else:
            click.echo(f"图层 {layer_id} 与随软件附带的默认图层相同，无需恢复，未作任何改动。")
    else:
        summary = Store().reset(layer_id)
        if as_json:
            echo_json(summary)
        else:
            click.echo(f"图层 {layer_id} 已恢复为上一版本（{summary['features']} 个要素，{summary['provenance']}）。")

    if layer_id in LINE_LAYERS:
        echo_note("提示：按这些线划定的区（如粮食示范区）仍是按刚才那版线重算的结果；"
                  "运行 dcf layers rederive 让它们跟上（先加 --dry-run 查看变化）。")


@layers.command()
@click.option("--out", "out", default=None, metavar="PATH|URL",
              help="在哪里生成图层库（缺省为当前图层库）。给 postgresql:// 地址时先生成 GeoPackage，"
                   "再复制到数据库。")
@overwrite_opt
def build(out, overwrite):
    """由源数据重建默认图层 — rebuild the default layers.

    按随软件包提供的源数据（dcf_spatial/store/sources/）和构建方法重新生成默认图层（多为示意图层）。目标已有图层时需加 --overwrite。

    \b
    $ dcf layers build --out /tmp/dcf_layers.gpkg
    $ dcf layers build --out postgresql://dcf@127.0.0.1/gis --overwrite
    """
    from ..store.build import build_store

    if out is not None and as_pg_url(out) is None:
        check_writable(Path(out), overwrite, param_hint="--out", check_store=False)  # building a store is its job
    try:
        built = build_store(out, overwrite=overwrite)
    except InputError as exc:
        raise click.BadParameter(str(exc).replace("须允许覆盖（overwrite）", "请加 --overwrite"), param_hint="--out") from exc
    click.echo(json.dumps({"store": built}, ensure_ascii=False))


@layers.command()
@click.option("--to", "to", default=None, metavar="URL|PATH",
              help="复制到哪个图层库（postgresql:// 地址或 GeoPackage 路径）。缺省为当前的 --store / "
                   "DCF_STORE，此时它必须是数据库。")
@click.option("--from", "from_", default=None, metavar="PATH|URL",
              help="从哪个图层库复制。给了 --to 时缺省为当前图层库；未给 --to 时缺省为随附的默认图层"
                   "（layers/dcf_layers.gpkg）。")
@click.option("--layer", "layer_ids", multiple=True, metavar="ID", help="只复制此图层；可重复。")
@overwrite_opt
@json_opt
def push(to, from_, layer_ids, overwrite, as_json):
    """复制图层到数据库 — copy the layers into PostGIS.

    复制图层、图层目录及保留的旧版本，以及核查登记和审计登记（连同其所用的图层与规则文件版本；
    目标已有的同一登记不重复复制）。用户名和密码取自地址、环境变量 PGPASSWORD 或 ~/.pgpass，
    密码不会显示。目标已有且内容不同的图层需加 --overwrite 才替换，替换前的版本保留，可用 `dcf layers reset`
    恢复；要素、属性与说明都与目标现行版本相同的图层不复制，也不产生新版本（无需 --overwrite）。整个复制是目标图层库的一次变更：复制期间从目标核查的，看到的要么全是原有图层，要么全是复制来的
    图层；中途失败或被中止时目标保持原样，重新运行即可。地址中的 `?schema=名称` 指定模式（缺省 public）。

    \b
    $ dcf layers push --to postgresql://dcf@127.0.0.1:5432/gis
    $ dcf --store 'postgresql://dcf@127.0.0.1/gis?schema=dcf' layers push --overwrite
    """
    from .. import settings
    from ..store import Store, catalog

    if to:
        source, target = (from_ or settings.store), to
    else:
        if as_pg_url(settings.store) is None:
            raise click.BadParameter(
                "请指明要复制到的数据库：--to postgresql://用户@主机[:端口]/库名"
                "（或用 --store postgresql://… / 环境变量 DCF_STORE 指定）。", param_hint="--to")
        source, target = (from_ or settings.default_store), settings.store
    source, target = Store(source), Store(target)
    if source == target:
        raise click.BadParameter(f"源和目标是同一个图层库（{target.label}），请换一个 --to。", param_hint="--to")
    with _options_named():
        summary = source.push(target, overwrite=overwrite, layers=list(layer_ids) or None)
    if as_json:
        echo_json(summary)
        return
    for line in push_lines(summary, target):
        echo_note(line)


def push_lines(summary: dict, target) -> list[str]:
    """What a push wrote, in Chinese, each part only when it happened: the layers copied (a table of them),
    those left as they were (相同，无需写入), and the register rows and versions copied. A push that wrote
    nothing says so once (a new user's QA, finding F8: "本次未作任何改动" beside "复制了 1 条核查登记", and
    "12 个图层版本" copied each time)."""
    from ..store import catalog

    same = summary.get("unchanged") or []
    reg = summary.get("register") or {}
    lines = []
    if summary["layers"]:
        copied = target.layers()
        copied = copied[copied["id"].isin([r["id"] for r in summary["layers"]])]
        rows = [{"id": r.id, "count": r.count, "provenance": catalog.PROVENANCE_ZH.get(r.provenance, r.provenance),
                 "title_zh": r.title_zh} for r in copied.itertuples()]
        _echo_table(rows, {k: catalog.LIST_COLUMNS_ZH[k] for k in ("id", "count", "provenance", "title_zh")},
                    right=frozenset({"count"}))
        n_schematic = int((copied["provenance"] == "schematic").sum())
        lines.append(f"\n已将 {len(summary['layers'])} 个图层从 {summary['source']} 复制到 {summary['target']}；"
                     f"其中 {n_schematic} 个为示意图层（schematic），非权威界线。"
                     + (f"另有 {len(same)} 个图层内容未变，未写入新版本：{'、'.join(same)}。" if same else ""))
    elif same:
        lines.append(f"{summary['target']} 中的 {len(same)} 个图层与 {summary['source']} 中的相同（要素、属性与说明均未变），"
                     "无需写入。")
    wrote = [f"{reg[k]} {unit}" for k, unit in (("records", "条核查登记"), ("audits", "条审计登记"),
                                               ("layer_versions", "个登记所用的图层版本"),
                                               ("file_versions", "个登记所用的规则文件版本")) if reg.get(k)]
    if wrote:
        lines.append("核查登记随同复制：" + "、".join(wrote)
                     + (f"；目标已有登记，复制的登记号改为：{'、'.join(f'{a}→{b}' for a, b in reg['renumbered'].items())}"
                        if reg.get("renumbered") else "") + "。")
    if not summary["layers"] and not wrote:
        lines.append("本次未作任何改动，未写入新版本。")
    return lines


@layers.command()
@json_opt
def versions(as_json):
    """核查登记所用的版本集 — the layer and rule versions the recorded checks used.

    每个版本集是一组图层与规则文件的内容哈希；列出其编号、登记数、登记时间、登记号和是否为现行版本。
    编号可用于 dcf site recheck --against。

    \b
    $ dcf layers versions
    $ dcf site recheck --against 3f2a9c1d0b7e
    """
    from ..register import version_sets

    table = version_sets()
    if as_json:
        echo_json(table.to_dict(orient="records"))
        return
    if not len(table):
        click.echo("核查登记为空（dcf site check 加 --record 才会登记）。")
        return
    rows = [dict(r, 是否现行="是" if r["是否现行"] else "否") for r in table.to_dict(orient="records")]
    # 现行 (short) right after the version-set id and never cut: on a narrow window the wide
    # 图层版本 column goes first, not the answer to "which set is current"
    headers = {"版本集": "版本集", "是否现行": "现行"}
    headers.update({c: c for c in table.columns if c not in headers})
    _echo_table(rows, headers, right=frozenset({"登记数"}), keep=frozenset({"版本集", "是否现行"}))


@layers.command()
@click.option("--repair", is_flag=True, help="修复可自动修复的问题：删除中断的导入留下的临时副本，补完未完成的 rederive，补上 PostGIS 图层表被删除的编辑记录触发器。")
@json_opt
def doctor(repair, as_json):
    """检查图层库 — check the layer store (and repair it).

    检查图层库文件的完整性（SQLite integrity_check）、图层目录与数据表是否一致、中断的导入留下的临时副本、
    未完成的 rederive，每个问题给出出路。加 --repair 修复可自动修复的问题；文件损坏须用备份恢复（dcf layers restore）。

    \b
    $ dcf layers doctor
    $ dcf layers doctor --repair
    """
    from ..store import doctor as store_doctor

    if repair:
        res = store_doctor.repair()
        if as_json:
            echo_json(res)
            if res["remaining"]:
                raise SystemExit(1)
            return
        for line in res["repaired"] or ["没有可自动修复的问题。"]:
            click.echo(line)
        findings = res["remaining"]
    else:
        res = store_doctor.diagnose()
        if as_json:
            echo_json(res)
            if not res["ok"]:
                raise SystemExit(1)
            return
        findings = res["findings"]
    click.echo(f"图层库：{res['store']}")
    if not findings:
        click.echo("检查通过：文件完整，目录与数据表一致，功能园区均在所属集聚区内，没有遗留的临时副本或未完成的重算。")
        return
    for f in findings:
        mark = "（可用 --repair 修复）" if f["repairable"] and not repair else ""
        click.echo(f"  问题：{f['problem_zh']}{mark}\n    出路：{f['fix_zh']}")
    if repair:
        click.echo(f"仍有 {len(findings)} 个问题未能自动修复，须按上面的出路处理。")
    raise SystemExit(1)


@layers.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="备份文件（.gpkg）。")
@overwrite_opt
def backup(output, overwrite):
    """备份图层库 — copy the whole store to a file.

    把图层库（全部图层、保留的旧版本和图层目录）完整复制为一个 GeoPackage 文件，并检查副本完整。

    \b
    $ dcf layers backup -o 图层库备份.gpkg
    """
    from ..store import doctor as store_doctor

    check_writable(output, overwrite)
    with _options_named():
        store_doctor.backup(output, overwrite=overwrite)
    click.echo(f"图层库已备份到 {output}。恢复：dcf layers restore {output}")


@layers.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@json_opt
def restore(file, as_json):
    """从备份恢复图层库 — make a backup the store again.

    检查备份文件完整后，用它替换图层库（一次原子替换）；被替换的图层库文件（即使已损坏）另存在旁边，不丢失。

    \b
    $ dcf layers restore 图层库备份.gpkg
    """
    from ..store import doctor as store_doctor

    res = store_doctor.restore(file)
    if as_json:
        echo_json(res)
        return
    click.echo(f"图层库 {res['store']} 已从 {file} 恢复（{len(res['layers'])} 个图层）。")
    if res["kept"]:
        echo_note(f"原图层库文件另存为 {res['kept']}。")
