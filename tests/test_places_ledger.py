"""Places by name (issue 9 item 3), the 供地 ledger as published (issue 9 item 4) and the audit's
dates (issue 14 item 7), on files written here with the real column names and odd values.

The names come from the plan (/work/shared/plan/…, 第一章第一节 lists the 14 镇（街道）; 第八章第一节
the four 工业集聚区 and their 产业园区分区; 第八章第二节 the seven 农业示范区) and the shipped store.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError
from dcf_spatial.places import read_site
from dcf_spatial.land import audit_idle, codes
from dcf_spatial.land.idle_audit import audit_idle as audit_frame
from dcf_spatial.land.outputs import rejected_rows
from dcf_spatial.land.parcels import parse_dates, validate_parcels
from dcf_spatial.places import gazetteer, short_names
from dcf_spatial.queries import check_batch, check_site
from dcf_spatial.store import catalog

from test_idle_audit import parcel_frame

PLAN = Path("/work/shared/plan/dongchangfu_industry_plan_2021-2030.txt")


@pytest.fixture(scope="module")
def gaz():
    return gazetteer()  # the shipped store


# --- gazetteer -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, unit, level", [
    ("郑家镇", "郑家镇", "镇街"),                              # 第一章第一节: 规划区内辖…郑家镇…
    ("郑家镇工业集聚区", "郑家镇工业集聚区", "集聚区"),          # 第八章第一节 ——郑家镇工业集聚区
    ("智能制造产业园", "智能制造产业园", "园区"),                # 第八章第一节 产业园区分区：智能制造产业园
    ("第二片区", "嘉明经济开发区第二片区", "集聚区"),            # 第八章第一节 ——嘉明经济开发区第二片区
    ("郑家", "郑家镇", "镇街"),                                # 郑家镇 without 镇
    ("高精管材", "高精管材特色产业集聚区", "集聚区"),            # 第八章第一节 ——高精管材特色产业集聚区
    ("蔬菜示范区", "高标准蔬菜产业示范区", "示范区"),            # 第八章第二节 ——高标准蔬菜产业示范区
    ("东昌府区 郑家镇", "郑家镇", "镇街"),                      # a district prefix and blanks do not matter
])
def test_names_resolve_to_their_unit_and_level(gaz, name, unit, level):
    p = gaz.lookup(name)
    assert (p.unit_name, p.level) == (unit, level)
    assert p.geometry.geom_type in ("Polygon", "MultiPolygon")


def test_every_short_name_quotes_the_plan_in_the_cited_chapter():
    """Data honesty: a short name's quote is the plan's own words, in the chapter and section it cites."""
    text = PLAN.read_text(encoding="utf-8")
    heads = [(m.start(), m.group(0)) for m in re.finditer(r"^第[一二三四五六七八九十]+[章节]", text, flags=re.M)]

    def section_text(ref: str) -> str:
        chap, sec = re.match(r"(第.+?章)(第.+?节)", ref).groups()
        out, in_chap, start = [], False, None
        for pos, h in heads + [(len(text), "第END章")]:
            if start is not None:
                out.append(text[start:pos])
                start = None
            if h.endswith("章"):
                in_chap = h == chap
            elif in_chap and h == sec:
                start = pos
        return "".join(out)

    for e in short_names():
        if e.get("plan_ref"):
            refs = re.findall(r"第.+?章第.+?节", e["plan_ref"])
            body = "".join(section_text(r) for r in refs)
            assert e["quote"] in body, (e["name"], e["plan_ref"])
        else:
            assert e.get("verify") is True, e["name"]  # not the plan's wording: marked 待核实


def test_unknown_name_lists_the_nearest(gaz):
    with pytest.raises(InputError) as err:
        gaz.lookup("郑佳镇")
    assert "郑佳镇" in str(err.value) and "郑家镇" in str(err.value)


def test_site_by_unknown_name_is_a_clear_error():
    with pytest.raises(InputError, match="相近的地名"):
        read_site("郑家镇工业集中区")


def _unit_layer(ids, names, geoms, **extra):
    n = len(ids)
    d = {"id": ids, "name_zh": names, "plan_ref": ["第一章第一节"] * n, "provenance": ["authoritative"] * n,
         "source": ["test fixture"] * n, **{k: [v] * n for k, v in extra.items()}}
    return gpd.GeoDataFrame(d, geometry=geoms, crs=4548).to_crs(4490)


def test_imported_layers_feed_the_gazetteer_and_a_shared_name_is_ambiguous(tmp_path):
    store = tmp_path / "s.gpkg"
    boxes = [shapely.box(480_000 + 10_000 * i, 4_030_000, 490_000 + 10_000 * i, 4_040_000) for i in range(2)]
    catalog.write_layer(_unit_layer(["town.371502100000", "town.371502101000"], ["李庄镇", "王集镇"], boxes,
                                    code12="371502100000", kind="镇"), "townships", store=store, source="test")
    catalog.write_layer(_unit_layer(["town.371502400000"], ["王集镇"], [boxes[1].buffer(-1000)], code12="371502400000",
                                    kind="镇"), "other_units", store=store, source="test")
    g = gazetteer(store)
    assert g.lookup("李庄").unit_name == "李庄镇"
    with pytest.raises(InputError, match="不唯一"):
        g.lookup("王集镇")
    assert any("agri_zones" in n for n in g.notes)  # a layer the store lacks is said, not an error


@pytest.mark.parametrize("text, unit, level", [
    ("东昌府区郑家镇工业园区纬二路北", "郑家镇工业集聚区", "集聚区"),
    ("东昌府区郑家镇纬二路北", "郑家镇", "镇街"),
    ("山东省聊城市东昌府区嘉明经济开发区第二片区新能源汽车小镇", "嘉明经济开发区第二片区", "集聚区"),
    ("嘉明经济开发区智能制造产业园内", "智能制造产业园", "园区"),
])
def test_address_text_is_placed_at_the_most_specific_name(gaz, text, unit, level):
    m = gaz.find_in_text(text)
    assert m.status_zh == "按地名定位"
    assert (m.place.unit_name, m.place.level) == (unit, level)


def test_address_without_a_known_name_is_unknown(gaz):
    m = gaz.find_in_text("聊城市某某路88号")
    assert m.place is None and m.status_zh == "位置不明" and m.reason


# --- sites by name ---------------------------------------------------------------------------------


def test_read_site_by_name_is_the_units_polygon():
    site = read_site("郑家镇工业集聚区")
    assert len(site) == 1
    assert site["place_level"].iloc[0] == "集聚区" and site["location_method"].iloc[0] == "按地名定位"
    cl = catalog.read_layer("industrial_clusters")
    want = cl.loc[cl["name_zh"] == "郑家镇工业集聚区"].geometry.iloc[0]
    assert site.geometry.iloc[0].equals(want)
    assert any("按地名" in n for n in site.attrs["read_notes"])


def test_check_site_by_name_says_so():
    res = check_site("第二片区", "新能源汽车")
    fn = res.results[0]["site"]["from_name"]
    assert fn["unit"] == "嘉明经济开发区第二片区" and fn["level"] == "集聚区"
    assert "场地来自地名" in res.summary_text()


def test_batch_rows_without_coordinates_are_placed_by_their_address(tmp_path):
    f = tmp_path / "项目.csv"
    f.write_text("项目名称,行业,用地面积(亩),项目位置\n"
                 "甲,轴承,50,东昌府区郑家镇工业园区纬二路北\n"
                 "乙,轴承,30,东昌府区郑家镇纬二路北\n"
                 "丙,新能源汽车,80,嘉明经济开发区第二片区\n"
                 "丁,轴承,20,聊城市某路\n", encoding="utf-8")
    res = check_batch(f)
    rows = res.results
    assert [r["source_row"] for r in rows] == [2, 3, 4, 5]  # every row, in order
    assert [r["status"] for r in rows] == ["ok", "ok", "ok", "error"]
    assert [r["site"]["from_name"]["unit"] for r in rows[:3]] == ["郑家镇工业集聚区", "郑家镇", "嘉明经济开发区第二片区"]
    assert "聊城市某路" in rows[3]["error"]
    out = res.to_table(tmp_path / "r.csv")
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert table["定位方式"].iloc[0].startswith("按地名定位")


def test_batch_row_with_blank_coordinates_uses_its_address(tmp_path):
    f = tmp_path / "项目.csv"
    f.write_text("项目名称,行业,经度,纬度,建设地点\n甲,轴承,115.80,36.47,\n乙,轴承,,,郑家镇\n", encoding="utf-8")
    rows = check_batch(f).results
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert "from_name" not in rows[0]["site"] and rows[1]["site"]["from_name"]["unit"] == "郑家镇"


# --- dates (issue 14 item 7) -----------------------------------------------------------------------


def test_dates_in_every_form_and_none_values():
    vals = ["2021-02-01 00:00:00", "2021-02-01T08:30:00", "2021/2/1", "2021年2月1日", "20210201", "44228", 44228,
            44228.0, dt.datetime(2021, 2, 1, 9, 0),
            "1900-01-01", dt.datetime(1900, 1, 1), "9999-12-31", dt.datetime(9999, 12, 31), "--", "无", "", None,
            "明年", "2021-02-30"]
    d, bad = parse_dates(pd.Series(vals, dtype=object))
    assert [str(v.date()) for v in d[:9]] == ["2021-02-01"] * 9  # 44228 = 2021-02-01 in Excel's 1900 system
    assert d[9:17].isna().all() and not bad[:17].any()
    assert bad[17] and bad[18] and d[17:].isna().all()
    assert d.attrs["placeholders"] == 6


def test_blank_agreed_start_of_an_industrial_parcel_is_insufficient_and_listed():
    """《闲置土地处置办法》第二条: 闲置土地 counts from the 动工开发日期 that the 有偿使用合同 or
    划拨决定书 fixes; an 出让 工业用地 parcel without that date cannot be judged — 数据不足, to be
    corrected — not 不适用. Placeholder dates are no date: 1900-01-01 must not yield a fee."""
    gdf = parcel_frame([{"agreed_start": None, "supply_type": "出让"},
                        {"agreed_start": "1900-01-01", "supply_type": "出让"},
                        {"agreed_start": "2020-01-01", "land_use_code": "0101"}])
    r = audit_frame(validate_parcels(gdf), as_of="2024-01-01")
    assert r["status"].tolist() == ["insufficient_data", "insufficient_data", "not_applicable"]
    assert rejected_rows(r)[:2].all()
    assert r["fee_wan"].iloc[:2].fillna(0).eq(0).all()
    assert "约定动工日期" in r["missing_fields"].iloc[0]


# --- land-use and industry codes -------------------------------------------------------------------


def test_old_2007_codes_and_names_map_to_2017():
    # GB/T 21010-2007 061 工业用地 / 063 仓储用地 are 0601 / 0604 in GB/T 21010-2017
    looked = codes.validate_land_use_codes(pd.Series(["061", "063", "0601", "085"]))
    assert looked["land_use_code"].tolist()[:3] == ["0601", "0604", "0601"]
    assert looked["code_valid"].tolist() == [True, True, True, False]
    assert "061" in looked["code_note"].iloc[0] and "待核实" in looked["code_note"].iloc[0]
    assert "无法唯一" in looked["code_problem"].iloc[3]
    got, _ = codes.codes_from_names(pd.Series(["工业用地", "仓储用地", "城镇住宅-普通商品住房用地", "061", "火星用地"]))
    assert got.tolist() == ["0601", "0604", "0701", "0601", None]


# --- the 供地结果 ledger ---------------------------------------------------------------------------

LEDGER_COLUMNS = ["行政区", "电子监管号", "项目名称", "项目位置", "面积(公顷)", "土地来源", "土地用途", "供地方式",
                  "土地使用年限", "行业分类", "土地级别", "成交价格(万元)", "土地使用权人", "约定容积率下限", "约定容积率上限",
                  "约定交地时间", "约定开工时间", "约定竣工时间", "实际开工时间", "实际竣工时间", "批准单位", "合同签订日期"]
LEDGER_ROWS = [
    ["东昌府区", "3715022019B00101", "甲项目", "东昌府区郑家镇工业园区纬二路北", 2.5, "新增建设用地", "工业用地", "挂牌出让", 50,
     "滚动轴承制造", "五级", 500, "甲公司", 1.0, 2.0, "2019-03-01 00:00:00", "2019-06-01 00:00:00", "2021-06-01",
     "1900-01-01", "", "聊城市人民政府", "2019-02-01"],
    ["东昌府区", "3715022020B00202", "乙项目", "东昌府区郑家镇纬二路北", 1.2, "新增建设用地", "061", "协议出让", 50,
     "汽车零部件及配件制造", "五级", 300, "乙公司", 1.0, 2.0, "--", "", "", "无", "", "聊城市人民政府", "2020/01/05"],
    ["东昌府区", "3715022021B00303", "丙项目", "嘉明经济开发区第二片区", 3, "新增建设用地", "仓储用地", "拍卖出让", 50,
     "", "", 800, "丙公司", "", "", "44197", "44378", "45000", "9999-12-31", "", "聊城市人民政府", "2021年1月5日"],
    ["东昌府区", "3715022021B00404", "丁项目", "聊城市某路", 0.8, "存量建设用地", "工业用地", "挂牌出让", 50,
     "", "", 100, "丁公司", "", "", "", "2020-01-01", "", "", "", "聊城市人民政府", ""],
]


def _ledger_csv(path):
    pd.DataFrame(LEDGER_ROWS, columns=LEDGER_COLUMNS).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _ledger_xlsx(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(LEDGER_COLUMNS)
    for row in LEDGER_ROWS:
        row = list(row)
        if row[1].endswith("101"):  # real date-time cells, as an export writes them
            row[16] = dt.datetime(2019, 6, 1)
            row[18] = dt.datetime(1900, 1, 1)
        if row[1].endswith("303"):
            row[16] = 44378  # an Excel serial as a number
        ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("make", [_ledger_csv, _ledger_xlsx], ids=["csv", "xlsx"])
def test_ledger_runs_with_no_field_map(tmp_path, make):
    src = make(tmp_path / ("供地结果" + (".csv" if make is _ledger_csv else ".xlsx")))
    res = audit_idle(src, as_of="2024-01-01")
    f = res.frame
    assert f["parcel_id"].tolist() == [r[1] for r in LEDGER_ROWS]  # every row once, input order
    assert f["area_mu"].round(6).tolist() == [37.5, 18.0, 45.0, 12.0]  # 公顷 × 15
    assert f["land_use_code"].tolist() == ["0601", "0601", "0604", "0601"]
    assert f["agreed_start"].iloc[2] == pd.Timestamp("2021-07-01")  # 44378
    assert f["actual_start"].isna().all()  # 1900-01-01, 无, 9999-12-31, blank: none
    assert f["status"].tolist() == ["idle_reclaim", "insufficient_data", "idle_reclaim", "idle_reclaim"]
    # 成交价格(万元) 500 read as the land price; 满两年: reclaimed (第十四条第（二）项), its 满一年 fee (20 %) in its reason only
    assert f["land_price_wan"].iloc[0] == pytest.approx(500.0) and pd.isna(f["fee_wan"].iloc[0])
    assert "征缴土地闲置费100.00万元" in f["reason_zh"].iloc[0]
    assert f["industry_code"].iloc[0] == "C3451"
    assert f["location_method"].tolist() == ["按地名定位", "按地名定位", "按地名定位", "位置不明"]
    assert f["cluster_zh"].tolist()[:3] == ["郑家镇工业集聚区", "（地名未指明）", "嘉明经济开发区第二片区"]
    assert f["township_zh"].iloc[1] == "郑家镇" and f["township_zh"].iloc[3] == "位置不明"
    # no coordinates is not an error; a place text that cannot be placed is a record to correct (QA user F6)
    assert f["problems"].iloc[3].startswith("项目位置无法定位") and "无几何图形" not in f["problems"].iloc[3]
    by_town = res.summaries["township_zh"].set_index("township_zh")
    assert by_town.loc["位置不明", "total"] == 1
    assert any("061" in n or "按土地用途" in n for n in res.notes)


def test_ledger_through_the_cli_draws_rows_placed_by_name(tmp_path):
    src = _ledger_csv(tmp_path / "供地结果.csv")
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(src), "--as-of", "2024-01-01", "-o", str(out)],
                             catch_exceptions=True)
    assert res.exit_code == 0, res.output + repr(res.exception)
    assert "按项目位置中的地名定位 3 宗，位置不明 1 宗" in res.output
    back = gpd.read_file(out / "idle_audit.gpkg")
    assert len(back) == 4
    html = (out / "idle_audit_map.html").read_text(encoding="utf-8")
    assert "按地名定位" in html and "位置不明" in html
    wb = openpyxl.load_workbook(out / "idle_audit.xlsx", read_only=True)
    text = json.dumps([list(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)], ensure_ascii=False,
                      default=str)
    assert "位置不明" in text and "3715022020B00202" in text


@pytest.mark.parametrize("name", ["聊城经济技术开发区", "经开区", "聊城高新技术产业开发区", "高新区", "江北水域旅游度假区"])
def test_the_areas_chapter_1_1_excludes_are_not_offered_a_near_name_inside_the_plan(name):
    """第一章第一节: the plan area "不包含市辖聊城经济技术开发区、聊城高新技术产业开发区和江北水域旅游度假区". A site
    named by one of them must say so, and must not be offered 嘉明经济开发区 (a cluster of the plan) instead."""
    with pytest.raises(InputError) as err:
        read_site(name)
    msg = str(err.value)
    assert "第一章第一节" in msg and "不在本规划范围" in msg
    assert "嘉明" not in msg


def test_a_batch_address_in_an_excluded_area_says_why_it_is_not_placed():
    g = gazetteer()
    m = g.find_in_text("东昌府区经开区黄河路88号")
    assert m.place is None and "第一章第一节" in m.reason
    # a plan unit named in the same address still places it; 马颊河度假区 (第八章第二节) is not the excluded 度假区
    assert g.find_in_text("郑家镇工业园区纬二路北").place.unit_name == "郑家镇工业集聚区"
    assert "第一章第一节" not in g.find_in_text("马颊河度假区").reason
