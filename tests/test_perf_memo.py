"""What is worked out once instead of once per row (issue 13) still follows its rules.

* the indicators' edition in force is remembered per date, but a local edition loaded afterwards
  is used at once (《工业项目建设用地控制指标》 and a bureau's 标准地 table);
* the Art. 8 cause kinds of 《闲置土地处置办法》 are decided once per distinct value: every row
  gets the kind its own text says;
* the zones designated for an industry are remembered per industry: two industries in one
  batch still get their own zones.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dcf_spatial import settings
from dcf_spatial.land import idle_audit
from dcf_spatial.queries import land_indicators as li


@pytest.fixture()
def no_local_edition(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "user_data_dir", tmp_path / "user")
    li._local_table.cache_clear()
    yield
    li._local_table.cache_clear()


def test_a_local_edition_loaded_after_a_check_is_named_on_the_next(no_local_edition, tmp_path):
    before = li.edition_in_force("2023-01-01")
    assert before["local"] is None and "地方指标" not in before["note_zh"]
    before["not_loaded"].append("changed by a caller")  # a caller's change must not reach the next answer
    assert "changed by a caller" not in li.edition_in_force("2023-01-01")["not_loaded"]
    path = tmp_path / "标准地指标.xlsx"
    pd.DataFrame([["容积率", "C3451", ">=", "1.2", "ratio", "2022-01-01", "聊城标准地（示例）"]],
                 columns=["指标", "行业代码", "比较", "阈值", "单位", "施行日期", "版本"]).to_excel(path, index=False)
    li.load_local_indicators(path)
    after = li.edition_in_force("2023-01-01")
    assert after["local"] == "聊城标准地（示例）" and "已载入地方指标" in after["note_zh"]
    # the local edition applies from 2022-01-01 only
    assert li.edition_in_force("2021-06-30")["local"] is None


# 《闲置土地处置办法》 Art. 8: para. 1 (1)–(6) government acts, para. 2 natural disasters and other
# force majeure; the rules file codes them 1–6 and 7. "否/无/0" and blanks record no cause.
ART8_CASES = [
    ("1", "government"), ("6", "government"), ("因规划调整，政府要求暂停", "government"), ("是", "government"),
    ("7", "force_majeure"), ("不可抗力（暴雨）", "force_majeure"), ("自然灾害：地震", "force_majeure"),
    ("否", ""), ("无", ""), ("0", ""), ("", ""), (None, ""), ("  NO ", ""),
]


def test_every_row_gets_the_cause_kind_its_own_text_says():
    values = [v for v, _ in ART8_CASES] * 3  # repeated values: decided once, given to every row
    kinds = idle_audit.cause_kinds(pd.Series(values, dtype=object), idle_audit.load_rules())
    assert kinds.tolist() == [k for _, k in ART8_CASES] * 3


def test_two_industries_in_one_batch_get_their_own_designated_zones():
    from dcf_spatial.queries.site import load_context
    from dcf_spatial.queries.site.check import site_results
    import geopandas as gpd
    import shapely

    ctx = load_context(settings.default_store)
    pt = gpd.GeoDataFrame(geometry=[shapely.Point(115.98, 36.45)] * 4, crs=settings.storage_crs)
    batch = site_results(pt, ["轴承", "养老", "轴承", "养老"], context=ctx)
    alone = [site_results(pt.iloc[[i]], [ind], context=load_context(settings.default_store))[0]
             for i, ind in enumerate(["轴承", "养老"])]
    assert batch[0]["verdict_zh"] == batch[2]["verdict_zh"] == alone[0]["verdict_zh"]
    assert batch[1]["verdict_zh"] == batch[3]["verdict_zh"] == alone[1]["verdict_zh"]
    texts = [" ".join(r["text_zh"] for r in res["reasons"]) for res in batch]
    assert texts[0] == texts[2] != texts[1] == texts[3]
