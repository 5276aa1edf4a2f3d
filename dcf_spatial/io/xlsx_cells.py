"""What a workbook's cells hold beyond their values: merged ranges, and formulas with no saved result.

pandas reads an ``.xlsx`` sheet's saved values (openpyxl, read-only): a cell merged over two rows (one
土地使用权人 over two records, common in ledgers) is a value on its first row and a blank on the others, and
a formula whose result was never saved (a file written by a script or by some non-Excel tools) is a blank —
the clerk sees a date in Excel and is told the cell is 缺失 (breaker B31-10). This module reads the
sheet's XML once for both: the merged ranges (``<mergeCell ref="B10:B11"/>``) and the formula cells
without a saved value (``<f>…</f>`` with no ``<v>``, or an empty one that is not a text result).
:func:`fill_merged_and_name_formulas` then carries a merged value down to every row it covers and names
the unsaved formulas, row by row and in a note, with the fix (open and save the file in Excel/WPS).
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

#: ``attrs`` key of a table read from a workbook: spreadsheet row number → the unsaved formula cells on it
UNSAVED_FORMULAS = "unsaved_formulas"

_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)\"")
#: a formula cell and what follows its formula up to the cell's end (a saved value, or none)
_FORMULA_CELL = re.compile(
    rb"<(?:\w+:)?c\s([^>]*?)(?<!/)>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*(<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?"
    rb"\s*</(?:\w+:)?c>")
_REF = re.compile(rb"\br=\"([A-Z]{1,3})(\d+)\"")
_TEXT_RESULT = re.compile(rb"\bt=\"str\"")
_ANY_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


@dataclass
class SheetCells:
    """The merged ranges (1-based ``(row0, col0, row1, col1)``) and the formula cells without a saved
    value (1-based ``(row, col)``) of one sheet."""

    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    unsaved: list[tuple[int, int]] = field(default_factory=list)


def column_number(letters: str) -> int:
    """``"A"`` → 1, ``"AA"`` → 27.

    Examples
    --------
    >>> column_number("H"), column_number("AA")
    (8, 27)
    """
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def cell_name(row: int, col: int) -> str:
    """``(8, 8)`` → ``"H8"`` (1-based row and column)."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def sheet_cells(path, sheet: str) -> SheetCells:
    """The merged ranges and the formulas without a saved value of ``sheet`` in the ``.xlsx``/``.xlsm``
    ``path`` (empty for any other file, or when the sheet's part cannot be found)."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return SheetCells()
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
        try:
            part = book[sheet]._worksheet_path
        finally:
            book.close()
        with zipfile.ZipFile(path) as z:
            xml = z.read(part)
    except (KeyError, AttributeError, OSError, zipfile.BadZipFile):
        return SheetCells()
    cells = SheetCells()
    for a, r0, b, r1 in _MERGE.findall(xml):
        cells.merged.append((int(r0), column_number(a.decode()), int(r1), column_number(b.decode())))
    if _ANY_FORMULA.search(xml):
        for attrs, value in _FORMULA_CELL.findall(xml):
            if value and _TEXT_RESULT.search(attrs):
                continue   # a saved empty text result (=IF(…,"",…)), not a missing one
            ref = _REF.search(attrs)
            if ref:
                cells.unsaved.append((int(ref.group(2)), column_number(ref.group(1).decode())))
    return cells


def fill_merged_and_name_formulas(df, first_line: int, path, sheet: str, notes: list[str], *, most: int = 10):
    """Carry each merged value to every record row its range covers (its first column, where the rows
    below are blank), and record the formula cells of the records that have no saved value
    (``attrs[UNSAVED_FORMULAS]``: row number → ``["H8（约定开工时间）", …]``), both said in ``notes``.
    ``df`` holds the records, its first row on spreadsheet row ``first_line``, its columns from A on.
    In place; returns ``df``."""
    cells = sheet_cells(path, sheet)
    if not cells.merged and not cells.unsaved:
        return df
    n, width = df.shape
    last_line = first_line + n - 1
    filled = []
    for r0, c0, r1, c1 in cells.merged:
        if r1 <= r0 or r0 < first_line or r0 > last_line or c0 > width:
            continue   # one row (a merge across columns keeps its value in its first cell), or not a record
        rows = np.arange(r0, min(r1, last_line) + 1) - first_line
        column = df.columns[c0 - 1]
        value = df.iat[rows[0], c0 - 1]
        below = df[column].iloc[rows[1:]]
        if value is None or value != value or below.notna().any():
            continue
        df.iloc[rows[1:], c0 - 1] = value
        filled.append(f"{cell_name(r0, c0)}:{cell_name(r1, c0)}（{column}）")
    if filled:
        notes.append(f"{len(filled)} 处合并单元格跨多行：其值已填入所合并的每一行（如 Excel 中所见）："
                     + "、".join(filled[:most]) + (" 等" if len(filled) > most else ""))
    unsaved: dict[int, list[str]] = {}
    for r, c in cells.unsaved:
        if first_line <= r <= last_line and c <= width:
            v = df.iat[r - first_line, c - 1]
            if v is None or v != v or (isinstance(v, str) and not v.strip()):
                unsaved.setdefault(r, []).append(f"{cell_name(r, c)}（{df.columns[c - 1]}）")
    if unsaved:
        df.attrs[UNSAVED_FORMULAS] = unsaved
        shown = [c for r in sorted(unsaved) for c in unsaved[r]]
        notes.append(f"{len(shown)} 个单元格是公式，文件中没有保存计算结果（由程序生成或未在 Excel 中保存过的文件），"
                     f"读作空：{'、'.join(shown[:most])}{' 等' if len(shown) > most else ''}。"
                     f"{UNSAVED_FORMULA_FIX}")
    return df


#: what the clerk does about a formula without a saved value
UNSAVED_FORMULA_FIX = "请在 Excel 或 WPS 中打开该文件并保存（保存时会算出公式的值），或把这些公式粘贴为数值，然后重新读取。"


def unsaved_formula_issue(cells: list[str]) -> str:
    """A row's ``read_issue`` for its formula cells without a saved value.

    Examples
    --------
    >>> unsaved_formula_issue(["H8（约定开工时间）"]).split("：")[0]
    '单元格 H8（约定开工时间）是公式，文件中没有保存计算结果，读作空'
    """
    return f"单元格 {'、'.join(cells)}是公式，文件中没有保存计算结果，读作空：{UNSAVED_FORMULA_FIX}"


def _unsaved_by_position(df, lines):
    unsaved = df.attrs.get(UNSAVED_FORMULAS) or {}
    return [(pos, unsaved[int(line)]) for pos, line in enumerate(np.asarray(lines).tolist()) if int(line) in unsaved]


def name_unsaved_formulas(df, lines, issues) -> None:
    """Add to ``issues`` (:class:`~dcf_spatial.io.rows.RowIssues`) each record's formula cells without a
    saved value (``df.attrs[UNSAVED_FORMULAS]``, by spreadsheet row ``lines``)."""
    for pos, cells in _unsaved_by_position(df, lines):
        issues.add([pos], unsaved_formula_issue(cells))


def add_unsaved_formula_issues(table, lines) -> None:
    """The same as a ``read_issue`` column of a table read without coordinates (rows placed by name), where
    no :class:`~dcf_spatial.io.rows.RowIssues` is kept. In place."""
    found = _unsaved_by_position(table, lines)
    if not found:
        return
    from .rows import ISSUE_COLUMN

    issue = (table[ISSUE_COLUMN].astype(object).to_numpy().copy() if ISSUE_COLUMN in table.columns
             else np.full(len(table), None, dtype=object))
    for pos, cells in found:
        text = unsaved_formula_issue(cells)
        issue[pos] = text if not issue[pos] or issue[pos] != issue[pos] else f"{issue[pos]}；{text}"
    table[ISSUE_COLUMN] = issue
