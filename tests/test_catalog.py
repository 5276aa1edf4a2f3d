"""The layer store: write/read, validation, import keeps history, reset, export formats.

Every test that touches a store runs against both backends (``store_kind``): the GeoPackage
always, PostGIS when ``DCF_TEST_PG_URL`` is set (see ``tests/_stores.py``).
"""

import geopandas as gpd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from dcf_spatial import settings

from dcf_spatial.store import catalog, export
from dcf_spatial.errors import InputError, LayerNotFoundError, SchemaError
from dcf_spatial.store.backends import open_store
from dcf_spatial.store.backends.gpkg import GpkgStore
from dcf_spatial.store.backends.postgis import PostgisStore

from _stores import STORE_KINDS, new_store
from conftest import make_townships


@pytest.fixture(params=STORE_KINDS)
def store_kind(request):
    return request.param


@pytest.fixture
def empty_store(store_kind, tmp_path, request):
    """A store location (GeoPackage path or PostGIS URL with a fresh schema) holding nothing yet."""
    return new_store(store_kind, tmp_path, request)


@pytest.fixture
def tiny_store(empty_store, monkeypatch):
    """Overrides conftest's: the same 2-township store, in each backend."""
    catalog.write_layer(make_townships(2), "townships", store=empty_store, source="test fixture")
    monkeypatch.setattr(settings, "store", empty_store)
    return empty_store


def _tables(store):
    return open_store(store).table_names()


def test_round_trip_keeps_attributes_crs_and_provenance(tiny_store):
    gdf = catalog.read_layer("townships")
    assert gdf.crs.to_epsg() == 4490
    assert list(gdf["name_zh"]) == ["测试镇0", "测试镇1"]
    assert gdf.attrs["provenance"] == "schematic"
    expected = make_townships(2)
    assert_geodataframe_equal(gdf[expected.columns], expected, check_less_precise=True)


def test_list_layers_counts_and_provenance(tiny_store):
    table = catalog.list_layers()
    row = table.set_index("id").loc["townships"]
    assert row["count"] == 2
    assert row["provenance"] == "schematic"
    assert row["crs"] == "EPSG:4490"
    assert row["title_zh"] == catalog.LAYER_SPECS["townships"].title_zh


def test_unknown_layer_names_known_layers(tiny_store):
    with pytest.raises(LayerNotFoundError, match="townships"):
        catalog.read_layer("townshps")


def test_missing_store_explains_how_to_build(tmp_path):
    with pytest.raises(InputError, match="build"):
        catalog.read_layer("townships", store=tmp_path / "nope.gpkg")


def test_store_without_catalog_explains_how_to_fill_it(empty_store):
    with pytest.raises(InputError, match="build|push"):
        catalog.list_layers(store=empty_store)
    assert not catalog.has_layer("townships", store=empty_store)


def test_bbox_read_returns_only_features_meeting_the_box(tiny_store):
    full = catalog.read_layer("townships")
    west = full.geometry.iloc[0].bounds  # the western cell
    x0, y0, x1, y1 = west
    box = (x0 + 0.001, y0 + 0.001, x0 + 0.01, y0 + 0.01)  # well inside the western cell only
    part = catalog.read_layer("townships", bbox=box)
    assert list(part["id"]) == [full["id"].iloc[0]]
    assert part.crs.to_epsg() == 4490 and part.attrs["provenance"] == "schematic"
    both = catalog.read_layer("townships", bbox=tuple(full.total_bounds))
    assert_geodataframe_equal(both, full)
    assert len(catalog.read_layer("townships", bbox=(100.0, 20.0, 100.1, 20.1))) == 0
    with pytest.raises(InputError, match="minx, miny, maxx, maxy"):
        catalog.read_layer("townships", bbox=(x1, y0, x0, y1))


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda g: g.drop(columns=["provenance"]), "缺少字段 provenance"),
        (lambda g: g.assign(provenance="official"), r"provenance 须为 \('authoritative'.*之一；不符的行索引 \[0, 1\]"),
        (lambda g: g.set_geometry(g.geometry.representative_point()), r"\['Point'\].*需要面（Polygon）几何"),
        (lambda g: g.assign(id="same"), r"id 重复 \['same'\]"),
        (lambda g: g.set_geometry([shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])] * len(g), crs=4490),
         r"2 个无效几何：第 1 条要素（id=[^，）]+，[^）]+）：自相交（[-0-9.]+, [-0-9.]+ 处）；第 2 条要素"),
        (lambda g: g.set_geometry([None, g.geometry.iloc[1]], crs=4490), r"1 条要素没有几何（空）：第 1 条要素（id="),
    ],
)
def test_write_rejects_broken_layers_and_says_why(empty_store, mutate, message):
    bad = mutate(make_townships(2))
    with pytest.raises(SchemaError, match=message):
        catalog.write_layer(bad, "townships", store=empty_store)
    assert not catalog.has_layer("townships", store=empty_store)


def test_counts_checked_only_on_request():
    gdf = make_townships(2)
    assert catalog.validate_layer(gdf, "townships") == []
    problems = catalog.validate_layer(gdf, "townships", check_counts=True)
    assert any("2 个要素，应为 14–14 个" in p for p in problems)


def _bureau_file(tmp_path, n=3, *, with_names=True):
    """A bureau township file with standard field names (XZQDM/XZQMC), as GeoJSON."""
    gdf = make_townships(n).drop(columns=["id", "name_zh", "code12", "plan_ref", "provenance", "source"])
    gdf["XZQDM"] = [f"37150210{i}000" for i in range(n)]
    if with_names:
        gdf["XZQMC"] = [f"权威镇{i}" for i in range(n)]
    gdf["kind"] = "镇"
    gdf["code12"] = gdf["XZQDM"]
    path = tmp_path / "bureau_towns.geojson"
    gdf.to_file(path)
    return path


def test_import_replaces_layer_records_provenance_and_reset_restores(tiny_store, tmp_path):
    before = catalog.read_layer("townships")
    path = _bureau_file(tmp_path)
    summary = catalog.import_layer("townships", path, field_map={"id": "XZQDM", "name_zh": "XZQMC"}, provenance="authoritative")
    after = catalog.read_layer("townships")
    assert len(after) == 3 and summary["features"] == 3
    assert set(after["provenance"]) == {"authoritative"}
    assert after.attrs["provenance"] == "authoritative"
    assert summary["sha256"] == catalog.sha256_of(path)
    assert "bureau_towns.geojson" in after["source"].iloc[0]
    assert list(after["name_zh"]) == ["权威镇0", "权威镇1", "权威镇2"]
    # the previous version is kept in the store, not in the listing
    assert any(name.startswith("_history__townships") for name in _tables(tiny_store))
    assert "_history__townships__1" not in set(catalog.list_layers()["id"])

    catalog.reset_layer("townships")
    restored = catalog.read_layer("townships")
    assert_geodataframe_equal(restored, before, check_less_precise=True)
    assert restored.attrs["provenance"] == "schematic"
    assert not any(name.startswith("_history__") for name in _tables(tiny_store))
    with pytest.raises(InputError, match="图层 'townships' 在 .* 中没有更早的版本"):
        catalog.reset_layer("townships")


def test_failed_import_leaves_store_unchanged(tiny_store, tmp_path):
    before = catalog.read_layer("townships")
    path = _bureau_file(tmp_path, with_names=False)
    with pytest.raises(SchemaError, match="name_zh"):
        catalog.import_layer("townships", path, field_map={"id": "XZQDM"}, provenance="authoritative")  # no name field at all
    lines = gpd.GeoDataFrame({"id": ["a"], "name_zh": ["线"]}, geometry=[shapely.LineString([(116, 36), (116.1, 36.1)])],
                             crs=4490)
    line_file = tmp_path / "lines.geojson"
    lines.to_file(line_file)
    with pytest.raises(SchemaError, match=r"lines\.geojson.*图层库未作改动(.|\n)*需要面（Polygon）几何") as err:
        catalog.import_layer("townships", line_file, provenance="authoritative")
    assert "'townships'" in str(err.value)
    assert_geodataframe_equal(catalog.read_layer("townships"), before)
    assert catalog.list_layers().set_index("id").loc["townships", "version"] == 1


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp", ".kml"])
def test_export_formats_keep_chinese_names(tiny_store, tmp_path, suffix):
    out = export.export_layer("townships", tmp_path / f"towns{suffix}")
    back = gpd.read_file(out)
    assert "测试镇0" in set(back.get("name_zh", back.get("Name", [])))
    if suffix == ".shp":
        assert (tmp_path / "towns.cpg").read_text().strip().upper().replace("-", "") == "UTF8"
    if suffix == ".kml":
        assert back.crs.to_epsg() == 4326
    with pytest.raises(InputError, match="已存在；要替换须允许覆盖（overwrite）") as err:
        export.export_layer("townships", out)
    assert err.value.argument == "overwrite" and "--" not in str(err.value)


def test_shapefile_export_names_shortened_fields_in_chinese(tmp_path, caplog, recwarn):
    gdf = gpd.GeoDataFrame({"id": ["a"], "area_km2_measured": [1.0], "面积": [2.0]},
                           geometry=[shapely.Point(116.0, 36.4)], crs=4490)
    with caplog.at_level("WARNING", logger="dcf_spatial.store.export"):
        export.write_vector(gdf, tmp_path / "x.shp")
    assert list(gpd.read_file(tmp_path / "x.shp").columns) == ["id", "area_km2_m", "面积", "geometry"]
    assert "x.shp" in caplog.text and "area_km2_measured → area_km2_m" in caplog.text and ".gpkg" in caplog.text
    assert "面积 →" not in caplog.text  # 6 bytes: kept whole
    assert not [w for w in recwarn if "field name" in str(w.message) or "Column names" in str(w.message)]


def test_export_unknown_suffix_lists_formats(tiny_store, tmp_path):
    with pytest.raises(InputError, match=r"x\.dwg：不能导出为 \.dwg。请用以下扩展名之一：\.gpkg"):
        export.export_layer("townships", tmp_path / "x.dwg")


def test_write_with_history_then_reset_restores_previous_version(tiny_store):
    before = catalog.read_layer("townships")
    catalog.write_layer(make_townships(3, provenance="authoritative"), "townships", keep_history=True,
                        source="bureau file")
    after = catalog.read_layer("townships")
    assert len(after) == 3 and after.attrs["provenance"] == "authoritative"
    row = catalog.list_layers().set_index("id").loc["townships"]
    assert (row["count"], row["version"]) == (3, 2)
    assert "_history__townships__1" in _tables(tiny_store)
    summary = catalog.reset_layer("townships")
    assert summary == {"layer": "townships", "features": 2, "provenance": "schematic", "source": "test fixture"}
    assert_geodataframe_equal(catalog.read_layer("townships"), before)
    assert catalog.list_layers().set_index("id").loc["townships", "version"] == 1
    assert not any(t.startswith("_history__") for t in _tables(tiny_store))


def _break_the_last_step(store_kind, monkeypatch):
    """Make the final step of a layer replacement fail, after the data has been written."""
    def boom(*args, **kwargs):
        raise RuntimeError("injected failure")

    if store_kind == "gpkg":
        real = GpkgStore._write_table
        calls = []

        def second_write_fails(path, gdf, table):  # 1st: keep the old version; 2nd: the new layer
            calls.append(table)
            if len(calls) == 2:
                boom()
            real(path, gdf, table)

        monkeypatch.setattr(GpkgStore, "_write_table", staticmethod(second_write_fails))
    else:
        monkeypatch.setattr(PostgisStore, "_upsert_row", boom)


def test_replacement_failing_part_way_leaves_previous_layer_intact(tiny_store, store_kind, monkeypatch, tmp_path):
    before = catalog.read_layer("townships")
    tables_before = sorted(_tables(tiny_store))
    rows_before = catalog.catalog_rows()
    _break_the_last_step(store_kind, monkeypatch)
    with pytest.raises(RuntimeError, match="injected"):
        catalog.write_layer(make_townships(3, provenance="authoritative"), "townships", keep_history=True)
    monkeypatch.undo()
    assert_geodataframe_equal(catalog.read_layer("townships", store=tiny_store), before)
    assert sorted(_tables(tiny_store)) == tables_before  # no half-written history or temp table
    assert catalog.catalog_rows(store=tiny_store).equals(rows_before)
    if store_kind == "gpkg":
        assert [p.name for p in tmp_path.iterdir() if ".tmp." in p.name] == []


def test_copy_store_copies_layers_catalog_and_history(tiny_store, tmp_path):
    catalog.write_layer(make_townships(3, provenance="authoritative"), "townships", keep_history=True,
                        source="bureau file")
    target = tmp_path / "copy.gpkg"
    summary = catalog.copy_store(tiny_store, target)
    assert summary["layers"] == [{"id": "townships", "features": 3, "history": 1}]
    assert_geodataframe_equal(catalog.read_layer("townships", store=target), catalog.read_layer("townships"))
    assert catalog.list_layers(store=target).drop(columns=[]).equals(catalog.list_layers())
    # the same layers again: nothing to replace, nothing written, no overwrite needed (a new user's QA, F8)
    again = catalog.copy_store(tiny_store, target)
    assert again["layers"] == [] and again["unchanged"] == ["townships"]
    catalog.reset_layer("townships", store=target)  # the copied history works in the copy
    assert len(catalog.read_layer("townships", store=target)) == 2
    with pytest.raises(InputError, match="已有图层 townships，内容与.*不同。要替换须允许覆盖（overwrite）") as err:
        catalog.copy_store(tiny_store, target)   # now it differs: refused without overwrite
    assert err.value.argument == "overwrite" and "--" not in str(err.value)
    catalog.copy_store(tiny_store, target, overwrite=True)  # the target's version is kept
    assert len(catalog.read_layer("townships", store=target)) == 3
    catalog.reset_layer("townships", store=target)
    assert len(catalog.read_layer("townships", store=target)) == 2


def test_write_based_on_a_changed_version_is_refused(tiny_store):
    """Two users replacing one layer at once: the one whose base version is gone is refused."""
    before = catalog.read_layer("townships")
    tables_before = sorted(_tables(tiny_store))
    st = open_store(tiny_store)
    stale = dict(st.catalog_entry("townships"), version=2, history=1)
    with pytest.raises(InputError, match="'townships' 已被他人修改.*请重新运行"):
        st.commit_layer(make_townships(3), "townships", stale, archive=1, archive_meta={}, expected_version=0)
    assert_geodataframe_equal(catalog.read_layer("townships"), before)
    assert sorted(_tables(tiny_store)) == tables_before


def test_bbox_read_tests_geometry_not_just_its_bounding_box(empty_store):
    """Both stores answer bbox= with the same rule: the feature's geometry meets the box."""
    lines = gpd.GeoDataFrame(
        {"id": ["river.diagonal", "river.through"], "name_zh": ["斜河（合成）", "穿过的河（合成）"],
         "plan_ref": [""] * 2, "provenance": ["schematic"] * 2, "source": ["test fixture"] * 2},
        geometry=[shapely.LineString([(116.0, 36.0), (116.2, 36.2)]),
                  shapely.LineString([(116.17, 35.9), (116.17, 36.1)])],
        crs=4490,
    )
    catalog.write_layer(lines, "rivers", store=empty_store)
    box = (116.15, 36.0, 116.2, 36.05)  # inside the diagonal's bounding box, away from the line itself
    assert list(catalog.read_layer("rivers", store=empty_store, bbox=box)["id"]) == ["river.through"]


def test_import_builds_town_ids_from_standard_codes_and_reports_read_notes(tiny_store, tmp_path):
    """A bureau file with only XZQDM/XZQMC (no id, no mapping) gets ids town.<code12>; the reader's
    notes (e.g. the repaired geometry of row 2) come back in the summary instead of a stored column."""
    gdf = gpd.read_file(_bureau_file(tmp_path)).drop(columns=["code12"])
    bowtie = shapely.Polygon([(115.80, 36.40), (115.82, 36.42), (115.82, 36.40), (115.80, 36.42)])
    gdf.loc[1, "geometry"] = bowtie
    path = tmp_path / "xzq.geojson"
    gdf.to_file(path)
    summary = catalog.import_layer("townships", path, provenance="authoritative")
    after = catalog.read_layer("townships")
    assert list(after["id"]) == [f"town.37150210{i}000" for i in range(3)]
    assert list(after["code12"]) == [f"37150210{i}000" for i in range(3)]
    assert "read_issue" not in after.columns
    assert any("第 2 行" in n for n in summary["read_notes"])
    assert any("id = town." in n for n in summary["read_notes"])
