"""A PostGIS layer table edited outside dcf — in QGIS, or an UPDATE typed in psql (docs/postgis.md: desktop
GIS can open the layer tables directly) — must be seen by the next check of a desk, named in what the check
records, and listed by ``dcf layers doctor`` (breaker finding F1: a desk answered and recorded verdicts from
the old geometry for minutes; its two workers disagreed). Needs ``DCF_TEST_PG_URL``."""

from __future__ import annotations

import json
import shutil

import psycopg
from sqlalchemy import text

import dcf_spatial as dcf
from dcf_spatial import settings
from dcf_spatial.queries.site import present
from dcf_spatial.store import catalog, doctor
from dcf_spatial.store.backends import open_store
from dcf_spatial.store.backends.names import CATALOG_TABLE

from _watching import live, store, until, watching  # noqa: F401 - store, watching: fixtures

#: 轴承 (C3451) at 郑家镇工业集聚区: fits (第八章第一节 lists 轴承 among 郑家镇's industries); moved 0.15° east
#: (~13 km), the cluster no longer holds the site and the verdict is no longer 符合
SITE, INDUSTRY = "115.75,36.455", "轴承"
MOVE = "UPDATE {t} SET geometry = ST_Translate(geometry, 0.15, 0) WHERE id = 'cluster.zhengjia'"


#: whether a table (the one parameter) has the trigger that marks an edit outside dcf
_HAS_TRIGGER = "SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND tgname = 'dcf_layer_edited'"


def _url(st) -> str:
    return st._url.set(drivername="postgresql").render_as_string(hide_password=False)


def _edit_in_another_session(st, sql: str) -> None:
    """A GIS clerk's edit: another connection, not dcf, writes the layer table and commits."""
    with psycopg.connect(_url(st), autocommit=True) as con:
        con.execute(sql.format(t=st._t("industrial_clusters")))


def _register_row(st, rid: int) -> dict:
    with psycopg.connect(_url(st)) as con:
        cur = con.execute(f"SELECT * FROM {st._t('dcf_register')} WHERE id = %s", (rid,))
        names = [d.name for d in cur.description]
        return dict(zip(names, cur.fetchone()))


def test_a_direct_edit_is_answered_recorded_and_listed(store, watching):
    st = open_store(store)
    watch = live(st)
    before = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store, record="编辑之前")
    assert before.verdict == "fits"
    dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store)   # the layers and the catalog kept by this "desk"
    _edit_in_another_session(st, MOVE)
    # the edit tells the desk through the catalog (its row now says so): the kept rows are dropped …
    assert until(lambda: watch.current() is None)
    after = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store, record="编辑之后")
    # … and the next check answers from the edited geometry, as a fresh process would
    assert after.verdict != "fits"
    # it says that the layer it used has no recorded version
    data = after.to_dict()
    notes = json.dumps(data, ensure_ascii=False)
    assert "industrial_clusters" in notes and "在 dcf 之外被直接编辑（未经导入，无版本记录）" in notes
    assert "在 dcf 之外被直接编辑" in present.summary_text(after.results[0])   # the TXT and the reports' 数据说明
    # what the register keeps is the content the check used, not the imported version's hash under its name
    old_rec = _register_row(st, before.register_ids[0])
    new_rec = _register_row(st, after.register_ids[0])
    assert json.loads(new_rec["layers"])["industrial_clusters"] != json.loads(old_rec["layers"])["industrial_clusters"]
    # the doctor lists the edited layer with the way back to a versioned store
    found = [f for f in doctor.diagnose(store)["findings"] if f["kind"] == "edited_outside"]
    assert len(found) == 1 and "industrial_clusters" in found[0]["problem_zh"]
    assert "导入" in found[0]["fix_zh"]


def test_dcf_own_import_is_not_an_edit_and_clears_the_mark(store, tmp_path):
    st = open_store(store)
    f = tmp_path / "clusters.gpkg"
    dcf.layer("industrial_clusters", store=store).to_file(f, driver="GPKG")
    dcf.Store(store).import_layer("industrial_clusters", f, provenance="authoritative")
    assert not st.catalog_entry("industrial_clusters").get("outside_edits")
    assert not [x for x in doctor.diagnose(store)["findings"] if x["kind"] == "edited_outside"]
    # an edit, then the edited table imported: a recorded version again, no mark left
    _edit_in_another_session(st, MOVE)
    assert st.catalog_entry("industrial_clusters")["outside_edits"] == 1
    dcf.layer("industrial_clusters", store=store).to_file(tmp_path / "edited.gpkg", driver="GPKG")
    dcf.Store(store).import_layer("industrial_clusters", tmp_path / "edited.gpkg", provenance="authoritative")
    assert not st.catalog_entry("industrial_clusters").get("outside_edits")
    # the imported table is watched as well
    _edit_in_another_session(st, "DELETE FROM {t} WHERE id = 'no such id'")
    assert st.catalog_entry("industrial_clusters")["outside_edits"] == 1


def test_a_store_made_before_gets_the_triggers(store, watching):
    """A store pushed by an older dcf has neither the catalog columns nor the layer tables' triggers: the desk
    adds them as it starts watching, and a direct edit then reaches its next check."""
    st = open_store(store)
    with st.engine.begin() as con:   # what an older dcf left: none of it (IF EXISTS: also true of one)
        con.execute(text(f"DROP FUNCTION IF EXISTS {st._t('dcf_layer_edited')}() CASCADE"))   # and the triggers
        con.execute(text(f"ALTER TABLE {st._t(CATALOG_TABLE)} DROP COLUMN IF EXISTS outside_edits, "
                         "DROP COLUMN IF EXISTS edited_outside_at"))
    watch = live(st)
    assert dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store).verdict == "fits"
    _edit_in_another_session(st, MOVE)
    assert until(lambda: watch.current() is None)
    assert dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store).verdict != "fits"
    with psycopg.connect(_url(st)) as con:   # every layer table dcf manages has the trigger now
        lacking = con.execute(
            f"SELECT c.id FROM {st._t(CATALOG_TABLE)} c WHERE NOT EXISTS (SELECT 1 FROM pg_trigger t "
            f"WHERE t.tgrelid = to_regclass(quote_ident(%s) || '.' || quote_ident(c.id)) "
            "AND t.tgname = 'dcf_layer_edited')", (st.schema,)).fetchall()
    assert lacking == []


def test_a_push_into_a_store_made_before_finishes_and_readers_are_not_held(store, tmp_path):
    """`dcf layers push --overwrite` into a store an older dcf made: bringing the catalog up to date (new
    columns: a lock every reader waits for) happened inside the push's one transaction, and the push's own
    catalog reads on another connection waited on it for good (the desk benchmark's push hung)."""
    import threading

    from dcf_spatial.store.catalog import copy_store

    st = open_store(store)
    with st.engine.begin() as con:   # what an older dcf left
        con.execute(text(f"DROP FUNCTION IF EXISTS {st._t('dcf_layer_edited')}() CASCADE"))
        con.execute(text(f"ALTER TABLE {st._t(CATALOG_TABLE)} DROP COLUMN IF EXISTS outside_edits, "
                         "DROP COLUMN IF EXISTS edited_outside_at"))
    before = {k: v["version"] for k, v in st.catalog_dicts().items()}
    # a source with one layer changed: a push writes only the layers that differ from the target's (issue 12, N2b)
    source = tmp_path / "source.gpkg"
    shutil.copyfile(settings.checkout_store, source)
    towns = dcf.layer("townships", store=source)
    towns["name_zh"] = towns["name_zh"] + "（改）"
    catalog.write_layer(towns, "townships", store=source, keep_history=True)
    done = []
    pusher = threading.Thread(target=lambda: done.append(copy_store(source, store, overwrite=True)), daemon=True)
    pusher.start()
    pusher.join(120)
    assert done, "the push did not finish within 120 s"
    after = {k: v["version"] for k, v in open_store(store).catalog_dicts().items()}
    assert after == dict(before, townships=before["townships"] + 1)


def test_a_truncate_is_an_edit_said_in_the_empty_layers_finding(store):
    """A TRUNCATE from another session is an edit outside dcf. (No session is exempt, dcf's own write
    transactions neither: dcf never writes a table that has the trigger, and an exemption any session could
    claim hid edits — breaker F14, tests/test_pg_ddl_edits.py.)"""
    st = open_store(store)
    _edit_in_another_session(st, "TRUNCATE {t}")
    assert st.catalog_entry("industrial_clusters")["outside_edits"] == 1
    # emptied by that edit: the doctor says both in the empty layer's finding, whose way out (get the layer
    # back) stands, not the edited layer's (import the edit: it would keep the layer empty)
    found = {f["kind"]: f for f in doctor.diagnose(store)["findings"]}
    assert "edited_outside" not in found and "在 dcf 之外被直接编辑" in found["layer_empty"]["problem_zh"]


def test_doctor_names_a_layer_table_whose_edits_would_go_unseen(store, tmp_path):
    """An administrator disabled the trigger on one table: the doctor says edits there are not seen, and
    dcf's next write leaves that trigger as the administrator set it."""
    st = open_store(store)
    with st.engine.begin() as con:
        con.execute(text(f"ALTER TABLE {st._t('townships')} DISABLE TRIGGER dcf_layer_edited"))
    found = [f for f in doctor.diagnose(store)["findings"] if f["kind"] == "edits_unwatched"]
    assert len(found) == 1 and "townships" in found[0]["problem_zh"] and "industrial_clusters" not in found[0]["problem_zh"]
    f = tmp_path / "clusters.gpkg"
    dcf.layer("industrial_clusters", store=store).to_file(f, driver="GPKG")
    dcf.Store(store).import_layer("industrial_clusters", f, provenance="authoritative")
    with psycopg.connect(_url(st)) as con:
        state = con.execute("SELECT tgenabled FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND tgname = "
                            "'dcf_layer_edited'", (st._t("townships"),)).fetchone()
    assert state == ("D",)


def test_a_trigger_dropped_while_a_desk_runs_is_noticed_and_said(store, watching, monkeypatch):
    """An administrator drops one layer table's trigger while a desk runs: its periodic check notices; every
    check then says that edits of that layer can no longer be detected (and the fix), and an edit there is
    still answered from (the layers are not trusted as kept) — until ``dcf layers doctor --repair`` puts it back."""
    from dcf_spatial.store.backends import catalog_watch

    monkeypatch.setattr(catalog_watch, "RECHECK_S", 0.2)
    st = open_store(store)
    live(st)
    # layers kept by this "desk", which has recorded a check (its first write also adds what is missing)
    assert dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store, record="之前").verdict == "fits"
    drop = f"DROP TRIGGER dcf_layer_edited ON {st._t('industrial_clusters')}"
    with psycopg.connect(_url(st), autocommit=True) as con:
        con.execute(drop)
        # the first time, the desk adds it back itself (once a process: a role without the right would fill the
        # server's log with refusals) …
        assert until(lambda: con.execute(_HAS_TRIGGER, (st._t("industrial_clusters"),)).fetchone() is not None)
        con.execute(drop)   # … dropped again: now it is left so, and said
    said = "没有或停用了触发器 dcf_layer_edited，此后在 dcf 之外（QGIS、psql 等）对它的直接编辑不会被发现"

    def says() -> bool:
        return said in json.dumps(dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store).to_dict(), ensure_ascii=False)

    assert until(says)   # within the desk's periodic check
    res = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store, record="触发器删除之后")
    notes = json.dumps(res.to_dict(), ensure_ascii=False)
    assert said in notes and "industrial_clusters" in notes and "dcf layers doctor --repair" in notes
    assert said in present.summary_text(res.results[0])
    assert said in json.dumps(_register_row(st, res.register_ids[0]), ensure_ascii=False, default=str)
    # an edit now leaves the catalog as it was: the next check still answers from the edited geometry, and
    # records the hash of the content it used, not the imported version's
    marks = st.catalog_entry("industrial_clusters").get("outside_edits")   # the desk's putting back marked it once
    _edit_in_another_session(st, MOVE)
    assert st.catalog_entry("industrial_clusters").get("outside_edits") == marks
    edited = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store, record="编辑之后")
    assert edited.verdict != "fits"
    hashes = [json.loads(_register_row(st, r.register_ids[0])["layers"])["industrial_clusters"] for r in (res, edited)]
    assert hashes[0] != hashes[1]
    # the doctor's repair puts the trigger back; the desk stops saying it
    assert "--repair" in [f for f in doctor.diagnose(store)["findings"] if f["kind"] == "edits_unwatched"][0]["fix_zh"]
    doctor.repair(store)
    assert until(lambda: not says())


def test_a_layer_table_dropped_outside_dcf_is_missing_and_the_printed_fix_brings_it_back(store):
    """A clerk drops a layer table in psql (its catalog row left): the check of a new shell and the doctor ended
    in a raw database error. As on a GeoPackage store (tests/test_gpkg_outside_edits.py): the check gives no
    verdict, naming the layer; the doctor lists it; the fix the check prints brings the layer back. (A process
    that had read the layers before the drop: the tests after this one.)"""
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    st = open_store(store)
    _edit_in_another_session(st, "DROP TABLE {t}")
    answer = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store)
    first = answer.results[0]["reasons"][0]["text_zh"]
    assert answer.verdict is None and "industrial_clusters" in first
    fix = "dcf layers reset industrial_clusters --to-default"
    assert fix in first
    found = {f["kind"]: f for f in doctor.diagnose(store)["findings"]}
    assert "industrial_clusters" in found["catalog_without_table"]["problem_zh"]
    res = CliRunner().invoke(cli, ["--store", store, *fix.split()[1:]])
    assert res.exit_code == 0, res.output
    assert dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store).verdict == "fits"
    assert doctor.diagnose(store)["ok"]


#: the first reason of a check that needs the dropped cluster layer, and the fix it prints (layer_gaps.py)
DROPPED_FIX = "dcf layers reset industrial_clusters --to-default"


def _says_the_cluster_layer_is_missing(answer: dict) -> None:
    """No verdict (无法核查), its first reason naming the dropped layer and the way back."""
    first = answer["reasons"][0]["text_zh"]
    assert answer["verdict"] is None and answer["verdict_zh"] == "无法核查", first
    assert "industrial_clusters" in first and "库中缺少该图层" in first and DROPPED_FIX in first


def test_a_running_desk_answers_no_verdict_once_a_layer_table_is_dropped(store, monkeypatch):
    """Issue 12, leftover f: a layer table dropped in psql while a desk runs changes nothing of the catalog, and the
    desk kept answering 符合 from the layers it had read (for good: its layers are kept by the catalog). It now sees
    the drop when it reads the catalog again (at most catalog_watch.MAX_AGE_S after its last read, shortened here),
    and answers as a new process does: no verdict, naming the layer and the fix; what it records names no version
    of the dropped layer (reading the table to hash it is not possible: a freshly started desk answered 404)."""
    import httpx

    from _desk_server import running_desk
    from dcf_spatial.store.backends import catalog_watch

    monkeypatch.setattr(catalog_watch, "MAX_AGE_S", 0.5)
    st = open_store(store)
    body = {"site": SITE, "industry": INDUSTRY, "area_mu": 50}
    with running_desk(store) as url, httpx.Client(base_url=url, timeout=180) as client:
        def answer() -> dict:
            r = client.post("/api/site-check", json=body)
            assert r.status_code == 200, r.text
            return r.json()

        assert answer()["verdict"] == "fits"
        assert answer()["verdict"] == "fits"   # answered from the layers the desk keeps
        _edit_in_another_session(st, "DROP TABLE {t}")
        assert until(lambda: answer()["verdict"] is None), "the desk kept answering from the dropped layer"
        after = answer()
    _says_the_cluster_layer_is_missing(after)
    assert after["register_id"] is not None
    assert "industrial_clusters" not in json.loads(_register_row(st, after["register_id"])["layers"])


def test_a_session_that_checked_before_a_drop_answers_no_verdict_right_after_it(store):
    """A process that is no desk (a notebook, a script checking sites one by one) keeps its prepared layers by the
    catalog, which it reads on every check: the table's presence is read with it, in the same query."""
    st = open_store(store)
    assert dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store).verdict == "fits"
    _edit_in_another_session(st, "DROP TABLE {t}")
    _says_the_cluster_layer_is_missing(dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store).results[0])


def test_a_recorded_check_after_a_drop_is_recorded_without_the_dropped_layer(store):
    """`dcf site check --record` from a new shell after the drop ended in an error (the register hashes every layer
    the catalog names, and read the dropped table): the check is answered and recorded, with no version of the
    layer it could not read."""
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    st = open_store(store)
    _edit_in_another_session(st, "DROP TABLE {t}")
    res = CliRunner().invoke(cli, ["--store", store, "site", "check", "--site", SITE, "--industry", INDUSTRY,
                                   "--area-mu", "50", "--record", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    _says_the_cluster_layer_is_missing(data)
    layers = json.loads(_register_row(st, data["register_id"])["layers"])
    assert "industrial_clusters" not in layers and "townships" in layers
