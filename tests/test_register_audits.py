"""Audits in the register and ``dcf audit diff`` (issue 15).

The legal boundaries are written from 《闲置土地处置办法》（国土资源部令第53号）: not started one full
year after the agreed start → 闲置, 土地闲置费 (Art. 2, Art. 14(1)); two full years → 无偿收回 (Art.
14(2)). "Full year" per 民法典 Art. 201–202: the period ends on the same date a year later (28 Feb for a
29 Feb start) and is full only from the day after. The expected parcels are computed here from the
input dates with ``datetime.date``, not with the package.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial import settings
from dcf_spatial.store import catalog

from _stores import STORE_KINDS, checkout_copy

X0, Y0 = 409_000.0, 4_035_000.0  # EPSG:4548, near Dongchangfu
AS_OF_A, AS_OF_B = dt.date(2025, 6, 30), dt.date(2026, 6, 30)


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    return checkout_copy(request, tmp_path)


def _agreed_dates():
    """Agreed start dates around both boundaries of both audit dates, 29 February and the exact days included."""
    days = [dt.date(2022, 1, 1) + dt.timedelta(days=37 * i) for i in range(45)]
    edges = [dt.date(2024, 6, 30), dt.date(2024, 6, 29), dt.date(2024, 7, 1), dt.date(2023, 6, 30), dt.date(2023, 6, 29),
             dt.date(2025, 6, 30), dt.date(2025, 6, 29), dt.date(2024, 2, 29), dt.date(2023, 7, 1)]
    return days + edges


def _parcels(dates, *, started=None):
    started = started or {}
    geoms = [shapely.box(X0 + (i % 10) * 400, Y0 + (i // 10) * 200, X0 + (i % 10) * 400 + 300, Y0 + (i // 10) * 200 + 100)
             for i in range(len(dates))]
    return gpd.GeoDataFrame({
        "parcel_id": [f"P{i:03d}" for i in range(len(dates))], "land_use_code": "0601",
        "agreed_start": [d.isoformat() for d in dates],
        "actual_start": [started.get(i) for i in range(len(dates))], "land_price_wan": 1000.0,
    }, geometry=geoms, crs=4548)


def _plus_years(d: dt.date, n: int) -> dt.date:
    """The last day of an n-year period starting on d (民法典 Art. 202: no such day → end of that month)."""
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


def _legal_class(agreed: dt.date, as_of: dt.date) -> str:
    """Art. 14: 无偿收回 after two full years, 闲置费 after one, else neither."""
    if as_of > _plus_years(agreed, 2):
        return "无偿收回"
    if as_of > _plus_years(agreed, 1):
        return "闲置费"
    return "—"


def test_diff_between_two_as_of_dates_lists_exactly_the_parcels_that_crossed_a_legal_boundary(store, tmp_path):
    dates = _agreed_dates()
    parcels = _parcels(dates)
    a = dcf.audit_idle(parcels, as_of=AS_OF_A.isoformat(), store=store, out=tmp_path / "a", map=False, record=True)
    b = dcf.audit_idle(parcels, as_of=AS_OF_B.isoformat(), store=store, out=tmp_path / "b", map=False, record=True)
    expected = {f"P{i:03d}" for i, d in enumerate(dates) if _legal_class(d, AS_OF_A) != _legal_class(d, AS_OF_B)}
    # the boundary days themselves are in the set, both ways round
    # 2024-06-30: one full year only from 2025-07-01, so idle at B only; 2025-06-30: on B the year is not yet full
    assert "P045" in expected and "P050" not in expected
    assert expected and len(expected) < len(dates)

    by_folder = dcf.audit_diff(tmp_path / "a", tmp_path / "b", store=store)
    assert set(by_folder.changes["宗地代码"]) == expected
    assert by_folder.changes["原因"].str.contains("基准日变化（2025-06-30 → 2026-06-30）", regex=False).all()
    assert not by_folder.changes["原因"].str.contains("输入数据变化").any()
    reclaim = by_folder.changes[by_folder.changes["现结论"].str.contains("满两年")]
    assert set(reclaim["宗地代码"]) == {k for k in expected if _legal_class(dates[int(k[1:])], AS_OF_B) == "无偿收回"}
    newly_idle = by_folder.changes[by_folder.changes["原结论"] == "正常"]
    # Art. 14(1): 土地闲置费 20 % of the land price (1000 万元); none before the year is full
    assert len(newly_idle) and (newly_idle["现闲置费（万元）"] == 200.0).all() and newly_idle["原闲置费（万元）"].isna().all()

    # the same answer from the register ids, and from one of each
    ida, idb = a.details["register_id"], b.details["register_id"]
    by_id = dcf.audit_diff(ida, idb, store=store)
    pd.testing.assert_frame_equal(by_id.changes, by_folder.changes)
    assert set(dcf.audit_diff(str(ida), tmp_path / "b", store=store).changes["宗地代码"]) == expected
    out = by_id.to_table(tmp_path / "diff.xlsx")
    assert set(pd.read_excel(out, sheet_name="变化清单")["宗地代码"]) == expected


def test_diff_names_the_changed_input_row_and_nothing_else(store, tmp_path):
    dates = _agreed_dates()
    before = _parcels(dates)
    idle_at_a = next(i for i, d in enumerate(dates) if _legal_class(d, AS_OF_A) == "闲置费")
    after = _parcels(dates, started={idle_at_a: "2022-12-01"})  # the bureau learns it had started
    a = dcf.audit_idle(before, as_of=AS_OF_A.isoformat(), store=store, record=True)
    b = dcf.audit_idle(after, as_of=AS_OF_A.isoformat(), store=store, record=True)
    d = dcf.audit_diff(a.details["register_id"], b.details["register_id"], store=store)
    assert d.changes["宗地代码"].tolist() == [f"P{idle_at_a:03d}"]
    assert d.changes["原因"].iloc[0] == "输入数据变化（实际动工日期）"
    assert "as_of" not in d.causes


def test_cli_audit_diff_and_refusals(tmp_path):
    from dcf_spatial.cli.main import cli

    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    f = tmp_path / "宗地.gpkg"
    _parcels(_agreed_dates()).to_file(f, driver="GPKG")
    run = lambda *a: CliRunner().invoke(cli, ["--store", str(st), *a], catch_exceptions=False)
    for folder, as_of in (("a", AS_OF_A), ("b", AS_OF_B)):
        r = run("audit", "idle", "--parcels", str(f), "--as-of", as_of.isoformat(), "-o", str(tmp_path / folder),
                "--no-map", "--record")
        assert r.exit_code == 0, r.output
    listed = run("audit", "history", "--json")
    assert [x["审计登记号"] for x in json.loads(listed.stdout)] == [1, 2]
    r = run("audit", "diff", str(tmp_path / "a"), "2", "-o", str(tmp_path / "d.xlsx"), "--json")
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    dates = _agreed_dates()
    assert {c["宗地代码"] for c in got["changes"]} == {f"P{i:03d}" for i, d in enumerate(dates)
                                                    if _legal_class(d, AS_OF_A) != _legal_class(d, AS_OF_B)}
    assert (tmp_path / "d.xlsx").exists()
    bad = run("audit", "diff", str(tmp_path / "a"), "99")
    assert bad.exit_code != 0 and "审计登记号 99" in bad.output
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = run("audit", "diff", str(empty), "1")
    assert bad.exit_code != 0 and "manifest.json" in bad.output


def _audit_writer(store):
    """A separate process recording three audits (as a second ``dcf audit idle --record`` would)."""
    parcels = _parcels(_agreed_dates()[:12])
    return [dcf.audit_idle(parcels, as_of=AS_OF_A.isoformat(), store=store, record=True).details["register_id"]
            for _ in range(3)]


def _check_writer(store):
    """A separate process recording three site checks; a check the import overtook is refused, then re-run."""
    ids, refused = [], []
    for _ in range(3):
        for _attempt in range(5):
            try:
                ids += dcf.check_site("115.75,36.455", "轴承", area_mu=10, store=store, record="并发").register_ids
                break
            except dcf.InputError as exc:
                assert "未记入核查登记" in str(exc), str(exc)
                refused.append(str(exc))
        else:
            raise AssertionError(f"never recorded: {refused}")
    return ids


def test_audits_and_checks_recorded_by_two_processes_while_a_layer_is_imported(store, tmp_path):
    """Two writer processes — one recording site checks, one recording audits — while this process
    imports the cluster layer: every record is there once, the audits agree with each other except where
    the moved layer moved a zone, and the import took.

    Processes, as two dcf commands would be: GDAL (reading layers) and Python's sqlite3 (writing the
    register) are two SQLite libraries, and POSIX locks are per process, so one process must not read
    a GeoPackage with one while writing it with the other from another thread.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from shapely import affinity

    from dcf_spatial import register
    from dcf_spatial.register.audits import audit_history

    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        fa, fc = pool.submit(_audit_writer, store), pool.submit(_check_writer, store)
        gdf = dcf.layer("industrial_clusters", store=store)
        while not len(audit_history(store=store)) and not fa.done():  # import once the writers are writing
            time.sleep(0.05)
        gdf["geometry"] = [affinity.translate(g, xoff=0.001) for g in gdf.geometry]
        gdf.drop(columns=["provenance", "source"]).to_file(tmp_path / "c.gpkg", driver="GPKG")
        dcf.Store(store).import_layer("industrial_clusters", tmp_path / "c.gpkg", provenance="authoritative")
        audit_ids, check_ids = fa.result(), fc.result()
    assert len(set(audit_ids)) == 3 and len(set(check_ids)) == 3, (audit_ids, check_ids)
    assert audit_history(store=store)["审计登记号"].tolist() == sorted(audit_ids)
    assert sorted(register.history(store=store).rows["id"]) == sorted(check_ids)
    for later in audit_ids[1:]:
        d = dcf.audit_diff(audit_ids[0], later, store=store)
        # only the moved layer may move a zone
        assert len(d.changes) == 0 or set(d.changes["变化"]) == {"所在区变化"}, d.changes.to_dict(orient="records")
    assert catalog.describe_layer("industrial_clusters", store=store)["version"] == 2


def test_diff_after_an_import_lists_the_parcels_whose_cluster_moved_with_the_layer_as_cause(tmp_path):
    """Same parcels, same as-of date; the cluster layer is replaced by one moved 0.01° east: the diff lists
    exactly the parcels whose largest-share cluster changed (computed here with shapely), caused by the layer."""
    from shapely import affinity

    from dcf_spatial.sample import generate_parcels

    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    parcels = generate_parcels(300, seed=0, store=st)
    old = dcf.layer("industrial_clusters", store=st)
    new = old.copy()
    new["geometry"] = [affinity.translate(g, xoff=0.01) for g in new.geometry]
    a = dcf.audit_idle(parcels, as_of="2025-12-31", store=st, record=True)
    new.drop(columns=["provenance", "source"]).to_file(tmp_path / "c.gpkg", driver="GPKG")
    dcf.Store(st).import_layer("industrial_clusters", tmp_path / "c.gpkg", provenance="authoritative")
    b = dcf.audit_idle(parcels, as_of="2025-12-31", store=st, record=True)

    def largest(zones):
        out = []
        for g in parcels.to_crs(4548).geometry.values:
            areas = [(g.intersection(z).area, zid) for zid, z in zip(zones["id"], zones.to_crs(4548).geometry.values)]
            best = max(areas)
            out.append(best[1] if best[0] > 0 else None)
        return out

    expected = {pid for pid, x, y in zip(parcels["parcel_id"], largest(old), largest(new)) if x != y}
    assert expected
    d = dcf.audit_diff(a.details["register_id"], b.details["register_id"], store=st)
    assert set(d.changes["宗地代码"]) == expected
    assert set(d.changes["变化"]) == {"所在区变化"}
    # 原/现所在区 say which kind each zone is; the console names every value's column
    assert d.changes["现所在区"].str.startswith("镇（街道）：").all()
    assert d.changes["原所在区"].str.contains("；集聚区：").any() or d.changes["现所在区"].str.contains("；集聚区：").any()
    text = d.summary_text()
    assert "宗地代码 " in text and "原所在区 镇（街道）：" in text and "原因 图层变化" in text
    # each version with its content hash (a shipped layer's is the hash of its content, an import's of its file)
    assert d.changes["原因"].str.match(r"图层变化（industrial_clusters：第1版（[0-9a-f]{8}） → 第2版（[0-9a-f]{8}）").all()


def test_efficiency_diff_from_the_workbooks_names_the_changed_enterprise(tmp_path):
    """Two efficiency audits of the synthetic sample (no parcels), the second with one firm's 税收 raised
    tenfold: the firm is listed with 输入数据变化（税收（万元）） if its class moved; any other firm listed
    moved only through the group ranking and says so."""
    from dcf_spatial.sample import generate_enterprises, generate_parcels

    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    firms = generate_enterprises(generate_parcels(200, seed=0, store=st), seed=0)
    low = firms.loc[firms["tax_wan"].astype(float).idxmin()] if "tax_wan" in firms else None
    assert low is not None
    changed = firms.copy()
    changed.loc[low.name, "tax_wan"] = float(firms["tax_wan"].astype(float).max()) * 10
    dcf.audit_efficiency(firms, store=st, out=tmp_path / "a", map=False)
    dcf.audit_efficiency(changed, store=st, out=tmp_path / "b", map=False)
    d = dcf.audit_diff(tmp_path / "a", tmp_path / "b", store=st)
    assert d.kind == "efficiency" and d.compared == len(firms)
    mine = d.changes[d.changes["统一社会信用代码"] == low["credit_code"]]
    assert len(mine) == 1 and mine["原因"].iloc[0] == "输入数据变化（税收（万元））"
    others = d.changes[d.changes["统一社会信用代码"] != low["credit_code"]]
    assert (others["原因"] == "组内其他企业的输入数据变化（分类按年度组内排名）").all()
