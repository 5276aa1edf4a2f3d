"""`dcf site` — 项目选址核查 — does a project fit the plan here?"""

import click


@click.group()
def site():
    """项目选址核查 — does a project fit the plan here?"""
