"""Which entry of another zone a zone's rule entry stands for (``plan_rules.json`` → ``zone_rules`` → ``same_as``).

A functional park often carries the very clause of its cluster (新材料产业园 takes 嘉明经济开发区's reading of C30,
第四章第五节、第八章第一节). Rather than copy the entry, the park writes::

    {"same_as": "cluster.jiaming", "id": "c30_mixed_products"}

and the loader puts the cluster's entry of that ``id`` (in the list of the same name, e.g. ``conditional``) in its
place; any other key written beside ``same_as`` (e.g. the park's own ``reason_zh``) replaces the referenced one.
A reference that points nowhere is refused when the rule book loads, naming the file and the key.
"""

from __future__ import annotations

import difflib
import logging

from .errors import SchemaError

logger = logging.getLogger(__name__)

#: the key of a reference and the key naming the referenced entry
REF_KEY = "same_as"
ID_KEY = "id"


def resolve_zone_refs(data: dict, *, source: str) -> dict:
    """``data`` (the rule book) with every ``zone_rules`` entry holding ``same_as`` replaced by the entry it names.

    Parameters
    ----------
    data
        The rule book as read from ``plan_rules.json``; changed in place and returned.
    source
        The file it was read from, for the error messages.

    Raises
    ------
    SchemaError
        A reference without ``id``, to a zone ``zone_rules`` lacks, to an ``id`` the zone's list lacks or holds
        more than once, or to an entry that is itself a reference — the message names the file and the key (``zone_rules.….conditional[0]``).

    Examples
    --------
    >>> book = {"zone_rules": {"a": {"conditional": [{"id": "x", "codes": ["C30"], "reason_zh": "甲"}]},
    ...                        "b": {"conditional": [{"same_as": "a", "id": "x", "reason_zh": "乙"}]}}}
    >>> resolve_zone_refs(book, source="plan_rules.json")["zone_rules"]["b"]["conditional"][0]["codes"]
    ['C30']
    >>> book["zone_rules"]["b"]["conditional"][0]["reason_zh"]
    '乙'
    """
    zone_rules = data.get("zone_rules") or {}
    resolved = 0
    for zid, rule in zone_rules.items():
        if zid.startswith("_") or not isinstance(rule, dict):
            continue
        for list_key, entries in rule.items():
            if not isinstance(entries, list):
                continue
            for i, entry in enumerate(entries):
                if isinstance(entry, dict) and REF_KEY in entry:
                    entries[i] = _resolved(zone_rules, entry, where=f"zone_rules.{zid}.{list_key}[{i}]",
                                           list_key=list_key, source=source)
                    resolved += 1
    if resolved:
        logger.debug("Resolved %d same_as entries of %s", resolved, source)
    return data


def _resolved(zone_rules: dict, entry: dict, *, where: str, list_key: str, source: str) -> dict:
    """The entry ``entry`` refers to, with ``entry``'s own keys on top; a clear error when it points nowhere."""
    key = f"{source} → {where}"
    target_zone, target_id = entry.get(REF_KEY), entry.get(ID_KEY)
    if not isinstance(target_zone, str) or not target_zone.strip():
        raise SchemaError(f"{key}：{REF_KEY} 应为另一分区的 id（如 \"cluster.jiaming\"），收到 {target_zone!r}。")
    if not isinstance(target_id, str) or not target_id.strip():
        raise SchemaError(f"{key}：引用 {REF_KEY}=\"{target_zone}\" 须同时写明 {ID_KEY}（所引条目的 id），"
                          f"如 {{\"{REF_KEY}\": \"{target_zone}\", \"{ID_KEY}\": \"…\"}}。")
    zones = [z for z in zone_rules if not z.startswith("_")]
    if target_zone not in zone_rules or target_zone.startswith("_"):
        hint = difflib.get_close_matches(target_zone, zones, n=1, cutoff=0.6)
        raise SchemaError(f"{key}：{REF_KEY} 指向「{target_zone}」，但 zone_rules 中没有该分区"
                          + (f"（是否为「{hint[0]}」？）" if hint else "")
                          + "。请改正分区 id，或删去 same_as 并写出完整条目。")
    candidates = [e for e in zone_rules[target_zone].get(list_key, []) or [] if isinstance(e, dict)]
    hits = [e for e in candidates if e.get(ID_KEY) == target_id and REF_KEY not in e]
    if len(hits) > 1:
        raise SchemaError(f"{key}：{REF_KEY} 指向 zone_rules.{target_zone}.{list_key} 中 id 为「{target_id}」的条目，"
                          f"但该处有 {len(hits)} 条同一 id 的条目，不知所引为哪一条。请给每条以不同的 id。")
    hit = hits[0] if hits else None
    if hit is None:
        if any(e.get(ID_KEY) == target_id for e in candidates):
            raise SchemaError(f"{key}：所引的 zone_rules.{target_zone}.{list_key} 中 id 为「{target_id}」的条目本身也是"
                              f"引用（{REF_KEY}）；请直接引用写出完整条目的分区。")
        ids = [str(e[ID_KEY]) for e in candidates if e.get(ID_KEY)]
        raise SchemaError(f"{key}：{REF_KEY} 指向 zone_rules.{target_zone}.{list_key} 中 id 为「{target_id}」的条目，"
                          "但该处没有这一条目"
                          + (f"（现有 id：{'、'.join(ids)}）" if ids else f"（zone_rules.{target_zone}.{list_key} 中没有带 id 的条目）")
                          + "。请改正 id，或删去 same_as 并写出完整条目。")
    return {**hit, **entry}
