"""`dcf query` — 空间查询 — overlap, nearest, within, available land"""

import click


@click.group()
def query():
    """空间查询 — overlap, nearest, within, available land"""
