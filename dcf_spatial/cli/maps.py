"""`dcf maps` — 规划附图与交互地图 — appendix maps and interactive maps"""

import click


@click.group()
def maps():
    """规划附图与交互地图 — appendix maps and interactive maps"""
