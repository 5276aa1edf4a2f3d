"""Which text encoding does a DBF or a CSV use? (UTF-8, or the Chinese GBK/GB18030 family.)

:func:`shapefile_encoding` decides the encoding to hand GDAL for a Shapefile's DBF (its ``.cpg``
checked against the bytes, the LDID code page honoured), :func:`text_encoding` the encoding of a
CSV/TXT (BOM, else strict UTF-8, else GB18030). Each choice that is not the obvious one is said
in a note. The sample size is ``dbf_sample_bytes`` of ``dcf_spatial/data/input_checks.json``.
"""

from __future__ import annotations

import codecs
import logging
import re
import zipfile
from pathlib import Path

import numpy as np

from .._fixes import ENCODING as FIX_ENCODING
from ..crs.guess import checks
from ..errors import InputError
from .formats import _sidecar, _zip_layer_name, zip_names

logger = logging.getLogger(__name__)


# Written by hand (not charset-normalizer/chardet): the files met here are either UTF-8 or the
# Chinese GBK family, and a strict "UTF-8, else GB18030" decode of the character fields decides
# deterministically; statistical detectors misfire on short CJK fields (they pick Big5, Shift-JIS
# or cp1252 for a handful of place names).
_CPG_CODECS = {"936": "gbk", "65001": "utf-8", "utf8": "utf-8", "gb2312": "gbk", "cp936": "gbk", "ansi 936": "gbk"}


#: Unicode ranges of Chinese text (CJK ideographs, CJK and full-width punctuation, general
#: punctuation such as “” — ·): a decoding that yields mostly these is taken as the right one
_CJK_RE = re.compile("[\u00b7\u00d7\u2010-\u206f\u2150-\u218f\u2460-\u24ff\u2e80-\u303f\u3400-\u4dbf"
                     "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0002ffff]")
_NON_ASCII_RE = re.compile("[^\x00-\x7f]")
#: characters looked at to judge a decoding (the judgement is settled long before)
_CJK_SAMPLE_CHARS = 200_000


def _cjk_share(text: str) -> float:
    """Share of the non-ASCII characters of ``text`` that are Chinese characters or punctuation."""
    text = text[:_CJK_SAMPLE_CHARS]
    wide = _NON_ASCII_RE.subn("", text)[1]
    if not wide:
        return 1.0
    return _CJK_RE.subn("", text)[1] / wide


def _decode_guess(raw: bytes) -> str | None:
    """``None`` for pure ASCII, else the encoding of ``raw`` among utf-8 / gbk / gb18030.

    Strict decoding alone is not enough when there is little Chinese text (e.g. only a few field
    names, the values being codes): two GBK characters are valid UTF-8 often enough ("状态" in
    GBK decodes as UTF-8 to "״̬"). So the first strict decoding that yields mostly Chinese
    characters wins; then any strict one; then GBK/GB18030 with at most a couple of broken
    characters (a field name cut mid-character at the DBF's 10-byte limit by some exporters).
    """
    if raw.isascii():
        return None
    strict = []
    for enc in ("utf-8", "gbk", "gb18030"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if _cjk_share(text) >= 0.5:
            return enc
        strict.append(enc)
    if strict:
        return strict[0]
    for enc in ("gbk", "gb18030"):
        text = raw.decode(enc, errors="replace")
        broken = text.count("\ufffd")
        if broken <= 2 and _cjk_share(text.replace("\ufffd", "")) >= 0.5:
            return enc
    return "unknown"


def _dbf_text_sample(fh, limit: int) -> bytes:
    """The bytes of the field names and the character ('C') fields of the first records of a DBF."""
    head = fh.read(32)
    if len(head) < 32:
        return b""
    n_records = int.from_bytes(head[4:8], "little")
    header_len = int.from_bytes(head[8:10], "little")
    record_len = int.from_bytes(head[10:12], "little")
    desc = fh.read(max(header_len - 32, 0))
    names, slices, offset = [], [], 1  # byte 0 of each record is the deletion flag
    for i in range(0, len(desc) - 31, 32):
        d = desc[i:i + 32]
        if d[0] == 0x0D:
            break
        names.append(_trim_cut_utf8(d[:11].split(b"\x00")[0]))
        length = d[16]
        if d[11:12] == b"C":
            slices.append((offset, offset + length))
        offset += length
    n = min(n_records, max(limit // max(record_len, 1), 1))
    body = fh.read(n * record_len) if record_len else b""
    parts = [b" ".join(names)]
    if slices and body:
        rec = np.frombuffer(body[: (len(body) // record_len) * record_len], dtype=np.uint8).reshape(-1, record_len)
        for a, b in slices:
            parts.append(rec[:, a:b].tobytes())
    return b" ".join(parts)


def _trim_cut_utf8(name: bytes) -> bytes:
    """A DBF field name cut mid-character at the 10-byte limit (GDAL/QGIS writing UTF-8 Chinese
    names: 3 bytes a character) without its trailing partial character; other names unchanged.
    Written by hand: it is the UTF-8 lead-byte rule, three lines."""
    if len(name) < 9 or name.isascii():
        return name
    for cut in (1, 2, 3):
        head = name[:-cut]
        lead = name[-cut]
        need = 2 if 0xC0 <= lead < 0xE0 else 3 if 0xE0 <= lead < 0xF0 else 4 if 0xF0 <= lead < 0xF8 else 0
        if need > cut and all(0x80 <= b < 0xC0 for b in name[-cut + 1:] if cut > 1):
            try:
                head.decode("utf-8")
            except UnicodeDecodeError:
                return name
            return head
    return name


def cut_field_names(dbf_bytes: bytes) -> dict[int, bytes]:
    """Field names of a DBF header that are UTF-8 cut mid-character: ``{offset of the descriptor: trimmed name}``."""
    header_len = int.from_bytes(dbf_bytes[8:10], "little")
    out = {}
    for off in range(32, max(header_len - 31, 32), 32):
        d = dbf_bytes[off:off + 32]
        if len(d) < 32 or d[0] == 0x0D:
            break
        raw = d[:11].split(b"\x00")[0]
        trimmed = _trim_cut_utf8(raw)
        if trimmed != raw:
            out[off] = trimmed
    return out


def _dbf_ldid(fh) -> int:
    fh.seek(29)
    b = fh.read(1)
    fh.seek(0)
    return b[0] if b else 0


def shapefile_encoding(dbf_open, cpg_text: str | None, explicit: str | None, where: str,
                        notes: list[str]) -> str | None:
    """Decide the encoding to hand to GDAL for a DBF (``None``: let GDAL decide)."""
    if explicit:
        notes.append(f"DBF 按用户指定的编码 {explicit} 读取")
        return explicit
    limit = int(checks()["dbf_sample_bytes"])
    with dbf_open() as fh:
        ldid = _dbf_ldid(fh)
        sample = _dbf_text_sample(fh, limit)
    found = _decode_guess(sample)
    if cpg_text is not None:
        declared = _CPG_CODECS.get(cpg_text.strip().lower().replace("-", "").replace("_", ""), cpg_text.strip())
        try:
            sample.decode(declared)
            return None  # the .cpg is right: GDAL reads it
        except (UnicodeDecodeError, LookupError):
            if found in ("utf-8", "gbk", "gb18030"):
                notes.append(f"{where}：.cpg 声明编码 {cpg_text.strip()}，但内容实际为 {found.upper()}，已按 {found.upper()} 读取")
                return found.upper()
            return None
    if found is None:
        return None
    if ldid == 0x4D and found in ("gbk", "gb18030"):
        return None  # LDID 77 = code page 936: GDAL honours it
    if found == "utf-8":
        notes.append("Shapefile 无 .cpg，DBF 内容为 UTF-8，按 UTF-8 读取")
        return "UTF-8"
    if found in ("gbk", "gb18030"):
        notes.append(f"Shapefile 无 .cpg，DBF 中文按 {'GBK' if found == 'gbk' else 'GB18030'} 编码读取（国内 ArcGIS/MapGIS 导出的常见情况）")
        return found.upper()
    notes.append(
        f"警告：无法判断 DBF 的文字编码（既不是 UTF-8 也不是 GBK），中文属性可能乱码；请{FIX_ENCODING}（如 gbk），"
        "或在 GIS 软件中导出时选择 UTF-8 并附带 .cpg 文件"
    )
    logger.warning("%s：无法识别 DBF 的文字编码，中文属性可能乱码（可%s，如 gbk）", where, FIX_ENCODING)
    return None


def text_encoding(path: Path, explicit: str | None, notes: list[str]) -> str:
    """Encoding of a CSV/TXT file: BOM, else strict UTF-8, else GB18030."""
    if explicit:
        notes.append(f"按用户指定的编码 {explicit} 读取")
        return explicit
    limit = int(checks()["dbf_sample_bytes"])
    with open(path, "rb") as fh:
        raw = fh.read(limit)
        more = bool(fh.read(1))
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        notes.append("文件为 UTF-16 编码（Excel “Unicode 文本”）")
        return "utf-16"
    if more:
        raw = raw[: raw.rfind(b"\n") + 1] or raw
    found = _decode_guess(raw)
    if found is None or found == "utf-8":
        return "utf-8"
    if found in ("gbk", "gb18030"):
        notes.append("CSV 按 GBK（GB18030）编码读取（Excel 中文版默认的 CSV 编码）")
        return "gb18030"
    raise InputError(
        f"{path}：无法判断文字编码（不是 UTF-8，也不是 GBK）。请在 Excel/WPS 中另存为“CSV UTF-8”，或{FIX_ENCODING}（如 gbk）。"
    )


def _gdal_encoding(path: Path, kind: str, layer, explicit, notes) -> str | None:
    """Encoding for GDAL: only Shapefiles (plain or zipped) need one."""
    if kind == "shp":
        dbf = _sidecar(path, ".dbf")
        cpg = _sidecar(path, ".cpg")
        cpg_text = cpg.read_text(encoding="ascii", errors="replace") if cpg else None
        return shapefile_encoding(lambda: open(dbf, "rb"), cpg_text, explicit, str(path), notes)
    if kind == "zip":
        real = zip_names(path)  # real name -> stored name (GBK names of Chinese Windows zips decoded)
        with zipfile.ZipFile(path) as zf:
            names = list(real)
            dbfs = [n for n in names if n.lower().endswith(".dbf")]
            if layer is not None:
                wanted = {Path(str(layer)).stem, Path(_zip_layer_name(str(layer))).stem}
                dbfs = [n for n in dbfs if Path(n).stem in wanted] or dbfs
            if not dbfs:
                return explicit
            dbf = dbfs[0]
            stem = dbf[:-4]
            cpgs = [n for n in names if n.lower() == (stem + ".cpg").lower()]
            # zf.open streams are not seekable for the LDID probe; buffer the sample instead
            import io as _stdio

            from .unzip import DAMAGED_MEMBER_ERRORS, damaged_member

            limit = int(checks()["dbf_sample_bytes"])
            try:
                cpg_text = zf.read(real[cpgs[0]]).decode("ascii", errors="replace") if cpgs else None
            except DAMAGED_MEMBER_ERRORS:
                raise damaged_member(str(path), cpgs[0]) from None
            try:
                with zf.open(real[dbf]) as fh:
                    data = fh.read(limit + 65536)
            except DAMAGED_MEMBER_ERRORS:
                raise damaged_member(str(path), dbf) from None
            return shapefile_encoding(lambda: _stdio.BytesIO(data), cpg_text, explicit, f"{path}!{dbf}", notes)
    return explicit
