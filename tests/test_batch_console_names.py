"""A new user's QA (qa_user FINDINGS F12): the console's batch summary listed ``表格第 2 行：有条件符合`` with no
项目名称, where the desk and the XLSX name the project; both ways of running a batch (the whole answer, and the
table streamed to ``-o``) now say it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dcf_spatial.cli.main import cli


@pytest.mark.parametrize("stream", [False, True])
def test_the_console_names_each_rows_project(tmp_path, stream):
    src = tmp_path / "项目清单.csv"
    src.write_text("项目名称,建设地点,行业\n年产50万套轴承项目,郑家镇,轴承\n冷链物流中心,道口铺街道,冷库\n,郑家镇,轴承\n",
                   encoding="utf-8")
    args = ["site", "check", "--batch", str(src)] + (["-o", str(tmp_path / "结果.csv")] if stream else [])
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "表格第 2 行（年产50万套轴承项目）：" in res.stdout
    assert "表格第 3 行（冷链物流中心）：" in res.stdout
    assert "表格第 4 行：" in res.stdout   # no name: the row's place in the table only
