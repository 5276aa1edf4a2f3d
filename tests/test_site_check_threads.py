"""Site checks in many threads at once (the desk serves requests from a thread pool) share one loaded
context; GEOS prepared geometries are not thread-safe (libgeos/geos#825), so each thread tests zones
against its own prepared copy — the same geometry bit for bit — and answers exactly as a lone check."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import shapely

import dcf_spatial as dcf
from dcf_spatial.queries.site.context import load_context, prepared_geoms


def test_each_thread_tests_zones_on_its_own_prepared_copy():
    layer = load_context().layers["industrial_clusters"]
    mine = prepared_geoms(layer)
    got = {}

    def other():
        got["copy"] = prepared_geoms(layer)
        got["again"] = prepared_geoms(layer)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    if mine is not layer.geoms:  # another test's thread asked first: this one has a copy too
        assert mine is not got["copy"]
    assert got["copy"] is not layer.geoms and got["again"] is got["copy"]   # made once per thread
    assert shapely.is_prepared(got["copy"]).all()
    assert all(shapely.equals_exact(a, b, tolerance=0) for a, b in zip(got["copy"], layer.geoms))
    assert prepared_geoms(layer) is mine                                  # and the asking thread keeps its own


def test_twenty_threads_answer_as_twenty_lone_checks():
    # 第八章第一节: 郑家镇工业集聚区 "重点发展轴承及保持器产业"; sites of growing size around its 轴承 park
    sites = ["115.75,36.455"] * 20
    areas = [10 + 15 * i for i in range(20)]
    alone = [dcf.check_site(s, "轴承", area_mu=a).to_dict() for s, a in zip(sites, areas)]

    def one(k):
        return dcf.check_site(sites[k], "轴承", area_mu=areas[k]).to_dict()

    with ThreadPoolExecutor(20) as pool:
        together = list(pool.map(one, range(20)))
    for a, b in zip(alone, together):
        assert a["verdict"] == b["verdict"]
        assert [(z["id"], z["overlap_mu"], z["share"]) for z in a["zones"]] == \
               [(z["id"], z["overlap_mu"], z["share"]) for z in b["zones"]]
