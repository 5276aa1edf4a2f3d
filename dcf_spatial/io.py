"""Read what users bring: any vector file, a table with coordinates, or a ``--site`` value.

Every later command reads user input through this module, so that encodings, CRSs, swapped axes,
broken geometries and the bureau's standard field names are handled once, the same way, and
*said*: each result carries ``attrs["read_notes"]`` (Chinese, for reports) listing what was done,
and ``attrs["source_file"]``.

Formats (:data:`SUPPORTED_FORMATS`): Shapefile (also zipped; DBF encoding detected — GBK without
``.cpg`` is the common case here), GeoPackage, GeoJSON, KML/KMZ, ESRI FileGDB (``.gdb`` folder,
GDAL's OpenFileGDB), CAD DXF (closed polylines become polygons), CSV/TXT (UTF-8, UTF-8-BOM,
UTF-16 or GBK) and XLSX with coordinate columns (``lon/lat``, ``经度/纬度``, ``X/Y``,
``东坐标/北坐标``, a combined ``经纬度`` column, degrees-minutes-seconds, or WKT). Formats that
cannot be read (.dwg, MapGIS, .mdb, .xls) are refused with the conversion to make.

Engines: GDAL through pyogrio (geopandas' default, fast, whole file in memory) for
:func:`read_vector`; **fiona** for :func:`iter_records` / :func:`scan_vector`, which stream a very
large file one record at a time in constant memory (count, validate, find bad rows before
committing to a full read).

Nothing is lost: N records in, N rows out, index ``0..n-1`` in file order. Rows with a problem
(no geometry, repaired geometry, coordinates outside China or far from the district) keep their
place and get a reason in the column ``read_issue`` (present only when some row had one).

Field names: the bureau's standard fields (三调 ``XZQDM``/``XZQMC``, ``DLBM``/``DLMC``/``TBMJ``) are
recognised on read and canonical columns added beside the originals; any other field is mapped
with ``field_map={"target": "source"}`` (CLI: ``--field target=source``, see
:func:`parse_field_map`). The alias table is ``dcf_spatial/data/field_aliases.json``; groups
``admin``, ``landuse``, ``parcels``, ``enterprises`` and ``sites`` are applied with
:func:`apply_aliases`.

Examples
--------
>>> from dcf_spatial import io
>>> gdf = io.read_vector("乡镇.shp")                      # doctest: +SKIP
>>> gdf.attrs["read_notes"]                                # doctest: +SKIP
['Shapefile 无 .cpg，DBF 按 GBK 编码读取', ...]
>>> site = io.read_site("115.98,36.45", area_mu=50)       # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import logging
import re
import unicodedata
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

import numpy as np

from . import settings
from ._validate import (RowIssues, check_geometries, check_location, checks, resolve_crs,
                        shapefile_encoding, text_encoding)
from .errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd

logger = logging.getLogger(__name__)

#: suffix -> what it is, as told to users when a format is not supported
SUPPORTED_FORMATS: dict[str, str] = {
    ".shp": "Shapefile（.shp/.shx/.dbf，DBF 编码自动识别 UTF-8/GBK）",
    ".zip": "压缩的 Shapefile（.zip 内含 .shp）",
    ".gpkg": "GeoPackage",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "KML（Google Earth、奥维等）",
    ".kmz": "KMZ",
    ".gdb": "ESRI 文件地理数据库（.gdb 文件夹）",
    ".csv": "CSV（含坐标列；UTF-8、UTF-8-BOM 或 GBK）",
    ".txt": "分隔文本（含坐标列）",
    ".xlsx": "Excel 工作簿（含坐标列）",
    ".xlsm": "Excel 工作簿（含坐标列）",
    ".dxf": "CAD 交换格式 DXF（闭合多段线转为面）",
}
#: formats users often have, with what to do instead
_CONVERT_HINTS = {
    ".xls": "不支持旧版 Excel .xls。请在 Excel/WPS 中另存为 .xlsx 后再读取",
    ".dwg": "不能直接读取 CAD .dwg。请在 CAD 中“另存为”DXF（或导出为 Shapefile）后再读取",
    ".wt": "不能直接读取 MapGIS 文件。请在 MapGIS 中转换为 Shapefile（或 GeoPackage）后再读取",
    ".wl": "不能直接读取 MapGIS 文件。请在 MapGIS 中转换为 Shapefile（或 GeoPackage）后再读取",
    ".wp": "不能直接读取 MapGIS 文件。请在 MapGIS 中转换为 Shapefile（或 GeoPackage）后再读取",
    ".mdb": "不能直接读取个人地理数据库 .mdb。请在 ArcGIS 中导出为文件地理数据库（.gdb）或 GeoPackage",
}
_FORMAT_KIND = {
    ".shp": "shp", ".zip": "zip", ".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson",
    ".kml": "kml", ".kmz": "kml", ".gdb": "gdb", ".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".dxf": "dxf",
}
_TABULAR = ("csv", "xlsx")
#: field_map targets that name the coordinate columns of a table (``--field lon=东经 --field lat=北纬``)
_FIELD_MAP_X = ("lon", "x", "经度")
_FIELD_MAP_Y = ("lat", "y", "纬度")
#: alias groups applied by read_vector unless told otherwise: the national land-survey standards
DEFAULT_VECTOR_ALIASES: tuple[str, ...] = ("admin", "landuse")
ISSUE_COLUMN = "read_issue"
_GEOM_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
                    5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


# --- alias table ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def alias_table() -> dict:
    """The parsed ``data/field_aliases.json``."""
    with open(settings.data_dir / "field_aliases.json", encoding="utf-8") as fh:
        return json.load(fh)


def _norm(name) -> str:
    """Header normalisation: NFKC (full-width → half-width), lower case, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name))).lower()


def _entries(entries) -> list[tuple[str, str | None]]:
    return [(e, None) if isinstance(e, str) else (e["name"], e.get("scale")) for e in entries]


def _is_text_field(name: str) -> bool:
    """Should a column keep its values as text (codes with leading zeros, 12/18-digit codes)?"""
    table = alias_table()
    n = _norm(name)
    if n in {_norm(t) for t in table["text_fields"]}:
        return True
    for group in table["groups"].values():
        for target, entries in group.items():
            if target in table["text_fields"] and n in {_norm(s) for s, _ in _entries(entries)}:
                return True
    tokens = [t for t in re.split(r"[^0-9a-z]+", n) if t]
    for pat in table["text_name_patterns"]:
        p = _norm(pat)
        if pat.isascii():
            # upper-case patterns are suffixes of 三调 field codes (XZQDM, DLBM, TBBH); lower-case
            # ones must be a word of the name, digits allowed (parcel_id, code12_nbs2023, ext_id_x)
            if (pat.isupper() and n.endswith(p)) or any(re.fullmatch(re.escape(p) + r"\d*", t) for t in tokens):
                return True
        elif p in n:
            return True
    return False


def _as_text(series: "pd.Series") -> "pd.Series":
    """Numbers read from a code column back to exact text (371502105000.0 → '371502105000')."""
    import pandas as pd

    if pd.api.types.is_float_dtype(series):
        vals = series.to_numpy()
        whole = np.isfinite(vals) & (np.floor(vals) == vals)
        out = series.astype(object)
        out[whole] = [str(int(v)) for v in vals[whole]]
        out[~np.isfinite(vals)] = None
        return out
    if pd.api.types.is_integer_dtype(series):
        return series.astype(str).astype(object)
    if series.dtype == object:
        return series.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer()
                          else (str(v) if isinstance(v, (int, np.integer)) else v))
    return series


def apply_aliases(df: "pd.DataFrame", table: str | Sequence[str] | None = None,
                  field_map: dict[str, str] | None = None) -> tuple["pd.DataFrame", list[str]]:
    """Add canonical columns for recognised field names; originals are kept.

    Parameters
    ----------
    df
        Any DataFrame or GeoDataFrame (not modified).
    table
        Alias group(s) of ``data/field_aliases.json``: ``"admin"``, ``"landuse"``,
        ``"parcels"``, ``"enterprises"``, ``"sites"``, a list of them, or ``None`` for
        ``field_map`` only.
    field_map
        Explicit mapping ``{target: source}`` (e.g. ``{"parcel_id": "地块号"}``); it wins over
        the alias table. A target that already exists is kept as ``<target>__original``.

    Returns
    -------
    (DataFrame, notes)
        A copy with the canonical columns added, and Chinese notes saying what was mapped.
        Unit-bearing aliases are converted (``用地面积(平方米)`` → ``land_area_mu`` × 0.0015).

    Raises
    ------
    InputError
        ``field_map`` names a source field the data does not have, or a group that does not exist.
    """
    import pandas as pd

    tab = alias_table()
    groups = [table] if isinstance(table, str) else list(table or [])
    unknown = [g for g in groups if g not in tab["groups"]]
    if unknown:
        raise InputError(
            f"别名组 {unknown} 不存在；可用：{', '.join(tab['groups'])}（见 dcf_spatial/data/field_aliases.json）。"
        )
    out = df.copy()
    notes: list[str] = []
    by_norm: dict[str, str] = {}
    for c in out.columns:
        by_norm.setdefault(_norm(c), c)
    src_name = getattr(df, "attrs", {}).get("source_file", "数据")

    explicit = []
    for target, source in (field_map or {}).items():
        col = source if source in out.columns else by_norm.get(_norm(source))
        if col is None:
            hint = ("字段名疑似乱码（中文按错误的编码读入）：请加 --encoding gbk（Python：encoding=\"gbk\"）。"
                    if looks_mis_decoded(out.columns) else "")
            raise InputError(
                f"{src_name}：字段映射 {target}={source} 无效——没有名为“{source}”的字段。"
                f"现有字段：{', '.join(map(str, out.columns))}。{hint}请改为 {target}=<上面的某个字段名>。"
            )
        if target == col:
            continue
        if target in out.columns:
            out[f"{target}__original"] = out[target]
            notes.append(f"原有字段 {target} 保留为 {target}__original（被用户映射 {target}={col} 取代）")
        out[target] = out[col]
        explicit.append(f"{col}→{target}")
    if explicit:
        notes.append("按用户指定映射字段：" + "、".join(explicit))

    # Only a DBF cuts field names at 10 bytes: a CSV/XLSX header is taken as written.
    dbf = str(src_name).lower().endswith((".shp", ".zip", ".dbf"))
    truncated = _truncated_names(out.columns) if dbf else {}
    mapped, skipped = [], []
    for group in groups:
        for target, entries in tab["groups"][group].items():
            exact = any(_norm(name) in by_norm for name, _ in _entries(entries))
            for name, scale in _entries(entries):
                col = by_norm.get(_norm(name))
                cut = False
                if col is None and not exact:
                    hits = [c for n, c in truncated.items() if _norm(name).startswith(n)]
                    col, cut = (hits[0], True) if len(hits) == 1 else (None, False)
                if col is None or col == target:
                    continue
                if cut and target not in out.columns:
                    notes.append(f"字段名 {col} 疑似被 Shapefile 截断（DBF 字段名最长 10 字节），按 {name} 识别")
                if target in out.columns:
                    if target not in (field_map or {}) and not any(m.endswith("→" + target) for m in mapped):
                        skipped.append(f"{col}（已有字段 {target}）")
                    break
                if scale:
                    factor = tab["unit_factors"][scale]
                    values = pd.to_numeric(out[col], errors="coerce")
                    bad = int((values.isna() & out[col].notna()).sum())
                    out[target] = values * factor
                    mapped.append(f"{col}→{target}（×{factor:g}）")
                    if bad:
                        notes.append(f"字段 {col} 有 {bad} 个值不是数字，{target} 中记为空值（原字段保留）")
                else:
                    out[target] = out[col]
                    mapped.append(f"{col}→{target}")
                if target in tab["text_fields"]:
                    out[target] = _as_text(out[target])
                break
    if mapped:
        notes.append("识别标准字段并添加规范字段（原字段保留）：" + "、".join(mapped))
    if skipped:
        notes.append("以下标准字段未使用，因为规范字段已存在：" + "、".join(skipped))
    if "code12" in out.columns and "admin" in groups:
        codes = out["code12"].astype("string")
        nine = codes.str.fullmatch(r"\d{9}").fillna(False).to_numpy(dtype=bool)
        if nine.any():
            out.loc[nine, "code12"] = codes[nine] + "000"
            notes.append(f"{int(nine.sum())} 个 9 位乡镇代码已补足为 12 位统计用区划代码（末尾补 000）")
    return out, notes


def looks_mis_decoded(names) -> bool:
    """True when names read as Latin-1/cp1252 are really GBK or UTF-8 Chinese ("Ãû³Æ" is 名称)."""
    from ._validate import _cjk_share

    text = "".join(ch for ch in " ".join(map(str, names)) if not ch.isascii())
    if not text:
        return False
    for single in ("latin-1", "cp1252"):
        try:
            raw = text.encode(single)
        except UnicodeEncodeError:
            continue
        for enc in ("gbk", "utf-8"):
            try:
                return _cjk_share(raw.decode(enc)) >= 0.5
            except UnicodeDecodeError:
                continue
    return False


def _truncated_names(columns) -> dict[str, str]:
    """Non-ASCII column names that look cut at the DBF limit of 10 bytes (GBK or UTF-8)."""
    out = {}
    for c in columns:
        n = _norm(c)
        if n.isascii() or len(n) < 3:
            continue
        sizes = {len(n.encode(enc, errors="replace")) for enc in ("gbk", "utf-8")}
        if sizes & {9, 10}:
            out[n] = c
    return out


def parse_field_map(items: Sequence[str] | str | None) -> dict[str, str]:
    """Parse ``--field`` options: ``["id=XZQDM", "name_zh=XZQMC"]`` → ``{"id": "XZQDM", ...}``.

    An item may hold several pairs separated by commas (``"id=XZQDM,name_zh=XZQMC"``).

    Raises
    ------
    InputError
        An item is not ``target=source``, or a target appears twice.
    """
    if items is None:
        return {}
    if isinstance(items, str):
        items = [items]
    out: dict[str, str] = {}
    for item in items:
        for part in re.split(r"[,，]", str(item)):
            part = part.strip()
            if not part:
                continue
            target, sep, source = part.partition("=")
            target, source = target.strip(), source.strip()
            if not sep or not target or not source:
                raise InputError(
                    f"--field {part!r}：格式应为 目标字段=源字段，例如 --field name_zh=XZQMC --field id=XZQDM。"
                )
            if target in out:
                raise InputError(
                    f"--field：目标字段 {target} 被映射了两次（{out[target]} 和 {source}）；每个目标字段只能来自一个源字段。"
                )
            out[target] = source
    return out


# --- paths and formats -----------------------------------------------------------------------------


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


def _is_pg(path) -> bool:
    """``pg:SCHEMA.TABLE`` names a table in the database of the PostGIS layer store (``--store``)."""
    return isinstance(path, str) and path.startswith("pg:")


def _read_pg(spec: str, *, crs=None, field_map=None, aliases=None) -> "gpd.GeoDataFrame":
    """A ``pg:SCHEMA.TABLE`` input read with :func:`dcf_spatial.store.backends.postgis.read_pg_table`, put in the
    storage CRS and given the canonical columns, as :func:`read_vector` does for files."""
    from .crs import to_storage
    from .store.backends.postgis import read_pg_table

    gdf = read_pg_table(spec)
    if len(gdf) == 0:
        raise InputError(f"{spec}：表中没有任何记录（0 条）。请检查 --store 指向的数据库与表名（pg:模式.表名）。")
    gdf = to_storage(gdf.reset_index(drop=True), crs=crs)
    notes = [f"从 PostGIS 表 {spec} 读入 {len(gdf):,} 条记录"]
    # a database table gets the checks a file gets: empty and invalid geometries, places far away
    gdf = check_rows(gdf, where=spec, notes=notes, location=True)
    gdf, alias_notes = apply_aliases(gdf, aliases, field_map)
    gdf.attrs["read_notes"] = notes + alias_notes
    gdf.attrs["source_file"] = spec
    return gdf


def check_rows(gdf: "gpd.GeoDataFrame", *, where: str, notes: list[str], location: bool = True,
               row_label=None, repair: bool = True, issues: RowIssues | None = None) -> "gpd.GeoDataFrame":
    """Flag empty geometries, repair invalid ones and (``location``) flag rows far from the district,
    each in the row's ``read_issue``: the checks every reader applies (files, ``--site`` values, a
    PostGIS table, a GeoParquet partition). ``issues`` carries what the reader found earlier."""
    issues = issues if issues is not None else RowIssues(len(gdf), row_label or _row_label_features)
    gdf = check_geometries(gdf, repair=repair, where=where, notes=notes, issues=issues)
    if location:
        check_location(gdf, where=where, notes=notes, issues=issues)
    col = issues.column()
    if col is not None:
        gdf[ISSUE_COLUMN] = col
    return gdf


def _check_path(path) -> Path:
    path = Path(path).expanduser()
    if not path.exists():
        hint = ""
        if path.parent.exists():
            near = sorted(p.name for p in path.parent.glob(f"{path.stem}.*"))[:8]
            if near:
                hint = f"同一文件夹中有：{', '.join(near)}。"
        raise InputError(f"文件不存在：{path}。{hint}请检查路径和文件名（含扩展名）。")
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


def _row_label_features(pos: int) -> str:
    return f"第 {pos + 1} 条要素"


# --- encodings ---------------------------------------------------------------------------------------


def _gdal_encoding(path: Path, kind: str, layer, explicit, notes) -> str | None:
    """Encoding for GDAL: only Shapefiles (plain or zipped) need one."""
    if kind == "shp":
        dbf = _sidecar(path, ".dbf")
        cpg = _sidecar(path, ".cpg")
        cpg_text = cpg.read_text(encoding="ascii", errors="replace") if cpg else None
        return shapefile_encoding(lambda: open(dbf, "rb"), cpg_text, explicit, str(path), notes)
    if kind == "zip":
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            dbfs = [n for n in names if n.lower().endswith(".dbf")]
            if layer is not None:
                dbfs = [n for n in dbfs if Path(n).stem == str(layer)] or dbfs
            if not dbfs:
                return explicit
            dbf = dbfs[0]
            stem = dbf[:-4]
            cpgs = [n for n in names if n.lower() == (stem + ".cpg").lower()]
            cpg_text = zf.read(cpgs[0]).decode("ascii", errors="replace") if cpgs else None

            # zf.open streams are not seekable for the LDID probe; buffer the sample instead
            import io as _stdio

            limit = int(checks()["dbf_sample_bytes"])
            with zf.open(dbf) as fh:
                data = fh.read(limit + 65536)
            return shapefile_encoding(lambda: _stdio.BytesIO(data), cpg_text, explicit, f"{path}!{dbf}", notes)
    return explicit


# --- tables -----------------------------------------------------------------------------------------


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
        head = s[present].iloc[:200]
        if pd.to_numeric(head.astype(str).str.strip().str.replace(",", "", regex=False), errors="coerce").isna().any():
            continue  # quick reject: a text column
        vals = pd.to_numeric(s, errors="coerce")
        failed = present & vals.isna().to_numpy()
        if failed.any():
            sub = s[failed].astype(str).str.strip()
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
        df[col] = vals
    return df


def _read_csv(path: Path, encoding, notes) -> tuple["pd.DataFrame", np.ndarray]:
    import pandas as pd

    enc = text_encoding(path, encoding, notes)
    with open(path, encoding=enc, errors="replace", newline="") as fh:
        head = [fh.readline() for _ in range(30)]
    head = [h for h in head if h]
    # the separator is the one most used on some line (a title line above the header has none)
    sep = max([",", "\t", ";", "|"], key=lambda c: max((h.count(c) for h in head), default=0))
    rows = list(csv.reader(head, delimiter=sep))
    header = _header_row(rows)
    if header:
        notes.append(f"表头在第 {header + 1} 行，跳过上方 {header} 行标题")
    opts = dict(sep=sep, encoding=enc, skiprows=header, skip_blank_lines=False, keep_default_na=False, na_values=[""])
    try:
        # Columns that must stay text are decided on a sample read as text; the whole file is then
        # parsed by pandas' C reader with type inference for the rest (5x faster than all-text).
        sample = pd.read_csv(path, dtype=str, nrows=5000, **opts)
        text_cols = {c: str for c in sample.columns if _is_text_field(c) or _keeps_text(sample[c].dropna().to_numpy())}
        df = pd.read_csv(path, dtype=text_cols, **opts)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}：按 {enc} 编码读取时在第 {exc.start} 字节处失败，文件中混有其他编码的文字。"
            "请另存为“CSV UTF-8”，或指定编码：命令行 --encoding gbk（Python：encoding=\"gbk\"）。"
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        if isinstance(exc, pd.errors.EmptyDataError):
            raise InputError(f"{path}：文件是空的（没有表头也没有数据行）。请检查导出是否成功。") from None
        raise InputError(f"{path}：无法按分隔符 {sep!r} 解析表格（{exc}）。请检查分隔符与引号是否一致。") from None
    df.columns = _dedupe(list(df.columns))
    lines = np.arange(len(df)) + header + 2  # spreadsheet row number of each record
    return df, lines


def _read_xlsx(path: Path, sheet, notes) -> tuple["pd.DataFrame", np.ndarray]:
    import pandas as pd

    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # openpyxl raises several unrelated types for broken files
        raise InputError(f"{path}：无法打开 Excel 文件（{type(exc).__name__}: {exc}）。请确认它是有效的 .xlsx。") from None
    with book:
        sheets = book.sheet_names
        if sheet is None:
            sheet = sheets[0]
            if len(sheets) > 1:
                notes.append(f"工作簿有 {len(sheets)} 个工作表，读取第一个“{sheet}”（其他：{'、'.join(sheets[1:])}；可用 --layer（Python：layer=）选择）")
        elif sheet not in sheets:
            raise InputError(f"{path}：没有名为 {sheet!r} 的工作表。现有：{'、'.join(sheets)}。")
        raw = pd.read_excel(book, sheet_name=sheet, header=None)
    if raw.empty:
        others = [s for s in sheets if s != sheet]
        raise InputError(
            f"{path}：工作表“{sheet}”是空的（0 行）。" + (f"其他工作表：{'、'.join(others)}，可用 --layer <工作表名>（Python：layer=）选择。" if others else "")
        )
    header = _header_row(raw.head(30).values.tolist())
    if header:
        notes.append(f"表头在第 {header + 1} 行，跳过上方 {header} 行标题")
    df = raw.iloc[header + 1:].copy()
    df.columns = _dedupe(raw.iloc[header].tolist())
    lines = np.arange(len(df)) + header + 2
    df = df.reset_index(drop=True).infer_objects()
    return df, lines


def _drop_blank(df, lines, notes):
    blank = df.isna().all(axis=1).to_numpy()
    if blank.any():
        notes.append(f"跳过 {int(blank.sum())} 个空行")
        df = df.loc[~blank].reset_index(drop=True)
        lines = lines[~blank]
    return df, lines


def _read_tabular(path: Path, kind: str, sheet, encoding, notes) -> tuple["pd.DataFrame", np.ndarray]:
    if kind == "csv":
        df, lines = _read_csv(path, encoding, notes)
    else:
        df, lines = _read_xlsx(path, sheet, notes)
    df, lines = _drop_blank(df, lines, notes)
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
    one other sheet that has them (said in the notes); several candidates: ask for ``--layer``."""
    import pandas as pd

    try:
        _coordinate_columns(df, None, None, str(path))
        return df, lines
    except InputError:
        pass
    with pd.ExcelFile(path, engine="openpyxl") as book:
        sheets = book.sheet_names
        hits = []
        for name in sheets[1:]:
            head = pd.read_excel(book, sheet_name=name, header=None, nrows=30)
            if head.empty:
                continue
            row = _header_row(head.values.tolist())
            try:
                _coordinate_columns(pd.DataFrame(columns=_dedupe(head.iloc[row].tolist())), None, None, str(path))
            except InputError:
                continue
            hits.append(name)
    if not hits:
        return df, lines
    if len(hits) > 1:
        raise InputError(
            f"{path}：第一个工作表“{sheets[0]}”没有坐标列，而工作表 {'、'.join(hits)} 都有。"
            f"请用 --layer <工作表名>（Python：layer=）指定读取哪一个，例如 --layer {hits[0]}。"
        )
    sheet_notes: list[str] = []
    df, lines = _read_tabular(path, "xlsx", hits[0], encoding, sheet_notes)
    notes[:] = [n for n in notes if not n.startswith("工作簿有 ")]
    notes.append(f"第一个工作表“{sheets[0]}”没有坐标列，改读有坐标列的工作表“{hits[0]}”"
                 f"（共 {len(sheets)} 个工作表；可用 --layer 指定）")
    notes.extend(sheet_notes)
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
                f"（经度、纬度两列都要给出：--field lon=<列> --field lat=<列>；Python：x=, y=）。现有列：{', '.join(map(str, cols))}。"
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
    raise InputError(
        f"{where}：找不到坐标列。可识别的列名：经度/纬度、lon/lat、lng/lat、X/Y、东坐标/北坐标、经纬度（\"116.0,36.4\"）、WKT。"
        f"现有列：{', '.join(map(str, cols))}。请把坐标列改名为 经度/纬度，或用 --field lon=<经度列> --field lat=<纬度列>（Python：x=, y=）指定；"
        "只需要属性表时请用 read_table。"
    )


# Degrees-minutes-seconds as typed in Chinese tables: 116°00′30″, 116度0分30秒, 36°27'N.
_DMS = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*['′’分])?\s*"
                  r"(?:(\d+(?:\.\d+)?)\s*(?:[\"″”秒]|''))?\s*([NSEWnsew东西南北])?\s*$")


def _coordinate_values(values) -> tuple[np.ndarray, int]:
    """Numbers of a coordinate column; DMS strings converted (hand-written: a 10-line regex
    does not justify a dependency). Returns (values, number of DMS values converted)."""
    import pandas as pd

    out = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, copy=True)
    todo = np.flatnonzero(~np.isfinite(out) & pd.notna(values).to_numpy())
    n = 0
    for i in todo:
        m = _DMS.match(str(values.iloc[i]))
        if not m:
            continue
        deg, mins, secs, hemi = m.groups()
        v = abs(float(deg)) + float(mins or 0) / 60 + float(secs or 0) / 3600
        negative = deg.startswith("-") or (hemi or "").upper() in ("S", "W") or hemi in ("南", "西")
        out[i] = -v if negative else v
        n += 1
    return out, n


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
        xs, ys = parts[0], parts[1]
        names = (f"{xcol}（前一个数）", f"{xcol}（后一个数）")
    else:
        xs, ys = df[xcol], df[ycol]
        names = (str(xcol), str(ycol))
    xv, nx = _coordinate_values(xs)
    yv, ny = _coordinate_values(ys)
    if nx or ny:
        notes.append(f"{max(nx, ny)} 行坐标为度分秒格式（如 116°0′0″），已换算为十进制度")
    bad = ~(np.isfinite(xv) & np.isfinite(yv))
    if bad.any():
        pos = np.flatnonzero(bad)
        def shown(v) -> str:
            return "空" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else f"“{v}”"

        issues.add(pos, lambda p: f"坐标缺失或不是数字（{names[0]}：{shown(xs.iloc[p])}，{names[1]}：{shown(ys.iloc[p])}）")
        notes.append(f"{len(pos)} 行坐标缺失或不是数字，几何为空：{issues.rows(pos)}")
    geoms = np.full(n, None, dtype=object)
    geoms[~bad] = shapely.points(xv[~bad], yv[~bad])
    if kind != "explicit":
        notes.append(f"坐标取自列 {names[0]} / {names[1]}")
    return gpd.GeoDataFrame(df, geometry=geoms, crs=None), names, kind == "xy"


# --- GDAL formats -----------------------------------------------------------------------------------


def _gdal_path(path: Path, kind: str) -> str:
    return f"/vsizip/{path}" if kind == "zip" else str(path)


def _gdal_errors() -> tuple[type[BaseException], ...]:
    import pyogrio.errors as pe

    return (pe.DataSourceError, pe.DataLayerError, pe.FeatureError, pe.FieldError, pe.GeometryError,
            pe.CRSError, UnicodeDecodeError)


def _choose_layer(path: Path, kind: str, layer) -> list[str | None]:
    """Which layer(s) to read: one named, the only one, or all of a KML's folders."""
    import pyogrio

    try:
        layers = [str(n) for n, _ in pyogrio.list_layers(_gdal_path(path, kind))]
    except _gdal_errors() as exc:
        raise InputError(f"{path}：GDAL 无法打开该文件（{exc}）。文件可能已损坏，或扩展名与内容不符。") from None
    if layer is not None:
        if str(layer) not in layers:
            raise InputError(f"{path}：没有名为 {layer!r} 的图层。现有图层：{'、'.join(layers) or '（无）'}。")
        return [str(layer)]
    if len(layers) <= 1:
        return [layers[0] if layers else None]
    if kind == "kml":
        return layers
    raise InputError(
        f"{path} 含 {len(layers)} 个图层：{'、'.join(layers)}。请用 --layer <图层名>（Python：layer=）指定要读取哪一个。"
    )


def _read_gdal(path: Path, kind: str, layer, encoding, notes) -> "gpd.GeoDataFrame":
    import pandas as pd
    import pyogrio

    enc = _gdal_encoding(path, kind, layer, encoding, notes)
    names = _choose_layer(path, kind, layer)
    frames = []
    for name in names:
        try:
            part = pyogrio.read_dataframe(_gdal_path(path, kind), layer=name, encoding=enc)
        except _gdal_errors() as exc:
            raise InputError(f"{path}：读取图层 {name or ''} 失败（{exc}）。文件可能已损坏，或请指定编码：--encoding gbk（Python：encoding=）。") from None
        if not hasattr(part, "geometry") or "geometry" not in part.columns:
            raise InputError(
                f"{path}：图层 {name or ''} 没有几何（只是属性表）。要读属性请用 read_table；要作图请用 --layer（Python：layer=）选择有几何的图层。"
            )
        if len(names) > 1:
            part.insert(0, "kml_layer", name)
        frames.append(part)
    if len(frames) > 1:
        gdf = pd.concat(frames, ignore_index=True)
        notes.append(f"KML 含 {len(frames)} 个文件夹（图层）：{'、'.join(names)}，已全部读入，来源记在 kml_layer 列")
    else:
        gdf = frames[0]
    if kind == "kml":
        notes.append("KML 坐标按规范为 WGS84；若取自奥维、高德等国内地图，坐标多为 GCJ-02，请指定 --crs gcj02（Python：crs=\"gcj02\"）")
    if kind == "dxf":
        gdf = _close_cad_rings(gdf, notes)
    return gdf


def _close_cad_rings(gdf, notes):
    """CAD draws a site's red line as a closed polyline; GDAL reads it as a line. Make it a polygon."""
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
        notes.append(f"CAD 中 {int(closed.sum())} 条闭合多段线已转为面（红线范围）；未闭合的线保持为线")
    notes.append("DXF 来自 CAD，其图层名在 Layer 列；CAD 文件通常不带坐标系，坐标系按数值判断（见下），必要时请用 --crs 指定")
    return gdf


# --- public API ---------------------------------------------------------------------------------------


def read_vector(path, *, crs=None, layer=None, field_map: dict[str, str] | None = None, encoding=None,
                x=None, y=None, repair: bool = True, swap_xy: bool = False,
                aliases: str | Sequence[str] | None = DEFAULT_VECTOR_ALIASES) -> "gpd.GeoDataFrame":
    """Read any supported user file into a GeoDataFrame in the storage CRS (EPSG:4490).

    Parameters
    ----------
    path
        Shapefile (or .zip of one), GeoPackage, GeoJSON, KML/KMZ, .gdb folder, DXF, CSV/TXT or XLSX.
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

    ``path`` may also be ``"pg:SCHEMA.TABLE"``: a table of the PostGIS store's database (``--store``),
    read with :func:`dcf_spatial.store.backends.postgis.read_pg_table` (``layer``/``encoding``/``swap_xy`` do
    not apply).
    """
    if _is_pg(path):
        return _read_pg(path, crs=crs, field_map=field_map, aliases=aliases)
    path = _check_path(path)
    kind = _format_of(path)
    where = str(path)
    notes: list[str] = []
    if kind in _TABULAR:
        df, lines = _read_tabular(path, kind, layer, encoding, notes)
        if kind == "xlsx" and layer is None and x is None and y is None and not field_map:
            df, lines = _sheet_with_coordinates(path, df, lines, encoding, notes)
        if x is None and y is None and field_map:
            # --field lon=<column> --field lat=<column> names the coordinate columns
            x = next((field_map[k] for k in _FIELD_MAP_X if k in field_map), None)
            y = next((field_map[k] for k in _FIELD_MAP_Y if k in field_map), None)
        issues = RowIssues(len(df), lambda p, _l=lines: f"表格第 {_l[p]} 行")
        gdf, names, survey_ok = _points_from_table(df, lines, x=x, y=y, where=where, notes=notes, issues=issues)
        row_numbers = [int(v) for v in lines]  # the spreadsheet row of each record, as the notes count
    else:
        row_numbers = None
        gdf = _read_gdal(path, kind, layer, encoding, notes)
        if len(gdf) == 0:
            raise InputError(
                f"{path}：文件中没有任何要素（0 条记录）。请确认导出时选中了要素，或用 --layer（Python：layer=）选择了正确的图层。"
            )
        issues = RowIssues(len(gdf), _row_label_features)
        names, survey_ok = ("几何 x", "几何 y"), False
    gdf = gdf.reset_index(drop=True)
    gdf = resolve_crs(gdf, user_crs=crs, swap_xy=swap_xy, survey_ok=survey_ok, where=where, names=names, notes=notes)
    gdf = check_rows(gdf, where=where, notes=notes, repair=repair, issues=issues)
    gdf.attrs["source_file"] = where
    gdf, alias_notes = apply_aliases(gdf, aliases, field_map)
    notes.extend(alias_notes)
    gdf.attrs.update({"read_notes": notes, "source_file": where})
    if row_numbers is not None:
        gdf.attrs["row_numbers"] = row_numbers
    logger.info("Read %d features from %s (%s)", len(gdf), path, "; ".join(notes[:3]) or "no conversions")
    return gdf


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
        from .store.backends.postgis import read_pg_rows

        df = read_pg_rows(path)
        if len(df) == 0:
            raise InputError(f"{path}：表中没有任何记录（0 条）。请检查 --store 指向的数据库与表名（pg:模式.表名）。")
        df, alias_notes = apply_aliases(df, aliases, field_map)
        df.attrs.update({"read_notes": [f"从 PostGIS 表 {path} 读入 {len(df):,} 条记录", *alias_notes],
                         "source_file": path, "row_numbers": list(range(1, len(df) + 1))})
        return df
    path = _check_path(path)
    kind = _format_of(path)
    notes: list[str] = []
    if kind in _TABULAR:
        df, lines = _read_tabular(path, kind, sheet, encoding, notes)
    else:
        import pyogrio

        enc = _gdal_encoding(path, kind, sheet, encoding, notes)
        (name,) = _choose_layer(path, kind, sheet)[:1]
        df = pd.DataFrame(pyogrio.read_dataframe(_gdal_path(path, kind), layer=name, encoding=enc,
                                                 read_geometry=False))
        if len(df) == 0:
            raise InputError(f"{path}：属性表中没有任何记录（0 条）。")
        lines = np.arange(len(df)) + 1
    df = df.reset_index(drop=True)
    df.attrs["source_file"] = str(path)
    df, alias_notes = apply_aliases(df, aliases, field_map)
    notes.extend(alias_notes)
    df.attrs.update({"read_notes": notes, "source_file": str(path), "row_numbers": lines.tolist()})
    logger.info("Read %d rows from %s", len(df), path)
    return df


_LONLAT_RE = re.compile(r"^\s*\(?\s*([+-]?\d+(?:\.\d+)?)\s*[,，\s]\s*([+-]?\d+(?:\.\d+)?)\s*\)?\s*$")
_WKT_RE = re.compile(r"^\s*(SRID=\d+;\s*)?(POINT|MULTIPOINT|LINESTRING|MULTILINESTRING|POLYGON|MULTIPOLYGON|GEOMETRYCOLLECTION)\b",
                     re.IGNORECASE)


#: a --site value made only of numbers (and separators, degree signs): meant as coordinates
_COORDINATE_LIKE_RE = re.compile(r"^[\s(（]*[+-]?\d+(?:\.\d*)?(?:[\s,，;；/、°度]+[+-]?\d+(?:\.\d*)?)*[\s°度)）]*$")


def _not_a_lonlat_message(text: str) -> str:
    """Why a --site value of numbers is not a usable ``经度,纬度`` and how to write it."""
    nums = [float(v) for v in re.findall(r"[+-]?\d+(?:\.\d*)?", text)]
    example = "--site 115.98,36.45"
    if len(nums) == 1:
        v = nums[0]
        if 73 <= v <= 136:  # China's longitudes: the latitude is missing
            what, example = f"只有一个数，{v:g} 像经度，缺少纬度", f"--site {v:g},36.45"
        elif 18 <= v <= 54:  # China's latitudes: the longitude is missing
            what, example = f"只有一个数，{v:g} 像纬度，缺少经度", f"--site 115.98,{v:g}"
        else:
            what = "只有一个数"
    elif len(nums) == 2:
        what = "两个数之间请用逗号分隔"
        example = f"--site {nums[0]:g},{nums[1]:g}"
    else:
        what = f"有 {len(nums)} 个数，点位只要经度、纬度两个"
    return (f"--site {text!r} 看起来是坐标，但不是 “经度,纬度” 形式：{what}。"
            f"请写成 经度,纬度（先经度后纬度，英文或中文逗号分隔），例：{example}；"
            "面状地块请给文件或 WKT，如 --site \"POLYGON((115.9 36.4, 115.91 36.4, 115.91 36.41, 115.9 36.4))\"。")


def points_to_discs(geoms: np.ndarray, area_m2: np.ndarray, *, quad_segs: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Points (metric CRS) with a planned area become circles of exactly that area.

    Rows that are not points, or whose ``area_m2`` is not a positive number, are returned unchanged
    (their radius is NaN). A circle polygon with k vertices has area k/2·r²·sin(2π/k), not πr²: the
    radius is chosen so that the *polygon* has the requested area. Returns (geometries, radii in m).
    """
    import shapely

    geoms = np.asarray(geoms, dtype=object).copy()
    area = np.asarray(area_m2, dtype=float)
    k = 4 * quad_segs
    grow = (shapely.get_type_id(geoms) == 0) & (area > 0)
    radius = np.where(grow, np.sqrt(np.where(grow, area, 0.0) / (k / 2 * np.sin(2 * np.pi / k))), np.nan)
    if grow.any():
        geoms[grow] = shapely.buffer(geoms[grow], radius[grow], quad_segs=quad_segs)
    return geoms, radius


def declared_area_m2(parcels) -> np.ndarray:
    """The declared parcel area in m² per row (NaN where absent, not a number, or not positive).

    Read from ``area_m2`` (what the readers' aliases give for 宗地面积 / 宗地面积(亩) / 宗地面积(公顷)),
    else from ``area_mu``.
    """
    import pandas as pd

    if "area_m2" in parcels.columns:
        area = pd.to_numeric(parcels["area_m2"], errors="coerce").to_numpy(dtype=float)
    elif "area_mu" in parcels.columns:
        area = pd.to_numeric(parcels["area_mu"], errors="coerce").to_numpy(dtype=float) * settings.MU_M2
    else:
        area = np.full(len(parcels), np.nan)
    return np.where(area > 0, area, np.nan)


def read_site(value: str, *, crs=None, area_mu: float | None = None, layer=None, encoding=None,
              swap_xy: bool = False, field_map: dict[str, str] | None = None) -> "gpd.GeoDataFrame":
    """Turn a ``--site`` value into 1+ rows in EPSG:4490.

    Parameters
    ----------
    value
        A file path (any format of :func:`read_vector`), a WKT string (``"POLYGON((…))"``), a
        GeoJSON geometry, or ``"lon,lat"`` (``"115.98,36.45"``; metre pairs such as
        ``"39409000,4035000"`` are recognised as Gauss–Krüger with notes).
    crs
        CRS of the value, as in :func:`read_vector` (``"gcj02"`` for a point picked on Amap).
    area_mu
        Planned land area in 亩: a point becomes a circle of exactly that area (measured in
        EPSG:4548); for a polygon the declared and drawn areas are compared in the notes.
    layer, encoding, swap_xy, field_map
        Passed to :func:`read_vector` when ``value`` is a file (``swap_xy`` also applies to a
        typed ``"lon,lat"``).

    Returns
    -------
    GeoDataFrame
        Columns of the file (with the ``sites`` aliases, e.g. ``用地面积(亩)`` → ``area_mu``) or
        ``site_input`` holding the value; ``area_mu_measured`` (亩, EPSG:4548); a ``read_issue``
        column when something was wrong; ``attrs["read_notes"]``.
    """
    import geopandas as gpd
    import shapely

    from .crs import to_working

    text = str(value).strip()
    notes: list[str] = []
    if not text:
        raise InputError("--site 为空。请给出 “经度,纬度”（如 115.98,36.45）、WKT 或一个文件路径。")
    m = _LONLAT_RE.match(text)
    if m:
        gx, gy = float(m.group(1)), float(m.group(2))
        from ._validate import swapped_degrees

        if swap_xy:
            gx, gy = gy, gx
            notes.append(f"按 --swap-xy 对调：经度 {gx:g}，纬度 {gy:g}")
        if swapped_degrees(gx, gy):
            raise InputError(
                f"--site {text!r}：经纬度顺序颠倒——{gx} 只能是纬度、{gy} 只能是经度。"
                f"请写成 经度,纬度：--site {m.group(2)},{m.group(1)}"
            )
        gdf = gpd.GeoDataFrame({"site_input": [text]}, geometry=[shapely.Point(gx, gy)], crs=None)
        where = f"--site {text!r}"
    elif _WKT_RE.match(text) or text.startswith("{"):
        try:
            body = re.sub(r"^\s*SRID=\d+;\s*", "", text)
            geom = shapely.from_geojson(text) if text.startswith("{") else shapely.from_wkt(body)
        except Exception as exc:  # shapely.errors.GEOSException / ValueError
            raise InputError(f"--site：WKT/GeoJSON 无法解析（{exc}）。例：--site \"POLYGON((115.9 36.4, 115.91 36.4, 115.91 36.41, 115.9 36.4))\"") from None
        srid = re.match(r"^\s*SRID=(\d+);", text)
        if srid and crs is None:
            crs = srid.group(1)
        gdf = gpd.GeoDataFrame({"site_input": [text[:200]]}, geometry=[geom], crs=None)
        where = "--site WKT"
    else:
        p = Path(text).expanduser()
        if not p.exists() and _COORDINATE_LIKE_RE.match(text):
            raise InputError(_not_a_lonlat_message(text))
        if not p.exists() and (not p.suffix or re.search(r"[,，]", text)):
            raise InputError(
                f"--site {text!r}：既不是存在的文件，也不是 “经度,纬度” 或 WKT。"
                "例：--site 115.98,36.45 或 --site 地块.shp 或 --site \"POINT(115.98 36.45)\""
            )
        gdf = read_vector(p, crs=crs, layer=layer, encoding=encoding, swap_xy=swap_xy, field_map=field_map,
                          aliases=DEFAULT_VECTOR_ALIASES + ("sites",))
        notes.extend(gdf.attrs.get("read_notes", []))
        where = None
    if where is not None:
        gdf = resolve_crs(gdf, user_crs=crs, where=where, names=("经度", "纬度"), notes=notes)
        gdf = check_rows(gdf, where=where, notes=notes, row_label=lambda p: "--site")
    gdf = gdf.reset_index(drop=True)
    work = to_working(gdf)
    if area_mu is not None:
        if not area_mu > 0:
            raise InputError(f"--area-mu {area_mu}：用地面积必须大于 0（单位：亩）。")
        target_m2 = float(area_mu) * settings.MU_M2
        pts = np.isin(shapely.get_type_id(work.geometry.values), (0,))
        if pts.any():
            geoms, radius = points_to_discs(work.geometry.values, np.where(pts, target_m2, np.nan))
            work = work.set_geometry(geoms, crs=work.crs)
            notes.append(f"点位按用地面积 {area_mu:g} 亩扩为圆形地块（半径 {radius[pts][0]:,.1f} 米，于 EPSG:4548 量算），位置为示意")
        other = ~pts & ~shapely.is_empty(work.geometry.values)
        if other.any():
            drawn = float(shapely.area(work.geometry.values[other]).sum()) / settings.MU_M2
            if abs(drawn - area_mu) > 0.05 * area_mu:
                notes.append(f"申报用地面积 {area_mu:g} 亩，图形面积 {drawn:,.1f} 亩，相差超过 5%，以图形为准")
    gdf = work.to_crs(settings.storage_crs) if area_mu is not None else gdf
    gdf["area_mu_measured"] = shapely.area(to_working(gdf).geometry.values) / settings.MU_M2
    gdf.attrs.update({"read_notes": notes, "source_file": text if where is None else where})
    return gdf


def _streamable(path, layer, encoding, caller: str):
    """Check that ``path`` is a GIS file fiona can stream; return it with its format, the text encoding
    to pass to GDAL, and the notes that choice produced."""
    path = _check_path(path)
    kind = _format_of(path)
    if kind in _TABULAR:
        raise InputError(f"{path}：{caller} 只用于 GIS 文件（Shapefile、GeoPackage 等）；表格请用 read_table/read_vector。")
    notes: list[str] = []
    return path, kind, _gdal_encoding(path, kind, layer, encoding, notes), notes


def iter_records(path, *, layer=None, encoding=None, geometry: bool = True,
                 fields: Sequence[str] | None = None) -> Iterator[dict]:
    """Stream a GIS file one record at a time with fiona (constant memory).

    For files too large to load whole (millions of parcels): count, validate or filter records
    before a full :func:`read_vector`. Coordinates are **as stored** (no CRS conversion, no
    repair); DBF encoding is detected as in :func:`read_vector`.

    Parameters
    ----------
    geometry
        ``False`` skips the geometries (GDAL does not even decode them): fastest for counting
        or checking attributes.
    fields
        Only these attribute fields (default: all).

    Yields
    ------
    dict
        ``{"row": i (0-based, file order; a KML's folders are numbered on), "layer": name,
        "properties": {field: value}, "geometry": shapely geometry or None}``.

    Examples
    --------
    >>> sum(1 for _ in iter_records("宗地.shp", geometry=False))  # doctest: +SKIP
    1000000
    """
    import fiona
    import shapely.geometry

    path, kind, enc, notes = _streamable(path, layer, encoding, "iter_records")
    row = 0
    for name in _choose_layer(path, kind, layer):
        with fiona.open(_gdal_path(path, kind), layer=name, encoding=enc, allow_unsupported_drivers=True,
                        ignore_geometry=not geometry, include_fields=fields) as src:
            for feat in src:
                geom = feat.geometry if geometry else None
                yield {"row": row, "layer": name, "properties": dict(feat.properties),
                       "geometry": shapely.geometry.shape(geom) if geom is not None else None}
                row += 1


def scan_vector(path, *, layer=None, encoding=None, limit_rows: int = 20, chunk: int = 10_000) -> dict:
    """Summarise a (possibly huge) GIS file without loading it: streams :func:`iter_records`.

    Returns
    -------
    dict
        ``count``, ``fields``, ``geometry_types`` (type → count), ``bounds`` (as stored),
        ``crs``, ``empty_rows`` / ``invalid_rows`` (first ``limit_rows`` row numbers, 0-based)
        with ``n_empty`` / ``n_invalid``, and ``encoding_notes``. Validity, types and bounds are
        computed on chunks of ``chunk`` records, so memory stays bounded.
    """
    import fiona
    import shapely

    path, kind, enc, notes = _streamable(path, layer, encoding, "scan_vector")
    name = _choose_layer(path, kind, layer)[0]
    with fiona.open(_gdal_path(path, kind), layer=name, encoding=enc, allow_unsupported_drivers=True) as src:
        crs = src.crs.to_string() if src.crs else None
        fields = list(src.schema["properties"])
    count, n_empty, n_invalid = 0, 0, 0
    empty_rows, invalid_rows, types = [], [], {}
    bounds = np.array([np.inf, np.inf, -np.inf, -np.inf])

    def flush(rows: list[int], geoms: list) -> None:
        # checks run vectorised on chunks of `chunk` records: memory stays bounded by the chunk
        nonlocal n_empty, n_invalid, bounds
        arr = np.array(geoms, dtype=object)
        rows_arr = np.asarray(rows)
        empty = shapely.is_missing(arr) | shapely.is_empty(arr)
        n_empty += int(empty.sum())
        empty_rows.extend(rows_arr[empty][: max(limit_rows - len(empty_rows), 0)].tolist())
        arr, rows_arr = arr[~empty], rows_arr[~empty]
        if not len(arr):
            return
        invalid = ~shapely.is_valid(arr)
        n_invalid += int(invalid.sum())
        invalid_rows.extend(rows_arr[invalid][: max(limit_rows - len(invalid_rows), 0)].tolist())
        for t, k in zip(*np.unique(shapely.get_type_id(arr), return_counts=True)):
            label = _GEOM_TYPE_NAMES.get(int(t), str(t))
            types[label] = types.get(label, 0) + int(k)
        b = shapely.bounds(arr)
        bounds = np.array([min(bounds[0], np.nanmin(b[:, 0])), min(bounds[1], np.nanmin(b[:, 1])),
                           max(bounds[2], np.nanmax(b[:, 2])), max(bounds[3], np.nanmax(b[:, 3]))])

    rows, geoms = [], []
    for rec in iter_records(path, layer=layer, encoding=encoding):
        count += 1
        rows.append(rec["row"])
        geoms.append(rec["geometry"])
        if len(geoms) >= chunk:
            flush(rows, geoms)
            rows, geoms = [], []
    if geoms:
        flush(rows, geoms)
    bounds = bounds.tolist()
    logger.info("Scanned %d records of %s", count, path)
    return {"file": str(path), "layer": name, "crs": crs, "fields": fields, "count": count,
            "geometry_types": types, "bounds": bounds if count > n_empty else None,
            "n_empty": n_empty, "empty_rows": empty_rows, "n_invalid": n_invalid, "invalid_rows": invalid_rows,
            "encoding_notes": notes}
