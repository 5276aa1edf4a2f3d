"""`dcf query` — 空间查询 — overlap, nearest, within, available land"""

from __future__ import annotations

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


@click.group(cls=DcfGroup)
def query():
    """空间查询 — overlap, nearest, within, available land.

    A、B 为图层库中的图层编号（townships、industrial_clusters…，见 dcf layers list）或文件。
    面积以亩、公顷计，距离以 km 计，均在 EPSG:4548 中量算。

    \b
    $ dcf query overlap cluster_parks townships
    $ dcf query nearest anchor_enterprises industrial_clusters
    $ dcf query within service_points canal --km 2
    $ dcf query available --zone park.zhengjia.bearing --min-mu 30
    """


def _warn_unused_reader_options(a: str, b: str, crs, reader: dict) -> None:
    """--crs and the reader options act on files only: say so when A and B are both layer ids."""
    from ..store import catalog

    given = [name for name, on in (("--crs", crs is not None), ("--layer", reader.get("layer") is not None),
                                   ("--encoding", reader.get("encoding") is not None),
                                   ("--swap-xy", reader.get("swap_xy")), ("--field", bool(reader.get("field_map"))))
             if on]
    if given and catalog.has_layer(a) and catalog.has_layer(b):
        echo_note(f"注意：{'、'.join(given)} 只作用于用户文件；{a} 和 {b} 都是图层库中的图层，已忽略这些选项。")


output_opt = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                          help="把全部结果行及按 B 汇总写出为 .xlsx / .csv / .gpkg。")


def _pair_options(fn):
    """The options every A-versus-B query shares: reader options, -o, --map, --basemap, --json, --overwrite."""
    for option in (overwrite_opt, json_opt, basemap_opt, map_opt, output_opt, reader_options, crs_opt):
        fn = option(fn)
    return fn


def _check_output(output, overwrite: bool, inputs=()) -> None:
    """Refuse a bad or existing -o before any work."""
    from ..queries.answers import QUERY_OUTPUT_SUFFIXES

    if output is None:
        return
    if output.suffix.lower() not in QUERY_OUTPUT_SUFFIXES:
        raise click.BadParameter(f"{output}：只能写为 {' / '.join(QUERY_OUTPUT_SUFFIXES)}。", param_hint="--output")
    check_writable(output, overwrite, param_hint="--output", need_folder=True, inputs=inputs)
    if output.suffix.lower() == ".csv":
        check_writable(output.with_name(f"{output.stem}_按B汇总.csv"), overwrite, param_hint="--output",
                       need_folder=True, inputs=inputs)


def _run_pair(run, a: str, b: str, crs, reader: dict, map_path, overwrite: bool, output=None, **kwargs):
    """Refuse an existing --map/-o before any work, then run the query on A and B with the reader
    options; a bad A or B is named as the argument it came from."""
    from ..errors import InputError
    from ..queries.answers import NotALayerOrFile, load_input

    if map_path:
        check_writable(map_path, overwrite, param_hint="--map", need_folder=True, inputs=(a, b))
    _check_output(output, overwrite, inputs=(a, b))
    _warn_unused_reader_options(a, b, crs, reader)
    inputs = []
    for value, hint in ((a, "A"), (b, "B")):
        try:
            inputs.append(load_input(value, crs=crs, **reader))
        except NotALayerOrFile as exc:
            raise click.BadParameter(str(exc), param_hint=hint) from None
        except InputError as exc:
            raise input_error(exc, hint) from None
    answer = run(*inputs, crs=crs, **kwargs)
    answer.a_name, answer.b_name = a, b
    return answer


def _show(answer, map_path, basemap, as_json, overwrite, output=None, all_rows: bool = False):
    """Write -o and the --map, then print the answer (--json: exactly ``answer.to_dict()``)."""
    if output:
        answer.to_file(output, all_rows=all_rows, overwrite=True)  # refused before the query unless --overwrite
        echo_note(f"结果已写出：{output}" + (f"（按 B 汇总：{output.with_name(output.stem + '_按B汇总.csv')}）"
                                          if output.suffix.lower() == ".csv" else ""))
    if map_path:
        answer.to_map(map_path, basemap=basemap, overwrite=overwrite)
        echo_note(f"地图已写出：{map_path}")
    if as_json:
        echo_json(answer.to_dict())
        return
    text = answer.summary_text(more_hint="-o 输出（.xlsx/.csv/.gpkg）或 --json", all_rows=all_rows)
    click.echo(text.replace("要全部列出请选全部行", "要全部列出请加 --all").replace("要计算请选全部距离", "要计算请加 --distances all"))


@query.command()
@click.argument("a")
@click.argument("b")
@_pair_options
def overlap(a, b, crs, reader, output, map_path, basemap, as_json, overwrite):
    """叠加 — every overlapping pair of A and B.

    列出 A 与 B 的每一对重叠要素：重叠面积（亩、公顷）及占 A、占 B 的比例；无重叠的 A 要素也列出。

    \b
    $ dcf query overlap cluster_parks townships
    $ dcf query overlap 宗地.shp industrial_clusters --json
    $ dcf query overlap 宗地.shp townships -o 宗地按镇街.xlsx
    """
    from ..queries import overlap as run

    _show(_run_pair(run, a, b, crs, reader, map_path, overwrite, output), map_path, basemap, as_json, overwrite, output)


@query.command()
@click.argument("a")
@click.argument("b")
@click.option("--max-km", type=float, metavar="KM", help="搜索半径（km）；超出者标为“范围内无”。缺省不限。")
@_pair_options
def nearest(a, b, max_km, crs, reader, output, map_path, basemap, as_json, overwrite):
    """最近 — the nearest feature of B and its distance.

    对 A 的每个要素找出最近的 B 要素及距离（km）；位于 B 要素之内的距离为 0。

    \b
    $ dcf query nearest anchor_enterprises industrial_clusters
    $ dcf query nearest 企业点位.csv cluster_parks --json
    """
    from ..queries import nearest as run

    check_positive(max_km, "--max-km", "km")
    _show(_run_pair(run, a, b, crs, reader, map_path, overwrite, output, max_km=max_km), map_path, basemap, as_json,
          overwrite, output)


@query.command()
@click.argument("a")
@click.argument("b")
@click.option("--km", type=float, required=True, metavar="KM", help="距离 D（km）。")
@click.option("--all", "all_rows", is_flag=True, help="也列出范围外的要素（缺省只列范围内的；--json 总是列出全部）。")
@click.option("--distances", type=click.Choice(["within", "all"]), default="within", show_default=True,
              help="计算谁的最近 B 与距离：within 只算范围内的要素（快），范围外的标为“范围外（> D km）”、距离留空；"
                   "all 每个要素都算。")
@_pair_options
def within(a, b, km, all_rows, distances, crs, reader, output, map_path, basemap, as_json, overwrite):
    """范围 — features of A within D km of B.

    列出 A 中距 B 不超过 D km（--km）的要素及距离；加 --all 时范围外的要素也列出（行），加 --distances all
    时范围外要素的最近 B 与距离也计算（缺省不算，较快）。-o 把结果行与按 B 汇总写出。

    \b
    $ dcf query within anchor_enterprises industrial_clusters --km 1
    $ dcf query within service_points canal --km 2 --map 运河周边.html
    $ dcf query within 企业点位.csv industrial_clusters --km 1 -o 范围内企业.xlsx
    $ dcf query within 企业点位.csv industrial_clusters --km 1 --all --distances all -o 全部企业.xlsx
    """
    from ..queries import within as run

    check_positive(km, "--km", "km", allow_zero=True)
    _show(_run_pair(run, a, b, crs, reader, map_path, overwrite, output, km=km, distances=distances), map_path,
          basemap, as_json, overwrite, output, all_rows)


@query.command()
@click.option("--zone", "zone_id", help="分区 id（如 park.zhengjia.bearing、cluster.guangping）；缺省为四大工业集聚区。")
@click.option("--min-mu", type=float, metavar="亩", help="最小地块面积（亩），缺省见 plan_rules.json。")
@click.option("--parcels", "parcels_file", type=click.Path(dir_okay=False, path_type=Path),
              help="宗地文件（含状态字段，已占用/已供地者扣除）；缺省使用合成样例宗地。")
@crs_opt
@reader_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="候选地块及按分区汇总写出为 .xlsx / .csv / .gpkg（.geojson 只写地块）。")
@map_opt
@basemap_opt
@json_opt
@overwrite_opt
def available(zone_id, min_mu, parcels_file, crs, reader, output, map_path, basemap, as_json, overwrite):
    """可用地 — available land in a zone.

    分区内未被已占用或已供地宗地占据、且不在约束范围内的部分，作为不小于 --min-mu 亩的候选地块，
    由大到小列出面积（亩、公顷）和到分区中心的距离（km）。未给 --parcels 时使用合成样例宗地，
    结果标为合成数据。

    \b
    $ dcf query available --zone park.zhengjia.bearing --min-mu 30
    $ dcf query available --zone cluster.guangping --parcels 宗地.shp --map 可用地.html
    """
    from .. import io as dcf_io
    from ..errors import InputError
    from ..queries import available as run
    from ..queries.availability import find_zones

    if map_path is not None:
        check_writable(map_path, overwrite, param_hint="--map", need_folder=True, inputs=(parcels_file,))
    if output is not None and output.suffix.lower() in (".geojson", ".json"):
        check_writable(output, overwrite, param_hint="--output", need_folder=True, inputs=(parcels_file,))
    else:
        _check_output(output, overwrite, inputs=(parcels_file,))
    check_positive(min_mu, "--min-mu", "亩", allow_zero=True)
    try:
        find_zones(zone_id)
    except InputError as exc:
        raise input_error(exc, "--zone") from None
    parcels = None
    if parcels_file:
        try:
            parcels = dcf_io.read_vector(parcels_file, crs=crs, aliases=("parcels",), **reader)
        except InputError as exc:
            raise input_error(exc, "--parcels") from None
    answer = run(zone=zone_id, min_mu=min_mu, parcels=parcels)
    if output and output.suffix.lower() in (".geojson", ".json"):
        answer.to_table(output, overwrite=True)  # refused above unless --overwrite
        echo_note(f"候选地块已写出：{output}")
    elif output:
        answer.to_file(output, overwrite=True)
        echo_note(f"候选地块已写出：{output}")
    if map_path:
        answer.to_map(map_path, basemap=basemap, overwrite=overwrite)
        echo_note(f"地图已写出：{map_path}")
    if as_json:
        echo_json(answer.to_dict())
        return
    click.echo(answer.summary_text(more_hint="--json / -o 输出"))
