"""Every notebook in notebooks/ runs top to bottom (executed with nbclient, not just opened)."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    names = {p.name for p in NOTEBOOKS}
    assert {"01_site_check.ipynb", "02_appendix_maps.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("DCF_NOTEBOOK_QUICK", "1")  # notebooks draw one appendix map, not three
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # outputs land in this test's temp folder
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    # each notebook shows something: at least one code cell has output
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written, "a notebook should write its outputs to the temp folder"
