"""亩产效益 on dask says of every enterprise row what the single engine says, word for word.

A hostile ledger (bad and duplicate credit codes, a 用地面积 of 0 with and without parcels, text in a
number, a 投产年份 after the audit date, a veto, ids typed differently from the parcel table, several
ids in one cell, an id the parcels lack, a 所在镇街 other than the parcel's) is audited by both engines
on a real LocalCluster (the ``cluster`` fixture); the per-row notes are compared row by row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dcf_spatial.land import audit_efficiency, codes
from dcf_spatial.land import dask as dengine

from test_idle_audit import make_land_store, parcel_frame

AS_OF = "2025-12-31"
#: the per-row notes and the facts they are made from
NOTE_COLUMNS = ("row", "credit_code", "problems", "data_errors", "eff_class", "eff_reason", "parcel_link_zh",
                "matched_parcel_ids", "zone_source", "township_zh", "cluster_zh", "land_area_source", "duplicate_id")


def _firm(i, parcel_id, township, **over):
    return {"统一社会信用代码": codes.make_credit_code("371502", f"HN{i:06d}"), "企业名称": f"聊城市对照{i}有限公司",
            "所在镇街": township, "宗地编号": parcel_id, "用地面积(亩)": 40.0 + i, "税收(万元)": 12.0 * i,
            "营业收入(万元)": 310.0 * i, "是否规上": "是" if i % 2 else "否", "投产年份": 2016, "年度": 2024,
            "重大安全环保事故": "否", **over}


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    store = make_land_store(tmp / "store.gpkg")
    parcels = parcel_frame([
        {"parcel_id": "0012", "agreed_start": "2019-01-01", "actual_start": "2019-03-01"},
        {"parcel_id": "DCF2018-005", "agreed_start": "2019-01-01"},                      # idle
        {"parcel_id": "ＤＣＦ2020-003", "agreed_start": "2020-06-01", "actual_start": "2020-09-01"},
        {"parcel_id": "A-1", "agreed_start": "2018-01-01", "actual_start": "2018-05-01"},
        {"parcel_id": "A-2", "agreed_start": "2018-01-01", "actual_start": "2018-05-01"},
        {"parcel_id": "B-7", "agreed_start": "2018-01-01", "actual_start": "2018-05-01"},
    ])
    dup = codes.make_credit_code("371502", "HN000099")
    firms = [
        _firm(1, 12, "乙镇"),                                    # id typed as a number; 所在镇街 not the parcel's
        _firm(2, " dcf2018-005 ", "甲镇", 重大安全环保事故="是"),  # veto → D
        _firm(3, "DCF2020-003", " 甲镇 ", **{"用地面积(亩)": 0}),  # full-width in the ledger; 0 亩 → parcels' sum
        _firm(4, "DCF2099-999", "丙镇"),                          # an id the parcels lack
        _firm(5, None, "侯营镇", **{"用地面积(亩)": 0}),           # 0 亩 and no parcel: 数据有误
        _firm(6, "A-1、A-2", "郑家镇"),                           # two ids in one cell; 郑家镇 ≠ 甲镇
        _firm(7, "B-7", None, 投产年份=2030),                     # 投产年份 after the audit date
        _firm(8, None, "甲镇", **{"税收(万元)": "约五十"}),         # text in a number
        _firm(9, None, "甲镇", 统一社会信用代码="91371502MA3C00000X"),  # check digit wrong
        _firm(10, None, "乙镇", 统一社会信用代码=dup),
        _firm(11, None, "乙镇", 统一社会信用代码=dup),             # duplicate credit code, kept
        *[_firm(i, None, "乙镇") for i in range(12, 30)],          # peers to rank against
    ]
    ent = pd.DataFrame(firms)
    ent_path = tmp / "企业亩产.csv"
    ent.to_csv(ent_path, index=False, encoding="utf-8-sig")
    par_path = tmp / "宗地.gpkg"
    parcels.to_file(par_path, driver="GPKG")
    return {"ent": ent_path, "parcels": par_path, "store": store, "tmp": tmp}


def _rows(frame, columns=NOTE_COLUMNS):
    out = frame.reset_index(drop=True)[list(columns)].astype(object)
    return [dict(zip(columns, (None if not isinstance(v, str) and pd.isna(v) else v for v in r)))
            for r in out.itertuples(index=False)]


def _same_rows(a, b):
    assert len(a) == len(b) == 29
    for x, y in zip(a, b):
        assert x == y, {k: (x[k], y[k]) for k in x if x[k] != y[k]}


@pytest.fixture(scope="module")
def single(ledger):
    return audit_efficiency(ledger["ent"], parcels=ledger["parcels"], as_of=AS_OF, store=ledger["store"],
                            out=ledger["tmp"] / "single", map=False).frame


def test_dask_notes_equal_the_single_engines_row_by_row(ledger, single, cluster):
    audit_efficiency(ledger["ent"], parcels=ledger["parcels"], as_of=AS_OF, store=ledger["store"],
                     out=ledger["tmp"] / "dask", engine="dask", scheduler=cluster, partitions=3, map=False)
    got, _ = dengine.read_efficiency_result(ledger["tmp"] / "dask")
    _same_rows(_rows(single), _rows(got))
    # the ledger is hostile enough to mean something: every kind of note is there
    problems = "\n".join(str(p) for p in single["problems"])
    for said in ("企业填报镇街「乙镇」与宗地所在「甲镇」不一致，按宗地计", "企业填报镇街「郑家镇」与宗地所在「甲镇」不一致",
                 "用地面积填报为 0", "投产年份", "重复"):
        assert said in problems, said
    assert "「 甲镇 」" not in problems  # the spaces a clerk typed are no difference


def test_dask_notes_equal_across_enterprise_partitions(ledger, single, cluster):
    # the ledger in three parquet files: the duplicated credit code (rows 10, 11) spans two of them,
    # and a firm's rank peers lie in the others; a parquet record is numbered from 1 (a table line from 2), so
    # ``row`` is compared apart
    folder = ledger["tmp"] / "ent_parts"
    folder.mkdir()
    table = pd.read_csv(ledger["ent"], dtype="string", encoding="utf-8-sig")
    for i, idx in enumerate(np.array_split(np.arange(len(table)), 3)):
        table.iloc[idx].to_parquet(folder / f"e{i}.parquet")
    audit_efficiency(folder, parcels=ledger["parcels"], as_of=AS_OF, store=ledger["store"],
                     out=ledger["tmp"] / "dask_parts", engine="dask", scheduler=cluster, map=False)
    got, _ = dengine.read_efficiency_result(ledger["tmp"] / "dask_parts")
    columns = [c for c in NOTE_COLUMNS if c != "row"]
    _same_rows(_rows(single, columns), _rows(got, columns))
    assert got["row"].tolist() == (single["row"] - 1).tolist()


def test_dask_notes_a_firms_own_township_other_than_its_parcels(ledger, cluster):
    audit_efficiency(ledger["ent"], parcels=ledger["parcels"], as_of=AS_OF, store=ledger["store"],
                     out=ledger["tmp"] / "dask2", engine="dask", scheduler=cluster, map=False)
    got, _ = dengine.read_efficiency_result(ledger["tmp"] / "dask2")
    got = got.set_index("row")
    first = got.iloc[0]
    assert first["township_zh"] == "甲镇" and first["zone_source"] == "宗地位置"
    assert "企业填报镇街「乙镇」与宗地所在「甲镇」不一致，按宗地计" in first["problems"]
