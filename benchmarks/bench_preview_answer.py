"""The desk's import preview of a large file: CPU and the size of its answer (breaker B31-12: a 100,000-feature
file's answer was 28 MB, 45 s on the server).

    python benchmarks/bench_preview_answer.py [--features 100000] [--baseline ../base] [--rounds 2]

合成数据: ``--features`` three-vertex lines with the canal layer's fields, scattered over the district's bounding box
(as the breaker's ``bigcanal.gpkg``), previewed as ``canal`` against a copy of the shipped store through the
desk's own route (``POST /api/layers/canal/import/preview``, FastAPI's test client, in a fresh child process per
code). Each code (this checkout, and ``--baseline``'s: another checkout's package first on ``PYTHONPATH``) runs
``--rounds`` times, interleaved. Printed per run: the request's CPU seconds (the child's user + system, read
before and after the request), the answer's bytes and the features drawn on the map. The machine is shared:
``uptime``'s load is printed with each row; compare the codes within one run, never against a fixed figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, os, re, resource, sys
from fastapi.testclient import TestClient
from dcf_spatial.desk import create_app

store, upload = sys.argv[1], sys.argv[2]
with TestClient(create_app(store), base_url="http://127.0.0.1") as client:
    token = re.search(r'name="dcf-write-token" content="([^"]+)"', client.get("/layers").text).group(1)
    headers = {"X-DCF-Token": token, "Origin": "http://127.0.0.1"}
    cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    with open(upload, "rb") as fh:
        c0 = cpu()
        r = client.post("/api/layers/canal/import/preview", headers=headers, files={"file": ("big.gpkg", fh)},
                        data={"provenance": "reference"})
        c1 = cpu()
    body = r.json()
    drawn = len((body.get("new_geojson") or {}).get("features") or [])
    print(json.dumps({"status": r.status_code, "cpu_s": round(c1 - c0, 1), "answer_mb": round(len(r.content) / 2**20, 2),
                      "drawn": drawn, "added_listed": len(body.get("added") or [])}))
"""


def make_file(path: Path, n: int, seed: int = 0) -> None:
    import geopandas as gpd
    import numpy as np
    import shapely

    import dcf_spatial as dcf

    x0, y0, x1, y1 = dcf.layer("district").to_crs(4490).total_bounds
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)
    coords = np.stack([np.stack([x, y], 1), np.stack([x + 0.01, y + 0.005], 1), np.stack([x + 0.02, y], 1)], 1)
    lines = shapely.linestrings(coords)
    gpd.GeoDataFrame({"id": [f"c{i}" for i in range(n)], "name_zh": ["京杭大运河（合成数据）"] * n},
                     geometry=lines, crs=4490).to_file(path)


def main() -> None:
    from dcf_spatial import settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--features", type=int, default=100_000)
    ap.add_argument("--baseline", help="another checkout whose package is compared (its folder)")
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    codes = {"this": str(HERE.parent)}
    if a.baseline:
        codes["baseline"] = str(Path(a.baseline).resolve())
    with tempfile.TemporaryDirectory(prefix="dcf-bench-preview-") as tmp:
        upload = Path(tmp) / "big.gpkg"
        make_file(upload, a.features)
        for r in range(a.rounds):
            for name, root in codes.items():
                store = Path(tmp) / f"{name}{r}.gpkg"
                shutil.copy(settings.checkout_store, store)
                env = dict(os.environ, PYTHONPATH=root, HOME=tmp)
                out = subprocess.run([sys.executable, "-c", CHILD, str(store), str(upload)], env=env, cwd=tmp,
                                     capture_output=True, text=True)
                load = os.getloadavg()[0]
                line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-500:]
                print(f"round {r} {name:8s} load {load:.1f}  {line}", flush=True)


if __name__ == "__main__":
    main()
