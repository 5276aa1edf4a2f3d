"""The desk's hot path for ``POST /api/site-check`` (``dcf_spatial.desk.app._site_check_hot``) and its
batched access log: the same answers, byte for byte, as FastAPI's route, for good and bad requests."""

from __future__ import annotations

import logging

import httpx
import pytest

from _desk_server import running_desk

# 第八章第一节: "——郑家镇工业集聚区。……重点发展轴承及保持器产业"; (115.75, 36.455) lies in the shipped
# (schematic) 郑家镇工业集聚区 and its 轴承保持器 park.
ZHENGJIA = "115.75,36.455"

JSON = {"content-type": "application/json"}
#: (body bytes, headers): valid requests, and every kind of bad one the hot path must hand to the route
REQUESTS = [
    (b'{"site": "115.75,36.455", "industry": "\xe8\xbd\xb4\xe6\x89\xbf", "area_mu": 50}', JSON),
    ('{"site": "115.75,36.455", "industry": "C3451", "area_mu": 20, "project": "甲项目"}'.encode(),
     {"content-type": "application/json; charset=utf-8"}),
    (b'{"site": {"type": "Point", "coordinates": [115.75, 36.455]}, "industry": "C3451"}', JSON),
    # the library refuses it (an unknown industry, a site that is not a place): DeskError / DcfError answers
    ('{"site": "115.75,36.455", "industry": "不存在的行业词"}'.encode(), JSON),
    (b'{"site": "/etc/passwd", "industry": "C3451"}', JSON),
    # FastAPI's validation: wrong types, a missing field, an unknown one, NaN (json.loads reads it, orjson not)
    (b'{"site": "115.75,36.455", "industry": 5}', JSON),
    (b'{"site": "115.75,36.455"}', JSON),
    (b'{"site": "115.75,36.455", "industry": "C3451", "colour": "red"}', JSON),
    (b'{"site": "115.75,36.455", "industry": "C3451", "area_mu": NaN}', JSON),
    (b'{"site": "115.75,36.455", "industry": "C3451", "area_mu": -1}', JSON),
    # not a JSON object at all
    (b'["115.75,36.455", "C3451"]', JSON),
    (b"{not json", JSON),
    (b"", JSON),
    (b'{"site": "115.75,36.455", "industry": "C3451"}', {"content-type": "text/plain"}),
    (b'{"site": "115.75,36.455", "industry": "C3451"}', {}),
]


def _answers(base_url) -> list[tuple[int, dict, bytes]]:
    out = []
    with httpx.Client(base_url=base_url, timeout=120) as client:
        for body, headers in REQUESTS:
            r = client.post("/api/site-check", content=body, headers=headers)
            kept = {k: v for k, v in r.headers.items() if k not in ("date", "server")}
            out.append((r.status_code, kept, r.content))
    return out


def test_hot_path_answers_as_the_route(monkeypatch):
    """Every request of :data:`REQUESTS` gets the same status, headers and bytes with the hot path as
    through FastAPI's route alone (the hot path switched off)."""
    import dcf_spatial.desk.app as desk_app

    with running_desk(None) as url:
        hot = _answers(url)

    async def route_only(app, inner, scope, receive, send):
        return await inner(scope, receive, send)

    monkeypatch.setattr(desk_app, "_site_check_hot", route_only)
    with running_desk(None) as url:
        plain = _answers(url)
    for (body, headers), a, b in zip(REQUESTS, hot, plain):
        assert a == b, (body, headers)
    # the cases are what they say: the valid ones checked, the bad ones refused in Chinese
    assert [s for s, _, _ in hot[:3]] == [200, 200, 200]
    assert b'"verdict"' in hot[0][2]
    assert all(400 <= s < 500 for s, _, _ in hot[3:]), [s for s, _, _ in hot]
    assert "应为文字" in hot[5][2].decode() and "industry" in hot[5][2].decode()
    assert "应为有限数字" in hot[8][2].decode()


def test_hot_path_records_the_check(tmp_path):
    """With recording (the desk's default) a check through the hot path is in the register."""
    import shutil

    from dcf_spatial.store.locate import resolve_store

    store = tmp_path / "store.gpkg"
    shutil.copyfile(resolve_store(None), store)
    with running_desk(str(store), record=True) as url:
        r = httpx.post(url + "/api/site-check", json={"site": ZHENGJIA, "industry": "轴承", "project": "热路径项目"},
                       timeout=120)
    assert r.status_code == 200, r.text
    rid = r.json()["register_id"]
    assert rid is not None
    from dcf_spatial.register import history

    listed = history(store=str(store), project="热路径项目").rows
    assert len(listed) == 1
    assert int(listed["id"].iloc[0]) == int(rid)


def test_access_log_one_line_per_request(caplog):
    """``create_app(access_log=True)`` (what ``dcf serve`` runs) logs client, method, path, HTTP version
    and status of each request to ``dcf_spatial.desk.access``."""
    from _desk_server import running_desk

    # a request's line is queued once its answer has gone out: stopping the server (which closes the log,
    # writing what is queued) at the end of the ``with`` is what makes sure every line is written
    with caplog.at_level(logging.INFO, logger="dcf_spatial.desk.access"), running_desk(None, access_log=True) as url:
        assert httpx.get(url + "/api/industry", params={"q": "轴承"}, timeout=60).status_code == 200
        assert httpx.post(url + "/api/site-check", json={"site": ZHENGJIA, "industry": "轴承"},
                          timeout=120).status_code == 200
        assert httpx.get(url + "/api/no-such-thing", timeout=60).status_code == 404
    lines = "\n".join(r.getMessage() for r in caplog.records if r.name == "dcf_spatial.desk.access").splitlines()
    assert any('"GET /api/industry HTTP/1.1" 200' in ln and ln.startswith("127.0.0.1:") for ln in lines), lines
    assert any('"POST /api/site-check HTTP/1.1" 200' in ln for ln in lines), lines
    assert any('"GET /api/no-such-thing HTTP/1.1" 404' in ln for ln in lines), lines
