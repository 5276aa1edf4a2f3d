"""One parcel, one count, in every summary (breaker round F8L).

Written from the README (闲置土地): "A parcel id given on several rows (compared as the enterprise side
matches ids: `0007` = `7`, spaces, full-width characters and case ignored) is listed on every row (column
计入汇总); the totals — 宗数, 面积, 闲置费, 低效用地 and a firm's 宗地面积合计 — count it once, on its first row".
The fee is 《闲置土地处置办法》（国土资源部令第53号，2012）第十四条第（一）项: 未动工开发满一年的，按照土地出让或者
划拨价款的百分之二十征缴土地闲置费.
"""

from __future__ import annotations

import json
import time

import httpx
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli
from dcf_spatial.land.efficiency import parcel_key
from dcf_spatial.land.idle_audit import reclaim_counts, status_counts, summarize
from dcf_spatial.land.parcels import parcel_id_keys

from _desk_server import running_desk
from test_idle_ledger_lines import AS_OF, _ledger, _row

#: one parcel written four ways: twice as typed, lower case with a trailing space, full-width
SAME = ["3715022019B00001", "3715022019B00001", "3715022019b00001 ", "３７１５０２２０１９Ｂ００００１"]


def _rows():
    # agreed start 2021-01-01, not started by 2025-06-30: 满两年未动工开发 (idle_reclaim, 第十四条第（二）项)
    return ([_row(pid, mu="30", price="100") for pid in SAME]
            + [_row("3715022019B00002", mu="10", price="20"),
               _row("3715022019B00003", mu="5", price="50", actual="2021-03-01")])  # started in time: normal


@pytest.fixture
def ledger(tmp_path):
    return _ledger(tmp_path / "台账.csv", _rows())


def test_ids_differing_in_case_spaces_and_width_are_one_parcel_counted_once(ledger):
    res = dcf.audit_idle(str(ledger), as_of=AS_OF)
    frame = res.frame
    assert len(frame) == 6  # every row listed
    assert frame["duplicate_id"].tolist() == [True] * 4 + [False] * 2
    assert frame["in_totals"].tolist() == [True, False, False, False, True, True]
    table = summarize(frame)
    assert table["total"].sum() == 3  # not 6
    assert table["area_mu"].sum() == pytest.approx(45.0)  # 30 + 10 + 5, not 135
    # all 满两年 (第十四条第（二）项): no fee total; their prices said apart, counted once: 100 + 20 万元, not 420
    assert table["fee_wan"].sum() == 0
    assert reclaim_counts(frame)["reclaim_price_wan"] == pytest.approx(120.0)
    assert res.counts["idle_reclaim"] == 2 and res.counts["normal"] == 1
    assert res.rows_by_status["idle_reclaim"] == 5 and sum(res.rows_by_status.values()) == 6


#: the characters ids differ by (zeros, digits and letters full-width, case, blanks, dashes, ligatures), and
#: any other character but a lone surrogate (no text a file holds)
_ID_CHARS = st.sampled_from(list("0０7７bBｂＢ- \u3000\u00a0\t-－ßﬁ٣İ")) | st.characters(blacklist_categories=("Cs",))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=_ID_CHARS, max_size=8) | st.none(), max_size=12))
def test_the_duplicate_key_is_the_enterprise_sides_key_for_arrow_and_object_ids(ids):
    import pyarrow as pa

    want = parcel_key(pd.Series(ids, dtype=object)).astype(object)
    want = want.where(want.notna(), None).tolist()
    for s in (pd.Series(ids, dtype=object), pd.Series(pd.arrays.ArrowStringArray(pa.array(ids, type=pa.string())))):
        got = parcel_id_keys(s).astype(object)
        assert got.where(got.notna(), None).tolist() == want


def _cli(args):
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res


def test_single_dask_and_desk_count_each_parcel_once(ledger, tmp_path, cluster):
    base = ["audit", "idle", "--parcels", str(ledger), "--as-of", AS_OF, "--no-map"]
    single = json.loads(_cli(base + ["-o", str(tmp_path / "s"), "--json"]).stdout)
    dask = json.loads(_cli(base + ["-o", str(tmp_path / "d"), "--engine", "dask", "--scheduler", cluster,
                                   "--partitions", "2", "--json"]).stdout)
    written = json.loads((tmp_path / "d" / "idle_audit_summary.json").read_text(encoding="utf-8"))
    text = _cli(base + ["-o", str(tmp_path / "d2"), "--engine", "dask", "--scheduler", cluster,
                        "--partitions", "2"]).stdout
    want = {"idle_reclaim": 2, "normal": 1}
    rows = {"idle_reclaim": 5, "normal": 1}
    for got in (single, dask, written):
        assert {k: v for k, v in got["counts"].items() if v} == want
        assert {k: v for k, v in got["rows_by_status"].items() if v} == rows
    # the dask CLI's per-status line: 2 宗 and 40 亩, as the single CLI and the workbook
    line = next(x for x in text.splitlines() if "疑似闲置满两年" in x)
    assert " 2 宗" in line and "40.0 亩" in line, line
    with running_desk(None) as url, httpx.Client(base_url=url, timeout=120) as c:
        r = c.post("/api/audit/idle", files={"parcels": ("台账.csv", ledger.read_bytes())}, data={"as_of": AS_OF})
        assert r.status_code == 202, r.text
        for _ in range(900):  # polls until the job ends (no time limit is asserted)
            job = c.get(r.json()["url"]).json()
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.2)
    assert job["status"] == "done", job
    assert {k: v for k, v in job["summary"]["counts"].items() if v} == want
    assert {k: v for k, v in job["summary"]["rows_by_status"].items() if v} == rows


def test_status_counts_keep_footer_rows_and_drop_repeats():
    a = pd.DataFrame({"status": ["idle", "idle", "normal", "not_a_parcel", "not_a_parcel"],
                      "in_totals": [True, False, True, False, False]})
    once, every = status_counts(a), status_counts(a, rows=True)
    assert (once["idle"], once["normal"], once["not_a_parcel"]) == (1, 1, 2)
    assert (every["idle"], every["not_a_parcel"]) == (2, 2)
    assert status_counts(pd.DataFrame({"status": ["idle"]}))["idle"] == 1  # no in_totals column: every row


def test_an_efficiency_reason_without_year_names_the_audit_dates_year():
    from dcf_spatial.land.efficiency import classify
    from dcf_spatial.land.parcels import validate_enterprises

    e = validate_enterprises(pd.DataFrame({
        "credit_code": [None] * 3, "name": ["甲", "乙", "丙"], "above_scale": ["是"] * 3,
        "land_area_mu": [20.0, 30.0, 40.0], "tax_wan": [10, 20, 30], "revenue_wan": [100, 200, 300]}))
    reasons = classify(e, as_of="2025-12-31")["eff_reason"].tolist()
    assert all("在审计基准日所在年度（2025）" in r for r in reasons), reasons
    assert not any("未填年度）年度" in r for r in reasons)
    mixed = validate_enterprises(pd.DataFrame({
        "credit_code": [None] * 2, "name": ["甲", "乙"], "above_scale": ["是"] * 2, "land_area_mu": [20.0, 30.0],
        "tax_wan": [10, 20], "revenue_wan": [100, 200], "year": [2025, None]}))
    out = classify(mixed, as_of="2025-12-31")
    # the row without 年度 is the 2025 evaluation: ranked with the 2025 row, not alone
    assert out["evaluated_n"].tolist() == [2, 2]
    assert "在2025年度" in out["eff_reason"].iloc[0]


def test_low_efficiency_land_and_a_firms_area_count_the_parcel_once(ledger, tmp_path):
    ent = tmp_path / "企业.csv"
    pd.DataFrame({"统一社会信用代码": [""], "企业名称": ["甲公司"], "是否规上": ["是"], "税收（万元）": [10],
                  "营业收入（万元）": [100], "宗地编号": ["3715022019b00001"]}).to_csv(ent, index=False)
    res = dcf.audit_efficiency(str(ent), parcels=str(ledger), as_of=AS_OF)
    town = res.summaries["按镇街"]
    assert town["parcels"].sum() == 3 and town["area_mu"].sum() == pytest.approx(45.0)
    assert town["idle_area_mu"].sum() == pytest.approx(40.0)  # 30 + 10 亩 闲置, not 100
    assert town["low_area_mu"].sum() == pytest.approx(40.0)
    assert res.frame["land_area_mu"].tolist() == [pytest.approx(30.0)]  # the firm's 宗地面积合计: once
