"""Start-up of `dcf site check` from the shell (issue 13, goal 7: ≤ 0.5 s).

Runs ``dcf site check --site 116.0,36.45 --industry C3451`` as a fresh process N times (after one
warm-up run that prepares the layers' copy in the user cache and warms the OS file cache), and
prints the median and best wall time, the median CPU time of the child (user + system), the load
average before and after, and which heavy libraries the command imported. ``--importtime`` adds the
ten slowest imports of one run (``python -X importtime``).

    .venv/bin/python benchmarks/bench_startup.py            # 15 runs
    .venv/bin/python benchmarks/bench_startup.py -n 30 --importtime
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import dcf_command  # noqa: E402

ARGS = ["site", "check", "--site", "116.0,36.45", "--industry", "C3451"]
HEAVY = ("pandas", "geopandas", "pyogrio", "fiona", "pyarrow", "matplotlib", "sqlalchemy")


def one_run(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def imported_heavy() -> list[str]:
    """The heavy libraries the same command imports (run in-process in a child interpreter)."""
    code = ("import sys\nfrom dcf_spatial.cli.main import cli\n"
            f"try:\n    cli({ARGS!r})\nexcept SystemExit:\n    pass\n"
            f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    last = next((ln for ln in out.stderr.splitlines() if ln.startswith("HEAVY:")), "HEAVY:")
    return [m for m in last.removeprefix("HEAVY:").split(",") if m]


def slowest_imports(k: int = 10) -> list[tuple[int, str]]:
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "dcf_spatial.cli.main", *ARGS],
                         capture_output=True, text=True)
    rows = []
    for line in out.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cum, name = line.split("|")
            if cum.strip().isdigit() and not name.startswith("   "):  # top-level imports only
                rows.append((int(cum), name.strip()))
    return sorted(rows, reverse=True)[:k]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=15)
    ap.add_argument("--importtime", action="store_true", help="also list the ten slowest top-level imports")
    a = ap.parse_args(argv)
    cmd = [*dcf_command(), *ARGS]
    load0 = os.getloadavg()
    one_run(cmd)  # warm-up: prepares ~/.cache/dcf_spatial/context once, warms the file cache
    walls, cpus = zip(*(one_run(cmd) for _ in range(a.runs)))
    load1 = os.getloadavg()
    print(f"`dcf {' '.join(ARGS)}`, {a.runs} runs on {os.cpu_count()} cores, "
          f"load average {load0[0]:.1f} → {load1[0]:.1f}")
    print(f"  wall  median {statistics.median(walls):.3f} s, best {min(walls):.3f} s, worst {max(walls):.3f} s")
    print(f"  CPU   median {statistics.median(cpus):.3f} s (user + system)")
    print(f"  target ≤ 0.5 s wall: {'met' if statistics.median(walls) <= 0.5 else 'NOT met'} (median)")
    heavy = imported_heavy()
    print(f"  heavy libraries imported: {', '.join(heavy) if heavy else 'none of ' + '/'.join(HEAVY)}")
    if a.importtime:
        print("  slowest top-level imports (cumulative µs):")
        for us, name in slowest_imports():
            print(f"    {us:>9,d}  {name}")


if __name__ == "__main__":
    main()
