"""Odd site files (issue 12, safe by default; nothing lost): rows without usable geometry, polygons of no
area, several KML files in one KMZ, an unknown industry code, an audit folder without a manifest.

Every input row appears in the answer with its status, or the request fails with a Chinese 4xx / exit
code 2 naming the row and the fix — never a 500 or a traceback. The 报批 TXT fixtures are written here
in the format's layout (``[属性描述]`` header, ``[地块坐标]`` records of ``界址点数,地块面积,…,@`` each
followed by ``点号,圈号,X,Y`` lines, X the northing, Y the zone-prefixed easting, CGCS2000 3° zone 39).
"""

from __future__ import annotations

import json
import zipfile

import pytest
from click.testing import CliRunner

from dcf_spatial import io as dcf_io
from dcf_spatial.errors import InputError

# 第八章第一节: "——郑家镇工业集聚区。……重点发展轴承及保持器产业"; (115.75, 36.455) lies in the shipped
# (schematic) 郑家镇工业集聚区 (as tests/test_desk_api.py)
ZHENGJIA = "115.75,36.455"
N0, E0 = 4_036_757.311, 39_387_943.720  # ≈ (115.75, 36.455) in EPSG:4527

HEADER = ["[属性描述]", "格式版本号=1.01版本", "数据产生单位=测试", "数据产生日期=2025-10-12",
          "坐标系=2000国家大地坐标系", "几度分带=3", "投影类型=高斯克吕格", "计量单位=米", "带号=39",
          "精度=0.01", "转换参数=,,,,,,", "[地块坐标]"]


def _record(no, name, offsets, area="3.2400"):
    """One 地块 record: its points as (north, east) offsets in metres from (N0, E0), written as given."""
    pts = [f"J{j},1,{N0 + dn:.3f},{E0 + de:.3f}" for j, (dn, de) in enumerate(offsets, start=1)]
    return [f"{len(pts)},{area},{no},{name},面,,工业用地,,@", *pts]


SQUARE = [(0, 0), (0, 180), (180, 180), (180, 0), (0, 0)]          # 180 m x 180 m = 3.24 公顷 = 48.6 亩
SQUARE2 = [(500, 0), (500, 180), (680, 180), (680, 0), (500, 0)]    # another, 500 m north
SAME_POINT = [(0, 0)] * 5                                          # every point identical
ON_A_LINE = [(0, 0), (0, 100), (0, 200), (0, 0)]                  # three points on one line
UNCLOSED = [(1000, 0), (1000, 100), (1100, 100), (1100, 0)]        # the last point is not the first
TWO_POINTS = [(0, 0), (0, 10)]


def _txt(tmp_path, name, *records):
    lines = HEADER + [line for r in records for line in r]
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def _five_parcels(tmp_path):
    """The breaker's A_malformed.txt layout: 3 usable 地块 (one a self-crossing bow tie), one unclosed
    ring and one ring of two points."""
    bow = [(0, 0), (180, 180), (0, 180), (180, 0), (0, 0)]
    return _txt(tmp_path, "五个地块.txt", _record(1, "郑家轴承项目", SQUARE), _record(2, "郑家轴承项目", SQUARE2),
                _record(3, "蝴蝶结", bow), _record(4, "未闭合", UNCLOSED, "1.0000"), _record(5, "两点", TWO_POINTS, "0"))


# --- reading -------------------------------------------------------------------------------------


def test_a_polygon_of_no_area_keeps_its_row_with_the_reason_and_no_geometry(tmp_path):
    gdf = dcf_io.read_site(str(_txt(tmp_path, "退化.txt", _record(1, "同一点", SAME_POINT, "0"),
                                    _record(2, "一条线", ON_A_LINE, "0"), _record(3, "好地块", SQUARE))))
    assert len(gdf) == 3  # nothing dropped
    assert "面积为零" in gdf["read_issue"].iloc[0] and "面积为零" in gdf["read_issue"].iloc[1]
    assert gdf["read_issue"].iloc[2] == ""
    assert gdf.geometry.iloc[0].is_empty and gdf.geometry.iloc[1].is_empty
    skipped = dcf_io.unusable_rows(gdf)
    assert [p for p, _ in skipped] == [0, 1]
    assert "地块编号 1，同一点" in skipped[0][1] and "面积为零" in skipped[0][1]
    assert "第 13 行" in skipped[0][1]  # the record's line in the file: the header takes 12


def test_unusable_rows_of_a_table_name_the_spreadsheet_row_and_why(tmp_path):
    path = tmp_path / "one_missing.csv"
    path.write_text("项目名称,经度,纬度\n甲,115.75,36.455\n乙,,\n丙,abc,36.455\n", encoding="utf-8")
    skipped = dcf_io.unusable_rows(dcf_io.read_site(str(path)))
    assert [p for p, _ in skipped] == [1, 2]
    assert skipped[0][1].startswith("第 3 行（乙）") and "坐标缺失" in skipped[0][1]
    assert skipped[1][1].startswith("第 4 行（丙）") and "abc" in skipped[1][1]


def _kmz(path, *members):
    placemark = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>"
                 "<Placemark><name>{}</name><Point><coordinates>{},36.455</coordinates></Point></Placemark>"
                 "</Document></kml>")
    with zipfile.ZipFile(path, "w") as z:
        for i, (name, label) in enumerate(members):
            z.writestr(name, placemark.format(label, 115.75 + i * 0.01))
    return path


def test_every_kml_of_a_kmz_is_read(tmp_path):
    path = _kmz(tmp_path / "two.kmz", ("doc.kml", "甲"), ("files/other.kml", "乙"))
    gdf = dcf_io.read_vector(path)
    assert list(gdf["name"]) == ["甲", "乙"]   # a Placemark's <name> is the row's name (QA round 7)
    assert list(gdf["kml_file"]) == ["doc.kml", "files/other.kml"]
    assert any("KMZ 含 2 个 KML 文件" in n and "files/other.kml（1 条）" in n for n in gdf.attrs["read_notes"])
    # streaming reads one KML only: it refuses, naming the one it would miss
    with pytest.raises(InputError, match="files/other.kml"):
        list(dcf_io.iter_records(path))
    # one KML: as before, no kml_file column
    assert "kml_file" not in dcf_io.read_vector(_kmz(tmp_path / "one.kmz", ("doc.kml", "甲"))).columns


def test_the_batch_checks_every_kml_of_a_kmz(tmp_path):
    import dcf_spatial as dcf

    path = _kmz(tmp_path / "two.kmz", ("doc.kml", "甲"), ("files/other.kml", "乙"))
    assert len(dcf.check_batch(str(path), "轴承").results) == 2


# --- the single-site check ------------------------------------------------------------------------


@pytest.mark.parametrize("site", [
    "POLYGON((115.75 36.455,115.75 36.455,115.75 36.455,115.75 36.455))",                 # one point
    "POLYGON((115.75 36.455,115.76 36.455,115.77 36.455,115.75 36.455))",                 # on one line
    json.dumps({"type": "Polygon", "coordinates": [[[115.75, 36.455]] * 4]}),
])
def test_a_site_of_no_area_is_an_input_error(site):
    import dcf_spatial as dcf

    with pytest.raises(InputError, match="场地面积为零"):
        dcf.check_site(site, "轴承")


def test_a_shapely_polygon_of_no_area_is_an_input_error():
    import shapely

    import dcf_spatial as dcf

    with pytest.raises(InputError, match="场地面积为零"):
        dcf.check_site(shapely.Polygon([(115.75, 36.455)] * 4), "轴承")


def test_a_self_crossing_polygon_is_repaired_with_a_note():
    import dcf_spatial as dcf

    answer = dcf.check_site("POLYGON((115.75 36.455,115.76 36.465,115.76 36.455,115.75 36.465,115.75 36.455))", "轴承")
    assert answer.results[0]["site"]["area_mu"] > 0
    assert any("make_valid" in n and "Self-intersection" in n for n in answer.notes)


def test_a_file_of_several_parcels_says_how_many_were_checked_and_which_not(tmp_path):
    import dcf_spatial as dcf

    answer = dcf.check_site(str(_five_parcels(tmp_path)), "轴承")
    site = answer.results[0]["site"]
    # checked: the two squares (the bow tie lies inside the first): 2 x 48.6 亩
    assert site["area_mu"] == pytest.approx(97.2, abs=0.05)
    head = site["parcels_zh"]
    assert "含 5 个地块：核查 3 个，2 个未核查" in head
    assert "地块编号 4，未闭合" in head and "未闭合（末点与首点坐标不同）" in head
    assert "地块编号 5，两点" in head and "只有 2 个点" in head
    assert answer.notes[0] == head
    text = answer.summary_text()
    assert text.splitlines()[3].startswith("地块：五个地块.txt 含 5 个地块：核查 3 个")  # under the 场地 line


def test_a_file_whose_parcels_all_lack_geometry_is_refused_naming_them(tmp_path):
    import dcf_spatial as dcf

    with pytest.raises(InputError) as err:
        dcf.check_site(str(_txt(tmp_path, "同一点.txt", _record(1, "同一点", SAME_POINT, "0"))), "轴承")
    msg = str(err.value)
    assert "同一点.txt" in msg and "场地面积为零" in msg and "第 13 行（地块编号 1，同一点）" in msg


def test_cli_degenerate_site_file_exits_2_without_a_traceback(tmp_path):
    from dcf_spatial.cli.main import cli

    path = _txt(tmp_path, "同一点.txt", _record(1, "同一点", SAME_POINT, "0"))
    res = CliRunner().invoke(cli, ["site", "check", "--site", str(path), "--industry", "轴承"])
    assert res.exit_code == 2, res.output
    assert "场地面积为零" in res.output and "Traceback" not in res.output


# --- the desk -------------------------------------------------------------------------------------


def _err(r, status):
    assert r.status_code == status, r.text
    assert "Traceback" not in r.text
    msg = r.json()["error"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in msg), msg
    return msg


def test_desk_site_read_answers_the_usable_rows_and_names_the_others(desk, tmp_path):
    r = desk.post("/api/site/read", files={"file": ("one_missing.csv", "项目名称,经度,纬度\n甲,115.75,36.455\n乙,,\n".encode())})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["features"] == 1 and body["geometry"]["type"] == "Point"
    assert [f["geometry"]["type"] for f in body["parcels"]["features"]] == ["Point"]
    assert len(body["skipped"]) == 1 and body["skipped"][0].startswith("第 3 行（乙）")
    assert body["read_notes"][0].startswith("文件共 2 条记录，读入 1 条")

    r = desk.post("/api/site/read", files={"file": ("五个地块.txt", _five_parcels(tmp_path).read_bytes())})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["features"] == 3 and len(body["parcels"]["features"]) == 3
    assert [s.split("（")[1].split("）")[0] for s in body["skipped"]] == ["地块编号 4，未闭合", "地块编号 5，两点"]


def test_desk_site_read_of_no_usable_row_is_422(desk, tmp_path):
    path = _txt(tmp_path, "同一点.txt", _record(1, "同一点", SAME_POINT, "0"))
    msg = _err(desk.post("/api/site/read", files={"file": ("同一点.txt", path.read_bytes())}), 422)
    assert "同一点.txt" in msg and "面积为零" in msg and "第 13 行" in msg and str(tmp_path) not in msg
    # a table none of whose rows has coordinates is refused by the reader itself (400: no usable input)
    msg = _err(desk.post("/api/site/read", files={"file": ("a.csv", "项目名称,经度,纬度\n乙,,\n".encode())}), 400)
    assert "a.csv" in msg and "没有几何图形或坐标" in msg


@pytest.mark.parametrize("site", [
    "POLYGON((115.75 36.455,115.75 36.455,115.75 36.455,115.75 36.455))",
    {"type": "Polygon", "coordinates": [[[115.75, 36.455]] * 4]},
    "POLYGON((115.75 36.455,115.76 36.455,115.77 36.455,115.75 36.455))",
])
def test_desk_site_check_of_no_area_is_422(desk, site):
    assert "场地面积为零" in _err(desk.post("/api/site-check", json={"site": site, "industry": "轴承"}), 422)


def test_desk_unknown_industry_code_is_422_as_the_readme_says(desk):
    """README (工作台接口): "422 请求内容校验不通过（…无法识别的行业…）"."""
    for r in (desk.post("/api/site-check", json={"site": ZHENGJIA, "industry": "C9999"}),
              desk.get("/api/industry", params={"q": "C9999"}),
              desk.post("/api/site-check/batch", files={"file": ("p.csv", "经度,纬度\n115.75,36.455\n".encode())},
                        data={"industry": "C9999"})):
        assert "大类 99 不存在" in _err(r, 422)


def test_industry_resolve_raises_for_a_code_not_in_the_standard_as_documented():
    from dcf_spatial.industry import resolve

    assert resolve("没有这个行业词").status == "unknown"       # words: no error
    with pytest.raises(InputError, match="大类 99 不存在"):     # a code GB/T 4754-2017 has no 大类 99
        resolve("C9999")
    assert "Raises" in resolve.__doc__ and "C9999" in resolve.__doc__


# --- audit diff -----------------------------------------------------------------------------------


def test_audit_diff_of_a_folder_without_manifest_says_so_not_the_same_audit(tmp_path):
    from dcf_spatial.cli.main import cli

    folder = tmp_path / "idle200"
    folder.mkdir()
    (folder / "idle_audit.xlsx").write_bytes(b"not read")
    res = CliRunner().invoke(cli, ["audit", "diff", str(folder), str(folder)])
    assert res.exit_code == 2, res.output
    assert "没有 manifest.json" in res.output and "同一次审计" not in res.output
    assert "dcf audit idle|efficiency -o" in res.output  # how to fix
