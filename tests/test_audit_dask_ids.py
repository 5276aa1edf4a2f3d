"""The dask engine's first pass: ids normalised in Arrow as the single engine normalises them
(``parcels._blank_to_na``: blanks stripped; empty, "nan", "None" … missing), and the duplicated ids
found across partitions with the positions of their rows in each partition."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dcf_spatial.land.dask.engine import _clean_ids_arrow, _duplicate_positions
from dcf_spatial.land.parcels import _blank_to_na


@pytest.mark.parametrize("values", [
    ["P-1", "P-2", "", "nan", "None", None, "P-1", "<NA>", "NaT", "NaN", "甲 乙"],
    ["东昌府-001", "x", "x"],
])
def test_arrow_ids_equal_the_single_engines(values):
    got = _clean_ids_arrow(pa.chunked_array([pa.array(values[:3], type=pa.string()),
                                             pa.array(values[3:], type=pa.string())]))
    assert got is not None
    assert got.to_pylist() == _blank_to_na(pd.Series(values, dtype=object)).tolist()


@pytest.mark.parametrize("values", [["P-1 "], [" P-1"], ["P-1\u3000"], ["\x1fP"], ["P\n"]])
def test_ids_with_blanks_at_either_end_take_the_general_path(values):
    # Python's str.strip removes these (U+3000 ideographic space, U+001F, newline): not the shortcut
    assert _clean_ids_arrow(pa.chunked_array([pa.array(values, type=pa.string())])) is None
    assert _clean_ids_arrow(pa.chunked_array([pa.array([1, 2])])) is None  # numbers: the general path


def test_duplicates_across_partitions_and_their_rows():
    keys = [(3, pa.array(["a", "b", None])), (2, pa.array(["c", "a"])), (3, pa.array([None, "d", "c"])),
            (1, pa.array(["e"]))]
    dup_ids, positions = _duplicate_positions(keys)
    assert dup_ids == frozenset({"a", "c"})  # two missing ids are no duplicate
    assert [None if p is None else p.tolist() for p in positions] == [[0], [0, 1], [2], None]
    assert _duplicate_positions([(2, pa.array(["a", "b"]))]) == (frozenset(), [None])
    assert isinstance(_duplicate_positions(keys)[1][1], np.ndarray)
