"""Which GB/T 4754-2017 industry does the user mean? Codes at any level, or Chinese words.

``resolve_industry("C3451")``, ``resolve_industry("345")``, ``resolve_industry("34")``,
``resolve_industry("C")`` and ``resolve_industry("轴承")`` all return an :class:`IndustryMatch`.
The code table is the FULL GB/T 4754-2017 classification (``data/gbt4754_2017.csv``: 20 门类,
97 大类, 473 中类, 1,381 小类 — 1,971 codes; provenance in ``data/gbt4754_2017_README.md``; names
that public copies disagree on are listed in ``data/gbt4754_2017_contested.csv`` and shown as
名称待核实). On top of it lies the project's own word list (``data/industry_words.csv``: the words
the plan and planners use, with the chapter where the plan uses them). Words are looked up in
those keywords first, then in the standard's names. A word that matches several unrelated codes
is *ambiguous*: the match lists the candidates and :func:`resolve_industry` raises with them
rather than guessing.

Written by hand because no maintained Python package ships the Chinese national industry
classification with a word index.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from . import settings
from .errors import InputError, clip
from .industry_typed import BRACKETS, SEPARATORS, concrete_grades, glued_codes, split_code, tidy

logger = logging.getLogger(__name__)

CODES_FILE = "gbt4754_2017.csv"
WORDS_FILE = "industry_words.csv"
CONTESTED_FILE = "gbt4754_2017_contested.csv"
#: the edition of the table, as every output that reports it says it
TABLE_EDITION = ("GB/T 4754-2017《国民经济行业分类》原版（1,971 个代码；未套用 2019 年第1号修改单，"
                 "因未找到其所增代码的公开说明）")
#: statuses of the contested file whose chosen name rests on a weak majority or a tie (check the official text)
_WEAK_STATUSES = ("majority", "tie")
MAP_2002_FILE = "gbt4754_2017_to_2002.csv"

LEVEL_ZH = {"section": "门类", "division": "大类", "group": "中类", "class": "小类"}


@dataclass(frozen=True)
class IndustryMatch:
    """The result of resolving one industry value (a code or Chinese words).

    Attributes
    ----------
    query
        What the user typed.
    status
        ``"resolved"``, ``"ambiguous"`` or ``"unknown"``.
    codes
        The resolved codes (section letter + digits, e.g. ``"C345"``); empty unless resolved.
    names_zh
        Chinese names of ``codes``.
    candidates
        For ambiguous/unknown input: ``[(code, name_zh), …]`` the user may choose from.
    how
        How it was resolved (``"code"``, ``"name"``, ``"keyword"``, ``"form"`` (做X的, X厂 …),
        ``"substring"``, ``"contains"`` (a phrase read by the known words it contains: see :attr:`read_zh`)).
    """

    query: str
    status: str
    codes: tuple[str, ...] = ()
    names_zh: tuple[str, ...] = ()
    candidates: tuple[tuple[str, str], ...] = ()
    how: str = ""
    notes: tuple[str, ...] = field(default=())
    #: what the reading did to the text as typed, said after :attr:`read_zh`'s reading (spaces taken out, a code
    #: taken with the word written beside it)
    remarks: tuple[str, ...] = field(default=())

    @property
    def resolved(self) -> bool:
        return self.status == "resolved"

    @property
    def label_zh(self) -> str:
        return "、".join(f"{c} {n}{_verify_mark(c)}" for c, n in zip(self.codes, self.names_zh))

    @property
    def read_zh(self) -> str:
        """How a phrase was read by the known words it contains (``how == "contains"``), for the planner to see:
        ``"按所含词「银行」识别"``; ``""`` for any other match.

        Examples
        --------
        >>> resolve("冷链仓储中心").read_zh
        '按所含词「冷链仓储」识别'
        >>> resolve("轴\u3000承").read_zh
        '去掉词中的空格或不可见字符后读作「轴承」'
        """
        return "；".join(r for r in (self._reading_zh(), *self.remarks) if r)

    def _reading_zh(self) -> str:
        if self.how == "head" and len(self.notes) >= 3:
            kind, head, words = self.notes[1], self.notes[2], self.notes[3:]
            heads = "".join(f"「{h.strip()}」" for h in head.split("+") if h.strip())   # 「设备」「销售」, not 「设备+销售」
            return ("按所含词" + "".join(f"「{w}」" for w in words) + f"及{heads}识别"
                    f"（{HEAD_KIND_ZH.get(kind, kind)}）")
        if self.how == "code" and self.notes[:1] == ("code_as_group",):
            return "".join(f"GB/T 4754-2017 无代码 {c}（2011 年版的写法），按中类 {c[:4]} 识别" for c in self.notes[1:])
        if self.how == "keyword":
            return other_reading_zh(self.query, tuple(self.codes))
        if self.how != "contains":
            return ""
        return "按所含词" + "".join(f"「{w}」" for w in self.notes[1:]) + "识别"

    def to_dict(self) -> dict:
        return {
            "input": self.query, "status": self.status, "codes": list(self.codes),
            "names_zh": list(self.names_zh), "how": self.how, "read_zh": self.read_zh,
            "candidates": [{"code": c, "name_zh": n} for c, n in self.candidates],
        }


@lru_cache(maxsize=4096)  # said on every check of the word (the desk's hot path); the scan reads the whole table
def other_reading_zh(word: str, codes: tuple) -> str:
    """A word of the word list that is also how GB/T 4754-2017 names a class of another division (饭店: read as
    H62 餐饮业, while H6110 is 旅游饭店, a hotel): the reading note names that class, so that the planner sees the
    other reading; ``""`` when there is none.

    Examples
    --------
    >>> other_reading_zh("饭店", ("H62",))
    '按词表读作 H62 餐饮业；GB/T 4754-2017 另有 H6110 旅游饭店（H61 住宿业），如指住宿请改用该代码'
    """
    w = str(word or "").strip()
    if len(w) < 2 or not codes:
        return ""
    t = _table()
    others = [c for c in t.values() if c.level == "class" and c.name_zh.endswith(w)
              and not any(c.code[:3] == k[:3] or c.code.startswith(k) for k in codes)]
    if not others:
        return ""
    said = "、".join(f"{c.code} {c.name_zh}（{c.code[:3]} {t[c.code[:3]].name_zh}）" if c.code[:3] in t
                    else f"{c.code} {c.name_zh}" for c in others[:3])
    read = "、".join(f"{k} {t[k].name_zh}" for k in codes if k in t)
    hotel = all(c.code.startswith("H61") for c in others)
    return f"按词表读作 {read}；GB/T 4754-2017 另有 {said}，" + ("如指住宿请改用该代码" if hotel else "如指该行业请改用其代码")


@dataclass(frozen=True)
class _Code:
    """One row of the code table (see :func:`code_table` for the fields)."""

    code: str
    level: str
    name_zh: str
    parent: str
    keywords: tuple[str, ...]
    plan_ref: str
    name_to_verify: bool
    extra: tuple[tuple[str, str], ...] = ()


def _read_csv_rows(path, *, comment: bool = False) -> list[dict[str, str]]:
    """The rows of a small bundled CSV as dicts of text ("" where empty), blank lines and (``comment``)
    lines starting with ``#`` left out, as ``pandas.read_csv(dtype=str, keep_default_na=False,
    comment="#")`` reads these files. Read with the standard library so that resolving an industry
    (every ``dcf site check``) does not import pandas (~0.4 s of start-up)."""
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not (comment and ln.startswith("#"))]
    return [{k: (v or "") for k, v in row.items()} for row in csv.DictReader(lines, restval="")]


def _read_table() -> dict[str, _Code]:
    """The code table read from the data files (uncached; :func:`_table` caches it)."""
    from .errors import SchemaError

    codes = _read_csv_rows(settings.data_dir / CODES_FILE)
    known = {r["code"] for r in codes}
    words = _read_csv_rows(settings.data_dir / WORDS_FILE, comment=True)
    for i, row in enumerate(words):
        if row["code"] not in known:
            raise SchemaError(f"{WORDS_FILE} 第 {i + 2} 个数据行：代码 {row['code']} 不在 GB/T 4754-2017 "
                              f"中（{CODES_FILE}）。请改正代码或删去该行。")
    kw: dict[str, list[str]] = {}
    refs: dict[str, list[str]] = {}
    for row in words:
        kw.setdefault(row["code"], []).extend(w.strip() for w in row["keywords"].split(";") if w.strip())
        refs.setdefault(row["code"], []).extend(r.strip() for r in row["plan_ref"].split(";") if r.strip())
    contested = _read_csv_rows(settings.data_dir / CONTESTED_FILE)
    weak = {r["code"] for r in contested if r["status"].startswith(_WEAK_STATUSES)}
    base = ("code", "level", "name_zh", "parent")
    return {r["code"]: _Code(r["code"], r["level"], r["name_zh"], r["parent"],
                             tuple(dict.fromkeys(kw.get(r["code"], ()))),
                             "；".join(dict.fromkeys(refs.get(r["code"], ()))), r["code"] in weak,
                             tuple((k, v) for k, v in r.items() if k not in base))
            for r in codes}


@lru_cache(maxsize=1)
def _table() -> dict[str, _Code]:
    """The code table as ``{code: _Code}`` in the file's order (no pandas: see :func:`_read_csv_rows`)."""
    return _read_table()


@lru_cache(maxsize=1)
def code_table():
    """The full GB/T 4754-2017 table with the project's words, as a DataFrame indexed by code.

    Columns: ``code`` (``"C3451"``), ``level`` (section/division/group/class), ``name_zh``,
    ``parent``, ``keywords`` (tuple of the project's words for the code), ``plan_ref`` (where the
    plan uses them) and ``name_to_verify`` (True where public copies of the standard disagree on
    the name, see ``gbt4754_2017_contested.csv``).

    Raises
    ------
    SchemaError
        When the word list names a code the standard does not have (the row is named).

    Examples
    --------
    >>> t = code_table()
    >>> len(t), t.at["C3451", "name_zh"]
    (1971, '滚动轴承制造')
    """
    import pandas as pd

    rows = _read_table()  # read afresh: a test may point settings.data_dir elsewhere and clear this cache
    df = pd.DataFrame([{"code": c.code, "level": c.level, "name_zh": c.name_zh, "parent": c.parent, **dict(c.extra)}
                       for c in rows.values()])
    df = df.set_index("code", drop=False)
    df["keywords"] = [c.keywords for c in rows.values()]
    df["plan_ref"] = [c.plan_ref for c in rows.values()]
    df["name_to_verify"] = [c.name_to_verify for c in rows.values()]
    return df


@lru_cache(maxsize=1)
def _division_section() -> dict[str, str]:
    return {c[1:]: c[0] for c, row in _table().items() if row.level == "division"}


def normalize_code(value: str) -> str | None:
    """``"3451"`` / ``"c3451"`` / ``"C 3451"`` → ``"C3451"``; ``None`` if it is not a code form.

    The section letter is derived from the two-digit division; a letter that contradicts the
    division (``"A3451"``) raises :class:`InputError`.
    """
    text = re.sub(r"\s+", "", str(value)).upper()
    m = re.fullmatch(r"([A-T])?(\d{2,4})?", text)
    if not m or not text:
        return None
    letter, digits = m.group(1), m.group(2)
    if digits is None:
        return letter
    section = _division_section().get(digits[:2])
    if section is None:
        raise InputError(
            f"{value!r} 不是 GB/T 4754-2017 代码：大类 {digits[:2]} 不存在（division {digits[:2]} does not "
            "exist; 大类为 01–97）。请给出 C3451、345、34、C 之类的代码，或“轴承”之类的行业词。"
        )
    if letter and letter != section:
        raise InputError(
            f"{value!r}：大类 {digits[:2]} 属于门类 {section}，不是 {letter}（division {digits[:2]} "
            f"belongs to section {section}）。请写 {section}{digits}（或直接写 {digits}）。"
        )
    return f"{section}{digits}"


def ancestors(code: str) -> list[str]:
    """``"C3451"`` → ``["C", "C34", "C345", "C3451"]`` (the code itself last)."""
    if len(code) == 1:
        return [code]
    digits = code[1:]
    return [code[0]] + [code[0] + digits[:n] for n in range(2, len(digits) + 1)]


def covers(zone_code: str, project_code: str) -> bool:
    """True when ``project_code`` lies within ``zone_code`` (same code or a sub-code of it)."""
    return project_code.startswith(zone_code)


def name_of(code: str) -> str:
    """Chinese name of a code; for codes finer than the table, the name of its nearest listed ancestor."""
    t = _table()
    for c in reversed(ancestors(code)):
        if c in t:
            return t[c].name_zh if c == code else f"{t[c].name_zh}（属 {c}）"
    return code


def label_zh(code: str, *, verify_mark: bool = True) -> str:
    """``"C3451 滚动轴承制造"``; a code finer than the table: ``"C3360（属 C33 金属制品业）"``.

    ``verify_mark=False`` leaves out ``"（名称待核实）"`` on the nine weak names: lists of a zone's positioning
    take the name as the table gives it (QA round 7: 待核实 only where the table lacks the code).

    Examples
    --------
    >>> label_zh("C3451")
    'C3451 滚动轴承制造'
    >>> label_zh("M75", verify_mark=False)
    'M75 科技推广和应用服务'
    """
    t = _table()
    if code in t:
        return f"{code} {t[code].name_zh}{_verify_mark(code) if verify_mark else ''}"
    for c in reversed(ancestors(code)[:-1]):
        if c in t:
            return f"{code}（属 {c} {t[c].name_zh}）"
    return code


def _verify_mark(code: str) -> str:
    """``"（名称待核实）"`` for a code whose name public copies of the standard disagree on."""
    row = _table().get(code)
    return "（名称待核实）" if row is not None and row.name_to_verify else ""


def resolve(value: str) -> IndustryMatch:
    """Resolve a code or Chinese words to GB/T 4754-2017 codes; unknown *words* do not raise.

    Full-width digits and letters are read as ASCII and traditional characters as simplified (``Ｃ３４５１``,
    ``軸承``). A code must exist in the full GB/T 4754-2017 table (``C3458`` is refused with its group suggested; a
    2011-edition class ``G5430`` of a group the 2017 edition split is read as that group, saying so in
    :attr:`IndustryMatch.read_zh`); a mistyped code (``C345l``, ``34511``) is refused with the codes it may stand for,
    a code written with or into a word is read as the code when the word names the same activity (``C3670 汽车零部件``)
    and refused naming both when not (``C3451,化工``, ``轴承C2611``: never dropped), a code split by a space
    (``C34 51``) is asked about, and spaces or invisible characters inside a word (``轴　承``) are taken out, saying so.
    Words: an exact name or keyword match wins; otherwise names/keywords containing the word.
    If the hits all lie under one of them, that one is taken; if they are unrelated, the match is
    ambiguous and lists them. A phrase read by the words it contains is read by its head (W12,
    ``industry_heads.csv``): 水泥销售 is F5165 建材批发, 轴承维修 C4320 通用设备修理, 化工设备 C3521, 工程机械租赁
    L7113, 化工设备安装 E4920, 水泥罐车 C3630 改装汽车制造; 水泥生产线 is cement making (C3011: a line is the plant, W13);
    a shop of a service is the service (洗车店 O8111, 健身店 R8930: W15), 作坊 a factory form like 厂 (年画作坊 C243), and
    黏 is read as 粘, the form the standard prints (黏土砖 C3031 粘土砖瓦及建筑砌块制造);
    a negation (非化工, but not 无机化工 or 非晶变压器), an annex (水泥厂宿舍, but not 养老公寓) or a bare 机 (水泥机) is refused.

    Parameters
    ----------
    value
        A code at any level (``C3451``, ``345``, ``C``) or Chinese words (``轴承``).

    Returns
    -------
    IndustryMatch
        ``status`` ``"resolved"``, ``"ambiguous"`` (with candidates) or ``"unknown"`` (for words
        that match nothing, and an empty value).

    Raises
    ------
    InputError
        A value written as a code that GB/T 4754-2017 does not have (``C9999``: there is no
        大类 99): such a code is refused, not looked up as words; so is a text longer than
        :data:`MAX_INDUSTRY_CHARS` (200) characters.

    Examples
    --------
    >>> resolve("水泥销售").codes, resolve("化工设备").codes, resolve("非化工").status
    (('F5165',), ('C3521',), 'unknown')
    >>> resolve("Ｃ３４５１").codes, resolve("C3458").status
    (('C3451',), 'unknown')
    >>> resolve("轴承").codes
    ('C3451',)
    >>> resolve("洗车店").codes, resolve("黏土砖").codes
    (('O8111',), ('C3031',))
    """
    query = str(value).strip()
    if not query:
        return IndustryMatch(query, "unknown", notes=("empty",))
    if len(query) > MAX_INDUSTRY_CHARS:
        raise InputError(f"行业文字过长（{len(query):,} 个字符，最多 {MAX_INDUSTRY_CHARS} 个）：“{clip(query, 20)}”。"
                         "请填写行业名称（如 轴承）或 GB/T 4754-2017 代码（如 C3451）。")
    t = _table()
    # a match is frozen and depends only on the words and the table: kept per table object (the desk
    # resolves the same few words on every request; a word search scans the whole table)
    known = _RESOLVED.get(query)
    if known is not None and known[0] is t:
        return known[1]
    m = _resolve(query, t)
    if m.query != query:   # read in simplified, half-width characters (軸承, Ｃ３４５１): the match keeps what was typed
        m = replace(m, query=query)
    _RESOLVED[query] = (t, m)
    while len(_RESOLVED) > 512:   # oldest first: a dict keeps insertion order
        _RESOLVED.pop(next(iter(_RESOLVED)), None)
    return m


_RESOLVED: dict = {}
#: the longest industry text read (an industry is a name or a code; a project title, ``project``, has the same cap)
MAX_INDUSTRY_CHARS = 200


def _plain(query: str, t) -> str:
    """``query`` in the characters the table is written in: full-width digits and letters as ASCII (``Ｃ３４５１`` →
    ``C3451``, by Unicode NFKC) and traditional characters as simplified (``軸承`` → ``轴承``, by zhconv, loaded only
    when the phrase holds a character no word of the table has)."""
    import unicodedata

    text = unicodedata.normalize("NFKC", query).translate(_VARIANT_CHARS)
    chars = _table_chars(t)
    if any(ord(ch) > 0x2E7F and ch not in chars for ch in text):
        import zhconv

        text = zhconv.convert(text, "zh-hans")
    return text


#: variant characters read as the form GB/T 4754-2017 prints (W15): the standard writes 粘土 (B1019 粘土及其他土砂石开采,
#: C3031 粘土砖瓦及建筑砌块制造) where 《通用规范汉字表》 has 黏 (黏土砖); no table name or project word holds 黏
#: (``tests/test_industry_words_w15.py`` checks it), so the mapping loses nothing. zhconv keeps 黏 (both are simplified).
_VARIANT_CHARS = str.maketrans({"黏": "粘"})


def _table_chars(t) -> frozenset:
    if _CHARS and _CHARS[0] is t:
        return _CHARS[1]
    _CHARS[:] = [t, frozenset("".join(_vocabulary(t)))]
    return _CHARS[1]


_CHARS: list = []
#: a part that looks like a code but is not one as written: ``C345l``, ``34511``, ``C-3451``, ``C34 51``
_CODE_LIKE = re.compile(r"[A-Za-z]?[-_.·]?[0-9lIoO]{2,6}[A-Za-z]?")


def _code_fixes(part: str, t) -> tuple[tuple[str, str], ...]:
    """Existing codes a mistyped code ``part`` may stand for (l/I → 1, o/O → 0, a separator dropped, a digit too many)."""
    text = re.sub(r"[-_.·\s]", "", part).translate(str.maketrans("lIoO", "1100"))
    m = re.fullmatch(r"([A-Za-z]?)(\d+)([A-Za-z]?)", text)
    if not m:
        return ()
    letter, digits = m.group(1).upper(), m.group(2)
    tries = [digits] + ([digits[:-1], digits[1:]] if len(digits) > 4 else []) + ([digits[:4]] if len(digits) > 5 else [])
    out = []
    for d in tries:
        for c in ([letter + d] if letter else []) + [s + d for s in "ABCDEFGHIJKLMNOPQRST"]:
            if c in t and t[c].level != "section" and c not in out:
                out.append(c)
    return tuple((c, t[c].name_zh) for c in out[:4])


def _resolve(query: str, t) -> IndustryMatch:
    said = query
    query, tidied = tidy(_plain(query, t))
    query, grades = concrete_grades(query)   # C30混凝土: concrete of grade C30, never the code C30 (B31b-8)
    if not query:   # nothing but invisible characters
        return IndustryMatch(said, "unknown", notes=("empty",))
    m = _read(said, query, t)
    if grades:
        m = replace(m, remarks=(f"其中「{'、'.join(grades)}」按混凝土强度等级理解（不是行业代码），读作「{clip(query)}」",
                                *m.remarks))
    if tidied:   # 轴　承 (U+3000), 轴\u200b承: the planner is told the text read is not the text as it looks
        m = replace(m, remarks=(f"去掉词中的空格或不可见字符后读作「{clip(query)}」", *m.remarks))
    return m


def _read(said: str, query: str, t) -> IndustryMatch:
    """:func:`_resolve` of the tidied text ``query`` (``said`` as typed)."""
    joined = re.sub(r"\b([A-Ta-t])\s+(\d)", r"\1\2", query)  # "C 3451" -> "C3451"
    slip = split_code(joined)
    if slip:   # C34 51: a space typed inside a code, never C34 + F51 (B31-3); the planner is asked
        return IndustryMatch(said, "unknown", how="none", candidates=_code_fixes(slip[1], t), notes=("code_split", *slip))
    parts = _parts(joined, t)
    is_code = [bool(re.fullmatch(r"[A-Ta-t]?\d{2,4}|[A-Ta-t]", p)) for p in parts]
    looks = [c or bool(_CODE_LIKE.fullmatch(p) and re.search(r"\d", p)) for c, p in zip(is_code, parts)]
    if parts and all(is_code):
        return _codes_match(said, parts, t)
    if any(is_code) and all(c or not k for c, k in zip(is_code, looks)):   # C3670 汽车零部件, 轴承C2611
        return _code_with_words(said, [p for p, c in zip(parts, is_code) if c],
                                [p for p, c in zip(parts, is_code) if not c], t)
    if any(looks) and not all(looks):   # C345l 化工: a mistyped code and a word are two activities
        return IndustryMatch(said, "unknown", how="none", notes=("two_activities", *parts))
    if parts and all(looks):            # C345l, 34511, C-3451: a mistyped code
        bad = next(p for p, c in zip(parts, is_code) if not c)
        return IndustryMatch(said, "unknown", how="none", candidates=_code_fixes(bad, t), notes=("code_typo", bad))

    # the project's words first (they carry the plan's meaning: 光伏 is both D4416 and C3825), then the
    # standard's own names, then the clerk's forms of a known word (做X的, X厂 …), then names/words containing it
    exact, how = _exact(query, t)
    if not exact and len(query) <= 1:
        # one character (厂, 场, 钢) names no industry: the names containing it are unrelated (场 → J67
        # 资本市场服务), so none is offered; the planner is asked for the product
        return IndustryMatch(query, "unknown", how="none", notes=("too_short",))
    if not exact:
        for base in base_words(query):
            inner, inner_how = _exact(base, t)
            if inner and _form_fits(query, base, inner):
                return _match(query, _collapse_nested(inner), t, "form", notes=("form", base, inner_how))
    if not exact:
        hits = [c for c, row in t.items() if (query in row.name_zh and not _serves(query, row.name_zh))
                or any(query in k for k in row.keywords)]
        how = "substring"
    else:
        hits = exact
    if not hits:  # the phrase may CONTAIN known words (冷链仓储, 银行网点): read it by them
        read = _contains(query, t)
        if read is not None:
            return read
    if not hits:  # near codes of the word, else of the X of its form (做轴套的: those of 轴套)
        # a clerk's form is suggested by its X alone: the 厂 of 货架厂 or the 公司 of 门窗公司 shares characters with
        # unrelated names (滚动轴承制造 via 轴承厂, 控股公司) and must not make them look near
        bases = base_words(query)
        near = next((c for c in map(_suggest, bases) if c), ()) if bases else _suggest(query)
        return IndustryMatch(query, "unknown", candidates=near, how="none")
    return _match(query, _collapse_nested(hits), t, how)


def _parts(text: str, t) -> list[str]:
    """The values of ``text`` split at its separators, each code written into a word taken out as a part of its own
    (轴承C2611 → 轴承, C2611; 轴承（C2611） → 轴承, C2611): a code the user typed is never dropped (B31-1)."""
    out = []
    for p in re.split(f"[{SEPARATORS}\\s]+", text):
        last = 0
        for s, e, letter, digits in glued_codes(p):
            section = _division_section().get(digits[:2])
            # N95口罩, T800碳纤维: a letter not of the division names a model, not a code; a bare number must be a code
            if section is None or (letter and letter != section) or (not letter and section + digits not in t):
                continue
            out += [p[last:s].translate(_NO_BRACKETS), letter + digits]
            last = e
        out.append(p[last:].translate(_NO_BRACKETS) if last else p)
    return [p for p in out if p]


_NO_BRACKETS = str.maketrans("", "", BRACKETS)


def _codes_match(said: str, parts: list[str], t) -> IndustryMatch:
    """The match of ``parts`` that are all codes: resolved, or refused naming a code the standard lacks."""
    codes = tuple(dict.fromkeys(normalize_code(p) for p in parts))
    # G5430, I6510, A0170: the 2011 edition's class "group + 0" of a group the 2017 edition split into classes;
    # read as that group, saying so (read_zh) — a code the 2017 table lacks is otherwise never accepted
    as_group = tuple(c for c in codes if c not in t and len(c) == 5 and c.endswith("0") and c[:4] in t)
    codes = tuple(dict.fromkeys(c[:4] if c in as_group else c for c in codes))
    missing = [c for c in codes if c not in t]
    if missing:  # the full table is bundled: a code it lacks does not exist (never accepted and recorded)
        return IndustryMatch(said, "unknown", how="none", candidates=_code_fixes(missing[0], t) or tuple(
            (c, t[c].name_zh) for c in reversed(ancestors(missing[0])[:-1]) if c in t)[:1],
            notes=("no_such_code", missing[0]))
    return IndustryMatch(said, "resolved", codes, tuple(name_of(c) for c in codes), how="code",
                         notes=("code_as_group", *as_group) if as_group else ())


def _code_with_words(said: str, code_parts: list[str], words: list[str], t) -> IndustryMatch:
    """Codes written with words (「C3670 汽车零部件」, 「轴承C2611」): read as the codes when every word names the same
    activity (its reading on the line of a code: 汽车零部件 → C367 for C3670; a word listed for several codes, one of
    which is the code's: 铸造 for C3391), refused naming both when a word names another (轴承 C3451 beside C2611): the
    planner is asked which is meant, the code never dropped (B31-1, B31-2). A word that only says the kind of unit
    (厂, 项目, 公司) is no activity of its own."""
    m = _codes_match(said, code_parts, t)
    if not m.resolved:
        return m
    read = [(w, _read(w, w, t)) for w in words if w not in _UNIT_WORDS]
    differ = [(w, r) for w, r in read if not _same_activity(r, m.codes)]
    if not differ:
        said_words = "".join(f"「{w}」" for w, _ in read)
        return replace(m, remarks=(f"按代码 {'、'.join(m.codes)} 识别，所写{said_words}属同一行业",) if read else ())
    others = [(c, n) for _, r in differ for c, n in (zip(r.codes, r.names_zh) if r.resolved else r.candidates)]
    # a bare number (304不锈钢) may be a grade or a model rather than a code: the refusal asks that too
    bare = "、".join(p for p in code_parts if p[0].isdigit())
    return IndustryMatch(said, "unknown", how="none", candidates=tuple(dict.fromkeys(
        [*zip(m.codes, m.names_zh), *others])), notes=(
        "code_word_differ", "、".join(f"{c} {n}" for c, n in zip(m.codes, m.names_zh)), bare,
        *(f"「{w}」（{r.label_zh if r.resolved else '、'.join(f'{c} {n}' for c, n in r.candidates) or '无法识别'}）"
          for w, r in differ)))


def _same_activity(m: IndustryMatch, codes: tuple[str, ...]) -> bool:
    """Does the word's match ``m`` name the activity of ``codes`` (its codes on the line of theirs: one covers the
    other; of a word listed for several codes, one of them)?"""
    def on_line(a: str, b: str) -> bool:
        return covers(a, b) or covers(b, a)

    def near(c: str) -> bool:
        return any(on_line(c, k) for k in codes)

    if m.resolved:
        return all(map(near, m.codes)) and all(any(on_line(c, k) for c in m.codes) for k in codes)
    return m.status == "ambiguous" and bool(_listed_word(m)) and any(near(c) for c, _ in m.candidates)


#: words too generic to name an industry by themselves: a phrase whose only known words are these stays
#: unknown (设备维修中心 is not read as 设备; 加工基地 names no product). The clerk's forms (公司, 项目, 加工,
#: 生产, 厂, 场) are here too: they say what kind of unit, not what it makes or does.
CONTAINS_STOP_WORDS = frozenset(
    "设备 产品 服务 加工 制造 中心 基地 公司 有限公司 项目 生产 工厂 企业 集团 工程 技术 科技 经营 贸易 商贸 "
    "实业 发展 开发 管理 建设 园区 产业 产业园 工业 工业园 综合 其他 网点 门店 组装 装配 初加工 深加工 研发 "
    "制品 用品 材料 配件 零部件 系统 智能 新型 现代 高端 绿色 示范 交易 展示 租赁 咨询 代理 运营 大厦 广场".split())


def _contains(query: str, t) -> IndustryMatch | None:
    """A phrase that contains known words: ``None`` when it has none but stop words.

    The longest non-overlapping known words of the phrase (project words of ``industry_words.csv`` or
    standard names, at least 2 characters, not in :data:`CONTAINS_STOP_WORDS`) are taken; among their codes
    that nest, the finer one wins (冷链仓储: 冷链 → G5930 and 仓储 → G59 give G5930, both words being
    there); unrelated codes make the match ambiguous. A factory form (…加工, …厂) keeps the rule that the
    industry makes things (sections B–D, :func:`_form_fits`). Written by hand: the vocabulary is the small
    bundled table (~2,600 words) and a greedy longest-first pass over a short phrase is a few lines.
    """
    vocab = _vocabulary(t)
    longest = max(map(len, vocab), default=0)   # no known word is longer: the pass stays linear in the phrase
    spans = []   # (start, end, word) for every known word of the phrase
    for i in range(len(query)):
        for j in range(i + 2, min(len(query), i + longest) + 1):
            w = query[i:j]
            if w in vocab and w not in _HEAD_WORDS:
                spans.append((i, j, w))
    spans += _power_spans(query, spans, t)
    # longest first; on a tie a power word (燃料电池客车) before the known word of the same span
    spans.sort(key=lambda s: (-(s[1] - s[0]), s[0], not s[2].startswith(_POWER)))
    taken: list[tuple[int, int, str]] = []
    for s in spans:
        if all(s[1] <= o[0] or s[0] >= o[1] for o in taken):
            taken.append(s)
    taken.sort()
    power = [w for _, _, w in taken if w.startswith(_POWER)]
    # what the planner is told the phrase was read by
    said = [w.lstrip(_POWER) for _, _, w in taken if w not in CONTAINS_STOP_WORDS]
    taken = [s for s in taken if not s[2].startswith(_POWER)]
    words = [w for _, _, w in taken if w not in CONTAINS_STOP_WORDS]
    if not words:
        return None
    tail = query[max(e for _, e, w in taken if w not in CONTAINS_STOP_WORDS):]
    product = {w: p for _, e, w in taken if (p := _cement_product(query, e, w))}   # 水泥砖: the product, not cement
    said = [w + product[w][0] if w in product else w for w in said]
    read = [product[w][1] if w in product else _collapse_nested(_exact(w, t)[0]) for w in words]
    if power:   # 新能源公交车: the vehicle is a new-energy one (C3612), whatever powers a C361/C3611 word
        read = [list(dict.fromkeys("C3612" if c in ("C361", "C3611") else c for c in cs)) for cs in read]
    if len(read) > 1 and all(c.startswith("C366") for c in read[-1]) and all(
            c.startswith("C36") for cs in read[:-1] for c in cs):
        read = [read[-1]]   # 客车车身: the body (C366 汽车车身、挂车制造) of the vehicle named before it, not the vehicle
    codes = list(dict.fromkeys(c for cs in read for c in cs))
    finer = [c for c in codes if not any(o != c and covers(c, o) for o in codes)]
    finer.sort(key=lambda c: (len(c), c))
    placed = _vehicle_place(query, words, read, tail, t)
    if placed is not None:
        return placed
    headed = _read_head(query, taken, words, finer, t)
    if headed is not None:
        return headed
    bases = base_words(query)
    if bases and not _form_fits(query, bases[0], finer):
        return None
    if not _head_fits(tail, finer):
        return None
    return _match(query, finer, t, "contains", notes=("contains", *dict.fromkeys(said)))


#: products made of cement (水泥 then the product: 水泥砖, 水泥构件 …) are the product, never cement itself (C3011 水泥制造,
#: 第九章第三节 “严禁水泥……新增产能”): by the class names of GB/T 4754-2017 (gbt4754_2017.csv) a structural member is
#: C3022 砼结构构件制造, a building block C3031 粘土砖瓦及建筑砌块制造, any other product C3021 水泥制品制造 (as 水泥管,
#: 水泥电杆 in industry_words.csv); breaker session 31, B31b-1. Longest nouns first.
_CEMENT_PRODUCTS = ((("构件", "预制板", "预制梁", "预制桩", "楼板", "空心板"), ["C3022"]),
                    (("砌块",), ["C3031"]),
                    (("电线杆", "压力管", "排水管", "花砖", "地砖", "彩砖", "井盖", "盖板", "制品", "砖", "瓦", "管", "杆",
                      "桩"), ["C3021"]))


def _cement_product(query: str, end: int, word: str) -> tuple[str, list[str]] | None:
    """The cement product named right after the word 水泥 ending at ``end`` of ``query`` and its class, else ``None``."""
    if word != "水泥":
        return None
    return next(((next(n for n in nouns if query.startswith(n, end)), codes)
                 for nouns, codes in _CEMENT_PRODUCTS if query.startswith(nouns, end)), None)


#: power words that make a vehicle a new-energy one (GB/T 4754-2017 C3612 新能源车整车制造; 《新能源汽车生产企业及产品准入
#: 管理规定》: 纯电动, 插电式混合动力 (含增程式), 燃料电池 — a plain 混合动力 car is no 新能源车, so it is not here). Read
#: only right before a vehicle word (a keyword of C361/C3611), but 新能源 always: it is never 能源 (D 电力、热力、燃气及水生产和
#: 供应业) with a stray 新 — 新能源公交车 is no 能源 + 公交, 新能源电池 no 能源 + 电池 (QA session 31, F1).
_NEW_ENERGY = ("新能源", "纯电动", "电动", "插电式混合动力", "插电混动", "插混", "增程式", "氢燃料电池", "氢燃料", "燃料电池",
               "氢能")


#: marks a power word's span in :func:`_contains` (燃料电池 and 氢能 are also words of the table in their own right)
_POWER = "\uE001"


def _power_spans(query: str, spans: list[tuple[int, int, str]], t) -> list[tuple[int, int, str]]:
    """The power words of ``query`` (:data:`_NEW_ENERGY`) that stand right before a vehicle word of ``spans``, each
    marked with :data:`_POWER`."""
    starts = {s for s, _, w in spans if (cs := _exact(w, t)[0]) and all(c.startswith(("C361", "C3611")) for c in cs)}
    out = []
    for p in _NEW_ENERGY:
        i = query.find(p)
        while i >= 0:
            if i + len(p) in starts or p == "新能源":
                out.append((i, i + len(p), _POWER + p))
            i = query.find(p, i + 1)
    return out


#: a place after a vehicle word (公交车站, 货车停车场, 房车营地): where vehicles stop, park or camp, never the vehicle made
#: (QA session 31 breaker, B31b-2). Each place kind gives the class per kind of vehicle (bus: 公交; coach: 客车, 大巴 …;
#: freight: 货车, 卡车; ``None``: any other vehicle), from the class names of GB/T 4754-2017 (gbt4754_2017.csv):
#: G5411 公共电汽车客运 (a bus company's stations, depots and dispatch are its service), G5441 客运汽车站, G5449
#: 其他道路运输辅助活动 (freight stations and car parks: 注释未查得, 待核实), H6140 露营地服务. A kind of vehicle without a class
#: there is asked about (the candidates). Longest place words first.
_VEHICLE_PLACES = (
    (("营地", "露营地"), {None: ("H6140",)}),
    (("停车场", "停车库", "停车楼", "停保场", "停车区"),
     {"bus": ("G5411",), None: ("G5449",)}),
    (("调度中心", "调度站", "调度室"), {"bus": ("G5411",), None: ("G5411", "G5441", "G5449")}),
    (("首末站", "总站", "场站", "枢纽", "站"),
     {"bus": ("G5411",), "coach": ("G5441",), "freight": ("G5449",), None: ("G5441", "G5449")}),
)


def _vehicle_place(query: str, words: list[str], read: list[list[str]], tail: str, t) -> IndustryMatch | None:
    """A vehicle word (its codes in C36 汽车制造业) followed by a place (:data:`_VEHICLE_PLACES`): the place's class, or
    the candidates when the kind of vehicle does not say it; ``None`` when the phrase is no such place."""
    if not words or not read[-1] or not all(c.startswith("C36") for c in read[-1]):
        return None
    w = words[-1]
    vehicle = ("bus" if "公交" in w else "freight" if ("货" in w or "卡车" in w)
               else "coach" if ("客" in w or w in ("大巴", "中巴", "校车")) else None)
    for heads, by in _VEHICLE_PLACES:
        head = next((h for h in heads if tail.startswith(h)), None)
        if head:
            codes = list(by.get(vehicle) or by[None])
            return _match(query, codes, t, "head", notes=("head", "place", head, w))
    return None


#: the head of a phrase (what follows its last known word) that says what kind of unit it is: equipment is
#: made (物流设备 is 物料搬运设备制造, never 物流 itself), design, advice, research and testing are services
#: (建筑设计 is 工程设计, never 建筑业). A read whose codes contradict the head is not offered.
_EQUIPMENT_HEADS = ("设备", "装备", "器材", "机械", "机具", "仪器")
_SERVICE_HEADS = ("设计", "咨询", "研发", "检测", "培训", "服务")


#: a standard name of machinery for the industries it lists (C354 印刷、制药、日化及日用品生产专用设备制造)
_FOR_INDUSTRIES = ("专用设备", "专用机械", "专用仪器")


def _serves(query: str, name: str) -> bool:
    """True when ``query`` is one of the industries a machinery name lists as served (日化 in C354
    印刷、制药、日化及日用品生产专用设备制造): such a word names that industry, not its machines (日化 is C268
    日用化学产品制造), so a part of the name is no reading of it — unless the word itself names equipment."""
    return (query in name and name.endswith("制造") and any(h in name for h in _FOR_INDUSTRIES)
            and not query.endswith(_EQUIPMENT_HEADS) and not any(h in query for h in _FOR_INDUSTRIES))


def _head_fits(tail: str, codes: list[str]) -> bool:
    """False when the words after a phrase's last known word name a kind the read's codes are not."""
    if tail.endswith(("用品", "用具")):   # 酒店用品 are goods for hotels, never 住宿业 (W13)
        return all(c[0] in "ABCF" for c in codes)
    if tail.endswith(_EQUIPMENT_HEADS):
        return all(c[0] == "C" for c in codes)
    if tail.endswith(_SERVICE_HEADS):
        return not any(c[0] in "ABCDE" for c in codes)
    return True


def _vocabulary(t) -> frozenset:
    """Every project word and standard name of ``t`` of 2 characters or more (kept per table object)."""
    if _VOCAB and _VOCAB[0] is t:
        return _VOCAB[1]
    out = {k for row in t.values() for k in row.keywords} | {row.name_zh for row in t.values()}
    _VOCAB[:] = [t, frozenset(w for w in out if len(w) >= 2)]
    return _VOCAB[1]


_VOCAB: list = []


def _match(query: str, hits: list[str], t, how: str, notes: tuple = ()) -> IndustryMatch:
    if len(hits) == 1:
        return IndustryMatch(query, "resolved", (hits[0],), (t[hits[0]].name_zh,), how=how, notes=notes)
    return IndustryMatch(query, "ambiguous", candidates=tuple((c, t[c].name_zh) for c in hits), how=how, notes=notes)


def _exact(word: str, t) -> tuple[list[str], str]:
    """Codes whose project words, else whose standard name, are exactly ``word`` (and how)."""
    hits = [c for c, row in t.items() if word in row.keywords]
    if hits:
        return hits, "keyword"
    return [c for c, row in t.items() if row.name_zh == word], "name"


#: the clerk's forms of a word X: (prefix, suffix); the longest suffix is tried first (有限公司 before 公司)
_FORMS = (("做", "的"), ("搞", "的"), ("", "有限责任公司"), ("", "有限公司"), ("", "公司"), ("", "项目"), ("", "加工"),
          ("", "生产线"), ("", "生产基地"), ("", "生产"), ("", "工厂"), ("", "厂"), ("", "车间"), ("", "作坊"),
          ("", "基地"), ("", "场"))
#: forms that name a factory: X must then be an industry that makes things (sections B–D), so that
#: 玉米加工 or 花生加工 is never read as the growing of the crop (A) and 菜市场 never as a kind of farm
_FACTORY_FORMS = ("加工", "厂", "作坊", "生产线", "车间")
#: words of a code's phrase that only say what kind of unit it is (C3451轴承厂's 厂, C2611项目's 项目)
_UNIT_WORDS = CONTAINS_STOP_WORDS | {suffix for _, suffix in _FORMS} | {"做", "搞", "做的", "搞的", "的", "行业", "类"}


def base_words(word: str) -> list[str]:
    """The known-word candidates X of a clerk's form: 做X的, X厂, X工厂, X车间, X生产线, X作坊, X场, X公司, X项目,
    X基地, X加工, X生产.

    Forms may nest once (``做汽配加工的`` → ``汽配加工``, ``汽配``). The words are only candidates:
    :func:`resolve` takes one only when it is itself a listed word or a standard name, so an unknown X
    stays unknown.

    Parameters
    ----------
    word
        What the user typed.

    Returns
    -------
    list of str
        The inner words, outermost form first; empty when ``word`` has none of the forms.

    Examples
    --------
    >>> base_words("做轴承的")
    ['轴承']
    >>> base_words("做汽配加工的")
    ['汽配加工', '汽配']
    >>> base_words("轴承")
    []
    """
    out: list[str] = []
    todo = [word.strip()]
    for _ in range(2):
        nxt = []
        for w in todo:
            for pre, suf in _FORMS:
                if len(w) > len(pre) + len(suf) and w.startswith(pre) and w.endswith(suf):
                    inner = w[len(pre):len(w) - len(suf)].strip()
                    if inner and inner not in out:
                        out.append(inner)
                        nxt.append(inner)
        todo = nxt
    return out


def product_words(word: str) -> list[str]:
    """What ``word`` says the project makes or does: the word itself and the X of its clerk's forms (粉煤灰砖厂,
    粉煤灰砖生产线, 粉煤灰砖项目 → 粉煤灰砖), in the characters the rule book compares (黏 read as 粘, full-width as
    ASCII). A form names the kind of unit, never the product (QA session 30, F3): a rule that reads the product
    word (``fits_words``, ``unfit_words`` of ``plan_rules.json``) reads these.

    Examples
    --------
    >>> product_words("粉煤灰砖厂")
    ['粉煤灰砖厂', '粉煤灰砖']
    >>> product_words("黏土砖")
    ['粘土砖']
    """
    import unicodedata

    plain = tidy(unicodedata.normalize("NFKC", str(word or "")).translate(_VARIANT_CHARS))[0]   # 粉煤灰　砖 too
    return [plain, *base_words(plain)] if plain else []


def names_product(word: str, listed) -> bool:
    """True when a product word of ``word`` (:func:`product_words`) is one of ``listed`` (read in the same form).

    >>> names_product("粉煤灰砖生产线", ["粉煤灰砖"]), names_product("红砖厂", ["粉煤灰砖"])
    (True, False)
    """
    wanted = {p for w in listed or () for p in product_words(w)[:1]}
    return any(w in wanted for w in product_words(word))


def _form_fits(query: str, base: str, codes: list[str]) -> bool:
    """A factory form (X加工, X厂, also inside 做…的) only for X of sections B–D (see ``_FACTORY_FORMS``)."""
    rest = query.replace(base, "", 1)
    if any(f in rest for f in _FACTORY_FORMS):   # a 修理厂 is a repair shop: O81 fits the form too (W12)
        return all(c[0] in "BCD" or c.startswith("O81") for c in codes)
    return True


def _collapse_nested(codes: list[str]) -> list[str]:
    """Drop codes lying under another hit: ``[C345, C3451, C3452]`` → ``[C345]``."""
    codes = sorted(set(codes), key=lambda c: (len(c), c))  # deterministic: code order breaks ties
    kept: list[str] = []
    for c in codes:
        if not any(covers(k, c) for k in kept):
            kept.append(c)
    return kept


#: the least likeness (difflib's ratio, 2 × matched characters / both lengths) of an unknown word to one name or word
#: of a code for the code to be suggested: 轴套 ~ 轴承套圈 0.67 is near; 机房 ~ 机械治疗及病房护理设备制造 0.27, two
#: characters lost in a long name, is not (QA session 31, F7)
MIN_SUGGEST_RATIO = 0.5


def _suggest(query: str, limit: int = 8) -> tuple[tuple[str, str], ...]:
    """Codes with a name or word like the unknown word (the likest first, :data:`MIN_SUGGEST_RATIO`), to help the user."""
    from difflib import SequenceMatcher

    chars = set(query)
    sm = SequenceMatcher(autojunk=False)
    sm.set_seq2(query)
    scored = []
    for code, row in _table().items():
        best = 0.0
        for text in (row.name_zh, *row.keywords):
            if len(chars & set(text)) >= min(2, len(chars)):   # cheap pre-check: a word sharing too few characters
                sm.set_seq1(text)
                best = max(best, sm.ratio())
        if best >= MIN_SUGGEST_RATIO:
            scored.append((-best, len(code), code, row.name_zh))
    scored.sort()
    return tuple((c, n) for _, _, c, n in scored[:limit])


def resolve_industry(value: str) -> IndustryMatch:
    """Like :func:`resolve` but raise :class:`InputError` (listing candidates) unless resolved.

    Examples
    --------
    >>> resolve_industry("轴承").codes
    ('C3451',)
    >>> resolve_industry("3451").codes
    ('C3451',)
    """
    m = resolve(value)
    if m.resolved:
        return m
    raise InputError(industry_error_message(m))


def plan_word(m: IndustryMatch) -> str:
    """Where the plan uses an ambiguous word, when every candidate is the plan's (``""`` otherwise).

    A word the plan itself uses for several unrelated codes (``氢能`` → C2619 制氢 / C3849 燃料电池,
    第四章第六节 “统筹推进氢能“制储输用”全链条发展”) is not an input error: the site check judges every
    candidate and gives a verdict that covers them, or asks the planner to choose
    (:func:`dcf_spatial.queries.site.rules.evaluate`). It qualifies when the word is a keyword of
    ``industry_words.csv`` on a row with a ``plan_ref`` for each candidate (also inside a phrase read by that one
    word: 做光伏的, 光伏企业); words matched only inside names
    (``管材``) still fail with the candidates listed.

    Parameters
    ----------
    m
        A match from :func:`resolve`.

    Returns
    -------
    str
        The chapters and sections the word's rows cite (``"第四章第六节、第四章第二节"``), or ``""``.

    Examples
    --------
    >>> plan_word(resolve("氢能"))
    '第四章第六节、第四章第二节'
    >>> plan_word(resolve("管材"))
    ''
    >>> plan_word(resolve("光伏企业"))  # a phrase read by the one plan word it contains
    '第四章第五节'
    """
    word = _listed_word(m)
    if m.status != "ambiguous" or not word or not m.candidates:
        return ""
    refs = _plan_word_rows().get(word, {})
    if not all(refs.get(c) for c, _ in m.candidates):
        return ""
    return "、".join(dict.fromkeys(r for c, _ in m.candidates for r in refs[c]))


@lru_cache(maxsize=1)
def _plan_word_rows() -> dict[str, dict[str, list[str]]]:
    """``{word: {code: [plan_ref, …]}}`` from the rows of the word list that cite the plan."""
    out: dict[str, dict[str, list[str]]] = {}
    for row in _read_csv_rows(settings.data_dir / WORDS_FILE, comment=True):
        refs = [r.strip() for r in row["plan_ref"].split(";") if r.strip()]
        if not refs:
            continue
        for w in (w.strip() for w in row["keywords"].split(";")):
            if w:
                out.setdefault(w, {}).setdefault(row["code"], []).extend(refs)
    return out


def _listed_word(m: IndustryMatch) -> str:
    """The word of the word list ``m`` was matched on (the X of a form 做X的 …), or ``""``."""
    if m.how == "keyword":
        return m.query
    if m.how == "form" and len(m.notes) == 3 and m.notes[2] == "keyword":
        return m.notes[1]
    # a phrase read by the ONE listed word it contains (光伏企业, 光伏产业 → 光伏, W11) is that word: it is judged
    # like the word itself (task R16: a clerk's 光伏企业 was refused while 光伏 was judged over C3825 / D4416)
    if m.how == "contains" and len(m.notes) == 2 and m.notes[0] == "contains":
        return m.notes[1]
    return ""


#: at most this many candidates of an ambiguous listed word are judged one by one (see :func:`choice_free`)
MAX_JUDGED_CANDIDATES = 6


def choice_free(m: IndustryMatch) -> bool:
    """Is ``m`` a word listed on purpose for several codes (``industry_words.csv``: 铸造 → C3391 / C3392)
    that the site check may judge over its candidates?

    Such a word is answered when every candidate gives the same verdict at the site (the verdict does not
    depend on the choice); when they differ, the check refuses it and lists the candidates with their
    verdicts (:func:`dcf_spatial.queries.site.rules.evaluate`). Words matched only inside names (``管材``)
    are not: they stay refused with their candidates.

    Examples
    --------
    >>> choice_free(resolve("铸造")), choice_free(resolve("做铸造的")), choice_free(resolve("管材"))
    (True, True, False)
    """
    return (m.status == "ambiguous" and (bool(_listed_word(m)) or m.how in ("contains", "head"))
            and 1 < len(m.candidates) <= MAX_JUDGED_CANDIDATES)


def checkable(m: IndustryMatch) -> bool:
    """Can the site check judge ``m``: resolved, an ambiguous word of the plan (:func:`plan_word`), or a
    word listed for several codes (:func:`choice_free`: answered only when the verdict does not depend on
    the code)?

    Examples
    --------
    >>> checkable(resolve("轴承")), checkable(resolve("氢能")), checkable(resolve("铸造")), checkable(resolve("管材"))
    (True, True, True, False)
    """
    return m.resolved or bool(plan_word(m)) or choice_free(m)


class IndustryChoiceNeeded(InputError):
    """A word listed for several codes whose candidates get different verdicts at the site: the planner must
    choose the code. Carries ``match`` and ``each`` (``[(code, name_zh, verdict_zh), …]``) so that a batch can
    word the refusal for its row (:func:`choice_error_message`); ``argument`` is ``"industry"``."""

    def __init__(self, match: IndustryMatch, each: list[tuple[str, str, str]]):
        super().__init__(choice_error_message(match, each))
        self.match, self.each, self.argument = match, each, "industry"


def choice_error_message(m: IndustryMatch, each: list[tuple[str, str, str]], *, where: str = "行业") -> str:
    """The refusal of a word listed for several codes whose verdicts differ at the site.

    Parameters
    ----------
    m
        The ambiguous match.
    each
        ``[(code, name_zh, verdict_zh), …]``: each candidate's verdict at this site.
    where
        As in :func:`industry_error_message`.

    Returns
    -------
    str
        The candidates with their verdicts and the fix (choose a code).

    Examples
    --------
    >>> choice_error_message(resolve("机器人"), [("C3491", "工业机器人制造", "符合"),
    ...                      ("C3964", "服务消费机器人制造", "有条件符合")])  # doctest: +ELLIPSIS
    '行业：「机器人」有多个可能的国民经济行业分类（GB/T 4754-2017），在此场地结论视所选代码而定：按 C3491 ...'
    """
    verdicts = "；".join(f"按 {c} {n}：{v}" for c, n, v in each)
    first = each[0][0] if each else ""
    fix = (f"请改用其中一个代码（如 {where} {first}）后复核。" if where.startswith("--")
           else f"请在该行改填其中一个代码（如 {first}）后复核。" if where.endswith("列")
           else f"请改用其中一个代码（如 {first}）后复核。")
    read = f"（{m.read_zh}）" if m.read_zh else ""
    return (f"{where}：「{clip(m.query)}」{read}有多个可能的国民经济行业分类（GB/T 4754-2017），在此场地结论视所选代码而定："
            f"{verdicts}。{fix}")


def industry_error_message(m: IndustryMatch, *, where: str = "行业") -> str:
    """Why ``m`` did not resolve, and the fix.

    Parameters
    ----------
    m
        The unresolved match.
    where
        The place the value came from, opening the message: ``"行业"`` (default, the API argument),
        the 行业 column of a batch row (a text ending in ``列``: the fix says to change that row), or
        an option name the caller gives (``"--industry"``: the fix names the option).

    Returns
    -------
    str
        One Chinese sentence or two: what was not understood, the candidates, the fix.

    Examples
    --------
    >>> industry_error_message(resolve("管"))  # doctest: +SKIP
    '行业：「管」有多个可能的国民经济行业分类（GB/T 4754-2017）：…'
    """
    cands = "；".join(f"{c} {n}" for c, n in m.candidates)
    q = clip(m.query)
    read = f"（{m.read_zh}）" if m.read_zh else ""   # a phrase read by the words it contains says so
    said = "".join(f"「{w}」" for w in m.notes[1:])
    if m.notes[:1] == ("no_such_code",):
        hint = f"相近的有：{cands}。" if cands else ""
        return (f"{where}：「{q}」中的代码 {m.notes[1]} 在 GB/T 4754-2017 中不存在。{hint}请改正代码（如 C3451、345、34、C），"
                "或写行业词（如 轴承）。")
    if m.notes[:1] == ("code_typo",):
        hint = f"是否指：{cands}？" if cands else ""
        return (f"{where}：「{q}」不是有效的 GB/T 4754-2017 代码写法（{clip(m.notes[1])}）。{hint}"
                "代码写作门类字母加 2–4 位数字，如 C3451、345、34、C。")
    if m.notes[:1] == ("code_split",):
        typed, joined = m.notes[1:3]
        hint = f"是否指 {cands}？" if cands else f"连写为 {joined} 也不是 GB/T 4754-2017 中的代码。"
        return (f"{where}：「{q}」中代码的数字被空格隔开（{typed}），不能确定是一个代码还是两个。{hint}"
                f"请把代码连写（如 {m.candidates[0][0] if cands else joined}）；若是两项活动，请分行核查。")
    if m.notes[:1] == ("code_word_differ",):
        code, bare = m.candidates[0][0], m.notes[2]
        fix = (f"请只写实际从事的一项活动（如 {where} {code}，或只写行业词）" if where.startswith("--")
               else "请在该行只填实际从事的一项活动（代码或行业词）" if where.endswith("列")
               else f"请只写实际从事的一项活动（如 {code}，或只写行业词）")
        # a bare number (711便利店, 304不锈钢) is asked whether a model, a brand or a code (B31b-8), never told a wrong code
        what = (f"中的数字 {bare} 是型号、品牌还是代码？若是代码即 {m.notes[1]}，" if bare
                else f"中的代码 {m.notes[1]} ")
        model = f"；若 {bare} 是型号、品牌或规格，请去掉它" if bare else ""
        return (f"{where}：「{q}」{what}与所写{'、'.join(m.notes[3:])}不是同一项活动，不知以哪个为准。"
                f"{fix}{model}。多项活动请分行核查。")
    if m.notes[:1] == ("two_activities",):
        return (f"{where}：「{q}」写了不止一项活动（{'、'.join(clip(p) for p in m.notes[1:])}），代码与行业词不能混写。"
                "请只写实际从事的一项活动（一个代码或一个行业词）；多项活动请分行核查。")
    if m.notes[:1] == ("negation",):
        return (f"{where}：「{q}」是否定或排除的说法（不做{said}），据此无法判断实际行业。请写出实际从事的生产或经营活动"
                "（如 轴承、做家具的），或给出代码（如 C3451）。")
    if m.notes[:1] == ("annex",):
        return (f"{where}：「{q}」是企业的附属设施（宿舍、食堂、办公楼等），不是一个行业。请写出该企业实际从事的生产或经营"
                "活动，或给出代码（如 C3451）。")
    if m.notes[:1] == ("equipment_unknown",):
        return (f"{where}：「{q}」是{said}的设备，不是{said}本身；无法确定该设备属于哪个行业小类。请给出设备制造的代码"
                f"（通用设备 C34 或专用设备 C35 之下的小类）。")
    if m.notes[:1] == ("vehicle_unknown",):
        return (f"{where}：「{q}」是{said}用的车辆，不是{said}本身；无法确定该车辆属于哪个行业小类。请写出车辆类别"
                "（如 客车、货车、新能源客车、专用车），或给出汽车制造业 C36 之下的代码（如 C3611 汽柴油车整车制造、"
                "C3612 新能源车整车制造、C3630 改装汽车制造）。")
    if m.notes[:1] == ("machine_unclear",):
        x = "".join(m.notes[1:])
        return (f"{where}：「{q}」中的「机」说不清是{x}本身还是制造{x}的机器。若制造机器，请写「{x}机械」或「{x}设备」"
                f"（或给出通用设备 C34、专用设备 C35 之下的小类代码）；若生产{x}，请写「{x}」。")
    if m.notes[:1] == ("repair_unknown",):
        return (f"{where}：「{q}」是{said}的检修或维护，无法确定属于哪个行业小类（不是工业品修理 C43，也不是日用品修理 O81）。"
                "请给出代码。")
    if "too_short" in m.notes:
        return f"{where}：「{q}」太短，无法判断行业。请写出产品或行业，如 轴承厂、做轴承的，或给出代码（如 C3451）。"
    if m.status == "ambiguous":
        first = m.candidates[0][0]
        if where.startswith("--"):
            fix = f"请改用其中一个代码（如 {where} {first}）或更具体的词。"
        elif where.endswith("列"):
            fix = f"请在该行改填其中一个代码（如 {first}）或更具体的词。"
        else:
            fix = f"请改用其中一个代码（如 {first}）或更具体的词。"
        return f"{where}：「{q}」{read}有多个可能的国民经济行业分类（GB/T 4754-2017）：{cands}。{fix}"
    hint = f"相近的有：{cands}。" if cands else ""
    return (f"{where}：无法识别「{q}」为国民经济行业分类（GB/T 4754-2017）代码或行业名称。{hint}"
            "请给出代码（如 C3451、345、34、C）或行业词（如 轴承、新能源汽车、水泥、蔬菜加工、养老）。")


@lru_cache(maxsize=1)
def code_map_2002():
    """The explicit GB/T 4754-2017 → 2002 map (data file) used for the 2008 land-use indicators."""
    import pandas as pd

    df = pd.read_csv(settings.data_dir / MAP_2002_FILE, comment="#", dtype=str, keep_default_na=False)
    return df


@lru_cache(maxsize=1)
def _map_2002_rows() -> list[dict[str, str]]:
    return _read_csv_rows(settings.data_dir / MAP_2002_FILE, comment=True)


@lru_cache(maxsize=4096)
def to_2002_division(code: str) -> tuple[str | None, str]:
    """Map a 2017 code to the GB/T 4754-2002 two-digit division the 2008 indicator table uses.

    The most specific row of the map that covers ``code`` wins (``C292`` → ``30`` before
    ``C29`` → ``29``). Returns ``(code_2002 or None, note)``.
    """
    best = None
    for row in _map_2002_rows():
        if covers(row["code_2017"], code) and (best is None or len(row["code_2017"]) > len(best["code_2017"])):
            best = row
    if best is None or not best["code_2002"]:
        return None, (best["note"] if best is not None else "")
    return best["code_2002"], best["note"]


#: the refusals whose reason :func:`industry_error_message` states (a negation, an annex, equipment without a class,
#: a code the standard lacks, a mistyped code, a code split by a space, a code written with a word of another activity)
REFUSALS = ("negation", "annex", "equipment_unknown", "vehicle_unknown", "machine_unclear", "repair_unknown", "no_such_code", "code_typo",
            "two_activities", "code_split", "code_word_differ")


# ---- W12: heads and negations that contradict production --------------------------------------------------------
HEADS_FILE = "industry_heads.csv"
#: placeholder standing for a product word inside a phrase when its head is read (a character no phrase holds)
_X = "\uE000"
#: what each head kind says the unit does, for the planner to see (read_zh)
HEAD_KIND_ZH = {"wholesale": "批发，非制造", "retail": "零售，非制造", "trade": "批发零售，非制造",
                "repair": "修理，非制造", "equipment": "制造其设备", "vehicle": "其车辆",
                "lease": "租赁，非制造", "install": "安装，非制造", "fixed": "非制造该产品",
                "place": "其车辆停靠、停放或宿营的场所，非制造车辆"}
#: head words: never read as the product (批发 and 零售 are listed words of F51/F52; 机械 of C34/C35)
_HEAD_WORDS = frozenset("销售 经销 经销部 门市 门市部 门店 专卖 专卖店 代理 批发 零售 商店 店铺 贸易 交易 市场 卖场 商城 超市 "
                        "收购 生意 商行 经营部 维修 修理 检修 保养 设备 装备 机械 机具 器材 宿舍 食堂 公寓 拆除 拆迁 废水 污水 "
                        "处置 协同处置 批发市场 交易市场 租赁 出租 安装".split())
#: (pattern over the phrase with each product word as _X, what it is). Order matters: a negation or an annex refuses
#: before any head is read; an equipment head turns the product into its machines before a trade or repair head
#: (化工设备销售 sells machines: F5179). Written by hand: a dozen patterns over a phrase of a few characters.
_NEGATION = re.compile(f"(非|不涉及|不含|不包括|不做|不搞|不从事|不生产|不属于|不是|禁止|严禁|不得|没有|无|(?<![拆清去排消免])除)[^{_X}]{{0,2}}{_X}"
                       f"|{_X}[^{_X}]{{0,3}}(以外|之外|除外)")
#: 公寓 after 养老/老年/颐养 is a care home (养老公寓), not a firm's flats (W13)
_ANNEX = re.compile("宿舍|食堂|公寓|职工住房|办公楼")
_CARE_HOME = re.compile("(养老|老年|颐养|康养)公寓")
#: words that begin with a negation character but negate nothing (无机化工 is inorganic chemicals, 非晶变压器 an
#: amorphous-core transformer, 无公害蔬菜 pollution-free vegetables): masked before a negation is looked for (W13)
_NOT_NEGATIONS = ("无公害", "无花果", "无土", "无机", "无纺", "无缝", "无线", "无人", "无菌", "无糖", "无损", "无水", "无尘",
                  "无铅", "无汞", "无醛", "非晶", "非标", "非金属", "非织造", "非遗", "非公", "非开挖", "非粮", "非常")
_FIXED = ((re.compile("拆除|拆迁"), ("E5021",)),
          (re.compile("(废水|污水)(处理|治理)"), ("N7721",)),
          (re.compile("废气(处理|治理)"), ("N7722",)),
          (re.compile("协同处置|(废物|固废|危废)(处理|处置)"), ("N7723", "N7724")))
#: 生产线 is not a machine head: X生产线 is the plant making X (水泥生产线 is cement making, 第九章第三节), never the
#: machines for X (W13). A bare 机 after a product (水泥机) does not say whether a machine is meant: refused.
_EQUIPMENT = re.compile(f"{_X}[^{_X}]{{0,4}}?(设备|装备|机械|机具|器材)")
_BARE_MACHINE = re.compile(f"{_X}机$")
#: X车, X罐车, X搅拌车, X运输车: a vehicle for X (水泥罐车 is a special-purpose truck, not cement); 车间 is a workshop
_VEHICLE = re.compile(f"{_X}(罐|搅拌|运输|专用|槽|散装)?车(?!间)")
_LEASE = re.compile("租赁|出租")
_INSTALL = re.compile("安装")
_REPAIR = re.compile(f"维修|修理|检修|保养|修{_X}")
_RETAIL = re.compile("门市|门店|商店|店铺|专卖|零售|卖场|超市|店")
#: a shop word that, after a service (洗车 O8111, 健身 R8930), names the place the service is done, not a shop selling
#: goods (W15: 洗车店 is car washing). 商店, 专卖, 超市 … always sell goods and stay retail heads.
_SHOP_WORDS = ("店", "门店", "店铺")
#: GB/T 4754-2017 sections of services (G–T, without F 批发和零售业 itself)
_SERVICE_SECTIONS = "GHIJKLMNOPQRST"
_WHOLESALE = re.compile("批发|收购|贸易")
_TRADE = re.compile(f"销售|经销|代理|卖{_X}|生意|交易|市场|商城|商行|经营部|{_X}城$")


@lru_cache(maxsize=1)
def _head_rows() -> dict[str, list[tuple[str, str]]]:
    """``{kind: [(product prefix, code), …]}`` from :data:`HEADS_FILE` (every code checked against the table)."""
    from .errors import SchemaError

    t = _table()
    out: dict[str, list[tuple[str, str]]] = {}
    for i, row in enumerate(_read_csv_rows(settings.data_dir / HEADS_FILE, comment=True)):
        if row["code"] not in t:
            raise SchemaError(f"{HEADS_FILE} 第 {i + 2} 个数据行：代码 {row['code']} 不在 GB/T 4754-2017 中"
                              f"（{CODES_FILE}）。请改正代码或删去该行。")
        out.setdefault(row["kind"], []).append((row["product"], row["code"]))
    return out


def _rows_for(kind: str, code: str) -> list[str]:
    """The classes of the rows of ``kind`` whose product prefix covers ``code`` most narrowly."""
    cover = [(p, c) for p, c in _head_rows().get(kind, ()) if code.startswith(p)]
    best = max((len(p) for p, _ in cover), default=0)
    return [c for p, c in cover if len(p) == best]


def _map_head(kind: str, codes: list[str]) -> list[str]:
    """The classes a head of ``kind`` turns the product ``codes`` into (``[]`` where no row covers a product).

    A retail head whose product has no retail row gives its wholesale class and F52 零售业 (轴承店); a wholesale head
    without a row, the retail one; a general trade head (销售, 市场) both."""
    out: list[str] = []
    for c in codes:
        if kind in ("wholesale", "retail", "trade") and c[:3] in ("F51", "F52"):
            out.append(c)           # the word already names a trade (家电 → F5272 日用家电零售)
            continue
        if kind == "trade":
            got = _rows_for("wholesale", c) + _rows_for("retail", c)
        elif kind == "retail":
            got = _rows_for("retail", c) or (_rows_for("wholesale", c) + ["F52"] if _rows_for("wholesale", c) else [])
        elif kind == "wholesale":
            got = _rows_for("wholesale", c) or _rows_for("retail", c)
        else:
            got = _rows_for(kind, c)
        if not got:
            return []
        out.extend(got)
    return list(dict.fromkeys(out))


def _read_head(query: str, taken: list[tuple[int, int, str]], words: list[str], codes: list[str], t):
    """A phrase whose head contradicts making its product (W12): a match, or ``None`` when no such head is there.

    ``taken`` are the product words' spans. A negation (非化工, 除电镀外) or an annex (水泥厂宿舍) is refused; a fixed
    activity (拆除, 废水处理, 协同处置) gets its class; an equipment head (化工设备) turns the product into the machines
    that make it, a trade head (销售, 门市, 卖X的 …) into its wholesale/retail class and a repair head (维修, 修X的)
    into its repair class (rows of :data:`HEADS_FILE`). A head whose product has no row gives the division
    candidates (trade: F51/F52; repair: C43/O81) or, for equipment, a refusal — never the product itself.
    """
    rest, last = [], 0
    for s, e, w in taken:
        if w in words:
            rest.append(query[last:s] + _X)
            last = e
    rest.append(query[last:])
    form = "".join(rest)
    notes = ("head",)
    masked = form
    for w in _NOT_NEGATIONS:   # 无机, 非晶 …: words, not negations (same length: spans keep their places)
        masked = masked.replace(w, "词" * len(w))
    if _NEGATION.search(masked):
        return IndustryMatch(query, "unknown", how="none", notes=("negation", *words))
    annex = _ANNEX.search(form.replace(_X, ""))
    if not annex and len(words) > 1:  # 轴承厂职工公寓: a listed housing word (职工公寓, R16) beside a firm is its annex
        annex = next((a for a in map(_ANNEX.search, words) if a), None)
    if annex and not (annex.group(0) == "公寓" and _CARE_HOME.search(query)):
        return IndustryMatch(query, "unknown", how="none", notes=("annex", *words))
    for pat, fixed in _FIXED:
        m = pat.search(form)
        if m:
            return _match(query, list(fixed), t, "head", notes=(*notes, "fixed", m.group(0), *words))
    if _BARE_MACHINE.search(form) and not _EQUIPMENT.search(form):
        return IndustryMatch(query, "unknown", how="none",
                             candidates=tuple((c, t[c].name_zh) for c in ("C34", "C35")),
                             notes=("machine_unclear", *words))
    heads: list[tuple[str, str]] = []
    cur = list(codes)
    m = _EQUIPMENT.search(form) or _VEHICLE.search(form)
    if m:
        kind = "vehicle" if m.re is _VEHICLE else "equipment"
        # 农机设备 is a machine already (C35, C34 but its parts C345 轴承、齿轮 and C348 通用零部件)
        if not (kind == "equipment" and all(c.startswith(("C341", "C342", "C343", "C344", "C346", "C347", "C349", "C35"))
                                            for c in cur)):
            cur = _map_head(kind, cur)
            heads.append((kind, m.group(0).replace(_X, "")))
            if not cur and kind == "vehicle":   # 能源车 is a vehicle (C36), never machinery (QA session 31, F1)
                return IndustryMatch(query, "unknown", how="none",
                                     candidates=tuple((c, t[c].name_zh) for c in ("C361", "C3630")),
                                     notes=("vehicle_unknown", *words))
            if not cur:
                return IndustryMatch(query, "unknown", how="none",
                                     candidates=tuple((c, t[c].name_zh) for c in ("C34", "C35")),
                                     notes=("equipment_unknown", *words))
    for pat, kind in ((_LEASE, "lease"), (_INSTALL, "install"), (_REPAIR, "repair"), (_RETAIL, "retail"),
                      (_WHOLESALE, "wholesale"), (_TRADE, "trade")):
        m = pat.search(form)
        if m and kind == "trade" and re.fullmatch(f"市场|交易|商城|{_X}城", m.group(0)) and any(
                c[0] not in "ABCF" for c in cur):
            continue   # 人才市场, 大学城: a market or a 城 of a service is no trade in goods
        if m and kind == "retail" and m.group(0) in _SHOP_WORDS and all(c[0] in _SERVICE_SECTIONS for c in cur):
            continue   # 洗车店, 健身店: the shop of a service is where the service is done, not a trade in goods (W15)
        if m:
            mapped = _map_head(kind, cur)
            if not mapped and kind == "repair" and not all(c[0] in "CF" for c in cur):
                # 电力检修: the upkeep of a utility or a service is neither 工业品修理 (C43) nor 日用品修理 (O81) (W13)
                return IndustryMatch(query, "unknown", how="none", notes=("repair_unknown", *words))
            if not mapped:
                mapped = ({"lease": ["L71"], "install": ["E49"]}.get(kind)
                          or (["F51", "F52"] if kind != "repair" else ["C43"] if all(c[0] == "C" for c in cur)
                              else ["O81"]))
            heads.append((kind, m.group(0).replace(_X, "X")))
            cur = mapped
            break
    if not heads:
        return None
    kind = heads[-1][0]
    head_words = tuple(h for _, h in heads)
    return _match(query, _collapse_nested(cur), t, "head", notes=(*notes, kind, "+".join(head_words), *words))
