"""The idle audit runs its rules once per distinct rule input and expands the text by a take (issue 13,
goal 2: bounded memory at 10⁶ parcels). Its columns must equal the rules run on every row, bad rows
included, and every input row must keep its own status.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from dcf_spatial import sample
from dcf_spatial.land import idle_audit
from dcf_spatial.land.parcels import validate_parcels

from test_idle_audit import parcel_frame

NEW_COLUMNS = ("status", "status_zh", "reason_zh", "fee_wan", "count_from", "deadline_1y", "deadline_2y",
               "developed_share", "invested_share", "missing_fields", "determined", "next_step_zh", "extension_flag",
               "cause_kind")


@pytest.fixture(scope="module")
def parcels():
    """A few thousand generated parcels (bad dates and codes among them), each repeated, plus rows the
    sample lacks: causes of both Art. 8 paragraphs, extensions with and without a cause, 认定书 dates,
    placeholder and blank fields, a row without geometry."""
    g = sample.generate_parcels(1500, seed=7)
    tiled = pd.concat([g, g.iloc[:700]], ignore_index=True)  # repeated inputs: the groups hold several rows
    tiled["parcel_id"] = [f"P{i:05d}" for i in range(len(tiled))]
    n = len(tiled)
    rng = np.random.default_rng(7)
    pick = rng.choice(n, 300, replace=False)
    tiled.loc[pick[:40], "gov_cause"] = "1"
    tiled.loc[pick[40:70], "gov_cause"] = "不可抗力（暴雨）"
    tiled.loc[pick[70:90], "gov_cause"] = "否"
    tiled.loc[pick[90:130], "extension_until"] = "2024-05-01"
    tiled.loc[pick[130:150], "determination_date"] = "2025-06-30"
    tiled.loc[pick[150:160], "determination_date"] = "2026-06-30"  # after the audit date
    tiled.loc[pick[160:180], "agreed_start"] = ""
    tiled.loc[pick[180:190], "agreed_start"] = "2021-13-01"  # no such month
    tiled.loc[pick[190:200], "land_use_code"] = "9999"
    tiled.loc[pick[200:210], "actual_start"] = "某日"
    tiled.loc[pick[210:230], "land_use_code"] = "0101"  # 水田: not construction land
    tiled.loc[pick[230:240], "developed_area_m2"] = np.nan
    tiled.loc[pick[240:250], "total_investment_wan"] = 0.0
    tiled.loc[pick[250:260], "land_price_wan"] = np.nan
    gdf = gpd.GeoDataFrame(tiled, geometry="geometry", crs=g.crs)
    gdf.loc[pick[260], "geometry"] = None
    return validate_parcels(gdf, source="(test)")


@pytest.mark.parametrize("expand_below", [1.0, 0.5])  # once per distinct input, expanded; on every row
@pytest.mark.parametrize("chunk_rows", [50_000, 250])  # one slice; several (the last one short)
@pytest.mark.parametrize("threads", [1, 2])  # the slices in turn; shared by two threads
def test_columns_equal_the_rules_run_on_every_row(parcels, chunk_rows, expand_below, threads, monkeypatch):
    monkeypatch.setattr(idle_audit, "RULE_CHUNK_ROWS", chunk_rows)
    monkeypatch.setattr(idle_audit, "RULE_THREADS", threads)
    monkeypatch.setattr(idle_audit, "EXPAND_BELOW", expand_below)
    as_of = idle_audit.parse_as_of("2025-12-31")
    seen = []  # the rows the rules ran on
    real_rules = idle_audit._audit_rows
    monkeypatch.setattr(idle_audit, "_audit_rows", lambda df, **kw: seen.append(len(df)) or real_rules(df, **kw))
    out = idle_audit.audit_idle(parcels, as_of=as_of)
    monkeypatch.setattr(idle_audit, "_audit_rows", real_rules)
    rules = idle_audit.load_rules()
    group, first = idle_audit._distinct_inputs(parcels)
    assert len(parcels) * 0.5 < len(first) < len(parcels)  # repeated rows share a group, most rows distinct
    # below the share: the grouped path (once per distinct input); above: every row
    assert sum(seen) == (len(first) if expand_below == 1.0 else len(parcels))
    every_row = idle_audit._audit_rows(parcels, as_of=as_of, rules=rules)  # no grouping: one pass per row
    for col in NEW_COLUMNS:
        expected = pd.Series(np.asarray(every_row[col]), index=parcels.index, name=col)
        got = out[col]
        if isinstance(got.dtype, pd.CategoricalDtype):
            got = got.astype(expected.dtype)  # the reasons' text, as the rules wrote it
        pd.testing.assert_series_equal(got, expected, check_dtype=False, check_names=False, obj=col)
    # the status codes and labels: pandas' default text dtype (arrow-backed on pandas 3); the other
    # few-valued texts are categories (their values compared above)
    for col in ("status", "status_zh"):
        assert out[col].dtype == pd.Series(["正常"]).dtype, col
    for col in idle_audit.CATEGORY_COLUMNS:
        assert isinstance(out[col].dtype, pd.CategoricalDtype), col
    # the reasons: one category per distinct text, the rows holding codes
    assert isinstance(out["reason_zh"].dtype, pd.CategoricalDtype)
    assert len(out["reason_zh"].cat.categories) == out["reason_zh"].nunique() < len(out)


def test_every_input_row_keeps_its_own_status(parcels):
    out = idle_audit.audit_idle(parcels, as_of="2025-12-31")
    assert len(out) == len(parcels)
    assert out.index.equals(parcels.index)
    assert (out["parcel_id"].to_numpy() == parcels["parcel_id"].to_numpy()).all()
    assert set(out["status"]) <= set(idle_audit.STATUS_ZH)
    assert (out["status"] != "").all() and (out["reason_zh"] != "").all()
    statuses = set(out["status"])
    assert {"idle", "excused", "insufficient_data", "not_applicable", "normal"} <= statuses


def test_parcels_alike_but_for_their_area_are_judged_on_their_own_share():
    # 《闲置土地处置办法》第二条第二款: started, stopped a full year, and the developed area under one third
    # of the area to be developed (here the parcel's own area: none recorded) — 也可以认定为闲置土地.
    # The same 9,000 m² developed is 30 % of a 30,000 m² parcel (under a third) but 60 % of a 15,000 m²
    # one; invested 50 % (not under 25 %) in both. Grouping the rows must not merge them.
    row = {"agreed_start": "2019-01-01", "actual_start": "2019-06-01", "stopped_since": "2023-01-01",
           "developed_area_m2": 9_000.0, "total_investment_wan": 100.0, "invested_wan": 50.0}
    big, small = parcel_frame([row, row]), parcel_frame([row], size=(300.0, 50.0))
    small["parcel_id"] = "S000"
    frame = gpd.GeoDataFrame(pd.concat([big, small], ignore_index=True), geometry="geometry", crs=big.crs)
    out = idle_audit.audit_idle(validate_parcels(frame), as_of="2024-06-01")
    assert out["status"].tolist() == ["idle_underdeveloped", "idle_underdeveloped", "normal"]
    assert out["developed_share"].round(3).tolist() == [0.3, 0.3, 0.6]
    assert "30.0%" in out["reason_zh"].iloc[0] and "60.0%" in out["reason_zh"].iloc[2]


def test_no_rows():
    empty = validate_parcels(parcel_frame([{"agreed_start": "2020-01-01"}]).iloc[:0])
    out = idle_audit.audit_idle(empty, as_of="2025-12-31")
    assert len(out) == 0 and "status" in out.columns


def test_the_grouping_key_holds_every_field_the_rules_read():
    # a field read by the rules but left out of the key would give a row its group's first row's answer
    import inspect
    import re

    src = inspect.getsource(idle_audit._audit_rows)
    read = set(re.findall(r'df\["([a-z_0-9]+)"\]', src)) | set(re.findall(r'(?:dates|numbers)\("([a-z_0-9]+)"\)', src))
    assert read, "the pattern no longer finds the fields: update this test"
    assert read - {"area_m2"} <= set(idle_audit._RULE_INPUTS), read - set(idle_audit._RULE_INPUTS)


def test_slices_factorised_one_by_one_equal_the_whole_column():
    import pyarrow as pa

    rng = np.random.default_rng(3)
    words = np.array(["甲", "乙", "", "丙丁", "x"], dtype=object)
    slices = [words[rng.integers(0, len(words), size)] for size in (7, 1, 30, 12)]
    whole_codes, whole_uniq = pd.factorize(np.concatenate(slices))
    codes, uniq = idle_audit._factorize_slices([pa.array(s, type=pa.large_string()) for s in slices])
    assert codes.tolist() == whole_codes.tolist()
    assert uniq.tolist() == list(whole_uniq)  # the same order: first use over the whole column


def test_figures_in_the_reasons_read_as_python_formats_them():
    # the fee (万元, two decimals) and the shares (one decimal, %) are formatted by numpy and arrow;
    # each must be the text of Python's own "%.2f" / "%.1f%%": halves (0.125, 2.675, 1.005),
    # negative zero, NaN ("（未知）"), infinities, huge and tiny values included
    rng = np.random.default_rng(11)
    v = np.concatenate([rng.random(20000) * 10.0 ** rng.integers(-4, 9, 20000), np.arange(0, 20, 0.005),
                        np.round(rng.random(5000) * 1000, 3),
                        [np.nan, 0.0, -0.0, -1.234, 0.125, 0.375, 1.005, 2.675, 0.045, 0.05, 0.15, 0.25, 1e20,
                         np.inf, -np.inf, 4503599627370495.5, 1e-12]])
    for decimals in (1, 2):
        fmt = f"%.{decimals}f"
        assert idle_audit._fixed(v, decimals).to_pylist() == ["（未知）" if x != x else fmt % x for x in v]
    assert idle_audit._pct(np.array([0.3, 1 / 3, 0.25, np.nan])).to_pylist() == ["30.0%", "33.3%", "25.0%", "（未知）"]


def test_category_columns_factorised_in_threads_keep_their_place_and_first_use_order():
    # issue 13, goal 2: the reasons' factorisation runs in threads beside the other columns; the frame
    # gets each column in the rules' order, the categories in order of first use across the slices
    import pyarrow as pa
    from concurrent.futures import ThreadPoolExecutor

    parts = {"status": [pa.array(["idle", "normal"], type=pa.large_string()), pa.array(["idle"], type=pa.large_string())],
             "reason_zh": [pa.array(["乙", "甲"], type=pa.large_string()), pa.array(["乙"], type=pa.large_string())],
             "fee_wan": [np.array([1.0, 0.0]), np.array([2.0])],
             "cause_kind": [pa.array([None, "政府"], type=pa.large_string()), pa.array(["政府"], type=pa.large_string())]}
    out = pd.DataFrame({"parcel_id": ["A", "B", "C"]})
    with ThreadPoolExecutor(2) as pool:
        futures = {c: pool.submit(idle_audit._factorize_slices, parts[c]) for c in ("reason_zh", "cause_kind")}
        idle_audit._columns_into(out, parts, futures, None)
    assert list(out.columns) == ["parcel_id", "status", "reason_zh", "fee_wan", "cause_kind"] and not parts
    assert out["reason_zh"].cat.categories.tolist() == ["乙", "甲"] and out["reason_zh"].tolist() == ["乙", "甲", "乙"]
    assert out["cause_kind"].isna().tolist() == [True, False, False] and out["cause_kind"].cat.categories.tolist() == ["政府"]
    assert out["status"].tolist() == ["idle", "normal", "idle"] and out["fee_wan"].tolist() == [1.0, 0.0, 2.0]
