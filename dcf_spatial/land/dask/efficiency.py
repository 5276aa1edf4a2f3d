"""The dask engine of the 亩产效益 audit: parcels audited partition by partition, classes settled once.

The classes are ranks over *all* enterprises of a year (A the top 20 %, D the bottom 5 % by
default), so :func:`efficiency_dask` works in steps:

1. the parcels (optional; any input :func:`~.partitions.plan_partitions` takes) are audited for
   idleness and joined to their zones partition by partition, on the workers, exactly as the idle
   audit's dask engine does (:mod:`.engine`), written to ``efficiency_parcels.parquet/``;
2. each partition sends back only a slim table (row, credit code, area in 亩, zone names,
   status — no geometry); the enterprise table's partitions are read on the workers;
3. on the client, the single-process functions, unchanged, give every enterprise its land area
   from its parcels, its indicators and score, and the global class cuts per year
   (:func:`~dcf_spatial.land.efficiency.classify`), its zones and 低效用地 by zone;
4. each parcel partition gets its ``low_efficiency`` and ``eff_class_zh`` columns on the workers;
5. the classed enterprise rows are written to ``efficiency_enterprises.parquet/``, one file per
   enterprise partition.

The workbook and map are written from the returned :class:`~dcf_spatial.land.result.AuditResult`
by :mod:`dcf_spatial.land.report`, as for the single engine.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..result import AuditResult
from .cluster import TaskClock, connect, dashboard_link, progress_bar, store_text
from ..files import EFFICIENCY_ENTERPRISES, EFFICIENCY_PARCELS, EFFICIENCY_SUMMARY, read_folder
from .engine import SLIM_COLUMNS, audit_parcels_on, fresh_folder, layer_notes_of, layers_used_of  # noqa: F401
from .partitions import read_table_partition, plan_partitions

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)

def _firms(attrs: pd.DataFrame, named: pd.Series | None) -> pd.Series:
    """Each parcel's firm: its own credit code, else the one the enterprise table names it for by
    宗地编号 (``named``: parcel ``row`` → credit code, computed once on the client by
    :func:`~dcf_spatial.land.efficiency.parcel_firms`)."""
    own = attrs["credit_code"].astype("string").str.upper()
    if named is None or not len(named) or "row" not in attrs.columns:
        return own
    return own.fillna(pd.Series(attrs["row"].map(named).to_numpy(), index=attrs.index, dtype="string"))


def _mark_low(path: str, latest: pd.DataFrame, named: pd.Series | None = None) -> dict:
    """Third pass: add ``low_efficiency`` and ``eff_class_zh`` to an audited partition, as the
    single-process engine does (``latest``: each credit code's class in its latest year).

    Only the two new columns are computed (from ``credit_code`` and ``status``); the file's other
    columns, its geometry included, are carried over as Arrow data, never decoded into shapes and
    encoded again — that round trip was most of this step (see :func:`append_columns`)."""
    import pyarrow.parquet as pq

    from .. import efficiency

    table = pq.read_table(path)
    attrs = table.select(["credit_code", "status"] + (["row"] if named is not None and len(named) else [])).to_pandas()
    firms = _firms(attrs, named)
    low = efficiency.low_efficiency_parcels(attrs, latest, firms=firms)
    cmap = latest.set_index("firm_key")["eff_class_zh"]
    eff = firms.map(cmap).astype("string").fillna("无企业记录")
    append_columns(table, pd.DataFrame({"low_efficiency": low.to_numpy(), "eff_class_zh": eff.array}), Path(path))
    return {"rows": table.num_rows, "low": int((low != "").sum())}


def _mark_frame(result, path: str, latest: pd.DataFrame, named: pd.Series | None = None) -> dict:
    """Third pass on a partition held in memory (:data:`~.engine.HOLD_MAX_ROWS_PER_THREAD`): the single
    engine's ``low_efficiency`` and ``eff_class_zh`` columns added to the audited frame, which is then
    written, once."""
    from .. import efficiency
    from .engine import write_partition

    firms = _firms(result, named)
    low = efficiency.low_efficiency_parcels(result, latest, firms=firms)
    cmap = latest.set_index("firm_key")["eff_class_zh"]
    result["low_efficiency"] = low.to_numpy()
    result["eff_class_zh"] = firms.map(cmap).astype("string").fillna("无企业记录").array
    write_partition(result, Path(path))
    return {"rows": len(result), "low": int((low != "").sum())}


def append_columns(table, extra: pd.DataFrame, path: Path) -> None:
    """Write ``table`` (a GeoParquet file read with pyarrow) with the columns of ``extra`` added or replaced.

    Written by hand because neither geopandas nor pyarrow adds a column to a Parquet file: the file
    is rewritten, but from Arrow data, so the geometry stays WKB bytes. The file's GeoParquet
    metadata is kept, and its pandas metadata gets the new columns' entries, so that
    ``geopandas.read_parquet`` gives them the dtypes ``extra`` has (e.g. ``string``) — what a
    GeoDataFrame with these columns written by ``to_parquet`` reads back as.
    """
    import json
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    add = pa.Table.from_pandas(extra.reset_index(drop=True), preserve_index=False)
    keep = [c for c in table.column_names if c not in extra.columns]
    table = table.select(keep)
    for name in add.column_names:
        table = table.append_column(add.schema.field(name), add.column(name))
    meta = dict(table.schema.metadata or {})
    if b"pandas" in meta:
        pandas_meta = json.loads(meta[b"pandas"])
        new = json.loads(add.schema.metadata[b"pandas"])["columns"]
        pandas_meta["columns"] = [c for c in pandas_meta["columns"] if c.get("name") not in extra.columns] + new
        meta[b"pandas"] = json.dumps(pandas_meta).encode()
    table = table.replace_schema_metadata(meta)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)  # a reader never sees a half-written file


def efficiency_dask(enterprises, out_dir, *, parcels=None, as_of=None, scheduler: str | None = None,
                    npartitions: int | None = None, n_workers: int = 2, scoring=None, field_map=None,
                    parcel_field_map=None, crs=None, code_system: str = "auto", store=None,
                    progress: bool = False) -> AuditResult:
    """亩产效益 classes on a dask cluster, identical row for row to the single engine (see the module docstring).

    Call it through :func:`dcf_spatial.land.audit_efficiency` (``engine="dask"``), which checks
    the output folder first. ``as_of`` (the idle audit's date) defaults to today, as in the single engine.

    Returns
    -------
    AuditResult
        ``kind="efficiency"``, ``engine="dask"``; ``frame`` the classed enterprise rows (in memory),
        ``summaries`` the 低效用地 tables; the parcels are in ``out_dir/efficiency_parcels.parquet/``.

    Examples
    --------
    >>> res = efficiency_dask("企业.csv", "out/eff", parcels="parcels_parquet/", as_of="2025-12-31")  # doctest: +SKIP
    """
    from .. import efficiency, idle_audit, outputs
    from ..notes import synthetic_count_note, synthetic_flags, synthetic_note
    from ..parcels import validate_enterprises

    cfg = efficiency.load_scoring(scoring)
    rules = idle_audit.load_rules()
    store = store_text(store)
    out_dir = Path(out_dir)
    ent_folder, par_folder = out_dir / EFFICIENCY_ENTERPRISES, out_dir / EFFICIENCY_PARCELS
    t0 = time.perf_counter()
    ent_parts = plan_partitions(enterprises, npartitions=npartitions, store=store, option="--enterprises", table=True)
    par_parts = plan_partitions(parcels, npartitions=npartitions, store=store) if parcels is not None else []
    as_of_ts = idle_audit.parse_as_of(as_of if as_of is not None else pd.Timestamp.today())
    client, cluster = connect(scheduler, n_workers, dashboard=True)
    t = {}
    try:
        dashboard, address = dashboard_link(client), client.scheduler.address
        logger.warning("dask: %d enterprise and %d parcel partitions on %s; dashboard %s", len(ent_parts),
                       len(par_parts), address, dashboard)
        t["start_cluster"] = time.perf_counter()
        clock = TaskClock(client)
        ent_futures = client.map(read_table_partition, ent_parts, field_map=field_map, store=store, pure=False)
        slim, results, dup_ids, files, held = None, [], frozenset(), [], {}
        if par_parts:
            _sizes, dup_ids, results = audit_parcels_on(
                client, par_parts, par_folder, field_map=parcel_field_map, crs=crs, store=store, as_of=as_of_ts,
                rules=rules, code_system=code_system, progress=progress, workbook=False, slim=True, clock=clock,
                hold=True)
            files = [r["file"] for r in results if r["file"]]
            # the audited partitions still on the workers (small inputs: see HOLD_MAX_ROWS_PER_THREAD)
            held = {r["file"]: r.pop("frame") for r in results if r.get("frame") is not None}
            # the slim columns came back with each partition's summary: no step reads the files again
            slim = pd.concat([r["slim"] for r in results if r.get("slim") is not None], ignore_index=True)
            for r in results:
                r.pop("slim", None)
            slim = slim.sort_values("row", kind="stable").reset_index(drop=True)
        t["parcels"] = time.perf_counter()
        raw = client.gather(ent_futures)
        clock.step("enterprises")
        t["enterprises"] = time.perf_counter()
        ent_sizes = [len(r) for r in raw]
        ent = validate_enterprises(pd.concat(raw, ignore_index=True), source=", ".join(p.label for p in ent_parts))
        del raw
        link = efficiency.link_parcels(ent, slim)
        ent = efficiency.attach_land_area(ent, slim, link=link)
        classed = efficiency.classify(ent, scoring=cfg,
                                      as_of=idle_audit.parse_as_of(as_of) if as_of is not None else None)
        for extra in (efficiency.enterprise_zones(classed, slim, link=link),
                      efficiency.link_columns(classed, slim, link=link)):
            for c in extra.columns:
                classed[c] = extra[c].array
        low_tables = {}
        latest = efficiency.latest_by_firm(classed)
        # a plain frame (no attrs, no references into ``classed``), sent to the workers once
        latest = pd.DataFrame({c: latest[c].to_numpy()
                               for c in ("firm_key", "credit_code", "year", "eff_class", "eff_class_zh")})
        named = None
        if slim is not None:
            firms = efficiency.parcel_firms(slim, classed, link=link)
            low = efficiency.low_efficiency_parcels(slim, classed, firms=firms)
            # only the parcels the enterprise table names by 宗地编号 (no credit code of their own) go to the workers
            lent = firms.notna().to_numpy() & slim["credit_code"].isna().to_numpy() if "credit_code" in slim else firms.notna().to_numpy()
            named = pd.Series(firms[lent].to_numpy(dtype=object), index=slim["row"].to_numpy()[lent])
            for by, name in (("township_zh", "按镇街"), ("cluster_zh", "按集聚区"), ("park_zh", "按园区")):
                low_tables[name] = efficiency.low_efficiency_by_zone(slim, low, by=by)
            t["classify"] = time.perf_counter()  # the client's own step ends: ranks, cuts, 低效用地 tables
            clock.step("classes")
            shared = client.scatter(latest, broadcast=True)
            marks = [client.submit(_mark_frame, held.pop(f), f, shared, named, pure=False) if f in held
                     else client.submit(_mark_low, f, shared, named, pure=False) for f in files]
            # the client writes the enterprise files while the workers write the parcels' (it waits otherwise)
            ent_files = _write_enterprises(classed, ent_sizes, ent_folder)
            if progress:
                from distributed import progress as show_progress

                progress_bar(show_progress, marks)
            marked = client.gather(marks)
            clock.step("mark")
            if sum(m["rows"] for m in marked) != len(slim):  # pragma: no cover - a lost write
                raise RuntimeError("dask 引擎：低效用地一步没有改写全部宗地（程序错误，请报告）")
        t["classes"] = time.perf_counter()
        tasks = clock.table()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if slim is None:
        ent_files = _write_enterprises(classed, ent_sizes, ent_folder)
    t["write"] = time.perf_counter()
    counts = classed["eff_class"].value_counts().reindex(list(efficiency.CLASS_ORDER), fill_value=0)
    layers_used = layers_used_of(results)
    n_par_synthetic = int(sum(r["synthetic"] for r in results))
    notes = [
        "东昌府区工业企业亩产效益评价（dask 分区计算）——规划依据：第十章第四节（要素保障政策：用好“亩产效益”评价结果，"
        "加大A类、B类企业支持力度，倒逼C、D类企业提升资源要素利用效率）；低效用地盘活见第九章第四节。",
        f"企业表 {len(ent_parts)} 个分区，共 {len(classed):,} 行，输出 {len(classed):,} 行（重复信用代码不合并；"
        "分类按全部企业同一年度的排名一次划定，与单进程引擎逐行一致）。",
        *efficiency.scoring_notes(cfg, classed),
        synthetic_note(classed),
        *efficiency.link_summary_zh(classed),
    ]
    if slim is not None:
        notes += [f"宗地 {len(par_parts)} 个分区，{len(slim):,} 宗，闲置状态按基准日 {as_of_ts:%Y-%m-%d} 审计"
                  f"（{'指定' if as_of is not None else '未指定基准日，取今天'}）；重复宗地代码 {len(dup_ids):,} 个，均保留。",
                  synthetic_count_note(n_par_synthetic),
                  *outputs.layers_note(layers_used),
                  *layer_notes_of(results),
                  "低效用地 = D类企业（最近年度）的宗地 + 闲置土地（闲置、满两年可收回、开发不足中止满一年），每宗只计一次，按区域汇总面积（亩）。"]
    else:
        notes.append("未提供宗地表：用地面积取企业填报值，所在镇街取企业表所填，集聚区汇总与低效用地无法计算。")
    notes = [n for n in notes if n]
    n_synthetic = int(synthetic_flags(classed).sum()) + n_par_synthetic
    logger.info("dask efficiency audit: %d enterprise rows, %d parcels, %.1f s", len(classed),
                0 if slim is None else len(slim), time.perf_counter() - t0)
    details = {"partitions": {"enterprises": len(ent_parts), "parcels": len(par_parts)}, "dashboard": dashboard,
               "scheduler": address, "n_parcels": 0 if slim is None else len(slim), "n_synthetic": n_synthetic,
               "ent_folder": ent_folder, "par_folder": par_folder if slim is not None else None,
               "latest": latest, "class_names_zh": {k: v["name_zh"] for k, v in cfg["classes"].items()},
               "rules": rules, "store": store, "t0": t0, "tasks": tasks}
    inputs = {"enterprises": enterprises, **({"parcels": parcels} if parcels is not None else {})}
    return AuditResult(kind="efficiency", engine="dask", as_of=as_of_ts if slim is not None else None, inputs=inputs,
                       notes=notes, counts={k: int(v) for k, v in counts.items()}, summaries=low_tables,
                       layers_used=layers_used, files={"enterprises": ent_files, "parcels": files},
                       timings={k: round(v - t0, 3) for k, v in t.items()}, details=details, frame_source=classed)


def _write_enterprises(classed: pd.DataFrame, sizes: list[int], folder: Path) -> list[str]:
    """The classed enterprise rows, one Parquet file per input partition (``sizes``: its rows, in order)."""
    fresh_folder(folder)
    files = []
    bounds = np.r_[0, np.cumsum(sizes)].astype(int)
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        if b > a:
            f = folder / f"part-{i:05d}.parquet"
            _write_table(classed.iloc[a:b], f)
            files.append(str(f))
    return files


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
    """The classed enterprises and (with parcels) the marked parcels the dask engine wrote into
    ``out_dir``, each in input order (by ``row``).

    Parameters
    ----------
    out_dir
        The folder given to :func:`dcf_spatial.land.audit_efficiency`.

    Returns
    -------
    tuple
        ``(enterprises, parcels)``; ``parcels`` is None when the audit had none.

    Examples
    --------
    >>> ent, parcels = read_efficiency_result("out/eff")   # doctest: +SKIP
    """
    out_dir = Path(out_dir)
    ent = pd.concat([pd.read_parquet(f) for f in sorted((out_dir / EFFICIENCY_ENTERPRISES).glob("*.parquet"))],
                    ignore_index=True).sort_values("row", kind="stable").reset_index(drop=True)
    folder = out_dir / EFFICIENCY_PARCELS
    return ent, (read_folder(folder) if folder.exists() and any(folder.glob("*.parquet")) else None)
