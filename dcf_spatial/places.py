"""Places by name: the gazetteer of the district's townships, clusters, parks and zones.

The gazetteer is built from the store's own layers (townships, other_units, industrial_clusters,
cluster_parks, agri_zones and the service_* layers), so an authoritative layer imported into the
store feeds it with no further step. To these full names it adds the short names the plan and the
offices use (郑家, 第二片区, 高精管材, 蔬菜示范区 …), listed with their plan reference in
``data/place_names.json``, and each township's name without 镇/街道 (郑家镇 → 郑家).

* :meth:`Gazetteer.lookup` resolves one name typed as a site (``--site 郑家镇工业集聚区``); an
  unknown or ambiguous name raises :class:`~dcf_spatial.errors.InputError` listing the nearest names
  (``difflib``, the standard library's fuzzy matcher).
* :meth:`Gazetteer.find_in_text` places a free-text address (项目位置 “东昌府区郑家镇工业园区纬二路北”)
  at the most specific unit whose name it contains.

Examples
--------
>>> from dcf_spatial.places import gazetteer
>>> gazetteer().lookup("郑家").unit_name                         # doctest: +SKIP
'郑家镇'
>>> gazetteer().find_in_text("东昌府区郑家镇工业园区纬二路北").place.level  # doctest: +SKIP
'集聚区'
"""

from __future__ import annotations

import difflib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from . import settings
from .place_variants import VARIANT_VIA
from .errors import DcfError, InputError, clip

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

logger = logging.getLogger(__name__)

#: store layer -> level of its units, as users name them
LAYER_LEVELS = {
    "cluster_parks": "园区",
    "industrial_clusters": "集聚区",
    "agri_zones": "示范区",
    "service_points": "服务业节点",
    "service_core": "服务业分区",
    "service_belts": "服务业分区",
    "service_groups": "服务业分区",
    "townships": "镇街",
    "other_units": "镇街",
}
#: how specific a level is: a text naming a park and its township is placed at the park
LEVEL_RANK = {"园区": 4, "集聚区": 3, "示范区": 3, "服务业节点": 3, "服务业分区": 2, "镇街": 1}
#: words left after cutting 镇/街道 that name no township on their own (新区街道 → "新区" would match 高铁新区)
_GENERIC_SHORT = frozenset({"新区", "城区", "东城", "北城"})
#: leading words of an address that name the whole district, not a unit
_PREFIXES = ("山东省", "聊城市", "东昌府区")
NAMES_FILE = "place_names.json"
#: the areas 第一章第一节 leaves out of the plan ("不包含市辖聊城经济技术开发区、聊城高新技术产业开发区和江北水域旅游度假区")
#: and the short names an office writes for them. The store has no outline of them (their units are in
#: ``other_units`` without saying which zone manages which), so a site named by one cannot be drawn; it
#: must not be offered a near name inside the plan either (经开区 → 嘉明经济开发区 would turn 不在规划范围 into 符合).
EXCLUDED_AREAS = {
    "聊城经济技术开发区": ("聊城经济技术开发区", "经济技术开发区", "经开区"),
    "聊城高新技术产业开发区": ("聊城高新技术产业开发区", "高新技术产业开发区", "高新区"),
    "江北水域旅游度假区": ("江北水域旅游度假区", "江北水域"),
}


def excluded_area(text) -> str | None:
    """The 第一章第一节 area ``text`` names (its full name), or None.

    Examples
    --------
    >>> excluded_area("聊城市经开区黄河路"), excluded_area("嘉明经济开发区")
    ('聊城经济技术开发区', None)
    """
    s = "" if text is None else str(text)
    for full, names in EXCLUDED_AREAS.items():
        if any(n in s for n in names):
            return full
    return None


def excluded_area_message(name: str, full: str) -> str:
    """Why a site named by an area 第一章第一节 excludes is not placed."""
    who = f"“{clip(name)}”" if normalize_name(name) == normalize_name(full) else f"“{clip(name)}”指{full}"
    return (f"{who}：第一章第一节规定本规划范围“不包含市辖聊城经济技术开发区、聊城高新技术产业开发区和江北水域旅游度假区”，"
            "该区的项目不在本规划范围内。图层库中没有这些区的界线（其托管的镇街见图层 other_units），无法按此名称定位；"
            "如需核查，请给出“经度,纬度”、WKT 或地块文件（结论将为不在规划范围）。")


def normalize_name(text) -> str:
    """NFKC (full-width → half-width), no blanks, without a leading 山东省/聊城市/东昌府区."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))
    changed = True
    while changed:
        changed = False
        for p in _PREFIXES:
            if s.startswith(p) and len(s) > len(p):
                s, changed = s[len(p):], True
    return s


@dataclass(frozen=True)
class Place:
    """One named unit of the gazetteer (one name of it: ``name`` may be a short name)."""

    name: str
    unit_name: str
    unit_id: str
    layer_id: str
    level: str
    geometry: object = field(repr=False, compare=False)
    via: str = "图层名称"
    plan_ref: str | None = None
    verify: bool = False
    note: str = ""
    provenance: str = ""
    village: bool = False

    def describe_zh(self) -> str:
        """``"郑家镇工业集聚区（集聚区，规划第八章第一节）"`` plus how the name was known: Chinese only, for a
        clerk (the layer and feature ids are ``layer_id``/``unit_id``)."""
        how = "" if self.name == self.unit_name else f"，“{self.name}”为{self.via}"
        ref = f"，规划{self.plan_ref}" if self.plan_ref else ""
        ver = "，待核实" if self.verify else ""
        return f"{self.unit_name}（{self.level}{how}{ref}{ver}）"


@dataclass(frozen=True)
class TextMatch:
    """Where a free-text address was placed: ``place`` (None when not found or not unique)."""

    text: str
    place: Place | None
    matched: str = ""
    candidates: tuple = ()
    reason: str = ""
    #: a trailing direction word set aside (王屯村北 → "北"): the place is the township only (``reason`` says so)
    qualifier: str = ""
    #: short names found only glued into other words (东吕 in 山东吕氏): not taken, said in ``reason``
    glued: tuple = ()

    @property
    def status_zh(self) -> str:
        """``按地名定位`` or ``位置不明``."""
        return "按地名定位" if self.place is not None else "位置不明"


#: how the reason of a row begins whose name could not be checked because the store lacks a layer of names (the
#: row's fix is the store's, not the row's: :meth:`Gazetteer.unreadable_reason_zh`)
UNREADABLE_HEAD_ZH = "无法核对地名"


class Gazetteer:
    """Names → units of the store. Build with :func:`gazetteer` (reads the store)."""

    def __init__(self, places: list[Place], *, notes: list[str] | None = None, store_label: str = "",
                 unreadable: dict | None = None):
        self.places = list(places)
        self.notes = list(notes or [])
        self.store_label = store_label
        #: ``{layer id: (title, "missing" | "empty")}`` of the layers whose names the store could not give
        #: (queries/site/layer_gaps.py): a name not found may be one of theirs, no fault of the text
        self.unreadable = dict(unreadable or {})
        self._by_name: dict[str, list[Place]] = {}
        for p in self.places:
            key = normalize_name(p.name)
            if not any(q.unit_id == p.unit_id and q.layer_id == p.layer_id for q in self._by_name.get(key, [])):
                self._by_name.setdefault(key, []).append(p)
        # longest names first: the text scan finds 嘉明经济开发区第二片区 before 嘉明经济开发区
        self._keys = sorted(self._by_name, key=len, reverse=True)

    @property
    def names(self) -> list[str]:
        """Every name known (full and short), longest first."""
        return list(self._keys)

    def __len__(self) -> int:
        return len(self._by_name)

    def nearest(self, text: str, k: int = 8) -> list[str]:
        """Up to ``k`` known names closest to ``text`` (containing it, contained in it, then by ``difflib`` ratio),
        one per unit: a unit found by its short name and its full name (沙镇, 沙镇镇) is offered once, by its full
        name (QA round 10: the two read as two places).

        Examples
        --------
        >>> [n for n in gazetteer().nearest("火星镇") if n.startswith("沙镇")]  # doctest: +SKIP
        ['沙镇镇']
        """
        q = normalize_name(text)
        inside = [n for n in self._keys if q and (q in n or n in q)]
        close = difflib.get_close_matches(q, self._keys, n=k, cutoff=0.3)
        out: list[str] = []
        units: set = set()
        for n in inside + close:
            hits = self._by_name[n]
            unit = tuple(sorted((p.unit_id, p.layer_id) for p in hits))
            if unit in units:
                continue
            units.add(unit)
            # the unit's full name when it is a name of the gazetteer and stands for that unit alone
            full = normalize_name(hits[0].unit_name) if len(hits) == 1 else n
            name = full if full in self._by_name and len(self._by_name[full]) == 1 else n
            if name not in out:
                out.append(name)
        return out[:k]

    def places_named(self, name: str) -> list[Place]:
        """The units one name stands for (one, several when ambiguous, none when unknown).

        Examples
        --------
        >>> [p.unit_name for p in gazetteer().places_named("郑家")]   # doctest: +SKIP
        ['郑家镇']
        """
        return list(self._by_name.get(normalize_name(name), []))

    def _listing(self, names) -> str:
        return "、".join(f"{n}（{self._by_name[n][0].level}"
                        + ("，规划范围外" if self._by_name[n][0].layer_id == "other_units" else "") + "）" for n in names)

    def lookup(self, name: str) -> Place:
        """The unit a name stands for.

        Parameters
        ----------
        name
            A full name (郑家镇工业集聚区), a short name (郑家, 第二片区) or a layer name from an
            imported layer; full-width characters, blanks and a leading 东昌府区 do not matter.

        Returns
        -------
        Place

        Raises
        ------
        InputError
            Unknown name, or one name of several units: the message lists the nearest names.

        Examples
        --------
        >>> gazetteer().lookup("第二片区").unit_id     # doctest: +SKIP
        'cluster.jiaming2'
        """
        key = normalize_name(name)
        hits = self._by_name.get(key, [])
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise InputError(f"地名“{clip(name)}”不唯一，可指：" + "；".join(p.describe_zh() for p in hits)
                             + "。请写出完整名称，或给出坐标/地块文件。")
        full = excluded_area(key)
        if full is not None:
            raise InputError(excluded_area_message(name, full))
        # the plan area's units first (other_units: the townships the 开发区 administer, outside the plan area)
        near = sorted(self.nearest(key), key=lambda n: self._by_name[n][0].layer_id == "other_units")
        listing = f"相近的地名：{self._listing(near)}。" if near else ""
        head = f"地名“{clip(name)}”不在地名表中（地名表取自图层库的镇街、集聚区、园区、示范区、服务业分区图层及规划简称，共 {len(self)} 个名称）。"
        if key and key[-1] in _VILLAGE_END:
            # QA round 8: a village (王屯村) is no unit of the gazetteer, and the names sharing its 屯 are no help:
            # the fix is the township in front of it, then (only if that is not it) the nearest names
            raise InputError(f"{head}“{clip(name)}”像是村名，地名表没有村一级的范围：请在村名前写上所在镇（街道），"
                             f"如“郑家镇王屯村”的写法（按该镇街核查，具体地块须另行核查），或给出 “经度,纬度”、WKT 或地块文件。"
                             + (f"若并非村名，{listing}" if listing else ""))
        raise InputError(f"{head}{listing}请改用其中一个名称，或给出 “经度,纬度”、WKT 或地块文件。")

    def unreadable_reason_zh(self, *, row: bool = True) -> str:
        """Why a name may not be found although it is right: the layers the store lacks or holds empty, and the fix
        (``row``: said of one row, else of the rows not placed). Starts with :data:`UNREADABLE_HEAD_ZH`."""
        from .queries.site.layer_gaps import fix_zh, sentence_zh

        what = "；".join(sentence_zh(lid, title, problem) for lid, (title, problem) in self.unreadable.items())
        fixes = "；".join(fix_zh(lid) for lid in self.unreadable)
        return (f"{UNREADABLE_HEAD_ZH}：{what}，地名表缺少这些图层中的名称，"
                f"{'本行的地名' if row else '未能定位的行所写地名'}可能正是其中之一（不是本表的问题，无须改名）。"
                f"处理：{fixes}；修复图层库后重新运行")

    def _short_township(self, key: str) -> bool:
        """``key`` is only a short name of a township (郑家, 闫寺, 沙镇), not any unit's full name."""
        hits = self._by_name.get(key, [])
        return bool(hits) and all(p.level == "镇街" and p.name != p.unit_name for p in hits)

    def _short(self, key: str) -> bool:
        """``key`` is a short name: two characters, a township's name without 镇/街道, or a village's name."""
        return len(key) <= 2 or any(p.village or (p.level == "镇街" and p.name != p.unit_name)
                                    for p in self._by_name.get(key, []))

    def _whole_word(self, s: str, span: tuple, spans: list) -> bool:
        """The short name at ``span`` of ``s`` stands as a word of its own, not as part of another name.

        Written by hand (no segmenter knows these village names): before it the text starts, or a unit's
        word ends (…镇, …区, 东昌府区 …), or another name found ends; after a village's name (盖庄, 东吕)
        comes 村, the end or a sign (盖庄村, 盖庄、东吕), not another character (东吕楼村); after a
        township's short name no village ending follows directly, nor one character and 村 (沙镇村,
        郑家寨, 沙镇楼村 are villages; 沙镇王屯村 is 王屯村 of 沙镇).
        """
        start, end, key = span
        before = s[start - 1] if start > 0 else ""
        if before and _CJK.match(before) and before not in _WORD_END and not any(
                b[1] == start and b is not span and not (self._short(b[2]) and b[1] - b[0] <= 2) for b in spans) \
                and not self._after_township(s, span, spans):
            return False
        after = s[end:end + 2]
        places = self._by_name.get(key, [])
        if any(p.village for p in places):
            return not after or not _CJK.match(after[0]) or after[0] == "村"
        if any(p.level == "镇街" and p.name != p.unit_name for p in places):
            return not _village_follows(s, end)
        return True

    def _township_level(self, key: str) -> bool:
        return any(p.level == "镇街" for p in self._by_name.get(key, []))

    def _after_township(self, s: str, span: tuple, spans: list) -> bool:
        """A township's short name right after another township's name, or after one joining word
        (郑家闫寺, 郑家 闫寺 — blanks are removed before matching —, 郑家和闫寺, 于集许营): two townships
        named, not one glued word; the caller refuses the text naming both (QA round 10)."""
        start, end, key = span
        if not self._short_township(key) or _village_follows(s, end):
            return False
        for b in spans:
            if b is span or not self._township_level(b[2]) or (self._short_township(b[2]) and _village_follows(s, b[1])):
                continue
            if b[1] == start or (b[1] == start - 1 and s[start - 1] in _JOINERS):
                return True
        return False

    def _spans(self, s: str) -> tuple[list, list]:
        """The names of the gazetteer in the normalized text ``s`` as ``(start, end, key)``: those standing as
        whole words, and those glued into another word (the rules of :meth:`find_in_text`)."""
        spans = []
        for key in self._keys:
            start = s.find(key)
            while start >= 0:
                spans.append((start, start + len(key), key))
                start = s.find(key, start + 1)
        spans = [a for a in spans if not any(b[0] <= a[0] and a[1] <= b[1] and (b[1] - b[0]) > (a[1] - a[0])
                                               for b in spans)]
        # a short name (2 characters, a township's name without 镇/街道, a village's name) counts only as a whole
        # word: 山东吕氏集团 holds no 东吕, 李盖庄村 is not 盖庄村, 王沙镇村 is no 沙镇镇 (QA round 9)
        glued = [a for a in spans if self._short(a[2]) and not self._whole_word(s, a, spans)]
        spans = [a for a in spans if a not in glued]
        # a unit written with its 镇/街道 suffix wins over a short name that follows it inside a village name:
        # 堂邑镇郑家村, 梁水镇闫寺村, 侯营镇沙镇村 are villages of 堂邑镇/梁水镇/侯营镇, not two units
        # (only when a village ending follows: 郑家镇闫寺 names two townships, QA round 10)
        spans = [a for a in spans if not self._short_township(a[2]) or not _village_follows(s, a[1])
                 or not any(b[1] <= a[0] and b[2].endswith(("镇", "街道")) and not self._short_township(b[2])
                            for b in spans)]
        return spans, glued

    def find_in_text(self, text) -> TextMatch:
        """Place a free-text address at the most specific unit whose name it contains.

        Matches lying inside a longer match are dropped (嘉明经济开发区 inside 嘉明经济开发区第二片区);
        of the rest the most specific level wins (园区 > 集聚区/示范区 > 服务业分区 > 镇街), then the
        longest name. Two different units left equal → not placed, with both named in ``reason``.

        Examples
        --------
        >>> m = gazetteer().find_in_text("东昌府区郑家镇工业园区纬二路北")   # doctest: +SKIP
        >>> m.place.unit_name, m.status_zh                                  # doctest: +SKIP
        ('郑家镇工业集聚区', '按地名定位')
        """
        raw = "" if text is None or (isinstance(text, float) and text != text) else str(text)
        s = normalize_name(raw)
        if not s:
            return TextMatch(raw, None, reason="地址为空")
        relative = relative_place(s)
        if relative:
            return TextMatch(raw, None, matched=relative, reason=relative_place_message(relative))
        spans, glued = self._spans(s)
        full = excluded_area(s)
        if full is not None and not any(len(k) > 2 for _, _, k in spans):
            # 聊城经济技术开发区… and nothing more specific of the plan: not a unit of the plan (第一章第一节)
            return TextMatch(raw, None, matched=full, reason=excluded_area_message(raw.strip(), full))
        if not spans:
            if glued:
                return TextMatch(raw, None, reason=_glued_reason(s, glued), glued=tuple(k for _, _, k in glued))
            return TextMatch(raw, None, reason="地址中没有地名表中的镇街、集聚区、园区或示范区名称")
        units: dict[tuple, tuple] = {}
        for _, _, key in spans:
            for p in self._by_name[key]:
                score = (LEVEL_RANK.get(p.level, 0), len(key))
                k = (p.layer_id, p.unit_id)
                if k not in units or score > units[k][0]:
                    units[k] = (score, p, key)
        ranked = sorted(units.values(), key=lambda t: t[0], reverse=True)
        best = ranked[0]
        ties = [t for t in ranked if t[0] == best[0]]
        if len(ties) > 1:
            return TextMatch(raw, None, matched=best[2], candidates=tuple(t[1] for t in ties),
                             reason="地址中的地名可指多个单元：" + "；".join(t[1].describe_zh() for t in ties)
                             + "。" + _GIVE_ONE)
        # every other unit the text names must hold the one chosen: 郑家镇工业集聚区 in 郑家镇 is one place,
        # 郑家镇闫寺街道 (two townships) or 古楼街道郑家镇工业集聚区 (a cluster outside 古楼) are two, and
        # taking either would answer for a site nobody gave
        apart = [t for t in ranked[1:] if t[1].unit_id != best[1].unit_id and not _holds(t[1].geometry, best[1].geometry)]
        if apart:
            both = [best] + apart
            return TextMatch(raw, None, matched=best[2], candidates=tuple(t[1] for t in both),
                             reason="地址中的地名指向互不包含的单元：" + "；".join(
                                 f"“{t[2]}”→{t[1].describe_zh()}" for t in both)
                             + f"，无法确定场地在哪一个。{_GIVE_ONE}")
        return TextMatch(raw, best[1], matched=best[2])


#: a place given RELATIVE to a unit (outside it, a distance and direction from it, near it, not it, moved out of it):
#: it cannot be located, and taking the unit would answer for a site that is not there. Written by hand: a few
#: Chinese patterns no geocoding library reads.
#: Chinese numerals of a distance (南五公里, 东三里, 约一公里)
_NUM = "零一二三四五六七八九十两半百千几"
_RELATIVE = re.compile(
    r"以[东南西北]|[东南西北](侧|面|边|方向?)?约?\d|距离?|离[^村庄屯]{0,12}\d|\d+(\.\d+)?(公里|千米|km|KM|Km|里)"
    rf"|[东南西北]{{1,2}}(侧|面|边|方向?|部)?约?[{_NUM}]+(公里|千米|里|米)处?|约?[{_NUM}]+(公里|千米)处?"
    r"|[东南西北]{1,2}(侧|面|边|方向)|[东南西北]{2}方|之[东南西北]|[东南西北]邻|紧邻|毗连|隔壁|不远处?|[向往朝][东南西北]|旁边?|边上"
    r"|(区|园|镇|乡|街道|村|城|带)(边|[东南西北]{1,2})$"   # 纬二路北 is an address, 开发区东 is not
    r"|附近|周边|周围|对面|毗邻|相邻|以外|之外|(区|园|镇|街道|村|城|红线|范围|边界|界|区域|境)外(?!环)|^非|搬出|迁出|外迁")
#: what a place name ends with: words of position followed by one of these (at most one character between) are part
#: of a name (城外村, 郑家镇对面村, 旁边庄, 距家村, 区外路, 东三里庄), not a relative place (W13)
_NAME_AFTER = re.compile(r"[^\d\s]?[村庄屯路街巷铺营寨店集]")


def relative_place(text) -> str:
    """The words by which ``text`` places a site relative to a unit (``"外"``, ``"以南"``, ``"距"`` …), or ``""``.

    Relative words: outside a unit (郑家镇工业集聚区红线外, 范围外), a distance, in digits or in Chinese numerals
    (南五公里处, 东三里, 东侧约一公里), and a direction or neighbourhood after a unit's name (北侧, 东边, 之东, 东邻,
    紧邻, 旁, 隔壁, 不远处, 向东, 东南方, 嘉明经济开发区东). Such words followed by 村/庄/路/街 … are part of a
    name and place nothing relatively (城外村, 旁边庄, 区外路, 东外环, 十里铺, 三里庄).

    Examples
    --------
    >>> relative_place("郑家镇工业集聚区以南10公里"), relative_place("郑家镇王屯村"), relative_place("市外环路")
    ('以南', '', '')
    >>> relative_place("郑家镇工业集聚区红线外"), relative_place("嘉明经济开发区东侧"), relative_place("城外村")
    ('红线外', '东侧', '')
    """
    name = normalize_name(text)
    for m in _RELATIVE.finditer(name):
        if not re.search(r"\d", m.group(0)) and _NAME_AFTER.match(name, m.end()):
            continue   # 城外村, 旁边庄: part of a place's name
        return m.group(0)
    return ""


def relative_place_message(words: str) -> str:
    """Why a relative place is refused, and the fix."""
    return (f"地名含相对位置的说法（“{clip(words)}”：在某单元之外、在其某侧或紧邻、距某处若干公里、附近、非某处或从某处迁出），"
            "无法据此定位，按该单元核查会答非所问。请给出“经度,纬度”、WKT 或地块文件（边界）。")


#: characters that end a unit's word in an address (…省, …市, …区, …镇, …街道, …城, …园): a short name may follow them
_WORD_END = frozenset("省市县区镇乡道城园")
#: what ends a village's name (沙镇村, 郑家寨, 王屯, 李庄): a township's short name followed by one is a village
#: — one list with the endings :data:`_QUALIFIED_END` takes for a village (郑家营, 于集铺 are villages; QA round 10)
_VILLAGE_END = frozenset("村庄屯寨营集铺店")
#: words joining two names (郑家和闫寺, 郑家及闫寺, 郑家镇与闫寺)
_JOINERS = frozenset("和及与同跟")


def _village_follows(s: str, end: int) -> bool:
    """What follows ``s[:end]`` makes it part of a village's name: a village ending (沙镇村, 郑家营; not
    集聚区), or one character and 村 (沙镇楼村; not 沙镇镇村 / 古楼街村)."""
    after = s[end:end + 2]
    if after[:1] and after[0] in _VILLAGE_END and not after.startswith("集聚"):
        return True
    return len(after) == 2 and bool(_CJK.match(after[0])) and after[1] == "村" and after[0] not in "镇街"


def _glued_reason(s: str, glued: list) -> str:
    """Why an address whose only names are glued into other words is not placed."""
    words = "；".join(f"“{key}”在“{s[max(0, a - 2):b + 2]}”中与前后文字连成别的名称" for a, b, key in glued[:3])
    return (f"地址中没有完整的地名：{words}（如李盖庄村不是盖庄村、东吕楼村不是东吕村、山东吕氏不含东吕），"
            f"不按该简称定位。{_GIVE_ONE}")


#: the fix of an address naming several units
_GIVE_ONE = "请只写其中一个单元（如“郑家镇王屯村”），或给出“经度,纬度”、WKT 或地块文件。"


def _holds(outer, inner) -> bool:
    """``outer`` holds ``inner``: at least a tenth of its area (a unit drawn across a township
    boundary still counts), or touches it when ``inner`` has no area (a service point)."""
    import shapely

    if outer is None or inner is None:
        return True
    a = shapely.area(inner)
    if a <= 0:
        return bool(shapely.intersects(outer, inner))
    return float(shapely.area(shapely.intersection(outer, inner))) >= 0.1 * float(a)


def _short_township_name(name: str) -> str | None:
    """郑家镇 → 郑家, 古楼街道 → 古楼, 沙镇镇 → 沙镇; None when nothing sensible is left."""
    for suffix in ("街道", "镇"):
        if name.endswith(suffix):
            short = name[: -len(suffix)]
            if len(short) >= 2 and short not in _GENERIC_SHORT:
                return short
    return None


@lru_cache(maxsize=1)
def short_names() -> tuple[dict, ...]:
    """The entries of ``data/place_names.json`` (short names with their unit id and plan reference)."""
    with open(settings.data_dir / NAMES_FILE, encoding="utf-8") as fh:
        return tuple(json.load(fh)["names"])


def gazetteer(store=None) -> Gazetteer:
    """Build the gazetteer from the store's layers and the short-name table.

    Parameters
    ----------
    store
        A :class:`~dcf_spatial.store.Store`, GeoPackage path or ``postgresql://`` URL; None is
        the active store. A layer the store lacks is skipped with a note (``Gazetteer.notes``).

    Returns
    -------
    Gazetteer

    Examples
    --------
    >>> g = gazetteer()                       # doctest: +SKIP
    >>> g.lookup("郑家镇").level               # doctest: +SKIP
    '镇街'
    """
    from .store import catalog

    from .queries.site.layer_gaps import title_of

    places: list[Place] = []
    notes: list[str] = []
    units: dict[str, Place] = {}
    unreadable: dict = {}
    for layer_id, level in LAYER_LEVELS.items():
        try:
            gdf = catalog.read_layer(layer_id, store=store)
        except DcfError as exc:
            notes.append(f"图层库中没有图层 {layer_id}，其名称未列入地名表（{exc.__class__.__name__}）")
            unreadable[layer_id] = (title_of(layer_id), "missing")
            continue
        if not len(gdf):   # emptied outside dcf: its names are unknown, not wrong in the text read
            unreadable[layer_id] = (str(gdf.attrs.get("title_zh") or title_of(layer_id)), "empty")
        if "name_zh" not in gdf.columns or "id" not in gdf.columns:
            continue
        prov = str(gdf.attrs.get("provenance", ""))
        for uid, name, ref, geom in zip(gdf["id"].astype(str), gdf["name_zh"], gdf.get("plan_ref", [None] * len(gdf)),
                                        gdf.geometry.values):
            if name is None or (isinstance(name, float) and name != name) or geom is None or geom.is_empty:
                continue
            p = Place(name=str(name), unit_name=str(name), unit_id=uid, layer_id=layer_id, level=level, geometry=geom,
                      plan_ref=None if ref is None or ref != ref else str(ref), provenance=prov)
            places.append(p)
            units.setdefault(uid, p)
            if level == "镇街":
                short = _short_township_name(str(name))
                if short:
                    places.append(Place(name=short, unit_name=p.unit_name, unit_id=uid, layer_id=layer_id, level=level,
                                        geometry=geom, via="镇街简称（去掉“镇”“街道”）", plan_ref=p.plan_ref,
                                        provenance=prov))
    for e in short_names():
        unit = units.get(e["unit_id"])
        if unit is None:
            notes.append(f"简称“{e['name']}”对应的单元 {e['unit_id']} 不在图层库中，未列入地名表")
            continue
        places.append(Place(name=e["name"], unit_name=unit.unit_name, unit_id=unit.unit_id, layer_id=unit.layer_id,
                            level=unit.level, geometry=unit.geometry, via="规划或常用简称（place_names.json）",
                            plan_ref=e.get("plan_ref"), verify=bool(e.get("verify", False)), note=e.get("note", ""),
                            provenance=unit.provenance, village=bool(e.get("village", False))))
    # the plan's other ways of writing its clusters (嘉明工业区, 高精管材产业园), when they name one unit only
    from .place_variants import variant_names, variant_rules

    level = variant_rules().get("level", "集聚区")
    taken = {normalize_name(p.name) for p in places}
    for form, unit, ref in variant_names([p for p in units.values() if p.level == level], taken):
        places.append(Place(name=form, unit_name=unit.unit_name, unit_id=unit.unit_id, layer_id=unit.layer_id,
                            level=unit.level, geometry=unit.geometry, via=VARIANT_VIA, plan_ref=ref, verify=True,
                            note=f"“{form}”为“{unit.unit_name}”的常见写法，非规划原文", provenance=unit.provenance))
    logger.info("Gazetteer: %d names of %d units", len(places), len(units))
    return Gazetteer(places, notes=notes, unreadable=unreadable)


def resolve_place(name: str, *, store=None) -> Place:
    """One name → its unit, from the store's gazetteer (see :meth:`Gazetteer.lookup`).

    Examples
    --------
    >>> resolve_place("智能制造产业园").level   # doctest: +SKIP
    '园区'
    """
    return gazetteer(store).lookup(name)


def site_note(place: Place, typed: str) -> str:
    """The reading note of a site given by name (Chinese)."""
    extra = f"；{place.note}" if place.note else ""
    return (f"场地按地名“{typed}”定位：{place.describe_zh()}，具体地块未知：结论按该{place.level}内各分区及其余部分"
            f"各自核查的结果判定（见核查理由），具体地块须另行核查（范围来自图层库，"
            f"{'示意' if place.provenance == 'schematic' else '见图层来源'}）{extra}")


#: canonical column of a free-text address (the ``address`` alias: 项目位置, 建设地点, 项目地址, 坐落 …)
ADDRESS_COLUMN = "address"
def unit_judged_zh(level: str = "单元") -> str:
    """How the site check judges a site placed by a name whose parcel is unknown (every part of the unit
    checked as a parcel: :mod:`dcf_spatial.queries.site.rules.named`), in the words the single check's answer
    and a batch's read note both use (QA round nu #15: the batch note still said «按该单元本身的规划定位判定»).

    Examples
    --------
    >>> unit_judged_zh("集聚区")
    '结论按该集聚区内各分区及其余部分逐一按地块核查判定'
    """
    return f"结论按该{level}内各分区及其余部分逐一按地块核查判定"


PLACE_COLUMNS = ("location_method", "place_matched", "place_name", "place_level", "place_unit_id", "place_layer",
                 "place_reason")


#: ``location_method`` of a row that is no record (a ledger's 合计 row or footer, ``skip`` of :func:`place_rows`)
NOT_A_RECORD_METHOD = "非宗地行（不定位）"


#: ``place_reason`` of the rows of a table with neither coordinates nor a place column (the file's matter, said once)
NO_ADDRESS_COLUMN_REASON = "无坐标，也无项目位置/建设地点/项目地址列"
def place_to_correct(method, reason) -> "np.ndarray":
    """True for the rows :func:`place_rows` left 位置不明 whose own place text is to correct (empty, a name not
    in the gazetteer, a relative place): not when the table has no place column, nor when the store lacks a
    layer of names (neither is the row's to fix). ``reason`` (``place_reason``) says how.

    Examples
    --------
    >>> place_to_correct(["位置不明", "位置不明", "按地名定位"], ["地名“郑家镇工业集中区”不在地名表中", NO_ADDRESS_COLUMN_REASON, None])
    array([ True, False, False])
    """
    import numpy as np

    method = np.asarray(method, dtype=object)
    reason = np.asarray(reason, dtype=object)
    text = np.array(["" if r is None or r != r else str(r) for r in reason], dtype=object)
    return ((method == "位置不明") & (text != "") & (text != NO_ADDRESS_COLUMN_REASON)
            & ~np.char.startswith(text.astype(str), UNREADABLE_HEAD_ZH))


def place_rows(gdf, *, column: str = ADDRESS_COLUMN, store=None, as_point: bool = False, gaz: Gazetteer | None = None,
               skip=None, skip_word: str = "宗地"):
    """Place the rows without a geometry by the names in their address text.

    Parameters
    ----------
    gdf
        A GeoDataFrame (storage CRS, EPSG:4490); rows with a geometry keep it.
    column
        The address column (项目位置 / 建设地点 / 项目地址 … are aliased to ``address``).
    store
        The store whose gazetteer is used (None: the active store).
    as_point
        Place at the unit's representative point (for the audit's map and summaries) instead of
        its polygon (for a site check).
    gaz
        A gazetteer already built (else :func:`gazetteer` of ``store``).
    skip
        Rows that are no record (a ledger's 合计 row or footer, a bool mask): not placed, their
        ``location_method`` is :data:`NOT_A_RECORD_METHOD`, and the note counts them apart — never as
        位置不明.
    skip_word
        What those rows are not, in the note: ``宗地`` (a ledger), ``项目`` (a list of projects).

    Returns
    -------
    (GeoDataFrame, notes)
        A copy, same rows and order, with ``location_method`` (``坐标`` / ``按地名定位`` /
        ``位置不明``), ``place_matched`` (the name found in the text), ``place_name``,
        ``place_level``, ``place_unit_id``, ``place_layer``, ``place_reason`` (why not placed).

    Examples
    --------
    >>> placed, notes = place_rows(batch)            # doctest: +SKIP
    >>> placed["location_method"].tolist()            # doctest: +SKIP
    ['坐标', '按地名定位', '位置不明']
    """
    import numpy as np
    import shapely

    from .io.rows import row_labeller, rows_zh

    out = gdf.copy()
    n = len(out)
    geoms = np.asarray(out.geometry.values, dtype=object).copy()
    missing = np.array([g is None or shapely.is_empty(g) for g in geoms], dtype=bool)
    cols = {c: np.full(n, None, dtype=object) for c in PLACE_COLUMNS}
    cols["location_method"][~missing] = "坐标"
    notes: list[str] = []
    footer = np.zeros(n, dtype=bool) if skip is None else (np.asarray(skip, dtype=bool) & missing)
    cols["location_method"][footer] = NOT_A_RECORD_METHOD if skip_word == "宗地" else f"非{skip_word}行（不定位）"
    missing_all, missing = missing, missing & ~footer
    if missing.any():
        if column not in out.columns:
            cols["location_method"][missing] = "位置不明"
            cols["place_reason"][missing] = NO_ADDRESS_COLUMN_REASON
        else:
            gaz = gaz or gazetteer(store)
            points: dict = {}   # a unit's label point, made once (label_point)
            texts = out[column].tolist()
            cache: dict[str, TextMatch] = {}
            for i in np.flatnonzero(missing):
                t = texts[i]
                key = "" if t is None or t != t else str(t)
                # the single check's rules (site_text_match): a row and a single check of one text agree
                m = cache.get(key) or cache.setdefault(key, site_text_match(key, gaz)[0] if key.strip()
                                                       else gaz.find_in_text(key))
                cols["location_method"][i] = m.status_zh
                if m.place is None or m.qualifier:
                    cols["place_reason"][i] = m.reason   # why not placed, or why placed at the township only
                elif m.place.via == VARIANT_VIA:   # a common form of the plan's name: the match said (QA user F9)
                    cols["place_reason"][i] = variant_reason(m.place)
                if m.place is None and gaz.unreadable and key.strip():
                    # a layer of names is missing or empty: the store's fault, not the text's (QA F2)
                    cols["place_reason"][i] = gaz.unreadable_reason_zh()
                if m.place is None:
                    continue
                p = m.place
                geoms[i] = label_point(p, gaz, points) if as_point else p.geometry
                cols["place_matched"][i] = m.matched
                cols["place_name"][i] = p.unit_name
                cols["place_level"][i] = p.level
                cols["place_unit_id"][i] = p.unit_id
                cols["place_layer"][i] = p.layer_id
            n_named = int((cols["location_method"] == "按地名定位").sum())
            unknown = cols["location_method"] == "位置不明"
            blank = np.zeros(n, dtype=bool)  # looked at on the unplaced rows only (a list placed by name is long)
            for i in np.flatnonzero(unknown).tolist():
                blank[i] = texts[i] is None or texts[i] != texts[i] or str(texts[i]).strip() == ""
            label = row_labeller(out.attrs.get("row_numbers"))
            where = ("该单元的代表点（镇街的代表点取在其集聚区和园区之外；地图上标为“按地名定位，位置示意”）" if as_point
                     else f"该单元（具体地块未知：{unit_judged_zh()}，面积取该行申报面积）")
            lines = (f"{int(missing_all.sum())} 行无坐标（其中 {int(footer.sum())} 行为合计行或表尾，不是{skip_word}，不定位）："
                     if footer.any() else f"{int(missing.sum())} 行无坐标：")
            heading = column_label(column, out.attrs)
            # an empty cell is said to be empty, not «地名无法识别»; the rows left unplaced are named (QA round 11)
            unplaced = [f"{int(k.sum())} 行{what}（{rows_zh(np.flatnonzero(k), label)}）"
                        for k, what in ((unknown & blank, f"{heading.removesuffix('列')}为空"),
                                        (unknown & ~blank, "地名无法核对（图层库缺少地名图层，见下）" if gaz.unreadable
                                         else "地名无法识别")) if k.any()]
            notes.append(f"{lines}{n_named} 行按{heading}中的地名定位到最具体的单元"
                         f"（园区 > 集聚区/示范区 > 镇街），位置取{where}"
                         + (f"；{'、'.join(unplaced)}，记为“位置不明”" if unplaced else ""))
            if gaz.unreadable and (unknown & ~blank).any():
                notes.append(gaz.unreadable_reason_zh(row=False) + "。")
            out.attrs["read_notes"] = _without_placed_rows(out, missing_all, label)
    for c in PLACE_COLUMNS:
        if c in out.columns:
            out = out.rename(columns={c: f"{c}__original"})
        out[c] = cols[c]
    read_notes = out.attrs.get("read_notes")
    out = out.set_geometry(geoms, crs=gdf.crs)
    out.attrs = dict(gdf.attrs)
    if read_notes is not None:
        out.attrs["read_notes"] = read_notes
    return out, notes


#: the levels of the units finer than a level, whose area a point placed by a name of that level keeps
#: out of (a township name says nothing of a cluster or a park in it: dcf_spatial.land.zones._LEVEL_KINDS).
#: A cluster's own name keeps its representative point: the zone join places the row in the cluster by
#: it (a point moved off the cluster's parks was not always inside the cluster the join reads)
_FINER_LEVELS = {"集聚区": (), "园区": ()}
_FINER_DEFAULT = ("集聚区", "园区")


def variant_reason(place: Place) -> str:
    """How a row placed by a common form of a plan name was placed: ``按地名“嘉明工业区”定位为嘉明经济开发区…``."""
    return (f"按地名“{place.name}”定位为{place.unit_name}（{place.level}；“{place.name}”为规划名称的常见写法，"
            f"规划{place.plan_ref}如此称呼该类区域；待核实）")


def label_point(place: Place, gaz: Gazetteer, cache: dict | None = None):
    """The point a row placed by ``place``'s name is drawn at: a point on the unit's surface outside the
    finer units in it (a township's clusters and parks), so that a map does not show
    a parcel known only to be in 郑家镇 inside the 郑家镇工业集聚区 polygon (QA nu #2: the workbook says
    （地名未指明）, the map must not say otherwise); the unit's own ``point_on_surface`` when the finer
    units cover it. ``cache`` keeps the points by unit.

    Examples
    --------
    >>> g = gazetteer()                                                        # doctest: +SKIP
    >>> town = next(p for p in g.places if p.unit_name == "郑家镇")              # doctest: +SKIP
    >>> cluster = next(p for p in g.places if p.unit_name == "郑家镇工业集聚区")  # doctest: +SKIP
    >>> cluster.geometry.contains(label_point(town, g))                          # doctest: +SKIP
    False
    """
    import shapely

    key = (place.layer_id, place.unit_id)
    if cache is not None and key in cache:
        return cache[key]
    geom = place.geometry
    finer = _FINER_LEVELS.get(place.level, _FINER_DEFAULT)
    inner = [q.geometry for q in gaz.places
             if q.level in finer and q.geometry is not None and shapely.intersects(geom, q.geometry)]
    point = shapely.point_on_surface(geom)
    if inner:
        rest = shapely.difference(geom, shapely.union_all(inner))
        if rest is not None and not rest.is_empty and rest.area > 0:
            # the largest piece left (a sliver along a boundary would put the mark on the cluster's edge)
            parts = list(getattr(rest, "geoms", [rest]))
            point = shapely.point_on_surface(max(parts, key=lambda g: g.area))
    if cache is not None:
        cache[key] = point
    return point


def _without_placed_rows(gdf, missing, label) -> list:
    """The reader's notes, its «N 行坐标缺失或不是数字，几何为空：…» restated once the rows were placed by name:
    a row whose coordinate cells were empty is said by the note of :func:`place_rows` (placed, a 合计 row, or
    位置不明 with its row), not listed again as «几何为空» (QA round 11: nine rows listed so, seven then placed);
    a row whose coordinate cells hold what is no number keeps its line."""
    from .io.rows import ISSUE_COLUMN, rows_zh
    from .io.tables import NO_COORDINATES_ISSUE, NO_COORDINATES_NOTE, coordinate_cells_blank

    notes = list(gdf.attrs.get("read_notes") or [])
    head = re.compile(rf"^\d+ 行{re.escape(NO_COORDINATES_NOTE)}")
    if ISSUE_COLUMN not in gdf.columns or not any(head.match(str(n)) for n in notes):
        return notes
    import numpy as np

    issues = gdf[ISSUE_COLUMN].tolist()
    typed = [i for i in np.flatnonzero(missing).tolist()
             if isinstance(issues[i], str) and issues[i].startswith(NO_COORDINATES_ISSUE)
             and not coordinate_cells_blank(issues[i].split("；")[0])]
    line = (f"{len(typed)} 行坐标不是数字，该行的坐标未用（有地点的按地名定位，见下）：{rows_zh(typed, label)}"
            if typed else None)
    return [line if head.match(str(n)) else n for n in notes if line or not head.match(str(n))]


def column_label(column: str, attrs: dict | None = None) -> str:
    """``address`` → ``建设地点列`` (the user's own header, from ``attrs["field_sources"]`` of the rows read),
    else ``项目位置（地址）列``, for notes."""
    own = ((attrs or {}).get("field_sources") or {}).get(column)
    if own:
        return f"{own}列"
    return "项目位置（地址）列" if column == ADDRESS_COLUMN else f"{column} 列"


def read_rows_maybe_without_coordinates(path, *, aliases, crs=None, layer=None, encoding=None, swap_xy=False,
                                        field_map=None, require_address: bool = False, as_points: bool = False,
                                        keep_wkb: bool = False):
    """Read a file as :func:`dcf_spatial.io.read_vector` does; a CSV/XLSX with no coordinate
    column at all is read as a table whose rows have no geometry (to be placed by name).

    With ``require_address`` such a table must have an address column (项目位置/建设地点/项目地址),
    else the reader's "no coordinate column" error stands. ``keep_wkb``: as in ``read_vector``.

    Returns
    -------
    (GeoDataFrame, has_coordinates)
        EPSG:4490; the table's ``attrs`` (``read_notes``, ``row_numbers``) kept.

    Examples
    --------
    >>> gdf, has_xy = read_rows_maybe_without_coordinates("供地结果.csv", aliases="parcels")  # doctest: +SKIP
    """
    import geopandas as gpd

    from . import io as dcf_io
    from .io.formats import _TABULAR, _check_path, _format_of, _is_pg
    from .io.tables import _coordinate_columns

    try:
        return dcf_io.read_vector(path, crs=crs, layer=layer, encoding=encoding, swap_xy=swap_xy, field_map=field_map,
                                  aliases=aliases, as_points=as_points, keep_wkb=keep_wkb), True
    except InputError:
        if _is_pg(path) or _format_of(_check_path(path)) not in _TABULAR:
            raise
        df = dcf_io.read_table(path, field_map=field_map, encoding=encoding, sheet=layer, aliases=aliases)
        try:
            _coordinate_columns(df, None, None, str(path))
        except InputError:  # no coordinate column at all: rows without geometry, placed by name later
            if require_address and ADDRESS_COLUMN not in df.columns:
                raise InputError(no_site_column_message(df, str(path))) from None
            from ._fixes import FIELD_MAP as FIX_FIELD_MAP

            gdf = gpd.GeoDataFrame(df, geometry=[None] * len(df), crs=settings.storage_crs)
            gdf.attrs = dict(df.attrs)
            from .io.xlsx_cells import add_unsaved_formula_issues

            add_unsaved_formula_issues(gdf, df.attrs["row_numbers"])
            gdf.attrs["read_notes"] = list(df.attrs.get("read_notes", [])) + [
                "文件中没有坐标列：各行按表中的地名（项目位置/建设地点/项目地址）定位，不作为错误；"
                f"如表中其实有坐标列（列名未被识别），请用{FIX_FIELD_MAP} lon=<经度列> lat=<纬度列> 指定"]
            return gdf, False
        if require_address and ADDRESS_COLUMN in df.columns:
            # coordinate columns, none usable (all empty, or one number in a 坐标 column): each row says why,
            # and the rows with a place name are placed by it — never a whole list refused as «坐标缺失»
            try:
                return dcf_io.read_vector(path, crs=crs, layer=layer, encoding=encoding, swap_xy=swap_xy,
                                          field_map=field_map, aliases=aliases, as_points=as_points,
                                          keep_wkb=keep_wkb, rows_without_coordinates=True), True
            except InputError:
                pass
        raise


#: a cell that reads as a place name (郑家镇王屯村, 古楼街道东昌路18号): it names a township, street or village
_PLACE_WORD = re.compile(r"[\u3400-\u9fff]{1,8}(?:镇|街道|乡|村|社区)")


def no_site_column_message(df, where: str) -> str:
    """Why a list of sites has no column to place its rows by, and which columns would do: the
    coordinate pairs, a 经纬度 or WKT column, or a place-name column (坐落 …); a column whose cells
    read as place names (most of its filled cells name a 镇/街道/乡/村) is named with the mapping
    that reads it (``address=<列>``)."""
    from ._fixes import FIELD_MAP as FIX_FIELD_MAP
    from .io.aliases import alias_table
    from .io.tables import where_read

    where = where_read(df, where)  # the sheet of a workbook whose columns are listed
    table = alias_table()
    shown = df.attrs.get("input_columns") or list(df.columns)
    address = table["groups"]["sites"]["address"]
    if isinstance(address, str) and address.startswith("shared:"):
        address = table["shared"][address.split(":", 1)[1]]
    address = [a if isinstance(a, str) else a["name"] for a in address]
    likely = []
    for col in shown:
        if col not in df.columns or df[col].dtype.kind not in "OSU":
            continue
        cells = df[col].dropna().astype(str)
        if len(cells) and cells.str.contains(_PLACE_WORD).mean() >= 0.5:
            likely.append(col)
    hint = (f"列“{likely[0]}”的内容像地名（如 {clip(str(df[likely[0]].dropna().iloc[0]), 20)}）："
            f"请用{FIX_FIELD_MAP} address={likely[0]} 指定，各行即按地名定位。") if likely else ""
    return (f"{where}：找不到定位各行场地的列。场地可取自：坐标列（经度/纬度、X/Y、东坐标/北坐标）、"
            f"经纬度列（\"116.0,36.4\"）、WKT 列，或地名列（{'、'.join(address[:8])} 等，按地名定位到镇街、集聚区或园区）。"
            f"现有列：{', '.join(map(str, shown))}。{hint}"
            "请把相应列改名为上述列名之一；"
            f"坐标列也可用{FIX_FIELD_MAP} lon=<经度列> lat=<纬度列> 指定，地名列也可用{FIX_FIELD_MAP} address=<地名列> 指定。")


#: what may follow a unit's name in a site typed as text: a village, road or number (郑家镇王屯村,
#: 古楼街道东昌路18号); anything else (郑家镇<script>, 郑家镇!!!) is not an address
_PLACE_LIKE = re.compile(r"[\u3400-\u9fff0-9A-Za-z\-#()（）·、,，]*")
_CJK = re.compile(r"[\u3400-\u9fff]")


def place_for_site(text: str, *, store=None, gaz: Gazetteer | None = None) -> tuple[Place, list[str]]:
    """The unit a site typed as a name stands for, and the reading note: the CLI's ``--site``, the
    desk's ``site`` and :func:`site_from_name` all read a name through this, so one text gets one answer.

    A name of the gazetteer is its unit. Other text (郑家镇王屯村, as an application writes the 建设地点)
    is placed as the batch check places an address (:meth:`Gazetteer.find_in_text`), with a note that
    the site is approximate; it is refused when it names no unit, several units that do not hold one
    another (郑家镇闫寺街道), a 区/园 the gazetteer does not know (郑家镇工业集中区: most likely a
    misspelt unit, which the township would understate), or when what follows the unit is not
    place-like (郑家镇<script>, 郑家镇!!!).

    Raises
    ------
    InputError
        With the nearest names, or both units and the fix (give one).

    Examples
    --------
    >>> place_for_site("郑家镇王屯村")[0].unit_name      # doctest: +SKIP
    '郑家镇'
    """
    gaz = gaz or gazetteer(store)
    match, exact = site_text_match(text, gaz)
    if match.place is None:
        raise InputError(match.reason)
    place = match.place
    if exact:
        return place, [site_note(place, text)]
    if match.qualifier:
        return place, [f"地名“{clip(text)}”：{match.reason}（与批量核查、闲置土地审计对坐落的处理相同）；" + site_note(place, text)]
    return place, [f"地名“{clip(text)}”不在地名表中，从中识别出“{match.matched}”（与批量核查对建设地点的处理相同）："
                   f"场地近似取{place.level}“{place.unit_name}”，更具体的位置未能定位；" + site_note(place, text)]


def site_text_match(text, gaz: Gazetteer) -> tuple[TextMatch, bool]:
    """Where a site typed as text lies, by the rules of :func:`place_for_site`; the batch places each row's
    建设地点 through this too, so that one text gets one status in a single check and in a batch.

    Returns ``(match, exact)``: ``match.place`` is None when refused, with the whole message in ``match.reason``
    (the nearest names for an unknown 区/园 such as 郑家镇工业集中区); ``exact`` when the text is a name of the
    gazetteer.

    Examples
    --------
    >>> m, exact = site_text_match("郑家镇工业集中区", gazetteer())   # doctest: +SKIP
    >>> m.place is None, "郑家镇工业集聚区" in m.reason                 # doctest: +SKIP
    (True, True)
    """
    raw = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    relative = relative_place(raw)
    if relative and normalize_name(raw) not in gaz._by_name:
        qualified = _township_of_qualified(raw, gaz)
        if qualified is not None:
            return qualified, False
        return TextMatch(raw, None, matched=relative, reason=f"地名“{clip(raw)}”：{relative_place_message(relative)}"), False
    try:
        place = gaz.lookup(raw)
        return TextMatch(raw, place, matched=normalize_name(raw)), True
    except InputError as exc:
        match = gaz.find_in_text(raw)
        if match.place is None and match.candidates:
            return TextMatch(raw, None, matched=match.matched, candidates=match.candidates,
                             reason=f"地名“{clip(raw)}”：{match.reason}"), False
        rest = normalize_name(raw)
        for key in gaz._keys:  # longest first: every known name in the text, not only the one matched
            rest = rest.replace(key, "")
        if match.place is None and match.glued:
            return TextMatch(raw, None, reason=f"地名“{clip(raw)}”：{match.reason}", glued=match.glued), False
        # a 区/园 inside a road or village name (花园路, 园区路, 区府街) names no unit: only a 区/园 ending a name does;
        # a 社区 is a neighbourhood committee like a 居委会 (郑家社区 is 郑家镇's, QA round 10)
        if (match.place is None or re.search(r"(?<!社)区(?![路街巷道村庄屯])|园(?![路街巷道村庄屯])", rest) or not _PLACE_LIKE.fullmatch(rest)
                or (rest and not _CJK.search(rest))):
            # an unknown 区/园 (郑家镇工业集中区: most likely a misspelt unit, which the township would understate)
            return TextMatch(raw, None, matched=match.matched, reason=str(exc)), False
        return match, False


#: a direction or neighbourhood word at the end of an address (王屯村北, 聊临路东侧, 广平村以西, 驻地附近)
_TRAILING_QUALIFIER = re.compile(r"(以|之)?[东南西北]{1,2}(侧|面|边|部|方|角)?$|(附近|周边|周围|一带|旁边?)$")
#: what such a word may qualify for the township to stay certain: a village, road or seat inside it
_QUALIFIED_END = re.compile(r"(村|庄|屯|寨|营|集|铺|店|社区|小区|路|街|大道|道|巷|驻地|广场|桥|河|渠)$")


def _township_of_qualified(raw: str, gaz: Gazetteer) -> TextMatch | None:
    """An address whose last words place it relative to a village or road of a named township
    (郑家镇王屯村北, 梁水镇聊临路东侧, 广平镇广平村西): the township is certain, nothing finer is. The
    returned match is the township itself (``matched`` names the qualifier), whatever finer unit the
    text also names (a cluster the site only might be in is not claimed); None when the word qualifies a
    unit of the gazetteer itself (嘉明经济开发区东侧, 郑家镇附近: outside it, refused as before) or the text
    names no single township.
    """
    s = normalize_name(raw)
    m = _TRAILING_QUALIFIER.search(s)
    if not m or m.start() == 0:
        return None
    base = s[: m.start()]
    if not _QUALIFIED_END.search(base) or relative_place(base) or any(base.endswith(k) for k in gaz._keys):
        return None   # the word qualifies a unit (开发区东, 郑家镇北) or more is relative: not inside anything known
    # the names as whole words, by the rules of an address without the word (王沙镇村北 is no 沙镇镇, QA round 10)
    spans, glued = gaz._spans(base)
    towns = {}
    for _, _, key in spans:
        for p in gaz._by_name[key]:
            if p.level == "镇街":
                towns.setdefault(p.unit_id, p)
    if not spans and glued:
        return TextMatch(raw, None, reason=f"地名“{clip(raw)}”：{_glued_reason(base, glued)}",
                         glued=tuple(k for _, _, k in glued))
    if len(towns) != 1:
        return None
    town = next(iter(towns.values()))
    words = m.group(0)
    return TextMatch(raw, town, matched=town.name, qualifier=words,
                     reason=f"仅镇街确定：“{words}”是相对于“{base.replace(town.name, '', 1) or base}”的方位，"
                            f"只能确定在{town.unit_name}内，是否在某集聚区/园区未定（未归属）；"
                            "请补充坐标（经度、纬度）或写明地块所在村名")


def site_from_name(text: str, *, store=None, area_mu: float | None = None) -> "gpd.GeoDataFrame":
    """The polygon of the unit a place name stands for, as one site row (the site check of a name).

    The name is read by :func:`place_for_site` (a name of the gazetteer, or an address naming one unit).

    Examples
    --------
    >>> site_from_name("郑家镇王屯村")["place_name"].iloc[0]      # doctest: +SKIP
    '郑家镇'
    """
    import geopandas as gpd
    import shapely

    from .crs import to_working
    from .io.site import _SITE

    place, notes = place_for_site(text, store=store)
    gdf = gpd.GeoDataFrame({"site_input": [text], "site_from_name": [text], "place_name": [place.unit_name],
                            "place_level": [place.level], "place_unit_id": [place.unit_id],
                            "place_layer": [place.layer_id], "location_method": ["按地名定位"]},
                           geometry=[place.geometry], crs=settings.storage_crs)
    gdf["area_mu_measured"] = shapely.area(to_working(gdf).geometry.values) / settings.MU_M2
    if area_mu is not None:
        if not area_mu > 0:
            raise InputError(f"用地面积 {area_mu}：必须大于 0（单位：亩）。")
        notes.append(f"申报用地面积 {area_mu:g} 亩（结论与用地控制指标按此面积）；{place.level}“{place.unit_name}”"
                     f"共 {float(gdf['area_mu_measured'].iloc[0]):,.0f} 亩，具体地块未知，请给坐标或地块文件后复核")
    gdf.attrs.update({"read_notes": notes, "source_file": f"{_SITE} {text!r}"})
    return gdf


def read_site(value, *, crs=None, area_mu: float | None = None, layer=None, encoding=None, swap_xy: bool = False,
              field_map: dict | None = None, as_points: bool = False, store=None,
              crs_read: dict | None = None) -> "gpd.GeoDataFrame":
    """Turn what a user gives for a site into rows in EPSG:4490: ``"lon,lat"``, WKT/GeoJSON, a file
    (:func:`dcf_spatial.io.read_site`) — or a place name of the store (``"郑家镇"``, ``"第二片区"``,
    ``"智能制造产业园"``): "somewhere in that unit, exact parcel not yet known" — the check judges the
    unit's own designation and names the zones inside it for the parcel (see
    :mod:`dcf_spatial.queries.site.rules.named`).

    Parameters
    ----------
    value
        The site as typed.
    crs, area_mu, layer, encoding, swap_xy, field_map, as_points, crs_read
        As :func:`dcf_spatial.io.read_site`.
    store
        The layer store whose names a place name is looked up in (None: the active store).

    Returns
    -------
    GeoDataFrame
        One row per site; a site from a name carries ``place_name``, ``place_level``
        (园区/集聚区/示范区/镇街 …), ``place_unit_id``, ``place_layer`` and ``location_method``.

    Examples
    --------
    >>> import dcf_spatial as dcf
    >>> dcf.read_site("115.98,36.45", area_mu=50).geom_type.iloc[0]        # doctest: +SKIP
    'Polygon'
    >>> dcf.read_site("郑家镇工业集聚区")["place_level"].iloc[0]             # doctest: +SKIP
    '集聚区'
    """
    from .io.site import read_site as read_site_value

    return read_site_value(value, crs=crs, area_mu=area_mu, layer=layer, encoding=encoding, swap_xy=swap_xy,
                           field_map=field_map, as_points=as_points, crs_read=crs_read,
                           resolve_name=lambda text, area_mu=None: site_from_name(text, store=store, area_mu=area_mu))
