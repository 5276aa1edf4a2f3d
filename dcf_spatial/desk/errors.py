"""The one error type of the desk's HTTP layer: a status code and a Chinese message."""

from __future__ import annotations

from pydantic import BaseModel, field_validator
from pydantic_core import PydanticCustomError


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
    "geojson_text": "以 {{ 开头，但不是有效的 GeoJSON（{error}）；几何请作为 JSON 对象发送（不要加引号），或填写“经度,纬度”、WKT、地名",
    "capacity_replacement": "应为 true 或 false（也可写 是/否；等量置换、减量置换、已置换、√ 读作是，无、未置换、× 读作否）",
    "string_surrogate": "含有无法编码的字符（孤立的 UTF-16 代理项 \\ud800–\\udfff），请删去后重试",
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
    # a lone surrogate (JSON "\ud800") cannot be written as UTF-8: shown escaped, never a failed answer
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= 40 else text[:40] + "…"


def _has_surrogate(value) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_surrogate(v) for v in value)
    return False


class RequestBody(BaseModel):
    """The base of the desk's JSON request bodies: text holding a lone UTF-16 surrogate (valid JSON,
    a ``\\ud800`` escape, but not Unicode text: UTF-8, sqlite and the reports cannot hold it) is refused
    as an invalid field (a 422 naming it) instead of failing later as a 500."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_lone_surrogates(cls, value):
        if _has_surrogate(value):
            raise PydanticCustomError("string_surrogate", "lone UTF-16 surrogate")
        return value


#: the labels of the pages' boxes, by the request field they fill (site.html, batch.html, audit.html): a message
#: names the box a planner sees, the field's name after it for a script (QA round 10: "area_mu：应不小于 0.0001")
FIELD_LABELS_ZH = {
    "site": "场地", "industry": "行业", "crs": "坐标系", "project": "项目名称", "area_mu": "用地面积（亩）",
    "investment_wan": "总投资（万元）", "floor_area_m2": "总建筑面积（m²）", "footprint_m2": "建筑基底面积（m²）",
    "admin_area_m2": "行政办公及生活服务设施用地（m²）", "green_area_m2": "绿地面积（m²）",
    "capacity_replacement": "项目实施产能等量或减量置换", "sheet": "工作表", "as_of": "基准日", "policy": "核查口径",
    "provenance": "来源类别",
}

#: what to give when a field is missing, by the field: the allowed values, so the message alone is enough to fix it
MISSING_HINTS_ZH = {
    "provenance": "请填 authoritative（权威，局里的正式数据）、reference（参考）或 schematic（示意）之一；"
                  "图层的图例与报告都写明来源类别，接口不预设",
}


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
    >>> validation_message([{"type": "json_invalid", "loc": ("body", 1), "ctx": {"error": "Expecting value"}}])
    '请求有误：请求体（第 1 个字符处）：不是有效的 JSON。'
    >>> validation_message([{"type": "greater_than_equal", "loc": ("body", "area_mu"), "ctx": {"ge": 0.0001}, "input": -5}])
    '请求有误：用地面积（亩）（area_mu）：应不小于 0.0001（收到 -5）。'
    """
    parts = []
    for e in errors:
        loc = list(e.get("loc", ()))
        place = _PLACE_ZH.get(str(loc[0]), "") if loc else ""
        names = [str(x) for x in loc[1:]] if place else [str(x) for x in loc]
        field = ".".join(names)
        if names and names[0] in FIELD_LABELS_ZH and place != "查询参数":
            field = f"{FIELD_LABELS_ZH[names[0]]}（{field}）"
        label = (f"{place} {field}" if place != "请求体" else field) if field else (place or "请求")
        ctx = {k: (v if not isinstance(v, float) or not v.is_integer() else int(v)) for k, v in (e.get("ctx") or {}).items()}
        kind = e.get("type", "")
        if kind == "json_invalid":  # loc is ("body", <character offset>): the body as a whole is not JSON
            label = f"请求体（第 {loc[1]} 个字符处）" if len(loc) > 1 and isinstance(loc[1], int) else "请求体"
        try:
            what = VALIDATION_ZH[kind].format(**ctx)
        except (KeyError, IndexError):
            what = "取值无效"  # a type the table does not word yet: still Chinese, still names the field
        if kind == "missing" and names and names[0] in MISSING_HINTS_ZH:
            what += "，" + MISSING_HINTS_ZH[names[0]]
        if kind != "missing" and "input" in e and not (kind == "json_invalid"):
            what += f"（收到 {_given(e['input'])}）"
        parts.append(f"{label}：{what}")
    return "请求有误：" + "；".join(parts) + "。"


# ---- the error answers as OpenAPI documents them ------------------------------------------------------

#: what each 4xx status means on the desk, the same on every endpoint: 400 an input that cannot be read
#: (a file that will not open, a broken zip), 413 over the size cap, 415 a file type the desk does not
#: open, 422 a request that is read but not valid (a field, a value, an industry, a site, an office policy)
ERROR_STATUS_ZH = {
    400: "无法读取的输入：上传的文件打不开、是空的或内容无法解析（损坏的压缩文件、含多个数据集等）。",
    401: "需要访问令牌（工作台带 --token 运行，或写操作缺少写入令牌）。",
    403: "拒绝：跨站的写请求，或请求的主机名不是本机地址（未设令牌的工作台）。",
    404: "没有这个图层、任务、下载文件或地址。",
    409: "与图层的当前版本冲突（预览后图层已改、无可恢复的版本等）。",
    413: "请求或上传超过大小上限（默认 200 MB，可配置；压缩文件按解压后大小计）。",
    415: "不支持的文件类型。",
    422: "请求内容校验不通过：缺项、类型或取值不对（含核查口径 policy）、无法识别的行业、场地或坐标系。",
    503: ("工作台主进程无响应（多进程运行时）：请稍后重试；核查是否已记入登记无法确定，请在核查登记中查看。"
          "或图层库在工作台运行期间被替换（如用 cp 覆盖），工作台已停止登记核查：须停止工作台，按其日志的说明处理。"),
}


def _error_model():
    from pydantic import BaseModel, ConfigDict, Field

    class ErrorBody(BaseModel):
        """Every error answer: ``{"error": "中文说明", ...}`` (some carry more, e.g. ``industry``, ``datasets``)."""

        model_config = ConfigDict(extra="allow", title="错误")
        error: str = Field(..., description="中文说明：哪一项、为何不对、怎样改。")

    return ErrorBody


_ERROR_BODY = None


def error_responses(*codes: int) -> dict:
    """The ``responses`` of a route for OpenAPI: each status in ``codes`` (and 401 and 403, which any
    request can get: a desk run with a token, a request not addressed to a loopback name) with :data:`ERROR_STATUS_ZH`'s meaning and the error body.
    Replaces FastAPI's own 422 entry, whose ``detail`` list the desk never sends.

    Examples
    --------
    >>> sorted(error_responses(400, 422))
    [400, 401, 403, 422]
    """
    global _ERROR_BODY
    if _ERROR_BODY is None:
        _ERROR_BODY = _error_model()
    return {c: {"model": _ERROR_BODY, "description": ERROR_STATUS_ZH[c]} for c in sorted({401, 403, *codes})}
