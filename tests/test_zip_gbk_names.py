"""Zips whose member names are not flagged UTF-8 (bit 0x800): GBK names from Chinese Windows
(资源管理器、WinRAR、好压) and UTF-8 names from Linux ``zip``. Python's zipfile and GDAL's /vsizip read
them as CP437 (``╝»╛█╟°…``); every zip path must list and open the real names (issue 12/13 follow-up)."""

from __future__ import annotations

import shutil
import zipfile

import pytest
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial import settings
from dcf_spatial.io import formats
from dcf_spatial.io.formats import zip_datasets
from dcf_spatial.store.catalog import read_layer

STEMS = ("集聚区_现状", "集聚区_调整方案")


class _RawName(zipfile.ZipInfo):
    """A member written the way Windows zips look: the name's raw bytes, no UTF-8 flag."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("cp437"), self.flag_bits & ~0x800


def _zip(path, files, name_encoding):
    with zipfile.ZipFile(path, "w") as zf:
        for f in files:
            info = _RawName(f.name.encode(name_encoding).decode("cp437"))
            info.flag_bits = 0
            zf.writestr(info, f.read_bytes())
    return path


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    d = tmp_path_factory.mktemp("gbkzips")
    shutil.copy(settings.checkout_store, d / "s.gpkg")
    clusters = read_layer("industrial_clusters", store=d / "s.gpkg")
    g = clusters[["id", "name_zh", "geometry"]].rename(columns={"name_zh": "名称"})
    parts = d / "parts"
    parts.mkdir()
    g.to_file(parts / f"{STEMS[0]}.shp", encoding="gbk")  # a GBK .dbf (with its .cpg), as ArcGIS writes
    g.iloc[:2].to_file(parts / f"{STEMS[1]}.shp", encoding="gbk")
    files = sorted(parts.iterdir())
    one = [f for f in files if f.stem == STEMS[1]]
    return {"dir": d, "n": len(g),
            "gbk": _zip(d / "两个_gbk.zip", files, "gbk"), "utf8": _zip(d / "两个_utf8.zip", files, "utf-8"),
            "one_gbk": _zip(d / "一个_gbk.zip", one, "gbk")}


def _cli(d, *args):
    from dcf_spatial.cli.main import cli

    return CliRunner().invoke(cli, ["--store", str(d / "s.gpkg"), *args], catch_exceptions=False)


def test_the_test_zips_really_lack_the_utf8_flag_and_read_garbled_without_the_fix(zips):
    with zipfile.ZipFile(zips["gbk"]) as zf:
        infos = zf.infolist()
    assert all(not i.flag_bits & 0x800 for i in infos)
    assert not any("集聚区" in i.filename for i in infos)  # what zipfile and GDAL see: CP437
    assert {formats.zip_member_name(i) for i in infos} >= {f"{STEMS[0]}.shp", f"{STEMS[1]}.dbf"}


def test_a_member_name_decodes_utf8_then_gbk_else_stays_cp437():
    def info(raw: bytes, flag=0):
        i = zipfile.ZipInfo(raw.decode("cp437") if not flag else raw.decode("utf-8"))
        i.flag_bits = flag
        return i

    assert formats.zip_member_name(info("宗地.shp".encode("utf-8"))) == "宗地.shp"
    assert formats.zip_member_name(info("宗地.shp".encode("gbk"))) == "宗地.shp"
    assert formats.zip_member_name(info(b"parcels.shp")) == "parcels.shp"
    assert formats.zip_member_name(info("宗地.shp".encode("utf-8"), flag=0x800)) == "宗地.shp"
    assert formats.zip_member_name(info(b"\x81\x20.shp")) == b"\x81\x20.shp".decode("cp437")  # neither: kept


@pytest.mark.parametrize("which", ["gbk", "utf8"])
def test_a_zip_of_two_unflagged_datasets_lists_and_opens_the_real_names(zips, which):
    z = zips[which]
    assert zip_datasets(z) == [f"{STEMS[0]}.shp", f"{STEMS[1]}.shp"]
    with pytest.raises(dcf.InputError) as got:
        dcf.read_vector(z)
    assert STEMS[0] in str(got.value) and STEMS[1] in str(got.value) and "╝" not in str(got.value)
    gdf = dcf.read_vector(z, layer=STEMS[1])
    assert len(gdf) == 2 and gdf["名称"].notna().all() and "集聚区" not in "".join(gdf.columns)
    assert len(dcf.read_vector(z, layer=f"{STEMS[0]}.shp")) == zips["n"]
    # the GBK .dbf of the member named is found (its .cpg): names read right, not mojibake
    assert set(gdf["名称"]) <= set(read_layer("industrial_clusters", store=zips["dir"] / "s.gpkg")["name_zh"])


def test_a_zip_of_one_unflagged_dataset_opens_by_its_real_name_and_without_one(zips):
    assert zip_datasets(zips["one_gbk"]) == [f"{STEMS[1]}.shp"]
    assert len(dcf.read_vector(zips["one_gbk"])) == 2
    assert len(dcf.read_vector(zips["one_gbk"], layer=STEMS[1])) == 2


def test_cli_layers_import_dry_run_names_the_real_datasets_and_takes_the_one_named(zips):
    d, z = zips["dir"], str(zips["gbk"])
    r = _cli(d, "layers", "import", "--provenance", "authoritative", "industrial_clusters", z, "--dry-run")
    assert r.exit_code != 0 and f"--layer {STEMS[0]}" in r.output and STEMS[1] in r.output, r.output
    assert "╝" not in r.output
    r = _cli(d, "layers", "import", "--provenance", "authoritative", "industrial_clusters", z, "--layer", STEMS[1], "--dry-run",
             "--field", "name_zh=名称")
    assert r.exit_code == 0 and "试导入（未写入）" in r.output and "╝" not in r.output, r.output
    assert "删除：cluster.zhengjia、cluster.guangping" in r.output  # the two-feature 调整方案 was read


def test_the_desk_upload_lists_and_unpacks_the_real_names(zips, tmp_path):
    from dcf_spatial.desk.errors import DeskError
    from dcf_spatial.desk.uploads import unpack_zip

    with pytest.raises(DeskError) as got:
        unpack_zip(zips["gbk"], tmp_path / "a", limit_bytes=1 << 24)
    assert got.value.extra["datasets"] == [f"{STEMS[0]}.shp", f"{STEMS[1]}.shp"]
    assert "╝" not in got.value.message
    opened = unpack_zip(zips["gbk"], tmp_path / "b", limit_bytes=1 << 24, layer=STEMS[1])
    assert len(dcf.read_vector(opened)) == 2


def test_the_streaming_readers_open_and_name_the_real_layer(zips):
    from dcf_spatial.io import stream

    scan = stream.scan_vector(zips["gbk"], layer=STEMS[1])
    assert scan["layer"] == STEMS[1] and scan["count"] == 2
    rows = list(stream.iter_records(zips["utf8"], layer=STEMS[0], geometry=False))
    assert len(rows) == zips["n"] and {r["layer"] for r in rows} == {STEMS[0]}
