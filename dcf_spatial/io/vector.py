"""Vector files: read any supported user file into a GeoDataFrame in the storage CRS.

:func:`read_vector` takes Shapefile (also zipped), GeoPackage, GeoJSON, KML/KMZ, ESRI FileGDB,
CAD DXF (closed polylines become polygons) through GDAL/pyogrio, and CSV/TXT/XLSX with coordinate
columns through :mod:`.tables`; ``pg:SCHEMA.TABLE`` through :mod:`.pg`. Whatever the source, the
coordinates' CRS is resolved (:func:`dcf_spatial.crs.guess.resolve_crs`), the rows are checked
(:func:`.rows.check_rows`) and the canonical columns added (:func:`.aliases.apply_aliases`); every
step is said in ``attrs["read_notes"]``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .._fixes import CRS as FIX_CRS, ENCODING as FIX_ENCODING, LAYER as FIX_LAYER
from ..crs.guess import resolve_crs
from ..errors import InputError
from .aliases import DEFAULT_VECTOR_ALIASES, apply_aliases
# field_map targets that name the coordinate columns of a table (``{"lon": "东经", "lat": "北纬"}``)
from .aliases import FIELD_MAP_X as _FIELD_MAP_X, FIELD_MAP_Y as _FIELD_MAP_Y
from .boundary_points import boundary_polygons, is_boundary_table
from .encoding import _gdal_encoding
from ..crs.read_as import CRS_READ, DECLARED_IN
from .formats import (_TABULAR, _check_path, _choose_layer, _format_of, _gdal_errors, _gdal_path, _is_pg,
                      survey_layer, zip_datasets)
from .rows import CAD_RINGS, ISSUE_COLUMN, RowIssues, _row_label_features, check_rows, row_labeller
from .survey_txt import SHAPE_WARNINGS, is_survey_txt, read_survey_txt
from .tables import GEOMETRY_FROM_COLUMN, _is_site_list, _points_from_table, _read_tabular, _sheet_with_coordinates
from .xlsx_cells import name_unsaved_formulas

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

logger = logging.getLogger(__name__)

#: suffixes never sniffed for a 报批 coordinate TXT (binary or folder formats)
_BINARY_SUFFIXES = (".shp", ".zip", ".gpkg", ".gdb", ".kmz", ".xlsx", ".xlsm", ".xls", ".dwg", ".mdb")


def _read_gdal(path: Path, kind: str, layer, encoding, notes, keep_wkb: bool = False) -> "gpd.GeoDataFrame":
    import pandas as pd
    import pyogrio
    import shapely.errors

    enc = _gdal_encoding(path, kind, layer, encoding, notes)
    if layer is None and kind == "gdb":
        layer = survey_layer(path, ("DLTB",))
        if layer is not None:
            others = [str(n) for n, _ in pyogrio.list_layers(str(path)) if str(n) != layer]
            notes.append(f"第三次全国国土调查（三调）数据库：读取地类图斑图层 {layer}"
                         f"（其他图层：{'、'.join(others)}；需要时请{FIX_LAYER}）")
    if kind == "kml" and layer is None and path.suffix.lower() == ".kmz":
        members = _kmz_members(path)
        if len(members) > 1:  # GDAL opens only the first KML of a KMZ: every one is read, none dropped
            return _read_kmz_members(path, members, enc, notes)
    names = _choose_layer(path, kind, layer)
    frames = []
    source, cut = _uncut_copy(path, kind, enc)
    for name in names:
        try:
            # use_arrow: GDAL hands whole columns over (pyarrow is a dependency); a bare 1M-parcel read
            # is about 3x faster and ~0.9 GB smaller than the row-wise path (issue 13)
            part = None
            if keep_wkb and len(names) == 1:
                part = _read_keeping_wkb(source or _gdal_path(path, kind, layer), name, enc)
            if part is None:
                part = pyogrio.read_dataframe(source or _gdal_path(path, kind, layer), layer=name, encoding=enc,
                                              use_arrow=True)
        except shapely.errors.GEOSException:   # a geometry GEOS cannot build (a one-point ring): breaker F11
            part = _read_undecodable(source or _gdal_path(path, kind, layer), name, enc, notes)
        except _gdal_errors() as exc:
            raise InputError(f"{path}：读取图层 {name or ''} 失败（{exc}）。文件可能已损坏，或请{FIX_ENCODING}（如 gbk）。") from None
        if not hasattr(part, "geometry") or "geometry" not in part.columns:
            raise InputError(
                f"{path}：图层 {name or ''} 没有几何（只是属性表）。要读属性请用 read_table；要作图请{FIX_LAYER}，选择有几何的图层。"
            )
        if len(names) > 1:
            part.insert(0, "kml_layer", name)
        frames.append(part)
    if len(frames) > 1:
        gdf = pd.concat(frames, ignore_index=True)
        notes.append(f"KML 含 {len(frames)} 个文件夹（图层）：{'、'.join(names)}，已全部读入，来源记在 kml_layer 列")
    else:
        gdf = frames[0]
    if cut:
        gdf = _restore_cut_names(gdf, cut, notes)
    if kind == "kml":
        gdf = _kml_names(gdf)
        notes.append(f"KML 坐标按规范为 WGS84；若取自奥维、高德等国内地图，坐标多为 GCJ-02，请{FIX_CRS}（如 gcj02）")
    if kind == "dxf":
        gdf = _close_cad_rings(gdf, notes)
    return gdf


def _read_undecodable(source, layer, encoding, notes) -> "gpd.GeoDataFrame":
    """The layer read feature by feature when a geometry of it cannot be built (GEOS refuses a ring of one
    point, …): those features are kept without geometry, each with the reason in ``read_issue`` (the site
    reader and the desk name them by their place in the file, :func:`~.site.unusable_rows`), the others read."""
    import geopandas as gpd
    import pyogrio
    import shapely

    frame = pyogrio.read_dataframe(source, layer=layer, encoding=encoding, use_arrow=True, read_geometry=False)
    _, table = pyogrio.read_arrow(source, layer=layer, encoding=encoding, columns=[])
    geoms, issues = [], []
    for i, wkb in enumerate(table.column(table.column_names[-1]).to_pylist()):
        try:
            geoms.append(None if wkb is None else shapely.from_wkb(wkb))
            issues.append("")
        except shapely.errors.GEOSException as exc:
            geoms.append(None)
            issues.append(f"几何无法构成（{str(exc).strip()}；如某一圈只有一个点），未读入；请在原软件中改正或删去该要素")
    crs = pyogrio.read_info(source, layer=layer, encoding=encoding).get("crs")
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=crs)
    gdf[ISSUE_COLUMN] = issues
    bad = [i + 1 for i, t in enumerate(issues) if t]
    notes.append(f"第 {'、'.join(map(str, bad[:10]))}{' 等' if len(bad) > 10 else ''} 个要素的几何无法构成，未读入（见各要素的说明）")
    return gdf


def _read_keeping_wkb(source, layer, encoding) -> "gpd.GeoDataFrame | None":
    """``pyogrio.read_dataframe(source, use_arrow=True)``'s frame, with the WKB as read kept in
    ``attrs[READ_WKB]`` (:class:`.read_wkb.ReadWkb`); None when the layer has no attribute or no
    geometry column (the caller reads it the usual way).

    pyogrio decodes the WKB and drops it; kept, a GeoParquet writer need not encode the geometries
    again. So the attributes are read without geometry and the geometry alone as arrow (at 10⁶
    parcels of a GeoPackage the two reads took the CPU time of one, ~2.2 s), decoded as
    ``read_dataframe`` decodes it (``shapely.from_wkb``, an invalid WKB raising). The geometry is
    read and decoded first; its validity (which the rows' check needs:
    :func:`dcf_spatial.io.rows.check_geometries`) is then tested in a thread of its own while this
    one reads the attributes (GEOS releases the GIL; at 10⁶ parcels ~0.6 s of CPU off the read's
    path on a free core). Read and decoded in a thread too, the geometry made the read slower on a
    loaded machine in four of six rounds: ``shapely.from_wkb`` holds the GIL while it makes a Python
    object a geometry, and so does the attributes' conversion to pandas."""
    from concurrent.futures import ThreadPoolExecutor

    import geopandas as gpd
    import pyogrio
    import shapely

    from .read_wkb import READ_WKB, ReadWkb

    meta, table = pyogrio.read_arrow(source, layer=layer, encoding=encoding, columns=[])
    name = meta["geometry_name"] or "wkb_geometry"
    if name not in table.column_names:
        return None
    wkb = ReadWkb.plain(table.column(name))
    del table
    geoms = shapely.from_wkb(wkb.to_numpy(zero_copy_only=False))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dcf-read-validity") as pool:
        valid = pool.submit(shapely.is_valid, geoms)
        frame = pyogrio.read_dataframe(source, layer=layer, encoding=encoding, use_arrow=True, read_geometry=False)
        valid = valid.result()
    if not len(frame.columns) or len(wkb) != len(frame):
        return None
    frame["geometry"] = geoms
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=meta["crs"])
    kept = ReadWkb.of_read(wkb, geoms, valid)
    if kept is not None:
        gdf.attrs[READ_WKB] = kept
    return gdf


def _kmz_members(path: Path) -> list[str]:
    """The KML files inside a KMZ (a zip), in archive order; ``[]`` when it is no readable zip."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return [n for n in z.namelist() if n.lower().endswith(".kml") and not n.endswith("/")]
    except (zipfile.BadZipFile, OSError):
        return []


def _read_kmz_members(path: Path, members: list[str], enc, notes) -> "gpd.GeoDataFrame":
    """Every KML of a KMZ that holds several (GDAL reads only the first, doc.kml), each with all its
    folders; ``kml_file`` (and ``kml_layer`` when a file has folders) say where each row came from."""
    import pandas as pd
    import pyogrio

    frames = []
    for member in members:
        source = f"/vsizip/{path}/{member}"
        try:
            layers = [str(n) for n, _ in pyogrio.list_layers(source)]
            for name in layers:
                part = pyogrio.read_dataframe(source, layer=name, encoding=enc, use_arrow=True)
                part.insert(0, "kml_file", member)
                if len(layers) > 1:
                    part.insert(1, "kml_layer", name)
                frames.append(part)
        except _gdal_errors() as exc:
            raise InputError(f"{path}：读取其中的 {member} 失败（{exc}）。文件可能已损坏；"
                             f"可解压后分别读取各 KML 文件。") from None
    if not frames:
        raise InputError(f"{path}：KMZ 中的 {len(members)} 个 KML 文件都没有图层。请检查文件内容。")
    gdf = pd.concat(frames, ignore_index=True)
    counts = pd.Series(gdf["kml_file"]).value_counts()
    notes.append(f"KMZ 含 {len(members)} 个 KML 文件：{'、'.join(f'{m}（{int(counts.get(m, 0))} 条）' for m in members)}，"
                 "已全部读入，来源记在 kml_file 列")
    notes.append(f"KML 坐标按规范为 WGS84；若取自奥维、高德等国内地图，坐标多为 GCJ-02，请{FIX_CRS}（如 gcj02）")
    return _kml_names(gdf)


def _kml_names(gdf):
    """A Placemark's ``<name>`` as the row's ``name`` (GDAL's KML driver calls it ``Name``): the batch takes
    it as the 项目名称 and the desk's site reading as the 地块's name, as the ``name`` field of a SHP/GPKG."""
    if "Name" in gdf.columns and "name" not in gdf.columns:
        gdf = gdf.rename(columns={"Name": "name"})
    return gdf


def _uncut_copy(path: Path, kind: str, enc) -> tuple[str | None, list[str]]:
    """A Shapefile whose UTF-8 Chinese field names were cut mid-character at the DBF's 10 bytes
    (GDAL and QGIS do this when writing): GDAL cannot decode those names, so the Shapefile is read
    from an in-memory copy (``/vsimem/``) whose DBF header has the partial last character removed.
    Returns (path to read or ``None``, the trimmed names)."""
    if kind != "shp" or (enc not in (None, "UTF-8", "utf-8")):
        return None, []
    from .encoding import cut_field_names
    from .formats import _sidecar

    dbf = _sidecar(path, ".dbf")
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        header_len = int.from_bytes(head[8:10], "little")
        fh.seek(0)
        header = bytearray(fh.read(header_len))
    fixes = cut_field_names(bytes(header))
    if not fixes:
        return None, []
    import atexit
    import os
    import shutil
    import tempfile

    for off, name in fixes.items():
        header[off:off + 11] = name.ljust(11, b"\x00")
    tmp = Path(tempfile.mkdtemp(prefix="dcf_shp_"))
    atexit.register(shutil.rmtree, tmp, True)
    target = tmp / path.name
    for ext in (".shp", ".shx", ".prj", ".cpg", ".qpj"):
        side = _sidecar(path, ext)
        if side is not None:
            try:
                os.symlink(side.resolve(), target.with_suffix(ext))
            except OSError:  # no symlinks here (some Windows setups): copy
                shutil.copyfile(side, target.with_suffix(ext))
    with open(dbf, "rb") as src, open(target.with_suffix(".dbf"), "wb") as out:
        src.seek(len(header))
        out.write(bytes(header))
        shutil.copyfileobj(src, out)
    return str(target), [n.decode("utf-8") for n in fixes.values()]


def _restore_cut_names(gdf, cut: list[str], notes):
    """Rename each cut field name to the one name of the alias table it begins (``土地使`` →
    ``土地使用权人``); a cut name that begins none, or several, is reported with what it may be."""
    from .aliases import _entries, _norm, alias_table

    known = {name for g in alias_table()["groups"].values() for entries in g.values() for name, _ in _entries(entries)}
    renames, unsure = {}, []
    for short in cut:
        if short not in gdf.columns:
            continue
        full = sorted({n for n in known if _norm(n).startswith(_norm(short)) and len(n.encode("utf-8")) > 10})
        if len(full) == 1 and full[0] not in gdf.columns:
            renames[short] = full[0]
        else:
            unsure.append(f"{short}（可能是 {'、'.join(full)}）" if full else short)
    if renames:
        gdf = gdf.rename(columns=renames)
        notes.append("UTF-8 中文字段名在 DBF 的 10 字节处被截断（半个汉字），已按标准字段名还原："
                     + "、".join(f"{a}→{b}" for a, b in renames.items()))
    if unsure:
        notes.append("UTF-8 中文字段名在 DBF 的 10 字节处被截断（半个汉字已去掉），无法确定原名：" + "、".join(unsure)
                     + "；需要时请用字段映射指明")
    return gdf


def _close_cad_rings(gdf, notes):
    """CAD draws a site's red line as a closed polyline; GDAL reads it as a line. Make it a polygon (each
    its own row, also when one lies inside another: a 宗地 layer may hold an enclave; the rows are listed
    in ``attrs[CAD_RINGS]``)."""
    import shapely

    geoms = np.asarray(gdf.geometry.values)
    lines = shapely.get_type_id(geoms) == 1
    closed = np.zeros(len(geoms), dtype=bool)
    closed[lines] = shapely.is_closed(geoms[lines]) & (shapely.get_num_coordinates(geoms[lines]) >= 4)
    if closed.any():
        new = geoms.copy()
        coords, index = shapely.get_coordinates(geoms[closed], return_index=True)
        new[closed] = shapely.polygons(shapely.linearrings(coords, indices=index))
        gdf = gdf.set_geometry(new, crs=gdf.crs)
        gdf.attrs[CAD_RINGS] = np.flatnonzero(closed).tolist()
        notes.append(f"CAD 中 {int(closed.sum())} 条闭合多段线已转为面（红线范围）；未闭合的线保持为线")
    notes.append(f"DXF 来自 CAD，其图层名在 Layer 列；CAD 文件通常不带坐标系，坐标系按数值判断（见下），必要时请{FIX_CRS}")
    return gdf


def _is_datav(gdf) -> bool:
    """A DataV GeoAtlas / Amap administrative GeoJSON: ``adcode`` and ``name`` (with ``level``, ``parent``…)."""
    return {"adcode", "name"} <= set(map(str, gdf.columns))


def _datav_parent(gdf, notes):
    """``parent`` of DataV is an object ``{"adcode": 371500}`` that GDAL reads as JSON text: its
    code becomes ``parent_code``; a district-level ``adcode`` gives the 12-digit ``code12``."""
    import json

    import pandas as pd

    gdf = gdf.copy()
    if "parent" in gdf.columns:
        def code(v):
            if isinstance(v, dict):
                return str(v.get("adcode")) if v.get("adcode") is not None else None
            try:
                obj = json.loads(v) if isinstance(v, str) else None
            except ValueError:
                return None
            return str(obj["adcode"]) if isinstance(obj, dict) and obj.get("adcode") is not None else None

        gdf["parent_code"] = [code(v) for v in gdf["parent"]]
    codes = pd.Series(gdf["adcode"]).map(lambda v: str(int(v)) if isinstance(v, (int, float)) and v == v else
                                         (str(v).strip() if v is not None else None))
    six = codes.str.fullmatch(r"\d{6}").fillna(False).to_numpy(dtype=bool)
    if "code12" not in gdf.columns and six.all():
        gdf["code12"] = (codes + "000000").to_numpy()
    gdf["adcode"] = codes.to_numpy()
    notes.append("识别为 DataV GeoAtlas / 高德行政区划 GeoJSON（adcode、name、level、parent）：adcode→code6"
                 + ("（及 12 位统计用区划代码 code12，末尾补 000000）" if "code12" in gdf.columns else "")
                 + "、name→name_zh" + ("、parent→parent_code" if "parent_code" in gdf.columns else "")
                 + "；DataV/高德的坐标为 GCJ-02，未另行指定坐标系时请指定 gcj02")
    return gdf


def _no_geometry_with_reasons(gdf, issues: RowIssues, where: str) -> None:
    """No row has a geometry, and the reader said why for some: say that (第1圈未闭合…), not only "no geometry" —
    a file of one parcel gets the message a file of several gives for that parcel (QA round 9 finding 7)."""
    import shapely

    geoms = np.asarray(gdf.geometry.values)
    if len(geoms) == 0 or not (shapely.is_missing(geoms) | shapely.is_empty(geoms)).all():
        return
    col = issues.column()
    if not col or not any(col):
        return
    why = [f"{issues.row_label(i)}：{t}" for i, t in enumerate(col) if t]
    raise InputError(f"{where}：{len(geoms)} 条记录都没有几何图形或坐标可用——" + "；".join(why[:10])
                     + (f" 等共 {len(why)} 条" if len(why) > 10 else "") + "。")


def _no_geometry_at_all(gdf) -> bool:
    """No row of ``gdf`` has a geometry (and it has rows)."""
    import shapely

    geoms = np.asarray(gdf.geometry.values)
    return len(geoms) > 0 and bool((shapely.is_missing(geoms) | shapely.is_empty(geoms)).all())


def _read_zipped(path: Path, *, layer, **kwargs) -> "gpd.GeoDataFrame":
    """A zip read as the desk reads an upload (:mod:`.unzip`): unpacked under chosen names into a temporary
    folder, its file read by :func:`read_vector`, messages and notes naming the zip (and the member when it
    lies in a folder or in a zip inside the zip), the folder deleted after."""
    from .unzip import unpacked

    with unpacked(path, layer=layer) as (inner, member, n):
        label = str(path) if "/" not in member else f"{path}（其中的 {member}）"
        # ``layer`` chose the dataset of a zip holding several; of a zip of one GeoPackage/workbook it names its layer
        inner_layer = layer if n == 1 and inner.suffix.lower() in (".gpkg", ".xlsx", ".xlsm", ".xls", ".ods") else None

        def named(text: str) -> str:
            return text.replace(str(inner), label).replace(str(inner.with_suffix("")), label)

        try:
            gdf = read_vector(inner, layer=inner_layer, **kwargs)
        except InputError as exc:
            raise type(exc)(named(str(exc))) from None
    gdf.attrs["read_notes"] = [named(t) for t in gdf.attrs.get("read_notes", [])]
    if gdf.attrs.get(SHAPE_WARNINGS):
        gdf.attrs[SHAPE_WARNINGS] = [named(t) for t in gdf.attrs[SHAPE_WARNINGS]]
    gdf.attrs["source_file"] = label
    if ISSUE_COLUMN in gdf.columns:
        gdf[ISSUE_COLUMN] = [named(v) if isinstance(v, str) else v for v in gdf[ISSUE_COLUMN]]
    return gdf


# --- public API ---------------------------------------------------------------------------------------


def read_vector(path, *, crs=None, layer=None, field_map: dict[str, str] | None = None, encoding=None,
                x=None, y=None, repair: bool = True, swap_xy: bool = False,
                aliases: str | Sequence[str] | None = DEFAULT_VECTOR_ALIASES,
                as_points: bool = False, keep_wkb: bool = False,
                rows_without_coordinates: bool = False) -> "gpd.GeoDataFrame":
    """Read any supported user file into a GeoDataFrame in the storage CRS (EPSG:4490).

    Parameters
    ----------
    path
        Shapefile (or .zip of one), GeoPackage, GeoJSON, KML/KMZ, .gdb folder, DXF, CSV/TXT or XLSX;
        a 报批/勘测定界 coordinate TXT (told by its ``[地块坐标]`` section, whatever the suffix) gives
        one row per 地块 record with the CRS of its header (:mod:`.survey_txt`); a CSV/XLSX
        界址点 table (a 点号/界址点号 column beside X/Y) one polygon per 地块号 (:mod:`.boundary_points`).
    crs
        CRS of the coordinates when the file does not say, or says wrongly: an EPSG code,
        ``"gcj02"`` (Amap/Tencent) or ``"bd09"`` (Baidu) — converted to CGCS2000. It overrides a
        declared CRS (a GCJ-02 file labelled WGS84). ``None``: the file's own CRS, else a guess
        from the numbers (degrees → 4490; 39xxxxxx eastings → 4527; unprefixed ≈500 km eastings
        near the district → 4548), always stated in the notes.
    layer
        Layer of a GeoPackage/FileGDB, or sheet of a workbook. Required when there are several
        (a KML's folders are all read, with a ``kml_layer`` column).
    field_map
        ``{target: source}`` field renames (the source column is kept).
    encoding
        Text encoding of a DBF/CSV; default: detected (UTF-8, GBK/GB18030).
    x, y
        Coordinate column names of a CSV/XLSX (default: recognised from the headers).
    repair
        Repair invalid geometries with :func:`shapely.make_valid` (rows reported).
    swap_xy
        Exchange x and y. Swapped latitude/longitude is never fixed silently: without this flag
        it raises :class:`InputError` naming the columns. (``X``/``Y`` headers holding a northing in
        X — the surveyors' convention — are read that way with a note.)
    aliases
        Alias groups applied (see :func:`apply_aliases`); default the land-survey standards
        ``("admin", "landuse")``.
    as_points
        Read a 界址点 table as one point per row instead of one polygon per 地块.
    keep_wkb
        A GDAL format's geometries as read (WKB) kept in ``attrs[READ_WKB]``
        (:class:`dcf_spatial.io.read_wkb.ReadWkb`), for a GeoParquet writer to reuse; ~0.1 GB a
        million polygons. Pop it from ``attrs`` at once: arrow writes a frame's ``attrs`` as JSON,
        and a derived frame holds it too.
    rows_without_coordinates
        A CSV/XLSX none of whose rows has usable coordinates is returned with empty geometries (each
        row's ``read_issue`` saying why) instead of raising: for a list whose rows can be placed by
        the place names of another column (:func:`dcf_spatial.places.read_rows_maybe_without_coordinates`).

    Returns
    -------
    GeoDataFrame
        One row per record, index ``0..n-1`` in file order, original attributes kept, in
        EPSG:4490. ``attrs["read_notes"]`` (list of Chinese sentences), ``attrs["source_file"]``;
        a ``read_issue`` column when some rows had problems.

    Raises
    ------
    InputError
        Missing file, unsupported format, no records, undecidable or swapped coordinates,
        coordinates outside China — the message names the file and the fix.

    ``path`` may also be ``"pg:SCHEMA.TABLE"``: a table of the PostGIS store's database (``store``),
    read with :func:`dcf_spatial.io.pg.read_pg_vector` (``layer``/``encoding``/``swap_xy`` do
    not apply).

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> parcels = dcf.read_vector("宗地.shp")                            # doctest: +SKIP
    >>> sites = dcf.read_vector("项目.xlsx", field_map={"lon": "东经", "lat": "北纬"})  # doctest: +SKIP
    >>> parcels.attrs["read_notes"]                                        # doctest: +SKIP
    >>> gdf = dcf.read_vector("报批坐标.txt")                     # doctest: +SKIP
    >>> gdf[["地块编号", "area_m2", "read_issue"]]             # doctest: +SKIP
    >>> dcf.read_vector("界址点.xlsx").geom_type.unique()          # doctest: +SKIP
    array(['Polygon'], dtype=object)
    """
    if _is_pg(path):
        from .pg import read_pg_vector

        return read_pg_vector(path, crs=crs, field_map=field_map, aliases=aliases)
    path = _check_path(path)
    shape_warnings: list[str] = []
    if path.suffix.lower() == ".zip" and path.is_file() and not any(
            d.lower().endswith(".gdb") for d in zip_datasets(path)):  # a .gdb folder in a zip: GDAL's /vsizip
        return _read_zipped(path, crs=crs, layer=layer, field_map=field_map, encoding=encoding, x=x, y=y,
                            repair=repair, swap_xy=swap_xy, aliases=aliases, as_points=as_points)
    survey = path.suffix.lower() not in _BINARY_SUFFIXES and is_survey_txt(path)
    kind = "survey_txt" if survey else _format_of(path)
    where = str(path)
    notes: list[str] = []
    if survey:
        gdf = read_survey_txt(path, crs=crs, encoding=encoding)
        notes.extend(gdf.attrs.pop("read_notes"))
        issues = gdf.attrs.pop("issues")
        row_numbers = gdf.attrs.pop("row_numbers")
        shape_warnings = gdf.attrs.pop(SHAPE_WARNINGS, [])
        names, survey_ok = ("Y（东坐标）", "X（北坐标）"), False
    elif kind in _TABULAR:
        df, lines = _read_tabular(path, kind, layer, encoding, notes, aliases, field_map)
        # a list of sites chose its sheet by its header already (a site column and an industry column)
        if kind == "xlsx" and layer is None and x is None and y is None and not field_map and not _is_site_list(aliases):
            df, lines = _sheet_with_coordinates(path, df, lines, encoding, notes)
        if x is None and y is None and field_map:
            # field_map {"lon": <column>, "lat": <column>} names the coordinate columns
            x = next((field_map[k] for k in _FIELD_MAP_X if k in field_map), None)
            y = next((field_map[k] for k in _FIELD_MAP_Y if k in field_map), None)
        if not as_points and is_boundary_table(df, x, y):
            gdf, names, survey_ok, row_numbers, issues = boundary_polygons(df, lines, x=x, y=y, where=where,
                                                                           notes=notes)
        else:
            issues = RowIssues(len(df), row_labeller(lines))
            gdf, names, survey_ok = _points_from_table(df, lines, x=x, y=y, where=where, notes=notes, issues=issues)
            name_unsaved_formulas(df, lines, issues)
            row_numbers = [int(v) for v in lines]  # the spreadsheet row of each record, as the notes count
            if as_points and is_boundary_table(df, x, y):
                notes.append("按要求把界址点表逐点读取为点（每行一点），未连成面")
    else:
        row_numbers = None
        gdf = _read_gdal(path, kind, layer, encoding, notes, keep_wkb=keep_wkb)
        if len(gdf) == 0:
            raise InputError(
                f"{path}：文件中没有任何要素（0 条记录）。请确认导出时选中了要素，或{FIX_LAYER}，选择正确的图层。"
            )
        issues = RowIssues(len(gdf), _row_label_features)
        if ISSUE_COLUMN in gdf.columns:   # features whose geometry could not be built (_read_undecodable)
            for pos, text in enumerate(gdf.pop(ISSUE_COLUMN)):
                if text:
                    issues.add([pos], text)
        names, survey_ok = ("几何 x", "几何 y"), False
    cad_rings = gdf.attrs.get(CAD_RINGS)
    gdf = gdf.reset_index(drop=True)
    if rows_without_coordinates and kind in _TABULAR and _no_geometry_at_all(gdf):
        # every row lacks coordinates (each says why): none to judge a CRS by; the rows are placed otherwise
        from .. import settings

        gdf = gdf.set_crs(settings.storage_crs, allow_override=True)
    else:
        _no_geometry_with_reasons(gdf, issues, where)
        gdf = resolve_crs(gdf, user_crs=crs, swap_xy=swap_xy, survey_ok=survey_ok, where=where, names=names,
                          notes=notes)
    read_in = dict(gdf.attrs.get(CRS_READ) or {})
    if read_in.get("source") == "file":  # where this format states its CRS (the TXT's header, the .prj …)
        read_in["declared_in"] = DECLARED_IN.get(kind, "文件")
    gdf = check_rows(gdf, where=where, notes=notes, repair=repair, issues=issues)
    gdf.attrs["source_file"] = where
    if aliases == DEFAULT_VECTOR_ALIASES and _is_datav(gdf):
        aliases = (*aliases, "datav")
        gdf = _datav_parent(gdf, notes)
    # the file's own columns, before the aliases add canonical ones (a batch writes them back: queries.site.tables)
    own = [c for c in gdf.columns if c not in (gdf.geometry.name, ISSUE_COLUMN, GEOMETRY_FROM_COLUMN)]
    gdf, alias_notes = apply_aliases(gdf, aliases, field_map)
    notes.extend(alias_notes)
    gdf.attrs.update({"read_notes": notes, "source_file": where})
    if read_in:
        gdf.attrs[CRS_READ] = read_in
    gdf.attrs["input_columns"] = own
    if row_numbers is not None:
        gdf.attrs["row_numbers"] = row_numbers
    if cad_rings:
        gdf.attrs[CAD_RINGS] = cad_rings
    if shape_warnings or issues.warnings:  # shown first in an answer (site["shape_warnings_zh"])
        gdf.attrs[SHAPE_WARNINGS] = list(shape_warnings) + list(issues.warnings)
    logger.info("Read %d features from %s (%s)", len(gdf), path, "; ".join(notes[:3]) or "no conversions")
    return gdf
