"""The HTTP API: thin wrappers over the public ``dcf_spatial`` API, JSON in and out.

Handlers are plain ``def`` functions: FastAPI runs them in its thread pool, in a copy of the request's
context, so the store the server activated for the request is the one each call uses.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import uuid
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from ..._validate import MIN_AREA_MU
from ...industry import MAX_INDUSTRY_CHARS

from ...errors import InputError as DcfInputError
from .. import upload_reading
from ..errors import DeskError, RequestBody, error_responses
from ..uploads import (FORMATS_ZH, _display_name, audit_file_name, audit_file_names, check_file_name, pick_dataset, result_file_name, save_upload,
                       server_paths_named, temp_folder)
from ...io.tables import sheet_to_read as sheet_read
from ...land.outputs import shown_file_names
from ..wording import desk_wording, form_of, industry_column_message, worded

router = APIRouter(prefix="/api")

CATALOGUE_CLASSES = Literal["鼓励类", "允许类", "限制类", "淘汰类"]
#: "lon,lat" typed in the page or sent by another system
_LONLAT = re.compile(r"^\s*[-+]?\d+(\.\d+)?\s*[,，\s]\s*[-+]?\d+(\.\d+)?\s*$")
_WKT = re.compile(r"^\s*(MULTI)?(POINT|POLYGON|LINESTRING)\s*(Z\s*)?\(", re.I)


class SiteCheckBody(RequestBody):
    """What ``dcf site check`` takes, as JSON."""

    model_config = ConfigDict(extra="forbid")

    site: str | dict = Field(..., description="场地：GeoJSON 几何（或 Feature）、\"经度,纬度\"、WKT 或地名"
                                              "（图层库地名表中的镇街、集聚区、园区、示范区名称或规划简称），或 /api/site/read 回答的 parcels"
                                              "（原样送回：其中的坐标系读取记录带本工作台的签名，改动后拒绝，422）。",
                             examples=["115.75,36.455"])
    industry: str = Field(..., max_length=MAX_INDUSTRY_CHARS, description="行业：GB/T 4754-2017 代码或中文词（轴承、新能源汽车…）。",
                          examples=["轴承"])
    crs: str | None = Field(None, description="坐标系（默认 CGCS2000 经纬度；gcj02、bd09、EPSG:4527…）。")
    area_mu: float | None = Field(None, ge=MIN_AREA_MU, allow_inf_nan=False, description="用地面积（亩）。")
    investment_wan: float | None = Field(None, ge=0, allow_inf_nan=False, description="总投资（万元）。")
    floor_area_m2: float | None = Field(None, ge=0, allow_inf_nan=False)
    footprint_m2: float | None = Field(None, ge=0, allow_inf_nan=False)
    admin_area_m2: float | None = Field(None, ge=0, allow_inf_nan=False)
    green_area_m2: float | None = Field(None, ge=0, allow_inf_nan=False)
    tall_floor_area_m2: float | None = Field(None, ge=0, allow_inf_nan=False)
    yard_area_m2: float | None = Field(None, ge=0, allow_inf_nan=False)
    non_production_facilities: str | None = None
    capacity_replacement: bool = False
    catalogue_class: CATALOGUE_CLASSES | None = None
    date: dt.date | None = Field(None, description="核查日期 YYYY-MM-DD（决定适用的控制指标版本，默认今天）。")
    project: str | None = Field(None, max_length=200, description="项目名称（随核查记入核查登记）。")
    drawn_on_map: bool = Field(False, description="场地（GeoJSON 几何）是在本系统页面的地图上点选或绘制的：页面发送 true，"
                                                  "报告写“在地图上绘制”；其他系统不给（默认 false），报告写"
                                                  "“通过接口提交的 GeoJSON 几何”。场地为文字或文件时不起作用。")
    policy: dict[str, str] | None = Field(
        None, description="规划管理部门口径（plan_rules.json → office_policies），仅用于本次核查，例如 "
                          "{\"industry_outside_clusters\": \"conditional\"}；不给则用各口径的默认值。",
        examples=[{"industry_outside_clusters": "conditional"}])

    @field_validator("site", mode="before")
    @classmethod
    def _geojson_text(cls, value):
        # a geometry sent as a JSON string ("{\"type\": \"Polygon\", …}", another system serialising twice) is that
        # geometry, not a place name (it was answered "不在地名表中"); a text starting with { that is not JSON is refused
        if isinstance(value, str) and value.strip().startswith("{"):
            try:
                parsed = json.loads(value)
            except ValueError as exc:
                raise PydanticCustomError("geojson_text", "GeoJSON text that is not JSON: {error}",
                                          {"error": str(exc)}) from None
            if not isinstance(parsed, dict):
                raise PydanticCustomError("geojson_text", "GeoJSON text that is not an object", {"error": "非 JSON 对象"})
            return parsed
        return value

    @field_validator("capacity_replacement", mode="before")
    @classmethod
    def _replacement_words(cls, value):
        # the batch's 产能置换 words (是/否, 等量置换, √ …) and JSON true/false, one vocabulary (QA break 11: "true"
        # and 1 were taken while 「是」 was refused as «应为 true 或 false»); null is not declared
        from ...queries.site.batch import capacity_replacement_answer

        if value is None:
            return False
        answer = capacity_replacement_answer(value) if isinstance(value, (bool, int, float, str)) else None
        if answer is None:
            raise PydanticCustomError("capacity_replacement", "true/false or 是/否")
        return answer

    @field_validator("industry", mode="before")
    @classmethod
    def _strip_industry(cls, value):
        # the length cap counts the industry's own characters, as the library reads it (spaces around dropped)
        return value.strip() if isinstance(value, str) else value

    @field_validator("area_mu", "investment_wan", "floor_area_m2", "footprint_m2", "admin_area_m2", "green_area_m2",
                     "tall_floor_area_m2", "yard_area_m2", mode="before")
    @classmethod
    def _no_bool_numbers(cls, value):
        # pydantic reads JSON true as 1.0 for a float: "area_mu": true would be a site of 1 亩
        if isinstance(value, bool):
            raise PydanticCustomError("float_type", "a number, not true/false")
        return value


def strict_json(obj):
    """``obj`` as strict JSON values: NaN/inf → null, numpy scalars unwrapped (as ``--json`` prints)."""
    if isinstance(obj, dict):
        return {str(k): strict_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict_json(v) for v in obj]
    if hasattr(obj, "item") and getattr(obj, "ndim", None) == 0:
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return str(obj)


def _json_default(obj):
    if hasattr(obj, "item") and getattr(obj, "ndim", None) == 0:
        return obj.item()
    return str(obj)


def json_bytes(obj) -> bytes:
    """``obj`` encoded as :func:`strict_json` and ``json.dumps`` would encode it (NaN/inf → null, numpy
    scalars unwrapped, anything else as its text), in one pass by orjson (C): walking an answer in
    Python first cost more CPU than the check's rules. Values orjson would write its own way
    (non-text keys, integers past 64 bits) take the pure-Python path.

    Examples
    --------
    >>> import json, numpy as np
    >>> json.loads(json_bytes({"a": float("nan"), "b": np.int64(3), "c": (1, 2)}))
    {'a': None, 'b': 3, 'c': [1, 2]}
    """
    import orjson

    try:
        # datetimes and dataclasses passed through to _json_default: written as their text, as strict_json does
        return orjson.dumps(obj, default=_json_default,
                            option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(strict_json(obj), ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")


def _site_value(site) -> str:
    """The site as text ``check_site`` reads: ``lon,lat`` or WKT; GeoJSON turned into WKT.

    A text that is neither is refused: ``check_site`` would take it as a file path on the server.
    """
    if isinstance(site, dict) and site.get("type") == "FeatureCollection":
        site = {"type": "GeometryCollection",  # the 地块 of a file (/api/site/read): checked as one site
                "geometries": [f.get("geometry") for f in site.get("features") or [] if isinstance(f, dict)]}
        if not site["geometries"]:
            raise DeskError(422, "site 是空的要素集合（FeatureCollection 没有要素）。请给出点或面。")
    if isinstance(site, dict):
        import shapely.geometry

        geom = site.get("geometry") if site.get("type") == "Feature" else site
        try:
            shape = shapely.geometry.shape(geom)
        except Exception:
            raise DeskError(422, "site 不是有效的 GeoJSON 几何（需要 type 与 coordinates，如 "
                                 "{\"type\": \"Point\", \"coordinates\": [115.75, 36.455]}）。") from None
        if shape.is_empty:
            raise DeskError(422, "site 是空几何。请给出点或面。")
        if shape.geom_type == "GeometryCollection":
            import shapely

            shape = shapely.union_all(list(shape.geoms))  # one site: the outline of all its 地块
        return shape.wkt
    if _LONLAT.match(site) or _WKT.match(site):
        return site.strip()
    from ...io.lonlat import read_lonlat

    try:  # E115.7612 N36.4475, 东经115.7612 北纬36.4475 (QA round 9), 115°45′40″,36°26′51″: a point, as the CLI
        point = read_lonlat(site.strip())  # and a batch's coordinate cells read it (one reader: io.lonlat)
    except DcfInputError as exc:  # labelled, but not one longitude and one latitude: the forms to type
        raise DeskError(422, str(exc)) from None
    if point is not None:
        return f"{point.lon!r},{point.lat!r}"
    if site.strip():
        # a place name of the store's gazetteer (郑家镇工业集聚区, 第二片区 …): check_site resolves it the
        # same way; only a known name gets through, so a typed text never reaches a path on the server
        from ...errors import InputError
        from ...errors import clip
        from ...places import place_for_site

        try:  # the CLI's reading of a name (郑家镇王屯村 too), so that the desk answers what the CLI answers
            place_for_site(site.strip())
        except InputError as exc:
            raise DeskError(422, f"无法识别场地「{clip(site)}」：不是 GeoJSON 几何、“经度,纬度”或 WKT，"
                                 f"按地名查找也未找到唯一的单元。{exc}") from None
        return site.strip()
    raise DeskError(422, "场地为空：请给出 GeoJSON 几何、“经度,纬度”（如 115.75,36.455）、WKT 或地名；"
                         "文件请在页面上传。")


def _resolve_or_422(resolve, value: str):
    """``resolve(value)``; a code that is not in GB/T 4754-2017 (``C9999``) is unrecognised input: 422."""
    from ...errors import InputError

    try:
        return resolve(value)
    except InputError as exc:
        raise DeskError(422, str(exc)) from exc


def _industry_or_400(value: str):
    from ...industry import checkable, industry_error_message, resolve

    m = _resolve_or_422(resolve, value)
    if not checkable(m):  # as the CLI: a word of several codes is judged over them (refused when they differ)
        from ...errors import clip

        raise DeskError(422, industry_error_message(m, where="行业"), industry={**m.to_dict(), "input": clip(m.query)})
    return m


def policy_menu() -> list[dict]:
    """The office policies of ``plan_rules.json`` → ``office_policies`` as the pages offer them: each
    policy's name, Chinese title, clauses, the file's default (as a setting code) and its choices with
    their Chinese wording.

    Examples
    --------
    >>> [c["value"] for c in policy_menu()[0]["choices"]]
    ['does_not_fit', 'conditional']
    """
    from ... import plan

    defaults = plan.office_policies()
    out = []
    for name, setting in defaults.items():
        entry = plan.rules()["office_policies"][name]
        out.append({
            "name": name, "name_zh": entry.get("name_zh", name), "plan_ref": entry.get("plan_ref", ""),
            "default": setting, "file": f"{plan.RULES_FILE} → office_policies → {name}",
            "choices": [{"value": c, "verdict_zh": plan.verdict_zh(c), "setting_zh": entry["setting_zh"][c],
                         "label_zh": plan.setting_label_zh(entry, c),
                         "default": c == setting} for c in entry["choices"]]})
    return out


def _policies_zh() -> str:
    """Every office policy with its allowed values, for an error message."""
    return "；".join(f"{p['name']}（{p['name_zh']}）可取 " + "、".join(
        f"{c['value']}（{c['label_zh']}{'，默认' if c['default'] else ''}）" for c in p["choices"])
        for p in policy_menu())


def policy_or_422(policy: dict | None) -> dict | None:
    """``policy`` (``{口径名: 取值}``) checked against ``plan_rules.json`` → ``office_policies``; an unknown
    name or value is a 422 naming the policy, its allowed values and the rule file (as every other
    invalid field of a request). ``None``/``{}`` is None (the file's defaults apply).

    Examples
    --------
    >>> policy_or_422({"industry_outside_clusters": "conditional"})
    {'industry_outside_clusters': 'conditional'}
    """
    if not policy:
        return None
    from ... import plan
    from ...errors import InputError

    try:
        chosen = plan.chosen_policies(policy)   # the name and the setting each by code or in Chinese
    except InputError as exc:
        if getattr(exc, "argument", None) != "policy":  # the rule file itself is wrong: the server's fault
            raise
        raise DeskError(422, f"请求有误：policy：{exc}口径及其取值定义在规则文件 {plan.RULES_FILE}（office_policies）："
                             f"{_policies_zh()}；GET /api/policies 列出。") from None
    # as codes: a label the page shows (引导入园：有条件符合) is recorded as the code it stands for
    return chosen


def _policy_form(values: list[str] | None) -> dict | None:
    """The batch form's ``policy`` fields as ``{口径名: 取值}``: each field ``口径=取值`` (as ``dcf site check
    --batch … --policy`` takes it) or a JSON object (as ``POST /api/site-check`` takes it)."""
    out: dict[str, str] = {}
    for v in values or []:
        v = (v or "").strip()
        if not v:
            continue
        if v.startswith("{"):
            try:
                obj = json.loads(v)
            except ValueError:
                obj = None
            if not isinstance(obj, dict) or not all(isinstance(x, str) for x in obj.values()):
                raise DeskError(422, f"请求有误：表单 policy：应为 口径=取值 或 JSON 对象 {{口径名: 取值}}（收到 {v[:60]}）。")
            out.update(obj)
            continue
        name, sep, value = v.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise DeskError(422, f"请求有误：表单 policy：「{v[:60]}」应写成 口径=取值，如 "
                                 "industry_outside_clusters=conditional。")
        out[name.strip()] = value.strip()
    return policy_or_422(out)


def crs_or_422(crs: str | None, *, path: str) -> str | None:
    """A ``crs`` form field checked before the upload is read: a value pyproj does not know is a 422
    (an invalid field, as in every other request), not the 400 of a file that cannot be read."""
    if crs is None or not crs.strip():
        return None
    from ...crs import parse_crs
    from ...errors import InputError

    try:
        parse_crs(crs)
    except InputError as exc:
        from ..wording import desk_wording

        raise DeskError(422, desk_wording(str(exc), form=form_of(path))) from None
    return crs


def run_site_check(body: SiteCheckBody, *, record: bool = False):
    """``dcf.check_site`` for a request body (the server's store is active); with ``record`` the check
    goes into the store's register (under ``body.project`` when given). A value the library refuses
    (the office policy, a coordinate system, the site) is a 422 naming it."""
    import dcf_spatial as dcf

    _industry_or_400(body.industry)
    policy = policy_or_422(body.policy)
    try:
        return _check_site(dcf, body, policy, record)
    except dcf.InputError as exc:
        raise _input_error(exc) from None


def _input_error(exc) -> DeskError:
    """The body is JSON the desk has read: a value check_site refuses (a coordinate system, a WKT, a
    site it cannot place) is an invalid field, answered 422 as pydantic's are. An error about the
    store (a layer changed while the check ran, a database that cannot be reached) is not the
    request's: 409 for the change (check again), 400 otherwise, as before. Never the store's
    file or address (store_names), as every other answer."""
    from ...errors import StoreChangedError
    from ..wording import SITE_FORM, desk_wording, store_names

    # the body's crs is the page's 坐标系 box: a fix that states the CRS points at it
    text = desk_wording(str(exc), form=SITE_FORM, names=store_names(None))
    if getattr(exc, "argument", None) == "store":
        return DeskError(409 if isinstance(exc, StoreChangedError) else 400, text)
    return DeskError(422, text)


def _check_site(dcf, body: SiteCheckBody, policy, record: bool):
    from ..wording import reasons_worded

    # a reason that asks to declare 产能置换 names the page's checkbox, not the command line's option
    # an uploaded file's reading (its CRS, its notes) sent back with its 地块: signed by this desk, or refused
    crs_read, read_notes = upload_reading.verified(body.site)
    answer = reasons_worded(_check_site_value(dcf, body, policy, record, crs_read))
    return _with_file_parcels(answer, body.site, read_notes)


#: the 坐标系 a report names for a site drawn on the desk's map (Leaflet's lon/lat: WGS84, read as CGCS2000)
DRAWN_CRS_ZH = "在地图上绘制（WGS84/CGCS2000 经纬度）"
#: the 读取说明 of such a site, in place of the reader's "文件未声明坐标系" (no file was uploaded; QA round 7)
DRAWN_NOTE_ZH = "场地在本系统地图上绘制，按 WGS84 经纬度读入，视同 CGCS2000（相差厘米级）"
#: the same for a GeoJSON geometry another system sent through the API (the 一张图 platform …): nobody drew it
#: on this desk's map, and a 核查意见 must not say so (QA round 11, F11)
POSTED_CRS_ZH = "通过接口提交的 GeoJSON 几何（WGS84/CGCS2000 经纬度）"
POSTED_NOTE_ZH = "场地为通过接口提交的 GeoJSON 几何（由调用接口的系统给出），按 WGS84 经纬度读入，视同 CGCS2000（相差厘米级）"


def site_given_how(geom_type: str, *, drawn_on_map: bool) -> str:
    """How a site sent as one GeoJSON geometry came, as the report's 场地 begins: clicked or drawn on the
    desk's map (the page says so with ``drawn_on_map``), else sent through the API by another system.

    Examples
    --------
    >>> site_given_how("Polygon", drawn_on_map=True)
    '在地图上绘制'
    >>> site_given_how("Point", drawn_on_map=True)
    '在地图上点选'
    >>> site_given_how("Polygon", drawn_on_map=False)
    '通过接口以 GeoJSON 几何提交'
    """
    if not drawn_on_map:
        return "通过接口以 GeoJSON 几何提交"
    return "在地图上点选" if geom_type in ("Point", "MultiPoint") else "在地图上绘制"


def _with_drawn_site(answer, body: SiteCheckBody):
    """A site sent as one GeoJSON geometry (clicked or drawn on the desk's map, or posted by another
    system): 核查输入 describes it in words (亩, centre, vertex count — never the WKT) saying how it came
    (:func:`site_given_how`: the page marks its drawn sites with ``drawn_on_map``; the API's default is a
    GeoJSON geometry sent through the interface), its 坐标系 says it was given as lon/lat, and the reader's
    "文件未声明坐标系" (no file was uploaded) is said the same way (``DRAWN_NOTE_ZH`` / ``POSTED_NOTE_ZH``)."""
    site = body.site
    if isinstance(site, dict) and site.get("type") == "Feature":
        site = site.get("geometry")
    if not (isinstance(site, dict) and site.get("type") not in (None, "FeatureCollection")):
        return answer
    from ..docx_report import describe_drawn

    lonlat = not body.crs or str(body.crs).upper() in ("EPSG:4326", "EPSG:4490", "WGS84", "CGCS2000")
    try:
        import shapely.geometry

        geom = shapely.geometry.shape(site)
        how = site_given_how(geom.geom_type, drawn_on_map=body.drawn_on_map)
        # coordinates in another CRS (EPSG:4548 metres, GCJ-02 …): described from the site as the check read
        # it (CGCS2000 lon/lat), not from the numbers as sent (a 522-亩 site was shown as its cut WKT)
        text = describe_drawn(geom if lonlat else answer.sites.to_crs(4490).geometry.union_all(), how=how)
    except Exception:  # noqa: BLE001 - the check read it already; a description that fails keeps the input as given
        return answer
    inputs = dict(answer.inputs)
    inputs["场地"] = text
    if lonlat:
        inputs["坐标系"] = DRAWN_CRS_ZH if body.drawn_on_map else POSTED_CRS_ZH
        note = DRAWN_NOTE_ZH if body.drawn_on_map else POSTED_NOTE_ZH
        answer.notes = [note if n.startswith("文件未声明坐标系") else n for n in answer.notes]
    elif not body.drawn_on_map:  # no file was uploaded: the reader's "文件未声明坐标系" says how the site came
        answer.notes = [n.replace("文件未声明坐标系", "场地为通过接口提交的 GeoJSON 几何", 1)
                        if n.startswith("文件未声明坐标系") else n for n in answer.notes]
    answer.inputs = inputs
    return answer


def _with_file_parcels(answer, site, read_notes: list[str]):
    """A site sent as the FeatureCollection ``/api/site/read`` answered (a file's 地块, each with its
    编号/名称, and the file's ``name``): the answer keeps the 地块 (the TXT download writes each as its own
    record), 核查输入 describes the file (name, 地块, 亩, centre) instead of the outline's WKT, and several
    names say they were checked as one site, as ``dcf.check_site`` of the file itself does."""
    if not (isinstance(site, dict) and site.get("type") == "FeatureCollection"):
        return answer
    import geopandas as gpd

    from ...queries.site.api import combined_note, describe_site

    try:
        parcels = gpd.GeoDataFrame.from_features(site["features"], crs=4490)
    except Exception:  # malformed properties: the check stands on the geometry alone
        return answer
    name = site.get("name") if isinstance(site.get("name"), str) else None
    answer.inputs = {**answer.inputs, "场地": describe_site(parcels, _display_name(name) if name else None)}
    _with_upload_notes(answer, read_notes)
    warnings = site.get("shape_warnings")
    if read_notes and isinstance(warnings, list) and answer.results:  # signed with the notes (upload_reading)
        said = answer.results[0].setdefault("site", {}).setdefault("shape_warnings_zh", [])
        said += [w for w in warnings[:upload_reading.MAX_NOTES] if isinstance(w, str) and w not in said]
    from ...io.survey_txt import HEADER_ATTR

    header = site.get(HEADER_ATTR)
    if isinstance(header, dict):  # the user's own words, written back into their 报批 TXT only
        parcels.attrs[HEADER_ATTR] = {str(k)[:50]: str(v)[:200] for k, v in list(header.items())[:40]}
    answer.parcels = parcels  # one 地块 too: downloaded with its 编号/名称/图幅号/用途, not as «项目场地»
    if len(parcels) > 1:
        note = combined_note(parcels)
        if note and note not in answer.notes:
            answer.notes = [note, *answer.notes]
    return answer


def _with_upload_notes(answer, notes: list[str]) -> None:
    """The 读取说明 of a site the page uploaded (:mod:`dcf_spatial.desk.upload_reading`, checked): the file's,
    after the combined / parcels notes. Its 坐标系 is the check's own: the file's reading record is an argument
    of the check (``crs_read``), which then says nothing of the lon/lat the page sent back (QA new-user round,
    finding 1: «文件未声明坐标系，按用户指定的 EPSG:4490 读入» of a file that declared its CRS)."""
    kept = list(answer.notes)
    first = [n for n in kept if n.startswith("文件含 ") or "个地块：核查" in n]  # combined / parcels notes stay first
    answer.notes = first + [n for n in notes if n not in kept] + [n for n in kept if n not in first]


def _check_site_value(dcf, body: SiteCheckBody, policy, record: bool, crs_read: dict | None = None):
    return dcf.check_site(
        _site_value(body.site), body.industry, area_mu=body.area_mu, crs=body.crs, crs_read=crs_read,
        investment_wan=body.investment_wan, floor_area_m2=body.floor_area_m2, footprint_m2=body.footprint_m2,
        admin_area_m2=body.admin_area_m2, green_area_m2=body.green_area_m2,
        capacity_replacement=body.capacity_replacement, catalogue_class=body.catalogue_class,
        date=None if body.date is None else body.date.isoformat(), tall_floor_area_m2=body.tall_floor_area_m2,
        yard_area_m2=body.yard_area_m2, non_production_facilities=body.non_production_facilities or None,
        policy=policy,
        record=((body.project or "").strip() or True) if record else False)


@router.post("/site-check", summary="选址核查（一个场地）", responses=error_responses(400, 409, 413, 422, 503))
def site_check(request: Request, body: SiteCheckBody):
    """The verdict for one site: the JSON of ``dcf site check --json`` (a reason's fix worded for the
    page: 「项目实施产能等量或减量置换」 for ``capacity_replacement``), plus ``register_id``, the check's
    entry in the register (recorded unless the desk runs with ``--no-record``; else null).
    A recorded check is answered only once its register row is committed: checks arriving while
    another is being written are committed together (``dcf_spatial.register.record._GroupCommit``)."""
    return site_check_response(body, record=request.app.state.record)


def site_check_response(body: SiteCheckBody, record: bool) -> Response:
    """The answer of ``POST /api/site-check`` for a validated body: the route above and the desk's hot
    path for well-formed JSON (``dcf_spatial.desk.app._Guard``) both answer through this."""
    answer = _with_drawn_site(run_site_check(body, record=record), body)  # the page's 读取说明 too (QA round 7)
    return _check_answer(answer)


def _check_answer(answer) -> Response:
    return Response(json_bytes({**answer.to_dict(), "register_id": answer.register_ids[0] if answer.register_ids else None}),
                    media_type="application/json")


def site_check_queued(body: SiteCheckBody, record: bool):
    """The check of :func:`site_check_response` with its register rows only queued for the group commit
    (:class:`dcf_spatial.register.record.deferred_records`): returns ``(answer, pending)``;
    :func:`site_check_finish` waits for the commit and answers. The desk's hot path runs the two in
    different threads, so its few check threads never sit waiting for a commit."""
    from ...register.record import deferred_records

    with deferred_records() as pending:
        answer = run_site_check(body, record=record)
    return _with_drawn_site(answer, body), pending


def site_check_finish(answer, pending) -> Response:
    """The answer of a :func:`site_check_queued` check once its rows are committed (their
    ``register_id``), or the error that kept them out, as :func:`site_check_response` answers it."""
    import dcf_spatial as dcf

    try:
        pending.wait()
    except dcf.InputError as exc:
        raise _input_error(exc) from None
    return _check_answer(answer)


EXPORTS = {"html": ("核查报告.html", "text/html; charset=utf-8"),
           "docx": ("核查意见.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
           "pdf": ("核查意见.pdf", "application/pdf"),
           "gpkg": ("场地.gpkg", "application/geopackage+sqlite3"),
           "txt": ("场地报批坐标.txt", "text/plain; charset=gbk")}


@router.post("/site-check/export/{fmt}", summary="选址核查并下载：报告 HTML / 核查意见 DOCX、PDF / 场地 GPKG / 报批坐标 TXT", responses=error_responses(400, 409, 413, 422, 503))
def site_check_export(fmt: Literal["html", "docx", "pdf", "gpkg", "txt"], body: SiteCheckBody):
    """The same check as ``POST /api/site-check``, answered as a file to download."""
    answer = _with_drawn_site(run_site_check(body), body)
    if fmt in ("gpkg", "txt") and answer.named_sites():
        # a zone, township or village address stands for "somewhere in it": its outline is the unit's,
        # never the project's boundary, so it is not written as the 项目场地 of a 报批 TXT or a GPKG
        from ...queries.site.api import named_export_message

        raise DeskError(422, named_export_message(answer.named_sites()))
    project = (body.project or "").strip()
    if project:  # the project's name in the report's body (its title block), not only in the file name
        from ...queries.site.tables import check_title_zh

        answer.inputs = {"项目名称": project, **answer.inputs}
        answer.title = check_title_zh(project)   # the report's title names the project (QA session 31 F8)
    from ... import plan

    base, media = EXPORTS[fmt]
    # the page's download and an API caller's carry one name (project, verdict, 口径, date): not 核查意见.docx for all
    name = check_file_name(Path(base).stem, Path(base).suffix, project=project, verdict_zh=answer.results[0]["verdict_zh"],
                           own_policy=plan.office_policies(body.policy) != plan.office_policies(),
                           day=body.date or dt.date.today())
    with temp_folder() as d:
        path = d / f"out.{fmt}"
        if fmt == "html":
            answer.to_report(path)
        elif fmt == "docx":
            from ..docx_report import write_docx

            write_docx(answer, path)
        elif fmt == "pdf":
            from ..pdf_report import write_pdf

            write_pdf(answer, path)
        else:
            answer.to_site_file(path, name=project or None)  # the parcel named as the project typed (issue 12 M1)
        data = path.read_bytes()
    return Response(data, media_type=media, headers=_attachment(name))


@router.post("/site/read", summary="读取上传的场地文件", responses=error_responses(400, 413, 415, 422))
def site_read(request: Request, file: UploadFile = File(..., description="场地文件：" + FORMATS_ZH),
              crs: str | None = Form(None),
              layer: str | None = Form(None, description="压缩文件含多个数据集时要读取哪一个（文件名或不含扩展名的名称）")):
    """Read a site file; answer its outline as one GeoJSON geometry (CGCS2000 lon/lat), to check next.

    ``crs_read`` says in which CRS the file was read and who said so (``source``: ``file`` — its header, .prj or
    layer —, ``user`` or ``guessed``), ``crs_read_zh`` in words; ``parcels`` (the 地块, to send back as the
    check's ``site``) carries it with the ``read_notes``, so the check's 坐标系 and 读取说明 are the file's."""
    import dcf_spatial as dcf

    crs = crs_or_422(crs, path=request.url.path)

    with temp_folder() as d:
        path = save_upload(file, d, limit_bytes=request.app.state.upload_limit, layer=layer)
        try:
            gdf = dcf.read_site(str(path), crs=crs, layer=pick_dataset(path, layer))
        except dcf.DcfError as exc:  # the message names the uploaded file, not the server's copy
            raise worded(exc, form=form_of(request.url.path), names={str(path): _display_name(file.filename)}) from exc
        if len(gdf) == 0:
            raise DeskError(422, "文件中没有可用的几何。请检查文件内容。")
        # rows without a usable geometry (no coordinates, not numbers, no area) are named with their
        # reason, as the CLI's notes and the batch do; the others are the site (nothing silently lost)
        skipped = dcf.io.unusable_rows(gdf)
        skipped = list(zip([p for p, _ in skipped], server_paths_named([t for _, t in skipped], path, file.filename)))
        if len(skipped) == len(gdf):
            raise DeskError(422, f"文件“{_display_name(file.filename)}”中没有可用的几何：共 {len(gdf)} 条记录，"
                                 f"均无法使用——{'；'.join(t for _, t in skipped[:10])}"
                                 f"{' 等' if len(skipped) > 10 else ''}。请补全或改正坐标后重新上传。")
        # notes name the uploaded file, never the server's temporary copy (QA round 10)
        notes = server_paths_named(gdf.attrs.get("read_notes", []), path, file.filename)
        # the file's 图形警告 (a recorded 地块面积 off its coordinates, new-user F3) travel with its 地块 to the check
        shape_warnings = server_paths_named(gdf.attrs.get("shape_warnings", []), path, file.filename)
        if skipped:
            notes.insert(0, f"文件共 {len(gdf)} 条记录，读入 {len(gdf) - len(skipped)} 条；{len(skipped)} 条没有可用的几何，"
                            f"未读入：{'；'.join(t for _, t in skipped)}")
            gdf = gdf.drop(index=gdf.index[[p for p, _ in skipped]])
        geom = gdf.geometry.union_all() if len(gdf) > 1 else gdf.geometry.iloc[0]
    import shapely.geometry

    # the 地块 one by one, with their 编号/名称: the page sends them back as the site, so a 报批 TXT of
    # several 地块 downloads again as the same records (not one outline named 项目场地)
    # a TXT's 图幅号/地块用途/地类编码 too: the 报批 TXT download writes them back (QA new-user round, finding 12)
    from ...io.survey_txt import COPY_COLUMNS

    keep = [c for c in ("地块编号", "地块名称", "name", *COPY_COLUMNS) if c in gdf.columns]
    props = gdf[keep].astype(object).where(gdf[keep].notna(), None) if keep else None
    from ...crs.read_as import CRS_READ, read_as_zh

    read_in = gdf.attrs.get(CRS_READ)
    # the file's reading travels with its 地块: the page sends them back as the site, and the check's 坐标系 and
    # 读取说明 are then the file's (the header's CRS, the user's or a guess), not those of the lon/lat answered here
    # a 报批 TXT's 属性描述 (数据产生单位, 格式版本号…): its 报批 TXT download writes them back (QA user F11)
    from ...io.survey_txt import HEADER_ATTR

    parcels = {"type": "FeatureCollection", "name": _display_name(file.filename), "crs_read": read_in, "read_notes": notes,
               "shape_warnings": shape_warnings, HEADER_ATTR: gdf.attrs.get(HEADER_ATTR),
               "features": [{"type": "Feature", "geometry": shapely.geometry.mapping(g),
                             "properties": {} if props is None else {k: (None if v is None else str(v))
                                                                     for k, v in props.iloc[i].items()}}
                            for i, g in enumerate(gdf.to_crs(4490).geometry.values)]}
    return {"geometry": shapely.geometry.mapping(geom), "crs": "EPSG:4490", "features": len(gdf),
            "parcels": upload_reading.signed(parcels), "read_notes": notes, "skipped": [t for _, t in skipped],
            "crs_read": read_in, "crs_read_zh": read_as_zh(read_in)}


@router.post("/sheets", summary="工作簿的工作表名（供表单选择要读取的工作表）", responses=error_responses(400, 413, 415, 422))
def sheets(request: Request, file: UploadFile = File(..., description="工作簿：XLSX、XLSM、XLS 或 ODS（其他文件答空列表）")):
    """``{"sheets": [{"name", "hidden"}, …]}``: the worksheets of an uploaded workbook, in order, for the
    batch and audit forms' 「工作表」 box; a file that is no workbook answers an empty list."""
    from ...io.tables import workbook_sheets

    with temp_folder() as d:
        path = save_upload(file, d, limit_bytes=request.app.state.upload_limit)
        return {"sheets": workbook_sheets(path)}


@router.post("/site-check/batch", summary="批量核查（上传项目清单）", responses=error_responses(400, 409, 413, 415, 422, 503))
def site_check_batch(request: Request,
                     file: UploadFile = File(..., description="项目清单：CSV、XLSX、XLS、ODS 或矢量文件（每行一个场地）"),
                     industry: str | None = Form(None, description="行业列为空的行（文件无行业列时为全部行）按此行业核查；"
                                                                     "不覆盖文件中已填的行业"),
                     crs: str | None = Form(None),
                     policy: list[str] | None = Form(
                         None, description="规划管理部门口径（plan_rules.json → office_policies），用于全部行；"
                                           "每项写成 口径=取值（可重复，如 industry_outside_clusters=conditional），"
                                           "或一个 JSON 对象 {\"口径名\": \"取值\"}。不给则用各口径的默认值。"),
                     sheet: str | None = Form(None, description="工作簿中要读取的工作表名（可选；不填时读取第一个表头像项目清单"
                                                                  "——有定位列（坐标、WKT 或坐落等地名列）和行业列——的可见工作表，"
                                                                  "读入说明写明读取与跳过的工作表）"),
                     format: Literal["json", "xlsx"] = Query("json", description="json：结果与下载链接；xlsx：直接下载表格")):
    """One result per row (rows that cannot be checked say why), as ``dcf site check --batch --json``;
    ``xlsx_url`` downloads the table (formula-like text stays text)."""
    import dcf_spatial as dcf

    from ...queries.site.batch import IndustryColumnMissing
    from ...queries.site.tables import verdict_counts_zh

    if industry:
        _industry_or_400(industry)
    chosen = _policy_form(policy)
    crs = crs_or_422(crs, path=request.url.path)
    form = form_of(request.url.path)
    with temp_folder() as d:
        path = save_upload(file, d, limit_bytes=request.app.state.upload_limit)
        shown = {str(path): _display_name(file.filename)}
        try:
            answer = dcf.check_batch(str(path), industry or None, crs=crs, record=request.app.state.record,
                                     policy=chosen, **({"layer": sheet} if sheet else {}))
        except IndustryColumnMissing as exc:  # the CLI's explanation, with the fixes this page offers (QA round 10)
            raise DeskError(422, industry_column_message(exc, names=shown)) from None
        except dcf.DcfError as exc:  # the message names the uploaded file, not the server's copy
            raise worded(exc, form=form, names=shown) from exc
        out = d / "result.xlsx"
        answer.to_table(out)  # text cells as text, formula-like ones flagged (dcf_spatial.io.write)
        data = out.read_bytes()
        read_sheet = sheet or sheet_read(path, aliases=("sites",))
    # the file's name and sheet in the download's: a 2025 and a 2026 result saved side by side stay apart
    download_name = result_file_name("核查结果", file.filename, read_sheet, ".xlsx")
    if format == "xlsx":
        return Response(data, media_type=_XLSX, headers=_attachment(download_name))
    url = _keep_download(request, data, download_name, _XLSX)
    counts = verdict_counts_zh(answer.results)  # as the CLI, the XLSX and the HTML report count
    sites = answer.sites
    names = [str(v) if v == v and v is not None else "" for v in sites["name"]] if "name" in sites.columns \
        else [""] * len(answer.results)
    # the page's words: its 「工作表」 and 「行业」 boxes, never a command-line option (QA round 10)
    notes = [desk_wording(n, form=form, names=shown) for n in answer.notes]
    if answer.register_ids and len(answer.register_ids) > BATCH_RECORD_NOTE_ROWS:
        notes.insert(0, batch_record_note(len(answer.register_ids)))
    return JSONResponse(strict_json({"results": answer.to_dict(), "names": names, "counts": counts,
                                     "read_notes": notes, "xlsx_url": url, "policy": chosen,
                                     "register_ids": list(answer.register_ids)}))


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: above this many rows a recorded batch says that each row went into the register: every row keeps its
#: whole answer there (so that 核查登记 can show and re-check it), and a 20,000-row list grew the store by
#: ~243 MB (QA round 7, issue 12). Not compacted here: the register's rows are read by history/recheck as written.
BATCH_RECORD_NOTE_ROWS = 2000


def batch_record_note(n: int) -> str:
    """The note of a recorded batch of ``n`` rows (above :data:`BATCH_RECORD_NOTE_ROWS`).

    Examples
    --------
    >>> batch_record_note(20000)[:21]
    '本批 20,000 行已逐行记入核查登记（'
    """
    return (f"本批 {n:,} 行已逐行记入核查登记（每行保存完整核查结果，便于在「核查登记」中查看和复核），"
            f"图层库文件随之增大；经常上传数千行的清单时，请留意图层库所在磁盘的空间，"
            f"或请管理员以不登记核查的方式启动工作台。")


def _keep_download(request, data: bytes, name: str, media: str) -> str:
    """Keep ``data`` in memory for one later download; return its URL (an unguessable id, not a path)."""
    store = request.app.state.downloads
    key = uuid.uuid4().hex
    store[key] = (name, media, data)
    while len(store) > 50:  # oldest first: a dict keeps insertion order
        store.pop(next(iter(store)))
    return f"/api/downloads/{key}"


@router.get("/downloads/{key}", summary="下载此前生成的文件", responses=error_responses(404, 422))
def download(request: Request, key: str):
    item = request.app.state.downloads.get(key)
    if item is None:
        raise DeskError(404, "下载链接已失效（服务器只保留最近 50 个文件）。请重新核查后再下载。")
    name, media, data = item
    return Response(data, media_type=media, headers=_attachment(name))


def _attachment(name: str) -> dict:
    """``Content-Disposition`` of a download named ``name`` (made safe by the caller): the name in RFC 5987's
    ``filename*`` (UTF-8, every reserved byte escaped), ``download<suffix>`` for clients reading ASCII only."""
    from urllib.parse import quote

    return {"Content-Disposition": f"attachment; filename=\"download{Path(name).suffix}\"; "
                                   f"filename*=UTF-8''{quote(name, safe='')}"}


@router.get("/layers", summary="图层列表", responses=error_responses())
def layers():
    """The layer list (what ``dcf layers list --json`` prints), each with its map style for the legend."""
    return _layer_rows()


def _layer_rows() -> list[dict]:
    import dcf_spatial as dcf

    from ...maps.style import layer_style

    frame = dcf.layers()
    rows = strict_json(frame.to_dict(orient="records"))
    for row in rows:
        st = layer_style(row["id"])
        row["style"] = {k: st.get(k) for k in ("label", "kind", "fill", "edge", "width", "fill_opacity", "dash")}
    return rows


#: decimals of a coordinate drawn on the desk's map (degrees): 1e-6° is 0.11 m north–south and 0.09 m
#: east–west at the district's 36.4° N, below a pixel at any zoom Leaflet shows (19: 0.2 m per pixel)
DISPLAY_DIGITS = 6


def map_layers_entry(app) -> dict:
    """The encoded answer of ``GET /api/map-layers`` for the store's present state: ``body``, ``gzip``,
    ``etag`` (made once per state of the store and held by the app; the store must be active)."""
    import gzip
    import hashlib

    from ...store.locate import resolve_store

    key = _content_key(resolve_store(app.state.store))
    held = app.state.map_layers
    entry = held.get("entry") if key is not None and held.get("key") == key else None
    if entry is None:
        rows = _layer_rows()
        parts = [json.dumps(row, ensure_ascii=False, allow_nan=False, separators=(",", ":"))[:-1].encode("utf-8")
                 + b',"geojson":' + _layer_json(row["id"], "EPSG:4326", digits=DISPLAY_DIGITS) + b"}"
                 for row in rows]
        body = b'{"layers":[' + b",".join(parts) + b'],"digits":%d}' % DISPLAY_DIGITS
        entry = {"body": body, "gzip": gzip.compress(body, compresslevel=6, mtime=0),
                 "etag": '"' + hashlib.sha256(body).hexdigest()[:32] + '"'}
        if key is not None:
            held.update(key=key, entry=entry)
    return entry


@router.get("/map-layers", summary="全部图层（地图显示用：一次请求，坐标保留 6 位小数约 0.1 米）", responses=error_responses())
def map_layers(request: Request):
    """Every layer of the store in one answer, for drawing: ``{"layers": [row, …], "digits": 6}``, each
    row what ``GET /api/layers`` lists (with its map style) plus ``geojson``, the layer as
    ``GET /api/layers/{id}`` answers it but with coordinates rounded to ``digits`` decimals of a degree
    (about 0.1 m). For exact geometry use ``GET /api/layers/{id}``.

    Encoded and gzip-compressed once per state of the store (its content stamp), answered compressed to
    a client that accepts gzip, with an ``ETag`` (a browser that has it gets ``304``)."""
    entry = map_layers_entry(request.app)
    headers = {"ETag": entry["etag"], "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == entry["etag"]:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        return Response(entry["gzip"], media_type="application/json", headers={**headers, "Content-Encoding": "gzip"})
    return Response(entry["body"], media_type="application/json", headers=headers)


@router.get("/layers/{layer_id}", summary="一个图层（GeoJSON）", responses=error_responses(404, 422))
def layer(request: Request, layer_id: str,
          crs: str = Query("EPSG:4326", description="输出坐标系，默认 EPSG:4326")):
    """One layer as a GeoJSON FeatureCollection (attributes as stored, ``provenance`` on each feature)."""
    key = _layer_key(request, layer_id, crs)
    cache = request.app.state.layer_json
    body = cache.get(key) if key is not None else None
    if body is None:
        body = _layer_json(layer_id, crs)
        if key is not None:
            cache[key] = body
            while len(cache) > 64:   # oldest first: a dict keeps insertion order
                cache.pop(next(iter(cache)))
    return Response(body, media_type="application/json")


def _layer_key(request, layer_id: str, crs: str):
    """What identifies a layer's content: the state of the whole store — a GeoPackage's modification
    time, a database's layer catalog (version, kept versions, time of the last write, file hash of
    each layer; every write updates it) — the same key the site check keeps its layers by."""
    key = _content_key(_store_location(request))
    return None if key is None else (key, layer_id, crs)


def _store_location(request):
    from ...store.locate import resolve_store

    return resolve_store(request.app.state.store)


def _content_key(location):
    from ...queries.site.context import store_key

    return store_key(location)


def _layer_json(layer_id: str, crs: str, *, digits: int | None = None) -> bytes:
    """One layer as GeoJSON bytes in ``crs``; ``digits``: coordinates rounded to that many decimals
    (the map's display copy), ``None``: as stored."""
    import dcf_spatial as dcf

    from ...maps.style import zone_color

    gdf = dcf.layer(layer_id)
    try:
        out = gdf.to_crs(crs)
    except Exception:
        raise DeskError(422, f"无法识别坐标系「{crs}」。例：EPSG:4326、EPSG:4490、EPSG:4527。") from None
    if digits is not None:
        import numpy as np
        import shapely

        out = out.set_geometry(shapely.transform(out.geometry.values, lambda xy: np.round(xy, digits)), crs=out.crs)
    fc = json.loads(out.to_json(na="null", drop_id=True, to_wgs84=False))
    id_col = next((c for c in ("zone_id", "id") if c in gdf.columns), None)
    if id_col is not None:
        for f, zid in zip(fc["features"], gdf[id_col].astype(str)):
            f["properties"]["_fill"] = zone_color(zid, layer_id)
    fc["crs_name"] = crs
    return json.dumps(strict_json(fc), ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


@router.get("/policies", summary="规划管理部门口径（核查时可逐次改选）", responses=error_responses())
def policies():
    """The office policies of ``plan_rules.json`` → ``office_policies`` (questions the plan leaves to the
    planning office), each with its choices in Chinese and the file's default; send one as ``"policy":
    {name: value}`` to ``POST /api/site-check`` (or the ``policy`` form field of the batch)."""
    return policy_menu()


@router.get("/industry", summary="行业词 → GB/T 4754-2017 代码", responses=error_responses(422))
def industry(q: str = Query(..., min_length=1, max_length=60, description="行业词或代码")):
    """Resolve a word or code: ``status`` resolved / ambiguous (with ``candidates``) / unknown (with near ones)."""
    from ...industry import label_zh, resolve

    m = _resolve_or_422(resolve, q)
    d = m.to_dict()
    d["label_zh"] = m.label_zh if m.resolved else ""
    d["candidates"] = [{**c, "label_zh": label_zh(c["code"])} for c in d["candidates"]]
    return d


def _place_dict(p, *, geometry: bool = False) -> dict:
    d = {"name": p.name, "unit_name": p.unit_name, "level": p.level, "unit_id": p.unit_id, "layer_id": p.layer_id,
         "plan_ref": p.plan_ref, "verify": p.verify, "via": p.via, "provenance": p.provenance,
         "describe_zh": p.describe_zh()}
    if geometry:
        import shapely.geometry

        d["geometry"] = shapely.geometry.mapping(p.geometry)   # EPSG:4490 lon/lat, as the site check reads it
    return d


@router.get("/places", summary="地名 → 镇街、集聚区、园区、示范区（输入提示）", responses=error_responses(422))
def places(q: str = Query(..., min_length=1, max_length=60, description="地名或其一部分"),
           limit: int = Query(10, ge=1, le=50)):
    """Names of the store's gazetteer near ``q`` (containing it first, then similar ones), and ``match``:
    the unit ``q`` names exactly (with its outline), or ``null`` with ``error`` saying why (unknown or
    not unique). A name in ``match`` can be sent as ``site`` to ``POST /api/site-check``."""
    from ...errors import InputError
    from ...places import gazetteer, place_for_site

    gaz = gazetteer()
    out: list[dict] = []
    for name in gaz.nearest(q, k=limit):
        out.extend(_place_dict(p) for p in gaz.places_named(name))
    try:
        # the lookup the site check itself makes (the CLI's --site, POST /api/site-check): an address such
        # as 郑家镇王屯村 is placed at its unit, with the note that the place is approximate
        place, notes = place_for_site(q.strip(), gaz=gaz)
        match, error = {**_place_dict(place, geometry=True), "notes": notes,
                        "approximate": place.name != q.strip() and place.unit_name != q.strip()}, None
    except InputError as exc:
        match, error = None, str(exc)
    return JSONResponse(strict_json({"query": q, "match": match, "error": error, "suggestions": out}))


# ---- audits: background jobs ------------------------------------------------------------------------

def _as_of(value: str) -> str:
    """The audit date as the library reads it (2025-12-31, 2025/12/31, 2025年12月31日, 20251231: a
    script or a typed form need not use the page's date picker), as ``YYYY-MM-DD``; else a 422 naming
    the value, the forms read and the library's bounds (1990-01-01 … a year after today)."""
    from ...errors import InputError
    from ...land.idle_audit import AS_OF_FORMS_ZH, parse_as_of

    if len(value) > 40:  # no date is this long: named by its start, not echoed whole
        raise DeskError(422, f"审计基准日「{value[:20]}…」不是日期：请写成 {AS_OF_FORMS_ZH}。")
    try:
        return parse_as_of(value).strftime("%Y-%m-%d")
    except InputError as exc:
        raise DeskError(422, str(exc).replace("审计基准日（as_of）", "审计基准日")) from None


def _audit_summary(res) -> dict:
    d = res.to_dict()
    summary = {k: v for k, v in d.items() if k not in ("parcels", "enterprises", "files")}
    summary["notes"] = list(res.notes)
    summary["summaries"] = {name: strict_json(_records(_shown_table(res, name, df)))
                            for name, df in (res.summaries or {}).items() if hasattr(df, "to_dict")}
    frame = res.frame
    if res.kind == "idle":
        from ...land.outputs import STATUS_SHEET_ZH, SUMMARY_COLUMNS_ZH, status_rows, status_total

        # the legend: one entry per label the parcels carry (认定/疑似, 第八条第一款/第二款 apart), each with
        # its status code for the colour; never one parcel's label standing for its whole status
        rows = status_rows(res.summaries["status"]) if "status" in (res.summaries or {}) else None
        if rows is not None:
            summary["status_legend"] = [{"status": str(r.status), "status_zh": str(r.status_zh), "count": int(r.count)}
                                        for r in rows.itertuples() if r.count > 0]
            # the workbook's 汇总_按状态 as it is: its 面积不明 column, its headers and its 合计 row (QA user F5)
            summary["status_total"] = strict_json(_records(_status_cells(status_total(rows))))[0]
        summary["status_column_labels"] = dict(STATUS_SHEET_ZH)
        summary["column_labels"] = dict(SUMMARY_COLUMNS_ZH)
    summary["kind"] = res.kind
    act = res.needs_action(table="all") if hasattr(res, "needs_action") else None
    if res.kind == "efficiency":
        act = _efficiency_action(frame)
        summary["class_labels"] = _class_labels(res)
    if act is not None and res.kind == "idle" and "duplicate_id" in act.columns:
        act = act.assign(duplicate_zh=_duplicate_marks(act))
    if act is not None and res.kind == "idle" and len(act):
        from ...land.map_points import parcel_names

        act = act.assign(parcel_id=parcel_names(act, range(len(act))))   # no id: 无宗地代码（原表第 N 行）
    if act is not None:
        cols = [c for c in ACTION_COLUMNS if c in act.columns]
        summary["needs_action"] = strict_json(_records(_rounded(act[cols].head(500))))
        summary["needs_action_total"] = int(len(act))
        if res.kind == "idle":   # a parcel id on several rows is one parcel (QA user F4): 15 条记录（14 宗）
            summary["needs_action_parcels"] = parcels_in(act)
    return strict_json(summary)


#: the columns of the rows needing action shown in the page (the XLSX has all of them)
ACTION_COLUMNS = ("parcel_id", "project_name", "enterprise_id", "credit_code", "name", "holder", "township_zh", "cluster_zh", "area_mu", "status",
                  "status_zh", "class", "class_zh", "eff_class", "eff_class_zh", "score", "land_area_mu", "eff_reason",
                  "reason_zh", "next_step_zh", "problems", "duplicate_zh", "fee_wan", "deadline_1y", "deadline_2y")


def parcels_in(rows) -> int:
    """How many parcels ``rows`` (of an idle audit) are: a parcel id on several rows counts once.

    Examples
    --------
    >>> import pandas as pd
    >>> parcels_in(pd.DataFrame({"parcel_id": ["A", "B", "A"], "duplicate_id": [True, False, True]}))
    2
    """
    if "duplicate_id" not in rows.columns or "parcel_id" not in rows.columns:
        return int(len(rows))
    dup = rows["duplicate_id"].fillna(False).to_numpy(dtype=bool)
    return int((~dup).sum() + rows.loc[dup, "parcel_id"].nunique())


def _duplicate_marks(frame):
    """Per listed parcel: whether its id is on several rows of the input and whether this row is the one
    the totals count (``in_totals``), as the workbook's 数据问题 says; "" for the others."""
    import numpy as np

    from ...land.idle_audit import in_totals

    dup = frame["duplicate_id"].fillna(False).to_numpy(dtype=bool)
    counted = in_totals(frame)
    return np.where(dup & counted, "宗地代码重复：合计只计本条", np.where(dup, "宗地代码重复：本条不计入合计", ""))


#: the enterprises the page lists for action after an efficiency audit: 第十章第四节 “要素保障政策”: “用好“亩产效益”
#: 评价结果……加大A类、B类企业支持力度，倒逼C、D类企业提升资源要素利用效率” — D first, then C, lowest score first
EFFICIENCY_ACTION_CLASSES = ("D", "C")


def _efficiency_action(frame):
    """The C and D class rows of an efficiency audit, D first, each class by score (lowest first)."""
    if "eff_class" not in frame.columns:
        return frame.iloc[0:0]
    rank = frame["eff_class"].map({c: i for i, c in enumerate(EFFICIENCY_ACTION_CLASSES)})
    keys = ["_rank", "score"] if "score" in frame.columns else ["_rank"]
    return (frame[rank.notna()].assign(_rank=rank).sort_values(keys, kind="stable").drop(columns="_rank"))


def _shown_table(res, name: str, df):
    """A summary table as the page shows it: the idle audit's 按状态 table one row per label carried
    (:func:`~dcf_spatial.land.outputs.status_rows`, as the workbook); every table rounded as the workbook."""
    if res.kind == "idle" and name == "status":
        from ...land.outputs import status_rows

        df = status_rows(df)
    if res.kind == "idle" and hasattr(df, "columns") and "fee_pending" in df.columns:
        return _status_cells(df)
    return _rounded(df)


def _status_cells(df):
    """An idle summary's cells as the workbook writes them: rounded, 待核定 where idle parcels have no land
    price (never 0.00, QA7 #3); the 按状态 rows with the workbook's columns (面积不明 included, QA user F5)."""
    from ...land.outputs import fee_cells, parcel_count_cells

    if "status" in df.columns:
        df = parcel_count_cells(df)[["status_zh", "count", "area_mu", "area_unknown", "fee_wan", "fee_pending"]]
    return fee_cells(_rounded(df))


def _rounded(df):
    """Areas, sums and fees to 2 decimals, shares to 4, as the workbook writes them (not 17.80097328544852)."""
    import pandas as pd

    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(4 if ("share" in str(c) or "fraction" in str(c)) else 2)
    return out


def _records(df) -> list[dict]:
    df = df.drop(columns="geometry", errors="ignore")
    if df.index.name is not None or getattr(df.index, "names", [None])[0] is not None:
        df = df.reset_index()
    return df.astype(object).where(df.notna(), None).to_dict(orient="records")


def _class_labels(res) -> dict:
    """亩产效益 class letter → its label (A → A类 优先发展): every class of the scoring, so that a class no
    firm has (D 0) still reads as a label (QA7 #7); the labels the firms carry win (a scoring file of one's own)."""
    from ...land.efficiency import load_scoring

    labels = {k: str(v.get("name_zh", k)) for k, v in load_scoring()["classes"].items()}
    frame = res.frame
    if "eff_class" in frame.columns and "eff_class_zh" in frame.columns:
        pairs = frame[["eff_class", "eff_class_zh"]].dropna().drop_duplicates()
        labels.update({str(a): str(b) for a, b in zip(pairs["eff_class"], pairs["eff_class_zh"])})
    return labels


def _status_geojson(res) -> bytes | None:
    """The audited rows as GeoJSON (EPSG:4326) with their status, for the page's map; None without geometry."""
    frame = res.frame
    if res.kind == "efficiency":
        # the audited parcels, coloured by the class of the firm on them (status = the class letter)
        parcels = getattr(res, "parcels", None)
        if parcels is None or "eff_class_zh" not in parcels.columns:
            return None
        out = parcels[[c for c in ("parcel_id", "project_name", "holder", "area_mu", "low_efficiency") if c in parcels.columns]
                      + [parcels.geometry.name]].copy()
        # the class letter from its label (the first character of 无企业记录 is no class: it drew black dots
        # without a legend entry, QA7 #7); a parcel without a classed firm is "none", as the legend says
        by_zh = {v: k for k, v in _class_labels(res).items()}
        cls = parcels["eff_class"] if "eff_class" in parcels.columns else parcels["eff_class_zh"].map(by_zh)
        known = cls.notna().to_numpy()
        out["status"] = cls.where(known, "none")
        out["status_zh"] = parcels["eff_class_zh"].where(known, "无企业或未评价")
        return out.to_crs(4326).to_json(na="null", drop_id=True).encode()
    if not hasattr(frame, "geometry") or "status" not in frame.columns:
        return None
    # parcels sharing a point (a ledger placed by names) are one feature per point: the most serious
    # label, ``n_parcels``, the counts by label and the parcels; the legend's notes ride along (QA9 #2)
    import json

    from ...land.map_points import idle_map_features, legend_notes

    feats, info = idle_map_features(frame, columns=("project_name",))
    feats = feats[info["drawn"]]   # a repeat drawn once, a footer or a parcel without a place not at all
    # 项目名称: the name a clerk knows the 供地 by, in the marker's tooltip (QA round 11)
    cols = [c for c in ("parcel_id", "project_name", "status", "status_zh", "area_mu", "n_parcels", "counts_zh",
                        "parcels_zh", "located_zh") if c in feats.columns]
    data = json.loads(feats[cols + [feats.geometry.name]].to_crs(4326).to_json(na="null", drop_id=True))
    # a point sized by its count and the count written under it, as the HTML map of ``dcf audit idle`` draws
    # them, and that map's context layers shown (QA session 31 F6: one size, no counts, no township lines)
    from ...maps import style as map_style
    from ...maps.answer import count_radii, count_text, point_radius

    web_cfg = map_style.section("web")
    k = [int((f["properties"].get("n_parcels") or 1)) for f in data["features"]]
    for f, r, kk in zip(data["features"], count_radii(k, point_radius(len(k), web_cfg), web_cfg), k):
        f["properties"].update(radius=r, count_zh=count_text(kk, "宗") if kk > 1 else None)
    data["dcf_notes"] = legend_notes(info, numbers=True)
    data["dcf_context"] = list(web_cfg.get("default_context", []))
    return json.dumps(data, ensure_ascii=False).encode()


def _shown_paths(text: str, names: dict) -> str:
    """``text`` with each saved upload's path (and its temporary folder) replaced by the uploaded file's name."""
    for path, shown in names.items():
        text = text.replace(str(path), shown)
    return text


def _start_audit(request, kind: str, uploads: dict, run, *, named_by=None) -> JSONResponse:
    """Start audit ``run`` on the saved ``uploads`` as a background job. ``named_by`` = (upload key, sheet
    chosen or None, alias group): the downloads' names carry that upload's name and the sheet read."""
    from ..wording import AUDIT_FORM

    jobs = request.app.state.jobs
    job = jobs.new(kind)
    job.form = AUDIT_FORM  # the audit forms have a 工作表 box: a sheet error points at it
    paths = {}
    try:
        (job.folder / "input").mkdir()
        for key, up in uploads.items():
            if up is None:
                continue
            sub = job.folder / "input" / key
            sub.mkdir()
            paths[key] = save_upload(up, sub, limit_bytes=request.app.state.upload_limit)
            job.shown_names[str(paths[key])] = _display_name(up.filename)
    except BaseException:   # an upload refused (413/415/400): no queued job nor its folder left until the desk stops
        jobs.discard(job)
        raise

    def work(job):  # each step is where a cancelled job stops (Job.step)
        job.step(0.2, "正在审计")
        res = run(paths)
        # the notes name the uploaded file as the user knows it, not the server's temporary copy
        names = {p: job.shown_names[str(p)] for p in paths.values() if str(p) in job.shown_names}
        label, sheet = None, None
        if named_by and named_by[0] in paths:
            key, sheet, group = named_by
            label = job.shown_names.get(str(paths[key]))
            sheet = sheet or sheet_read(paths[key], aliases=group)
        # the notes (the page's and the workbook's 说明) name the files as downloaded, not as written (QA F6)
        res.details["file_names"] = audit_file_names(res.kind, label, sheet)
        res.notes = [shown_file_names(_shown_paths(n, names), res.details["file_names"]) for n in res.notes]
        job.step(0.7, "正在写出结果")
        res.write(job.folder / "out")
        job.step(0.9, "正在整理结果")
        # 闲置土地审计_供地台账_2025年.xlsx: two ledgers' (or two sheets') results saved side by side stay apart
        job.files = {audit_file_name(kind, key, p, label, sheet): Path(p)
                     for key, p in res.files.items() if isinstance(p, (str, Path)) and Path(p).is_file()}
        job.summary = _audit_summary(res)
        job.geojson = _status_geojson(res)

    jobs.start(job, work)
    return JSONResponse({"job": job.id, "url": f"/api/jobs/{job.id}", "status": job.status}, status_code=202)


#: the audit forms' ``sheet`` field
_SHEET_HELP = ("工作簿中要读取的工作表名（可选；不填时读取第一个表头含台账列名的可见工作表，"
               "读取与跳过的工作表写入读入说明）")


@router.post("/audit/idle", status_code=202, summary="闲置土地审计（后台任务）", responses=error_responses(400, 413, 415, 422))
def audit_idle(request: Request,
               parcels: UploadFile = File(..., description="宗地：压缩的 SHP、GPKG、GeoJSON、KML，或供地台账 CSV/XLSX/XLS/ODS（有无坐标均可：无坐标时按项目位置地名定位）"),
               as_of: str = Form(..., description="审计基准日 YYYY-MM-DD（也可写 2025/12/31、2025年12月31日、20251231）"),
               sheet: str | None = Form(None, description=_SHEET_HELP),
               area_unit: str | None = Form(None, description="面积列未注明单位（列名只写“面积”）时其单位：亩、公顷 或 平方米"
                                                                "（不填：只在数值只有按一种单位才合理时按该单位读取，否则不计面积并逐宗注明）")):
    """Start ``dcf.audit_idle``; answer a job id to poll at ``GET /api/jobs/{id}``."""
    import dcf_spatial as dcf
    from ...errors import InputError
    from ...land.area_unit import area_unit_code

    day = _as_of(as_of)
    try:  # refused before the upload is kept, as the date is
        area_unit_code(area_unit)
    except InputError as exc:
        raise DeskError(422, str(exc)) from None
    unit = (area_unit or "").strip() or None
    return _start_audit(request, "idle", {"parcels": parcels},
                        lambda p: dcf.audit_idle(str(p["parcels"]), as_of=day, layer=sheet or None, area_unit=unit),
                        named_by=("parcels", sheet or None, "parcels"))


@router.post("/audit/efficiency", status_code=202, summary="亩产效益评价（后台任务）", responses=error_responses(400, 413, 415, 422))
def audit_efficiency(request: Request,
                     enterprises: UploadFile = File(..., description="企业表：CSV、XLSX、XLS 或 ODS"),
                     parcels: UploadFile | None = File(None, description="宗地（可选）"),
                     as_of: str | None = Form(None, description="评价基准日 YYYY-MM-DD（也可写 2025/12/31、2025年12月31日、20251231；可选）"),
                     sheet: str | None = Form(None, description=_SHEET_HELP + "（企业表）"),
                     parcel_sheet: str | None = Form(None, description=_SHEET_HELP + "（宗地）")):
    """Start ``dcf.audit_efficiency``; answer a job id to poll."""
    import dcf_spatial as dcf

    day = _as_of(as_of) if as_of else None
    return _start_audit(request, "efficiency", {"enterprises": enterprises, "parcels": parcels},
                        lambda p: dcf.audit_efficiency(str(p["enterprises"]),
                                                       parcels=str(p["parcels"]) if "parcels" in p else None,
                                                       as_of=day, layer=sheet or None,
                                                       parcel_layer=parcel_sheet or None),
                        named_by=("enterprises", sheet or None, "enterprises"))


@router.get("/jobs/{job_id}", summary="后台任务状态", responses=error_responses(404, 422))
def job_status(request: Request, job_id: str):
    """Status, progress (0–1), the result summary and download links when done."""
    return request.app.state.jobs.get(job_id).to_dict()


@router.delete("/jobs/{job_id}", summary="取消后台任务", responses=error_responses(403, 404, 409, 422))
def job_cancel(request: Request, job_id: str):
    """Cancel a queued or running job: it stops at its next progress step and its uploads and results are
    removed. Answers the job's state (``status`` ``cancelled``, or still ``running`` with 正在取消 until its
    current step ends). A finished job is not cancelled: 409 “任务已完成，不能取消（结果仍可下载）”, its results
    stay."""
    return request.app.state.jobs.cancel(job_id).to_dict()


@router.get("/jobs/{job_id}/files/{index}", summary="下载任务结果文件", responses=error_responses(404, 422))
def job_file(request: Request, job_id: str, index: int):
    name, path = request.app.state.jobs.file(job_id, index)
    return FileResponse(path, filename=name)


@router.get("/jobs/{job_id}/map", summary="任务结果的地图数据（GeoJSON，按状态）", responses=error_responses(404, 422))
def job_map(request: Request, job_id: str):
    job = request.app.state.jobs.get(job_id)
    data = getattr(job, "geojson", None)
    if job.status != "done" or data is None:
        raise DeskError(404, "该任务尚未完成，或结果没有几何。")
    return Response(data, media_type="application/geo+json")
