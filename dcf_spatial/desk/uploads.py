"""Uploaded files: size cap, a per-request temporary folder, safe zip unpacking.

No name the client sends (the upload's file name, a zip member's path) is ever used as a path on the
server: a file is stored as ``upload<suffix>`` and zip members as ``f<k><suffix>`` (members sharing a
stem — a shapefile's ``.shp/.dbf/.shx/.prj/.cpg`` — keep sharing one), so there is no traversal to
guard against in the first place. The suffix itself must be one of the formats this desk opens.
The zip is unpacked by hand (``zipfile`` streams, counting real bytes, not the sizes the archive
claims) because ``ZipFile.extractall`` would write member names as paths and trusts no size cap.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from ..io.formats import UPLOAD_FORMATS_ZH, UPLOAD_SUFFIXES, zip_member_name
from .errors import DeskError

#: formats the desk opens, by suffix (lower case)
SITE_SUFFIXES = UPLOAD_SUFFIXES  # the readers' list (dcf_spatial.io.formats): the CLI and the desk alike
#: a shapefile's parts that may travel in a zip next to the vector formats above
ZIP_MEMBER_SUFFIXES = tuple(s for s in SITE_SUFFIXES if s != ".zip") + (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")
#: files a zip may be opened by (the first found, in this order)
ZIP_OPEN_ORDER = (".gpkg", ".shp", ".geojson", ".json", ".kml", ".kmz", ".dxf", ".txt", ".csv", ".xlsx", ".xlsm", ".xls", ".ods")
#: tables a zip may hold: opened only when it holds no GIS file
_TABLE_SUFFIXES = (".txt", ".csv", ".xlsx", ".xlsm", ".xls", ".ods")
MAX_ZIP_MEMBERS = 2000
CHUNK = 1 << 20

FORMATS_ZH = UPLOAD_FORMATS_ZH


def suffix_of(filename: str | None, allowed=SITE_SUFFIXES) -> str:
    """The lower-case suffix of an uploaded file name, refused unless it is one of ``allowed``."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    suffix = PurePosixPath(name).suffix.lower()
    if not name or suffix not in allowed:
        raise DeskError(415, f"不支持的文件类型「{name or '（无文件名）'}」。请上传 {FORMATS_ZH}。")
    return suffix


@contextmanager
def temp_folder(prefix: str = "dcf-desk-"):
    """A fresh temporary folder, deleted with everything in it when the block ends."""
    d = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def save_upload(upload, folder: Path, *, limit_bytes: int, allowed=SITE_SUFFIXES, layer: str | None = None) -> Path:
    """Copy a Starlette ``UploadFile`` into ``folder`` as ``upload<suffix>``, at most ``limit_bytes``.

    Parameters
    ----------
    upload
        The ``UploadFile`` (its ``filename`` only gives the suffix).
    folder
        The request's temporary folder.
    limit_bytes
        Size cap; a larger file is refused (413) and nothing of it is kept.
    allowed
        Suffixes accepted.
    layer
        Which dataset of a zip holding several to open (its name in the zip, file name or stem).

    Returns
    -------
    Path
        The saved file; a ``.zip`` is unpacked (see :func:`unpack_zip`) and the file to open returned.

    Examples
    --------
    >>> with temp_folder() as d:                                   # doctest: +SKIP
    ...     path = save_upload(upload, d, limit_bytes=200 << 20)
    """
    suffix = suffix_of(upload.filename, allowed)
    dest = folder / f"upload{suffix}"
    written = 0
    with dest.open("wb") as out:
        while chunk := upload.file.read(CHUNK):
            written += len(chunk)
            if written > limit_bytes:
                out.close()
                dest.unlink(missing_ok=True)
                raise DeskError(413, f"上传的文件超过大小上限 {_mb(limit_bytes)}。请压缩或拆分后再上传，"
                                     "或请管理员调高上限。")
            out.write(chunk)
    if written == 0:
        raise DeskError(400, f"上传的文件「{_display_name(upload.filename)}」是空的（0 字节）。请重新选择文件。")
    if suffix == ".zip":
        return unpack_zip(dest, folder / "zip", limit_bytes=limit_bytes, layer=layer)
    return dest


def unpack_zip(path: Path, dest: Path, *, limit_bytes: int, layer: str | None = None) -> Path:
    """Unpack ``path`` into ``dest`` under server-chosen names; return the file to open.

    Refuses members with absolute or ``..`` paths, links, formats not listed, more than
    :data:`MAX_ZIP_MEMBERS` members, and an unpacked total over ``limit_bytes`` (counted while
    unpacking, so a zip bomb stops at the cap). A zip holding several datasets is refused with
    their names unless ``layer`` names one, as the file readers do
    (:func:`dcf_spatial.io.formats.zip_datasets`): never the first one silently.
    """
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise DeskError(400, "上传的 .zip 不是有效的压缩文件（可能已损坏）。请重新打包后上传。") from None
    dest.mkdir()
    stems: dict[str, str] = {}
    written = 0
    opened: dict[Path, str] = {}  # file to open -> its name in the zip
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise DeskError(400, f"压缩文件内有 {len(members)} 个文件，超过上限 {MAX_ZIP_MEMBERS}。请只打包需要核查的数据。")
        for m in members:
            name = zip_member_name(m).replace("\\", "/")  # GBK names of Chinese Windows zips decoded
            parts = PurePosixPath(name).parts
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                raise DeskError(400, f"压缩文件中的「{name}」路径不安全（绝对路径或含 ..），已拒绝整个文件。请重新打包。")
            if (m.external_attr >> 16) & 0o170000 == 0o120000:
                raise DeskError(400, f"压缩文件中的「{name}」是符号链接，已拒绝整个文件。请重新打包。")
            base = parts[-1]
            if base.startswith(".") or "__MACOSX" in parts:
                continue  # macOS resource forks and hidden files carry no data
            suffix = PurePosixPath(base).suffix.lower()
            if suffix not in ZIP_MEMBER_SUFFIXES:
                continue  # e.g. a .xml metadata file or a .pdf next to the shapefile: not opened
            stem_key = "/".join(parts[:-1] + (PurePosixPath(base).stem.lower(),))
            stem = stems.setdefault(stem_key, f"f{len(stems)}")
            target = dest / f"{stem}{suffix}"
            with zf.open(m) as src, target.open("wb") as out:
                while chunk := src.read(CHUNK):
                    written += len(chunk)
                    if written > limit_bytes:
                        raise DeskError(413, f"压缩文件解压后超过大小上限 {_mb(limit_bytes)}，已拒绝。"
                                             "请只打包需要核查的数据。")
                    out.write(chunk)
            if suffix in ZIP_OPEN_ORDER:
                opened.setdefault(target, name)
    gis = {t: n for t, n in opened.items() if t.suffix not in _TABLE_SUFFIXES}
    opened = gis or opened  # a 说明.txt or a 清单.csv beside a shapefile is not a second dataset
    if len(opened) > 1:
        want = None if layer is None else str(layer).lower()
        hits = [t for t, n in opened.items()
                if want in (n.lower(), PurePosixPath(n).name.lower(), PurePosixPath(n).stem.lower())]
        if len(hits) != 1:
            names = list(opened.values())
            ask = (f"没有名为「{layer}」的数据集" if layer is not None else "请选择要读取哪一个"
                   f"（数据集 layer，如 {PurePosixPath(names[0]).stem}），或只打包其中一个")
            raise DeskError(400, f"压缩文件中有 {len(opened)} 个数据集：{'、'.join(names)}。{ask}。", datasets=names)
        return hits[0]
    if opened:
        return next(iter(opened))
    raise DeskError(400, f"压缩文件中没有可读的数据文件。请打包 {FORMATS_ZH.replace('压缩的 SHP（.zip）', 'SHP（含 .shp/.shx/.dbf/.prj）')}。")


def pick_dataset(path: Path, layer: str | None) -> str | None:
    """The layer of a GeoPackage to read: ``None`` when the file has one (or is not a GeoPackage),
    ``layer`` when it names one of several; otherwise a 400 whose ``datasets`` lists them all, so a page
    can offer the choice (never the first one silently).

    Parameters
    ----------
    path
        The saved upload (after :func:`save_upload`: a zip is already unpacked to the file to open).
    layer
        The dataset the request chose, or ``None``.

    Returns
    -------
    str or None
        The ``layer`` argument to give the reader.

    Examples
    --------
    >>> pick_dataset(Path("upload.geojson"), None) is None
    True
    """
    if path.suffix.lower() != ".gpkg":
        return None
    import pyogrio

    try:
        names = [str(n) for n, _ in pyogrio.list_layers(str(path))]
    except Exception:  # a damaged file: the reader says what is wrong with it, naming the upload
        return None
    if len(names) <= 1:
        return None
    if layer is not None and str(layer) in names:
        return str(layer)
    ask = f"没有名为「{layer}」的数据集" if layer is not None else f"请选择要读取哪一个（数据集 layer，如 {names[0]}）"
    raise DeskError(400, f"GeoPackage 中有 {len(names)} 个数据集（图层）：{'、'.join(names)}。{ask}。", datasets=names)


def _mb(n: int) -> str:
    return f"{n / (1 << 20):g} MB"


def _display_name(name: str | None) -> str:
    return (name or "").replace("\\", "/").rsplit("/", 1)[-1] or "（无文件名）"
