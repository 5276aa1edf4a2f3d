"""The one error type of the desk's HTTP layer: a status code and a Chinese message."""

from __future__ import annotations


class DeskError(Exception):
    """An error answered as ``{"error": message, ...}`` with ``status``.

    Examples
    --------
    >>> raise DeskError(404, "没有这个任务。")   # doctest: +SKIP
    """

    def __init__(self, status: int, message: str, **extra):
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


# ---- request validation (FastAPI/pydantic) in Chinese ----------------------------------------------

#: pydantic error type → Chinese wording; ``{…}`` are filled from the error's ``ctx``. Written by hand:
#: pydantic ships English messages only, and the desk's users read Chinese.
VALIDATION_ZH = {
    "missing": "缺少此项",
    "int_parsing": "应为整数", "int_type": "应为整数", "int_from_float": "应为整数（不能有小数）",
    "float_parsing": "应为数字", "float_type": "应为数字", "finite_number": "应为有限数字",
    "bool_parsing": "应为 true 或 false", "bool_type": "应为 true 或 false",
    "string_type": "应为文字",
    "string_too_short": "至少 {min_length} 个字", "string_too_long": "最多 {max_length} 个字",
    "too_short": "至少 {min_length} 项", "too_long": "最多 {max_length} 项",
    "greater_than": "应大于 {gt}", "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}", "less_than_equal": "应不大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "literal_error": "取值不在允许范围内（可选：{expected}）", "enum": "取值不在允许范围内（可选：{expected}）",
    "extra_forbidden": "不认识此项", "json_invalid": "不是有效的 JSON", "json_type": "不是有效的 JSON",
    "model_attributes_type": "应为 JSON 对象", "model_type": "应为 JSON 对象", "dict_type": "应为 JSON 对象",
    "list_type": "应为列表", "none_required": "应为空",
    "date_parsing": "应为日期（YYYY-MM-DD）", "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "datetime_parsing": "应为日期时间", "url_parsing": "应为网址",
}

_PLACE_ZH = {"query": "查询参数", "path": "地址中的", "body": "请求体", "form": "表单", "header": "请求头",
             "cookie": "Cookie"}


def _given(value) -> str:
    """The value the request gave, quoted for the message (short, as JSON writes it)."""
    import json

    if value is None:
        return "null"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def validation_message(errors) -> str:
    """One Chinese phrase per invalid field of a request (pydantic's errors, in order), naming the
    field, what it must be and the value given; never pydantic's English.

    Parameters
    ----------
    errors
        ``RequestValidationError.errors()``.

    Returns
    -------
    str
        ``请求有误：查询参数 q：至少 1 个字（收到 ""）。``

    Examples
    --------
    >>> validation_message([{"type": "less_than_equal", "loc": ("query", "limit"), "ctx": {"le": 50}, "input": "80"}])
    '请求有误：查询参数 limit：应不大于 50（收到 "80"）。'
    """
    parts = []
    for e in errors:
        loc = list(e.get("loc", ()))
        place = _PLACE_ZH.get(str(loc[0]), "") if loc else ""
        names = [str(x) for x in loc[1:]] if place else [str(x) for x in loc]
        field = ".".join(names)
        label = (f"{place} {field}" if place != "请求体" else field) if field else (place or "请求")
        ctx = {k: (v if not isinstance(v, float) or not v.is_integer() else int(v)) for k, v in (e.get("ctx") or {}).items()}
        kind = e.get("type", "")
        try:
            what = VALIDATION_ZH[kind].format(**ctx)
        except (KeyError, IndexError):
            what = "取值无效"  # a type the table does not word yet: still Chinese, still names the field
        if kind != "missing" and "input" in e and not (kind == "json_invalid"):
            what += f"（收到 {_given(e['input'])}）"
        parts.append(f"{label}：{what}")
    return "请求有误：" + "；".join(parts) + "。"
