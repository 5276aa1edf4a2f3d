"""Where do the audit results go? Excel (Chinese headers), GeoPackage and the HTML map.

Excel: ``rustpy_xlsxwriter`` (the Rust rust_xlsxwriter; ~20× faster than the pure-Python writers
at 10⁵–10⁶ rows, see :class:`_Workbook`; tests read the workbook back with openpyxl). One sheet holds at most 1,048,576 rows including
its header; the parcel list is capped at ``excel.max_list_rows`` (``idle_land_rules.json``). Above
the cap the list carries only the parcels that need action or checking (and every row with a
problem); the complete list is always in ``idle_audit.parquet`` (GeoParquet; the GeoPackage too
on request or for small audits), and the workbook says so on the sheet and in 说明. Summaries are
computed from *all* parcels, so their totals equal the complete list's.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import _fixes
from ..errors import InputError
from .month_dates import MONTH_ONLY_ZH, month_only_shown as _month_only
from .idle_audit import ACTION_STATUSES, STATUS_ORDER, STATUS_ZH, footer_count, rows_zh, status_codes, summarize
from ..io.write import EXCEL_CELL_MAX_CHARS, long_texts_cut

logger = logging.getLogger(__name__)

EXCEL_MAX_ROWS = 1_048_576  # rows per sheet in the xlsx format, header included

#: the files an audit writes into its output folder (both engines; the dask engine writes GeoParquet
#: folders instead of the GeoPackage, named in :mod:`dcf_spatial.land.dask`)
IDLE_FILES = {"excel": "idle_audit.xlsx", "parquet": "idle_audit.parquet", "gpkg": "idle_audit.gpkg",
              "map": "idle_audit_map.html"}
#: the single engine's idle audit writes its complete list as GeoParquet (fast, compact); the
#: GeoPackage too when asked (``gpkg=True``) or when there are at most this many parcels (where it is cheap)
GPKG_AUTO_MAX_ROWS = 100_000
EFFICIENCY_FILES = {"excel": "efficiency.xlsx", "gpkg": "efficiency.gpkg", "map": "efficiency_map.html"}
#: order in which statuses meet the map palette (red, blue, green, purple, orange, brown, pink);
#: "正常" has its own fixed green in the style file
MAP_STATUS_ORDER = ("idle_reclaim", "insufficient_data", "extended", "idle_underdeveloped", "idle", "not_applicable",
                    "excused", "normal")

#: list columns of the idle audit -> Chinese header, in sheet order
IDLE_COLUMNS_ZH = {
    "row": "原表行号", "parcel_id": "宗地代码", "project_name": "项目名称", "holder": "土地使用权人",
    "credit_code": "统一社会信用代码",
    "township_zh": "所在镇（街道）", "cluster_zh": "所在工业集聚区", "park_zh": "所在功能园区",
    "land_use_code": "地类编码", "land_use_name": "地类名称", "supply_type": "供地方式",
    "supply_type_original": "供地方式（原表）", "contract_date": "合同签订日期",
    "area_m2": "宗地面积（m²）", "area_mu": "宗地面积（亩）", "status_zh": "审计结论", "status": "状态代码",
    "reason_zh": "理由（条款与日期）", "next_step_zh": "下一步", "determined": "已下达闲置土地认定书",
    "extension_flag": "延期核查提示", "late_start_flag": "逾期动工提示", "fee_wan": "土地闲置费（万元；未认定的为潜在金额）", "count_from": "起算日",
    "deadline_1y": "满一年之日", "deadline_2y": "满两年之日",
    "agreed_start": "约定动工日期", "extension_until": "延期至", "actual_start": "实际动工日期",
    "stopped_since": "停工日期", "developed_area_m2": "已开发面积（m²）",
    "required_dev_area_m2": "应动工开发建设用地总面积（m²）", "developed_share": "已开发面积占比",
    "total_investment_wan": "总投资（万元，不含地价税费）", "invested_wan": "已投资（万元，不含地价税费）", "invested_share": "已投资占比",
    "land_price_wan": "土地价款（万元）", "gov_cause": "政府原因/不可抗力", "determination_date": "闲置土地认定书日期",
    "missing_fields": "缺少或无法识别的字段",
    "built_fraction": "影像建成比例", "imagery_flag": "影像核查提示",
    "township_method": "镇街归属方式", "cluster_method": "集聚区归属方式",
    "duplicate_id": "宗地代码重复", "in_totals": "计入汇总（重复宗地只计一次）", "problems": "数据问题", "synthetic": "合成数据",
    "location_method": "定位方式", "place_name": "按地名定位到", "place_reason": "定位说明", "address": "项目位置",
}
#: the columns the workbook's lists carry (the GeoPackage carries every column of IDLE_COLUMNS_ZH); a
#: clerk finds a 供地 record by its 项目名称, 供地方式 and 合同签订日期: beside the parcel id when the ledger has them
EXCEL_LIST_COLUMNS = ("row", "parcel_id", "project_name", "supply_type", "supply_type_original", "contract_date",
                      "holder", "credit_code", "address", "location_method", "place_name",
                      "place_reason", "township_zh", "township_method", "cluster_zh", "cluster_method", "park_zh",
                      "land_use_code", "land_use_name", "area_mu", "status_zh", "status", "reason_zh", "next_step_zh",
                      "determined", "fee_wan", "count_from", "deadline_1y", "deadline_2y", "agreed_start",
                      "extension_until", "extension_flag", "late_start_flag", "actual_start", "stopped_since", "determination_date",
                      "developed_share", "invested_share", "land_price_wan", "gov_cause",
                      "missing_fields", "built_fraction", "imagery_flag", "problems", "in_totals", "synthetic")
#: the columns of the workbook's 问题记录 sheet (both engines): what a clerk needs to find the record in the
#: ledger and correct it; the row's other columns are in 宗地清单 (when listed there) and in the complete list
REJECTED_COLUMNS = ("row", "parcel_id", "holder", "credit_code", "township_zh", "area_mu", "status_zh", "status",
                    "missing_fields", "problems", "extension_flag", "late_start_flag", "next_step_zh", "in_totals",
                    "synthetic")
#: the zone columns the workbook summarises by (both engines)
ZONE_KEYS = ("township_zh", "cluster_zh", "park_zh")
SUMMARY_KEYS_ZH = {"township_zh": "镇（街道）", "cluster_zh": "工业集聚区", "park_zh": "功能园区", "_all": "范围"}
#: a status column's header in the zone summaries, where one column counts every label of its status
#: (认定 and 疑似; 第八条第一款 and 第二款): never one label's wording for all of them
STATUS_GROUP_ZH = {
    **STATUS_ZH,
    "idle": "闲置·满一年未动工开发（疑似及认定）",
    "idle_reclaim": "闲置满两年未动工开发（疑似及认定）",
    "idle_underdeveloped": "闲置·开发不足且中止满一年（疑似及认定）",
    "excused": "记录有第八条原因（第一款政府原因及第二款不可抗力，待审核）",
}
SUMMARY_COLUMNS_ZH = {
    **{s: STATUS_GROUP_ZH[s] for s in STATUS_ORDER},
    "total": "宗地数合计", "area_mu": "宗地面积合计（亩）", "idle_count": "疑似及认定闲置宗地数（不含第八条原因）",
    "idle_area_mu": "疑似及认定闲置面积（亩）", "determined_count": "其中已下达认定书宗数",
    "fee_wan": "土地闲置费合计（万元；含潜在金额）",
    "area_unknown": "面积不明宗数（未计入面积合计）",
}


def check_outputs(paths, overwrite: bool, *, inputs=()) -> None:
    """Refuse before any work is done if an output exists and ``overwrite`` is False, and always
    an output that is the layer store, an input or another output
    (:func:`dcf_spatial.outputs_guard.guard_outputs`)."""
    from ..outputs_guard import guard_outputs

    paths = [Path(p) for p in paths]
    existing = [str(p) for p in paths if p.exists()]
    if existing and not overwrite:
        raise InputError(f"输出文件已存在：{', '.join(existing)}。要替换请{_fixes.OVERWRITE}，或换一个输出文件夹。")
    guard_outputs(paths, overwrite=True, inputs=inputs, own_set=True)  # the audit's own folder


def _excel_frame(df: pd.DataFrame, columns_zh: dict) -> pd.DataFrame:
    cols = [c for c in columns_zh if c in df.columns]
    out = pd.DataFrame({columns_zh[c]: df[c] for c in cols})
    for src, c in zip(cols, out.columns):
        s = out[c]
        if pd.api.types.is_float_dtype(s):
            out[c] = s.round(4 if ("share" in src or "fraction" in src) else 2)
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[c] = _month_only_marked(_date_text(s), _month_only(df, src)) if len(s) else s
        elif pd.api.types.is_bool_dtype(s) or isinstance(s.dtype, pd.BooleanDtype):
            out[c] = s.map({True: "是", False: "否"}).astype(object).where(s.notna(), None)  # people read 是/否
        elif _plain_text(s):
            # text stays with arrow (the writer takes the frame through arrow): no Python string per
            # cell and back (at 10⁵ listed rows ~0.4 s and ~150 MB less); missing stays missing
            out[c] = _category_text(s) if isinstance(s.dtype, pd.CategoricalDtype) else \
                pd.array(s, dtype=pd.StringDtype("pyarrow"))
        elif isinstance(s.dtype, (pd.StringDtype, pd.CategoricalDtype)) or s.dtype == object:
            out[c] = s.astype(object).where(s.notna(), None)
    return out


def _month_only_marked(text: pd.Series, month: np.ndarray | None) -> pd.Series:
    """``text`` (ISO dates) with the rows of ``month`` as 「2022-03（仅到月）」.

    Examples
    --------
    >>> _month_only_marked(pd.Series(["2022-03-01", "2021-05-06"]), np.array([True, False])).tolist()
    ['2022-03（仅到月）', '2021-05-06']
    """
    if month is None or not month.any():
        return text
    out = text.astype(object)
    out[month] = text[month].str.slice(0, 7) + MONTH_ONLY_ZH
    return out.astype(text.dtype)


def _date_text(s: pd.Series) -> pd.Series:
    """``s.dt.strftime("%Y-%m-%d").fillna("")`` by arrow's date-to-text cast (no Python string per cell:
    at 10⁵ listed rows × 6 date columns ~0.3 s less); a date that has a time of day keeps only the day,
    as ``strftime`` gives it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
    # to whole days first (numpy floors, as strftime's day is), then arrow's date32 → string cast, which
    # writes ISO dates: ~14× faster than arrow's strftime on timestamps (0.03 s vs 0.47 s at 10⁶)
    days = values.to_numpy().astype("datetime64[D]")
    arr = pa.array(days, type=pa.date32(), from_pandas=True)  # NaT: missing
    text = pc.fill_null(pc.cast(arr, pa.string()), "")
    return pd.Series(pd.arrays.ArrowStringArray(text, dtype=pd.StringDtype("pyarrow")), index=s.index)


def _category_text(s: pd.Series):
    """A category column of text as arrow text, each category converted once and taken by the rows'
    codes (missing stays missing): ``s.astype(object)`` made a Python string per row first (at 10⁵
    listed rows × the reasons, labels and next steps ~0.3 s)."""
    import pyarrow as pa

    cats = _arrow_categories(s.cat.categories)
    codes = s.cat.codes.to_numpy()
    idx = pa.array(codes, mask=codes < 0, type=pa.int64())
    return pd.arrays.ArrowStringArray(cats.take(idx), dtype=pd.StringDtype("pyarrow"))


def _arrow_categories(categories: pd.Index):
    """The categories of a text ``category`` as arrow ``large_string``: the arrow array
    behind them when pandas holds them so (no copy), else from their Python strings. A reason
    column's categories are one per distinct reason, ~10⁶ at 10⁶ parcels (each carries its own
    dates): as Python objects first they cost ~1.2 s per list sheet, though only the listed rows
    are taken from them."""
    import pyarrow as pa

    held = getattr(categories.array, "_pa_array", None)
    if held is not None:
        # one chunk (as arrow's dictionary gives it) taken as the array it is: a take on the chunked
        # array concatenated its chunks first (~0.1 s for the reasons at 10⁶ parcels)
        held = held.chunk(0) if held.num_chunks == 1 else held.combine_chunks()
        return held.cast(pa.large_string())
    return pa.array(np.asarray(categories, dtype=object), type=pa.large_string(), from_pandas=True)


def _plain_text(s: pd.Series) -> bool:
    """True for a column of text only (arrow or Python strings, a category of strings), missing allowed."""
    if isinstance(s.dtype, pd.StringDtype):
        return True
    if isinstance(s.dtype, pd.CategoricalDtype):
        return pd.api.types.infer_dtype(s.cat.categories, skipna=True) in ("string", "empty")
    return s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")


def fee_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A summary's ``fee_wan`` as the bureau must read it where some idle parcels have no land price
    (``fee_pending`` of them): ``待核定（N 宗缺少土地价款）`` or ``12.50（另 N 宗待核定）`` instead of a bare
    0.00 (QA7 #3); the other cells stay numbers. ``fee_pending`` is dropped.

    Examples
    --------
    >>> fee_cells(pd.DataFrame({"fee_wan": [0.0, 2.5, 1.0], "fee_pending": [3, 1, 0]}))["fee_wan"].tolist()
    ['待核定（3 宗缺少土地价款）', '2.50（另 1 宗缺少土地价款，待核定）', 1.0]
    """
    if "fee_pending" not in frame.columns:
        return frame
    pend = frame["fee_pending"].fillna(0).to_numpy(dtype=np.int64)
    out = frame.drop(columns=["fee_pending"])
    if not pend.any():
        return out
    fee = out["fee_wan"].to_numpy(dtype=float)
    cells = np.asarray(np.round(fee, 2), dtype=object)
    for i in np.flatnonzero(pend > 0):
        f = 0.0 if fee[i] != fee[i] else fee[i]
        cells[i] = (f"待核定（{pend[i]:,} 宗缺少土地价款）" if f == 0
                    else f"{f:,.2f}（另 {pend[i]:,} 宗缺少土地价款，待核定）")
    out["fee_wan"] = pd.Series(cells, index=out.index, dtype=object)
    return out


def _with_total(frame: pd.DataFrame, label_col: str | None = None, label: str = "合计") -> pd.DataFrame:
    """``frame`` (a summary: a name column, then counts and sums) with a 合计 row at the bottom.

    Call it before rounding (``_excel_frame`` rounds): the total is the sum of the exact values, so
    that every sheet's 合计 agrees with the others to the cent."""
    label_col = label_col or frame.columns[0]
    total = {c: (frame[c].sum() if pd.api.types.is_numeric_dtype(frame[c]) and c != label_col else None)
             for c in frame.columns}
    total[label_col] = label
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


class _Workbook:
    """Sheets collected in order and written in one call by ``rustpy_xlsxwriter`` on leaving ``with``.

    Why this writer: it wraps the Rust ``rust_xlsxwriter`` and writes a 100,000-row × 30-column
    sheet in about 1 s of CPU here, against 8–25 s for xlsxwriter or pyexcelerate (pure Python);
    at 10⁵–10⁶ parcels the workbook would otherwise dominate the audit's run time.
    """

    def __init__(self, path: Path):
        self.path = path
        self.sheets: list[tuple[str, pd.DataFrame]] = []
        self.header_row: dict[str, int] = {}
        self.merge: dict[str, list] = {}
        self.freeze: dict[str, dict] = {}
        self.autofilter: dict[str, bool] = {}  # list sheets: a filter on the header row (as the batch's sheet)
        self.replaced = 0  # text cells whose control characters were replaced
        self.cut = 0  # text cells cut to Excel's limit
        self.integer_columns: dict[str, list[int]] = {}  # per sheet: positions of its integer columns

    def __enter__(self):
        return self

    def add(self, name: str, frame: pd.DataFrame, *, header_note: str | None = None, autofilter: bool = False) -> None:
        """Add ``frame`` as one or more sheets (``name``, ``name_2`` …) within the xlsx row limit;
        ``autofilter``: a filter on the header row of each."""
        start = 1 if header_note else 0
        per_sheet = EXCEL_MAX_ROWS - 1 - start
        chunks = max(1, int(np.ceil(len(frame) / per_sheet)))
        for i in range(chunks):
            sheet = name if i == 0 else f"{name}_{i + 1}"
            # a plain 0..n index: the writer goes through Arrow, which would add any other index as
            # a column "__index_level_0__" (as it did on the 问题记录 sheet, a filtered frame)
            part = frame.iloc[i * per_sheet:(i + 1) * per_sheet].reset_index(drop=True)
            part, n_bad = _control_characters_replaced(part)
            self.replaced += n_bad
            part, n_long = long_texts_cut(part)
            self.cut += n_long
            if part.empty:  # keep the header row of an empty table
                part = pd.DataFrame({c: pd.Series([], dtype=object) for c in frame.columns})
            self.sheets.append((sheet, part))
            if len(part) <= INTEGER_REWRITE_MAX_ROWS:
                self.integer_columns[sheet] = [j for j, c in enumerate(part.columns) if _integer_column(part[c])]
            if header_note:
                self.header_row[sheet] = 1
                self.merge[sheet] = [(0, 0, 0, max(len(frame.columns) - 1, 1), header_note)]
            self.freeze[sheet] = {"row": start + 1, "col": 0}
            if autofilter:
                self.autofilter[sheet] = True

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            import rustpy_xlsxwriter

            said = []   # say so where the reader looks for how the workbook was made
            if self.replaced:
                said.append(f"{self.replaced} 个文本单元格含 Excel 单元格不能保存的控制字符（如 NUL），"
                            "已替换为 �（U+FFFD）（仅本工作簿如此）。")
            if self.cut:
                said.append(f"{self.cut} 个文本单元格超过 Excel 单元格上限（{EXCEL_CELL_MAX_CHARS:,} 个字符），"
                            "已截断并注明（仅本工作簿如此；同目录的 GeoParquet 等文件保留完整内容）。")
            if said:
                self.sheets = [(name, pd.concat([f, pd.DataFrame({"说明": said})], ignore_index=True))
                               if name == "说明" and list(f.columns) == ["说明"] else (name, f)
                               for name, f in self.sheets]

            # under a temporary name, renamed once complete: a writer that fails or is killed part-way
            # leaves no half-written workbook under its name
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            try:
                rustpy_xlsxwriter.write_worksheets(self.sheets, str(tmp), header_row=self.header_row or None,
                                                   merge_ranges=self.merge or None, freeze_panes=self.freeze or None,
                                                   autofilter=self.autofilter or None, bold_headers=True)
                _integers_written_as_integers(tmp, [self.integer_columns.get(name, []) for name, _ in self.sheets])
                os.replace(tmp, self.path)
            finally:
                tmp.unlink(missing_ok=True)
        return False


#: sheets up to this many rows get their integer cells rewritten (:func:`_integers_written_as_integers`);
#: the summaries always qualify (a row per zone, status or class), a longer list keeps the writer's ``3.0``
#: (the same number to Excel and pandas): rewriting 10⁵ rows × 30 columns would cost ~1.8 s of CPU
INTEGER_REWRITE_MAX_ROWS = 20_000


def _integer_column(s: pd.Series) -> bool:
    """Whether ``s`` holds counts: an integer column, or a text column whose numbers are all integers (the
    按状态 宗地数 beside its 「2 行（不计入宗地数）」 cell, QA31 F10: written as ``4.0`` otherwise).

    Examples
    --------
    >>> _integer_column(pd.Series([4, "2 行（不计入宗地数）"], dtype=object)), _integer_column(pd.Series([1.5, "x"]))
    (True, False)
    """
    if pd.api.types.is_integer_dtype(s.dtype):
        return True
    if s.dtype != object:
        return False
    numbers = [v for v in s if not isinstance(v, str) and v is not None]
    return bool(numbers) and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                                 for v in numbers)


def _column_letters(j: int) -> str:
    """The spreadsheet column name of position ``j`` (0 → A, 26 → AA)."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _integers_written_as_integers(path: Path, integer_columns: list[list[int]]) -> None:
    """Rewrite the whole numbers of integer columns from ``3.0`` to ``3`` in the sheets' XML.

    ``rustpy_xlsxwriter`` 0.8 writes every number as a float literal (``<v>3.0</v>``), which
    openpyxl reads back as ``3.0``; a count (宗地数, 家数, 行号) should read back as ``3``. Both are the
    same double to Excel. The writer has no option for it, so the sheets with integer columns
    (``integer_columns[i]``: positions in the i-th sheet, ``sheet{i+1}.xml``) are rewritten: only
    the number cells of those columns change, and every other entry of the package is copied as it
    is compressed (:func:`_copy_entry`), so a long list sheet costs nothing here."""
    import zipfile

    targets = {f"xl/worksheets/sheet{i + 1}.xml": cols for i, cols in enumerate(integer_columns) if cols}
    if not targets:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.int.tmp")
    try:
        with open(path, "rb") as raw, zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w") as out:
            for info in src.infolist():
                cols = targets.get(info.filename)
                if not cols:
                    _copy_entry(raw, info, out)
                    continue
                letters = "|".join(_column_letters(j) for j in cols).encode()
                data = re.sub(rb'(<c r="(?:' + letters + rb')\d+"(?: s="\d+")?><v>-?\d+)\.0</v>', rb"\1</v>",
                              src.read(info))
                out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _copy_entry(raw, info, out) -> None:
    """Copy one entry of an open zip (``raw``: its file; ``info``: the entry) into the zip ``out``
    still compressed. By hand because :mod:`zipfile` has no raw copy and decompressing and
    recompressing a 10⁵-row sheet costs ~1.2 s of CPU: the local header is rewritten from ``info``
    (sizes and CRC in it, no data descriptor) and the compressed bytes follow unchanged."""
    import copy
    import struct

    raw.seek(info.header_offset + 26)
    name_len, extra_len = struct.unpack("<HH", raw.read(4))
    raw.seek(info.header_offset + 30 + name_len + extra_len)
    data = raw.read(info.compress_size)
    entry = copy.copy(info)
    entry.flag_bits &= ~0x08  # the sizes go in the local header: no data descriptor after the data
    entry.extra = b""  # the writer's extra fields (none but zip64, which FileHeader adds when needed)
    entry.header_offset = out.fp.tell()
    out.fp.write(entry.FileHeader())
    out.fp.write(data)
    out.filelist.append(entry)
    out.NameToInfo[entry.filename] = entry
    out.start_dir = out.fp.tell()
    out._didModify = True


#: the characters an XLSX cell cannot hold (as openpyxl's ILLEGAL_CHARACTERS_RE): rust_xlsxwriter
#: would write them escaped (``企业_x0000_名``), openpyxl refuses them
_CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def _utf8_free_of_controls(values) -> bool:
    """True when the text column ``values`` certainly holds none of :data:`_CONTROL_CHARACTERS`,
    found from the bytes of its arrow buffers; False when it may (then the cells are checked).

    By hand because no library answers "does any cell hold one of these characters" without
    matching a regular expression cell by cell (at 10⁵ listed rows × ~30 columns ~2 s of CPU):
    in UTF-8 the bytes 0x00–0x1F stand only for the characters U+0000–U+001F (every byte of a
    multi-byte character is ≥ 0x80), so a buffer with no byte below 0x20 other than tab, line feed
    and carriage return holds no control character. A buffer may hold bytes outside the column (a
    slice, a null slot): they can only make the answer False, never a wrong True."""
    chunked = getattr(values.array, "_pa_array", None)  # arrow-backed text
    if chunked is None:
        return False  # Python strings: the cells are checked
    import pyarrow as pa

    for chunk in chunked.chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return False
        data = chunk.buffers()[2]
        if data is None:
            continue
        raw = np.frombuffer(data, dtype=np.uint8)
        if not raw.size or raw.min() >= 0x20:  # no byte below 0x20 at all (the usual case): one pass, no copy
            continue
        low = raw[raw < 0x20]
        if low.size and np.isin(low, _CONTROL_BYTES).any():
            return False
    return True


_CONTROL_RE = re.compile(_CONTROL_CHARACTERS)
#: the bytes of :data:`_CONTROL_CHARACTERS` in UTF-8
_CONTROL_BYTES = np.array([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)], dtype=np.uint8)


def _objects_may_hold_controls(values: pd.Series) -> bool:
    """False when no distinct text of the object column ``values`` holds one of
    :data:`_CONTROL_CHARACTERS`: the distinct values are checked (a yes/no column of 是/否 has two),
    not every cell (at 10⁵ listed rows × the yes/no columns ~0.1 s each)."""
    try:
        uniq = pd.unique(values.to_numpy(dtype=object))
    except TypeError:  # unhashable cells (lists …): every cell is checked
        return True
    return any(_CONTROL_RE.search(v if isinstance(v, str) else str(v)) for v in uniq if not pd.api.types.is_scalar(v)
               or not pd.isna(v))


def _control_characters_replaced(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """``frame`` with control characters in its text cells replaced by U+FFFD (as
    :func:`dcf_spatial.io.write.write_xlsx` does), and how many cells changed."""
    out, n = frame, 0
    for col in frame.columns:
        values = frame[col]
        if values.dtype != object and str(values.dtype) not in ("string", "str"):
            continue
        if _utf8_free_of_controls(values):  # every text column is checked, the tool's own texts too
            continue
        if values.dtype == object and not _objects_may_hold_controls(values):
            continue
        bad = values.astype("string").str.contains(_CONTROL_CHARACTERS, regex=True, na=False)
        if bad.any():
            out = frame.copy() if out is frame else out
            out[col] = values.where(~bad, values[bad].astype(str).str.replace(_CONTROL_CHARACTERS, "\ufffd", regex=True))
            n += int(bad.sum())
    return out, n


def _workbook(path: Path) -> _Workbook:
    return _Workbook(path)


def _write_sheet(book: _Workbook, frame: pd.DataFrame, name: str, *, header_note: str | None = None,
                 autofilter: bool = False) -> None:
    book.add(name, frame, header_note=header_note, autofilter=autofilter)


def _notes_sheet(book: _Workbook, notes: list[str]) -> None:
    book.add("说明", pd.DataFrame({"说明": [str(x) for x in notes]}))


#: where the complete list is, as the single engine's workbook says it
GPKG_WHERE = f"同目录 {IDLE_FILES['parquet']}（GeoParquet；不超过 100,000 宗时另有同样内容的 {IDLE_FILES['gpkg']}）"


def complete_list_note(n: int, *, max_rows: int) -> str:
    """The 说明 sentence saying where the complete list is, naming the files as written into the output
    folder (the desk renames them in the text as it names its downloads: :func:`shown_file_names`); no
    code terms (QA F6: ``gpkg=True`` is Python, not for a clerk).

    Examples
    --------
    >>> complete_list_note(12, max_rows=100_000).split("。", 1)[1]
    '完整清单（每宗一行，含图形）在 idle_audit.parquet（GeoParquet，QGIS 3.32 以上可直接打开）；另有同样内容的 idle_audit.gpkg（GeoPackage）。'
    """
    gpkg = (f"；另有同样内容的 {IDLE_FILES['gpkg']}（GeoPackage）" if n <= GPKG_AUTO_MAX_ROWS else
            f"；本次 {n:,} 宗，超过 {GPKG_AUTO_MAX_ROWS:,} 宗，同样内容的 GeoPackage 仅在要求时写出（命令行：--gpkg）")
    return (f"工作簿清单上限 {max_rows:,} 行（Excel 单表上限 1,048,576 行）：超出时清单只列需处置或需核实的宗地。"
            f"完整清单（每宗一行，含图形）在 {IDLE_FILES['parquet']}（GeoParquet，QGIS 3.32 以上可直接打开）{gpkg}。")


def shown_file_names(text: str, names: dict | None) -> str:
    """``text`` with each output file's name in the folder (``idle_audit.parquet``) replaced by the name the
    user receives it under (``names``: writer's file name → shown name; the desk's downloads), longest first
    so that ``idle_audit.parquet`` is not half-replaced by a shorter name.

    Examples
    --------
    >>> shown_file_names("见 idle_audit.parquet", {"idle_audit.parquet": "闲置土地审计_台账_完整清单.parquet"})
    '见 闲置土地审计_台账_完整清单.parquet'
    """
    for old in sorted(names or {}, key=len, reverse=True):
        text = text.replace(old, names[old])
    return text


def status_table(audited) -> pd.DataFrame:
    """Parcels, area (亩) and fee (万元) per label the parcels carry (``status_zh``: 认定… and 疑似…,
    第八条第一款 and 第二款 apart), columns ``count``, ``area_mu``, ``fee_wan``, indexed by the label.

    Only labels some parcel carries are rows; :func:`status_rows` orders them and adds the status
    codes and the statuses no parcel has. Additive: tables of partitions sum
    (``groupby(level=0).sum()``) to the whole's. A frame without ``status_zh`` is labelled by status.

    Examples
    --------
    >>> t = status_table(pd.DataFrame({"status": ["idle", "idle"], "status_zh": ["认定闲置（满一年未动工开发）",
    ...                                "疑似闲置（满一年未动工开发）"], "area_mu": [1.0, 2.0], "fee_wan": [3.0, 4.0]}))
    >>> t["count"].to_dict()
    {'疑似闲置（满一年未动工开发）': 1, '认定闲置（满一年未动工开发）': 1}
    """
    from .idle_audit import fee_pending, in_totals

    # a parcel id on several rows counts once; only the columns used are taken before the repeats
    # are dropped (a mask over the whole frame copied every column, the geometry included)
    # a 合计/表尾 row (not_a_parcel) is no repeat: counted under its own status, as status_counts and the
    # console count it (QA7 #4), with no area or fee (a 合计 row's area is the others' sum)
    audited = audited[[c for c in ("status", "status_zh", "area_mu", "fee_wan", "in_totals") if c in audited.columns]]
    footer = np.asarray(audited["status"] == "not_a_parcel", dtype=bool)
    keep = in_totals(audited) | footer
    label = (audited["status_zh"] if "status_zh" in audited.columns
             else audited["status"].map(STATUS_ZH)).astype("string").fillna("")
    # grouped on the labels' codes, numbered in the labels' sorted order (the groups, their order and
    # sums as grouping the texts gives them), not on a Python string per parcel (~0.3 s at 10⁶); the
    # repeats are dropped from the codes and numbers afterwards (numpy masks), not from the text
    # columns (a take of 10⁶ arrow strings, ~0.2 s): a label left only on repeats makes no group
    codes, labels = pd.factorize(label, sort=True)
    area, fee, pending = (audited["area_mu"].to_numpy(dtype=float), audited["fee_wan"].to_numpy(dtype=float),
                          fee_pending(audited))
    if not keep.all():
        codes, footer, area, fee, pending = codes[keep], footer[keep], area[keep], fee[keep], pending[keep]
    df = pd.DataFrame({"status_zh": codes,
                       "area_mu": np.where(footer, 0.0, area),
                       "fee_wan": np.where(footer, np.nan, fee),
                       "fee_pending": np.asarray(pending).astype(np.int64),
                       # 面积不明: not in area_mu's sum (a 合计/表尾 row is no parcel)
                       "area_unknown": (np.isnan(area) & ~footer).astype(np.int64)})
    table = df.groupby("status_zh", sort=True).agg(count=("status_zh", "size"), area_mu=("area_mu", "sum"),
                                                   fee_wan=("fee_wan", "sum"), fee_pending=("fee_pending", "sum"),
                                                   area_unknown=("area_unknown", "sum"))
    table.index = pd.Index(np.asarray(labels, dtype=object)[table.index.to_numpy()], name="status_zh")
    return table


def status_rows(by_status: pd.DataFrame) -> pd.DataFrame:
    """The 按状态 summary as the bureau reads it: one row per label carried (``status``, ``status_zh``,
    ``count``, ``area_mu``, ``fee_wan``), in :func:`~dcf_spatial.land.idle_audit.status_labels` order,
    and a zero row for each status no parcel has; no total row.

    ``by_status`` is :func:`status_table` (or the tables of partitions added up); a table indexed by
    status code (``index.name == "status"``) is read as one label per status.

    Examples
    --------
    >>> rows = status_rows(pd.DataFrame({"count": [2], "area_mu": [1.0], "fee_wan": [0.0]},
    ...                                 index=pd.Index(["认定闲置（满一年未动工开发）"], name="status_zh")))
    >>> rows.loc[rows["status"] == "idle", ["status_zh", "count"]].values.tolist()
    [['认定闲置（满一年未动工开发）', 2]]
    """
    from .idle_audit import status_labels

    table = by_status.copy()
    if table.index.name == "status":
        table.index = table.index.map(lambda s: STATUS_ZH.get(s, s))
    table = table.groupby(level=0).sum()
    pairs = status_labels()
    known = {zh for _, zh in pairs}
    counts = table["count"] if len(table) else pd.Series(dtype=float)
    rows = []
    for status in STATUS_ORDER:
        mine = [zh for s, zh in pairs if s == status and counts.get(zh, 0) > 0]
        rows += [(status, zh) for zh in (mine or [STATUS_ZH[status]])]
    rows += [("", zh) for zh in table.index if zh not in known and counts.get(zh, 0) > 0]  # none expected
    out = pd.DataFrame(rows, columns=["status", "status_zh"])
    vals = table.reindex(out["status_zh"]).fillna(0)
    for col in ("count", "area_mu", "fee_wan", "fee_pending", "area_unknown"):
        out[col] = vals[col].to_numpy() if col in vals.columns else 0.0
    out["fee_pending"] = out["fee_pending"].astype(np.int64)
    out["count"] = out["count"].astype(int)
    out["area_unknown"] = out["area_unknown"].astype(int)
    return out


def status_total(rows: pd.DataFrame) -> pd.DataFrame:
    """The 合计 row (one-row frame) under :func:`status_rows`, as the workbook's 汇总_按状态 and the desk's
    按状态 table end: parcels, area, 面积不明 and fee summed; a 合计/表尾 row (``not_a_parcel``) is no parcel.

    Examples
    --------
    >>> rows = pd.DataFrame({"status": ["idle", "not_a_parcel"], "count": [2, 1], "area_mu": [3.0, 0.0],
    ...                      "fee_wan": [1.0, 0.0], "fee_pending": [0, 0], "area_unknown": [1, 0]})
    >>> status_total(rows)[["status_zh", "count", "area_unknown"]].values.tolist()
    [['合计', 2, 1]]
    """
    parcels = (rows["status"] != "not_a_parcel").to_numpy()
    return pd.DataFrame([{"status": "total", "status_zh": "合计", "count": int(rows["count"][parcels].sum()),
                          "area_mu": rows["area_mu"].sum(), "fee_wan": rows["fee_wan"].sum(),
                          "fee_pending": int(rows["fee_pending"].sum()), "area_unknown": int(rows["area_unknown"].sum())}])



def parcel_count_cells(rows: pd.DataFrame) -> pd.DataFrame:
    """The 按状态 ``count`` column as the bureau adds it up: the 合计/表尾 row (``not_a_parcel``) is no
    parcel, so its cell says ``2 行（不计入宗地数）`` rather than a bare 2 that the column's 合计 leaves out
    (re-QA 5: the column summed to 18 under a 合计 of 16); the other cells stay numbers.

    Examples
    --------
    >>> rows = pd.DataFrame({"status": ["idle", "not_a_parcel", "total"], "count": [16, 2, 16]})
    >>> parcel_count_cells(rows)["count"].tolist()
    [16, '2 行（不计入宗地数）', 16]
    """
    footer = (rows["status"] == "not_a_parcel").to_numpy() & (rows["count"].to_numpy() > 0)
    if not footer.any():
        return rows
    out = rows.copy()
    cells = np.array(out["count"].to_numpy(), dtype=object)
    for i in np.flatnonzero(footer):
        cells[i] = f"{int(cells[i]):,} 行（不计入宗地数）"
    out["count"] = pd.Series(cells, index=out.index, dtype=object)
    return out


#: the 汇总_按状态 sheet's headers (the desk's 按状态 table says the same)
STATUS_SHEET_ZH = {"status_zh": "审计结论", "status": "状态代码", "count": "宗地数", "area_mu": "面积（亩）",
                   "area_unknown": "面积不明（宗；未计入面积）", "fee_wan": "土地闲置费（万元；含潜在金额）"}


def area_total_text(area_mu: float, area_unknown: int, count: int) -> str:
    """An area total as the summaries print it: ``0.0 亩`` is not said of parcels whose area is not
    known — ``面积不明 7 宗`` when none has an area, ``12.0 亩（另 2 宗面积不明）`` when some lack one.

    Examples
    --------
    >>> area_total_text(0.0, 7, 7), area_total_text(12.0, 2, 5), area_total_text(3.5, 0, 1)
    ('面积不明 7 宗', '12.0 亩（另 2 宗面积不明）', '3.5 亩')
    """
    n = int(area_unknown or 0)
    if n and n >= int(count):
        return f"面积不明 {n:,} 宗"
    text = f"{float(area_mu or 0.0):,.1f} 亩"
    return f"{text}（另 {n:,} 宗面积不明）" if n else text


#: the counts of :func:`console_counts` that need a column the audit may lack (None when it does)
_LOCATED = ("by_name", "unknown", "conflict")


def console_counts(audited) -> dict:
    """What the console says of an idle audit besides the status table, as numbers that add up over
    partitions (:func:`add_console_counts`), so both engines print the same lines: 非宗地行 (合计/表尾
    rows), repeats of a duplicated parcel id, the fee total (each parcel once) and the parcels whose fee
    is pending, rows with a data problem / 数据不足, imagery conflicts, and — for a ledger placed by its
    地名 — parcels placed by name, of unknown place and of those with a 地名冲突 (``None`` without the
    columns).

    Examples
    --------
    >>> c = console_counts(pd.DataFrame({"status": ["idle", "not_a_parcel"], "fee_wan": [np.nan, np.nan],
    ...                                  "problems": ["", ""], "location_method": ["位置不明", "位置不明"],
    ...                                  "township_method": ["conflict", ""]}))
    >>> c["not_a_parcel"], c["fee_pending"], c["unknown"], c["conflict"]
    (1, 1, 1, 1)
    """
    from .idle_audit import fee_pending, in_totals, reclaim_counts

    n = len(audited)
    # compared as the column is (categories or text): no text copy of a partition's million statuses
    skipped = np.asarray(audited["status"] == "not_a_parcel", dtype=bool)
    short = np.asarray(audited["status"] == "insufficient_data", dtype=bool)
    once = in_totals(audited)
    bad = np.asarray(audited["problems"] != "", dtype=bool) if "problems" in audited.columns else np.zeros(n, bool)
    fee = audited["fee_wan"].to_numpy(dtype=float) if "fee_wan" in audited.columns else np.full(n, np.nan)
    out = {"rows": n, "not_a_parcel": int(skipped.sum()), "repeats": int((~once & ~skipped).sum()),
           "fee_wan": float(np.nansum(fee[once])), "fee_pending": int((fee_pending(audited) & once).sum()),
           "problems": int(bad.sum()), "insufficient": int(short.sum()), "to_check": int((bad | short).sum()),
           "imagery_conflicts": (int(audited["imagery_flag"].astype(str).str.startswith("矛盾").sum())
                                 if "imagery_flag" in audited.columns else None),
           # started, but a full year after the agreed (or validly extended) start: idle in between (第二条)
           "late_starts": (int(np.asarray(audited["late_start_flag"].astype(str) != "", dtype=bool).sum())
                           if "late_start_flag" in audited.columns else 0),
           # due for reclaim (第十四条第（二）项): said apart from the fee total, which they are not in
           **reclaim_counts(audited)}
    out.update(dict.fromkeys(_LOCATED))
    if "location_method" in audited.columns:
        method = audited["location_method"].astype(object).to_numpy()
        unknown = (method == "位置不明") & ~skipped   # a 合计 row is no parcel of unknown place
        conflict = (unknown & (audited["township_method"].astype(object).to_numpy() == "conflict")
                    if "township_method" in audited.columns else np.zeros(n, dtype=bool))
        out.update(by_name=int(((method == "按地名定位") & ~skipped).sum()), unknown=int(unknown.sum()),
                   conflict=int(conflict.sum()))
    return out


def add_console_counts(parts) -> dict | None:
    """The :func:`console_counts` of the whole from those of its partitions (``None`` entries skipped).

    Examples
    --------
    >>> add_console_counts([{"rows": 1, "unknown": None}, {"rows": 2, "unknown": None}])
    {'rows': 3, 'unknown': None}
    """
    parts = [p for p in parts if p]
    if not parts:
        return None
    return {k: (None if all(p.get(k) is None for p in parts) else sum(p.get(k) or 0 for p in parts))
            for k in parts[0]}


def rejected_rows(audited) -> np.ndarray:
    """True for the rows of the 问题记录 sheet: a data problem (duplicate id, bad date, code …) or
    status ``insufficient_data`` (fields the rules need are missing). Both are for the bureau to
    correct; both stay in the list and the summaries."""
    return ((audited["problems"].astype(str) != "").to_numpy()
            | (audited["status"].astype(str) == "insufficient_data").to_numpy())


def pick_list_rows(status, has_problem, area_mu, *, max_rows: int) -> tuple[np.ndarray, int]:
    """Positions (ascending) of the rows a capped 宗地清单 carries, and how many rows needed listing.

    The rows that need action or checking (a status in ``ACTION_STATUSES``, or a data problem),
    most urgent status first, larger parcels first, ties in the given (input) order; at most
    ``max_rows``. Both engines call this: the single engine on all parcels, the dask engine on the
    candidate rows its partitions send back (in input order), so both pick the same rows.
    """
    # the statuses as codes of STATUS_ORDER, factorised where they are held (arrow text: no Python
    # string per row); an unknown status ranks after every known one, as a missing rank sorts last
    codes = status_codes(status)
    rank = np.where(codes >= 0, codes, len(STATUS_ORDER))
    need = np.isin(codes, [STATUS_ORDER.index(s) for s in ACTION_STATUSES]) | np.asarray(has_problem, dtype=bool)
    idx = np.flatnonzero(need)
    order = idx[np.lexsort((-np.asarray(area_mu, dtype=float)[idx], rank[idx]))]
    return np.sort(order[:max_rows]), len(idx)


def list_note(n: int, *, max_rows: int, listed: int, need: int, where: str = GPKG_WHERE, footers: int = 0) -> str:
    """The Chinese sentence heading the 宗地清单: all parcels, or which ones and where the rest are
    (``footers``: rows that are a ledger's 合计 row or footer, said apart, not counted as parcels)."""
    if n <= max_rows:
        return f"本表列出全部 {rows_zh(n, footers) if footers else f'{n:,} 宗地'}。"
    more = need - listed
    return (f"共 {n:,} 宗地，超过本工作簿清单上限 {max_rows:,} 行：本表只列出需处置或需核实的宗地"
            f"（{'、'.join(STATUS_ZH[s] for s in ACTION_STATUSES)}及有数据问题的记录）共 {listed:,} 宗"
            + (f"（另有 {more:,} 宗需处置或核实的宗地按状态紧急程度和面积排序后未列入）" if more > 0 else "")
            + f"；完整清单（{n:,} 宗）见{where}。各汇总表按全部宗地统计。")


def idle_list_positions(audited, *, max_rows: int, where: str = GPKG_WHERE) -> tuple[np.ndarray | None, str]:
    """Positions of the rows the workbook's 宗地清单 carries (``None``: all), and the sentence saying which.

    Only ``status``, ``problems`` and ``area_mu`` of ``audited`` are read, so a caller can pick the
    rows before taking the listed columns for those rows only.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"status": ["normal", "idle", "idle_reclaim"], "problems": ["", "", ""],
    ...                   "area_mu": [1.0, 2.0, 3.0]})
    >>> idle_list_positions(t, max_rows=2)[0].tolist()
    [1, 2]
    """
    n = len(audited)
    if n <= max_rows:
        return None, list_note(n, max_rows=max_rows, listed=n, need=0, where=where, footers=footer_count(audited))
    pos, need = pick_list_rows(audited["status"], (audited["problems"].astype(str) != "").to_numpy(),
                               audited["area_mu"].to_numpy(dtype=float), max_rows=max_rows)
    return pos, list_note(n, max_rows=max_rows, listed=len(pos), need=need, where=where)


def idle_list_for_excel(audited, *, max_rows: int, where: str = GPKG_WHERE) -> tuple[pd.DataFrame, str]:
    """The rows the workbook's 宗地清单 carries, and the Chinese sentence saying which.

    Up to ``max_rows`` parcels: all of them; beyond, the rows :func:`pick_list_rows` picks.
    Everything is in the GeoParquet complete list (``where`` names it).
    """
    pos, note = idle_list_positions(audited, max_rows=max_rows, where=where)
    return (audited if pos is None else audited.iloc[pos]), note


def write_idle_excel(audited, path, *, notes: list[str], max_list_rows: int = 100_000,
                     data_note: str = "数据说明见“说明”表。") -> Path:
    """Write the idle-audit workbook: 说明, 汇总（按状态/镇街/集聚区/园区）, 宗地清单, 问题记录.

    Every sheet but 说明 starts with a one-line ``data_note`` (schematic layers, synthetic data)."""
    listed, note = idle_list_for_excel(audited, max_rows=max_list_rows)
    rejected = audited[rejected_rows(audited)]
    summaries = {key: summarize(audited, by=[key]) for key in ZONE_KEYS if key in audited.columns}
    return write_idle_workbook(path, by_status=status_table(audited), summaries=summaries, listed=listed,
                               list_note=note, rejected=rejected.iloc[:max_list_rows], n_rejected=len(rejected),
                               n_total=len(audited), notes=notes, max_list_rows=max_list_rows, data_note=data_note)


def _methods_zh(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its zone-assignment method columns (``inside`` …) in Chinese, as the lists show them."""
    from .zones import METHOD_ZH, conflict_label

    cols = [c for c in ("township_method", "cluster_method", "park_method") if c in frame.columns]
    if not cols:
        return frame
    out = {c: _method_texts(frame[c], METHOD_ZH) for c in cols}
    if "place_reason" in frame.columns:  # a name conflict says both names (地名冲突：郑家镇与闫寺街道)
        for c in cols:
            hit = np.asarray(frame[c] == "conflict", dtype=bool)
            if hit.any():
                col = out[c].copy()
                col[hit] = [conflict_label(r) or METHOD_ZH["conflict"] for r in frame["place_reason"].to_numpy()[hit]]
                out[c] = col
    return frame.assign(**out)


def _method_texts(values: pd.Series, names: dict) -> pd.Series:
    """``values`` (method codes) named by ``names`` (a code not in it, or not text, kept as it is), as
    ``Series.map`` gives them; a ``category`` column is named once per category and taken by its codes (a Python call
    per listed row was ~0.1 s per list at 10⁵ rows)."""
    def name(v):
        return names.get(v, v) if isinstance(v, str) else v

    if isinstance(values.dtype, pd.CategoricalDtype):
        named = np.asarray([name(v) for v in values.cat.categories] + [np.nan], dtype=object)
        codes = values.cat.codes.to_numpy()
        return pd.Series(named[np.where(codes >= 0, codes, len(named) - 1)], index=values.index, dtype=object,
                         name=values.name).infer_objects()  # typed as ``map`` types it
    return values.astype(object).map(name)


def zone_method_note() -> str:
    """The 说明 sheet's sentence on how parcels are assigned to zones and where the method is shown."""
    from .zones import METHOD_ZH

    return ("区域归属：完全位于某区内的宗地直接归属；跨界宗地按面积最大者归属（面积在 EPSG:4548 中量算）。"
            "每宗的归属方式见宗地清单“镇街归属方式”“集聚区归属方式”列（"
            + "、".join(METHOD_ZH.values()) + "）；完整清单（GeoParquet）中为 township_method、cluster_method 字段（"
            + "；".join(f"{k}={v}" for k, v in METHOD_ZH.items()) + "）。")


_SOURCE_RE = re.compile(r"^(?P<script>\S+) from (?P<inputs>\S+) \((?P<provs>[^)]*)\)$")


def source_zh(source: str) -> str:
    """A layer's source as the bureau reads it: the store's ``"<script> from <inputs> (<provenance>)"``
    in Chinese, the files named as they are (the provenance kept); any other source unchanged.

    Examples
    --------
    >>> source_zh("layers/build_layers.py from layers/sources (schematic)")
    '由 layers/build_layers.py 依据 layers/sources 中的资料生成（示意）'
    """
    from ..store.catalog import PROVENANCE_ZH

    m = _SOURCE_RE.match(str(source or "").strip())
    if not m:
        return str(source or "")
    provs = "、".join(PROVENANCE_ZH.get(p.strip(), p.strip()) for p in m["provs"].split(","))
    return f"由 {m['script']} 依据 {m['inputs']} 中的资料生成（{provs}）"


def write_idle_workbook(path, *, by_status: pd.DataFrame, summaries: dict[str, pd.DataFrame], listed: pd.DataFrame,
                        list_note: str, rejected: pd.DataFrame, n_rejected: int, n_total: int, notes: list[str],
                        max_list_rows: int, data_note: str, where: str = GPKG_WHERE) -> Path:
    """The idle-audit workbook from tables already made; both engines write through this.

    ``by_status``: :func:`status_table` of all parcels; ``summaries``: ``summarize(…, by=[key])`` of
    all parcels per key (``township_zh``, ``cluster_zh``, ``park_zh``); ``listed``/``rejected``:
    the rows of 宗地清单 and 问题记录 (:func:`rejected_rows`; at most ``max_list_rows`` each;
    ``n_rejected`` such rows in all); ``where``: where the complete list is.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    notes = list(notes) + [list_note, f"问题记录表列出 {min(n_rejected, max_list_rows):,} 条数据不足或有数据问题的记录"
                           + (f"（共 {n_rejected:,} 条，其余见{where}的 status、missing_fields 与 problems 字段）"
                              if n_rejected > max_list_rows else "")
                           + "，作为数据补正清单，只列核实补正所需的列（"
                           + "、".join(IDLE_COLUMNS_ZH[c] for c in REJECTED_COLUMNS if c in rejected.columns)
                           + f"）；每条记录的完整内容见宗地清单（已列入的）和{where}，按原表行号查找。"
                           "它们均未删除（汇总按“计入汇总”列计入）。"]
    once = ("宗地数、面积与闲置费每宗只计一次：同一宗地代码有多条记录的，只计原表中的第一条"
            "（其余各条仍列在清单中，“计入汇总”为否）。")
    notes.append(once)
    with _workbook(path) as writer:
        _notes_sheet(writer, notes)
        by_status = status_rows(by_status)
        by_status = pd.concat([by_status, status_total(by_status)], ignore_index=True)
        by_status["count"] = by_status["count"].astype(int)
        by_status = fee_cells(parcel_count_cells(by_status))
        _write_sheet(writer, _excel_frame(by_status, STATUS_SHEET_ZH),
                     "汇总_按状态", header_note=once + data_note)
        for key, sheet in (("township_zh", "汇总_按镇街"), ("cluster_zh", "汇总_按集聚区"), ("park_zh", "汇总_按园区")):
            if key in summaries:
                _write_sheet(writer, _excel_frame(fee_cells(_with_total(summaries[key], key)),
                                                  {key: SUMMARY_KEYS_ZH[key], **SUMMARY_COLUMNS_ZH}),
                             sheet, header_note=once + data_note)
        list_cols = {c: IDLE_COLUMNS_ZH[c] for c in EXCEL_LIST_COLUMNS}
        # the lists filtered on their header row, as the batch's result sheet (a clerk filters by 审计结论, 镇街 …)
        _write_sheet(writer, _excel_frame(_methods_zh(listed), list_cols), "宗地清单", header_note=list_note + data_note,
                     autofilter=True)
        _write_sheet(writer, _excel_frame(rejected, {c: IDLE_COLUMNS_ZH[c] for c in REJECTED_COLUMNS}), "问题记录",
                     # the pointer to the full rows first: Excel shows the start of this one-line note
                     header_note=f"数据补正清单，只列补正所需的列；每条记录的完整内容按原表行号见宗地清单（已列入的）和{where}。"
                                 "本表为数据不足（缺少判定所需字段）或有数据问题的记录（重复宗地代码、无法识别的日期或数值、"
                                 "无效地类编码、信用代码校验失败、无几何图形、项目位置无法定位等）与逾期动工待核查的记录，请核实补正；"
                                 "均未删除、未合并。" + data_note,
                     autofilter=True)
    logger.info("Wrote idle-audit workbook %s (%d parcels listed of %d; %d with problems)",
                path, len(listed), n_total, n_rejected)
    return path


def arrow_typed(gdf):
    """``gdf`` with each column arrow cannot type (mixed Python objects: a ledger's 序号 of numbers and
    its 合计 row's “合计”) as text; the other columns as they are (no copy when there is none)."""
    fixed = {}
    for c in gdf.columns:
        if c != gdf.geometry.name and gdf[c].dtype == object and \
                pd.api.types.infer_dtype(gdf[c], skipna=True) not in ("string", "empty", "boolean", "integer",
                                                                       "floating", "date", "datetime"):
            fixed[c] = gdf[c].map(lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
                                  else str(v)).astype(object)
    return gdf.assign(**fixed) if fixed else gdf


def write_geoparquet(gdf, path, *, slice_rows: int | None = None, read_wkb=None) -> Path:
    """Write ``gdf`` as one GeoParquet file (arrow types as they are; only mixed-object columns become text).

    More than ``slice_rows`` rows (default :data:`GEOPARQUET_SLICE_ROWS`) are converted and written
    a slice at a time (one row group each), never as one whole-table copy. ``read_wkb``: the
    geometries as read (:class:`dcf_spatial.io.read_wkb.ReadWkb`); when ``gdf``'s are still those,
    their bytes are written instead of encoding them again (the same file).

    Examples
    --------
    >>> write_geoparquet(result[["parcel_id", "status", "geometry"]], "out/idle_audit.parquet")  # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    slice_rows = int(slice_rows or GEOPARQUET_SLICE_ROWS)
    gdf = arrow_typed(gdf)
    if len(gdf) <= slice_rows or not _categories_in_first_use_order(gdf):
        gdf.to_parquet(path, index=False, **parquet_options(gdf))
    else:
        wkb = read_wkb.for_geometry(gdf.geometry.values) if read_wkb is not None else None
        _write_geoparquet_slices(gdf, path, slice_rows, wkb=wkb)
    logger.info("Wrote %d features to %s (GeoParquet)", len(gdf), path)
    return path


#: the complete list's compression: zstd at level 1 (pyarrow's default level). At 10⁶ parcels it
#: writes in the same CPU time as snappy (~1.6 s here) and the file is ~24 % smaller (128 MB vs
#: 168 MB), which is then also hashed, copied and read back faster. zstd is one of Parquet's standard
#: codecs (geopandas/pyarrow read it, tested; GDAL's Parquet driver in QGIS reads through Arrow's
#: reader, whose usual builds include zstd — not checkable on a machine whose GDAL has no Parquet driver).
GEOPARQUET_COMPRESSION = {"compression": "zstd", "compression_level": 1}


def parquet_options(gdf) -> dict:
    """The complete list's ``pyarrow.parquet`` writer options: :data:`GEOPARQUET_COMPRESSION`, and
    min/max statistics only for the number, date and yes/no columns.

    Text and geometry columns get none: their min/max (a WKB's first bytes, the alphabetically first
    reason) let no reader skip a row group of an audit (each row group spans every status, zone
    and id), and computing them was ~0.3 s of the ~1.6 s the writer spends at 10⁶ parcels. Readers
    find the geometry's extent in the ``geo`` metadata (``bbox``), as before.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame({"a": [1.0], "t": ["x"]}, geometry=[shapely.Point(0, 0)], crs=4326)
    >>> parquet_options(g)["write_statistics"]
    ['a']
    """
    geom = gdf.geometry.name
    stats = [c for c in gdf.columns if c != geom and not isinstance(gdf[c].dtype, pd.CategoricalDtype)
             and (pd.api.types.is_numeric_dtype(gdf[c].dtype) or pd.api.types.is_bool_dtype(gdf[c].dtype)
                  or pd.api.types.is_datetime64_any_dtype(gdf[c].dtype))]
    return {**GEOPARQUET_COMPRESSION, "write_statistics": stats}


def _categories_in_first_use_order(gdf) -> bool:
    """True when every ``category`` column of ``gdf`` uses all its categories, first used in their
    order (as :func:`dcf_spatial.land.idle_audit.audit_idle` makes them): then slices with compacted
    dictionaries (:func:`_compact_dictionaries`) read back as the same categories."""
    for c in gdf.columns:
        if isinstance(gdf[c].dtype, pd.CategoricalDtype):
            codes = gdf[c].cat.codes.to_numpy()
            used = pd.unique(codes[codes >= 0])
            if not np.array_equal(used, np.arange(len(gdf[c].cat.categories))):
                return False
    return True


def _compact_dictionaries(table):
    """Each dictionary column (a ``category``) of a slice with only the categories the slice uses,
    in order of first use: a slice of a categorical keeps every category, and each row group would
    store the whole dictionary again. Read back, the row groups' dictionaries are unified in order,
    which gives the categories in order of first use, as the frame has them."""
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            col = table.column(i).combine_chunks()
            if len(col.dictionary) == 0:
                continue  # a category column with no categories (every row missing): nothing to compact
            # from the integer codes (which categories the slice uses, in order of first use), the
            # dictionary then taken from the whole one: the same arrays as decoding the slice to
            # text and encoding it again, without hashing every row's text
            valid = np.asarray(col.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
            codes = np.asarray(col.indices.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
            order = pd.unique(codes[valid])  # hashed, in order of first use (a sort was ~3× slower)
            remap = np.zeros(len(col.dictionary), dtype=np.int64)
            remap[order] = np.arange(len(order))
            indices = pa.array(remap[np.where(valid, codes, 0)], type=field.type.index_type, mask=~valid)
            compact = pa.DictionaryArray.from_arrays(indices, col.dictionary.take(pa.array(order, type=pa.int64())))
            table = table.set_column(i, field, compact)
    return table


def _whole_schema(gdf, schema):
    """``schema`` (of the first slice) with each column that is all empty there (arrow type null)
    typed as the whole column is, as a whole-table conversion would type it."""
    import pyarrow as pa

    for i, field in enumerate(schema):
        if pa.types.is_null(field.type) and field.name in gdf.columns:
            values = gdf[field.name].dropna()
            if len(values):
                schema = schema.set(i, field.with_type(pa.infer_type(values.to_numpy(dtype=object), from_pandas=True)))
    return schema


#: rows converted to arrow and written at a time by :func:`write_geoparquet` (one row group each)
GEOPARQUET_SLICE_ROWS = 100_000


def _write_geoparquet_slices(gdf, path: Path, slice_rows: int, wkb=None) -> None:
    """The GeoParquet file of ``gdf`` written slice by slice (one row group each), so that only one
    slice at a time is held as arrow besides the frame: ``GeoDataFrame.to_parquet`` converts the
    whole table first (at 10⁶ parcels several hundred MB more at the peak). The file metadata
    (``geo``: bounding box and geometry types) is that of the whole frame, as ``to_parquet``
    writes it; geopandas' own converter makes each slice (the same column types and encoding).
    ``wkb``: the geometry column's WKB already (a binary arrow array, row for row), put in the
    slices as geopandas puts the WKB it encodes (its field, from its own converter)."""
    import pyarrow.parquet as pq
    from geopandas.io.arrow import _create_metadata, _encode_metadata, _geopandas_to_arrow

    geo = _encode_metadata(_create_metadata(gdf))
    options = parquet_options(gdf)
    name = gdf.geometry.name
    if wkb is not None:
        from geopandas.array import from_shapely

        # no geometry: a slice converted with it costs nothing to encode; its WKB is put in after
        nothing = from_shapely(np.full(slice_rows, None, dtype=object), crs=gdf.crs)
    writer, schema = None, None
    try:
        for lo in range(0, len(gdf), slice_rows):
            part = gdf.iloc[lo:lo + slice_rows]
            if wkb is not None:
                # the slice converted by geopandas (its columns, field and metadata) with its geometry
                # column left empty, the WKB put in that column's place
                part = part.copy(deep=False)
                part[name] = nothing[:len(part)]
            table = _geopandas_to_arrow(part, index=False)
            del part
            if wkb is not None:
                i = table.schema.get_field_index(name)
                table = table.set_column(i, table.schema.field(i), wkb.slice(lo, slice_rows).combine_chunks())
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"geo": geo})
            table = _compact_dictionaries(table)
            if writer is None:
                schema = _whole_schema(gdf, table.schema)
                writer = pq.ParquetWriter(path, schema, **options)
            if not table.schema.equals(schema, check_metadata=False):
                table = table.cast(schema)  # e.g. a text column all empty in this slice (null type)
            writer.write_table(table)
            del table
    finally:
        if writer is not None:
            writer.close()


def write_gpkg(gdf, path, *, layer: str, aliases: dict | None = None, description: str = "") -> Path:
    """Write ``gdf`` (datetimes as dates, nullable types made plain) to a GeoPackage layer; with ``aliases``
    (column → Chinese name) each field carries its alias and the layer ``description``
    (:func:`dcf_spatial.io.gpkg_fields.write_gpkg_layer`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = gdf.copy()
    for c in out.columns:
        if c == out.geometry.name:
            continue
        s = out[c]
        if isinstance(s.dtype, pd.BooleanDtype):
            out[c] = s.astype(object).where(s.notna(), None)
        elif isinstance(s.dtype, (pd.StringDtype, pd.CategoricalDtype)) or str(s.dtype) == "str":
            out[c] = s.astype(object).where(s.notna(), None)
        elif s.dtype == object:
            kind = pd.api.types.infer_dtype(s, skipna=True)
            if kind in ("string", "empty", "boolean"):
                out[c] = s.where(s.notna(), None)
            else:  # mixed objects: plain text for GDAL
                out[c] = s.map(lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else
                               (v if isinstance(v, (str, int, float, bool)) else str(v)))
    if aliases:
        from ..io.gpkg_fields import write_gpkg_layer

        return write_gpkg_layer(out, path, layer=layer, aliases=aliases, description=description)
    try:  # pyarrow (a dependency) lets pyogrio hand GDAL whole columns instead of row by row
        import pyarrow  # noqa: F401

        arrow = True
    except ImportError:
        arrow = False
    out.to_file(path, layer=layer, driver="GPKG", engine="pyogrio", use_arrow=arrow)
    logger.info("Wrote %d features to %s (layer %s)", len(out), path, layer)
    return path


def sheet_note(layers_used: list[dict], synthetic: str) -> str:
    """The one line every sheet starts with: which layers are schematic, whether data is synthetic."""
    schematic = [lay.get("title_zh") or lay["layer_id"] for lay in layers_used if "schematic" in str(lay.get("provenance"))]
    text = ("区域归属依据示意图层（" + "、".join(schematic) + "），分区汇总仅供参考。") if schematic else ""
    return text + synthetic + "详见“说明”表。"


def layers_note(layers_used: list[dict]) -> list[str]:
    """One Chinese line per layer used, saying whether it is schematic."""
    from ..store.catalog import PROVENANCE_ZH

    lines = []
    for lay in layers_used:
        prov = lay.get("provenance", "")
        zh = "/".join(PROVENANCE_ZH.get(p, p) for p in str(prov).split("/")) if prov else "未知"
        warn = "（示意图层：区域归属与分区汇总仅供参考，不作为权属或界线依据）" if "schematic" in str(prov) else ""
        lines.append(f"图层 {lay['layer_id']}「{lay.get('title_zh', '')}」：{zh}{warn}；来源：{source_zh(lay.get('source', ''))}")
    return lines


def _first_by_priority(priority: np.ndarray, k: int) -> np.ndarray:
    """``np.argsort(-priority, kind="stable")[:k]`` (the ``k`` highest, ties in the given order) without
    sorting every row: the ``k``-th highest found by a partition, then only the rows at or above it
    sorted (at 10⁶ parcels and a map of 10⁵, ~0.25 s less than the whole stable sort; the same positions
    in the same order).

    Examples
    --------
    >>> _first_by_priority(np.array([1.0, 3.0, 2.0, 3.0, 0.5]), 3).tolist()
    [1, 3, 2]
    """
    neg = -priority
    if k >= len(neg):
        return np.argsort(neg, kind="stable")
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    kth = np.partition(neg, k - 1)[k - 1]
    near = np.flatnonzero(neg <= kth)  # every row of the first k, ties with the k-th included, in order
    return near[np.argsort(neg[near], kind="stable")[:k]]


def write_answer_map(gdf, path, *, title: str, status_field: str, popup_fields: dict, max_features: int,
                     provenance_note: str, overwrite: bool, priority: pd.Series | None = None,
                     value_order: list[str] | None = None, basemap: str = "none",
                     legend_counts: dict | None = None, size_field: str | None = None,
                     marked_field: str | None = None):
    """Draw the answer with :func:`dcf_spatial.maps.webmap.answer_map`, at most ``max_features``.

    When there are more rows, the ``max_features`` with the highest ``priority`` are drawn and the
    legend note says how many of how many. ``legend_counts`` and ``size_field`` go to ``answer_map``.
    Returns the path, or None if the maps module is absent.
    """
    try:
        from ..maps.webmap import answer_map
    except ImportError as exc:  # the maps engineer's module may not be installed yet
        logger.warning("未写出 HTML 地图：dcf_spatial.maps.webmap.answer_map 不可用（%s）", exc)
        return None
    import shapely

    geom = gdf.geometry.values
    pos = np.flatnonzero(~(shapely.is_missing(geom) | shapely.is_empty(geom)))
    note = provenance_note
    if priority is not None:  # a row of NaN priority is not drawn (a parcel's repeat, a ledger's footer)
        pos = pos[~np.isnan(np.asarray(priority, dtype=float)[pos])]
    if len(pos) > max_features:
        # pick the rows first (positions only), then take those few rows: no copy of the whole table
        if priority is not None:
            pos = pos[_first_by_priority(np.asarray(priority, dtype=float)[pos], max_features)]
        else:
            pos = pos[:max_features]
        note = f"{note}；图上只绘制 {max_features:,} 宗（共 {len(gdf):,} 宗，按需处置优先、面积从大到小选取），完整清单见 Excel 与同目录完整清单文件"
    draw = gdf.iloc[pos]
    if value_order:
        # The style file gives fixed colours to a few labels and palette colours to the rest in
        # order of first appearance; ordering the rows makes the most urgent status red.
        pos = draw[status_field].map({v: i for i, v in enumerate(value_order)}).fillna(len(value_order))
        draw = draw.iloc[np.argsort(pos.to_numpy(), kind="stable")]
    cols = [c for c in popup_fields if c in draw.columns]
    extra = [c for c in (status_field, size_field, marked_field) if c and c not in cols and c in draw.columns]
    draw = draw[cols + [draw.geometry.name] + extra]
    return answer_map(draw, path, title=title, status_field=status_field, label_field="parcel_id" if "parcel_id" in draw else None,
                      popup_fields={c: popup_fields[c] for c in cols}, provenance_note=note, basemap=basemap,
                      overwrite=overwrite, answer_label="审计结果", legend_counts=legend_counts, size_field=size_field,
                      count_unit="宗" if size_field else "", marked_field=marked_field)


#: efficiency list columns -> Chinese header
EFFICIENCY_COLUMNS_ZH = {
    "row": "原表行号", "year": "年度", "credit_code": "统一社会信用代码", "name": "企业名称",
    "industry_code": "行业代码", "above_scale": "是否规上", "township_zh": "所在镇（街道）", "cluster_zh": "所在工业集聚区",
    "zone_source": "镇街归属依据", "parcel_id": "企业表所填宗地编号", "parcel_link_zh": "宗地对应",
    "matched_parcel_ids": "对应宗地编号",
    "land_area_mu": "用地面积（亩）", "land_area_source": "用地面积来源", "parcel_area_mu": "宗地面积合计（亩）",
    "tax_wan": "税收（万元）", "revenue_wan": "营业收入（万元）", "energy_tce": "综合能耗（吨标准煤）",
    "employees": "从业人员（人）", "rd_wan": "研发投入（万元）", "emissions_t": "主要污染物排放当量（吨）",
    "start_year": "投产年份", "veto": "一票否决事项",
    "tax_per_mu": "亩均税收（万元/亩）", "revenue_per_mu": "亩均营业收入（万元/亩）",
    "revenue_per_tce": "单位能耗营业收入（万元/吨标准煤）", "revenue_per_emission": "单位排放营业收入（万元/吨排放当量）",
    "rd_intensity": "研发经费投入强度（%）", "labour_productivity": "全员劳动生产率（万元/人）",
    "pool_zh": "评价分组", "score": "综合得分", "rank": "年度组内排名", "evaluated_n": "年度组内参评企业数", "eff_class": "分类",
    "eff_class_zh": "分类名称", "eff_reason": "分类依据", "duplicate_id": "信用代码重复", "problems": "数据问题",
    "data_errors": "数据有误的字段", "remarks": "备注（非数据问题）", "synthetic": "合成数据",
}
LOW_COLUMNS_ZH = {"parcels": "宗地数", "area_mu": "宗地面积（亩）", "low_count": "低效用地宗数",
                  "low_area_mu": "低效用地面积（亩）", "d_area_mu": "其中D类企业用地（亩）", "idle_area_mu": "其中闲置土地（亩）"}


def write_efficiency_excel(classed: pd.DataFrame, path, *, notes: list[str], low_tables: dict[str, pd.DataFrame],
                           data_note: str = "数据说明见“说明”表。") -> Path:
    """Write the 亩产效益 workbook: 说明, 汇总_按分类/镇街/集聚区, 企业清单, 低效用地_*, 问题记录."""
    from .efficiency import CLASS_ORDER

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    problems = classed[classed["problems"].astype(str) != ""]
    if len(problems) and "data_errors" in problems.columns:  # the rows whose figures are wrong first (they are T)
        wrong = (problems["data_errors"].astype("string").fillna("") != "").to_numpy()
        problems = problems.iloc[np.argsort(~wrong, kind="stable")]
    with _workbook(path) as writer:
        _notes_sheet(writer, list(notes))
        for key, sheet, label in ((None, "汇总_按分类", None), ("township_zh", "汇总_按镇街", "镇（街道）"),
                                  ("cluster_zh", "汇总_按集聚区", "工业集聚区")):
            df = classed.assign(_all="全部")
            k = key or "_all"
            df[k] = df[k].astype("string").fillna("（未落入任何区域）")
            t = df.pivot_table(index=k, columns="eff_class", values="row", aggfunc="size", fill_value=0)
            t = t.reindex(columns=list(CLASS_ORDER), fill_value=0)
            t["合计"] = t.sum(axis=1)
            t["用地面积（亩）"] = df.groupby(k)["land_area_mu"].sum()
            t["税收（万元）"] = df.groupby(k)["tax_wan"].sum()
            t = t.rename(columns={c: f"{c}类" for c in CLASS_ORDER}).reset_index().rename(columns={k: label or "范围"})
            t = _with_total(t) if key else t
            t[["用地面积（亩）", "税收（万元）"]] = t[["用地面积（亩）", "税收（万元）"]].round(2)
            _write_sheet(writer, t, sheet, header_note=data_note)
        _write_sheet(writer, _excel_frame(classed, EFFICIENCY_COLUMNS_ZH), "企业清单", header_note=data_note, autofilter=True)
        for name, table in low_tables.items():
            by = table.columns[0]
            _write_sheet(writer, _excel_frame(_with_total(table, by), {by: SUMMARY_KEYS_ZH.get(by, by), **LOW_COLUMNS_ZH}),
                         f"低效用地_{name}", header_note=data_note)
        _write_sheet(writer, _excel_frame(problems, EFFICIENCY_COLUMNS_ZH), "问题记录",
                     header_note="有数据问题的企业记录（均保留在企业清单与汇总中，未删除、未合并）。" + data_note)
    logger.info("Wrote efficiency workbook %s (%d enterprise rows, %d with problems)", path, len(classed), len(problems))
    return path


# --- maps shared by both engines ----------------------------------------------------------------------
#: a zone's share (idle parcels of its parcels; 低效用地 area of its parcel area) -> colour class on the
#: zone-summary map: below the first cut 正常, from the second 闲置/低效, between 需核实. Overridden
#: by ``map.zone_share_cuts`` in idle_land_rules.json when that key is present.
ZONE_SHARE_CUTS = (0.05, 0.20)
#: zone kinds drawn on a zone-summary map, in drawing order (clusters over their townships)
ZONE_MAP_LEVELS = (("township", "township_zh", "镇（街道）"), ("cluster", "cluster_zh", "工业集聚区"))
NO_PARCELS_ZH = "不适用（区内无宗地）"


def zone_share_classes(share, *, high: str, what: str, cuts=ZONE_SHARE_CUTS) -> list[str]:
    """The map class of each share (0–1; NaN = a zone without parcels). Labels start with a status
    name of the style file (闲置/低效, 需核实, 正常, 不适用), which gives them its colours."""
    lo, hi = (float(c) for c in cuts)
    out = []
    for v in pd.Series(share, dtype=float):
        if np.isnan(v):
            out.append(NO_PARCELS_ZH)
        elif v >= hi:
            out.append(f"{high}（{what} ≥ {hi:.0%}）")
        elif v >= lo:
            out.append(f"需核实（{what} {lo:.0%}–{hi:.0%}）")
        else:
            out.append(f"正常（{what}低于 {lo:.0%}）")
    return out


def write_zone_summary_map(tables: dict[str, pd.DataFrame], path, *, title: str, share_col: str, count_col: str,
                           high: str, what: str, popup_fields: dict[str, str], note: str, store=None,
                           cuts=ZONE_SHARE_CUTS, overwrite: bool = False, basemap: str = "none"):
    """Townships and clusters coloured by a share, their counts in the popup — the map of an audit
    too large to draw parcel by parcel. Drawn by :func:`dcf_spatial.maps.webmap.answer_map`.

    ``tables`` maps ``"township"``/``"cluster"`` to a summary keyed by ``township_zh``/``cluster_zh``
    (one row per zone name; ``count_col`` its parcels, ``share_col`` its share 0–1);
    zones of the layer store without a row are drawn as 不适用（区内无宗地）.
    """
    import geopandas as gpd

    from ..maps.webmap import answer_map
    from .zones import _zone_layer

    frames, outside = [], 0
    for kind, key, level in ZONE_MAP_LEVELS:
        if kind not in tables:
            continue
        table = tables[kind].copy()
        table[key] = table[key].astype(str)
        if kind == "township":
            outside = int(table.loc[table[key] == "（未落入任何区域）", count_col].sum())
        zones, _used, _notes = _zone_layer(kind, store)
        if zones is None:
            continue
        z = zones[["name_zh", zones.geometry.name]].merge(table.rename(columns={key: "name_zh"}), on="name_zh",
                                                           how="left")
        z.insert(0, "level", level)
        frames.append(z)
    if not frames:
        logger.warning("未写出分区汇总地图：图层库中没有镇（街道）或集聚区图层")
        return None
    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry=frames[0].geometry.name, crs=frames[0].crs)
    for c in popup_fields:
        if c in gdf.columns and c != share_col and pd.api.types.is_numeric_dtype(gdf[c]):
            gdf[c] = gdf[c].fillna(0)
            if c.endswith("count") or c in STATUS_ORDER or c in ("total", "parcels"):
                gdf[c] = gdf[c].astype(int)
    share = gdf[share_col].astype(float).where(gdf[count_col] > 0)
    gdf["share_class"] = zone_share_classes(share, high=high, what=what, cuts=cuts)
    gdf["share_pct"] = [None if np.isnan(v) else f"{v:.1%}" for v in share]
    # share_class also titles the legend (answer_map takes the status field's label from the popup)
    popup = {"level": "层级", "name_zh": "名称", "share_class": f"{what}分级", "share_pct": what, **popup_fields}
    if outside:
        note += f"；未落入任何镇街的宗地 {outside:,} 宗不在图上（见 Excel 汇总表）"
    return answer_map(gdf[list(popup) + [gdf.geometry.name]], path, title=title,
                      status_field="share_class", label_field="name_zh", popup_fields=popup, provenance_note=note,
                      basemap=basemap, overwrite=overwrite)


def idle_map_note(layers_used: list[dict], synthetic_short: str) -> str:
    """The idle-audit map's legend note: schematic layers and whether the data is synthetic."""
    schematic = [lay.get("title_zh") or lay["layer_id"] for lay in layers_used if "schematic" in str(lay.get("provenance"))]
    return (("示意图层：" + "、".join(schematic) + "；") if schematic else "") + synthetic_short


def write_idle_parcel_map(result, path, *, as_of, max_features: int, note: str, overwrite: bool = False,
                          basemap: str = "none"):
    """The single engine's idle-audit map: parcels coloured by status, the most urgent drawn first
    (at most ``max_features``; the legend says how many of how many)."""
    from .idle_audit import STATUS_ORDER as ORDER, status_labels

    # 项目名称 after the parcel's code: the name a clerk knows the 供地 by (QA round 11), shown as text
    popup = {k: IDLE_COLUMNS_ZH[k] for k in ("parcel_id", "project_name", "holder", "status_zh", "reason_zh", "fee_wan",
                                              "area_mu", "township_zh", "cluster_zh", "imagery_flag",
                                              "location_method", "place_name", "place_reason", "address")
             if k in result.columns}
    # parcels sharing a point (a ledger placed by names: a town's parcels on its representative point)
    # are one marker each point, coloured by the most serious label, sized by the count; the legend
    # counts parcels as the workbook does (each once; 位置不明, repeats and footers said apart)
    from .map_points import idle_map_features, legend_notes

    features, info = idle_map_features(result, columns=[c for c in popup if c not in ("parcel_id", "status_zh")])
    if "located_zh" in features.columns:   # a marker placed by a name says so first (QA nu #2)
        popup = {**{k: v for k, v in popup.items() if k in ("parcel_id", "status_zh")}, "located_zh": "位置",
                 **{k: v for k, v in popup.items() if k not in ("parcel_id", "status_zh")}}
    if info["shared_points"]:
        # a point's counts and parcels after its name; a parcel of its own keeps its holder and reason
        # (a popup skips the empty cells: a point's fields its parcels do not share)
        popup = {**{k: v for k, v in popup.items() if k in ("parcel_id", "status_zh")},
                 "counts_zh": "各结论宗数", "parcels_zh": "宗地（结论）",
                 **{k: v for k, v in popup.items() if k not in ("parcel_id", "status_zh")}}
        popup["status_zh"] = "审计结论（多宗的点：其中最严重的）"
        if "area_mu" in popup:
            popup["area_mu"] = "宗地面积（亩；多宗的点为合计）"
    note = "；".join([*legend_notes(info), note])
    # the rank from the status's code in ORDER (factorised where the text is held), not a
    # ``Series.map`` of arrow text, which makes a Python object per parcel (at 10⁶ parcels that
    # was the audit's memory peak, during the writes); an unknown status ranks 0, as NaN did
    codes = status_codes(features["status"])  # positions in ORDER (= STATUS_ORDER)
    action_rank = np.where(codes >= 0, len(ORDER) - codes, 0).astype(float)
    priority = action_rank * 1e9 + features["area_mu"].fillna(0).to_numpy(dtype=float)
    priority = np.where(info["drawn"], priority, np.nan)   # a repeat, a footer: not drawn
    return write_answer_map(features, path, title=f"闲置土地审计（基准日 {pd.Timestamp(as_of):%Y-%m-%d}）",
                            status_field="status_zh", popup_fields=popup, max_features=max_features,
                            provenance_note=note, overwrite=overwrite, priority=priority,
                            value_order=[zh for s in MAP_STATUS_ORDER for s2, zh in status_labels() if s2 == s],
                            basemap=basemap, legend_counts=info["legend_counts"], size_field="n_parcels",
                            marked_field="located_zh")


def write_efficiency_parcel_map(audited, latest: pd.DataFrame, class_names_zh: dict[str, str], path, *,
                                max_features: int, note: str, overwrite: bool = False, basemap: str = "none"):
    """The single engine's 亩产效益 map: parcels coloured by their firm's class (latest year), class D first."""
    popup = {"parcel_id": "宗地代码", "project_name": "项目名称", "holder": "土地使用权人", "eff_class_zh": "亩产效益分类",
             "low_efficiency": "低效用地", "status_zh": "闲置审计结论", "area_mu": "面积（亩）"}
    urgency = {"D": 5, "C": 4, "B": 3, "A": 2, "T": 1}
    by_name = {v: k for k, v in class_names_zh.items()}  # the parcel's firm's class, as the parcels carry it
    rank = (audited["eff_class_zh"].astype("string").map(by_name).map(urgency).fillna(0) if "eff_class_zh" in audited.columns
            else pd.Series(0.0, index=audited.index))
    if "low_efficiency" in audited.columns:
        low = audited["low_efficiency"].fillna(False).astype(bool)
        note = (f"宗地按其企业（最近年度）的分类着色，图例数字为宗地数；其中低效用地 {int(low.sum()):,} 宗、"
                f"{audited.loc[low, 'area_mu'].sum():,.1f} 亩（D类企业宗地与闲置土地，点击宗地见“低效用地”）；{note}")
    return write_answer_map(audited, path, title="亩产效益分类（按宗地）与低效用地", status_field="eff_class_zh",
                            popup_fields=popup, max_features=max_features, provenance_note=note, overwrite=overwrite,
                            priority=rank.astype(float) * 1e9 + audited["area_mu"].fillna(0),
                            value_order=[class_names_zh[k] for k in ("D", "B", "A", "C", "T")], basemap=basemap)
