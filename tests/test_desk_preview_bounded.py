"""The desk's import preview of a large file answers a bounded amount (breaker B31-12: a 100,000-feature file
gave a 28 MB answer listing every id and drawing every feature; 45 s on the server, 94 s on the page): the
added, removed and moved features are listed up to a cap with whole counts, the whole lists are a download,
and the map draws a capped number of features (the added and moved ones first) and simplified outlines past a
vertex budget, saying so. The caps are lowered here so that a small file crosses them."""

from __future__ import annotations

import re

import geopandas as gpd
import httpx
import pandas as pd
import pytest
import shapely
import shapely.affinity

from _desk_server import running_desk
from browser import make_fixture_store
from dcf_spatial.desk import preview_map
from dcf_spatial.desk.routes import layers as layer_routes
from dcf_spatial.store import catalog

N_NEW, LIST_CAP, MAP_CAP = 300, 50, 40


@pytest.fixture()
def desk(tmp_path):
    store = make_fixture_store(tmp_path / "store.gpkg")
    with running_desk(store) as url, httpx.Client(base_url=url, timeout=180) as client:
        token = re.search(r'name="dcf-write-token" content="([^"]+)"', client.get("/layers").text).group(1)
        client.store, client.ok = store, {"X-DCF-Token": token, "Origin": url}
        yield client


def _big_canal(store, path):
    """The fixture's canal with its last line moved 0.01° east, and N_NEW new three-vertex lines (their middle vertex
    about 1 m off the straight line: a simplification drops it)."""
    current = catalog.read_layer("canal", store=store)[["id", "name_zh", "geometry"]]
    moved_id = str(current["id"].iloc[-1])
    current.loc[current.index[-1], "geometry"] = shapely.affinity.translate(current.geometry.iloc[-1], xoff=0.01)
    new = gpd.GeoDataFrame({"id": [f"c{i}" for i in range(N_NEW)], "name_zh": ["运河（测试）"] * N_NEW},
                           geometry=[shapely.LineString([(115.8 + i * 1e-4, 36.4), (115.81 + i * 1e-4, 36.40001),
                                                         (115.82 + i * 1e-4, 36.4)]) for i in range(N_NEW)],
                           crs=current.crs)
    gpd.GeoDataFrame(pd.concat([new, current], ignore_index=True), crs=current.crs).to_file(path)
    return moved_id, len(current)


def _preview(desk, path):
    with open(path, "rb") as fh:
        return desk.post("/api/layers/canal/import/preview", headers=desk.ok, files={"file": (path.name, fh)},
                         data={"provenance": "reference"})


def test_a_large_preview_lists_a_capped_number_with_whole_counts_and_offers_the_whole_lists(desk, tmp_path, monkeypatch):
    monkeypatch.setattr(layer_routes, "PREVIEW_LIST", LIST_CAP)
    monkeypatch.setattr(preview_map, "MAP_FEATURES", MAP_CAP)
    moved_id, kept = _big_canal(desk.store, tmp_path / "大运河.gpkg")
    r = _preview(desk, tmp_path / "大运河.gpkg")
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["added_count"] == N_NEW and len(p["added"]) == LIST_CAP
    assert p["moved_count"] == 1 and [m["编号"] for m in p["moved"]] == [moved_id]
    assert f"新增 {N_NEW}" in p["changes_zh"]            # the counts said are whole
    # the whole lists are one download away
    full = desk.get(p["details_url"])
    assert full.status_code == 200
    assert sorted(full.json()["added"]) == sorted(f"c{i}" for i in range(N_NEW))
    # the map: capped, the moved feature drawn though it is last in the file, and the cap said
    drawn = [f["properties"]["id"] for f in p["new_geojson"]["features"]]
    assert len(drawn) == MAP_CAP and moved_id in drawn
    assert f"{MAP_CAP:,}" in p["map_note_zh"] and f"{N_NEW + kept:,}" in p["map_note_zh"]


def test_outlines_over_the_vertex_budget_are_simplified_and_said_to_be(desk, tmp_path, monkeypatch):
    monkeypatch.setattr(preview_map, "MAP_VERTICES", 100)
    _big_canal(desk.store, tmp_path / "大运河.gpkg")
    p = _preview(desk, tmp_path / "大运河.gpkg").json()
    assert "边界已简化" in p["map_note_zh"]
    vertices = sum(len(f["geometry"]["coordinates"]) for f in p["new_geojson"]["features"])
    assert vertices < 3 * N_NEW     # the three-vertex lines drawn with fewer (simplified to their two ends)
