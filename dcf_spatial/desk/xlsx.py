"""Formula-like text in a written XLSX made inert (CSV/formula injection).

openpyxl writes any string starting with ``=`` as a formula; Excel would also act on ``+ - @`` when a
user edits such a cell. Every text cell starting with one of them is stored as a string with
Excel's own ``quotePrefix`` flag set: it shows exactly the text and is never evaluated.
"""

from __future__ import annotations

from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(path: Path | str) -> int:
    """Rewrite ``path`` (an .xlsx) with every formula-like text cell stored as text; return how many.

    Examples
    --------
    >>> neutralise_formulas("核查结果.xlsx")   # doctest: +SKIP
    0
    """
    from openpyxl import load_workbook

    wb = load_workbook(path)
    n = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and v.startswith(FORMULA_START):
                    cell.value = v
                    cell.data_type = "s"
                    cell.quotePrefix = True
                    n += 1
    if n:
        wb.save(path)
    return n
