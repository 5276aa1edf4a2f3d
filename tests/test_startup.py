"""`dcf site check --site LON,LAT` starts without pandas/geopandas (issue 13, goal 7), and its answer is the
full reader's to the bit: the quick path (queries/site/quick.py) and the prepared copy of the layers
(queries/site/context.py) are compared here with the path that reads everything through geopandas."""

import json
import shutil
import subprocess
import sys

import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from dcf_spatial import settings
from dcf_spatial.queries import check_site
from dcf_spatial.queries.site import context, quick
from dcf_spatial.store import catalog

#: (site, industry, keyword arguments): points inside and outside the clusters, with and without figures
CASES = [
    ("116.0,36.45", "C3451", {}),
    ("115.80,36.47", "轴承", {}),
    ("115.75,36.455", "轴承", {"area_mu": 50}),
    ("115.80,36.47", "C3451", {"area_mu": 80, "investment_wan": 24000, "floor_area_m2": 60000,
                               "footprint_m2": 25000, "admin_area_m2": 2000, "green_area_m2": 5000}),
    ("115.98, 36.45", "新能源汽车", {"area_mu": 120, "date": "2015-06-30"}),
    ("(116.05，36.52)", "水泥", {"capacity_replacement": True, "catalogue_class": "限制类"}),
    ("115.9,36.4", "养老", {"area_mu": 10}),
    ("115.80,36.47", "轴承", {"area_mu": 30, "non_production_facilities": "专家楼"}),
    ("115.85,36.50", "C2614", {}),
]


def _full_path(monkeypatch, site, industry, kwargs):
    """The answer through geopandas: no quick reader, layers read from the store itself."""
    with monkeypatch.context() as m:
        m.setattr(quick, "quick_site", lambda *a, **k: None)
        m.setenv("DCF_NO_CONTEXT_CACHE", "1")
        context._CONTEXT_CACHE.clear()
        try:
            return check_site(site, industry, **kwargs)
        finally:
            context._CONTEXT_CACHE.clear()


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DCF_CACHE_DIR", str(tmp_path / "cache"))
    context._CONTEXT_CACHE.clear()
    yield tmp_path / "cache" / "context"
    context._CONTEXT_CACHE.clear()


@pytest.mark.parametrize("site,industry,kwargs", CASES)
def test_a_typed_lonlat_answers_as_the_full_reader_does(own_cache, monkeypatch, site, industry, kwargs):
    assert quick.quick_site(site, area_mu=kwargs.get("area_mu")) is not None  # the case takes the quick path
    slow = _full_path(monkeypatch, site, industry, kwargs)
    context.load_context()  # writes the prepared copy ...
    context._CONTEXT_CACHE.clear()
    fast = check_site(site, industry, **kwargs)  # ... which this one reads
    assert list(own_cache.glob("context-*.npz"))
    assert json.dumps(fast.to_dict(), ensure_ascii=False, sort_keys=True) == \
        json.dumps(slow.to_dict(), ensure_ascii=False, sort_keys=True)
    assert fast.summary_text() == slow.summary_text()
    assert (fast.title, fast.inputs, fast.notes) == (slow.title, slow.inputs, slow.notes)
    assert_geodataframe_equal(fast.sites, slow.sites)  # read when first asked for


@pytest.mark.parametrize("site,kwargs", [
    ("36.45,116.0", {}),                  # latitude first: the full reader says so
    ("39409000,4035000", {}),             # metres: Gauss–Krüger, the full reader's notes
    ("121.47,31.23", {}),                 # Shanghai: far from the district, the reader warns
    ("116.0,36.45", {"crs": "gcj02"}),    # a CRS to convert from
    ("116.0,36.45", {"swap_xy": True}),
    ("郑家镇", {}),
    ("POINT (116 36.45)", {}),
])
def test_values_the_quick_reader_does_not_take_go_to_the_full_reader(site, kwargs):
    crs = kwargs.pop("crs", None)
    assert quick.quick_site(site, crs=crs, reader=kwargs) is None


def test_the_quick_path_gives_the_full_paths_errors(monkeypatch):
    from dcf_spatial.errors import InputError

    for site, kwargs in (("116.0,36.45", {"area_mu": -5}), ("36.45,116.0", {}), ("116.0,36.45", {"area_mu": float("nan")})):
        with pytest.raises(InputError) as fast:
            check_site(site, "轴承", **kwargs)
        with monkeypatch.context() as m:
            m.setattr(quick, "quick_site", lambda *a, **k: None)
            with pytest.raises(InputError) as slow:
                check_site(site, "轴承", **kwargs)
        assert str(fast.value) == str(slow.value)


def test_the_cli_site_check_imports_no_pandas_or_geopandas(tmp_path):
    code = (
        "import sys\n"
        "from dcf_spatial.cli.main import cli\n"
        "try:\n"
        "    cli(['site', 'check', '--site', '116.0,36.45', '--industry', 'C3451', '--json'])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print(sorted(m for m in ('pandas', 'geopandas', 'pyogrio', 'fiona') if m in sys.modules), file=sys.stderr)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DCF_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
            for _ in range(2)]  # the first run prepares the copy of the layers, the second reads it
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["verdict"] in ("fits", "conditional", "does_not_fit", "outside_plan_area")
    assert runs[1].stderr.strip().splitlines()[-1] == "[]"
    assert runs[0].stdout == runs[1].stdout


def test_the_prepared_copy_holds_what_the_store_holds(own_cache):
    fresh = context._context_from_parts(context._read_parts(settings.store, *_readers()), "x")
    context.load_context()
    context._CONTEXT_CACHE.clear()
    copy = context.load_context()
    assert sorted(copy.layers) == sorted(fresh.layers)
    for lid, a in fresh.layers.items():
        b = copy.layers[lid]
        assert (list(a.ids), list(a.names), list(a.plan_refs), a.codes, a.base_codes, a.is_point, a.title_zh,
                a.provenance) == (list(b.ids), list(b.names), list(b.plan_refs), b.codes, b.base_codes, b.is_point,
                                  b.title_zh, b.provenance)
        assert [g.wkb for g in a.geoms] == [g.wkb for g in b.geoms]
    assert {k: [g.wkb for g in v.values()] for k, v in copy.corridors.items()} == \
        {k: [g.wkb for g in v.values()] for k, v in fresh.corridors.items()}


def _readers():
    from dcf_spatial.crs import to_working
    from dcf_spatial.store import catalog

    return catalog, to_working


def test_a_changed_store_is_never_answered_from_an_old_copy(own_cache, tmp_path):
    store = tmp_path / "store.gpkg"
    shutil.copy(settings.store, store)
    before = context.load_context(store)
    town = before.layers["townships"]
    assert "改名镇" not in list(town.names)
    gdf = catalog.read_layer("townships", store=store)
    gdf.loc[gdf.index[0], "name_zh"] = "改名镇"
    catalog.write_layer(gdf, "townships", store=store, source="test: a bureau's corrected name")
    context._CONTEXT_CACHE.clear()
    after = context.load_context(store)
    assert after.layers["townships"].names[0] == "改名镇"
    assert len(list(own_cache.glob("context-*.npz"))) == 2


def test_a_damaged_copy_is_read_past(own_cache):
    context.load_context()
    files = list(own_cache.glob("context-*.npz"))
    assert len(files) == 1
    files[0].write_bytes(b"not a cache file")
    context._CONTEXT_CACHE.clear()
    ctx = context.load_context()
    assert "townships" in ctx.layers and all(shapely.is_valid(ctx.layers["townships"].geoms))
