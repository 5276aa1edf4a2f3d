"""What ``dcf layers push`` says is what it wrote (a new user's QA, 2026-12-07, finding F8): a push that changed no
layer said 本次未作任何改动 and in the next line that it copied a register row; a second push said it copied
"12 个图层版本、12 个规则文件版本" though it copied nothing; an empty table header came first; and --overwrite was
required although nothing would have been replaced."""

from __future__ import annotations

import shutil
import sqlite3

from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli


def _dcf(*args):
    return CliRunner().invoke(cli, list(args))


def test_a_push_says_what_it_wrote_and_needs_no_overwrite_when_no_layer_differs(tmp_path):
    source, target = tmp_path / "src.gpkg", tmp_path / "target.gpkg"
    shutil.copy(settings.checkout_store, source)
    shutil.copy(settings.checkout_store, target)
    assert _dcf("--store", str(source), "site", "check", "--site", "115.75,36.455", "--industry", "轴承",
                "--record").exit_code == 0

    first = _dcf("--store", str(source), "layers", "push", "--to", str(target))   # no --overwrite: nothing replaced
    assert first.exit_code == 0, first.output
    assert "16 个图层" in first.output and "相同" in first.output and "无需写入" in first.output
    assert "1 条核查登记" in first.output
    assert "未作任何改动" not in first.output           # it did copy a register row
    assert "图层编号" not in first.output               # no table of copied layers when none was copied
    assert len(sqlite3.connect(target).execute("SELECT id FROM dcf_register").fetchall()) == 1

    second = _dcf("--store", str(source), "layers", "push", "--to", str(target))
    assert second.exit_code == 0, second.output
    assert "本次未作任何改动" in second.output
    assert "复制" not in second.output and "版本、" not in second.output   # nothing copied, nothing said copied
    assert "图层编号" not in second.output


def test_a_push_that_would_replace_a_layer_still_asks_for_overwrite_naming_only_it(tmp_path):
    source, target = tmp_path / "src.gpkg", tmp_path / "target.gpkg"
    shutil.copy(settings.checkout_store, source)
    shutil.copy(settings.checkout_store, target)
    townships = tmp_path / "乡镇.gpkg"   # the bureau's townships imported into the source: a layer that differs
    assert _dcf("--store", str(source), "layers", "export", "townships", "-o", str(townships)).exit_code == 0
    assert _dcf("--store", str(source), "layers", "import", "townships", str(townships),
                "--provenance", "authoritative").exit_code == 0
    res = _dcf("--store", str(source), "layers", "push", "--to", str(target))
    assert res.exit_code != 0
    assert "townships" in res.output and "--overwrite" in res.output
    assert "industrial_clusters" not in res.output      # the identical layers are no clash
    res = _dcf("--store", str(source), "layers", "push", "--to", str(target), "--overwrite")
    assert res.exit_code == 0, res.output
    assert "已将 1 个图层" in res.output and "图层编号" in res.output and "另有 15 个图层内容未变" in res.output
