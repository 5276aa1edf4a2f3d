"""The plan's three appendix maps (附图1–3) as print maps (PDF A3 landscape, PNG) and web maps.

* 附图1 聊城市东昌府区产业布局示意图 — clusters, agricultural zones and the service structure;
* 附图2 聊城市东昌府区四大工业聚集区示意图 — the four clusters and their parks, leading industries;
* 附图3 聊城市东昌府区七大农业示范园区示意图 — the seven zones and their products.

:func:`appendix_maps` is what ``dcf maps appendix`` calls. The print maps are laid out by
:mod:`dcf_spatial.maps.print_layout` (imported, with the CJK font, only when a print map is drawn),
the HTML maps are layer maps (:func:`dcf_spatial.maps.webmap.layers_map`). Every map states the
date of its data, not of the day it was drawn (:mod:`dcf_spatial.maps.dates`), so the same layers
give the same files.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..errors import InputError
from . import style as map_style
from .webmap import layers_map

logger = logging.getLogger(__name__)

APPENDIX_KEYS = ("fig1", "fig2", "fig3")
#: where ``dcf maps appendix`` writes without an output folder (relative to the working directory)
DEFAULT_OUT_DIR = "maps"
FORMATS = ("pdf", "png", "html")


def web_map(key: str, out_dir, *, overwrite: bool = False, store=None, basemap: str = "none") -> Path:
    """The interactive HTML version of appendix map ``key`` (a layer map of the map's layers).

    Parameters
    ----------
    key
        ``"fig1"``, ``"fig2"`` or ``"fig3"``.
    out_dir
        Output folder; the file name comes from the style file.
    overwrite
        Replace the file if it exists.
    store
        The layer store (``None``: the active store).
    basemap
        ``"none"`` (default, offline), ``"osm"``, ``"tianditu"`` or ``"gaode"``.

    Returns
    -------
    Path
        The HTML file written.

    Examples
    --------
    >>> web_map("fig1", "out/")  # doctest: +SKIP
    PosixPath('out/fig1_industry_layout.html')
    """
    spec = map_style.appendix_spec(key)
    path = Path(out_dir) / f"{spec['filename']}.html"
    labelled = ["townships"] + list(spec.get("zone_labels", [])) + list(spec.get("inset_layers", []))
    return layers_map(spec["layers"], path, title=f"{spec['number']}  {spec['title']}", subtitle=spec.get("subtitle"),
                      labelled=labelled, basemap=basemap, overwrite=overwrite, store=store)


def appendix_paths(out=None, *, keys=APPENDIX_KEYS, formats=FORMATS) -> dict[str, dict[str, Path]]:
    """The files :func:`appendix_maps` writes, without writing anything.

    Parameters
    ----------
    out
        Output folder; default ``maps/`` in the working directory.
    keys
        Which maps: any of ``"fig1"``, ``"fig2"``, ``"fig3"``.
    formats
        Any of ``"pdf"``, ``"png"``, ``"html"``.

    Returns
    -------
    dict
        ``{key: {format: path}}``.

    Raises
    ------
    InputError
        For a map or a format that does not exist (the message lists the ones that do).

    Examples
    --------
    >>> appendix_paths("maps", keys=["fig3"], formats=["png"])
    {'fig3': {'png': PosixPath('maps/fig3_agri_zones.png')}}
    """
    out = Path(out) if out is not None else Path(DEFAULT_OUT_DIR)
    unknown = [k for k in keys if k not in APPENDIX_KEYS]
    if unknown:
        raise InputError(f"没有附图 {'、'.join(map(str, unknown))}；可选：{'、'.join(APPENDIX_KEYS)}。")
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise InputError(f"不支持的地图格式 {'、'.join(map(str, bad))}；可选：{'、'.join(FORMATS)}。")
    return {key: {fmt: out / f"{map_style.appendix_spec(key)['filename']}.{fmt}" for fmt in formats} for key in keys}


def appendix_maps(out=None, *, overwrite: bool = False, store=None, formats=FORMATS, keys=APPENDIX_KEYS,
                  basemap: str = "none", progress: bool = False) -> dict[str, dict[str, Path]]:
    """Regenerate the plan's appendix maps 附图1–3 as print maps (PDF, PNG) and web maps (HTML).

    What each map shows (layers, titles, colours, labels) comes from the style file
    (``dcf_spatial/data/map_style.toml``). The date on every map is the date of its data — the
    newest update of the layers it draws (:func:`dcf_spatial.maps.dates.data_date`) — so the same
    layers give the same files on any day. Nothing is written when any output exists and
    ``overwrite`` is False.

    Parameters
    ----------
    out
        Output folder (created if missing); default ``maps/`` in the working directory.
    overwrite
        Replace existing files; otherwise an existing output stops the run before anything is drawn.
    store
        The layer store (``None``: the active store).
    formats
        Any of ``"pdf"`` (A3 landscape, vector), ``"png"`` (``[print] png_dpi``) and ``"html"``
        (offline interactive map).
    keys
        Which maps: any of ``"fig1"`` (产业布局), ``"fig2"`` (四大工业聚集区), ``"fig3"`` (七大农业示范园区).
    basemap
        Basemap of the HTML maps: ``"none"`` (default, offline), ``"osm"``, ``"tianditu"`` or ``"gaode"``.
    progress
        Show each map as it is drawn on stderr (a bar on a terminal, plain lines in a log).

    Returns
    -------
    dict
        ``{key: {format: path}}`` of the files written.

    Raises
    ------
    InputError
        For an unknown map or format, an existing output without ``overwrite``, or a layer the map
        needs that the store lacks.

    Examples
    --------
    >>> from dcf_spatial.maps import appendix_maps
    >>> paths = appendix_maps("maps/", overwrite=True)  # doctest: +SKIP
    >>> paths["fig1"]["pdf"]  # doctest: +SKIP
    PosixPath('maps/fig1_industry_layout.pdf')
    """
    planned = appendix_paths(out, keys=keys, formats=formats)
    # refuse before drawing anything, so a refused run leaves no half-written set
    if not overwrite:
        existing = [str(p) for paths in planned.values() for p in paths.values() if p.exists()]
        if existing:
            raise InputError(f"{'、'.join(existing)} 已存在，未覆盖。要替换已有文件，请允许覆盖（overwrite=True）。")
    out_dir = Path(out) if out is not None else Path(DEFAULT_OUT_DIR)
    from .print_layout import print_map  # matplotlib and the CJK font, only now

    from ..progress import progress_bar

    result = {}
    bar = progress_bar(len(keys), "附图", progress, unit="幅", interval=0)
    for key in keys:
        paths = print_map(key, out_dir, overwrite=overwrite, store=store,
                          formats=[f for f in formats if f in ("pdf", "png")])
        if "html" in formats:
            paths["html"] = web_map(key, out_dir, overwrite=overwrite, store=store, basemap=basemap)
        result[key] = paths
        bar.update(1)
    bar.close()
    logger.info("Wrote %d appendix map files to %s", sum(len(v) for v in result.values()), out_dir)
    return result
