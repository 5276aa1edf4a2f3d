"""What a user reads after a layer was emptied outside dcf, and other messages (issue 12 leftovers, findings d and e).

d) ``dcf site recheck`` on a store whose cluster layer was emptied said "图层 … 已更新 … 现为第 1 版" and listed a
   verdict change 不符合 → 无法核查, as if an updated verdict had been made. README: a check whose layer is missing
   or empty gives no verdict (无法核查), its first reason naming the layer and the fix; a re-check must say the
   same — it could not be made, why, and the fix — and count no changed verdict.
e) the data note joined two sentences without a full stop ("…服务业特色小镇注意：…"); a batch row without
   coordinates whose place names could not be checked (the store's layer empty) said 「无须改名」 and then
   「请补坐标，或写明所在镇街/集聚区/园区」; ``dcf site history show`` listed its differences as raw keys
   (``provenance.note_zh``); the idle audit printed "位置不明 0 宗".
"""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from dcf_spatial.cli.main import cli

from test_gpkg_outside_edits import CLUSTERS_ZH, _copy, _outside

#: 轴承 (C3451) in 郑家镇工业集聚区: 第八章第一节 lists 轴承 among its industries
SITE, INDUSTRY = "115.75,36.455", "轴承"
EMPTY_CLUSTERS = "DELETE FROM industrial_clusters;"


def _run(store, *args) -> str:
    res = CliRunner().invoke(cli, ["--store", str(store), *args])
    assert res.exit_code == 0, res.output
    return res.stdout


def _record(store) -> None:
    _run(store, "site", "check", "--site", SITE, "--industry", INDUSTRY, "--area-mu", "50", "--record",
         "--project", "某轴承项目")


def test_a_recheck_on_an_emptied_layer_says_it_could_not_check_not_that_the_verdict_changed(tmp_path):
    store = _copy(tmp_path)
    _record(store)
    _outside(store, EMPTY_CLUSTERS)
    text = _run(store, "site", "recheck")
    # no updated layer, no changed verdict: the check could not be made, why, and the way out
    assert "已更新" not in text and "结论改变 0 条" in text, text
    assert "1 条无法核查" in text and "登记时的结论为符合，现在无法核查" in text, text
    assert f"图层{CLUSTERS_ZH}：该图层为空（0 个要素）" in text and "图层 industrial_clusters 现为空（0 个要素）" in text
    assert "dcf layers reset industrial_clusters --to-default" in text and "修复后请重新核查" in text
    assert "以下其余理由" not in text   # the recheck lists no other reason after it
    answer = json.loads(_run(store, "site", "recheck", "--json"))
    assert answer["flipped"] == [] and list(answer["unchecked"]) == ["1"]
    assert [c["结论是否改变"] for c in answer["checks"]] == [False] and answer["checks"][0]["现结论"] == "无法核查"
    # one line of the change list, no zone left or share changed "because the layer was updated"
    assert [c["变化"] for c in answer["changes"]] == ["无法核查"]


def test_the_data_note_ends_each_sentence_with_one_full_stop(tmp_path):
    store = _copy(tmp_path)
    _run(store, "site", "check", "--site", SITE, "--industry", INDUSTRY)   # the store's edit triggers in place
    _outside(store, EMPTY_CLUSTERS)
    answer = json.loads(_run(store, "site", "check", "--site", SITE, "--industry", INDUSTRY, "--json"))
    note = answer["provenance"]["note_zh"]
    assert note.count("注意：") == 2, note   # the layer edited outside dcf, and the layer empty
    assert re.findall(r"(.)注意：", note) == ["。", "。"], note
    assert "。。" not in note


def test_a_row_whose_names_could_not_be_checked_gets_one_instruction(tmp_path):
    """The store lacks the names (its cluster layer empty): the row is right as written (「无须改名」), so it is not
    also told to write its place another way; its one instruction is the store's fix, or coordinates."""
    import pandas as pd

    store = _copy(tmp_path)
    _outside(store, EMPTY_CLUSTERS)
    table = tmp_path / "项目清单.csv"
    table.write_text("项目名称,行业,建设地点\n甲项目,轴承,郑家镇工业集聚区\n", encoding="utf-8")
    _run(store, "site", "check", "--batch", str(table), "-o", str(tmp_path / "结果.csv"))
    why = pd.read_csv(tmp_path / "结果.csv")["无法核查的原因"].iloc[0]
    assert "无须改名" in why and "dcf layers reset industrial_clusters --to-default" in why, why
    assert "写明所在镇街" not in why and why.endswith("修复图层库后重新运行，或在本行补上坐标。"), why
    assert why.count("。请") == 0, why


def test_history_show_names_its_differences_as_the_report_heads_them(tmp_path):
    """A check recorded on a layer edited outside dcf is reproduced from the recorded versions without that edit's
    note: the differences are said by the report's headings (数据说明), not by keys (provenance.note_zh)."""
    store = _copy(tmp_path)
    _run(store, "site", "check", "--site", SITE, "--industry", INDUSTRY)   # the store's edit triggers in place
    _outside(store, "DELETE FROM industrial_clusters WHERE id = 'cluster.jiaming';")
    _record(store)
    head = _run(store, "site", "history", "show", "1").splitlines()[0]
    assert "处不同：" in head and "数据说明" in head, head
    said = head.split("处不同：", 1)[1]
    assert not re.search(r"[A-Za-z_]{3,}", said.replace("dcf", "")), head   # no provenance.edited_outside, note_zh …


def test_the_idle_audit_says_no_zero_unknown_place(tmp_path, monkeypatch):
    """Every parcel of the ledger placed by its 坐落: the console and the workbook's 说明 say how many were placed by
    name, and no "位置不明 0 宗"; the status table keeps its real zeros (汇总_按状态)."""
    import openpyxl

    from dcf_spatial import settings

    from _ledgers import write_ledger
    from test_idle_console_engines import HEADER

    monkeypatch.setattr(settings, "store", settings.store)
    ledger = write_ledger(tmp_path / "台账.csv", [["A1", "郑家镇", "工业用地", "10", "2024-06-01", ""],
                                                ["A2", "沙镇镇", "工业用地", "12", "2024-06-01", ""]], header=HEADER)
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(ledger), "--as-of", "2025-12-31", "--no-map",
                                   "-o", str(tmp_path / "out")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "按项目位置中的地名定位 2 宗（均已审计）" in res.stdout, res.stdout
    assert "位置不明 0" not in res.stdout and "需核实补正的记录 0 条\n" in res.stdout, res.stdout
    book = openpyxl.load_workbook(tmp_path / "out" / "idle_audit.xlsx")
    notes = [c for row in book["说明"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(n.startswith("2 宗无坐标、按项目位置中的地名定位") for n in notes)
    assert not any("0 宗位置不明" in n for n in notes)
    statuses = {r[1]: r[2] for r in book["汇总_按状态"].iter_rows(values_only=True) if r[1]}
    assert statuses["normal"] == 0 and statuses["idle"] == 2   # a zero that answers the question stays


def test_the_python_import_asks_for_the_provenance(tiny_store, tmp_path):
    """g) ``import_layer`` labelled a file without a provenance 权威 unasked, while the CLI requires --provenance:
    a ValueError naming the argument and its values (权威/参考/示意), nothing written; a Chinese word is accepted."""
    import pytest

    import dcf_spatial as dcf
    from dcf_spatial.store import catalog

    from test_catalog import _bureau_file

    path = _bureau_file(tmp_path)   # a bureau file: no provenance field
    fields = {"id": "XZQDM", "name_zh": "XZQMC"}
    calls = (lambda **kw: catalog.import_layer("townships", path, field_map=fields, **kw),
             lambda **kw: dcf.Store(tiny_store).import_layer("townships", path, field_map=fields, **kw))
    for call in calls:
        with pytest.raises(ValueError) as asked:
            call()
        assert "provenance" in str(asked.value) and all(w in str(asked.value) for w in ("权威", "参考", "示意"))
        with pytest.raises(ValueError, match="provenance='官方'") as wrong:
            call(provenance="官方")
        assert all(w in str(wrong.value) for w in ("权威", "参考", "示意"))
    assert catalog.describe_layer("townships")["version"] == 1   # nothing imported
    assert set(catalog.read_layer("townships")["provenance"]) == {"schematic"}
    assert calls[1](provenance="参考")["provenance"] == "reference"
    assert set(catalog.read_layer("townships")["provenance"]) == {"reference"}

