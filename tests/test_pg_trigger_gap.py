"""A PostGIS layer table's ``dcf_layer_edited`` trigger dropped or disabled for a while, and the table edited
meanwhile (breaker F1): the edit left no mark, so once the trigger is back — enabled again, put back by the
desk or by ``dcf layers doctor --repair``, even between two of the desk's looks — the layer is marked as edited
outside dcf in the catalog: every desk worker reads it again and says so, and the doctor lists it. A push of
the same content clears the mark (breaker F4). Needs ``DCF_TEST_PG_URL``."""

from __future__ import annotations

import json

import psycopg
import pytest
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial import settings
from dcf_spatial.cli.main import cli
from dcf_spatial.store import doctor
from dcf_spatial.store.backends import catalog_watch, open_store

from _watching import live, store, until, watching  # noqa: F401 - store, watching: fixtures
from test_pg_direct_edit import INDUSTRY, MOVE, SITE, _url

EDITED = "在 dcf 之外被直接编辑（未经导入，无版本记录）"
UNVERSIONED = "不对应任何已登记的图层版本"
#: the edit of MOVE on the cluster table, with its trigger dropped (``{t}``: the table) in the same transaction
DROP_AND_MOVE = "DROP TRIGGER dcf_layer_edited ON {t}; " + MOVE


def _sql(st, sql: str) -> None:
    """An administrator's statements in psql (one transaction), on the cluster table."""
    with psycopg.connect(_url(st)) as con:
        con.execute(sql.format(t=st._t("industrial_clusters")))


def _edited_findings(store) -> list[dict]:
    return [f for f in doctor.diagnose(store)["findings"] if f["kind"] == "edited_outside"]


def _says_edited(res) -> bool:
    notes = json.dumps(res.to_dict(), ensure_ascii=False)
    return "industrial_clusters" in notes and EDITED in notes


@pytest.fixture
def desk_like(store, watching, monkeypatch):
    """This process as a desk (watching its store, looking at the triggers every 0.2 s) that has answered one
    check and keeps its layers."""
    monkeypatch.setattr(catalog_watch, "RECHECK_S", 0.2)
    st = open_store(store)
    watch = live(st)
    assert dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store).verdict == "fits"
    return st, watch


def test_an_edit_while_the_trigger_was_disabled_and_no_check_came_is_not_answered_from_the_old_layers(store, desk_like):
    """F1: disabled, edited, enabled again — the desk saw the trigger off, but no check came meanwhile."""
    st, watch = desk_like
    _sql(st, "ALTER TABLE {t} DISABLE TRIGGER dcf_layer_edited; " + MOVE)
    assert until(lambda: "industrial_clusters" in watch.unwatched)
    _sql(st, "ALTER TABLE {t} ENABLE TRIGGER dcf_layer_edited")
    assert until(lambda: not watch.unwatched)
    res = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store, record="触发器恢复之后")
    assert res.verdict != "fits"          # as a fresh process answers
    assert _says_edited(res) and UNVERSIONED in json.dumps(res.to_dict(), ensure_ascii=False)
    assert len(_edited_findings(store)) == 1 and "industrial_clusters" in _edited_findings(store)[0]["problem_zh"]


def test_a_trigger_disabled_and_enabled_between_two_looks_of_the_desk_still_marks_the_layer(store, desk_like):
    """F1: the whole gap in one transaction — no look of the desk ever finds the trigger off."""
    st, _ = desk_like
    _sql(st, "ALTER TABLE {t} DISABLE TRIGGER dcf_layer_edited; " + MOVE + "; "
             "ALTER TABLE {t} ENABLE TRIGGER dcf_layer_edited")
    assert until(lambda: st.catalog_entry("industrial_clusters").get("outside_edits"))
    res = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store)
    assert res.verdict != "fits" and _says_edited(res)
    assert len(_edited_findings(store)) == 1


def test_a_dropped_trigger_put_back_by_the_desk_marks_the_layer(store, desk_like):
    """F1: dropped and edited in one transaction; the desk adds the trigger back itself."""
    st, _ = desk_like
    _sql(st, DROP_AND_MOVE)
    assert until(lambda: st.catalog_entry("industrial_clusters").get("outside_edits"))
    res = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store)
    assert res.verdict != "fits" and _says_edited(res)


def test_a_dropped_trigger_put_back_by_the_doctor_marks_the_layer(store):
    """F1 without a desk: ``doctor --repair`` puts the trigger back and the doctor then lists the layer as edited
    outside dcf (before: it said nothing, and checks named the imported version for content that is not it)."""
    st = open_store(store)
    _sql(st, DROP_AND_MOVE)
    out = CliRunner().invoke(cli, ["--store", str(store), "layers", "doctor", "--repair"])
    assert out.exit_code in (0, 1), out.output
    assert len(_edited_findings(store)) == 1
    res = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store)
    assert res.verdict != "fits" and _says_edited(res)


def test_a_push_over_a_layer_edited_and_edited_back_clears_the_mark(store):
    """F4: townships edited outside dcf, then edited back; ``push --overwrite`` of the same content used to skip
    it (“未写入新版本”), and every check and the doctor went on saying it is no registered version."""
    st = open_store(store)
    with psycopg.connect(_url(st), autocommit=True) as con:
        t = st._t("townships")
        con.execute(f"UPDATE {t} SET name_zh = name_zh || '（改）' WHERE id = 'town.371502001000'")
        con.execute(f"UPDATE {t} SET name_zh = replace(name_zh, '（改）', '') WHERE id = 'town.371502001000'")
    assert len(_edited_findings(store)) == 1
    out = CliRunner().invoke(cli, ["--store", str(settings.checkout_store), "layers", "push", "--to", str(store),
                                   "--overwrite"])
    assert out.exit_code == 0, out.output
    assert "townships" in out.output
    assert _edited_findings(store) == []
    notes = json.dumps(dcf.check_site("115.98,36.45", INDUSTRY, area_mu=50, store=store).to_dict(), ensure_ascii=False)
    assert EDITED not in notes and UNVERSIONED not in notes


def test_both_workers_of_a_real_desk_answer_alike_after_a_dropped_trigger_and_an_edit(store, tmp_path):
    """F1 as found: ``dcf serve --workers 2``; the trigger dropped and the table edited in one transaction; the
    desk puts the trigger back. Every later answer, whichever worker gives it, is the edited layer's, with the
    note (before: the workers alternated 符合 / 不符合 for the same point, never with a note)."""
    import time

    from test_desk_workers import Desk

    st = open_store(store)
    desk = Desk(store, tmp_path)
    try:
        def check(i):
            r = desk.fresh("POST", "/api/site-check", json={"site": SITE, "industry": INDUSTRY, "project": f"间隙{i}"})
            assert r.status_code == 200, r.text
            return r.json()

        assert {check(i)["verdict"] for i in range(6)} == {"fits"}   # both workers have read the layers
        _sql(st, DROP_AND_MOVE)
        assert until(lambda: not st.unwatched_layer_tables(), timeout=60)   # the desk put the trigger back
        # past the age after which a worker reads its catalog again even without the notice (not an assertion on time)
        time.sleep(catalog_watch.MAX_AGE_S + 0.5)
        after = [check(i) for i in range(6, 16)]
        assert {a["verdict"] for a in after} == {"does_not_fit"}, [a["verdict"] for a in after]
        assert all(EDITED in json.dumps(a, ensure_ascii=False) for a in after)
    finally:
        desk.stop()


def test_a_desk_that_may_not_mark_the_layer_still_does_not_answer_from_the_old_layers(store, desk_like, monkeypatch):
    """The desk's database user may not write the catalog: the layer is not marked, but this desk reads it again
    and says at every check that its edits cannot be vouched for."""
    from dcf_spatial.store.backends.postgis import PostgisStore

    def refused(self, layer_ids):
        raise psycopg.errors.InsufficientPrivilege("permission denied for table dcf_catalog")

    monkeypatch.setattr(PostgisStore, "mark_edited_outside", refused, raising=False)
    st, _ = desk_like
    _sql(st, "ALTER TABLE {t} DISABLE TRIGGER dcf_layer_edited; " + MOVE + "; "
             "ALTER TABLE {t} ENABLE TRIGGER dcf_layer_edited")
    # within the desk's next look (before: 符合 for good, from the layers read before the edit)
    assert until(lambda: dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store).verdict != "fits")
    res = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store)
    assert res.verdict != "fits"
    assert "没有或停用了触发器 dcf_layer_edited" in json.dumps(res.to_dict(), ensure_ascii=False)


def test_a_push_over_a_layer_whose_trigger_was_dropped_leaves_it_watched_and_unmarked(store):
    """The same content pushed over a layer table whose trigger an administrator dropped: the layer is written
    anew with its trigger (before: skipped as unchanged, and the doctor went on saying its edits go unseen)."""
    st = open_store(store)
    with psycopg.connect(_url(st), autocommit=True) as con:
        con.execute(f"DROP TRIGGER dcf_layer_edited ON {st._t('townships')}")
    out = CliRunner().invoke(cli, ["--store", str(settings.checkout_store), "layers", "push", "--to", str(store),
                                   "--overwrite"])
    assert out.exit_code == 0, out.output
    kinds = [f["kind"] for f in doctor.diagnose(store)["findings"]]
    assert "edits_unwatched" not in kinds and "edited_outside" not in kinds
