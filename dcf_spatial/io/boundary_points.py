"""界址点 tables: a CSV/XLSX of boundary points is one polygon per 地块, not loose points.

A survey office hands over a parcel's boundary as a table of its corner points (界址点)::

    地块号, 点号, 圈号, X,           Y
    1,      J1,   1,    4035000.000, 39409000.000
    ,       J2,   1,    4035000.000, 39409300.000      <- a blank 地块号 continues the parcel above
    ...

:func:`is_boundary_table` tells such a table by its header (a 点号/界址点号 column beside coordinate
columns); :func:`boundary_polygons` joins the points in row order into one polygon per 地块号 (圈号 > 1:
a hole or another part, decided by containment; an open ring is closed, said in the notes). Which
of X/Y is the northing is decided afterwards from the values, as for any X/Y table
(:func:`dcf_spatial.crs.guess.resolve_crs` with the surveyors' convention allowed).

Examples
--------
>>> import pandas as pd
>>> is_boundary_table(pd.DataFrame(columns=["点号", "X", "Y"]))
True
>>> is_boundary_table(pd.DataFrame(columns=["名称", "X", "Y"]))
False
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from .._fixes import AS_POINTS as FIX_AS_POINTS
from ..errors import InputError
from .aliases import _norm
from .rows import RowIssues

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd

logger = logging.getLogger(__name__)

#: header names of the point-number column that make a table a 界址点 table
POINT_ID_COLUMNS = ("点号", "界址点号", "界址点", "界址点编号", "界址点点号", "jzdh")
#: header names of the parcel column (one polygon per value; blank cells continue the parcel above)
PARCEL_COLUMNS = ("地块号", "地块编号", "宗地号", "宗地编号", "宗地代码", "地块名称", "地块", "dkbh")
#: header names of the ring column
RING_COLUMNS = ("圈号", "环号", "圈")


def _find(df, names) -> str | None:
    by_norm = {}
    for c in df.columns:
        by_norm.setdefault(_norm(c), c)
    return next((by_norm[_norm(n)] for n in names if _norm(n) in by_norm), None)


def is_boundary_table(df: "pd.DataFrame", x=None, y=None) -> bool:
    """``True`` when the header says the table lists boundary points: a 点号/界址点号 column and
    planar coordinate columns (X/Y, 东坐标/北坐标, or ones named by ``x``/``y``).

    Examples
    --------
    >>> import pandas as pd
    >>> is_boundary_table(pd.DataFrame(columns=["界址点号", "X坐标", "Y坐标"]))
    True
    """
    from .tables import _coordinate_columns

    if _find(df, POINT_ID_COLUMNS) is None:
        return False
    try:
        kind, _, _ = _coordinate_columns(df, x, y, "")
    except InputError:
        return False
    return kind in ("xy", "eastnorth", "explicit")


def _filled(series) -> np.ndarray:
    """Text values with blanks continuing the value above (merged cells, or the id written once)."""
    s = series.astype("string").str.strip()
    s = s.mask(s == "")
    return s.ffill().fillna("").to_numpy(dtype=object)


def boundary_polygons(df: "pd.DataFrame", lines, *, x=None, y=None, where: str, notes: list[str]):
    """Join a 界址点 table's points into one polygon per 地块 (in point order).

    Parameters
    ----------
    df
        The table as read (:func:`dcf_spatial.io.tables._read_tabular`).
    lines
        Spreadsheet row number of each record.
    x, y
        Coordinate columns when named by the user.
    where
        The file, for messages.
    notes
        Reading notes, appended to.

    Returns
    -------
    tuple
        ``(gdf, names, survey_ok, row_numbers, issues)``: a GeoDataFrame (no CRS yet) with one row per
        地块 — the first row's attributes, ``点数``, ``表格行`` (e.g. ``"2–6"``), ``parts``, ``holes``,
        ``area_coordinates`` (plane area of the coordinates as given) —; the coordinate column names;
        whether the surveyors' X/Y convention may apply; the first spreadsheet row of each 地块; and
        the :class:`~dcf_spatial.io.rows.RowIssues` of the 地块.

    Examples
    --------
    >>> gdf, *_ = boundary_polygons(df, lines, where="界址点.csv", notes=[])  # doctest: +SKIP
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from .survey_txt import _assemble
    from .tables import _coordinate_columns, _coordinate_values

    kind, xcol, ycol = _coordinate_columns(df, x, y, where)
    point_col = _find(df, POINT_ID_COLUMNS)
    parcel_col = _find(df, PARCEL_COLUMNS)
    ring_col = _find(df, RING_COLUMNS)
    xv, *_ = _coordinate_values(df[xcol])
    yv, *_ = _coordinate_values(df[ycol])
    lines = np.asarray(lines)
    keys = _filled(df[parcel_col]) if parcel_col is not None else np.full(len(df), "1", dtype=object)
    rings = _filled(df[ring_col]) if ring_col is not None else np.full(len(df), "1", dtype=object)
    order = list(dict.fromkeys(keys.tolist()))
    members = {k: np.flatnonzero(keys == k) for k in order}
    issues = RowIssues(len(order), lambda p: f"地块 {order[p] or '（无编号）'}（表格第 {lines[members[order[p]][0]]}–"
                                             f"{lines[members[order[p]][-1]]} 行）")
    rows, geoms, parts, holes, areas, closed_by_us = [], [], [], [], [], 0
    for p, key in enumerate(order):
        idx = members[key]
        rows.append(idx[0])
        bad = idx[~(np.isfinite(xv[idx]) & np.isfinite(yv[idx]))]
        geom, n_parts, n_holes, area = None, 0, 0, np.nan
        if len(bad):
            issues.add([p], f"表格第 {'、'.join(str(lines[i]) for i in bad[:5])} 行坐标缺失或不是数字，几何为空")
        else:
            runs, start = [], 0
            for i in range(1, len(idx) + 1):
                if i == len(idx) or rings[idx[i]] != rings[idx[start]]:
                    runs.append(np.column_stack([xv[idx[start:i]], yv[idx[start:i]]]))
                    start = i
            ok = True
            for r_no, ring in enumerate(runs):
                if len(ring) >= 2 and not np.allclose(ring[0], ring[-1], rtol=0, atol=0.0005):
                    runs[r_no] = ring = np.vstack([ring, ring[:1]])
                    closed_by_us += 1
                if len(np.unique(ring, axis=0)) < 3:
                    issues.add([p], f"第 {r_no + 1} 圈只有 {len(np.unique(ring, axis=0))} 个不同的点，不能构成面，几何为空")
                    ok = False
                    break
            if ok:
                geom, n_parts, n_holes = _assemble(runs)
                area = float(shapely.area(geom))
        geoms.append(geom)
        parts.append(n_parts)
        holes.append(n_holes)
        areas.append(area)
    drop = [c for c in (point_col, xcol, ycol, ring_col) if c is not None]
    out = df.iloc[rows].drop(columns=drop).reset_index(drop=True)
    if parcel_col is not None:
        out[parcel_col] = [k for k in order]
    out["点数"] = [len(members[k]) for k in order]
    out["表格行"] = [f"{lines[members[k][0]]}–{lines[members[k][-1]]}" for k in order]
    out["parts"] = parts
    out["holes"] = holes
    out["area_coordinates"] = areas
    gdf = gpd.GeoDataFrame(out, geometry=np.asarray(geoms, dtype=object), crs=None)
    by = f"按 {parcel_col} 列分组" if parcel_col is not None else "全表作为一个地块"
    notes.append(f"表头有 {point_col} 与坐标列 {xcol}/{ycol}，按界址点表读取：{len(df)} 个界址点{by}、按行序连成 "
                 f"{len(order)} 个面（每个地块一行{'，圈号列 ' + ring_col + ' 分圈' if ring_col else ''}）；"
                 f"如要逐点读取，请{FIX_AS_POINTS}")
    if closed_by_us:
        notes.append(f"{closed_by_us} 个圈的末点与首点不同，已自动回到首点闭合")
    for p in np.flatnonzero((np.asarray(holes) > 0) | (np.asarray(parts) > 1)):
        notes.append(f"{issues.row_label(p)}：由 {parts[p]} 个面" + (f"、{holes[p]} 个洞" if holes[p] else "")
                     + " 组成（圈号 > 1 按包含关系判定为洞或另一块）")
    flagged = np.flatnonzero(issues.flagged())
    if len(flagged):
        notes.append(f"{len(flagged)} 个地块有问题，保留在结果中，原因见 read_issue 列：{issues.rows(flagged)}")
    names = (str(xcol), str(ycol))
    logger.info("Joined %d boundary points of %s into %d polygons", len(df), where, len(order))
    return gdf, names, kind == "xy", [int(lines[i]) for i in rows], issues
