"""Zips, QA round 10 (task FI9): a shapefile beside a zip of another dataset, a 说明.txt beside a zipped folder,
declared sizes checked before unpacking, and an unsafe member named on the command line as on the desk."""

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
from dcf_spatial.io import unzip
from dcf_spatial.io.unzip import ZipRefused, unpack_zip

SQUARE = shapely.box(115.7500, 36.4550, 115.7520, 36.4567)


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    d = tmp_path_factory.mktemp("shp")
    gpd.GeoDataFrame({"名称": ["甲"]}, geometry=[SQUARE], crs=4490).to_file(d / "dk.shp", encoding="utf-8")
    return {s: (d / f"dk{s}").read_bytes() for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")}


def _zip_bytes(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _shp(parts, stem):
    return {f"{stem}{s}": b for s, b in parts.items()}


def test_a_shapefile_beside_a_zip_of_another_dataset_is_two_datasets(parts, tmp_path):
    z = tmp_path / "mix2.zip"
    z.write_bytes(_zip_bytes({**_shp(parts, "红线/地块"), "另一地块.zip": _zip_bytes(_shp(parts, "乙"))}))
    with pytest.raises(ZipRefused, match="含 2 个数据集") as exc:
        unpack_zip(z, tmp_path / "a")
    assert exc.value.datasets == ["红线/地块.shp", "另一地块.zip"]
    with pytest.raises(InputError, match="含 2 个数据集"):
        dcf.read_vector(z)
    # each can be chosen by name
    assert unpack_zip(z, tmp_path / "b", layer="另一地块")[1] == "另一地块.zip/乙.shp"
    assert unpack_zip(z, tmp_path / "c", layer="地块")[1] == "红线/地块.shp"


def test_a_readme_txt_beside_a_zipped_folder_is_not_the_dataset(parts, tmp_path):
    z = tmp_path / "txt_plus_zip.zip"
    z.write_bytes(_zip_bytes({"说明.txt": "本压缩包为项目红线，坐标系 CGCS2000。".encode(),
                              "红线.zip": _zip_bytes(_shp(parts, "红线/地块"))}))
    gdf = dcf.read_vector(z)
    assert len(gdf) == 1 and gdf["名称"].iloc[0] == "甲"
    assert "红线.zip/红线/地块.shp" in gdf.attrs["source_file"]


def test_declared_sizes_over_the_cap_are_refused_before_unpacking(tmp_path, monkeypatch):
    from dcf_spatial.io import unzip

    z = tmp_path / "big.zip"
    z.write_bytes(_zip_bytes({"a.geojson": " " * (1 << 20)}))
    # an upload's own cap (the desk's): refused, and no word of the environment variable, which does not set it
    with pytest.raises(ZipRefused, match="未解压即拒绝") as exc:
        unpack_zip(z, tmp_path / "out", limit_bytes=1 << 16)
    assert exc.value.status == 413 and "a.geojson" in str(exc.value) and "DCF_ZIP_MAX_MB" not in str(exc.value)
    assert list((tmp_path / "out").iterdir()) == []   # nothing written
    # the cap of a zip read from disk (set by DCF_ZIP_MAX_MB): the message names the variable
    monkeypatch.setattr(unzip, "MAX_UNPACKED_BYTES", 1 << 16)
    with pytest.raises(ZipRefused, match="未解压即拒绝") as exc:
        unpack_zip(z, tmp_path / "out2", limit_bytes=1 << 16)
    assert "DCF_ZIP_MAX_MB" in str(exc.value)


def test_a_member_packed_like_a_zip_bomb_is_refused_before_unpacking(tmp_path, monkeypatch):
    monkeypatch.setattr(unzip, "BOMB_MIN_BYTES", 1 << 16)
    z = tmp_path / "bomb.zip"
    z.write_bytes(_zip_bytes({"地块.shp": b"\0" * (4 << 20)}))
    with pytest.raises(ZipRefused, match="压缩炸弹") as exc:
        unpack_zip(z, tmp_path / "out")
    assert exc.value.status == 413 and "地块.shp" in str(exc.value)
    assert list((tmp_path / "out").iterdir()) == []


def test_the_default_cap_is_2_gb():
    assert unzip.MAX_UNPACKED_BYTES == 2048 << 20


def test_the_cli_names_an_unsafe_member_as_the_desk_does(parts, tmp_path):
    z = tmp_path / "trav.zip"
    z.write_bytes(_zip_bytes(_shp(parts, "../../地块")))
    with pytest.raises(InputError, match="路径不安全"):
        dcf.read_vector(z)
    r = CliRunner().invoke(cli, ["site", "check", "--site", str(z), "--industry", "轴承"])
    assert r.exit_code != 0 and "路径不安全" in r.output and "../../地块" in r.output
