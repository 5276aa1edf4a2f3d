"""`dcf sample` — 合成样例数据 — generate a synthetic, seeded sample district"""

import click


@click.group()
def sample():
    """合成样例数据 — generate a synthetic, seeded sample district"""
