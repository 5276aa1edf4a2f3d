"""Is the site in a zone designated for its industry (第八章), and which designated zones are nearest?"""

from __future__ import annotations

from .... import plan
from ....industry import LEVEL_ZH, label_zh
from ..context import PlanContext
from . import Reasons, SiteFacts, fmt_share


def codes_zh(codes) -> str:
    """Designated codes with their Chinese names, for reasons people read."""
    return "、".join(label_zh(c) for c in codes) if codes else "未列明"


def designated_zones(ctx: PlanContext, site: SiteFacts, kind: dict) -> tuple[list[dict], str]:
    """The zones designated for the industry, nearest first (km), and the text naming the nearest."""
    import shapely

    th = plan.rules()["thresholds"]
    designated = []
    for lid in kind["zone_layers"]:
        if lid not in ctx.layers:
            continue
        lay = ctx.layers[lid]
        idx = [z for z in range(len(lay.ids)) if lay.codes[z] and plan.match(lay.codes[z], site.codes) == "full"]
        if idx:
            d = shapely.distance(site.geom, lay.geoms[idx])
            designated += [{"id": lay.ids[z], "name_zh": lay.names[z], "layer": lid,
                            "distance_km": round(float(dz) / 1000, 2)} for z, dz in zip(idx, d)]
    designated.sort(key=lambda r: r["distance_km"])
    nearest_txt = "、".join(f"{d['name_zh']}（{d['distance_km']:.1f} km）"
                           for d in designated[: th["nearest_clusters_max"]]) or "（规划未指定对口分区）"
    return designated, nearest_txt


def _max_layer_share(zs) -> float:
    """Share of the site inside matching zones, taking the best layer (parks lie inside clusters)."""
    by_layer: dict[str, float] = {}
    for z in zs:
        by_layer[z["layer"]] = by_layer.get(z["layer"], 0.0) + z["share"]
    return min(1.0, max(by_layer.values())) if by_layer else 0.0


def zone_fit(site: SiteFacts, kind: dict, zones: list[dict], share_plan: float, nearest_txt: str,
             reasons: Reasons) -> None:
    """Add the reasons about the zone the industry's kind belongs in: fits, partial match, wrong
    zone or cluster, outside every designated zone; and a too-general industry code."""
    rb = plan.rules()
    th = rb["thresholds"]
    policy = rb["policy_rules"]
    m = site.match
    add = reasons.add
    if len(site.codes[0]) == 1:
        pr = policy["industry_too_general"]
        add("industry_too_general", "conditional",
            pr["reason_zh"].format(level=LEVEL_ZH["section"], project=m.label_zh), pr["plan_ref"])
    kind_zones = [z for z in zones if z["layer"] in kind["zone_layers"]]
    full = [z for z in kind_zones if z["match"] == "full"]
    partial = [z for z in kind_zones if z["match"] == "partial"]
    full_share = _max_layer_share(full)
    if kind["zone_layers"] and share_plan >= th["split_min_share"]:
        if full:
            best = max(full, key=lambda z: (z["share"], z["layer"] == "cluster_parks"))
            pr = best["plan_ref"] or kind["plan_ref"]
            add(f"{kind['kind']}_fits_zone", "fits",
                kind["fit_zh"].format(zone=best["name_zh"], codes=codes_zh(best["codes"]), plan_ref=pr), pr)
            other_parks = [z for z in kind_zones if z["layer"] == "cluster_parks" and z["match"] == "none"
                           and z["share"] >= th["split_min_share"]]
            if best["layer"] != "cluster_parks" and other_parks:
                pk = max(other_parks, key=lambda z: z["share"])
                pr = policy["park_mismatch"]
                add("park_mismatch", "info", pr["reason_zh"].format(
                    park=pk["name_zh"], codes=codes_zh(pk["codes"]) or "未列明", zone=best["name_zh"]),
                    pk["plan_ref"] or pr["plan_ref"])
            if full_share < th["full_share"]:
                add("split_zone", "conditional",
                    policy["split_zone"]["reason_zh"].format(share=fmt_share(full_share), zone=best["name_zh"]),
                    best["plan_ref"] or policy["split_zone"]["plan_ref"])
        elif partial:
            best = max(partial, key=lambda z: z["share"])
            add("partial_match", "conditional", policy["partial_match"]["reason_zh"].format(
                project=m.label_zh, zone=best["name_zh"], codes=codes_zh(best["codes"]),
                plan_ref=best["plan_ref"] or kind["plan_ref"]), best["plan_ref"] or kind["plan_ref"])
        elif kind_zones:
            best = max(kind_zones, key=lambda z: z["share"])
            rule = "wrong_cluster" if kind["kind"] in ("industrial", "agro_processing") and best["layer"] in (
                "industrial_clusters", "cluster_parks") else "wrong_zone"
            pr = policy[rule]
            add(rule, "conditional", pr["reason_zh"].format(
                zone=best["name_zh"], codes=codes_zh(best["codes"]) or "未列明", nearest=nearest_txt,
                plan_ref=best["plan_ref"] or kind["plan_ref"]), pr["plan_ref"])
        else:
            pr = policy[kind["outside_rule"]]
            add(kind["outside_rule"], kind["outside_effect"], pr["reason_zh"].format(nearest=nearest_txt),
                pr["plan_ref"])
    elif not kind["zone_layers"]:
        pr = policy[kind["outside_rule"]]
        add(kind["outside_rule"], kind["outside_effect"], pr["reason_zh"], pr["plan_ref"])
