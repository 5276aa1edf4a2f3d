"""A user's text (a file name, a 项目名称, a 地块名称) where its hidden characters would do harm.

A name typed in Excel may hold a line break (Alt+Enter); a hostile file may hold an escape sequence or a
right-to-left override (U+202E). Printed raw, a line break forges a console line (``表格第 3 行：符合`` that
is no row), ESC reaches the operator's terminal, and U+202E shows what follows reversed; written raw into a
line-based file (the 报批 TXT), a line break starts records of its own (breaker F6, F7, F11).

:func:`printable_name` shows each such character in words (console, log, reports); :func:`one_line` makes
a text one line of a file (each run of control characters and line breaks becomes one space).

Examples
--------
>>> printable_name("甲\\n表格第 3 行（乙）：符合")
'甲⏎表格第 3 行（乙）：符合'
>>> one_line("正常名称\\r\\n[地块坐标]")
'正常名称 [地块坐标]'
"""

from __future__ import annotations

import re
import unicodedata

#: the characters shown in words: C0/C1 controls (newlines, ESC), bidi overrides and isolates, line separators
_HIDDEN_CATEGORIES = ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")
#: what breaks a line of a file or a field of it: control characters (CR, LF, tab, ESC …) and the line and
#: paragraph separators (Python's ``str.splitlines`` splits on all of them)
_LINE_BREAKERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def printable_name(text: str, *, line_breaks: bool = False) -> str:
    """A text the user gave, safe for the console, a log line and a report: a newline cannot forge a
    line, an escape sequence reach the operator's terminal, nor a right-to-left override reverse what
    follows. A newline is shown as ``⏎``, another control character as its control picture (ESC as
    ``␛``), any other invisible or format character as ``<U+XXXX>``. Idempotent; ordinary text (Chinese,
    spaces, punctuation) is kept as it is.

    Parameters
    ----------
    text
        The user's text.
    line_breaks
        Keep line breaks (CR, LF, CRLF, U+2028 …) as ``\\n``: a document's paragraph or cell, where a line
        break is layout and forges nothing (an HTML report, a DOCX, a PDF); every other character as above.

    Examples
    --------
    >>> printable_name("a\\nINFO 伪造.txt")
    'a⏎INFO 伪造.txt'
    >>> printable_name("\\x1b[31mred\\x1b[0m.txt")
    '␛[31mred␛[0m.txt'
    >>> printable_name("名\\u202eTXT.exe.txt")
    '名<U+202E>TXT.exe.txt'
    >>> printable_name("报批坐标 (1).txt")
    '报批坐标 (1).txt'
    >>> printable_name("多行\\r\\n名称\\u202e反", line_breaks=True)
    '多行\\n名称<U+202E>反'
    """
    if text.isprintable():   # no control, format, separator (but the space) or unassigned character: as it is
        return text
    if line_breaks:
        return "\n".join(printable_name(line) for line in text.splitlines())
    out = []
    for ch in text:
        if ch == "\n":
            out.append("⏎")
        elif ord(ch) < 0x20:
            out.append(chr(0x2400 + ord(ch)))   # the control pictures block: ␍ ␉ ␛ …
        elif ch == "\x7f":
            out.append("␡")
        elif unicodedata.category(ch) in _HIDDEN_CATEGORIES:
            out.append(f"<U+{ord(ch):04X}>")
        else:
            out.append(ch)
    return "".join(out)


def one_line(text: str) -> str:
    """``text`` as one line of a line-based file: each run of control characters (CR, LF, tab, ESC …) and
    line or paragraph separators becomes one space; the ends stripped.

    Examples
    --------
    >>> one_line("东区\\n\\n仓储\\t地块 ")
    '东区 仓储 地块'
    >>> one_line("智能装备生产地块")
    '智能装备生产地块'
    """
    return _LINE_BREAKERS.sub(" ", text).strip()


def has_line_breakers(text: str) -> bool:
    """``True`` when :func:`one_line` would replace a character of ``text`` (not only strip its ends).

    Examples
    --------
    >>> has_line_breakers("甲\\n乙"), has_line_breakers("甲 乙")
    (True, False)
    """
    return bool(_LINE_BREAKERS.search(text))
