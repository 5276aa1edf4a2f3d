"""Issue 12, a new user's small findings on the desk (``dcf serve``) and its CLI, each as the user meets it.

M1  a polygon drawn on the desk's map, downloaded as a 报批 TXT or a GPKG, carries the project name typed;
M2  a batch of an uploaded 报批 coordinate TXT names its rows by 地块 (编号/名称) and line, never 「表格第 N 行」;
M3  the desk's console names an upload by the user's file name, never the server's temporary copy;
M4  ``dcf layers import`` without ``--provenance`` is refused (never assumed 权威) unless the file carries one.
"""

from __future__ import annotations

import io
import re
import subprocess

import geopandas as gpd
import httpx
import pandas as pd
from click.testing import CliRunner

from _desk_server import free_port
from test_desk_nu_findings import DCF, serving
from test_survey_txt import _two_parcels, _write

# a polygon in the shipped (schematic) 郑家镇工业集聚区, as the page sends one drawn on its map
DRAWN = {"type": "Polygon", "coordinates": [[[115.745, 36.452], [115.752, 36.452], [115.752, 36.457],
                                             [115.745, 36.457], [115.745, 36.452]]]}
#: the 报批 TXT record line: 界址点数,地块面积,地块编号,地块名称,图形属性,图幅号,地块用途,地类编码,@
NAME_FIELD = 3


def _record_names(txt: bytes) -> list[str]:
    """The 地块名称 of each record line of a 报批 TXT (GBK, as the desk sends it)."""
    lines = txt.decode("gbk").splitlines()
    return [line.split(",")[NAME_FIELD] for line in lines if line.rstrip().endswith("@")]


# ---- M1: the downloaded site carries the project's name ------------------------------------------------------

def test_a_drawn_site_downloads_as_the_project_typed(desk, tmp_path):
    body = {"site": DRAWN, "industry": "轴承", "crs": "EPSG:4326", "drawn_on_map": True, "project": "东昌府轴承扩建项目"}
    txt = desk.post("/api/site-check/export/txt", json=body)
    assert txt.status_code == 200, txt.text
    assert _record_names(txt.content) == ["东昌府轴承扩建项目"]
    gpkg = desk.post("/api/site-check/export/gpkg", json=body)
    assert gpkg.status_code == 200, gpkg.text
    (tmp_path / "场地.gpkg").write_bytes(gpkg.content)
    assert gpd.read_file(tmp_path / "场地.gpkg")["地块名称"].tolist() == ["东昌府轴承扩建项目"]
    # no name typed (blank): a 报批 record never goes out with an empty 地块名称
    blank = desk.post("/api/site-check/export/txt", json={**body, "project": "  "})
    assert blank.status_code == 200, blank.text
    assert [n.strip() != "" for n in _record_names(blank.content)] == [True]




# ---- M2: a 报批 TXT batch names its rows by 地块 ----------------------------------------------------------------

def _record_lines(path) -> dict[str, int]:
    """地块编号 → the line (1-based) of its record in the TXT, as a text editor shows it."""
    lines = path.read_bytes().decode("gbk").splitlines()
    return {line.split(",")[2]: k for k, line in enumerate(lines, start=1) if line.rstrip().endswith("@")}


def test_a_survey_txt_batch_names_each_row_by_its_parcel_and_line(desk, tmp_path):
    path = _write(tmp_path / "报批坐标.txt", _two_parcels())
    lines = _record_lines(path)
    r = desk.post("/api/site-check/batch", files={"file": ("报批坐标.txt", path.read_bytes())}, data={"industry": "轴承"})
    assert r.status_code == 200, r.text
    labels = [x["row_label"] for x in r.json()["results"]]
    for label, (pid, name) in zip(labels, (("DK01", "仓储物流地块"), ("DK02", "智能制造地块")), strict=True):
        assert pid in label and name in label and f"第 {lines[pid]} 行" in label, label
        assert "表格" not in label
    table = pd.read_excel(io.BytesIO(desk.get(r.json()["xlsx_url"]).content), engine="openpyxl")
    assert "表格行号" not in table.columns
    assert table["文件行号"].tolist() == [lines["DK01"], lines["DK02"]]
    assert table["地块"].tolist() == labels


def test_the_cli_summary_of_a_survey_txt_batch_names_its_parcels(tmp_path):
    from dcf_spatial.cli.main import cli

    path = _write(tmp_path / "报批坐标.txt", _two_parcels())
    lines = _record_lines(path)
    res = CliRunner().invoke(cli, ["site", "check", "--batch", str(path), "--industry", "轴承"])
    assert res.exit_code == 0, res.output
    assert "表格第" not in res.output
    assert f"地块 DK02（智能制造地块，第 {lines['DK02']} 行）" in res.output
    # the format's own fields are never offered as the industry column (界址点数 “10” is no GB/T 4754 code)
    assert "界址点数" not in res.output, res.output


# ---- M3: the console names the user's file, never the server's copy ------------------------------------------

def test_the_desk_console_names_uploads_by_the_users_file_name(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "desk.log"
    path = _write(tmp_path / "东昌府报批坐标.txt", _two_parcels())
    proc = subprocess.Popen([*DCF, "-v", "serve", "--no-browser", "--no-record", "--port", str(port)],
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    with serving(proc, port, log), httpx.Client(base_url=url, timeout=180) as c:
        ok = c.post("/api/site-check/batch", files={"file": ("东昌府报批坐标.txt", path.read_bytes())},
                    data={"industry": "轴承"})
        assert ok.status_code == 200, ok.text
        assert c.post("/api/site/read", files={"file": ("东昌府报批坐标.txt", path.read_bytes())}).status_code == 200
        bad = c.post("/api/site/read", files={"file": ("损坏的地块.gpkg", b"not a geopackage\x00\x01")})
        assert bad.status_code in (400, 422) and "损坏的地块.gpkg" in bad.json()["error"]
        for answer in (ok.text, bad.text):   # what the user is shown: no server path either
            assert "dcf-desk-" not in answer and "/tmp/" not in answer
    text = log.read_text(encoding="utf-8", errors="replace")
    assert re.search(r"from 东昌府报批坐标\.txt", text), text   # the reader's line names the user's file
    # the start may name a killed desk's private folder it tidied (another test killed that desk): not an upload's name
    uploads = "\n".join(line for line in text.splitlines() if "已删除此前被强制结束的工作台留下的" not in line)
    assert "dcf-desk-" not in uploads and "upload.txt" not in uploads, text


# ---- M4: layers import asks for the provenance ---------------------------------------------------------------

def _import(store, *args):
    from dcf_spatial.cli.main import cli

    return CliRunner().invoke(cli, ["--store", str(store), "layers", "import", "townships", *map(str, args)])


def test_layers_import_without_provenance_is_refused_and_changes_nothing(tiny_store, tmp_path):
    from conftest import make_townships
    from dcf_spatial.store import catalog

    path = tmp_path / "乡镇界线.gpkg"
    make_townships(2).drop(columns=["provenance"]).to_file(path)
    before = catalog.describe_layer("townships", store=tiny_store)
    res = _import(tiny_store, path)
    assert res.exit_code == 2, res.output
    err = res.stderr
    assert "--provenance" in err
    for value, word in (("authoritative", "权威"), ("reference", "参考"), ("schematic", "示意")):
        assert re.search(rf"{value}（{word}：[^）]+）", err), err   # each choice with what it means
    assert catalog.describe_layer("townships", store=tiny_store) == before   # nothing imported
    done = _import(tiny_store, path, "--provenance", "reference")
    assert done.exit_code == 0, done.output
    assert catalog.describe_layer("townships", store=tiny_store)["provenance"] == "reference"


def test_layers_import_takes_the_provenance_the_file_carries(tiny_store, tmp_path):
    from conftest import make_townships
    from dcf_spatial.store import catalog

    path = tmp_path / "乡镇界线.gpkg"
    make_townships(2, provenance="schematic").to_file(path)   # as a layer exported from a store
    res = _import(tiny_store, path)
    assert res.exit_code == 0, res.output
    assert catalog.describe_layer("townships", store=tiny_store)["provenance"] == "schematic"
    assert "provenance" in res.output and "schematic" in res.output   # said, not silently taken
