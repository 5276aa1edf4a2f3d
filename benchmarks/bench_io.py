"""Benchmark the readers of dcf_spatial.io on generated (synthetic) files.

Measures, for N parcels (default 200,000) and M points (default 1,000,000):

* ``read_vector`` of a GeoPackage and of a GBK Shapefile without ``.cpg`` (N polygons);
* ``read_vector`` of a GBK CSV with 经度/纬度 columns, and with ``crs="gcj02"`` (M points);
* ``read_table`` of an XLSX (20,000 rows, openpyxl);
* ``iter_records`` (with and without geometries) / ``scan_vector`` (fiona streaming) of the Shapefile, with the peak RSS of a
  child process doing only the scan, against a child doing a full ``read_vector``.

Run: ``python benchmarks/bench_io.py [--parcels 200000] [--points 1000000]``. Prints a table.
All generated data is synthetic (合成数据) and written to a temporary folder.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np


def _parcels(n: int, seed: int = 7):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    x = rng.uniform(115.70, 116.20, n)
    y = rng.uniform(36.28, 36.70, n)
    w = rng.uniform(0.0005, 0.003, n)
    geoms = shapely.box(x, y, x + w, y + w * 0.8)
    bad = rng.choice(n, size=max(n // 1000, 1), replace=False)  # 0.1 % bow-ties to repair
    geoms[bad] = [shapely.Polygon([(a, b), (a + 0.001, b + 0.001), (a + 0.001, b), (a, b + 0.001)])
                  for a, b in zip(x[bad], y[bad])]
    return gpd.GeoDataFrame({
        "宗地号": [f"SYN{i:07d}" for i in range(n)],
        "土地使用权人": [f"合成企业{i % 5000:04d}（样例）" for i in range(n)],
        "DLBM": rng.choice(["0601", "0602", "0701", "1001"], n),
        "TBMJ": (w * w * 0.8 * 1.0e10).round(1),
    }, geometry=geoms, crs="EPSG:4490")


def _peak_rss_mb(code: str) -> float:
    # VmHWM (not ru_maxrss, which a child inherits from this large parent across fork/exec)
    probe = "\nprint([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])"
    out = subprocess.run([sys.executable, "-c", code + probe], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parcels", type=int, default=200_000)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=20_000)
    args = ap.parse_args(argv)

    import pandas as pd

    from dcf_spatial import crs as dcf_crs
    from dcf_spatial import io

    rows = []

    def timed(label, fn):
        t = time.perf_counter()
        result = fn()
        rows.append((label, time.perf_counter() - t))
        return result

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        parcels = _parcels(args.parcels)
        gpkg = tmp / "parcels.gpkg"
        parcels.to_file(gpkg)
        shp = tmp / "parcels.shp"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parcels.to_file(shp, encoding="gbk")
        shp.with_suffix(".cpg").unlink(missing_ok=True)

        rng = np.random.default_rng(3)
        lon = rng.uniform(115.70, 116.20, args.points)
        lat = rng.uniform(36.28, 36.70, args.points)
        glon, glat = dcf_crs.wgs84_to_gcj02(lon, lat)
        csv = tmp / "points.csv"
        pd.DataFrame({"编号": [f"{i:07d}" for i in range(args.points)], "名称": "合成点（样例）",
                      "经度": glon.round(7), "纬度": glat.round(7)}).to_csv(csv, index=False, encoding="gbk")
        xlsx = tmp / "table.xlsx"
        pd.DataFrame({"宗地号": [f"SYN{i:07d}" for i in range(args.xlsx_rows)], "总投资(万元)": 1000.0,
                      "约定动工日期": "2021-03-01"}).to_excel(xlsx, index=False)

        g = timed(f"read_vector GeoPackage, {args.parcels:,} polygons", lambda: io.read_vector(gpkg))
        assert len(g) == args.parcels
        g = timed(f"read_vector GBK Shapefile (no .cpg), {args.parcels:,} polygons", lambda: io.read_vector(shp))
        assert g["土地使用权"].iloc[0].startswith("合成企业")  # DBF field names are cut at 10 bytes
        p = timed(f"read_vector GBK CSV 经度/纬度, {args.points:,} points", lambda: io.read_vector(csv))
        assert len(p) == args.points
        timed(f"read_vector GBK CSV crs=gcj02, {args.points:,} points", lambda: io.read_vector(csv, crs="gcj02"))
        timed(f"read_table XLSX, {args.xlsx_rows:,} rows", lambda: io.read_table(xlsx, aliases="parcels"))
        n = timed(f"iter_records (fiona) count, geometry=False, {args.parcels:,}",
                  lambda: sum(1 for _ in io.iter_records(shp, geometry=False)))
        assert n == args.parcels
        n = timed(f"iter_records (fiona) with geometries, {args.parcels:,}",
                  lambda: sum(1 for _ in io.iter_records(shp)))
        assert n == args.parcels
        s = timed(f"scan_vector (fiona) validate, {args.parcels:,} records", lambda: io.scan_vector(shp))
        scan_mb = _peak_rss_mb(f"from dcf_spatial import io; io.scan_vector({str(shp)!r})")
        read_mb = _peak_rss_mb(f"from dcf_spatial import io; io.read_vector({str(shp)!r})")
        base_mb = _peak_rss_mb("import geopandas, fiona, pyogrio; from dcf_spatial import io")

    print(f"{'step':<62} {'seconds':>8}")
    for label, sec in rows:
        print(f"{label:<62} {sec:8.2f}")
    print(f"scan found {s['n_invalid']} invalid of {s['count']:,} (expected {max(args.parcels // 1000, 1)})")
    print(f"peak RSS: imports only {base_mb:,.0f} MB; scan_vector {scan_mb:,.0f} MB; read_vector {read_mb:,.0f} MB")


if __name__ == "__main__":
    main()
