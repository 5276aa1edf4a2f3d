"""A batch row placed by a township's name says in its 定位方式 how its verdict was reached (QA session 31 F4).

A town named without a parcel is checked part by part (each zone drawn inside it and the rest of it,
rules/named.py). The 定位方式 column said «结论按该单元本身的定位» beside a 判定理由 that begins «镇街“郑家镇”内
各部分按地块核查的结论不同», and beside the single check saying «逐一按地块核查判定». The column must say what the
single check says.
"""

from __future__ import annotations

import pandas as pd

from dcf_spatial.queries import check_batch


def _method_column(tmp_path) -> list[str]:
    f = tmp_path / "项目清单.csv"
    f.write_text("项目名称,建设地点,行业,用地面积(亩)\n甲,郑家镇,轴承,50\n乙,梁水镇,轴承,\n", encoding="utf-8")
    out = check_batch(f).to_table(tmp_path / "核查结果.csv")
    return pd.read_csv(out, encoding="utf-8-sig")["定位方式"].tolist()


def test_the_method_column_says_the_town_was_judged_part_by_part(tmp_path):
    # 第八章第一节: 郑家镇工业集聚区 carries 轴承 while the rest of 郑家镇 lies outside the clusters — the parts differ
    zhengjia, liangshui = _method_column(tmp_path)
    assert zhengjia.startswith("按地名定位：“郑家镇”→镇街“郑家镇”")
    assert "结论按该镇街内各分区及其余部分逐一按地块核查判定" in zhengjia and "面积为申报面积" in zhengjia
    # 第八章第一节/第三章第三节: 梁水镇 holds no cluster: every part fails, and the column says so
    assert "逐一按地块核查均不符合" in liangshui and "面积未知" in liangshui
    assert not [m for m in (zhengjia, liangshui) if "本身的定位" in m]
