"""The synthetic sample district: labelled, seeded, inside the zones, meeting every audit status."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import rasterio
import shapely

from dcf_spatial import sample

from dcf_spatial.store import catalog
from dcf_spatial.errors import InputError
from dcf_spatial.land import codes
from dcf_spatial.land.idle_audit import STATUS_ORDER, audit_idle
from dcf_spatial.land.parcels import validate_parcels
from test_idle_audit import make_land_store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return make_land_store(tmp_path_factory.mktemp("store") / "store.gpkg")


@pytest.fixture(scope="module")
def parcels(store):
    return sample.generate_parcels(800, seed=7, store=store)


def test_labelled_synthetic_everywhere(parcels):
    assert len(parcels) == 800
    assert parcels["synthetic"].all()
    assert parcels["parcel_id"].str.startswith("SYN-").all()
    assert parcels["holder"].str.contains("合成企业").all() and parcels["holder"].str.contains("样例").all()
    assert (parcels["data_note"].str.contains("合成数据")).all()
    valid = codes.credit_code_valid(parcels["credit_code"])
    assert valid.all()
    assert parcels["credit_code"].str[8:10].eq("YY").all()  # the visible synthetic marker


def test_seeded(store, parcels):
    again = sample.generate_parcels(800, seed=7, store=store)
    pd.testing.assert_frame_equal(pd.DataFrame(again.drop(columns="geometry")), pd.DataFrame(parcels.drop(columns="geometry")))
    assert again.geometry.equals(parcels.geometry)
    other = sample.generate_parcels(800, seed=8, store=store)
    assert not other["agreed_start"].equals(parcels["agreed_start"])


def test_inside_the_planning_area_mostly_in_clusters(store, parcels):
    area = catalog.read_layer("planning_area", store=store).geometry.union_all()
    clusters = catalog.read_layer("industrial_clusters", store=store).geometry.union_all()
    centres = parcels.geometry.centroid
    assert shapely.contains(area, centres.values).all()
    share_in = shapely.contains(clusters, centres.values).mean()
    assert 0.6 < share_in < 0.8
    assert parcels.crs.to_epsg() == 4490


def test_parcels_do_not_overlap_much(parcels):
    work = parcels.to_crs(4548)
    tree = shapely.STRtree(work.geometry.values)
    a, b = tree.query(work.geometry.values, predicate="intersects")
    pairs = a < b
    overlap = shapely.area(shapely.intersection(work.geometry.values[a[pairs]], work.geometry.values[b[pairs]])).sum()
    assert overlap < 0.02 * work.geometry.area.sum()


def test_every_audit_status_is_met(parcels):
    audited = audit_idle(validate_parcels(parcels), as_of=sample.SAMPLE_AS_OF)
    # every conclusion a parcel can get; ``not_a_parcel`` is a ledger's 合计 row or footer, not a parcel
    # (the sample's parcels have no such lines: tests/test_idle_ledger_lines.py); ``supplied_after`` needs a
    # 合同签订日期, which the sample does not carry (tests/test_idle_contract_after_as_of.py)
    assert "contract_date" not in parcels.columns
    assert set(audited["status"]) == set(STATUS_ORDER) - {"not_a_parcel", "supplied_after"}
    assert audited["duplicate_id"].any()
    assert (audited["problems"] != "").sum() >= 3


def test_enterprises_match_holders(parcels):
    ent = sample.generate_enterprises(parcels, seed=7)
    assert set(ent["credit_code"]) == set(parcels["credit_code"])
    assert ent["synthetic"].all() and ent["name"].str.contains("样例").all()
    assert ent["industry_code"].str.match(r"^C\d{2,4}$").all()
    assert ent["land_area_mu"].isna().any()  # some left for the parcels to fill


def test_write_sample_files_and_refuses_overwrite(tmp_path, store):
    files = sample.write_sample(tmp_path / "s", parcels=120, seed=1, store=store)
    back = gpd.read_file(files["parcels"])
    assert len(back) == 120
    ent = pd.read_csv(files["enterprises"], encoding="utf-8-sig")
    assert ent["synthetic"].all()
    assert "合成数据" in open(files["readme"], encoding="utf-8").read()
    with rasterio.open(files["imagery"]) as src:
        assert src.crs.to_epsg() == 4548 and src.tags()["synthetic"] == "true"
        assert set(src.read(1).ravel().tolist()) <= {0, 1}
    with pytest.raises(InputError, match="overwrite"):
        sample.write_sample(tmp_path / "s", parcels=120, seed=1, store=store)


def test_needs_the_layer_store(tmp_path):
    with pytest.raises(InputError, match="layers build"):
        sample.generate_parcels(10, seed=1, store=tmp_path / "missing.gpkg")


def test_sample_carries_the_law_and_county_model_columns(parcels):
    audited = audit_idle(validate_parcels(parcels), as_of=sample.SAMPLE_AS_OF)
    # 令第53号第九条: some idle parcels carry a 认定书 and are determined, the others stay suspected
    idle = audited["status"].isin(["idle", "idle_reclaim"])
    assert audited.loc[idle, "determined"].any() and not audited.loc[idle, "determined"].all()
    assert audited["required_dev_area_m2"].notna().any()
    # the extended parcels are lawful extensions (Art. 12(1)): a cause, at most one year
    ext = audited[audited["scenario"] == "extended"]
    assert (ext["extension_flag"] == "").all() and (ext["status"] == "extended").all()
    assert (audited["cause_kind"] == "force_majeure").any()
    ent = sample.generate_enterprises(parcels, seed=7)
    for col in ("emissions_t", "start_year", "veto"):
        assert col in ent.columns
    assert ent["emissions_t"].gt(0).all() and (ent["start_year"] <= ent["year"]).all()
    pd.testing.assert_frame_equal(ent, sample.generate_enterprises(parcels, seed=7))  # seeded
