"""The bureau's audits at city or province scale: partitions on a ``dask.distributed`` cluster.

:func:`run_idle_audit_dask` (闲置土地) and :func:`run_efficiency_dask` (亩产效益, whose class cuts
are settled over all enterprises in a second step: see its docstring) are the engines behind
``dcf audit idle|efficiency --engine dask``; :func:`describe_idle` and :func:`describe_efficiency`
give the Chinese lines the CLI prints.

:func:`run_idle_audit_dask` runs the same functions as the single-process engine
(:func:`~dcf_spatial.land.parcels.validate_parcels`, :func:`~dcf_spatial.land.idle_audit.audit_idle`,
:func:`~dcf_spatial.land.zones.join_zones`) on each partition of the input, on a cluster
(``scheduler`` address, or a ``LocalCluster`` started here), and writes one GeoParquet file per
partition. Only small things travel back to the client: row counts, duplicate parcel ids, status
counts and the per-partition summaries (by status, township, cluster, park) from which the single
engine's Excel workbook is written, with the rows of its capped list read back on the workers;
the HTML map draws the parcels up to the map's cap, above it townships and clusters.

Results are identical, row for row, to the single-process engine. Two things depend on the whole
input and are settled before the partitions run:

* ``row`` — the 1-based row in the input: a first pass counts each partition's rows and gives
  each partition its offset;
* duplicate parcel ids (reported with their total count, never merged): the same first pass
  collects every partition's ids; rows whose id occurs more than once anywhere are taken out of
  their partitions and validated together in one extra partition, so they are reported exactly
  as in one process.

Inputs, each split into partitions without reading it whole:

* a GeoParquet file or a folder of them (one partition per file, or per row group with
  ``npartitions``);
* several vector files (SHP, GPKG … one partition each), read with :func:`dcf_spatial.io.read_vector`;
* one vector file, read in slices of features with pyogrio;
* a PostGIS table ``pg:SCHEMA.TABLE`` in the store's database, read in ranges of physical pages
  (``ctid``), so each worker reads its own part from the server.

The work is scheduled with ``dask.distributed`` futures (one task per partition and pass), not
with a dask-geopandas frame: the steps are the single-process functions unchanged, whose output
columns depend on the data (a frame would need its schema guessed up front), and the duplicate
ids need one global look rather than a shuffle of every row. ``distributed`` is imported lazily:
the rest of the package never needs it.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)

ROW_COLUMN = "_dcf_input_row"
RESULT_FOLDER = "idle_audit.parquet"
SUMMARY_FILE = "idle_audit_summary.json"
#: how long to wait for a ``--scheduler`` to answer
SCHEDULER_TIMEOUT_S = 10
VECTOR_SUFFIXES = {".shp", ".gpkg", ".geojson", ".json", ".kml", ".fgb", ".gdb", ".csv", ".xlsx"}


# --- partitions of the input ---------------------------------------------------------------------
@dataclass(frozen=True)
class Partition:
    """One readable slice of the input: ``kind`` says how, the rest where."""

    kind: str  # "parquet", "file", "slice", "pg"
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


def _pg_partitions(spec: str, n: int, store) -> list[Partition]:
    from ..io.pg import pg_table_pages

    pages = pg_table_pages(spec, store=store)
    bounds = np.linspace(0, pages + 1, n + 1).astype(int)
    return [Partition("pg", spec, start=int(a), stop=int(b), label=f"{spec} pages {a}–{b}")
            for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def read_partition(part: Partition, *, field_map=None, crs=None, store=None):
    """Read one partition with the parcel aliases applied (宗地代码 → parcel_id …)."""
    import geopandas as gpd

    from .. import io as dcf_io

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
        from ..io.pg import read_pg_table

        # stop None: the whole table (a single-process read of pg:SCHEMA.TABLE)
        gdf = read_pg_table(part.path, store=store, pages=None if part.stop is None else (part.start, part.stop))
    else:  # pragma: no cover - plan_partitions makes only the kinds above
        raise ValueError(part.kind)
    # GeoParquet and PostGIS inputs carry a CRS; they are put in the storage CRS, and empty or invalid
    # geometries are flagged and repaired per row, as read_vector does for files. Not the distance to
    # Dongchangfu: a city- or province-wide run is far from the district by design.
    from ..crs import to_storage

    try:
        gdf = to_storage(gdf.reset_index(drop=True), crs=crs)
    except InputError as exc:
        raise InputError(f"{part.label}：{exc}") from None
    gdf = dcf_io.check_rows(gdf, where=part.label, notes=[], location=False,
                            row_label=lambda p: f"{part.label} 第 {p + 1} 条")
    out, _notes = dcf_io.apply_aliases(gdf, "parcels", field_map)
    return out


# --- the two passes --------------------------------------------------------------------------------
def _ids_of(part: Partition, field_map, crs, store) -> tuple[int, pd.Series]:
    """First pass: the partition's row count and its normalised parcel ids."""
    from .parcels import _blank_to_na

    gdf = read_partition(part, field_map=field_map, crs=crs, store=store)
    ids = _blank_to_na(gdf["parcel_id"]) if "parcel_id" in gdf.columns else pd.Series(pd.NA, index=gdf.index)
    return len(gdf), ids.reset_index(drop=True)


def _audit_frame(gdf, rows: np.ndarray, *, as_of, rules, store, code_system):
    """The single-process engine's steps on one frame, with the global input rows put back."""
    from . import idle_audit
    from .parcels import validate_parcels
    from .zones import join_zones

    data = validate_parcels(gdf, source="partition", code_system=code_system)
    data["row"] = rows
    result = idle_audit.audit_idle(data, as_of=as_of, rules=rules)
    zones = join_zones(result, store=store)
    for c in zones.columns:
        result[c] = zones[c].to_numpy() if not isinstance(zones[c].dtype, pd.StringDtype) else zones[c].array
    result.attrs["layers_used"] = zones.attrs.get("layers_used", [])
    return result


def _write(result, path: Path) -> None:
    result.to_parquet(path, index=False)


def _partition_summary(result, out: str, workbook: bool = True) -> dict:
    """What a written partition sends back: counts and, with ``workbook``, the small tables the
    idle-audit workbook is made of (status and zone summaries, which add up across partitions; the
    rows that may go on the workbook's capped list, as keys only: row, status, problem flag, area)."""
    from .idle_audit import ACTION_STATUSES, summarize
    from .outputs import rejected_rows, status_table

    from .workflow import synthetic_flags

    base = {"rows": len(result), "counts": result["status"].value_counts().to_dict(), "file": out,
            "areas": result.groupby("status")["area_mu"].sum().to_dict(), "fee_wan": float(result["fee_wan"].sum()),
            "synthetic": int(synthetic_flags(result).sum()), "layers_used": result.attrs.get("layers_used", []),
            "tables": {}, "list_keys": None}
    if not workbook:
        return base
    has_problem = (result["problems"].astype(str) != "").to_numpy()
    rejected = rejected_rows(result)
    need = result["status"].isin(ACTION_STATUSES).to_numpy() | has_problem | rejected
    keys = pd.DataFrame({"row": result["row"].to_numpy(dtype=np.int64)[need],
                         "status": result["status"].to_numpy()[need], "has_problem": has_problem[need],
                         "rejected": rejected[need], "area_mu": result["area_mu"].to_numpy(dtype=float)[need]})
    tables = {"_status": status_table(result),
              **{key: summarize(result, by=[key]) for key in ZONE_KEYS if key in result.columns}}
    return {**base, "tables": tables, "list_keys": keys}


_EMPTY = {"rows": 0, "counts": {}, "file": None, "synthetic": 0, "layers_used": [], "areas": {}, "fee_wan": 0.0,
          "tables": {}, "list_keys": None}
#: the zone columns the workbook summarises by (as the single engine's workbook)
ZONE_KEYS = ("township_zh", "cluster_zh", "park_zh")


def _audit_partition(part: Partition, offset: int, dup_ids: frozenset, out: str, *, field_map, crs, store,
                     as_of, rules, code_system, workbook: bool = True):
    """Second pass: audit the partition's rows whose id is unique; hand back the duplicates."""
    from .parcels import _blank_to_na

    gdf = read_partition(part, field_map=field_map, crs=crs, store=store).reset_index(drop=True)
    rows = offset + np.arange(1, len(gdf) + 1)
    ids = _blank_to_na(gdf["parcel_id"]) if "parcel_id" in gdf.columns else pd.Series(pd.NA, index=gdf.index)
    dup = ids.isin(dup_ids).fillna(False).to_numpy(dtype=bool)
    held = gdf.loc[dup].assign(**{ROW_COLUMN: rows[dup]})
    keep = ~dup
    if not keep.any():
        return dict(_EMPTY), held
    result = _audit_frame(gdf.loc[keep].reset_index(drop=True), rows[keep], as_of=as_of, rules=rules,
                          store=store, code_system=code_system)
    _write(result, Path(out))
    return _partition_summary(result, out, workbook), held


def _audit_duplicates(held_frames, out: str, *, store, as_of, rules, code_system, workbook: bool = True):
    import geopandas as gpd

    frames = [h for h in held_frames if len(h)]
    if not frames:
        return dict(_EMPTY)
    crs = frames[0].crs
    held = pd.concat([f.to_crs(crs) if f.crs != crs else f for f in frames], ignore_index=True)
    held = gpd.GeoDataFrame(held, geometry=frames[0].geometry.name, crs=crs).sort_values(ROW_COLUMN, kind="stable")
    rows = held[ROW_COLUMN].to_numpy()
    result = _audit_frame(held.drop(columns=ROW_COLUMN).reset_index(drop=True), rows, as_of=as_of, rules=rules,
                          store=store, code_system=code_system)
    _write(result, Path(out))
    return _partition_summary(result, out, workbook)


def _store_of(store) -> str:
    """The layer store as text, passed to every task: worker processes do not share this process's
    active store (set by ``dcf --store`` or ``Store(...).activate()``)."""
    from ..store.locate import resolve_store

    return str(resolve_store(store))


def _client(scheduler, n_workers, dashboard: bool):
    from distributed import Client, LocalCluster

    # distributed logs each worker's start and stop at INFO; show them only when this run is verbose
    root_level = logging.getLogger().getEffectiveLevel()
    logging.getLogger("distributed").setLevel(max(root_level, logging.INFO))

    if scheduler:
        try:
            return Client(scheduler, timeout=SCHEDULER_TIMEOUT_S), None
        except (OSError, TimeoutError) as exc:
            raise InputError(f"--scheduler：{SCHEDULER_TIMEOUT_S} 秒内 {scheduler} 没有 dask 调度器应答"
                             f"（{exc.__class__.__name__}）。请先启动集群（`dask scheduler`，再 `dask worker 地址`），"
                             "或去掉 --scheduler，在本机启动 LocalCluster。") from None
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                           dashboard_address=":0" if dashboard else None)
    return Client(cluster), cluster


def _check_free(paths, overwrite: bool) -> None:
    for p in paths:
        if p.exists() and not overwrite:
            raise InputError(f"--output：{p} 已存在。加 --overwrite 可替换。")


def _fresh_folder(folder: Path) -> None:
    if folder.exists():
        for f in folder.glob("*.parquet"):
            f.unlink()
    folder.mkdir(parents=True, exist_ok=True)


def _audit_parcels_on(client, parts, folder: Path, *, field_map, crs, store, as_of, rules, code_system,
                      progress: bool, workbook: bool = True):
    """The two passes of the idle audit over ``parts`` on ``client``; one GeoParquet per partition in ``folder``.

    Returns ``(sizes, dup_ids, results)``: input rows per partition, the duplicated parcel ids and
    one summary per written file (rows, status counts, file, synthetic rows, layers used and, with
    ``workbook``, the tables the idle-audit workbook is made of).
    """
    from distributed import progress as show_progress

    first = client.map(_ids_of, parts, field_map=field_map, crs=crs, store=store, pure=False)
    if progress:
        _bar(show_progress, first)
    counted = client.gather(first)
    sizes = [n for n, _ in counted]
    all_ids = pd.concat([ids for _, ids in counted], ignore_index=True)
    vc = all_ids.dropna().value_counts()
    dup_ids = frozenset(vc.index[vc > 1])
    offsets = np.r_[0, np.cumsum(sizes)[:-1]].astype(int)
    _fresh_folder(folder)
    common = dict(field_map=field_map, crs=crs, store=store, as_of=as_of, rules=rules, code_system=code_system,
                  workbook=workbook)
    second = [client.submit(_audit_partition, part, int(off), dup_ids, str(folder / f"part-{i:05d}.parquet"),
                            pure=False, **common)
              for i, (part, off) in enumerate(zip(parts, offsets))]
    summaries = [client.submit(lambda pair: pair[0], f, pure=False) for f in second]
    helds = [client.submit(lambda pair: pair[1], f, pure=False) for f in second]
    dups = client.submit(_audit_duplicates, helds, str(folder / f"part-{len(parts):05d}-duplicates.parquet"),
                         store=store, as_of=as_of, rules=rules, code_system=code_system, workbook=workbook,
                         pure=False)
    if progress:
        _bar(show_progress, second + [dups])
    results = client.gather(summaries) + [client.gather(dups)]
    n_rows = int(sum(r["rows"] for r in results))
    if n_rows != int(sum(sizes)):  # nothing is lost: every input row is in exactly one output file
        raise RuntimeError(f"dask 引擎写出 {n_rows} 行，而输入为 {sum(sizes)} 行（程序错误，请报告）")
    return sizes, dup_ids, results


def _layers_used(results) -> list[dict]:
    return next((r["layers_used"] for r in results if r.get("layers_used")), [])


def _synthetic_line(n: int) -> str:
    from .workflow import synthetic_note

    return synthetic_note(pd.DataFrame({"synthetic": np.ones(n, dtype=bool)}))


# --- the files the bureau hands on: workbook and map, made from the partitions ----------------------
def merge_tables(results, key: str) -> pd.DataFrame | None:
    """One summary table of all partitions: the partitions' ``tables[key]`` added up (counts,
    areas and fees are sums, so the whole's table is the sum of the parts'); None if none has it."""
    frames = [r["tables"][key] for r in results if key in (r.get("tables") or {})]
    if not frames:
        return None
    if key == "_status":
        return pd.concat(frames).groupby(level=0).sum()
    out = pd.concat(frames, ignore_index=True).groupby(key, sort=True).sum(numeric_only=True).reset_index()
    return out[frames[0].columns]


def _excel_rows(path: str, rows, columns) -> pd.DataFrame:
    """The workbook's list columns (no geometry) of one partition file: all rows, or those in ``rows``."""
    import pyarrow.parquet as pq

    names = set(pq.read_schema(path).names)
    df = pd.read_parquet(path, columns=[c for c in columns if c in names])
    return df if rows is None else df[df["row"].isin(rows)]


def _idle_workbook(client, results, path: Path, *, n: int, max_rows: int, notes: list[str], data_note: str,
                   where: str) -> dict:
    """Write the idle-audit workbook with the single engine's sheet builders.

    The summaries are the partitions' tables added up (:func:`merge_tables`); the list and the
    problem rows are picked on the client from the partitions' candidate keys
    (:func:`~dcf_spatial.land.outputs.pick_list_rows`, as the single engine picks), and only those
    rows (at most ``2 × max_rows``) are read back from the partition files, on the workers.
    """
    from . import outputs

    written = [r for r in results if r["file"]]
    empty_keys = pd.DataFrame({"row": pd.Series([], dtype="int64"), "status": pd.Series([], dtype=object),
                               "has_problem": pd.Series([], dtype=bool), "rejected": pd.Series([], dtype=bool),
                               "area_mu": pd.Series([], dtype=float),
                               "_part": pd.Series([], dtype="int64")})
    keys = pd.concat([empty_keys] + [r["list_keys"].assign(_part=i) for i, r in enumerate(written)], ignore_index=True)
    keys = keys.sort_values("row", kind="stable").reset_index(drop=True)
    need = 0
    if n <= max_rows:
        list_rows = None
    else:
        pos, need = outputs.pick_list_rows(keys["status"].to_numpy(), keys["has_problem"].to_numpy(),
                                           keys["area_mu"].to_numpy(), max_rows=max_rows)
        list_rows = keys.iloc[pos]
    problem = keys[keys["rejected"]]
    problem_rows = problem.iloc[:max_rows]
    wanted = [None if list_rows is None else
              np.union1d(list_rows.loc[list_rows["_part"] == i, "row"], problem_rows.loc[problem_rows["_part"] == i, "row"])
              for i in range(len(written))]
    columns = ["row"] + [c for c in outputs.EXCEL_LIST_COLUMNS if c != "row"]
    frames = client.gather(client.map(_excel_rows, [r["file"] for r in written], wanted, columns=columns, pure=False))
    table = pd.concat(frames or [pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})], ignore_index=True)
    table = table.sort_values("row", kind="stable").reset_index(drop=True)
    listed = table if list_rows is None else table[table["row"].isin(list_rows["row"])]
    rejected = table[table["row"].isin(problem_rows["row"])]
    note = outputs.list_note(n, max_rows=max_rows, listed=len(listed), need=need, where=where)
    summaries = {k: merge_tables(written, k) for k in ZONE_KEYS}
    by_status = merge_tables(written, "_status")
    if by_status is None:  # no parcel at all: a workbook of zeros, as the single engine writes
        by_status = pd.DataFrame({"count": [], "area_mu": [], "fee_wan": []}, index=pd.Index([], name="status"))
    outputs.write_idle_workbook(path, by_status=by_status,
                                summaries={k: v for k, v in summaries.items() if v is not None},
                                listed=listed, list_note=note, rejected=rejected, n_rejected=len(problem),
                                n_total=n, notes=notes, max_list_rows=max_rows, data_note=data_note, where=where)
    return {"listed": len(listed), "rejected": len(problem)}


def _short_synthetic(n_synthetic: int) -> str:
    from .workflow import _short_synthetic as short

    return short(pd.DataFrame({"synthetic": [n_synthetic > 0]}))


def _summary_map_note(n: int, max_features: int, folder: Path, shown: str = "各状态宗数") -> str:
    return (f"共 {n:,} 宗，多于逐宗绘制上限 {max_features:,} 宗：本图不画宗地，按镇（街道）和工业集聚区汇总着色，"
            f"点击区域查看{shown}；逐宗结果见 {folder.name}/（GeoParquet）与 Excel 工作簿")


def run_idle_audit_dask(parcels, out_dir, *, as_of, scheduler: str | None = None, npartitions: int | None = None,
                        n_workers: int = 2, field_map=None, crs=None, code_system: str = "auto", store=None,
                        rules: dict | None = None, overwrite: bool = False, progress: bool = False,
                        write_map: bool = True, basemap: str = "none") -> dict:
    """Audit every parcel of a partitioned input on a dask cluster; write one GeoParquet per partition,
    the single engine's Excel workbook and an HTML map.

    Parameters
    ----------
    parcels
        A GeoParquet file or folder, a list of vector files, one vector file, or ``"pg:SCHEMA.TABLE"``.
    out_dir
        Receives ``idle_audit.parquet/`` (the audited parcels, one file per partition, each row with
        its input ``row``: the complete result), ``idle_audit.xlsx`` (the single engine's sheets:
        summaries by status, township, cluster and park computed from all partitions, the list —
        complete up to ``excel.max_list_rows`` of the rules, else the parcels that need action,
        saying where the complete list is — and the problem rows), ``idle_audit_map.html`` and
        ``idle_audit_summary.json`` (counts, timings, notes).
    scheduler
        Address of a running ``dask.distributed`` scheduler (``tcp://host:8786``); default: a
        ``LocalCluster`` of ``n_workers`` single-threaded processes, closed at the end.
    progress
        Show a progress bar on stderr (``distributed.progress``).
    write_map, basemap
        The map: up to ``map.max_features`` parcels (the rules) each parcel coloured by status, as
        the single engine draws them; above, townships and clusters coloured by their share of idle
        parcels, the counts per status in each popup (the legend says so).

    Returns
    -------
    dict with ``files`` (the GeoParquet partition files), ``excel``, ``map``, ``counts`` (status ->
    parcels), ``rows``, ``partitions``, ``dashboard``, ``scheduler``, ``duplicate_ids``, ``timings``
    and ``notes``.
    """
    from . import idle_audit, outputs
    from .workflow import IDLE_FILES
    from .zones import METHOD_ZH

    rules = rules or idle_audit.load_rules()
    as_of = idle_audit.parse_as_of(as_of)
    store = _store_of(store)
    out_dir = Path(out_dir)
    folder, summary_path = out_dir / RESULT_FOLDER, out_dir / SUMMARY_FILE
    excel_path = out_dir / IDLE_FILES["excel"]
    map_path = out_dir / IDLE_FILES["map"] if write_map else None
    _check_free([p for p in (folder, summary_path, excel_path, map_path) if p is not None], overwrite)
    t0 = time.perf_counter()
    parts = plan_partitions(parcels, npartitions=npartitions, store=store)
    client, cluster = _client(scheduler, n_workers, dashboard=True)
    try:
        dashboard, address = client.dashboard_link, client.scheduler.address
        logger.warning("dask: %d partitions on %s; dashboard %s", len(parts), address, dashboard)
        t1 = time.perf_counter()
        sizes, dup_ids, results = _audit_parcels_on(client, parts, folder, field_map=field_map, crs=crs, store=store,
                                                    as_of=as_of, rules=rules, code_system=code_system,
                                                    progress=progress)
        t2 = time.perf_counter()
        counts = pd.Series(dtype=int)
        for r in results:
            counts = counts.add(pd.Series(r["counts"], dtype=int), fill_value=0)
        counts = counts.reindex(idle_audit.STATUS_ORDER, fill_value=0).astype(int)
        areas = pd.Series(dtype=float)
        for r in results:
            areas = areas.add(pd.Series(r["areas"], dtype=float), fill_value=0)
        n_rows = int(sum(r["rows"] for r in results))
        files = [r["file"] for r in results if r["file"]]
        layers_used = _layers_used(results)
        n_synthetic = sum(r["synthetic"] for r in results)
        max_rows = int(rules["excel"]["max_list_rows"])
        where = f"GeoParquet 文件夹 {folder.name}/（{len(files)} 个分区文件，共 {n_rows:,} 行，row 列为输入行号）"
        notes = [
            f"东昌府区闲置土地审计（审计基准日 {as_of:%Y-%m-%d}），dask 分区计算：{len(parts)} 个输入分区，"
            f"{n_rows:,} 条记录，每条输入记录恰好一条结论（按 row 列对应输入行号）。",
            f"依据{rules['regulation_zh']}第二条、第八条、第十四条。期间计算：{rules['period_rule_zh']}",
            f"重复宗地代码 {len(dup_ids):,} 个，相关记录集中在一个分区内统一核查，均保留、未合并。",
            _synthetic_line(n_synthetic),
            "区域归属：完全位于某区内的宗地直接归属；跨界宗地按面积最大者归属（面积在 EPSG:4548 中量算），归属方式见清单“镇街归属方式”等列"
            f"（{'；'.join(f'{k}={v}' for k, v in METHOD_ZH.items())}）。",
            *outputs.layers_note(layers_used),
            f"完整结果：{where}。工作簿各汇总表由全部分区的汇总相加得出，合计等于 GeoParquet 的合计；"
            f"清单上限 {max_rows:,} 行（Excel 单表上限 1,048,576 行），超出时清单只列需处置或需核实的宗地。",
        ]
        listed = _idle_workbook(client, results, excel_path, n=n_rows, max_rows=max_rows, notes=notes, where=where,
                                data_note=outputs.sheet_note(layers_used, _short_synthetic(n_synthetic) + "。"))
        t3 = time.perf_counter()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    map_kind = None
    if map_path is not None:
        max_features = int(rules["map"]["max_features"])
        note = outputs.idle_map_note(layers_used, _short_synthetic(n_synthetic))
        if not files:
            logger.warning("未写出 HTML 地图：输入中没有宗地")
            written = None
        elif n_rows <= max_features:  # few parcels: the single engine's map, parcel by parcel
            written = outputs.write_idle_parcel_map(_read_folder(folder), map_path, as_of=as_of,
                                                    max_features=max_features, note=note, overwrite=overwrite,
                                                    basemap=basemap)
            map_kind = "parcels"
        else:
            tables = {}
            for kind, key in (("township", "township_zh"), ("cluster", "cluster_zh")):
                t = merge_tables(results, key)
                if t is not None:
                    tables[kind] = t.assign(idle_share=t["idle_count"] / t["total"].where(t["total"] > 0))
            popup = {"total": "宗地数", **{s: idle_audit.STATUS_ZH[s] for s in idle_audit.STATUS_ORDER},
                     "idle_count": "闲置宗地数（不含政府原因）", "idle_area_mu": "闲置面积（亩）",
                     "area_mu": "宗地面积合计（亩）", "fee_wan": "土地闲置费合计（万元）"}
            written = outputs.write_zone_summary_map(
                tables, map_path, title=f"闲置土地审计（基准日 {as_of:%Y-%m-%d}）：镇街与集聚区汇总",
                share_col="idle_share", count_col="total", high="闲置", what="闲置宗地占比", popup_fields=popup,
                note=_summary_map_note(n_rows, max_features, folder) + "；" + note, store=store,
                cuts=rules["map"].get("zone_share_cuts", outputs.ZONE_SHARE_CUTS), overwrite=overwrite,
                basemap=basemap)
            map_kind = "zones"
        if written is None:
            map_path, map_kind = None, None
    t4 = time.perf_counter()
    summary = {"as_of": f"{as_of:%Y-%m-%d}", "rows": n_rows, "partitions": len(parts), "counts": counts.to_dict(),
               "area_mu": {k: round(float(v), 4) for k, v in areas.items()},
               "fee_wan": round(sum(r["fee_wan"] for r in results), 4),
               "files": files, "folder": str(folder), "excel": str(excel_path),
               "excel_listed": listed["listed"], "excel_rejected": listed["rejected"],
               "map": str(map_path) if map_path is not None else None, "map_kind": map_kind,
               "summary_file": str(summary_path), "dashboard": dashboard, "scheduler": address,
               "duplicate_ids": len(dup_ids), "layers_used": layers_used,
               "timings": {"start_cluster": round(t1 - t0, 3), "audit": round(t2 - t1, 3), "excel": round(t3 - t2, 3),
                           "map": round(t4 - t3, 3), "total": round(t4 - t0, 3)},
               "notes": notes}
    summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    logger.info("dask idle audit: %d parcels in %d partitions, %.1f s", n_rows, len(parts), t4 - t0)
    return summary


# --- the efficiency audit (亩产效益) ----------------------------------------------------------------
EFFICIENCY_ENTERPRISES = "efficiency_enterprises.parquet"
EFFICIENCY_PARCELS = "efficiency_parcels.parquet"
EFFICIENCY_SUMMARY = "efficiency_summary.json"
#: the per-parcel columns the enterprise side needs: land areas, largest parcel's zones, 低效用地
SLIM_COLUMNS = ("row", "credit_code", "area_mu", "township_zh", "cluster_zh", "park_zh", "status")


def _read_table_partition(part: Partition, *, field_map=None, store=None) -> pd.DataFrame:
    """One partition of the enterprise table (no geometry needed), ``enterprises`` aliases applied."""
    from .. import io as dcf_io

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
    from ..io.pg import read_pg_rows

    return read_pg_rows(part.path, store=store, pages=None if part.stop is None else (part.start, part.stop))


def _slim(path: str) -> pd.DataFrame:
    """The columns of an audited partition the enterprise side needs (no geometry)."""
    df = pd.read_parquet(path, columns=list(SLIM_COLUMNS))
    for c in ("township_zh", "cluster_zh", "park_zh", "status"):
        df[c] = df[c].astype("category")
    return df


def _mark_low(path: str, latest: pd.DataFrame) -> dict:
    """Third pass: add ``low_efficiency`` and ``eff_class_zh`` to an audited partition, as the
    single-process engine does (``latest``: each credit code's class in its latest year)."""
    import geopandas as gpd

    from . import efficiency

    gdf = gpd.read_parquet(path)
    low = efficiency.low_efficiency_parcels(gdf, latest)
    gdf["low_efficiency"] = low.to_numpy()
    cmap = latest.set_index("credit_code")["eff_class_zh"]
    gdf["eff_class_zh"] = gdf["credit_code"].astype("string").str.upper().map(cmap).astype("string").fillna("无企业记录")
    _write(gdf, Path(path))
    return {"rows": len(gdf), "low": int((low != "").sum())}


def run_efficiency_dask(enterprises, out_dir, *, parcels=None, as_of=None, scheduler: str | None = None,
                        npartitions: int | None = None, n_workers: int = 2, scoring=None, field_map=None,
                        parcel_field_map=None, crs=None, code_system: str = "auto", store=None,
                        overwrite: bool = False, progress: bool = False, write_map: bool = True,
                        basemap: str = "none") -> dict:
    """亩产效益 classes on a dask cluster, identical row for row to :func:`~dcf_spatial.land.workflow.run_efficiency`.

    The classes are ranks over *all* enterprises of a year (A the top 20 %, D the bottom 5 % by
    default), so the work is split in steps:

    1. the parcels (optional; any input :func:`plan_partitions` takes) are audited for idleness and
       joined to their zones partition by partition, on the workers, exactly as
       :func:`run_idle_audit_dask` does (the parcel join is done per partition);
    2. each partition sends back only a slim table (row, credit code, area in 亩, zone names,
       status — no geometry); the enterprise table's partitions are read on the workers;
    3. on the client, the single-process functions, unchanged, give every enterprise its land area
       from its parcels, its indicators and score, and the global class cuts per year
       (:func:`~dcf_spatial.land.efficiency.classify`), its zones and 低效用地 by zone;
    4. each parcel partition gets its ``low_efficiency`` and ``eff_class_zh`` columns on the workers.

    Outputs in ``out_dir``: ``efficiency_enterprises.parquet/`` (the classed enterprise rows, one
    file per enterprise partition, each row with its input ``row``), ``efficiency_parcels.parquet/``
    (with parcels), ``efficiency_summary.json`` (counts, 低效用地 tables, notes, timings), and the
    single engine's ``efficiency.xlsx`` (written by the same function, from the classed rows and
    the 低效用地 tables the client holds) and, with parcels and ``write_map``, ``efficiency_map.html``:
    parcels coloured by class up to ``map.max_features`` of the idle-audit rules, above that
    townships and clusters coloured by their share of 低效用地 area.
    ``as_of`` (the idle audit's date) defaults to today, as in the single engine.
    """
    from . import efficiency, idle_audit, outputs
    from .parcels import validate_enterprises

    cfg = efficiency.load_scoring(scoring)
    rules = idle_audit.load_rules()
    store = _store_of(store)
    out_dir = Path(out_dir)
    ent_folder, par_folder, summary_path = (out_dir / EFFICIENCY_ENTERPRISES, out_dir / EFFICIENCY_PARCELS,
                                            out_dir / EFFICIENCY_SUMMARY)
    from .workflow import EFFICIENCY_FILES

    excel_path = out_dir / EFFICIENCY_FILES["excel"]
    map_path = out_dir / EFFICIENCY_FILES["map"] if parcels is not None and write_map else None
    _check_free([p for p in (ent_folder, summary_path, excel_path, map_path,
                             par_folder if parcels is not None else None) if p is not None], overwrite)
    t0 = time.perf_counter()
    ent_parts = plan_partitions(enterprises, npartitions=npartitions, store=store, option="--enterprises", table=True)
    par_parts = plan_partitions(parcels, npartitions=npartitions, store=store) if parcels is not None else []
    as_of_ts = idle_audit.parse_as_of(as_of if as_of is not None else pd.Timestamp.today())
    client, cluster = _client(scheduler, n_workers, dashboard=True)
    t = {}
    try:
        dashboard, address = client.dashboard_link, client.scheduler.address
        logger.warning("dask: %d enterprise and %d parcel partitions on %s; dashboard %s", len(ent_parts),
                       len(par_parts), address, dashboard)
        t["start_cluster"] = time.perf_counter()
        ent_futures = client.map(_read_table_partition, ent_parts, field_map=field_map, store=store, pure=False)
        slim, results, dup_ids, files = None, [], frozenset(), []
        if par_parts:
            _sizes, dup_ids, results = _audit_parcels_on(
                client, par_parts, par_folder, field_map=parcel_field_map, crs=crs, store=store, as_of=as_of_ts,
                rules=rules, code_system=code_system, progress=progress, workbook=False)
            files = [r["file"] for r in results if r["file"]]
            slim = pd.concat(client.gather(client.map(_slim, files, pure=False)), ignore_index=True)
            slim = slim.sort_values("row", kind="stable").reset_index(drop=True)
        t["parcels"] = time.perf_counter()
        raw = client.gather(ent_futures)
        ent_sizes = [len(r) for r in raw]
        ent = validate_enterprises(pd.concat(raw, ignore_index=True), source=", ".join(p.label for p in ent_parts))
        del raw
        ent = efficiency.attach_land_area(ent, slim)
        classed = efficiency.classify(ent, scoring=cfg)
        z = efficiency.enterprise_zones(classed, slim)
        for c in z.columns:
            classed[c] = z[c].array
        low_tables = {}
        latest = classed.sort_values("year", na_position="first").drop_duplicates("credit_code", keep="last")
        # a plain frame (no attrs, no references into ``classed``), sent to the workers once
        latest = pd.DataFrame({c: latest[c].to_numpy() for c in ("credit_code", "year", "eff_class", "eff_class_zh")})
        if slim is not None:
            low = efficiency.low_efficiency_parcels(slim, classed)
            for by, name in (("township_zh", "按镇街"), ("cluster_zh", "按集聚区"), ("park_zh", "按园区")):
                low_tables[name] = efficiency.low_efficiency_by_zone(slim, low, by=by)
            shared = client.scatter(latest, broadcast=True)
            marks = client.map(_mark_low, files, latest=shared, pure=False)
            if progress:
                from distributed import progress as show_progress

                _bar(show_progress, marks)
            marked = client.gather(marks)
            if sum(m["rows"] for m in marked) != len(slim):  # pragma: no cover - a lost write
                raise RuntimeError("dask 引擎：低效用地一步没有改写全部宗地（程序错误，请报告）")
        t["classes"] = time.perf_counter()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    _fresh_folder(ent_folder)
    ent_files = []
    bounds = np.r_[0, np.cumsum(ent_sizes)].astype(int)
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        if b > a:
            f = ent_folder / f"part-{i:05d}.parquet"
            _write_table(classed.iloc[a:b], f)
            ent_files.append(str(f))
    t["write"] = time.perf_counter()
    counts = classed["eff_class"].value_counts().reindex(list(efficiency.CLASS_ORDER), fill_value=0)
    layers_used = _layers_used(results)
    from .workflow import synthetic_flags, synthetic_note

    notes = [
        "东昌府区工业企业亩产效益评价（dask 分区计算）——规划依据：第十章第四节（要素保障政策：用好“亩产效益”评价结果，"
        "加大A类、B类企业支持力度，倒逼C、D类企业提升资源要素利用效率）；低效用地盘活见第九章第四节。",
        f"企业表 {len(ent_parts)} 个分区，共 {len(classed):,} 行，输出 {len(classed):,} 行（重复信用代码不合并；"
        "分类按全部企业同一年度的排名一次划定，与单进程引擎逐行一致）。",
        *[f"评价参数：{x}" for x in cfg["_doc"][1:]],
        "指标基准值与权重：" + "；".join(f"{v['name_zh']} 基准{v['benchmark']:g}、权重{v['weight']:.0%}"
                                 for v in cfg["indicators"].values()),
        synthetic_note(classed),
    ]
    if slim is not None:
        notes += [f"宗地 {len(par_parts)} 个分区，{len(slim):,} 宗，闲置状态按基准日 {as_of_ts:%Y-%m-%d} 审计"
                  f"（{'指定' if as_of is not None else '未指定 --as-of，取今天'}）；重复宗地代码 {len(dup_ids):,} 个，均保留。",
                  _synthetic_line(sum(r["synthetic"] for r in results)),
                  *outputs.layers_note(layers_used),
                  "低效用地 = D类企业（最近年度）的宗地 + 闲置土地（闲置、满两年可收回、开发不足中止满一年），每宗只计一次，按区域汇总面积（亩）。"]
    else:
        notes.append("未提供宗地（--parcels）：用地面积取企业填报值，区域汇总与低效用地无法计算。")
    notes = [n for n in notes if n]
    n_synthetic = int(synthetic_flags(classed).sum()) + sum(r["synthetic"] for r in results)
    outputs.write_efficiency_excel(classed, excel_path, notes=notes + [
        f"完整结果：企业 {ent_folder.name}/" + (f"，宗地 {par_folder.name}/（GeoParquet，含每宗地的分类与低效用地标记）"
                                             if slim is not None else "") + "。"],
        low_tables=low_tables, data_note=outputs.sheet_note(layers_used, _short_synthetic(n_synthetic) + "。"))
    t["excel"] = time.perf_counter()
    map_kind = None
    if map_path is not None and slim is not None:
        max_features = int(rules["map"]["max_features"])
        note = outputs.idle_map_note(layers_used, _short_synthetic(n_synthetic))
        if len(slim) <= max_features:  # few parcels: the single engine's map, parcel by parcel
            written = outputs.write_efficiency_parcel_map(
                _read_folder(par_folder), latest, {k: v["name_zh"] for k, v in cfg["classes"].items()}, map_path,
                max_features=max_features, note=note, overwrite=overwrite, basemap=basemap)
            map_kind = "parcels"
        else:
            tables = {kind: low_tables[name].assign(low_share=low_tables[name]["low_area_mu"]
                                                    / low_tables[name]["area_mu"].where(low_tables[name]["area_mu"] > 0))
                      for kind, name in (("township", "按镇街"), ("cluster", "按集聚区")) if name in low_tables}
            written = outputs.write_zone_summary_map(
                tables, map_path, title="亩产效益：镇街与集聚区低效用地汇总", share_col="low_share", count_col="parcels",
                high="低效", what="低效用地面积占比",
                popup_fields={k: outputs.LOW_COLUMNS_ZH[k] for k in outputs.LOW_COLUMNS_ZH},
                note=_summary_map_note(len(slim), max_features, par_folder, "宗地数与低效用地面积") + "；" + note, store=store,
                cuts=rules["map"].get("zone_share_cuts", outputs.ZONE_SHARE_CUTS), overwrite=overwrite,
                basemap=basemap)
            map_kind = "zones"
        if written is None:
            map_path, map_kind = None, None
        t["map"] = time.perf_counter()
    else:
        map_path = None
    summary = {"rows": len(classed), "parcels": 0 if slim is None else len(slim),
               "partitions": {"enterprises": len(ent_parts), "parcels": len(par_parts)},
               "as_of": f"{as_of_ts:%Y-%m-%d}" if slim is not None else None,
               "counts": {k: int(v) for k, v in counts.items()},
               "class_names_zh": {k: v["name_zh"] for k, v in cfg["classes"].items()},
               "low_tables": {k: v.to_dict(orient="records") for k, v in low_tables.items()},
               "files": {"enterprises": ent_files, "parcels": files}, "summary_file": str(summary_path),
               "excel": str(excel_path), "map": str(map_path) if map_path is not None else None, "map_kind": map_kind,
               "dashboard": dashboard, "scheduler": address, "layers_used": layers_used,
               "timings": {**{k: round(v - t0, 3) for k, v in t.items()}, "total": round(time.perf_counter() - t0, 3)},
               "notes": notes}
    summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    logger.info("dask efficiency audit: %d enterprise rows, %d parcels, %.1f s", len(classed), summary["parcels"],
                time.perf_counter() - t0)
    return summary


def _write_table(df: pd.DataFrame, path: Path) -> None:
    """Parquet of a table whose user columns may mix types (kept as text where they do)."""
    try:
        df.to_parquet(path, index=False)
    except (ValueError, TypeError, ArithmeticError) as exc:  # pyarrow: mixed types in an object column
        import pyarrow as pa

        fixed = df.copy()
        for c in fixed.columns:
            if fixed[c].dtype == object:
                try:
                    pa.array(fixed[c])
                except (pa.ArrowInvalid, pa.ArrowTypeError):
                    fixed[c] = fixed[c].astype("string")
        logger.info("%s: mixed-type columns written as text (%s)", path, exc)
        fixed.to_parquet(path, index=False)


def read_efficiency_result(out_dir) -> tuple[pd.DataFrame, "gpd.GeoDataFrame | None"]:
    """The classed enterprises and (with parcels) the marked parcels written by
    :func:`run_efficiency_dask`, each in input order (by ``row``)."""
    out_dir = Path(out_dir)
    ent = pd.concat([pd.read_parquet(f) for f in sorted((out_dir / EFFICIENCY_ENTERPRISES).glob("*.parquet"))],
                    ignore_index=True).sort_values("row", kind="stable").reset_index(drop=True)
    folder = out_dir / EFFICIENCY_PARCELS
    return ent, (_read_folder(folder) if folder.exists() and any(folder.glob("*.parquet")) else None)


# --- what the CLI prints ----------------------------------------------------------------------------
def input_source(values):
    """The ``--parcels``/``--enterprises`` value(s) of the CLI as a runner's input: one path or
    ``pg:SCHEMA.TABLE`` as given, several as a list of paths."""
    values = [str(v) for v in (values if isinstance(values, (list, tuple)) else [values])]
    return values[0] if len(values) == 1 else values


def describe_idle(summary: dict) -> list[str]:
    """The Chinese lines ``dcf audit idle --engine dask`` prints: counts, files, dashboard."""
    from .idle_audit import STATUS_ORDER, STATUS_ZH

    lines = [f"闲置土地审计（dask 引擎，基准日 {summary['as_of']}）：{summary['partitions']} 个输入分区，"
             f"输入 {summary['rows']:,} 宗，输出 {summary['rows']:,} 条结论"]
    lines += [f"  {STATUS_ZH[s]:<16} {summary['counts'][s]:>8,} 宗  {summary['area_mu'].get(s, 0):>12,.1f} 亩"
              for s in STATUS_ORDER if summary["counts"].get(s)]
    lines.append(f"  土地闲置费合计 {summary['fee_wan']:,.2f} 万元；重复宗地代码 {summary['duplicate_ids']:,} 个（均保留、未合并）")
    return lines + _describe_run(summary, summary["files"])


def describe_efficiency(summary: dict) -> list[str]:
    """The Chinese lines ``dcf audit efficiency --engine dask`` prints."""
    parts = summary["partitions"]
    lines = [f"亩产效益评价（dask 引擎）：企业表 {parts['enterprises']} 个分区、{summary['rows']:,} 行，输出 {summary['rows']:,} 行；"
             f"宗地 {parts['parcels']} 个分区、{summary['parcels']:,} 宗"]
    names = summary["class_names_zh"]
    lines += [f"  {names.get(k, k):<10} {n:>8,} 家" for k, n in summary["counts"].items()]
    table = summary["low_tables"].get("按集聚区")
    if table:
        low, d, idle = (sum(r[k] for r in table) for k in ("low_area_mu", "d_area_mu", "idle_area_mu"))
        lines.append(f"  低效用地合计 {low:,.1f} 亩（D类企业用地 {d:,.1f} 亩，闲置土地 {idle:,.1f} 亩）")
    files = summary["files"]["enterprises"] + summary["files"]["parcels"]
    return lines + _describe_run(summary, files)


def _describe_run(summary: dict, files: list[str]) -> list[str]:
    lines = [f"注意：{n}" for n in summary["notes"] if "合成数据】" in n][:1]
    schematic = [lay["layer_id"] for lay in summary.get("layers_used", []) if "schematic" in str(lay.get("provenance"))]
    if schematic:
        lines.append(f"注意：区域归属所用图层 {'、'.join(schematic)} 为示意图层，分区汇总仅供参考（详见汇总文件的说明）。")
    lines.append(f"dask 调度器 {summary['scheduler']}；监控面板 {summary['dashboard'] or '（未开启）'}；"
                 f"用时 {summary['timings'].get('total', max(summary['timings'].values(), default=0)):.1f} 秒")
    folders = sorted({str(Path(f).parent) for f in files if f.endswith(".parquet")})
    lines.append("输出：")
    for folder in folders:
        n = sum(1 for f in files if str(Path(f).parent) == folder)
        lines.append(f"  {folder}/ （{n} 个 GeoParquet/Parquet 分区文件）")
    if summary.get("excel"):
        lines.append(f"  {summary['excel']} （Excel 工作簿：{_excel_line(summary)}）")
    if summary.get("map"):
        lines.append(f"  {summary['map']} （HTML 地图：" + ("逐宗绘制" if summary.get("map_kind") == "parcels" else
                                                      "宗地过多，按镇街与工业集聚区汇总着色") + "）")
    lines.append(f"  {summary['summary_file']} （计数、说明、用时）")
    return lines


def _excel_line(summary: dict) -> str:
    if "excel_listed" not in summary:  # the efficiency workbook lists every enterprise row
        return ("分类汇总按全部企业、低效用地按全部宗地统计；" if summary.get("parcels") else "分类汇总按全部企业统计；") \
            + f"企业清单列出全部 {summary['rows']:,} 行"
    n, listed = summary["rows"], summary["excel_listed"]
    return "汇总表按全部宗地统计；" + (f"宗地清单列出全部 {n:,} 宗" if listed == n else
                                f"宗地清单列出需处置或需核实的 {listed:,} 宗，完整 {n:,} 宗见 GeoParquet 文件夹")


def _bar(show_progress, futures) -> None:
    """distributed's text progress bar, on stderr (it writes to stdout, where results go)."""
    import contextlib
    import sys

    with contextlib.redirect_stdout(sys.stderr):
        show_progress(futures)
    print(file=sys.stderr)


def read_result(out_dir):
    """The audited parcels written by :func:`run_idle_audit_dask`, in input order (by ``row``)."""
    return _read_folder(Path(out_dir) / RESULT_FOLDER)


def _read_folder(folder: Path):
    import geopandas as gpd

    frames = [gpd.read_parquet(f) for f in sorted(folder.glob("*.parquet"))]
    out = pd.concat(frames, ignore_index=True)
    out = gpd.GeoDataFrame(out, geometry=frames[0].geometry.name, crs=frames[0].crs)
    return out.sort_values("row", kind="stable").reset_index(drop=True)
