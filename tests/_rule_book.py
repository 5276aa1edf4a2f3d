"""A rule book edited for one test: the shipped data files copied to a folder, ``plan_rules.json`` replaced."""

from __future__ import annotations

import json
from contextlib import contextmanager

from dcf_spatial import plan, settings


def shipped_rule_book() -> dict:
    """``plan_rules.json`` as the file holds it (references unresolved), to edit."""
    return json.loads((settings.data_dir / plan.RULES_FILE).read_text(encoding="utf-8"))


@contextmanager
def rule_book_from(data: dict, folder, monkeypatch):
    """Make ``data`` the rule book the package loads (the other data files as shipped) while the block runs; the
    cached rule book is dropped on the way in and out."""
    for f in settings.data_dir.iterdir():
        if f.is_file():
            (folder / f.name).write_bytes(f.read_bytes())
    (folder / plan.RULES_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(settings, "data_dir", folder)
    plan.rules.cache_clear()
    try:
        yield folder / plan.RULES_FILE
    finally:
        monkeypatch.undo()
        plan.rules.cache_clear()
