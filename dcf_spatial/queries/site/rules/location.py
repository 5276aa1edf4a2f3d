"""Where a site lies: the townships, the plan area (第一章第一节) and the zones it touches."""

from __future__ import annotations

import shapely

from .... import plan, settings
from ..context import ZONE_LAYERS, PlanContext
from .base import Reasons, SiteFacts, fmt_share, separate_parts


#: the smallest share of a site a township or unit must hold to be listed: half the 0.1 % the answers print
LISTED_MIN_SHARE = 0.0005


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
    # a township the site only grazes along a shared edge (a sliver the answer would print as 0.0 %, QA round 10:
    # “梁水镇 100.0%；堂邑镇 0.0%”) is not a township the site lies in; the shares above still count it
    towns = [t for t in towns if t["share"] >= LISTED_MIN_SHARE]
    others = ([{"id": L["other_units"].ids[z], "name_zh": L["other_units"].names[z], "share": round(s, 4)}
               for z, _, s in ov["other_units"] if s >= LISTED_MIN_SHARE] if "other_units" in L else [])
    share_district = min(1.0, sum(s for _, _, s in ov["district"])) if "district" in L else 1.0
    pa = rb["plan_area"]
    named = pa.get("named_units", {})
    named_here = [o for o in others if o["id"] in named and plan.match(named[o["id"]]["codes"], site.codes) == "full"]
    if share_plan < th["split_min_share"] and named_here:
        # the plan names this unit elsewhere (第八章第三节) although 第一章第一节 leaves it out: state the conflict
        for o in named_here:
            nu = named[o["id"]]
            reasons.add("plan_area_named_unit", "conditional", nu["reason_zh"].format(unit=o["name_zh"]),
                        nu["plan_ref"])
    elif share_plan < th["split_min_share"]:
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
        # re-QA 6: parcels apart (a 报批 TXT of DK01 in 郑家 and DK02 in 广平) are no one red line across a border
        pieces = separate_parts(site.geom)
        key = "pieces_zh" if pieces > 1 and policy["split_townships"].get("pieces_zh") else "reason_zh"
        reasons.add("split_townships", "info",
                    policy["split_townships"][key].format(n=len(real_towns), parts=parts, pieces=pieces),
                    policy["split_townships"]["plan_ref"])
    return {"townships": towns, "other_units": others, "share_in_plan_area": share_plan,
            "share_in_district": share_district}


def park_outside_cluster(ctx: PlanContext, site: SiteFacts, reasons: Reasons) -> None:
    """Where the site lies in a functional park's part outside its cluster (the two layers disagree there, e.g. a
    bureau's new cluster boundary imported without new parks): an ``info`` reason naming both, 待核实. The check
    itself counts the park only inside its cluster (context.py ``_inside_parent``), so such a site is judged
    outside the clusters (第八章第一节: the parks are the “产业园区分区” of their cluster)."""
    pr = plan.rules()["policy_rules"].get("park_outside_cluster")
    for lid, lay in ctx.layers.items():
        for z, (rest, parent_lid, j) in lay.outside.items():
            if not shapely.intersects(site.geom, rest):
                continue
            a = float(shapely.area(shapely.intersection(site.geom, rest))) if site.area > 0 else 0.0
            if site.area > 0 and a / site.area < LISTED_MIN_SHARE:
                continue
            where = f"有 {a / settings.MU_M2:,.1f} 亩（{fmt_share(a / site.area)}）" if site.area > 0 else ""
            reasons.add("park_outside_cluster", "info", pr["reason_zh"].format(
                where=where, park=lay.names[z], cluster=ctx.layers[parent_lid].names[j]), pr["plan_ref"])


def zones_touched(ctx: PlanContext, site: SiteFacts) -> list[dict]:
    """Every plan zone the site overlaps (亩, share of the site) and how its industries match; then the
    places the plan names outside the drawn zones (``named_places``), counted by township.

    A zone that matches only through an industry the plan names for it elsewhere (``zone_rules`` →
    ``also``) cites that clause: its ``plan_ref`` is the entry's and ``via_zh`` names what the plan says.

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> [z["plan_ref"] for z in check_site(SITE_IN_BEARING_PARK, "C3452").results[0]["zones"]]  # doctest: +SKIP
    ['第四章第一节', '第四章第一节']
    """
    zones = []
    for lid in ZONE_LAYERS:
        if lid not in ctx.layers:
            continue
        lay = ctx.layers[lid]
        for z, a, s in site.overlaps[lid]:
            base = lay.base_codes[z] if lay.base_codes else lay.codes[z]
            mt, via = plan.zone_match(lay.ids[z], base, site.codes, site.match.query)
            zone = {"id": lay.ids[z], "name_zh": lay.names[z], "layer": lid, "layer_title_zh": lay.title_zh,
                    "overlap_mu": round(a / settings.MU_M2, 2), "share": round(s, 4), "match": mt,
                    "plan_ref": lay.plan_refs[z], "codes": list(lay.codes[z])}
            if via:
                zone["plan_ref"], zone["via_zh"] = via["plan_ref"], via["what_zh"]
                q = via.get("quote") or ""
                zone["via_quote_zh"] = "”“".join(q) if isinstance(q, list) else q
            if lay.geoms[z] is not None and lay.geoms[z].geom_type in ("Point", "MultiPoint"):
                zone["point"] = True  # a point feature (特色小镇): no area, so no share of the site is said
                # how far the town's point is from the site (0 when the point lies in a drawn site): a point
                # site "near" a town point is within the radius, never "in" it (QA round 8)
                zone["distance_km"] = round(float(shapely.distance(site.geom, lay.geoms[z])) / 1000, 2)
            if mt != "full":
                why = word_excluded(lay.ids[z], site.codes, site.match.query)
                if why:
                    zone["word_excluded_zh"] = why
            zones.append(zone)
    return zones + named_places(ctx, site)


def word_excluded(zone_id: str, project_codes, words: str) -> str:
    """Why a zone whose listed codes hold the project's code does not take it: the zone lists the code for
    other products than the project's words (``zone_rules`` → ``also`` → ``not_for_words``; 郑家 lists C313
    for 钢板、钢带, 第四章第一节, while 钢管 belongs to 高精管材, 第四章第四节); ``""`` when no such entry applies.

    Examples
    --------
    >>> "第四章第四节" in word_excluded("cluster.zhengjia", ("C3130",), "钢管")
    True
    >>> word_excluded("cluster.zhengjia", ("C3130",), "钢板")
    ''
    """
    from .industry import codes_zh

    out = []
    for e in plan.zone_rule(zone_id).get("also", []):
        hit = [w for w in e.get("not_for_words", []) if w in (words or "")]
        if hit and plan.match(tuple(e["codes"]), tuple(project_codes)) != "none":
            text = e.get("not_for_words_zh") or ("该分区定位所列 {codes} 限于" + e.get("what_zh", "") + "（"
                                                 + e.get("plan_ref", "") + "），本项目以“{word}”申报，不经此条归入")
            out.append(text.format(codes=codes_zh(e["codes"]), word=words))
    return "；".join(out)


def named_places(ctx: PlanContext, site: SiteFacts) -> list[dict]:
    """The places the plan names outside the drawn zones (沙镇、侯营 vegetables, 梁水镇/闫寺 甲鱼, 聊城机场 in
    郑家镇; ``plan_rules.json`` → ``named_places``) whose townships the site lies in, as zones of the
    pseudo-layer ``named_places`` (schematic: the whole township stands for the place).

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> [z["id"] for z in check_site("115.8468,36.5921", "甲鱼").results[0]["zones"]]  # doctest: +SKIP
    ['place.softshell_turtle']
    """
    data = plan.rules().get("named_places") or {}
    if "townships" not in ctx.layers or not data.get("places"):
        return []
    lay = ctx.layers["townships"]
    share_by_town = {lay.ids[z]: s for z, _, s in site.overlaps["townships"]}
    out = []
    for p in data["places"]:
        share = min(1.0, sum(share_by_town.get(t, 0.0) for t in p["townships"]))
        mt = plan.match(p["codes"], site.codes)
        if share <= 0 or mt == "none":  # a place counts only for what the plan names there
            continue
        out.append({"id": p["id"], "name_zh": p["name_zh"], "layer": "named_places",
                    "layer_title_zh": data.get("layer_title_zh", "named_places"), "overlap_mu": 0.0,
                    "share": round(share, 4), "match": mt, "plan_ref": p["plan_ref"],
                    "codes": list(p["codes"]), "provenance": p.get("provenance", "schematic")})
    return out
