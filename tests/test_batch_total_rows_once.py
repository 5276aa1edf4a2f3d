"""A batch's 合计 rows and footers are found once, before rows are placed by name, and the results'
``not_project`` comes from that finding (the column ``not_project`` of the sites), never from the wording of
the message.

Two rows that were wrong before (found in the clean-up that made it one pass):

- a 合计 row whose 建设地点 cell holds “/” (a clerk's “not applicable”) was 非项目行 in the results but counted
  as 位置不明 in the note on placing rows by name, and as a row without industry in the note on the default
  industry;
- a 小计 row under a town's projects, its 建设地点 naming the town, was placed at the town and, with a default
  industry, checked and counted as a project.

The projects are synthetic, at the shipped layers' 郑家镇工业集聚区 (115.75, 36.455); 沙镇镇 and 郑家镇 are
townships of 第一章第一节.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely import Point

from dcf_spatial import settings
from dcf_spatial.queries import check_batch, check_site
from dcf_spatial.queries.site.check import NOT_PROJECT_COLUMN, NOT_PROJECT_PREFIX, site_results

HEADER = ["序号", "项目名称", "所属行业", "经度", "纬度", "建设地点", "用地面积(亩)"]
ROWS = [
    [1, "精密轴承项目", "轴承", 115.75, 36.455, None, 50],
    [2, "冷链物流中心", "冷库", None, None, "沙镇镇", 30],
    [None, "合计", None, None, None, "/", 80],            # the 建设地点 cell says “not applicable”
    [None, "小计", None, None, None, "郑家镇", 80],         # a town's subtotal, its 建设地点 the town
    [None, "制表人：张三", None, None, None, None, None],
]


@pytest.fixture()
def shipped_store(monkeypatch):
    monkeypatch.delenv("DCF_STORE", raising=False)
    monkeypatch.setattr(settings, "store", settings.default_store)


def _list(tmp_path, rows=ROWS, header=HEADER):
    path = tmp_path / "项目清单.csv"
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding="utf-8-sig")
    return path


@pytest.mark.parametrize("industry", [None, "餐饮"])
def test_every_total_row_and_footer_is_no_project_whatever_its_place_cell_holds(shipped_store, tmp_path, industry):
    answer = check_batch(str(_list(tmp_path)), industry)
    flagged = [r["row_label"] for r in answer.results if r.get("not_project")]
    assert flagged == ["表格第 4 行", "表格第 5 行", "表格第 6 行"]
    assert [r["status"] for r in answer.results[:2]] == ["ok", "ok"]
    for r in answer.results[2:]:
        assert r["status"] == "error" and r["error"].startswith(NOT_PROJECT_PREFIX)
    assert "“项目名称”列为“小计”" in answer.results[3]["error"]
    notes = "\n".join(answer.notes)
    assert "4 行无坐标（其中 3 行为合计行或表尾，不是项目，不定位）" in notes
    assert "地名无法识别" not in notes and "位置不明" not in notes   # the 合计 row with “/” is not 位置不明
    assert "行业为空" not in notes                 # no project row lacks an industry
    assert "共 5 行（其中 2 个项目、3 行非项目行），与输入相同，无一遗漏。" in answer.summary_text()


def test_the_marking_column_is_not_written_as_a_column_of_the_file(shipped_store, tmp_path):
    answer = check_batch(str(_list(tmp_path)), "餐饮")
    assert answer.sites[NOT_PROJECT_COLUMN].tolist() == [False, False, True, True, True]
    out = answer.to_table(tmp_path / "结果.csv")
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert NOT_PROJECT_COLUMN not in table.columns
    assert table["结论"].tolist()[2:] == ["非项目行"] * 3


def test_a_column_of_the_file_named_like_the_mark_is_kept_and_marks_nothing(shipped_store, tmp_path):
    rows = [r + [flag] for r, flag in zip(ROWS[:2], ["yes", "yes"])]
    answer = check_batch(str(_list(tmp_path, rows, HEADER + [NOT_PROJECT_COLUMN])), None)
    assert not any(r.get("not_project") for r in answer.results)
    table = pd.read_csv(answer.to_table(tmp_path / "结果.csv"), encoding="utf-8-sig")
    assert table[NOT_PROJECT_COLUMN].tolist() == ["yes", "yes"]


def test_not_project_comes_from_the_mark_not_from_the_message(shipped_store):
    sites = gpd.GeoDataFrame({"name": ["甲", "乙"]}, geometry=[None, None], crs=settings.storage_crs)
    typed = f"{NOT_PROJECT_PREFIX}：一段碰巧这样开头的说明。"
    plain = site_results(sites, [None, None], errors=[typed, typed])
    assert not any(r.get("not_project") for r in plain)
    sites[NOT_PROJECT_COLUMN] = [True, False]
    marked = site_results(sites, [None, None], errors=["合计行。", typed])
    assert [r.get("not_project", False) for r in marked] == [True, False]


def test_a_geodataframe_with_a_total_row_counts_it_apart(shipped_store):
    frame = gpd.GeoDataFrame({"项目名称": ["轴承项目", "合计"], "industry": ["轴承", None]},
                             geometry=[Point(115.75, 36.455), None], crs=settings.storage_crs)
    answer = check_site(frame, None)
    assert [r.get("not_project", False) for r in answer.results] == [False, True]
    assert answer.results[1]["error"].startswith(NOT_PROJECT_PREFIX)
