"""Benchmark: the 亩产效益 (efficiency) and idle audits, single process vs dask on a LocalCluster, and dask's scaling.

Synthetic parcels (合成数据: the seeded sample district, ``--base`` parcels tiled to N rows with renumbered
ids, written as ``--rows-per-file`` GeoParquet files) and their synthetic enterprises. Each run is a
fresh child process; measured: wall time, CPU seconds of the whole process tree (dask workers included),
peak memory of the tree, of its largest process and of the largest dask worker, and the load average.

1. For each audit of ``--audits`` (亩产效益 ``efficiency``, 闲置土地 ``idle``) and each size up to
   ``--single-max``: single and dask, ``--repeat`` times, interleaved (single, dask, then dask, single …),
   same data, same outputs (workbook + complete parcel list, no map): the ratio single ÷ dask of wall
   and of CPU per pair, and their medians. The single process reads the GeoParquet folder and runs
   ``audit_efficiency`` / ``audit_idle`` on the frame; dask runs the same call with ``engine="dask"``
   on the folder.
2. Above ``--single-max`` (5,000,000 by default): dask only — the single process is not run there.
3. Per partition, after each dask run, from dask's own task stream and the workers' CPU
   (:class:`dcf_spatial.land.dask.cluster.TaskClock`): each step's partitions, compute and CPU seconds per partition, the client's
   own seconds, and what ``--cores`` workers would take: client + Σ steps ⌈partitions ÷ cores⌉ × CPU per partition.

    python benchmarks/bench_efficiency_scale.py                       # 1M single vs dask ×2, then 5M dask
    python benchmarks/bench_efficiency_scale.py --audits efficiency,idle --sizes 1000000 --repeat 2
    python benchmarks/bench_efficiency_scale.py --sizes 200000 --repeat 1 --base 20000
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _measure import run_child  # benchmarks/ is on sys.path when run as a script

AS_OF = "2025-12-31"


def make(n, base, rows_per_file, root):
    """N parcels: the ``base`` sample parcels repeated (ids suffixed ``-T<k>`` per repeat), in files of
    ``rows_per_file`` rows (one dask partition each), and the sample's enterprises."""
    import numpy as np
    import pandas as pd

    from dcf_spatial import sample
    g = sample.generate_parcels(base, seed=1)
    ent = sample.generate_enterprises(g, seed=1)
    folder = root / f"p{n}"
    folder.mkdir(parents=True, exist_ok=True)
    ids = g["parcel_id"].astype(str).to_numpy()
    for start in range(0, n, rows_per_file):
        idx = np.arange(start, min(n, start + rows_per_file))
        part = g.iloc[idx % len(g)].reset_index(drop=True)
        part["parcel_id"] = pd.Series(ids[idx % len(g)]) + "-T" + pd.Series(idx // len(g)).astype(str)
        part.to_parquet(folder / f"part-{start:09d}.parquet")
    ent.to_parquet(root / "ent.parquet")
    return folder, root / "ent.parquet", len(ent)


def child(kind, folder, ent, out, workers, audit="efficiency"):
    import pandas as pd
    from dcf_spatial.land import audit_efficiency, audit_idle
    from dcf_spatial.land.dask import cluster
    if os.environ.get("DCF_BENCH_LOCAL") == "processes":
        cluster.LOCAL_THREADS_MAX = 0
    elif os.environ.get("DCF_BENCH_LOCAL") == "threads":
        cluster.LOCAL_THREADS_MAX = 10 ** 6
    if kind.startswith("dask-t"):  # dask with another number of threads per in-process worker
        cluster.LOCAL_THREADS_PER_WORKER = int(kind[len("dask-t"):])
        kind = "dask"
    if audit == "idle":
        if kind == "single":
            import geopandas as gpd
            gdf = gpd.read_parquet(folder)
            return {"counts": audit_idle(gdf, as_of=AS_OF, out=out, map=False, overwrite=True).counts}
        s = audit_idle(folder, as_of=AS_OF, engine="dask", out=out, overwrite=True, map=False,
                       n_workers=int(workers)).to_dict()
        return {"counts": s["counts"], "partitions": s["partitions"], "timings": s["timings"], "tasks": s.get("tasks")}
    if kind == "single":
        import geopandas as gpd
        t0 = time.perf_counter()
        gdf = gpd.read_parquet(folder)
        e = pd.read_parquet(ent)
        t1 = time.perf_counter()
        r = audit_efficiency(e, parcels=gdf, as_of=AS_OF, out=out, map=False, overwrite=True)
        return {"read": t1 - t0, "counts": r.counts}
    s = audit_efficiency(ent, parcels=folder, as_of=AS_OF, engine="dask", out=out, overwrite=True, map=False,
                         n_workers=int(workers)).to_dict()
    return {"counts": s["counts"], "partitions": s["partitions"], "timings": s["timings"], "tasks": s.get("tasks")}


def fmt_run(r) -> str:
    return (f"{r['wall']:.1f} s wall, {r['cpu_tree']:.1f} s CPU, {r['peak_gb']:.2f} GB tree / "
            f"{r['peak_process_gb']:.2f} GB largest process" +
            (f" / {r['peak_worker_gb']:.2f} GB largest worker process" if r.get("peak_worker_gb") else "") +
            f", load {r['load_before']:.1f}→{r['load']:.1f}")


def per_partition(r, cores: int) -> list[str]:
    """The per-partition table of a dask run and what ``cores`` workers would take."""
    tm, tasks = r["timings"], r["tasks"] or {}
    if "parcels" in tm:  # efficiency
        walls = {"ids+audit": tm["parcels"] - tm["start_cluster"], "mark": tm["classes"] - tm.get("classify", tm["classes"])}
    else:  # idle: timings are durations (cluster start, both passes), then the workbook and the map
        walls = {"ids+audit": tm["audit"]}
    client = tm["total"] - tm["start_cluster"] - sum(walls.values())
    lines = ["| step | partitions | compute s per partition (mean / max) | worker CPU s per partition | step CPU s |",
             "|---|---|---|---|---|"]
    steps = []
    for name in ("ids", "audit", "enterprises", "mark"):
        st = tasks.get(name)
        if not st or not st["tasks"]:
            continue
        main = max(st["tasks"].values(), key=lambda v: v["compute_s"])
        n = main["n"]
        cpu_part = st["workers_cpu_s"] / n
        steps.append((name, n, cpu_part))
        lines.append(f"| {name} | {n} | {main['mean_s']:.2f} / {main['max_s']:.2f} | {cpu_part:.2f} | "
                     f"{st['workers_cpu_s']:.1f} |")
    lines.append(f"client's own steps ({'workbook' if 'parcels' not in tm else 'classes, cuts, 低效用地 tables, enterprise files, workbook'}): {client:.1f} s wall; "
                 f"cluster start {tm['start_cluster']:.1f} s")
    for c in sorted({int(r.get("workers", 2)), cores}):
        proj = client + sum(math.ceil(n / c) * cpu for _, n, cpu in steps)
        lines.append(f"projected on {c} cores ({c} workers): client {client:.1f} s + Σ ⌈partitions ÷ {c}⌉ × CPU per "
                     f"partition = {proj:.1f} s" + (f" (measured here: {r['wall']:.1f} s wall incl. start-up)"
                                                     if c == int(r.get("workers", 2)) else ""))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000000,5000000")
    ap.add_argument("--single-max", type=int, default=1_000_000, help="run the single process up to this size")
    ap.add_argument("--repeat", type=int, default=2, help="single/dask pairs at each size up to --single-max")
    ap.add_argument("--base", type=int, default=20_000, help="parcels generated, then tiled")
    ap.add_argument("--rows-per-file", type=int, default=250_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cores", type=int, default=16, help="the machine the per-partition projection is for")
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--local", choices=["default", "threads", "processes"], default="default",
                    help="the LocalCluster's workers: the engine's choice (threads up to 2 workers), or forced")
    ap.add_argument("--audits", default="efficiency", help="which audits, in this order: efficiency, idle or both "
                    "(efficiency,idle)")
    ap.add_argument("--compare-threads", type=int, default=0, metavar="N",
                    help="also run dask with N threads per in-process worker (cluster.LOCAL_THREADS_PER_WORKER; "
                    "the engine's default is printed), interleaved with the other two, with its own ratio")
    ap.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*args.child), default=float))
        return
    os.environ["DCF_BENCH_LOCAL"] = args.local
    audits = [a.strip() for a in args.audits.split(",") if a.strip()]
    if not set(audits) <= {"efficiency", "idle"}:
        ap.error("--audits: efficiency, idle or efficiency,idle")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench_eff_"))
    from dcf_spatial.land.dask.cluster import LOCAL_THREADS_PER_WORKER
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"LocalCluster of {args.workers} workers ({args.local}: "
          f"{'threads' if args.local == 'threads' or (args.local == 'default' and args.workers <= 2) else 'processes'}"
          f"; {LOCAL_THREADS_PER_WORKER} task threads per in-process worker)", flush=True)
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            root = work / f"data{n}"
            t = time.perf_counter()
            folder, ent, ne = make(n, args.base, args.rows_per_file, root)
            files = len(list(folder.glob("*.parquet")))
            print(f"\n[{n:,} parcels in {files} files of ≤ {args.rows_per_file:,}, {ne:,} enterprises; synthetic "
                  f"合成数据; written in {time.perf_counter() - t:.0f} s]", flush=True)
            kinds = ["single", "dask"] if n <= args.single_max else ["dask"]
            if args.compare_threads:
                kinds.append(f"dask-t{args.compare_threads}")
            pairs = {a: [] for a in audits}
            for rep in range(args.repeat if n <= args.single_max else 1):
                for audit in audits:
                    runs = {}
                    for kind in (kinds if rep % 2 == 0 else kinds[::-1]):
                        load_before = os.getloadavg()[0]
                        r = run_child(__file__, ["--child", kind, str(folder), str(ent), str(work / f"out_{kind}_{n}"),
                                                 str(args.workers), audit])
                        r.update(load_before=load_before, workers=args.workers)
                        runs[kind] = r
                        print(f"  {audit:10} {kind:6} run {rep + 1}: {fmt_run(r)}", flush=True)
                        if kind.startswith("dask") and r.get("tasks"):
                            print("    " + "\n    ".join(per_partition(r, args.cores)), flush=True)
                        shutil.rmtree(work / f"out_{kind}_{n}", ignore_errors=True)
                    if "single" in runs:
                        assert runs["single"]["counts"] == runs["dask"]["counts"], (runs["single"]["counts"],
                                                                                  runs["dask"]["counts"])
                        for other in [k for k in runs if k != "single"]:
                            assert runs["single"]["counts"] == runs[other]["counts"], other
                            pairs.setdefault((audit, other), []).append(
                                (runs["single"]["wall"] / runs[other]["wall"],
                                 runs["single"]["cpu_tree"] / runs[other]["cpu_tree"],
                                 runs["single"]["peak_gb"], runs[other]["peak_gb"]))
            for key, ps in pairs.items():
                if ps and isinstance(key, tuple):
                    audit, other = key
                    print(f"  {audit} {n:,}: single ÷ {other} wall {', '.join(f'{p[0]:.2f}×' for p in ps)} "
                          f"(median {statistics.median(p[0] for p in ps):.2f}×); CPU "
                          f"{', '.join(f'{p[1]:.2f}×' for p in ps)}; peak single "
                          f"{', '.join(f'{p[2]:.2f}' for p in ps)} GB, {other} {', '.join(f'{p[3]:.2f}' for p in ps)} GB; "
                          "same counts", flush=True)
            shutil.rmtree(root, ignore_errors=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":  # dask.distributed starts worker processes: the guard is required
    main()
