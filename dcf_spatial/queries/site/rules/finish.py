"""The last pass over one site's reasons: the deciding reason first and marked, the reasons it overrides
said to be overridden, and no clause cited twice in one list (QA round 8, findings 3 and 4).

Written by hand: it reorders a list of a few dicts and rewrites short texts; no library does this.
"""

from __future__ import annotations

import re

from .... import plan

#: the mark put before each reason that decides a verdict other reasons contradict
DECISIVE_ZH = "决定性理由："
#: the mark put before a milder reason that a 不符合 overrides (its facts are kept)
OVERRIDDEN_ZH = "（不影响结论，已被决定性理由否定）"

# a list of clauses joined by 、: 第八章第一节、第八章第一节、第五章第二节 (a section may be left out: 第三章)
_CLAUSE = r"第[一二三四五六七八九十]+章(?:第[一二三四五六七八九十]+节)?"
_CLAUSE_LIST = re.compile(rf"{_CLAUSE}(?:、{_CLAUSE})+")

#: notes (``info``) on how the site fits its zone or park (rules/industry.py): a 不符合 overrides them as well
ZONE_FIT_NOTES = frozenset({"park_mismatch", "park_major", "split_zone"})


def unique_clauses(text: str) -> str:
    """``text`` with each list of clauses joined by 、 cited once each, in the order first cited.

    Examples
    --------
    >>> unique_clauses("不符合（第八章第一节、第八章第一节、第五章第二节）")
    '不符合（第八章第一节、第五章第二节）'
    """
    return _CLAUSE_LIST.sub(lambda m: "、".join(dict.fromkeys(m.group(0).split("、"))), text)


def finish(items: list[dict], verdict: str) -> list[dict]:
    """The reasons of one site in the order a reader needs them, for ``verdict``.

    When a reason of a milder effect (符合 / 有条件符合) stands beside the reasons that decide a harsher
    verdict, the deciding reasons come first, each marked :data:`DECISIVE_ZH`; under 不符合 the milder
    reasons follow, each marked :data:`OVERRIDDEN_ZH` (their facts kept) and flagged ``"overridden": True``;
    notes (``info``) keep their place after them. Every text has its clause lists de-duplicated.

    Examples
    --------
    >>> out = finish([{"effect": "fits", "text_zh": "行业与其产业定位一致。"},
    ...               {"effect": "does_not_fit", "text_zh": "工业项目不得在此建设。"}], "does_not_fit")
    >>> [r["text_zh"] for r in out]
    ['决定性理由：工业项目不得在此建设。', '（不影响结论，已被决定性理由否定）行业与其产业定位一致。']
    """
    for r in items:
        r["text_zh"] = unique_clauses(r["text_zh"])
    order = plan.rules()["verdict_order"]
    if verdict not in ("conditional", "does_not_fit"):
        return items
    rank = order.index(verdict)
    milder = [r for r in items if (r["effect"] in order and order.index(r["effect"]) < rank)
              or (verdict == "does_not_fit" and r["effect"] == "info" and r.get("rule") in ZONE_FIT_NOTES)]
    if not milder:
        return items
    deciding = [r for r in items if r["effect"] == verdict]
    rest = [r for r in items if r["effect"] != verdict and r not in milder]
    for r in deciding:
        if not r["text_zh"].startswith(DECISIVE_ZH):
            r["text_zh"] = DECISIVE_ZH + r["text_zh"]
    if verdict == "does_not_fit":
        for r in milder:
            r["overridden"] = True
            if not r["text_zh"].startswith(OVERRIDDEN_ZH):
                r["text_zh"] = OVERRIDDEN_ZH + r["text_zh"]
    return deciding + milder + rest
