"""The command line reads a zip as the desk does (task FI8, QA round 9 findings 3 and 4).

A shapefile zipped inside a folder (``zip -r``, Windows “发送到压缩(zipped)文件夹”), a zip inside a zip, and a
UTF-8 DBF without ``.cpg`` whose Chinese field name GDAL cut at 10 bytes mid-character: ``dcf site check --site``,
``dcf audit idle --parcels`` and ``dcf layers import`` read them through one unpacking (:mod:`dcf_spatial.io.unzip`),
which keeps the desk's caps (traversal, links, unpacked size).
"""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError
from dcf_spatial.io.unzip import ZipRefused, unpack_zip

# a square of about 51 亩 in 郑家镇工业集聚区
SQUARE = shapely.box(115.7500, 36.4550, 115.7520, 36.4567)


@pytest.fixture(scope="module")
def shp(tmp_path_factory):
    """dk.shp in UTF-8 with the field 用地单位 (12 bytes: GDAL cuts it to 10, half a character) and no .cpg."""
    d = tmp_path_factory.mktemp("shp")
    g = gpd.GeoDataFrame({"名称": ["甲"], "用地单位": ["某公司"]}, geometry=[SQUARE], crs=4490)
    with pytest.warns(RuntimeWarning):  # GDAL says it laundered the field name
        g.to_file(d / "dk.shp", encoding="utf-8")
    (d / "dk.cpg").unlink()
    assert b"\xe7\x94\xa8\xe5\x9c\xb0\xe5\x8d\x95\xe4\x00" in (d / "dk.dbf").read_bytes()  # really cut
    return d


def _zip(path, files: dict):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def _parts(d, folder=""):
    return {f"{folder}dk{s}": (d / f"dk{s}").read_bytes() for s in (".shp", ".shx", ".dbf", ".prj")}


@pytest.mark.parametrize("folder", ["红线/子目录/", ""])
def test_a_zipped_shapefile_in_a_folder_and_its_cut_field_name_are_read(shp, tmp_path, folder):
    z = _zip(tmp_path / "zfolder.zip", _parts(shp, folder))
    gdf = dcf.read_vector(z)
    assert len(gdf) == 1 and "用地单位" in gdf.columns and gdf["用地单位"].iloc[0] == "某公司"
    notes = " ".join(gdf.attrs["read_notes"])
    assert "用地单→用地单位" in notes
    assert str(z) in gdf.attrs["source_file"] and "/tmp/dcf-zip-" not in notes
    if folder:
        assert "红线/子目录/dk.shp" in gdf.attrs["source_file"]


def test_a_zip_inside_a_zip_is_read(shp, tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        for name, data in _parts(shp, "地块/").items():
            zf.writestr(name, data)
    z = _zip(tmp_path / "znested.zip", {"inner.zip": inner.getvalue()})
    gdf = dcf.read_vector(z)
    assert gdf["用地单位"].iloc[0] == "某公司" and "inner.zip/地块/dk.shp" in gdf.attrs["source_file"]


def test_the_cli_site_check_audit_and_import_read_the_folder_zip(shp, tmp_path):
    z = _zip(tmp_path / "zfolder.zip", _parts(shp, "红线/"))
    r = CliRunner().invoke(cli, ["site", "check", "--site", str(z), "--industry", "轴承"])
    assert r.exit_code == 0, r.output
    assert "GDAL 无法打开" not in r.output and "用地单→用地单位" in r.output
    r = CliRunner().invoke(cli, ["layers", "import", "--provenance", "authoritative", "cluster_parks", str(z), "--dry-run"])
    assert "GDAL 无法打开" not in r.output and "用地单位" in r.output  # read: the fields are listed
    r = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(z), "--as-of", "2025-12-31", "-o",
                                 str(tmp_path / "idle")])
    assert "GDAL 无法打开" not in r.output and "宗地表缺少字段" in r.output   # read, then its fields judged


def test_the_caps_still_hold_for_the_cli(tmp_path):
    bad = _zip(tmp_path / "bad.zip", {"/etc/evil.geojson": "{}"})
    with pytest.raises(InputError, match="路径不安全"):
        dcf.read_vector(bad)
    bomb = _zip(tmp_path / "bomb.zip", {"a.geojson": " " * (1 << 20)})
    with pytest.raises(ZipRefused, match="超过大小上限") as exc:
        unpack_zip(bomb, tmp_path / "out", limit_bytes=1 << 16)
    assert exc.value.status == 413
