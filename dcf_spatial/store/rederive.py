"""Which zones move when the bureau replaces a road, river or railway, and redrawing them.

The plan places several zones by a line — the grain zone is "梁水镇聊临路以东、马颊河以南"
(第八章第二节), the belts follow the canal, 京九铁路 and 湖南路 (第八章第三节). The default
layers draw those zones from hand-sketched lines (``dcf_spatial/store/sources/schematic_lines.geojson``).
After ``dcf layers import roads 道路.shp`` the store holds the bureau's roads, but the zones were
drawn from the sketch; :func:`rederive_zones` draws them again from the lines now in the store,
with the same build (:mod:`dcf_spatial.store.build`), and writes each zone layer that changed as a new version (the previous
one is kept for ``dcf layers reset``).

Lines are matched by ``id`` (``road.liaolin``, ``river.majia`` …, see ``dcf layers show roads``);
``line_ids`` maps a plan line to another id in the bureau's layer. A plan line the store does not
hold keeps its schematic sketch, and the summary says so.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from . import build, catalog
from .._killpoints import kill_point
from ..errors import InputError
from ..errors import about

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)

#: the store layers the build reads lines from
LINE_LAYERS = ("rivers", "roads", "railways")
#: layers never redrawn here: the lines themselves and layers that do not come from the lines
NOT_REDRAWN = set(LINE_LAYERS) | {"district", "canal", "townships", "other_units", "planning_area"}
#: how a redrawn layer's catalog ``source`` starts (to find it again)
REDRAWN_SOURCE = "layers/build_layers.py，按线重算"
#: two versions of a line closer than this (metres, Hausdorff) are the same line
SAME_LINE_M = 0.5
#: a stored zone within this many metres of the redrawn one (storage round trip) is already redrawn
SAME_SHAPE_M = 0.05


def _parse_line_ids(line_ids) -> dict[str, str]:
    """``{"road.liaolin": "G309"}`` from a dict or from ``["road.liaolin=G309", …]``."""
    if not line_ids:
        return {}
    if isinstance(line_ids, dict):
        return {str(k): str(v) for k, v in line_ids.items()}
    out = {}
    for item in line_ids:
        plan_id, sep, store_id = str(item).partition("=")
        if not sep or not plan_id.strip() or not store_id.strip():
            raise about("line_ids", InputError(f"{item!r}：请写成 规划线编号=图层中的编号，例如 road.liaolin=G309。"))
        out[plan_id.strip()] = store_id.strip()
    return out


def _store_lines(store) -> "gpd.GeoDataFrame":
    import pandas as pd

    from ..crs import to_working

    frames = []
    for layer_id in LINE_LAYERS:
        gdf = to_working(catalog.read_layer(layer_id, store=store))
        gdf["layer"] = layer_id
        frames.append(gdf)
    return pd.concat(frames, ignore_index=True)


def _matched_lines(sketch, stored, mapping: dict[str, str]) -> tuple["gpd.GeoDataFrame", list[dict]]:
    """The sketch's line table with each plan line the store holds swapped in; one row per plan line."""
    unknown = sorted(set(mapping) - set(sketch.index))
    if unknown:
        raise about("line_ids", InputError(f"没有规划线 {'、'.join(unknown)}；规划线编号为 {'、'.join(sketch.index)}。"))
    by_id = stored.drop_duplicates("id").set_index("id")
    lines, report = sketch.copy(), []
    for plan_id, row in sketch.iterrows():
        store_id = mapping.get(plan_id, plan_id)
        entry = {"line": plan_id, "name_zh": row["name_zh"], "layer": row["layer"], "store_id": store_id}
        if store_id not in by_id.index:
            present = sorted(stored.loc[stored["layer"] == row["layer"], "id"].astype(str))
            if plan_id in mapping:  # the user named an id that is not there: a typo, not a choice
                raise about("line_ids", InputError(f"{plan_id}={store_id}：图层 {row['layer']} 中没有编号 {store_id} 的线；"
                                 f"现有编号：{'、'.join(present[:20]) or '（无）'}。"))
            entry["status"] = "schematic_kept"
            entry["status_zh"] = (f"图层 {row['layer']} 中没有编号 {store_id} 的线，仍用示意线（现有编号："
                                  f"{'、'.join(present[:12]) or '无'}；若{row['name_zh'].replace('（示意）', '')}在图层中另有编号，"
                                  f"请加 --line {plan_id}=编号）")
        else:
            geom = by_id.loc[store_id, "geometry"]
            if geom is None or geom.is_empty:
                raise InputError(f"图层 {by_id.loc[store_id, 'layer']} 中编号 {store_id} 的线没有几何，无法重算；"
                                 "请重新导入该图层。")
            moved = geom.hausdorff_distance(row.geometry)
            entry["moved_m"] = round(float(moved), 1)
            entry["provenance"] = by_id.loc[store_id, "provenance"]
            entry["name_zh"] = by_id.loc[store_id, "name_zh"] or row["name_zh"]
            if moved <= SAME_LINE_M:
                entry["status"], entry["status_zh"] = "unchanged", "与示意线相同"
            else:
                entry["status"] = "replaced"
                entry["status_zh"] = f"采用图层库中的线（{entry['provenance']}），与示意线最远相差 {moved / 1000:.2f} km"
                lines.loc[plan_id, "geometry"] = geom
        report.append(entry)
    return lines, report


def _same_layer(a, b, *, tolerance: float = 1e-6) -> bool:
    """Same ids in the same order, and each shape within ``tolerance`` metres of the other
    (Hausdorff: vertex order and ring starts may differ after a storage round trip)."""
    if len(a) != len(b) or list(a["id"]) != list(b["id"]):
        return False
    return all(x.equals_exact(y, tolerance) or x.hausdorff_distance(y) <= tolerance
               for x, y in zip(a.geometry, b.geometry))


def _moved(current, new) -> dict:
    """How far a redrawn layer moved from the store's current version: 亩 changed per feature, or points moved."""
    from ..crs import m2_to_mu, to_working

    cur = to_working(current).set_index("id")
    out = {}
    for row in new.itertuples():
        old = cur.geometry.get(row.id)
        if old is None:
            out[row.name_zh] = "新增"
        elif row.geometry.geom_type.endswith("Polygon"):
            out[row.name_zh] = f"{float(m2_to_mu(old.symmetric_difference(row.geometry).area)):,.0f} 亩变动"
        else:
            out[row.name_zh] = f"移动 {old.distance(row.geometry):,.0f} m"
    return out


def journal_path(store) -> Path:
    """Where a running :func:`rederive_zones` records what it has written: beside a GeoPackage store
    (``.<stem>.rederive.json``), else in the per-user data folder, named by the store's label.

    The file exists only while a run writes layers; one left behind is a run that did not finish
    (``dcf layers doctor`` reports it; the next run of :func:`rederive_zones` finishes it).

    Examples
    --------
    >>> journal_path("/tmp/s.gpkg").name
    '.s.rederive.json'
    """
    import hashlib

    from .. import settings
    from .backends import as_pg_url

    location = catalog.resolve_store(store)
    if as_pg_url(location) is None:
        p = Path(location)
        return p.with_name(f".{p.stem}.rederive.json")
    label = catalog.open_store(location).label
    return Path(settings.user_store).parent / f"rederive-{hashlib.sha256(label.encode()).hexdigest()[:12]}.json"


def unfinished(store=None) -> dict | None:
    """The record of a :func:`rederive_zones` run on ``store`` that did not finish, or ``None``.

    Returns
    -------
    dict or None
        ``started`` (ISO time), ``planned`` (layer ids to write) and ``done`` (those written).

    Examples
    --------
    >>> unfinished("/tmp/never_used.gpkg") is None
    True
    """
    path = journal_path(store)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"started": None, "planned": [], "done": []}


def _journal(path: Path, record: dict) -> None:
    """Write the journal atomically (a half-written journal would itself be a lie)."""
    tmp = path.with_name(path.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def rederive_zones(*, store=None, line_ids=None, dry_run: bool = False) -> dict:
    """Redraw the zones placed by the plan's lines from the lines now in the layer store.

    Parameters
    ----------
    store
        A :class:`~dcf_spatial.store.Store`, GeoPackage path or ``postgresql://`` URL; default the
        active store, else ``settings.store``.
    line_ids
        Maps a plan line id to the id it has in the bureau's layer, e.g. ``{"road.liaolin": "G309"}``
        (or ``["road.liaolin=G309"]`` as the CLI passes it).
    dry_run
        Only report which layers would change and by how much.

    Returns
    -------
    dict
        ``lines`` (one entry per plan line: replaced / unchanged / schematic_kept), ``layers`` (one entry
        per redrawn layer: written / would_write / skipped_authoritative, with how much each feature
        moved) and ``notes``. Layers whose current version was imported by the bureau
        (provenance ``authoritative``) are never overwritten.

    Notes
    -----
    The layers are written one by one (each an atomic replacement with its previous version kept).
    While writing, a journal (:func:`journal_path`) records what is planned and done; a run that
    was killed leaves it, and the next run — which redraws from the same lines — finishes the job
    and says so. A layer already redrawn is found equal and not written twice.

    Examples
    --------
    >>> from dcf_spatial.store.rederive import rederive_zones
    >>> [e["layer"] for e in rederive_zones(dry_run=True)["layers"]]  # doctest: +SKIP
    []
    """
    from ..crs import to_working

    store = catalog.resolve_store(store)
    sketch = build.load_sources()["lines"]
    lines, line_report = _matched_lines(sketch, _store_lines(store), _parse_line_ids(line_ids))
    replaced = [e["line"] for e in line_report if e["status"] == "replaced"]
    summary = {"store": catalog.open_store(store).label, "lines": line_report, "layers": [], "dry_run": dry_run,
               "notes": ["重算的区仍为示意（schematic）：只有线换成了图层库中的版本，其余位置依据不变。"]}
    sketched = build.build_layers()
    redrawn = build.build_layers(lines=lines) if replaced else sketched
    # the zones that follow the lines: those the store's lines move, and those an earlier run redrew
    # (after `dcf layers reset roads` they go back to the sketch)
    sources = catalog.catalog_rows(store=store).set_index("id")["source"].astype(str)
    earlier = {lid for lid, src in sources.items() if src.startswith(REDRAWN_SOURCE)}
    today = _dt.date.today().isoformat()
    basis = f"按图层库中的线重算（{'、'.join(replaced)}）" if replaced else "按示意线重算（图层库中的线与示意线相同）"
    source = f"{REDRAWN_SOURCE}，{basis}，{today}"
    previous = None if dry_run else unfinished(store)
    if previous is not None:
        left = [lid for lid in previous.get("planned", []) if lid not in previous.get("done", [])]
        summary["notes"].append(f"上次重算（{previous.get('started') or '时间不明'}）未完成"
                                f"（未写入：{'、'.join(left) or '不明'}），本次已补完。")
    journal = journal_path(store)
    record = {"started": _dt.datetime.now().isoformat(timespec="seconds"), "planned": [], "done": []}
    for layer_id, new in redrawn.items():
        if layer_id in NOT_REDRAWN or (_same_layer(new, sketched[layer_id]) and layer_id not in earlier):
            continue
        current = catalog.read_layer(layer_id, store=store)
        entry = {"layer": layer_id, "title_zh": catalog.LAYER_SPECS[layer_id].title_zh, "moved": _moved(current, new)}
        if _same_layer(new, to_working(current), tolerance=SAME_SHAPE_M):
            entry["status"], entry["status_zh"] = "unchanged", "已与图层库中的线一致，未再写入"
        elif (current["provenance"] == "authoritative").any():
            entry["status"] = "skipped_authoritative"
            entry["status_zh"] = "现有版本为管理部门导入的权威图层，未覆盖"
        elif dry_run:
            entry["status"], entry["status_zh"] = "would_write", "将重算（试运行，未写入）"
        else:
            record["planned"].append(layer_id)
            _journal(journal, record)
            catalog.write_layer(build.storable(new, layer_id), layer_id, store=store, keep_history=True,
                                provenance="schematic", source=source, description=basis)
            record["done"].append(layer_id)
            _journal(journal, record)
            kill_point(f"rederive:{len(record['done'])}")
            entry["status"], entry["status_zh"] = "written", f"已重算并写入（上一版本可用 dcf layers reset {layer_id} 恢复）"
            logger.info("Redrew %s from the store's lines %s", layer_id, ", ".join(replaced) or "(the sketch)")
        summary["layers"].append(entry)
    if not dry_run:
        journal.unlink(missing_ok=True)  # finished: every planned layer written
    if not summary["layers"]:
        summary["notes"].append("图层库中的线与示意线相同（或没有对应编号的线），没有需要重算的区。")
    return summary


def describe(summary: dict) -> list[str]:
    """Chinese lines for the CLI."""
    out = [f"图层库：{summary['store']}"]
    same = [e["line"] for e in summary["lines"] if e["status"] == "unchanged"]
    for e in summary["lines"]:
        if e["status"] != "unchanged":
            out.append(f"  线 {e['line']}（{e['name_zh']}）：{e['status_zh']}")
    if same:
        out.append(f"  其余 {len(same)} 条线与示意线相同：{'、'.join(same)}")
    for e in summary["layers"]:
        moved = "；".join(f"{k} {v}" for k, v in e["moved"].items() if not str(v).startswith(("0 亩", "移动 0 m")))
        out.append(f"  图层 {e['layer']}（{e['title_zh']}）：{e['status_zh']}" + (f"。{moved}" if moved else ""))
    out.extend(summary["notes"])
    return out
