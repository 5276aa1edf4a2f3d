"""Tables as clerks make them in Excel (breaker findings of 2026-12-07, F3–F7, F9).

A title row above a two-row merged header (坐标 over 经度 | 纬度, 用地面积 over 亩); a header whose
second row only gives a unit; a 供地台账 whose 出让面积 is merged over 亩 | 公顷; three area columns
(亩, 公顷, 平方米); a NUL inside a 宗地编号; a batch that meets a layer change. The header is read in
one place (:mod:`dcf_spatial.io.tables`), so lists of projects and ledgers both read these the same.
"""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli
from dcf_spatial.land import audit_idle

#: the breaker's probe site: 郑家镇工业集聚区 on the shipped layers
LON, LAT = 115.75, 36.455


def _title_and_two_row_header(path):
    """Like the breaker's B1_batch.xlsx: a 填表说明 sheet first; on 项目清单 a title merged over the
    table, a header whose 坐标 spans 经度 | 纬度 and whose 用地面积 has 亩 below it."""
    wb = openpyxl.Workbook()
    wb.active.title = "填表说明"
    wb.active.append(["请按要求填写"])
    ws = wb.create_sheet("项目清单")
    ws.append(["2026年第一批项目清单"])
    ws.merge_cells("A1:H1")
    ws.append(["序号", "项目名称", "建设单位", "建设地点", "行业", "坐标", None, "用地面积"])
    ws.merge_cells("F2:G2")
    ws.append([None, None, None, None, None, "经度", "纬度", "亩"])
    for col in "ABCDE":
        ws.merge_cells(f"{col}2:{col}3")
    ws.append([1, "甲项目", "甲公司", "郑家镇工业集聚区", "轴承", LON, LAT, 50])
    ws.append([2, "乙项目", "乙公司", "郑家镇工业集聚区", "轴承", None, None, 30])
    ws.append([3, "丙项目", "丙公司", None, "轴承", None, None, 20])
    wb.save(path)
    return path


def test_a_title_row_above_a_two_row_header_is_read_as_each_alone(tmp_path):
    # README: title rows above the header are skipped, and a merged two-row header is flattened — both at once
    path = _title_and_two_row_header(tmp_path / "清单.xlsx")
    answer = dcf.check_batch(str(path))
    sites = answer.sites
    assert sites["name"].tolist() == ["甲项目", "乙项目", "丙项目"]   # the row of 经度/纬度/亩 is no project
    assert sites.attrs["row_numbers"] == [4, 5, 6]
    assert sites["location_method"].tolist()[:2] == ["坐标", "按地名定位"]   # 乙 has a 建设地点: placed by it
    assert sites["area_mu"].tolist() == [50, 30, 20]
    notes = "\n".join(answer.notes)
    assert "坐标经度" in notes and "用地面积(亩)" in notes
    assert [r["status"] for r in answer.results][:2] != ["error", "error"]
    assert answer.results[2]["status"] == "error"   # 丙: neither coordinates nor a 建设地点, said on its row


def test_the_cli_reads_the_same_list(tmp_path):
    path = _title_and_two_row_header(tmp_path / "清单.xlsx")
    out = tmp_path / "结果.csv"
    res = CliRunner().invoke(cli, ["site", "check", "--batch", str(path), "-o", str(out), "--json"])
    assert res.exit_code == 0, res.output
    results = json.loads(res.stdout)
    assert len(results) == 3
    assert pd.read_csv(out)["项目名称"].tolist() == ["甲项目", "乙项目", "丙项目"]


def test_coordinate_columns_with_no_usable_pair_do_not_refuse_the_list(tmp_path):
    # every row without coordinates: the rows with a 建设地点 are placed by it, the others say why
    path = tmp_path / "清单.csv"
    path.write_text("项目名称,建设地点,行业,经度,纬度,用地面积(亩)\n"
                    "甲,郑家镇工业集聚区,轴承,,,30\n乙,,轴承,,,20\n", encoding="utf-8")
    answer = dcf.check_batch(str(path))
    assert answer.sites["location_method"].tolist() == ["按地名定位", "位置不明"]
    assert answer.results[0]["status"] != "error" and answer.results[1]["status"] == "error"


def _unit_row(path, unit, values):
    """Like B3/B4: every column merged over two rows but 用地面积, which has its unit below it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目清单"
    ws.append(["项目名称", "行业", "经度", "纬度", "用地面积"])
    ws.append([None, None, None, None, unit])
    for col in "ABCD":
        ws.merge_cells(f"{col}1:{col}2")
    for i, v in enumerate(values):
        ws.append([f"项目{i + 1}", "轴承", LON + i * 0.001, LAT + i * 0.001, v])
    wb.save(path)
    return path


def test_a_row_of_units_under_the_header_is_part_of_the_header(tmp_path):
    answer = dcf.check_batch(str(_unit_row(tmp_path / "亩.xlsx", "亩", [50, 30])))
    assert len(answer.results) == 2 and answer.sites["name"].tolist() == ["项目1", "项目2"]
    assert answer.sites.attrs["row_numbers"] == [3, 4]
    assert answer.sites["area_mu"].tolist() == [50, 30]
    notes = "\n".join(answer.notes)
    assert "用地面积(亩)" in notes and "未注明单位" not in notes


def test_a_hectare_unit_row_is_read_as_hectares(tmp_path):
    # 3.2 and 5 公顷 = 48 and 75 亩 (1 公顷 = 15 亩); the column was refused as «没有注明单位»
    answer = dcf.check_batch(str(_unit_row(tmp_path / "公顷.xlsx", "公顷", [3.2, 5])))
    assert answer.sites["area_mu"].round(6).tolist() == [48.0, 75.0]


def _merged_ledger(path):
    """Like L2_merged_title.xlsx: a title row, 出让面积 merged over 亩 | 公顷, the other columns merged down."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2025年供地台账"
    ws.append(["东昌府区2025年供地台账"])
    ws.merge_cells("A1:G1")
    ws.append(["宗地编号", "项目位置", "土地用途", "出让面积", None, "约定开工日期", "实际开工日期"])
    ws.merge_cells("D2:E2")
    ws.append([None, None, None, "亩", "公顷", None, None])
    for col in "ABCFG":
        ws.merge_cells(f"{col}2:{col}3")
    ws.append(["A-1", "郑家镇", "工业用地", 30, None, "2019-03-15", None])
    ws.append(["A-2", "郑家镇", "工业用地", None, 2, "2019-03-15", None])
    ws.append(["A-3", "郑家镇", "工业用地", 15, 1, "2023-06-01", "2023-05-01"])
    wb.save(path)
    return path


def test_a_ledger_area_merged_over_mu_and_hectares_keeps_every_area(tmp_path):
    res = audit_idle(_merged_ledger(tmp_path / "台账.xlsx"), as_of="2025-12-31", map=False)
    assert res.frame["area_mu"].round(6).tolist() == [30.0, 30.0, 15.0]   # 2 公顷 = 30 亩, 1 公顷 = 15 亩
    notes = "\n".join(res.notes)
    assert "未识别" not in notes and "没有可用的面积" not in notes


def test_an_area_header_with_its_unit_glued_on_is_read(tmp_path):
    # 出让面积亩 / 出让面积公顷: the flattened header of other tools (no brackets); 土地价款万元 likewise
    path = tmp_path / "台账.csv"
    path.write_text("宗地编号,土地用途,出让面积亩,出让面积公顷,约定开工日期,实际开工日期,土地价款万元\n"
                    "A-1,工业用地,30,,2019-03-15,,500\nA-2,工业用地,,2,2019-03-15,,800\n", encoding="utf-8")
    res = audit_idle(path, as_of="2025-12-31", map=False)
    assert res.frame["area_mu"].round(6).tolist() == [30.0, 30.0]
    notes = "\n".join(res.notes)
    assert "以下面积列未识别" not in notes and "土地价款万元" not in next((n for n in res.notes if "未使用" in n), "")


def test_three_area_columns_each_row_takes_the_unit_it_has(tmp_path):
    # like L1_gbk.csv (GBK): P3 has only 20,000 平方米 (= 30 亩); P4's 亩 and 平方米 disagree
    path = tmp_path / "台账.csv"
    pd.DataFrame({"宗地编号": ["P1", "P2", "P3", "P4"], "土地用途": ["工业用地"] * 4,
                  "面积(亩)": [30, None, None, 10], "面积(公顷)": [None, 2.5, None, None],
                  "面积(平方米)": [None, None, 20000, 20000],
                  "约定开工日期": ["2020-06-01"] * 4, "实际开工日期": [None] * 4}).to_csv(path, index=False, encoding="gbk")
    res = audit_idle(path, as_of="2025-12-31", map=False)
    f = res.frame
    assert f["area_mu"].round(6).tolist() == [30.0, 37.5, 30.0, 10.0]
    assert "面积取 面积(亩)" in f["problems"].tolist()[3] and "面积(平方米)" in f["problems"].tolist()[3]
    notes = "\n".join(res.notes)
    assert "面积(平方米)" in notes and "以下面积列未识别" not in notes


def test_a_nul_in_a_parcel_id_is_said_on_its_row_not_changed_silently(tmp_path):
    path = tmp_path / "台账.csv"
    path.write_bytes("宗地编号,土地用途,面积(亩),约定开工日期,实际开工日期\nDC-001,工业用地,10,2020-01-01,\n"
                     "DC-0\x0008,工业用地,5,2020-01-01,\n".encode("gbk"))
    res = audit_idle(path, as_of="2025-12-31", map=False)
    f = res.frame
    assert f["parcel_id"].tolist() == ["DC-001", "DC-0\x0008"]   # kept as given
    assert "DC-0\\x0008" in f["problems"].tolist()[1] and "控制字符" in f["problems"].tolist()[1]
    assert f["problems"].tolist()[0] == ""
    assert any("第 3 行“宗地编号”" in n and "控制字符" in n for n in res.notes)


def test_a_batch_that_meets_a_layer_change_answers_409(monkeypatch):
    import httpx

    from _desk_server import running_desk
    from dcf_spatial.errors import StoreChangedError, about

    def changed(*args, **kwargs):   # as dcf_spatial.register.record raises it
        raise about("store", StoreChangedError(
            "核查期间图层库 /srv/dcf/图层库.gpkg 中的图层 industrial_clusters 被他人修改，无法确定核查所用的版本，"
            "本次未记入核查登记；请重新核查。"))

    monkeypatch.setattr(dcf, "check_batch", changed)
    with running_desk(None) as url:
        r = httpx.post(url + "/api/site-check/batch", timeout=120,
                       files={"file": ("p.csv", f"经度,纬度,行业\n{LON},{LAT},轴承\n".encode())})
    assert r.status_code == 409, r.text
    assert "被他人修改" in r.json()["error"] and "请重新核查" in r.json()["error"]
