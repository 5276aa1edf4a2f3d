"""Does this project, of this industry, on this site, fit the plan?

:func:`check_site` answers for one site or a frame of many, :func:`check_batch` for a file of sites
(one result per input row, in order, bad rows included with a status); both return a
:class:`SiteCheck`.

``context``   the zone layers, loaded once (:class:`PlanContext`)
``rules/``    the verdict rules by group (location, industry, restrictions, indicators)
``check``     the engine: :func:`site_result` (one geometry), :func:`site_results` (many rows)
``batch``     reading a batch file, row numbers, writing the batch table
``present``   Chinese labels and tables, the text summary, the data note, the map
``report``    the HTML report
``api``       :func:`check_site`, :func:`check_batch`, :class:`SiteCheck`

The plan's rules come from :mod:`dcf_spatial.plan`
(``data/plan_rules.json`` + ``data/plan_zones.json``); zone geometry from the layer store
(:func:`dcf_spatial.store.catalog.read_layer`). All measuring happens in the working CRS (EPSG:4548).

A result is a plain dict (JSON-ready)::

    verdict, verdict_zh        fits 符合 / conditional 有条件符合 / does_not_fit 不符合 /
                               outside_plan_area 不在规划范围
    industry                   the resolved GB/T 4754-2017 codes and their kind
    site                       area (亩), centroid (lon/lat, EPSG:4490), share inside the plan area
    townships                  [{id, name_zh, share}]  (share of the site in each)
    zones                      [{id, name_zh, layer, overlap_mu, share, match, plan_ref}]; a zone matched
                               through an industry the plan names for it elsewhere adds via_zh (plan_ref is
                               that clause); places the plan names without a drawn extent come as layer
                               "named_places" (the township stands for the place: schematic)
    designated_zones           zones designated for this industry, nearest first, distance_km
    reasons                    [{rule, effect, text_zh, plan_ref}]
    indicators                 land-use control indicators (see land_indicators)
    provenance                 which layers used are schematic
"""

from .api import BatchRun, SiteCheck, check_batch, check_batch_to_file, check_site
from .batch import read_batch, write_batch_table
from .check import row_label, site_result, site_results
from .context import PlanContext, load_context
from .present import summary_text
from .tables import results_table, results_table_zh

__all__ = ["BatchRun", "PlanContext", "SiteCheck", "check_batch", "check_batch_to_file", "check_site", "load_context", "read_batch", "results_table",
           "results_table_zh", "row_label", "site_result", "site_results", "summary_text", "write_batch_table"]
