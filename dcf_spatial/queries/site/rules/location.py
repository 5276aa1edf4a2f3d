"""Where a site lies: the townships, the plan area (第一章第一节) and the zones it touches."""

from __future__ import annotations

from .... import plan, settings
from ..context import ZONE_LAYERS, PlanContext
from . import Reasons, SiteFacts, fmt_share


def locate(ctx: PlanContext, site: SiteFacts, reasons: Reasons) -> dict:
    """The townships and development-zone units the site lies in; reasons when it is (partly)
    outside the plan area or split between townships.

    Returns
    -------
    dict
        ``townships`` (largest share first), ``other_units``, ``share_in_plan_area``,
        ``share_in_district``.
    """
    rb = plan.rules()
    th = rb["thresholds"]
    policy = rb["policy_rules"]
    L = ctx.layers
    ov = site.overlaps
    towns = [{"id": L["townships"].ids[z], "name_zh": L["townships"].names[z], "share": round(s, 4)}
             for z, _, s in ov["townships"]] if "townships" in L else []
    towns.sort(key=lambda t: -t["share"])
    share_plan = min(1.0, sum(t["share"] for t in towns))
    others = ([{"id": L["other_units"].ids[z], "name_zh": L["other_units"].names[z], "share": round(s, 4)}
               for z, _, s in ov["other_units"]] if "other_units" in L else [])
    share_district = min(1.0, sum(s for _, _, s in ov["district"])) if "district" in L else 1.0
    pa = rb["plan_area"]
    if share_plan < th["split_min_share"]:
        if others:
            text = pa["in_other_unit_zh"].format(units="、".join(o["name_zh"] for o in others))
        else:
            text = (pa["outside_district_zh"] if share_district < th["split_min_share"]
                    else pa["in_district_not_plan_zh"])
        reasons.add("plan_area", "outside_plan_area", text, pa["plan_ref"])
    elif share_plan < th["full_share"]:
        where = "、".join(o["name_zh"] for o in others) or "东昌府区以外"
        reasons.add("plan_area_partial", "conditional",
                    pa["partly_outside_zh"].format(share=fmt_share(1 - share_plan), where=where), pa["plan_ref"])
    real_towns = [t for t in towns if t["share"] >= th["split_min_share"]]
    if len(real_towns) > 1:
        parts = "、".join(f"{t['name_zh']} {fmt_share(t['share'])}" for t in real_towns)
        reasons.add("split_townships", "info",
                    policy["split_townships"]["reason_zh"].format(n=len(real_towns), parts=parts),
                    policy["split_townships"]["plan_ref"])
    return {"townships": towns, "other_units": others, "share_in_plan_area": share_plan,
            "share_in_district": share_district}


def zones_touched(ctx: PlanContext, site: SiteFacts) -> list[dict]:
    """Every plan zone the site overlaps (亩, share of the site) and how its industries match."""
    zones = []
    for lid in ZONE_LAYERS:
        if lid not in ctx.layers:
            continue
        lay = ctx.layers[lid]
        for z, a, s in site.overlaps[lid]:
            mt = plan.match(lay.codes[z], site.codes) if lay.codes[z] else "none"
            zones.append({"id": lay.ids[z], "name_zh": lay.names[z], "layer": lid, "layer_title_zh": lay.title_zh,
                          "overlap_mu": round(a / settings.MU_M2, 2), "share": round(s, 4), "match": mt,
                          "plan_ref": lay.plan_refs[z], "codes": list(lay.codes[z])})
    return zones
