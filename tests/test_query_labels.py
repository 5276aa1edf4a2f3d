"""Query answers name each feature by its own number (宗地代码), not by a 0-based row index."""

from __future__ import annotations

import geopandas as gpd
from click.testing import CliRunner

from dcf_spatial import settings

from dcf_spatial.store import catalog
from dcf_spatial.cli.main import cli


def test_overlap_names_parcels_by_their_ids(tmp_path, monkeypatch):
    monkeypatch.delenv("DCF_STORE", raising=False)
    monkeypatch.setattr(settings, "store", settings.default_store)
    cluster = catalog.read_layer("industrial_clusters").to_crs(4548).iloc[0]
    inside = cluster.geometry.representative_point().buffer(100, quad_segs=4)
    far = inside.centroid.buffer(100).buffer(0)
    far = gpd.GeoSeries([far], crs=4548).translate(200_000, 0).iloc[0]  # far outside the district
    parcels = gpd.GeoDataFrame({"parcel_id": ["P-甲", "P-乙"]}, geometry=[inside, far], crs=4548)
    path = tmp_path / "宗地.gpkg"
    parcels.to_crs(4490).to_file(path)
    res = CliRunner().invoke(cli, ["query", "overlap", str(path), "industrial_clusters"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert any(line.strip().startswith(f"P-甲 × {cluster['name_zh']}") for line in lines)
    assert any(line.strip() == "P-乙：无重叠" for line in lines)
    assert not any(line.strip().startswith(("0 ×", "1：")) for line in lines)


def test_a_stand_in_point_is_not_measured():
    """A plan-named enterprise whose place the plan does not give is kept, but gets no distance."""
    import math

    from shapely.geometry import LineString, Point

    from dcf_spatial.queries.distance import nearest, within_distance

    a = gpd.GeoDataFrame({"name_zh": ["甲", "乙"], "location_known": [True, False]},
                         geometry=[Point(400_000, 4_040_000), Point(400_100, 4_040_000)], crs=4548)
    b = gpd.GeoDataFrame({"id": ["line.x"], "name_zh": ["某线"]},
                         geometry=[LineString([(400_500, 4_030_000), (400_500, 4_050_000)])], crs=4548)
    near = nearest(a, b)
    assert near["status"].tolist() == ["nearest", "location_unknown"]
    assert near["distance_m"].iloc[0] == 500 and math.isnan(near["distance_m"].iloc[1])
    inside = within_distance(a, b, 1.0)
    assert inside["within"].tolist() == [True, False]
    assert inside["status"].tolist() == ["within", "location_unknown"]


def test_within_counts_only_the_measured_features(monkeypatch, tmp_path):
    monkeypatch.delenv("DCF_STORE", raising=False)
    monkeypatch.setattr(settings, "store", settings.default_store)
    ents = catalog.read_layer("anchor_enterprises")
    unknown = int((~ents["location_known"].astype(bool)).sum())
    res = CliRunner().invoke(cli, ["query", "within", "anchor_enterprises", "canal", "--km", "2",
                                   "--map", str(tmp_path / "w.html")])
    assert res.exit_code == 0, res.output
    first = res.stdout.splitlines()[0]
    assert f"/ {len(ents) - unknown}（另有 {unknown} 个" in first
    html = (tmp_path / "w.html").read_text(encoding="utf-8")
    assert "B：" in html  # layer B (the canal) drawn and named
