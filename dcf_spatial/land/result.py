"""What an audit returns, whichever engine ran it: :class:`AuditResult`.

``land.audit_idle`` and ``land.audit_efficiency`` (:mod:`dcf_spatial.land.api`) return one; its
:meth:`AuditResult.write` writes the bureau's files (:mod:`dcf_spatial.land.report`) and
:meth:`AuditResult.to_dict` is the JSON ``dcf audit … --json`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd


def plain(v):
    """A JSON-ready scalar: None for NA/NaN, floats rounded to 4 places, numpy scalars unwrapped.

    Parameters
    ----------
    v
        Any cell value.

    Returns
    -------
    object
        ``None``, ``str``, ``int``, ``float`` or ``bool``.

    Examples
    --------
    >>> plain(float("nan")) is None, plain(1.234567)
    (True, 1.2346)
    """
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if hasattr(v, "item"):
        v = v.item()
    return round(v, 4) if isinstance(v, float) else v


def records(df, cols) -> list[dict]:
    """``df``'s ``cols`` as a list of JSON-ready dicts (:func:`plain` values), in row order.

    Examples
    --------
    >>> records(pd.DataFrame({"a": [1, None]}), ["a"])
    [{'a': 1.0}, {'a': None}]
    """
    return [dict(zip(cols, map(plain, vals))) for vals in zip(*(df[c].astype(object).to_numpy() for c in cols))]


@dataclass
class AuditResult:
    """One audit's result: the audited rows, their summaries and notes, and what was written.

    Parameters
    ----------
    kind
        ``"idle"`` (闲置土地审计) or ``"efficiency"`` (亩产效益评价).
    engine
        ``"single"`` (one process) or ``"dask"`` (partitions on a ``dask.distributed`` cluster).
    as_of
        The audit date (a ``pandas.Timestamp``); ``None`` for an efficiency audit without parcels.
    inputs
        What was audited, as given: ``{"parcels": …}`` and, for efficiency, ``{"enterprises": …}``.
    notes
        The Chinese note paragraphs every output repeats (provenance, synthetic data, legal basis, caps).
    counts
        Idle: parcels per status (``STATUS_ORDER`` keys, zeros included), each parcel once — a parcel id
        on several rows counts on its first row only, as in the workbooks and the totals
        (:func:`~dcf_spatial.land.idle_audit.status_counts`). Efficiency: enterprise rows per class
        (A/B/C/D/T), zeros included.
    rows_by_status
        Idle: input rows per status, every row (a repeated parcel id's rows included); empty for
        efficiency.
    summaries
        Summary tables. Idle: ``"status"`` (:func:`~dcf_spatial.land.outputs.status_table`) and
        ``"township_zh"``, ``"cluster_zh"``, ``"park_zh"`` (:func:`~dcf_spatial.land.idle_audit.summarize`).
        Efficiency (with parcels): 低效用地 by zone, ``"按镇街"``, ``"按集聚区"``, ``"按园区"``.
    layers_used
        The zone layers of the store used, with their provenance.
    files
        What :meth:`write` wrote (name → path); for the dask engine also the GeoParquet partition files
        written while auditing. Empty until written.
    parcels
        Efficiency only: the audited parcels with ``eff_class_zh`` and ``low_efficiency`` (``None``
        without parcels, or for the dask engine, where they are in ``efficiency_parcels.parquet/``).
    timings
        Seconds per step (wall clock).
    details
        Engine-specific facts: for the dask engine the partitions, scheduler, dashboard, duplicate ids,
        the output folder and the per-partition tables the workbook is made of.
    frame
        The audited (Geo)DataFrame, one row per input row, in input order (idle: parcels; efficiency:
        enterprise rows). For the dask engine the idle result is read lazily, on first access, from the
        partitioned GeoParquet written while auditing (it may not fit in memory at province scale:
        prefer :func:`dcf_spatial.land.dask.read_result` on a subset, or the files).

    Examples
    --------
    >>> import dcf_spatial.land as land
    >>> res = land.audit_idle("parcels.gpkg", as_of="2025-12-31")        # doctest: +SKIP
    >>> res.counts["idle"], len(res.frame)                                # doctest: +SKIP
    (12, 2000)
    >>> res.write("out/idle")                                             # doctest: +SKIP
    {'excel': 'out/idle/idle_audit.xlsx', 'gpkg': 'out/idle/idle_audit.gpkg', 'map': 'out/idle/idle_audit_map.html'}
    """

    kind: str
    engine: str
    as_of: pd.Timestamp | None
    inputs: dict
    notes: list[str]
    counts: dict
    rows_by_status: dict = field(default_factory=dict)
    summaries: dict = field(default_factory=dict)
    layers_used: list = field(default_factory=list)
    files: dict = field(default_factory=dict)
    parcels: Any = None
    timings: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict, repr=False)
    frame_source: Any = field(default=None, repr=False)

    @property
    def frame(self):
        """The audited rows (read from the partition files on first access for a dask result)."""
        if callable(self.frame_source):
            self.frame_source = self.frame_source()
        return self.frame_source

    @property
    def written(self) -> bool:
        """Whether :meth:`write` has run (the dask engine's partition files alone do not count)."""
        return bool(self.details.get("written"))

    def write(self, folder, *, overwrite: bool = False, map: bool = True, basemap: str = "none",
              gpkg: bool = False) -> dict:
        """Write the bureau's files into ``folder`` and return them (name → path, also in :attr:`files`).

        Idle: ``idle_audit.xlsx`` (说明, summaries by status/township/cluster/park, 宗地清单, 问题记录),
        the complete list ``idle_audit.parquet`` (single engine: one GeoParquet file, plus
        ``idle_audit.gpkg`` with ``gpkg=True`` or for at most
        :data:`~dcf_spatial.land.outputs.GPKG_AUTO_MAX_ROWS` parcels; dask engine: a folder of
        GeoParquet partitions) and ``idle_audit_map.html``; the dask engine adds
        ``idle_audit_summary.json``. Efficiency: ``efficiency.xlsx`` and, with parcels,
        ``efficiency.gpkg`` (dask: ``efficiency_parcels.parquet/``) and ``efficiency_map.html``; the
        dask engine adds ``efficiency_summary.json``.

        Parameters
        ----------
        folder
            Output folder (created if missing).
        overwrite
            Replace existing files; otherwise an existing output raises
            :class:`~dcf_spatial.errors.InputError` before anything is written.
        map
            Write the HTML map.
        basemap
            The map's basemap (see :func:`dcf_spatial.maps.webmap.answer_map`).
        gpkg
            Idle audit, single engine: also write the complete list as a GeoPackage, whatever its size.

        Returns
        -------
        dict
            Output name → path (str).

        Examples
        --------
        >>> res.write("out/idle", overwrite=True, map=False)   # doctest: +SKIP
        """
        from . import report

        files = report.write(self, Path(folder), overwrite=overwrite, map=map, basemap=basemap, gpkg=gpkg)
        self.details["written"] = True
        return files

    def needs_action(self, *, table: str = "zh") -> pd.DataFrame:
        """The parcels (idle audit) or enterprises (efficiency) the bureau has to act on or check.

        Idle audit: statuses in the order of :data:`dcf_spatial.land.idle_audit.ACTION_STATUSES`
        (可无偿收回, 闲置, 开发不足, 政府原因, 延期, 数据不足), input order within a status; then the other
        rows of the workbook's 问题记录 (:func:`~dcf_spatial.land.outputs.rejected_rows`: a late start whose
        闲置费 is to be checked, a data problem to correct), in input order — the records the console
        counts as 需核实补正 (QA30 F9). Efficiency:
        the C and D class rows (规划第十章第四节：“倒逼C、D类企业提升资源要素利用效率”), D first, each
        class by 综合得分 from the lowest.

        Parameters
        ----------
        table
            ``"zh"`` (default): the workbook's Chinese table — the columns, headers and number/date
            formats of the 宗地清单 sheet (idle) or 企业清单 sheet (efficiency). ``"all"``: the rows of
            :attr:`frame` with every column (the input's own headers beside the tool's column names,
            e.g. ``status``, ``reason_zh``), for further computing.

        Returns
        -------
        DataFrame
            The rows needing action, index as in :attr:`frame`.

        Examples
        --------
        >>> res = dcf.audit_idle("宗地.gpkg", as_of="2025-12-31")          # doctest: +SKIP
        >>> res.needs_action()[["宗地代码", "审计结论", "理由（条款与日期）"]]  # doctest: +SKIP
        >>> res.needs_action(table="all")[["parcel_id", "status"]]       # doctest: +SKIP
        """
        from . import outputs

        if table not in ("zh", "all"):
            raise ValueError(f"table 应为 'zh'（工作簿的中文表）或 'all'（全部字段），不是 {table!r}")
        frame = self.frame
        if self.kind == "idle":
            from .idle_audit import ACTION_STATUSES

            if "status" not in frame:
                rows = frame.iloc[0:0]
            else:
                rank = frame["status"].map({s: i for i, s in enumerate(ACTION_STATUSES)})
                if "problems" in frame:   # the 问题记录 rows (late starts: the fee to check; data to correct)
                    checked = outputs.rejected_rows(frame) & (frame["status"].astype(str) != "not_a_parcel").to_numpy()
                    rank = rank.where(rank.notna() | ~checked, len(ACTION_STATUSES))
                rows = frame[rank.notna()].assign(_rank=rank).sort_values("_rank", kind="stable").drop(columns="_rank")
            if table == "all":
                return rows
            return outputs._excel_frame(outputs._methods_zh(rows),
                                        {c: outputs.IDLE_COLUMNS_ZH[c] for c in outputs.EXCEL_LIST_COLUMNS})
        if "eff_class" not in frame:
            rows = frame.iloc[0:0]
        else:
            rank = frame["eff_class"].map({"D": 0, "C": 1})
            keys = ["_rank", "score"] if "score" in frame.columns else ["_rank"]
            rows = frame[rank.notna()].assign(_rank=rank).sort_values(keys, kind="stable").drop(columns="_rank")
        return rows if table == "all" else outputs._excel_frame(rows, outputs.EFFICIENCY_COLUMNS_ZH)

    def to_dict(self) -> dict:
        """The JSON ``dcf audit idle|efficiency --json`` prints (after :meth:`write`).

        Single engine, idle: ``as_of``, ``parcels_in`` (input rows), ``counts`` (parcels per status,
        each once), ``rows_by_status`` (rows per status), ``files`` and ``parcels`` (each
        parcel's ``parcel_id``, ``status``, ``status_zh``, ``reason_zh``, ``fee_wan`` and, with
        imagery, ``imagery_flag``); efficiency: ``counts``, ``files`` and ``enterprises``. Dask engine:
        the run summary also written to ``*_summary.json`` (counts, partitions, files, notes, timings).

        Returns
        -------
        dict

        Examples
        --------
        >>> res.to_dict()["counts"]["idle"]   # doctest: +SKIP
        12
        """
        if self.engine == "dask":
            return dict(self.details.get("summary") or {})
        r = self.frame
        if self.kind == "idle":
            cols = ["parcel_id", "status", "status_zh", "reason_zh", "fee_wan"] + (
                ["imagery_flag"] if "imagery_flag" in r else [])
            return {"as_of": f"{self.as_of:%Y-%m-%d}", "parcels_in": len(r), "counts": self.counts,
                    "rows_by_status": self.rows_by_status, "files": self.files, "parcels": records(r, cols)}
        cols = ["credit_code", "name", "year", "eff_class", "score", "eff_reason"]
        return {"counts": self.counts, "files": self.files, "enterprises": records(r, cols)}
