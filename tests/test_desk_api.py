"""The desk's HTTP API, over the real uvicorn server on a loopback port (httpx), incl. bad input."""

from __future__ import annotations

import io
import json
import shutil
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from _desk_server import running_desk

# 第八章第一节: "——郑家镇工业集聚区。……重点发展轴承及保持器产业"; (115.75, 36.455) lies in the shipped
# (schematic) 郑家镇工业集聚区 and its 轴承保持器 park.
ZHENGJIA = "115.75,36.455"


def _err(r, status):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) >= {"error"}
    assert "Traceback" not in r.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]), body  # a Chinese message
    return body["error"]


def test_site_check_is_the_cli_json(desk):
    from dcf_spatial.cli.main import cli

    r = desk.post("/api/site-check", json={"site": ZHENGJIA, "industry": "轴承", "area_mu": 50})
    assert r.status_code == 200, r.text
    out = CliRunner().invoke(cli, ["site", "check", "--site", ZHENGJIA, "--industry", "轴承", "--area-mu", "50", "--json"])
    assert out.exit_code == 0, out.output
    body = r.json()
    assert body.pop("register_id") is None  # the desk on the checkout's store records nothing in tests
    assert body == json.loads(out.stdout)
    assert r.json()["verdict"] == "fits"
    assert any(z["id"] == "cluster.zhengjia" for z in r.json()["zones"])


def test_the_office_policy_is_chosen_per_check_and_a_wrong_one_is_a_chinese_4xx(desk):
    """第三章第三节/第十章第四节 steer industry into the clusters but bar nothing: the office decides
    (plan_rules.json → office_policies). A bearing plant in 张炉集镇 (no cluster) is 不符合 by default and
    有条件符合 when the office's other setting is sent; the answer equals the CLI's with --policy."""
    from dcf_spatial.cli.main import cli

    site = {"site": "115.76,36.40", "industry": "C3451"}
    assert desk.post("/api/site-check", json=site).json()["verdict"] == "does_not_fit"
    r = desk.post("/api/site-check", json={**site, "policy": {"industry_outside_clusters": "conditional"}})
    assert r.status_code == 200, r.text
    out = CliRunner().invoke(cli, ["site", "check", "--site", "115.76,36.40", "--industry", "C3451",
                                   "--policy", "industry_outside_clusters=conditional", "--json"])
    body = r.json()
    body.pop("register_id")
    assert body == json.loads(out.stdout)
    assert body["verdict"] == "conditional"
    # a value the policy does not have: 422 (an invalid field), naming the policy, its values and the file;
    # the same on the export and the batch
    for r in (desk.post("/api/site-check", json={**site, "policy": {"industry_outside_clusters": "maybe"}}),
              desk.post("/api/site-check/export/pdf", json={**site, "policy": {"industry_outside_clusters": "maybe"}}),
              desk.post("/api/site-check/batch", files={"file": ("p.csv", "经度,纬度,行业\n115.76,36.40,C3451\n".encode())},
                        data={"policy": "industry_outside_clusters=maybe"})):
        msg = _err(r, 422)
        assert all(w in msg for w in ("industry_outside_clusters", "集聚区外新建工业项目", "maybe", "does_not_fit",
                                      "conditional", "plan_rules.json")), msg
    # a policy the file does not define: the same, listing the ones it does
    msg = _err(desk.post("/api/site-check", json={**site, "policy": {"parks_only": "conditional"}}), 422)
    assert "parks_only" in msg and "industry_outside_clusters" in msg and "plan_rules.json" in msg
    # the verdict word of a setting is accepted, as in the rule file (有条件符合 → conditional)
    assert desk.post("/api/site-check", json={**site, "policy": {"industry_outside_clusters": "有条件符合"}}).json()["verdict"] \
        == "conditional"


def test_policies_lists_the_rule_files_office_policies(desk):
    """``GET /api/policies`` is plan_rules.json → office_policies as the pages offer it: each choice in
    Chinese, the file's default marked (the pages build their 口径 select from it, nothing hard-coded)."""
    from dcf_spatial import plan

    menu = desk.get("/api/policies").json()
    defined = {k: v for k, v in plan.rules()["office_policies"].items() if not k.startswith("_")}
    assert [p["name"] for p in menu] == list(defined)
    p = menu[0]
    assert p["name"] == "industry_outside_clusters" and p["name_zh"] == "集聚区外新建工业项目"
    assert p["plan_ref"] == "第三章第三节、第十章第四节"
    assert p["default"] == plan.office_policies()["industry_outside_clusters"]
    assert [(c["value"], c["verdict_zh"], c["default"]) for c in p["choices"]] == [
        ("does_not_fit", "不符合", p["default"] == "does_not_fit"), ("conditional", "有条件符合", p["default"] == "conditional")]
    assert [c["label_zh"] for c in p["choices"]] == ["应入园：不符合", "引导入园：有条件符合"]


def test_the_batch_takes_the_office_policy_as_the_cli_does(desk, tmp_path):
    """``POST /api/site-check/batch`` takes ``policy`` form fields, each ``口径=取值`` as ``dcf site check --batch
    … --policy`` does (or one JSON object, as the site check's body): a bearing plant in 张炉集镇, outside
    every cluster (第三章第三节、第十章第四节), is 不符合 by default and 有条件符合 under ``conditional``, row by
    row the same as the CLI's batch with ``--policy``; a bearing plant inside 郑家 is 符合 under either."""
    from dcf_spatial.cli.main import cli

    csv = ("项目名称,经度,纬度,行业\n区外轴承,115.76,36.40,C3451\n郑家轴承,115.75,36.455,C3451\n").encode("utf-8")
    default = desk.post("/api/site-check/batch", files={"file": ("p.csv", csv)}).json()
    assert [r["verdict"] for r in default["results"]] == ["does_not_fit", "fits"] and default["policy"] is None
    for data in ({"policy": "industry_outside_clusters=conditional"},
                 {"policy": json.dumps({"industry_outside_clusters": "conditional"})}):
        r = desk.post("/api/site-check/batch", files={"file": ("p.csv", csv)}, data=data)
        assert r.status_code == 200, r.text
        j = r.json()
        assert [x["verdict"] for x in j["results"]] == ["conditional", "fits"]
        assert j["policy"] == {"industry_outside_clusters": "conditional"}
        assert "本次核查选用" in " ".join(x["text_zh"] for x in j["results"][0]["reasons"])
    path = tmp_path / "p.csv"
    path.write_bytes(csv)
    out = CliRunner().invoke(cli, ["site", "check", "--batch", str(path), "--policy",
                                   "industry_outside_clusters=conditional", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == j["results"]   # the CLI's batch answer, row for row


def test_geojson_site_is_the_same_as_its_wkt(desk):
    geo = {"type": "Polygon", "coordinates": [[[115.748, 36.453], [115.752, 36.453], [115.752, 36.457],
                                               [115.748, 36.457], [115.748, 36.453]]]}
    a = desk.post("/api/site-check", json={"site": geo, "industry": "C3451"}).json()
    b = desk.post("/api/site-check", json={"site": {"type": "Feature", "properties": {}, "geometry": geo},
                                            "industry": "C3451"}).json()
    wkt = desk.post("/api/site-check", json={"site": "POLYGON ((115.748 36.453, 115.752 36.453, 115.752 36.457, "
                                                     "115.748 36.457, 115.748 36.453))", "industry": "C3451"}).json()
    assert a["verdict"] == b["verdict"] == wkt["verdict"] == "fits"
    assert a["site"]["area_mu"] == wkt["site"]["area_mu"] > 0


@pytest.mark.parametrize("body, status, words", [
    ({"site": ZHENGJIA, "industry": "轴承", "area_mu": "五十"}, 422, "area_mu"),
    ({"site": ZHENGJIA, "industry": "轴承", "area_mu": -3}, 422, "area_mu"),
    ({"site": ZHENGJIA}, 422, "industry"),
    ({"site": ZHENGJIA, "industry": "轴承", "bogus": 1}, 422, "bogus"),
    ({"site": ZHENGJIA, "industry": "不存在的行业词"}, 422, "无法识别"),
    ({"site": ZHENGJIA, "industry": "管"}, 422, "太短"),            # one character names no industry (QA round 4)
    ({"site": ZHENGJIA, "industry": "管材"}, 422, "多个可能"),      # C313 / C2922: their verdicts differ here
    ({"site": "/etc/passwd", "industry": "轴承"}, 422, "无法识别场地"),
    ({"site": "../../layers/dcf_layers.gpkg", "industry": "轴承"}, 422, "无法识别场地"),
    ({"site": {"type": "Point"}, "industry": "轴承"}, 422, "GeoJSON"),
    ({"site": ZHENGJIA, "industry": "轴承", "date": "昨天"}, 422, "date"),
    ({"site": ZHENGJIA, "industry": "轴承", "catalogue_class": "特殊类"}, 422, "catalogue_class"),
])
def test_site_check_bad_input(desk, body, status, words):
    assert words in _err(desk.post("/api/site-check", json=body), status)


def test_not_json_and_unknown_paths(desk):
    assert "请求体" in _err(desk.post("/api/site-check", content=b"{not json", headers={"content-type": "application/json"}), 422)
    _err(desk.get("/api/nothing-here"), 404)
    _err(desk.get("/api/site-check"), 405)


def test_ambiguous_industry_lists_candidates(desk):
    r = desk.post("/api/site-check", json={"site": ZHENGJIA, "industry": "管材"})
    assert r.json()["industry"]["status"] == "ambiguous" and r.json()["industry"]["candidates"]
    j = desk.get("/api/industry", params={"q": "管材"}).json()
    assert j["status"] == "ambiguous" and len(j["candidates"]) > 1
    j = desk.get("/api/industry", params={"q": "轴承"}).json()
    assert j["status"] == "resolved" and j["codes"] == ["C3451"] and "轴承" in j["label_zh"]
    _err(desk.get("/api/industry"), 422)


def test_layers_and_geojson(desk):
    rows = desk.get("/api/layers").json()
    ids = [r["id"] for r in rows]
    assert "industrial_clusters" in ids and all(r["provenance"] for r in rows)
    assert all(r["style"]["edge"].startswith("#") for r in rows)   # the legend's colours
    fc = desk.get("/api/layers/industrial_clusters").json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 4
    x, y = fc["features"][0]["geometry"]["coordinates"][0][0]
    assert 115 < x < 117 and 36 < y < 37   # EPSG:4326 lon/lat by default
    fc = desk.get("/api/layers/industrial_clusters", params={"crs": "EPSG:4527"}).json()
    x, _ = fc["features"][0]["geometry"]["coordinates"][0][0]
    assert x > 39_000_000   # CGCS2000 3° zone 39, with the zone prefix
    assert "nope" in _err(desk.get("/api/layers/nope"), 404)
    _err(desk.get("/api/layers/industrial_clusters", params={"crs": "EPSG:999999"}), 422)


def _coords(geometry):
    import shapely

    return shapely.get_coordinates(shapely.geometry.shape(geometry)).tolist() if geometry else []


def _ranges(value: str) -> set[int]:
    points = set()
    for part in value.split(","):
        a, _, b = part.strip()[2:].partition("-")
        points.update(range(int(a, 16), int(b or a, 16) + 1))
    return points


def test_the_pages_font_is_a_subset_of_their_characters_and_the_whole_font_the_rest(desk):
    """``desk-font.css``: one face holds the characters of the desk's pages and of the layers (a WOFF
    that has a glyph for each), the whole Noto Sans SC every other code point; the two ranges do not overlap."""
    import io
    import re

    from fontTools.ttLib import TTFont

    css = desk.get("/static/font/desk-font.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    faces = re.findall(r"src:url\((/static/font/[^)]+)\)[^}]*unicode-range:([^;]+);", css.text)
    assert [u for u, _ in faces][0] == "/static/font/NotoSansSC.ttf" and faces[1][0].endswith(".woff")
    whole, small = _ranges(faces[0][1]), _ranges(faces[1][1])
    assert not whole & small and len(whole | small) == 0x110000
    woff = desk.get(faces[1][0])
    assert woff.status_code == 200 and woff.content[:4] == b"wOFF"
    cmap = set(TTFont(io.BytesIO(woff.content)).getBestCmap())
    assert small <= cmap
    page = desk.get("/site").text
    titles = "".join(r["title_zh"] for r in desk.get("/api/layers").json())
    wanted = {ord(c) for c in page + titles + "选址核查判定理由图层加载失败" if not c.isspace()}
    assert wanted <= small, "".join(sorted(chr(c) for c in wanted - small))
    assert len(woff.content) < 2_000_000 and ord("龘") in whole   # a rarer character: the whole font
    assert desk.get("/static/font/NotoSansSC-page-nope.woff").status_code == 404
    # Leaflet (fixed by its package's version) is kept a day by the browser; the desk's own script is revalidated
    assert desk.get("/static/leaflet/leaflet.js").headers["cache-control"] == "max-age=86400"
    own = desk.get("/static/desk/desk.js")
    assert "cache-control" not in own.headers and own.headers["etag"]
    assert desk.get("/static/desk/desk.js", headers={"If-None-Match": own.headers["etag"]}).status_code == 304


def test_map_layers_is_every_layer_in_one_request_rounded_to_a_tenth_of_a_metre(desk):
    """The 选址核查 map's one request: every layer of ``GET /api/layers`` in its order, each the features
    and attributes of ``GET /api/layers/{id}``, coordinates within 0.5e-6° (≤ 0.06 m) of the exact
    ones with at most 6 decimals; the exact endpoint keeps its full precision (other systems use it)."""
    rows = desk.get("/api/layers").json()
    r = desk.get("/api/map-layers")   # httpx asks for gzip, as browsers do
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    got = r.json()
    assert got["digits"] == 6
    assert [m["id"] for m in got["layers"]] == [m["id"] for m in rows]
    assert [{k: v for k, v in m.items() if k != "geojson"} for m in got["layers"]] == rows
    longest = 0
    for meta in got["layers"]:
        exact = desk.get(f"/api/layers/{meta['id']}").json()
        shown = meta["geojson"]
        assert len(shown["features"]) == len(exact["features"])
        for a, b in zip(shown["features"], exact["features"]):
            assert a["properties"] == b["properties"]
            ca, cb = _coords(a["geometry"]), _coords(b["geometry"])
            assert len(ca) == len(cb)
            assert all(abs(p - q) <= 0.5e-6 + 1e-12 for pa, pb in zip(ca, cb) for p, q in zip(pa, pb))
            assert all(len(repr(v).split(".")[-1]) <= 6 for pt in ca for v in pt)
            longest = max([longest] + [len(repr(v).split(".")[-1]) for pt in cb for v in pt])
    assert longest > 6   # the exact layers have more decimals than the display copy
    # the same state of the store: the browser's copy stays good (ETag → 304), and without gzip the same JSON
    again = desk.get("/api/map-layers", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    plain = desk.get("/api/map-layers", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == got


def test_exports(desk):
    body = {"site": ZHENGJIA, "industry": "轴承", "area_mu": 50}
    docx = desk.post("/api/site-check/export/docx", json=body)
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    from docx import Document

    document = Document(io.BytesIO(docx.content))
    assert len(document.inline_shapes) == 1   # the map picture
    text = "\n".join(p.text for p in document.paragraphs)
    assert "核查结论：符合" in text and "第八章第一节" in text and "示意" in text
    html = desk.post("/api/site-check/export/html", json=body)
    assert html.status_code == 200 and "符合" in html.text
    txt = desk.post("/api/site-check/export/txt", json=body)
    assert txt.status_code == 200 and "[地块坐标]" in txt.content.decode("gbk")
    gpkg = desk.post("/api/site-check/export/gpkg", json=body)
    assert gpkg.status_code == 200 and gpkg.content[:15] == b"SQLite format 3"
    _err(desk.post("/api/site-check/export/exe", json=body), 422)


@pytest.mark.skipif(not all(shutil.which(t) for t in ("pdffonts", "pdftotext", "pdftoppm")),
                    reason="needs poppler-utils (pdffonts, pdftotext, pdftoppm)")
def test_pdf_export_embeds_the_cjk_font(desk, tmp_path):
    """核查意见 PDF: A4, Noto Sans SC embedded, the verdict and the clause (第八章第一节: 郑家镇工业集聚区
    "重点发展轴承及保持器产业") in its text, and every character of it drawn by the embedded font."""
    import subprocess

    from dcf_spatial.maps.fonts import missing_glyphs

    r = desk.post("/api/site-check/export/pdf", json={"site": ZHENGJIA, "industry": "轴承", "area_mu": 50})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content[:5] == b"%PDF-"
    pdf = tmp_path / "核查意见.pdf"
    pdf.write_bytes(r.content)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all("NotoSansSC" in row[0] for row in rows)
    assert all(row[-5] == "yes" for row in rows), fonts          # the "emb" column: every font embedded
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "核查结论：符合" in text and "第八章第一节" in text and "示意" in text
    assert "郑家镇工业集聚区" in text
    assert missing_glyphs(text) == []                               # no character the font cannot draw: no tofu
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    if info:
        assert "595.28 x 841.89 pts (A4)" in info
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))


def _txt_site(tmp_path):
    import dcf_spatial as dcf

    path = tmp_path / "site.txt"
    dcf.check_site(ZHENGJIA, "轴承", area_mu=50).to_site_file(path)
    return path


def test_upload_survey_txt_and_zipped_shapefile(desk, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    txt = _txt_site(tmp_path)
    r = desk.post("/api/site/read", files={"file": ("地块报批坐标.txt", txt.read_bytes())})
    assert r.status_code == 200, r.text
    geo = r.json()
    assert geo["geometry"]["type"] == "Polygon" and geo["crs"] == "EPSG:4490"
    check = desk.post("/api/site-check", json={"site": geo["geometry"], "crs": geo["crs"], "industry": "轴承"}).json()
    assert check["verdict"] == "fits" and check["site"]["area_mu"] == pytest.approx(50, rel=0.01)

    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gpd.GeoDataFrame({"name": ["地块"]}, geometry=[Point(115.75, 36.455).buffer(0.002)], crs=4490).to_file(
        shp_dir / "地块.shp", encoding="utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f"数据/{f.name}")
    r = desk.post("/api/site/read", files={"file": ("地块.zip", buf.getvalue())})
    assert r.status_code == 200, r.text
    assert r.json()["geometry"]["type"] == "Polygon"


def test_upload_bad_files(tmp_path):
    with running_desk(None, upload_limit_mb=0.01) as url, httpx.Client(base_url=url, timeout=60) as c:
        _err(c.post("/api/site/read", files={"file": ("a.geojson", b"")}), 400)               # empty
        assert "大小上限" in _err(c.post("/api/site/read", files={"file": ("a.geojson", b"x" * 20_000)}), 413)
        _err(c.post("/api/site/read", files={"file": ("a.exe", b"MZ")}), 415)                 # format not listed
        _err(c.post("/api/site/read", files={"file": ("a.zip", b"not a zip")}), 400)
        # traversal in a zip member
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("../../evil.geojson", "{}")
        assert "不安全" in _err(c.post("/api/site/read", files={"file": ("a.zip", buf.getvalue())}), 400)
        # a zip bomb: tiny compressed, large unpacked
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("big.geojson", " " * 5_000_000)
        assert len(buf.getvalue()) < 10_000
        assert "解压后超过" in _err(c.post("/api/site/read", files={"file": ("a.zip", buf.getvalue())}), 413)
        # a path-like file name: only its suffix is used, nothing is written outside the temp folder
        r = c.post("/api/site/read", files={"file": ("../../../tmp/x/../../etc/passwd.geojson", b"{oops")})
        assert r.status_code in (400, 422) and "Traceback" not in r.text


def test_batch(desk, tmp_path):
    csv = ("项目名称,经度,纬度,行业,用地面积(亩)\n"
           "轴承项目,115.75,36.455,轴承,50\n"
           "=HYPERLINK(\"http://x\"),115.75,36.455,轴承,30\n"
           "坏行,abc,36.455,轴承,10\n").encode("utf-8")
    r = desk.post("/api/site-check/batch", files={"file": ("项目清单.csv", csv)})
    assert r.status_code == 200, r.text
    j = r.json()
    assert len(j["results"]) == 3                        # none lost
    assert j["results"][0]["verdict"] == "fits"
    assert j["results"][2]["status"] != "ok" and j["results"][2]["error"]
    x = desk.get(j["xlsx_url"])
    assert x.status_code == 200
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(x.content))["核查结果"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells, "the formula-like project name is in the table"
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)   # text, never a formula
    direct = desk.post("/api/site-check/batch", params={"format": "xlsx"}, files={"file": ("p.csv", csv)})
    assert direct.status_code == 200 and direct.content[:2] == b"PK"
    _err(desk.post("/api/site-check/batch", files={"file": ("p.csv", csv)}, data={"industry": "不存在的行业词"}), 422)
    _err(desk.post("/api/site-check/batch"), 422)
    _err(desk.get("/api/downloads/0123"), 404)


def test_idle_audit_job(desk, tmp_path):
    import dcf_spatial as dcf

    files = dcf.write_sample(tmp_path / "sample", parcels=60, seed=3, imagery=False)
    parcels = next(p for p in map(str, files.values()) if p.endswith("parcels.gpkg"))
    with open(parcels, "rb") as fh:
        r = desk.post("/api/audit/idle", files={"parcels": ("宗地.gpkg", fh.read())}, data={"as_of": "2025-12-31"})
    assert r.status_code == 202, r.text
    url = r.json()["url"]
    for _ in range(600):   # polls until the job ends (no time limit is asserted)
        job = desk.get(url).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert job["status"] == "done", job
    assert sum(job["summary"]["counts"].values()) >= 60 or job["summary"]["parcels_in"] == 60
    names = [d["name"] for d in job["downloads"]]
    # the download carries the uploaded file's name (QA round 10: results of two files told apart once saved)
    assert "闲置土地审计_宗地.xlsx" in names
    got = desk.get(job["downloads"][names.index("闲置土地审计_宗地.xlsx")]["url"])
    assert got.status_code == 200 and got.content[:2] == b"PK"
    _err(desk.post("/api/audit/idle", files={"parcels": ("宗地.gpkg", b"x")}, data={"as_of": "2025-13-45"}), 422)
    _err(desk.get("/api/jobs/nope"), 404)
    _err(desk.get(f"{url}/files/99"), 404)


def test_token_required_and_cookie(tmp_path):
    with running_desk(None, token="s3cret-token-for-tests") as url:
        with httpx.Client(base_url=url, timeout=60) as c:
            _err(c.get("/api/layers"), 401)
            _err(c.get("/api/layers", headers={"Authorization": "Bearer wrong"}), 401)
            assert c.get("/api/layers", headers={"Authorization": "Bearer s3cret-token-for-tests"}).status_code == 200
            r = c.get("/site", params={"token": "s3cret-token-for-tests"})
            assert r.status_code == 303 and "dcf_token" in r.headers["set-cookie"]
            assert "httponly" in r.headers["set-cookie"].lower()
            c.cookies.set("dcf_token", "s3cret-token-for-tests")
            assert c.get("/api/layers").status_code == 200


def test_non_loopback_host_gets_a_token():
    from dcf_spatial.desk.server import resolve_token

    assert resolve_token("127.0.0.1", None) == (None, False)
    tok, generated = resolve_token("0.0.0.0", None)
    assert generated and len(tok) >= 24
    assert resolve_token("0.0.0.0", "given") == ("given", False)


def test_docs_and_assets_served_locally(desk):
    docs = desk.get("/api/docs")
    assert docs.status_code == 200
    from dcf_spatial.maps.offline import remote_references

    page = desk.get("/site")
    assert page.status_code == 200
    refs = remote_references(docs.text) + remote_references(page.text)
    assert refs and all(r.startswith("/") and not r.startswith("//") for r in refs), refs   # this server only
    for ref in refs + ["/api/openapi.json"]:
        assert desk.get(ref).status_code == 200, ref
    assert "/api/site-check" in desk.get("/api/openapi.json").json()["paths"]


def test_serve_command_help():
    from dcf_spatial.cli.main import cli

    out = CliRunner().invoke(cli, ["serve", "--help"])
    assert out.exit_code == 0 and "--no-browser" in out.output and "--token" in out.output
    out = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert out.exit_code == 2


@pytest.mark.postgis
def test_site_check_on_a_postgis_store(request, tmp_path):
    """The same answer from the same layers pushed to PostGIS (the store travels per request)."""
    import dcf_spatial as dcf
    from _stores import new_store

    url = new_store("postgis", tmp_path, request)
    dcf.Store().push(url)
    body = {"site": ZHENGJIA, "industry": "轴承", "area_mu": 50}
    with running_desk(None) as a, running_desk(url) as b:
        gpkg = httpx.post(a + "/api/site-check", json=body, timeout=120).json()
        pg = httpx.post(b + "/api/site-check", json=body, timeout=120).json()
        assert pg["verdict"] == gpkg["verdict"] == "fits"
        assert pg["zones"] == gpkg["zones"] and pg["townships"] == gpkg["townships"]
        assert [r["id"] for r in httpx.get(b + "/api/layers", timeout=60).json()] == \
               [r["id"] for r in httpx.get(a + "/api/layers", timeout=60).json()]


def test_chunked_upload_over_the_cap_is_refused():
    """A body sent without Content-Length is counted as it arrives and refused past the cap."""
    def chunks():
        boundary = b"--xyz\r\n"
        yield boundary + b'Content-Disposition: form-data; name="file"; filename="a.geojson"\r\n\r\n'
        for _ in range(200):
            yield b"x" * 1024
        yield b"\r\n--xyz--\r\n"

    with running_desk(None, upload_limit_mb=0.01) as url:
        r = httpx.post(url + "/api/site/read", content=chunks(),
                       headers={"content-type": "multipart/form-data; boundary=xyz"}, timeout=60)
        assert "大小上限" in _err(r, 413)


def test_concurrent_requests_each_get_their_answer(desk):
    """Twenty clients at once (as the issue's benchmark): every answer is complete and the right one."""
    from concurrent.futures import ThreadPoolExecutor

    bodies = [{"site": ZHENGJIA, "industry": "轴承", "area_mu": 10 + i} for i in range(20)]

    def one(body):
        return httpx.post(str(desk.base_url) + "/api/site-check", json=body, timeout=120)

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(one, bodies))
    assert [r.status_code for r in answers] == [200] * 20
    assert [r.json()["site"]["area_mu"] for r in answers] == pytest.approx([b["area_mu"] for b in bodies], rel=1e-3)
    assert {r.json()["verdict"] for r in answers} == {"fits"}


def _wait(desk, url):
    for _ in range(900):   # polls until the job ends (no time limit is asserted)
        job = desk.get(url).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {url} never ended")


def test_efficiency_audit_job(desk, tmp_path):
    import dcf_spatial as dcf

    files = dcf.write_sample(tmp_path / "sample", parcels=60, seed=4, imagery=False)
    r = desk.post("/api/audit/efficiency",
                  files={"enterprises": ("企业.csv", Path(files["enterprises"]).read_bytes()),
                         "parcels": ("宗地.gpkg", Path(files["parcels"]).read_bytes())},
                  data={"as_of": "2025-12-31"})
    assert r.status_code == 202, r.text
    job = _wait(desk, r.json()["url"])
    assert job["status"] == "done", job
    assert job["summary"]["counts"] and any(d["name"] == "亩产效益评价_企业.xlsx" for d in job["downloads"])
    assert desk.get(r.json()["url"] + "/map").status_code in (200, 404)
    # a file the audit cannot read: the job fails with the reader's Chinese message, the server stays up
    r = desk.post("/api/audit/efficiency", files={"enterprises": ("企业.csv", "甲,乙\n1,2\n".encode())})
    job = _wait(desk, r.json()["url"])
    assert job["status"] == "failed" and any("\u4e00" <= ch <= "\u9fff" for ch in job["error"])
    assert desk.get("/api/layers").status_code == 200


def test_places_suggest_and_match(desk):
    """The gazetteer behind the page's site field: 郑家镇工业集聚区 is a cluster of 第八章第一节."""
    r = desk.get("/api/places", params={"q": "郑家"})
    assert r.status_code == 200, r.text
    names = [p["name"] for p in r.json()["suggestions"]]
    assert "郑家镇工业集聚区" in names and "郑家镇" in names
    exact = desk.get("/api/places", params={"q": "郑家镇工业集聚区"}).json()
    assert exact["match"]["unit_id"] == "cluster.zhengjia" and exact["match"]["level"] == "集聚区"
    assert exact["match"]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    unknown = desk.get("/api/places", params={"q": "不存在的镇"}).json()
    assert unknown["match"] is None and "不在地名表中" in unknown["error"]
    _err(desk.get("/api/places", params={"q": ""}), 422)


def test_site_check_by_place_name(desk):
    r = desk.post("/api/site-check", json={"site": "郑家镇工业集聚区", "industry": "轴承"})
    assert r.status_code == 200, r.text
    a = r.json()
    assert any(z["id"] == "cluster.zhengjia" for z in a["zones"])
    assert any("按地名“郑家镇工业集聚区”定位" in n for n in a["read_notes"])
    # a text that is no known name is refused with the nearest names, never opened as a server path
    assert "地名" in _err(desk.post("/api/site-check", json={"site": "/etc/passwd", "industry": "轴承"}), 422)
    assert "郑家镇" in _err(desk.post("/api/site-check", json={"site": "郑家镇工业区X", "industry": "轴承"}), 422)


def test_layer_geojson_follows_writes_and_resets(tmp_path):
    """The desk keeps each layer's GeoJSON between page loads; a new version of the layer (an import)
    and a reset to the version before are both served at once, never the kept copy of another version."""
    from browser import make_fixture_store

    from dcf_spatial.store import catalog

    store = make_fixture_store(tmp_path / "store.gpkg")
    with running_desk(store) as url, httpx.Client(base_url=url, timeout=120) as c:
        c.get("/api/map-layers")                                     # kept for this state of the store
        before = c.get("/api/layers/rivers").json()
        assert c.get("/api/layers/rivers").json() == before          # the kept copy: the same answer
        gdf = catalog.read_layer("rivers", store=store)
        gdf["name_zh"] = "新版河流"
        catalog.write_layer(gdf, "rivers", store=store, source="test: a new version", keep_history=True,
                            sha256="0" * 64)
        after = c.get("/api/layers/rivers").json()
        assert {f["properties"]["name_zh"] for f in after["features"]} == {"新版河流"}
        shown = {m["id"]: m for m in c.get("/api/map-layers").json()["layers"]}["rivers"]["geojson"]
        assert {f["properties"]["name_zh"] for f in shown["features"]} == {"新版河流"}
        catalog.reset_layer("rivers", store=store)
        assert c.get("/api/layers/rivers").json() == before
        shown = {m["id"]: m for m in c.get("/api/map-layers").json()["layers"]}["rivers"]["geojson"]
        assert [f["properties"] for f in shown["features"]] == [f["properties"] for f in before["features"]]


def test_another_site_cannot_record_a_check_nor_read_through_a_rebound_name(tmp_path):
    """Every desk check is recorded (issue 15), so a POST is a write: a page of another site (a form or
    fetch to 127.0.0.1 carries its Origin) and a page whose own name was pointed at 127.0.0.1 (DNS
    rebinding: its Host) are refused, and nothing is recorded; a program without a browser (no Origin)
    and the desk's own page (same Origin) are served."""
    store = tmp_path / "store.gpkg"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "layers" / "dcf_layers.gpkg", store)
    body = {"site": "115.75,36.455", "industry": "轴承", "project": "跨站"}
    with running_desk(store, record=True) as url, httpx.Client(base_url=url, timeout=120) as client:
        host = url.split("//", 1)[1]
        evil = client.post("/api/site-check", json=body, headers={"Origin": "http://evil.example"})
        assert evil.status_code == 403 and "跨站" in evil.json()["error"]
        blank = client.post("/api/site-check", json=body, headers={"Origin": "null"})
        assert blank.status_code == 403
        batch = client.post("/api/site-check/batch", headers={"Origin": "http://evil.example"},
                            files={"file": ("b.csv", "项目名称,经度,纬度,行业\nx,115.75,36.455,轴承\n".encode(), "text/csv")})
        assert batch.status_code == 403
        rebound = client.get("/api/layers", headers={"Host": f"evil.example:{host.split(':')[1]}"})
        assert rebound.status_code == 403 and "DNS" in rebound.json()["error"]
        assert len(_recorded(store)) == 0          # nothing of the refused requests was recorded
        own = client.post("/api/site-check", json=body, headers={"Origin": url})
        tool = client.post("/api/site-check", json=body)   # no Origin: a program, not a browser
        assert own.status_code == 200 and tool.status_code == 200
        assert len(_recorded(store)) == 2


def _recorded(store):
    from dcf_spatial.register import history

    return history(store=store).rows


def _has_english(text: str) -> bool:
    import re

    # field names (q, limit, version) and quoted values are allowed; pydantic's sentences are not
    return bool(re.search(r"\b(should|String|Input|least|valid|Field|required|integer)\b", text))


@pytest.mark.parametrize("path, params, words", [
    ("/api/industry", {"q": ""}, ("查询参数 q", "至少 1 个字")),
    ("/api/industry", {"q": "轴" * 61}, ("查询参数 q", "最多 60 个字")),
    ("/api/places", {"q": "郑家", "limit": "80"}, ("查询参数 limit", "应不大于 50", "80")),
    ("/api/places", {"q": "郑家", "limit": "0"}, ("查询参数 limit", "应不小于 1")),
    ("/api/places", {"q": "郑家", "limit": "2.5"}, ("查询参数 limit", "应为整数")),
])
def test_query_validation_is_worded_in_chinese(desk, path, params, words):
    msg = _err(desk.get(path, params=params), 422)
    assert all(w in msg for w in words), msg
    assert not _has_english(msg), msg


@pytest.mark.parametrize("version, words", [
    (0, ("version", "应不小于 1", "收到 0")),     # not "不能为负数": 0 is not negative
    (1.5, ("version", "应为整数")),
    (None, ("version", "应为整数", "null")),
    ("x", ("version", "应为整数")),
])
def test_body_validation_is_worded_in_chinese(desk, version, words):
    # the body is validated before the write check: no token needed to be told what is wrong
    msg = _err(desk.post("/api/layers/industrial_clusters/reset", json={"version": version}), 422)
    assert all(w in msg for w in words), msg
    assert "不能为负数" not in msg and not _has_english(msg), msg


def test_a_missing_and_an_unknown_field_are_named(desk):
    msg = _err(desk.post("/api/layers/industrial_clusters/reset", json={"versoin": 2}), 422)
    assert "version：缺少此项" in msg and "versoin：不认识此项" in msg, msg


def test_idle_job_error_names_the_upload_and_a_fix_for_the_page(desk):
    """A parcels file lacking a field: the job's error names the uploaded file (not the server's
    temporary path) and says what to change in the file (the page has no field boxes, no CLI options)."""
    csv = "宗地代码,面积\nA1,3\n".encode("utf-8")
    r = desk.post("/api/audit/idle", files={"parcels": ("我的宗地.csv", csv)}, data={"as_of": "2025-12-31"})
    assert r.status_code == 202, r.text
    job = _wait(desk, r.json()["url"])
    assert job["status"] == "failed", job
    error = job["error"]
    assert "我的宗地.csv" in error and "缺少字段" in error
    assert "/tmp" not in error and "dcf-desk" not in error and "upload.csv" not in error
    assert "--" not in error and "audit efficiency" not in error
    assert "在文件中把该列改名为" in error and "重新上传" in error


def test_a_word_of_several_codes_is_answered_or_refused_as_in_the_cli(desk):
    # W10: 铸造 (C3391/C3392) is barred alike by 第九章第三节 “严禁水泥、铸造等行业新增产能” → answered, naming both;
    # 机器人 in 宜业板块 depends on the code (工业机器人 fits there, 特殊作业机器人 is conditional; in 智能制造产业园
    # every robot class fits since 第八章第一节 names 机器人产业 there without kind) → refused with the candidates
    from dcf_spatial import settings
    from dcf_spatial.queries import site as sc

    ctx = sc.load_context(settings.default_store)

    def lonlat(layer, fid):
        lay = ctx.layers[layer]
        p = lay.geoms[list(lay.ids).index(fid)].representative_point()
        import geopandas as gpd

        q = gpd.GeoSeries([p], crs=settings.working_crs).to_crs("EPSG:4490")[0]
        return f"{q.x:.6f},{q.y:.6f}"

    r = desk.post("/api/site-check", json={"site": lonlat("cluster_parks", "park.zhengjia.auto_parts"), "industry": "铸造"})
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["verdict"] == "does_not_fit"
    assert [c["code"] for c in d["industry"]["candidates_checked"]] == ["C3391", "C3392"]
    r = desk.post("/api/site-check", json={"site": lonlat("cluster_parks", "park.jiaming.smart_mfg"), "industry": "机器人"})
    assert r.status_code == 200 and r.json()["verdict"] == "fits", r.text
    r = desk.post("/api/site-check", json={"site": lonlat("cluster_parks", "park.jiaming2.yiye"), "industry": "机器人"})
    msg = _err(r, 422)
    assert "C3491" in msg and "C3492" in msg and "结论视所选代码而定" in msg


def test_idle_job_takes_the_sheet_to_read(desk, tmp_path):
    """QA round 9: the 工作表 (``sheet``) form field picks the sheet; without it the first visible sheet
    whose header is a ledger's is read (a 说明 sheet first is skipped) and the notes say so."""
    import openpyxl

    header = ["宗地编号", "受让单位", "坐落", "土地用途", "面积(亩)", "约定开工日期", "实际开工日期"]
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表为供地台账，单位亩"])
    for name, n in (("2023", 1), ("2024", 2)):
        ws = wb.create_sheet(name)
        ws.append(header)
        for i in range(n):
            ws.append([f"DCF-{name}-{i}", "甲公司", "郑家镇", "工业用地", 10, "2019-01-01", None])
    path = tmp_path / "台账.xlsx"
    wb.save(path)
    data = path.read_bytes()

    def run(form):
        r = desk.post("/api/audit/idle", files={"parcels": ("台账.xlsx", data)}, data={"as_of": "2025-12-31", **form})
        assert r.status_code == 202, r.text
        return _wait(desk, r.json()["url"])

    first = run({})
    assert first["status"] == "done", first
    assert sum(first["summary"]["counts"].values()) == 1
    assert any("读取“2023”" in n and "“说明”" in n for n in first["summary"]["notes"])
    chosen = run({"sheet": "2024"})
    assert chosen["status"] == "done", chosen
    assert sum(chosen["summary"]["counts"].values()) == 2
    missing = run({"sheet": "2025"})
    assert missing["status"] == "failed" and "2025" in missing["error"] and "2024" in missing["error"]
