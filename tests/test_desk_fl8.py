"""The desk's 亩产效益 answer and 图层 page as a new user read them (QA round 7, FL8 #3, #4, #7): class labels
for every class (D 0 reads “D类 限制发展”), no parcel drawn in a colour the legend lacks, the idle fee total
saying 待核定 without a land price, the 非宗地行 count as the console's, a layer's source in Chinese, and the
line saying where a layer's import form is."""

from __future__ import annotations

import csv
import json

import dcf_spatial as dcf
from dcf_spatial.desk.routes.api import _audit_summary, _status_geojson

LEDGER = ["宗地编号", "受让人", "坐落", "土地用途", "面积（亩）", "约定动工日期", "实际动工日期", "土地价款（万元）"]


def _write(path, header, rows, encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_efficiency_labels_every_class_and_draws_no_unlabelled_parcel(tmp_path):
    parcels = _write(tmp_path / "台账.csv", LEDGER, [
        ["P1", "甲公司", "郑家镇徐庄村", "工业用地", "20", "2020-01-01", "2020-06-01", "100"],
        ["P2", "乙公司", "梁水镇梁水村", "工业用地", "20", "2020-01-01", "2020-06-01", "100"],
        ["P3", "无企业", "韩集镇韩集村", "工业用地", "20", "2020-01-01", "2020-06-01", "100"]])
    firms = _write(tmp_path / "企业.csv", ["企业名称", "统一社会信用代码", "宗地编号", "年度", "是否规上", "税收(万元)",
                                         "营业收入(万元)", "用地面积（亩）", "投产年份"],
                   [["甲公司", "", "P1", "2024", "是", "100", "3000", "20", "2015"],
                    ["乙公司", "", "P2", "2024", "是", "50", "2000", "20", "2015"]])
    res = dcf.audit_efficiency(str(firms), parcels=str(parcels), as_of="2025-12-31")
    summary = _audit_summary(res)
    assert summary["class_labels"]["D"] == "D类 限制发展" and summary["class_labels"]["A"] == "A类 优先发展"
    fc = json.loads(_status_geojson(res))
    statuses = {f["properties"]["status"] for f in fc["features"]}
    assert statuses <= {"A", "B", "C", "D", "T", "none"}     # the colours the page's legend has
    assert "none" in statuses                                 # P3: no firm on it
    # the reading notes name the columns in Chinese, not by field id
    notes = "\n".join(summary["notes"])
    assert "→credit_code" not in notes and "→name" not in notes and "文件无 rd_wan" not in notes


def test_idle_summary_says_fee_pending_and_counts_footer_rows(tmp_path):
    path = _write(tmp_path / "台账.csv", LEDGER, [
        # a year and a half unstarted: 第十四条第（一）项's fee, 待核定 without a price (满两年 is reclaimed, no fee)
        ["P1", "甲公司", "郑家镇徐庄村", "工业用地", "20", "2024-06-01", "", ""],
        ["合计", "", "", "", "20", "", "", ""]])
    res = dcf.audit_idle(str(path), as_of="2025-12-31")
    rows = {r["status_zh"]: r for r in _audit_summary(res)["summaries"]["status"]}
    assert res.counts["not_a_parcel"] == 1
    assert rows["非宗地行（合计/表尾）"]["count"] == "1 行（不计入宗地数）"   # no parcel: not a 宗 (re-QA 5)
    assert rows["疑似闲置（满一年未动工开发）"]["fee_wan"] == "待核定（1 宗缺少土地价款）"


def test_layer_versions_say_the_source_in_chinese_and_the_page_says_where_the_import_is(desk):
    v = desk.get("/api/layers/townships/versions").json()
    assert v["current"]["source_zh"].startswith("由 ") and "资料生成" in v["current"]["source_zh"]
    page = desk.get("/layers").text
    assert "点击表中某一图层的行" in page and "导入新版本" in page
