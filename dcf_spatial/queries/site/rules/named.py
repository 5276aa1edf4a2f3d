"""A site given by a place name (``--site 郑家镇工业集聚区``, ``site="梁水镇"``, a batch row placed by its
建设地点): "somewhere in unit X, exact parcel not yet known".

The site's geometry is then the whole unit's polygon, which touches every park, agricultural zone and
river of the unit; judging that polygon as if it were the parcel gives wrong verdicts (a bearing plant in
郑家 judged by 物流产业园, a supermarket in 梁水镇 by an agricultural zone) and wrong figures (the whole
cluster's 29,405 亩, "约 0.0 km" from 马颊河). So the verdict judges the unit's own designation: the zones
that hold the whole unit (:func:`split_zones`: a cluster → the cluster, a park → the park and its cluster,
a township → none, i.e. the district-wide rules); the zones lying inside the unit are named in a prompt
(:func:`parcel_prompt`): the exact parcel must still be checked against them.
"""

from __future__ import annotations

from .... import plan
from .base import Reasons, SiteFacts

MATCH_ZH = {"full": "产业对口", "partial": "部分对口", "none": "不对口"}


def own_share() -> float:
    """Share of the unit a zone must hold to count as the unit's own designation: the plan's
    ``block_whole_share`` (0.95), which allows for the schematic layers' boundary errors (a park drawn
    slightly over its cluster's edge still lies in the cluster)."""
    th = plan.rules()["thresholds"]
    return float(th.get("block_whole_share", th["full_share"]))


def split_zones(ctx, zones: list[dict], named: dict) -> tuple[list[dict], list[dict]]:
    """``(own, inner)``: the zones holding (nearly) the whole unit, and the zones lying inside it or
    along its edge (share of the unit ≥ ``split_min_share``; slivers along the edge are dropped).
    A zone drawn as a point (特色小镇, ``service_points``) counts for any site within its radius; it lies
    inside the unit, so it is never the unit's own designation unless it is the unit named."""
    th = plan.rules()["thresholds"]
    whole = own_share()

    def is_point(z) -> bool:
        lay = ctx.layers.get(z["layer"])
        return bool(lay is not None and lay.is_point) and str(z["id"]) != str(named.get("unit_id"))

    own = [z for z in zones if z["share"] >= whole and not is_point(z)]
    zones = [z for z in zones if not any(z is o for o in own)]
    inner = [z for z in zones if th["split_min_share"] <= z["share"]]
    return own, inner


def unit_zh(named: dict) -> str:
    return f"{named.get('level') or '单元'}“{named.get('unit') or named.get('name')}”"


def parcel_prompt(site: SiteFacts, named: dict, inner: list[dict], kind: dict, reasons: Reasons) -> None:
    """The prompt (``info``) every named site gets: the verdict judges the unit's own designation; the exact
    parcel must still be checked against the zones inside the unit (named, with how each matches the
    industry). For an industry whose kind needs a zone, when the unit itself is no such zone but zones
    inside it are designated for the industry, the verdict is conditional: the parcel must lie in one of them
    (``named_site_in_zone``). Returns nothing; adds to ``reasons``.
    """
    level = named.get("level") or "单元"
    inside = [z for z in inner if z["layer"] != "named_places"]
    listing = "、".join(f"{z['name_zh']}（{z.get('layer_title_zh') or z['layer']}，{MATCH_ZH[z['match']]}）"
                        for z in inside)
    text = (f"场地按地名“{named.get('name')}”定位到{unit_zh(named)}，具体地块未知：结论按该{level}本身的规划定位判定"
            f"（{'镇（街道）一级：全区通用的规定' if level == '镇街' else '不含其内各功能园区、分区的定位'}）。")
    text += (f"具体地块还须对照该{level}内的分区核查：{listing}；请给出地块坐标或图形后复核。" if inside
             else "请给出地块坐标或图形后复核。")
    reasons.add("named_site_parcel", "info", text, "")


def parcel_in_zone(site: SiteFacts, named: dict, own: list[dict], inner: list[dict], kind: dict,
                   reasons: Reasons) -> bool:
    """A unit that is itself no zone for the industry's kind (a township) but holds zones designated for it
    (郑家镇 holds 郑家镇工业集聚区): conditional — the parcel must lie in one of them. True when added (the
    zone rules are then not run on the unit)."""
    layers = set(kind.get("zone_layers") or [])
    if not layers or any(z["layer"] in layers and z["match"] == "full" for z in own):
        return False
    fitting = [z for z in inner if z["layer"] in layers and z["match"] == "full" and z["layer"] != "named_places"]
    if not fitting:
        return False
    names = "、".join(dict.fromkeys(z["name_zh"] for z in fitting))
    refs = "、".join(dict.fromkeys(z["plan_ref"] for z in fitting if z["plan_ref"])) or kind.get("plan_ref", "")
    reasons.add("named_site_in_zone", "conditional",
                f"{unit_zh(named)}内规划对口本项目的分区有：{names}（{refs}）；具体地块须位于其中才符合规划，"
                f"地块位置未知：有条件符合。", refs)
    return True


def corridor_prompt(ctx, site: SiteFacts, named: dict, reasons: Reasons) -> None:
    """The ecological-corridor prompt (第十章第六节、第九章第一节) of a named site: a distance from the whole unit
    says nothing about the parcel ("约 0.0 km"), so when the unit lies within the rule's distance of a line the
    prompt says the exact parcel's distance must be checked."""
    import shapely

    rule = plan.rules().get("eco_corridors")
    if not rule or site.codes[0][:1] not in rule["sections"]:
        return
    for f in rule["features"]:
        geom = ctx.corridors.get(f["layer"], {}).get(f["id"])
        if geom is None or float(shapely.distance(site.geom, geom)) > f["distance_m"]:
            continue
        reasons.add(rule["id"], rule["effect"],
                    f"{unit_zh(named)}的范围有部分位于{f['name_zh']}（{f['position_zh']}）{f['distance_m'] / 1000:g} km 以内，"
                    f"具体地块与{f['name_zh']}的距离须按地块坐标核查：规划要求“{rule['quote'][0]}”（第十章第六节），"
                    f"并“{rule['quote'][1]}”（第九章第一节）。",
                    rule["plan_ref"])
