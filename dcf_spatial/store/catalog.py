"""The layer catalog: which layers exist, what they hold, where their geometry came from.

The store is a GeoPackage file (the embedded default) or a PostGIS database. Every function here
takes ``store=``: a :class:`~dcf_spatial.store.Store`, a path or a URL (see
:mod:`dcf_spatial.store.backends`); ``None`` is the active store (``with Store(x).activate():``),
else ``settings.store`` (``DCF_STORE`` or the shipped default), see :mod:`dcf_spatial.store.locate`. Each layer is a table named by its id; the table
``dcf_catalog`` holds one row of metadata per layer (title, provenance, source, version, import
record). Importing a layer keeps the previous version as ``_history__<id>__<n>`` so
:func:`reset_layer` can restore it: nothing is lost. Replacing a layer is atomic in both stores
(a failed import leaves the previous layer intact); copying a store's layers
(:func:`copy_store`, ``dcf layers push``) is one change of the target, whatever the number of layers.

Every feature of every layer carries ``id``, ``name_zh``, ``plan_ref``, ``provenance``
(``authoritative`` / ``schematic`` / ``reference``) and ``source``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import _fixes, settings
from ..errors import DcfError, InputError, LayerNotFoundError, LayerUnreadableError, SchemaError
from ..errors import about, clip
from ..io.aliases import restore_short_names
from .backends import CATALOG_TABLE, HISTORY_PREFIX, history_table, open_store  # noqa: F401  (re-exported)
from .backends import outside_edits
from .backends.catalog_extra import extra_of as _extra_of, with_extra as _with_extra
from .locate import resolve_store, writable_location  # noqa: F401  (re-exported)

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd

logger = logging.getLogger(__name__)

COMMON_FIELDS = ("id", "name_zh", "plan_ref", "provenance", "source")
PROVENANCE_VALUES = ("authoritative", "schematic", "reference")
#: what each provenance means, as a user choosing one must be told (the desk's form, the CLI's error)
PROVENANCE_MEANING_ZH = {"authoritative": "权威：局里正式发布或确认的数据，图例与报告据此作结论",
                         "reference": "参考：其他部门或公开来源、未经局里确认的数据",
                         "schematic": "示意：按规划文本或图件示意勾绘的范围，不是正式边界，结论仅供参考"}
PROVENANCE_ZH = {"authoritative": "权威数据", "schematic": "示意", "reference": "参考数据"}
#: the Chinese words an import's ``provenance`` may be given in (the desk's and the README's words)
PROVENANCE_WORDS = {"权威": "authoritative", "权威数据": "authoritative", "参考": "reference", "参考数据": "reference",
                    "示意": "schematic", "示意数据": "schematic"}


@dataclass(frozen=True)
class LayerSpec:
    """What a layer id means: its Chinese title, geometry kind and required fields."""

    id: str
    title_zh: str
    geometry: str  # "polygon", "line" or "point"
    required: tuple[str, ...] = ()
    expected_count: tuple[int, int | None] = (1, None)
    description: str = ""
    extra: dict = field(default_factory=dict)


#: The layer ids the default store ships, with their schemas. Counts follow issue "The layer
#: store" and the plan's chapter 8.
LAYER_SPECS: dict[str, LayerSpec] = {
    s.id: s
    for s in [
        LayerSpec("district", "东昌府区行政区域（法定界线，含开发区）", "polygon", (), (1, 1),
                  "legal district 371502 outline, includes units the plan excludes",
                  extra={"id_from_code6": "district."}),
        LayerSpec("townships", "规划范围镇（街道）", "polygon", ("code12", "kind"), (14, 14),
                  "the plan's 14 township-level units (§1.1)",
                  extra={"id_from_code": "town.", "survey_layers": ("XZQ",)}),
        LayerSpec("other_units", "开发区托管镇（街道）（规划范围外）", "polygon", ("code12", "kind"), (9, 10),
                  "township-level units of 371502 administered by the development zones",
                  extra={"id_from_code": "town."}),
        LayerSpec("planning_area", "规划范围", "polygon", ("area_km2_measured", "area_km2_official"), (1, 1)),
        LayerSpec("industrial_clusters", "四大工业集聚区", "polygon",
                  ("industries_gbt4754", "direction", "host_townships", "target_2025_yi", "target_2030_yi"), (4, 4)),
        LayerSpec("cluster_parks", "工业集聚区功能园区", "polygon", ("cluster_id",), (16, None)),
        LayerSpec("agri_zones", "七大农业示范区", "polygon", ("products", "host_townships"), (7, 7)),
        LayerSpec("service_core", "中心城区服务业引领核", "polygon", (), (1, 1)),
        LayerSpec("service_belts", "三大现代服务业发展带", "polygon", ("follows_line",), (3, 3)),
        LayerSpec("service_groups", "四大服务业功能组团", "polygon", (), (4, 4)),
        LayerSpec("service_points", "多点：服务业特色小镇", "point", (), (5, 5)),
        LayerSpec("canal", "京杭大运河（1:400万参考）", "line", (), (1, None)),
        LayerSpec("rivers", "河流（示意）", "line", (), (1, None)),
        LayerSpec("roads", "道路（示意）", "line", (), (1, None)),
        LayerSpec("railways", "铁路（示意）", "line", (), (1, None)),
        LayerSpec("anchor_enterprises", "规划点名企业（位置示意）", "point", ("chain", "cluster_id"), (1, None)),
    ]
}

#: Layers the store does not ship but a user may import (``dcf layers import ID FILE``): they join the
#: store, with their provenance, only when imported. ``landuse``: current land use, the 地类图斑 (DLTB)
#: of the third national land survey (三调), read by ``query available`` and the site check.
IMPORT_ONLY_SPECS: dict[str, LayerSpec] = {
    "landuse": LayerSpec("landuse", "土地利用现状（三调地类图斑）", "polygon", ("land_use_code",), (1, None),
                         "current land use: DLTB of the third national land survey, imported by the user",
                         extra={"survey_layers": ("DLTB",), "id_from": ("feature_id", "patch_no"),
                                "name_from": ("land_use_name",)}),
}


def _spec_of(layer_id: str) -> LayerSpec | None:
    """The spec of a shipped or an import-only layer."""
    return LAYER_SPECS.get(layer_id) or IMPORT_ONLY_SPECS.get(layer_id)


#: Chinese column headers of the layer list (:func:`list_layers`)
LIST_COLUMNS_ZH = {
    "id": "图层编号", "title_zh": "中文名", "count": "要素数", "geometry_type": "几何类型",
    "provenance": "来源性质", "crs": "坐标系", "version": "版本", "source": "来源",
}
#: Chinese names of the layers' fields (tables shown to users); other fields keep their own name
FIELD_ZH = {
    "id": "编号", "name_zh": "名称", "full_name_zh": "全称", "plan_ref": "规划依据", "provenance": "来源性质",
    "source": "来源", "code12": "区划代码", "code9": "9 位代码", "code6": "6 位代码", "kind": "类型",
    "in_plan": "在规划范围内", "area_km2_measured": "面积（km²，量算）", "area_km2_official": "面积（km²，官方）",
    "industries_gbt4754": "行业代码（GB/T 4754）", "industries_zh": "产业", "industry_gbt4754": "行业代码",
    "leading_industries_zh": "主导产业", "direction": "发展方向", "host_townships": "所在镇（街道）",
    "host_note": "所在地说明", "target_2025_yi": "2025 年目标（亿元）", "target_2030_yi": "2030 年目标（亿元）",
    "target_2025_basis": "2025 年目标依据", "target_2030_basis": "2030 年目标依据", "cluster_id": "所属集聚区",
    "products": "主导产品", "follows_line": "沿线", "follows_layer": "沿线图层", "half_width_m": "半宽（米）",
    "themes": "主题", "chain": "产业链", "placed_in": "所在区", "placement_zh": "位置说明",
    "location_basis": "定位依据", "location_known": "位置已知", "location_note_zh": "位置说明",
    "position_error_m": "位置误差（米）", "mention_zh": "规划原文", "name_in_source": "源数据中的名称",
    "note": "备注", "note_zh": "备注", "description_zh": "说明", "part_of": "属于", "seed_lon": "种子点经度",
    "seed_lat": "种子点纬度", "nev_town_area_km2_plan": "新能源汽车小镇面积（km²，规划）",
}

_GEOM_FAMILY = {
    "polygon": {"Polygon", "MultiPolygon"},
    "line": {"LineString", "MultiLineString"},
    "point": {"Point", "MultiPoint"},
}
_GEOM_FAMILY_ZH = {"polygon": "面（Polygon）", "line": "线（LineString）", "point": "点（Point）"}


def _store(store=None, *, write: bool = False):
    """The backend for ``store`` (see :func:`~dcf_spatial.store.locate.resolve_store`); with ``write``,
    the packaged read-only default is first copied to the per-user folder."""
    location = resolve_store(store)
    return open_store(writable_location(location) if write else location)


def _require_store(store=None):
    st = _store(store)
    if not st.exists():
        raise InputError(st.missing_message())
    return st


def _spec_order(rows: "pd.DataFrame") -> "pd.DataFrame":
    """Rows in the order of :data:`LAYER_SPECS` (other layers after, in store order)."""
    rank = {lid: i for i, lid in enumerate(LAYER_SPECS)}
    keys = [rank.get(lid, len(rank) + i) for i, lid in enumerate(rows["id"])]
    return rows.assign(_rank=keys).sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(drop=True)


def catalog_rows(store=None) -> "pd.DataFrame":
    """The ``dcf_catalog`` table of the store, one row per layer, in :data:`LAYER_SPECS` order."""
    return _spec_order(_require_store(store).catalog_rows())


def list_layers(store=None) -> "pd.DataFrame":
    """Every layer in the store: id, Chinese title, feature count, geometry type, provenance, CRS.

    Examples
    --------
    >>> from dcf_spatial.store import catalog
    >>> catalog.list_layers()[["id", "count"]].head(2)  # doctest: +SKIP
    """
    import pandas as pd

    st = _require_store(store)
    rows = _spec_order(st.catalog_rows())
    counts = st.feature_counts()
    out = []
    for r in rows.itertuples():
        n, gtype = counts.get(r.id, (0, None))
        out.append({
            "id": r.id, "title_zh": r.title_zh, "count": n, "geometry_type": gtype,
            "provenance": r.provenance, "crs": settings.storage_crs, "version": int(r.version),
            "source": r.source,
        })
    return pd.DataFrame(out, columns=["id", "title_zh", "count", "geometry_type", "provenance", "crs",
                                      "version", "source"])


def has_layer(layer_id: str, store=None) -> bool:
    """Whether the store holds ``layer_id``: its catalog row and (GeoPackage) its table — a layer deleted in
    QGIS, by GDAL or by ``DROP TABLE`` keeps its catalog row and is missing."""
    st = _store(store)
    if not st.exists():
        return False
    if hasattr(st, "has_layer"):
        return st.has_layer(layer_id)
    return st.catalog_entry(layer_id) is not None


def describe_layer(layer_id: str, store=None) -> dict:
    """Metadata of one layer: the catalog row plus count, bounds and the field names."""
    st = _require_store(store)
    meta = st.catalog_entry(layer_id)
    if meta is None:
        raise LayerNotFoundError(_not_found_message(layer_id, st))
    meta["extra"] = json.loads(meta["extra"]) if meta.get("extra") else {}
    gdf = read_layer(layer_id, store=store)
    meta.update({
        "count": len(gdf), "crs": settings.storage_crs,
        "bounds": [float(v) for v in gdf.total_bounds] if len(gdf) else None,
        "fields": [c for c in gdf.columns if c != gdf.geometry.name],
    })
    return meta


def _not_found_message(layer_id, st) -> str:
    known = _spec_order(st.catalog_rows())["id"].tolist() if st.exists() else []
    return (
        f"图层 {layer_id!r} 不在图层库 {st.label} 中。已有图层：{', '.join(known) or '（无）'}。"
    )


def read_layer(layer_id: str, store=None, *, bbox: tuple[float, float, float, float] | None = None
               ) -> "gpd.GeoDataFrame":
    """Read a layer from the store, in the storage CRS (EPSG:4490).

    The result's ``attrs["provenance"]`` and ``attrs["title_zh"]`` repeat the catalog entry so
    that every downstream report can state them. GeoPackage reads are cached per file version.

    Parameters
    ----------
    layer_id
        A layer id, e.g. ``"townships"``.
    store
        A :class:`~dcf_spatial.store.Store`, a GeoPackage path or a ``postgresql://`` URL;
        default: the active store, else ``settings.store``.
    bbox
        ``(minx, miny, maxx, maxy)`` in EPSG:4490: only the features whose geometry meets the
        box. Answered through the spatial index on both sides — GDAL with the GeoPackage R-tree,
        or PostGIS with ``ST_Intersects(geometry, ST_MakeEnvelope(…))`` on the GiST index.
    """
    st = _require_store(store)
    entry = st.catalog_entry(layer_id)
    if entry is None:
        raise LayerNotFoundError(_not_found_message(layer_id, st))
    if bbox is not None:
        bbox = _check_bbox(bbox)
    try:
        gdf = st.read_table(layer_id, bbox=bbox)
    except DcfError:
        raise
    except Exception:
        if hasattr(st, "has_layer") and not st.has_layer(layer_id):   # its table deleted outside dcf (QGIS, GDAL)
            raise LayerNotFoundError(f"图层目录中有图层 {layer_id!r}，但图层库 {st.label} 中已没有它的数据表（在 dcf 之外被删除，"
                                     f"如 QGIS 的“删除图层”）。恢复：dcf layers restore 备份.gpkg，或重新导入该图层"
                                     f"（dcf layers import {layer_id} 文件）。") from None
        raise _unreadable(layer_id, st) from None
    stored = None
    if gdf.crs is None:
        gdf = gdf.set_crs(settings.storage_crs)
    elif gdf.crs.to_epsg() != 4490:
        # dcf writes every layer in the storage CRS: another one was declared outside dcf (srs_id edited,
        # UpdateGeometrySRID), said by store/layer_health.py rather than trusted
        stored = gdf.crs.to_string()
        gdf = gdf.to_crs(settings.storage_crs)
    gdf.attrs.update({"layer_id": layer_id, "title_zh": entry["title_zh"], "provenance": entry["provenance"],
                      "source": entry["source"], "version": entry.get("version"), "sha256": entry.get("sha256"),
                      # a PostGIS layer table edited outside dcf since dcf wrote it (backends/outside_edits.py)
                      "edited_outside": outside_edits.marker(entry), "stored_crs": stored})
    return gdf


def _unreadable(layer_id: str, st):
    """The :class:`LayerUnreadableError` of a layer whose table is there but cannot be read as a layer (breaker
    F13: its geometry column renamed outside dcf), with the cause GDAL/PostGIS gave, in short."""
    import re
    import sys

    exc = sys.exc_info()[1]
    text = str(exc)
    m = re.search(r"no such column: (?:\w+\.)?\"?([^\s\"]+)", text) or re.search(r"missing geometry column '([^']+)'", text)
    cause = (f"找不到几何列 {m.group(1)}（在 dcf 之外被改名或删除）" if m
             else f"{type(exc).__name__}：{text.splitlines()[-1][:160] if text else ''}")
    return LayerUnreadableError(f"图层 {layer_id!r} 的数据表在图层库 {st.label} 中无法读取：{cause}。恢复：dcf layers doctor 列出"
                                f"恢复的办法（dcf layers reset {layer_id}，或 --to-default，或重新导入该图层）。",
                                layer_id=layer_id, cause_zh=cause)


def _check_bbox(bbox) -> tuple[float, float, float, float]:
    try:
        x0, y0, x1, y1 = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise InputError(f"bbox={bbox!r}：应为四个数 (minx, miny, maxx, maxy)，坐标系 EPSG:4490。") from None
    if x0 > x1 or y0 > y1:
        raise InputError(f"bbox={bbox!r}：最小值大于最大值；请按 (minx, miny, maxx, maxy) 的顺序给出，坐标系 EPSG:4490。")
    return (x0, y0, x1, y1)


#: GEOS's reasons for an invalid geometry (``shapely.is_valid_reason``, before the ``[x y]`` of the spot), in Chinese
INVALID_REASON_ZH = {"Self-intersection": "自相交", "Ring Self-intersection": "环自相交",
                     "Too few points in geometry component": "点数过少", "Hole lies outside shell": "内环在外环之外",
                     "Nested holes": "内环相互嵌套", "Nested shells": "外环相互嵌套", "Interior is disconnected": "内部不连通",
                     "Invalid Coordinate": "坐标无效", "Ring is not closed": "环未闭合", "Duplicate Rings": "环重复"}


def _invalid_reason_zh(reason: str) -> str:
    """``Self-intersection[115.76 36.45]`` → ``自相交（115.7652, 36.4538 处）``; an unknown reason as GEOS says it."""
    import re

    m = re.fullmatch(r"\s*([^\[]+?)\s*\[\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)\s*\]\s*", str(reason))
    if not m:
        return str(reason)
    words = INVALID_REASON_ZH.get(m.group(1), m.group(1))
    return f"{words}（{float(m.group(2)):.4f}, {float(m.group(3)):.4f} 处）"


def _features_named(gdf, positions, *, id_field: str = "id", limit: int = 10) -> str:
    """The features at ``positions`` as the user finds them in the file: ``第 10 条要素（BM=park.zhengjia.auto_parts，
    汽车零部件产业园）`` — counted from 1 in the file's order, the id under the file's own field name (``id_field``)."""
    import pandas as pd

    def text(col, p):
        if col not in gdf.columns:
            return None
        v = gdf[col].iloc[p]
        return None if v is None or (not isinstance(v, str) and pd.isna(v)) or not str(v).strip() else str(v).strip()

    out = []
    for p in list(positions)[:limit]:
        parts = [f"{id_field}={v}" for v in [text("id", p)] if v] + [v for v in [text("name_zh", p)] if v]
        out.append(f"第 {int(p) + 1} 条要素" + (f"（{'，'.join(parts)}）" if parts else ""))
    return "、".join(out) + (f" 等共 {len(positions)} 条" if len(positions) > limit else "")


def validate_layer(gdf: "gpd.GeoDataFrame", layer_id: str, *, where: str = "图层",
                   check_counts: bool = False, id_field: str = "id") -> list[str]:
    """Check a layer against its spec; return the problems found (empty list when it is fine).

    Feature counts are checked only with ``check_counts`` (the shipped layers' integrity): a
    bureau's authoritative layer may legitimately hold more or fewer features. A feature in a problem is
    named by its number in the file (from 1), its id under ``id_field`` (the file's own field name,
    e.g. ``BM``) and its name.
    """
    import shapely

    problems = []
    spec = _spec_of(layer_id)
    missing = [c for c in COMMON_FIELDS + (spec.required if spec else ()) if c not in gdf.columns]
    if missing:
        problems.append(f"{where}：缺少字段 {', '.join(missing)}")
    if gdf.crs is None:
        problems.append(f"{where}：没有坐标系（CRS）")
    if len(gdf) == 0:
        problems.append(f"{where}：没有要素")
    if spec is not None and len(gdf):
        types = set(gdf.geom_type.dropna().unique())
        if not types <= _GEOM_FAMILY[spec.geometry]:
            problems.append(f"{where}：几何类型为 {sorted(types)}，但图层 {layer_id!r} 需要{_GEOM_FAMILY_ZH[spec.geometry]}几何")
        lo, hi = spec.expected_count
        if check_counts and (len(gdf) < lo or (hi is not None and len(gdf) > hi)):
            problems.append(f"{where}：{len(gdf)} 个要素，应为 {lo}–{hi if hi is not None else '…'} 个")
    if len(gdf):
        geoms = gdf.geometry.values
        missing_geom = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        invalid = ~shapely.is_valid(geoms) & ~missing_geom   # a missing geometry is said as such, not as invalid
        if invalid.any():
            pos = invalid.nonzero()[0]
            reasons = shapely.is_valid_reason(geoms[pos[:10]])
            named = [f"{_features_named(gdf, [p], id_field=id_field)}：{_invalid_reason_zh(r)}" for p, r in zip(pos, reasons)]
            problems.append(f"{where}：{len(pos)} 个无效几何：{'；'.join(named)}" + (f" 等共 {len(pos)} 条" if len(pos) > 10 else "")
                            + "；请在 GIS 软件中修复这些要素（如 QGIS“修复几何图形”、ArcGIS“修复几何”）后再导入")
        if missing_geom.any():
            pos = missing_geom.nonzero()[0]
            problems.append(f"{where}：{len(pos)} 条要素没有几何（空）：{_features_named(gdf, pos, id_field=id_field)}；"
                            "请补上其范围，或从文件中删去该要素（图层中将不再有它）")
    if "provenance" in gdf.columns:
        bad = ~gdf["provenance"].isin(PROVENANCE_VALUES)
        if bad.any():
            problems.append(f"{where}：provenance 须为 {PROVENANCE_VALUES} 之一；不符的行索引 {list(gdf.index[bad][:10])}")
    if "id" in gdf.columns:
        blank = gdf["id"].isna().to_numpy() | (gdf["id"].astype("string").str.strip() == "").fillna(True).to_numpy()
        if blank.any():
            problems.append(f"{where}：{int(blank.sum())} 条要素的编号 id 为空：{_features_named(gdf, blank.nonzero()[0])}；"
                            "请在文件中为每条要素填写编号（或用字段映射指明编号所在的字段）")
    if "id" in gdf.columns and gdf["id"].dropna().duplicated().any():
        ids = gdf["id"].dropna()
        problems.append(f"{where}：id 重复 {sorted(ids[ids.duplicated()].astype(str))[:10]}")
    return problems


def write_layer(
    gdf: "gpd.GeoDataFrame",
    layer_id: str,
    *,
    title_zh: str | None = None,
    provenance: str | None = None,
    source: str = "",
    description: str = "",
    extra: dict | None = None,
    store=None,
    keep_history: bool = False,
    imported_from: str | None = None,
    sha256: str | None = None,
):
    """Write ``gdf`` (any CRS; stored in EPSG:4490) as layer ``layer_id`` and record it in the catalog.

    With ``keep_history`` the version it replaces is kept for :func:`reset_layer`; the
    replacement is atomic (GeoPackage: a working copy swapped in; PostGIS: one transaction).
    Returns the store (a :class:`~pathlib.Path` for a GeoPackage, the URL string for PostGIS).

    Raises :class:`SchemaError` when the layer breaks its spec (missing common fields,
    wrong geometry family, invalid geometries, bad provenance values).
    """
    from ..crs import to_storage

    st = _store(store, write=True)
    gdf = to_storage(gdf)
    problems = validate_layer(gdf, layer_id)
    if problems:
        raise SchemaError(f"图层 {layer_id!r} 无法写入 {st.label}：\n  - " + "\n  - ".join(problems))
    spec = _spec_of(layer_id)
    title_zh = title_zh or (spec.title_zh if spec else layer_id)
    if provenance is None:
        provs = sorted(set(gdf["provenance"]))
        provenance = provs[0] if len(provs) == 1 else "/".join(provs)
    if "schematic" not in provenance:
        # the shipped title says 示意 (e.g. 道路（示意）); the bureau's own layer is not a sketch
        title_zh = re.sub(r"（(位置)?示意）", "", title_zh)
    version, history = 1, 0
    previous = st.catalog_entry(layer_id) if st.exists() else None
    archive = None
    if previous is not None:
        version, history = next_version(previous), int(previous["history"] or 0)
        # a table deleted outside dcf (QGIS, GDAL, DROP TABLE; its catalog row left) has nothing to keep
        if keep_history and not (hasattr(st, "has_layer") and not st.has_layer(layer_id)):
            history += 1
            archive = history
    row = {
        "id": layer_id, "title_zh": title_zh, "geometry": spec.geometry if spec else str(gdf.geom_type.iloc[0]),
        "provenance": provenance, "source": source, "description": description, "version": version,
        "history": history, "imported_from": imported_from, "sha256": sha256,
        "updated_at": _dt.datetime.now().isoformat(timespec="seconds"),
        "extra": json.dumps(extra or {}, ensure_ascii=False),
    }
    st.commit_layer(gdf, layer_id, row, archive=archive, archive_meta=previous,
                    expected_version=None if previous is None else int(previous["version"]))
    logger.info("Wrote %d features to layer %s in %s (provenance: %s)", len(gdf), layer_id, st.label, provenance)
    return st.path if st.kind == "gpkg" else st.label


#: the files of a Shapefile besides the .shp, in the order they are hashed
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def sha256_of(path) -> str:
    """SHA-256 of a file; of a Shapefile, of all its parts (.shp .shx .dbf .prj .cpg, those present),
    so that a changed attribute table (.dbf) gives another digest."""
    path = Path(path)
    parts = [path]
    if path.suffix.lower() == ".shp":
        parts = [q for q in (path.with_suffix(ext) for ext in SHAPEFILE_PARTS) if q.exists()]
    elif path.is_dir():  # a FileGDB folder: its files in name order, each name hashed too
        parts = sorted(q for q in path.rglob("*") if q.is_file())
    h = hashlib.sha256()
    for part in parts:
        if path.is_dir():
            h.update(str(part.relative_to(path)).encode("utf-8"))
        with open(part, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def provenance_of_file(gdf, provenance: str | None, shown: str) -> tuple[str, list[str]]:
    """The provenance an import records: ``provenance`` when given, else the file's own ``provenance`` field
    when every feature carries the same known value (a layer exported from a store); (value, notes).

    ``provenance`` may be given as ``authoritative``/``reference``/``schematic`` or in Chinese (权威/参考/示意).

    Raises
    ------
    InputError
        (a ``ValueError``, ``argument="provenance"``) none was given and the file carries none, or several, or an
        unknown one; or the value given is none of those: never assumed authoritative (issue 12 M4, g).

    Examples
    --------
    >>> import pandas as pd
    >>> provenance_of_file(pd.DataFrame({"provenance": ["schematic"] * 2}), None, "集聚区.gpkg")[0]
    'schematic'
    """
    choices = "；".join(f"{k}（{v}）" for k, v in PROVENANCE_MEANING_ZH.items())
    if provenance is not None:
        value = PROVENANCE_WORDS.get(str(provenance).strip(), str(provenance).strip())
        if value not in PROVENANCE_VALUES:
            raise about("provenance", InputError(
                f"来源类别 provenance={clip(provenance, 30)!r} 不认识。可用：{choices}（也可写 权威、参考、示意）。"))
        return value, []
    values = gdf["provenance"].dropna().astype(str).str.strip() if "provenance" in gdf.columns else None
    found = sorted(set(values) - {""}) if values is not None else []
    if len(found) == 1 and found[0] in PROVENANCE_VALUES and len(values) == len(gdf) and (values != "").all():
        return found[0], [f"来源类别取自文件的 provenance 字段：{found[0]}（{PROVENANCE_ZH[found[0]]}）"]
    why = ("文件中也没有 provenance 字段" if values is None
           else f"文件的 provenance 字段不是同一个可用的值（{'、'.join(clip(v, 20) for v in found[:5]) or '空'}）")
    raise about("provenance", InputError(
        f"{shown}：未指明导入数据的来源类别（provenance），{why}。来源类别随图层写入每个图例与报告，不替你预设为权威。"
        f"请指明其一：{choices}（也可写 权威、参考、示意）。"))


def import_layer(layer_id: str, file, *, crs=None, field_map: dict | None = None,
                 provenance: str | None = None, store=None, source_note: str = "", layer=None,
                 encoding: str | None = None, file_name: str | None = None) -> dict:
    """Replace layer ``layer_id`` with the bureau's file; keep the previous version for :func:`reset_layer`.

    The file is read with :func:`dcf_spatial.io.read_vector` (any supported format; ``crs`` and
    ``field_map`` as there). Fields the layer needs but the file lacks are reported, not invented,
    except ``provenance``/``source``/``plan_ref`` which the import fills in, and, for a zone layer of
    the plan (``industrial_clusters``, ``agri_zones`` …), the plan attributes (industries, direction,
    host townships, targets …): the bureau brings the geometry, the plan the attributes, so they are
    taken from the current layer for each feature whose ``id`` — else whose ``name_zh`` — matches one of
    its features (the notes say which were matched by name and which matched nothing). Field names a
    Shapefile shortened (``industries``, ``host_towns``) are restored from the current layer's fields.
    ``file_name``: the name shown in messages and recorded as the source (the desk's uploaded name),
    default the file's own name. ``provenance`` (required unless the file carries one): ``authoritative``,
    ``reference`` or ``schematic`` (or 权威, 参考, 示意); ``None`` (the default): the file's own ``provenance``
    field, else a ``ValueError`` naming the choices — an import is never labelled authoritative unasked
    (:func:`provenance_of_file`). Returns a summary dict.

    Examples
    --------
    >>> from dcf_spatial.store import catalog
    >>> catalog.import_layer("industrial_clusters", "集聚区.shp", provenance="authoritative",
    ...                      field_map={"id": "BM", "name_zh": "MC"})  # doctest: +SKIP
    """
    from .. import io as dcf_io

    st = _require_store(store)
    if _spec_of(layer_id) is None and st.catalog_entry(layer_id) is None:
        raise LayerNotFoundError(_not_found_message(layer_id, st))
    file = Path(file)
    spec = _spec_of(layer_id)
    if layer is None and spec is not None and spec.extra.get("survey_layers"):
        from ..io.formats import survey_layer

        layer = survey_layer(file, spec.extra["survey_layers"])
        picked = layer
    else:
        picked = None
    gdf = _lists_as_json(dcf_io.read_vector(file, crs=crs, field_map=field_map, layer=layer, encoding=encoding))
    id_field = str((gdf.attrs.get("field_sources") or {}).get("id") or "id")   # the file's own name for it (BM)
    if picked:
        gdf.attrs["read_notes"] = [f"三调数据库：图层 {layer_id} 读取其标准图层 {picked}",
                                   *gdf.attrs.get("read_notes", [])]
    digest = sha256_of(file)
    today = _dt.date.today().isoformat()
    shown = file_name or file.name
    source = f"{shown} sha256:{digest[:16]} 导入于 {today}" + (f"; {source_note}" if source_note else "")
    notes = list(gdf.attrs.get("read_notes", []))
    current = _current_layer(layer_id, st, store)
    if current is not None and file.suffix.lower() in (".shp", ".dbf", ".zip"):
        gdf, short_notes = restore_short_names(gdf, [c for c in current.columns if c != current.geometry.name])
        notes.extend(short_notes)
    had_plan_ref = "plan_ref" in gdf.columns
    provenance, said = provenance_of_file(gdf, provenance, shown)  # None: the file's own field, else refused
    notes.extend(said)
    gdf["provenance"] = provenance
    gdf["source"] = source
    if "plan_ref" not in gdf.columns:
        gdf["plan_ref"] = ""
    if "read_issue" in gdf.columns:
        # per-row reader findings (repairs, far-away rows) are reported in the summary, not stored
        for row, issue in gdf["read_issue"].dropna().items():
            if str(issue):
                notes.append(f"第 {row + 1} 行：{issue}")
        gdf = gdf.drop(columns="read_issue")
    gdf, key_notes = _keys_from_fields(gdf, spec)
    notes.extend(key_notes)
    gdf, id_note = _ids_from_codes(gdf, _spec_of(layer_id))
    if id_note:
        notes.append(id_note)
    gdf, kind_note = _kind_from_names(gdf, _spec_of(layer_id))
    if kind_note:
        notes.append(kind_note)
    fields = "、".join(str(c) for c in gdf.columns
                      if c not in (gdf.geometry.name, "provenance", "source") and not (c == "plan_ref" and not had_plan_ref))
    if "id" not in gdf.columns:
        raise about("field_map", SchemaError(
            f"{shown}：没有 'id' 字段。请用字段映射 id=<你的字段> 指明文件中哪个字段是编号（乡镇图层例如 XZQDM，集聚区例如 BM）。"
            f"文件中的字段：{fields or '（无）'}。"
        ))
    if "name_zh" not in gdf.columns:
        raise about("field_map", SchemaError(
            f"{shown}：没有 'name_zh' 字段。请用字段映射 name_zh=<你的字段> 指明文件中哪个字段是名称（例如 XZQMC、MC）。"
            f"文件中的字段：{fields or '（无）'}。"
        ))
    if layer_id == "townships":
        notes.extend(_check_plan_units(gdf, shown, st, store))
    gdf, fill_notes = _fill_plan_attributes(gdf, layer_id, current, had_plan_ref=had_plan_ref)
    notes.extend(fill_notes)
    problems = validate_layer(gdf, layer_id, where=str(file), id_field=id_field)
    missing = [c for c in (spec.required if spec else ()) if c not in gdf.columns]
    if missing:
        problems.append(f"请在文件中加上缺少的字段，或用字段映射 {missing[0]}=<文件中的字段名> 指明"
                        "（Shapefile 截短的字段名亦可这样指明）")
    spec = _spec_of(layer_id)
    if provenance == "authoritative":
        problems.extend(_outside_district(gdf, spec, shown))
    if spec is not None and "kind" in spec.required and "kind" not in gdf.columns:
        # _kind_from_names could not read 街道/镇 from every name: say which row and how to give it
        kind = gdf["name_zh"].astype("string").str.strip().str.extract(KIND_SUFFIX, expand=False)
        unnamed = gdf.loc[kind.isna(), "name_zh"]
        if len(unnamed):
            problems.append(f"{shown}：类型（kind：街道/镇）取自名称末尾，但 {len(unnamed)} 行的名称不以街道、镇或乡结尾"
                            f"（如第 {int(unnamed.index[0]) + 1} 行「{unnamed.iloc[0]}」）：请在文件中加一列类型（街道/镇），"
                            "并指明该列：kind=列名")
    if problems:
        error = SchemaError(f"拒绝将 {shown} 导入为图层 {layer_id!r}，图层库未作改动：\n  - "
                            + "\n  - ".join(p.replace(str(file), shown) for p in problems))
        raise about("field_map", error) if any("kind=列名" in p for p in problems) or missing else error
    notes.extend(_frame_gap_notes(gdf, layer_id, store))
    write_layer(gdf, layer_id, provenance=provenance, source=source, store=store, keep_history=True,
                imported_from=file_name or str(file), sha256=digest,
                description=f"由 {shown} 导入")
    return {"layer": layer_id, "features": len(gdf), "file": file_name or str(file), "sha256": digest,
            "provenance": provenance, "imported": today, "read_notes": notes}


#: fields of a zone layer that describe the shipped schematic geometry, not the plan: never copied
#: onto the bureau's geometry
_GEOMETRY_FIELDS = ("area_km2_measured", "host_note", "placement_zh", "half_width_m")


def _current_layer(layer_id, st, store):
    """The layer ``layer_id`` as it is now, or ``None`` when the store has none."""
    if st.catalog_entry(layer_id) is None:
        return None
    try:
        return read_layer(layer_id, store=store)
    except DcfError:
        return None


def _zone_layers() -> set[str]:
    """The layers whose features are zones of the plan (``data/plan_zones.json``)."""
    from .. import plan

    return {str(z.get("layer")) for z in plan.zones().values() if isinstance(z, dict) and z.get("layer")}


def _fill_plan_attributes(gdf, layer_id: str, current, *, had_plan_ref: bool):
    """For a zone layer: the plan attributes the file lacks, copied from the current layer's feature
    with the same ``id``, else with exactly the same ``name_zh``; a feature matching neither keeps
    them empty and is named in the notes. Returns the frame and the notes."""
    if current is None or layer_id not in _zone_layers() or "id" not in gdf.columns or "name_zh" not in gdf.columns:
        return gdf, []
    skip = set(COMMON_FIELDS) | set(_GEOMETRY_FIELDS) | {current.geometry.name}
    wanted = [c for c in current.columns if c not in skip and c not in gdf.columns]
    if not had_plan_ref:
        wanted.append("plan_ref")
    if not wanted:
        return gdf, []
    cur = current.drop(columns=current.geometry.name)
    # zones of the plan the current layer does not hold (it was replaced by a file with other ids): their
    # attributes straight from data/plan_zones.json, as the shipped layer is built
    from .. import plan

    missing_zones = [_plan_zone_row(zid, z) for zid, z in plan.zones().items()
                     if isinstance(z, dict) and z.get("layer") == layer_id and zid not in set(cur["id"].astype(str))]
    if missing_zones:
        import pandas as pd

        cur = pd.concat([cur, pd.DataFrame(missing_zones)], ignore_index=True)
    cur = cur.drop_duplicates("id").set_index("id", drop=False)
    by_name = {str(n).strip(): i for i, n in zip(cur["id"], cur["name_zh"])
               if list(cur["name_zh"].astype(str).str.strip()).count(str(n).strip()) == 1}
    ids = gdf["id"].astype(str).str.strip()
    names = gdf["name_zh"].astype(str).str.strip()
    match, by_name_hits, unmatched = [], [], []
    for i, n in zip(ids, names):
        if i in cur.index:
            match.append(i)
        elif n in by_name:
            match.append(by_name[n])
            by_name_hits.append(f"{n}（文件编号 {i}，现图层编号 {by_name[n]}）")
        else:
            match.append(None)
            unmatched.append(n)
    gdf = gdf.copy()
    for col in wanted:
        values = [cur.at[m, col] if m is not None else None for m in match]
        if col == "plan_ref":
            gdf[col] = [v if isinstance(v, str) else "" for v in values]
        else:
            gdf[col] = values
    notes = [f"文件没有规划属性（{'、'.join(wanted)}），已按区域取自规划（现图层 {layer_id} 与 data/plan_zones.json）"]
    if by_name_hits:
        notes.append(f"编号不同、按名称完全一致匹配的 {len(by_name_hits)} 个要素：{'；'.join(by_name_hits)}")
    if unmatched:
        notes.append(f"注意：{len(unmatched)} 个要素的编号与名称都不是规划中的区域，规划属性留空：{'、'.join(unmatched)}；"
                     "这些区域在选址核查中没有产业定位。请核对名称，或用字段映射 id=<编号字段> 指明编号")
    return gdf, notes


def _plan_zone_row(zid: str, zone: dict) -> dict:
    """One zone's layer attributes from ``data/plan_zones.json``, as :mod:`dcf_spatial.store.build` writes them."""
    from ..plan import zone_attributes

    row = {"id": zid, **zone_attributes(zone)}
    if "direction" in zone:
        row["direction"] = zone["direction"]
    if zone.get("leading_industries_zh"):
        row["leading_industries_zh"] = "；".join(zone["leading_industries_zh"])
    for year, target in (zone.get("targets") or {}).items():
        row[f"target_{year}_yi"] = float(target["value_yi"])
        row[f"target_{year}_basis"] = target.get("basis", "")
    for key in ("products", "themes"):
        if zone.get(key):
            row[key] = "；".join(zone[key]) if isinstance(zone[key], list) else zone[key]
    return row


#: the layers whose features lie in the district (zones and places); lines (the canal, rivers, roads,
#: railways) may run beyond it
_IN_DISTRICT_GEOMETRY = ("polygon", "point")


def _outside_district(gdf, spec, file) -> list[str]:
    """An authoritative zone layer's features lying wholly outside the district frame
    (``district_bbox`` of ``input_checks.json``): a wrong or missing coordinate system (or coordinates
    of 0), not a zone of Dongchangfu. Each is named with the likely fix."""
    import numpy as np
    import shapely

    from ..crs.guess import checks

    if spec is None or spec.geometry not in _IN_DISTRICT_GEOMETRY or not len(gdf) or gdf.crs is None:
        return []
    x0, y0, x1, y1 = checks()["district_bbox"]
    geoms = gdf.geometry.to_crs(4490).values if gdf.crs.to_epsg() != 4490 else gdf.geometry.values
    has = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    outside = has & ~shapely.intersects(geoms, shapely.box(x0, y0, x1, y1))
    if not outside.any():
        return []
    out = []
    for i in np.flatnonzero(outside)[:10]:
        pt = shapely.point_on_surface(geoms[i])
        lon, lat = pt.x, pt.y
        if abs(lon) < 1 and abs(lat) < 1:
            why = "坐标在 (0, 0) 附近：多为坐标缺失或填 0，请修正该要素的坐标"
        elif x0 <= lat <= x1 and y0 <= lon <= y1:
            why = "经纬度似乎颠倒，请对调 x 与 y"
        else:
            why = f"若数据本应在区内，多为坐标系声明有误，请{_fixes.CRS}（如 EPSG:4527、EPSG:4548 投影坐标，或 gcj02）"
        label = " ".join(str(gdf[c].iloc[i]) for c in ("id", "name_zh") if c in gdf.columns and gdf[c].iloc[i] is not None)
        out.append(f"{file}：第 {int(i) + 1} 条要素（{label or '无编号'}）完全在东昌府区范围（经度 {x0}–{x1}、纬度 {y0}–{y1}）以外，"
                   f"位于 ({lon:.4f}, {lat:.4f})：{why}")
    if outside.sum() > 10:
        out.append(f"{file}：另有 {int(outside.sum()) - 10} 条要素在区外")
    out.append(f"{file}：分区图层的权威数据须在区内；确需导入区外要素时，请以参考数据（provenance=reference）导入")
    return out


def _lists_as_json(gdf):
    """Array-valued properties (GDAL reads a GeoJSON array such as ``"industries_gbt4754": ["C34"]`` as a
    numpy array) as the JSON text the layers keep (``'["C34"]'``): stored as they are, GeoPackage would
    keep numpy's repr ``"['C34']"`` and PostGIS would refuse the value."""
    import numpy as np

    for col in gdf.columns:
        if col == gdf.geometry.name or gdf[col].dtype != object:
            continue
        is_list = gdf[col].map(lambda v: isinstance(v, (list, tuple, np.ndarray)))
        if is_list.any():
            gdf[col] = gdf[col].where(~is_list, gdf[col][is_list].map(
                lambda v: json.dumps(v.tolist() if isinstance(v, np.ndarray) else list(v), ensure_ascii=False,
                                     default=str)))
    return gdf


def _keys_from_fields(gdf, spec) -> tuple["gpd.GeoDataFrame", list[str]]:
    """``id`` and ``name_zh`` of a layer whose spec names the canonical fields they come from
    (``landuse``: id ← 标识码 BSM or 图斑编号 TBBH, name_zh ← 地类名称 DLMC), when the file has none."""
    notes = []
    if spec is None:
        return gdf, notes
    for key, sources in (("id", spec.extra.get("id_from", ())), ("name_zh", spec.extra.get("name_from", ()))):
        if key in gdf.columns or not sources:
            continue
        col = next((c for c in sources if c in gdf.columns), None)
        if col is None:
            continue
        values = gdf[col].astype("string").str.strip()
        if key == "id":
            if values.isna().any() or values.duplicated().any():
                continue  # not a key: the id is asked for below
            values = f"{spec.id}." + values
        gdf = gdf.assign(**{key: values.astype(object).to_numpy()})
        notes.append(f"{key} 取自字段 {col}")
    return gdf, notes


def _ids_from_codes(gdf, spec):
    """Administrative layers are keyed ``town.<12-digit code>`` (the id the plan rules and reports use):
    build it from ``code12`` (e.g. from ``XZQDM``) when the file has no ``id``, or normalise bare 9- or
    12-digit codes mapped to ``id``. Returns the frame and a note (empty when nothing changed)."""
    prefix = (spec.extra.get("id_from_code") if spec else None)
    six = spec.extra.get("id_from_code6") if spec else None
    if six and "id" not in gdf.columns and "code6" in gdf.columns:
        # the district keyed by its 6-digit 行政区划代码 (DataV/Amap adcode), as the shipped layer: district.371502
        codes = gdf["code6"].astype("string").str.strip()
        if codes.str.fullmatch(r"\d{6}").fillna(False).all():
            return gdf.assign(id=six + codes), f"编号 id 由 6 位行政区划代码生成（{six}{codes.iloc[0]}）"
    if not prefix:
        return gdf, ""
    source = "id" if "id" in gdf.columns else "code12" if "code12" in gdf.columns else None
    if source is None:
        return gdf, ""
    codes = gdf[source].astype("string").str.strip()
    bare = codes.str.fullmatch(r"\d{9}|\d{12}").fillna(False)
    if not bare.all():
        return gdf, ""
    code12 = codes.where(codes.str.len() == 12, codes + "000")
    gdf = gdf.assign(id=prefix + code12)
    if "code12" not in gdf.columns:
        gdf["code12"] = code12
    return gdf, f"要素编号由行政区划代码生成：id = {prefix}<12 位代码>（取自字段 {source}）"


def _check_plan_units(gdf, file, st, store) -> list[str]:
    """``townships`` holds the plan's 14 units (第一章第一节), never the development-zone units the plan
    excludes: a file with those is refused (site checks would put such sites inside the plan area).
    Plan units the file lacks are named in the notes."""
    try:
        others = read_layer("other_units", store=store)
        current = read_layer("townships", store=store)
    except DcfError:
        return []
    names = gdf["name_zh"].astype("string").str.strip()
    excluded = gdf["id"].astype(str).isin(set(others["id"].astype(str))) | names.isin(set(others["name_zh"].astype(str)))
    if excluded.any():
        listed = "、".join(names[excluded].astype(str).tolist()[:10])
        raise SchemaError(
            f"拒绝将 {file} 导入为图层 'townships'，图层库未作改动：文件中 {int(excluded.sum())} 个单位（{listed}）由开发区托管，"
            "不在规划范围内（第一章第一节）。townships 只放规划范围内的 14 个镇（街道）：请从文件中删去这些单位"
            "（开发区托管单位可导入为 other_units）。")
    known = set(gdf["id"].astype(str)) | set(names.astype(str))
    lacking = [n for i, n in zip(current["id"].astype(str), current["name_zh"].astype(str)) if i not in known and n not in known]
    return [f"注意：文件中没有规划范围内的 {len(lacking)} 个镇（街道）：{'、'.join(lacking)}；这些地方将不在规划范围内"] if lacking else []


def _frame_gap_notes(gdf, layer_id: str, store) -> list[str]:
    """The district area the frame would leave uncovered once ``gdf`` is ``layer_id`` (a township layer shifted
    1.8 km east leaves 130.91 km², breaker2 N6): said in the import's summary and preview, not refused — the
    bureau may import its townships before its development-zone units."""
    from ..crs import to_working
    from .frame_gap import FRAME_LAYERS, frame_gap, frame_gap_zh

    if layer_id not in FRAME_LAYERS:
        return []
    try:
        frame = {lid: gdf if lid == layer_id else read_layer(lid, store=store) for lid in FRAME_LAYERS}
        district, *units = (to_working(frame[lid]).geometry.values for lid in FRAME_LAYERS)
    except DcfError:
        return []   # a frame layer missing or broken: the check and doctor say so
    gap = frame_gap(district, [g for u in units for g in u])
    return [f"注意：导入后{frame_gap_zh(gap)}，位于该处的场地选址核查无法给出结论；"
            "请核对文件的坐标系与范围（是否整体偏移或缺少单位）"] if gap is not None else []


#: a township-level unit's kind, read from the end of its official name (柳园街道, 郑家镇)
KIND_SUFFIX = r"(街道|镇|乡)$"


def _kind_from_names(gdf, spec):
    """Township-level layers need ``kind`` (街道/镇); a bureau file rarely has it, but the official
    names end with it (柳园街道, 郑家镇). Filled only when every name says it; else the import asks
    for ``kind=…`` in ``field_map`` as before."""
    if spec is None or "kind" not in spec.required or "kind" in gdf.columns or "name_zh" not in gdf.columns:
        return gdf, ""
    names = gdf["name_zh"].astype("string").str.strip()
    kind = names.str.extract(KIND_SUFFIX, expand=False)
    if kind.isna().any():
        return gdf, ""
    return gdf.assign(kind=kind.astype(object)), "类型（kind：街道/镇）按名称末尾识别"


#: the key of a catalog row's ``extra`` that keeps the highest version number the layer has had, once a reset
#: went back below it (see :func:`next_version`)
HIGHEST_VERSION = "highest_version"
#: the keys of a catalog row's ``extra`` saying when the current version was restored by a reset, and from which
#: version (the row's ``updated_at`` stays the time the version itself was made)
RESET_AT, RESET_FROM = "reset_at", "reset_from_version"


def next_version(previous: dict) -> int:
    """The number the next version of a layer gets, from its catalog row: one above every number it has had.

    A reset goes back to an earlier version and shows its number (第 1 版); the versions after it are
    discarded, but their numbers are not given again — a page, a reason or a recorded check that said
    第 2 版 meant that content (QA round 11, finding 13.5). A store written before this mark counts on
    from the current number, as it did.

    Examples
    --------
    >>> next_version({"version": 1, "extra": '{"highest_version": 2}'}), next_version({"version": 3, "extra": ""})
    (3, 4)
    """
    try:
        mark = int(_extra_of(previous).get(HIGHEST_VERSION) or 0)
    except (TypeError, ValueError):
        mark = 0
    return max(int(previous["version"]), mark) + 1


def reset_layer(layer_id: str, store=None) -> dict:
    """Restore the version of ``layer_id`` that the last import replaced."""
    st = _require_store(store)
    if st.kind == "gpkg":
        st = _store(store, write=True)
    entry = st.catalog_entry(layer_id)
    if entry is None:
        raise LayerNotFoundError(_not_found_message(layer_id, st))
    n = int(entry["history"] or 0)
    if n == 0:
        back = (f"要恢复随软件附带的默认图层：dcf layers reset {layer_id} --to-default；" if default_entry(layer_id) else "")
        raise InputError(f"图层 {layer_id!r} 在 {st.label} 中没有更早的版本，无可恢复（只有 dcf layers import 替换过的图层才能 reset）。"
                         f"{back}或重新导入该图层（dcf layers import {layer_id} 文件）。")
    meta = st.history_entries(layer_id)[n]
    meta["history"] = n - 1
    # back to an earlier version and its number; the numbers of the versions after it are not given again.
    # ``updated_at`` stays the time that version was made (第 1 版 built on 11-28 is not "made today"); the
    # reset is an event of its own, kept beside it (a new user's QA, finding 14)
    meta["extra"] = _with_extra(meta.get("extra"), **{HIGHEST_VERSION: next_version(entry) - 1,
                                                      RESET_AT: _dt.datetime.now().isoformat(timespec="seconds"),
                                                      RESET_FROM: int(entry["version"])})
    count = st.restore_layer(layer_id, n, meta, expected_version=int(entry["version"]))
    logger.info("Restored layer %s in %s to its version before the last import (%d features)",
                layer_id, st.label, count)
    return {"layer": layer_id, "features": count, "provenance": meta["provenance"], "source": meta["source"]}


def default_entry(layer_id: str) -> dict | None:
    """The catalog row of ``layer_id`` in the default store shipped with the package
    (:data:`~dcf_spatial.settings.packaged_store`, never written), or ``None`` when it holds no such layer."""
    if not settings.packaged_store.exists():
        return None
    return open_store(settings.packaged_store).catalog_entry(layer_id)


def reset_to_default(layer_id: str, store=None) -> dict:
    """Make the shipped default version of ``layer_id`` (from :data:`~dcf_spatial.settings.packaged_store`)
    current in ``store``: the way back for a layer emptied or dropped outside dcf when the store keeps no
    earlier version. The version it replaces is kept (``dcf layers reset`` goes back to it); a layer equal to
    the default already is left as it is. Returns :func:`copy_store`'s summary."""
    if default_entry(layer_id) is None:
        raise LayerNotFoundError(f"随软件附带的默认图层库中没有图层 {layer_id!r}，无法恢复为默认版本；"
                                 f"请重新导入该图层（dcf layers import {layer_id} 文件）。")
    import shutil
    import tempfile

    target = resolve_store(store)
    with tempfile.TemporaryDirectory(prefix="dcf-default-") as tmp:
        # a copy: the packaged path itself resolves to the per-user store once that exists (locate.py)
        shipped = Path(tmp) / "dcf_layers.gpkg"
        shutil.copyfile(settings.packaged_store, shipped)
        return copy_store(shipped, target, overwrite=True, layers=[layer_id])


def copy_store(source, target, *, overwrite: bool = False, layers: list[str] | None = None) -> dict:
    """Copy the layers of store ``source`` (with their catalog rows and kept versions) into ``target``.

    ``target`` may be a GeoPackage path or a ``postgresql://`` URL (``dcf layers push``). A layer
    that already exists in the target is refused unless ``overwrite``; then the target's own
    version is kept as history (nothing is lost) and the copy becomes current. A layer whose features,
    attributes and description equal the target's current version is left as it is (no new version,
    no clash): listed in ``unchanged``.

    The copy is ONE change of ``target`` (:meth:`~.backends.base.StoreBackend.commit_layers`: one
    PostgreSQL transaction; one replacement of a GeoPackage file): a reader — a desk checking sites
    from it — sees the old set of layers or the new set, never some of each, and a push that fails or
    is killed part-way leaves the target as it was. Returns
    ``{"source", "target", "layers": [{"id", "features", "history"}], "unchanged": [ids]}``.
    """
    from .._killpoints import kill_point
    from .backends.base import LayerWrite

    src = _require_store(source)
    dst = _store(target, write=True)
    rows = _spec_order(src.catalog_rows())
    if layers:
        unknown = sorted(set(layers) - set(rows["id"]))
        if unknown:
            raise LayerNotFoundError(f"图层 {', '.join(unknown)} 不在图层库 {src.label} 中；"
                                     f"已有图层：{', '.join(rows['id'])}。")
        rows = rows[rows["id"].isin(layers)]
    # a layer the target holds already, with the same features and attributes and the same description,
    # gets no new version (issue 12, N2b: each push kept every layer again, identical or not)
    # (compared before any clash: a push that would change nothing needs no overwrite, QA F8)
    unchanged = _unchanged_layers(src, dst, rows) if dst.exists() else []
    rows = rows[~rows["id"].isin(unchanged)]
    if unchanged:
        logger.info("Layers %s of %s are as in %s already: not written", ", ".join(unchanged), dst.label, src.label)
    if dst.exists() and not overwrite:
        clash = [lid for lid in rows["id"] if dst.catalog_entry(lid) is not None]
        if clash:
            raise about("overwrite", InputError(
                f"目标图层库 {dst.label} 已有图层 {', '.join(clash)}，内容与 {src.label} 中的不同。要替换须允许覆盖（overwrite）"
                "；现有版本会保留，可用 reset 恢复。"
            ))
    done, gone = [], []   # gone: layers whose table was deleted outside dcf (nothing of them kept as a version)

    def writes():
        for i, meta in enumerate(rows.to_dict(orient="records")):
            if i:
                kill_point(f"push:{i}")   # i layers written into the target's pending change
            lid = meta["id"]
            previous = dst.catalog_entry(lid) if dst.exists() else None
            if previous is None:
                kept = tuple((n, lambda n=n, lid=lid: src.read_table(history_table(lid, n)), hmeta)
                             for n, hmeta in src.history_entries(lid).items())
                row, archive = dict(meta), None
            else:
                # The target's own versions win the history slots; the source's history is not merged. A table
                # deleted outside dcf (its catalog row left) has no content to keep as a version.
                deleted = hasattr(dst, "has_layer") and not dst.has_layer(lid)
                kept = ()
                archive = None if deleted else int(previous["history"] or 0) + 1
                row = dict(meta, history=int(previous["history"] or 0) if deleted else archive, version=next_version(previous),
                           extra=_with_extra(meta.get("extra"), **{HIGHEST_VERSION: None}))  # the source's mark is not ours
            row["version"] = int(row["version"])
            row["history"] = int(row["history"] or 0)

            if previous is not None and archive is None:
                gone.append(lid)

            def read(lid=lid, history=row["history"]):
                gdf = src.read_table(lid)
                done.append({"id": lid, "features": len(gdf), "history": history})
                return gdf

            yield LayerWrite(lid, row, read, archive=archive, archive_meta=previous, history=kept,
                             expected_version=None if previous is None else int(previous["version"]))

    if len(rows):   # nothing changed: nothing written, not even the file touched
        dst.commit_layers(writes())
    for d in done:
        logger.info("Copied layer %s (%d features) from %s to %s", d["id"], d["features"], src.label, dst.label)
    return {"source": src.label, "target": dst.label, "layers": done, "unchanged": unchanged, "gone": gone}


#: the catalog fields that describe a layer besides its features: a copy that changes neither them nor
#: the features is not a new version
DESCRIBING_FIELDS = ("title_zh", "geometry", "provenance", "source", "description")


def _unchanged_layers(src, dst, rows) -> list[str]:
    """The layers of ``rows`` (catalog rows of ``src``) whose current version in ``dst`` has the same
    content — features and attributes, by :func:`~dcf_spatial.store.content_hash.frame_sha256`, not a
    file's time or hash — and the same :data:`DESCRIBING_FIELDS`, and that carries no mark of an edit outside
    dcf nor lost the trigger that makes one (:mod:`.backends.outside_edits`)."""
    from .content_hash import frame_sha256

    same = []
    # a table whose edits go unmarked (its trigger dropped or disabled): written anew, with its trigger (else the
    # push's own start would put a dropped one back and mark the layer edited outside dcf, PostgisStore._add_edit_marks)
    unwatched = set(dst.lost_edit_triggers()) if dst.kind == "postgis" else set()
    for meta in rows.to_dict(orient="records"):
        if meta["id"] in unwatched:
            continue
        current = dst.catalog_entry(meta["id"])
        if current is not None and hasattr(dst, "has_layer") and not dst.has_layer(meta["id"]):
            continue   # its table deleted outside dcf (QGIS, GDAL, DROP TABLE), its catalog row left: written anew
        if current is None or any(str(meta.get(k) or "") != str(current.get(k) or "") for k in DESCRIBING_FIELDS):
            continue
        if outside_edits.count_of(current):
            # marked as edited outside dcf (or its trigger was off a while): written, so that a version vouches
            # for the content again and the mark goes, even when the content is as before (edited back)
            continue
        if frame_sha256(src.read_table(meta["id"])) == frame_sha256(dst.read_table(meta["id"])):
            same.append(meta["id"])
    return same
