"""What a new user tripped on at the desk and in the reports (QA round 4): .xls/.ods uploads, a 报批 TXT of
several 地块 (round trip, one site said so), what the report prints for an uploaded file, the project's name
in the report body, the import preview's boundary slivers."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import numpy as np
import pytest


FILES = Path(__file__).resolve().parent / "files"
#: QA round 4's 报批 TXT: three 地块 (郑家轴承项目 3.24 公顷, 沙镇新能源项目 2.25, 道口铺物流项目 1.44), ~14 km apart
THREE = FILES / "三宗地报批坐标.txt"
NAMES = ["郑家轴承项目", "沙镇新能源项目", "道口铺物流项目"]


# ---- 1. every format the CLI reads for that input --------------------------------------------------

def test_the_desk_accepts_every_file_the_readers_open_from_one_shared_list():
    from dcf_spatial.desk.uploads import FORMATS_ZH, SITE_SUFFIXES, suffix_of
    from dcf_spatial.io.formats import _FORMAT_KIND, UPLOAD_SUFFIXES

    assert SITE_SUFFIXES is UPLOAD_SUFFIXES
    assert set(UPLOAD_SUFFIXES) == set(_FORMAT_KIND) - {".gdb", ".shp"}  # a folder; a .shp travels zipped
    for name in ("项目清单.xls", "供地台账.ODS", "清单.xlsm", "a.kmz"):
        assert suffix_of(name) == Path(name).suffix.lower()
    assert ".xls" in FORMATS_ZH and "ODS" in FORMATS_ZH


def test_batch_check_of_an_xls_list(desk):
    """The QA's 项目清单.xls (the README and the CLI read .xls) is read by 批量核查, every row answered."""
    import pandas as pd

    rows = len(pd.read_excel(FILES / "项目清单.xls", engine="calamine"))
    with (FILES / "项目清单.xls").open("rb") as f:
        r = desk.post("/api/site-check/batch", files={"file": ("项目清单.xls", f)})
    assert r.status_code == 200, r.text
    assert len(r.json()["results"]) == rows


def test_idle_audit_of_an_xls_ledger(desk):
    with (FILES / "供地台账.xls").open("rb") as f:
        r = desk.post("/api/audit/idle", files={"parcels": ("供地台账.xls", f)}, data={"as_of": "2025-12-31"})
    assert r.status_code == 202, r.text
    url = r.json()["url"]
    for _ in range(600):
        job = desk.get(url).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert job["status"] == "done", job


def test_an_unknown_type_still_names_the_formats(desk):
    r = desk.post("/api/site-check/batch", files={"file": ("清单.doc", b"x")})
    assert r.status_code == 415
    assert ".xls" in r.json()["error"] and "清单.doc" in r.json()["error"]


# ---- 2. a 报批 TXT of several 地块 ---------------------------------------------------------------

def _records(path: Path):
    """(编号, 名称, [(point, ring, X, Y) …]) per 地块 record of a 报批 TXT, as the file says it."""
    from dcf_spatial.io.survey_txt import read_survey_txt

    gdf = read_survey_txt(path)
    text = path.read_bytes().decode("gbk")
    body = text.split("[地块坐标]", 1)[1].strip().splitlines()
    recs, cur = [], None
    for line in body:
        parts = line.strip().split(",")
        if line.strip().endswith("@"):
            cur = (parts[2], parts[3], [])
            recs.append(cur)
        elif len(parts) == 4:
            cur[2].append((int(parts[1]), float(parts[2]), float(parts[3])))
    return gdf, recs


def _same_records(original: Path, written: Path):
    """Each 地块 its own record, same 编号, 名称, number of points, ring numbers and corners (to 2 cm: the
    site went through CGCS2000 lon/lat and back)."""
    _, a = _records(original)
    _, b = _records(written)
    assert [(n, name) for n, name, _ in b] == [(n, name) for n, name, _ in a]
    for (_, name, pa), (_, _, pb) in zip(a, b):
        assert len(pb) == len(pa), name
        assert sorted({r for r, _, _ in pb}) == sorted({r for r, _, _ in pa}), name
        ca = np.array(sorted({(round(x, 1), round(y, 1)) for _, x, y in pa}))
        cb = np.array(sorted({(round(x, 1), round(y, 1)) for _, x, y in pb}))
        assert ca.shape == cb.shape and np.abs(ca - cb).max() <= 0.2, name


def test_a_three_parcel_txt_round_trips_through_the_check(tmp_path):
    import dcf_spatial as dcf

    answer = dcf.check_site(str(THREE), "轴承")
    out = answer.to_site_file(tmp_path / "地块.txt")
    _same_records(THREE, out)
    # the check says it combined three differently named 地块 into one site, and where each gets its own
    assert answer.notes[0].startswith("文件含 3 个地块，名称各不相同（" + "、".join(NAMES))
    assert "批量核查" in answer.notes[0]
    # 核查输入 → 场地: the file, its 地块, 亩 and centre — not the outline's WKT
    shown = answer.inputs["场地"]
    assert "MULTIPOLYGON" not in shown and "POLYGON" not in shown
    assert re.fullmatch(r"文件「三宗地报批坐标\.txt」：3 个地块，合计 [\d,.]+ 亩，中心 \d+\.\d{6},\d+\.\d{6}", shown), shown
    mu = float(re.search(r"合计 ([\d,.]+) 亩", shown).group(1).replace(",", ""))
    assert mu == pytest.approx((3.24 + 2.25 + 1.44) * 15, rel=0.01)  # 公顷 as recorded in the file × 15


def test_one_named_parcel_says_nothing_about_combining(tmp_path):
    import dcf_spatial as dcf

    one = dcf.check_site("115.75,36.455", "轴承", area_mu=50)
    path = one.to_site_file(tmp_path / "一宗.txt")
    again = dcf.check_site(str(path), "轴承")
    assert not any(n.startswith("文件含") for n in again.notes)
    assert again.inputs["场地"].startswith("文件「一宗.txt」：1 个地块")


def test_the_desk_reads_checks_and_downloads_the_same_three_records(desk, tmp_path):
    with THREE.open("rb") as f:
        read = desk.post("/api/site/read", files={"file": ("三宗地报批坐标.txt", f)})
    assert read.status_code == 200, read.text
    parcels = read.json()["parcels"]
    assert [p["properties"]["地块名称"] for p in parcels["features"]] == NAMES
    body = {"site": parcels, "industry": "轴承", "project": "三宗地测试"}
    check = desk.post("/api/site-check", json=body)
    assert check.status_code == 200, check.text
    assert check.json()["read_notes"][0].startswith("文件含 3 个地块，名称各不相同")
    txt = desk.post("/api/site-check/export/txt", json=body)
    assert txt.status_code == 200, txt.text
    out = tmp_path / "desk.txt"
    out.write_bytes(txt.content)
    _same_records(THREE, out)
    # the reports: the file as a planner reads it, and the project's name in the body
    html = desk.post("/api/site-check/export/html", json=body).text
    assert "文件「三宗地报批坐标.txt」：3 个地块" in html and "MULTIPOLYGON" not in html
    assert "三宗地测试" in html
    docx = desk.post("/api/site-check/export/docx", json=body)
    from docx import Document

    doc = Document(io.BytesIO(docx.content))
    paras = [p.text for p in doc.paragraphs]
    assert "项目名称：三宗地测试" in paras[:3]
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert any(c.startswith("文件「三宗地报批坐标.txt」：3 个地块") for c in cells)
    assert not any("POLYGON" in c for c in cells)


def test_the_pdf_title_block_names_the_project():
    import dcf_spatial as dcf
    from dcf_spatial.desk.pdf_report import report_blocks

    answer = dcf.check_site(str(THREE), "轴承")
    answer.inputs = {"项目名称": "三宗地测试", **answer.inputs}
    blocks = report_blocks(answer)
    assert blocks[0][0] == "title" and blocks[1] == ("para", "项目名称：三宗地测试", 12)
    table = next(b for b in blocks if b[0] == "table")
    assert dict(table[2])["场地"].startswith("文件「三宗地报批坐标.txt」：3 个地块")


# ---- 5. the import preview's slivers ------------------------------------------------------------

def test_boundary_slivers_are_one_line_and_keep_their_total():
    from dcf_spatial.desk.routes.layers import group_slivers

    rows = ([{"从": "甲镇（t1）", "到": "区外", "亩": 0.1 * k} for k in range(1, 9)]
            + [{"从": "甲镇（t1）", "到": "乙镇（t2）", "亩": 12.5}, {"从": "区外", "到": "乙镇（t2）", "亩": 3.0}])
    out = group_slivers(rows)
    assert [r["亩"] for r in out[:2]] == [12.5, 3.0]               # real transfers: one row each, largest first
    assert len(out) == 3
    assert out[-1]["从"] == "8 处边界微调（每处不足 1 亩），合计 3.6 亩"
    assert out[-1]["亩"] == pytest.approx(3.6)                      # nothing lost: the slivers' total
    assert group_slivers([{"从": "a", "到": "b", "亩": 2.0}]) == [{"从": "a", "到": "b", "亩": 2.0}]
