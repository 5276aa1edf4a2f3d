"""An import preview re-runs only the register's recent checks, and says so (QA round 11, F2).

The user's view: ``dcf layers import … --dry-run`` (and the desk's 试导入) tells which recorded
checks' verdicts the new layer would flip. The register grows with every check the desk records, so the
preview re-runs the most recent N (default 500) and its text names them: "按最近 N 条登记（日期 起）估算：
其中 M 条结论将改变", and from which register id on the older ones were left out. Identical re-checks are run once and counted
for every row that recorded them: the counts are those of re-running each row by itself.

Written from that: the flips are exactly those a fresh check of the covered rows gives against the
moved boundary (the older rows are not counted), the text names the window, and deduplication gives the
same answers as checking each row.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import shutil

import pytest
from click.testing import CliRunner
from shapely import affinity

import dcf_spatial as dcf
from dcf_spatial import register, settings
from dcf_spatial.cli.main import cli
from dcf_spatial.register import rerun, tables
from dcf_spatial.register.preview import preview_import
from dcf_spatial.store import catalog

from _stores import STORE_KINDS, checkout_copy
from test_register import _sites as register_sites

CLUSTER = "cluster.zhengjia"
TODAY = _dt.date.today().isoformat()


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    return checkout_copy(request, tmp_path)


def _sites(n):
    """``n`` points on a line across 郑家镇工业集聚区 (those of the register tests)."""
    return register_sites(n)[0]


def _moved_file(store, tmp_path, dx=0.03):
    """The cluster layer with 郑家镇工业集聚区 moved ``dx``° east, as a file to import."""
    gdf = dcf.layer("industrial_clusters", store=store)
    i = gdf.index[gdf["id"] == CLUSTER][0]
    gdf.loc[i, "geometry"] = affinity.translate(gdf.loc[i, "geometry"], xoff=dx)
    f = tmp_path / "moved.gpkg"
    gdf.drop(columns=["provenance", "source"]).to_file(f, driver="GPKG")
    return f, gdf


def _fresh_verdicts(sites, moved, tmp_path):
    """Verdicts of ``sites`` checked (not recorded) on a separate store holding the moved layer."""
    other = tmp_path / "other.gpkg"
    shutil.copy(settings.checkout_store, other)
    f = tmp_path / "moved_other.gpkg"
    moved.drop(columns=["provenance", "source"]).to_file(f, driver="GPKG")
    dcf.Store(other).import_layer("industrial_clusters", f, provenance="authoritative")
    return list(dcf.check_site(sites, store=other).verdict)


def test_preview_counts_flips_among_the_most_recent_checks_and_names_its_window(store, tmp_path):
    line = _sites(24)
    # every other point first, then the rest: the flips (near the moved edge) fall in both parts of the register
    sites = line.iloc[list(range(0, 24, 2)) + list(range(1, 24, 2))].reset_index(drop=True)
    answer = dcf.check_site(sites, store=store, record=True)
    ids, recorded = answer.register_ids, list(answer.verdict)
    f, moved = _moved_file(store, tmp_path)
    fresh = _fresh_verdicts(sites, moved, tmp_path)
    flipped_all = {ids[k] for k in range(24) if fresh[k] != recorded[k]}
    recent = set(ids[-10:])
    expected = flipped_all & recent
    assert expected and flipped_all - recent, "the line must cross the moved edge in both parts of the register"

    p = preview_import("industrial_clusters", f, store=store, recent=10, provenance="authoritative")
    assert p.flips.checks["登记号"].tolist() == ids[-10:]          # the 10 most recent, oldest first
    assert set(p.flips.flipped) == expected                        # older flips are not counted
    text = p.summary_text()
    assert f"按最近 10 条登记（{TODAY} 起）估算：其中 {len(expected)} 条结论将改变" in text
    assert f"登记号 {ids[-10]} 以前的登记未重新核查" in text
    covered = p.to_dict()["register"]["covered"]
    assert covered["checks"] == 10 and covered["first_id"] == ids[-10] and not covered["complete"]

    # 0: the whole register, and the text says "全部", not "最近"
    whole = preview_import("industrial_clusters", f, store=store, recent=0, provenance="authoritative")
    assert set(whole.flips.flipped) == flipped_all
    assert f"按全部 24 条登记（{TODAY} 起）核查：其中 {len(flipped_all)} 条结论将改变" in whole.summary_text()
    assert "最近" not in whole.flips.coverage_text()


def test_preview_default_bound_is_the_setting_and_a_window_by_date(tmp_path, monkeypatch):
    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    sites = _sites(12)
    ids = dcf.check_site(sites, store=st, record=True).register_ids
    f, _ = _moved_file(st, tmp_path)
    monkeypatch.setattr(settings, "preview_recent_checks", 5)
    p = preview_import("industrial_clusters", f, store=st, provenance="authoritative")
    assert p.flips.checks["登记号"].tolist() == ids[-5:]
    assert "按最近 5 条登记" in p.summary_text() and f"登记号 {ids[-5]} 以前的登记未重新核查" in p.summary_text()
    # exactly as many as the bound: all of them, and the text does not claim older ones were left out
    exact = preview_import("industrial_clusters", f, store=st, recent=12, provenance="authoritative")
    assert "按全部 12 条登记" in exact.summary_text() and "以前的登记未重新核查" not in exact.summary_text()
    # a date after every recording: nothing to re-run, and the text says so (no "0 条中 0 条")
    none = preview_import("industrial_clusters", f, store=st, since="2999-01-01", provenance="authoritative")
    assert len(none.flips.checks) == 0 and "没有 2999-01-01 以来可重新核查的登记" in none.summary_text()
    today = preview_import("industrial_clusters", f, store=st, since=TODAY, recent=0, provenance="authoritative")
    assert len(today.flips.checks) == 12 and f"按 {TODAY} 以来的全部 12 条登记" in today.summary_text()


def test_identical_rechecks_run_once_and_count_for_every_row(store, tmp_path):
    sites = _sites(10)
    first = dcf.check_site(sites, store=store, record=True).register_ids
    second = dcf.check_site(sites, store=store, record=True).register_ids   # the clerk pressed 核查 again
    f, moved = _moved_file(store, tmp_path)
    fresh = _fresh_verdicts(sites, moved, tmp_path)
    recorded = list(dcf.check_site(sites, store=store).verdict)
    per_site = [k for k in range(10) if fresh[k] != recorded[k]]
    assert per_site

    p = preview_import("industrial_clusters", f, store=store, recent=0, provenance="authoritative")
    assert set(p.flips.flipped) == {first[k] for k in per_site} | {second[k] for k in per_site}
    assert p.flips.distinct == 10
    assert "相同的重复核查只算一次，共 10 个不同的场地与行业" in p.summary_text()

    # the shared answer is, row by row, the answer of re-running that row alone
    st = catalog._require_store(store)
    rows = tables.read_records(st, status="ok").to_dict(orient="records")
    together = rerun.run_many(rows, store)
    alone = [rerun.run(r, store) for r in rows]
    dump = lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False)
    assert [dump(a) for a in together] == [dump(b) for b in alone]


def test_batch_recheck_gives_what_each_row_gives_for_mixed_sites(tmp_path):
    """Points, a polygon, several industries and a figure: the batch re-run equals the one-by-one re-run."""
    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    sites = _sites(6)
    sites["industry"] = ["C3670", "轴承", "餐饮", "C2614", "物流", "C3011"]
    sites.loc[2, "geometry"] = sites.geometry.iloc[2].buffer(0.003)
    dcf.check_site(sites, store=st, record=True)
    rows = tables.read_records(catalog._require_store(st)).to_dict(orient="records")
    dump = lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False)
    assert [dump(a) for a in rerun.run_many(rows, st)] == [dump(rerun.run(r, st)) for r in rows]


def test_register_read_in_the_database_keeps_only_the_recent_rows(store):
    sites = _sites(8)
    ids = dcf.check_site(sites, store=store, record=True).register_ids
    st = catalog._require_store(store)
    assert tables.read_records(st, status="ok", last=3)["id"].astype(int).tolist() == ids[-3:]
    assert tables.read_records(st, since="2999-01-01").empty
    assert tables.has_records_before(st, ids[1], status="ok") and not tables.has_records_before(st, ids[0])
    assert register.recheck(store=store, last=3).checks["登记号"].tolist() == ids[-3:]



def test_layer_versions_count_the_checks_that_used_them_in_the_database(store, tmp_path):
    """The 图层 page's "used by N checks" per version: counted by the database, equal to reading every row."""
    dcf.check_site(_sites(4), store=store, record=True)
    f, _ = _moved_file(store, tmp_path)
    dcf.Store(store).import_layer("industrial_clusters", f, provenance="authoritative")
    dcf.check_site(_sites(3), store=store, record=True)
    st = catalog._require_store(store)
    expected: dict = {}
    for text in tables.read_records(st)["layers"]:
        sha = json.loads(text or "{}").get("industrial_clusters")
        expected[sha] = expected.get(sha, 0) + 1
    counts = tables.layer_use_counts(st, "industrial_clusters")
    assert counts == expected and sorted(counts.values()) == [3, 4]
    assert tables.layer_use_counts(st, "no_such_layer") == {}


def test_cli_dry_run_recent_and_since(tmp_path):
    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    dcf.check_site(_sites(9), store=st, record=True)
    f, _ = _moved_file(st, tmp_path)
    run = lambda *a: CliRunner().invoke(cli, ["--store", str(st), "layers", "import", "--provenance", "authoritative", "industrial_clusters", str(f), *a])
    r = run("--dry-run", "--recent", "4")
    assert r.exit_code == 0, r.output
    assert re.search(rf"按最近 4 条登记（{TODAY} 起）估算：其中 \d+ 条结论将改变", r.output)
    assert "以前的登记未重新核查（全部核查：加 --recent 0）" in r.output
    r = run("--dry-run", "--recent", "0", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["register"]["covered"]["checks"] == 9
    bad = run("--recent", "4")
    assert bad.exit_code != 0 and "--dry-run" in bad.output
    assert catalog.describe_layer("industrial_clusters", store=st)["version"] == 1   # nothing written


def test_desk_preview_takes_recent_and_names_what_it_covered(tmp_path):
    import httpx

    from _desk_server import running_desk
    from browser import make_fixture_store

    store = make_fixture_store(tmp_path / "store.gpkg")
    ids = dcf.check_site(_sites(6), store=store, record=True).register_ids
    f, _ = _moved_file(store, tmp_path)
    with running_desk(store) as url, httpx.Client(base_url=url, timeout=120) as c:
        token = re.search(r'name="dcf-write-token" content="([^"]+)"', c.get("/layers").text).group(1)
        ok = {"X-DCF-Token": token, "Origin": url}
        with open(f, "rb") as fh:
            r = c.post("/api/layers/industrial_clusters/import/preview", headers=ok,
                       files={"file": ("moved.gpkg", fh)}, data={"recent": "2", "provenance": "authoritative"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert [k["登记号"] for k in body["register"]["checks"]] == ids[-2:]
        assert body["register"]["covered"]["text"] in body["text"]
        assert "按最近 2 条登记" in body["text"] and "参数 recent=0" in body["text"]
        with open(f, "rb") as fh:
            bad = c.post("/api/layers/industrial_clusters/import/preview", headers=ok,
                         files={"file": ("moved.gpkg", fh)}, data={"recent": "-1", "provenance": "authoritative"})
        assert bad.status_code == 422


def test_preview_copy_leaves_the_register_out_and_imports_like_the_store(tmp_path):
    """The preview's throw-away copy holds the layers and catalog, not the register (what made its cost grow)."""
    import sqlite3

    from dcf_spatial.store.backends.gpkg import copy_without

    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    dcf.check_site(_sites(5), store=st, record=True)
    copy = tmp_path / "copy.gpkg"
    copy_without(st, copy)
    with sqlite3.connect(copy) as con:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert not [n for n in names if "dcf_register" in n]
        assert not con.execute("SELECT 1 FROM gpkg_contents WHERE table_name LIKE 'dcf_register%'").fetchall()
    assert catalog.catalog_rows(copy).equals(catalog.catalog_rows(st))
    for lid in ("industrial_clusters", "townships"):
        a, b = catalog.read_layer(lid, store=st), catalog.read_layer(lid, store=copy)
        assert a.drop(columns="geometry").equals(b.drop(columns="geometry")) and a.geometry.equals(b.geometry)
    f, _ = _moved_file(st, tmp_path)
    catalog.import_layer("industrial_clusters", f, store=copy, provenance="authoritative")
    assert catalog.describe_layer("industrial_clusters", store=copy)["version"] == 2
    assert len(tables.read_records(catalog._require_store(st))) == 5   # the store's own register untouched


def test_whole_register_recheck_read_in_chunks_gives_the_same_answer(store, tmp_path, monkeypatch):
    """``dcf site recheck`` over the whole register reads and re-runs it a chunk at a time (bounded memory):
    the flips, changes and 核查对照 are those of one piece, duplicates across chunks included."""
    import importlib

    recheck_module = importlib.import_module("dcf_spatial.register.recheck")  # the package exports the function

    sites = _sites(7)
    dcf.check_site(sites, store=store, record=True)
    dcf.check_site(sites, store=store, record=True)
    f, _ = _moved_file(store, tmp_path)
    dcf.Store(store).import_layer("industrial_clusters", f, provenance="authoritative")
    whole = register.recheck(store=store)
    monkeypatch.setattr(recheck_module, "RECHECK_CHUNK", 3)
    chunked = register.recheck(store=store)
    assert whole.flipped and chunked.flipped == whole.flipped
    assert chunked.checks.equals(whole.checks) and chunked.changes.equals(whole.changes)
    assert chunked.distinct == whole.distinct == 7 and len(chunked.checks) == 14
