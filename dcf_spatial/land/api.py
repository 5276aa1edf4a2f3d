"""The two audits' public entry points: :func:`audit_idle` and :func:`audit_efficiency`.

Each reads the input, runs the rules on the chosen engine — ``"single"`` (this process,
:mod:`.single`) or ``"dask"`` (partitions on a ``dask.distributed`` cluster, :mod:`.dask`) — and
returns one :class:`~dcf_spatial.land.result.AuditResult`; its ``write`` method writes the files.

Who writes what, and when:

* ``engine="single"`` writes nothing unless ``out`` is given; then the outputs are checked before
  any work and written at the end (the same as ``audit_idle(...).write(out)``, except that an
  existing file is refused before the audit rather than after it).
* ``engine="dask"`` needs ``out``: the complete result is written there as partitioned GeoParquet
  while the partitions are audited (it may not fit in one process's memory); the workbook, the map
  and the summary JSON are then written into ``out`` by the same ``write``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..errors import InputError
from ..new_folders import removed_on_error
from .result import AuditResult

logger = logging.getLogger(__name__)

ENGINES = ("single", "dask")


def _check_engine(engine: str, out, reader_options: dict) -> None:
    if engine not in ENGINES:
        raise InputError(f"engine：未知的计算引擎 {engine!r}；可选 {', '.join(ENGINES)}。")
    if engine == "dask":
        if out is None:
            raise InputError("engine='dask' 须给出输出文件夹 out：分区结果（GeoParquet）在计算时即写入该文件夹。")
        given = [k for k, v in reader_options.items() if v]
        if given:
            raise InputError(f"dask 引擎不支持 {'、'.join(given)}（请给出 GeoParquet 或可直接读取的文件），或改用单进程引擎。")


def audit_idle(parcels, *, as_of, imagery=None, built_class: int | None = None, engine: str = "single",
               scheduler: str | None = None, partitions: int | None = None, n_workers: int = 2, store=None,
               crs=None, field_map: dict | None = None, layer=None, encoding: str | None = None, swap_xy: bool = False,
               code_system: str = "auto", rules: dict | None = None, out=None, overwrite: bool = False,
               map: bool = True, basemap: str = "none", progress: bool = False, gpkg: bool = False,
               record: bool = False, area_unit: str | None = None) -> AuditResult:
    """闲置土地审计: a conclusion for every parcel under 《闲置土地处置办法》 Art. 2, 8 and 14.

    Parameters
    ----------
    parcels
        Single engine: a file path (SHP, GPKG, GeoJSON, KML, CSV/XLSX with coordinates),
        ``"pg:SCHEMA.TABLE"`` or a GeoDataFrame. Dask engine: a GeoParquet file or folder, one vector
        file, a list of files, or ``"pg:SCHEMA.TABLE"``.
    as_of
        The audit date (``"YYYY-MM-DD"`` or a timestamp).
    imagery, built_class
        Single engine: a land-cover GeoTIFF for each parcel's built-up fraction, and its built-up
        class value (default: a 0/1 mask).
    engine
        ``"single"`` (one process) or ``"dask"`` (partitions on a cluster; needs ``out``).
    scheduler, partitions, n_workers
        Dask engine: scheduler address (default a ``LocalCluster`` of ``n_workers`` workers: threads of
        this process up to 2, processes above) and how many partitions to cut one file or table into.
    progress
        Progress on stderr (both engines): a bar on a terminal, plain lines in a log.
    store
        The layer store for the zones: a :class:`dcf_spatial.store.Store`, a GeoPackage path or a
        ``postgresql://`` URL; None means the active store.
    crs, field_map, layer, encoding, swap_xy, code_system
        Reader options (see :func:`dcf_spatial.io.read_vector`); ``field_map`` maps canonical names
        to the file's columns (``{"agreed_start": "约定开工"}``); ``code_system`` the land-use code
        standard (``"auto"``, ``"2017"``, ``"2023"``). The dask engine takes only ``crs``,
        ``field_map`` and ``code_system``.
    rules
        Replaces the shipped ``idle_land_rules.json``.
    area_unit
        Single engine: the unit (``"亩"``, ``"公顷"``, ``"平方米"``) of an area column whose header names
        none (面积); without it that column is read in the one unit its values fit, else not used, and
        the reading note says which (:mod:`dcf_spatial.land.area_unit`).
    out, overwrite, map, basemap, gpkg
        When ``out`` is given, the files are written there (see :meth:`AuditResult.write`);
        existing files are refused before any work unless ``overwrite``. The complete list is
        ``idle_audit.parquet`` (GeoParquet); ``gpkg=True`` adds ``idle_audit.gpkg`` at any size
        (single engine; it is written anyway for at most 100,000 parcels).

    Returns
    -------
    AuditResult
        ``kind="idle"``; ``frame`` one row per input parcel, in input order.

    Examples
    --------
    >>> import dcf_spatial.land as land
    >>> res = land.audit_idle("宗地.gpkg", as_of="2025-12-31")                    # doctest: +SKIP
    >>> res.counts["idle_reclaim"], res.write("out/idle")["excel"]               # doctest: +SKIP
    (3, 'out/idle/idle_audit.xlsx')
    >>> land.audit_idle("parcels_parquet/", as_of="2025-12-31", engine="dask", out="out/big")  # doctest: +SKIP
    """
    _check_engine(engine, out, {"imagery": imagery is not None, "built_class": built_class is not None,
                                "layer": layer, "encoding": encoding, "swap_xy": swap_xy,
                                "area_unit": area_unit} if engine == "dask" else {})
    from .audit_arguments import check_idle_arguments

    check_idle_arguments(parcels, engine=engine, store=store, rules=rules, field_map=field_map, code_system=code_system,
                         encoding=encoding, out=out)
    if area_unit is not None:
        from .area_unit import area_unit_code

        area_unit_code(area_unit)  # an unknown unit refused before any work
    if out is not None:
        from .report import planned_outputs
        from .outputs import check_outputs

        # gpkg=True: a small audit writes the GeoPackage even when not asked, so it is checked too
        check_outputs(planned_outputs("idle", engine, out, map=map, gpkg=True), overwrite,
                      inputs=_input_paths(parcels, imagery))
    with removed_on_error(out):  # a run that stops leaves no empty folder it made (QA30 F10)
        result = _idle(parcels, as_of=as_of, imagery=imagery, built_class=built_class, engine=engine,
                       scheduler=scheduler, partitions=partitions, n_workers=n_workers, store=store, crs=crs,
                       field_map=field_map, layer=layer, encoding=encoding, swap_xy=swap_xy, code_system=code_system,
                       rules=rules, out=out, overwrite=overwrite, map=map, basemap=basemap, progress=progress,
                       gpkg=gpkg, record=record, area_unit=area_unit)
        _record(result, record, store, out)
    return result


def _idle(parcels, *, as_of, imagery, built_class, engine, scheduler, partitions, n_workers, store, crs, field_map,
          layer, encoding, swap_xy, code_system, rules, out, overwrite, map, basemap, progress, gpkg, record,
          area_unit) -> AuditResult:
    """The idle audit on its engine, writing ``out`` when given (:func:`audit_idle`, its inputs checked)."""
    if engine == "dask":
        from .._memory import gc_paused
        from .dask.engine import idle_dask

        # the collector paused as in the single engine: on the default LocalCluster the worker threads
        # run in this process (worker processes pause it in each task: see dask.engine). The files are
        # written while the cluster is up: the workers write their partitions as the workbook is made
        with gc_paused():
            result = idle_dask(parcels, Path(out), as_of=as_of, scheduler=scheduler, npartitions=partitions,
                               n_workers=n_workers, field_map=field_map, crs=crs, code_system=code_system,
                               store=store, rules=rules, progress=progress,
                               write=_recorded_first(lambda res: res.write(out, overwrite=overwrite, map=map,
                                                                           basemap=basemap, gpkg=gpkg),
                                                     record, store, out))
    else:
        from .._memory import gc_paused
        from .single import idle_single

        # the collector paused while millions of objects are made (geometries, texts): see gc_paused
        with gc_paused():
            result = idle_single(parcels, as_of=as_of, imagery=imagery, built_class=built_class, field_map=field_map,
                                 crs=crs, layer=layer, encoding=encoding, swap_xy=swap_xy, code_system=code_system,
                                 store=store, rules=rules, progress=progress, area_unit=area_unit,
                                 # the writes are the progress's last step: 完成 only once they are done
                                 write=None if out is None else _recorded_first(
                                     lambda r: r.write(out, overwrite=overwrite, map=map, basemap=basemap, gpkg=gpkg),
                                     record, store, out))
    return result


def audit_efficiency(enterprises, *, parcels=None, as_of=None, scoring=None, engine: str = "single",
                     scheduler: str | None = None, partitions: int | None = None, n_workers: int = 2, store=None,
                     crs=None, field_map: dict | None = None, parcel_field_map: dict | None = None, layer=None,
                     parcel_layer=None, encoding: str | None = None, swap_xy: bool = False, code_system: str = "auto",
                     out=None, overwrite: bool = False, map: bool = True, basemap: str = "none",
                     progress: bool = False, record: bool = False) -> AuditResult:
    """亩产效益评价: a class A/B/C/D/T for every enterprise row, and 低效用地 by zone.

    Parameters
    ----------
    enterprises
        A CSV/XLSX path or a DataFrame (single engine); dask: also Parquet or ``"pg:SCHEMA.TABLE"``.
    parcels
        Optional parcels (as in :func:`audit_idle`): they supply land areas the table lacks, the
        zones (via each firm's largest parcel) and, audited as of ``as_of``, the idle parcels
        counted as 低效用地.
    as_of
        The idle audit's date (default today); only used with ``parcels``.
    scoring
        A scoring file replacing the shipped ``efficiency_scoring.json``.
    engine, scheduler, partitions, n_workers, progress, store
        As in :func:`audit_idle`.
    crs, field_map, parcel_field_map, layer, parcel_layer, encoding, swap_xy, code_system
        Reader options: ``field_map``/``layer`` for the enterprise table, ``parcel_field_map``/
        ``parcel_layer`` for the parcels; ``encoding`` both; ``crs``/``swap_xy`` the parcels.
    out, overwrite, map, basemap, record
        As in :func:`audit_idle`.

    Returns
    -------
    AuditResult
        ``kind="efficiency"``; ``frame`` one row per enterprise row; ``summaries`` the 低效用地 tables.

    Examples
    --------
    >>> import dcf_spatial.land as land
    >>> res = land.audit_efficiency("企业.csv", parcels="宗地.gpkg", as_of="2025-12-31")   # doctest: +SKIP
    >>> res.counts                                                                       # doctest: +SKIP
    {'A': 40, 'B': 60, 'C': 80, 'D': 10, 'T': 10}
    """
    _check_engine(engine, out, {"layer": layer, "parcel_layer": parcel_layer, "encoding": encoding,
                                "swap_xy": swap_xy} if engine == "dask" else {})
    if out is not None:
        from .report import planned_outputs
        from .outputs import check_outputs

        check_outputs(planned_outputs("efficiency", engine, out, parcels=parcels is not None, map=map), overwrite,
                      inputs=_input_paths(enterprises, parcels))
    with removed_on_error(out):  # a run that stops leaves no empty folder it made (QA30 F10)
        if engine == "dask":
            from .dask.efficiency import efficiency_dask

            result = efficiency_dask(enterprises, Path(out), parcels=parcels, as_of=as_of, scheduler=scheduler,
                                     npartitions=partitions, n_workers=n_workers, scoring=scoring, field_map=field_map,
                                     parcel_field_map=parcel_field_map, crs=crs, code_system=code_system, store=store,
                                     progress=progress)
        else:
            from .single import efficiency_single

            result = efficiency_single(enterprises, parcels=parcels, as_of=as_of, scoring=scoring, field_map=field_map,
                                       parcel_field_map=parcel_field_map, crs=crs, layer=layer,
                                       parcel_layer=parcel_layer, encoding=encoding, swap_xy=swap_xy, store=store)
        if out is not None:
            _recorded_first(lambda r: r.write(out, overwrite=overwrite, map=map, basemap=basemap), record, store,
                            out)(result)
        _record(result, record, store, out)
    return result


def _recorded_first(write, record: bool, store, out):
    """``write`` (the output files, ``manifest.json`` — the folder's completeness marker — last) preceded
    by the register record when ``record``: a run killed between the two leaves a record whose folder
    :func:`dcf_spatial.register.audits.audit_history` calls incomplete, never a complete folder the
    register lacks (QA round 9). ``write`` itself when not recording."""
    if not record:
        return write

    def run(result):
        _record(result, True, store, out)
        return write(result)

    return run


def _record(result, record: bool, store, out) -> None:
    """The hook of issue 15: the audit's manifest and answer into the register (``dcf audit diff``);
    once per result (:func:`_recorded_first` may have recorded it before the files were written)."""
    if record and "register_id" not in result.details:
        from ..register.audits import record_audit

        result.details["register_id"] = record_audit(result, store=store, folder=out)


def _input_paths(*values) -> list:
    """The inputs given as paths (a list of files, a folder, a path; frames and ``pg:`` tables are no
    files): what an output of the run must never replace (an input inside the output folder)."""
    out = []
    for v in values:
        for item in (v if isinstance(v, (list, tuple)) else [v]):
            if isinstance(item, (str, Path)) and not str(item).startswith("pg:"):
                out.append(item)
    return out
