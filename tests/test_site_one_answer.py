"""One answer for one request (QA breaker round 4): an address naming two units is refused naming
both, a unit followed by text that is no address is unknown, and the desk answers a site typed as a
name exactly as ``dcf site check --json`` does — on its hot path and through FastAPI's route."""

from __future__ import annotations

import json

import httpx
import pytest
from click.testing import CliRunner

from _desk_server import running_desk


@pytest.fixture(scope="module")
def gaz():
    from dcf_spatial.places import gazetteer

    return gazetteer()


# 第一章第一节 names 郑家镇 and 闫寺街道 as two of the district's townships; 第八章第一节 places the
# 郑家镇工业集聚区 in 郑家镇, not in 古楼街道. A text naming two of them names no one site.
@pytest.mark.parametrize("text, names", [
    ("郑家镇闫寺街道", ("郑家镇", "闫寺街道")),
    ("闫寺街道郑家镇", ("郑家镇", "闫寺街道")),
    ("古楼街道郑家镇工业集聚区", ("古楼街道", "郑家镇工业集聚区")),
])
def test_an_address_naming_two_units_is_refused_naming_both(gaz, text, names):
    from dcf_spatial.errors import InputError
    from dcf_spatial.places import place_for_site

    m = gaz.find_in_text(text)
    assert m.place is None and {p.unit_name for p in m.candidates} == set(names)
    with pytest.raises(InputError) as exc:
        place_for_site(text, gaz=gaz)
    msg = str(exc.value)
    assert all(n in msg for n in names) and "请只写其中一个单元" in msg


def test_a_unit_inside_the_other_named_unit_is_still_placed(gaz):
    # 第八章第一节 "郑家镇工业集聚区": the cluster lies in 郑家镇, so naming both is one place
    from dcf_spatial.places import place_for_site

    assert place_for_site("郑家镇郑家镇工业集聚区", gaz=gaz)[0].unit_name == "郑家镇工业集聚区"
    place, notes = place_for_site("郑家镇王屯村", gaz=gaz)
    assert place.unit_name == "郑家镇" and "具体地块未知" in notes[0]


@pytest.mark.parametrize("text", ["郑家镇<script>", "郑家镇!!!", "郑家镇abc"])
def test_a_unit_followed_by_no_address_is_unknown(gaz, text):
    from dcf_spatial.errors import InputError
    from dcf_spatial.places import place_for_site

    with pytest.raises(InputError, match="不在地名表中"):
        place_for_site(text, gaz=gaz)


def test_a_very_long_site_text_is_not_echoed_in_full(gaz):
    from dcf_spatial.errors import InputError
    from dcf_spatial.places import place_for_site

    with pytest.raises(InputError) as exc:
        place_for_site("某" * 5000, gaz=gaz)
    assert "某" * 41 not in str(exc.value) and "…" in str(exc.value)


def test_the_batch_refuses_that_row_only_with_the_reason(tmp_path):
    import dcf_spatial as dcf

    f = tmp_path / "b.csv"
    f.write_text("项目名称,行业,建设地点\n甲,轴承,郑家镇闫寺街道\n乙,轴承,郑家镇王屯村\n", encoding="utf-8")
    rows = dcf.check_batch(str(f), record=False).to_dict()
    assert len(rows) == 2
    text = json.dumps(rows[0], ensure_ascii=False)
    assert "郑家镇" in text and "闫寺街道" in text and "请只写其中一个单元" in text
    assert rows[1].get("verdict") not in (None, "")


#: the same requests to the desk and to the CLI
REQUESTS = [
    {"site": "郑家镇王屯村", "industry": "轴承"},
    {"site": "115.95,36.515", "industry": "氢能"},
    {"site": "郑家镇工业集聚区", "industry": "轴承", "area_mu": 30},
]
REFUSED = [{"site": "郑家镇闫寺街道", "industry": "轴承"}, {"site": "郑家镇<script>", "industry": "轴承"}]


def _cli(body) -> tuple[int, dict | str]:
    from dcf_spatial.cli.main import cli

    args = ["site", "check", "--site", body["site"], "--industry", body["industry"], "--json"]
    if "area_mu" in body:
        args += ["--area-mu", str(body["area_mu"])]
    out = CliRunner().invoke(cli, args)
    return out.exit_code, (json.loads(out.stdout) if out.exit_code == 0 else out.output)


def _desk(url):
    with httpx.Client(base_url=url, timeout=120) as client:
        return [client.post("/api/site-check", json=b) for b in REQUESTS + REFUSED]


def _compare(answers):
    for body, r in zip(REQUESTS, answers):
        assert r.status_code == 200, (body, r.text)
        got = r.json()
        assert got.pop("register_id") is None
        code, cli = _cli(body)
        assert code == 0, cli
        assert got == cli, body
    for body, r in zip(REFUSED, answers[len(REQUESTS):]):
        assert r.status_code == 422, (body, r.text)
        code, cli = _cli(body)
        assert code != 0
        assert "不在地名表中" in r.json()["error"] or "请只写其中一个单元" in r.json()["error"]


def test_the_desk_answers_as_the_cli_on_its_hot_path_and_its_route(monkeypatch):
    import dcf_spatial.desk.app as desk_app

    with running_desk(None) as url:
        _compare(_desk(url))

    async def route_only(app, inner, scope, receive, send):
        return await inner(scope, receive, send)

    monkeypatch.setattr(desk_app, "_site_check_hot", route_only)
    with running_desk(None) as url:
        _compare(_desk(url))


@pytest.mark.parametrize("hot_path", [True, False])
def test_a_register_write_the_primary_never_answered_is_a_503(tmp_path, monkeypatch, hot_path):
    """A secondary whose primary died mid-check (ForwardError): 503 — the server's state, not the
    request's — with the message that whether it was recorded is unknown; listed in the OpenAPI."""
    import shutil

    import dcf_spatial.desk.app as desk_app
    from dcf_spatial.register.record import forward_records
    from dcf_spatial.store.locate import resolve_store

    store = tmp_path / "store.gpkg"
    shutil.copyfile(resolve_store(None), store)

    def dead_primary(payload: bytes) -> bytes:
        raise ConnectionResetError("primary gone")

    if not hot_path:
        async def route_only(app, inner, scope, receive, send):
            return await inner(scope, receive, send)

        monkeypatch.setattr(desk_app, "_site_check_hot", route_only)
    forward_records(dead_primary)
    try:
        with running_desk(str(store), record=True) as url, httpx.Client(base_url=url, timeout=120) as c:
            r = c.post("/api/site-check", json={"site": "115.75,36.455", "industry": "轴承"})
            spec = c.get("/api/openapi.json").json()
    finally:
        forward_records(None)
    assert r.status_code == 503, r.text
    assert "是否已记入登记无法确定" in r.json()["error"]
    for path in ("/api/site-check", "/api/site-check/batch"):
        assert "503" in spec["paths"][path]["post"]["responses"], path


def test_gangchang_offers_steelmaking_and_rolling():
    # GB/T 4754-2017 (gbt4754_2017.csv): C3120 炼钢, C3130 钢压延加工 — a 钢厂 is one of the two
    from dcf_spatial.industry import checkable, industry_error_message, resolve

    m = resolve("钢厂")
    assert {c for c, _ in m.candidates} == {"C3120", "C3130"}
    assert dict(m.candidates) == {"C3120": "炼钢", "C3130": "钢压延加工"}
    assert checkable(m) and "C3120 炼钢" in industry_error_message(m)


def test_gao_x_de_is_read_as_zuo_x_de():
    from dcf_spatial.industry import resolve

    assert resolve("搞轴承的").codes == resolve("做轴承的").codes == ("C3451",)
    assert resolve("搞外星飞碟的").status == "unknown"


@pytest.mark.parametrize("word", ["厂", "场", "钢", " 厂 "])
def test_one_character_is_too_short_with_no_unrelated_candidates(word):
    from dcf_spatial.industry import industry_error_message, resolve

    m = resolve(word)
    assert m.status == "unknown" and m.candidates == ()
    msg = industry_error_message(m)
    assert "请写出产品或行业，如 轴承厂" in msg and "J67" not in msg and "资本市场" not in msg


def test_a_listed_one_character_word_still_resolves():
    from dcf_spatial.industry import resolve

    assert resolve("酒").resolved


def test_a_pasted_page_is_cut_in_the_messages():
    from dcf_spatial.cli.main import cli

    page = "某" * 5000
    for args in (["--site", page, "--industry", "轴承"], ["--site", "115.75,36.455", "--industry", page],
                 ["--site", page + ".shp", "--industry", "轴承"]):
        out = CliRunner().invoke(cli, ["site", "check", *args])
        assert out.exit_code != 0 and out.exception is None or isinstance(out.exception, SystemExit), out.output
        assert "某" * 41 not in out.output and "…" in out.output, out.output[:300]


def test_export_site_failing_still_prints_the_verdict_then_the_error(tmp_path):
    from dcf_spatial.cli.main import cli

    f = tmp_path / "b.csv"
    f.write_text("项目名称,行业,建设地点\n乙,轴承,不存在的地方\n", encoding="utf-8")
    out = CliRunner().invoke(cli, ["site", "check", "--batch", str(f), "--export-site", str(tmp_path / "s.txt")])
    assert out.exit_code != 0
    assert "无法核查" in out.stdout and "表格第 2 行" in out.stdout      # the verdict …
    assert "没有几何" in out.output                                      # … then why the file was not written
    assert out.output.index("表格第 2 行（乙）：无法核查") < out.output.index("没有几何")


@pytest.mark.parametrize("name, data, said", [
    ("p.xls", b"<html><body><table><tr><td>\xe5\xbb\xba\xe8\xae\xbe\xe5\x9c\xb0\xe7\x82\xb9</td></tr></table></body></html>",
     "这是网页表格"),
    ("p.xls", b"PK\x03\x04" + b"\x00" * 60, "这是压缩包"),
    ("p.xlsx", b"PK\x03\x04" + b"\x00" * 60, "这是压缩包"),
    ("p.xls", b"", "文件是空的"),
])
def test_a_spreadsheet_that_is_not_one_says_what_it_is(tmp_path, name, data, said):
    from dcf_spatial.errors import InputError
    from dcf_spatial.io import read_table

    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(InputError) as exc:
        read_table(f)
    msg = str(exc.value)
    assert said in msg and "Cannot detect file format" not in msg
    if said == "这是网页表格":
        assert "另存为 .xlsx" in msg


def test_audit_diff_of_a_folder_without_manifest_names_the_kept_result(tmp_path):
    from dcf_spatial.errors import InputError
    from dcf_spatial.register.audits import audit_diff

    half = tmp_path / "out"
    (half / ".上次结果").mkdir(parents=True)
    (half / ".上次结果" / "manifest.json").write_text("{}", encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(InputError) as exc:
        audit_diff(half, other)
    assert ".上次结果" in str(exc.value) and "可直接对比该文件夹" in str(exc.value)
    with pytest.raises(InputError) as exc:
        audit_diff(other, half)
    assert ".上次结果" not in str(exc.value)
