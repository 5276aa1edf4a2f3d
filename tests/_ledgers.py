"""Test helper: write a 供地台账 (land-supply ledger) as an office saves it from Excel — a CSV in UTF-8 with a
BOM (``utf-8-sig``), a header row then the rows as given (empty strings for empty cells)."""

from __future__ import annotations

import csv
from pathlib import Path


def write_ledger(path, rows, *, header) -> Path:
    """Write ``header`` and ``rows`` to the CSV ``path``; return ``path``.

    Examples
    --------
    >>> from functools import partial
    >>> _ledger = partial(write_ledger, header=["宗地编号", "面积（亩）"])   # a test file's own header
    """
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path
