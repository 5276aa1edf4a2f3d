"""Help pages that wrap Chinese text by its width on the terminal.

Click wraps help text with :mod:`textwrap`, which counts characters and breaks only at spaces.
Chinese characters take two terminal columns and are written without spaces, so click's own
wrapping lets Chinese lines run to twice the terminal width, and when it re-flows a docstring
paragraph it joins the source lines with a space, which shows as a stray gap inside a Chinese
sentence. Here the line breaking itself comes from :mod:`uniseg` (the Unicode line-breaking
algorithm, UAX #14: where a line may break in mixed Chinese/Latin text, no line opening with
"，" or "）") measured in terminal columns; what is written by hand is only the glue click has
no hook for: the paragraph rules of click's help text (``\\b`` blocks kept as written) and the
definition list of options.

Every command of ``dcf`` uses :class:`DcfGroup` / :class:`DcfCommand`, whose context formats
help with :class:`CJKHelpFormatter`. Nothing else about the commands changes.
"""

from __future__ import annotations

import re
import unicodedata

import click

_NO_BREAK = "\b"


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: East Asian wide and fullwidth characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


#: quotation marks and the ellipsis of Chinese text, of "ambiguous" width but Chinese punctuation here
_CJK_CONTEXT_PUNCTUATION = "“”‘’…"


def _wide_punctuation(ch: str) -> bool:
    return ch in _CJK_CONTEXT_PUNCTUATION or (_wide(ch) and unicodedata.category(ch).startswith("P"))


def join_lines(lines: list[str]) -> str:
    """Join the stripped source lines of one paragraph with a space, as click does, except where
    both sides of the line break are Chinese, or one side is a Chinese punctuation mark (，。（）…):
    there a space would show as a gap inside the sentence."""
    out = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        a, b = out[-1:], line[0]
        if out and not ((_wide(a) and _wide(b)) or _wide_punctuation(a) or _wide_punctuation(b)):
            out += " "
        out += line
    return out


def _breakables(text: str) -> list[int]:
    """UAX #14 break opportunities, less those inside a run of Latin characters: an option name
    (``--engine``), a date or a code (``4754-2017``) never splits; a list such as ``SHP/GPKG/KML``
    may still break after a slash when it does not fit on a narrow terminal."""
    from uniseg.linebreak import line_break_breakables

    marks = list(line_break_breakables(text))
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        after_list_slash = before == "/" and text[max(i - 2, 0):i] != "//"  # not tcp://HOST
        if (marks[i] and not after_list_slash and not before.isspace() and not after.isspace()
                and not _wide(before) and not _wide(after)):
            marks[i] = 0
    return marks


def wrap_line(text: str, width: int, indent: str = "") -> list[str]:
    """``text`` broken into lines of at most ``width`` terminal columns (``indent`` included),
    at the places UAX #14 allows; a single unbreakable run wider than the line stays whole."""
    from uniseg.wrap import tt_wrap  # imported here: only help pages need it

    avail = max(width - display_width(indent), 10)
    lines = [ln.rstrip() for ln in tt_wrap(text, avail, iter_breakables=_breakables)]
    return [indent + ln.lstrip() for ln in lines if ln.strip()] or [indent.rstrip()]


def wrap_help(text: str, width: int, indent: str = "") -> str:
    """Click's help-text rules with width-aware wrapping: paragraphs are separated by blank lines
    and re-flowed; a paragraph whose first line is ``\\b`` is kept line for line."""
    paragraphs = re.split(r"\n[ \t]*\n", text.strip("\n"))
    out = []
    for para in paragraphs:
        lines = para.splitlines()
        if not lines:
            continue
        if lines[0].strip() == _NO_BREAK:
            out.append("\n".join((indent + ln).rstrip() for ln in lines[1:]))
            continue
        extra = lines[0][: len(lines[0]) - len(lines[0].lstrip())]
        out.append("\n".join(wrap_line(join_lines(lines), width, indent + extra)))
    return "\n\n".join(out)


#: click's own section headings, in Chinese (the English kept for technicians)
HEADINGS_ZH = {"Options": "选项 Options", "Commands": "命令 Commands", "Positional arguments": "参数 Arguments"}
#: the help text of every ``--help`` option
HELP_OPTION_ZH = "显示本帮助并退出。"


class CJKHelpFormatter(click.HelpFormatter):
    """:class:`click.HelpFormatter` whose text and option lists wrap by terminal columns, with
    click's headings in Chinese."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix="用法 Usage: " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(HEADINGS_ZH.get(heading, heading))

    def write_text(self, text: str) -> None:
        self.write(wrap_help(text, self.width, " " * self.current_indent))
        self.write("\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        if not rows:
            return
        first_width = min(max(display_width(first) for first, _ in rows), col_max)
        first_col = first_width + col_spacing
        pad = " " * (self.current_indent + first_col)
        text_width = max(self.width - self.current_indent - first_col, 10)
        for first, second in rows:
            self.write(" " * self.current_indent + first)
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_width:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + pad)
            lines = wrap_help(second, text_width).splitlines() or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write((pad + line).rstrip() + "\n")


class DcfContext(click.Context):
    formatter_class = CJKHelpFormatter


def _help_option_zh(option):
    if option is not None:
        option.help = HELP_OPTION_ZH
    return option


class DcfCommand(click.Command):
    """A ``dcf`` command: help wrapped for Chinese text."""

    context_class = DcfContext

    def get_help_option(self, ctx):
        return _help_option_zh(super().get_help_option(ctx))


class DcfGroup(click.Group):
    """A ``dcf`` command group: its help, and its sub-commands' help, wrapped for Chinese text."""

    context_class = DcfContext
    command_class = DcfCommand

    def get_help_option(self, ctx):
        return _help_option_zh(super().get_help_option(ctx))


DcfGroup.group_class = DcfGroup
