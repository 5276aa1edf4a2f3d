"""An extension written as a sentence: 延期情况 “因政府规划调整延期至2023年4月1日”.

A ledger's 延期情况/延期至 column often holds the cause and the new start date in one sentence. The
audit needs both: 《闲置土地处置办法》（国土资源部令第53号）第十二条第（一）项 allows an extension only for the
causes of 第八条 (government acts, 第一款（一）至（六）; force majeure, 第二款), and caps it at one year from
the agreed start. This module reads the sentence into a date (the ``extension_until`` value) and a cause
(the ``gov_cause`` value, when the ledger gave none), and says what it could not read.

Hand-written: a handful of Chinese sentence patterns no date or NLP library reads; the cause words are
those of 第八条 itself (交付土地、规划修改、国家政策、信访、军事管制、文物保护、政府行为、不可抗力、自然灾害),
plus 征收/拆迁 (a government act, 第八条第一款第（六）项).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: a date inside a sentence: 2023年4月1日, 2023-4-1, 2023/4/1, 2023.4.1, or 2023年4月 (a month)
_DATE = re.compile(r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])?\s*(?:(\d{1,2})\s*[日号]?)?")
#: the words before the new date: 延期至, 延至, 延长至, 顺延至, 推迟至, 调整为 …
_TO = re.compile(r"(延期|延长|顺延|推迟|推延|延)(动工|开工)?(期限|日期|时间)?(至|到|为)")
#: 第八条第一款 (government acts) and 第二款 (force majeure), by their words; the item each stands for
GOV_WORDS = (("交地", "（一）"), ("交付", "（一）"), ("未供地", "（一）"), ("规划", "（二）"), ("政策", "（三）"),
             ("信访", "（四）"), ("军事", "（五）"), ("文物", "（五）"), ("征收", "（六）"), ("拆迁", "（六）"),
             ("政府", "（六）"), ("部门", "（六）"))
FORCE_WORDS = ("不可抗力", "自然灾害", "地震", "洪水", "洪涝")
#: causes of the holder's own (not 第八条): an extension for them is not honoured
OWN_WORDS = ("企业", "资金", "自身", "经营", "融资", "市场", "公司原因", "个人原因")


@dataclass(frozen=True)
class ExtensionText:
    """What a sentence says of an extension: ``date`` (text the date parser reads, or ""), ``cause``
    (``"government"``, ``"force_majeure"``, ``"own"`` or ``""``), ``cause_words`` (the words found)."""

    text: str
    date: str = ""
    cause: str = ""
    cause_words: str = ""
    item: str = ""


def read_extension_text(text) -> ExtensionText:
    """Read the new start date and the cause from an extension sentence.

    Parameters
    ----------
    text
        A 延期情况/延期至 cell: ``"因政府规划调整延期至2023年4月1日"``, ``"不可抗力，延至2023.5"``.

    Returns
    -------
    ExtensionText
        ``date`` is the date after 延期至/延至/… (or the only date of the sentence), as typed
        (``"2023年4月1日"``; a month only stays a month, read as the other month dates are); ``cause``
        is ``government`` (第八条第一款), ``force_majeure`` (第八条第二款), ``own`` (the holder's own, e.g.
        企业资金困难: not a 第八条 cause) or ``""`` (none said).

    Examples
    --------
    >>> r = read_extension_text("因政府规划调整延期至2023年4月1日")
    >>> r.date, r.cause, r.cause_words
    ('2023年4月1日', 'government', '规划、政府')
    >>> read_extension_text("企业资金困难，申请延期一年").cause, read_extension_text("企业资金困难，申请延期一年").date
    ('own', '')
    """
    s = "" if text is None or (isinstance(text, float) and text != text) else str(text).strip()
    dates = list(_DATE.finditer(s))
    date = ""
    to = _TO.search(s)
    chosen = [m for m in dates if to and m.start() >= to.end()][:1] or (dates if len(dates) == 1 else [])
    if chosen:
        m = chosen[0]
        date = f"{m.group(1)}年{int(m.group(2))}月" + (f"{int(m.group(3))}日" if m.group(3) else "")
    force = [w for w in FORCE_WORDS if w in s]
    gov = [(w, item) for w, item in GOV_WORDS if w in s]
    own = [w for w in OWN_WORDS if w in s]
    if force:
        return ExtensionText(s, date, "force_majeure", "、".join(force), "第二款")
    if gov:
        return ExtensionText(s, date, "government", "、".join(w for w, _ in gov),
                             "第一款第" + "、".join(dict.fromkeys(item for _, item in gov)) + "项")
    if own:
        return ExtensionText(s, date, "own", "、".join(own))
    return ExtensionText(s, date)


def read_extension_column(out, problems: np.ndarray, append, label: str, cause_label: str, *, parse_dates) -> int:
    """Replace the sentences of ``out["extension_until"]`` by the dates they give, in place, before the
    date column is parsed; fill ``gov_cause`` from a 第八条 cause where the ledger gives none; append to
    ``problems`` what was read and what could not be. Returns the number of sentences read. ``append`` and
    ``parse_dates`` are the ledger reader's (:mod:`dcf_spatial.land.parcels`, passed in: that module calls this one).

    A sentence with a date and a 第八条 cause is an extension (capped by the audit at one year, 第十二条第（一）
    项); with a date and no cause, or the holder's own cause, the date is kept and the audit does not honour
    it (it says so); with no date it stays as typed (unreadable as a date: 数据不足, asking for the date).

    Examples
    --------
    >>> o = pd.DataFrame({"extension_until": ["因政府规划调整延期至2023年4月1日", "2023-01-01", None]})
    >>> p = np.full(3, "", dtype=object)
    >>> from dcf_spatial.land.parcels import _append_problem, parse_dates
    >>> read_extension_column(o, p, _append_problem, "延期情况", "政府原因", parse_dates=parse_dates)
    1
    >>> o["extension_until"].tolist()[:2], o["gov_cause"].tolist()[0]
    (['2023年4月1日', '2023-01-01'], '延期情况所述：规划、政府（第八条第一款第（二）、（六）项）')
    """
    def _blank_to_na(values):   # blanks and whitespace-only cells are no value
        return values.astype(object).where(~values.isna() & (values.astype(str).str.strip() != ""), None)

    if "extension_until" not in out.columns or pd.api.types.is_datetime64_any_dtype(out["extension_until"]):
        return 0
    raw = _blank_to_na(out["extension_until"])
    _, bad, _ = parse_dates(raw, months=True)
    rows = np.flatnonzero(bad.to_numpy())
    if not len(rows):
        return 0
    values = raw.to_numpy(dtype=object).copy()
    cause = (_blank_to_na(out["gov_cause"]).to_numpy(dtype=object).copy() if "gov_cause" in out.columns
             else np.full(len(out), None, dtype=object))
    said = np.full(len(out), "", dtype=object)
    read = 0
    for i in rows:
        r = read_extension_text(values[i])
        quoted = f"{label}“{r.text}”"
        if not r.date:
            if r.cause == "own":   # not a 第八条 cause: no extension whatever its date, so none is read (counted from 约定)
                values[i] = None
            said[i] = (f"{quoted}中没有可识别的延期日期（“延期至某年某月某日”），未作为延期"
                       + ("；所述原因（" + r.cause_words + "）属使用权人自身原因，不属第八条情形，即使有日期也不予延期（第十二条第（一）项），自约定动工日期起算"
                          if r.cause == "own" else "；请填写补充协议约定的新动工开发日期"))
            continue
        read += 1
        values[i] = r.date
        if r.cause in ("government", "force_majeure"):
            if cause[i] is None:
                cause[i] = (f"延期情况所述：{r.cause_words}（第八条{r.item}）" if r.cause == "government"
                            else f"不可抗力（延期情况所述：{r.cause_words}）")
            said[i] = f"{quoted}读作：延期至 {r.date}，原因“{r.cause_words}”属第八条{r.item}情形（待审核属实）"
        elif r.cause == "own":
            said[i] = (f"{quoted}读作：延期至 {r.date}；所述原因（{r.cause_words}）属使用权人自身原因，不属第八条情形，"
                       "依第十二条第（一）项该延期不予认可")
        else:
            said[i] = f"{quoted}读作：延期至 {r.date}；未写明原因（{cause_label}列也未记录），延期是否属第八条情形待核实"
    out["extension_until"] = pd.Series(values, index=out.index, dtype=object)
    out["gov_cause"] = pd.Series(cause, index=out.index, dtype=object)
    append(problems, said != "", said)
    return read
