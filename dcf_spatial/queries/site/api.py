"""The public site check: :func:`check_site` (one site, or a frame of many) and :func:`check_batch`
(a file of sites), both returning a :class:`SiteCheck` that knows how to show itself."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..._validate import figures_problems
from ...errors import InputError
from ...industry import IndustryMatch, checkable, industry_error_message, resolve
from ...user_text import printable_name
from . import present, tables
from .batch import BATCH_CHUNK_ROWS, batch_rows, iter_site_results, policy_notes_zh, read_batch, reading_notes_zh, write_batch_table
from ... import plan, settings
from ...crs.read_as import CRS_READ, read_as, read_as_zh
from .check import NOT_PROJECT_ZH, placed_by_name, site_result, site_results, with_policy
from .tables import rows_counted_zh

logger = logging.getLogger(__name__)

#: batch rows listed in the text summary (all rows go to the table and to_dict)
TEXT_ROWS = 50


@dataclass
class SiteCheck:
    """The answer of a site check: the results and what is needed to present them.

    Attributes
    ----------
    results
        One result dict per site (see :mod:`dcf_spatial.queries.site`); a batch's carry ``row``,
        ``row_label``, ``status`` and ``error``.
    sites
        The sites checked (GeoDataFrame, EPSG:4490), one row per result (a single site that came
        as several features is dissolved into one row).
    batch
        True for a batch (a frame or a file of sites), False for one site.
    notes
        The reader's notes about the input (Chinese).
    title
        Title of the report and the map.
    inputs
        What the user gave, for the report (Chinese labels to values).
    source
        The batch file (or ``"GeoDataFrame"``), for the batch summary.
    store
        The layer store checked against (the map draws its zones).
    register_ids
        Where the checks were recorded (``record=``): their ids in the store's register
        (:mod:`dcf_spatial.register`).

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> r = dcf.check_site("115.75,36.455", industry="轴承", area_mu=50)   # doctest: +SKIP
    >>> r.verdict, r.results[0]["verdict_zh"]                              # doctest: +SKIP
    ('fits', '符合')
    >>> r.to_report("核查.html"); r.to_map("核查地图.html")                  # doctest: +SKIP
    """

    results: list
    sites: object
    batch: bool = False
    notes: list = field(default_factory=list)
    title: str = "项目选址核查"
    inputs: dict = field(default_factory=dict)
    source: str = ""
    store: object = None
    #: the planning office's policy settings chosen for this check (``None``: each policy's default)
    policy: dict | None = None
    #: the register ids of the recorded checks (``record=``), in the order of ``results``; empty when not recorded
    register_ids: list = field(default_factory=list)
    #: the office policy settings chosen for the check (``None``: the defaults), named in a table's 数据说明
    policy: dict | None = None
    #: one site given as several 地块 (a 报批 TXT, a file of several features): the 地块 as read, one row
    #: each with its own 地块编号/地块名称 and rings, which :meth:`to_site_file` writes back (``None``: ``sites``)
    parcels: object = None

    @property
    def verdict(self):
        """The verdict code (``fits`` / ``conditional`` / ``does_not_fit`` / ``outside_plan_area``)
        of one site; for a batch a Series of them (``None`` for a row that could not be checked)."""
        if not self.batch:
            return self.results[0]["verdict"]
        import pandas as pd

        return pd.Series([r.get("verdict") for r in self.results], name="verdict", dtype=object)

    def to_dict(self):
        """JSON-ready answer, exactly what ``dcf site check --json`` prints: the result dict of one
        site (with its ``read_notes``), or the list of a batch's results."""
        if self.batch:
            return self.results
        return {**self.results[0], "read_notes": list(self.notes)}

    def to_frame(self):
        """The Chinese-labelled table the batch writes (one row per site, none lost)."""
        return tables.results_table_zh(self.results, self._names(), self.sites if self.batch else None)

    def _names(self):
        """A batch's project names, one per input row (None without a 项目名称 column, or for one site)."""
        return (self.sites["name"].astype("string").fillna("").to_numpy()
                if self.batch and "name" in self.sites.columns else None)

    def to_table(self, path, *, overwrite: bool = False) -> Path:
        """Write :meth:`to_frame` to ``.csv`` / ``.xlsx`` / ``.gpkg`` (see
        :func:`~dcf_spatial.queries.site.batch.write_batch_table`)."""
        sites = self.sites
        if not self.batch:  # the input's own columns are written back for a batch only, as in to_frame
            sites = sites.copy(deep=False)
            sites.attrs = {**sites.attrs, "input_columns": []}
        return write_batch_table(self.results, sites, path, overwrite=overwrite, policy=self.policy)

    def to_map(self, path, *, basemap: str = "none", overwrite: bool = False) -> Path:
        """Write the interactive answer map (sites coloured by verdict over the plan's zones)."""
        return present.write_site_map(self.results, self.sites, path, title=self.title, basemap=basemap,
                                      overwrite=overwrite, store=self.store)

    def to_site_file(self, path, *, name: str | None = None, overwrite: bool = False) -> Path:
        """Write the site polygon(s) checked, to send on for approval: ``.txt`` is the 报批/勘测定界
        coordinate TXT (CGCS2000 3° Gauss–Krüger zone 39 with the zone prefix, GBK, CRLF, 地块面积 in
        公顷, points J1…, rings closed); ``.gpkg``/``.geojson``/``.shp``/``.kml`` as
        :func:`dcf_spatial.store.export.write_vector` writes them.

        Parameters
        ----------
        path
            Output file; the format by its suffix.
        name
            The 地块名称 (a GPKG's name field) of a site that carries no name of its own (one drawn or
            typed): the project's name; default :data:`UNNAMED_SITE_ZH`.
        overwrite
            Replace an existing file.

        Returns
        -------
        Path
            The file written.

        Examples
        --------
        >>> answer = check_site("地块.shp", "轴承")           # doctest: +SKIP
        >>> answer.to_site_file("地块报批坐标.txt", name="某轴承项目")  # doctest: +SKIP
        """
        from ...store.export import write_vector

        named = self.named_sites()
        if named:
            raise InputError(named_export_message(named))
        # the 地块 as given (each its own record, name and rings), not the one outline they were checked as
        sites = (self.parcels if self.parcels is not None and not self.batch else self.sites).copy()
        if not {"地块名称", "name", "name_zh"} & set(sites.columns):
            sites["地块名称"] = (name or "").strip() or UNNAMED_SITE_ZH
        return write_vector(sites, path, overwrite=overwrite, notes=self.notes)  # a .txt: which 地块面积 was written

    def named_sites(self) -> list[dict]:
        """The sites placed by a place name (a zone, a township, a village address), not by a geometry:
        ``[{"row": label or None, "name": typed name, "unit": unit name, "level": 园区/集聚区/镇街 …,
        "area_mu": the unit's 亩}]``; empty when every site was given as a geometry or a file.

        Such a site stands for "somewhere in that unit": the check judges the unit, and its outline is
        the unit's, never the project's boundary (:meth:`to_site_file` refuses it).

        Examples
        --------
        >>> import dcf_spatial as dcf
        >>> dcf.check_site("郑家镇工业集聚区", "轴承", area_mu=50).named_sites()[0]["level"]   # doctest: +SKIP
        '集聚区'
        """
        out = []
        for i, r in enumerate(self.results):
            site = r.get("site") or {}
            named = site.get("from_name")
            if not named:
                continue
            out.append({"row": r.get("row_label") if self.batch else None, "name": named.get("name"),
                        "unit": named.get("unit"), "level": named.get("level"),
                        "area_mu": site.get("unit_area_mu")})
        return out

    def to_report(self, path, overwrite: bool = False) -> Path:
        """Write the HTML report (reasons with plan references, indicators, data note)."""
        return present.write_site_report(self.results, path, title=self.title, inputs=self.inputs,
                                         read_notes=self.notes, overwrite=overwrite)

    def summary_text(self, *, figures_hint: str = present.FIGURES_HINT_ZH, more_hint: str = "to_frame() 或 to_dict()") -> str:
        """The Chinese text answer: the full summary of one site, or a batch's counts and rows.

        Parameters
        ----------
        figures_hint
            Appended when no project figures were given, saying how to give them.
        more_hint
            Where the batch rows beyond the first 50 are found.
        """
        if not self.batch:
            return present.summary_text(self.results[0], figures_hint=figures_hint)
        table = tables.results_table(self.results)
        counts = tables.verdict_counts_zh(self.results)  # the one count (the report's 汇总, the desk's too)
        lines = [f"批量核查 {self.source}：{rows_counted_zh(len(table), counts.get(NOT_PROJECT_ZH, 0))}"]
        for k, v in counts.items():
            lines.append(f"  {k}：{v} 条")
        shown = table.head(TEXT_ROWS)
        names = self._names() if len(self.sites) == len(table) else None
        for i, r in enumerate(shown.itertuples()):
            label = tables.named_label(r.row_label, None if names is None else names[i])
            lines.append(f"  {label}：{r.verdict_zh}" + (f" — {printable_name(r.error)}" if r.error else ""))
        if len(table) > len(shown):
            lines.append(f"  …… 其余 {len(table) - len(shown)} 条见 {more_hint}")
        prov = present.provenance_note(self.results)
        if prov:
            lines.append("数据说明：" + prov)
        return "\n".join(lines)

    def failed(self) -> list[dict]:
        """The results that could not be checked (a batch's bad rows)."""
        return [r for r in self.results if r.get("status", "ok") != "ok"]


class _LazySites:
    """The ``sites`` of an answer that did not need them (a typed ``"lon,lat"``): read on first use."""

    def __init__(self, read):
        self.read = read


def _get_sites(self):
    value = self.__dict__["_sites"]
    if isinstance(value, _LazySites):
        value = self.__dict__["_sites"] = value.read()
    return value


def _set_sites(self, value):
    self.__dict__["_sites"] = value


# a property over the dataclass field (its __init__ assigns through it): the frame is read when asked for
SiteCheck.sites = property(_get_sites, _set_sites, doc=SiteCheck.__doc__ and "The sites checked (GeoDataFrame, EPSG:4490).")


def _industry(industry) -> IndustryMatch:
    m = industry if isinstance(industry, IndustryMatch) else resolve(str(industry))
    if not checkable(m):
        raise InputError(industry_error_message(m, where="行业"))
    return m


def _before(record, store):
    """The layer versions in effect before a check that is to be recorded (see :func:`_record`)."""
    if not record:
        return None
    from ...register.versions import layer_keys

    return layer_keys(store)


def _record(answer: SiteCheck, record, parts, industries, figures, flags, expected=None) -> SiteCheck:
    """Write the answer into the register of its store when ``record`` asks (True or a project name)."""
    if not record:
        return answer
    n = len(answer.results)
    figures, flags = figures if figures is not None else [None] * n, flags if flags is not None else [None] * n
    from ...register.record import record_results, rerun_input, site_geometry

    reruns = [rerun_input(p, i, f, fl) for p, i, f, fl in zip(parts, industries, figures, flags)]
    if isinstance(answer.__dict__.get("_sites"), _LazySites):
        names = [None]   # a typed "lon,lat" (the quick path): no name column to read the frame for
    else:
        names = (list(answer.sites["name"]) if answer.batch and "name" in answer.sites.columns else
                 [_site_name(answer.sites)] * len(answer.results))
    project = record if isinstance(record, str) and record.strip() else None
    if answer.batch and project:  # a batch label: each row keeps its own 项目名称 ("第一批 / 某项目")
        names, project = [batch_entry_name(project, v) for v in names], None
    # a list's 合计 row or footer is no project and no check: not recorded (the summary and the XLSX say 非项目行)
    keep = [i for i, res in enumerate(answer.results) if not res.get("not_project")]
    if len(keep) < n:
        if not keep:
            return answer
        names = [names[i] for i in keep] if len(names) == n else names
        reruns, parts = [reruns[i] for i in keep], [parts[i] for i in keep]
    answer.register_ids = record_results([answer.results[i] for i in keep], reruns, [site_geometry(p) for p in parts],
                                         store=answer.store, project=project,
                                         names=names, source=answer.source, expected=expected)
    return answer


def batch_entry_name(label: str, own) -> str:
    """The register name of one batch row recorded under a batch label: ``"第一批 / 某项目"``, or the label
    alone when the row has no 项目名称.

    Examples
    --------
    >>> batch_entry_name("第一批", "轴承项目")
    '第一批 / 轴承项目'
    >>> batch_entry_name("第一批", None)
    '第一批'
    """
    text = "" if own is None or own != own else str(own).strip()
    return f"{label} / {text}" if text else label


def _site_name(sites):
    for col in ("地块名称", "name", "name_zh"):
        if col in sites.columns and len(sites) and str(sites[col].iloc[0]).strip():
            return str(sites[col].iloc[0])
    return None


def _batch_parts(sites):
    from ...crs import to_storage

    return [[g] for g in to_storage(sites).geometry.values] if len(sites) else []


def _is_file(text: str) -> bool:
    """``text`` names an existing file (a WKT or a long text is none: no OSError for a too-long name)."""
    try:
        return len(text) < 4096 and Path(text).expanduser().is_file()
    except (OSError, ValueError):
        return False


def describe_site(parcels, name: str | None = None) -> str:
    """What a planner reads for a site given as a file: its name, the number of 地块, the area in 亩
    (EPSG:4548) and the centre as lon,lat (CGCS2000, 6 decimals) — never the outline's WKT.

    Parameters
    ----------
    parcels
        GeoDataFrame of the 地块 (any CRS), one row each.
    name
        The file's name as the user knows it (``None``: not said).

    Returns
    -------
    str

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame(geometry=[shapely.box(115.90, 36.40, 115.901, 36.401)], crs=4490)
    >>> describe_site(g, "地块.txt")
    '文件「地块.txt」：1 个地块，合计 14.94 亩，中心 115.900500,36.400500'
    """
    import shapely

    from ... import settings
    from ...crs import to_working

    work = to_working(parcels)
    geoms = work.geometry.values
    area_mu = float(shapely.area(geoms).sum()) / settings.MU_M2
    centre = work.geometry.union_all().centroid
    import geopandas as gpd

    lon, lat = gpd.GeoSeries([centre], crs=work.crs).to_crs(4490).iloc[0].coords[0]
    head = f"文件「{name}」：" if name else ""
    return f"{head}{len(parcels)} 个地块，合计 {area_mu:,.2f} 亩，中心 {lon:.6f},{lat:.6f}"


#: the 地块名称 written for a site with no name of its own when no project name was given (issue 12 M1)
UNNAMED_SITE_ZH = "项目场地"


def named_export_message(named: list[dict]) -> str:
    """Why a site placed by a place name cannot be written as the project's boundary, and what to give
    instead (Chinese; names no command option).

    Examples
    --------
    >>> "不能作为项目场地导出" in named_export_message([{"row": None, "name": "郑家镇", "unit": "郑家镇", "level": "镇街"}])
    True
    """
    def one(n):
        where = f"{n['row']}：" if n.get("row") else ""
        return f"{where}“{n.get('name') or n.get('unit')}”（{n.get('level') or '单元'}“{n.get('unit')}”）"

    shown = "、".join(one(n) for n in named[:5]) + (f" 等 {len(named)} 处" if len(named) > 5 else "")
    return (f"场地是按地名{shown}定位的，"
            "只知道在该单元内、不知道具体地块：其范围是整个单元的边界，不是项目用地的边界，不能作为项目场地导出"
            "（报批坐标 TXT 或场地文件）。请给出项目地块本身——在地图上画出地块多边形，或上传报批/勘测定界坐标 TXT、"
            "SHP、GPKG、GeoJSON、KML、DXF 等地块文件——核查后再导出。")


def combined_note(parcels) -> str | None:
    """The line saying that several 地块 of different names were checked as one site, or ``None``.

    A 报批 TXT (or a file of several features) is checked as the one site it was submitted as: the
    planner asks about that submission, and its 核查意见 is one document with one verdict — the
    convention of the site check since its first version, and what the approval is for. When its 地块 carry
    different names they may be separate projects, so the answer says plainly that they were combined and
    where each gets its own verdict (批量核查 reads the same file, one row per 地块), rather than
    silently merging them or splitting one check into several answers a single-site page cannot show.

    Parameters
    ----------
    parcels
        The 地块 read from the file (``地块名称`` or ``name`` column).

    Returns
    -------
    str or None

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame({"地块名称": ["甲项目", "乙项目"]}, geometry=[shapely.Point(0, 0)] * 2)
    >>> combined_note(g)[:30]
    '文件含 2 个地块，名称各不相同（甲项目、乙项目）：本次合并'
    """
    if len(parcels) < 2:
        return None
    for col in ("地块名称", "name", "name_zh"):
        if col in parcels.columns:
            names = list(dict.fromkeys(str(v).strip() for v in parcels[col]
                                       if v is not None and v == v and str(v).strip()))
            if len(names) > 1:
                # names counted once each: DK01 twice among 4 地块 is "4 个地块，3 个不同名称"
                named = sum(1 for v in parcels[col] if v is not None and v == v and str(v).strip())
                how = ("名称各不相同" if len(names) == len(parcels) == named
                       else f"{len(names)} 个不同名称")
                return (f"文件含 {len(parcels)} 个地块，{how}（{'、'.join(names)}）：本次合并为一个场地核查，"
                        "只给一个结论；要每个地块各得一个结论，请用“批量核查”上传同一文件（每个地块一行）")
    return None


def _inputs_shown(site_label, industry, m, *, crs, area_mu, investment_wan, floor_area_m2, footprint_m2,
                  admin_area_m2, green_area_m2, capacity_replacement, catalogue_class, tall_floor_area_m2,
                  yard_area_m2, non_production_facilities, date, policy=None) -> dict:
    """The inputs as a result lists them (输入), in Chinese, the same for every way a site is given."""
    from .present import policy_statement

    return {"场地": site_label, "行业": industry if isinstance(industry, str) else m.query, "坐标系": crs,
            "用地面积（亩）": area_mu, "总投资（万元）": investment_wan, "总建筑面积（m²）": floor_area_m2,
            "基底面积（m²）": footprint_m2, "行政办公及生活服务设施用地（m²）": admin_area_m2,
            "绿地面积（m²）": green_area_m2, "产能置换": "是" if capacity_replacement else None,
            "产业目录类别": catalogue_class, "层高超过 8 m 的建筑面积（m²）": tall_floor_area_m2,
            "露天堆场及操作场地（m²）": yard_area_m2, "非生产性配套设施": non_production_facilities or None,
            "核查日期": date,
            # shown in words (default or chosen): a report says which 口径 its verdict rests on — for the projects
            # a 口径 can decide (集聚区外新建工业项目: industrial ones; QA round 9), else None (not listed)
            "规划管理部门口径": policy_statement(policy, codes=getattr(m, "codes", None)) or None}


def check_site(site, industry=None, *, area_mu: float | None = None, crs=None, investment_wan: float | None = None,
               floor_area_m2: float | None = None, footprint_m2: float | None = None,
               admin_area_m2: float | None = None, green_area_m2: float | None = None,
               capacity_replacement: bool = False, catalogue_class: str | None = None, store=None,
               date=None, tall_floor_area_m2: float | None = None, storeys=None,
               yard_area_m2: float | None = None, non_production_facilities=None, record=False,
               policy: dict | None = None, crs_read: dict | None = None, **reader) -> SiteCheck:
    """Does this project, of this industry, on this site, fit the plan?

    Parameters
    ----------
    site
        ``"lon,lat"`` text, WKT, a file path (all its features are one site), a shapely geometry
        (EPSG:4490) or a GeoDataFrame. A GeoDataFrame is a batch: one check per row, each row's
        industry and figures from its columns (``industry``/``industry_code``, ``area_mu``,
        ``investment_wan`` … as :func:`~dcf_spatial.queries.site.batch.read_batch` reads them),
        ``industry`` being the default for rows without one.
    industry
        GB/T 4754-2017 code at any level, Chinese words (``"轴承"``) or an
        :class:`~dcf_spatial.industry.IndustryMatch`; required for one site.
    area_mu
        Land area in 亩: a point becomes a circle of that area; also feeds the indicators.
    crs
        CRS of text or file input (``"gcj02"`` / ``"bd09"`` converted on the way in).
    investment_wan, floor_area_m2, footprint_m2, admin_area_m2, green_area_m2
        Project figures for the land-use control indicators.
    capacity_replacement
        The project declares 等量或减量置换 of capacity (第九章第三节).
    catalogue_class
        鼓励类 / 允许类 / 限制类 / 淘汰类 in 《产业结构调整指导目录》.
    store
        Layer store (a GeoPackage path or ``postgresql://`` URL); ``None`` is the active store.
    date
        The site's date (``"2025-06-30"``); decides which edition of the land-use control
        indicators is in force (default today). The result says which edition was used.
    tall_floor_area_m2, storeys
        Storeys higher than 8 m count twice in 容积率: the part of ``floor_area_m2`` on such storeys,
        or the whole building as ``[(area_m2, storey_height_m), …]``.
    yard_area_m2
        Open storage and operating yards (露天堆场、露天操作场地), counted in 建筑系数.
    non_production_facilities
        成套住宅、专家楼、宾馆、招待所、培训中心 planned inside the industrial site (text naming them, or
        ``True``): barred by the standard, the verdict is 不符合.
    record
        ``True`` or the project's name: record the check in the store's register (site, inputs, verdict
        and reasons, date, and the versions of every layer and rule file used; see
        :mod:`dcf_spatial.register`). The ids are in ``.register_ids``.
    policy
        The planning office's settings for the questions the plan leaves open (``plan_rules.json`` →
        ``office_policies``), for this check only: ``{"industry_outside_clusters": "conditional"}`` judges a
        new factory outside every industrial cluster 有条件符合 instead of the default 不符合 (第三章第三节、
        第十章第四节 steer industry into the clusters but bar nothing). ``None``: each policy's default. The
        reason the policy decides names the setting used. Barred industries stay barred whatever the setting.
    crs_read
        For a site whose coordinates were read before and are given in EPSG:4490 (``"lon,lat"``, WKT or a
        geometry: the desk's upload answers a file's 地块 so), the record of that reading
        (:func:`dcf_spatial.crs.read_as.read_as`: the CRS of the file's header or .prj, the user's or a
        guess): 核查输入 → 坐标系 names it, and the check makes no note of a CRS of its own. A record
        :func:`~dcf_spatial.crs.read_as.read_as` does not make is refused.
    **reader
        ``layer``, ``encoding``, ``swap_xy``, ``field_map`` for file input.

    Returns
    -------
    SiteCheck
        ``.verdict``, ``.results``, ``.to_dict()``, ``.to_frame()``, ``.to_map()``,
        ``.to_report()``, ``.summary_text()``.

    Raises
    ------
    InputError
        Unknown or ambiguous industry, unreadable site.

    Examples
    --------
    >>> from dcf_spatial.queries import check_site
    >>> check_site("115.80,36.47", "轴承").verdict in ("fits", "conditional", "does_not_fit", "outside_plan_area")
    True
    >>> print(check_site("115.80,36.47", "C3451", area_mu=80, investment_wan=24000).summary_text())  # doctest: +SKIP
    """
    plan.office_policies(policy)  # an unknown policy or setting fails here, before any site is read
    from ...store.backends.postgis import one_catalog_read

    # a database's catalog read once for the versions recorded and the layers' cache key
    with one_catalog_read():
        return _check_site(site, industry, area_mu=area_mu, crs=crs, investment_wan=investment_wan,
                           floor_area_m2=floor_area_m2, footprint_m2=footprint_m2, admin_area_m2=admin_area_m2,
                           green_area_m2=green_area_m2, capacity_replacement=capacity_replacement,
                           catalogue_class=catalogue_class, store=store, date=date,
                           tall_floor_area_m2=tall_floor_area_m2, storeys=storeys, yard_area_m2=yard_area_m2,
                           non_production_facilities=non_production_facilities, reader=reader, policy=policy,
                           record=record, crs_read=_reading_checked(crs_read))


def _reading_checked(crs_read):
    """``crs_read`` of :func:`check_site` rebuilt (:func:`~dcf_spatial.crs.read_as.read_as_checked`), or refused."""
    if crs_read is None:
        return None
    from ...crs.read_as import read_as_checked

    checked = read_as_checked(crs_read)
    if checked is None:
        raise InputError(f"crs_read 不是坐标系读取记录：{str(crs_read)[:200]}。应为 dcf_spatial.crs.read_as.read_as 给出的"
                         "记录（source 为 file/user/guessed，crs 为坐标系，declared_in 为文件中声明之处），或不给出。")
    return checked


def _check_site(site, industry, *, area_mu, crs, investment_wan, floor_area_m2, footprint_m2, admin_area_m2,
                green_area_m2, capacity_replacement, catalogue_class, store, date, tall_floor_area_m2, storeys,
                yard_area_m2, non_production_facilities, reader, policy, record, crs_read=None):
    expected = _before(record, store)
    if isinstance(site, str) and crs_read is None:
        answer = _check_typed_lonlat(site, industry, area_mu=area_mu, crs=crs, investment_wan=investment_wan,
                                     floor_area_m2=floor_area_m2, footprint_m2=footprint_m2,
                                     admin_area_m2=admin_area_m2, green_area_m2=green_area_m2,
                                     capacity_replacement=capacity_replacement, catalogue_class=catalogue_class,
                                     store=store, date=date, tall_floor_area_m2=tall_floor_area_m2, storeys=storeys,
                                     yard_area_m2=yard_area_m2, non_production_facilities=non_production_facilities,
                                     reader=reader, policy=policy, record=record, expected=expected)
        if answer is not None:
            return answer
    import geopandas as gpd
    import shapely

    from ... import io as dcf_io
    from ...places import read_site
    from ... import settings

    if isinstance(site, gpd.GeoDataFrame):
        sites, industries, figures, errors, notes, flags = batch_rows(site.copy(), industry)
        flags = with_policy(flags, policy)
        results = site_results(sites, industries, figures=figures, errors=errors, flags=flags, store=store)
        return _record(SiteCheck(results, sites, batch=True, notes=notes, title="项目选址批量核查", source="GeoDataFrame",
                                 store=store, policy=policy), record, _batch_parts(sites), industries, figures, flags, expected)
    if industry is None:
        raise InputError("未给出行业。例：industry=\"轴承\" 或 industry=\"C3451\"。")
    given = {"site_area_mu": area_mu, "investment_wan": investment_wan, "floor_area_m2": floor_area_m2,
             "footprint_m2": footprint_m2, "admin_area_m2": admin_area_m2, "green_area_m2": green_area_m2,
             "tall_floor_area_m2": tall_floor_area_m2, "yard_area_m2": yard_area_m2}
    # the rules every batch row is checked with; a NaN given as an argument is a value, and refused
    problems = figures_problems({k: "nan" if isinstance(v, float) and v != v else v for k, v in given.items()})
    if problems:
        raise InputError("；".join(problems) + "。")
    m = _industry(industry)
    if isinstance(site, shapely.Geometry):
        site_gdf = gpd.GeoDataFrame({"site_input": [site.wkt[:80]]}, geometry=[site], crs=settings.storage_crs)
        if crs_read is not None:
            site_gdf.attrs[CRS_READ] = crs_read
        if area_mu is not None:   # in the storage CRS by contract: read by nobody, unless crs_read says who did
            site_gdf = dcf_io.read_site(site.wkt, area_mu=area_mu, crs_read=crs_read or {}, **reader)
    else:
        site_gdf = read_site(str(site), crs=crs, area_mu=area_mu, store=store, crs_read=crs_read, **reader)
    site_gdf, parcels_note = _usable_parcels(site_gdf, site)
    figures = {"site_area_mu": area_mu, "investment_wan": investment_wan, "floor_area_m2": floor_area_m2,
               "footprint_m2": footprint_m2, "admin_area_m2": admin_area_m2, "green_area_m2": green_area_m2,
               "tall_floor_area_m2": tall_floor_area_m2, "storeys": storeys, "yard_area_m2": yard_area_m2,
               "non_production_facilities": non_production_facilities,
               "check_date": None if date is None else str(date)}
    res = site_result(site_gdf, m, figures=figures, capacity_replacement=capacity_replacement,
                      catalogue_class=catalogue_class, store=store, policy=policy)
    named = placed_by_name(site_gdf, 0) if len(site_gdf) == 1 else None
    if named:
        res["site"]["from_name"] = named
    if site_gdf.attrs.get("shape_warnings"):  # the parcel's shape may be wrong (points out of order, a stray point)
        res["site"]["shape_warnings_zh"] = list(site_gdf.attrs["shape_warnings"])
    label = site if isinstance(site, str) else type(site).__name__
    if isinstance(site, str) and _is_file(site):
        label = describe_site(site_gdf, Path(str(site)).name)  # a file: its name, 地块, 亩 and centre, not its WKT
    # the CRS the site was read in and who said so (the file's header or .prj, the user, the numbers): not the
    # argument alone, which is None for a file that declares its own (QA new-user round, finding 1)
    inputs = _inputs_shown(label, industry, m, crs=read_as_zh(site_gdf.attrs.get(CRS_READ)) or crs, area_mu=area_mu, investment_wan=investment_wan,
                           floor_area_m2=floor_area_m2, footprint_m2=footprint_m2, admin_area_m2=admin_area_m2,
                           green_area_m2=green_area_m2, capacity_replacement=capacity_replacement,
                           catalogue_class=catalogue_class, tall_floor_area_m2=tall_floor_area_m2,
                           yard_area_m2=yard_area_m2, non_production_facilities=non_production_facilities, date=date, policy=policy)
    shown = site_gdf.iloc[[0]] if len(site_gdf) == 1 else site_gdf.dissolve().reset_index(drop=True)
    if len(site_gdf) > 1:  # one site of several 地块: its id and name say all of them, not the first
        for col in ("地块编号", "地块名称"):
            if col in site_gdf.columns:
                shown[col] = "、".join(dict.fromkeys(str(v) for v in site_gdf[col] if str(v).strip()))
    notes = list(site_gdf.attrs.get("read_notes", []))
    combined = combined_note(site_gdf)
    if combined:
        notes.insert(0, combined)
    if parcels_note:  # the 地块 of the file that could not be checked come first, named with why
        if combined:  # it speaks of the 地块 checked, not of the file's
            notes[0] = combined.replace(f"文件含 {len(site_gdf)} 个地块", f"核查的 {len(site_gdf)} 个地块", 1)
        notes.insert(0, parcels_note)
        res["site"]["parcels_zh"] = parcels_note
    answer = SiteCheck([res], shown, batch=False, notes=notes, title=tables.check_title_zh(m.label_zh or m.query), inputs=inputs,
                       store=store, policy=policy, parcels=site_gdf if len(site_gdf) > 1 else None)
    if record:
        from ...crs import to_storage

        flags = with_policy([dict(capacity_replacement=capacity_replacement, catalogue_class=catalogue_class)], policy)[0]
        _record(answer, record, [list(to_storage(site_gdf).geometry.values)], [m], [figures], [flags], expected)
    return answer


def _usable_parcels(site_gdf, site):
    """The rows of a read site that have a geometry, and the line naming the others (``None`` when all do).

    A file of several 地块 is checked as one site of the usable ones; the answer says how many the
    file has, how many were checked and which were not, and why. None usable: :class:`InputError`
    naming each row and its reason (a polygon of no area: "场地面积为零…").
    """
    from ...io.site import unusable_rows

    skipped = unusable_rows(site_gdf)
    if not skipped:
        return site_gdf, None
    where = Path(str(site)).name if isinstance(site, str) and _is_file(site) else None
    reasons = "；".join(t for _, t in skipped[:10]) + (" 等" if len(skipped) > 10 else "")
    if len(skipped) == len(site_gdf):
        if where is None and len(site_gdf) == 1:  # a typed WKT/GeoJSON: its one row is the site
            reason = skipped[0][1].split("：", 1)[-1].removesuffix("，几何为空")
            if reason.startswith("图形自相交过多"):  # rows.SELF_CROSSING_ISSUE: the fix is in a GIS, said in it
                raise InputError(f"场地{reason}。")
            what = f"场地{reason}" if reason.startswith("面积为零") else f"场地没有可核查的几何（{reason}）"
            raise InputError(f"{what}。请给出至少 3 个不在一条直线上的点围成的面，或 “经度,纬度”。")
        head = "场地面积为零" if all("面积为零" in t for _, t in skipped) else "没有可以核查的地块"
        raise InputError(f"{where or '场地'}：{head}——共 {len(site_gdf)} 个地块，均无可用几何：{reasons}。"
                         "请补全或改正坐标后重试。")
    n, k = len(site_gdf), len(site_gdf) - len(skipped)
    note = f"{where or '场地'} 含 {n} 个地块：核查 {k} 个，{len(skipped)} 个未核查（无可用几何）——{reasons}"
    kept = site_gdf.drop(index=site_gdf.index[[p for p, _ in skipped]])
    kept.attrs = dict(site_gdf.attrs)
    if "row_numbers" in kept.attrs:
        nums = kept.attrs["row_numbers"]
        gone = {p for p, _ in skipped}
        kept.attrs["row_numbers"] = [v for i, v in enumerate(nums) if i not in gone]
    return kept.reset_index(drop=True), note


def _check_typed_lonlat(site: str, industry, *, area_mu, crs, investment_wan, floor_area_m2, footprint_m2,
                        admin_area_m2, green_area_m2, capacity_replacement, catalogue_class, store, date,
                        tall_floor_area_m2, storeys, yard_area_m2, non_production_facilities, reader,
                        policy=None, record=False, expected=None):
    """:func:`check_site` of a typed ``"lon,lat"`` without geopandas (see :mod:`.quick`), or ``None``
    when the value needs the full reader. The answer is the full path's to the bit
    (``tests/test_startup.py`` compares the JSON of both); its ``sites`` frame is read when first used."""
    from .quick import quick_site

    if industry is None:
        return None
    given = {"site_area_mu": area_mu, "investment_wan": investment_wan, "floor_area_m2": floor_area_m2,
             "footprint_m2": footprint_m2, "admin_area_m2": admin_area_m2, "green_area_m2": green_area_m2,
             "tall_floor_area_m2": tall_floor_area_m2, "yard_area_m2": yard_area_m2}
    if figures_problems({k: "nan" if isinstance(v, float) and v != v else v for k, v in given.items()}):
        return None  # the full path raises, naming the figure
    quick = quick_site(site, crs=crs, area_mu=area_mu, reader=reader)
    if quick is None:
        return None
    import numpy as np

    from .context import load_context
    from .rules import evaluate

    m = _industry(industry)
    figures = {"site_area_mu": area_mu, "investment_wan": investment_wan, "floor_area_m2": floor_area_m2,
               "footprint_m2": footprint_m2, "admin_area_m2": admin_area_m2, "green_area_m2": green_area_m2,
               "tall_floor_area_m2": tall_floor_area_m2, "storeys": storeys, "yard_area_m2": yard_area_m2,
               "non_production_facilities": non_production_facilities,
               "check_date": None if date is None else str(date)}
    res = evaluate(load_context(store), np.array([quick.geometry], dtype=object), [m], [figures],
                   with_policy([dict(capacity_replacement=capacity_replacement, catalogue_class=catalogue_class)],
                               policy))[0]
    # quick_site reads only a pair it judged CGCS2000 lon/lat from its numbers, as the full reader says it
    inputs = _inputs_shown(site, industry, m, crs=read_as_zh(read_as("guessed", settings.storage_crs)), area_mu=area_mu, investment_wan=investment_wan,
                           floor_area_m2=floor_area_m2, footprint_m2=footprint_m2, admin_area_m2=admin_area_m2,
                           green_area_m2=green_area_m2, capacity_replacement=capacity_replacement,
                           catalogue_class=catalogue_class, tall_floor_area_m2=tall_floor_area_m2,
                           yard_area_m2=yard_area_m2, non_production_facilities=non_production_facilities, date=date, policy=policy)

    def read_sites():
        from ...places import read_site

        return read_site(site, crs=crs, area_mu=area_mu, store=store, **reader).iloc[[0]]

    flags = with_policy([dict(capacity_replacement=capacity_replacement, catalogue_class=catalogue_class)], policy)[0]
    answer = SiteCheck([res], _LazySites(read_sites), batch=False, notes=list(quick.notes),
                       title=tables.check_title_zh(m.label_zh or m.query), inputs=inputs, store=store, policy=policy)
    # recorded with the site as the full reader hands it on (storage CRS): the same register row
    return _record(answer, record, [[quick.stored]], [m], [figures], [flags], expected)


def check_batch(path, industry=None, *, crs=None, store=None, record=False, progress: bool = False,
                policy: dict | None = None, crs_read: dict | None = None, **reader) -> SiteCheck:
    """Check every row of a file of sites (CSV/XLSX/any vector file); one result per row, none lost.

    Parameters
    ----------
    path
        The file (经度/纬度 or WKT columns, 行业, 用地面积(亩), 总投资(万元) … are recognised).
    industry
        Industry of rows without one (and of every row when the file has no industry column).
    crs
        CRS of the coordinates.
    store
        Layer store; ``None`` is the active store.
    record
        ``True`` (each row's name column names its project) or a batch label (``"第一批"``): record
        every row in the store's register, rows that could not be checked too (status ``error``); under a
        label each row is named ``"第一批 / <its 项目名称>"`` (the label alone for a row without a name).
    progress
        Show the rows checked on stderr (a bar on a terminal, plain lines in a log).
    policy
        The planning office's policy settings for every row (as in :func:`check_site`).
    **reader
        ``layer``, ``encoding``, ``swap_xy``, ``field_map`` (e.g. ``{"industry": "主营"}``).

    Returns
    -------
    SiteCheck
        A batch answer: ``.verdict`` is a Series; rows carry ``row_label`` (表格第 9 行 …).
        Every result is kept in memory (several kB a row): for a very large file use
        :func:`check_batch_to_file`, which writes the table chunk by chunk.

    Examples
    --------
    >>> from dcf_spatial.queries import check_batch
    >>> check_batch("项目清单.xlsx").to_table("核查结果.xlsx")  # doctest: +SKIP
    """
    plan.office_policies(policy)
    expected = _before(record, store)
    sites, industries, figures, errors, notes, flags = read_batch(path, crs=crs, default_industry=industry,
                                                                 store=store, **reader)
    flags = with_policy(flags, policy)
    results = []
    for _, _, part in iter_site_results(sites, industries, figures, errors, flags, store=store, progress=progress):
        results += part
    answer = SiteCheck(results, sites, batch=True, notes=notes, title=f"项目选址批量核查：{Path(path).name}",
                       inputs={"文件": str(path), "坐标系": read_as_zh(sites.attrs.get(CRS_READ)) or crs}, source=str(path),
                       store=store, policy=policy)
    return _record(answer, record, _batch_parts(sites), industries, figures, flags, expected)


@dataclass
class BatchRun:
    """What :func:`check_batch_to_file` did: the table written and the counts (no per-row results kept).

    Attributes
    ----------
    output
        The table written.
    rows
        Rows in the input = rows in the table.
    verdicts
        Chinese verdict (符合 / 有条件符合 / … / 无法核查) → rows.
    first_rows
        ``(row_label, verdict_zh, error)`` of the first :data:`TEXT_ROWS` rows, for the summary.
    failed, first_failure
        Rows that could not be checked, and the first of them (``row_label``, ``error``).
    notes
        The reader's notes about the input (Chinese).
    provenance
        The data note of the layers checked against.
    source
        The input file.
    sheets
        For an .xlsx, the worksheets holding the complete list (核查结果, then 核查结果_2 … when the
        batch is longer than one worksheet holds).
    """

    output: Path
    rows: int
    verdicts: dict
    first_rows: list
    failed: int
    first_failure: dict | None
    notes: list
    provenance: str
    source: str
    sheets: list = field(default_factory=list)

    def summary_text(self, *, more_hint: str = "输出文件") -> str:
        """The same text as :meth:`SiteCheck.summary_text` of a batch: counts, the first rows, the data note."""
        lines = [f"批量核查 {self.source}：{rows_counted_zh(self.rows, self.verdicts.get(NOT_PROJECT_ZH, 0))}"]
        for k, v in tables.verdict_counts_zh(counted=self.verdicts).items():
            lines.append(f"  {k}：{v} 条")
        for label, verdict, error in self.first_rows:
            lines.append(f"  {label}：{verdict}" + (f" — {printable_name(error)}" if error else ""))
        if self.rows > len(self.first_rows):
            lines.append(f"  …… 其余 {self.rows - len(self.first_rows)} 条见 {more_hint}")
        if len(self.sheets) > 1:
            lines.append(_sheets_note(self.rows, self.sheets))
        if self.provenance:
            lines.append("数据说明：" + self.provenance)
        return "\n".join(lines)


def check_batch_to_file(path, output, industry=None, *, crs=None, store=None, overwrite: bool = False,
                        chunk_rows: int = BATCH_CHUNK_ROWS, progress: bool = False, policy: dict | None = None,
                        **reader) -> BatchRun:
    """Check every row of a file of sites and write the results table chunk by chunk, in bounded memory.

    The table is the one :meth:`SiteCheck.to_table` writes (one row per input row, none lost), but
    the per-row results are written as each chunk of ``chunk_rows`` rows is checked and then
    dropped, so that a batch of a million rows needs the memory of the input and of one chunk.

    Parameters
    ----------
    path, industry, crs, store, policy, **reader
        As in :func:`check_batch`.
    output
        ``.csv`` or ``.gpkg`` (appended chunk by chunk) or ``.xlsx`` (streamed; a batch longer than a
        worksheet's 1,048,575 rows goes on in 核查结果_2 …, and the 数据说明 sheet and the summary say
        which sheets hold the complete list).
    overwrite
        Replace an existing output.
    chunk_rows
        Rows checked at a time.
    progress
        Show the rows checked on stderr.

    Returns
    -------
    BatchRun
        The file written and the counts; ``summary_text()`` is the batch summary.

    Raises
    ------
    InputError
        The output is not .csv/.xlsx/.gpkg or exists (without ``overwrite``).

    Examples
    --------
    >>> from dcf_spatial.queries import check_batch_to_file
    >>> run = check_batch_to_file("百万选址.csv", "核查结果.csv", progress=True)   # doctest: +SKIP
    >>> run.rows, run.verdicts                                                  # doctest: +SKIP
    """
    from ...io.write import csv_safe
    from ...outputs_guard import guard_output
    from .batch import BATCH_OUTPUT_SUFFIXES

    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in BATCH_OUTPUT_SUFFIXES:
        raise InputError(f"{output}：结果文件请用 .csv、.xlsx 或 .gpkg。")
    plan.office_policies(policy)
    guard_output(output, overwrite=overwrite)
    sites, industries, figures, errors, notes, flags = read_batch(path, crs=crs, default_industry=industry,
                                                                 store=store, discs=False, **reader)
    flags = with_policy(flags, policy)
    n = len(sites)
    names = sites["name"].astype("string").fillna("").to_numpy() if "name" in sites.columns else None
    verdicts: dict = {}
    first_rows, failed, first_failure, prov = [], 0, None, ""
    sheet_names = _result_sheets(n) if suffix == ".xlsx" else []

    def checked():
        """Each chunk's results table, in order; the counts kept as they pass."""
        nonlocal failed, first_failure, prov
        for start, part, res in iter_site_results(sites, industries, figures, errors, flags, store=store,
                                                  chunk_rows=chunk_rows, progress=progress):
            stop = start + len(res)
            for i, r in enumerate(res, start=start):
                ok = r.get("status", "ok") == "ok"
                v = tables.counted_as_zh(r)
                verdicts[v] = verdicts.get(v, 0) + 1
                if len(first_rows) < TEXT_ROWS:
                    first_rows.append((tables.named_label(r["row_label"], None if names is None else names[i]),
                                       r.get("verdict_zh") if ok else v, r.get("error") or ""))
                if not ok:
                    failed += 1
                    first_failure = first_failure or {"row_label": r["row_label"], "error": r.get("error")}
                elif not prov:
                    prov = r["provenance"]["note_zh"]
            yield start, part, res, tables.results_table_zh(res, None if names is None else names[start:stop], part,
                                                            numbers=suffix == ".xlsx")

    from ...io.output_set import atomic_file

    if suffix == ".csv":
        # every format is written under a temporary name beside the output and renamed when complete: a
        # killed run leaves no partial table under the name (nor the earlier file half replaced)
        with atomic_file(output) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            for start, _, _, table in checked():
                csv_safe(table).to_csv(fh, index=False, header=start == 0)
    elif suffix == ".xlsx":
        _stream_xlsx(output, (table for _, _, _, table in checked()), n, sheet_names, sites.iloc[:0],
                     lambda: [prov, _VERDICT_VALUES_ZH, _sheets_note(n, sheet_names), *policy_notes_zh(policy),
                              *reading_notes_zh(notes)])
    else:
        with atomic_file(output) as tmp:
            for start, part, res, _ in checked():
                if len(res):
                    frame = present.sites_frame(part, res)
                    if sites.crs is not None and frame.crs != sites.crs:  # discs come in EPSG:4548
                        frame = frame.to_crs(sites.crs)
                    frame = tables.with_input_columns(frame, part, taken=frame.columns)
                    frame.to_file(tmp, layer="site_check", driver="GPKG", engine="pyogrio", append=start > 0)
            if not tmp.exists():
                raise InputError(f"{path}：没有可写出的行（文件中没有项目）。")
    logger.info("Wrote %d batch results to %s", n, output)
    return BatchRun(output=output, rows=n, verdicts=verdicts, first_rows=first_rows, failed=failed,
                    first_failure=first_failure, notes=list(notes), provenance=prov, source=str(path),
                    sheets=sheet_names)


#: data rows of one worksheet (Excel's 1,048,576 rows, the header included); a longer batch goes on in
#: 核查结果_2, 核查结果_3 … and the 数据说明 sheet says so
XLSX_SHEET_ROWS = 1_048_575

_VERDICT_VALUES_ZH = "结论取值：符合 / 有条件符合 / 不符合 / 不在规划范围 / 无法核查（原因见“无法核查的原因”列）"


def _result_sheets(n: int) -> list[str]:
    """The worksheets that hold ``n`` result rows: 核查结果, then 核查结果_2 … past one sheet's rows."""
    k = max(1, -(-n // XLSX_SHEET_ROWS))
    return ["核查结果"] + [f"核查结果_{i}" for i in range(2, k + 1)]


def _sheets_note(n: int, sheets: list[str]) -> str:
    """Where the complete list is in the workbook (the 数据说明 sheet and the summary say it)."""
    if len(sheets) <= 1:
        return f"完整清单：工作表“核查结果”，共 {n:,} 行（与输入相同）。"
    return (f"完整清单共 {n:,} 行，超过 Excel 单个工作表的上限（{XLSX_SHEET_ROWS:,} 行数据），依次分在工作表"
            + "、".join(f"“{x}”" for x in sheets) + f"中（每表至多 {XLSX_SHEET_ROWS:,} 行，记录序号连续）。")


def _lines(notes):
    # a generator function, not a generator expression: ``notes()`` must run when the writer reaches this
    # sheet (after every row), not when the sheet is added
    for line in notes():
        yield {"说明": line}


#: a whole number as rustpy_xlsxwriter writes every number: ``<v>1.0</v>``
_WHOLE_NUMBER = re.compile(rb"(<v>-?\d+)\.0(</v>)")


def _whole_numbers_as_integers(path: Path) -> None:
    """Rewrite ``<v>1.0</v>`` as ``<v>1</v>`` in the worksheets of the workbook ``path``.

    ``rustpy_xlsxwriter`` writes every Python int as ``1.0``, which openpyxl and other readers take as
    the float 1.0 (a 记录序号 of 1.0). It has no integer cell, and no other streaming writer is a
    dependency, so the finished file is copied once, worksheet by worksheet in 1 MiB blocks cut at a
    cell's end (bounded memory; ~1 s of CPU per 200,000 rows): only numeric ``<v>`` values change;
    text is written as inline strings (``<is><t>``) and never matches.
    """
    import os
    import zipfile

    fixed = path.with_name(path.name + ".int")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if not info.filename.startswith("xl/worksheets/"):
                zout.writestr(info, zin.read(info))
                continue
            out_info = zipfile.ZipInfo(info.filename, info.date_time)
            out_info.compress_type = zipfile.ZIP_DEFLATED
            with zin.open(info) as src, zout.open(out_info, "w") as dst:
                tail = b""
                while block := src.read(1 << 20):
                    block = tail + block
                    cut = block.rfind(b"</c>") + 4
                    if cut < 4:
                        tail = block
                        continue
                    dst.write(_WHOLE_NUMBER.sub(rb"\1\2", block[:cut]))
                    tail = block[cut:]
                dst.write(_WHOLE_NUMBER.sub(rb"\1\2", tail))
    os.replace(fixed, path)


def _stream_xlsx(output: Path, chunk_tables, n: int, sheets: list[str], empty, notes) -> None:
    """Write the result tables of a batch into ``output`` as they come, never the whole table in memory.

    ``rustpy_xlsxwriter`` (the Rust ``rust_xlsxwriter``, already the audit workbook's writer) takes a
    generator of rows and writes each sheet in its constant-memory mode; text is written as text cells,
    never a formula. ``notes()`` gives the 数据说明 lines once every row is written; ``empty`` (the input
    without rows) gives an empty batch its header.
    """
    import itertools

    import rustpy_xlsxwriter

    from ...io.output_set import atomic_file
    from ...io.write import _without_control_characters

    def records():
        for table in chunk_tables:
            yield from _without_control_characters(table).to_dict("records")

    first = next(chunk_tables, None)
    header = list(first.columns) if first is not None else list(tables.results_table_zh([], None, empty).columns)
    chunk_tables = itertools.chain([] if first is None else [first], chunk_tables)
    rows = records()
    # the columns' widths, sentences wrapped, the header frozen and filtered (tables.xlsx_layout), as the
    # desk's workbook (openpyxl) has them
    layout = tables.xlsx_layout(header)
    formats = {c: rustpy_xlsxwriter.Format().set_text_wrap().set_align("top") for c in layout["wrap"]}
    formats.update({c: rustpy_xlsxwriter.Format().set_num_format("0") for c in ("记录序号", "表格行号")})
    with atomic_file(output) as tmp:  # a failed or killed run leaves an earlier file as it was
        book = rustpy_xlsxwriter.FastExcel(str(tmp)).format(bold_headers=True).freeze(row=1)
        for name in sheets:
            # an empty batch still gets the header row
            book.sheet(name, itertools.islice(rows, XLSX_SHEET_ROWS) if n else tables.results_table_zh([], None, empty),
                       column_formats=formats, column_widths=layout["widths"], autofilter=True)
        book.sheet("数据说明", _lines(notes), column_widths={"说明": 100})  # read after the rows: the note comes from the checked rows
        book.save()
        _whole_numbers_as_integers(tmp)
    if not n:
        for _ in rows:  # the (empty) check still runs: its progress and counts
            pass
