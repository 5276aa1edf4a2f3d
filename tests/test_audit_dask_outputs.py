"""The dask engine hands the bureau the single engine's kinds of files: the Excel workbook and the HTML map.

On a real LocalCluster (the ``cluster`` fixture) over the synthetic sample (合成数据) split into
GeoParquet partitions. The workbook is read back with openpyxl and compared with the single
engine's workbook sheet by sheet, and its totals with the GeoParquet result; the rules are
tightened (list cap, map cap) so that the capped list and the zone-summary map are exercised on a
small sample.
"""

import copy
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from browser import click_latlng, image_is_blank, needs_chromium, open_offline

from dcf_spatial import sample
from dcf_spatial.cli.main import cli
from dcf_spatial.cli.audit import describe_efficiency
from dcf_spatial.errors import InputError
from dcf_spatial.land import dask as dengine
from dcf_spatial.land import idle_audit
from dcf_spatial.land.idle_audit import STATUS_ORDER, STATUS_ZH
from dcf_spatial.land import audit_efficiency, audit_idle

AS_OF = "2025-12-31"
N = 900


@pytest.fixture(scope="module")
def parcels():
    return sample.generate_parcels(N, seed=8)


@pytest.fixture(scope="module")
def folder(parcels, tmp_path_factory):
    """The parcels in 3 GeoParquet files, in input order (the dask engine numbers rows file by file)."""
    root = tmp_path_factory.mktemp("dask_outputs_in")
    for i, idx in enumerate(np.array_split(np.arange(len(parcels)), 3)):
        parcels.iloc[idx].to_parquet(root / f"p{i}.parquet")
    return root


def _rules(max_list_rows, max_features):
    rules = copy.deepcopy(idle_audit.load_rules())
    rules["excel"]["max_list_rows"] = max_list_rows
    rules["map"]["max_features"] = max_features
    return rules


def _sheets(path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def _table(rows, header_row=1) -> pd.DataFrame:
    """A sheet below its one-line data note: header row, then the data."""
    return pd.DataFrame(rows[header_row + 1:], columns=rows[header_row])


def _same_sheet(a: pd.DataFrame, b: pd.DataFrame, name: str) -> None:
    assert list(a.columns) == list(b.columns), name
    assert len(a) == len(b), name
    for col in a.columns:
        x, y = a[col].tolist(), b[col].tolist()
        if all(isinstance(v, (int, float)) or v is None for v in x + y) and any(v is not None for v in x):
            # sums over partitions add in another order: equal to the cent (both are rounded to 0.01)
            np.testing.assert_allclose(np.array(x, dtype=float), np.array(y, dtype=float), rtol=0, atol=0.011,
                                       err_msg=f"{name}: {col}")
        else:
            assert x == y, f"{name}: {col}"


@pytest.fixture(scope="module")
def capped(parcels, folder, cluster, tmp_path_factory):
    """Both engines with a list cap of 150 rows and a map cap of 100 parcels (the sample has 900)."""
    rules = _rules(150, 100)
    single_dir, dask_dir = tmp_path_factory.mktemp("single"), tmp_path_factory.mktemp("dask") / "out"
    single = audit_idle(parcels, out=single_dir, as_of=AS_OF, rules=rules, map=False)
    summary = audit_idle(folder, out=dask_dir, engine="dask", as_of=AS_OF, scheduler=cluster, rules=rules).to_dict()
    return {"single": single, "summary": summary, "dask_dir": dask_dir}


def test_workbook_sheets_equal_the_single_engines(capped):
    single = _sheets(capped["single"].files["excel"])
    dask = _sheets(capped["summary"]["excel"])
    assert list(dask) == list(single)
    assert set(single) >= {"说明", "汇总_按状态", "汇总_按镇街", "汇总_按集聚区", "汇总_按园区", "宗地清单", "问题记录"}
    for name in single:
        if name == "说明":
            continue
        _same_sheet(_table(single[name]), _table(dask[name]), name)
        # no writer artefact (a filtered frame's index once came out as "__index_level_0__")
        assert not any(str(h).startswith("__") for h in dask[name][1]), name
    listed = _table(dask["宗地清单"])
    assert len(listed) == 150  # the cap, filled with the parcels that need action
    assert set(listed["状态代码"]) <= set(idle_audit.ACTION_STATUSES)
    problems = _table(dask["问题记录"])
    has_problem = problems["数据问题"].fillna("") != ""
    missing = problems["状态代码"] == "insufficient_data"
    assert (has_problem | missing).all() and has_problem.any() and (missing & ~has_problem).any()


def test_workbook_totals_equal_the_geoparquet(capped):
    result = dengine.read_result(capped["dask_dir"])
    assert len(result) == N  # every row listed; the totals count a parcel id on several rows once (its first row)
    everything, result = result, result[result["in_totals"].astype(bool)]
    assert len(result) < N  # the sample repeats some ids: the rule is exercised
    n_once = len(result)
    sheets = _sheets(capped["summary"]["excel"])
    table = _table(sheets["汇总_按状态"])
    # one row per label the parcels carry (认定/疑似 apart): each row's parcels are those of its label
    for row in table[table["状态代码"] != "total"].itertuples(index=False):
        mine = result[result["status_zh"] == row[table.columns.get_loc("审计结论")]]
        assert row[table.columns.get_loc("宗地数")] == len(mine)
        assert set(mine["status"]) <= {row[table.columns.get_loc("状态代码")]}
        assert row[table.columns.get_loc("面积（亩）")] == pytest.approx(mine["area_mu"].sum(), abs=0.006)
    by_status = table.groupby("状态代码")[["宗地数", "面积（亩）", "土地闲置费（万元；含潜在金额）"]].sum()
    parts = table.groupby("状态代码").size()  # each row rounded to 0.01: the sum of k rows within k × 0.005
    for status in STATUS_ORDER:
        mine = result[result["status"] == status]
        tol = 0.006 * parts[status]
        assert by_status.loc[status, "宗地数"] == len(mine), status
        assert by_status.loc[status, "面积（亩）"] == pytest.approx(mine["area_mu"].sum(), abs=tol)
        assert by_status.loc[status, "土地闲置费（万元；含潜在金额）"] == pytest.approx(mine["fee_wan"].sum(), abs=tol)
    assert by_status.loc["total", "宗地数"] == len(result) == n_once
    assert by_status.loc["total", "土地闲置费（万元；含潜在金额）"] == pytest.approx(result["fee_wan"].sum(), abs=0.006)
    towns_all = _table(sheets["汇总_按镇街"])
    towns, total_row = towns_all.iloc[:-1], towns_all.iloc[-1]
    assert total_row["镇（街道）"] == "合计" and total_row["宗地数合计"] == n_once
    assert towns["宗地数合计"].sum() == n_once
    expected = result["township_zh"].astype("string").fillna("（未落入任何区域）").value_counts()
    assert dict(zip(towns["镇（街道）"], towns["宗地数合计"])) == expected.to_dict()
    idle = result[result["status"].isin(idle_audit.IDLE_STATUSES)]
    assert towns["疑似及认定闲置面积（亩）"].sum() == pytest.approx(idle["area_mu"].sum(), abs=0.01 * len(towns))
    # the rows to correct (a data problem, or 数据不足) are all listed (fewer than the cap), as in the GeoParquet
    problems = _table(sheets["问题记录"])
    to_correct = everything[(everything["problems"].astype(str) != "") | (everything["status"] == "insufficient_data")]
    assert problems["原表行号"].tolist() == to_correct["row"].tolist()


def test_workbook_says_where_the_complete_list_is(capped):
    sheets = _sheets(capped["summary"]["excel"])
    head = sheets["宗地清单"][0][0]
    assert f"共 {N:,} 宗地" in head and "150" in head and dengine.RESULT_FOLDER in head and "GeoParquet" in head
    notes = "\n".join(r[0] for r in sheets["说明"][1:])
    assert dengine.RESULT_FOLDER in notes and "合成数据" in notes and "示意图层" in notes
    for name, rows in sheets.items():  # provenance on every sheet
        if name != "说明":
            assert "示意图层" in rows[0][0] and "合成数据" in rows[0][0], name


def test_zone_summary_map_above_the_parcel_cap(capped):
    summary = capped["summary"]
    assert summary["map_kind"] == "zones"
    html = open(summary["map"], encoding="utf-8").read()
    assert "多于逐宗绘制上限 100 宗" in html and "按镇（街道）和工业集聚区汇总着色" in html
    assert "闲置宗地占比" in html and "示意图层" in html and "合成数据" in html
    result = dengine.read_result(capped["dask_dir"])
    towns = result["township_zh"].dropna().unique()
    assert all(t in html for t in towns)
    assert not any(pid in html for pid in result["parcel_id"].dropna().head(50))  # no parcel is drawn


@needs_chromium()
def test_zone_summary_map_popup_counts_in_chromium(capped, tmp_path):
    from dcf_spatial.store import catalog

    sheets = _sheets(capped["summary"]["excel"])
    clusters = _table(sheets["汇总_按集聚区"]).set_index("工业集聚区")
    layer = catalog.read_layer("industrial_clusters")
    name = next(n for n in layer["name_zh"] if n in clusters.index and clusters.loc[n, "宗地数合计"] > 0)
    point = layer.loc[layer["name_zh"] == name].geometry.iloc[0].representative_point()

    def act(page):  # the cluster is drawn over its township: a click inside it opens the cluster's popup
        click_latlng(page, point.y, point.x, expect=".leaflet-popup-content")

    rep = open_offline(capped["summary"]["map"], screenshot=tmp_path / "zones.png", actions=act, evaluate={
        "popup": "(Array.from(document.querySelectorAll('.leaflet-popup-content')).pop() || {}).innerText || null",
        "legend": "document.querySelector('.dcf-legend').innerText"})
    assert rep.external_requests == [] and rep.console_errors == [] and rep.page_errors == []
    popup = dict(line.split("\t", 1) for line in rep.evaluated["popup"].splitlines() if "\t" in line)
    row = clusters.loc[name]
    assert popup["层级"] == "工业集聚区" and popup["名称"] == name
    assert int(popup["宗地数"].replace(",", "")) == row["宗地数合计"]
    assert int(popup[STATUS_ZH["normal"]].replace(",", "")) == row[STATUS_ZH["normal"]]
    assert popup["闲置宗地占比"] == f"{row['疑似及认定闲置宗地数（不含第八条原因）'] / row['宗地数合计']:.1%}"
    legend = rep.evaluated["legend"]
    assert "闲置宗地占比分级" in legend and "多于逐宗绘制上限" in legend and "合成数据" in legend
    assert not image_is_blank(rep.screenshot)


def test_full_list_and_parcel_map_under_the_caps(parcels, folder, cluster, tmp_path):
    single = audit_idle(parcels, out=tmp_path / "single", as_of=AS_OF)
    summary = audit_idle(folder, out=tmp_path / "dask", engine="dask", as_of=AS_OF, scheduler=cluster).to_dict()
    sheets = _sheets(summary["excel"])
    listed = _table(sheets["宗地清单"])
    assert listed["原表行号"].tolist() == list(range(1, N + 1))
    assert f"本表列出全部 {N:,} 宗地" in sheets["宗地清单"][0][0]
    _same_sheet(_table(_sheets(single.files["excel"])["宗地清单"]), listed, "宗地清单")
    assert summary["map_kind"] == "parcels" and summary["excel_listed"] == N
    html = open(summary["map"], encoding="utf-8").read()
    ref = open(single.files["map"], encoding="utf-8").read()
    # the legend counts each label (疑似/认定 and the kind of Art. 8 cause are labels of their own) as the
    # single engine's map does, and as the workbook: each parcel once (a repeated id's rows once, QA9 #2)
    from dcf_spatial.land.idle_audit import in_totals

    once = single.frame[in_totals(single.frame) & (single.frame["status"] != "not_a_parcel").to_numpy()]
    for label, n in once["status_zh"].value_counts().items():
        assert f"{label}（{n}）" in html and f"{label}（{n}）" in ref
    assert set(single.frame["status"]) <= set(STATUS_ORDER)
    assert parcels["parcel_id"].iloc[0] in html


def test_outputs_are_not_overwritten_and_no_map_skips_the_map(folder, cluster, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "idle_audit.xlsx").write_bytes(b"")
    with pytest.raises(InputError, match="overwrite"):
        audit_idle(folder, out=out, engine="dask", as_of=AS_OF, scheduler=cluster)
    assert not (out / dengine.RESULT_FOLDER).exists()  # refused before any work
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(folder), "--as-of", AS_OF, "-o", str(out),
                                   "--engine", "dask", "--scheduler", cluster, "--no-map", "--overwrite"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "idle_audit.xlsx" in res.stdout and "Excel 工作簿" in res.stdout and "idle_audit_map.html" not in res.stdout
    assert not (out / "idle_audit_map.html").exists()
    assert json.loads((out / dengine.SUMMARY_FILE).read_text(encoding="utf-8"))["map"] is None


# --- 亩产效益 -----------------------------------------------------------------------------------------
def test_efficiency_workbook_and_zone_map(parcels, folder, cluster, tmp_path, monkeypatch):
    ent = sample.generate_enterprises(parcels, seed=8)
    csv = tmp_path / "企业.csv"
    ent.to_csv(csv, index=False)
    single = audit_efficiency(csv, out=tmp_path / "single", parcels=parcels, as_of=AS_OF, map=False)
    rules = _rules(100_000, 100)
    monkeypatch.setattr(idle_audit, "load_rules", lambda *a, **k: rules)  # the map cap: 100 parcels
    summary = audit_efficiency(csv, out=tmp_path / "dask", engine="dask", parcels=folder, as_of=AS_OF, scheduler=cluster).to_dict()
    a, b = _sheets(single.files["excel"]), _sheets(summary["excel"])
    assert list(a) == list(b) and any(name.startswith("低效用地_") for name in b)
    for name in a:
        if name != "说明":
            _same_sheet(_table(a[name]), _table(b[name]), name)
    low_all = _table(b["低效用地_按集聚区"])
    low = low_all.iloc[:-1]
    assert low_all.iloc[-1, 0] == "合计"
    assert low_all.iloc[-1]["低效用地面积（亩）"] == pytest.approx(low["低效用地面积（亩）"].sum(), abs=0.005 * len(low))
    got_ent, got_par = dengine.read_efficiency_result(tmp_path / "dask")
    is_low = got_par["low_efficiency"] != ""
    # the 合计 is the exact total rounded once (not a sum of rounded rows): it equals the parcels' own
    assert low_all.iloc[-1]["低效用地面积（亩）"] == pytest.approx(got_par.loc[is_low, "area_mu"].sum(), abs=0.0051)
    assert low["低效用地面积（亩）"].sum() == pytest.approx(got_par.loc[is_low, "area_mu"].sum(), abs=0.01 * len(low))
    assert _table(b["企业清单"])["原表行号"].tolist() == got_ent["row"].tolist()
    assert summary["map_kind"] == "zones"
    html = open(summary["map"], encoding="utf-8").read()
    assert "低效用地面积占比" in html and "多于逐宗绘制上限 100 宗" in html and "合成数据" in html
    lines = "\n".join(describe_efficiency(summary))
    assert "efficiency.xlsx" in lines and "efficiency_map.html" in lines


def test_efficiency_on_dask_through_the_cli_draws_parcels_under_the_cap(parcels, folder, cluster, tmp_path):
    ent = sample.generate_enterprises(parcels, seed=8)
    csv = tmp_path / "企业.csv"
    ent.to_csv(csv, index=False)
    out = tmp_path / "eff"
    res = CliRunner().invoke(cli, ["audit", "efficiency", "--enterprises", str(csv), "--parcels", str(folder),
                                   "--as-of", AS_OF, "-o", str(out), "--engine", "dask", "--scheduler", cluster],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert str(out / "efficiency.xlsx") in res.stdout and str(out / "efficiency_map.html") in res.stdout
    assert "逐宗绘制" in res.stdout and f"企业清单列出全部 {len(ent):,} 行" in res.stdout
    summary = json.loads((out / dengine.EFFICIENCY_SUMMARY).read_text(encoding="utf-8"))
    assert summary["map_kind"] == "parcels"
    html = (out / "efficiency_map.html").read_text(encoding="utf-8")
    _, got_par = dengine.read_efficiency_result(out)
    for cls, n in got_par["eff_class_zh"].value_counts().items():  # every parcel drawn, counted by class
        assert f"{cls}（{n}）" in html, cls
    assert "示意图层" in html and "合成数据" in html
    low = got_par["low_efficiency"].astype(bool)
    assert "图例数字为宗地数" in html  # the legend counts parcels, not enterprises, and says so
    label = json.dumps("审计结果")[1:-1]  # the layer list names the parcels 审计结果, not 查询结果
    assert label in html and json.dumps("查询结果")[1:-1] not in html
    assert f"低效用地 {int(low.sum()):,} 宗、{got_par.loc[low, 'area_mu'].sum():,.1f} 亩" in html


def test_an_input_without_parcels_gives_a_workbook_of_zeros(parcels, cluster, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    parcels.iloc[:0].to_parquet(folder / "p.parquet")
    summary = audit_idle(folder, out=tmp_path / "out", engine="dask", as_of=AS_OF, scheduler=cluster).to_dict()
    assert summary["rows"] == 0 and summary["map"] is None
    by_status = _table(_sheets(summary["excel"])["汇总_按状态"]).set_index("状态代码")
    assert by_status.loc["total", "宗地数"] == 0 and len(by_status) == len(STATUS_ORDER) + 1
