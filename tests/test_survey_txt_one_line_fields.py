"""Breaker F6, F7: a 报批 TXT is a file of lines (a ``[地块坐标]`` record per line, fields between commas, ``@`` at
its end). A 地块名称 with a line break (an Excel cell with Alt+Enter, a shapefile attribute) or a 数据产生单位 sent
with one was written raw: the file got a second ``[地块坐标]`` section and forged records, and dcf itself refused
to read it back. Each written field is now one line (line breaks and control characters → a space, said in a
note), and what is written reads back as the same 地块."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from dcf_spatial.io.survey_txt import read_survey_txt, write_survey_txt

#: the breaker's name: a line break, then a whole forged section with a 999-亩 record and a point
FORGED = "正常名称\n[地块坐标]\n5,999.0000,9,伪造地块,面,,工业用地,,@\nJ1,1,1.0,2.0"
BOX = shapely.box(115.749, 36.454, 115.751, 36.456)


def _sections(path) -> list[str]:
    return [s for s in path.read_bytes().decode("gbk").splitlines() if s.startswith("[")]


#: name as typed -> the 地块名称 read back from the written file (worked out by hand from the format: a line
#: break or control character is a space, a comma full-width, @ full-width)
NAMES = {
    FORGED: "正常名称 [地块坐标] 5，999.0000，9，伪造地块，面，，工业用地，，＠ J1，1，1.0，2.0",
    "东区\r\n仓储地块": "东区 仓储地块",             # Excel on Windows, a CSV cell with CRLF
    "东区\r仓储地块": "东区 仓储地块",
    "东区\t仓储地块": "东区 仓储地块",              # a tab is a separator the reader accepts
    "东区\u2028仓储\x85地块\x0b": "东区 仓储 地块",     # line separators str.splitlines breaks on
    "东区\x1b[31m地块": "东区 [31m地块",
    "东、西区；一期\n二期": "东、西区；一期 二期",   # separators the reader tells apart stay as they are
    # a name of eight parts: split on its (full-width) commas or semicolons it has the format's eight fields too
    "甲,乙,丙,丁,戊,己,庚,辛": "甲，乙，丙，丁，戊，己，庚，辛",
    "甲;乙;丙;丁;戊;己;庚;辛": "甲;乙;丙;丁;戊;己;庚;辛",
}


@pytest.mark.parametrize("name", list(NAMES))
def test_a_name_with_a_line_break_is_one_record_and_reads_back(tmp_path, name):
    parcels = gpd.GeoDataFrame({"地块编号": ["1", "2"], "地块名称": [name, "第二块"]},
                               geometry=[BOX, shapely.box(115.752, 36.454, 115.754, 36.456)], crs=4490)
    notes: list[str] = []
    out = write_survey_txt(parcels, tmp_path / "报批.txt", notes=notes)
    assert _sections(out) == ["[属性描述]", "[地块坐标]"]
    back = read_survey_txt(out)
    assert back["地块名称"].tolist() == [NAMES[name], "第二块"]
    assert back["地块编号"].tolist() == ["1", "2"]
    assert not back.attrs["issues"].flagged().any()
    # the same outlines, to the millimetre the format writes (1e-7° ≈ 1 cm)
    assert (shapely.hausdorff_distance(back.geometry.to_crs(4490).values, parcels.geometry.values) < 1e-7).all()
    if "\x1b" in name or "\n" in name or "\t" in name or "\r" in name or "\u2028" in name:
        assert any("地块 1" in n and "地块名称" in n and "空格" in n for n in notes), notes
    else:
        assert not notes


def test_a_header_value_with_a_line_break_is_one_line(tmp_path):
    """F7's forged 数据产生单位: the header keeps its 11 lines, the file its one 地块."""
    parcels = gpd.GeoDataFrame({"地块编号": ["1"], "地块名称": ["甲"]}, geometry=[BOX], crs=4490)
    parcels.attrs["survey_header"] = {"数据产生单位": "自然资源部\n[地块坐标]\n5,999,1,伪造,面,,工业用地,,@",
                                      "数据产生日期": "2026-01-01\r\n格式版本号=9"}
    out = write_survey_txt(parcels, tmp_path / "报批.txt")
    assert _sections(out) == ["[属性描述]", "[地块坐标]"]
    back = read_survey_txt(out)
    assert len(back) == 1 and back["地块名称"].tolist() == ["甲"]
    lines = out.read_bytes().decode("gbk").splitlines()
    assert lines[2] == "数据产生单位=自然资源部 [地块坐标] 5,999,1,伪造,面,,工业用地,,@"
    assert lines[3] == "数据产生日期=2026-01-01 格式版本号=9"
    assert lines[1] == "格式版本号=1.0"


def test_the_cli_export_of_a_name_with_a_line_break_reads_back(tmp_path):
    """The breaker's command: ``dcf site check --site inj.gpkg --export-site inj.txt``, then the TXT as the site."""
    from dcf_spatial.cli.main import cli

    src = tmp_path / "inj.gpkg"
    gpd.GeoDataFrame({"地块编号": ["1"], "地块名称": [FORGED]}, geometry=[BOX], crs=4490).to_file(src)
    out = tmp_path / "inj.txt"
    res = CliRunner().invoke(cli, ["site", "check", "--site", str(src), "--industry", "轴承", "--export-site", str(out)])
    assert res.exit_code == 0, res.output
    assert "地块名称" in res.output and "空格" in res.output   # the export says what it replaced
    assert _sections(out) == ["[属性描述]", "[地块坐标]"]
    again = CliRunner().invoke(cli, ["site", "check", "--site", str(out), "--industry", "轴承", "--json"])
    assert again.exit_code == 0, again.output
    assert read_survey_txt(out)["地块名称"].tolist() == [NAMES[FORGED]]
