"""A very large site batch in bounded memory (issue 13, goals 3 and 4): wall, CPU, peak memory, progress.

    python benchmarks/bench_batch_scale.py [--sizes 10000,1000000] [--output csv|xlsx|gpkg]

For each size N, a CSV of N site rows (合成数据: points drawn uniformly over the district's bounding
box, so some fall outside the plan's zones; a cycle of six industries, some with a 用地面积 that
grows the point into a disc, and one row in 50 without coordinates or with an unreadable area,
which must come back 无法核查, never dropped) is checked by
:func:`dcf_spatial.queries.check_batch_to_file` in a fresh child process, measuring wall time and
peak resident memory (psutil, the whole process tree). The output's row count is checked against
the input's (an .xlsx's rows are counted over all its 核查结果 sheets, streaming the sheets' XML). The
progress the child writes (``progress=True``, stderr a log file, not a terminal) is checked to be plain
lines, no ``\r``. CPU per row is printed beside each size so that the sizes compare in the same run. The
zone layers are the shipped store's (示意).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

from _measure import run_child  # benchmarks/ is on sys.path when run as a script

INDUSTRIES = ("轴承", "新能源汽车", "钢管", "蔬菜加工", "养老", "水泥")


def make_csv(n: int, path: Path, seed: int = 7) -> None:
    """``n`` site rows as a CSV (经度, 纬度, 行业, 用地面积（亩）, 项目名称), written in slices."""
    import numpy as np

    import geopandas as gpd
    import shapely

    from dcf_spatial import crs, settings
    from dcf_spatial.store import layer

    district = layer("district")
    x1, y1, x2, y2 = crs.to_working(district).total_bounds
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["项目名称", "经度", "纬度", "行业", "用地面积（亩）"])
        step = 200_000
        for start in range(0, n, step):
            k = min(step, n - start)
            pts = gpd.GeoSeries(shapely.points(rng.uniform(x1, x2, k), rng.uniform(y1, y2, k)),
                                crs=settings.working_crs).to_crs(settings.storage_crs)
            lon, lat = pts.x.to_numpy(), pts.y.to_numpy()
            area = rng.choice([np.nan, 20.0, 50.0, 120.0], size=k)
            for i in range(k):
                j = start + i
                if j % 50 == 7:  # no coordinates: kept, 无法核查
                    row = [f"项目{j}", "", "", INDUSTRIES[j % 6], ""]
                elif j % 50 == 19:  # an unreadable area: kept, 无法核查 with the reason
                    row = [f"项目{j}", f"{lon[i]:.6f}", f"{lat[i]:.6f}", INDUSTRIES[j % 6], "约五十亩"]
                else:
                    row = [f"项目{j}", f"{lon[i]:.6f}", f"{lat[i]:.6f}", INDUSTRIES[j % 6],
                           "" if np.isnan(area[i]) else f"{area[i]:g}"]
                w.writerow(row)


def xlsx_rows(path: str) -> int:
    """Data rows in the 核查结果 sheets of an .xlsx, counted by streaming each sheet's XML (constant memory)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode("utf-8")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
        targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
        total = 0
        for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', book):
            if not name.startswith("核查结果"):
                continue
            member = "xl/" + targets[rid].lstrip("/").removeprefix("xl/")
            rows, tail = 0, b""
            with z.open(member) as fh:
                while block := fh.read(1 << 20):
                    buf = tail + block
                    rows += buf.count(b"<row ") + buf.count(b"<row>")
                    tail = buf[-5:]
                    rows -= tail.count(b"<row ") + tail.count(b"<row>")  # counted again with the next block
            rows += tail.count(b"<row ") + tail.count(b"<row>")
            total += rows - 1  # the header row
    return total


def child_batch(path: str, out: str, log: str) -> dict:
    from dcf_spatial.queries import check_batch_to_file

    t0 = time.perf_counter()
    with open(log, "w", encoding="utf-8") as fh:  # progress as a log sees it (not a terminal)
        stderr, sys.stderr = sys.stderr, fh
        try:
            run = check_batch_to_file(path, out, overwrite=True, progress=True)
        finally:
            sys.stderr = stderr
    total = time.perf_counter() - t0
    cpu = time.process_time()
    if out.endswith(".csv"):
        with open(out, encoding="utf-8-sig", newline="") as fh:
            written = sum(1 for _ in csv.reader(fh)) - 1
    elif out.endswith(".xlsx"):
        written = None  # counted by the parent: reading the workbook is not part of the batch
    else:
        import pyogrio

        written = pyogrio.read_info(out)["features"]
    return {"rows": run.rows, "written": written, "total": total, "cpu": cpu, "failed": run.failed,
            "verdicts": run.verdicts, "sheets": run.sheets}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,1000000")
    ap.add_argument("--output", default="csv", choices=("csv", "xlsx", "gpkg"))
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        import json

        print(json.dumps(child_batch(*args.child[1:]), ensure_ascii=False, default=float))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in (int(s) for s in args.sizes.split(",")):
            src = tmp / f"sites_{n}.csv"
            t = time.perf_counter()
            make_csv(n, src)
            print(f"[{n:,}] input written in {time.perf_counter() - t:.0f} s", file=sys.stderr)
            out, log = tmp / f"out_{n}.{args.output}", tmp / f"progress_{n}.log"
            before = os.getloadavg()[0]
            r = run_child(__file__, ["--child", "batch", str(src), str(out), str(log)])
            r["load"] = (before, os.getloadavg()[0])
            if args.output == "xlsx":
                r["written"] = xlsx_rows(str(out))
            assert r["rows"] == r["written"] == n, (r["rows"], r["written"], n)
            text = log.read_text(encoding="utf-8")
            r["progress_lines"], r["progress_cr"] = len(text.splitlines()), text.count("\r")
            assert r["progress_cr"] == 0 and r["progress_lines"] >= 1, text[:500]
            rows.append((n, r))
            print(f"[{n:,}] {r['wall']:.0f} s, peak {r['peak_gb']:.2f} GB; progress: {r['progress_lines']} lines, "
                  f"last: {text.splitlines()[-1]}", file=sys.stderr)
    print(f"\n选址批量核查规模基准 site batch at scale (合成数据, layers 示意; {os.cpu_count()} cores; "
          f"{time.strftime('%Y-%m-%d %H:%M')})")
    print("| rows | output | wall | CPU (whole process) | CPU per 1,000 rows | load (start→end) | peak memory "
          "| rows written | sheets | 无法核查 | progress lines (no \\r) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n, r in rows:
        sheets = "、".join(r.get("sheets") or []) or "–"
        print(f"| {n:,} | .{args.output} | {r['wall']:.0f} s | {r['cpu']:.0f} s | {1000 * r['cpu'] / n:.2f} s "
              f"| {r['load'][0]:.1f}→{r['load'][1]:.1f} | {r['peak_gb']:.2f} GB | {r['written']:,} | {sheets} "
              f"| {r['failed']:,} | {r['progress_lines']} |")
    if len(rows) > 1:
        (n0, a), (n1, b) = rows[0], rows[-1]
        print(f"CPU per row, {n1:,} ÷ {n0:,}: {(b['cpu'] / n1) / (a['cpu'] / n0):.2f}× (1.0 = linear; the "
              f"smaller batch carries more of the fixed start-up)")


if __name__ == "__main__":
    main()
