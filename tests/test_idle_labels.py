"""The idle audit as a bureau reader sees it (QA round 3): each group of parcels named by the label
its parcels carry, the reason sentences whole, the 说明 sheet in the bureau's words, the progress
saying 完成 only at the end.

The labels follow 《闲置土地处置办法》（2012）: a parcel is 认定闲置 only once the 《闲置土地认定书》
of 第九条 is recorded, else 疑似; a 第八条 cause is a government act (第一款) or force majeure
(第二款). A summary row labelled 疑似… must hold no 认定 parcel, and the reverse.
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import shapely

from dcf_spatial.land import outputs
from dcf_spatial.land.idle_audit import audit_idle as audit_rows
from dcf_spatial.land.parcels import validate_parcels
from dcf_spatial.land.zones import METHOD_ZH
from test_idle_audit import X0, Y0, make_land_store, parcel_frame

AS_OF = "2025-12-31"
#: one parcel of each label: 认定/疑似 of 满两年 and 满一年 (第九条 认定书 recorded or not), and
#: 第八条第一款 (code 1: a government act) and 第二款 (code 7: force majeure)
MIXED = [
    {"agreed_start": "2020-01-01", "determination_date": "2024-06-01"},   # 认定闲置满两年
    {"agreed_start": "2020-01-01"},                                       # 疑似闲置满两年
    {"agreed_start": "2020-01-01"},                                       # 疑似闲置满两年
    {"agreed_start": "2020-01-01", "gov_cause": "1"},                     # 第八条第一款
    {"agreed_start": "2020-01-01", "gov_cause": "7"},                     # 第八条第二款
    {"agreed_start": "2024-06-01"},                                       # 疑似闲置（满一年）
    {"agreed_start": "2024-06-01", "determination_date": "2025-09-01"},   # 认定闲置（满一年）
    {"agreed_start": "2025-06-01"},                                       # 正常
]


def mixed_frame():
    gdf = parcel_frame(MIXED)
    # one parcel of an odd size: its area in 亩 has many decimals (the desk must round it)
    gdf.loc[1, "geometry"] = shapely.box(X0 + 1000, Y0, X0 + 1000 + 123.457, Y0 + 98.765)
    return gdf


def _sheet(path, name):
    ws = openpyxl.load_workbook(path, read_only=True)[name]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_status_summary_names_each_group_by_the_label_its_parcels_carry():
    r = audit_rows(validate_parcels(mixed_frame()), as_of=AS_OF)
    labels = r["status_zh"].value_counts()
    # the frame does mix them (else the test proves nothing)
    assert any(x.startswith("认定闲置满两年") for x in labels.index) and any(x.startswith("疑似闲置满两年") for x in labels.index)
    assert any("第八条第一款" in x for x in labels.index) and any("第八条第二款" in x for x in labels.index)
    rows = outputs.status_rows(outputs.status_table(r))
    shown = rows[rows["count"] > 0].set_index("status_zh")["count"]
    assert shown.to_dict() == labels.to_dict()   # every label its own row, with its own parcels
    # every status still has a row (zeros included), and each row's code is that of its parcels
    assert set(rows["status"]) >= {"idle", "idle_reclaim", "excused", "normal", "extended"}
    for row in rows[rows["count"] > 0].itertuples():
        assert set(r.loc[r["status_zh"] == row.status_zh, "status"]) == {row.status}
    # partitions' tables add up to the same rows (the dask engine sums them)
    halves = pd.concat([outputs.status_table(r.iloc[:4]), outputs.status_table(r.iloc[4:])]).groupby(level=0).sum()
    assert outputs.status_rows(halves).equals(rows)


def test_reclaim_reason_reads_as_one_clause_at_one_year():
    r = audit_rows(validate_parcels(parcel_frame([{"agreed_start": "2020-01-01", "land_price_wan": 1000.0}])),
                   as_of=AS_OF).iloc[0]
    assert r["status"] == "idle_reclaim"
    # “满一年时” is followed by what is due at one year (第十四条第（一）项), not by a stray “；”
    assert "满一年时；" not in r["reason_zh"] and "；；" not in r["reason_zh"]
    assert "满一年时如经认定，依第十四条第（一）项按土地价款" in r["reason_zh"]


def test_workbook_summaries_legends_and_notes(tmp_path):
    from dcf_spatial.land import audit_idle

    store = make_land_store(tmp_path / "store.gpkg")
    res = audit_idle(mixed_frame(), out=tmp_path / "out", as_of=AS_OF, store=store, map=False)
    frame = res.frame
    xlsx = res.files["excel"]
    status = _sheet(xlsx, "汇总_按状态")
    header, body = status[1], status[2:-1]
    got = {row[header.index("审计结论")]: row[header.index("宗地数")] for row in body if row[header.index("宗地数")]}
    assert got == frame["status_zh"].value_counts().to_dict()
    # the zone tables count 认定 and 疑似 together under one column: its header says so
    towns = _sheet(xlsx, "汇总_按镇街")[1]
    assert "疑似闲置满两年（未动工开发）" not in towns and any("疑似及认定" in str(h) for h in towns)
    # the list carries the assignment method the 说明 sheet points to, in Chinese
    listing = _sheet(xlsx, "宗地清单")
    assert "镇街归属方式" in listing[1]
    col = listing[1].index("镇街归属方式")
    assert {row[col] for row in listing[2:]} <= set(METHOD_ZH.values())
    notes = "\n".join(str(r[0]) for r in _sheet(xlsx, "说明")[1:])
    assert "“镇街归属方式”" in notes


def test_layer_source_in_chinese_keeping_its_provenance():
    line = outputs.layers_note([{"layer_id": "townships", "title_zh": "镇（街道）", "provenance": "schematic",
                                 "source": "layers/build_layers.py from layers/sources (schematic, reference)"}])[0]
    assert " from " not in line and "(schematic" not in line
    assert "layers/build_layers.py" in line and "layers/sources" in line and "示意" in line and "参考数据" in line


def test_progress_says_done_only_after_the_files_are_written(tmp_path, capsys):
    from dcf_spatial.land import audit_idle

    store = make_land_store(tmp_path / "store.gpkg")
    audit_idle(mixed_frame(), out=tmp_path / "out", as_of=AS_OF, store=store, map=False, progress=True)
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("闲置土地审计")]
    writing = [i for i, x in enumerate(lines) if "写出结果" in x]
    done = [i for i, x in enumerate(lines) if "完成" in x]
    assert writing and done and done == [len(lines) - 1] and writing[0] < done[0]


def test_cli_lines_name_each_group_by_the_label_its_parcels_carry(tmp_path):
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    store = make_land_store(tmp_path / "store.gpkg")
    mixed_frame().to_file(tmp_path / "p.gpkg", layer="parcels")
    res = CliRunner().invoke(cli, ["--store", str(store), "audit", "idle", "--parcels", str(tmp_path / "p.gpkg"),
                                   "--as-of", AS_OF, "-o", str(tmp_path / "out"), "--no-map"])
    assert res.exit_code == 0, res.output
    counts = {}
    for line in res.output.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[2] == "宗" and parts[-1] == "亩":
            counts[parts[0]] = int(parts[1].replace(",", ""))
    carried = audit_rows(validate_parcels(mixed_frame()), as_of=AS_OF)["status_zh"].value_counts().to_dict()
    assert counts == carried
