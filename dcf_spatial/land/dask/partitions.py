"""Partitions of an audit's input for the dask engine: what they are and how a worker reads one.

Inputs, each split into partitions without reading it whole:

* a GeoParquet file or a folder of them (one partition per file, or per row group with
  ``npartitions``);
* several vector files (SHP, GPKG … one partition each), read with :func:`dcf_spatial.io.read_vector`;
* one vector file, read in slices of features with pyogrio;
* one CSV/XLSX (coordinates or place names), read whole by the single engine's reader, then cut
  into equal shares of its rows;
* a PostGIS table ``pg:SCHEMA.TABLE`` in the store's database, read in ranges of physical pages
  (``ctid``), so each worker reads its own part from the server.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import InputError

logger = logging.getLogger(__name__)

# --- partitions of the input ---------------------------------------------------------------------
@dataclass(frozen=True)
class Partition:
    """One readable slice of the input: ``kind`` says how, the rest where."""

    kind: str  # "parquet", "file", "slice", "pg", "rows" (share ``start`` of ``stop`` of a table's rows)
    path: str
    start: int = 0  # parquet row group / first feature / first page
    stop: int | None = None
    label: str = ""


def plan_partitions(source, *, npartitions: int | None = None, store=None, option: str = "--parcels",
                    table: bool = False) -> list[Partition]:
    """Split ``source`` into :class:`Partition` s (see the module docstring for what ``source`` may be).

    ``option`` names the input in messages; ``table=True`` (the enterprise table) reads a single
    CSV/XLSX file as one partition instead of in feature slices.
    """
    if isinstance(source, (list, tuple)):
        if len(source) == 1:
            return plan_partitions(source[0], npartitions=npartitions, store=store, option=option, table=table)
        if any(str(p).startswith("pg:") for p in source):
            raise InputError(f"{option}：pg:SCHEMA.TABLE 只能单独给出一个，不能与文件混用。")
        paths = [Path(p) for p in source]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise InputError(f"{option}：文件不存在：{'、'.join(missing)}。请检查路径和文件名（含扩展名）。")
        parts = []
        for p in paths:
            parts += plan_partitions(p, npartitions=None, store=store, option=option) \
                if p.suffix == ".parquet" or (p.is_dir() and p.suffix != ".gdb") \
                else [Partition("file", str(p), label=p.name)]
        return parts
    text = str(source)
    if text.startswith("pg:"):
        return _pg_partitions(text, npartitions or 8, store)
    path = Path(source)
    if not path.exists():
        raise InputError(f"{option}：文件或文件夹不存在：{path}。请检查路径和文件名（含扩展名）。")
    if path.is_dir() and not path.suffix == ".gdb":
        files = sorted(path.glob("*.parquet"))
        if not files:
            raise InputError(f"{option}：文件夹 {path} 中没有 .parquet 文件（分区的 GeoParquet 数据集是一个放着若干 "
                             ".parquet 文件的文件夹）；单个 SHP/GPKG 文件请直接给出文件路径。")
        return [Partition("parquet", str(f), label=f.name) for f in files]
    if table and path.suffix.lower() != ".parquet":
        return [Partition("file", str(path), label=path.name)]
    if _tabular(path):
        # a CSV/XLSX of coordinates (or a 供地 ledger placed by name) is read whole, by the single engine's
        # reader, then cut: partition i of k is the i-th of k equal shares of its rows. Its rows are
        # only known after reading (coordinate columns, header row, encoding), and its checks (all rows
        # outside China, the row numbers in the notes) are the whole file's; each partition reading
        # the file again is the price, so two by default
        k = max(1, npartitions or 2)
        return [Partition("rows", str(path), start=i, stop=k, label=f"{path.name}（第 {i + 1}/{k} 份）")
                for i in range(k)]
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        groups = pq.ParquetFile(path).num_row_groups
        return [Partition("parquet", str(path), start=g, stop=g + 1, label=f"{path.name}#{g}") for g in range(groups)]
    import pyogrio

    n = pyogrio.read_info(path)["features"]
    k = max(1, min(npartitions or 8, n or 1))
    bounds = np.linspace(0, n, k + 1).astype(int)
    return [Partition("slice", str(path), start=int(a), stop=int(b), label=f"{path.name}[{a}:{b}]")
            for a, b in zip(bounds[:-1], bounds[1:])]


def _tabular(path) -> bool:
    """Whether ``path`` is a table (CSV/TXT/XLSX) rather than a vector file."""
    from ...io.formats import _TABULAR, _format_of

    try:
        return _format_of(Path(path)) in _TABULAR
    except InputError:
        return False


def _pg_partitions(spec: str, n: int, store) -> list[Partition]:
    from ...io.pg import pg_table_pages

    pages = pg_table_pages(spec, store=store)
    bounds = np.linspace(0, pages + 1, n + 1).astype(int)
    return [Partition("pg", spec, start=int(a), stop=int(b), label=f"{spec} pages {a}–{b}")
            for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def read_partition(part: Partition, *, field_map=None, crs=None, store=None):
    """Read one partition with the parcel aliases applied (宗地代码 → parcel_id …)."""
    import geopandas as gpd

    from ... import io as dcf_io

    if part.kind == "rows" or (part.kind == "file" and _tabular(part.path)):
        from ..parcels import read_parcel_rows

        # the single engine's reader: coordinates or place names, the same checks and notes per row
        gdf = read_parcel_rows(part.path, crs=crs, field_map=field_map, store=store)
        if part.kind == "rows":
            bounds = np.linspace(0, len(gdf), part.stop + 1).astype(int)
            lines = gdf.attrs.get("row_numbers")
            gdf = gdf.iloc[bounds[part.start]:bounds[part.start + 1]]
            if lines is not None:  # the table's own line numbers (原表行号, blank lines counted), this share's
                gdf.attrs["row_numbers"] = list(lines[bounds[part.start]:bounds[part.start + 1]])
        return gdf
    if part.kind == "file":
        return dcf_io.read_vector(part.path, crs=crs, field_map=field_map, aliases="parcels")
    if part.kind == "parquet":
        if part.stop is None:
            gdf = gpd.read_parquet(part.path)
        else:
            import pyarrow.parquet as pq

            table = pq.ParquetFile(part.path).read_row_groups(list(range(part.start, part.stop)))
            gdf = gpd.GeoDataFrame.from_arrow(table)
    elif part.kind == "slice":
        import pyogrio

        gdf = pyogrio.read_dataframe(part.path, skip_features=part.start, max_features=part.stop - part.start)
    elif part.kind == "pg":
        from ...io.pg import read_pg_table

        # stop None: the whole table (a single-process read of pg:SCHEMA.TABLE)
        gdf = read_pg_table(part.path, store=store, pages=None if part.stop is None else (part.start, part.stop))
    else:  # pragma: no cover - plan_partitions makes only the kinds above
        raise ValueError(part.kind)
    # GeoParquet and PostGIS inputs carry a CRS; they are put in the storage CRS, and empty or invalid
    # geometries are flagged and repaired per row, rows outside China or far from Dongchangfu flagged,
    # as read_vector does for the single engine (the same notes in ``problems``, row for row); a
    # partition all outside China is flagged, not refused: the other partitions may be inside.
    from ...crs import to_storage

    try:
        gdf = to_storage(gdf.reset_index(drop=True), crs=crs)
    except InputError as exc:
        raise InputError(f"{part.label}：{exc}") from None
    gdf = dcf_io.check_rows(gdf, where=part.label, notes=[], whole=False,
                            row_label=lambda p: f"{part.label} 第 {p + 1} 条")
    out, _notes = dcf_io.apply_aliases(gdf, "parcels", field_map)
    return out


def read_table_partition(part: Partition, *, field_map=None, store=None) -> pd.DataFrame:
    """One partition of the enterprise table (no geometry needed), ``enterprises`` aliases applied."""
    from ... import io as dcf_io

    if part.kind == "file":
        return dcf_io.read_table(part.path, field_map=field_map, aliases="enterprises")
    if part.kind == "parquet":
        import pyarrow.parquet as pq

        f = pq.ParquetFile(part.path)
        groups = range(f.num_row_groups) if part.stop is None else range(part.start, part.stop)
        df = f.read_row_groups(list(groups)).to_pandas()
    elif part.kind == "pg":
        df = _read_pg_rows(part, store)
    else:
        import pyogrio

        df = pd.DataFrame(pyogrio.read_dataframe(part.path, skip_features=part.start,
                                                 max_features=part.stop - part.start, read_geometry=False))
    out, _notes = dcf_io.apply_aliases(df.reset_index(drop=True), "enterprises", field_map)
    return out


def _read_pg_rows(part: Partition, store) -> pd.DataFrame:
    """The rows of a ``pg:`` enterprise table in the partition's pages, with or without a geometry column."""
    from ...io.pg import read_pg_rows

    return read_pg_rows(part.path, store=store, pages=None if part.stop is None else (part.start, part.stop))


def input_source(values):
    """The parcels or enterprises value(s) as given on the command line, as an engine's input: one path or
    ``pg:SCHEMA.TABLE`` as given, several as a list of paths."""
    values = [str(v) for v in (values if isinstance(values, (list, tuple)) else [values])]
    return values[0] if len(values) == 1 else values

