"""The site check keeps its prepared layers between checks, for a GeoPackage and for PostGIS, and
drops them as soon as a layer changes (a database is keyed by its layer catalog, which every write
updates, whichever session makes it)."""

from __future__ import annotations

import pytest

from _stores import STORE_KINDS, new_store

# 第八章第一节: 郑家镇工业集聚区 "重点发展轴承及保持器产业"; (115.75, 36.455) lies in the shipped
# (schematic) 郑家镇工业集聚区.
ZHENGJIA = "115.75,36.455"


@pytest.mark.parametrize("store_kind", STORE_KINDS)
def test_context_is_kept_and_follows_a_layer_change(store_kind, tmp_path, request):
    import dcf_spatial as dcf
    from dcf_spatial.queries.site.context import load_context
    from dcf_spatial.store import catalog

    location = new_store(store_kind, tmp_path, request)
    catalog.copy_store(None, location)
    first = load_context(location)
    assert load_context(location) is first                     # kept: nothing changed
    before = dcf.check_site(ZHENGJIA, "轴承", store=location).to_dict()
    assert any(z["id"] == "cluster.zhengjia" for z in before["zones"])

    # a write through the store (its own connection, as another session's would be) removes 郑家镇工业集聚区
    gdf = catalog.read_layer("industrial_clusters", store=str(location))
    catalog.write_layer(gdf[gdf["id"] != "cluster.zhengjia"], "industrial_clusters", store=str(location),
                        source="test: a cluster removed", keep_history=True)
    assert load_context(location) is not first
    after = dcf.check_site(ZHENGJIA, "轴承", store=location).to_dict()
    assert not any(z["id"] == "cluster.zhengjia" for z in after["zones"])
