"""`dcf site rules` shows, for every rule, the plan's words or says it has none, and what a verdict says."""

from __future__ import annotations

import re

from click.testing import CliRunner

from dcf_spatial import plan
from dcf_spatial.cli.main import cli


def test_every_policy_rule_shows_its_basis_and_wording():
    out = CliRunner().invoke(cli, ["site", "rules"]).stdout
    section = out[out.index("三、政策规则"):out.index("四、")]
    blocks = re.split(r"\n  \[", section)[1:]
    rules = plan.rules()["policy_rules"]
    assert len(blocks) == len(rules)
    for block in blocks:
        rid = block.split("]", 1)[0]
        assert ("原文：" in block) == bool(rules[rid].get("quote")), rid
        assert "原文：" in block or "无逐字引文" in block, rid
        assert "核查结论用语：" in block and "{" not in block, rid
