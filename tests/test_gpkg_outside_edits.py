"""A GeoPackage store edited outside dcf, as a careless colleague does it (new-user QA, 2026-12-07, F1–F3).

F1: ``sqlite3 store.gpkg "DELETE FROM industrial_clusters"`` after a first check: the next check, from the
CLI or the desk, still said 符合 with 嘉明经济开发区 100 % (the prepared layers in memory and on disk were kept:
nothing dcf looked at had moved). README: a check gives no verdict (无法核查) when a layer it reads holds no
feature, "emptied outside dcf"; and, as on PostGIS (tests/test_pg_direct_edit.py), a check on a layer edited
outside dcf says so (「…在 dcf 之外被直接编辑（未经导入，无版本记录）」).
F3: a layer deleted the way QGIS/GDAL do it, or by ``DROP TABLE``, made ``site check`` and ``layers doctor``
die with a traceback; README: a layer "missing from the store" gives 无法核查, and doctor "lists such layers".
F2: the idle audit on a store with an emptied cluster layer told the clerk to rename correct place names.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli
from dcf_spatial.store import doctor

from _desk_server import running_desk

#: the QA's site: 60 亩 in 嘉明经济开发区 (智能制造产业园), 智能装备 — 符合 on the shipped store
SITE, INDUSTRY = "115.9456,36.5166", "智能装备"
CLUSTERS_ZH = "“四大工业集聚区”（industrial_clusters）"
EDITED = "在 dcf 之外被直接编辑（未经导入，无版本记录）"


def _copy(tmp_path):
    path = tmp_path / "careless.gpkg"
    shutil.copy(settings.checkout_store, path)
    return path


def _outside(path, sql: str) -> None:
    """What the colleague types in sqlite3: no dcf, no import."""
    with contextlib.closing(sqlite3.connect(path)) as con, con:
        con.executescript(sql)


def _check(path) -> dict:
    res = CliRunner().invoke(cli, ["--store", str(path), "site", "check", "--site", SITE, "--industry", INDUSTRY,
                                   "--area-mu", "60", "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _note(answer: dict) -> str:
    return answer["provenance"]["note_zh"]


def _unchecked_for_empty_clusters(answer: dict) -> None:
    assert answer["verdict"] is None and answer["verdict_zh"] == "无法核查"
    first = answer["reasons"][0]["text_zh"]
    assert CLUSTERS_ZH in first and "该图层为空（0 个要素）" in first, first


@pytest.fixture
def disk_cache(tmp_path, monkeypatch):
    """The prepared copies on disk as a user's shell has them, and a fresh in-process cache."""
    from dcf_spatial.queries.site import context

    monkeypatch.delenv("DCF_NO_CONTEXT_CACHE", raising=False)
    monkeypatch.setenv("DCF_CACHE_DIR", str(tmp_path / "cache"))
    context._CONTEXT_CACHE.clear()
    yield tmp_path / "cache" / "context"
    context._CONTEXT_CACHE.clear()


def test_a_delete_in_sqlite3_after_a_check_is_seen_by_the_next_check(tmp_path, disk_cache):
    from dcf_spatial.queries.site import context

    path = _copy(tmp_path)
    before = _check(path)
    assert before["verdict"] == "fits" and EDITED not in _note(before)
    assert list(disk_cache.glob("context-*.npz"))             # the prepared copy the next run would read
    _outside(path, "DELETE FROM industrial_clusters;")
    after = _check(path)                                      # same process: the in-process cache
    _unchecked_for_empty_clusters(after)
    assert f"图层{CLUSTERS_ZH}于" in _note(after) and EDITED in _note(after)
    context._CONTEXT_CACHE.clear()                            # a new shell: the copy on disk
    again = _check(path)
    _unchecked_for_empty_clusters(again)
    assert EDITED in _note(again)


def test_an_edit_in_qgis_is_said_until_dcf_writes_the_layer(tmp_path, disk_cache):
    """One feature deleted (as QGIS's editing does it): the check answers from the edited layer and says that no
    recorded version holds it; doctor names it; an import by dcf is no edit."""
    from dcf_spatial.store import catalog

    path = _copy(tmp_path)
    assert "cluster.jiaming" in json.dumps(_check(path)["zones"])
    _outside(path, "DELETE FROM industrial_clusters WHERE id = 'cluster.jiaming';")
    after = _check(path)
    assert "cluster.jiaming" not in json.dumps(after["zones"]) and EDITED in _note(after)
    found = [f for f in doctor.diagnose(path)["findings"] if f["kind"] == "edited_outside"]
    assert len(found) == 1 and CLUSTERS_ZH in found[0]["problem_zh"]
    edited = catalog.read_layer("industrial_clusters", store=path)
    catalog.write_layer(edited, "industrial_clusters", store=path, keep_history=True, source="核对后导入")
    assert EDITED not in _note(_check(path))
    assert not [f for f in doctor.diagnose(path)["findings"] if f["kind"] == "edited_outside"]
    _outside(path, "DELETE FROM industrial_clusters WHERE id = 'cluster.zhengjia';")   # the new table is watched too
    assert EDITED in _note(_check(path))




def _as_made_by_older_code(path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as con, con:
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND name LIKE 'dcf_layer_edited%'"
                                   ).fetchall():
            con.execute(f'DROP TRIGGER "{name}"')
        con.execute("DROP TABLE IF EXISTS dcf_layer_edits")


def test_a_store_without_the_triggers_is_read_again_and_doctor_repairs_it(tmp_path, disk_cache):
    path = _copy(tmp_path)
    _as_made_by_older_code(path)
    assert _check(path)["verdict"] == "fits"
    _outside(path, "DELETE FROM industrial_clusters;")
    after = _check(path)
    _unchecked_for_empty_clusters(after)                      # never the stale copy, triggers or not
    assert "还没有记录“在 dcf 之外编辑”的触发器" in _note(after)
    bare = [f for f in doctor.diagnose(path)["findings"] if f["kind"] == "edits_unwatched"]
    assert len(bare) == 1 and bare[0]["repairable"] and "industrial_clusters" in bare[0]["problem_zh"]
    doctor.repair(path)
    assert not [f for f in doctor.diagnose(path)["findings"] if f["kind"] == "edits_unwatched"]
    _outside(path, "DELETE FROM cluster_parks WHERE id = 'park.jiaming.smart_mfg';")
    assert "“工业集聚区功能园区”（cluster_parks）于" in _note(_check(path))


def test_a_recorded_check_adds_the_triggers_to_an_older_store(tmp_path, disk_cache):
    import dcf_spatial as dcf

    path = _copy(tmp_path)
    _as_made_by_older_code(path)
    dcf.check_site(SITE, INDUSTRY, area_mu=60, store=path, record="首次登记")
    assert not [f for f in doctor.diagnose(path)["findings"] if f["kind"] == "edits_unwatched"]
    _outside(path, "DELETE FROM industrial_clusters WHERE id = 'cluster.zhengjia';")
    assert f"图层{CLUSTERS_ZH}于" in _note(_check(path))


def test_the_desk_sees_a_delete_made_while_it_runs(tmp_path):
    import httpx

    path = _copy(tmp_path)
    body = {"site": SITE, "industry": INDUSTRY, "area_mu": 60, "project": "工作台"}
    with running_desk(path, record=True) as url, httpx.Client(base_url=url, timeout=180) as client:
        first = client.post("/api/site-check", json=body)
        assert first.status_code == 200, first.text
        assert first.json()["verdict"] == "fits"
        _outside(path, "DELETE FROM industrial_clusters;")
        r = client.post("/api/site-check", json=body)
    assert r.status_code == 200, r.text
    _unchecked_for_empty_clusters(r.json())
    assert EDITED in _note(r.json())


def _delete_layer_like_qgis(path) -> None:
    import fiona

    fiona.remove(str(path), layer="industrial_clusters")


@pytest.mark.parametrize("remove", [_delete_layer_like_qgis, lambda p: _outside(p, "DROP TABLE industrial_clusters;")],
                         ids=["gdal-delete-layer", "drop-table"])
def test_a_layer_deleted_outside_dcf_is_missing_not_a_crash(tmp_path, disk_cache, remove):
    path = _copy(tmp_path)
    remove(path)
    answer = _check(path)
    assert answer["verdict"] is None and answer["verdict_zh"] == "无法核查"
    assert "industrial_clusters" in answer["reasons"][0]["text_zh"]
    res = CliRunner().invoke(cli, ["--store", str(path), "layers", "doctor"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    assert "industrial_clusters" in res.output and "Traceback" not in res.output


def test_a_recorded_check_on_a_layer_dropped_outside_dcf_is_recorded_without_it(tmp_path, disk_cache):
    """F3 with ``--record`` (the desk records every check): the register hashes each layer the catalog names, read
    the dropped table and the check ended in an error instead of its 无法核查. It is answered and recorded, with no
    version of the layer it could not read."""
    path = _copy(tmp_path)
    _outside(path, "DROP TABLE industrial_clusters;")
    res = CliRunner().invoke(cli, ["--store", str(path), "site", "check", "--site", SITE, "--industry", INDUSTRY,
                                   "--area-mu", "60", "--record", "--json"])
    assert res.exit_code == 0, res.output
    answer = json.loads(res.stdout)
    assert answer["verdict"] is None and "industrial_clusters" in answer["reasons"][0]["text_zh"]
    with contextlib.closing(sqlite3.connect(path)) as con:
        layers = json.loads(con.execute("SELECT layers FROM dcf_register WHERE id = ?",
                                        (answer["register_id"],)).fetchone()[0])
    assert "industrial_clusters" not in layers and "townships" in layers


def test_the_idle_audit_on_an_emptied_cluster_layer_blames_the_store_not_the_ledger(tmp_path):
    import pandas as pd

    import dcf_spatial as dcf

    path = _copy(tmp_path)
    _outside(path, "DELETE FROM industrial_clusters;")
    ledger = tmp_path / "供地台账.csv"
    pd.DataFrame({"电子监管号": ["3715022020B00456"], "项目名称": ["汽车零部件扩建项目"], "项目位置": ["嘉明经济开发区第二片区"],
                  "面积(公顷)": [2], "土地用途": ["工业用地"], "合同签订日期": ["2020-05-10"],
                  "约定开工时间": ["2020-11-10"], "实际开工时间": [None], "约定竣工时间": ["2022-11-10"]}).to_csv(ledger, index=False)
    res = dcf.audit_idle(str(ledger), as_of="2025-12-31", store=path, out=tmp_path / "out", map=False)
    row = res.frame.iloc[0]
    assert "请改用其中一个名称" not in str(row["place_reason"])
    assert CLUSTERS_ZH in str(row["place_reason"]) and "不是本表的问题" in str(row["place_reason"])
    notes = "\n".join(res.notes)
    assert f"图层{CLUSTERS_ZH}：该图层为空（0 个要素）" in notes and "按工业集聚区的汇总不可用" in notes
    console = CliRunner().invoke(cli, ["--store", str(path), "audit", "idle", "--parcels", str(ledger),
                                       "--as-of", "2025-12-31", "-o", str(tmp_path / "cli")])
    assert console.exit_code == 0, console.output
    assert "按工业集聚区的汇总不可用" in console.output and "无法核对地名" in console.output


def test_triggers_dropped_with_an_edit_are_no_way_back_to_the_old_answer(tmp_path, disk_cache):
    """Breaker re-check N1: in one sqlite3 transaction the colleague drops the layer's triggers and deletes its
    features. dcf's next recorded check puts the triggers back; the edit in the gap was counted by nothing, so
    the store looked as before it and the check answered from the old layers (符合) in the desk and from the
    prepared copy on disk. A layer whose triggers came back after a gap is marked edited outside dcf."""
    import dcf_spatial as dcf
    from dcf_spatial.queries.site import context

    path = _copy(tmp_path)
    assert _check(path)["verdict"] == "fits"
    _outside(path, "BEGIN; DROP TRIGGER dcf_layer_edited_insert__industrial_clusters; "
                   "DROP TRIGGER dcf_layer_edited_update__industrial_clusters; "
                   "DROP TRIGGER dcf_layer_edited_delete__industrial_clusters; DELETE FROM industrial_clusters; COMMIT;")
    recorded = dcf.check_site(SITE, INDUSTRY, area_mu=60, store=path, record="登记")   # puts the triggers back
    assert recorded.verdict is None
    for _ in range(2):
        answer = _check(path)
        _unchecked_for_empty_clusters(answer)
        assert EDITED in _note(answer)
        context._CONTEXT_CACHE.clear()                        # a new shell: the copy on disk
    assert "在 dcf 之外被直接编辑" in json.dumps(doctor.diagnose(path), ensure_ascii=False)


@pytest.mark.parametrize("remove", [_delete_layer_like_qgis, lambda p: _outside(p, "DROP TABLE industrial_clusters;")],
                         ids=["gdal-delete-layer", "drop-table"])
def test_the_printed_way_back_for_a_deleted_layer_works(tmp_path, disk_cache, remove):
    """QA re-check N1: after the layer was deleted outside dcf, the fix the check printed
    (``dcf layers reset industrial_clusters --to-default``) and re-importing both died with a traceback."""
    path = _copy(tmp_path)
    exported = tmp_path / "clusters.gpkg"
    assert CliRunner().invoke(cli, ["--store", str(path), "layers", "export", "industrial_clusters",
                                    "-o", str(exported)]).exit_code == 0
    remove(path)
    reason = _check(path)["reasons"][0]["text_zh"]
    assert "dcf layers reset industrial_clusters --to-default" in reason
    res = CliRunner().invoke(cli, ["--store", str(path), "layers", "reset", "industrial_clusters", "--to-default"])
    assert res.exit_code == 0, res.output
    assert "没有可保留的旧版本" in res.output and "被替换的版本已保留" not in res.output
    assert _check(path)["verdict"] == "fits"
    assert CliRunner().invoke(cli, ["--store", str(path), "layers", "doctor"]).exit_code == 0
    remove(path)   # once more, then the other way back: importing the layer
    res = CliRunner().invoke(cli, ["--store", str(path), "layers", "import", "industrial_clusters", str(exported),
                                   "--provenance", "schematic"])
    assert res.exit_code == 0, res.output
    assert "原版本已保留" not in res.output
    assert _check(path)["verdict"] == "fits"
    assert CliRunner().invoke(cli, ["--store", str(path), "layers", "doctor"]).exit_code == 0
