"""The same answer gives the same HTML file: no random element ids (folium's uuid4 names)."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from shapely.geometry import box

from dcf_spatial.maps import webmap


@pytest.fixture(scope="module")
def store(map_store):
    return map_store


def test_same_answer_same_file(store, tmp_path):
    answer = gpd.GeoDataFrame({"name": ["甲", "乙"], "verdict": ["符合", "不符合"]},
                              geometry=[box(115.75, 36.32, 115.77, 36.34), box(115.91, 36.40, 115.93, 36.42)],
                              crs="EPSG:4490")
    a = webmap.answer_map(answer, tmp_path / "a.html", title="选址核查", label_field="name", status_field="verdict")
    b = webmap.answer_map(answer, tmp_path / "b.html", title="选址核查", label_field="name", status_field="verdict")
    html = a.read_text(encoding="utf-8")
    assert html == b.read_text(encoding="utf-8")
    ids = set(re.findall(r"\b(?:map|compact_layer|layer_control)_([0-9a-f]{32})", html))
    assert ids and all(i.startswith("0000") for i in ids)  # numbered, not random


def _store_dated(store, tmp_path, stamp: str):
    """A copy of ``store`` whose catalog says every layer was last updated at ``stamp``."""
    import shutil
    import sqlite3

    copy = tmp_path / f"dated_{stamp[:10]}.gpkg"
    shutil.copy(store, copy)
    with sqlite3.connect(copy) as con:
        con.execute("UPDATE dcf_catalog SET updated_at = ?", (stamp,))
    return copy


def test_layer_map_states_the_date_of_its_data_not_of_the_clock(store, tmp_path):
    import datetime as dt
    import sqlite3

    from dcf_spatial.maps.dates import data_date

    old = _store_dated(store, tmp_path, "2021-03-04T05:06:07")
    assert data_date(["district", "townships"], store=old) == dt.date(2021, 3, 4)
    a = webmap.layers_map(["district", "townships"], tmp_path / "a.html", title="镇街", store=old)
    html = a.read_text(encoding="utf-8")
    assert "数据日期：2021-03-04" in html and dt.date.today().isoformat() not in html
    # a later update of a layer the map draws moves the date on; one it does not draw does not
    with sqlite3.connect(old) as con:
        con.execute("UPDATE dcf_catalog SET updated_at = '2022-01-02T00:00:00' WHERE id = 'townships'")
        con.execute("UPDATE dcf_catalog SET updated_at = '2023-01-02T00:00:00' WHERE id = 'agri_zones'")
    assert data_date(["district", "townships"], store=old) == dt.date(2022, 1, 2)


def test_same_layers_same_file(store, tmp_path):
    a = webmap.layers_map(["district", "townships"], tmp_path / "a.html", title="镇街")
    b = webmap.layers_map(["district", "townships"], tmp_path / "b.html", title="镇街")
    assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8")


def test_the_js_runtime_is_package_data_inlined_in_every_map(store, tmp_path):
    import tomllib
    from importlib import resources
    from pathlib import Path

    from dcf_spatial.maps import runtime

    assets = resources.files("dcf_spatial.maps").joinpath("assets")
    assert assets.joinpath("runtime.js").read_text(encoding="utf-8") == runtime.runtime_js()
    # a non-editable install (a wheel) carries the assets folder
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert "maps/assets/*" in pyproject["tool"]["setuptools"]["package-data"]["dcf_spatial"]
    html = webmap.layers_map(["district"], tmp_path / "d.html", title="区界").read_text(encoding="utf-8")
    assert runtime.runtime_js() in html and runtime.runtime_css() in html
