"""A new user's QA (qa_user FINDINGS F6, F12): the desk's idle-audit results name the files as the user
downloads them, speak no code terms, and show each parcel's 项目名称.

F6: the 说明 sheet of ``闲置土地审计_供地台账.xlsx`` said the complete list was in ``idle_audit.parquet`` /
``idle_audit.gpkg`` (the names in a CLI output folder, none of the four downloads) and showed ``gpkg=True``.
"""

from __future__ import annotations

import io
import re

import pandas as pd

from test_desk_qa10_lists import _audit, _ledger

FILE_NAME = re.compile(r"[\w\-（）]+\.(?:parquet|gpkg|xlsx|html)")


def test_the_workbook_and_the_page_name_the_downloaded_files_and_no_code_terms(desk, tmp_path):
    job = _audit(desk, _ledger(tmp_path / "供地台账.xlsx"), "供地台账")
    assert job["status"] == "done", job
    names = [d["name"] for d in job["downloads"]]
    book = desk.get(job["downloads"][names.index("闲置土地审计_供地台账_供地台账.xlsx")]["url"]).content
    notes = pd.read_excel(io.BytesIO(book), sheet_name="说明", header=None).astype(str)
    sheet_text = "\n".join(notes[0])
    for text in (sheet_text, "\n".join(job["summary"]["notes"])):
        assert "完整清单（每宗一行，含图形）在 闲置土地审计_供地台账_供地台账_完整清单.parquet" in text, text
        named = {m for m in FILE_NAME.findall(text) if not m.startswith("供地台账.")}   # the upload itself
        assert named and named <= set(names), (named, names)
        assert "gpkg=True" not in text and "idle_audit" not in text and "geopandas" not in text


def test_the_parcels_to_act_on_carry_their_project_name(desk, tmp_path):
    """F12: a ledger with 项目名称 and no 使用权人 listed anonymous rows in 需处置或核实的宗地."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "供地台账"
    ws.append(["电子监管号", "项目名称", "项目位置", "面积(亩)", "土地用途", "约定开工时间", "实际开工时间"])
    ws.append(["3715022019B00045", "某智能装备项目", "郑家镇", 50, "工业用地", "2019-12-01", "未开工"])
    wb.save(tmp_path / "供地台账.xlsx")
    job = _audit(desk, (tmp_path / "供地台账.xlsx").read_bytes(), "供地台账")
    assert job["status"] == "done", job
    rows = job["summary"]["needs_action"]
    assert [r.get("project_name") for r in rows] == ["某智能装备项目"], rows
    js = desk.get("/static/desk/audit.js").text
    assert "['project_name', '项目名称']" in js
