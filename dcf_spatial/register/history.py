"""Which checks were recorded, and what did each answer? ``dcf site history`` (list, filter, export)
and ``dcf site history show ID`` (the recorded answer, reproduced from the recorded versions)."""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..user_text import printable_name
from . import rerun, tables, versions

VERDICT_ZH = {"fits": "符合", "conditional": "有条件符合", "does_not_fit": "不符合", "outside_plan_area": "不在规划范围",
              None: "无法核查"}
#: the Chinese column headers of the register list
COLUMNS_ZH = {"id": "登记号", "recorded_at": "登记时间", "check_date": "核查日期", "project": "项目名称",
              "industry": "行业", "industry_code": "行业代码", "verdict_zh": "结论", "zones_zh": "所在分区",
              "source": "批量文件", "row_label": "所在行", "layers_short": "图层版本", "files_short": "规则文件版本", "version_set": "版本集"}
OUTPUT_SUFFIXES = (".xlsx", ".gpkg", ".csv")


def project_label(value, missing: str = "（未命名）") -> str:
    """A recorded project name as the user reads it: ``missing`` for a check recorded without one. The
    register's text columns come back from pandas with NaN, not None, for an empty cell (and NaN is true)."""
    if value is None or (isinstance(value, float) and value != value) or not str(value).strip():
        return missing
    return str(value)


def _store(store):
    from ..store import catalog
    from ..store.locate import resolve_store

    return catalog._require_store(resolve_store(store))


def _date(value, what: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return _dt.date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise InputError(f"{what} {value!r} 不是日期；请写成 YYYY-MM-DD，如 2026-01-31。") from None


def _verdict_code(value):
    if value is None:
        return None
    codes = {v: k for k, v in VERDICT_ZH.items() if k}
    if value in VERDICT_ZH and value is not None:
        return value
    if value in codes:
        return codes[value]
    raise InputError(f"结论 {value!r} 无法识别；可用：{'、'.join(f'{k}（{v}）' for k, v in VERDICT_ZH.items() if k)}。")


def entries(*, store=None, verdict=None, zone=None, since=None, until=None, project=None, ids=None):
    """The register rows, filtered (all filters optional, combined with AND); oldest first.

    ``verdict`` a code or its Chinese name; ``zone`` a zone id or part of its Chinese name; ``since`` and
    ``until`` dates (inclusive) of recording; ``project`` part of the project name; ``ids`` register ids.
    """
    df = tables.read_records(_store(store), ids)
    v = _verdict_code(verdict)
    since, until = _date(since, "起始日期"), _date(until, "截止日期")
    if v is not None:
        df = df[df["verdict"] == v]
    if zone:
        z = str(zone)

        def touches(zones: str) -> bool:  # stored as id|name|id|name…: an id exactly, or part of a name
            parts = zones.split("|")
            return z in parts[0::2] or any(z in name for name in parts[1::2])

        df = df[df["zones"].fillna("").map(touches)]
    if since:
        df = df[df["recorded_at"].str[:10] >= since]
    if until:
        df = df[df["recorded_at"].str[:10] <= until]
    if project:
        df = df[df["project"].fillna("").str.contains(str(project), regex=False)]
    return df.reset_index(drop=True)


def _version_sets(df) -> list[str]:
    return [versions.version_set_id(json.loads(a or "{}"), json.loads(b or "{}")) for a, b in zip(df["layers"], df["files"])]


def version_sets(*, store=None):
    """The version sets the register's checks used (a set = the layer and rule-file hashes of a check),
    one row each: 版本集, 登记数, 首次登记, 末次登记, 登记号, 图层版本, 是否现行.

    The id is what ``dcf site recheck --against ID`` takes.

    Examples
    --------
    >>> from dcf_spatial.register import version_sets
    >>> version_sets()   # doctest: +SKIP
    """
    import pandas as pd

    st = _store(store)
    df = tables.read_records(st)
    df = df[df["status"] == "ok"] if len(df) else df
    cols = ["版本集", "登记数", "首次登记", "末次登记", "登记号", "图层版本", "是否现行"]
    if not len(df):
        return pd.DataFrame(columns=cols)
    current = versions.version_set_id({k: v["sha256"] for k, v in versions.layer_versions(store).items()},
                                      {k: v[0] for k, v in versions.file_versions().items()})
    df = df.assign(version_set=_version_sets(df))
    out = []
    for vs, g in df.groupby("version_set", sort=False):
        layers = json.loads(g["layers"].iloc[0])
        out.append({"版本集": vs, "登记数": len(g), "首次登记": g["recorded_at"].min(), "末次登记": g["recorded_at"].max(),
                    "登记号": "、".join(map(str, g["id"].astype(int).tolist()[:20])) + ("…" if len(g) > 20 else ""),
                    "图层版本": "; ".join(f"{k}:{v[:8]}" for k, v in layers.items()), "是否现行": vs == current})
    return pd.DataFrame(out, columns=cols)


def version_set(spec, *, store=None) -> tuple[str, dict, dict]:
    """``(id, layers, files)`` of a version set given as a register id (``12``, ``#12``) or a version-set
    id (or its first 6+ hex digits); :class:`InputError` naming what exists otherwise."""
    st = _store(store)
    text = str(spec).strip().lstrip("#")
    df = tables.read_records(st)
    df = df[df["status"] == "ok"] if len(df) else df
    if text.isdigit() and len(text) < 6 or (text.isdigit() and int(text) in set(df["id"].astype(int))):
        rows = df[df["id"].astype(int) == int(text)]
        if not len(rows):
            raise InputError(f"图层库 {st.label} 的核查登记中没有登记号 {text}（或该登记核查出错，没有结论）。")
        r = rows.iloc[0]
        layers, files = json.loads(r["layers"]), json.loads(r["files"])
        return versions.version_set_id(layers, files), layers, files
    sets = {}
    for a, b in zip(df["layers"], df["files"]):
        la, fb = json.loads(a), json.loads(b)
        sets.setdefault(versions.version_set_id(la, fb), (la, fb))
    hits = [k for k in sets if len(text) >= 6 and k.startswith(text.lower())]
    if len(hits) != 1:
        known = "、".join(list(sets)[:10]) or "（登记为空）"
        raise InputError(f"版本集 {spec!r} {'不唯一' if hits else '不在'}图层库 {st.label} 的核查登记中；"
                         f"请给登记号或版本集编号（dcf layers versions 列出），已有：{known}。")
    return hits[0], *sets[hits[0]]


@dataclass
class RegisterList:
    """Recorded checks, as ``dcf site history`` lists them.

    Attributes
    ----------
    rows
        The register rows (raw columns, ``geometry`` in EPSG:4490).
    store
        The store label.

    Examples
    --------
    >>> from dcf_spatial.register import history
    >>> h = history(verdict="不符合", since="2026-01-01")   # doctest: +SKIP
    >>> h.frame; h.to_table("登记.xlsx")                    # doctest: +SKIP
    """

    rows: object
    store: str = ""
    filters: dict = field(default_factory=dict)

    @property
    def frame(self):
        """One row per recorded check, Chinese headers."""
        import pandas as pd

        df = self.rows.copy()
        df["verdict_zh"] = [VERDICT_ZH.get(v, "无法核查") if s == "ok" else "无法核查" for v, s in zip(df["verdict"], df["status"])]
        df["zones_zh"] = df["zones"].fillna("").map(lambda s: "、".join(s.split("|")[1::2]))
        df["layers_short"] = df["layers"].map(lambda s: "; ".join(f"{k}:{v[:8]}" for k, v in json.loads(s).items()) if s else "")
        df["files_short"] = df["files"].map(lambda s: "; ".join(f"{k}:{v[:8]}" for k, v in json.loads(s).items()) if s else "")
        df["version_set"] = _version_sets(df)
        out = df[list(COLUMNS_ZH)].rename(columns=COLUMNS_ZH)
        return out if len(out) else pd.DataFrame(columns=list(COLUMNS_ZH.values()))

    def to_dict(self) -> list[dict]:
        """JSON-ready rows, the recorded answer included (``result``)."""
        out = []
        for r in self.rows.to_dict(orient="records"):
            g = r.pop("geometry", None)
            r["geometry_wkt"] = None if g is None else g.wkt
            for k in ("rerun", "result", "layers", "files"):
                r[k] = json.loads(r[k]) if r.get(k) else None
            r["version_set"] = versions.version_set_id(r["layers"] or {}, r["files"] or {})
            out.append(r)
        return out

    def summary_text(self) -> str:
        f = self.frame
        lines = [f"核查登记（{self.store}）：{len(f)} 条" + (f"（筛选：{'，'.join(f'{k}={v}' for k, v in self.filters.items() if v)}）"
                                                     if any(self.filters.values()) else "") + "。"]
        for r in f.itertuples(index=False):
            # one console line per entry, whatever the recorded 项目名称/行业 hold (a line break, U+202E: breaker F11)
            lines.append(printable_name(f"  #{r[0]} {r[1]} {project_label(r[3])} {project_label(r[4], '')}：{r[6]}"
                                        + (f"（{r[7]}）" if r[7] else "") + f" [版本集 {r[12]}]"))
        return "\n".join(lines)

    def to_table(self, path, *, overwrite: bool = False) -> Path:
        """Write the list to ``.xlsx`` (with a 说明 sheet), ``.csv`` or ``.gpkg`` (the sites as geometry).

        Examples
        --------
        >>> history().to_table("核查登记.gpkg")   # doctest: +SKIP
        """
        import geopandas as gpd
        import pandas as pd

        from .. import settings
        from ..io.write import write_csv, write_xlsx
        from ..outputs_guard import guard_output

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in OUTPUT_SUFFIXES:
            raise InputError(f"{path}：登记列表请存为 .xlsx、.csv 或 .gpkg。")
        guard_output(path, overwrite=overwrite)
        frame = self.frame
        if suffix == ".xlsx":
            note = pd.DataFrame({"说明": [f"图层库：{self.store}",
                                         "图层版本与规则文件版本为内容哈希（SHA-256 前 8 位）；dcf site history show 登记号 可按所记版本重现结论。"]})
            write_xlsx({"核查登记": frame, "说明": note}, path)
        elif suffix == ".csv":
            write_csv(frame, path)
        else:
            if path.exists():
                path.unlink()
            gpd.GeoDataFrame(frame, geometry=list(self.rows["geometry"]), crs=settings.storage_crs).to_file(
                path, layer="site_register", driver="GPKG")
        return path


def history(*, store=None, verdict=None, zone=None, since=None, until=None, project=None) -> RegisterList:
    """The recorded site checks, filtered.

    Parameters
    ----------
    store
        The layer store whose register is read (``None``: the active store).
    verdict
        ``fits``/``conditional``/``does_not_fit``/``outside_plan_area`` or 符合/有条件符合/不符合/不在规划范围.
    zone
        A zone id (``cluster.zhengjia``) or part of a zone's Chinese name (郑家镇).
    since, until
        Dates of recording, inclusive (``"2026-01-01"``).
    project
        Part of the project name.

    Returns
    -------
    RegisterList

    Examples
    --------
    >>> from dcf_spatial.register import history
    >>> history(zone="cluster.zhengjia").frame   # doctest: +SKIP
    """
    filters = {"verdict": verdict, "zone": zone, "since": since, "until": until, "project": project}
    return RegisterList(entries(store=store, **filters), store=_store(store).label, filters=filters)


@dataclass
class Reproduction:
    """A recorded check run again from the versions it recorded (``dcf site history show ID``).

    Attributes
    ----------
    id
        The register id.
    recorded, reproduced
        The recorded result dict and the one computed now from the recorded layer and rule versions.
    identical
        Whether they are the same, value for value — save a reason's repair advice, which names the store's kept
        versions as they are when it is given (the reproduced one names them as they are now).
    differences
        The paths of values that differ (``"zones[0].share"`` …), empty when identical.
    entry
        The register row.
    """

    id: int
    recorded: dict
    reproduced: dict
    identical: bool
    differences: list
    entry: dict

    def to_dict(self) -> dict:
        return {"id": self.id, "identical": self.identical, "differences": self.differences,
                "differences_zh": differences_zh(self.differences),
                "recorded_at": self.entry["recorded_at"], "project": self.entry["project"],
                "layers": json.loads(self.entry["layers"]), "files": json.loads(self.entry["files"]),
                "result": self.reproduced}

    def summary_text(self, *, figures_hint: str | None = None) -> str:
        """The reproduced answer as text; ``figures_hint`` says where missing project figures are given
        (default: the library's argument names; the command line names its options)."""
        from ..queries.site import present

        said = differences_zh(self.differences)
        head = (f"登记 #{self.id}（{self.entry['recorded_at']} 登记，项目：{printable_name(project_label(self.entry['project'], '未命名'))}）："
                + ("按所记图层与规则版本重现，结论与登记时完全一致。" if self.identical else
                   f"按所记版本重现，与登记时有 {len(said)} 处不同：{'；'.join(said[:10])}"
                   + ("等" if len(said) > 10 else "") + "。"))
        notes = recorded_layer_notes(self.recorded)
        if notes:   # what the check said of the layers it read: a reproduction from recorded versions cannot say it
            head += "\n" + notes
        if self.reproduced.get("status", "ok") != "ok":
            return head + "\n" + str(self.reproduced.get("error"))
        hint = present.FIGURES_HINT_ZH if figures_hint is None else figures_hint
        return head + "\n" + present.summary_text(self.reproduced, figures_hint=hint)


def recorded_layer_notes(recorded: dict) -> str:
    """What a recorded check said of the layers it read, as ``dcf site history show`` prints it: those edited
    outside dcf (no recorded version holds what it read, store/backends/outside_edits.py) and those missing or
    empty (no verdict, queries/site/layer_gaps.py); '' when it said nothing of them.

    Examples
    --------
    >>> recorded_layer_notes({"verdict": None, "provenance": {"unreadable_layers": [
    ...     {"layer": "agri_zones", "title_zh": "七大农业示范区", "problem": "empty"}]}})
    '登记时的图层情况：图层“七大农业示范区”（agri_zones）：该图层为空（0 个要素）。登记的结论为无法核查，原因见登记的判定理由。'
    """
    from ..queries.site.layer_gaps import sentence_zh as gap_zh
    from ..store.backends.outside_edits import sentence_zh as edit_zh

    prov = recorded.get("provenance") or {}
    said = [edit_zh(e["layer"], e.get("title_zh") or "", e) for e in prov.get("edited_outside") or ()]
    said += [gap_zh(g["layer"], g.get("title_zh") or "", g["problem"], g.get("problem_zh") or "")
             for g in prov.get("unreadable_layers") or ()]
    if not said:
        return ""
    return ("登记时的图层情况：" + "；".join(said) + "。"
            + ("登记的结论依据当时的图层内容，按所记版本重现时读不到这些修改。" if prov.get("edited_outside") else "")
            + ("登记的结论为无法核查，原因见登记的判定理由。" if prov.get("unreadable_layers") and recorded.get("verdict") is None
               else ""))


#: the sections of a check's answer, as the report heads them (a difference is said by these, never by its key)
SECTION_ZH = {"verdict": "结论", "verdict_zh": "结论", "industry": "行业", "site": "场地", "townships": "所在镇（街道）",
              "zones": "涉及分区", "designated_zones": "对口分区", "reasons": "判定理由", "indicators": "用地控制指标",
              "provenance": "数据说明", "read_notes": "读取说明", "policy": "核查口径", "check_date": "核查日期",
              "status": "核查状态", "error": "无法核查的原因", "landuse": "土地利用现状"}
#: the fields inside a section a planner can tell apart; any other is said by its section alone
FIELD_ZH = {"share": "占比", "area_mu": "面积（亩）", "area_ha": "面积（公顷）", "distance_km": "距离", "name_zh": "名称",
            "text_zh": "文字", "effect": "对结论的作用", "plan_ref": "规划依据", "threshold": "控制值", "comparator": "控制值",
            "value": "项目值", "status": "结果", "status_zh": "结果", "edition": "指标版本", "edition_note": "指标版本",
            "note": "说明", "note_zh": "说明文字", "edited_outside": "在 dcf 之外编辑的图层",
            "unreadable_layers": "缺失或为空的图层", "edits_unwatched": "无编辑记录触发器的图层", "layers": "所用图层",
            "schematic_layers": "示意图层", "codes": "行业代码", "names_zh": "行业名称", "kind": "产业类别",
            "kind_zh": "产业类别", "centroid_lonlat": "中心点", "share_in_plan_area": "规划范围内占比",
            "share_in_district": "区内占比", "geometry_type": "形状", "other_units": "开发区托管镇（街道）"}


def difference_zh(path: str) -> str:
    """A difference :func:`diff` found, in the words of the report: ``provenance.note_zh`` → ``数据说明（说明文字）``,
    ``reasons[1].text_zh`` → ``判定理由第 2 条（文字）``, ``zones（1 项 → 2 项）`` → ``涉及分区（1 项 → 2 项）``.

    Examples
    --------
    >>> difference_zh("provenance.edited_outside")
    '数据说明（在 dcf 之外编辑的图层）'
    >>> difference_zh("reasons[1].text_zh")
    '判定理由第 2 条（文字）'
    >>> difference_zh("zones（1 项 → 2 项）")
    '涉及分区（1 项 → 2 项）'
    """
    import re

    m = re.match(r"^([^.\[（]*)(.*)$", path)
    head, rest = m.group(1), m.group(2)
    out = SECTION_ZH.get(head, "其他内容" if head else "整体")
    count = re.search(r"（\d+ 项 → \d+ 项）$", rest)
    index = re.match(r"^\[(\d+)\]", rest)
    if index:
        out += f"第 {int(index.group(1)) + 1} {'条' if head in ('reasons', 'read_notes') else '项'}"
    words = [FIELD_ZH[k] for k in re.findall(r"\.([A-Za-z_]+)", rest) if k in FIELD_ZH]
    if words:
        out += f"（{words[-1]}）"
    return out + (count.group(0) if count else "")


def differences_zh(paths: list[str]) -> list[str]:
    """:func:`difference_zh` of each, each said once, in order."""
    return list(dict.fromkeys(difference_zh(p) for p in paths))


def diff(a, b, path: str = "") -> list[str]:
    """The paths at which two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            out.extend(diff(a.get(k), b.get(k), f"{path}.{k}" if path else str(k)))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}（{len(a)} 项 → {len(b)} 项）"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in diff(x, y, f"{path}[{i}]")]
    if a != b and not (a != a and b != b):  # NaN equals NaN here
        return [path or "（整体）"]
    return []


def _grounds(result: dict) -> dict:
    """A check's answer without what depends on the store's state when it is read rather than on the layer and
    rule versions: the repair advice of a reason given no verdict (:func:`~dcf_spatial.queries.site.layer_gaps.
    without_fixes`; breaker B31-7)."""
    from ..queries.site.layer_gaps import without_fixes

    if not isinstance(result.get("reasons"), list):
        return result
    return {**result, "reasons": [without_fixes(r) if isinstance(r, dict) else r for r in result["reasons"]]}


def show(entry_id: int, *, store=None) -> Reproduction:
    """Run recorded check ``entry_id`` again from the layer and rule versions it recorded.

    Parameters
    ----------
    entry_id
        The register id (``登记号``).
    store
        The store holding the register (``None``: the active store).

    Returns
    -------
    Reproduction
        ``.identical`` is True when the answer is the recorded one, value for value.

    Raises
    ------
    InputError
        No such id, or a version it needs is not kept.

    Examples
    --------
    >>> from dcf_spatial.register import show
    >>> show(1).identical   # doctest: +SKIP
    True
    """
    from ..store.locate import resolve_store

    st, st_location = _store(store), resolve_store(store)
    rows = tables.read_records(st, [int(entry_id)])
    if not len(rows):
        raise InputError(f"图层库 {st.label} 的核查登记中没有登记号 {entry_id}。")
    entry = rows.iloc[0].to_dict()
    recorded = json.loads(entry["result"])
    if entry["status"] != "ok":
        return Reproduction(int(entry_id), recorded, recorded, True, [], entry)
    with rerun.recorded_versions(st, entry) as location:
        reproduced = rerun.run(entry, location, advice_store=st_location)
    differences = diff(*(_grounds(r) for r in (recorded, reproduced)))
    return Reproduction(int(entry_id), recorded, reproduced, not differences, differences, entry)
