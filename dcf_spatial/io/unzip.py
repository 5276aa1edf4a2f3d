"""Zipped data: unpack a ``.zip`` safely under chosen names, then read the file it holds.

One way for every reader: the command line (``--site 地块.zip``, ``--parcels``, ``layers import``) and the
desk's uploads unpack a zip here, so a shapefile zipped inside a folder (``zip -r``, Windows 资源管理器
“发送到压缩(zipped)文件夹”), a zip inside a zip, or a UTF-8 DBF whose field names GDAL cut mid-character
read the same everywhere (QA round 9 findings 3 and 4).

No member name is used as a path: a file is written as ``f<k><suffix>`` (members sharing a stem — a
shapefile's ``.shp/.dbf/.shx/.prj/.cpg`` — keep sharing one), so there is no traversal to guard against;
absolute and ``..`` members, links and more than :data:`MAX_ZIP_MEMBERS` members are refused all the
same, and the bytes really unpacked are counted against a cap (a zip bomb stops there). Written by hand
because ``ZipFile.extractall`` writes member names as paths and trusts no size cap.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from .._fixes import LAYER as FIX_LAYER
from ..errors import InputError
from .formats import UPLOAD_SUFFIXES, zip_member_name

#: a shapefile's parts that may travel in a zip next to the formats the readers open
ZIP_MEMBER_SUFFIXES = tuple(s for s in UPLOAD_SUFFIXES if s != ".zip") + (
    ".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")
#: files a zip may be opened by (the first found, in this order)
ZIP_OPEN_ORDER = (".gpkg", ".shp", ".geojson", ".json", ".kml", ".kmz", ".dxf", ".txt", ".csv", ".xlsx", ".xlsm",
                  ".xls", ".ods")
#: tables a zip may hold: opened only when it holds no GIS file
_TABLE_SUFFIXES = (".txt", ".csv", ".xlsx", ".xlsm", ".xls", ".ods")
MAX_ZIP_MEMBERS = 2000
#: the cap on what a zip read from disk may unpack to, 2 GB unless the environment variable ``DCF_ZIP_MAX_MB``
#: sets it (the desk passes its upload cap instead); the members' declared sizes are checked against it before
#: anything is unpacked, and the bytes really written while unpacking (QA round 10: a 1.5 GB member was unpacked
#: under the former 8 GB cap, then GDAL could not open it)
MAX_UNPACKED_BYTES = int(os.environ.get("DCF_ZIP_MAX_MB") or 2048) << 20
#: a member over this size unpacking to more than this many times its packed size is refused before unpacking:
#: survey and GIS data never compress so well; a zip bomb (zeros) does
BOMB_RATIO, BOMB_MIN_BYTES = 200, 64 << 20
#: zips inside a zip are opened this deep (a folder sent to a compressed folder twice)
MAX_NESTING = 2
CHUNK = 1 << 20


class ZipRefused(InputError):
    """A zip that cannot be unpacked or holds no single dataset: ``status`` (400, or 413 over the size cap)
    and ``datasets`` (the names, when it holds several and none was chosen)."""

    def __init__(self, message: str, *, status: int = 400, datasets: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.datasets = list(datasets or [])


def _mb(n: int) -> str:
    return f"{n / (1 << 20):g} MB"


def unpack_zip(path, dest, *, limit_bytes: int | None = None, layer: str | None = None,
               label: str | None = None, _depth: int = 0, _written: list | None = None) -> tuple[Path, str, int]:
    """Unpack ``path`` into the new folder ``dest`` under chosen names; the file to open.

    Parameters
    ----------
    path
        The ``.zip``.
    dest
        A folder that does not exist yet (created here).
    limit_bytes
        Cap on the bytes unpacked (default :data:`MAX_UNPACKED_BYTES`): the declared sizes are checked before
        unpacking, the bytes written while unpacking (nested zips included).
    layer
        Which dataset of a zip holding several to open (its path in the zip, file name or stem).
    label
        How the zip is named in messages (default: its path).

    Returns
    -------
    (Path, str, int)
        The file to open, its path in the zip (``红线/子目录/地块.shp``; ``inner.zip/地块.shp`` inside a
        nested zip), and how many datasets the zip held.

    Raises
    ------
    ZipRefused
        Not a zip, an unsafe member, too many members, over the cap (``status`` 413), no dataset, or several
        and ``layer`` names none of them (``datasets`` lists them).

    Examples
    --------
    >>> import tempfile, zipfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with zipfile.ZipFile(d / "a.zip", "w") as zf:
    ...     zf.writestr("红线/地块.geojson", '{"type": "FeatureCollection", "features": []}')
    >>> opened, member, n = unpack_zip(d / "a.zip", d / "out")
    >>> opened.name, member, n
    ('f0.geojson', '红线/地块.geojson', 1)
    """
    path, dest = Path(path), Path(dest)
    label = label or str(path)
    limit_bytes = MAX_UNPACKED_BYTES if limit_bytes is None else limit_bytes
    written = _written if _written is not None else [0]
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, OSError):
        raise ZipRefused(f"{label} 不是有效的 zip 压缩文件（可能未下载完整或已损坏）。请重新打包后再读取。") from None
    dest.mkdir(parents=True)
    stems: dict[str, str] = {}
    opened: dict[Path, str] = {}  # file to open -> its name in the zip
    inner_zips: list[tuple[zipfile.ZipInfo, str]] = []
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise ZipRefused(f"{label}：压缩文件内有 {len(members)} 个文件，超过上限 {MAX_ZIP_MEMBERS}。请只打包需要的数据。")
        _check_declared_sizes(members, written, limit_bytes, label)
        for m in members:
            name = zip_member_name(m).replace("\\", "/")  # GBK names of Chinese Windows zips decoded
            parts = PurePosixPath(name).parts
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                raise ZipRefused(f"{label}：其中的「{name}」路径不安全（绝对路径或含 ..），已拒绝整个文件。请重新打包。")
            if (m.external_attr >> 16) & 0o170000 == 0o120000:
                raise ZipRefused(f"{label}：其中的「{name}」是符号链接，已拒绝整个文件。请重新打包。")
            base = parts[-1]
            if base.startswith(".") or "__MACOSX" in parts:
                continue  # macOS resource forks and hidden files carry no data
            suffix = PurePosixPath(base).suffix.lower()
            if suffix == ".zip":
                inner_zips.append((m, name))
                continue
            if suffix not in ZIP_MEMBER_SUFFIXES:
                continue  # e.g. a .xml metadata file or a .pdf next to the shapefile: not opened
            stem_key = "/".join(parts[:-1] + (PurePosixPath(base).stem.lower(),))
            stem = stems.setdefault(stem_key, f"f{len(stems)}")
            target = dest / f"{stem}{suffix}"
            _copy(zf, m, target, written, limit_bytes, label)
            if suffix in ZIP_OPEN_ORDER:
                opened.setdefault(target, name)
        gis = {t: n for t, n in opened.items() if t.suffix not in _TABLE_SUFFIXES}
        opened = gis or opened  # a 说明.txt or a 清单.csv beside a shapefile is not a second dataset
        if not gis and inner_zips:
            # a 说明.txt beside a zipped folder is no dataset either: only a 报批 TXT is (QA round 10)
            from .survey_txt import is_survey_txt

            opened = {t: n for t, n in opened.items() if t.suffix != ".txt" or is_survey_txt(t)}
        if opened and inner_zips and _depth < MAX_NESTING:
            # a shapefile AND a zip with another dataset: two datasets, never one of them silently (QA round 10)
            names = list(opened.values()) + [n for _, n in inner_zips]
            want = None if layer is None else str(layer).lower()
            zhits = [(m, n) for m, n in inner_zips
                     if want in (n.lower(), PurePosixPath(n).name.lower(), PurePosixPath(n).stem.lower())]
            ohits = [t for t, n in opened.items()
                     if want in (n.lower(), PurePosixPath(n).name.lower(), PurePosixPath(n).stem.lower())]
            if len(zhits) + len(ohits) != 1:
                first = PurePosixPath(names[0]).stem
                ask = (f"没有{'唯一' if zhits or ohits else ''}名为 {layer!r} 的数据集" if layer is not None
                       else f"请{FIX_LAYER}（如 {first}），即要读取哪一个；或只打包其中一个")
                raise ZipRefused(f"{label} 含 {len(names)} 个数据集：{'、'.join(names)}。{ask}。", datasets=names)
            if ohits:
                return ohits[0], opened[ohits[0]], len(names)
            inner_zips, opened, layer = zhits, {}, None
        if not opened and inner_zips and _depth < MAX_NESTING:
            # a zip holding only zips (a folder zipped twice): open the one inside, under the same cap
            if len(inner_zips) > 1 and layer is None:
                names = [n for _, n in inner_zips]
                raise ZipRefused(f"{label} 含 {len(names)} 个压缩文件：{'、'.join(names)}。请先解压，再读取其中一个。",
                                 datasets=names)
            m, name = inner_zips[0]
            target = dest / f"z{len(stems)}.zip"
            _copy(zf, m, target, written, limit_bytes, label)
            inner, member, n = unpack_zip(target, dest / f"z{len(stems)}", limit_bytes=limit_bytes, layer=layer,
                                          label=f"{label} 中的 {name}", _depth=_depth + 1, _written=written)
            return inner, f"{name}/{member}", n
    if len(opened) > 1:
        want = None if layer is None else str(layer).lower()
        hits = [t for t, n in opened.items()
                if want in (n.lower(), PurePosixPath(n).name.lower(), PurePosixPath(n).stem.lower())]
        names = list(opened.values())
        if len(hits) != 1:
            first = PurePosixPath(names[0]).stem
            ask = (f"没有{'唯一' if hits else ''}名为 {layer!r} 的数据集" if layer is not None
                   else f"请{FIX_LAYER}（如 {first}），即要读取哪一个；或只打包其中一个")
            raise ZipRefused(f"{label} 含 {len(names)} 个数据集：{'、'.join(names)}。{ask}。", datasets=names)
        return hits[0], opened[hits[0]], len(names)
    if opened:
        target = next(iter(opened))
        return target, opened[target], 1
    raise ZipRefused(f"{label}：压缩文件中没有可读取的数据（.shp 及同名 .shx/.dbf/.prj、.gpkg、.geojson、.kml、.dxf、"
                     "坐标 TXT/CSV/Excel）。请把数据文件打包进去后再读取。")


def _check_declared_sizes(members, written: list, limit_bytes: int, label: str) -> None:
    """Refuse before unpacking when the members' declared sizes exceed the cap, or a large member claims a
    packing ratio no real data reaches (a zip bomb). The bytes written are counted again while unpacking
    (:func:`_copy`): a declared size may lie."""
    from .formats import zip_member_name

    total = written[0] + sum(m.file_size for m in members)
    if total > limit_bytes:
        big = max(members, key=lambda m: m.file_size)
        # the environment variable sets the cap of a zip read from disk only; an upload's cap is the desk's own
        hint = ("；确需读取更大的数据时，可用环境变量 DCF_ZIP_MAX_MB 调高上限（单位 MB）。"
                if limit_bytes == MAX_UNPACKED_BYTES else "。")
        raise ZipRefused(f"{label}：压缩文件解压后共 {_mb(total)}（其中「{zip_member_name(big)}」{_mb(big.file_size)}），"
                         f"解压后超过大小上限 {_mb(limit_bytes)}，未解压即拒绝。请只打包需要的数据{hint}", status=413)
    for m in members:
        if m.file_size > BOMB_MIN_BYTES and m.file_size > BOMB_RATIO * max(m.compress_size, 1):
            raise ZipRefused(f"{label}：其中的「{zip_member_name(m)}」压缩前 {_mb(m.compress_size)}、解压后 {_mb(m.file_size)}"
                             f"（压缩比超过 {BOMB_RATIO} 倍，真实的地块/图层数据不会如此），疑为压缩炸弹，未解压即拒绝。"
                             "请重新导出、打包数据。", status=413)


def _copy(zf, member, target: Path, written: list, limit_bytes: int, label: str) -> None:
    """Unpack one member to ``target``, counting its bytes against the cap; a member that cannot be unpacked
    (its CRC fails, its data is cut short or its header lies about its size, encrypted, an unknown packing
    method) is refused naming the zip and the member (breaker B31-5: a damaged member was a 500)."""
    name = zip_member_name(member)
    if member.flag_bits & 0x1:
        raise ZipRefused(f"{label}：其中的「{name}」设有密码（加密压缩），无法读取。请不加密码重新打包后再读取。")
    try:
        with zf.open(member) as src, target.open("wb") as out:
            while chunk := src.read(CHUNK):
                written[0] += len(chunk)
                if written[0] > limit_bytes:
                    raise ZipRefused(f"{label}：压缩文件解压后超过大小上限 {_mb(limit_bytes)}，已拒绝。请只打包需要的数据。",
                                     status=413)
                out.write(chunk)
    except NotImplementedError:
        raise ZipRefused(f"{label}：其中的「{name}」使用了不支持的压缩方式（第 {member.compress_type} 种）。"
                         "请用常规的 zip 压缩（Deflate，如 Windows“发送到压缩(zipped)文件夹”）重新打包后再读取。") from None
    except DAMAGED_MEMBER_ERRORS:
        raise damaged_member(label, name) from None


#: what reading a damaged member raises: zipfile checks the CRC at the member's end (a flipped byte, or a header
#: under-declaring the size: the read stops at the declared size, then fails there); broken packed data, cut data
DAMAGED_MEMBER_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError)


def damaged_member(label: str, name: str) -> ZipRefused:
    """The refusal of a zip whose member ``name`` fails its check (breaker B31-5: a 500 and a traceback)."""
    return ZipRefused(f"{label}：其中的「{name}」已损坏（解压出的内容与压缩文件记录的校验值或大小不符），"
                      "压缩文件可能在拷贝、传输或下载时损坏。请用原始数据重新打包（重新生成 zip）后再读取。")


@contextmanager
def unpacked(path, *, layer: str | None = None, limit_bytes: int | None = None):
    """A zip unpacked into a temporary folder for the block (deleted after): ``(file, member, n_datasets)``.

    Examples
    --------
    >>> with unpacked("宗地.zip") as (shp, member, n):     # doctest: +SKIP
    ...     gdf = read_vector(shp)
    """
    d = Path(tempfile.mkdtemp(prefix="dcf-zip-"))
    try:
        yield unpack_zip(path, d / "zip", limit_bytes=limit_bytes, layer=layer)
    finally:
        shutil.rmtree(d, ignore_errors=True)
