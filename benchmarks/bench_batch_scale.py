"""A very large site batch in bounded memory (issue 13, goal 3): wall time and peak memory.

    python benchmarks/bench_batch_scale.py [--sizes 100000,1000000] [--output csv|gpkg]

For each size N, a CSV of N site rows (合成数据: points drawn uniformly over the district's bounding
box, so some fall outside the plan's zones; a cycle of six industries, some with a 用地面积 that
grows the point into a disc, and one row in 50 without coordinates or with an unreadable area,
which must come back 无法核查, never dropped) is checked by
:func:`dcf_spatial.queries.check_batch_to_file` in a fresh child process, measuring wall time and
peak resident memory (psutil, the whole process tree). The output's row count is checked against
the input's. The zone layers are the shipped store's (示意).
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


def child_batch(path: str, out: str) -> dict:
    from dcf_spatial.queries import check_batch_to_file

    t0 = time.perf_counter()
    run = check_batch_to_file(path, out, overwrite=True)
    total = time.perf_counter() - t0
    if out.endswith(".csv"):
        with open(out, encoding="utf-8-sig", newline="") as fh:
            written = sum(1 for _ in csv.reader(fh)) - 1
    else:
        import pyogrio

        written = pyogrio.read_info(out)["features"]
    return {"rows": run.rows, "written": written, "total": total, "cpu": time.process_time(), "failed": run.failed,
            "verdicts": run.verdicts}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--output", default="csv", choices=("csv", "gpkg"))
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
            r = run_child(__file__, ["--child", "batch", str(src), str(tmp / f"out_{n}.{args.output}")])
            assert r["rows"] == r["written"] == n, (r["rows"], r["written"], n)
            rows.append((n, r))
            print(f"[{n:,}] {r['wall']:.0f} s, peak {r['peak_gb']:.2f} GB", file=sys.stderr)
    load = os.getloadavg()
    print(f"\n选址批量核查规模基准 site batch at scale (合成数据, layers 示意; load average "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores)")
    print("| rows | output | wall | CPU (whole process) | peak memory | rows written | 无法核查 |")
    print("|---|---|---|---|---|---|---|")
    for n, r in rows:
        cpu = f"{r['cpu']:.0f} s" if "cpu" in r else "–"
        print(f"| {n:,} | .{args.output} | {r['wall']:.0f} s | {cpu} | {r['peak_gb']:.2f} GB | {r['written']:,} "
              f"| {r['failed']:,} |")


if __name__ == "__main__":
    main()
