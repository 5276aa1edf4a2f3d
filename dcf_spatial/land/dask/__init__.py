"""The audits at city or province scale: partitions on a ``dask.distributed`` cluster.

An executor choice, not a second audit: :func:`dcf_spatial.land.audit_idle` and
:func:`dcf_spatial.land.audit_efficiency` with ``engine="dask"`` run here and return the same
:class:`~dcf_spatial.land.result.AuditResult` the single engine returns.

- :mod:`.partitions` — how an input is split and how a worker reads one part;
- :mod:`.cluster` — the scheduler or ``LocalCluster``, the progress bar;
- :mod:`.engine` — the idle audit's two passes (row offsets and duplicate ids, then the audit);
- :mod:`.efficiency` — the 亩产效益 steps (parcels per partition, classes over all enterprises).

``distributed`` is imported lazily, inside the functions: importing this package does not need it.
"""

from ..files import (EFFICIENCY_ENTERPRISES, EFFICIENCY_PARCELS, EFFICIENCY_SUMMARY, RESULT_FOLDER,  # noqa: F401
                     SUMMARY_FILE)
from .efficiency import read_efficiency_result
from .engine import read_result
from .partitions import Partition, input_source, plan_partitions

__all__ = ["EFFICIENCY_ENTERPRISES", "EFFICIENCY_PARCELS", "EFFICIENCY_SUMMARY", "RESULT_FOLDER", "SUMMARY_FILE",
           "Partition", "input_source", "plan_partitions", "read_efficiency_result", "read_result"]
