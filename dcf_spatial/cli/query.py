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


def _load(value: str, crs, hint: str, reader: dict | None = None):
    """A layer id from the store, else a file read with dcf_spatial.io (with the reader options)."""
    from ..store import catalog
    from .. import io as dcf_io
    from ..errors import InputError

    if catalog.has_layer(value):
        return catalog.read_layer(value)
    if Path(value).exists():
        try:
            gdf = dcf_io.read_vector(value, crs=crs, **(reader or {}))
        except InputError as exc:
            raise input_error(exc, hint) from None
        gdf.attrs.setdefault("title_zh", Path(value).name)
        gdf.attrs.setdefault("provenance", "用户文件")
        return gdf
    known = ", ".join(catalog.list_layers()["id"])
    raise click.BadParameter(f"{value!r} 既不是图层编号也不是存在的文件（neither a layer id nor an existing file）。图层：{known}。",
                             param_hint=hint)


def _warn_unused_reader_options(a: str, b: str, crs, reader: dict) -> None:
    """--crs and the reader options act on files only: say so when A and B are both layer ids."""
    from ..store import catalog

    given = [name for name, on in (("--crs", crs is not None), ("--layer", reader.get("layer") is not None),
                                   ("--encoding", reader.get("encoding") is not None),
                                   ("--swap-xy", reader.get("swap_xy")), ("--field", bool(reader.get("field_map"))))
             if on]
    if given and catalog.has_layer(a) and catalog.has_layer(b):
        echo_note(f"注意：{'、'.join(given)} 只作用于用户文件；{a} 和 {b} 都是图层库中的图层，已忽略这些选项。")


def _pair_options(fn):
    """The options every A-versus-B query shares: reader options, --map, --basemap, --json, --overwrite."""
    for option in (overwrite_opt, json_opt, basemap_opt, map_opt, reader_options, crs_opt):
        fn = option(fn)
    return fn


def _load_pair(a: str, b: str, crs, reader: dict, map_path, overwrite: bool):
    """Refuse an existing --map before any work, then read A and B with the same reader options."""
    if map_path:
        check_writable(map_path, overwrite, param_hint="--map", need_folder=True)
    _warn_unused_reader_options(a, b, crs, reader)
    return _load(a, crs, "A", reader), _load(b, crs, "B", reader)


def _prov_note(*gdfs) -> str:
    from ..store.catalog import PROVENANCE_ZH

    parts = []
    schem = []
    for g in gdfs:
        title = g.attrs.get("title_zh") or g.attrs.get("layer_id") or "用户文件"
        p = str(g.attrs.get("provenance", ""))
        parts.append(f"{title}（{PROVENANCE_ZH.get(p, p) or '未注明'}）")
        if "schematic" in p:
            schem.append(title)
    note = "数据来源：" + "；".join(parts)
    if schem:
        note += "。其中示意图层：" + "、".join(schem) + "（非权威边界，结论仅供参考）"
    return note


def _title(gdf, fallback: str) -> str:
    return str(gdf.attrs.get("title_zh") or fallback)


#: columns that name a feature, most specific first (the sites/parcels aliases add name / parcel_id)
LABEL_COLUMNS = ("name_zh", "name", "名称", "项目名称", "企业名称", "parcel_id", "宗地代码", "id")


ID_COLUMNS = ("id", "parcel_id", "宗地代码", "credit_code", "统一社会信用代码")


def _first_column(gdf, names) -> str | None:
    return next((c for c in names if c in gdf.columns), None)


def _label(gdf):
    import pandas as pd

    for col in LABEL_COLUMNS:
        if col in gdf.columns:
            return gdf[col].astype("string").fillna("—").astype(str)
    return pd.Series([f"第 {i + 1} 条记录" for i in range(len(gdf))], index=gdf.index)


def _records(df) -> list[dict]:
    """Rows as JSON-ready dicts: NaN/NA become null (strict JSON has no NaN)."""
    return df.reset_index(drop=True).astype(object).where(df.reset_index(drop=True).notna(), None).to_dict(orient="records")


def _map(focus, map_path, overwrite, title, status_field, popup, note, basemap="none", **zones):
    """Write the answer map; ``zones`` (``zones=``, ``zones_label=``, ``zones_in_view=``) draws layer B."""
    from ..maps.webmap import answer_map

    answer_map(focus, map_path, title=title, label_field="label", status_field=status_field, popup_fields=popup,
               provenance_note=note, basemap=basemap, overwrite=overwrite, **zones)
    echo_note(f"地图已写出：{map_path}")


@query.command()
@click.argument("a")
@click.argument("b")
@_pair_options
def overlap(a, b, crs, reader, map_path, basemap, as_json, overwrite):
    """叠加 — every overlapping pair of A and B.

    列出 A 与 B 的每一对重叠要素：重叠面积（亩、公顷）及占 A、占 B 的比例；无重叠的 A 要素也列出。

    \b
    $ dcf query overlap cluster_parks townships
    $ dcf query overlap 宗地.shp industrial_clusters --json
    """
    from ..queries.overlap import overlap as run

    ga, gb = _load_pair(a, b, crs, reader, map_path, overwrite)
    # name each feature by its own name or number (宗地代码 …), never by a 0-based row index
    ga, gb = ga.assign(_label=_label(ga).to_numpy()), gb.assign(_label=_label(gb).to_numpy())
    df = run(ga, gb, a_id=_first_column(ga, ID_COLUMNS), b_id=_first_column(gb, ID_COLUMNS),
             a_name="_label", b_name="_label")
    note = _prov_note(ga, gb)
    if map_path:
        focus = ga.copy()
        focus["label"] = _label(ga).to_numpy()
        summary = df[df["status"] == "overlap"].groupby("a_index").apply(
            lambda g: "；".join(f"{n} {m:.1f} 亩（{s * 100:.1f}%）" for n, m, s in zip(g["b_name"], g["overlap_mu"], g["share_a"])),
            include_groups=False)
        focus["overlaps"] = [summary.get(i, "无") for i in range(len(ga))]
        focus["状态"] = ["有重叠" if i in summary.index else "无重叠" for i in range(len(ga))]
        _map(focus, map_path, overwrite, f"叠加查询：{_title(ga, a)} × {_title(gb, b)}", "状态", {"label": "要素", "overlaps": "重叠"}, note,
             basemap, zones=gb, zones_label=f"B：{_title(gb, b)}", zones_in_view=False)
    if as_json:
        echo_json({"pairs": _records(df), "provenance_note": note})
        return
    pairs = df[df["status"] == "overlap"]
    click.echo(f"叠加 {a}（{len(ga)} 个要素）× {b}（{len(gb)} 个要素）：{len(pairs)} 对重叠；"
               f"{int((df['status'] == 'no_overlap').sum())} 个 A 要素无重叠。")
    for r in pairs.itertuples():
        click.echo(f"  {r.a_name} × {r.b_name}：{r.overlap_mu:,.2f} 亩（{r.overlap_ha:,.2f} 公顷），"
                   f"占 A {r.share_a * 100:.1f}%，占 B {r.share_b * 100:.1f}%")
    for r in df[df["status"] == "no_overlap"].itertuples():
        click.echo(f"  {r.a_name}：无重叠")
    click.echo(note)


@query.command()
@click.argument("a")
@click.argument("b")
@click.option("--max-km", type=float, metavar="KM", help="搜索半径（km）；超出者标为“范围内无”。缺省不限。")
@_pair_options
def nearest(a, b, max_km, crs, reader, map_path, basemap, as_json, overwrite):
    """最近 — the nearest feature of B and its distance.

    对 A 的每个要素找出最近的 B 要素及距离（km）；位于 B 要素之内的距离为 0。

    \b
    $ dcf query nearest anchor_enterprises industrial_clusters
    $ dcf query nearest 企业点位.csv cluster_parks --json
    """
    from ..queries.distance import nearest as run

    check_positive(max_km, "--max-km", "km")
    ga, gb = _load_pair(a, b, crs, reader, map_path, overwrite)
    df = run(ga, gb, max_km=max_km)
    _distance_output(ga, df, a, b, gb, map_path, as_json, overwrite, title=f"最近查询：{_title(ga, a)} → {_title(gb, b)}",
                     basemap=basemap)


@query.command()
@click.argument("a")
@click.argument("b")
@click.option("--km", type=float, required=True, metavar="KM", help="距离 D（km）。")
@_pair_options
def within(a, b, km, crs, reader, map_path, basemap, as_json, overwrite):
    """范围 — features of A within D km of B.

    列出 A 中距 B 不超过 D km（--km）的要素；全部 A 要素均列出，标明是否在范围内及距离。

    \b
    $ dcf query within anchor_enterprises industrial_clusters --km 1
    $ dcf query within service_points canal --km 2 --map 运河周边.html
    """
    from ..queries.distance import within_distance

    check_positive(km, "--km", "km", allow_zero=True)
    ga, gb = _load_pair(a, b, crs, reader, map_path, overwrite)
    df = within_distance(ga, gb, km)
    _distance_output(ga, df, a, b, gb, map_path, as_json, overwrite, title=f"范围查询：{_title(ga, a)} 距 {_title(gb, b)} {km:g} km 内", km=km,
                     basemap=basemap)


_STATUS_ZH = {"inside": "位于其内", "nearest": "最近", "none_within": "范围内无", "within": "范围内", "beyond": "范围外",
              "no_geometry": "无几何（未计算）", "location_unknown": "位置未给出（未计算）"}


def _distance_output(ga, df, a, b, gb, map_path, as_json, overwrite, *, title, km=None, basemap="none"):
    note = _prov_note(ga, gb)
    labels = _label(ga).to_numpy()
    df = df.copy()
    df.insert(0, "a_name", labels)
    if "id" in ga.columns:
        df.insert(0, "a_id", ga["id"].astype(str).to_numpy())
    df["status_zh"] = df["status"].map(_STATUS_ZH)
    if "read_issue" in ga.columns:  # why a row could not be measured, from the reader
        issue = ga["read_issue"].astype("string").fillna("").to_numpy()
        df["read_issue"] = issue
        missing = (df["status"] == "no_geometry").to_numpy() & (issue != "")
        df.loc[missing, "status_zh"] = "无几何：" + df.loc[missing, "read_issue"]
    if map_path:
        focus = ga.copy()
        focus["label"] = labels
        focus["nearest_zh"] = df["b_name"].fillna("—").to_numpy()
        focus["distance_km"] = df["distance_km"].round(3).to_numpy()
        focus["状态"] = df["status_zh"].to_numpy()
        # B drawn and named (the canal of "within 2 km of the canal"), the view kept on the answer
        _map(focus, map_path, overwrite, title, "状态",
             {"label": "要素", "nearest_zh": "最近的 B", "distance_km": "距离（km）"}, note, basemap,
             zones=gb, zones_label=f"B：{_title(gb, b)}", zones_in_view=False)
    if as_json:
        echo_json({"rows": _records(df), "provenance_note": note})
        return
    unmeasured = int(df["status"].isin(["no_geometry", "location_unknown"]).sum())
    if km is not None:
        rest = f"（另有 {unmeasured} 个无位置或位置未给出，未计算）" if unmeasured else ""
        click.echo(f"{a} 中距 {b} 不超过 {km:g} km 的要素：{int(df['within'].sum())} / {len(df) - unmeasured}{rest}")
    else:
        click.echo(f"{a}（{len(df)} 个要素）到 {b} 的最近要素：")
    for r in df.itertuples():
        dist = "—" if r.distance_km != r.distance_km else f"{r.distance_km:,.3f} km"
        b_name = r.b_name if isinstance(r.b_name, str) and r.b_name else "—"
        click.echo(f"  {r.a_name} → {b_name}：{dist}（{r.status_zh}）")
    click.echo(note)


#: available-land columns -> Chinese headers of the CSV
AVAILABLE_COLUMNS_ZH = {"rank": "序号", "zone_id": "分区编号", "zone_name_zh": "分区", "area_mu": "面积（亩）",
                        "area_ha": "面积（公顷）", "distance_km": "距分区中心（km）",
                        "synthetic": "基于合成宗地数据（合成数据）"}


@query.command()
@click.option("--zone", "zone_id", help="分区 id（如 park.zhengjia.bearing、cluster.guangping）；缺省为四大工业集聚区。")
@click.option("--min-mu", type=float, metavar="亩", help="最小地块面积（亩），缺省见 plan_rules.json。")
@click.option("--parcels", "parcels_file", type=click.Path(dir_okay=False, path_type=Path),
              help="宗地文件（含状态字段，已占用/已供地者扣除）；缺省使用合成样例宗地。")
@crs_opt
@reader_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="候选地块写出为 .gpkg/.geojson/.csv。")
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
    from ..queries.availability import available_land

    for p, hint in ((map_path, "--map"), (output, "--output")):
        if p is not None:
            check_writable(p, overwrite, param_hint=hint, need_folder=True)
    check_positive(min_mu, "--min-mu", "亩", allow_zero=True)
    from ..store.catalog import PROVENANCE_ZH
    from ..queries.availability import available_land_map, find_zones, synthetic_parcels

    zones = find_zones(zone_id)
    if parcels_file:
        try:
            parcels = dcf_io.read_vector(parcels_file, crs=crs, aliases=("parcels",), **reader)
        except InputError as exc:
            raise input_error(exc, "--parcels") from None
    else:
        parcels = synthetic_parcels(zones)
    plots = available_land(zone_id, parcels=parcels, min_mu=min_mu, synthetic=not parcels_file)
    zone_title = "、".join(zones["name_zh"].astype(str)) if zone_id else "四大工业集聚区"
    notes = plots.attrs["notes"]
    prov = str(plots.attrs.get("provenance", ""))
    zone_note = f"分区图层：{plots.attrs.get('zones_title_zh', '')}（{PROVENANCE_ZH.get(prov, prov) or '未注明'}）"
    if output:
        suffix = output.suffix.lower()
        if suffix == ".csv":  # a table people open: Chinese headers
            table = plots.drop(columns=plots.geometry.name)
            if "synthetic" in table.columns:
                table["synthetic"] = table["synthetic"].map({True: "是", False: "否"})
            table = table.rename(columns=AVAILABLE_COLUMNS_ZH)
            table.to_csv(output, index=False, encoding="utf-8-sig")
        else:
            plots.to_file(output, driver="GeoJSON" if suffix in (".geojson", ".json") else "GPKG")
        echo_note(f"候选地块已写出：{output}")
    if map_path:
        available_land_map(plots, parcels, zones, map_path, title=f"可用地：{zone_title}", basemap=basemap,
                           overwrite=overwrite)
        echo_note(f"地图已写出：{map_path}")
    if as_json:
        echo_json({"plots": plots.drop(columns=plots.geometry.name).to_dict(orient="records"),
                   "notes": notes, "zone_note": zone_note, "synthetic": plots.attrs["synthetic"]})
        return
    click.echo(f"可用地候选（{zone_title}）：{len(plots)} 块，合计 {plots['area_mu'].sum():,.1f} 亩")
    for r in plots.head(30).itertuples():
        click.echo(f"  {r.rank:>3}. {r.zone_name_zh} {r.area_mu:,.1f} 亩（{r.area_ha:,.2f} 公顷），距分区中心 {r.distance_km:.2f} km")
    if len(plots) > 30:
        click.echo(f"  …… 其余 {len(plots) - 30} 块见 --json / -o 输出")
    for n in notes + [zone_note]:
        click.echo(f"说明：{n}")
