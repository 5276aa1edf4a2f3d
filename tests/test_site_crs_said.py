"""The 核查意见 names the coordinate system the site was read in, and who said so (QA new-user round, finding 1).

A surveyor's 报批 TXT declares 2000国家大地坐标系 3 度带第 39 带 (EPSG:4527) in its header. The user chose no
坐标系 at the desk. The page said «文件未声明坐标系，按用户指定的 EPSG:4490 读入» and the DOCX/PDF printed
坐标系 = EPSG:4490: a reviewer would think the file had no CRS and the user had chosen one. What the user
should see, in the page's 读取说明 and in 核查输入 → 坐标系 of every report: the CRS the file was read in and
where it came from — the file's header / .prj / layer, the user's choice, or a guess from the coordinates.
"""

from __future__ import annotations

import io
import zipfile

import pytest

#: the QA's file: GBK, CRLF, two 地块 of 3.3333 and 1.0 公顷 near 郑家镇 (zone-prefixed Y coordinates)
TXT = "\r\n".join([
    "[属性描述]", "格式版本号=1.01版本", "数据产生单位=聊城市东昌府区自然资源局", "坐标系=2000国家大地坐标系",
    "几度分带=3", "投影类型=高斯克吕格", "计量单位=米", "带号=39", "精度=0.01", "转换参数=,,,,,,", "[地块坐标]",
    "5,3.3333,1,轴承保持器项目一号地块,面,J50G010001,工业用地,,@",
    "J1,1,4037394.017,39387099.938", "J2,1,4037560.684,39387099.938", "J3,1,4037560.684,39387299.938",
    "J4,1,4037394.017,39387299.938", "J1,1,4037394.017,39387099.938",
    "5,1.0000,2,轴承保持器项目二号地块,面,J50G020001,工业用地,,@",
    "J1,1,4037423.844,39387418.863", "J2,1,4037523.844,39387418.863", "J3,1,4037523.844,39387518.863",
    "J4,1,4037423.844,39387518.863", "J1,1,4037423.844,39387418.863", ""]).encode("gbk")


@pytest.fixture(scope="module")
def site_files(tmp_path_factory):
    """The same parcel as every kind of file a user uploads."""
    import geopandas as gpd
    import shapely

    d = tmp_path_factory.mktemp("sites")
    (d / "报批坐标.txt").write_bytes(TXT)
    parcel = gpd.GeoDataFrame({"名称": ["甲"]}, geometry=[shapely.box(115.7405, 36.4607, 115.7427, 36.4621)], crs=4490)
    parcel.to_crs(4527).to_file(d / "红线.shp", encoding="utf-8")
    for name, parts in (("红线.zip", ("shp", "shx", "dbf", "prj", "cpg")), ("无prj.zip", ("shp", "shx", "dbf", "cpg"))):
        with zipfile.ZipFile(d / name, "w") as z:
            for ext in parts:
                z.write(d / f"红线.{ext}", f"红线/红线.{ext}")
    parcel.to_crs(4527).to_file(d / "红线.gpkg")
    parcel.to_file(d / "红线.geojson")
    (d / "点位.csv").write_text("项目名称,经度,纬度\n甲,115.741,36.461\n", encoding="utf-8")
    return d


@pytest.mark.parametrize("name, crs, said", [
    ("报批坐标.txt", None, "EPSG:4527（CGCS2000 3 度带第 39 带），取自文件头"),
    ("红线.zip", None, "EPSG:4527（CGCS2000 3 度带第 39 带），取自 .prj 文件"),
    ("无prj.zip", None, "EPSG:4527（CGCS2000 3 度带第 39 带），未声明坐标系，按坐标数值判断"),
    ("红线.gpkg", None, "EPSG:4527（CGCS2000 3 度带第 39 带），取自 GeoPackage 图层定义"),
    ("红线.geojson", None, "EPSG:4490（CGCS2000 经纬度），取自 GeoJSON 文件"),
    ("点位.csv", None, "EPSG:4490（CGCS2000 经纬度），未声明坐标系，按坐标数值判断"),
    ("点位.csv", "gcj02", "GCJ-02（高德/腾讯坐标），用户指定"),
    ("报批坐标.txt", "EPSG:4527", "EPSG:4527（CGCS2000 3 度带第 39 带），用户指定"),
])
def test_every_file_says_the_crs_it_was_read_in(site_files, name, crs, said):
    import dcf_spatial as dcf

    answer = dcf.check_site(str(site_files / name), "轴承", crs=crs, area_mu=5 if name == "点位.csv" else None)
    assert answer.inputs["坐标系"] == said


@pytest.mark.parametrize("typed, crs, said", [
    ("115.741,36.461", None, "EPSG:4490（CGCS2000 经纬度），未声明坐标系，按坐标数值判断"),
    ("E115.741 N36.461", None, "EPSG:4490（CGCS2000 经纬度），未声明坐标系，按坐标数值判断"),
    ("115.741,36.461", "bd09", "BD-09（百度坐标），用户指定"),
])
def test_a_typed_point_says_its_crs_too(typed, crs, said):
    import dcf_spatial as dcf

    assert dcf.check_site(typed, "轴承", crs=crs).inputs["坐标系"] == said


def test_the_pdf_names_the_header_crs(site_files):
    import dcf_spatial as dcf
    from dcf_spatial.desk.pdf_report import report_blocks

    table = next(b for b in report_blocks(dcf.check_site(str(site_files / "报批坐标.txt"), "轴承")) if b[0] == "table")
    assert dict(table[2])["坐标系"] == "EPSG:4527（CGCS2000 3 度带第 39 带），取自文件头"


def test_a_record_the_desk_did_not_make_is_ignored():
    from dcf_spatial.crs.read_as import read_as_checked

    assert read_as_checked({"source": "file", "crs": "EPSG:4527", "declared_in": "领导批示"}) is None
    assert read_as_checked({"source": "manual", "crs": "EPSG:4527"}) is None
    assert read_as_checked({"source": "user", "crs": "不是坐标系"}) is None
    assert read_as_checked("EPSG:4527") is None


# ---- the desk: upload, check, download, as the page does it -------------------------------------------------

def _read(desk, name, data, crs=None):
    r = desk.post("/api/site/read", files={"file": (name, data)}, data={"crs": crs} if crs else None)
    assert r.status_code == 200, r.text
    return r.json()


def _page_body(read):
    # what desk.js sends: the 地块 read, with the read answer's crs (EPSG:4490) since it chose none itself
    return {"site": read["parcels"], "crs": read["crs"], "industry": "轴承"}


def test_desk_upload_of_a_txt_declaring_its_crs(desk):
    read = _read(desk, "报批坐标.txt", TXT)
    assert read["crs_read_zh"] == "EPSG:4527（CGCS2000 3 度带第 39 带），取自文件头"
    check = desk.post("/api/site-check", json=_page_body(read))
    assert check.status_code == 200, check.text
    notes = check.json()["read_notes"]
    assert not any("文件未声明坐标系" in n or "用户指定" in n for n in notes), notes
    assert any(n.startswith("坐标系取自文件头") and "EPSG:4527" in n for n in notes), notes
    assert notes[0].startswith("文件含 2 个地块")   # the combined note still comes first

    from docx import Document

    r = desk.post("/api/site-check/export/docx", json=_page_body(read))
    assert r.status_code == 200, r.text
    doc = Document(io.BytesIO(r.content))
    rows = {row.cells[0].text: row.cells[1].text for t in doc.tables for row in t.rows if len(row.cells) == 2}
    assert rows["坐标系"] == "EPSG:4527（CGCS2000 3 度带第 39 带），取自文件头"
    html = desk.post("/api/site-check/export/html", json=_page_body(read)).text
    assert "取自文件头" in html and "按用户指定的 EPSG:4490" not in html


def test_desk_upload_with_the_users_crs_and_without_a_prj(desk, site_files):
    read = _read(desk, "报批坐标.txt", TXT, crs="EPSG:4527")
    assert read["crs_read_zh"] == "EPSG:4527（CGCS2000 3 度带第 39 带），用户指定"
    read = _read(desk, "无prj.zip", (site_files / "无prj.zip").read_bytes())
    from docx import Document

    r = desk.post("/api/site-check/export/docx", json=_page_body(read))
    doc = Document(io.BytesIO(r.content))
    rows = {row.cells[0].text: row.cells[1].text for t in doc.tables for row in t.rows if len(row.cells) == 2}
    assert rows["坐标系"] == "EPSG:4527（CGCS2000 3 度带第 39 带），未声明坐标系，按坐标数值判断"


@pytest.mark.parametrize("forge", [
    lambda read: {**read["crs_read"], "crs": "EPSG:4490", "source": "user", "name": "x", "declared_in": None},
    lambda read: {**read["crs_read"], "declared_in": "领导批示"},
])
def test_desk_refuses_a_forged_reading(desk, forge):
    """The reading the page sends back is printed in the 核查意见 as fact: one this desk did not give (a valid
    record of another CRS, or words of the client's own) is refused, in Chinese, not checked nor recorded."""
    read = _read(desk, "报批坐标.txt", TXT)
    body = _page_body(read)
    body["site"] = {**body["site"], "crs_read": forge(read)}
    for path in ("/api/site-check", "/api/site-check/export/docx"):
        r = desk.post(path, json=body)
        assert r.status_code == 422, r.text
        assert "不是本工作台读取该文件时给出的" in r.json()["error"] and "重新上传" in r.json()["error"]
    body["site"] = {**read["parcels"], "read_notes": ["坐标已经测绘院核准"]}
    assert desk.post("/api/site-check", json=body).status_code == 422
    # without a reading (a TXT's survey_header is signed with it: breaker F7), the 地块 are checked as lon/lat given with crs
    body["site"] = {k: v for k, v in read["parcels"].items()
                    if k not in ("crs_read", "read_notes", "survey_header", "reading_sig")}
    assert desk.post("/api/site-check", json=body).status_code == 200


def test_the_check_takes_the_files_reading_as_an_argument(site_files):
    """``check_site(..., crs_read=record)``: coordinates already read (in EPSG:4490) say the file's CRS and who
    said so, and no note of a CRS the check chose itself."""
    import dcf_spatial as dcf
    from dcf_spatial.crs.read_as import read_as

    wkt = "POLYGON((115.7405 36.4607,115.7427 36.4607,115.7427 36.4621,115.7405 36.4621,115.7405 36.4607))"
    said = read_as("file", "EPSG:4527", declared_in="文件头")
    for crs in ("EPSG:4490", None):
        answer = dcf.check_site(wkt, "轴承", crs=crs, crs_read=said)
        assert answer.inputs["坐标系"] == "EPSG:4527（CGCS2000 3 度带第 39 带），取自文件头"
        assert not any("坐标系" in n for n in answer.notes), answer.notes
    with pytest.raises(dcf.InputError, match="crs_read"):
        dcf.check_site(wkt, "轴承", crs_read={"source": "file", "crs": "EPSG:4527", "declared_in": "领导批示"})


def test_a_geometry_object_says_no_crs_chosen_by_the_user():
    """A shapely geometry is in EPSG:4490 by contract; with an area (a point made a disc) the check said
    «文件未声明坐标系，按用户指定的 EPSG:4490 读入» although there was no file and nobody chose."""
    import shapely

    import dcf_spatial as dcf

    answer = dcf.check_site(shapely.Point(115.741, 36.461), "轴承", area_mu=50)
    assert not any("用户指定" in n or "文件未声明" in n for n in answer.notes), answer.notes


# ---- finding 12: the 报批 TXT downloaded from the desk keeps what the uploaded one carried ------------------

def _records(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.splitlines() if line.endswith(",@")]


def test_desk_txt_download_keeps_map_sheet_and_use(desk):
    """The user's records ``5,3.3333,1,…,面,J50G010001,工业用地,,@`` came back as ``…,面,,,,@``: the 图幅号 and
    地块用途 of each 地块 are what the approval office files them by, and must survive the round trip."""
    read = _read(desk, "报批坐标.txt", TXT)
    r = desk.post("/api/site-check/export/txt", json=_page_body(read))
    assert r.status_code == 200, r.text
    records = _records(r.content.decode("gbk"))
    assert [(x[2], x[3], x[5], x[6]) for x in records] == [
        ("1", "轴承保持器项目一号地块", "J50G010001", "工业用地"), ("2", "轴承保持器项目二号地块", "J50G020001", "工业用地")]

    one = TXT.split("5,1.0000,2,".encode("gbk"))[0]   # the file with its first 地块 only
    read = _read(desk, "一号地块.txt", one)
    records = _records(desk.post("/api/site-check/export/txt", json=_page_body(read)).content.decode("gbk"))
    assert [(x[2], x[3], x[5], x[6]) for x in records] == [("1", "轴承保持器项目一号地块", "J50G010001", "工业用地")]


def test_a_batch_report_says_the_crs_of_its_file(site_files):
    import dcf_spatial as dcf

    assert dcf.check_batch(str(site_files / "报批坐标.txt"), "轴承").inputs["坐标系"] == \
        "EPSG:4527（CGCS2000 3 度带第 39 带），取自文件头"


@pytest.mark.parametrize("change", [
    # another polygon (far from the file's 地块) under the genuine reading
    lambda site: site.update(features=[{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
        [[116.05, 36.40], [116.08, 36.40], [116.08, 36.43], [116.05, 36.43], [116.05, 36.40]]]}}]),
    lambda site: site.update(name="伪造文件名.txt"),
    lambda site: site["features"][0]["properties"].update({"地块名称": "另一个地块"}),
    lambda site: site.update(features=site["features"][:1]),
])
def test_desk_refuses_a_genuine_reading_sent_with_another_site(desk, change):
    """Breaker F2: a genuine signed reading replayed with another polygon or file name printed the file's CRS
    «取自文件头» and its notes for the forged site. The reading belongs to the 地块 and name it was read with."""
    import copy

    read = _read(desk, "报批坐标.txt", TXT)
    body = _page_body(read)
    body["site"] = copy.deepcopy(body["site"])
    change(body["site"])
    for path in ("/api/site-check", "/api/site-check/export/html"):
        r = desk.post(path, json=body)
        assert r.status_code == 422, r.text
        assert "场地与上传文件读出的不一致" in r.json()["error"] and "重新上传" in r.json()["error"]
    # the page's own round trip (JSON through the browser) still checks
    assert desk.post("/api/site-check", json=_page_body(read)).status_code == 200
