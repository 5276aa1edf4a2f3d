"""Shared fixtures: a tiny layer store written through the catalog API."""

import geopandas as gpd
import pytest
import shapely

from dcf_spatial import settings

from dcf_spatial.store import catalog


def make_townships(n=2, *, provenance="schematic"):
    """n side-by-side 10 km x 10 km township cells in EPSG:4548, returned in EPSG:4490; inside the
    district's frame (an import refuses authoritative zones wholly outside it)."""
    cells = [shapely.box(390_000 + 10_000 * i, 4_030_000, 400_000 + 10_000 * i, 4_040_000) for i in range(n)]
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
def real():
    """The shipped layer store's site-check context (tests using it carry ``_shipped.shipped``)."""
    from dcf_spatial.queries.site import load_context

    return load_context(settings.default_store)


@pytest.fixture(scope="module")
def map_store(tmp_path_factory):
    """The map tests' fixture layer store (``browser.make_fixture_store``), made the current store."""
    from browser import make_fixture_store

    path = make_fixture_store(tmp_path_factory.mktemp("store") / "store.gpkg")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "store", path)
        yield path


# --- test markers ---------------------------------------------------------------------------------
# Markers are applied here, keyed by module, fixture and what a test needs, so that test files stay
# free of marker bookkeeping (see [tool.pytest.ini_options] markers in pyproject.toml).
#   pytest -m "not slow"      the fast subset for daily work (README)
#   pytest -m notebook        only the notebooks, and so on for browser / postgis / dask

#: modules that run a dask cluster in every test
_DASK_MODULES = ("test_audit_dask",)  # prefix: test_audit_dask, test_audit_dask_cli, …
#: the skip reasons of ``browser.needs_chromium()`` / ``needs_poppler()``: a test carrying one drives a tool
_BROWSER_REASONS = ("chromium not installed", "poppler-utils not installed")
#: source text that shows a test drives the browser or poppler (should a test lack the skip mark)
_BROWSER_HINTS = ("open_offline(", '"pdftoppm"', '"pdftotext"')
#: source text that shows a test needs the PostGIS database
_POSTGIS_HINTS = ("require_pg_url(", 'new_store("postgis"', "DCF_TEST_PG_URL")
#: fixtures that mean a real PostGIS database
_POSTGIS_FIXTURES = ("pg_url", "schema_url")
#: what counts as slow (the full suite minus these runs in under 90 s on the project's 2-core machine)
_SLOW_MARKERS = ("notebook", "browser", "postgis", "dask")
#: fixtures that make a test slow by themselves: ``maps_dir`` draws the three print maps (~10 s)
_SLOW_FIXTURES = ("maps_dir",)
#: modules whose tests start servers or subprocesses, kill runs part-way, copy whole stores many times, render
#: whole web maps, or run the ~600 plan cases through the CLI
_SLOW_MODULES = ("test_desk_api", "test_desk_layers_api", "test_register", "test_preview_recent", "test_output_set",
                 "test_store_doctor", "test_scale_outputs", "test_security", "test_readers_property", "test_plan_cases",
                 "test_webmap_reproducible", "test_webmap_style", "test_webmap_view", "test_desk_font_warm_up")


def _source(item) -> str:
    import inspect

    try:
        return inspect.getsource(item.function)
    except (OSError, TypeError):
        return ""


def _needs_postgis(item, source: str) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "postgis" in {str(v) for v in callspec.params.values()}:
        return True
    if any(f in item.fixturenames for f in _POSTGIS_FIXTURES):
        return True
    return any(h in source for h in _POSTGIS_HINTS)


def _needs_browser(item, source: str) -> bool:
    if any(m.kwargs.get("reason") in _BROWSER_REASONS for m in item.iter_markers("skipif")):
        return True
    return any(h in source for h in _BROWSER_HINTS)


def _marker_names(item) -> set[str]:
    module = item.module.__name__.rsplit(".", 1)[-1] if getattr(item, "module", None) is not None else ""
    names = set()
    if module == "test_notebooks" and item.originalname == "test_notebook_executes":
        names.add("notebook")
    if module.startswith(_DASK_MODULES) or "cluster" in item.fixturenames:
        names.add("dask")
    source = _source(item)
    if _needs_browser(item, source):
        names.add("browser")
    if _needs_postgis(item, source):
        names.add("postgis")
    if (names & set(_SLOW_MARKERS) or any(f in item.fixturenames for f in _SLOW_FIXTURES)
            or module in _SLOW_MODULES):
        names.add("slow")
    return names


def pytest_collection_modifyitems(config, items):
    """Mark each test ``notebook``, ``browser``, ``postgis``, ``dask`` by what it needs; those are ``slow``."""
    for item in items:
        if not isinstance(item, pytest.Function):  # e.g. doctest items: nothing to key on
            continue
        for name in sorted(_marker_names(item)):
            item.add_marker(getattr(pytest.mark, name))


@pytest.fixture(scope="module")
def desk():
    """An HTTP client on a real desk (``dcf serve`` in a child process, shipped layers, loopback port), one per module."""
    import httpx
    from _desk_server import running_desk

    with running_desk(None) as url:
        with httpx.Client(base_url=url, timeout=180) as client:
            yield client
