"""Which other written forms of the plan's cluster names a ledger or a form may use (嘉明工业区 for 嘉明经济开发区,
高精管材产业园 for 高精管材特色产业集聚区, 广平乡 for 广平镇): the forms, made from the rules of
``data/place_names.json`` (``variants``), each citing where the plan writes its clusters so.

A form two units would share, or that is already another unit's name, is left out: a text using it still asks
which unit is meant (QA user F9: 广平乡高精管材产业园 and 嘉明工业区 were 位置不明 and fell out of every zone summary).
"""

from __future__ import annotations

import json
from functools import lru_cache

from . import settings

#: how a place found by such a form says it (Place.via)
VARIANT_VIA = "规划名称的常见写法"


@lru_cache(maxsize=1)
def variant_rules() -> dict:
    """The ``variants`` section of ``data/place_names.json``."""
    with open(settings.data_dir / "place_names.json", encoding="utf-8") as fh:
        return json.load(fh).get("variants", {})


def written_forms(name: str, rules: dict | None = None) -> dict[str, str]:
    """The other forms of a cluster's name → the plan reference of the rule that made each.

    Examples
    --------
    >>> sorted(written_forms("嘉明经济开发区"))
    ['嘉明园区', '嘉明工业区', '嘉明工业园', '嘉明工业园区', '嘉明开发区']
    >>> "广平乡工业园" in written_forms("广平镇工业集聚区")
    True
    """
    rules = variant_rules() if rules is None else rules
    out: dict[str, str] = {}
    for rule in rules.get("endings", []):
        ending = rule["ending"]
        if not name.endswith(ending) or len(name) == len(ending):
            continue
        stem = name[: -len(ending)]
        stems = [stem] + [stem.replace(a, b) for a, b in rules.get("township_swap", {}).items() if a in stem]
        for s in stems:
            for also in [ending, *rule["also"]]:
                form = s + also
                if form != name:
                    out.setdefault(form, rule["plan_ref"])
        break   # the longest ending only: 特色产业集聚区 is not read again as …集聚区
    return out


def variant_names(units, taken) -> list[tuple[str, object, str]]:
    """``(form, unit, plan_ref)`` for the forms of ``units`` (places of the rules' level, by their full names)
    that stand for one unit only and are no name in ``taken`` (the gazetteer's names, normalised).

    Examples
    --------
    >>> from types import SimpleNamespace as U
    >>> a, b = U(unit_name="甲镇工业集聚区", unit_id="a"), U(unit_name="甲镇特色产业集聚区", unit_id="b")
    >>> sorted(f for f, u, _ in variant_names([a, b], set()) if f.startswith("甲镇"))  # 甲镇产业园 is both's: left out
    ['甲镇工业区', '甲镇工业园区', '甲镇特色产业园']
    """
    rules = variant_rules()
    by_form: dict[str, list] = {}
    for u in units:
        for form, ref in written_forms(u.unit_name, rules).items():
            by_form.setdefault(form, []).append((u, ref))
    return [(form, hits[0][0], hits[0][1]) for form, hits in by_form.items()
            if len({h[0].unit_id for h in hits}) == 1 and form not in taken]
