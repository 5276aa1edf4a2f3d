"""The single engine's zone join shares its kinds with the main thread (single._SharedKinds): the
zones must be those of the join run alone, whichever thread computed each kind, and an error in a
kind must reach the join's caller, not hang it."""
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from dcf_spatial import sample
from dcf_spatial.land import single, zones
from dcf_spatial.land.parcels import working_geometry


@pytest.fixture(scope="module")
def parcels():
    return sample.generate_parcels(600, seed=3)


def _shared_join(parcels, layers):
    shared = single._SharedKinds(layers[0])
    work = working_geometry(parcels)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(zones.join_zones, parcels, working=work, layers=layers, threads=False,
                              assign=shared.assign)
        shared.help(pending)  # as the audit's main thread: the kinds the join thread has not started
        return pending.result()


def test_shared_join_equals_join_alone(parcels):
    layers = zones.zone_layers()
    alone = zones.join_zones(parcels, layers=layers, threads=False)
    shared = _shared_join(parcels, layers)
    assert list(shared.columns) == list(alone.columns)
    pd.testing.assert_frame_equal(shared, alone)
    assert alone["township_zh"].notna().any()  # the sample lies in the district: zones were found


def test_error_in_a_kind_reaches_the_join(parcels, monkeypatch):
    layers = zones.zone_layers()

    def broken(work, z):
        raise RuntimeError("kind failed")

    monkeypatch.setattr(zones, "assign_largest_share", broken)
    with pytest.raises(RuntimeError, match="kind failed"):
        _shared_join(parcels, layers)
