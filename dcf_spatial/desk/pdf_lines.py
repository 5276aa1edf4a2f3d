"""Lines of Chinese text for the PDF 核查意见, broken by the Unicode line-breaking rules (UAX #14, from
:mod:`uniseg`) and measured in the PDF's font: no line opens with a closing mark (。，、；：）”》…) and none ends
with an opening one (（“《) — the 禁则 of Chinese typesetting. fpdf2's character wrap breaks anywhere, so a
sentence's last "。" could stand alone on a line (QA user F12).
"""

from __future__ import annotations

from typing import Callable

#: widths are handed to uniseg as integers: hundredths of a millimetre
_SCALE = 100


class _Lines:
    """A :class:`uniseg.wrap.Formatter` collecting the lines of one paragraph."""

    def __init__(self, width: float, measure: Callable[[str], float]):
        self.wrap_width = int(width * _SCALE)
        self.tab_width = 0
        self._measure = measure
        self._widths: dict[str, int] = {}
        self.lines: list[str] = []

    def text_extents(self, s: str) -> list[int]:
        out, total = [], 0
        for ch in s:
            w = self._widths.get(ch)
            if w is None:
                w = self._widths[ch] = int(round(self._measure(ch) * _SCALE))
            total += w
            out.append(total)
        return out

    def handle_text(self, text: str, extents: list[int]) -> None:
        if not self.lines:
            self.lines.append("")
        self.lines[-1] += text

    def handle_new_line(self) -> None:
        self.lines.append("")


def break_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` as lines at most ``width`` wide (``measure(s)``: the width of ``s``, same unit), broken only
    where UAX #14 allows; each ``\\n`` of ``text`` ends a line. A run that cannot break and is wider than the
    line (a long code) is cut by character.

    Examples
    --------
    >>> break_lines("甲乙丙丁。戊", 4, len)      # 。 never opens a line: 丁 goes down with it
    ['甲乙丙', '丁。戊']
    >>> break_lines("甲“乙丙”", 2, len)          # “ never ends one
    ['甲', '“乙', '丙”']
    """
    from uniseg.wrap import wrap

    out: list[str] = []
    for para in text.split("\n"):
        f = _Lines(width, measure)
        wrap(f, para)
        for line in (ln.rstrip() for ln in f.lines or [""]):
            while measure(line) > width and len(line) > 1:   # an unbreakable run wider than the line
                cut = max(1, max(i for i in range(1, len(line) + 1) if measure(line[:i]) <= width or i == 1))
                out.append(line[:cut])
                line = line[cut:]
            out.append(line)
    return out
