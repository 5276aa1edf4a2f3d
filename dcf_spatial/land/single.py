"""The single-process engine of the two audits: read → check → audit → zones, in memory.

:func:`idle_single` and :func:`efficiency_single` return an :class:`~dcf_spatial.land.result.AuditResult`
and write nothing; :mod:`dcf_spatial.land.report` writes its files. Call them through
:func:`dcf_spatial.land.audit_idle` / :func:`dcf_spatial.land.audit_efficiency` (``engine="single"``).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pandas as pd

from . import idle_audit, outputs
from ..progress import steps_bar
from .._memory import large_blocks_returned, release_memory
from .notes import synthetic_note
from .report import READ_WKB_KEPT, SUMMARIES_PENDING
from .result import AuditResult

logger = logging.getLogger(__name__)

class _SharedKinds:
    """The zone kinds to join, handed out one at a time to whichever thread asks first.

    The join thread (:func:`~dcf_spatial.land.zones.join_zones` with ``assign=self.assign``) queues
    every kind of ``layers`` at its first call and runs them in order; the main thread, its field
    checks done, takes those not yet started (:meth:`help`) instead of waiting idle: on two cores
    the join's last kind runs beside the others. Each kind's answer is
    :func:`~dcf_spatial.land.zones.assign_largest_share`'s, whichever thread computes it."""

    def __init__(self, layers: dict):
        import threading
        from concurrent.futures import Future

        self._lock = threading.Lock()
        self._layers = {k: v[1] for k, v in layers.items() if v[0] is not None}
        self._todo: list = []
        self._answers = {k: Future() for k in self._layers}
        self._work = None
        self._ready = threading.Event()  # set once the join thread has the reprojected parcels

    def assign(self, kind, work, zones):  # join_zones' ``assign``, in the join thread
        with self._lock:
            if self._work is None:
                self._work, self._todo = work, list(self._layers)
        self._ready.set()
        self._run()
        return self._answers[kind].result()

    def _run(self) -> None:
        from .zones import assign_largest_share

        while True:
            with self._lock:
                if not self._todo:
                    return
                kind = self._todo.pop(0)
            future = self._answers[kind]
            try:
                future.set_result(assign_largest_share(self._work, self._layers[kind]))
            except BaseException as exc:  # raised in the join thread, which waits for every kind
                future.set_exception(exc)

    def close(self) -> None:
        """Let go of the reprojected parcels and the answers (the join has returned its frame)."""
        with self._lock:
            self._work, self._answers, self._todo = None, {}, []

    def help(self, pending) -> None:
        """In the main thread: run the kinds not yet started (none once the join thread has ended)."""
        while not self._ready.wait(0.05):
            if pending.done():
                return
        self._run()


def idle_single(parcels, *, as_of, imagery=None, built_class=None, field_map=None, crs=None, layer=None,
                encoding=None, swap_xy: bool = False, code_system: str = "auto", store=None,
                rules: dict | None = None, progress: bool = False, write=None,
                area_unit: str | None = None) -> AuditResult:
    """Audit every parcel of ``parcels`` (a file path, ``pg:SCHEMA.TABLE`` or a GeoDataFrame) in this process.

    The parameters are those of :func:`dcf_spatial.land.audit_idle`; ``rules`` replaces the shipped
    ``idle_land_rules.json``; ``progress`` shows each step on stderr. Nothing is written, unless
    ``write`` is given: a callable taking the result (``lambda r: r.write(out)``), run as the last
    step of the progress, so that 完成 is shown only once the files are written.

    Returns
    -------
    AuditResult
        ``kind="idle"``, ``engine="single"``; ``frame`` has one row per input parcel.

    Examples
    --------
    >>> res = idle_single("parcels.gpkg", as_of="2025-12-31")   # doctest: +SKIP
    """
    from .imagery import built_fraction, evidence_flags, imagery_note
    from .parcels import finish_parcels, read_parcel_rows, validate_parcels, working_geometry
    from .zones import join_zones, zone_layers

    rules = rules or idle_audit.load_rules()
    as_of = idle_audit.parse_as_of(as_of)
    # the columns freed by each step handed back to the system at once, not kept on the heap until
    # the next trim (at 10⁶ parcels ~0.2 GB of the peak, during the field checks)
    large_blocks_returned()
    t = {"start": time.perf_counter()}
    cpu = {"start": time.process_time()}  # CPU time per step too: wall time is inflated on a shared machine
    bar = steps_bar((4 if imagery is None else 5) + (write is not None), "闲置土地审计", progress)
    bar.step("读入宗地")
    if isinstance(parcels, (str, Path)):
        from ..io.output_set import hash_ahead

        # the input's sha256 for the manifest, on the second core while this one reads (idle then)
        hash_ahead(parcels)
        from ..io.read_wkb import READ_WKB

        # the geometries as read (WKB), kept when the files are written: the complete list reuses
        # them when nothing changed them (see report.READ_WKB_KEPT)
        rows = read_parcel_rows(parcels, crs=crs, layer=layer, field_map=field_map, encoding=encoding,
                                swap_xy=swap_xy, store=store, keep_wkb=write is not None)
        read_wkb = rows.attrs.pop(READ_WKB, None)
        source = str(parcels)
    else:
        from ..io.rows import check_rows

        # the geometry checks every file reader applies (empty flagged, invalid repaired by make_valid):
        # an invalid polygon in a frame would otherwise end the zone join in a GEOS error (issue 14)
        rows = check_rows(parcels.copy(), where="(GeoDataFrame)", notes=[], location=False) if len(parcels) else parcels
        source = parcels.attrs.get("source_file", "(GeoDataFrame)")
        read_wkb = None
    # the reader's arrow buffers (the text as read; the WKB unless kept) are free now but
    # held by arrow's allocator, which the geometry work that follows cannot reuse: handed back first
    release_memory()
    t["read"] = time.perf_counter()
    cpu["read"] = time.process_time()
    bar.step("检查字段、量算面积")
    # Two things at a time (on two cores the wall time is nearly halved for them): a second thread
    # reprojects the geometry once (pyproj and shapely release the GIL for most of it) and then joins
    # the zones with it (GEOS, GIL released), while this thread checks the fields; the areas wait for
    # the reprojection only. The join then ends with the field checks, so the reprojected geometry is
    # freed before the rules run, not held beside their new columns (at 10⁶ parcels ~0.4 GB less at
    # the peak). The join reads only the geometry and the placing columns of the rows as read, which
    # the checks leave unchanged (the same answers as joining the checked rows); the store is read
    # here, in this thread, before the join starts.
    from concurrent.futures import Future, ThreadPoolExecutor

    layers = zone_layers(store=store)
    shared = _SharedKinds(layers[0])
    work_ready: Future = Future()
    placing = rows[[c for c in (rows.geometry.name, "location_method", "place_level", "place_reason") if c in rows.columns]] \
        if hasattr(rows, "geometry") else rows

    def reproject_then_join(frame, work_ready):
        try:
            work = working_geometry(frame)  # reprojected once: the areas and the zone join use it
        except BaseException as exc:
            work_ready.set_exception(exc)
            raise
        work_ready.set_result(work)
        # the kinds one after the other (threads=False): this thread already runs beside the checks
        return join_zones(frame, store=store, working=work, layers=layers, threads=False, assign=shared.assign)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dcf-audit") as pool:
        pending_zones = pool.submit(reproject_then_join, placing, work_ready)
        del placing
        if isinstance(parcels, (str, Path)):
            data = finish_parcels(rows, parcels, code_system=code_system, working=work_ready.result,
                                  area_unit=area_unit)
        else:
            data = validate_parcels(rows, source="(GeoDataFrame)", code_system=code_system,
                                    working=work_ready.result, area_unit=area_unit)
        del rows
        if read_wkb is not None and read_wkb.for_geometry(data.geometry.values) is None:
            read_wkb = None  # geometries repaired, reprojected or placed by name: the writer encodes them
        t["validate"] = time.perf_counter()
        cpu["validate"] = time.process_time()
        bar.step("镇街与集聚区归属")
        shared.help(pending_zones)  # the kinds the join thread has not started yet, here
        try:
            zones = pending_zones.result()
        finally:
            shared.close()  # the reprojected geometry is freed with the join's end (below), not held here
        # (the rules wait for the join's end: run beside it, they held their new columns beside the
        # reprojected geometry, ~0.2–0.4 GB more at the peak at 10⁶ parcels, over the 2.5 GB aim)
        del work_ready  # the reprojected geometry: freed with the join's end
        release_memory()
        t["zones"] = time.perf_counter()
        cpu["zones"] = time.process_time()
    bar.step("逐宗审计")
    result = idle_audit.audit_idle(data, as_of=as_of, rules=rules)
    t["rules"] = time.perf_counter()
    cpu["rules"] = time.process_time()
    read_notes = list(data.attrs.get("read_notes", []))
    del data
    for c in zones.columns:
        result[c] = zones[c].to_numpy() if not isinstance(zones[c].dtype, (pd.StringDtype, pd.CategoricalDtype)) else zones[c].array
    release_memory()
    t["audit"] = time.perf_counter()
    cpu["audit"] = time.process_time()
    layers_used = zones.attrs.get("layers_used", [])
    notes = [
        f"东昌府区闲置土地审计（审计基准日 {as_of:%Y-%m-%d}）——依据{rules['regulation_zh']}第二条、第八条、第九条、第十二条、第十四条、第三十条。",
        *idle_audit.as_of_notes(result, as_of),
        "期间计算：" + rules["period_rule_zh"],
        *idle_audit.legal_notes(rules),
        synthetic_note(result),
        f"输入文件：{source}，共 {idle_audit.rows_zh(len(result), idle_audit.footer_count(result), unit='条记录')}，"
        f"输出 {len(result):,} 条（每条输入记录恰好一条结论，重复宗地代码不合并）。",
        *[f"读入说明：{x}" for x in read_notes],
        outputs.zone_method_note(),
        *outputs.layers_note(layers_used),
        *zones.attrs.get("notes", []),
    ]
    if imagery is not None:
        bar.step("影像佐证")
        frac = built_fraction(result, imagery, built_class=built_class)
        result["built_fraction"] = frac["built_fraction"].to_numpy()
        result["imagery_flag"] = evidence_flags(result, frac, rules=rules).to_numpy()
        notes.append(imagery_note(imagery, built_class, result["imagery_flag"], frac["footprint"]))
        t["imagery"] = time.perf_counter()
        cpu["imagery"] = time.process_time()
    # each parcel once (a repeated id's later rows not again, as the workbooks count); every row apart
    counts, rows_by_status = idle_audit.status_counts(result), idle_audit.status_counts(result, rows=True)
    max_rows = int(rules["excel"]["max_list_rows"])
    reclaim = idle_audit.reclaim_line_zh(idle_audit.reclaim_counts(result), rules)
    if reclaim:   # apart from the fee total, which they are not in (QA user F12)
        notes.append(reclaim + "。")
    notes.append(outputs.complete_list_note(len(result), max_rows=max_rows))
    timings = {k: round(v - t["start"], 3) for k, v in t.items() if k != "start"}
    logger.info("Idle audit of %d parcels done in %.1f s", len(result), max(timings.values(), default=0))
    res = AuditResult(kind="idle", engine="single", as_of=as_of, inputs={"parcels": source}, notes=notes,
                      counts=counts, rows_by_status=rows_by_status, summaries={}, layers_used=layers_used,
                      timings=timings,
                      details={"rules": rules, "timings_cpu": {k: round(v - cpu["start"], 3)
                                                               for k, v in cpu.items() if k != "start"}},
                      frame_source=result)

    def summaries():
        res.summaries.update({"status": outputs.status_table(result),
                              **{key: idle_audit.summarize(result, by=[key]) for key in outputs.ZONE_KEYS
                                 if key in result.columns}})
        release_memory()

    if write is not None:
        bar.step("写出结果（工作簿、完整清单、地图）")
        # the summaries are made by the writer (report.py), once its thread writing the complete list
        # (GeoParquet, which does not need them) has started: the two overlap on two cores
        res.details[SUMMARIES_PENDING] = summaries
        if read_wkb is not None:
            res.details[READ_WKB_KEPT] = read_wkb
        try:
            write(res)  # a failure is raised as it is, without a 完成 line
        finally:
            res.details.pop(READ_WKB_KEPT, None)  # ~0.1 GB a million parcels: not held by the result
            pending = res.details.pop(SUMMARIES_PENDING, None)
        if pending is not None:  # a writer that did not make them
            pending()
    else:
        summaries()
    bar.close()
    return res


def efficiency_single(enterprises, *, parcels=None, as_of=None, scoring=None, field_map=None, parcel_field_map=None,
                      crs=None, layer=None, parcel_layer=None, encoding=None, swap_xy: bool = False,
                      store=None) -> AuditResult:
    """亩产效益 classes for every enterprise row, and 低效用地 by zone, in this process.

    The parameters are those of :func:`dcf_spatial.land.audit_efficiency`. Nothing is written.

    Returns
    -------
    AuditResult
        ``kind="efficiency"``, ``engine="single"``; ``frame`` has one row per enterprise row,
        ``parcels`` the audited parcels (or None), ``summaries`` the 低效用地 tables by zone.

    Examples
    --------
    >>> res = efficiency_single("企业.csv", parcels="宗地.gpkg", as_of="2025-12-31")   # doctest: +SKIP
    """
    from . import efficiency
    from .parcels import read_enterprises, read_parcels, validate_enterprises, validate_parcels
    from .zones import join_zones

    cfg = efficiency.load_scoring(scoring)
    t0 = time.perf_counter()
    if isinstance(enterprises, (str, Path)):
        ent = read_enterprises(enterprises, field_map=field_map, encoding=encoding, sheet=layer)
        source = str(enterprises)
    else:
        ent = validate_enterprises(enterprises, source="(DataFrame)")
        source = "(DataFrame)"
    notes = [
        "东昌府区工业企业亩产效益评价——规划依据：第十章第四节（要素保障政策：用好“亩产效益”评价结果，"
        "加大A类、B类企业支持力度，倒逼C、D类企业提升资源要素利用效率）；低效用地盘活见第九章第四节。",
        *efficiency.scoring_notes(cfg, ent),
        synthetic_note(ent),
        f"输入企业表：{source}，共 {len(ent):,} 行，输出 {len(ent):,} 行（重复信用代码不合并）。",
        *[f"读入说明：{x}" for x in ent.attrs.get("read_notes", [])],
        efficiency.row_note(ent),
    ]
    audited, latest, as_of_ts = None, None, None
    if as_of is not None:  # a wrong date is an error even when no parcels need it
        idle_audit.parse_as_of(as_of)
    low_tables = {}
    layers_used = []
    parcel_source = None
    if parcels is not None:
        if isinstance(parcels, (str, Path)):
            pdata = read_parcels(parcels, crs=crs, layer=parcel_layer, field_map=parcel_field_map, encoding=encoding,
                                 swap_xy=swap_xy, store=store)
        else:
            pdata = validate_parcels(parcels, source="(GeoDataFrame)")
        parcel_source = str(parcels) if isinstance(parcels, (str, Path)) else "(GeoDataFrame)"
        as_of_ts = idle_audit.parse_as_of(as_of if as_of is not None else pd.Timestamp.today())
        audited = idle_audit.audit_idle(pdata, as_of=as_of_ts)
        zones = join_zones(audited, store=store)
        layers_used = zones.attrs.get("layers_used", [])
        for c in zones.columns:
            audited[c] = zones[c].to_numpy() if not isinstance(zones[c].dtype, (pd.StringDtype, pd.CategoricalDtype)) else zones[c].array
        notes += [f"宗地：{parcel_source}，{len(audited):,} 宗，"
                  f"闲置状态按基准日 {as_of_ts:%Y-%m-%d} 审计（{'指定' if as_of is not None else '未指定基准日，取今天'}）。",
                  synthetic_note(audited) if "synthetic" in audited.columns else "",
                  *outputs.layers_note(layers_used), *zones.attrs.get("notes", [])]
    link = efficiency.link_parcels(ent, audited)
    ent = efficiency.attach_land_area(ent, audited, link=link)
    classed = efficiency.classify(ent, scoring=cfg, as_of=idle_audit.parse_as_of(as_of) if as_of is not None else None)
    for extra in (efficiency.enterprise_zones(classed, audited, link=link), efficiency.link_columns(classed, audited, link=link)):
        for c in extra.columns:
            classed[c] = extra[c].array
    link_lines = efficiency.link_summary_zh(classed)
    notes += link_lines
    if audited is not None:
        firms = efficiency.parcel_firms(audited, classed, link=link)
        low = efficiency.low_efficiency_parcels(audited, classed, firms=firms)
        audited["low_efficiency"] = low.to_numpy()
        latest = efficiency.latest_by_firm(classed)
        cmap = latest.set_index("firm_key")["eff_class_zh"]
        audited["eff_class_zh"] = firms.map(cmap).astype("string").fillna("无企业记录")
        for by, name in (("township_zh", "按镇街"), ("cluster_zh", "按集聚区"), ("park_zh", "按园区")):
            low_tables[name] = efficiency.low_efficiency_by_zone(audited, low, by=by)
        notes.append("低效用地 = D类企业（最近年度）的宗地 + 闲置土地（闲置、满两年可收回、开发不足中止满一年），每宗只计一次，按区域汇总面积（亩）。")
    else:
        notes.append("未提供宗地表：用地面积取企业填报值，所在镇街取企业表所填，集聚区汇总与低效用地无法计算。")
    counts = classed["eff_class"].value_counts().reindex(list(efficiency.CLASS_ORDER), fill_value=0).to_dict()
    logger.info("Efficiency classes for %d enterprise rows in %.1f s: %s", len(classed), time.perf_counter() - t0, counts)
    inputs = {"enterprises": source, **({"parcels": parcel_source} if parcel_source else {})}
    return AuditResult(kind="efficiency", engine="single", as_of=as_of_ts, inputs=inputs, notes=notes, counts=counts,
                       summaries=low_tables, layers_used=layers_used, parcels=audited,
                       timings={"total": round(time.perf_counter() - t0, 3)},
                       details={"latest": latest, "class_names_zh": {k: v["name_zh"] for k, v in cfg["classes"].items()},
                                "parcel_link_zh": link_lines},
                       frame_source=classed)
