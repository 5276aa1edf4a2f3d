"""The zone join taken in slices of parcels gives the answers of one pass (issue 13, goal 3)."""

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dcf_spatial.land import zones as zones_mod
from dcf_spatial.land.outputs import idle_list_for_excel, idle_list_positions


def _layers():
    # two overlapping zones and one beside them (EPSG:4548 metres)
    z = gpd.GeoDataFrame({"id": ["a", "b", "c"]},
                         geometry=[shapely.box(0, 0, 100, 100), shapely.box(50, 0, 150, 100),
                                   shapely.box(200, 0, 300, 100)], crs=4548)
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-20, 320, 400), rng.uniform(-20, 120, 400)
    w = rng.uniform(1, 60, 400)
    geoms = [shapely.box(a, b, a + c, b + c) for a, b, c in zip(x, y, w)]
    geoms[5] = None                        # no geometry: outside
    geoms[7] = shapely.Point(10, 10)       # a point among the parcels
    geoms[9] = shapely.Polygon()           # empty
    p = gpd.GeoDataFrame({"k": range(400)}, geometry=geoms, crs=4548, index=pd.RangeIndex(1000, 1400))
    return p, z


def test_slices_give_the_answers_of_one_pass(monkeypatch):
    p, z = _layers()
    whole = zones_mod.assign_largest_share(p, z)
    assert set(whole["method"]) == {"inside", "largest_share", "outside"}  # every branch is exercised
    monkeypatch.setattr(zones_mod, "JOIN_SLICE_ROWS", 7)
    sliced = zones_mod.assign_largest_share(p, z)
    pd.testing.assert_frame_equal(whole, sliced)


def test_list_positions_pick_the_rows_the_list_carries():
    t = pd.DataFrame({"status": ["normal", "idle", "idle_reclaim", "insufficient_data", "normal"],
                      "problems": ["", "", "", "", "宗地代码为空"], "area_mu": [9.0, 2.0, 3.0, 1.0, 5.0]},
                     index=[10, 11, 12, 13, 14])
    pos, note = idle_list_positions(t, max_rows=3)
    listed, note2 = idle_list_for_excel(t, max_rows=3)
    # 4 rows need action or checking (three statuses of ACTION_STATUSES and one data problem); the
    # list's order of urgency (STATUS_ORDER) puts the row of a normal status with a problem last: cut
    assert t.iloc[pos].index.tolist() == listed.index.tolist() == [11, 12, 13]
    assert note == note2 and "另有 1 宗" in note
    assert idle_list_positions(t, max_rows=10)[0] is None


def test_cells_give_the_answers_of_the_exact_tests(monkeypatch):
    # overlapping zones, a zone with a hole, parcels inside, across boundaries, outside every zone and
    # beyond the zones' extent, points, empty and missing geometries: the grid of cells (used from
    # GRID_FROM_ROWS parcels) gives exactly the answers of the pair tests alone
    ring = shapely.Polygon([(300, 0), (420, 0), (420, 100), (300, 100)], [[(330, 30), (380, 30), (380, 70), (330, 70)]])
    z = gpd.GeoDataFrame({"id": ["a", "b", "c", "d"]},
                         geometry=[shapely.box(0, 0, 100, 100), shapely.box(50, 0, 150, 100),
                                   shapely.box(200, 0, 290, 100), ring], crs=4548)
    rng = np.random.default_rng(11)
    n = 6000
    x, y = rng.uniform(-60, 480, n), rng.uniform(-40, 140, n)
    w = np.where(rng.random(n) < 0.8, rng.uniform(0.2, 3, n), rng.uniform(3, 40, n))
    geoms = [shapely.box(a, b, a + c, b + c * 0.7) for a, b, c in zip(x, y, w)]
    geoms[3], geoms[4], geoms[5] = None, shapely.Polygon(), shapely.Point(20, 20)
    geoms[6] = shapely.box(1000, 1000, 1001, 1001)  # beyond the zones' extent
    geoms[7] = shapely.LineString([(10, 10), (12, 12)])
    p = gpd.GeoDataFrame({"k": range(n)}, geometry=geoms, crs=4548)
    monkeypatch.setattr(zones_mod, "GRID_FROM_ROWS", 10 ** 9)
    exact = zones_mod.assign_largest_share(p, z)
    monkeypatch.setattr(zones_mod, "GRID_FROM_ROWS", 0)
    for cells, slice_rows in ((4, 200_000), (32, 200_000), (256, 200_000), (32, 77)):
        monkeypatch.setattr(zones_mod, "GRID_CELLS", cells)
        monkeypatch.setattr(zones_mod, "JOIN_SLICE_ROWS", slice_rows)
        pd.testing.assert_frame_equal(zones_mod.assign_largest_share(p, z), exact)
    monkeypatch.setattr(zones_mod, "GRID_CELLS", 256)
    # most parcels are answered by the cells at the default grid
    by_cells = zones_mod.zone_by_cells(shapely.bounds(p.geometry.values), zones_mod.cell_grid(np.asarray(z.geometry.values)))
    assert (by_cells != zones_mod.CELLS_UNDECIDED).mean() > 0.5
    assert {"inside", "largest_share", "outside"} == set(exact["method"])
