"""The shared layer store: a PostGIS database (SQLAlchemy + GeoAlchemy2 + psycopg 3).

Tables are the GeoPackage store's (see :mod:`dcf_spatial.store.backends`), in the schema named by the
URL's ``schema=`` parameter (default ``public``). Layers are written with
``GeoDataFrame.to_postgis`` (GeoAlchemy2 adds a GiST index on ``geometry``) and read with
``geopandas.read_postgis``; a ``bbox`` read becomes an indexed ``ST_Intersects(geometry, envelope)``
filter in the database (features whose geometry meets the box, as GDAL's bbox read of a GeoPackage).

Replacing a layer is one transaction: the new rows go to a temporary table, the current table
is renamed to its history name (or dropped), the temporary table takes the layer's name and the
catalog row is updated — a failure at any step rolls everything back. A push writes all its layers
in one such transaction (:meth:`PostgisStore.commit_layers`).

Credentials: the URL's password, else libpq's ``PGPASSWORD`` / ``~/.pgpass`` (``PGPASSFILE``).
The password never appears in messages or logs: :attr:`PostgisStore.label` is the masked URL and
driver errors are scrubbed before they are re-raised.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import uuid
from typing import TYPE_CHECKING

from ...errors import InputError, about
from . import catalog_watch, outside_edits
from .catalog_extra import with_extra
from .names import CATALOG_COLUMNS, CATALOG_HISTORY_TABLE, CATALOG_TABLE, HISTORY_PREFIX, history_table, mask_url, remember_secret

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd

logger = logging.getLogger(__name__)

#: column that keeps the feature order (PostgreSQL tables have none); dropped on read
ORDER_COLUMN = "_dcf_row"
GEOMETRY_COLUMN = "geometry"
STORAGE_SRID = 4490
#: PostGIS geometry type -> the OGR name pyogrio reports for a GeoPackage layer
_ONE_READ = __import__("threading").local()


@contextlib.contextmanager
def one_catalog_read():
    """Within this block (in this thread), a database's catalog is read once: a recorded site check
    asks it for the layer versions it starts from and again for its layers' cache key, one round trip
    each (a tenth of a recorded PostGIS check's CPU, py-spy). Both then describe the same moment,
    before the check; the register write still compares them with the catalog it locks.

    Examples
    --------
    >>> with one_catalog_read():
    ...     pass
    """
    outer = getattr(_ONE_READ, "rows", None)
    if outer is not None:   # nested: the outer block's reads stand
        yield
        return
    _ONE_READ.rows = {}
    try:
        yield
    finally:
        _ONE_READ.rows = None


@contextlib.contextmanager
def fresh_catalog_reads():
    """Within this block the catalog is read anew, also inside :func:`one_catalog_read` (a register
    write compares the versions a check started from with the catalog as it is now)."""
    outer, outer_fresh = getattr(_ONE_READ, "rows", None), getattr(_ONE_READ, "fresh", False)
    _ONE_READ.rows, _ONE_READ.fresh = None, True   # nor the rows a desk keeps between changes (catalog_watch)
    try:
        yield
    finally:
        _ONE_READ.rows, _ONE_READ.fresh = outer, outer_fresh


_OGR_TYPE = {
    "POINT": "Point", "LINESTRING": "LineString", "POLYGON": "Polygon", "MULTIPOINT": "MultiPoint",
    "MULTILINESTRING": "MultiLineString", "MULTIPOLYGON": "MultiPolygon",
    "GEOMETRYCOLLECTION": "GeometryCollection", "GEOMETRY": "Unknown",
}
_ENGINES: dict[str, object] = {}


def _new_engine(key: str, url, **kw):
    """A pool kept in :data:`_ENGINES` for the process; the first one registers :func:`_close_pools`."""
    from sqlalchemy import create_engine

    if not _ENGINES:
        import atexit
        import os

        atexit.register(_close_pools, os.getpid())
    _ENGINES[key] = create_engine(url, **kw)
    return _ENGINES[key]


def _close_pools(pid: int) -> None:
    """At exit, close the connections the pools keep for reuse. Left to the interpreter's teardown,
    psycopg says of each ``ResourceWarning: <psycopg.Connection …> was deleted while still open`` (the CLI
    shows warnings: seen at the end of ``dcf layers push --to`` and ``dcf site recheck``). A forked child
    (its pools inherited) only lets go of them: their sockets are the parent's."""
    import os

    for engine in list(_ENGINES.values()):
        try:
            engine.dispose(close=os.getpid() == pid)
        except Exception:  # noqa: BLE001 - a server already gone: nothing left to close cleanly
            logger.debug("closing a connection pool at exit failed", exc_info=True)


#: the catalog columns read: dcf's and the edit marker's (:mod:`.outside_edits`)
_READ_COLUMNS = CATALOG_COLUMNS + outside_edits.COLUMNS
#: the column :meth:`PostgisStore.catalog_dicts` adds to the catalog's: the oid of the layer's table (``None``: no table)
TABLE_OID = "table_oid"


def _layer_table_sql(schema_param: str) -> str:
    """SQL for the table of the catalog row ``c`` (``regclass``; NULL when there is none), the schema given by
    the parameter ``schema_param`` (psycopg's ``%(s)s``, SQLAlchemy's ``CAST(:s AS TEXT)``). Takes no lock."""
    return f"to_regclass(quote_ident({schema_param}) || '.' || quote_ident(c.id))"


#: the column :meth:`PostgisStore.catalog_dicts` adds too: the layer table's data file (``relfilenode``) and a digest
#: of its columns' rows in ``pg_attribute`` (name, type, type modifier — a geometry column's SRID and type —, the
#: transaction that wrote each). DDL fires no row trigger (:mod:`.outside_edits`): ``UpdateGeometrySRID``, ``ALTER
#: COLUMN … TYPE … USING`` (both rewrite the table: a new file, the column's row rewritten), ``RENAME COLUMN``, ``ADD``
#: / ``DROP COLUMN`` change the digest; a ``TRUNCATE``, ``VACUUM FULL`` or ``CLUSTER`` the file. What a desk keys its
#: prepared layers by, with :data:`TABLE_OID` (``queries/site/context.py``). ``None``: no table.
TABLE_SHAPE = "table_shape"
#: the column :meth:`PostgisStore.layer_state` adds: the transaction that last wrote the catalog row (``xmin``)
ROW_XMIN = "row_xmin"
#: the column every catalog read adds: whether the layer table's columns were altered since it was made — its
#: columns' ``pg_attribute`` rows are not all of the transaction that made the table (dcf makes each layer table
#: in one transaction and never alters it; the system columns' rows, never altered, carry that transaction). Read
#: as an edit outside dcf (:mod:`.outside_edits`), of unknown time: DDL leaves no other trace
COLUMNS_ALTERED = outside_edits.ALTERED
def edit_count_sql(count_sql: str, altered_sql: str) -> str:
    """The edit count a catalog read gives (:data:`COLUMNS_ALTERED`): ``count_sql``, the catalog's column, and one
    more when ``altered_sql`` (a boolean) holds; NULL for none."""
    return f"CAST(NULLIF(coalesce({count_sql}, 0) + CAST({altered_sql} AS INTEGER), 0) AS INTEGER)"


def altered_sql(table_sql: str) -> str:
    """SQL: whether the table ``table_sql`` (a regclass, :func:`_layer_table_sql`) had its columns altered since it was
    made (:data:`COLUMNS_ALTERED`): a row of its columns in ``pg_attribute`` of another transaction than the row of its
    ``ctid`` (``attnum`` -1, which every table has and no DDL rewrites) — more than one transaction among them,
    without casting each ``xmin`` to text and sorting them (a fifth of the register's locked catalog read)."""
    return (f"EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = {table_sql} AND a.xmin <> "
            f"(SELECT s.xmin FROM pg_attribute s WHERE s.attrelid = {table_sql} AND s.attnum = -1))")


def replaced_sql(table_sql: str) -> str:
    """SQL: whether the table ``table_sql`` (a regclass) is not the one dcf wrote for catalog row ``c`` — its oid is not
    the one recorded in the row's ``extra`` (:data:`.outside_edits.TABLE_OID`; false when none is recorded: a store
    written before, and when there is no table). Read from the text (no JSON cast: an ``extra`` that is not JSON
    must not fail every catalog read)."""
    return (f"coalesce(CAST(substring(c.extra from '\"{outside_edits.TABLE_OID}\"[ :]+([0-9]+)') AS OID) "
            f"<> CAST({table_sql} AS OID), false)")


def schema_unmarked_sql(table_sql: str) -> str:
    """SQL: whether the layer table ``table_sql`` of catalog row ``c`` (a regclass: :func:`layer_table_sql`) changed in
    a way no trigger marks — its columns altered (:func:`altered_sql`) or the table replaced (:func:`replaced_sql`)."""
    return f"({altered_sql(table_sql)} OR {replaced_sql(table_sql)})"


def layer_table_sql(schema: str) -> str:
    """SQL for the table of catalog row ``c`` in ``schema`` (written as an SQL literal), as :func:`_layer_table_sql`."""
    return _layer_table_sql("'" + schema.replace("'", "''") + "'")


#: the columns :meth:`PostgisStore.catalog_dicts` adds (:meth:`PostgisStore._catalog_select`'s ``also``)
_TABLE_COLUMNS = f"CAST(t.rel AS OID) AS {TABLE_OID}, d.shape AS {TABLE_SHAPE}"


def _q(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def _percents_doubled(sql: str) -> str:
    """``sql`` for psycopg with parameters: every ``%`` that is not one of its ``%(name)s`` placeholders
    doubled — a ``%`` in a schema or table name written into the text (``?schema=t%25x``) is else read as a
    placeholder and fails every catalog read (breaker3 B3)."""
    return re.sub(r"%(?!\(\w+\)s)", "%%", sql)


def _promote_to_multi(gdf):
    """Make single parts Multi* when a layer mixes both, as GDAL's GeoPackage writer does.

    Written by hand (a few lines) so that both stores return the same geometries for the same
    layer; geopandas has no public helper for it.
    """
    import shapely

    types = set(gdf.geom_type.dropna())
    if len(types) < 2 or not any(t.startswith("Multi") for t in types):
        return gdf
    make = {"Polygon": shapely.MultiPolygon, "LineString": shapely.MultiLineString, "Point": shapely.MultiPoint}
    geoms = gdf.geometry.copy()
    for i, g in enumerate(geoms.values):
        if g is not None and g.geom_type in make:
            geoms.iloc[i] = make[g.geom_type]([g])
    return gdf.set_geometry(geoms)


def _string_dtypes(gdf, text_cols: set[str]):
    """Give text columns the dtype pandas infers for strings (``str`` in pandas 3), as GDAL's reader does.

    ``read_sql`` leaves a text column that holds only NULLs as ``object``; the GeoPackage reader
    gives it the string dtype, and both stores should return the same frame.
    """
    import pandas as pd

    str_dtype = pd.Series(["a"]).dtype
    for col in text_cols & set(gdf.columns):
        if gdf[col].dtype != str_dtype:
            gdf[col] = gdf[col].astype(str_dtype) if str_dtype != object else gdf[col]
    return gdf


def _copy_rows(table, conn, keys, data_iter):
    """pandas ``to_sql`` insert method: psycopg ``COPY`` in text format, row by row in C."""
    name = f"{_q(table.schema)}.{_q(table.name)}" if table.schema else _q(table.name)
    with conn.connection.cursor() as cur:
        with cur.copy(f"COPY {name} ({', '.join(_q(k) for k in keys)}) FROM STDIN") as copy:
            for row in data_iter:
                copy.write_row(row)


def _encode_at_in_password(url: str) -> str:
    """``url`` with an unencoded ``@`` in its password percent-encoded.

    ``postgresql://dcf:p@ss@db/gis`` means the password ``p@ss``; sqlalchemy would split it at the
    first ``@`` and send ``ss@db`` to libpq as the host name, whose error then quotes it.
    """
    from urllib.parse import quote, unquote

    head = "postgresql://"
    rest = url[len(head):]
    m = re.match(r"(?P<user>[^:/@]*):(?P<pw>.*)@(?P<host>[^@]*)$", rest)
    if not url.startswith(head) or m is None or "@" not in m.group("pw"):
        return url
    return f"{head}{m.group('user')}:{quote(unquote(m.group('pw')), safe='')}@{m.group('host')}"


def _marks_nothing(missing: str) -> bool:
    """Whether a missing piece of the edit marks (:meth:`PostgisStore._missing_edit_marks`) leaves every layer table
    unmarked: a catalog column or the function (not one table's trigger, nor an older function still in place)."""
    return missing.startswith("column=") or missing == "function"


def _present(rows: dict) -> dict:
    """The rows of :meth:`PostgisStore.catalog_dicts` whose layer has its table."""
    return {k: r for k, r in rows.items() if r[TABLE_OID] is not None}


class PostgisStore:
    """A PostgreSQL/PostGIS schema holding the layers and the catalog tables."""

    kind = "postgis"

    def __init__(self, url: str):
        from sqlalchemy.engine import make_url

        text = url
        for scheme in ("postgres://", "postgresql+psycopg://"):
            if text.startswith(scheme):
                text = "postgresql://" + text[len(scheme):]
        text = _encode_at_in_password(text)
        try:
            parsed = make_url(text)
        except Exception as exc:  # sqlalchemy.exc.ArgumentError: a malformed URL
            raise InputError(
                f"无法解析图层库地址 {mask_url(url)}：{mask_url(exc)}。格式应为 "
                "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=SCHEMA]。"
            ) from None
        self.schema = parsed.query.get("schema", "public")
        parsed = parsed.difference_update_query(["schema"]).set(drivername="postgresql+psycopg")
        self._url = parsed
        self._password = parsed.password or parsed.query.get("password")
        if isinstance(self._password, tuple):  # ?password=a&password=b
            self._password = self._password[-1]
        remember_secret(self._password)
        shown = parsed.set(drivername="postgresql")
        if self.schema != "public":
            shown = shown.update_query_dict({"schema": self.schema})
        #: the URL with its password masked: the only form used in messages and logs
        self.label = mask_url(shown.render_as_string(hide_password=True))  # also ?password= in the query

    # --- connections --------------------------------------------------------------------------
    @property
    def url_text(self) -> str:
        """The URL with its password, rendered once: the key of this store's pools, asked at every pool checkout
        and catalog read (SQLAlchemy parses and quotes it again at each rendering: ~60 µs of CPU each, a tenth of
        a desk's register write, cProfile)."""
        text = self.__dict__.get("_url_text")
        if text is None:
            text = self._url_text = self._url.render_as_string(hide_password=False)
        return text

    @property
    def engine(self):
        key = self.url_text
        if key not in _ENGINES:
            _new_engine(key, self._url, pool_pre_ping=True)
            logger.debug("Opened a connection pool to %s", self.label)
        return _ENGINES[key]

    @property
    def read_engine(self):
        """A second pool for the reads asked on every site check (the catalog): autocommit and without
        the pre-ping, so a read is one round trip instead of four (ping, BEGIN, query, ROLLBACK) —
        about a millisecond of client CPU and three wake-ups of the server per read on a busy desk.
        A connection the server dropped is detected by the read itself (see :meth:`_read_rows`)."""
        key = "read:" + self.url_text
        if key not in _ENGINES:
            _new_engine(key, self._url, isolation_level="AUTOCOMMIT", pool_pre_ping=False)
        return _ENGINES[key]

    def _read_rows(self, sql: str, params: dict | None = None) -> list[dict]:
        """The rows of one read-only query (psycopg ``%(name)s`` parameters) on :attr:`read_engine`, as
        dicts; tried once more on a fresh connection when the kept one was dropped (a server restart, an
        idle timeout). Straight on the pooled psycopg connection: SQLAlchemy's statement and result
        handling cost as much CPU as the rest of the read. Connection failures become
        :class:`InputError` as in :meth:`_connect`; a missing table raises ``psycopg.errors.UndefinedTable``."""
        import psycopg
        from sqlalchemy.exc import OperationalError

        for attempt in (0, 1):
            try:
                raw = self.read_engine.raw_connection()   # the pool's checkout (a fresh connection if none is kept)
            except (OperationalError, psycopg.OperationalError) as exc:
                # SQLAlchemy wraps a failed connect, but a pool checkout during a server restart can raise
                # psycopg's own error (a desk answered 500 while PostgreSQL restarted)
                reason = " ".join(self._scrub(getattr(exc, "orig", exc)).split())
                raise about("store", InputError(
                    f"无法连接 PostGIS 图层库 {self.label}：{reason}。请检查地址中的主机、端口和数据库名，"
                    "以及密码（写在地址中、PGPASSWORD 环境变量或 ~/.pgpass 中）。"
                )) from None
            try:
                with raw.driver_connection.cursor() as cur:
                    cur.execute(sql if params is None else _percents_doubled(sql), params)
                    names = [d.name for d in cur.description]
                    return [dict(zip(names, r)) for r in cur.fetchall()]
            except psycopg.OperationalError as exc:
                raw.invalidate()   # never handed out again
                if attempt == 0:
                    continue
                raise self.connection_lost(exc) from None
            finally:
                raw.close()   # back to the pool (autocommit: nothing to roll back)

    def _scrub(self, text) -> str:
        text = mask_url(text)
        if self._password:
            text = text.replace(self._password, "***")
        return text

    def connection_lost(self, exc) -> InputError:
        """The error for a connection the server dropped mid-work (``exc``: psycopg's error), password
        masked, marked as about the store (the desk answers 400; the CLI names no option).

        Examples
        --------
        >>> raise store.connection_lost(exc) from None   # doctest: +SKIP
        """
        return about("store", InputError(f"PostGIS 图层库 {self.label} 连接出错：{self._scrub(exc).strip()}"))

    @contextlib.contextmanager
    def _connect(self, *, transaction: bool = False):
        """A connection (in a transaction when asked); connection failures become InputError."""
        from sqlalchemy import text
        from sqlalchemy.exc import OperationalError, PendingRollbackError, ProgrammingError

        try:
            con = self.engine.connect()
        except OperationalError as exc:
            reason = " ".join(self._scrub(getattr(exc, "orig", exc)).split())  # libpq text spans lines
            raise about("store", InputError(
                f"无法连接 PostGIS 图层库 {self.label}：{reason}。请检查地址中的主机、端口和数据库名，"
                "以及密码（写在地址中、PGPASSWORD 环境变量或 ~/.pgpass 中）。"
            )) from None
        try:
            if transaction:
                with con.begin():   # (no DML on a table with the edit-mark trigger: outside_edits)
                    yield con
            else:
                yield con
        except (OperationalError, PendingRollbackError) as exc:
            # the server went away mid-work (a restart): a store error, not a crash; the catalog a desk
            # kept is not trusted until read again
            catalog_watch.forget(self)
            raise self.connection_lost(getattr(exc, "orig", exc)) from None
        except ProgrammingError:
            catalog_watch.forget(self)   # a table gone (a schema dropped: no notice comes of that)
            raise
        finally:
            try:
                con.close()
            except (OperationalError, PendingRollbackError):   # its rollback on a connection the server closed
                con.invalidate()
            if transaction:   # whatever it wrote is seen by this process's next catalog read at once
                catalog_watch.forget(self)

    def _t(self, table: str) -> str:
        return f"{_q(self.schema)}.{_q(table)}"

    def _table_exists(self, con, table: str) -> bool:
        from sqlalchemy import text

        return con.execute(text("SELECT to_regclass(:n)"), {"n": self._t(table)}).scalar() is not None

    def _ensure_meta_tables(self, con) -> None:
        from sqlalchemy import text

        has_postgis = con.execute(text("SELECT 1 FROM pg_extension WHERE extname='postgis'")).scalar()
        if not has_postgis:
            raise InputError(
                f"数据库 {self.label} 未安装 PostGIS 扩展（no PostGIS extension）。请数据库管理员在该库中执行 "
                "`CREATE EXTENSION postgis;`（PostGIS 3 软件包：postgresql-15-postgis-3）。"
            )
        # made only when missing: CREATE … IF NOT EXISTS asks for the right to create even when it is there,
        # which a register writer granted only what it uses has not (breaker3 B12)
        if con.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": self.schema}).scalar() is None:
            con.execute(text(f"CREATE SCHEMA IF NOT EXISTS {_q(self.schema)}"))
        if not self._table_exists(con, CATALOG_TABLE):
            con.execute(text(
            f"""CREATE TABLE IF NOT EXISTS {self._t(CATALOG_TABLE)} (
                id TEXT PRIMARY KEY, title_zh TEXT, geometry TEXT, provenance TEXT, source TEXT,
                description TEXT, version INTEGER, history INTEGER, imported_from TEXT,
                sha256 TEXT, updated_at TEXT, extra TEXT, ord SERIAL,
                {outside_edits.COUNT} INTEGER, {outside_edits.AT} TIMESTAMPTZ)"""))
        if not self._table_exists(con, CATALOG_HISTORY_TABLE):
            con.execute(text(
            f"""CREATE TABLE IF NOT EXISTS {self._t(CATALOG_HISTORY_TABLE)} (
                layer_id TEXT, n INTEGER, meta TEXT, PRIMARY KEY (layer_id, n))"""))
        self._add_catalog_trigger(con)

    def _ensure_meta_first(self) -> None:
        """:meth:`_ensure_meta_tables` in a short transaction of its own, before a long write. Bringing an
        older store up to date adds catalog columns (``ALTER TABLE``: a lock every reader waits for) and
        must not hold that lock while layers load: a push, which reads the target's catalog on another
        connection as it goes, waited on its own transaction for good, and every desk reading the store
        with it. Asked once per write: the long write relies on it, and adds only the edit marks of the
        tables it makes itself (:meth:`_add_edit_marks`)."""
        with self._connect(transaction=True) as con:
            self._ensure_meta_tables(con)

    def _add_catalog_trigger(self, con) -> None:
        """The catalog table made to notify its changes (:mod:`.catalog_watch`), unless it does; and the
        layer tables made to mark an edit outside dcf in the catalog (:meth:`_add_edit_marks`)."""
        from sqlalchemy import text

        # two writers finding it missing at once (two imports into an older store, a desk starting): one adds it
        con.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"{self.schema}.{catalog_watch.TRIGGER}"})
        if con.execute(text(catalog_watch.trigger_state_sql(":t")), {"t": self._t(CATALOG_TABLE)}).first() is None:
            # (when there, also disabled by an administrator: never replaced, see trigger_sql)
            for sql in catalog_watch.trigger_sql(_q(self.schema), _q(CATALOG_TABLE)):
                con.execute(text(sql))
        self._add_edit_marks(con)

    def _missing_edit_marks_sql(self) -> str:
        """A query (parameters ``:s``, the schema, and ``:fn``, the function) answering one row per missing
        piece of the edit marks (:mod:`.outside_edits`): a catalog column, the function, a layer table
        without the trigger."""
        table = _layer_table_sql("CAST(:s AS TEXT)")
        cols = " UNION ALL ".join(
            f"SELECT 'column={c}' WHERE NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema=:s "
            f"AND table_name='{CATALOG_TABLE}' AND column_name='{c}')" for c in outside_edits.COLUMNS)
        return (f"{cols} UNION ALL SELECT 'function' WHERE to_regprocedure(:fn) IS NULL "
                # an older store's function, which let any session skip the mark: replaced (outside_edits)
                f"UNION ALL SELECT 'function=stale' FROM pg_proc WHERE oid = to_regprocedure(:fn) "
                f"AND strpos(prosrc, '{outside_edits.STALE_FUNCTION}') > 0 "
                f"UNION ALL SELECT 'table=' || c.id FROM {self._t(CATALOG_TABLE)} c WHERE {table} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = {table} "
                f"AND t.tgname = '{outside_edits.TRIGGER}')")

    def _add_edit_marks(self, con, also: tuple = ()) -> None:
        """What makes an edit of a layer table outside dcf show in its catalog row (:mod:`.outside_edits`),
        added where missing: the catalog's columns, the trigger function, the trigger of each layer table the
        catalog names, and of the layers ``also`` (tables this transaction has just made, before their catalog
        rows are written: the rows stay locked only from then to the commit). Each piece in a savepoint that waits
        at most 2 s for its lock (a QGIS session holding a layer table open in a transaction): one that
        cannot be added now is left for the next write, and the write goes on. Never replaces a trigger."""
        from sqlalchemy import text

        params = {"s": self.schema, "fn": f"{self._t(outside_edits.TRIGGER)}()"}
        missing = [r[0] for r in con.execute(text(self._missing_edit_marks_sql()), params).all()]
        # only the trigger of a table missing (not the whole mark: a store made before it): it was dropped, and
        # what was written meanwhile is unknown
        dropped = not any(_marks_nothing(m) for m in missing)
        missing += [f"table={lid}" for lid in also if f"table={lid}" not in missing]
        if not missing:
            return
        old = con.execute(text("SELECT current_setting('lock_timeout')")).scalar()
        for item in missing:
            kind, _, name = item.partition("=")
            try:
                with con.begin_nested():
                    con.execute(text("SET LOCAL lock_timeout = '2s'"))
                    if kind == "column":
                        con.execute(text(f"ALTER TABLE {self._t(CATALOG_TABLE)} ADD COLUMN IF NOT EXISTS "
                                         f"{_q(name)} {outside_edits.COLUMN_TYPES[name]}"))
                    elif kind == "function":
                        con.execute(text(outside_edits.function_sql(_q(self.schema), CATALOG_TABLE)))
                    elif con.execute(text(f"SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(:t) AND tgname = "
                                          f"'{outside_edits.TRIGGER}'"), {"t": self._t(name)}).first() is None:
                        con.execute(text(outside_edits.trigger_sql(_q(self.schema), _q(name))))
                        if dropped and name not in also:
                            self._mark_edited_outside(con, [name])
            except Exception:  # noqa: BLE001 - no right, or a lock held too long: left for the next write
                logger.warning("PostGIS 图层库 %s：未能为 %s 添加“在 dcf 之外编辑”的记录触发器（稍后的写入会再试）",
                               self.label, name or kind)
                logger.debug("adding %s failed", item, exc_info=True)
        con.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": old})

    def _mark_edited_outside(self, con, layer_ids) -> None:
        """Mark layers as edited outside dcf (:mod:`.outside_edits`) because their table's trigger was dropped
        or disabled for a while: the edits made then left no mark, so the content can no longer be vouched for
        (breaker F1: a desk answered from the layers it had read before, for good). Written in the catalog, the
        mark reaches every desk worker (the catalog's trigger), every check's notes and the doctor."""
        from sqlalchemy import text

        c = outside_edits.COUNT
        con.execute(text(f"UPDATE {self._t(CATALOG_TABLE)} SET {c} = coalesce({c}, 0) + 1, {outside_edits.AT} = now() "
                         "WHERE id = ANY(:ids)"), {"ids": list(layer_ids)})
        logger.warning("PostGIS 图层库 %s：图层表 %s 的“在 dcf 之外编辑”触发器曾被删除或停用，期间的直接编辑无从得知："
                       "已在图层目录中记为在 dcf 之外编辑（内容与登记版本相同时，dcf layers push --overwrite 或重新导入即清除）",
                       self.label, "、".join(layer_ids))

    def mark_edited_outside(self, layer_ids) -> None:
        """:meth:`_mark_edited_outside` in a transaction of its own (a desk's watch saw a trigger come back)."""
        with self._connect(transaction=True) as con:
            self._mark_edited_outside(con, layer_ids)

    def lacks_edit_marks(self) -> bool:
        """Whether any piece of the edit marks is missing (a store made by an older version; asked once
        by a desk as it starts watching, which then adds them: :meth:`add_catalog_trigger`)."""
        import psycopg

        try:
            return bool(self._missing_edit_marks())
        except psycopg.errors.UndefinedTable:
            return False

    def _missing_edit_marks(self) -> list[str]:
        """The missing pieces of the edit marks (``column=…``, ``function``, ``table=…``), read on the read pool."""
        sql = self._missing_edit_marks_sql().replace(":s", "%(s)s").replace(":fn", "%(fn)s")
        rows = self._read_rows(sql, {"s": self.schema, "fn": f"{self._t(outside_edits.TRIGGER)}()"})
        return [str(next(iter(r.values()))) for r in rows]

    def _layer_triggers(self) -> list[dict]:
        """One row per layer table (named by the catalog): ``id``, ``tgenabled`` of its trigger
        :data:`.outside_edits.TRIGGER` (``None``: none) and ``touch``, what moves whenever that trigger is
        dropped, made, disabled or enabled — the table's oid, the trigger's oid and the ``xmin`` of its
        ``pg_trigger`` row (:meth:`trigger_looks`)."""
        table = _layer_table_sql("%(s)s")
        return self._read_rows(
            f"SELECT c.id, t.tgenabled, CAST({table} AS OID) || ':' || coalesce(CAST(t.oid AS TEXT), '-') || ':' || "
            f"coalesce(CAST(t.xmin AS TEXT), '-') AS touch FROM {self._t(CATALOG_TABLE)} c LEFT JOIN pg_trigger t "
            f"ON t.tgrelid = {table} AND t.tgname = '{outside_edits.TRIGGER}' WHERE {table} IS NOT NULL ORDER BY c.ord",
            {"s": self.schema})

    def unwatched_layer_tables(self) -> list[str]:
        """The layer tables (named by the catalog) whose edits outside dcf would not be marked: no trigger
        :data:`.outside_edits.TRIGGER`, one an administrator disabled or set to replica mode, or the
        catalog without its columns or the function (then every layer table)."""
        return self.trigger_looks()[0]

    def lost_edit_triggers(self) -> list[str]:
        """The layer tables whose trigger :data:`.outside_edits.TRIGGER` was dropped or disabled in a store that
        has the rest of the edit marks (``[]`` in a store made before them: nothing was ever marked there)."""
        if any(_marks_nothing(m) for m in self._missing_edit_marks()):
            return []
        return self.unwatched_layer_tables()

    def trigger_looks(self) -> tuple[list[str], dict[str, str]]:
        """:meth:`unwatched_layer_tables` and ``{layer id: touch}`` from the same reading: a stamp of each layer
        table's trigger :data:`.outside_edits.TRIGGER` that changes whenever an administrator drops, re-adds,
        disables or enables it (``DISABLE``/``ENABLE TRIGGER`` rewrites its ``pg_trigger`` row; a new trigger
        has a new oid) — also when both happened between two looks — but not when dcf writes the layer (a
        new table: its oid leads the stamp)."""
        rows = self._layer_triggers()
        touches = {str(r["id"]): str(r["touch"]) for r in rows}
        missing = self._missing_edit_marks()
        if any(_marks_nothing(m) for m in missing):   # a column or the function: nothing is marked
            return [str(r["id"]) for r in rows], touches
        return [str(r["id"]) for r in rows if r["tgenabled"] not in catalog_watch.FIRING], touches

    def table_stamps(self, layer_ids) -> dict[str, str]:
        """``{layer id: stamp}`` of layer tables whose edits outside dcf no trigger marks (:meth:`unwatched_layer_tables`):
        the row count and the sum of the rows' creating transactions (``xmin``), in one query. Any committed
        write moves it (an ``UPDATE`` or ``INSERT`` makes rows of a new transaction, a ``DELETE`` changes the
        count, a ``TRUNCATE`` and reload both); a whole-table scan, asked per check only for such tables. A
        table gone meanwhile stamps every one as ``gone``."""
        import psycopg

        ids = list(layer_ids)
        if not ids:
            return {}
        sql = " UNION ALL ".join(
            f"SELECT %(n{i})s AS id, count(*) || ':' || coalesce(sum(CAST(CAST(xmin AS TEXT) AS BIGINT)), 0) AS stamp "
            f"FROM {self._t(lid)}" for i, lid in enumerate(ids))
        try:
            rows = self._read_rows(sql, {f"n{i}": lid for i, lid in enumerate(ids)})
        except psycopg.errors.UndefinedTable:
            return {lid: "gone" for lid in ids}
        return {str(r["id"]): str(r["stamp"]) for r in rows}

    def add_catalog_trigger(self) -> None:
        """:meth:`_add_catalog_trigger` in a transaction of its own: for a store made before the trigger
        existed; raises when the database user may not (each check then reads the catalog), or when
        the table is locked for more than 2 s (a desk never queues its users' reads behind it)."""
        from sqlalchemy import text

        with self._connect(transaction=True) as con:
            con.execute(text("SET LOCAL lock_timeout = '2s'"))
            self._add_catalog_trigger(con)

    # --- what is there ------------------------------------------------------------------------
    def exists(self) -> bool:
        with self._connect() as con:
            return self._table_exists(con, CATALOG_TABLE)

    def missing_message(self) -> str:
        return (
            f"PostGIS 图层库 {self.label} 中没有图层目录（缺少表 "
            f"{self.schema}.{CATALOG_TABLE}）。请先把默认图层复制进去："
            f"`dcf layers push --to '{self.label}'`。"
        )

    def _catalog_select(self, also: str = "", *, schema_param: str = "CAST(:s AS TEXT)") -> str:
        """``SELECT`` of the catalog's rows (:data:`_READ_COLUMNS` and :data:`COLUMNS_ALTERED`; table alias ``c``;
        the schema given by the parameter ``schema_param``, :func:`_layer_table_sql`). The edit marker's columns
        are read through ``to_jsonb`` of the row: NULL in a store made before them, and the same result type once a
        desk adds them (a prepared ``SELECT *`` on a pooled connection then fails with "cached plan must not change
        result type"); a table whose columns were altered outside dcf counts one edit more (:data:`COLUMNS_ALTERED`), and
        so does one that is not the table dcf wrote (:func:`replaced_sql`, :data:`.outside_edits.REPLACED`).
        ``also``: more columns (SQL; the layer table ``t.rel``, its shape ``d.shape``), read in the same query."""
        count, at = outside_edits.COUNT, outside_edits.AT
        marks = (f"{edit_count_sql(f'CAST(to_jsonb(c) ->> {chr(39)}{count}{chr(39)} AS INTEGER)', '(d.altered OR t.replaced)')} "
                 f"AS {count}, "
                 f"CAST(to_jsonb(c) ->> '{at}' AS {outside_edits.COLUMN_TYPES[at]}) AS {at}")
        # the table's columns in pg_attribute (system columns, attnum < 0, and dropped ones too): one index scan
        shape = (f"LEFT JOIN LATERAL (SELECT coalesce(count(DISTINCT CAST(a.xmin AS TEXT)) > 1, false) AS altered, "
                 "max(k.relfilenode) || ':' || md5(string_agg(concat_ws(' ', a.attnum, a.attname, a.atttypid, a.atttypmod, "
                 "a.attisdropped, a.xmin), ',' ORDER BY a.attnum)) AS shape FROM pg_attribute a JOIN pg_class k ON "
                 "k.oid = a.attrelid WHERE a.attrelid = t.rel) AS d ON true")
        # the table once per row, and whether it is the one dcf wrote (OFFSET 0: not pulled up, each worked out once)
        table = (f"CROSS JOIN LATERAL (SELECT rel, {replaced_sql('rel')} AS replaced FROM (SELECT "
                 f"{_layer_table_sql(schema_param)} AS rel OFFSET 0) AS r) AS t")
        return (f"SELECT {', '.join('c.' + col for col in CATALOG_COLUMNS)}, {marks}, d.altered AS {COLUMNS_ALTERED}, "
                f"t.replaced AS {outside_edits.REPLACED}{', ' + also if also else ''} FROM {self._t(CATALOG_TABLE)} AS c "
                f"{table} {shape}")

    def catalog_rows(self) -> "pd.DataFrame":
        """The catalog's rows: :data:`CATALOG_COLUMNS` and the edit marker (:mod:`.outside_edits`; empty in a
        store made before it, whose catalog has not the columns: :meth:`_catalog_select`)."""
        import pandas as pd
        from sqlalchemy import text

        with self._connect() as con:
            if not self._table_exists(con, CATALOG_TABLE):
                return pd.DataFrame(columns=list(_READ_COLUMNS))
            return pd.read_sql_query(text(f"{self._catalog_select()} ORDER BY ord"), con, params={"s": self.schema})

    def catalog_dicts(self, *, present: bool = False) -> dict[str, dict]:
        """``{layer id: catalog row}`` in one query, rows as :meth:`catalog_entry` gives them and :data:`TABLE_OID`,
        the oid of the layer's table (``None``: dropped outside dcf, ``DROP TABLE`` in psql, which changes nothing
        else of the catalog; a new oid: dropped and made again), from the same read — what a desk keys its prepared
        layers by (``queries/site/context.py``), so that no check answers from a dropped table. Read once per
        :func:`one_catalog_read` scope. With ``present`` only the layers whose table is there."""
        import psycopg

        scope = getattr(_ONE_READ, "rows", None)
        key = None if scope is None else (self.url_text, self.schema)
        if scope is not None and key in scope:
            return _present(scope[key]) if present else scope[key]
        # a desk keeps the rows between the catalog's changes (told by the database: catalog_watch) and for
        # at most catalog_watch.MAX_AGE_S (a DROP TABLE tells nothing: seen when they are read again)
        watch = None if getattr(_ONE_READ, "fresh", False) else catalog_watch.watch_of(self)
        out = None if watch is None else watch.current()
        if out is not None:
            if scope is not None:
                scope[key] = out
            return _present(out) if present else out
        ticket = None if watch is None else watch.ticket()
        # one round trip (on the read pool): asked on every site check (the desk's cache key, the layer
        # versions a recorded check used); a schema without a catalog answers "undefined table", which is
        # the same as asking first
        try:
            rows = self._read_rows(f"{self._catalog_select(_TABLE_COLUMNS, schema_param='%(s)s')} ORDER BY ord",
                                   {"s": self.schema})
        except psycopg.errors.UndefinedTable:
            return {}
        out = {str(r["id"]): dict(r) for r in rows}
        if watch is not None:
            watch.keep(ticket, out)
        if scope is not None:
            scope[key] = out
        return _present(out) if present else out

    def layer_state(self, layer_id: str) -> dict | None:
        """The catalog row of ``layer_id`` as :meth:`catalog_dicts` gives it (with :data:`TABLE_OID` and
        :data:`TABLE_SHAPE`) read now — never a kept read — and :data:`ROW_XMIN`, the transaction that last wrote
        the row: every import, reset and marked edit outside dcf writes it, so two equal states bracket a read of
        the layer that saw no write (a reset may bring back the same row and table, never the same ``xmin``).
        ``None``: no such row or no table."""
        import psycopg

        try:
            rows = self._read_rows(f"{self._catalog_select(_TABLE_COLUMNS + ', CAST(c.xmin AS TEXT) AS ' + ROW_XMIN, schema_param='%(s)s')} "
                                   "WHERE c.id = %(id)s", {"s": self.schema, "id": layer_id})
        except psycopg.errors.UndefinedTable:
            return None
        return dict(rows[0]) if rows and rows[0][TABLE_OID] is not None else None

    def catalog_entry(self, layer_id: str) -> dict | None:
        import psycopg
        from sqlalchemy import text
        from sqlalchemy.exc import ProgrammingError

        try:
            with self._connect() as con:
                row = con.execute(text(f"{self._catalog_select()} WHERE id=:id"),
                                  {"id": layer_id, "s": self.schema}).mappings().first()
        except ProgrammingError as exc:   # asked, not looked up first: a schema dropped in between is no catalog
            if isinstance(exc.orig, psycopg.errors.UndefinedTable):
                return None
            raise
        return None if row is None else dict(row)

    def history_entries(self, layer_id: str) -> dict[int, dict]:
        from sqlalchemy import text

        with self._connect() as con:
            if not self._table_exists(con, CATALOG_HISTORY_TABLE):
                return {}
            rows = con.execute(text(f"SELECT n, meta FROM {self._t(CATALOG_HISTORY_TABLE)} "
                                    "WHERE layer_id=:id ORDER BY n"), {"id": layer_id}).all()
        return {int(n): json.loads(meta) for n, meta in rows}

    def has_layer(self, layer_id: str) -> bool:
        """Whether the catalog names ``layer_id`` AND its table exists: a table dropped outside dcf (psql, QGIS's
        DB manager) keeps its catalog row, and reading it would end in a database error (as GpkgStore.has_layer)."""
        from sqlalchemy import text

        if self.catalog_entry(layer_id) is None:
            return False
        with self._connect() as con:
            return con.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": self._t(layer_id)}).scalar()

    def table_names(self) -> list[str]:
        from sqlalchemy import text

        with self._connect() as con:
            rows = con.execute(text("SELECT f_table_name FROM geometry_columns WHERE f_table_schema=:s "
                                    "ORDER BY f_table_name"), {"s": self.schema}).all()
        return [r[0] for r in rows]

    def feature_counts(self) -> dict[str, tuple[int, str | None]]:
        from sqlalchemy import text

        with self._connect() as con:
            types = dict(con.execute(text(
                "SELECT f_table_name, type FROM geometry_columns WHERE f_table_schema=:s"), {"s": self.schema}).all())
            names = [n for n in types if not n.startswith(HISTORY_PREFIX) and not n.startswith("_tmp__")]
            if not names:
                return {}
            sql = " UNION ALL ".join(
                f"SELECT CAST(:n{i} AS TEXT) AS name, count(*) AS n FROM {self._t(name)}" for i, name in enumerate(names))
            counts = con.execute(text(sql), {f"n{i}": name for i, name in enumerate(names)}).all()
        return {name: (int(n), _OGR_TYPE.get(str(types[name]).upper(), str(types[name]))) for name, n in counts}

    # --- reading ------------------------------------------------------------------------------
    def read_table(self, table: str, *, bbox: tuple | None = None) -> "gpd.GeoDataFrame":
        """Read one layer table; ``bbox`` (EPSG:4490) becomes an indexed ``ST_Intersects`` filter in PostGIS."""
        import geopandas as gpd
        from sqlalchemy import text

        with self._connect() as con:
            cols = [r[0] for r in con.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema=:s AND table_name=:t "
                "ORDER BY ordinal_position"), {"s": self.schema, "t": table}).all()]
            where, params = "", {}
            if bbox is not None:
                x0, y0, x1, y1 = (float(v) for v in bbox)
                where = (f" WHERE ST_Intersects({_q(GEOMETRY_COLUMN)}, "
                         f"ST_MakeEnvelope(:x0, :y0, :x1, :y1, {STORAGE_SRID}))")
                params = {"x0": x0, "y0": y0, "x1": x1, "y1": y1}
            order = f" ORDER BY {_q(ORDER_COLUMN)}" if ORDER_COLUMN in cols else ""
            select = ", ".join(_q(c) for c in cols if c != ORDER_COLUMN)
            gdf = gpd.read_postgis(text(f"SELECT {select} FROM {self._t(table)}{where}{order}"), con,
                                   geom_col=GEOMETRY_COLUMN, params=params)
            text_cols = {r[0] for r in con.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema=:s AND table_name=:t "
                "AND data_type IN ('text', 'character varying')"), {"s": self.schema, "t": table}).all()}
        return _string_dtypes(gdf, text_cols)

    # --- writing ------------------------------------------------------------------------------
    def _load_temp(self, con, gdf, layer_id: str) -> str:
        """Write ``gdf`` to a fresh temporary table (same transaction); return its name.

        Not ``GeoDataFrame.to_postgis``: its ``COPY … CSV`` turns empty strings into NULL
        (geopandas issue #2588), and the GeoPackage keeps them apart. The same public pieces are
        used instead — pandas ``to_sql`` creates the table with a GeoAlchemy2 ``Geometry`` column
        (and its GiST index), and rows go in with psycopg's ``COPY`` in text format, which keeps
        ``None`` and ``""`` distinct.
        """
        import shapely
        from geoalchemy2 import Geometry

        tmp = f"_tmp__{layer_id}__{uuid.uuid4().hex[:8]}"
        out = gdf
        if out.geometry.name != GEOMETRY_COLUMN:
            out = out.rename_geometry(GEOMETRY_COLUMN)
        out = _promote_to_multi(out).reset_index(drop=True)
        geoms = out.geometry.values
        types = sorted(set(out.geom_type.dropna()))
        gtype = types[0].upper() if len(types) == 1 else "GEOMETRY"
        if shapely.has_z(geoms).any():
            gtype += "Z"
        table = out.drop(columns=GEOMETRY_COLUMN)
        table.insert(0, ORDER_COLUMN, range(len(out)))
        table[GEOMETRY_COLUMN] = shapely.to_wkb(shapely.set_srid(geoms, STORAGE_SRID), hex=True,
                                                include_srid=True)
        table.to_sql(tmp, con, schema=self.schema, if_exists="fail", index=False, method=_copy_rows,
                     dtype={GEOMETRY_COLUMN: Geometry(geometry_type=gtype, srid=STORAGE_SRID)})
        return tmp

    def _rename(self, con, old: str, new: str) -> None:
        """Rename a table and its indexes (GeoAlchemy2 names the GiST index after the table)."""
        from sqlalchemy import text

        indexes = [r[0] for r in con.execute(text(
            "SELECT indexname FROM pg_indexes WHERE schemaname=:s AND tablename=:t"), {"s": self.schema, "t": old}).all()]
        con.execute(text(f"ALTER TABLE {self._t(old)} RENAME TO {_q(new)}"))
        for idx in indexes:
            if old in idx:
                name = idx.replace(old, new, 1)[:63]
                if con.execute(text("SELECT to_regclass(:n)"), {"n": self._t(name)}).scalar() is not None:
                    # the name is another table's: one renamed away outside dcf keeps its index (breaker2 N3)
                    name = f"{name[:54]}_{uuid.uuid4().hex[:8]}"
                con.execute(text(f"ALTER INDEX {self._t(idx)} RENAME TO {_q(name)}"))

    def _drop(self, con, table: str) -> None:
        from sqlalchemy import text

        con.execute(text(f"DROP TABLE IF EXISTS {self._t(table)}"))

    def _upsert_row(self, con, row: dict) -> None:
        """Write a layer's catalog row. Its edit marker (:mod:`.outside_edits`) is the row's own: none for
        an import (the layer's content is now a version dcf recorded), the kept one for a reset to a
        version that had been edited outside dcf, the source's for a push. Its ``extra`` records the oid of the
        layer's table as it is now (:data:`.outside_edits.TABLE_OID`): the table dcf has just written."""
        from sqlalchemy import bindparam, text

        cols = [c for c in CATALOG_COLUMNS if c in row or c == "extra"]
        values = {c: row.get(c) for c in cols}
        # the table dcf wrote, so that one made outside dcf under its name is seen (replaced_sql)
        oid = con.execute(text("SELECT CAST(to_regclass(:t) AS OID)"), {"t": self._t(row["id"])}).scalar()
        values["extra"] = with_extra(row.get("extra"), **{outside_edits.TABLE_OID: oid})
        if con.execute(text("SELECT count(*) FROM information_schema.columns WHERE table_schema=:s AND table_name=:t "
                            "AND column_name IN :cols").bindparams(bindparam("cols", expanding=True)),
                       {"s": self.schema, "t": CATALOG_TABLE, "cols": list(outside_edits.COLUMNS)}
                       ).scalar() == len(outside_edits.COLUMNS):
            cols += list(outside_edits.COLUMNS)
            values.update(outside_edits.db_values(row))
        updates = ", ".join(f"{c}=EXCLUDED.{c}" for c in cols if c != "id")
        con.execute(text(
            f"INSERT INTO {self._t(CATALOG_TABLE)} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}"), values)

    def _put_history_meta(self, con, layer_id: str, n: int, meta: dict) -> None:
        from sqlalchemy import text

        con.execute(text(f"DELETE FROM {self._t(CATALOG_HISTORY_TABLE)} WHERE layer_id=:id AND n=:n"),
                    {"id": layer_id, "n": n})
        con.execute(text(f"INSERT INTO {self._t(CATALOG_HISTORY_TABLE)} VALUES (:id, :n, :meta)"),
                    {"id": layer_id, "n": n, "meta": json.dumps(meta, ensure_ascii=False, default=str)})

    def _lock_layer(self, con, layer_id: str, expected_version: int | None) -> None:
        """Serialise writers of one layer and refuse a write based on a version that has changed.

        Two users importing the same layer at once would otherwise both keep "the previous
        version" under the same history number. The lock is held until the transaction ends.
        """
        from sqlalchemy import text

        con.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"dcf:{self.schema}.{layer_id}"})
        current = con.execute(text(f"SELECT version FROM {self._t(CATALOG_TABLE)} WHERE id=:id"),
                              {"id": layer_id}).scalar()
        if current != expected_version:
            raise InputError(
                f"写入期间，{self.label} 中的图层 {layer_id!r} 已被他人修改"
                f"（开始时为第 {expected_version} 版，现为第 {current} 版）；本次未作任何改动。请重新运行该命令。"
            )

    def commit_layer(self, gdf, layer_id: str, row: dict, *, archive: int | None = None,
                     archive_meta: dict | None = None, expected_version: int | None = None) -> None:
        """Write ``gdf`` as ``layer_id`` with catalog ``row``, in one transaction.

        With ``archive=n`` the current table becomes ``_history__<id>__<n>`` (catalog row
        ``archive_meta``); otherwise it is dropped. ``expected_version`` is the catalog version
        the caller based ``row`` on (``None``: a new layer); a different one refuses the write.
        """
        from sqlalchemy import text

        self._ensure_meta_first()
        with self._connect(transaction=True) as con:
            tmp = self._load_temp(con, gdf, layer_id)  # the long part, before taking the lock
            self._lock_layer(con, layer_id, expected_version)
            if self._table_exists(con, layer_id):
                if archive is not None:
                    self._rename(con, layer_id, history_table(layer_id, archive))
                    self._put_history_meta(con, layer_id, archive, archive_meta or {})
                else:
                    self._drop(con, layer_id)
            self._rename(con, tmp, layer_id)
            con.execute(text(f"ANALYZE {self._t(layer_id)}"))
            self._add_edit_marks(con, also=(layer_id,))   # the new table's trigger
            self._upsert_row(con, row)
        logger.debug("Committed layer %s to %s", layer_id, self.label)

    def commit_layers(self, writes) -> None:
        """Write several layers (:class:`~.base.LayerWrite`, e.g. a push) in ONE transaction.

        Every new table (layers and the kept versions that come with them) is loaded under a temporary
        name first — the long part, taking no lock a reader waits for; then the layers are locked in id
        order (each one's version checked as in :meth:`commit_layer`), the tables switched and the
        catalog rows written, and the transaction commits. Readers see the old set until that commit
        and the new set after it (the catalog's trigger sends one notice); a failure, or the process
        killed, at any point leaves the store as it was (the server rolls the transaction back)."""
        from sqlalchemy import text

        self._ensure_meta_first()
        with self._connect(transaction=True) as con:
            staged = []
            for w in writes:
                tmp = self._load_temp(con, w.read(), w.layer_id)
                kept = [(n, self._load_temp(con, read(), history_table(w.layer_id, n)), meta)
                        for n, read, meta in w.history]
                staged.append((w, tmp, kept))
            for w, _, _ in sorted(staged, key=lambda s: s[0].layer_id):   # one order: two pushes never deadlock
                self._lock_layer(con, w.layer_id, w.expected_version)
            for w, tmp, kept in staged:
                lid = w.layer_id
                if self._table_exists(con, lid):
                    if w.archive is not None:
                        self._rename(con, lid, history_table(lid, w.archive))
                        self._put_history_meta(con, lid, w.archive, w.archive_meta or {})
                    else:
                        self._drop(con, lid)
                self._rename(con, tmp, lid)
                con.execute(text(f"ANALYZE {self._t(lid)}"))
                for n, table, meta in kept:
                    self._drop(con, history_table(lid, n))
                    self._rename(con, table, history_table(lid, n))
                    self._put_history_meta(con, lid, n, meta)
            self._add_edit_marks(con, also=tuple(w.layer_id for w, _, _ in staged))   # the new tables' triggers
            for w, _, _ in staged:   # last: the catalog's rows are locked only from here to the commit
                self._upsert_row(con, w.row)
        logger.debug("Committed %d layers to %s in one transaction", len(staged), self.label)

    def put_history(self, layer_id: str, n: int, gdf, meta: dict) -> None:
        """Store ``gdf`` as kept version ``n`` of ``layer_id`` (used when copying a store)."""
        with self._connect(transaction=True) as con:
            self._ensure_meta_tables(con)
            tmp = self._load_temp(con, gdf, history_table(layer_id, n))
            self._drop(con, history_table(layer_id, n))
            self._rename(con, tmp, history_table(layer_id, n))
            self._put_history_meta(con, layer_id, n, meta)

    def restore_layer(self, layer_id: str, n: int, row: dict, *, expected_version: int | None = None) -> int:
        """Make kept version ``n`` the current ``layer_id`` again (catalog ``row``); return its size."""
        from sqlalchemy import text

        with self._connect(transaction=True) as con:
            self._lock_layer(con, layer_id, expected_version)
            self._drop(con, layer_id)
            self._rename(con, history_table(layer_id, n), layer_id)
            self._add_edit_marks(con, also=(layer_id,))   # a kept version made before the trigger existed has none
            self._upsert_row(con, row)
            con.execute(text(f"DELETE FROM {self._t(CATALOG_HISTORY_TABLE)} WHERE layer_id=:id AND n=:n"),
                        {"id": layer_id, "n": n})
            count = con.execute(text(f"SELECT count(*) FROM {self._t(layer_id)}")).scalar()
        return int(count)
