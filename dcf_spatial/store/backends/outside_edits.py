"""Was a layer table of a PostGIS store edited outside dcf (QGIS, SQL typed in psql)?

A desk keys its prepared layers and a recorded check names its layer versions by the catalog
(``dcf_catalog``: each layer's version, import hash, time of writing). An edit made straight in a layer
table changes none of it: the desk went on answering from the geometry it had read, and its workers
disagreed. So every layer table dcf manages gets a statement trigger (:data:`TRIGGER`) that writes, in
that layer's catalog row, that it was changed outside dcf: :data:`COLUMNS` — a count of the writing
statements since dcf last wrote the layer, and the time of the last one. Being an ``UPDATE`` of the
catalog, it fires the catalog's own trigger (:mod:`.catalog_watch`), which tells every desk; the marker
is part of the desk's cache key and of what a check records, so the next check reads the table again and
says that it answers from an unversioned edit.

dcf's own writes are no edits without any exemption: they load new tables and rename them, and never
insert, update, delete or truncate a table that has the trigger. So the trigger skips nothing (breaker F14:
it once skipped transactions that set ``dcf.writing``, a setting any database user may set, to edit a layer
unmarked); the function of a store made then is replaced by the next dcf write, desk start or
``dcf layers doctor --repair`` (:data:`STALE_FUNCTION`). A later import or reset of the layer writes the catalog
row anew, without the marker (or with the one its kept version carried).

The function runs as its owner (``SECURITY DEFINER``, fixed ``search_path``): a QGIS user allowed to edit
a layer table need not be allowed to write the catalog.
"""

from __future__ import annotations

import datetime as _dt

#: name of the trigger on each layer table (and of its function, in the store's schema)
TRIGGER = "dcf_layer_edited"
#: the session setting the trigger function of older stores let skip the mark (any role may set a custom
#: setting): such a function is replaced (``pg_proc.prosrc`` containing it)
STALE_FUNCTION = "dcf.writing"
#: the catalog columns the trigger writes: writing statements since dcf last wrote the layer, and the last one's time
COUNT, AT = "outside_edits", "edited_outside_at"
COLUMNS = (COUNT, AT)
COLUMN_TYPES = {COUNT: "INTEGER", AT: "TIMESTAMPTZ"}
#: what a PostGIS catalog read adds to a row: the layer table's columns altered outside dcf (DDL: no trigger fires)
ALTERED = "columns_altered"
#: and whether the layer table is not the one dcf wrote (renamed away and another made under its name: ``CREATE TABLE
#: … AS``, a ``pg_restore`` of one table), by the table oid dcf records in the catalog row's ``extra`` (:data:`TABLE_OID`)
REPLACED = "table_replaced"
#: the key of a PostGIS catalog row's ``extra`` holding the oid of the table dcf wrote for the layer (written with
#: every import, reset and push; a store written before names none, and no table of it counts as replaced until then)
TABLE_OID = "table_oid"


def function_sql(schema_q: str, catalog_table: str) -> str:
    """The trigger function (``schema_q`` a quoted identifier; replaces an older one). The catalog's schema is the edited
    table's (``TG_TABLE_SCHEMA``) and the row the table's name: a layer table renamed to a kept version
    (``_history__…``) names no catalog row, and one restored by ``reset`` names its layer again."""
    return f"""CREATE OR REPLACE FUNCTION {schema_q}.{TRIGGER}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            EXECUTE format('UPDATE %I.%I SET {COUNT} = coalesce({COUNT}, 0) + 1, {AT} = now() WHERE id = $1',
                           TG_TABLE_SCHEMA, '{catalog_table}') USING TG_TABLE_NAME;
            RETURN NULL;
        END $$"""


def trigger_sql(schema_q: str, table_q: str) -> str:
    """The statement trigger on one layer table (for a table that has none of that name: an
    administrator's own — disabled, say — is never replaced)."""
    return (f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {schema_q}.{table_q} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {schema_q}.{TRIGGER}()")


def count_of(row: dict | None) -> int:
    """How many writing statements outside dcf the catalog row counts (0: none since dcf wrote it)."""
    v = (row or {}).get(COUNT)
    try:
        return 0 if v is None or v != v else int(v)   # NaN from a pandas frame
    except (TypeError, ValueError):
        return 0


def when_zh(value) -> str:
    """The time of the last edit as the reports show it (local time, to the second), or ``时间不明``."""
    if value is None or value != value or value == "":
        return "时间不明"
    if isinstance(value, str):
        try:
            value = _dt.datetime.fromisoformat(value)
        except ValueError:
            return value[:19]
    if hasattr(value, "to_pydatetime"):   # a pandas Timestamp (a catalog read as a frame)
        value = value.to_pydatetime()
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def marker(row: dict | None) -> dict | None:
    """``{"edits": n, "at": time text, "altered": bool, "replaced": bool}`` of a catalog row edited outside dcf, else
    ``None`` (``altered``: the table's columns were altered, :data:`ALTERED`; ``replaced``: the table is not the one dcf
    wrote, :data:`REPLACED`; either counted as one edit)."""
    n = count_of(row)
    flags = {"altered": (row or {}).get(ALTERED) is True, "replaced": (row or {}).get(REPLACED) is True}
    return {"edits": n, "at": when_zh((row or {}).get(AT)), **flags} if n else None


def rows_written(mark: dict) -> int:
    """How many of a mark's edits wrote rows (the DDL flags of :func:`marker` count one edit that wrote none)."""
    return mark["edits"] - bool(mark.get("altered") or mark.get("replaced"))


def at_zh(mark: dict) -> str:
    """``于 <time> `` of an edit mark, or nothing when its time is unknown (DDL alone leaves none)."""
    return "" if mark["at"] == when_zh(None) else f"于 {mark['at']} "


def sentence_zh(layer_id: str, title_zh: str, mark: dict) -> str:
    """What a check's notes and the doctor say of an edited layer."""
    name = f"“{title_zh}”（{layer_id}）" if title_zh and title_zh != layer_id else f" {layer_id} "
    how = ("；其数据表的列定义（坐标系、几何类型或列名）被 ALTER TABLE、UpdateGeometrySRID 等语句改动过" if mark.get("altered")
           else "")
    how += ("；其数据表已不是 dcf 写入的那张，而是在 dcf 之外另建的同名表（如原表被改名后 CREATE TABLE … AS、用 pg_restore 恢复单表）"
            if mark.get("replaced") else "")
    how += "，这类改动不触发编辑记录，时间无从得知" if how else ""
    return f"图层{name}{at_zh(mark)}在 dcf 之外被直接编辑（未经导入，无版本记录{how}）"


def unwatched_sentence_zh(layers, *, gpkg: bool = False) -> str:
    """What a check's notes say of layers (``(id, title)`` pairs) whose table has lost :data:`TRIGGER` (``gpkg``: a
    GeoPackage layer table without the triggers of :mod:`.gpkg_edits` yet), and the fix."""
    names = "、".join(f"“{t}”（{lid}）" if t and t != lid else lid for lid, t in layers)
    if gpkg:
        from .names import GPKG_EDITS_TABLE as GPKG_COUNTS

        return (f"图层{names}的数据表还没有记录“在 dcf 之外编辑”的触发器，或其计数行（{GPKG_COUNTS} 表中）已不在"
                "（较早版本生成的图层库，或该表在 dcf 之外被清空、重建），在 QGIS、sqlite3 等 dcf 之外"
                "对它的直接编辑不会记入图层目录，本次核查所依据的该图层内容可能不是任何已登记的版本。补上触发器："
                "dcf layers doctor --repair（任一次导入、登记核查或启动工作台也会补上）。")
    return (f"图层{names}的数据表没有或停用了触发器 {TRIGGER}，此后在 dcf 之外（QGIS、psql 等）对它的直接编辑不会被发现、"
            "也不会记入图层目录，本次核查所依据的该图层内容可能不是任何已登记的版本。补上被删除的触发器："
            f"dcf layers doctor --repair；管理员停用的须由管理员执行 ALTER TABLE 图层表 ENABLE TRIGGER {TRIGGER}。")


def db_values(row: dict) -> dict:
    """The marker columns of ``row`` as written with it (``None`` when it has none: a fresh import)."""
    n = count_of(row)
    at = row.get(AT)
    if not n or at is None or at != at or at == "":
        at = None
    elif not isinstance(at, (str, _dt.datetime)):
        at = str(at)
    return {COUNT: n or None, AT: at if n else None}
