"""A 供地台账 as the bureau keeps it (QA round 11, F4, F5, F13.6): a merged title row above the header,
a 合计 row and a 制表人/审核人 footer below the records, the ledger's 项目名称, 供地方式 and 合同签订日期.

Written from what the clerk should see. The README (闲置土地): a 合计 row and footers are 非宗地行,
listed and "count in no total" — so they are no 需核实补正 record either: 问题记录 holds only the real
problem, the 非宗地行 are named once (原表行号 and why), and every input row still has a status. Clerks find a
供地 record by its 项目名称: the lists carry it beside the parcel id. 原表行号 are Excel's own line numbers,
and the 说明 says on which line the header is (line 2 under a title row, not a fixed line 1).
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli

AS_OF = "2025-12-31"
HEADER = ["序号", "电子监管号", "项目名称", "项目位置", "受让人", "面积(公顷)", "土地用途", "供地方式", "成交价格(万元)",
          "合同签订日期", "约定开工时间", "实际开工时间", "约定竣工时间"]
FOOTER = "制表人：张三      审核人：李四      填表日期：2025年1月5日"
# line 1 the title, line 2 the header: the records are lines 3-5, the 合计 row line 6, the footer line 7
RECORDS = [
    # started on time: 正常
    [1, "3715022019B00123", "年产500万套轴承项目", "郑家镇", "聊城某轴承有限公司", 3.3333, "工业用地", "挂牌出让", 600,
     "2019-03-01", "2019-09-01", "2019-10-15", "2021-09-01"],
    # not started two years after the agreed start: 疑似闲置满两年 (第二条) — an outcome, not a data problem
    [2, "3715022020B00456", "汽车零部件扩建项目", "郑家镇", "聊城某汽配有限公司", 2, "工业用地", "拍卖出让", 360,
     "2020-05-10", "2020-11-10", None, "2022-11-10"],
    # started 609 days after the agreed start: 逾期动工, the one record on 问题记录 (to check the 闲置费)
    [3, "3715022022B01011", "新材料项目", "嘉明经济开发区", "某新材料公司", 4, "工业用地", "挂牌出让", 720,
     "2022-06-01", "2022-12-01", "2024-08-01", "2024-12-01"],
]
TOTAL = ["合计", None, None, None, None, 9.3333, None, None, 1680, None, None, None, None]
LATE_LINE, TOTAL_LINE, FOOTER_LINE = 5, 6, 7


def _ledger(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2019-2023供地"
    ws.append(["东昌府区2019—2023年工业用地供地结果台账"] + [None] * (len(HEADER) - 1))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(HEADER)
    for row in RECORDS:
        ws.append(row)
    ws.append(TOTAL)
    ws.append([FOOTER] + [None] * (len(HEADER) - 1))
    wb.save(path)
    return path


def _sheet(path, name) -> pd.DataFrame:
    """A list sheet as the clerk reads it: the note line above, the header on line 2."""
    return pd.read_excel(path, sheet_name=name, header=1, engine="openpyxl")


def _notes(path) -> list[str]:
    return [str(v) for v in pd.read_excel(path, sheet_name="说明", engine="openpyxl").iloc[:, 0].dropna()]


def _check_workbook(xlsx):
    problems = _sheet(xlsx, "问题记录")
    # only the real problem: not the 合计 row, not the footer
    assert problems["原表行号"].tolist() == [LATE_LINE]
    assert problems["宗地代码"].tolist() == ["3715022022B01011"]   # the data-correction list names it by its id
    listed = _sheet(xlsx, "宗地清单")
    # nothing lost: every input line has a status, the 非宗地行 theirs
    assert listed["原表行号"].tolist() == [3, 4, 5, TOTAL_LINE, FOOTER_LINE]
    status = dict(zip(listed["原表行号"], listed["审计结论"]))
    assert status[TOTAL_LINE] == status[FOOTER_LINE] == "非宗地行（合计/表尾）"
    # the ledger's identifying columns beside the parcel id, as the ledger has them
    cols = list(listed.columns)
    assert cols[:3] == ["原表行号", "宗地代码", "项目名称"]
    assert listed["项目名称"].tolist()[:3] == ["年产500万套轴承项目", "汽车零部件扩建项目", "新材料项目"]
    assert listed["供地方式（原表）"].tolist()[:3] == ["挂牌出让", "拍卖出让", "挂牌出让"]
    assert listed["合同签订日期"].astype(str).tolist()[:3] == ["2019-03-01", "2020-05-10", "2022-06-01"]
    # 问题记录 is a data-correction list (issue 13's decision): its few columns, the full row in 宗地清单
    from test_idle_audit import CORRECTION_COLUMNS

    assert [c for c in problems.columns] == [c for c in CORRECTION_COLUMNS if c in problems.columns]
    assert {"原表行号", "宗地代码", "审计结论", "数据问题", "逾期动工提示", "下一步"} <= set(problems.columns)
    assert not {"项目名称", "供地方式（原表）", "合同签订日期"} & set(problems.columns)
    notes = "\n".join(_notes(xlsx))
    assert "问题记录表列出 1 条" in notes
    # the 非宗地行 named once, by line and why
    assert f"原表第 {TOTAL_LINE} 行（序号“合计”，合计行）" in notes
    assert f"原表第 {FOOTER_LINE} 行（序号“制表人：张三 审核人：李四 填表日期：2025年1月5日”，表尾）" in notes
    assert "不列入问题记录" in notes
    # 原表行号: the header's actual line, under the title row
    assert "表头在第 2 行，记录自第 3 行起" in notes
    assert "表头为第 1 行" not in notes


def test_the_cli_sends_the_clerk_to_the_real_problem_only(tmp_path):
    src = _ledger(tmp_path / "供地台账.xlsx")
    out = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(src), "--as-of", AS_OF, "-o", str(tmp_path / "out"),
                                   "--no-map"])
    assert out.exit_code == 0, out.output
    assert "需核实补正的记录 1 条（有数据问题 1 条、数据不足 0 条" in out.output
    assert "输入 5 行（其中 3 宗地、2 行非宗地行（合计/表尾））" in out.output
    assert f"原表第 {TOTAL_LINE} 行（序号“合计”，合计行）" in out.output
    _check_workbook(tmp_path / "out" / "idle_audit.xlsx")


def test_the_api_frame_and_complete_list(tmp_path):
    from dcf_spatial.land.outputs import console_counts, rejected_rows

    src = _ledger(tmp_path / "供地台账.xlsx")
    res = dcf.audit_idle(str(src), as_of=AS_OF, out=tmp_path / "out", map=False)
    frame = res.frame
    assert len(frame) == 5
    footers = frame[frame["status"] == "not_a_parcel"]
    assert footers["row"].tolist() == [TOTAL_LINE, FOOTER_LINE]
    # their reason says what they are; no data problem, no row to correct
    assert "“合计”是表格的合计行" in str(footers["reason_zh"].iloc[0])
    assert (footers["problems"].astype(str) == "").all()
    assert frame.loc[rejected_rows(frame), "row"].tolist() == [LATE_LINE]
    counts = console_counts(frame)
    assert (counts["to_check"], counts["problems"], counts["not_a_parcel"]) == (1, 1, 2)
    assert res.counts["not_a_parcel"] == 2 and sum(res.counts.values()) == 5
    # the complete list (GeoParquet and GeoPackage) carries the project names too
    import geopandas as gpd

    for f in ("idle_audit.parquet", "idle_audit.gpkg"):
        done = gpd.read_parquet(tmp_path / "out" / f) if f.endswith("parquet") else gpd.read_file(tmp_path / "out" / f)
        assert done["project_name"].tolist()[:3] == ["年产500万套轴承项目", "汽车零部件扩建项目", "新材料项目"]
        assert "contract_date" in done.columns and "supply_type_original" in done.columns
    _check_workbook(tmp_path / "out" / "idle_audit.xlsx")


def test_the_desk_job_result_counts_the_footers_apart(desk, tmp_path):
    from test_desk_audit_labels import _run_job
    from test_idle_labels import AS_OF as JOB_AS_OF

    assert JOB_AS_OF == AS_OF   # the job's audit date, the same as the other tests'
    src = _ledger(tmp_path / "供地台账.xlsx")
    job = _run_job(desk, "供地台账.xlsx", src.read_bytes())
    s = job["summary"]
    assert s["counts"]["not_a_parcel"] == 2
    assert any(f"原表第 {TOTAL_LINE} 行（序号“合计”，合计行）" in n and "不列入问题记录" in n for n in s["notes"])
    assert not any(row.get("status") == "not_a_parcel" for row in s.get("needs_action", []))
    names = [d["name"] for d in job["downloads"]]
    xlsx = tmp_path / "desk.xlsx"
    xlsx.write_bytes(desk.get(job["downloads"][next(i for i, n in enumerate(names) if n.endswith(".xlsx"))]["url"]).content)
    _check_workbook(xlsx)


def test_the_dask_engine_lists_the_same(tmp_path, cluster):
    src = _ledger(tmp_path / "供地台账.xlsx")
    res = dcf.audit_idle(str(src), as_of=AS_OF, engine="dask", out=tmp_path / "d", scheduler=cluster, partitions=2,
                         map=False)
    assert res.to_dict()["console"]["to_check"] == 1
    # the partitions' files read back as one list (序号: numbers in one, “合计” in another, written as text)
    assert sorted(res.frame["row"].tolist()) == [3, 4, LATE_LINE, TOTAL_LINE, FOOTER_LINE]
    _check_workbook(tmp_path / "d" / "idle_audit.xlsx")


@pytest.mark.parametrize("title_rows, header_line", [(0, 1), (1, 2), (2, 3)])
def test_the_row_number_note_says_the_header_line(tmp_path, title_rows, header_line):
    lines = [f"东昌府区供地台账（第 {i + 1} 行标题）\n" for i in range(title_rows)]
    src = tmp_path / "台账.csv"
    src.write_text("".join(lines) + "宗地代码,约定动工日期,实际动工日期,地类编码,经度,纬度\n"
                   "A1,2020-01-01,,0601,115.98,36.45\n", encoding="utf-8")
    res = dcf.audit_idle(str(src), as_of=AS_OF)
    assert res.frame["row"].tolist() == [header_line + 1]
    assert any(f"表头在第 {header_line} 行，记录自第 {header_line + 1} 行起" in n for n in res.notes)


def test_the_enterprise_tables_row_number_note_says_the_header_line_too(tmp_path):
    files = dcf.write_sample(tmp_path / "sample", parcels=20, seed=4, imagery=False)
    text = open(files["enterprises"], encoding="utf-8-sig").read()
    src = tmp_path / "企业.csv"
    src.write_text("东昌府区亩产效益评价企业表\n" + text, encoding="utf-8")
    res = dcf.audit_efficiency(str(src))
    assert res.frame["row"].iloc[0] == 3
    assert any("原表行号" in n and "表头在第 2 行，记录自第 3 行起" in n for n in res.notes)
