"""QA round 10: a planning office's project list and land ledger, on the desk (the real app over HTTP)
and on the command line, as the user saw them.

- a list whose industry column is headed 所属行业 is read with each row's own industry; the batch page's
  「行业」 box only fills rows without one (it never overrides the column), and a column the tool does not
  recognise is a Chinese 422 with the CLI's explanation worded for the page — never a 500;
- a sheet picked by the user is named in the notes (读取工作表“X”（按所选）) and in the download's name;
- a picked sheet that is no list (填表说明, 封面) is refused naming the sheets that are;
- the list's 合计 row is counted apart (非项目行), never as 无法核查 nor 位置不明.

The workbooks are built here (synthetic projects at the shipped layers' 郑家镇工业集聚区, 115.75,36.455).
"""

from __future__ import annotations

import io
import time
from urllib.parse import unquote

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

HEADER = ["序号", "项目名称", "建设单位", "所属行业", "经度", "纬度", "建设地点", "用地面积(亩)"]
ROWS_2025 = [
    [1, "精密轴承项目", "某轴承公司", "轴承", 115.75, 36.455, None, 50],
    [2, "水泥粉磨站", "某建材公司", "水泥", 115.75, 36.455, None, 40],
    [3, "行业待定项目", "某公司", None, 115.75, 36.455, None, 10],
    [4, "冷链物流中心", "某农业公司", "冷库", None, None, "沙镇镇", 30],
    [None, "合计", None, None, None, None, None, 130],
]
ROWS_2026 = [[1, "智能装备项目", "某装备公司", "轴承", 115.75, 36.455, None, 100]]


def _workbook(path, industry_header="所属行业"):
    """填表说明 (text only) / 2025年 (a title row above the header, a 合计 row) / 2026年, as offices send them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "填表说明"
    for line in (["项目清单 填表说明"], ["1. 经度、纬度请填写CGCS2000经纬度"], ["填表单位：发展和改革局", None, "联系人：张三"]):
        ws.append(line)
    header = [industry_header if h == "所属行业" else h for h in HEADER]
    ws = wb.create_sheet("2025年")
    ws.append(["2025年拟建项目清单"])
    ws.append(header)
    for r in ROWS_2025:
        ws.append(r)
    ws = wb.create_sheet("2026年")
    ws.append(header)
    for r in ROWS_2026:
        ws.append(r)
    wb.save(path)
    return path


def _bytes(tmp_path, name="项目清单.xlsx", **kw) -> bytes:
    return _workbook(tmp_path / name, **kw).read_bytes()


def _batch(desk, data: bytes, name="项目清单.xlsx", **fields):
    return desk.post("/api/site-check/batch", files={"file": (name, data)}, data=fields)


def _download_name(response) -> str:
    disposition = response.headers["content-disposition"]
    return unquote(disposition.split("filename*=UTF-8''", 1)[1])


def _inputs(body) -> list:
    return [(r.get("industry") or {}).get("input") for r in body["results"]]


# ---- Finding 3: 所属行业, the 「行业」 box, an unrecognised column ------------------------------------------


def test_a_list_headed_suoshu_hangye_is_checked_row_by_row_on_the_desk(desk, tmp_path):
    r = _batch(desk, _bytes(tmp_path))
    assert r.status_code == 200, r.text
    body = r.json()
    # 5 rows in, 5 out; each project with its own industry; the row without one says so
    assert len(body["results"]) == 5
    assert _inputs(body)[:2] == ["轴承", "水泥"] and _inputs(body)[3] == "冷库"
    assert body["results"][0]["verdict_zh"] == "符合"
    assert "没有行业" in body["results"][2]["error"]


def test_the_industry_box_fills_only_rows_without_one_and_the_answer_says_so(desk, tmp_path):
    r = _batch(desk, _bytes(tmp_path), industry="餐饮")
    assert r.status_code == 200, r.text
    body = r.json()
    # the column is not overridden: the bearing and the cement plant keep theirs; the blank row takes the box's
    assert _inputs(body)[:4] == ["轴承", "水泥", "餐饮", "冷库"]
    notes = "\n".join(body["read_notes"])
    assert "1 行行业为空，按「行业」栏所填的 餐饮 核查（其他行按文件中的行业列）" in notes
    assert "--industry" not in notes and "没有可识别的行业列" not in notes


def test_the_batch_page_says_what_the_industry_box_is_for(desk):
    page = desk.get("/batch").text
    assert "行业（用于行业为空的行）" in page and "不覆盖已填的行业" in page


def test_an_unrecognised_industry_column_is_a_chinese_422_worded_for_the_page(desk, tmp_path):
    r = _batch(desk, _bytes(tmp_path, "主营清单.xlsx", industry_header="主营"), name="主营清单.xlsx")
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert "服务器内部错误" not in error
    # the CLI's explanation: the file, what is missing, the file's own columns, the column that looks like one
    assert error.startswith("主营清单.xlsx：表头中没有可识别的行业列")
    assert "表中的列：序号、项目名称、建设单位、主营、经度、纬度、建设地点、用地面积(亩)。" in error
    assert "列“主营”的内容像行业（如 轴承、水泥、冷库）" in error
    # the fixes the page offers: rename in the file, or the 「行业」 box — no option, no Python
    assert "请在文件中把该列改名为 行业 后重新上传" in error and "「行业」栏" in error
    for word in ("--field", "--industry", "field_map", "default_industry", "/tmp"):
        assert word not in error


def test_a_guessed_industry_column_is_named_when_the_box_checks_every_row(desk, tmp_path):
    r = _batch(desk, _bytes(tmp_path, "主营清单.xlsx", industry_header="主营"), name="主营清单.xlsx", industry="轴承")
    assert r.status_code == 200, r.text
    notes = "\n".join(r.json()["read_notes"])
    assert "文件中没有可识别的行业列，全部 4 行按「行业」栏所填的 轴承 核查" in notes
    assert "列“主营”的内容像行业" in notes and "把该列改名为 行业 后重新上传" in notes


def test_the_cli_reads_suoshu_hangye_without_a_field_map(tmp_path):
    from dcf_spatial.cli.main import cli

    path = _workbook(tmp_path / "项目清单.xlsx")
    out = CliRunner().invoke(cli, ["site", "check", "--batch", str(path), "--industry", "餐饮", "--json"])
    assert out.exit_code == 0, out.output
    import json

    rows = json.loads(out.stdout)
    assert [(r.get("industry") or {}).get("input") for r in rows][:4] == ["轴承", "水泥", "餐饮", "冷库"]
    assert "1 行行业为空，按 --industry 餐饮 核查" in out.stderr


# ---- Finding 6 and 7: the sheet picked --------------------------------------------------------------------


def test_a_picked_sheet_is_named_in_the_notes_and_the_download(desk, tmp_path):
    r = _batch(desk, _bytes(tmp_path), sheet="2026年")
    assert r.status_code == 200, r.text
    body = r.json()
    assert "读取工作表“2026年”（按所选）" in body["read_notes"]
    got = desk.get(body["xlsx_url"])
    assert got.status_code == 200 and _download_name(got) == "核查结果_项目清单_2026年.xlsx"
    notes = pd.read_excel(io.BytesIO(got.content), sheet_name="数据说明", header=None).astype(str)
    assert notes.apply(lambda col: col.str.contains("读取工作表“2026年”（按所选）", regex=False)).any().any()
    # the sheet chosen automatically is in the name too, so a 2025 and a 2026 result stay apart
    auto = desk.post("/api/site-check/batch?format=xlsx", files={"file": ("项目清单.xlsx", _bytes(tmp_path))})
    assert _download_name(auto) == "核查结果_项目清单_2025年.xlsx"


def test_picking_the_instructions_sheet_names_the_sheets_that_are_lists(desk, tmp_path):
    r = _batch(desk, _bytes(tmp_path), sheet="填表说明")
    assert 400 <= r.status_code < 500, r.text
    error = r.json()["error"]
    assert error.startswith("项目清单.xlsx：所选工作表“填表说明”不像项目清单（无定位列、无行业列；表头：")
    assert "像项目清单的工作表：“2025年”、“2026年”" in error and "「工作表」栏" in error
    assert "只有表头" not in error and "--layer" not in error


def test_the_cli_names_the_picked_sheet_and_refuses_the_instructions_sheet(tmp_path):
    from dcf_spatial.cli.main import cli

    path = _workbook(tmp_path / "项目清单.xlsx")
    out_file = tmp_path / "结果.xlsx"
    out = CliRunner().invoke(cli, ["site", "check", "--batch", str(path), "--layer", "2026年", "-o", str(out_file)])
    assert out.exit_code == 0, out.output
    assert "读取说明：读取工作表“2026年”（按所选）" in out.stderr
    bad = CliRunner().invoke(cli, ["site", "check", "--batch", str(path), "--layer", "填表说明"])
    assert bad.exit_code == 2
    assert "所选工作表“填表说明”不像项目清单" in bad.output and "请用 --layer 2025年" in bad.output


# ---- Finding 9: the 合计 row -------------------------------------------------------------------------------


def test_the_total_row_is_counted_apart_on_the_desk(desk, tmp_path):
    body = _batch(desk, _bytes(tmp_path), industry="餐饮").json()
    assert body["counts"].get("非项目行") == 1 and "无法核查" not in body["counts"]
    assert sum(body["counts"].values()) == 5
    total = body["results"][4]
    assert total["not_project"] is True and total["error"].startswith("非项目行（合计/表尾）")
    notes = "\n".join(body["read_notes"])
    assert "1 行无坐标（其中 1 行为合计行或表尾，不是项目，不定位）" in notes or \
        "2 行无坐标（其中 1 行为合计行或表尾，不是项目，不定位）" in notes
    assert "1 行地名无法识别" not in notes


def test_the_cli_summary_counts_the_total_row_apart(tmp_path):
    from dcf_spatial.cli.main import cli

    path = _workbook(tmp_path / "项目清单.xlsx")
    out_file = tmp_path / "结果.xlsx"
    out = CliRunner().invoke(cli, ["site", "check", "--batch", str(path), "--industry", "餐饮", "-o", str(out_file)])
    assert out.exit_code == 0, out.output
    assert "共 5 行（其中 4 个项目、1 行非项目行），与输入相同，无一遗漏。" in out.stdout
    assert "非项目行：1 条" in out.stdout and "无法核查" not in out.stdout
    table = pd.read_excel(out_file, sheet_name="核查结果")
    assert table["结论"].tolist()[-1] == "非项目行"


# ---- the ledger: the audit's 工作表 box ---------------------------------------------------------------------


def _ledger(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "封面"
    ws.append(["国有建设用地供应台账"])
    ws.append(["编制单位：自然资源局"])
    ws = wb.create_sheet("供地台账")
    ws.append(["宗地编号", "受让单位", "坐落", "面积(亩)", "合同约定动工日期", "实际动工日期", "土地用途"])
    ws.append(["DCF2019-001", "某轴承公司", "郑家镇工业集聚区", 52.3, "2019-06-30", "2019-09-01", "工业用地"])
    ws.append(["DCF2020-002", "某机械公司", "郑家镇", 30, "2021-03-01", None, "工业用地"])
    wb.save(path)
    return path.read_bytes()


def _audit(desk, data: bytes, sheet: str) -> dict:
    r = desk.post("/api/audit/idle", files={"parcels": ("供地台账.xlsx", data)},
                  data={"as_of": "2025-12-31", "sheet": sheet})
    assert r.status_code == 202, r.text
    for _ in range(900):  # polls until the job ends (no time limit is asserted)
        job = desk.get(r.json()["url"]).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    pytest.fail("the audit job did not end")


def test_the_audit_refuses_the_cover_sheet_and_names_the_picked_one(desk, tmp_path):
    data = _ledger(tmp_path / "供地台账.xlsx")
    job = _audit(desk, data, "封面")
    assert job["status"] == "failed"
    assert "所选工作表“封面”不像台账" in job["error"] and "像台账的工作表：“供地台账”" in job["error"]
    assert "宗地号" not in job["error"]
    job = _audit(desk, data, "供地台账")
    assert job["status"] == "done", job
    names = [d["name"] for d in job["downloads"]]
    assert "闲置土地审计_供地台账_供地台账.xlsx" in names
    book = desk.get(job["downloads"][names.index("闲置土地审计_供地台账_供地台账.xlsx")]["url"]).content
    notes = pd.read_excel(io.BytesIO(book), sheet_name="说明", header=None).astype(str)
    assert notes.apply(lambda col: col.str.contains("读取工作表“供地台账”（按所选）", regex=False)).any().any()


# ---- Finding 8: the page's words -------------------------------------------------------------------------


def test_a_bad_area_names_the_box_of_the_page(desk):
    r = desk.post("/api/site-check", json={"site": "115.75,36.455", "industry": "轴承", "area_mu": -5})
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "请求有误：用地面积（亩）（area_mu）：应不小于 0.0001（收到 -5）。"


def test_the_batch_notes_name_the_sheet_box_not_an_option(desk, tmp_path):
    notes = "\n".join(_batch(desk, _bytes(tmp_path)).json()["read_notes"])
    # the other list is named, with the fix in the page's words (brk12a: "另有工作表…如需读取请…")
    assert "如需读取请在「工作表」栏填写要读取的工作表名（如 “2026年”）" in notes
    assert "指定图层或工作表" not in notes
    # the columns the file has, in its own words (no location_method, place_*, industry)
    assert "location_method" not in notes and "→industry" not in notes and "所属行业（读作行业）" in notes


def test_a_mapped_industry_column_is_not_called_missing_in_the_sheet_note(tmp_path):
    from dcf_spatial.cli.main import cli

    path = _workbook(tmp_path / "主营清单.xlsx", industry_header="主营")
    out = CliRunner().invoke(cli, ["site", "check", "--batch", str(path), "--field", "industry=主营", "--json"])
    assert out.exit_code == 0, out.output
    note = next(line for line in out.stderr.splitlines() if "工作簿有 3 个工作表" in line)
    assert "读取“2025年”" in note and "无行业列" not in note


def test_an_error_built_from_keywords_keeps_its_type_when_worded_for_the_desk():
    """The 500 of QA round 10: re-wording IndustryColumnMissing called its keyword-only constructor."""
    from dcf_spatial.desk.wording import worded
    from dcf_spatial.queries.site.batch import IndustryColumnMissing

    exc = IndustryColumnMissing(path="/tmp/dcf-desk-1/upload.csv", what="表头中没有可识别的行业列。", columns=["主营"],
                                known="可识别的行业列名：行业。", guess=None, samples=[])
    out = worded(exc, names={"/tmp/dcf-desk-1/upload.csv": "清单.csv"})
    assert type(out) is IndustryColumnMissing and str(out).startswith("清单.csv：表头中没有可识别的行业列。")
    assert out.columns == ["主营"]
