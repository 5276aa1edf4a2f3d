"""The parcel checks' arrow path for text read by arrow gives the values of the Python path.

Issue 13 goal 2: at 10⁶ parcels the ids, holders, causes and credit codes are cleaned in arrow (no
Python string per row). These cases hold every kind of blank Python's ``str.strip`` removes, the
blank spellings read as missing, and the 未开工 words, and compare the two paths value by value.
"""

import numpy as np
import pandas as pd
import pytest

from dcf_spatial.land.parcels import (NOT_YET_TEXTS, _as_text, _blank_to_na, _clean_text, _PY_WHITESPACE,
                                      _said_not_yet)

CASES = ["SYN-1", " SYN-2 ", None, "nan", "None", "<NA>", "NaT", "", "   ", "\u3000合成企业\u3000", "x\x1c", "\x85y",
         "\u200bz", "a\u00a0", "未开工", " 尚未开工\u3000", "未", "否 ", "2021-02-01", "\t\n"]


def test_whitespace_set_is_pythons():
    assert set(_PY_WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


@pytest.mark.parametrize("repeat", [1, 700])
def test_clean_text_arrow_equals_python_path(repeat):
    values = CASES * repeat
    arrow = pd.Series(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    python = pd.Series(values, dtype=object)
    got = _clean_text(arrow)
    want = _as_text(_blank_to_na(python))
    assert got.dtype == want.dtype
    pd.testing.assert_series_equal(got, want)
    # the blanks are missing, the rest stripped as str.strip() does
    first = got.iloc[:len(CASES)].tolist()
    assert first[1] == "SYN-2" and first[9] == "合成企业" and first[10] == "x" and first[11] == "y"
    assert first[12] == "\u200bz"  # a zero-width space is not whitespace to Python: kept
    assert all(v != v for v in first[2:9]) and first[19] != first[19]


def test_clean_text_keeps_index_and_passes_text_through_as_text():
    s = pd.Series([" a", "b "], index=[10, 3], dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    got = _clean_text(s)
    assert got.index.tolist() == [10, 3] and got.tolist() == ["a", "b"]
    assert _as_text(got) is got


def test_said_not_yet_arrow_equals_python_path():
    values = CASES * 3
    arrow = pd.Series(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    want = (_blank_to_na(pd.Series(values, dtype=object)).astype("string").str.strip().isin(NOT_YET_TEXTS)
            .fillna(False).to_numpy(dtype=bool))
    got = _said_not_yet(arrow)
    assert got.dtype == bool and (got == want).all()
    assert got[:len(CASES)].tolist().count(True) == 4  # 未开工, 尚未开工, 未, 否
