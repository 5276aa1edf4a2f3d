"""The shipped layer store in tests: the skip mark and a site inside one of its zones.

The module-scoped ``real`` fixture (the shipped store's site-check context) is in ``conftest.py``.
"""

from __future__ import annotations

import geopandas as gpd
import pytest

from dcf_spatial import crs, settings

#: skip a test that reads the shipped layer store when it is not built
shipped = pytest.mark.skipif(not settings.default_store.exists(), reason="shipped layer store not built yet")


def inside(ctx, zone_id: str, layer: str | None = None) -> gpd.GeoDataFrame:
    """A site inside zone ``zone_id`` of a site-check context (its representative point; a point zone
    is itself), in the storage CRS; ``layer`` limits the search to one layer. KeyError when absent."""
    layers = [ctx.layers[layer]] if layer is not None else ctx.layers.values()
    for lay in layers:
        ids = list(lay.ids)
        if zone_id in ids:
            g = lay.geoms[ids.index(zone_id)]
            p = g if g.geom_type == "Point" else g.representative_point()
            return crs.to_storage(gpd.GeoDataFrame(geometry=[p], crs=settings.working_crs))
    raise KeyError(zone_id)
