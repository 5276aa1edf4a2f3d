"""What every rule group works on: the facts known about one site (:class:`SiteFacts`) and the
reasons the groups add (:class:`Reasons`); kept apart from :func:`~dcf_spatial.queries.site.rules.evaluate`
so that the rule modules and the package that runs them do not import each other."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .... import plan


def fmt_share(x: float) -> str:
    """A share as the Chinese texts print it: ``0.253`` → ``"25.3%"``."""
    return f"{x * 100:.1f}%"


@dataclass
class SiteFacts:
    """Everything the rules need to know about one site.

    Parameters
    ----------
    geom
        The site in the working CRS (EPSG:4548).
    area
        Its area in m² (0 for a point).
    lonlat
        Its centroid in the storage CRS (lon, lat).
    match
        The resolved industry (:class:`dcf_spatial.industry.IndustryMatch`).
    overlaps
        ``{layer id: [(zone index, overlap m², share of the site)]}`` for this site.
    figures
        Project figures for the land-use control indicators.
    flags
        ``capacity_replacement`` / ``catalogue_class`` for the barred-industry rules.
    """

    geom: object
    area: float
    lonlat: np.ndarray
    match: object
    overlaps: dict
    figures: dict = field(default_factory=dict)
    flags: dict = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        return self.match.codes


@dataclass
class Reasons:
    """The reasons found for one site, in the order the rules found them."""

    items: list = field(default_factory=list)

    def add(self, rule: str, effect: str, text: str, plan_ref: str) -> None:
        self.items.append({"rule": rule, "effect": effect, "text_zh": text, "plan_ref": plan_ref})

    def verdict(self) -> str:
        effects = [r["effect"] for r in self.items if r["effect"] != "info"]
        if any(e == "outside_plan_area" for e in effects):
            return "outside_plan_area"
        return plan.worst(effects)


def separate_parts(geom) -> int:
    """How many pieces of the site lie apart (touching polygons are one piece).

    Examples
    --------
    >>> import shapely
    >>> separate_parts(shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(5, 0, 6, 1)]))
    2
    >>> separate_parts(shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]))
    1
    """
    import shapely

    if geom is None or shapely.get_num_geometries(geom) < 2:
        return 1
    return int(shapely.get_num_geometries(shapely.union_all(geom))) if geom.geom_type.startswith("Multi") else 1
