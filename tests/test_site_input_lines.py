"""A site drawn as lines, and a site file whose name begins like WKT (task FI8, QA round 9 findings 2 and 8).

A site is an area (the land-use figures of 《工业项目建设用地控制指标》 are per 亩 of land): four CAD LINEs that close
into a square are that square, said in the notes (“由闭合的线围成面”); an open polyline or lines leaving a gap
are refused with the fix, never answered 符合 with “面积 0.00 亩”. A point stays a point site. A file that
exists wins over WKT: ``point.kml`` is a file, not ``POINT.KML``.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError

# a square of 200 m × 162 m in 郑家镇工业集聚区, in CGCS2000 3° zone 39 (EPSG:4527) metres as CAD draws it
X0, Y0 = 39_388_000.0, 4_036_800.0
CORNERS = [(X0, Y0), (X0 + 200, Y0), (X0 + 200, Y0 + 162), (X0, Y0 + 162)]
SQUARE_MU = 200 * 162 / (10_000 / 15)


def _dxf(path, lines):
    import pyogrio

    with pytest.warns(UserWarning, match="crs"):  # CAD files carry no CRS
        pyogrio.write_dataframe(gpd.GeoDataFrame(geometry=lines), path, driver="DXF")
    return path


def _sides(corners):
    return [shapely.LineString([corners[i], corners[(i + 1) % len(corners)]]) for i in range(len(corners))]


def test_four_lines_closing_a_square_are_that_square(tmp_path):
    path = _dxf(tmp_path / "lines.dxf", _sides(CORNERS))
    gdf = dcf.read_site(str(path))
    assert gdf.geom_type.tolist() == ["Polygon"]
    assert gdf["area_mu_measured"].iloc[0] == pytest.approx(SQUARE_MU, rel=1e-3)
    note = next(n for n in gdf.attrs["read_notes"] if "由闭合的线围成面" in n)
    assert "第 1、2、3、4 条线" in note and "1 个面" in note
    answer = dcf.check_site(str(path), "轴承")
    assert answer.results[0]["site"]["area_mu"] == pytest.approx(SQUARE_MU, rel=1e-3)
    assert answer.results[0]["site"]["geometry_type"] == "Polygon"


@pytest.mark.parametrize("lines, what", [
    ([shapely.LineString(CORNERS)], "没有围成闭合的面"),                  # an open polyline (LWPOLYLINE not closed)
    (_sides(CORNERS)[:3], "没有围成闭合的面"),                           # three sides of the square
    (_sides(CORNERS) + [shapely.LineString([(X0 + 200, Y0), (X0 + 300, Y0 - 50)])], "有一部分没有闭合"),  # a tail
])
def test_lines_that_do_not_close_are_refused_with_the_fix(tmp_path, lines, what):
    path = _dxf(tmp_path / "open.dxf", lines)
    with pytest.raises(InputError, match=what) as exc:
        dcf.read_site(str(path))
    msg = str(exc.value)
    assert "open.dxf" in msg and "闭合多段线" in msg and "端点" in msg
    r = CliRunner().invoke(cli, ["site", "check", "--site", str(path), "--industry", "轴承"])
    assert r.exit_code != 0 and "0.00 亩" not in r.output and "符合" not in r.output.split("闭合")[0]


def test_a_line_typed_as_wkt_is_refused_too():
    with pytest.raises(InputError, match="没有围成闭合的面"):
        dcf.read_site("LINESTRING(115.75 36.455, 115.752 36.455)")


def test_a_point_file_named_like_wkt_is_read_as_a_file_and_stays_a_point(tmp_path, monkeypatch):
    kml = ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>'
           "<name>点</name><Point><coordinates>115.752007,36.455021,0</coordinates></Point></Placemark></Document></kml>")
    (tmp_path / "point.kml").write_text(kml, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    gdf = dcf.read_site("point.kml")                       # a bare name starting with "point": the file, not WKT
    assert gdf.geom_type.tolist() == ["Point"]
    r = CliRunner().invoke(cli, ["site", "check", "--site", "point.kml", "--industry", "轴承"])
    assert r.exit_code == 0, r.output
    assert "点位" in r.output and "WKT" not in r.output
    with pytest.raises(InputError, match="WKT"):             # no such file: still read as (bad) WKT
        dcf.read_site("POINT.KMZ")


# QA round 10 (task FI9): a ring of lines inside another is a hole; an open dimension line beside a closed red line
INNER = [(X0 + 50, Y0 + 40), (X0 + 150, Y0 + 40), (X0 + 150, Y0 + 121), (X0 + 50, Y0 + 121)]   # 100 m × 81 m


def test_a_ring_of_lines_inside_another_is_a_hole(tmp_path):
    path = _dxf(tmp_path / "nested.dxf", _sides(CORNERS) + _sides(INNER))
    gdf = dcf.read_site(str(path))
    assert len(gdf) == 1 and len(gdf.geometry.iloc[0].interiors) == 1
    assert gdf["area_mu_measured"].iloc[0] == pytest.approx((200 * 162 - 100 * 81) / (10_000 / 15), rel=1e-3)
    note = next(n for n in gdf.attrs["read_notes"] if "由闭合的线围成面" in n)
    assert "1 圈在另一圈之内，按洞处理" in note


def _closed_polyline_and_dim_line(path):
    """A closed LWPOLYLINE on layer RED and one LINE on layer DIM 20 m below it, as CAD writes them."""
    sq = "".join(f"10\n{x}\n20\n{y}\n" for x, y in CORNERS)
    text = ("0\nSECTION\n2\nENTITIES\n0\nLWPOLYLINE\n100\nAcDbEntity\n8\nRED\n100\nAcDbPolyline\n90\n4\n70\n1\n" + sq
            + f"0\nLINE\n8\nDIM\n10\n{X0}\n20\n{Y0 - 20}\n30\n0\n11\n{X0 + 200}\n21\n{Y0 - 20}\n31\n0\n0\nENDSEC\n0\nEOF\n")
    path.write_text(text)
    return path


def test_an_open_dimension_line_beside_a_closed_red_line_is_left_out_and_named(tmp_path):
    gdf = dcf.read_site(str(_closed_polyline_and_dim_line(tmp_path / "dim.dxf")))
    assert gdf.geom_type.tolist() == ["Polygon"]
    assert gdf["area_mu_measured"].iloc[0] == pytest.approx(SQUARE_MU, rel=1e-3)
    note = next(n for n in gdf.attrs["read_notes"] if "未闭合，不是场地的边界" in n)
    assert "第 2 条线" in note and "DIM" in note


# leftover11: the 报批 red line drawn as closed LWPOLYLINEs (GDAL makes each a polygon row), one of them inside
# another — a village kept out of the parcel — is a hole, as a ring of LINEs inside another already was
BESIDE = [(X0 + 300, Y0), (X0 + 400, Y0), (X0 + 400, Y0 + 81), (X0 + 300, Y0 + 81)]   # 100 m × 81 m, apart
ISLAND = [(X0 + 80, Y0 + 60), (X0 + 120, Y0 + 60), (X0 + 120, Y0 + 100), (X0 + 80, Y0 + 100)]  # inside INNER
MU = 10_000 / 15


def _lwpolyline(corners, layer="RED"):
    """A closed LWPOLYLINE entity (group 70 = 1), as CAD writes it."""
    return (f"0\nLWPOLYLINE\n100\nAcDbEntity\n8\n{layer}\n100\nAcDbPolyline\n90\n{len(corners)}\n70\n1\n"
            + "".join(f"10\n{x}\n20\n{y}\n" for x, y in corners))


def _line(a, b, layer="RED"):
    return f"0\nLINE\n8\n{layer}\n10\n{a[0]}\n20\n{a[1]}\n30\n0\n11\n{b[0]}\n21\n{b[1]}\n31\n0\n"


def _cad(path, *entities):
    path.write_text("0\nSECTION\n2\nENTITIES\n" + "".join(entities) + "0\nENDSEC\n0\nEOF\n")
    return path


def test_a_closed_polyline_inside_another_is_a_hole(tmp_path):
    path = _cad(tmp_path / "red.dxf", _lwpolyline(CORNERS), _lwpolyline(INNER, layer="VILLAGE"))
    gdf = dcf.read_site(str(path))
    assert len(gdf) == 1 and len(gdf.geometry.iloc[0].interiors) == 1
    assert gdf["area_mu_measured"].iloc[0] == pytest.approx((200 * 162 - 100 * 81) / MU, rel=1e-3)
    note = next(n for n in gdf.attrs["read_notes"] if "按洞处理" in n)
    assert "第 2 条闭合多段线在第 1 条闭合多段线之内" in note and "不计入场地" in note
    answer = dcf.check_site(str(path), "轴承")
    assert answer.results[0]["site"]["area_mu"] == pytest.approx((200 * 162 - 100 * 81) / MU, rel=1e-3)
    # read as a layer (a 宗地 layer may hold an enclave parcel), each closed polyline stays its own row
    assert dcf.read_vector(path).geom_type.tolist() == ["Polygon", "Polygon"]


def test_a_closed_polyline_beside_another_stays_a_second_part(tmp_path):
    path = _cad(tmp_path / "two.dxf", _lwpolyline(CORNERS), _lwpolyline(INNER), _lwpolyline(BESIDE))
    gdf = dcf.read_site(str(path))
    assert gdf.geom_type.tolist() == ["Polygon", "Polygon"]
    assert [len(p.interiors) for p in gdf.geometry] == [1, 0]
    assert sorted(gdf["area_mu_measured"].round(2)) == sorted(
        [round((200 * 162 - 100 * 81) / MU, 2), round(100 * 81 / MU, 2)])
    answer = dcf.check_site(str(path), "轴承")
    assert answer.results[0]["site"]["area_mu"] == pytest.approx(200 * 162 / MU, rel=1e-3)  # 48.6 − 12.15 + 12.15
    alone = dcf.read_site(str(_cad(tmp_path / "apart.dxf", _lwpolyline(CORNERS), _lwpolyline(BESIDE))))
    assert len(alone) == 2 and not any("按洞处理" in n for n in alone.attrs["read_notes"])


def test_even_odd_an_island_in_the_hole_is_a_part_and_a_copy_counts_once(tmp_path):
    gdf = dcf.read_site(str(_cad(tmp_path / "island.dxf", _lwpolyline(CORNERS), _lwpolyline(INNER),
                                 _lwpolyline(ISLAND))))
    assert gdf["area_mu_measured"].sum() == pytest.approx((200 * 162 - 100 * 81 + 40 * 40) / MU, rel=1e-3)
    twice = dcf.read_site(str(_cad(tmp_path / "twice.dxf", _lwpolyline(CORNERS), _lwpolyline(CORNERS),
                                   _lwpolyline(INNER))))
    assert twice.union_all().area > 0
    assert dcf.check_site(str(tmp_path / "twice.dxf"), "轴承").results[0]["site"]["area_mu"] == pytest.approx(
        (200 * 162 - 100 * 81) / MU, rel=1e-3)


def test_a_ring_of_lines_inside_a_closed_polyline_is_a_hole_too(tmp_path):
    sides = [_line(INNER[i], INNER[(i + 1) % 4], layer="VILLAGE") for i in range(4)]
    gdf = dcf.read_site(str(_cad(tmp_path / "mixed.dxf", _lwpolyline(CORNERS), *sides)))
    assert len(gdf) == 1 and len(gdf.geometry.iloc[0].interiors) == 1
    note = next(n for n in gdf.attrs["read_notes"] if "按洞处理" in n)
    assert "第 2、3、4、5 条线围成的圈在第 1 条闭合多段线之内" in note
