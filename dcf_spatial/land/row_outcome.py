"""Set the outcome of audited rows after the rules ran: a status set aside, its figures and deadlines cleared.

Used by :mod:`~dcf_spatial.land.idle_audit` and the statuses decided after it (:mod:`~dcf_spatial.land.supplied_after`),
apart so that neither imports the other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def put_rows(out, col: str, rows: np.ndarray, values) -> None:
    """Set ``out[col]`` at positions ``rows`` (a category column gains the new texts as categories)."""
    s = out[col].copy()
    if isinstance(s.dtype, pd.CategoricalDtype):
        extra = [v for v in dict.fromkeys(values) if v not in s.cat.categories]
        if extra:
            s = s.cat.add_categories(extra)
    s.iloc[rows] = values
    out[col] = s


def clear_outcome(out, rows, figures) -> None:
    """The ``rows`` of ``out`` get no figure (``figures``: NaN), no determination and no dates to count
    from or deadlines (NaT): for rows whose status was set aside after the rules ran. In place."""
    for col in figures:
        if col in out.columns:
            v = out[col].to_numpy(dtype=float).copy()
            v[rows] = np.nan
            out[col] = v
    if "determined" in out.columns:
        det = out["determined"].to_numpy(dtype=bool).copy()
        det[rows] = False
        out["determined"] = det
    for col in ("count_from", "deadline_1y", "deadline_2y"):
        if col in out.columns:
            v = out[col].to_numpy(copy=True)
            v[rows] = np.datetime64("NaT")
            out[col] = v


def add_problems(out, rows: np.ndarray, texts) -> None:
    """Add ``texts`` (one per row of ``rows``, in their order) to those rows' 数据问题 (``problems``), after what is
    there, by :func:`~dcf_spatial.land.parcels._append_problem`; an empty or missing cell takes the text alone."""
    from .parcels import _append_problem

    problems = out["problems"].astype(object).to_numpy().copy()
    problems[rows] = [p if isinstance(p, str) else "" for p in problems[rows]]
    mask = np.zeros(len(problems), dtype=bool)
    mask[rows] = True
    _append_problem(problems, mask, lambda _: np.asarray(texts, dtype=object))
    out["problems"] = problems
