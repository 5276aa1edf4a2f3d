"""Record a site check in the register: what was checked, the answer, and the versions it used."""

from __future__ import annotations

import datetime as _dt
import io
import json
import logging

from ..errors import StoreChangedError, about
from . import tables, versions

logger = logging.getLogger(__name__)


def _plain(value):
    """JSON-ready: numpy scalars to Python, tuples to lists, pandas NA / NaT to None."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is not None and not isinstance(value, (str, int, float, bool)):
        try:
            import pandas as pd

            if pd.isna(value):
                return None
        except (TypeError, ValueError):
            pass
        return str(value)
    return value


def dumps(value) -> str:
    return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True)


def rerun_input(parts, industry, figures: dict | None, flags: dict | None) -> dict:
    """What a check needs to be run again: the industry as the user gave it, the project figures (the
    check date fixed to the day of the check, so the same indicator edition applies) and the flags.
    ``parts`` is the list of site geometries (EPSG:4490) that were one site."""
    figures = dict(figures or {})
    if not figures.get("check_date"):
        figures["check_date"] = _dt.date.today().isoformat()
    query = getattr(industry, "query", industry)
    return {"industry": None if query is None else str(query), "figures": _plain(figures),
            "flags": _plain(flags or {}), "parts": len(parts)}


def site_geometry(parts):
    """The geometry kept for a site: one part as it is, several as a collection (run again as parts)."""
    import shapely

    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.GeometryCollection(parts)


def _zones(result: dict) -> str:
    return "|".join(f"{z.get('id')}|{z.get('name_zh')}" for z in result.get("zones") or [])


def record_results(results: list[dict], reruns: list[dict], geometries: list, *, store=None, project=None,
                   names=None, source: str = "", expected: dict | None = None) -> list[int]:
    """Write checks into the register of ``store`` in one transaction; return their register ids.

    Parameters
    ----------
    results
        The result dicts (:attr:`dcf_spatial.SiteCheck.results`).
    reruns
        For each result, :func:`rerun_input`.
    geometries
        For each result, the site (EPSG:4490; several parts as a collection, see :func:`site_geometry`).
    store
        The layer store checked against (``None``: the active store).
    project
        The project's name for every row (else ``names``).
    names
        A name per row (a batch's name column), or ``None``.
    source
        The batch file, or empty.
    expected
        :func:`~dcf_spatial.register.versions.layer_keys` taken before the check: when a layer was
        replaced since, nothing is recorded and :class:`~dcf_spatial.errors.InputError` says so (the
        check may have seen either version).

    Returns
    -------
    list of int
        The register ids, in the order of ``results``.

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> r = dcf.check_site("115.75,36.455", "轴承", area_mu=50, record="轴承项目")   # doctest: +SKIP
    >>> r.register_ids                                                            # doctest: +SKIP
    [1]
    """
    from ..store.locate import resolve_store, writable_location

    location = writable_location(resolve_store(store))
    job = _Job(results, reruns, geometries, project, names, source, expected)
    return _committer(location).submit(job)


class _Job:
    """One :func:`record_results` call waiting for its rows to be committed."""

    def __init__(self, results, reruns, geometries, project, names, source, expected):
        self.results, self.reruns, self.geometries = results, reruns, geometries
        self.project, self.names, self.source, self.expected = project, names, source, expected
        self.ids: list[int] | None = None
        self.error: BaseException | None = None
        self.done = False


class _GroupCommit:
    """Group commit of the register writes of one store.

    Checks recorded while another write is in progress are written together, in one transaction, by
    one of the waiting threads (the first to find the store free takes every waiting record), so
    twenty concurrent recorded checks cost one or two transactions instead of twenty in a row. Each
    caller returns only once its own rows are committed (or with the error that kept them out); a
    record that could not be written is never dropped silently. Leader/follower rather than a writer
    thread: nothing to start or stop, and a caller never waits on a thread that died.
    """

    def __init__(self, location):
        import threading

        self.location = location
        self.cond = threading.Condition()
        self.pending: list[_Job] = []
        self.writing = False

    def submit(self, job: _Job) -> list[int]:
        with self.cond:
            self.pending.append(job)
        while True:
            with self.cond:
                while not job.done and self.writing:
                    self.cond.wait()
                if job.done:
                    break
                self.writing = True
                batch, self.pending = self.pending, []
            try:
                _write_group(self.location, batch)
            finally:
                with self.cond:
                    self.writing = False
                    self.cond.notify_all()
        if job.error is not None:
            raise job.error
        return job.ids


_COMMITTERS: dict[str, _GroupCommit] = {}
_COMMITTERS_LOCK = __import__("threading").Lock()


def _committer(location) -> _GroupCommit:
    with _COMMITTERS_LOCK:
        key = str(location)
        if key not in _COMMITTERS:
            _COMMITTERS[key] = _GroupCommit(location)
        return _COMMITTERS[key]


def _write_group(location, jobs: list[_Job]) -> None:
    """Write the rows of ``jobs`` in one transaction; set each job's ids or error, and mark it done."""
    from ..store import catalog
    from ..store.backends.names import mask_url

    try:
        st = catalog._store(location, write=True)
        now = _dt.datetime.now().isoformat(timespec="seconds")

        def snapshot(lid):
            buf = io.BytesIO()
            catalog.read_layer(lid, store=location).to_parquet(buf)
            return buf.getvalue()

        def build():
            layer_v = versions.layer_versions(location)
            # compared without the location: the packaged default store is recorded in its per-user copy
            now_keys = {k: v["key"][1:] for k, v in layer_v.items()}
            file_v = versions.file_versions()
            groups = []
            for job in jobs:
                then_keys = {k: v[1:] for k, v in (job.expected or {}).items()}
                if job.expected is not None and now_keys != then_keys:
                    changed = sorted(k for k in set(then_keys) | set(now_keys) if then_keys.get(k) != now_keys.get(k))
                    # about the store, not the site: the CLI names no option before it (cli._options.input_error)
                    groups.append(about("store", StoreChangedError(
                        f"核查期间图层库 {st.label} 中的图层 {', '.join(changed)} 被他人修改，"
                        "无法确定核查所用的版本，本次未记入核查登记；请重新核查。")))
                else:
                    groups.append(_rows(job, layer_v, file_v))
            return groups, layer_v, file_v, snapshot

        def _rows(job, layer_v, file_v):
            rows = []
            layers = dumps({k: v["sha256"] for k, v in layer_v.items()})
            files = dumps({k: v[0] for k, v in file_v.items()})
            for i, (res, rerun, geom) in enumerate(zip(job.results, job.reruns, job.geometries)):
                project, names = job.project, job.names
                name = project if isinstance(project, str) and project else (names[i] if names is not None else None)
                name = None if name is None or name != name or str(name).strip() == "" else _printable(str(name))
                rows.append({
                    "recorded_at": now, "check_date": rerun["figures"].get("check_date"), "project": name,
                    "industry": rerun.get("industry"),
                    "industry_code": ",".join((res.get("industry") or {}).get("codes") or []),
                    "verdict": res.get("verdict"), "status": res.get("status", "ok"), "zones": _zones(res),
                    "source": job.source, "row_label": res.get("row_label"), "rerun": dumps(rerun),
                    "result": dumps(res), "layers": layers, "files": files, "store": mask_url(str(location)),
                    "geometry": geom,
                })
            return rows

        outcomes = tables.write_records(st, build)
    except BaseException as exc:  # the whole transaction failed: every waiting record says so
        outcomes = [exc] * len(jobs)
    for job, out in zip(jobs, outcomes):
        if isinstance(out, BaseException):
            job.error = out
        else:
            job.ids = out
            logger.info("Recorded %d checks in the register of %s (ids %s)", len(out), location, out[:5])
        job.done = True


def _printable(text: str) -> str:
    """A project name as it may be kept: control characters (NUL, ESC, BEL …) dropped — they break
    workbooks and databases (PostgreSQL refuses NUL) and can drive a terminal that prints the register."""
    import unicodedata

    return "".join(ch for ch in text if ch in "\t" or unicodedata.category(ch) != "Cc").strip() or "（无名称）"
