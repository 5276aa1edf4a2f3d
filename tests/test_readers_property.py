"""Property-based tests of the batch site reader and the audit parcel reader (issue 14): over random
rows — numbers including inf, nan, 1e308 and negatives, dates in every accepted form and garbage,
empty and invalid geometries — every row in comes out with a status, and nothing raises."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from dcf_spatial import settings
from dcf_spatial.errors import InputError
from dcf_spatial.land import audit_idle
from dcf_spatial.land.idle_audit import STATUS_ORDER
from dcf_spatial.queries import check_batch
from test_idle_audit import X0, Y0, make_land_store

pytestmark = pytest.mark.slow  # ~50 examples each, a few seconds to a minute on a loaded machine

BOUNDED = hsettings(max_examples=50, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: numbers as they come in a bureau's table: fine, extreme, negative, missing, text
numbers = st.one_of(
    st.floats(min_value=0.01, max_value=5000),
    st.sampled_from([0.0, -5.0, -0.0, 1e308, -1e308, float("inf"), float("-inf"), float("nan"), 1e-300]),
    st.sampled_from(["", "abc", "1,200", "nan", "inf", "８０", " 50 "]),
    st.none(),
)
#: dates in every form the readers accept, and garbage
dates = st.one_of(
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)).flatmap(lambda d: st.sampled_from([
        d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}.{d.month}.{d.day}", f"{d.year}年{d.month}月{d.day}日",
        d.strftime("%Y%m%d"), f"{d.isoformat()} 08:30", f"{d.isoformat()}T00:00:00",
        str((d - dt.date(1899, 12, 30)).days)])),
    st.sampled_from(["", "2021-13-01", "2021-02-30", "abc", "1900-01-01", "9999-12-31", "NaT", "0", "-1"]),
    st.none(),
)


@pytest.fixture(scope="module")
def land_store(tmp_path_factory):
    return make_land_store(tmp_path_factory.mktemp("store") / "store.gpkg")


@pytest.fixture()
def shipped_store(monkeypatch):
    monkeypatch.delenv("DCF_STORE", raising=False)
    monkeypatch.setattr(settings, "store", settings.default_store)


# --- the batch site reader ----------------------------------------------------------------------------
coordinate_pairs = st.one_of(
    st.tuples(st.floats(115.7, 116.1), st.floats(36.3, 36.6)),  # in the district
    st.sampled_from([(0.0, 0.0), (float("nan"), 36.4), (float("inf"), 36.4), (1e308, 1e308), (-115.9, 36.4),
                     (36.45, 115.98), (200.0, 95.0), (2.35, 48.85)]),
    st.tuples(st.sampled_from(["", "abc", "115,98"]), st.sampled_from(["", "36.45"])),
)
site_rows = st.fixed_dictionaries({
    # no control characters: pandas writes a bare CR unquoted, which every CSV reader takes as a line break
    "项目名称": st.one_of(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
                      st.sampled_from(["nan", "NA", "None", "=1+1", ""])),
    "xy": coordinate_pairs,
    "行业": st.sampled_from(["轴承", "C3451", "C9899", "", "水泥", "不存在的行业", "34", "C"]),
    "用地面积(亩)": numbers,
    "总投资(万元)": numbers,
})


@BOUNDED
@given(rows=st.lists(site_rows, min_size=1, max_size=8))
def test_batch_reader_keeps_every_row(shipped_store, tmp_path, rows):
    frame = pd.DataFrame([{"项目名称": r["项目名称"], "经度": r["xy"][0], "纬度": r["xy"][1], "行业": r["行业"],
                           "用地面积(亩)": r["用地面积(亩)"], "总投资(万元)": r["总投资(万元)"]} for r in rows])
    path = tmp_path / "项目清单.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    in_district = any(isinstance(x, float) and 115.7 <= x <= 116.1 and isinstance(y, float) and 36.3 <= y <= 36.6
                      for x, y in (r["xy"] for r in rows))
    try:
        answer = check_batch(path, "轴承")
    except InputError as exc:  # the whole file is unusable (every row outside China): loud, naming the file
        assert not in_district, str(exc)
        assert str(path) in str(exc)
        return
    assert len(answer.results) == len(rows)
    assert [r["row"] for r in answer.results] == list(range(len(rows)))
    for r in answer.results:
        assert r["status"] in ("ok", "error")
        assert r["status"] == "ok" or r["error"]  # a row not checked says why
    table = answer.to_frame()
    assert len(table) == len(rows)


# --- the audit parcel reader --------------------------------------------------------------------------
def _geometry(kind: str, i: int):
    box = shapely.box(X0 + i * 1000, Y0, X0 + i * 1000 + 300, Y0 + 100)
    return {"box": box, "none": None, "empty": shapely.Polygon(),
            "bowtie": shapely.Polygon([(X0 + i * 1000, Y0), (X0 + i * 1000 + 300, Y0 + 100),
                                       (X0 + i * 1000 + 300, Y0), (X0 + i * 1000, Y0 + 100)]),
            "point": shapely.Point(X0 + i * 1000, Y0), "line": shapely.LineString([(X0, Y0), (X0 + 5, Y0 + 5)]),
            }[kind]


parcel_rows = st.fixed_dictionaries({
    "parcel_id": st.one_of(st.sampled_from(["G1", "G2", "", None, "nan"]), st.text(min_size=1, max_size=6)),
    "land_use_code": st.sampled_from(["0601", "0602", "0101", "", "xx", None, "601"]),
    "agreed_start": dates,
    "actual_start": dates,
    "land_price_wan": numbers,
    "geometry": st.sampled_from(["box", "box", "box", "none", "empty", "bowtie", "point", "line"]),
})


@BOUNDED
@given(rows=st.lists(parcel_rows, min_size=1, max_size=8))
def test_parcel_reader_and_audit_keep_every_row(land_store, rows):
    frame = pd.DataFrame([{k: v for k, v in r.items() if k != "geometry"} for r in rows]).astype(object)
    geoms = [_geometry(r["geometry"], i) for i, r in enumerate(rows)]
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=4548)
    result = audit_idle(gdf, as_of="2025-06-30", store=land_store)
    out = result.frame
    assert len(out) == len(rows)
    assert set(out["status"]) <= set(STATUS_ORDER)
    assert sum(result.rows_by_status.values()) == len(rows)  # every row, each with a status


def test_an_invalid_parcel_in_a_frame_is_repaired_not_a_geos_error(land_store):
    # found by the property test above: a self-intersecting polygon given in a GeoDataFrame (no file
    # reader to repair it) ended the zone join in "TopologyException: side location conflict"
    rows = [{"parcel_id": "G1", "land_use_code": "0601", "agreed_start": "", "actual_start": "", "land_price_wan": 1.0,
             "geometry": kind} for kind in ("box", "box", "box", "box", "bowtie")]  # the 5th crosses a cluster edge
    frame = pd.DataFrame([{k: v for k, v in r.items() if k != "geometry"} for r in rows]).astype(object)
    gdf = gpd.GeoDataFrame(frame, geometry=[_geometry(r["geometry"], i) for i, r in enumerate(rows)], crs=4548)
    result = audit_idle(gdf, as_of="2025-06-30", store=land_store)
    assert len(result.frame) == 5
