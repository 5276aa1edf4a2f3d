"""The land-use control indicators of 《工业项目建设用地控制指标》 as a verdict rule."""

from __future__ import annotations

from .... import plan, settings
from ...land_indicators import _num, check_indicators, format_value
from . import Reasons, SiteFacts


def site_area_m2(figures: dict, geom_area: float) -> float | None:
    """The site area for the indicators: the declared 用地面积 (亩) if given, else the drawn area."""
    mu = _num(figures.get("site_area_mu")) if figures else None
    if mu:
        return mu * settings.MU_M2
    return float(geom_area) if geom_area > 0 else None


def land_indicators(site: SiteFacts, kind: dict, reasons: Reasons) -> list[dict]:
    """Check the indicators (industrial projects only); a failed one makes the verdict conditional."""
    codes = site.codes
    indicators = check_indicators(codes, site.figures, site_area_m2=site_area_m2(site.figures, site.area),
                                  applicable=kind["kind"] in ("industrial", "agro_processing") and codes[0].startswith("C"))
    failed = [r for r in indicators if r["status"] == "fail"]
    if failed:
        pr = plan.rules()["policy_rules"]["indicators_failed"]
        items = "；".join(f"{r['name_zh']} {format_value(r['indicator'], r['value'])}（要求 "
                         f"{'≥' if r['comparator'] == '>=' else '≤'} {format_value(r['indicator'], r['threshold'])}）"
                         for r in failed)
        reasons.add("indicators_failed", "conditional", pr["reason_zh"].format(items=items), pr["plan_ref"])
    return indicators
