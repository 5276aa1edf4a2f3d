"""The desk's 选址核查 for a named site and a drawn one (QA round 7 new user, finding 7): the zone table's 亩, the DOCX's
对口分区 distances, the report map of a named unit, the DOCX header, and the reading note of a drawn polygon."""

from __future__ import annotations

import io

from dcf_spatial.desk.docx_report import distance_cell, zone_headers_broken

VILLAGE = "郑家镇王屯村"
DRAWN = {"type": "Polygon", "coordinates": [[[115.745, 36.452], [115.752, 36.452], [115.752, 36.457],
                                             [115.745, 36.457], [115.745, 36.452]]]}


def _docx(data: bytes):
    from docx import Document

    return Document(io.BytesIO(data))


def test_a_named_units_zero_distance_is_not_said_as_the_site_inside_the_zone():
    named = {"parcel_known": False, "from_name": {"level": "镇街"}}
    assert distance_cell(0.0, named) == "0（该镇街与其相交或相邻，具体地块未知）"
    assert distance_cell(0.0, {"parcel_known": True}) == "0（场地在其内）"  # a drawn parcel: it is inside
    assert distance_cell(2.8, named) == "2.8"


def test_the_long_unit_header_breaks_before_its_unit_not_before_the_bracket():
    assert zone_headers_broken({"parcel_known": False, "from_name": {"level": "镇街"}})[0] == "该镇街内面积\n（亩）"
    assert zone_headers_broken({"area_mu": 50, "parcel_known": True})[0] == "重叠面积（亩）"


def test_the_docx_of_a_named_site_shows_each_zones_own_area_and_no_false_zero(desk):
    r = desk.post("/api/site-check/export/docx", json={"site": VILLAGE, "industry": "轴承", "area_mu": 50})
    assert r.status_code == 200, r.text
    doc = _docx(r.content)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "0（场地在其内）" not in cells
    assert any(c.startswith("该") and "面积\n（亩）" in c for c in cells)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "蓝色虚线" in text and "不是项目地块的位置或边界" in text


def test_the_page_answer_of_a_drawn_polygon_says_it_was_drawn_on_the_map(desk):
    body = {"site": DRAWN, "industry": "轴承", "crs": "EPSG:4326", "drawn_on_map": True}  # as the page sends a polygon drawn on it
    notes = desk.post("/api/site-check", json=body).json()["read_notes"]
    assert not any("文件未声明坐标系" in n for n in notes)
    assert any("地图上绘制" in n and "WGS84" in n for n in notes)
