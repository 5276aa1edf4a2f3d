"""The land-use control indicators of 《工业项目建设用地控制指标》 as a verdict rule."""

from __future__ import annotations

from .... import plan, settings
from ....errors import InputError
from ...land_indicators import _num, barred_facilities, calculation_rules, check_indicators, format_value
from .base import Reasons, SiteFacts


def site_area_m2(figures: dict, geom_area: float) -> float | None:
    """The site area for the indicators: the declared 用地面积 (亩) if given, else the drawn area."""
    mu = _num(figures.get("site_area_mu")) if figures else None
    if mu:
        return mu * settings.MU_M2
    return float(geom_area) if geom_area > 0 else None


def land_indicators(site: SiteFacts, kind: dict, reasons: Reasons) -> list[dict]:
    """Check the indicators (industrial projects only); a failed one makes the verdict conditional.

    Barred non-production facilities inside an industrial site (成套住宅、专家楼、宾馆、招待所、培训中心,
    ``land_control_rules.json``) make it 不符合, citing the standard.
    """
    codes = site.codes
    applicable = kind["kind"] in ("industrial", "agro_processing") and codes[0].startswith("C")
    indicators = check_indicators(codes, site.figures, site_area_m2=site_area_m2(site.figures, site.area),
                                  applicable=applicable)
    rule = calculation_rules()["non_production_facilities"]
    try:
        barred = barred_facilities((site.figures or {}).get("non_production_facilities")) if applicable else []
    except InputError as exc:  # one row's unreadable flag must not stop a batch: say so in its result
        barred = []
        reasons.add("non_production_facilities", "conditional", f"{exc}（须核实是否建有非生产性配套设施）",
                    rule["source"])
    if barred:
        reasons.add("non_production_facilities", rule["effect"],
                    rule["reason_zh"].format(kinds="、".join(barred), source=rule["source"]), rule["source"])
    failed = [r for r in indicators if r["status"] == "fail"]
    if failed:
        pr = plan.rules()["policy_rules"]["indicators_failed"]
        items = "；".join(f"{r['name_zh']} {format_value(r['indicator'], r['value'])}（要求 "
                         f"{'≥' if r['comparator'] == '>=' else '≤'} {format_value(r['indicator'], r['threshold'])}）"
                         for r in failed)
        reasons.add("indicators_failed", "conditional", pr["reason_zh"].format(items=items), pr["plan_ref"])
    return indicators
