"""The layer catalog: which layers exist, what they hold, where their geometry came from.

The store is one GeoPackage (``settings.store``; ``--store PATH`` or ``DCF_STORE``). Each layer
is a table named by its id; the table ``dcf_catalog`` holds one row of metadata per layer
(title, provenance, source, version, import record). Importing a layer keeps the previous
version as ``_history__<id>__<n>`` so :func:`reset_layer` can restore it: nothing is lost.

Every feature of every layer carries ``id``, ``name_zh``, ``plan_ref``, ``provenance``
(``authoritative`` / ``schematic`` / ``reference``) and ``source``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import settings
from .errors import InputError, LayerNotFoundError, SchemaError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd

logger = logging.getLogger(__name__)

COMMON_FIELDS = ("id", "name_zh", "plan_ref", "provenance", "source")
PROVENANCE_VALUES = ("authoritative", "schematic", "reference")
PROVENANCE_ZH = {"authoritative": "权威数据", "schematic": "示意", "reference": "参考数据"}
CATALOG_TABLE = "dcf_catalog"
HISTORY_PREFIX = "_history__"


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
                  "legal district 371502 outline, includes units the plan excludes"),
        LayerSpec("townships", "规划范围镇（街道）", "polygon", ("code12", "kind"), (14, 14),
                  "the plan's 14 township-level units (§1.1)"),
        LayerSpec("other_units", "开发区托管镇（街道）（规划范围外）", "polygon", ("code12", "kind"), (9, 10),
                  "township-level units of 371502 administered by the development zones"),
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

_GEOM_FAMILY = {
    "polygon": {"Polygon", "MultiPolygon"},
    "line": {"LineString", "MultiLineString"},
    "point": {"Point", "MultiPoint"},
}


def _store_path(store=None) -> Path:
    path = Path(store if store is not None else settings.store)
    return path


def _connect(store=None) -> sqlite3.Connection:
    return sqlite3.connect(_store_path(store))


def _ensure_catalog_table(con: sqlite3.Connection) -> None:
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {CATALOG_TABLE} (
            id TEXT PRIMARY KEY, title_zh TEXT, geometry TEXT, provenance TEXT, source TEXT,
            description TEXT, version INTEGER, history INTEGER, imported_from TEXT,
            sha256 TEXT, updated_at TEXT, extra TEXT)"""
    )


def _require_store(store=None) -> Path:
    path = _store_path(store)
    if not path.exists():
        raise InputError(
            f"Layer store {path} does not exist. Build the default layers with "
            "`python layers/build_layers.py` (or `dcf layers build`), or point --store / DCF_STORE "
            "at an existing GeoPackage."
        )
    return path


def catalog_rows(store=None) -> "pd.DataFrame":
    """The ``dcf_catalog`` table of the store, one row per layer."""
    import pandas as pd

    path = _require_store(store)
    with sqlite3.connect(path) as con:
        _ensure_catalog_table(con)
        return pd.read_sql_query(f"SELECT * FROM {CATALOG_TABLE} ORDER BY rowid", con)


def _feature_counts(path: Path) -> dict[str, tuple[int, str]]:
    import pyogrio

    info = {}
    for name, gtype in pyogrio.list_layers(path):
        info[name] = gtype
    counts = {}
    with sqlite3.connect(path) as con:
        for name, gtype in info.items():
            if name.startswith(HISTORY_PREFIX) or name == CATALOG_TABLE:
                continue
            n = con.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            counts[name] = (n, gtype)
    return counts


def list_layers(store=None) -> "pd.DataFrame":
    """Every layer in the store: id, Chinese title, feature count, geometry type, provenance, CRS.

    Examples
    --------
    >>> from dcf_spatial import catalog
    >>> catalog.list_layers()[["id", "count"]].head(2)  # doctest: +SKIP
    """
    import pandas as pd

    path = _require_store(store)
    rows = catalog_rows(path)
    counts = _feature_counts(path)
    out = []
    for r in rows.itertuples():
        n, gtype = counts.get(r.id, (0, None))
        out.append({
            "id": r.id, "title_zh": r.title_zh, "count": n, "geometry_type": gtype,
            "provenance": r.provenance, "crs": settings.storage_crs, "version": r.version,
            "source": r.source,
        })
    return pd.DataFrame(out)


def has_layer(layer_id: str, store=None) -> bool:
    path = _store_path(store)
    if not path.exists():
        return False
    with sqlite3.connect(path) as con:
        _ensure_catalog_table(con)
        return con.execute(f"SELECT 1 FROM {CATALOG_TABLE} WHERE id=?", (layer_id,)).fetchone() is not None


def describe_layer(layer_id: str, store=None) -> dict:
    """Metadata of one layer: the catalog row plus count, bounds and the field names."""
    path = _require_store(store)
    rows = catalog_rows(path)
    hit = rows[rows["id"] == layer_id]
    if hit.empty:
        raise LayerNotFoundError(_not_found_message(layer_id, rows["id"].tolist(), path))
    meta = hit.iloc[0].to_dict()
    meta["extra"] = json.loads(meta["extra"]) if meta.get("extra") else {}
    gdf = read_layer(layer_id, store=path)
    meta.update({
        "count": len(gdf), "crs": settings.storage_crs,
        "bounds": [float(v) for v in gdf.total_bounds] if len(gdf) else None,
        "fields": [c for c in gdf.columns if c != gdf.geometry.name],
    })
    return meta


def _not_found_message(layer_id, known, path) -> str:
    return (
        f"Layer {layer_id!r} is not in the store {path}. Known layers: {', '.join(known) or '(none)'}. "
        "Run `dcf layers list` to see them."
    )


@lru_cache(maxsize=64)
def _read_cached(path: str, mtime_ns: int, layer_id: str) -> "gpd.GeoDataFrame":
    import geopandas as gpd

    gdf = gpd.read_file(path, layer=layer_id)
    if gdf.crs is None or gdf.crs.to_epsg() != 4490:
        gdf = gdf.set_crs(settings.storage_crs, allow_override=True) if gdf.crs is None else gdf.to_crs(settings.storage_crs)
    return gdf


def read_layer(layer_id: str, store=None) -> "gpd.GeoDataFrame":
    """Read a layer from the store, in the storage CRS (EPSG:4490).

    The result's ``attrs["provenance"]`` and ``attrs["title_zh"]`` repeat the catalog entry so
    that every downstream report can state them. Reads are cached per store file version.
    """
    path = _require_store(store)
    if not has_layer(layer_id, path):
        raise LayerNotFoundError(_not_found_message(layer_id, catalog_rows(path)["id"].tolist(), path))
    gdf = _read_cached(str(path.resolve()), path.stat().st_mtime_ns, layer_id).copy()
    with sqlite3.connect(path) as con:
        row = con.execute(
            f"SELECT title_zh, provenance, source FROM {CATALOG_TABLE} WHERE id=?", (layer_id,)
        ).fetchone()
    gdf.attrs.update({"layer_id": layer_id, "title_zh": row[0], "provenance": row[1], "source": row[2]})
    return gdf


def validate_layer(gdf: "gpd.GeoDataFrame", layer_id: str, *, where: str = "layer",
                   check_counts: bool = False) -> list[str]:
    """Check a layer against its spec; return the problems found (empty list when it is fine).

    Feature counts are checked only with ``check_counts`` (the shipped layers' integrity): a
    bureau's authoritative layer may legitimately hold more or fewer features.
    """
    import shapely

    problems = []
    spec = LAYER_SPECS.get(layer_id)
    missing = [c for c in COMMON_FIELDS + (spec.required if spec else ()) if c not in gdf.columns]
    if missing:
        problems.append(f"{where}: missing field(s) {', '.join(missing)}")
    if gdf.crs is None:
        problems.append(f"{where}: no CRS")
    if len(gdf) == 0:
        problems.append(f"{where}: no features")
    if spec is not None and len(gdf):
        types = set(gdf.geom_type.dropna().unique())
        if not types <= _GEOM_FAMILY[spec.geometry]:
            problems.append(f"{where}: geometry types {sorted(types)} but layer {layer_id!r} needs {spec.geometry}s")
        lo, hi = spec.expected_count
        if check_counts and (len(gdf) < lo or (hi is not None and len(gdf) > hi)):
            problems.append(f"{where}: {len(gdf)} features, expected {lo}–{hi if hi is not None else '…'}")
    if len(gdf):
        invalid = ~shapely.is_valid(gdf.geometry.values)
        if invalid.any():
            problems.append(f"{where}: {int(invalid.sum())} invalid geometries (rows {list(gdf.index[invalid][:10])})")
        if gdf.geometry.isna().any():
            problems.append(f"{where}: {int(gdf.geometry.isna().sum())} rows without geometry")
    if "provenance" in gdf.columns:
        bad = ~gdf["provenance"].isin(PROVENANCE_VALUES)
        if bad.any():
            problems.append(f"{where}: provenance must be one of {PROVENANCE_VALUES}; rows {list(gdf.index[bad][:10])}")
    if "id" in gdf.columns and gdf["id"].duplicated().any():
        problems.append(f"{where}: duplicate ids {sorted(gdf.loc[gdf['id'].duplicated(), 'id'].astype(str))[:10]}")
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
) -> Path:
    """Write ``gdf`` (any CRS; stored in EPSG:4490) as layer ``layer_id`` and record it in the catalog.

    Raises :class:`SchemaError` when the layer breaks its spec (missing common fields,
    wrong geometry family, invalid geometries, bad provenance values).
    """
    from .crs import to_storage

    path = _store_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    gdf = to_storage(gdf)
    problems = validate_layer(gdf, layer_id)
    if problems:
        raise SchemaError(f"Layer {layer_id!r} cannot be written to {path}:\n  - " + "\n  - ".join(problems))
    spec = LAYER_SPECS.get(layer_id)
    title_zh = title_zh or (spec.title_zh if spec else layer_id)
    if provenance is None:
        provs = sorted(set(gdf["provenance"]))
        provenance = provs[0] if len(provs) == 1 else "/".join(provs)
    version, history = 1, 0
    if path.exists():
        with sqlite3.connect(path) as con:
            _ensure_catalog_table(con)
            row = con.execute(f"SELECT version, history FROM {CATALOG_TABLE} WHERE id=?", (layer_id,)).fetchone()
        if row is not None:
            version, history = row[0] + 1, row[1] or 0
            if keep_history:
                history += 1
                prev = read_layer(layer_id, store=path)
                prev.to_file(path, layer=f"{HISTORY_PREFIX}{layer_id}__{history}", driver="GPKG")
                with sqlite3.connect(path) as con:
                    meta = con.execute(f"SELECT * FROM {CATALOG_TABLE} WHERE id=?", (layer_id,)).fetchone()
                    cols = [d[1] for d in con.execute(f"PRAGMA table_info({CATALOG_TABLE})")]
                    con.execute(
                        "CREATE TABLE IF NOT EXISTS dcf_catalog_history (layer_id TEXT, n INTEGER, meta TEXT)"
                    )
                    con.execute("INSERT INTO dcf_catalog_history VALUES (?,?,?)",
                                (layer_id, history, json.dumps(dict(zip(cols, meta)), ensure_ascii=False)))
    gdf.to_file(path, layer=layer_id, driver="GPKG")
    with sqlite3.connect(path) as con:
        _ensure_catalog_table(con)
        con.execute(
            f"INSERT OR REPLACE INTO {CATALOG_TABLE} VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (layer_id, title_zh, spec.geometry if spec else str(gdf.geom_type.iloc[0]), provenance, source,
             description, version, history, imported_from, sha256,
             _dt.datetime.now().isoformat(timespec="seconds"), json.dumps(extra or {}, ensure_ascii=False)),
        )
    _read_cached.cache_clear()
    logger.info("Wrote %d features to layer %s in %s (provenance: %s)", len(gdf), layer_id, path, provenance)
    return path


def sha256_of(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def import_layer(layer_id: str, file, *, crs=None, field_map: dict | None = None,
                 provenance: str = "authoritative", store=None, source_note: str = "") -> dict:
    """Replace layer ``layer_id`` with the bureau's file; keep the previous version for :func:`reset_layer`.

    The file is read with :func:`dcf_spatial.io.read_vector` (any supported format; ``crs`` and
    ``field_map`` as there). Fields the layer needs but the file lacks are reported, not invented,
    except ``provenance``/``source``/``plan_ref`` which the import fills in. Returns a summary dict.
    """
    from . import io as dcf_io

    path = _require_store(store)
    if layer_id not in LAYER_SPECS and not has_layer(layer_id, path):
        raise LayerNotFoundError(_not_found_message(layer_id, list(LAYER_SPECS), path))
    file = Path(file)
    gdf = dcf_io.read_vector(file, crs=crs, field_map=field_map)
    digest = sha256_of(file)
    today = _dt.date.today().isoformat()
    source = f"{file.name} sha256:{digest[:16]} imported {today}" + (f"; {source_note}" if source_note else "")
    gdf["provenance"] = provenance
    gdf["source"] = source
    if "plan_ref" not in gdf.columns:
        gdf["plan_ref"] = ""
    if "id" not in gdf.columns:
        raise SchemaError(
            f"{file}: no 'id' field. Map one with --field id=<your field> (for townships, e.g. id=XZQDM)."
        )
    if "name_zh" not in gdf.columns:
        raise SchemaError(
            f"{file}: no 'name_zh' field. Map one with --field name_zh=<your field> (e.g. name_zh=XZQMC)."
        )
    problems = validate_layer(gdf, layer_id, where=str(file))
    if problems:
        raise SchemaError(f"Import of {file} as {layer_id!r} refused; the store is unchanged:\n  - " + "\n  - ".join(problems))
    write_layer(gdf, layer_id, provenance=provenance, source=source, store=path, keep_history=True,
                imported_from=str(file), sha256=digest,
                description=f"imported from {file.name}")
    return {"layer": layer_id, "features": len(gdf), "file": str(file), "sha256": digest,
            "provenance": provenance, "imported": today}


def reset_layer(layer_id: str, store=None) -> dict:
    """Restore the version of ``layer_id`` that the last import replaced."""
    import geopandas as gpd

    path = _require_store(store)
    with sqlite3.connect(path) as con:
        _ensure_catalog_table(con)
        row = con.execute(f"SELECT history FROM {CATALOG_TABLE} WHERE id=?", (layer_id,)).fetchone()
    if row is None:
        raise LayerNotFoundError(_not_found_message(layer_id, list(LAYER_SPECS), path))
    n = row[0] or 0
    if n == 0:
        raise InputError(f"Layer {layer_id!r} has no earlier version in {path}: nothing to reset.")
    hist_name = f"{HISTORY_PREFIX}{layer_id}__{n}"
    prev = gpd.read_file(path, layer=hist_name)
    with sqlite3.connect(path) as con:
        meta = json.loads(con.execute(
            "SELECT meta FROM dcf_catalog_history WHERE layer_id=? AND n=?", (layer_id, n)).fetchone()[0])
    prev.to_file(path, layer=layer_id, driver="GPKG")
    _drop_layer(path, hist_name)
    with sqlite3.connect(path) as con:
        meta["history"] = n - 1
        meta["updated_at"] = _dt.datetime.now().isoformat(timespec="seconds")
        cols = list(meta)
        con.execute(f"INSERT OR REPLACE INTO {CATALOG_TABLE} ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                    [meta[c] for c in cols])
        con.execute("DELETE FROM dcf_catalog_history WHERE layer_id=? AND n=?", (layer_id, n))
    _read_cached.cache_clear()
    logger.info("Restored layer %s to its version before the last import (%d features)", layer_id, len(prev))
    return {"layer": layer_id, "features": len(prev), "provenance": meta["provenance"], "source": meta["source"]}


def _drop_layer(path: Path, layer: str) -> None:
    """Drop a table from a GeoPackage, with GDAL doing the gpkg_* and R-tree bookkeeping."""
    import fiona

    fiona.remove(str(path), layer=layer)
