"""The desk reads what the command line reads (task FI8, QA round 9 findings 2, 3 and 9), over a real desk.

Lines that close into a square are that square (/api/site/read answers a Polygon, the check measures its 亩);
an open polyline is a 400 with the CAD fix; a zip inside a zip opens; a batch's 坐落 column is its address.
"""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
import pytest
import shapely

X0, Y0 = 39_388_000.0, 4_036_800.0   # EPSG:4527 metres in 郑家镇工业集聚区, as CAD draws them
CORNERS = [(X0, Y0), (X0 + 200, Y0), (X0 + 200, Y0 + 162), (X0, Y0 + 162)]


def _dxf(tmp_path, lines, name) -> bytes:
    import pyogrio

    path = tmp_path / name
    with pytest.warns(UserWarning, match="crs"):
        pyogrio.write_dataframe(gpd.GeoDataFrame(geometry=lines), path, driver="DXF")
    return path.read_bytes()


def test_lines_closing_a_square_are_read_as_the_square_and_open_lines_are_refused(desk, tmp_path):
    sides = [shapely.LineString([CORNERS[i], CORNERS[(i + 1) % 4]]) for i in range(4)]
    r = desk.post("/api/site/read", files={"file": ("lines.dxf", _dxf(tmp_path, sides, "lines.dxf"))})
    assert r.status_code == 200, r.text
    geo = r.json()
    assert geo["geometry"]["type"] == "Polygon"
    # the note names the uploaded file, not the server's temporary copy (QA round 10)
    notes = " ".join(geo["read_notes"])
    assert "lines.dxf 的第 1、2、3、4 条线" in notes and "/tmp/" not in notes and "upload.dxf" not in notes
    check = desk.post("/api/site-check", json={"site": geo["geometry"], "crs": geo["crs"], "industry": "轴承"}).json()
    assert check["site"]["area_mu"] == pytest.approx(200 * 162 / (10_000 / 15), rel=1e-3)
    r = desk.post("/api/site/read", files={"file": ("openpoly.dxf", _dxf(tmp_path, [shapely.LineString(CORNERS)], "open.dxf"))})
    assert r.status_code == 400 and "闭合多段线" in r.json()["error"] and "Traceback" not in r.text


def test_a_zip_inside_a_zip_is_read_by_the_desk(desk, tmp_path):
    d = tmp_path / "shp"
    d.mkdir()
    gpd.GeoDataFrame({"name": ["地块"]}, geometry=[shapely.Point(115.75, 36.455).buffer(0.002)], crs=4490).to_file(
        d / "地块.shp", encoding="utf-8")
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        for f in d.iterdir():
            zf.write(f, f"红线/{f.name}")
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as zf:
        zf.writestr("inner.zip", inner.getvalue())
    r = desk.post("/api/site/read", files={"file": ("znested.zip", outer.getvalue())})
    assert r.status_code == 200, r.text
    assert r.json()["geometry"]["type"] == "Polygon"
