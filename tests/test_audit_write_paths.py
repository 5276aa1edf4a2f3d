"""Issue 13, goal 2: the faster paths of the idle audit give the same answers as the plain ones.

The complete GeoParquet written slice by slice reads back as the whole-table write does; the
summaries by zone from integer codes count as the rules say; the three zone joins run side by side
give what each gives alone; the workbook's text keeps its missing cells; the output set's manifest
may be made while the files are written.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely

from dcf_spatial.io.output_set import MANIFEST, write_set
from dcf_spatial.land import outputs
from dcf_spatial.land.idle_audit import STATUS_ORDER, summarize
from dcf_spatial.land.zones import assign_largest_share, join_zones

from test_idle_audit import make_land_store


def _frame(n: int = 250) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(7)
    text = [f"理由{i % 17}" for i in range(n)]
    reasons = pd.Categorical(text, categories=pd.unique(np.array(text)))  # in order of first use, as the audit
    gov = np.array([None] * n, dtype=object)
    gov[n // 2:] = "1"  # empty in the first slices, text later: typed as text in every slice
    return gpd.GeoDataFrame({
        "row": np.arange(1, n + 1), "parcel_id": [f"P{i:04d}" for i in range(n)],
        "status": pd.array(rng.choice(list(STATUS_ORDER), n), dtype="str"), "reason_zh": reasons,
        "gov_cause": gov, "fee_wan": np.where(rng.random(n) < 0.3, np.nan, rng.random(n)),
        "agreed_start": pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
        "determined": rng.random(n) < 0.1,
    }, geometry=[shapely.box(409000 + i, 4035000, 409000 + i + 0.5, 4035000 + 0.5) for i in range(n)], crs=4548)


def test_geoparquet_in_slices_reads_back_as_the_whole_table_write(tmp_path):
    g = _frame()
    outputs.write_geoparquet(g, tmp_path / "whole.parquet", slice_rows=10 ** 9)
    outputs.write_geoparquet(g, tmp_path / "sliced.parquet", slice_rows=40)
    whole, sliced = gpd.read_parquet(tmp_path / "whole.parquet"), gpd.read_parquet(tmp_path / "sliced.parquet")
    pd.testing.assert_frame_equal(whole, sliced)
    assert pq.ParquetFile(tmp_path / "sliced.parquet").metadata.num_row_groups == 7  # 250 rows, 40 a slice
    # the file's geo metadata (bounding box, geometry types) is that of every row, not of a slice
    assert pq.read_schema(tmp_path / "sliced.parquet").metadata[b"geo"] == \
        pq.read_schema(tmp_path / "whole.parquet").metadata[b"geo"]
    assert sliced["gov_cause"].isna().sum() == 125 and (sliced["gov_cause"].dropna() == "1").all()


def test_geoparquet_in_slices_keeps_a_category_column_without_categories(tmp_path):
    # a 供地 ledger placed by name puts no parcel in a park: its park column is a category with no
    # categories at all; written in slices (above GEOPARQUET_SLICE_ROWS rows) it crashed with an
    # IndexError (QA round 7), so every ledger of over 100,000 rows placed by name failed
    g = _frame()
    g["park_id"] = pd.Categorical([None] * len(g), categories=[])
    outputs.write_geoparquet(g, tmp_path / "whole.parquet", slice_rows=10 ** 9)
    outputs.write_geoparquet(g, tmp_path / "sliced.parquet", slice_rows=40)
    whole, sliced = gpd.read_parquet(tmp_path / "whole.parquet"), gpd.read_parquet(tmp_path / "sliced.parquet")
    pd.testing.assert_frame_equal(whole, sliced)
    assert len(sliced) == len(g) and sliced["park_id"].isna().all()


def test_geoparquet_with_categories_not_in_first_use_order_is_written_whole(tmp_path):
    g = _frame()
    g["reason_zh"] = g["reason_zh"].cat.reorder_categories(list(reversed(g["reason_zh"].cat.categories)))
    outputs.write_geoparquet(g, tmp_path / "a.parquet", slice_rows=40)
    back = gpd.read_parquet(tmp_path / "a.parquet")
    assert list(back["reason_zh"].cat.categories) == list(g["reason_zh"].cat.categories)
    assert pq.ParquetFile(tmp_path / "a.parquet").metadata.num_row_groups == 1


def test_geoparquet_is_zstd_with_statistics_only_where_a_reader_can_use_them(tmp_path):
    # the complete list of an audit of 10⁶ parcels: zstd (~24 % smaller than snappy for the same CPU);
    # min/max statistics for numbers, dates and yes/no, none for text and the WKB geometry (they let no
    # reader skip a row group, and cost ~0.3 s of the writer's CPU); both write paths alike
    g = _frame()
    for name, rows in (("whole.parquet", 10 ** 9), ("sliced.parquet", 40)):
        outputs.write_geoparquet(g, tmp_path / name, slice_rows=rows)
        meta = pq.ParquetFile(tmp_path / name).metadata
        group = meta.row_group(0)
        cols = {group.column(j).path_in_schema: group.column(j) for j in range(group.num_columns)}
        assert {c.compression for c in cols.values()} == {"ZSTD"}, name
        for numeric in ("row", "fee_wan", "agreed_start", "determined"):
            assert cols[numeric].is_stats_set, (name, numeric)
        for text in ("parcel_id", "status", "reason_zh", "geometry"):
            assert not cols[text].is_stats_set, (name, text)
        pd.testing.assert_frame_equal(gpd.read_parquet(tmp_path / name), gpd.read_parquet(tmp_path / "whole.parquet"))


def test_summaries_by_zone_count_every_parcel_once():
    # 第二条: idle, idle_reclaim and idle_underdeveloped are idle land; an excused parcel (第八条) is not
    # counted as idle; a parcel outside every zone is summed under （未落入任何区域）
    df = pd.DataFrame({"status": pd.array(["idle", "idle_reclaim", "excused", "normal", "idle_underdeveloped",
                                           "insufficient_data"], dtype="str"),
                       "area_mu": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0], "fee_wan": [1.0, np.nan, 0.0, np.nan, 3.0, np.nan],
                       "determined": [True, False, False, False, True, False],
                       "township_zh": pd.array(["甲", "甲", "乙", None, "乙", "甲"], dtype="string")})
    t = summarize(df, by=["township_zh"]).set_index("township_zh")
    assert list(t.index) == ["乙", "甲", "（未落入任何区域）"]
    assert t.loc["甲", ["idle", "idle_reclaim", "insufficient_data", "total"]].tolist() == [1, 1, 1, 3]
    assert t.loc["甲", "idle_count"] == 2 and t.loc["甲", "idle_area_mu"] == 3.0 and t.loc["甲", "fee_wan"] == 1.0
    assert t.loc["乙", "idle_count"] == 1 and t.loc["乙", "excused"] == 1 and t.loc["乙", "idle_area_mu"] == 16.0
    assert t["determined_count"].tolist() == [1, 1, 0]
    assert t["total"].sum() == len(df) and t["area_mu"].sum() == df["area_mu"].sum()
    everything = summarize(df)
    assert everything["_all"].tolist() == ["全部"] and everything["total"].tolist() == [6]
    assert everything["idle_count"].tolist() == [3] and everything["fee_wan"].tolist() == [4.0]


def test_zone_joins_side_by_side_equal_each_alone(tmp_path):
    from dcf_spatial.land.zones import _zone_layer
    from dcf_spatial.crs import to_working

    store = make_land_store(tmp_path / "store.gpkg")
    zones, _used, _notes = _zone_layer("township", store)
    zw = to_working(zones)
    x0, y0, x1, y1 = zw.total_bounds
    xs = np.linspace(x0 - 500, x1 + 500, 40)
    parcels = gpd.GeoDataFrame(geometry=[shapely.box(x, y, x + 300, y + 300)
                                         for x in xs for y in np.linspace(y0 - 500, y1 + 500, 12)], crs=zw.crs)
    together = join_zones(parcels, store=store)
    for kind in ("township", "cluster", "park"):
        layer, _u, _n = _zone_layer(kind, store)
        if layer is None:
            continue
        alone = assign_largest_share(parcels, to_working(layer))
        # the same ids, missing where outside (the joined columns are categories: their missing is NaN)
        assert (together[f"{kind}_id"].astype("string").fillna("<outside>").tolist()
                == alone["zone_id"].astype("string").fillna("<outside>").tolist())
        assert together[f"{kind}_method"].tolist() == alone["method"].tolist()
    assert (together["township_method"] == "largest_share").any() and (together["township_method"] == "outside").any()


def test_workbook_text_keeps_missing_and_empty_cells():
    df = pd.DataFrame({"holder": np.array(["甲公司", None, ""], dtype=object),
                       "status_zh": pd.array(["正常", None, "正常"], dtype="str"),
                       "reason_zh": pd.Categorical(["a", None, "b"])})
    out = outputs._excel_frame(df, {"holder": "土地使用权人", "status_zh": "审计结论", "reason_zh": "理由（条款与日期）"})
    assert out["土地使用权人"].tolist()[0] == "甲公司" and pd.isna(out["土地使用权人"].iloc[1])
    assert out["土地使用权人"].iloc[2] == ""
    assert pd.isna(out["审计结论"].iloc[1]) and out["理由（条款与日期）"].tolist()[::2] == ["a", "b"]


def test_output_set_takes_a_manifest_made_while_writing(tmp_path):
    import json

    calls = []

    def record():
        calls.append("made")
        return {"rows": {"in": 1, "out": 1}}

    files = write_set(tmp_path / "out", lambda d: {"a": str((d / "a.txt").write_text("x") and d / "a.txt"),
                                                   "b": str((d / "b.txt").write_text("y") and d / "b.txt")},
                      manifest=record)
    m = json.loads((tmp_path / "out" / MANIFEST).read_text(encoding="utf-8"))
    assert calls == ["made"] and m["rows"] == {"in": 1, "out": 1} and m["complete"] is True
    assert set(m["files"]) == {"a.txt", "b.txt"} and files["a"].endswith("a.txt")
    import hashlib

    assert m["files"]["b.txt"]["sha256"] == hashlib.sha256(b"y").hexdigest()


def test_summary_by_a_category_equals_the_summary_by_its_text():
    # the zone columns are categories: the summary from their codes has the groups, order and sums
    # of the summary of the same values as text (missing → 未落入任何区域, merged with that label)
    from dcf_spatial.land import idle_audit as ia

    rng = np.random.default_rng(1)
    n = 3000
    zh = rng.choice(["甲", "乙", None, ia.OUTSIDE_ZH, "Ab", "a"], n)
    df = pd.DataFrame({"status": rng.choice(list(ia.STATUS_ORDER), n), "area_mu": rng.random(n),
                       "fee_wan": rng.random(n), "determined": rng.random(n) < 0.3,
                       "township_zh": pd.Categorical(zh, categories=["乙", "甲", "a", "Ab", ia.OUTSIDE_ZH, "未用"])})
    by_category = ia.summarize(df, by=["township_zh"])
    by_text = ia.summarize(df.assign(township_zh=df["township_zh"].astype(object)), by=["township_zh"])
    pd.testing.assert_frame_equal(by_category, by_text)
    assert "未用" not in by_category["township_zh"].tolist()  # an unused category is no group


def test_compacted_slice_dictionary_is_the_slice_encoded_again():
    # a slice of a category keeps every category; compacted from its codes it must equal the slice
    # decoded to text and dictionary-encoded again (categories in order of first use, nulls kept)
    import pyarrow as pa

    from dcf_spatial.land.outputs import _compact_dictionaries

    vals = np.random.default_rng(2).choice(["x", "yy", "zzz", None, "w"], 1000)
    cat = pd.Series(pd.Categorical(vals, categories=["w", "x", "yy", "zzz", "未用"])).iloc[500:]
    table = pa.table({"c": pa.array(cat)})
    field = table.schema.field("c")
    again = table.column("c").cast(field.type.value_type).dictionary_encode().cast(field.type)
    got = _compact_dictionaries(table).column("c")
    assert got.combine_chunks().equals(again.combine_chunks())
    assert got.combine_chunks().dictionary.to_pylist() == pd.unique(cat.dropna().astype(object)).tolist()


def test_validated_text_is_compact_and_keeps_its_values():
    # the cleaned fields become arrow text, the carried input text and the few-valued columns
    # categories: the values are those of the plain text (stripped, blanks missing), row for row
    from dcf_spatial.land.parcels import validate_parcels

    p = gpd.GeoDataFrame({"parcel_id": ["A", "B", "C"], "agreed_start": ["2022-03-01"] * 3, "actual_start": [None] * 3,
                          "land_use_code": ["0601"] * 3, "holder": [" 甲公司 ", None, ""],
                          "supply_type": ["挂牌出让", "划拨", None], "data_note": ["合成数据"] * 3},
                         geometry=[shapely.box(409000, 4035000, 409100, 4035100)] * 2 + [None], crs=4548)
    v = validate_parcels(p)
    assert v["holder"].dtype == pd.Series(["x"]).dtype and v["holder"].tolist()[0] == "甲公司"
    assert v["holder"].isna().tolist() == [False, True, True]
    assert v["supply_type"].astype(object).where(v["supply_type"].notna(), None).tolist() == ["出让", "划拨", None]
    assert isinstance(v["data_note"].dtype, pd.CategoricalDtype) and v["data_note"].tolist() == ["合成数据"] * 3
    assert isinstance(v["area_source"].dtype, pd.CategoricalDtype)
    assert v["area_source"].tolist() == ["图形量算（EPSG:4548）"] * 2 + ["无面积"]
