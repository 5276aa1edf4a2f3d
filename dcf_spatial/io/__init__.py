"""Read what users bring: any vector file, a table with coordinates, a site value, a database table.

Every later command reads user input through this package, so that encodings, CRSs, swapped axes,
broken geometries and the bureau's standard field names are handled once, the same way, and
*said*: each result carries ``attrs["read_notes"]`` (Chinese, for reports) listing what was done,
and ``attrs["source_file"]``.

One module per job:

===================  ===================================================================================
``vector``           :func:`read_vector`: SHP (also zipped), GPKG, GeoJSON, KML/KMZ, FileGDB, DXF, tables
``tables``           :func:`read_table`; CSV/XLSX parsing and coordinate columns
``site``             :func:`read_site`: a ``"lon,lat"``, WKT/GeoJSON or file as one project site
``stream``           :func:`iter_records`, :func:`scan_vector`: fiona streaming in constant memory
``aliases``          :func:`apply_aliases`, :func:`parse_field_map`: the bureau's field names
``encoding``         DBF/CSV text-encoding detection (UTF-8, GBK/GB18030)
``rows``             :func:`check_rows`, :class:`RowIssues`: per-row geometry and location checks
``pg``               ``pg:SCHEMA.TABLE`` user tables in the PostGIS store's database
``survey_txt``       the 报批/勘测定界 coordinate TXT: :func:`read_survey_txt`, :func:`write_survey_txt`
``boundary_points``  界址点 tables (点号 + X/Y) joined into one polygon per 地块
``formats``          supported formats, paths, sidecar files, GDAL layers
===================  ===================================================================================

Which CRS bare coordinates are in is decided beside the CRS policy, in
:mod:`dcf_spatial.crs.guess`.

Formats (:data:`SUPPORTED_FORMATS`): Shapefile (DBF encoding detected — GBK without ``.cpg`` is
the common case here), GeoPackage, GeoJSON, KML/KMZ, ESRI FileGDB (``.gdb`` folder), CAD DXF,
CSV/TXT (UTF-8, UTF-8-BOM, UTF-16 or GBK) and XLSX with coordinate columns (``lon/lat``,
``经度/纬度``, ``X/Y``, ``东坐标/北坐标``, a combined ``经纬度`` column, degrees-minutes-seconds,
or WKT). Old Excel .xls and OpenDocument .ods are read with python-calamine. Formats that cannot be read (.dwg, MapGIS, .mdb) are refused with the conversion
to make.

Engines: GDAL through pyogrio (fast, whole file in memory) for :func:`read_vector`; **fiona** for
:func:`iter_records` / :func:`scan_vector`, which stream a very large file one record at a time.

Nothing is lost: N records in, N rows out, index ``0..n-1`` in file order. Rows with a problem
(no geometry, repaired geometry, coordinates outside China or far from the district) keep their
place and get a reason in the column ``read_issue`` (present only when some row had one).

Field names: the bureau's standard fields (三调 ``XZQDM``/``XZQMC``, ``DLBM``/``DLMC``/``TBMJ``) are
recognised on read and canonical columns added beside the originals; any other field is mapped
with ``field_map={"target": "source"}`` (:func:`parse_field_map` parses ``"target=source"``).
The alias table is ``dcf_spatial/data/field_aliases.json``.

Examples
--------
>>> from dcf_spatial import io
>>> gdf = io.read_vector("乡镇.shp")                      # doctest: +SKIP
>>> gdf.attrs["read_notes"]                                # doctest: +SKIP
['Shapefile 无 .cpg，DBF 中文按 GBK 编码读取…', ...]
>>> site = io.read_site("115.98,36.45", area_mu=50)       # doctest: +SKIP
"""

from __future__ import annotations

import importlib

#: public (and test-used private) name -> the module defining it, imported on first use so that
#: ``dcf_spatial.io.site`` (a typed ``"lon,lat"``) does not import pandas with ``aliases``/``tables``
_LAZY = {
    **dict.fromkeys(("DEFAULT_VECTOR_ALIASES", "_norm", "alias_table", "apply_aliases", "looks_mis_decoded",
                     "parse_field_map"), "aliases"),
    **dict.fromkeys(("_FORMAT_KIND", "_TABULAR", "SUPPORTED_FORMATS", "_is_pg"), "formats"),
    **dict.fromkeys(("ISSUE_COLUMN", "RowIssues", "check_rows", "says_false"), "rows"),
    **dict.fromkeys(("declared_area_m2", "points_to_discs", "read_site", "unusable_rows"), "site"),
    **dict.fromkeys(("iter_records", "scan_vector"), "stream"),
    **dict.fromkeys(("is_survey_txt", "read_survey_txt", "write_survey_txt"), "survey_txt"),
    "read_table": "tables",
    "read_vector": "vector",
}

__all__ = [
    "DEFAULT_VECTOR_ALIASES", "ISSUE_COLUMN", "SUPPORTED_FORMATS", "RowIssues", "alias_table", "apply_aliases",
    "check_rows", "declared_area_m2", "iter_records", "looks_mis_decoded", "parse_field_map", "points_to_discs",
    "read_site", "read_survey_txt", "read_table", "read_vector", "says_false", "scan_vector", "is_survey_txt",
    "unusable_rows", "write_survey_txt",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dcf_spatial.io' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # cache: later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
