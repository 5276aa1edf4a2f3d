"""What a new user found in the idle audit of a 供地台账 (QA round 7, FL8).

Written from 《闲置土地处置办法》（国土资源部令第53号，2012）:
* 第八条 — the causes of delay that are the government's: （一）land not delivered, （二）“因土地利用总体规划、城乡
  规划依法修改”, （三）national policy, （四）信访, （五）军事管制、文物保护, （六）“政府、政府有关部门的其他行为”;
  第二款: “因自然灾害等不可抗力导致土地闲置的，依照前款规定办理”. A holder's own difficulty (企业资金困难) is none.
* 第十二条第（一）项 — for those causes an extension “延长动工开发期限最长不得超过一年”.
* 第十四条第（一）项 — the idle fee is “按照土地出让或者划拨价款的百分之二十” : no land price, no amount (待核定).
And from the README's rule “every input row appears in the output with a status” (合计/表尾 rows: 非宗地行).
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import pytest
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli
from dcf_spatial.land.extension_text import read_extension_text
from dcf_spatial.land.idle_audit import fee_total_zh
from dcf_spatial.places import gazetteer, place_for_site, site_text_match

from _ledgers import write_ledger

AS_OF = "2025-12-31"
HEADER = ["宗地编号", "受让人", "坐落", "土地用途", "面积（亩）", "合同签订日期", "约定动工日期", "实际动工日期",
          "延期情况", "土地价款（万元）"]


#: a ledger of this file's columns (tests/_ledgers.py)
_ledger = partial(write_ledger, header=HEADER)


def _row(pid, where="郑家镇徐庄村", agreed="2021-01-01", contract="", ext="", price="100", actual=""):
    return [pid, "甲公司", where, "工业用地", "10", contract, agreed, actual, ext, price]


@pytest.fixture(scope="module")
def gaz():
    return gazetteer()


# --- 1. 坐落 with a direction after a village or road: the township is certain, nothing finer ------------

@pytest.mark.parametrize("text, town, word", [
    ("郑家镇王屯村北", "郑家镇", "北"), ("侯营镇侯营村南", "侯营镇", "南"), ("梁水镇聊临路东侧", "梁水镇", "东侧"),
    ("广平镇广平村以西", "广平镇", "以西"), ("郑家镇王屯村附近", "郑家镇", "附近"),
])
def test_a_direction_after_a_village_or_road_places_at_the_township(gaz, text, town, word):
    m, exact = site_text_match(text, gaz)
    assert m.place is not None and m.place.unit_name == town and m.place.level == "镇街" and not exact
    assert m.qualifier == word
    assert "仅镇街确定" in m.reason and "集聚区/园区未定" in m.reason and "请补充坐标" in m.reason


@pytest.mark.parametrize("text", ["嘉明经济开发区东侧", "郑家镇附近", "郑家镇工业集聚区以南10公里", "郑家镇北"])
def test_a_direction_after_a_unit_itself_is_still_refused(gaz, text):
    # outside the unit, or a distance from it: taking the unit would answer for a site that is not there
    m, _ = site_text_match(text, gaz)
    assert m.place is None and "相对位置" in m.reason


@pytest.mark.parametrize("text, town", [("新区街道花园路", "新区街道"), ("古楼街道花园路", "古楼街道")])
def test_a_road_named_with_yuan_is_a_road_not_an_unknown_park(gaz, text, town):
    m, _ = site_text_match(text, gaz)
    assert m.place is not None and m.place.unit_name == town


def test_an_unknown_park_is_still_refused(gaz):
    m, _ = site_text_match("郑家镇工业集中区", gaz)
    assert m.place is None


def test_the_site_check_reads_the_same_text_the_same_way(gaz):
    place, notes = place_for_site("郑家镇王屯村北", gaz=gaz)
    assert place.unit_name == "郑家镇" and "仅镇街确定" in notes[0]


def test_a_ledger_row_placed_at_the_township_claims_no_cluster(tmp_path):
    path = _ledger(tmp_path / "台账.csv", [_row("A1", where="郑家镇王屯村北"), _row("A2", where="东昌府区某某路88号"),
                                          _row("A3", where="郑家镇工业园区纬二路北")])
    r = dcf.audit_idle(str(path), as_of=AS_OF).frame
    assert r["location_method"].tolist() == ["按地名定位", "位置不明", "按地名定位"]
    assert r["township_zh"].astype(str).tolist()[0] == "郑家镇"
    assert r["cluster_zh"].astype(str).tolist()[0] == "（地名未指明）"   # not 郑家镇工业集聚区: it only might be in it
    assert r["cluster_zh"].astype(str).tolist()[2] == "郑家镇工业集聚区"
    reasons = r["place_reason"].astype(object).tolist()
    assert "仅镇街确定" in reasons[0]
    assert "不在地名表中" in reasons[1] and "经度,纬度" in reasons[1]   # why, and the fix


# --- 2. 延期情况 as a sentence (第八条, 第十二条第（一）项) -------------------------------------------------

@pytest.mark.parametrize("text, date, cause", [
    ("因政府规划调整延期至2023年4月1日", "2023年4月1日", "government"),   # 第八条第一款（二）（六）
    ("因土地征收未完成，延至2023-05-01", "2023年5月1日", "government"),    # 第八条第一款（六）
    ("未按期交地，顺延至2023.6.1", "2023年6月1日", "government"),           # 第八条第一款（一）
    ("因暴雨等自然灾害延期至2023年4月", "2023年4月", "force_majeure"),      # 第八条第二款
    ("企业资金困难，申请延期一年", "", "own"),                               # not a 第八条 cause
    ("延期至2023年4月1日", "2023年4月1日", ""),
])
def test_extension_sentences_read(text, date, cause):
    r = read_extension_text(text)
    assert (r.date, r.cause) == (date, cause)


def _audit_one(tmp_path, **kw):
    path = _ledger(tmp_path / "台账.csv", [_row("A1", **kw)])
    return dcf.audit_idle(str(path), as_of=kw.pop("as_of", AS_OF)).frame.iloc[0]


def test_a_government_cause_and_date_are_used_as_the_extension(tmp_path):
    # agreed 2022-04-01, extended for 规划调整 to 2023-04-01 (within one year, 第十二条第（一）项): counted from the new date
    path = _ledger(tmp_path / "台账.csv", [_row("A1", agreed="2022-04-01", ext="因政府规划调整延期至2023年4月1日")])
    r = dcf.audit_idle(str(path), as_of="2024-03-01").frame.iloc[0]
    assert r["status"] == "normal"     # 2024-03-01: not a full year from 2023-04-01
    assert pd.Timestamp(r["extension_until"]) == pd.Timestamp("2023-04-01")
    assert pd.Timestamp(r["deadline_1y"]) == pd.Timestamp("2024-04-01")
    assert "第八条第一款" in str(r["gov_cause"]) and "读作：延期至 2023年4月1日" in str(r["problems"])


def test_an_extension_over_one_year_is_honoured_to_the_cap(tmp_path):
    # 第十二条第（一）项: at most one year — agreed 2022-04-01, written 2024-04-01: counted from 2023-04-01
    path = _ledger(tmp_path / "台账.csv", [_row("A1", agreed="2022-04-01", ext="因规划修改延期至2024年4月1日")])
    r = dcf.audit_idle(str(path), as_of="2024-03-01").frame.iloc[0]
    assert pd.Timestamp(r["count_from"]) == pd.Timestamp("2023-04-01")
    assert "超过" in str(r["extension_flag"])


def test_the_holders_own_cause_is_no_extension_and_no_missing_data(tmp_path):
    path = _ledger(tmp_path / "台账.csv", [_row("A1", agreed="2021-09-01", ext="企业资金困难，申请延期一年")])
    r = dcf.audit_idle(str(path), as_of=AS_OF).frame.iloc[0]
    assert r["status"] == "idle_reclaim"        # counted from 2021-09-01: two full years before 2025-12-31
    assert pd.Timestamp(r["count_from"]) == pd.Timestamp("2021-09-01")
    assert "不属第八条情形" in str(r["problems"])


def test_a_cause_without_a_date_is_said_and_asks_for_the_date(tmp_path):
    path = _ledger(tmp_path / "台账.csv", [_row("A1", agreed="2021-09-01", ext="因规划调整延期")])
    r = dcf.audit_idle(str(path), as_of=AS_OF).frame.iloc[0]
    assert r["status"] == "insufficient_data"
    assert "没有可识别的延期日期" in str(r["problems"]) and "新动工开发日期" in str(r["problems"])


def test_a_date_without_a_cause_is_not_honoured(tmp_path):
    # 第十二条第（一）项: an extension is for the 第八条 causes only
    path = _ledger(tmp_path / "台账.csv", [_row("A1", agreed="2022-04-01", ext="延期至2023年4月1日")])
    r = dcf.audit_idle(str(path), as_of=AS_OF).frame.iloc[0]
    assert pd.Timestamp(r["count_from"]) == pd.Timestamp("2022-04-01")
    assert "未记录第八条原因" in str(r["extension_flag"])


# --- 3. the fee total without a land price (第十四条第（一）项) ---------------------------------------------

def test_fee_total_text():
    assert fee_total_zh(0.0, 2) == "待核定（2 宗缺少土地价款）"
    assert fee_total_zh(40.0, 0) == "40.00 万元"


def test_fee_totals_say_pending_when_no_land_price(tmp_path):
    # agreed 2024-06-01: a year and a half unstarted by 2025-12-31, 第十四条第（一）项 (满两年 is reclaimed instead)
    path = _ledger(tmp_path / "台账.csv", [_row("A1", price="", agreed="2024-06-01"),
                                           _row("A2", price="100", agreed="2024-06-01"),
                                           _row("A3", price="", agreed="2024-06-01", actual="2024-09-01")])
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(path), "--as-of", AS_OF, "-o", str(out),
                                      "--no-map"])
    assert result.exit_code == 0, result.output
    # A1 idle without a price (待核定); A2 idle, 20 % of 100 万元 = 20 万元; A3 started: no fee
    assert "土地闲置费合计 20.00 万元（另 1 宗缺少土地价款，金额待核定）" in result.output
    sheet = pd.read_excel(out / "idle_audit.xlsx", sheet_name="汇总_按状态", header=1, engine="openpyxl")
    total = sheet[sheet["状态代码"] == "total"].iloc[0]
    assert total["土地闲置费（万元；含潜在金额）"] == "20.00（另 1 宗缺少土地价款，待核定）"


# --- 4. 非宗地行: one count everywhere --------------------------------------------------------------------

def test_footer_rows_are_counted_in_the_status_sheet_as_in_the_console(tmp_path):
    path = _ledger(tmp_path / "台账.csv", [_row("A1"), _row("A2"), ["合计", "", "", "", "20", "", "", "", "", ""],
                                          ["制表人：张三", "", "", "", "", "", "", "", "", ""]])
    out = tmp_path / "out"
    res = dcf.audit_idle(str(path), as_of=AS_OF, out=out, map=False)
    assert res.counts["not_a_parcel"] == 2
    sheet = pd.read_excel(out / "idle_audit.xlsx", sheet_name="汇总_按状态", header=1, engine="openpyxl")
    row = sheet[sheet["状态代码"] == "not_a_parcel"].iloc[0]
    assert row["宗地数"] == "2 行（不计入宗地数）" and row["面积（亩）"] == 0   # 2 rows, no parcels (re-QA 5)
    total = sheet[sheet["状态代码"] == "total"].iloc[0]
    assert total["宗地数"] == 2 and total["面积（亩）"] == pytest.approx(20.0)   # the parcels only


# --- 5. a contract date given to the month ----------------------------------------------------------------

@pytest.mark.parametrize("contract, said", [
    ("2024年10月", ""),                                   # every day of Oct 2024 is before 2024-12-15
    ("2024年12月", "只填到月（2024年12月）"),              # some days of Dec 2024 are after 2024-12-15: ask the day
    ("2025年1月", "合同签订日期 2025年01月 晚于约定动工日期"),  # every day of Jan 2025 is after
])
def test_a_month_contract_date_is_read_as_the_month(tmp_path, contract, said):
    path = _ledger(tmp_path / "台账.csv", [_row("A1", agreed="2024-12-15", contract=contract)])
    r = dcf.audit_idle(str(path), as_of=AS_OF).frame.iloc[0]
    problems = "" if pd.isna(r["problems"]) else str(r["problems"])
    assert "无法识别为日期" not in problems
    assert (said in problems) if said else ("合同签订日期" not in problems)
