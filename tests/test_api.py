"""The public API: ``import dcf_spatial as dcf`` is the product, and the CLI prints what it returns.

Together with ``test_queries.test_cli_json_equals_the_api_answer_to_dict`` (site check, batch and the
four queries) these tests run every other command that has ``--json`` and compare its output with
the API's answer for the same inputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial import settings
from dcf_spatial.cli.main import cli

REPO = Path(__file__).resolve().parents[1]


def _strict_json(obj):
    """What the CLI's ``echo_json`` makes of an object (NaN → null, Chinese kept), parsed back."""
    from dcf_spatial.cli._options import _strict

    return json.loads(json.dumps(_strict(obj), ensure_ascii=False, default=str, allow_nan=False))


def _run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# --- what the package exports -------------------------------------------------------------------

def test_every_public_name_resolves_and_is_documented_with_an_example():
    missing_examples = []
    for name in dcf.__all__:
        obj = getattr(dcf, name)
        if name == "__version__":
            assert isinstance(obj, str)
            continue
        doc = obj.__doc__ or ""
        assert doc.strip(), f"dcf.{name} has no docstring"
        if callable(obj) and not isinstance(obj, type) or name in ("Store", "SiteCheck", "QueryAnswer", "AuditResult"):
            if "Examples" not in doc:
                missing_examples.append(name)
    assert not missing_examples, f"public names without an Examples section: {missing_examples}"


def test_docs_api_md_names_every_public_name():
    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    absent = [n for n in dcf.__all__ if n != "__version__" and f"`{n}" not in text and f"dcf.{n}" not in text]
    assert not absent, f"docs/api.md does not document {absent}"


def test_importing_the_package_loads_no_heavy_library():
    code = "import sys, dcf_spatial; print([m for m in ('pandas', 'geopandas', 'shapely', 'folium') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        dcf.nope  # noqa: B018


def test_input_error_is_a_value_error():
    with pytest.raises(ValueError):
        dcf.check_site("not a site", industry="轴承")


def test_nothing_in_the_package_imports_the_cli():
    import ast

    offenders = []
    for path in (REPO / "dcf_spatial").rglob("*.py"):
        rel = path.relative_to(REPO / "dcf_spatial")
        if rel.parts[0] == "cli":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                # resolve a relative import against the module's package
                base = list(("dcf_spatial",) + rel.parent.parts)
                target = node.module or ""
                if node.level:
                    target = ".".join(base[: len(base) - node.level + 1] + ([target] if target else []))
                names = [target + "." + a.name for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            if any(n == "dcf_spatial.cli" or n.startswith("dcf_spatial.cli.") for n in names):
                offenders.append(str(rel))
    assert not offenders


# --- the CLI prints what the API returns ----------------------------------------------------------

@pytest.fixture
def shipped_store(monkeypatch):
    """The shipped default store, whatever DCF_STORE says in the environment."""
    monkeypatch.delenv("DCF_STORE", raising=False)
    monkeypatch.setattr(settings, "store", settings.default_store)
    return settings.default_store


def test_layers_list_json_equals_the_api(shipped_store):
    r = _run("layers", "list", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == _strict_json(dcf.layers().to_dict(orient="records"))


def test_layers_show_json_equals_the_api(shipped_store):
    r = _run("layers", "show", "industrial_clusters", "--json")
    assert r.exit_code == 0, r.output
    api = json.loads(dcf.layer("industrial_clusters").to_json(ensure_ascii=False, drop_id=True))
    assert json.loads(r.stdout) == api
    assert len(api["features"]) == 4


def test_store_argument_and_active_store_give_the_same_layer(shipped_store, tmp_path):
    from dcf_spatial.store import catalog

    copy = tmp_path / "copy.gpkg"
    catalog.copy_store(shipped_store, copy)
    store = dcf.Store(copy)
    with store.activate():
        active = dcf.layer("townships")
    assert len(active) == len(dcf.layer("townships", store=store)) == len(store.layer("townships")) == 14


@pytest.fixture
def sample_data(tmp_path_factory, shipped_store):
    from dcf_spatial.sample import write_sample

    folder = tmp_path_factory.mktemp("sample")
    files = write_sample(folder, parcels=150, seed=3, imagery=False)
    return {k: Path(v) for k, v in files.items()}


def _same_paths(obj, a: Path, b: Path):
    """``obj`` (JSON) with output folder ``b`` written as ``a``: two runs into two folders compare equal."""
    return json.loads(json.dumps(obj, ensure_ascii=False).replace(str(b), str(a)))


def test_audit_idle_json_equals_the_api(sample_data, tmp_path):
    cli_out, api_out = tmp_path / "cli", tmp_path / "api"
    r = _run("audit", "idle", "--parcels", str(sample_data["parcels"]), "--as-of", "2025-12-31", "-o", str(cli_out),
             "--no-map", "--json")
    assert r.exit_code == 0, r.output
    res = dcf.audit_idle(sample_data["parcels"], as_of="2025-12-31", out=api_out, map=False)
    assert isinstance(res, dcf.AuditResult) and res.kind == "idle" and len(res.frame) == 150
    assert json.loads(r.stdout) == _same_paths(_strict_json(res.to_dict()), cli_out, api_out)


def test_audit_efficiency_json_equals_the_api(sample_data, tmp_path):
    cli_out, api_out = tmp_path / "cli", tmp_path / "api"
    r = _run("audit", "efficiency", "--enterprises", str(sample_data["enterprises"]), "--parcels",
             str(sample_data["parcels"]), "--as-of", "2025-12-31", "-o", str(cli_out), "--no-map", "--json")
    assert r.exit_code == 0, r.output
    res = dcf.audit_efficiency(sample_data["enterprises"], parcels=sample_data["parcels"], as_of="2025-12-31",
                               out=api_out, map=False)
    assert isinstance(res, dcf.AuditResult) and res.kind == "efficiency"
    assert json.loads(r.stdout) == _same_paths(_strict_json(res.to_dict()), cli_out, api_out)


def test_audit_result_written_later_matches_a_run_that_wrote_at_once(sample_data, tmp_path):
    res = dcf.audit_idle(sample_data["parcels"], as_of="2025-12-31")
    assert not res.files  # nothing written until asked
    files = res.write(tmp_path / "later", map=False)
    assert files and all(Path(p).exists() for p in files.values())


def test_maps_appendix_json_equals_the_api(shipped_store, tmp_path):
    cli_out, api_out = tmp_path / "cli", tmp_path / "api"
    r = _run("maps", "appendix", "--out", str(cli_out), "--only", "fig2", "--format", "html", "--json")
    assert r.exit_code == 0, r.output
    api = dcf.appendix_maps(api_out, keys=("fig2",), formats=("html",))
    assert json.loads(r.stdout) == _same_paths({k: {f: str(p) for f, p in v.items()} for k, v in api.items()},
                                               cli_out, api_out)
    assert (api_out / Path(api["fig2"]["html"]).name).read_bytes() == (cli_out / Path(api["fig2"]["html"]).name).read_bytes()


# --- a plain (non-editable) install works from any folder ----------------------------------------

@pytest.mark.slow
def test_a_non_editable_install_answers_from_outside_the_repo(tmp_path):
    """``pip install .`` (no ``-e``): the package, its data and the default store come from the wheel,
    not from this checkout. Installed with ``--no-deps`` into a folder put first on ``sys.path``; the
    dependencies are this environment's."""
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--target", str(target), str(REPO)], check=True, capture_output=True)
    code = ("import dcf_spatial as dcf; from pathlib import Path; "
            "assert 'site' in Path(dcf.__file__).parts, dcf.__file__; "
            "r = dcf.check_site('115.75,36.455', industry='轴承', area_mu=50); print(r.verdict)")
    env = {k: v for k, v in os.environ.items() if k != "DCF_STORE"}
    env.update(PYTHONPATH=str(target), HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "fits"


def test_notebooks_use_only_public_names():
    """Notebooks import the package and define no logic: only ``import dcf_spatial as dcf`` and names
    of ``dcf.__all__`` (and methods of what those return)."""
    import re

    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        imports = re.findall(r"^\s*(?:from|import)\s+(dcf_spatial\S*)(.*)$", code, flags=re.M)
        assert imports == [("dcf_spatial", " as dcf")], (path.name, imports)
        used = set(re.findall(r"\bdcf\.(\w+)", code))
        assert used and used <= set(dcf.__all__), (path.name, used - set(dcf.__all__))
        assert not re.search(r"^\s*(def|class|lambda)\b", code, flags=re.M), f"{path.name} defines logic"


def test_no_import_circle_between_the_package_modules():
    """Counting the imports inside functions too: a module never needs, directly or through others,
    a module that needs it (issue 11: a layout that shows the architecture)."""
    import ast

    root = REPO / "dcf_spatial"
    mods = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = package.split(".")
                    base = ".".join(pkg[: len(pkg) - node.level + 1] + ([base] if base else []))
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    deps.add(target if target in mods else base)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[name] = {d for d in deps if d in mods and d != name}

    def reaches(start, goal, seen):
        for nxt in graph[start]:
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                if reaches(nxt, goal, seen):
                    return True
        return False

    circles = sorted(m for m in graph if reaches(m, m, set()))
    assert not circles, f"modules in an import circle: {circles}"
