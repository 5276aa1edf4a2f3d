"""Barred and restricted industries (第九章第三节): new cement/foundry capacity, chemicals."""

from __future__ import annotations

from .... import plan
from . import Reasons, SiteFacts


def barred(site: SiteFacts, reasons: Reasons) -> bool:
    """Add a reason for each barred-industry rule the industry meets; True when one decides
    ``does_not_fit`` (capacity replacement and the catalogue class soften some rules)."""
    barred_here = False
    flags = site.flags
    for rule, mt in plan.barred_rules(site.codes):
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
        reasons.add(rule["id"], effect, text, rule["plan_ref"])
        barred_here = barred_here or effect == "does_not_fit"
    return barred_here
