"""The public queries: :func:`overlap`, :func:`nearest`, :func:`within`, :func:`available`.

A and B are layer ids of the store, file paths (read with :func:`dcf_spatial.io.read_vector`) or
GeoDataFrames. Every query returns a :class:`QueryAnswer`: ``.frame`` (the rows, with the package's
English column names as ``--json`` gives them; the table files carry the Chinese headers), ``.note`` (where the data came from, schematic layers
named), ``.to_dict()`` (exactly what ``dcf query … --json`` prints), ``.to_file(path)`` (every row
and the totals by feature of B to .xlsx/.csv/.gpkg), ``.to_map(path)`` and ``.summary_text()`` (what
the CLI prints: the totals and the first rows).
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
                        "synthetic": "基于合成宗地数据（合成数据）", "cultivated_mu": "其中耕地（亩）"}


#: the files :meth:`QueryAnswer.to_file` writes
QUERY_OUTPUT_SUFFIXES = (".xlsx", ".csv", ".gpkg")


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

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> ans = dcf.overlap("cluster_parks", "townships")      # doctest: +SKIP
    >>> ans.frame.columns[:3].tolist()                         # doctest: +SKIP
    >>> ans.to_map("叠加.html")                                 # doctest: +SKIP
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
        """Write the answer as a table file, by suffix.

        ``available``: ``.csv`` (the candidate plots, Chinese headers), ``.geojson``/``.json`` or
        ``.gpkg`` (the plots with their geometry), ``.xlsx`` (as :meth:`to_file`). Every other kind:
        :meth:`to_file` (``.xlsx``, ``.csv``, ``.gpkg``: every row and the totals by feature of B).

        Examples
        --------
        >>> available(zone="cluster.zhengjia", min_mu=30).to_table("可用地.csv")  # doctest: +SKIP
        >>> overlap("cluster_parks", "townships").to_table("叠加.xlsx")            # doctest: +SKIP
        """
        from ..outputs_guard import guard_output

        suffix = Path(path).suffix.lower()
        if self.kind != "available" or suffix not in (".csv", ".geojson", ".json", ".gpkg"):
            return self.to_file(path, overwrite=overwrite)
        path = guard_output(Path(path), overwrite=overwrite)  # never the layer store
        plots = self.frame
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

    def rows(self, *, all_rows: bool = False):
        """The answer's rows as a table with Chinese headers: the ids and names of A and B, the
        measure and the status. For ``within`` only the features within the distance unless
        ``all_rows`` (the others are counted in :meth:`summary_text` and the file's 说明).

        Examples
        --------
        >>> overlap("cluster_parks", "townships").rows().columns[:4].tolist()  # doctest: +SKIP
        ['A 编号', 'A 名称', 'B 编号', 'B 名称']
        """
        import pandas as pd

        df = self.frame
        if self.kind == "available":
            table = df.drop(columns=df.geometry.name)
            if "synthetic" in table.columns:
                table["synthetic"] = table["synthetic"].map({True: "是", False: "否"})
            return pd.DataFrame(table).rename(columns=AVAILABLE_COLUMNS_ZH).reset_index(drop=True)
        if self.kind == "within" and not all_rows:
            df = df[df["within"].astype(bool)]
        if self.kind == "overlap":
            cols = {"a_id": "A 编号", "a_name": "A 名称", "b_id": "B 编号", "b_name": "B 名称",
                    "overlap_mu": "重叠面积（亩）", "overlap_ha": "重叠面积（公顷）", "overlap_m2": "重叠面积（平方米）",
                    "share_a": "占 A 比例", "share_b": "占 B 比例", "status_zh": "状态"}
            df = df.assign(status_zh=df["status"].map({"overlap": "有重叠", "no_overlap": "无重叠"}))
        else:
            a_ids = self.frame.get("a_id")
            df = df.assign(a_id=a_ids.loc[df.index] if a_ids is not None else None)
            cols = {"a_id": "A 编号", "a_name": "A 名称", "b_id": "B 编号", "b_name": "B 名称",
                    "distance_km": "距离（km）", "status_zh": "状态"}
            if "read_issue" in df.columns:
                cols["read_issue"] = "读取问题"
        return pd.DataFrame(df[list(cols)]).rename(columns=cols).reset_index(drop=True)

    def totals(self):
        """Totals by feature of B (for ``available``: by zone), in B's order, with Chinese headers.

        ``overlap``: the A features overlapping each B feature and the area they cover there;
        ``nearest``/``within``: the A features for which it is the nearest (within the distance),
        with the shortest and mean distance. B features that no row reaches are listed with 0.

        Examples
        --------
        >>> within("service_points", "canal", km=2).totals()  # doctest: +SKIP
        """
        import numpy as np
        import pandas as pd

        df = self.frame
        if self.kind == "available":
            zones = self.b
            g = df.groupby("zone_id", sort=False)
            out = pd.DataFrame({"分区编号": zones["id"].astype(str).to_numpy(),
                                "分区": zones["name_zh"].astype(str).to_numpy()})
            out["候选地块数"] = out["分区编号"].map(g.size()).fillna(0).astype(int)
            out["面积合计（亩）"] = out["分区编号"].map(g["area_mu"].sum()).fillna(0.0)
            out["面积合计（公顷）"] = out["分区编号"].map(g["area_ha"].sum()).fillna(0.0)
            return out
        b = self.b
        labels = feature_labels(b).to_numpy()
        id_col = _first_column(b, ID_COLUMNS)
        ids = b[id_col].astype(str).to_numpy() if id_col else np.array([str(i + 1) for i in range(len(b))], dtype=object)
        out = pd.DataFrame({"B 编号": ids, "B 名称": labels})
        if self.kind == "overlap":
            hit = df[df["status"] == "overlap"]
            g = hit.groupby("b_index")
            pos = np.arange(len(b))
            out["重叠的 A 要素数"] = pd.Series(pos).map(g["a_index"].nunique()).fillna(0).astype(int).to_numpy()
            out["重叠面积合计（亩）"] = pd.Series(pos).map(g["overlap_mu"].sum()).fillna(0.0).to_numpy()
            out["重叠面积合计（公顷）"] = pd.Series(pos).map(g["overlap_ha"].sum()).fillna(0.0).to_numpy()
            area_b = self.b.to_crs(4548).area.to_numpy() if len(b) else np.zeros(0)
            with np.errstate(divide="ignore", invalid="ignore"):
                out["占 B 比例"] = np.where(area_b > 0, out["重叠面积合计（公顷）"].to_numpy() * 10_000 / area_b, np.nan)
            return out
        hit = df[df["b_index"] >= 0]
        if self.kind == "within":
            hit = hit[hit["within"].astype(bool)]
        g = hit.groupby("b_index")
        pos = pd.Series(np.arange(len(b)))
        count = "范围内的 A 要素数" if self.kind == "within" else "以其为最近的 A 要素数"
        out[count] = pos.map(g.size()).fillna(0).astype(int).to_numpy()
        out["最近距离（km）"] = pos.map(g["distance_km"].min()).to_numpy()
        out["平均距离（km）"] = pos.map(g["distance_km"].mean()).to_numpy()
        return out

    def _unmeasured_note(self) -> str:
        """``within`` with ``distances="within"``: the features beyond were not measured."""
        if self.kind != "within" or self.extra.get("distances", "within") != "within":
            return ""
        rest = int((self.frame["status"] == "beyond").sum())
        return (f"范围外的 {rest} 个要素只判定为距离大于 {self.extra['km']:g} km，未计算其最近的 B 与距离"
                f"（状态“范围外（> {self.extra['km']:g} km）”，距离留空）；要计算请选全部距离。") if rest else ""

    def _omitted_note(self, all_rows: bool) -> str:
        if self.kind != "within" or all_rows:
            return ""
        rest = int((~self.frame["within"].astype(bool)).sum())
        return f"只列出距离不超过 {self.extra['km']:g} km 的要素；其余 {rest} 个（范围外或未计算）未列出，要全部列出请选全部行。" if rest else ""

    def to_file(self, path, *, all_rows: bool = False, overwrite: bool = False) -> Path:
        """Write every row and the totals by feature of B: ``.xlsx``, ``.csv`` or ``.gpkg``.

        ``.xlsx``: sheets 结果 (every row, with the ids and names of A and B), 按B汇总 (:meth:`totals`)
        and 说明 (the question, where the data came from, what was left out). Text cells are
        written as text (a name beginning with ``=`` stays a name, not a formula).
        ``.csv``: the rows in ``path`` and the totals beside it in ``<name>_按B汇总.csv`` (UTF-8 with BOM,
        as Excel opens it). ``.gpkg``: layer ``result`` (the rows, each with A's geometry) and layer
        ``totals_by_b`` (the totals, each with B's geometry).

        Parameters
        ----------
        path
            Output file; its suffix chooses the format.
        all_rows
            ``within`` only: also the features beyond the distance.
        overwrite
            Replace an existing file.

        Returns
        -------
        Path
            ``path``.

        Raises
        ------
        InputError
            The file exists (and not ``overwrite``) or the suffix is not one of the three.

        Examples
        --------
        >>> overlap("cluster_parks", "townships").to_file("叠加.xlsx")  # doctest: +SKIP
        PosixPath('叠加.xlsx')
        """
        import geopandas as gpd
        import pandas as pd

        from ..io.write import write_csv, write_xlsx
        from ..outputs_guard import guard_output

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in QUERY_OUTPUT_SUFFIXES:
            raise InputError(f"{path}：查询结果只能写为 {' / '.join(QUERY_OUTPUT_SUFFIXES)}，收到 {suffix or '（无扩展名）'}。")
        totals_csv = path.with_name(f"{path.stem}_按B汇总.csv")
        for p in (path, totals_csv) if suffix == ".csv" else (path,):
            guard_output(p, overwrite=overwrite)
        rows, totals = self.rows(all_rows=all_rows), self.totals()
        about = [("问题", self.title), ("数据来源", self.note)]
        if self.kind == "available":
            about += [("说明", n) for n in self.extra["notes"]]
        omitted = self._omitted_note(all_rows)
        if omitted:
            about.append(("未列出", omitted))
        unmeasured = self._unmeasured_note()
        if unmeasured:
            about.append(("未计算距离", unmeasured))
        about.append(("行数", f"结果 {len(rows)} 行；按 B 汇总 {len(totals)} 行"))
        if suffix == ".csv":
            write_csv(rows, path)
            write_csv(totals, totals_csv)
        elif suffix == ".xlsx":
            write_xlsx([("结果", rows), ("按B汇总", totals), ("说明", pd.DataFrame(about, columns=["项目", "内容"]))], path)
        else:
            if path.exists():
                path.unlink()
            if self.kind == "available":
                geoms = self.frame.geometry.to_numpy()
            else:
                import numpy as np

                if self.kind == "overlap":
                    idx = self.frame["a_index"].to_numpy()
                elif self.kind == "within" and not all_rows:
                    idx = np.flatnonzero(self.frame["within"].astype(bool).to_numpy())
                else:
                    idx = np.arange(len(self.frame))
                geoms = self.a.geometry.to_numpy()[idx]
            crs = self.frame.crs if self.kind == "available" else self.a.crs
            gpd.GeoDataFrame(rows, geometry=list(geoms), crs=crs).to_file(path, layer="result", driver="GPKG")
            gpd.GeoDataFrame(totals, geometry=list(self.b.geometry.to_numpy()), crs=self.b.crs).to_file(
                path, layer="totals_by_b", driver="GPKG")
        logger.info("Wrote %d rows and %d totals to %s", len(rows), len(totals), path)
        return path

    def summary_text(self, *, more_hint: str = "to_file()", max_rows: int = 20, all_rows: bool = False) -> str:
        """The Chinese text answer (what the CLI prints): the count line, the totals by feature of B
        and the first ``max_rows`` rows; ``more_hint`` says where the rest are found.

        Examples
        --------
        >>> print(within("service_points", "canal", km=2).summary_text())  # doctest: +SKIP
        """
        df, a, b = self.frame, self.a_name, self.b_name
        lines = []

        def more(total: int) -> None:
            if total > max_rows:
                lines.append(f"  …… 其余 {total - max_rows} 行见 {more_hint}")

        if self.kind in ("overlap", "nearest", "within"):
            totals = self.totals()
            shown = totals[totals.iloc[:, 2] > 0]
        if self.kind == "overlap":
            pairs = df[df["status"] == "overlap"]
            lines.append(f"叠加 {a}（{len(self.a)} 个要素）× {b}（{len(self.b)} 个要素）：{len(pairs)} 对重叠；"
                         f"{int((df['status'] == 'no_overlap').sum())} 个 A 要素无重叠。")
            if len(self.b) > 1 and len(shown):
                lines.append(f"按 B 汇总（{len(shown)} 个 B 要素有重叠）：")
                for r in shown.head(max_rows).itertuples(index=False):
                    lines.append(f"  {r[1]}：{r[2]} 个 A 要素，{r[3]:,.2f} 亩（{r[4]:,.2f} 公顷）")
                more(len(shown))
            listed = list(pairs.itertuples()) + list(df[df["status"] == "no_overlap"].itertuples())
            for r in listed[:max_rows]:
                if r.status == "overlap":
                    lines.append(f"  {r.a_name} × {r.b_name}：{r.overlap_mu:,.2f} 亩（{r.overlap_ha:,.2f} 公顷），"
                                 f"占 A {r.share_a * 100:.1f}%，占 B {r.share_b * 100:.1f}%")
                else:
                    lines.append(f"  {r.a_name}：无重叠")
            more(len(listed))
            lines.append(self.note)
        elif self.kind in ("nearest", "within"):
            unmeasured = int(df["status"].isin(["no_geometry", "location_unknown"]).sum())
            listed = df
            if self.kind == "within":
                km = self.extra["km"]
                rest = f"（另有 {unmeasured} 个无位置或位置未给出，未计算）" if unmeasured else ""
                lines.append(f"{a} 中距 {b} 不超过 {km:g} km 的要素：{int(df['within'].sum())} / {len(df) - unmeasured}{rest}")
                if not all_rows:
                    listed = df[df["within"].astype(bool)]
            else:
                lines.append(f"{a}（{len(df)} 个要素）到 {b} 的最近要素：")
            if len(self.b) > 1 and len(shown) and len(df) > max_rows:
                lines.append("按 B 汇总：")
                for r in shown.head(max_rows).itertuples(index=False):
                    lines.append(f"  {r[1]}：{r[2]} 个 A 要素，最近 {r[3]:,.3f} km")
                more(len(shown))
            for r in listed.head(max_rows).itertuples():
                dist = "—" if r.distance_km != r.distance_km else f"{r.distance_km:,.3f} km"
                b_label = r.b_name if isinstance(r.b_name, str) and r.b_name else "—"
                lines.append(f"  {r.a_name} → {b_label}：{dist}（{r.status_zh}）")
            more(len(listed))
            omitted = self._omitted_note(all_rows)
            if omitted:
                lines.append(omitted)
            if all_rows and self._unmeasured_note():
                lines.append(self._unmeasured_note())
            lines.append(self.note)
        else:
            plots = df
            lines.append(f"可用地候选（{self.extra['zone_title']}）：{len(plots)} 块，合计 {plots['area_mu'].sum():,.1f} 亩")
            for r in plots.head(max_rows).itertuples():
                lines.append(f"  {r.rank:>3}. {r.zone_name_zh} {r.area_mu:,.1f} 亩（{r.area_ha:,.2f} 公顷），"
                             f"距分区中心 {r.distance_km:.2f} km")
            more(len(plots))
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


#: ``status_zh`` of a row that has a geometry whose coordinates are no numbers (NaN, infinite) or no place on Earth
BAD_COORDINATES_ZH = "无几何：坐标缺失或不是数字，或超出地球范围（未计算），请核对该行坐标"


def _distance_frame(ga, df):
    import shapely

    labels = feature_labels(ga).to_numpy()
    df = df.copy()
    df.insert(0, "a_name", labels)
    if "id" in ga.columns:
        df.insert(0, "a_id", ga["id"].astype(str).to_numpy())
    df["status_zh"] = df["status"].map(DISTANCE_STATUS_ZH)
    unmeasured = (df["status"] == "no_geometry").to_numpy()
    if unmeasured.any():  # a geometry with coordinates the measure could not use (distance.unplaceable)
        g = ga.geometry.to_numpy()
        bad = unmeasured & ~(shapely.is_missing(g) | shapely.is_empty(g))
        df.loc[bad, "status_zh"] = BAD_COORDINATES_ZH
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


def within(a, b, *, km: float, distances: str = "within", crs=None, store=None, **reader) -> QueryAnswer:
    """Which features of A lie within ``km`` of B (every A feature listed, with a status).

    Parameters
    ----------
    a, b
        Layer ids, file paths or GeoDataFrames.
    km
        Distance D in km (≥ 0).
    distances
        ``"within"`` (default, fast): the nearest B and the distance only for the features within
        ``km``; the features beyond are listed with status 范围外（> D km）, no nearest B and a NaN
        (JSON ``null``) distance, and the file's 说明 says so. ``"all"``: every feature's nearest B
        and distance, also beyond ``km``. Which features are within, and their distances, are the
        same either way.
    crs, store, **reader
        As :func:`overlap`.

    Returns
    -------
    QueryAnswer
        ``frame``: one row per A feature with ``within`` (bool), ``status``, ``status_zh``;
        ``extra``: ``km``, ``distances``.

    Raises
    ------
    InputError
        ``km`` negative or ``distances`` not ``"within"``/``"all"``.

    Examples
    --------
    >>> within("service_points", "canal", km=2).frame["within"].sum()  # doctest: +SKIP
    >>> within("service_points", "canal", km=2, distances="all").frame["distance_km"]  # doctest: +SKIP
    """
    from .distance import within_distance

    ga, gb = load_input(a, crs=crs, store=store, **reader), load_input(b, crs=crs, store=store, **reader)
    df = _distance_frame(ga, within_distance(ga, gb, km, distances=distances))
    df.loc[(df["status"] == "beyond").to_numpy(), "status_zh"] = f"范围外（> {km:g} km）"
    return QueryAnswer("within", df, provenance_note(ga, gb), ga, gb, _name(a), _name(b),
                       {"km": km, "distances": distances})


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
