"""The land bureau's audits (issue 5): 闲置土地审计 and 亩产效益评价.

One module per question:

- :mod:`.parcels` — what did the bureau bring? read and validate parcel and enterprise tables;
- :mod:`.codes` — is this code valid? GB/T 21010-2017 / 2023 用地用海分类, 统一社会信用代码;
- :mod:`.idle_audit` — is this parcel idle? 《闲置土地处置办法》 Art. 2, 8, 14;
- :mod:`.zones` — which township / cluster / park is it in? (largest share across a boundary);
- :mod:`.imagery` — what does the imagery say? built-up fraction per parcel;
- :mod:`.efficiency` — how well is the land used? 亩产效益 classes A/B/C/D/T, 低效用地;
- :mod:`.outputs` — Excel (Chinese headers), GeoPackage, HTML map;
- :mod:`.workflow` — the two audits end to end (the CLI and the notebook call these).
"""
