"""Command-line mistakes are explained in Chinese, name the option and exit 2 (no traceback).

Each case is run through the real ``dcf`` group with CliRunner, as a user would type it.
"""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from dcf_spatial.cli import usage_zh
from dcf_spatial.cli.main import cli


def run(*args):
    res = CliRunner().invoke(cli, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.stderr


@pytest.mark.parametrize("args, expected", [
    (["site", "check", "--sit", "115.8,36.4"], ["没有选项 --sit", "--site"]),
    (["site", "chek"], ["没有命令 chek", "check"]),
    (["--bogus"], ["没有选项 --bogus"]),
    (["query", "within", "a", "b"], ["缺少选项 --km"]),
    (["query", "within", "a", "b", "--km", "abc"], ["选项 --km 的值无效", "“abc”不是有效的数字"]),
    (["sample", "-o", "x", "--seed", "1.5"], ["选项 --seed 的值无效", "“1.5”不是有效的整数"]),
    (["sample"], ["缺少选项 -o / --output"]),
    (["site", "check", "--area-mu"], ["选项 --area-mu 后面需要给一个值"]),
    (["site", "check", "--catalogue-class", "zz"], ["--catalogue-class", "“zz”不是可选值之一", "鼓励类"]),
    (["layers", "show", "district", "extra"], ["多余的参数：extra"]),
    (["layers", "import", "--provenance", "authoritative", "district", "/no/such/file.gpkg"], ["参数 FILE 的值无效", "“/no/such/file.gpkg”不存在"]),
    (["maps", "appendix", "--only", "fig9"], ["--only", "没有附图 fig9", "fig1"]),
    (["sit"], ["没有命令 sit", "site"]),
    (["site", "check", "-q"], ["没有选项 -q", "写在 dcf 之后"]),
    (["sample", "-o", "x", "--parcels", "abc"], ["--parcels", "“abc”不是有效的数字"]),
])
def test_usage_errors_in_chinese(args, expected):
    code, err = run(*args)
    first = err.splitlines()[0]
    assert code == 2
    assert first.startswith("错误 Error: ")
    for text in expected:
        assert text in first, (text, first)
    assert "Traceback" not in err and "No such option" not in err and "Missing option" not in err
    assert "--help" in err and "查看全部选项和示例" in err  # where to look next


def test_no_arguments_still_shows_the_group_help():
    res = CliRunner().invoke(cli, ["site"])
    assert "check" in res.output and "错误" not in res.output


def test_detail_not_recognised_is_kept_as_written():
    assert usage_zh._detail("面积须为正数。") == "面积须为正数。"
    assert usage_zh._detail("'2.5' is not a valid integer.") == "“2.5”不是有效的整数。"


def test_a_failing_translation_falls_back_to_the_original_message(monkeypatch):
    def broken(exc):
        raise KeyError("boom")

    monkeypatch.setattr(usage_zh, "explain", broken)
    err = usage_zh.in_chinese(click.UsageError("Got something odd"))
    assert err.format_message() == "Got something odd"


def test_quiet_keeps_notes_off_stderr(tmp_path, monkeypatch):
    from dcf_spatial import settings

    monkeypatch.delenv("DCF_STORE", raising=False)
    monkeypatch.setattr(settings, "store", settings.default_store)
    args = ["query", "nearest", "anchor_enterprises", "industrial_clusters", "--map", str(tmp_path / "m.html")]
    loud = CliRunner().invoke(cli, args)
    assert loud.exit_code == 0 and "地图已写出" in loud.stderr
    quiet = CliRunner().invoke(cli, ["-q", *args, "--overwrite"])
    assert quiet.exit_code == 0 and quiet.stderr == "" and (tmp_path / "m.html").exists()
    assert quiet.stdout == loud.stdout  # the answer itself is unchanged


def test_help_pages_use_chinese_headings_and_help_option():
    for args in (["--help"], ["layers", "--help"], ["audit", "idle", "--help"]):
        out = CliRunner().invoke(cli, args).stdout
        assert out.startswith("用法 Usage: ") and "选项 Options:" in out, args
        assert "显示本帮助并退出。" in out and "Show this message" not in out, args
    assert "命令 Commands:" in CliRunner().invoke(cli, ["site", "--help"]).stdout
