"""`dcf audit` — 闲置土地与亩产效益审计 — idle-land and per-mu efficiency audits"""

import click


@click.group()
def audit():
    """闲置土地与亩产效益审计 — idle-land and per-mu efficiency audits"""
