"""`dcf maps` — 规划附图与交互地图 — appendix maps and interactive maps."""

from __future__ import annotations

from pathlib import Path

import click

from ._options import basemap_opt, echo_json, json_opt, overwrite_opt


@click.group()
def maps():
    """规划附图与交互地图 — appendix maps and interactive maps.

    \b
    $ dcf maps appendix --out maps/ --overwrite
    $ dcf maps layers townships industrial_clusters -o out/clusters.html
    """


@maps.command("appendix")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: maps/ in the current directory).")
@click.option("--only", "only", default=None, help="Comma-separated subset: fig1,fig2,fig3.")
@click.option("--format", "formats", default="pdf,png,html", show_default=True,
              help="Comma-separated formats: pdf (vector, A3 landscape), png, html.")
@basemap_opt
@overwrite_opt
@json_opt
def appendix_cmd(out_dir, only, formats, basemap, overwrite, as_json):
    """重新生成规划附图1–3（PDF/PNG/HTML）— regenerate the plan's appendix maps.

    \b
    附图1 聊城市东昌府区产业布局示意图
    附图2 聊城市东昌府区四大工业聚集区示意图
    附图3 聊城市东昌府区七大农业示范园区示意图

    Colours, labels and titles come from dcf_spatial/data/map_style.toml.

    \b
    $ dcf maps appendix --out maps/ --overwrite
    $ dcf maps appendix --only fig2 --format pdf --out out/
    """
    from ..maps import appendix

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
    result = appendix.appendix_maps(out_dir, keys=keys, formats=fmts, overwrite=overwrite, basemap=basemap)
    if as_json:
        echo_json({k: {f: str(p) for f, p in v.items()} for k, v in result.items()})
        return
    from ..maps import style as map_style

    for key, paths in result.items():
        spec = map_style.appendix_spec(key)
        click.echo(f"{spec['number']} {spec['title']}")
        for fmt, p in paths.items():
            click.echo(f"  {fmt.upper():4s} {p}")
    click.echo("注：附图为示意图，所用示意图层已在图中注明。")


@maps.command("layers")
@click.argument("layer_ids", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Output HTML file.")
@click.option("--title", default="东昌府区产业规划图层", show_default=True, help="Map title (Chinese).")
@basemap_opt
@overwrite_opt
def layers_cmd(layer_ids, output, title, basemap, overwrite):
    """把图层库中的图层画成交互地图 — draw catalog layers as an offline web map.

    Layers are drawn in the order given (first at the bottom); each toggles in the layer control.

    \b
    $ dcf maps layers district townships agri_zones -o out/agri.html --title 农业示范区
    """
    from ..maps.webmap import layers_map
    from ._options import check_writable

    check_writable(output, overwrite)
    path = layers_map(list(layer_ids), output, title=title, basemap=basemap, overwrite=overwrite)
    click.echo(f"已写出交互地图 {path}")


@maps.command("file")
@click.argument("input_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Output HTML file.")
@click.option("--title", default=None, help="Map title (default: the file name).")
@click.option("--label-field", default=None, help="Column shown when hovering a feature.")
@click.option("--status-field", default=None, help="Column whose values colour the features.")
@click.option("--crs", "crs", default=None, help="CRS of the file if missing or wrong: EPSG code, gcj02 or bd09.")
@basemap_opt
@overwrite_opt
def file_cmd(input_file, output, title, label_field, status_field, crs, basemap, overwrite):
    """把任意矢量文件叠加在规划分区上 — show any vector file over the plan's zones.

    \b
    $ dcf maps file parcels.gpkg -o out/parcels.html --label-field name --status-field status
    """
    from .. import io as dcf_io
    from ..maps.webmap import answer_map
    from ._options import check_writable

    check_writable(output, overwrite)
    gdf = dcf_io.read_vector(input_file, crs=crs)
    path = answer_map(gdf, output, title=title or input_file.name, label_field=label_field,
                      status_field=status_field, basemap=basemap, overwrite=overwrite,
                      provenance_note=f"数据来源：{input_file.name}")
    click.echo(f"已写出交互地图 {path}（{len(gdf)} 个要素）")
