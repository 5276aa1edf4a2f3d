"""Test helpers of the map tests: open an HTML file in real headless Chromium with the network cut,
and build a tiny fixture layer store.

``open_offline(path)`` drives Debian's ``/usr/bin/chromium`` through Playwright's Python package
(``executable_path``: Playwright downloads no browser). Every request that is not ``file:``,
``data:`` or ``about:`` is aborted and recorded, so a test can assert that nothing left the
machine; console errors and page errors are collected; a screenshot is taken.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


#: CI (``.ci/run``) sets DCF_REQUIRE_BROWSER=1: then a missing browser or poppler fails, never skips
REQUIRE_TOOLS = os.environ.get("DCF_REQUIRE_BROWSER") == "1"


def needs_chromium():
    import pytest

    return pytest.mark.skipif(chromium_path() is None and not REQUIRE_TOOLS, reason="chromium not installed")


def needs_poppler():
    import pytest

    return pytest.mark.skipif(shutil.which("pdftotext") is None and not REQUIRE_TOOLS, reason="poppler-utils not installed")


def chromium_path() -> str | None:
    env = os.environ.get("DCF_CHROMIUM")
    if env and Path(env).exists():
        return env
    for c in CHROMIUM_CANDIDATES:
        if Path(c).exists():
            return c
    return shutil.which("chromium")


@dataclass
class PageReport:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    local_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    screenshot: Path | None = None
    load_ms: float | None = None
    evaluated: dict = field(default_factory=dict)


def open_offline(html: Path, *, screenshot: Path | None = None, evaluate: dict[str, str] | None = None,
                 actions=None, size=(1400, 1000), wait_ready: bool = True, timeout_ms: int = 60_000) -> PageReport:
    """Open ``html`` in headless Chromium with the network cut; return what happened.

    ``evaluate`` maps names to JS expressions evaluated after load (results in ``.evaluated``);
    ``actions(page)`` may click/hover before the screenshot.
    """
    from playwright.sync_api import sync_playwright

    rep = PageReport()
    exe = chromium_path()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu",
                                                               "--disable-background-networking",
                                                               "--disable-component-update", "--disable-sync",
                                                               "--no-first-run"])
        try:
            ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, offline=True)

            def route(r):
                url = r.request.url
                if url.startswith(LOCAL_SCHEMES):
                    rep.local_requests.append(url)
                    r.continue_()
                else:
                    rep.external_requests.append(url)
                    r.abort()

            ctx.route("**/*", route)
            page = ctx.new_page()
            page.on("console", lambda m: rep.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: rep.page_errors.append(str(e)))

            def on_dialog(d):
                rep.dialogs.append(d.message)
                d.dismiss()

            page.on("dialog", on_dialog)
            page.goto(Path(html).resolve().as_uri(), wait_until="load", timeout=timeout_ms)
            rep.load_ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventStart")
            if wait_ready:
                page.wait_for_function("window.dcfReady === true", timeout=timeout_ms)
            if actions is not None:
                actions(page)
            for name, expr in (evaluate or {}).items():
                rep.evaluated[name] = page.evaluate(expr)
            if screenshot is not None:
                page.screenshot(path=str(screenshot))
                rep.screenshot = Path(screenshot)
        finally:
            browser.close()
    return rep


def click_latlng(page, lat: float, lon: float, *, hover: str | None = None, expect: str | None = None,
                 click: bool = True, attempts: int = 3, timeout_ms: int = 5_000) -> None:
    """Hover, then click, the map point (lat, lon) of ``window.dcfMap``, as a user would.

    Waits for the map to stop animating before turning the point into screen pixels, then, when
    ``hover``/``expect`` selectors are given, waits for them (a tooltip, a popup) to appear
    instead of sleeping a fixed time: a loaded CI machine is slower than a laptop. Tries again up
    to ``attempts`` times and fails with the selector that never appeared. ``click=False`` only
    hovers (to read a tooltip before a click hides it).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    where = """(([lat, lon]) => { const m = window.dcfMap, r = m.getContainer().getBoundingClientRect();
               const p = m.latLngToContainerPoint([lat, lon]); return [p.x + r.left, p.y + r.top]; })"""
    last = None
    for _ in range(attempts):
        page.wait_for_function("window.dcfMap && !window.dcfMap._animatingZoom && !(window.dcfMap._panAnim"
                               " && window.dcfMap._panAnim._inProgress)", timeout=timeout_ms)
        x, y = page.evaluate(where, [lat, lon])
        page.mouse.move(x - 3, y - 3)
        page.mouse.move(x, y)
        try:
            if hover:
                page.wait_for_selector(hover, state="attached", timeout=timeout_ms)
            if click:
                page.mouse.click(x, y)
            if expect:
                page.wait_for_selector(expect, state="attached", timeout=timeout_ms)
            return
        except PlaywrightTimeout as exc:
            last = exc
            page.mouse.move(1, 1)  # leave the feature so the next hover is a fresh one
    raise AssertionError(f"after {attempts} tries at ({lat}, {lon}) no element matched "
                         f"{hover!r} (hover) / {expect!r} (click): {last}")


def image_is_blank(png: Path, *, min_colors: int = 8) -> bool:
    """True when the image has (almost) one colour only."""
    import numpy as np
    from matplotlib import image as mpimg

    arr = mpimg.imread(str(png))
    flat = (arr[..., :3] * 255).astype("uint8").reshape(-1, 3)
    sample = flat[:: max(1, len(flat) // 200_000)]
    return len(np.unique(sample, axis=0)) < min_colors


# --- a tiny fixture layer store ----------------------------------------------------------------


#: the fixture's four clusters, one per cell (k = 0…3)
CLUSTER_IDS = ("cluster.jiaming", "cluster.jiaming2", "cluster.zhengjia", "cluster.guangping")


def make_fixture_store(path: Path, *, evil_name: str | None = None) -> Path:
    """Write a small store with every layer id and the counts the catalog expects.

    Geometry is a 5×3 grid of township cells around Liaocheng; zones are boxes inside cells. All
    of it is fixture data (provenance ``schematic``), not the plan's geography.
    """
    import geopandas as gpd
    from shapely.geometry import LineString, Point, box

    from dcf_spatial.store import catalog

    x0, y0, dx, dy = 115.70, 36.30, 0.10, 0.08
    cells = [box(x0 + i * dx, y0 + j * dy, x0 + (i + 1) * dx, y0 + (j + 1) * dy) for j in range(3) for i in range(8)]
    common = {"plan_ref": "第八章（测试）", "provenance": "schematic", "source": "test fixture"}

    def gdf(rows):
        return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4490")

    def sub(cell, f=0.25, g=0.75):
        a, b, c, d = cell.bounds
        return box(a + f * (c - a), b + f * (d - b), a + g * (c - a), b + g * (d - b))

    layers = {
        "district": gdf([{"id": "district.371502", "name_zh": "东昌府区", "geometry": box(x0, y0, x0 + 8 * dx, y0 + 3 * dy), **common}]),
        "townships": gdf([{"id": f"town.3715021{i:02d}000", "name_zh": (evil_name if (evil_name and i == 0) else f"测试镇{i + 1}"),
                           "code12": f"3715021{i:02d}000", "kind": "镇", "geometry": cells[i], **common} for i in range(14)]),
        "other_units": gdf([{"id": f"other.{i}", "name_zh": f"托管街道{i + 1}", "code12": f"3715027{i:02d}000",
                             "kind": "街道", "geometry": cells[14 + i], **common} for i in range(10)]),
        "planning_area": gdf([{"id": "planning_area", "name_zh": "规划范围", "area_km2_measured": 900.0,
                               "area_km2_official": 945.0, "geometry": box(x0, y0, x0 + 8 * dx, y0 + 2 * dy), **common}]),
        "industrial_clusters": gdf([{"id": cid, "name_zh": nm, "industries_gbt4754": "[\"C34\"]", "industries_zh": "[\"智能制造\", \"新材料\"]",
                                     "direction": "东", "host_townships": f"测试镇{k + 1}", "target_2025_yi": 150.0,
                                     "target_2030_yi": 300.0, "geometry": sub(cells[k]), **common}
                                    for k, (cid, nm) in enumerate(zip(CLUSTER_IDS, ["嘉明经济开发区", "嘉明经济开发区第二片区",
                                                                                    "郑家镇工业集聚区", "高精管材特色产业集聚区"]))]),
        # each cluster's parks lie inside it, keyed to it (第八章第一节 “产业园区分区”; store/nesting.py)
        "cluster_parks": gdf([{"id": f"park.t{k}.{j}", "name_zh": f"园区{k}-{j}", "cluster_id": CLUSTER_IDS[k],
                               "geometry": sub(sub(cells[k]), 0.05 + 0.22 * j, 0.22 + 0.22 * j), **common} for k in range(4) for j in range(4)]),
        "agri_zones": gdf([{"id": aid, "name_zh": nm, "products": "[\"西红柿\", \"尖椒\"]", "host_townships": f"测试镇{k + 5}",
                            # the vegetable zone has two pieces, like 侯营 and 沙镇 in the plan
                            "geometry": sub(cells[k + 4]) if k else sub(cells[4]).union(sub(cells[13])), **common}
                           for k, (aid, nm) in enumerate([("agri.vegetable", "高标准蔬菜产业示范区"), ("agri.grain", "高效优质粮食产业示范区"),
                                                          ("agri.grape", "现代有机葡萄产业示范区"), ("agri.tcm", "现代中药产业示范区"),
                                                          ("agri.fishery", "现代渔业示范区"), ("agri.gourd", "东昌葫芦文化产业示范区"),
                                                          ("agri.aroma", "芳香文化博览示范区")])]),
        "service_core": gdf([{"id": "core.city", "name_zh": "中心城区服务业引领核", "geometry": sub(cells[11]), **common}]),
        "service_belts": gdf([{"id": bid, "name_zh": nm, "follows_line": "canal", "geometry": box(x0 + 0.02 + k * 0.25, y0, x0 + 0.05 + k * 0.25, y0 + 3 * dy), **common}
                              for k, (bid, nm) in enumerate([("belt.canal", "大运河文化旅游带"), ("belt.jingjiu", "京九绿色物流带"), ("belt.hunan", "湖南路创新创业带")])]),
        "service_groups": gdf([{"id": gid, "name_zh": nm, "geometry": sub(cells[12], 0.1 + 0.2 * k, 0.25 + 0.2 * k), **common}
                               for k, (gid, nm) in enumerate([("group.leisure", "城市观光休闲组团"), ("group.commerce", "综合性现代商贸组团"),
                                                              ("group.digital", "数字经济创新孵化组团"), ("group.eldercare", "医养结合养老组团")])]),
        "service_points": gdf([{"id": f"point.p{k}", "name_zh": f"特色小镇{k + 1}", "geometry": cells[k].centroid, **common} for k in range(5)]),
        "canal": gdf([{"id": "canal.grand_canal", "name_zh": "京杭大运河（测试）", "geometry": LineString([(x0 + 0.3, y0), (x0 + 0.35, y0 + 0.24)]), **common},
                      {"id": "canal.xiao_yunhe", "name_zh": "小运河（测试）", "geometry": LineString([(x0 + 0.12, y0), (x0 + 0.2, y0 + 0.24)]), **common}]),
        "rivers": gdf([{"id": "river.1", "name_zh": "马颊河", "geometry": LineString([(x0, y0 + 0.2), (x0 + 0.8, y0 + 0.1)]), **common}]),
        "roads": gdf([{"id": "road.1", "name_zh": "聊临路", "geometry": LineString([(x0 + 0.5, y0), (x0 + 0.5, y0 + 0.24)]), **common}]),
        "railways": gdf([{"id": "rail.1", "name_zh": "京九铁路", "geometry": LineString([(x0 + 0.6, y0), (x0 + 0.65, y0 + 0.24)]), **common}]),
        # one enterprise the plan places (location_known) and one it does not (parked in the centre)
        "anchor_enterprises": gdf([{"id": "ent.1", "name_zh": "测试企业", "chain": "轴承", "cluster_id": "cluster.zhengjia",
                                    "location_known": True, "location_note_zh": "点位为示意",
                                    "geometry": Point(x0 + 0.25, y0 + 0.04), **common},
                                   {"id": "ent.2", "name_zh": "无位置企业", "chain": "商贸", "cluster_id": None,
                                    "location_known": False, "location_note_zh": "规划未给出位置",
                                    "geometry": cells[11].centroid, **common}]),
    }
    for lid, g in layers.items():
        catalog.write_layer(g, lid, store=path, source="test fixture")
    return path


def loopback_context(browser, url: str, external: list, *, size=(1400, 900)):
    """A Playwright browser context that lets only the desk at ``url`` (and ``data:``/``blob:``/``about:``) through;
    every other request is aborted and its URL appended to ``external``, so a test can assert nothing left 127.0.0.1."""
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith((url + "/", "data:", "blob:", "about:"))
              else (external.append(r.request.url), r.abort()))
    return ctx


@contextmanager
def desk_page_in_chromium(store=None, *, start: str | None = None):
    """A desk on a free loopback port (``_desk_server.running_desk``) and one page of headless Chromium cut off from
    everything but that desk (:func:`loopback_context`): yields ``(page, url, seen)``, where ``seen["external"]``
    lists the requests that tried to leave 127.0.0.1 and ``seen["errors"]`` the page's script errors. With ``start``
    (a path such as ``"/site"``) the page is opened there and waits for the desk's ``window.dcfReady``."""
    from playwright.sync_api import sync_playwright

    from _desk_server import running_desk

    external, errors = [], []
    with running_desk(store) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = loopback_context(browser, url, external).new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            if start is not None:
                page.goto(url + start, wait_until="load")
                page.wait_for_function("window.dcfReady === true", timeout=60_000)
            yield page, url, {"external": external, "errors": errors}
        finally:
            browser.close()


def start_idle_audit_on_page(page, base: str, tmp_path, *, parcels: int = 40) -> None:
    """On the desk at ``base``: open 闲置土地, upload ``parcels`` seeded synthetic parcels and start the audit job as
    of 2025-12-31 (not waiting for it)."""
    import dcf_spatial as dcf

    files = dcf.write_sample(tmp_path / "sample", parcels=parcels, seed=2, imagery=False)
    page.goto(base + "/audit", wait_until="load")
    page.wait_for_function("window.dcfReady === true", timeout=60_000)
    page.set_input_files("#parcels-file", str(files["parcels"]))
    page.fill("#as-of", "2025-12-31")
    page.click("#audit-go")


def run_idle_audit_on_page(page, base: str, tmp_path) -> None:
    """On the desk at ``base``: open 闲置土地, upload 40 seeded synthetic parcels, run the audit job as of 2025-12-31
    and wait until its answer shows (asserting the job ended ``done``, with the page's error text if not)."""
    start_idle_audit_on_page(page, base, tmp_path)
    page.wait_for_function("window.dcfLastJob && (window.dcfLastJob.status === 'done' || window.dcfLastJob.status === 'failed')",
                           timeout=180_000)
    assert page.evaluate("window.dcfLastJob.status") == "done", page.text_content("#error")
    page.wait_for_selector("#audit-answer:not([hidden])")
