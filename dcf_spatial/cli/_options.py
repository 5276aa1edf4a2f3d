"""Options shared by every command, defined once (rasterio ``rio`` style)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import click

output_opt = click.option("-o", "--output", "output", type=click.Path(path_type=Path),
                          help="Output file or folder.")
overwrite_opt = click.option("--overwrite", is_flag=True, help="Replace existing output files.")
json_opt = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout.")
map_opt = click.option("--map", "map_path", type=click.Path(dir_okay=False, path_type=Path),
                       help="Also write an interactive HTML map of the answer.")
crs_opt = click.option("--crs", default=None,
                       help="CRS of the input coordinates: EPSG code (4490, 4326, 4527…), gcj02 or bd09.")

BASEMAP_CHOICES = ("none", "osm", "tianditu", "gaode")
basemap_opt = click.option(
    "--basemap", type=click.Choice(BASEMAP_CHOICES), default="none", show_default=True,
    help="Web-map basemap: none (offline, vector context only), osm, tianditu (key in $TIANDITU_KEY), "
         "gaode (data shifted to GCJ-02 for display).")

#: the reader options of every command that reads a user file, passed to dcf_spatial.io
_reader_params = [
    click.option("--layer", default=None,
                 help="要读取的图层（GeoPackage/FileGDB）或工作表（XLSX） — layer or sheet to read."),
    click.option("--encoding", default=None,
                 help="DBF/CSV 的文字编码（缺省自动识别 UTF-8/GBK），如 gbk — text encoding."),
    click.option("--swap-xy", is_flag=True,
                 help="对调坐标的 x 与 y（经纬度列填反时）— exchange x and y."),
    click.option("--field", "fields", multiple=True, metavar="TARGET=SOURCE",
                 help="把文件中的字段映射为规范字段，可重复，如 --field parcel_id=地块号 — map a field."),
]


def reader_options(f):
    """Add ``--layer``, ``--encoding``, ``--swap-xy`` and ``--field TARGET=SOURCE`` (repeatable) and hand
    the command one ``reader`` dict instead: ``{"layer", "encoding", "swap_xy", "field_map"}``, the keyword
    arguments of :func:`dcf_spatial.io.read_vector` (``--crs`` stays a separate option)."""

    @functools.wraps(f)
    def wrapper(*args, layer, encoding, swap_xy, fields, **kwargs):
        from ..io import parse_field_map

        reader = {"layer": layer, "encoding": encoding, "swap_xy": swap_xy,
                  "field_map": parse_field_map(list(fields)) if fields else None}
        return f(*args, reader=reader, **kwargs)

    for opt in reversed(_reader_params):
        wrapper = opt(wrapper)
    return wrapper



def check_writable(path: Path, overwrite: bool, *, param_hint: str = "--output") -> Path:
    """Refuse to overwrite an existing output unless ``--overwrite`` was given."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise click.BadParameter(f"{path} exists. Pass --overwrite to replace it.", param_hint=param_hint)
    return path


def echo_json(obj) -> None:
    """Print ``obj`` as UTF-8 JSON (Chinese left readable) on stdout."""
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))
