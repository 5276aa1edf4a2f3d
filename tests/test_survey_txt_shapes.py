"""报批坐标 TXT whose points are wrong (task FI8, QA round 9 findings 5, 6 and 7).

The format records 地块面积 in 公顷 (《建设项目用地红线坐标文件内容要求》附件1 坐标说明 1, see
``survey_txt.STANDARD_AREA_UNIT``): a 180 m × 180 m square is 3.24 公顷 = 48.6 亩. Points out of order make the
ring cross itself; repaired it is two triangles of 24.3 亩, half the recorded area — said in the answer's first
lines, not only "无效几何已修复". One point typed 180 km off is named (J4); the parcel is not "all outside" the
district when most of it is inside. One parcel whose ring is not closed gets the same reason a file of several gets.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError

N, E = 4_036_757.311, 39_387_943.720   # the SW corner, CGCS2000 3° zone 39 (in 郑家镇工业集聚区)
HEAD = ["[属性描述]", "格式版本号=1.01版本", "数据产生单位=测试", "数据产生日期=2025-10-12", "坐标系=2000国家大地坐标系",
        "几度分带=3", "投影类型=高斯克吕格", "计量单位=米", "带号=39", "精度=0.01", "转换参数=,,,,,,", "[地块坐标]"]


def _txt(path, points, *, n=None, number="1"):
    lines = HEAD + [f"{n or len(points)},3.2400,{number},测试地块,面,,工业用地,,@"]
    lines += [f"J{i + 1},1,{x:.3f},{y:.3f}" for i, (x, y) in enumerate(points)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


SQUARE = [(N, E), (N, E + 180), (N + 180, E + 180), (N + 180, E), (N, E)]
BOWTIE = [(N, E), (N + 180, E + 180), (N, E + 180), (N + 180, E), (N, E)]      # J2 and J3 swapped
FARPOINT = [(N, E), (N, E + 180), (N + 180, E + 180), (N + 180_000, E), (N, E)]  # J4 typed 180 km north


def test_a_good_square_has_no_shape_warning(tmp_path):
    gdf = dcf.read_site(str(_txt(tmp_path / "ok.txt", SQUARE)))
    assert gdf["area_mu_measured"].iloc[0] == pytest.approx(48.6, rel=1e-3)
    assert not gdf.attrs.get("shape_warnings")


def test_points_out_of_order_compare_the_recorded_area_with_the_repaired_one(tmp_path):
    path = _txt(tmp_path / "bowtie.txt", BOWTIE)
    gdf = dcf.read_site(str(path))
    assert gdf["area_mu_measured"].iloc[0] == pytest.approx(24.3, rel=1e-3)   # make_valid: two triangles
    (warning,) = gdf.attrs["shape_warnings"]
    assert "bowtie.txt" in warning and "地块编号 1" in warning and "顺序可能错乱" in warning
    assert "16,200.0 平方米" in warning and "32,400.0 平方米" in warning and "50%" in warning
    assert "外包范围为 32,400.0 平方米，与记载相符" in warning
    answer = dcf.check_site(str(path), "轴承")
    assert answer.results[0]["site"]["shape_warnings_zh"] == [warning]           # the JSON field
    lines = answer.summary_text().splitlines()
    assert lines[3].startswith("图形警告：") and "顺序可能错乱" in lines[3]     # the answer's first lines


def test_a_stray_point_is_named_and_the_parcel_is_not_all_outside(tmp_path):
    path = _txt(tmp_path / "farpoint.txt", FARPOINT)
    gdf = dcf.read_site(str(path))
    notes = " ".join(gdf.attrs["read_notes"])
    assert "全部要素都在东昌府区以外" not in notes
    assert "界址点 J4" in notes and "180.0 km" in notes
    (warning,) = gdf.attrs["shape_warnings"]
    assert warning.startswith("farpoint.txt") and "J4" in warning
    assert not any(f"J{i}" in warning for i in (1, 2, 3, 5))          # only the stray point is named
    r = CliRunner().invoke(cli, ["site", "check", "--site", str(path), "--industry", "轴承"])
    assert "图形警告：" in r.output.splitlines()[3] and "J4" in r.output.splitlines()[3]


def test_a_stray_vertex_of_a_geojson_parcel_is_named_by_its_order(tmp_path):
    import geopandas as gpd
    import shapely

    ring = [(115.7500, 36.4550), (115.7520, 36.4550), (115.7520, 36.4567), (115.7500, 38.0700), (115.7500, 36.4550)]
    path = tmp_path / "a.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Polygon(ring)], crs=4490).to_file(path)
    gdf = dcf.read_vector(path)
    notes = " ".join(gdf.attrs["read_notes"])
    assert "全部要素都在东昌府区以外" not in notes and "第 4 个顶点" in notes
    assert any("第 4 个顶点" in w for w in gdf.attrs["shape_warnings"])


def test_one_parcel_with_an_open_ring_says_why_as_a_file_of_several_does(tmp_path):
    path = _txt(tmp_path / "open.txt", SQUARE[:-1])
    with pytest.raises(InputError) as exc:
        dcf.read_site(str(path))
    msg = str(exc.value)
    assert "第 1 圈未闭合" in msg and "请补上与首点相同的末点" in msg and "open.txt" in msg
    assert msg.index("open.txt") < msg.index("地块记录 1（第 13 行）") < msg.index("第 1 圈未闭合")


# QA round 10 (task FI9): J3 typed 3 km off moves the verdict; J2/J3 swapped without 地块面积; J1 off named once
NEAR_STRAY = [(N, E), (N, E + 180), (N + 3180, E + 180), (N + 180, E), (N, E)]   # J3 3 km north: not "stray"


def _txt_noarea(path, points):
    lines = HEAD + [f"{len(points)},,1,测试地块,面,,工业用地,,@"]
    lines += [f"J{i + 1},1,{x:.3f},{y:.3f}" for i, (x, y) in enumerate(points)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def test_a_recorded_area_far_off_the_coordinates_is_a_shape_warning(tmp_path):
    gdf = dcf.read_site(str(_txt(tmp_path / "stray3k.txt", NEAR_STRAY)))
    warn = " ".join(gdf.attrs.get("shape_warnings") or [])
    assert "记载地块面积 3.24 公顷" in warn and "453.60 亩" in warn and "超过 1%" in warn


def test_a_ring_repaired_into_pieces_without_recorded_area_is_a_shape_warning(tmp_path):
    gdf = dcf.read_site(str(_txt_noarea(tmp_path / "order_noarea.txt", BOWTIE)))
    warn = " ".join(gdf.attrs.get("shape_warnings") or [])
    assert "一圈修复成 2 块" in warn and "点序可能有误" in warn


def test_a_stray_first_point_is_named_once(tmp_path):
    far_j1 = [(N - 20_000, E), (N, E + 180), (N + 180, E + 180), (N + 180, E), (N - 20_000, E)]
    gdf = dcf.read_site(str(_txt(tmp_path / "stray_j1.txt", far_j1)))
    warn = " ".join(gdf.attrs.get("shape_warnings") or [])
    assert warn.count("J1（") == 1 and "远离其余各点" in warn
