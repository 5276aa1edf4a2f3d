"""How the library words the fixes it suggests — in neutral words, never as a CLI option.

A reader that cannot go on says what is wrong and what to change: "请指定坐标系（如 EPSG:4527）",
"或要求对调 x 与 y". The phrases below are the only ones used for the input options, so that the
command line (:func:`dcf_spatial.cli._options.cli_wording`) can find each and add the option that
does it (``--crs``, ``--swap-xy`` …), while a Python user reads plain words. Nothing here imports
anything: :mod:`dcf_spatial.crs` and :mod:`dcf_spatial.io` both use it.

Examples
--------
>>> from dcf_spatial import _fixes
>>> f"请{_fixes.CRS}（如 EPSG:4527）"
'请指定坐标系（如 EPSG:4527）'
"""

#: state the CRS of the coordinates (Python ``crs=``); an example follows as ``（如 EPSG:4527）``
CRS = "指定坐标系"
#: exchange the x and y of every coordinate (Python ``swap_xy=True``)
SWAP_XY = "要求对调 x 与 y"
#: choose the layer of a GeoPackage/FileGDB or the sheet of a workbook (Python ``layer=``)
LAYER = "指定图层或工作表"
#: state the text encoding of a DBF/CSV (Python ``encoding=``); an example follows as ``（如 gbk）``
ENCODING = "指定文字编码"
#: read a 界址点 (boundary-point) table as separate points instead of one polygon per parcel
#: (Python ``as_points=True``)
AS_POINTS = "选择逐点读取"
#: map fields, followed by `` target=source`` pairs separated by spaces (Python ``field_map=``)
FIELD_MAP = "字段映射"
#: choose the layer store (Python ``Store(...).activate()`` or ``store=``; the environment variable DCF_STORE)
STORE = "设定图层库（环境变量 DCF_STORE）"
#: allow replacing existing output files (Python ``overwrite=True``)
OVERWRITE = "允许覆盖（overwrite）"
#: declare that the project replaces capacity 等量或减量 (第九章第三节; Python ``capacity_replacement=True``,
#: a batch's 产能置换 column)
CAPACITY_REPLACEMENT = "声明产能置换"
#: the one industry given for a batch's rows without one (Python ``default_industry=``); the industry follows
DEFAULT_INDUSTRY = "按统一行业"
#: how the CRS parser's errors begin: the CRS value itself was wrong
CRS_VALUE_ERRORS = ("无法识别的坐标系", "未给出坐标系")
