"""Typed module-level defaults.

Every function that takes an argument left as ``None`` falls back to the value here, so a
program (or a test) can change a default once, e.g. ``settings.store = Path("my.gpkg")``.

Attributes
----------
repo_root : Path
    The checkout this package was installed from (editable install) — where ``layers/`` lives.
store : Path or str
    The layer store: a GeoPackage path or a ``postgresql://`` URL (PostGIS). ``DCF_STORE``
    overrides the shipped default ``layers/dcf_layers.gpkg``.
storage_crs : str
    CRS in which every layer is stored: CGCS2000 geographic, EPSG:4490.
working_crs : str
    CRS for measuring areas, distances and buffers: CGCS2000 3-degree Gauss–Krüger,
    central meridian 117°E, no zone prefix (EPSG:4548).
web_crs : str
    CRS for web maps (Leaflet): EPSG:4326.
output_dir : Path
    Default output folder for maps and reports.
plan_area_official_km2 : float
    The plan's own figure for its 14 units (§1.1, about 945 km²). Reported beside measured
    areas, never used to rescale them.
district_area_official_km2 : float
    Area of the legal district 371502 quoted by the reference data README (1,441 km²).
"""

from __future__ import annotations

import os
from pathlib import Path

package_dir: Path = Path(__file__).resolve().parent
repo_root: Path = package_dir.parent
data_dir: Path = package_dir / "data"
layers_dir: Path = repo_root / "layers"

default_store: Path = layers_dir / "dcf_layers.gpkg"
_env_store = os.environ.get("DCF_STORE", "")
#: a GeoPackage path, or a ``postgresql://`` URL kept as text (``Path`` would collapse its ``//``)
store: Path | str = (
    _env_store if _env_store.startswith(("postgresql://", "postgres://"))
    else Path(_env_store) if _env_store else default_store
)

storage_crs: str = "EPSG:4490"
working_crs: str = "EPSG:4548"
web_crs: str = "EPSG:4326"

output_dir: Path = Path("out")

plan_area_official_km2: float = 945.0
district_area_official_km2: float = 1441.0

#: 1 亩 = 10,000/15 m²
MU_M2: float = 10_000 / 15
