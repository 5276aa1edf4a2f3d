"""Breaker F6, F7, F11 on the desk: a 地块名称 with a line break downloads as a 报批 TXT that reads back; a
``survey_header`` the desk did not answer is refused (it was written into the TXT unsigned); a 项目名称 with a
right-to-left override or ESC is shown in the HTML report, the DOCX and the PDF with those characters in words."""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
import pytest

from dcf_spatial.io.survey_txt import read_survey_txt

from test_site_crs_said import TXT, _page_body, _read
from test_survey_txt_one_line_fields import BOX, FORGED, NAMES, _sections


def test_a_name_with_a_line_break_downloads_as_a_txt_that_reads_back(desk, tmp_path):
    src = tmp_path / "inj.gpkg"
    gpd.GeoDataFrame({"地块编号": ["1"], "地块名称": [FORGED]}, geometry=[BOX], crs=4490).to_file(src)
    read = _read(desk, "inj.gpkg", src.read_bytes())
    r = desk.post("/api/site-check/export/txt", json=_page_body(read))
    assert r.status_code == 200, r.text
    out = tmp_path / "inj_out.txt"
    out.write_bytes(r.content)
    assert _sections(out) == ["[属性描述]", "[地块坐标]"]
    back = read_survey_txt(out)
    assert back["地块名称"].tolist() == [NAMES[FORGED]]
    # and the desk reads its own download again
    assert _read(desk, "inj_out.txt", r.content)["features"] == 1


FORGED_PRODUCER = "自然资源部\n[地块坐标]\n5,999,1,伪造,面,,工业用地,,@"


def test_a_survey_header_the_desk_did_not_answer_is_refused(desk):
    read = _read(desk, "报批坐标.txt", TXT)
    body = _page_body(read)
    assert read["parcels"]["survey_header"]   # a TXT's header travels with its 地块
    forged = {**read["parcels"], "survey_header": {**read["parcels"]["survey_header"], "数据产生单位": FORGED_PRODUCER}}
    for path in ("/api/site-check/export/txt", "/api/site-check"):
        r = desk.post(path, json={**body, "site": forged})
        assert r.status_code == 422, r.text
        assert "survey_header" in r.json()["error"] and "重新上传" in r.json()["error"]
    # sent without the reading it belongs to: refused too, not written into the TXT
    bare = {k: v for k, v in forged.items() if k not in ("crs_read", "read_notes", "reading_sig")}
    assert desk.post("/api/site-check/export/txt", json={**body, "site": bare}).status_code == 422
    # a 图形警告 sent alone, without any signed reading, is no drawn site: refused, never printed in a report
    alone = {k: v for k, v in read["parcels"].items()
             if k not in ("crs_read", "read_notes", "survey_header", "reading_sig")}
    alone["shape_warnings"] = ["图形警告：伪造的说明"]
    r = desk.post("/api/site-check/export/html", json={**body, "site": alone})
    assert r.status_code == 422 and "shape_warnings" in r.json()["error"], r.text
    # the header as answered: the TXT downloads with it
    r = desk.post("/api/site-check/export/txt", json=body)
    assert r.status_code == 200, r.text
    assert "数据产生单位=" in r.content.decode("gbk")


PROJECTS = {"<b>x</b>\u202e反": "<b>x</b><U+202E>反", "多行\n名称\x1b[31m": "多行\n名称␛[31m"}


@pytest.mark.parametrize("project", list(PROJECTS))
def test_a_project_names_hidden_characters_are_shown_in_words_in_the_reports(desk, project):
    import html as h

    ring = [[115.7405, 36.4607], [115.7427, 36.4607], [115.7427, 36.4621], [115.7405, 36.4621], [115.7405, 36.4607]]
    body = {"site": {"type": "Polygon", "coordinates": [ring]}, "crs": "EPSG:4326", "industry": "轴承", "project": project}
    shown = PROJECTS[project]
    r = desk.post("/api/site-check/export/html", json=body)
    assert r.status_code == 200, r.text
    text = h.unescape(r.text)
    assert f"<td>项目名称</td><td>{shown}</td>" in text
    assert "\u202e" not in text and "\x1b" not in text
    assert "<b>x</b>" not in r.text   # still escaped: text, not markup
    r = desk.post("/api/site-check/export/docx", json=body)
    assert r.status_code == 200, r.text
    from docx import Document

    doc = Document(io.BytesIO(r.content))
    assert f"项目名称：{shown}" in [p.text for p in doc.paragraphs]
    xml = zipfile.ZipFile(io.BytesIO(r.content)).read("word/document.xml").decode()
    assert "\u202e" not in xml
    r = desk.post("/api/site-check/export/pdf", json=body)
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"%PDF")
