"""Barred and restricted industries (第九章第三节): new cement/foundry capacity, chemicals."""

from __future__ import annotations

import numpy as np

from .... import _fixes, plan
from ....errors import SchemaError
from ....industry import label_zh
from .base import Reasons, SiteFacts


def barred(site: SiteFacts, reasons: Reasons, zones: list[dict] | None = None) -> bool:
    """Add a reason for each barred or restricted industry rule the industry meets (第九章第三节: cement,
    foundry, chemicals, the over-capacity industries, high-energy projects; 第十章第二节: 淘汰类); True
    when one decides ``does_not_fit`` (capacity replacement and the catalogue class soften some rules).

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> check_site("115.80,36.47", "水泥").results[0]["reasons"][0]["rule"]  # doctest: +SKIP
    'cement_new_capacity'
    """
    barred_here = False
    flags = site.flags
    zone_ids = {z["id"] for z in zones or []}
    hit_codes: list[str] = []
    for rule, mt in plan.barred_rules(site.codes):
        exempt = [e for e in rule.get("exempt_in_zones", []) if zone_ids & set(e["zones"])
                  and plan.match(e["codes"], site.codes) == "full"]
        if exempt and not flags.get("catalogue_class"):
            continue  # the plan itself places this product here (e.g. 香料香精 in 芳香示范区, 第八章第二节)
        if "effect_with_capacity_replacement" in rule:  # a capacity rule: the over-capacity list must not repeat it
            hit_codes += rule["codes"]
        effect = rule["effect"]
        text = rule["reason_zh"]
        if mt == "partial":
            effect = "conditional"
            text = f"项目行业（{site.match.label_zh}）可能包含受限行业：{text}请核实项目是否属于该类。"
        elif "effect_if_catalogue_class" in rule and flags.get("catalogue_class") in rule["effect_if_catalogue_class"]:
            effect = rule["effect_if_catalogue_class"][flags["catalogue_class"]]
            text = rule["catalogue_zh"].format(cls=flags["catalogue_class"])
        elif flags.get("capacity_replacement") and "effect_with_capacity_replacement" in rule:
            effect = rule["effect_with_capacity_replacement"]
            text = text + rule["replacement_zh"]
        if mt == "full" and rule.get("plan_encourages"):
            text += _encourages(rule["plan_encourages"])
        if effect == "does_not_fit" and "effect_with_capacity_replacement" in rule:
            if flags.get("capacity_replacement_unread"):  # a 产能置换 cell not understood: not «not declared»
                effect, text = "conditional", text + unread_replacement_zh(flags["capacity_replacement_unread"])
            else:
                text += REPLACEMENT_HINT_ZH
        reasons.add(rule["id"], effect, text, rule["plan_ref"])
        barred_here = barred_here or effect == "does_not_fit"
    barred_here = chemical_park(site, reasons, zones) or barred_here
    barred_here = overcapacity(site, reasons, hit_codes) or barred_here
    barred_here = catalogue_eliminated(site, reasons) or barred_here
    high_energy(site, reasons)
    return barred_here


#: how a capacity-barred reason says the replacement is declared (QA round 8): in neutral words (the command
#: line adds its option, dcf_spatial.cli._options.cli_wording; the batch's column is named as the README names it)
#: (the reason states the 等量或减量置换 duty once already: not repeated here)
REPLACEMENT_HINT_ZH = (f"项目实施产能置换的，请{_fixes.CAPACITY_REPLACEMENT}后重新核查"
                       "（批量核查：在“产能置换”列填“是”），结论为有条件符合、须经置换方案审核。")


def unread_replacement_zh(value: str) -> str:
    """The words of a capacity reason whose 产能置换 cell said something not understood (QA break 11): the
    verdict is 有条件符合 with the replacement 待核实, never 不符合 for «not declared».

    Examples
    --------
    >>> unread_replacement_zh("待置换")[:22]
    '“产能置换”列填写的“待置换”无法识别，是否'
    """
    return (f"“产能置换”列填写的“{value}”无法识别，是否实施等量或减量置换待核实：已置换的请填“是”"
            "（等量置换、减量置换、已置换 也读作是），未置换的填“否”，改填后重新核查；核实前按有条件符合处理。")


def chemical_park(site: SiteFacts, reasons: Reasons, zones: list[dict] | None = None) -> bool:
    """第九章第三节 and Shandong's 化工项目进区入园: a chemical (``chemical_parks.codes``, C26) the plan does not
    name (``plan_named``: 涂料、合成树脂 第四章第五节, 香料香精, 化妆品) in an industrial cluster or park that is not
    listed as a recognised chemical park (``chemical_parks.recognised``, empty by default: the plan names none in
    the district) does not fit. A listed park keeps the chemical rule's 有条件符合. Outside the clusters the office
    policy already bars it (not loosened). True when the rule applies (task R15: the majority of the readers).

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> check_site("115.965,36.500", "C2631").results[0]["verdict"]  # doctest: +SKIP
    'does_not_fit'
    """
    bound = chemical_park_bound(site)
    if bound is None:
        return False
    rule, broad = bound
    here = [z for z in zones or [] if z.get("layer") in rule["layers"]]
    recognised = rule.get("recognised", [])
    if not isinstance(recognised, list):  # plan.rules() refuses it; a rule book given otherwise is not read by substring
        raise SchemaError(plan.chemical_parks_problems()[0])
    if not here or any(str(z["id"]) in recognised for z in here):
        return False
    where = next((z for z in here if z.get("layer") == "cluster_parks"), here[0])
    text = rule["reason_zh"].format(project=site.match.label_zh, zone=where["name_zh"])
    if broad:
        text += rule["broad_zh"].format(named="；".join(
            "、".join(label_zh(c) for c in e["codes"]) + f"（{e['plan_ref']}）" for e in broad))
    reasons.add(rule["id"], rule["effect"], text, rule["plan_ref"])
    return rule["effect"] == "does_not_fit"


def chemical_park_bound(site: SiteFacts) -> tuple[dict, list] | None:
    """``(rule, broad)`` when the project may be built only in a recognised chemical park, wherever it lies
    (``chemical_parks``: a C26 chemical the plan does not name, 第九章第三节 and Shandong's 化工项目进区入园; ``broad``:
    the plan-named products a division-wide project holds), else None: a product the plan names (涂料、合成树脂,
    第四章第五节) or a project declared 淘汰类/限制类 (the catalogue rule decides) is judged by its own rules."""
    rule = plan.rules().get("chemical_parks")
    if not rule or site.flags.get("catalogue_class") or plan.match(rule["codes"], site.codes) != "full":
        return None
    named = [(e, plan.match(e["codes"], site.codes)) for e in rule.get("plan_named", [])]
    if any(mt == "full" for _, mt in named):
        return None  # the plan names this product: the chemical rule's 有条件 stands
    # a project broader than a named product (化工厂 → C26, which holds 涂料 C2641 as well as 化肥 C262): every
    # product in it the plan does not name is 不符合 here, so the broad project is too, not the softer verdict of
    # the few named ones;
    # the reason names them and asks for the product (QA round 7, finding 1). Only a division (C26) is read so: a
    # group is the reader's word for the product it is named after (涂料 → C264, 第四章第五节) and keeps 有条件
    broad = [e for e, mt in named if mt == "partial"]
    if broad and any(len(c) > 3 for c in site.codes):
        return None  # the project may be the named product: the chemical rule's 有条件 stands
    return rule, broad


def _recognised_names(ctx) -> list[str]:
    """The names of the recognised chemical parks (``chemical_parks.recognised``) in the loaded layers."""
    rule = plan.rules().get("chemical_parks") or {}
    ids = {str(v) for v in rule.get("recognised") or []}
    return [str(lay.names[z]) for lid in rule.get("layers", []) if (lay := ctx.layers.get(lid)) is not None
            for z in range(len(lay.ids)) if str(lay.ids[z]) in ids]


def chemical_park_advice(ctx, site: SiteFacts) -> str | None:
    """Where a project bound to a chemical park (:func:`chemical_park_bound`) may go, for the reasons' «建议落位于»:
    the recognised parks, or none (QA round 10, finding 5: a cluster where it fails too is not offered); None for
    any other project.

    Examples
    --------
    >>> from dcf_spatial.queries.site.context import load_context
    >>> from dcf_spatial.industry import resolve
    >>> chemical_park_advice(load_context(), SiteFacts(None, 0.0, None, resolve("C2631"), {}))[:9]  # doctest: +SKIP
    '省认定的化工园区（'
    """
    if chemical_park_bound(site) is None:
        return None
    rule = plan.rules()["chemical_parks"]
    names = _recognised_names(ctx)
    return rule["advice_zh"].format(parks="、".join(names)) if names else rule["advice_none_zh"]


def chemical_park_where_zh(ctx) -> str:
    """The sentence saying where a chemical-park-bound project may be built: the listed recognised parks, or
    that none is listed and the clusters do not qualify (``chemical_parks`` → ``listed_zh`` / ``nowhere_zh``)."""
    rule = plan.rules()["chemical_parks"]
    names = _recognised_names(ctx)
    return rule["listed_zh"].format(parks="、".join(names)) if names else rule["nowhere_zh"]


def settle_chemical(reasons: Reasons) -> None:
    """Where the chemical-park rule decides 不符合, the catalogue reason (``chemical_eliminated_restricted``, 有条件)
    no longer restates the park requirement it would be marked 不影响结论 beside (QA round 10, finding 5): it
    points to the deciding reason instead; its own point (check the catalogue class) is kept."""
    if not any(r["rule"] == "chemical_park" and r["effect"] == "does_not_fit" for r in reasons.items):
        return
    rule = next((r for r in plan.rules().get("barred", []) if r.get("id") == "chemical_eliminated_restricted"), None)
    if not rule or not rule.get("park_clause_zh"):
        return
    for r in reasons.items:
        if r["rule"] == rule["id"] and r["effect"] != "does_not_fit" and r["text_zh"].endswith(rule["park_clause_zh"]):
            r["text_zh"] = r["text_zh"].removesuffix(rule["park_clause_zh"]) + rule["park_decided_zh"]


def _encourages(entries) -> str:
    """Each clause that encourages the industry quoted once (``encourages_zh``), then the replacement duty once
    (``encourages_duty_zh``), however many clauses there are."""
    if not entries:
        return ""
    oc = plan.rules()["overcapacity"]
    said = "；".join(oc["encourages_zh"].format(plan_ref=e["plan_ref"], quote=e["quote"]) for e in entries)
    return said + oc["encourages_duty_zh"]


def _source_zh(src: dict) -> str:
    """``国发〔2013〕41号《…》``; a source without a document number is named as 待核实, not by its working title."""
    return f"{src['doc_no']}{src.get('title_zh') or ''}" if src.get("doc_no") else "现行目录，文件待核实"


def overcapacity(site: SiteFacts, reasons: Reasons, already=()) -> bool:
    """第九章第三节: new capacity of an over-capacity industry (``data/overcapacity_industries.json``) is not
    filed without 等量或减量置换 → does_not_fit; with ``capacity_replacement`` → conditional, naming the
    replacement. Industries already decided by a barred rule (cement) are not repeated; entries whose
    source is unverified say 待核实. True when the verdict is does_not_fit.

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> check_site("115.80,36.47", "C3120").results[0]["verdict"]  # doctest: +SKIP
    'does_not_fit'
    """
    oc = plan.rules()["overcapacity"]
    data = plan.overcapacity()
    sources = data.get("sources", {})
    out = False
    group_codes = _unlisted_class_groups(site.codes)
    for ind in data.get("industries", []):
        mt = plan.match(ind["codes"], site.codes)
        if mt == "none" and group_codes and plan.match(ind["codes"], group_codes) != "none":
            mt = "partial"  # C2520 is no class: it stands for its group C252, which holds C2521 炼焦 (task R10)
        if mt == "none" or all(any(plan.match([a], [c]) == "full" for a in already) for c in ind["codes"]):
            continue
        src = sources.get(ind.get("source"), {})
        name = ind["name_zh"]
        source = _source_zh(src) + (oc["verify_zh"] if src.get("doc_no") and (ind.get("verify") or src.get("verify"))
                                    else "")
        if mt == "partial":
            # say plainly what the clause does to the over-capacity class the project may be (task R10: 焦化 given
            # as C2520, whose group holds C2521 炼焦): barred without 等量或减量置换
            reasons.add("overcapacity", "conditional",
                        oc["partial_zh"].format(project=site.match.label_zh, name=name, source=source,
                                                codes="、".join(label_zh(c) for c in ind["codes"])), oc["plan_ref"])
            continue
        if site.flags.get("capacity_replacement"):
            effect, text = "conditional", oc["replacement_zh"].format(name=name, source=source)
        else:
            effect, text = "does_not_fit", oc["reason_zh"].format(name=name, source=source)
        text += _encourages(ind.get("plan_encourages", []))
        if effect == "does_not_fit" and site.flags.get("capacity_replacement_unread"):
            effect, text = "conditional", text + unread_replacement_zh(site.flags["capacity_replacement_unread"])
        elif effect == "does_not_fit":
            text += REPLACEMENT_HINT_ZH
        reasons.add("overcapacity", effect, text, oc["plan_ref"])
        out = out or effect == "does_not_fit"
    return out


def _unlisted_class_groups(codes) -> tuple:
    """The groups that codes written like a class but not in GB/T 4754-2017 stand for: ``C2520`` (煤炭加工 has
    no class 2520; its classes are C2521–C2529) → ``("C252",)``. A listed code gives nothing.

    Examples
    --------
    >>> _unlisted_class_groups(("C2520", "C2521"))
    ('C252',)
    """
    # the plain code dict, not code_table(): the CLI's site check must not import pandas (tests/test_startup.py)
    from ....industry import _table

    listed = _table()
    return tuple(c[:-1] for c in codes if len(c) == 5 and c.endswith("0") and c not in listed and c[:-1] in listed)


def catalogue_eliminated(site: SiteFacts, reasons: Reasons) -> bool:
    """第十章第二节, 第九章第三节: a project declared 淘汰类 in 《产业结构调整指导目录》 does not fit, whatever
    its industry; so does a new 限制类 project (第十章第一节; 国发〔2005〕40号: new 限制类 projects may not be
    invested in — article number and text to verify). The chemical rule already says so for chemicals. True
    when it applies.

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> check_site(SITE_IN_BEARING_PARK, "C3451", catalogue_class="淘汰类").results[0]["verdict"]  # doctest: +SKIP
    'does_not_fit'
    """
    rb = plan.rules()
    for key in ("catalogue_eliminated", "catalogue_restricted"):
        rule = rb.get(key)
        if not rule or site.flags.get("catalogue_class") != rule["catalogue_class"]:
            continue
        if any(r["rule"] == "chemical_eliminated_restricted" and r["effect"] == "does_not_fit" for r in reasons.items):
            return True
        reasons.add(rule["id"], rule["effect"], rule["reason_zh"], rule["plan_ref"])
        return True
    return False


def high_energy(site: SiteFacts, reasons: Reasons) -> None:
    """第九章第三节 “新上高耗能项目严格准入”: a high-energy industry (working list in ``plan_rules.json`` →
    ``high_energy``, marked to verify) is at most conditional.

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> [r["rule"] for r in check_site("115.80,36.47", "C3012").results[0]["reasons"]][0]  # doctest: +SKIP
    'high_energy'
    """
    rule = plan.rules().get("high_energy")
    if rule and plan.match(rule["codes"], site.codes) == "full":
        reasons.add(rule["id"], rule["effect"], rule["reason_zh"], rule["plan_ref"])


def corridor_distances(ctx, geoms) -> dict:
    """The distance (m) of each site to each line of the ecological-corridor rule, where it is within the
    rule's distance; ``inf`` farther away. For :func:`eco_corridors` on a chunk of a batch.

    ``shapely.dwithin`` against the prepared line rejects the far sites about ten times faster than
    measuring every distance (which was an eighth of a large batch's time); the exact distance is
    measured only for the sites within reach, so the reasons are the same as measuring one by one.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> from dcf_spatial.queries.site.context import load_context
    >>> d = corridor_distances(load_context(), np.array([shapely.Point(0, 0)]))
    >>> all(np.isinf(v[0]) for v in d.values())
    True
    """
    import shapely

    rule = plan.rules().get("eco_corridors")
    out: dict = {}
    if not rule or not len(geoms):
        return out
    prepared = ctx.__dict__.setdefault("_prepared_corridors", {})  # prepared once per loaded context
    for f in rule["features"]:
        geom = ctx.corridors.get(f["layer"], {}).get(f["id"])
        if geom is None:
            continue
        key = (f["layer"], f["id"])
        line = prepared.get(key)
        if line is None:
            line = prepared[key] = shapely.from_wkb(shapely.to_wkb(geom))  # a copy: ctx's own stays as loaded
            shapely.prepare(line)
        near = shapely.dwithin(line, geoms, f["distance_m"])
        d = np.full(len(geoms), np.inf)
        if near.any():
            d[near] = shapely.distance(geoms[near], geom)
        out[key] = d
    return out


def eco_corridors(ctx, site: SiteFacts, reasons: Reasons, distances: dict | None = None) -> None:
    """第十章第六节 (no high-intensity development in ecologically sensitive areas along rivers) and 第九章第一节
    (马颊河、古运河 wetlands): a factory within the stated distance of the canal or 马颊河 gets a reason. The
    lines are a 1:400万 reference and a sketch, so the reason is a prompt to check (``info``), never a verdict.
    ``distances`` (this site's entry of :func:`corridor_distances`) saves measuring them again.

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> [r["effect"] for r in check_site(SITE_NEAR_CANAL, "C3034").results[0]["reasons"] if r["rule"] == "eco_corridor"]  # doctest: +SKIP
    ['info']
    """
    import shapely

    rule = plan.rules().get("eco_corridors")
    if not rule or site.codes[0][:1] not in rule["sections"]:
        return
    for f in rule["features"]:
        geom = ctx.corridors.get(f["layer"], {}).get(f["id"])
        if geom is None:
            continue
        known = None if distances is None else distances.get((f["layer"], f["id"]))
        d = float(shapely.distance(site.geom, geom)) if known is None else float(known)
        if d <= f["distance_m"]:
            reasons.add(rule["id"], rule["effect"], rule["reason_zh"].format(
                name=f["name_zh"], km=d / 1000, position=f["position_zh"]), rule["plan_ref"])
