"""The bureau's two audits end to end: read → check → audit → zones → outputs.

``dcf audit idle`` and ``dcf audit efficiency`` are thin wrappers over :func:`run_idle_audit`
and :func:`run_efficiency`; the notebook calls the same functions.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import idle_audit, outputs
from .zones import METHOD_ZH

logger = logging.getLogger(__name__)

IDLE_FILES = {"excel": "idle_audit.xlsx", "gpkg": "idle_audit.gpkg", "map": "idle_audit_map.html"}
#: order in which statuses meet the map palette (red, blue, green, purple, orange, brown, pink);
#: "正常" has its own fixed green in the style file
MAP_STATUS_ORDER = ("idle_reclaim", "insufficient_data", "extended", "idle_underdeveloped", "idle", "not_applicable",
                    "excused", "normal")
EFFICIENCY_FILES = {"excel": "efficiency.xlsx", "gpkg": "efficiency.gpkg", "map": "efficiency_map.html"}


def synthetic_flags(df) -> np.ndarray:
    """True where the row's ``synthetic`` column says so (bool, 1, "True", "是" …)."""
    if "synthetic" not in df.columns:
        return np.zeros(len(df), dtype=bool)
    s = df["synthetic"].astype("string").str.strip().str.lower()
    return s.isin(["true", "1", "1.0", "yes", "是"]).to_numpy(dtype=bool)


def synthetic_note(df) -> str:
    """Whether the input is the synthetic sample — said in every output."""
    if synthetic_flags(df).any():
        n = int(synthetic_flags(df).sum())
        return (f"【合成数据】输入中 {n:,} 条记录标记为合成数据（synthetic=True）：宗地、权利人、信用代码、日期与金额均为程序生成的"
                "虚构样例，不是真实宗地或企业，仅供演示与测试。")
    return "输入数据未标记为合成数据（如为真实数据，结果以自然资源部门核定为准）。"


def _short_synthetic(df) -> str:
    """The map legend's one-line data note."""
    return "数据为合成数据（程序生成的样例，非真实）" if synthetic_flags(df).any() else "数据未标记为合成数据"


def run_idle_audit(parcels, out_dir, *, as_of, imagery=None, built_class=None, field_map=None, crs=None,
                   layer=None, encoding=None, swap_xy: bool = False, code_system: str = "auto", store=None,
                   overwrite: bool = False, write_map: bool = True, basemap: str = "none",
                   rules: dict | None = None) -> dict:
    """Audit every parcel in ``parcels`` (a file path or a GeoDataFrame) and write the outputs.

    Writes ``idle_audit.xlsx``, ``idle_audit.gpkg`` and ``idle_audit_map.html`` into ``out_dir``
    (refusing to replace existing files unless ``overwrite``). Returns a dict with ``result``
    (the audited GeoDataFrame, one row per input parcel), ``files``, ``counts`` and ``timings``.
    """
    from .imagery import built_fraction, evidence_flags, imagery_note
    from .parcels import read_parcels, validate_parcels
    from .zones import join_zones

    rules = rules or idle_audit.load_rules()
    as_of = idle_audit.parse_as_of(as_of)
    out_dir = Path(out_dir)
    files = {k: out_dir / v for k, v in IDLE_FILES.items() if k != "map" or write_map}
    outputs.check_outputs(files.values(), overwrite)
    t = {"start": time.perf_counter()}
    cpu = {"start": time.process_time()}  # CPU time per step too: wall time is inflated on a shared machine
    if isinstance(parcels, (str, Path)):
        data = read_parcels(parcels, crs=crs, layer=layer, field_map=field_map, encoding=encoding, swap_xy=swap_xy,
                            code_system=code_system)
        source = str(parcels)
    else:
        data = validate_parcels(parcels, source="(GeoDataFrame)", code_system=code_system)
        source = parcels.attrs.get("source_file", "(GeoDataFrame)")
    t["read"] = time.perf_counter()
    cpu["read"] = time.process_time()
    result = idle_audit.audit_idle(data, as_of=as_of, rules=rules)
    t["audit"] = time.perf_counter()
    cpu["audit"] = time.process_time()
    zones = join_zones(result, store=store)
    for c in zones.columns:
        result[c] = zones[c].to_numpy() if not isinstance(zones[c].dtype, pd.StringDtype) else zones[c].array
    t["zones"] = time.perf_counter()
    cpu["zones"] = time.process_time()
    notes = [
        f"东昌府区闲置土地审计（审计基准日 {as_of:%Y-%m-%d}）——依据{rules['regulation_zh']}第二条、第八条、第十四条。",
        "期间计算：" + rules["period_rule_zh"],
        synthetic_note(result),
        f"输入文件：{source}，共 {len(result):,} 条记录，输出 {len(result):,} 条（每条输入记录恰好一条结论，重复宗地代码不合并）。",
        *[f"读入说明：{x}" for x in data.attrs.get("read_notes", [])],
        "区域归属：完全位于某区内的宗地直接归属；跨界宗地按面积最大者归属（面积在 EPSG:4548 中量算），归属方式见清单“镇街归属方式”等列"
        f"（{'；'.join(f'{k}={v}' for k, v in METHOD_ZH.items())}）。",
        *outputs.layers_note(zones.attrs.get("layers_used", [])),
        *zones.attrs.get("notes", []),
    ]
    if imagery is not None:
        frac = built_fraction(result, imagery, built_class=built_class)
        result["built_fraction"] = frac["built_fraction"].to_numpy()
        result["imagery_flag"] = evidence_flags(result, frac, rules=rules).to_numpy()
        notes.append(imagery_note(imagery, built_class, result["imagery_flag"], frac["footprint"]))
        t["imagery"] = time.perf_counter()
        cpu["imagery"] = time.process_time()
    counts = result["status"].value_counts().reindex(idle_audit.STATUS_ORDER, fill_value=0)
    out_dir.mkdir(parents=True, exist_ok=True)
    max_rows = int(rules["excel"]["max_list_rows"])
    notes.append(f"工作簿清单上限 {max_rows:,} 行（Excel 单表上限 1,048,576 行）：超出时清单只列需处置或需核实的宗地，完整清单在 {files['gpkg'].name}。")
    outputs.write_idle_excel(result, files["excel"], notes=notes, max_list_rows=max_rows,
                             data_note=outputs.sheet_note(zones.attrs.get("layers_used", []), _short_synthetic(result) + "。"))
    t["excel"] = time.perf_counter()
    cpu["excel"] = time.process_time()
    gpkg_cols = [c for c in outputs.IDLE_COLUMNS_ZH if c in result.columns] + ["township_id", "cluster_id", "park_id"]
    outputs.write_gpkg(result[[c for c in gpkg_cols if c in result.columns] + [result.geometry.name]], files["gpkg"],
                       layer="idle_audit")
    t["gpkg"] = time.perf_counter()
    cpu["gpkg"] = time.process_time()
    if write_map:
        note = outputs.idle_map_note(zones.attrs.get("layers_used", []), _short_synthetic(result))
        written = outputs.write_idle_parcel_map(result, files["map"], as_of=as_of,
                                                max_features=int(rules["map"]["max_features"]), note=note,
                                                overwrite=overwrite, basemap=basemap)
        if written is None:
            files.pop("map")
        t["map"] = time.perf_counter()
        cpu["map"] = time.process_time()
    timings = {k: round(v - t["start"], 3) for k, v in t.items() if k != "start"}
    timings_cpu = {k: round(v - cpu["start"], 3) for k, v in cpu.items() if k != "start"}
    logger.info("Idle audit of %d parcels done in %.1f s: %s", len(result), timings.get("map", timings.get("gpkg", 0)), timings)
    return {"result": result, "files": {k: str(v) for k, v in files.items()}, "counts": counts.to_dict(),
            "timings": timings, "timings_cpu": timings_cpu, "notes": notes,
            "layers_used": zones.attrs.get("layers_used", [])}


def run_efficiency(enterprises, out_dir, *, parcels=None, as_of=None, scoring=None, field_map=None,
                   parcel_field_map=None, crs=None, layer=None, parcel_layer=None, encoding=None, swap_xy: bool = False,
                   store=None, overwrite: bool = False, write_map: bool = True, basemap: str = "none") -> dict:
    """亩产效益 classes for every enterprise row, results by zone, and 低效用地 by zone.

    ``enterprises``: a CSV/XLSX path or a DataFrame. ``parcels`` (path or GeoDataFrame, optional)
    supplies land areas the table lacks, the zones (via each firm's largest parcel) and, audited
    as of ``as_of`` (default today), the idle parcels counted as 低效用地. Writes
    ``efficiency.xlsx`` (+ ``efficiency.gpkg`` and the map when parcels are given). Reader options:
    ``layer`` (sheet of the enterprise workbook), ``parcel_layer``, ``encoding`` (both files), ``swap_xy``
    and ``crs`` (the parcel file).
    """
    from . import efficiency
    from .parcels import read_enterprises, read_parcels, validate_enterprises, validate_parcels
    from .zones import join_zones

    cfg = efficiency.load_scoring(scoring)
    out_dir = Path(out_dir)
    files = {"excel": out_dir / EFFICIENCY_FILES["excel"]}
    if parcels is not None:
        files["gpkg"] = out_dir / EFFICIENCY_FILES["gpkg"]
        if write_map:
            files["map"] = out_dir / EFFICIENCY_FILES["map"]
    outputs.check_outputs(files.values(), overwrite)
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
        *[f"评价参数：{x}" for x in cfg["_doc"][1:]],
        "指标基准值与权重：" + "；".join(f"{v['name_zh']} 基准{v['benchmark']:g}、权重{v['weight']:.0%}"
                                 for v in cfg["indicators"].values()),
        synthetic_note(ent),
        f"输入企业表：{source}，共 {len(ent):,} 行，输出 {len(ent):,} 行（重复信用代码不合并）。",
        *[f"读入说明：{x}" for x in ent.attrs.get("read_notes", [])],
    ]
    audited = None
    low_tables = {}
    layers_used = []
    if parcels is not None:
        if isinstance(parcels, (str, Path)):
            pdata = read_parcels(parcels, crs=crs, layer=parcel_layer, field_map=parcel_field_map, encoding=encoding,
                                 swap_xy=swap_xy)
        else:
            pdata = validate_parcels(parcels, source="(GeoDataFrame)")
        as_of_ts = idle_audit.parse_as_of(as_of if as_of is not None else pd.Timestamp.today())
        audited = idle_audit.audit_idle(pdata, as_of=as_of_ts)
        zones = join_zones(audited, store=store)
        layers_used = zones.attrs.get("layers_used", [])
        for c in zones.columns:
            audited[c] = zones[c].to_numpy() if not isinstance(zones[c].dtype, pd.StringDtype) else zones[c].array
        notes += [f"宗地：{parcels if isinstance(parcels, (str, Path)) else '(GeoDataFrame)'}，{len(audited):,} 宗，"
                  f"闲置状态按基准日 {as_of_ts:%Y-%m-%d} 审计（{'指定' if as_of is not None else '未指定 --as-of，取今天'}）。",
                  synthetic_note(audited) if "synthetic" in audited.columns else "",
                  *outputs.layers_note(zones.attrs.get("layers_used", [])), *zones.attrs.get("notes", [])]
    ent = efficiency.attach_land_area(ent, audited)
    classed = efficiency.classify(ent, scoring=cfg)
    z = efficiency.enterprise_zones(classed, audited)
    for c in z.columns:
        classed[c] = z[c].array
    if audited is not None:
        low = efficiency.low_efficiency_parcels(audited, classed)
        audited["low_efficiency"] = low.to_numpy()
        latest = classed.sort_values("year", na_position="first").drop_duplicates("credit_code", keep="last")
        cmap = latest.set_index("credit_code")["eff_class_zh"]
        audited["eff_class_zh"] = audited["credit_code"].astype("string").str.upper().map(cmap).astype("string").fillna("无企业记录")
        for by, name in (("township_zh", "按镇街"), ("cluster_zh", "按集聚区"), ("park_zh", "按园区")):
            low_tables[name] = efficiency.low_efficiency_by_zone(audited, low, by=by)
        notes.append("低效用地 = D类企业（最近年度）的宗地 + 闲置土地（闲置、满两年可收回、开发不足中止满一年），每宗只计一次，按区域汇总面积（亩）。")
    else:
        notes.append("未提供宗地（--parcels）：用地面积取企业填报值，区域汇总与低效用地无法计算。")
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs.write_efficiency_excel(classed, files["excel"], notes=[n for n in notes if n], low_tables=low_tables,
                                   data_note=outputs.sheet_note(layers_used, _short_synthetic(ent) + "。"))
    if audited is not None:
        cols = ["parcel_id", "holder", "credit_code", "township_zh", "cluster_zh", "park_zh", "area_mu", "status_zh",
                "eff_class_zh", "low_efficiency"] + (["synthetic"] if "synthetic" in audited.columns else [])
        outputs.write_gpkg(audited[cols + [audited.geometry.name]], files["gpkg"], layer="efficiency_parcels")
        if write_map:
            note = outputs.idle_map_note(layers_used, _short_synthetic(audited))
            written = outputs.write_efficiency_parcel_map(
                audited, latest, {k: v["name_zh"] for k, v in cfg["classes"].items()}, files["map"],
                max_features=int(idle_audit.load_rules()["map"]["max_features"]), note=note, overwrite=overwrite,
                basemap=basemap)
            if written is None:
                files.pop("map")
    counts = classed["eff_class"].value_counts().reindex(list(efficiency.CLASS_ORDER), fill_value=0).to_dict()
    logger.info("Efficiency classes for %d enterprise rows in %.1f s: %s", len(classed), time.perf_counter() - t0, counts)
    return {"result": classed, "parcels": audited, "files": {k: str(v) for k, v in files.items()}, "counts": counts,
            "low_tables": low_tables, "notes": notes, "layers_used": layers_used,
            "class_names_zh": {k: v["name_zh"] for k, v in cfg["classes"].items()}}
