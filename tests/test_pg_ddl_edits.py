"""DDL on a PostGIS layer table fires no row trigger (breaker F2: ``UpdateGeometrySRID``, ``ALTER COLUMN … TYPE …
USING``, ``RENAME COLUMN``), and a session could skip the trigger by a setting any role may set (breaker F14). A
process that checked a site before such a statement (a script, a notebook) must not answer from the layers it had
prepared; the layer counts as edited outside dcf; ``dcf layers doctor`` lists it. Needs ``DCF_TEST_PG_URL``."""

from __future__ import annotations

import json

import psycopg

import dcf_spatial as dcf
from dcf_spatial.store import catalog, doctor
from dcf_spatial.store.backends import open_store

from _watching import store  # noqa: F401 - fixture: a PostGIS copy of the shipped layers
from test_pg_direct_edit import INDUSTRY, MOVE, SITE, _url
from test_site_broken_layers import CLUSTERS_ZH, _unchecked

EDITED = "在 dcf 之外被直接编辑"


def _psql(st, sql: str) -> None:
    """Statements typed in psql by another user (one transaction); ``{t}``: the cluster table, ``{s}``: the schema."""
    with psycopg.connect(_url(st)) as con:
        con.execute(sql.format(t=st._t("industrial_clusters"), s=st.schema))


def _check(store) -> dict:
    return dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store).results[0]


def _kinds(store) -> dict:
    return {f["kind"]: f for f in doctor.diagnose(store)["findings"]}


def test_update_geometry_srid_is_no_verdict_at_the_next_check_of_the_same_process(store):
    """F2: UpdateGeometrySRID(…, 4527) gave 不在规划范围 (0.0%), no edit note, doctor 检查通过."""
    st = open_store(store)
    assert _check(store)["verdict"] == "fits"   # this process has prepared the layers
    _psql(st, "SELECT UpdateGeometrySRID('{s}', 'industrial_clusters', 'geometry', 4527)")
    first = _unchecked(_check(store), CLUSTERS_ZH, "EPSG:4527", "EPSG:4490")
    assert "km" not in first
    kinds = _kinds(store)
    found = kinds["layer_wrong_crs"]["problem_zh"]
    assert "EPSG:4527" in found and "industrial_clusters" in found and EDITED in found


def test_a_rewrite_keeping_the_type_is_answered_from_the_new_content_and_marked(store):
    """F2: ``ALTER COLUMN geometry TYPE <same type> USING ST_Translate(…)`` moves every cluster 0.15° east (~13 km)
    without a row trigger: the next check answers from the moved clusters, says the layer was edited outside dcf, and
    a recorded check names the content it used, not the imported version."""
    st = open_store(store)
    before = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store, record="改动之前")
    assert before.verdict == "fits"
    _psql(st, "ALTER TABLE {t} ALTER COLUMN geometry TYPE geometry(MultiPolygon, 4490) "
              "USING ST_Multi(ST_Translate(geometry, 0.15, 0))")
    after = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store, record="改动之后")
    assert after.verdict != "fits"
    notes = json.dumps(after.to_dict(), ensure_ascii=False)
    assert "industrial_clusters" in notes and EDITED in notes
    with psycopg.connect(_url(st)) as con:
        layers = [json.loads(con.execute(f"SELECT layers FROM {st._t('dcf_register')} WHERE id = %s", (r,)).fetchone()[0])
                  ["industrial_clusters"] for r in (before.register_ids[0], after.register_ids[0])]
    assert layers[0] != layers[1]


def test_a_renamed_field_is_no_verdict_and_listed_not_a_traceback(store):
    """F2: ``RENAME COLUMN name_zh TO mc`` (a field renamed in QGIS's DB manager): the next check ended in KeyError."""
    st = open_store(store)
    assert _check(store)["verdict"] == "fits"
    _psql(st, "ALTER TABLE {t} RENAME COLUMN name_zh TO mc")
    _unchecked(_check(store), CLUSTERS_ZH, "缺少字段 name_zh", "RENAME COLUMN")
    kinds = _kinds(store)
    found = kinds["layer_missing_fields"]["problem_zh"]
    assert "name_zh" in found and "industrial_clusters" in found and EDITED in found


def test_the_dcf_writing_setting_no_longer_hides_an_edit(store):
    """F14: ``SET LOCAL dcf.writing = 'on'`` let any database user edit a layer unmarked."""
    st = open_store(store)
    _psql(st, "SET LOCAL dcf.writing = 'on'; DELETE FROM {t} WHERE name_zh = '郑家镇工业集聚区'")
    assert st.catalog_entry("industrial_clusters")["outside_edits"] == 1
    assert EDITED in json.dumps(_check(store), ensure_ascii=False)


def test_an_older_stores_trigger_function_is_listed_and_replaced_by_the_doctor(store):
    """F14 in a store made before: its function still skips on ``dcf.writing``; the doctor lists it, --repair
    replaces it, and the setting then hides nothing."""
    st = open_store(store)
    _psql(st, """CREATE OR REPLACE FUNCTION "{s}".dcf_layer_edited() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp AS $$ BEGIN
            IF coalesce(current_setting('dcf.writing', true), '') = 'on' THEN RETURN NULL; END IF;
            EXECUTE format('UPDATE %I.%I SET outside_edits = coalesce(outside_edits, 0) + 1, edited_outside_at = now()
                            WHERE id = $1', TG_TABLE_SCHEMA, 'dcf_catalog') USING TG_TABLE_NAME;
            RETURN NULL; END $$""")
    assert _kinds(store)["edit_marks_stale"]["repairable"]
    doctor.repair(store)
    assert "edit_marks_stale" not in _kinds(store)
    _psql(st, "SET LOCAL dcf.writing = 'on'; DELETE FROM {t} WHERE name_zh = '郑家镇工业集聚区'")
    assert st.catalog_entry("industrial_clusters")["outside_edits"] == 1


#: breaker2 N3: the cluster table renamed away and a new one made under its name from its rows (``CREATE TABLE … AS``
#: in psql; a ``pg_restore`` of one table does the same), 郑家镇's cluster moved 0.15° east in it (MOVE): no trigger
#: fires, the new table's columns are all of one transaction (no ALTER), and the catalog row is untouched
SWAP = ("ALTER TABLE {t} RENAME TO industrial_clusters_old; "
        "CREATE TABLE {t} AS SELECT * FROM \"{s}\".industrial_clusters_old; " + MOVE)


def _forget_recorded_oids(st) -> None:
    """The catalog as a store written before dcf recorded its layer tables' oids (``extra`` without ``table_oid``)."""
    _psql(st, "UPDATE \"{s}\".dcf_catalog SET extra = CAST(CAST(coalesce(nullif(extra, ''), '{{}}') AS jsonb) "
              "- 'table_oid' AS TEXT)")


def test_a_table_swapped_in_outside_dcf_is_an_edit_recorded_and_listed(store):
    """N3: the verdict followed the new table's content (不符合), but nothing said the layer was edited outside dcf, and
    the register kept the check under the imported version."""
    st = open_store(store)
    before = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store, record="替换之前")
    assert before.verdict == "fits"
    _psql(st, SWAP)
    after = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store, record="替换之后")
    assert after.verdict != "fits"
    notes = json.dumps(after.to_dict(), ensure_ascii=False)
    assert "industrial_clusters" in notes and EDITED in notes and "同名表" in notes
    with psycopg.connect(_url(st)) as con:
        layers = [json.loads(con.execute(f"SELECT layers FROM {st._t('dcf_register')} WHERE id = %s", (r,)).fetchone()[0])
                  ["industrial_clusters"] for r in (before.register_ids[0], after.register_ids[0])]
    assert layers[0] != layers[1]
    found = _kinds(store)["edited_outside"]
    assert "industrial_clusters" in found["problem_zh"] and EDITED in found["problem_zh"]


def test_dcf_import_and_reset_clear_the_swap_mark(store, tmp_path):
    """N3: dcf's own writes make a new table too; after an import (and after a reset back to the version it kept) the
    layer is no edit, until the next swap."""
    st = open_store(store)
    _psql(st, SWAP)
    assert EDITED in json.dumps(_check(store), ensure_ascii=False)
    f = tmp_path / "swapped.gpkg"
    dcf.layer("industrial_clusters", store=store).to_file(f, driver="GPKG")
    dcf.Store(store).import_layer("industrial_clusters", f, provenance="authoritative")   # keeps the swapped-in table
    assert st.catalog_entry("industrial_clusters")["outside_edits"] is None
    assert "edited_outside" not in _kinds(store)
    dcf.Store(store).import_layer("industrial_clusters", f, provenance="authoritative")   # keeps the one dcf wrote
    _psql(st, "DROP TABLE \"{s}\".industrial_clusters_old; " + SWAP)
    assert st.catalog_entry("industrial_clusters")["outside_edits"] == 1
    catalog.reset_layer("industrial_clusters", store=store)   # back to the version of the first import
    assert st.catalog_entry("industrial_clusters")["outside_edits"] is None
    assert EDITED not in json.dumps(_check(store), ensure_ascii=False)


def test_a_store_without_recorded_table_oids_is_not_marked_until_dcf_writes_the_layer(store, tmp_path):
    """An older store's catalog names no table oid: its layers are no edit for that; the next import records it, and a
    swap after it is one."""
    st = open_store(store)
    _forget_recorded_oids(st)
    assert st.catalog_entry("industrial_clusters")["outside_edits"] is None
    assert "edited_outside" not in _kinds(store)
    f = tmp_path / "clusters.gpkg"
    dcf.layer("industrial_clusters", store=store).to_file(f, driver="GPKG")
    dcf.Store(store).import_layer("industrial_clusters", f, provenance="authoritative")
    _psql(st, SWAP)
    assert st.catalog_entry("industrial_clusters")["outside_edits"] == 1
    assert st.catalog_entry("cluster_parks")["outside_edits"] is None   # not written since: still unmarked
