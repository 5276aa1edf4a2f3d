"""Whether the input is synthetic: the flag and the Chinese sentences every output repeats.

Both engines and every writer take these from here (they used to live in ``workflow``, which
made ``outputs`` and ``workflow`` import each other).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def synthetic_flags(df) -> np.ndarray:
    """True where the row's ``synthetic`` column says so (bool, 1, "True", "是" …).

    Parameters
    ----------
    df
        Any (Geo)DataFrame; without a ``synthetic`` column every row is False.

    Returns
    -------
    numpy.ndarray
        One bool per row.

    Examples
    --------
    >>> synthetic_flags(pd.DataFrame({"synthetic": ["是", "0"]})).tolist()
    [True, False]
    """
    if "synthetic" not in df.columns:
        return np.zeros(len(df), dtype=bool)
    # once per distinct value (a column of few), not a text per row: the outputs ask several times
    codes, uniq = pd.factorize(df["synthetic"], use_na_sentinel=True)
    s = pd.Series(np.asarray(uniq, dtype=object), dtype=object).astype("string").str.strip().str.lower()
    yes = np.append(s.isin(["true", "1", "1.0", "yes", "是"]).to_numpy(dtype=bool), False)  # last: missing
    return yes[np.where(codes >= 0, codes, len(uniq))]


def synthetic_note(df) -> str:
    """Whether the input is the synthetic sample — said in every output.

    Parameters
    ----------
    df
        The input rows (their ``synthetic`` column, if any, is read).

    Returns
    -------
    str
        One Chinese note paragraph.

    Examples
    --------
    >>> synthetic_note(pd.DataFrame({"synthetic": [True]})).startswith("【合成数据】")
    True
    """
    flags = synthetic_flags(df)
    if flags.any():
        n = int(flags.sum())
        return (f"【合成数据】输入中 {n:,} 条记录标记为合成数据（synthetic=True）：宗地、权利人、信用代码、日期与金额均为程序生成的"
                "虚构样例，不是真实宗地或企业，仅供演示与测试。")
    return "输入数据未标记为合成数据（如为真实数据，结果以自然资源部门核定为准）。"


def synthetic_count_note(n: int) -> str:
    """:func:`synthetic_note` for ``n`` synthetic rows counted elsewhere (the dask partitions)."""
    return synthetic_note(pd.DataFrame({"synthetic": np.ones(n, dtype=bool)}))


def short_synthetic(df_or_count) -> str:
    """The map legend's one-line data note, from the rows or from a count of synthetic rows."""
    synthetic = df_or_count > 0 if isinstance(df_or_count, (int, np.integer)) else synthetic_flags(df_or_count).any()
    return "数据为合成数据（程序生成的样例，非真实）" if synthetic else "数据未标记为合成数据"
