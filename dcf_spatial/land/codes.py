"""Is this code valid? Land-use codes (GB/T 21010-2017 and the 2023 用地用海分类) and the
统一社会信用代码 (GB 32100-2015) checksum.

The code tables are data files (``dcf_spatial/data/land_use_codes_*.csv``). The credit-code
checksum comes from ``python-stdnum`` (``stdnum.cn.uscc``), a well-kept library for exactly this.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import settings
from ..errors import InputError

logger = logging.getLogger(__name__)

#: system key -> (data file, Chinese name of the classification)
CODE_SYSTEMS = {
    "2017": ("land_use_codes_gbt21010_2017.csv", "GB/T 21010-2017《土地利用现状分类》"),
    "2023": ("land_use_codes_2023.csv", "《国土空间调查、规划、用途管制用地用海分类指南》（2023）"),
}


@lru_cache(maxsize=None)
def code_table(system: str) -> pd.DataFrame:
    """The code table of ``system`` ("2017" or "2023"), indexed by code."""
    if system not in CODE_SYSTEMS:
        raise InputError(f"未知的用地分类体系 {system!r}；请用 {', '.join(CODE_SYSTEMS)} 之一"
                         "（2017 = GB/T 21010-2017，2023 = 用地用海分类）。")
    path = settings.data_dir / CODE_SYSTEMS[system][0]
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in ("construction", "industrial"):
        table[col] = table[col].str.lower().eq("true")
    return table.set_index("code")


#: old GB/T 21010-2007 second-level codes → GB/T 21010-2017 (data file; each row 待核实 against the standard texts)
CODES_2007_FILE = "land_use_codes_gbt21010_2007_to_2017.csv"


@lru_cache(maxsize=1)
def codes_2007() -> pd.DataFrame:
    """The GB/T 21010-2007 → 2017 table (``code_2007`` index: ``name_2007``, ``code_2017``, ``note``)."""
    return pd.read_csv(settings.data_dir / CODES_2007_FILE, dtype=str, keep_default_na=False).set_index("code_2007")


def translate_2007_code(value) -> tuple[str | None, str]:
    """An old GB/T 21010-2007 code (three digits with a leading zero, e.g. ``061``) → (2017 code, note).

    Returns ``(None, "")`` when ``value`` is not such a code; ``(None, note)`` when it is one with
    no single 2017 counterpart (the note says which). Codes ``1xx`` of 2007 are not translated:
    ``101`` is just as likely a 2017 ``0101`` whose leading zero a spreadsheet dropped.

    Examples
    --------
    >>> translate_2007_code("061")
    ('0601', '旧标准 GB/T 21010-2007 编码“061”（工业用地）已按 GB/T 21010-2017 译为“0601”（待核实）')
    """
    text = "" if value is None or value != value else str(value).strip()
    table = codes_2007()
    if not (len(text) == 3 and text.startswith("0") and text in table.index):
        return None, ""
    row = table.loc[text]
    extra = f"；{row['note']}" if row["note"] else ""
    if not row["code_2017"]:
        return None, f"旧标准 GB/T 21010-2007 编码“{text}”（{row['name_2007']}）无法唯一译为 2017 编码{extra}"
    return row["code_2017"], (f"旧标准 GB/T 21010-2007 编码“{text}”（{row['name_2007']}）已按 GB/T 21010-2017 "
                              f"译为“{row['code_2017']}”{extra}（待核实）")


#: the classifications as a note names them in short (the codes taken from names), each followed by Chinese
#: words (编码, 的地类名称): the Latin name with its space, the Chinese one without
CODE_SYSTEM_SHORT_ZH = {"2017": "GB/T 21010-2017 ", "2023": "2023 年用地用海分类"}


def codes_from_names(names: pd.Series, system: str = "2017") -> tuple[pd.Series, pd.Series]:
    """Land-use names (土地用途 of a 供地 table: 工业用地, 仓储用地 …) → codes of ``system`` ("2017", GB/T 21010-2017,
    or "2023", the 用地用海分类 the ledger's codes follow: 工业用地 is 0601 in the one and 1001 in the other, and
    0601 of 2023 is 农村道路).

    An exact name of ``system`` gives its code; else the longest name the value ends with
    (``一类工业用地`` → 0601 工业用地 of 2017, 100101 of 2023; ``城镇住宅-普通商品住房用地`` → 0701, the part before
    “-” + 用地); else, for 2017, the old 2007 name (``公共设施用地`` → 0809 through the 2007 table). Returns
    ``(codes, notes)`` indexed like ``names`` (code None and a note when not found).

    Examples
    --------
    >>> codes_from_names(pd.Series(["工业用地", "二类工业用地", "火星用地"]))[0].tolist()
    ['0601', '0601', None]
    >>> codes_from_names(pd.Series(["工业用地", "二类工业用地", "仓储用地"]), "2023")[0].tolist()
    ['1001', '100102', '11']
    """
    table = code_table(system)
    short = CODE_SYSTEM_SHORT_ZH[system]
    by_name = {n: c for c, n in zip(table.index, table["name_zh"]) if len(c) >= 2}
    # the 2007 names map to 2017 codes only (the 2007 → 2017 table)
    by_name_2007 = {r["name_2007"]: r["code_2017"] for _, r in codes_2007().iterrows() if r["code_2017"]} \
        if system == "2017" else {}
    ordered = sorted(by_name, key=len, reverse=True)

    def one(v):
        if v is None or v != v or not str(v).strip():
            return None, ""
        t = re.sub(r"\s+", "", str(v))
        if re.fullmatch(r"[0-9][0-9A-Za-z]{1,5}", t):  # a code in the use column: 061 (2007) or 0601
            old, why = translate_2007_code(t)
            return (old, why) if why else (t, "")
        if t in by_name:
            return by_name[t], ""
        if t + "用地" in by_name:   # clerks' shorthand: 工业 for 工业用地, 仓储 for 仓储用地 (QA user F7)
            c = by_name[t + "用地"]
            return c, f"土地用途“{t}”{SHORTHAND_ZH}，按“{t}用地”取 {short}编码 {c}（待核实；请在台账中填写地类全称或编码）"
        if "-" in t or "—" in t:
            head = re.split(r"[-—]", t)[0]
            cand = head if head.endswith("用地") else head + "用地"
            if cand in by_name:
                return by_name[cand], f"土地用途“{t}”按“{cand}”取 {short}编码 {by_name[cand]}"
        for n in ordered:
            if t.endswith(n) and len(n) >= 3:
                return by_name[n], f"土地用途“{t}”按“{n}”取 {short}编码 {by_name[n]}"
        if t in by_name_2007:
            c = by_name_2007[t]
            return c, f"土地用途“{t}”为 GB/T 21010-2007 名称，按 2017 编码 {c}（{table.at[c, 'name_zh']}）计（待核实）"
        guess = "、".join(f"“{n}”（{by_name[n]}）" for n in name_guesses(t, ordered))
        return None, f"土地用途“{t}”不是 {short}的地类名称，无法确定地类编码" + (f"（是否指{guess}？）" if guess else "")

    idx, uniq = pd.factorize(names.to_numpy(dtype=object), use_na_sentinel=True)
    res = [one(u) for u in uniq] + [(None, "")]
    take = np.where(idx >= 0, idx, len(res) - 1)
    return (pd.Series([res[k][0] for k in take], index=names.index, dtype=object),
            pd.Series([res[k][1] for k in take], index=names.index, dtype=object))


#: what a land-use note says of a name read as its shorthand (工业 → 工业用地): the row carries that note
SHORTHAND_ZH = "为地类名称的简称"


def name_guesses(text: str, names, *, most: int = 3) -> list[str]:
    """The land-use names ``text`` may mean (for a 是否指… suggestion): those whose stem (the name without
    its 用地) is in ``text`` or that contain it, shortest (the most general) first, else the close spellings (:mod:`difflib`); at most ``most``.

    Examples
    --------
    >>> name_guesses("工业厂房", ["工业用地", "采矿用地", "零售商业用地"]), name_guesses("商业", ["零售商业用地", "工业用地"])
    (['工业用地'], ['零售商业用地'])
    >>> name_guesses("火星用地", ["工业用地", "零售商业用地"])
    []
    """
    import difflib

    names = list(names)
    hits = [n for n in names if (len(n.removesuffix("用地")) >= 2 and n.removesuffix("用地") in text) or text in n]
    return (sorted(hits, key=len) or difflib.get_close_matches(text, names, n=most, cutoff=0.75))[:most]


def normalize_land_use_codes(codes: pd.Series) -> pd.Series:
    """Strip blanks and a trailing ``.0`` that spreadsheets add; keep leading zeros; upper-case."""
    s = codes.astype("string").str.strip().str.upper()
    s = s.str.replace(r"\.0$", "", regex=True)
    # A spreadsheet that stored 0601 as a number gives "601": restore the leading zero.
    s = s.mask(s.str.fullmatch(r"\d{3}|\d{5}|\d"), "0" + s)
    return s.replace("", pd.NA)


def detect_code_system(codes: pd.Series) -> tuple[str, str]:
    """Guess the classification of a whole column: ("2017"|"2023", note in Chinese).

    Codes valid in only one system decide it; when every code is valid in both (e.g. ``0601``,
    which is 工业用地 in 2017 but 农村道路 in 2023) the default is 2017 and the note says so.
    """
    s = normalize_land_use_codes(codes).dropna().unique()
    in17 = pd.Index(s).isin(code_table("2017").index)
    in23 = pd.Index(s).isin(code_table("2023").index)
    only17, only23 = int((in17 & ~in23).sum()), int((in23 & ~in17).sum())
    if only23 > only17:
        return "2023", f"地类编码按{CODE_SYSTEMS['2023'][1]}识别（{only23}种编码仅见于该分类）"
    if only17 > 0:
        return "2017", f"地类编码按{CODE_SYSTEMS['2017'][1]}识别（{only17}种编码仅见于该分类）"
    return "2017", (f"地类编码无法区分两种分类，默认按{CODE_SYSTEMS['2017'][1]}解读；"
                    "如为2023用地用海分类请指定 --code-system 2023")


def validate_land_use_codes(codes: pd.Series, *, system: str = "auto") -> pd.DataFrame:
    """Look up each code; return a frame indexed like ``codes``.

    Columns: ``land_use_code`` (normalised), ``land_use_name``, ``code_system``,
    ``construction`` (bool, NA when unknown), ``industrial``, ``code_valid`` (bool),
    ``code_problem`` (Chinese, empty when fine), ``code_note`` (an old GB/T 21010-2007 code
    translated, e.g. ``061`` → ``0601``, see :func:`translate_2007_code`). ``attrs["note"]`` says
    which system was used.
    The lookup is done once per distinct code.
    """
    # text held by arrow is factorised there, without a Python string per row
    index_of, uniques = pd.factorize(codes if isinstance(codes.dtype, pd.StringDtype) else codes.to_numpy(dtype=object),
                                     use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    # old GB/T 21010-2007 codes (061 …) translated to 2017 before the lookup, with a note per row
    translated = [translate_2007_code(u) for u in uniques]
    old_note = np.array([t[1] for t in translated] + [""], dtype=object)
    uniques = [t[0] if t[1] else u for u, t in zip(uniques, translated)]
    # one extra "missing" entry at the end, taken by the empty cells (factorize code -1)
    uniq = pd.Series(list(uniques) + [None], dtype=object)
    note = ""
    if system == "auto":
        system, note = detect_code_system(uniq)
    if any(old_note != "") and system != "2017":
        system, note = "2017", "含 GB/T 21010-2007 旧编码，已译为 GB/T 21010-2017 编码后按 2017 分类校验"
    table = code_table(system)
    norm = normalize_land_use_codes(uniq)
    known = norm.isin(table.index).to_numpy()
    looked = table.reindex(norm.fillna("").to_numpy())
    u = pd.DataFrame({
        "land_use_code": norm.astype(object).where(norm.notna(), None).to_numpy(),
        "land_use_name": looked["name_zh"].to_numpy(dtype=object),
        "construction": np.where(known, looked["construction"].fillna(False).to_numpy(dtype=object), None),
        "industrial": np.where(known, looked["industrial"].fillna(False).to_numpy(dtype=object), None),
        "code_valid": known,
        "code_problem": np.where(known, "", np.where(norm.isna().to_numpy(), "地类编码为空",
                                 ("地类编码“" + norm.fillna("").astype(str) + "”不在" + CODE_SYSTEMS[system][1] + "中")
                                 .to_numpy(dtype=object))),
    })
    untranslatable = (old_note != "") & norm.isna().to_numpy()
    u["code_problem"] = np.where(untranslatable, old_note + "：请给出 GB/T 21010-2017 编码", u["code_problem"].to_numpy())
    u["code_note"] = old_note
    take = np.where(index_of >= 0, index_of, len(uniq) - 1)
    # the yes/no columns typed once per distinct code, then every column taken by the rows' codes
    # (a take of the object frame, then ``astype("boolean")`` of 10⁶ Python objects, ~0.3 s at 10⁶)
    u["construction"] = u["construction"].astype("boolean")
    u["industrial"] = u["industrial"].astype("boolean")
    u["code_valid"] = u["code_valid"].astype(bool)
    out = pd.DataFrame({c: u[c].take(take).to_numpy() if u[c].dtype == object else u[c].array.take(take)
                        for c in u.columns}, index=codes.index)
    out.insert(2, "code_system", system)
    out.attrs["note"] = note or f"地类编码按{CODE_SYSTEMS[system][1]}校验"
    return out


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 (no I, O, S, V, Z)
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])


def _uscc_valid_array(codes: np.ndarray) -> np.ndarray:
    # The same rule as stdnum.cn.uscc.validate (length, 8 leading digits, alphabet, check
    # character), vectorised with numpy: stdnum checks one string at a time (~50 µs), which
    # dominates an audit of 10⁶ parcels. tests/test_idle_audit.py cross-checks it with stdnum.
    ok = pd.Series(codes, dtype=object).astype(str).str.fullmatch(r"[0-9A-Z]{18}").to_numpy(dtype=bool)
    out = np.zeros(len(codes), dtype=bool)
    if not ok.any():
        return out
    buf = np.frombuffer("".join(codes[ok]).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
    out[ok] = _uscc_check(buf)
    return out


def _uscc_check(buf: np.ndarray) -> np.ndarray:
    """The GB 32100-2015 check of codes already 18 characters of ``[0-9A-Z]``, one per row of ``buf``
    (their ASCII bytes, shape (n, 18)): alphabet, 8 leading digits and the check character."""
    # int16 values (at most 30 × 28 per weighted character) and 100,000 codes at a time: at 10⁶ codes
    # an int64 table of every character and its weighted copy were ~0.3 GB at the audit's memory peak
    lut = np.full(256, -1, dtype=np.int16)
    lut[np.frombuffer(_USCC_ALPHABET.encode("ascii"), dtype=np.uint8)] = np.arange(len(_USCC_ALPHABET))
    weights = np.asarray(_USCC_WEIGHTS, dtype=np.int16)
    out = np.empty(len(buf), dtype=bool)
    for lo in range(0, len(buf), _USCC_BLOCK):
        part = buf[lo:lo + _USCC_BLOCK]
        vals = lut[part]
        digits = ((part[:, :8] >= ord("0")) & (part[:, :8] <= ord("9"))).all(axis=1)
        check = (31 - (vals[:, :17] * weights).sum(axis=1, dtype=np.int32) % 31) % 31
        out[lo:lo + _USCC_BLOCK] = (vals >= 0).all(axis=1) & digits & (vals[:, 17] == check)
    return out


#: codes checked at a time by :func:`_uscc_check`
_USCC_BLOCK = 100_000


def credit_code_valid(codes: pd.Series) -> pd.Series:
    """True where the value is an 18-character 统一社会信用代码 with a correct check character
    (GB 32100-2015, the rule of ``stdnum.cn.uscc``); False where present but wrong; NA where empty."""
    arrow = _credit_code_valid_arrow(codes)
    if arrow is not None:
        return arrow
    # arrow-backed text is factorised by arrow (no Python string per row, only per distinct code)
    index_of, uniques = pd.factorize(codes if isinstance(codes.dtype, pd.StringDtype) else codes.to_numpy(dtype=object),
                                     use_na_sentinel=True)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype(str).str.strip().str.upper()
    texts = text.to_numpy(dtype=object)
    verdict = _uscc_valid_array(texts)  # once per distinct code
    empty = text.isin(["", "NAN", "NONE", "<NA>"]).to_numpy(dtype=bool)
    values = np.where(index_of >= 0, verdict[np.clip(index_of, 0, None)] if len(verdict) else False, False)
    missing = (index_of < 0) | (empty[np.clip(index_of, 0, None)] if len(empty) else True)
    return pd.Series(pd.array(np.where(missing, None, values), dtype="boolean"), index=codes.index)


#: the characters Python's ``str.strip()`` removes (``"".join(c for c in all characters if c.isspace())``),
#: for arrow's trim (:func:`dcf_spatial.land.parcels._clean_text` uses the same)
_PY_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007" \
                 "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def _credit_code_valid_arrow(codes: pd.Series):
    """:func:`credit_code_valid` of arrow-backed text, in arrow: stripped, upper-cased and matched by
    arrow's kernels, the bytes of the 18-character codes checked as one numpy block — no Python
    string per row or per distinct code (at 10⁶ parcels, all codes distinct, the factorisation and
    one Python string per code were ~0.5 s). ``None`` for any other column (the general way)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = getattr(codes.array, "_pa_array", None)
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    text = pc.utf8_upper(pc.utf8_trim(arr, characters=_PY_WHITESPACE))
    missing = pc.or_(pc.is_null(text), pc.fill_null(pc.is_in(text, value_set=pa.array(["", "NAN", "NONE", "<NA>"],
                                                                                    type=text.type)), False))
    ok = pc.fill_null(pc.match_substring_regex(text, r"^[0-9A-Z]{18}$"), False)
    values = np.zeros(len(text), dtype=bool)
    okn = ok.to_numpy(zero_copy_only=False)
    if okn.any():
        picked = pc.filter(text, ok)
        wide = pa.types.is_large_string(picked.type)
        offsets = np.frombuffer(picked.buffers()[1], dtype=np.int64 if wide else np.int32)
        offsets = offsets[picked.offset:picked.offset + len(picked) + 1]
        data = np.frombuffer(picked.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
        values[okn] = _uscc_check(data.reshape(-1, 18))  # each exactly 18 ASCII bytes, one after another
    return pd.Series(pd.arrays.BooleanArray(values, missing.to_numpy(zero_copy_only=False).astype(bool)),
                     index=codes.index)


def make_credit_code(region6: str, org_body8: str, *, authority: str = "9", kind: str = "1") -> str:
    """Build a checksum-valid 统一社会信用代码 from its parts (used by the synthetic sample).

    The organisation code (characters 9–17) is ``org_body8`` plus its GB 11714 check character;
    character 18 is the GB 32100 check character computed by ``stdnum``.
    """
    from stdnum.cn import uscc

    org = org_body8 + _gb11714_check(org_body8)
    body = f"{authority}{kind}{region6}{org}"
    return body + uscc.calc_check_digit(body)


def _gb11714_check(body8: str) -> str:
    # GB 11714 organisation-code check character; stdnum has no module for it, and it is 3 lines.
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    c = 11 - sum(alphabet.index(ch) * w for ch, w in zip(body8, weights)) % 11
    return {10: "X", 11: "0"}.get(c, str(c))
