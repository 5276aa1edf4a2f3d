"""Tables for the terminal: as wide as the window, CJK characters counted as two columns, long
values cut with …; the whole table goes to ``--json`` or ``-o FILE``."""

from __future__ import annotations

import shutil
import unicodedata

#: the width used when the output is not a terminal (a pipe, a test runner)
FALLBACK_COLUMNS = 100
GAP = "  "


def display_width(text: str) -> int:
    """Terminal columns of ``text``: East Asian wide and full-width characters count as two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns, ending with … when something was cut."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    fill = " " * max(width - display_width(text), 0)
    return fill + text if right else text + fill


def terminal_columns() -> int:
    """The window's width (``COLUMNS`` wins; :data:`FALLBACK_COLUMNS` when not a terminal)."""
    return shutil.get_terminal_size((FALLBACK_COLUMNS, 24)).columns


def render(rows: list[dict], headers: dict[str, str], *, width: int | None = None,
           right: frozenset[str] = frozenset(), keep: frozenset[str] = frozenset(),
           min_width: int = 12) -> tuple[list[str], list[str]]:
    """Lines of a table of ``rows`` under the Chinese ``headers`` (column key → header), fitted to ``width``.

    The widest columns are narrowed first (values cut with …, never below ``min_width`` columns;
    the ``keep`` columns — ids a user types — never); when that is not enough, the last columns are
    left out. Returns the lines and the headers left out.
    """
    width = width or terminal_columns()
    keys = list(headers)
    cells = {k: ["" if r.get(k) is None else str(r.get(k)).replace("\n", " ") for r in rows] for k in keys}
    natural = {k: max([display_width(headers[k])] + [display_width(c) for c in cells[k]]) for k in keys}
    floor = {k: natural[k] if k in keep else min(natural[k], max(display_width(headers[k]), min_width)) for k in keys}
    dropped: list[str] = []

    def total(ws):
        return sum(ws.values()) + len(GAP) * (len(ws) - 1)

    widths = dict(natural)
    while total(widths) > width:
        widest = max(widths, key=lambda k: widths[k] - floor[k])
        if widths[widest] > floor[widest]:
            widths[widest] -= 1
        elif len(widths) > 1:
            last = list(widths)[-1]
            dropped.append(headers[last])
            del widths[last]
        else:
            break
    shown = list(widths)
    lines = [GAP.join(pad(cut(headers[k], widths[k]), widths[k], right=k in right) for k in shown).rstrip()]
    for i in range(len(rows)):
        lines.append(GAP.join(pad(cut(cells[k][i], widths[k]), widths[k], right=k in right) for k in shown).rstrip())
    return lines, dropped
