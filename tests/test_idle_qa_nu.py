"""What a new user found in the idle audit of a 供地台账 (QA round nu, /work/qa/nu/FINDINGS.md #2, #3, #6, #9).

Written from 《闲置土地处置办法》（国土资源部令第53号，2012）:
* 第八条 — delay caused by a government act (第一款: （二）“因土地利用总体规划、城乡规划依法修改”, （六）“政府、政府有关
  部门的其他行为”) or by force majeure (第二款) is the government's cause; 第十二条第（一）项 — for such causes the
  start may be extended, “延长动工开发期限最长不得超过一年”;
* 第十四条 — the 土地闲置费 (第（一）项) and 无偿收回 (第（二）项) apply to land idle for causes *other* than 第八条:
  a ledger row that states a 第八条 cause must not be charged as if it had none without the auditor being told;
and from what the user should see: every input row keeps a status; an area whose unit is not known is never
guessed silently; a parcel placed only by a township name is not drawn as if it lay in a cluster (the workbook
says （地名未指明）); the audit date is read as a clerk writes a date.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli

from _ledgers import write_ledger

AS_OF = "2025-12-31"
BASE = ["宗地编号", "土地使用权人", "项目位置", "土地用途", "约定开工时间", "实际开工时间", "成交价格(万元)"]


def _ledger(path, header, rows):
    return write_ledger(path, rows, header=header)


# --- #3 an extension written in 备注 (第八条, 第十二条第（一）项, 第十四条) ------------------------------------------

SENTENCE = "因政府规划调整延期至2024年4月1日"


def _one(tmp_path, column, text, *, agreed="2023-04-01", name="台账.csv"):
    """One parcel agreed to start 2023-04-01, not started, price 180 万元, with ``text`` under ``column``."""
    path = _ledger(tmp_path / name, [*BASE, "面积(公顷)", column],
                   [["A1", "甲公司", "梁水镇", "仓储用地", agreed, "", "180", "1.5", text]])
    return dcf.audit_idle(str(path), as_of=AS_OF).frame.iloc[0]


def test_an_extension_in_remarks_is_read_as_under_its_own_column(tmp_path):
    # the user's row 8: a government cause and a new start 2024-04-01 (within one year, 第十二条第（一）项); from then
    # one full year has passed on 2025-12-31; the 第八条 cause was used up by the extension (it excuses the delay
    # up to 2024-04-01 only), so 第十四条第（一）项 applies: a fee, and no 满两年/无偿收回 finding yet
    in_remark = _one(tmp_path, "备注", SENTENCE, name="备注.csv")
    in_column = _one(tmp_path, "延期情况", SENTENCE, name="延期情况.csv")
    assert in_remark["status"] == in_column["status"] == "idle"
    assert in_remark["fee_wan"] == 36.0
    assert pd.Timestamp(in_remark["count_from"]) == pd.Timestamp("2024-04-01")
    reason = str(in_remark["reason_zh"])
    assert "备注所述" in reason and "第八条" in reason and "无偿收回" not in reason
    assert f"备注“{SENTENCE}”" in str(in_remark["problems"])   # the sentence quoted, where it came from


def test_a_cause_in_remarks_without_a_date_is_marked_for_checking_with_the_sentence(tmp_path):
    # no extension date: not taken as the cause (free text), but the fee is never put without the question
    text = "受政府规划调整影响，暂缓开工"
    r = _one(tmp_path, "备注", text)
    # due for reclaim (第十四条第（二）项): its 满一年 fee is in the reason, not in fee_wan (no fee total counts it)
    assert r["status"] == "idle_reclaim" and pd.isna(r["fee_wan"]) and "征缴土地闲置费36.00万元" in str(r["reason_zh"])
    problems = str(r["problems"])
    assert "需核实" in problems and f"备注“{text}”" in problems and "不征收土地闲置费" in problems


def test_an_unrelated_remark_changes_nothing_and_is_said_to_be_looked_at(tmp_path):
    path = _ledger(tmp_path / "台账.csv", [*BASE, "面积(公顷)", "备注"],
                   [["A1", "甲公司", "梁水镇", "仓储用地", "2023-04-01", "", "180", "1.5", "二期项目"]])
    res = dcf.audit_idle(str(path), as_of=AS_OF)
    r = res.frame.iloc[0]
    assert r["status"] == "idle_reclaim" and str(r["problems"]) in ("", "nan")
    assert any("备注列已逐条查看" in n and "其余内容不影响结论" in n for n in res.notes)   # never dropped without a word


def test_the_remark_does_not_override_the_ledgers_own_extension_column(tmp_path):
    path = _ledger(tmp_path / "台账.csv", [*BASE, "面积(公顷)", "延期情况", "备注"],
                   [["A1", "甲公司", "梁水镇", "仓储用地", "2023-04-01", "", "180", "1.5", "因规划修改延期至2023年10月1日",
                     SENTENCE]])
    r = dcf.audit_idle(str(path), as_of=AS_OF).frame.iloc[0]
    assert pd.Timestamp(r["extension_until"]) == pd.Timestamp("2023-10-01")
    assert f"备注“{SENTENCE}”另述延期" in str(r["problems"])


# --- #6 a 面积 column without a unit --------------------------------------------------------------------------

NO_UNIT = [*BASE, "面积"]
ROWS = [["DCF-001", "甲", "郑家镇", "工业用地", "2022-03-01", "", "480", "3.3333"],
        ["DCF-002", "乙", "梁水镇", "工业用地", "2023-04-01", "", "300", "2.5"],
        ["DCF-003", "丙", "侯营镇", "工业用地", "2024-01-15", "2025-03-01", "150", "1.2"]]


def test_an_ambiguous_unitless_area_is_said_on_every_row_with_the_way_to_give_the_unit(tmp_path):
    path = _ledger(tmp_path / "台账.csv", NO_UNIT, ROWS)
    res = dcf.audit_idle(str(path), as_of=AS_OF)
    f = res.frame
    assert f["status"].notna().all() and len(f) == 3            # every row keeps its status
    assert f["area_mu"].isna().all()                              # 1.2–3.33 fits 亩 and 公顷: not guessed
    for text in f["problems"].astype(str):
        assert "未注明单位" in text and "面积单位" in text and "--area-unit" in text
    said = [n for n in res.notes if "未注明单位" in n]
    assert said and "亩、公顷" in said[0]
    assert not any("area_mu=<列名>" in n for n in res.notes)     # no advice the desk cannot follow


def test_the_unit_given_is_used_and_said(tmp_path):
    path = _ledger(tmp_path / "台账.csv", NO_UNIT, ROWS)
    res = dcf.audit_idle(str(path), as_of=AS_OF, area_unit="公顷")
    assert res.frame["area_mu"].round(2).tolist() == [50.0, 37.5, 18.0]   # 1 公顷 = 15 亩
    assert any("按指定的单位公顷读取" in n for n in res.notes)
    out = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(path), "--as-of", AS_OF, "--area-unit", "亩",
                                   "-o", str(tmp_path / "out"), "--no-map"])
    assert out.exit_code == 0, out.output
    listed = pd.read_excel(tmp_path / "out" / "idle_audit.xlsx", sheet_name=None, engine="openpyxl")
    assert any("3.33" in frame.to_string() for frame in listed.values())


def test_a_unit_only_one_reading_makes_plausible_is_taken_and_said(tmp_path):
    rows = [[*r[:-1], v] for r, v in zip(ROWS, ["20000", "6667", "3000"])]   # m² only: 亩 would be 3,000–20,000 亩 a parcel
    res = dcf.audit_idle(str(_ledger(tmp_path / "台账.csv", NO_UNIT, rows)), as_of=AS_OF)
    assert res.frame["area_mu"].round(1).tolist() == [30.0, 10.0, 4.5]
    assert any("只有按平方米理解" in n for n in res.notes)


def test_an_unknown_unit_is_refused_naming_the_choices(tmp_path):
    path = _ledger(tmp_path / "台账.csv", NO_UNIT, ROWS)
    with pytest.raises(ValueError, match="亩、公顷、平方米"):
        dcf.audit_idle(str(path), as_of=AS_OF, area_unit="斤")


# --- #2 a parcel placed by a township name on the map ---------------------------------------------------------

def test_a_parcel_placed_by_a_township_name_is_not_drawn_inside_its_cluster(tmp_path):
    from dcf_spatial.land.map_points import idle_map_features
    from dcf_spatial.store.catalog import read_layer

    path = _ledger(tmp_path / "台账.csv", [*BASE, "面积(亩)"],
                   [["A1", "甲", "郑家镇", "工业用地", "2021-01-01", "", "100", "10"],
                    ["A2", "乙", "郑家镇王屯村北", "工业用地", "2021-01-01", "", "100", "10"]])
    res = dcf.audit_idle(str(path), as_of=AS_OF, out=tmp_path / "out")
    f = res.frame
    assert f["cluster_zh"].astype(str).tolist() == ["（地名未指明）"] * 2
    clusters = read_layer("industrial_clusters").to_crs(f.crs)
    zheng = clusters[clusters["name_zh"] == "郑家镇工业集聚区"].geometry.iloc[0]
    for g in f.geometry:                      # the map must say what the workbook says: not in the cluster
        assert not zheng.intersects(g)
    feats, _ = idle_map_features(f)
    assert feats["located_zh"].notna().all() and "位置示意" in feats["located_zh"].iloc[0]
    html = next((tmp_path / "out").glob("*.html")).read_text(encoding="utf-8")
    assert "按地名“郑家镇”定位，位置示意：画在该镇街内、其中的集聚区和园区之外" in html and "dashArray" in html


# --- #9 the audit date as a clerk writes it ---------------------------------------------------------------------

@pytest.mark.parametrize("value", ["2025/12/31", "2025年12月31日", "20251231", "2025.12.31", "2025-12-31"])
def test_the_desk_reads_the_usual_date_forms(value):
    from dcf_spatial.desk.routes.api import _as_of

    assert _as_of(value) == "2025-12-31"


@pytest.mark.parametrize("value, words", [("2025年12月", "只有年月"), ("明天", "2025/12/31"), ("2025/2/30", "月份 1–12")])
def test_the_desk_says_what_it_cannot_read(value, words):
    from dcf_spatial.desk.routes.api import DeskError, _as_of

    with pytest.raises(DeskError) as err:
        _as_of(value)
    assert err.value.status == 422 and value in str(err.value) and words in str(err.value)


def test_the_api_starts_an_audit_for_a_slashed_date_and_refuses_an_unknown_unit(tmp_path):
    from _desk_server import running_desk
    from browser import make_fixture_store

    store = make_fixture_store(tmp_path / "store.gpkg")
    data = Path(_ledger(tmp_path / "台账.csv", NO_UNIT, ROWS)).read_bytes()
    with running_desk(store) as url, httpx.Client(base_url=url, timeout=120) as client:
        token = re.search(r'name="dcf-write-token" content="([^"]+)"', client.get("/layers").text).group(1)
        headers = {"X-DCF-Token": token, "Origin": url}
        ok = client.post("/api/audit/idle", files={"parcels": ("台账.csv", data)},
                         data={"as_of": "2025/12/31", "area_unit": "公顷"}, headers=headers)
        assert ok.status_code == 202, ok.text
        bad = client.post("/api/audit/idle", files={"parcels": ("台账.csv", data)},
                          data={"as_of": "2025/12/31", "area_unit": "斤"}, headers=headers)
        assert bad.status_code == 422 and "面积单位" in bad.json()["error"]
        page = client.get("/audit").text
        assert 'id="area-unit"' in page and "公顷" in page


def test_the_dask_engine_reads_remarks_alike_and_never_infers_a_unit_from_one_partition(tmp_path):
    # 第八条/第十四条 as in the single engine; a partition's values are not the ledger's: no unit inferred from them
    import geopandas as gpd

    g = gpd.GeoDataFrame({"宗地编号": ["A1", "A2", "A3"], "土地用途": ["工业用地"] * 3, "约定开工日期": ["2023-04-01"] * 3,
                          "实际开工日期": ["", "", ""], "土地价款": [180, 180, 180], "面积": ["20000", "6667", "3000"],
                          "备注": [SENTENCE, "受政府规划调整影响，暂缓开工", ""]},
                         geometry=[shapely.Point(115.98, 36.45)] * 3, crs=4490)
    g.to_file(tmp_path / "宗地.gpkg")
    single = dcf.audit_idle(str(tmp_path / "宗地.gpkg"), as_of=AS_OF)
    big = dcf.audit_idle(str(tmp_path / "宗地.gpkg"), as_of=AS_OF, engine="dask", out=tmp_path / "dask")
    frame = pd.read_parquet(tmp_path / "dask" / "idle_audit.parquet")
    assert frame["status"].tolist() == single.frame["status"].tolist() == ["idle", "idle_reclaim", "idle_reclaim"]
    assert "需核实" in str(frame["problems"].iloc[1])
    assert single.frame["area_mu"].round(1).tolist() == [30.0, 10.0, 4.5]    # the whole ledger: only m² fits
    assert frame["area_mu"].isna().all()
    assert any("分区计算时不按数值推断单位" in n for n in big.notes)
    assert sum("备注列中 1 条写有延期" in n for n in big.notes) == 1
