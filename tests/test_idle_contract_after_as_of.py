"""A parcel whose contract was signed after the audit date was not supplied then (breaker B31-9).

《闲置土地处置办法》（国土资源部令第53号，2012）第二条: "本办法所称闲置土地，是指国有建设用地使用权人超过国有建设
用地使用权有偿使用合同或者划拨决定书约定、规定的动工开发日期满一年未动工开发的国有建设用地" — idle time runs from the
start the contract agrees. On an audit date before the contract was signed there is no agreed start: the land can be
neither idle nor 正常 on that date. Such a row has its own status, is in no idle or 正常 count, and — when the contract
date is after today too, which cannot be true — is a data problem on 问题记录. (It was 正常 and counted.)
"""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli
from dcf_spatial.land.outputs import rejected_rows

from _ledgers import write_ledger

HEADER = ["宗地编号", "土地用途", "面积(亩)", "合同签订日期", "约定开工日期", "实际开工日期", "成交价格(万元)", "经度", "纬度"]
AS_OF = "2022-12-31"   # an old audit date re-run on this year's ledger


def _row(pid, contract, agreed, actual=""):
    return [pid, "工业用地", 10, contract, agreed, actual, 100, 115.98, 36.45]


ROWS = [
    _row("S1", "2023-05-01", "2023-11-01"),            # signed after the audit date: was 正常
    _row("S2", "2023-05-01", "2020-01-01"),            # signed after it, agreed start long before: was 闲置满两年
    _row("S3", "2099-01-10", "2099-06-01"),            # after today too: cannot be true
    _row("S4", "2023年1月", "2023-07-01"),              # the month after the audit date: every day of it is later
    _row("S5", "2022-12-31", "2023-06-30"),            # signed on the audit date: in this audit, 正常
    _row("S6", "2020-05-01", "2020-11-01"),            # signed before: idle (第二条), counted as before
]


def test_a_contract_signed_after_the_audit_date_is_out_of_that_audit(tmp_path):
    res = dcf.audit_idle(str(write_ledger(tmp_path / "台账.csv", ROWS, header=HEADER)), as_of=AS_OF)
    f = res.frame.set_index("parcel_id")
    after = ["S1", "S2", "S3", "S4"]
    assert f.loc[after, "status"].tolist() == ["supplied_after"] * 4
    assert f.loc["S5", "status"] == "normal" and f.loc["S6", "status"] == "idle_reclaim"
    # in no idle or 正常 count: their own line
    assert (res.counts["normal"], res.counts["idle_reclaim"], res.counts["supplied_after"]) == (1, 1, 4)
    reason = str(f.loc["S1", "reason_zh"])
    assert "合同签订日期 2023-05-01 晚于审计基准日 2022-12-31" in reason and "第二条" in reason
    assert "约定" in reason and "动工开发日期起算" in reason
    # a contract date given to the month is quoted as the month, not as a day the ledger does not give
    assert "合同签订日期 2023-01（仅到月） 晚于审计基准日" in str(f.loc["S4", "reason_zh"])
    assert f.loc[after, "fee_wan"].isna().all()
    assert f.loc[after, "status_zh"].astype(str).str.contains("基准日后才签订").all()
    # a past contract date is not a data error; one after today is, on 问题记录
    listed = set(res.frame.loc[rejected_rows(res.frame), "parcel_id"].astype(str))
    assert "S3" in listed and "S1" not in listed
    assert "晚于今天" in str(f.loc["S3", "problems"]) and "录入错误" in str(f.loc["S3", "reason_zh"])


def test_the_cli_and_workbook_count_it_apart(tmp_path):
    src = write_ledger(tmp_path / "台账.csv", ROWS[:1] + ROWS[4:], header=HEADER)
    out = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(src), "--as-of", AS_OF, "-o", str(tmp_path / "o"),
                                   "--no-map"])
    assert out.exit_code == 0, out.output
    assert "基准日后才签订合同（不在本次审计范围）" in out.output
    by_status = pd.read_excel(tmp_path / "o" / "idle_audit.xlsx", sheet_name="汇总_按状态", header=1, engine="openpyxl")
    counts = dict(zip(by_status["状态代码"], by_status["宗地数"]))
    assert (counts["normal"], counts["supplied_after"]) == (1, 1)


def test_a_contract_dated_to_the_audit_dates_month_only_asks_to_check_the_day(tmp_path):
    # breaker B31b-4: 2022年12月 audited at 2022-12-15 may be 16–31 December, after the audit date: not a plain 正常
    rows = [_row("M1", "2022年12月", "2023-06-01"), _row("M2", "2022-12-10", "2023-06-01"),
            _row("M3", "2022年11月", "2023-06-01")]
    res = dcf.audit_idle(str(write_ledger(tmp_path / "台账.csv", rows, header=HEADER)), as_of="2022-12-15")
    f = res.frame.set_index("parcel_id")
    assert "2022-12（仅到月）" in str(f.loc["M1", "reason_zh"]) and "须核实签订日期" in str(f.loc["M1", "reason_zh"])
    assert "须核实签订日期" in str(f.loc["M1", "problems"])
    listed = set(res.frame.loc[rejected_rows(res.frame), "parcel_id"].astype(str))
    assert "M1" in listed and not {"M2", "M3"} & listed
    assert not any("须核实签订日期" in str(f.loc[p, "reason_zh"]) for p in ("M2", "M3"))
