"""The register of site checks: every check can be recorded in the layer store with the versions of
the layers and rule files it used, listed, reproduced exactly, and re-run when layers or rules change.

* :func:`history` — the recorded checks, filtered (``dcf site history``);
* :func:`show` — one recorded check reproduced from its recorded versions (``dcf site history show ID``);
* :func:`recheck` — recorded checks run against the current layers and rules (or a recorded version
  set), every change with its cause (``dcf site recheck``);
* :func:`version_sets` — the layer + rule-file version sets the checks used (``dcf layers versions``);
* :func:`dcf_spatial.register.audits.audit_diff` — what changed between two audits (``dcf audit diff``).

Checks are recorded with ``record=True`` (or a project name) on :func:`dcf_spatial.check_site` and
:func:`dcf_spatial.check_batch`. Tables: see :mod:`dcf_spatial.register.tables`.

Examples
--------
>>> import dcf_spatial as dcf
>>> from dcf_spatial import register
>>> dcf.check_site("115.75,36.455", "轴承", area_mu=50, record="轴承项目")   # doctest: +SKIP
>>> register.history(project="轴承").frame                                  # doctest: +SKIP
>>> register.recheck().changes                                              # doctest: +SKIP
"""

from .history import RegisterList, Reproduction, history, show, version_sets
from .recheck import Recheck, recheck

__all__ = ["history", "show", "recheck", "version_sets", "RegisterList", "Reproduction", "Recheck"]
