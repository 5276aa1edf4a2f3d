"""The register of site checks and recheck (issue 15): record, list, reproduce, recheck.

Checks are recorded in a copy of the default store (GeoPackage) and, when ``DCF_TEST_PG_URL`` is set, in
a fresh PostGIS schema; the cluster boundary is moved with a real ``import`` of the layer.
"""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import affinity

import dcf_spatial as dcf
from dcf_spatial import register, settings
from dcf_spatial.store import catalog

from _stores import STORE_KINDS, new_store

CLUSTER = "cluster.zhengjia"
INDUSTRY = "C3670"  # 汽车零部件及配件制造: designated for 郑家镇工业集聚区 (第八章第一节)


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    loc = new_store(request.param, tmp_path, request)
    if request.param == "gpkg":
        shutil.copy(settings.checkout_store, loc)
    else:
        catalog.copy_store(settings.checkout_store, loc)
    return loc


def _sites(n=50):
    """``n`` points on a line across 郑家镇工业集聚区, from outside its west edge to outside its east edge."""
    zones = dcf.layer("industrial_clusters", store=settings.checkout_store)
    poly = zones.loc[zones["id"] == CLUSTER].geometry.iloc[0]
    x0, y0, x1, y1 = poly.bounds
    y = poly.representative_point().y
    xs = np.linspace(x0 - 0.02, x1 + 0.02, n)
    return gpd.GeoDataFrame({"name": [f"项目{i:02d}" for i in range(n)], "industry": [INDUSTRY] * n,
                             "area_mu": [5.0] * n}, geometry=[shapely.Point(x, y) for x in xs], crs=4490), poly


def _move_cluster(store, tmp_path, dx=0.03, name="moved"):
    """Import industrial_clusters with 郑家镇工业集聚区 moved ``dx``° east; return the moved polygon."""
    gdf = dcf.layer("industrial_clusters", store=store)
    i = gdf.index[gdf["id"] == CLUSTER][0]
    gdf.loc[i, "geometry"] = affinity.translate(gdf.loc[i, "geometry"], xoff=dx)
    f = tmp_path / f"{name}.gpkg"
    gdf.drop(columns=["provenance", "source"]).to_file(f, driver="GPKG")
    dcf.Store(store).import_layer("industrial_clusters", f)
    return gdf.loc[i, "geometry"]


def test_record_50_then_moved_boundary_recheck_lists_exactly_the_flipped(store, tmp_path):
    sites, old_poly = _sites()
    answer = dcf.check_site(sites, store=store, record=True)
    assert len(answer.register_ids) == 50
    recorded = list(answer.verdict)
    listed = register.history(store=store)
    assert len(listed.rows) == 50 and listed.frame["项目名称"].tolist() == sites["name"].tolist()

    new_poly = _move_cluster(store, tmp_path)
    # independently: a fresh check (not recorded, no register code) against the new layers
    fresh = list(dcf.check_site(sites, store=store).verdict)
    expected = {answer.register_ids[i] for i in range(50) if fresh[i] != recorded[i]}
    # only sites whose place in the cluster changed can flip, and some do
    moved = {answer.register_ids[i] for i, p in enumerate(sites.geometry)
             if old_poly.buffer(0.002).contains(p) != new_poly.buffer(0.002).contains(p)
             or old_poly.buffer(0.002).exterior.distance(p) < 0.004 or new_poly.exterior.distance(p) < 0.004}
    assert expected and expected <= moved and len(expected) < 50

    result = register.recheck(store=store)
    assert set(result.flipped) == expected
    flips = result.changes[result.changes["变化"] == "结论变化"]
    assert set(flips["登记号"]) == expected
    assert flips["原因"].str.contains("industrial_clusters").all()
    assert set(result.layer_changes) == {"industrial_clusters"} and not result.file_changes
    out = result.to_table(tmp_path / "changes.xlsx")
    import pandas as pd
    assert set(pd.read_excel(out, sheet_name="变化清单")["登记号"]) >= expected


def test_history_show_reproduces_after_two_imports_and_a_reset(store, tmp_path):
    sites, _ = _sites(8)
    rid = dcf.check_site(sites.geometry.iloc[3], INDUSTRY, area_mu=5.0, store=store, record="汽配项目").register_ids[0]
    original = dcf.check_site(sites.geometry.iloc[3], INDUSTRY, area_mu=5.0, store=store).to_dict()
    _move_cluster(store, tmp_path, 0.03, "a")
    _move_cluster(store, tmp_path, 0.05, "b")
    dcf.Store(store).reset("industrial_clusters")   # back to the first import: the recorded version is in no table
    now = dcf.check_site(sites.geometry.iloc[3], INDUSTRY, area_mu=5.0, store=store).to_dict()
    rep = register.show(rid, store=store)
    assert rep.identical, rep.differences
    recorded = {k: v for k, v in original.items() if k != "read_notes"}
    assert rep.reproduced == json.loads(json.dumps(recorded, ensure_ascii=False))
    assert rep.reproduced["verdict"] == original["verdict"]
    assert now["zones"] != original["zones"]  # the store really moved on


def test_history_filters_and_exports(store, tmp_path):
    sites, _ = _sites(10)
    dcf.check_site(sites, store=store, record=True)
    dcf.check_site(sites.geometry.iloc[5], "轴承", area_mu=5.0, store=store, record="轴承厂")
    h = register.history(store=store)
    assert len(h.rows) == 11
    assert register.history(store=store, project="轴承").rows["project"].tolist() == ["轴承厂"]
    in_cluster = register.history(store=store, zone=CLUSTER)
    assert len(in_cluster.rows) and all(CLUSTER in z for z in in_cluster.rows["zones"])
    fits = register.history(store=store, verdict="符合")
    assert set(fits.rows["verdict"]) <= {"fits"}
    assert len(register.history(store=store, until="2000-01-01").rows) == 0
    with pytest.raises(dcf.InputError):
        register.history(store=store, since="昨天")
    g = gpd.read_file(h.to_table(tmp_path / "h.gpkg"))
    assert len(g) == 11 and g.crs.to_epsg() == 4490
    assert len(h.to_table(tmp_path / "h.xlsx").read_bytes()) > 0
