"""The 图层 page in real headless Chromium against the real server: import a moved cluster boundary
through the page (preview → confirm), then reset it; a layer attribute like ``<img src=x onerror=…>``
shows as text; nothing leaves 127.0.0.1. Also takes the README picture (docs/img/desk_layers.png)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from _desk_server import running_desk
from browser import chromium_path, loopback_context, make_fixture_store, needs_chromium
from test_desk_layers_api import LAYER, _moved_clusters

pytestmark = [pytest.mark.browser, needs_chromium()]

EVIL = "<img src=x onerror=alert(1)>"
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "img" / "desk_layers.png"
#: sites recorded before the import (lon, lat): the fixture's 嘉明经济开发区 box spans lon 115.725–115.775,
#: lat 36.32–36.36; the import moves it 0.03° east (115.755–115.805)
SITES = [(115.73, 36.34), (115.74, 36.34), (115.76, 36.34), (115.77, 36.34), (115.79, 36.34), (115.83, 36.34)]


def _verdicts(store, sites):
    import dcf_spatial as dcf

    return [dcf.check_site(f"{x},{y}", "C34", store=store).verdict for x, y in sites]


def test_import_a_moved_cluster_through_the_page_then_reset(tmp_path):
    import shutil

    import dcf_spatial as dcf
    from playwright.sync_api import sync_playwright

    from dcf_spatial.store import catalog

    store = make_fixture_store(tmp_path / "store.gpkg")
    ids = [dcf.check_site(f"{x},{y}", "C34", store=store, record=True).register_ids[0] for x, y in SITES]
    before = catalog.read_layer(LAYER, store=store).set_index("id").geometry
    moved = _moved_clusters(store, tmp_path / "嘉明集聚区调整.geojson", dx=0.03, name=EVIL)
    # which recorded checks flip: the same sites checked on a copy of the store holding the moved layer
    copy = shutil.copyfile(store, tmp_path / "copy.gpkg")
    catalog.import_layer(LAYER, moved, store=copy, provenance="authoritative")
    recorded, fresh = _verdicts(store, SITES), _verdicts(copy, SITES)
    flipped = sorted(i for i, a, b in zip(ids, recorded, fresh) if a != b)
    assert flipped, "the move should flip at least one recorded verdict"

    seen = {"external": [], "dialogs": [], "errors": []}
    with running_desk(store) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu",
                                                                            "--disable-background-networking"])
        try:
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})

            def route(r):
                u = r.request.url
                if u.startswith((url + "/", "data:", "blob:", "about:")):
                    r.continue_()
                else:
                    seen["external"].append(u)
                    r.abort()

            ctx.route("**/*", route)
            page = ctx.new_page()
            page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: seen["errors"].append(str(e)))
            page.goto(url + "/layers", wait_until="load")
            page.wait_for_function("window.dcfReady === true", timeout=60_000)
            # the catalog with its provenance badges
            row = page.locator(f'#catalog tbody tr[data-id="{LAYER}"]')
            assert "示意" in row.text_content()
            row.click()
            page.wait_for_function(f"window.dcfLayerShown === '{LAYER}' && window.dcfVersions", timeout=60_000)
            assert "第 1 版" in page.text_content("#versions") and page.locator(".reset-btn").count() == 0

            # import: preview what changes
            page.set_input_files("#import-file", str(moved))
            page.fill("#import-note", "测试：集聚区边界调整")
            # the 来源类别 has no default: a re-imported schematic layer must not become 权威 unnoticed
            page.click("#import-preview")
            page.wait_for_function("document.getElementById('error').textContent.includes('来源类别')")
            page.select_option("#import-provenance", "authoritative")
            page.click("#import-preview")
            page.wait_for_function("window.dcfLastPreview || document.getElementById('error').textContent",
                                   timeout=120_000)
            assert page.text_content("#error") == ""
            preview = page.evaluate("window.dcfLastPreview")
            assert [m["编号"] for m in preview["moved"]] == ["cluster.jiaming"]
            assert preview["register"]["flipped"] == flipped
            assert "cluster.jiaming" in page.text_content("#preview-moved")
            # the count says what really moved, in words (a new user's QA, finding 13)
            assert "位置或边界改变 1（移动超过 1 米）" in page.text_content("#preview-summary")
            assert EVIL in page.text_content("#preview-moved")   # the new name, as text
            assert "亩" in page.text_content("#preview-transfers")
            flips_shown = [int(t) for t in page.locator("#preview-flips tbody tr td:first-child").all_text_contents()]
            assert flips_shown == flipped
            # and their sites on the map, labelled with the change
            assert sorted(f["properties"]["登记号"] for f in preview["flipped_sites"]["features"]) == flipped
            assert page.locator(".leaflet-tooltip").count() == len(flipped)
            # the sample parcels whose cluster would change (issue 15: preview before import), one table row each
            assert preview["sample_note"] and preview["parcels"], "moving 嘉明 must move some sample parcels"
            shown = page.locator("#preview-parcels tbody tr td:first-child").all_text_contents()
            assert shown == [r["宗地代码"] for r in preview["parcels"][:200]]
            assert str(len(preview["parcels"])) in page.text_content("#preview-parcels-note")
            assert catalog.describe_layer(LAYER, store=store)["version"] == 1   # nothing written yet
            assert page.evaluate("document.querySelectorAll('.leaflet-overlay-pane path').length") > 4  # + the upload

            # confirm: exactly the previewed file becomes version 2
            page.click("#import-confirm")
            page.wait_for_function("window.dcfLastWrite && window.dcfLastWrite.version === 2", timeout=120_000)
            page.wait_for_function("window.dcfVersions && window.dcfVersions.current.version === 2", timeout=60_000)
            assert "已导入" in page.text_content("#done")
            now = catalog.read_layer(LAYER, store=store).set_index("id")
            import geopandas as gpd

            sent = gpd.read_file(moved).set_index("id")
            assert now.geometry["cluster.jiaming"].equals_exact(sent.geometry["cluster.jiaming"], 1e-9)
            assert now.loc["cluster.jiaming", "name_zh"] == EVIL
            assert "权威" in page.locator(f'#catalog tbody tr[data-id="{LAYER}"]').text_content()
            # the attribute on the map: a popup shows it as text
            page.wait_for_function(f"window.dcfLayerShown === '{LAYER}'", timeout=60_000)
            page.evaluate("""() => { let done = false; window.dcfMap.eachLayer(l => {
                if (!done && l.feature && l.feature.properties.id === 'cluster.jiaming') { l.openPopup(); done = true; } }); }""")
            page.wait_for_selector(".leaflet-popup-content", timeout=60_000)
            assert EVIL in page.text_content(".leaflet-popup-content")
            assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0

            # reset to version 1, with an explicit confirm
            page.click(".reset-btn")
            assert "第 1 版" in page.text_content("#reset-question")
            page.click("#reset-confirm")
            page.wait_for_function("window.dcfLastWrite && window.dcfLastWrite.version === 1", timeout=120_000)
            page.wait_for_function("window.dcfVersions && window.dcfVersions.current.version === 1", timeout=60_000)
            assert "已恢复" in page.text_content("#done")
            assert page.text_content("#error") == ""
            # version 1 keeps the time it was made; the reset is said beside it (a new user's QA, finding 14)
            v = page.evaluate("window.dcfVersions")
            first = page.locator("#versions tbody tr").first.text_content()
            assert "恢复为此版本（撤销第 2 版）" in first and v["current"]["made_at"].replace("T", " ") in first
        finally:
            browser.close()
    after = catalog.read_layer(LAYER, store=store).set_index("id").geometry
    assert all(after[i].equals_exact(before[i], 1e-9) for i in before.index)
    assert seen == {"external": [], "dialogs": [], "errors": []}


def test_screenshot_of_an_import_preview_on_the_shipped_layers(tmp_path):
    """The README picture: a copy of the shipped (schematic) layers, five 轴承 checks recorded across
    郑家镇工业集聚区, and the preview of importing that cluster moved 0.015° east."""
    import shutil

    import dcf_spatial as dcf
    from playwright.sync_api import sync_playwright

    from dcf_spatial import settings
    from dcf_spatial.store import catalog

    store = shutil.copyfile(settings.default_store, tmp_path / "store.gpkg")
    for x in (115.73, 115.745, 115.76, 115.775, 115.79):
        dcf.check_site(f"{x},36.45", "轴承", area_mu=50, store=store, record=True)
    import shapely.affinity

    g = catalog.read_layer(LAYER, store=store).drop(columns=["provenance", "source"])
    i = g.index[g["id"] == "cluster.zhengjia"][0]
    g.loc[i, "geometry"] = shapely.affinity.translate(g.geometry[i], xoff=0.015)
    moved = tmp_path / "郑家镇工业集聚区调整.geojson"
    g.to_file(moved, driver="GeoJSON")
    shot = SCREENSHOT if os.environ.get("DCF_WRITE_SCREENSHOTS") == "1" else tmp_path / "layers.png"
    external = []
    with running_desk(store) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        try:
            ctx = loopback_context(browser, url, external)
            page = ctx.new_page()
            page.goto(url + "/layers", wait_until="load")
            page.wait_for_function("window.dcfReady === true", timeout=60_000)
            page.click(f'#catalog tbody tr[data-id="{LAYER}"]')
            page.wait_for_function(f"window.dcfLayerShown === '{LAYER}' && window.dcfVersions", timeout=60_000)
            page.set_input_files("#import-file", str(moved))
            page.fill("#import-note", "示例：集聚区边界调整")
            page.select_option("#import-provenance", "authoritative")
            page.click("#import-preview")
            page.wait_for_function("window.dcfLastPreview || document.getElementById('error').textContent",
                                   timeout=120_000)
            assert page.text_content("#error") == ""
            assert "郑家镇工业集聚区" in page.text_content("#preview-moved")
            page.evaluate("window.dcfMap.setView([36.452, 115.76], 13)")
            page.evaluate("document.getElementById('preview').scrollIntoView()")
            page.wait_for_timeout(500)  # let the map tiles of vector paths settle before the picture
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert external == []
    assert catalog.describe_layer(LAYER, store=store)["version"] == 1   # a preview writes nothing


def test_a_zip_of_several_shapefiles_lists_them_as_text_and_imports_the_one_picked(tmp_path):
    """图层 page: a zip holding two shapefiles is not read by guessing; the page lists the datasets the
    server names (a member called like an HTML tag shows as text), the planner picks one, the preview follows."""
    import zipfile

    from playwright.sync_api import sync_playwright

    from dcf_spatial.store import catalog

    store = make_fixture_store(tmp_path / "store.gpkg")
    moved = _moved_clusters(store, tmp_path / "moved.geojson", dx=0.03)
    import geopandas as gpd

    parts = tmp_path / "parts"
    parts.mkdir()
    gpd.read_file(moved).to_file(parts / "集聚区调整.shp", encoding="utf-8")
    catalog.read_layer(LAYER, store=store)[["id", "name_zh", "geometry"]].to_file(parts / "evil.shp", encoding="utf-8")
    zpath = tmp_path / "两个数据集.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for part in sorted(parts.iterdir()):
            zf.write(part, part.name.replace("evil", EVIL))
    seen = {"external": [], "dialogs": [], "errors": []}
    with running_desk(store) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        try:
            ctx = loopback_context(browser, url, seen["external"])
            page = ctx.new_page()
            page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: seen["errors"].append(str(e)))
            page.goto(url + "/layers", wait_until="load")
            page.wait_for_function("window.dcfReady === true", timeout=60_000)
            page.click(f'#catalog tbody tr[data-id="{LAYER}"]')
            page.wait_for_function(f"window.dcfLayerShown === '{LAYER}' && window.dcfVersions", timeout=60_000)
            assert page.locator("#dataset-box").is_hidden()
            page.set_input_files("#import-file", str(zpath))
            page.select_option("#import-provenance", "authoritative")
            page.click("#import-preview")
            page.wait_for_function("window.dcfDatasets || window.dcfLastPreview || document.getElementById('error').textContent",
                                   timeout=120_000)
            assert page.text_content("#error") == ""
            assert page.locator("#dataset-box").is_visible() and page.locator("#preview").is_hidden()
            assert "2 个数据集" in page.text_content("#dataset-question")
            options = page.locator("#import-layer option").all_text_contents()
            assert sorted(options[1:]) == sorted(["集聚区调整.shp", EVIL + ".shp"])
            assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
            page.select_option("#import-layer", "集聚区调整.shp")   # picking one previews it
            page.wait_for_function("window.dcfLastPreview || document.getElementById('error').textContent",
                                   timeout=120_000)
            assert page.text_content("#error") == ""
            preview = page.evaluate("window.dcfLastPreview")
            assert "cluster.jiaming" in [m["编号"] for m in preview["moved"]]
            assert "cluster.jiaming" in page.text_content("#preview-moved")
            # the count says what really moved, in words (a new user's QA, finding 13)
            assert "位置或边界改变 1（移动超过 1 米）" in page.text_content("#preview-summary")
            assert catalog.describe_layer(LAYER, store=store)["version"] == 1   # nothing written before the confirm
            # another file forgets the choice
            page.set_input_files("#import-file", str(moved))
            assert page.locator("#dataset-box").is_hidden()
        finally:
            browser.close()
    assert seen == {"external": [], "dialogs": [], "errors": []}


def test_an_empty_layer_says_so_with_the_way_back(tmp_path):
    """A layer emptied outside dcf (all features deleted in sqlite3) drew nothing and said nothing on the 图层 page
    (issue 12): the page says 图层为空 and the command that brings it back; a layer with features says nothing."""
    import contextlib
    import sqlite3

    from browser import desk_page_in_chromium

    store = make_fixture_store(tmp_path / "store.gpkg")
    with contextlib.closing(sqlite3.connect(store)) as con, con:
        con.execute(f"DELETE FROM {LAYER}")
    with desk_page_in_chromium(store, start="/layers") as (page, url, seen):
        page.locator('#catalog tbody tr[data-id="townships"]').click()
        page.wait_for_function("window.dcfLayerShown === 'townships' && window.dcfVersions", timeout=60_000)
        assert page.locator("#layer-empty").is_hidden()
        page.locator(f'#catalog tbody tr[data-id="{LAYER}"]').click()
        page.wait_for_function(f"window.dcfLayerShown === '{LAYER}' && window.dcfVersions", timeout=60_000)
        assert page.locator("#layer-empty").is_visible()
        said = page.text_content("#layer-empty")
        assert said.startswith("图层为空（0 个要素）") and f"dcf layers reset {LAYER}" in said, said
        assert "导入新版本" in said
        assert seen["external"] == [] and seen["errors"] == []


def test_a_layer_chosen_after_another_never_shows_or_resets_the_others_versions(tmp_path):
    """breaker B31-8: after choosing another layer, the previous layer's versions table and its 恢复到此版本 button
    stayed on the page until the new layer's versions came; confirming that button's question (which named the old
    layer) reset the NEWLY chosen layer to the old layer's version number — its imported version gone. Now the table
    is cleared at the choice, and a reset goes to the layer its question named."""
    from browser import desk_page_in_chromium

    from dcf_spatial.store import catalog

    store = make_fixture_store(tmp_path / "store.gpkg")
    moved = _moved_clusters(store, tmp_path / "moved.geojson", dx=0.03, name="调整后")
    catalog.import_layer(LAYER, moved, store=store, provenance="authoritative")
    assert catalog.describe_layer(LAYER, store=store)["version"] == 2
    same = tmp_path / "townships.geojson"
    catalog.read_layer("townships", store=store).to_file(same, driver="GeoJSON")
    catalog.import_layer("townships", same, store=store, provenance="reference")   # both can go back to version 1
    with desk_page_in_chromium(store, start="/layers") as (page, url, seen):
        page.locator(f'#catalog tbody tr[data-id="{LAYER}"]').click()
        page.wait_for_function(f"window.dcfLayerShown === '{LAYER}' && window.dcfVersions", timeout=60_000)
        assert page.locator(".reset-btn").count() == 1
        held = []   # the townships versions answer held back, as a big layer's slow answer
        page.route("**/api/layers/townships/versions", lambda r: held.append(r))
        page.locator('#catalog tbody tr[data-id="townships"]').click()
        page.wait_for_function("window.dcfLayerShown === 'townships'", timeout=60_000)
        assert held, "the versions request was made"
        # while townships' versions are on the way: none of the other layer's rows, buttons or question
        assert page.locator("#versions tbody tr").count() == 0
        assert page.locator(".reset-btn").count() == 0
        assert page.locator("#reset-box").is_hidden()
        held[0].continue_()
        page.wait_for_function("window.dcfVersions && window.dcfVersions.current.version === 2", timeout=60_000)
        page.click(".reset-btn")
        assert "第 1 版" in page.text_content("#reset-question")
        page.click("#reset-confirm")
        page.wait_for_function("window.dcfLastWrite && window.dcfLastWrite.version === 1", timeout=120_000)
    assert catalog.describe_layer("townships", store=store)["version"] == 1   # the layer the question named
    assert catalog.describe_layer(LAYER, store=store)["version"] == 2        # the other untouched
    assert seen["errors"] == [] and seen["external"] == []
