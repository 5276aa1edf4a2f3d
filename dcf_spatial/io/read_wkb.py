"""The geometries of a read as GDAL handed them over (WKB), kept for a GeoParquet writer to reuse.

:func:`dcf_spatial.io.read_vector` with ``keep_wkb=True`` puts a :class:`ReadWkb` in the frame's
``attrs[READ_WKB]``: the WKB of every row (an arrow array), the shapely geometries decoded from
it and their validity (tested beside the attributes' read; the rows' check takes it for those very
geometries: :func:`dcf_spatial.io.rows.check_geometries`). A writer whose geometry column still holds those very geometries, in the same order (nothing
repaired, reprojected or reordered since), writes the bytes as read instead of encoding every
geometry again (at 10⁶ parcels ~1.1 s of work that holds the GIL: ``shapely.to_wkb`` and building
the arrow array from a million ``bytes``).
"""

from __future__ import annotations

import operator
import struct

import numpy as np

#: the ``attrs`` key of a frame read with ``keep_wkb=True``
READ_WKB = "read_wkb"

#: the header (byte order, geometry type) of each WKB that ``shapely.to_wkb(flavor="iso")`` writes
#: for a 2D geometry: little endian, the plain types 1–7
_ISO_2D_HEADERS = frozenset(b"\x01" + struct.pack("<I", t) for t in range(1, 8))


class ReadWkb:
    """The WKB of every row of a read and the geometries decoded from it, row for row.

    Parameters
    ----------
    wkb
        A pyarrow binary (chunked) array, one value a row (null for a row without geometry).
    geoms
        The shapely geometries ``shapely.from_wkb`` made of ``wkb``.

    Examples
    --------
    >>> import shapely, pyarrow as pa
    >>> g = shapely.from_wkb([shapely.Point(1, 2).wkb])
    >>> kept = ReadWkb.of_read(ReadWkb.plain(pa.array([shapely.Point(1, 2).wkb])), g)
    >>> kept.for_geometry(g).to_pylist() == [shapely.Point(1, 2).wkb]
    True
    >>> kept.for_geometry(shapely.force_2d(g)) is None   # new objects: encoded again by the writer
    True
    """

    def __init__(self, wkb, geoms, valid=None):
        self.wkb = wkb
        self.geoms = np.asarray(geoms, dtype=object)
        self.valid = valid  # shapely.is_valid of geoms, when the reader computed it (else None)

    @staticmethod
    def plain(wkb):
        """``wkb`` (GDAL's arrow geometry column, perhaps of the ``geoarrow.wkb`` extension type) as a
        plain binary chunked array."""
        import pyarrow as pa

        chunks = [c.storage if isinstance(c, pa.ExtensionArray) else c
                  for c in (wkb.chunks if isinstance(wkb, pa.ChunkedArray) else [wkb])]
        return pa.chunked_array(chunks, type=pa.binary())

    @classmethod
    def of_read(cls, wkb, geoms, valid=None) -> "ReadWkb | None":
        """A :class:`ReadWkb` of the plain binary ``wkb`` (:meth:`plain`), or None when some value is
        not the WKB shapely would write for its geometry (big endian, a Z/M or extended type code):
        then the writer encodes, as before, and the file holds the same bytes whichever way it was read."""
        import pyarrow.compute as pc

        # the few distinct headers, not a test per row
        headers = pc.unique(pc.binary_slice(wkb, 0, 5)).drop_null().to_pylist()
        if not set(headers) <= _ISO_2D_HEADERS:
            return None
        return cls(wkb, geoms, valid)

    def __deepcopy__(self, memo):  # held in a frame's attrs, which pandas deep-copies into every derived frame
        return self

    def _same(self, values) -> bool:
        """True when each geometry of ``values`` is the very one decoded from the read, in the same order."""
        values = np.asarray(values, dtype=object)
        return len(values) == len(self.geoms) and all(map(operator.is_, values, self.geoms))

    def for_geometry(self, values):
        """The WKB of the geometry column ``values`` (a pyarrow binary array), when each of its
        geometries is the very one decoded from the read, in the same order; else None."""
        return self.wkb if self._same(values) else None

    def validity_of(self, values):
        """``shapely.is_valid(values)`` as the reader computed it (beside the attributes' read), when
        each geometry of ``values`` is the very one decoded from the read, in the same order; else None."""
        return self.valid if self.valid is not None and self._same(values) else None
