"""Benchmark: the 亩产效益 (efficiency) audit, single engine vs dask on a LocalCluster.

Synthetic parcels (the seeded sample, tiled to N rows, written as 250,000-row GeoParquet files) and
their synthetic enterprises; each engine runs in a child process whose wall time and peak memory of
the whole process tree are measured. The figures in docs/dask.md come from this script.

    python benchmarks/bench_efficiency_scale.py N BASE ENGINES [--workdir DIR]
    python benchmarks/bench_efficiency_scale.py 1000000 20000 single,dask
"""
import json, sys, time
from pathlib import Path

from _measure import run_child  # benchmarks/ is on sys.path when run as a script

AS_OF = "2025-12-31"


def make(n, base, root):
    from dcf_spatial import sample
    g = sample.generate_parcels(base, seed=1)
    ent = sample.generate_enterprises(g, seed=1)
    folder = root / f"p{n}"; folder.mkdir(parents=True, exist_ok=True)
    written, k = 0, 0
    while written < n:
        take = min(n - written, len(g)); tile = g.iloc[:take].copy()
        tile["parcel_id"] = tile["parcel_id"].astype(str) + f"-T{k}"
        for i in range(0, take, 250_000):
            tile.iloc[i:i + 250_000].to_parquet(folder / f"part-{written + i:09d}.parquet")
        written += take; k += 1
    ent.to_parquet(root / "ent.parquet")
    return folder, root / "ent.parquet", len(ent)


def child(kind, folder, ent, out):
    import pandas as pd
    if kind == "single":
        import geopandas as gpd
        from dcf_spatial.land import audit_efficiency
        t0 = time.perf_counter()
        gdf = gpd.read_parquet(folder)
        e = pd.read_parquet(ent)
        t1 = time.perf_counter()
        r = audit_efficiency(e, parcels=gdf, as_of=AS_OF, out=out, map=False, overwrite=True)
        return {"read": t1 - t0, "counts": r.counts}
    from dcf_spatial.land import audit_efficiency
    s = audit_efficiency(ent, parcels=folder, as_of=AS_OF, engine="dask", out=out, overwrite=True).to_dict()
    return {"counts": s["counts"], **s["timings"]}


if __name__ == "__main__":
    if sys.argv[1] == "child":
        print(json.dumps(child(*sys.argv[2:]), default=float)); sys.exit()
    import tempfile

    work = Path(sys.argv[sys.argv.index("--workdir") + 1]) if "--workdir" in sys.argv else Path(tempfile.mkdtemp())
    root = work / "data"; n = int(sys.argv[1]); base = int(sys.argv[2])
    import os
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    t = time.perf_counter(); folder, ent, ne = make(n, base, root)
    print(f"data {n} parcels, {ne} enterprises in {time.perf_counter()-t:.0f}s", flush=True)
    for kind in sys.argv[3].split(","):
        r = run_child(__file__, ["child", kind, str(folder), str(ent), str(work / f"out_{kind}_{n}")])
        print(kind, n, json.dumps(r, default=float), f"(load average {os.getloadavg()[0]:.1f})", flush=True)
