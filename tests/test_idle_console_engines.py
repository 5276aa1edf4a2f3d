"""``dcf audit idle`` prints the same summary lines on both engines for the same ledger (leftover11): the
dask engine's console said neither 面积不明 nor 地名冲突, and read a fee total of 0.00 万元 where the land
price was missing. Written from the single engine's console (tests/test_tables_qa9.py, sections 4 and 5) and
《闲置土地处置办法》第十四条第（一）项 (the fee is 20 % of the land price: none given, the amount 待核定)."""

from __future__ import annotations

from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli

from _ledgers import write_ledger

HEADER = ["宗地编号", "坐落", "土地用途", "面积(亩)", "约定开工日期", "实际开工日期"]
#: not started a year and a half after the agreed start: 第十四条第（一）项's fee (a 满两年 parcel is reclaimed
#: under 第十四条第（二）项, with no fee in the total)
ROWS = [["DCF-1", "郑家镇闫寺街道", "工业用地", "10", "2024-06-01", ""],   # two townships: 地名冲突, 位置不明
        ["DCF-2", "郑家镇", "工业用地", "", "2024-06-01", ""],            # no area: 面积不明
        ["DCF-3", "沙镇镇", "工业用地", "12", "2024-06-01", ""],
        ["DCF-3", "沙镇镇", "工业用地", "12", "2024-06-01", ""],          # the same parcel again: counted once
        ["合计", "", "", "34", "", ""]]                                  # the clerk's total: no parcel


def _console(args):
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    body = lines[1:lines.index("输出：")]
    counts = [x for x in body if x.startswith("  ") and not x.startswith("  重复宗地代码")]
    # the dask engine points at its summary file in the schematic-layer note
    notes = sorted(x.replace("（详见汇总文件的说明）", "") for x in body if x.startswith("注意："))
    return counts, notes


def test_both_engines_print_the_same_summary_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "store", settings.store)
    ledger = write_ledger(tmp_path / "台账.csv", ROWS, header=HEADER)
    common = ["audit", "idle", "--parcels", str(ledger), "--as-of", "2025-12-31", "--no-map"]
    single = _console(common + ["-o", str(tmp_path / "single")])
    dask = _console(common + ["-o", str(tmp_path / "dask"), "--engine", "dask", "--partitions", "2"])
    assert dask == single
    counts = "\n".join(single[0])
    assert "（另 1 宗面积不明）" in counts and "（其中地名冲突 1 宗" in counts and "位置不明 1 宗" in counts
    assert "非宗地行（合计/表尾） 1 行" in counts and "有 1 条为同一宗地的重复记录" in counts
    assert "土地闲置费合计 待核定（3 宗缺少土地价款）" in counts and "0.00 万元" not in counts


def test_a_partition_left_with_only_the_total_row_is_audited(tmp_path, monkeypatch):
    """The repeated DCF-3 rows go to the dask engine's partition of duplicates, leaving the 合计 row alone in its
    partition with an empty 土地用途: the field is there (no 缺少字段 land_use_code), the row is 非宗地行. A ledger
    whose 土地用途 are all blank is 数据不足 row by row, on both engines."""
    monkeypatch.setattr(settings, "store", settings.store)
    ledger = write_ledger(tmp_path / "台账.csv", ROWS[2:], header=HEADER)
    common = ["audit", "idle", "--parcels", str(ledger), "--as-of", "2025-12-31", "--no-map"]
    assert _console(common + ["-o", str(tmp_path / "d"), "--engine", "dask", "--partitions", "1"]) == _console(
        common + ["-o", str(tmp_path / "s")])
    blank = write_ledger(tmp_path / "blank.csv", [["A", "郑家镇", "", "10", "2019-01-01", ""]], header=HEADER)
    counts, _ = _console(["audit", "idle", "--parcels", str(blank), "--as-of", "2025-12-31", "--no-map",
                          "-o", str(tmp_path / "b")])
    assert any(x.split()[0] == "数据不足" and "1 宗" in x for x in counts)
