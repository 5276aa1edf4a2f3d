"""A large GeoPackage layer is read as two halves at once (io.vector._read_layer): the frame must be
the one a whole read gives — same rows in the same order, columns, dtypes and geometry bytes."""
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from dcf_spatial.io import vector


@pytest.fixture
def layer(tmp_path):
    n = 101
    geoms = [shapely.box(116.0 + i * 1e-3, 36.4, 116.0005 + i * 1e-3, 36.4005) for i in range(n)]
    frame = gpd.GeoDataFrame({
        "宗地代码": [f"P{i:04d}" for i in range(n)],
        # empty in the first half only: the half read alone must still type it as the layer declares
        "备注": [None] * 60 + [f"说明{i}" for i in range(n - 60)],
        "面积": np.arange(n, dtype=float) * 1.5,
        "约定开工": pd.to_datetime("2020-01-01") + pd.to_timedelta(np.arange(n), unit="D"),
    }, geometry=geoms, crs=4490)
    path = tmp_path / "parcels.gpkg"
    frame.to_file(path, driver="GPKG", engine="pyogrio")
    return path


def test_split_read_equals_whole_read(layer, monkeypatch):
    whole = pyogrio.read_dataframe(layer, use_arrow=True)
    monkeypatch.setattr(vector, "SPLIT_READ_MIN_FEATURES", 10)
    split = vector._read_layer(str(layer), "gpkg", None, None)
    assert len(split) == len(whole) == 101
    assert list(split.columns) == list(whole.columns)
    assert {c: str(t) for c, t in split.dtypes.items()} == {c: str(t) for c, t in whole.dtypes.items()}
    pd.testing.assert_frame_equal(split.drop(columns="geometry"), whole.drop(columns="geometry"))
    assert (split.geometry.to_wkb() == whole.geometry.to_wkb()).all()
    assert split.crs == whole.crs
    assert split["宗地代码"].iloc[[0, 50, 51, 100]].tolist() == ["P0000", "P0050", "P0051", "P0100"]


def test_small_layer_read_whole(layer, monkeypatch):
    calls = []
    real = pyogrio.read_dataframe
    monkeypatch.setattr(pyogrio, "read_dataframe", lambda *a, **k: calls.append(k) or real(*a, **k))
    out = vector._read_layer(str(layer), "gpkg", None, None)  # 101 features: under the threshold
    assert len(out) == 101 and len(calls) == 1 and "skip_features" not in calls[0]
