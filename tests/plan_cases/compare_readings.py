"""Agreement of two independent readings of the same requests, and of the tool with each.

Run from the repository's root with its venv::

    .venv/bin/python tests/plan_cases/compare_readings.py [--out table.csv]

``second_reading_requests.csv`` holds the 240 requests (drawn at random, seeded, from holdout5–10) as the second
reader received them, with the ``case_id`` of the first reading, which the second reader never saw;
``second_reading.csv`` holds the second reader's verdicts, committed before any comparison. The tool runs each
request exactly as ``tests/test_plan_cases.py`` does (same CLI call, same flags).
"""
from __future__ import annotations

import argparse
import collections
import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import test_plan_cases as T  # noqa: E402  (the cases' own runner: one way to run a case)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="write every request with the three verdicts to this CSV")
    args = ap.parse_args(argv)
    requests = list(csv.DictReader(open(HERE / "second_reading_requests.csv", encoding="utf-8")))
    second = {r["sid"]: r for r in csv.DictReader(open(HERE / "second_reading.csv", encoding="utf-8"))}
    first = {}
    for n in range(5, 11):
        for r in T.load_cases(HERE / f"holdout{n}.csv"):
            first[r["case_id"]] = r
    c = collections.Counter()
    table = []
    for req in requests:
        one, two = first[req["case_id"]], second[req["sid"]]
        assert (one["place"], one["industry"], one["extra"]) == (req["place"], req["industry"], req["extra"]), req
        tool = T.run_case(one)["verdict"]
        r1, r2 = one["expected_verdict"], two["expected_verdict"].strip()
        policy = two.get("policy_sensitive", "").strip() in ("1", "true", "yes")
        c["requests"] += 1
        c["reader 1 = reader 2"] += r1 == r2
        c["tool = reader 1"] += tool == r1
        c["tool = reader 2"] += tool == r2
        c["readers agree"] += r1 == r2
        c["tool = both, where the readers agree"] += r1 == r2 == tool
        c["policy-sensitive (reader 2)"] += policy
        table.append({"sid": req["sid"], "case_id": req["case_id"], "place": req["place"], "industry": req["industry"],
                      "extra": req["extra"], "reader1": r1, "reader2": r2, "tool": tool, "policy_sensitive": int(policy),
                      "why1": one["why"], "why2": two["why"]})
    n = c["requests"]
    for key in ("reader 1 = reader 2", "tool = reader 1", "tool = reader 2"):
        print(f"{key}: {c[key]} / {n} ({100 * c[key] / n:.1f} %)")
    k = c["readers agree"]
    print(f"tool = both, where the readers agree: {c['tool = both, where the readers agree']} / {k}"
          f" ({100 * c['tool = both, where the readers agree'] / k:.1f} %)")
    print(f"policy-sensitive (reader 2): {c['policy-sensitive (reader 2)']}")
    for row in table:
        if not row["reader1"] == row["reader2"] == row["tool"]:
            print(f"  {row['sid']} {row['case_id']} {row['industry']} @ {row['place']} {row['extra']}: "
                  f"reader 1 {row['reader1']}, reader 2 {row['reader2']}, tool {row['tool']}")
    if args.out:
        with open(args.out, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(table[0]))
            w.writeheader()
            w.writerows(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
