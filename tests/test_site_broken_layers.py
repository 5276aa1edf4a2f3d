"""A frame or zone layer broken outside dcf gives no verdict, names what is wrong and the fix, and ``dcf layers
doctor`` lists it (breaker findings F1, F2, F5, F8, F10, F13, F15 of 2026-12-07; store/layer_health.py).

Each test edits a copy of the shipped store as a GIS clerk's tool would (SQLite with the GeoPackage ST_* functions
GDAL/QGIS define, GDAL overwrite, psql), then checks 轴承 in 郑家镇工业集聚区 — 第八章第一节 lists 轴承 among its
industries, so the intact store answers 符合 there (tests/test_site_unread_layers.py)."""

from __future__ import annotations

import shutil
import sqlite3

import psycopg
import pytest
import shapely
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial import settings
from dcf_spatial.cli.main import cli
from dcf_spatial.register.tables import from_gpkg_blob, gpkg_blob
from dcf_spatial.store import doctor

from _watching import store  # noqa: F401 - the PostGIS copy of the shipped layers (fixture)

SITE, INDUSTRY = "115.75,36.455", "轴承"
#: in 嘉明经济开发区 (townships: 道口铺街道), far from 郑家
FAR_SITE = "115.95,36.515"
CLUSTERS_ZH = "“四大工业集聚区”（industrial_clusters）"
#: a self-intersecting ring (bow-tie), what a QGIS vertex drag leaves, over 郑家镇工业集聚区
BOW_TIE = shapely.Polygon([(115.70, 36.40), (115.80, 36.50), (115.80, 36.40), (115.70, 36.50), (115.70, 36.40)])


def _copy(tmp_path):
    path = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, path)
    return path


def _outside(path, sql: str, params=()) -> None:
    """SQL run as GDAL/QGIS/SpatiaLite run it: the GeoPackage R-tree triggers call ST_IsEmpty and ST_MinX…"""
    def envelope(i):
        def f(blob):
            g = from_gpkg_blob(blob)
            return None if g is None or g.is_empty else g.bounds[i]
        return f

    with sqlite3.connect(path) as con:
        con.create_function("ST_IsEmpty", 1, lambda b: None if b is None else int(from_gpkg_blob(b).is_empty))
        for name, i in (("ST_MinX", 0), ("ST_MinY", 1), ("ST_MaxX", 2), ("ST_MaxY", 3)):
            con.create_function(name, 1, envelope(i))
        con.execute(sql, params)


def _check(path, site=SITE) -> dict:
    return dcf.check_site(site, INDUSTRY, area_mu=50, store=path).results[0]


def _unchecked(answer: dict, *words) -> str:
    assert answer["verdict"] is None and answer["verdict_zh"] == "无法核查", answer["verdict"]
    first = answer["reasons"][0]["text_zh"]
    assert first.startswith("无法核查"), first
    for w in words:
        assert w in first, (w, first)
    assert not any("不在任何" in r["text_zh"] for r in answer["reasons"])
    return first


def _kinds(path) -> dict:
    return {f["kind"]: f for f in doctor.diagnose(path)["findings"]}


def test_every_geometry_empty_is_an_empty_layer_no_nan_km_in_cli_batch_or_doctor(tmp_path, monkeypatch):
    """F1: QGIS "delete part" on each cluster leaves POLYGON EMPTY: was 不符合 with 「嘉明经济开发区 nan km」."""
    path = _copy(tmp_path)
    _outside(path, "UPDATE industrial_clusters SET geom = ?", (gpkg_blob(shapely.Polygon()),))
    _unchecked(_check(path), CLUSTERS_ZH, "都没有几何图形")
    monkeypatch.setenv("DCF_CACHE_DIR", str(tmp_path / "cache"))
    res = CliRunner().invoke(cli, ["--store", str(path), "site", "check", "--site", SITE, "--area-mu", "50",
                                   "--industry", INDUSTRY])
    assert "选址核查结论：无法核查" in res.output and "nan km" not in res.output, res.output
    batch = tmp_path / "清单.csv"
    batch.write_text(f"项目名称,经度,纬度,行业,用地面积（亩）\n甲,115.75,36.455,{INDUSTRY},50\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["--store", str(path), "site", "check", "--batch", str(batch)])
    assert "无法核查" in res.output and "不符合" not in res.output.split("判定")[0] and "nan km" not in res.output, res.output
    found = _kinds(path)
    assert "industrial_clusters" in found["layer_empty"]["problem_zh"] and found["layer_empty"]["repairable"]


def test_the_idle_audit_says_a_cluster_layer_without_geometry_is_unusable(tmp_path):
    """F1 addendum: every parcel was put 'outside' the clusters with no word that the layer is unusable."""
    import pandas as pd

    path = _copy(tmp_path)
    _outside(path, "UPDATE industrial_clusters SET geom = ?", (gpkg_blob(shapely.Polygon()),))
    ledger = tmp_path / "供地台账.csv"
    pd.DataFrame({"电子监管号": ["3715022020B00456"], "项目名称": ["轴承扩建项目"], "经度": [115.75], "纬度": [36.455],
                  "面积(公顷)": [2], "土地用途": ["工业用地"], "合同签订日期": ["2020-05-10"],
                  "约定开工时间": ["2020-11-10"], "实际开工时间": [None], "约定竣工时间": ["2022-11-10"]}).to_csv(ledger, index=False)
    res = dcf.audit_idle(str(ledger), as_of="2025-12-31", store=path, out=tmp_path / "out", map=False)
    notes = "\n".join(res.notes)
    assert f"图层{CLUSTERS_ZH}：该图层的 4 个要素都没有几何图形" in notes and "按工业集聚区的汇总不可用" in notes, notes


def test_one_feature_without_geometry_is_named_and_no_crash_from_the_prepared_copy(tmp_path, monkeypatch):
    """F5: one NULL geometry crashed every check (TypeError writing the prepared copy; desk 500). Where that cluster
    lies is unknown, so no site can be said to lie outside it: 无法核查, the feature named."""
    monkeypatch.setenv("DCF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DCF_NO_CONTEXT_CACHE", raising=False)
    path = _copy(tmp_path)
    _outside(path, "UPDATE industrial_clusters SET geom = NULL WHERE id = 'cluster.guangping'")
    for _ in range(2):   # the second from the prepared copy on disk
        res = CliRunner().invoke(cli, ["--store", str(path), "site", "check", "--site", SITE, "--area-mu", "50",
                                       "--industry", INDUSTRY])
        assert res.exception is None or isinstance(res.exception, SystemExit), res.output
        assert "选址核查结论：无法核查" in res.output and "id=cluster.guangping" in res.output, res.output
    assert "id=cluster.guangping" in _kinds(path)["layer_null_geometry"]["problem_zh"]


def test_a_self_intersecting_cluster_withholds_the_verdict_near_it_only(tmp_path):
    """F15: a bow-tie in 郑家镇工业集聚区 raised GEOS TopologyException for every site, near or far."""
    path = _copy(tmp_path)
    _outside(path, "UPDATE industrial_clusters SET geom = ? WHERE id = 'cluster.zhengjia'", (gpkg_blob(BOW_TIE),))
    _unchecked(_check(path), CLUSTERS_ZH, "id=cluster.zhengjia", "自相交")
    far = _check(path, FAR_SITE)
    assert far["verdict"] is not None and far["verdict"] == _check(settings.checkout_store, FAR_SITE)["verdict"]
    assert "id=cluster.zhengjia" in far["provenance"]["note_zh"] and "自相交" in far["provenance"]["note_zh"]
    found = _kinds(path)["layer_invalid_geometry"]
    assert "id=cluster.zhengjia" in found["problem_zh"] and "修复几何图形" in found["fix_zh"]


def test_a_cluster_layer_overwritten_with_its_outlines_is_broken_not_an_older_store(tmp_path):
    """F8: the polygons replaced through GDAL by LineStrings gave 不符合 at 2.02 km; doctor blamed an older store."""
    import geopandas as gpd
    import pyogrio

    path = _copy(tmp_path)
    g = gpd.read_file(path, layer="industrial_clusters")
    g["geometry"] = g.geometry.boundary
    pyogrio.write_dataframe(g, path, layer="industrial_clusters", layer_options={"OVERWRITE": "YES"})
    _unchecked(_check(path), CLUSTERS_ZH, "LineString", "面（Polygon）")
    found = _kinds(path)
    assert "LineString" in found["layer_wrong_type"]["problem_zh"]
    assert "较早版本" not in found["edits_unwatched"]["problem_zh"] and "覆盖" in found["edits_unwatched"]["problem_zh"]


def test_a_renamed_geometry_column_is_unreadable_not_a_traceback(tmp_path):
    """F13 (GeoPackage): ``ALTER TABLE … RENAME COLUMN geom TO shape`` → pyogrio FeatureError traceback."""
    path = _copy(tmp_path)
    with sqlite3.connect(path) as con:
        con.execute("ALTER TABLE industrial_clusters RENAME COLUMN geom TO shape")
    _unchecked(_check(path), CLUSTERS_ZH, "找不到几何列 geom", "把几何列改回原名")
    assert "geom" in _kinds(path)["layer_unreadable"]["problem_zh"]


def test_a_changed_srs_id_is_a_broken_layer_naming_both_crs(tmp_path):
    """F2 (GeoPackage): srs_id of industrial_clusters set to 3857 gave 不符合 with the cluster 18,338 km away."""
    import pyproj

    path = _copy(tmp_path)
    with sqlite3.connect(path) as con:
        con.execute("INSERT OR IGNORE INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id,"
                    " definition) VALUES ('WGS 84 / Pseudo-Mercator', 3857, 'EPSG', 3857, ?)",
                    (pyproj.CRS(3857).to_wkt("WKT1_GDAL"),))
        con.execute("UPDATE gpkg_geometry_columns SET srs_id = 3857 WHERE table_name = 'industrial_clusters'")
        con.execute("UPDATE gpkg_contents SET srs_id = 3857 WHERE table_name = 'industrial_clusters'")
    first = _unchecked(_check(path), CLUSTERS_ZH, "EPSG:3857", "EPSG:4490")
    assert "km" not in first
    found = _kinds(path)["layer_wrong_crs"]
    assert "EPSG:3857" in found["problem_zh"] and "EPSG:4490" in found["problem_zh"]


def test_townships_cut_to_one_feature_leave_a_frame_gap_not_outside_the_plan(tmp_path):
    """F10: with only 郑家镇 left, a site inside the district (嘉明, 道口铺街道) was 不在规划范围."""
    path = _copy(tmp_path)
    _outside(path, "DELETE FROM townships WHERE name_zh <> '郑家镇'")
    first = _unchecked(_check(path, FAR_SITE), "townships", "other_units", "km²")
    assert "规划范围（第一章第一节）" in first
    assert _check(path)["verdict"] == "fits"   # a site in the township left is answered
    assert "km²" in _kinds(path)["frame_gap"]["problem_zh"]


def test_doctor_repair_brings_back_a_layer_without_geometry(tmp_path):
    path = _copy(tmp_path)
    _outside(path, "UPDATE industrial_clusters SET geom = ?", (gpkg_blob(shapely.Polygon()),))
    done = doctor.repair(path)
    assert any("industrial_clusters" in line for line in done["repaired"]), done
    assert _check(path)["verdict"] == "fits"


def _pg_url(st) -> str:
    return st._url.set(drivername="postgresql").render_as_string(hide_password=False)


def test_postgis_null_geometries_and_a_renamed_geometry_column_give_no_verdict(store):
    """F1 addendum (PostGIS: every cluster NULL gave 符合 with 「nan km」) and F13 (``RENAME COLUMN geometry TO
    geom`` gave ``ValueError: Query missing geometry column``)."""
    from dcf_spatial.store.backends import open_store

    st = open_store(store)
    with psycopg.connect(_pg_url(st), autocommit=True) as con:   # psql, not dcf
        con.execute(f"UPDATE {st._t('industrial_clusters')} SET geometry = NULL")
    answer = _check(store)
    _unchecked(answer, CLUSTERS_ZH, "都没有几何图形")
    assert "nan km" not in str(answer)
    with psycopg.connect(_pg_url(st), autocommit=True) as con:
        con.execute(f"ALTER TABLE {st._t('industrial_clusters')} RENAME COLUMN geometry TO geom")
    # a new process (``dcf site check`` from the shell): DDL moves no edit mark, so this process's prepared layers
    # would be kept — the caches noticing such changes are another task's (branch gpkg_cache)
    from dcf_spatial.queries.site import context
    context._CONTEXT_CACHE.clear()
    _unchecked(_check(store), CLUSTERS_ZH, "找不到几何列 geometry")
