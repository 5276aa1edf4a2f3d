"""A list's 合计 row is 非项目行 everywhere (a new user's QA, 2026-12-07, finding F7): the desk's summary and the XLSX
said 非项目行 but the desk's result table showed it 无法核查 and the register recorded ``合计 ：无法核查`` as a check.
Now the row's answer says 非项目行 (what the page's table shows) and it is no recorded check."""

from __future__ import annotations

import shutil

import httpx
import pandas as pd
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli
from dcf_spatial.register.history import entries

from _desk_server import running_desk

HEADER = ["序号", "项目名称", "所属行业", "经度", "纬度", "用地面积(亩)"]
ROWS = [[1, "精密轴承项目", "轴承", 115.75, 36.455, 50],     # 郑家镇工业集聚区 (第八章第一节: 轴承)
        [2, "汽配项目", "汽车零部件", 115.75, 36.455, 30],
        [None, "合计", None, None, None, 80]]


def _list(tmp_path):
    path = tmp_path / "项目清单.csv"
    pd.DataFrame(ROWS, columns=HEADER).to_csv(path, index=False, encoding="gbk")
    return path


def _store(tmp_path):
    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    return path


def test_the_desk_batch_says_the_total_row_is_no_project_and_does_not_record_it(tmp_path):
    store = _store(tmp_path)
    with running_desk(store, record=True) as url, httpx.Client(base_url=url, timeout=180) as client:
        body = client.post("/api/site-check/batch", files={"file": ("项目清单.csv", _list(tmp_path).read_bytes())}).json()
    total = body["results"][2]
    assert total["not_project"] is True
    assert total["verdict_zh"] == "非项目行"          # the table's 结论 column, as the counts say
    assert body["counts"]["非项目行"] == 1 and "无法核查" not in body["counts"]
    assert len(body["register_ids"]) == 2             # the two projects, not the 合计 row
    recorded = entries(store=store)
    assert len(recorded) == 2 and "合计" not in set(recorded["project"].astype(str))
    assert "error" not in set(recorded["status"])


def test_the_cli_batch_records_no_total_row(tmp_path):
    store = _store(tmp_path)
    res = CliRunner().invoke(cli, ["--store", str(store), "site", "check", "--batch", str(_list(tmp_path)), "--record"])
    assert res.exit_code == 0, res.output
    assert "登记号" in res.output and "（2 条）" in res.output
    history = CliRunner().invoke(cli, ["--store", str(store), "site", "history"])
    assert "合计" not in history.output and "无法核查" not in history.output, history.output


def test_the_layers_page_counts_the_checks_the_import_preview_reruns(tmp_path):
    # two projects checked and one row that could not be placed (recorded as 无法核查: it read no layer)
    rows = ROWS[:2] + [[3, "位置不明项目", "轴承", None, None, 20]]
    path = tmp_path / "清单.csv"
    pd.DataFrame(rows, columns=HEADER).to_csv(path, index=False, encoding="gbk")
    store = _store(tmp_path)
    res = CliRunner().invoke(cli, ["--store", str(store), "site", "check", "--batch", str(path), "--record"])
    assert res.exit_code == 0, res.output
    assert len(entries(store=store)) == 3
    clusters = tmp_path / "集聚区.gpkg"
    assert CliRunner().invoke(cli, ["--store", str(store), "layers", "export", "industrial_clusters",
                                    "-o", str(clusters)]).exit_code == 0
    preview = CliRunner().invoke(cli, ["--store", str(store), "layers", "import", "industrial_clusters", str(clusters),
                                       "--provenance", "authoritative", "--dry-run"])
    assert "按全部 2 条登记" in preview.output, preview.output
    with running_desk(store, record=False) as url, httpx.Client(base_url=url, timeout=180) as client:
        versions = client.get("/api/layers/industrial_clusters/versions").json()
    assert versions["current"]["register_checks"] == 2   # the page's 登记核查: the same 2 checks
