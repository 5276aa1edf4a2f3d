"""A catalog row's ``extra``: JSON text of marks a layer's row keeps beside its columns (the highest version number a
reset went back below, when and from which version a reset was made; in PostGIS, the oid of the table dcf wrote)."""

from __future__ import annotations

import json


def extra_of(row: dict) -> dict:
    """The ``extra`` of catalog row ``row`` as a dict (``{}`` when it has none or it is not a JSON object)."""
    extra = row.get("extra")
    if isinstance(extra, dict):
        return dict(extra)
    try:
        out = json.loads(extra) if extra else {}
    except (TypeError, ValueError):
        return {}
    return out if isinstance(out, dict) else {}


def with_extra(extra, **values) -> str:
    """A row's ``extra`` (JSON text or a dict) with ``values`` set (``None``: removed), as JSON text.

    Examples
    --------
    >>> with_extra('{"highest_version": 2}', table_oid=16384), with_extra('{"highest_version": 2}', highest_version=None)
    ('{"highest_version": 2, "table_oid": 16384}', '{}')
    """
    out = extra_of({"extra": extra})
    for k, v in values.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return json.dumps(out, ensure_ascii=False)
