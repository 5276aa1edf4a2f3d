"""Benchmark: a web map of 100,000 parcels — HTML size, time to the load event, time until every
parcel is drawn, and panning, in headless Chromium (network cut).

    python benchmarks/bench_webmap.py                 # 100,000 synthetic parcels, dcf answer_map
    python benchmarks/bench_webmap.py --n 20000 --baseline   # also plain folium.GeoJson for comparison

The parcels are synthetic (合成数据): jittered 5–7-vertex polygons on a grid over the district,
seeded, with a name, a status and an area. Figures are printed as a table and as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def synthetic_parcels(n: int, *, seed: int = 20210):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    x0, y0, w, h = 115.70, 36.25, 0.55, 0.42
    dx, dy = w / side, h / side
    k = rng.integers(5, 8, size=n)
    polys = []
    for i in range(n):
        cx = x0 + (i % side + 0.5) * dx
        cy = y0 + (i // side + 0.5) * dy
        ang = np.sort(rng.uniform(0, 2 * np.pi, k[i]))
        r = rng.uniform(0.30, 0.48, k[i])
        polys.append(np.column_stack([cx + r * dx * np.cos(ang), cy + r * dy * np.sin(ang)]))
    geoms = [shapely.Polygon(p) for p in polys]
    status = rng.choice(["正常", "低效", "闲置", "需核实"], size=n, p=[0.7, 0.15, 0.1, 0.05])
    gdf = gpd.GeoDataFrame(
        {"parcel_id": [f"HC{i:06d}" for i in range(n)],
         "name": [f"合成地块{i:06d}" for i in range(n)],
         "status": status,
         "area_mu": np.round(rng.uniform(5, 120, n), 2),
         "data_note": ["合成数据"] * n},
        geometry=geoms, crs="EPSG:4490")
    return gdf


def measure(html: Path, *, ready_expr: str | None) -> dict:
    from playwright.sync_api import sync_playwright

    from browser import chromium_path

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, offline=True)
        external = []
        ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "about:"))
                  else (external.append(r.request.url), r.abort()))
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        t0 = time.perf_counter()
        page.goto(html.resolve().as_uri(), wait_until="load", timeout=180_000)
        wall_load = time.perf_counter() - t0
        nav = page.evaluate("(() => { const n = performance.getEntriesByType('navigation')[0];"
                            " return {load: n.loadEventStart, dcl: n.domContentLoadedEventEnd}; })()")
        ready_ms = None
        if ready_expr:
            page.wait_for_function(ready_expr, timeout=180_000)
            ready_ms = page.evaluate("performance.now()")
        # pan: 10 programmatic pans, each waits for the canvas redraw (two animation frames)
        pan = page.evaluate("""async () => {
            const m = window.dcfMap || Object.values(window).find(v => v && v._container && v.panBy);
            const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
            const t = []; for (let i = 0; i < 10; i++) { const s = performance.now();
              m.panBy([i % 2 ? 300 : -300, 150], {animate: false}); await frame(); t.push(performance.now() - s); }
            t.sort((a, b) => a - b); return {median: t[5], max: t[9]}; }""")
        browser.close()
    return {"load_event_ms": round(nav["load"]), "dom_content_loaded_ms": round(nav["dcl"]),
            "wall_load_s": round(wall_load, 2), "all_drawn_ms": round(ready_ms) if ready_ms else None,
            "pan_median_ms": round(pan["median"]), "pan_max_ms": round(pan["max"]),
            "external_requests": len(external), "page_errors": errors}


def _median_of(runs: list[dict]) -> dict:
    out = dict(runs[0])
    for key in ("load_event_ms", "dom_content_loaded_ms", "wall_load_s", "all_drawn_ms", "pan_median_ms", "pan_max_ms"):
        vals = sorted(r[key] for r in runs if r[key] is not None)
        out[key] = vals[len(vals) // 2] if vals else None
    out["runs"] = len(runs)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="number of parcels (default 100,000)")
    ap.add_argument("--baseline", action="store_true", help="also measure plain folium.GeoJson maps")
    ap.add_argument("--context", action="store_true", help="draw the default context layers too (needs the store)")
    ap.add_argument("--out", type=Path, default=None, help="keep the HTML files in this folder")
    ap.add_argument("--repeat", type=int, default=3, help="browser runs per map; the median is reported")
    args = ap.parse_args(argv)

    from dcf_spatial.maps.webmap import answer_map

    out = args.out or Path(tempfile.mkdtemp(prefix="bench_webmap_"))
    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    parcels = synthetic_parcels(args.n)
    gen_s = time.perf_counter() - t
    rows = []

    t = time.perf_counter()
    path = answer_map(parcels, out / "dcf_answer_map.html", title=f"基准测试：{args.n:,} 个合成地块",
                      label_field="name", status_field="status",
                      popup_fields={"parcel_id": "编号", "name": "名称", "status": "状态", "area_mu": "面积（亩）",
                                    "data_note": "数据"},
                      context=None if args.context else [], provenance_note="合成数据（基准测试）", overwrite=True)
    write_s = time.perf_counter() - t
    m = _median_of([measure(path, ready_expr="window.dcfReady === true") for _ in range(args.repeat)])
    rows.append({"map": "dcf answer_map (integer-delta, canvas)", "mb": round(path.stat().st_size / 1e6, 1),
                 "write_s": round(write_s, 1), **m})

    if args.baseline:
        import folium

        for label, kwargs in [("folium.GeoJson (plain)", {}),
                              ("folium.GeoJson (canvas, 5 decimals)", {"canvas": True})]:
            gdf = parcels
            if kwargs.get("canvas"):
                import shapely

                gdf = parcels.set_geometry(shapely.transform(parcels.geometry.values, lambda c: np.round(c, 5)))
            fmap = folium.Map(location=[36.45, 115.97], zoom_start=11, prefer_canvas=bool(kwargs.get("canvas")))
            t = time.perf_counter()
            folium.GeoJson(gdf.to_json(drop_id=bool(kwargs.get("canvas"))), name="parcels",
                           tooltip=folium.GeoJsonTooltip(["name"])).add_to(fmap)
            p = out / f"baseline_{'canvas' if kwargs.get('canvas') else 'plain'}.html"
            # same offline footing as ours: Leaflet inlined instead of the CDN links
            from branca.element import Element

            from dcf_spatial.maps import offline

            offline.strip_cdn_links(fmap)
            fmap.get_root().header.add_child(Element("<style>" + offline.leaflet_css() + "</style><script>"
                                                     + offline.leaflet_js() + "</script>"), name="leaflet_inline")
            fmap.save(str(p))
            ws = time.perf_counter() - t
            mb = _median_of([measure(p, ready_expr=None) for _ in range(args.repeat)])
            rows.append({"map": label, "mb": round(p.stat().st_size / 1e6, 1), "write_s": round(ws, 1), **mb})

    print(f"{args.n:,} synthetic parcels (generated in {gen_s:.1f} s); files in {out}")
    print(f"{'map':42s} {'MB':>6s} {'write s':>8s} {'load ms':>8s} {'drawn ms':>9s} {'pan med/max ms':>15s} {'ext.req':>8s}")
    for r in rows:
        print(f"{r['map']:42s} {r['mb']:6.1f} {r['write_s']:8.1f} {r['load_event_ms']:8d} "
              f"{(r['all_drawn_ms'] or 0):9d} {r['pan_median_ms']:7d}/{r['pan_max_ms']:<7d} {r['external_requests']:8d}")
    print(json.dumps(rows, ensure_ascii=False))
    return rows


if __name__ == "__main__":
    main()
