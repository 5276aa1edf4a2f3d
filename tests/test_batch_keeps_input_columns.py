"""A batch check writes back the office's own columns (序号、建设单位、经度、纬度、总投资 …) after the
result columns, so that the results can be joined to the office's list; a column named like a result
column is written as ``原表_<name>``; rows in = rows out; the row numbers are integers (issue 12/13
follow-up, a new user's findings). Fixture store and inputs are synthetic, made in tmp_path."""

from __future__ import annotations

import zipfile

import openpyxl
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli
from dcf_spatial.queries import check_batch

from test_batch_messages import IN_PARK
from test_site_check import build_fixture_store

RESULT_HEADS = ["记录序号", "表格行号", "项目名称", "核查状态", "无法核查的原因", "结论代码", "结论"]
OWN = ["序号", "原表_项目名称", "建设单位", "原表_行业", "经度", "纬度", "用地面积（亩）", "总投资（万元）", "备注", "原表_结论"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_fixture_store(tmp_path_factory.mktemp("batch_cols") / "s.gpkg")


@pytest.fixture()
def listing(tmp_path, store, monkeypatch):
    monkeypatch.setattr(settings, "store", store)
    monkeypatch.delenv("DCF_STORE", raising=False)
    lon, lat = IN_PARK
    csv = tmp_path / "清单.csv"
    csv.write_text("序号,项目名称,建设单位,行业,经度,纬度,用地面积（亩）,总投资（万元）,备注,结论\n"
                   f"1,合成项目甲,合成公司甲,轴承,{lon},{lat},50,20000,=HYPERLINK(\"http://x\"),自填甲\n"
                   f"2,合成项目乙,合成公司乙,,{lon},{lat},30,,,\n"
                   "3,合成项目丙,合成公司丙,轴承,,,,,,\n", encoding="utf-8")
    return csv


def _cli(store, *args):
    res = CliRunner().invoke(cli, ["--store", str(store), *map(str, args)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res


def _xlsx_rows(path):
    ws = openpyxl.load_workbook(path)["核查结果"]
    return [[c for c in row] for row in ws.iter_rows()]


def test_the_streamed_csv_appends_every_input_column_after_the_results(store, listing, tmp_path):
    out = tmp_path / "结果.csv"
    _cli(store, "site", "check", "--batch", listing, "-o", out)
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(table.columns[:7]) == RESULT_HEADS and list(table.columns[-len(OWN):]) == OWN
    assert len(table) == 3  # rows in = rows out
    assert table["序号"].tolist() == ["1", "2", "3"] and table["建设单位"].tolist() == ["合成公司甲", "合成公司乙", "合成公司丙"]
    assert table["原表_结论"].tolist() == ["自填甲", "", ""] and table["结论"].tolist()[2] == "无法核查"
    assert table["记录序号"].tolist() == ["1", "2", "3"] and table["表格行号"].tolist() == ["2", "3", "4"]
    assert table["用地面积（亩）"].tolist() == ["50", "30", ""] and table["总投资（万元）"].tolist()[0] == "20000"
    assert table["经度"].tolist()[0] == str(IN_PARK[0])
    assert table["备注"].tolist()[0].startswith("'=")  # formula-like text neutralised in CSV


def test_the_streamed_xlsx_and_to_table_write_the_same_columns_integers_and_text(store, listing, tmp_path):
    streamed, whole = tmp_path / "结果.xlsx", tmp_path / "to_table.xlsx"
    _cli(store, "site", "check", "--batch", listing, "-o", streamed)
    check_batch(listing, store=store).to_table(whole)
    for path in (streamed, whole):
        rows = _xlsx_rows(path)
        head = [c.value for c in rows[0]]
        assert head[:7] == RESULT_HEADS and head[-len(OWN):] == OWN, path
        assert len(rows) == 1 + 3, path
        first = dict(zip(head, rows[1]))
        # integers, not 1.0: as openpyxl (and any reader of the cell's text) sees them
        assert [type(dict(zip(head, r))["记录序号"].value) for r in rows[1:]] == [int] * 3, path
        assert first["表格行号"].value == 2 and type(first["表格行号"].value) is int, path
        assert first["序号"].value == 1 and type(first["序号"].value) is int, path
        assert first["建设单位"].value == "合成公司甲" and first["原表_结论"].value == "自填甲", path
        assert first["备注"].data_type == "s" and first["备注"].value.lstrip("'").startswith("=HYPERLINK"), path
    with zipfile.ZipFile(streamed) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")  # no formula cell


def test_gpkg_keeps_the_input_columns_in_both_writers(store, listing, tmp_path):
    streamed, whole = tmp_path / "结果.gpkg", tmp_path / "to_table.gpkg"
    _cli(store, "site", "check", "--batch", listing, "-o", streamed)
    check_batch(listing, store=store).to_table(whole)
    fields = [list(pyogrio.read_info(p, layer="site_check")["fields"]) for p in (streamed, whole)]
    assert fields[0] == fields[1]
    assert fields[0][-len(OWN):] == ["序号", "项目名称", "建设单位", "行业", "经度", "纬度", "用地面积（亩）",
                                     "总投资（万元）", "备注", "结论"]  # no clash with the English result columns
    got = pyogrio.read_dataframe(streamed, layer="site_check")
    assert len(got) == 3 and got["建设单位"].tolist() == ["合成公司甲", "合成公司乙", "合成公司丙"]


def test_to_frame_has_the_same_columns_as_the_streamed_file(store, listing, tmp_path):
    out = tmp_path / "结果.csv"
    _cli(store, "site", "check", "--batch", listing, "-o", out)
    frame = check_batch(listing, store=store).to_frame()
    assert list(frame.columns) == list(pd.read_csv(out).columns)
    assert frame["记录序号"].tolist() == [1, 2, 3] and frame["建设单位"].tolist()[2] == "合成公司丙"


def test_an_input_column_named_like_a_canonical_one_is_kept_under_its_own_name(store, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "store", store)
    lon, lat = IN_PARK
    csv = tmp_path / "sites.csv"
    csv.write_text(f"name,industry,lon,lat,owner\nA,轴承,{lon},{lat},合成公司甲\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    _cli(store, "site", "check", "--batch", csv, "-o", out)
    table = pd.read_csv(out, dtype=str)
    assert list(table.columns[-5:]) == ["name", "industry", "lon", "lat", "owner"]
    assert table.iloc[0][["name", "industry", "owner"]].tolist() == ["A", "轴承", "合成公司甲"]
