"""Streaming a very large GIS file with fiona, one record at a time, in constant memory.

:func:`iter_records` yields the records as stored (no CRS conversion, no repair), and
:func:`scan_vector` summarises a file — count, fields, geometry types, bounds, empty and invalid
rows — before committing to a full :func:`dcf_spatial.io.read_vector`.
"""

from __future__ import annotations

import logging
from typing import Iterator, Sequence

import numpy as np

from ..errors import InputError
from .encoding import _gdal_encoding
from .formats import _TABULAR, _check_path, _choose_layer, _format_of, _gdal_path, _zip_layer_name

logger = logging.getLogger(__name__)

_GEOM_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
                    5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


def _shown_layer(kind: str, name):
    """A layer's name as users know it: in a zip, the real name of a member GDAL read as CP437."""
    return _zip_layer_name(name) if kind == "zip" and name is not None else name


def _streamable(path, layer, encoding, caller: str):
    """Check that ``path`` is a GIS file fiona can stream; return it with its format, the text encoding
    to pass to GDAL, and the notes that choice produced."""
    path = _check_path(path)
    kind = _format_of(path)
    if kind in _TABULAR:
        raise InputError(f"{path}：{caller} 只用于 GIS 文件（Shapefile、GeoPackage 等）；表格请用 read_table/read_vector。")
    if path.suffix.lower() == ".kmz":
        from .vector import _kmz_members

        members = _kmz_members(path)
        if len(members) > 1:  # GDAL streams only the first KML of a KMZ: refused, not a silent part
            raise InputError(f"{path}：KMZ 含 {len(members)} 个 KML 文件（{'、'.join(members)}），{caller} 只能逐条读取"
                             f"其中第一个，其余（{'、'.join(members[1:])}）会被漏掉。请用 read_vector 读取（全部读入），"
                             "或解压后分别读取各 KML 文件。")
    notes: list[str] = []
    return path, kind, _gdal_encoding(path, kind, layer, encoding, notes), notes


def iter_records(path, *, layer=None, encoding=None, geometry: bool = True,
                 fields: Sequence[str] | None = None) -> Iterator[dict]:
    """Stream a GIS file one record at a time with fiona (constant memory).

    For files too large to load whole (millions of parcels): count, validate or filter records
    before a full :func:`read_vector`. Coordinates are **as stored** (no CRS conversion, no
    repair); DBF encoding is detected as in :func:`read_vector`.

    Parameters
    ----------
    geometry
        ``False`` skips the geometries (GDAL does not even decode them): fastest for counting
        or checking attributes.
    fields
        Only these attribute fields (default: all).

    Yields
    ------
    dict
        ``{"row": i (0-based, file order; a KML's folders are numbered on), "layer": name,
        "properties": {field: value}, "geometry": shapely geometry or None}``.

    Examples
    --------
    >>> sum(1 for _ in iter_records("宗地.shp", geometry=False))  # doctest: +SKIP
    1000000
    """
    import fiona
    import shapely.geometry

    path, kind, enc, notes = _streamable(path, layer, encoding, "iter_records")
    row = 0

    def shown(name):
        return _shown_layer(kind, name)

    for name in _choose_layer(path, kind, layer):
        with fiona.open(_gdal_path(path, kind, layer), layer=name, encoding=enc, allow_unsupported_drivers=True,
                        ignore_geometry=not geometry, include_fields=fields) as src:
            for feat in src:
                geom = feat.geometry if geometry else None
                yield {"row": row, "layer": shown(name), "properties": dict(feat.properties),
                       "geometry": shapely.geometry.shape(geom) if geom is not None else None}
                row += 1


def scan_vector(path, *, layer=None, encoding=None, limit_rows: int = 20, chunk: int = 10_000) -> dict:
    """Summarise a (possibly huge) GIS file without loading it: streams :func:`iter_records`.

    Returns
    -------
    dict
        ``count``, ``fields``, ``geometry_types`` (type → count), ``bounds`` (as stored),
        ``crs``, ``empty_rows`` / ``invalid_rows`` (first ``limit_rows`` row numbers, 0-based)
        with ``n_empty`` / ``n_invalid``, and ``encoding_notes``. Validity, types and bounds are
        computed on chunks of ``chunk`` records, so memory stays bounded.
    """
    import fiona
    import shapely

    path, kind, enc, notes = _streamable(path, layer, encoding, "scan_vector")
    name = _choose_layer(path, kind, layer)[0]
    with fiona.open(_gdal_path(path, kind, layer), layer=name, encoding=enc, allow_unsupported_drivers=True) as src:
        crs = src.crs.to_string() if src.crs else None
        fields = list(src.schema["properties"])
    count, n_empty, n_invalid = 0, 0, 0
    empty_rows, invalid_rows, types = [], [], {}
    bounds = np.array([np.inf, np.inf, -np.inf, -np.inf])

    def flush(rows: list[int], geoms: list) -> None:
        # checks run vectorised on chunks of `chunk` records: memory stays bounded by the chunk
        nonlocal n_empty, n_invalid, bounds
        arr = np.array(geoms, dtype=object)
        rows_arr = np.asarray(rows)
        empty = shapely.is_missing(arr) | shapely.is_empty(arr)
        n_empty += int(empty.sum())
        empty_rows.extend(rows_arr[empty][: max(limit_rows - len(empty_rows), 0)].tolist())
        arr, rows_arr = arr[~empty], rows_arr[~empty]
        if not len(arr):
            return
        invalid = ~shapely.is_valid(arr)
        n_invalid += int(invalid.sum())
        invalid_rows.extend(rows_arr[invalid][: max(limit_rows - len(invalid_rows), 0)].tolist())
        for t, k in zip(*np.unique(shapely.get_type_id(arr), return_counts=True)):
            label = _GEOM_TYPE_NAMES.get(int(t), str(t))
            types[label] = types.get(label, 0) + int(k)
        b = shapely.bounds(arr)
        bounds = np.array([min(bounds[0], np.nanmin(b[:, 0])), min(bounds[1], np.nanmin(b[:, 1])),
                           max(bounds[2], np.nanmax(b[:, 2])), max(bounds[3], np.nanmax(b[:, 3]))])

    rows, geoms = [], []
    for rec in iter_records(path, layer=layer, encoding=encoding):
        count += 1
        rows.append(rec["row"])
        geoms.append(rec["geometry"])
        if len(geoms) >= chunk:
            flush(rows, geoms)
            rows, geoms = [], []
    if geoms:
        flush(rows, geoms)
    bounds = bounds.tolist()
    logger.info("Scanned %d records of %s", count, path)
    return {"file": str(path), "layer": _shown_layer(kind, name), "crs": crs, "fields": fields, "count": count,
            "geometry_types": types, "bounds": bounds if count > n_empty else None,
            "n_empty": n_empty, "empty_rows": empty_rows, "n_invalid": n_invalid, "invalid_rows": invalid_rows,
            "encoding_notes": notes}
