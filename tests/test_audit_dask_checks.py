"""GeoParquet and PostGIS inputs get the file reader's geometry checks: an empty or a self-crossing
parcel is reported per row (and the self-crossing one repaired), on the dask and the single engine."""

from __future__ import annotations

import geopandas as gpd
import shapely

from dcf_spatial import sample
from dcf_spatial.land import dask as dengine
from dcf_spatial.land import audit_idle

AS_OF = "2025-12-31"


def _broken_parcels():
    parcels = sample.generate_parcels(40, seed=7)
    geoms = parcels.geometry.to_numpy().copy()
    x0, y0, x1, y1 = geoms[3].bounds
    geoms[3] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])  # a bow-tie: self-crossing
    geoms[5] = None
    return gpd.GeoDataFrame(parcels.drop(columns="geometry"), geometry=geoms, crs=parcels.crs)


def test_geoparquet_rows_are_checked_like_a_file(cluster, tmp_path):
    parcels = _broken_parcels()
    folder = tmp_path / "p"
    folder.mkdir()
    parcels.iloc[:20].to_parquet(folder / "a.parquet")
    parcels.iloc[20:].to_parquet(folder / "b.parquet")
    audit_idle(folder, out=tmp_path / "out", engine="dask", as_of=AS_OF, scheduler=cluster, map=False).to_dict()
    got = dengine.read_result(tmp_path / "out").set_index("row")
    assert "几何无效" in got.loc[4, "problems"] and "已自动修复" in got.loc[4, "problems"]
    assert got.loc[4, "geometry"].is_valid and got.loc[4, "area_mu"] > 0
    assert "无几何图形" in got.loc[6, "problems"]
    assert len(got) == len(parcels)  # nothing dropped
    # the single engine reading the same parcels from a file says the same of those rows
    path = tmp_path / "p.gpkg"
    parcels.to_file(path)
    single = audit_idle(str(path), out=tmp_path / "single", as_of=AS_OF, map=False).frame
    assert "几何无效" in single.iloc[3]["problems"] and "无几何图形" in single.iloc[5]["problems"]
    assert list(single["status"]) == list(got["status"])


def test_the_local_dashboard_listens_on_this_machine_only():
    # the dask dashboard has no login: like the desk (127.0.0.1 unless a token is set), it must not be reachable
    # from other machines (a new user found it on 0.0.0.0)
    import psutil
    from urllib.parse import urlsplit

    from dcf_spatial.land.dask.cluster import connect

    client, cluster = connect(None, 2, dashboard=True)
    try:
        port = urlsplit(client.dashboard_link).port
        listening = [c.laddr for c in psutil.Process().net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
        assert listening and all(a.ip == "127.0.0.1" for a in listening), listening
    finally:
        client.close()
        cluster.close()
