"""The 报批/勘测定界 coordinate TXT (issue 9 item 1) and 界址点 tables (item 2), read and written.

Fixtures are written here, as the approval software writes them: a ``[属性描述]`` header and a
``[地块坐标]`` section of ``界址点数,地块面积,地块编号,地块名称,图形属性,图幅号,地块用途,地类编码,@``
records each followed by ``点号,圈号,X,Y`` lines, X the northing and Y the easting. The district lies
in CGCS2000 3° zone 39 (central meridian 117°E); the same meridian is the centre of 6° zone 20.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from dcf_spatial import io as dcf_io
from dcf_spatial.errors import InputError
from dcf_spatial.io.survey_txt import gk_epsg, is_survey_txt, read_survey_txt, write_survey_txt
from dcf_spatial.store.export import write_vector

N0, E0 = 4_035_000.123, 408_000.456  # a corner near Dongchangfu (≈115.98°E, 36.45°N), mm digits


def _header(system="2000国家大地坐标系", width=3, zone=39, params=",,,,,,"):
    return ["[属性描述]", "格式版本号=1.0", "数据产生单位=测试", "数据产生日期=2024-05-01", f"坐标系={system}",
            f"几度分带={width}", "投影类型=高斯克吕格", "计量单位=米", f"带号={zone}", "精度=0.001",
            f"转换参数={params}", "[地块坐标]"]


def _ring(points, first_no, ring_no, prefix):
    """点号,圈号,X,Y lines of a closed ring given as (north offset, east offset) pairs."""
    out = []
    for j, (dn, de) in enumerate(points + points[:1]):
        no = first_no + (j if j < len(points) else 0)
        out.append(f"J{no},{ring_no},{N0 + dn:.3f},{prefix + E0 + de:.3f}")
    return out


SQUARE = [(300, 0), (300, 300), (0, 300), (0, 0)]          # 300 m x 300 m, clockwise from the NW corner
HOLE = [(200, 100), (100, 100), (100, 200), (200, 200)]     # 100 m x 100 m inside it
PART_A = [(100, 500), (100, 700), (0, 700), (0, 500)]       # 200 m x 100 m
PART_B = [(100, 800), (100, 900), (0, 900), (0, 800)]       # 100 m x 100 m, outside part A: another part


def _two_parcels(prefix=39_000_000, header=None):
    p1 = _ring(SQUARE, 1, 1, prefix) + _ring(HOLE, 5, 2, prefix)
    p2 = _ring(PART_A, 1, 1, prefix) + _ring(PART_B, 5, 2, prefix)
    return (header or _header()) + [
        f"{len(p1)},8.0000,DK01,仓储物流地块,面,J50G012034,仓储用地,0508,@", *p1,
        f"{len(p2)},3.0000,DK02,智能制造地块,面,,工业用地,0601,@", *p2,
    ]


def _write(path, lines, encoding="gbk", newline="\r\n"):
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


@pytest.fixture
def gbk_txt(tmp_path):
    return _write(tmp_path / "报批坐标.txt", _two_parcels())


def _area_m2(gdf, row):
    return float(gdf.to_crs(4548).geometry.iloc[row].area)


def test_epsg_codes_of_the_zones_agree_with_pyproj():
    from pyproj import CRS

    # EPSG's own names: 4527 is "CGCS2000 / 3-degree Gauss-Kruger zone 39", 4548 "… CM 117E",
    # 4498 "CGCS2000 / Gauss-Kruger zone 20", 4509 "… CM 117E", 2363 "Xian 1980 / 3-degree … zone 39"
    assert gk_epsg(39) == "EPSG:4527" and CRS.from_epsg(4527).name.endswith("zone 39")
    assert gk_epsg(39, prefixed=False) == "EPSG:4548"
    assert gk_epsg(20, width=6) == "EPSG:4498" and CRS.from_epsg(4498).name == "CGCS2000 / Gauss-Kruger zone 20"
    assert gk_epsg(20, width=6, prefixed=False) == "EPSG:4509"
    assert gk_epsg(39, datum="Xian 1980") == "EPSG:2363" and "Xian 1980" in CRS.from_epsg(2363).name
    with pytest.raises(InputError, match="带号"):
        gk_epsg(50)


def test_gbk_crlf_file_two_parcels_a_hole_and_a_second_part(gbk_txt):
    assert b"\r\n" in gbk_txt.read_bytes() and is_survey_txt(gbk_txt)
    gdf = dcf_io.read_vector(gbk_txt)
    assert len(gdf) == 2 and gdf.crs.to_epsg() == 4490
    assert list(gdf["地块编号"]) == ["DK01", "DK02"] and list(gdf["地块名称"]) == ["仓储物流地块", "智能制造地块"]
    assert gdf["地类编码"].tolist() == ["0508", "0601"]  # codes stay text
    first, second = gdf.geometry.iloc[0], gdf.geometry.iloc[1]
    assert first.geom_type == "Polygon" and len(first.interiors) == 1      # 圈号 2 inside 圈号 1: a hole
    assert second.geom_type == "MultiPolygon" and len(second.geoms) == 2    # 圈号 2 outside: another part
    assert _area_m2(gdf, 0) == pytest.approx(80_000, abs=1)
    assert _area_m2(gdf, 1) == pytest.approx(30_000, abs=1)
    # 地块面积 8.0000 is 公顷: the recorded area in m² agrees with the coordinates
    assert gdf["area_m2"].tolist() == pytest.approx([80_000, 30_000])
    notes = " ".join(gdf.attrs["read_notes"])
    assert "EPSG:4527" in notes and "GBK" in notes and "公顷" in notes and "洞" in notes
    assert "read_issue" not in gdf.columns  # nothing wrong with these records
    assert gdf.attrs["row_numbers"] == [13, 24]  # the file line of each record


def test_content_decides_not_the_suffix(tmp_path):
    path = _write(tmp_path / "坐标.dat", _two_parcels())
    assert len(dcf_io.read_vector(path)) == 2
    csv_named = _write(tmp_path / "坐标.csv", _two_parcels())
    assert dcf_io.read_vector(csv_named).geometry.iloc[0].geom_type == "Polygon"


def test_utf8_six_degree_header_without_zone_prefix(tmp_path):
    lines = _two_parcels(prefix=0, header=_header(width=6, zone=20))
    path = _write(tmp_path / "六度带.txt", lines, encoding="utf-8", newline="\n")
    gdf = dcf_io.read_vector(path)
    assert "EPSG:4509" in " ".join(gdf.attrs["read_notes"])  # 6° zone 20, no prefix: CM 117E
    # the same numbers in 3° zone 39 give the same place: both zones are centred on 117°E
    ref = dcf_io.read_vector(_write(tmp_path / "三度带.txt", _two_parcels()))
    assert shapely.equals_exact(gdf.geometry.iloc[0], ref.geometry.iloc[0], tolerance=1e-9)


def test_xian80_header_is_named_and_refused_without_a_crs(tmp_path):
    path = _write(tmp_path / "西安80.txt", _two_parcels(header=_header(system="1980西安坐标系")))
    with pytest.raises(InputError, match="1980西安坐标系") as err:
        dcf_io.read_vector(path)
    assert "EPSG:2363" in str(err.value) and "CGCS2000" in str(err.value)
    gdf = dcf_io.read_vector(path, crs="EPSG:2363")  # the user knows and accepts the approximation
    notes = " ".join(gdf.attrs["read_notes"])
    assert "1980西安坐标系" in notes and "Xian 1980" in notes


def test_broken_records_keep_their_row_with_a_reason(tmp_path):
    good = _ring(PART_A, 1, 1, 39_000_000)
    unclosed = _ring(PART_B, 1, 1, 39_000_000)[:-1]
    bad_number = _ring(SQUARE, 1, 1, 39_000_000)
    bad_number[2] = "J3,1,40350a0.0,39408300.456"
    lines = _header() + [
        f"{len(good)},1.0000,A,面积不符,面,,,,@", *good,            # 2.0000 ha drawn, 1.0000 recorded
        f"{len(good) + 1},2.0000,B,点数不符,面,,,,@", *good,        # declares one point more than it has
        f"{len(unclosed)},1.0000,C,未闭合,面,,,,@", *unclosed,
        f"{len(bad_number)},9.0000,D,坐标错误,面,,,,@", *bad_number,
    ]
    gdf = dcf_io.read_vector(_write(tmp_path / "有错.txt", lines))
    assert list(gdf["地块编号"]) == ["A", "B", "C", "D"]  # nothing dropped
    issue = gdf["read_issue"].tolist()
    assert issue[0] == ""
    assert "界址点数 6 与实际坐标行数 5 不符" in issue[1] and gdf.geometry.iloc[1] is not None
    assert "未闭合" in issue[2] and gdf.geometry.iloc[2] is None
    assert "第 " in issue[3] and "四个数" in issue[3] and gdf.geometry.iloc[3] is None
    notes = " ".join(gdf.attrs["read_notes"])
    assert "地块记录 1" in notes and "记载地块面积 1 公顷" in notes and "坐标算得 20,000.0 平方米" in notes


# A record line is “界址点数,地块面积,地块编号,地块名称,图形属性,图幅号,地块用途,地类编码,@”: eight fields.
# Other separators (，; ； 、 Tab) are read as commas, but a field may hold one as text (QA breaker F10): the
# record is then read as the format lays out its eight fields, or refused; a field never slides into the next.

def test_a_semicolon_inside_a_field_stays_in_its_field(tmp_path):
    ring = _ring(SQUARE, 1, 1, 39_000_000)
    lines = _header() + [f'{len(ring)},9.0000,=HYPERLINK("http://evil";"x"),仓储物流地块,面,,仓储用地,0508,@', *ring]
    gdf = dcf_io.read_vector(_write(tmp_path / "分号.txt", lines))
    row = gdf.iloc[0]
    assert row["地块编号"] == '=HYPERLINK("http://evil";"x")'
    assert (row["地块名称"], row["图形属性"], row["地块用途"], row["地类编码"]) == ("仓储物流地块", "面", "仓储用地", "0508")
    assert not row.get("read_issue", "") and row.geometry is not None
    notes = gdf.attrs["read_notes"]
    # the note names the line (the record is line 13: 12 header lines) and the field holding the semicolon
    assert any("第 13 行" in n and "地块编号" in n and "分号" in n and "原样保留" in n for n in notes)
    assert not any("分号“;”按逗号读取" in n for n in notes)


def test_an_ideographic_comma_in_a_name_of_a_full_width_comma_file_stays_in_the_name(tmp_path):
    ring = [r.replace(",", "，") for r in _ring(SQUARE, 1, 1, 39_000_000)]
    lines = _header() + [f"{len(ring)}，9.0000，DK01，东、西区仓储地块，面，，仓储用地，0508，@", *ring]
    gdf = dcf_io.read_vector(_write(tmp_path / "顿号.txt", lines))
    row = gdf.iloc[0]
    assert (row["地块编号"], row["地块名称"], row["图形属性"], row["地块用途"]) == ("DK01", "东、西区仓储地块", "面", "仓储用地")
    assert row.geometry is not None and not row.get("read_issue", "")
    assert any("全角逗号" in n and "按逗号读取" in n for n in gdf.attrs["read_notes"])


def test_a_record_whose_fields_cannot_be_told_apart_is_refused_by_line_never_shifted(tmp_path):
    good = _ring(PART_A, 1, 1, 39_000_000)
    ring = _ring(SQUARE, 1, 1, 39_000_000)
    lines = _header() + [
        f"{len(good)},2.0000,DK01,好地块,面,,工业用地,0601,@", *good,
        f"{len(ring)},9.0000,DK02,甲,乙仓储地块,面,,仓储用地,0508,@", *ring,   # a comma inside 地块名称
    ]
    gdf = dcf_io.read_vector(_write(tmp_path / "逗号.txt", lines))
    assert len(gdf) == 2   # nothing dropped
    assert gdf.iloc[0]["地块名称"] == "好地块" and not gdf.iloc[0].get("read_issue", "")
    bad = gdf.iloc[1]
    assert bad.geometry is None   # not checked on a record whose fields are unknown
    line = 12 + 1 + len(good) + 1
    assert f"第 {line} 行" in bad["read_issue"] and "多于报批格式的 8 项" in bad["read_issue"]
    assert "改为其他字符" in bad["read_issue"] and "甲,乙仓储地块" in bad["read_issue"]   # the record text and the fix
    assert bad["图形属性"] != "乙仓储地块" and bad["地块名称"] != "甲"   # no field shifted into another
    site = dcf_io.read_site(str(tmp_path / "逗号.txt"))
    named = dcf_io.unusable_rows(site)
    assert [pos for pos, _ in named] == [1] and f"第 {line} 行" in named[0][1]


def test_empty_fields_after_the_last_one_are_not_a_ninth_field(tmp_path):
    ring = _ring(SQUARE, 1, 1, 39_000_000)
    lines = _header() + [f"{len(ring)},9.0000,DK01,仓储物流地块,面,,仓储用地,0508,,,@", *ring]
    row = dcf_io.read_vector(_write(tmp_path / "尾逗号.txt", lines)).iloc[0]
    assert (row["地块名称"], row["地类编码"], row.get("read_issue", "")) == ("仓储物流地块", "0508", "")


def test_area_unit_is_the_headers_else_the_formats_hectare_never_guessed(tmp_path):
    """《建设项目用地红线坐标文件内容要求》坐标说明 1: "地块面积：地块的面积，单位为公顷". A header that
    names its area unit is read in that unit; without one the value is 公顷 even when another unit would
    fit the coordinates better — the mismatch is reported (with the unit that would fit), not guessed away."""
    ring = _ring(PART_A, 1, 1, 39_000_000)  # 200 m x 100 m = 20,000 m² = 2 公顷 = 30 亩
    head = _header()
    stated = head[:-1] + ["面积单位=平方米", head[-1]]
    gdf = read_survey_txt(_write(tmp_path / "平方米.txt", stated + [f"{len(ring)},20000.00,1,,面,,,,@", *ring]))
    assert gdf["area_m2"].iloc[0] == pytest.approx(20_000)
    notes = " ".join(gdf.attrs["read_notes"])
    assert "单位为平方米（依文件头 面积单位=平方米）" in notes and "请核对" not in notes
    # no unit in the header: 公顷, and 20000 公顷 does not agree with a 2 公顷 parcel
    gdf = read_survey_txt(_write(tmp_path / "无单位.txt", head + [f"{len(ring)},20000.00,1,,面,,,,@", *ring]))
    assert gdf["area_m2"].iloc[0] == pytest.approx(20_000 * 10_000)
    notes = " ".join(gdf.attrs["read_notes"])
    assert "单位为公顷（依该格式的规定）" in notes
    assert "记载地块面积 20000 公顷" in notes and "请核对" in notes and "若记载单位实为平方米则相符" in notes
    # 30.0000 is 30 亩 of this parcel, but the file says nothing: read as 公顷 and reported (the breaker's
    # D_area.txt: 99.0000 公顷 read as 亩 because 亩 fitted better)
    gdf = read_survey_txt(_write(tmp_path / "亩.txt", head + [f"{len(ring)},30.0000,1,,面,,,,@", *ring]))
    assert gdf["area_m2"].iloc[0] == pytest.approx(300_000)
    assert "若记载单位实为亩则相符" in " ".join(gdf.attrs["read_notes"])
    with pytest.raises(InputError, match="面积单位=英亩"):
        read_survey_txt(_write(tmp_path / "英亩.txt", head[:-1] + ["面积单位=英亩", head[-1]]
                               + [f"{len(ring)},5,1,,面,,,,@", *ring]))


def test_export_writes_the_recorded_area_when_it_agrees_else_the_computed_one_with_a_note(tmp_path):
    ring_a = _ring(PART_A, 1, 1, 39_000_000)   # 2 公顷
    ring_b = _ring(PART_B, 1, 1, 39_000_000)   # 1 公顷
    path = _write(tmp_path / "in.txt", _header() + [f"{len(ring_a)},2.0100,1,甲,面,,,,@", *ring_a,   # within 1 %
                                                   f"{len(ring_b)},9.0000,2,乙,面,,,,@", *ring_b])   # 9 ≠ 1
    gdf = dcf_io.read_vector(path)
    notes: list[str] = []
    out = write_survey_txt(gdf, tmp_path / "out.txt", notes=notes)
    records = [line for line in out.read_text(encoding="gbk").splitlines() if line.endswith("@")]
    assert records[0].split(",")[1] == "2.0100"          # the clerk's figure, as recorded
    assert records[1].split(",")[1] == "1.0000"          # the coordinates' area
    assert len(notes) == 1 and "地块 2" in notes[0] and "按坐标算得的面积写出" in notes[0]


def test_round_trip_keeps_coordinates_to_the_millimetre(gbk_txt, tmp_path):
    from dcf_spatial.store import catalog

    gdf = dcf_io.read_vector(gbk_txt)
    gdf = gdf.assign(id=gdf["地块编号"], name_zh=gdf["地块名称"], plan_ref="", provenance="authoritative",
                     source="报批坐标.txt")  # the common fields every layer of the store has
    store = tmp_path / "store.gpkg"
    catalog.write_layer(gdf, "approval_sites", store=store, source="test fixture")
    out = write_vector(catalog.read_layer("approval_sites", store=store), tmp_path / "导出.txt")
    raw = out.read_bytes()
    assert b"\r\n" in raw and "[地块坐标]".encode("gbk") in raw
    back = gbk_txt.read_bytes().decode("gbk").splitlines()
    written = raw.decode("gbk").splitlines()
    pts = lambda lines: [ln for ln in lines if ln.startswith("J")]  # noqa: E731
    assert pts(written) == pts(back)  # the same points, numbered J1…, same rings, to the mm
    records = [ln for ln in written if ln.endswith("@")]
    assert records[0].startswith("10,8.0000,DK01,仓储物流地块,面,J50G012034,仓储用地,0508")
    assert "带号=39" in written and "坐标系=2000国家大地坐标系" in written


def test_written_file_has_closed_rings_and_reads_back(tmp_path):
    square = shapely.box(408_000, 4_035_000, 408_200, 4_035_100)
    import geopandas as gpd

    gdf = gpd.GeoDataFrame({"name_zh": ["示例"]}, geometry=[square], crs=4548).to_crs(4490)
    path = write_survey_txt(gdf, tmp_path / "x.txt")
    lines = path.read_bytes().decode("gbk").split("\r\n")
    pts = [ln for ln in lines if ln.startswith("J")]
    assert pts[0].split(",")[2:] == pts[-1].split(",")[2:] and pts[0].startswith("J1,1,")
    assert float(pts[0].split(",")[3]) > 39_000_000  # Y with the zone prefix
    assert "5,2.0000,1,示例,面" in lines[12]
    with pytest.raises(InputError, match="已存在"):
        write_survey_txt(gdf, path)


# --- 界址点 tables -------------------------------------------------------------------------------


def _point_table():
    rows = []
    for no, (dn, de) in enumerate(SQUARE, start=1):  # no closing point: a table usually leaves it out
        rows.append({"地块号": "DK01" if no == 1 else "", "点号": f"J{no}", "圈号": 1,
                     "X": N0 + dn, "Y": 39_000_000 + E0 + de})
    for no, (dn, de) in enumerate(HOLE, start=5):
        rows.append({"地块号": "", "点号": f"J{no}", "圈号": 2, "X": N0 + dn, "Y": 39_000_000 + E0 + de})
    for no, (dn, de) in enumerate(PART_A, start=1):
        rows.append({"地块号": "DK02", "点号": f"J{no}", "圈号": 1, "X": N0 + dn, "Y": 39_000_000 + E0 + de})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_boundary_point_table_is_one_polygon_per_parcel(tmp_path, suffix):
    table = _point_table()
    path = tmp_path / f"界址点{suffix}"
    if suffix == ".csv":
        table.to_csv(path, index=False, encoding="gbk")
    else:
        table.to_excel(path, index=False)
    gdf = dcf_io.read_vector(path)
    assert len(gdf) == 2 and list(gdf["地块号"]) == ["DK01", "DK02"]
    assert gdf.geometry.iloc[0].geom_type == "Polygon" and len(gdf.geometry.iloc[0].interiors) == 1
    assert _area_m2(gdf, 0) == pytest.approx(80_000, abs=1) and _area_m2(gdf, 1) == pytest.approx(20_000, abs=1)
    assert list(gdf["点数"]) == [8, 4] and gdf.attrs["row_numbers"] == [2, 10]
    notes = " ".join(gdf.attrs["read_notes"])
    assert "界址点表" in notes and "2 个面" in notes and "闭合" in notes
    assert "X 为北坐标" in notes  # X holds the northing here: the surveyors' convention, said
    points = dcf_io.read_vector(path, as_points=True)
    assert len(points) == 12 and set(points.geom_type) == {"Point"}
    assert "逐点读取" in " ".join(points.attrs["read_notes"])


def test_boundary_table_with_a_bad_coordinate_keeps_the_parcel(tmp_path):
    table = _point_table()
    table["X"] = table["X"].astype(object)
    table.loc[9, "X"] = "缺"
    path = tmp_path / "界址点.csv"
    table.to_csv(path, index=False)
    gdf = dcf_io.read_vector(path)
    assert len(gdf) == 2 and gdf.geometry.iloc[1] is None
    assert "表格第 11 行坐标缺失" in gdf["read_issue"].iloc[1]


def test_site_from_a_survey_txt(gbk_txt):
    site = dcf_io.read_site(str(gbk_txt))
    assert len(site) == 2 and site["area_mu_measured"].iloc[0] == pytest.approx(80_000 * 15 / 10_000, rel=1e-3)
    assert np.isfinite(site["area_mu_measured"]).all()


# --- command line -----------------------------------------------------------------------------------


def _cli(*args):
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_cli_layers_export_txt(tiny_store, tmp_path):
    out = tmp_path / "乡镇报批坐标.txt"
    res = _cli("layers", "export", "townships", "-o", out)
    assert res.exit_code == 0, res.output
    back = read_survey_txt(out)
    assert list(back["地块名称"]) == ["测试镇0", "测试镇1"] and back.crs.to_epsg() == 4527
    # the 10 km x 10 km cells of the fixture: 10,000 公顷 each, as recorded and as drawn
    assert back["area_m2"].tolist() == pytest.approx([1e8, 1e8], rel=1e-6)
    assert back["area_m2_coordinates"].tolist() == pytest.approx([1e8, 1e8], rel=1e-6)


def test_cli_site_check_reads_a_survey_txt_and_exports_the_site(gbk_txt, tmp_path):
    out = tmp_path / "地块报批坐标.txt"
    res = _cli("site", "check", "--site", gbk_txt, "--industry", "轴承", "--export-site", out, "--json")
    assert res.exit_code == 0, res.output
    back = read_survey_txt(out)
    # checked as one site, exported as the file gave them (QA round 4): each 地块 its own record and name
    assert len(back) == 2
    assert list(back["地块编号"]) == ["DK01", "DK02"]
    assert list(back["地块名称"]) == ["仓储物流地块", "智能制造地块"]
    assert back["area_m2_coordinates"].sum() == pytest.approx(110_000, abs=1)
    assert list(back["地块面积"]) == ["8.0000", "3.0000"]
    res = _cli("site", "check", "--site", gbk_txt, "--industry", "轴承", "--export-site", tmp_path / "x.dwg")
    assert res.exit_code == 2 and "--export-site" in res.output
    point = tmp_path / "点位.txt"
    res = _cli("site", "check", "--site", "115.97,36.45", "--area-mu", 30, "--industry", "轴承", "--export-site", point)
    assert res.exit_code == 0, res.output
    disc = read_survey_txt(point)
    assert disc["地块名称"].iloc[0] == "项目场地" and disc["area_m2_coordinates"].iloc[0] == pytest.approx(20_000, rel=1e-3)


def test_cli_as_points_and_its_wording(tmp_path):
    from dcf_spatial.cli._options import cli_wording

    assert cli_wording("如要逐点读取，请选择逐点读取") == "如要逐点读取，请加 --as-points 选择逐点读取"
    path = tmp_path / "界址点.csv"
    _point_table().assign(行业="轴承").to_csv(path, index=False)
    out = tmp_path / "结果.csv"
    res = _cli("site", "check", "--batch", path, "--as-points", "-o", out)
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 12  # one row per point, as asked
    res = _cli("site", "check", "--batch", path, "-o", out, "--overwrite")
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 2  # one row per 地块 by default


def test_a_comma_in_a_name_with_an_empty_last_field_is_refused_by_line_never_shifted(tmp_path):
    """Breaker F8: with 地类编码 empty, a comma inside 地块名称 (a formula «=HYPERLINK("…","点我")») gave nine
    fields, the empty last one was dropped as trailing, and the record was read shifted: 地块名称
    «=HYPERLINK("http://evil"», 图形属性 «"点我")», 图幅号 «面» … with no note. README: a separator inside a field
    is never shifted into the next field."""
    good = _ring(PART_A, 1, 1, 39_000_000)
    ring = _ring(SQUARE, 1, 1, 39_000_000)
    lines = _header() + [
        f"{len(good)},2.0000,DK01,好地块,面,,工业用地,,@", *good,   # an empty 地类编码 alone: read as before
        f'{len(ring)},9.0000,DK02,=HYPERLINK("http://evil","点我"),面,J50G010001,工业用地,,@', *ring,
    ]
    gdf = dcf_io.read_vector(_write(tmp_path / "公式.txt", lines))
    assert len(gdf) == 2   # nothing dropped
    first = gdf.iloc[0]
    assert (first["地块名称"], first["图形属性"], first["地块用途"]) == ("好地块", "面", "工业用地")
    assert first.geometry is not None and not first.get("read_issue", "")
    bad = gdf.iloc[1]
    line = 12 + 1 + len(good) + 1
    assert f"第 {line} 行" in bad["read_issue"] and "改为其他字符" in bad["read_issue"]
    assert bad.geometry is None
    assert bad["图形属性"] != '"点我")' and bad["图幅号"] != "面" and bad["地块用途"] != "J50G010001"   # nothing shifted
