"""dcf_spatial — the Dongchangfu District Industry Plan (2021–2030) as working spatial layers.

《东昌府区产业规划（2021-2030年）》空间图层与查询工具。

All default layers are schematic (示意) unless a bureau imports an authoritative one; every
layer carries a ``provenance`` field and every report repeats it.
"""

__version__ = "0.1.0"
