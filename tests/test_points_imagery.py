"""Imagery evidence for parcels given as points (经度/纬度 + 宗地面积): measured over the circle of the
declared area, never from the single cell under the point; a point without area gets no fraction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dcf_spatial.land.idle_audit import audit_idle, load_rules
from dcf_spatial.land.imagery import built_fraction, evidence_flags
from dcf_spatial.land.parcels import validate_parcels
from test_idle_audit import X0, Y0, parcel_frame
from test_imagery import RES, write_raster

SIDE = 300.0  # parcels are 300 m squares, 1,000 m apart, on a 10 m raster
ORIGIN = (X0 - 100, Y0 + 400)  # the raster's top-left corner (EPSG:4548)


def col(x):
    return int(round((x - ORIGIN[0]) / RES))


def row(y):
    return int(round((ORIGIN[1] - y) / RES))


def squares(rows):
    return parcel_frame(rows, size=(SIDE, SIDE))


def centre_cells(i, half_m):
    """Row/column slices of the (2·half_m)² block of cells around the centre of square i."""
    cx, cy = X0 + 1000 * i + SIDE / 2, Y0 + SIDE / 2
    return slice(row(cy + half_m), row(cy - half_m)), slice(col(cx - half_m), col(cx + half_m))


def grid():
    """An empty 0/1 mask covering three squares (10 m cells from ORIGIN)."""
    return np.zeros((int((SIDE + 500) / RES), int(3000 / RES)), dtype="uint8")


def as_points(parcels, area_m2):
    pts = parcels.copy()
    pts["area_m2"] = area_m2
    return pts.set_geometry(parcels.geometry.centroid)


def audited(parcels):
    return audit_idle(validate_parcels(parcels), as_of="2024-06-01")


ROWS = [{"agreed_start": "2020-01-01"},                                # 0: recorded not started
        {"agreed_start": "2020-01-01", "actual_start": "2020-03-01"},  # 1: recorded started
        {"agreed_start": "2020-01-01"}]                                # 2: not started, no declared area


def test_point_parcel_is_measured_over_its_declared_area_not_one_cell(tmp_path):
    # square 0: only a 40 m × 40 m block at its centre is built (1.8 % of the square);
    # square 1: built everywhere (and 50 m beyond) except a 40 m × 40 m hole at its centre (98.2 %);
    # square 2: fully built, but its point has no declared area
    mask = grid()
    mask[centre_cells(0, 20)] = 1
    mask[centre_cells(1, 200)] = 1
    mask[centre_cells(1, 20)] = 0
    mask[centre_cells(2, SIDE / 2)] = 1
    tif = write_raster(tmp_path / "mask.tif", mask, origin=ORIGIN)
    drawn = audited(squares(ROWS))
    points = audited(as_points(squares(ROWS), [SIDE * SIDE, SIDE * SIDE, np.nan]))

    by_polygon = built_fraction(drawn, tif)
    by_point = built_fraction(points, tif)
    assert by_polygon["built_fraction"].tolist() == pytest.approx([16 / 900, 884 / 900, 1.0])
    # the circle of 90,000 m² (radius ≈ 169 m) holds ≈ 900 cells, the same 16 built (or 16 bare) at its centre
    assert by_point["observed_cells"].iloc[0] == pytest.approx(900, rel=0.03)
    assert by_point["built_cells"].iloc[0] == 16
    assert by_point["observed_cells"].iloc[1] - by_point["built_cells"].iloc[1] == 16
    assert np.isnan(by_point["built_fraction"].iloc[2]) and by_point["observed_cells"].iloc[2] == 0
    assert by_point["footprint"].tolist() == ["disc", "disc", "point_no_area"]

    flags = evidence_flags(points, by_point, rules=load_rules())
    # the cell under point 0 is built and under point 1 bare: neither is a contradiction over the circle
    assert not flags.str.startswith("矛盾").any()
    assert "估算" in flags.iloc[0] and "等于申报宗地面积的圆" in flags.iloc[0]
    assert "没有宗地面积" in flags.iloc[2] and "不判断矛盾" in flags.iloc[2]


def test_point_contradictions_come_from_the_circle_and_say_they_are_estimates(tmp_path):
    mask = grid()
    mask[centre_cells(0, 200)] = 1  # not started, fully built (and 50 m around)
    tif = write_raster(tmp_path / "mask.tif", mask, origin=ORIGIN)
    points = audited(as_points(squares(ROWS[:2]), [SIDE * SIDE, SIDE * SIDE]))
    frac = built_fraction(points, tif)
    assert frac["built_fraction"].iloc[0] == 1.0 and frac["built_fraction"].iloc[1] == 0.0
    flags = evidence_flags(points, frac, rules=load_rules())
    assert flags.iloc[0].startswith("矛盾（点位估算）：记录未动工")
    assert flags.iloc[1].startswith("矛盾（点位估算）：记录已动工")


def test_circle_keeps_its_declared_area_in_a_lon_lat_raster_crs():
    import geopandas as gpd

    from dcf_spatial.land.imagery import measured_footprints

    points = as_points(squares(ROWS[:2]), [30_000.0, "not a number"])
    geoms, kind = measured_footprints(points, "EPSG:4326")
    assert kind.tolist() == ["disc", "point_no_area"] and geoms[1] is None
    # the circle is drawn in the working CRS and only then reprojected: back there it has the declared area
    area = gpd.GeoSeries([geoms[0]], crs=4326).to_crs(4548).area.iloc[0]
    assert area == pytest.approx(30_000.0, rel=1e-4)


def test_workflow_says_how_point_parcels_were_measured(tmp_path):
    from dcf_spatial.land import audit_idle

    mask = grid()
    mask[centre_cells(0, 20)] = 1
    tif = write_raster(tmp_path / "mask.tif", mask, origin=ORIGIN)
    parcels = as_points(squares(ROWS), [SIDE * SIDE, SIDE * SIDE, np.nan])
    res = audit_idle(parcels, out=tmp_path / "o", as_of="2024-06-01", imagery=tif,
                     map=False)
    r = res.frame
    assert len(r) == 3 and r["built_fraction"].iloc[0] < 0.05
    note = next(n for n in res.notes if n.startswith("影像核查"))
    assert "2 宗点位宗地" in note and "以点位为圆心" in note and "1 宗点位宗地没有宗地面积" in note
    # the same 说明 line reaches the workbook
    sheet = pd.read_excel(res.files["excel"], sheet_name="说明", header=None)
    assert sheet.astype(str).apply(lambda c: c.str.contains("以点位为圆心")).any().any()


def test_no_contradiction_from_a_circle_of_a_cell_or_two(tmp_path):
    """A small declared area on a coarse raster covers a cell or two: that is the single-pixel guess again."""
    mask = np.zeros((20, 50), dtype="uint8")
    mask[:, :] = 1  # everything built on a 100 m raster
    tif = write_raster(tmp_path / "coarse.tif", mask, origin=ORIGIN, res=100.0)
    points = audited(as_points(squares(ROWS[:1] * 2), [5_000.0, SIDE * SIDE]))  # both recorded not started
    frac = built_fraction(points, tif)
    assert frac["observed_cells"].iloc[0] < 4 <= frac["observed_cells"].iloc[1]
    flags = evidence_flags(points, frac, rules=load_rules())
    assert not flags.iloc[0].startswith("矛盾") and "不判断矛盾" in flags.iloc[0]
    assert flags.iloc[1].startswith("矛盾（点位估算）：记录未动工")
