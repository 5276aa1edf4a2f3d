"""What did the user type in an industry field, before it is read as GB/T 4754-2017 codes and words?

Four questions of the typed text, answered without the code table (:mod:`dcf_spatial.industry` checks the codes):

- :func:`tidy` — the text without the characters a clerk cannot see: zero-width and other format characters, and
  spaces (after NFKC, a full-width U+3000 is one) inside a run of Chinese characters (「轴　承」 is 轴承);
- :func:`split_code` — a code whose digits a space splits (「C34 51」): a typing slip, never two codes;
- :func:`glued_codes` — codes written into a word (「轴承C2611」, 「C3670汽车零部件」, 「轴承（C2611）」), never
  quantities (「年产2000吨」), times (「24小时」, 「2021投产」) or model names (「N95口罩」: the letter must then be the
  division's, which the caller checks);
- :func:`concrete_grades` — strength grades before concrete (「C30混凝土」): a grade, never a code.

Written by hand: four regular expressions over a phrase of a few characters.
"""

from __future__ import annotations

import re
import unicodedata

#: a Chinese character (CJK unified ideographs, extension A and compatibility ideographs)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_INNER_SPACE = re.compile(f"(?<=[{_HAN}])\\s+(?=[{_HAN}])")
#: the separators of a list of values (as :func:`dcf_spatial.industry.resolve` splits one)
SEPARATORS = ",，;；、/"
#: digits, a space, digits: 「C34 51」, 「34 51」 (a letter may only open the first group)
_SPLIT_CODE = re.compile(f"(?:^|(?<=[\\s{SEPARATORS}]))([A-Ta-t]?\\d{{1,3}})\\s+(\\d{{1,3}})(?=$|[\\s{SEPARATORS}])")
#: a code inside a word: a section letter or not, 2–4 digits, no letter, digit or decimal point on either side
_GLUED = re.compile(r"(?<![A-Za-z0-9.\-_])([A-Ta-t]?)(\d{2,4})(?![0-9A-Za-z.%\-_])")
#: what follows a number that is a quantity, a date or a size, not a code (年产2000吨, 2021年, 50亩, 12英寸, 3号楼)
_UNITS = "万亿千百十吨斤米台套件个辆年月日号亩平方克元寸英度伏瓦名人户家栋层条只张片期批座间"
#: words after a number that make it a time, not a code (24小时便利店, 2021投产轴承厂: breaker session 31, B31b-8)
_TIME_WORDS = ("小时", "投产", "建成", "开工", "竣工", "周年")
#: a concrete strength grade (GB/T 50010 混凝土结构设计规范: C15 … C80) before 混凝土/砼: 「C30混凝土」 is concrete of grade
#: C30, never the code C30 非金属矿物制品业 (B31b-8)
_CONCRETE_GRADE = re.compile(r"(?<![A-Za-z0-9.\-_])[Cc]\d{2}(?![0-9.])\s*(?=(?:商品|预拌|细石|自密实|透水)?(?:混凝土|砼))")
#: brackets around a code in a word (「轴承（C2611）」): left out of the word that remains
BRACKETS = "()（）[]【】〔〕"


def tidy(text: str) -> tuple[str, bool]:
    """``text`` without format characters (zero-width spaces, joiners, soft hyphens, byte-order marks: Unicode
    category Cf) and without spaces between two Chinese characters; and whether anything was taken out.

    ``text`` is expected in NFKC already (a full-width space is then a plain one). A space between a code and a word
    (「C3451 轴承」) or between two codes stays: it separates values.

    Examples
    --------
    >>> tidy("轴 承"), tidy("轴\\u200b承"), tidy("C3451 轴承")
    (('轴承', True), ('轴承', True), ('C3451 轴承', False))
    """
    out = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    out = _INNER_SPACE.sub("", out).strip()
    return out, out != text.strip()


def split_code(text: str) -> tuple[str, str] | None:
    """The first code of ``text`` whose digits a space splits: ``(as typed, joined)``, or ``None``.

    Only where the joined digits are 2–4 long, as a code's are (「C3451 3452」 is two codes, not a slip).

    Examples
    --------
    >>> split_code("C34 51"), split_code("C3451 3452"), split_code("C 3451")
    (('C34 51', 'C3451'), None, None)
    """
    for m in _SPLIT_CODE.finditer(text):
        first, second = m.group(1), m.group(2)
        if re.search(r"\d", first) and 2 <= len(re.sub(r"\D", "", first)) + len(second) <= 4:
            return m.group(0), first.upper() + second
    return None


def glued_codes(part: str) -> list[tuple[int, int, str, str]]:
    """The code-like runs of ``part`` written into a word: ``[(start, end, letter, digits), …]``.

    Only in a part holding a Chinese character (a part that is all code is read as a code); a number followed by a
    unit (:data:`_UNITS`: 吨, 年, 亩 …) is a quantity and not returned. Whether the letter belongs to the division
    (「N95口罩」 is no code) and whether a bare number names an existing code is for the caller to check.

    Examples
    --------
    >>> glued_codes("轴承C2611"), glued_codes("年产2000吨轴承"), glued_codes("C3670")
    ([(2, 7, 'C', '2611')], [], [])
    """
    if not re.search(f"[{_HAN}]", part):
        return []
    return [(m.start(), m.end(), m.group(1).upper(), m.group(2)) for m in _GLUED.finditer(part)
            if (not part[m.end():m.end() + 1] or part[m.end()] not in _UNITS)
            and not (not m.group(1) and part.startswith(_TIME_WORDS, m.end()))]


def concrete_grades(text: str) -> tuple[str, tuple[str, ...]]:
    """``text`` without the concrete strength grades written before 混凝土/砼, and the grades taken out.

    Examples
    --------
    >>> concrete_grades("C30混凝土"), concrete_grades("C3021 混凝土")
    (('混凝土', ('C30',)), ('C3021 混凝土', ()))
    """
    grades = tuple(g.strip().upper() for g in _CONCRETE_GRADE.findall(text))
    return (_CONCRETE_GRADE.sub("", text).strip(), grades) if grades else (text, ())
