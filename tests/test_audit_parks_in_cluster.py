"""The land audits count a functional park only inside its cluster, as the site check does.

第八章第一节 divides each industrial cluster into functional parks (“产业园区分区”: 郑家镇工业集聚区 “规划建设轴承保持器
智能制造产业园、汽车零部件产业园、物流产业园”), so a park lies inside its cluster. When a bureau imports a new, smaller
集聚区 boundary and keeps the old parks layer, the site check counts a park only inside its cluster
(tests/test_parks_outside_cluster.py). The idle audit (闲置土地) and the 亩产效益 audit must say the same of the same
spot: a parcel in a park's part outside its cluster is in no park (and outside the cluster), and the workbook's 说明
names the parks cut, with their 亩, and why (第八章第一节). With the shipped layers (parks inside their clusters)
nothing changes.

Every test works on a copy of the shipped store (never the tracked ``layers/dcf_layers.gpkg``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from dcf_spatial import sample, settings
from dcf_spatial.land import audit_efficiency, audit_idle
from dcf_spatial.queries import check_site
from dcf_spatial.store import catalog

from _shipped import shipped
from _stores import STORE_KINDS, new_store
# the bureau's new 郑家镇工业集聚区 (the shipped one west of CUT_LON) and a spot in 汽车零部件产业园 east of the cut
# (the whole park lies outside the new cluster): made as the site check's tests make them
from test_parks_outside_cluster import AUTO_PARTS_SITE, CUT_LON, _cut_clusters

pytestmark = shipped

SHIPPED = Path(settings.default_store)
AS_OF = "2025-12-31"
AUTO_PARTS, BEARING = "汽车零部件产业园", "轴承保持器智能制造产业园"
CLUSTER = "郑家镇工业集聚区"


def _bearing_inside() -> tuple[float, float]:
    """A spot in 轴承保持器智能制造产业园 west of the cut: the part of the park still inside the new cluster."""
    parks = catalog.read_layer("cluster_parks", store=SHIPPED)
    bearing = parks.loc[parks["id"] == "park.zhengjia.bearing", "geometry"].iloc[0]
    p = bearing.intersection(shapely.box(114.0, 35.0, CUT_LON - 0.01, 38.0)).representative_point()
    return p.x, p.y


def _square(xy, half=0.0003):
    return shapely.box(xy[0] - half, xy[1] - half, xy[0] + half, xy[1] + half)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """``(shipped copy, copy with the bureau's cut 集聚区 imported and the old parks kept)``."""
    tmp = tmp_path_factory.mktemp("audit_parks")
    before, after = tmp / "before.gpkg", tmp / "after.gpkg"
    shutil.copyfile(SHIPPED, before)
    shutil.copyfile(SHIPPED, after)
    catalog.import_layer("industrial_clusters", _cut_clusters(tmp / "集聚区2025.geojson"), store=after, provenance="authoritative")
    return before, after


@pytest.fixture(scope="module")
def parcels():
    """Synthetic parcels, the first in 汽车零部件产业园 east of the cut, the second in the bearing park west of it."""
    gdf = sample.generate_parcels(300, seed=11, store=SHIPPED)
    crs = gdf.crs
    gdf.loc[gdf.index[0], "parcel_id"] = "CUT-OFF-1"
    gdf.loc[gdf.index[1], "parcel_id"] = "STILL-IN-1"
    geoms = gdf.geometry.to_crs("EPSG:4326").values.copy()
    geoms[0], geoms[1] = _square(AUTO_PARTS_SITE), _square(_bearing_inside())
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs="EPSG:4326").to_crs(crs))
    return gdf


def _row(frame, parcel_id):
    rows = frame[frame["parcel_id"].astype(str) == parcel_id]
    assert len(rows) == 1, parcel_id
    return rows.iloc[0]


def _zh(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _notes(xlsx: Path) -> str:
    sheet = pd.read_excel(xlsx, sheet_name="说明", header=None, engine="openpyxl")
    return "\n".join(str(v) for v in sheet.to_numpy().ravel() if isinstance(v, str))


def _park_note(text: str) -> str:
    """The 说明 line naming the parks outside their cluster."""
    lines = [ln for ln in text.splitlines() if AUTO_PARTS in ln and "第八章第一节" in ln]
    assert lines, text
    return lines[0]


def _assert_says_why(line: str) -> None:
    # which parks, how many 亩 outside, the plan's rule and what it did to the parcels there
    assert AUTO_PARTS in line and BEARING in line and CLUSTER in line
    assert "亩" in line and "第八章第一节" in line
    assert "未计入" in line and "功能园区" in line


def _park_counts(xlsx: Path, sheet: str, count: str) -> dict:
    """``{功能园区: the column ``count``}`` of a by-park summary sheet (its first line the sheet's note, then the header)."""
    df = pd.read_excel(xlsx, sheet_name=sheet, header=1, engine="openpyxl")
    return dict(zip(df["功能园区"].astype(str), df[count]))


# --- the idle audit (single engine), on a GeoPackage store and on PostGIS ---------------------------------------


@pytest.fixture(params=STORE_KINDS)
def cut_store(request, stores, tmp_path):
    """The cut store as a GeoPackage copy or pushed to a fresh PostGIS schema."""
    _before, after = stores
    if request.param == "gpkg":
        return after
    url = new_store("postgis", tmp_path, request)
    catalog.copy_store(after, url)
    return url


def test_a_parcel_in_a_parks_cut_off_part_is_in_no_park_and_the_workbook_says_why(cut_store, parcels, tmp_path):
    res = audit_idle(parcels, as_of=AS_OF, store=cut_store, out=tmp_path / "idle", map=False)
    frame = res.frame
    cut_off = _row(frame, "CUT-OFF-1")
    # the same spot the site check judges outside the clusters (tests/test_parks_outside_cluster.py)
    assert _zh(cut_off["park_zh"]) != AUTO_PARTS and _zh(cut_off["cluster_zh"]) != CLUSTER
    assert cut_off["park_method"] == "outside" and cut_off["cluster_method"] == "outside"
    # the part of a park still inside the new cluster counts as before
    still = _row(frame, "STILL-IN-1")
    assert _zh(still["park_zh"]) == BEARING and _zh(still["cluster_zh"]) == CLUSTER
    # no parcel at all is counted in the park that lies wholly outside the new cluster
    assert not (frame["park_zh"].astype(object) == AUTO_PARTS).any()
    counts = _park_counts(tmp_path / "idle" / "idle_audit.xlsx", "汇总_按园区", "宗地数合计")
    assert not counts.get(AUTO_PARTS, 0) and counts[BEARING] >= 1
    _assert_says_why(_park_note(_notes(tmp_path / "idle" / "idle_audit.xlsx")))


def test_the_audit_and_the_site_check_agree_on_the_same_spot(stores, parcels, tmp_path):
    for store, expected in zip(stores, ({AUTO_PARTS, CLUSTER}, set())):
        # shipped layers: both put the spot in the park and its cluster, and the audit says nothing of nesting;
        # the cut cluster imported: neither does, and the audit says why
        res = audit_idle(parcels, as_of=AS_OF, store=store, out=tmp_path / Path(store).stem, map=False)
        site = check_site(AUTO_PARTS_SITE, "汽车零部件", store=store).results[0]
        site_zones = {z["name_zh"] for z in site["zones"] if z["layer"] in ("industrial_clusters", "cluster_parks")}
        cut_off = _row(res.frame, "CUT-OFF-1")
        audit_zones = {_zh(cut_off["park_zh"]), _zh(cut_off["cluster_zh"])} & {AUTO_PARTS, CLUSTER}
        assert site_zones == audit_zones == expected
        said = [n for n in res.notes if "第八章第一节" in n and "未计入" in n]
        assert bool(said) == (not expected)


# --- the idle audit on the dask engine -----------------------------------------------------------------------------


def test_the_dask_engine_counts_the_park_only_inside_its_cluster_too(stores, parcels, tmp_path):
    _before, after = stores
    src = tmp_path / "parcels.parquet"
    parcels.to_parquet(src)
    res = audit_idle(src, as_of=AS_OF, store=after, out=tmp_path / "idle", engine="dask", partitions=2, map=False)
    from dcf_spatial.land import dask as dengine

    frame = dengine.read_result(tmp_path / "idle")
    cut_off = _row(frame, "CUT-OFF-1")
    assert _zh(cut_off["park_zh"]) != AUTO_PARTS and _zh(cut_off["cluster_zh"]) != CLUSTER
    assert _zh(_row(frame, "STILL-IN-1")["park_zh"]) == BEARING
    _assert_says_why(_park_note("\n".join(res.notes)))
    _assert_says_why(_park_note(_notes(tmp_path / "idle" / "idle_audit.xlsx")))


# --- 亩产效益: 低效用地 by park -------------------------------------------------------------------------------------


def test_the_efficiency_audit_does_not_count_low_efficiency_land_in_the_cut_off_park(stores, parcels, tmp_path):
    _before, after = stores
    enterprises = sample.generate_enterprises(parcels, seed=11)
    res = audit_efficiency(enterprises, parcels=parcels, as_of=AS_OF, store=after, out=tmp_path / "eff", map=False)
    cut_off = _row(res.parcels, "CUT-OFF-1")
    assert _zh(cut_off["park_zh"]) != AUTO_PARTS and _zh(cut_off["cluster_zh"]) != CLUSTER
    low = _park_counts(tmp_path / "eff" / "efficiency.xlsx", "低效用地_按园区", "宗地数")
    assert not low.get(AUTO_PARTS, 0) and low[BEARING] >= 1
    _assert_says_why(_park_note("\n".join(res.notes)))
    _assert_says_why(_park_note(_notes(tmp_path / "eff" / "efficiency.xlsx")))


# --- the zone join pushed down to PostGIS --------------------------------------------------------------------------


def test_the_postgis_zone_join_cuts_the_park_to_its_cluster(stores, parcels, tmp_path, request):
    from dcf_spatial.io.pg import write_pg_table
    from dcf_spatial.land.zones import join_zones
    from dcf_spatial.land.zones_pg import assign_zones_in_db

    _before, after = stores
    url = new_store("postgis", tmp_path, request)
    catalog.copy_store(after, url)
    write_pg_table(parcels, "pg:parcels", store=url)
    in_db = assign_zones_in_db("pg:parcels", store=url)
    pos = list(parcels["parcel_id"]).index("CUT-OFF-1")
    assert pd.isna(in_db["park_id"].iloc[pos]) and in_db["park_method"].iloc[pos] == "outside"
    assert in_db["park_id"].iloc[list(parcels["parcel_id"]).index("STILL-IN-1")] == "park.zhengjia.bearing"
    # the same answer as the in-process join, parcel for parcel
    local = join_zones(parcels, store=url).reset_index(drop=True)
    for kind in ("cluster", "park"):
        assert (in_db[f"{kind}_id"].astype(object).fillna("").tolist()
                == local[f"{kind}_id"].astype(object).fillna("").tolist()), kind
        assert in_db[f"{kind}_method"].tolist() == local[f"{kind}_method"].tolist(), kind
    _assert_says_why(_park_note("\n".join(in_db.attrs["notes"])))
