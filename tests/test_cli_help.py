"""`dcf … --help` speaks Chinese, and Chinese help fits the terminal.

Walks every group and command of the real CLI: each option's help is Chinese, each command's
first line is "中文 — English" and its body Chinese, the `$ dcf …` examples are shown as written,
and every help line fits the terminal width counted in display columns (a Chinese character takes
two) — click's own wrapping counts characters, which lets Chinese lines run to twice the width.
"""

import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from dcf_spatial.cli.help_format import DcfCommand, display_width, join_lines, wrap_help, wrap_line
from dcf_spatial.cli.main import COMMANDS, cli

CJK = re.compile(r"[\u4e00-\u9fff]")


def _commands():
    """(path, command) for the dcf group and every group and command below it."""
    out = [((), cli)]
    for name in COMMANDS:
        cmd = cli.get_command(None, name)
        out.append(((name,), cmd))
        if isinstance(cmd, click.Group):
            out += [((name, sub), c) for sub, c in cmd.commands.items()]
    return out


COMMAND_PATHS = _commands()
IDS = [" ".join(p) or "dcf" for p, _ in COMMAND_PATHS]


def test_every_group_and_command_is_walked():
    paths = {" ".join(p) for p, _ in COMMAND_PATHS}
    for expected in ("layers list", "layers push", "layers rederive", "site check", "site rules", "query available",
                     "maps appendix", "maps file", "audit idle", "audit efficiency", "sample"):
        assert expected in paths


@pytest.mark.parametrize(("path", "cmd"), COMMAND_PATHS, ids=IDS)
def test_every_option_help_is_chinese(path, cmd):
    for param in cmd.params:
        if isinstance(param, click.Option) and "--help" not in param.opts:
            assert param.help and CJK.search(param.help), f"dcf {' '.join(path)} {param.opts[0]}: {param.help!r}"


@pytest.mark.parametrize(("path", "cmd"), COMMAND_PATHS, ids=IDS)
def test_docstring_first_line_is_chinese_then_english_and_body_is_chinese(path, cmd):
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", cmd.help.strip())]
    first = paragraphs[0]
    last_zh = max((m.end() for m in CJK.finditer(first)), default=0)
    # Chinese first, then " — " (or " / ") and a short English gloss after the last Chinese character
    assert last_zh and re.match(r"^[^—/]*?[—/] .*[A-Za-z]{3}", first[last_zh:].lstrip("）)")), first
    body = [p for p in paragraphs[1:] if not p.startswith("\b")]
    assert body, f"dcf {' '.join(path)}: no explanation beyond the first line"
    for para in body:
        assert CJK.search(para), para


@pytest.mark.parametrize("width", [60, 80, 100])
@pytest.mark.parametrize(("path", "cmd"), COMMAND_PATHS, ids=IDS)
def test_help_fits_the_terminal_and_keeps_the_examples(path, cmd, width):
    res = CliRunner().invoke(cli, [*path, "--help"], terminal_width=width)
    assert res.exit_code == 0, res.output
    examples = [ln.strip() for ln in cmd.help.splitlines() if ln.strip().startswith("$ dcf")]
    assert examples, "each command's help has a `$ dcf …` example"
    shown = [ln.strip() for ln in res.output.splitlines()]
    for ex in examples:  # \b blocks are shown line for line, never re-flowed
        assert ex in shown
    for line in res.output.splitlines():
        if line.strip().startswith("$ dcf") or line.startswith("Usage:"):
            continue
        assert display_width(line) <= width, f"{display_width(line)} columns > {width}: {line!r}"


def test_docstring_lines_join_without_a_gap_inside_chinese():
    @click.command(cls=DcfCommand)
    def demo():
        """演示 — demo.

        每宗输入宗地在结果中
        恰好出现一次，写出
        idle_audit.xlsx 和
        地图。Latin words
        join with spaces.
        """

    out = CliRunner().invoke(demo, ["--help"], terminal_width=200).output
    assert "每宗输入宗地在结果中恰好出现一次，写出 idle_audit.xlsx 和地图。Latin words join with spaces." in out


def test_wrap_never_splits_an_option_name_nor_opens_a_line_with_closing_punctuation():
    text = ("用 --engine dask 时以 idle_audit.parquet/（完整结果，每个分区一个文件）代替 GeoPackage，"
            "Excel 相同（汇总全部分区）；宗地数超过地图上限时，地图改为按闲置比例给镇街和集聚区着色。") * 3
    for width in range(24, 81, 7):
        lines = wrap_line(text, width, indent="  ")
        assert all(display_width(ln) <= width for ln in lines), width
        assert all(not ln.strip()[:1] in "，。、；：）」》" for ln in lines), lines
        joined = "\n".join(lines)
        for token in ("--engine", "idle_audit.parquet/", "GeoPackage"):
            assert joined.count(token) == text.count(token), (width, token)
        # nothing lost: the same characters, only the spaces at the breaks differ
        assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", text)


def test_no_break_paragraph_is_kept_as_written():
    text = "说明。\n\n\b\n$ dcf audit idle --parcels 宗地.gpkg --as-of 2025-12-31 -o out/idle --engine dask"
    out = wrap_help(text, 40, "  ")
    assert "  $ dcf audit idle --parcels 宗地.gpkg --as-of 2025-12-31 -o out/idle --engine dask" in out.splitlines()
    assert join_lines(["中文", "English"]) == "中文 English"


def test_group_help_imports_no_command_module():
    code = ("import sys; from click.testing import CliRunner; from dcf_spatial.cli.main import cli;"
            "r = CliRunner().invoke(cli, ['--help'], terminal_width=80); print(r.output);"
            "print('LOADED', sorted(m for m in sys.modules if m.startswith('dcf_spatial.cli.') and "
            "m.rsplit('.', 1)[1] in ('layers', 'site', 'query', 'maps', 'audit', 'sample')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "LOADED []" in out
    assert "图层库：GeoPackage 文件路径" in out  # --store help, in Chinese
