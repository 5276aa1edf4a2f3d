"""Built-up evidence from a classified raster: rasters built here, in tmp_path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin

from dcf_spatial.errors import InputError
from dcf_spatial.land.idle_audit import audit_idle, load_rules
from dcf_spatial.land.imagery import built_fraction, evidence_flags
from dcf_spatial.land.parcels import validate_parcels
from test_idle_audit import X0, Y0, parcel_frame

RES = 10.0  # metres per cell


def write_raster(path, data, *, crs="EPSG:4548", origin=(X0 - 100, Y0 + 200), res=RES, nodata=None):
    data = np.asarray(data)
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=data.dtype, crs=crs, transform=from_origin(*origin, res, res), nodata=nodata) as dst:
        dst.write(data, 1)
    return path


def grid_for(parcels_cells):
    """A 0/1 grid 300 rows × 400 cols (origin X0-100, Y0+200), setting the cells given."""
    grid = np.zeros((30, 400), dtype="uint8")
    for rows, cols in parcels_cells:
        grid[rows, cols] = 1
    return grid


def col(x):  # column of easting x
    return int((x - (X0 - 100)) // RES)


def row(y):  # row of northing y
    return int(((Y0 + 200) - y) // RES)


# parcel i is the box [X0 + 1000 i, X0 + 1000 i + 300] x [Y0, Y0 + 100]: rows 10..19, 30 columns
def parcel_cells(i, fraction=1.0):
    c0 = col(X0 + 1000 * i)
    ncols = int(round(30 * fraction))
    return (slice(row(Y0 + 100), row(Y0)), slice(c0, c0 + ncols))


def three_parcels():
    return parcel_frame([{"agreed_start": "2020-01-01", "actual_start": "2020-03-01"},
                         {"agreed_start": "2020-01-01"},
                         {"agreed_start": "2020-01-01"}])


def test_built_fraction_on_a_mask(tmp_path):
    # parcel 0 fully built, parcel 1 none, parcel 2 one third (10 of 30 columns); 4,000 m wide raster
    grid = np.zeros((30, 400), dtype="uint8")
    for i, frac in ((0, 1.0), (2, 1 / 3)):
        grid[parcel_cells(i, frac)] = 1
    tif = write_raster(tmp_path / "mask.tif", grid)
    res = built_fraction(three_parcels(), tif)
    assert res["observed_cells"].tolist() == [300, 300, 300]
    assert res["built_fraction"].tolist() == pytest.approx([1.0, 0.0, 1 / 3])


def test_classified_raster_needs_built_class(tmp_path):
    grid = np.full((30, 400), 10, dtype="uint8")
    grid[parcel_cells(1)] = 50
    tif = write_raster(tmp_path / "landcover.tif", grid)
    with pytest.raises(InputError, match="--built-class"):
        built_fraction(three_parcels(), tif)
    res = built_fraction(three_parcels(), tif, built_class=50)
    assert res["built_fraction"].tolist() == pytest.approx([0.0, 1.0, 0.0])


def test_raster_in_another_crs(tmp_path):
    """The parcels go to the raster's CRS: a lon/lat raster gives the same answer within a cell's rim."""
    parcels = three_parcels()
    p4326 = parcels.to_crs(4326)
    xmin, ymin, xmax, ymax = p4326.total_bounds
    step = 0.0001  # ≈ 9–11 m
    width, height = int((xmax - xmin) / step) + 20, int((ymax - ymin) / step) + 20
    ox, oy = xmin - 10 * step, ymax + 10 * step
    grid = np.zeros((height, width), dtype="uint8")
    b = p4326.geometry.iloc[0].bounds  # parcel 0 built
    grid[int((oy - b[3]) / step):int((oy - b[1]) / step) + 1, int((b[0] - ox) / step):int((b[2] - ox) / step) + 1] = 1
    tif = write_raster(tmp_path / "wgs.tif", grid, crs="EPSG:4326", origin=(ox, oy), res=step)
    res = built_fraction(parcels, tif)
    assert res["built_fraction"].iloc[0] > 0.95
    assert res["built_fraction"].iloc[1] == 0.0


def test_nodata_cells_are_not_observed_and_uncovered_parcels_are_nan(tmp_path):
    grid = np.zeros((30, 400), dtype="uint8")
    grid[parcel_cells(0)] = 1
    grid[parcel_cells(0, 0.5)] = 255  # left half of parcel 0 is nodata
    tif = write_raster(tmp_path / "nd.tif", grid[:, :200], nodata=255)  # raster ends at X0 + 1900, before parcel 2
    res = built_fraction(three_parcels(), tif)
    assert res["observed_cells"].iloc[0] == 150 and res["built_fraction"].iloc[0] == 1.0
    assert np.isnan(res["built_fraction"].iloc[2]) and res["observed_cells"].iloc[2] == 0


def test_parcel_smaller_than_a_cell_still_measured(tmp_path):
    tiny = parcel_frame([{"agreed_start": "2020-01-01"}], size=(4.0, 4.0))
    tiny = tiny.set_geometry(tiny.geometry.translate(3, 3))  # inside one cell, away from its centre
    grid = np.ones((30, 400), dtype="uint8")
    res = built_fraction(tiny, write_raster(tmp_path / "ones.tif", grid))
    assert res["observed_cells"].iloc[0] >= 1 and res["built_fraction"].iloc[0] == 1.0


def test_contradictions_flagged(tmp_path):
    # parcel 0 recorded started but bare; parcel 1 recorded not started but fully built; parcel 2 consistent
    grid = np.zeros((30, 400), dtype="uint8")
    grid[parcel_cells(1)] = 1
    tif = write_raster(tmp_path / "mask.tif", grid)
    audited = audit_idle(validate_parcels(three_parcels()), as_of="2024-06-01")
    flags = evidence_flags(audited, built_fraction(audited, tif), rules=load_rules())
    assert flags.iloc[0].startswith("矛盾：记录已动工")
    assert flags.iloc[1].startswith("矛盾：记录未动工") and "100%" in flags.iloc[1]
    assert flags.iloc[2] == ""


def test_missing_or_crsless_raster_raises(tmp_path):
    with pytest.raises(InputError, match=r"--imagery：.*nope\.tif 不存在.*GeoTIFF"):
        built_fraction(three_parcels(), tmp_path / "nope.tif")
    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8") as dst:
        dst.write(np.zeros((4, 4), dtype="uint8"), 1)
    with pytest.raises(InputError, match=r"nocrs\.tif 没有坐标系（CRS）.*gdal_edit\.py -a_srs"):
        built_fraction(three_parcels(), path)


def test_raster_without_geotransform_is_a_chinese_error(tmp_path, recwarn):
    path = tmp_path / "notransform.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8", crs="EPSG:4548") as dst:
        dst.write(np.ones((4, 4), dtype="uint8"), 1)
    recwarn.clear()  # writing it warned; reading it must not, in English
    with pytest.raises(InputError, match=r"--imagery：.*notransform\.tif 没有地理参考（geotransform）.*gdal_edit\.py -a_ullr"):
        built_fraction(three_parcels(), path)
    assert not [w for w in recwarn if issubclass(w.category, rasterio.errors.NotGeoreferencedWarning)]


def test_workflow_reports_imagery_beside_status(tmp_path):
    from dcf_spatial.land import audit_idle

    grid = np.zeros((30, 400), dtype="uint8")
    grid[parcel_cells(1)] = 1
    tif = write_raster(tmp_path / "mask.tif", grid)
    res = audit_idle(three_parcels(), out=tmp_path / "o", as_of="2024-06-01", imagery=tif,
                     map=False)
    r = res.frame
    assert r["built_fraction"].tolist() == pytest.approx([0.0, 1.0, 0.0])
    assert r["status"].tolist() == ["normal", "idle_reclaim", "idle_reclaim"]
    assert pd.Series(r["imagery_flag"]).str.startswith("矛盾").sum() == 2
