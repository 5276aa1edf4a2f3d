"""breaker2 N6: importing a township layer that leaves part of the district outside every township and
development-zone unit (layers/README.md: the two tile the district) warns in the import's summary and in its
preview, naming the gap's km² — the import is not refused (the bureau may import its units in either order)."""

from __future__ import annotations

import re
import shutil

import geopandas as gpd
import pytest
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli

GAP = re.compile(r"约 ([\d,.]+) km² 不在镇（街道）图层（townships）或开发区托管单元图层（other_units）的任何要素内")


def _dcf(*args):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def shifted(tmp_path):
    """A copy of the shipped store and its townships moved 1.8 km east (a wrong false easting, a shifted export)."""
    store = tmp_path / "store.gpkg"
    shutil.copy(settings.checkout_store, store)
    exported = tmp_path / "乡镇.gpkg"
    assert _dcf("--store", str(store), "layers", "export", "townships", "-o", str(exported)).exit_code == 0
    towns = gpd.read_file(exported)
    moved = towns.to_crs(settings.working_crs).translate(xoff=1800).to_crs(towns.crs)
    path = tmp_path / "乡镇_东移.gpkg"
    towns.set_geometry(moved).to_file(path)
    return store, exported, path


def _gap_km2(text):
    m = GAP.search(text)
    return None if m is None else float(m.group(1).replace(",", ""))


def test_the_import_and_its_preview_name_the_frame_gap_it_leaves(shifted):
    store, _, path = shifted
    preview = _dcf("--store", str(store), "layers", "import", "townships", str(path), "--dry-run")
    done = _dcf("--store", str(store), "layers", "import", "townships", str(path))
    assert preview.exit_code == 0 and done.exit_code == 0, preview.output + done.output   # warned, not refused
    # a 1.8 km shift of a district some 40 km across uncovers tens of km² along its western edge
    assert _gap_km2(preview.output) is not None and _gap_km2(preview.output) > 20, preview.output
    assert _gap_km2(done.output) == _gap_km2(preview.output), done.output
    assert "选址核查无法给出结论" in done.output


def test_a_layer_that_tiles_the_district_imports_without_the_note(shifted):
    store, exported, _ = shifted
    done = _dcf("--store", str(store), "layers", "import", "townships", str(exported))
    assert done.exit_code == 0, done.output
    assert "km²" not in done.output
