"""A typed ``"lon,lat"`` made ready for the site check without geopandas.

``dcf site check --site 116.0,36.45 --industry C3451`` is one process per check; importing pandas and
geopandas alone cost more than the check itself (~0.6 s of a 1 s start-up). :func:`quick_site` reads
the common case — a longitude/latitude pair in China near the district, no CRS given — with numpy,
shapely and pyproj only, and gives the geometry exactly as :func:`dcf_spatial.places.read_site` →
:func:`~dcf_spatial.queries.site.check.site_geometry` would (same notes, same coordinates to the bit:
the same PROJ transformations in the same order). Everything else — a CRS, a file, WKT, a name, a
point far away, bad figures — returns ``None`` and takes the full reader, which says what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ... import settings


@dataclass(frozen=True)
class QuickSite:
    """A site read on the quick path: its geometry in the working CRS, the reader's notes, and the
    geometry in the storage CRS as the full reader hands it on (what the register keeps)."""

    geometry: object
    notes: tuple[str, ...]
    stored: object = None


@lru_cache(maxsize=8)
def _transformer(source: str, target: str):
    from pyproj import Transformer

    return Transformer.from_crs(source, target, always_xy=True)


def _project(geom, source: str, target: str):
    import shapely

    tr = _transformer(source, target)

    def apply(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, apply)


def quick_site(value, *, crs=None, area_mu: float | None = None, reader: dict | None = None) -> QuickSite | None:
    """The site of a typed ``"lon,lat"`` in the working CRS, or ``None`` when the full reader is needed.

    Parameters
    ----------
    value
        What the user typed for the site.
    crs, area_mu, reader
        As :func:`dcf_spatial.queries.check_site` takes them; any ``crs`` or reader option (other than
        empty ones) leaves the value to the full reader.

    Returns
    -------
    QuickSite or None

    Examples
    --------
    >>> quick_site("116.0,36.45").notes[0][:6]
    '未声明坐标系'
    >>> quick_site("郑家镇") is None
    True
    """
    import shapely

    from ..._validate import figure_problem
    from ...crs.guess import checks, guess_crs, in_china, km_from_district, swapped_degrees
    from ...io.site import _LONLAT_RE, _SITE, disc_note, points_to_discs

    if crs is not None or any(v for v in (reader or {}).values()) or not isinstance(value, str):
        return None
    text = value.strip()
    m = _LONLAT_RE.match(text)
    if not m:
        return None
    x, y = float(m.group(1)), float(m.group(2))
    if not (np.isfinite(x) and np.isfinite(y)) or swapped_degrees(x, y):
        return None
    try:
        guess = guess_crs(np.array([x]), np.array([y]), where=f"{_SITE} {text!r}", names=("经度", "纬度"))
    except Exception:  # noqa: BLE001 — the full reader raises the same error with its context
        return None
    if guess.crs != settings.storage_crs or guess.swap:
        return None
    # io.rows.check_location would add a warning to the row (outside China, far from the district)
    if not (bool(in_china(x, y)) and float(km_from_district(x, y)) <= checks()["far_km"]):
        return None
    notes = [guess.note]
    point = _project(shapely.Point(x, y), settings.storage_crs, settings.working_crs)
    if area_mu is None:
        return QuickSite(point, tuple(notes), shapely.Point(x, y))
    if figure_problem("site_area_mu", area_mu if area_mu == area_mu else "nan"):
        return None
    discs, radius = points_to_discs(np.array([point], dtype=object), np.array([float(area_mu) * settings.MU_M2]))
    notes.append(disc_note(area_mu, radius[0]))
    # read_site hands the disc on in the storage CRS and the check projects it again: the same round trip
    stored = _project(discs[0], settings.working_crs, settings.storage_crs)
    disc = _project(stored, settings.storage_crs, settings.working_crs)
    return QuickSite(disc, tuple(notes), stored)
