"""Every endpoint of the desk's HTTP API (as its OpenAPI document lists them) given bad input — wrong
types, unknown industry, an empty file, a file over the size cap, path-like names — answers a 4xx JSON
error in Chinese (issue 12, "What done looks like"), never a 500 or a traceback, and never a server path.
The list of cases is checked against the OpenAPI document, so a new endpoint without a case fails here."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from _desk_server import running_desk
from browser import make_fixture_store

LIMIT_MB = 0.05
BIG = b"x" * int(LIMIT_MB * (1 << 20) + 10_000)
SITE = "115.75,36.34"  # the fixture store's 嘉明经济开发区 (industries C34)
TRAVERSAL = "../../../etc/passwd"
CSV = "项目名称,经度,纬度,行业\nA,115.75,36.34,C34\n".encode("utf-8")

#: endpoints that take no input at all (nothing can be wrong with a request to them)
NO_INPUT = {("GET", "/api/layers"), ("GET", "/api/map-layers"), ("GET", "/api/policies")}
#: an office policy (plan_rules.json → office_policies) given a value it does not have, and one it does not know
BAD_POLICY = {"industry_outside_clusters": "maybe"}
UNKNOWN_POLICY = {"parks_only": "conditional"}


def _file(name, data):
    return {"files": {"file": (name, data)}}


#: (method, OpenAPI path, request path, httpx kwargs, status, words the message must hold)
CASES = [
    # ---- 选址核查 ----
    ("POST", "/api/site-check", "/api/site-check", {"json": {"site": SITE, "industry": "C34", "area_mu": "五十"}}, 422, "area_mu"),
    ("POST", "/api/site-check", "/api/site-check", {"json": {"site": 115.75, "industry": "C34"}}, 422, "site"),
    ("POST", "/api/site-check", "/api/site-check", {"json": {"site": SITE, "industry": "不存在的行业词"}}, 422, "无法识别"),
    ("POST", "/api/site-check", "/api/site-check", {"json": {"site": TRAVERSAL, "industry": "C34"}}, 422, "场地"),
    ("POST", "/api/site-check", "/api/site-check", {"json": [1, 2]}, 422, "请求有误"),
    ("POST", "/api/site-check", "/api/site-check", {"json": {"site": SITE, "industry": "C34", "policy": BAD_POLICY}}, 422, "plan_rules.json"),
    ("POST", "/api/site-check", "/api/site-check", {"json": {"site": SITE, "industry": "C34", "policy": UNKNOWN_POLICY}}, 422, "parks_only"),
    ("POST", "/api/site-check", "/api/site-check", {"json": {"site": SITE, "industry": "C34", "policy": "conditional"}}, 422, "policy"),
    ("POST", "/api/site-check", "/api/site-check", {"json": {"site": SITE, "industry": "C34", "crs": "EPSG:999999"}}, 422, "999999"),
    # a lone UTF-16 surrogate is valid JSON but not text (a tester's 500); a body that is not UTF-8, or nested
    # 5,000 deep, was answered in FastAPI's English
    ("POST", "/api/site-check", "/api/site-check", {"content": b'{"site": "115.75,36.34", "industry": "C34", "project": "\\ud800x"}',
                                                     "headers": {"content-type": "application/json"}}, 422, "project"),
    ("POST", "/api/site-check", "/api/site-check", {"content": b'\xff\xfe{"site"', "headers": {"content-type": "application/json"}}, 400, "无法解析"),
    ("POST", "/api/site-check", "/api/site-check", {"content": b"[" * 5000 + b"]" * 5000, "headers": {"content-type": "application/json"}}, 400, "无法解析"),
    ("POST", "/api/site-check", "/api/site-check", {"json": {"site": "POINT (115.75 36.34", "industry": "C34"}}, 422, "WKT"),
    ("POST", "/api/site-check/export/{fmt}", "/api/site-check/export/docx", {"json": {"site": SITE, "industry": "C34", "policy": BAD_POLICY}}, 422, "plan_rules.json"),
    ("POST", "/api/site-check/export/{fmt}", "/api/site-check/export/exe", {"json": {"site": SITE, "industry": "C34"}}, 422, "fmt"),
    ("POST", "/api/site-check/export/{fmt}", "/api/site-check/export/docx", {"json": {"site": SITE, "industry": ["C34"]}}, 422, "industry"),
    ("POST", "/api/site-check/export/{fmt}", "/api/site-check/export/pdf", {"json": {"site": SITE, "industry": "不存在的行业词"}}, 422, "无法识别"),
    ("POST", "/api/site/read", "/api/site/read", _file("地块.geojson", b""), 400, "空的"),
    ("POST", "/api/site/read", "/api/site/read", _file("地块.geojson", BIG), 413, "大小上限"),
    ("POST", "/api/site/read", "/api/site/read", _file(TRAVERSAL, b"root:x:0:0"), 415, "不支持的文件类型"),
    ("POST", "/api/site/read", "/api/site/read", _file("../../x/地块.geojson", b"{oops"), 400, "地块.geojson"),
    ("POST", "/api/site/read", "/api/site/read", {}, 422, "file"),
    ("POST", "/api/site/read", "/api/site/read", {**_file("地块.csv", CSV), "data": {"crs": "EPSG:999999"}}, 422, "999999"),
    # ---- 批量核查 ----
    ("POST", "/api/site-check/batch", "/api/site-check/batch", _file("清单.csv", b""), 400, "空的"),
    ("POST", "/api/site-check/batch", "/api/site-check/batch", _file("清单.csv", BIG), 413, "大小上限"),
    ("POST", "/api/site-check/batch", "/api/site-check/batch", _file(TRAVERSAL, CSV), 415, "不支持的文件类型"),
    ("POST", "/api/site-check/batch", "/api/site-check/batch", {**_file("清单.csv", CSV), "data": {"industry": "不存在的行业词"}}, 422, "无法识别"),
    ("POST", "/api/site-check/batch", "/api/site-check/batch?format=pdf", _file("清单.csv", CSV), 422, "format"),
    ("POST", "/api/site-check/batch", "/api/site-check/batch", {**_file("清单.csv", CSV), "data": {"policy": "industry_outside_clusters=maybe"}}, 422, "plan_rules.json"),
    ("POST", "/api/site-check/batch", "/api/site-check/batch", {**_file("清单.csv", CSV), "data": {"policy": "conditional"}}, 422, "口径=取值"),
    ("POST", "/api/site-check/batch", "/api/site-check/batch", {**_file("清单.csv", CSV), "data": {"crs": "EPSG:999999"}}, 422, "999999"),
    # ---- the 工作表 box: a workbook's sheet names ----
    ("POST", "/api/sheets", "/api/sheets", _file("清单.xlsx", b""), 400, "空的"),
    ("POST", "/api/sheets", "/api/sheets", _file("清单.xlsx", BIG), 413, "大小上限"),
    ("POST", "/api/sheets", "/api/sheets", _file(TRAVERSAL, CSV), 415, "不支持的文件类型"),
    ("POST", "/api/sheets", "/api/sheets", {}, 422, "file"),
    ("GET", "/api/downloads/{key}", "/api/downloads/..%2F..%2Fetc%2Fpasswd", {}, 404, ""),
    ("GET", "/api/downloads/{key}", "/api/downloads/nope", {}, 404, ""),
    # ---- 图层 ----
    ("GET", "/api/layers/{layer_id}", "/api/layers/nope", {}, 404, "nope"),
    ("GET", "/api/layers/{layer_id}", "/api/layers/industrial_clusters?crs=EPSG:999999", {}, 422, "999999"),
    ("GET", "/api/layers/{layer_id}", "/api/layers/..%2F..%2Fetc%2Fpasswd", {}, 404, ""),
    ("GET", "/api/layers/{layer_id}/versions", "/api/layers/a.b/versions", {}, 422, "不合法"),
    ("POST", "/api/layers/{layer_id}/import/preview", "/api/layers/industrial_clusters/import/preview", "WRITE", None, None),
    ("POST", "/api/layers/{layer_id}/import", "/api/layers/industrial_clusters/import", {"json": {"handle": 12345678}, "write": True}, 422, "handle"),
    ("POST", "/api/layers/{layer_id}/import", "/api/layers/industrial_clusters/import", {"json": {"handle": "x" * 20}, "write": True}, 404, "试导入"),
    ("POST", "/api/layers/{layer_id}/reset", "/api/layers/industrial_clusters/reset", {"json": {"version": "abc"}, "write": True}, 422, "version"),
    ("POST", "/api/layers/{layer_id}/reset", "/api/layers/industrial_clusters/reset", {"json": {"version": 1}, "write": True}, 409, "没有可恢复"),
    # ---- 行业、地名 ----
    ("GET", "/api/industry", "/api/industry", {}, 422, "q"),
    ("GET", "/api/industry", "/api/industry?q=" + "轴" * 61, {}, 422, "最多 60 个字"),
    ("GET", "/api/places", "/api/places?q=郑家&limit=abc", {}, 422, "limit"),
    # ---- 闲置土地 / 亩产效益 ----
    ("POST", "/api/audit/idle", "/api/audit/idle", {"data": {"as_of": "2025-12-31"}}, 422, "parcels"),
    ("POST", "/api/audit/idle", "/api/audit/idle", {"files": {"parcels": ("宗地.gpkg", b"")}, "data": {"as_of": "2025-12-31"}}, 400, "空的"),
    ("POST", "/api/audit/idle", "/api/audit/idle", {"files": {"parcels": ("宗地.gpkg", BIG)}, "data": {"as_of": "2025-12-31"}}, 413, "大小上限"),
    ("POST", "/api/audit/idle", "/api/audit/idle", {"files": {"parcels": (TRAVERSAL, b"x")}, "data": {"as_of": "2025-12-31"}}, 415, "不支持的文件类型"),
    ("POST", "/api/audit/idle", "/api/audit/idle", {"files": {"parcels": ("宗地.gpkg", b"x")}, "data": {"as_of": "明天"}}, 422, "明天"),
    ("POST", "/api/audit/efficiency", "/api/audit/efficiency", {}, 422, "enterprises"),
    ("POST", "/api/audit/efficiency", "/api/audit/efficiency", {"files": {"enterprises": ("企业.csv", b"")}}, 400, "空的"),
    ("POST", "/api/audit/efficiency", "/api/audit/efficiency", {"files": {"enterprises": ("企业.csv", BIG)}}, 413, "大小上限"),
    ("POST", "/api/audit/efficiency", "/api/audit/efficiency", {"files": {"enterprises": (TRAVERSAL, b"x")}}, 415, "不支持的文件类型"),
    ("POST", "/api/audit/efficiency", "/api/audit/efficiency", {"files": {"enterprises": ("企业.csv", CSV)}, "data": {"as_of": "2025-13-45"}}, 422, "2025-13-45"),
    ("GET", "/api/jobs/{job_id}", "/api/jobs/nope", {}, 404, "任务"),
    ("DELETE", "/api/jobs/{job_id}", "/api/jobs/nope", {}, 404, "任务"),
    ("GET", "/api/jobs/{job_id}/files/{index}", "/api/jobs/nope/files/abc", {}, 422, "index"),
    ("GET", "/api/jobs/{job_id}/files/{index}", "/api/jobs/nope/files/0", {}, 404, "任务"),
    ("GET", "/api/jobs/{job_id}/map", "/api/jobs/nope/map", {}, 404, "任务"),
]
#: the import preview's bad uploads (a write: sent with the page's token and Origin)
def _layer_file(name, data):
    """An import upload with its 来源类别 chosen (the field is required: a new user's QA, finding 8)."""
    return {**_file(name, data), "data": {"provenance": "schematic"}}


WRITE_CASES = [
    (_layer_file("集聚区.geojson", b""), 400, "空的"),
    (_layer_file("集聚区.geojson", BIG), 413, "大小上限"),
    (_layer_file(TRAVERSAL, b"root:x:0:0"), 415, "不支持的文件类型"),
    (_layer_file("../../x/集聚区.geojson", b"{oops"), 400, "集聚区.geojson"),
    ({**_file("集聚区.geojson", b"{}"), "data": {"provenance": "official"}}, 422, "来源类别"),
    (_file("集聚区.geojson", b"{}"), 422, "provenance"),
    ({"data": {"crs": "EPSG:4527", "provenance": "schematic"}}, 422, "图层文件"),
]


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    store = make_fixture_store(tmp_path_factory.mktemp("bad") / "store.gpkg")
    with running_desk(store, upload_limit_mb=LIMIT_MB) as url, httpx.Client(base_url=url, timeout=120) as client:
        token = re.search(r'name="dcf-write-token" content="([^"]+)"', client.get("/layers").text).group(1)
        client.write_headers = {"X-DCF-Token": token, "Origin": url}
        yield client


def _assert_chinese_4xx(r, status, words):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json"), r.headers["content-type"]
    body = r.json()
    assert isinstance(body.get("error"), str) and any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]), body
    assert words in body["error"], body["error"]
    for leak in ("Traceback", "/tmp", "dcf-desk", "upload.", "File \""):
        assert leak not in r.text, r.text


def test_the_cases_cover_every_endpoint_of_the_openapi_document(desk):
    listed = {(m.upper(), p) for p, ops in desk.get("/api/openapi.json").json()["paths"].items() for m in ops}
    covered = {(c[0], c[1]) for c in CASES} | NO_INPUT
    assert listed == covered, {"no case": listed - covered, "no such endpoint": covered - listed}


def test_every_status_a_case_gets_is_documented_in_openapi_with_the_error_body(desk):
    """The 4xx statuses mean the same on every endpoint (400 unreadable input, 413 over the cap, 415 a file
    type not opened, 422 an invalid field or value): each status a case answers is listed in its path's
    OpenAPI ``responses`` with the desk's ``{"error": …}`` body, never FastAPI's ``detail`` list."""
    doc = desk.get("/api/openapi.json").json()
    statuses = {(c[0], c[1], c[4]) for c in CASES if c[3] != "WRITE"} | {
        ("POST", "/api/layers/{layer_id}/import/preview", w[1]) for w in WRITE_CASES}
    for method, path, status in sorted(statuses):
        responses = doc["paths"][path][method.lower()]["responses"]
        assert str(status) in responses, (method, path, status, sorted(responses))
        schema = responses[str(status)]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, status, schema)
    assert "error" in doc["components"]["schemas"]["ErrorBody"]["required"]
    assert "HTTPValidationError" not in json.dumps(doc["paths"])


@pytest.mark.parametrize("method, _path, url, kwargs, status, words",
                         [c for c in CASES if c[3] != "WRITE"], ids=lambda v: v if isinstance(v, str) else None)
def test_bad_input_is_a_chinese_4xx(desk, method, _path, url, kwargs, status, words):
    kwargs = dict(kwargs)
    headers = dict(desk.write_headers) if kwargs.pop("write", False) else {}
    headers.update(kwargs.pop("headers", {}))
    _assert_chinese_4xx(desk.request(method, url, headers=headers, **kwargs), status, words)


@pytest.mark.parametrize("kwargs, status, words", WRITE_CASES)
def test_bad_import_uploads_are_a_chinese_4xx(desk, kwargs, status, words):
    r = desk.post("/api/layers/industrial_clusters/import/preview", headers=desk.write_headers, **kwargs)
    _assert_chinese_4xx(r, status, words)
