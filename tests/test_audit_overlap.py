"""Issue 13 (goal 2): the single-process idle audit runs independent steps two at a time (the
reprojection beside the field checks, the zone join beside the rules) and pauses the garbage
collector while it runs. The answers must be those of the steps one after the other, an error in
the second thread must reach the caller, and the collector must be running again afterwards."""

from __future__ import annotations

import gc

import pandas as pd
import pytest

from dcf_spatial._memory import gc_paused
from dcf_spatial.land import audit_idle, idle_audit, zones as zones_mod
from dcf_spatial.land.parcels import validate_parcels
from dcf_spatial.land.zones import join_zones, zone_layers

from test_idle_audit import make_land_store, parcel_frame

ROWS = [{"agreed_start": "2020-01-01"}, {"agreed_start": "2020-01-01", "parcel_id": "T000"},
        {"agreed_start": "2024-01-01"}, {"agreed_start": None}, {"agreed_start": "bad"},
        {"agreed_start": "2022-06-01", "land_price_wan": 500.0}]


def test_the_overlapped_audit_equals_the_steps_one_after_the_other(tmp_path):
    store = make_land_store(tmp_path / "store.gpkg")
    parcels = parcel_frame(ROWS).to_crs(4490)  # degrees: the reprojection has work to do
    data = validate_parcels(parcels)
    expected = idle_audit.audit_idle(data, as_of="2024-06-01")
    expected_zones = join_zones(data, store=store)
    res = audit_idle(parcels, as_of="2024-06-01", store=store)
    got = res.frame
    assert len(got) == len(ROWS)
    for c in ("status", "status_zh", "reason_zh", "next_step_zh", "fee_wan", "area_m2", "problems"):
        assert _values(got[c]) == _values(expected[c]), c
    for c in expected_zones.columns:
        assert _values(got[c]) == _values(expected_zones[c]), c


def _values(s: pd.Series) -> list:
    """The values as Python objects, every kind of missing as None (NaN != NaN)."""
    return [None if pd.isna(v) else v for v in s.astype(object)]


def test_zone_layers_read_beforehand_give_the_same_join(tmp_path):
    store = make_land_store(tmp_path / "store.gpkg")
    data = validate_parcels(parcel_frame(ROWS))
    layers = zone_layers(store=store)
    with_layers = join_zones(data, store=store, layers=layers)
    pd.testing.assert_frame_equal(with_layers, join_zones(data, store=store))
    assert with_layers.attrs["layers_used"] and with_layers.attrs["layers_used"] == layers[1]
    join_zones(data, store=store, layers=layers)
    assert len(layers[1]) == len(with_layers.attrs["layers_used"])  # the caller's lists are not extended


def test_an_error_in_the_zone_join_thread_reaches_the_caller(tmp_path, monkeypatch):
    store = make_land_store(tmp_path / "store.gpkg")

    def broken(*a, **k):
        raise RuntimeError("zone join failed")

    monkeypatch.setattr(zones_mod, "assign_largest_share", broken)
    with pytest.raises(RuntimeError, match="zone join failed"):
        audit_idle(parcel_frame(ROWS), as_of="2024-06-01", store=store)
    assert gc.isenabled()


def test_the_collector_runs_again_after_the_audit_and_after_an_error(tmp_path, monkeypatch):
    store = make_land_store(tmp_path / "store.gpkg")
    assert gc.isenabled()
    seen = []
    real = idle_audit.audit_idle

    def spy(*a, **k):
        seen.append(gc.isenabled())
        return real(*a, **k)

    monkeypatch.setattr(idle_audit, "audit_idle", spy)
    audit_idle(parcel_frame(ROWS), as_of="2024-06-01", store=store)
    assert seen == [False] and gc.isenabled()
    with pytest.raises(ValueError):
        with gc_paused():
            raise ValueError("x")
    assert gc.isenabled()


def test_a_paused_collector_stays_paused_after_a_nested_pause():
    gc.disable()
    try:
        with gc_paused():
            with gc_paused():
                assert not gc.isenabled()
        assert not gc.isenabled()  # only the block that disabled it re-enables it
    finally:
        gc.enable()


@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", "object", "category", "large"])
def test_status_codes_are_the_positions_in_status_order_whatever_holds_the_text(dtype):
    import numpy as np
    import pyarrow as pa

    values = [*idle_audit.STATUS_ORDER, None, "unknown", "", "normal"]
    if dtype == "large":  # arrow large_string in two chunks, as the audit builds its text columns
        series = pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array(
            [pa.array(values[:5], pa.large_string()), pa.array(values[5:], pa.large_string())])))
    else:
        series = pd.Series(values, dtype=dtype)
    expected = list(range(len(idle_audit.STATUS_ORDER))) + [-1, -1, -1, idle_audit.STATUS_ORDER.index("normal")]
    assert idle_audit.status_codes(series).tolist() == expected
    assert idle_audit.status_codes(np.asarray(values, dtype=object)).tolist() == expected
