"""User tables in a PostGIS database: the ``pg:SCHEMA.TABLE`` inputs.

Parcels or enterprises kept in the database of the PostGIS layer store are read like files:
:func:`read_pg_vector` (what :func:`dcf_spatial.io.read_vector` does for ``"pg:…"``: storage CRS,
row checks, canonical columns) and :func:`read_pg_attributes` (:func:`dcf_spatial.io.read_table`).
Underneath, :func:`read_pg_table` / :func:`read_pg_rows` read the rows (optionally a bounding box,
or a range of disk pages for the dask engine, :func:`pg_table_pages`), and :func:`write_pg_table`
writes a frame as such a table. The connection is the store's (:class:`PostgisStore`); the
database, not this module, keeps the layers.

Examples
--------
>>> from dcf_spatial.io.pg import read_pg_table
>>> parcels = read_pg_table("pg:bureau.parcels", store="postgresql://gis@db/dcf")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Sequence

from .. import _fixes
from ..errors import InputError
from ..store.backends.postgis import ORDER_COLUMN, STORAGE_SRID, PostgisStore, _q
from .aliases import apply_aliases
from .rows import check_rows

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd

logger = logging.getLogger(__name__)

_EMPTY = "{spec}：表中没有任何记录（0 条）。请检查图层库所在的数据库与表名（pg:模式.表名）。"


def read_pg_vector(spec: str, *, crs=None, field_map: dict[str, str] | None = None,
                   aliases: str | Sequence[str] | None = None) -> "gpd.GeoDataFrame":
    """Read ``pg:SCHEMA.TABLE`` as :func:`dcf_spatial.io.read_vector` reads a file.

    Parameters
    ----------
    spec
        ``pg:SCHEMA.TABLE`` or ``pg:TABLE`` in the database of the PostGIS layer store.
    crs
        CRS of the coordinates when the table's SRID is missing or wrong (as in ``read_vector``).
    field_map, aliases
        As in :func:`dcf_spatial.io.apply_aliases`.

    Returns
    -------
    GeoDataFrame
        In EPSG:4490, with ``read_issue`` where a row has a problem, ``attrs["read_notes"]`` and
        ``attrs["source_file"]``.

    Examples
    --------
    >>> read_pg_vector("pg:bureau.parcels", aliases="parcels")  # doctest: +SKIP
    """
    from ..crs import to_storage

    gdf = read_pg_table(spec)
    if len(gdf) == 0:
        raise InputError(_EMPTY.format(spec=spec))
    gdf = to_storage(gdf.reset_index(drop=True), crs=crs)
    notes = [f"从 PostGIS 表 {spec} 读入 {len(gdf):,} 条记录"]
    # a database table gets the checks a file gets: empty and invalid geometries, places far away
    gdf = check_rows(gdf, where=spec, notes=notes, location=True)
    gdf, alias_notes = apply_aliases(gdf, aliases, field_map)
    gdf.attrs["read_notes"] = notes + alias_notes
    gdf.attrs["source_file"] = spec
    return gdf


def read_pg_attributes(spec: str, *, field_map: dict[str, str] | None = None,
                       aliases: str | Sequence[str] | None = None) -> "pd.DataFrame":
    """Read the attributes of ``pg:SCHEMA.TABLE`` (with or without geometry) as :func:`dcf_spatial.io.read_table`.

    Parameters
    ----------
    spec
        ``pg:SCHEMA.TABLE`` or ``pg:TABLE``.
    field_map, aliases
        As in :func:`dcf_spatial.io.apply_aliases`.

    Returns
    -------
    DataFrame
        ``attrs["read_notes"]``, ``attrs["source_file"]`` and ``attrs["row_numbers"]`` (1..n).

    Examples
    --------
    >>> read_pg_attributes("pg:bureau.enterprises", aliases="enterprises")  # doctest: +SKIP
    """
    df = read_pg_rows(spec)
    if len(df) == 0:
        raise InputError(_EMPTY.format(spec=spec))
    df, alias_notes = apply_aliases(df, aliases, field_map)
    df.attrs.update({"read_notes": [f"从 PostGIS 表 {spec} 读入 {len(df):,} 条记录", *alias_notes],
                     "source_file": spec, "row_numbers": list(range(1, len(df) + 1))})
    return df



def _split_spec(spec: str, st: "PostgisStore") -> tuple[str, str]:
    name = spec[3:] if spec.startswith("pg:") else spec
    schema, _, table = name.rpartition(".")
    if not table:
        raise InputError(f"{spec}：请写出表名，例如 pg:bureau.parcels（格式 pg:SCHEMA.TABLE）。")
    return schema or st.schema, table


def _input_store(spec: str, store) -> "PostgisStore":
    from ..store.backends import as_pg_url, mask_url
    from ..store.locate import resolve_store

    location = resolve_store(store)
    url = as_pg_url(location)
    if url is None:
        raise InputError(
            f"{spec}：pg: 输入从 PostGIS 图层库所在的数据库读取，但当前图层库是 {mask_url(location)}。"
            f"请{_fixes.STORE}为 postgresql://USER@HOST/DB，或先把该表导出为文件。"
        )
    return PostgisStore(url)


def pg_table_pages(spec: str, *, store=None) -> int:
    """Number of disk pages of the table ``pg:SCHEMA.TABLE`` (for reading it in page ranges)."""
    from sqlalchemy import text

    st = _input_store(spec, store)
    schema, table = _split_spec(spec, st)
    with st._connect() as con:
        pages = con.execute(text("SELECT pg_relation_size(to_regclass(:t)) / current_setting('block_size')::int"),
                            {"t": f"{_q(schema)}.{_q(table)}"}).scalar()
    if pages is None:
        raise InputError(f"{spec}：{st.label} 中没有表 {schema}.{table}。请检查模式名和表名。")
    return int(pages)


def read_pg_rows(spec: str, *, store=None, pages: tuple[int, int] | None = None) -> "pd.DataFrame":
    """The attribute rows of ``pg:SCHEMA.TABLE``, with or without a geometry column (an enterprise
    table rarely has one). ``pages`` and the row order are those of :func:`read_pg_table`."""
    import pandas as pd
    from sqlalchemy import text

    st = _input_store(spec, store)
    schema, table = _split_spec(spec, st)
    with st._connect() as con:
        has_geometry = con.execute(text("SELECT 1 FROM geometry_columns WHERE f_table_schema=:s AND f_table_name=:t"),
                                   {"s": schema, "t": table}).first() is not None
        if not has_geometry:
            cols = [r[0] for r in con.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema=:s AND table_name=:t "
                "ORDER BY ordinal_position"), {"s": schema, "t": table}).all()]
            if not cols:
                raise InputError(f"{spec}：{st.label} 中没有表 {schema}.{table}。请检查模式与表名（pg:模式.表名）。")
            where = (f" WHERE ctid >= '({int(pages[0])},0)'::tid AND ctid < '({int(pages[1])},0)'::tid"
                     if pages is not None else "")
            order = f" ORDER BY {_q(ORDER_COLUMN)}" if ORDER_COLUMN in cols else " ORDER BY ctid"
            select = ", ".join(_q(c) for c in cols if c != ORDER_COLUMN)
            return pd.read_sql(text(f"SELECT {select} FROM {_q(schema)}.{_q(table)}{where}{order}"), con)
    gdf = read_pg_table(spec, store=store, pages=pages)
    return pd.DataFrame(gdf.drop(columns=gdf.geometry.name))


def read_pg_table(spec: str, *, store=None, bbox: tuple | None = None,
                  pages: tuple[int, int] | None = None) -> "gpd.GeoDataFrame":
    """Read a user table (parcels, enterprises…) from the PostGIS store's database.

    Parameters
    ----------
    spec
        ``pg:SCHEMA.TABLE`` or ``pg:TABLE`` (then the store URL's schema), e.g. ``pg:bureau.parcels``.
    store
        The PostGIS store whose database holds the table; default ``settings.store``.
    bbox
        ``(minx, miny, maxx, maxy)`` in EPSG:4490; the table's GiST index answers it in the server
        (the box is transformed to the table's SRID when that differs).

    The result keeps the table's CRS (from its SRID); the caller converts it to the storage CRS.
    ``pages=(first, stop)`` reads only the rows stored in those disk pages (see
    :func:`pg_table_pages`): how the dask engine splits a table between workers.
    Rows come in ``_dcf_row`` order when the table has that column, otherwise in the database's
    (physical, with ``pages``) order.
    """
    import geopandas as gpd
    from sqlalchemy import text

    st = _input_store(spec, store)
    schema, table = _split_spec(spec, st)
    with st._connect() as con:
        geo = con.execute(text(
            "SELECT f_geometry_column, srid FROM geometry_columns WHERE f_table_schema=:s AND f_table_name=:t"),
            {"s": schema, "t": table}).all()
        if not geo:
            raise InputError(
                f"{spec}：{st.label} 中没有带几何列的表 {schema}.{table}。"
                "请检查模式名和表名（带几何列的表可在 geometry_columns 视图中查到）。"
            )
        geom_col, srid = geo[0]
        cols = [r[0] for r in con.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema=:s AND table_name=:t "
            "ORDER BY ordinal_position"), {"s": schema, "t": table}).all()]
        conds, params = [], {}
        if bbox is not None:
            x0, y0, x1, y1 = (float(v) for v in bbox)
            env = f"ST_MakeEnvelope(:x0, :y0, :x1, :y1, {STORAGE_SRID})"
            if srid and int(srid) not in (0, STORAGE_SRID):
                env = f"ST_Transform({env}, {int(srid)})"
            conds.append(f"ST_Intersects({_q(geom_col)}, {env})")
            params.update({"x0": x0, "y0": y0, "x1": x1, "y1": y1})
        if pages is not None:  # a TID range scan (PostgreSQL 14+): only those pages are read
            conds.append(f"ctid >= '({int(pages[0])},0)'::tid AND ctid < '({int(pages[1])},0)'::tid")
        where = (" WHERE " + " AND ".join(conds)) if conds else ""
        if ORDER_COLUMN in cols:
            order = f" ORDER BY {_q(ORDER_COLUMN)}"
        else:
            order = " ORDER BY ctid" if pages is not None else ""
        select = ", ".join(_q(c) for c in cols if c != ORDER_COLUMN)
        gdf = gpd.read_postgis(text(f"SELECT {select} FROM {_q(schema)}.{_q(table)}{where}{order}"), con,
                               geom_col=geom_col, params=params)
    logger.info("Read %d rows from %s.%s in %s", len(gdf), schema, table, st.label)
    return gdf


def write_pg_table(gdf, spec: str, *, store=None, overwrite: bool = False) -> str:
    """Write ``gdf`` (any CRS; stored in EPSG:4490) as table ``pg:SCHEMA.TABLE`` in the store's database.

    The loader of the layer store is used (empty strings kept, feature order kept in ``_dcf_row``,
    a GiST index on ``geometry``), in one transaction. An existing table is refused unless
    ``overwrite``. Returns the spec, for :func:`read_pg_table` and ``pg:…`` inputs.
    """
    from sqlalchemy import text

    from ..crs import to_storage

    st = _input_store(spec, store)
    schema, table = _split_spec(spec, st)
    target = PostgisStore(st._url.update_query_dict({"schema": schema}).render_as_string(hide_password=False))
    with target._connect(transaction=True) as con:
        con.execute(text(f"CREATE SCHEMA IF NOT EXISTS {_q(schema)}"))
        if target._table_exists(con, table):
            if not overwrite:
                raise InputError(f"{spec}：{st.label} 中已有表 {schema}.{table}。要替换请设 overwrite=True。")
            target._drop(con, table)
        tmp = target._load_temp(con, to_storage(gdf), table)
        target._rename(con, tmp, table)
        con.execute(text(f"ANALYZE {target._t(table)}"))
    logger.info("Wrote %d rows to %s.%s in %s", len(gdf), schema, table, st.label)
    return f"pg:{schema}.{table}"
