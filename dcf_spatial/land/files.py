"""Where the dask engine's outputs live in an audit folder, and reading them back.

Kept apart from :mod:`dcf_spatial.land.dask` so that the report writer (:mod:`dcf_spatial.land.report`)
can find a dask run's files without importing the engine that produced them.
"""

from __future__ import annotations

from pathlib import Path

#: the idle audit's complete result: one GeoParquet file per partition
RESULT_FOLDER = "idle_audit.parquet"
#: the dask run's summary (counts, notes, timings), written beside the workbook
SUMMARY_FILE = "idle_audit_summary.json"
#: the efficiency audit's enterprises and parcels (GeoParquet folders) and its summary
EFFICIENCY_ENTERPRISES = "efficiency_enterprises.parquet"
EFFICIENCY_PARCELS = "efficiency_parcels.parquet"
EFFICIENCY_SUMMARY = "efficiency_summary.json"


def read_folder(folder: Path):
    """All GeoParquet files of ``folder`` as one GeoDataFrame, in input order (by ``row``).

    Examples
    --------
    >>> read_folder(Path("out/idle") / RESULT_FOLDER)   # doctest: +SKIP
    """
    import geopandas as gpd
    import pandas as pd

    frames = [gpd.read_parquet(f) for f in sorted(Path(folder).glob("*.parquet"))]
    out = pd.concat(frames, ignore_index=True)
    out = gpd.GeoDataFrame(out, geometry=frames[0].geometry.name, crs=frames[0].crs)
    return out.sort_values("row", kind="stable").reset_index(drop=True)
