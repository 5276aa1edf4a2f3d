"""Are an audit's Python arguments usable? Each wrong one refused in Chinese, naming it and the fix (breaker B31b-10).

:func:`dcf_spatial.land.api.audit_idle` is called from scripts: a ``parcels=None``, a ``rules="x"`` or an
``out`` that is a file gave a bare TypeError/AttributeError/KeyError deep in the audit. These checks run
before any work, as ``engine=`` and ``area_unit=`` were checked already.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ..errors import InputError


def check_idle_arguments(parcels, *, engine, store, rules, field_map, code_system, encoding, out) -> None:
    """Refuse a wrong argument of :func:`~dcf_spatial.land.api.audit_idle` (an :class:`InputError` naming it)."""
    import pandas as pd

    if isinstance(parcels, pd.DataFrame):
        if not hasattr(parcels, "geometry") or "geometry" not in getattr(parcels, "columns", []):
            raise InputError("parcels：所给的 DataFrame 没有宗地图形（geometry 列）：请给出台账文件的路径"
                             "（CSV/XLSX 可带经纬度或项目位置列），或 geopandas.GeoDataFrame。")
    elif isinstance(parcels, (list, tuple)) and engine != "dask":
        raise InputError("parcels：单进程引擎一次读一个文件，所给的是文件列表：请给出一个文件的路径，"
                         "或用 engine=\"dask\" 读多个文件。")
    elif not isinstance(parcels, (str, Path)) and not (isinstance(parcels, (list, tuple)) and parcels
                                                         and all(isinstance(p, (str, Path)) for p in parcels)):
        raise InputError(f"parcels：{type(parcels).__name__} {str(parcels)[:40]!r} 不是可读取的宗地数据："
                         "请给出文件路径（SHP、GPKG、GeoJSON、KML、CSV/XLSX）、\"pg:模式.表\" 或 GeoDataFrame。")
    if rules is not None and not isinstance(rules, dict):
        raise InputError(f"rules：应为规则参数字典（同随附的 idle_land_rules.json 的内容），而不是 {type(rules).__name__} "
                         f"{str(rules)[:40]!r}；不替换规则请省略该参数。")
    if field_map is not None and not isinstance(field_map, dict):
        raise InputError(f"field_map：请给出字典 {{目标字段: 列名}}，如 {{\"agreed_start\": \"约定开工\"}}，"
                         f"而不是 {type(field_map).__name__} {str(field_map)[:40]!r}。")
    if code_system != "auto":
        from .codes import CODE_SYSTEMS

        if code_system not in CODE_SYSTEMS:
            raise InputError(f"code_system：未知的用地分类体系 {code_system!r}；请用 auto（自动判断）或 "
                             f"{', '.join(CODE_SYSTEMS)} 之一（2017 = GB/T 21010-2017，2023 = 用地用海分类）。")
    if encoding is not None:
        try:
            codecs.lookup(str(encoding))
        except LookupError:
            raise InputError(f"encoding：未知的文字编码 {encoding!r}；请用 utf-8、gbk 或 gb18030 等，"
                             "不确定时省略该参数（自动判断）。") from None
    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise InputError(f"out：{out} 是一个已有的文件，不是文件夹：请给出输出文件夹的路径（不存在时自动创建）。")
    from ..store import catalog
    from ..store.locate import resolve_store

    # a mistyped --store / DCF_STORE / store= gave a whole audit without towns (every parcel 位置不明)
    catalog._require_store(resolve_store(store))
