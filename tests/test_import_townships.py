"""The README's import of a bureau township file works as written (XZQDM/XZQMC, no 街道/镇 column)."""

from __future__ import annotations

import shutil

import pytest

from dcf_spatial import catalog, settings
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
                                   field_map={"id": "XZQDM", "name_zh": "XZQMC"})
    towns = catalog.read_layer("townships", store=store).set_index("name_zh")
    assert towns.loc["柳园街道", "kind"] == "街道" and towns.loc["郑家镇", "kind"] == "镇"
    assert set(towns["kind"]) == {"街道", "镇"} and len(towns) == 14
    assert any("kind" in n for n in summary["read_notes"])


def test_a_name_without_its_kind_still_asks_for_the_field(store, tmp_path):
    with pytest.raises(SchemaError, match="kind"):
        catalog.import_layer("townships", bureau_file(store, tmp_path, rename="柳园"), store=store,
                             field_map={"id": "XZQDM", "name_zh": "XZQMC"})
