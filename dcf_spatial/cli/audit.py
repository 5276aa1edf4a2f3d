"""`dcf audit` — 闲置土地与亩产效益审计 — idle-land and per-mu efficiency audits.

Thin over :mod:`dcf_spatial.land.workflow`; the summary goes to stdout in Chinese (or JSON with
``--json``), diagnostics to stderr.
"""

from __future__ import annotations

from pathlib import Path

import click

from ._options import basemap_opt, crs_opt, echo_json, overwrite_opt, reader_options

out_dir_opt = click.option("-o", "--output", "output", required=True, type=click.Path(file_okay=False, path_type=Path),
                           help="Output folder (created if missing).")


engine_opt = click.option("--engine", type=click.Choice(["single", "dask"]), default="single", show_default=True,
                          help="single: one process, Excel + GeoPackage + HTML map. dask: partitions on a "
                               "dask.distributed cluster, GeoParquet outputs + the same Excel workbook and "
                               "HTML map (see docs/dask.md).")
scheduler_opt = click.option("--scheduler", default=None, metavar="ADDRESS",
                             help="A running dask scheduler (tcp://HOST:8786); default a LocalCluster on this "
                                  "machine. Only with --engine dask.")
partitions_opt = click.option("--partitions", type=click.IntRange(min=1), default=None,
                              help="Split one file (or a pg: table) into N partitions. Only with --engine dask.")


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


def _plain(v):
    """A JSON-ready scalar: None for NA/NaN, floats rounded, numpy scalars unwrapped."""
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if hasattr(v, "item"):
        v = v.item()
    return round(v, 4) if isinstance(v, float) else v


def _echo_notes(res) -> None:
    """The notes a reader must not miss: synthetic data, schematic layers, code system, warnings."""
    schematic = [lay["layer_id"] for lay in res.get("layers_used", []) if "schematic" in str(lay.get("provenance"))]
    if schematic:
        click.echo(f"注意：区域归属所用图层 {'、'.join(schematic)} 为示意图层，分区汇总仅供参考。")
    for note in res["notes"]:
        if note and ("合成数据】" in note or "地类编码按" in note or "警告" in note or "没有图层" in note):
            click.echo(f"注意：{note}")


def _records(df, cols) -> list[dict]:
    return [dict(zip(cols, map(_plain, vals))) for vals in zip(*(df[c].astype(object).to_numpy() for c in cols))]


@click.group()
def audit():
    """闲置土地与亩产效益审计 — idle-land and per-mu efficiency audits

    \b
    $ dcf audit idle --parcels 宗地.shp --as-of 2025-12-31 -o out/idle
    $ dcf audit efficiency --enterprises 企业.xlsx --parcels 宗地.shp -o out/eff
    """


@audit.command("idle")
@click.option("--parcels", "parcels", required=True, multiple=True,
              help="Parcel file (SHP, GPKG, GeoJSON, KML, CSV/XLSX with coordinates) or pg:SCHEMA.TABLE; "
                   "with --engine dask also a GeoParquet folder, or the option repeated for several files.")
@click.option("--as-of", "as_of", required=True, callback=_as_of, help="Audit date (审计基准日), YYYY-MM-DD.")
@click.option("--imagery", type=click.Path(dir_okay=False, path_type=Path),
              help="Classified land-cover GeoTIFF (any CRS) for the built-up evidence.")
@click.option("--built-class", type=int, default=None,
              help="Raster value meaning built-up; omit for a 0/1 built-up mask.")
@click.option("--code-system", type=click.Choice(["auto", "2017", "2023"]), default="auto", show_default=True,
              help="Land-use classification of land_use_code: GB/T 21010-2017 or the 2023 用地用海分类.")
@crs_opt
@reader_options
@out_dir_opt
@overwrite_opt
@click.option("--no-map", is_flag=True, help="Skip the HTML map.")
@basemap_opt
@click.option("--json", "as_json", is_flag=True, help="Print each parcel's parcel_id, status, reason and fee as JSON.")
@engine_opt
@scheduler_opt
@partitions_opt
def idle(parcels, as_of, imagery, built_class, code_system, crs, reader, output, overwrite, no_map, basemap, as_json,
         engine, scheduler, partitions):
    """闲置土地审计：按《闲置土地处置办法》（国土资源部令第53号）给每宗地一个结论。

    Writes idle_audit.xlsx (Chinese headers: summaries by status, township and zone, the list,
    the problem rows, notes), idle_audit.gpkg and idle_audit_map.html into the output folder.
    Every input parcel appears exactly once. With --engine dask: idle_audit.parquet/ (the
    complete result, one file per partition) instead of the GeoPackage, the same workbook
    (summaries from all partitions) and a map (above the map's parcel cap: townships and
    clusters coloured by their idle share).

    \b
    $ dcf audit idle --parcels 宗地.gpkg --as-of 2025-12-31 -o out/idle
    $ dcf audit idle --parcels 宗地.shp --as-of 2025-12-31 --imagery landcover.tif --built-class 50 -o out/idle
    $ dcf audit idle --parcels 宗地.xlsx --layer 宗地 --field agreed_start=约定开工 --as-of 2025-12-31 -o out/idle
    $ dcf audit idle --parcels parcels_parquet/ --as-of 2025-12-31 -o out/idle --engine dask
    """
    from ..land.idle_audit import STATUS_ORDER, STATUS_ZH
    from ..land.workflow import run_idle_audit

    if engine == "dask":
        from ..land import distributed as dengine

        _dask_refuses(**{"--imagery": imagery, "--built-class": built_class is not None, "--layer": reader["layer"],
                         "--encoding": reader["encoding"], "--swap-xy": reader["swap_xy"]})
        summary = dengine.run_idle_audit_dask(dengine.input_source(list(parcels)), output, as_of=as_of,
                                              scheduler=scheduler, npartitions=partitions,
                                              field_map=reader["field_map"], crs=crs, code_system=code_system,
                                              overwrite=overwrite, progress=_progress_wanted(as_json),
                                              write_map=not no_map, basemap=basemap)
        if as_json:
            echo_json(summary)
        else:
            for line in dengine.describe_idle(summary):
                click.echo(line)
        return
    _single_engine_only(scheduler, partitions, {"--parcels": parcels})
    parcels = _parcel_input(parcels[0], reader, crs)
    if built_class is not None and imagery is None:
        raise click.BadParameter(f"{built_class} 只在给出 --imagery（分类影像 GeoTIFF）时有效；请加 --imagery <影像.tif>，"
                                 "或去掉 --built-class。", param_hint="--built-class")
    if imagery is not None:
        _exists(imagery, "--imagery")
    res = run_idle_audit(parcels, output, as_of=as_of, imagery=imagery, built_class=built_class,
                         field_map=reader["field_map"], crs=crs, layer=reader["layer"], encoding=reader["encoding"],
                         swap_xy=reader["swap_xy"], code_system=code_system, overwrite=overwrite,
                         write_map=not no_map, basemap=basemap)
    r = res["result"]
    if as_json:
        cols = ["parcel_id", "status", "status_zh", "reason_zh", "fee_wan"] + (["imagery_flag"] if "imagery_flag" in r else [])
        rows = _records(r, cols)
        echo_json({"as_of": f"{as_of:%Y-%m-%d}", "parcels_in": len(r), "counts": res["counts"],
                   "files": res["files"], "parcels": rows})
        return
    click.echo(f"闲置土地审计（基准日 {as_of:%Y-%m-%d}）：输入 {len(r):,} 宗，输出 {len(r):,} 条结论")
    area = r.groupby("status")["area_mu"].sum()
    for s in STATUS_ORDER:
        n = res["counts"].get(s, 0)
        if n:
            click.echo(f"  {STATUS_ZH[s]:<16} {n:>8,} 宗  {area.get(s, 0):>12,.1f} 亩")
    fee = r["fee_wan"].sum()
    click.echo(f"  土地闲置费合计 {fee:,.2f} 万元；有数据问题的记录 {(r['problems'] != '').sum():,} 条（见“问题记录”表）")
    if "imagery_flag" in r:
        click.echo(f"  影像与记录矛盾 {r['imagery_flag'].str.startswith('矛盾').sum():,} 宗")
    _echo_notes(res)
    click.echo("输出：")
    for path in res["files"].values():
        click.echo(f"  {path}")


@audit.command("efficiency")
@click.option("--enterprises", required=True,
              help="Enterprise table (CSV/XLSX): credit_code, name, industry_code, tax_wan, revenue_wan …; "
                   "with --engine dask also Parquet (file or folder) or pg:SCHEMA.TABLE.")
@click.option("--parcels", multiple=True,
              help="Parcels: land areas a firm lacks, zones, and the idle parcels counted as 低效用地 "
                   "(a file or pg:SCHEMA.TABLE; with --engine dask also a GeoParquet folder or several files).")
@click.option("--as-of", "as_of", callback=_as_of, default=None,
              help="审计基准日 YYYY-MM-DD：闲置土地按该日判定（给了 --parcels 时必填）。")
@click.option("--scoring", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Scoring file (weights, benchmarks, class shares); default the shipped efficiency_scoring.json.")
@crs_opt
@reader_options
@click.option("--parcel-layer", default=None, help="Like --layer, for the parcel file (--layer is the enterprise sheet).")
@click.option("--parcel-field", "parcel_fields", multiple=True, metavar="TARGET=SOURCE",
              help="Like --field, for the parcel file, e.g. --parcel-field agreed_start=约定开工.")
@out_dir_opt
@overwrite_opt
@click.option("--no-map", is_flag=True, help="Skip the HTML map.")
@basemap_opt
@click.option("--json", "as_json", is_flag=True, help="Print each enterprise's class and score as JSON.")
@engine_opt
@scheduler_opt
@partitions_opt
def efficiency(enterprises, parcels, as_of, scoring, crs, reader, parcel_layer, parcel_fields, output, overwrite, no_map,
               basemap, as_json, engine, scheduler, partitions):
    """亩产效益评价：A 优先发展 / B 支持发展 / C 提升发展 / D 限制发展 / T 暂不评价，及低效用地汇总。

    Writes efficiency.xlsx (and efficiency.gpkg + efficiency_map.html with --parcels). With
    --engine dask: Parquet folders instead of the GeoPackage, the same workbook and a map.

    \b
    $ dcf audit efficiency --enterprises 企业.csv --parcels 宗地.gpkg --as-of 2025-12-31 -o out/eff
    $ dcf audit efficiency --enterprises 企业.csv --parcels parcels_parquet/ --as-of 2025-12-31 -o out/eff --engine dask
    """
    from ..land.workflow import run_efficiency

    if parcels and as_of is None:
        raise click.UsageError("--as-of：给了 --parcels 时须指明审计基准日，闲置土地（计入低效用地）按该日判定；"
                               "例：--as-of 2025-12-31（与 dcf audit idle 用同一天，两份结果才一致）。")
    if engine == "dask":
        from ..land import distributed as dengine

        _dask_refuses(**{"--layer": reader["layer"], "--parcel-layer": parcel_layer, "--encoding": reader["encoding"],
                         "--swap-xy": reader["swap_xy"]})
        summary = dengine.run_efficiency_dask(str(enterprises), output,
                                              parcels=dengine.input_source(list(parcels)) if parcels else None,
                                              as_of=as_of, scheduler=scheduler, npartitions=partitions,
                                              scoring=scoring, field_map=reader["field_map"],
                                              parcel_field_map=_field_map(parcel_fields), crs=crs,
                                              overwrite=overwrite, progress=_progress_wanted(as_json),
                                              write_map=not no_map, basemap=basemap)
        if as_json:
            echo_json(summary)
        else:
            for line in dengine.describe_efficiency(summary):
                click.echo(line)
        return
    _single_engine_only(scheduler, partitions, {"--parcels": parcels})
    enterprises = _parcel_input(enterprises, reader, crs, "--enterprises")
    parcels = _parcel_input(parcels[0], {**reader, "field_map": _field_map(parcel_fields)}, crs) if parcels else None
    res = run_efficiency(enterprises, output, parcels=parcels, as_of=as_of, scoring=scoring,
                         field_map=reader["field_map"], parcel_field_map=_field_map(parcel_fields), crs=crs,
                         layer=reader["layer"], parcel_layer=parcel_layer, encoding=reader["encoding"],
                         swap_xy=reader["swap_xy"], overwrite=overwrite, write_map=not no_map, basemap=basemap)
    r = res["result"]
    if as_json:
        cols = ["credit_code", "name", "year", "eff_class", "score", "eff_reason"]
        rows = _records(r, cols)
        echo_json({"counts": res["counts"], "files": res["files"], "enterprises": rows})
        return
    when = f"（闲置土地基准日 {as_of:%Y-%m-%d}）" if parcels else ""
    click.echo(f"亩产效益评价{when}：输入 {len(r):,} 行企业记录，输出 {len(r):,} 行")
    names = res.get("class_names_zh") or {}
    for k, n in res["counts"].items():
        label = r.loc[r["eff_class"] == k, "eff_class_zh"]
        click.echo(f"  {label.iloc[0] if len(label) else names.get(k, k):<10} {n:>8,} 家")
    for name, table in res["low_tables"].items():
        if name == "按集聚区":
            low, d, idle_mu = (table[c].sum() for c in ("low_area_mu", "d_area_mu", "idle_area_mu"))
            both = d + idle_mu - low  # a D-class firm's idle parcel is in both parts
            click.echo(f"  低效用地合计 {low:,.1f} 亩（D类企业用地 {d:,.1f} 亩，闲置土地 {idle_mu:,.1f} 亩"
                       + (f"；两者重叠的 {both:,.1f} 亩只计一次" if both > 0.05 else "") + "）")
    _echo_notes(res)
    click.echo("输出：")
    for path in res["files"].values():
        click.echo(f"  {path}")
