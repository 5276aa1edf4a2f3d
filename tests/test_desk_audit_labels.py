"""The desk's idle-audit page data as the bureau reads it (QA round 3): the 按状态 table and legend
name each group by the label its parcels carry (认定 vs 疑似, 第八条第一款 vs 第二款), the zone tables
have Chinese headers, areas are rounded as in the workbook, and the workbook's 说明 names the
uploaded file, not the server's temporary copy."""

from __future__ import annotations

import io
import time

import httpx
import openpyxl

from _desk_server import running_desk
from test_idle_audit import make_land_store
from test_idle_labels import AS_OF, mixed_frame


def _run_job(client, name: str, data: bytes) -> dict:
    r = client.post("/api/audit/idle", files={"parcels": (name, data)}, data={"as_of": AS_OF})
    assert r.status_code == 202, r.text
    url = r.json()["url"]
    for _ in range(1200):   # polls until the job ends (no time limit is asserted)
        job = client.get(url).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert job["status"] == "done", job
    return job


def test_idle_audit_page_data(tmp_path):
    store = make_land_store(tmp_path / "store.gpkg")
    gdf = mixed_frame()
    path = tmp_path / "宗地台账2025.gpkg"
    gdf.to_file(path, layer="parcels")
    with running_desk(str(store)) as url, httpx.Client(base_url=url, timeout=120) as client:
        job = _run_job(client, "宗地台账2025.gpkg", path.read_bytes())
        s = job["summary"]
        names = [d["name"] for d in job["downloads"]]
        xlsx = client.get(job["downloads"][names.index("闲置土地审计_宗地台账2025.xlsx")]["url"]).content
    # what the parcels carry, counted from the audit's own frame
    from dcf_spatial.land.idle_audit import audit_idle
    from dcf_spatial.land.parcels import validate_parcels

    carried = audit_idle(validate_parcels(gdf), as_of=AS_OF)["status_zh"].value_counts().to_dict()
    by_status = {r["status_zh"]: r["count"] for r in s["summaries"]["status"] if r["count"]}
    assert by_status == carried
    assert {e["status_zh"]: e["count"] for e in s["status_legend"]} == carried
    # the zone tables: every column has a Chinese header in the page's labels
    town = s["summaries"]["township_zh"][0]
    for col in ("total", "idle_count", "determined_count", "idle_area_mu", "idle_reclaim"):
        assert col in town and s["column_labels"][col] and not s["column_labels"][col].isascii()
    # areas as the workbook shows them: two decimals
    areas = [r["area_mu"] for r in s["needs_action"]]
    assert areas and all(a == round(a, 2) for a in areas)
    assert any(a != round(a) for a in areas)   # the odd-sized parcel is among them
    # the 说明 sheet names the uploaded file, not the server's temporary path
    notes = "\n".join(str(r[0]) for r in openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)["说明"]
                      .iter_rows(values_only=True) if r[0])
    assert "输入文件：宗地台账2025.gpkg" in notes
    assert "upload.gpkg" not in notes and "dcf-desk-jobs" not in notes


def test_idle_list_on_the_page_has_next_step_and_marks_duplicates(tmp_path):
    from test_idle_audit import parcel_frame

    store = make_land_store(tmp_path / "store.gpkg")
    # a year and a half unstarted: 第十四条第（一）项's fee (满两年 would be reclaimed, with no fee in the totals)
    gdf = parcel_frame([{"parcel_id": "P1", "agreed_start": "2024-06-01", "land_price_wan": 960.0},
                        {"parcel_id": "P2", "agreed_start": "2024-06-01"},
                        {"parcel_id": "P1", "agreed_start": "2024-06-01", "land_price_wan": 960.0}])
    path = tmp_path / "台账.gpkg"
    gdf.to_file(path, layer="parcels")
    with running_desk(str(store)) as url, httpx.Client(base_url=url, timeout=120) as client:
        s = _run_job(client, "台账.gpkg", path.read_bytes())["summary"]
    rows = {(r["parcel_id"], r["duplicate_zh"]) for r in s["needs_action"]}
    assert rows == {("P1", "宗地代码重复：合计只计本条"), ("P1", "宗地代码重复：本条不计入合计"), ("P2", "")}
    assert all(r["next_step_zh"].startswith("依第五条开展调查") for r in s["needs_action"])
    # the page's 按状态 table counts P1 once, as the workbook
    assert sum(r["count"] for r in s["summaries"]["status"]) == 2
    assert sum(r["fee_wan"] for r in s["summaries"]["status"]) == 192.0 + 200.0
