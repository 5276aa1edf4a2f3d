"""The idle-audit maps must not hide idle parcels that share a point (QA9 #2).

A ledger without coordinates is placed by town: every parcel of 郑家镇 on the town's point. What the
clerk must see: one marker per point, coloured by the most serious conclusion present (not by the last
parcel drawn: 郑家镇 showed green over two 疑似闲置满两年), larger with its count, and the counts by
conclusion and the parcels on click; a legend whose counts are the workbook's (each parcel once, 位置不明
said: 「另有 N 宗位置不明，未上图」, repeats drawn once) and that says the positions are 按镇示意; and
数据不足 in a colour no context layer uses (服务业特色小镇（多点） is purple). On the HTML map and on the desk.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from _ledgers import write_ledger
from browser import click_latlng, needs_chromium, open_offline
from dcf_spatial.cli.main import cli
from dcf_spatial.land.map_points import idle_map_features, legend_notes

TOWN = shapely.Point(115.80, 36.45)
IDLE2 = "疑似闲置满两年（未动工开发）"


def _frame():
    rows = [  # (id, status, label, place, geometry, in_totals)
        ("A1", "normal", "正常", "按地名定位", TOWN, True),
        ("A2", "idle_reclaim", IDLE2, "按地名定位", TOWN, True),
        ("A3", "insufficient_data", "数据不足", "按地名定位", TOWN, True),
        ("A1", "normal", "正常", "按地名定位", TOWN, False),              # A1 again: a repeat, drawn once
        ("A4", "idle_reclaim", IDLE2, "位置不明", None, True),             # no place: not drawn, said
        ("合计", "not_a_parcel", "非宗地行（合计/表尾）", "非宗地行（不定位）", None, False),
        ("B1", "normal", "正常", "坐标", shapely.box(115.9, 36.4, 115.91, 36.41), True),
    ]
    return gpd.GeoDataFrame({"parcel_id": [r[0] for r in rows], "status": [r[1] for r in rows],
                             "status_zh": [r[2] for r in rows], "location_method": [r[3] for r in rows],
                             "place_name": ["郑家镇"] * 4 + [None, None, None], "in_totals": [r[5] for r in rows],
                             "area_mu": [10.0, 20.0, 30.0, 10.0, 5.0, None, 7.0]},
                            geometry=[r[4] for r in rows], crs=4490)


def test_parcels_on_one_point_are_one_marker_of_the_most_serious_conclusion():
    feats, info = idle_map_features(_frame())
    assert info["drawn"].all()
    assert len(feats) == 2                                          # B1, and one marker for 郑家镇
    town = feats[feats["n_parcels"] > 1].iloc[0]
    assert town["status_zh"] == IDLE2 and town["status"] == "idle_reclaim"
    assert town["n_parcels"] == 3                                   # A1 once, A2, A3
    assert town["parcel_id"] == "郑家镇（按镇示意，3 宗）"
    assert town["counts_zh"] == f"{IDLE2} 1 宗；数据不足 1 宗；正常 1 宗"
    assert "A2（疑似闲置满两年" in town["parcels_zh"] and town["parcels_zh"].count("A1（") == 1
    assert town["area_mu"] == pytest.approx(60.0)
    # the legend counts parcels as the workbook does: each once, the unplaced one included, no footer
    assert info["legend_counts"] == {IDLE2: 2, "数据不足": 1, "正常": 2}
    assert info["unplaced"] == 1 and info["unplaced_zh"] == f"{IDLE2} 1 宗"
    assert info["repeats"] == 1 and info["footers"] == 1
    notes = "；".join(legend_notes(info))
    assert "按镇示意" in notes and f"另有 1 宗位置不明，未上图（{IDLE2} 1 宗）" in notes
    assert "重复记录只画一次" in notes


def test_without_shared_points_every_parcel_is_its_own_feature():
    f = _frame()
    f = f[f["parcel_id"].isin(["B1", "A4"])]
    feats, info = idle_map_features(f)
    assert feats is f                                   # no copy (at 10⁶ parcels): the rows to draw are marked
    assert feats[info["drawn"]]["parcel_id"].tolist() == ["B1"]
    assert info["shared_points"] == 0 and info["unplaced"] == 1


def test_insufficient_data_and_the_service_towns_do_not_share_a_colour():
    from dcf_spatial.maps import style

    grey = style.status_colors(["数据不足"])["数据不足"].lower()
    assert grey != style.layer_style("service_points")["fill"].lower()
    desk = open(__import__("dcf_spatial.desk", fromlist=["x"]).__path__[0] + "/static/audit.js", encoding="utf-8").read()
    colours = re.search(r"idle: \{([^}]*)\}", desk).group(1)
    assert style.layer_style("service_points")["fill"].lower() not in colours.lower()


HEADER = ["宗地编号", "土地使用权人", "项目位置", "土地用途", "面积(亩)", "约定开工日期", "实际开工日期", "成交价格(万元)"]


def _ledger(path):
    rows = [
        ["Z1", "甲", "郑家镇", "工业用地", "10", "2020-01-01", "2020-06-01", "100"],     # 正常
        ["Z2", "乙", "郑家镇", "工业用地", "11", "2020-01-01", "", "100"],               # 疑似闲置满两年
        ["Z3", "丙", "郑家镇", "工业用地", "12", "", "", "100"],                         # 数据不足
        ["Z1", "甲", "郑家镇", "工业用地", "10", "2020-01-01", "2020-06-01", "100"],     # a repeat of Z1
        ["M1", "丁", "火星基地一号", "工业用地", "9", "2020-01-01", "", "100"],           # 位置不明
        ["合计", "", "", "", "52", "", "", "500"],
    ]
    return write_ledger(path, rows, header=HEADER)


def _legend_items(html: str) -> list[str]:
    return re.findall(r'"label": ?"([^"]*（\d+）)"', html)


@pytest.fixture(scope="module")
def ledger_map(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("qa9map")
    out = tmp / "idle"
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(_ledger(tmp / "供地台账.csv")),
                                   "--as-of", "2025-06-30", "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_the_html_legend_counts_as_the_workbook_and_says_what_is_not_drawn(ledger_map):
    html = (ledger_map / "idle_audit_map.html").read_text(encoding="utf-8")
    by_status = pd.read_excel(ledger_map / "idle_audit.xlsx", sheet_name="汇总_按状态", header=1, engine="openpyxl")
    workbook = {r["审计结论"]: int(r["宗地数"]) for _, r in by_status.iterrows()
                if r["审计结论"] not in ("合计", "非宗地行（合计/表尾）") and int(r["宗地数"])}
    assert workbook == {IDLE2: 2, "数据不足": 1, "正常": 1}
    legend = _legend_items(html)
    assert sorted(legend) == sorted(f"{k}（{v}）" for k, v in workbook.items())
    assert "按镇示意" in html
    assert f"另有 1 宗位置不明，未上图（{IDLE2} 1 宗）" in html
    assert "1 条重复记录只画一次" in html and "非宗地行（合计/表尾）不上图" in html


@needs_chromium()
def test_the_town_marker_shows_the_idle_parcels_in_chromium(ledger_map, tmp_path):
    feats, _ = idle_map_features(gpd.read_parquet(ledger_map / "idle_audit.parquet"))
    town = feats[feats["n_parcels"] > 1].to_crs(4326).iloc[0]
    assert town["status_zh"] == IDLE2 and town["n_parcels"] == 3
    lat, lon = town.geometry.y, town.geometry.x
    shot = tmp_path / "idle_map.png"
    rep = open_offline(ledger_map / "idle_audit_map.html", screenshot=shot,
                       actions=lambda page: click_latlng(page, lat, lon, expect=".leaflet-popup-content"),
                       evaluate={"popup": "document.querySelector('.leaflet-popup-content').innerText",
                                 "legend": "document.querySelector('.dcf-legend').innerText",
                                 "counts": "Array.from(document.querySelectorAll('.dcf-count-label')).map(e => e.innerText)"})
    assert not rep.page_errors and not rep.external_requests
    popup = rep.evaluated["popup"]
    assert "郑家镇（按镇示意，3 宗）" in popup and f"{IDLE2} 1 宗" in popup and "数据不足 1 宗" in popup
    assert "Z2" in popup and popup.count("Z1（") == 1
    assert "按镇示意" in rep.evaluated["legend"] and f"{IDLE2}（2）" in rep.evaluated["legend"]
    assert "3 宗" in rep.evaluated["counts"]
    assert shot.stat().st_size > 10_000


def test_the_desk_map_data_has_one_feature_per_point_and_the_notes(ledger_map):
    from types import SimpleNamespace

    from dcf_spatial.desk.routes.api import _status_geojson

    frame = gpd.read_parquet(ledger_map / "idle_audit.parquet")
    data = json.loads(_status_geojson(SimpleNamespace(kind="idle", frame=frame)))
    town = [f["properties"] for f in data["features"] if (f["properties"]["n_parcels"] or 1) > 1]
    assert len(town) == 1 and town[0]["status"] == "idle_reclaim" and town[0]["n_parcels"] == 3
    assert "数据不足 1 宗" in town[0]["counts_zh"]
    notes = "；".join(data["dcf_notes"])
    assert "按镇示意" in notes and "另有 1 宗位置不明，未上图" in notes


def test_the_desk_map_data_sizes_and_labels_a_point_as_the_html_map_does(ledger_map):
    """QA session 31 F6: the desk's points were one size, without the count the legend speaks of, and without the
    township lines the HTML map draws under them."""
    from types import SimpleNamespace

    from dcf_spatial.desk.routes.api import _status_geojson

    frame = gpd.read_parquet(ledger_map / "idle_audit.parquet")
    data = json.loads(_status_geojson(SimpleNamespace(kind="idle", frame=frame)))
    town = [f["properties"] for f in data["features"] if (f["properties"]["n_parcels"] or 1) > 1][0]
    html = (ledger_map / "idle_audit_map.html").read_text(encoding="utf-8")
    assert town["count_zh"] == "3 宗" and '"3 宗"' in html          # the label the HTML map writes under it
    html_radii = {int(r) for r in re.findall(r'"radius": ?(\d+)', html)}
    assert town["radius"] in html_radii and town["radius"] > 7, (town["radius"], html_radii)  # 7: a 1-parcel point
    assert "townships" in data["dcf_context"]
    assert "圆点下的数字为宗数" in "；".join(data["dcf_notes"])
