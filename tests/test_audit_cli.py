"""`dcf audit idle|efficiency` and `dcf sample` as a user runs them, on files written here
(a GBK shapefile and a GBK CSV with Chinese headers)."""

from __future__ import annotations

import json

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from dcf_spatial.cli.main import cli
from dcf_spatial import settings
from dcf_spatial.land import codes
from test_idle_audit import make_land_store, parcel_frame


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A fixture store. ``dcf --store`` sets ``settings.store`` and ``DCF_STORE`` for the process:
    monkeypatch puts both back after the test so that later tests see the shipped store."""
    path = make_land_store(tmp_path / "store.gpkg")
    monkeypatch.setattr(settings, "store", settings.store)
    monkeypatch.setenv("DCF_STORE", str(path))
    return path


CC = [codes.make_credit_code("371502", f"YY{i:06d}") for i in range(1, 5)]


def chinese_shapefile(path):
    """A parcel shapefile with the bureau's Chinese headers, DBF in GBK and no .cpg."""
    rows = [
        {"宗地代码": "G001", "权利人": "甲公司", "地类编码": "0601", "约定动工": "2020-01-01", "实际动工": None, "土地价款": 800.0,
         "统一社会信用代码": CC[0]},
        {"宗地代码": "G002", "权利人": "乙公司", "地类编码": "0601", "约定动工": "2024-01-01", "实际动工": None, "土地价款": 500.0,
         "统一社会信用代码": CC[1]},
        {"宗地代码": "G002", "权利人": "丙公司", "地类编码": "0601", "约定动工": "2019/5/1", "实际动工": "2019/6/1", "土地价款": 300.0,
         "统一社会信用代码": CC[2]},
        {"宗地代码": "G004", "权利人": "丁公司", "地类编码": "0101", "约定动工": "2021-13-01", "实际动工": None, "土地价款": 100.0,
         "统一社会信用代码": CC[3]},
    ]
    gdf = parcel_frame([{} for _ in rows])[["geometry"]]
    for k in rows[0]:
        gdf[k] = [r[k] for r in rows]
    gdf = gdf.to_crs(4490)
    gdf.to_file(path, driver="ESRI Shapefile", encoding="gbk", engine="pyogrio")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


FIELDS = ["--field", "agreed_start=约定动工", "--field", "actual_start=实际动工"]


def run(args):
    return CliRunner().invoke(cli, args, catch_exceptions=True)


def test_idle_audit_on_gbk_shapefile_with_chinese_headers(tmp_path, store):
    shp = chinese_shapefile(tmp_path / "宗地.shp")
    out = tmp_path / "out"
    res = run(["--store", str(store), "audit", "idle", "--parcels", str(shp), "--as-of", "2024-06-01",
               "-o", str(out), "--no-map", *FIELDS])
    assert res.exit_code == 0, res.output + repr(res.exception)
    assert "输入 4 宗，输出 4 条结论" in res.output
    assert "示意" in res.output
    back = gpd.read_file(out / "idle_audit.gpkg")
    assert back["parcel_id"].tolist() == ["G001", "G002", "G002", "G004"]
    assert back["holder"].tolist() == ["甲公司", "乙公司", "丙公司", "丁公司"]
    assert back["status"].tolist() == ["idle_reclaim", "normal", "normal", "insufficient_data"]
    wb = openpyxl.load_workbook(out / "idle_audit.xlsx", read_only=True)
    problems = list(wb["问题记录"].iter_rows(values_only=True))
    text = json.dumps(problems, ensure_ascii=False, default=str)
    assert "G002" in text and "重复" in text and "2021-13-01" in text
    # the console's count is the sheet's: the data problems and the 数据不足 row together
    assert f"需核实补正的记录 {len(problems) - 2} 条" in res.output


def test_idle_json_lists_every_parcel_once(tmp_path, store):
    shp = chinese_shapefile(tmp_path / "宗地.shp")
    res = run(["--store", str(store), "audit", "idle", "--parcels", str(shp), "--as-of", "2024-06-01",
               "-o", str(tmp_path / "o"), "--no-map", "--json", *FIELDS])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [p["parcel_id"] for p in data["parcels"]] == ["G001", "G002", "G002", "G004"]
    # G001 is due for reclaim (第十四条第（二）项): no fee to collect in its fee_wan; its 满一年 fee is in its reason
    assert data["parcels"][0]["status"] == "idle_reclaim" and data["parcels"][0]["fee_wan"] is None
    assert "征缴土地闲置费160.00万元" in data["parcels"][0]["reason_zh"]
    assert data["parcels"][1]["fee_wan"] is None
    assert "第十四条" in data["parcels"][0]["reason_zh"]
    assert sum(data["rows_by_status"].values()) == 4  # every row has a status
    assert sum(data["counts"].values()) == 3  # G002 on two rows: one parcel


def test_refuses_to_overwrite_and_rejects_bad_date(tmp_path, store):
    shp = chinese_shapefile(tmp_path / "宗地.shp")
    args = ["--store", str(store), "audit", "idle", "--parcels", str(shp), "--as-of", "2024-06-01",
            "-o", str(tmp_path / "o"), "--no-map", *FIELDS]
    assert run(args).exit_code == 0
    again = run(args)
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert run(args + ["--overwrite"]).exit_code == 0
    bad = run(["audit", "idle", "--parcels", str(shp), "--as-of", "2024-02-30", "-o", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "--as-of" in bad.output


def test_missing_required_field_names_it(tmp_path, store):
    shp = chinese_shapefile(tmp_path / "宗地.shp")
    res = run(["--store", str(store), "audit", "idle", "--parcels", str(shp), "--as-of", "2024-06-01",
               "-o", str(tmp_path / "o"), "--no-map"])
    # the CLI turns the SchemaError into a one-line message and exit code 2
    assert res.exit_code == 2
    assert "agreed_start" in res.output and "--field agreed_start=" in res.output


def test_efficiency_on_gbk_csv_with_chinese_headers(tmp_path, store):
    shp = chinese_shapefile(tmp_path / "宗地.shp")
    csv = tmp_path / "企业.csv"
    pd.DataFrame({
        "统一社会信用代码": CC, "企业名称": ["甲公司", "乙公司", "丙公司", "丁公司"], "行业代码": ["C3451"] * 4,
        "是否规上": ["是", "是", "否", "是"], "用地面积(亩)": [None, 40, 2, 30], "税收(万元)": [100, 200, 5, 10],
        "营业收入(万元)": [3000, 5000, 100, 500], "能耗(吨标准煤)": [500, 300, 10, 800], "从业人员": [50, 80, 5, 40],
        "研发投入(万元)": [60, 200, 0, 1], "年度": [2024] * 4,
    }).to_csv(csv, index=False, encoding="gbk")
    out = tmp_path / "eff"
    res = run(["--store", str(store), "audit", "efficiency", "--enterprises", str(csv), "--parcels", str(shp),
               "--as-of", "2024-06-01", "-o", str(out), "--no-map", "--json",
               "--parcel-field", "agreed_start=约定动工", "--parcel-field", "actual_start=实际动工"])
    assert res.exit_code == 0, res.output + repr(res.exception)
    data = json.loads(res.output)
    classes = {e["name"]: e["eff_class"] for e in data["enterprises"]}
    assert classes["丙公司"] == "T"  # below scale, 2 亩
    assert len(data["enterprises"]) == 4
    wb = openpyxl.load_workbook(out / "efficiency.xlsx", read_only=True)
    rows = list(wb["企业清单"].iter_rows(values_only=True))
    header = rows[1]
    first = dict(zip(header, rows[2]))
    assert first["企业名称"] == "甲公司" and first["用地面积来源"] == "宗地合计"  # area taken from parcel G001
    assert (out / "efficiency.gpkg").exists()
    # without --as-of the idle parcels would be judged on an unstated day: refused, and nothing written
    again = run(["--store", str(store), "audit", "efficiency", "--enterprises", str(csv), "--parcels", str(shp),
                 "-o", str(tmp_path / "eff2"), "--no-map"])
    assert again.exit_code == 2 and "--as-of" in again.stderr.splitlines()[0] and "审计基准日" in again.stderr
    assert not (tmp_path / "eff2").exists()
    # the parcels file lacking its dates: the fix names --parcel-field, the option of that file here
    bad = run(["--store", str(store), "audit", "efficiency", "--enterprises", str(csv), "--parcels", str(shp),
               "--as-of", "2024-06-01", "-o", str(tmp_path / "eff3"), "--no-map"])
    assert bad.exit_code == 2 and "--parcel-field agreed_start=" in bad.output, bad.output


def test_sample_command(tmp_path, store):
    res = run(["--store", str(store), "sample", "-o", str(tmp_path / "s"), "--parcels", "50", "--seed", "3",
               "--no-imagery"])
    assert res.exit_code == 0, res.output + repr(res.exception)
    assert "合成数据" in res.output
    assert len(gpd.read_file(tmp_path / "s" / "parcels.gpkg")) == 50
    assert not (tmp_path / "s" / "builtup_mask.tif").exists()


def test_idle_map_is_written_with_status_legend_and_data_notes(tmp_path, store):
    shp = chinese_shapefile(tmp_path / "宗地.shp")
    out = tmp_path / "m"
    res = run(["--store", str(store), "audit", "idle", "--parcels", str(shp), "--as-of", "2024-06-01",
               "-o", str(out), *FIELDS])
    assert res.exit_code == 0, res.output + repr(res.exception)
    html = (out / "idle_audit_map.html").read_text(encoding="utf-8")
    for text in ("闲置土地审计（基准日 2024-06-01）", "疑似闲置满两年（未动工开发）", "数据不足", "示意图层", "未标记为合成数据"):
        assert text in html, text
