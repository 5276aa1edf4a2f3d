"""What the audits say they read, cell by cell (QA breaker round 4, task FA2).

Clerk-like files: the standard English names ``dcf sample`` writes, the Chinese headers a 供地 ledger
has, and a mix; area cells typed ``3,000`` / ``３０`` / ``30亩`` / ``约30``; two area columns
(面积(亩) and 面积(公顷)) on one ledger, and on a batch of sites.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dcf_spatial.io.aliases import area_numbers
from dcf_spatial.land import audit_idle
from dcf_spatial.land.parcels import read_enterprises

STANDARD = {"parcel_id": ["P1"], "holder": ["甲公司"], "land_use_name": ["工业用地"], "area_m2": [20000],
            "agreed_start": ["2022-03-01"], "actual_start": ["2022-06-01"], "address": ["郑家镇"],
            "scenario": ["x"], "synthetic": [True]}
CHINESE = {"宗地编号": ["P1"], "受让单位": ["甲公司"], "土地用途": ["工业用地"], "面积(亩)": [30],
           "约定开工日期": ["2022-03-01"], "实际开工日期": ["2022-06-01"], "位置": ["郑家镇"],
           "备注": ["x"], "联系人": ["张三"]}
MIXED = {"parcel_id": ["P1"], "受让单位": ["甲公司"], "土地用途": ["工业用地"], "面积(亩)": [30],
         "agreed_start": ["2022-03-01"], "实际开工日期": ["2022-06-01"], "address": ["郑家镇"],
         "备注": ["x"], "synthetic": [True]}


def _unused(notes) -> str:
    return next((n for n in notes if "未使用" in n and "面积列" not in n), "")


@pytest.mark.parametrize("columns, unused, used", [
    (STANDARD, {"scenario", "synthetic"}, set(STANDARD) - {"scenario", "synthetic"}),
    # 备注 is read for an extension or a 第八条 cause (QA nu #3) and said in its own note: not listed as unused
    (CHINESE, {"联系人"}, set(CHINESE) - {"备注", "联系人"}),
    (MIXED, {"synthetic"}, set(MIXED) - {"备注", "synthetic"}),
])
def test_idle_audit_lists_only_the_columns_it_did_not_use(tmp_path, columns, unused, used):
    src = tmp_path / "宗地.csv"
    pd.DataFrame(columns).to_csv(src, index=False, encoding="utf-8")
    res = audit_idle(src, as_of="2025-12-31", map=False)
    note = _unused(res.notes)
    listed = set(note.rsplit("：", 1)[1].split("、")) if note else set()
    assert listed == unused
    assert not (listed & used)
    if "备注" in columns:
        assert any(n.startswith("读入说明：备注列已逐条查看") for n in res.notes)


@pytest.mark.parametrize("columns, unused", [
    ({"credit_code": ["91371500MA3C5XXX1X"], "name": ["甲"], "land_area_mu": [10], "tax_wan": [100],
      "synthetic": [True], "data_note": ["样例"]}, {"synthetic", "data_note"}),
    ({"统一社会信用代码": ["91371500MA3C5XXX1X"], "企业名称": ["甲"], "用地面积(亩)": [10], "税收(万元)": [100],
      "联系人": ["张三"]}, {"联系人"}),
    ({"credit_code": ["91371500MA3C5XXX1X"], "企业名称": ["甲"], "land_area_mu": [10], "税收(万元)": [100],
      "联系人": ["张三"]}, {"联系人"}),
])
def test_efficiency_lists_only_the_columns_it_did_not_use(tmp_path, columns, unused):
    src = tmp_path / "企业.csv"
    pd.DataFrame(columns).to_csv(src, index=False, encoding="gbk")
    note = _unused(read_enterprises(src).attrs["read_notes"])
    assert set(note.rsplit("：", 1)[1].split("、")) == unused


def test_area_cells_as_clerks_type_them():
    nums, bad = area_numbers(pd.Series(["30亩", "3,000", "约30", "３０", "30", None, "30公顷"]), "mu")
    assert nums.tolist()[:2] == [30.0, 3000.0] and nums.tolist()[3:5] == [30.0, 30.0]
    assert bad.tolist() == [False, False, True, False, False, False, True]  # 30公顷 under 亩: the unit disagrees


def test_unreadable_area_is_named_and_counted(tmp_path):
    src = tmp_path / "台账.csv"
    pd.DataFrame({"宗地编号": ["Q1", "Q2", "Q3", "Q4"], "土地用途": ["工业用地"] * 4,
                  "面积/亩": ["30亩", "3,000", "约30", "３０"], "约定动工日期": ["2022-03-01"] * 4,
                  "实际动工日期": ["2022-06-01"] * 4}).to_csv(src, index=False, encoding="gbk")
    res = audit_idle(src, as_of="2025-12-31", map=False)
    f = res.frame
    assert f["area_mu"].round(6).tolist()[:2] == [30.0, 3000.0]
    assert f["area_mu"].round(6).tolist()[3] == 30.0
    assert pd.isna(f["area_mu"].tolist()[2])
    assert "面积/亩「约30」不是数字" in f["problems"].tolist()[2]
    assert "1 宗没有可用的面积" in "\n".join(res.notes)
    assert len(f) == 4  # nothing lost


def test_two_area_columns_fill_and_flag(tmp_path):
    src = tmp_path / "台账.csv"
    pd.DataFrame({"宗地编号": ["A", "B", "C", "D"], "土地用途": ["工业用地"] * 4,
                  "面积(亩)": [30, None, 30, 30], "面积(公顷)": [2, 2, None, 5],
                  "约定开工日期": ["2022-03-01"] * 4, "实际开工日期": ["2022-06-01"] * 4}).to_csv(src, index=False)
    res = audit_idle(src, as_of="2025-12-31", map=False)
    f = res.frame
    assert f["area_mu"].round(6).tolist()[:3] == [30.0, 30.0, 30.0]  # B only had 面积(公顷): 2 ha = 30 亩
    probs = f["problems"].astype(str).tolist()
    assert probs[0] == probs[1] == probs[2] == ""  # 30 亩 = 2 公顷: agree
    assert "面积(公顷)" in probs[3] and "面积(亩)" in probs[3] and "相差超过 1%" in probs[3]
    notes = "\n".join(res.notes)
    assert "有两个面积列" in notes and "面积(亩)" in notes and "面积(公顷)" in notes
    assert "面积(亩)" not in _unused(res.notes) and "面积(公顷)" not in _unused(res.notes)
    assert "以下面积列未识别" not in notes


def test_site_batch_reads_the_second_area_column(tmp_path):
    from dcf_spatial.queries.site.batch import read_batch

    src = tmp_path / "项目.csv"
    pd.DataFrame({"项目名称": ["A", "B"], "经度": [115.98, 115.98], "纬度": [36.45, 36.45], "行业": ["轴承"] * 2,
                  "面积(亩)": [None, 30], "面积(公顷)": [2, 5]}).to_csv(src, index=False)
    rows = read_batch(src)
    gdf = rows[0] if isinstance(rows, tuple) else rows
    area = pd.to_numeric(gdf["area_mu"], errors="coerce").tolist()
    assert area[0] == pytest.approx(30.0)  # only 面积(公顷) given: not 面积未知
    assert "相差超过 1%" in str(gdf["read_issue"].tolist()[1])


def test_combined_note_counts_distinct_names():
    import geopandas as gpd
    import shapely

    from dcf_spatial.queries.site.api import combined_note

    g = gpd.GeoDataFrame({"地块名称": ["DK01", "DK01", "BOW", "BIG"]}, geometry=[shapely.Point(0, 0)] * 4)
    note = combined_note(g)
    assert note.startswith("文件含 4 个地块，3 个不同名称（DK01、BOW、BIG）")
    assert "各不相同" not in note
    two = gpd.GeoDataFrame({"地块名称": ["甲", "乙"]}, geometry=[shapely.Point(0, 0)] * 2)
    assert "名称各不相同（甲、乙）" in combined_note(two)


def test_survey_txt_area_column_is_not_called_unused(tmp_path):
    from dcf_spatial.io.site import read_site

    n0, e0 = 4_035_000.0, 39_408_000.0
    head = ["[属性描述]", "坐标系=2000国家大地坐标系", "几度分带=3", "投影类型=高斯克吕格", "计量单位=米", "带号=39",
            "[地块坐标]"]
    lines = []
    for name, off in (("DK01", 0), ("DK02", 500)):
        pts = [(100, off), (100, off + 100), (0, off + 100), (0, off)]
        ring = [f"J{j + 1},1,{n0 + dn:.3f},{e0 + de:.3f}" for j, (dn, de) in enumerate(pts + pts[:1])]
        lines += [f"{len(ring)},1.0000,{name},{name},面,,工业用地,0601,@", *ring]
    src = tmp_path / "报批.txt"
    src.write_bytes(("\r\n".join(head + lines) + "\r\n").encode("gbk"))
    gdf = read_site(str(src), crs="EPSG:4527")
    notes = "\n".join(gdf.attrs.get("read_notes", []))
    assert "地块面积" in notes  # its unit is said …
    assert not any("未使用" in n and "地块面积" in n for n in gdf.attrs.get("read_notes", []))  # … and it is not unused


def test_not_started_in_the_agreed_column_and_a_future_start(tmp_path):
    """《闲置土地处置办法》第二条: idle is counted from the start date the 出让合同/划拨决定书 agreed; 未开工
    is the state of works, so typed under 约定动工日期 it is no agreement date (a bad value, named), and an
    actual start after the audit date cannot have happened by then (judged not started, and named)."""
    src = tmp_path / "台账.csv"
    pd.DataFrame({"宗地编号": ["Q5", "Q7", "Q9"], "土地用途": ["工业用地"] * 3, "面积/亩": [30, 30, 30],
                  "约定动工日期": ["未开工", "2022-03-01", "2022-03-01"],
                  "实际动工日期": ["未开工", "2030-01-01", "未开工"]}).to_csv(src, index=False, encoding="gbk")
    res = audit_idle(src, as_of="2025-12-31", map=False)
    f = res.frame
    probs = f["problems"].astype(str).tolist()
    assert "约定动工日期的值“未开工”" in probs[0]
    assert f["status"].tolist()[0] == "insufficient_data"
    assert "agreed_start" in str(f["bad_fields"].tolist()[0])
    assert "2030-01-01 晚于审计基准日 2025-12-31" in probs[1] and "第二条" in probs[1]
    assert probs[2] == ""  # 未开工 in the 实际动工 column: not yet started, no problem
    assert f["status"].tolist()[2] == "idle_reclaim"  # agreed 2022-03-01, not started by 2025-12-31: 满两年


LEDGER = """宗地号,受让单位,土地用途,面积(亩),面积(公顷),约定开工时间,实际开工时间,位置
P1,甲公司,工业用地,30,2,2022-03-01,未开工,郑家镇王屯村
P2,乙公司,工业用地,15,1,2022年3月1日,尚未动工,古楼街道
P3,丙公司,工业用地,abc,,2022-03-01,,郑家镇
P4,丁公司,工业用地,-5,0,明年,2023-01-01,郑家镇
P5,戊公司,工业用地,1e400,,2022-02-30,,郑家镇
P5,戊公司,工业用地,10,,44621,,郑家镇
P8,己公司,工业用地,10,,约定后一年,未动工,x
,,,,,,,
P10,庚公司,工业用地,10,,2022.03.01,已开工,郑家镇
"""


def test_dask_gives_the_single_engines_lines_and_reading_notes(tmp_path, cluster):
    """The breaker's ledger (QA b4 led/mk.py): a blank line, a parcel id twice, two area columns."""
    src = tmp_path / "台账.csv"
    src.write_text(LEDGER, encoding="utf-8")
    one = audit_idle(src, as_of="2025-12-31", map=False)
    many = audit_idle(src, as_of="2025-12-31", map=False, engine="dask", out=tmp_path / "d", scheduler=cluster,
                      partitions=2)
    frames = [pd.read_parquet(f) for f in many.files["parquet"]]
    dask_rows = pd.concat(frames).sort_values("row")
    assert one.frame["row"].tolist() == [2, 3, 4, 5, 6, 7, 8, 10]  # line 9 is blank: skipped, still counted
    assert dask_rows["row"].tolist() == one.frame["row"].tolist()
    by_row = one.frame.set_index("row")["problems"].astype(str)
    assert dask_rows.set_index("row")["problems"].astype(str).to_dict() == by_row.to_dict()
    reading = sorted(n for n in one.notes if n.startswith("读入说明"))
    assert sorted(n for n in many.notes if n.startswith("读入说明")) == reading
    assert any("跳过 1 个空行" in n for n in reading) and any("有两个面积列" in n for n in reading)
    assert any("原表行号" in n and "表头在第 1 行" in n for n in reading)
    assert "个输入分区（" in many.notes[0]
    whole = next(n for n in many.notes if n.startswith("完整结果"))
    assert "跨分区重复宗地代码" in whole  # P5 in both partitions: its own file, said so


def test_dask_console_prints_the_reading_notes_as_the_single_engine():
    from dcf_spatial.cli.audit import _describe_run, must_show

    notes = ["读入说明：跳过 1 个空行", "读入说明：字段 面积(亩) 按列名所注单位亩读取", "区域归属：按面积最大者"]
    lines = _describe_run({"notes": notes, "scheduler": "x", "dashboard": None, "timings": {"total": 1.0},
                           "summary_file": "s.json"}, [])
    assert "注意：读入说明：跳过 1 个空行" in lines and any("列名所注单位" in x for x in lines)
    assert not any("区域归属" in x for x in lines)
    assert [n for n in notes if must_show(n)] == notes[:2]


def test_dask_merges_count_lists_of_the_partitions(tmp_path, cluster):
    """The breaker's l2.csv (GBK, 面积/亩, 未开工 in both date columns): the 无日期 note lists each field
    once with the whole file's count, whichever partition named it."""
    src = tmp_path / "l2.csv"
    rows = [["Q1", "30亩", "2022年3月", "未开工"], ["Q2", "3,000", "20220301", "未开工"],
            ["Q3", "约30", "2022/03/01 00:00", "2023年"], ["Q4", "３０", "2022.3", "未开工"],
            ["Q5", "30", "未开工", "未开工"], ["Q6", "30", "2022-03-01", "2022-02-30"],
            ["Q7", "30", "2022-03-01", "2030-01-01"], ["Q8", "0.5", "1900-01-01", "无"]]
    pd.DataFrame([["工业用地", *r] for r in rows], columns=["土地用途", "宗地编号", "面积/亩", "约定动工日期",
                                                          "实际动工日期"]).to_csv(src, index=False, encoding="gbk")
    one = audit_idle(src, as_of="2025-12-31", map=False)
    many = audit_idle(src, as_of="2025-12-31", map=False, engine="dask", out=tmp_path / "d", scheduler=cluster,
                      partitions=2)
    reading = sorted(n for n in one.notes if n.startswith("读入说明"))
    assert sorted(n for n in many.notes if n.startswith("读入说明")) == reading
    assert any("约定动工日期 1 个" in n for n in reading)  # 1900-01-01 only: Q5's 未开工 there is a bad value
