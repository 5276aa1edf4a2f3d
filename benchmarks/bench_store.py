"""Benchmark the two layer stores, GeoPackage and PostGIS, side by side on generated data.

    python benchmarks/bench_store.py [--pg URL] [--features 100000] [--repeat 3]

The PostGIS URL defaults to ``DCF_TEST_PG_URL`` (``eval "$(bash .ci/postgis.sh)"`` starts a
throw-away cluster); the benchmark works in its own schema and drops it afterwards. Measures,
for a layer of N synthetic parcels (合成数据, seeded) and for the shipped default layers:

* ``write_layer`` (first write) and ``write_layer(keep_history=True)`` (an import: the old
  version is kept, atomically) and ``reset_layer``;
* ``read_layer`` of the whole layer, and with ``bbox=`` around 1 % of the features — where
  the filtering happens is printed beside the figure (GeoPackage: GDAL's R-tree, in-process;
  PostGIS: ``ST_Intersects(geometry, envelope)`` answered with the GiST index in the server, and only the
  matching rows cross the wire — the plan is printed from ``EXPLAIN``);
* ``list_layers`` and the ``dcf layers list`` command in a fresh process (shipped layers).
Timings are the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

LAYER = "bench_parcels"


def _parcels(n: int, seed: int = 11):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    x = rng.uniform(115.70, 116.20, n)
    y = rng.uniform(36.28, 36.70, n)
    w = rng.uniform(0.0005, 0.003, n)
    return gpd.GeoDataFrame({
        "id": [f"synthetic.parcel.{i:07d}" for i in range(n)],
        "name_zh": [f"合成地块{i}" for i in range(n)],
        "plan_ref": [""] * n,
        "provenance": ["schematic"] * n,
        "source": ["合成数据（基准测试，seed=11）"] * n,
        "area_mu": rng.uniform(5, 300, n).round(2),
        "land_use": rng.choice(["工业用地", "仓储用地", "商业用地"], n),
    }, geometry=shapely.box(x, y, x + w, y + w * 0.8), crs=4490)


def _best(fn, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _cli_seconds(store: str, repeat: int) -> float:
    env = dict(os.environ, DCF_STORE=str(store))
    cmd = [sys.executable, "-m", "dcf_spatial.cli.main", "layers", "list", "--json"]
    return _best(lambda: subprocess.run(cmd, env=env, check=True, capture_output=True), repeat)[0]


def _explain(pg_store, bbox) -> str:
    from sqlalchemy import text

    with pg_store.engine.connect() as con:
        rows = con.execute(text(
            f'EXPLAIN SELECT * FROM "{pg_store.schema}"."{LAYER}" WHERE ST_Intersects(geometry, '
            f"ST_MakeEnvelope({bbox[0]}, {bbox[1]}, {bbox[2]}, {bbox[3]}, 4490))")).all()
    return " → ".join(r[0].strip().lstrip("-> ").split("  (")[0] for r in rows if "Scan" in r[0])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", default=os.environ.get("DCF_TEST_PG_URL"), help="PostGIS URL (default DCF_TEST_PG_URL)")
    ap.add_argument("--features", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if not args.pg:
        ap.error("no PostGIS URL: pass --pg or run eval \"$(bash .ci/postgis.sh)\" first")

    from dcf_spatial import settings
    from dcf_spatial.store import catalog
    from dcf_spatial.store.build import build_default_layers
    from dcf_spatial.store.backends import open_store

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    pg = args.pg + ("&" if "?" in args.pg else "?") + f"schema={schema}"
    pg_store = open_store(pg)
    parcels = _parcels(args.features)
    # a box around ~1 % of the features (the parcels are uniform over the box below)
    x0, y0 = 115.90, 36.45
    bbox = (x0, y0, x0 + 0.05, y0 + 0.042)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "bench.gpkg"
        shipped = Path(settings.default_store)
        if not shipped.exists():
            shipped = build_default_layers(Path(tmp) / "shipped.gpkg")
        catalog.copy_store(shipped, pg)  # the shipped layers in the database too
        catalog.copy_store(shipped, gpkg)
        try:
            for name, store in (("GeoPackage", gpkg), ("PostGIS", pg)):
                t_write = _best(lambda: catalog.write_layer(parcels, LAYER, store=store), 1)[0]
                t_read, full = _best(lambda: catalog.read_layer(LAYER, store=store), args.repeat)
                if name == "GeoPackage":  # the GeoPackage caches reads per file version: measure a cold read
                    from dcf_spatial.store.backends.gpkg import _read_cached

                    def cold():
                        _read_cached.cache_clear()
                        return catalog.read_layer(LAYER, store=store)

                    t_read, full = _best(cold, args.repeat)
                    t_bbox, part = _best(lambda: (_read_cached.cache_clear(),
                                                  catalog.read_layer(LAYER, store=store, bbox=bbox))[1], args.repeat)
                else:
                    t_bbox, part = _best(lambda: catalog.read_layer(LAYER, store=store, bbox=bbox), args.repeat)
                t_import = _best(lambda: catalog.write_layer(parcels, LAYER, store=store, keep_history=True), 1)[0]
                t_reset = _best(lambda: catalog.reset_layer(LAYER, store=store), 1)[0]
                t_list = _best(lambda: catalog.list_layers(store=store), args.repeat)[0]
                t_cli = _cli_seconds(store, args.repeat)
                rows.append((name, t_write, t_read, len(full), t_bbox, len(part), t_import, t_reset, t_list, t_cli))
            plan = _explain(pg_store, bbox)
        finally:
            from sqlalchemy import text

            with pg_store.engine.begin() as con:
                con.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))

    print(f"\n图层库基准 layer-store benchmark — {args.features:,} synthetic parcels (合成数据), best of {args.repeat}")
    print("| store | write | read all | read bbox (rows) | import (keep history) | reset | list_layers | `dcf layers list` |")
    print("|---|---|---|---|---|---|---|---|")
    for name, w, r, n, b, nb, imp, rs, ls, cli in rows:
        print(f"| {name} | {w:.2f} s | {r:.2f} s ({n:,}) | {b * 1000:.0f} ms ({nb:,}) | {imp:.2f} s | {rs:.2f} s "
              f"| {ls * 1000:.0f} ms | {cli:.2f} s |")
    print("\nWho does what:")
    print("- GeoPackage bbox read: GDAL (pyogrio) in this process asks the GeoPackage R-tree "
          "(rtree_<layer>_geom) for candidate rows; whole-file import/reset copies the file and swaps it atomically.")
    print(f"- PostGIS bbox read: the server filters with the GiST index ({plan}); only matching rows are sent.")
    print("- PostGIS import/reset: one transaction in the server (load temp table with COPY, rename, catalog upsert).")


if __name__ == "__main__":
    main()
