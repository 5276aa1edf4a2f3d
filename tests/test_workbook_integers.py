"""Counts read back as integers from every workbook: the idle audit's, the 亩产效益 one's (both
engines) and the site batch's, opened with openpyxl as a user's script would."""

from __future__ import annotations

import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from dcf_spatial import sample, settings
from dcf_spatial.land import audit_efficiency, audit_idle, outputs

from test_idle_audit import make_land_store, parcel_frame
from test_efficiency import firms

AS_OF = "2024-06-01"
#: list columns that count or number things (empty where the row has none)
LIST_COUNTS = ("原表行号", "年度", "年度组内排名", "年度组内参评企业数", "表格行号", "记录序号")


def _sheets(path):
    """{sheet: (header, rows)}; the header is the first row naming two or more columns (a sheet may
    start with a one-line note); a one-column sheet (说明) is left out."""
    out = {}
    for ws in openpyxl.load_workbook(path, read_only=True).worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        at = next((i for i, r in enumerate(rows) if sum(isinstance(v, str) for v in r) >= 2), None)
        if at is not None:
            out[ws.title] = (rows[at], rows[at + 1:])
    return out


def _count_columns(sheet, header):
    """The columns of ``header`` that hold counts: on a summary every column but the first and the
    areas (亩) and money (万元); on a list the row numbers, years, ranks and group sizes."""
    if sheet.startswith(("汇总", "低效用地")):
        return [j for j, h in enumerate(header) if j and "亩" not in h and "万元" not in h and h != "状态代码"]
    return [j for j, h in enumerate(header) if h in LIST_COUNTS]


def assert_counts_are_int(path, *, must=()):
    seen = set()
    for sheet, (header, rows) in _sheets(path).items():
        for j in _count_columns(sheet, header):
            values = [r[j] for r in rows if r[j] is not None]
            bad = [v for v in values if type(v) is not int]
            assert not bad, f"{path.name} {sheet} {header[j]}: {bad[:3]}"
            if values:
                seen.add((sheet, header[j]))
    assert set(must) <= seen, set(must) - seen


@pytest.fixture(scope="module")
def land_store(tmp_path_factory):
    return make_land_store(tmp_path_factory.mktemp("land") / "store.gpkg")


def test_idle_workbook_counts_are_integers(land_store, tmp_path):
    rows = [{"agreed_start": "2020-01-01"}, {"agreed_start": "2020-01-01", "parcel_id": "T000"},
            {"agreed_start": "2024-01-01"}, {"agreed_start": None}, {"agreed_start": "bad"}]
    res = audit_idle(parcel_frame(rows), out=tmp_path / "o", as_of=AS_OF, store=land_store, map=False)
    assert_counts_are_int(res.files["excel"], must=[("汇总_按状态", "宗地数"), ("汇总_按镇街", "宗地数合计"),
                                                    ("汇总_按镇街", "其中已下达认定书宗数"), ("宗地清单", "原表行号"),
                                                    ("问题记录", "原表行号")])
    # areas stay as they were (floats); only integer columns are rewritten
    header, body = _sheets(res.files["excel"])["汇总_按状态"]
    assert type(body[0][header.index("面积（亩）")]) is float


def test_efficiency_workbook_counts_are_integers(land_store, tmp_path):
    raw = firms(20).drop(columns=["row", "problems", "duplicate_id", "credit_code_valid"])
    parcels = parcel_frame([{"agreed_start": "2019-01-01", "actual_start": "2019-02-01",
                             "credit_code": raw["credit_code"].iloc[0]},
                            {"agreed_start": "2020-01-01", "credit_code": raw["credit_code"].iloc[-1]}])
    res = audit_efficiency(raw, out=tmp_path / "o", parcels=parcels, as_of=AS_OF, store=land_store, map=False)
    assert_counts_are_int(res.files["excel"], must=[("汇总_按分类", "A类"), ("汇总_按分类", "合计"),
                                                    ("汇总_按镇街", "T类"), ("企业清单", "年度"),
                                                    ("企业清单", "年度组内参评企业数"), ("企业清单", "原表行号"),
                                                    ("低效用地_按镇街", "宗地数"), ("低效用地_按镇街", "低效用地宗数")])


def test_batch_workbooks_counts_are_integers(tmp_path, monkeypatch):
    from dcf_spatial.queries import check_batch, check_batch_to_file
    from test_scale_outputs import _batch_csv
    from test_site_check import build_fixture_store

    store = build_fixture_store(tmp_path / "store.gpkg")
    monkeypatch.setattr(settings, "store", store)
    src = _batch_csv(tmp_path)
    whole = check_batch(src, store=store).to_table(tmp_path / "whole.xlsx")
    check_batch_to_file(src, tmp_path / "chunked.xlsx", store=store, chunk_rows=2)
    for path in (whole, tmp_path / "chunked.xlsx"):
        assert_counts_are_int(path, must=[("核查结果", "表格行号"), ("核查结果", "记录序号")])


def test_integer_columns_are_rewritten_past_column_z(tmp_path):
    frame = pd.DataFrame({f"c{j}": np.arange(3, dtype=float) + 0.5 for j in range(27)})
    frame["n"] = np.arange(3, dtype=np.int64)  # column AB
    frame["m"] = pd.array([1, None, 3], dtype="Int64")  # column AC
    with outputs._workbook(tmp_path / "x.xlsx") as book:
        book.add("表", frame, header_note="说明一行")
    header, rows = _sheets(tmp_path / "x.xlsx")["表"]
    assert [r[header.index("n")] for r in rows] == [0, 1, 2]
    assert [type(r[header.index("n")]) for r in rows] == [int] * 3
    assert [r[header.index("m")] for r in rows] == [1, None, 3] and type(rows[0][header.index("m")]) is int
    assert [type(r[0]) for r in rows] == [float] * 3 and rows[1][0] == 1.5
    assert [r[26] for r in rows] == [0.5, 1.5, 2.5]
    assert zipfile.ZipFile(tmp_path / "x.xlsx").testzip() is None


def test_a_long_sheet_keeps_the_values(tmp_path, monkeypatch):
    monkeypatch.setattr(outputs, "INTEGER_REWRITE_MAX_ROWS", 2)
    with outputs._workbook(tmp_path / "x.xlsx") as book:
        book.add("长", pd.DataFrame({"n": np.arange(5, dtype=np.int64), "名": list("甲乙丙丁戊")}))
        book.add("短", pd.DataFrame({"n": np.arange(2, dtype=np.int64), "名": list("甲乙")}))
    sheets = _sheets(tmp_path / "x.xlsx")
    assert [r[0] for r in sheets["长"][1]] == [0, 1, 2, 3, 4]  # the same numbers (written 0.0 … by the writer)
    assert [type(r[0]) for r in sheets["短"][1]] == [int, int]


def test_dask_workbooks_counts_are_integers(cluster, tmp_path):
    parcels = sample.generate_parcels(300, seed=5)
    ents = sample.generate_enterprises(parcels, seed=5)
    par_dir = tmp_path / "par"
    par_dir.mkdir()
    for i, idx in enumerate(np.array_split(np.arange(len(parcels)), 3)):
        parcels.iloc[idx].to_parquet(par_dir / f"p{i}.parquet")
    res = audit_idle(par_dir, out=tmp_path / "idle", engine="dask", as_of="2025-12-31", scheduler=cluster)
    assert_counts_are_int(res.files["excel"], must=[("汇总_按状态", "宗地数"), ("汇总_按镇街", "宗地数合计")])
    ent_dir = tmp_path / "ent"
    ent_dir.mkdir()
    for i, idx in enumerate(np.array_split(np.arange(len(ents)), 2)):
        ents.iloc[idx].to_parquet(ent_dir / f"e{i}.parquet")
    res = audit_efficiency(ent_dir, out=tmp_path / "eff", engine="dask", parcels=par_dir, as_of="2025-12-31",
                           scheduler=cluster)
    assert_counts_are_int(res.files["excel"], must=[("汇总_按分类", "合计"), ("企业清单", "年度"),
                                                    ("低效用地_按镇街", "宗地数")])
