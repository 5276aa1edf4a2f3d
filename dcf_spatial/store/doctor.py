"""Is the layer store sound, and how to get it back when it is not: :func:`diagnose`, :func:`repair`,
:func:`backup` and :func:`restore` (``dcf layers doctor [--repair]``, ``dcf layers backup -o FILE``,
``dcf layers restore FILE``).

What is checked (each finding says what is wrong and the way out, in Chinese):

* the file itself (GeoPackage): empty, not SQLite, or ``PRAGMA integrity_check`` failing — only a
  backup brings it back (:func:`restore`), or rebuilding the defaults (``dcf layers build``);
* the catalog against the tables: a catalog row without its table, a kept version without its
  table, a layer table the catalog does not know;
* working copies left by a killed import (``.<stem>.<id>.tmp.gpkg``) — removed by :func:`repair`
  (and by the next import, which holds the writers' lock);
* a ``dcf layers rederive`` that did not finish (:func:`dcf_spatial.store.rederive.unfinished`) —
  :func:`repair` runs it again, which finishes it;
* a layer table edited outside dcf (QGIS, psql, sqlite3) since dcf wrote it (:mod:`.backends.outside_edits`,
  :mod:`.backends.gpkg_edits`), or whose edits would go unmarked (no trigger):
  named with the time, and the two ways back to a recorded version (import the edited layer, or reset);
* layers keyed to a parent layer (functional parks → their cluster, :mod:`dcf_spatial.store.nesting`) whose
  features lie outside their parent: one layer replaced without the other — not repairable here, the
  finding names the features, the 亩 outside and the layer to import.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import itertools
import logging
import os
import shutil
import sqlite3
import uuid
from pathlib import Path

from ..errors import InputError, StoreError
from . import catalog
from .backends import CATALOG_HISTORY_TABLE, CATALOG_TABLE, HISTORY_PREFIX, as_pg_url
from .backends.gpkg import SQLITE_HEADER, broken_message, file_problem, orphan_copies, readonly_message

logger = logging.getLogger(__name__)

#: tables that are no layers: GeoPackage/SQLite internals, the check register (dcf_spatial.register) and the
#: count of edits outside dcf (backends/gpkg_edits.py)
_SYSTEM_PREFIXES = ("gpkg_", "rtree_", "sqlite_", "gpkgext_", "dcf_register", "dcf_layer_edits")


def _finding(kind: str, text_zh: str, fix_zh: str, *, repairable: bool) -> dict:
    return {"kind": kind, "problem_zh": text_zh, "fix_zh": fix_zh, "repairable": repairable}


def _integrity(path: Path) -> list[str]:
    """``PRAGMA integrity_check`` of a SQLite file, read-only: ``["ok"]`` or the problems found."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            return [str(r[0]) for r in con.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]


def _file_findings(path: Path, label: str) -> list[dict]:
    problem = file_problem(path)
    if problem is None:
        rows = _integrity(path)
        if rows != ["ok"]:
            problem = "SQLite 完整性检查未通过：" + "；".join(rows[:3])
    if problem is None:
        return []
    from .backends.stray_wal import wal_mismatch_zh

    # a -wal copied in from another store (breaker F10): never rebuild; a desk's own beside a replaced main file (F9)
    if said := wal_mismatch_zh(path, problem):
        return [_finding("damaged", *said, repairable=False)]
    return [_finding("damaged", f"图层库文件已损坏（{problem}）",
                     "用备份恢复：dcf layers restore 备份.gpkg；没有备份时删除该文件并运行 dcf layers build 重新生成默认图层"
                     "（此前导入的图层会丢失）", repairable=False)]


def _table_findings(st, location=None) -> list[dict]:
    rows = st.catalog_rows()
    tables = set(st.table_names())
    out = []
    known = set(rows["id"].astype(str))
    for lid in sorted(known - tables):
        # deleted outside dcf (QGIS, GDAL, DROP TABLE): the way back true for this store (as a check's reason says)
        from ..queries.site.layer_gaps import fix_zh

        out.append(_finding("catalog_without_table", f"目录中有图层 {lid}，但图层库中没有它的数据表（在 dcf 之外被删除）",
                            fix_zh(lid, location) + "；或用备份恢复（dcf layers restore 备份.gpkg）", repairable=False))
    for lid, n in ((str(r["id"]), int(r["history"] or 0)) for r in rows.to_dict(orient="records")):
        kept = st.history_entries(lid)
        for k in range(1, n + 1):
            if k not in kept or f"{HISTORY_PREFIX}{lid}__{k}" not in tables:
                out.append(_finding("history_missing", f"图层 {lid} 的第 {k} 个保留版本缺失（reset 无法恢复到它）",
                                    "用备份恢复（dcf layers restore 备份.gpkg）", repairable=False))
    for t in sorted(tables - known):
        if t.startswith(HISTORY_PREFIX) or t in (CATALOG_TABLE, CATALOG_HISTORY_TABLE) or t.startswith(_SYSTEM_PREFIXES):
            continue
        out.append(_finding("table_without_catalog", f"数据表 {t} 不在图层目录中（不会被任何命令使用）",
                            "如为误导入，可忽略；需要它时用 dcf layers import 重新导入", repairable=False))
    return out


def diagnose(store=None) -> dict:
    """Check the layer store; every finding with what is wrong and the way out.

    Parameters
    ----------
    store
        A GeoPackage path or ``postgresql://`` URL; ``None`` is the active store.

    Returns
    -------
    dict
        ``store`` (its label), ``ok`` (no finding), ``findings`` (each ``kind``, ``problem_zh``,
        ``fix_zh``, ``repairable``: what :func:`repair` fixes).

    Examples
    --------
    >>> from dcf_spatial.store import doctor
    >>> doctor.diagnose()["ok"]  # doctest: +SKIP
    True
    """
    from . import rederive

    location = catalog.resolve_store(store)
    st = catalog.open_store(location)
    findings: list[dict] = []
    if as_pg_url(location) is None:
        path = Path(location)
        orphans = orphan_copies(path)
        if orphans:
            size = sum(p.stat().st_size for p in orphans) / 1e6
            findings.append(_finding("orphan_copies", f"{len(orphans)} 个中断的导入或推送留下的临时副本（共 {size:,.1f} MB；图层库未受影响）："
                                     + "、".join(p.name for p in orphans[:5]),
                                     "dcf layers doctor --repair 删除（下一次导入或推送也会删除）", repairable=True))
        if not path.exists():
            findings.append(_finding("missing", st.missing_message(), "dcf layers build 或 dcf layers restore 备份.gpkg",
                                     repairable=False))
            return {"store": st.label, "ok": False, "findings": findings}
        damaged = _file_findings(path, st.label)
        if damaged:
            return {"store": st.label, "ok": False, "findings": damaged + findings}
    findings.extend(_table_findings(st, location))
    gone = _empty_findings(st, location) + _health_findings(st, location)
    findings.extend(gone)
    # the children of an emptied or missing parent layer: one line right after its cause (not one per park)
    nested = _nesting_findings(location, gone={f["layer"] for f in gone if "layer" in f})
    findings.extend(f for f in nested if f["kind"] == "children_without_parent")
    findings.extend(_edit_findings(st, gone={f["layer"]: f for f in gone if "layer" in f}))
    left = rederive.unfinished(location)
    if left is not None:
        todo = [lid for lid in left.get("planned", []) if lid not in left.get("done", [])]
        findings.append(_finding("rederive_unfinished",
                                 f"上次 dcf layers rederive（{left.get('started') or '时间不明'}）未完成：已写入 "
                                 f"{'、'.join(left.get('done', [])) or '无'}，未写入 {'、'.join(todo) or '不明'}",
                                 "dcf layers doctor --repair 或再运行一次 dcf layers rederive 补完", repairable=True))
    findings.extend(f for f in nested if f["kind"] != "children_without_parent")
    return {"store": st.label, "ok": not findings, "findings": findings}


def _empty_findings(st, location) -> list[dict]:
    """Layers with no feature (emptied outside dcf: TRUNCATE in psql, every feature deleted in QGIS) and
    site-check layers the store lacks: a check that needs one gives no verdict (queries/site/layer_gaps.py)."""
    from ..queries.site.context import FRAME_LAYERS, ZONE_LAYERS
    from ..queries.site.layer_gaps import fix_zh, sentence_zh, title_of

    rows = {str(r["id"]): r for r in st.catalog_rows().to_dict(orient="records")}
    counts = st.feature_counts()
    out = []
    for lid in [lid for lid in FRAME_LAYERS + ZONE_LAYERS if lid not in rows]:
        out.append(dict(_finding("layer_missing", sentence_zh(lid, title_of(lid), "missing") + "；依赖它的选址核查无法给出结论",
                                 fix_zh(lid, location), repairable=False), layer=lid))
    for lid, row in rows.items():
        if lid in counts and counts[lid][0] == 0:
            out.append(dict(_finding("layer_empty", sentence_zh(lid, str(row.get("title_zh") or title_of(lid)), "empty")
                                     + ("；依赖它的选址核查无法给出结论" if lid in FRAME_LAYERS + ZONE_LAYERS else ""),
                                     fix_zh(lid, location), repairable=False), layer=lid))
    return out


#: the doctor's finding kind of each problem of store/layer_health.py (every geometry empty is an empty layer)
HEALTH_KINDS = {"no_geometry": "layer_empty", "null_geometry": "layer_null_geometry", "wrong_type": "layer_wrong_type",
                "wrong_crs": "layer_wrong_crs", "unreadable": "layer_unreadable", "missing_fields": "layer_missing_fields"}


def _health_findings(st, location) -> list[dict]:
    """Layers with rows that a check cannot reason from (store/layer_health.py): every geometry empty or NULL, a
    feature without geometry, another geometry type or CRS than the store's, a table that cannot be read, invalid
    polygons; and district area that no township or development-zone unit covers. A broken layer is repaired by
    :func:`repair` when the store keeps a sound earlier version or the package ships the layer (the version it
    replaces is kept as the last; :func:`_reset_broken`); invalid features and a frame gap are the editor's to mend."""
    from ..crs import to_working
    from ..errors import LayerUnreadableError
    from ..queries.site.context import FRAME_LAYERS, ZONE_LAYERS
    from ..queries.site.layer_gaps import fix_zh, kept_version, sentence_zh, title_of
    from . import layer_health

    counts = st.feature_counts()
    out, frame = [], {}
    for row in st.catalog_rows().to_dict(orient="records"):
        lid = str(row["id"])
        title = str(row.get("title_zh") or title_of(lid))
        if lid not in set(st.table_names()) or counts.get(lid, (1,))[0] == 0:
            continue   # no table or no row: _table_findings, _empty_findings say so
        try:
            health = layer_health.assess(catalog.read_layer(lid, store=location), lid)
        except LayerUnreadableError as exc:
            health = layer_health.Health("unreadable", exc.cause_zh, None)
        needed = "；依赖它的选址核查无法给出结论" if lid in FRAME_LAYERS + ZONE_LAYERS else ""
        if health.problem:
            special = layer_health.FIX_ZH.get(health.problem)
            fixable = not special and (kept_version(lid, location) is not None or catalog.default_entry(lid) is not None)
            out.append(dict(_finding(HEALTH_KINDS[health.problem], sentence_zh(lid, title, health.problem, health.detail_zh)
                                     + needed, special.format(lid=lid) if special else fix_zh(lid, location) + ("；dcf layers doctor --repair 自动恢复（被替换的内容保留为"
                                                                        "该图层的一个保留版本）" if fixable else ""),
                                     repairable=fixable), layer=lid))
            continue
        if health.invalid:
            out.append(dict(_finding("layer_invalid_geometry", sentence_zh(lid, title, "", "；".join(
                f"{f['feature_zh']}的几何无效（{f['reason_zh']}）" for f in health.invalid))
                + ("；选址核查在内存中修复后使用，位于其外接范围内的场地无法给出结论" if needed else ""),
                "在 QGIS 等软件中修复这些要素（“修复几何图形”）后用 dcf layers import 导入；不要这些修改时：" + fix_zh(lid, location),
                repairable=False), feature_layer=lid))
        if lid in FRAME_LAYERS:
            frame[lid] = to_working(health.gdf).geometry.values
    if len(frame) == len(FRAME_LAYERS):
        district, *units = FRAME_LAYERS
        gap = layer_health.frame_gap(frame[district], [g for u in units for g in frame[u]])
        if gap is not None:
            out.append(_finding("frame_gap", layer_health.frame_gap_zh(gap) + "；位于该处的场地选址核查无法给出结论",
                                "检查镇（街道）与开发区托管单元图层：" + "；".join(fix_zh(u, location) for u in units),
                                repairable=False))
    return out


def _reset_broken(lid: str, location) -> str:
    """Bring a broken layer back: to the kept version when the store has a sound one, else to the shipped default
    (:func:`~dcf_spatial.store.catalog.reset_to_default`, which keeps the replaced content as a version)."""
    from ..queries.site.layer_gaps import kept_version

    kept = kept_version(lid, location)
    if kept is not None:
        catalog.reset_layer(lid, store=location)
        return f"已将图层 {lid} 恢复到保留的第 {kept.get('version', '?')} 版"
    catalog.reset_to_default(lid, store=location)
    return f"已将图层 {lid} 恢复为随软件附带的默认版本（被替换的内容保留为一个版本，dcf layers reset {lid} 可回到它）"


def _edit_findings(st, gone=None) -> list[dict]:
    """Layers whose table was edited outside dcf (QGIS, psql, sqlite3) since dcf last wrote them: the content
    checks use is no version dcf recorded (:mod:`.backends.outside_edits`). Not repairable here: the
    edit may be wanted (import it) or not (go back to a kept version). A layer in ``gone`` (``{id: its
    empty-layer finding}``) was emptied by that edit: the fact is added to that finding, whose way out
    (get the layer back) stands; importing the edit, the way out here, would keep the empty layer."""
    from .backends import outside_edits

    out = []
    bare = st.unwatched_layer_tables()
    # some tables lack them while others have them: those were rewritten outside dcf (GDAL/QGIS overwrite), not an
    # older store's (breaker F8)
    replaced = bare and st.kind == "gpkg" and len(bare) < len(set(st.catalog_rows()["id"].astype(str)) & set(st.table_names()))
    why = ("（这些数据表在 dcf 之外被重建或覆盖写入，如 GDAL、QGIS 的覆盖保存，触发器随之丢失；或 dcf_layer_edits 表在 dcf 之外被清空、重建）"
           if replaced else "（较早版本生成的图层库，或 dcf_layer_edits 表在 dcf 之外被清空、重建）")
    if bare and st.kind == "gpkg":   # a store made before the triggers (backends/gpkg_edits.py): --repair adds them
        out.append(_finding("edits_unwatched", f"{len(bare)} 个图层表还没有记录“在 dcf 之外编辑”的触发器，或其计数行"
                            f"（dcf_layer_edits 表中）已不在{why}："
                            + "、".join(bare[:8]) + ("等" if len(bare) > 8 else "") + "；在 QGIS、sqlite3 等 dcf 之外对它们的直接"
                            "编辑不会记入图层目录，此前已作的这类编辑也无从查知（选址核查因此在图层库文件每次改动后都重新读取图层）",
                            "dcf layers doctor --repair（或任一次导入、登记核查、启动工作台）补上触发器；怀疑此前有人在 dcf 之外"
                            "编辑过时，用 dcf layers export 导出核对，或用备份恢复", repairable=True))
    elif bare:
        # a dropped trigger (or the whole mark missing) is added back by --repair; a disabled one is the administrator's
        dropped = bool(st.lacks_edit_marks())
        out.append(_finding("edits_unwatched", f"{len(bare)} 个图层表在 QGIS、psql 等 dcf 之外直接编辑时不会被发现（没有或停用了"
                            f"触发器 {outside_edits.TRIGGER}）：" + "、".join(bare[:8]) + ("等" if len(bare) > 8 else ""),
                            "dcf layers doctor --repair（或启动工作台 dcf serve、任一次导入、恢复、推送）补上缺少的触发器"
                            "（需建表者的权限）；管理员停用的不会被替换，"
                            f"需要时由管理员执行 ALTER TABLE 图层表 ENABLE TRIGGER {outside_edits.TRIGGER}", repairable=dropped))
    if st.kind != "gpkg" and "function=stale" in st._missing_edit_marks():   # breaker F14
        out.append(_finding("edit_marks_stale", "图层表的“在 dcf 之外编辑”记录触发器函数是旧版本：任何数据库用户在事务中执行 "
                            f"SET LOCAL {outside_edits.STALE_FUNCTION} = 'on' 后对图层表的直接编辑都不会被记录",
                            "dcf layers doctor --repair（或启动工作台 dcf serve、任一次导入、恢复、推送）更新该函数（需建表者的权限）",
                            repairable=True))
    for row in st.catalog_rows().to_dict(orient="records"):
        mark = outside_edits.marker(row)
        if mark is None:
            continue
        lid = str(row["id"])
        if lid in (gone or {}):
            gone[lid]["problem_zh"] += f"（{outside_edits.at_zh(mark)}在 dcf 之外被直接编辑，未经导入，无版本记录）"
            continue
        back = (f"；不要这些修改时用 dcf layers reset {lid} 恢复到上一个保留版本（第 {int(row['history'])} 个）"
                if int(row.get("history") or 0) else "；该图层没有保留的早期版本，不要这些修改时用备份恢复（dcf layers restore 备份）"
                "或重新导入原始文件")
        writes = outside_edits.rows_written(mark)   # an altered or replaced table (DDL) counts one edit that wrote none
        count = f"（{writes} {'行次写入' if st.kind == 'gpkg' else '条写入语句'}）" if writes else ""
        out.append(_finding("edited_outside", outside_edits.sentence_zh(lid, str(row.get("title_zh") or lid), mark)
                            + f"{count}；此后的核查依据编辑后的内容，但它不是任何已登记的版本",
                            f"导入修改后的图层以建立版本记录：dcf layers export {lid} -o {lid}.gpkg，再 dcf layers import "
                            f"{lid} {lid}.gpkg" + back, repairable=False))
    return out


def _nesting_findings(location, *, gone=frozenset()) -> list[dict]:
    """A parent/child pair of layers that disagree (parks outside their cluster): one finding per child layer.
    The children of a parent layer in ``gone`` (emptied or missing: its own finding says so and how to get it
    back) make one finding per parent, counted and named in short — not one line per park, and not the way
    out of a mismatch (importing new parks), which would be the wrong fix."""
    from . import nesting

    rows = nesting.store_children_outside(location)
    out = []
    orphaned = [r for r in rows if r["parent_layer"] in gone]
    for parent in dict.fromkeys(r["parent_layer"] for r in orphaned):
        mine = [r for r in orphaned if r["parent_layer"] == parent]
        out.append(dict(_finding("children_without_parent", nesting.orphans_zh(mine), nesting.orphans_fix_zh(mine),
                                 repairable=False), layer=parent))
    rows = [r for r in rows if r["parent_layer"] not in gone]
    for lid in dict.fromkeys(r["layer"] for r in rows):
        mine = [r for r in rows if r["layer"] == lid]
        out.append(_finding("child_outside_parent", f"上下级图层不一致：{mine[0]['layer_zh']}（{lid}）中"
                            f"{nesting.summary_zh(mine)}：" + "；".join(r["text_zh"] for r in mine),
                            nesting.fix_zh(mine), repairable=False))
    return out


def repair(store=None) -> dict:
    """Fix what :func:`diagnose` marks repairable: remove a killed import's copies, finish a rederive, add
    the PostGIS layer tables' dropped edit-mark triggers (:mod:`.backends.outside_edits`).

    Nothing else is touched; a damaged file is restored from a backup (:func:`restore`), never patched.

    Returns
    -------
    dict
        ``store``, ``repaired`` (Chinese lines, one per fix) and ``remaining`` (findings left,
        as :func:`diagnose` gives them).

    Examples
    --------
    >>> from dcf_spatial.store import doctor
    >>> doctor.repair()["remaining"]  # doctest: +SKIP
    []
    """
    from . import rederive

    location = catalog.resolve_store(store)
    before = diagnose(location)
    done = []
    for f in before["findings"]:
        if f["kind"] == "orphan_copies":
            for p in orphan_copies(Path(location)):
                p.unlink(missing_ok=True)
            done.append("已删除中断的导入或推送留下的临时副本")
        elif f["kind"] == "rederive_unfinished":
            summary = rederive.rederive_zones(store=location)
            written = [e["layer"] for e in summary["layers"] if e["status"] == "written"]
            done.append(f"已补完 rederive（本次写入：{'、'.join(written) or '无，均已是最新'}）")
        elif f["kind"] in HEALTH_KINDS.values() and f["repairable"]:
            done.append(_reset_broken(f["layer"], location))
        elif f["kind"] in ("edits_unwatched", "edit_marks_stale") and f["repairable"]:
            catalog.open_store(location).add_catalog_trigger()   # adds every missing piece of the edit marks, replaces none
            done.append("已为图层表补上“在 dcf 之外编辑”的记录触发器和计数行")
    after = diagnose(location)
    logger.info("Repaired %s: %s", after["store"], "; ".join(done) or "nothing to repair")
    return {"store": after["store"], "repaired": done, "remaining": after["findings"]}


def _check_backup_file(path: Path) -> None:
    problem = file_problem(path)
    if problem is None and not path.exists():
        problem = "文件不存在"
    if problem is None:
        rows = _integrity(path)
        if rows != ["ok"]:
            problem = "SQLite 完整性检查未通过：" + "；".join(rows[:3])
    if problem is None:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            has = con.execute("SELECT 1 FROM sqlite_master WHERE name=?", (CATALOG_TABLE,)).fetchone()
        if not has:
            problem = f"不是图层库（没有 {CATALOG_TABLE} 目录表）"
    if problem:
        raise InputError(f"{path}：不能用作图层库备份（{problem}）。请换一个由 dcf layers backup 写出的文件。")


def backup(output, *, store=None, overwrite: bool = False) -> Path:
    """Write a complete copy of the layer store (every layer, kept version and catalog row) to ``output``.

    A GeoPackage store is copied with SQLite's online backup (consistent even while others read it)
    and checked; a PostGIS store is copied layer by layer into a new GeoPackage.

    Parameters
    ----------
    output
        The backup file (``.gpkg``).
    store
        The store; ``None`` is the active store.
    overwrite
        Replace an existing ``output``.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> from dcf_spatial.store import doctor
    >>> doctor.backup("图层库备份.gpkg")  # doctest: +SKIP
    PosixPath('图层库备份.gpkg')
    """
    from ..errors import about

    output = Path(output)
    if output.suffix.lower() != ".gpkg":
        raise InputError(f"{output}：备份请写成 .gpkg 文件。")
    location = catalog.resolve_store(store)
    if as_pg_url(location) is None and output.resolve() == Path(location).resolve():
        raise InputError(f"{output} 就是图层库本身；请把备份写到另一个文件。")
    if output.exists() and not overwrite:
        raise about("overwrite", InputError(f"{output} 已存在；要替换须允许覆盖（overwrite）。"))
    st = catalog.open_store(location)
    tmp = output.with_name(f".{output.stem}.{uuid.uuid4().hex[:8]}.tmp.gpkg")
    try:
        if as_pg_url(location) is None:
            damaged = _file_findings(Path(location), st.label) if Path(location).exists() else []
            if damaged or not Path(location).exists():
                raise StoreError(broken_message(st.label, damaged[0]["problem_zh"]) if damaged else st.missing_message())
            with contextlib.closing(sqlite3.connect(f"file:{location}?mode=ro", uri=True)) as src, \
                    contextlib.closing(sqlite3.connect(tmp)) as dst:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")   # one self-contained file, also from a desk's WAL store
        else:
            catalog.copy_store(location, tmp)
        _check_backup_file(tmp)
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    logger.info("Backed up %s to %s", st.label, output)
    return output


def restore(file, *, store=None) -> dict:
    """Make the backup ``file`` the layer store again; the store it replaces is kept beside it.

    A GeoPackage store is replaced in one atomic step (under the writers' lock); the file it
    replaces — damaged or not — is kept as ``<stem>.before-restore-<time>.gpkg``. A PostGIS store
    gets every layer of the backup in one transaction (its own versions kept as history).

    Parameters
    ----------
    file
        A backup written by :func:`backup` (or any sound dcf GeoPackage store).
    store
        The store to restore; ``None`` is the active store.

    Returns
    -------
    dict
        ``store``, ``restored_from``, ``kept`` (the replaced file, or ``None``) and ``layers``.

    Examples
    --------
    >>> from dcf_spatial.store import doctor
    >>> doctor.restore("图层库备份.gpkg")["layers"]  # doctest: +SKIP
    """
    from .locate import writable_location

    file = Path(file)
    _check_backup_file(file)
    location = writable_location(catalog.resolve_store(store))
    if as_pg_url(location) is not None:
        res = catalog.copy_store(file, location, overwrite=True)
        return {"store": res["target"], "restored_from": str(file), "kept": None,
                "layers": [e["id"] for e in res["layers"]] + res["unchanged"]}   # an unchanged layer is restored too
    target = Path(location)
    if target.exists() and file.resolve() == target.resolve():
        raise InputError(f"{file} 就是图层库本身，无需恢复。")
    target.parent.mkdir(parents=True, exist_ok=True)
    kept = None
    tmp = target.with_name(f".{target.stem}.{uuid.uuid4().hex[:8]}.tmp.gpkg")
    try:
        shutil.copyfile(file, tmp)
        with _lock(target):
            kept = _kept_name(target) if target.exists() else None
            from .backends.gpkg import copy_consistent, file_lock, is_wal, replace_contents

            if is_wal(target):
                # a running desk keeps it in WAL mode (backends/gpkg_wal.py): its last commits are in -wal, and
                # the file must not be swapped under the desk's connections — copied out and in by SQLite
                with file_lock(target):
                    if kept is not None:
                        copy_consistent(target, kept)
                    replace_contents(target, tmp)
            else:
                if kept is not None:
                    shutil.copy2(target, kept)  # the replaced store, damaged or not: nothing lost
                os.replace(tmp, target)
    except BaseException as exc:
        if kept is not None and kept.exists() and kept.stat().st_size == 0:
            kept.unlink()   # the name reserved for a copy never made
        if isinstance(exc, OSError) and exc.errno in (1, 13, 30):
            raise StoreError(readonly_message(str(target), exc.strerror or str(exc))) from None
        raise
    finally:
        for side in ("", "-wal", "-shm", "-journal"):
            Path(f"{tmp}{side}").unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(f"file:{target}?mode=ro", uri=True)) as con:
        layers = [r[0] for r in con.execute(f"SELECT id FROM {CATALOG_TABLE} ORDER BY rowid")]
    logger.info("Restored %s from %s (previous file kept as %s)", target, file, kept)
    return {"store": str(target), "restored_from": str(file), "kept": str(kept) if kept else None, "layers": layers}


def _kept_name(target: Path) -> Path:
    """A new file beside ``target`` for the store a restore replaces, ``<stem>.before-restore-<time>[-n].gpkg``,
    made empty here so that no other restore takes it: two restores within one second once wrote the second
    kept copy over the first (the store the first replaced was lost)."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in itertools.count(1):
        name = target.with_name(f"{target.stem}.before-restore-{stamp}{'' if n == 1 else f'-{n}'}.gpkg")
        try:
            os.close(os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            continue
        return name
    raise AssertionError("unreachable")


@contextlib.contextmanager
def _lock(path: Path):
    """The writers' lock of a GeoPackage store (as imports take it); none when the file is absent."""
    import fcntl

    if not path.exists():
        yield
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


__all__ = ["backup", "diagnose", "repair", "restore", "SQLITE_HEADER"]
