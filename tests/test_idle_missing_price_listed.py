"""A parcel whose 土地闲置费 cannot be reckoned for want of a 土地价款 is a record to correct (QA session 31 F5).

《闲置土地处置办法》第十四条第（一）项: the fee is 20% of the 土地价款. A parcel idle for a year (or two: its
first-year fee is in its reason) with no price has a reason saying 金额待核定 and is counted in the console as
缺少土地价款; it must also be on the 问题记录 sheet with a 数据问题 naming the field and the fix, as a parcel
without an area is. README: 问题记录 lists the records to correct.
"""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from _ledgers import write_ledger
from _shipped import shipped
from dcf_spatial.cli.main import cli

pytestmark = shipped

HEADER = ["电子监管号", "项目名称", "项目位置", "面积(亩)", "土地用途", "约定开工时间", "实际开工时间", "土地价款(万元)"]
ROWS = [
    ["3715022020B00001", "两年未动工", "郑家镇", 50, "工业用地", "2020-06-01", None, None],      # 原表第 2 行: 满两年, no price
    ["3715022024B00002", "一年未动工", "郑家镇", 30, "工业用地", "2024-06-01", None, None],      # 第 3 行: 满一年, no price
    ["3715022024B00003", "有价款", "郑家镇", 20, "工业用地", "2024-06-01", None, 300],          # 第 4 行: 满一年, priced
    ["3715022021B00004", "已开工", "郑家镇", 25, "工业用地", "2021-01-01", "2021-04-01", None],  # 第 5 行: started, no fee owed
]


def test_an_idle_parcel_without_a_price_is_on_the_list_to_correct(tmp_path):
    src = write_ledger(tmp_path / "供地台账.csv", ROWS, header=HEADER)
    run = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(src), "--as-of", "2025-12-31",
                                   "-o", str(tmp_path / "out")])
    assert run.exit_code == 0, run.output
    book = tmp_path / "out" / "idle_audit.xlsx"
    listed = pd.read_excel(book, sheet_name="宗地清单", header=1).set_index("原表行号")
    assert "金额待核定" in listed.loc[2, "理由（条款与日期）"] and "金额待核定" in listed.loc[3, "理由（条款与日期）"]
    problems = pd.read_excel(book, sheet_name="问题记录", header=1).set_index("原表行号")
    assert sorted(problems.index) == [2, 3]          # the priced idle parcel and the started one have nothing to fix
    for row in (2, 3):
        text = problems.loc[row, "数据问题"]
        assert "土地价款" in text and "第十四条第（一）项" in text and "请在该列填写" in text, text
    assert "需核实补正的记录 2 条" in run.output, run.output
