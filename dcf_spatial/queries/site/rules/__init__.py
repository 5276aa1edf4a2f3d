"""The verdict rules of the site check, one module per group of the plan's rules.

``location``      where the site lies: townships, the plan area, the zones it touches (第一章第一节)
``industry``      is it in a zone designated for its industry, and which are nearest (第八章)
``restrictions``  barred and restricted industries (第九章第三节: cement, foundry, chemicals, the over-capacity
                  list, high-energy projects; 第十章第二节: 淘汰类; 第十章第六节: ecological corridors, a prompt)
``industry``      also: industries supported district-wide (grain; 中药材, 蔬菜; community services of
                  第六章第二节/第三节), functional blocks of the parks and
                  industries the plan gives to another cluster (``plan_rules.json`` → ``zone_rules``)
``indicators``    the land-use control indicators (《工业项目建设用地控制指标》)
``landuse``       current land use under the site (耕地 share) from an imported 三调 layer (info only)

:func:`evaluate` runs them in that order for every site, each rule group reading one
:class:`SiteFacts` (what is known about one site) and adding to its :class:`Reasons`. The verdict is
the worst effect among the reasons (``plan.worst``), ``outside_plan_area`` first.
"""

from __future__ import annotations

import numpy as np

from .... import plan, settings

from .. import context
from ..context import PlanContext, site_overlaps, to_lonlat
from .base import Reasons, SiteFacts, fmt_share

__all__ = ["evaluate", "Reasons", "SiteFacts", "fmt_share"]


def evaluate(ctx: PlanContext, geoms: np.ndarray, matches: list, figures: list, flags: list,
             named: list | None = None, row_errors: bool = False) -> list[dict]:
    """Check sites given in the working CRS, one resolved industry each; one result dict per site.

    Parameters
    ----------
    ctx
        The loaded layers (:func:`dcf_spatial.queries.site.context.load_context`).
    geoms
        Site geometries in EPSG:4548.
    matches, figures, flags
        One :class:`~dcf_spatial.industry.IndustryMatch`, figures dict and flags dict per site.
    named
        Per site ``None`` or, for a site given by a place name, the unit it names
        (:func:`~dcf_spatial.queries.site.check.placed_by_name`): the geometry is then the whole unit and
        the site means "somewhere in it" (see :mod:`.named`): the verdict judges the unit's own
        designation, the area is the declared one (``figures["site_area_mu"]``) or unknown.
    row_errors
        A word listed for several codes whose verdicts differ at a site
        (:class:`~dcf_spatial.industry.IndustryChoiceNeeded`): ``False`` (one check) raises it; ``True`` (a
        batch) gives that row ``{"status": "error", "error": …, "industry": …}`` and checks the others.

    Returns
    -------
    list of dict
        The result of each site (see :mod:`dcf_spatial.queries.site`).

    Examples
    --------
    >>> evaluate(load_context(), geoms, [resolve("轴承")], [{}], [{}])[0]["verdict"]  # doctest: +SKIP
    'fits'
    """
    import shapely

    from .. import layer_gaps
    from . import finish, indicators, industry, landuse, location, named as by_name, restrictions

    named = named if named is not None else [None] * len(geoms)
    if any(not m.resolved for m in matches):  # plan words with several codes (industry.plan_word)
        ok = [i for i, m in enumerate(matches) if m.resolved]
        done = dict(zip(ok, evaluate(ctx, np.asarray([geoms[i] for i in ok], dtype=object), [matches[i] for i in ok],
                                     [figures[i] for i in ok], [flags[i] for i in ok], named=[named[i] for i in ok])
                        if ok else []))
        from ....industry import IndustryChoiceNeeded, choice_error_message

        for i, m in enumerate(matches):
            if i not in done:
                try:
                    done[i] = _over_candidates(ctx, geoms[i], m, figures[i], flags[i], named[i])
                except IndustryChoiceNeeded as exc:
                    if not row_errors:
                        raise
                    done[i] = {"status": "error", "error": choice_error_message(m, exc.each, where="行业列"),
                               "industry": m.to_dict()}
        return [done[i] for i in range(len(matches))]

    rb = plan.rules()
    chem = rb.get("chemical_parks") or {}
    if chem.get("recognised"):  # the office's list of recognised chemical parks names features of this store
        known = {str(v) for lid in chem.get("layers", []) if lid in ctx.layers for v in ctx.layers[lid].ids}
        problems = plan.chemical_parks_problems(known)
        if problems:
            from ....errors import SchemaError

            raise SchemaError("\n".join(problems))
    th = rb["thresholds"]
    areas = shapely.area(geoms)
    L = ctx.layers
    ov = {lid: site_overlaps(L[lid], geoms, areas, th["service_point_radius_km"] * 1000) for lid in L}
    lonlat = to_lonlat(shapely.centroid(geoms))
    prov = layer_gaps.with_gaps(ctx, ctx.provenance(list(L)))
    near_lines = restrictions.corridor_distances(ctx, geoms)  # for all sites at once (see its docstring)
    kind_of: dict = {}  # the kind depends on the codes only: once per industry of the chunk
    kinds = [kind_of.get(tuple(m.codes)) or kind_of.setdefault(tuple(m.codes), plan.industry_kind(m.codes))
             for m in matches]
    near_zones = industry.designated_distances(ctx, geoms, matches, kinds)
    # a layer the verdict needs that the store lacks or holds empty: no verdict (layer_gaps.py), per kind
    gap_of = {k["kind"]: layer_gaps.reason(ctx, k) for k in kinds} if ctx.unreadable else {}
    frame_gap = bool(layer_gaps.gaps(ctx, context.FRAME_LAYERS)) if ctx.unreadable else False
    results = []
    for i, geom in enumerate(geoms):
        fn = named[i]
        area = areas[i]
        if fn:  # "somewhere in this unit": its area is the declared one, or unknown (0)
            declared = _declared_m2(figures[i])
            area = declared or 0.0
        site = SiteFacts(geom=geom, area=area, lonlat=lonlat[i], match=matches[i],
                         overlaps={lid: ov[lid][i] for lid in ov}, figures=figures[i], flags=flags[i])
        reasons = Reasons()
        where = location.locate(ctx, site, reasons)
        gap = gap_of.get(kinds[i]["kind"])
        local = layer_gaps.local_reason(ctx, kinds[i], geom) if gap is None and ctx.local else None
        if local is not None:   # an invalid feature's extent, a hole in the township frame (store/layer_health.py)
            gap = local[0]
        if frame_gap or (local is not None and local[1]):   # "outside the plan area" read from a broken frame is no fact
            reasons.items.clear()
        touched = location.zones_touched(ctx, site)
        zones, inner = (touched, []) if not fn else by_name.split_zones(ctx, touched, fn)
        kind = kinds[i]
        designated, nearest_txt = industry.designated_zones(ctx, site, kind, near_zones[i])
        # a chemical bound to a recognised chemical park is not sent to a cluster where it fails too (QA round 10)
        chem_advice = restrictions.chemical_park_advice(ctx, site)
        if restrictions.barred(site, reasons, zones):  # do not suggest where to put a project the plan bars
            nearest_txt = chem_advice or "无（该项目属第九章第三节禁止情形）"
        elif chem_advice:
            nearest_txt = chem_advice
        loc = Reasons()  # the location rules, kept apart: a named site weighs them against its parts
        if not industry.district_wide(site, where["share_in_plan_area"], loc, zones):
            industry.zone_fit(site, kind, zones, where["share_in_plan_area"], nearest_txt, loc,
                              where["townships"],
                              chemical_where_zh=restrictions.chemical_park_where_zh(ctx) if chem_advice else None)
        industry.blocks(site, zones, loc)
        location.park_outside_cluster(ctx, site, loc)  # a park's part outside its cluster: 待核实 (info)
        part_results: dict = {}
        if fn:  # "somewhere in the unit": every part of it checked as a parcel (rules/named.py)
            samples = by_name.parts(ctx, geom, inner, by_name.unit_zh(fn)) if gap is None else []
            checked = list(zip([lbl for lbl, _ in samples], evaluate(
                ctx, np.asarray([pt for _, pt in samples], dtype=object), [matches[i]] * len(samples),
                [figures[i]] * len(samples), [flags[i]] * len(samples), row_errors=True))) if samples else []
            # a sample falling outside the plan area inside a unit of it is an edge of the schematic layers
            checked = [(lbl, r) for lbl, r in checked if r.get("verdict") != "outside_plan_area"]
            part_results = {lbl: by_name.part_verdict(r) for lbl, r in checked}
            by_name.combine(fn, reasons, loc if gap is None else Reasons(), checked)
        elif gap is None:   # with a layer unread, "not in any designated zone" is no fact: left out
            reasons.items.extend(loc.items)
        if fn:
            by_name.parcel_prompt(site, fn, inner, kind, reasons, part_results)
            by_name.corridor_prompt(ctx, site, fn, reasons, part_results)
        else:
            restrictions.eco_corridors(ctx, site, reasons, {k: v[i] for k, v in near_lines.items()})
        found = indicators.land_indicators(site, kind, reasons)
        if fn:
            reasons.add(landuse.RULE, "info", "场地按地名定位、具体地块未知，未按土地利用现状核查耕地占用"
                                              + ("（各部分均不符合，耕地占用不改变结论）。" if by_name.every_part_fails(part_results)
                                                 else "（请给出地块坐标或图形后核查）。"), "")
        else:
            landuse.land_use_share(ctx, site, reasons)  # info only: 耕地 under the site, or "not checked"
        label = plan.kind_label_zh(kind, site.codes)
        if label != kind["name_zh"]:  # QA round 8: a 葫芦工艺品 (C243) is not a "农副产品加工项目"
            for r in reasons.items:
                r["text_zh"] = r["text_zh"].replace(f"{kind['name_zh']}项目", f"{label}项目")
        restrictions.settle_chemical(reasons)
        verdict = reasons.verdict() if gap is None else None
        reasons.items = finish.finish(reasons.items, verdict)  # the deciding reason first; no clause twice
        if gap is not None:   # what could not be read, and the way out, before the facts of the other layers
            reasons.items.insert(0, dict(gap))
        facts = {"area_mu": round(site.area / settings.MU_M2, 2), "area_ha": round(site.area / 10_000, 4)}
        if fn:
            facts = {"area_mu": facts["area_mu"] if area else None, "area_ha": facts["area_ha"] if area else None,
                     "area_source": "declared" if area else "unknown", "parcel_known": False,
                     "unit_area_mu": round(float(areas[i]) / settings.MU_M2, 2),
                     "zones_inside_unit": [z["name_zh"] for z in inner if z["layer"] != "named_places"],
                     # the parts of the unit checked as parcels (rules/named.py) and what each gives
                     "parts_checked": [{"part_zh": lbl, "verdict": v} for lbl, v in part_results.items()]}
        results.append({
            "verdict": verdict, "verdict_zh": plan.verdict_zh(verdict),
            "industry": {**site.match.to_dict(), "kind": kind["kind"], "kind_zh": label},
            "site": {**facts,
                     "geometry_type": geom.geom_type, "centroid_lonlat": [round(float(v), 6) for v in site.lonlat],
                     "share_in_plan_area": round(where["share_in_plan_area"], 4),
                     "share_in_district": round(where["share_in_district"], 4),
                     "other_units": where["other_units"]},
            "townships": where["townships"], "zones": touched if not fn else zones + inner,
            "designated_zones": designated,
            "reasons": reasons.items, "indicators": found, "provenance": prov,
        })
    return results


def _over_candidates(ctx: PlanContext, geom, m, figures: dict, flags: dict, named) -> dict:
    """One site checked for a word the plan uses for several codes (:func:`dcf_spatial.industry.plan_word`,
    e.g. 氢能 → C2619 制氢 / C3849 燃料电池, 第四章第六节): every candidate is judged; when they agree, that
    verdict covers them (an ``info`` reason lists them); when they differ the answer is ``conditional``, naming
    each candidate's verdict and its reasons, and asks the planner to choose the code. Written by hand: the
    candidates are few (2–5) and each is the ordinary check of one code."""
    from ....industry import IndustryChoiceNeeded, IndustryMatch, plan_word
    from . import finish

    subs = [IndustryMatch(m.query, "resolved", (c,), (n,), how="plan_word") for c, n in m.candidates]
    k = len(subs)
    res = evaluate(ctx, np.asarray([geom] * k, dtype=object), subs, [figures] * k, [flags] * k, named=[named] * k)
    verdicts = [r["verdict"] for r in res]
    order = plan.rules()["verdict_order"]
    ref = plan_word(m)
    cands = "；".join(f"{c} {n}" for c, n in m.candidates)
    if not ref and len(set(verdicts)) > 1:  # a clerk's word (industry.choice_free): the planner chooses
        raise IndustryChoiceNeeded(m, [(s.codes[0], s.names_zh[0], plan.verdict_zh(v)) for s, v in zip(subs, verdicts)])
    if len(set(verdicts)) == 1:
        verdict, base = verdicts[0], res[0]
        text = (f"「{m.query}」是规划用词（{ref}），对应多个行业代码：{cands}。已逐一核查，结论相同"
                f"（{plan.verdict_zh(verdict)}），此结论对各候选代码均成立。" if ref else
                f"「{m.query}」对应多个行业代码：{cands}。已逐一核查，在此场地结论相同"
                f"（{plan.verdict_zh(verdict)}），结论不取决于选哪一个代码。")
        effect = "info"
    elif None in verdicts:   # a layer one candidate's kind needs is unreadable (layer_gaps.py): no verdict either
        verdict, base = None, res[verdicts.index(None)]
        text = (f"「{m.query}」对应多个行业代码：{cands}。各候选代码的结论："
                + "；".join(f"按 {s.codes[0]} {s.names_zh[0]}：{plan.verdict_zh(v)}" for s, v in zip(subs, verdicts))
                + "。图层可读后请选定具体代码复核。")
        effect = "info"
    else:
        verdict = "conditional"
        base = res[min(range(k), key=lambda j: order.index(verdicts[j]))]
        each = "；".join(
            f"按 {s.codes[0]} {s.names_zh[0]}：{plan.verdict_zh(v)}"
            + ("（" + " ".join(x["text_zh"].removeprefix(finish.DECISIVE_ZH) for x in r["reasons"]
                              if x["effect"] not in ("info", "fits")) + "）"
               if v != "fits" else "")
            for s, r, v in zip(subs, res, verdicts))
        text = (f"「{m.query}」是规划用词（{ref}），对应多个行业代码，结论视所选代码而定：{each}。"
                f"请选定具体代码（如 {subs[0].codes[0]}）后复核。")
        effect = "conditional"
    out = dict(base)
    out["verdict"], out["verdict_zh"] = verdict, plan.verdict_zh(verdict)
    note = {"rule": "plan_word_candidates" if ref else "word_candidates", "effect": effect, "text_zh": text, "plan_ref": ref}
    # the deciding reasons stay first (rules/finish.py); a note that the candidates agree follows them
    lead = 0 if effect != "info" else sum(1 for x in base["reasons"]
                                          if x["text_zh"].startswith(finish.DECISIVE_ZH) or x["effect"] == plan.UNCHECKED)
    out["reasons"] = [*base["reasons"][:lead], note, *base["reasons"][lead:]]
    out["industry"] = {**m.to_dict(), "codes": [c for c, _ in m.candidates],
                       "names_zh": [n for _, n in m.candidates], "kind": base["industry"]["kind"],
                       "kind_zh": base["industry"]["kind_zh"], "plan_word": ref,
                       "candidates_checked": [{"code": s.codes[0], "name_zh": s.names_zh[0], "verdict": v,
                                               "verdict_zh": plan.verdict_zh(v)} for s, v in zip(subs, verdicts)]}
    return out


def _declared_m2(figures: dict | None) -> float | None:
    """The declared 用地面积 (亩 → m²) of a site, or None."""
    from .indicators import site_area_m2

    return site_area_m2(figures or {}, 0.0)
