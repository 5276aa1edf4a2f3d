"""Dates given to the month only (2019年3月, 2024-05) in the idle audit, and a parcel id on two rows.

The thresholds are those of 《闲置土地处置办法》(国土资源部令第53号, 2012): 第二条 — land not developed
"满一年" after the agreed start is idle; 第十四条 — "未动工开发满一年的" pays the idle fee (20 %),
"未动工开发满两年的" may be taken back. Periods count as the Civil Code (Arts. 201–202, README): agreed
start 2022-03-01 is normal on 2023-03-01 and idle from 2023-03-02. A start known only as "2022年3月" is
some day of March 2022: one full year is over on every such day only from 2023-04-01, and on none of
them up to 2023-03-01; in between the finding depends on the day, which the record does not give.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dcf_spatial.land.idle_audit import audit_idle, reclaim_counts, summarize
from dcf_spatial.land.outputs import status_table
from dcf_spatial.land.parcels import parse_dates, validate_parcels
from tests.test_idle_audit import parcel_frame


def one(row, as_of):
    return audit_idle(validate_parcels(parcel_frame([row])), as_of=as_of).iloc[0]


@pytest.mark.parametrize("text", ["2019年3月", "2019-03", "2019/3", "2019.03", "2019-3"])
def test_month_forms_read_as_that_month(text):
    dates, bad, month = parse_dates(pd.Series([text]), months=True)
    assert not bad.iloc[0] and month.iloc[0] and dates.iloc[0] == pd.Timestamp("2019-03-01")
    # without months=True (any other caller) a month is still not a date
    dates, bad = parse_dates(pd.Series([text]))
    assert bad.iloc[0] and pd.isna(dates.iloc[0])


def test_month_13_is_not_a_month():
    _, bad, month = parse_dates(pd.Series(["2019年13月"]), months=True)
    assert bad.iloc[0] and not month.iloc[0]


# 第二条 / 第十四条（一）: one full year after the agreed start, not developed
@pytest.mark.parametrize("as_of, status", [
    ("2023-03-01", "normal"),             # day 1 + 1 year: not yet full on any day of March 2022
    ("2023-03-02", "insufficient_data"),  # full for 2022-03-01, not for 2022-03-31
    ("2023-03-31", "insufficient_data"),  # full for every day but the 31st
    ("2023-04-01", "idle"),               # full for every day of March 2022
])
def test_agreed_start_month_one_year(as_of, status):
    r = one({"agreed_start": "2022年3月"}, as_of)
    assert r["status"] == status
    if status == "insufficient_data":
        assert "约定动工日期" in r["reason_zh"] and "只填到月（2022年3月）" in r["reason_zh"]
        assert "请填写到日，如 2022-03-15" in r["reason_zh"]
        assert "原表行号 1" in r["reason_zh"]
        assert r["next_step_zh"] == "补齐数据后重新审计" and pd.isna(r["fee_wan"])
    else:
        assert "只填到月（2022年3月）" in r["reason_zh"] and "结论均相同" in r["reason_zh"]


# 第十四条（二）: two full years
@pytest.mark.parametrize("as_of, status", [
    ("2024-03-31", "insufficient_data"),  # two years full for 2022-03-01, one year only for 2022-03-31
    ("2024-04-01", "idle_reclaim"),
])
def test_agreed_start_month_two_years(as_of, status):
    assert one({"agreed_start": "2022-03"}, as_of)["status"] == status


def test_same_status_as_a_day_exact_record_when_the_month_decides():
    day = one({"agreed_start": "2022-03-15"}, "2024-06-30")
    month = one({"agreed_start": "2022年3月"}, "2024-06-30")
    assert day["status"] == month["status"] == "idle_reclaim"
    # due for reclaim (第十四条第（二）项): no fee in fee_wan; the 满一年 fee (20 % of 1000 万元) in the reason
    assert pd.isna(day["fee_wan"]) and pd.isna(month["fee_wan"])
    assert "征缴土地闲置费200.00万元" in day["reason_zh"] and "征缴土地闲置费200.00万元" in month["reason_zh"]


def test_actual_start_month_within_the_year_is_normal():
    # agreed 2022-06-01; started some day of August 2022: before the one-year mark on every day
    r = one({"agreed_start": "2022-06-01", "actual_start": "2022年8月"}, "2025-12-31")
    assert r["status"] == "normal" and "实际动工开发日期" in r["reason_zh"] and "只填到月" in r["reason_zh"]


def test_month_date_is_no_problem_of_the_row():
    v = validate_parcels(parcel_frame([{"agreed_start": "2024年5月"}]))
    assert v["problems"].iloc[0] == "" and "agreed_start" not in str(v["bad_fields"].iloc[0])
    assert any("只填到月" in n for n in v.attrs.get("read_notes", []))


# --- a parcel id on two rows: listed twice, counted once ------------------------------------------


def test_duplicate_parcel_counts_once_in_every_total():
    rows = [{"parcel_id": "P1", "agreed_start": "2019-06-01", "land_price_wan": 960.0},
            {"parcel_id": "P2", "agreed_start": "2019-06-01", "land_price_wan": 100.0},
            {"parcel_id": "P1", "agreed_start": "2019-06-01", "land_price_wan": 960.0}]
    res = audit_idle(validate_parcels(parcel_frame(rows)), as_of="2025-12-31")
    assert len(res) == 3  # nothing lost
    assert res["in_totals"].tolist() == [True, True, False]
    assert "本条不重复计入" in res["problems"].iloc[2] and "只计本条一次" in res["problems"].iloc[0]
    s = summarize(res)
    assert int(s["total"].iloc[0]) == 2
    # both due for reclaim (第十四条第（二）项): no fee total; their prices once: 960 + 100, not 2,020
    assert s["fee_wan"].iloc[0] == 0
    assert reclaim_counts(res)["reclaim_price_wan"] == pytest.approx(960.0 + 100.0)
    area = res["area_mu"].iloc[0]
    assert s["area_mu"].iloc[0] == pytest.approx(2 * area)
    t = status_table(res)
    assert int(t["count"].sum()) == 2 and t["fee_wan"].sum() == 0


# --- what the texts quote of a month-only date (session 31) -------------------------------------------
# 第二条: 闲置土地 is land "超过…约定、规定的动工开发日期满一年未动工开发". A date known only as 「2021年11月」
# is some day of November 2021: quoted as that month (「2021-11（仅到月）」), never as a day the record does
# not give; a day count between it and another date is a range over the month's first and last day; a
# start is late (满一年未动工开发, idle meanwhile) only if it is late for every day of that month.


def test_late_start_after_a_month_only_agreed_start_quotes_the_month_and_a_day_range():
    # agreed some day of Nov 2021: the year is full by 2022-12-01 whichever day; started 2023-03-01
    r = one({"agreed_start": "2021年11月", "actual_start": "2023-03-01"}, "2025-06-30")
    flag = r["late_start_flag"]
    assert "比约定动工日期2021-11（仅到月）晚456至485天" in flag       # 2021-11-30 → 456, 2021-11-01 → 485
    assert "满一年之日（2022-11（仅到月））" in flag
    assert "2021-11-01" not in flag and "2022-11-01" not in flag and "2022-11-02" not in flag
    assert "至少为2022-12-01至2023-02-28" in flag                        # idle whichever day of Nov 2021
    assert "曾构成闲置土地" in flag and "【逾期动工】" in r["reason_zh"]


def test_start_late_on_some_days_of_the_agreed_month_only_asks_for_the_day():
    # agreed 2021-11-01 → the year is full on 2022-11-02 (idle then); agreed 2021-11-30 → not full before
    # 2022-12-01: a start on 2022-11-15 is late for the first and not for the last day of the month
    r = one({"agreed_start": "2021年11月", "actual_start": "2022-11-15"}, "2025-06-30")
    flag = r["late_start_flag"]
    assert "须核实具体日期" in flag and "相隔350至379天" in flag
    assert "期间曾构成闲置土地" not in flag                              # not asserted
    assert "【逾期动工待核实】" in r["reason_zh"] and "【逾期动工】" not in r["reason_zh"]
    assert "逾期动工待核实" in r["problems"] and "曾构成闲置土地" not in r["problems"]
    assert "填写到日" in r["next_step_zh"] and "征缴土地闲置费" not in r["next_step_zh"]
    # a start before 2022-11-02 is late for no day of the month: no flag
    assert one({"agreed_start": "2021年11月", "actual_start": "2022-11-02"}, "2025-06-30")["late_start_flag"] == ""


def test_late_start_known_only_to_the_month_is_late_on_every_day():
    # agreed 2021-11-10: the year is full after 2022-11-10; started some day of Dec 2022 — late on every day
    r = one({"agreed_start": "2021-11-10", "actual_start": "2022年12月"}, "2025-06-30")
    flag = r["late_start_flag"]
    assert "实际动工日期2022-12（仅到月）比约定动工日期2021-11-10晚386至416天" in flag
    assert "2022-12-01" not in flag and "已于2022-12（仅到月）动工开发" in r["reason_zh"]


@pytest.mark.parametrize("as_of, words", [
    ("2023-04-01", ["约定动工日期2022-03（仅到月）；满一年之日为2023-03（仅到月）"]),    # idle: full on every day
    ("2023-03-01", ["约定动工日期2022-03（仅到月）", "满一年之日为2023-03（仅到月）"]),  # not yet full on any day
    ("2024-04-01", ["约定动工日期2022-03（仅到月）；满两年之日为2024-03（仅到月）"]),
])
def test_not_started_reasons_quote_the_month(as_of, words):
    r = one({"agreed_start": "2022年3月"}, as_of)
    assert all(w in r["reason_zh"] for w in words), r["reason_zh"]
    assert "2022-03-01" not in r["reason_zh"] and "2023-03-01" not in r["reason_zh"].replace("基准日2023-03-01", "")


def test_extension_and_stop_reasons_quote_the_month():
    # 第十二条第（一）项 extension to some day of June 2022 (a 第八条 cause), audited before it ends
    r = one({"agreed_start": "2022-01-01", "extension_until": "2022年6月", "gov_cause": "1"}, "2022-05-15")
    assert r["status"] == "extended" and "延期至2022-06（仅到月）" in r["reason_zh"]
    assert "2022-06-01" not in r["reason_zh"] and "满一年之日为2023-06（仅到月）" in r["reason_zh"]
    # 第二条第二款: stopped some day of March 2022, less than a year by 2022-12-31 whichever day
    r = one({"agreed_start": "2020-01-01", "actual_start": "2020-06-01", "stopped_since": "2022年3月"}, "2022-12-31")
    assert r["status"] == "normal" and "自2022-03（仅到月）中止开发" in r["reason_zh"]
    assert "满一年之日为2023-03（仅到月）" in r["reason_zh"] and "2022-03-01" not in r["reason_zh"]
