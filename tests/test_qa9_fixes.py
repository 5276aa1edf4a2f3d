"""What a new user met on the desk and in site batches (QA round 9), asserted as they should see it, on the
shipped layers: a workbook whose first sheet is 填表说明, a list with no site column, a place the plan names at
township grain in the 涉及分区 table, a site outside the plan area, a site typed as E…/N…, the 口径 line of a
non-industrial project, and the report map's arrow when the nearest designated zone is at the site."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli

#: rows of a clerk's project list, placed by 坐落 (no coordinates)
PROJECTS = pd.DataFrame({"序号": [1, 2, 3], "项目名称": ["轴承保持架项目", "食用菌大棚", "冷链仓库"],
                         "坐落": ["郑家镇王屯村", "沙镇镇前屯村", "侯营镇"],
                         "行业": ["轴承保持架", "食用菌种植", "冷链物流"], "用地面积（亩）": [45, 15, 30]})
#: a drawn site (about 6,700 亩) across 张炉集镇 and 侯营镇, a sliver of it in 高标准蔬菜产业示范区
DRAWN = ("POLYGON((115.7713 36.371, 115.7943 36.371, 115.7953 36.39, 115.7713 36.39, 115.7713 36.371))")
OUTSIDE = "115.98,36.41"  # 湖西街道, administered by the development zone: not in the plan area


def _book(path, sheets: dict, hidden=()):
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name, frame in sheets.items():
            frame.to_excel(xl, sheet_name=name, index=False)
        for name in hidden:
            xl.book[name].sheet_state = "hidden"
    return path


def _instructions():
    return pd.DataFrame({"本表由规划科填写，请勿改动表头": ["联系人：王五", None]})


def _run(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res.exit_code, res.stdout, res.stderr


def _docx_text(path) -> tuple[list[str], list[list[str]]]:
    from docx import Document

    d = Document(str(path))
    return [p.text for p in d.paragraphs], [[c.text for c in r.cells] for t in d.tables for r in t.rows]


def _pdf_text(path) -> str:
    """The PDF's text in reading order (a table cell's wrapped lines joined): pdftotext without -layout."""
    if not shutil.which("pdftotext"):
        pytest.skip("needs poppler-utils (pdftotext)")
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return out.replace(" ", "").replace("\n", "")


def _reports(answer, tmp_path, tag):
    from dcf_spatial.desk.docx_report import write_docx
    from dcf_spatial.desk.pdf_report import write_pdf

    return write_docx(answer, tmp_path / f"{tag}.docx"), write_pdf(answer, tmp_path / f"{tag}.pdf")


# ---- 1. the sheet of a multi-sheet workbook ----------------------------------------------------------------------

def test_a_batch_skips_the_instructions_sheet_and_says_which_sheet_it_read(tmp_path):
    book = _book(tmp_path / "多表清单.xlsx", {"填表说明": _instructions(), "隐藏": PROJECTS.head(1),
                                              "2026年项目": PROJECTS, "2027年项目": PROJECTS.head(1)}, hidden=["隐藏"])
    answer = dcf.check_batch(str(book))
    assert len(answer.results) == len(PROJECTS)
    assert all(r.get("verdict") for r in answer.results)   # every row checked, placed by its 坐落
    note = next(n for n in answer.notes if n.startswith("工作簿有 4 个工作表"))
    assert "读取“2026年项目”" in note and "“填表说明”（表头不像项目清单" in note and "隐藏" in note
    # the other sheet that looks like a list is named, quoted, with how to read it (brk12: said plainly)
    assert "另有工作表“2027年项目”的表头也像项目清单，未读" in note
    # the CLI reads the same sheet and says so on stderr
    code, _, err = _run("site", "check", "--batch", book, "--json")
    assert code == 0 and "读取“2026年项目”" in err and "--layer" in err
    # naming the sheet reads that one
    named = dcf.check_batch(str(book), layer="2027年项目")
    assert len(named.results) == 1


def test_a_workbook_with_no_project_list_lists_every_sheet_with_its_header_and_the_fix(tmp_path):
    book = _book(tmp_path / "汇总.xlsx", {"填表说明": _instructions(),
                                          "金额汇总": pd.DataFrame({"项目": ["甲"], "金额（万元）": [3]})})
    code, _, err = _run("site", "check", "--batch", book)
    line = [ln for ln in err.splitlines() if "错误" in ln or "Error" in ln][-1]
    assert code == 2 and "没有一个工作表的表头像项目清单" in line
    assert "“填表说明”（表头：本表由规划科填写，请勿改动表头）" in line and "“金额汇总”（表头：项目、金额（万元））" in line
    assert "--layer" in line and "坐落" in line and "找不到坐标列" not in line


def test_a_list_without_a_site_column_says_what_columns_a_site_can_come_from(tmp_path):
    book = _book(tmp_path / "清单.xlsx", {"清单": pd.DataFrame({"项目": ["甲", "乙"], "所在位置说明": ["郑家镇王屯村", "沙镇镇前屯村"],
                                                                "行业": ["轴承", "食用菌"]})})
    code, _, err = _run("site", "check", "--batch", book)
    line = [ln for ln in err.splitlines() if "错误" in ln or "Error" in ln][-1]
    assert code == 2 and "找不到坐标列" not in line
    assert all(w in line for w in ("经度/纬度", "WKT", "坐落", "项目位置"))
    assert "--field address=所在位置说明" in line     # the column that reads as place names, with the fix
    # the fix works
    code, out, _ = _run("site", "check", "--batch", book, "--field", "address=所在位置说明", "--json")
    assert code == 0 and '"verdict"' in out


def test_the_desk_offers_a_workbooks_sheets_and_reads_the_one_chosen(desk, tmp_path):
    book = _book(tmp_path / "多表清单.xlsx", {"填表说明": _instructions(), "2025年项目": PROJECTS.head(1),
                                              "2026年项目": PROJECTS, "旧表": PROJECTS.head(1)}, hidden=["旧表"])
    data = book.read_bytes()
    r = desk.post("/api/sheets", files={"file": ("多表清单.xlsx", data)})
    assert r.status_code == 200
    assert r.json()["sheets"] == [{"name": "填表说明", "hidden": False}, {"name": "2025年项目", "hidden": False},
                                  {"name": "2026年项目", "hidden": False}, {"name": "旧表", "hidden": True}]
    assert desk.post("/api/sheets", files={"file": ("p.csv", "经度,纬度\n1,2\n".encode())}).json() == {"sheets": []}
    auto = desk.post("/api/site-check/batch", files={"file": ("多表清单.xlsx", data)}).json()
    assert len(auto["results"]) == 1 and any("读取“2025年项目”" in n for n in auto["read_notes"])
    chosen = desk.post("/api/site-check/batch", files={"file": ("多表清单.xlsx", data)}, data={"sheet": "2026年项目"}).json()
    assert len(chosen["results"]) == len(PROJECTS)
    # no project list at all: the sheets are listed and the fix is the page's 工作表 box
    bad = _book(tmp_path / "汇总.xlsx", {"填表说明": _instructions(), "汇总": pd.DataFrame({"项目": ["甲"]})})
    r = desk.post("/api/site-check/batch", files={"file": ("汇总.xlsx", bad.read_bytes())})
    assert r.status_code in (400, 422)
    assert "填表说明" in r.json()["error"] and "「工作表」" in r.json()["error"] and "--layer" not in r.json()["error"]


# ---- 2. a place named at township grain has no 亩 of its own -------------------------------------------------

def test_a_place_shown_at_its_township_has_no_zero_mu_in_the_reports(tmp_path):
    named = dcf.check_site("沙镇镇前屯村", "食用菌种植")
    drawn = dcf.check_site(DRAWN, "冷链物流")
    for tag, answer, share in (("named", named, "—（按所在镇（街道）示意）"), ("drawn", drawn, "在其所在镇（街道）")):
        place = [z for z in answer.results[0]["zones"] if z["layer"] == "named_places"]
        assert place, tag
        docx, pdf = _reports(answer, tmp_path, tag)
        _, rows = _docx_text(docx)
        row = next(r for r in rows if r[0] == place[0]["name_zh"])
        assert row[2] == "—（按镇示意，无面积）" and share in row[3] and row[3] != "100%"
        assert "—（按镇示意，无" in _pdf_text(pdf)   # the PDF's cell wraps before 面积）
        # the zones drawn on the map keep their 亩 (the 高标准蔬菜产业示范区 row of the drawn site is not 0)
        if tag == "drawn":
            veg = next(r for r in rows if r[0] == "高标准蔬菜产业示范区")
            assert float(veg[2]) > 0
            town = next(t for t in answer.results[0]["townships"] if t["name_zh"] == "侯营镇")
            assert row[3] == f"场地 {town['share'] * 100:.1f}% 在其所在镇（街道）"


# ---- 3. a site outside the plan area names its unit --------------------------------------------------------------

def test_a_site_outside_the_plan_area_names_its_township_in_the_header(tmp_path):
    from dcf_spatial.queries.site.present import summary_text

    answer = dcf.check_site(OUTSIDE, "新能源汽车零部件")
    assert answer.verdict == "outside_plan_area"
    assert any("湖西街道" in r["text_zh"] for r in answer.results[0]["reasons"])
    docx, pdf = _reports(answer, tmp_path, "out")
    paras, _ = _docx_text(docx)
    header = next(p for p in paras if p.startswith("场地面积："))
    assert "所在镇（街道）：湖西街道（100%，开发区托管，不在规划范围）" in header and "：—" not in header
    assert "所在镇（街道）：湖西街道" in _pdf_text(pdf)
    assert "所在镇（街道）：湖西街道" in summary_text(answer.results[0])


# ---- 5. E/N-labelled coordinates, the 口径 line, the map's arrow --------------------------------------------------

@pytest.mark.parametrize("typed", ["E115.7612 N36.4475", "东经115.7612，北纬36.4475", "N36.4475 E115.7612",
                                   "115.7612E, 36.4475N", "E115°45′40.32″ N36°26′51″"])
def test_a_site_typed_with_hemisphere_labels_is_read_as_coordinates(typed):
    plain = dcf.check_site("115.7612,36.4475", "轴承保持架")
    answer = dcf.check_site(typed, "轴承保持架")
    assert answer.verdict == plain.verdict
    lon, lat = answer.results[0]["site"]["centroid_lonlat"]
    assert abs(lon - 115.7612) < 1e-4 and abs(lat - 36.4475) < 1e-4


def test_a_labelled_value_that_is_not_a_point_names_the_forms_to_type(tmp_path, monkeypatch):
    for typed in ("E115.7612", "E115.7612 E36.4475"):
        code, _, err = _run("site", "check", "--site", typed, "--industry", "轴承")
        assert code == 2 and "文件不存在" not in err and "E115.7612 N36.4475" in err and "东经" in err
    # a file whose name begins like a label stays a file
    (tmp_path / "E1.geojson").write_text('{"type": "Point", "coordinates": [115.7612, 36.4475]}', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, _ = _run("site", "check", "--site", "E1.geojson", "--industry", "轴承保持架")
    assert code == 0


def test_the_outside_clusters_policy_line_only_on_industrial_reports(tmp_path):
    for tag, industry, shown in (("logistics", "冷链物流", False), ("farm", "食用菌种植", False), ("factory", "轴承", True)):
        answer = dcf.check_site("115.7612,36.4475", industry)
        docx, pdf = _reports(answer, tmp_path, tag)
        paras, rows = _docx_text(docx)
        text = "\n".join(paras) + str(rows)
        assert ("集聚区外新建工业项目" in text) is shown, tag
        assert ("集聚区外新建工业项目" in _pdf_text(pdf)) is shown, tag


def test_the_map_points_to_the_zone_the_table_lists_at_zero_km(tmp_path):
    from dcf_spatial.desk.docx_report import map_picture

    answer = dcf.check_site(DRAWN, "冷链物流")
    table = answer.results[0]["designated_zones"]
    assert table[0]["distance_km"] == 0 and table[1]["distance_km"] > 1   # 高标准蔬菜产业示范区, then 物流产业园 4.6 km
    info = map_picture(answer, tmp_path / "m.png")
    assert [d["name_zh"] for d in info["designated"]] == [table[0]["name_zh"]]
    assert info["designated"][0]["pointed"]
    texts = [t for t, _ in info["labels"]]
    assert any(t.startswith(table[0]["name_zh"]) for t in texts)
    assert not any(table[1]["name_zh"] in t for t in texts) and not any("km" in t for t in texts)


def test_the_desk_reads_a_labelled_site_or_says_the_forms_to_type(desk):
    r = desk.post("/api/site-check", json={"site": "东经115.7612 北纬36.4475", "industry": "轴承保持架"})
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] == desk.post("/api/site-check", json={"site": "115.7612,36.4475",
                                                                      "industry": "轴承保持架"}).json()["verdict"]
    r = desk.post("/api/site-check", json={"site": "E115.7612", "industry": "轴承保持架"})
    assert r.status_code == 422 and "E115.7612 N36.4475" in r.json()["error"] and "地名表" not in r.json()["error"]
