"""Audits in the register, and what changed between two of them: ``dcf audit diff OLD NEW``.

An idle or efficiency audit run with ``record=True`` is recorded in the register of the layer store:
its manifest (the same record as the output folder's ``manifest.json``: inputs' hashes, as-of date,
zone layers with their versions, the rules' hash) and its answer, parcel by parcel (enterprise by
enterprise), as GeoParquet bytes. :func:`audit_diff` compares two audits — two output folders, two
register audit ids, or one of each — and lists every parcel whose status, fee or zone changed, and why:
the as-of date moved, the parcel's input row changed, a zone layer changed, or the rules changed.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

logger = logging.getLogger(__name__)

#: the input fields of a parcel (idle audit) and of an enterprise row (efficiency): a change in any
#: of them is "the data changed"
IDLE_INPUTS = ("holder", "credit_code", "land_use_code", "supply_type", "area_m2", "agreed_start", "extension_until",
               "actual_start", "stopped_since", "developed_area_m2", "required_dev_area_m2", "total_investment_wan",
               "invested_wan", "land_price_wan", "gov_cause", "determination_date")
EFFICIENCY_INPUTS = ("name", "industry_code", "above_scale", "land_area_mu", "tax_wan", "revenue_wan", "energy_tce",
                     "employees", "rd_wan", "emissions_t", "start_year", "veto")
ZONE_KINDS = ("township", "cluster", "park")
#: what is kept of each audited row in the register (those present)
IDLE_KEEP = ("row", "parcel_id", "status", "status_zh", "fee_wan", *(f"{k}_{s}" for k in ZONE_KINDS for s in ("id", "zh")),
             *IDLE_INPUTS)
EFFICIENCY_KEEP = ("row", "credit_code", "year", "name", "eff_class", "eff_class_zh", "score",
                   *(f"{k}_{s}" for k in ZONE_KINDS for s in ("id", "zh")), *EFFICIENCY_INPUTS)
KIND_ZH = {"idle": "闲置土地审计", "efficiency": "亩产效益评价"}
CHANGE_ZH = {"status": "结论变化", "fee": "闲置费变化", "zone": "所在区变化", "added": "新增", "removed": "删除"}
DIFF_COLUMNS = ["宗地代码", "变化", "原结论", "现结论", "原闲置费（万元）", "现闲置费（万元）", "原所在区", "现所在区", "原因"]
EFF_DIFF_COLUMNS = ["统一社会信用代码", "年度", "变化", "原分类", "现分类", "原所在区", "现所在区", "原因"]


def _store(store):
    from .history import _store as register_store

    return register_store(store)


def _keep(frame, kind: str):
    import geopandas as gpd
    import pandas as pd

    cols = [c for c in dict.fromkeys(IDLE_KEEP if kind == "idle" else EFFICIENCY_KEEP) if c in frame.columns]
    geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    out = pd.DataFrame(frame[cols]).copy()
    for c in out.columns:  # mixed-type text columns as text (what _text compares), so that Parquet takes them
        if out[c].dtype == object:
            out[c] = [None if (t := _text(v)) == "" else t for v in out[c]]
    if geom is not None:
        out = gpd.GeoDataFrame(out, geometry=frame.geometry.values, crs=frame.crs)
    return out


def record_audit(result, *, store=None, folder=None) -> int:
    """Record an audit's manifest and answer in the register of ``store``; return its audit id.

    Parameters
    ----------
    result
        The :class:`~dcf_spatial.land.AuditResult`.
    store
        The layer store whose register keeps it (``None``: the active store; the packaged default
        store is recorded in its per-user copy).
    folder
        The output folder the audit was written to, if any (kept with the record).

    Returns
    -------
    int
        The audit id (``审计登记号``), for ``dcf audit diff``.

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> res = dcf.audit_idle("宗地.gpkg", as_of="2025-12-31", record=True)   # doctest: +SKIP
    >>> res.details["register_id"]                                          # doctest: +SKIP
    1
    """
    from ..land.report import manifest
    from ..store import catalog
    from ..store.locate import resolve_store, writable_location
    from . import tables

    location = writable_location(resolve_store(store))
    st = catalog._store(location, write=True)
    kept = _keep(result.frame, result.kind)
    buf = io.BytesIO()
    kept.to_parquet(buf)
    man = manifest(result)
    row = {"recorded_at": _dt.datetime.now().isoformat(timespec="seconds"), "kind": result.kind, "engine": result.engine,
           "as_of": man.get("as_of"), "folder": None if folder is None else str(Path(folder).resolve()),
           "manifest": json.dumps(man, ensure_ascii=False, default=str), "rows": buf.getvalue()}
    rid = tables.write_audit(st, row)
    logger.info("Recorded %s audit of %d rows in the register of %s (audit id %d)", result.kind, len(kept), st.label, rid)
    return rid


# --- reading an audit back: a folder or a register id ---------------------------------------------------------
@dataclass
class _Audit:
    label: str
    kind: str
    manifest: dict
    frame: object


def _read_folder(folder: Path) -> _Audit:
    import geopandas as gpd
    import pandas as pd

    from ..io.output_set import MANIFEST, PREVIOUS
    from ..land.files import EFFICIENCY_ENTERPRISES, read_folder

    man_path = folder / MANIFEST
    if not man_path.is_file():
        kept = folder / PREVIOUS
        if kept.is_dir():
            # a write killed while moving the new files in: the earlier result is whole in .上次结果/
            usable = (f"其中有 {MANIFEST}，可直接对比该文件夹；" if (kept / MANIFEST).is_file() else "")
            raise InputError(f"{folder}：不是完整的审计输出文件夹（没有 {MANIFEST}）：上一次写出在移入文件时中断，"
                             f"此前的完整结果保存在 {kept}（{usable}重新运行该次审计、输出到同一文件夹时会先把它放回）。")
        raise InputError(f"{folder}：不是完整的审计输出文件夹（没有 {MANIFEST}）；请给出 dcf audit idle|efficiency -o 的输出文件夹，"
                         "或审计登记号（审计时加 --record）。")
    man = _read_manifest(man_path)
    kind = man.get("kind")
    if man.get("complete") is not True:
        raise InputError(f"{man_path}：该次审计未标记为完整（\"complete\": {json.dumps(man.get('complete'))}），"
                         "写出中断或未完成，其结果不能用于对比；请重新运行该次审计（同一输出文件夹，允许覆盖）。")
    if kind == "idle":
        p = folder / "idle_audit.parquet"
    elif kind == "efficiency":
        p = folder / EFFICIENCY_ENTERPRISES
        if not p.is_dir() and (folder / "efficiency.xlsx").is_file():
            p = folder / "efficiency.xlsx"
    else:
        raise InputError(f"{man_path}：审计种类 {kind!r} 无法识别（应为 idle 或 efficiency）。")
    if not p.exists():
        raise InputError(f"{folder}：找不到审计结果文件（idle_audit.parquet / efficiency.xlsx）；文件夹不完整，请重新审计。")
    _check_unchanged(p, man, man_path)
    try:
        if p.suffix == ".xlsx":
            frame = _efficiency_from_workbook(p)
        else:
            frame = read_folder(p) if p.is_dir() else gpd.read_parquet(p)
    except InputError:
        raise
    except Exception as exc:  # a damaged file the hashes did not catch (a manifest without them)
        raise InputError(f"{p}：无法读取（{type(exc).__name__}: {exc}）；文件已损坏，请重新审计。") from None
    want = (man.get("rows") or {}).get("out")
    if kind == "idle" and isinstance(want, int) and len(frame) != want:
        raise InputError(f"{p} 已被改动：有 {len(frame)} 行，而 {man_path} 记载该次审计输出 {want} 行；"
                         "请用未改动的审计输出文件夹，或重新审计。")
    return _Audit(str(folder), kind, man, pd.DataFrame(frame) if not isinstance(frame, gpd.GeoDataFrame) else frame)


def _read_manifest(path: Path) -> dict:
    """``manifest.json`` read and its shape checked: a clean error naming the file, never a
    JSONDecodeError or an AttributeError deep in the comparison."""
    fix = "请用完整的审计输出文件夹，或重新运行该次审计。"
    try:
        man = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path}：不是 UTF-8 文本的 JSON，无法读取审计清单；{fix}") from None
    except ValueError as exc:
        raise InputError(f"{path}：JSON 格式错误（第 {getattr(exc, 'lineno', '?')} 行：{getattr(exc, 'msg', exc)}），"
                         f"清单被截断或改动；{fix}") from None
    if not isinstance(man, dict):
        raise InputError(f"{path}：审计清单应为 JSON 对象（{{…}}），实为 {type(man).__name__}；{fix}")
    shapes = {"kind": (str,), "layers": (list,), "files": (dict,), "rules": (dict,), "rows": (dict,), "inputs": (dict,)}
    for key, types in shapes.items():
        if man.get(key) is not None and not isinstance(man[key], types):
            raise InputError(f"{path}：字段 “{key}” 格式不对（应为{'文本' if types == (str,) else '列表' if types == (list,) else '对象'}，"
                             f"实为 {json.dumps(man[key], ensure_ascii=False)[:40]}）；{fix}")
    for key in ("layers",):
        if any(not isinstance(e, dict) for e in man.get(key) or []):
            raise InputError(f"{path}：字段 “{key}” 的每一项应为对象（{{…}}）；{fix}")
    if any(not isinstance(v, dict) for v in (man.get("files") or {}).values()):
        raise InputError(f"{path}：字段 “files” 的每一项应为对象（含 sha256）；{fix}")
    return man


def _check_unchanged(path: Path, man: dict, man_path: Path) -> None:
    """Refuse a result file whose sha256 is not the one the manifest recorded when it was written."""
    from ..io.output_set import sha256_of

    want = ((man.get("files") or {}).get(path.name) or {}).get("sha256")
    if want is None:
        return
    if sha256_of(path) != want:
        raise InputError(f"{path} 已被改动：其 sha256 与 {man_path} 所记不符（审计写出后被编辑、替换或覆盖）；"
                         "请用未改动的审计输出文件夹，或重新审计。")


def _efficiency_from_workbook(path: Path):
    """The 企业清单 sheet of ``efficiency.xlsx`` with its Chinese headers mapped back to the column names."""
    import pandas as pd

    from ..land.outputs import EFFICIENCY_COLUMNS_ZH

    raw = pd.read_excel(path, sheet_name="企业清单", header=None, dtype=object, engine="openpyxl")
    # the sheet may open with a note row: the header is the first row holding 统一社会信用代码
    header = next((i for i in range(min(len(raw), 10)) if "统一社会信用代码" in set(raw.iloc[i].astype(str))), None)
    if header is None:
        raise InputError(f"{path}：企业清单工作表中找不到表头（统一社会信用代码）。")
    df = raw.iloc[header + 1:].reset_index(drop=True)
    back = {v: k for k, v in EFFICIENCY_COLUMNS_ZH.items()}
    df.columns = [back.get(str(c), str(c)) for c in raw.iloc[header]]
    return df


def _read_register(st, audit_id: int) -> _Audit:
    import geopandas as gpd
    import pandas as pd

    from . import tables

    got = tables.read_audits(st, [audit_id])
    if not got:
        raise InputError(f"图层库 {st.label} 的审计登记中没有审计登记号 {audit_id}；"
                         "dcf audit history 列出已登记的审计（审计时加 --record 才会登记）。")
    r = got[0]
    try:
        frame = gpd.read_parquet(io.BytesIO(r["rows"]))
    except ValueError:  # no geometry column (an efficiency audit without parcels)
        frame = pd.read_parquet(io.BytesIO(r["rows"]))
    return _Audit(f"审计登记号 {audit_id}（{r['recorded_at']}）", r["kind"], json.loads(r["manifest"]), frame)


def _load(value, st_getter) -> _Audit:
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit() and not Path(value).exists()):
        return _read_register(st_getter(), int(value))
    path = Path(value)
    if path.is_dir():
        return _read_folder(path)
    raise InputError(f"{value}：既不是审计输出文件夹，也不是审计登记号；请给出 dcf audit … -o 的文件夹或登记号（如 3）。")


def _same_audit(old, new) -> bool:
    """Do ``old`` and ``new`` name the same audit (one folder, or one register id)?"""
    import os

    def as_id(v):
        if isinstance(v, int):
            return v
        if isinstance(v, str) and v.strip().isdigit() and not Path(v).exists():
            return int(v)
        return None

    ia, ib = as_id(old), as_id(new)
    if ia is not None or ib is not None:
        return ia == ib
    pa, pb = Path(old), Path(new)
    try:
        return pa.resolve() == pb.resolve() or (pa.exists() and pb.exists() and os.path.samefile(pa, pb))
    except OSError:
        return False


# --- comparing -------------------------------------------------------------------------------------------
def _text(v) -> str:
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, (pd.Timestamp, _dt.date)):
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _keys(frame, kind: str) -> list[str]:
    """Row keys: parcel id (idle) or credit code + year (efficiency), numbered when repeated."""
    import pandas as pd

    if kind == "idle":
        base = frame["parcel_id"].map(_text) if "parcel_id" in frame else pd.Series(frame.index.astype(str))
    else:
        base = frame["credit_code"].map(_text) + "|" + (frame["year"].map(_text) if "year" in frame else "")
    n = base.groupby(base).cumcount()
    return [b if k == 0 else f"{b}#{k + 1}" for b, k in zip(base, n)]


#: the label of each zone kind in 原/现所在区 (``镇（街道）：郑家镇；集聚区：…``)
ZONE_KIND_ZH = {"township": "镇（街道）", "cluster": "集聚区", "park": "园区"}


def _zone(row: dict) -> str:
    return "；".join(f"{ZONE_KIND_ZH[k]}：{_text(row.get(f'{k}_zh')) or _text(row.get(f'{k}_id'))}" for k in ZONE_KINDS
                    if _text(row.get(f"{k}_id")) or _text(row.get(f"{k}_zh")))


def _zone_ids(row: dict) -> tuple:
    return tuple(_text(row.get(f"{k}_id")) or _text(row.get(f"{k}_zh")) for k in ZONE_KINDS)


def _layers(man: dict) -> dict:
    out = {}
    for e in man.get("layers") or []:
        lid = e.get("layer_id") or e.get("id")
        out[lid] = (e.get("version"), e.get("sha256"), e.get("source"))
    return out


def _geom_text(g) -> str:
    return "" if g is None else hashlib.sha256(g.wkb).hexdigest()


@dataclass
class AuditDiff:
    """The answer of :func:`audit_diff`.

    Attributes
    ----------
    changes
        One row per changed parcel (idle: 宗地代码, 变化, 原结论, 现结论, 原闲置费（万元）, 现闲置费（万元）,
        原所在区, 现所在区, 原因) or enterprise (efficiency: 统一社会信用代码, 年度, 变化, 原分类, 现分类,
        原所在区, 现所在区, 原因).
    old, new
        What was compared (folder or register id).
    causes
        The run-level differences: ``as_of`` (old, new), ``layers`` {layer: (old, new)}, ``rules`` (old, new).
    """

    kind: str
    old: str
    new: str
    changes: object
    causes: dict = field(default_factory=dict)
    compared: int = 0

    def to_dict(self) -> dict:
        return {"kind": self.kind, "old": self.old, "new": self.new, "compared": self.compared,
                "causes": {k: (list(v) if isinstance(v, tuple) else {a: list(b) for a, b in v.items()}
                               if isinstance(v, dict) else v) for k, v in self.causes.items()},
                "changes": self.changes.to_dict(orient="records")}

    def summary_text(self) -> str:
        c = self.causes
        lines = [f"{KIND_ZH.get(self.kind, self.kind)}对比：{self.old} → {self.new}；比较 {self.compared} 条，"
                 f"变化 {len(self.changes)} 条。"]
        if "as_of" in c:
            lines.append(f"  基准日：{c['as_of'][0]} → {c['as_of'][1]}")
        for lid, (a, b) in (c.get("layers") or {}).items():
            lines.append(f"  图层 {lid} 不同：{a} → {b}")
        if "rules" in c:
            lines.append(f"  审计规则不同：{(c['rules'][0] or '无')[:8]} → {(c['rules'][1] or '无')[:8]}")
        if len(self.changes):
            # one block per change, each value under its column's name: the row is too wide for a table
            for r in self.changes.head(50).to_dict(orient="records"):
                values = [(k, _text(v)) for k, v in r.items()]
                lines.append(f"  {values[0][0]} {values[0][1]}：" + "  ".join(f"{k} {v or '—'}" for k, v in values[1:]))
        if len(self.changes) > 50:
            lines.append(f"  …… 其余 {len(self.changes) - 50} 条见输出表格（-o diff.xlsx）")
        return "\n".join(lines)

    def to_table(self, path, *, overwrite: bool = False) -> Path:
        """Write the changes to ``.xlsx`` (sheets 变化清单 and 说明) or ``.csv``.

        Examples
        --------
        >>> audit_diff("out/2024", "out/2025").to_table("diff.xlsx")   # doctest: +SKIP
        """
        import pandas as pd

        from ..io.write import write_csv, write_xlsx
        from ..outputs_guard import guard_output

        path = Path(path)
        if path.suffix.lower() not in (".xlsx", ".csv"):
            raise InputError(f"{path}：对比清单请存为 .xlsx 或 .csv。")
        guard_output(path, overwrite=overwrite)
        if path.suffix.lower() == ".csv":
            return write_csv(self.changes, path)
        note = pd.DataFrame({"说明": [line.strip() for line in self.summary_text().splitlines()[: 4 + len(self.causes.get("layers") or {})]]
                             + ["原因：基准日变化（到期、满一年、满两年按《闲置土地处置办法》第二条、第十四条按日计算）；输入数据变化（该宗地/企业的输入字段不同）；"
                                "图层变化（所在区所据图层的版本不同）；审计规则变化（规则文件哈希不同）。"]})
        return write_xlsx({"变化清单": self.changes, "说明": note}, path)


def audit_diff(old, new, *, store=None) -> AuditDiff:
    """Which parcels (enterprises) changed status, fee or zone between two audits, and why.

    Parameters
    ----------
    old, new
        An audit output folder (with its ``manifest.json``) or a register audit id (an ``int`` or
        digits; audits run with ``record=True`` / ``--record``).
    store
        The store whose register holds the audit ids (``None``: the active store).

    Returns
    -------
    AuditDiff
        ``.changes`` one row per changed parcel with its causes: 基准日变化 (the as-of date moved),
        输入数据变化 (the parcel's input fields, named), 图层变化 (a zone layer's version), 审计规则变化.

    Raises
    ------
    InputError
        A folder without a manifest, an unknown id, or two audits of different kinds.

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> d = dcf.audit_diff("审计/2025-06", "审计/2025-12")   # doctest: +SKIP
    >>> d.changes[["宗地代码", "原结论", "现结论", "原因"]]    # doctest: +SKIP
    """
    import pandas as pd

    st_cache = {}

    def st():
        if "st" not in st_cache:
            st_cache["st"] = _store(store)
        return st_cache["st"]

    if _same_audit(old, new):
        # a folder without a (complete) manifest, a missing path or an unknown id is said as such, with
        # its fix, before "the same audit": comparing it with itself is not the problem
        if Path(str(old)).exists():  # a register id is checked as the same id, as before
            _load(old, st)
        raise InputError(f"{old} 与 {new} 是同一次审计（两次相同），对比不会有变化；请给出两次不同的审计"
                         "（两个输出文件夹或两个审计登记号）。")
    a, b = _load(old, st), _load(new, st)
    if a.kind != b.kind:
        raise InputError(f"两次审计种类不同（{KIND_ZH.get(a.kind, a.kind)} 与 {KIND_ZH.get(b.kind, b.kind)}），无法对比。")
    kind = a.kind
    causes: dict = {}
    if a.manifest.get("as_of") != b.manifest.get("as_of"):
        causes["as_of"] = (a.manifest.get("as_of") or "无", b.manifest.get("as_of") or "无")
    la, lb = _layers(a.manifest), _layers(b.manifest)
    layer_changes = {k: (la.get(k), lb.get(k)) for k in dict.fromkeys([*la, *lb]) if la.get(k) != lb.get(k)}
    if layer_changes:
        def fmt(t):
            return "无" if t is None else f"第{t[0]}版" + (f"（{str(t[1])[:8]}）" if t[1] else "")

        causes["layers"] = {k: (fmt(v[0]), fmt(v[1])) for k, v in layer_changes.items()}
    ra, rb = (a.manifest.get("rules") or {}).get("sha256"), (b.manifest.get("rules") or {}).get("sha256")
    if ra != rb:
        causes["rules"] = (ra, rb)
    inputs = IDLE_INPUTS if kind == "idle" else EFFICIENCY_INPUTS

    def index(audit):
        f = audit.frame
        geom = f.geometry.name if hasattr(f, "geometry") and "geometry" in f else None
        rows = {}
        for key, r in zip(_keys(f, kind), f.to_dict(orient="records")):
            r["_geom"] = _geom_text(r.get(geom)) if geom else ""
            rows[key] = r
        return rows

    ia, ib = index(a), index(b)

    def changed_inputs(ra_, rb_) -> list[str]:
        got = [c for c in inputs if _text(ra_.get(c)) != _text(rb_.get(c))]
        return got + (["宗地范围"] if ra_["_geom"] != rb_["_geom"] else [])

    # efficiency classes are ranks within a year's group: another row's data can move this one
    others_changed = kind == "efficiency" and (set(ia) ^ set(ib) or any(
        changed_inputs(ia[k], ib[k]) for k in ia if k in ib))
    out = []
    for key in dict.fromkeys([*ia, *ib]):
        ra_, rb_ = ia.get(key), ib.get(key)
        kinds, why = [], []
        if ra_ is None or rb_ is None:
            kinds.append("added" if ra_ is None else "removed")
            why.append("输入数据变化（本次新增该记录）" if ra_ is None else "输入数据变化（本次输入中没有该记录）")
        else:
            if kind == "idle":
                if _text(ra_.get("status")) != _text(rb_.get("status")):
                    kinds.append("status")
                fa, fb = ra_.get("fee_wan"), rb_.get("fee_wan")
                if _text(round(float(fa), 4) if _text(fa) else None) != _text(round(float(fb), 4) if _text(fb) else None):
                    kinds.append("fee")
            elif _text(ra_.get("eff_class")) != _text(rb_.get("eff_class")):
                kinds.append("status")
            zone_moved = _zone_ids(ra_) != _zone_ids(rb_)
            if zone_moved:
                kinds.append("zone")
            if not kinds:
                continue
            changed = changed_inputs(ra_, rb_)
            if changed:
                from ..land.outputs import EFFICIENCY_COLUMNS_ZH, IDLE_COLUMNS_ZH

                names = IDLE_COLUMNS_ZH if kind == "idle" else EFFICIENCY_COLUMNS_ZH
                why.append(f"输入数据变化（{'、'.join(names.get(c, c) for c in changed)}）")
            if zone_moved and layer_changes:
                why.append("图层变化（" + "、".join(f"{k}：{v[0]} → {v[1]}" for k, v in causes["layers"].items()) + "）")
            if "as_of" in causes and set(kinds) & {"status", "fee"}:
                why.append(f"基准日变化（{causes['as_of'][0]} → {causes['as_of'][1]}）")
            if "rules" in causes and set(kinds) & {"status", "fee"}:
                why.append("审计规则变化（规则文件哈希不同）")
            if not changed and others_changed and "status" in kinds:
                why.append("组内其他企业的输入数据变化（分类按年度组内排名）")
            if not why:
                why.append("输入、图层、规则与基准日均相同（程序版本不同？）")
        ra_, rb_ = ra_ or {}, rb_ or {}
        what = "、".join(CHANGE_ZH[k] for k in kinds)
        if kind == "idle":
            out.append([key, what, _text(ra_.get("status_zh")), _text(rb_.get("status_zh")),
                        ra_.get("fee_wan"), rb_.get("fee_wan"), _zone(ra_), _zone(rb_), "；".join(why)])
        else:
            code, _, year = key.partition("|")
            out.append([code, year, what, _text(ra_.get("eff_class_zh") or ra_.get("eff_class")),
                        _text(rb_.get("eff_class_zh") or rb_.get("eff_class")), _zone(ra_), _zone(rb_), "；".join(why)])
    changes = pd.DataFrame(out, columns=DIFF_COLUMNS if kind == "idle" else EFF_DIFF_COLUMNS)
    logger.info("Compared %s audits %s and %s: %d of %d rows changed", kind, a.label, b.label, len(changes),
                len(set(ia) | set(ib)))
    return AuditDiff(kind, a.label, b.label, changes, causes, len(set(ia) | set(ib)))


def audit_history(*, store=None) -> "pd.DataFrame":
    """The recorded audits, one row each: 审计登记号, 登记时间, 种类, 基准日, 输出文件夹.

    Examples
    --------
    >>> from dcf_spatial.register.audits import audit_history
    >>> audit_history()   # doctest: +SKIP
    """
    import pandas as pd

    from . import tables

    rows = tables.read_audits(_store(store), with_rows=False)
    return pd.DataFrame([{"审计登记号": int(r["id"]), "登记时间": r["recorded_at"], "种类": KIND_ZH.get(r["kind"], r["kind"]),
                          "基准日": r["as_of"], "输出文件夹": r["folder"] or "",
                          "文件夹状态": folder_state(r["folder"], r.get("manifest"))} for r in rows],
                        columns=["审计登记号", "登记时间", "种类", "基准日", "输出文件夹", "文件夹状态"])


def folder_state(folder, recorded_manifest=None) -> str:
    """What is left of a recorded audit's output folder, in Chinese: ``完整``, ``不完整…`` (the run was
    stopped after it was recorded, before its ``manifest.json`` was written: the register keeps the
    whole answer), ``已被另一次审计覆盖`` (its manifest names other inputs or another as-of date),
    ``文件夹已不存在``; ``""`` when none was written. Reads only the manifest (no file is hashed).

    Examples
    --------
    >>> folder_state(None), folder_state("/no/such/folder")
    ('', '文件夹不存在（登记后未写出文件，或已删除、移动）')
    """
    from ..io.output_set import MANIFEST

    if not folder:
        return ""
    path = Path(folder)
    if not path.is_dir():
        return "文件夹不存在（登记后未写出文件，或已删除、移动）"
    man_path = path / MANIFEST
    if not man_path.is_file():
        return (f"不完整：没有 {MANIFEST}（登记后、写完文件前中断）；登记中的结论完整，"
                "可用登记号对比（dcf audit diff），需要文件时请重新审计")
    try:
        man = json.loads(man_path.read_text(encoding="utf-8"))
    except ValueError:
        return f"不完整：{MANIFEST} 无法读取"
    if man.get("complete") is not True:
        return f"不完整：{MANIFEST} 未标记为完整"
    try:
        rec = json.loads(recorded_manifest) if isinstance(recorded_manifest, str) else (recorded_manifest or {})
    except ValueError:
        rec = {}
    same = all(rec.get(k) in (None, man.get(k)) for k in ("kind", "as_of")) and (
        not rec.get("inputs") or {k: (v or {}).get("sha256") for k, v in rec["inputs"].items()}
        == {k: (v or {}).get("sha256") for k, v in (man.get("inputs") or {}).items()})
    return "完整" if same else "已被另一次审计覆盖（文件夹中是其他输入或基准日的结果）"
