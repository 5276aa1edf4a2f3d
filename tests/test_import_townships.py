"""The README's import of a bureau township file works as written (XZQDM/XZQMC, no 街道/镇 column)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from dcf_spatial import settings

from dcf_spatial.store import catalog
from dcf_spatial.errors import SchemaError


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "store.gpkg"
    shutil.copy(settings.default_store, path)
    return path


def bureau_file(store, tmp_path, rename=None):
    towns = catalog.read_layer("townships", store=store)
    out = towns.assign(XZQDM=towns["code12"], XZQMC=towns["name_zh"])[["XZQDM", "XZQMC", "geometry"]]
    if rename:
        out.loc[0, "XZQMC"] = rename
    path = tmp_path / "乡镇界线.gpkg"
    out.to_file(path)
    return path


def test_kind_comes_from_the_official_names(store, tmp_path):
    summary = catalog.import_layer("townships", bureau_file(store, tmp_path), store=store,
                                   field_map={"id": "XZQDM", "name_zh": "XZQMC"}, provenance="authoritative")
    towns = catalog.read_layer("townships", store=store).set_index("name_zh")
    assert towns.loc["柳园街道", "kind"] == "街道" and towns.loc["郑家镇", "kind"] == "镇"
    assert set(towns["kind"]) == {"街道", "镇"} and len(towns) == 14
    assert any("kind" in n for n in summary["read_notes"])


def test_a_name_without_its_kind_still_asks_for_the_field(store, tmp_path):
    with pytest.raises(SchemaError, match="kind"):
        catalog.import_layer("townships", bureau_file(store, tmp_path, rename="柳园"), store=store,
                             field_map={"id": "XZQDM", "name_zh": "XZQMC"}, provenance="authoritative")


def test_development_zone_units_are_refused_and_missing_plan_units_named(store, tmp_path):
    towns = catalog.read_layer("townships", store=store)
    others = catalog.read_layer("other_units", store=store)
    both = pd.concat([towns, others[others["name_zh"].str.endswith(("街道", "镇"))]], ignore_index=True)
    path = tmp_path / "乡镇界线23.gpkg"
    both.assign(XZQDM=both["code12"], XZQMC=both["name_zh"])[["XZQDM", "XZQMC", "geometry"]].to_file(path)
    before = catalog.read_layer("townships", store=store)
    with pytest.raises(SchemaError, match="开发区托管") as err:
        catalog.import_layer("townships", path, store=store, field_map={"id": "XZQDM", "name_zh": "XZQMC"}, provenance="authoritative")
    assert others["name_zh"].iloc[0] in str(err.value) or "不在规划范围内" in str(err.value)
    assert catalog.read_layer("townships", store=store).equals(before)  # nothing changed
    fewer = tmp_path / "乡镇界线13.gpkg"
    towns.iloc[1:].assign(XZQDM=towns["code12"].iloc[1:], XZQMC=towns["name_zh"].iloc[1:])[
        ["XZQDM", "XZQMC", "geometry"]].to_file(fewer)
    summary = catalog.import_layer("townships", fewer, store=store, field_map={"id": "XZQDM", "name_zh": "XZQMC"}, provenance="authoritative")
    assert any(towns["name_zh"].iloc[0] in n and "不在规划范围内" in n for n in summary["read_notes"])


def test_a_name_without_its_kind_names_the_row_and_the_fix(store, tmp_path):
    with pytest.raises(SchemaError, match=r"第 1 行「柳园」.*kind=列名") as err:
        catalog.import_layer("townships", bureau_file(store, tmp_path, rename="柳园"), store=store,
                             field_map={"id": "XZQDM", "name_zh": "XZQMC"}, provenance="authoritative")
    assert err.value.argument == "field_map" and "--field" not in str(err.value)


def test_the_cli_names_the_field_option_for_a_missing_kind(store, tmp_path):
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    res = CliRunner().invoke(cli, ["--store", str(store), "layers", "import", "--provenance", "authoritative", "townships",
                                   str(bureau_file(store, tmp_path, rename="柳园")),
                                   "--field", "id=XZQDM", "--field", "name_zh=XZQMC"])
    assert res.exit_code == 2 and res.stderr.startswith("错误 Error: --field：") and "kind=列名" in res.stderr


def test_a_shapefile_digest_covers_its_attribute_table(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    a, b = tmp_path / "a" / "道路.shp", tmp_path / "b" / "道路.shp"
    for path, name in ((a, "聊临路"), (b, "聊临公路")):  # same geometry, another name in the .dbf
        path.parent.mkdir()
        gpd.GeoDataFrame({"MC": [name]}, geometry=[Point(115.9, 36.4)], crs=4490).to_file(path, encoding="utf-8")
    assert a.read_bytes() == b.read_bytes()  # the .shp alone is the same
    assert catalog.sha256_of(a) != catalog.sha256_of(b)
