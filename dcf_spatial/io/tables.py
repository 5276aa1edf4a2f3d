"""Tables: CSV/TXT and XLSX read as the user typed them, and their coordinate columns.

Encodings (:mod:`.encoding`), title rows above the header, blank rows, numbers stored as text and
code columns (kept as text, leading zeros intact) are handled here; :func:`read_table` returns
the attributes, and the vector reader turns coordinate columns into points
(:func:`_points_from_table`): ``lon/lat``, ``经度/纬度``, ``X/Y``, ``东坐标/北坐标``, a combined
``经纬度`` column, degrees-minutes-seconds, or WKT.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Sequence

import numpy as np

from .._validate import number_text
from .._fixes import FIELD_MAP as FIX_FIELD_MAP, ENCODING as FIX_ENCODING, LAYER as FIX_LAYER
from ..errors import InputError
from .aliases import _as_text, _is_text_field, _norm, alias_table, apply_aliases
from .csv_cells import CSV_CELL_MAX_CHARS, parse_head, refuse_long_cells
from .encoding import _gdal_encoding, text_encoding
from .formats import _TABULAR, _check_path, _excel_engine, _choose_layer, _format_of, _gdal_path, _is_pg

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)



def _header_row(rows: list[list]) -> int:
    """Index of the header among the first rows: skips title lines above a table."""
    counts = [sum(1 for v in r if v is not None and str(v).strip() not in ("", "nan", "None")) for r in rows]
    if not counts:
        return 0
    need = max(2, int(np.ceil(0.8 * max(counts)))) if max(counts) >= 2 else 1
    for i, c in enumerate(counts):
        if c >= need:
            return i
    return 0


def _blank(v) -> bool:
    return v is None or str(v).strip() in ("", "nan", "None", "NaN")


#: what a header's second row may hold under a column instead of a sub-name: the column's unit
#: (用地面积 over 亩, 出让面积 over 亩 | 公顷, 总投资 over 万元), as bureau ledgers and project lists are typed
_HEADER_UNITS = ("亩", "公顷", "平方米", "平米", "m2", "ha", "km2", "平方公里", "万元", "元", "亿元",
                 "万元/亩", "万元/公顷", "元/平方米", "元/m2", "%", "米", "m", "年", "个", "人", "吨", "万吨")


def _unit_word(value) -> str | None:
    """The unit a header's second-row cell gives (``亩``, ``（公顷）``, ``㎡`` → ``m2``), normalised as
    :data:`_HEADER_UNITS` writes it; ``None`` for a blank cell or a sub-name (下限, 经度).

    Examples
    --------
    >>> _unit_word("亩"), _unit_word("（公顷）"), _unit_word("㎡"), _unit_word("经度")
    ('亩', '公顷', 'm2', None)
    """
    if _blank(value) or isinstance(value, (int, float, np.number)):
        return None
    text = _norm(value).strip("()[]【】")
    text = text.replace("m²", "m2").replace("²", "2")
    return text if text in _HEADER_UNITS else None


def _two_row_header(rows: list[list], header: int) -> list[str] | None:
    """The flattened names of a two-row header, or ``None`` when the header is one row.

    Excel exports of ledgers group columns under a merged cell: ``约定容积率`` spans two columns whose
    second header row says ``下限`` / ``上限``. Read with the merge undone, the top cell holds the
    name and the cells to its right are blank. Taken as a two-row header when the row below the
    header is text only (no numbers: it is not a record) and fills at least one blank of the header
    row. Names become top + sub (``约定容积率下限``), or the top alone where the sub is blank
    (a column merged vertically). Written by hand: pandas' ``header=[0, 1]`` needs the header row
    known in advance and leaves ``Unnamed`` levels to clean anyway.

    A second row may also give a column's unit (:func:`_unit_word`): ``用地面积`` over ``亩`` (the other
    columns merged vertically), ``出让面积`` over ``亩`` | ``公顷``. Such a row is part of the header,
    never a record, and the unit stays recognisable: ``用地面积(亩)``, ``出让面积(公顷)``.

    Examples
    --------
    >>> _two_row_header([["项目名称", "用地面积"], [None, "亩"], ["甲", 30]], 0)
    ['项目名称', '用地面积(亩)']
    >>> _two_row_header([["宗地编号", "出让面积", None], [None, "亩", "公顷"]], 0)
    ['宗地编号', '出让面积(亩)', '出让面积(公顷)']
    """
    if header + 1 >= len(rows):
        return None
    top, sub = list(rows[header]), list(rows[header + 1])
    width = max(len(top), len(sub))
    top += [None] * (width - len(top))
    sub += [None] * (width - len(sub))
    subs = [v for v in sub if not _blank(v)]
    if not subs or any(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in subs):
        return None
    if any(re.fullmatch(r"[+-]?[\d.,]+", str(v).strip()) for v in subs):
        return None
    units = [_unit_word(b) for b in sub]
    # a row of units only (用地面积 over 亩; 出让面积 over 亩 | 公顷): each under a named column or its group
    only_units = all(u is not None for u, b in zip(units, sub) if not _blank(b))
    if not only_units and (len(subs) < 2 or not any(_blank(t) and not _blank(b) for t, b in zip(top, sub))):
        return None
    # a sub-name sits only under a merged group (a top name followed by blank cells): a first record
    # of text only under a one-row header with a blank column is not taken for a second header row;
    # a unit may sit under a single column
    span, start = [0] * width, None
    for i, t in enumerate(top):
        if not _blank(t):
            start = i
        if start is not None:
            span[start] += 1
    group_of = [None] * width
    start = None
    for i, t in enumerate(top):
        if not _blank(t):
            start = i
        group_of[i] = start
    if any(not _blank(b) and (group_of[i] is None or (span[group_of[i]] < 2 and units[i] is None))
           for i, b in enumerate(sub)):
        return None
    names, group = [], ""
    for t, b, unit in zip(top, sub, units):
        if not _blank(t):
            group = str(t).strip()
        elif _blank(b):
            group = ""
        if unit is not None and group:
            names.append(f"{group}({str(b).strip().strip('()（）[]【】')})")
            continue
        part = "" if _blank(b) else str(b).strip()
        names.append(group + part if group or part else None)
    return names


def _dedupe(names: list) -> list[str]:
    out, seen = [], {}
    for i, n in enumerate(names):
        n = str(n).strip() if n is not None and str(n).strip() not in ("", "nan", "None") else f"列{i + 1}"
        if n in seen:
            seen[n] += 1
            n = f"{n}.{seen[n]}"
        else:
            seen[n] = 0
        out.append(n)
    return out


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _keeps_text(values) -> bool:
    """Values that must stay text although they parse as numbers: leading zeros (``0012``) or
    more digits than a float holds (19-digit 坐落单位代码)."""
    arr = np.asarray([str(v).strip() for v in values], dtype="U") if len(values) else np.array([], dtype="U")
    if arr.size == 0:
        return False
    lengths = np.char.str_len(arr)
    lead0 = np.char.startswith(arr, "0") & (lengths > 1) & ~np.char.startswith(arr, "0.")
    return bool(lead0.any() or ((lengths >= 16) & np.char.isdigit(arr)).any())


def _infer_numbers(df: "pd.DataFrame") -> "pd.DataFrame":
    """Text columns that are wholly numbers become numbers (``1,234.5`` too) — except code-like
    columns and values with leading zeros, which stay text (parcel id ``0012`` must not become 12)."""
    import pandas as pd

    for col in df.columns:
        s = df[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s)) or _is_text_field(col):
            continue
        present = s.notna().to_numpy()
        if not present.any():
            continue
        head = s[present].iloc[:200].astype(str).map(number_text)  # full-width １２０ as typed in Chinese Excel
        if pd.to_numeric(head.str.strip().str.replace(",", "", regex=False), errors="coerce").isna().any():
            continue  # quick reject: a text column
        vals = pd.to_numeric(s, errors="coerce")
        failed = present & vals.isna().to_numpy()
        if failed.any():
            sub = s[failed].astype(str).map(number_text).str.strip()
            plain = sub.str.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?").fillna(False)
            if not (plain | sub.str.fullmatch(_THOUSANDS).fillna(False)).all():
                continue
            retry = pd.to_numeric(sub.str.replace(",", "", regex=False), errors="coerce")
            if retry.isna().any():
                continue
            vals = vals.astype(float)
            vals[failed] = retry.to_numpy()
        if _keeps_text(s[present].to_numpy()):
            continue
        _keep_non_finite_text(df, col, s, vals)
        df[col] = vals
    return df


#: ``attrs`` key of the text a cell held where it became a non-finite number (``1e400`` → inf), by
#: column and row position: messages quote what the user typed, not ``inf``
NUMBER_TEXT = "number_text"


def _restore_non_finite_text(df, path, opts) -> None:
    """Cells pandas read as ±inf (``1e400``, ``inf``) back to their text, so that
    :func:`_infer_numbers` reads them again and keeps what was typed (:data:`NUMBER_TEXT`); only the
    (rare) columns holding one are read again."""
    import pandas as pd

    cols = [c for c in df.columns if pd.api.types.is_float_dtype(df[c]) and np.isinf(df[c].to_numpy()).any()]
    if not cols:
        return
    raw = pd.read_csv(path, dtype=str, usecols=cols, **opts)
    for c in cols:
        mask = np.isinf(df[c].to_numpy())
        col = df[c].astype(object)
        col[mask] = raw[c].to_numpy(dtype=object)[mask]
        df[c] = col


def _keep_non_finite_text(df, col, text, vals) -> None:
    """Remember the typed text of the cells of ``col`` that read as ±inf (see :data:`NUMBER_TEXT`)."""
    pos = np.flatnonzero(np.isinf(vals.to_numpy(dtype=float)))
    if len(pos):
        raw = text.to_numpy(dtype=object)
        df.attrs.setdefault(NUMBER_TEXT, {})[col] = {int(i): str(raw[i]).strip() for i in pos}


def _read_csv(path: Path, encoding, notes) -> tuple["pd.DataFrame", np.ndarray]:
    import pandas as pd

    enc = text_encoding(path, encoding, notes)
    with open(path, encoding=enc, errors="replace", newline="") as fh:
        head = [fh.readline() for _ in range(HEADER_ROWS)]
    head = [h for h in head if h]
    # the separator is the one most used on some line (a title line above the header has none)
    sep = max([",", "\t", ";", "|"], key=lambda c: max((h.count(c) for h in head), default=0))
    rows = parse_head(path, head, sep)   # a cell over the csv module's limit named by row and column
    header = _header_row(rows)
    if header:
        notes.append(f"表头在第 {header + 1} 行，跳过上方 {header} 行标题")
    merged = _two_row_header(rows, header)
    opts = dict(sep=sep, encoding=enc, skiprows=header, skip_blank_lines=False, keep_default_na=False, na_values=[""])
    if merged is not None:
        opts.update(skiprows=header + 2, header=None, names=_dedupe(merged))
        notes.append(f"表头为两行（第 {header + 1}、{header + 2} 行，合并单元格），已合并为一行列名："
                     + "、".join(n for n in merged if n)[:200])
    try:
        # Columns that must stay text are decided on a sample read as text; the whole file is then
        # parsed by pandas' C reader with type inference for the rest (5x faster than all-text).
        sample = pd.read_csv(path, dtype=str, nrows=5000, **opts)
        text_cols = {c: str for c in sample.columns if _is_text_field(c) or _keeps_text(sample[c].dropna().to_numpy())}
        df = pd.read_csv(path, dtype=text_cols, **opts)
        _restore_non_finite_text(df, path, opts)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}：按 {enc} 编码读取时在第 {exc.start} 字节处失败，文件中混有其他编码的文字。"
            f"请另存为“CSV UTF-8”，或{FIX_ENCODING}（如 gbk）。"
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        if isinstance(exc, pd.errors.EmptyDataError):
            raise InputError(f"{path}：文件是空的（没有表头也没有数据行）。请检查导出是否成功。") from None
        raise InputError(f"{path}：无法按分隔符 {sep!r} 解析表格（{exc}）。请检查分隔符与引号是否一致。") from None
    df.columns = _dedupe(list(df.columns))
    lines = np.arange(len(df)) + header + 2 + (merged is not None)  # spreadsheet row number of each record
    if path.stat().st_size > CSV_CELL_MAX_CHARS:   # only so large a file can hold so long a cell
        refuse_long_cells(df, lines, path)
    df.attrs[HEADER_LINES] = list(range(header + 1, header + 2 + (merged is not None)))
    return df, lines


#: what a workbook with an open password gets: the fix is Excel's, the file itself is sound
PASSWORD_FIX_ZH = "文件设有打开密码（已加密）。请在 Excel 中打开，去掉密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后另存，再上传。"

#: the streams an encrypted Office Open XML file holds (MS-OFFCRYPTO 2.3.4: EncryptionInfo and EncryptedPackage in
#: a Compound File), as the UTF-16LE names of its directory entries
_ENCRYPTED_STREAMS = ("EncryptionInfo", "EncryptedPackage")


def password_protected(path) -> bool:
    """Whether ``path`` is an Office file encrypted with an open password: a Compound File Binary (MS-CFB
    header ``D0 CF 11 E0 A1 B1 1A E1``) whose directory names an ``EncryptionInfo`` or ``EncryptedPackage``
    stream — what Excel writes for a password-protected .xlsx. Read by hand from the header and the
    directory's first sector (a few hundred bytes): no OLE library is a dependency, and the first directory
    sector holds the root's children of such a file (Root Entry, EncryptionInfo, EncryptedPackage, DataSpaces).

    Examples
    --------
    >>> password_protected("清单.xlsx")   # doctest: +SKIP
    False
    """
    import struct

    try:
        with open(path, "rb") as fh:
            header = fh.read(512)
            if len(header) < 512 or header[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
                return False
            sector = 1 << struct.unpack_from("<H", header, 0x1E)[0]   # 512 (version 3) or 4096 (version 4)
            first_dir = struct.unpack_from("<I", header, 0x30)[0]
            if sector not in (512, 4096) or first_dir >= 0xFFFFFFFA:
                return False
            fh.seek((first_dir + 1) * sector)
            directory = fh.read(sector)
    except OSError:
        return False
    for at in range(0, len(directory) - 127, 128):   # 128-byte entries: name (64 bytes UTF-16LE), its length
        size = struct.unpack_from("<H", directory, at + 64)[0]
        if 2 <= size <= 64:
            name = directory[at:at + size - 2].decode("utf-16-le", "replace")
            if name in _ENCRYPTED_STREAMS:
                return True
    return False


def _what_the_file_is(path: Path, exc: Exception) -> str:
    """What a spreadsheet that would not open really holds, from its first bytes, and the fix (Chinese).

    The engines only say "Cannot detect file format"; an office's .xls is often a web page saved by a
    portal (an HTML table) or a renamed archive.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        head = b""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        return "文件是空的（0 字节）。请检查导出或下载是否完成。"
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<?xml", b"<head", b"<body")):
        return f"这是网页表格（HTML），不是 {path.suffix} 文件（常见于系统“导出 Excel”）。请在 Excel 中打开，另存为 .xlsx 后再上传。"
    if head.startswith(b"PK\x03\x04"):
        if path.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
            return (f"这是压缩包，但其中没有 {path.suffix} 表格的内容（可能是改了扩展名的 .zip，或文件已损坏）。"
                    "请确认文件，在 Excel 中另存为 .xlsx 后再上传。")
        return f"这是压缩包（zip），不是 {path.suffix} 文件（可能是改了扩展名）。请解压后上传其中的表格，或改回 .zip。"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if password_protected(path):
            return PASSWORD_FIX_ZH
        return "这是 Excel 97-2003（.xls）格式的文件，但已损坏、加密或不完整。请在 Excel 中打开后另存为 .xlsx 再上传。"
    return (f"文件内容不是可识别的表格（既不是 Excel/ODS，也不是网页表格或压缩包；{type(exc).__name__}），"
            f"可能已损坏。请确认它是有效的 {path.suffix} 文件，或另存为 .xlsx/.csv 后再上传。")


#: alias groups whose tables are ledgers: without a named sheet, a sheet fits when its header has at least
#: :data:`_LEDGER_MATCH` of their column names, and the one with the most is read (:func:`_choose_sheet`)
_LEDGER_GROUPS = ("parcels", "enterprises")
_LEDGER_MATCH = 2


def _hidden_sheets(book) -> set[str]:
    """Names of the hidden sheets of an open ``pd.ExcelFile`` (openpyxl's ``sheet_state``, calamine's
    ``visible``); an engine that does not say: none."""
    inner = getattr(book, "book", None)
    try:
        if hasattr(inner, "worksheets"):  # openpyxl
            return {ws.title for ws in inner.worksheets if ws.sheet_state != "visible"}
        if hasattr(inner, "sheets_metadata"):  # python-calamine
            return {m.name for m in inner.sheets_metadata if "visible" != str(m.visible).rsplit(".", 1)[-1].lower()}
    except Exception:  # noqa: BLE001 - visibility is a courtesy: a book that will not say is read as all visible
        return set()
    return set()


def _known_names(aliases) -> set[str]:
    """Normalised column names recognised by the ledger alias groups among ``aliases``."""
    from .aliases import _entries

    groups = [aliases] if isinstance(aliases, str) else list(aliases or [])
    table = alias_table()["groups"]
    known: set[str] = set()
    for g in groups:
        if g in _LEDGER_GROUPS:
            for target, entries in table.get(g, {}).items():
                known.add(_norm(target))
                known.update(_norm(name) for name, _ in _entries(entries))
    return known


#: rows searched for a table's header (title lines above it are skipped), by the CSV and workbook readers and
#: the sheet chooser alike, so that choosing a sheet and reading it see the same header. A header lower down
#: is not looked for: the reader says so (:func:`_header_beyond`) rather than taking a title line for the header.
HEADER_ROWS = 30


class _Head(NamedTuple):
    """What the sheet chooser sees of a sheet: its header as :func:`_read_xlsx` reads it."""

    names: list
    #: a filled row below the header (a header alone, as in a blank 模板, has none)
    data: bool
    #: the first :data:`HEADER_ROWS` rows hold one filled cell each and the sheet goes on: its header, if it
    #: has one, is lower than the readers look
    lost: bool


def _filled(row) -> int:
    return sum(1 for v in row if not _blank(v))


def _sheet_head(book, name) -> _Head:
    """The header of sheet ``name`` as :func:`_read_xlsx` would read it: the same NA handling (only an
    empty cell is missing: a column named NA or null keeps its name) and the same rows searched
    (:data:`HEADER_ROWS`; three more are read to see a second header row and a first record)."""
    import pandas as pd

    head = pd.read_excel(book, sheet_name=name, header=None, nrows=HEADER_ROWS + 3,
                         keep_default_na=False, na_values=[""])
    if head.empty:
        return _Head([], False, False)
    rows = head.values.tolist()
    row = _header_row(rows[:HEADER_ROWS])
    merged = _two_row_header(rows[: row + 2], row)
    names = [n for n in (merged if merged is not None else rows[row]) if not _blank(n)]
    below = rows[row + 1 + (merged is not None):]
    lost = len(rows) > HEADER_ROWS and max(map(_filled, rows[:HEADER_ROWS])) <= 1
    return _Head(names, any(_filled(r) for r in below), lost)


def _header_beyond(raw) -> int | None:
    """The spreadsheet row (1-based) of the first row with two filled cells or more below the first
    :data:`HEADER_ROWS` rows of a sheet, when those rows hold one filled cell each (title or note lines):
    the header the readers do not look for; ``None`` otherwise."""
    if len(raw) <= HEADER_ROWS or max(map(_filled, raw.iloc[:HEADER_ROWS].values.tolist())) > 1:
        return None
    wide = np.flatnonzero(raw.iloc[HEADER_ROWS:].notna().sum(axis=1).to_numpy() >= 2)
    return int(wide[0]) + HEADER_ROWS + 1 if len(wide) else None


#: the alias group of a list of sites (a batch, a site file): its sheet is chosen as :class:`_SiteListSheet` says
_SITE_GROUP = "sites"


def _is_site_list(aliases) -> bool:
    """Whether ``aliases`` read a list of projects (a batch: the ``sites`` group alone), whose rows may be
    placed by name. A site file (:func:`dcf_spatial.io.read_site`: the vector aliases and ``sites``) needs
    coordinates, so it keeps the sheet choice of :func:`_sheet_with_coordinates`."""
    groups = [aliases] if isinstance(aliases, str) else list(aliases or [])
    return set(groups) == {_SITE_GROUP}


def _site_list_columns(header) -> tuple[bool, bool]:
    """``(has_site, has_industry)`` of a header: a site column is a coordinate pair, a WKT or
    经纬度 column (:func:`_coordinate_columns`) or a place-name column (the ``address`` alias:
    坐落、项目位置、建设地点、地址 …); an industry column is one the ``sites`` aliases read as
    ``industry`` or ``industry_code`` (行业、产业、行业代码 …)."""
    import pandas as pd

    from .aliases import _entries

    table = alias_table()
    site = table["groups"][_SITE_GROUP]
    names = {_norm(n) for n in header}

    def aliases_of(target):
        entries = site.get(target, [])
        if isinstance(entries, str) and entries.startswith("shared:"):
            entries = table["shared"][entries.split(":", 1)[1]]
        return {_norm(target)} | {_norm(n) for n, _ in _entries(entries)}

    try:
        _coordinate_columns(pd.DataFrame(columns=_dedupe(list(header))), None, None, "")
        has_coords = True
    except InputError:
        has_coords = False
    has_site = has_coords or bool(names & aliases_of("address"))
    return has_site, bool(names & (aliases_of("industry") | aliases_of("industry_code")))


class _LedgerSheet:
    """A 供地 ledger's sheet (``parcels``/``enterprises`` aliases): its header has at least
    :data:`_LEDGER_MATCH` of the ledger's column names (or the columns a field map names); the more it
    has, the better it fits (a 说明 sheet listing 宗地编号 and 坐落 loses to the ledger itself)."""

    noun = "台账"

    def __init__(self, known: set[str], field_map=None):
        self.known = known | {_norm(v) for v in (field_map or {}).values()}

    def score(self, header) -> int | None:
        n = sum(_norm(h) in self.known for h in header)
        return n if n >= _LEDGER_MATCH else None

    def why_not(self, header, *, every=False) -> str:
        """Why the header does not fit: in a note on a skipped sheet, or (``every``) in the refusal of a
        sheet the user picked, which names the columns looked for."""
        return "表头不含宗地编号、日期、面积等台账列名" if every else "表头不含台账列名"

    def second_best(self, score) -> str:
        return ""

    def wanted(self) -> str:
        return "没有一个工作表的表头像台账（含宗地编号、日期、面积等列名）"

    def listed(self, header) -> str:
        return f"列：{'、'.join(map(str, header[:6])) or '空'}"


class _SiteListSheet:
    """A list of projects' sheet (a batch): a site column and an industry column fit best
    (:func:`_site_list_columns`), a site column alone less; a column a field map names for the site
    (``lon``/``lat``/``x``/``y``/``address``) or the industry counts as such."""

    noun = "项目清单"

    def __init__(self, field_map=None):
        fm = field_map or {}
        self.site = {_norm(v) for k, v in fm.items() if k in ("lon", "lat", "x", "y", "address", "wkt")}
        self.industry = {_norm(v) for k, v in fm.items() if k in ("industry", "industry_code")}

    def _columns(self, header) -> tuple[bool, bool]:
        has_site, has_industry = _site_list_columns(header)
        names = {_norm(h) for h in header}
        return has_site or bool(names & self.site), has_industry or bool(names & self.industry)

    def score(self, header) -> int | None:
        has_site, has_industry = self._columns(header)
        return None if not has_site else (2 if has_industry else 1)

    def why_not(self, header, *, every=False) -> str:
        """Why the header does not fit: in a note on a skipped sheet, what counts (a sheet without a site
        column lacks it whatever else it has; never "无行业列" said of a sheet that lacks more), or
        (``every``) in the refusal of a sheet the user picked, each column it lacks."""
        has_site, has_industry = self._columns(header)
        if every:
            return "、".join(w for w, has in (("无定位列", has_site), ("无行业列", has_industry)) if not has)
        return "无行业列" if has_site else "表头不像项目清单：无定位列"

    def second_best(self, score) -> str:
        return "（有定位列、无行业列）" if score == 1 else ""

    def wanted(self) -> str:
        return ("没有一个工作表的表头像项目清单（要有定位列——经度/纬度等坐标列、WKT，或坐落/项目位置/建设地点/地址等地名列——"
                "以及行业列）")

    def listed(self, header) -> str:
        return f"表头：{'、'.join(map(str, header[:8])) or '空'}"


def workbook_sheets(path) -> list[dict]:
    """The worksheets of a workbook (.xlsx/.xlsm/.xls/.ods) in their order: ``[{"name", "hidden"}, …]``,
    for a form that offers which sheet to read; a file of another kind: ``[]``. A file named as a workbook
    that cannot be opened (damaged, not a workbook, password-protected) raises the :class:`InputError`
    reading it would raise (QA break 11: it answered ``[]`` and failed later).

    Examples
    --------
    >>> workbook_sheets("多表清单.xlsx")  # doctest: +SKIP
    [{'name': '填表说明', 'hidden': False}, {'name': '2026年项目', 'hidden': False}]
    """
    import pandas as pd

    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls", ".ods"):
        return []
    try:
        with pd.ExcelFile(path, engine=_excel_engine(path)) as book:
            hidden = _hidden_sheets(book)
            return [{"name": str(s), "hidden": s in hidden} for s in book.sheet_names]
    except Exception as exc:  # openpyxl/xlrd/odf raise several unrelated types for broken files
        raise InputError(f"{path}：无法打开 Excel 文件：{_what_the_file_is(path, exc)}") from None


def sheet_to_read(path, *, aliases=None, field_map=None) -> str | None:
    """The sheet a reader with ``aliases`` and ``field_map`` reads from workbook ``path`` when none is named
    (the choice of :func:`_choose_sheet`, with the field map the reader is given: a sheet fits by a mapped
    column there too); ``None`` for a file that is no workbook, or a workbook of one sheet (nothing to tell
    apart). For a download's name: which sheet a result came from.

    Examples
    --------
    >>> sheet_to_read("项目清单.xlsx", aliases=("sites",))  # doctest: +SKIP
    '2025年'
    """
    import pandas as pd

    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls", ".ods"):
        return None
    try:
        with pd.ExcelFile(path, engine=_excel_engine(path)) as book:
            if len(book.sheet_names) < 2:
                return None
            return str(_choose_sheet(path, book, aliases, [], field_map))
    except (InputError, ValueError, OSError):  # the file was read already: a name is only a courtesy
        return None


def _chart_sheets(book) -> dict[str, bool]:
    """The chart sheets of an open ``pd.ExcelFile`` (``{name: visible}``): pandas lists worksheets only,
    but a workbook's count of sheets, and whether any is visible, include them."""
    inner = getattr(book, "book", None)
    try:
        if hasattr(inner, "chartsheets"):  # openpyxl
            return {c.title: c.sheet_state == "visible" for c in inner.chartsheets}
        if hasattr(inner, "sheets_metadata"):  # python-calamine
            return {m.name: str(m.visible).rsplit(".", 1)[-1].lower() == "visible" for m in inner.sheets_metadata
                    if str(m.typ).rsplit(".", 1)[-1].lower() == "chartsheet"}
    except Exception:  # noqa: BLE001 - a courtesy, as for hidden sheets
        return {}
    return {}


def _all_hidden(sheets, hidden, charts=None) -> str:
    """The words of a sheet note when every worksheet of the workbook is hidden (the hidden ones are then read);
    a visible chart sheet is named, never called "no visible sheet".

    Examples
    --------
    >>> _all_hidden(["清单", "说明"], {"清单", "说明"})
    '（均为隐藏工作表，没有可见的工作表，故读取隐藏工作表）'
    >>> _all_hidden(["清单", "说明"], {"清单", "说明"}, {"图表": True})
    '（可见的只有图表工作表“图表”，存放表格的工作表均为隐藏，故读取隐藏工作表）'
    >>> _all_hidden(["清单", "说明"], {"说明"})
    ''
    """
    if not sheets or not all(s in hidden for s in sheets):
        return ""
    shown = [c for c, visible in (charts or {}).items() if visible]
    if shown:
        return f"（可见的只有图表工作表{_sheet_list(shown, most=3)}，存放表格的工作表均为隐藏，故读取隐藏工作表）"
    return "（均为隐藏工作表，没有可见的工作表，故读取隐藏工作表）"


#: how every note of the sheet chooser begins; a console that shows the sheet read finds the note by it
#: (:func:`is_sheet_note`), never by words further on that a new clause can split
SHEET_NOTE = "工作簿有 "

#: sheet names that say the sheet is an example, a template or instructions: among sheets that fit equally,
#: one named so is read last (a 填写示例 first in the workbook holds one made-up row, the list follows)
_EXAMPLE_NAME = re.compile(r"示例|样例|范例|样表|模板|说明|填表")

#: sheets named in a sheet note or refusal before 「等 N 个」
_LISTED = 10


def is_sheet_note(note) -> bool:
    """Whether ``note`` (a read note, maybe after a prefix such as ``读入说明：``) says which sheet of a
    workbook was read (:data:`SHEET_NOTE`).

    Examples
    --------
    >>> is_sheet_note("读入说明：工作簿有 2 个工作表（均为隐藏工作表，没有可见的工作表，故读取隐藏工作表），读取“台账”")
    True
    >>> is_sheet_note("跳过 1 个空行")
    False
    """
    return SHEET_NOTE in str(note)


def _quoted(name) -> str:
    """A sheet name as the fix quotes it: whole, in “”, so that spaces and quotes show."""
    return f"“{name}”"


def _grouped(why: dict) -> str:
    """``{sheet: reason}`` as ``“A”、“B”（reason）、“C”（other reason）``, at most :data:`_LISTED` names each."""
    by: dict[str, list] = {}
    for s, w in why.items():
        by.setdefault(w, []).append(s)
    return "、".join(f"{_sheet_list(names, most=_LISTED)}（{w}）" for w, names in by.items())


def _sheet_kind(aliases, field_map=None):
    """What a sheet read with ``aliases`` should be: :class:`_SiteListSheet`, :class:`_LedgerSheet`, or
    ``None`` for a plain table (any sheet will do); the columns ``field_map`` names count towards the fit."""
    if _is_site_list(aliases):
        return _SiteListSheet(field_map)
    known = _known_names(aliases)
    return _LedgerSheet(known, field_map) if known else None


def _fitting(book, names, kind, heads: dict) -> list:
    """The sheets of ``names`` that fit ``kind``, best first (``[(key, sheet)]``): a sheet with records
    before a header alone, then the higher score, then a name not like an example (:data:`_EXAMPLE_NAME`),
    then the earlier sheet. The headers read are kept in ``heads`` (``{sheet: _Head}``)."""
    sheets = list(book.sheet_names)
    out = []
    for s in names:
        heads[s] = _sheet_head(book, s)
        if (sc := kind.score(heads[s].names)) is not None:
            out.append(((heads[s].data, sc, not _EXAMPLE_NAME.search(str(s)), -sheets.index(s)), s))
    return sorted(out, reverse=True)


def _choose_sheet(path: Path, book, aliases, notes, field_map=None) -> str:
    """The sheet read when none is named, said in ``notes`` (a note beginning with :data:`SHEET_NOTE`).

    A plain table: the first visible sheet. A ledger (``aliases`` names ``parcels``/``enterprises``,
    :class:`_LedgerSheet`) or a list of sites (``sites``, :class:`_SiteListSheet`): every visible sheet's
    header is read as :func:`_read_xlsx` reads it (:func:`_sheet_head`) and the sheet that fits best is read:
    first a sheet with records (a header alone is a blank template), then the best fit (for a ledger, the
    most ledger columns; for a list, a site and an industry column before a site column alone), then a sheet
    not named like an example or instructions (:data:`_EXAMPLE_NAME`), then the first. The other sheets that
    fit are named in the note (they were not read). When no visible sheet fits, a hidden one that fits is
    read and said so; when none fits at all, an :class:`InputError` lists the sheets (hidden ones marked)
    with their headers. A workbook of one sheet is read without the fit test: the reader's own errors then
    name the columns."""
    sheets = book.sheet_names
    hidden = _hidden_sheets(book)
    charts = _chart_sheets(book)
    # every sheet hidden: the hidden ones are read (and said so), never "read X; skipped X" (QA break 11)
    visible = [s for s in sheets if s not in hidden] or list(sheets)
    kind = _sheet_kind(aliases, field_map)
    skipped = {s: "隐藏" for s in sheets if s in hidden and s not in visible}
    chosen, score, also, from_hidden = visible[0], None, [], False
    if kind is not None and len(sheets) > 1:
        heads: dict = {}
        fit = _fitting(book, visible, kind, heads)
        if not fit and skipped:  # the visible sheets do not fit: a hidden sheet that does is read, and said so
            fit = _fitting(book, list(skipped), kind, heads)
            from_hidden = bool(fit)
        if not fit:
            _refuse(path, sheets, hidden, heads, kind, charts)
        (key, chosen), also = fit[0], [s for _, s in fit[1:]]
        score = key[1]
        for s in visible:
            if s not in heads or s == chosen or s in also:
                continue
            skipped[s] = (f"前 {HEADER_ROWS} 行只有单列的标题或说明，未找到表头" if heads[s].lost
                          else kind.why_not(heads[s].names))
        if from_hidden:
            for s in also + [chosen]:
                skipped.pop(s, None)
    total = len(sheets) + len(charts)
    if total > 1:
        rest = [s for s in sheets if s != chosen and s not in skipped and s not in also]
        what = kind.noun if kind is not None else ""
        all_hidden = _all_hidden(sheets, hidden, charts)
        chart_words = f"（含图表工作表{_sheet_list(list(charts), most=3)}）" if charts and not all_hidden else ""
        read = (f"读取隐藏工作表{_quoted(chosen)}（可见的工作表的表头都不像{what}）" if from_hidden
                else f"读取{_quoted(chosen)}")
        notes.append(f"{SHEET_NOTE}{total} 个工作表{chart_words}{all_hidden}，{read}"
                     + (kind.second_best(score) if kind is not None and score is not None else "")
                     + (f"；另有工作表{_sheet_list(also, most=_LISTED)}的表头也像{what}，未读；"
                        f"如需读取请{FIX_LAYER}（如 {_quoted(also[0])}）" if also else "")
                     + (f"；跳过 {_grouped(skipped)}" if skipped else "")
                     + (f"；未读：{_sheet_list(rest, most=_LISTED)}" if rest else "")
                     + ("" if also else f"（要读其他工作表，可{FIX_LAYER}）"))
    return chosen


def _refuse(path, sheets, hidden, heads, kind, charts):
    """The :class:`InputError` of a workbook none of whose sheets fits ``kind``: every sheet (at most
    :data:`_LISTED`, then 「等 N 个」) with its header, hidden ones marked, and a fix that can work."""
    shown = [s for s in sheets if s in heads]
    listing = "；".join(
        f"“{s if len(str(s)) <= 40 else str(s)[:40] + '…'}”（{'隐藏，' if s in hidden else ''}"
        + (f"前 {HEADER_ROWS} 行只有单列的标题或说明，未找到表头" if heads[s].lost else kind.listed(heads[s].names)) + "）"
        for s in shown[:_LISTED]) + (f" 等 {len(shown)} 个" if len(shown) > _LISTED else "")
    if charts:
        listing += f"；图表工作表{_sheet_list(list(charts), most=3)}（无表格）"
    lost = [s for s in shown if heads[s].lost]
    # the example is a sheet that has a header and records: naming a sheet whose header is not found fails too
    example = next((s for s in shown if heads[s].data and not heads[s].lost and not _EXAMPLE_NAME.search(str(s))),
                   None)
    fix = (f"请{FIX_LAYER}（如 {_quoted(example)}），即读取哪一个；或把{kind.noun}所在工作表的列名改为上述列名。"
           if example is not None else f"请把{kind.noun}所在工作表的列名改为上述列名，或{FIX_LAYER}。")
    if lost:
        fix += (f"工作表{_sheet_list(lost, most=3)}的前 {HEADER_ROWS} 行中找不到表头：表头须在前 {HEADER_ROWS} 行内，"
                "请删去表头上方多余的标题行后再读取。")
    raise InputError(f"{path}：{kind.wanted()}。工作表：{listing}。{fix}")


#: a numeric cell this large holds an id, not a measure: Excel keeps 15 significant digits, so a
#: longer number typed or exported as a number is already rounded in the file
_EXACT_LIMIT = 10 ** 15


def _exact_code_cells(df, lines, path: Path, sheet) -> None:
    """Code columns (:func:`_is_text_field`, e.g. 电子监管号) of a sheet to exact text, in place.

    A number of 16 digits or more stored as a number cannot be the id that was typed (Excel and the
    .xls format keep 15 significant digits; 371502100001234567 and …568 both read back as
    371502100001234624): an :class:`InputError` names the rows and the fix (the column as text) —
    never a rounded id, which could merge two parcels. A Python ``int`` that a float cannot hold is
    exact (written by hand into the XML) and kept. Done before ``infer_objects`` makes a column of
    whole numbers and blanks float64."""
    for col in df.columns:
        if not _is_text_field(col):
            continue
        vals = df[col].to_numpy(dtype=object)
        bad = [i for i, v in enumerate(vals)
               if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
               and np.isfinite(float(v)) and abs(float(v)) >= _EXACT_LIMIT
               and not (isinstance(v, int) and float(v) != v)]
        if bad:
            rows = "、".join(str(int(lines[i])) for i in bad[:10]) + (f" 等 {len(bad)} 行" if len(bad) > 10 else "")
            raise InputError(
                f"{path}：工作表“{sheet}”的“{col}”列第 {rows} 行是以数值保存的长编号（如 {float(vals[bad[0]]):.15g}），"
                "Excel 的数值只保留 15 位有效数字，文件中已不是原编号（不同宗地可能变成同一个编号），无法读取。"
                "请把该列设为文本：在 Excel 中选中该列 →“设置单元格格式”→“文本”，重新录入编号（或从原系统重新导出），再读取。")
        df[col] = _as_text(df[col])


#: a code as Excel writes a long number into a CSV (3.71502E+17): its last digits are gone
_SCIENTIFIC = r"[+-]?\d(\.\d+)?[eE]\+?\d+"


def _no_rounded_codes(df, lines, path: Path) -> None:
    """An :class:`InputError` when a code column (:func:`_is_text_field`, e.g. 电子监管号) of a CSV
    holds a number in scientific notation (``3.71502E+17``, as Excel saves an 18-digit id kept as a
    number): the id's last digits are not in the file, and two parcels could share the rounded one."""
    for col in df.columns:
        if not _is_text_field(col):
            continue
        text = df[col].astype("string").str.strip()
        hit = text.str.fullmatch(_SCIENTIFIC).fillna(False).to_numpy(dtype=bool)
        if hit.any():
            pos = np.flatnonzero(hit)
            rows = "、".join(str(int(lines[i])) for i in pos[:10]) + (f" 等 {len(pos)} 行" if len(pos) > 10 else "")
            raise InputError(
                f"{path}：“{col}”列第 {rows} 行的编号是科学计数法（如 {text.iloc[pos[0]]}），"
                "原编号的后几位已不在文件中（不同宗地可能变成同一个编号），无法读取。请把该列设为文本："
                "在 Excel 中选中该列 →“设置单元格格式”→“文本”，重新录入编号（或从原系统重新导出）后另存为 CSV，再读取。")


def _sheet_list(sheets, *, most: int = 20, chars: int = 40) -> str:
    """The sheet names of a message: the first ``most``, each cut at ``chars`` characters (a workbook of 200
    sheets, or a 300-character name, made one unreadable line), each quoted so that spaces show.

    Examples
    --------
    >>> _sheet_list(["项目清单", "项目清单 "])
    '“项目清单”、“项目清单 ”'
    >>> _sheet_list([f"S{i}" for i in range(30)], most=2)
    '“S0”、“S1” 等 30 个'
    """
    shown = [f"“{s if len(s) <= chars else s[:chars] + '…'}”" for s in map(str, sheets[:most])]
    return "、".join(shown) + (f" 等 {len(sheets)} 个" if len(sheets) > most else "")


#: ``attrs`` key of the sheet a table was read from, when it matters (a workbook of several sheets, or a sheet
#: named): a message about the table's columns names it (:func:`where_read`)
SHEET_READ = "sheet_read"
#: ``attrs`` key of the line(s) a table's header is on, as Excel/WPS number them (``[2]`` below a title row;
#: two for a two-row header): a note on 原表行号 says where the header is
HEADER_LINES = "header_lines"


def where_read(df, source) -> str:
    """``source`` (a file, as a message begins) with the sheet ``df`` was read from, when it was one of
    several or was named (:data:`SHEET_READ`): a column error then says which sheet's columns it lists.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame(); df.attrs[SHEET_READ] = "台账"
    >>> where_read(df, "供地.xlsx")
    '供地.xlsx（工作表“台账”）'
    >>> where_read(pd.DataFrame(), "供地.csv")
    '供地.csv'
    """
    sheet = getattr(df, "attrs", {}).get(SHEET_READ)
    return str(source) if sheet is None else f"{source}（工作表{_quoted(sheet)}）"


def _check_chosen_sheet(path: Path, book, sheet, aliases, notes, field_map=None) -> None:
    """The sheet the user named: said in ``notes`` (读取工作表“X”（按所选）, so that a result tells which
    sheet it came from); for a ledger or a list of projects, a sheet that is no table of records (a header of
    one column, or no row below it) and does not fit (:func:`_sheet_kind`, with the columns ``field_map``
    names, as when choosing: a 填表说明 or 封面 sheet) is refused with an :class:`InputError` showing its header and naming the sheets that fit, best first
    (:func:`_fitting`, the visible ones, else the hidden) — not "只有表头" or "缺少字段 宗地号" about a sheet
    that was never a table (QA round 10). A table with records is read as the user asks: the reader's column
    error then names the sheet and its columns (:func:`where_read`, brk12). A header lower than the readers
    look is left to the reader, which says where it is."""
    sheets = book.sheet_names
    kind = _sheet_kind(aliases, field_map)
    if kind is not None:
        head = _sheet_head(book, sheet)
        # a table of records (two columns or more, a row below) that does not fit is read as asked
        table = head.data and len(head.names) >= 2
        if not table and not head.lost and kind.score(head.names) is None:
            hidden = _hidden_sheets(book)
            others = [s for s in sheets if s != sheet]
            heads: dict = {}
            fit = (_fitting(book, [s for s in others if s not in hidden], kind, heads)
                   or _fitting(book, [s for s in others if s in hidden], kind, heads))
            fitting = [s for _, s in fit]
            # the example unquoted: the console turns it into "--layer 2025年"
            fix = (f"像{kind.noun}的工作表：{_sheet_list(fitting, most=_LISTED)}。请{FIX_LAYER}（如 {fitting[0]}）。"
                   if fitting else
                   f"工作簿中没有表头像{kind.noun}的工作表（工作表：{_sheet_list(sheets, most=_LISTED)}）。"
                   f"请把{kind.noun}所在工作表的列名改为可识别的列名后重新读取。")
            raise InputError(f"{path}：所选工作表{_quoted(sheet)}不像{kind.noun}（{kind.why_not(head.names, every=True)}；"
                             f"{kind.listed(head.names)}）。{fix}")
    if len(sheets) > 1:
        notes.append(f"读取工作表{_quoted(sheet)}（按所选）")


def _read_xlsx(path: Path, sheet, notes, aliases=None, field_map=None, *,
               picked_by_reader: bool = False) -> tuple["pd.DataFrame", np.ndarray]:
    """One sheet of a workbook as a table: ``sheet`` as the user named it (checked, and said in ``notes``:
    :func:`_check_chosen_sheet`), ``None``: the sheet :func:`_choose_sheet` chooses; ``picked_by_reader``:
    ``sheet`` was chosen by the reader (:func:`_sheet_with_coordinates`), which says why in its own note."""
    import pandas as pd

    try:
        book = pd.ExcelFile(path, engine=_excel_engine(path))
    except Exception as exc:  # openpyxl raises several unrelated types for broken files
        raise InputError(f"{path}：无法打开 Excel 文件：{_what_the_file_is(path, exc)}") from None
    with book:
        sheets = book.sheet_names
        named = sheet is not None
        if sheet is None:
            sheet = _choose_sheet(path, book, aliases, notes, field_map)
        elif sheet not in sheets:
            raise InputError(f"{path}：没有名为 {sheet!r} 的工作表。现有：{_sheet_list(sheets)}。")
        elif not picked_by_reader:
            _check_chosen_sheet(path, book, sheet, aliases, notes, field_map)
        # text cells are data: a project named "nan" or "NA" keeps its name (only empty cells are missing)
        raw = pd.read_excel(book, sheet_name=sheet, header=None, keep_default_na=False, na_values=[""])
    if raw.empty:
        others = [s for s in sheets if s != sheet]
        raise InputError(
            f"{path}：工作表“{sheet}”是空的（0 行）。" + (f"其他工作表：{'、'.join(others)}，可{FIX_LAYER}（如 {others[0]}）。" if others else "")
        )
    lower = _header_beyond(raw)
    if lower is not None:
        raise InputError(
            f"{path}：工作表{_quoted(sheet)}的前 {HEADER_ROWS} 行都只有一个单元格有内容（标题或说明），第 {lower} 行才像表头；"
            f"表头须在前 {HEADER_ROWS} 行内。请删去表头上方多余的行后再读取。")
    header = _header_row(raw.head(HEADER_ROWS).values.tolist())
    if header:
        notes.append(f"表头在第 {header + 1} 行，跳过上方 {header} 行标题")
    merged = _two_row_header(raw.head(header + 2).values.tolist(), header)
    if merged is not None:
        notes.append(f"表头为两行（第 {header + 1}、{header + 2} 行，合并单元格），已合并为一行列名："
                     + "、".join(n for n in merged if n)[:200])
    skip = header + 1 + (merged is not None)
    df = raw.iloc[skip:].copy()
    df.columns = _dedupe(merged if merged is not None else raw.iloc[header].tolist())
    lines = np.arange(len(df)) + skip + 1
    df = df.reset_index(drop=True)
    df.attrs[HEADER_LINES] = list(range(header + 1, skip + 1))
    # a value merged over several rows on each of them; a formula without a saved result named, not "missing"
    from .xlsx_cells import fill_merged_and_name_formulas

    fill_merged_and_name_formulas(df, skip + 1, path, sheet, notes)
    _exact_code_cells(df, lines, path, sheet)
    df = df.infer_objects()
    if named or len(sheets) > 1:
        df.attrs[SHEET_READ] = sheet
    return df, lines


def _drop_blank(df, lines, notes):
    blank = df.isna().all(axis=1).to_numpy()
    if blank.any():
        notes.append(f"跳过 {int(blank.sum())} 个空行")
        df = df.loc[~blank].reset_index(drop=True)
        lines = lines[~blank]
    return df, lines


#: the characters an Excel cell cannot hold (NUL, BEL, ESC …; tab, line feed and carriage return are fine),
#: as :mod:`dcf_spatial.io.write` and the audit workbooks replace them
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def shown_control_characters(text) -> str:
    r"""``text`` with each control character written as its code (``DC-0\x0008``), so that a message shows
    where it is; other text as it is.

    Examples
    --------
    >>> shown_control_characters("DC-0\x0008")
    'DC-0\\x0008'
    """
    return CONTROL_CHARACTERS.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def _may_hold_control_characters(path: Path, kind: str) -> bool:
    """False when a CSV certainly holds no control character: none of its bytes is one (in UTF-8, GBK and
    GB18030 a byte below 0x20 stands only for such a character); a workbook, or a UTF-16 file, is checked
    cell by cell."""
    if kind != "csv":
        return True
    import mmap

    with open(path, "rb") as fh:
        head = fh.read(2)
        if head in (b"\xff\xfe", b"\xfe\xff"):
            return True
        if path.stat().st_size == 0:
            return False
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", data) is not None


def _control_character_note(df, lines, notes, path: Path, kind: str) -> None:
    """A note naming each cell (row, column) that holds a control character an Excel cell cannot hold
    (a NUL in a 宗地编号): the value is kept as given (compared, counted and matched as typed), and the
    note says how it shows in an Excel result (�, U+FFFD) — never changed without a word."""
    if not _may_hold_control_characters(path, kind):
        return
    import pandas as pd

    hits = []
    for col in df.columns:
        s = df[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        bad = s.astype("string").str.contains(CONTROL_CHARACTERS.pattern, regex=True, na=False).to_numpy(dtype=bool)
        for p in np.flatnonzero(bad)[:10]:
            hits.append(f"第 {int(lines[p])} 行“{col}”为“{shown_control_characters(s.iloc[p])}”")
        if bad.sum() > 10:
            hits.append(f"“{col}”列另有 {int(bad.sum()) - 10} 处")
    if hits:
        notes.append("以下单元格含 Excel 单元格不能保存的控制字符（如 NUL，写作 \\x00）：" + "；".join(hits[:20])
                     + "。读取时按原值保留（核对、去重、匹配均按原值），写入 Excel 结果时该字符显示为 �（U+FFFD）；"
                       "请在原表中核对并删去该字符")


def _read_tabular(path: Path, kind: str, sheet, encoding, notes, aliases=None,
                  field_map=None, *, picked_by_reader: bool = False) -> tuple["pd.DataFrame", np.ndarray]:
    # the frame's attrs (the sheet read, SHEET_READ; the typed text of non-finite cells) go with it through
    # every step below: pandas carries attrs into the frame each of these operations returns
    if kind == "csv":
        df, lines = _read_csv(path, encoding, notes)
    else:
        df, lines = _read_xlsx(path, sheet, notes, aliases, field_map, picked_by_reader=picked_by_reader)
    df, lines = _drop_blank(df, lines, notes)
    _control_character_note(df, lines, notes, path, kind)
    if kind == "csv":
        _no_rounded_codes(df, lines, path)
    if len(df) == 0:
        raise InputError(f"{path}：只有表头，没有数据行（0 条记录）。请确认导出时包含了数据。")
    df = _infer_numbers(df)  # CSV cells are all text; Excel has "numbers stored as text" too
    if kind == "xlsx":
        for col in df.columns:
            if _is_text_field(col):
                df[col] = _as_text(df[col])
    return df, lines


def _sheet_with_coordinates(path: Path, df, lines, encoding, notes):
    """When no sheet was named and the first sheet of a workbook has no coordinate columns, read the
    one other sheet that has them (said in the notes); several candidates: ask for the sheet (``layer=``).
    ``notes`` are those of reading the first sheet: replaced by that sheet's when the other one is read."""
    import pandas as pd

    try:
        _coordinate_columns(df, None, None, str(path))
        return df, lines
    except InputError:
        pass
    with pd.ExcelFile(path, engine=_excel_engine(path)) as book:
        sheets = book.sheet_names
        hidden = _hidden_sheets(book)
        hits = []
        for name in sheets[1:]:
            if name in hidden:
                continue
            head = _sheet_head(book, name)
            if not head.names:
                continue
            try:
                _coordinate_columns(pd.DataFrame(columns=_dedupe(head.names)), None, None, str(path))
            except InputError:
                continue
            hits.append(name)
    if not hits:
        return df, lines
    if len(hits) > 1:
        raise InputError(
            f"{path}：第一个工作表“{sheets[0]}”没有坐标列，而工作表 {'、'.join(hits)} 都有。"
            f"请{FIX_LAYER}（如 {hits[0]}），即读取哪一个。"
        )
    sheet_notes: list[str] = []
    # the sheet was chosen here, not by the user: read without the note 读取工作表“X”（按所选）
    df, lines = _read_tabular(path, "xlsx", hits[0], encoding, sheet_notes, picked_by_reader=True)
    # the notes so far (the sheet chooser's, the header row and the blank rows) were of the first sheet, not read
    notes[:] = [f"第一个工作表“{sheets[0]}”没有坐标列，改读有坐标列的工作表“{hits[0]}”"
                f"（共 {len(sheets)} 个工作表；可{FIX_LAYER}）", *sheet_notes]
    return df, lines


def _coordinate_columns(df, x, y, where):
    """Find the coordinate columns: returns (kind, xcol, ycol) with kind lonlat/eastnorth/xy/explicit,
    ("combined", col, None) or ("wkt", col, None)."""
    cols = list(df.columns)
    if x is not None or y is not None:
        missing = [c for c in (x, y) if c is None or c not in cols]
        if missing:
            raise InputError(
                f"{where}：指定的坐标列 {'、'.join('（未给出）' if c is None else str(c) for c in missing)} 不存在"
                f"（经度、纬度两列都要给出，如{FIX_FIELD_MAP} lon=<列> lat=<列>）。现有列：{', '.join(map(str, cols))}。"
            )
        return "explicit", x, y
    by_norm = {}
    for c in cols:
        by_norm.setdefault(_norm(c), c)
    spec = alias_table()["coordinates"]
    for kind in ("lonlat", "eastnorth", "xy"):
        xs = [by_norm[_norm(n)] for n in spec[kind]["x"] if _norm(n) in by_norm]
        ys = [by_norm[_norm(n)] for n in spec[kind]["y"] if _norm(n) in by_norm]
        if xs and ys:
            return kind, xs[0], ys[0]
    for kind in ("wkt", "combined"):
        hits = [by_norm[_norm(n)] for n in spec[kind] if _norm(n) in by_norm]
        if hits:
            return kind, hits[0], None
    grouped = _grouped_coordinates(cols, spec)
    if grouped is not None:
        return grouped
    shown = df.attrs.get("input_columns") or cols   # the user's own columns, not the canonical ones added
    raise InputError(
        f"{where}：找不到坐标列。可识别的列名：经度/纬度、lon/lat、lng/lat、X/Y、东坐标/北坐标、经纬度（\"116.0,36.4\"）、WKT。"
        f"现有列：{', '.join(map(str, shown))}。请把坐标列改名为 经度/纬度，或用{FIX_FIELD_MAP} lon=<经度列> lat=<纬度列> 指定；"
        "只需要属性表时请用 read_table。"
    )


def _grouped_coordinates(cols, spec):
    """``(kind, xcol, ycol)`` for coordinate columns named under a group: a merged two-row header
    (坐标 over 经度 / 纬度) flattens to 坐标经度 / 坐标纬度, a sheet may say 中心点经度 / 中心点纬度. Taken
    when exactly one column ends with a longitude (or easting) name and one with a latitude (northing)
    name, both after the same group word; ``None`` otherwise. Only names of two characters or more
    (经度, lon, 东坐标 — not X) are matched at the end of a column name."""
    for kind in ("lonlat", "eastnorth"):
        ends = {}
        for axis in ("x", "y"):
            names = sorted({_norm(n) for n in spec[kind][axis] if len(_norm(n)) >= 2}, key=len, reverse=True)
            ends[axis] = [(c, _norm(c)[:-len(n)]) for c in cols
                          if (n := next((n for n in names if _norm(c).endswith(n) and len(_norm(c)) > len(n)), None))]
        if len(ends["x"]) == 1 and len(ends["y"]) == 1 and ends["x"][0][1] == ends["y"][0][1]:
            return kind, ends["x"][0][0], ends["y"][0][0]
    return None


def _coordinate_values(values, axis: str | None = None) -> tuple[np.ndarray, int, int]:
    """Numbers of a coordinate column, each cell read as the single site check reads a coordinate
    (:func:`dcf_spatial.io.lonlat.read_coordinate`: full-width digits, degrees-minutes-seconds, a hemisphere
    label E115.746 / 36°27′N); ``axis`` ``"lon"``/``"lat"`` refuses a label of the other axis. Returns
    (values, number of DMS values converted, number of labelled values read)."""
    import pandas as pd

    from .lonlat import read_coordinate

    out = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, copy=True)
    todo = np.flatnonzero(~np.isfinite(out) & pd.notna(values).to_numpy())
    counts = {"dms": 0, "labelled": 0, "decimal": 0}
    for i in todo:
        read = read_coordinate(str(values.iloc[i]), axis)
        if read is None:
            continue
        out[i] = read[0]
        counts[read[1]] += 1
    return out, counts["dms"], counts["labelled"]


def _pair_values(values) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Longitudes and latitudes of a column of pairs (经纬度 “115.98,36.45”), each cell read as the single site
    check reads a typed point (:func:`dcf_spatial.io.lonlat.read_lonlat`: E115.746 N36.4402, 东经…北纬…,
    115°45′40″,36°26′51″); NaN where a cell is no such pair. Returns (lon, lat, DMS cells, labelled cells)."""
    import pandas as pd

    from .lonlat import read_lonlat

    n = len(values)
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    counts = {"dms": 0, "labelled": 0, "decimal": 0}
    cache: dict[str, object] = {}
    for i, v in enumerate(values.tolist()):
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            continue
        key = str(v)
        if key not in cache:
            try:
                cache[key] = read_lonlat(key)
            except InputError:  # labelled but not one longitude and one latitude: the row says it is no pair
                cache[key] = None
        point = cache[key]
        if point is not None:
            lon[i], lat[i] = point.lon, point.lat
            counts[point.form] += 1
    return lon, lat, counts["dms"], counts["labelled"]


#: column a table read by :func:`_points_from_table` gets when it has both coordinate columns and a
#: geometry (WKT/GeoJSON) column: per row, the column(s) its geometry was taken from (not a column of the file)
GEOMETRY_FROM_COLUMN = "geometry_from"

#: a row's ``read_issue`` when its coordinate cells are empty or no number, and the reader's note on those rows
#: (after ``N 行``): :func:`dcf_spatial.places.place_rows` restates that note once rows are placed by name
NO_COORDINATES_ISSUE = "坐标缺失或不是数字"
NO_COORDINATES_NOTE = NO_COORDINATES_ISSUE + "，几何为空："


def coordinate_cells_blank(issue: str) -> bool:
    """Does a row's issue say only that its coordinate cells were empty (not a typed value that is no number)?
    The reader quotes a typed value (经度：“abc”) and writes an empty one as 空.

    Examples
    --------
    >>> coordinate_cells_blank("坐标缺失或不是数字（经度：空，纬度：空）"), coordinate_cells_blank("坐标缺失或不是数字（经度：“abc”，纬度：空）")
    (True, False)
    """
    return issue.startswith(NO_COORDINATES_ISSUE) and "“" not in issue


def _geometry_cell(value):
    """One WKT or GeoJSON cell as a geometry; ``None`` when empty or unreadable."""
    import shapely

    text = "" if value is None or value != value else str(value).strip()
    if not text:
        return None
    try:
        return shapely.from_geojson(text) if text.startswith("{") else shapely.from_wkt(text)
    except Exception:  # shapely.errors.GEOSException and friends: the row is reported by the caller
        return None


def _drawn_where_no_coordinates(df, kind, bad, *, where, notes, issues):
    """``(column, positions)`` of the rows without usable coordinates whose WKT/GeoJSON column holds
    a shape, when the table has such a column beside its coordinate columns; ``None`` otherwise.
    A non-empty cell that is no geometry is reported on its row (the row stays without a place)."""
    if kind in ("wkt",) or not bad.any():
        return None
    by_norm = {}
    for c in df.columns:
        by_norm.setdefault(_norm(c), c)
    hits = [by_norm[_norm(n)] for n in alias_table()["coordinates"]["wkt"] if _norm(n) in by_norm]
    if not hits:
        return None
    wcol = hits[0]
    text = df[wcol].astype("string").fillna("").str.strip().to_numpy(dtype=object)
    filled = bad & (text != "")
    parsed = np.array([_geometry_cell(t) if f else None for t, f in zip(text, filled)], dtype=object)
    got = np.flatnonzero(filled & np.array([g is not None and not g.is_empty for g in parsed], dtype=bool))
    unread = np.flatnonzero(filled & np.array([g is None for g in parsed], dtype=bool))
    if len(unread):
        issues.add(unread, f"{wcol} 列不是有效的 WKT/GeoJSON；面须闭合（首尾坐标相同），"
                           "例：POLYGON((115.9 36.4, 115.91 36.4, 115.91 36.41, 115.9 36.4))")
        notes.append(f"{len(unread)} 行无坐标，其 {wcol} 列也不是有效的 WKT/GeoJSON：{issues.rows(unread)}")
    if not len(got):
        return None
    notes.append(f"{len(got)} 行无坐标、取 {wcol} 列的图形：{issues.rows(got)}")
    return wcol, got


def _points_from_table(df, lines, *, x, y, where, notes, issues):
    import geopandas as gpd
    import pandas as pd
    import shapely

    kind, xcol, ycol = _coordinate_columns(df, x, y, where)
    n = len(df)
    if kind == "wkt":
        text = df[xcol].astype("string").fillna("").to_numpy(dtype=object)
        geoms = shapely.from_wkt(np.where(text == "", None, text), on_invalid="ignore")
        bad = np.flatnonzero(shapely.is_missing(geoms) & (text != ""))
        if len(bad):
            def why(p) -> str:
                try:
                    shapely.from_wkt(text[p])
                except Exception as exc:  # shapely.errors.GEOSException: the parser's own reason
                    return f"（{str(exc).split(':', 1)[-1].strip()}）"
                return ""

            issues.add(bad, lambda p: f"{xcol} 列不是有效的 WKT{why(p)}；面须闭合（首尾坐标相同），"
                                      "例：POLYGON((115.9 36.4, 115.91 36.4, 115.91 36.41, 115.9 36.4))")
            notes.append(f"{len(bad)} 行的 {xcol} 不是有效的 WKT：{issues.rows(bad)}")
        notes.append(f"几何取自 WKT 列 {xcol}")
        return gpd.GeoDataFrame(df, geometry=geoms, crs=None), (f"{xcol}（x）", f"{xcol}（y）"), False
    if kind == "combined":
        parts = df[xcol].astype("string").str.strip().str.split(r"[,，;；\s]+", n=1, expand=True, regex=True)
        parts = parts.reindex(columns=[0, 1])
        xs, ys = parts[0], parts[1]   # quoted in a row's reason when its cell is no pair
        names = (f"{xcol}（前一个数）", f"{xcol}（后一个数）")
        xv, yv, n_dms, n_labelled = _pair_values(df[xcol])
    else:
        xs, ys = df[xcol], df[ycol]
        names = (str(xcol), str(ycol))
        degrees = kind in ("lonlat", "explicit")
        xv, nx, lx = _coordinate_values(xs, "lon" if degrees else None)
        yv, ny, ly = _coordinate_values(ys, "lat" if degrees else None)
        n_dms, n_labelled = max(nx, ny), max(lx, ly)
    if n_dms:
        notes.append(f"{n_dms} 行坐标为度分秒格式（如 116°0′0″），已换算为十进制度")
    if n_labelled:
        notes.append(f"{n_labelled} 行坐标带东经/北纬标注（如 E115.746 N36.4402），按标注读取")
    bad = ~(np.isfinite(xv) & np.isfinite(yv))
    geoms = np.full(n, None, dtype=object)
    geoms[~bad] = shapely.points(xv[~bad], yv[~bad])
    drawn = _drawn_where_no_coordinates(df, kind, bad, where=where, notes=notes, issues=issues)
    if drawn is not None:
        # a row without coordinates but with a drawn shape (WKT/GeoJSON column) takes that shape:
        # per row, coordinates when it has them, else its geometry column, else (later) its address
        wcol, got = drawn
        geoms[got] = df[wcol].iloc[got].map(_geometry_cell).to_numpy(dtype=object)
        source = np.full(n, None, dtype=object)
        source[~bad] = f"{names[0]}/{names[1]}" if kind != "combined" else str(xcol)
        source[got] = str(wcol)
        df = df.copy()
        df[GEOMETRY_FROM_COLUMN] = source
        bad = bad.copy()
        bad[got] = False
    if bad.any():
        pos = np.flatnonzero(bad)
        def shown(v) -> str:
            return "空" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else f"“{v}”"

        issues.add(pos, lambda p: f"{NO_COORDINATES_ISSUE}（{names[0]}：{shown(xs.iloc[p])}，{names[1]}：{shown(ys.iloc[p])}）")
        notes.append(f"{len(pos)} 行{NO_COORDINATES_NOTE}{issues.rows(pos)}")
    if kind != "explicit":
        notes.append(f"坐标取自列 {names[0]} / {names[1]}")
    return gpd.GeoDataFrame(df, geometry=geoms, crs=None), names, kind == "xy"



def read_table(path, *, field_map: dict[str, str] | None = None, encoding=None, sheet=None,
               aliases: str | Sequence[str] | None = None) -> "pd.DataFrame":
    """Read a CSV/TXT/XLSX table (no geometry needed) — or the attribute table of a GIS file.

    Encodings, title rows above the header, blank rows, numbers-as-text and code columns (kept
    as text, leading zeros intact) are handled as in :func:`read_vector`. ``aliases`` may name
    alias groups (e.g. ``"parcels"``) to add canonical columns; ``field_map`` as there.

    Returns
    -------
    DataFrame
        Index ``0..n-1``; ``attrs["read_notes"]``, ``attrs["source_file"]``,
        ``attrs["row_numbers"]`` (spreadsheet row number of each record, for messages).
    """
    import pandas as pd

    if _is_pg(path):  # a PostGIS table, with or without a geometry column: its attributes
        from .pg import read_pg_attributes

        return read_pg_attributes(path, field_map=field_map, aliases=aliases)
    path = _check_path(path)
    kind = _format_of(path)
    notes: list[str] = []
    if kind in _TABULAR:
        df, lines = _read_tabular(path, kind, sheet, encoding, notes, aliases, field_map)
    else:
        import pyogrio

        enc = _gdal_encoding(path, kind, sheet, encoding, notes)
        (name,) = _choose_layer(path, kind, sheet)[:1]
        df = pd.DataFrame(pyogrio.read_dataframe(_gdal_path(path, kind, sheet), layer=name, encoding=enc,
                                                 read_geometry=False))
        if len(df) == 0:
            raise InputError(f"{path}：属性表中没有任何记录（0 条）。")
        lines = np.arange(len(df)) + 1
    df = df.reset_index(drop=True)
    df.attrs["source_file"] = str(path)
    own = list(df.columns)  # the file's own columns, before the aliases add canonical ones
    df, alias_notes = apply_aliases(df, aliases, field_map)  # a copy: the attrs (SHEET_READ) go with it
    notes.extend(alias_notes)
    df.attrs["input_columns"] = own
    df.attrs.update({"read_notes": notes, "source_file": str(path), "row_numbers": lines.tolist()})
    logger.info("Read %d rows from %s", len(df), path)
    return df
