"""Write tables people open in Excel or WPS: no text becomes a formula.

A project, township or holder name is data, and data can be hostile: ``=HYPERLINK("http://…")``
or ``=cmd|' /C calc'!A0`` in a cell runs when the file is opened. So

* in an ``.xlsx`` every text cell is written as a *string* cell (the text unchanged, never a
  formula) — :func:`write_xlsx`; the audit workbook's ``rustpy_xlsxwriter`` writes strings as
  strings already (formulas only through its ``formula_columns``, which we never pass);
* in a ``.csv`` a text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading single quote (the OWASP "CSV injection" rule), so that a spreadsheet shows it as text and
  a reader still sees the value — :func:`write_csv`. Numbers stay numbers (``-3.5`` is not text).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: the first characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """``value`` with a leading ``'`` when it is text a spreadsheet would take for a formula.

    Parameters
    ----------
    value
        Any cell value; only strings are changed.

    Returns
    -------
    object
        The value, or ``"'" + value`` for a formula-like string.

    Examples
    --------
    >>> neutralise('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> neutralise(-3.5), neutralise("轴承产业园")
    (-3.5, '轴承产业园')
    """
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def csv_safe(frame: "pd.DataFrame") -> "pd.DataFrame":
    """A copy of ``frame`` whose text cells and column names are :func:`neutralise`\\ d.

    Numeric, boolean and date columns are left as they are; in a text (object or string) column
    only the strings change.

    Parameters
    ----------
    frame
        The table to write.

    Returns
    -------
    pandas.DataFrame
        The table, safe to write as CSV.

    Examples
    --------
    >>> import pandas as pd
    >>> csv_safe(pd.DataFrame({"name": ["=1+1", "正常"], "n": [-1, 2]}))["name"].tolist()
    ["'=1+1", '正常']
    """
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            out[col] = s.astype(object).map(neutralise, na_action="ignore")
    out.columns = [neutralise(c) for c in out.columns]
    return out


def write_csv(frame: "pd.DataFrame", path, *, index: bool = False) -> Path:
    """Write ``frame`` as UTF-8 CSV with a BOM (Excel reads the Chinese), formula-like text quoted.

    Parameters
    ----------
    frame
        The table.
    path
        The ``.csv`` file (replaced if it exists: check first with
        :func:`dcf_spatial.outputs_guard.guard_output`).
    index
        Write the index as a first column.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import pandas as pd
    >>> write_csv(pd.DataFrame({"项目": ["=1+1"]}), "/tmp/x.csv")  # doctest: +SKIP
    PosixPath('/tmp/x.csv')
    """
    path = Path(path)
    csv_safe(frame).to_csv(path, index=index, encoding="utf-8-sig")
    return path


def write_xlsx(sheets: "dict[str, pd.DataFrame] | Iterable[tuple[str, pd.DataFrame]]", path, *,
               index: bool = False, layouts: dict | None = None) -> Path:
    """Write one sheet per ``(name, frame)`` into an ``.xlsx``, every text cell a string, never a formula.

    pandas' openpyxl engine turns any text starting with ``=`` into a formula; the cells it wrote so
    are switched back to strings before the file is saved (the text itself is kept as it was), and
    every text cell starting with ``= + - @``, a tab or a CR gets Excel's ``quotePrefix`` flag, so it
    stays text when a user edits it.

    Parameters
    ----------
    sheets
        ``{sheet name: frame}`` or pairs, in sheet order.
    path
        The ``.xlsx`` file (replaced if it exists).
    index
        Write each frame's index as a first column.
    layouts
        ``{sheet name: {"widths": {column: width}, "wrap": [columns]}}``: those sheets get the column
        widths, wrapped text in the ``wrap`` columns, a frozen header row and a filter on it.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import pandas as pd
    >>> write_xlsx({"核查结果": pd.DataFrame({"项目": ["=1+1"]})}, "/tmp/x.xlsx")  # doctest: +SKIP
    PosixPath('/tmp/x.xlsx')
    """
    import os

    import pandas as pd

    path = Path(path)
    items = list(sheets.items()) if isinstance(sheets, dict) else list(sheets)
    # written next to the target and moved into place: a failure leaves no half-written workbook
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
    try:
        _write_xlsx(items, tmp, index, layouts or {})
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write_xlsx(items, path: Path, index: bool, layouts: dict) -> None:
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name, frame in items:
            _without_control_characters(frame).to_excel(xl, sheet_name=name, index=index)
            if name in layouts:
                _lay_out(xl.book[name], layouts[name])
        for ws in xl.book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":  # text that openpyxl took for a formula: data, not code
                        cell.data_type = "s"
                    if cell.data_type == "s" and isinstance(cell.value, str) and cell.value.startswith(FORMULA_LEADS):
                        # Excel's own "text" flag: the cell shows the text and stays text when a user edits it
                        cell.quotePrefix = True


def _lay_out(ws, layout: dict) -> None:
    """Column widths, wrapped sentence columns, the header row frozen and a filter over it (openpyxl)."""
    from openpyxl.styles import Alignment

    widths, wrap = layout.get("widths", {}), set(layout.get("wrap", ()))
    for cell in ws[1]:
        name = str(cell.value)
        letter = cell.column_letter
        if name in widths:
            ws.column_dimensions[letter].width = widths[name]
        if name in wrap:
            for (c,) in ws.iter_rows(min_row=2, min_col=cell.column, max_col=cell.column):
                c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    if ws.max_row >= 1 and ws.max_column >= 1:
        ws.auto_filter.ref = ws.dimensions


#: the most characters an Excel cell holds (Excel's specification); a longer text is cut in the workbook
EXCEL_CELL_MAX_CHARS = 32_767
_CUT_MARK = "…（超过 Excel 单元格上限 32,767 个字符，以下已截断）"


def long_texts_cut(frame: "pd.DataFrame") -> tuple["pd.DataFrame", int]:
    """``frame`` with each text cell longer than :data:`EXCEL_CELL_MAX_CHARS` cut to fit (marked as cut),
    and how many were: a CSV cell may be far longer (breaker B31-6: a 200,000-character 项目名称), and the
    writer refuses the whole workbook for one such cell. Arrow text is measured by arrow; a column whose
    buffer is shorter than the limit is not measured at all."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    out, n = frame, 0
    for col in frame.columns:
        values = frame[col]
        if values.dtype != object and str(values.dtype) not in ("string", "str"):
            continue
        chunked = getattr(values.array, "_pa_array", None)
        if chunked is not None:
            if sum(c.nbytes for c in chunked.chunks) <= EXCEL_CELL_MAX_CHARS:
                continue
            longest = pc.max(pc.utf8_length(chunked)).as_py() if pa.types.is_string(chunked.type) or \
                pa.types.is_large_string(chunked.type) else None
            if not longest or longest <= EXCEL_CELL_MAX_CHARS:
                continue
        long = values.astype("string").str.len().fillna(0).to_numpy(dtype=np.int64) > EXCEL_CELL_MAX_CHARS
        if long.any():
            out = frame.copy() if out is frame else out
            keep = EXCEL_CELL_MAX_CHARS - len(_CUT_MARK)
            cut = values[long].astype(str).str.slice(0, keep) + _CUT_MARK
            out[col] = values.astype(object).where(~long, cut)
            n += int(long.sum())
    return out, n


def _without_control_characters(frame):
    """``frame`` with the control characters an XLSX cell cannot hold (NUL, ESC, BEL …; openpyxl refuses
    them) shown as U+FFFD in text cells; the frame itself is not changed."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    out = None
    for col in frame.columns:
        values = frame[col]
        if values.dtype != object and str(values.dtype) not in ("string", "str"):
            continue
        bad = values.map(lambda v: isinstance(v, str) and ILLEGAL_CHARACTERS_RE.search(v) is not None)
        if bad.any():
            out = frame.copy() if out is None else out
            out[col] = values.map(lambda v: ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v)
    return frame if out is None else out
