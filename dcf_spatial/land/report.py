"""The bureau's files, written from an :class:`~dcf_spatial.land.result.AuditResult` whichever engine ran.

One orchestration: :func:`write` takes the result's notes, summaries and rows and writes the Excel
workbook (:func:`~dcf_spatial.land.outputs.write_idle_workbook` /
:func:`~dcf_spatial.land.outputs.write_efficiency_excel`), the complete result (single engine: a
GeoPackage; the dask engine wrote its partitioned GeoParquet while auditing) and the HTML map
(parcel by parcel up to ``map.max_features``; above that, a dask result's townships and clusters
coloured by their share). A dask result also gets its ``*_summary.json`` (counts, notes, timings).
:func:`planned_outputs` lists the paths, so that :func:`dcf_spatial.land.audit_idle` can refuse an
existing output before any work is done.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .._memory import release_memory
from . import outputs
from .notes import short_synthetic

logger = logging.getLogger(__name__)

#: ``AuditResult.details`` key of the summaries still to be made (a function filling
#: ``AuditResult.summaries``), taken and called by the writer (:func:`summaries_ready`)
SUMMARIES_PENDING = "_summaries_pending"
#: ``AuditResult.details`` key of the parcels' geometries as read (:class:`dcf_spatial.io.read_wkb.ReadWkb`),
#: left by :func:`idle_single` for its writer: the complete list writes those bytes when the frame's
#: geometries are still the ones read, instead of encoding them again
READ_WKB_KEPT = "_read_wkb"


def summaries_ready(result) -> None:
    """Make ``result``'s summaries now if :func:`idle_single` left them to its writer (else nothing).

    Examples
    --------
    >>> summaries_ready(res); res.summaries["status"]   # doctest: +SKIP
    """
    pending = (result.details or {}).pop(SUMMARIES_PENDING, None)
    if pending is not None:
        pending()


def planned_outputs(kind: str, engine: str, folder, *, parcels: bool = True, map: bool = True,
                    gpkg: bool = False) -> list[Path]:
    """Every path an audit of ``kind`` run by ``engine`` writes into ``folder`` (GeoParquet folders included).

    Parameters
    ----------
    kind
        ``"idle"`` or ``"efficiency"``.
    engine
        ``"single"`` or ``"dask"``.
    folder
        The output folder.
    parcels
        Efficiency only: whether parcels were given (the GeoPackage/GeoParquet and map need them).
    map
        Whether the HTML map is wanted.
    gpkg
        Idle, single engine: the GeoPackage asked for (it is also written, unasked, for at most
        :data:`~dcf_spatial.land.outputs.GPKG_AUTO_MAX_ROWS` parcels; that is checked when writing).

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> [p.name for p in planned_outputs("idle", "single", "out", map=False)]
    ['idle_audit.xlsx', 'idle_audit.parquet']
    """
    from .files import EFFICIENCY_ENTERPRISES, EFFICIENCY_PARCELS, EFFICIENCY_SUMMARY, RESULT_FOLDER, SUMMARY_FILE

    folder = Path(folder)
    names = outputs.IDLE_FILES if kind == "idle" else outputs.EFFICIENCY_FILES
    out = [names["excel"]]
    if kind == "idle" or parcels:
        if engine == "single" and kind == "idle":
            out += [names["parquet"]] + ([names["gpkg"]] if gpkg else [])
        elif engine == "single":
            out.append(names["gpkg"])
        if map:
            out.append(names["map"])
    if engine == "dask":
        if kind == "idle":
            out = [RESULT_FOLDER, SUMMARY_FILE, *out]
        else:
            out = [EFFICIENCY_ENTERPRISES, EFFICIENCY_SUMMARY, *out] + ([EFFICIENCY_PARCELS] if parcels else [])
    return [folder / n for n in out]


def write(result, folder: Path, *, overwrite: bool = False, map: bool = True, basemap: str = "none",
          gpkg: bool = False) -> dict:
    """Write ``result``'s files into ``folder``; return them (also stored in ``result.files``).

    See :meth:`dcf_spatial.land.result.AuditResult.write`.
    """
    from ..io.output_set import write_set

    writer = {("idle", "single"): _idle_single, ("idle", "dask"): _idle_dask,
              ("efficiency", "single"): _efficiency_single, ("efficiency", "dask"): _efficiency_dask}
    folder = Path(folder)
    # the files of one run are written as a set: into a staging folder, moved into place at the end,
    # manifest.json last — a run killed part-way leaves the earlier result as it was (issue 14)
    planned = planned_outputs(result.kind, result.engine, folder, parcels=result.parcels is not None
                              or result.kind == "idle" or result.engine == "dask", map=map,
                              gpkg=True)  # checked whether or not written: a small audit writes it anyway
    # the dask engine wrote its GeoParquet folders while auditing; the single engine writes its files here
    written_before = [p for p in planned if result.engine == "dask" and p.suffix == ".parquet"]
    outputs.check_outputs([p for p in planned if p not in written_before], overwrite)
    kw = {"gpkg": gpkg} if (result.kind, result.engine) == ("idle", "single") else {}
    # the manifest (the inputs' sha256: at 10⁶ parcels a 0.5 GB file read once more) is made in a
    # thread of its own while the files are written; it reads the result, never writes to it
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dcf-manifest") as pool:
        record = pool.submit(manifest, result)
        files = write_set(folder, lambda stage: writer[(result.kind, result.engine)](
            result, stage, overwrite=True, map=map, basemap=basemap, **kw), overwrite=overwrite,
            manifest=record.result, extra=[p.name for p in written_before])
    if result.engine == "dask" and isinstance(result.details.get("summary"), dict):
        import json as _json

        summary_path = Path(files.get("summary") or "")
        if summary_path.is_file():
            result.details["summary"] = _json.loads(summary_path.read_text(encoding="utf-8"))
    result.files = files
    return files


def manifest(result) -> dict:
    """What produced an audit's files, for ``manifest.json`` (:func:`dcf_spatial.io.output_set.write_set`).

    The inputs with their sha256 (``None`` for a table or a frame), the as-of date, the zone
    layers used (with the store's version and sha256 of each), the rules (sha256 of the rules in
    effect, and whether they were the shipped file) and the row counts.

    Examples
    --------
    >>> manifest(res)["rows"]  # doctest: +SKIP
    {'in': 2000, 'out': 2000, 'counts': {...}}
    """
    import hashlib

    from ..io.output_set import sha256_of

    inputs = {}
    for name, value in (result.inputs or {}).items():
        label = value if isinstance(value, (str, Path)) else type(value).__name__
        inputs[name] = {"value": str(label), "sha256": sha256_of(value) if isinstance(value, (str, Path)) else None}
    def digest(obj):
        return hashlib.sha256(json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()

    rules = (result.details or {}).get("rules")
    rules_sha = digest(rules) if rules is not None else None
    rules_file = None
    if result.kind == "idle" and rules is not None:
        from .idle_audit import load_rules

        rules_file = ("dcf_spatial/data/idle_land_rules.json（随附）" if digest(load_rules()) == rules_sha
                      else "用户提供的规则（rules=）")
    n_out = int(sum(v for v in (result.rows_by_status or result.counts).values() if isinstance(v, (int, np.integer))))
    frame = result.frame_source if not callable(result.frame_source) else None
    return {"kind": result.kind, "engine": result.engine,
            "as_of": f"{result.as_of:%Y-%m-%d}" if result.as_of is not None else None,
            "inputs": inputs, "layers": _layers_record(result.layers_used),
            "rules": {"sha256": rules_sha, "file": rules_file},
            "rows": {"in": len(frame) if frame is not None else n_out, "out": n_out, "counts": result.counts,
                     **({"rows_by_status": result.rows_by_status} if result.rows_by_status else {})}}


def _layers_record(layers_used) -> list:
    """The layers used as the manifest lists them: id, provenance and the catalog's version and sha256."""
    out = []
    for entry in layers_used or []:
        rec = dict(entry) if isinstance(entry, dict) else {"id": str(entry)}
        out.append({k: (v if isinstance(v, (str, int, float, bool, type(None))) else str(v)) for k, v in rec.items()})
    return out


# --- idle audit -----------------------------------------------------------------------------------------
def _idle_workbook_args(result) -> dict:
    rules = result.details["rules"]
    # the files named as the user receives them (the desk's downloads: details["file_names"], QA F6)
    shown = result.details.get("file_names")
    return {"notes": [outputs.shown_file_names(n, shown) for n in result.notes], "max_list_rows": int(rules["excel"]["max_list_rows"]),
            "summaries": {k: result.summaries[k] for k in outputs.ZONE_KEYS if k in result.summaries}}


def _idle_single(result, folder: Path, *, overwrite, map, basemap, gpkg=False) -> dict:
    gpkg = gpkg or len(result.frame) <= outputs.GPKG_AUTO_MAX_ROWS
    files = {k: folder / v for k, v in outputs.IDLE_FILES.items() if (k != "map" or map) and (k != "gpkg" or gpkg)}
    outputs.check_outputs(files.values(), overwrite)
    folder.mkdir(parents=True, exist_ok=True)
    r = result.frame
    rules = result.details["rules"]
    t = {"start": time.perf_counter()}
    max_rows = int(rules["excel"]["max_list_rows"])
    gpkg_cols = [c for c in outputs.IDLE_COLUMNS_ZH if c in r.columns] + ["township_id", "cluster_id", "park_id"]
    complete = r[[c for c in gpkg_cols if c in r.columns] + [r.geometry.name]]  # one selection, no recast copy

    from ..io.output_set import hash_written

    # each file is hashed for the manifest by its writer as soon as it is written (the other thread
    # still writing), not read back by the manifest after every file is done
    def complete_list():  # the complete list, in a thread of its own (see below)
        outputs.write_geoparquet(complete, files["parquet"], read_wkb=(result.details or {}).get(READ_WKB_KEPT))
        hash_written(files["parquet"])
        t["parquet"] = time.perf_counter()
        if "gpkg" in files:
            from .gpkg_note import idle_gpkg_aliases, idle_gpkg_description

            # the workbook's Chinese headers as field aliases, and what is schematic in the description (QA user F8)
            outputs.write_gpkg(complete, files["gpkg"], layer="idle_audit", aliases=idle_gpkg_aliases(),
                               description=idle_gpkg_description(r, result.layers_used, as_of=result.as_of))
            hash_written(files["gpkg"])
            t["gpkg"] = time.perf_counter()

    def parcel_map():  # the map, in a thread of its own (see below)
        note = outputs.idle_map_note(result.layers_used, short_synthetic(r))
        written = outputs.write_idle_parcel_map(r, files["map"], as_of=result.as_of,
                                                max_features=int(rules["map"]["max_features"]), note=note,
                                                overwrite=overwrite, basemap=basemap)
        if written is not None:
            hash_written(files["map"])
        t["map"] = time.perf_counter()
        return written

    # The complete list (GeoParquet, slice by slice), the map and the summaries are made in three more
    # threads while this one picks the workbook's list rows, then writes the workbook once the
    # summaries are there: arrow's parquet writer and most of the workbook's Rust writer release the
    # GIL, so on two cores the writes overlap, and the map's fixed costs (its imports, the layers, the
    # font; ~1 s, mostly Python) no longer wait for the workbook. The threads only read: ``complete``
    # (a selection of the result's columns) and the frame; nothing is written to the frame while they
    # run (the summaries go into ``result.summaries``, read here only after they are made).
    from concurrent.futures import ThreadPoolExecutor

    def summaries():  # left to here by the single engine: made beside the complete list, the map and
        summaries_ready(result)  # the picking of the workbook's list rows (none of which needs them)
        t["summaries"] = time.perf_counter()

    pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="dcf-write")
    pending = pool.submit(complete_list)
    map_pending = pool.submit(parcel_map) if map else None
    summarised = pool.submit(summaries)
    try:
        # only the workbook's columns, and only for the rows it lists: the rows are picked from the
        # three columns that decide them, then taken (a selection of ~20 columns over every parcel
        # first was ~170 MB more at the peak at 10⁶ parcels; the same rows and values either way)
        slim_cols = [c for c in dict.fromkeys(("status", "problems", "area_mu", "place_reason", "month_fields",
                                               *outputs.EXCEL_LIST_COLUMNS))
                     if c in r.columns]
        keys = r[[c for c in ("status", "problems", "area_mu") if c in r.columns]]
        where = outputs.shown_file_names(outputs.GPKG_WHERE, result.details.get("file_names"))
        pos, note = outputs.idle_list_positions(keys, max_rows=max_rows, where=where)
        listed = r[slim_cols] if pos is None else _rows_of(r, pos, slim_cols)
        bad = np.flatnonzero(outputs.rejected_rows(keys))
        # the 问题记录 sheet's few columns only (a data-correction list; the full rows are in the lists)
        rejected = _rows_of(r, bad[:max_rows], [c for c in outputs.REJECTED_COLUMNS if c in r.columns])
        del keys, pos
        summarised.result()
        args = _idle_workbook_args(result)
        outputs.write_idle_workbook(files["excel"], by_status=result.summaries["status"], listed=listed,
                                    list_note=note, rejected=rejected, n_rejected=len(bad),
                                    n_total=len(r), data_note=outputs.sheet_note(result.layers_used,
                                                                                short_synthetic(r) + "。"),
                                    where=where, **args)
        del listed, rejected, bad
        hash_written(files["excel"])
        t["excel"] = time.perf_counter()
    finally:
        pool.shutdown(wait=True)  # the staging folder is not removed under a writing thread
    pending.result()  # its error, if it failed
    if map_pending is not None and map_pending.result() is None:
        files.pop("map")
    del complete
    release_memory()
    result.timings.update({k: round(v - t["start"], 3) for k, v in t.items() if k != "start"})
    return {k: str(v) for k, v in files.items()}


def _rows_of(frame, pos, cols) -> pd.DataFrame:
    """``frame.iloc[pos][cols]`` taken column by column: only ``cols`` at ``pos`` are copied (a take of
    the rows first copied every column, the geometry included: at 10⁶ parcels, 10⁵ listed rows × ~60
    columns); the same values, index, order and attrs."""
    out = pd.DataFrame({c: frame[c].iloc[pos].reset_index(drop=True) for c in cols})
    out.index = frame.index[pos]
    out.attrs = dict(frame.attrs)
    return out


def _dask_idle_workbook(result, path: Path) -> dict:
    """The idle workbook of a dask result, with the single engine's sheet builders.

    The summaries are the partitions' tables added up (in ``result.summaries``); the list and the
    problem rows came back with the partitions' summaries and were merged on the client as the
    partitions finished (:class:`dcf_spatial.land.dask.engine.ListRows`, the single engine's
    :func:`~dcf_spatial.land.outputs.pick_list_rows`): no partition file is read back here.
    """
    n = int(sum((result.rows_by_status or result.counts).values()))  # rows: the list lists every row
    args = _idle_workbook_args(result)
    max_rows, where = args["max_list_rows"], result.details["where"]
    listed, rejected, need, n_rejected = result.details["list_rows"]
    note = outputs.list_note(n, max_rows=max_rows, listed=len(listed), need=need, where=where)
    data_note = outputs.sheet_note(result.layers_used, short_synthetic(result.details["n_synthetic"]) + "。")
    outputs.write_idle_workbook(path, by_status=result.summaries["status"], listed=listed, list_note=note,
                                rejected=rejected, n_rejected=n_rejected, n_total=n, data_note=data_note,
                                where=where, **args)
    return {"listed": len(listed), "rejected": n_rejected}


def _summary_map_note(n: int, max_features: int, folder: Path, shown: str = "各状态宗数") -> str:
    return (f"共 {n:,} 宗，多于逐宗绘制上限 {max_features:,} 宗：本图不画宗地，按镇（街道）和工业集聚区汇总着色，"
            f"点击区域查看{shown}；逐宗结果见 {folder.name}/（GeoParquet）与 Excel 工作簿")


def _idle_dask(result, folder: Path, *, overwrite, map, basemap) -> dict:
    from .files import SUMMARY_FILE
    from .idle_audit import STATUS_ORDER

    d = result.details
    excel_path, summary_path = folder / outputs.IDLE_FILES["excel"], folder / SUMMARY_FILE
    map_path = folder / outputs.IDLE_FILES["map"] if map else None
    outputs.check_outputs([p for p in (excel_path, summary_path, map_path) if p is not None], overwrite)
    folder.mkdir(parents=True, exist_ok=True)
    rules, files = d["rules"], d["parquet_files"]
    n_rows = int(sum((result.rows_by_status or result.counts).values()))
    t2 = time.perf_counter()
    listed = _dask_idle_workbook(result, excel_path)
    t3 = time.perf_counter()
    # the partitions may still be being written on the workers (idle_dask's write): wait for them before
    # anything reads them (the parcel map) and before this set's files are described
    wait_files = d.get("wait_files") or (lambda: None)
    if map_path is not None and files and n_rows <= int(rules["map"]["max_features"]):
        wait_files()
    map_kind = None
    if map_path is not None:
        max_features = int(rules["map"]["max_features"])
        note = outputs.idle_map_note(result.layers_used, short_synthetic(d["n_synthetic"]))
        if not files:
            logger.warning("未写出 HTML 地图：输入中没有宗地")
            written = None
        elif n_rows <= max_features:  # few parcels: the single engine's map, parcel by parcel
            written = outputs.write_idle_parcel_map(result.frame, map_path, as_of=result.as_of,
                                                    max_features=max_features, note=note, overwrite=overwrite,
                                                    basemap=basemap)
            map_kind = "parcels"
        else:
            tables = {kind: result.summaries[key].assign(
                idle_share=result.summaries[key]["idle_count"]
                / result.summaries[key]["total"].where(result.summaries[key]["total"] > 0))
                for kind, key in (("township", "township_zh"), ("cluster", "cluster_zh")) if key in result.summaries}
            popup = {"total": "宗地数", **{s: outputs.STATUS_GROUP_ZH[s] for s in STATUS_ORDER},
                     **{k: outputs.SUMMARY_COLUMNS_ZH[k] for k in ("idle_count", "idle_area_mu", "determined_count",
                                                                     "area_mu", "fee_wan")}}
            written = outputs.write_zone_summary_map(
                tables, map_path, title=f"闲置土地审计（基准日 {result.as_of:%Y-%m-%d}）：镇街与集聚区汇总",
                share_col="idle_share", count_col="total", high="闲置", what="闲置宗地占比", popup_fields=popup,
                note=_summary_map_note(n_rows, max_features, d["folder"]) + "；" + note, store=d["store"],
                cuts=rules["map"].get("zone_share_cuts", outputs.ZONE_SHARE_CUTS), overwrite=overwrite,
                basemap=basemap)
            map_kind = "zones"
        if written is None:
            map_path, map_kind = None, None
    t4 = time.perf_counter()
    wait_files()
    t5 = time.perf_counter()
    result.timings.update({"excel": round(t3 - t2, 3), "map": round(t4 - t3, 3), "wait_files": round(t5 - t4, 3),
                           "total": round(result.timings.get("start_cluster", 0) + result.timings.get("audit", 0)
                                          + t5 - t2, 3)})
    summary = {"as_of": f"{result.as_of:%Y-%m-%d}", "rows": n_rows, "partitions": d["partitions"],
               "counts": result.counts, "rows_by_status": result.rows_by_status, "area_mu": d["area_mu"],
               "fee_wan": d["fee_wan"], "files": files, "folder": str(d["folder"]), "excel": str(excel_path),
               "excel_listed": listed["listed"], "excel_rejected": listed["rejected"],
               "map": str(map_path) if map_path is not None else None, "map_kind": map_kind,
               "summary_file": str(summary_path), "dashboard": d["dashboard"], "scheduler": d["scheduler"],
               "duplicate_ids": d["duplicate_ids"], "layers_used": result.layers_used,
               # the console's lines, as the single engine prints them (dcf_spatial.cli.audit.idle_count_lines)
               "status_rows": outputs.status_rows(result.summaries["status"])[
                   ["status", "status_zh", "count", "area_mu", "area_unknown"]].to_dict("records"),
               "console": d.get("console"),
               "timings": dict(result.timings), "tasks": d.get("tasks"), "notes": result.notes}
    summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    d["summary"] = summary
    return {"parquet": files, "excel": str(excel_path), "map": summary["map"], "summary": str(summary_path)}


# --- 亩产效益 -----------------------------------------------------------------------------------------------
def _efficiency_excel(result, path: Path, notes: list[str], synthetic: str) -> None:
    outputs.write_efficiency_excel(result.frame, path, notes=[n for n in notes if n], low_tables=result.summaries,
                                   data_note=outputs.sheet_note(result.layers_used, synthetic + "。"))


def _efficiency_single(result, folder: Path, *, overwrite, map, basemap) -> dict:
    from .idle_audit import load_rules

    audited = result.parcels
    files = {"excel": folder / outputs.EFFICIENCY_FILES["excel"]}
    if audited is not None:
        files["gpkg"] = folder / outputs.EFFICIENCY_FILES["gpkg"]
        if map:
            files["map"] = folder / outputs.EFFICIENCY_FILES["map"]
    outputs.check_outputs(files.values(), overwrite)
    folder.mkdir(parents=True, exist_ok=True)
    _efficiency_excel(result, files["excel"], result.notes, short_synthetic(result.frame))
    if audited is not None:
        cols = ["parcel_id", "holder", "credit_code", "township_zh", "cluster_zh", "park_zh", "area_mu", "status_zh",
                "eff_class_zh", "low_efficiency"] + (["synthetic"] if "synthetic" in audited.columns else [])
        outputs.write_gpkg(audited[cols + [audited.geometry.name]], files["gpkg"], layer="efficiency_parcels")
        if map:
            note = outputs.idle_map_note(result.layers_used, short_synthetic(audited))
            written = outputs.write_efficiency_parcel_map(
                audited, result.details["latest"], result.details["class_names_zh"], files["map"],
                max_features=int(load_rules()["map"]["max_features"]), note=note, overwrite=overwrite,
                basemap=basemap)
            if written is None:
                files.pop("map")
    return {k: str(v) for k, v in files.items()}


def _efficiency_dask(result, folder: Path, *, overwrite, map, basemap) -> dict:
    from .files import EFFICIENCY_SUMMARY, read_folder

    d = result.details
    excel_path, summary_path = folder / outputs.EFFICIENCY_FILES["excel"], folder / EFFICIENCY_SUMMARY
    par_folder = d["par_folder"]
    map_path = folder / outputs.EFFICIENCY_FILES["map"] if par_folder is not None and map else None
    outputs.check_outputs([p for p in (excel_path, summary_path, map_path) if p is not None], overwrite)
    folder.mkdir(parents=True, exist_ok=True)
    t2 = time.perf_counter()
    where = (f"完整结果：企业 {d['ent_folder'].name}/" + (f"，宗地 {par_folder.name}/（GeoParquet，含每宗地的分类与低效用地标记）"
                                                   if par_folder is not None else "") + "。")
    _efficiency_excel(result, excel_path, result.notes + [where], short_synthetic(d["n_synthetic"]))
    result.timings["excel"] = round(time.perf_counter() - d["t0"], 3)
    map_kind = None
    n_parcels, low_tables, rules = d["n_parcels"], result.summaries, d["rules"]
    if map_path is not None:
        max_features = int(rules["map"]["max_features"])
        note = outputs.idle_map_note(result.layers_used, short_synthetic(d["n_synthetic"]))
        if n_parcels <= max_features:  # few parcels: the single engine's map, parcel by parcel
            written = outputs.write_efficiency_parcel_map(
                read_folder(par_folder), d["latest"], d["class_names_zh"], map_path,
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
                note=_summary_map_note(n_parcels, max_features, par_folder, "宗地数与低效用地面积") + "；" + note,
                store=d["store"], cuts=rules["map"].get("zone_share_cuts", outputs.ZONE_SHARE_CUTS),
                overwrite=overwrite, basemap=basemap)
            map_kind = "zones"
        if written is None:
            map_path, map_kind = None, None
        result.timings["map"] = round(time.perf_counter() - d["t0"], 3)
    result.timings["total"] = round(result.timings.get("write", 0) + time.perf_counter() - t2, 3)
    summary = {"rows": len(result.frame), "parcels": n_parcels, "partitions": d["partitions"],
               "as_of": f"{result.as_of:%Y-%m-%d}" if result.as_of is not None else None,
               "counts": result.counts, "class_names_zh": d["class_names_zh"],
               "low_tables": {k: v.to_dict(orient="records") for k, v in low_tables.items()},
               "files": {"enterprises": result.files.get("enterprises", []), "parcels": result.files.get("parcels", [])},
               "summary_file": str(summary_path), "excel": str(excel_path),
               "map": str(map_path) if map_path is not None else None, "map_kind": map_kind,
               "dashboard": d["dashboard"], "scheduler": d["scheduler"], "layers_used": result.layers_used,
               "timings": dict(result.timings), "tasks": d.get("tasks"), "notes": result.notes}
    summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    d["summary"] = summary
    return {**summary["files"], "excel": str(excel_path), "map": summary["map"], "summary": str(summary_path)}
