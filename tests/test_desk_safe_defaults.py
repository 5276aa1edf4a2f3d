"""Issue 12, "Safe by default", the items no other desk test pins down: ``dcf serve`` binds 127.0.0.1;
another host without a token gets one, printed once and then demanded; the upload cap is 200 MB unless
set; every upload's temporary folder is gone when the request ends; and data text (a township named
like an HTML tag) stays text in the HTML, DOCX and PDF reports."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile

import httpx
import pytest
from click.testing import CliRunner

from _desk_server import running_desk
from browser import make_fixture_store

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture()
def served(monkeypatch):
    """``dcf serve`` up to the point where uvicorn would start listening: the config it would run."""
    import uvicorn

    seen = {}

    def run(self):
        seen["config"] = self.config

    monkeypatch.setattr(uvicorn.Server, "run", run)
    return seen


def test_serve_binds_loopback_by_default(served):
    from dcf_spatial.cli.main import cli

    out = CliRunner().invoke(cli, ["serve", "--no-browser", "--no-record"])
    assert out.exit_code == 0, out.output
    assert served["config"].host == "127.0.0.1"
    assert "令牌" not in out.output and "http://127.0.0.1:8765/" in out.output
    assert served["config"].app.state.upload_limit == 200 * (1 << 20)    # the default cap: 200 MB


def test_another_host_gets_a_token_printed_once_and_demanded(served):
    from dcf_spatial.cli.main import cli

    out = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--no-browser", "--no-record", "--upload-limit-mb", "5"])
    assert out.exit_code == 0, out.output
    token = re.search(r"访问令牌（只显示这一次，请妥善保存）：(\S+)", out.output).group(1)
    assert len(token) >= 24 and out.output.count(token) == 2               # the line above, and the link once
    app = served["config"].app
    assert app.state.token == token and app.state.upload_limit == 5 * (1 << 20)
    given = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--token", "给定的令牌abc", "--no-browser", "--no-record"])
    assert "只显示这一次" not in given.output and served["config"].app.state.token == "给定的令牌abc"


def test_every_upload_folder_is_deleted_when_the_request_ends(tmp_path, monkeypatch):
    """Uploads go to a per-request temporary folder, removed after the answer — read, failed, checked in
    a batch, or previewed and then imported (a preview keeps its file only until its confirm)."""
    import dcf_spatial as dcf

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))    # this test's own temp root: other runs do not count
    store = make_fixture_store(tmp_path / "store.gpkg")
    txt = tmp_path / "site.txt"
    dcf.check_site("115.75,36.34", "C34", area_mu=50, store=store).to_site_file(txt)
    csv = "项目名称,经度,纬度,行业\nA,115.75,36.34,C34\n".encode("utf-8")

    def leftovers():
        return sorted(p.name for p in tmp.iterdir() if p.name.startswith("dcf-desk-") and "jobs" not in p.name)

    with running_desk(store, record=False) as url, httpx.Client(base_url=url, timeout=120) as c:
        assert c.post("/api/site/read", files={"file": ("地块.txt", txt.read_bytes())}).status_code == 200
        assert c.post("/api/site/read", files={"file": ("坏.geojson", b"{oops")}).status_code == 400
        assert c.post("/api/site-check/batch", files={"file": ("清单.csv", csv)}).status_code == 200
        assert leftovers() == []
        token = re.search(r'name="dcf-write-token" content="([^"]+)"', c.get("/layers").text).group(1)
        ok = {"X-DCF-Token": token, "Origin": url}
        from dcf_spatial.store import catalog

        moved = tmp_path / "集聚区.geojson"
        catalog.read_layer("industrial_clusters", store=store).drop(columns=["provenance", "source"]).assign(
            geometry=lambda g: g.geometry.translate(0.01)).to_file(moved, driver="GeoJSON")
        p = c.post("/api/layers/industrial_clusters/import/preview", headers=ok,
                   files={"file": (moved.name, moved.read_bytes())}, data={"provenance": "authoritative"})
        assert p.status_code == 200, p.text
        assert len(leftovers()) == 1                                      # kept for the confirm
        assert c.post("/api/layers/industrial_clusters/import", headers=ok,
                      json={"handle": p.json()["handle"]}).status_code == 200
        assert leftovers() == []
        bad = c.post("/api/layers/industrial_clusters/import/preview", headers=ok,
                     files={"file": ("空.geojson", b"{}")}, data={"provenance": "authoritative"})
        assert 400 <= bad.status_code < 500 and leftovers() == []


def test_data_text_stays_text_in_the_reports(tmp_path):
    """A township named like an HTML tag: escaped in the HTML report, the literal text in DOCX and PDF."""
    import io

    from docx import Document

    store = make_fixture_store(tmp_path / "store.gpkg", evil_name=EVIL)
    body = {"site": "115.75,36.34", "industry": "C34", "area_mu": 50}
    with running_desk(store, record=False) as url, httpx.Client(base_url=url, timeout=120) as c:
        assert any(t["name_zh"] == EVIL for t in c.post("/api/site-check", json=body).json()["townships"])
        html = c.post("/api/site-check/export/html", json=body)
        docx = c.post("/api/site-check/export/docx", json=body)
        pdf = c.post("/api/site-check/export/pdf", json=body)
    assert html.status_code == docx.status_code == pdf.status_code == 200
    assert EVIL not in html.text and "&lt;img src=x onerror=alert(1)&gt;" in html.text
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert EVIL in text
    if shutil.which("pdftotext"):
        path = tmp_path / "r.pdf"
        path.write_bytes(pdf.content)
        assert EVIL in subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
