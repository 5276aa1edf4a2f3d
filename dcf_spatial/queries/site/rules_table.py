"""Every site-check rule as one reviewable table, and the check of an edited copy (issue 10).

The planning office reviews the rules in a spreadsheet, not in JSON: :func:`rules_table` flattens
``data/plan_rules.json`` (plan area, barred industries, industry kinds, policy rules) and
``data/plan_zones.json`` (what each zone carries) into one row per rule, with the clause it rests
on, the plan's words (verbatim only: the ``quote`` fields), the effect on the verdict, the wording
a verdict prints and the data file it lives in. :func:`export_rules` writes it to ``.xlsx`` (or
``.csv``); :func:`check_rules_table` validates an edited copy — unknown industry codes, a missing
clause, an effect name the checker does not know, duplicate or missing ids — naming each bad row,
before anyone copies the edits back into the data files.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from ... import plan
from ...errors import InputError

logger = logging.getLogger(__name__)

RULES_FILE = "plan_rules.json"
ZONES_FILE = "plan_zones.json"
OVERCAPACITY_FILE = "overcapacity_industries.json"
#: the data files a rule may live in
DATA_FILES = (RULES_FILE, ZONES_FILE, OVERCAPACITY_FILE)

#: column -> Chinese header of the exported sheet (the check accepts either)
COLUMNS = {
    "rule_id": "规则编号",
    "group": "类别",
    "codes": "行业代码",
    "plan_ref": "规划依据（章节）",
    "plan_words": "规划原文",
    "effect": "对结论的影响",
    "effect_zh": "结论",
    "effect_alt": "附条件时的影响",
    "verdict_wording": "核查结论用语",
    "data_file": "所在数据文件",
}
#: group -> Chinese label
GROUP_ZH = {"plan_area": "规划范围", "barred": "禁止与限制", "industry_kind": "产业类别",
            "policy": "政策规则", "office_policy": "规划管理部门口径", "zone": "分区承接行业",
            # the rules of :func:`dcf_spatial.plan.extra_rules`
            "overcapacity": "过剩产能（第九章第三节）", "high_energy": "高耗能项目", "catalogue_eliminated": "淘汰类项目",
            "catalogue_restricted": "限制类项目", "cluster_wide": "集聚区一级点名的行业",
            "place_conditional": "地点有条件支持的行业",
            "district_wide": "全区支持的行业", "block_use": "园区功能区块", "zone_also": "分区补充行业",
            "belongs_elsewhere": "归属其他分区的行业", "zone_barred": "分区不得建设的行业", "zone_condition": "地点附条件的行业", "named_place": "规划点名地点", "eco_corridor": "生态廊道提示"}
#: groups whose rows must carry an effect (a zone row lists what it carries; the kinds decide the verdict)
NEEDS_EFFECT = ("plan_area", "barred", "industry_kind", "office_policy")
SHEET = "规则表"
#: a clause: a chapter of the plan (第九章…), a document number (国土资发〔2008〕24号, 令第53号) or a named text 《…》
_CLAUSE = re.compile(r"第[一二三四五六七八九十]+章|〔\d{4}〕\d+号|令第\d+号|《[^》]+》")


def _codes_text(codes) -> str:
    return "、".join(codes or [])


def rules_table():
    """Every rule of the site check as a DataFrame, one row per rule.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS` (English names): ``rule_id``, ``group``, ``codes`` (GB/T 4754-2017,
        joined by ``、``), ``plan_ref``, ``plan_words`` (verbatim plan text, empty where the rule has
        none), ``effect`` (``fits``/``conditional``/``does_not_fit``/``outside_plan_area``),
        ``effect_zh``, ``effect_alt`` (the effect under a stated condition, e.g. capacity
        replacement), ``verdict_wording`` (what a verdict prints; ``…`` stands for the filled-in
        parts) and ``data_file``.

    Examples
    --------
    >>> t = rules_table()
    >>> t.loc[t["rule_id"] == "plan_area", "plan_ref"].item()
    '第一章第一节'
    """
    import pandas as pd

    rb = plan.rules()
    rows: list[dict] = []

    def add(rule_id, group, *, codes=(), plan_ref="", quote="", effect="", effect_alt="", wording="",
            data_file=RULES_FILE):
        rows.append({"rule_id": rule_id, "group": group, "codes": _codes_text(codes), "plan_ref": plan_ref or "",
                     "plan_words": quote or "", "effect": effect or "",
                     "effect_zh": ("提示（不改变结论）" if effect == "info" else plan.verdict_zh(effect)) if effect else "", "effect_alt": effect_alt or "",
                     "verdict_wording": re.sub(r"\{[a-z_]+(:[^}]*)?\}", "…", wording or ""), "data_file": data_file})

    pa = rb.get("plan_area") or {}
    if pa:
        add(pa.get("rule", "plan_area"), "plan_area", plan_ref=pa.get("plan_ref"), quote=pa.get("quote"),
            effect="outside_plan_area", wording=pa.get("in_other_unit_zh", ""))
    for r in rb.get("barred", []):
        alt = "；".join(f"{k.removeprefix('effect_')}→{v}" for k, v in r.items()
                       if k.startswith("effect_") and isinstance(v, str))
        add(r["id"], "barred", codes=r.get("codes"), plan_ref=r.get("plan_ref"), quote=r.get("quote"),
            effect=r.get("effect"), effect_alt=alt, wording=r.get("reason_zh"))
    for k in rb.get("industry_kinds", []):
        add(k["kind"], "industry_kind", codes=k.get("codes"), plan_ref=k.get("plan_ref"), quote=k.get("quote"),
            effect=k.get("outside_effect"), effect_alt=f"不在对应分区时按规则 {k.get('outside_rule', '')}" + (
                f"（其结论由口径 office_policy.{op[0]} 决定）" if (op := plan.office_policy_for_rule(k.get("outside_rule", "")))
                else ""),
            wording=k.get("fit_zh"))
    for rid, r in (rb.get("policy_rules") or {}).items():
        add(rid, "policy", codes=r.get("codes"), plan_ref=r.get("plan_ref"), quote=r.get("quote"),
            effect=r.get("effect", ""), wording=r.get("reason_zh"))
    for name, op in (rb.get("office_policies") or {}).items():
        if name.startswith("_"):
            continue
        # the office's setting (the plan leaves it open): effect = the default, the other settings beside it
        add(f"office_policy.{name}", "office_policy", plan_ref=op["plan_ref"], quote="；".join(op["quote"]),
            effect=op["default"],
            effect_alt="；".join(f"policy {name}={c}→{c}" for c in op["choices"] if c != op["default"]),
            wording=f"{op['name_zh']}（规则 {op['rule']}）：" + "；".join(
                f"{c}＝{op['setting_zh'][c]}" for c in op["choices"]))
    for zid, z in plan.zones().items():
        if not isinstance(z, dict):
            continue
        add(zid, "zone", codes=z.get("industries_gbt4754"), plan_ref=z.get("plan_ref"), quote=z.get("quote"),
            wording="、".join(z.get("industries_zh") or []), data_file=ZONES_FILE)
    for r in plan.extra_rules():
        if r["group"] == "plan_area" and any(row["rule_id"] == r["rule_id"] for row in rows):
            continue
        add(r["rule_id"], r["group"], codes=r["codes"], plan_ref=r["plan_ref"] + ("（出处待核实）" if r["verify"] else ""),
            quote=r["quote"], effect=r["effect"], effect_alt=r["effect_alt"], wording=r["wording"],
            data_file=r["data_file"])
    return pd.DataFrame(rows, columns=list(COLUMNS))


def export_rules(path, *, overwrite: bool = False) -> Path:
    """Write :func:`rules_table` for review: ``.xlsx`` (Chinese headers, one sheet) or ``.csv`` (UTF-8 with BOM).

    Parameters
    ----------
    path
        Output file, ``.xlsx`` or ``.csv``.
    overwrite
        Replace an existing file; without it an existing file raises :class:`InputError`.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> export_rules("规则表.xlsx", overwrite=True)  # doctest: +SKIP
    PosixPath('规则表.xlsx')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InputError(f"{path}：规则表请写为 .xlsx 或 .csv（收到 {suffix or '无扩展名'}）。")
    if path.exists() and not overwrite:
        raise InputError(f"{path} 已存在；如要替换，请允许覆盖（overwrite）。")
    t = rules_table()
    t["group"] = t["group"].map(lambda g: GROUP_ZH.get(g, g))
    t = t.rename(columns=COLUMNS)
    if suffix == ".csv":
        t.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        t.to_excel(path, index=False, sheet_name=SHEET)
    logger.info("Wrote %d rules to %s", len(t), path)
    return path


@dataclass
class RulesTableCheck:
    """The result of :func:`check_rules_table`.

    Attributes
    ----------
    path
        The table checked.
    n_rows
        Number of rule rows read.
    problems
        ``[(row, column, message), …]``; ``row`` is the spreadsheet row number (header = row 1).
    """

    path: Path
    n_rows: int
    problems: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary_text(self) -> str:
        """Chinese summary: one line per problem, each naming its row and column."""
        if self.ok:
            return f"{self.path}：{self.n_rows} 条规则，检查通过。"
        lines = [f"{self.path}：{self.n_rows} 条规则中发现 {len(self.problems)} 处问题："]
        lines += [f"  第 {row} 行「{col}」：{msg}" for row, col, msg in self.problems]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"path": str(self.path), "rows": self.n_rows, "ok": self.ok,
                "problems": [{"row": r, "column": c, "message": m} for r, c, m in self.problems]}


def _read_table(path: Path):
    import pandas as pd

    if not path.exists():
        raise InputError(f"找不到规则表 {path}。")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    elif suffix in (".xlsx", ".xlsm"):
        df = pd.read_excel(path, dtype=str, keep_default_na=False)
    else:
        raise InputError(f"{path}：规则表应为 .xlsx 或 .csv（收到 {suffix or '无扩展名'}）。")
    by_zh = {zh: en for en, zh in COLUMNS.items()}
    df = df.rename(columns=lambda c: by_zh.get(str(c).strip(), str(c).strip()))
    missing = [c for c in ("rule_id", "group", "codes", "plan_ref", "effect") if c not in df.columns]
    if missing:
        raise InputError(f"{path}：缺少列 {'、'.join(COLUMNS[c] for c in missing)}。请在导出的规则表上修改，"
                         "不要删除或改名列。")
    return df.fillna("")


def check_rules_table(path) -> RulesTableCheck:
    """Validate an edited rules table before it is used; every problem names its row and column.

    Checks: every row has a rule id, unique; a known category; a clause (``plan_ref``) naming a
    chapter of the plan (第…章) or the document a rule rests on (〔2008〕24号, 《…》); an effect among the verdict names of ``plan_rules.json`` (required for plan
    area, barred and industry-kind rows); every industry code a GB/T 4754-2017 code of the full
    table; a known data file.

    Parameters
    ----------
    path
        The table (``.xlsx`` or ``.csv``), as written by :func:`export_rules` and edited.

    Returns
    -------
    RulesTableCheck
        ``.ok`` is True when nothing is wrong; ``.problems`` lists the rest.

    Examples
    --------
    >>> res = check_rules_table("规则表.xlsx")  # doctest: +SKIP
    >>> res.ok, res.problems[:1]  # doctest: +SKIP
    (False, [(5, '行业代码', '「C3999」不是 GB/T 4754-2017 代码')])
    """
    from ...industry import code_table, normalize_code

    path = Path(path)
    df = _read_table(path)
    # "info": a prompt that changes no verdict (e.g. the ecological corridors, 第十章第六节)
    verdicts = set(plan.rules().get("verdicts", {})) | {"info"}
    policies = {k: v for k, v in (plan.rules().get("office_policies") or {}).items() if not k.startswith("_")}
    groups = {**{g: g for g in GROUP_ZH}, **{zh: g for g, zh in GROUP_ZH.items()}}
    table = code_table()
    problems: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(df.to_dict(orient="records")):
        n = i + 2  # spreadsheet row (header is row 1)
        rid = str(row["rule_id"]).strip()
        if not rid:
            problems.append((n, COLUMNS["rule_id"], "缺少规则编号"))
        elif rid in seen:
            problems.append((n, COLUMNS["rule_id"], f"规则编号 {rid} 与第 {seen[rid]} 行重复"))
        else:
            seen[rid] = n
        group = groups.get(str(row["group"]).strip())
        if group is None:
            problems.append((n, COLUMNS["group"], f"未知类别「{row['group']}」；应为 {'、'.join(GROUP_ZH.values())}"))
        ref = str(row["plan_ref"]).strip()
        if not ref:
            problems.append((n, COLUMNS["plan_ref"], "缺少规划依据（章节），如 第九章第三节"))
        elif not _CLAUSE.search(ref):
            problems.append((n, COLUMNS["plan_ref"], f"「{ref}」未写明章节或文件（应如 第九章第三节，或 国土资发〔2008〕24号）"))
        effect = str(row["effect"]).strip()
        if effect and effect not in verdicts:
            problems.append((n, COLUMNS["effect"], f"未知结论名「{effect}」；应为 {'、'.join(sorted(verdicts))}"))
        elif not effect and group in NEEDS_EFFECT:
            problems.append((n, COLUMNS["effect"], f"{GROUP_ZH[group]}规则须写明对结论的影响（{'、'.join(sorted(verdicts))}）"))
        elif group == "office_policy":
            op = policies.get(rid.removeprefix("office_policy."))
            if op is None:
                problems.append((n, COLUMNS["rule_id"], f"未知的规划管理部门口径「{rid}」；应为 "
                                 f"{'、'.join('office_policy.' + k for k in policies) or '（无）'}"))
            elif effect not in op["choices"]:
                problems.append((n, COLUMNS["effect"], f"口径{op['name_zh']}的取值「{effect}」无效；"
                                 f"应为 {'、'.join(op['choices'])}"))
        for code in filter(None, re.split(r"[、,，;；\s]+", str(row["codes"]))):
            try:
                norm = normalize_code(code)
            except InputError:
                norm = None
            if norm is None or norm not in table.index:
                problems.append((n, COLUMNS["codes"], f"「{code}」不是 GB/T 4754-2017 代码"))
        data_file = str(row.get("data_file", "")).strip()
        if data_file and data_file not in DATA_FILES:
            problems.append((n, COLUMNS["data_file"], f"未知数据文件「{data_file}」；应为 {'、'.join(DATA_FILES)} 之一"))
    # the rule book's list of recognised chemical parks (plan_rules.json, not a row of the table): row 0
    problems += [(0, "plan_rules.json", msg) for msg in _chemical_parks_problems()]
    res = RulesTableCheck(path, len(df), problems)
    logger.info("Checked %d rules in %s: %d problems", len(df), path, len(problems))
    return res


def _chemical_parks_problems() -> list[str]:
    """:func:`plan.chemical_parks_problems` against the active store's clusters and parks (the form only when no
    store can be read)."""
    rule = plan.rules().get("chemical_parks") or {}
    if not rule.get("recognised"):
        return plan.chemical_parks_problems()
    try:
        from .context import load_context

        ctx = load_context()
    except Exception as exc:  # no store here: the ids cannot be checked, the form still is
        logger.warning("图层库不可读（%s），未核对 chemical_parks.recognised 的要素 id", exc)
        return plan.chemical_parks_problems()
    known = {str(v) for lid in rule.get("layers", []) if lid in ctx.layers for v in ctx.layers[lid].ids}
    return plan.chemical_parks_problems(known)
