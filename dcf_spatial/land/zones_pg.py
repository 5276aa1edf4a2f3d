"""Which zone is each parcel in — answered inside PostGIS, for parcels already in the database.

The same rule as :func:`dcf_spatial.land.zones.assign_largest_share` (a parcel wholly inside a
zone is assigned to it; a parcel crossing a boundary goes to the zone holding the largest share
of its area, measured in EPSG:4548; ``outside`` when no zone overlaps it), written as one SQL
query so that the join runs where the parcels are: the parcels' GiST index finds the candidates
of each zone and only one small row per parcel comes back. Used when the parcels are a
``pg:SCHEMA.TABLE`` of the PostGIS store; the benchmark ``benchmarks/bench_audit_scale.py`` sets
it against the in-process join.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .. import settings
from ..errors import InputError
from .zones import KIND_ZH, ZONE_LAYERS

logger = logging.getLogger(__name__)

#: EPSG code of the working CRS, the one areas are measured in (settings.working_crs)
_WORKING_SRID = int(str(settings.working_crs).split(":")[-1])


def assign_zones_in_db(spec: str, *, store=None, kinds=("township", "cluster", "park")) -> pd.DataFrame:
    """Zone of every row of ``pg:SCHEMA.TABLE``, computed by PostGIS.

    Returns a DataFrame with one row per table row, in ``_dcf_row`` order (tables written by
    :func:`dcf_spatial.store.backends.postgis.write_pg_table`), holding ``<kind>_id``, ``<kind>_share`` and
    ``<kind>_method`` (``inside`` / ``largest_share`` / ``outside``) for each kind. The zone layers
    are read from the same store (same database, the store's schema). A functional park lying partly outside its
    cluster counts only inside it, as in the in-process join (第八章第一节); ``attrs["notes"]`` then names it.
    """
    from sqlalchemy import text

    from ..io.pg import _input_store, _split_spec
    from ..store.backends.postgis import ORDER_COLUMN, _q

    st = _input_store(spec, store)
    schema, table = _split_spec(spec, st)
    parcels = f"{_q(schema)}.{_q(table)}"
    with st._connect() as con:
        cols = {r[0] for r in con.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema=:s AND table_name=:t"),
            {"s": schema, "t": table}).all()}
        if ORDER_COLUMN not in cols:
            raise InputError(f"{spec}：该表没有 {ORDER_COLUMN} 列；请用 "
                             "dcf_spatial.store.backends.postgis.write_pg_table 写入该表，以保留行的顺序。")
        n = con.execute(text(f"SELECT count(*) FROM {parcels}")).scalar()
        out = pd.DataFrame(index=pd.RangeIndex(n))
        notes: list[str] = []
        for kind in kinds:
            layers = [lid for lid in ZONE_LAYERS[kind] if st.catalog_entry(lid) is not None]
            zone_id = np.full(n, None, dtype=object)
            share = np.full(n, np.nan)
            method = np.full(n, "outside", dtype=object)
            if layers:
                zones = " UNION ALL ".join(
                    f"SELECT id::text AS id, geometry, {i} * 100000 + {_q('_dcf_row')} AS ord FROM {st._t(lid)}"
                    for i, lid in enumerate(layers))
                # parks cut to their cluster (第八章第一节), as the in-process join and the site check cut them: the
                # cut geometry measured, the drawn one (which holds it) kept to find the candidates by the index
                cut, note = _cut_zones(kind, store)
                if note:
                    notes.append(note)
                gw, params = f"ST_Transform(u.geometry, {_WORKING_SRID})", {}
                if cut:
                    gw = f"COALESCE(ST_SetSRID(ST_GeomFromWKB(decode(u.wkb, 'hex')), {_WORKING_SRID}), {gw})"
                    zones = (f"SELECT u.id, u.geometry, u.ord, c.wkb FROM ({zones}) u LEFT JOIN "
                             "unnest(CAST(:cut_ids AS text[]), CAST(:cut_wkb AS text[])) AS c(id, wkb) ON c.id = u.id")
                    params = {"cut_ids": list(cut), "cut_wkb": list(cut.values())}
                sql = f"""
                    WITH z AS MATERIALIZED (SELECT u.id, u.geometry, {gw} AS gw, u.ord FROM ({zones}) u),
                    cand AS (
                        SELECT p.{_q(ORDER_COLUMN)} AS row, z.id, z.ord,
                               CASE WHEN ST_ContainsProperly(z.gw, p.gw) THEN ST_Area(p.gw)
                                    ELSE ST_Area(ST_Intersection(p.gw, z.gw)) END AS area,
                               ST_Area(p.gw) AS parea
                        FROM (SELECT {_q(ORDER_COLUMN)}, geometry, ST_Transform(geometry, {_WORKING_SRID}) AS gw
                              FROM {parcels} WHERE geometry IS NOT NULL AND NOT ST_IsEmpty(geometry)) p
                        JOIN z ON ST_Intersects(p.geometry, z.geometry))
                    SELECT DISTINCT ON (row) row, id, CASE WHEN parea > 0 THEN area / parea ELSE 1.0 END AS share
                    FROM cand WHERE area > 0 ORDER BY row, area DESC, ord"""
                got = pd.DataFrame(con.execute(text(sql), params).all(), columns=["row", "id", "share"])
                if len(got):
                    idx = got["row"].to_numpy(dtype=np.int64)
                    zone_id[idx] = got["id"].to_numpy(dtype=object)
                    share[idx] = got["share"].to_numpy(dtype=float)
                    method[idx] = np.where(share[idx] >= 1 - 1e-9, "inside", "largest_share")
            out[f"{kind}_id"] = pd.array(zone_id, dtype="string")
            out[f"{kind}_share"] = share
            out[f"{kind}_method"] = method
            logger.info("PostGIS assigned %d rows of %s to %s zones (%d outside)", n, spec, KIND_ZH[kind],
                        int((method == "outside").sum()))
    out.attrs["notes"] = notes
    return out


def _cut_zones(kind: str, store) -> tuple[dict, str]:
    """``({zone id: its cut geometry as hex WKB in EPSG:4548}, note)`` for the zones of ``kind`` cut to their parent
    by :func:`dcf_spatial.land.zones.zone_layers` (functional parks outside their cluster; ``({}, "")`` for the
    other kinds and when every park lies inside its cluster)."""
    import shapely

    from ..store.nesting import CHILD_LAYERS
    from .zones import zone_layers

    if not any(lid in CHILD_LAYERS for lid in ZONE_LAYERS[kind]):
        return {}, ""
    layers, _used, notes = zone_layers((kind,), store=store)
    work = layers[kind][1]
    ids = set(work.attrs.get("cut_to_parent", [])) if work is not None else set()
    if not ids:
        return {}, ""
    rows = work[work["id"].astype(str).isin(ids)]
    return (dict(zip(rows["id"].astype(str), shapely.to_wkb(rows.geometry.values, hex=True))),
            next(n for n in notes if "第八章第一节" in n))
