"""The dask engine of the idle audit gives the single-process engine's results, row for row.

Runs on a real ``dask.distributed`` LocalCluster (two worker processes, started once for the
module) over the synthetic sample (合成数据), split into partitions in each supported way.
"""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from dcf_spatial import sample

from dcf_spatial.store import catalog
from dcf_spatial.errors import InputError
from dcf_spatial.cli.audit import describe_efficiency
from dcf_spatial.land import dask as dengine
from dcf_spatial.land import audit_efficiency, audit_idle
from dcf_spatial.land.idle_audit import status_counts

from _stores import new_store

AS_OF = "2025-12-31"


@pytest.fixture(scope="module")
def parcels():
    return sample.generate_parcels(1500, seed=5)


@pytest.fixture(scope="module")
def single(parcels, tmp_path_factory):
    out = tmp_path_factory.mktemp("single")
    return audit_idle(parcels, out=out, as_of=AS_OF, map=False).frame.reset_index(drop=True)


def _same(expected, got):
    """Row-for-row equality of an audit result, its input rows numbered 1..n in order."""
    assert list(got["row"]) == list(range(1, len(expected) + 1))
    assert set(expected.columns) <= set(got.columns)
    _same_table(expected, got)


def _split(parcels, k):
    return np.array_split(np.arange(len(parcels)), k)


def test_geoparquet_folder_matches_single_process(parcels, single, cluster, tmp_path):
    folder = tmp_path / "parcels"
    folder.mkdir()
    parts = _split(parcels, 5)
    for i, idx in enumerate(parts):
        parcels.iloc[idx].to_parquet(folder / f"p{i}.parquet")
    # the test means something only if a duplicated id spans two partitions
    where = {pid: {i for i, idx in enumerate(parts) if pid in set(parcels["parcel_id"].iloc[idx])}
             for pid in parcels.loc[parcels["parcel_id"].duplicated(), "parcel_id"]}
    assert any(len(v) > 1 for v in where.values())
    summary = audit_idle(folder, out=tmp_path / "out", engine="dask", as_of=AS_OF, scheduler=cluster).to_dict()
    got = dengine.read_result(tmp_path / "out")
    _same(single, got)
    assert summary["rows"] == len(parcels) and summary["partitions"] == 5
    # parcels once (a repeated id on its first row), as the workbooks count; every row apart
    assert summary["counts"] == status_counts(single)
    assert summary["rows_by_status"] == single["status"].value_counts().reindex(
        summary["counts"].keys(), fill_value=0).to_dict()
    assert sum(summary["counts"].values()) < len(parcels)  # the sample's repeated ids counted once
    assert any("合成数据" in n for n in summary["notes"])
    with pytest.raises(InputError, match="overwrite"):
        audit_idle(folder, out=tmp_path / "out", engine="dask", as_of=AS_OF, scheduler=cluster)


def test_row_groups_and_feature_slices_match_single_process(parcels, single, cluster, tmp_path, capfd):
    one = tmp_path / "parcels.parquet"
    parcels.to_parquet(one, row_group_size=400)
    audit_idle(one, out=tmp_path / "a", engine="dask", as_of=AS_OF, scheduler=cluster).to_dict()
    _same(single, dengine.read_result(tmp_path / "a"))
    gpkg = tmp_path / "parcels.gpkg"
    parcels.to_file(gpkg, driver="GPKG")
    capfd.readouterr()
    audit_idle(gpkg, out=tmp_path / "b", engine="dask", as_of=AS_OF, scheduler=cluster, partitions=3, progress=True).to_dict()
    shown = capfd.readouterr()
    assert "100%" in shown.err and "100%" not in shown.out  # the progress bar goes to stderr
    _same(single, dengine.read_result(tmp_path / "b"))


def test_postgis_table_in_page_ranges_matches_single_process(parcels, cluster, tmp_path, request):
    from dcf_spatial.io.pg import write_pg_table

    url = new_store("postgis", tmp_path, request)
    catalog.copy_store(catalog.settings.store, url)  # the zone layers, in the database
    assert write_pg_table(parcels, "pg:parcels", store=url).startswith("pg:t_")
    expected = audit_idle(parcels, out=tmp_path / "single", as_of=AS_OF, map=False, store=url).frame
    summary = audit_idle("pg:parcels", out=tmp_path / "out", engine="dask", as_of=AS_OF, scheduler=cluster,
                                          store=url, partitions=4).to_dict()
    assert summary["partitions"] > 1
    _same(expected.reset_index(drop=True), dengine.read_result(tmp_path / "out"))


def test_zone_join_pushed_down_to_postgis_agrees_with_the_in_process_join(parcels, tmp_path, request):
    from dcf_spatial.land.zones import join_zones
    from dcf_spatial.land.zones_pg import assign_zones_in_db
    from dcf_spatial.io.pg import write_pg_table

    url = new_store("postgis", tmp_path, request)
    catalog.copy_store(catalog.settings.store, url)
    write_pg_table(parcels, "pg:parcels", store=url)
    in_db = assign_zones_in_db("pg:parcels", store=url)
    local = join_zones(parcels, store=url).reset_index(drop=True)
    assert len(in_db) == len(parcels)
    for kind in ("township", "cluster", "park"):
        # (the in-process join's ids are a category: compared as text, missing as "")
        assert (in_db[f"{kind}_id"].astype(object).fillna("").tolist()
                == local[f"{kind}_id"].astype(object).fillna("").tolist()), kind
        assert in_db[f"{kind}_method"].tolist() == local[f"{kind}_method"].tolist(), kind
        np.testing.assert_allclose(in_db[f"{kind}_share"], local[f"{kind}_share"], rtol=0, atol=1e-9)
    assert (in_db["township_method"] == "largest_share").any()  # boundary-crossing parcels were exercised


# --- 亩产效益 classes -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def enterprises(parcels):
    return sample.generate_enterprises(parcels, seed=5)


@pytest.fixture(scope="module")
def single_eff(parcels, enterprises, tmp_path_factory):
    out = tmp_path_factory.mktemp("single_eff")
    return audit_efficiency(enterprises, out=out, parcels=parcels, as_of=AS_OF, map=False)


def _same_table(expected, got, skip=()):
    """Column-by-column equality; missing values compare equal whatever their marker (pd.NA/None/NaN),
    since GeoParquet stores them all as null; geometries must be exactly equal."""
    assert len(got) == len(expected)
    geometry = expected.geometry.name if isinstance(expected, gpd.GeoDataFrame) else None
    for col in expected.columns:
        if col in skip:
            continue
        a, b = expected[col], got[col]
        if col == geometry:
            assert a.geom_equals_exact(b, tolerance=0).all(), col
            continue
        a = a.astype(object).where(a.notna(), None).tolist()
        b = b.astype(object).where(b.notna(), None).tolist()
        if pd.api.types.is_float_dtype(expected[col]):
            np.testing.assert_allclose(np.array(a, dtype=float), np.array(b, dtype=float), rtol=0, atol=0, err_msg=col)
        else:
            assert a == b, col


@pytest.mark.parametrize("held", [True, False], ids=["held_in_memory", "written_then_marked"])
def test_efficiency_classes_match_single_process(parcels, enterprises, single_eff, cluster, tmp_path, monkeypatch,
                                                 held):
    """Both ways of the 低效用地 pass give the single engine's rows: the audited partitions kept on the
    workers and written once (inputs up to HOLD_MAX_ROWS_PER_THREAD parcels a worker thread), or written
    as audited and given the two columns in a second write (larger inputs: a worker holds one partition)."""
    from dcf_spatial.land.dask import engine as dask_engine

    if not held:
        monkeypatch.setattr(dask_engine, "HOLD_MAX_ROWS_PER_THREAD", 0)
    ent_dir, par_dir = tmp_path / "ent", tmp_path / "par"
    ent_dir.mkdir()
    par_dir.mkdir()
    # enterprises in 3 files, parcels in 4: a firm's parcels and its rank peers lie in other partitions
    for i, idx in enumerate(_split(enterprises, 3)):
        enterprises.iloc[idx].to_parquet(ent_dir / f"e{i}.parquet")
    for i, idx in enumerate(_split(parcels, 4)):
        parcels.iloc[idx].to_parquet(par_dir / f"p{i}.parquet")
    summary = audit_efficiency(ent_dir, out=tmp_path / "out", engine="dask", parcels=par_dir, as_of=AS_OF, scheduler=cluster).to_dict()
    got_ent, got_par = dengine.read_efficiency_result(tmp_path / "out")
    expected = single_eff.frame.reset_index(drop=True)
    # the class cuts are global: a partition alone would rank its own firms differently
    assert set(expected["eff_class"]) >= {"A", "B", "C", "D", "T"}
    assert (expected["land_area_source"] == "宗地合计").any()  # land areas came from parcels in other partitions
    _same_table(expected, got_ent)
    assert list(got_ent["row"]) == list(range(1, len(enterprises) + 1))
    _same(single_eff.parcels.reset_index(drop=True), got_par)
    assert summary["counts"] == single_eff.counts
    for name, table in single_eff.summaries.items():
        _same_table(table, pd.DataFrame(summary["low_tables"][name]))
    assert summary["files"]["enterprises"] and len(summary["files"]["parcels"]) >= 4
    assert any("合成数据" in n for n in summary["notes"])
    assert any("示意" in n for n in summary["notes"])
    # each step's partitions are counted from dask's own task stream (the benchmark's per-partition figures)
    tasks = summary["tasks"]
    assert tasks["ids"]["tasks"]["ids_of"]["n"] == 4
    assert tasks["audit"]["tasks"]["audit_partition"]["n"] == 4
    mark_task = "mark_frame" if held else "mark_low"
    assert set(tasks["mark"]["tasks"]) == {mark_task}
    assert tasks["mark"]["tasks"][mark_task]["n"] == len(summary["files"]["parcels"])
    assert all(tasks[k]["workers_cpu_s"] > 0 for k in ("ids", "audit", "mark"))


def test_added_columns_keep_the_geometry_and_the_other_columns(parcels, tmp_path):
    """The 低效用地 pass adds two columns to a written partition without decoding its geometry: what
    geopandas reads back is the partition with the columns, as if written by ``to_parquet``."""
    from dcf_spatial.land.dask.efficiency import append_columns
    import pyarrow.parquet as pq

    part = parcels.iloc[:200].copy()
    part["status"] = pd.array(["闲置"] * 200, dtype="string")
    part["eff_class_zh"] = "old"  # replaced, not duplicated
    path = tmp_path / "part.parquet"
    part.to_parquet(path, index=False)
    extra = pd.DataFrame({"low_efficiency": np.where(np.arange(200) % 2, "闲置土地", ""),
                          "eff_class_zh": pd.array(["A类"] * 199 + [pd.NA], dtype="string")})
    append_columns(pq.read_table(path), extra, path)
    expected = part.drop(columns="eff_class_zh").assign(low_efficiency=extra["low_efficiency"].to_numpy(),
                                                        eff_class_zh=extra["eff_class_zh"].array)
    got = gpd.read_parquet(path)
    assert list(got.columns) == list(expected.columns)
    assert got.crs == part.crs and got.geometry.name == part.geometry.name
    _same_table(expected.reset_index(drop=True), got)
    assert isinstance(got["eff_class_zh"].dtype, pd.StringDtype) and isinstance(got["status"].dtype, pd.StringDtype)
    assert got["eff_class_zh"].isna().sum() == 1


def test_efficiency_without_parcels_from_one_table(enterprises, cluster, tmp_path):
    csv = tmp_path / "企业.csv"
    enterprises.to_csv(csv, index=False, encoding="utf-8")
    expected = audit_efficiency(csv, out=tmp_path / "single").frame
    summary = audit_efficiency(csv, out=tmp_path / "out", engine="dask", scheduler=cluster).to_dict()
    got, parcels_out = dengine.read_efficiency_result(tmp_path / "out")
    assert parcels_out is None and summary["parcels"] == 0
    _same_table(expected.reset_index(drop=True), got)
    assert any("未提供宗地" in n for n in summary["notes"])


def test_efficiency_with_postgis_parcels_matches_single_process(parcels, enterprises, cluster, tmp_path, request):
    from dcf_spatial.io.pg import write_pg_table

    url = new_store("postgis", tmp_path, request)
    catalog.copy_store(catalog.settings.store, url)
    spec = write_pg_table(parcels, "pg:parcels", store=url)  # pg:SCHEMA.TABLE in the test's own schema
    expected = audit_efficiency(enterprises, out=tmp_path / "single", parcels=parcels, as_of=AS_OF, map=False,
                              store=url)
    ent = tmp_path / "enterprises.parquet"
    enterprises.to_parquet(ent, row_group_size=100)
    summary = audit_efficiency(ent, out=tmp_path / "out", engine="dask", parcels=spec, as_of=AS_OF,
                                          scheduler=cluster, store=url, partitions=3).to_dict()
    assert summary["partitions"]["parcels"] > 1 and summary["partitions"]["enterprises"] > 1
    got_ent, got_par = dengine.read_efficiency_result(tmp_path / "out")
    _same_table(expected.frame.reset_index(drop=True), got_ent)
    _same(expected.parcels.reset_index(drop=True), got_par)
    lines = "\n".join(describe_efficiency(summary))
    assert "监控面板" in lines and "efficiency_parcels.parquet" in lines and "efficiency_summary.json" in lines


def test_enterprise_table_without_geometry_in_postgis(enterprises, cluster, tmp_path, request):
    from dcf_spatial.store.backends.postgis import PostgisStore

    url = new_store("postgis", tmp_path, request)
    st = PostgisStore(url)
    with st.engine.begin() as con:
        con.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{st.schema}"')
        enterprises.to_sql("enterprises", con, schema=st.schema, index=False)
    expected = audit_efficiency(enterprises, out=tmp_path / "single").frame
    summary = audit_efficiency(f"pg:{st.schema}.enterprises", out=tmp_path / "out", engine="dask", scheduler=cluster,
                                          store=url, partitions=3).to_dict()
    got, _ = dengine.read_efficiency_result(tmp_path / "out")
    assert summary["partitions"]["enterprises"] > 1
    _same_table(expected.reset_index(drop=True), got)


def test_ids_pass_reads_aliased_and_mapped_id_columns(parcels, tmp_path):
    """The first pass reads a GeoParquet partition's id column alone; it must find the same column the
    full read's aliases and ``field_map`` make ``parcel_id`` (宗地代码 is a parcels alias in
    data/field_aliases.json), or duplicates would be missed."""
    from dcf_spatial.land.dask.engine import _ids_of
    from dcf_spatial.land.dask.partitions import plan_partitions, read_partition
    from dcf_spatial.land.parcels import _blank_to_na

    renamed = parcels.rename(columns={"parcel_id": "宗地代码"})
    renamed["地块号"] = "X-" + renamed["宗地代码"].astype(str)   # not an alias: only a field_map makes it the id
    path = tmp_path / "p.parquet"
    renamed.to_parquet(path)
    part = plan_partitions(path)[0]
    for field_map in (None, {"parcel_id": "地块号"}):
        n, ids = _ids_of(part, field_map, None, None)
        full = read_partition(part, field_map=field_map)
        assert n == len(parcels)
        assert ids.tolist() == _blank_to_na(full["parcel_id"]).reset_index(drop=True).tolist()
    assert _ids_of(part, {"parcel_id": "地块号"}, None, None)[1].iloc[0].startswith("X-")
    no_id = tmp_path / "no_id.parquet"
    parcels.drop(columns="parcel_id").to_parquet(no_id)
    n, ids = _ids_of(plan_partitions(no_id)[0], None, None, None)
    assert n == len(parcels) and ids.isna().all()


def test_aliased_geoparquet_matches_single_process(parcels, single, cluster, tmp_path):
    """Chinese field names (宗地代码 …) in the GeoParquet files: the same result as the single engine,
    the duplicated ids spanning partitions included."""
    folder = tmp_path / "parcels"
    folder.mkdir()
    for i, idx in enumerate(_split(parcels, 3)):
        parcels.iloc[idx].rename(columns={"parcel_id": "宗地代码"}).to_parquet(folder / f"p{i}.parquet")
    audit_idle(folder, out=tmp_path / "out", engine="dask", as_of=AS_OF, scheduler=cluster)
    _same(single, dengine.read_result(tmp_path / "out"))


def test_local_cluster_runs_its_task_threads_per_worker_and_holds_by_workers(monkeypatch):
    """The in-process LocalCluster of n workers runs n × LOCAL_THREADS_PER_WORKER task threads (set to 2
    here, as `--compare-threads 2` does), but how many audited parcels may wait in memory
    still counts the n workers, not the extra threads."""
    from dcf_spatial.land.dask import cluster
    from dcf_spatial.land.dask.engine import HOLD_MAX_ROWS_PER_THREAD, hold_fits

    monkeypatch.setattr(cluster, "LOCAL_THREADS_PER_WORKER", 2)
    client, local = cluster.connect(None, 2, dashboard=False)
    try:
        assert sum(client.nthreads().values()) == 4
        assert hold_fits(client, 2 * HOLD_MAX_ROWS_PER_THREAD)
        assert not hold_fits(client, 2 * HOLD_MAX_ROWS_PER_THREAD + 1)
    finally:
        client.close()
        local.close()


def test_month_dates_and_a_repeated_id_give_the_single_engines_totals(cluster, tmp_path):
    """A ledger as a new user gave it: a parcel id on two rows (in two partitions) and start dates given
    to the month; the dask engine lists every row as the single engine does and counts the parcel once."""
    from test_idle_audit import parcel_frame

    rows = [{"parcel_id": "P1", "agreed_start": "2019-06-01", "land_price_wan": 960.0},
            {"parcel_id": "P2", "agreed_start": "2022年3月"},      # idle on every day of March 2022 by 2025-12-31
            {"parcel_id": "P3", "agreed_start": "2024-12"},         # one year full for 12-01, not for 12-31
            {"parcel_id": "P1", "agreed_start": "2019-06-01", "land_price_wan": 960.0}]
    gdf = parcel_frame(rows).to_crs(4490)
    single = audit_idle(gdf, out=tmp_path / "single", as_of=AS_OF, map=False)
    folder = tmp_path / "parts"
    folder.mkdir()
    gdf.iloc[:2].to_parquet(folder / "p0.parquet")
    gdf.iloc[2:].to_parquet(folder / "p1.parquet")
    summary = audit_idle(folder, out=tmp_path / "dask", engine="dask", as_of=AS_OF, scheduler=cluster).to_dict()
    got = dengine.read_result(tmp_path / "dask").sort_values("row")
    exp = single.frame
    assert got["status"].tolist() == exp["status"].tolist() == ["idle_reclaim", "idle_reclaim", "insufficient_data",
                                                                "idle_reclaim"]
    assert got["in_totals"].tolist() == exp["in_totals"].tolist() == [True, True, True, False]
    assert got["reason_zh"].astype(str).tolist() == exp["reason_zh"].astype(str).tolist()
    once = exp["fee_wan"][exp["in_totals"]].sum()
    # every idle parcel here is 满两年: 无偿收回 (《闲置土地处置办法》第十四条第（二）项), in no fee total; P1's price once
    assert summary["fee_wan"] == pytest.approx(once) == pytest.approx(0.0)
    assert summary["console"]["reclaim_price_wan"] == pytest.approx(960.0 + 1000.0)   # P1 once, P2 (parcel_frame's price)
    assert summary["area_mu"]["idle_reclaim"] == pytest.approx(exp["area_mu"][exp["in_totals"]
                                                                              & (exp["status"] == "idle_reclaim")].sum())


def test_ids_written_two_ways_and_a_total_row_give_the_single_engines_statuses_and_totals(cluster, tmp_path):
    """``0007`` and ``7`` in two partitions are one parcel (README: ``0012`` = ``12``), counted once; a
    ledger's 合计 row (the area of the others summed, no dates) is listed as 非宗地行 and counted in no total."""
    from test_idle_audit import parcel_frame

    rows = [{"parcel_id": "0007", "agreed_start": "2019-06-01", "land_price_wan": 960.0},
            {"parcel_id": "P2", "agreed_start": "2022-03-01"},
            {"parcel_id": "7", "agreed_start": "2019-06-01", "land_price_wan": 960.0},
            {"parcel_id": "合计", "land_use_code": None, "land_price_wan": 2880.0}]
    gdf = parcel_frame(rows).to_crs(4490)
    single = audit_idle(gdf, out=tmp_path / "single", as_of=AS_OF, map=False)
    folder = tmp_path / "parts"
    folder.mkdir()
    gdf.iloc[:2].to_parquet(folder / "p0.parquet")
    gdf.iloc[2:].to_parquet(folder / "p1.parquet")
    summary = audit_idle(folder, out=tmp_path / "dask", engine="dask", as_of=AS_OF, scheduler=cluster).to_dict()
    got = dengine.read_result(tmp_path / "dask").sort_values("row")
    exp = single.frame
    assert got["status"].tolist() == exp["status"].tolist() == ["idle_reclaim", "idle_reclaim", "idle_reclaim",
                                                                "not_a_parcel"]
    assert got["in_totals"].tolist() == exp["in_totals"].tolist() == [True, True, False, False]
    assert got["reason_zh"].astype(str).tolist() == exp["reason_zh"].astype(str).tolist()
    # all three are 满两年 (第十四条第（二）项: 无偿收回, in no fee total); the parcel 0007 = 7 priced once
    assert summary["fee_wan"] == pytest.approx(exp["fee_wan"][exp["in_totals"]].sum()) == pytest.approx(0.0)
    assert summary["console"]["reclaim_price_wan"] == pytest.approx(960.0 + 1000.0)   # 0007 once, P2
