"""The idle audit at scale: single process vs dask LocalCluster vs PostGIS, side by side.

    python benchmarks/bench_audit_scale.py [--sizes 1000000,2000000,5000000] [--pg URL] [--workers 2]
    python benchmarks/bench_audit_scale.py --e2e [--sizes 100000,1000000] [--data DIR] [--baseline CHECKOUT] [--tile BASE] [--repeat N]

``--e2e`` (issue 13, goal 2): for each size, the parcels as one GeoPackage (the file a bureau
hands over); in fresh child processes, one after the other in the same run,
``geopandas.read_file(path, use_arrow=True)`` of that file, then the whole single-process audit
``dcf_spatial.land.audit_idle(path, out=…)`` (read → checks → rules → zones → Excel + complete list
(GeoParquet) + map). Prints each wall time and peak memory and the audit ÷ arrow-read ratio.
``--baseline CHECKOUT`` runs the same audit a second time with the ``dcf_spatial`` of another
checkout (``git worktree add /tmp/base main``; its package put first on ``PYTHONPATH``) right after
this one's, on the same file: before and after in one run, each row with the load at its start.
``--data DIR`` keeps the generated GeoPackages there and reuses them. ``--repeat N``: N such rounds
(read → audit → baseline), a row each; on a shared machine take the best round. Peak memory and
CPU are those of the child's whole process tree (any process the audit starts included).

For each size N, generated parcels (合成数据: the seeded sample district of ``dcf sample``, every
row its own parcel — ids, geometry, dates, areas, prices drawn per row, as in a real 供地 ledger;
``--tile BASE`` repeats BASE parcels to N instead, the older, flattering data) are written as a GeoParquet folder (250,000 rows a file) and,
with ``--pg`` (default ``DCF_TEST_PG_URL``), into a PostGIS table. Then, each engine in a fresh
child process, measuring wall time and the peak memory of the whole process tree (the dask
workers included; the PostgreSQL server's own memory is not counted):

* ``single``  — read the folder, validate, audit, zone join, write one GeoParquet, in one process;
* ``dask``    — :func:`dcf_spatial.land.audit_idle` with ``engine="dask"`` on the folder, LocalCluster,
  with the outputs a bureau hands on (GeoParquet folder, Excel workbook, HTML map; the time the
  workbook and the map add is printed in its own column);
* ``pg+dask`` — the same engine reading the PostGIS table in page ranges (each worker its part);
* ``join``    — the zone join alone: in-process (shapely STRtree, the single engine's step) vs
  pushed down to PostGIS (:func:`dcf_spatial.land.zones_pg.assign_zones_in_db`).
Prints a table. The zone layers are the shipped store's (schematic layers: 示意).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _measure import run_child  # benchmarks/ is on sys.path when run as a script

AS_OF = "2025-12-31"
ROWS_PER_FILE = 250_000


def _run_child(args: list[str], source: str | None = None) -> dict:
    """Run this script as a child with ``args``; return its JSON answer plus wall time and peak RSS.

    ``source``: a checkout whose ``dcf_spatial`` the child imports instead of this one (``--baseline``)."""
    env = None
    if source:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(source).resolve()),
                                                          os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    return run_child(__file__, args, env=env)


CHUNK = 1_000_000  # parcels generated in one call of the generator (its memory grows with it)


def make_data(n: int, folder: Path, tile: int | None = None, seed: int = 1) -> None:
    """N synthetic parcels (合成数据) as a GeoParquet folder (``ROWS_PER_FILE`` rows a file).

    By default every row is its own parcel, as in a real 供地 ledger: ids, geometry, dates, areas and
    prices all drawn per row by the seeded generator of ``dcf sample`` (``generate_parcels(n, seed)``;
    above ``CHUNK`` rows, further calls with the next seeds, ids suffixed ``-C1``, ``-C2`` …). Only
    the generator's own deliberate duplicate ids (one in 500, reported by the audit) repeat.
    ``tile``: the older data, ``tile`` parcels generated once and repeated to N with renumbered ids
    (``-T0``, ``-T1`` …) — identical rows apart from the id, which flatters every step that works
    once per distinct value; kept only to compare with earlier figures."""
    from dcf_spatial import sample

    folder.mkdir(parents=True, exist_ok=True)
    written, k = 0, 0
    g = sample.generate_parcels(min(tile, n), seed=seed) if tile else None
    while written < n:
        if tile:
            take = min(n - written, len(g))
            part = g.iloc[:take].copy()
            part["parcel_id"] = part["parcel_id"].astype(str) + f"-T{k}"
        else:
            take = min(n - written, CHUNK)
            part = sample.generate_parcels(take, seed=seed + k)
            if k:
                part["parcel_id"] = part["parcel_id"].astype(str) + f"-C{k}"
        for i in range(0, take, ROWS_PER_FILE):
            part.iloc[i:i + ROWS_PER_FILE].to_parquet(folder / f"part-{written + i:09d}.parquet")
        written += take
        k += 1
        del part


# --- children --------------------------------------------------------------------------------------
def child_single(folder: str, out: str) -> dict:
    import geopandas as gpd

    from dcf_spatial.land import idle_audit

    t0 = time.perf_counter()
    gdf = gpd.read_parquet(folder)
    t1 = time.perf_counter()
    from dcf_spatial.land.parcels import validate_parcels
    from dcf_spatial.land.zones import join_zones

    data = validate_parcels(gdf, source=folder)
    t2 = time.perf_counter()
    result = idle_audit.audit_idle(data, as_of=AS_OF)
    t3 = time.perf_counter()
    zones = join_zones(result)
    t4 = time.perf_counter()
    for c in zones.columns:
        result[c] = zones[c].array
    result.to_parquet(out)
    t5 = time.perf_counter()
    return {"rows": len(result), "read": t1 - t0, "validate": t2 - t1, "audit": t3 - t2, "join": t4 - t3,
            "write": t5 - t4}


def child_arrow_read(path: str) -> dict:
    import geopandas as gpd

    t0 = time.perf_counter()
    g = gpd.read_file(path, use_arrow=True)
    return {"rows": len(g), "read": time.perf_counter() - t0, "cpu": time.process_time()}


def child_e2e(path: str, out: str) -> dict:
    import dcf_spatial
    from dcf_spatial.land import audit_idle

    t0 = time.perf_counter()
    res = audit_idle(path, as_of=AS_OF, out=out, overwrite=True)
    return {"package": str(Path(dcf_spatial.__file__).parent), "rows": len(res.frame), "total": time.perf_counter() - t0, **res.timings, "cpu": time.process_time(),
            "files": sorted(Path(f).name for f in res.files.values() if f)}


def e2e(sizes: list[int], tile: int | None, data: str | None = None, baseline: str | None = None,
        repeat: int = 1) -> None:
    """The end-to-end table of ``--e2e``; ``data`` keeps the generated parcels there (reused when
    present), ``baseline`` runs the same audit from that checkout too, interleaved (a "before" row);
    ``repeat`` rounds of read → audit → baseline (a row each: take the best on a shared machine)."""
    import geopandas as gpd

    rows = []
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        keep = Path(data) if data else tmp
        keep.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            name = f"parcels_{n}" + (f"_tiled{tile}" if tile else "_distinct")
            folder, gpkg = keep / name, keep / f"{name}.gpkg"
            if not gpkg.exists():
                t = time.perf_counter()
                make_data(n, folder, tile)
                gpd.read_parquet(folder).to_file(gpkg.with_suffix(".tmp.gpkg"), driver="GPKG", engine="pyogrio",
                                                 use_arrow=True)
                gpkg.with_suffix(".tmp.gpkg").rename(gpkg)
                print(f"[{n:,}] data written in {time.perf_counter() - t:.0f} s", file=sys.stderr)
            for k in range(repeat):  # on a shared machine: several rounds, each read → audit → baseline
                load_n = os.getloadavg()[0]
                read = _run_child(["--child", "arrow_read", str(gpkg)])
                audit = _run_child(["--child", "e2e", str(gpkg), str(tmp / f"out_{n}")])
                assert audit["rows"] == read["rows"] == n, (audit["rows"], read["rows"], n)
                audit["label"], audit["load"] = "this checkout" + (f" #{k + 1}" if repeat > 1 else ""), load_n
                rows.append((n, read, audit))
                print(f"[{n:,}] arrow read {read['wall']:.1f} s, audit {audit['wall']:.1f} s", file=sys.stderr)
                if baseline:
                    before = _run_child(["--child", "e2e", str(gpkg), str(tmp / f"before_{n}")], source=baseline)
                    before["label"], before["load"] = (f"before ({baseline})" + (f" #{k + 1}" if repeat > 1 else ""),
                                                       os.getloadavg()[0])
                    rows.append((n, read, before))
                    print(f"[{n:,}] baseline audit {before['wall']:.1f} s", file=sys.stderr)
                shutil.rmtree(tmp / f"out_{n}", ignore_errors=True)
                shutil.rmtree(tmp / f"before_{n}", ignore_errors=True)
    load = os.getloadavg()
    data_kind = (f"{tile:,} parcels repeated to each size, identical rows apart from the id" if tile
                 else "every parcel distinct")
    print(f"\n闲置土地审计端到端 vs 箭头读取 idle audit end to end vs arrow read (合成数据: {data_kind}; zone layers 示意; "
          f"load average at the start {load_start[0]:.1f}, at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
          f"on {os.cpu_count()} cores; the writes of the complete list, the workbook and the map overlap in threads, "
          "so their step times are each from the write's start)")
    print("| parcels | code (load at its start) | read_file(use_arrow): wall / peak | audit end to end: wall / peak "
          "| ratio (wall; CPU of the "
          "whole process tree, child processes and imports included, less sensitive to a loaded machine) "
          "| steps (s from the audit's start, in the order they end: the reprojection and then the zone join run beside validate; "
          "· s from the write's start) "
          "| files |")
    print("|---|---|---|---|---|---|---|")
    for n, r, a in rows:
        steps = (", ".join(f"{k} {a[k]:.1f}" for k in sorted((k for k in ("read", "validate", "zones", "rules", "audit")
                                                                   if k in a), key=a.get)) + " · write: "
                 + ", ".join(f"{k} {a[k]:.1f}" for k in ("summaries", "excel", "parquet", "gpkg", "map") if k in a))
        print(f"| {n:,} | {a['label']} ({a['load']:.1f}) | {r['wall']:.1f} s / {r['peak_gb']:.2f} GB "
              f"| {a['wall']:.1f} s / {a['peak_gb']:.2f} GB "
              f"| {a['wall'] / r['wall']:.1f}×"
              + (f"; CPU {a['cpu_tree']:.1f} s / {r['cpu_tree']:.1f} s = {a['cpu_tree'] / r['cpu_tree']:.1f}×"
                 if "cpu_tree" in a and "cpu_tree" in r else "")
              + f" | {steps} | {', '.join(a['files'])} |")
    sys.stdout.flush()


def child_dask(source: str, out: str, workers: int, store: str | None) -> dict:
    from dcf_spatial.land import audit_idle

    s = audit_idle(source, as_of=AS_OF, engine="dask", out=out, n_workers=workers, store=store, overwrite=True,
                   partitions=workers * 8 if source.startswith("pg:") else None).to_dict()
    return {"rows": s["rows"], "partitions": s["partitions"], **s["timings"]}


def child_join_pg(spec: str, store: str) -> dict:
    from dcf_spatial.land.zones_pg import assign_zones_in_db

    t0 = time.perf_counter()
    z = assign_zones_in_db(spec, store=store)
    return {"rows": len(z), "join": time.perf_counter() - t0}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000000,2000000,5000000")
    ap.add_argument("--pg", default=os.environ.get("DCF_TEST_PG_URL"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tile", type=int, default=None,
                    help="the older data: this many parcels generated, then repeated to each size (identical rows "
                         "apart from the id; flatters per-distinct-value steps). Default: every parcel distinct")
    ap.add_argument("--single-max", type=int, default=2_000_000,
                    help="skip the single-process engine above this size (its memory grows with N: about "
                         "3 GB per million parcels here)")
    ap.add_argument("--e2e", action="store_true",
                    help="the single-process audit end to end vs geopandas.read_file(use_arrow=True) of the same "
                         "GeoPackage (default sizes 100000,1000000)")
    ap.add_argument("--data", help="--e2e: keep the generated parcels in this folder and reuse them next time")
    ap.add_argument("--baseline", help="--e2e: also run the audit with the dcf_spatial of this checkout (e.g. a "
                                       "`git worktree` of main), interleaved: before and after in the same run")
    ap.add_argument("--repeat", type=int, default=1,
                    help="--e2e: rounds of arrow read → audit → baseline, a row each (take the best on a shared machine)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        fn = {"single": child_single, "dask": child_dask, "join_pg": child_join_pg, "arrow_read": child_arrow_read,
              "e2e": child_e2e}[kind]
        if kind == "dask":
            rest = [rest[0], rest[1], int(rest[2]), rest[3] if len(rest) > 3 and rest[3] != "-" else None]
        print(json.dumps(fn(*rest), default=float))
        return

    from dcf_spatial import settings
    from dcf_spatial.store import catalog
    from dcf_spatial.io.pg import write_pg_table

    if args.e2e:
        given = "--sizes" in " ".join(argv if argv is not None else sys.argv)
        e2e([int(s) for s in (args.sizes if given else "100000,1000000").split(",")], args.tile, data=args.data,
            baseline=args.baseline, repeat=args.repeat)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pg = None
        if args.pg:
            pg = args.pg + ("&" if "?" in args.pg else "?") + f"schema=bench_{uuid.uuid4().hex[:8]}"
            catalog.copy_store(settings.store, pg)
        try:
            for n in sizes:
                folder = tmp / f"parcels_{n}"
                t = time.perf_counter()
                make_data(n, folder, args.tile)
                print(f"[{n:,}] data written in {time.perf_counter() - t:.0f} s", file=sys.stderr)
                if n <= args.single_max:
                    single = _run_child(["--child", "single", str(folder), str(tmp / f"single_{n}.parquet")])
                    print(f"[{n:,}] single {single['wall']:.0f} s", file=sys.stderr)
                else:
                    single = None
                    print(f"[{n:,}] single skipped (--single-max {args.single_max:,})", file=sys.stderr)
                dask_ = _run_child(["--child", "dask", str(folder), str(tmp / f"dask_{n}"), str(args.workers), "-"])
                print(f"[{n:,}] dask {dask_['wall']:.0f} s", file=sys.stderr)
                row = {"n": n, "single": single, "dask": dask_}
                if pg:
                    import geopandas as gpd

                    t = time.perf_counter()
                    spec = f"pg:parcels_{n}"
                    for i, f in enumerate(sorted(folder.glob("*.parquet"))):  # load file by file
                        part = gpd.read_parquet(f)
                        if i == 0:
                            write_pg_table(part, spec, store=pg, overwrite=True)
                        else:
                            _append(part, spec, pg)
                    row["pg_load"] = time.perf_counter() - t
                    row["pg_dask"] = _run_child(["--child", "dask", spec, str(tmp / f"pgdask_{n}"), str(args.workers), pg])
                    row["pg_join"] = _run_child(["--child", "join_pg", spec, pg])
                    print(f"[{n:,}] pg load {row['pg_load']:.0f} s, pg+dask {row['pg_dask']['wall']:.0f} s, "
                          f"join in db {row['pg_join']['join']:.0f} s", file=sys.stderr)
                rows.append(row)
                _print(rows)
        finally:
            if pg:
                from sqlalchemy import text

                from dcf_spatial.store.backends import open_store

                st = open_store(pg)
                with st.engine.begin() as con:
                    con.execute(text(f'DROP SCHEMA IF EXISTS "{st.schema}" CASCADE'))


def _append(part, spec: str, store: str) -> None:
    """Append one file's parcels to the table (same loader, then INSERT … SELECT, renumbering rows)."""
    from sqlalchemy import text

    from dcf_spatial.io.pg import _input_store, _split_spec, write_pg_table
    from dcf_spatial.store.backends.postgis import ORDER_COLUMN, _q

    st = _input_store(spec, store)
    schema, table = _split_spec(spec, st)
    tmp_spec = f"pg:{schema}.{table}__append"
    write_pg_table(part, tmp_spec, store=store, overwrite=True)
    with st.engine.begin() as con:
        base = con.execute(text(f"SELECT coalesce(max({_q(ORDER_COLUMN)}) + 1, 0) FROM {_q(schema)}.{_q(table)}")).scalar()
        cols = [r[0] for r in con.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema=:s AND table_name=:t "
            "ORDER BY ordinal_position"), {"s": schema, "t": table}).all()]
        sel = ", ".join(f"{_q(c)} + {int(base)}" if c == ORDER_COLUMN else _q(c) for c in cols)
        con.execute(text(f"INSERT INTO {_q(schema)}.{_q(table)} ({', '.join(_q(c) for c in cols)}) "
                         f"SELECT {sel} FROM {_q(schema)}.{_q(table + '__append')}"))
        con.execute(text(f"DROP TABLE {_q(schema)}.{_q(table + '__append')}"))
        con.execute(text(f"ANALYZE {_q(schema)}.{_q(table)}"))


def _print(rows) -> None:
    print("\n闲置土地审计规模基准 idle-audit scale benchmark (合成数据, zone layers 示意)")
    print("| parcels | single: wall / peak | dask LocalCluster: wall / peak | of which dask Excel + map | PostGIS load "
          "| PostGIS+dask: wall / peak | zone join in-process | zone join in PostGIS |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        s, d = r["single"], r["dask"]
        pgd = r.get("pg_dask")
        pg_cells = (f"{r['pg_load']:.0f} s | {pgd['wall']:.0f} s / {pgd['peak_gb']:.1f} GB | " if pgd else "– | – | ")
        join_db = f"{r['pg_join']['join']:.0f} s" if r.get("pg_join") else "–"
        single = f"{s['wall']:.0f} s / {s['peak_gb']:.1f} GB" if s else "not run (--single-max)"
        join_local = f"{s['join']:.0f} s" if s else "–"
        outputs = (f"{d.get('excel', 0):.1f} s + {d.get('map', 0):.1f} s" if "excel" in d else "–")
        print(f"| {r['n']:,} | {single} | {d['wall']:.0f} s / {d['peak_gb']:.1f} GB | {outputs} | {pg_cells}{join_local} "
              f"| {join_db} |")
    sys.stdout.flush()


if __name__ == "__main__":  # dask.distributed starts worker processes: the guard is required
    main()
