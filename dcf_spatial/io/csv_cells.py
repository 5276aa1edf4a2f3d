"""How long may a CSV cell be? Python's csv module stops at 131,072 characters with a bare ``_csv.Error``.

A ledger exported from Excel never holds a cell over 32,767 characters (Excel's limit), but a 说明 pasted from a
report, or a quote left open that swallows the lines after it, can make one far longer (breaker B31-6: a 200,000
character 项目名称 stopped the audit and the batch check with a traceback; the desk called it "not the data's
problem"). The limit is raised to :data:`CSV_CELL_MAX_CHARS` once, here; a cell beyond it is refused with a
Chinese error naming the file, the row and the column, and the likely cause.
"""

from __future__ import annotations

import csv

import numpy as np

#: the longest CSV cell read, in characters: 300 times Excel's own limit of 32,767 — anything longer is a
#: broken file (an unclosed quote) or no table
CSV_CELL_MAX_CHARS = 10_000_000
csv.field_size_limit(max(csv.field_size_limit(), CSV_CELL_MAX_CHARS))


def too_long_message(path, row: int, column, length: int | None = None) -> str:
    """The error for a cell over :data:`CSV_CELL_MAX_CHARS` characters at spreadsheet ``row`` of ``column``.

    Examples
    --------
    >>> too_long_message("台账.csv", 9, "项目名称").split("（")[0]
    '台账.csv：第 9 行“项目名称”列的单元格超过 10,000,000 个字符，超出可读取的上限'
    """
    size = f"有 {length:,} 个字符，" if length else "超过 {:,} 个字符，".format(CSV_CELL_MAX_CHARS)
    return (f"{path}：第 {row} 行“{column}”列的单元格{size}超出可读取的上限（{CSV_CELL_MAX_CHARS:,} 个字符；"
            "Excel 的单元格最多 32,767 个字符）。多为该格的引号未闭合，使其后的各行都并入了这一格；"
            "请在 Excel 或文本编辑器中检查该行的引号，或删去该格过长的内容，然后重新上传。")


def _long_field_column(line: str, sep: str) -> int:
    """The 0-based column of the first field of ``line`` over :data:`CSV_CELL_MAX_CHARS` characters,
    counting separators outside double quotes (the csv dialect's quoting, ``""`` inside a quoted field)."""
    column, length, quoted = 0, 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            column, length = column + 1, 0
            continue
        length += 1
        if length > CSV_CELL_MAX_CHARS:
            break
    return column


def parse_head(path, lines: list[str], sep: str) -> list[list[str]]:
    """``csv.reader`` over the first ``lines`` of a file (as read, line ends kept); a cell over the limit
    raises :class:`~dcf_spatial.errors.InputError` naming the file, its row and its column."""
    from ..errors import InputError

    reader = csv.reader(lines, delimiter=sep)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        if "field larger than field limit" not in str(exc):
            raise InputError(f"{path}：第 {reader.line_num} 行无法按分隔符 {sep!r} 解析（{exc}）。"
                             "请检查分隔符与引号是否一致。") from None
        line = reader.line_num
        col = _long_field_column(lines[line - 1], sep)
        header = rows[0] if rows else []
        name = header[col] if col < len(header) and line > 1 else f"第 {col + 1} 列"
        raise InputError(too_long_message(path, line, name)) from None
    return rows


def refuse_long_cells(df, lines, path) -> None:
    """Refuse a table read by pandas (whose C reader has no such limit) with a text cell over the limit,
    naming its row (``lines``: the spreadsheet row of each record) and column. Only a file larger than
    the limit can hold such a cell: others are not looked at."""
    import pandas as pd

    from ..errors import InputError

    for c in df.columns:
        values = df[c]
        if values.dtype.kind in "biufcmM":
            continue
        length = values.astype("string").str.len()
        longest = length.max(skipna=True)
        if longest is not None and longest == longest and longest is not pd.NA and longest > CSV_CELL_MAX_CHARS:
            at = int(np.argmax(length.fillna(0).to_numpy(dtype=np.int64) > CSV_CELL_MAX_CHARS))
            raise InputError(too_long_message(path, int(lines[at]), c, int(length.iloc[at])))
