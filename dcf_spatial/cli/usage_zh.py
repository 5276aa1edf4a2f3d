"""Click's command-line usage errors, said in Chinese.

Click routes its messages through :func:`gettext.gettext`, but ships no Chinese catalogue and
picks the language from the user's locale variables, which on a server are usually ``C``. So the
messages are rebuilt here from the exception's public fields (option name, parameter, close
matches) — written by hand because no maintained package provides a Chinese catalogue for
click. Details click takes from its parameter types ("'x' is not a valid float.") are matched by
pattern; a detail not recognised (for example a message dcf wrote itself) is kept as it is.
"""

from __future__ import annotations

import re

import click

#: click's type-conversion details -> Chinese; ``{v}`` etc. are the captured groups
_DETAILS = [
    (re.compile(r"^'?(?P<v>.*?)'? is not a valid float\.?$"), "“{v}”不是有效的数字。"),
    (re.compile(r"^'?(?P<v>.*?)'? is not a valid (integer|int)\.?$"), "“{v}”不是有效的整数。"),
    (re.compile(r"^'?(?P<v>.*?)'? is not a valid (integer|float) range\.?$"), "“{v}”不是有效的数字（须在允许范围内）。"),
    (re.compile(r"^'?(?P<v>.*?)'? is not a valid boolean\.?$"), "“{v}”不是有效的是/否值（用 true/false）。"),
    (re.compile(r"^'?(?P<v>.*?)'? is not one of (?P<c>.+?)\.?$", re.S), "“{v}”不是可选值之一：{c}。"),
    (re.compile(r"^'?(?P<v>.*?)'? is not (?P<c>'.+?')\.?$"), "“{v}”不是可选值 {c}。"),
    (re.compile(r"^(File|Directory|Path) '?(?P<v>.*?)'? does not exist\.?$"), "文件或文件夹“{v}”不存在，请检查路径。"),
    (re.compile(r"^(File|Path) '?(?P<v>.*?)'? is a directory\.?$"), "“{v}”是文件夹，这里需要一个文件。"),
    (re.compile(r"^(Directory|Path) '?(?P<v>.*?)'? is a file\.?$"), "“{v}”是文件，这里需要一个文件夹。"),
    (re.compile(r"^(File|Directory|Path) '?(?P<v>.*?)'? is not readable\.?$"), "“{v}”没有读取权限。"),
    (re.compile(r"^(File|Directory|Path) '?(?P<v>.*?)'? is not writable\.?$"), "“{v}”没有写入权限。"),
    (re.compile(r"^'?(?P<v>.*?)'? does not match the formats? (?P<c>.+?)\.?$"), "“{v}”不符合日期格式 {c}。"),
    (re.compile(r"^(?P<v>.*?) is not in the range (?P<c>.+?)\.?$"), "{v} 不在允许范围 {c} 内。"),
]


#: click's parser and group messages -> Chinese
_MESSAGES = [
    (re.compile(r"^Option '?(?P<o>[^']+)'? requires an argument\.?$"), "选项 {o} 后面需要给一个值。"),
    (re.compile(r"^Option '?(?P<o>[^']+)'? requires (?P<n>\d+) arguments\.?$"), "选项 {o} 后面需要给 {n} 个值。"),
    (re.compile(r"^Option '?(?P<o>[^']+)'? does not take a value\.?$"), "选项 {o} 是开关，不带值。"),
    (re.compile(r"^Got unexpected extra arguments? \((?P<a>.*)\)$"), "多余的参数：{a}（带空格的路径请加引号）。"),
    (re.compile(r"^Missing command\.?$"), "缺少子命令。"),
    (re.compile(r"^No such command '?(?P<c>[^']+)'?\.?$"), "没有命令 {c}。"),
]


def _translated(message: str, table) -> str:
    """The Chinese of ``message`` by the first pattern of ``table`` it matches; else ``message``."""
    text = (message or "").strip()
    for pattern, template in table:
        m = pattern.match(text)
        if m:
            return template.format(**m.groupdict())
    return text


def _detail(message: str) -> str:
    return _translated(message, _DETAILS)


def _param_name(exc: click.BadParameter) -> str:
    if exc.param_hint:
        hint = exc.param_hint
        return " / ".join(hint) if isinstance(hint, (list, tuple)) else str(hint)
    if exc.param is not None:
        if isinstance(exc.param, click.Argument):
            return exc.param.make_metavar(exc.ctx) if exc.ctx is not None else (exc.param.name or "").upper()
        return " / ".join(exc.param.opts)
    return ""


def _kind(exc: click.BadParameter) -> str:
    argument = isinstance(exc.param, click.Argument) or getattr(exc, "param_type", None) == "argument"
    return "参数" if argument else "选项"


def _close(possibilities) -> str:
    return f"是否想用：{'、'.join(sorted(possibilities))}？" if possibilities else ""


#: options of the ``dcf`` group itself, often typed after the sub-command by mistake
GROUP_OPTIONS = ("-q", "--quiet", "-v", "--verbose", "--store")


def _commands_like(exc) -> list[str]:
    """Close matches among the group's commands (click gives none for a lazily loaded group)."""
    import difflib

    ctx = exc.ctx
    if ctx is None or not isinstance(ctx.command, click.Group):
        return []
    return difflib.get_close_matches(exc.command_name, ctx.command.list_commands(ctx), n=3, cutoff=0.5)


def explain(exc: click.UsageError) -> str:
    """One line in Chinese saying what was wrong on the command line."""
    if isinstance(exc, click.NoSuchOption):
        where = (f"（{exc.option_name} 是 dcf 本身的选项，要写在 dcf 之后、子命令之前，如 dcf {exc.option_name} site check …）"
                 if exc.option_name in GROUP_OPTIONS and exc.ctx is not None and exc.ctx.parent is not None else "")
        return f"没有选项 {exc.option_name}。{where}{_close(exc.possibilities)}"
    no_such_command = getattr(click.exceptions, "NoSuchCommand", None)  # click ≥ 8.4
    if no_such_command is not None and isinstance(exc, no_such_command):
        return f"没有命令 {exc.command_name}。{_close(exc.possibilities or _commands_like(exc))}"
    if isinstance(exc, click.MissingParameter):
        return f"缺少{_kind(exc)} {_param_name(exc)}。"
    if isinstance(exc, click.BadParameter):
        name = _param_name(exc)
        where = f"{_kind(exc)} {name} 的值无效：" if name else "值无效："
        return where + _detail(exc.message)
    return _translated(exc.format_message(), _MESSAGES)


class ChineseUsageError(click.UsageError):
    """A click usage error shown in Chinese: the error first, then the usage line and where help is."""

    def __init__(self, original: click.UsageError):
        try:
            message = explain(original)
        except Exception:  # noqa: BLE001 - a failed translation must never hide the error itself
            message = original.format_message()
        super().__init__(message, original.ctx)
        self.exit_code = original.exit_code
        self.original = original

    def show(self, file=None):
        lines = [f"错误 Error: {self.format_message()}"]
        if self.ctx is not None:
            usage = self.ctx.get_usage()
            lines.append(usage if usage.startswith("用法") else f"用法 {usage}")
            lines.append(f"运行 '{self.ctx.command_path} --help' 查看全部选项和示例。")
        else:  # click's parser raises some errors before the command's context exists
            lines.append("在命令后加 --help 查看全部选项和示例。")
        click.echo("\n".join(lines), file=file, err=file is None)


def in_chinese(exc: click.UsageError) -> click.UsageError:
    """The Chinese form of ``exc`` (itself when it already is one, or when it must show help)."""
    if isinstance(exc, ChineseUsageError) or type(exc).__name__ == "NoArgsIsHelpError":
        return exc
    return ChineseUsageError(exc)
