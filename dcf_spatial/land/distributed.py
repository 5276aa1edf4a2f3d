"""The idle-land audit at city or province scale: partitions on a ``dask.distributed`` cluster.

:func:`run_idle_audit_dask` runs the same functions as the single-process engine
(:func:`~dcf_spatial.land.parcels.validate_parcels`, :func:`~dcf_spatial.land.idle_audit.audit_idle`,
:func:`~dcf_spatial.land.zones.join_zones`) on each partition of the input, on a cluster
(``scheduler`` address, or a ``LocalCluster`` started here), and writes one GeoParquet file per
partition. Only small things travel back to the client: row counts, duplicate parcel ids and
status counts.

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

import numpy as np
import pandas as pd

from ..errors import InputError

logger = logging.getLogger(__name__)

ROW_COLUMN = "_dcf_input_row"
RESULT_FOLDER = "idle_audit.parquet"
SUMMARY_FILE = "idle_audit_summary.json"
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


def plan_partitions(source, *, npartitions: int | None = None, store=None) -> list[Partition]:
    """Split ``source`` into :class:`Partition` s (see the module docstring for what ``source`` may be)."""
    if isinstance(source, (list, tuple)):
        paths = [Path(p) for p in source]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise InputError(f"--parcels: {', '.join(missing)} not found.")
        parts = []
        for p in paths:
            parts += plan_partitions(p, npartitions=None, store=store) if p.suffix == ".parquet" or p.is_dir() \
                else [Partition("file", str(p), label=p.name)]
        return parts
    text = str(source)
    if text.startswith("pg:"):
        return _pg_partitions(text, npartitions or 8, store)
    path = Path(source)
    if not path.exists():
        raise InputError(f"--parcels: {path} not found.")
    if path.is_dir() and not path.suffix == ".gdb":
        files = sorted(path.glob("*.parquet"))
        if not files:
            raise InputError(f"--parcels: the folder {path} holds no .parquet files (a partitioned GeoParquet "
                             "dataset is a folder of them).")
        return [Partition("parquet", str(f), label=f.name) for f in files]
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
    from ..stores.postgis import pg_table_pages

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
        from ..stores.postgis import read_pg_table

        gdf = read_pg_table(part.path, store=store, pages=(part.start, part.stop))
    else:  # pragma: no cover - plan_partitions makes only the kinds above
        raise ValueError(part.kind)
    # GeoParquet and PostGIS inputs carry a CRS and valid geometries (GIS and dcf write them so);
    # they are put in the storage CRS, as read_vector does for files.
    from ..crs import to_storage

    try:
        gdf = to_storage(gdf.reset_index(drop=True), crs=crs)
    except InputError as exc:
        raise InputError(f"{part.label}: {exc}") from None
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
    return result


def _write(result, path: Path) -> None:
    result.to_parquet(path, index=False)


def _audit_partition(part: Partition, offset: int, dup_ids: frozenset, out: str, *, field_map, crs, store,
                     as_of, rules, code_system):
    """Second pass: audit the partition's rows whose id is unique; hand back the duplicates."""
    from .parcels import _blank_to_na

    gdf = read_partition(part, field_map=field_map, crs=crs, store=store).reset_index(drop=True)
    rows = offset + np.arange(1, len(gdf) + 1)
    ids = _blank_to_na(gdf["parcel_id"]) if "parcel_id" in gdf.columns else pd.Series(pd.NA, index=gdf.index)
    dup = ids.isin(dup_ids).fillna(False).to_numpy(dtype=bool)
    held = gdf.loc[dup].assign(**{ROW_COLUMN: rows[dup]})
    keep = ~dup
    counts = {}
    if keep.any():
        result = _audit_frame(gdf.loc[keep].reset_index(drop=True), rows[keep], as_of=as_of, rules=rules,
                              store=store, code_system=code_system)
        _write(result, Path(out))
        counts = result["status"].value_counts().to_dict()
    return {"rows": int(keep.sum()), "counts": counts, "file": out if keep.any() else None}, held


def _audit_duplicates(held_frames, out: str, *, store, as_of, rules, code_system):
    import geopandas as gpd

    frames = [h for h in held_frames if len(h)]
    if not frames:
        return {"rows": 0, "counts": {}, "file": None}
    crs = frames[0].crs
    held = pd.concat([f.to_crs(crs) if f.crs != crs else f for f in frames], ignore_index=True)
    held = gpd.GeoDataFrame(held, geometry=frames[0].geometry.name, crs=crs).sort_values(ROW_COLUMN, kind="stable")
    rows = held[ROW_COLUMN].to_numpy()
    result = _audit_frame(held.drop(columns=ROW_COLUMN).reset_index(drop=True), rows, as_of=as_of, rules=rules,
                          store=store, code_system=code_system)
    _write(result, Path(out))
    return {"rows": len(result), "counts": result["status"].value_counts().to_dict(), "file": out}


def _client(scheduler, n_workers, dashboard: bool):
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                           dashboard_address=":0" if dashboard else None)
    return Client(cluster), cluster


def run_idle_audit_dask(parcels, out_dir, *, as_of, scheduler: str | None = None, npartitions: int | None = None,
                        n_workers: int = 2, field_map=None, crs=None, code_system: str = "auto", store=None,
                        rules: dict | None = None, overwrite: bool = False, progress: bool = False) -> dict:
    """Audit every parcel of a partitioned input on a dask cluster; write one GeoParquet per partition.

    Parameters
    ----------
    parcels
        A GeoParquet file or folder, a list of vector files, one vector file, or ``"pg:SCHEMA.TABLE"``.
    out_dir
        Receives ``idle_audit.parquet/`` (the audited parcels, one file per partition, each row with
        its input ``row``) and ``idle_audit_summary.json`` (counts, timings, notes).
    scheduler
        Address of a running ``dask.distributed`` scheduler (``tcp://host:8786``); default: a
        ``LocalCluster`` of ``n_workers`` single-threaded processes, closed at the end.
    progress
        Show a progress bar on stderr (``distributed.progress``).

    Returns
    -------
    dict with ``files``, ``counts`` (status -> parcels), ``rows``, ``partitions``, ``dashboard``,
    ``timings`` and ``notes``.
    """
    from distributed import progress as show_progress

    from . import idle_audit
    from .workflow import synthetic_note

    rules = rules or idle_audit.load_rules()
    as_of = idle_audit.parse_as_of(as_of)
    store = str(store) if store is not None else None
    out_dir = Path(out_dir)
    folder, summary_path = out_dir / RESULT_FOLDER, out_dir / SUMMARY_FILE
    for p in (folder, summary_path):
        if p.exists() and not overwrite:
            raise InputError(f"{p} exists. Pass --overwrite to replace it.")
    t0 = time.perf_counter()
    parts = plan_partitions(parcels, npartitions=npartitions, store=store)
    client, cluster = _client(scheduler, n_workers, dashboard=True)
    try:
        dashboard = client.dashboard_link
        logger.warning("dask: %d partitions on %s; dashboard %s", len(parts), client.scheduler.address, dashboard)
        first = client.map(_ids_of, parts, field_map=field_map, crs=crs, store=store, pure=False)
        if progress:
            _bar(show_progress, first)
        counted = client.gather(first)
        sizes = [n for n, _ in counted]
        all_ids = pd.concat([ids for _, ids in counted], ignore_index=True)
        vc = all_ids.dropna().value_counts()
        dup_ids = frozenset(vc.index[vc > 1])
        offsets = np.r_[0, np.cumsum(sizes)[:-1]].astype(int)
        t1 = time.perf_counter()
        if folder.exists():
            for f in folder.glob("*.parquet"):
                f.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        common = dict(field_map=field_map, crs=crs, store=store, as_of=as_of, rules=rules, code_system=code_system)
        second = [client.submit(_audit_partition, part, int(off), dup_ids, str(folder / f"part-{i:05d}.parquet"),
                                pure=False, **common)
                  for i, (part, off) in enumerate(zip(parts, offsets))]
        summaries = [client.submit(lambda pair: pair[0], f, pure=False) for f in second]
        helds = [client.submit(lambda pair: pair[1], f, pure=False) for f in second]
        dups = client.submit(_audit_duplicates, helds, str(folder / f"part-{len(parts):05d}-duplicates.parquet"),
                             store=store, as_of=as_of, rules=rules, code_system=code_system, pure=False)
        if progress:
            _bar(show_progress, second + [dups])
        results = client.gather(summaries) + [client.gather(dups)]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    t2 = time.perf_counter()
    counts = pd.Series(dtype=int)
    for r in results:
        counts = counts.add(pd.Series(r["counts"], dtype=int), fill_value=0)
    counts = counts.reindex(idle_audit.STATUS_ORDER, fill_value=0).astype(int)
    n_rows = int(sum(r["rows"] for r in results))
    if n_rows != int(sum(sizes)):  # nothing is lost: every input row is in exactly one output file
        raise RuntimeError(f"dask engine wrote {n_rows} rows for {sum(sizes)} input rows")
    files = [r["file"] for r in results if r["file"]]
    notes = [
        f"东昌府区闲置土地审计（审计基准日 {as_of:%Y-%m-%d}），dask 分区计算：{len(parts)} 个输入分区，"
        f"{n_rows:,} 条记录，每条输入记录恰好一条结论（按 row 列对应输入行号）。",
        f"重复宗地代码 {len(dup_ids):,} 个，相关记录集中在一个分区内统一核查，均保留、未合并。",
        "区域归属所用图层为示意图层（schematic）时，归属结果仅供参考；详见单进程引擎输出的说明。",
    ]
    summary = {"as_of": f"{as_of:%Y-%m-%d}", "rows": n_rows, "partitions": len(parts), "counts": counts.to_dict(),
               "files": files, "dashboard": dashboard,
               "timings": {"plan_and_count": round(t1 - t0, 3), "audit": round(t2 - t1, 3), "total": round(t2 - t0, 3)},
               "notes": notes}
    if files and _has_column(files[0], "synthetic"):
        summary["notes"].append(synthetic_note(pd.read_parquet(files[0], columns=["synthetic"])))
    summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    logger.info("dask idle audit: %d parcels in %d partitions, %.1f s", n_rows, len(parts), t2 - t0)
    return summary


def _bar(show_progress, futures) -> None:
    """distributed's text progress bar, on stderr (it writes to stdout, where results go)."""
    import contextlib
    import sys

    with contextlib.redirect_stdout(sys.stderr):
        show_progress(futures)
    print(file=sys.stderr)


def _has_column(path, name: str) -> bool:
    import pyarrow.parquet as pq

    return name in pq.read_schema(path).names


def read_result(out_dir):
    """The audited parcels written by :func:`run_idle_audit_dask`, in input order (by ``row``)."""
    import geopandas as gpd

    folder = Path(out_dir) / RESULT_FOLDER
    frames = [gpd.read_parquet(f) for f in sorted(folder.glob("*.parquet"))]
    out = pd.concat(frames, ignore_index=True)
    out = gpd.GeoDataFrame(out, geometry=frames[0].geometry.name, crs=frames[0].crs)
    return out.sort_values("row", kind="stable").reset_index(drop=True)
