"""逾期动工 (QA9 #4): a parcel started more than a full year after its agreed start was idle meanwhile.

《闲置土地处置办法》（国土资源部令第53号）第二条: 闲置土地 is land "超过国有建设用地使用权有偿使用合同或者划拨决定书
约定、规定的动工开发日期满一年未动工开发". A parcel that did start, but after that year was full, was idle in
that period; its status stays the present state (正常), a flag column and the reason say so, and the row is
listed among the rows to check (whether the 第十四条 fee was levied). An extension under 第十二条第（一）项 for a
第八条 cause (at most one year) moves the start the year counts from.
"""

from __future__ import annotations

import pandas as pd

from test_idle_audit import audit, one

AS_OF = "2026-11-30"


def test_started_eleven_months_late_is_not_flagged():
    # agreed 2020-07-01; started 2021-06-01: within the year, never idle
    r = one({"agreed_start": "2020-07-01", "actual_start": "2021-06-01"}, AS_OF)
    assert r["status"] == "normal"
    assert r["late_start_flag"] == ""
    assert "逾期动工" not in r["reason_zh"] and "逾期动工" not in r["problems"]


def test_started_thirteen_months_late_is_flagged_and_listed():
    # agreed 2020-07-01, the year full after 2021-07-01; started 2021-08-01: idle 2021-07-02 … 2021-07-31
    r = one({"agreed_start": "2020-07-01", "actual_start": "2021-08-01"}, AS_OF)
    assert r["status"] == "normal" and r["status_zh"] == "正常"   # the present state
    flag = r["late_start_flag"]
    assert "比约定动工日期2020-07-01晚396天" in flag
    assert "2021-07-02至2021-07-31期间曾构成闲置土地" in flag
    assert "第二条" in flag and "第十四条" in flag
    assert "【逾期动工】动工晚于约定（或经批准延期后的）动工开发日期满一年，其间曾构成" in r["reason_zh"]
    assert "逾期动工提示" in r["reason_zh"] and "第十四条第（一）项" in r["reason_zh"]
    assert "逾期动工" in r["problems"]                      # on the 问题记录 sheet, among the rows to check
    assert "征缴土地闲置费" in r["next_step_zh"]


def test_thirteen_months_late_within_a_valid_extension_is_not_flagged():
    # 第十二条第（一）项: a 第八条 cause (1: land not delivered) and an extension to 2021-03-01 (within the
    # one-year cap): the year counts from 2021-03-01, so a start on 2021-08-01 is in time
    r = one({"agreed_start": "2020-07-01", "extension_until": "2021-03-01", "gov_cause": "1",
             "actual_start": "2021-08-01"}, AS_OF)
    assert r["status"] == "normal"
    assert r["late_start_flag"] == ""


def test_extension_without_a_cause_does_not_cover_a_late_start():
    # an extension with no 第八条 cause is not honoured (第十二条第（一）项): counted from the agreed start
    r = one({"agreed_start": "2020-07-01", "extension_until": "2021-03-01", "actual_start": "2022-08-01"}, AS_OF)
    assert r["late_start_flag"] != ""
    assert "见延期核查提示" in r["late_start_flag"]


def test_the_day_the_year_is_full_is_the_boundary():
    # agreed 2022-03-01: idle from 2023-03-02 (the year full); a start on 2023-03-02 was never idle on any
    # audit date, a start on 2023-03-03 was idle on 2023-03-02
    on_time, late = audit([{"agreed_start": "2022-03-01", "actual_start": "2023-03-02"},
                           {"agreed_start": "2022-03-01", "actual_start": "2023-03-03"}], AS_OF)["late_start_flag"]
    assert on_time == "" and "2023-03-02至2023-03-02期间" in late
    # the audit on those days agrees
    assert one({"agreed_start": "2022-03-01", "actual_start": "2023-03-03"}, "2023-03-02")["status"] == "idle"
    assert one({"agreed_start": "2022-03-01", "actual_start": "2023-03-02"}, "2023-03-02")["status"] == "normal"


def test_not_started_and_future_starts_are_not_flagged():
    rows = audit([{"agreed_start": "2020-07-01"}, {"agreed_start": "2020-07-01", "actual_start": "2027-01-01"}], AS_OF)
    assert rows["late_start_flag"].tolist() == ["", ""]
    assert rows["status"].tolist() == ["idle_reclaim", "idle_reclaim"]


def test_undated_extension_sentence_says_it_had_no_effect(tmp_path):
    # the QA9 ledger's DCF2014: “因疫情不可抗力延期一年” has no date: no extension; the late start is flagged
    from dcf_spatial.land.idle_audit import audit_idle
    from dcf_spatial.land.parcels import read_parcels

    path = tmp_path / "台账.xlsx"
    pd.DataFrame({"宗地编号": ["DCF2014"], "土地用途": ["工业用地"], "合同约定动工日期": ["2022-02-28"],
                  "实际动工日期": ["2023-10-08"], "延期情况": ["因疫情不可抗力延期一年"], "出让价款（万元）": [938.61],
                  "经度": [115.98], "纬度": [36.45]}).to_excel(path, index=False)
    r = audit_idle(read_parcels(path), as_of=AS_OF).iloc[0]
    assert r["status"] == "normal"
    assert "晚587天" in r["late_start_flag"]
    assert "中没有可识别的延期日期，未作为延期，对此无影响" in r["late_start_flag"]
    assert "中没有可识别的延期日期，未作为延期，对此无影响" in r["reason_zh"]


def test_late_start_in_the_workbook(tmp_path):
    from dcf_spatial.land.outputs import IDLE_COLUMNS_ZH, write_idle_excel

    res = audit([{"agreed_start": "2020-07-01", "actual_start": "2021-08-01"},
                 {"agreed_start": "2020-07-01", "actual_start": "2021-06-01"}], AS_OF)
    path = write_idle_excel(res, tmp_path / "a.xlsx", notes=[])
    listed = pd.read_excel(path, sheet_name="宗地清单", header=1, engine="openpyxl")
    assert IDLE_COLUMNS_ZH["late_start_flag"] == "逾期动工提示"
    assert listed["逾期动工提示"].fillna("").str.contains("曾构成闲置土地").tolist() == [True, False]
    checked = pd.read_excel(path, sheet_name="问题记录", header=1, engine="openpyxl")
    assert checked["宗地代码"].tolist() == ["T000"]
