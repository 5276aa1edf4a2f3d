"""`dcf site rules --xlsx` exports every rule for review; `--check` validates an edited table (issue 10)."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from dcf_spatial import plan
from dcf_spatial.cli.main import cli
from dcf_spatial.queries.site.rules_table import COLUMNS, check_rules_table, export_rules, rules_table


def test_every_rule_is_a_row_with_its_clause_and_file():
    t = rules_table()
    rb = plan.rules()
    ids = set(t["rule_id"])
    assert {r["id"] for r in rb["barred"]} <= ids
    assert {k["kind"] for k in rb["industry_kinds"]} <= ids
    assert set(rb["policy_rules"]) <= ids
    assert set(plan.zones()) <= ids
    assert t["rule_id"].is_unique
    assert (t["plan_ref"] != "").all()
    assert set(t["data_file"]) == {"plan_rules.json", "plan_zones.json", "overcapacity_industries.json"}
    # the rules of plan.extra_rules() (over-capacity, functional blocks, named places …) are rows too
    assert {r["rule_id"] for r in plan.extra_rules()} <= set(t["rule_id"])
    cement = t[t["rule_id"] == "cement_new_capacity"].iloc[0]
    assert cement["plan_ref"] == "第九章第三节" and "严禁水泥、铸造等行业新增产能" in cement["plan_words"]
    assert cement["effect"] == "does_not_fit" and cement["effect_zh"] == "不符合"
    assert "{" not in "".join(t["verdict_wording"])


def test_export_then_check_passes_and_refuses_to_overwrite(tmp_path):
    path = export_rules(tmp_path / "规则表.xlsx")
    sheet = pd.read_excel(path, dtype=str)
    assert list(sheet.columns) == list(COLUMNS.values())
    assert len(sheet) == len(rules_table())
    res = check_rules_table(path)
    assert res.ok, res.problems
    try:
        export_rules(path)
    except ValueError as exc:
        assert "已存在" in str(exc)
    else:
        raise AssertionError("an existing table was overwritten")


def test_check_names_each_bad_row(tmp_path):
    path = export_rules(tmp_path / "规则表.xlsx")
    df = pd.read_excel(path, dtype=str, keep_default_na=False)
    df.loc[1, "行业代码"] = "C3999"               # row 3: no such class
    df.loc[2, "规划依据（章节）"] = ""             # row 4: clause missing
    df.loc[3, "对结论的影响"] = "forbidden"        # row 5: not a verdict name
    df.loc[4, "规则编号"] = df.loc[0, "规则编号"]   # row 6: duplicate id
    df.to_excel(path, index=False)
    res = check_rules_table(path)
    got = {(row, col) for row, col, _ in res.problems}
    assert got == {(3, "行业代码"), (4, "规划依据（章节）"), (5, "对结论的影响"), (6, "规则编号")}, res.problems
    assert "第 3 行「行业代码」" in res.summary_text() and "C3999" in res.summary_text()


def test_cli_exports_and_checks(tmp_path):
    out = tmp_path / "规则表.xlsx"
    r = CliRunner().invoke(cli, ["site", "rules", "--xlsx", str(out)])
    assert r.exit_code == 0 and out.exists(), r.output
    r = CliRunner().invoke(cli, ["site", "rules", "--xlsx", str(out)])
    assert r.exit_code != 0 and "--overwrite" in r.output
    r = CliRunner().invoke(cli, ["site", "rules", "--check", str(out)])
    assert r.exit_code == 0 and "检查通过" in r.stdout, r.output
    df = pd.read_excel(out, dtype=str, keep_default_na=False)
    df.loc[0, "对结论的影响"] = "maybe"
    df.to_excel(out, index=False)
    r = CliRunner().invoke(cli, ["site", "rules", "--check", str(out)])
    assert r.exit_code == 1 and "第 2 行「对结论的影响」" in r.stdout and "maybe" in r.stdout
