"""The changes that brought the 10⁶-parcel idle audit's memory peak down must not change any answer:
each is checked against the plain way it replaced (block-wise credit codes vs stdnum, dates and
category texts through arrow vs pandas' strftime/astype, the status table on codes vs on texts,
duplicate ids from one factorisation vs ``duplicated``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dcf_spatial import _memory
from dcf_spatial.land import codes, outputs


def test_credit_codes_checked_in_blocks_agree_with_stdnum(monkeypatch):
    # GB 32100-2015 as stdnum implements it; blocks of 7 so that the 300+ codes span many blocks
    # and a partial last block
    from stdnum.cn import uscc

    monkeypatch.setattr(codes, "_USCC_BLOCK", 7)
    rng = np.random.default_rng(11)
    alphabet = list("0123456789ABCDEFGHJKLMNPQRTUWXY")
    good = [codes.make_credit_code("371502", "".join(rng.choice(alphabet, 8))) for _ in range(150)]
    mutated = [g[:k] + rng.choice(alphabet) + g[k + 1:] for g in good for k in [int(rng.integers(0, 18))]]
    odd = ["91371502YY000123ZX", "ZZZZZZZZZZZZZZZZZZ", "913715O2YY0001230X", ""]
    values = good + mutated + odd
    for series in (pd.Series(values, dtype=object), pd.Series(values, dtype="str")):
        ours = codes.credit_code_valid(series).fillna(False).tolist()
        assert ours == [uscc.is_valid(v) for v in values]
    assert sum(uscc.is_valid(v) for v in values) >= 150


@pytest.mark.parametrize("dates", [
    pd.to_datetime(["2020-01-02", None, "2021-12-31 13:00"], format="mixed"),
    pd.Series(np.array(["2019-03-01", "NaT", "9999-12-31"], dtype="datetime64[s]")),
    pd.to_datetime(["2020-01-02 23:30", None]).tz_localize("Asia/Shanghai"),
    pd.to_datetime([None, None]),
])
def test_workbook_dates_as_strftime_writes_them(dates):
    s = pd.Series(dates)
    assert outputs._date_text(s).tolist() == s.dt.strftime("%Y-%m-%d").fillna("").tolist()


def test_workbook_category_text_as_astype_gives_it():
    s = pd.Series(pd.Categorical(["逾期未动工", None, "正常", "逾期未动工"], categories=["正常", "逾期未动工", "未用"]))
    ours = outputs._category_text(s)
    assert list(ours) == ["逾期未动工", pd.NA, "正常", "逾期未动工"]
    assert ours.equals(pd.array(s.astype(object), dtype=pd.StringDtype("pyarrow")))


def test_status_table_groups_labels_in_text_order():
    a = pd.DataFrame({"status": ["idle", "idle", "normal", "idle", "normal"],
                      "status_zh": pd.array(["认定闲置", "疑似闲置", "正常", "认定闲置", None], dtype="str"),
                      "area_mu": [1.0, 2.0, 3.0, 0.5, 4.0], "fee_wan": [3.0, 4.0, np.nan, 1.0, 2.0],
                      "in_totals": [True, True, True, False, True]})
    t = outputs.status_table(a)
    # the repeat (in_totals False) is not counted; an empty label is its own group, sorted first
    assert list(t.index) == ["", "正常", "疑似闲置", "认定闲置"]
    assert t["count"].tolist() == [1, 1, 1, 1]
    assert t["area_mu"].tolist() == [4.0, 3.0, 2.0, 1.0]
    assert t["fee_wan"].tolist() == [2.0, 0.0, 4.0, 3.0]


def test_duplicate_ids_marked_as_duplicated_marks_them():
    # 《闲置土地处置办法》 counts a parcel once: rows repeating an id stay listed; only the first counts
    import geopandas as gpd
    import shapely

    from dcf_spatial.land.parcels import validate_parcels

    ids = ["A", "b", "0007", "7", "B", None, "C", "a"]
    g = gpd.GeoDataFrame({"parcel_id": ids, "agreed_start": ["2020-01-01"] * 8, "actual_start": [None] * 8,
                          "land_use_code": ["0601"] * 8},
                         geometry=[shapely.box(409000 + 200 * i, 4035000, 409100 + 200 * i, 4035100) for i in range(8)],
                         crs=4548)
    v = validate_parcels(g)
    assert v["duplicate_id"].tolist() == [True, True, True, True, True, False, False, True]
    assert v["in_totals"].tolist() == [True, True, True, False, False, True, True, False]


def test_large_blocks_returned_on_glibc():
    import platform
    import sys

    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt is glibc's")
    assert _memory.large_blocks_returned() is True
