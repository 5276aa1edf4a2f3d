"""A recorded check names the layer version it answered from, also when an import or reset lands while the
register reads the layers (breaker3 B1: a PostGIS desk recorded every check against the 15-park version of
cluster_parks while it answered with all 16 parks, until restarted).

The register hashes a layer's content once per catalog row and keeps the hash for the process's life. A reset
brings the catalog row of the version before back exactly (number, import hash, time), so a hash kept under that
row must be the hash of that row's content, whatever was imported between the catalog read and the content read.
"""

from __future__ import annotations

import json

import pytest

import dcf_spatial as dcf
from dcf_spatial.register.history import entries
from dcf_spatial.register.versions import frame_sha256, layer_versions
from dcf_spatial.store import catalog

from _stores import STORE_KINDS, checkout_copy

#: 郑家镇工业集聚区, where 轴承 (C3451) fits (第八章第一节)
SITE = "115.75,36.455"
LAYER = "industrial_clusters"


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    return checkout_copy(request, tmp_path)


def _changed_copy(store, tmp_path):
    f = tmp_path / "clusters_changed.gpkg"
    gdf = dcf.layer(LAYER, store=store)
    gdf.drop(columns=["provenance", "source"]).assign(name_zh=gdf["name_zh"] + "（改）").to_file(f, driver="GPKG")
    return f


def _recorded(store, register_id) -> str:
    row = entries(store=store).set_index("id").loc[register_id]
    return json.loads(row["layers"])[LAYER]


def test_an_import_between_the_catalog_read_and_the_layer_read_is_not_recorded_for_the_reset_layer(
        store, tmp_path, monkeypatch):
    """The register reads the catalog, then (hook) another user imports a changed layer, then the register
    reads the layer. After a reset back to the first version, a recorded check answers from the first version's
    content and must name it — not the imported content the race once hashed under the first version's row."""
    changed = _changed_copy(store, tmp_path)
    real_read = catalog.read_layer
    fired = []

    def import_then_read(layer_id, *args, **kw):
        if layer_id == LAYER and not fired:
            fired.append(True)
            dcf.Store(store).import_layer(LAYER, changed, provenance="authoritative")
        return real_read(layer_id, *args, **kw)

    monkeypatch.setattr(catalog, "read_layer", import_then_read)
    layer_versions(store)   # the register's read of the versions, as a recorded check makes it
    monkeypatch.setattr(catalog, "read_layer", real_read)
    assert fired
    imported = frame_sha256(dcf.layer(LAYER, store=store))

    catalog.reset_layer(LAYER, store=store)
    first = frame_sha256(dcf.layer(LAYER, store=store))
    assert first != imported
    answer = dcf.check_site(SITE, "轴承", area_mu=50, store=store, record="恢复之后")
    assert _recorded(store, answer.register_ids[0]) == first
