"""dcf's queries against the peers — geopandas, DuckDB spatial and PostGIS — in one run.

    python benchmarks/bench_peers.py [--points 200000] [--parcels 50000] [--repeat 5]
                                     [--pg-url postgresql://…] [--quick] [--only shipped|detailed]

Tasks, each on the layers the tool ships (the store in ``layers/``) and on detailed synthetic zones
(40 wavy polygons of ~800 vertices, as in ``bench_queries.py``):

- nearest: every point → the nearest zone and the distance (shipped: ``industrial_clusters``);
- zone join: the zone each point lies in (shipped: the 14 ``townships``), the audit's join;
- within 1 km: which points lie within 1 km of a zone (shipped: ``service_belts``), with the nearest
  zone and the distance of the points within (every engine, dcf's ``within_distance`` with its
  default ``distances="within"`` included, measures only those; the within set and those distances
  are compared);
- overlap: every overlapping (parcel, zone) pair and its area (shipped: the sample parcels ×
  ``industrial_clusters``).

Engines: dcf (``dcf_spatial.queries.distance.nearest`` / ``within_distance``,
``dcf_spatial.land.zones.assign_largest_share``, ``dcf_spatial.queries.overlay.overlap``);
geopandas (``sjoin_nearest``, ``sjoin(predicate="within")``, ``sjoin(predicate="dwithin")``,
``overlay``); DuckDB spatial (the ``duckdb`` and ``duckdb-extension-spatial`` wheels of the same
version, loaded from the wheel's file, no download: ``pip install -e '.[bench]'``); PostGIS when
``--pg-url`` or ``DCF_TEST_PG_URL`` is given (``bash .ci/postgis.sh`` starts one).

Every engine's answer is checked against dcf's: the same zone ids for every point (ties between
equally near zones excepted and counted) and distances equal to < 1 mm; for overlap the same pairs
and total area. Putting each engine's output into that common form is not timed (for any engine);
fetching it is. Loading the data into DuckDB/PostGIS (tables, GiST indexes) is not timed; each engine
answers from data already in memory or in its tables, in the working CRS (EPSG:4548).
Times: median wall clock of ``--repeat`` runs, and the CPU time of this process over those runs
(DuckDB's threads included; PostGIS's server CPU is not). The machine's load average is printed
before and after: on a shared machine compare ratios within one run only.
All points and parcels are generated (seeded) and synthetic.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_queries import detailed_zones  # noqa: E402  (benchmarks/ is on sys.path)

from dcf_spatial import settings  # noqa: E402

KM = 1.0  # the "within" radius


# --- data ------------------------------------------------------------------------------------------


def shipped_layers():
    from dcf_spatial.store import catalog

    if not settings.default_store.exists():
        raise SystemExit(f"no shipped store at {settings.default_store}: build it with layers/build_layers.py")
    read = lambda lid: catalog.read_layer(lid).to_crs(settings.working_crs)  # noqa: E731
    return {lid: read(lid) for lid in ("district", "industrial_clusters", "townships", "service_belts")}


def points_in(bounds, n, seed=2):
    rng = np.random.default_rng(seed)
    x1, y1, x2, y2 = bounds
    pts = shapely.points(rng.uniform(x1, x2, n), rng.uniform(y1, y2, n))
    return gpd.GeoDataFrame({"pid": np.arange(n)}, geometry=pts, crs=settings.working_crs)


def sample_parcels(n):
    from dcf_spatial.sample import generate_parcels

    p = generate_parcels(n, seed=1)[["parcel_id", "geometry"]].rename(columns={"parcel_id": "id"})
    return p.to_crs(settings.working_crs)


def synthetic_parcels(zones, n, seed=3):
    rng = np.random.default_rng(seed)
    x1, y1, x2, y2 = zones.total_bounds
    cx, cy = rng.uniform(x1 - 2000, x2 + 2000, n), rng.uniform(y1 - 2000, y2 + 2000, n)
    w, h = rng.uniform(40, 120, n), rng.uniform(40, 120, n)
    return gpd.GeoDataFrame({"id": [f"SYN{i:06d}" for i in range(n)]},
                            geometry=shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2),
                            crs=settings.working_crs)


def with_zid(zones):
    z = zones[["geometry"]].copy()
    z.insert(0, "zid", np.arange(len(z)))
    z.insert(1, "id", z["zid"].astype(str))
    return z


# --- answers in one form: per point (zone position or -1, distance or NaN); per pair area -----------


class Answer:
    """One engine's answer in the common form that :func:`compare` checks. Engines return a
    function that builds it, called after the timing: putting every engine's output into this form
    is the benchmark's work, not the engine's (fetching the result is timed)."""

    def __init__(self, zone=None, dist=None, pairs=None, area=None):
        self.zone, self.dist, self.pairs, self.area = zone, dist, pairs, area


def per_point(n, pid, zid, dist=None):
    """First answer per point (engines may return ties twice); -1 / NaN for points with none."""
    pid, zid = np.asarray(pid, dtype=np.int64), np.asarray(zid, dtype=np.int64)
    zone = np.full(n, -1, dtype=np.int64)
    d = np.full(n, np.nan)
    order = np.argsort(pid, kind="stable")
    pid, zid = pid[order], zid[order]
    first = np.r_[True, pid[1:] != pid[:-1]] if len(pid) else np.array([], bool)
    zone[pid[first]] = zid[first]
    if dist is not None:
        d[pid[first]] = np.asarray(dist, dtype=float)[order][first]
    return zone, d


# --- engines ----------------------------------------------------------------------------------------


def dcf_engine():
    from dcf_spatial.land.zones import assign_largest_share
    from dcf_spatial.queries.distance import nearest, within_distance
    from dcf_spatial.queries.overlay import overlap

    def run(task, pts, zones, parcels):
        n = len(pts)
        if task == "nearest":
            r = nearest(pts, zones, b_id="id")
            return lambda: Answer(r["b_index"].to_numpy(), r["distance_m"].to_numpy())
        if task == "zone join":
            r = assign_largest_share(pts, zones, id_field="id")
            return lambda: Answer(pd.to_numeric(r["zone_id"], errors="coerce").fillna(-1).astype(np.int64).to_numpy(), None)
        if task == "within":
            r = within_distance(pts, zones, KM, b_id="id")
            w = r["within"].to_numpy()
            return lambda: Answer(np.where(w, r["b_index"].to_numpy(), -1), np.where(w, r["distance_m"].to_numpy(), np.nan))
        if task == "overlap":
            r = overlap(parcels, zones, keep_unmatched=False, min_area_m2=0.0)
            return lambda: Answer(pairs=(r["a_index"].to_numpy(), r["b_index"].to_numpy()), area=r["overlap_m2"].to_numpy())
        raise ValueError(task)

    return run


def geopandas_engine():
    def run(task, pts, zones, parcels):
        n = len(pts)
        if task == "nearest":
            j = gpd.sjoin_nearest(pts, zones, distance_col="d")
            return lambda: Answer(*per_point(n, j["pid"], j["zid"], j["d"]))
        if task == "zone join":
            j = gpd.sjoin(pts, zones, predicate="within")
            return lambda: Answer(*per_point(n, j["pid"], j["zid"]))
        if task == "within":
            # sjoin_nearest with a radius gives the within set and the distance in one call
            j = gpd.sjoin_nearest(pts, zones, distance_col="d", max_distance=KM * 1000)
            return lambda: Answer(*per_point(n, j["pid"], j["zid"], j["d"]))
        if task == "overlap":
            pa = parcels.assign(a_index=np.arange(len(parcels)))
            ov = gpd.overlay(pa[["a_index", "geometry"]], zones[["zid", "geometry"]], how="intersection",
                             keep_geom_type=True)
            area = ov.geometry.area.to_numpy()  # part of the answer: timed
            return lambda: Answer(pairs=(ov["a_index"].to_numpy(), ov["zid"].to_numpy()), area=area)
        raise ValueError(task)

    return run


def load_duckdb_spatial():
    """A DuckDB connection with the spatial extension loaded from the ``duckdb-extension-spatial``
    wheel (no download); ``(None, reason)`` when either is missing."""
    try:
        import duckdb
        import duckdb_extension_spatial
    except ImportError as exc:
        return None, f"not installed ({exc.name}): pip install -e '.[bench]'"
    ext = sorted(Path(duckdb_extension_spatial.__file__).parent.glob("extensions/*/spatial.duckdb_extension"))
    if not ext:
        return None, "duckdb-extension-spatial has no extension file"
    con = duckdb.connect()
    try:
        con.execute(f"LOAD '{ext[-1]}'")
    except Exception as exc:  # a version mismatch between the two wheels
        return None, f"cannot load the spatial extension ({exc}); install the same version of both"
    return con, f"duckdb {duckdb.__version__}"


def duckdb_engine(con):
    import pyarrow as pa

    state = {}

    def load(pts, zones, parcels):
        # the frames themselves are kept (not their id(), which Python reuses once a frame is freed:
        # a new zones frame at the old one's address would be answered from the old tables)
        if state.get("key") is not None and all(x is y for x, y in zip(state["key"], (pts, zones, parcels))):
            return
        p_xy = shapely.get_coordinates(pts.geometry.values)
        ptab = pa.table({"pid": pts["pid"].to_numpy(), "x": p_xy[:, 0], "y": p_xy[:, 1]})  # noqa: F841
        ztab = pa.table({"zid": zones["zid"].to_numpy(), "wkb": shapely.to_wkb(zones.geometry.values)})  # noqa: F841
        atab = pa.table({"aid": np.arange(len(parcels)), "wkb": shapely.to_wkb(parcels.geometry.values)})  # noqa: F841
        con.execute("CREATE OR REPLACE TABLE pts AS SELECT pid, ST_Point(x, y) AS geom FROM ptab")
        con.execute("CREATE OR REPLACE TABLE zones AS SELECT zid, ST_GeomFromWKB(wkb) AS geom FROM ztab")
        con.execute("CREATE OR REPLACE TABLE parcels AS SELECT aid, ST_GeomFromWKB(wkb) AS geom FROM atab")
        state["key"] = (pts, zones, parcels)

    def run(task, pts, zones, parcels):
        load(pts, zones, parcels)
        n = len(pts)
        if task == "nearest":
            r = con.execute("SELECT p.pid, arg_min(z.zid, ST_Distance(p.geom, z.geom)) AS zid, "
                            "min(ST_Distance(p.geom, z.geom)) AS d FROM pts p, zones z GROUP BY p.pid").fetchnumpy()
            return lambda: Answer(*per_point(n, r["pid"], r["zid"], r["d"]))
        if task == "zone join":
            r = con.execute("SELECT p.pid, z.zid FROM pts p JOIN zones z ON ST_Within(p.geom, z.geom)").fetchnumpy()
            return lambda: Answer(*per_point(n, r["pid"], r["zid"]))
        if task == "within":
            r = con.execute(f"SELECT p.pid, arg_min(z.zid, ST_Distance(p.geom, z.geom)) AS zid, "
                            f"min(ST_Distance(p.geom, z.geom)) AS d FROM pts p JOIN zones z "
                            f"ON ST_DWithin(p.geom, z.geom, {KM * 1000}) GROUP BY p.pid").fetchnumpy()
            return lambda: Answer(*per_point(n, r["pid"], r["zid"], r["d"]))
        if task == "overlap":
            r = con.execute("SELECT a.aid, z.zid, ST_Area(ST_Intersection(a.geom, z.geom)) AS area FROM parcels a "
                            "JOIN zones z ON ST_Intersects(a.geom, z.geom)").fetchnumpy()
            return lambda: Answer(pairs=(r["aid"], r["zid"]), area=r["area"])
        raise ValueError(task)

    return run


def postgis_engine(url):
    import psycopg

    from dcf_spatial.store.backends import mask_url

    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    state = {}

    def copy(table, cols, rows_wkb):
        # temporary tables: each run (each connection) has its own, so two benchmarks on one database
        # never drop or fill each other's tables
        conn.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
        conn.execute(f"CREATE TEMP TABLE {table} ({cols[0]} bigint, wkb bytea)")
        with conn.cursor().copy(f"COPY {table} ({cols[0]}, wkb) FROM STDIN") as cp:
            for k, w in rows_wkb:
                cp.write_row((int(k), w))
        conn.execute(f"ALTER TABLE {table} ADD COLUMN geom geometry")
        conn.execute(f"UPDATE {table} SET geom = ST_SetSRID(ST_GeomFromWKB(wkb), 4548)")
        conn.execute(f"ALTER TABLE {table} DROP COLUMN wkb")
        conn.execute(f"CREATE INDEX ON {table} USING gist (geom)")
        conn.execute(f"ANALYZE {table}")

    def load(pts, zones, parcels):
        # the frames themselves are kept (not their id(), which Python reuses once a frame is freed:
        # a new zones frame at the old one's address would be answered from the old tables)
        if state.get("key") is not None and all(x is y for x, y in zip(state["key"], (pts, zones, parcels))):
            return
        copy("bench_pts", ["pid"], zip(pts["pid"], shapely.to_wkb(pts.geometry.values)))
        copy("bench_zones", ["zid"], zip(zones["zid"], shapely.to_wkb(zones.geometry.values)))
        copy("bench_parcels", ["aid"], zip(range(len(parcels)), shapely.to_wkb(parcels.geometry.values)))
        state["key"] = (pts, zones, parcels)

    def fetch(sql):
        rows = conn.execute(sql).fetchall()
        return [np.array([r[i] for r in rows]) for i in range(len(rows[0]))] if rows else [np.array([])] * 3

    def run(task, pts, zones, parcels):
        load(pts, zones, parcels)
        n = len(pts)
        if task == "nearest":
            pid, zid, d = fetch("SELECT p.pid, z.zid, ST_Distance(p.geom, z.geom) FROM bench_pts p CROSS JOIN LATERAL "
                                "(SELECT zid, geom FROM bench_zones ORDER BY p.geom <-> geom LIMIT 1) z")
            return lambda: Answer(*per_point(n, pid, zid, d))
        if task == "zone join":
            pid, zid = fetch("SELECT p.pid, z.zid FROM bench_pts p JOIN bench_zones z ON ST_Within(p.geom, z.geom)")[:2]
            return lambda: Answer(*per_point(n, pid, zid))
        if task == "within":
            pid, zid, d = fetch(f"SELECT DISTINCT ON (p.pid) p.pid, z.zid, ST_Distance(p.geom, z.geom) AS d "
                                f"FROM bench_pts p JOIN bench_zones z ON ST_DWithin(p.geom, z.geom, {KM * 1000}) "
                                f"ORDER BY p.pid, d")
            return lambda: Answer(*per_point(n, pid, zid, d))
        if task == "overlap":
            aid, zid, area = fetch("SELECT a.aid, z.zid, ST_Area(ST_Intersection(a.geom, z.geom)) FROM bench_parcels a "
                                   "JOIN bench_zones z ON ST_Intersects(a.geom, z.geom)")
            return lambda: Answer(pairs=(aid, zid), area=area)
        raise ValueError(task)

    return run, f"PostGIS at {mask_url(url)}"


# --- checking and timing ---------------------------------------------------------------------------


def compare(task, ref: Answer, other: Answer, zones_geoms, pts_geoms) -> str:
    """How ``other`` differs from dcf's answer, in words ("same …" when it does not)."""
    if task == "overlap":
        keep = other.area > 0
        a, b = other.pairs[0][keep].astype(np.int64), other.pairs[1][keep].astype(np.int64)
        ours = set(zip(ref.pairs[0].tolist(), ref.pairs[1].tolist()))
        theirs = set(zip(a.tolist(), b.tolist()))
        rel = abs(other.area.sum() - ref.area.sum()) / max(ref.area.sum(), 1e-9)
        return (f"{'same' if ours == theirs else 'DIFFERENT'} {len(theirs):,} pairs "
                f"({len(ours - theirs)} only dcf, {len(theirs - ours)} only peer); total area rel. diff {rel:.1e}")
    diff = np.flatnonzero(ref.zone != other.zone)
    ties = 0
    if len(diff) and ref.dist is not None:
        # a different zone is fine when both are equally near (a point on a shared boundary)
        both = (ref.zone[diff] >= 0) & (other.zone[diff] >= 0)
        idx = diff[both]
        d_other = shapely.distance(pts_geoms[idx], zones_geoms[other.zone[idx]])
        tie = np.abs(d_other - ref.dist[idx]) < 1e-3
        ties = int(tie.sum())
        diff = np.setdiff1d(diff, idx[tie])
    text = f"{'same' if not len(diff) else f'DIFFERENT ({len(diff):,} points)'} zones"
    if ties:
        text += f" ({ties} equally near ties)"
    if ref.dist is not None and other.dist is not None:
        ok = ~np.isnan(ref.dist) & ~np.isnan(other.dist)
        dmax = float(np.max(np.abs(ref.dist[ok] - other.dist[ok]))) if ok.any() else 0.0
        text += f"; max |Δd| {dmax * 1000:.1e} mm"
    return text


def run_suite(label, zones_of_task, pts, parcels, engines, repeat, skip):
    """Each task: every engine once untimed (loading DuckDB/PostGIS tables, warming caches), then
    ``repeat`` rounds in which every engine runs once in turn — interleaved, so that a change in the
    machine's load falls on all engines alike. Per engine: the median wall time, the mean CPU time
    of this process, and the 1-minute load average over its runs."""
    rows = []
    pg = np.asarray(pts.geometry.values, dtype=object)
    for task, zones in zones_of_task.items():
        zones = with_zid(zones)
        zg = np.asarray(zones.geometry.values, dtype=object)
        live = [(name, fn) for name, fn in engines if (label, task, name) not in skip]
        answers = {name: fn(task, pts, zones, parcels) for name, fn in live}  # warm-up, untimed
        walls = {name: [] for name, _ in live}
        cpus = {name: 0.0 for name, _ in live}
        loads = {name: [] for name, _ in live}
        for _ in range(repeat):
            for name, fn in live:
                c, t = time.process_time(), time.perf_counter()
                answers[name] = fn(task, pts, zones, parcels)
                walls[name].append(time.perf_counter() - t)
                cpus[name] += time.process_time() - c
                loads[name].append(os.getloadavg()[0])
        ref = None
        for name, _ in engines:
            if (label, task, name) in skip:
                rows.append({"suite": label, "task": task, "engine": name, "wall": None, "cpu": None, "load": None,
                             "check": skip[(label, task, name)]})
                continue
            ans = answers[name]
            ans = ans() if callable(ans) else ans  # into the common form: untimed
            check = "reference" if ref is None else compare(task, ref, ans, zg, pg)
            if ref is None:
                ref = ans
            wall = statistics.median(walls[name])
            rows.append({"suite": label, "task": task, "engine": name, "wall": wall, "cpu": cpus[name] / repeat,
                         "load": statistics.mean(loads[name]), "check": check})
            print(f"  {label:9s} {task:10s} {name:10s} {wall:8.3f} s  {check}", file=sys.stderr, flush=True)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=200_000)
    ap.add_argument("--parcels", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=5, help="runs of each engine and task (the median is shown)")
    ap.add_argument("--pg-url", default=os.environ.get("DCF_TEST_PG_URL"), help="PostGIS URL (default DCF_TEST_PG_URL)")
    ap.add_argument("--only", choices=("shipped", "detailed"))
    ap.add_argument("--quick", action="store_true", help="20,000 points, 5,000 parcels, 2 repeats (a smoke run)")
    args = ap.parse_args(argv)
    if args.quick:
        args.points, args.parcels, args.repeat = 20_000, 5_000, 2
    load0 = os.getloadavg()
    engines = [("dcf", dcf_engine()), ("geopandas", geopandas_engine())]
    notes = []
    con, why = load_duckdb_spatial()
    if con is not None:
        engines.append(("duckdb", duckdb_engine(con)))
    notes.append(f"DuckDB spatial: {why}")
    if args.pg_url:
        pg, what = postgis_engine(args.pg_url)
        engines.append(("postgis", pg))
        notes.append(what)
    else:
        notes.append("PostGIS: not run (no --pg-url / DCF_TEST_PG_URL)")
    # DuckDB has no nearest-neighbour index: its nearest is a cross join computing every
    # point–zone distance — minutes against 40 zones of 800 vertices, so not run there
    skip = {("detailed", "nearest", "duckdb"): "not run: no KNN index, a cross join of every point × zone"}
    rows = []
    if args.only in (None, "shipped"):
        lay = shipped_layers()
        bounds = lay["district"].total_bounds
        pts = points_in(bounds, args.points)
        parcels = sample_parcels(args.parcels)
        tasks = {"nearest": lay["industrial_clusters"], "zone join": lay["townships"],
                 "within": lay["service_belts"], "overlap": lay["industrial_clusters"]}
        rows += run_suite("shipped", tasks, pts, parcels, engines, args.repeat, skip)
    if args.only in (None, "detailed"):
        zones = detailed_zones()
        x1, y1, x2, y2 = zones.total_bounds
        pts = points_in((x1 - 2000, y1 - 2000, x2 + 2000, y2 + 2000), args.points)
        parcels = synthetic_parcels(zones, args.parcels)
        tasks = dict.fromkeys(("nearest", "zone join", "within", "overlap"), zones)
        rows += run_suite("detailed", tasks, pts, parcels, engines, args.repeat, skip)
    load1 = os.getloadavg()
    print_table(rows, args, load0, load1, notes)


def print_table(rows, args, load0, load1, notes):
    print(f"bench_peers {time.strftime('%Y-%m-%d %H:%M')}: {args.points:,} points, {args.parcels:,} parcels, "
          f"median of {args.repeat}; {os.cpu_count()} cores; load average before "
          f"{', '.join(f'{x:.2f}' for x in load0)}, after {', '.join(f'{x:.2f}' for x in load1)}")
    for n in notes:
        print(f"  {n}")
    print("shipped: nearest → industrial_clusters (4), zone join → townships (14), within 1 km of service_belts (3), "
          "overlap sample parcels × industrial_clusters; detailed: 40 zones of ~800 vertices")
    print(f"{'suite':9s} {'task':10s} {'engine':10s} {'median s':>9s} {'dcf ×':>7s} {'CPU s':>7s} {'CPU ×':>7s}"
          f" {'load':>5s}  check against dcf")
    dcf = {(r["suite"], r["task"]): r for r in rows if r["engine"] == "dcf"}
    for r in rows:
        if r["wall"] is None:
            print(f"{r['suite']:9s} {r['task']:10s} {r['engine']:10s} {'—':>9s} {'—':>7s} {'—':>7s} {'—':>7s} "
                  f"{'—':>5s}  {r['check']}")
            continue
        ref = dcf[(r["suite"], r["task"])]
        ratio = r["wall"] / ref["wall"]
        # PostGIS works in its server: the CPU time of this process says nothing of it
        cpu_ratio = "—" if r["engine"] == "postgis" else f"{r['cpu'] / max(ref['cpu'], 1e-9):6.2f}×"
        print(f"{r['suite']:9s} {r['task']:10s} {r['engine']:10s} {r['wall']:9.3f} {ratio:6.2f}× {r['cpu']:7.2f} "
              f"{cpu_ratio:>7s} {r['load']:5.1f}  {r['check']}")
    print("dcf × = the engine's median wall time ÷ dcf's (above 1: dcf is faster); CPU × the same for the CPU "
          "time of this process per run (all its threads; not meaningful for PostGIS, whose work is in the server); "
          "load = the 1-minute load average over that engine's runs (engines run interleaved).")
    print_goals(rows)


#: issue 13, goal 1: (suite, task) -> [(peer engine or "fastest", least ratio)]
GOALS = {("shipped", "nearest"): [("fastest", 1.0)], ("shipped", "zone join"): [("fastest", 1.0)],
         ("shipped", "within"): [("fastest", 1.0)],
         ("shipped", "overlap"): [("geopandas", 3.0), ("postgis", 1.5)],
         ("detailed", "nearest"): [("geopandas", 10.0)],
         ("detailed", "overlap"): [("geopandas", 3.0), ("postgis", 1.5)]}


def print_goals(rows):
    """One line per goal: the ratio to the fastest peer (or the named one) and whether it is met."""
    by = {}
    for r in rows:
        if r["wall"] is not None and "DIFFERENT" not in r["check"]:
            by.setdefault((r["suite"], r["task"]), {})[r["engine"]] = r["wall"]
    print("goals (issue 13, goal 1; wall-time ratios of this run):")
    for key, goals in GOALS.items():
        got = by.get(key)
        if not got or "dcf" not in got:
            continue
        for peer, least in goals:
            peers = {e: w for e, w in got.items() if e != "dcf"}
            if peer == "fastest":
                if not peers:
                    continue
                peer = min(peers, key=peers.get)
            if peer not in got:
                print(f"  {key[0]:9s} {key[1]:10s} vs {peer:10s} ≥ {least:4.1f}×: not run")
                continue
            ratio = got[peer] / got["dcf"]
            print(f"  {key[0]:9s} {key[1]:10s} vs {peer:10s} ≥ {least:4.1f}×: {ratio:6.2f}×  "
                  f"{'met' if ratio >= least else 'NOT met'}")


if __name__ == "__main__":
    main()
