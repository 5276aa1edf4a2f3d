"""The `dcf` entry point: lazy help, one-line errors, --store scoped to one invocation."""

import subprocess
import sys

from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import COMMANDS, cli


def test_help_lists_every_group_without_importing_them():
    code = (
        "import sys; from click.testing import CliRunner; from dcf_spatial.cli.main import cli;"
        "r = CliRunner().invoke(cli, ['--help']); print(r.output);"
        "print('GEOPANDAS', 'geopandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for name in COMMANDS:
        assert name in out
    assert "GEOPANDAS False" in out


def test_store_option_applies_to_one_invocation_only(tiny_store, tmp_path):
    import shutil

    other = tmp_path / "other.gpkg"
    shutil.copy(tiny_store, other)
    before = settings.store
    res = CliRunner().invoke(cli, ["--store", str(other), "layers", "list", "--json"])
    assert res.exit_code == 0, res.output
    assert '"townships"' in res.stdout
    assert settings.store == before and str(before) != str(other)


def test_missing_store_is_a_one_line_error(tmp_path):
    res = CliRunner().invoke(cli, ["--store", str(tmp_path / "none.gpkg"), "layers", "list"])
    assert res.exit_code == 2
    assert res.stderr.startswith("错误 Error:") and "none.gpkg" in res.stderr
