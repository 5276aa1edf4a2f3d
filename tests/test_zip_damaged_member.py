"""A zip whose member is damaged — a flipped byte (its CRC fails) or a header under-declaring the member's size —
is refused with a Chinese message naming the zip, the member and the fix (re-create the zip), on the command line
and on every desk endpoint taking a file (breaker B31-5: a desk import preview answered 500 «BadZipFile», the
command line printed a traceback)."""

from __future__ import annotations

import io
import re
import struct
import zipfile

import geopandas as gpd
import httpx
import pytest
import shapely
from click.testing import CliRunner

from _desk_server import running_desk
from browser import make_fixture_store
from dcf_spatial.cli.main import cli

MEMBER = "红线/地块.geojson"


def _geojson() -> bytes:
    site = gpd.GeoDataFrame({"name": ["地块"], "id": ["cluster.x"], "name_zh": ["地块"]},
                            geometry=[shapely.Point(115.75, 36.455).buffer(0.002)], crs=4326)
    return site.to_json().encode()


def _crc_zip() -> bytes:
    """The member stored (not compressed) with one byte of its data flipped: a bad USB stick."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(MEMBER, _geojson())
    data = bytearray(buf.getvalue())
    at = data.index(b"115.75")
    data[at + 2] ^= 0x01
    return bytes(data)


def _liar_zip() -> bytes:
    """The member compressed, its local and central headers declaring 1,000 bytes instead of its real size."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MEMBER, _geojson() + b" " * 50_000)
    data = bytearray(buf.getvalue())
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, 1000)    # uncompressed size, local file header
    struct.pack_into("<I", data, central + 24, 1000)  # uncompressed size, central directory
    return bytes(data)


DAMAGED = {"crc.zip": _crc_zip, "liar.zip": _liar_zip}


def _says_damaged(text: str, zip_name: str) -> None:
    assert zip_name in text and MEMBER in text, text
    assert "已损坏" in text and "重新打包" in text and "zip" in text, text
    assert "BadZipFile" not in text and "Traceback" not in text and "CRC-32" not in text, text


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    d = tmp_path_factory.mktemp("damaged")
    for name, make in DAMAGED.items():
        (d / name).write_bytes(make())
    return d


@pytest.mark.parametrize("name", sorted(DAMAGED))
def test_every_command_reading_a_damaged_zip_names_the_zip_and_the_member(zips, tmp_path, name):
    with zipfile.ZipFile(zips / name) as zf, pytest.raises(zipfile.BadZipFile, match="CRC"):
        zf.read(MEMBER)  # the fixture is what the finding describes: Python's own reading fails its check
    z, store = str(zips / name), str(make_fixture_store(tmp_path / "s.gpkg"))
    for args in (("layers", "import", "industrial_clusters", z, "--provenance", "authoritative", "--dry-run"),
                 ("site", "check", "--site", z, "--industry", "轴承"),
                 ("site", "check", "--batch", z, "-o", str(tmp_path / "b.xlsx")),
                 ("audit", "idle", "--parcels", z, "--as-of", "2025-06-30", "-o", str(tmp_path / "out"))):
        r = CliRunner().invoke(cli, ["--store", store, *args])
        assert r.exit_code not in (0, None) and not isinstance(r.exception, zipfile.BadZipFile), (args, r.exception)
        _says_damaged(r.output, name)


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    store = make_fixture_store(tmp_path_factory.mktemp("desk") / "store.gpkg")
    with running_desk(store) as url, httpx.Client(base_url=url, timeout=120) as client:
        token = re.search(r'name="dcf-write-token" content="([^"]+)"', client.get("/layers").text).group(1)
        client.write_headers = {"X-DCF-Token": token, "Origin": url}
        yield client


@pytest.mark.parametrize("name", sorted(DAMAGED))
def test_every_desk_upload_of_a_damaged_zip_is_a_400_naming_the_upload_and_the_member(desk, zips, name):
    data = (zips / name).read_bytes()
    upload = f"乡镇_{name}"
    answers = {
        "import preview": desk.post("/api/layers/industrial_clusters/import/preview", headers=desk.write_headers,
                                    files={"file": (upload, data)}, data={"provenance": "authoritative"}),
        "site/read": desk.post("/api/site/read", files={"file": (upload, data)}),
        "batch": desk.post("/api/site-check/batch", files={"file": (upload, data)}),
        "audit": desk.post("/api/audit/idle", files={"parcels": (upload, data)}, data={"as_of": "2025-12-31"}),
    }
    for what, r in answers.items():
        assert r.status_code == 400, (what, r.status_code, r.text)
        _says_damaged(r.json()["error"], upload)


def test_reading_the_table_or_records_of_a_zipped_shapefile_with_a_damaged_dbf_names_it(tmp_path):
    """The readers that open a zip in place (GDAL's /vsizip/) read the .dbf's encoding from the zip first: a
    Bad CRC-32 escaped from there (``dcf_spatial.io.read_table``, ``iter_records``)."""
    from dcf_spatial import io as dcf_io
    from dcf_spatial.errors import InputError
    from dcf_spatial.io.stream import iter_records

    shp = tmp_path / "shp"
    shp.mkdir()
    gpd.GeoDataFrame({"名称": ["甲地块"]}, geometry=[shapely.Point(115.75, 36.455)], crs=4490).to_file(
        shp / "宗地.shp", encoding="utf-8")
    z = tmp_path / "宗地.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        for part in sorted(shp.iterdir()):
            zf.write(part, part.name)
    data = bytearray(z.read_bytes())
    data[data.index("甲地块".encode())] ^= 0x01
    z.write_bytes(bytes(data))
    for read in (lambda: dcf_io.read_table(z), lambda: list(iter_records(z))):
        with pytest.raises(InputError) as got:
            read()
        assert "宗地.dbf" in str(got.value) and "已损坏" in str(got.value) and "重新打包" in str(got.value)

