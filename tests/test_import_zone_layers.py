"""Importing a bureau's zone layer the way the README shows: the bureau brings the geometry (编号/名称 +
shapes), the plan brings the attributes (industries, direction, host townships, targets — 第八章第一节
for the four industrial clusters); a Shapefile exported by ``dcf layers export`` imports back."""

from __future__ import annotations

import shutil

import pytest

from dcf_spatial import settings
from dcf_spatial.errors import SchemaError
from dcf_spatial.register.preview import preview_import
from dcf_spatial.store import catalog, export

LAYER = "industrial_clusters"
PLAN_FIELDS = ["industries_gbt4754", "direction", "host_townships", "target_2025_yi", "target_2030_yi"]


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "store.gpkg"
    shutil.copy(settings.default_store, path)
    return path


def bureau_shp(store, path, *, ids=None, names=None):
    """The current cluster outlines as a bureau would send them: only 编号, 名称 and the geometry."""
    g = catalog.read_layer(LAYER, store=store)
    out = g.assign(编号=ids if ids is not None else g["id"], 名称=names if names is not None else g["name_zh"])
    out[["编号", "名称", "geometry"]].to_file(path, encoding="utf-8")
    return path


def test_plan_attributes_come_from_the_plan_when_ids_match(store, tmp_path):
    before = catalog.read_layer(LAYER, store=store).set_index("id")
    summary = catalog.import_layer(LAYER, bureau_shp(store, tmp_path / "集聚区.shp"), store=store,
                                   field_map={"id": "编号", "name_zh": "名称"}, provenance="authoritative")
    after = catalog.read_layer(LAYER, store=store).set_index("id")
    assert set(after["provenance"]) == {"authoritative"}
    for col in PLAN_FIELDS + ["plan_ref"]:
        assert after[col].to_dict() == before[col].to_dict(), col
    # the industry codes the plan data (data/plan_zones.json) gives 嘉明经济开发区 stay with it
    from dcf_spatial import plan

    assert plan.parse_codes(after.loc["cluster.jiaming", "industries_gbt4754"]) == \
        plan.parse_codes(plan.zones()["cluster.jiaming"]["industries_gbt4754"])
    assert any("规划属性" in n for n in summary["read_notes"])


def test_ids_that_differ_match_by_exact_name_and_the_notes_say_so(store, tmp_path):
    g = catalog.read_layer(LAYER, store=store)
    ids = [f"BM{i:03d}" for i in range(len(g))]
    names = list(g["name_zh"])
    names[-1] = "某新片区"  # matches no zone of the plan
    summary = catalog.import_layer(LAYER, bureau_shp(store, tmp_path / "集聚区.shp", ids=ids, names=names),
                                   store=store, field_map={"id": "编号", "name_zh": "名称"}, provenance="authoritative")
    after = catalog.read_layer(LAYER, store=store).set_index("id")
    first = g.iloc[0]
    assert after.loc["BM000", "industries_gbt4754"] == first["industries_gbt4754"]
    assert after.loc["BM000", "target_2030_yi"] == first["target_2030_yi"]
    notes = "\n".join(summary["read_notes"])
    assert "按名称" in notes and first["name_zh"] in notes
    assert "某新片区" in notes and "规划属性留空" in notes
    last = after.loc[f"BM{len(g) - 1:03d}"]
    assert last["direction"] is None or last["direction"] != last["direction"] or last["direction"] == ""


def test_a_shapefile_export_imports_back(store, tmp_path):
    before = catalog.read_layer(LAYER, store=store).set_index("id")
    shp = export.export_layer(LAYER, tmp_path / "x.shp", store=store)
    import pyogrio

    assert "host_towns" in list(pyogrio.read_info(shp)["fields"])  # GDAL did shorten the names
    summary = catalog.import_layer(LAYER, shp, store=store, provenance="authoritative")
    after = catalog.read_layer(LAYER, store=store).set_index("id")
    assert {"industries_gbt4754", "host_townships", "industries_zh", "target_2030_basis"} <= set(after.columns)
    assert "host_towns" not in after.columns and "industri_1" not in after.columns
    assert after["host_townships"].to_dict() == before["host_townships"].to_dict()
    assert after["target_2030_basis"].to_dict() == before["target_2030_basis"].to_dict()
    assert any("host_towns→host_townships" in n for n in summary["read_notes"])


def test_dry_run_fills_the_same_way_and_writes_nothing(store, tmp_path):
    version = catalog.describe_layer(LAYER, store=store)["version"]
    p = preview_import(LAYER, bureau_shp(store, tmp_path / "集聚区.shp"), store=store,
                       field_map={"id": "编号", "name_zh": "名称"}, provenance="authoritative")
    assert p.summary["features"] == 4 and not p.same_as_current
    assert "规划属性" in p.summary_text()
    assert catalog.describe_layer(LAYER, store=store)["version"] == version


def test_missing_fields_outside_a_zone_layer_say_how_to_supply_them(store, tmp_path):
    from dcf_spatial.cli._options import cli_wording

    g = catalog.read_layer(LAYER, store=store)
    path = tmp_path / "地类.gpkg"
    g.assign(BSM=[f"{i}" for i in range(len(g))], DLMC="工业用地")[["BSM", "DLMC", "geometry"]].to_file(path)
    with pytest.raises(SchemaError, match="land_use_code") as err:
        catalog.import_layer("landuse", path, store=store, provenance="authoritative")
    text = str(err.value)
    assert "字段映射 land_use_code=" in text and "--" not in text
    assert err.value.argument == "field_map"
    assert "--field land_use_code=" in cli_wording(text)


def test_same_file_again_is_reported_as_the_current_version(store, tmp_path):
    shp = bureau_shp(store, tmp_path / "集聚区.shp")
    catalog.import_layer(LAYER, shp, store=store, field_map={"id": "编号", "name_zh": "名称"}, provenance="authoritative")
    p = preview_import(LAYER, shp, store=store, field_map={"id": "编号", "name_zh": "名称"}, provenance="authoritative")
    assert p.same_as_current and p.to_dict()["same_as_current"] is True
    assert "与当前版本相同" in p.summary_text()


def test_cli_import_as_the_readme_shows_and_its_dry_run(store, tmp_path):
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    shp = bureau_shp(store, tmp_path / "集聚区.shp")
    run = lambda *a: CliRunner().invoke(cli, ["--store", str(store), *a])
    dry = run("layers", "import", "--provenance", "authoritative", LAYER, str(shp), "--field", "id=编号", "--field", "name_zh=名称", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "规划属性" in dry.stdout and "未写入" in dry.stdout
    done = run("layers", "import", "--provenance", "authoritative", LAYER, str(shp), "--field", "id=编号", "--field", "name_zh=名称")
    assert done.exit_code == 0, done.output
    assert catalog.describe_layer(LAYER, store=store)["provenance"] == "authoritative"
    assert catalog.read_layer(LAYER, store=store)["target_2025_yi"].notna().all()
    # without the id field: the error says which option supplies it
    bad = run("layers", "import", "--provenance", "authoritative", LAYER, str(shp), "--field", "name_zh=名称")
    assert bad.exit_code != 0 and "--field id=" in bad.output


def test_zones_the_current_layer_lost_come_from_plan_zones_json(store, tmp_path):
    """The current layer holds other ids (an earlier file matched nothing): the plan's own data fills in."""
    from dcf_spatial import plan

    g = catalog.read_layer(LAYER, store=store)
    catalog.import_layer(LAYER, bureau_shp(store, tmp_path / "a.shp", ids=[f"X{i}" for i in range(len(g))],
                                           names=[f"片区{i}" for i in range(len(g))]),
                         store=store, field_map={"id": "编号", "name_zh": "名称"}, provenance="authoritative")
    assert catalog.read_layer(LAYER, store=store)["direction"].isna().all()  # nothing matched: left empty
    catalog.import_layer(LAYER, bureau_shp(store, tmp_path / "b.shp", ids=list(g["id"]), names=list(g["name_zh"])),
                         store=store, field_map={"id": "编号", "name_zh": "名称"}, provenance="authoritative")
    after = catalog.read_layer(LAYER, store=store).set_index("id")
    zone = plan.zones()["cluster.jiaming"]
    assert after.loc["cluster.jiaming", "direction"] == zone["direction"]
    assert after.loc["cluster.jiaming", "target_2030_yi"] == zone["targets"]["2030"]["value_yi"]
    assert plan.parse_codes(after.loc["cluster.jiaming", "industries_gbt4754"]) == plan.parse_codes(zone["industries_gbt4754"])
