"""A recorded check given no verdict (无法核查) carries repair advice naming the store's kept layer versions; run
again from its recorded versions after the layer was reset and re-imported, ``dcf site history show`` said
«与登记时有 1 处不同：判定理由第 1 条（文字）» for that advice alone, and the reproduced advice claimed the store kept
no earlier version of the layer (breaker B31-7). The reproduction compares the verdict and the substance of its
reasons, says «不同» only when they differ, and its advice names the versions the store really keeps."""

from __future__ import annotations

import json
import shutil
import sqlite3

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial import settings
from dcf_spatial.cli.main import cli
from dcf_spatial.register import show
from dcf_spatial.store.api import Store

#: 郑家镇工业集聚区 (the breaker's site A): outside both townships of the imported file, in the district
SITE, INDUSTRY = "115.75,36.455", "轴承"
FIELDS = {"id": "XZQDM", "name_zh": "XZQMC"}
NO_EARLIER_TOWNSHIPS = "没有该图层更早的版本：用 dcf layers reset townships"


@pytest.fixture()
def recorded(tmp_path):
    """A copy of the shipped store whose townships were replaced by a file of two townships far from SITE
    (the district is mostly uncovered), and a check at SITE recorded then: 无法核查, advising a reset to version 1."""
    store = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, store)
    two = gpd.GeoDataFrame({"XZQDM": ["371502100", "371502101"], "XZQMC": ["郑家镇", "堂邑镇"]},
                           geometry=[shapely.box(115.9, 36.4, 116.0, 36.5), shapely.box(115.7, 36.3, 115.8, 36.4)],
                           crs=4490)
    two.to_file(tmp_path / "乡镇界线.gpkg")
    Store(store).import_layer("townships", tmp_path / "乡镇界线.gpkg", provenance="authoritative", field_map=FIELDS)
    check = dcf.check_site(SITE, INDUSTRY, store=store, record="覆盖缺口")
    first = check.results[0]["reasons"][0]["text_zh"]
    assert check.results[0]["verdict"] is None and "恢复到保留的第 1 版" in first, first
    return store, tmp_path / "乡镇界线.gpkg", check.register_ids[0]


def _advice(text: str) -> str:
    return text[text.index("处理："):]


def test_a_check_reproduced_after_the_layer_was_reset_and_reimported_is_said_identical(recorded):
    store, file, rid = recorded
    Store(store).reset("townships")                      # back to version 1 …
    Store(store).import_layer("townships", file, provenance="authoritative", field_map=FIELDS)   # … and again: v3, v1 kept
    shown = CliRunner().invoke(cli, ["--store", str(store), "site", "history", "show", str(rid)])
    assert shown.exit_code == 0, shown.output
    head = shown.output.splitlines()[0]
    assert "完全一致" in head and "不同" not in head, head
    # the advice printed is true of the store: version 1 is kept (it was «no earlier version of the layer»)
    advice = _advice(shown.output)
    assert NO_EARLIER_TOWNSHIPS not in advice and "dcf layers reset townships 恢复到保留的第 1 版" in advice, advice


def test_the_reproduced_advice_names_the_version_kept_now_and_a_change_of_substance_is_still_said(recorded):
    store, file, rid = recorded
    Store(store).import_layer("townships", file, provenance="authoritative", field_map=FIELDS)   # v3; v2 kept now
    again = show(rid, store=store)
    assert again.identical and again.differences == [], again.differences
    assert "恢复到保留的第 2 版" in _advice(again.reproduced["reasons"][0]["text_zh"])
    # what the reason says of the layers (not its advice) is compared: changed in the register, it is said
    with sqlite3.connect(store) as con:
        (result,) = con.execute("SELECT result FROM dcf_register WHERE id = ?", (rid,)).fetchone()
        data = json.loads(result)
        data["reasons"][0]["text_zh"] = data["reasons"][0]["text_zh"].replace("km²", "公顷", 1)
        con.execute("UPDATE dcf_register SET result = ? WHERE id = ?", (json.dumps(data, ensure_ascii=False), rid))
    changed = show(rid, store=store)
    assert not changed.identical and "判定理由第 1 条（文字）" in changed.summary_text().splitlines()[0]
