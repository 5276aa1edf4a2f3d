"""The appendix maps (issue 13, goal 5): all three (PNG + PDF + HTML) warm ≤ 8 s; cold font preparation ≤ 15 s.

*Warm*: ``dcf -q maps appendix --out TMP --overwrite`` as a fresh process, N times after one warm-up
run (the font instances and the web-font subsets are in the cache); median and best wall, median
CPU of the child. Each run's files are compared with the committed ``maps/`` (byte for byte).
*Cold font*: the font instances derived into an empty ``DCF_CACHE_DIR`` (``fonts.font_files()`` in a
fresh process), wall and CPU — what the first map run on a new machine adds. ``--no-cold`` skips it.

    .venv/bin/python benchmarks/bench_maps.py            # 3 warm runs + the cold font
    .venv/bin/python benchmarks/bench_maps.py -n 5 --no-cold
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import dcf_command  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], env=None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=3)
    ap.add_argument("--no-cold", action="store_true", help="skip the cold font preparation")
    a = ap.parse_args(argv)
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="dcf_bench_maps_") as tmp:
        out = Path(tmp) / "maps"
        cmd = [*dcf_command(), "-q", "maps", "appendix", "--out", str(out), "--overwrite"]
        timed(cmd)  # warm-up: fonts and web-font subsets into the cache
        walls, cpus = zip(*(timed(cmd) for _ in range(a.runs)))
        committed = sorted(p.name for p in (REPO / "maps").iterdir() if p.suffix in (".png", ".pdf", ".html"))
        differ = [n for n in committed if not filecmp.cmp(REPO / "maps" / n, out / n, shallow=False)]
        cold = None
        if not a.no_cold:
            env = {**os.environ, "DCF_CACHE_DIR": str(Path(tmp) / "cold_cache")}
            cold = timed([sys.executable, "-c", "from dcf_spatial.maps import fonts; fonts.font_files()"], env=env)
    load1 = os.getloadavg()
    print(f"appendix maps 附图1–3 (PDF + PNG + HTML), {a.runs} warm runs on {os.cpu_count()} cores, "
          f"load average {load0[0]:.1f} → {load1[0]:.1f}")
    print(f"  warm  wall median {statistics.median(walls):.1f} s (best {min(walls):.1f} s), "
          f"CPU median {statistics.median(cpus):.1f} s — target ≤ 8 s: "
          f"{'met' if statistics.median(walls) <= 8 else 'NOT met'} (wall), "
          f"{'met' if statistics.median(cpus) <= 8 else 'NOT met'} (CPU)")
    print(f"  files equal to the committed maps/: {'all ' + str(len(committed)) if not differ else 'NOT ' + ', '.join(differ)}")
    if cold is not None:
        print(f"  cold font preparation: wall {cold[0]:.1f} s, CPU {cold[1]:.1f} s — target ≤ 15 s: "
              f"{'met' if cold[0] <= 15 else 'NOT met'}")


if __name__ == "__main__":
    main()
