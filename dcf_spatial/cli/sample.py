"""`dcf sample` — 合成样例数据 — generate a synthetic, seeded sample district."""

from __future__ import annotations

from pathlib import Path

import click

from ._options import echo_json, overwrite_opt


@click.command()
@click.option("-o", "--output", "output", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the sample into.")
@click.option("--parcels", "n_parcels", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Number of parcels.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same files).")
@click.option("--no-imagery", is_flag=True, help="Skip the synthetic built-up mask GeoTIFF.")
@overwrite_opt
@click.option("--json", "as_json", is_flag=True, help="Print the files written as JSON.")
def sample(output, n_parcels, seed, no_imagery, overwrite, as_json):
    """合成样例数据 — generate a synthetic, seeded sample district.

    Parcels inside the (schematic) industrial clusters and beyond, enterprises of the clusters'
    industries, and dates and figures that meet every audit status on 2025-12-31. Everything
    is labelled 合成数据 (SYN- ids, 合成企业…（样例） names, synthetic=True).

    \b
    $ dcf sample -o out/sample --parcels 2000 --seed 1
    $ dcf audit idle --parcels out/sample/parcels.gpkg --as-of 2025-12-31 --imagery out/sample/builtup_mask.tif -o out/idle
    """
    from .. import sample as sample_mod

    files = sample_mod.write_sample(output, parcels=n_parcels, seed=seed, imagery=not no_imagery, overwrite=overwrite)
    if as_json:
        echo_json({"seed": seed, "parcels": n_parcels, "files": files, "synthetic": True})
        return
    click.echo(f"已生成合成样例数据（合成数据，seed={seed}，宗地 {n_parcels:,} 宗），审计基准日建议 {sample_mod.SAMPLE_AS_OF}：")
    for path in files.values():
        click.echo(f"  {path}")
