"""Current land use under a site: its share of 耕地 (cultivated land), from an imported land-use layer.

Informational only (effect ``info``: it does not change the verdict). The layer is ``landuse``, the
地类图斑 (DLTB) of the third national land survey that a user imports with
``dcf layers import landuse 三调.gdb --layer DLTB``; the store does not ship one. 耕地 is the first-level
class ``01`` (二级类 0101 水田、0102 水浇地、0103 旱地) of GB/T 21010-2017《土地利用现状分类》 and of the
2023 国土空间调查、规划、用途管制用地用海分类; a patch counts as 耕地 when its ``land_use_code``
begins with ``01``. 永久基本农田 is a separate designation (the 永久基本农田图斑 layer), not a land-use
class: it is not read from DLTB, and the reason says so. Without a ``landuse`` layer the reason says that
current land use was not checked.
"""

from __future__ import annotations

import numpy as np

#: the first-level class of 耕地 in GB/T 21010-2017 and the 2023 classification
CULTIVATED_PREFIX = "01"
RULE = "landuse_cultivated"


def _source(layer) -> str:
    from ....store.catalog import PROVENANCE_ZH

    return f"{layer.title_zh}（{PROVENANCE_ZH.get(layer.provenance, layer.provenance)}；{layer.source}）"


def land_use_share(ctx, site, reasons) -> dict | None:
    """Add an ``info`` reason with the share of the site on 耕地 according to the ``landuse`` layer.

    Parameters
    ----------
    ctx
        The loaded layers (``ctx.landuse`` is ``None`` when the store has no ``landuse`` layer).
    site
        The :class:`~dcf_spatial.queries.site.rules.SiteFacts` of one site (geometry in EPSG:4548).
    reasons
        The site's :class:`~dcf_spatial.queries.site.rules.Reasons`, added to.

    Returns
    -------
    dict or None
        ``{"cultivated_m2", "cultivated_share", "source"}``, or ``None`` when not checked.

    Examples
    --------
    >>> land_use_share(ctx, site, reasons)  # doctest: +SKIP
    {'cultivated_m2': 6670.0, 'cultivated_share': 0.2, 'source': '土地利用现状（三调地类图斑）（权威数据；…）'}
    """
    import shapely

    layer = getattr(ctx, "landuse", None)
    if (getattr(ctx, "unreadable", None) or {}).get("landuse") == "empty":
        # info like the rest of this rule: the verdict answers the plan's location and industry rules, and this
        # sentence, among the reasons of a 符合, tells the planner that land use was not looked at and why
        from ..layer_gaps import fix_for, sentence_zh, title_of

        reasons.add(RULE, "info", f"未核查土地利用现状（耕地、永久基本农田）：{sentence_zh('landuse', title_of('landuse'), 'empty')}。"
                                  f"处理：{fix_for(ctx, 'landuse')}。", "")
        return None
    if layer is None:
        reasons.add(RULE, "info", "未核查土地利用现状（耕地、永久基本农田）：图层库中没有 landuse 图层"
                                  "（可导入三调地类图斑 DLTB 后核查）。", "")
        return None
    if site.area <= 0:
        reasons.add(RULE, "info", f"地块为点位、没有面积，未按土地利用现状核查耕地占用（数据：{_source(layer)}）。", "")
        return None
    hits = layer.tree.query(site.geom, predicate="intersects")
    cultivated = np.array([str(c).startswith(CULTIVATED_PREFIX) for c in layer.codes[hits]], dtype=bool)
    area = float(shapely.area(shapely.intersection(layer.geoms[hits[cultivated]], site.geom)).sum()) if cultivated.any() else 0.0
    covered = float(shapely.area(shapely.intersection(layer.geoms[hits], site.geom)).sum()) if len(hits) else 0.0
    share = area / site.area
    from .... import settings

    text = (f"按土地利用现状，地块中耕地（地类编码 01*）{area / settings.MU_M2:,.2f} 亩，占地块 {share * 100:.1f}%"
            f"（数据：{_source(layer)}）")
    if covered < 0.99 * site.area:
        text += f"；地类图斑只覆盖地块的 {covered / site.area * 100:.1f}%"
    text += "。永久基本农田须以永久基本农田图斑另行核查（本项未核查）。"
    reasons.add(RULE, "info", text, "GB/T 21010-2017《土地利用现状分类》01 耕地")
    return {"cultivated_m2": area, "cultivated_share": share, "source": _source(layer)}
