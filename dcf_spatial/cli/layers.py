"""`dcf layers` — list, show, export, import, reset, rederive and push the layers of the store."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ._options import (
    check_writable,
    crs_opt,
    echo_json,
    echo_note,
    json_opt,
    overwrite_opt,
)


@click.group()
def layers():
    """图层库 — the layer store (GeoPackage, or PostGIS with --store postgresql://…; or DCF_STORE).

    \b
    $ dcf layers list
    $ dcf --store postgresql://dcf@127.0.0.1/gis layers list
    $ dcf layers show industrial_clusters
    $ dcf layers export townships -o townships.shp
    $ dcf layers import townships 乡镇界线.shp --field id=XZQDM --field name_zh=XZQMC
    $ dcf layers reset townships
    $ dcf layers rederive --dry-run
    $ dcf layers push --to postgresql://dcf@127.0.0.1/gis
    """


@layers.command("list")
@json_opt
def list_(as_json):
    """列出图层 — every layer with title, feature count, geometry type, provenance, CRS.

    \b
    $ dcf layers list --json
    """
    from .. import catalog

    table = catalog.list_layers()
    if as_json:
        echo_json(table.to_dict(orient="records"))
        return
    click.echo(f"{'图层编号':<16} {'要素':>2}  {'几何类型':<12} {_pad('来源性质', 10)} {'坐标系':<7}  中文名")
    for r in table.itertuples():
        prov = catalog.PROVENANCE_ZH.get(r.provenance, r.provenance)
        click.echo(f"{r.id:<20} {r.count:>4}  {str(r.geometry_type):<16} {_pad(prov, 10)} {r.crs}  {r.title_zh}")
    n_schematic = int((table["provenance"] == "schematic").sum())
    echo_note(f"\n共 {len(table)} 个图层，其中 {n_schematic} 个为示意图层（schematic），非权威界线。")


def _pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` terminal columns, counting CJK characters as two."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


@layers.command()
@click.argument("layer_id")
@json_opt
def show(layer_id, as_json):
    """查看图层要素属性 — the attributes of each feature (GeoJSON with --json).

    \b
    $ dcf layers show agri_zones
    $ dcf layers show townships --json > townships.geojson
    """
    from .. import catalog

    gdf = catalog.read_layer(layer_id)
    if as_json:
        click.echo(gdf.to_json(ensure_ascii=False, drop_id=True))
        return
    meta = catalog.describe_layer(layer_id)
    click.echo(f"{layer_id} — {meta['title_zh']}  （{len(gdf)} 个要素，来源性质：{meta['provenance']}）")
    click.echo(f"来源 source: {meta['source']}")
    attrs = gdf.drop(columns=gdf.geometry.name)
    with_pd_options(lambda: click.echo(attrs.to_string(index=False, max_colwidth=40)))


def with_pd_options(fn):
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 50, "display.unicode.east_asian_width", True):
        fn()


@layers.command()
@click.argument("layer_id")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output file; format by suffix: .gpkg .geojson .shp .kml")
@overwrite_opt
def export(layer_id, output, overwrite):
    """导出图层 — GeoPackage, GeoJSON, Shapefile (UTF-8 with .cpg) or KML, by suffix.

    \b
    $ dcf layers export cluster_parks -o parks.kml
    """
    from .. import exports

    check_writable(output, overwrite)
    path = exports.export_layer(layer_id, output, overwrite=overwrite)
    click.echo(str(path))


@layers.command("import")
@click.argument("layer_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@crs_opt
@click.option("--field", "fields", multiple=True, metavar="TARGET=SOURCE",
              help="Map a field of the file to a layer field, e.g. --field name_zh=XZQMC. Repeatable.")
@click.option("--provenance", type=click.Choice(["authoritative", "reference", "schematic"]),
              default="authoritative", show_default=True)
@click.option("--note", default="", help="Free text recorded with the import (e.g. 文号, 数据日期).")
@json_opt
def import_(layer_id, file, crs, fields, provenance, note, as_json):
    """导入权威图层 — replace a shipped layer with the bureau's; the old version is kept.

    The file is validated (fields, CRS, geometry) before anything changes; `dcf layers reset ID`
    restores the previous version.

    \b
    $ dcf layers import townships 乡镇界线.shp --field id=XZQDM --field name_zh=XZQMC
    """
    from .. import catalog
    from ..io import parse_field_map

    summary = catalog.import_layer(layer_id, file, crs=crs, field_map=parse_field_map(list(fields)) or None,
                                   provenance=provenance, source_note=note)
    if as_json:
        echo_json(summary)
    else:
        click.echo(f"已导入 {summary['features']} 个要素到图层 {layer_id}（{provenance}），"
                   f"文件 {summary['file']} sha256 {summary['sha256'][:16]}…；原版本已保留，可用 dcf layers reset {layer_id} 恢复。")
        for note in summary.get("read_notes", []):
            echo_note(f"读取说明：{note}")
        from ..rederive import LINE_LAYERS

        if layer_id in LINE_LAYERS:
            echo_note("提示：规划中按这些线划定的区（如“聊临路以东、马颊河以南”的粮食示范区）仍按原示意线；"
                       "运行 dcf layers rederive 按新线重算（先加 --dry-run 查看变化）。")


@layers.command()
@click.option("--line", "line_ids", multiple=True, metavar="PLAN_ID=ID",
              help="规划线在导入图层中的编号不同时指明，如 --line road.liaolin=G309。可重复。")
@click.option("--dry-run", is_flag=True, help="只报告哪些图层会变、变多少，不写入。")
@json_opt
def rederive(line_ids, dry_run, as_json):
    """按图层库中的线重算区 — redraw the zones the plan places by a road, river or railway.

    After `dcf layers import roads|rivers|railways …`, the zones drawn from those lines
    (e.g. the grain zone east of 聊临路 and south of 马颊河, 第八章第二节) are redrawn from the
    lines now in the store. Each changed layer is written as a new version (`dcf layers reset ID`
    restores it); a zone layer the bureau imported itself is never overwritten.

    \b
    $ dcf layers import roads 道路.shp --field id=BM --field name_zh=MC
    $ dcf layers rederive --dry-run
    $ dcf layers rederive --line road.liaolin=G309
    """
    from .. import rederive as redraw

    summary = redraw.rederive_zones(line_ids=list(line_ids), dry_run=dry_run)
    if as_json:
        echo_json(summary)
    else:
        click.echo("\n".join(redraw.describe(summary)))


@layers.command()
@click.argument("layer_id")
@json_opt
def reset(layer_id, as_json):
    """恢复导入前的图层版本 — restore the version the last import replaced.

    \b
    $ dcf layers reset townships
    """
    from .. import catalog

    summary = catalog.reset_layer(layer_id)
    if as_json:
        echo_json(summary)
    else:
        click.echo(f"图层 {layer_id} 已恢复为导入前版本（{summary['features']} 个要素，{summary['provenance']}）。")


@layers.command()
@click.option("--out", "out", default=None, metavar="PATH|URL",
              help="Where to build the store (default: the current store). A postgresql:// URL is "
                   "filled by building a GeoPackage first and pushing it.")
@overwrite_opt
def build(out, overwrite):
    """由源数据重建默认图层 — rebuild the default layers from the sources under layers/.

    \b
    $ dcf layers build --out /tmp/dcf_layers.gpkg
    $ dcf layers build --out postgresql://dcf@127.0.0.1/gis --overwrite
    """
    import tempfile

    from .. import catalog, settings
    from ..build import build_default_layers
    from ..stores import as_pg_url

    target = out if out else settings.store
    url = as_pg_url(target)
    if url is not None:
        if not overwrite and catalog.open_store(url).exists() and len(catalog.catalog_rows(store=url)):
            raise click.BadParameter(f"{catalog.open_store(url).label} 已有图层。要替换请加 --overwrite"
                                     "（现有版本会保留，可用 dcf layers reset 恢复）。", param_hint="--out")
        with tempfile.TemporaryDirectory() as tmp:
            built = build_default_layers(Path(tmp) / "dcf_layers.gpkg")
            summary = catalog.copy_store(built, url, overwrite=overwrite)
        click.echo(json.dumps({"store": summary["target"]}, ensure_ascii=False))
        return
    target = Path(target)
    check_writable(target, overwrite, param_hint="--out")
    if target.exists():
        target.unlink()
    build_default_layers(target)
    click.echo(json.dumps({"store": str(target)}, ensure_ascii=False))


@layers.command()
@click.option("--to", "to", default=None, metavar="URL|PATH",
              help="Store to copy into (a postgresql:// URL, or a GeoPackage path). Default: the current "
                   "--store / DCF_STORE, which must then be a database.")
@click.option("--from", "from_", default=None, metavar="PATH|URL",
              help="Store to copy from. Default: the current store with --to; without --to, the shipped "
                   "default layers (layers/dcf_layers.gpkg).")
@click.option("--layer", "layer_ids", multiple=True, metavar="ID", help="Copy only this layer. Repeatable.")
@overwrite_opt
@json_opt
def push(to, from_, layer_ids, overwrite, as_json):
    """复制图层到数据库 — copy the store's layers (catalog rows and kept versions) into PostGIS.

    Credentials come from the URL, PGPASSWORD or ~/.pgpass; the password is never printed.
    Layers the target already holds are refused unless --overwrite, which keeps the target's own
    version for `dcf layers reset`. `?schema=NAME` in the URL picks the schema (default public).

    \b
    $ dcf layers push --to postgresql://dcf@127.0.0.1:5432/gis
    $ dcf --store 'postgresql://dcf@127.0.0.1/gis?schema=dcf' layers push --overwrite
    """
    from .. import catalog, settings
    from ..stores import as_pg_url, open_store

    if to:
        source, target = (from_ or settings.store), to
    else:
        if as_pg_url(settings.store) is None:
            raise click.BadParameter(
                "请指明要复制到的数据库：--to postgresql://用户@主机[:端口]/库名"
                "（或用 --store postgresql://… / 环境变量 DCF_STORE 指定）。", param_hint="--to")
        source, target = (from_ or settings.default_store), settings.store
    if open_store(source).label == open_store(target).label:
        raise click.BadParameter(f"源和目标是同一个图层库（{open_store(target).label}），请换一个 --to。",
                                 param_hint="--to")
    summary = catalog.copy_store(source, target, overwrite=overwrite, layers=list(layer_ids) or None)
    if as_json:
        echo_json(summary)
        return
    copied = catalog.list_layers(store=target)
    copied = copied[copied["id"].isin([r["id"] for r in summary["layers"]])]
    for r in copied.itertuples():
        prov = catalog.PROVENANCE_ZH.get(r.provenance, r.provenance)
        click.echo(f"{r.id:<20} {r.count:>4}  {prov:<6} {r.title_zh}")
    n_schematic = int((copied["provenance"] == "schematic").sum())
    echo_note(f"\n已将 {len(summary['layers'])} 个图层从 {summary['source']} 复制到 {summary['target']}；"
               f"其中 {n_schematic} 个为示意图层（schematic），非权威界线。")
