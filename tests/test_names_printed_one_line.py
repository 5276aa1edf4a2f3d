"""Breaker F11: a 项目名称 is the user's text. With a line break (Excel Alt+Enter) or a right-to-left override
(U+202E) it was printed raw: ``dcf site check --batch`` showed one row as two (the second a forged verdict), and
``dcf site history`` reversed what followed the name. The console shows such a name on its own line, its
hidden characters in words, as it shows an upload's file name (⏎, ␛, <U+202E>)."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli

#: the breaker's list: one record whose name forges a second row line; one with a line break and an override
CSV = ('项目名称,经度,纬度,行业,用地面积（亩）\n'
       '"甲）：不符合\n  表格第 3 行（乙",115.95,36.515,轴承,50\n'
       '"多行\n名称\u202e反",115.76,36.46,轴承,30\n')


def _row_lines(stdout: str) -> list[str]:
    return [s for s in stdout.splitlines() if s.startswith("  表格第")]


@pytest.mark.parametrize("stream", [False, True])
def test_a_batch_names_line_break_cannot_forge_a_row_in_the_console(tmp_path, stream):
    src = tmp_path / "hb.csv"
    src.write_text(CSV, encoding="utf-8")
    args = ["site", "check", "--batch", str(src)] + (["-o", str(tmp_path / "结果.csv")] if stream else [])
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    rows = _row_lines(res.stdout)
    assert len(rows) == 2, res.stdout   # two records, two lines
    assert rows[0].startswith("  表格第 2 行（甲）：不符合⏎  表格第 3 行（乙）：")
    assert rows[1].startswith("  表格第 3 行（多行⏎名称<U+202E>反）：")
    assert "\u202e" not in res.stdout


def test_history_prints_a_recorded_name_on_one_line_without_its_override(tmp_path):
    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    src = tmp_path / "hb.csv"
    src.write_text(CSV, encoding="utf-8")
    run = CliRunner().invoke(cli, ["--store", str(st), "site", "check", "--batch", str(src), "--record"])
    assert run.exit_code == 0, run.output
    listed = CliRunner().invoke(cli, ["--store", str(st), "site", "history"])
    assert listed.exit_code == 0, listed.output
    entries = [s for s in listed.stdout.splitlines() if s.lstrip().startswith("#")]
    assert len(entries) == 2, listed.stdout
    # the register keeps a name's line break out already: the override is what shows
    assert any("名称<U+202E>反 轴承：" in s for s in entries), entries
    assert "\u202e" not in listed.stdout
    rid = entries[-1].split()[0].lstrip("#") if "多行" in entries[-1] else entries[0].split()[0].lstrip("#")
    shown = CliRunner().invoke(cli, ["--store", str(st), "site", "history", "show", rid])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines()[0].startswith(f"登记 #{rid}（") and "名称<U+202E>反）" in shown.stdout
    assert "\u202e" not in shown.stdout
