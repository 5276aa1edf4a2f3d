"""Compact encoding of geometries and attributes for the web maps' JS runtime.

A web map of this project carries its data as one JS object literal per layer, decoded in the
browser by ``assets/runtime.js`` (:mod:`dcf_spatial.maps.runtime`):

* geometries in the GeoArrow ragged layout (coordinates plus ring/polygon/geometry offsets), with
  integer-delta coordinates at ``[web] coordinate_decimals`` and ring closures dropped, offsets as
  run lengths — 100,000 parcels stay a few MB;
* attribute values as display text (:func:`display_value`), in JSON that is safe inside a
  ``<script>`` element (:func:`safe_json`).
"""

from __future__ import annotations

import json

from ..errors import InputError

__all__ = ["encode_geometries", "display_value", "safe_json", "payload_js"]



def _quantize_runs(coords, run_offsets, scale: float):
    """Integer-delta encode coordinate runs: first vertex absolute, the rest as differences."""
    import numpy as np

    q = np.rint(coords[:, :2] * scale).astype(np.int64)
    d = q.copy()
    d[1:] -= q[:-1]
    starts = np.asarray(run_offsets[:-1], dtype=np.int64)
    starts = starts[starts < len(q)]
    d[starts] = q[starts]
    return d.ravel()


def _drop_ring_closure(coords, ring_offsets):
    """Drop each ring's repeated closing vertex (Leaflet closes rings itself): ~20 % smaller."""
    import numpy as np

    ro = np.asarray(ring_offsets, dtype=np.int64)
    lengths = np.diff(ro)
    keep = np.ones(len(coords), dtype=bool)
    closing = ro[1:][lengths > 0] - 1
    keep[closing] = False
    new_offsets = np.concatenate([[0], np.cumsum(np.where(lengths > 0, lengths - 1, 0))])
    return coords[keep], new_offsets


def encode_geometries(geoms, *, decimals: int = 5) -> dict:
    """Encode a GeoSeries (EPSG:4326) for the JS runtime: type, scale, coordinates and offsets.

    Polygons and MultiPolygons become ``{"type": "polygon", "c", "ro", "po", "go"}`` (ring,
    polygon and geometry offsets); lines ``{"type": "line", "c", "lo", "lg"}``; points
    ``{"type": "point", "c"}``. Missing or empty geometries encode as empty features (drawn as
    nothing, still counted).

    Parameters
    ----------
    geoms
        Geometries in the display CRS (EPSG:4326), one geometry family: polygons, lines or points.
    decimals
        Decimal places kept (5 ≈ 1 m); coordinates travel as integers at this scale.

    Returns
    -------
    dict
        ``type``, ``n`` (feature count), ``scale`` and the arrays named above.

    Raises
    ------
    InputError
        When points, lines and polygons are mixed (split them into one layer each).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> encode_geometries([Point(115.9, 36.4)])["c"]
    [11590000, 3640000]
    """
    import numpy as np
    import shapely

    arr = np.asarray(geoms, dtype=object)
    n = len(arr)
    scale = 10 ** decimals
    present = np.array([g is not None and not shapely.is_empty(g) for g in arr], dtype=bool)
    types = set(shapely.get_type_id(arr[present]).tolist()) if present.any() else set()
    if types <= {3, 6}:  # Polygon, MultiPolygon
        fill = shapely.from_wkt("MULTIPOLYGON EMPTY")
        multi = np.array([fill if not ok else (g if shapely.get_type_id(g) == 6 else shapely.multipolygons([g]))
                          for g, ok in zip(arr, present)], dtype=object)
        _, coords, (ring_off, poly_off, geom_off) = shapely.to_ragged_array(multi)
        coords, ring_off = _drop_ring_closure(coords, ring_off)
        return {"type": "polygon", "n": n, "scale": scale, "c": _quantize_runs(coords, ring_off, scale),
                "ro": ring_off, "po": poly_off, "go": geom_off}
    if types <= {1, 5}:  # LineString, MultiLineString
        fill = shapely.from_wkt("MULTILINESTRING EMPTY")
        multi = np.array([fill if not ok else (g if shapely.get_type_id(g) == 5 else shapely.multilinestrings([g]))
                          for g, ok in zip(arr, present)], dtype=object)
        _, coords, (line_off, geom_off) = shapely.to_ragged_array(multi)
        return {"type": "line", "n": n, "scale": scale, "c": _quantize_runs(coords, line_off, scale),
                "lo": line_off, "lg": geom_off}
    if types <= {0, 4}:  # Point, MultiPoint: drawn at the representative point
        pts = [shapely.get_point(g, 0) if ok and shapely.get_type_id(g) == 4 else g for g, ok in zip(arr, present)]
        c = []
        for p, ok in zip(pts, present):
            c.extend([int(round(p.x * scale)), int(round(p.y * scale))] if ok else [None, None])
        return {"type": "point", "n": n, "scale": scale, "c": c}
    # Mixed families (e.g. a site as point plus parcels as polygons): draw every geometry as its
    # polygon when it has one, else as a point is not possible in one layer — split by the caller.
    raise InputError(
        f"网页地图的一个图层混有多种几何类型（shapely 类型编号 {sorted(types)}）。请拆成点、线、面各一个图层。"
    )


def _to_js_list(values) -> str:
    import numpy as np

    if isinstance(values, np.ndarray):
        return "[" + ",".join(map(str, values.tolist())) + "]"
    return json.dumps(values, separators=(",", ":"))


def safe_json(obj) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>``, no HTML comment openers).

    Parameters
    ----------
    obj
        Anything :func:`json.dumps` takes; other values are written as their ``str``.

    Returns
    -------
    str
        Compact JSON with ``<``, ``>``, ``&`` and the JS line separators escaped.

    Examples
    --------
    >>> print(safe_json({"name": "</script>"}))
    {"name":"\\u003c/script\\u003e"}
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _missing(v) -> bool:
    """pandas' missing scalars (``pd.NA``, ``pd.NaT``, NaN of any float type) and the text a missing
    value becomes when a column went through ``astype(str)`` (``"<NA>"``, ``"NaT"``, ``"nan"``): no
    map shows these as if they were a name."""
    import pandas as pd

    if isinstance(v, str):
        return v in _MISSING_TEXT
    try:
        return v is None or bool(pd.isna(v)) if pd.api.types.is_scalar(v) else False
    except (TypeError, ValueError):
        return False


#: what a missing value reads as after ``str()`` in pandas/numpy
_MISSING_TEXT = frozenset({"<NA>", "NaT", "nan", "NaN"})


def _json_default(v):
    """JSON for values :func:`json.dumps` cannot write: missing ones as ``null``, the rest as text."""
    return None if _missing(v) else str(v)


def payload_js(enc: dict, meta: dict) -> str:
    """The JS object literal of one layer: big numeric arrays raw, the rest as safe JSON.

    Parameters
    ----------
    enc
        The output of :func:`encode_geometries`.
    meta
        Styles, attribute values and labels of the layer (anything JSON can hold).

    Returns
    -------
    str
        A JS object literal for the runtime's ``dcf.layer(map, payload)``; offsets travel as run
        lengths, and as ``null`` when every run is 1.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> payload_js(encode_geometries([Point(115.9, 36.4)]), {"styles": []})
    '{"c":[11590000,3640000],"type":"point","n":1,"scale":100000,"styles":[]}'
    """
    import numpy as np

    parts = [f'"c":{_to_js_list(enc["c"])}']
    # offsets travel as run lengths (1–2 digits instead of 6–7); all-ones (simple polygons) as null
    for key in ("go", "po", "ro", "lg", "lo"):
        if key in enc:
            lengths = np.diff(np.asarray(enc[key], dtype=np.int64))
            parts.append(f'"{key}L":' + ("null" if key != "ro" and key != "lo" and (lengths == 1).all()
                                         else _to_js_list(lengths)))
    small = {k: v for k, v in enc.items() if k not in ("c", "ro", "po", "go", "lo", "lg")}
    small.update(meta)
    body = safe_json(small)
    return "{" + ",".join(parts) + ("," if parts else "") + body[1:]


def display_value(v) -> str | None:
    """An attribute value as the text a map or legend shows, or None for a missing value.

    Parameters
    ----------
    v
        Any cell value: floats lose trailing zeros (two decimals, thousands separated), lists and
        JSON lists are joined with 、.

    Returns
    -------
    str or None
        The text; None for a missing value (None, NaN, ``pd.NA``, ``pd.NaT``, or the text
        ``"<NA>"``/``"NaT"``/``"nan"`` a missing value became), so that popups skip it.

    Examples
    --------
    >>> display_value(1234.5), display_value(["轴承", "钢管"]), display_value('["a", "b"]')
    ('1,234.5', '轴承、钢管', 'a、b')
    >>> import pandas as pd
    >>> display_value(pd.NA), display_value("<NA>"), display_value(float("nan"))
    (None, None, None)
    """

    if _missing(v):
        return None
    if isinstance(v, float):
        return f"{v:,.2f}".rstrip("0").rstrip(".") if abs(v) < 1e15 else str(v)
    if isinstance(v, (list, tuple)):
        return "、".join(str(x) for x in v)
    text = str(v)
    if text.startswith("[") and text.endswith("]"):
        try:
            items = json.loads(text)
            if isinstance(items, list):
                return "、".join(str(x) for x in items)
        except ValueError:
            pass
    return text

