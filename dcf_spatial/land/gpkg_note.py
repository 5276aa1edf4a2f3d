"""What the idle audit's GeoPackage says of itself to a GIS colleague opening it in QGIS (QA user F8).

The field names stay the tool's (the GeoParquet complete list, ``dcf audit diff`` and scripts read them);
each field carries the workbook's Chinese header as its alias, and the layer's description says that the
zones are schematic, whether the data are synthetic, and that rows placed by a place name are drawn at
their unit's representative point — a schematic position, not a surveyed one.
"""

from __future__ import annotations

import numpy as np

#: the alias of ``location_method``: a row placed by name is a schematic point, said in the field's header
PLACED_ALIAS_ZH = "定位方式（按地名定位的点为示意位置）"


def idle_gpkg_aliases() -> dict[str, str]:
    """Column → alias of the idle audit's GeoPackage: the workbook's headers, and the zone ids'.

    Examples
    --------
    >>> a = idle_gpkg_aliases(); a["parcel_id"], a["location_method"]
    ('宗地代码', '定位方式（按地名定位的点为示意位置）')
    """
    from .outputs import IDLE_COLUMNS_ZH

    return {**IDLE_COLUMNS_ZH, "location_method": PLACED_ALIAS_ZH,
            "township_id": "镇（街道）代码", "cluster_id": "工业集聚区代码", "park_id": "功能园区代码"}


def idle_gpkg_description(frame, layers_used: list[dict], *, as_of) -> str:
    """The layer description (``gpkg_contents.description``) of the idle audit's GeoPackage.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"status": ["idle", "idle"], "location_method": ["按地名定位", "位置不明"]})
    >>> text = idle_gpkg_description(f, [], as_of=pd.Timestamp("2025-12-31"))
    >>> "1 宗无坐标，按地名定位" in text and "示意位置" in text and "1 宗位置不明" in text
    True
    """
    from .notes import short_synthetic
    from .outputs import sheet_note

    parts = [f"闲置土地审计完整清单（基准日 {as_of:%Y-%m-%d}），每行一条记录；字段别名为工作簿的中文列名。"]
    parts.append(sheet_note(layers_used, short_synthetic(frame) + "。").removesuffix("详见“说明”表。"))
    if "location_method" in frame.columns:
        method = frame["location_method"].astype(object).to_numpy()
        parcel = np.asarray(frame["status"] != "not_a_parcel", dtype=bool) if "status" in frame.columns \
            else np.ones(len(frame), dtype=bool)
        named, unknown = int(((method == "按地名定位") & parcel).sum()), int(((method == "位置不明") & parcel).sum())
        if named:
            parts.append(f"{named:,} 宗无坐标，按地名定位：点位取所在单元（园区、集聚区或镇街）的代表点，是示意位置，"
                         "不是宗地的实测位置（字段“定位方式”为“按地名定位”，“按地名定位到”为该单元）。")
        if unknown:
            parts.append(f"{unknown:,} 宗位置不明，无图形。")
    parts.append("详见同一审计的工作簿（“说明”表）。")
    return "".join(parts)
