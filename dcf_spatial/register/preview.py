"""What would this import change? ``dcf layers import … --dry-run``: the new layer is imported into a
throw-away copy of the store, compared with the current one (features added, removed, moved; 亩 moved
between zones), and the register's recent checks are run against the copy (which verdicts would flip:
the most recent 500 by default, identical re-checks once, as one batch; the text names what it covered)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import settings
from .recheck import Recheck, recheck


@dataclass
class ImportPreview:
    """The answer of :func:`preview_import`.

    Attributes
    ----------
    summary
        What the import would report (features, file, sha256, read notes) — nothing is written.
    added, removed
        Feature ids only in the new layer / only in the current one.
    moved
        One row per feature whose geometry would really change — some point of its outline would move by more
        than :data:`MOVE_TOLERANCE_M` (the Hausdorff distance of the two outlines): 编号, 名称, 移出（亩）,
        移入（亩）, 中心位移（米）, 最大偏移（米）.
    unchanged
        Features in both versions whose outline stays within :data:`MOVE_TOLERANCE_M`.
    nudged
        Of ``unchanged``, those whose coordinates are not written identically (a re-projection, a
        Polygon stored as a one-part MultiPolygon, rounding): counted as unchanged, and said so.
    transfers
        Polygon layers: land that would change zone, 从 (current zone or 区外) → 到 (new zone or 区外), 亩.
    flips
        The register checks re-run against the new layer (a :class:`~dcf_spatial.register.Recheck`).
    parcels
        Sample parcels whose township, cluster or park would change: 宗地代码, 土地使用权人, 统一社会信用代码,
        区类, 原所在区, 新所在区 (the shipped synthetic sample unless other parcels were given).
    enterprises
        The enterprises holding those parcels: 统一社会信用代码, 企业名称, 宗地数, 宗地代码.
    sample_note
        Which parcels were looked at.
    same_as_current
        The file is the one the current version was imported from (same SHA-256): importing it again
        would change nothing.
    new_layer
        The layer as the import would make it (a GeoDataFrame in the storage CRS), for a map of the preview.
    nesting
        After the import, the children of a parent/child pair of layers the import touches (a functional park and
        its cluster, :mod:`dcf_spatial.store.nesting`) that lie outside their parent: one dict each with
        ``text_zh`` and ``outside_mu``; ``nesting_fix_zh`` says how to make the pair agree (``to_dict`` adds
        ``nesting_heading_zh``, the heading naming the layers of those children).
    """

    layer: str
    summary: dict
    added: list
    removed: list
    moved: object
    transfers: object
    flips: Recheck
    parcels: object = None
    enterprises: object = None
    sample_note: str = ""
    same_as_current: bool = False
    nesting: list = field(default_factory=list)
    nesting_fix_zh: str = ""
    unchanged: int = 0
    nudged: int = 0
    #: the layer as the import would make it (storage CRS): what a map of the preview draws; not in :meth:`to_dict`
    new_layer: object = field(default=None, repr=False)

    def changes_zh(self) -> str:
        """The counts in words: ``新增 0、删除 0、位置或边界改变 2（移动超过 1 米）、未变 12（其中 12 个只有不足 1 米的坐标差异，…）``."""
        text = (f"新增 {len(self.added)}、删除 {len(self.removed)}、位置或边界改变 {len(self.moved)}"
                f"（移动超过 {MOVE_TOLERANCE_M:g} 米）、未变 {self.unchanged}")
        if self.nudged:
            text += (f"（其中 {self.nudged} 个与当前版本只有不足 {MOVE_TOLERANCE_M:g} 米的坐标差异，"
                     "如坐标系转换、存储格式或小数位数不同所致，视为未变）")
        return text

    def to_dict(self, *, limit: int | None = None) -> dict:
        """The answer as JSON-ready data; ``limit`` lists at most that many added, removed and moved features
        (``added_count``, ``removed_count``, ``moved_count`` stay whole: the desk's answer for a 100,000-feature
        file was 28 MB, breaker B31-12)."""
        from ..store.nesting import heading_zh

        cut = (lambda rows: rows) if limit is None else (lambda rows: rows[:limit])
        moved = self.moved if limit is None else self.moved.head(limit)
        return {"layer": self.layer, "dry_run": True, "summary": self.summary, "added": cut(self.added),
                "removed": cut(self.removed), "moved": moved.to_dict(orient="records"),
                "added_count": len(self.added), "removed_count": len(self.removed), "moved_count": len(self.moved),
                "unchanged": self.unchanged, "nudged": self.nudged, "move_tolerance_m": MOVE_TOLERANCE_M,
                "changes_zh": self.changes_zh(),
                "transfers": self.transfers.to_dict(orient="records"), "register": self.flips.to_dict(),
                "sample_note": self.sample_note, "same_as_current": self.same_as_current,
                "nesting": self.nesting, "nesting_fix_zh": self.nesting_fix_zh,
                "nesting_heading_zh": heading_zh(self.nesting) if self.nesting else "",
                "parcels": [] if self.parcels is None else self.parcels.to_dict(orient="records"),
                "enterprises": [] if self.enterprises is None else self.enterprises.to_dict(orient="records")}

    def summary_text(self) -> str:
        lines = [f"试导入（未写入）：图层 {self.layer} 将有 {self.summary['features']} 个要素；"
                 f"{self.changes_zh()}。"]
        if self.same_as_current:
            lines.insert(0, f"与当前版本相同：此文件正是图层 {self.layer} 当前版本导入的文件（SHA-256 相同），导入不会带来任何变化。")
        lines.extend(f"  说明：{n}" for n in self.summary.get("read_notes", []))
        if self.added:
            lines.append(f"  新增：{'、'.join(self.added[:20])}")
        if self.removed:
            lines.append(f"  删除：{'、'.join(self.removed[:20])}")
        for r in self.moved.head(20).itertuples(index=False):
            lines.append(f"  {r[1]}（{r[0]}）：移出 {r[2]:.1f} 亩，移入 {r[3]:.1f} 亩，中心位移 {r[4]:.0f} 米，"
                         f"边界最大偏移 {r[5]:.0f} 米")
        for r in self.transfers.head(20).itertuples(index=False):
            lines.append(f"  {r[0]} → {r[1]}：{r[2]:.1f} 亩")
        if self.nesting:
            from ..store.nesting import summary_zh

            lines.append(f"上下级图层不一致：导入后{summary_zh(self.nesting)}——")
            lines.extend(f"  {r['text_zh']}" for r in self.nesting)
            lines.append(f"  出路：{self.nesting_fix_zh}。")
        lines.append(self.flips.coverage_text())
        if self.parcels is not None:
            lines.append(f"{self.sample_note}：{len(self.parcels)} 宗所在区将改变，涉及 {len(self.enterprises)} 家企业。")
            for r in self.parcels.head(20).itertuples(index=False):
                lines.append(f"  {r[0]}（{r[1]}）{r[3]}：{r[4] or '区外'} → {r[5] or '区外'}")
            if len(self.parcels) > 20:
                lines.append(f"  …… 其余 {len(self.parcels) - 20} 宗见 --json")
        return "\n".join(lines)


#: a feature whose outline moves by at most this much (metres, the Hausdorff distance of its two versions) is
#: unchanged: re-projecting a file (EPSG:4527 → 4490), a Polygon stored as a one-part MultiPolygon or rounded
#: coordinates must not list every township as moved (a new user's QA, finding 13: "位置改变 14" for 2 changed)
MOVE_TOLERANCE_M = 1.0
MOVED_COLUMNS = ["编号", "名称", "移出（亩）", "移入（亩）", "中心位移（米）", "最大偏移（米）"]


def _diff(old, new, layer_id):
    """Features added, removed and moved (beyond :data:`MOVE_TOLERANCE_M`), the number unchanged and of
    those the number written differently, and 亩 moving between the features (zones) of a polygon layer."""
    import pandas as pd
    import shapely

    from ..crs import to_working

    mu = settings.MU_M2
    ow, nw = to_working(old), to_working(new)
    oid = dict(zip(ow["id"].astype(str), ow.geometry.values))
    nid = dict(zip(nw["id"].astype(str), nw.geometry.values))
    names = {**dict(zip(ow["id"].astype(str), ow["name_zh"].astype(str))),
             **dict(zip(nw["id"].astype(str), nw["name_zh"].astype(str)))}
    added = [i for i in nid if i not in oid]
    removed = [i for i in oid if i not in nid]
    polygons = bool(len(nw)) and nw.geom_type.iloc[0] in ("Polygon", "MultiPolygon")
    moved, unchanged, nudged = [], 0, 0
    for i in oid:
        if i not in nid:
            continue
        a, b = oid[i], nid[i]
        if shapely.equals_exact(a, b, 1e-6):
            unchanged += 1
            continue
        shift = float(shapely.hausdorff_distance(a, b))
        if shift <= MOVE_TOLERANCE_M:
            unchanged += 1
            nudged += 1
            continue
        out_mu = a.difference(b).area / mu if polygons else 0.0
        in_mu = b.difference(a).area / mu if polygons else 0.0
        moved.append({"编号": i, "名称": names.get(i, ""), "移出（亩）": round(out_mu, 2), "移入（亩）": round(in_mu, 2),
                      "中心位移（米）": round(a.centroid.distance(b.centroid), 1), "最大偏移（米）": round(shift, 1)})
    transfers = []
    if polygons:
        old_all, new_all = shapely.union_all(list(oid.values())), shapely.union_all(list(nid.values()))
        for i, a in oid.items():
            for j, b in nid.items():
                if i != j and a.intersects(b):
                    # land in zone i now that is in zone j after the import (and no longer in i)
                    area = a.intersection(b).difference(nid.get(i, shapely.Polygon())).area / mu
                    if area > 0.005:
                        transfers.append({"从": f"{names[i]}（{i}）", "到": f"{names[j]}（{j}）", "亩": round(area, 2)})
            leaving = a.difference(new_all).area / mu
            if leaving > 0.005:
                transfers.append({"从": f"{names[i]}（{i}）", "到": "区外", "亩": round(leaving, 2)})
        for j, b in nid.items():
            entering = b.difference(old_all).area / mu
            if entering > 0.005:
                transfers.append({"从": "区外", "到": f"{names[j]}（{j}）", "亩": round(entering, 2)})
    return (added, removed, pd.DataFrame(moved, columns=MOVED_COLUMNS), pd.DataFrame(transfers, columns=["从", "到", "亩"]),
            unchanged, nudged)


#: how many synthetic sample parcels a preview looks at when the user gives none
SAMPLE_PARCELS = 500
PARCEL_COLUMNS = ["宗地代码", "土地使用权人", "统一社会信用代码", "区类", "原所在区", "新所在区"]
ENTERPRISE_COLUMNS = ["统一社会信用代码", "企业名称", "宗地数", "宗地代码"]


def _sample_parcels(parcels, location):
    """The parcels to look at, and a note saying which: the user's file or frame, else the shipped
    synthetic sample placed on the current store (seed 0, :func:`dcf_spatial.sample.generate_parcels`)."""
    if parcels is None:
        from ..sample import generate_parcels

        return generate_parcels(SAMPLE_PARCELS, seed=0, store=location), f"合成样例宗地（{SAMPLE_PARCELS} 宗，种子 0）"
    if isinstance(parcels, (str, Path)):
        from ..io import read_vector

        return read_vector(parcels), f"宗地 {parcels}"
    return parcels, "给定宗地"


def _zone_changes(parcels, layer_id: str, old_store, new_store):
    """Sample parcels whose zone of the kind ``layer_id`` decides would change, and their enterprises."""
    import pandas as pd

    from ..land.zones import KIND_ZH, ZONE_LAYERS, join_zones

    kinds = tuple(k for k, ids in ZONE_LAYERS.items() if layer_id in ids)
    rows = []
    if kinds and len(parcels):
        before = join_zones(parcels, store=old_store, kinds=kinds)
        after = join_zones(parcels, store=new_store, kinds=kinds)
        col = lambda name: parcels[name].astype(object).where(parcels[name].notna(), "").astype(str).tolist() \
            if name in parcels else [""] * len(parcels)
        pid, holder, code = col("parcel_id"), col("holder"), col("credit_code")
        for kind in kinds:
            a = before[f"{kind}_id"].astype(object).where(before[f"{kind}_id"].notna(), None).tolist()
            b = after[f"{kind}_id"].astype(object).where(after[f"{kind}_id"].notna(), None).tolist()
            an = before[f"{kind}_zh"].astype(object).where(before[f"{kind}_zh"].notna(), "").tolist()
            bn = after[f"{kind}_zh"].astype(object).where(after[f"{kind}_zh"].notna(), "").tolist()
            for i in range(len(parcels)):
                if a[i] != b[i]:
                    rows.append([pid[i] or f"第{i + 1}行", holder[i], code[i], KIND_ZH[kind], an[i], bn[i]])
    moved = pd.DataFrame(rows, columns=PARCEL_COLUMNS)
    firms = moved[moved["统一社会信用代码"] != ""].groupby("统一社会信用代码", sort=True).agg(
        企业名称=("土地使用权人", "first"), 宗地数=("宗地代码", "nunique"),
        宗地代码=("宗地代码", lambda s: "、".join(dict.fromkeys(s)))).reset_index()
    return moved, firms[ENTERPRISE_COLUMNS]


def preview_import(layer_id: str, file, *, store=None, parcels=None, recent: int | None = None,
                   since=None, more_hint: str = "recent=0", **import_options) -> ImportPreview:
    """What importing ``file`` as ``layer_id`` would change, without changing the store.

    Parameters
    ----------
    layer_id, file
        As :func:`dcf_spatial.store.catalog.import_layer`.
    store
        The store that would be changed (``None``: the active store); it is only read.
    parcels
        Parcels (a file or GeoDataFrame) whose township / cluster / park would change; default the
        shipped synthetic sample (:func:`dcf_spatial.sample.generate_parcels`, seed 0), whose
        enterprises are its parcels' holders.
    recent, since
        Which recorded checks are re-run for the verdicts that would flip: the ``recent`` most recent
        (``None``: :data:`dcf_spatial.settings.preview_recent_checks`; ``0``: every one) of those recorded
        on or after the date ``since``. The answer names what it covered (``flips.coverage_text()``).
    more_hint
        How the caller asks for every check (``"--recent 0"`` on the command line), named in the text
        when older checks were left out.
    **import_options
        ``crs``, ``field_map``, ``provenance`` (required unless the file carries one), ``source_note``, ``layer``,
        ``encoding`` as for the import.

    Returns
    -------
    ImportPreview
        Refusals are those of the import itself (:class:`~dcf_spatial.errors.SchemaError` …).

    Examples
    --------
    >>> from dcf_spatial.register.preview import preview_import
    >>> p = preview_import("industrial_clusters", "集聚区.shp", provenance="authoritative")   # doctest: +SKIP
    >>> p.transfers; p.flips.flipped                             # doctest: +SKIP
    """
    from ..store import catalog, nesting
    from ..store.locate import resolve_store
    from .versions import site_layers

    location = resolve_store(store)
    st = catalog._require_store(location)
    recent = settings.preview_recent_checks if recent is None else int(recent) or None
    with tempfile.TemporaryDirectory(prefix="dcf_preview_") as tmp:
        copy = Path(tmp) / "preview.gpkg"
        if st.kind == "gpkg":
            from ..store.backends.gpkg import copy_without, file_lock

            # the layers without the register (read from the store itself): the copy costs the same at
            # 100 recorded checks as at 30,000 (the import into it copies it once more). One read
            # transaction, so a running desk's last commits (in -wal, backends/gpkg_wal.py) are in it
            with file_lock(st.path):
                copy_without(st.path, copy)
        else:
            present = set(catalog.catalog_rows(location)["id"])
            # the child layers too (store/nesting.py: parks and enterprises keyed to a cluster)
            wanted = [lid for lid in dict.fromkeys([*site_layers(), layer_id, *nesting.CHILD_LAYERS]) if lid in present]
            catalog.copy_store(location, copy, layers=wanted)
        old = catalog.read_layer(layer_id, store=copy) if catalog.has_layer(layer_id, copy) else None
        entry = st.catalog_entry(layer_id)
        summary = catalog.import_layer(layer_id, file, store=copy, **import_options)
        new = catalog.read_layer(layer_id, store=copy)
        if old is None:
            old = new.iloc[0:0]
        added, removed, moved, transfers, unchanged, nudged = _diff(old, new, layer_id)
        flips = recheck(store=location, against=copy, last=recent, since=since, against_is_copy=True)
        flips.more_hint = more_hint
        sample, note = _sample_parcels(parcels, location)
        changed_parcels, firms = _zone_changes(sample, layer_id, location, copy)
        nested = nesting.store_children_outside(copy, layers=[layer_id])
    same = bool(entry and entry.get("sha256") and entry["sha256"] == summary.get("sha256"))
    return ImportPreview(layer_id, summary, added, removed, moved, transfers, flips, changed_parcels, firms, note,
                         same_as_current=same, nesting=nested, nesting_fix_zh=nesting.fix_zh(nested) if nested else "",
                         unchanged=unchanged, nudged=nudged, new_layer=new)
