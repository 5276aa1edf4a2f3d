"""Is the site in a zone designated for its industry (第八章), and which designated zones are nearest?"""

from __future__ import annotations

from .... import plan
from ....industry import LEVEL_ZH, covers, label_zh, names_product, product_words
from ..context import PlanContext
from .base import Reasons, SiteFacts, fmt_share, separate_parts


def codes_zh(codes, zone: dict | None = None) -> str:
    """Designated codes with their Chinese names, for reasons people read. With the ``zone`` the codes are a
    zone's positioning: a code the plan names for the zone in another clause (``zone_rules`` → ``also``, e.g. the
    bearing park's C2432/C2439 下脚料创意产品 and C313 钢板钢带 of 第四章第一节) carries that clause, so that the
    list is not read as 第八章第一节's words.

    Examples
    --------
    >>> "第四章第一节" in codes_zh(["C3451", "C2439"], {"id": "park.zhengjia.bearing", "plan_ref": "第八章第一节"})
    True
    """
    if not codes:
        return "未列明"
    via: dict = {}
    kept: dict = {}
    if zone is not None:
        base = set(plan.parse_codes(plan.zones().get(str(zone.get("id")), {}).get("industries_gbt4754")))
        for e in plan.zone_rule(str(zone.get("id"))).get("also", []):
            if e.get("only_words") or not e.get("plan_ref") or e["plan_ref"] == zone.get("plan_ref"):
                continue
            for c in e["codes"]:
                if c not in base:
                    via.setdefault(plan.normalize_zone_code(c), f"{e['plan_ref']}：{e.get('what_zh', '')}".rstrip("："))
        # a layer code the rules narrow to the plan's words (C30 → the 节能环保建材 of 第四章第五节) is shown as
        # narrowed, never as the whole division (new-user F1)
        for e in plan.zone_rule(str(zone.get("id"))).get("conditional", []):
            if e.get("narrows") and e.get("narrows_code") and e.get("kept_zh"):
                kept.setdefault(plan.normalize_zone_code(e["narrows_code"]), e["kept_zh"])
    # names as the GB/T 4754-2017 table gives them: 待核实 only where the table lacks the code (QA round 7)
    return "、".join(kept.get(plan.normalize_zone_code(c)) or
                    label_zh(c, verify_mark=False) + (f"（{via[c]}）" if c in via else "") for c in codes)


def _designated_idx(ctx: PlanContext, lid: str, match) -> list[int]:
    """The zones of layer ``lid`` designated (full match) for the industry ``match``."""
    # which zones take the industry depends only on the layer, the codes and the words, not on the
    # site's place: worked out once per industry for all rows of a batch (it was a quarter of a batch's time)
    memo = ctx.__dict__.setdefault("_designated_memo", {})
    if len(memo) > 10_000:  # a long-lived context (the desk) asked about very many industries
        memo.clear()
    key = (lid, tuple(match.codes), match.query)
    idx = memo.get(key)
    if idx is None:
        lay = ctx.layers[lid]
        base = lay.base_codes or lay.codes
        # a park wholly outside its cluster is in force nowhere (context.py _inside_parent): no zone to suggest
        idx = memo[key] = [z for z in range(len(lay.ids))
                           if plan.zone_match(lay.ids[z], base[z], match.codes, match.query)[0] == "full"
                           and not (z in lay.outside and lay.geoms[z].is_empty)]
    return idx


def designated_distances(ctx: PlanContext, geoms, matches: list, kinds: list) -> list[dict]:
    """For each site, ``{layer id: distances (m) to the zones designated for its industry}``, in the order
    :func:`designated_zones` lists them, measured for a chunk of a batch at once.

    The sites that share an industry (and so the same designated zones) are measured in one vectorised
    ``shapely.distance`` call instead of one call per site.

    Examples
    --------
    >>> from dcf_spatial.industry import resolve
    >>> from dcf_spatial import plan
    >>> from dcf_spatial.queries.site.context import load_context
    >>> import numpy as np, shapely
    >>> m = resolve("轴承")
    >>> d = designated_distances(load_context(), np.array([shapely.Point(0, 0)]), [m], [plan.industry_kind(m.codes)])
    >>> sorted(d[0]) != []
    True
    """
    import shapely

    out: list[dict] = [{} for _ in range(len(geoms))]
    groups: dict = {}
    for i, (m, kind) in enumerate(zip(matches, kinds)):
        for lid in kind["zone_layers"]:
            if lid in ctx.layers:
                idx = _designated_idx(ctx, lid, m)
                if idx:
                    groups.setdefault((lid, tuple(idx)), []).append(i)
    for (lid, idx), rows in groups.items():
        d = shapely.distance(geoms[rows][:, None], ctx.layers[lid].geoms[list(idx)][None, :])
        for r, dr in zip(rows, d):
            out[r][lid] = dr
    return out


def designated_zones(ctx: PlanContext, site: SiteFacts, kind: dict,
                     distances: dict | None = None) -> tuple[list[dict], str]:
    """The zones designated for the industry, nearest first (km), and the text naming the nearest.

    ``distances`` is this site's entry of :func:`designated_distances` (measured for a whole chunk);
    without it the distances are measured here.
    """
    import shapely

    th = plan.rules()["thresholds"]
    designated = []
    for lid in kind["zone_layers"]:
        if lid not in ctx.layers:
            continue
        lay = ctx.layers[lid]
        idx = _designated_idx(ctx, lid, site.match)
        if idx:
            known = None if distances is None else distances.get(lid)
            d = known if known is not None else shapely.distance(site.geom, lay.geoms[idx])
            designated += [{"id": lay.ids[z], "name_zh": lay.names[z], "layer": lid,
                            "distance_km": round(float(dz) / 1000, 2)} for z, dz in zip(idx, d)]
    designated.sort(key=lambda r: r["distance_km"])
    # a zone the site only touches (0.0 km: a named unit next to it) is said to adjoin, not to be 0.0 km away,
    # which read as "in it" beside "不在任何工业集聚区内" (QA round 7, finding 5)
    nearest_txt = "、".join(f"{d['name_zh']}（{d['distance_km']:.1f} km）" if d["distance_km"] >= 0.05
                           else f"{d['name_zh']}（与场地相邻）"
                           for d in designated[: th["nearest_clusters_max"]]) or _no_designated_txt(ctx, site, kind)
    return designated, nearest_txt


def _no_designated_txt(ctx: PlanContext, site: SiteFacts, kind: dict) -> str:
    """Guidance where no zone is designated for the industry (QA round 7, finding 4: 钢结构 got only
    “规划未为本行业指定对口分区”): the zones whose rules take it conditionally (``zone_rules`` → ``conditional``,
    e.g. 高精管材 for metal products off its pipe chain, 第四章第四节), nearest first; for an industrial project
    with none, the four clusters by name under 入园进区 (第三章第三节)."""
    import shapely

    none_txt = plan.rules()["policy_rules"]["no_designated_zone"]
    found = []
    for lid in kind["zone_layers"]:
        lay = ctx.layers.get(lid)
        if lay is None:
            continue
        for z in range(len(lay.ids)):
            e = next((e for e in plan.zone_rule(lay.ids[z]).get("conditional", [])
                      if plan.match(e["codes"], site.codes) == "full"), None)
            if e is not None and not shapely.is_empty(lay.geoms[z]):  # a park wholly outside its cluster: nowhere
                found.append((float(shapely.distance(site.geom, lay.geoms[z])) / 1000, lay.names[z], e["plan_ref"]))
    if found:
        found.sort()
        th = plan.rules()["thresholds"]
        return none_txt["conditional_zh"].format(zones="、".join(
            f"{n}（{d:.1f} km，{ref}）" for d, n, ref in found[: th["nearest_clusters_max"]]))
    clusters = ctx.layers.get("industrial_clusters")
    if kind["kind"] in ("industrial", "agro_processing") and clusters is not None:
        return none_txt["clusters_zh"].format(clusters="、".join(clusters.names))
    return none_txt["reason_zh"]


def _max_layer_share(zs) -> float:
    """Share of the site inside matching zones, taking the best layer (parks lie inside clusters)."""
    by_layer: dict[str, float] = {}
    for z in zs:
        by_layer[z["layer"]] = by_layer.get(z["layer"], 0.0) + z["share"]
    return min(1.0, max(by_layer.values())) if by_layer else 0.0


def zone_fit(site: SiteFacts, kind: dict, zones: list[dict], share_plan: float, nearest_txt: str,
             reasons: Reasons, towns: list[dict] | None = None, chemical_where_zh: str | None = None) -> None:
    """Add the reasons about the zone the industry's kind belongs in: fits, partial match, wrong
    zone or cluster, outside every designated zone; and a too-general industry code. ``chemical_where_zh``
    (:func:`.restrictions.chemical_park_where_zh`) is given for a project the chemical-park rule binds wherever it
    lies: outside the clusters its 进区入园 reason says where it may go instead of the clusters."""
    rb = plan.rules()
    th = rb["thresholds"]
    policy = rb["policy_rules"]
    m = site.match
    add = reasons.add
    if len(site.codes[0]) == 1:
        pr = policy["industry_too_general"]
        add("industry_too_general", "conditional",
            pr["reason_zh"].format(level=LEVEL_ZH["section"], project=m.label_zh), pr["plan_ref"])
    full_only = kind.get("full_only_layers", [])  # e.g. a named place counts only for what the plan names there
    # an agricultural zone counts for a factory only when the factory is part of the zone's own chain (第八章第二节)
    match_only = kind.get("match_only_layers", [])
    kind_zones = [z for z in zones if z["layer"] in kind["zone_layers"]
                  and (z["layer"] not in full_only or z["match"] == "full")
                  and (z["layer"] not in match_only or z["match"] != "none")]
    full = [z for z in kind_zones if z["match"] == "full"]
    partial = [z for z in kind_zones if z["match"] == "partial"]
    full_share = _max_layer_share(full)
    if kind["zone_layers"] and share_plan >= th["split_min_share"]:
        if full:
            best = max(full, key=lambda z: (z["share"], z["layer"] == "cluster_parks"))
            pr = best["plan_ref"] or kind["plan_ref"]
            text = kind["fit_zh"].format(zone=best["name_zh"], codes=codes_zh(best["codes"], best), plan_ref=pr)
            # QA round 7 (finding 5): a zone whose codes hold the industry that the plan gives to another cluster
            # (轴承 → 郑家, 第四章第一节; blocks() adds that reason) is not called "一致" first
            elsewhere = [e["zone_zh"] for z in zones if z["share"] >= th["split_min_share"]
                         for e in plan.zone_rule(z["id"]).get("belongs_elsewhere", [])
                         if plan.match(e["codes"], site.codes) == "full"]
            if elsewhere and kind.get("fit_elsewhere_zh"):
                text = kind["fit_elsewhere_zh"].format(zone=best["name_zh"], plan_ref=pr,
                                                       elsewhere="、".join(dict.fromkeys(elsewhere)))
            if best.get("via_zh"):
                # task R12 (new user): only the plan's verbatim words go in quotation marks, and the plan is not
                # said to "name" the zone where it names the activity only
                quote = f"“{best['via_quote_zh']}”，" if best.get("via_quote_zh") else ""
                text += f"依据：{pr}{quote}本区据此承载{best['via_zh']}。"
            if best.get("provenance") == "schematic" and best["layer"] == "named_places":
                text += "（规划点名的地点，未绘范围，按所在镇（街道）示意核查。）"
            # task R9: a 多点 service town (第八章第三节) the site also lies in, and whose theme names the project
            # too, is cited beside the zone that carries the verdict (the plan names the activity for both places)
            for z in full:
                if z is not best and z.get("point") and z["plan_ref"] and z["plan_ref"] != pr:
                    text += f"选址同在{z['name_zh']}（{z['plan_ref']}），其主题亦含本项目行业。"
            add(f"{kind['kind']}_fits_zone", "fits", text, pr)
            other_parks = [z for z in kind_zones if z["layer"] == "cluster_parks" and z["match"] == "none"
                           and z["share"] >= th["split_min_share"]]
            major = major_park(zones) if best["layer"] == "industrial_clusters" else None
            if major and other_parks:
                for park in other_parks:  # task R14: the park holding ≥ 0.7 of the site decides
                    _park_major_note(major, park, reasons)
            elif best["layer"] != "cluster_parks" and other_parks:
                _park_mismatch(site, best, max(other_parks, key=lambda z: z["share"]), reasons)
            if full_share < th["full_share"] and kind["kind"] == "agriculture" and "split_zone_farming" in policy:
                # 第五章第二节: the plan's farming is not confined to the (schematic) zones, so a farm crossing a
                # zone boundary is not penalised; the reason says so (info)
                pr = policy["split_zone_farming"]
                add("split_zone", "info", pr["reason_zh"].format(share=fmt_share(full_share), zone=best["name_zh"]),
                    pr["plan_ref"])
            elif th.get("edge_share") is not None and th["edge_share"] <= full_share < th["full_share"] \
                    and "split_zone_edge" in policy:
                # task R11 (holdout13 h13-ch08-011): a sliver under 5 % outside the matching zone is the error of the
                # schematic layer (the same tolerance as block_whole_share), an info prompt, not a straddle
                pe = policy["split_zone_edge"]
                add("split_zone", "info", pe["reason_zh"].format(
                    share=fmt_share(full_share), zone=best["name_zh"], edge=fmt_share(1 - th["edge_share"])),
                    best["plan_ref"] or pe["plan_ref"])
            elif full_share < th["full_share"]:
                parts = separate_parts(site.geom)
                # new-user F11: a site of parcels apart (a 报批 TXT of DK01 in 郑家 and DK02 in 广平) is no red line
                # to redraw: each parcel is checked on its own (批量核查)
                text = (policy["split_zone"]["parts_zh"] if parts > 1 and policy["split_zone"].get("parts_zh")
                        else policy["split_zone"]["reason_zh"])
                add("split_zone", "conditional", text.format(share=fmt_share(full_share), zone=best["name_zh"],
                                                             parts=parts),
                    best["plan_ref"] or policy["split_zone"]["plan_ref"])
        elif _place_conditional(site, zones, reasons):
            pass
        elif partial and not any(z.get("word_excluded_zh") for z in partial):
            best = max(partial, key=lambda z: z["share"])
            ref = best["plan_ref"] or kind["plan_ref"]
            outside = [c for c in site.codes if plan.match(tuple(best["codes"]), (c,)) != "full"]
            if len(site.codes) > 1 and 0 < len(outside) < len(site.codes):
                # a word of several codes (a 词 that maps to two classes): name the code that does not fit,
                # never the whole word as "wider" than a positioning that lists one of its codes
                text = policy["partial_match"]["some_codes_zh"].format(
                    word=m.query or m.label_zh, all=codes_zh(site.codes), outside=codes_zh(outside),
                    zone=best["name_zh"], codes=codes_zh(best["codes"], best), plan_ref=ref)
            else:
                text = policy["partial_match"]["reason_zh"].format(
                    project=m.label_zh, zone=best["name_zh"], codes=codes_zh(best["codes"], best), plan_ref=ref)
            add("partial_match", "conditional", text, ref)
        elif kind_zones and (unfit := plan.unfit_entry(m.query)) and kind["kind"] == "industrial":
            # QA session 30 F5: 黏土砖 in the NEV cluster is no softer than in a township without a cluster
            best = max(kind_zones, key=lambda z: z["share"])
            unfit_product(site, best, unfit, reasons, policy["unfit_product"]["other_cluster_zh"].format(
                zone=best["name_zh"], codes=codes_zh(best["codes"], best) or "未列明", words=m.query,
                unit="园区" if best["layer"] == "cluster_parks" else "集聚区"))
        elif kind_zones:
            best = max(kind_zones, key=lambda z: (bool(z.get("word_excluded_zh")), z["share"]))
            rule = "wrong_cluster" if kind["kind"] in ("industrial", "agro_processing") and best["layer"] in (
                "industrial_clusters", "cluster_parks") else "wrong_zone"
            pr = policy[rule]
            if best.get("word_excluded_zh"):
                # the zone lists the project's code, for other products than the project's words: say so,
                # never "不含" a code the positioning lists (第四章第一节 vs 第四章第四节)
                text = policy["wrong_cluster"]["word_elsewhere_zh"].format(
                    zone=best["name_zh"], why=best["word_excluded_zh"], nearest=nearest_txt)
            else:
                # a functional park is “该园区”, not “该集聚区” (QA round 11, F1)
                text = pr["reason_zh"].format(
                    zone=best["name_zh"], codes=codes_zh(best["codes"], best) or "未列明", nearest=nearest_txt,
                    plan_ref=best["plan_ref"] or kind["plan_ref"],
                    unit="园区" if best["layer"] == "cluster_parks" else "集聚区")
            text += product_to_verify_zh(site)
            add(rule, "conditional", text, pr["plan_ref"])
        else:
            rule, effect = kind["outside_rule"], kind["outside_effect"]
            pr = policy[rule]
            chain = None
            if pr.get("codes"):
                # task R13: the loosening is for farm-produce processing (C13, 第五章第三节 农产品初加工) and for the
                # chains 第八章第二节 names for a zone's township (葡萄酒 at 斗虎屯镇 …); other food and drink
                # factories (白酒, 饮料, 方便面, 保健食品) are factories outside the clusters
                town_ids = {t["id"] for t in (towns or [])}
                chain = next((c for c in pr.get("town_chains", []) if plan.match(c["codes"], site.codes) == "full"
                              and town_ids & set(c["towns"])), None)
            if pr.get("blocked_layers") and (
                    any(z["layer"] in pr["blocked_layers"] and z["share"] >= th["split_min_share"] for z in zones)
                    or plan.match(pr.get("excluded_codes", []), site.codes) == "full"
                    or (pr.get("codes") and plan.match(pr["codes"], site.codes) != "full" and not chain)
                    or any(z["id"] == k["zone"] and z["share"] >= th["split_min_share"]
                           for k in pr.get("other_chain_kept_zones", []) for z in zones)):
                # task R12: agricultural processing outside every zone is conditional (第五章第三节), but in the
                # city's service areas, or for slaughter and meat (C135, which 第八章第一节 gives to
                # 农副产品精深加工产业园) it is a factory outside the clusters; so too in the grape zone, which
                # 第八章第二节 divides whole into four grape areas (task R13)
                rule, effect = pr["not_loosened_from"], "does_not_fit"
                pr = policy[rule]
            text = pr["reason_zh"].format(nearest=nearest_txt)
            if rule == kind["outside_rule"]:
                if chain:
                    text += (f"本项目属{chain['plan_ref']}为{chain['zone_zh']}点名的加工链（{chain['what_zh']}："
                             f"“{chain['quote']}”），选址在该示范区所在的{chain['towns_zh']}。")
                other = [z for z in zones if z["layer"] == "agri_zones" and z["share"] >= th["split_min_share"]]
                if other and pr.get("other_chain_zone_zh"):
                    # task R13: a farm-produce processing site in another chain's zone is no worse than one in no zone
                    text += pr["other_chain_zone_zh"].format(zone="、".join(z["name_zh"] for z in other))
            office = plan.office_policy_for_rule(rule)
            keep = None
            if not office and pr.get("not_loosened_from"):
                # not the office's question, but what is barred outside the clusters on its own grounds (chemicals:
                # 进区入园, e.g. 香料香精 C2684) stays barred
                _name, entry = plan.office_policy_for_rule(pr["not_loosened_from"])
                keep = next((k for k in entry.get("not_loosened", []) if plan.match(k["codes"], site.codes) == "full"), None)
            if office:  # the plan steers but does not settle this: the office's policy sets the effect
                name, entry = office
                effect = plan.office_policies(site.flags.get("policy"))[name]
                text += plan.office_policy_text(name, effect)
                # a project barred outside the clusters on its own grounds (chemicals: 进区入园) is not loosened
                keep = next((k for k in entry.get("not_loosened", []) if plan.match(k["codes"], site.codes) == "full"), None)
            if keep:
                # QA round 10 (finding 5): that ground is a reason of its own, before this one, citing its clause,
                # whichever the office's setting: appended to this reason it read as "move into a cluster", where a
                # chemical the plan does not name fails too (chemical_where_zh: the chemical-park rule binds it
                # wherever it lies)
                add("chemical_park", keep["effect"],
                    keep["park_bound_zh"].format(where=chemical_where_zh) if chemical_where_zh else keep["reason_zh"],
                    keep["plan_ref"])
            add(rule, effect, text, pr["plan_ref"])
    elif not kind["zone_layers"]:
        pr = policy[kind["outside_rule"]]
        add(kind["outside_rule"], kind["outside_effect"], pr["reason_zh"], pr["plan_ref"])


def major_park(zones: list[dict]) -> dict | None:
    """The functional park (``cluster_parks``) whose designation holds the project (``match == "full"``) and
    which holds at least ``thresholds.park_major_share`` (0.7) of the site, or None.

    第八章第一节 “产业园区分区” designates each park of a cluster; a site spilling over an internal park line is
    judged by the park holding most of it (task R14: the readers of h18-ch08-004, h18-ch08-026 and h17-ch04-022),
    the rest is a note. Below the threshold the smaller park still decides (conditional), as before (h3-ch08-014:
    67.6 % in the matching park, its reader: 有条件).

    Examples
    --------
    >>> major_park([{"layer": "cluster_parks", "match": "full", "share": 0.9, "id": "a"},
    ...             {"layer": "cluster_parks", "match": "none", "share": 0.1, "id": "b"}])["id"]
    'a'
    >>> major_park([{"layer": "cluster_parks", "match": "full", "share": 0.6, "id": "a"},
    ...             {"layer": "cluster_parks", "match": "none", "share": 0.4, "id": "b"}]) is None
    True
    """
    t = plan.rules()["thresholds"].get("park_major_share")
    parks = [z for z in zones if z["layer"] == "cluster_parks" and z["match"] == "full"
             and t is not None and z["share"] >= t]
    return max(parks, key=lambda z: z["share"], default=None)


def _park_major_note(major: dict, park: dict, reasons: Reasons) -> None:
    """The info note for the minor park of a site that a matching park holds at ≥ 0.7 (task R14); once per park."""
    pr = plan.rules()["policy_rules"]["park_major"]
    text = pr["reason_zh"].format(major_share=fmt_share(major["share"]), major=major["name_zh"],
                                  share=fmt_share(park["share"]), park=park["name_zh"],
                                  what=codes_zh(park["codes"], park) or "未列明")
    if not any(r["rule"] == "park_major" and r["text_zh"] == text for r in reasons.items):
        reasons.add("park_major", "info", text, pr["plan_ref"])


def _park_mismatch(site: SiteFacts, best: dict, park: dict, reasons: Reasons) -> None:
    """第八章第一节 “产业园区分区”: each functional park of a cluster has its own designation. A project that
    fits the cluster (``industrial_clusters``) but not the park it lies in is at most conditional, unless the plan names the cluster
    for it as a whole (``zone_rules`` → ``cluster_wide``, e.g. 轴承 in 郑家, 第四章第一节): then the park is a
    prompt only (``info``)."""
    policy = plan.rules()["policy_rules"]
    wide = next((e for e in plan.zone_rule(best["id"]).get("cluster_wide", [])
                 if plan.match(e["codes"], site.codes) == "full"), None)
    if best["layer"] in SERVICE_LAYERS and service_park_cap(site, [park], f"{best['name_zh']}的发展主题", reasons):
        return  # task R13: a production park decides for a service it does not name, not the belt overlay
    if best["layer"] != "industrial_clusters":  # fits a service belt or a named place: the park is a prompt
        pr = policy["park_mismatch"]
        reasons.add("park_mismatch", "info", pr["reason_zh"].format(
            park=park["name_zh"], codes=codes_zh(park["codes"], park) or "未列明", zone=best["name_zh"]),
            park["plan_ref"] or pr["plan_ref"])
        return
    if wide:
        # task R12 (new user): the zone list must agree with the verdict: the park does not list the industry, but
        # the plan gives it to the whole cluster, so the park is marked as matching through the cluster
        park["cluster_wide"] = True
        pr = policy["park_mismatch"]
        reasons.add("park_mismatch", "info", pr["reason_zh"].format(
            park=park["name_zh"], codes=codes_zh(park["codes"], park) or "未列明", zone=best["name_zh"])
            + pr["cluster_wide_zh"].format(zone=best["name_zh"], what=wide["what_zh"], plan_ref=wide["plan_ref"],
                                           quote="”“".join(wide["quote"]) if isinstance(wide.get("quote"), list)
                                           else wide.get("quote", "")),
            wide["plan_ref"])
        return
    pr = policy["park_designation"]
    reasons.add("park_designation", "conditional", pr["reason_zh"].format(
        park=park["name_zh"], codes=codes_zh(park["codes"], park) or "未列明", zone=best["name_zh"]),
        park["plan_ref"] or pr["plan_ref"])


SERVICE_LAYERS = ("service_core", "service_belts", "service_groups")


def service_park_cap(site: SiteFacts, zones: list[dict], via_zh: str, reasons: Reasons) -> bool:
    """A production or logistics park/block (第八章第一节 “产业园区分区”, ``use_classes``) decides for a service
    (sections F–T) it does not name: the service is at most conditional there, with the park named, even where
    a service belt overlaying the park (大运河文化旅游带) or a district-wide rule (15分钟便民生活服务圈) covers it.
    Services the park names (its 配套, logistics in a logistics park, 研发/检测 where named) match the park and
    are not capped. Adds the ``park_service_cap`` reason and returns True when it applies.

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> check_site("115.9941,36.4266", "饭馆").results[0]["verdict"]  # doctest: +SKIP
    'conditional'
    """
    rb = plan.rules()
    pr = rb["policy_rules"].get("park_service_cap")
    if not pr or not ("F" <= site.codes[0][:1] <= "T"):
        return False
    th = rb["thresholds"]
    uses = rb.get("use_classes", {})
    for z in sorted(zones, key=lambda z: -z["share"]):
        use = plan.zone_rule(z["id"]).get("use_class")
        if z["layer"] != "cluster_parks" or z["share"] < th["split_min_share"] or use not in pr["capped_uses"] \
                or plan.match(tuple(z["codes"]), site.codes) == "full" \
                or any(z["id"] in e["zones"] and plan.match(e["codes"], site.codes) == "full"
                       for e in pr.get("not_capped", [])):
            continue
        reasons.add("park_service_cap", "conditional", pr["reason_zh"].format(
            park=z["name_zh"], use=uses[use]["name_zh"], codes=codes_zh(z["codes"], z) or "未列明", via=via_zh),
            z.get("plan_ref") or pr["plan_ref"])
        return True
    return False


def _place_conditional(site: SiteFacts, zones: list[dict], reasons: Reasons) -> bool:
    """A place the plan supports the project at without making it the place's industry (``zone_rules`` →
    ``conditional``, e.g. 非遗 crafts at 道口铺非遗文化名镇, 第八章第三节、第六章第六节): add the conditional
    reason and return True (the site is then not judged as a factory outside the clusters)."""
    th = plan.rules()["thresholds"]
    # on a tie the functional park, the finer unit, speaks (新材料产业园 before 嘉明经济开发区)
    for z in sorted(zones, key=lambda z: (-z["share"], z["layer"] != "cluster_parks")):
        if z["share"] < th["split_min_share"]:
            continue
        for e in plan.zone_rule(z["id"]).get("conditional", []):
            if plan.match(e["codes"], site.codes) == "full":
                # a project typed as a product the entry's text excludes (实心黏土砖 in a class that also holds
                # the plan's 固废 bricks) is told so, not asked to verify what it already said (re-QA 1)
                typed = (site.match.query or "").strip()
                if plan.names_unfit(typed, e):
                    unfit_product(site, z, e, reasons)
                else:
                    reasons.add("place_conditional", "conditional", e["reason_zh"].format(zone=z["name_zh"], words=typed),
                                e["plan_ref"])
                return True
    return False


def product_to_verify_zh(site: SiteFacts) -> str:
    """What a project typed without its product must still prove, when its class holds products the plan's text
    treats apart (砖窑, 砖厂, 轮窑 in C3031: 实心黏土砖 fits no cluster, 固废 bricks are the 节能环保建材 of
    第四章第五节), or ``""``: a plain 有条件符合 on positioning alone let 砖窑 pass looser than 红砖厂 (QA session 31, F3)."""
    typed = (site.match.query or "").strip()
    entry = plan.product_to_verify(site.codes, typed)
    if entry is None:
        return ""
    name, _entry = plan.office_policy_for_rule("enterprises_into_parks")
    effect = plan.office_policies(site.flags.get("policy"))[name]
    return plan.rules()["policy_rules"]["unfit_product"]["verify_zh"].format(
        words=typed, codes=codes_zh(site.codes), verdict=plan.rules()["verdicts"].get(effect, effect))


def unfit_product(site: SiteFacts, zone: dict, entry: dict, reasons: Reasons, text: str | None = None) -> None:
    """A project typed as a product the plan's text gives to no zone (``unfit_words`` of a ``conditional`` entry:
    实心黏土砖, which 第四章第五节 leaves out of the 节能环保建材 it names) inside a cluster: the clusters are to be
    entered “按照产业属性” (第三章第三节), and no cluster's positioning (第八章第一节) takes the product, so lying in
    one does not make it fit better than lying outside them all; it gets the office policy's verdict for an industrial
    project outside the clusters (default 不符合), never a softer one (QA session 30, F4/F5)."""
    pr = plan.rules()["policy_rules"]["unfit_product"]
    name, _entry = plan.office_policy_for_rule("enterprises_into_parks")
    effect = plan.office_policies(site.flags.get("policy"))[name]
    typed = (site.match.query or "").strip()
    if text is None:   # the zone whose rules name the product (新材料产业园): the entry's own words
        text = entry["unfit_reason_zh"].format(zone=zone["name_zh"], words=typed)
    which = plan.unfit_word(typed, entry)
    at = product_words(typed)[0].find(which) if which else -1
    if at >= 0 and len(product_words(typed)[0]) == len(typed):
        which = typed[at:at + len(which)]   # as typed (黏土砖, not the 粘土砖 it is compared as)
    if which:   # which word decided, and why (QA session 31, F3: 实心砖厂 was unfit by 「实心砖」 but said 「砖厂」)
        text += pr["decided_by_zh"].format(words=typed, word=which)
    reasons.add("unfit_product", effect, text + pr["reason_zh"] + plan.office_policy_text(name, effect),
                f"{entry['plan_ref']}、{pr['plan_ref']}")


def district_wide(site: SiteFacts, share_plan: float, reasons: Reasons, zones: list[dict] | None = None) -> bool:
    """Industries the plan supports across the whole plan area (``plan_rules.json`` → ``district_wide``: grain,
    第三章第四节, 第五章第一节; 中药材 and 蔬菜, 第五章第二节; all other crops and livestock, 第五章第二节; on-farm
    primary processing, 第五章第三节; the community services of the 15分钟便民生活服务圈 incl. supermarkets,
    第六章第二节, 乡镇卫生院 and 养老院 (两院一体, 居家养老), 第六章第三节; rural e-commerce, 第五章第三节
    镇（街道）网络销售体系; task R12: the everyday service points of the 15分钟便民生活服务圈 — 餐饮, 理发, 健身, 快递 … —
    and rural tourism R9030/H6130 outside the clusters, 第六章第二节, 第六章第一节): add the reason (and the rule's ``note_zh`` as an ``info`` prompt of what the verdict
    does not check, e.g. 畜禽禁养区) and return True, so that no zone is required;
    False otherwise, also where a zone designated for the industry holds the whole site (that zone's clause
    is the reason then). A rule with ``not_in_layers`` does not apply where the site lies in a zone of those
    layers (an agricultural zone judges by its own designation, an industrial cluster is industrial land).

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> check_site("116.1548,36.3877", "A0111").results[0]["reasons"][0]["rule"]  # doctest: +SKIP
    'grain_district_wide'
    >>> check_site("116.1548,36.3877", "F5213").results[0]["reasons"][0]["rule"]  # doctest: +SKIP
    'community_services_district_wide'
    >>> [r["rule"] for r in check_site("116.1548,36.3877", "生猪").results[0]["reasons"]][:2]  # doctest: +SKIP
    ['livestock_district_wide', 'livestock_no_go_check']
    """
    rb = plan.rules()
    th = rb["thresholds"]
    if share_plan < th["split_min_share"]:
        return False
    for rule in rb.get("district_wide", []):
        if plan.match(rule["codes"], site.codes) != "full":
            continue
        if any(z["match"] == "full" and z["share"] >= th["full_share"] for z in zones or []):
            return False  # a zone that names the industry lies around the site: its own clause is the better reason
        blocked = set(rule.get("not_in_layers", []))
        if any(z["layer"] in blocked and z["share"] >= th["split_min_share"] for z in zones or []):
            continue
        reasons.add(rule["id"], rule["effect"], rule["reason_zh"].format(project=site.match.label_zh),
                    rule["plan_ref"])
        # task R13: in a production park that does not name the service, the park decides (第八章第一节)
        service_park_cap(site, zones or [], f"{rule['plan_ref']}的全区口径", reasons)
        if rule.get("note_zh"):  # what the verdict does not check (畜禽禁养区, 永久基本农田): a prompt only
            reasons.add(rule.get("note_rule") or f"{rule['id']}_note", "info", rule["note_zh"], rule.get("note_ref", ""))
        return True
    return False


def blocks(site: SiteFacts, zones: list[dict], reasons: Reasons) -> None:
    """Functional blocks decide (第八章第一节): a factory (sections B, C) in a park block whose use is not
    production is at most conditional (宜游, 综合服务区, 研发及生活服务区, 物流产业园, 交易市场区) or does not fit
    (宜居, 回迁居住区, when more than half of the site — ``thresholds.block_majority_share`` — lies in it; a site at
    most half in a residential block is conditional: adjust the site, no industry on the residential part);
    and an industry the plan gives to another cluster (轴承 → 郑家, 第四章第一节) is conditional elsewhere;
    an industry a zone or a block's use bars (``zone_rules`` / ``use_classes`` → ``barred``: housing in a production
    block, 第八章第一节; a livestock farm in the city core, 《畜禽规模养殖污染防治条例》第十一条) does not fit there.

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> [r["effect"] for r in check_site(SITE_IN_YIJU, "C3670").results[0]["reasons"] if r["rule"] == "block_use"]  # doctest: +SKIP
    ['does_not_fit']
    """
    rb = plan.rules()
    th = rb["thresholds"]
    uses = rb.get("use_classes", {})
    is_factory = site.codes[0][:1] in ("B", "C")
    seen = set()
    for z in zones:
        if z["share"] < th["split_min_share"]:
            continue
        zr = plan.zone_rule(z["id"])
        use = uses.get(zr.get("use_class") or "", {})
        if is_factory and use.get("industry_effect") and z["id"] not in seen:
            seen.add(z["id"])
            effect = use["industry_effect"]
            pr = rb["policy_rules"]["block_use"]
            ref = zr.get("plan_ref", pr["plan_ref"])
            if effect == "does_not_fit" and z["share"] <= th.get("block_majority_share", th.get("block_whole_share", 0.0)):
                # a site partly (at most half) in a residential block: adjust the site (no industry on the
                # residential part), conditional like a site straddling a cluster's edge (第八章第一节; holdout2/
                # holdout3 readers agree). More than half on it is a site in the block (task R8, holdout9 readers).
                reasons.add("block_use", "conditional", pr["partial_residential_zh"].format(
                    share=fmt_share(z["share"]), park=z["name_zh"], use=use["name_zh"], plan_ref=ref,
                    quote=zr.get("quote", "")), ref)
            elif effect == "does_not_fit" and z["share"] < th.get("block_whole_share", 0.0):
                # more than half of the site on a residential block (task R8): no longer an edge to adjust
                reasons.add("block_use", effect, pr["majority_residential_zh"].format(
                    share=fmt_share(z["share"]), park=z["name_zh"], use=use["name_zh"], plan_ref=ref,
                    quote=zr.get("quote", "")), ref)
            elif effect != "does_not_fit" and (major := major_park(zones)) and z is not major:
                # task R14: a production park of the same cluster holds ≥ 0.7 of the site and names the industry:
                # it decides; the spill onto a logistics/market block is a note (residential blocks: above)
                _park_major_note(major, z, reasons)
            else:
                consequence = ("工业项目不得在此建设。" if effect == "does_not_fit"
                               else "工业项目至多有条件符合，宜落位于集聚区的生产区块。")
                reasons.add("block_use", effect, pr["reason_zh"].format(
                    park=z["name_zh"], use=use["name_zh"], plan_ref=ref,
                    quote=zr.get("quote", ""), consequence=consequence), ref)
        for e in zr.get("barred", []) + use.get("barred", []):
            _zone_barred(site, z, e, seen, reasons)
        for e in zr.get("conditions", []):
            _zone_condition(site, z, e, zones, seen, reasons)
        _mixed_group(site, z, zr.get("conditions", []) + zr.get("barred", []) + use.get("barred", [])
                     + zr.get("belongs_elsewhere", []), zones, seen, reasons)
        for e in zr.get("belongs_elsewhere", []):
            key = ("elsewhere", e["zone_zh"])
            if key not in seen and plan.match(e["codes"], site.codes) == "full":
                seen.add(key)
                reasons.add("belongs_elsewhere", "conditional", e["reason_zh"].format(zone=z["name_zh"]),
                            e["plan_ref"])
    # what no block of a cluster takes (farming, QA round 7 finding 3: 养鸡 in 嘉明's logistics or service block was
    # 有条件): use_classes → cluster, for every industrial cluster, unless a block's own entry already said it
    cluster_use = uses.get("cluster", {})
    said = {r["rule"] for r in reasons.items}
    for z in zones:
        if z["layer"] == "industrial_clusters" and z["share"] >= th["split_min_share"]:
            for e in cluster_use.get("barred", []):
                if not any(r.startswith("farming_in_") for r in said) or not e["id"].startswith("farming_in_"):
                    _zone_barred(site, z, e, seen, reasons)
    if is_factory:
        _majority_agri_zone(site, zones, reasons)


def _majority_agri_zone(site: SiteFacts, zones: list[dict], reasons: Reasons) -> None:
    """A factory site that touches an industrial cluster but lies more than half (``thresholds.
    block_majority_share``) in an agricultural zone whose chain it is not (第八章第二节) is judged by that main
    part: like a factory wholly in the zone, i.e. as a factory outside the clusters under the office policy
    (``industry_outside_clusters``; default 不符合). Adjusting the red line would move most of the site: it is
    another site (task R10, holdout12 h12-ch08-040; like R8's rule for residential blocks).

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> check_site("115.929,36.505", "C3421", area_mu=100).verdict  # doctest: +SKIP
    'does_not_fit'
    """
    rb = plan.rules()
    th = rb["thresholds"]
    if not any(z["layer"] == "industrial_clusters" and z["share"] >= th["split_min_share"] for z in zones):
        return  # wholly outside the clusters: the outside-clusters rule already judges the site
    agri = [z for z in zones if z["layer"] == "agri_zones" and z["match"] == "none"
            and z["share"] > th["block_majority_share"]]
    if not agri:
        return
    z = max(agri, key=lambda z: z["share"])
    pr = rb["policy_rules"]["majority_agri_zone"]
    name, _entry = plan.office_policy_for_rule("enterprises_into_parks")
    effect = plan.office_policies(site.flags.get("policy"))[name]
    reasons.add("majority_agri_zone", effect, pr["reason_zh"].format(share=fmt_share(z["share"]), zone=z["name_zh"])
                + plan.office_policy_text(name, effect), pr["plan_ref"])


def _mixed_group(site: SiteFacts, zone: dict, entries: list[dict], zones: list[dict], seen: set,
                 reasons: Reasons) -> None:
    """A group or division (or a word read as one: 汽车 → C36) that a zone takes as a whole, while the zone's rules
    say otherwise of some of its classes (``conditions``, ``barred``, ``belongs_elsewhere``: C3611, C3620, C3640 of
    C36 at 第二片区), is at best as good as those classes: conditional, naming them and asking for the product or the
    4-digit class (QA session 30, F1). A project typed as an entry's ``fits_words`` (动力电池 for C384) is what the
    plan names, not the whole group. Said once per site.

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> check_site(SITE_IN_YIYE, "C36").verdict  # doctest: +SKIP
    'conditional'
    """
    if zone["match"] != "full" or ("mixed_group",) in seen:
        return
    th = plan.rules()["thresholds"]
    typed = (site.match.query or "").strip()
    projects = [plan.normalize_zone_code(p) for p in site.codes]
    differ: dict[str, str] = {}   # class -> the entry's plan_ref
    quotes: list[str] = []        # the first clause each differing entry quotes
    for e in entries:
        if names_product(typed, e.get("fits_words", ())):
            continue
        if e.get("unless_zone_fits") and _drawn_zone_fits_whole(zones, th):
            continue
        for code in e["codes"]:
            c = plan.normalize_zone_code(code)
            if any(covers(p, c) and p != c for p in projects):
                differ.setdefault(code, e.get("plan_ref", ""))
                q = e.get("quote")
                q = q[0] if isinstance(q, list) and q else q
                if q and f"“{q}”" not in quotes:
                    quotes.append(f"“{q}”")
    if not differ:
        return
    seen.add(("mixed_group",))
    pr = plan.rules()["policy_rules"]["mixed_group"]
    refs = "、".join(dict.fromkeys(r for ref in differ.values() for r in ref.split("、") if r))
    reasons.add("mixed_group", "conditional", pr["reason_zh"].format(
        project=site.match.label_zh, zone=zone["name_zh"], classes=codes_zh(sorted(differ)), refs=refs,
        quotes="：" + "；".join(quotes) if quotes else ""),
        refs or pr["plan_ref"])


def _zone_barred(site: SiteFacts, zone: dict, entry: dict, seen: set, reasons: Reasons) -> None:
    """An industry a zone (``zone_rules`` → ``barred``) or its block's use (``use_classes`` → ``barred``) bars:
    the entry's effect when the site lies wholly (``thresholds.block_whole_share``) in the zone, else
    conditional (adjust the site so that the barred use stays out of the zone), like a site partly in a
    residential block. Each entry is said once per site.

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> check_site(SITE_IN_YIYE, "K7010").verdict  # doctest: +SKIP
    'does_not_fit'
    """
    th = plan.rules()["thresholds"]
    key = ("barred", entry["id"])
    if key in seen or plan.match(entry["codes"], site.codes) != "full":
        return
    seen.add(key)
    effect = entry["effect"]
    if effect == "does_not_fit" and zone["share"] < th.get("block_whole_share", 0.0):
        reasons.add(entry["id"], "conditional", entry["partial_zh"].format(
            zone=zone["name_zh"], share=fmt_share(zone["share"]), project=site.match.label_zh), entry["plan_ref"])
    else:
        reasons.add(entry["id"], effect, entry["reason_zh"].format(zone=zone["name_zh"], project=site.match.label_zh),
                    entry["plan_ref"])


def _zone_condition(site: SiteFacts, zone: dict, entry: dict, zones: list[dict], seen: set, reasons: Reasons) -> None:
    """A condition a place puts on an industry it supports (``zone_rules`` → ``conditions``): e.g. the 临空
    logistics, storage and exhibitions of 第六章第五节 “依托即将建设的聊城机场” in 郑家镇, whose airport and 临空 area
    are not drawn (第九章第一节): conditional, the relation to the airport to be checked. With ``unless_zone_fits``
    the condition is not added where a drawn zone designated for the industry holds the whole site (a warehouse
    in 郑家's 物流产业园 fits by 第八章第一节). Said once per site.

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> check_site("115.712,36.450", "G5920").verdict  # doctest: +SKIP
    'conditional'
    """
    th = plan.rules()["thresholds"]
    key = ("condition", entry["id"])
    if key in seen or plan.match(entry["codes"], site.codes) != "full":
        return
    if entry.get("unless_zone_fits") and _drawn_zone_fits_whole(zones, th):
        return
    seen.add(key)
    reasons.add(entry["id"], entry["effect"], entry["reason_zh"].format(zone=zone["name_zh"], project=site.match.label_zh),
                entry["plan_ref"])


def _drawn_zone_fits_whole(zones: list[dict], th: dict) -> bool:
    """A drawn zone designated for the industry holds the whole site (a condition with ``unless_zone_fits`` then
    does not apply)."""
    return any(z["layer"] != "named_places" and z["match"] == "full" and z["share"] >= th["full_share"] for z in zones)
