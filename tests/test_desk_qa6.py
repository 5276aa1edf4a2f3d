"""What a new user found in the desk, the reports and the batch workbook (QA round 6, issue 12): a site
given by a place name exported as the project's boundary, the desk's 定位 refusing an address the CLI
reads, the 核查意见's page size, ids and file names, the map picture's parks and labels, the batch
workbook's layout and an area typed 约30, an option hint said twice, and two docs."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import dcf_spatial as dcf

# 第八章第一节: "——郑家镇工业集聚区。……重点发展轴承及保持器产业": the shipped (schematic) cluster
# designates bearings; a bearing plant placed by the cluster's name is 有条件符合 because its 物流产业园 (a logistics
# block, 第八章第一节 产业园区分区) is one of the parts the parcel may lie in (task FS7) — the verdict the check of
# the whole cluster gives, which drawing the site as a dot must not change.
CLUSTER = "郑家镇工业集聚区"
#: an application's 建设地点: 郑家镇 (a township of the gazetteer) and a village the gazetteer does not hold
VILLAGE = "郑家镇王屯村"
#: a drawn parcel inside the cluster (lon/lat, as Leaflet sends it)
DRAWN = {"type": "Polygon", "coordinates": [[[115.745, 36.452], [115.752, 36.452], [115.752, 36.457],
                                             [115.745, 36.457], [115.745, 36.452]]]}
#: what a reviewer must not have to read in a 核查意见 (ids, data files, the data file's own wording)
INTERNAL = re.compile(r"[a-z_]+ 图层 [a-z]|cluster\.zhengjia|\.csv|待核对原文|两份二手资料|POLYGON|文件未声明坐标系")


def _docx_text(data: bytes) -> tuple[str, object]:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join(parts), doc


# ---- 1. a named place is never the project's boundary ------------------------------------------------

def test_a_site_given_by_name_is_not_exported_as_the_project_boundary(tmp_path):
    answer = dcf.check_site(CLUSTER, "轴承", area_mu=50)
    assert answer.verdict == "conditional"               # its parts decide (物流产业园 有条件符合, FS7)
    named = answer.named_sites()
    assert named and named[0]["unit"] == CLUSTER and named[0]["level"] == "集聚区"
    for name in ("场地.txt", "场地.gpkg"):
        with pytest.raises(dcf.InputError) as err:
            answer.to_site_file(tmp_path / name)
        text = str(err.value)
        assert "不是项目用地的边界" in text and "画出地块多边形" in text and "报批" in text
        assert "--" not in text                          # a library message names no CLI option
        assert not (tmp_path / name).exists()
    # a site given as a geometry is still written
    drawn = dcf.check_site("POLYGON ((115.745 36.452, 115.752 36.452, 115.752 36.457, 115.745 36.457, 115.745 36.452))", "轴承")
    assert drawn.named_sites() == []
    assert drawn.to_site_file(tmp_path / "drawn.txt").exists()


def test_the_cli_refuses_to_export_a_named_site_but_shows_the_verdict(tmp_path):
    from dcf_spatial.cli.main import cli

    out = tmp_path / "x.txt"
    res = CliRunner().invoke(cli, ["site", "check", "--site", CLUSTER, "--industry", "轴承", "--area-mu", "50",
                                   "--export-site", str(out)])
    assert res.exit_code != 0
    assert "不是项目用地的边界" in res.output
    assert "符合" in res.output                           # the verdict, already reached, is still shown
    assert not out.exists()


def test_the_desk_refuses_the_txt_and_gpkg_of_a_named_site(desk):
    body = {"site": CLUSTER, "industry": "轴承", "area_mu": 50}
    for fmt in ("txt", "gpkg"):
        r = desk.post(f"/api/site-check/export/{fmt}", json=body)
        assert r.status_code == 422, r.text
        assert "不是项目用地的边界" in r.json()["error"]
    # the verdict of the same body is unchanged
    assert desk.post("/api/site-check", json=body).json()["verdict"] == "conditional"


def test_the_report_draws_a_named_site_as_its_unit_not_a_parcel(tmp_path):
    # QA round 7 (superseding round 6's dot): the map shows the whole unit, dashed and captioned as the unit
    from dcf_spatial.desk.docx_report import UNIT_LEGEND_ZH, map_picture

    info = map_picture(dcf.check_site(CLUSTER, "轴承", area_mu=50), tmp_path / "m.png")
    assert info["site_drawn_as"] == "unit"
    assert info["legend"][0] == UNIT_LEGEND_ZH == "按地名定位的单元范围（非项目地块）"
    # a drawn parcel stays a polygon
    info = map_picture(dcf.check_site("POLYGON ((115.745 36.452, 115.752 36.452, 115.752 36.457, 115.745 36.457, 115.745 36.452))",
                                      "轴承"), tmp_path / "p.png")
    assert info["site_drawn_as"] == "polygon" and info["legend"][0] == "场地"


def test_the_docx_of_a_named_site_says_the_dot_is_approximate(desk):
    r = desk.post("/api/site-check/export/docx", json={"site": CLUSTER, "industry": "轴承", "area_mu": 50})
    assert r.status_code == 200, r.text
    text, _ = _docx_text(r.content)
    assert "按地名定位的单元范围" in text and "不是项目地块的位置或边界" in text  # QA round 7: the unit, dashed
    assert "场地（蓝色）与" not in text


# ---- 2. the desk's 定位 reads a name as the check does ----------------------------------------------------

def test_the_place_lookup_reads_an_address_as_the_check_does(desk):
    r = desk.get("/api/places", params={"q": VILLAGE})
    assert r.status_code == 200
    match = r.json()["match"]
    assert match is not None, r.json()["error"]
    assert match["unit_name"] == "郑家镇" and match["approximate"] is True
    assert any("近似" in n for n in match["notes"])
    assert match["geometry"]["type"] in ("Polygon", "MultiPolygon")
    # the same site is checked by POST /api/site-check
    assert desk.post("/api/site-check", json={"site": VILLAGE, "industry": "轴承"}).status_code == 200
    # a gazetteer name is not approximate; an unknown text still says why
    assert desk.get("/api/places", params={"q": CLUSTER}).json()["match"]["approximate"] is False
    miss = desk.get("/api/places", params={"q": "不存在的地方"}).json()
    assert miss["match"] is None and miss["error"]


# ---- 3. the 核查意见 a reviewer reads -----------------------------------------------------------------------

def test_the_docx_is_a4_dated_signed_and_free_of_internal_words(desk):
    from docx.shared import Mm

    r = desk.post("/api/site-check/export/docx", json={"site": DRAWN, "crs": "EPSG:4326", "industry": "轴承", "drawn_on_map": True,
                                                       "investment_wan": 12000, "project": "某轴承项目"})
    assert r.status_code == 200, r.text
    text, doc = _docx_text(r.content)
    s = doc.sections[0]
    assert abs(s.page_width - Mm(210)) < Mm(1) and abs(s.page_height - Mm(297)) < Mm(1)
    assert s.left_margin > Mm(20) and s.top_margin > Mm(20)
    heads = [p.text for p in doc.paragraphs[:5]]
    assert any(re.fullmatch(r"核查日期：\d{4}-\d{2}-\d{2}", h) for h in heads), heads
    for word in ("经办人：", "审核人：", "出具单位（盖章）："):
        assert word in text
    assert not INTERNAL.search(text), INTERNAL.search(text)
    site_cell = next(r.cells[1].text for t in doc.tables for r in t.rows if r.cells[0].text == "场地")
    assert "在地图上绘制的多边形" in site_cell and "个顶点" in site_cell and "亩" in site_cell
    crs_cell = next(r.cells[1].text for t in doc.tables for r in t.rows if r.cells[0].text == "坐标系")
    assert "在地图上绘制" in crs_cell and "WGS84" in crs_cell
    assert "指标数值待核实" in text                         # the data file's 待核对原文, in words


def test_the_pdf_has_the_same_date_signature_lines_and_wording():
    from dcf_spatial.desk.pdf_report import report_blocks

    blocks = report_blocks(dcf.check_site(CLUSTER, "轴承", area_mu=50))
    texts = [str(v) for b in blocks for v in (b[1:] if b[0] != "table" else [*b[1], *sum(b[2], [])])]
    joined = "\n".join(texts)
    assert re.search(r"核查日期：\d{4}-\d{2}-\d{2}", "\n".join(texts[:4]))
    assert "出具单位（盖章）" in joined and "经办人" in joined
    assert not INTERNAL.search(joined), INTERNAL.search(joined)


def test_the_pdf_report_of_a_drawn_site_renders(desk):
    r = desk.post("/api/site-check/export/pdf", json={"site": DRAWN, "crs": "EPSG:4326", "industry": "轴承",
                                                      "drawn_on_map": True})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert b"/MediaBox [0 0 595.28 841.89]" in r.content or b"595.28" in r.content   # A4 in points


# ---- 4. the map picture ------------------------------------------------------------------------------------

def test_the_parks_have_fills_of_their_own_and_no_zero_km_labels(tmp_path):
    from dcf_spatial.desk.docx_report import map_picture

    inside = dcf.check_site("POLYGON ((115.745 36.452, 115.752 36.452, 115.752 36.457, 115.745 36.457, 115.745 36.452))",
                            "轴承")
    info = map_picture(inside, tmp_path / "in.png")
    parks = info["fills"]["cluster_parks"]
    assert len(parks) >= 3 and len(set(parks)) == len(parks)          # the three 郑家 parks told apart
    assert set(parks).isdisjoint(info["fills"]["industrial_clusters"])  # and from their cluster
    assert all(not d["labelled"] for d in info["designated"] if d["distance_km"] == 0)
    assert not any("0.0 km" in t for t, _ in info["labels"])


def test_distance_labels_do_not_cover_the_site(tmp_path):
    from dcf_spatial.desk.docx_report import map_picture

    # a site south-west of 郑家镇工业集聚区, outside it: the designated zones get arrows and labels
    info = map_picture(dcf.check_site("115.70,36.40", "轴承", area_mu=50), tmp_path / "out.png")
    labels = [(t, box) for t, box in info["labels"] if "km" in t]
    assert labels
    sx0, sy0, sx1, sy1 = info["site_extent"]
    for text, (x0, y0, x1, y1) in labels:
        assert x1 < sx0 or x0 > sx1 or y1 < sy0 or y0 > sy1, (text, (x0, y0, x1, y1), info["site_extent"])


# ---- 6. the batch workbook ---------------------------------------------------------------------------------

def _sheet_layout(path):
    import openpyxl

    ws = openpyxl.load_workbook(path).worksheets[0]
    head = {c.value: c for c in ws[1]}
    reason = head["判定理由"]
    return ws, head, reason


def _check_layout(path):
    ws, head, reason = _sheet_layout(path)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    assert ws.column_dimensions[reason.column_letter].width >= 40
    assert ws.cell(row=2, column=reason.column).alignment.wrap_text
    assert ws.column_dimensions[head["结论"].column_letter].width < 20


def test_the_batch_workbooks_are_laid_out_for_reading(tmp_path):
    import pandas as pd

    from dcf_spatial.queries import check_batch_to_file

    src = tmp_path / "清单.csv"
    pd.DataFrame({"项目名称": ["甲", "乙"], "经度": [115.75, 115.70], "纬度": [36.455, 36.40],
                  "行业": ["轴承", "轴承"], "用地面积（亩）": ["50", "30"]}).to_csv(src, index=False)
    check_batch_to_file(src, tmp_path / "cli.xlsx")            # the CLI's streamed workbook
    _check_layout(tmp_path / "cli.xlsx")
    dcf.check_batch(str(src)).to_table(tmp_path / "desk.xlsx")  # the desk's and the API's workbook
    _check_layout(tmp_path / "desk.xlsx")


@pytest.mark.parametrize("typed, approximate", [("约30", True), ("30左右", True), ("大约30亩", True), ("30亩", False)])
def test_an_area_typed_with_words_is_read(tmp_path, typed, approximate):
    import pandas as pd

    src = tmp_path / "清单.csv"
    pd.DataFrame({"项目名称": ["甲"], "经度": [115.75], "纬度": [36.455], "行业": ["轴承"],
                  "用地面积（亩）": [typed]}).to_csv(src, index=False)
    answer = dcf.check_batch(str(src))
    r = answer.results[0]
    assert r.get("status", "ok") == "ok", r.get("error")
    assert r["verdict"] == "fits"
    note = [n for n in answer.notes if "约数" in n]
    assert bool(note) is approximate
    if approximate:
        assert "表格第 2 行" in note[0] and typed in note[0]


def test_an_area_that_is_no_number_still_says_why(tmp_path):
    import pandas as pd

    src = tmp_path / "清单.csv"
    pd.DataFrame({"项目名称": ["甲"], "经度": [115.75], "纬度": [36.455], "行业": ["轴承"],
                  "用地面积（亩）": ["三十来亩"]}).to_csv(src, index=False)
    r = dcf.check_batch(str(src)).results[0]
    assert r["status"] != "ok" and "三十来亩" in r["error"]


def test_the_approximate_reader_reuses_the_ledger_reader():
    from dcf_spatial.io.aliases import approximate_area

    assert approximate_area("约３，０００", "mu") == (3000.0, True)   # full-width digits and a comma, as ledgers
    assert approximate_area("30公顷", "mu") == (None, False)           # another unit than the header's
    assert approximate_area(None, "mu") == (None, False)


# ---- 7. texts and docs --------------------------------------------------------------------------------------

def test_the_crs_hint_is_said_once():
    from dcf_spatial.cli.main import cli

    res = CliRunner().invoke(cli, ["site", "check", "--site", "115.75,36.455", "--industry", "轴承"])
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if "高德" in ln)
    assert "请用 --crs gcj02 指定坐标系" in line and "请用 --crs bd09 指定坐标系" in line
    assert line.count("--crs") == 2, line


def test_docs_name_the_survey_txt_and_the_query_frame_columns():
    root = Path(__file__).resolve().parents[1]
    assert "报批/勘测定界坐标 TXT" in (root / "docs" / "formats.md").read_text(encoding="utf-8")
    api = (root / "docs" / "api.md").read_text(encoding="utf-8")
    line = next(ln for ln in api.splitlines() if ln.startswith("| `dcf.QueryAnswer`"))
    named = re.findall(r"`([a-z_]+)`", line.split("`.note`")[0])
    cols = set(dcf.overlap("cluster_parks", "townships").frame.columns)
    assert {"a_name", "overlap_mu", "status"} <= set(named)
    assert set(named) <= cols | {"overlap"}
