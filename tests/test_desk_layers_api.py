"""The desk's layer endpoints (versions, import preview → confirm, reset) and its recording of checks,
over the real uvicorn server on a loopback port (httpx): the write guards (token in a header and a
same-origin request), bad input → 4xx JSON in Chinese, a confirm that imports exactly what was
previewed, and the register id in every check's answer."""

from __future__ import annotations

import re

import httpx
import pytest

from _desk_server import running_desk
from browser import make_fixture_store

LAYER = "industrial_clusters"


def _err(r, status):
    assert r.status_code == status, r.text
    body = r.json()
    assert "Traceback" not in r.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]), body  # a Chinese message
    return body["error"]


def _moved_clusters(store, path, dx=0.03, name=None):
    """The store's cluster layer with 嘉明经济开发区 shifted ``dx`` degrees east, written to ``path``."""
    import shapely.affinity

    from dcf_spatial.store import catalog

    g = catalog.read_layer(LAYER, store=store).drop(columns=["provenance", "source"])
    i = g.index[g["id"] == "cluster.jiaming"][0]
    g.loc[i, "geometry"] = shapely.affinity.translate(g.geometry[i], xoff=dx)
    if name is not None:
        g.loc[i, "name_zh"] = name
    g.to_file(path, driver="GeoJSON")
    return path


@pytest.fixture()
def desk(tmp_path):
    store = make_fixture_store(tmp_path / "store.gpkg")
    with running_desk(store) as url, httpx.Client(base_url=url, timeout=120) as client:
        page = client.get("/layers")
        assert page.status_code == 200
        token = re.search(r'name="dcf-write-token" content="([^"]+)"', page.text).group(1)
        client.store, client.url, client.token = store, url, token
        client.ok = {"X-DCF-Token": token, "Origin": url}
        yield client


def _preview(desk, path, layer=LAYER, **form):
    form.setdefault("provenance", "authoritative")   # required (a new user's QA, finding 8)
    with open(path, "rb") as fh:
        return desk.post(f"/api/layers/{layer}/import/preview", headers=desk.ok,
                         files={"file": (path.name, fh)}, data=form)


def test_writes_need_the_token_in_a_header_and_the_same_origin(desk):
    url, token = desk.url, desk.token
    body = {"version": 1}
    reset = f"/api/layers/{LAYER}/reset"
    assert "写入令牌" in _err(desk.post(reset, json=body, headers={"Origin": url}), 401)
    assert "写入令牌" in _err(desk.post(reset, json=body, headers={"Origin": url, "X-DCF-Token": "wrong"}), 401)
    # the right token from another site, or with no Origin/Referer at all: refused as cross-site
    assert "跨站" in _err(desk.post(reset, json=body, headers={"Origin": "http://evil.example", "X-DCF-Token": token}), 403)
    assert "跨站" in _err(desk.post(reset, json=body, headers={"X-DCF-Token": token}), 403)
    assert "跨站" in _err(desk.post(reset, json=body, headers={"Referer": "http://127.0.0.1.evil.example/layers",
                                                               "X-DCF-Token": token}), 403)
    # a page served under another host name (DNS rebinding) gets neither the page nor the write
    assert desk.get("/layers", headers={"Host": "evil.example"}).status_code == 403
    _err(desk.post(reset, json=body, headers={"Host": "evil.example", "Origin": "http://evil.example",
                                              "X-DCF-Token": token}), 403)
    # the same-origin Referer with the token passes the guard: the layer has no kept version (409)
    assert "没有可恢复" in _err(desk.post(reset, json=body, headers={"Referer": url + "/layers", "X-DCF-Token": token}), 409)
    with open(_moved_clusters(desk.store, desk.store.with_name("m.geojson")), "rb") as fh:
        r = desk.post(f"/api/layers/{LAYER}/import/preview", headers={"Origin": url}, files={"file": ("m.geojson", fh)})
    _err(r, 401)


def test_a_desk_with_an_access_token_wants_it_in_a_header_for_writes(tmp_path):
    store = make_fixture_store(tmp_path / "store.gpkg")
    with running_desk(store, token="s3cret-token-for-tests") as url, \
            httpx.Client(base_url=url, timeout=60, follow_redirects=True) as c:
        page = c.get("/layers?token=s3cret-token-for-tests")  # the start-up link: a cookie, then the page
        assert page.status_code == 200 and 'content="s3cret-token-for-tests"' in page.text
        assert c.cookies.get("dcf_token")
        # the cookie lets the page be read, but a write needs the header too
        _err(c.post(f"/api/layers/{LAYER}/reset", json={"version": 1}, headers={"Origin": url}), 401)
        r = c.post(f"/api/layers/{LAYER}/reset", json={"version": 1},
                   headers={"Origin": url, "Authorization": "Bearer s3cret-token-for-tests"})
        assert "没有可恢复" in _err(r, 409)


@pytest.mark.parametrize("layer_id, status", [
    ("nosuchlayer", 404), ("Townships", 422), ("a.b", 422), ("..", 404), ("%2e%2e", 422), ("x" * 80, 422),
])
def test_bad_layer_ids(desk, layer_id, status):
    _err(desk.get(f"/api/layers/{layer_id}/versions"), status)
    _err(desk.post(f"/api/layers/{layer_id}/reset", json={"version": 1}, headers=desk.ok), status)


def test_bad_import_and_reset_input(desk, tmp_path):
    ok = desk.ok
    chosen = {"provenance": "authoritative"}
    _err(desk.post(f"/api/layers/{LAYER}/import/preview", headers=ok, data={"crs": "", **chosen}), 422)  # no file
    _err(desk.post(f"/api/layers/{LAYER}/import/preview", headers=ok, data=chosen,
                   files={"file": ("../../etc/passwd", b"root:x:0:0")}), 415)
    _err(desk.post(f"/api/layers/{LAYER}/import/preview", headers=ok, data=chosen,
                   files={"file": ("empty.geojson", b"")}), 400)
    moved = _moved_clusters(desk.store, tmp_path / "m.geojson")
    assert "来源类别" in _err(_preview(desk, moved, provenance="official"), 422)
    assert "编码" in _err(_preview(desk, moved, encoding="klingon"), 422)
    _err(_preview(desk, moved, fields="id"), 400)  # not target=source
    _err(_preview(desk, moved, layer="nosuchlayer"), 404)
    for bad in ({"version": 0}, {"version": "abc"}, {}, {"version": 1, "extra": 1}):
        _err(desk.post(f"/api/layers/{LAYER}/reset", json=bad, headers=ok), 422)
    _err(desk.post(f"/api/layers/{LAYER}/import", json={"handle": "not-a-handle"}, headers=ok), 404)
    _err(desk.post(f"/api/layers/{LAYER}/import", json={}, headers=ok), 422)


def test_confirm_imports_exactly_the_previewed_file_once(desk, tmp_path):
    from dcf_spatial.store import catalog

    a = _preview(desk, _moved_clusters(desk.store, tmp_path / "a.geojson", dx=0.03))
    b = _preview(desk, _moved_clusters(desk.store, tmp_path / "b.geojson", dx=-0.02))
    assert a.status_code == b.status_code == 200, (a.text, b.text)
    pa, pb = a.json(), b.json()
    assert pa["handle"] != pb["handle"] and pa["current_version"] == 1
    assert [m["编号"] for m in pa["moved"]] == ["cluster.jiaming"]
    # the parks of 嘉明经济开发区 left outside its moved boundary are named, with the way out (QA round 11, F1)
    assert {r["id"] for r in pa["nesting"] if r["layer"] == "cluster_parks"} == {"park.t0.0", "park.t0.1", "park.t0.2"}
    assert "dcf layers import cluster_parks" in pa["nesting_fix_zh"] and "上下级图层不一致" in pa["text"]
    assert catalog.describe_layer(LAYER, store=desk.store)["version"] == 1  # the preview wrote nothing
    # a handle belongs to its layer
    _err(desk.post("/api/layers/townships/import", json={"handle": pb["handle"]}, headers=desk.ok), 404)
    r = desk.post(f"/api/layers/{LAYER}/import", json={"handle": pb["handle"]}, headers=desk.ok)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["file"] == "b.geojson"
    stored = catalog.read_layer(LAYER, store=desk.store).set_index("id").geometry
    import geopandas as gpd

    sent = gpd.read_file(tmp_path / "b.geojson").set_index("id").geometry
    assert stored["cluster.jiaming"].equals_exact(sent["cluster.jiaming"], 1e-9)
    # the GeoJSON's array properties are stored as the JSON text the layer had, not numpy's repr
    assert set(catalog.read_layer(LAYER, store=desk.store)["industries_gbt4754"]) == {'["C34"]'}
    assert set(catalog.read_layer(LAYER, store=desk.store)["industries_zh"]) == {'["智能制造", "新材料"]'}
    # used once; and the other preview was of version 1, which is no longer current
    _err(desk.post(f"/api/layers/{LAYER}/import", json={"handle": pb["handle"]}, headers=desk.ok), 404)
    assert "重新预览" in _err(desk.post(f"/api/layers/{LAYER}/import", json={"handle": pa["handle"]}, headers=desk.ok), 409)
    v = desk.get(f"/api/layers/{LAYER}/versions").json()
    assert v["current"]["version"] == 2 and v["current"]["provenance"] == "authoritative"
    assert [k["version"] for k in v["kept"]] == [1] and v["restorable_version"] == 1
    # reset names the version it restores; another number is refused
    assert "只能恢复" in _err(desk.post(f"/api/layers/{LAYER}/reset", json={"version": 2}, headers=desk.ok), 409)
    r = desk.post(f"/api/layers/{LAYER}/reset", json={"version": 1}, headers=desk.ok)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1
    back = catalog.read_layer(LAYER, store=desk.store).set_index("id").geometry
    assert not back["cluster.jiaming"].equals_exact(sent["cluster.jiaming"], 1e-9)


def test_two_confirms_at_once_one_wins_whole_the_other_is_refused(desk, tmp_path):
    """Store writes go one at a time: of two confirms of previews of the same version, one imports its
    file whole and the other is refused (409) — never a mix of the two, never a half-written layer."""
    import threading

    import geopandas as gpd

    from dcf_spatial.store import catalog

    files = [_moved_clusters(desk.store, tmp_path / f"{k}.geojson", dx=dx) for k, dx in (("a", 0.03), ("b", -0.02))]
    handles = [_preview(desk, f).json()["handle"] for f in files]
    answers = {}

    def confirm(k):
        with httpx.Client(base_url=desk.url, timeout=120) as c:
            answers[k] = c.post(f"/api/layers/{LAYER}/import", json={"handle": handles[k]}, headers=desk.ok)

    threads = [threading.Thread(target=confirm, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(a.status_code for a in answers.values())
    assert codes == [200, 409], [a.text for a in answers.values()]
    winner = next(k for k, a in answers.items() if a.status_code == 200)
    stored = catalog.read_layer(LAYER, store=desk.store).set_index("id").geometry
    sent = gpd.read_file(files[winner]).set_index("id").geometry
    assert all(stored[i].equals_exact(sent[i], 1e-9) for i in sent.index)
    v = desk.get(f"/api/layers/{LAYER}/versions").json()
    assert v["current"]["version"] == 2 and [k["version"] for k in v["kept"]] == [1]


def test_every_desk_check_is_recorded_and_reset_keeps_what_the_register_used(desk, tmp_path):
    from dcf_spatial import register
    from dcf_spatial.store import catalog

    r = desk.post("/api/site-check", json={"site": "115.75,36.34", "industry": "C34", "project": "测试项目"})
    assert r.status_code == 200, r.text
    rid = r.json()["register_id"]
    assert isinstance(rid, int)
    entries = register.history(store=desk.store, project="测试项目").frame
    assert list(entries["登记号"]) == [rid]
    verdict = r.json()["verdict"]
    # the check used version 1; import a moved boundary, record a second check, reset to version 1
    p = _preview(desk, _moved_clusters(desk.store, tmp_path / "m.geojson", dx=0.5)).json()
    assert p["register"]["checks"] and p["register"]["checks"][0]["登记号"] == rid
    assert desk.post(f"/api/layers/{LAYER}/import", json={"handle": p["handle"]}, headers=desk.ok).status_code == 200
    rid2 = desk.post("/api/site-check", json={"site": "115.75,36.34", "industry": "C34"}).json()["register_id"]
    v = desk.get(f"/api/layers/{LAYER}/versions").json()
    assert v["current"]["register_checks"] == 1 and v["current"]["kept_in_register"]
    assert desk.post(f"/api/layers/{LAYER}/reset", json={"version": 1}, headers=desk.ok).status_code == 200
    # version 2 is gone from the layer store, but both checks still reproduce from the register's copies
    assert catalog.describe_layer(LAYER, store=desk.store)["version"] == 1
    for entry in (rid, rid2):
        again = register.show(entry, store=desk.store)
        assert again.identical, again.differences
    assert register.show(rid, store=desk.store).reproduced["verdict"] == verdict


def test_no_record_desk_answers_without_a_register_id(tmp_path):
    from dcf_spatial.register import tables
    from dcf_spatial.store import catalog

    store = make_fixture_store(tmp_path / "store.gpkg")
    with running_desk(store, record=False) as url, httpx.Client(base_url=url, timeout=60) as c:
        r = c.post("/api/site-check", json={"site": "115.75,36.34", "industry": "C34"})
        assert r.status_code == 200 and r.json()["register_id"] is None
    assert len(tables.read_records(catalog._require_store(store))) == 0


def test_serve_command_has_no_record():
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    out = CliRunner().invoke(cli, ["serve", "--help"])
    assert out.exit_code == 0 and "--no-record" in out.output


def test_import_and_reset_on_a_postgis_store(request, tmp_path):
    """The same preview → confirm → reset through the desk on a PostGIS store, with a recorded check."""
    import dcf_spatial as dcf
    from _stores import new_store
    from dcf_spatial import register
    from dcf_spatial.store import catalog

    url = new_store("postgis", tmp_path, request)
    dcf.Store(make_fixture_store(tmp_path / "store.gpkg")).push(url)
    with running_desk(url) as base, httpx.Client(base_url=base, timeout=120) as c:
        token = re.search(r'name="dcf-write-token" content="([^"]+)"', c.get("/layers").text).group(1)
        ok = {"X-DCF-Token": token, "Origin": base}
        rid = c.post("/api/site-check", json={"site": "115.75,36.34", "industry": "C34"}).json()["register_id"]
        assert isinstance(rid, int)
        moved = _moved_clusters(url, tmp_path / "m.geojson", dx=0.5)
        with open(moved, "rb") as fh:
            p = c.post(f"/api/layers/{LAYER}/import/preview", headers=ok, files={"file": ("m.geojson", fh)},
                       data={"provenance": "authoritative"}).json()
        assert [m["编号"] for m in p["moved"]] == ["cluster.jiaming"]
        assert [k["登记号"] for k in p["register"]["checks"]] == [rid]
        r = c.post(f"/api/layers/{LAYER}/import", json={"handle": p["handle"]}, headers=ok)
        assert r.status_code == 200 and r.json()["version"] == 2, r.text
        v = c.get(f"/api/layers/{LAYER}/versions").json()
        assert v["restorable_version"] == 1 and v["kept"][0]["register_checks"] == 1
        assert c.post(f"/api/layers/{LAYER}/reset", json={"version": 1}, headers=ok).json()["version"] == 1
    assert catalog.describe_layer(LAYER, store=url)["version"] == 1
    assert register.show(rid, store=url).identical


def _zipped_shapefile(store, folder, *, with_id=True):
    """The clusters as a bureau's zipped Shapefile (编号/名称 + geometry, or 名称 only)."""
    import zipfile

    from dcf_spatial.store import catalog

    g = catalog.read_layer(LAYER, store=store)
    cols = (["编号"] if with_id else []) + ["名称", "geometry"]
    shp = folder / "集聚区.shp"
    g.assign(编号=g["id"], 名称=g["name_zh"])[cols].to_file(shp, encoding="utf-8")
    path = folder / "集聚区.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for part in folder.glob("集聚区.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    return path


def test_import_messages_name_the_upload_and_the_form_not_the_server(desk, tmp_path):
    bad = _zipped_shapefile(desk.store, tmp_path, with_id=False)
    error = _err(_preview(desk, bad, fields="name_zh=名称"), 400)
    assert "集聚区.zip" in error and "/tmp" not in error and "f0.shp" not in error and "dcf-desk" not in error
    assert "--" not in error and "「字段对应」栏" in error


def test_bureau_zip_imports_with_plan_attributes_and_the_same_file_again_is_refused(desk, tmp_path):
    from dcf_spatial.store import catalog

    good = _zipped_shapefile(desk.store, tmp_path)
    p = _preview(desk, good, fields="id=编号,name_zh=名称")
    assert p.status_code == 200, p.text
    assert p.json()["same_as_current"] is False
    r = desk.post(f"/api/layers/{LAYER}/import", json={"handle": p.json()["handle"]}, headers=desk.ok)
    assert r.status_code == 200, r.text
    assert catalog.read_layer(LAYER, store=desk.store)["direction"].notna().all()  # from the plan
    v = desk.get(f"/api/layers/{LAYER}/versions").json()
    assert "集聚区.zip" in v["current"]["source"] and "f0.shp" not in str(v)
    again = _preview(desk, good, fields="id=编号,name_zh=名称")
    assert again.status_code == 200, again.text
    assert again.json()["same_as_current"] is True and "与当前版本相同" in again.json()["text"]
    error = _err(desk.post(f"/api/layers/{LAYER}/import", json={"handle": again.json()["handle"]},
                           headers=desk.ok), 409)
    assert "相同" in error
    assert catalog.describe_layer(LAYER, store=desk.store)["version"] == 2


def _two_dataset_files(store, folder):
    """The clusters as a zip of two shapefiles (集聚区 moved, 园区 as is) and as a GeoPackage of two layers."""
    import zipfile

    import geopandas as gpd

    from dcf_spatial.store import catalog

    g = catalog.read_layer(LAYER, store=store).drop(columns=["provenance", "source"])
    moved = _moved_clusters(store, folder / "moved.geojson")

    m = gpd.read_file(moved)
    parts = folder / "parts"
    parts.mkdir()
    m.to_file(parts / "集聚区调整.shp", encoding="utf-8")
    g.to_file(parts / "现状.shp", encoding="utf-8")
    zpath = folder / "两个数据集.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for part in sorted(parts.iterdir()):
            zf.write(part, part.name)
    gpkg = folder / "两个图层.gpkg"
    m.to_file(gpkg, layer="集聚区调整", driver="GPKG")
    g.to_file(gpkg, layer="现状", driver="GPKG")
    return zpath, gpkg


def test_a_file_of_several_datasets_answers_their_names_and_imports_the_one_chosen(desk, tmp_path):
    """图层 page, 导入新版本: a zip of two shapefiles and a GeoPackage of two layers are never read
    by guessing; the answer lists the datasets (``datasets``) and the one named by ``layer`` is imported."""
    from dcf_spatial.store import catalog

    zpath, gpkg = _two_dataset_files(desk.store, tmp_path)

    def _preview(desk, path, **form):  # ``layer`` here is the form's dataset, not the layer id of the URL
        with open(path, "rb") as fh:
            return desk.post(f"/api/layers/{LAYER}/import/preview", headers=desk.ok,
                             files={"file": (path.name, fh)}, data={"provenance": "authoritative", **form})

    for path, names in ((zpath, ["集聚区调整.shp", "现状.shp"]), (gpkg, ["集聚区调整", "现状"])):
        r = _preview(desk, path)
        error = _err(r, 400)
        assert sorted(r.json()["datasets"]) == sorted(names)
        assert all(n in error for n in names) and "/tmp" not in error and "dcf-desk" not in error
        bad = _preview(desk, path, **{"layer": "没有这个"})
        assert "没有这个" in _err(bad, 400) and sorted(bad.json()["datasets"]) == sorted(names)
        p = _preview(desk, path, **{"layer": "集聚区调整"})
        assert p.status_code == 200, p.text
        shift = {m["编号"]: m["中心位移（米）"] for m in p.json()["moved"]}
        assert shift["cluster.jiaming"] > 2000  # 0.03° east at 36.3° N is about 2.7 km
        same = _preview(desk, path, **{"layer": "现状"})
        assert same.status_code == 200, same.text
        # a shapefile round trip may nudge vertices (centimetres), never 嘉明 by kilometres
        assert all(m["中心位移（米）"] < 1 for m in same.json()["moved"])
        assert same.json()["added"] == [] and same.json()["removed"] == []
    # the confirm imports exactly the dataset previewed (the moved one), not the first one of the file
    r = desk.post(f"/api/layers/{LAYER}/import", json={"handle": p.json()["handle"]}, headers=desk.ok)
    assert r.status_code == 200, r.text
    now = catalog.read_layer(LAYER, store=desk.store).set_index("id").geometry["cluster.jiaming"]
    import geopandas as gpd

    sent = gpd.read_file(gpkg, layer="集聚区调整").set_index("id").geometry["cluster.jiaming"]
    assert now.equals_exact(sent, 1e-9)
