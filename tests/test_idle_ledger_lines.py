"""Ledgers as offices keep them (QA round 7, FA7): total rows and footers, dates that contradict each
other, ids written two ways, an "extension" before the agreed start, and the audit date.

Written from the README (闲置土地: "Every input parcel appears exactly once in the output; duplicates
and bad rows are reported, not merged or dropped"; "the totals … count it once"; "`0012` = `12`") and
from 《闲置土地处置办法》（国土资源部令第53号，2012）: 第二条 (idle: 满一年未动工开发 counted from the
agreed start), 第十二条第（一）项 (an extension 延长动工开发期限 — it moves the start later, and at most
one year).
"""

from __future__ import annotations

import json
from functools import partial

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError
from dcf_spatial.land import idle_audit
from dcf_spatial.land.idle_audit import parse_as_of, summarize
from dcf_spatial.land.parcels import validate_parcels

from _ledgers import write_ledger

AS_OF = "2025-06-30"
HEADER = ["宗地编号", "土地使用权人", "项目位置", "土地用途", "面积(亩)", "合同签订日期", "约定开工日期", "实际开工日期",
          "实际竣工日期", "延期至", "政府原因", "成交价格(万元)"]


#: a ledger of this file's columns (tests/_ledgers.py)
_ledger = partial(write_ledger, header=HEADER)


def _row(pid, holder="甲公司", mu="10", contract="", agreed="2021-01-01", actual="", done="", ext="", cause="",
         price="100", use="工业用地", where="郑家镇"):
    return [pid, holder, where, use, mu, contract, agreed, actual, done, ext, cause, price]


# --- 1. total rows and footers ---------------------------------------------------------------------

def test_a_total_row_and_footers_are_listed_as_not_parcels_and_counted_in_no_total(tmp_path):
    path = _ledger(tmp_path / "台账.csv", [
        _row("A1", mu="20"),
        _row("A2", holder="合计镇工业项目", mu="32.5"),          # a name that merely contains 合计: a parcel
        ["合计", "", "", "", "52.5", "", "", "", "", "", "", "200"],  # the clerk's own total: 52.5 亩 again
        ["制表人：张三", "审核人：李四", "", "", "", "", "", "", "", "", "", ""],
        ["", "填表日期：2025-01-01", "", "", "", "", "", "", "", "", "", ""],
        ["注：面积单位为亩", "", "", "", "", "", "", "", "", "", "", ""],
    ])
    res = dcf.audit_idle(str(path), as_of=AS_OF)
    frame = res.frame
    assert len(frame) == 6  # nothing lost: every input row has a status
    assert frame["status"].tolist() == ["idle_reclaim", "idle_reclaim"] + ["not_a_parcel"] * 4
    assert frame["in_totals"].tolist() == [True, True, False, False, False, False]
    skipped = frame[frame["status"] == "not_a_parcel"]
    assert set(skipped["status_zh"]) == {"非宗地行（合计/表尾）"}
    assert "“合计”是表格的合计行" in skipped["reason_zh"].astype(str).iloc[0]
    assert "“制表人：张三”是表格的表尾" in skipped["reason_zh"].astype(str).iloc[1]
    assert "填表日期：2025-01-01" in skipped["reason_zh"].astype(str).iloc[2]
    assert skipped["fee_wan"].isna().all()
    # the totals: 20 + 32.5 亩, two parcels, both due for reclaim (第十四条第（二）项): no fee total, and the
    # prices of the two parcels only (100 万元 each; not the 合计 row's 200)
    table = summarize(frame)
    assert table["total"].sum() == 2
    assert table["area_mu"].sum() == pytest.approx(52.5)
    assert table["fee_wan"].sum() == 0
    assert idle_audit.reclaim_counts(frame)["reclaim_price_wan"] == pytest.approx(200.0)
    assert res.counts["not_a_parcel"] == 4
    assert any("合计行或表尾" in n for n in res.notes)
    # no "宗地代码为空" or "约定动工日期缺失" noise on a footer: its reason alone
    assert not skipped["problems"].astype(str).str.contains("宗地代码为空").any()


def test_a_real_id_beside_a_total_word_stays_a_parcel_but_a_total_id_with_a_date_does_not():
    # breaker B31-13 (session 31): a total or subtotal is 非宗地行 by its label, whatever else the row
    # carries (a per-town 小计 repeats a use and dates); a real parcel id keeps the row a parcel
    gdf = gpd.GeoDataFrame({"parcel_id": ["合计", "B7"], "holder": [None, "小计"],
                            "agreed_start": ["2021-01-01", None], "actual_start": [None, None],
                            "land_use_code": ["0601", None]},
                           geometry=[shapely.box(409000, 4035000, 409100, 4035100)] * 2, crs=4548)
    data = validate_parcels(gdf)
    assert data["not_a_parcel"].tolist() == [True, False]


# --- 2. dates that contradict each other -------------------------------------------------------------

def test_contract_after_the_starts_and_completion_before_the_start_are_named_and_the_status_kept(tmp_path):
    rows = [_row("C1", contract="2023-05-01", agreed="2022-01-01", actual="2021-06-01"),
            _row("C2", agreed="2020-06-01", actual="2020-07-01", done="2019-06-01"),
            _row("C3", contract="2020-01-01", agreed="2020-06-01", actual="2020-07-01", done="2022-01-01")]
    got = dcf.audit_idle(str(_ledger(tmp_path / "a.csv", rows)), as_of=AS_OF).frame
    plain = [r[:5] + [""] + r[6:8] + [""] + r[9:] for r in rows]  # the same rows without the two checked dates
    ref = dcf.audit_idle(str(_ledger(tmp_path / "b.csv", plain)), as_of=AS_OF).frame
    assert got["status"].tolist() == ref["status"].tolist()
    p = got["problems"].astype(str).tolist()
    assert "合同签订日期 2023-05-01 晚于“约定开工日期”（约定动工日期） 2022-01-01" in p[0]
    assert "合同签订日期 2023-05-01 晚于“实际开工日期”" in p[0] and "2021-06-01" in p[0]
    assert "实际竣工日期 2019-06-01 早于“实际开工日期”" in p[1] and "2020-07-01" in p[1]
    assert p[2] == ""
    # 实际竣工日期 is read (no longer named among the unused columns)
    data = dcf.audit_idle(str(_ledger(tmp_path / "c.csv", rows)), as_of=AS_OF)
    unused = [n for n in data.notes if "未使用" in n]
    assert not any("实际竣工日期" in n or "合同签订日期" in n for n in unused)


# --- 3. ids written differently ---------------------------------------------------------------------

def test_ids_0007_and_7_are_one_parcel_counted_once(tmp_path):
    path = _ledger(tmp_path / "台账.csv", [_row("0007", mu="10"), _row("7", mu="30"), _row("0008", mu="5")])
    frame = dcf.audit_idle(str(path), as_of=AS_OF).frame
    assert frame["duplicate_id"].tolist() == [True, True, False]
    assert frame["in_totals"].tolist() == [True, False, True]
    assert "“0007、7”按同一宗地代码计" in frame["problems"].astype(str).iloc[1]
    assert summarize(frame)["area_mu"].sum() == pytest.approx(15.0)


# --- 4. an "extension" that ends before the agreed start ---------------------------------------------

def test_an_extension_before_the_agreed_start_is_flagged_and_the_reason_names_the_date_used(tmp_path):
    got = dcf.audit_idle(str(_ledger(tmp_path / "a.csv", [
        _row("E1", agreed="2021-06-01", ext="2021-03-01", cause="是")])), as_of=AS_OF).frame
    ref = dcf.audit_idle(str(_ledger(tmp_path / "b.csv", [_row("E1", agreed="2021-06-01", cause="是")])),
                         as_of=AS_OF).frame
    assert got["status"].tolist() == ref["status"].tolist() == ["excused"]
    reason = str(got["reason_zh"].iloc[0])
    assert "经批准延期至2021-03-01（自该日起算）" not in reason
    assert "自约定动工日期 2021-06-01 起算" in reason
    # 第二条: one and two full years from the agreed start (the later date), not from 2021-03-01
    assert "满两年之日为2023-06-01" in reason
    problem = str(got["problems"].iloc[0])
    assert "2021-03-01 早于" in problem and "2021-06-01" in problem and "第十二条" in problem


# --- 5. the audit date ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["9999-12-31", "1989-12-31", "2030-01-01"])
def test_an_audit_date_out_of_range_is_refused(value):
    with pytest.raises(ValueError, match="审计基准日"):
        parse_as_of(value, today=pd.Timestamp("2026-01-10"))


def test_an_audit_date_within_range_is_taken():
    assert parse_as_of("2026-12-31", today=pd.Timestamp("2026-01-10")) == pd.Timestamp("2026-12-31")
    assert parse_as_of("1990-01-01", today=pd.Timestamp("2026-01-10")) == pd.Timestamp("1990-01-01")
    with pytest.raises(InputError):
        parse_as_of("2025-02-30")


@pytest.mark.parametrize("value", ["2025-12-31T00:00+08:00", "2025-12-31 23:30:00+08:00",
                                   pd.Timestamp("2025-12-31 08:00", tz="Asia/Shanghai"), "２０２５－１２－３１",
                                   "31/12/2025", "12/31/2025"])
def test_an_audit_date_with_a_time_zone_or_in_full_width_digits_is_its_own_day(value):
    # breaker B31b-3 (a zone gave a TypeError, HTTP 500 on the desk) and B31b-11 (full-width digits refused)
    assert parse_as_of(value, today=pd.Timestamp("2026-01-10")) == pd.Timestamp("2025-12-31")


@pytest.mark.parametrize("value", ["03/04/2025", "01/02/2025", "03.04.2025"])
def test_an_audit_date_whose_day_and_month_may_be_either_way_is_refused(value):
    # breaker B31b-5: 03/04/2025 was silently 4 March, a clerk writing 日/月 meant 3 April
    with pytest.raises(InputError, match="日和月次序不明") as err:
        parse_as_of(value, today=pd.Timestamp("2026-01-10"))
    assert "YYYY-MM-DD" in str(err.value)


def test_the_cli_audits_to_the_day_of_a_zoned_audit_date(tmp_path):
    path = _ledger(tmp_path / "台账.csv", [_row("A1")])
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(path), "--as-of", "2025-12-31T00:00+08:00",
                                   "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "基准日 2025-12-31" in res.output


def test_the_cli_refuses_a_placeholder_audit_date_naming_the_option(tmp_path):
    path = _ledger(tmp_path / "台账.csv", [_row("A1")])
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(path), "--as-of", "9999-12-31", "-o", str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    assert "--as-of" in res.output and "9999-12-31" in res.output and "晚于今天" in res.output


def test_an_audit_date_before_most_agreed_starts_is_warned_of(tmp_path):
    path = _ledger(tmp_path / "台账.csv", [_row("A1", agreed="2021-01-01"), _row("A2", agreed="2022-01-01")])
    early = dcf.audit_idle(str(path), as_of="1990-01-01")
    assert any("早于 2 宗中 2 宗的约定动工日期" in n for n in early.notes)
    assert not any("请核实审计基准日" in n for n in dcf.audit_idle(str(path), as_of=AS_OF).notes)


def test_the_desk_refuses_an_audit_date_out_of_range():
    from dcf_spatial.desk.routes.api import DeskError, _as_of

    with pytest.raises(DeskError) as err:
        _as_of("9999-12-31")
    assert err.value.status == 422 and "审计基准日" in str(err.value)


# --- the site batch -----------------------------------------------------------------------------------

def test_a_batch_total_row_and_footer_are_not_projects(tmp_path):
    from dcf_spatial.store import catalog

    park = catalog.read_layer("cluster_parks").set_index("id").loc["park.zhengjia.bearing"]
    p = park.geometry.representative_point()
    path = tmp_path / "项目清单.csv"
    pd.DataFrame([["合计镇轴承项目", p.x, p.y, "轴承", 50], ["合计", None, None, None, 50], ["制表人：张三", None, None, None, None]],
                 columns=["项目名称", "经度", "纬度", "行业", "用地面积(亩)"]).to_csv(path, index=False, encoding="utf-8-sig")
    res = CliRunner().invoke(cli, ["site", "check", "--batch", str(path), "--json"])
    assert res.exit_code == 0, res.output
    results = json.loads(res.stdout)
    assert len(results) == 3
    assert results[0]["status"] == "ok"
    assert results[1]["status"] == results[2]["status"] == "error"
    assert "“合计”，是表格的合计行" in results[1]["error"] and "不是一个项目" in results[1]["error"]
    assert "表尾" in results[2]["error"]


def test_the_id_key_is_the_same_for_arrow_text_and_python_objects():
    import numpy as np
    import pyarrow as pa

    from dcf_spatial.land.efficiency import parcel_key
    from dcf_spatial.land.parcels import parcel_id_keys

    ids = ["0007", "7", "000", " ｄｃｆ 2019－001 ", "DCF2019-001", "a\u3000b", "x\u00a0y", "", " ", None, "0012a", "１２",
           "0\u2028012"]
    arrow = pd.Series(pd.arrays.ArrowStringArray(pa.array(ids, type=pa.string())))
    got = parcel_id_keys(arrow).astype(object).where(lambda s: s.notna(), None).tolist()
    want = parcel_key(pd.Series(ids, dtype=object)).astype(object).where(lambda s: s.notna(), None).tolist()
    assert got == want
    assert got[:3] == ["7", "7", "0"] and got[3] == got[4] == "DCF2019-001" and got[11] == "12"
    assert np.asarray(parcel_id_keys(pd.Series(ids, dtype=object)).isna()).tolist() == [v is None for v in want]


def test_the_desk_takes_a_zoned_audit_date_as_its_day():
    # breaker B31b-3: POST /api/audit/idle with as_of=2025-12-31T00:00+08:00 answered HTTP 500
    from dcf_spatial.desk.routes.api import _as_of

    assert _as_of("2025-12-31T00:00+08:00") == "2025-12-31"
