"""An import preview against a growing register of recorded checks (QA round 11, F2): wall, CPU, memory.

    python benchmarks/bench_preview.py [--sizes 100,3000,30000] [--baseline ../base] [--pg postgresql://…?schema=fx2]

For each size N a temporary copy of the shipped store gets N recorded checks, recorded in bulk through
the Python API (``dcf.check_site(…, record=True)``, 3,000 at a time; 合成数据: points drawn over the
district's bounding box, a cycle of eight industries, three site areas — every check distinct, the
worst case for the preview's deduplication; ``--repeat-share 0.5`` makes half of the rows re-checks
of earlier ones, as a desk's clerks pressing 核查 again do). The tracked ``layers/dcf_layers.gpkg`` is
only copied. The layer imported is the store's own 集聚区 layer with 郑家镇工业集聚区 moved 0.03° east.
``--full`` also measures this checkout re-running every recorded check (``--recent 0``).

Each code (this checkout, and ``--baseline``'s when given: another checkout's package first on
``PYTHONPATH``) runs in a fresh child process that

* runs ``dcf layers import industrial_clusters moved.gpkg --dry-run`` through the real CLI code
  (``cli.main``, in process): the cold figure, a clerk's command;
* then calls :func:`dcf_spatial.register.preview.preview_import` again in the same process: the warm
  figure, what a running desk (``POST /api/layers/{id}/import/preview``) spends.

Printed per size and code: the cold and warm wall and CPU seconds, the child's peak memory, how many
checks were re-run and how many would flip, and the preview's 核查登记 line. A child that runs longer
than ``--timeout`` seconds is stopped and printed as such. ``uptime``'s load is printed with each row:
the machine is shared, compare the two codes within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _measure import run_child  # noqa: E402

INDUSTRIES = ("C3670", "轴承", "C2614", "餐饮", "C3011", "物流", "C1311", "C3511")
CHUNK = 3000


def make_register(store, n: int, repeat_share: float = 0.0, seed: int = 0) -> None:
    """``n`` recorded checks in ``store`` (a GeoPackage path or a PostGIS URL holding the shipped layers)."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    import dcf_spatial as dcf

    d = dcf.layer("district", store=store).to_crs(4490)
    x0, y0, x1, y1 = d.total_bounds
    rng = np.random.default_rng(seed)
    done = []
    for start in range(0, n, CHUNK):
        k = min(CHUNK, n - start)
        fresh = gpd.GeoDataFrame(
            {"name": [f"项目{start + i}" for i in range(k)],
             "industry": [INDUSTRIES[(start + i) % len(INDUSTRIES)] for i in range(k)],
             "area_mu": rng.choice([5.0, 20.0, 50.0], k)},
            geometry=shapely.points(rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)), crs=4490)
        if repeat_share and done:
            again = rng.random(k) < repeat_share
            pool = gpd.GeoDataFrame(pd.concat(done, ignore_index=True), crs=4490)
            pick = pool.iloc[rng.integers(0, len(pool), int(again.sum()))].reset_index(drop=True)
            fresh = gpd.GeoDataFrame(pd.concat([fresh[~again], pick], ignore_index=True), crs=4490)
        dcf.check_site(fresh, store=store, record=True)
        done.append(fresh)


def moved_layer(store, path: Path) -> Path:
    """The store's 集聚区 layer with 郑家镇工业集聚区 moved 0.03° east, written to ``path``."""
    from shapely import affinity

    import dcf_spatial as dcf

    gdf = dcf.layer("industrial_clusters", store=store)
    i = gdf.index[gdf["id"] == "cluster.zhengjia"][0]
    gdf.loc[i, "geometry"] = affinity.translate(gdf.loc[i, "geometry"], xoff=0.03)
    gdf.drop(columns=["provenance", "source"]).to_file(path, driver="GPKG")
    return path


def child(store: str, layer_file: str, recent: str = "") -> None:
    """The measured child: the CLI dry-run (cold), then the preview again (warm); one JSON line.
    ``recent``: the checks to re-run (``--recent``; empty: the code's default)."""
    import resource

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    t0, c0 = time.perf_counter(), cpu()
    from dcf_spatial.cli.main import cli

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli.main(["--store", store, "layers", "import", "industrial_clusters", layer_file, "--dry-run",
                  *(["--recent", recent] if recent else [])], standalone_mode=False)
    cold, cold_cpu = time.perf_counter() - t0, cpu() - c0
    from dcf_spatial.register.preview import preview_import

    t1, c1 = time.perf_counter(), cpu()
    p = preview_import("industrial_clusters", layer_file, store=store, provenance="authoritative",
                       **({"recent": int(recent)} if recent else {}))
    warm, warm_cpu = time.perf_counter() - t1, cpu() - c1
    line = next((ln for ln in out.getvalue().splitlines() if ln.startswith("核查登记")), "")
    print(json.dumps({"cold_s": cold, "cold_cpu": cold_cpu, "warm_s": warm, "warm_cpu": warm_cpu,
                      "checks": len(p.flips.checks), "flipped": len(p.flips.flipped), "line": line},
                     ensure_ascii=False))


def measure(label: str, pythonpath: str | None, store: str, layer_file: Path, timeout: float, recent: str = "") -> dict:
    env = {**os.environ, "PYTHONPATH": pythonpath} if pythonpath else dict(os.environ)
    r = run_child(__file__, ["--child", str(store), str(layer_file), recent], env=env, timeout=timeout)
    r["code"] = label
    return r


def show(size, where: str, r: dict) -> None:
    load = f"load {r['load']:.2f}"
    if r.get("timed_out"):
        print(f"{size:>7,} {where:8s} {r['code']:9s} stopped after {r['wall']:.0f} s (CPU {r['cpu_tree']:.0f} s, "
              f"peak {r['peak_gb']:.2f} GB)  {load}", flush=True)
        return
    print(f"{size:>7,} {where:8s} {r['code']:9s} cold {r['cold_s']:6.2f} s (CPU {r['cold_cpu']:6.2f})  "
          f"warm {r['warm_s']:6.2f} s (CPU {r['warm_cpu']:6.2f})  peak {r['peak_gb']:.2f} GB  "
          f"re-run {r['checks']:>6,}  flip {r['flipped']:>4,}  {load}\n        {r['line'][:160]}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,3000,30000")
    ap.add_argument("--baseline", help="another checkout (e.g. of main) measured beside this one")
    ap.add_argument("--pg", help="also a PostGIS store: a URL naming a schema of your own (dropped and refilled)")
    ap.add_argument("--pg-sizes", help="sizes for PostGIS (default --sizes)")
    ap.add_argument("--repeat-share", type=float, default=0.0)
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds before a child is stopped")
    ap.add_argument("--full", action="store_true",
                    help="also this checkout with --recent 0 (every recorded check, deduplicated and batched)")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    from dcf_spatial import settings

    here = str(HERE.parent)
    codes = [("this", here)] + ([("baseline", os.path.abspath(args.baseline))] if args.baseline else [])
    print(f"bench_preview: {os.cpu_count()} CPUs; uptime: {os.popen('uptime').read().strip()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_preview_") as tmp:
        tmp = Path(tmp)
        layer_file = moved_layer(settings.checkout_store, tmp / "moved.gpkg")
        for n in [int(s) for s in args.sizes.split(",") if s]:
            store = tmp / f"register_{n}.gpkg"
            shutil.copy(settings.checkout_store, store)
            t = time.perf_counter()
            make_register(store, n, args.repeat_share)
            print(f"{n:,} checks recorded in {time.perf_counter() - t:.1f} s ({store.stat().st_size / 1e6:.0f} MB)", flush=True)
            for label, path in codes:
                show(n, "gpkg", measure(label, path, str(store), layer_file, args.timeout))
            if args.full:
                show(n, "gpkg", measure("this, all", here, str(store), layer_file, args.timeout, recent="0"))
            store.unlink()
        if args.pg:
            from sqlalchemy import text

            from dcf_spatial.store import catalog
            from dcf_spatial.store.backends.postgis import PostgisStore

            st = PostgisStore(args.pg)
            schema = st.schema
            for n in [int(s) for s in (args.pg_sizes or args.sizes).split(",") if s]:
                with st.engine.begin() as con:
                    con.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                catalog.copy_store(settings.checkout_store, args.pg)
                t = time.perf_counter()
                make_register(args.pg, n, args.repeat_share)
                print(f"{n:,} checks recorded in PostGIS schema {schema} in {time.perf_counter() - t:.1f} s", flush=True)
                for label, path in codes:
                    show(n, "postgis", measure(label, path, args.pg, layer_file, args.timeout))
            with st.engine.begin() as con:
                con.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    print(f"uptime: {os.popen('uptime').read().strip()}")


if __name__ == "__main__":
    main()
