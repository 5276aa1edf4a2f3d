"""Which layers a site check needed but could not read, and what the check says of them.

A zone layer emptied outside dcf (``TRUNCATE`` in psql, all features deleted in QGIS) or absent from the
store gave a confident verdict computed against nothing: a site in 郑家镇工业集聚区 was 不符合 "不在任何集聚区"
(breaker finding N1). The verdict rules read the frame layers (district, townships, other_units: is the site in
the plan area, 第一章第一节) and the zone layers of the project's kind (``plan_rules.json`` →
``industry_kinds`` → ``zone_layers``: is it in a zone designated for its industry, 第八章). When one of those is
missing or holds no feature the check gives no verdict (``None``, 无法核查): its first reason names the layer,
what is wrong and the way out; the findings of the other layers follow as facts.

The land-use layer (``landuse``) is not one of them: the store does not ship it and its rule is information
only (rules/landuse.py), so a missing or empty one leaves the verdict as it is and the land-use reason says that
current land use was not checked, naming why. A planner signing a 符合 reads that sentence among the reasons;
the verdict answers the plan's location and industry rules, which were all checked.
"""

from __future__ import annotations

from ... import plan
from ...errors import full_stop
from ...store import layer_health
from .context import FRAME_LAYERS, ZONE_LAYERS   # context never imports this module (no import circle)

#: what is wrong with a layer, by kind (and the broken layers of store/layer_health.py)
PROBLEM_ZH = {"missing": "库中缺少该图层", "empty": "该图层为空（0 个要素）", **layer_health.PROBLEM_ZH}
#: the reason's rule name
RULE = "layer_unreadable"


def title_of(layer_id: str) -> str:
    """The Chinese title of a layer the store may no longer describe (a missing layer has no catalog row)."""
    from ...store.catalog import _spec_of

    spec = _spec_of(layer_id)
    return spec.title_zh if spec is not None else layer_id


def kept_version(layer_id: str, store=None) -> dict | None:
    """The kept version ``dcf layers reset layer_id`` would restore in ``store`` (its catalog row: ``version``,
    ``updated_at``), or ``None`` when the store keeps none (a layer never replaced by an import or rederive)."""
    from ...store import catalog
    from ...store.backends.names import history_table

    try:
        st = catalog.open_store(catalog.resolve_store(store))
        entry = st.catalog_entry(layer_id)
        n = int((entry or {}).get("history") or 0)
        if not n or not len(st.read_table(history_table(layer_id, n))):
            return None   # none kept, or the kept one is empty too: a reset to it would not help
        return st.history_entries(layer_id).get(n)
    except Exception:   # noqa: BLE001 - advice only: a store that cannot say has no kept version to offer
        return None


def fix_zh(layer_id: str, store=None) -> str:
    """How to get a readable layer back, true for ``store``: ``dcf layers reset`` when it keeps an earlier
    version (which one, from when), else the shipped default (``reset --to-default``; the land-use layer ships
    none), and re-importing."""
    kept = kept_version(layer_id, store)
    reimport = f"重新导入该图层（dcf layers import {layer_id} 文件）"
    if kept is not None:
        when = str(kept.get("updated_at") or "")[:10]
        return (f"用 dcf layers reset {layer_id} 恢复到保留的第 {kept.get('version', '?')} 版"
                + (f"（{when} 制作）" if when else "") + f"，或{reimport}")
    if not catalog_has_default(layer_id):
        return f"图层库中没有该图层更早的版本，随附的默认图层库也不含它：请{reimport}"
    return (f"图层库中没有该图层更早的版本：用 dcf layers reset {layer_id} --to-default 恢复随软件附带的默认图层，"
            f"或{reimport}")


def catalog_has_default(layer_id: str) -> bool:
    """Whether the default store shipped with the package holds ``layer_id`` (what ``--to-default`` restores)."""
    from ...store.catalog import default_entry

    return default_entry(layer_id) is not None


#: said in a check's first reason of the reasons after it (a re-check that lists only that reason leaves it out)
OTHER_REASONS_ZH = "；以下其余理由按其他图层得出，仅作事实参考"
#: what a re-check says of a layer it could not read, by kind (register/recheck.py)
NOW_ZH = {"missing": "已不在图层库中", "empty": "现为空（0 个要素）"}
#: said after the fixes in a check's reason
DOCTOR_ZH = "dcf layers doctor 列出图层库中缺失或为空的图层"


def sentence_zh(layer_id: str, title_zh: str, problem: str, detail_zh: str = "") -> str:
    """``图层“四大工业集聚区”（industrial_clusters）：该图层为空（0 个要素）``; ``detail_zh`` (what
    store/layer_health.py found: the type, the CRS, the features) in place of the kind's general words."""
    name = f"“{title_zh}”（{layer_id}）" if title_zh and title_zh != layer_id else f" {layer_id} "
    return f"图层{name}：{detail_zh or PROBLEM_ZH.get(problem, problem)}"


def needed_layers(kind: dict) -> tuple[str, ...]:
    """The layers a verdict for a project of ``kind`` (``plan.industry_kind``) is computed from: the frame layers
    and the kind's zone layers (those of :data:`ZONE_LAYERS`; ``named_places`` is not a store layer)."""
    return FRAME_LAYERS + tuple(lid for lid in ZONE_LAYERS if lid in (kind.get("zone_layers") or ()))


def gaps(ctx, layers) -> list[tuple[str, str, str, str]]:
    """``[(layer id, title, "missing"/"empty"/…, detail)]`` of ``layers`` the context could not read."""
    out = []
    for lid in layers:
        problem = (ctx.unreadable or {}).get(lid)
        if problem:
            out.append((lid, ctx.layers[lid].title_zh if lid in ctx.layers else title_of(lid), problem,
                        (getattr(ctx, "problems_zh", None) or {}).get(lid, "")))
    return out


def fix_for(ctx, layer_id: str) -> str:
    """:func:`fix_zh` for the store of ``ctx`` (its ``advice_store`` when set: a reproduction's throw-away copy of
    the recorded versions keeps none), asked once per context (a batch's every row gives the reason)."""
    known = vars(ctx).setdefault("_fixes_zh", {})
    special = layer_health.FIX_ZH.get((ctx.unreadable or {}).get(layer_id))
    if special:
        return special.format(lid=layer_id)
    if layer_id not in known:
        known[layer_id] = fix_zh(layer_id, getattr(ctx, "advice_store", "") or getattr(ctx, "store", "") or None)
    return known[layer_id]


#: what a verdict cannot tell without its frame layers, and without its zone layers
IN_PLAN_AREA_ZH = "场地是否位于规划范围（第一章第一节）"
IN_ZONE_ZH = "场地是否位于与其产业相符的分区（第八章）"


#: the repair advice of a check given no verdict opens and closes with these (:func:`without_fixes`)
FIXES_HEAD_ZH, FIXES_TAIL_ZH = "处理：", "。修复后请重新核查。"


def _unchecked(what: str, unknown: str, fixes: str) -> dict:
    """The first reason of a check given no verdict: what is wrong, what cannot be told, and the fixes."""
    return {"rule": RULE, "effect": plan.UNCHECKED, "plan_ref": "",
            "text_zh": f"无法核查：{what}。据此无法判断{unknown}，因此不给出结论{OTHER_REASONS_ZH}。"
                       f"{FIXES_HEAD_ZH}{fixes}{FIXES_TAIL_ZH}"}


def without_fixes(reason: dict) -> dict:
    """``reason`` without its repair advice when it is a check's :data:`RULE` reason: the advice names the
    store's kept versions at the time it is given (:func:`fix_zh`), not the verdict's grounds, so a check
    reproduced after the store changed compares the rest (breaker B31-7: «不同» for the advice alone).

    Examples
    --------
    >>> without_fixes({"rule": RULE, "text_zh": "无法核查：图层为空。处理：用 dcf layers reset townships 恢复。修复后请重新核查。"})
    {'rule': 'layer_unreadable', 'text_zh': '无法核查：图层为空。'}
    """
    text = reason.get("text_zh")
    if reason.get("rule") != RULE or not isinstance(text, str):
        return reason
    head, tail = text.find(FIXES_HEAD_ZH), text.rfind(FIXES_TAIL_ZH)
    if head < 0 or tail < head:
        return reason
    return {**reason, "text_zh": text[:head] + text[tail + len(FIXES_TAIL_ZH):]}


def reason(ctx, kind: dict) -> dict | None:
    """The first reason of a check whose verdict needs a layer the store lacks or holds empty, or None."""
    found = gaps(ctx, needed_layers(kind))
    if not found:
        return None
    what = "；".join(sentence_zh(*g) for g in found)
    fixes = "；".join([*dict.fromkeys(fix_for(ctx, g[0]) for g in found), DOCTOR_ZH])
    unknown = "、".join(q for q, layers in ((IN_PLAN_AREA_ZH, FRAME_LAYERS), (IN_ZONE_ZH, ZONE_LAYERS))
                       if any(g[0] in layers for g in found))
    return _unchecked(f"结论所依据的{what}", unknown, fixes)


def with_gaps(ctx, prov: dict) -> dict:
    """The provenance of a check (``PlanContext.provenance``) with the layers the store lacks or holds empty:
    ``unreadable_layers`` and a sentence in ``note_zh`` (said of the store, whatever each site needed: each
    site's first reason says its own); ``prov`` itself when there are none."""
    prov = _local_note(ctx, prov)
    if not ctx.unreadable:
        return prov
    out = dict(prov, unreadable_layers=[
        {"layer": lid, "title_zh": ctx.layers[lid].title_zh if lid in ctx.layers else title_of(lid),
         "problem": p, "problem_zh": (getattr(ctx, "problems_zh", None) or {}).get(lid) or PROBLEM_ZH.get(p, p)}
        for lid, p in sorted(ctx.unreadable.items())])
    found = gaps(ctx, FRAME_LAYERS + ZONE_LAYERS)   # the land-use layer's own reason speaks of it
    if found:
        out["note_zh"] = (full_stop(prov["note_zh"]) + "注意："
                          + "；".join(sentence_zh(*g) for g in found) + "，依赖这些图层的核查无法给出结论。")
    return out


def _place_zh(ctx, f: dict) -> str:
    """One untrusted place (:attr:`PlanContext.local`) in words: an invalid feature with its layer named."""
    return sentence_zh(f["layer"], ctx.title_of(f["layer"]), "", f["text_zh"]) if f["kind"] == "invalid" else f["text_zh"]


def _local_note(ctx, prov: dict) -> dict:
    """``prov`` with the places of a layer that cannot be trusted (:attr:`PlanContext.local`) said once."""
    if not getattr(ctx, "local", None):
        return prov
    said = "；".join(_place_zh(ctx, f) for f in ctx.local)
    note = full_stop(prov["note_zh"])
    return dict(prov, untrusted_places=[{k: v for k, v in f.items() if k not in ("geom", "wkt")} for f in ctx.local],
                note_zh=note + "注意：" + said + "；位于这些范围内的场地不给出结论，其余场地照常核查"
                        "（无效几何仅在内存中修复以便计算，未写回图层库）。")


def local_reason(ctx, kind: dict, geom) -> tuple[dict, bool] | None:
    """The first reason of a site that touches a place where a layer its verdict reads cannot be trusted (an
    invalid feature's extent; district area no township covers, :mod:`dcf_spatial.store.layer_health`), and
    whether it is the frame's (then "outside the plan area" is no fact either); None when it touches none."""
    import shapely

    needed = needed_layers(kind)
    hit = [f for f in getattr(ctx, "local", ()) if f["layer"] in needed and shapely.intersects(f["geom"], geom)]
    if not hit:
        return None
    what = "；".join(_place_zh(ctx, f) for f in hit)
    frame = any(f["layer"] in FRAME_LAYERS for f in hit)
    layers = dict.fromkeys(lid for f in hit for lid in ((f["layer"],) if f["kind"] == "invalid"
                                                      else ("townships", "other_units")))
    repair = ("在 QGIS 等软件中修复这些要素（“修复几何图形”）后用 dcf layers import 导入"
              if any(f["kind"] == "invalid" for f in hit) else "")
    fixes = "；".join([*([repair] if repair else []), *dict.fromkeys(fix_for(ctx, lid) for lid in layers), DOCTOR_ZH])
    return _unchecked(f"场地位于结论所依据的图层无法确定的范围内——{what}", IN_PLAN_AREA_ZH if frame else IN_ZONE_ZH,
                      fixes), frame
