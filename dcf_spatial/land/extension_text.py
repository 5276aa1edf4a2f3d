"""An extension written as a sentence: 延期情况 “因政府规划调整延期至2023年4月1日”.

A ledger's 延期情况/延期至 column often holds the cause and the new start date in one sentence. The
audit needs both: 《闲置土地处置办法》（国土资源部令第53号）第十二条第（一）项 allows an extension only for the
causes of 第八条 (government acts, 第一款（一）至（六）; force majeure, 第二款), and caps it at one year from
the agreed start. This module reads the sentence into a date (the ``extension_until`` value) and a cause
(the ``gov_cause`` value, when the ledger gave none), and says what it could not read.

Hand-written: a handful of Chinese sentence patterns no date or NLP library reads; the cause words are
those of 第八条 itself (交付土地、规划修改、国家政策、信访、军事管制、文物保护、政府行为、不可抗力、自然灾害),
plus 征收/拆迁 (a government act, 第八条第一款第（六）项).

The same sentence in the ledger's 备注 (or 说明/情况说明) column (QA nu #3): the ledger is the bureau's own
record, and 第八条/第十二条 rest on the facts it records, not on the column a clerk typed them in. Ignoring
“因政府规划调整延期至2024年4月1日” under 备注 made the row 疑似闲置满两年 with a 无偿收回 suggestion and a potential
土地闲置费 that 第八条 and 第十四条 exclude when the sentence is true — a finding no auditor could sign. So
(:func:`remark_extensions`):

* a 备注 sentence that states an extension — an extension word and a date after it (延期至/延至/顺延至 …
  2024年4月1日) — on a row whose 延期情况 is blank is read exactly as that column is (date, 第八条 cause, capped
  at one year, 待审核属实); the cause says it was taken from 备注 (``备注所述：…``), so the row's reason does;
* a 备注 that only names a 第八条 cause (政府、规划、不可抗力 …) without such an extension is *not* taken as the
  cause — free text may name 规划 or 部门 for other reasons — but the row is marked 需核实 in its 数据问题 with the
  sentence quoted, so that no fee or 收回 suggestion goes out without the question put to the auditor;
* a 备注 extension on a row whose 延期情况 has its own value is not used (the column wins) and is quoted for checking.
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


#: headers of a ledger's free-text column where a clerk writes what the other columns do not hold
#: (compared as headers are: full-width and spaces ignored); only a column no alias read as a field
REMARK_HEADERS = ("备注", "说明", "情况说明", "备注说明", "其他说明", "附注", "备注栏", "备注信息")


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


def states_extension(text) -> bool:
    """Does a free-text cell state an extension: an extension word (延期至/延至/顺延至/推迟至 …) and a date after it?

    Examples
    --------
    >>> states_extension("因政府规划调整延期至2024年4月1日"), states_extension("规划部门已批复（2023年5月）")
    (True, False)
    >>> states_extension("企业申请延期")
    False
    """
    s = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    to = _TO.search(s)
    return bool(to) and any(m.start() >= to.end() for m in _DATE.finditer(s))


@dataclass
class RemarkReading:
    """What :func:`remark_extensions` found in a ledger's 备注 columns: per row the column an extension was
    taken from (``""`` none), the notes for the reading note, and the columns looked at."""

    source: np.ndarray
    notes: list
    read_columns: list


def remark_extensions(out, frame, problems: np.ndarray, append, *, label: str) -> RemarkReading:
    """An extension written in the ledger's 备注 (说明, 情况说明 …) column, read as the 延期情况 column is
    (see the module's text for why): where a row's ``extension_until`` is blank and its 备注 states an
    extension (:func:`states_extension`), the sentence is put in ``extension_until``, in place, for
    :func:`read_extension_column` to read with the 备注 named as its source; a 备注 that names a 第八条 cause
    without an extension marks the row 需核实 in ``problems``, quoting it; a 备注 extension beside a 延期情况
    of its own is quoted for checking. ``label`` names the 延期情况 column in messages.

    Parameters
    ----------
    out
        The parcels being validated (canonical fields; the input's own columns kept).
    frame
        The rows as read (``attrs``: ``input_columns``, ``field_sources``).

    Examples
    --------
    >>> o = pd.DataFrame({"备注": ["因政府规划调整延期至2024年4月1日", "受疫情及政府规划调整影响", None],
    ...                   "extension_until": [None, None, None], "gov_cause": [None, None, None]})
    >>> o.attrs["input_columns"] = ["备注"]
    >>> p = np.full(3, "", dtype=object)
    >>> from dcf_spatial.land.parcels import _append_problem
    >>> r = remark_extensions(o, o, p, _append_problem, label="延期情况")
    >>> r.source.tolist(), o["extension_until"].tolist()[0]
    (['备注', '', ''], '因政府规划调整延期至2024年4月1日')
    >>> "需核实" in p[1]
    True
    """
    from ..io.aliases import _norm

    n = len(out)
    source = np.full(n, "", dtype=object)
    sources = frame.attrs.get("field_sources") or {}
    taken = {str(c) for c in sources.values()}
    wanted = {_norm(h) for h in REMARK_HEADERS}
    columns = [c for c in (frame.attrs.get("input_columns") or []) if _norm(c) in wanted and str(c) not in taken
               and c in out.columns]
    if not columns or "extension_until" not in out.columns:
        return RemarkReading(source, [], [])
    ext = out["extension_until"]
    ext_blank = (ext.isna() | (ext.astype(str).str.strip() == "")).to_numpy(dtype=bool) \
        if not pd.api.types.is_datetime64_any_dtype(ext) else ext.isna().to_numpy(dtype=bool)
    cause = out["gov_cause"] if "gov_cause" in out.columns else pd.Series([None] * n, index=out.index)
    cause_blank = (cause.isna() | (cause.astype(str).str.strip() == "")).to_numpy(dtype=bool)
    values = ext.astype(object).to_numpy().copy()
    counts = {"read": 0, "asked": 0, "beside": 0}
    asked = np.full(n, "", dtype=object)
    for col in columns:
        # each distinct text judged once (a 备注 column repeats few texts; at 10⁶ rows no regex per row), then
        # only the rows of the texts that say something are visited
        codes_, uniques = pd.factorize(out[col].to_numpy(dtype=object), use_na_sentinel=True)
        texts = [str(u).strip() for u in uniques]
        extends = np.array([bool(t) and states_extension(t) for t in texts] + [False], dtype=bool)
        readings = [None if extends[k] or not t else read_extension_text(t) for k, t in enumerate(texts)]
        names = np.array([r is not None and r.cause in ("government", "force_majeure") for r in readings] + [False],
                         dtype=bool)
        take = np.where(codes_ >= 0, codes_, len(texts))
        for i in np.flatnonzero(extends[take] | names[take]):
            text = texts[take[i]]
            if extends[take[i]]:
                if ext_blank[i] and not source[i]:
                    values[i], source[i] = text, str(col)
                    counts["read"] += 1
                elif not ext_blank[i] and str(values[i]).strip() != text:
                    asked[i] = f"{col}“{text}”另述延期，审计以{label}列为准：请核实两者是否一致"
                    counts["beside"] += 1
                continue
            r = readings[take[i]]
            if cause_blank[i] and ext_blank[i]:
                kind = (f"第八条{r.item}所列政府原因" if r.cause == "government"
                        else "第八条第二款所列不可抗力")
                asked[i] = (f"需核实：{col}“{text}”提到{kind}（{r.cause_words}），但未写明延期至何日、也不在政府原因列，"
                       "本审计未据此认定，结论和潜在土地闲置费未考虑该原因；如土地闲置确因该原因造成，经审核属实的"
                            "不征收土地闲置费（第八条、第十四条），请在政府原因列（或延期情况列写明延期至的日期）注明后重新审计")
                counts["asked"] += 1
        append(problems, asked != "", asked)   # one pass over the rows, not one per row asked
        asked[:] = ""
    if counts["read"]:
        out["extension_until"] = pd.Series(values, index=out.index, dtype=object)
    # one note per finding, each a sentence with its count (the dask engine adds up the partitions' counts
    # of notes of the same words: dcf_spatial.land.dask.engine.merge_read_notes)
    # the columns looked at are said whatever each partition found (the same words in every partition of the
    # dask engine), and are never listed among the columns the audit does not use
    said = "、".join(str(c) for c in columns)
    notes = [f"{said}列已逐条查看延期说明：写有延期（延期至某日）而{label}为空的按{label}读取，提到第八条原因而无延期日期的"
             "列入问题记录待核实，其余内容不影响结论"]
    notes += [text for n, text in (
        (counts["read"], f"{said}列中 {counts['read']} 条写有延期而{label}为空，已按{label}读取"
                         f"（第八条情形的才认可，最长一年；结论理由注明“{said}所述”）"),
        (counts["asked"], f"{said}列中 {counts['asked']} 条提到第八条原因但未写明延期日期，未据此认定，列入问题记录待核实"),
        (counts["beside"], f"{said}列中 {counts['beside']} 条另述延期而{label}已有值，以{label}为准，列入问题记录待核实"),
    ) if n]
    return RemarkReading(source, notes, [str(c) for c in columns])


def read_extension_column(out, problems: np.ndarray, append, label: str, cause_label: str, *, parse_dates,
                          source: np.ndarray | None = None) -> int:
    """Replace the sentences of ``out["extension_until"]`` by the dates they give, in place, before the
    date column is parsed; fill ``gov_cause`` from a 第八条 cause where the ledger gives none; append to
    ``problems`` what was read and what could not be. Returns the number of sentences read. ``append`` and
    ``parse_dates`` are the ledger reader's (:mod:`dcf_spatial.land.parcels`, passed in: that module calls this one).

    A sentence with a date and a 第八条 cause is an extension (capped by the audit at one year, 第十二条第（一）
    项); with a date and no cause, or the holder's own cause, the date is kept and the audit does not honour
    it (it says so); with no date it stays as typed (unreadable as a date: 数据不足, asking for the date).
    ``source`` names, per row, the column a sentence was taken from when it is not ``label``'s own
    (a 备注, :func:`remark_extensions`; ``""`` for the column's own), in the messages and the cause.

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
        own = source[i] if source is not None and source[i] else ""
        quoted = f"{own or label}“{r.text}”"
        said_by = f"{own}所述" if own else "延期情况所述"
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
                cause[i] = (f"{said_by}：{r.cause_words}（第八条{r.item}）" if r.cause == "government"
                            else f"不可抗力（{said_by}：{r.cause_words}）")
            said[i] = f"{quoted}读作：延期至 {r.date}，原因“{r.cause_words}”属第八条{r.item}情形（待审核属实）"
        elif r.cause == "own":
            said[i] = (f"{quoted}读作：延期至 {r.date}；所述原因（{r.cause_words}）属使用权人自身原因，不属第八条情形，"
                       "依第十二条第（一）项该延期不予认可")
        else:
            said[i] = f"{quoted}读作：延期至 {r.date}；未写明原因（{cause_label}列也未记录），延期是否属第八条情形待核实"
    if source is not None:  # a sentence from 备注: said to be read as the 延期情况 column is
        moved = (source != "") & (said != "")
        said[moved] = said[moved] + f"（按{label}读取）"
    out["extension_until"] = pd.Series(values, index=out.index, dtype=object)
    out["gov_cause"] = pd.Series(cause, index=out.index, dtype=object)
    append(problems, said != "", said)
    return read
