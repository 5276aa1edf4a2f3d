"""A new user's QA (qa_user FINDINGS F12): the 土地闲置费合计 added the year-one fee of the parcels due for
reclaim to the fee of the parcel at one year (1,240 万元 for 120 万元 of fee).

《闲置土地处置办法》（国土资源部令第53号）第十四条: (一) 未动工开发满一年的 … 按照土地出让或者划拨价款的百分之二十
征缴土地闲置费; (二) 未动工开发满两年的 … 无偿收回国有建设用地使用权. So the fee total is over the parcels at one
year (20 % of their price), and the parcels at two years are said apart: how many, their 亩 and their prices.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
from click.testing import CliRunner

from dcf_spatial.cli.main import cli

from _ledgers import write_ledger

AS_OF = "2025-12-31"
HEADER = ["宗地编号", "受让人", "坐落", "土地用途", "面积（亩）", "合同签订日期", "约定动工日期", "实际动工日期",
          "延期情况", "土地价款（万元）"]
_ledger = partial(write_ledger, header=HEADER)


def test_the_fee_total_leaves_out_the_parcels_due_for_reclaim_and_says_them_apart(tmp_path):
    rows = [["A1", "甲公司", "郑家镇", "工业用地", "10", "", "2024-06-01", "", "", "600"],    # one year: 第十四条第（一）项
            ["B1", "乙公司", "郑家镇", "工业用地", "30", "", "2021-01-01", "", "", "1000"],   # two years: 第十四条第（二）项
            ["B2", "丙公司", "郑家镇", "工业用地", "20", "", "2020-01-01", "", "", "500"]]
    path = _ledger(tmp_path / "台账.csv", rows)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(path), "--as-of", AS_OF, "-o", str(out),
                                      "--no-map"])
    assert result.exit_code == 0, result.output
    # 20 % of A1's 600 万元; not + 20 % of B1's and B2's prices (1,120 万元 with them)
    assert "土地闲置费合计 120.00 万元" in result.output
    assert "未动工开发满两年的宗地 2 宗（面积 50.00 亩，土地价款合计 1,500.00 万元）" in result.output
    assert "第十四条第（二）项" in result.output and "无偿收回" in result.output
    sheet = pd.read_excel(out / "idle_audit.xlsx", sheet_name="汇总_按状态", header=1, engine="openpyxl")
    total = sheet[sheet["状态代码"] == "total"].iloc[0]
    assert float(total["土地闲置费（万元；含潜在金额）"]) == 120.0
    notes = "".join(pd.read_excel(out / "idle_audit.xlsx", sheet_name="说明", header=None,
                                  engine="openpyxl")[0].astype(str))
    assert "未动工开发满两年的宗地 2 宗（面积 50.00 亩，土地价款合计 1,500.00 万元）" in notes
