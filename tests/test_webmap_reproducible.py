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
