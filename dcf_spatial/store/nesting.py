"""Layers keyed to a parent layer, and where a child lies outside its parent.

第八章第一节 divides each industrial cluster into functional parks (“产业园区分区”: 郑家镇工业集聚区 “规划建设轴承保持器
智能制造产业园、汽车零部件产业园、物流产业园”), so a park (``cluster_parks``, its ``cluster_id``) lies inside its
cluster (``industrial_clusters``); the plan's named enterprises (``anchor_enterprises``) carry their cluster the same
way. The two layers are separate files: a bureau replacing one of them (its authoritative 集聚区 boundary) without
the other leaves parks partly outside their cluster. :func:`children_outside` finds them, for the import preview
(``dcf layers import … --dry-run``, the desk's 图层 page) and ``dcf layers doctor``; :func:`outside_parts` gives
the parts of a park outside its cluster and :func:`clip_to_parents` the parks cut to their cluster (a park is in force
only inside its cluster): the site check and the land audits' zone join (:mod:`dcf_spatial.land.zones`) both use it.
"""

from __future__ import annotations

from .. import settings

#: child layer → (its key field, the parent layer the key names)
CHILD_LAYERS = {"cluster_parks": ("cluster_id", "industrial_clusters"),
                "anchor_enterprises": ("cluster_id", "industrial_clusters")}

#: a child polygon outside its parent by less than this (亩) is a boundary sliver of two separately drawn layers,
#: not a park outside its cluster (the same tolerance as the preview's slivers, desk/routes/layers.py SLIVER_MU)
MIN_OUTSIDE_MU = 1.0
#: a child outside its parent by less than this (m², EPSG:4548) is the floating-point noise of a shared edge
NOISE_M2 = 1.0


def _key(v) -> str:
    return "" if v is None or v != v else str(v).strip()


def outside_parts(child_geoms, child_keys, parent_geoms, parent_ids) -> dict:
    """``{child index: (part outside its parent, parent index)}`` for the children (geometry in the working CRS)
    that lie partly or wholly outside the parent their key names; ``(child geometry, None)`` when no parent has
    that key. Children with an empty key, and differences below :data:`NOISE_M2`, are left out.

    Examples
    --------
    >>> import shapely
    >>> out = outside_parts([shapely.box(0, 0, 10, 10), shapely.box(0, 0, 2, 2)], ["a", "a"],
    ...                     [shapely.box(0, 0, 5, 10)], ["a"])
    >>> list(out), out[0][0].area, out[0][1]
    ([0], 50.0, 0)
    """
    import shapely

    where = {str(p): j for j, p in enumerate(parent_ids)}
    out = {}
    for i, (geom, key) in enumerate(zip(child_geoms, child_keys)):
        key = _key(key)
        if not key or geom is None or shapely.is_empty(geom):
            continue
        j = where.get(key)
        if j is None:
            out[i] = (geom, None)
            continue
        parent = parent_geoms[j]
        if shapely.area(geom) > 0:
            rest = shapely.difference(geom, parent)
            if shapely.area(rest) >= NOISE_M2:
                out[i] = (rest, j)
        elif not shapely.covers(parent, geom):  # a point (a named enterprise) outside its cluster
            out[i] = (geom, j)
    return out


def clip_to_parents(child_geoms, child_keys, parent_geoms, parent_ids):
    """``(geoms, outside)``: the children's geometry (working CRS) with each child outside its parent cut to the
    part inside it, and ``{child index: (part outside, parent index)}`` for those (:func:`outside_parts`; a child
    whose key names no parent is kept whole and left out). ``geoms`` is ``child_geoms`` itself when no child was
    cut, so a caller whose children all lie inside their parent works on the same objects as before.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> geoms, outside = clip_to_parents(np.array([shapely.box(0, 0, 10, 10)]), ["a"],
    ...                                  [shapely.box(0, 0, 5, 10)], ["a"])
    >>> geoms[0].area, list(outside)
    (50.0, [0])
    """
    import shapely

    found = outside_parts(child_geoms, child_keys, parent_geoms, parent_ids)
    outside = {i: (rest, j) for i, (rest, j) in found.items() if j is not None}
    if not outside:
        return child_geoms, outside
    geoms = child_geoms.copy()
    for i, (_rest, j) in outside.items():
        geoms[i] = shapely.intersection(geoms[i], parent_geoms[j])
    return geoms, outside


def children_outside(frames: dict, *, min_outside_mu: float = MIN_OUTSIDE_MU) -> list[dict]:
    """The children of :data:`CHILD_LAYERS` lying outside their parent, from layer frames (any CRS).

    Parameters
    ----------
    frames
        ``{layer id: GeoDataFrame}``; pairs whose child or parent is missing are skipped.
    min_outside_mu
        Polygons outside by less than this (亩) are boundary slivers, not listed.

    Returns
    -------
    list of dict
        One per child outside its parent: ``layer``, ``layer_zh``, ``id``, ``name_zh``, ``parent_layer``,
        ``parent_zh``, ``parent_id``, ``parent_name_zh`` (``""`` when no parent has the key), ``outside_mu`` and
        ``share_outside`` (polygons; ``None`` for points) and ``text_zh`` (what is wrong, in Chinese).

    Examples
    --------
    >>> from dcf_spatial.store import catalog
    >>> children_outside({lid: catalog.read_layer(lid) for lid in ("industrial_clusters", "cluster_parks")})  # doctest: +SKIP
    []
    """
    from ..crs import to_working

    rows = []
    for child, (key, parent) in CHILD_LAYERS.items():
        if child not in frames or parent not in frames or key not in frames[child].columns:
            continue
        cw, pw = to_working(frames[child]), to_working(frames[parent])
        keys = cw[key].tolist()
        found = outside_parts(cw.geometry.values, keys, pw.geometry.values, pw["id"].astype(str).tolist())
        rows += outside_rows(child, cw, keys, pw, found, min_outside_mu=min_outside_mu)
    return rows


def outside_rows(child: str, child_frame, child_keys, parent_frame, found: dict, *,
                 min_outside_mu: float = MIN_OUTSIDE_MU) -> list[dict]:
    """The rows of :func:`children_outside` for the children ``found`` outside their parent (:func:`outside_parts`
    or :func:`clip_to_parents` of the frames' geometry, in the working CRS); polygons outside by less than
    ``min_outside_mu`` 亩 left out."""
    from .catalog import LAYER_SPECS

    parent = CHILD_LAYERS[child][1]
    parent_names = parent_frame["name_zh"].astype(str).tolist()
    rows = []
    for i, (rest, j) in found.items():
        geom = child_frame.geometry.values[i]
        polygon = geom.area > 0
        mu = rest.area / settings.MU_M2 if polygon else None
        if polygon and j is not None and mu < min_outside_mu:
            continue
        row = {"layer": child, "layer_zh": LAYER_SPECS[child].title_zh, "id": str(child_frame["id"].iloc[i]),
               "name_zh": str(child_frame["name_zh"].iloc[i]), "parent_layer": parent,
               "parent_zh": LAYER_SPECS[parent].title_zh, "parent_id": _key(child_keys[i]),
               "parent_name_zh": parent_names[j] if j is not None else "",
               "outside_mu": round(mu, 1) if polygon else None,
               "share_outside": round(rest.area / geom.area, 4) if polygon else None}
        row["text_zh"] = outside_text_zh(row)
        rows.append(row)
    return rows


def audit_note_zh(rows: list[dict]) -> str:
    """The land audits' note (their workbook's 说明, the report's notes) for the parks of ``rows``
    (:func:`outside_rows`) cut to their cluster in the zone join: which parks, how many 亩, what it did to the
    parcels there, and the way out (:func:`fix_zh`). ``""`` when no park is listed."""
    parks = [r for r in rows if r["layer"] == "cluster_parks"]
    if not parks:
        return ""
    mu = sum(r["outside_mu"] or 0.0 for r in parks)
    return (f"功能园区超出所属集聚区：图层库中 {len(parks)} 个功能园区共 {mu:,.1f} 亩位于所属集聚区以外——"
            + "；".join(r["text_zh"] for r in parks)
            + "。区域归属只在所属集聚区范围内认定功能园区（第八章第一节）：位于上述部分的宗地未计入该功能园区，"
              "也不在该集聚区内（按集聚区外汇总），与选址核查一致。出路："
            + fix_zh(parks) + "。")


def outside_text_zh(row: dict) -> str:
    """One child outside its parent, in Chinese (a row of :func:`children_outside`)."""
    who = f"{row['layer_zh']}“{row['name_zh']}”（{row['id']}）"
    if not row["parent_name_zh"]:
        return f"{who}所属{row['parent_zh']}编号为 {row['parent_id']}，但{row['parent_zh']}图层中没有该编号"
    parent = f"所属{row['parent_name_zh']}（{row['parent_id']}）"
    if row["outside_mu"] is None:
        return f"{who}位于{parent}范围以外"
    whole = "全部" if row["share_outside"] >= 0.9995 else f"{row['share_outside']:.1%}"
    return f"{who}有 {row['outside_mu']:,.1f} 亩（{whole}）位于{parent}范围以外"


def summary_zh(rows: list[dict]) -> str:
    """``5 个要素位于所属上级分区以外（面状要素共 16,045.1 亩）`` for the rows of :func:`children_outside`."""
    mu = sum(r["outside_mu"] or 0.0 for r in rows)
    return f" {len(rows)} 个要素位于所属上级分区以外" + (f"（面状要素共 {mu:,.1f} 亩）" if mu else "")


def heading_zh(rows: list[dict]) -> str:
    """The heading over the rows of :func:`children_outside`, naming every child layer among them and their
    parents (QA session 31 F10: «（功能园区与所属集聚区）» headed the 规划点名企业 too).

    Examples
    --------
    >>> heading_zh([{"layer_zh": "工业集聚区功能园区", "parent_zh": "四大工业集聚区"},
    ...             {"layer_zh": "规划点名企业", "parent_zh": "四大工业集聚区"}])
    '上下级图层不一致：工业集聚区功能园区、规划点名企业与所属的四大工业集聚区'
    """
    children = "、".join(dict.fromkeys(r["layer_zh"] for r in rows))
    parents = "、".join(dict.fromkeys(r["parent_zh"] for r in rows))
    return f"上下级图层不一致：{children}与所属的{parents}"


def fix_zh(rows: list[dict]) -> str:
    """The way out for the children of ``rows``: import the child layer matching the parent, or check the
    parent's boundary; the site check and the land audits' zone join meanwhile count a park only inside its
    cluster."""
    from .catalog import LAYER_SPECS

    children = "、".join(f"{LAYER_SPECS[lid].title_zh}（dcf layers import {lid} 文件 --provenance authoritative）"
                         for lid in dict.fromkeys(r["layer"] for r in rows))
    parents = "、".join(LAYER_SPECS[lid].title_zh for lid in dict.fromkeys(r["parent_layer"] for r in rows))
    parks = any(r["layer"] == "cluster_parks" for r in rows)
    text = (f"上下级图层应一并更新{'（第八章第一节：功能园区是所属集聚区的“产业园区分区”）' if parks else ''}："
            f"同时导入与{parents}新边界一致的{children}，或核对{parents}的边界与编号")
    if any(r["layer"] == "cluster_parks" and r["parent_name_zh"] for r in rows):
        text += ("；在此之前，选址核查与土地审计（闲置土地、亩产效益）只在所属集聚区范围内认定功能园区，"
                 "园区位于集聚区外的部分按集聚区外核查（选址提示待核实）、其中的宗地不计入园区")
    if any(r["layer"] == "cluster_parks" and not r["parent_name_zh"] for r in rows):
        # clip_to_parents keeps a park whose key names no parent whole: say so, not "按集聚区外核查"
        text += (f"；所属编号在{parents}中找不到的功能园区，选址核查与土地审计仍按园区本身认定"
                 f"（无法核对其所属集聚区），核查结论可能有误")
    return text


#: how many names a folded line gives (:func:`orphans_zh`)
NAMES_SHOWN = 3


def orphans_zh(rows: list[dict]) -> str:
    """The children of one emptied or missing parent layer in one line, per child layer a count and the first
    names: ``因四大工业集聚区（industrial_clusters）为空、缺失或无法使用，依赖它的 16 个工业集聚区功能园区（智能制造产业园、…等）…``."""
    parent = rows[0]["parent_zh"]
    parts = []
    for lid in dict.fromkeys(r["layer"] for r in rows):
        mine = [r for r in rows if r["layer"] == lid]
        names = "、".join(r["name_zh"] for r in mine[:NAMES_SHOWN]) + ("等" if len(mine) > NAMES_SHOWN else "")
        parts.append(f"{len(mine)} 个{mine[0]['layer_zh']}（{names}）")
    return (f"因{parent}（{rows[0]['parent_layer']}）为空、缺失或无法使用，依赖它的 " + "、".join(parts)
            + f"找不到所属{parent}")


def orphans_fix_zh(rows: list[dict]) -> str:
    """The way out for :func:`orphans_zh`: get the parent layer back (its own finding says how); the children
    need no import."""
    parent = rows[0]["parent_zh"]
    return (f"按上一条恢复{parent}图层后即一并消除；不要为此重新导入"
            + "、".join(dict.fromkeys(r["layer_zh"] for r in rows)))


def store_children_outside(store=None, *, layers=None) -> list[dict]:
    """:func:`children_outside` of the layers in ``store`` (a GeoPackage path or ``postgresql://`` URL); with
    ``layers`` only the pairs holding one of those layer ids."""
    from . import catalog

    wanted = set()
    for child, (_key_field, parent) in CHILD_LAYERS.items():
        if layers is None or child in layers or parent in layers:
            wanted |= {child, parent}
    from .layer_health import read_usable   # a broken parent as an emptied one, invalid polygons repaired

    frames = {lid: read_usable(lid, store) for lid in sorted(wanted) if catalog.has_layer(lid, store)}
    return children_outside({lid: f for lid, f in frames.items() if f is not None})
