"""The idle audit as the new clerk of QA session 30 met it (/work/scratch/qa_user3/FINDINGS.md).

F2: a 供地台账 row with an empty 电子监管号/宗地代码 (common in real ledgers) stopped the whole audit while
drawing the map (TypeError; the desk called it 「内部错误…不是上传数据的问题」). Such a row is a data problem
on that row: the map draws and names it (by its 原表行号), and every output lists it with a status.
F10: a failed audit left its new, empty ``-o`` folder behind. F9: the desk's 「需处置或核实的宗地」 left out
the late starts (闲置费 to check, 第二条/第十四条第（一）项) and the data-problem rows the console and the
workbook's 问题记录 list. F8: a date given to the month (「2022年3月」) showed as 2022-03-01 in the workbook.
"""

from __future__ import annotations

import io
import json
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from _ledgers import write_ledger
from dcf_spatial.cli.main import cli
from test_idle_audit import X0, Y0, make_land_store

AS_OF = "2025-06-30"
HEADER = ["宗地编号", "土地使用权人", "项目位置", "土地用途", "面积(亩)", "合同签订日期", "约定开工日期", "实际开工日期",
          "成交价格(万元)"]
IDLE2 = "疑似闲置满两年（未动工开发）"


def _ledger(path):
    rows = [  # placed by name: all three on 郑家镇's point (one marker listing its parcels)
        ["Z1", "甲", "郑家镇", "工业用地", "10", "2019-06-01", "2020-01-01", "2020-06-01", "100"],   # 正常
        ["", "乙", "郑家镇", "工业用地", "11", "2019-06-01", "2020-01-01", "", "100"],             # no id, 满两年
        ["Z3", "丙", "郑家镇", "工业用地", "12", "2022年3月", "2021年11月", "2023-03-01", "100"],  # late start, months
    ]
    return write_ledger(path, rows, header=HEADER)


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("qa30")
    out = tmp / "idle"
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(_ledger(tmp / "供地台账.csv")),
                                   "--as-of", AS_OF, "-o", str(out), "--gpkg"])
    return res, out


def test_a_row_without_an_id_does_not_stop_the_audit_and_is_on_the_map(audited):
    res, out = audited
    assert res.exit_code == 0, res.output
    html = (out / "idle_audit_map.html").read_text(encoding="utf-8")
    assert "无宗地代码（原表第 3 行）（" + IDLE2 in html        # the town marker lists it by its row
    assert "nan（" not in html and "None（" not in html


def test_every_output_lists_the_row_without_an_id_with_its_status(audited):
    _, out = audited
    listed = pd.read_excel(out / "idle_audit.xlsx", sheet_name="宗地清单", header=1, engine="openpyxl")
    assert listed["原表行号"].tolist() == [2, 3, 4]
    assert listed.loc[listed["原表行号"] == 3, "审计结论"].tolist() == [IDLE2]
    problems = pd.read_excel(out / "idle_audit.xlsx", sheet_name="问题记录", header=1, engine="openpyxl")
    assert "宗地代码为空" in problems.loc[problems["原表行号"] == 3, "数据问题"].iloc[0]
    by_status = pd.read_excel(out / "idle_audit.xlsx", sheet_name="汇总_按状态", header=1, engine="openpyxl")
    assert int(by_status.loc[by_status["审计结论"] == "合计", "宗地数"].iloc[0]) == 3
    full = gpd.read_parquet(out / "idle_audit.parquet")
    assert len(full) == 3 and full["status"].notna().all()
    assert full.loc[full["row"] == 3, "status"].tolist() == ["idle_reclaim"]
    gpkg = gpd.read_file(out / "idle_audit.gpkg")
    assert len(gpkg) == 3 and gpkg["status"].notna().all()
    with sqlite3.connect(out / "idle_audit.gpkg") as db:
        assert db.execute("SELECT count(*) FROM idle_audit").fetchone()[0] == 3


@pytest.mark.parametrize("missing", [None, np.nan, "", "  "])
def test_the_map_names_a_parcel_without_an_id_by_its_row(missing):
    from dcf_spatial.land.map_points import idle_map_features

    point, box = shapely.Point(115.8, 36.45), shapely.box(115.9, 36.4, 115.91, 36.41)
    frame = gpd.GeoDataFrame({"parcel_id": ["A1", missing, missing], "row": [2, 7, 9],
                              "status": ["normal", "idle_reclaim", "normal"],
                              "status_zh": ["正常", IDLE2, "正常"], "in_totals": [True, True, True],
                              "area_mu": [1.0, 2.0, 3.0]}, geometry=[point, point, box], crs=4490)
    feats, info = idle_map_features(frame)
    shared = feats[feats["n_parcels"] > 1].iloc[0]
    assert shared["parcels_zh"] == f"无宗地代码（原表第 7 行）（{IDLE2}）、A1（正常）"
    assert feats.loc[feats["n_parcels"] == 1, "parcel_id"].tolist() == ["无宗地代码（原表第 9 行）"]
    # the desk's map data too
    from types import SimpleNamespace

    from dcf_spatial.desk.routes.api import _status_geojson

    data = json.loads(_status_geojson(SimpleNamespace(kind="idle", frame=frame)))
    ids = sorted(str(f["properties"]["parcel_id"]) for f in data["features"])
    assert ids == ["同一点位 2 宗", "无宗地代码（原表第 9 行）"]


def test_the_workbook_shows_a_month_only_date_to_the_month(tmp_path):
    out = tmp_path / "idle"
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(_ledger(tmp_path / "供地台账.csv")),
                                   "--as-of", AS_OF, "-o", str(out), "--no-map"])
    assert res.exit_code == 0, res.output
    listed = pd.read_excel(out / "idle_audit.xlsx", sheet_name="宗地清单", header=1, engine="openpyxl")
    z3 = listed[listed["宗地代码"] == "Z3"].iloc[0]
    assert z3["合同签订日期"] == "2022-03（仅到月）"
    assert z3["约定动工日期"] == "2021-11（仅到月）"
    assert z3["实际动工日期"] == "2023-03-01"                     # given to the day: as given
    z1 = listed[listed["宗地代码"] == "Z1"].iloc[0]
    assert z1["合同签订日期"] == "2019-06-01" and z1["约定动工日期"] == "2020-01-01"
    assert z3["审计结论"] == "正常"                              # started: the date math is not changed


def test_a_failed_audit_leaves_no_new_empty_folder(tmp_path, monkeypatch):
    from dcf_spatial.land import outputs

    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "write_idle_parcel_map", broken)
    out = tmp_path / "新建" / "idle"
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(_ledger(tmp_path / "台账.csv")),
                                   "--as-of", AS_OF, "-o", str(out)])
    assert res.exit_code != 0
    assert not out.exists() and not (tmp_path / "新建").exists()
    # a folder the clerk made is kept as it was
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "旧结果.txt").write_text("x", encoding="utf-8")
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(_ledger(tmp_path / "台账.csv")),
                                   "--as-of", AS_OF, "-o", str(mine)])
    assert res.exit_code != 0 and sorted(p.name for p in mine.iterdir()) == ["旧结果.txt"]


def test_a_failed_api_audit_leaves_no_new_empty_folder(tmp_path, monkeypatch):
    # the Python API's caller (dcf_spatial.land.audit_idle(..., out=...)) as the CLI's (QA30 F10)
    from dcf_spatial.land import audit_idle, outputs

    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "write_idle_parcel_map", broken)
    out = tmp_path / "新建" / "idle"
    with pytest.raises(OSError):
        audit_idle(str(_ledger(tmp_path / "台账.csv")), as_of=AS_OF, out=out)
    assert not out.exists() and not (tmp_path / "新建").exists()
    mine = tmp_path / "mine"             # a folder the caller made is kept as it was
    mine.mkdir()
    with pytest.raises(OSError):
        audit_idle(str(_ledger(tmp_path / "台账.csv")), as_of=AS_OF, out=mine)
    assert mine.is_dir() and not any(mine.iterdir())


def test_a_failed_api_efficiency_audit_leaves_no_new_empty_folder(tmp_path, monkeypatch):
    from dcf_spatial.land import audit_efficiency, outputs
    from test_efficiency import _firm_rows

    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "write_efficiency_excel", broken)
    header = ["credit_code", "name", "above_scale", "land_area_mu", "tax_wan", "revenue_wan", "year", "start_year"]
    path = tmp_path / "企业.csv"
    path.write_text("\n".join([",".join(header)] + [",".join(map(str, r)) for r in _firm_rows(5)]) + "\n",
                    encoding="utf-8")
    out = tmp_path / "新建" / "eff"
    with pytest.raises(OSError):
        audit_efficiency(path, out=out)
    assert not out.exists() and not (tmp_path / "新建").exists()


def test_a_failed_api_audit_says_what_it_left_in_a_new_folder(tmp_path, monkeypatch, caplog):
    from dcf_spatial.land import audit_idle, outputs

    out = tmp_path / "新建" / "idle"

    def half_written(result, path, **k):   # a file the writer does not clean up (a dask partition), then the disk full
        (out / "part-0.parquet").write_bytes(b"x")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "write_idle_parcel_map", half_written)
    with caplog.at_level("WARNING"), pytest.raises(OSError):
        audit_idle(str(_ledger(tmp_path / "台账.csv")), as_of=AS_OF, out=out)
    assert out.is_dir() and f"本次新建的文件夹 {out} 中留有未完成的文件（" in caplog.text
    assert "part-0.parquet" in caplog.text and "不是完整结果" in caplog.text
    assert f"文件夹 {out.parent} 中" not in caplog.text          # its parent holds only that folder


def test_a_new_folder_left_with_files_is_said(tmp_path):
    import click

    from dcf_spatial.cli._options import remove_new_folders

    new = tmp_path / "a" / "b"
    new.mkdir(parents=True)
    (new / "part-0.parquet").write_bytes(b"x")
    ctx = click.Context(click.Command("x"))
    ctx.meta["dcf_new_folders"] = [new, new.parent]
    with ctx:
        runner_out = io.StringIO()
        import contextlib

        with contextlib.redirect_stderr(runner_out), contextlib.redirect_stdout(runner_out):
            remove_new_folders(ctx)
    said = runner_out.getvalue()
    assert new.exists() and f"本次新建的文件夹 {new} 中留有未完成的文件（part-0.parquet）" in said
    assert f"文件夹 {new.parent} 中" not in said                  # its parent holds only that folder


def _desk_ledger(path):
    """Parcels with coordinates in the test store: two on one point, one of them without an id; a late
    start (闲置费 to check); a 正常 row with a data problem (签订晚于动工)."""
    x, y = gpd.GeoSeries([shapely.Point(X0 + 500, Y0)], crs=4548).to_crs(4490).iloc[0].coords[0]
    rows = [
        ["P1", "甲", "2022-01-01", "", x, y],                  # 满两年 (需处置)
        ["", "乙", "2022-01-01", "", x, y],                    # 满两年, no id, on P1's point
        ["P3", "丙", "2022-01-01", "2023-06-01", x + 0.01, y],   # late start: the fee to check
        ["P4", "丁", "2022-01-01", "2022-02-01", x + 0.02, y],   # on time, 签订 after 动工: a data problem
    ]
    frame = pd.DataFrame(rows, columns=["宗地编号", "土地使用权人", "约定开工日期", "实际开工日期", "经度", "纬度"])
    frame["土地用途"], frame["面积(亩)"] = "工业用地", "10"
    frame["合同签订日期"] = ["2021-06-01", "2021-06-01", "2021-06-01", "2022-05-01"]
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_the_desk_summary_lists_the_late_starts_and_the_data_problems(tmp_path):
    """F9 on the API JSON the page draws its list from (with ids, so that F2 does not stop it first)."""
    from dcf_spatial.desk.routes.api import _audit_summary
    from dcf_spatial.land.api import audit_idle

    store = make_land_store(tmp_path / "store.gpkg")
    path = _desk_ledger(tmp_path / "台账.csv")
    frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str).fillna("")
    frame.loc[1, "宗地编号"] = "P2"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    res = audit_idle(str(path), as_of=AS_OF, store=store)
    s = _audit_summary(res)
    assert {r["parcel_id"] for r in s["needs_action"]} == {"P1", "P2", "P3", "P4"}
    assert s["needs_action_total"] == 4


def test_the_desk_lists_what_the_console_and_the_problem_sheet_list(tmp_path):
    import httpx

    from _desk_server import running_desk
    from test_desk_audit_labels import _run_job

    store = make_land_store(tmp_path / "store.gpkg")
    path = _desk_ledger(tmp_path / "台账.csv")
    with running_desk(str(store)) as url, httpx.Client(base_url=url, timeout=120) as client:
        job = _run_job(client, "台账.csv", path.read_bytes())   # done (F2: not 「内部错误…TypeError」)
        names = [d["name"] for d in job["downloads"]]
        xlsx = client.get(job["downloads"][[n.endswith(".xlsx") for n in names].index(True)]["url"]).content
    listed = {r["parcel_id"]: r for r in job["summary"]["needs_action"]}
    problems = pd.read_excel(io.BytesIO(xlsx), sheet_name="问题记录", header=1, engine="openpyxl")
    # every record of 问题记录 is on the page's list, the late start and the data problem included
    assert {"P1", "无宗地代码（原表第 3 行）", "P3", "P4"} == set(listed)
    assert set(problems["原表行号"]) == {3, 4, 5}              # the no-id row, the late start, P4
    assert "征缴土地闲置费" in listed["P3"]["next_step_zh"] and "逾期动工" in listed["P3"]["problems"]
    assert "签订" in listed["P4"]["problems"] or "合同" in listed["P4"]["problems"]
    assert job["summary"]["needs_action_total"] == 4
    # the page says what its list holds, and shows the 数据问题 column
    from importlib.resources import files

    page = (files("dcf_spatial.desk") / "static" / "audit.js").read_text(encoding="utf-8")
    assert "“问题记录”中的全部记录" in page and "['problems', '数据问题']" in page


def test_the_workbook_shows_dates_counted_from_a_month_only_start_to_the_month(tmp_path):
    # QA31 F1: 起算日 / 满一年之日 / 满两年之日 counted from 「2024年5月」 are some day of a month too; the
    # reason says 「满一年之日为2025-05（仅到月）」, and the columns say the same; the GeoParquet keeps the date
    rows = [["M1", "甲", "郑家镇", "工业用地", "10", "2023-06-01", "2024年5月", "", "100"],
            ["D1", "乙", "郑家镇", "工业用地", "10", "2023-06-01", "2024-05-10", "", "100"]]
    out = tmp_path / "idle"
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(write_ledger(tmp_path / "供地台账.csv", rows, header=HEADER)),
                                   "--as-of", "2025-12-31", "-o", str(out), "--no-map"])
    assert res.exit_code == 0, res.output
    listed = pd.read_excel(out / "idle_audit.xlsx", sheet_name="宗地清单", header=1, engine="openpyxl").set_index("宗地代码")
    m1, d1 = listed.loc["M1"], listed.loc["D1"]
    assert "满一年之日为2025-05（仅到月）" in m1["理由（条款与日期）"]
    assert (m1["起算日"], m1["满一年之日"], m1["满两年之日"]) == ("2024-05（仅到月）", "2025-05（仅到月）", "2026-05（仅到月）")
    assert (d1["起算日"], d1["满一年之日"], d1["满两年之日"]) == ("2024-05-10", "2025-05-10", "2026-05-10")
    geo = pd.read_parquet(next(out.glob("*.parquet")))
    assert pd.Timestamp(geo.loc[geo["parcel_id"] == "M1", "deadline_1y"].iloc[0]) == pd.Timestamp("2025-05-01")


def test_parcel_counts_by_status_are_whole_numbers_beside_the_footer_rows_cell(tmp_path):
    # QA31 F10: with a 合计 row in the ledger, 汇总_按状态's 宗地数 read 4.0, 2.0 … (the desk shows 4, 2)
    import openpyxl

    rows = [["Z1", "甲", "郑家镇", "工业用地", "10", "2019-06-01", "2020-01-01", "2020-06-01", "100"],
            ["Z2", "乙", "郑家镇", "工业用地", "11", "2019-06-01", "2020-01-01", "", "100"],
            ["合计", "", "", "", "21", "", "", "", "200"]]
    out = tmp_path / "idle"
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(write_ledger(tmp_path / "供地台账.csv", rows, header=HEADER)),
                                   "--as-of", AS_OF, "-o", str(out), "--no-map"])
    assert res.exit_code == 0, res.output
    sheet = openpyxl.load_workbook(out / "idle_audit.xlsx", read_only=True)["汇总_按状态"]
    table = list(sheet.iter_rows(min_row=2, values_only=True))
    col = table[0].index("宗地数")
    counts = [r[col] for r in table[1:]]
    assert any(isinstance(c, str) and "不计入宗地数" in c for c in counts)        # the footer row's own cell
    numbers = [c for c in counts if not isinstance(c, str)]
    assert numbers and all(type(c) is int for c in numbers), counts
    assert numbers[-1] == 2                                                      # 合计: the two parcels
