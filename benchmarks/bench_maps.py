"""The appendix maps (issue 13, goal 5): all three (PNG + PDF + HTML) warm ≤ 8 s; cold font preparation ≤ 15 s.

*Warm*: ``dcf -q maps appendix --out TMP --overwrite`` as a fresh process with a font cache that
already holds the maps' font subsets (one warm-up run fills it). *Cold*: the same command with an
empty ``DCF_CACHE_DIR`` — a new machine's first run, which cuts the CJK font to the maps' text
(the print maps' subset and one per web map) before drawing. Warm and cold runs alternate, N of
each; the script prints median and best wall, median CPU (user + system of the child), the cold
font preparation as cold − warm of each pair, and the load average before and after. Every run's
nine files are compared byte for byte with the committed ``maps/`` (the cold runs' too: a fresh
cache must give the same files).

    .venv/bin/python benchmarks/bench_maps.py            # 3 warm + 3 cold runs
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


def _differ(out: Path) -> list[str]:
    committed = sorted(p.name for p in (REPO / "maps").iterdir() if p.suffix in (".png", ".pdf", ".html"))
    return [n for n in committed if not (out / n).is_file() or not filecmp.cmp(REPO / "maps" / n, out / n, shallow=False)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=3)
    ap.add_argument("--no-cold", action="store_true", help="skip the cold runs (empty font cache)")
    a = ap.parse_args(argv)
    load0 = os.getloadavg()
    warm, cold, differ = [], [], set()
    with tempfile.TemporaryDirectory(prefix="dcf_bench_maps_") as tmp:
        tmp = Path(tmp)
        out = tmp / "maps"

        def run(cache: Path):
            env = {**os.environ, "DCF_CACHE_DIR": str(cache)}
            got = timed([*dcf_command(), "-q", "maps", "appendix", "--out", str(out), "--overwrite"], env=env)
            differ.update(_differ(out))
            return got

        run(tmp / "warm_cache")  # warm-up: the font subsets into the cache
        for i in range(a.runs):
            warm.append(run(tmp / "warm_cache"))
            if not a.no_cold:
                cold.append(run(tmp / f"cold_cache_{i}"))
    load1 = os.getloadavg()
    med = statistics.median
    print(f"appendix maps 附图1–3 (PDF + PNG + HTML), {a.runs} warm{'' if a.no_cold else ' + ' + str(a.runs) + ' cold'} runs "
          f"on {os.cpu_count()} cores, load average {load0[0]:.1f} → {load1[0]:.1f}")
    ww, wc = [w for w, _ in warm], [c for _, c in warm]
    print(f"  warm  wall median {med(ww):.1f} s (best {min(ww):.1f} s), CPU median {med(wc):.1f} s — target ≤ 8 s: "
          f"{'met' if med(ww) <= 8 else 'NOT met'} (wall), {'met' if med(wc) <= 8 else 'NOT met'} (CPU)")
    if cold:
        cw, cc = [w for w, _ in cold], [c for _, c in cold]
        fw = [c[0] - w[0] for w, c in zip(warm, cold)]
        fc = [c[1] - w[1] for w, c in zip(warm, cold)]
        print(f"  cold  wall median {med(cw):.1f} s, CPU median {med(cc):.1f} s (empty font cache: the whole first run)")
        print(f"  cold font preparation (cold − warm, pairwise): wall median {med(fw):.1f} s, CPU median {med(fc):.1f} s "
              f"— target ≤ 15 s: {'met' if med(fw) <= 15 else 'NOT met'} (wall), {'met' if med(fc) <= 15 else 'NOT met'} (CPU)")
    print(f"  files equal to the committed maps/ in every run: {'yes, all 9' if not differ else 'NO: ' + ', '.join(sorted(differ))}")


if __name__ == "__main__":
    main()
