"""The query engine: one module per question, one public API over them.

Public API (numpydoc, examples in each docstring)::

    check_site(site, industry, ...)  -> SiteCheck     does this project fit the plan here? (one site or a frame)
    check_batch(path, ...)           -> SiteCheck     the same for every row of a file
    check_batch_to_file(path, out)   -> BatchRun      the same, written chunk by chunk (bounded memory)
    overlap(a, b)                    -> QueryAnswer   which features of A overlap which of B, by how many 亩?
    nearest(a, b, max_km=None)       -> QueryAnswer   nearest feature of B for each of A
    within(a, b, km=...)             -> QueryAnswer   which features of A lie within D km of B?
    available(zone=..., min_mu=...)  -> QueryAnswer   where in a zone is land still free?

Every answer is an object with ``.to_dict()`` (exactly what the CLI's ``--json`` prints),
``.to_map(path)`` and ``.summary_text()`` (what the CLI prints); its rows are ``.results`` (site
check) or ``.frame`` (queries), with the CLI's Chinese labels and status names.

Modules: ``site/`` (the site check: context, rules, batch, present), ``land_indicators``
(《工业项目建设用地控制指标》), ``overlay`` (overlap engine), ``distance``, ``availability``,
``answers`` (the query API, resolving layer ids and files).

All measure in the working CRS (EPSG:4548); a CRS mismatch between two inputs raises.
"""

from .answers import QueryAnswer, available, nearest, overlap, within
from .site import BatchRun, SiteCheck, check_batch, check_batch_to_file, check_site

__all__ = ["BatchRun", "QueryAnswer", "SiteCheck", "available", "check_batch", "check_batch_to_file", "check_site", "nearest", "overlap", "within"]
