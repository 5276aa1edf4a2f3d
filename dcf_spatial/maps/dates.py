"""The date a map of the store's layers states: the date of its data, not of the day it was drawn.

A map made twice from the same layers is the same file (``dcf maps appendix`` leaves a clean
``git status``), and the date a reader sees says how current the data is. The date is the newest
``updated_at`` in the store's catalog among the layers the map draws: a layer imported or re-derived
moves it on, a reset brings back the date of the version it restores (the version's own date); a change of
the style file does not (the style file changes how the
data looks, not what it says).
"""

from __future__ import annotations

import datetime as _dt
import logging

logger = logging.getLogger(__name__)


def data_date(layer_ids, store=None) -> "_dt.date | None":
    """The newest ``updated_at`` date of ``layer_ids`` in the store's catalog.

    Parameters
    ----------
    layer_ids
        Layer ids drawn on the map, e.g. ``["district", "townships"]``; ids not in the store are
        ignored.
    store
        The layer store (``None``: the active store), passed on to the catalog.

    Returns
    -------
    datetime.date or None
        The date part of the newest ``updated_at``; None when none of the layers has one.

    Examples
    --------
    >>> data_date(["district", "townships"])  # doctest: +SKIP
    datetime.date(2026, 11, 28)
    """
    from ..store.catalog import catalog_rows

    wanted = {str(lid) for lid in layer_ids}
    rows = catalog_rows(store)
    dates = []
    for lid, stamp in zip(rows["id"], rows["updated_at"] if "updated_at" in rows.columns else [None] * len(rows)):
        if str(lid) not in wanted or not stamp:
            continue
        try:
            dates.append(_dt.datetime.fromisoformat(str(stamp)).date())
        except ValueError:
            logger.warning("图层 %s 的更新时间 %r 无法识别，未计入地图的数据日期", lid, stamp)
    return max(dates) if dates else None
