"""The plan's rules: which industry goes to which zone, and what is barred.

Two data files, read here and nowhere else:

``data/plan_zones.json``
    What each zone of chapter 8 is for (one record per zone id; written by the layers work).
``data/plan_rules.json``
    The *rules*: kinds of industry and the zone layers they belong in, barred industries
    (第九章第三节), the "enterprises into parks" policy (第三章第三节, 第十章第四节), verdict names,
    thresholds — each with ``plan_ref`` and a quote of the plan text, so that text and rules can be
    compared line by line.

Industry codes are GB/T 4754-2017 codes with their section letter (``C3451``), see
:mod:`dcf_spatial.industry`.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache

from . import settings
from .errors import SchemaError
from .industry import covers, names_product, product_words
from .plan_refs import resolve_zone_refs

logger = logging.getLogger(__name__)

ZONES_FILE = "plan_zones.json"
RULES_FILE = "plan_rules.json"


@lru_cache(maxsize=1)
def rules() -> dict:
    """The rule book (``data/plan_rules.json``); a malformed ``chemical_parks.recognised`` is refused
    (:func:`chemical_parks_problems`), and a zone's entry that takes another zone's (``same_as``) is replaced by it,
    or refused when it points nowhere (:func:`~dcf_spatial.plan_refs.resolve_zone_refs`)."""
    data = resolve_zone_refs(_load_json(RULES_FILE), source=str(settings.data_dir / RULES_FILE))
    rec = (data.get("chemical_parks") or {}).get("recognised", [])
    if not isinstance(rec, list) or not all(isinstance(v, str) and v.strip() for v in rec):
        bad = _chemical_parks_form(rec)
        raise SchemaError(f"{settings.data_dir / RULES_FILE}：{bad}")
    return data


@lru_cache(maxsize=1)
def zones() -> dict[str, dict]:
    """Zone id → record from ``data/plan_zones.json`` (empty dict if the file is absent)."""
    path = settings.data_dir / ZONES_FILE
    if not path.exists():
        logger.warning("找不到 %s：各区域的产业定位只取自图层属性", path)
        return {}
    data = _load_json(ZONES_FILE)
    return data.get("zones", data)


def zone_attributes(zone: dict) -> dict:
    """The layer attributes every zone takes from ``plan_zones.json`` (lists flattened to text), as the
    shipped zone layers hold them and as a bureau's zone layer is filled (the bureau brings the geometry).

    Examples
    --------
    >>> zone_attributes(zones()["cluster.jiaming"])["plan_ref"]
    '第八章第一节'
    """
    return {
        "name_zh": zone["name_zh"],
        "plan_ref": zone["plan_ref"],
        "industries_gbt4754": ",".join(str(v) for v in zone.get("industries_gbt4754", [])),
        "industries_zh": "；".join(zone.get("industries_zh", [])),
        "host_townships": ",".join(str(v) for v in zone.get("host_townships", [])),
        "description_zh": zone.get("description_zh", ""),
        "host_note": zone.get("host_note", ""),
    }


def _load_json(name: str) -> dict:
    path = settings.data_dir / name
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{path}：不是有效的 JSON（{exc}）。请按提示的行列修正该文件（它是主管部门可以编辑的数据文件）。") from None


CHEMICAL_PARKS_KEY = "plan_rules.json → chemical_parks.recognised"


def _chemical_parks_form(rec) -> str:
    """The message for a ``recognised`` that is not a list of non-empty texts (a text would match by substring:
    ``"cluster.jiaming2"`` made ``cluster.jiaming`` recognised); ``""`` when its form is right."""
    import json as _json

    shown = _json.dumps(rec, ensure_ascii=False)
    if not isinstance(rec, list):
        return (f"{CHEMICAL_PARKS_KEY} 应为要素 id 的列表，收到 {shown}。请改为列表，如 [\"park.jiaming.new_materials\"]"
                "（无省认定的化工园区时为 []）。")
    bad = [v for v in rec if not isinstance(v, str) or not v.strip()]
    if bad:
        return (f"{CHEMICAL_PARKS_KEY} 中的 {_json.dumps(bad, ensure_ascii=False)} 不是要素 id（应为文字，如 "
                "\"park.jiaming.new_materials\"）。请改正或删去这些项。")
    return ""


def chemical_parks_problems(known_ids=None) -> list[str]:
    """What is wrong with ``plan_rules.json → chemical_parks.recognised`` (the office's list of the province's
    recognised chemical parks): it must be a list of feature ids, each of a cluster or park of the store
    (``known_ids``; ``None`` checks the form only) or a zone id of ``plan_zones.json``. Ids are compared exactly:
    ``"cluster.jiaming2"`` does not stand for ``cluster.jiaming``. ``[]`` when nothing is wrong.

    Examples
    --------
    >>> chemical_parks_problems()
    []
    >>> chemical_parks_problems({"cluster.jiaming"})
    []
    """
    import json as _json

    rule = rules().get("chemical_parks") or {}
    rec = rule.get("recognised", [])
    form = _chemical_parks_form(rec)
    if form:
        return [form]
    out: list[str] = []
    if known_ids is not None:
        known = set(map(str, known_ids)) | set(zones())
        unknown = [v for v in rec if isinstance(v, str) and v.strip() and v not in known]
        if unknown:
            import difflib

            hints = {v: difflib.get_close_matches(v, sorted(known), n=1, cutoff=0.6) for v in unknown}
            out += [f"{CHEMICAL_PARKS_KEY} 中的「{v}」不是图层库中工业集聚区、功能园区的要素 id，也不是规划分区 id"
                    + (f"（是否为「{hints[v][0]}」？）" if hints[v] else "")
                    + "。请改为省认定化工园区所在集聚区或园区的要素 id（dcf layers 可查各图层的要素 id），或删去该项。"
                    for v in unknown]
    return out


#: the effect of a reason saying that a layer the verdict needs could not be read (missing or empty,
#: queries/site/layer_gaps.py): the check then gives no verdict (``None``), shown as :data:`UNCHECKED_ZH`
UNCHECKED = "unchecked"
UNCHECKED_ZH = "无法核查"


def verdict_zh(verdict: str | None) -> str:
    """The Chinese word of a verdict (or of a reason's effect); ``None`` (no verdict) is 无法核查.

    Examples
    --------
    >>> verdict_zh("fits"), verdict_zh(None)
    ('符合', '无法核查')
    """
    if verdict is None or verdict == UNCHECKED:
        return UNCHECKED_ZH
    return rules()["verdicts"].get(verdict, verdict)


def worst(verdicts) -> str:
    """The most severe of ``verdicts`` in the order fits < conditional < does_not_fit < outside_plan_area."""
    order = rules()["verdict_order"]
    vs = [v for v in verdicts if v]
    return max(vs, key=order.index) if vs else "fits"


def office_policies(chosen=None) -> dict[str, str]:
    """The office policies (``plan_rules.json`` → ``office_policies``: questions the plan leaves to the
    planning office) with their settings: each policy's ``default``, overridden by ``chosen``.

    Parameters
    ----------
    chosen
        ``None`` or ``{policy name: setting}``, e.g. ``{"industry_outside_clusters": "conditional"}``.

    Returns
    -------
    dict
        ``{policy name: setting}`` for every policy.

    Raises
    ------
    InputError
        An unknown policy name or a setting that is not among the policy's ``choices`` (the message lists them).

    Examples
    --------
    >>> office_policies()["industry_outside_clusters"]
    'does_not_fit'
    >>> office_policies({"industry_outside_clusters": "conditional"})["industry_outside_clusters"]
    'conditional'
    """
    from .errors import InputError, about

    defined = {k: v for k, v in (rules().get("office_policies") or {}).items() if not k.startswith("_")}
    out = {k: _setting(k, v, v.get("default"), where="file") for k, v in defined.items()}
    if chosen is None:
        return out
    if not isinstance(chosen, dict):
        raise about("policy", InputError(f"核查口径应为 {{口径名: 取值}}，如 {{\"industry_outside_clusters\": \"conditional\"}}（收到 {chosen!r}）。"))
    for given, value in chosen.items():
        name = policy_name(given)
        out[name] = _setting(name, defined[name], value, where="policy")
    return out


def policy_name(given) -> str:
    """The code of an office policy given by its code (``industry_outside_clusters``) or by the Chinese
    name the pages and the reasons show (集聚区外新建工业项目, spaces ignored) — as a setting may be given
    by its code or its Chinese words (QA round 11, finding 13.14: the name in Chinese was refused).

    Raises
    ------
    InputError
        An unknown name (the message lists each policy's code and Chinese name).

    Examples
    --------
    >>> policy_name("集聚区外新建工业项目"), policy_name("industry_outside_clusters")
    ('industry_outside_clusters', 'industry_outside_clusters')
    """
    from .errors import InputError, about

    defined = {k: v for k, v in (rules().get("office_policies") or {}).items() if not k.startswith("_")}
    if given in defined:
        return given
    by_words = {_squeeze(v.get("name_zh", k)): k for k, v in defined.items()}
    by_words.update({_squeeze(k): k for k in defined})
    name = by_words.get(_squeeze(given))
    if name is None:
        listed = "、".join(f"{k}（{v.get('name_zh', k)}）" for k, v in defined.items()) or "（无）"
        raise about("policy", InputError(f"未知的核查口径「{given}」；可选：{listed}。"))
    return name


def chosen_policies(chosen) -> dict[str, str] | None:
    """``chosen`` (``{口径名: 取值}``, names and settings by code or in Chinese) as codes, only the policies
    given (checked as :func:`office_policies` does); ``None``/``{}`` stay as given.

    Examples
    --------
    >>> chosen_policies({"集聚区外新建工业项目": "引导入园"})
    {'industry_outside_clusters': 'conditional'}
    """
    if not chosen:
        return chosen
    settings_ = office_policies(chosen)
    return {policy_name(k): settings_[policy_name(k)] for k in chosen}


def _squeeze(value) -> str:
    """A setting as typed, compared without spaces and with ASCII colons read as the full-width one."""
    return "".join(str(value).split()).replace(":", "：")


def setting_label_zh(entry: dict, code: str) -> str:
    """The label the pages show for a setting of an office policy: its short name and verdict,
    ``引导入园：有条件符合`` (the words before the first （ of ``setting_zh``).

    Examples
    --------
    >>> setting_label_zh(rules()["office_policies"]["industry_outside_clusters"], "conditional")
    '引导入园：有条件符合'
    """
    short = (entry.get("setting_zh") or {}).get(code, code).split("（")[0]
    return f"{short}：{rules()['verdicts'].get(code, code)}"


def setting_words(entry: dict) -> dict[str, str]:
    """Every way a setting of an office policy may be given, to its code: the code (``conditional``), the
    verdict word (有条件符合), the short name the pages show (引导入园), that name with the verdict
    (引导入园：有条件符合, as ``GET /api/policies`` labels it) and the full wording of ``setting_zh`` (QA round 10,
    finding 11: the label the desk offers was refused).

    Examples
    --------
    >>> words = setting_words(rules()["office_policies"]["industry_outside_clusters"])
    >>> words["引导入园"], words["应入园：不符合"], words["有条件符合"]
    ('conditional', 'does_not_fit', 'conditional')
    """
    out: dict[str, str] = {}
    for c in entry.get("choices") or []:
        full = (entry.get("setting_zh") or {}).get(c)
        forms = [c, rules()["verdicts"].get(c, c), setting_label_zh(entry, c)]
        if full:
            forms += [full, full.split("（")[0]]
        for f in forms:
            out.setdefault(_squeeze(f), c)
    return out


def _setting(name: str, entry: dict, value, *, where: str) -> str:
    """The setting code of ``value`` for the office policy ``name``: a code of its ``choices`` or the
    Chinese verdict word of one (有条件符合 → conditional); else an error naming where it came from —
    the rule file's ``default`` (with the file and the fix) or the check's ``policy``."""
    from .errors import InputError, about

    choices = list(entry.get("choices") or [])
    words = setting_words(entry)
    code = words.get(_squeeze(value)) if value is not None else None
    if code in choices and code in (entry.get("setting_zh") or {}):
        return code
    allowed = "、".join(f"{c}（{rules()['verdicts'].get(c, c)}）或“{setting_label_zh(entry, c).split('：')[0]}”"
                        for c in choices)
    if where == "file":
        raise InputError(f"规则文件 {settings.data_dir / RULES_FILE} 中 office_policies → {name} → default 的取值「{value}」无效；"
                         f"可选：{allowed}。请改为其中之一（或恢复随软件发布的文件）。")
    raise about("policy", InputError(f"核查口径「{name}」（{entry.get('name_zh', name)}）的取值「{value}」无效；可选：{allowed}。"))


def office_policy_for_rule(rule_id: str) -> tuple[str, dict] | None:
    """``(name, entry)`` of the office policy that sets the effect of the policy rule ``rule_id``
    (e.g. ``enterprises_into_parks`` → ``industry_outside_clusters``), or None.

    Examples
    --------
    >>> office_policy_for_rule("enterprises_into_parks")[0]
    'industry_outside_clusters'
    """
    for name, entry in (rules().get("office_policies") or {}).items():
        if not name.startswith("_") and entry.get("rule") == rule_id:
            return name, entry
    return None


def office_policy_applies(name: str, codes) -> bool:
    """Whether the office policy ``name`` can decide a project of the GB/T 4754 ``codes``: the industry kinds
    (``industry_kinds``) whose rule outside their zones is the policy's rule, or is not loosened from it,
    hold one of the codes (集聚区外新建工业项目: B and C, industrial projects); no codes: ``True``.

    Examples
    --------
    >>> office_policy_applies("industry_outside_clusters", ["C3451"]), office_policy_applies("industry_outside_clusters", ["G5930"])
    (True, False)
    """
    codes = [str(c) for c in codes or []]
    if not codes:
        return True
    rb = rules()
    rule = rb["office_policies"][name]["rule"]
    prefixes = [c for k in rb.get("industry_kinds", [])
                if k.get("outside_rule") == rule
                or (rb.get("policy_rules", {}).get(k.get("outside_rule")) or {}).get("not_loosened_from") == rule
                for c in k["codes"]]
    return any(code.startswith(p) for code in codes for p in prefixes)


def office_policy_text(name: str, setting: str) -> str:
    """The sentence every reason the policy decides carries: which setting applied, both clauses (verbatim),
    that the planning office sets it, and the other setting.

    Examples
    --------
    >>> "规划管理部门" in office_policy_text("industry_outside_clusters", "conditional")
    True
    """
    e = rules()["office_policies"][name]
    other = "；".join(e["setting_zh"][c] for c in e["choices"] if c != setting)
    default = _setting(name, e, e.get("default"), where="file")
    short = {c: e["setting_zh"][c].split("（")[0] for c in e["choices"]}
    which = "（默认口径）" if setting == default else f"（本次核查选用；默认口径为“{short[default]}”）"
    return e["reason_zh"].format(name=e["name_zh"], setting=e["setting_zh"][setting], which=which, q1=e["quote"][0],
                                 q2=e["quote"][1], other=other)


def normalize_zone_code(code: str) -> str:
    """A class code ending in 0 is its undivided group (GB/T 4754 convention): ``C3130`` → ``C313``."""
    code = str(code).strip().upper()
    if len(code) == 5 and code.endswith("0"):
        return code[:4]
    return code


def parse_codes(value) -> tuple[str, ...]:
    """Codes from a list, or a ``"C34,C3451"`` / ``"C34;C3451"`` string (layer attribute form)."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        items = value
    else:
        text = str(value).strip()
        if not text or text.lower() == "nan":
            return ()
        if text.startswith("["):
            try:
                items = json.loads(text)
            except json.JSONDecodeError:
                items = text.strip("[]").replace('"', "").split(",")
        else:
            items = text.replace(";", ",").replace("，", ",").split(",")
    return tuple(normalize_zone_code(c) for c in items if str(c).strip())


def zone_codes(zone_id: str, layer_value=None) -> tuple[str, ...]:
    """Designated industries of a zone: the layer attribute if filled, else ``plan_zones.json``; plus
    the industries the plan names for the zone elsewhere (``zone_rules`` → ``also`` in ``plan_rules.json``).

    Examples
    --------
    >>> "C3452" in zone_codes("park.zhengjia.bearing", "C3451")  # 滑动轴承 too (第四章第一节)
    True
    """
    codes = parse_codes(layer_value) or parse_codes(zones().get(zone_id, {}).get("industries_gbt4754"))
    # an ``only_words`` entry (task R14) is not a designation of the zone's codes: it applies to one word only
    extra = tuple(normalize_zone_code(c) for e in zone_rule(zone_id).get("also", []) if not e.get("only_words")
                  for c in e["codes"])
    return codes + tuple(c for c in dict.fromkeys(extra) if c not in codes)


def zone_rule(zone_id: str) -> dict:
    """The rules of one zone beyond its designated codes (``plan_rules.json`` → ``zone_rules``): ``use_class``,
    ``also`` (industries the plan names for it elsewhere, each with ``plan_ref``/``quote``) and
    ``belongs_elsewhere``; ``{}`` for a zone without such rules.

    Examples
    --------
    >>> zone_rule("park.jiaming2.yiju")["use_class"]
    'residential'
    """
    return rules().get("zone_rules", {}).get(str(zone_id), {})


def zone_also_entry(zone_id: str, base_codes, project_codes) -> dict | None:
    """The ``also`` entry of a zone that makes the project match when its base codes alone do not; else None.

    Examples
    --------
    >>> zone_also_entry("park.zhengjia.bearing", ("C3451",), ("C3452",))["plan_ref"]
    '第四章第一节'
    """
    if match(tuple(base_codes), tuple(project_codes)) == "full":
        return None
    for e in zone_rule(zone_id).get("also", []):
        if match(tuple(e["codes"]) + tuple(base_codes), tuple(project_codes)) == "full":
            return e
    return None


def zone_match(zone_id: str, base_codes, project_codes, words: str = "") -> tuple[str, dict | None]:
    """How a project matches a zone, with the ``also`` entry it matches through (or None).

    An ``also`` entry may name words (``not_for_words``) for products the plan gives to another zone at a grain
    finer than GB/T 4754 (郑家 takes 钢板、钢带 for its bearings, 第四章第一节, but 钢管 belongs to 高精管材,
    第四章第四节 — all are C3130): a project given by such a word does not match through that entry.

    Examples
    --------
    >>> zone_match("park.zhengjia.bearing", ("C3451",), ("C313",))[0]
    'full'
    >>> zone_match("park.zhengjia.bearing", ("C3451",), ("C313",), words="无缝钢管")[0]
    'none'

    An entry with ``only_words`` applies only to a project typed as exactly one of those words (the general word
    旅游 at a tourism town, 第八章第三节; the code R90 typed as such does not match through it):

    >>> zone_match("point.hanji_tourism", ("N786", "H61", "H62"), ("R90",), words="旅游")[0]
    'full'
    >>> zone_match("point.hanji_tourism", ("N786", "H61", "H62"), ("R90",), words="R90")[0]
    'partial'

    A ``conditional`` entry with ``narrows`` takes its codes out of a designation the layer states at a
    coarser grain than the plan's words (高精管材 lists C33 金属制品业, but 第四章第四节 names the chain
    “冶炼—轧管—管加工—热处理”): a project wholly within those codes does not match the zone, and the entry's
    conditional reason applies instead.

    >>> zone_match("park.guangping.production", ("C313", "C336", "C33"), ("C3311",))[0]
    'none'
    >>> zone_match("park.guangping.production", ("C313", "C336", "C33"), ("C3360",))[0]
    'full'

    A project typed as one of the entry's ``fits_words`` (the plan's own words for the fitting products of a
    mixed class: 粉煤灰砖 is C3031 like 实心黏土砖, 第四章第五节) keeps the designation; a project code broader
    than a narrowed class (C303 砖瓦 against C30 less C3031) matches only in part:

    >>> zone_match("park.jiaming.new_materials", ("C30",), ("C3031",), words="粉煤灰砖")[0]
    'full'
    >>> zone_match("park.jiaming.new_materials", ("C30",), ("C3031",), words="粉煤灰砖厂")[0]
    'full'
    >>> zone_match("park.jiaming.new_materials", ("C30",), ("C303",), words="砖瓦")[0]
    'partial'
    """
    rule = zone_rule(zone_id)
    # the product the words name, whatever unit they name it by (粉煤灰砖厂 is read as 粉煤灰砖: QA session 30, F3);
    # a word that also names an unfit product of the entry (粉煤灰粘土砖) does not fit by it
    narrowed = tuple(c for e in rule.get("conditional", [])
                     if e.get("narrows") and not (names_product(words, e.get("fits_words", []))
                                                  and not names_unfit(words, e)) for c in e["codes"])
    if narrowed and match(narrowed, tuple(project_codes)) == "full":
        return "none", None
    # a project code wider than a narrowed class (C303 holds C3031) is not wholly in the designation
    wider = bool(narrowed) and any(covers(normalize_zone_code(p), normalize_zone_code(n))
                                   and normalize_zone_code(p) != normalize_zone_code(n)
                                   for p in project_codes for n in narrowed)
    # task R14: an entry with ``only_words`` applies only to a project typed as exactly one of those words (旅游 at
    # a tourism town reads R90 as a whole, but the town is not thereby given 歌舞厅 or 彩票, which are R90 too)
    entries = [e for e in rule.get("also", [])
               if not any(w in (words or "") for w in e.get("not_for_words", []))
               and (not e.get("only_words") or (words or "").strip() in e["only_words"])]
    codes = tuple(base_codes) + tuple(normalize_zone_code(c) for e in entries for c in e["codes"])
    mt = match(codes, tuple(project_codes)) if codes else "none"
    if wider and mt == "full":
        mt = "partial"
    via = None
    if mt == "full" and match(tuple(base_codes), tuple(project_codes)) != "full":
        via = next((e for e in entries if match(tuple(e["codes"]) + tuple(base_codes), tuple(project_codes)) == "full"),
                   None)
    return mt, via


def names_unfit(words: str, entry: dict) -> bool:
    """True when ``words`` name a product a ``conditional`` entry's text excludes (``unfit_words``: 实心黏土砖 in
    C3031, which also holds the plan's 固废 bricks): the unit the words name it by (粘土砖窑, 红砖厂) and the 黏/粘
    forms are read alike (QA session 30, F4).

    >>> names_unfit("粘土砖窑", {"unfit_words": ["黏土砖"]}), names_unfit("粉煤灰砖", {"unfit_words": ["黏土砖"]})
    (True, False)
    """
    return bool(unfit_word(words, entry))


def unfit_word(words: str, entry: dict) -> str:
    """The ``unfit_words`` of ``entry`` that ``words`` name (:func:`names_unfit`, in the form compared), the longest
    first, or ``""``: the reason says which word decided (QA session 31, F3).

    >>> unfit_word("黏土砖窑", {"unfit_words": ["红砖", "黏土砖"]}), unfit_word("砖窑", {"unfit_words": ["黏土砖"]})
    ('粘土砖', '')
    """
    unfit = sorted({product_words(w)[0] for w in entry.get("unfit_words", ()) if product_words(w)}, key=len, reverse=True)
    return next((u for u in unfit for p in product_words(words) if u in p), "")


def unfit_entry(words: str) -> dict | None:
    """The first ``conditional`` entry of any zone whose ``unfit_words`` the ``words`` name (:func:`names_unfit`):
    a product the plan's text gives to no zone (实心黏土砖, 第四章第五节), or None.

    >>> unfit_entry("粘土砖窑")["id"], unfit_entry("粉煤灰砖")
    ('c30_mixed_products', None)
    """
    if not (words or "").strip():
        return None
    for z in rules().get("zone_rules", {}).values():
        for e in (z.get("conditional", []) if isinstance(z, dict) else []):
            if e.get("unfit_words") and names_unfit(words, e):
                return e
    return None


def product_to_verify(codes, words: str) -> dict | None:
    """The ``conditional`` entry with ``unfit_words`` whose classes hold every one of ``codes`` when ``words`` name
    neither a fitting product of it (``fits_words``: 粉煤灰砖) nor an unfit one (:func:`names_unfit`: 红砖厂): the
    product is then to be verified (砖窑, 砖厂, 轮窑 in C3031 may fire clay bricks or 固废 ones; QA session 31, F3), or None.

    >>> product_to_verify(["C3031"], "砖窑")["id"], product_to_verify(["C3031"], "红砖厂"), product_to_verify(["C3451"], "轴承")
    ('c30_mixed_products', None, None)
    """
    codes = [str(c) for c in codes or ()]
    if not codes:
        return None
    for z in rules().get("zone_rules", {}).values():
        for e in (z.get("conditional", []) if isinstance(z, dict) else []):
            if e.get("unfit_words") and match(tuple(e["codes"]), tuple(codes)) == "full":
                if names_unfit(words, e) or names_product(words, e.get("fits_words", ())):
                    return None
                return e
    return None


@lru_cache(maxsize=1)
def overcapacity() -> dict:
    """The over-capacity industries of 第九章第三节 with their sources (``data/overcapacity_industries.json``).

    Examples
    --------
    >>> [i["codes"] for i in overcapacity()["industries"] if i["id"] == "cement"]
    [['C3011']]
    """
    return _load_json(rules().get("overcapacity", {}).get("data_file", "overcapacity_industries.json"))


def match(zone_code_list, project_codes) -> str:
    """How a project's codes relate to a zone's designated codes.

    Returns ``"full"`` when every project code lies within a designated code, ``"partial"`` when the
    project code is broader than a designated code (``C34`` against ``C3451``) or only some codes
    are covered, ``"none"`` otherwise.
    """
    return _match(tuple(zone_code_list), tuple(project_codes))


@lru_cache(maxsize=65536)
def _match(zone_code_list: tuple, project_codes: tuple) -> str:
    zc = [normalize_zone_code(z) for z in zone_code_list]
    full = [any(covers(z, p) for z in zc) for p in project_codes]
    if project_codes and all(full):
        return "full"
    if any(full) or any(covers(p, z) for p in project_codes for z in zc):
        return "partial"
    return "none"


def industry_kind(project_codes) -> dict:
    """The rule-book kind (agro_processing, industrial, agriculture, utility, service) of the codes.

    The most specific listed prefix wins (``C1371`` is agro-processing before manufacturing);
    for several codes, the first code decides.
    """
    code = project_codes[0]
    best, best_len = None, -1
    for kind in rules()["industry_kinds"]:
        for prefix in kind["codes"]:
            if covers(prefix, code) and len(prefix) > best_len:
                best, best_len = kind, len(prefix)
    if best is None:  # pragma: no cover - every section is listed in the rule book
        raise SchemaError(f"{RULES_FILE}：没有任何行业类别（industry_kinds）覆盖代码 {code}；请把它加入 industry_kinds。")
    return best


def kind_label_zh(kind: dict, project_codes) -> str:
    """What the reasons call a project of ``kind``: the kind's name (农副产品加工, 工业 …) for the whole
    sections and divisions it lists; for a narrower code the kind takes in from another division (工艺美术
    C243, 中药饮片 C273, 香料香精 C2684 under 农副产品加工), that code's own GB/T 4754-2017 name — a 葫芦工艺品
    is not called a 农副产品加工 project.

    Examples
    --------
    >>> kind = industry_kind(["C2439"])
    >>> kind["name_zh"], kind_label_zh(kind, ["C2439"])
    ('农副产品加工', '工艺美术及礼仪用品制造')
    >>> kind_label_zh(industry_kind(["C1371"]), ["C1371"])
    '农副产品加工'
    """
    from .industry import name_of

    code = project_codes[0]
    prefix = max((p for p in kind["codes"] if covers(p, code)), key=len, default=None)
    if prefix is None or len(prefix) <= 3:  # a section (C) or a division (C13): the kind's own name
        return kind["name_zh"]
    return name_of(prefix)


def barred_rules(project_codes) -> list[tuple[dict, str]]:
    """Barred-industry rules touching the project: ``[(rule, "full"|"partial")]``.

    ``"partial"`` means the project code is broader than the barred code (``C33`` contains
    foundries ``C3391``): the rule may apply and must be checked.
    """
    hits = []
    for rule in rules()["barred"]:
        m = match(rule["codes"], project_codes)
        if m != "none":
            hits.append((rule, m))
    return hits


def designated_zone_ids(project_codes, layer: str) -> list[str]:
    """Zone ids of ``layer`` (per ``plan_zones.json``) whose designation fully covers the project."""
    out = []
    for zid, z in zones().items():
        if z.get("layer") == layer and match(parse_codes(z.get("industries_gbt4754")), project_codes) == "full":
            out.append(zid)
    return out


#: layer id -> Chinese name, for the review table
_LAYER_ZH = {"agri_zones": "农业示范区", "industrial_clusters": "工业集聚区", "cluster_parks": "产业功能园区"}


def extra_rules() -> list[dict]:
    """The rules beyond ``barred``/``industry_kinds``/``policy_rules``, one row each, for listings and review
    tables: the over-capacity industries (第九章第三节, from ``overcapacity_industries.json``), high-energy
    projects, 淘汰类, district-wide industries, plan-area units the plan names, functional blocks and the
    industries the plan names for a zone elsewhere (``zone_rules``), named places and ecological corridors.

    Returns
    -------
    list of dict
        ``rule_id``, ``group``, ``codes`` (list), ``plan_ref``, ``quote`` (verbatim plan text, parts joined
        by ``；``), ``effect``, ``effect_alt`` (effect under a stated condition), ``wording`` (what a verdict
        prints, ``{…}`` placeholders left in), ``data_file``, ``verify`` (source still to verify).

    Examples
    --------
    >>> rows = extra_rules()
    >>> next(r for r in rows if r["rule_id"] == "overcapacity.steel")["effect"]
    'does_not_fit'
    """
    rb = rules()
    out: list[dict] = []

    def q(v) -> str:
        return "；".join(v) if isinstance(v, list) else (v or "")

    def add(rule_id, group, *, codes=(), plan_ref="", quote="", effect="", effect_alt="", wording="",
            data_file=RULES_FILE, verify=False):
        out.append({"rule_id": rule_id, "group": group, "codes": list(codes), "plan_ref": plan_ref,
                    "quote": q(quote), "effect": effect, "effect_alt": effect_alt, "wording": wording,
                    "data_file": data_file, "verify": bool(verify)})

    oc = rb.get("overcapacity")
    if oc:
        data = overcapacity()
        for ind in data.get("industries", []):
            src = data.get("sources", {}).get(ind.get("source"), {})
            add(f"overcapacity.{ind['id']}", "overcapacity", codes=ind["codes"], plan_ref=oc["plan_ref"],
                quote=oc["quote"], effect="does_not_fit", effect_alt="capacity_replacement→conditional",
                wording=oc["reason_zh"].replace("{name}", ind["name_zh"]), data_file=oc["data_file"],
                verify=bool(ind.get("verify") or src.get("verify")))
    for key in ("high_energy", "catalogue_eliminated", "catalogue_restricted"):
        r = rb.get(key)
        if r:
            add(r["id"], key, codes=r.get("codes", ()), plan_ref=r["plan_ref"], quote=r["quote"], effect=r["effect"],
                effect_alt=f"catalogue_class={r['catalogue_class']}" if "catalogue_class" in r else "",
                wording=r["reason_zh"], verify=r.get("verify", False))
    for r in rb.get("district_wide", []):
        layers = "、".join(_LAYER_ZH.get(x, x) for x in r.get("not_in_layers", []))
        add(r["id"], "district_wide", codes=r["codes"], plan_ref=r["plan_ref"], quote=r["quote"], effect=r["effect"],
            effect_alt=f"位于{layers}内时不适用（按该分区规则判）" if layers else "",
            wording=r["reason_zh"] + (f"（提示，不改变结论：{r['note_zh']}）" if r.get("note_zh") else ""))
    for uid, u in rb.get("plan_area", {}).get("named_units", {}).items():
        add(f"plan_area_named_unit.{uid}", "plan_area", codes=u["codes"], plan_ref=u["plan_ref"], quote=u["quote"],
            effect="conditional", wording=u["reason_zh"])
    uses = rb.get("use_classes", {})
    for uid, u in uses.items():
        for e in u.get("barred", []) if isinstance(u, dict) else []:
            add(f"{e['id']}.{uid}", "zone_barred", codes=e["codes"], plan_ref=e["plan_ref"], quote=e["quote"],
                effect=e["effect"], effect_alt="地块部分位于该类区块→conditional", wording=e["reason_zh"],
                verify=e.get("verify", False))
    for zid, z in rb.get("zone_rules", {}).items():
        if zid.startswith("_"):
            continue
        use = uses.get(z.get("use_class") or "", {})
        if use.get("industry_effect"):
            partly = (use["industry_effect"] == "does_not_fit" and "partial_residential_zh" in rb["policy_rules"]["block_use"])
            add(f"block_use.{zid}", "block_use", codes=("B", "C"), plan_ref=z.get("plan_ref", ""),
                quote=z.get("quote", ""), effect=use["industry_effect"],
                effect_alt=(f"地块位于该区块的比例不超过 {rb['thresholds'].get('block_majority_share', rb['thresholds'].get('block_whole_share', 0)):.0%}→conditional"
                            if partly else ""),
                wording=rb["policy_rules"]["block_use"]["reason_zh"])
        for i, e in enumerate(z.get("also", [])):
            add(f"zone_also.{zid}.{i + 1}", "zone_also", codes=e["codes"], plan_ref=e["plan_ref"], quote=e["quote"],
                effect="fits", wording=e["what_zh"])
        for i, e in enumerate(z.get("cluster_wide", [])):
            add(f"cluster_wide.{zid}.{i + 1}", "cluster_wide", codes=e["codes"], plan_ref=e["plan_ref"],
                quote=e["quote"], effect="fits", wording=e["what_zh"])
        for i, e in enumerate(z.get("conditional", [])):
            add(f"place_conditional.{zid}.{i + 1}", "place_conditional", codes=e["codes"], plan_ref=e["plan_ref"],
                quote=e["quote"], effect="conditional", wording=e["reason_zh"])
        for e in z.get("conditions", []):
            add(f"{e['id']}.{zid}", "zone_condition", codes=e["codes"], plan_ref=e["plan_ref"], quote=e["quote"],
                effect=e["effect"], effect_alt="对口的已绘分区整体覆盖地块时不适用" if e.get("unless_zone_fits") else "",
                wording=e["reason_zh"], verify=e.get("verify", False))
        for e in z.get("barred", []):
            add(f"{e['id']}.{zid}", "zone_barred", codes=e["codes"], plan_ref=e["plan_ref"], quote=e["quote"],
                effect=e["effect"], effect_alt="地块部分位于该分区→conditional", wording=e["reason_zh"],
                verify=e.get("verify", False))
        for i, e in enumerate(z.get("belongs_elsewhere", [])):
            add(f"belongs_elsewhere.{zid}.{i + 1}", "belongs_elsewhere", codes=e["codes"], plan_ref=e["plan_ref"],
                quote=e["quote"], effect="conditional", wording=e["reason_zh"])
    for p in (rb.get("named_places") or {}).get("places", []):
        add(p["id"], "named_place", codes=p["codes"], plan_ref=p["plan_ref"], quote=p["quote"], effect="fits",
            wording=p["name_zh"])
    eco = rb.get("eco_corridors")
    if eco:
        add(eco["id"], "eco_corridor", codes=eco["sections"], plan_ref=eco["plan_ref"], quote=eco["quote"],
            effect=eco["effect"], wording=eco["reason_zh"])
    return out
