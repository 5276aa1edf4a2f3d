"""QA breaker round 3, small wrong texts: a 用地面积 of 0 (items 2), control characters in the audit
workbook, a parcel drawn as a line, an area typed 1e400, and the register id in
``dcf site check --record --json`` (item 3)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from dcf_spatial import settings
from dcf_spatial.land import codes, efficiency
from dcf_spatial.land.parcels import read_parcels, validate_enterprises, validate_parcels
from test_idle_audit import parcel_frame, stopped


def _firms(land):
    n = len(land)
    k = np.arange(1, n + 1, dtype=float)
    return validate_enterprises(pd.DataFrame({
        "credit_code": [codes.make_credit_code("371502", f"YY{i:06d}") for i in range(1, n + 1)],
        "name": [f"测试企业{i}" for i in range(1, n + 1)], "industry_code": "C3451", "above_scale": "是",
        "land_area_mu": land, "tax_wan": 10.0 * k, "revenue_wan": 200 * k, "year": 2024}))


def test_a_zero_land_area_is_a_data_error_and_the_matched_parcels_area_is_used():
    e = _firms([0, 0, 10.0, 10.0, 10.0, 10.0])
    parcels = pd.DataFrame({"credit_code": [e["credit_code"].iloc[0]] * 2, "area_mu": [100.0, 91.46]})
    out = efficiency.classify(efficiency.attach_land_area(e, parcels))
    first, second = out.iloc[0], out.iloc[1]
    # with parcels: their 191.46 亩 is used, the 0 named in 数据问题, the firm evaluated
    assert first["land_area_mu"] == pytest.approx(191.46)
    assert first["land_area_source"] == "宗地合计（填报为 0）"
    assert "用地面积填报为 0" in first["problems"] and "191.46 亩" in first["problems"]
    assert first["eff_class"] in set("ABCD") and "缺少用地面积" not in first["eff_reason"]
    # without parcels: a data error of its row (数据有误的字段), not "企业未填报"
    assert "用地面积" in second["data_errors"] and second["eff_class"] == "T"
    assert "数据有误" in second["eff_reason"] and "未填报" not in second["eff_reason"]
    assert "无对应宗地" in second["problems"]
    assert out["data_errors"].iloc[2:].eq("").all()


def test_a_blank_land_area_with_parcels_of_no_area_says_so():
    e = _firms([np.nan, 10.0])
    parcels = pd.DataFrame({"credit_code": [e["credit_code"].iloc[0]], "area_mu": [np.nan]})
    out = efficiency.classify(efficiency.attach_land_area(e, parcels))
    assert out["eff_class"].iloc[0] == "T" and "对应宗地无面积" in out["eff_reason"].iloc[0]


def test_control_characters_in_the_audit_workbook_are_replaced_and_said(tmp_path):
    from dcf_spatial.land.outputs import _notes_sheet, _workbook, _write_sheet

    path = tmp_path / "a.xlsx"
    with _workbook(path) as book:
        _notes_sheet(book, ["说明一"])
        _write_sheet(book, pd.DataFrame({"企业名称": ["企业\x00名", "正常", None], "n": [1, 2, 3]}), "企业清单")
    wb = openpyxl.load_workbook(path)
    names = [r[0] for r in wb["企业清单"].iter_rows(min_row=2, values_only=True)]
    assert names == ["企业\ufffd名", "正常", None]  # not "企业_x0000_名"
    notes = [r[0] for r in wb["说明"].iter_rows(min_row=2, values_only=True)]
    assert notes[0] == "说明一" and "1 个文本单元格" in notes[-1] and "U+FFFD" in notes[-1]


def test_a_workbook_without_control_characters_has_no_such_note(tmp_path):
    from dcf_spatial.land.outputs import _notes_sheet, _workbook, _write_sheet

    path = tmp_path / "a.xlsx"
    with _workbook(path) as book:
        _notes_sheet(book, ["说明一"])
        _write_sheet(book, pd.DataFrame({"企业名称": ["正常"]}), "企业清单")
    assert [r[0] for r in openpyxl.load_workbook(path)["说明"].iter_rows(min_row=2, values_only=True)] == ["说明一"]


def test_a_parcel_drawn_as_a_line_is_named_a_line_not_a_point():
    frame = parcel_frame([stopped(area_m2=None), stopped(area_m2=30_000.0), stopped(area_m2=None)])
    line = shapely.LineString([(frame.geometry.iloc[0].bounds[0], frame.geometry.iloc[0].bounds[1]),
                               (frame.geometry.iloc[0].bounds[2], frame.geometry.iloc[0].bounds[3])])
    frame.loc[[0, 1], "geometry"] = [line, line]
    frame.loc[[2], "geometry"] = [frame.geometry.iloc[2].centroid]
    checked = validate_parcels(frame)
    assert "线（LineString）" in checked["problems"].iloc[0] and "点位" not in checked["problems"].iloc[0]
    assert checked["area_source"].iloc[1] == "申报面积（图形不是面，无法量算）"
    assert checked["area_m2"].iloc[1] == pytest.approx(30_000.0)
    assert "点位宗地没有宗地面积" in checked["problems"].iloc[2]  # a point is still a point
    notes = checked.attrs["read_notes"]
    assert any("LineString" in n and "不是面" in n for n in notes)


def test_an_area_typed_1e400_is_quoted_as_typed(tmp_path):
    path = tmp_path / "宗地.csv"
    path.write_text("宗地代码,经度,纬度,宗地面积（平方米）,地类编码,约定动工日期,实际动工日期\n"
                    "A1,115.98,36.45,1e400,0601,2020-01-01,\nA2,115.99,36.45,20000,0601,2020-01-01,\n",
                    encoding="utf-8")
    checked = read_parcels(path)
    assert "“1e400”" in checked["problems"].iloc[0] and "inf" not in checked["problems"].iloc[0]
    assert checked["problems"].iloc[1] == ""


def test_site_check_record_json_carries_the_register_id(tmp_path):
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    run = lambda *a: CliRunner().invoke(cli, ["--store", str(st), *a], catch_exceptions=False)
    r = run("site", "check", "--site", "115.75,36.455", "--industry", "轴承", "--record", "--json")
    assert r.exit_code == 0, r.output
    rid = json.loads(r.stdout)["register_id"]
    shown = json.loads(run("site", "history", "show", str(rid), "--json").stdout)
    assert shown["identical"] is True
    plain = run("site", "check", "--site", "115.75,36.455", "--industry", "轴承", "--json")
    assert "register_id" not in json.loads(plain.stdout)  # nothing recorded, nothing to name
