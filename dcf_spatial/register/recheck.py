"""What changes when the layers or the rules change? ``dcf site recheck``: recorded checks run
against the current layers and rule files, every change listed with the layer or rule change behind it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from . import rerun, tables, versions
from ..queries.site.layer_gaps import NOW_ZH, OTHER_REASONS_ZH, PROBLEM_ZH
from ..user_text import printable_name
from .history import VERDICT_ZH, _date, _store, project_label

KIND_ZH = {"verdict": "结论变化", "zone_added": "进入分区", "zone_removed": "移出分区", "zone_share": "分区占比变化",
           "township": "所在镇（街道）变化", "threshold": "指标阈值变化", "error": "无法重新核查",
           "unchecked": "无法核查"}
CHANGE_COLUMNS_ZH = {"id": "登记号", "project": "项目名称", "industry": "行业", "kind_zh": "变化", "what": "对象",
                     "old": "原值", "new": "现值", "cause": "原因"}
#: the rule files whose change can move a verdict by itself (indicator tables move thresholds)
INDICATOR_FILES = ("land_control_rules.json", "land_control_editions.csv", "land_control_indicators_2008.csv",
                   "land_control_indicators_2023.csv", versions.LOCAL_INDICATORS)


def _zones(result: dict, key: str = "zones") -> dict:
    return {z["id"]: z for z in result.get(key) or []}


def _indicators(result: dict) -> dict:
    return {i.get("indicator"): i for i in result.get("indicators") or []}


@dataclass
class Recheck:
    """The answer of :func:`recheck`.

    Attributes
    ----------
    changes
        One row per change (Chinese headers: 登记号, 项目名称, 行业, 变化, 对象, 原值, 现值, 原因).
    checks
        One row per recorded check re-run: 登记号, 原结论, 现结论, 结论是否改变.
    layer_changes, file_changes
        ``{layer id or file: (recorded hash, current hash)}`` over the checks re-run.
    """

    changes: object
    checks: object
    layer_changes: dict = field(default_factory=dict)
    file_changes: dict = field(default_factory=dict)
    store: str = ""
    against: str = "current"
    sites: dict = field(default_factory=dict, repr=False)
    #: the register holds older checks (within ``since``) than those re-run: only the ``last`` were
    older_left_out: bool = False
    #: the bound asked for: only the ``last`` most recent checks, recorded on or after ``since``
    last: int | None = None
    since: str | None = None
    #: the distinct checks actually run (identical re-checks share one)
    distinct: int = 0
    recorded_at: list = field(default_factory=list, repr=False)
    #: how to ask for every check, in the words of the caller (CLI option or API field)
    more_hint: str = "dcf site recheck"
    #: ``{register id: first reason}`` of the checks that gave no verdict now (a layer they need is missing or
    #: empty, queries/site/layer_gaps.py): no new verdict, so neither counted as changed nor compared zone by zone
    unchecked: dict = field(default_factory=dict)
    #: ``{layer id: "missing" | "empty"}`` as those checks read the layers
    unreadable: dict = field(default_factory=dict)

    @property
    def flipped(self) -> list[int]:
        """Register ids whose verdict changed."""
        return [int(i) for i in self.checks.loc[self.checks["结论是否改变"], "登记号"]]

    @property
    def covered_since(self) -> str | None:
        """The date (``YYYY-MM-DD``) of the earliest check re-run, or ``None`` when none was."""
        return min(self.recorded_at)[:10] if self.recorded_at else None

    @property
    def complete(self) -> bool:
        """Every check of the register (of status ok, within ``since``) was re-run, not only the most recent."""
        return not self.older_left_out

    @property
    def first_id(self) -> int | None:
        """The lowest register id re-run."""
        return int(self.checks["登记号"].min()) if len(self.checks) else None

    def coverage_text(self) -> str:
        """Which checks the flips are counted among, in the user's words: ``按最近 500 条登记（2026-03-02 起）
        估算：其中 12 条结论将改变`` — never a sentence that reads as if the whole register was checked when
        only the recent part was."""
        n, m = len(self.checks), len(self.flipped)
        if not n:
            return f"核查登记：没有{f' {self.since} 以来' if self.since else ''}可重新核查的登记。"
        first = f"（{self.covered_since} 起）"
        ids = f"（登记号 {'、'.join(map(str, self.flipped[:30]))}{'等' if m > 30 else ''}）" if m else ""
        if self.unchecked:
            ids += f"；{len(self.unchecked)} 条无法核查（{UNCHECKED_WHY_ZH}）"
        same = (f"；相同的重复核查只算一次，共 {self.distinct} 个不同的场地与行业" if 0 < self.distinct < n else "")
        if self.complete:
            older = f"；{self.since} 以前的登记未重新核查" if self.since else ""
            window = f" {self.since} 以来的" if self.since else ""
            return f"核查登记：按{window}全部 {n} 条登记{first}核查：其中 {m} 条结论将改变{ids}{same}{older}。"
        return (f"核查登记：按最近 {n} 条登记{first}估算：其中 {m} 条结论将改变{ids}{same}；"
                f"登记号 {self.first_id} 以前的登记{f'（{self.since} 以来）' if self.since else ''}未重新核查"
                f"（全部核查：{self.more_hint}）。")

    def to_dict(self) -> dict:
        return {"store": self.store, "against": self.against, "flipped": self.flipped,
                "unchecked": {str(k): v for k, v in self.unchecked.items()},
                "covered": {"checks": len(self.checks), "first_id": self.first_id, "older_left_out": self.older_left_out,
                            "since": self.covered_since, "window_since": self.since, "last": self.last,
                            "complete": self.complete, "distinct": self.distinct, "text": self.coverage_text()},
                "changes": self.changes.to_dict(orient="records"), "checks": self.checks.to_dict(orient="records"),
                "layer_changes": {k: list(v) for k, v in self.layer_changes.items()},
                "file_changes": {k: list(v) for k, v in self.file_changes.items()}}

    def summary_text(self) -> str:
        n = len(self.checks)
        against = "现行图层与规则" if self.against == "current" else f"版本集 {self.against}"
        gap = " " if against[-1:].isascii() else ""  # 版本集 237bd774a0aa 重新核查: a space after a Latin id
        unchecked = (f"其中 {len(self.unchecked)} 条无法核查（{UNCHECKED_WHY_ZH}，未得出新结论），"
                     if self.unchecked else "")
        lines = [f"按{against}{gap}重新核查 {n} 条登记（{self.store}）：{unchecked}结论改变 {len(self.flipped)} 条，"
                 f"变化共 {len(self.changes)} 项。"]
        for lid, (a, b) in self.layer_changes.items():
            kind = self.unreadable.get(lid)
            now = NOW_ZH.get(kind) or (f"现无法使用（{PROBLEM_ZH.get(kind, kind)}）" if kind else "已更新")
            lines.append(f"  图层 {lid} {now}：{(a or '无')[:8]} → {(b or '已删除')[:8]}")
        for name, (a, b) in self.file_changes.items():
            lines.append(f"  规则文件 {versions.FILE_ZH.get(name, name)}（{name}）已修改：{(a or '无')[:8]} → {(b or '已删除')[:8]}")
        for r in self.changes.head(50).itertuples(index=False):
            if r[3] == KIND_ZH["unchecked"]:   # no new verdict: the recorded one, then why and the fix
                lines.append(printable_name(f"  #{r[0]} {project_label(r[1])}：登记时的结论为{r[5]}，现在{r[7]}"))
            else:
                lines.append(printable_name(f"  #{r[0]} {project_label(r[1])} {r[3]} {r[4]}：{r[5]} → {r[6]}（{r[7]}）"))
        if len(self.changes) > 50:
            lines.append(f"  …… 其余 {len(self.changes) - 50} 项见输出表格")
        return "\n".join(lines)

    def to_table(self, path, *, overwrite: bool = False) -> Path:
        """Write the changes to ``.xlsx`` (sheets 变化清单, 核查对照, 版本变化) or ``.csv`` (the changes).

        Examples
        --------
        >>> recheck(since="2026-01-01").to_table("changes.xlsx")   # doctest: +SKIP
        """
        import pandas as pd

        from ..io.write import write_csv, write_xlsx
        from ..outputs_guard import guard_output

        path = Path(path)
        if path.suffix.lower() not in (".xlsx", ".csv"):
            raise InputError(f"{path}：变化清单请存为 .xlsx 或 .csv。")
        guard_output(path, overwrite=overwrite)
        if path.suffix.lower() == ".csv":
            return write_csv(self.changes, path)
        vers = pd.DataFrame(
            [{"类别": "图层", "名称": k, "登记时版本": a, "现版本": b} for k, (a, b) in self.layer_changes.items()]
            + [{"类别": "规则文件", "名称": f"{versions.FILE_ZH.get(k, k)}（{k}）", "登记时版本": a, "现版本": b}
               for k, (a, b) in self.file_changes.items()], columns=["类别", "名称", "登记时版本", "现版本"])
        checks = self.checks.assign(结论是否改变=self.checks["结论是否改变"].map({True: "是", False: "否"}))
        return write_xlsx({"变化清单": self.changes, "核查对照": checks, "版本变化": vers}, path)


    def to_map(self, path, *, overwrite: bool = False, basemap: str = "none") -> Path:
        """Write an HTML map (Folium) of the rechecked sites whose answer changed, coloured by the change
        (原结论 → 现结论 for a flipped verdict; 分区或指标变化 otherwise), with a Chinese legend.

        Examples
        --------
        >>> recheck().to_map("changes.html")   # doctest: +SKIP
        """
        import geopandas as gpd

        from .. import settings
        from ..maps.answer import answer_map

        changed = set(int(i) for i in self.changes["登记号"]) if len(self.changes) else set()
        rows = []
        for r in self.checks.to_dict(orient="records"):
            rid = int(r["登记号"])
            if rid not in changed or self.sites.get(rid) is None:
                continue
            what = "；".join(sorted(set(self.changes.loc[self.changes["登记号"] == rid, "变化"])))
            change = (f"{r['原结论']} → {r['现结论']}" if r["结论是否改变"]
                      else f"无法核查（{UNCHECKED_WHY_ZH}）" if rid in self.unchecked else "结论未变（分区或指标变化）")
            rows.append({"登记号": rid, "项目名称": project_label(r["项目名称"], ""), "变化": change, "原结论": r["原结论"],
                         "现结论": r["现结论"], "变化项": what, "geometry": self.sites[rid]})
        gdf = gpd.GeoDataFrame(rows, columns=["登记号", "项目名称", "变化", "原结论", "现结论", "变化项", "geometry"],
                               geometry="geometry", crs=settings.storage_crs)
        if not len(gdf):
            raise InputError("重新核查没有发现任何变化，没有可画的场地。")
        against = "现行图层与规则" if self.against == "current" else f"版本集 {self.against}"
        return answer_map(gdf, path, title=f"重新核查：结论与分区变化（按{against}）", label_field="项目名称",
                          status_field="变化", popup_fields={"登记号": "登记号", "项目名称": "项目名称", "原结论": "原结论",
                                                           "现结论": "现结论", "变化项": "变化项"},
                          provenance_note="示意：按重新核查结果着色，仅供比对，不作审批依据；场地为登记时的范围。",
                          basemap=basemap, overwrite=overwrite, answer_label="重新核查的变化")


def _causes(rec_layers: dict, rec_files: dict, cur_layers: dict, cur_files: dict):
    layers = {k: (rec_layers.get(k), cur_layers.get(k, {}).get("sha256"))
              for k in set(rec_layers) | set(cur_layers) if rec_layers.get(k) != cur_layers.get(k, {}).get("sha256")}
    files = {k: (rec_files.get(k), cur_files.get(k)) for k in set(rec_files) | set(cur_files)
             if rec_files.get(k) != cur_files.get(k)}
    return layers, files


def _layer_text(lid, shas, cur_layers) -> str:
    entry = cur_layers.get(lid, {}).get("catalog") or {}
    src = f"，现为第 {entry.get('version')} 版：{entry.get('source')}" if entry else ""
    return f"图层 {lid}（{entry.get('title_zh', lid)}）已更新（{(shas[0] or '无')[:8]} → {(shas[1] or '已删除')[:8]}{src}）"


def _file_text(name, shas) -> str:
    return f"规则文件 {versions.FILE_ZH.get(name, name)}（{name}）已修改（{(shas[0] or '无')[:8]} → {(shas[1] or '已删除')[:8]}）"


def _share_text(zone: dict | None) -> str:
    """A zone's share of the site as percent text (``0.4235`` → ``42.35%``); ``—`` when not in it."""
    if zone is None:
        return "—"
    share = zone.get("share")
    if share is None:
        return "—"
    return f"{float(share) * 100:.2f}%"


def compare(entry: dict, old: dict, new: dict, layers: dict, files: dict, cur_layers: dict) -> list[dict]:
    """The changes between a recorded result and the current one, each with its cause."""
    base = {"id": int(entry["id"]), "project": entry["project"], "industry": entry["industry"]}
    rule_files = [f for f in files if f not in INDICATOR_FILES]
    out = []

    def cause_of_layer(lid):
        if lid in layers:
            return [_layer_text(lid, layers[lid], cur_layers)]
        return [_file_text(f, files[f]) for f in rule_files]

    spatial_causes: list[str] = []
    for key, kind_layer in (("zones", None), ("townships", "townships")):
        a, b = _zones(old, key), _zones(new, key)
        for zid in list(a) + [z for z in b if z not in a]:
            za, zb = a.get(zid), b.get(zid)
            lid = kind_layer or (za or zb).get("layer")
            name = f"{(za or zb).get('name_zh')}（{zid}）"
            cause = cause_of_layer(lid)
            if za is None or zb is None or abs(float(za.get("share") or 0) - float(zb.get("share") or 0)) > 0:
                kind = ("township" if kind_layer else "zone_added" if za is None else "zone_removed" if zb is None
                        else "zone_share")
                out.append({**base, "kind": kind, "what": name,
                            "old": _share_text(za), "new": _share_text(zb),
                            "cause": "；".join(cause) or "图层与规则文件均未改变"})
                spatial_causes.extend(cause)
    ia, ib = _indicators(old), _indicators(new)
    for ind in list(ia) + [i for i in ib if i not in ia]:
        xa, xb = ia.get(ind) or {}, ib.get(ind) or {}
        ta = (xa.get("comparator"), xa.get("threshold"), xa.get("edition"))
        tb = (xb.get("comparator"), xb.get("threshold"), xb.get("edition"))
        if ta != tb:
            changed = [f for f in files if f in INDICATOR_FILES] or list(files)
            out.append({**base, "kind": "threshold", "what": xa.get("name_zh") or xb.get("name_zh") or ind,
                        "old": f"{ta[0] or ''}{ta[1]}（{ta[2]}）", "new": f"{tb[0] or ''}{tb[1]}（{tb[2]}）",
                        "cause": "；".join(_file_text(f, files[f]) for f in changed) or "规则文件均未改变"})
    if old.get("verdict") != new.get("verdict"):
        causes = list(dict.fromkeys(spatial_causes + [_file_text(f, files[f]) for f in files]))
        if not causes:
            causes = [_layer_text(k, v, cur_layers) for k, v in layers.items()]
        out.insert(0, {**base, "kind": "verdict", "what": "结论",
                       "old": VERDICT_ZH.get(old.get("verdict"), str(old.get("verdict"))),
                       "new": VERDICT_ZH.get(new.get("verdict"), str(new.get("verdict"))),
                       "cause": "；".join(causes) or "图层与规则文件均未改变（程序版本不同）"})
    return out


def recheck(*, store=None, since=None, ids=None, against=None, last: int | None = None,
            against_is_copy: bool = False) -> Recheck:
    """Run recorded checks again against the current layers and rule files; list every change.

    Parameters
    ----------
    store
        The store whose register is read and whose current layers are used (``None``: the active store).
    since
        Only checks recorded on or after this date (``"2026-01-01"``).
    ids
        Only these register ids.
    against_is_copy
        ``against`` (a store) is a copy of ``store`` with some layers changed (an import's preview): the
        unchanged layers' hashes are taken from ``store``.
    last
        Only the ``last`` most recent checks (of those ``since``); the answer says whether the register
        holds older ones it left out (``.older_left_out``, ``.coverage_text()``). ``None``: all.
    against
        ``None`` or ``"current"``: the current layers and rule files. A register id (``12``) or a
        version-set id (``dcf layers versions``): the layer and rule-file versions that check (that
        set) used, from the register. Any other value: the layers of that other store (an import's
        preview uses a throw-away copy with the new layer); the register is still read from ``store``.

    Returns
    -------
    Recheck
        ``.changes`` (verdict flips, zones entered or left, changed shares and townships, changed
        indicator thresholds, each with the layer or rule-file change that caused it), ``.checks``,
        ``.flipped``, ``.to_table(path)``.

    Examples
    --------
    >>> from dcf_spatial.register import recheck
    >>> r = recheck(since="2026-01-01")     # doctest: +SKIP
    >>> r.flipped; r.to_table("changes.xlsx")   # doctest: +SKIP
    """
    from ..store.locate import resolve_store

    st = _store(store)
    location = resolve_store(store)
    since = _date(since, "起始日期")
    if last is not None and int(last) < 1:
        raise InputError(f"最近登记条数须为正整数，收到 {last!r}；要核查全部登记请不给条数。")
    # the register of ``store``, filtered in the database: a bounded recheck reads only what it re-runs
    if last is not None or ids is not None:
        rows = tables.read_records(st, ids, status="ok", since=since, last=last)
        older = (last is not None and ids is None and len(rows) == int(last)
                 and tables.has_records_before(st, int(rows["id"].min()), status="ok", since=since))
        rows = [rows]
    else:
        rows, older = _chunks(st, tables.record_ids(st, status="ok", since=since)), False
    bound = {"older_left_out": bool(older), "last": None if last is None else int(last), "since": since}
    if against is None or str(against) == "current":
        return _recheck(st, rows, location, versions.layer_versions(location),
                        {k: v[0] for k, v in versions.file_versions().items()}, "current", bound)
    if _is_version_set(against):
        from .history import version_set

        vs, layers, files = version_set(against, store=location)
        with rerun.recorded_versions(st, {"id": f"版本集 {vs}", "layers": json.dumps(layers), "files": json.dumps(files)}) as there:
            return _recheck(st, rows, there, {k: {"sha256": v, "catalog": {}} for k, v in layers.items()}, dict(files), vs,
                            bound, advice_store=location)
    other = resolve_store(against)
    return _recheck(st, rows, other, versions.layer_versions(other, copy_of=location if against_is_copy else None),
                    {k: v[0] for k, v in versions.file_versions().items()}, "current", bound)


def _is_version_set(value) -> bool:
    """A register id or a version-set id (hex), not a store path or URL."""
    import re

    text = str(value).strip().lstrip("#")
    return isinstance(value, int) or bool(re.fullmatch(r"\d+|[0-9a-fA-F]{6,64}", text)) and not Path(text).exists()


#: register rows re-run at a time by a recheck of the whole register: its memory is that of a chunk's answers
#: (~16 kB of JSON each, several times that parsed), not the register's (30,000 checks held at once: ~3 GB)
RECHECK_CHUNK = 2_000


def _chunks(st, ids: list[int]):
    """The register rows of ``ids``, read :data:`RECHECK_CHUNK` at a time."""
    for start in range(0, len(ids), RECHECK_CHUNK):
        yield tables.read_records(st, ids[start:start + RECHECK_CHUNK])


def _recheck(st, chunks, location, cur_layers, cur_files, against, bound=None, advice_store=None) -> Recheck:
    import pandas as pd

    changes, checks, sites, recorded_at, distinct = [], [], {}, [], set()
    all_layers, all_files, unchecked, unreadable = {}, {}, {}, {}
    for rows in chunks:
        records = rows.to_dict(orient="records")
        olds = [json.loads(entry["result"]) for entry in records]
        keys = [rerun.check_key(e, o) for e, o in zip(records, olds)]
        distinct.update(keys)
        # identical re-checks of the chunk once, the rest as one batch
        news = rerun.run_many(records, location, recorded=olds, keys=keys, advice_store=advice_store)
        _compare_rows(records, olds, news, cur_layers, cur_files, changes, checks, all_layers, all_files)
        for entry, new in zip(records, news):
            if _unchecked_reason(new) is not None:
                unchecked[int(entry["id"])] = _unchecked_reason(new)
                unreadable.update((g["layer"], g.get("problem"))
                                  for g in (new.get("provenance") or {}).get("unreadable_layers") or ())
        sites.update((int(i), g) for i, g in zip(rows["id"], rows["geometry"]))
        recorded_at.extend(str(r) for r in rows["recorded_at"])
    frame = pd.DataFrame(changes, columns=["id", "project", "industry", "kind", "what", "old", "new", "cause"])
    frame["kind_zh"] = frame["kind"].map(KIND_ZH)
    frame = frame[list(CHANGE_COLUMNS_ZH)].rename(columns=CHANGE_COLUMNS_ZH)
    checks_df = pd.DataFrame(checks, columns=["登记号", "项目名称", "行业", "原结论", "现结论", "结论是否改变"])
    return Recheck(frame, checks_df, all_layers, all_files, st.label, against, sites, **(bound or {}),
                   distinct=len(distinct), recorded_at=recorded_at, unchecked=unchecked, unreadable=unreadable)


#: why a re-check gave no verdict, as the summary says it (each check's own reason names the layer and the fix)
UNCHECKED_WHY_ZH = "所依据的图层缺失、为空或无法使用"


def _unchecked_reason(new: dict) -> str | None:
    """The first reason of a re-run check that gave no verdict (``None``: a layer it needs is missing or empty,
    queries/site/layer_gaps.py) — it names the layer, what is wrong and the fix; ``None`` when it gave one."""
    if new.get("status", "ok") != "ok" or new.get("verdict") is not None:
        return None
    reasons = new.get("reasons") or [{}]
    return str(reasons[0].get("text_zh") or "无法核查").replace(OTHER_REASONS_ZH, "")   # no reasons follow here


def _compare_rows(records, olds, news, cur_layers, cur_files, changes, checks, all_layers, all_files) -> None:
    """Add each row's changes and its 核查对照 line to ``changes`` and ``checks``; the layer and file
    changes behind them to ``all_layers`` and ``all_files``."""
    for entry, old, new in zip(records, olds, news):
        layers, files = _causes(json.loads(entry["layers"]), json.loads(entry["files"]), cur_layers, cur_files)
        all_layers.update(layers)
        all_files.update(files)
        unchecked = _unchecked_reason(new)
        if new.get("status") == "error":
            changes.append({"id": int(entry["id"]), "project": entry["project"], "industry": entry["industry"],
                            "kind": "error", "what": "行业", "old": entry["industry"], "new": "—", "cause": new["error"]})
        elif unchecked is not None:
            # no new verdict: the check could not be made (the reason says why and the fix), nothing to compare
            changes.append({"id": int(entry["id"]), "project": entry["project"], "industry": entry["industry"],
                            "kind": "unchecked", "what": "结论", "old": VERDICT_ZH.get(old.get("verdict"), old.get("verdict")),
                            "new": "无法核查（未得出新结论）", "cause": unchecked})
        else:
            changes.extend(compare(entry, old, new, layers, files, cur_layers))
        checks.append({"登记号": int(entry["id"]), "项目名称": entry["project"], "行业": entry["industry"],
                       "原结论": VERDICT_ZH.get(old.get("verdict"), old.get("verdict")),
                       "现结论": VERDICT_ZH.get(new.get("verdict"), new.get("verdict")),
                       # a check that could not be made is no changed verdict (Recheck.unchecked says it apart)
                       "结论是否改变": unchecked is None and old.get("verdict") != new.get("verdict")})
