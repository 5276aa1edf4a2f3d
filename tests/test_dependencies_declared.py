"""Every library the package imports is installed by ``pip install .`` alone (README command 1), not only
with the test extra: ``dcf serve --workers 2`` imported httpx, which only ``.[test]`` brought, and on a
plain install every request a secondary passed to the primary failed with a 500 (QA round 10)."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_modules() -> dict[str, list[str]]:
    """Top-level names of the absolute imports in the package (stdlib and the package itself left out)."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "dcf_spatial").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "dcf_spatial":
                    found.setdefault(top, []).append(str(path.relative_to(ROOT)))
    return found


def _installed_with(declared: list[str]) -> set[str]:
    """The distributions ``pip install .`` brings: the declared ones and what they require (no extras), recursively."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in declared]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = _norm(req.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            todo += [Requirement(r) for r in (md.requires(req.name) or [])]
        except md.PackageNotFoundError:   # declared but not installed here: nothing more to follow
            continue
    return seen


def test_every_imported_library_comes_with_a_plain_install():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    installed = _installed_with(declared)
    dists = md.packages_distributions()
    missing = {module: files[:3] for module, files in _imported_top_modules().items()
               if not {_norm(d) for d in dists.get(module, [module])} & installed}
    assert not missing, f"imported but not installed by `pip install .` (add to [project].dependencies): {missing}"


def test_the_check_would_catch_a_library_only_the_test_extra_brings():
    """httpx, taken out of the declared list, is found missing (it comes only with the test extra)."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    without = [r for r in declared if _norm(Requirement(r).name) != "httpx"]
    assert "httpx" not in _installed_with(without)
    assert "httpx" in _installed_with(declared)
