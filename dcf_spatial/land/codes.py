"""Is this code valid? Land-use codes (GB/T 21010-2017 and the 2023 用地用海分类) and the
统一社会信用代码 (GB 32100-2015) checksum.

The code tables are data files (``dcf_spatial/data/land_use_codes_*.csv``). The credit-code
checksum comes from ``python-stdnum`` (``stdnum.cn.uscc``), a well-kept library for exactly this.
"""

from __future__ import annotations

import logging
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
    ``code_problem`` (Chinese, empty when fine). ``attrs["note"]`` says which system was used.
    The lookup is done once per distinct code.
    """
    index_of, uniques = pd.factorize(codes.to_numpy(dtype=object), use_na_sentinel=True)
    # one extra "missing" entry at the end, taken by the empty cells (factorize code -1)
    uniq = pd.Series(list(uniques) + [None], dtype=object)
    note = ""
    if system == "auto":
        system, note = detect_code_system(uniq)
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
    take = np.where(index_of >= 0, index_of, len(uniq) - 1)
    out = u.iloc[take].reset_index(drop=True)
    out.index = codes.index
    out.insert(2, "code_system", system)
    out["construction"] = out["construction"].astype("boolean")
    out["industrial"] = out["industrial"].astype("boolean")
    out["code_valid"] = out["code_valid"].astype(bool)
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
    lut = np.full(256, -1, dtype=np.int64)
    lut[np.frombuffer(_USCC_ALPHABET.encode("ascii"), dtype=np.uint8)] = np.arange(len(_USCC_ALPHABET))
    vals = lut[buf]
    digits = ((buf[:, :8] >= ord("0")) & (buf[:, :8] <= ord("9"))).all(axis=1)
    check = (31 - (vals[:, :17] * _USCC_WEIGHTS).sum(axis=1) % 31) % 31
    out[ok] = (vals >= 0).all(axis=1) & digits & (vals[:, 17] == check)
    return out


def credit_code_valid(codes: pd.Series) -> pd.Series:
    """True where the value is an 18-character 统一社会信用代码 with a correct check character
    (GB 32100-2015, the rule of ``stdnum.cn.uscc``); False where present but wrong; NA where empty."""
    index_of, uniques = pd.factorize(codes.to_numpy(dtype=object), use_na_sentinel=True)
    text = pd.Series(uniques, dtype=object).astype(str).str.strip().str.upper()
    texts = text.to_numpy(dtype=object)
    verdict = _uscc_valid_array(texts)  # once per distinct code
    empty = text.isin(["", "NAN", "NONE", "<NA>"]).to_numpy(dtype=bool)
    values = np.where(index_of >= 0, verdict[np.clip(index_of, 0, None)] if len(verdict) else False, False)
    missing = (index_of < 0) | (empty[np.clip(index_of, 0, None)] if len(empty) else True)
    return pd.Series(pd.array(np.where(missing, None, values), dtype="boolean"), index=codes.index)


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
