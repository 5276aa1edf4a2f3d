"""Typed module-level defaults.

Every function that takes an argument left as ``None`` falls back to the value here, so a
program (or a test) can change a default once, e.g. ``settings.store = Path("my.gpkg")``.
For one block of code (or one request of a server), prefer
``with dcf_spatial.store.Store(path_or_url).activate(): …``, which is thread and async safe.

Attributes
----------
repo_root : Path
    The checkout this package was installed from (editable install) — where ``layers/`` lives.
store : Path or str
    The layer store in effect: the one a ``Store.activate()`` block made active in this
    thread/task, else the configured default — ``DCF_STORE`` or :data:`default_store`.
    Assigning it changes the configured default (active blocks still win).
default_store : Path
    The shipped default: in a checkout ``layers/dcf_layers.gpkg``; in an installed package the
    GeoPackage shipped as package data (:data:`packaged_store`), or the per-user copy of it
    (:data:`user_store`) once something was written to it.
packaged_store : Path
    The default GeoPackage inside the package (read only: never written in place).
user_store : Path
    Where the packaged default is copied before its first change:
    ``$XDG_DATA_HOME/dcf_spatial/dcf_layers.gpkg`` (``~/.local/share/dcf_spatial/…``).
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
preview_recent_checks : int
    How many of the register's most recent checks an import preview (``dcf layers import … --dry-run``,
    the desk's 试导入) re-runs for the verdicts that would flip (500): its cost stays bounded however long
    the register grows, and its text names what it covered. ``dcf site recheck`` re-runs them all.
"""

from __future__ import annotations

import contextvars
import os
import sys
import types
from pathlib import Path

package_dir: Path = Path(__file__).resolve().parent
repo_root: Path = package_dir.parent
data_dir: Path = package_dir / "data"
layers_dir: Path = repo_root / "layers"

checkout_store: Path = layers_dir / "dcf_layers.gpkg"
packaged_store: Path = package_dir / "store" / "default" / "dcf_layers.gpkg"
user_data_dir: Path = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "dcf_spatial"
user_store: Path = user_data_dir / "dcf_layers.gpkg"
default_store: Path = (
    checkout_store if checkout_store.exists() else user_store if user_store.exists() else packaged_store
)
_env_store = os.environ.get("DCF_STORE", "")
#: the configured store (read it as ``settings.store``): a GeoPackage path, or a ``postgresql://``
#: URL kept as text (``Path`` would collapse its ``//``)
_configured_store: Path | str = (
    _env_store if _env_store.startswith(("postgresql://", "postgres://"))
    else Path(_env_store) if _env_store else default_store
)
#: the store made active by ``Store.activate()`` in this thread / task (see :mod:`dcf_spatial.store`)
active_store: contextvars.ContextVar = contextvars.ContextVar("dcf_active_store", default=None)

storage_crs: str = "EPSG:4490"
working_crs: str = "EPSG:4548"
web_crs: str = "EPSG:4326"

output_dir: Path = Path("out")

plan_area_official_km2: float = 945.0
district_area_official_km2: float = 1441.0
preview_recent_checks: int = 500

#: 1 亩 = 10,000/15 m²
MU_M2: float = 10_000 / 15


class _Settings(types.ModuleType):
    """This module, with ``store`` read through the active-store context."""

    @property
    def store(self) -> Path | str:
        active = active_store.get()
        return self._configured_store if active is None else getattr(active, "location", active)

    @store.setter
    def store(self, value: Path | str) -> None:
        self._configured_store = value


sys.modules[__name__].__class__ = _Settings
