"""A new user's project list (QA round 11: F6, F7, F13.10, F13.12), checked as they ran it:
``dcf site check --batch 项目清单.xlsx -o 核查结果.xlsx --map 核查地图.html --report 核查报告.html``.

The list is built here as theirs was: a 填表说明 sheet first, then 项目清单 with 建设地点 names, two rows with
经度/纬度 typed as text (one the right way round, one swapped), ``约30`` in 用地面积, a row with nothing but its
number and industry, and a 合计 row. What they saw, and what each test holds:

- F6: the console, the XLSX and the desk said 无法核查 2 and 非项目行 1, the HTML report's 汇总 无法核查 3 (the 合计
  row merged in) and no 非项目行: the report prints the same count;
- F7: ``--site 36.4534,115.7660`` is refused with «经纬度顺序颠倒——36.4534 只能是纬度…», the same values in a row
  were «坐标在中国境外», and the read note's 中位点 was 76.1, 76.1 (one right, one swapped): the row says what the
  single check says, with the order to type and without being exchanged on a guess, and the median is the
  right row's;
- F13.10: the note «9 行坐标缺失或不是数字，几何为空：…» listed the rows then placed by their 建设地点, and an
  empty 建设地点 was «地名无法识别»;
- F13.12: the batch map's zone names ran into each other (郑家镇工业集聚区件产业园): on the page no two names
  shown overlap (browser).

The coordinates are the shipped layers' 郑家镇工业集聚区 area (115.766, 36.4534); the store is a copy of the checkout's.
"""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from browser import needs_chromium, open_offline
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError
from dcf_spatial.io import read_site

HEADER = ["序号", "项目名称", "建设单位", "建设地点", "行业", "用地面积（亩）", "总投资（万元）", "经度", "纬度"]
ROWS = [
    [1, "年产300万套轴承", "聊城甲轴承公司", "郑家镇工业集聚区", "轴承", 50, 20000, None, None],
    [2, "农家饭店", "个体户", "郑家镇", "餐饮", 2, 100, None, None],
    [3, "汽配厂", "某汽配", None, "汽配厂", 30, 5000, "115.7660", "36.4534"],
    [4, "做轴承的", "某个体", "郑家镇王屯村", "做轴承的", "约30", 1000, None, None],
    [5, "坐标写错", "某公司", None, "轴承", 20, 1000, "36.4534", "115.7660"],   # 纬度 typed in 经度
    [6, "无地点", "某公司", None, "轴承", 20, 1000, None, None],
    ["合计", None, None, None, None, None, None, None, None],
]
SWAPPED_ROW, EMPTY_ROW = "表格第 6 行", "表格第 7 行"


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    d = tmp_path_factory.mktemp("qa11")
    store = d / "store.gpkg"
    shutil.copy(settings.checkout_store, store)
    listing = d / "项目清单.xlsx"
    with pd.ExcelWriter(listing, engine="openpyxl") as xw:
        pd.DataFrame({"说明": ["填表说明：请按项目逐行填写，建设地点写到镇街或园区。"]}).to_excel(xw, sheet_name="填表说明", index=False)
        pd.DataFrame(ROWS, columns=HEADER).to_excel(xw, sheet_name="项目清单", index=False)
    out = d / "out"
    out.mkdir()
    res = CliRunner().invoke(cli, ["--store", str(store), "site", "check", "--batch", str(listing),
                                   "-o", str(out / "核查结果.xlsx"), "--map", str(out / "核查地图.html"),
                                   "--report", str(out / "核查报告.html")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output, out


def _console_counts(output: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"^  (\S+)：(\d+) 条$", output, re.M)}


def _report_text(out) -> str:
    return re.sub(r"<[^>]+>", " ", (out / "核查报告.html").read_text(encoding="utf-8"))


def test_the_html_report_counts_as_the_console_and_the_workbook(ran):
    output, out = ran
    console = _console_counts(output)
    assert console.get("无法核查") == 2 and console.get("非项目行") == 1, output
    html = (out / "核查报告.html").read_text(encoding="utf-8")
    summary = html[html.index("<h2>汇总</h2>"):].split("<h2>", 2)[1]
    report = {k: int(v) for k, v in re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", summary)}
    assert report == console
    assert "共 7 行（其中 6 个项目、1 行非项目行），与输入相同，无一遗漏。" in summary and "共 7 行（其中 6 个项目" in output
    table = pd.read_excel(out / "核查结果.xlsx", sheet_name="核查结果", engine="openpyxl")
    assert table["结论"].value_counts().to_dict() == console
    # the 合计 row's own section says what it is, not 无法核查
    text = _report_text(out)
    assert re.search(r"表格第 8 行\s+非项目行", text), text[-800:]


def test_a_swapped_row_is_explained_as_the_single_check_explains_it(ran):
    output, out = ran
    with pytest.raises(InputError) as single:
        read_site("36.4534,115.7660")
    said = re.search(r"经纬度顺序颠倒——[^。]+", str(single.value)).group(0)
    assert said == "经纬度顺序颠倒——36.4534 只能是纬度、115.766 只能是经度"
    line = next(t for t in output.splitlines() if t.strip().startswith(SWAPPED_ROW))
    assert "无法核查" in line and said in line and "中国境外" not in line, line
    assert "经度 115.766，纬度 36.4534" in line and "未自动对调" in line, line   # the order to type, not done for them
    table = pd.read_excel(out / "核查结果.xlsx", sheet_name="核查结果", engine="openpyxl")
    row = table[table["表格行号"] == 6].iloc[0]
    assert row["结论"] == "无法核查" and said in row["无法核查的原因"]


def test_the_read_note_places_the_list_by_its_right_rows_and_counts_the_swapped_one(ran):
    output, _ = ran
    note = next(t for t in output.splitlines() if "未声明坐标系" in t)
    assert "中位点 115.76600, 36.45340" in note and "1 行经纬度顺序颠倒" in note, note
    assert "76.1" not in note
    assert f"1 行经纬度顺序颠倒（纬度写在经度的位置），未自动对调：{SWAPPED_ROW}" in output


def test_rows_placed_by_their_address_are_not_listed_as_without_a_geometry(ran):
    output, out = ran
    notes = [t for t in output.splitlines() if t.startswith("读取说明：")]
    assert not any("几何为空" in t for t in notes), notes
    placed = next(t for t in notes if "行无坐标" in t)
    assert "3 行按建设地点列中的地名定位" in placed, placed
    assert f"1 行建设地点为空（{EMPTY_ROW}），记为“位置不明”" in placed and "地名无法识别" not in placed, placed
    err = next(t for t in output.splitlines() if t.strip().startswith(EMPTY_ROW))
    assert "地址为空" in err and "找不到地名" not in err, err
    # the 数据说明 sheet and the report carry the same notes
    sheet = "\n".join(pd.read_excel(out / "核查结果.xlsx", sheet_name="数据说明", engine="openpyxl")["说明"].astype(str))
    assert placed.removeprefix("读取说明：") in sheet
    assert "几何为空" not in sheet and "几何为空" not in _report_text(out)


def test_a_coordinate_typed_as_no_number_is_still_said_when_the_row_is_placed_by_name(tmp_path):
    from dcf_spatial.queries.site.batch import read_batch

    csv = tmp_path / "清单.csv"
    csv.write_text("项目名称,行业,经度,纬度,建设地点\n甲,轴承,abc,36.45,郑家镇\n乙,轴承,,,郑家镇\n丙,轴承,115.766,36.4534,\n", encoding="utf-8")
    *_, notes, _ = read_batch(csv, store=settings.checkout_store)
    assert "1 行坐标不是数字，该行的坐标未用（有地点的按地名定位，见下）：表格第 2 行" in notes, notes
    assert not any("几何为空" in n for n in notes), notes


@pytest.mark.browser
@needs_chromium()
def test_the_batch_map_shows_no_two_names_on_top_of_each_other(ran):
    _, out = ran
    boxes = """(() => Array.from(document.querySelectorAll('.leaflet-tooltip.dcf-label'))
        .filter(e => getComputedStyle(e).visibility !== 'hidden' && e.getBoundingClientRect().width > 0)
        .map(e => { const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.top, r.right, r.bottom]; }))()"""
    rep = open_offline(out / "核查地图.html", size=(1400, 1000), evaluate={"labels": boxes})
    shown = rep.evaluated["labels"]
    assert any(t == "郑家镇工业集聚区" for t, *_ in shown), shown    # the cluster the list names keeps its name
    clashes = [(a[0], b[0]) for i, a in enumerate(shown) for b in shown[i + 1:]
               if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]
    assert clashes == [], clashes
    assert rep.page_errors == []


@pytest.mark.browser
@needs_chromium()
def test_a_parcel_placed_at_its_town_does_not_sit_on_the_towns_name(tmp_path):
    """The idle map: parcels placed by their 项目位置 (郑家镇, 道口铺街道) are drawn at the town's point, where the
    town's name was written under the marker; the name now stands clear of every marker."""
    from _ledgers import write_ledger

    ledger = write_ledger(tmp_path / "供地台账.csv", [
        ["A1", "甲公司", "郑家镇", "工业用地", "10", "2021-01-01", "", "100"],
        ["A2", "乙公司", "道口铺街道", "工业用地", "12", "2021-01-01", "2021-03-01", "100"],
    ], header=["宗地编号", "土地使用权人", "项目位置", "土地用途", "面积(亩)", "约定开工日期", "实际开工日期", "成交价格(万元)"])
    store = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, store)
    res = CliRunner().invoke(cli, ["--store", str(store), "audit", "idle", "--parcels", str(ledger),
                                   "--as-of", "2025-06-30", "-o", str(tmp_path / "idle")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    found = """(() => {
      const m = window.dcfMap, marks = [], names = [];
      m.eachLayer(l => { if (l instanceof L.CircleMarker && !(l instanceof L.Circle)) {
        const p = m.latLngToContainerPoint(l.getLatLng()), r = l.getRadius();
        marks.push([p.x - r, p.y - r, p.x + r, p.y + r]); } });
      const o = m.getContainer().getBoundingClientRect();
      document.querySelectorAll('.leaflet-tooltip.dcf-label-small').forEach(e => {
        const q = e.getBoundingClientRect();
        if (q.width && getComputedStyle(e).visibility !== 'hidden')
          names.push([e.textContent, q.left - o.left, q.top - o.top, q.right - o.left, q.bottom - o.top]); });
      return {marks, names}; })()"""
    rep = open_offline(next((tmp_path / "idle").glob("*.html")), size=(1400, 1000), evaluate={"f": found})
    marks, names = rep.evaluated["f"]["marks"], rep.evaluated["f"]["names"]
    shown = {n[0] for n in names}
    assert {"郑家镇", "道口铺街道"} <= shown, shown
    covered = [n[0] for n in names for k in marks if n[1] < k[2] and k[0] < n[3] and n[2] < k[3] and k[1] < n[4]]
    assert covered == [], covered
