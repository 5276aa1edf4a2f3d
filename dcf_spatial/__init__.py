"""dcf_spatial — the Dongchangfu District Industry Plan (2021–2030) as working spatial layers.

《东昌府区产业规划（2021-2030年）》空间图层与查询工具。

All default layers are schematic (示意) unless a bureau imports an authoritative one; every
layer carries a ``provenance`` field and every report repeats it.

The public API is what this module exports (``__all__``); everything else is internal and may
move. Heavy libraries (geopandas, pandas) are imported only when a name that needs them is
first used, so ``import dcf_spatial`` stays cheap.

Examples
--------
>>> import dcf_spatial as dcf
>>> r = dcf.check_site("115.75,36.455", industry="轴承", area_mu=50)   # doctest: +SKIP
>>> r.verdict                                                          # doctest: +SKIP
'fits'
>>> dcf.layers()[["id", "title_zh"]].head(3)                           # doctest: +SKIP
"""

from __future__ import annotations

import importlib

from .errors import CRSMismatchError, DcfError, InputError, LayerNotFoundError, SchemaError

__version__ = "0.1.0"

#: public name -> module that defines it (imported on first use)
_LAZY = {
    # reading what users bring
    "read_vector": "dcf_spatial.io",
    "read_site": "dcf_spatial.places",
    # the layer store
    "Store": "dcf_spatial.store",
    "layer": "dcf_spatial.store",
    "layers": "dcf_spatial.store",
    # questions
    "check_site": "dcf_spatial.queries",
    "check_batch": "dcf_spatial.queries",
    "SiteCheck": "dcf_spatial.queries",
    "QueryAnswer": "dcf_spatial.queries",
    "overlap": "dcf_spatial.queries",
    "nearest": "dcf_spatial.queries",
    "within": "dcf_spatial.queries",
    "available": "dcf_spatial.queries",
    # land audits
    "audit_idle": "dcf_spatial.land",
    "audit_efficiency": "dcf_spatial.land",
    "AuditResult": "dcf_spatial.land",
    "audit_diff": "dcf_spatial.register.audits",
    # synthetic sample data
    "write_sample": "dcf_spatial.sample",
    # maps
    "appendix_maps": "dcf_spatial.maps",
}

__all__ = [
    "__version__",
    *_LAZY,
    "DcfError", "InputError", "CRSMismatchError", "LayerNotFoundError", "SchemaError",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dcf_spatial' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
