"""`dcf maps` — 规划附图与交互地图 — appendix maps and interactive maps."""

from __future__ import annotations

from pathlib import Path

import click

from ._options import basemap_opt, echo_json, json_opt, overwrite_opt
from .help_format import DcfGroup


@click.group(cls=DcfGroup)
def maps():
    """规划附图与交互地图 — appendix maps and interactive maps.

    重新生成规划附图1–3，或把图层库中的图层、任意矢量文件画成离线交互地图（HTML）。

    \b
    $ dcf maps appendix --out maps/ --overwrite
    $ dcf maps layers townships industrial_clusters -o out/clusters.html
    """


@maps.command("appendix")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="输出文件夹（缺省为当前目录下的 maps/）。")
@click.option("--only", "only", default=None, help="只生成其中几幅，逗号分隔：fig1,fig2,fig3（缺省三幅全部）。")
@click.option("--format", "formats", default="pdf,png,html", show_default=True,
              help="输出格式，逗号分隔：pdf（矢量，A3 横向）、png、html。")
@basemap_opt
@overwrite_opt
@json_opt
def appendix_cmd(out_dir, only, formats, basemap, overwrite, as_json):
    """重新生成规划附图1–3 — regenerate the plan's appendix maps.

    \b
    附图1 聊城市东昌府区产业布局示意图
    附图2 聊城市东昌府区四大工业聚集区示意图
    附图3 聊城市东昌府区七大农业示范园区示意图

    输出 PDF（矢量，A3 横向）、PNG 和交互地图 HTML。颜色、标注和标题取自
    dcf_spatial/data/map_style.toml，改样式不必改代码。文件已存在时需加 --overwrite。

    \b
    $ dcf maps appendix --out maps/ --overwrite
    $ dcf maps appendix --only fig2 --format pdf --out out/
    """
    from ..maps import appendix
    from ..maps import style as map_style
    from ._options import check_writable

    keys = tuple(k.strip() for k in only.split(",")) if only else appendix.APPENDIX_KEYS
    unknown = [k for k in keys if k not in appendix.APPENDIX_KEYS]
    if unknown:
        raise click.BadParameter(f"没有附图 {'、'.join(unknown)}；可选：{'、'.join(appendix.APPENDIX_KEYS)}（例：--only fig1,fig3）。",
                                 param_hint="--only")
    fmts = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
    bad = [f for f in fmts if f not in appendix.FORMATS]
    if bad:
        raise click.BadParameter(f"不支持的格式 {'、'.join(bad)}；可选：{'、'.join(appendix.FORMATS)}（例：--format pdf,png）。",
                                 param_hint="--format")
    for paths in appendix.appendix_paths(out_dir, keys=keys, formats=fmts).values():
        for p in paths.values():
            check_writable(p, overwrite, param_hint="--out")
    quiet = click.get_current_context().find_root().params.get("quiet")
    result = appendix.appendix_maps(out_dir, keys=keys, formats=fmts, overwrite=overwrite, basemap=basemap,
                                    progress=not quiet)
    if as_json:
        echo_json({k: {f: str(p) for f, p in v.items()} for k, v in result.items()})
        return
    for key, paths in result.items():
        spec = map_style.appendix_spec(key)
        click.echo(f"{spec['number']} {spec['title']}")
        for fmt, p in paths.items():
            click.echo(f"  {fmt.upper():4s} {p}")
    click.echo("注：附图为示意图，所用示意图层已在图中注明。")


@maps.command("layers")
@click.argument("layer_ids", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="输出的 HTML 文件。")
@click.option("--title", default="东昌府区产业规划图层", show_default=True, help="地图标题。")
@basemap_opt
@overwrite_opt
def layers_cmd(layer_ids, output, title, basemap, overwrite):
    """把图层库中的图层画成交互地图 — draw layers as an offline web map.

    图层按给出的顺序绘制（先给的在最下层），每个图层都可在图层控件中开关。

    \b
    $ dcf maps layers district townships agri_zones -o out/agri.html --title 农业示范区
    """
    from ..maps import layers_map
    from ._options import check_writable

    check_writable(output, overwrite)
    path = layers_map(list(layer_ids), output, title=title, basemap=basemap, overwrite=overwrite)
    click.echo(f"已写出交互地图 {path}")


@maps.command("file")
@click.argument("input_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="输出的 HTML 文件。")
@click.option("--title", default=None, help="地图标题（缺省为文件名）。")
@click.option("--label-field", default=None, help="鼠标悬停在要素上时显示的字段。")
@click.option("--status-field", default=None, help="按其取值给要素着色的字段。")
@click.option("--crs", "crs", default=None,
              help="文件缺少坐标系或坐标系有误时指明：EPSG 代码，或 gcj02（高德/腾讯）、bd09（百度）。")
@basemap_opt
@overwrite_opt
def file_cmd(input_file, output, title, label_field, status_field, crs, basemap, overwrite):
    """把任意矢量文件叠加在规划分区上 — show a file over the plan's zones.

    读取 SHP、GPKG、GeoJSON、KML、带坐标的 CSV/XLSX 等文件，画在规划分区之上，写出离线交互地图。

    \b
    $ dcf maps file parcels.gpkg -o out/parcels.html --label-field name --status-field status
    """
    from .. import io as dcf_io
    from ..maps import answer_map
    from ._options import check_writable

    check_writable(output, overwrite, inputs=(input_file,))
    gdf = dcf_io.read_vector(input_file, crs=crs)
    for column, hint in ((label_field, "--label-field"), (status_field, "--status-field")):
        if column is not None and column not in gdf.columns:
            fields = "、".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
            raise click.BadParameter(f"{input_file.name} 中没有字段 {column!r}（现有字段：{fields}）。", param_hint=hint)
    path = answer_map(gdf, output, title=title or input_file.name, label_field=label_field,
                      status_field=status_field, basemap=basemap, overwrite=overwrite,
                      provenance_note=f"数据来源：{input_file.name}")
    click.echo(f"已写出交互地图 {path}（{len(gdf)} 个要素）")
