"""The register of site checks and recheck (issue 15): record, list, reproduce, recheck.

Checks are recorded in a copy of the default store (GeoPackage) and, when ``DCF_TEST_PG_URL`` is set, in
a fresh PostGIS schema; the cluster boundary is moved with a real ``import`` of the layer.
"""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import affinity

import dcf_spatial as dcf
from dcf_spatial import register, settings
from dcf_spatial.store import catalog

from _stores import STORE_KINDS, checkout_copy

CLUSTER = "cluster.zhengjia"
INDUSTRY = "C3670"  # 汽车零部件及配件制造: designated for 郑家镇工业集聚区 (第八章第一节)


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    return checkout_copy(request, tmp_path)


def _sites(n=50):
    """``n`` points on a line across 郑家镇工业集聚区, from outside its west edge to outside its east edge."""
    zones = dcf.layer("industrial_clusters", store=settings.checkout_store)
    poly = zones.loc[zones["id"] == CLUSTER].geometry.iloc[0]
    x0, y0, x1, y1 = poly.bounds
    y = poly.representative_point().y
    xs = np.linspace(x0 - 0.02, x1 + 0.02, n)
    return gpd.GeoDataFrame({"name": [f"项目{i:02d}" for i in range(n)], "industry": [INDUSTRY] * n,
                             "area_mu": [5.0] * n}, geometry=[shapely.Point(x, y) for x in xs], crs=4490), poly


def _move_cluster(store, tmp_path, dx=0.03, name="moved"):
    """Import industrial_clusters with 郑家镇工业集聚区 moved ``dx``° east; return the moved polygon."""
    gdf = dcf.layer("industrial_clusters", store=store)
    i = gdf.index[gdf["id"] == CLUSTER][0]
    gdf.loc[i, "geometry"] = affinity.translate(gdf.loc[i, "geometry"], xoff=dx)
    f = tmp_path / f"{name}.gpkg"
    gdf.drop(columns=["provenance", "source"]).to_file(f, driver="GPKG")
    dcf.Store(store).import_layer("industrial_clusters", f, provenance="authoritative")
    return gdf.loc[i, "geometry"]


def test_record_50_then_moved_boundary_recheck_lists_exactly_the_flipped(store, tmp_path):
    sites, old_poly = _sites()
    answer = dcf.check_site(sites, store=store, record=True)
    assert len(answer.register_ids) == 50
    recorded = list(answer.verdict)
    listed = register.history(store=store)
    assert len(listed.rows) == 50 and listed.frame["项目名称"].tolist() == sites["name"].tolist()

    new_poly = _move_cluster(store, tmp_path)
    # independently: a fresh check (not recorded, no register code) against the new layers
    fresh = list(dcf.check_site(sites, store=store).verdict)
    expected = {answer.register_ids[i] for i in range(50) if fresh[i] != recorded[i]}
    # only sites whose place in the cluster changed can flip, and some do
    moved = {answer.register_ids[i] for i, p in enumerate(sites.geometry)
             if old_poly.buffer(0.002).contains(p) != new_poly.buffer(0.002).contains(p)
             or old_poly.buffer(0.002).exterior.distance(p) < 0.004 or new_poly.exterior.distance(p) < 0.004}
    assert expected and expected <= moved and len(expected) < 50

    result = register.recheck(store=store)
    assert set(result.flipped) == expected
    flips = result.changes[result.changes["变化"] == "结论变化"]
    assert set(flips["登记号"]) == expected
    assert flips["原因"].str.contains("industrial_clusters").all()
    assert set(result.layer_changes) == {"industrial_clusters"} and not result.file_changes
    out = result.to_table(tmp_path / "changes.xlsx")
    import pandas as pd
    assert set(pd.read_excel(out, sheet_name="变化清单")["登记号"]) >= expected
    # the workbook speaks Chinese: 是/否, shares as percent text
    checks = pd.read_excel(out, sheet_name="核查对照", dtype=str)
    assert set(checks["结论是否改变"]) <= {"是", "否"}
    assert set(checks.loc[checks["登记号"].astype(int).isin(expected), "结论是否改变"]) == {"是"}
    shares = pd.read_excel(out, sheet_name="变化清单", dtype=str)
    shares = shares[shares["变化"].isin(["分区占比变化", "进入分区", "移出分区"])]
    values = pd.concat([shares["原值"], shares["现值"]])
    assert len(shares) and values.str.fullmatch(r"—|\d+(\.\d+)?%").all(), shares.head().to_dict()
    assert values.str.endswith("%").any()


def test_history_show_reproduces_after_two_imports_and_a_reset(store, tmp_path):
    """Record against the second import, then reset: the recorded version is in no layer or history table
    of the store any more (reset overwrote it), yet show gives the recorded answer from the register."""
    from dcf_spatial.register import tables, versions
    from dcf_spatial.store.backends import history_table, open_store

    sites, _ = _sites(8)
    site = sites.geometry.iloc[3]
    _move_cluster(store, tmp_path, 0.01, "a")
    _move_cluster(store, tmp_path, 0.02, "b")
    rid = dcf.check_site(site, INDUSTRY, area_mu=5.0, store=store, record="汽配项目").register_ids[0]
    original = dcf.check_site(site, INDUSTRY, area_mu=5.0, store=store).to_dict()
    sha = json.loads(register.history(store=store).rows["layers"].iloc[0])["industrial_clusters"]
    dcf.Store(store).reset("industrial_clusters")

    st = open_store(store)
    in_store = {versions.frame_sha256(catalog.read_layer("industrial_clusters", store=store))}
    in_store |= {versions.frame_sha256(st.read_table(history_table("industrial_clusters", n)))
                 for n in st.history_entries("industrial_clusters")}
    assert sha not in in_store and len(in_store) == 2   # the first import and the shipped layer remain
    assert ("industrial_clusters", sha) in tables.kept_layer_versions(st)

    rep = register.show(rid, store=store)
    assert rep.identical, rep.differences
    recorded = {k: v for k, v in original.items() if k != "read_notes"}
    assert rep.reproduced == json.loads(json.dumps(recorded, ensure_ascii=False))
    now = dcf.check_site(site, INDUSTRY, area_mu=5.0, store=store).to_dict()
    assert [z["id"] for z in now["zones"]] != [z["id"] for z in original["zones"]] or now["zones"] != original["zones"] \
        or now["designated_zones"] != original["designated_zones"]  # the store really moved on


def test_history_filters_and_exports(store, tmp_path):
    sites, _ = _sites(10)
    dcf.check_site(sites, store=store, record=True)
    dcf.check_site(sites.geometry.iloc[5], "轴承", area_mu=5.0, store=store, record="轴承厂")
    h = register.history(store=store)
    assert len(h.rows) == 11
    assert register.history(store=store, project="轴承").rows["project"].tolist() == ["轴承厂"]
    in_cluster = register.history(store=store, zone=CLUSTER)
    assert len(in_cluster.rows) and all(CLUSTER in z for z in in_cluster.rows["zones"])
    fits = register.history(store=store, verdict="符合")
    assert set(fits.rows["verdict"]) <= {"fits"}
    assert len(register.history(store=store, until="2000-01-01").rows) == 0
    with pytest.raises(dcf.InputError):
        register.history(store=store, since="昨天")
    g = gpd.read_file(h.to_table(tmp_path / "h.gpkg"))
    assert len(g) == 11 and g.crs.to_epsg() == 4490
    assert len(h.to_table(tmp_path / "h.xlsx").read_bytes()) > 0


def test_concurrent_writers_lose_no_record_and_no_import(store, tmp_path):
    """Four threads record while a layer is imported: every record is there once, the import took, and a
    check that a replaced layer overtook is refused loudly (then run again) rather than recorded with the
    wrong version; every record reproduces."""
    from concurrent.futures import ThreadPoolExecutor

    sites, _ = _sites(12)
    refused = []

    def record(k):
        part = sites.iloc[k * 3:(k + 1) * 3]
        for _ in range(5):
            try:
                return dcf.check_site(part, store=store, record=f"线程{k}").register_ids
            except dcf.InputError as exc:
                assert "被他人修改" in str(exc) and "未记入核查登记" in str(exc)
                refused.append(k)
        raise AssertionError("never recorded")

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(record, k) for k in range(4)]
        _move_cluster(store, tmp_path)
        ids = [i for f in futures for i in f.result()]
    assert len(ids) == len(set(ids)) == 12
    rows = register.history(store=store).rows
    assert sorted(rows["id"]) == sorted(ids)
    # a batch label keeps each row's own name: "线程0 / 项目00" (each thread recorded its own three rows)
    assert sorted(rows["project"]) == sorted(f"线程{k} / 项目{i:02d}" for k in range(4) for i in range(k * 3, k * 3 + 3))
    assert catalog.describe_layer("industrial_clusters", store=store)["version"] == 2
    assert len(rows) == 12  # a refused attempt left nothing behind
    by_version = {json.loads(r)["industrial_clusters"]: i for r, i in zip(rows["layers"], rows["id"])}
    for rid in by_version.values():
        assert register.show(int(rid), store=store).identical


def test_cli_record_history_show_recheck(tmp_path):
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    run = lambda *a: CliRunner().invoke(cli, ["--store", str(st), *a], catch_exceptions=False)
    r = run("site", "check", "--site", "115.75,36.455", "--industry", "轴承", "--area-mu", "50", "--record",
            "--project", "轴承项目", "--json")
    assert r.exit_code == 0, r.output
    listed = run("site", "history", "--project", "轴承", "--json")
    rows = json.loads(listed.stdout)
    assert [x["project"] for x in rows] == ["轴承项目"] and rows[0]["verdict"] == json.loads(r.stdout)["verdict"]
    shown = run("site", "history", "show", str(rows[0]["id"]), "--json")
    assert json.loads(shown.stdout)["identical"] is True
    assert json.loads(shown.stdout)["result"]["verdict"] == rows[0]["verdict"]
    out = tmp_path / "changes.xlsx"
    again = run("site", "recheck", "--since", "2000-01-01", "-o", str(out), "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["flipped"] == [] and out.exists()
    bad = run("site", "history", "--verdict", "好")
    assert bad.exit_code != 0 and "--verdict" in bad.output
    assert run("site", "check", "--site", "115.75,36.455", "--industry", "轴承", "--project", "x").exit_code != 0


def test_recheck_names_a_changed_threshold_and_its_file_and_show_keeps_the_old_rule(tmp_path, monkeypatch):
    """The bureau edits the indicator table (容积率 of division 35 from 0.7 to 1.0): recheck lists the changed
    threshold with the file that changed; history show still gives the recorded answer from the kept file."""
    from dcf_spatial.register.rerun import _clear_caches

    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    kw = dict(area_mu=50, floor_area_m2=28000, store=st)
    before = dcf.check_site("115.75,36.455", "轴承", record="容积率", **kw)
    (ratio,) = [i for i in before.results[0]["indicators"] if i["indicator"] == "plot_ratio"]
    assert ratio["threshold"] == 0.7 and ratio["status"] == "pass"   # 28000 m² on 50 亩 (33,333 m²): 0.84
    data = tmp_path / "data"
    shutil.copytree(settings.data_dir, data)
    f = data / "land_control_indicators_2008.csv"
    f.write_text(f.read_text(encoding="utf-8").replace("plot_ratio,35,*,>=,0.7,", "plot_ratio,35,*,>=,1.0,"), encoding="utf-8")
    monkeypatch.setattr(settings, "data_dir", data)
    _clear_caches()
    try:
        result = register.recheck(store=st)
        changes = result.changes
        row = changes[changes["变化"] == "指标阈值变化"]
        assert len(row) == 1 and row["对象"].iloc[0] == "容积率"
        assert row["原值"].iloc[0].startswith(">=0.7") and row["现值"].iloc[0].startswith(">=1.0")
        assert "land_control_indicators_2008.csv" in row["原因"].iloc[0]
        assert set(result.file_changes) == {"land_control_indicators_2008.csv"} and not result.layer_changes
        rep = register.show(before.register_ids[0], store=st)
        assert rep.identical
        (kept,) = [i for i in rep.reproduced["indicators"] if i["indicator"] == "plot_ratio"]
        assert kept["threshold"] == 0.7
    finally:
        monkeypatch.undo()
        _clear_caches()


def test_import_dry_run_reports_moves_transfers_and_flips_and_writes_nothing(store, tmp_path):
    from dcf_spatial.register.preview import preview_import

    sites, old_poly = _sites(20)
    answer = dcf.check_site(sites, store=store, record=True)
    gdf = dcf.layer("industrial_clusters", store=store)
    i = gdf.index[gdf["id"] == CLUSTER][0]
    new_poly = affinity.translate(gdf.loc[i, "geometry"], xoff=0.03)
    gdf.loc[i, "geometry"] = new_poly
    f = tmp_path / "moved.gpkg"
    gdf.drop(columns=["provenance", "source"]).to_file(f, driver="GPKG")
    version = catalog.describe_layer("industrial_clusters", store=store)["version"]

    p = preview_import("industrial_clusters", f, store=store, provenance="authoritative")
    assert catalog.describe_layer("industrial_clusters", store=store)["version"] == version  # nothing written
    assert p.added == [] and p.removed == [] and p.moved["编号"].tolist() == [CLUSTER]
    # 亩 that leave the cluster: the old polygon minus the new one, measured independently in EPSG:4548
    w = gpd.GeoSeries([old_poly, new_poly], crs=4490).to_crs(4548)
    left_mu = w.iloc[0].difference(w.iloc[1]).area / (10000 / 15)
    assert p.moved["移出（亩）"].iloc[0] == pytest.approx(left_mu, rel=1e-3)
    # the flips the import would cause are those a fresh check against the imported layer gives
    _move_cluster(store, tmp_path, name="real")
    fresh = list(dcf.check_site(sites, store=store).verdict)
    expected = {answer.register_ids[k] for k in range(20) if fresh[k] != list(answer.verdict)[k]}
    assert expected and set(p.flips.flipped) == expected
    assert "结论将改变" in p.summary_text()


def test_batch_file_records_every_row_bad_ones_too(tmp_path):
    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    f = tmp_path / "项目清单.csv"
    f.write_text("项目名称,经度,纬度,行业,用地面积(亩)\n甲,115.75,36.455,轴承,50\n乙,115.80,36.47,没有这个行业词,30\n"
                 "丙,115.98,36.44,轴承,20\n", encoding="utf-8")
    answer = dcf.check_batch(f, store=st, record=True)
    assert len(answer.register_ids) == 3
    rows = register.history(store=st).rows
    assert rows["status"].tolist() == ["ok", "error", "ok"]
    assert rows["row_label"].tolist() == [r["row_label"] for r in answer.results]
    assert rows["source"].iloc[0] == str(f) and rows["project"].tolist() == ["甲", "乙", "丙"]
    assert register.show(int(rows["id"].iloc[2]), store=st).identical
    assert register.recheck(store=st).checks["登记号"].tolist() == [int(rows["id"].iloc[0]), int(rows["id"].iloc[2])]


def test_recheck_against_a_recorded_version_set_and_map_of_changes(store, tmp_path):
    """Record 20 sites, move the cluster, record them again: re-run against the first set (by register id
    or by version-set id), the second records flip exactly where the two recorded answers differ."""
    sites, _ = _sites(20)
    first = dcf.check_site(sites, store=store, record="旧")
    _move_cluster(store, tmp_path)
    second = dcf.check_site(sites, store=store, record="新")
    expected = {second.register_ids[i] for i in range(20) if list(first.verdict)[i] != list(second.verdict)[i]}
    assert expected

    by_id = register.recheck(store=store, ids=second.register_ids, against=first.register_ids[0])
    assert set(by_id.flipped) == expected
    sets = register.version_sets(store=store)
    assert len(sets) == 2 and sets["是否现行"].tolist() == [False, True]
    old_set = sets["版本集"].iloc[0]
    assert register.history(store=store).frame["版本集"].tolist() == [old_set] * 20 + [sets["版本集"].iloc[1]] * 20
    by_set = register.recheck(store=store, ids=second.register_ids, against=old_set[:8])
    assert set(by_set.flipped) == expected and by_set.against == old_set
    assert set(by_set.layer_changes) == {"industrial_clusters"}
    # the first records against their own set: nothing changes
    assert register.recheck(store=store, ids=first.register_ids, against=old_set).flipped == []
    with pytest.raises(dcf.InputError, match="版本集"):
        register.recheck(store=store, against="abcdef123456")

    html = by_set.to_map(tmp_path / "changes.html").read_text(encoding="utf-8")
    flipped_labels = {f"{r['原结论']} → {r['现结论']}" for r in by_set.checks.to_dict(orient="records") if r["结论是否改变"]}
    assert flipped_labels and all(label in html for label in flipped_labels)
    assert "示意" in html and "重新核查" in html


def test_cli_recheck_against_and_map(tmp_path):
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    sites, _ = _sites(10)
    dcf.check_site(sites, store=st, record=True)
    _move_cluster(st, tmp_path)
    run = lambda *a: CliRunner().invoke(cli, ["--store", str(st), *a], catch_exceptions=False)
    listed = json.loads(run("layers", "versions", "--json").stdout)
    assert len(listed) == 1 and listed[0]["是否现行"] is False
    # the table form shows 现行 even on a narrow window (the wide 图层版本 column gives way first)
    narrow = CliRunner(env={"COLUMNS": "60"}).invoke(cli, ["--store", str(st), "layers", "versions"])
    header = narrow.stdout.splitlines()[0]
    assert "现行" in header and "版本集" in header, narrow.output
    assert narrow.stdout.splitlines()[1].split()[1] == "否"
    current = json.loads(run("site", "recheck", "--json").stdout)
    r = run("site", "recheck", "--against", listed[0]["版本集"], "--json", "--map", str(tmp_path / "m.html"))
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["flipped"] == [] and not (tmp_path / "m.html").exists()  # its own set: no change
    r = run("site", "recheck", "--map", str(tmp_path / "m.html"))
    assert r.exit_code == 0 and (tmp_path / "m.html").exists() == bool(current["changes"])
    bad = run("site", "recheck", "--against", "上周")
    assert bad.exit_code != 0 and "--against" in bad.output


@pytest.mark.parametrize("target_kind", STORE_KINDS)
def test_push_copies_the_register_and_the_versions_it_points_to(target_kind, tmp_path, request):
    """After an import moved the cluster, the records point at a layer version the source keeps only in its
    register; the pushed store reproduces them, keeps their ids, and a second push copies nothing twice."""
    from _stores import new_store

    src = tmp_path / "src.gpkg"
    shutil.copy(settings.checkout_store, src)
    sites, _ = _sites(6)
    ids = dcf.check_site(sites, store=src, record="推送").register_ids
    _move_cluster(src, tmp_path)
    dcf.Store(src).reset("industrial_clusters")
    _move_cluster(src, tmp_path, dx=0.05, name="again")

    target = new_store(target_kind, tmp_path, request)
    summary = dcf.Store(src).push(target)
    assert summary["register"]["records"] == 6 and summary["register"]["renumbered"] == {}
    copied = register.history(store=target).rows
    assert copied["id"].tolist() == ids
    assert register.show(ids[2], store=target).identical
    again = dcf.Store(src).push(target, overwrite=True)
    assert again["register"]["records"] == 0 and len(register.history(store=target).rows) == 6
    new_id = dcf.check_site(sites.geometry.iloc[0], INDUSTRY, area_mu=5.0, store=target, record="目标库").register_ids[0]
    assert new_id == max(ids) + 1   # the target's own numbering continues after the copied ids


def _largest_share_zone(parcels, zones):
    """Independently of the package: the zone holding the largest part of each parcel (None outside all)."""
    p = parcels.to_crs(4548).geometry.values
    z = zones.to_crs(4548)
    out = []
    for g in p:
        areas = [(g.intersection(zg).area, zid) for zid, zg in zip(z["id"], z.geometry.values)]
        best = max(areas, default=(0.0, None))
        out.append(best[1] if best[0] > 0 else None)
    return out


def test_import_dry_run_lists_sample_parcels_and_enterprises_whose_cluster_would_change(tmp_path):
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli
    from dcf_spatial.register.preview import SAMPLE_PARCELS, preview_import
    from dcf_spatial.sample import generate_parcels

    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    old = dcf.layer("industrial_clusters", store=st)
    new = old.copy()
    i = new.index[new["id"] == CLUSTER][0]
    new.loc[i, "geometry"] = affinity.translate(new.loc[i, "geometry"], xoff=0.01)
    f = tmp_path / "moved.gpkg"
    new.drop(columns=["provenance", "source"]).to_file(f, driver="GPKG")

    sample = generate_parcels(SAMPLE_PARCELS, seed=0, store=st)
    before, after = _largest_share_zone(sample, old), _largest_share_zone(sample, new)
    expected = {pid for pid, a, b in zip(sample["parcel_id"], before, after) if a != b}
    assert expected
    p = preview_import("industrial_clusters", f, store=st, provenance="authoritative")
    assert set(p.parcels["宗地代码"]) == expected and set(p.parcels["区类"]) == {"工业集聚区"}
    firms = set(sample.loc[sample["parcel_id"].isin(expected), "credit_code"])
    assert set(p.enterprises["统一社会信用代码"]) == firms
    assert "合成样例宗地" in p.summary_text()

    # given parcels instead of the sample, through the CLI; townships are not the imported layer's kind
    mine = sample.iloc[:40]
    mine.to_file(tmp_path / "mine.gpkg", driver="GPKG")
    r = CliRunner().invoke(cli, ["--store", str(st), "layers", "import", "--provenance", "authoritative", "industrial_clusters", str(f), "--dry-run",
                                 "--sample-parcels", str(tmp_path / "mine.gpkg"), "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    assert {x["宗地代码"] for x in got["parcels"]} == expected & set(mine["parcel_id"])
    bad = CliRunner().invoke(cli, ["--store", str(st), "layers", "import", "--provenance", "authoritative", "industrial_clusters", str(f),
                                   "--sample-parcels", str(tmp_path / "mine.gpkg")])
    assert bad.exit_code != 0 and "--dry-run" in bad.output


def test_a_project_name_with_control_characters_is_kept_printable_and_the_history_still_exports(tmp_path):
    """A tester recorded a name holding ESC/BEL/NUL: the register must not keep terminal escapes, and the
    history workbook must still be written (openpyxl refuses such characters), with no half-written file."""
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    run = lambda *a: CliRunner().invoke(cli, ["--store", str(st), *a], catch_exceptions=False)
    hostile = "esc\x1b[31mRED\x1b[0m\x1b]0;pwned\x07 项目\x00名"
    assert run("site", "check", "--site", "115.75,36.455", "--industry", "轴承", "--record",
               "--project", hostile).exit_code == 0
    rows = json.loads(run("site", "history", "--json").stdout)
    assert rows[0]["project"] == "esc[31mRED[0m]0;pwned 项目名"
    out = tmp_path / "登记.xlsx"
    r = run("site", "history", "-o", str(out))
    assert r.exit_code == 0, r.output
    import openpyxl

    cells = [c.value for row in openpyxl.load_workbook(out).worksheets[0].iter_rows() for c in row]
    assert "esc[31mRED[0m]0;pwned 项目名" in cells
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.gpkg", "登记.xlsx"]   # no temporary file left


def test_write_xlsx_shows_characters_a_workbook_cannot_hold_and_replaces_the_file_whole(tmp_path):
    import pandas as pd

    from dcf_spatial.io.write import write_xlsx

    out = write_xlsx({"表": pd.DataFrame({"名称": ["a\x00b", "=1+1", None], "数": [1, 2, 3]})}, tmp_path / "x.xlsx")
    back = pd.read_excel(out, engine="openpyxl")
    assert back["名称"].tolist()[:2] == ["a\ufffdb", "=1+1"] and back["数"].tolist() == [1, 2, 3]
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]


def test_cli_names_no_option_when_a_concurrent_import_refuses_the_record(tmp_path, monkeypatch):
    """An import between the check and its recording makes the record fail; the error is about the
    store (named in the message), so the CLI must not put "--site：" before it."""
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli
    from dcf_spatial.register import versions

    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    real = versions.layer_keys

    def before_an_import(store):  # the versions seen when the check began: one layer was replaced since
        keys = dict(real(store))
        lid = sorted(keys)[0]
        keys[lid] = (*keys[lid][:-1], "replaced-meanwhile")
        return keys

    monkeypatch.setattr(versions, "layer_keys", before_an_import)
    r = CliRunner().invoke(cli, ["--store", str(st), "site", "check", "--site", "115.75,36.455", "--industry", "轴承",
                                 "--record"])
    assert r.exit_code != 0
    assert "被他人修改" in r.output and "未记入核查登记" in r.output, r.output
    assert "--site" not in r.output and "Traceback" not in r.output, r.output
