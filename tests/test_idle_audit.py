"""Idle-land audit (《闲置土地处置办法》): every status at its boundaries, on parcels built here.

Also holds the land tests' fixture builders (``parcel_frame``, ``make_land_store``), imported by
the other ``test_*`` files of the land bureau.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from dcf_spatial.store import catalog
from dcf_spatial.errors import CRSMismatchError, InputError, SchemaError
from dcf_spatial.land import codes
from dcf_spatial.land.idle_audit import audit_idle, load_rules, summarize
from dcf_spatial.land.parcels import validate_parcels
from dcf_spatial.land.zones import assign_largest_share

# A spot near Dongchangfu in EPSG:4548 (CGCS2000 GK CM 117°E): x≈409 km, y≈4,035 km.
X0, Y0 = 409_000.0, 4_035_000.0


def parcel_frame(rows: list[dict], *, size=(300.0, 100.0)) -> gpd.GeoDataFrame:
    """Parcels as 300 m × 100 m boxes (30,000 m² exactly in EPSG:4548), one per row, side by side."""
    geoms = [shapely.box(X0 + i * 1000, Y0, X0 + i * 1000 + size[0], Y0 + size[1]) for i in range(len(rows))]
    base = {"parcel_id": None, "land_use_code": "0601", "agreed_start": None, "actual_start": None,
            "land_price_wan": 1000.0}
    df = pd.DataFrame([{**base, "parcel_id": f"T{i:03d}", **r} for i, r in enumerate(rows)])
    return gpd.GeoDataFrame(df, geometry=geoms, crs=4548)


def audit(rows, as_of, **kw):
    return audit_idle(validate_parcels(parcel_frame(rows, **kw)), as_of=as_of)


def one(row, as_of):
    return audit([row], as_of).iloc[0]


def _layer(ids, names, geoms, **extra):
    n = len(ids)
    d = {"id": ids, "name_zh": names, "plan_ref": ["第八章第一节"] * n, "provenance": ["schematic"] * n,
         "source": ["test fixture"] * n}
    d.update({k: v if isinstance(v, list) else [v] * n for k, v in extra.items()})
    return gpd.GeoDataFrame(d, geometry=geoms, crs=4548)


def make_land_store(path):
    """A store with 2 townships (10 km squares), 2 clusters, 1 park and the planning area."""
    towns = [shapely.box(X0 - 4_000 + 10_000 * i, Y0 - 5_000, X0 + 6_000 + 10_000 * i, Y0 + 5_000) for i in range(2)]
    catalog.write_layer(_layer(["town.371502100000", "town.371502101000"], ["甲镇", "乙镇"], towns,
                               code12=["371502100000", "371502101000"], kind="镇"), "townships", store=path,
                        source="test fixture")
    clusters = [shapely.box(X0 - 2_000, Y0 - 3_000, X0 + 2_500, Y0 + 1_000),
                shapely.box(X0 + 4_000, Y0 - 2_000, X0 + 9_000, Y0 + 2_000)]
    catalog.write_layer(_layer(["cluster.zhengjia", "cluster.jiaming"], ["郑家镇工业集聚区", "嘉明经济开发区"], clusters,
                               industries_gbt4754="C3451", direction="西", host_townships="甲镇",
                               target_2025_yi=1.0, target_2030_yi=2.0), "industrial_clusters", store=path,
                        source="test fixture")
    catalog.write_layer(_layer(["park.zhengjia.bearing"], ["轴承保持器智能制造产业园"],
                               [shapely.box(X0 - 2_000, Y0 - 3_000, X0 + 500, Y0 + 1_000)], cluster_id="cluster.zhengjia"),
                        "cluster_parks", store=path, source="test fixture")
    catalog.write_layer(_layer(["planning_area"], ["规划范围"], [shapely.box(X0 - 4_000, Y0 - 5_000, X0 + 16_000, Y0 + 5_000)],
                               area_km2_measured=200.0, area_km2_official=945.0), "planning_area", store=path,
                        source="test fixture")
    return path


# --- not started: one and two full years (Art. 2, Art. 14) ---------------------------------------


@pytest.mark.parametrize("as_of, expected", [
    ("2023-02-28", "normal"),        # one day before the anniversary
    ("2023-03-01", "normal"),        # the anniversary: the year ends tonight, not yet full
    ("2023-03-02", "idle"),          # the day after: one full year
    ("2024-02-29", "idle"),
    ("2024-03-01", "idle"),          # second anniversary: not yet two full years
    ("2024-03-02", "idle_reclaim"),  # two full years
])
def test_not_started_one_and_two_full_years(as_of, expected):
    assert one({"agreed_start": "2022-03-01"}, as_of)["status"] == expected


def test_full_year_is_a_calendar_year_not_365_days():
    # 2023-03-01 + 365 days = 2024-02-29, but one calendar year ends on 2024-03-01 (leap year)
    assert one({"agreed_start": "2023-03-01"}, "2024-03-01")["status"] == "normal"
    assert one({"agreed_start": "2023-03-01"}, "2024-03-02")["status"] == "idle"


def test_start_on_29_february_ends_on_28_february():
    r = one({"agreed_start": "2024-02-29"}, "2025-02-28")
    assert r["status"] == "normal" and r["deadline_1y"] == pd.Timestamp("2025-02-28")
    assert one({"agreed_start": "2024-02-29"}, "2025-03-01")["status"] == "idle"


def test_idle_reason_cites_articles_and_deciding_dates_and_fee_is_20_percent():
    r = one({"agreed_start": "2022-03-01", "land_price_wan": 1234.5}, "2023-06-30")
    assert r["status"] == "idle"
    assert r["fee_wan"] == pytest.approx(246.9)
    for text in ("第二条", "第十四条", "2022-03-01", "2023-03-01", "2023-06-30", "246.90"):
        assert text in r["reason_zh"]


def test_reclaim_reason_names_reclaim_article():
    r = one({"agreed_start": "2019-05-01"}, "2024-05-01")
    assert r["status"] == "idle_reclaim"
    assert "第十四条第（二）项" in r["reason_zh"] and "无偿收回" in r["reason_zh"]


def test_missing_land_price_gives_idle_without_fee():
    r = one({"agreed_start": "2019-05-01", "land_price_wan": None}, "2020-06-01")
    assert r["status"] == "idle" and np.isnan(r["fee_wan"])
    assert "缺少土地价款" in r["reason_zh"]


def test_start_recorded_after_audit_date_counts_as_not_started():
    assert one({"agreed_start": "2020-01-01", "actual_start": "2024-01-01"}, "2023-06-01")["status"] == "idle_reclaim"


# --- extensions (令第53号第十二条第（一）项: for Art. 8 causes, at most one year) -------------------


@pytest.mark.parametrize("as_of, expected", [
    ("2023-03-01", "extended"),     # last day of a lawful one-year extension
    ("2023-03-02", "normal"),       # extension run out; counted from 2023-03-01, year not full
    ("2024-03-01", "normal"),
    ("2024-03-02", "idle"),         # one full year after the extended start
])
def test_extension_with_a_cause_moves_the_start_date(as_of, expected):
    r = one({"agreed_start": "2022-03-01", "extension_until": "2023-03-01", "gov_cause": "2"}, as_of)
    assert r["status"] in (expected, "excused" if expected == "idle" else expected)
    assert "2023-03-01" in r["reason_zh"] and r["extension_flag"] == ""


def test_extension_of_exactly_one_year_is_honoured_one_day_more_is_flagged():
    # Art. 12(1): "延长动工开发期限最长不得超过一年" — agreed 2022-03-01, so the latest start is 2023-03-01
    ok = one({"agreed_start": "2022-03-01", "extension_until": "2023-03-01", "gov_cause": "1"}, "2023-02-01")
    assert ok["status"] == "extended" and ok["extension_flag"] == ""
    over = one({"agreed_start": "2022-03-01", "extension_until": "2023-03-02", "gov_cause": "1"}, "2023-03-02")
    assert over["extension_flag"] != "" and "第十二条第（一）项" in over["extension_flag"]
    assert "1天" in over["extension_flag"]
    # honoured up to the cap only: counted from 2023-03-01, so 2023-03-02 is past the extension
    assert over["status"] == "normal" and over["count_from"] == pd.Timestamp("2023-03-01")
    assert "核实延期" in over["next_step_zh"]


def test_extension_beyond_the_cap_is_counted_from_the_cap():
    # agreed 2020-01-01, "extended" to 2024-06-30 for a government cause: only to 2021-01-01 is lawful
    r = one({"agreed_start": "2020-01-01", "extension_until": "2024-06-30", "gov_cause": "1"}, "2024-06-30")
    assert r["count_from"] == pd.Timestamp("2021-01-01")
    # two full years from 2021-01-01 have passed; the cause was used up by the extension (第十二条第（一）项),
    # so 第十四条第（二）项 applies, not an excuse
    assert r["status"] == "idle_reclaim"
    assert "2021-01-01" in r["extension_flag"] and "超出部分不予认可" in r["extension_flag"]


# 第十二条第（一）项: a 第八条 cause may extend the start "最长不得超过一年"; the idleness counted from the
# extended start (第二条: 超过…经批准延期后的动工开发日期满一年未动工开发) is disposed of by 第十四条 — the same
# cause does not excuse it a second time.
@pytest.mark.parametrize("cause, as_of, expected", [
    ("1", "2024-03-01", "idle"),                 # 满一年 from the extended 2022-10-01 (第十四条第（一）项)
    ("规划调整", "2025-12-31", "idle_reclaim"),   # 满两年 from it (第十四条第（二）项)
    ("7", "2025-12-31", "idle_reclaim"),          # force majeure (第八条第二款), the same
])
def test_cause_used_for_an_extension_does_not_excuse_idleness_after_it(cause, as_of, expected):
    r = one({"agreed_start": "2021-10-01", "extension_until": "2022-10-01", "gov_cause": cause}, as_of)
    assert r["status"] == expected and r["count_from"] == pd.Timestamp("2022-10-01")
    # 20% of the 1,000 万元 land price, not 0 (for 满两年 the 满一年 fee is in the reason: 第十四条第（二）项)
    assert "征缴土地闲置费200.00万元" in r["reason_zh"]
    if expected == "idle":
        assert r["fee_wan"] == pytest.approx(200.0)
    assert "不征收土地闲置费" not in r["reason_zh"]
    assert "第十四条" in r["reason_zh"] and "新的第八条原因" in r["reason_zh"]
    if expected == "idle_reclaim":
        assert "无偿收回" in r["reason_zh"]


def test_cause_used_for_an_extension_still_excuses_within_it_and_a_cause_without_extension_still_excuses():
    within = one({"agreed_start": "2021-10-01", "extension_until": "2022-10-01", "gov_cause": "1"}, "2022-09-30")
    assert within["status"] == "extended"
    no_ext = one({"agreed_start": "2021-10-01", "gov_cause": "1"}, "2025-12-31")
    assert no_ext["status"] == "excused" and no_ext["fee_wan"] == 0


def test_late_start_after_an_extension_is_not_excused_by_the_cause_of_the_extension():
    r = one({"agreed_start": "2021-10-01", "extension_until": "2022-10-01", "gov_cause": "1",
             "actual_start": "2024-06-01"}, "2025-12-31")
    assert r["late_start_flag"] != "" and "不征收" not in r["late_start_flag"]
    assert "不征收" not in r["reason_zh"]


def test_extension_without_a_cause_is_not_honoured():
    # Art. 12 extends only "因本办法第八条规定情形造成土地闲置的": no cause recorded, count from the agreed date
    r = one({"agreed_start": "2022-03-01", "extension_until": "2022-09-01"}, "2023-03-02")
    assert r["status"] == "idle" and r["count_from"] == pd.Timestamp("2022-03-01")
    assert "未记录第八条原因" in r["extension_flag"] and "【延期核查】" in r["reason_zh"]
    also = one({"agreed_start": "2022-03-01", "extension_until": "2022-09-01", "gov_cause": "否"}, "2023-03-02")
    assert also["status"] == "idle" and also["extension_flag"] != ""  # 否 is no cause


# --- suspected until determined (Arts. 5–10; the 认定书 of Art. 9) ------------------------------------


def test_without_a_determination_date_idle_is_suspected_with_a_potential_fee():
    r = one({"agreed_start": "2022-03-01", "land_price_wan": 1000.0}, "2023-03-02")
    assert r["status"] == "idle" and r["status_zh"].startswith("疑似闲置")
    assert not r["determined"]
    assert "依第五条开展调查" in r["next_step_zh"]
    assert "潜在土地闲置费" in r["reason_zh"] and "如经认定" in r["reason_zh"]
    assert r["fee_wan"] == pytest.approx(200.0)


@pytest.mark.parametrize("determination, determined", [
    ("2023-06-29", True),    # a 认定书 before the audit date
    ("2023-06-30", True),    # on the audit date
    ("2023-07-01", False),   # one day after: not yet determined on the audit date
    (None, False),
])
def test_determined_only_with_a_determination_date_by_the_audit_date(determination, determined):
    r = one({"agreed_start": "2022-03-01", "determination_date": determination}, "2023-06-30")
    assert r["status"] == "idle"  # the code is the same either way
    assert bool(r["determined"]) is determined
    assert r["status_zh"] == ("认定闲置（满一年未动工开发）" if determined else "疑似闲置（满一年未动工开发）")
    if determined:
        assert "第九条" in r["reason_zh"] and "潜在" not in r["reason_zh"] and "第十四条" in r["next_step_zh"]
    elif determination:
        assert "晚于基准日" in r["reason_zh"]


def test_determination_date_on_a_parcel_that_is_not_idle_is_questioned():
    r = one({"agreed_start": "2023-01-01", "determination_date": "2023-05-01"}, "2023-06-30")
    assert r["status"] == "normal" and not r["determined"] and "请核实" in r["reason_zh"]


def test_determination_date_read_from_its_chinese_header():
    from dcf_spatial.io import apply_aliases

    raw = parcel_frame([{"agreed_start": "2022-03-01"}])
    raw["闲置土地认定书日期"] = "2023年4月1日"
    mapped, _notes = apply_aliases(raw, "parcels")
    r = audit_idle(validate_parcels(mapped), as_of="2023-06-30").iloc[0]
    assert r["determined"] and r["determination_date"] == pd.Timestamp("2023-04-01")


# --- started, stopped: 1/3 developed, 25 % invested, one full year stopped ---------------------------


def stopped(**kw):
    return {"agreed_start": "2019-01-01", "actual_start": "2019-06-01", "stopped_since": "2023-01-01",
            "developed_area_m2": 20_000.0, "total_investment_wan": 100.0, "invested_wan": 50.0, **kw}


@pytest.mark.parametrize("developed, expected", [(10_000.0, "normal"), (9_999.0, "idle_underdeveloped")])
def test_developed_share_exactly_one_third_is_not_idle(developed, expected):
    # parcel 30,000 m²: 10,000 m² is exactly 1/3 ("不足三分之一" is strictly below)
    assert one(stopped(developed_area_m2=developed), "2024-06-01")["status"] == expected


@pytest.mark.parametrize("invested, expected", [(25.0, "normal"), (24.99, "idle_underdeveloped")])
def test_invested_share_exactly_25_percent_is_not_idle(invested, expected):
    assert one(stopped(invested_wan=invested), "2024-06-01")["status"] == expected


@pytest.mark.parametrize("as_of, expected", [
    ("2023-12-31", "normal"), ("2024-01-01", "normal"), ("2024-01-02", "idle_underdeveloped")])
def test_stopped_one_full_year(as_of, expected):
    r = one(stopped(developed_area_m2=5_000.0), as_of)
    assert r["status"] == expected
    if expected == "idle_underdeveloped":
        assert "第二条" in r["reason_zh"] and "2023-01-01" in r["reason_zh"] and "16.7%" in r["reason_zh"]


@pytest.mark.parametrize("required, developed, expected", [
    # 令第53号第二条第二款: 开发建设用地面积占应动工开发建设用地总面积不足三分之一
    (15_000.0, 5_000.0, "normal"),               # exactly 1/3 of the required area
    (15_000.0, 4_999.0, "idle_underdeveloped"),  # just under 1/3 of the required area
    (None, 9_999.0, "idle_underdeveloped"),      # no required area: the parcel (30,000 m²) is the denominator
    (None, 10_000.0, "normal"),
])
def test_developed_share_is_measured_against_the_required_area(required, developed, expected):
    r = one(stopped(developed_area_m2=developed, required_dev_area_m2=required), "2024-06-01")
    assert r["status"] == expected
    if expected == "idle_underdeveloped":
        basis = "应动工开发建设用地总面积" if required else "以宗地面积代替"
        assert basis in r["reason_zh"]


def test_underdeveloped_reason_says_the_finding_is_discretionary():
    r = one(stopped(developed_area_m2=5_000.0), "2024-06-01")
    assert r["status"] == "idle_underdeveloped" and r["status_zh"].startswith("疑似")
    assert "第二条第二款" in r["reason_zh"] and "也可以认定为闲置土地" in r["reason_zh"]
    assert "可以认定而非必须认定" in r["reason_zh"]


def test_legal_notes_define_start_and_investment_by_article_30():
    from dcf_spatial.land.idle_audit import legal_notes

    text = "".join(legal_notes())
    for words in ("第三十条", "基坑开挖完毕", "打入所有基础桩", "地基施工完成三分之一", "不含土地出让价款",
                  "依第五条开展调查", "第九条", "第三十八条"):
        assert words in text, words


def test_started_and_not_stopped_is_normal_even_if_little_developed():
    assert one(stopped(stopped_since=None, developed_area_m2=1.0), "2025-01-01")["status"] == "normal"


# --- government causes, not applicable, insufficient data ---------------------------------------------


def test_government_cause_excuses_an_idle_parcel_without_fee():
    r = one({"agreed_start": "2020-01-01", "gov_cause": "1"}, "2022-06-01")
    assert r["status"] == "excused"
    assert r["fee_wan"] == 0
    assert "第八条" in r["reason_zh"] and "交付" in r["reason_zh"]  # cause 1 spelled out from the rules file


def test_force_majeure_is_labelled_as_such_not_as_government_cause():
    # 令第53号第八条第二款: 因自然灾害等不可抗力导致土地闲置的, handled like para. 1 but it is not a government act
    for cause in ("7", "不可抗力（2021年7月暴雨）"):
        r = one({"agreed_start": "2020-01-01", "gov_cause": cause}, "2022-06-01")
        assert r["status"] == "excused" and r["cause_kind"] == "force_majeure" and r["fee_wan"] == 0
        assert r["status_zh"] == "疑似闲置·不可抗力（第八条第二款，待审核）"
        assert "第八条第二款" in r["reason_zh"] and "政府原因" not in r["reason_zh"]
    gov = one({"agreed_start": "2020-01-01", "gov_cause": "3"}, "2022-06-01")
    assert gov["cause_kind"] == "government" and gov["status_zh"] == "疑似闲置·政府原因（第八条第一款，待审核）"


def test_government_cause_on_a_parcel_that_is_not_idle_keeps_its_status():
    r = one({"agreed_start": "2024-01-01", "gov_cause": "规划调整"}, "2024-06-01")
    assert r["status"] == "normal" and "规划调整" in r["reason_zh"]


def test_not_applicable_on_farmland_but_blank_agreed_start_on_construction_land_is_insufficient():
    # 第二条 covers 国有建设用地 only (farmland: 不适用); on construction land the contract's start
    # date is what the audit needs, so a blank one is 数据不足, never 不适用 (issue 14 item 7)
    r = audit([{"agreed_start": None}, {"agreed_start": "2020-01-01", "land_use_code": "0101"},
               {"agreed_start": None, "land_use_code": "0101"}], "2024-01-01")
    assert r["status"].tolist() == ["insufficient_data", "not_applicable", "not_applicable"]
    assert "水田" in r["reason_zh"].iloc[1]


def test_insufficient_data_names_the_missing_fields():
    r = one(stopped(developed_area_m2=None, invested_wan=None), "2024-06-01")
    assert r["status"] == "insufficient_data"
    # a reason shown to a clerk names the field in Chinese, never the English canonical name
    assert "已开发面积" in r["missing_fields"] and "已投资" in r["missing_fields"]
    assert "developed_area_m2" not in r["missing_fields"]
    assert "已开发面积" in r["reason_zh"] and "developed_area_m2" not in r["reason_zh"]


def test_one_known_share_below_the_cut_is_enough():
    r = one(stopped(developed_area_m2=None, invested_wan=10.0), "2024-06-01")
    assert r["status"] == "idle_underdeveloped"


def test_bad_dates_and_codes_are_reported_and_named():
    r = audit([{"agreed_start": "2021-02-30"}, {"agreed_start": "2021-02-01", "land_use_code": "06X1"},
               {"agreed_start": "2021年2月1日"}, {"agreed_start": "20210201", "land_use_code": 601}], "2024-01-01")
    assert r["status"].tolist() == ["insufficient_data", "insufficient_data", "idle_reclaim", "idle_reclaim"]
    assert "约定动工日期" in r["missing_fields"].iloc[0] and "2021-02-30" in r["problems"].iloc[0]
    assert "06X1" in r["problems"].iloc[1] and "地类编码" in r["missing_fields"].iloc[1]
    assert r["land_use_code"].iloc[3] == "0601"  # a spreadsheet's 601 gets its leading zero back


def test_duplicate_ids_are_reported_not_merged():
    r = audit([{"parcel_id": "Z1", "agreed_start": "2020-01-01"}, {"parcel_id": "Z1", "agreed_start": "2024-01-01"},
               {"parcel_id": "Z2", "agreed_start": "2020-01-01"}], "2024-06-01")
    assert len(r) == 3
    assert r["duplicate_id"].tolist() == [True, True, False]
    assert r["status"].tolist() == ["idle_reclaim", "normal", "idle_reclaim"]
    assert "重复" in r["problems"].iloc[0] and r["problems"].iloc[2] == ""


def test_nothing_is_lost_index_and_order_kept():
    rows = [{"agreed_start": d} for d in ["2020-01-01", None, "bad", "2024-01-01", "2019-01-01"]]
    gdf = parcel_frame(rows)
    gdf.index = [10, 7, 3, 99, 0]
    out = audit_idle(validate_parcels(gdf), as_of="2024-06-01")
    assert list(out.index) == [10, 7, 3, 99, 0]
    assert (out["status"] != "").all()
    assert out["parcel_id"].tolist() == gdf["parcel_id"].tolist()


def test_user_columns_named_like_outputs_are_kept():
    gdf = parcel_frame([{"agreed_start": "2020-01-01", "status": "在建", "row": 7}])
    out = audit_idle(validate_parcels(gdf), as_of="2024-06-01")
    assert out["status__original"].iloc[0] == "在建" and out["row__original"].iloc[0] == 7
    assert out["status"].iloc[0] == "idle_reclaim" and out["row"].iloc[0] == 1


def test_missing_required_column_raises_naming_field_and_fix():
    gdf = parcel_frame([{"agreed_start": "2020-01-01"}]).drop(columns=["actual_start"])
    with pytest.raises(SchemaError, match=r"actual_start.*字段映射 actual_start=") as err:
        validate_parcels(gdf, source="宗地.shp")
    assert "--" not in str(err.value)  # the library names no command-line option


def test_bad_as_of_raises():
    with pytest.raises(InputError, match="as_of"):
        audit([{"agreed_start": "2020-01-01"}], "2024-13-01")


def test_summary_totals_match_rows():
    r = audit([{"agreed_start": "2020-01-01"}, {"agreed_start": "2024-01-01"}, {"agreed_start": None}], "2024-06-01")
    s = summarize(r)
    assert int(s["total"].iloc[0]) == 3
    assert s["area_mu"].iloc[0] == pytest.approx(r["area_mu"].sum())
    assert int(s["idle_reclaim"].iloc[0]) == 1 and int(s["idle_count"].iloc[0]) == 1


# --- codes -----------------------------------------------------------------------------------------


def test_code_system_detected_and_2023_codes_named():
    looked = codes.validate_land_use_codes(pd.Series(["100101", "1001", "0601"]))
    assert looked["code_system"].iloc[0] == "2023"
    assert looked["land_use_name"].tolist() == ["一类工业用地", "工业用地", "农村道路"]
    assert looked["construction"].tolist() == [True, True, False]


def test_ambiguous_codes_default_to_2017_and_say_so():
    looked = codes.validate_land_use_codes(pd.Series(["0601", "0101"]))
    assert looked["code_system"].iloc[0] == "2017"
    assert looked["land_use_name"].iloc[0] == "工业用地"
    assert "--code-system" in looked.attrs["note"]


def test_credit_code_checksum():
    made = codes.make_credit_code("371502", "YY000123")
    s = pd.Series([made, made[:-1] + ("0" if made[-1] != "0" else "1"), None, "91110000600037341L"])
    assert codes.credit_code_valid(s).tolist()[:2] == [True, False]
    assert pd.isna(codes.credit_code_valid(s).iloc[2])
    assert bool(codes.credit_code_valid(s).iloc[3])


def test_vectorised_credit_check_agrees_with_stdnum():
    from stdnum.cn import uscc

    rng = np.random.default_rng(5)
    alphabet = list("0123456789ABCDEFGHJKLMNPQRTUWXY")
    good = [codes.make_credit_code("371502", "".join(rng.choice(alphabet, 8))) for _ in range(300)]
    mutated = [g[:k] + rng.choice(alphabet) + g[k + 1:] for g in good for k in [int(rng.integers(0, 18))]]
    odd = ["", "9137150", "91371502YY000123 X", "913715O2YY0001230X", "９１３７", "A1110000600037341L"]
    values = good + mutated + odd
    ours = codes.credit_code_valid(pd.Series(values)).fillna(False).tolist()
    assert ours == [uscc.is_valid(v) for v in values]
    assert sum(ours) >= 300


def test_invalid_credit_code_is_a_problem_not_a_rejection():
    r = audit([{"agreed_start": "2020-01-01", "credit_code": "91371502YY0001230X"}], "2024-06-01")
    assert r["status"].iloc[0] == "idle_reclaim" and "校验不通过" in r["problems"].iloc[0]


# --- zones: inside, largest share, outside -------------------------------------------------------------


def test_largest_share_assignment():
    zones = gpd.GeoDataFrame({"id": ["A", "B"]}, geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
                             crs=4548)
    parcels = gpd.GeoDataFrame(geometry=[shapely.box(10, 10, 20, 20),     # inside A
                                         shapely.box(70, 10, 110, 20),    # 30 in A, 10 in B -> A 0.75
                                         shapely.box(90, 10, 130, 20),    # 10 in A, 30 in B -> B 0.75
                                         shapely.box(150, 90, 250, 110),  # half outside, rest in B
                                         shapely.box(500, 500, 510, 510)], crs=4548)
    res = assign_largest_share(parcels, zones)
    assert res["zone_id"].tolist()[:4] == ["A", "A", "B", "B"] and pd.isna(res["zone_id"].iloc[4])
    assert res["method"].tolist() == ["inside", "largest_share", "largest_share", "largest_share", "outside"]
    assert res["share"].iloc[1] == pytest.approx(0.75) and res["share"].iloc[3] == pytest.approx(0.25)


def test_zone_join_crs_mismatch_raises():
    zones = gpd.GeoDataFrame({"id": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4490)
    parcels = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=4548)
    with pytest.raises(CRSMismatchError):
        assign_largest_share(parcels, zones)


# --- end to end: Excel totals equal the GeoPackage's ------------------------------------------------------


def _sheet(path, name):
    ws = openpyxl.load_workbook(path, read_only=True)[name]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_outputs_excel_totals_equal_geopackage(tmp_path):
    from dcf_spatial.land import audit_idle

    store = make_land_store(tmp_path / "store.gpkg")
    rows = [{"agreed_start": "2020-01-01"}, {"agreed_start": "2020-01-01", "parcel_id": "T000"},
            {"agreed_start": "2024-01-01"}, {"agreed_start": None}, {"agreed_start": "bad"},
            {"agreed_start": "2022-06-01", "land_price_wan": 500.0}]
    gdf = parcel_frame(rows)
    res = audit_idle(gdf, out=tmp_path / "out", as_of="2024-06-01", store=store, map=False)
    xlsx, gpkg = res.files["excel"], res.files["gpkg"]
    back = gpd.read_file(gpkg, layer="idle_audit")
    assert len(back) == len(rows)
    status = _sheet(xlsx, "汇总_按状态")
    assert "示意图层" in status[0][0] and "未标记为合成数据" in status[0][0]  # every sheet says so
    header, body = status[1], status[2:]
    total = body[-1]
    assert total[0] == "合计"
    # rows 1 and 2 share the id T000: both are listed, the totals count that parcel once (its first row)
    assert back["in_totals"].astype(bool).tolist() == [True, False, True, True, True, True]
    once = back[back["in_totals"].astype(bool)]
    assert total[header.index("宗地数")] == len(once) == len(back) - 1
    # the workbook shows 亩 and 万元 to two decimals
    assert total[header.index("面积（亩）")] == pytest.approx(once["area_mu"].sum(), abs=0.005)
    assert total[header.index("土地闲置费（万元；含潜在金额）")] == pytest.approx(once["fee_wan"].sum(), abs=0.005)
    assert "每宗只计一次" in status[0][0]
    notes = "".join(str(r[0]) for r in _sheet(xlsx, "说明"))
    assert "疑似闲置" in notes and "第三十条" in notes and "地基施工完成三分之一" in notes  # Art. 30 in the workbook
    for row in body[:-1]:
        assert row[header.index("宗地数")] == (once["status"] == row[header.index("状态代码")]).sum()
    towns = _sheet(xlsx, "汇总_按镇街")
    n_col = towns[1].index("宗地数合计")
    assert sum(r[n_col] for r in towns[2:-1]) == len(once)
    assert towns[-1][0] == "合计" and towns[-1][n_col] == len(once)
    listing = _sheet(xlsx, "宗地清单")
    assert "全部 6 宗地" in listing[0][0] and len(listing) == 2 + len(rows)
    assert "宗地代码" in listing[1] and "理由（条款与日期）" in listing[1] and "下一步" in listing[1]
    problems = _sheet(xlsx, "问题记录")
    assert len(problems) - 2 == 4  # two duplicates + one bad date + the blank agreed start (数据不足, issue 14 item 7)
    notes = "\n".join(r[0] for r in _sheet(xlsx, "说明")[1:])
    assert "示意" in notes and "未标记为合成数据" in notes and "第十四条" in notes
    assert set(back["township_zh"].dropna()) <= {"甲镇", "乙镇"}
    with pytest.raises(InputError, match="overwrite"):
        audit_idle(gdf, out=tmp_path / "out", as_of="2024-06-01", store=store, map=False)


#: the 问题记录 sheet's columns as decided for issue 13 (a data-correction list: what a clerk needs to find the
#: record in the ledger and correct it), in this order
CORRECTION_COLUMNS = ["原表行号", "宗地代码", "土地使用权人", "统一社会信用代码", "所在镇（街道）", "宗地面积（亩）", "审计结论",
                      "状态代码", "缺少或无法识别的字段", "数据问题", "延期核查提示", "逾期动工提示", "下一步",
                      "计入汇总（重复宗地只计一次）", "合成数据"]


def test_problem_sheet_is_a_data_correction_list(tmp_path):
    from dcf_spatial.land import audit_idle

    store = make_land_store(tmp_path / "store.gpkg")
    cc = codes.make_credit_code("371502", "AB000001")
    rows = [{"agreed_start": "2020-01-01", "holder": "甲公司", "credit_code": cc},
            {"agreed_start": "2020-01-01", "parcel_id": "T000", "holder": "乙公司", "credit_code": cc},  # duplicate id
            {"agreed_start": "2024-01-01", "holder": "丙公司", "credit_code": cc},
            {"agreed_start": None, "holder": "丁公司", "credit_code": cc},                             # 数据不足
            {"agreed_start": "bad", "holder": "戊公司", "credit_code": cc}]                           # bad date
    gdf = parcel_frame(rows).assign(synthetic=True, project_name="某项目")
    res = audit_idle(gdf, out=tmp_path / "out", as_of="2024-06-01", store=store, map=False)
    sheet = _sheet(res.files["excel"], "问题记录")
    note, header, body = sheet[0][0], sheet[1], sheet[2:]
    assert header == CORRECTION_COLUMNS
    # the rows to correct, each once, named by their row (a frame's rows count from 1) and id
    assert [(r[0], r[1]) for r in body] == [(1, "T000"), (2, "T000"), (4, "T003"), (5, "T004")]
    by_line = {r[0]: dict(zip(header, r)) for r in body}
    assert by_line[2]["土地使用权人"] == "乙公司" and by_line[2]["统一社会信用代码"] == cc
    assert by_line[2]["计入汇总（重复宗地只计一次）"] == "否" and "重复" in by_line[2]["数据问题"]
    assert by_line[4]["状态代码"] == "insufficient_data" and by_line[4]["缺少或无法识别的字段"]
    assert "bad" in by_line[5]["数据问题"] and by_line[5]["合成数据"] == "是"
    # the full row: in 宗地清单 (all parcels listed here) and always in the complete list, named
    assert "宗地清单" in note and "idle_audit.parquet" in note and "原表行号" in note
    full = _sheet(res.files["excel"], "宗地清单")
    assert "项目名称" in full[1] and [r[0] for r in full[2:]] == [1, 2, 3, 4, 5]
    notes = "\n".join(str(r[0]) for r in _sheet(res.files["excel"], "说明"))
    assert "只列核实补正所需的列" in notes and "idle_audit.parquet" in notes


def test_excel_list_cap_keeps_action_rows_and_says_so(tmp_path):
    from dcf_spatial.land import audit_idle

    rules = load_rules()
    rules["excel"] = {**rules["excel"], "max_list_rows": 2}
    rows = [{"agreed_start": "2024-01-01"}] * 3 + [{"agreed_start": "2020-01-01"}]
    res = audit_idle(parcel_frame(rows), out=tmp_path / "o", as_of="2024-06-01", map=False, rules=rules)
    listing = _sheet(res.files["excel"], "宗地清单")
    assert "超过本工作簿清单上限 2 行" in listing[0][0]
    assert len(listing) - 2 == 1  # only the idle parcel
    total = _sheet(res.files["excel"], "汇总_按状态")[-1]
    assert total[2] == 4  # summaries still count all parcels


def test_sheet_split_at_the_xlsx_row_limit(tmp_path, monkeypatch):
    from dcf_spatial.land import outputs

    monkeypatch.setattr(outputs, "EXCEL_MAX_ROWS", 4)  # 1 note + 1 header + 2 rows a sheet
    rows = [{"agreed_start": "2020-01-01"}] * 5
    audited = audit_idle(validate_parcels(parcel_frame(rows)), as_of="2024-06-01")
    path = outputs.write_idle_excel(audited, tmp_path / "x.xlsx", notes=["n"], max_list_rows=10)
    wb = openpyxl.load_workbook(path, read_only=True)
    parts = [s for s in wb.sheetnames if s.startswith("宗地清单")]
    assert parts == ["宗地清单", "宗地清单_2", "宗地清单_3"]
    ids = [r[1] for s in parts for r in list(wb[s].iter_rows(values_only=True))[2:]]
    assert ids == audited["parcel_id"].tolist()


def test_point_parcels_take_their_declared_area():
    """A bureau table with 经度/纬度 gives points: the declared 宗地面积 is the area, polygons are measured."""
    frame = parcel_frame([stopped(area_m2=30_000.0, developed_area_m2=9_999.0),
                          stopped(area_m2=None), stopped(area_m2=45_000.0)])
    frame.loc[[0, 1], "geometry"] = frame.geometry.iloc[[0, 1]].centroid.to_numpy()
    checked = validate_parcels(frame)
    assert checked["area_m2"].iloc[0] == pytest.approx(30_000.0)
    assert checked["area_mu"].iloc[0] == pytest.approx(45.0)
    assert np.isnan(checked["area_m2"].iloc[1])
    assert checked["area_m2"].iloc[2] == pytest.approx(30_000.0)  # a drawn parcel is measured, not declared
    assert list(checked["area_source"]) == ["申报面积（点位，无宗地图形）", "无面积", "图形量算（EPSG:4548）"]
    assert "宗地面积" in checked["problems"].iloc[1] and checked["problems"].iloc[0] == ""
    assert any("点位" in n for n in checked.attrs["read_notes"])
    # the declared area decides the one-third rule as the drawn one would
    assert audit_idle(checked, as_of="2024-06-01")["status"].iloc[0] == "idle_underdeveloped"


def test_non_finite_money_and_area_are_data_problems_not_figures():
    """A ledger that says 成交价格 inf or 宗地面积 1e308 has no usable figure there (issue 14 item 4): the row is
    still audited, the value is listed as a data problem, and no fee or total becomes infinite."""
    rows = [{"agreed_start": "2021-01-01", "land_price_wan": float("inf")},
            {"agreed_start": "2021-01-01", "land_price_wan": 500.0, "area_m2": 1e308},
            {"agreed_start": "2021-01-01", "land_price_wan": -100.0},
            {"agreed_start": "2021-01-01", "land_price_wan": 400.0}]
    gdf = parcel_frame(rows)
    out = audit_idle(validate_parcels(gdf), as_of="2025-12-31")
    assert len(out) == 4
    assert "land_price_wan" in out["bad_fields"].iloc[0] and "land_price_wan" in out["bad_fields"].iloc[2]
    assert "area_m2" in out["bad_fields"].iloc[1]
    assert np.isfinite(out["area_mu"]).all() and np.isfinite(out["fee_wan"].fillna(0)).all()
    # 2021 → 2025: due for reclaim (第十四条第（二）项), no fee in fee_wan; the 满一年 fee, finite, in its reason
    assert out["status"].iloc[3] == "idle_reclaim" and np.isnan(out["fee_wan"].iloc[3])
    assert "征缴土地闲置费80.00万元" in out["reason_zh"].iloc[3]


def test_credit_check_in_arrow_agrees_with_python_path():
    # arrow-backed text (as the GeoPackage reader gives it) is checked by arrow's kernels; an object
    # column by Python strings: the same verdicts and the same missing cells (GB 32100-2015)
    made = codes.make_credit_code("371502", "YY000123")
    values = [made, made.lower(), f"  {made}\u3000", made[:-1] + ("0" if made[-1] != "0" else "1"), None, "", "nan",
              "<NA>", "None", "９１３７１５０２ＹＹ０００１２３０Ｘ", made + "1", "913715O2YY0001230X", "  "]
    arrow = codes.credit_code_valid(pd.Series(values, dtype=pd.StringDtype("pyarrow")))
    plain = codes.credit_code_valid(pd.Series(values, dtype=object))
    assert codes._credit_code_valid_arrow(pd.Series(values, dtype=pd.StringDtype("pyarrow"))) is not None
    assert arrow.isna().tolist() == plain.isna().tolist()
    assert arrow.fillna(False).tolist() == plain.fillna(False).tolist()
    assert arrow.fillna(False).tolist()[:4] == [True, True, True, False]
    assert arrow.isna().tolist()[4:9] == [True] * 5
