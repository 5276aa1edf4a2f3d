"""The appendix maps: PDF text and pixels, PNG resolution, provenance note, style file, CLI."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from browser import image_is_blank, needs_chromium, needs_poppler, open_offline
from dcf_spatial import settings
from dcf_spatial.errors import InputError

TITLES = {
    "fig1": "聊城市东昌府区产业布局示意图",
    "fig2": "聊城市东昌府区四大工业聚集区示意图",
    "fig3": "聊城市东昌府区七大农业示范园区示意图",
}


@pytest.fixture(scope="module")
def store(map_store):
    return map_store


@pytest.fixture(scope="module")
def maps_dir(store, tmp_path_factory):
    from dcf_spatial.maps import appendix

    out = tmp_path_factory.mktemp("maps")
    result = appendix.appendix_maps(out)
    assert set(result) == {"fig1", "fig2", "fig3"}
    return out, result


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@needs_poppler()
@pytest.mark.parametrize("key", ["fig1", "fig2", "fig3"])
def test_pdf_has_chinese_title_as_text_and_is_a3_landscape(maps_dir, key):
    _, result = maps_dir
    pdf = result[key]["pdf"]
    text = _pdftotext(pdf)
    assert TITLES[key] in text.replace(" ", "")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size"))
    w, h = (float(v) for v in size.split(":")[1].split("pts")[0].split(" x "))
    assert abs(w - 1190.55) < 2 and abs(h - 841.89) < 2  # A3 landscape in points
    assert "Pages:           1" in info


@needs_poppler()
def test_pdf_page_is_not_blank_and_text_is_embedded_font(maps_dir, tmp_path):
    _, result = maps_dir
    pdf = result["fig1"]["pdf"]
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    assert not image_is_blank(tmp_path / "page.png")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoSansSC" in fonts  # the pip-shipped font is embedded, not a system font


@needs_poppler()
def test_print_map_names_schematic_layers_date_and_scale(maps_dir, store):
    from dcf_spatial.maps import style
    from dcf_spatial.maps.dates import data_date

    _, result = maps_dir
    text = _pdftotext(result["fig3"]["pdf"]).replace(" ", "")
    assert "示意图层" in text
    assert "镇（街道）界（示意）" in text
    assert "千米" in text  # scale bar in km
    assert "北" in text  # north arrow
    # the date is the data's (the newest update of the layers drawn), not the clock's
    assert "数据日期：" + data_date(style.appendix_spec("fig3")["layers"], store=store).isoformat() in text
    assert "测试镇3" in text  # township names are labelled


@needs_poppler()
def test_the_two_canals_are_named_apart_in_print_legends_and_labels(maps_dir):
    """canal.grand_canal and canal.xiao_yunhe were both drawn and listed as 京杭大运河."""
    import matplotlib.pyplot as plt

    from dcf_spatial.store.catalog import read_layer
    from dcf_spatial.maps import print_labels, style

    _, result = maps_dir
    for key in ("fig1", "fig3"):
        text = _pdftotext(result[key]["pdf"]).replace(" ", "")
        assert "小运河" in text and "京杭大运河" in text, key  # one legend entry each
    # the labels along the lines (rotated: pdftotext does not extract them) name each canal
    fig, ax = plt.subplots()
    frames = {lid: read_layer(lid) for lid in ("district", "townships", "canal", "agri_zones")}
    district = print_labels.dcf_crs.to_working(frames["district"])
    texts = print_labels._line_labels(ax, frames, style.section("print"), district,
                                  avoid=print_labels._label_obstacles(frames, style.appendix_spec("fig3")))
    plt.close(fig)
    assert sorted(t.get_text() for t in texts) == ["京杭大运河", "小运河"]
    assert len({t.get_color() for t in texts}) == 2


def test_the_two_canals_are_styled_apart_in_web_maps(maps_dir):
    import json
    import re

    _, result = maps_dir
    html = result["fig3"]["html"].read_text(encoding="utf-8")
    payloads = [json.loads(m.group(1)) for m in re.finditer(r"= dcf\.layer\([\w.]+, (\{.*?\})\);\n", html)]
    (canal,) = [p for p in payloads if p.get("title") == "运河"]
    assert len({st["color"] for st in canal["styles"]}) == 2 and len(set(canal["k"])) == 2
    assert sorted(t for _, _, t in canal["labels"]) == ["京杭大运河", "小运河"]
    assert '"label":"小运河","kind":"line"' in html and '"label":"京杭大运河","kind":"line"' in html  # legend


@needs_poppler()
def test_enterprises_without_location_are_listed_not_drawn(maps_dir):
    """Enterprises with location_known = false were drawn as a misleading block of dots."""
    import json
    import re

    _, result = maps_dir
    text = _pdftotext(result["fig2"]["pdf"]).replace(" ", "").replace("\n", "")
    assert "规划未给出位置的点名企业1家" in text and "无位置企业" in text
    html = result["fig2"]["html"].read_text(encoding="utf-8")
    payloads = [json.loads(m.group(1)) for m in re.finditer(r"= dcf\.layer\([\w.]+, (\{.*?\})\);\n", html)]
    (ents,) = [p for p in payloads if p.get("title") == "规划点名企业（位置示意）"]
    assert ents["n"] == 1 and ents["props"]["name_zh"] == ["测试企业"]  # only the located one is a point
    assert "无位置企业" in html  # ... the other is named in the legend note


def test_split_unlocated_keeps_every_row_once():
    import geopandas as gpd
    from shapely.geometry import Point

    from dcf_spatial.maps import style

    gdf = gpd.GeoDataFrame({"name_zh": ["甲", "乙", "丙"], "location_known": [True, False, None]},
                           geometry=[Point(0, 0)] * 3, crs="EPSG:4490")
    located, unlocated = style.split_unlocated(gdf, "anchor_enterprises")
    assert located["name_zh"].tolist() == ["甲", "丙"] and unlocated["name_zh"].tolist() == ["乙"]
    assert "乙" in style.unlocated_note(unlocated, "anchor_enterprises")
    # a layer without located_field is drawn whole
    assert len(style.split_unlocated(gdf, "townships")[0]) == 3


def test_png_is_at_least_200_dpi_and_not_blank(maps_dir):
    from PIL import Image

    _, result = maps_dir
    for key in ("fig1", "fig2", "fig3"):
        png = result[key]["png"]
        with Image.open(png) as im:
            assert im.size[0] >= int(16.5 * 200) and im.size[1] >= int(11.6 * 200)
        assert not image_is_blank(png)


def test_refuses_to_overwrite_without_flag(maps_dir, store):
    from dcf_spatial.maps import appendix

    out, result = maps_dir
    before = result["fig2"]["pdf"].stat().st_mtime_ns
    with pytest.raises(InputError, match=r"\.pdf 已存在，未覆盖。要替换已有文件，请允许覆盖（overwrite=True）"):
        appendix.appendix_maps(out, keys=("fig2",), formats=("pdf",))
    assert result["fig2"]["pdf"].stat().st_mtime_ns == before


@needs_poppler()
def test_planner_restyles_title_in_the_style_file(store, tmp_path, monkeypatch):
    from dcf_spatial.maps import print_layout
    from dcf_spatial.maps import style as map_style

    text = map_style.style_path.read_text(encoding="utf-8")
    assert 'title = "聊城市东昌府区七大农业示范园区示意图"' in text
    custom = tmp_path / "style.toml"
    custom.write_text(text.replace('title = "聊城市东昌府区七大农业示范园区示意图"', 'title = "东昌府区农业园区分布图（修订稿）"'),
                      encoding="utf-8")
    monkeypatch.setattr(map_style, "style_path", custom)
    paths = print_layout.print_map("fig3", tmp_path, formats=("pdf",))
    assert "东昌府区农业园区分布图（修订稿）" in _pdftotext(paths["pdf"]).replace(" ", "")


def test_missing_glyphs_fail_loudly():
    from dcf_spatial.maps import fonts

    fonts.check_text("聊城市东昌府区")  # covered
    with pytest.raises(fonts.FontError) as err:
        fonts.check_text("附图\ue000")  # a private-use character no font covers
    msg = str(err.value)  # names the text and the character (as its repr), says what it would do and the fix
    assert "附图" in msg and "ue000' 的字形" in msg and "方框（tofu）" in msg and "改用其他字体" in msg


def test_missing_layer_is_named(tmp_path, monkeypatch):
    from dcf_spatial.maps import print_layout

    monkeypatch.setattr(settings, "store", tmp_path / "nothing.gpkg")
    with pytest.raises(InputError, match=r"需要图层 '(district|townships|other_units)'.*nothing\.gpkg 不存在"):
        print_layout.print_map("fig1", tmp_path, formats=("png",))


@needs_chromium()
def test_appendix_html_opens_offline_with_its_layers(maps_dir, tmp_path):
    _, result = maps_dir
    rep = open_offline(result["fig2"]["html"], screenshot=tmp_path / "fig2.png", evaluate={
        "layers": "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label')).map(e => e.textContent.trim())",
        "title": "document.querySelector('.dcf-title-main').textContent",
        "legend": "document.querySelector('.dcf-legend').textContent",
    })
    assert rep.external_requests == []
    assert rep.console_errors == [] and rep.page_errors == []
    assert rep.evaluated["layers"] == ["开发区托管镇（街道）（规划范围外）", "镇（街道）界（示意）", "工业集聚区", "功能园区",
                                       "河流（示意）", "道路（示意）", "铁路（示意）", "运河", "区界（法定行政区域）",
                                       "规划点名企业（位置示意）"]
    assert rep.evaluated["title"] == "附图2  " + TITLES["fig2"]
    assert "示意图层" in rep.evaluated["legend"]
    assert not image_is_blank(rep.screenshot)


@needs_chromium()
def test_measure_control_measures_in_km(maps_dir):
    _, result = maps_dir

    def act(page):
        page.click("text=测距")
        box = page.evaluate("""(() => { const m = window.dcfMap, r = m.getContainer().getBoundingClientRect();
            const a = m.latLngToContainerPoint([36.40, 115.80]), b = m.latLngToContainerPoint([36.40, 115.90]);
            return [a.x + r.left, a.y + r.top, b.x + r.left, b.y + r.top]; })()""")
        page.mouse.click(box[0], box[1])
        page.wait_for_timeout(400)  # not a double click
        page.mouse.click(box[2], box[3])
        page.wait_for_timeout(200)

    rep = open_offline(result["fig3"]["html"], actions=act,
                       evaluate={"out": "document.querySelector('.dcf-measure-out').textContent"})
    value = float(rep.evaluated["out"].split()[0])
    assert rep.evaluated["out"].endswith("千米")
    assert 8.5 < value < 9.5  # 0.1° of longitude at 36.4°N is about 8.95 km
    assert rep.console_errors == [] and rep.page_errors == [] and rep.external_requests == []


@needs_chromium()
def test_fullscreen_control_puts_the_map_in_fullscreen(maps_dir):
    _, result = maps_dir
    rep = open_offline(result["fig1"]["html"], actions=lambda page: (page.click("text=全屏"), page.wait_for_timeout(300)),
                       evaluate={"fs": "document.fullscreenElement ? document.fullscreenElement.className : ''"})
    assert "leaflet-container" in rep.evaluated["fs"]
    assert rep.console_errors == [] and rep.page_errors == [] and rep.external_requests == []


def test_chinese_wrapping_keeps_punctuation_off_line_starts():
    from dcf_spatial.maps.print_labels import _wrap

    text = "主导产业：智能制造（高档数控机床、机器人）；新能源新材料；农副产品深加工；现代物流、电子商务；科技研发、金融保险、会展"
    lines = _wrap(text, 17).split("\n")
    assert "".join(lines) == text
    assert all(line[0] not in "、，；：。）" for line in lines)


def test_cli_appendix_writes_and_refuses(store, tmp_path):
    from dcf_spatial.cli.main import cli

    runner = CliRunner()
    res = runner.invoke(cli, ["--store", str(store), "maps", "appendix", "--out", str(tmp_path), "--only", "fig3",
                              "--format", "png", "--json"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "fig3_agri_zones.png").exists()
    assert not (tmp_path / "fig1_industry_layout.png").exists()
    again = runner.invoke(cli, ["--store", str(store), "maps", "appendix", "--out", str(tmp_path), "--only", "fig3",
                                "--format", "png"])
    assert again.exit_code != 0 and "--overwrite" in (again.output + str(again.exception))
    assert "fig3_agri_zones.png 已存在" in (again.output + str(again.exception))
    bad = runner.invoke(cli, ["maps", "appendix", "--only", "fig9"])
    assert bad.exit_code == 2 and "fig9" in bad.output


def test_cli_file_draws_any_vector_file(store, tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    from dcf_spatial.cli.main import cli

    src = tmp_path / "parcels.geojson"
    gpd.GeoDataFrame({"name": ["甲", "乙"], "status": ["闲置", "正常"]},
                     geometry=[box(115.75, 36.32, 115.76, 36.33), box(115.8, 36.35, 115.81, 36.36)],
                     crs="EPSG:4490").to_file(src)
    out = tmp_path / "parcels.html"
    runner = CliRunner()
    res = runner.invoke(cli, ["--store", str(store), "maps", "file", str(src), "-o", str(out),
                              "--label-field", "name", "--status-field", "status"])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "闲置（1）" in html and "正常（1）" in html and "parcels.geojson" in html
    again = runner.invoke(cli, ["--store", str(store), "maps", "file", str(src), "-o", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output
    # a field the file lacks is named with the option that asked for it, never as a library argument
    bad = runner.invoke(cli, ["--store", str(store), "maps", "file", str(src), "-o", str(tmp_path / "b.html"),
                              "--status-field", "状态"])
    assert bad.exit_code == 2 and "--status-field" in bad.output and "'状态'" in bad.output
    assert "answer_map" not in bad.output and "status_field" not in bad.output
    assert not (tmp_path / "b.html").exists()


def test_library_messages_name_no_cli_option(store, tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    from dcf_spatial.maps import answer_map, appendix

    site = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[box(115.75, 36.32, 115.76, 36.33)], crs="EPSG:4490")
    path = answer_map(site, tmp_path / "a.html", title="t", context=[])
    with pytest.raises(InputError) as err:
        answer_map(site, path, title="t", context=[])
    assert "已存在" in str(err.value) and "--" not in str(err.value)
    with pytest.raises(InputError) as err:
        answer_map(site, tmp_path / "b.html", title="t", status_field="状态", context=[])
    assert "answer_map" not in str(err.value) and "--" not in str(err.value)
    for call in (lambda: appendix.appendix_paths(tmp_path, keys=["fig9"]),
                 lambda: appendix.appendix_paths(tmp_path, formats=["svg"])):
        with pytest.raises(InputError) as err:
            call()
        assert "--" not in str(err.value)


def test_cli_layers_map(store, tmp_path):
    from dcf_spatial.cli.main import cli

    out = tmp_path / "layers.html"
    runner = CliRunner()
    res = runner.invoke(cli, ["--store", str(store), "maps", "layers", "townships", "agri_zones", "-o", str(out),
                              "--title", "农业示范区分布"])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "农业示范区分布" in html and "现代中药产业示范区" in html
    bad = runner.invoke(cli, ["--store", str(store), "maps", "layers", "no_such_layer", "-o", str(tmp_path / "n.html")])
    assert bad.exit_code != 0 and "no_such_layer" in (bad.output + str(bad.exception))
    assert not (tmp_path / "n.html").exists()


SHIPPED_HTML = sorted((Path(__file__).resolve().parents[1] / "maps").glob("*.html"))


@needs_chromium()
@pytest.mark.parametrize("html", SHIPPED_HTML, ids=[p.stem for p in SHIPPED_HTML])
def test_shipped_appendix_html_opens_offline(html):
    """The committed maps/*.html (what the README links to) open with the network cut."""
    rep = open_offline(html, evaluate={"n": "document.querySelectorAll('.leaflet-control-layers-overlays label').length"})
    assert rep.external_requests == [] and rep.console_errors == [] and rep.page_errors == []
    assert rep.evaluated["n"] >= 8


@needs_poppler()
def test_a_zone_of_two_pieces_is_labelled_on_each_piece(maps_dir):
    _, result = maps_dir
    text = _pdftotext(result["fig3"]["pdf"]).replace(" ", "")
    # legend entry + product list + one label on each of the two pieces (was: a label on one piece only)
    assert text.count("高标准蔬菜产业示范区") >= 4
    assert text.count("现代中药产业示范区") == 3  # one piece: legend + product list + one label


@pytest.fixture
def map_font():
    """Draw as the print maps do: with the maps' CJK font subset (print_map sets it for its figure only)."""
    import matplotlib

    from dcf_spatial.maps import fonts

    matplotlib.use("Agg")
    text = "近远①嘉明经济开发区主导产业：很长的名称第项（含括注、说明）；等轴承保持器智能制造产业园"
    with matplotlib.rc_context(fonts.print_rc(text)):
        yield


def _axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 4))
    ax.set_xlim(0, 10_000)
    ax.set_ylim(0, 10_000)
    return fig, ax


def test_far_labels_get_a_leader_and_near_ones_do_not(map_font):
    import matplotlib.pyplot as plt
    from shapely.geometry import box

    from dcf_spatial.maps import print_labels, style

    pr = style.section("print")
    fig, ax = _axes()
    zone = box(1000, 1000, 2000, 2000)
    near = print_labels._zone_label(ax, 1500, 2050, "近", pr)
    far = print_labels._zone_label(ax, 8000, 8000, "远", pr)
    assert print_labels._leaders(ax, [(near, zone)], 500) == 0
    lines_before = len(ax.lines)
    assert print_labels._leaders(ax, [(far, zone)], 500) == 1
    (x0, x1), (y0, y1) = ax.lines[lines_before].get_data()
    assert zone.buffer(1).contains(box(x1, y1, x1, y1))  # the leader ends on the zone
    plt.close(fig)


def test_panel_header_fits_its_panel_width_and_height(map_font):
    import matplotlib.pyplot as plt

    from dcf_spatial.maps import print_labels, style

    pr = style.section("print")
    fig = plt.figure(figsize=(pr["page_width_in"], pr["page_height_in"]))
    industries = "；".join(f"很长的主导产业名称第{i}项（含括注、说明）" for i in range(12))
    text = print_labels._panel_header("① 嘉明经济开发区", industries, 0.144, 0.152, fig, pr)
    t = fig.text(0.3, 0.3, text, fontsize=pr["label_size"] - 0.5, linespacing=1.3)
    fig.canvas.draw()
    bb = t.get_window_extent().transformed(fig.transFigure.inverted())
    assert bb.width <= 0.144 and bb.height <= 0.152
    assert text.startswith("① 嘉明经济开发区\n主导产业：") and text.endswith("等")
    plt.close(fig)


def test_labels_are_pulled_inside_the_panel_and_long_names_wrap(map_font):
    import matplotlib.pyplot as plt

    from dcf_spatial.maps import print_labels, style

    pr = style.section("print")
    assert print_labels._two_lines("轴承保持器智能制造产业园", pr) == "轴承保持器智能制造\n产业园"
    assert print_labels._two_lines("新能源汽车小镇·宜游板块", pr) == "新能源汽车小镇·\n宜游板块"
    assert print_labels._two_lines("物流产业园", pr) == "物流产业园"
    fig, ax = _axes()
    t = print_labels._zone_label(ax, 50, 5000, "轴承保持器智能制造\n产业园", pr)
    print_labels._keep_inside(ax, [t])
    fig.canvas.draw()
    bb = t.get_bbox_patch().get_window_extent().transformed(ax.transAxes.inverted())
    assert bb.x0 >= 0.02 and bb.x1 <= 0.98
    plt.close(fig)


def test_township_name_under_a_panel_frame_moves_below_it():
    from shapely.geometry import Point, box

    from dcf_spatial.maps import print_labels

    frame = box(0, 0, 100, 100)
    assert print_labels._move_off(Point(50, 50), frame, 10).coords[0] == (50, -10)
    assert print_labels._move_off(Point(500, 50), frame, 10).coords[0] == (500, 50)


def test_web_map_labels_each_piece_of_a_two_piece_zone(maps_dir):
    import json
    import re

    _, result = maps_dir
    html = result["fig3"]["html"].read_text(encoding="utf-8")
    payloads = [json.loads(m.group(1)) for m in re.finditer(r"= dcf\.layer\([\w.]+, (\{.*?\})\);\n", html)]
    (agri,) = [p for p in payloads if p.get("title") == "农业示范区"]
    names = [t for _, _, t in agri["labels"]]
    assert names.count("高标准蔬菜产业示范区") == 2 and names.count("现代中药产业示范区") == 1


@needs_chromium()
def test_legend_never_covers_the_layer_list_in_a_small_window(maps_dir):
    """Fig. 1 has the longest legend and layer list; in a laptop-sized window the legend must scroll
    inside the height the layer list leaves free instead of covering its last entries."""
    _, result = maps_dir
    rep = open_offline(result["fig1"]["html"], size=(1280, 720), evaluate={
        "boxes": """(() => { const r = e => { const b = document.querySelector(e).getBoundingClientRect();
                      return [b.top, b.bottom]; };
                      return [r('.leaflet-control-layers'), r('.dcf-legend')]; })()""",
    })
    (list_top, list_bottom), (legend_top, legend_bottom) = rep.evaluated["boxes"]
    assert list_bottom <= legend_top, rep.evaluated["boxes"]
    assert legend_bottom <= 720


@needs_poppler()
def test_pdf_date_is_the_map_date_so_a_rerun_gives_the_same_file(maps_dir, store):
    from dcf_spatial.maps import style
    from dcf_spatial.maps.dates import data_date

    _, result = maps_dir
    made_on = data_date(style.appendix_spec("fig1")["layers"], store=store)
    info = subprocess.run(["pdfinfo", "-isodates", str(result["fig1"]["pdf"])], capture_output=True, text=True,
                          check=True).stdout
    created = next(line.split(None, 1)[1].strip() for line in info.splitlines() if line.startswith("CreationDate"))
    assert created.startswith(made_on.isoformat() + "T00:00:00")  # the data's date, not the second of writing
