"""Shared fixtures: a tiny layer store written through the catalog API."""

import geopandas as gpd
import pytest
import shapely

from dcf_spatial import settings

from dcf_spatial.store import catalog


def make_townships(n=2, *, provenance="schematic"):
    """n side-by-side 10 km x 10 km township cells in EPSG:4548, returned in EPSG:4490."""
    cells = [shapely.box(480_000 + 10_000 * i, 4_030_000, 490_000 + 10_000 * i, 4_040_000) for i in range(n)]
    gdf = gpd.GeoDataFrame(
        {
            "id": [f"town.3715021{i:02d}000" for i in range(n)],
            "name_zh": [f"测试镇{i}" for i in range(n)],
            "code12": [f"3715021{i:02d}000" for i in range(n)],
            "kind": ["镇"] * n,
            "plan_ref": ["第一章第一节"] * n,
            "provenance": [provenance] * n,
            "source": ["test fixture"] * n,
        },
        geometry=cells,
        crs=4548,
    )
    return gdf.to_crs(4490)


@pytest.fixture
def tiny_store(tmp_path, monkeypatch):
    """A store holding a 2-feature ``townships`` layer; ``settings.store`` points at it."""
    store = tmp_path / "store.gpkg"
    catalog.write_layer(make_townships(2), "townships", store=store, source="test fixture")
    monkeypatch.setattr(settings, "store", store)
    return store


@pytest.fixture(scope="module")
def cluster():
    """A real two-worker dask LocalCluster for the engine tests; yields its scheduler address."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        yield lc.scheduler_address


@pytest.fixture(scope="module")
def map_store(tmp_path_factory):
    """The map tests' fixture layer store (``browser.make_fixture_store``), made the current store."""
    from browser import make_fixture_store

    path = make_fixture_store(tmp_path_factory.mktemp("store") / "store.gpkg")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "store", path)
        yield path
