"""The 项目名称 on the maps a clerk clicks (QA round 11).

A 供地 record or a project of a batch list is known by its 项目名称, not by its 宗地代码 or 表格第 N 行: the
popup of a site on the 批量核查 map, and of a parcel on the idle-audit map (HTML and the desk's), show the
name the input gives — as text: a name like ``<img src=x onerror=alert(1)>`` is shown, never run.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import geopandas as gpd
import pytest
from click.testing import CliRunner

from _ledgers import write_ledger
from browser import click_latlng, needs_chromium, open_offline
from dcf_spatial.cli.main import cli

EVIL = "<img src=x onerror=alert(1)>"
BEARING = "年产500万套轴承项目"
HEADER = ["宗地编号", "项目名称", "土地使用权人", "项目位置", "土地用途", "面积(亩)", "约定开工日期", "实际开工日期",
          "成交价格(万元)"]
ROWS = [
    ["Z1", BEARING, "聊城某轴承有限公司", "郑家镇", "工业用地", "50", "2020-01-01", "2020-06-01", "600"],
    ["Z2", EVIL, "某公司", "闫寺街道", "工业用地", "30", "2020-01-01", "", "300"],   # not started: 疑似闲置满两年
]


@pytest.fixture(scope="module")
def idle_out(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("names")
    out = tmp / "idle"
    ledger = write_ledger(tmp / "供地台账.csv", ROWS, header=HEADER)
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(ledger), "--as-of", "2025-06-30", "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out


def _where(frame, parcel_id):
    row = frame[frame["parcel_id"] == parcel_id].to_crs(4326).iloc[0]
    c = row.geometry.centroid
    return c.y, c.x


def _popup_of(html, lat, lon, shot):
    rep = open_offline(html, screenshot=shot,
                       actions=lambda page: click_latlng(page, lat, lon, expect=".leaflet-popup-content"),
                       evaluate={"popup": "document.querySelector('.leaflet-popup-content').innerText",
                                 "rows": "Array.from(document.querySelectorAll('.leaflet-popup-content tr'))"
                                         ".map(tr => [tr.cells[0].innerText, tr.cells[1].innerText])",
                                 "imgs": "document.querySelectorAll('img[src=x]').length"})
    assert not rep.page_errors and not rep.external_requests and not rep.dialogs
    return rep.evaluated


@needs_chromium()
@pytest.mark.parametrize("parcel_id, name", [("Z1", BEARING), ("Z2", EVIL)])
def test_the_idle_audit_map_popup_shows_the_project_name_as_text(idle_out, tmp_path, parcel_id, name):
    frame = gpd.read_parquet(idle_out / "idle_audit.parquet")
    got = _popup_of(idle_out / "idle_audit_map.html", *_where(frame, parcel_id), tmp_path / f"{parcel_id}.png")
    assert ["项目名称", name] in got["rows"], got["popup"]
    assert got["imgs"] == 0


def test_the_desk_audit_map_data_carries_the_project_name(idle_out):
    from dcf_spatial.desk.routes.api import _status_geojson

    frame = gpd.read_parquet(idle_out / "idle_audit.parquet")
    data = json.loads(_status_geojson(SimpleNamespace(kind="idle", frame=frame)))
    names = {f["properties"]["parcel_id"]: f["properties"].get("project_name") for f in data["features"]}
    assert names == {"Z1": BEARING, "Z2": EVIL}


# ---- the 批量核查 map ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def batch_map(tmp_path_factory):
    import dcf_spatial as dcf

    tmp = tmp_path_factory.mktemp("batchnames")
    lst = tmp / "项目清单.csv"
    lst.write_text("项目名称,经度,纬度,行业\n"
                   f"{BEARING},115.75,36.455,轴承\n"
                   f"\"{EVIL}\",115.95,36.515,氢能\n"
                   ",115.80,36.40,轴承\n", encoding="utf-8")
    answer = dcf.check_batch(str(lst), record=False)
    return answer.to_map(tmp / "核查地图.html")


@needs_chromium()
@pytest.mark.parametrize("lon, lat, name", [(115.75, 36.455, BEARING), (115.95, 36.515, EVIL)])
def test_the_batch_map_popup_shows_the_project_name_as_text(batch_map, tmp_path, lon, lat, name):
    got = _popup_of(batch_map, lat, lon, tmp_path / "batch.png")
    assert ["项目名称", name] in got["rows"], got["popup"]
    assert got["imgs"] == 0


@needs_chromium()
def test_a_batch_row_without_a_name_has_no_empty_name_in_its_popup(batch_map, tmp_path):
    got = _popup_of(batch_map, 36.40, 115.80, tmp_path / "batch.png")
    assert "表格第 4 行" in got["popup"] and not any(r[0] == "项目名称" for r in got["rows"])


# ---- the 亩产效益 parcel map ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def efficiency_out(tmp_path_factory):
    import pandas as pd

    from dcf_spatial.land import audit_efficiency
    from test_efficiency_links import _firm
    from test_idle_audit import make_land_store, parcel_frame

    tmp = tmp_path_factory.mktemp("effnames")
    store = make_land_store(tmp / "store.gpkg")
    parcels = parcel_frame([{"parcel_id": "0012", "agreed_start": "2019-01-01", "actual_start": "2019-03-01"},
                            {"parcel_id": "DCF2018-005", "agreed_start": "2019-01-01"}])
    parcels["项目名称"] = [BEARING, EVIL]
    parcels.to_file(tmp / "宗地.gpkg", driver="GPKG")
    pd.DataFrame([_firm(1, 12, "甲镇"), _firm(2, "DCF2018-005", "甲镇", veto="是")]).to_excel(tmp / "企业.xlsx", index=False)
    res = audit_efficiency(tmp / "企业.xlsx", parcels=tmp / "宗地.gpkg", as_of="2025-12-31", store=store, out=tmp / "o")
    return res, tmp / "o" / "efficiency_map.html"


@needs_chromium()
@pytest.mark.parametrize("parcel_id, name", [("0012", BEARING), ("DCF2018-005", EVIL)])
def test_the_efficiency_map_popup_shows_the_project_name_as_text(efficiency_out, tmp_path, parcel_id, name):
    res, html = efficiency_out
    got = _popup_of(html, *_where(res.parcels, parcel_id), tmp_path / "eff.png")
    assert ["项目名称", name] in got["rows"], got["popup"]
    assert got["imgs"] == 0


def test_the_desk_efficiency_map_data_carries_the_project_name(efficiency_out):
    from dcf_spatial.desk.routes.api import _status_geojson

    res, _ = efficiency_out
    data = json.loads(_status_geojson(res))
    assert {f["properties"]["parcel_id"]: f["properties"].get("project_name") for f in data["features"]} \
        == {"0012": BEARING, "DCF2018-005": EVIL}


# ---- the desk's 闲置土地 page ---------------------------------------------------------------------------------

@needs_chromium()
def test_the_desk_audit_map_tooltip_shows_the_project_name_as_text(tmp_path):
    from browser import desk_page_in_chromium

    ledger = write_ledger(tmp_path / "供地台账.csv", ROWS, header=HEADER)
    with desk_page_in_chromium(None, start="/audit") as (page, url, seen):
        page.set_input_files("#parcels-file", str(ledger))
        page.fill("#as-of", "2025-06-30")
        page.click("#audit-go")
        page.wait_for_function("window.dcfLastJob && ['done', 'failed'].includes(window.dcfLastJob.status)",
                               timeout=180_000)
        assert page.evaluate("window.dcfLastJob.status") == "done", page.text_content("#error")
        page.wait_for_function("window.dcfJobMapDrawn === 2", timeout=60_000)
        where = page.evaluate("fetch('/api/jobs/' + window.dcfLastJob.id + '/map').then(r => r.json()).then(j =>"
                              " Object.fromEntries(j.features.map(f => [f.properties.parcel_id, f.geometry.coordinates])))")
        for pid, name in (("Z1", BEARING), ("Z2", EVIL)):
            lon, lat = where[pid]
            click_latlng(page, lat, lon, hover=".leaflet-tooltip", click=False)
            tip = page.text_content(".leaflet-tooltip")
            assert tip.startswith(f"{pid} {name}："), tip
            page.mouse.move(5, 5)
            page.wait_for_selector(".leaflet-tooltip", state="detached")
        assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
        assert seen["errors"] == [] and seen["external"] == []
