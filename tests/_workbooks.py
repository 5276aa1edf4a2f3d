"""Test helpers: workbooks as offices send them — several sheets, some hidden, or every one hidden."""

from __future__ import annotations

import zipfile
from pathlib import Path


def write_book(path, sheets: dict, hidden=(), very_hidden=()) -> Path:
    """A workbook of ``{name: rows}`` in order at ``path``; ``hidden`` / ``very_hidden`` name hidden sheets."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        if name in hidden:
            ws.sheet_state = "hidden"
        if name in very_hidden:
            ws.sheet_state = "veryHidden"
    wb.save(path)
    return Path(path)


def hide_every_sheet(made, path) -> Path:
    """``made`` copied to ``path`` with every visible sheet hidden: openpyxl will not write a workbook without
    a visible sheet; Excel (and a hand-edited file) does."""
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "xl/workbook.xml":
                data = data.replace(b'state="visible"', b'state="hidden"')
            dst.writestr(name, data)
    return Path(path)
