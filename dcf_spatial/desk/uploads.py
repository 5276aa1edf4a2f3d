"""Uploaded files: size cap, a per-request temporary folder, safe zip unpacking.

No name the client sends (the upload's file name, a zip member's path) is ever used as a path on the
server: a file is stored as ``upload<suffix>`` and zip members as ``f<k><suffix>`` (members sharing a
stem — a shapefile's ``.shp/.dbf/.shx/.prj/.cpg`` — keep sharing one), so there is no traversal to
guard against in the first place. The suffix itself must be one of the formats this desk opens.
A zip is unpacked by :mod:`dcf_spatial.io.unzip` (the readers' own, so the command line reads what the desk
reads), counting real bytes against the cap, never writing a member name as a path.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from ..io.formats import UPLOAD_FORMATS_ZH, UPLOAD_SUFFIXES
from .errors import DeskError
from .upload_names import display_name, forget_under, remember

#: formats the desk opens, by suffix (lower case)
SITE_SUFFIXES = UPLOAD_SUFFIXES  # the readers' list (dcf_spatial.io.formats): the CLI and the desk alike
# the zip's parts, open order, member cap: dcf_spatial.io.unzip (one unpacking for the CLI and the desk)
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
        forget_under(d)


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
    remember(dest, upload.filename)  # the console's log names the user's file, not this copy (issue 12 M3)
    if suffix == ".zip":
        opened = unpack_zip(dest, folder / "zip", limit_bytes=limit_bytes, layer=layer,
                            label=f"上传的「{_display_name(upload.filename)}」")
        remember(opened, upload.filename)
        return opened
    return dest


def unpack_zip(path: Path, dest: Path, *, limit_bytes: int, layer: str | None = None,
               label: str = "上传的 .zip") -> Path:
    """Unpack ``path`` into ``dest`` under server-chosen names; return the file to open.

    The readers' own unpacking (:func:`dcf_spatial.io.unzip.unpack_zip`, also used by the command line):
    refuses members with absolute or ``..`` paths, links, more than its member cap, and an unpacked total
    over ``limit_bytes`` (counted while unpacking, so a zip bomb stops at the cap); opens a shapefile in a
    folder of the zip and a zip inside the zip. A zip holding several datasets is refused with their names
    unless ``layer`` names one: never the first one silently.
    """
    from ..io.unzip import ZipRefused, unpack_zip as io_unpack_zip

    try:
        return io_unpack_zip(path, dest, limit_bytes=limit_bytes, layer=layer, label=label)[0]
    except ZipRefused as exc:
        if exc.datasets and layer is None:
            names = exc.datasets
            raise DeskError(400, f"压缩文件中有 {len(names)} 个数据集：{'、'.join(names)}。请选择要读取哪一个"
                                 f"（数据集 layer，如 {PurePosixPath(names[0]).stem}），或只打包其中一个。",
                            datasets=names) from None
        extra = {"datasets": exc.datasets} if exc.datasets else {}
        raise DeskError(exc.status, str(exc), **extra) from None


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


def server_paths_named(texts, path: Path, filename: str | None) -> list[str]:
    """``texts`` (reading notes) with the server's copy of an upload — ``path``, its stem, its temporary
    folder — replaced by the name the user uploaded (QA round 10: a DXF note named /tmp/dcf-desk-…/upload.dxf).

    Examples
    --------
    >>> server_paths_named(["/tmp/dcf-desk-1/upload.dxf 的第 1…8 条线"], Path("/tmp/dcf-desk-1/upload.dxf"), "红线.dxf")
    ['红线.dxf 的第 1…8 条线']
    """
    shown = _display_name(filename)
    path = Path(path)
    folder = next((p for p in path.parents if p.name.startswith("dcf-desk-")), path.parent)
    out = []
    for t in texts:
        t = str(t)
        # the bare file name last: a TXT's 图形警告 names its file so (upload.txt), new-user F3
        for server in (str(path), str(path.with_suffix("")), str(folder), path.name):
            t = t.replace(server, shown)
        out.append(t)
    return out


_display_name = display_name  # the name every message and log line shows (upload_names.display_name)


#: characters no file name may hold on Windows, macOS or Linux, control characters, and the bidirectional
#: overrides (U+202A…U+202E, U+2066…U+2069) with which a name can show another suffix than its own: ``_``
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]+')


def _name_part(text) -> str:
    """One part of a download's name: unsafe characters as ``_``, no dots or spaces at its ends, at most 60
    characters (Chinese kept)."""
    return _UNSAFE_NAME.sub("_", str(text or "")).strip(" ._")[:60]


def result_file_name(base: str, filename: str | None, sheet: str | None, suffix: str) -> str:
    """A download's name carrying the uploaded file's stem and the sheet read: ``核查结果_项目清单_2025年.xlsx``,
    so that results of two sheets or two files saved side by side are told apart (QA round 10). Characters
    no file system accepts become ``_``; Chinese is kept; each part is cut at 60 characters.

    Examples
    --------
    >>> result_file_name("核查结果", "项目清单.xlsx", "2025年", ".xlsx")
    '核查结果_项目清单_2025年.xlsx'
    >>> result_file_name("idle_audit", "C:\\\\台账/供地:台账?.xlsx", None, ".xlsx")
    'idle_audit_供地_台账.xlsx'
    >>> result_file_name("核查结果", None, None, ".xlsx")
    '核查结果.xlsx'
    """
    parts = [base]
    stem = PurePosixPath(_display_name(filename).replace("\\", "/")).stem if filename else ""
    return _joined(base, (stem, sheet), suffix)


#: the Chinese name of each audit's downloads (the job's kind), and what a download of one kind adds to it
AUDIT_NAMES = {"idle": "闲置土地审计", "efficiency": "亩产效益评价"}
_AUDIT_FILE_PART = {"map": "地图", "parquet": "完整清单"}


def audit_file_name(kind: str, key: str, path, filename: str | None, sheet: str | None) -> str:
    """An audit download's name, in Chinese like every other download of the desk: the audit, the uploaded
    file's stem and the sheet read (:func:`result_file_name`), and what the file is — ``闲置土地审计_供地台账.xlsx``,
    ``闲置土地审计_供地台账_地图.html``, ``闲置土地审计_供地台账_完整清单.parquet`` (QA round 11, F13.13:
    ``idle_audit_供地台账.xlsx`` beside ``idle_audit_map_供地台账.html``). ``key`` is the writer's name for
    the file (``excel``, ``gpkg``, ``map``, ``parquet``); another audit kind keeps the writer's file stem.

    Examples
    --------
    >>> audit_file_name("idle", "map", "/tmp/x/idle_audit_map.html", "供地台账.xlsx", "2025年")
    '闲置土地审计_供地台账_2025年_地图.html'
    >>> audit_file_name("efficiency", "excel", "/tmp/x/efficiency.xlsx", None, None)
    '亩产效益评价.xlsx'
    """
    path = PurePosixPath(str(path).replace("\\", "/"))
    base = AUDIT_NAMES.get(kind, path.stem)
    name = result_file_name(base, filename, sheet, "")
    part = _AUDIT_FILE_PART.get(key)
    return f"{name}_{part}{path.suffix}" if part else name + path.suffix


def audit_file_names(kind: str, filename: str | None, sheet: str | None) -> dict:
    """Each file an audit writes (its name in the output folder) → its download's name
    (:func:`audit_file_name`): the text of the results names the files as the user receives them (QA F6).

    Examples
    --------
    >>> audit_file_names("idle", "供地台账.xlsx", None)["idle_audit.parquet"]
    '闲置土地审计_供地台账_完整清单.parquet'
    """
    from ..land.outputs import EFFICIENCY_FILES, IDLE_FILES

    written = IDLE_FILES if kind == "idle" else EFFICIENCY_FILES
    return {name: audit_file_name(kind, key, name, filename, sheet) for key, name in written.items()}


def check_file_name(base: str, suffix: str, *, project: str | None, verdict_zh: str | None, own_policy: bool,
                    day: dt.date) -> str:
    """A site check's download name: ``核查意见_甲_乙轴承项目_不符合_2026-12-07.pdf`` — the project's name
    (when given), the verdict, ``非默认口径`` when the check chose an office policy of its own, and the
    check's date, so that two projects' files, one project's under two 口径 or on two days are told apart.
    The same name for the page's download and an API caller's (``Content-Disposition``).

    Examples
    --------
    >>> check_file_name("核查意见", ".pdf", project="甲/乙:轴承项目", verdict_zh="不符合", own_policy=False,
    ...                 day=dt.date(2026, 12, 7))
    '核查意见_甲_乙_轴承项目_不符合_2026-12-07.pdf'
    >>> check_file_name("核查报告", ".html", project=None, verdict_zh="有条件符合", own_policy=True,
    ...                 day=dt.date(2026, 12, 7))
    '核查报告_有条件符合_非默认口径_2026-12-07.html'
    """
    return _joined(base, (project, verdict_zh, "非默认口径" if own_policy else "", day.isoformat()), suffix)


def _joined(base: str, parts, suffix: str) -> str:
    return "_".join([base] + [p for p in map(_name_part, parts) if p]) + suffix
