"""What a map looks like: colours, labels and titles, read from the one style file.

The style file is ``dcf_spatial/data/map_style.toml`` (a planner edits it to restyle every map).
``DCF_MAP_STYLE`` or :data:`style_path` point at another copy. Nothing about appearance is
hard-coded in the drawing modules: they ask this module.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path

from .. import settings
from ..errors import InputError

logger = logging.getLogger(__name__)

#: the style file; ``DCF_MAP_STYLE`` overrides it
style_path: Path = Path(os.environ.get("DCF_MAP_STYLE") or settings.data_dir / "map_style.toml")

_FALLBACK_LAYER = {"label": None, "kind": "polygon", "fill": "#bdbdbd", "edge": "#636363", "width": 0.8,
                   "fill_opacity": 0.5}


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"地图样式文件 {path} 不是有效的 TOML（{exc}）。请修正提示的那一行，"
                         "或恢复自带的 dcf_spatial/data/map_style.toml。") from None


def load_style(path: Path | str | None = None) -> dict:
    """The whole style file as a dict (cached until the file changes)."""
    p = Path(path) if path is not None else style_path
    if not p.exists():
        raise InputError(f"地图样式文件 {p} 不存在。请把环境变量 DCF_MAP_STYLE 设为有效的文件，"
                         "或重新安装 dcf_spatial。")
    return _load(str(p), p.stat().st_mtime_ns)


def section(name: str, path=None) -> dict:
    """One top-level table of the style file (``"print"``, ``"web"``, ``"font"``, ``"notes"``…)."""
    return load_style(path).get(name, {})


def layer_style(layer_id: str, path=None) -> dict:
    """Style of a layer: kind, fill, edge, width, label…, with defaults for unknown layers."""
    from ..store.catalog import LAYER_SPECS

    style = dict(_FALLBACK_LAYER)
    spec = LAYER_SPECS.get(layer_id)
    if spec is not None:
        style["kind"] = spec.geometry
        style["label"] = spec.title_zh
    style.update(load_style(path).get("layers", {}).get(layer_id, {}))
    if not style.get("label"):
        style["label"] = layer_id
    return style


#: how a label says its layer is a sketch; dropped when the layer drawn is the bureau's own
_SCHEMATIC_MARKS = re.compile(r"（(位置)?示意）")


def label_for(label: str, provenance) -> str:
    """``label`` as the legend shows it for a layer of ``provenance``: a "（示意）" mark in the style
    file's label is kept for a schematic layer and dropped once the bureau's authoritative (or a
    reference) layer has replaced it, so a print map never calls imported roads 道路（示意）.

    Examples
    --------
    >>> label_for("道路（示意）", "authoritative")
    '道路'
    >>> label_for("道路（示意）", "schematic")
    '道路（示意）'
    """
    if "schematic" in str(provenance or "schematic"):
        return label
    return _SCHEMATIC_MARKS.sub("", label)


def zone_color(zone_id: str, layer_id: str, path=None) -> str:
    """Fill colour of one zone: its ``[zones."id"]`` entry, else its layer's fill."""
    zone = load_style(path).get("zones", {}).get(str(zone_id), {})
    return zone.get("fill") or layer_style(layer_id, path)["fill"]


def zone_style(zone_id: str, layer_id: str, path=None) -> dict:
    """Style of one feature: its layer's style with the ``[zones."id"]`` entry on top.

    A zone entry may set ``fill``, ``edge``, ``width``, ``dash`` and ``label`` (the name shown in
    legends and on the map, e.g. the two canals ``canal.grand_canal`` and ``canal.xiao_yunhe``).
    """
    st = layer_style(layer_id, path)
    st.update(load_style(path).get("zones", {}).get(str(zone_id), {}))
    return st


def has_feature_styles(zone_ids, path=None) -> bool:
    """True if any of ``zone_ids`` has its own ``label`` in the style file (then legends list features)."""
    zones = load_style(path).get("zones", {})
    return any("label" in zones.get(str(z), {}) for z in zone_ids)


def split_unlocated(gdf, layer_id: str, path=None):
    """Split a layer into (located, unlocated) rows by its ``located_field`` (style file).

    Layers without a ``located_field`` (or without that column) are all located. A missing value
    counts as located: only an explicit false keeps a feature off the map.
    """
    field = layer_style(layer_id, path).get("located_field")
    if not field or field not in gdf.columns:
        return gdf, gdf.iloc[0:0]
    unlocated = gdf[field].map(lambda v: v is False or str(v).strip().lower() in ("false", "0", "no", "否"))
    return gdf[~unlocated], gdf[unlocated]


def unlocated_note(unlocated, layer_id: str, path=None) -> str | None:
    """One sentence naming the features kept off the map (template ``unlocated_note`` with ``{n}``, ``{names}``)."""
    if not len(unlocated):
        return None
    st = layer_style(layer_id, path)
    names = unlocated["name_zh"].astype(str).tolist() if "name_zh" in unlocated.columns else unlocated.index.astype(str).tolist()
    template = st.get("unlocated_note") or (st["label"] + "：{n} 个无位置，未上图：{names}。")
    return template.format(n=len(names), names="、".join(names))


def appendix_spec(key: str, path=None) -> dict:
    """Definition of an appendix map (``"fig1"``, ``"fig2"``, ``"fig3"``)."""
    specs = load_style(path).get("appendix", {})
    if key not in specs:
        raise InputError(f"样式文件 {style_path} 中没有定义附图 {key!r}；"
                         f"已定义：{', '.join(specs) or '（无）'}。")
    return specs[key]


_TRAILING_TAG = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def fixed_status_color(value, path=None) -> str | None:
    """The style file's colour for one status value, or None if the value is not listed.

    Looked up as written, then without a trailing parenthesised tag, so that
    ``"已占用或已供地（合成数据）"`` takes the colour of ``"已占用或已供地"``.
    """
    fixed = section("web", path).get("status_colors", {})
    key = str(value)
    while True:
        if key in fixed:
            return fixed[key]
        shorter = _TRAILING_TAG.sub("", key)
        if not shorter or shorter == key:
            return None
        key = shorter


_HEX6 = re.compile(r"#[0-9a-fA-F]{6}")


def to_rgb(color) -> tuple[float, ...]:
    """``matplotlib.colors.to_rgb(color)``: a ``#rrggbb`` colour (as the style file gives them) read here,
    the same way, anything else (a name, ``#rgb``, a tuple) by matplotlib. A web map then does not
    import matplotlib for its colours (~0.3 s of CPU, holding the GIL, beside an audit's other writers).

    Examples
    --------
    >>> to_rgb("#ff8000")
    (1.0, 0.5019607843137255, 0.0)
    """
    if isinstance(color, str) and _HEX6.fullmatch(color):
        return tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    from matplotlib.colors import to_rgb as parse

    return parse(color)


def to_hex(rgb) -> str:
    """``matplotlib.colors.to_hex`` of an RGB tuple (0–1 per channel), without importing matplotlib.

    Examples
    --------
    >>> to_hex((1.0, 0.5, 0.0))
    '#ff8000'
    """
    return "#" + "".join(format(round(v * 255), "02x") for v in rgb)


def _colour_distance(a: str, b: str) -> float:
    """Euclidean distance of two colours in RGB (0–1 per channel)."""
    return sum((x - y) ** 2 for x, y in zip(to_rgb(a), to_rgb(b))) ** 0.5


def status_colors(values, path=None) -> dict[str, str]:
    """A colour for each distinct status value, fixed by value.

    Values listed in ``[web.status_colors]`` always get their colour, whatever the order of
    ``values``; the others get palette colours (skipping colours already used on this map) in
    order of first appearance. The result is ordered for the legend: listed values in the style
    file's order, then the others.
    """
    web = section("web", path)
    fixed = web.get("status_colors", {})
    rank = {k: i for i, k in enumerate(fixed)}
    palette = web.get("status_palette", {}).get("colors") or ["#377eb8"]
    distinct = list(dict.fromkeys(str(v) for v in values))
    known = {v: fixed_status_color(v, path) for v in distinct}
    used = [c for c in known.values() if c]
    # palette colours too close to one already on the map (e.g. palette red next to a fixed red) are skipped
    free = [c for c in palette if all(_colour_distance(c, u) > 0.2 for u in used)] or palette
    out: dict[str, str] = {}
    i = 0
    for v in distinct:
        if known[v] is None:
            known[v] = free[i % len(free)]
            i += 1

    def order(v):
        key = v
        while key not in rank:
            shorter = _TRAILING_TAG.sub("", key)
            if not shorter or shorter == key:
                return (1, distinct.index(v))
            key = shorter
        return (0, rank[key])

    for v in sorted(distinct, key=order):
        out[v] = known[v]
    return out
