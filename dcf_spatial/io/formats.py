"""Which files can be read, and where they are: paths, formats, sidecar files, GDAL layers.

Shared by the vector, table and streaming readers: :func:`check_path` (the file exists, a
Shapefile has its ``.dbf``/``.shx``), :func:`format_of` (the reader for a suffix, or the
conversion to make for a format that cannot be read), :func:`choose_layer` (one named layer,
the only one, or all of a KML's folders).
"""

from __future__ import annotations

from pathlib import Path

from .._fixes import LAYER as FIX_LAYER
from ..errors import InputError

#: suffix -> what it is, as told to users when a format is not supported
SUPPORTED_FORMATS: dict[str, str] = {
    ".shp": "Shapefile（.shp/.shx/.dbf，DBF 编码自动识别 UTF-8/GBK）",
    ".zip": "压缩的 Shapefile（.zip 内含 .shp；可在文件夹中，或 zip 中再套一层 zip）",
    ".gpkg": "GeoPackage",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "KML（Google Earth、奥维等）",
    ".kmz": "KMZ",
    ".gdb": "ESRI 文件地理数据库（.gdb 文件夹）",
    ".csv": "CSV（含坐标列；UTF-8、UTF-8-BOM 或 GBK）",
    ".txt": "分隔文本（含坐标列），或报批/勘测定界坐标 TXT（[属性描述]/[地块坐标] 格式，J1… 点号、X 北坐标、Y 东坐标，"
            "GBK 或 UTF-8；按内容自动识别，每条地块记录一个面）",
    ".xlsx": "Excel 工作簿（含坐标列）",
    ".xlsm": "Excel 工作簿（含坐标列）",
    ".xls": "旧版 Excel 工作簿 .xls（含坐标列；python-calamine 读取）",
    ".ods": "OpenDocument 表格 .ods（WPS/LibreOffice；含坐标列；python-calamine 读取）",
    ".dxf": "CAD 交换格式 DXF（闭合多段线转为面；作为场地时，首尾相接围成闭合的多条线也转为面，一圈在另一圈之内按洞处理（如红线内扣除的村庄），未闭合的线不作为场地）",
}
#: formats users often have, with what to do instead
_CONVERT_HINTS = {
    ".dwg": "不能直接读取 CAD .dwg。请在 CAD 中“另存为”DXF（或导出为 Shapefile）后再读取",
    ".wt": "不能直接读取 MapGIS 文件。请在 MapGIS 中转换为 Shapefile（或 GeoPackage）后再读取",
    ".wl": "不能直接读取 MapGIS 文件。请在 MapGIS 中转换为 Shapefile（或 GeoPackage）后再读取",
    ".wp": "不能直接读取 MapGIS 文件。请在 MapGIS 中转换为 Shapefile（或 GeoPackage）后再读取",
    ".mdb": "不能直接读取个人地理数据库 .mdb。请在 ArcGIS 中导出为文件地理数据库（.gdb）或 GeoPackage",
}
_FORMAT_KIND = {
    ".shp": "shp", ".zip": "zip", ".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson",
    ".kml": "kml", ".kmz": "kml", ".gdb": "gdb", ".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".xls": "xlsx", ".ods": "xlsx",
    ".dxf": "dxf",
}
_TABULAR = ("csv", "xlsx")

#: suffixes of the single files a user may upload to the desk: every file the readers open (the
#: CLI's list above), less a ``.gdb`` folder and a bare ``.shp`` (its ``.dbf``/``.shx`` cannot travel
#: with it in one upload, so it comes zipped). One list, shared by the desk and its messages.
UPLOAD_SUFFIXES: tuple[str, ...] = tuple(s for s in _FORMAT_KIND if s not in (".gdb", ".shp"))
#: the same, as told to users
UPLOAD_FORMATS_ZH = ("压缩的 SHP（.zip）、GPKG、GeoJSON、KML/KMZ、DXF、报批坐标 TXT、"
                     "CSV、Excel（.xlsx/.xlsm/.xls）或 ODS（WPS/LibreOffice）")


def _supported_text() -> str:
    seen, parts = set(), []
    for suffix, what in SUPPORTED_FORMATS.items():
        if what not in seen:
            seen.add(what)
            same = [s for s, w in SUPPORTED_FORMATS.items() if w == what]
            parts.append(f"{'/'.join(same)} {what}")
    return "；".join(parts)


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if path.is_dir() and suffix != ".gdb":
        raise InputError(
            f"{path} 是文件夹而不是数据文件。请给出其中的 .shp/.gpkg 等文件；只有 ESRI 文件地理数据库（.gdb 文件夹）可直接读取。"
        )
    if suffix in _CONVERT_HINTS:
        raise InputError(f"{path}：{_CONVERT_HINTS[suffix]}。")
    if suffix not in _FORMAT_KIND:
        raise InputError(
            f"{path}：不支持的文件格式 {suffix or '（无扩展名）'}。支持：{_supported_text()}。"
            "请在 GIS 软件中导出为其中一种格式（推荐 GeoPackage）。"
        )
    return _FORMAT_KIND[suffix]


def _excel_engine(path: Path) -> str:
    """pandas engine of a workbook: openpyxl for .xlsx/.xlsm (as before), python-calamine for the
    old binary .xls and OpenDocument .ods (one well-kept reader for both)."""
    return "calamine" if path.suffix.lower() in (".xls", ".ods") else "openpyxl"


def _is_pg(path) -> bool:
    """``pg:SCHEMA.TABLE`` names a table in the database of the PostGIS layer store (``store=``)."""
    return isinstance(path, str) and path.startswith("pg:")


#: the files inside a zip that are datasets (a shapefile is its ``.shp``; the other parts travel
#: with it; a ``.gdb`` folder is one dataset); tables and notes beside them are not
ZIP_DATASET_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".dxf", ".gdb")


def zip_member_name(info) -> str:
    """The real name of a zip member, also when the zip does not mark its names as UTF-8.

    Zips made on Chinese Windows (资源管理器“发送到压缩文件”, WinRAR, 好压) and by Linux ``zip``
    store names as raw GBK or UTF-8 bytes without the UTF-8 flag (bit 0x800); Python's zipfile and
    GDAL's ``/vsizip`` then decode them as CP437 (``集聚区.shp`` → ``╝»╛█╟°.shp``). Such a name is
    decoded as UTF-8 when its bytes are valid UTF-8, else as GBK (GB18030), else kept as CP437.

    Parameters
    ----------
    info : zipfile.ZipInfo
        The member, from ``ZipFile.infolist()``.

    Returns
    -------
    str
        The name as its maker wrote it.

    Examples
    --------
    >>> import zipfile
    >>> info = zipfile.ZipInfo("集聚区.shp".encode("gbk").decode("cp437"))
    >>> info.filename
    '╝»╛█╟°.shp'
    >>> zip_member_name(info)
    '集聚区.shp'
    """
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:  # zipfile opened with another metadata_encoding: already decoded
        return name
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def zip_names(path) -> dict[str, str]:
    """Every member of a zip: its real name (:func:`zip_member_name`) -> the name GDAL's ``/vsizip``
    and Python's zipfile know it by (the CP437 reading when the zip does not flag UTF-8).

    Users see and choose the real names; the readers open the member under the other.

    Raises
    ------
    InputError
        ``path`` is not a readable zip (an empty file, a damaged or truncated archive), naming the
        file and the fix.

    Examples
    --------
    >>> zip_names("集聚区.zip")  # doctest: +SKIP
    {'集聚区.shp': '╝»╛█╟°.shp', '集聚区.dbf': '╝»╛█╟°.dbf', ...}
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return {zip_member_name(i): i.filename for i in zf.infolist()}
    except (zipfile.BadZipFile, EOFError) as exc:
        size = Path(path).stat().st_size if Path(path).exists() else 0
        what = "是空文件（0 字节）" if size == 0 else f"不是有效的 zip 压缩文件（{exc}）"
        raise InputError(f"{path} {what}：文件可能未下载完整或已损坏。请重新打包（Shapefile 须含同名的 .shp、.shx、.dbf、.prj）"
                         "或重新下载后再读取。") from None


def _zip_datasets(path) -> dict[str, str]:
    """The datasets of a zip: real member path -> the member path GDAL opens."""
    from pathlib import PurePosixPath

    found: dict[str, str] = {}
    for name, stored in zip_names(path).items():
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if not parts or "__MACOSX" in parts or any(q.startswith(".") for q in parts):
            continue
        stored_parts = PurePosixPath(stored.replace("\\", "/")).parts
        if len(stored_parts) != len(parts):  # a GBK trail byte 0x5C read as a backslash: GDAL's own split
            stored_parts = PurePosixPath(stored).parts
        gdb = next((i for i, q in enumerate(parts) if q.lower().endswith(".gdb")), None)
        if gdb is not None:
            member, inner = "/".join(parts[:gdb + 1]), "/".join(stored_parts[:gdb + 1])
        elif PurePosixPath(parts[-1]).suffix.lower() in ZIP_DATASET_SUFFIXES and not name.endswith("/"):
            member, inner = "/".join(parts), "/".join(stored_parts)
        else:
            continue
        found.setdefault(member, inner)
    return found


def zip_datasets(path) -> list[str]:
    """The datasets a ``.zip`` holds, as member paths (``"宗地.shp"``, ``"数据/园区.gpkg"``, ``"三调.gdb"``).

    Hidden files and macOS ``__MACOSX`` copies are skipped. Names are the real ones also when the
    zip does not flag them as UTF-8 (GBK names from Chinese Windows; see :func:`zip_member_name`).

    Raises
    ------
    InputError
        ``path`` is not a readable zip (an empty file, a damaged or truncated archive), naming the
        file and the fix.

    Examples
    --------
    >>> zip_datasets("宗地.zip")  # doctest: +SKIP
    ['宗地.shp']
    """
    return list(_zip_datasets(path))


def _zip_member(path: Path, layer, datasets: list[str]) -> str:
    """The dataset of a zip holding several that ``layer`` names (its path in the zip, file name or stem)."""
    from pathlib import PurePosixPath

    shown = "、".join(datasets)
    if layer is None:
        raise InputError(f"{path} 含 {len(datasets)} 个数据集：{shown}。请{FIX_LAYER}（如 {PurePosixPath(datasets[0]).stem}），"
                         "即要读取哪一个；或只打包其中一个。")
    want = str(layer).lower()
    hits = [d for d in datasets if want in (d.lower(), PurePosixPath(d).name.lower(), PurePosixPath(d).stem.lower())]
    if len(hits) != 1:
        raise InputError(f"{path}：没有{'唯一' if hits else ''}名为 {layer!r} 的数据集。压缩文件中有：{shown}。")
    return hits[0]


def _zip_layer_name(name: str) -> str:
    """The real name of a layer GDAL lists in a zip (a shapefile's layer is its CP437-read stem)."""
    import zipfile

    return zip_member_name(zipfile.ZipInfo(name))


def _check_path(path) -> Path:
    path = Path(path).expanduser()
    if not path.exists():
        hint = ""
        if path.parent.exists():
            near = sorted(p.name for p in path.parent.glob(f"{path.stem}.*"))[:8]
            if near:
                hint = f"同一文件夹中有：{', '.join(near)}。"
        raise InputError(f"文件不存在：{path}。{hint}请检查路径和文件名（含扩展名）。")
    if path.suffix.lower() == ".zip" and path.is_file():
        import re
        from pathlib import PurePosixPath

        for name in zip_names(path):  # the message the unpacking (io.unzip) and the desk give (QA round 10)
            name = name.replace("\\", "/")
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in PurePosixPath(name).parts:
                raise InputError(f"{path}：其中的「{name}」路径不安全（绝对路径或含 ..），已拒绝整个文件。请重新打包。")
    if path.suffix.lower() == ".zip" and path.is_file() and not zip_datasets(path) and not any(
            n.lower().endswith(".zip") for n in zip_names(path)):  # a zip inside the zip is opened (io.unzip)
        raise InputError(f"{path}：压缩文件中没有可读取的 GIS 数据（.shp 及同名 .shx/.dbf/.prj、.gpkg、.geojson、.kml、.dxf "
                         "或 .gdb 文件夹）。请把数据文件打包进去后再读取。")
    if path.suffix.lower() == ".shp":
        missing = [ext for ext in (".dbf", ".shx") if _sidecar(path, ext) is None]
        if missing:
            raise InputError(
                f"{path}：Shapefile 缺少 {'、'.join(missing)} 文件。Shapefile 由 .shp/.shx/.dbf（及 .prj/.cpg）"
                "多个文件组成，请把同名的全部文件放在同一文件夹，或打包成 .zip 后读取。"
            )
    return path


def _sidecar(path: Path, ext: str) -> Path | None:
    for cand in (path.with_suffix(ext), path.with_suffix(ext.upper())):
        if cand.exists():
            return cand
    return None


def _gdal_path(path: Path, kind: str, layer=None) -> str:
    """The name GDAL opens: the file, the zip, or the dataset of a zip holding several that ``layer`` names."""
    if kind != "zip":
        return str(path)
    if layer is not None:
        datasets = _zip_datasets(path)
        if len(datasets) > 1:
            return f"/vsizip/{path}/{datasets[_zip_member(path, layer, list(datasets))]}"
    return f"/vsizip/{path}"


def _gdal_errors() -> tuple[type[BaseException], ...]:
    import pyogrio.errors as pe

    return (pe.DataSourceError, pe.DataLayerError, pe.FeatureError, pe.FieldError, pe.GeometryError,
            pe.CRSError, UnicodeDecodeError)


def _choose_layer(path: Path, kind: str, layer) -> list[str | None]:
    """Which layer(s) to read: one named, the only one, or all of a KML's folders."""
    import pyogrio

    if kind == "zip":
        datasets = zip_datasets(path)
        if len(datasets) > 1:  # GDAL opens a zip of several datasets as one only when all are shapefiles
            member = _zip_member(path, layer, datasets)
            try:
                inner = [str(n) for n, _ in pyogrio.list_layers(_gdal_path(path, kind, layer))]
            except _gdal_errors() as exc:
                raise InputError(f"{path}：GDAL 无法打开其中的 {member}（{exc}）。文件可能已损坏，或扩展名与内容不符。") from None
            if len(inner) != 1:
                raise InputError(f"{path}：其中的 {member} 含 {len(inner)} 个图层（{'、'.join(inner) or '无'}）；"
                                 "请先解压，再读取解压出的文件并选择图层。")
            return inner
    try:
        layers = [str(n) for n, _ in pyogrio.list_layers(_gdal_path(path, kind))]
    except _gdal_errors() as exc:
        raise InputError(f"{path}：GDAL 无法打开该文件（{exc}）。文件可能已损坏，或扩展名与内容不符。") from None
    if kind == "zip":  # GDAL reads unflagged names as CP437: show and match the real ones, open GDAL's
        real = {_zip_layer_name(n): n for n in layers}
        if layer is not None and str(layer) not in layers and str(layer) in real:
            return [real[str(layer)]]
        layers_shown = list(real)
    else:
        layers_shown = layers
    if layer is not None:
        if str(layer) not in layers:
            raise InputError(f"{path}：没有名为 {layer!r} 的图层。现有图层：{'、'.join(layers_shown) or '（无）'}。")
        return [str(layer)]
    if len(layers) <= 1:
        return [layers[0] if layers else None]
    if kind == "kml":
        return layers
    raise InputError(
        f"{path} 含 {len(layers)} 个图层：{'、'.join(layers_shown)}。请{FIX_LAYER}（如 {layers_shown[0]}），即要读取哪一个。"
    )



#: the standard layers of a third national land survey (三调) FileGDB, as the bureau exports them
SURVEY_LAYERS_ZH = {"DLTB": "地类图斑", "XZQ": "行政区", "XZQJX": "行政区界线", "CZCDYD": "城镇村等用地",
                    "YJJBNTTB": "永久基本农田图斑", "STBHHX": "生态保护红线", "CJDCQ": "村级调查区"}


def survey_layer(path, wanted) -> str | None:
    """The layer to read from a 三调 FileGDB/GeoPackage for a purpose: the first of ``wanted``
    (e.g. ``("DLTB",)`` for current land use) that the file has, when it has several layers;
    ``None`` otherwise (the reader then takes the only layer, or asks which).

    Examples
    --------
    >>> survey_layer("三调.gdb", ("DLTB",))  # doctest: +SKIP
    'DLTB'
    """
    import pyogrio

    path = Path(path)
    if path.suffix.lower() not in (".gdb", ".gpkg") or not path.exists():
        return None
    try:
        layers = [str(n) for n, _ in pyogrio.list_layers(str(path))]
    except _gdal_errors():
        return None
    if len(layers) <= 1:
        return None
    upper = {n.upper(): n for n in layers}
    return next((upper[w.upper()] for w in wanted if w.upper() in upper), None)
