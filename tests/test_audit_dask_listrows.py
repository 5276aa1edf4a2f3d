"""The dask idle workbook's capped lists merged partition by partition (``ListRows``) pick the same rows,
in the same order, as the single engine's rule applied to the whole input (``outputs.pick_list_rows``:
rows needing action or checking, most urgent status first, larger parcels first, ties in input order;
the 问题记录 sheet: the first rows with a data problem or ``insufficient_data``)."""

import numpy as np
import pandas as pd
import pytest

from dcf_spatial.land import outputs
from dcf_spatial.land.dask.engine import LIST_PROBLEM, LIST_REJECTED, ListRows, _partition_summary
from dcf_spatial.land.idle_audit import STATUS_ORDER


def _audited(n, seed):
    rng = np.random.default_rng(seed)
    status = rng.choice(STATUS_ORDER, size=n)
    problems = np.where(rng.random(n) < 0.15, "重复宗地代码", "")
    area = np.round(rng.choice([1.0, 2.5, 7.0, 12.0], size=n), 2)  # few values: many ties, broken by input row
    return pd.DataFrame({"row": np.arange(1, n + 1), "parcel_id": [f"P{i}" for i in range(n)], "status": status,
                         "problems": problems, "area_mu": area, "fee_wan": 0.0})


def _expected(whole, max_rows):
    has_problem = (whole["problems"] != "").to_numpy()
    pos, need = outputs.pick_list_rows(whole["status"], has_problem, whole["area_mu"].to_numpy(), max_rows=max_rows)
    rejected = whole[outputs.rejected_rows(whole)]
    return whole.iloc[pos]["row"].tolist(), rejected["row"].iloc[:max_rows].tolist(), need, len(rejected)


@pytest.mark.parametrize("max_rows", [7, 40, 10_000])
def test_merged_lists_equal_the_whole_inputs_pick(max_rows):
    whole = _audited(600, seed=max_rows)
    bounds = [0, 50, 51, 200, 333, 600]  # uneven partitions, one of a single row
    merged = ListRows(max_rows, n_total=len(whole))
    # partitions finish in any order: here the last first
    for a, b in reversed(list(zip(bounds[:-1], bounds[1:]))):
        part = whole.iloc[a:b].reset_index(drop=True)
        summary = _partition_summary(part, "part.parquet", True, False, max_rows, len(whole) <= max_rows)
        assert len(summary["list_rows"]) <= 2 * max_rows  # a partition sends at most its own candidates
        merged.add(summary)
        assert "list_rows" not in summary
        assert merged.held <= 3 * max_rows + (b - a)  # the client keeps a bounded number of rows
    listed, rejected, need, n_rejected = merged.lists()
    want_listed, want_rejected, want_need, want_n_rejected = _expected(whole, max_rows)
    if len(whole) <= max_rows:
        want_listed = whole["row"].tolist()  # small input: every parcel is listed
    assert listed["row"].tolist() == want_listed
    assert rejected["row"].tolist() == want_rejected
    assert (need, n_rejected) == (want_need, want_n_rejected)
    assert LIST_PROBLEM not in listed.columns and LIST_REJECTED not in rejected.columns
    # the list columns travel with the rows
    assert listed["parcel_id"].tolist() == [f"P{r - 1}" for r in want_listed]
