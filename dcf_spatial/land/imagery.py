"""What does the imagery say? Built-up fraction of each parcel from a classified land-cover raster.

The raster may be in any CRS: the parcels are reprojected to the raster's CRS (never the raster
to the parcels', which would resample the classes). All parcels are burnt into one label grid
with ``rasterio.features.rasterize`` (cell-centre rule) over the window they cover, and the
cells are counted per parcel with ``numpy.bincount`` — one pass however many parcels there are.
Parcels too small to own a cell centre are burnt again with ``all_touched=True``. Where parcels
overlap, the later parcel takes the shared cells. Nodata cells count neither as built nor as
observed.

A parcel given as a point (a bureau table with 经度/纬度, no drawn parcel) would otherwise be measured
on the single cell under the point — 0 % or 100 %, nothing a contradiction could honestly rest on.
Instead, a point with a declared area (``area_m2``) is measured over the circle of exactly that area
centred on the point (``io.points_to_discs``, in the working CRS): an estimate, since the parcel's
real outline is unknown, and every such row says so in its flag. A point without a declared area
gets no fraction (NaN) and no contradiction, with a flag saying why.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError

logger = logging.getLogger(__name__)


def _label_grid(geoms, ids, shape, transform, *, all_touched: bool) -> np.ndarray:
    from rasterio import features

    shapes = ((g, int(i)) for g, i in zip(geoms, ids) if g is not None and not g.is_empty)
    return features.rasterize(shapes, out_shape=shape, transform=transform, fill=0, dtype="int32",
                              all_touched=all_touched)


#: vertices per quarter of a point parcel's circle: a 32-gon of exactly the declared area, within
#: 0.5 % of the radius of a true circle (well under a cell), and four times cheaper to burn than 128
DISC_QUAD_SEGS = 8

#: fewest observed cells a point parcel's circle must hold before its fraction may be called a
#: contradiction (the imagery rules' ``imagery.min_cells_point_estimate`` overrides it): a circle
#: covering a cell or two on a coarse raster is the single-pixel guess again
MIN_CELLS_POINT_ESTIMATE = 4

#: ``footprint`` values of :func:`built_fraction`: what the fraction was measured over
FOOTPRINT_POLYGON, FOOTPRINT_DISC, FOOTPRINT_POINT_NO_AREA, FOOTPRINT_NONE = "polygon", "disc", "point_no_area", "none"


def measured_footprints(parcels, target_crs) -> tuple[np.ndarray, np.ndarray]:
    """The geometry each parcel's built-up fraction is measured over, in ``target_crs``.

    Drawn parcels (polygons, lines) are themselves. A point (or multipoint) with a positive
    ``area_m2`` becomes the circle of exactly that area around it, built in the working CRS; a
    point without one is left out (``None``). Returns (geometries, footprint kind per row: one of
    the ``FOOTPRINT_*`` values).
    """
    import shapely

    from ..crs import to_working
    from ..io import declared_area_m2, points_to_discs

    geoms = np.asarray(parcels.geometry.to_crs(target_crs).values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    point = np.isin(shapely.get_type_id(geoms), (0, 4)) & ~missing
    kind = np.where(missing, FOOTPRINT_NONE, np.where(point, FOOTPRINT_POINT_NO_AREA, FOOTPRINT_POLYGON)).astype(object)
    if point.any():
        area = declared_area_m2(parcels)[point]
        sized = area > 0
        # a MultiPoint has no single centre for a circle: points_to_discs leaves it, it stays unmeasured
        pw = np.asarray(to_working(parcels[point]).geometry.values, dtype=object)
        discs, radius = points_to_discs(pw, np.where(sized, area, np.nan), quad_segs=DISC_QUAD_SEGS)
        grown = ~np.isnan(radius)
        rows = np.flatnonzero(point)
        kind[rows[grown]] = FOOTPRINT_DISC
        import geopandas as gpd
        from pyproj import CRS

        from .. import settings

        discs = gpd.GeoSeries(discs[grown], crs=settings.working_crs)
        if CRS.from_user_input(target_crs) != discs.crs:
            discs = discs.to_crs(target_crs)
        geoms[rows[grown]] = discs.values
        geoms[rows[~grown]] = None
    return geoms, kind


def built_fraction(parcels, raster, *, built_class: int | None = None) -> pd.DataFrame:
    """Share of each parcel's observed raster cells that are built-up.

    Parameters
    ----------
    parcels
        GeoDataFrame in any CRS (reprojected to the raster's CRS here).
    raster
        Path of a single-band classified GeoTIFF (or anything rasterio opens).
    built_class
        Cell value meaning "built-up". ``None``: the raster is a 0/1 built-up mask, and any
        other value raises :class:`InputError`.

    Returns
    -------
    DataFrame indexed like ``parcels``: ``built_fraction`` (0–1; NaN where no observed cell, and
    for a point without a declared area), ``built_cells``, ``observed_cells``, ``footprint`` (what
    was measured: ``polygon``; ``disc`` — the circle of the declared ``area_m2`` around a point;
    ``point_no_area``; ``none`` — no geometry).
    """
    import rasterio
    from rasterio.windows import Window, from_bounds

    path = Path(raster)
    if not path.exists():
        raise InputError(f"--imagery：{path} 不存在。请给出土地覆盖分类影像（GeoTIFF）的路径。")
    try:
        with warnings.catch_warnings():
            # rasterio's English "no geotransform" notice: said in Chinese below (or the CRS error)
            warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
            src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(f"--imagery：{path} 不是 rasterio 能读取的栅格（{exc}）。请给出 GeoTIFF 文件。") from None
    n = len(parcels)
    out = pd.DataFrame({"built_fraction": np.full(n, np.nan), "built_cells": np.zeros(n, np.int64),
                        "observed_cells": np.zeros(n, np.int64), "footprint": FOOTPRINT_NONE}, index=parcels.index)
    with src:
        if src.crs is None:
            raise InputError(f"--imagery：{path} 没有坐标系（CRS）。请先指定坐标系（例如 gdal_edit.py -a_srs EPSG:4548）再重试。")
        if parcels.crs is None:
            raise InputError("宗地没有坐标系（CRS），无法与影像对齐；请用 dcf_spatial.io 读取宗地文件。")
        if src.transform.is_identity and not src.gcps[0] and not src.rpcs:  # rasterio would fail in English
            raise InputError(f"--imagery：{path} 没有地理参考（geotransform），无法与宗地对齐。"
                             "请先为影像设置地理参考（例如 gdal_edit.py -a_ullr 左 上 右 下）再重试。")
        geoms, kind = measured_footprints(parcels, src.crs)
        out["footprint"] = kind
        import shapely

        valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        if not valid.any():
            return out

        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms[valid])
        win = from_bounds(xmin, ymin, xmax, ymax, transform=src.transform)
        col0, row0 = max(0, int(np.floor(win.col_off))), max(0, int(np.floor(win.row_off)))
        col1 = min(src.width, int(np.ceil(win.col_off + win.width)) + 1)
        row1 = min(src.height, int(np.ceil(win.row_off + win.height)) + 1)
        if col1 <= col0 or row1 <= row0:
            logger.warning("影像 %s 未覆盖任何宗地，建成比例留空", path)
            return out
        win = Window(col0, row0, col1 - col0, row1 - row0)
        data = src.read(1, window=win, masked=True)
        transform = src.window_transform(win)
    values = np.asarray(data.data)
    observed = ~np.ma.getmaskarray(data)
    if built_class is None:
        seen = np.unique(values[observed])
        if not np.isin(seen, (0, 1)).all():
            raise InputError(
                f"--imagery：{path} 中的取值为 {seen[:10].tolist()}{'…' if len(seen) > 10 else ''}，不是 0/1 建成区掩膜。"
                "请用 --built-class N 指定表示建成区的类别值（例如 ESA WorldCover 中为 50）。")
        built = values == 1
    else:
        built = values == int(built_class)
    ids = np.arange(1, n + 1)
    labels = _label_grid(geoms[valid], ids[valid], data.shape, transform, all_touched=False)
    obs_counts = np.bincount(labels[observed].ravel(), minlength=n + 1)
    built_counts = np.bincount(labels[observed & built].ravel(), minlength=n + 1)
    any_cell = np.bincount(labels.ravel(), minlength=n + 1)
    small = valid & (any_cell[1:] == 0)
    if small.any():
        labels2 = _label_grid(geoms[small], ids[small], data.shape, transform, all_touched=True)
        sel = np.isin(labels2, ids[small])
        obs2 = np.bincount(labels2[observed & sel].ravel(), minlength=n + 1)
        built2 = np.bincount(labels2[observed & built & sel].ravel(), minlength=n + 1)
        obs_counts[ids[small]] = obs2[ids[small]]
        built_counts[ids[small]] = built2[ids[small]]
    obs = obs_counts[1:]
    blt = built_counts[1:]
    out["observed_cells"] = obs
    out["built_cells"] = blt
    with np.errstate(divide="ignore", invalid="ignore"):
        out["built_fraction"] = np.where(obs > 0, blt / np.maximum(obs, 1), np.nan)
    logger.info("Measured built-up fraction of %d parcels on %s (%d over equal-area circles around points, "
                "%d without observed cells)", n, path.name, int((kind == FOOTPRINT_DISC).sum()), int((obs == 0).sum()))
    return out


def evidence_flags(audited, fractions: pd.DataFrame, *, rules: dict) -> pd.Series:
    """Chinese flag per parcel where the imagery contradicts the record (empty string otherwise).

    - recorded as started (实际动工日期 on or before the audit date) but no built-up cell;
    - recorded as not started but at least ``imagery.mostly_built_fraction`` built-up;
    - no observed cell: the imagery does not cover the parcel (or nodata there).

    A point parcel measured over the circle of its declared area (``footprint == "disc"``) says so
    in its flag — contradictions included, worded as an estimate to be checked against the parcel's
    coordinates — but only when the circle holds at least ``imagery.min_cells_point_estimate``
    observed cells (default :data:`MIN_CELLS_POINT_ESTIMATE`); a point without a declared area is
    never called a contradiction.
    """
    mostly = float(rules["imagery"]["mostly_built_fraction"])
    none_at = float(rules["imagery"]["no_built_fraction"])
    min_cells = int(rules["imagery"].get("min_cells_point_estimate", MIN_CELLS_POINT_ESTIMATE))
    as_of = pd.Timestamp(audited["as_of"].iloc[0]) if len(audited) else pd.Timestamp.today()
    started = (audited["actual_start"].notna() & (audited["actual_start"] <= as_of)).to_numpy()
    frac = fractions["built_fraction"].to_numpy(dtype=float)
    footprint = (fractions["footprint"].to_numpy(dtype=object) if "footprint" in fractions.columns
                 else np.full(len(audited), FOOTPRINT_POLYGON, dtype=object))
    disc = footprint == FOOTPRINT_DISC
    flag = np.full(len(audited), "", dtype=object)
    pct = np.char.mod("%.0f%%", np.nan_to_num(frac) * 100).astype(object)
    uncovered = np.isnan(frac)
    flag[uncovered] = "影像未覆盖该宗地（或为无数据区），无法核对"
    flag[footprint == FOOTPRINT_NONE] = "宗地没有图形或坐标，无法按影像核对"
    flag[footprint == FOOTPRINT_POINT_NO_AREA] = ("点位宗地（无宗地图形）且没有宗地面积：无法确定影像核查范围，建成比例留空、"
                                                  "不判断矛盾；请补充宗地面积或宗地图形")
    flag[disc & ~uncovered] = "建成比例为估算：点位宗地无宗地图形，按以点位为圆心、面积等于申报宗地面积的圆统计"
    observed = (fractions["observed_cells"].to_numpy() if "observed_cells" in fractions.columns
                else np.full(len(audited), min_cells))
    too_few = disc & ~uncovered & (observed < min_cells)
    flag[too_few] = ("建成比例为估算且不判断矛盾：点位宗地的等面积圆内只有 " + observed[too_few].astype(str).astype(object)
                     + f" 个有效像元（少于 {min_cells} 个），影像太粗，不足以核对")
    disc &= ~too_few
    uncovered = uncovered | too_few  # no contradiction is drawn from them below
    m = started & ~uncovered & (frac <= none_at)
    flag[m & ~disc] = "矛盾：记录已动工，但影像上无建成像元，请现场核实"
    flag[m & disc] = "矛盾（点位估算）：记录已动工，但点位周围等面积圆内无建成像元，请核对坐标并现场核实"
    m = ~started & ~uncovered & (frac >= mostly)
    flag[m & ~disc] = ("矛盾：记录未动工，但影像显示已大部分建成（建成比例" + pct[m & ~disc] + "），请核实实际动工日期")
    flag[m & disc] = ("矛盾（点位估算）：记录未动工，但点位周围等面积圆内大部分已建成（建成比例" + pct[m & disc]
                      + "），请核对坐标与实际动工日期")
    return pd.Series(flag, index=audited.index)


def imagery_note(imagery, built_class, flags: pd.Series, footprint: pd.Series) -> str:
    """The 说明 line on the imagery check: how each kind of parcel was measured and how many contradict."""
    flags = pd.Series(flags).astype(str)
    kinds = pd.Series(footprint).to_numpy(dtype=object)
    n_disc, n_bare = int((kinds == FOOTPRINT_DISC).sum()), int((kinds == FOOTPRINT_POINT_NO_AREA).sum())
    contra = flags.str.startswith("矛盾").to_numpy()
    text = f"影像核查：{imagery}（{'建成类别值 ' + str(built_class) if built_class is not None else '0/1 建成掩膜'}）"
    n_drawn = int((kinds == FOOTPRINT_POLYGON).sum())
    if n_drawn:
        text += f"，{n_drawn:,} 宗有宗地图形的宗地按像元中心统计宗地内的建成比例"
    if n_disc:
        text += (f"{'；' if n_drawn else '，'}{n_disc:,} 宗点位宗地（表中只有经纬度，无宗地图形）按以点位为圆心、面积等于申报宗地面积的圆统计，"
                 "为估算（圆的位置和形状不是宗地实际边界）")
    if n_bare:
        text += f"{'；' if n_drawn or n_disc else '，'}{n_bare:,} 宗点位宗地没有宗地面积，无法确定核查范围，建成比例留空、不判断矛盾"
    text += f"{'；' if n_drawn or n_disc or n_bare else '，'}{int(contra.sum()):,} 宗记录与影像矛盾"
    if n_disc:
        text += f"（其中 {int((contra & (kinds == FOOTPRINT_DISC)).sum()):,} 宗为点位估算，请先核对坐标）"
    return text + "，见“影像核查提示”列。"
