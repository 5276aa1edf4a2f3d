"""Options shared by every command, defined once (rasterio ``rio`` style)."""

from __future__ import annotations

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


def check_writable(path: Path, overwrite: bool, *, param_hint: str = "--output") -> Path:
    """Refuse to overwrite an existing output unless ``--overwrite`` was given."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise click.BadParameter(f"{path} exists. Pass --overwrite to replace it.", param_hint=param_hint)
    return path


def echo_json(obj) -> None:
    """Print ``obj`` as UTF-8 JSON (Chinese left readable) on stdout."""
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))
