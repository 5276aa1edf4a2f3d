"""Issue 13 (goals 3, 4): a very large site batch — chunks that carry no per-row baggage, the same answers
from the per-chunk (vectorised) measurements as from measuring site by site, a results table whose chunks
line up, and an .xlsx that goes on past one worksheet and says where the complete list is."""

from __future__ import annotations

import csv

import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings as hsettings, strategies as st
from shapely.geometry import LineString, Point, Polygon

from dcf_spatial import plan, settings
from dcf_spatial._validate import location_problem, location_problems
from dcf_spatial.industry import resolve
from dcf_spatial.queries.site import api
from dcf_spatial.queries.site.batch import iter_site_results, read_batch
from dcf_spatial.queries.site.rules import industry as rules_industry
from dcf_spatial.queries.site.rules import restrictions
from dcf_spatial.queries.site.rules.base import Reasons, SiteFacts
from dcf_spatial.queries.site.tables import RESULT_COLUMNS, results_table

from _shipped import shipped
from test_scale_outputs import _batch_csv
from test_site_check import build_fixture_store

@pytest.fixture(scope="module")
def site_store(tmp_path_factory):
    return build_fixture_store(tmp_path_factory.mktemp("batchscale") / "store.gpkg")


# --- chunks ------------------------------------------------------------------------------------------------------


def test_chunks_carry_no_per_row_attrs_and_keep_the_file_rows(site_store, tmp_path, monkeypatch):
    # pandas deep-copies attrs into every frame an operation returns: a chunk carrying the batch's row
    # numbers copied a list as long as the batch at every step (O(rows²) over a large batch)
    monkeypatch.setattr(settings, "store", site_store)
    sites, industries, figures, errors, _, flags = read_batch(_batch_csv(tmp_path), store=site_store, discs=False)
    assert len(sites.attrs["row_numbers"]) == 7
    labels = []
    for _, part, res in iter_site_results(sites, industries, figures, errors, flags, store=site_store, chunk_rows=2):
        assert "row_numbers" not in part.attrs and "number_text" not in part.attrs
        labels += [r["row_label"] for r in res]
    # the CSV's header is row 1: its 7 data rows are 表格第 2–8 行, whatever the chunk
    assert labels == [f"表格第 {k} 行" for k in range(2, 9)]
    assert sites.attrs["row_numbers"] == list(range(2, 9))  # the caller's frame is left as it was


def test_a_chunk_of_only_unchecked_rows_lines_up_with_the_header(site_store, tmp_path, monkeypatch):
    # rows 3 (no industry) and 4 (no coordinates) of the file cannot be checked; one row a chunk, each of
    # them is a chunk without a single checked row, and its line must still have every column
    monkeypatch.setattr(settings, "store", site_store)
    assert list(results_table([{"row": 0, "status": "error", "error": "x"}]).columns) == list(RESULT_COLUMNS)
    out = tmp_path / "r.csv"
    run = api.check_batch_to_file(_batch_csv(tmp_path), out, store=site_store, chunk_rows=1)
    with open(out, encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert len(lines) == 1 + 7 == 1 + run.rows
    assert {len(line) for line in lines} == {len(lines[0])}
    by_row = {line[lines[0].index("表格行号")]: line for line in lines[1:]}
    assert by_row["4"][lines[0].index("核查状态")] == "无法核查"


# --- the workbook past one sheet -------------------------------------------------------------------------------


def test_xlsx_past_one_sheet_goes_on_and_says_where_the_complete_list_is(site_store, tmp_path, monkeypatch):
    from dcf_spatial.queries import check_batch

    monkeypatch.setattr(settings, "store", site_store)
    monkeypatch.setattr(api, "XLSX_SHEET_ROWS", 3)  # 7 rows: 3 + 3 + 1
    src = _batch_csv(tmp_path)
    out = tmp_path / "结果.xlsx"
    run = api.check_batch_to_file(src, out, store=site_store, chunk_rows=2)
    assert run.sheets == ["核查结果", "核查结果_2", "核查结果_3"]
    parts = [pd.read_excel(out, sheet_name=s, engine="openpyxl") for s in run.sheets]
    assert [len(p) for p in parts] == [3, 3, 1]
    whole = check_batch(src, store=site_store).to_table(tmp_path / "whole.csv")
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), pd.read_csv(whole), check_dtype=False)
    notes = [r[0] for r in openpyxl.load_workbook(out, read_only=True)["数据说明"].iter_rows(values_only=True)]
    where = next(x for x in notes if x and "完整清单" in x)
    assert "共 7 行" in where and all(f"“{s}”" in where for s in run.sheets)
    assert where in run.summary_text()


def test_xlsx_within_one_sheet_names_it(site_store, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "store", site_store)
    out = tmp_path / "结果.xlsx"
    run = api.check_batch_to_file(_batch_csv(tmp_path), out, store=site_store)
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["核查结果", "数据说明"] and run.sheets == ["核查结果"]
    notes = [r[0] for r in book["数据说明"].iter_rows(values_only=True)]
    assert "完整清单：工作表“核查结果”，共 7 行（与输入相同）。" in notes
    # the data note of the layers, known once rows are checked, comes first (as in the in-memory table)
    assert notes[1] == run.provenance and "示意" in run.provenance


# --- the same answers, measured a chunk at a time --------------------------------------------------------------

PLACES = [Point(115.98, 36.45), Point(0, 0), Point(float("nan"), float("nan")), Point(float("inf"), 36.0),
          Point(200, 36), Point(10, 50), Point(36.45, 115.98), Point(), None,
          Polygon([(115.9, 36.4), (116.0, 36.4), (116.0, 36.5)]), LineString([(115.9, 36.4), (116.0, 36.5)]),
          Polygon([(0, 0), (1, 0), (1, 1)]), Point(-0.0, 0.0), Point(73.0, 18.0)]


def test_location_problems_are_those_of_each_site():
    assert location_problems(PLACES) == [location_problem(g) for g in PLACES]
    assert location_problems(PLACES)[0] is None and location_problems(PLACES)[1].startswith("坐标为 (0, 0)")


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(allow_nan=True, allow_infinity=True, width=32),
                          st.floats(allow_nan=True, allow_infinity=True, width=32)), min_size=1, max_size=20))
def test_location_problems_of_any_points_are_those_of_each(xy):
    pts = [Point(x, y) for x, y in xy]
    assert location_problems(pts) == [location_problem(p) for p in pts]


def _sites_near_the_canal(ctx):
    """Sites at 0.2, 1.5, 2.5 and 12 km from the Grand Canal line (EPSG:4548), as points and as discs."""
    line = ctx.corridors["canal"]["canal.grand_canal"]
    mid = line.interpolate(0.5, normalized=True)
    pts = [Point(mid.x + dx, mid.y) for dx in (200, 1500, 2500, 12_000, -700)]
    return np.array(pts + [p.buffer(150) for p in pts], dtype=object)


@shipped
def test_corridor_distances_are_the_measured_ones_within_reach(real):
    # 第十章第六节 / 第九章第一节 prompt: within the rule's distance the exact distance, farther away no prompt
    geoms = _sites_near_the_canal(real)
    d = restrictions.corridor_distances(real, geoms)
    rule = plan.rules()["eco_corridors"]
    assert d, "the shipped store has the corridor lines"
    for f in rule["features"]:
        key = (f["layer"], f["id"])
        if key not in d:
            continue
        exact = shapely.distance(geoms, real.corridors[f["layer"]][f["id"]])
        near = exact <= f["distance_m"]
        assert np.array_equal(np.isfinite(d[key]), near)
        assert np.array_equal(d[key][near], exact[near])
    # the reason itself is the same as when each site measures its own distance
    m = resolve("C3034")
    for i, g in enumerate(geoms):
        facts = SiteFacts(geom=g, area=float(g.area), lonlat=np.zeros(2), match=m, overlaps={})
        one, many = Reasons(), Reasons()
        restrictions.eco_corridors(real, facts, one)
        restrictions.eco_corridors(real, facts, many, {k: v[i] for k, v in d.items()})
        assert one.items == many.items
    assert any(np.isfinite(v).any() for v in d.values()) and any(np.isinf(v).any() for v in d.values())


@shipped
@pytest.mark.parametrize("word", ["轴承", "新能源汽车", "蔬菜加工", "养老", "C3034"])
def test_designated_distances_give_the_zones_of_measuring_one_by_one(real, word):
    # 第八章第一节 cluster designations: the nearest designated zones (km) listed for each site
    m = resolve(word)
    kind = plan.industry_kind(m.codes)
    geoms = np.concatenate([_sites_near_the_canal(real),
                            np.array([shapely.Point(380_000 + 3000 * k, 4_030_000 + 2000 * k) for k in range(5)])])
    near = rules_industry.designated_distances(real, geoms, [m] * len(geoms), [kind] * len(geoms))
    for i, g in enumerate(geoms):
        facts = SiteFacts(geom=g, area=float(g.area), lonlat=np.zeros(2), match=m, overlaps={})
        assert rules_industry.designated_zones(real, facts, kind, near[i]) == \
            rules_industry.designated_zones(real, facts, kind)
    assert any(near), "some designated zone was measured"


@pytest.mark.parametrize("suffix", [".csv", ".gpkg"])
def test_a_batch_stopped_part_way_leaves_no_partial_table_under_the_output_name(site_store, tmp_path, monkeypatch, suffix):
    """A run killed (here: failing) after some chunks were written must not leave a table that looks
    complete under the output's name, nor half-replace an earlier output."""
    from dcf_spatial.queries.site import tables as site_tables

    monkeypatch.setattr(settings, "store", site_store)
    out = tmp_path / f"r{suffix}"
    calls = {"n": 0}
    real_table = site_tables.results_table_zh

    def failing(*a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("stopped")
        return real_table(*a, **k)

    monkeypatch.setattr(site_tables, "results_table_zh", failing)
    with pytest.raises(KeyboardInterrupt):
        api.check_batch_to_file(_batch_csv(tmp_path), out, store=site_store, chunk_rows=1)
    assert calls["n"] == 3
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []
