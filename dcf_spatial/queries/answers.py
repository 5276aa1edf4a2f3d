"""The public queries: :func:`overlap`, :func:`nearest`, :func:`within`, :func:`available`.

A and B are layer ids of the store, file paths (read with :func:`dcf_spatial.io.read_vector`) or
GeoDataFrames. Every query returns a :class:`QueryAnswer`: ``.frame`` (the rows, with the Chinese
labels and status names the CLI shows), ``.note`` (where the data came from, schematic layers
named), ``.to_dict()`` (exactly what ``dcf query … --json`` prints), ``.to_map(path)`` and
``.summary_text()`` (what the CLI prints).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

logger = logging.getLogger(__name__)

#: columns that name a feature, most specific first (the sites/parcels aliases add name / parcel_id)
LABEL_COLUMNS = ("name_zh", "name", "名称", "项目名称", "企业名称", "parcel_id", "宗地代码", "id")
ID_COLUMNS = ("id", "parcel_id", "宗地代码", "credit_code", "统一社会信用代码")
#: distance statuses → the Chinese the answers show
DISTANCE_STATUS_ZH = {"inside": "位于其内", "nearest": "最近", "none_within": "范围内无", "within": "范围内",
                      "beyond": "范围外", "no_geometry": "无几何（未计算）", "location_unknown": "位置未给出（未计算）"}
#: available-land columns -> Chinese headers of the CSV
AVAILABLE_COLUMNS_ZH = {"rank": "序号", "zone_id": "分区编号", "zone_name_zh": "分区", "area_mu": "面积（亩）",
                        "area_ha": "面积（公顷）", "distance_km": "距分区中心（km）",
                        "synthetic": "基于合成宗地数据（合成数据）"}


class NotALayerOrFile(InputError):
    """A query input is neither a layer id of the store nor an existing file."""


def load_input(value, *, crs=None, store=None, **reader):
    """A query input as a GeoDataFrame: a GeoDataFrame as is, a layer id from the store, else a file.

    Parameters
    ----------
    value
        Layer id (``"industrial_clusters"``), file path or GeoDataFrame.
    crs
        CRS of a file without one (``"gcj02"`` …).
    store
        Layer store; ``None`` is the active store.
    **reader
        ``layer``, ``encoding``, ``swap_xy``, ``field_map`` for a file.

    Returns
    -------
    GeoDataFrame
        With ``attrs["title_zh"]`` and ``attrs["provenance"]``.

    Examples
    --------
    >>> load_input("townships").attrs["title_zh"]  # doctest: +SKIP
    '乡镇（街道）'
    """
    import geopandas as gpd

    from ..store import catalog
    from .. import io as dcf_io

    if isinstance(value, gpd.GeoDataFrame):
        return value
    text = str(value)
    if catalog.has_layer(text, store):
        return catalog.read_layer(text, store=store)
    if Path(text).exists():
        gdf = dcf_io.read_vector(text, crs=crs, **reader)
        gdf.attrs.setdefault("title_zh", Path(text).name)
        gdf.attrs.setdefault("provenance", "用户文件")
        return gdf
    known = ", ".join(catalog.list_layers(store)["id"])
    raise NotALayerOrFile(f"{text!r} 既不是图层编号也不是存在的文件（neither a layer id nor an existing file）。图层：{known}。")


def provenance_note(*gdfs) -> str:
    """Where each input came from, schematic layers named (Chinese, one line)."""
    from ..store.catalog import PROVENANCE_ZH

    parts, schem = [], []
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


def feature_labels(gdf):
    """Each feature's name as the answers show it (its own name or number, never a 0-based index)."""
    import pandas as pd

    for col in LABEL_COLUMNS:
        if col in gdf.columns:
            return gdf[col].astype("string").fillna("—").astype(str)
    return pd.Series([f"第 {i + 1} 条记录" for i in range(len(gdf))], index=gdf.index)


def _first_column(gdf, names):
    return next((c for c in names if c in gdf.columns), None)


def _records(df) -> list[dict]:
    """Rows as JSON-ready dicts: NaN/NA become null (strict JSON has no NaN)."""
    d = df.reset_index(drop=True)
    return d.astype(object).where(d.notna(), None).to_dict(orient="records")


def _title(gdf, fallback) -> str:
    return str(gdf.attrs.get("title_zh") or fallback)


@dataclass
class QueryAnswer:
    """The answer of a query.

    Attributes
    ----------
    kind
        ``"overlap"``, ``"nearest"``, ``"within"`` or ``"available"``.
    frame
        The rows (DataFrame; a GeoDataFrame of plots for ``available``).
    note
        Where the data came from (Chinese), schematic layers named.
    a, b
        The inputs as read (``b`` is the zones searched for ``available``).
    a_name, b_name
        How the user named them (layer id or path), for the text answer.
    extra
        What the kind needs besides (``km``; ``parcels``, ``notes``, ``zone_note``, ``zone_title``).
    """

    kind: str
    frame: object
    note: str
    a: object = None
    b: object = None
    a_name: str = "A"
    b_name: str = "B"
    extra: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        a, b = _title(self.a, self.a_name) if self.a is not None else "", _title(self.b, self.b_name)
        if self.kind == "overlap":
            return f"叠加查询：{a} × {b}"
        if self.kind == "nearest":
            return f"最近查询：{a} → {b}"
        if self.kind == "within":
            return f"范围查询：{a} 距 {b} {self.extra['km']:g} km 内"
        return f"可用地：{self.extra['zone_title']}"

    def to_dict(self) -> dict:
        """JSON-ready answer, exactly what ``dcf query … --json`` prints."""
        if self.kind == "overlap":
            return {"pairs": _records(self.frame), "provenance_note": self.note}
        if self.kind in ("nearest", "within"):
            return {"rows": _records(self.frame), "provenance_note": self.note}
        plots = self.frame
        return {"plots": plots.drop(columns=plots.geometry.name).to_dict(orient="records"),
                "notes": self.extra["notes"], "zone_note": self.extra["zone_note"], "synthetic": plots.attrs["synthetic"]}

    def to_table(self, path, *, overwrite: bool = False) -> Path:
        """Write the candidate plots of ``available``: ``.csv`` (Chinese headers), ``.geojson`` or ``.gpkg``."""
        from ..outputs_guard import guard_output

        path = guard_output(Path(path), overwrite=overwrite)  # never the layer store
        plots = self.frame
        suffix = path.suffix.lower()
        if suffix == ".csv":  # a table people open: Chinese headers
            table = plots.drop(columns=plots.geometry.name)
            if "synthetic" in table.columns:
                table["synthetic"] = table["synthetic"].map({True: "是", False: "否"})
            from ..io.write import write_csv

            write_csv(table.rename(columns=AVAILABLE_COLUMNS_ZH), path)  # formula-like text quoted
        else:
            plots.to_file(path, driver="GeoJSON" if suffix in (".geojson", ".json") else "GPKG")
        return path

    def to_map(self, path, *, basemap: str = "none", overwrite: bool = False) -> Path:
        """Write the interactive answer map: A coloured by status with B drawn and named."""
        from ..maps.webmap import answer_map

        if self.kind == "available":
            from .availability import available_land_map

            return available_land_map(self.frame, self.extra["parcels"], self.b, path, title=self.title,
                                      basemap=basemap, overwrite=overwrite)
        focus = self.a.copy()
        focus["label"] = feature_labels(self.a).to_numpy()
        df = self.frame
        if self.kind == "overlap":
            summary = df[df["status"] == "overlap"].groupby("a_index").apply(
                lambda g: "；".join(f"{n} {m:.1f} 亩（{s * 100:.1f}%）"
                                   for n, m, s in zip(g["b_name"], g["overlap_mu"], g["share_a"])),
                include_groups=False)
            focus["overlaps"] = [summary.get(i, "无") for i in range(len(self.a))]
            focus["状态"] = ["有重叠" if i in summary.index else "无重叠" for i in range(len(self.a))]
            popup = {"label": "要素", "overlaps": "重叠"}
        else:
            focus["nearest_zh"] = df["b_name"].fillna("—").to_numpy()
            focus["distance_km"] = df["distance_km"].round(3).to_numpy()
            focus["状态"] = df["status_zh"].to_numpy()
            popup = {"label": "要素", "nearest_zh": "最近的 B", "distance_km": "距离（km）"}
        # B drawn and named (the canal of "within 2 km of the canal"), the view kept on the answer
        return answer_map(focus, path, title=self.title, label_field="label", status_field="状态", popup_fields=popup,
                          provenance_note=self.note, basemap=basemap, overwrite=overwrite, zones=self.b,
                          zones_label=f"B：{_title(self.b, self.b_name)}", zones_in_view=False)

    def summary_text(self, *, more_hint: str = "to_dict() 或 to_table()") -> str:
        """The Chinese text answer (what the CLI prints); ``more_hint`` says where the candidate
        plots beyond the first 30 are found."""
        df, a, b = self.frame, self.a_name, self.b_name
        lines = []
        if self.kind == "overlap":
            pairs = df[df["status"] == "overlap"]
            lines.append(f"叠加 {a}（{len(self.a)} 个要素）× {b}（{len(self.b)} 个要素）：{len(pairs)} 对重叠；"
                         f"{int((df['status'] == 'no_overlap').sum())} 个 A 要素无重叠。")
            for r in pairs.itertuples():
                lines.append(f"  {r.a_name} × {r.b_name}：{r.overlap_mu:,.2f} 亩（{r.overlap_ha:,.2f} 公顷），"
                             f"占 A {r.share_a * 100:.1f}%，占 B {r.share_b * 100:.1f}%")
            for r in df[df["status"] == "no_overlap"].itertuples():
                lines.append(f"  {r.a_name}：无重叠")
            lines.append(self.note)
        elif self.kind in ("nearest", "within"):
            unmeasured = int(df["status"].isin(["no_geometry", "location_unknown"]).sum())
            if self.kind == "within":
                km = self.extra["km"]
                rest = f"（另有 {unmeasured} 个无位置或位置未给出，未计算）" if unmeasured else ""
                lines.append(f"{a} 中距 {b} 不超过 {km:g} km 的要素：{int(df['within'].sum())} / {len(df) - unmeasured}{rest}")
            else:
                lines.append(f"{a}（{len(df)} 个要素）到 {b} 的最近要素：")
            for r in df.itertuples():
                dist = "—" if r.distance_km != r.distance_km else f"{r.distance_km:,.3f} km"
                b_label = r.b_name if isinstance(r.b_name, str) and r.b_name else "—"
                lines.append(f"  {r.a_name} → {b_label}：{dist}（{r.status_zh}）")
            lines.append(self.note)
        else:
            plots = df
            lines.append(f"可用地候选（{self.extra['zone_title']}）：{len(plots)} 块，合计 {plots['area_mu'].sum():,.1f} 亩")
            for r in plots.head(30).itertuples():
                lines.append(f"  {r.rank:>3}. {r.zone_name_zh} {r.area_mu:,.1f} 亩（{r.area_ha:,.2f} 公顷），"
                             f"距分区中心 {r.distance_km:.2f} km")
            if len(plots) > 30:
                lines.append(f"  …… 其余 {len(plots) - 30} 块见 {more_hint}")
            lines += [f"说明：{n}" for n in self.extra["notes"] + [self.extra["zone_note"]]]
        return "\n".join(lines)


def _name(value) -> str:
    return str(value) if not hasattr(value, "geometry") else str(value.attrs.get("title_zh") or "GeoDataFrame")


def overlap(a, b, *, crs=None, store=None, **reader) -> QueryAnswer:
    """Every overlapping pair of A and B: 亩, 公顷 and the shares of each; A features without overlap listed.

    Parameters
    ----------
    a, b
        Layer ids, file paths or GeoDataFrames.
    crs
        CRS of files without one.
    store
        Layer store; ``None`` is the active store.
    **reader
        ``layer``, ``encoding``, ``swap_xy``, ``field_map`` for files.

    Returns
    -------
    QueryAnswer
        ``frame``: one row per pair (``status`` ``overlap``/``no_overlap``).

    Examples
    --------
    >>> overlap("cluster_parks", "townships").frame.head()  # doctest: +SKIP
    """
    from .overlay import overlap as run

    ga, gb = load_input(a, crs=crs, store=store, **reader), load_input(b, crs=crs, store=store, **reader)
    la, lb = ga.assign(_label=feature_labels(ga).to_numpy()), gb.assign(_label=feature_labels(gb).to_numpy())
    df = run(la, lb, a_id=_first_column(la, ID_COLUMNS), b_id=_first_column(lb, ID_COLUMNS),
             a_name="_label", b_name="_label")
    return QueryAnswer("overlap", df, provenance_note(la, lb), la, lb, _name(a), _name(b))


def _distance_frame(ga, df):
    labels = feature_labels(ga).to_numpy()
    df = df.copy()
    df.insert(0, "a_name", labels)
    if "id" in ga.columns:
        df.insert(0, "a_id", ga["id"].astype(str).to_numpy())
    df["status_zh"] = df["status"].map(DISTANCE_STATUS_ZH)
    if "read_issue" in ga.columns:  # why a row could not be measured, from the reader
        issue = ga["read_issue"].astype("string").fillna("").to_numpy()
        df["read_issue"] = issue
        missing = (df["status"] == "no_geometry").to_numpy() & (issue != "")
        df.loc[missing, "status_zh"] = "无几何：" + df.loc[missing, "read_issue"]
    return df


def nearest(a, b, *, max_km: float | None = None, crs=None, store=None, **reader) -> QueryAnswer:
    """The nearest feature of B for each feature of A, and its distance (km; 0 inside).

    Parameters
    ----------
    a, b
        Layer ids, file paths or GeoDataFrames.
    max_km
        Search radius; beyond it a row is ``none_within`` (范围内无).
    crs, store, **reader
        As :func:`overlap`.

    Returns
    -------
    QueryAnswer
        ``frame``: one row per A feature, ``status`` and ``status_zh``.

    Examples
    --------
    >>> nearest("anchor_enterprises", "industrial_clusters").frame["status_zh"].value_counts()  # doctest: +SKIP
    """
    from .distance import nearest as run

    ga, gb = load_input(a, crs=crs, store=store, **reader), load_input(b, crs=crs, store=store, **reader)
    df = _distance_frame(ga, run(ga, gb, max_km=max_km))
    return QueryAnswer("nearest", df, provenance_note(ga, gb), ga, gb, _name(a), _name(b), {"max_km": max_km})


def within(a, b, *, km: float, crs=None, store=None, **reader) -> QueryAnswer:
    """Which features of A lie within ``km`` of B (every A feature listed, with its distance).

    Parameters
    ----------
    a, b
        Layer ids, file paths or GeoDataFrames.
    km
        Distance D in km (≥ 0).
    crs, store, **reader
        As :func:`overlap`.

    Returns
    -------
    QueryAnswer
        ``frame``: one row per A feature with ``within`` (bool), ``status_zh``.

    Examples
    --------
    >>> within("service_points", "canal", km=2).frame["within"].sum()  # doctest: +SKIP
    """
    from .distance import within_distance

    ga, gb = load_input(a, crs=crs, store=store, **reader), load_input(b, crs=crs, store=store, **reader)
    df = _distance_frame(ga, within_distance(ga, gb, km))
    return QueryAnswer("within", df, provenance_note(ga, gb), ga, gb, _name(a), _name(b), {"km": km})


def available(*, zone=None, min_mu: float | None = None, parcels=None, crs=None, store=None, **reader) -> QueryAnswer:
    """Candidate plots of at least ``min_mu`` 亩 in a zone, not taken by parcels nor under a constraint.

    Parameters
    ----------
    zone
        Zone id (``park.zhengjia.bearing``, ``cluster.guangping`` …); ``None`` = the four industrial clusters.
    min_mu
        Smallest plot (亩); default from ``plan_rules.json``.
    parcels
        A parcel file or GeoDataFrame (with a status field); ``None`` uses synthetic sample parcels
        and labels the answer 合成数据.
    crs, store, **reader
        As :func:`overlap`, for the parcel file.

    Returns
    -------
    QueryAnswer
        ``frame``: the plots (GeoDataFrame), largest first; ``extra["notes"]``.

    Examples
    --------
    >>> available(zone="park.zhengjia.bearing", min_mu=30).frame[["rank", "area_mu"]]  # doctest: +SKIP
    """
    import geopandas as gpd

    from .. import io as dcf_io
    from ..store.catalog import PROVENANCE_ZH
    from .availability import available_land, find_zones, synthetic_parcels

    zones = find_zones(zone, store)
    given = parcels is not None
    if parcels is None:
        parcels = synthetic_parcels(zones)
    elif not isinstance(parcels, gpd.GeoDataFrame):
        parcels = dcf_io.read_vector(parcels, crs=crs, aliases=("parcels",), **reader)
    plots = available_land(zone, parcels=parcels, min_mu=min_mu, synthetic=not given, store=store)
    zone_title = "、".join(zones["name_zh"].astype(str)) if zone else "四大工业集聚区"
    prov = str(plots.attrs.get("provenance", ""))
    zone_note = f"分区图层：{plots.attrs.get('zones_title_zh', '')}（{PROVENANCE_ZH.get(prov, prov) or '未注明'}）"
    return QueryAnswer("available", plots, zone_note, None, zones, "", "",
                       {"parcels": parcels, "notes": plots.attrs["notes"], "zone_note": zone_note,
                        "zone_title": zone_title})
