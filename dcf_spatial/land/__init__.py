"""The land bureau's audits (issue 5): 闲置土地审计 and 亩产效益评价.

Public API: :func:`audit_idle`, :func:`audit_efficiency` (engine ``"single"`` or ``"dask"``), both
returning an :class:`AuditResult` (``.frame``, ``.summaries``, ``.notes``, ``.write(folder)``,
``.to_dict()``).

One module per question:

- :mod:`.parcels` — what did the bureau bring? read and validate parcel and enterprise tables;
- :mod:`.codes` — is this code valid? GB/T 21010-2017 / 2023 用地用海分类, 统一社会信用代码;
- :mod:`.idle_audit` — is this parcel idle? 《闲置土地处置办法》 Art. 2, 8, 14;
- :mod:`.zones` — which township / cluster / park is it in? (largest share across a boundary);
- :mod:`.imagery` — what does the imagery say? built-up fraction per parcel;
- :mod:`.efficiency` — how well is the land used? 亩产效益 classes A/B/C/D/T, 低效用地;
- :mod:`.api` — the two audits end to end, whichever engine;
- :mod:`.single` — the single-process engine; :mod:`.dask` — the partitioned engine;
- :mod:`.result` — :class:`AuditResult`; :mod:`.report` — its files, from either engine;
- :mod:`.outputs` — Excel (Chinese headers), GeoPackage, HTML map; :mod:`.notes` — synthetic-data notes.
"""

from .api import audit_efficiency, audit_idle
from .result import AuditResult

__all__ = ["AuditResult", "audit_efficiency", "audit_idle"]
