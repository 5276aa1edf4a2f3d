"""Was a layer table of a GeoPackage store edited outside dcf (``sqlite3``, QGIS, ogr2ogr)?

The GeoPackage counterpart of :mod:`.outside_edits` (PostGIS). What identifies a GeoPackage store's layers for
the caches of what is read from it (:func:`.gpkg.content_stamp`: the in-process layer reads, the site check's
prepared context in memory and on disk, the audits' zones) is each table's ``gpkg_contents.last_change`` and the
catalog. GDAL sets ``last_change`` when it writes; a ``DELETE`` typed in ``sqlite3`` changes neither, and every
cache went on answering from the deleted features (QA F1).

So every layer table dcf manages gets three row triggers (:func:`trigger_sql`: after ``INSERT``, ``UPDATE`` and
``DELETE``; GeoPackage itself keeps its R-tree indexes with triggers, so GDAL and QGIS keep them) that count
the table's written rows in :data:`TABLE` (``edits``) and note the time. dcf's own writes replace a layer table
whole through GDAL (the new table has no trigger yet), then note the count they leave (``seen``,
:func:`written`) and add the triggers again: ``edits - seen`` rows written outside dcf since. The counts are part
of the content stamp (an edit refreshes every cache) and, as ``outside_edits`` / ``edited_outside_at``, of the
layer's catalog row as the store reads it (:func:`marks_sql`): a check says so exactly as on PostGIS.

A store made before the triggers gets them on dcf's first write into it (an import, a recorded check, a desk
starting, ``dcf layers doctor --repair``). Until then an edit outside dcf cannot be told from dcf's own register
writes: such a table is "unwatched" (:func:`unwatched`), and the content stamp then follows the file's
every commit (its change counter) instead of the layers' — never stale, only read again more often; the doctor
and each check say that edits are not recorded. (``PRAGMA data_version`` does not help here: it is per
connection and tells only that some other connection committed, as the file's change counter already does.)
"""

from __future__ import annotations

import sqlite3

#: the table counting each layer table's rows written (by anyone) and those dcf knows of
from .names import GPKG_EDITS_TABLE as TABLE  # (a shared name: outside_edits says it too)
#: the name of a layer table's trigger for one operation: ``dcf_layer_edited_<op>__<table>``
TRIGGER_PREFIX = "dcf_layer_edited_"
OPERATIONS = ("insert", "update", "delete")
#: the tag of a content stamp's last part naming the unwatched layer tables (:func:`.gpkg.content_stamp`)
UNWATCHED = "unwatched"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def trigger_name(table: str, op: str) -> str:
    return f"{TRIGGER_PREFIX}{op}__{table}"


def table_sql() -> str:
    return (f"CREATE TABLE IF NOT EXISTS {TABLE} (table_name TEXT PRIMARY KEY, edits INTEGER NOT NULL DEFAULT 0, "
            "seen INTEGER NOT NULL DEFAULT 0, edited_at TEXT)")


def trigger_sql(table: str, op: str) -> str:
    """One row trigger of ``table``: counts the row in :data:`TABLE` and notes the time (UTC, ISO)."""
    return (f"CREATE TRIGGER IF NOT EXISTS {_q(trigger_name(table, op))} AFTER {op.upper()} ON {_q(table)} BEGIN "
            f"UPDATE {TABLE} SET edits = edits + 1, edited_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') "
            f"WHERE table_name = {_lit(table)}; END")


def _has(con: sqlite3.Connection, kind: str, name: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type=? AND name=?", (kind, name)).fetchone() is not None


def stored_sql(table: str, op: str) -> str:
    """The text SQLite keeps in ``sqlite_master.sql`` for :func:`trigger_sql` (it drops ``IF NOT EXISTS``)."""
    return trigger_sql(table, op).replace("CREATE TRIGGER IF NOT EXISTS ", "CREATE TRIGGER ", 1)


def _sound(con: sqlite3.Connection, table: str, op: str) -> bool | None:
    """Whether ``table``'s trigger for ``op`` is dcf's own, on that table (``None``: no trigger of that name). A
    trigger of that name on another table (the layer table renamed away and made again: SQLite moves triggers
    with a renamed table, breaker2 N1) or with another body (breaker2 N2) counts nothing of ``table``."""
    row = con.execute("SELECT tbl_name, sql FROM sqlite_master WHERE type='trigger' AND name=?",
                      (trigger_name(table, op),)).fetchone()
    return None if row is None else _is_own(row, table, op)


def _is_own(found: tuple, table: str, op: str) -> bool:
    """Whether a trigger found as ``(tbl_name, sql)`` in ``sqlite_master`` is dcf's for ``table`` and ``op``."""
    return tuple(found) == (table, stored_sql(table, op))


def watch(con: sqlite3.Connection, tables) -> list[str]:
    """Add what is missing for ``tables`` (existing layer tables) to mark edits outside dcf; return those
    that got a trigger or their row back. A table first seen counts nothing (``edits = seen``); a table counted
    before whose triggers are gone, or whose triggers are there but its row is not, is marked edited outside
    dcf (its edits in the gap are unknown). Inside the caller's transaction."""
    con.execute(table_sql())
    added = []
    for t in tables:
        if not _has(con, "table", t):
            continue
        counted = con.execute(f"SELECT 1 FROM {TABLE} WHERE table_name = ?", (t,)).fetchone() is not None
        con.execute(f"INSERT OR IGNORE INTO {TABLE} (table_name) VALUES (?)", (t,))
        sound = {op: _sound(con, t, op) for op in OPERATIONS}
        missing = [op for op in OPERATIONS if not sound[op]]
        for op in missing:
            if sound[op] is False:   # not dcf's trigger, or on another table: replaced by dcf's
                con.execute(f"DROP TRIGGER {_q(trigger_name(t, op))}")
            con.execute(trigger_sql(t, op))
        # triggers there but no row to count in (TABLE emptied or made again outside dcf, breaker F3): they were
        # dcf's, so the table was watched — and what was written since the row went was counted by nothing
        lost_row = not counted and len(missing) < len(OPERATIONS)
        if (missing and counted) or lost_row:
            # watched before, its triggers gone since (dropped, or the table replaced through GDAL/QGIS): what was
            # written meanwhile went uncounted, so the layer is marked edited outside dcf (as on PostGIS, a
            # trigger back after a gap; breaker N1/N2) — dcf's own write clears the mark at once (written)
            con.execute(f"UPDATE {TABLE} SET edits = edits + 1, edited_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') "
                        "WHERE table_name = ?", (t,))
        if missing or lost_row:
            added.append(t)
    return added


def written(con: sqlite3.Connection, table: str) -> None:
    """dcf has just written ``table`` (replaced it through GDAL): what it holds is no edit outside dcf. Its
    triggers are added again (the replaced table took them along) and its count is noted as seen."""
    watch(con, [table])
    con.execute(f"UPDATE {TABLE} SET seen = edits, edited_at = NULL WHERE table_name = ?", (table,))


def watch_catalog(con: sqlite3.Connection, catalog_table: str) -> list[str]:
    """:func:`watch` every layer table the catalog names (a store made before the triggers)."""
    if not _has(con, "table", catalog_table):
        return []
    return watch(con, [str(r[0]) for r in con.execute(f"SELECT id FROM {catalog_table} ORDER BY rowid")])


def unwatched(con: sqlite3.Connection, catalog_table: str) -> list[str]:
    """The layer tables (named by the catalog, present in the file) whose edits would go unmarked: lacking a
    trigger, or their row in :data:`TABLE` (the table emptied or made again by hand: each trigger's ``UPDATE``
    then matches no row and counts nothing, breaker F3). One pass over the schema and one over :data:`TABLE`."""
    tables, bare = schema_look(con, catalog_table)
    return bare + uncounted(con, [t for t in tables if t not in bare])


def schema_look(con: sqlite3.Connection, catalog_table: str) -> tuple[list[str], list[str]]:
    """``(layer tables, those lacking a trigger)``: the catalog's ids present as tables in the file, and of them
    those whose edits no trigger counts. Changes only with the schema (``PRAGMA schema_version``) or the
    catalog's rows; one pass over the schema."""
    rows = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('table', 'trigger')").fetchall()
    names = {r[1] for r in rows if r[0] == "table"}
    if catalog_table not in names:
        return [], []
    # a trigger counts only when it is dcf's own on its table (:func:`_sound`, breaker2 N1/N2)
    triggers = {r[1]: (r[2], r[3]) for r in rows if r[0] == "trigger"}
    ids = [str(r[0]) for r in con.execute(f"SELECT id FROM {catalog_table} ORDER BY rowid")]
    tables = [t for t in ids if t in names]
    return tables, [t for t in tables
                    if not all(trigger_name(t, op) in triggers and _is_own(triggers[trigger_name(t, op)], t, op)
                               for op in OPERATIONS)]


def uncounted(con: sqlite3.Connection, tables) -> list[str]:
    """Of ``tables``, those without their row in :data:`TABLE` (all of them when the table is gone): their
    triggers' ``UPDATE … WHERE table_name = …`` counts nothing. Asked at every reading of the counts (a
    ``DELETE FROM dcf_layer_edits`` changes no schema)."""
    if not tables:
        return []
    try:
        rows = con.execute(f"SELECT table_name FROM {TABLE}").fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        rows = None
    return without_row(tables, rows)


def without_row(tables, rows) -> list[str]:
    """Of ``tables``, those without a row among ``rows`` (rows of :data:`TABLE`, the table name first; ``None``
    when the table is gone: all of them), as :func:`uncounted` answers from rows read already.

    Examples
    --------
    >>> without_row(["roads", "canal"], [("roads", 3, 3, None)])
    ['canal']
    >>> without_row(["roads"], None)
    ['roads']
    """
    have = {r[0] for r in rows or ()}
    return [t for t in tables if t not in have]


def marks_sql(catalog_table: str, where: str = "") -> str:
    """``SELECT`` of the catalog's rows with the edit marks of :mod:`.outside_edits` (``outside_edits``,
    ``edited_outside_at``: NULL when none), for a store whose :data:`TABLE` exists."""
    from .outside_edits import AT, COUNT

    return (f"SELECT c.*, CASE WHEN e.edits > e.seen THEN e.edits - e.seen END AS {COUNT}, "
            f"CASE WHEN e.edits > e.seen THEN e.edited_at END AS {AT} FROM {catalog_table} c "
            f"LEFT JOIN {TABLE} e ON e.table_name = c.id {where} ORDER BY c.rowid")
