"""QA round 9 (breaker's findings on reading ledgers and tables): long ids stored as numbers, the
sheet a workbook is read from, merged two-row headers, area cells and totals, place-name conflicts,
repeated ids with different areas, and a recorded audit stopped before its folder was complete.

The fixtures are written here with the columns of a 供地 ledger as clerks keep them (宗地编号, 电子监管号,
坐落/项目位置, 面积(亩), 约定开工日期, 实际开工日期). Place names are the plan's 镇（街道）
(第一章第一节 lists 郑家镇, 侯营镇, 闫寺街道 among the 14); the idle rules are those of
《闲置土地处置办法》（国土资源部令第53号）第二条 (unstarted a year after the agreed date).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import dcf_spatial.io as dcf_io
from dcf_spatial import settings
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import DcfError, InputError
from dcf_spatial.io.aliases import area_numbers
from dcf_spatial.land import audit_idle
from dcf_spatial.land.outputs import area_total_text, status_rows, status_table
from _workbooks import write_book as _book

HEADER = ["宗地编号", "受让单位", "坐落", "土地用途", "面积(亩)", "约定开工日期", "实际开工日期"]
ROW_A = ["DCF-1", "甲公司", "郑家镇", "工业用地", 10, "2019-01-01", None]
ROW_B = ["DCF-2", "乙公司", "沙镇镇", "工业用地", 20, "2019-03-01", None]


# --- 1. long ids -------------------------------------------------------------------------------------

def test_long_id_stored_as_a_number_in_xlsx_is_refused_naming_rows_and_fix(tmp_path):
    # 371502100001234567 and …568 typed as numbers: the file holds the same rounded double for both
    path = _book(tmp_path / "ids.xlsx", {"台账": [["电子监管号", "项目位置", "面积(公顷)"],
                                                [371502100001234567, "郑家镇", 1],
                                                [371502100001234568, "沙镇镇", 2]]})
    with pytest.raises(InputError) as exc:
        dcf_io.read_table(path, aliases="parcels")
    msg = str(exc.value)
    assert "电子监管号" in msg and "第 2、3 行" in msg and "设为文本" in msg
    assert "371502100001234624" not in msg  # no rounded id offered as if it were the id


def test_long_ids_kept_as_text_in_xlsx_read_exactly(tmp_path):
    path = _book(tmp_path / "ids.xlsx", {"台账": [["电子监管号", "项目位置", "面积(公顷)"],
                                                ["371502100001234567", "郑家镇", 1],
                                                ["371502100001234568", "沙镇镇", 2]]})
    df = dcf_io.read_table(path, aliases="parcels")
    assert df["parcel_id"].tolist() == ["371502100001234567", "371502100001234568"]


def test_short_numeric_ids_in_xlsx_still_read(tmp_path):
    # a 12-digit 宗地编号 stored as a number is exact (below 15 significant digits): read, as text
    path = _book(tmp_path / "ids.xlsx", {"台账": [["宗地编号", "坐落"], [371502105000, "郑家镇"], [None, "沙镇镇"]]})
    df = dcf_io.read_table(path, aliases="parcels")
    assert df["parcel_id"].tolist()[0] == "371502105000"


def test_long_ids_in_csv_exact_and_scientific_notation_refused(tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text("电子监管号,项目位置\n371502100001234567,郑家镇\n37150210000123456789012,沙镇镇\n", encoding="utf-8")
    assert dcf_io.read_table(plain, aliases="parcels")["parcel_id"].tolist() == [
        "371502100001234567", "37150210000123456789012"]
    # Excel saves an 18-digit number into a CSV as 3.71502E+17: two parcels would share it
    sci = tmp_path / "sci.csv"
    sci.write_text("电子监管号,项目位置\n3.71502E+17,郑家镇\n3.71502E+17,沙镇镇\n", encoding="utf-8")
    with pytest.raises(InputError, match="科学计数法") as exc:
        dcf_io.read_table(sci, aliases="parcels")
    assert "第 2、3 行" in str(exc.value) and "设为文本" in str(exc.value)


def test_long_numeric_id_in_ods_refused(tmp_path):
    pytest.importorskip("odf")
    path = tmp_path / "ids.ods"
    pd.DataFrame({"电子监管号": [371502100001234567.0, 371502100001234568.0], "坐落": ["郑家镇", "沙镇镇"]}).to_excel(
        path, index=False, engine="odf")
    with pytest.raises(InputError, match="设为文本"):
        dcf_io.read_table(path, aliases="parcels")


# --- 2. sheets -----------------------------------------------------------------------------------------

def test_hidden_first_sheet_is_skipped_and_said(tmp_path):
    path = _book(tmp_path / "h.xlsx", {"旧": [HEADER, ROW_B], "新": [HEADER, ROW_A]}, hidden={"旧"})
    df = dcf_io.read_table(path, aliases="parcels")
    assert df["parcel_id"].tolist() == ["DCF-1"]
    note = next(n for n in df.attrs["read_notes"] if "个工作表" in n)
    assert "读取“新”" in note and "“旧”（隐藏）" in note


def test_a_notes_sheet_first_is_skipped_for_the_ledger(tmp_path):
    path = _book(tmp_path / "s.xlsx", {"说明": [["本表为供地台账，单位亩"]], "台账": [HEADER, ROW_A, ROW_B]})
    df = dcf_io.read_table(path, aliases="parcels")
    assert df["parcel_id"].tolist() == ["DCF-1", "DCF-2"]
    note = next(n for n in df.attrs["read_notes"] if "个工作表" in n)
    assert "读取“台账”" in note and "“说明”（表头不含台账列名）" in note


def test_no_ledger_sheet_lists_the_sheets_and_how_to_pick(tmp_path):
    path = _book(tmp_path / "n.xlsx", {"说明": [["本表为供地台账"]], "附表": [["编号", "备注"], [1, "x"]]})
    with pytest.raises(InputError) as exc:
        dcf_io.read_table(path, aliases="parcels")
    msg = str(exc.value)
    assert "“说明”" in msg and "“附表”" in msg and "指定图层或工作表" in msg


def test_named_sheet_is_read_even_when_hidden(tmp_path):
    path = _book(tmp_path / "h.xlsx", {"旧": [HEADER, ROW_B], "新": [HEADER, ROW_A]}, hidden={"旧"})
    assert dcf_io.read_table(path, aliases="parcels", sheet="旧")["parcel_id"].tolist() == ["DCF-2"]


def test_cli_prints_which_sheet_was_read(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "store", settings.store)
    path = _book(tmp_path / "s.xlsx", {"说明": [["本表为供地台账，单位亩"]], "台账": [HEADER, ROW_A]})
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(path), "--as-of", "2025-12-31",
                                   "-o", str(tmp_path / "o"), "--no-map"])
    assert res.exit_code == 0, res.output
    assert "读取“台账”" in res.output and "“说明”" in res.output


# --- 3. merged two-row header and the missing-field message ------------------------------------------------

def test_merged_header_date_columns_are_recognised(tmp_path):
    path = _book(tmp_path / "m.xlsx", {"台账": [["宗地编号", "坐落", "面积(亩)", "开工日期", None],
                                              [None, None, None, "约定", "实际"],
                                              ["DCF-1", "郑家镇", 10, "2019-01-01", None]]})
    df = dcf_io.read_table(path, aliases="parcels")
    assert df.attrs["field_sources"]["agreed_start"] == "开工日期约定"
    assert df.attrs["field_sources"]["actual_start"] == "开工日期实际"


def test_missing_fields_error_lists_only_the_files_columns(tmp_path):
    csv = tmp_path / "l.csv"
    csv.write_text("宗地编号,坐落,面积(亩)\nDCF-1,郑家镇,10\n", encoding="utf-8")
    with pytest.raises(DcfError) as exc:
        audit_idle(str(csv), as_of="2025-12-31")
    msg = str(exc.value)
    assert "文件中的列：宗地编号, 坐落, 面积(亩)。" in msg
    for internal in ("location_method", "place_reason", "parcel_id,", "area_m2"):
        assert internal not in msg.split("文件中的列：")[1]


def test_desk_wording_names_a_recognised_chinese_column():
    from dcf_spatial.desk.wording import desk_wording

    text = desk_wording("宗地表缺少字段。请改列名，或用字段映射 agreed_start=<你的列名> 指定。")
    assert "把该列改名为 约定动工日期" in text and "agreed_start" not in text


# --- 4. area totals when no area is usable ---------------------------------------------------------------

def test_area_totals_say_area_unknown_not_zero():
    frame = pd.DataFrame({"status": ["idle_reclaim"] * 3, "area_mu": [np.nan, np.nan, np.nan], "fee_wan": [0.0] * 3})
    rows = status_rows(status_table(frame))
    row = rows[rows["status"] == "idle_reclaim"].iloc[0]
    assert row["area_unknown"] == 3
    assert area_total_text(row["area_mu"], row["area_unknown"], row["count"]) == "面积不明 3 宗"
    assert area_total_text(12.0, 1, 3) == "12.0 亩（另 1 宗面积不明）"


def test_cli_summary_of_ledger_without_usable_area(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "store", settings.store)
    csv = tmp_path / "l.csv"
    # a 面积 column without a unit is set aside (亩, 公顷 or ㎡ cannot be told): no parcel has an area
    csv.write_text("宗地编号,坐落,土地用途,面积,约定开工日期,实际开工日期\n"
                   "DCF-1,郑家镇,工业用地,10,2019-01-01,\nDCF-2,沙镇镇,工业用地,2,2019-01-01,\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(csv), "--as-of", "2025-12-31",
                                   "-o", str(tmp_path / "o"), "--no-map"])
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if "疑似闲置满两年" in x)
    assert "面积不明 2 宗" in line and "0.0 亩" not in line


# --- 5. place-name conflicts -----------------------------------------------------------------------------

def test_two_townships_in_one_address_say_both(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "store", settings.store)
    csv = tmp_path / "l.csv"
    csv.write_text("宗地编号,坐落,土地用途,面积(亩),约定开工日期,实际开工日期\n"
                   "DCF-1,郑家镇闫寺街道,工业用地,10,2019-01-01,\nDCF-2,郑家镇,工业用地,10,2019-01-01,\n"
                   "合计,,,20,,\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(csv), "--as-of", "2025-12-31",
                                   "-o", str(tmp_path / "o"), "--no-map"])
    assert res.exit_code == 0, res.output
    # the 合计 row is not a parcel: not counted under 位置不明
    assert "地名定位 1 宗，位置不明 1 宗（其中地名冲突 1 宗" in res.output, res.output
    book = pd.read_excel(tmp_path / "o" / "idle_audit.xlsx", sheet_name="宗地清单", header=1)
    method = book.set_index("宗地代码")["镇街归属方式"]
    assert method["DCF-1"].startswith("地名冲突：") and "郑家镇" in method["DCF-1"] and "闫寺街道" in method["DCF-1"]
    assert "地名无法识别" not in method["DCF-1"]


# --- 6. small findings -----------------------------------------------------------------------------------

def test_decimal_comma_and_text_nan_are_not_read_as_areas():
    nums, bad = area_numbers(pd.Series(["1,5", "1,500", "nan", None, "12,000.5"]), "mu")
    assert bad.tolist() == [True, False, True, False, False]
    assert nums.tolist()[1] == 1500.0 and nums.tolist()[4] == 12000.5


def test_ledger_rows_name_decimal_comma_and_duplicate_areas(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "store", settings.store)
    csv = tmp_path / "l.csv"
    csv.write_text("宗地编号,坐落,土地用途,面积(亩),约定开工日期,实际开工日期\n"
                   "DCF-1,郑家镇,工业用地,10,2019-01-01,\nDCF-1,郑家镇,工业用地,11,2019-01-01,\n"
                   "DCF-2,郑家镇,工业用地,\"1,5\",2019-01-01,\nDCF-3,郑家镇,工业用地,nan,2019-01-01,\n", encoding="utf-8")
    res = audit_idle(str(csv), as_of="2025-12-31")
    problems = dict(zip(res.frame["row"], res.frame["problems"].astype(str)))
    # ``row`` is the spreadsheet line (header on line 1)
    assert "10.00 亩、11.00 亩" in problems[2] and "10.00 亩、11.00 亩" in problems[3]
    assert "「1,5」无法确定是 1.5 还是 15" in problems[4]
    assert "「nan」是文字" in problems[5]
    # the repeated id counts once: 10 亩 (its first row), never 21
    assert res.frame.loc[res.frame["in_totals"].astype(bool), "area_mu"].sum() == pytest.approx(10.0)


def test_record_is_written_before_the_folder_is_complete(tmp_path, monkeypatch):
    """Killed between the two, the register and the folder agree: recorded first, manifest.json last;
    ``audit_history`` says what is left of a folder that was not finished."""
    from dcf_spatial.land import result as result_mod
    from dcf_spatial.register import audits
    from dcf_spatial.store import Store
    import shutil

    store = tmp_path / "store.gpkg"
    shutil.copy(settings.default_store, store)
    csv = tmp_path / "l.csv"
    csv.write_text("宗地编号,坐落,土地用途,面积(亩),约定开工日期,实际开工日期\nDCF-1,郑家镇,工业用地,10,2019-01-01,\n",
                   encoding="utf-8")
    seen = {}
    real = audits.record_audit

    def spy(result, *, store=None, folder=None):
        seen["manifest_then"] = (folder / "manifest.json").exists() if folder is not None else None
        return real(result, store=store, folder=folder)

    monkeypatch.setattr(audits, "record_audit", spy)
    out = tmp_path / "o"
    audit_idle(str(csv), as_of="2025-12-31", out=out, record=True, store=Store(store), map=False)
    assert seen["manifest_then"] is False and (out / "manifest.json").is_file()
    hist = audits.audit_history(store=Store(store))
    assert hist["文件夹状态"].tolist() == ["完整"]

    # a run stopped after its record, before its files: the history says the folder is not complete
    def stopped(self, *a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(result_mod.AuditResult, "write", stopped)
    (tmp_path / "o2").mkdir()  # the folder made, its files not yet moved in
    with pytest.raises(KeyboardInterrupt):
        audit_idle(str(csv), as_of="2025-12-31", out=tmp_path / "o2", record=True, store=Store(store), map=False)
    hist = audits.audit_history(store=Store(store))
    assert len(hist) == 2
    assert hist["文件夹状态"].iloc[1].startswith("不完整：没有 manifest.json")
