"""Issue 13, goal 2: the idle audit's complete list reuses the geometries' WKB as read, and its
reprojection builds simple polygons from their coordinates: the same files and areas either way.

The WKB kept by the reader (``keep_wkb``) is written only when the frame's geometries are still the
ones decoded from it; a repaired, reprojected or reordered geometry column is encoded as before.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from dcf_spatial.crs import to_working
from dcf_spatial.io import read_vector
from dcf_spatial.io.read_wkb import READ_WKB, ReadWkb
from dcf_spatial.land import outputs
from dcf_spatial.land.parcels import working_geometry


def _parcels(n: int = 120) -> gpd.GeoDataFrame:
    x0, y0 = 115.95, 36.45  # 东昌府区, CGCS2000 degrees
    geoms = [shapely.box(x0 + i * 1e-3, y0, x0 + i * 1e-3 + 5e-4, y0 + 4e-4) for i in range(n)]
    return gpd.GeoDataFrame({"parcel_id": [f"P{i:04d}" for i in range(n)], "area_m2": np.arange(n, dtype=float),
                             "holder": pd.array([f"单位{i % 7}" for i in range(n)], dtype="str")},
                            geometry=geoms, crs=4490)


def _written(path, **kw):
    gdf = read_vector(path, keep_wkb=True, **kw)
    return gdf, gdf.attrs.pop(READ_WKB, None)  # taken out of attrs, which arrow writes as JSON


def test_the_read_keeping_the_wkb_is_the_plain_read(tmp_path):
    _parcels().to_file(tmp_path / "p.gpkg", driver="GPKG")
    plain = read_vector(tmp_path / "p.gpkg")
    kept, wkb = _written(tmp_path / "p.gpkg")
    assert READ_WKB not in plain.attrs and isinstance(wkb, ReadWkb) and READ_WKB not in kept.attrs
    pd.testing.assert_frame_equal(pd.DataFrame(kept.drop(columns="geometry")), pd.DataFrame(plain.drop(columns="geometry")))
    assert kept.crs == plain.crs and shapely.equals_exact(kept.geometry.values, plain.geometry.values, 0).all()
    # the bytes as read are those shapely writes for the decoded geometries
    assert wkb.for_geometry(kept.geometry.values).to_pylist() == list(shapely.to_wkb(kept.geometry.values, flavor="iso"))


def test_the_complete_list_from_the_read_wkb_is_the_same_file(tmp_path):
    _parcels().to_file(tmp_path / "p.gpkg", driver="GPKG")
    gdf, wkb = _written(tmp_path / "p.gpkg")
    gdf["status"] = pd.Categorical(["idle" if i % 3 else "ok" for i in range(len(gdf))], categories=["ok", "idle"])  # in order of first use, as the audit makes them
    outputs.write_geoparquet(gdf, tmp_path / "encoded.parquet", slice_rows=50)
    outputs.write_geoparquet(gdf, tmp_path / "reused.parquet", slice_rows=50, read_wkb=wkb)
    a, b = pq.read_table(tmp_path / "encoded.parquet"), pq.read_table(tmp_path / "reused.parquet")
    assert a.equals(b) and a.schema.equals(b.schema, check_metadata=True)
    assert pq.ParquetFile(tmp_path / "reused.parquet").metadata.num_row_groups == 3


def test_changed_geometries_are_encoded_again(tmp_path):
    g = _parcels(10)
    g.loc[3, "geometry"] = shapely.Polygon([(115.95, 36.45), (115.951, 36.451), (115.951, 36.45), (115.95, 36.451)])
    g.to_file(tmp_path / "p.gpkg", driver="GPKG")
    gdf, wkb = _written(tmp_path / "p.gpkg")  # the bow tie repaired by the reader: a new geometry
    assert wkb.for_geometry(gdf.geometry.values) is None
    assert wkb.for_geometry(wkb.geoms[::-1]) is None  # reordered
    assert wkb.for_geometry(wkb.geoms[:5]) is None  # other rows
    assert wkb.for_geometry(wkb.geoms) is not None


def test_wkb_shapely_would_not_write_is_not_kept():
    import pyarrow as pa

    point = shapely.Point(1, 2)
    big_endian = shapely.to_wkb(point, byte_order=0)
    with_z = shapely.to_wkb(shapely.Point(1, 2, 3), flavor="iso")
    for other in (big_endian, with_z):
        raw = ReadWkb.plain(pa.array([point.wkb, other, None]))
        assert ReadWkb.of_read(raw, shapely.from_wkb(raw.to_numpy(zero_copy_only=False))) is None
    raw = ReadWkb.plain(pa.array([point.wkb, None]))
    assert ReadWkb.of_read(raw, shapely.from_wkb(raw.to_numpy(zero_copy_only=False))) is not None


def test_working_geometry_of_simple_polygons_is_to_crs():
    g = _parcels(300)
    fast, plain = working_geometry(g), to_working(g[["geometry"]]).geometry
    assert fast.crs == plain.crs and fast.index.equals(plain.index) and fast.name == plain.name
    np.testing.assert_array_equal(shapely.get_coordinates(fast.values), shapely.get_coordinates(plain.values))
    np.testing.assert_array_equal(fast.area.to_numpy(), plain.area.to_numpy())
    assert (shapely.to_wkb(fast.values) == shapely.to_wkb(plain.values)).all()


@pytest.mark.parametrize("other", [
    shapely.MultiPolygon([shapely.box(115.95, 36.45, 115.951, 36.451), shapely.box(115.96, 36.45, 115.961, 36.451)]),
    shapely.box(115.95, 36.45, 115.96, 36.46).difference(shapely.box(115.952, 36.452, 115.953, 36.453)),  # a hole
    shapely.Point(115.95, 36.45), None,
])
def test_working_geometry_of_other_shapes_is_to_crs(other):
    g = _parcels(5)
    g.loc[2, "geometry"] = other
    fast, plain = working_geometry(g), to_working(g[["geometry"]]).geometry
    assert fast.isna().tolist() == plain.isna().tolist()
    np.testing.assert_array_equal(fast.area.to_numpy(), plain.area.to_numpy())


def _with_bowtie(n: int = 12) -> gpd.GeoDataFrame:
    g = _parcels(n)
    x0, y0 = 115.95, 36.46
    # a self-crossing ring (a bow tie): invalid, repaired by make_valid and reported on its row
    g.loc[3, "geometry"] = shapely.Polygon([(x0, y0), (x0 + 5e-4, y0 + 4e-4), (x0 + 5e-4, y0), (x0, y0 + 4e-4)])
    return g


def test_the_read_keeping_the_wkb_checks_validity_as_the_plain_read(tmp_path):
    # the validity is computed beside the attributes' read (issue 13, goal 2): the same rows repaired
    # and reported as the plain read, and the reader's validity that of the geometries as read
    _with_bowtie().to_file(tmp_path / "p.gpkg", driver="GPKG")
    plain = read_vector(tmp_path / "p.gpkg")
    kept, wkb = _written(tmp_path / "p.gpkg")
    assert wkb.valid.tolist() == [i != 3 for i in range(12)]
    assert kept["read_issue"].tolist() == plain["read_issue"].tolist()
    assert kept["read_issue"][3].startswith("几何无效（Self-intersection") and kept["read_issue"][3].endswith("已自动修复")
    assert shapely.is_valid(kept.geometry.values).all()
    assert shapely.equals_exact(kept.geometry.values, plain.geometry.values, 0).all()


def test_a_validity_read_for_other_geometries_is_not_trusted():
    # the reader's validity holds for the geometries it decoded only: geometries changed since (here
    # a bow tie where the read had a box) are tested again, and the bow tie is repaired and reported
    from dcf_spatial.io.rows import check_rows

    read = _parcels(12)
    g = _with_bowtie(12)
    g.attrs[READ_WKB] = ReadWkb(None, read.geometry.values, np.ones(12, dtype=bool))
    assert ReadWkb(None, read.geometry.values, np.ones(12, dtype=bool)).validity_of(g.geometry.values) is None
    out = check_rows(g, where="p.gpkg", notes=[], location=False)
    assert shapely.is_valid(out.geometry.values).all() and out["read_issue"][3].endswith("已自动修复")
    assert not any(out["read_issue"][i] for i in range(12) if i != 3)
