"""The query engine: one module per question.

``site_check``       does this project, of this industry, on this site, fit the plan?
``land_indicators``  does it meet 《工业项目建设用地控制指标》 (thresholds in a data file)?
``overlap``          which features of A overlap which of B, by how many 亩?
``distance``         nearest feature of B for each of A; which lie within D km?
``availability``     where in a zone is land still free, as candidate plots?
``report``           the HTML report and map data for people.

All measure in the working CRS (EPSG:4548); a CRS mismatch between two inputs raises.
"""
