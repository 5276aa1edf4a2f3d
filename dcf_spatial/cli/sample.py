"""`dcf sample` — 合成样例数据 — generate a synthetic, seeded sample district."""

from __future__ import annotations

from pathlib import Path

import click

from ._options import echo_json, overwrite_opt
from .help_format import DcfCommand


@click.command(cls=DcfCommand)
@click.option("-o", "--output", "output", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="写出样例数据的文件夹。")
@click.option("--parcels", "n_parcels", type=click.IntRange(min=1), default=2000, show_default=True, metavar="N",
              help="生成的宗地数（宗）。")
@click.option("--seed", type=int, default=0, show_default=True, help="随机种子：种子相同，生成的文件相同。")
@click.option("--no-imagery", is_flag=True, help="不生成合成的建成区掩膜影像（GeoTIFF）。")
@overwrite_opt
@click.option("--json", "as_json", is_flag=True, help="以 JSON 格式列出写出的文件。")
def sample(output, n_parcels, seed, no_imagery, overwrite, as_json):
    """合成样例数据 — generate a synthetic sample district.

    在（示意的）工业集聚区内外生成宗地，按各集聚区的主导行业生成企业；日期和数据按审计基准日
    2025-12-31 覆盖每一种审计结论。全部标为合成数据（编号 SYN-…，企业名“合成企业…（样例）”，
    synthetic=True），不是真实宗地或企业。

    \b
    $ dcf sample -o out/sample --parcels 2000 --seed 1
    $ dcf audit idle --parcels out/sample/parcels.gpkg --as-of 2025-12-31 --imagery out/sample/builtup_mask.tif -o out/idle
    """
    from .. import sample as sample_mod

    quiet = click.get_current_context().find_root().params.get("quiet")
    files = sample_mod.write_sample(output, parcels=n_parcels, seed=seed, imagery=not no_imagery, overwrite=overwrite,
                                    progress=not quiet)
    if as_json:
        echo_json({"seed": seed, "parcels": n_parcels, "files": files, "synthetic": True})
        return
    click.echo(f"已生成合成样例数据（合成数据，seed={seed}，宗地 {n_parcels:,} 宗），审计基准日建议 {sample_mod.SAMPLE_AS_OF}：")
    for path in files.values():
        click.echo(f"  {path}")
