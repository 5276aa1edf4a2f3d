"""`dcf audit idle|efficiency --engine dask` through the CLI, on a real LocalCluster, and `pg:` inputs.

The dask results are proven identical to the single-process engine in ``test_audit_dask.py``;
here: the options, the inputs a user gives (a GeoParquet folder, several files, ``pg:SCHEMA.TABLE``),
what is printed (counts, files, dashboard; progress bar on stderr only, silenced by ``-q``/``--json``)
and the refusals. Data: the synthetic sample (合成数据).
"""

import json

import pytest
from click.testing import CliRunner

from dcf_spatial import sample

from dcf_spatial.store import catalog
from dcf_spatial.cli.main import cli
from dcf_spatial.land import dask as dengine

from _stores import new_store

AS_OF = "2025-12-31"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The sample as a GeoParquet folder (3 files), two GeoPackages and an enterprise CSV."""
    root = tmp_path_factory.mktemp("dask_cli")
    parcels = sample.generate_parcels(600, seed=11)
    ent = sample.generate_enterprises(parcels, seed=11)
    folder = root / "parcels"
    folder.mkdir()
    k = len(parcels) // 3
    for i in range(3):
        parcels.iloc[i * k:(i + 1) * k if i < 2 else None].to_parquet(folder / f"part{i}.parquet")
    half = len(parcels) // 2
    parcels.iloc[:half].to_file(root / "a.gpkg", driver="GPKG")
    parcels.iloc[half:].to_file(root / "b.gpkg", driver="GPKG")
    parcels.to_file(root / "all.gpkg", driver="GPKG")
    ent.to_csv(root / "企业.csv", index=False)
    return {"root": root, "parcels": parcels, "folder": folder, "enterprises": root / "企业.csv"}


def _run(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def _single_counts(data, tmp_path):
    res = _run(["audit", "idle", "--parcels", str(data["root"] / "all.gpkg"), "--as-of", AS_OF,
                "-o", str(tmp_path / "single"), "--no-map", "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["counts"]


def test_idle_on_dask_prints_counts_files_and_dashboard(data, cluster, tmp_path):
    out = tmp_path / "dask"
    res = _run(["audit", "idle", "--parcels", str(data["folder"]), "--as-of", AS_OF, "-o", str(out),
                "--engine", "dask", "--scheduler", cluster])
    assert res.exit_code == 0, res.output
    text = res.stdout
    assert "dask 引擎" in text and "3 个输入分区" in text and f"输入 {len(data['parcels']):,} 宗" in text
    assert "监控面板" in text and cluster in text
    assert str(out / dengine.RESULT_FOLDER) in text and str(out / dengine.SUMMARY_FILE) in text
    assert "合成数据" in text and "示意图层" in text
    assert "100%" in res.stderr and "100%" not in text  # the progress bar is on stderr
    # the same statuses as the single engine, counted the same
    single = _single_counts(data, tmp_path)
    written = json.loads((out / dengine.SUMMARY_FILE).read_text(encoding="utf-8"))
    assert {k: v for k, v in written["counts"].items() if v} == {k: v for k, v in single.items() if v}
    assert len(dengine.read_result(out)) == len(data["parcels"])
    # never overwritten without --overwrite
    again = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(data["folder"]), "--as-of", AS_OF,
                                     "-o", str(out), "--engine", "dask", "--scheduler", cluster])
    assert again.exit_code != 0 and "--overwrite" in again.output


def test_idle_on_dask_from_several_files_with_json_and_quiet(data, cluster, tmp_path):
    args = ["audit", "idle", "--parcels", str(data["root"] / "a.gpkg"), "--parcels", str(data["root"] / "b.gpkg"),
            "--as-of", AS_OF, "--engine", "dask", "--scheduler", cluster, "--json"]
    res = _run(args + ["-o", str(tmp_path / "j")])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["rows"] == len(data["parcels"]) and summary["partitions"] == 2
    assert summary["dashboard"] is None or summary["dashboard"].startswith("http")
    assert "100%" not in res.stderr  # --json silences the bar
    quiet = _run(["-q"] + [a for a in args if a != "--json"] + ["-o", str(tmp_path / "q")])
    assert quiet.exit_code == 0, quiet.output
    assert "100%" not in quiet.stderr and "dask 引擎" in quiet.stdout


def test_partitions_splits_one_file(data, cluster, tmp_path):
    res = _run(["audit", "idle", "--parcels", str(data["root"] / "all.gpkg"), "--as-of", AS_OF, "-o", str(tmp_path),
                "--engine", "dask", "--scheduler", cluster, "--partitions", "4", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["partitions"] == 4


def test_efficiency_on_dask_matches_single_engine_counts(data, cluster, tmp_path):
    single = _run(["audit", "efficiency", "--enterprises", str(data["enterprises"]), "--parcels",
                   str(data["root"] / "all.gpkg"), "--as-of", AS_OF, "-o", str(tmp_path / "single"), "--no-map",
                   "--json"])
    assert single.exit_code == 0, single.output
    res = _run(["audit", "efficiency", "--enterprises", str(data["enterprises"]), "--parcels", str(data["folder"]),
                "--as-of", AS_OF, "-o", str(tmp_path / "dask"), "--engine", "dask", "--scheduler", cluster])
    assert res.exit_code == 0, res.output
    assert "亩产效益评价（dask 引擎）" in res.stdout and "低效用地合计" in res.stdout and "监控面板" in res.stdout
    summary = json.loads((tmp_path / "dask" / dengine.EFFICIENCY_SUMMARY).read_text(encoding="utf-8"))
    assert summary["counts"] == json.loads(single.stdout)["counts"]
    ent, parcels = dengine.read_efficiency_result(tmp_path / "dask")
    assert len(parcels) == len(data["parcels"]) and "low_efficiency" in parcels.columns


def test_efficiency_on_a_local_cluster_started_by_the_command(data, tmp_path):
    res = _run(["audit", "efficiency", "--enterprises", str(data["enterprises"]), "-o", str(tmp_path),
                "--engine", "dask", "--partitions", "2", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    # two workers: threads of the command's own process (an in-process scheduler), see cluster.LOCAL_THREADS_MAX
    assert summary["scheduler"].startswith("inproc://") and summary["parcels"] == 0


@pytest.mark.parametrize("extra, hint", [
    (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler"),
    (["--partitions", "4"], "--partitions"),
])
def test_dask_options_refused_with_the_single_engine(data, tmp_path, extra, hint):
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(data["root"] / "all.gpkg"), "--as-of", AS_OF,
                                   "-o", str(tmp_path)] + extra)
    assert res.exit_code == 2 and hint in res.output and "--engine dask" in res.output


def test_single_engine_takes_one_parcel_input(data, tmp_path):
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(data["root"] / "a.gpkg"), "--parcels",
                                   str(data["root"] / "b.gpkg"), "--as-of", AS_OF, "-o", str(tmp_path)])
    assert res.exit_code == 2 and "--parcels" in res.output and "--engine dask" in res.output


def test_imagery_and_missing_input_refused_on_dask(data, tmp_path):
    tif = tmp_path / "x.tif"
    tif.write_bytes(b"")
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(data["folder"]), "--as-of", AS_OF,
                                   "-o", str(tmp_path / "o"), "--engine", "dask", "--imagery", str(tif)])
    assert res.exit_code == 2 and "--imagery" in res.output
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(tmp_path / "nowhere"), "--as-of", AS_OF,
                                   "-o", str(tmp_path / "o"), "--engine", "dask"])
    assert res.exit_code == 2 and "nowhere" in res.output
    assert not (tmp_path / "o").exists()


def test_unreachable_scheduler_is_a_usage_error(data, tmp_path):
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(data["folder"]), "--as-of", AS_OF,
                                   "-o", str(tmp_path), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"])
    assert res.exit_code == 2 and "--scheduler" in res.output and "dask scheduler" in res.output


def test_pg_inputs_on_both_engines(data, cluster, tmp_path, request):
    from dcf_spatial.io.pg import write_pg_table

    url = new_store("postgis", tmp_path, request)
    catalog.copy_store(catalog.settings.store, url)
    spec = write_pg_table(data["parcels"], "pg:parcels", store=url)
    single = _run(["--store", url, "audit", "idle", "--parcels", spec, "--as-of", AS_OF, "-o", str(tmp_path / "s"),
                   "--no-map", "--json"])
    assert single.exit_code == 0, single.output
    rows = json.loads(single.stdout)
    assert rows["parcels_in"] == len(data["parcels"])
    assert [r["parcel_id"] for r in rows["parcels"]] == data["parcels"]["parcel_id"].tolist()
    dask = _run(["--store", url, "audit", "idle", "--parcels", spec, "--as-of", AS_OF, "-o", str(tmp_path / "d"),
                 "--engine", "dask", "--scheduler", cluster, "--partitions", "3", "--json"])
    assert dask.exit_code == 0, dask.output
    summary = json.loads(dask.stdout)
    assert summary["partitions"] > 1
    assert {k: v for k, v in summary["counts"].items() if v} == {k: v for k, v in rows["counts"].items() if v}
    eff = _run(["--store", url, "audit", "efficiency", "--enterprises", str(data["enterprises"]), "--parcels", spec,
                "--as-of", AS_OF, "-o", str(tmp_path / "e"), "--engine", "dask", "--scheduler", cluster, "--json"])
    assert eff.exit_code == 0, eff.output
    assert json.loads(eff.stdout)["parcels"] == len(data["parcels"])
    single_eff = _run(["--store", url, "audit", "efficiency", "--enterprises", str(data["enterprises"]), "--parcels",
                       spec, "--as-of", AS_OF, "-o", str(tmp_path / "se"), "--no-map", "--json"])
    assert single_eff.exit_code == 0, single_eff.output
    assert json.loads(single_eff.stdout)["counts"] == json.loads(eff.stdout)["counts"]


def test_read_vector_reads_a_pg_table(data, tmp_path, request):
    from dcf_spatial import io as dcf_io
    from dcf_spatial.io.pg import write_pg_table

    url = new_store("postgis", tmp_path, request)
    spec = write_pg_table(data["parcels"].rename(columns={"parcel_id": "宗地代码"}), "pg:parcels", store=url)
    previous = catalog.settings.store
    catalog.settings.store = url
    try:
        gdf = dcf_io.read_vector(spec, aliases="parcels")
        table = dcf_io.read_table(spec, aliases="parcels")
    finally:
        catalog.settings.store = previous
    assert gdf.crs.to_epsg() == 4490 and len(gdf) == len(data["parcels"])
    assert gdf["parcel_id"].tolist() == data["parcels"]["parcel_id"].tolist()  # 宗地代码 recognised
    assert any(spec in n for n in gdf.attrs["read_notes"]) and gdf.attrs["source_file"] == spec
    assert "geometry" not in table.columns and table["parcel_id"].tolist() == gdf["parcel_id"].tolist()


def test_pg_input_without_a_postgis_store_is_explained(data, tmp_path):
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", "pg:bureau.parcels", "--as-of", AS_OF,
                                   "-o", str(tmp_path)])
    assert res.exit_code == 2 and "--store" in res.output and "postgresql://" in res.output


def test_pg_enterprise_table_without_geometry_on_the_single_engine(data, tmp_path, request):
    """An enterprise table in the bureau's database has no geometry: both readers take it."""
    import pandas as pd

    from dcf_spatial.io.pg import write_pg_table
    from dcf_spatial.store.backends.postgis import PostgisStore

    url = new_store("postgis", tmp_path, request)
    catalog.copy_store(catalog.settings.store, url)
    spec = write_pg_table(data["parcels"], "pg:parcels", store=url)
    st = PostgisStore(url)
    ent = pd.read_csv(data["enterprises"], dtype=str)
    ent.to_sql("enterprises", st.engine, schema=st.schema, index=False)
    from_file = _run(["--store", url, "audit", "efficiency", "--enterprises", str(data["enterprises"]), "--parcels",
                      spec, "--as-of", AS_OF, "-o", str(tmp_path / "f"), "--no-map", "--json"])
    from_pg = _run(["--store", url, "audit", "efficiency", "--enterprises", "pg:enterprises", "--parcels", spec,
                    "--as-of", AS_OF, "-o", str(tmp_path / "p"), "--no-map", "--json"])
    assert from_file.exit_code == 0 and from_pg.exit_code == 0, from_pg.output
    a, b = json.loads(from_file.stdout), json.loads(from_pg.stdout)
    assert a["counts"] == b["counts"] and len(b["enterprises"]) == len(ent)
    assert [e["credit_code"] for e in a["enterprises"]] == [e["credit_code"] for e in b["enterprises"]]
