"""The dask engine of the idle audit: partitions audited on a ``dask.distributed`` cluster.

:func:`idle_dask` runs the same functions as the single-process engine
(:func:`~dcf_spatial.land.parcels.validate_parcels`, :func:`~dcf_spatial.land.idle_audit.audit_idle`,
:func:`~dcf_spatial.land.zones.join_zones`) on each partition of the input (:mod:`.partitions`),
on a cluster (:mod:`.cluster`), and writes one GeoParquet file per partition as it goes — the
complete result, which may not fit in one process's memory. Only small things travel back to the
client: row counts, duplicate parcel ids, status counts and the per-partition summaries (by
status, township, cluster, park) that add up to the whole's. It returns an
:class:`~dcf_spatial.land.result.AuditResult` whose ``frame`` is read lazily from the GeoParquet;
:mod:`dcf_spatial.land.report` writes the workbook and map from it, as for the single engine.

Results are identical, row for row, to the single-process engine. Two things depend on the whole
input and are settled before the partitions run:

* ``row`` — the 1-based row in the input: a first pass counts each partition's rows and gives
  each partition its offset;
* duplicate parcel ids (reported with their total count, never merged): the same first pass
  collects every partition's ids; rows whose id occurs more than once anywhere are taken out of
  their partitions and validated together in one extra partition, so they are reported exactly
  as in one process.

The work is scheduled with ``dask.distributed`` futures (one task per partition and pass), not
with a dask-geopandas frame: the steps are the single-process functions unchanged, whose output
columns depend on the data (a frame would need its schema guessed up front), and the duplicate
ids need one global look rather than a shuffle of every row.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..._killpoints import kill_point
from ..result import AuditResult
from .cluster import TaskClock, connect, dashboard_link, progress_bar, store_text
from ..files import RESULT_FOLDER, SUMMARY_FILE, read_folder  # noqa: F401  (re-exported by land.dask)
from .partitions import Partition, plan_partitions, read_partition

logger = logging.getLogger(__name__)

ROW_COLUMN = "_dcf_input_row"


def fresh_folder(folder: Path) -> None:
    """Create ``folder``, removing the ``*.parquet`` files of an earlier run (overwrite was checked before).

    The output folder's ``manifest.json`` goes first (:func:`~dcf_spatial.io.output_set.mark_incomplete`):
    a run killed from here on leaves a folder that says it is not complete, never the earlier run's
    manifest over changed files."""
    from ...io.output_set import mark_incomplete

    mark_incomplete(folder.parent)
    kill_point("dask:unmarked")
    if folder.exists():
        for f in folder.glob("*.parquet"):
            f.unlink()
            kill_point("dask:removed")
    folder.mkdir(parents=True, exist_ok=True)


def _ids_of(part: Partition, field_map, crs, store) -> tuple[int, pd.Series]:
    """First pass: the partition's row count and its normalised parcel ids."""
    from ..parcels import _blank_to_na

    ids = _ids_column(part, field_map) if part.kind == "parquet" else None
    if ids is None:
        gdf = read_partition(part, field_map=field_map, crs=crs, store=store)
        ids = gdf["parcel_id"] if "parcel_id" in gdf.columns else pd.Series(pd.NA, index=gdf.index, dtype=object)
    return len(ids), _blank_to_na(ids).reset_index(drop=True)


def _id_keys(part: Partition, field_map, crs, store):
    """First pass as a task: the partition's row count and its normalised ids as an Arrow string array
    (missing → null), which the client counts with Arrow (:func:`_duplicate_positions`): counting a
    million ids as Python objects with pandas was a second of the client's serial time between the
    passes, while both workers waited."""
    import pyarrow as pa

    col = _ids_arrow(part, field_map) if part.kind == "parquet" else None
    clean = _clean_ids_arrow(col[1]) if col is not None else None
    if clean is not None:
        return col[0], _id_key_array(pd.Series(clean.to_pandas()))
    n, ids = _ids_of(part, field_map, crs, store)
    return n, _id_key_array(ids)


def _id_key_array(ids: pd.Series):
    """The ids as the key repeats are found on (:func:`~dcf_spatial.land.parcels.parcel_id_keys`:
    ``0007`` = ``7``, as the single engine's validation compares them), as an Arrow string array."""
    import pyarrow as pa

    from ..parcels import parcel_id_keys

    keys = parcel_id_keys(ids).astype(object)
    return pa.array(keys.where(keys.notna(), None).to_numpy(dtype=object), type=pa.string(), from_pandas=True)


def _clean_ids_arrow(col):
    """A GeoParquet id column of text normalised as :func:`~dcf_spatial.land.parcels._blank_to_na`
    does (blanks stripped; empty, "nan", "None" … missing), in Arrow; None when this shortcut does not
    apply (not text, or some id begins or ends with a blank: then the general path strips them).

    Hand-written: ids are nearly all distinct, so the general path makes a Python string of every id
    to strip it (most of the first pass's CPU). Python's ``str.strip`` removes only characters for
    which ``str.isspace`` holds at either end: when no id's first or last character is one of them
    (checked on the few distinct first and last characters), stripping changes nothing, and what is
    left is the blank values' lookup, done in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..parcels import _BLANKS

    if col is None or not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        return None
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    arr = arr.cast(pa.string())
    present = arr.drop_null()
    ends = pa.concat_arrays([pc.utf8_slice_codeunits(present, 0, 1),
                             pc.utf8_slice_codeunits(present, -1, 2 ** 31 - 1)])
    if any(ch.isspace() for ch in pc.unique(ends).to_pylist() if ch):
        return None
    blank = pc.is_in(arr, value_set=pa.array(sorted(_BLANKS), type=pa.string()))
    return pc.if_else(blank.fill_null(False), pa.scalar(None, type=pa.string()), arr)


def _duplicate_positions(keys: list) -> tuple[frozenset, list]:
    """``(duplicated ids, per partition the positions of its rows holding one, or None)`` from the
    first pass's :func:`_id_keys` arrays: the ids that occur more than once anywhere, and where.

    The positions are handed to each partition's audit task, so that it takes its duplicated rows
    out without normalising and looking up its ids a second time."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = [a for _, a in keys]
    if not arrays:
        return frozenset(), []
    counted = pc.value_counts(pa.chunked_array(arrays, type=pa.string()).drop_null())
    dup = counted.field("values").filter(pc.greater(counted.field("counts"), 1))
    if not len(dup):
        return frozenset(), [None] * len(arrays)
    positions = [np.flatnonzero(pc.is_in(a, value_set=dup).fill_null(False).to_numpy(zero_copy_only=False))
                 for a in arrays]
    return frozenset(dup.to_pylist()), [p if len(p) else None for p in positions]


def _ids_column(part: Partition, field_map) -> pd.Series | None:
    """A GeoParquet partition's parcel id column alone (all-missing when it has none), read without
    the geometry or any other column: all the first pass needs, the row count included. Decoding,
    reprojecting and checking a million geometries only to count them made the dask audit slower
    than the single process; reading every attribute column was most of what was left. None when
    the file carries no GeoParquet metadata (then the full reader decides what it is)."""
    got = _ids_arrow(part, field_map)
    if got is None:
        return None
    n, col = got
    return pd.Series([pd.NA] * n, dtype=object) if col is None else col.to_pandas()


def _ids_arrow(part: Partition, field_map):
    """``(rows, id column as Arrow or None when there is none)`` of a GeoParquet partition (see
    :func:`_ids_column`); None when the file carries no GeoParquet metadata."""
    import pyarrow.parquet as pq

    from ... import io as dcf_io

    f = pq.ParquetFile(part.path)
    if b"geo" not in (f.schema_arrow.metadata or {}):
        return None
    names = list(f.schema_arrow.names)
    # which column the aliases make ``parcel_id``: the alias rules run on a one-row probe whose every
    # cell is its own column's name, so that ``parcel_id`` comes out holding the name of its source
    # (the same rules as the full read, without reading a row)
    probe = pd.DataFrame({c: pd.Series([c], dtype=object) for c in names})
    mapped, _notes = dcf_io.apply_aliases(probe, "parcels", field_map)
    source = mapped["parcel_id"].iloc[0] if "parcel_id" in mapped.columns else None
    groups = list(range(f.num_row_groups)) if part.stop is None else list(range(part.start, part.stop))
    n = sum(f.metadata.row_group(g).num_rows for g in groups)
    if source not in names:
        return n, None
    return n, f.read_row_groups(groups, columns=[source]).column(0)


def _audit_frame(gdf, rows: np.ndarray, *, as_of, rules, store, code_system):
    """The single-process engine's steps on one frame, with the global input rows put back."""
    from .. import idle_audit
    from ..parcels import validate_parcels, working_geometry
    from ..zones import join_zones

    # reprojected once, as in the single engine: the areas and the zone join share it (the second
    # reprojection of every partition's geometry was a fifth of a partition's audit)
    work = working_geometry(gdf)
    # a unitless 面积 is not inferred from one partition's values (two partitions could take two units)
    data = validate_parcels(gdf, source="partition", code_system=code_system, working=work, infer_area_unit=False)
    data["row"] = rows
    # what the reader and the validation said (the single engine's 读入说明), merged by the client
    reading = (list(gdf.attrs.get("read_notes", [])), list(data.attrs.get("read_notes", [])))
    # the partitions are the parallelism here: the three kinds one after the other in this worker thread
    zones = join_zones(data, store=store, working=work, threads=False)
    del work
    result = idle_audit.audit_idle(data, as_of=as_of, rules=rules)
    del data
    for c in zones.columns:
        result[c] = zones[c].to_numpy() if not isinstance(zones[c].dtype, (pd.StringDtype, pd.CategoricalDtype)) else zones[c].array
    result.attrs["layers_used"] = zones.attrs.get("layers_used", [])
    result.attrs["layer_notes"] = zones.attrs.get("layer_notes", [])
    result.attrs["read_notes"] = reading
    return result


def write_partition(result, path: Path) -> None:
    """Write one audited partition as GeoParquet (no index; mixed-object columns as text, as the single
    engine's complete list)."""
    from ..outputs import arrow_typed

    arrow_typed(result).to_parquet(path, index=False)


#: the per-parcel columns the 亩产效益 side needs: land areas, largest parcel's zones, 低效用地
SLIM_COLUMNS = ("row", "parcel_id", "credit_code", "area_mu", "township_zh", "cluster_zh", "park_zh", "status",
                "in_totals")


def slim_of(result) -> pd.DataFrame:
    """The columns of an audited partition the enterprise side needs (no geometry, about 40 bytes a parcel)."""
    df = pd.DataFrame({c: result[c].to_numpy() if c in ("row", "area_mu") else result[c].array
                       for c in SLIM_COLUMNS if c in result.columns})
    for c in ("township_zh", "cluster_zh", "park_zh", "status"):
        if c in df.columns:
            df[c] = df[c].astype("category")
    return df


def _once(result):
    from ..idle_audit import counted_once

    return counted_once(result)


def _partition_summary(result, out: str, workbook: bool = True, slim: bool = False, max_rows: int | None = None,
                       list_all: bool = False) -> dict:
    """What a written partition sends back: counts and, with ``workbook``, the small tables the
    idle-audit workbook is made of (status and zone summaries, which add up across partitions) and
    the partition's rows that may go on the workbook's capped lists, with their list columns: its
    own first ``max_rows`` by the list's order (:func:`~dcf_spatial.land.outputs.pick_list_rows`; the
    whole's first ``max_rows`` are among the partitions' own) and its first ``max_rows`` problem rows
    — every row with ``list_all`` (the whole input has at most ``max_rows`` parcels). The client
    therefore never reads the written partitions back for the workbook."""
    from ..idle_audit import summarize
    from ..notes import synthetic_flags
    from ..outputs import EXCEL_LIST_COLUMNS, ZONE_KEYS, console_counts, pick_list_rows, rejected_rows, status_table

    from ..idle_audit import status_counts

    # parcels per status each once (a repeated id: its first row; the duplicates' partition holds them all),
    # and rows per status apart
    base = {"rows": len(result), "counts": status_counts(result), "rows_by_status": status_counts(result, rows=True),
            "file": out,
            # areas and fees count a parcel id given on several rows once (the duplicates' partition holds them all)
            "areas": _once(result).groupby("status")["area_mu"].sum().to_dict(),
            "fee_wan": float(_once(result)["fee_wan"].sum()),
            "synthetic": int(synthetic_flags(result).sum()), "layers_used": result.attrs.get("layers_used", []),
            "layer_notes": result.attrs.get("layer_notes", []),
            "read_notes": tuple(result.attrs.get("read_notes") or ([], [])),
            "tables": {}, "list_rows": None, "need": 0, "n_rejected": 0,
            # what the console says besides the status table, as the single engine says it (add up over partitions)
            "console": console_counts(result),
            "slim": slim_of(result) if slim else None}
    if not workbook:
        return base
    has_problem = (result["problems"].astype(str) != "").to_numpy()
    rejected = rejected_rows(result)
    pos, need = pick_list_rows(result["status"], has_problem, result["area_mu"].to_numpy(dtype=float),
                               max_rows=int(max_rows or len(result)))
    take = np.ones(len(result), dtype=bool) if list_all else np.zeros(len(result), dtype=bool)
    take[pos] = True
    take[np.flatnonzero(rejected)[:max_rows]] = True
    columns = [c for c in (*EXCEL_LIST_COLUMNS, "month_fields") if c in result.columns]   # (dates to the month)
    rows = pd.DataFrame({c: result[c].to_numpy()[take] if c in ("row", "area_mu") else result[c].array[take]
                         for c in columns})
    rows[LIST_PROBLEM], rows[LIST_REJECTED] = has_problem[take], rejected[take]
    tables = {"_status": status_table(result),
              **{key: summarize(result, by=[key]) for key in ZONE_KEYS if key in result.columns}}
    return {**base, "tables": tables, "list_rows": rows, "need": int(need), "n_rejected": int(rejected.sum())}


#: the two key columns the partitions' list rows carry beside the list columns (see :class:`ListRows`)
LIST_PROBLEM, LIST_REJECTED = "_dcf_has_problem", "_dcf_rejected"


class ListRows:
    """The rows of the idle workbook's 宗地清单 and 问题记录, merged on the client as the partitions finish.

    Each partition sends its own candidate rows with their list columns (see
    :func:`_partition_summary`); :meth:`add` keeps, of all rows received so far, the first
    ``max_rows`` by the list's order (:func:`~dcf_spatial.land.outputs.pick_list_rows`, the single
    engine's rule) and the first ``max_rows`` problem rows by input row — so the client holds at
    most about three times ``max_rows`` rows whatever the input's size, and the merging runs while
    the workers still audit the other partitions. :meth:`lists` gives the two sheets' rows, the same
    rows in the same order as the single engine picks from the whole input.

    Examples
    --------
    >>> merged = ListRows(max_rows=100_000, n_total=1_000_000)   # doctest: +SKIP
    >>> merged.add(summary); listed, rejected, need, n_rejected = merged.lists()   # doctest: +SKIP
    """

    def __init__(self, max_rows: int, n_total: int):
        self.max_rows, self.n_total = int(max_rows), int(n_total)
        self.frames: list[pd.DataFrame] = []
        # per frame its key columns as numpy (row, status code, data problem, area, 问题记录 row): the
        # rows are ordered and picked on these alone, and only the picked rows' list columns are taken
        # (sorting and filtering every candidate row's Arrow text was most of the client's time between
        # the last partition and the workbook)
        self.keys: list[tuple[np.ndarray, ...]] = []
        self.held = 0
        self.need = 0
        self.n_rejected = 0

    def add(self, summary: dict) -> None:
        """Take a partition summary's list rows (and drop them from the summary)."""
        rows = summary.pop("list_rows", None)
        self.need += int(summary.get("need") or 0)
        self.n_rejected += int(summary.get("n_rejected") or 0)
        if rows is None or not len(rows):
            return
        self.frames.append(rows)
        self.keys.append(self._keys_of(rows))
        self.held += len(rows)
        if self.n_total > self.max_rows and self.held > 3 * self.max_rows:
            self._prune()

    @staticmethod
    def _keys_of(rows: pd.DataFrame) -> tuple[np.ndarray, ...]:
        from ..idle_audit import status_codes

        return (rows["row"].to_numpy(dtype=np.int64), status_codes(rows["status"]),
                rows[LIST_PROBLEM].to_numpy(dtype=bool), rows["area_mu"].to_numpy(dtype=float),
                rows[LIST_REJECTED].to_numpy(dtype=bool))

    def _select(self) -> tuple[np.ndarray, np.ndarray]:
        """``(listed, problem)``: the positions (in the frames' rows, one after the other) of the
        rows the 宗地清单 and the 问题记录 carry, each in input order."""
        from ..idle_audit import STATUS_ORDER
        from ..outputs import pick_list_rows

        row, codes, has_problem, area, rejected = (np.concatenate(k) for k in zip(*self.keys))
        order = np.argsort(row, kind="stable")
        if self.n_total <= self.max_rows:
            listed = order
        else:
            # the statuses back as Arrow text from their codes (-1, unknown → missing, ranked last), which
            # pick_list_rows looks up in Arrow (an object array would be looked up row by row)
            import pyarrow as pa

            c = codes[order]
            status = pa.array(list(STATUS_ORDER), type=pa.string()).take(pa.array(np.maximum(c, 0), mask=c < 0))
            pos, _need = pick_list_rows(pd.arrays.ArrowStringArray(status), has_problem[order], area[order],
                                        max_rows=self.max_rows)
            listed = order[pos]
        problem = order[np.flatnonzero(rejected[order])[:self.max_rows]]
        return listed, problem

    def _take(self, positions: np.ndarray) -> pd.DataFrame:
        """The rows at ``positions`` (as :meth:`_select` gives them, in input order), each frame's
        taken from it alone."""
        sizes = np.array([len(f) for f in self.frames])
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        frame_of = np.searchsorted(starts, positions, side="right") - 1
        # the frames by their first input row: partitions hold row ranges, so the frames' picked
        # rows one after the other are mostly in input order already (checked below)
        firsts = [int(k[0].min()) for k in self.keys]
        parts, rows_taken = [], []
        for f in sorted(range(len(self.frames)), key=firsts.__getitem__):
            local = positions[frame_of == f] - starts[f]
            if len(local):
                parts.append(self.frames[f].take(local))
                rows_taken.append(self.keys[f][0][local])
        if not parts:
            return self.frames[0].iloc[:0].reset_index(drop=True)
        if len(parts) > 1:
            parts = _common_categories(parts)
        out = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        taken = np.concatenate(rows_taken)
        if len(taken) > 1 and not bool((np.diff(taken) >= 0).all()):  # the duplicates' partition interleaves
            out = out.take(np.argsort(taken, kind="stable"))
        return out.reset_index(drop=True)

    def _prune(self) -> None:
        listed, problem = self._select()
        keep = np.union1d(listed, problem)  # a row on both lists once
        kept = self._take(keep)
        self.frames, self.keys, self.held = [kept], [self._keys_of(kept)], len(kept)

    def lists(self) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
        """``(listed, rejected, need, n_rejected)``: the 宗地清单 rows, the 问题记录 rows (both in input
        order, list columns only), how many rows needed listing and how many problem rows there are."""
        if not self.frames:
            empty = pd.DataFrame({"row": pd.Series([], dtype="int64"), "status": pd.Series([], dtype=object),
                                  "area_mu": pd.Series([], dtype=float)})
            return empty, empty.copy(), self.need, self.n_rejected
        listed, problem = self._select()
        drop = [LIST_PROBLEM, LIST_REJECTED]
        return (self._take(listed).drop(columns=drop), self._take(problem).drop(columns=drop), self.need,
                self.n_rejected)


def _common_categories(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """``frames`` with each column that is categorical in all of them given the union of their
    categories, so that concatenating them keeps it categorical (pandas turns categoricals with
    different categories into objects, then text, row by row: a second of the client's time at 10⁶
    parcels)."""
    from pandas.api.types import union_categoricals

    out = [f.copy(deep=False) for f in frames]
    for c in frames[0].columns:
        if all(c in f.columns and isinstance(f[c].dtype, pd.CategoricalDtype) for f in frames):
            cats = union_categoricals([f[c].array for f in frames], ignore_order=True).categories
            for f in out:
                f[c] = f[c].cat.set_categories(cats)
    return out


_EMPTY = {"rows": 0, "counts": {}, "file": None, "synthetic": 0, "layers_used": [], "areas": {}, "fee_wan": 0.0,
          "tables": {}, "list_rows": None, "need": 0, "n_rejected": 0, "slim": None}


#: the 亩产效益 run keeps each audited partition in its worker's memory until its 低效用地 columns are
#: known, and writes it once (instead of writing it, then reading and writing it again with the two new
#: columns: that second write was most of the CPU the dask engine spent beyond the single process), when
#: the input has at most this many parcels per worker thread; above, each partition is written as soon as
#: it is audited, so that a worker holds one partition at a time whatever the input's size
HOLD_MAX_ROWS_PER_THREAD = 500_000


def _split_partition(part: Partition, offset: int, dup_pos, *, field_map, crs, store, n_rows: int | None = None):
    """Read a partition (second pass): ``(its rows whose id is unique or None, their input rows, its
    rows whose id occurs more than once anywhere)``, the last with their input rows in :data:`ROW_COLUMN`,
    for :func:`_audit_duplicates`. ``dup_pos``: the positions of those rows (the first pass's
    :func:`_duplicate_positions`) or None; ``n_rows``: the partition's row count in the first pass. A task of its own
    (:func:`audit_parcels_on`), so that the duplicates' partition can be audited as soon as every
    partition is read, while the others are audited, instead of after the last of them."""
    gdf = read_partition(part, field_map=field_map, crs=crs, store=store).reset_index(drop=True)
    if n_rows is not None and len(gdf) != n_rows:  # the first pass's positions would point at other rows
        raise RuntimeError(f"dask 分区 {part!r} 第二次读出 {len(gdf)} 行，第一次为 {n_rows} 行"
                           "（输入在审计期间被改动？请在输入不变时重新运行）")
    lines = gdf.attrs.get("row_numbers")
    # a table's own line numbers (header on line 1, blank lines counted: the 原表行号 a clerk sees, as
    # the single engine gives); else the input's record number
    table = lines is not None and len(lines) == len(gdf)
    rows = np.asarray(lines, dtype=np.int64) if table else offset + np.arange(1, len(gdf) + 1)
    dup = np.zeros(len(gdf), dtype=bool)
    if dup_pos is not None:  # the rows whose id occurs more than once anywhere (the first pass found them)
        dup[np.asarray(dup_pos, dtype=np.int64)] = True
    held = gdf.loc[dup].assign(**{ROW_COLUMN: rows[dup]})
    held.attrs["table_rows"] = bool(table)  # whether ROW_COLUMN holds a table's line numbers
    keep = ~dup
    if not keep.any():
        return None, None, held
    kept = gdf if not dup.any() else gdf.loc[keep].reset_index(drop=True)
    kept.attrs["row_numbers"] = rows[keep].tolist() if table else None
    return kept, rows[keep], held


def _audit_kept_steps(kept, rows, out: str, *, as_of, rules, store, code_system, workbook: bool, slim: bool, hold: bool,
                      list_all: bool):
    """Audit :func:`_split_partition`'s unique rows: ``(summary, audited frame or None)``; written
    here unless ``hold``."""
    if kept is None:
        return dict(_EMPTY), None
    result = _audit_frame(kept, rows, as_of=as_of, rules=rules, store=store, code_system=code_system)
    del kept
    if not hold:
        write_partition(result, Path(out))
    summary = _partition_summary(result, out, workbook, slim, int(rules["excel"]["max_list_rows"]), list_all)
    return summary, result if hold else None


def _read_task(part: Partition, offset: int, dup_pos, *, field_map, crs, store, n_rows=None):
    """:func:`_split_partition` as a task (the collector paused as in the single engine: a worker process's
    own; on the in-process LocalCluster the caller has paused it already)."""
    from ..._memory import gc_paused

    with gc_paused():
        return _split_partition(part, offset, dup_pos, field_map=field_map, crs=crs, store=store, n_rows=n_rows)


def _audit_task(split, out: str, **kw):
    """:func:`_audit_kept_steps` on a :func:`_read_task`'s unique rows, as a task."""
    from ..._memory import gc_paused

    with gc_paused():
        return _audit_kept_steps(split[0], split[1], out, **kw)


def _audit_duplicates(held_frames, out: str, *, store, as_of, rules, code_system, workbook: bool = True,
                      slim: bool = False, hold: bool = False, list_all: bool = False):
    """The rows whose parcel id occurs in several partitions, audited together; returns
    ``(summary, audited frame or None)`` as :func:`_audit_task` does."""
    import geopandas as gpd

    frames = [h for h in held_frames if len(h)]
    if not frames:
        return dict(_EMPTY), None
    crs = frames[0].crs
    held = pd.concat([f.to_crs(crs) if f.crs != crs else f for f in frames], ignore_index=True)
    held = gpd.GeoDataFrame(held, geometry=frames[0].geometry.name, crs=crs).sort_values(ROW_COLUMN, kind="stable")
    rows = held[ROW_COLUMN].to_numpy()
    frame = held.drop(columns=ROW_COLUMN).reset_index(drop=True)
    # the line numbers of a table (原表行号), so that the validation's note says so, as a partition's does
    frame.attrs = {**frames[0].attrs, "row_numbers": rows.tolist() if frames[0].attrs.get("table_rows") else None}
    result = _audit_frame(frame, rows, as_of=as_of, rules=rules, store=store, code_system=code_system)
    if not hold:
        write_partition(result, Path(out))
    return (_partition_summary(result, out, workbook, slim, int(rules["excel"]["max_list_rows"]), list_all),
            result if hold else None)


def _part(pair, i: int):
    """Item ``i`` of a task's tuple (a task of its own, so that each item is a future of its own)."""
    return pair[i]


def audit_parcels_on(client, parts, folder: Path, *, field_map, crs, store, as_of, rules, code_system,
                      progress: bool, workbook: bool = True, slim: bool = False, clock=None, hold: bool = False,
                      on_summary=None, write_soon: bool = False):
    """The two passes of the idle audit over ``parts`` on ``client``; one GeoParquet per partition in ``folder``.

    Returns ``(sizes, dup_ids, results)``: input rows per partition, the duplicated parcel ids and
    one summary per written file (rows, status counts, file, synthetic rows, layers used and, with
    ``workbook``, the tables the idle-audit workbook is made of; with ``slim``, the columns the
    亩产效益 classes need, so that no step reads the written files again). ``clock``: a
    :class:`~.cluster.TaskClock` that gets the steps ``ids`` and ``audit``.

    ``hold``: when the input has at most :data:`HOLD_MAX_ROWS_PER_THREAD` parcels per worker thread,
    the audited partitions are not written but kept on their workers; each summary then has
    ``"frame"``, the future of its audited frame, and the caller writes it (see
    :func:`hold_fits`). Otherwise, or without ``hold``, every partition is written here.

    ``write_soon`` (with ``hold``): the held partitions are written by their workers whenever no
    audit is ready (tasks of lower priority, queued at once); each summary then has ``"written"``,
    the future of its write, instead of ``"frame"``.

    ``on_summary``: called on the client with ``(summary, n_rows)`` (``n_rows``: the input's rows) for
    each partition's summary as soon as that partition is done, while the workers audit the others
    (the idle audit merges its workbook rows there: :class:`ListRows`).
    """
    from distributed import as_completed
    from distributed import progress as show_progress

    import uuid

    # named as before (``ids_of``): the per-step figures (TaskClock) name the tasks by their key
    first = client.map(_id_keys, parts, field_map=field_map, crs=crs, store=store,
                       key=[f"ids_of-{uuid.uuid4().hex}" for _ in parts])
    if progress:
        progress_bar(show_progress, first)
    counted = client.gather(first)
    if clock is not None:
        clock.step("ids")
    sizes = [n for n, _ in counted]
    dup_ids, dup_pos = _duplicate_positions(counted)
    del counted
    offsets = np.r_[0, np.cumsum(sizes)[:-1]].astype(int)
    hold = bool(hold) and hold_fits(client, int(sum(sizes)))
    fresh_folder(folder)
    common = dict(field_map=field_map, crs=crs, store=store, as_of=as_of, rules=rules, code_system=code_system,
                  workbook=workbook, slim=slim, hold=hold,
                  list_all=bool(workbook) and int(sum(sizes)) <= int(rules["excel"]["max_list_rows"]))
    # per partition a read task (its duplicated rows apart) and an audit task: the duplicates' partition
    # needs only the reads, so it runs while the last partitions are audited, not after them
    second, helds = [], []
    audit_kw = {k: common[k] for k in ("as_of", "rules", "store", "code_system", "workbook", "slim", "hold",
                                       "list_all")}
    for i, (part, off, pos, n) in enumerate(zip(parts, offsets, dup_pos, sizes)):
        token = uuid.uuid4().hex  # the tasks' names in the per-step figures (TaskClock): read, audit
        split = client.submit(_read_task, part, int(off), pos, field_map=field_map, crs=crs, store=store,
                              n_rows=int(n), key=f"read_partition-{token}")
        helds.append(client.submit(_part, split, 2, pure=False))
        second.append(client.submit(_audit_task, split, str(folder / f"part-{i:05d}.parquet"),
                                    key=f"audit_partition-{token}", **audit_kw))
        del split  # the audit task's input only: released once it has run
    summaries = [client.submit(_part, f, 0, pure=False) for f in second]
    frames = [client.submit(_part, f, 1, pure=False) for f in second] if hold else [None] * len(second)
    dups = client.submit(_audit_duplicates, helds, str(folder / f"part-{len(parts):05d}-duplicates.parquet"),
                         store=store, as_of=as_of, rules=rules, code_system=code_system, workbook=workbook,
                         slim=slim, hold=hold, list_all=common["list_all"], pure=False)
    if progress:
        progress_bar(show_progress, second + [dups])
    summaries.append(client.submit(_part, dups, 0, pure=False))
    frames.append(client.submit(_part, dups, 1, pure=False) if hold else None)
    # the held partitions' writes queued at once, below the audits (priority -1): a worker thread
    # takes one whenever no audit is ready — while the other audits its last partition or the
    # duplicates, and while the client merges the lists and writes the workbook — instead of all
    # four waiting for the last audit
    files = [str(folder / f"part-{i:05d}.parquet") for i in range(len(parts))] + [
        str(folder / f"part-{len(parts):05d}-duplicates.parquet")]
    writes = ([client.submit(_write_held, fr, out, pure=False, priority=-1) for fr, out in zip(frames, files)]
              if hold and write_soon else [None] * len(frames))
    # each summary taken as its partition finishes, so that the client's own work on it (on_summary)
    # overlaps the partitions still running
    order = {f.key: i for i, f in enumerate(summaries)}
    results = [None] * len(summaries)
    for fut in as_completed(summaries):
        i = order[fut.key]
        results[i] = fut.result()
        if on_summary is not None:
            on_summary(results[i], int(sum(sizes)))
    del second, helds, dups, summaries  # only the frames' futures keep the audited partitions on the workers
    for r, fr, w in zip(results, frames, writes):
        if hold and r["file"]:
            r["frame" if w is None else "written"] = fr if w is None else w
    if clock is not None:
        clock.step("audit")
    kill_point("dask:written")
    n_rows = int(sum(r["rows"] for r in results))
    if n_rows != int(sum(sizes)):  # nothing is lost: every input row is in exactly one output file
        raise RuntimeError(f"dask 引擎写出 {n_rows} 行，而输入为 {sum(sizes)} 行（程序错误，请报告）")
    return sizes, dup_ids, results


def merge_read_notes(reader: list[list[str]], checks: list[list[str]]) -> list[str]:
    """The partitions' reading notes as one input's (the single engine's 读入说明): the readers' notes
    (each partition of a table reads the whole file: the same notes) once each; the validation's notes
    (each partition's own rows) once, with their counts of rows (``3 宗``, ``2 条``, ``4 个``, ``1 行``)
    added up — ``3 宗没有可用的面积`` and ``1 宗…`` are ``4 宗…``; other numbers (a year, ``第 2 行``) as written.

    Hand-written: the notes are Chinese sentences built by this package; no library merges them.

    Examples
    --------
    >>> merge_read_notes([["跳过 1 个空行"], ["跳过 1 个空行"]],
    ...                  [["3 宗没有可用的面积", "表头为第 1 行"], ["1 宗没有可用的面积", "表头为第 1 行"]])
    ['跳过 1 个空行', '4 宗没有可用的面积', '表头为第 1 行']
    >>> merge_read_notes([], [["按无日期处理：甲 2 个"], ["按无日期处理：乙 1 个、甲 3 个"]])
    ['按无日期处理：乙 1 个、甲 5 个']
    """
    import re

    count = re.compile(r"(?<![第\d,])(?<!第 )(\d[\d,]*)(?=\s*(?:宗|条|个|行))")
    out = list(dict.fromkeys(n for notes in reader for n in notes))
    merged: dict[tuple, dict] = {}
    longest: dict[str, list] = {}

    def add(into: dict, text: str) -> None:
        key = count.sub("#", text)
        nums = [int(x.replace(",", "")) for x in count.findall(text)]
        into[key] = [a + b for a, b in zip(into[key], nums)] if key in into else nums

    def shown(key: str, nums) -> str:
        parts = key.split("#")
        return parts[0] + "".join(f"{n:,}" + piece for n, piece in zip(nums, parts[1:]))

    for notes in checks:
        for note in dict.fromkeys(notes):
            head, sep, tail = note.rpartition("：")
            segments = tail.split("、") if sep else []
            if segments and count.search(head) is None and all(count.search(x) for x in segments):
                # "…处理：约定动工日期 1 个、实际动工日期 5 个": a list of counts, each field's added up
                # (a partition may name fields another does not)
                into = merged.setdefault(("list", head + sep), {})
                for x in segments:
                    add(into, x)
                keys = [count.sub("#", x) for x in segments]  # the fullest list's order (the fields' order)
                if len(keys) > len(longest.get(head + sep, [])):
                    longest[head + sep] = keys
            else:
                add(merged.setdefault(("whole", count.sub("#", note)), {}), note)
    for (kind, head), parts in merged.items():
        if kind == "whole":
            out.append(shown(*next(iter(parts.items()))))
        else:
            order = longest[head] + [k for k in parts if k not in longest[head]]
            out.append(head + "、".join(shown(k, parts[k]) for k in order))
    return list(dict.fromkeys(out))


def hold_fits(client, n_rows: int) -> bool:
    """Whether ``n_rows`` audited parcels may wait in the workers' memory (see
    :data:`HOLD_MAX_ROWS_PER_THREAD`): at most that many per worker thread of ``client``'s cluster."""
    # an in-process LocalCluster runs LOCAL_THREADS_PER_WORKER threads per worker: the limit counts workers
    threads = max(1, sum(client.nthreads().values()) // int(getattr(client, "dcf_threads_per_worker", 1) or 1))
    return n_rows <= HOLD_MAX_ROWS_PER_THREAD * threads


def layers_used_of(results) -> list[dict]:
    """The zone layers the partitions used (the same for all: the first that says)."""
    return next((r["layers_used"] for r in results if r.get("layers_used")), [])


def layer_notes_of(results) -> list[str]:
    """What the zone layers call for (a missing layer, parks cut to their cluster: ``join_zones``'
    ``attrs["layer_notes"]``), the same for every partition: the first partition's that says."""
    return list(next((r["layer_notes"] for r in results if r.get("layer_notes")), []))


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


def idle_dask(parcels, out_dir, *, as_of, scheduler: str | None = None, npartitions: int | None = None,
              n_workers: int = 2, field_map=None, crs=None, code_system: str = "auto", store=None,
              rules: dict | None = None, progress: bool = False, write=None) -> AuditResult:
    """Audit every parcel of a partitioned input on a dask cluster, writing ``out_dir/idle_audit.parquet/``.

    Call it through :func:`dcf_spatial.land.audit_idle` (``engine="dask"``), which checks the
    output folder first.

    Parameters
    ----------
    parcels
        A GeoParquet file or folder, a list of vector files, one vector file, or ``"pg:SCHEMA.TABLE"``.
    out_dir
        Receives ``idle_audit.parquet/``: the audited parcels, one file per partition, each row with
        its input ``row`` (the complete result; any older ``*.parquet`` in it is removed).
    scheduler
        Address of a running ``dask.distributed`` scheduler (``tcp://host:8786``); default: a
        ``LocalCluster`` of ``n_workers`` single-threaded processes, closed at the end.
    progress
        Show a progress bar on stderr (``distributed.progress``).
    write
        Optional: called with the result once the partitions are audited, before the cluster is
        closed (:func:`dcf_spatial.land.audit_idle` passes ``result.write``). Up to
        :data:`HOLD_MAX_ROWS_PER_THREAD` parcels per worker thread the audited partitions then wait
        on the workers and are written there while ``write`` makes the workbook on the client;
        ``write`` waits for them with ``result.details["wait_files"]()`` before it needs the files
        (the files are complete when this function returns, with or without ``write``).

    Returns
    -------
    AuditResult
        ``engine="dask"``; ``summaries`` the partitions' tables added up; ``frame`` read on first access.

    Examples
    --------
    >>> res = idle_dask("parcels_parquet/", "out/idle", as_of="2025-12-31")   # doctest: +SKIP
    """
    from .. import idle_audit

    rules = rules or idle_audit.load_rules()
    as_of = idle_audit.parse_as_of(as_of)
    store = store_text(store)
    folder = Path(out_dir) / RESULT_FOLDER
    t0 = time.perf_counter()
    parts = plan_partitions(parcels, npartitions=npartitions, store=store)
    client, cluster = connect(scheduler, n_workers, dashboard=True)
    try:
        dashboard, address = dashboard_link(client), client.scheduler.address
        logger.warning("dask: %d partitions on %s; dashboard %s", len(parts), address, dashboard)
        t1 = time.perf_counter()
        clock = TaskClock(client)
        merged: list[ListRows] = []

        def take_list_rows(summary, n_rows):  # on the client, while the other partitions run
            if not merged:
                merged.append(ListRows(int(rules["excel"]["max_list_rows"]), n_rows))
            merged[0].add(summary)

        sizes, dup_ids, results = audit_parcels_on(client, parts, folder, field_map=field_map, crs=crs, store=store,
                                                    as_of=as_of, rules=rules, code_system=code_system,
                                                    progress=progress, clock=clock, on_summary=take_list_rows,
                                                    hold=write is not None, write_soon=True)
        t2 = time.perf_counter()
        # the partitions held on the workers are written there (queued as they were audited, taken by
        # a worker thread whenever no audit is ready), while the client makes the workbook (write): on
        # 2 cores the workbook's serial writer and the partitions' writes overlap
        pending = [r.pop("written") for r in results if r.get("written") is not None] + [
            client.submit(_write_held, r.pop("frame"), r["file"], pure=False)
            for r in results if r.get("frame") is not None]
        result = _idle_result(parcels, folder, parts, sizes, dup_ids, results, merged, clock, rules=rules,
                              as_of=as_of, store=store, timings=(t0, t1, t2), address=address, dashboard=dashboard)
        if write is not None:
            result.details["wait_files"] = lambda: client.gather(pending)
            try:
                write(result)
            finally:
                result.details.pop("wait_files", None)
        client.gather(pending)  # the files complete before the cluster goes (at once if write waited)
        del pending
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return result


def _write_held(frame, out: str) -> str:
    """Write an audited partition held on its worker (see ``write`` of :func:`idle_dask`); nothing
    for a partition with no row left (all its rows were duplicates, audited in their own partition)."""
    if frame is None:
        return None
    write_partition(frame, Path(out))
    return out


def _idle_result(parcels, folder, parts, sizes, dup_ids, results, merged, clock, *, rules, as_of, store, timings,
                 address, dashboard) -> AuditResult:
    """The :class:`AuditResult` of :func:`idle_dask` from its partitions' summaries."""
    from .. import idle_audit, outputs
    from ..notes import synthetic_count_note
    from ..zones import METHOD_ZH

    t0, t1, t2 = timings
    counts = pd.Series(dtype=int)
    by_rows = pd.Series(dtype=int)
    areas = pd.Series(dtype=float)
    for r in results:
        counts = counts.add(pd.Series(r["counts"], dtype=int), fill_value=0)
        by_rows = by_rows.add(pd.Series(r.get("rows_by_status") or r["counts"], dtype=int), fill_value=0)
        areas = areas.add(pd.Series(r["areas"], dtype=float), fill_value=0)
    counts = counts.reindex(idle_audit.STATUS_ORDER, fill_value=0).astype(int)
    by_rows = by_rows.reindex(idle_audit.STATUS_ORDER, fill_value=0).astype(int)
    n_rows = int(sum(r["rows"] for r in results))
    files = [r["file"] for r in results if r["file"]]
    written = [r for r in results if r["file"]]
    layers_used = layers_used_of(results)
    n_synthetic = int(sum(r["synthetic"] for r in results))
    max_rows = int(rules["excel"]["max_list_rows"])
    n_dup_file = sum(1 for r in written if str(r["file"]).endswith("-duplicates.parquet"))
    where = (f"GeoParquet 文件夹 {folder.name}/（{len(files)} 个分区文件：每个输入分区的审计结果一个文件"
             + (f"，另有跨分区重复宗地代码的记录 {n_dup_file} 个文件" if n_dup_file else "")
             + f"；共 {n_rows:,} 行，row 列为原表行号）")
    notes = [
        f"东昌府区闲置土地审计（审计基准日 {as_of:%Y-%m-%d}），dask 分区计算：{len(parts)} 个输入分区（输入分成的并行审计单元），"
        f"{n_rows:,} 条记录，每条输入记录恰好一条结论（按 row 列对应原表行号）。",
        *[f"读入说明：{x}" for x in merge_read_notes([list((r.get("read_notes") or ([], []))[0]) for r in results],
                                                    [list((r.get("read_notes") or ([], []))[1]) for r in results])],
        f"依据{rules['regulation_zh']}第二条、第八条、第九条、第十二条、第十四条、第三十条。期间计算：{rules['period_rule_zh']}",
        *idle_audit.legal_notes(rules),
        f"重复宗地代码 {len(dup_ids):,} 个，相关记录集中在一个分区内统一核查，均保留、未合并。",
        synthetic_count_note(n_synthetic),
        outputs.zone_method_note(),
        *outputs.layers_note(layers_used),
        *layer_notes_of(results),
        f"完整结果：{where}。工作簿各汇总表由全部分区的汇总相加得出，合计等于 GeoParquet 的合计；"
        f"清单上限 {max_rows:,} 行（Excel 单表上限 1,048,576 行），超出时清单只列需处置或需核实的宗地。",
    ]
    summaries = {"status": merge_tables(written, "_status"),
                 **{k: v for k in outputs.ZONE_KEYS if (v := merge_tables(written, k)) is not None}}
    if summaries["status"] is None:  # no parcel at all: a workbook of zeros, as the single engine writes
        summaries["status"] = pd.DataFrame({"count": [], "area_mu": [], "fee_wan": []},
                                           index=pd.Index([], name="status"))
    logger.info("dask idle audit: %d parcels in %d partitions, %.1f s", n_rows, len(parts), t2 - t0)
    details = {"partitions": len(parts), "dashboard": dashboard, "scheduler": address, "duplicate_ids": len(dup_ids),
               "folder": folder, "parquet_files": files, "part_results": written, "n_synthetic": n_synthetic,
               "area_mu": {k: round(float(v), 4) for k, v in areas.items()},
               "fee_wan": round(sum(r["fee_wan"] for r in results), 4), "where": where, "rules": rules,
               "console": outputs.add_console_counts([r.get("console") for r in results]),
               "store": store, "t0": t0, "tasks": clock.table(),
               # the workbook's 宗地清单 and 问题记录 rows, merged as the partitions finished (ListRows)
               "list_rows": merged[0].lists() if merged else ListRows(max_rows, 0).lists()}
    return AuditResult(kind="idle", engine="dask", as_of=as_of, inputs={"parcels": parcels}, notes=notes,
                       counts={k: int(v) for k, v in counts.items()},
                       rows_by_status={k: int(v) for k, v in by_rows.items()}, summaries=summaries,
                       layers_used=layers_used, files={"parquet": files},
                       timings={"start_cluster": round(t1 - t0, 3), "audit": round(t2 - t1, 3)},
                       details=details, frame_source=lambda: read_result(folder.parent) if files else None)


def read_result(out_dir):
    """The audited parcels written by the dask engine into ``out_dir``, in input order (by ``row``).

    Parameters
    ----------
    out_dir
        The folder given to :func:`dcf_spatial.land.audit_idle` (holding ``idle_audit.parquet/``).

    Returns
    -------
    geopandas.GeoDataFrame

    Examples
    --------
    >>> parcels = read_result("out/idle")   # doctest: +SKIP
    """
    return read_folder(Path(out_dir) / RESULT_FOLDER)
