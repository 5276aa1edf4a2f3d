"""A zone layer emptied outside dcf (TRUNCATE in psql) or absent from the store must not give a confident,
recorded verdict (breaker finding N1, issue 12): a site in 郑家镇工业集聚区 was 不符合 “不在任何集聚区”, computed
against nothing, and recorded. The planner sees 无法核查, the layer named with what is wrong and the fix, in the
answer (library, ``dcf site check --json``, the desk, a batch row) and in the register (``dcf site history show``,
which also says what a check recorded about layers edited outside dcf: finding N4). A check refused because a
layer changed while it ran says when the change came from outside dcf (finding N5)."""

from __future__ import annotations

import json
import shutil
import sqlite3

import psycopg
import pytest
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial import settings
from dcf_spatial.errors import StoreChangedError
from dcf_spatial.register import history as history_list, show
from dcf_spatial.register.history import entries
from dcf_spatial.store import doctor

from _desk_server import running_desk
from _watching import store  # noqa: F401 - the PostGIS copy of the shipped layers (fixture)

#: 轴承 (C3451) in 郑家镇工业集聚区: 第八章第一节 lists 轴承 among its industries (tests/test_pg_direct_edit.py)
SITE, INDUSTRY = "115.75,36.455", "轴承"
CLUSTERS_ZH = "“四大工业集聚区”（industrial_clusters）"


def _gpkg_copy(tmp_path, sql: str):
    """A GeoPackage copy of the shipped store, changed by ``sql`` run in SQLite (outside dcf, as a GIS
    clerk's tool would: no import, no catalog update)."""
    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    with sqlite3.connect(path) as con:
        con.executescript(sql)
    return path


#: the clusters layer gone from the store: its catalog row, table and GeoPackage registration
REMOVE_CLUSTERS = """
    DELETE FROM dcf_catalog WHERE id = 'industrial_clusters';
    DROP TABLE industrial_clusters;
    DELETE FROM gpkg_geometry_columns WHERE table_name = 'industrial_clusters';
    DELETE FROM gpkg_contents WHERE table_name = 'industrial_clusters';
"""


def _says_unchecked(answer: dict, title_id: str, problem: str) -> None:
    """What the planner must read: no verdict, and first the layer, what is wrong and the way out."""
    assert answer["verdict"] is None and answer["verdict_zh"] == "无法核查"
    first = answer["reasons"][0]["text_zh"]
    assert first.startswith("无法核查") and title_id in first and problem in first, first
    assert "dcf layers reset" in first and "dcf layers doctor" in first
    # no reason says the site lies in no cluster: that was read from the missing layer
    assert not any("不在任何" in r["text_zh"] for r in answer["reasons"])


def _pg_url(st) -> str:
    return st._url.set(drivername="postgresql").render_as_string(hide_password=False)


def test_a_truncated_postgis_layer_gives_no_verdict_and_the_register_says_why(store):
    from dcf_spatial.store.backends import open_store

    st = open_store(store)
    assert dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store).verdict == "fits"
    with psycopg.connect(_pg_url(st), autocommit=True) as con:   # psql, not dcf
        con.execute(f"TRUNCATE {st._t('industrial_clusters')}")
        con.execute(f"TRUNCATE {st._t('cluster_parks')}")
    after = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store, record="清空之后")
    _says_unchecked(after.results[0], CLUSTERS_ZH, "该图层为空（0 个要素）")
    assert "“工业集聚区功能园区”（cluster_parks）" in after.results[0]["reasons"][0]["text_zh"]
    # the townships are still read: the site's township stays a fact
    assert [t["name_zh"] for t in after.results[0]["townships"]] == ["郑家镇"]
    # recorded as 无法核查, never as 符合 or 不符合
    row = entries(store=store).iloc[-1]
    assert row["project"] == "清空之后" and row["verdict"] is None
    assert history_list(store=store).frame["结论"].iloc[-1] == "无法核查"
    shown = show(int(row["id"]), store=store).summary_text()
    assert "四大工业集聚区" in shown and "该图层为空（0 个要素）" in shown and "无法核查" in shown
    assert "在 dcf 之外被直接编辑" in shown   # the TRUNCATE is an edit outside dcf (N4)
    empty = [f["problem_zh"] for f in doctor.diagnose(store)["findings"] if f["kind"] == "layer_empty"]
    assert any("industrial_clusters" in t for t in empty) and any("cluster_parks" in t for t in empty)


def test_a_layer_removed_from_a_geopackage_gives_no_verdict_in_the_library_and_the_cli(tmp_path):
    from dcf_spatial.cli.main import cli

    path = _gpkg_copy(tmp_path, REMOVE_CLUSTERS)
    answer = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=path, record="缺图层").results[0]
    _says_unchecked(answer, CLUSTERS_ZH, "库中缺少该图层")
    assert entries(store=path).iloc[-1]["verdict"] is None
    res = CliRunner().invoke(cli, ["--store", str(path), "site", "check", "--site", SITE, "--industry", INDUSTRY,
                                   "--area-mu", "50", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    _says_unchecked(data, CLUSTERS_ZH, "库中缺少该图层")
    text = CliRunner().invoke(cli, ["--store", str(path), "site", "check", "--site", SITE, "--industry", INDUSTRY])
    assert "选址核查结论：无法核查" in text.output
    assert any(f["kind"] == "layer_missing" and "industrial_clusters" in f["problem_zh"]
               for f in doctor.diagnose(path)["findings"])


def test_a_batch_row_is_unchecked_only_when_its_own_kind_needs_the_empty_layer(tmp_path):
    """An empty 七大农业示范区 leaves an industrial project's verdict standing (its rules never read that layer,
    plan_rules.json → industry_kinds) and makes an agricultural one 无法核查, with the reason in its row."""
    import geopandas as gpd

    from dcf_spatial.queries.site.tables import results_table

    agri = dcf.layer("agri_zones")
    veg = agri[agri["id"] == "agri.vegetable"].to_crs(4548).geometry.representative_point().to_crs(4490).iloc[0]
    path = _gpkg_copy(tmp_path, "DELETE FROM agri_zones;")
    sites = gpd.GeoDataFrame({"industry": [INDUSTRY, "A0141"], "area_mu": [50, 20]},
                             geometry=gpd.points_from_xy([115.75, veg.x], [36.455, veg.y]), crs=4490)
    rows = dcf.check_site(sites, store=path).results
    assert rows[0]["status"] == "ok" and rows[0]["verdict"] == "fits"
    assert rows[1]["status"] == "error" and rows[1]["verdict"] is None
    assert "“七大农业示范区”（agri_zones）" in rows[1]["error"] and "该图层为空（0 个要素）" in rows[1]["error"]
    table = results_table(rows)
    assert list(table["verdict_zh"]) == ["符合", "无法核查"]
    assert "七大农业示范区" in table["error"].iloc[1] and "七大农业示范区" in table["reasons"].iloc[1]


def test_the_prepared_copy_on_disk_keeps_the_empty_layer(tmp_path, monkeypatch):
    """A second command-line run answers from the prepared copy of the layers (context.py): it must still
    know that the layer was empty."""
    import shapely

    from dcf_spatial.queries.site import context
    from dcf_spatial.queries.site.check import site_result

    monkeypatch.delenv("DCF_NO_CONTEXT_CACHE", raising=False)
    monkeypatch.setenv("DCF_CACHE_DIR", str(tmp_path / "cache"))
    path = _gpkg_copy(tmp_path, "DELETE FROM industrial_clusters;")
    context._CONTEXT_CACHE.clear()
    context.load_context(path)                       # reads the store, writes the copy
    context._CONTEXT_CACHE.clear()                   # a new process, which reads the copy, not the store

    def no_store_read(*args, **kwargs):
        raise AssertionError("the store was read again instead of the prepared copy")

    monkeypatch.setattr(context, "_read_settled", no_store_read)
    again = context.load_context(path)
    assert list((tmp_path / "cache" / "context").glob("context-*.npz"))
    answer = site_result(shapely.Point(115.75, 36.455), INDUSTRY, context=again)
    _says_unchecked(answer, CLUSTERS_ZH, "该图层为空（0 个要素）")
    context._CONTEXT_CACHE.clear()


def test_the_desk_answers_and_records_unchecked(tmp_path):
    path = _gpkg_copy(tmp_path, "DELETE FROM industrial_clusters; DELETE FROM cluster_parks;")
    body = {"site": SITE, "industry": INDUSTRY, "area_mu": 50, "project": "工作台"}
    with running_desk(path, record=True) as url:
        import httpx

        with httpx.Client(base_url=url, timeout=180) as client:
            r = client.post("/api/site-check", json=body)
    assert r.status_code == 200, r.text
    _says_unchecked(r.json(), CLUSTERS_ZH, "该图层为空（0 个要素）")
    row = entries(store=path).iloc[-1]
    assert row["project"] == "工作台" and row["verdict"] is None


def test_history_show_says_a_layer_was_edited_outside_dcf(store):
    """N4: the recorded answer said so; the reproduction from recorded versions could not, and show left it out."""
    from dcf_spatial.store.backends import open_store

    st = open_store(store)
    with psycopg.connect(_pg_url(st), autocommit=True) as con:
        con.execute(f"UPDATE {st._t('industrial_clusters')} SET name_zh = name_zh || '（改）'")
    rec = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=store, record="编辑之后")
    shown = show(rec.register_ids[0], store=store).summary_text()
    assert "industrial_clusters" in shown and "在 dcf 之外被直接编辑（未经导入，无版本记录）" in shown


def test_a_check_refused_for_an_outside_edit_says_it_came_from_outside_dcf(store, monkeypatch):
    """N5: the refusal (the desk's 409) names the layer and that it was edited outside dcf."""
    from dcf_spatial.register import tables
    from dcf_spatial.store.backends import open_store

    st = open_store(store)
    real = tables.write_records

    def edit_after_build(s, build):
        def build_then_edit():
            out = build()
            with psycopg.connect(_pg_url(st), autocommit=True) as con:
                con.execute(f"UPDATE {st._t('industrial_clusters')} SET name_zh = name_zh || '（改）'")
            return out
        return real(s, build_then_edit)

    dcf.check_site(SITE, INDUSTRY, store=store, record="之前")
    monkeypatch.setattr(tables, "write_records", edit_after_build)
    with pytest.raises(StoreChangedError) as info:
        dcf.check_site(SITE, INDUSTRY, store=store, record="期间")
    assert "industrial_clusters" in str(info.value) and "在 dcf 之外被直接编辑" in str(info.value)
    from dcf_spatial.desk.routes import api

    answer = api._input_error(info.value)   # what the desk answers for it
    assert answer.status == 409 and "在 dcf 之外被直接编辑" in answer.message


def test_an_empty_land_use_layer_is_said_not_checked_and_leaves_the_verdict(tmp_path):
    """The land-use rule is information only (rules/landuse.py): an imported 三调 layer emptied outside dcf leaves
    the verdict as the plan's rules give it, and its reason says that land use was not checked and why — never
    “耕地 0.00 亩，占地块 0.0%”, read from nothing."""
    import geopandas as gpd
    from shapely.geometry import box

    from dcf_spatial.store import catalog

    path = _gpkg_copy(tmp_path, "")
    patch = gpd.GeoDataFrame({"id": ["dltb.1"], "name_zh": ["水浇地"], "land_use_code": ["0102"],
                              "land_use_name": ["水浇地"], "plan_ref": [""], "provenance": ["authoritative"],
                              "source": ["三调"]}, geometry=[box(115.74, 36.45, 115.76, 36.46)], crs=4490)
    catalog.write_layer(patch, "landuse", store=path, source="test: one 三调 patch")
    with sqlite3.connect(path) as con:
        con.execute("DELETE FROM landuse")
    answer = dcf.check_site(SITE, INDUSTRY, area_mu=50, store=path).results[0]
    assert answer["verdict"] == "fits"
    land = next(r["text_zh"] for r in answer["reasons"] if r["rule"] == "landuse_cultivated")
    assert "未核查土地利用现状" in land and "该图层为空（0 个要素）" in land and "耕地（地类编码 01*）" not in land
