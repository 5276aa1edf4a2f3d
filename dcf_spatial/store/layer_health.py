"""Is a layer, as read from the store, fit to reason from? (``dcf layers doctor``, the site check, the idle audit)

An import validates a layer (:func:`dcf_spatial.store.catalog.validate_layer`), but a layer table edited outside
dcf (QGIS, GDAL, sqlite3, psql) is read as it is. What such an edit can leave, and what dcf makes of it
(breaker findings F1, F2, F5, F8, F13, F15, F10):

* every feature without geometry (QGIS "delete part" on each, ``SET geometry = NULL``/``'POLYGON EMPTY'``):
  the layer holds nothing, as an emptied one (``no_geometry``);
* some features without geometry (an attribute-only row, normal in QGIS): where that zone or township lies is
  unknown, so "the site is in none of the zones" is no fact for any site; the layer is broken for the verdicts
  that read it (``null_geometry``), the features named. A planner cannot sign 不符合 "不在任何集聚区" when one
  cluster has no boundary, and no site can be shown to lie outside a feature of unknown place;
* another geometry type than the layer's (a polygon layer overwritten with its outlines through GDAL):
  a line cannot hold a site (``wrong_type``);
* another CRS declared than the store's (``gpkg_geometry_columns.srs_id`` edited, PostGIS ``UpdateGeometrySRID``):
  the coordinates are read as something they are not, e.g. a cluster 18,338 km away (``wrong_crs``);
* a field every such layer has (``name_zh``, ``id``…) renamed or dropped (``ALTER TABLE … RENAME COLUMN``):
  ``missing_fields``;
* a table dcf cannot read (its geometry column renamed): ``unreadable``
  (:class:`~dcf_spatial.errors.LayerUnreadableError` from :func:`~dcf_spatial.store.catalog.read_layer`);
* a self-intersecting polygon (a QGIS vertex drag): GEOS cannot intersect it. It is repaired in memory
  (``make_valid``, so that no check stops), and named with where it is invalid (:attr:`Health.invalid`): its
  intended shape is unknown, so a site within its extent gets no verdict (the plan's data is not guessed, as a
  user's site may be repaired with a note), while a site away from it is answered with the feature named.

The township frame (:func:`frame_gap`): the townships and the development-zone units tile the district
(``layers/README.md``: Voronoi cells clipped to the district). District area covered by neither is a hole in the
frame, not "outside the plan area".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from .. import settings
from .frame_gap import FRAME_GAP_TOLERANCE_M, frame_gap, frame_gap_zh  # noqa: F401  (re-exported)

logger = logging.getLogger(__name__)

#: what is wrong with a layer, by kind (layer_gaps.PROBLEM_ZH adds "missing"/"empty")
PROBLEM_ZH = {"no_geometry": "该图层的要素都没有几何图形（空或 NULL），等同于空图层",
              "null_geometry": "该图层有要素没有几何图形（空或 NULL），其位置不明",
              "wrong_type": "该图层的几何类型不对", "wrong_crs": "该图层的坐标系与图层库不符",
              "unreadable": "该图层的数据表无法读取", "missing_fields": "该图层的数据表缺少必需的字段"}
#: the way out where a reset cannot help: the table's own declaration is what is wrong (a reset to a version of the
#: same rows is "unchanged"; a table without its geometry column cannot be copied as a version)
FIX_ZH = {"wrong_crs": "若坐标本是经纬度（CGCS2000），把数据表声明的坐标系改回 EPSG:4490（GeoPackage：gpkg_geometry_columns 与 "
                       "gpkg_contents 中该表的 srs_id；PostGIS：SELECT UpdateGeometrySRID('模式', '表', 'geometry', 4490)），"
                       "否则用 dcf layers import {lid} 文件 重新导入该图层",
          "missing_fields": "把这些字段改回原名（PostGIS：ALTER TABLE 模式.表 RENAME COLUMN 现名 TO 原名），"
                            "或用 dcf layers reset {lid} 回到保留版本，或用 dcf layers import {lid} 文件 重新导入该图层",
          "unreadable": "把几何列改回原名（GeoPackage：gpkg_geometry_columns 中登记的列名，通常为 geom；PostGIS：geometry），"
                        "或用备份恢复（dcf layers restore 备份.gpkg），或用 dcf layers import {lid} 文件 重新导入该图层"}


@dataclass
class Health:
    """What :func:`assess` found: ``problem`` (``None``: usable) and its sentence, the frame to use (a broken
    layer's features are not used, so no figure computed from them is shown), and the invalid features repaired."""

    problem: str | None
    detail_zh: str
    gdf: object
    #: ``[{"feature_zh", "reason_zh", "bounds"}]``: invalid polygons repaired in memory; ``bounds`` in the storage CRS
    invalid: list = field(default_factory=list)


def _expected(layer_id: str):
    from .catalog import _GEOM_FAMILY, _GEOM_FAMILY_ZH, _spec_of

    spec = _spec_of(layer_id)
    return (None, None) if spec is None else (_GEOM_FAMILY[spec.geometry], _GEOM_FAMILY_ZH[spec.geometry])


def _missing_fields(gdf, layer_id: str) -> list[str]:
    """The fields every layer of ``layer_id`` has (:data:`~dcf_spatial.store.catalog.COMMON_FIELDS` and its spec's
    required ones, as an import checks them) that ``gdf`` lacks."""
    from .catalog import COMMON_FIELDS, _spec_of

    spec = _spec_of(layer_id)
    return [c for c in COMMON_FIELDS + (spec.required if spec else ()) if c not in gdf.columns]


def _crs_zh(crs) -> str:
    epsg = crs.to_epsg() if hasattr(crs, "to_epsg") else None
    return f"EPSG:{epsg}（{crs.name}）" if epsg else str(getattr(crs, "name", crs))


def assess(gdf, layer_id: str) -> Health:
    """The health of ``gdf`` as :func:`~dcf_spatial.store.catalog.read_layer` read it (``attrs["stored_crs"]``:
    the CRS its table declares when not the store's).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> row = {"id": ["d"], "name_zh": ["东昌府区"], "plan_ref": ["第一章第一节"], "provenance": ["schematic"], "source": ["x"]}
    >>> h = assess(gpd.GeoDataFrame(row, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=4490), "district")
    >>> h.problem, h.detail_zh
    ('wrong_type', '几何类型为 LineString（1 个要素），应为面（Polygon）')
    """
    import shapely

    from .catalog import _features_named, _invalid_reason_zh

    none = gdf.iloc[0:0]
    lacking = _missing_fields(gdf, layer_id)
    if lacking:   # a column renamed or dropped outside dcf (ALTER TABLE in psql, QGIS's field editor): breaker F2
        return Health("missing_fields", f"数据表缺少字段 {'、'.join(lacking)}（在 dcf 之外被改名或删除）",
                      none.assign(**{c: [] for c in lacking}))
    stored = gdf.attrs.get("stored_crs")
    if stored:
        import pyproj

        return Health("wrong_crs", f"数据表声明的坐标系为 {_crs_zh(pyproj.CRS(stored))}，图层库的坐标系为 "
                      f"{_crs_zh(pyproj.CRS(settings.storage_crs))}（在 dcf 之外被改动；坐标按错误的坐标系读出会落到别处）", none)
    geoms = gdf.geometry.values
    if not len(geoms):
        return Health(None, "", gdf)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.all():
        which = "唯一的要素" if len(geoms) == 1 else f"的 {len(geoms)} 个要素都"
        return Health("no_geometry", f"该图层{which}没有几何图形（空或 NULL），等同于空图层", none)
    family, family_zh = _expected(layer_id)
    if family is not None:
        types = gdf.geom_type[~missing].value_counts()
        wrong = [t for t in types.index if t not in family]
        if wrong:
            found = "、".join(f"{t}（{int(types[t])} 个要素）" for t in wrong)
            return Health("wrong_type", f"几何类型为 {found}，应为{family_zh}", none)
    if missing.any():
        pos = missing.nonzero()[0]
        return Health("null_geometry", f"{len(pos)} 个要素没有几何图形（空或 NULL）：{_features_named(gdf, pos)}；"
                      "其位置不明，场地是否在其中无从判断", none)
    invalid = ~shapely.is_valid(geoms)
    found = []
    if invalid.any():
        pos = invalid.nonzero()[0]
        reasons = shapely.is_valid_reason(geoms[pos])
        fixed = np.asarray(geoms, dtype=object).copy()
        polygonal = np.isin(shapely.get_type_id(fixed[pos]), (3, 6))
        fixed[pos[polygonal]] = shapely.make_valid(fixed[pos[polygonal]], method="structure", keep_collapsed=False)
        fixed[pos[~polygonal]] = shapely.make_valid(fixed[pos[~polygonal]])
        found = [{"feature_zh": _features_named(gdf, [p]), "reason_zh": _invalid_reason_zh(r),
                  "bounds": [float(v) for v in shapely.bounds(geoms[p])]} for p, r in zip(pos, reasons)]
        gdf = gdf.set_geometry(gpd_array(fixed, gdf.crs))
        logger.warning("图层 %s 有 %d 个无效几何，已在内存中修复（未写回图层库）：%s", layer_id, len(pos),
                       "；".join(f"{f['feature_zh']}：{f['reason_zh']}" for f in found))
    return Health(None, "", gdf, invalid=found)


def gpd_array(geoms, crs):
    import geopandas as gpd

    return gpd.GeoSeries(geoms, crs=crs).values


def without_missing(gdf, layer_id: str):
    """``gdf`` without its features that have no geometry, logged (the optional layers: corridors, land use)."""
    import shapely

    missing = shapely.is_missing(gdf.geometry.values) | shapely.is_empty(gdf.geometry.values)
    if not missing.any():
        return gdf
    from .catalog import _features_named

    logger.warning("图层 %s 的 %s 没有几何图形（空或 NULL），未使用", layer_id, _features_named(gdf, missing.nonzero()[0]))
    return gdf[~missing]


def invalid_places(health: Health, layer_id: str, to_working) -> list[dict]:
    """The extents of ``health``'s invalid features as untrusted places of the site check (JSON-able: WKT in the
    working CRS): a site touching one gets no verdict (queries/site/layer_gaps.py)."""
    if not health.invalid:
        return []
    import geopandas as gpd
    import shapely

    boxes = to_working(gpd.GeoDataFrame(geometry=[shapely.box(*f["bounds"]) for f in health.invalid],
                                        crs=settings.storage_crs)).geometry.values
    return [{"layer": layer_id, "kind": "invalid", "wkt": b.wkt,
             "text_zh": f"{f['feature_zh']}的几何无效（{f['reason_zh']}），其范围无法确定"}
            for f, b in zip(health.invalid, boxes)]


def frame_places(parts: dict, frame_layers) -> list[dict]:
    """The district area no township or development-zone unit covers, as an untrusted place of the site check
    (:func:`frame_gap`), from the frame layers ``parts`` read (working CRS); none when one of them is broken,
    missing or empty (its own reason says so)."""
    bad = set(parts["missing"]) | set(parts["empty"]) | set(parts["broken"])
    if bad & set(frame_layers):
        return []
    district, *units = frame_layers
    gap = frame_gap(parts["layers"][district]["geoms"],
                    np.concatenate([np.asarray(parts["layers"][u]["geoms"], dtype=object) for u in units]))
    if gap is None:
        return []
    logger.warning("%s", frame_gap_zh(gap))
    return [{"layer": "townships", "kind": "frame_gap", "wkt": gap.wkt, "text_zh": frame_gap_zh(gap)}]


def read_usable(layer_id: str, store=None):
    """The layer as a check may use it: a broken one with no feature (as an emptied layer), invalid polygons
    repaired in memory; ``None`` when its table cannot be read (as a missing layer)."""
    from ..errors import LayerUnreadableError
    from .catalog import read_layer

    try:
        return assess(read_layer(layer_id, store=store), layer_id).gdf
    except LayerUnreadableError:
        return None
