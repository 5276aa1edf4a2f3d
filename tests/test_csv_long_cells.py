"""A CSV cell longer than Python's csv limit (131,072 characters) (breaker B31-6).

It stopped the idle audit and `site check --batch` with a bare `_csv.Error` traceback, and the desk's job said
«不是上传数据的问题». Now a long cell is read (the workbook cuts it at Excel's 32,767 characters and says so; the
complete list keeps it), and one beyond the cap is a Chinese error naming the file, the row and the column — a
data problem on the desk.
"""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError
from dcf_spatial.io.csv_cells import CSV_CELL_MAX_CHARS

from _ledgers import write_ledger

AS_OF = "2025-12-31"
HEADER = ["宗地编号", "项目名称", "项目位置", "土地用途", "面积(亩)", "约定开工日期", "实际开工日期", "所属行业"]


def _ledger(path, name_chars: int, *, before: int = 1):
    rows = [[f"A{i}", "轴承项目", "郑家镇", "工业用地", 10, "2020-01-01", "2020-03-01", "轴承"] for i in range(before)]
    rows.append(["L1", "长" * name_chars, "郑家镇", "工业用地", 10, "2020-01-01", "2020-03-01", "轴承"])
    return write_ledger(path, rows, header=HEADER)


def test_a_200000_character_cell_is_read_and_the_workbook_says_it_was_cut(tmp_path):
    src = _ledger(tmp_path / "台账.csv", 200_000)
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(src), "--as-of", AS_OF, "-o", str(tmp_path / "o"),
                                   "--no-map"])
    assert res.exit_code == 0, res.output
    listed = pd.read_excel(tmp_path / "o" / "idle_audit.xlsx", sheet_name="宗地清单", header=1, engine="openpyxl")
    cell = str(listed["项目名称"].iloc[1])
    assert len(cell) <= 32_767 and cell.endswith("以下已截断）")
    notes = pd.read_excel(tmp_path / "o" / "idle_audit.xlsx", sheet_name="说明", engine="openpyxl").iloc[:, 0]
    assert notes.astype(str).str.contains("超过 Excel 单元格上限").any()
    complete = pd.read_parquet(tmp_path / "o" / "idle_audit.parquet")
    assert complete["project_name"].str.len().max() == 200_000
    batch = CliRunner().invoke(cli, ["site", "check", "--batch", str(src), "-o", str(tmp_path / "b.xlsx")])
    assert batch.exit_code == 0, batch.output
    assert (tmp_path / "b.xlsx").exists()


@pytest.mark.parametrize("before", [1, 40])   # in the lines read for the header, and below them
def test_a_cell_beyond_the_cap_is_named_by_file_row_and_column(tmp_path, before):
    src = _ledger(tmp_path / "台账.csv", CSV_CELL_MAX_CHARS + 1, before=before)
    line = f"第 {before + 2} 行"   # the header on line 1
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(src), "--as-of", AS_OF, "-o", str(tmp_path / "o"),
                                   "--no-map"])
    assert res.exit_code != 0 and isinstance(res.exception, SystemExit), res.output
    assert "Traceback" not in res.output and "_csv.Error" not in res.output
    assert "台账.csv" in res.output and line in res.output and "“项目名称”列" in res.output
    assert "引号" in res.output
    assert not (tmp_path / "o").exists()
    batch = CliRunner().invoke(cli, ["site", "check", "--batch", str(src), "-o", str(tmp_path / "b.xlsx")])
    assert isinstance(batch.exception, SystemExit), batch.output
    assert line in batch.output and "“项目名称”列" in batch.output and "Traceback" not in batch.output
    with pytest.raises(InputError, match=line):
        dcf.audit_idle(str(src), as_of=AS_OF)


def test_the_desk_calls_it_a_data_problem(tmp_path, desk):
    src = _ledger(tmp_path / "台账.csv", CSV_CELL_MAX_CHARS + 1)
    from test_desk_api import _wait

    r = desk.post("/api/audit/idle", files={"parcels": ("台账.csv", src.read_bytes())}, data={"as_of": AS_OF})
    assert r.status_code == 202, r.text
    job = _wait(desk, r.json()["url"])
    assert job["status"] == "failed"
    assert "不是上传数据的问题" not in job["error"] and "内部错误" not in job["error"]
    assert "第 3 行" in job["error"] and "项目名称" in job["error"]
