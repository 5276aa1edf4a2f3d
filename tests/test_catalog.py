"""The layer store: write/read, validation, import keeps history, reset, export formats."""

import json

import geopandas as gpd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from dcf_spatial import catalog, exports
from dcf_spatial.errors import InputError, LayerNotFoundError, SchemaError

from conftest import make_townships


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


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda g: g.drop(columns=["provenance"]), "missing field"),
        (lambda g: g.assign(provenance="official"), "provenance must be one of"),
        (lambda g: g.set_geometry(g.geometry.representative_point()), "needs polygons"),
        (lambda g: g.assign(id="same"), "duplicate ids"),
        (lambda g: g.set_geometry([shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])] * len(g), crs=4490),
         "invalid geometries"),
    ],
)
def test_write_rejects_broken_layers_and_says_why(tmp_path, mutate, message):
    bad = mutate(make_townships(2))
    with pytest.raises(SchemaError, match=message):
        catalog.write_layer(bad, "townships", store=tmp_path / "s.gpkg")


def test_counts_checked_only_on_request():
    gdf = make_townships(2)
    assert catalog.validate_layer(gdf, "townships") == []
    problems = catalog.validate_layer(gdf, "townships", check_counts=True)
    assert any("2 features, expected 14" in p for p in problems)


def _bureau_file(tmp_path, n=3):
    """A bureau township file with standard field names (XZQDM/XZQMC), as GeoJSON."""
    gdf = make_townships(n).drop(columns=["id", "name_zh", "code12", "plan_ref", "provenance", "source"])
    gdf["XZQDM"] = [f"37150210{i}000" for i in range(n)]
    gdf["XZQMC"] = [f"权威镇{i}" for i in range(n)]
    gdf["kind"] = "镇"
    gdf["code12"] = gdf["XZQDM"]
    path = tmp_path / "bureau_towns.geojson"
    gdf.to_file(path)
    return path


def test_import_replaces_layer_records_provenance_and_reset_restores(tiny_store, tmp_path):
    before = catalog.read_layer("townships")
    path = _bureau_file(tmp_path)
    summary = catalog.import_layer("townships", path, field_map={"id": "XZQDM", "name_zh": "XZQMC"})
    after = catalog.read_layer("townships")
    assert len(after) == 3 and summary["features"] == 3
    assert set(after["provenance"]) == {"authoritative"}
    assert after.attrs["provenance"] == "authoritative"
    assert summary["sha256"] == catalog.sha256_of(path)
    assert "bureau_towns.geojson" in after["source"].iloc[0]
    assert list(after["name_zh"]) == ["权威镇0", "权威镇1", "权威镇2"]
    # the previous version is kept in the store, not in the listing
    assert any(name.startswith("_history__townships") for name, _ in pyogrio.list_layers(tiny_store))
    assert "_history__townships__1" not in set(catalog.list_layers()["id"])

    catalog.reset_layer("townships")
    restored = catalog.read_layer("townships")
    assert_geodataframe_equal(restored, before, check_less_precise=True)
    assert restored.attrs["provenance"] == "schematic"
    assert not any(name.startswith("_history__") for name, _ in pyogrio.list_layers(tiny_store))
    with pytest.raises(InputError, match="nothing to reset"):
        catalog.reset_layer("townships")


def test_failed_import_leaves_store_unchanged(tiny_store, tmp_path):
    before = catalog.read_layer("townships")
    path = _bureau_file(tmp_path)
    with pytest.raises(SchemaError, match="name_zh"):
        catalog.import_layer("townships", path, field_map={"id": "XZQDM"})  # no name mapping
    lines = gpd.GeoDataFrame({"id": ["a"], "name_zh": ["线"]}, geometry=[shapely.LineString([(116, 36), (116.1, 36.1)])],
                             crs=4490)
    line_file = tmp_path / "lines.geojson"
    lines.to_file(line_file)
    with pytest.raises(SchemaError, match="store is unchanged"):
        catalog.import_layer("townships", line_file)
    assert_geodataframe_equal(catalog.read_layer("townships"), before)
    assert catalog.list_layers().set_index("id").loc["townships", "version"] == 1


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp", ".kml"])
def test_export_formats_keep_chinese_names(tiny_store, tmp_path, suffix):
    out = exports.export_layer("townships", tmp_path / f"towns{suffix}")
    back = gpd.read_file(out)
    assert "测试镇0" in set(back.get("name_zh", back.get("Name", [])))
    if suffix == ".shp":
        assert (tmp_path / "towns.cpg").read_text().strip().upper().replace("-", "") == "UTF8"
    if suffix == ".kml":
        assert back.crs.to_epsg() == 4326
    with pytest.raises(InputError, match="--overwrite"):
        exports.export_layer("townships", out)


def test_export_unknown_suffix_lists_formats(tiny_store, tmp_path):
    with pytest.raises(InputError, match=r"\.gpkg"):
        exports.export_layer("townships", tmp_path / "x.dwg")
