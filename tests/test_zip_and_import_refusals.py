"""Zips that cannot be read, zips of several datasets, and zone features an import must not take as
authoritative (a tester's findings, FIX-C 3–4)."""

from __future__ import annotations

import shutil
import zipfile

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial import settings
from dcf_spatial.store.catalog import read_layer


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("zips")
    shutil.copy(settings.checkout_store, d / "s.gpkg")
    (d / "empty.zip").write_bytes(b"")
    (d / "broken.zip").write_bytes(b"PK\x03\x04 cut off here")
    site = gpd.GeoDataFrame({"name": ["地块"]}, geometry=[shapely.Point(115.75, 36.455).buffer(0.002)], crs=4490)
    site.to_file(d / "地块.gpkg")
    site.assign(name="另一块").to_file(d / "另一块.geojson")
    with zipfile.ZipFile(d / "two.zip", "w") as zf:
        zf.write(d / "地块.gpkg", "地块.gpkg")
        zf.write(d / "另一块.geojson", "数据/另一块.geojson")
        zf.writestr("说明.txt", "两个数据集")
    clusters = read_layer("industrial_clusters", store=d / "s.gpkg")
    c = clusters.copy()
    c["id"] = c["id"].astype(object)
    c.loc[c.index[1], "id"] = None
    c.to_file(d / "nullid.gpkg")
    z = clusters.copy()
    z.loc[z.index[2], "geometry"] = shapely.Point(0, 0).buffer(0.01)
    z.to_file(d / "zero.gpkg")
    return d


def _cli(d, *args):
    from dcf_spatial.cli.main import cli

    return CliRunner().invoke(cli, ["--store", str(d / "s.gpkg"), *args], catch_exceptions=False)


# --- 3: a zip that is no zip, and a zip of several datasets ----------------------------------------------------
@pytest.mark.parametrize("name", ["empty.zip", "broken.zip"])
def test_an_empty_or_corrupt_zip_is_an_input_error_naming_it_in_every_command(files, name):
    z = str(files / name)
    with pytest.raises(dcf.InputError, match=name):
        dcf.read_vector(z)
    for args in (("layers", "import", "--provenance", "authoritative", "industrial_clusters", z, "--dry-run"),
                 ("site", "check", "--site", z, "--industry", "轴承"),
                 ("audit", "idle", "--parcels", z, "--as-of", "2025-06-30", "-o", str(files / f"out_{name}"))):
        r = _cli(files, *args)
        assert r.exit_code != 0 and name in r.output and "重新打包" in r.output, (args, r.output)
        assert "BadZipFile" not in r.output and "Traceback" not in r.output


def test_a_zip_of_two_datasets_lists_them_and_reads_the_one_named(files):
    with pytest.raises(dcf.InputError) as got:
        dcf.read_vector(files / "two.zip")
    assert "地块.gpkg" in str(got.value) and "数据/另一块.geojson" in str(got.value)
    assert dcf.read_vector(files / "two.zip", layer="另一块")["name"].tolist() == ["另一块"]
    assert dcf.read_vector(files / "two.zip", layer="地块.gpkg")["name"].tolist() == ["地块"]
    r = _cli(files, "site", "check", "--site", str(files / "two.zip"), "--industry", "轴承")
    assert r.exit_code != 0 and "2 个数据集" in r.output and "--layer" in r.output


def test_the_desk_upload_of_a_zip_of_two_datasets_asks_which_instead_of_taking_the_first(files, tmp_path):
    from dcf_spatial.desk.errors import DeskError
    from dcf_spatial.desk.uploads import unpack_zip

    with pytest.raises(DeskError) as got:
        unpack_zip(files / "two.zip", tmp_path / "a", limit_bytes=1 << 24)
    assert got.value.status == 400
    assert "地块.gpkg" in got.value.message and "数据/另一块.geojson" in got.value.message
    assert "说明.txt" not in got.value.message  # a note beside the data is not a dataset
    opened = unpack_zip(files / "two.zip", tmp_path / "b", limit_bytes=1 << 24, layer="另一块")
    assert dcf.read_vector(opened)["name"].tolist() == ["另一块"]


# --- 4: an import names an empty id, and refuses zone features outside the district -----------------------------
def test_import_names_the_feature_whose_id_is_empty(files):
    r = _cli(files, "layers", "import", "--provenance", "authoritative", "industrial_clusters", str(files / "nullid.gpkg"), "--dry-run")
    assert r.exit_code != 0 and "TypeError" not in r.output
    assert "编号 id 为空" in r.output and "第 2 条要素" in r.output


def test_a_zone_feature_at_0_0_is_refused_as_authoritative_and_taken_as_reference(files):
    name = read_layer("industrial_clusters", store=files / "s.gpkg")["name_zh"].iloc[2]
    r = _cli(files, "layers", "import", "--provenance", "authoritative", "industrial_clusters", str(files / "zero.gpkg"), "--dry-run")
    assert r.exit_code != 0 and "第 3 条要素" in r.output and name in r.output and "(0, 0)" in r.output
    assert "图层库未作改动" in r.output
    r = _cli(files, "layers", "import", "industrial_clusters", str(files / "zero.gpkg"), "--dry-run",
             "--provenance", "reference")
    assert r.exit_code == 0, r.output
