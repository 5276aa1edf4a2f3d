"""Tally the blind readers on the questions the plan leaves open (tasks R15, R16, R17): for each question, which readers (one
case file = one reader) wrote which verdict, and what the tool answers now.

Run from the repository's root with its venv (runs every case once, about a minute)::

    .venv/bin/python tests/plan_cases/tally_questions.py [--cases]

A reader is counted once per question under the verdict most of their cases on it carry (``tie`` when even); a
case whose expected verdict the tool already matches counts like any other (agreeing cases are votes).
``--cases`` lists every case of every question.
"""
from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import test_plan_cases as T  # noqa: E402  (the cases' own runner: one way to run a case)

FILES = ["cases.csv", "holdout.csv"] + [f"holdout{n}.csv" for n in range(2, 25)]
SERVICE_RULES = {"community_services_district_wide", "everyday_services_township", "eldercare_township"}


def _zones(a):
    return [z["id"] for z in a.get("zones", [])]


def _codes(a):
    return a.get("industry", {}).get("codes") or []


def _rules(a):
    return {r["rule"]: r["effect"] for r in a.get("reasons", [])}


def _in_cluster(a):
    return any(z.startswith(("cluster.", "park.")) for z in _zones(a))


def _has(a, prefixes):
    return any(c.startswith(tuple(prefixes)) for c in _codes(a))


def _township(a):
    """In no zone of the plan but the named places of 第八章第二节 (a township outside every zone)."""
    return all(z.startswith("place.") for z in _zones(a))


def _plain(c):
    """No flag that decides the case on other grounds (淘汰类/限制类, capacity replacement)."""
    return "catalogue_class" not in c["extra"] and "capacity_replacement" not in c["extra"]


NAMED_CHEM = ["C264", "C2651", "C2682", "C2684"]


def _outside_all(a):
    """In a township: no zone of the plan at all (the named places of 第八章第二节 aside)."""
    return not any(z.startswith(("agri.", "cluster.", "park.", "core.", "belt.", "group.", "point."))
                   for z in _zones(a))


def _share(a, zone_id):
    return next((z.get("share") or 0 for z in a.get("zones", []) if z["id"] == zone_id), 0)


ZJ_JM_PRODUCTION = {"park.zhengjia.auto_parts", "park.zhengjia.bearing", "park.jiaming.smart_mfg"}
FARM_FACILITIES = ["A05", "G5930", "F5112", "F5166", "F5167", "F5168"]


def _chem(a, c):
    r = _rules(a)
    return ("chemical_eliminated_restricted" in r and "catalogue_class" not in c["extra"] and _in_cluster(a)
            and r.get("overcapacity") != "does_not_fit")


#: question -> test on (answer, case); the tests mirror the questions of task R15 (tests/plan_cases/README.md)
QUESTIONS = {
    "1a C26 the plan does not name, in a cluster": lambda a, c: _chem(a, c) and _has(a, ["C26"])
        and not _has(a, ["C264", "C2651", "C2682", "C2684"]) and _codes(a) != ["C26"],
    "1b 涂料/合成树脂 in 嘉明": lambda a, c: _chem(a, c) and _has(a, ["C264", "C2651"])
        and any(z.startswith(("cluster.jiaming",)) for z in _zones(a)),
    "1c 涂料 in 郑家": lambda a, c: _chem(a, c) and _has(a, ["C264"]) and "cluster.zhengjia" in _zones(a),
    "1d 原料药 C2710 in a cluster": lambda a, c: _chem(a, c) and _has(a, ["C2710"]),
    "1e C25 with capacity replacement in a cluster": lambda a, c: _chem(a, c) and _has(a, ["C25"])
        and "capacity_replacement" in c["extra"],
    "2 livestock outside the zones": lambda a, c: _has(a, ["A031", "A032", "A039"])
        and not any(z.startswith(("agri.", "cluster.", "park.", "core.")) for z in _zones(a)),
    "3 community services in a township, no zone": lambda a, c: bool(set(_rules(a)) & SERVICE_RULES)
        and not _zones(a),
    "4a air transport G56 at the airport (郑家镇 outside the cluster)": lambda a, c: _has(a, ["G56"])
        and "place.liaocheng_airport" in _zones(a) and not _in_cluster(a),
    "4b storage/logistics G58/G59 at the airport (郑家镇 outside the cluster)": lambda a, c: _has(a, ["G58", "G59"])
        and "place.liaocheng_airport" in _zones(a) and not _in_cluster(a),
    "4c 蔬菜加工 C1371 in 沙镇/侯营 outside the drawn zone": lambda a, c: _has(a, ["C1371"])
        and _zones(a) == ["place.shazhen_houying_vegetable"],
    "4d 冷库 G5930 outside the zones": lambda a, c: _has(a, ["G5930"])
        and not any(z.startswith(("agri.", "cluster.", "park.")) for z in _zones(a)),
    "5 cluster id, project of the cluster but not of the point's park": lambda a, c: c["place"].startswith("cluster.")
        and "park_designation" in _rules(a) and "overcapacity" not in _rules(a)
        and "wrong_cluster" not in _rules(a),
    "6a 快递 G602 in a logistics park": lambda a, c: _has(a, ["G602"])
        and any(z.endswith(".logistics") for z in _zones(a)),
    "6b 工艺美术 C243 at 道口铺非遗文化名镇": lambda a, c: _has(a, ["C243"])
        and "point.daokoupu_heritage" in _zones(a),
    "6c 机械加工 C3484 in 智能制造产业园": lambda a, c: _has(a, ["C3484"])
        and "park.jiaming.smart_mfg" in _zones(a) and c["expected_verdict"] != "does_not_fit",
    "6d 驾校 P8391 in the core": lambda a, c: _has(a, ["P8391"]) and "core.city" in _zones(a),
    # task R16: the questions blind sets 21-22 left
    "7a 机械加工 C3484 in 郑家's parks or 嘉明's 智能制造产业园": lambda a, c: "C3484" in _codes(a) and _plain(c)
        and bool(ZJ_JM_PRODUCTION & set(_zones(a))),
    "7b 热处理/表面处理/电镀 C3360 in 郑家 or 嘉明 (the plan names 热处理 only for 高精管材)": lambda a, c: _has(a, ["C336"])
        and _plain(c) and any(z in ("cluster.zhengjia", "cluster.jiaming") for z in _zones(a)),
    "7c the same, 热处理/表面处理 only (not 电镀/镀锌/喷漆)": lambda a, c: _has(a, ["C336"]) and _plain(c)
        and any(z in ("cluster.zhengjia", "cluster.jiaming") for z in _zones(a))
        and not any(w in c["industry"] for w in ("镀", "喷")),
    "7d 面粉/粮食加工 C131 in a township outside the clusters and zones": lambda a, c: _has(a, ["C131"])
        and _township(a),
    "7e farm facilities (农机服务, 粮食烘干, 初加工 A05; 冷库 G5930; 农资) in a township outside every zone":
        lambda a, c: _has(a, FARM_FACILITIES) and _township(a),
    "7f 农家乐/采摘 R9030, 民宿 H6130 in a township outside every zone": lambda a, c: _has(a, ["R9030", "H6130"])
        and _township(a),
    "7g 小饭馆 餐饮 H62 in a township outside every zone": lambda a, c: _has(a, ["H62"]) and _township(a),
    # task R17: the questions blind sets 23-24 left
    "8a a chemical the plan names (涂料 C264, 合成树脂 C2651, 化妆品 C2682, 香料香精 C2684) in 嘉明's 新材料产业园":
        lambda a, c: _has(a, NAMED_CHEM) and _plain(c) and "park.jiaming.new_materials" in _zones(a),
    "8b the same in any other cluster or park (not a recognised chemical park)": lambda a, c: _has(a, NAMED_CHEM)
        and _plain(c) and _in_cluster(a) and "park.jiaming.new_materials" not in _zones(a),
    "8c 香料香精 C2684 in the aroma zone": lambda a, c: _has(a, ["C2684"]) and "agri.aroma" in _zones(a),
    "8d 民宿/住宿 H61 in an agricultural zone, not at a town's point (aroma, gourd list H61)": lambda a, c:
        _has(a, ["H61"]) and any(z.startswith("agri.") for z in _zones(a))
        and not {"agri.aroma", "agri.gourd"} & set(_zones(a)) and not any(z.startswith("point.") for z in _zones(a)),
    "8e 超市/便利店/小卖部 F5212 F5213 F5219 in a township outside every zone (百货 F5211 aside)": lambda a, c:
        _has(a, ["F5212", "F5213", "F5219"]) and _plain(c)
        and _outside_all(a),
    "8f KTV/歌舞厅/室内娱乐 R901 in the core": lambda a, c: _has(a, ["R901"]) and "core.city" in _zones(a) and not _in_cluster(a),
    "8g a 多点 town's point inside an agricultural zone, a project neither farming nor the zone's": lambda a, c:
        any(z.startswith("point.") for z in _zones(a)) and any(z.startswith("agri.") for z in _zones(a))
        and not _has(a, ["A"]) and "zone_designation" not in _rules(a) and _plain(c),
    "8h 农机维修 (C4330, O81) in a township outside every zone": lambda a, c: (_has(a, ["C433"])
        or "农机" in c["industry"] and _has(a, ["C43", "O81"])) and _outside_all(a),
    "8i a factory site mostly (≥ 50 %) in the core, a minor share in a cluster": lambda a, c: _has(a, ["B", "C", "D"])
        and _share(a, "core.city") >= 0.5 and 0 < max(_share(a, z) for z in _zones(a) if z.startswith("cluster.")) < 0.5
        if any(z.startswith("cluster.") for z in _zones(a)) else False,
    "8j 养殖 A03/A04 by the canal or 马颊河, outside the zones": lambda a, c: _has(a, ["A03", "A04"])
        and not any(z.startswith(("agri.", "cluster.", "park.")) for z in _zones(a))
        and ("belt.canal" in _zones(a) or any(w in c["why"] + c["plan_words"] for w in ("运河", "马颊河", "河流"))),
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", action="store_true", help="list every case of every question")
    args = ap.parse_args(argv)
    hits = collections.defaultdict(list)
    for f in FILES:
        reader = f[:-4].replace("holdout", "h") if f != "holdout.csv" else "ho"
        for c in T.load_cases(HERE / f):
            a = T.run_case(c)
            for q, test in QUESTIONS.items():
                if c["expected_verdict"] != "outside_plan_area" and test(a, c):
                    hits[q].append((reader, c, a["verdict"]))
    print("| question | readers by their verdict (cases) | tool now agrees with |")
    print("|---|---|---|")
    for q in QUESTIONS:
        per = collections.defaultdict(collections.Counter)
        agree = 0
        for reader, c, tool in hits[q]:
            per[reader][c["expected_verdict"]] += 1
            agree += tool == c["expected_verdict"]
        by = collections.defaultdict(list)
        for reader, cnt in per.items():
            top = cnt.most_common()
            by[top[0][0] if len(top) == 1 or top[0][1] > top[1][1] else "tie"].append(reader)
        said = "; ".join(f"{v} {len(rs)} ({' '.join(sorted(rs))})" for v, rs in sorted(by.items(), key=lambda t: -len(t[1])))
        print(f"| {q} | {said} | {agree} / {len(hits[q])} cases |")
        if args.cases:
            for reader, c, tool in hits[q]:
                print(f"|  | {c['case_id']} {c['industry']} @ {c['place']}: {c['expected_verdict']} | tool {tool} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
