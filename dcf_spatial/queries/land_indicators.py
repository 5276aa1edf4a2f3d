"""Does the project meet the national land-use control indicators for industrial projects?

《工业项目建设用地控制指标》: plot ratio minimum by industry, building coefficient, admin/living
share, green ratio, investment intensity.

Editions are data (``data/land_control_editions.csv``): each edition and each threshold row carries
the date it applies from, and the check uses the edition in force on the site's date (default
today) and says which. The 2008 edition (国土资发〔2008〕24号,
``data/land_control_indicators_2008.csv``, keyed to GB/T 4754-2002 through
``data/gbt4754_2017_to_2002.csv``) is loaded; the 2023 edition (自然资源部) is listed but its
figures are not (待核实: none could be verified from a citable public text), so a check dated 2023
or later says so and falls back to 2008. A local edition (山东/聊城 “标准地” indicators, keyed to
GB/T 4754-2017) is loaded by the bureau from a spreadsheet with :func:`load_local_indicators` and
is used in preference wherever it has a row.

Calculation rules of the standard (``data/land_control_rules.json``): a storey higher than 8 m
counts twice in 容积率; open storage and operating yards count in 建筑系数. An indicator the user
gave no value for is ``not_provided`` (未提供), never failed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .. import settings
from ..errors import InputError, about
from ..industry import to_2002_division

logger = logging.getLogger(__name__)

INDICATORS_FILE = "land_control_indicators_2008.csv"
EDITIONS_FILE = "land_control_editions.csv"
RULES_FILE = "land_control_rules.json"
#: the local edition, as loaded by :func:`load_local_indicators`, in the user's data folder
LOCAL_FILE = "land_control_indicators_local.csv"

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

#: figure field -> what the user reads (Chinese name and unit; the CLI adds the option that supplies it)
FIELD_ZH = {"floor_area_m2": "总建筑面积（m²）", "footprint_m2": "建筑基底面积（m²）",
            "admin_area_m2": "行政办公及生活服务设施用地面积（m²）",
            "green_area_m2": "绿地面积（m²）", "investment_wan": "总投资（万元）",
            "site_area_mu": "用地面积（亩，或面状场地）"}

#: indicator -> field holding the indicator value itself, when the user states it directly
DIRECT_FIELDS = {"plot_ratio": "plot_ratio", "building_coefficient": "building_coefficient",
                 "admin_share": "admin_share", "green_ratio": "green_ratio",
                 "investment_intensity": "investment_intensity_wan_per_ha"}

#: indicators that are shares of the site area (a value above 1 was written in per cent)
PERCENT_INDICATORS = ("building_coefficient", "admin_share", "green_ratio")

#: project figures a site check accepts (CLI options and batch columns of the same names)
FIGURE_FIELDS = ("site_area_mu", "investment_wan", "floor_area_m2", "footprint_m2", "admin_area_m2",
                 "green_area_m2", "plot_ratio", "building_coefficient", "admin_share", "green_ratio",
                 "investment_intensity_wan_per_ha", "tall_floor_area_m2", "yard_area_m2",
                 "non_production_facilities", "check_date")


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


@lru_cache(maxsize=4)
def indicator_table(file: str = INDICATORS_FILE):
    """The threshold table of one national edition (default the 2008 one) as a DataFrame (read once)."""
    import pandas as pd

    path = settings.data_dir / file
    df = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    df["threshold_value"] = pd.to_numeric(df["threshold"], errors="coerce")
    return df


def _csv_rows(path) -> list[dict[str, str]]:
    """Rows of a small bundled CSV as text, ``#`` lines and blank lines left out — what
    ``pandas.read_csv(comment="#", dtype=str, keep_default_na=False)`` gives these files — read with
    the standard library so that a site check (every ``dcf site check``) does not import pandas."""
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    return [{k: (v or "") for k, v in row.items()} for row in csv.DictReader(lines, restval="")]


def _number(text: str) -> float | None:
    """``pandas.to_numeric(errors="coerce")`` of one text: the number, or None (NaN, blank, words)."""
    try:
        v = float(text)
    except ValueError:
        return None
    return v if v == v else None


@lru_cache(maxsize=4)
def _threshold_index(file: str = INDICATORS_FILE) -> dict:
    """(indicator, code_2002, land_class) -> row dict, for rows with a numeric threshold."""
    out = {}
    for row in _csv_rows(settings.data_dir / file):
        value = _number(row["threshold"])
        if value is not None:
            out.setdefault((row["indicator"], row["code_2002"], row["land_class"]), {**row, "threshold_value": value})
    return out


@lru_cache(maxsize=1)
def land_class_setting() -> str:
    """The 地区分类 recorded for 东昌府区 in the data file ('' when not yet entered)."""
    rows = [r for r in _csv_rows(settings.data_dir / INDICATORS_FILE)
            if r["indicator"] == "setting" and r["code_2002"] == "land_class_dongchangfu"]
    return rows[0]["land_class"].strip() if rows else ""


def _threshold(indicator: str, code_2002: str | None, land_class: str = "*", file: str = INDICATORS_FILE):
    idx = _threshold_index(file)
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


def _as_date(value, *, what: str = "date") -> dt.date:
    """``None`` → today; ``"2024-05-01"``, a ``date``/``datetime``/Timestamp, or a year ``"2008"`` (→ 1 January)."""
    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), 1, 1)
    try:
        return dt.date.fromisoformat(text[:10].replace("/", "-"))
    except ValueError:
        raise InputError(f"{what}：「{text}」不是日期；请写成 2025-06-30 这样的格式。") from None


@lru_cache(maxsize=1)
def editions():
    """The editions of the indicators (``data/land_control_editions.csv``), oldest first.

    Returns
    -------
    pandas.DataFrame
        ``edition_id``, ``name_zh``, ``document``, ``issued_by``, ``effective_from`` (text as
        written) and ``from_date`` (a date), ``status`` (``loaded``/``not_loaded``), ``file``,
        ``verify`` (bool), ``note``.

    Examples
    --------
    >>> editions()["edition_id"].tolist()
    ['2008', '2023']
    """
    import pandas as pd

    return pd.DataFrame(_edition_rows())


@lru_cache(maxsize=1)
def _edition_rows() -> list[dict]:
    """:func:`editions` as a list of row dicts (no pandas), oldest first."""
    rows = _csv_rows(settings.data_dir / EDITIONS_FILE)
    for r in rows:
        r["from_date"] = _as_date(r["effective_from"], what=EDITIONS_FILE)
        r["verify"] = r["verify"].lower() == "true"
    return sorted(rows, key=lambda r: r["from_date"])  # stable, as the table's order breaks ties


def _edition_label(row) -> str:
    doc = row["document"] if row["document"] and "待核实" not in row["document"] else ""
    return f"{row['name_zh']}" + (f"（{doc}）" if doc else f"（{row['issued_by']}）")


def edition_in_force(date=None) -> dict:
    """Which national edition applies on ``date`` (default today), and what the user is told.

    The latest edition in force whose figures are loaded is used; a later edition in force whose
    figures are not loaded (the 2023 edition, 待核实) is named with the fallback. A local edition
    loaded by the bureau is reported too (it is used in preference where it has a row).

    Parameters
    ----------
    date
        The site's date (``"2025-06-30"``, a ``date``); ``None`` is today.

    Returns
    -------
    dict
        ``edition_id``, ``label_zh``, ``date`` (ISO), ``not_loaded`` (labels of later editions in
        force without figures), ``local`` (label of the local edition in force, or ``None``) and
        ``note_zh``, the sentence a result prints.

    Examples
    --------
    >>> edition_in_force("2015-01-01")["edition_id"]
    '2008'
    >>> "未录入" in edition_in_force("2025-01-01")["note_zh"]
    True
    """
    when = _as_date(date)
    path = str(local_indicators_path())
    table = _local_table(path)
    # memoised per (date, local edition loaded): a batch asks once per row and the answer is the
    # same for every row of one date (with a local edition loaded, each call filters its table)
    found = _edition_in_force(when, path, id(table))
    return {**found[0], "not_loaded": list(found[0]["not_loaded"])}


@lru_cache(maxsize=64)
def _edition_in_force(when: dt.date, path: str, table_id: int) -> tuple:
    """:func:`edition_in_force` for one date; ``path``/``table_id`` name the local edition loaded
    (the cached value holds that table, so its id cannot be reused while the entry lives)."""
    table = _local_table(path)
    eds = _edition_rows()
    in_force = [r for r in eds if r["from_date"] <= when]
    if not in_force:  # before the first edition: the earliest one, said so
        used = eds[0]
        early = f"核查日期 {when.isoformat()} 早于该版施行日期（{used['effective_from']}），仍按该版核查。"
    else:
        loaded = [r for r in in_force if r["status"] == "loaded"]
        used = (loaded or [r for r in eds if r["status"] == "loaded"])[-1]
        early = ""
    later = [r for r in in_force if r["from_date"] > used["from_date"] and r["status"] != "loaded"]
    not_loaded = [_edition_label(r) for r in later]
    label = _edition_label(used)
    parts = [f"按核查日期 {when.isoformat()} 适用的版本：{label}。"]
    if early:
        parts.append(early)
    if not_loaded:
        parts.append(f"{'、'.join(not_loaded)} 已发布，但其数值未录入（待核实：未能从可引用的公开文本核实），"
                     f"暂按 {label} 核查。")
    local = _local_label(when)
    if local:
        parts.append(f"已载入地方指标 {local}，有对应行的指标优先按地方指标核查。")
    return ({"edition_id": used["edition_id"], "label_zh": label, "file": used["file"], "date": when.isoformat(),
             "not_loaded": not_loaded, "local": local, "note_zh": "".join(parts)}, table)



@lru_cache(maxsize=1)
def calculation_rules() -> dict:
    """The calculation rules of the standard (``data/land_control_rules.json``)."""
    return json.loads((settings.data_dir / RULES_FILE).read_text(encoding="utf-8"))


def plot_ratio_floor_area(figures: dict) -> tuple[float | None, str]:
    """The floor area that counts in 容积率, and how it was counted.

    A storey higher than 8 m counts twice (``land_control_rules.json`` ``tall_storey_double``):
    give either ``storeys`` = ``[(area_m2, storey_height_m), …]`` (the whole building), or
    ``floor_area_m2`` with ``tall_floor_area_m2`` (the part of it on storeys over 8 m, counted
    once more).

    Examples
    --------
    >>> plot_ratio_floor_area({"storeys": [(5000, 12.0), (5000, 4.5)]})[0]
    15000.0
    >>> plot_ratio_floor_area({"floor_area_m2": 10000, "tall_floor_area_m2": 5000})[0]
    15000.0
    """
    rule = calculation_rules()["tall_storey_double"]
    limit, factor = float(rule["height_m"]), int(rule["factor"])
    storeys = figures.get("storeys")
    if storeys:
        total, tall = 0.0, 0.0
        for area, height in storeys:
            a, h = float(area), float(height)
            total += a * (factor if h > limit else 1)
            tall += a if h > limit else 0.0
        note = (f"层高超过 {limit:g} m 的楼层建筑面积 {tall:,.0f} m² 加倍计入（{rule['source']}）" if tall else "")
        return total, note
    floor = _num(figures.get("floor_area_m2"))
    tall = _num(figures.get("tall_floor_area_m2"))
    if floor is None:
        return None, ""
    if tall:
        if tall > floor:
            raise about("tall_floor_area_m2", InputError(
                f"层高超过 {limit:g} m 的建筑面积 {tall:g} m² 大于总建筑面积 {floor:g} m²；"
                "请给出总建筑面积中层高超过 8 m 的部分。"))
        return floor + tall * (factor - 1), f"层高超过 {limit:g} m 的建筑面积 {tall:,.0f} m² 加倍计入（{rule['source']}）"
    return floor, ""


def building_coefficient_area(figures: dict) -> tuple[float | None, str]:
    """Footprint of buildings and structures plus open storage and operating yards (建筑系数).

    Examples
    --------
    >>> building_coefficient_area({"footprint_m2": 12000, "yard_area_m2": 3000})[0]
    15000.0
    """
    foot = _num(figures.get("footprint_m2"))
    yard = _num(figures.get("yard_area_m2"))
    if foot is None:
        return None, ""
    if yard:
        rule = calculation_rules()["yards_in_building_coefficient"]
        return foot + yard, f"含露天堆场、露天操作场地 {yard:,.0f} m²（{rule['source']}）"
    return foot, ""


#: barred facility words accepted in the input, as the standard names them
def barred_facilities(value) -> list[str]:
    """Which barred non-production facilities (成套住宅、专家楼、宾馆、招待所、培训中心) the input declares.

    ``value`` is the ``non_production_facilities`` figure: text naming them (``"专家楼、宾馆"``), a
    list, or a yes-flag (``True``/``"是"``: some of them, unnamed). Empty, ``False``, ``"否"`` → ``[]``.

    Examples
    --------
    >>> barred_facilities("宾馆;培训中心")
    ['宾馆', '培训中心']
    """
    kinds = calculation_rules()["non_production_facilities"]["kinds_zh"]
    if value is None or value is False or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, (list, tuple, set)):
        text = "、".join(map(str, value))
    else:
        text = str(value).strip()
    if text.lower() in ("", "0", "false", "no", "n", "否", "无", "none"):
        return []
    named = [k for k in kinds if k in text]
    if named:
        return named
    if text.lower() in ("1", "true", "yes", "y", "是", "有"):
        return ["非生产性配套设施"]
    raise about("non_production_facilities",
                InputError(f"non_production_facilities：「{text}」无法识别；请写明{'、'.join(kinds)}中的哪些，或写 是/否。"))


#: spreadsheet header (Chinese or English) -> column of the local edition
LOCAL_COLUMNS = {"指标": "indicator", "indicator": "indicator", "行业代码": "code", "code": "code",
                 "比较": "comparator", "comparator": "comparator", "阈值": "threshold", "threshold": "threshold",
                 "单位": "unit", "unit": "unit", "施行日期": "effective_from", "effective_from": "effective_from",
                 "版本": "edition", "edition": "edition", "依据": "source", "source": "source"}
LOCAL_REQUIRED = ("indicator", "code", "comparator", "threshold", "unit", "effective_from", "edition")
#: indicator (English id or its Chinese name) -> id
_INDICATOR_IDS = {**{k: k for k in INDICATOR_DEFS}, **{v[0]: k for k, v in INDICATOR_DEFS.items()},
                  "投资强度": "investment_intensity"}
#: indicator -> {unit as written: factor to the unit the checker uses (ratio; 万元/公顷)}
_UNITS = {"plot_ratio": {"": 1.0, "ratio": 1.0, "比值": 1.0, "倍": 1.0},
          "building_coefficient": {"%": 0.01, "ratio": 1.0, "比值": 1.0},
          "admin_share": {"%": 0.01, "ratio": 1.0, "比值": 1.0},
          "green_ratio": {"%": 0.01, "ratio": 1.0, "比值": 1.0},
          "investment_intensity": {"万元/公顷": 1.0, "万元/ha": 1.0, "万元/亩": 15.0}}


def local_indicators_path() -> Path:
    """Where the loaded local edition is kept: ``land_control_indicators_local.csv`` in the user's data folder."""
    return _local_path(str(settings.user_data_dir))


@lru_cache(maxsize=8)
def _local_path(folder: str) -> Path:
    # asked twice per site of a batch: building the Path each time was 3 % of a large batch
    return Path(folder) / LOCAL_FILE


@dataclass
class LocalLoad:
    """What :func:`load_local_indicators` loaded: the file written and the rows, by indicator."""

    source: Path
    path: Path
    n_rows: int
    editions: list[str] = field(default_factory=list)
    by_indicator: dict = field(default_factory=dict)

    def summary_text(self) -> str:
        counts = "、".join(f"{INDICATOR_DEFS[k][0]} {n} 行" for k, n in self.by_indicator.items())
        return (f"已载入地方指标 {'、'.join(self.editions)}：{self.n_rows} 行（{counts}），来自 {self.source}；"
                f"保存于 {self.path}。此后核查中有对应行的指标优先按地方指标核查。")


def load_local_indicators(path, *, sheet=0, overwrite: bool = False) -> LocalLoad:
    """Validate a local edition (山东/聊城 “标准地” indicators) from a spreadsheet and keep it for the checks.

    Columns (Chinese or English headers): 指标/indicator (容积率, 建筑系数, 行政办公及生活服务设施用地所占比重,
    绿地率, 投资强度 or their ids), 行业代码/code (GB/T 4754-2017 code at any level, or ``*`` for
    every industry), 比较/comparator (``>=``/``<=``), 阈值/threshold (a number), 单位/unit (``%`` or
    ``ratio`` for shares, ``ratio`` for 容积率, ``万元/公顷`` or ``万元/亩`` for 投资强度), 施行日期/effective_from
    (date), 版本/edition (its name, e.g. the document number); optional 依据/source. Every bad row is
    named (row number, column, what is wrong); nothing is loaded unless all rows are good.

    Parameters
    ----------
    path
        ``.xlsx`` or ``.csv``.
    sheet
        Sheet name or index for a workbook.
    overwrite
        Replace a local edition loaded before; without it a loaded one raises.

    Returns
    -------
    LocalLoad

    Raises
    ------
    InputError
        Missing columns, bad rows (all listed), or a local edition already loaded.

    Examples
    --------
    >>> load_local_indicators("标准地指标.xlsx").summary_text()  # doctest: +SKIP
    '已载入地方指标 聊城市标准地指标（2022）：12 行（容积率 6 行、…）…'
    """
    import pandas as pd

    from ..industry import code_table, normalize_code

    path = Path(path)
    if not path.exists():
        raise InputError(f"找不到指标表 {path}。")
    if path.suffix.lower() == ".csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    elif path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        df = pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False)
    else:
        raise InputError(f"{path}：指标表应为 .xlsx 或 .csv。")
    df = df.rename(columns=lambda c: LOCAL_COLUMNS.get(str(c).strip(), str(c).strip()))
    missing = [c for c in LOCAL_REQUIRED if c not in df.columns]
    if missing:
        zh = {v: k for k, v in LOCAL_COLUMNS.items() if not k.isascii()}
        raise InputError(f"{path}：缺少列 {'、'.join(zh.get(c, c) for c in missing)}（应有列："
                         f"{'、'.join(zh[c] for c in LOCAL_REQUIRED)}）。")
    if df.empty:
        raise InputError(f"{path}：没有数据行。")
    table = code_table()
    bad: list[str] = []
    rows = []
    for i, r in enumerate(df.to_dict(orient="records")):
        n = i + 2
        ind = _INDICATOR_IDS.get(str(r["indicator"]).strip())
        if ind is None:
            bad.append(f"第 {n} 行「指标」：未知指标「{r['indicator']}」（应为 {'、'.join(v[0] for v in INDICATOR_DEFS.values())}）")
            continue
        code = str(r["code"]).strip()
        if code != "*":
            try:
                norm = normalize_code(code)
            except InputError:
                norm = None
            if norm is None or norm not in table.index:
                bad.append(f"第 {n} 行「行业代码」：「{code}」不是 GB/T 4754-2017 代码（或写 * 表示全部行业）")
                continue
            code = norm
        comp = str(r["comparator"]).strip().replace("≥", ">=").replace("≤", "<=")
        if comp not in (">=", "<="):
            bad.append(f"第 {n} 行「比较」：「{r['comparator']}」应为 >= 或 <=")
            continue
        thr = _num(str(r["threshold"]).replace(",", "").strip())
        if thr is None or thr < 0:
            bad.append(f"第 {n} 行「阈值」：「{r['threshold']}」不是非负数")
            continue
        unit = str(r["unit"]).strip()
        if unit not in _UNITS[ind]:
            bad.append(f"第 {n} 行「单位」：{INDICATOR_DEFS[ind][0]}的单位「{unit}」不可用（应为 "
                       f"{'、'.join(u for u in _UNITS[ind] if u) or 'ratio'}）")
            continue
        try:
            since = _as_date(r["effective_from"], what=f"第 {n} 行「施行日期」")
        except InputError as exc:
            bad.append(str(exc))
            continue
        if not str(r["effective_from"]).strip():
            bad.append(f"第 {n} 行「施行日期」：缺少施行日期")
            continue
        if not str(r["edition"]).strip():
            bad.append(f"第 {n} 行「版本」：缺少版本名称（如文件名称或文号）")
            continue
        rows.append({"indicator": ind, "code": code, "comparator": comp, "threshold": thr * _UNITS[ind][unit],
                     "effective_from": since.isoformat(), "edition": str(r["edition"]).strip(),
                     "source": str(r.get("source", "")).strip(), "source_row": n})
    if bad:
        raise InputError(f"{path}：{len(bad)} 行有误，未载入：" + "；".join(bad) + "。请改正后重新载入。")
    out = local_indicators_path()
    if out.exists() and not overwrite:
        raise InputError(f"已载入过地方指标（{out}）；如要替换，请允许覆盖（overwrite）。")
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows)
    frame.to_csv(out, index=False, encoding="utf-8")
    _local_table.cache_clear()
    logger.info("Loaded %d local indicator rows from %s into %s", len(frame), path, out)
    return LocalLoad(path, out, len(frame), sorted(set(frame["edition"])),
                     frame["indicator"].value_counts().to_dict())


@lru_cache(maxsize=4)
def _local_table(path: str | None = None):
    p = Path(path) if path else local_indicators_path()
    if not p.exists():
        return None
    import pandas as pd  # here: no local edition loaded (the usual case) imports no pandas

    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df["threshold"] = pd.to_numeric(df["threshold"])
    df["from_date"] = [dt.date.fromisoformat(v) for v in df["effective_from"]]
    return df


def _local_rows(when: dt.date):
    t = _local_table(str(local_indicators_path()))
    return None if t is None else t[t["from_date"] <= when]


def _local_label(when: dt.date) -> str | None:
    rows = _local_rows(when)
    return None if rows is None or rows.empty else "、".join(sorted(set(rows["edition"])))


def _local_threshold(rows, indicator: str, code: str | None):
    """The local row for ``indicator``: the most specific code covering ``code`` (``*`` last); latest date first."""
    if rows is None or rows.empty:
        return None
    cand = rows[rows["indicator"] == indicator]
    best, key = None, None
    for r in cand.to_dict(orient="records"):
        if r["code"] == "*":
            spec = 0
        elif code and code.startswith(r["code"]):
            spec = len(r["code"])
        else:
            continue
        k = (spec, r["from_date"])
        if key is None or k > key:
            best, key = r, k
    return best


def check_indicators(project_codes, figures: dict | None, *, site_area_m2: float | None,
                     applicable: bool = True, date=None) -> list[dict]:
    """Check each control indicator; one dict per indicator, in a fixed order.

    Parameters
    ----------
    project_codes
        GB/T 4754-2017 codes of the project (the first decides the plot-ratio row).
    figures
        Project figures: ``investment_wan`` (万元), ``floor_area_m2`` (with ``tall_floor_area_m2``
        or ``storeys`` for storeys over 8 m), ``footprint_m2`` (with ``yard_area_m2`` for open
        storage and operating yards), ``admin_area_m2``, ``green_area_m2``, ``check_date``;
        missing ones are reported as 未提供.
    site_area_m2
        Site area (from ``figures["site_area_mu"]`` or the site polygon); ``None``/0 means unknown.
    applicable
        False for non-industrial projects: every indicator is reported as 不适用.
    date
        The site's date, deciding the edition in force; ``None`` → ``figures["check_date"]``, else today.

    Returns
    -------
    list of dict
        ``indicator``, ``name_zh``, ``value``, ``comparator``, ``threshold``, ``status``,
        ``status_zh``, ``edition``, ``edition_note`` (which edition applies on the date, and any
        fallback), ``note``, ``code_2002``, ``to_verify``.

    Examples
    --------
    >>> rows = check_indicators(("C3451",), {"floor_area_m2": 30000}, site_area_m2=40000, date="2020-01-01")
    >>> rows[0]["indicator"], rows[0]["status"], rows[0]["edition"]
    ('plot_ratio', 'pass', '国土资发〔2008〕24号 表2')
    """
    figures = figures or {}
    try:
        when = _as_date(date if date is not None else figures.get("check_date"), what="check_date")
    except InputError as exc:
        raise about("date", exc) from None
    ed = edition_in_force(when)
    local = _local_rows(when)
    code_2002, map_note = to_2002_division(project_codes[0]) if project_codes else (None, "")
    land_class = land_class_setting()
    derived = dict(figures)
    calc_notes: dict[str, str] = {}
    derived["floor_area_m2"], calc_notes["plot_ratio"] = plot_ratio_floor_area(figures)
    derived["footprint_m2"], calc_notes["building_coefficient"] = building_coefficient_area(figures)
    out = []
    for ind, (name_zh, fig) in INDICATOR_DEFS.items():
        rec = {"indicator": ind, "name_zh": name_zh, "value": None, "comparator": None, "threshold": None,
               "status": None, "status_zh": None, "edition": None, "edition_note": ed["note_zh"], "note": "",
               "code_2002": code_2002, "to_verify": False}
        lrow = _local_threshold(local, ind, project_codes[0] if project_codes else None) if applicable else None
        if not applicable or (lrow is None and code_2002 is None and ind in ("plot_ratio", "investment_intensity")):
            rec["status"] = "not_applicable"
            rec["note"] = ("《工业项目建设用地控制指标》仅适用于工业（制造业）项目" if not applicable
                           else f"行业无对应的 GB/T 4754-2002 大类（{map_note}）")
        else:
            if lrow is not None:
                row = {"comparator": lrow["comparator"], "threshold_value": lrow["threshold"],
                       "edition": f"{lrow['edition']}（地方指标）", "note": lrow.get("source", "")}
            else:
                row = _threshold(ind, code_2002, land_class or "?", ed["file"])
            x = _num(derived.get(fig))
            given = _num(figures.get(DIRECT_FIELDS[ind]))
            pct_note = ""
            if given is not None and ind in PERCENT_INDICATORS and given > 1:
                # a share written as a percentage (绿地率 15 = 15 %)
                given, pct_note = given / 100, f"申报值 {given:g} 按百分数理解为 {given / 100:g}"
            if row is not None:
                note, flagged = note_zh(row["note"])
                rec.update(comparator=row["comparator"], threshold=float(row["threshold_value"]),
                           edition=row["edition"], note=note, to_verify=flagged)
            calc = calc_notes.get(ind, "")
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
                missing = [fig] if x is None else []
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
                rec["note"] = "；".join(filter(None, [calc, rec["note"]]))
        rec["status_zh"] = STATUS_ZH[rec["status"]]
        out.append(rec)
    return out
