"""Does the project meet the national land-use control indicators for industrial projects?

《工业项目建设用地控制指标》(国土资发〔2008〕24号 by default): plot ratio minimum by industry,
building coefficient, admin/living share, green ratio, investment intensity. Every threshold lives
in ``data/land_control_indicators_2008.csv`` (with its edition and a ``verify`` note where a figure
must be checked); 2017 industry codes are mapped to the 2002 divisions of the table through
``data/gbt4754_2017_to_2002.csv``. An indicator the user gave no value for is ``not_provided``
(未提供), never failed.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from .. import settings
from ..industry import to_2002_division

logger = logging.getLogger(__name__)

INDICATORS_FILE = "land_control_indicators_2008.csv"

#: indicator -> (Chinese name, numerator figure, how the value is computed)
INDICATOR_DEFS = {
    "plot_ratio": ("容积率", "floor_area_m2"),
    "building_coefficient": ("建筑系数", "footprint_m2"),
    "admin_share": ("行政办公及生活服务设施用地所占比重", "admin_area_m2"),
    "green_ratio": ("绿地率", "green_area_m2"),
    "investment_intensity": ("投资强度（万元/公顷）", "investment_wan"),
}
STATUS_ZH = {"pass": "达标", "fail": "未达标", "not_provided": "未提供", "no_threshold": "阈值未录入",
             "not_applicable": "不适用"}

#: figure field -> what the user reads (with the CLI option that supplies it)
FIELD_ZH = {"floor_area_m2": "总建筑面积（floor_area_m2）", "footprint_m2": "建筑基底面积（footprint_m2）",
            "admin_area_m2": "行政办公及生活服务设施用地面积（admin_area_m2）",
            "green_area_m2": "绿地面积（green_area_m2）", "investment_wan": "总投资（investment_wan）",
            "site_area_mu": "用地面积（area_mu 或面状场地）"}

#: indicator -> field holding the indicator value itself, when the user states it directly
DIRECT_FIELDS = {"plot_ratio": "plot_ratio", "building_coefficient": "building_coefficient",
                 "admin_share": "admin_share", "green_ratio": "green_ratio",
                 "investment_intensity": "investment_intensity_wan_per_ha"}

#: indicators that are shares of the site area (a value above 1 was written in per cent)
PERCENT_INDICATORS = ("building_coefficient", "admin_share", "green_ratio")

#: project figures a site check accepts (CLI options and batch columns of the same names)
FIGURE_FIELDS = ("site_area_mu", "investment_wan", "floor_area_m2", "footprint_m2", "admin_area_m2",
                 "green_area_m2", "plot_ratio", "building_coefficient", "admin_share", "green_ratio",
                 "investment_intensity_wan_per_ha")


#: markers the data file uses for figures still to be checked, and what a user reads instead
_VERIFY_MARKERS = {"待核（verify）：": "待核对原文：", "待录入（verify）：": "待录入："}


def note_zh(note: str) -> tuple[str, bool]:
    """The data file's note as a user reads it, and whether the figure is yet to be checked
    against the official text (the file marks those ``verify``)."""
    note = str(note or "")
    flagged = "verify" in note
    for marker, zh in _VERIFY_MARKERS.items():
        note = note.replace(marker, zh)
    return note.replace("（verify）", "（待核对原文）").replace("verify", "待核对原文"), flagged


def format_value(indicator: str, value) -> str:
    """An indicator value or threshold as a user reads it: shares in per cent, plot ratio to two
    decimals, investment intensity in 万元/公顷."""
    if value is None:
        return "—"
    if indicator in PERCENT_INDICATORS:
        return f"{value * 100:.1f}%"
    if indicator == "investment_intensity":
        return f"{value:,.0f} 万元/公顷"
    return f"{value:.2f}"


@lru_cache(maxsize=1)
def indicator_table():
    """The threshold table as a DataFrame (read once)."""
    import pandas as pd

    path = settings.data_dir / INDICATORS_FILE
    df = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    df["threshold_value"] = pd.to_numeric(df["threshold"], errors="coerce")
    return df


@lru_cache(maxsize=1)
def _threshold_index() -> dict:
    """(indicator, code_2002, land_class) -> row dict, for rows with a numeric threshold."""
    t = indicator_table()
    out = {}
    for row in t[t["threshold_value"].notna()].to_dict(orient="records"):
        out.setdefault((row["indicator"], row["code_2002"], row["land_class"]), row)
    return out


@lru_cache(maxsize=1)
def land_class_setting() -> str:
    """The 地区分类 recorded for 东昌府区 in the data file ('' when not yet entered)."""
    t = indicator_table()
    row = t[(t["indicator"] == "setting") & (t["code_2002"] == "land_class_dongchangfu")]
    return row["land_class"].iloc[0].strip() if len(row) else ""


def _threshold(indicator: str, code_2002: str | None, land_class: str = "*"):
    idx = _threshold_index()
    if indicator == "plot_ratio":
        return idx.get((indicator, code_2002 or "", "*"))
    if indicator == "investment_intensity":
        return idx.get((indicator, code_2002 or "", land_class))
    return idx.get((indicator, "*", "*"))


def _num(value) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if v == v else None  # NaN -> None


def check_indicators(project_codes, figures: dict | None, *, site_area_m2: float | None,
                     applicable: bool = True) -> list[dict]:
    """Check each control indicator; one dict per indicator, in a fixed order.

    Parameters
    ----------
    project_codes
        GB/T 4754-2017 codes of the project (the first decides the plot-ratio row).
    figures
        Project figures: ``investment_wan`` (万元), ``floor_area_m2``, ``footprint_m2``,
        ``admin_area_m2``, ``green_area_m2``; missing ones are reported as 未提供.
    site_area_m2
        Site area (from ``figures["site_area_mu"]`` or the site polygon); ``None``/0 means unknown.
    applicable
        False for non-industrial projects: every indicator is reported as 不适用.
    """
    figures = figures or {}
    code_2002, map_note = to_2002_division(project_codes[0]) if project_codes else (None, "")
    land_class = land_class_setting()
    out = []
    for ind, (name_zh, field) in INDICATOR_DEFS.items():
        rec = {"indicator": ind, "name_zh": name_zh, "value": None, "comparator": None, "threshold": None,
               "status": None, "status_zh": None, "edition": None, "note": "", "code_2002": code_2002,
               "to_verify": False}
        if not applicable or (code_2002 is None and ind in ("plot_ratio", "investment_intensity")):
            rec["status"] = "not_applicable"
            rec["note"] = ("《工业项目建设用地控制指标》仅适用于工业（制造业）项目" if not applicable
                           else f"行业无对应的 GB/T 4754-2002 大类（{map_note}）")
        else:
            row = _threshold(ind, code_2002, land_class or "?")
            x = _num(figures.get(field))
            given = _num(figures.get(DIRECT_FIELDS[ind]))
            pct_note = ""
            if given is not None and ind in PERCENT_INDICATORS and given > 1:
                # a share written as a percentage (绿地率 15 = 15 %)
                given, pct_note = given / 100, f"申报值 {given:g} 按百分数理解为 {given / 100:g}"
            if row is not None:
                note, flagged = note_zh(row["note"])
                rec.update(comparator=row["comparator"], threshold=float(row["threshold_value"]),
                           edition=row["edition"], note=note, to_verify=flagged)
            if given is not None and (x is None or not site_area_m2):
                # the user stated the indicator itself (e.g. a 容积率 column) rather than the areas
                rec["value"] = given
                rec["note"] = "；".join(filter(None, ["按申报的指标值核查", pct_note, rec["note"]]))
                if row is None:
                    rec["status"] = "no_threshold"
                else:
                    ok = given >= rec["threshold"] if rec["comparator"] == ">=" else given <= rec["threshold"]
                    rec["status"] = "pass" if ok else "fail"
            elif x is None or not site_area_m2:
                rec["status"] = "not_provided"
                missing = [field] if x is None else []
                if not site_area_m2:
                    missing.append("site_area_mu")
                rec["note"] = "；".join(filter(None, ["未提供" + "、".join(FIELD_ZH.get(m, m) for m in missing),
                                                      rec["note"]]))
            else:
                value = x / (site_area_m2 / 10_000) if ind == "investment_intensity" else x / site_area_m2
                rec["value"] = round(value, 4)
                if row is None:
                    rec["status"] = "no_threshold"
                    rec["note"] = ("尚未录入东昌府区的地区分类及对应的投资强度阈值（国土资发〔2008〕24号 附件2），"
                                   f"请在数据文件 {INDICATORS_FILE} 中录入" if ind == "investment_intensity"
                                   else f"数据文件无此行业（2002 代码 {code_2002}）的阈值")
                else:
                    ok = value >= rec["threshold"] if rec["comparator"] == ">=" else value <= rec["threshold"]
                    rec["status"] = "pass" if ok else "fail"
        rec["status_zh"] = STATUS_ZH[rec["status"]]
        out.append(rec)
    return out
