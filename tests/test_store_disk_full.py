"""A write into a GeoPackage store on a full disk (issue 12, a): `dcf layers push` ended in a raw OSError
traceback and left its working copy (``.<store>.<id>.tmp.gpkg``) beside the store. Now every write that goes
through a working copy — a push, an import, a reset — says in Chinese that the disk is full, names the store and
the layers it was writing, the free space and what the copy needs, and the fix; the store is unchanged (byte for
byte, and it still opens), the copy is gone, the exit code is not 0.

The full disk is made where the kernel reports it, in a child ``dcf`` process (the real disk is not filled, and
an unprivileged test cannot mount a small file system):

- ``copy``: the working copy is written by ``shutil.copyfile``, i.e. ``os.sendfile`` on Linux; the first block
  goes to disk, the next call fails with ``ENOSPC`` — what a disk filling up part-way through the copy does
  (RLIMIT_FSIZE would give ``EFBIG`` and SIGXFSZ instead, another error than a user meets);
- ``layers``: GDAL writing the layers into the copy, through its own SQLite: ``OGR_SQLITE_PRAGMA=max_page_count=1``
  lets no SQLite file GDAL opens grow, and SQLite then fails as it does on ``ENOSPC``, with ``SQLITE_FULL``
  "database or disk is full" (sqlite.org/rescode.html#full).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli

from _stores import file_sha, store_alone

#: the child `dcf`: with DCF_TEST_FULL_COPY set, the working copy's second block meets a full disk
_CHILD = r"""
import errno, os, sys
if os.environ.get("DCF_TEST_FULL_COPY"):
    real = os.sendfile

    def sendfile(out_fd, in_fd, offset, count):
        if os.readlink(f"/proc/self/fd/{out_fd}").endswith(".tmp.gpkg"):
            if os.fstat(out_fd).st_size > 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(out_fd, in_fd, offset, min(count, 64 * 1024))
        return real(out_fd, in_fd, offset, count)

    os.sendfile = sendfile
from dcf_spatial.cli.main import cli
cli()
"""

FULL_AT = {"copy": {"DCF_TEST_FULL_COPY": "1"}, "layers": {"OGR_SQLITE_PRAGMA": "max_page_count=1"}}


def _dcf_here(*args):
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code == 0, res.output
    return res



@pytest.fixture
def target(tmp_path):
    return store_alone(tmp_path / "库")


def _write(command, target, tmp_path) -> tuple[list[str], str]:
    """The arguments of ``command`` writing into ``target`` and the layer it writes (set up beforehand)."""
    townships = tmp_path / "乡镇.gpkg"
    _dcf_here("--store", str(target), "layers", "export", "townships", "-o", str(townships))
    if command == "push":   # a source whose townships differ: the push replaces them
        source = tmp_path / "source.gpkg"
        shutil.copy(settings.checkout_store, source)
        _dcf_here("--store", str(source), "layers", "import", "townships", str(townships), "--provenance", "authoritative")
        return ["--store", str(source), "layers", "push", "--to", str(target), "--overwrite"], "townships"
    if command == "import":
        return ["--store", str(target), "layers", "import", "townships", str(townships),
                "--provenance", "authoritative"], "townships"
    # reset: back to the version before an import
    _dcf_here("--store", str(target), "layers", "import", "townships", str(townships), "--provenance", "authoritative")
    return ["--store", str(target), "layers", "reset", "townships"], "townships"


@pytest.mark.parametrize("command, full_at", [
    ("push", "copy"), ("push", "layers"),
    pytest.param("import", "copy", marks=pytest.mark.slow), pytest.param("import", "layers", marks=pytest.mark.slow),
    # a reset writes the kept version back over pages the replaced one frees: the file need not grow, only the copy
    pytest.param("reset", "copy", marks=pytest.mark.slow)])
def test_a_write_on_a_full_disk_says_so_leaves_the_store_as_it_was_and_no_working_copy(command, full_at, target, tmp_path):
    args, layer = _write(command, target, tmp_path)
    before = file_sha(target)
    listed_before = subprocess.run([sys.executable, "-c", _CHILD, "--store", str(target), "layers", "list", "--json"],
                                   capture_output=True, text=True)
    assert listed_before.returncode == 0, listed_before.stderr

    res = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True,
                         env={**os.environ, **FULL_AT[full_at]})

    assert res.returncode != 0
    said = res.stdout + res.stderr
    assert "Traceback" not in said, said
    assert "磁盘空间不足" in said and str(target) in said, said          # what, and which store
    assert "工作副本" in said                                              # what was being written, and where
    if not (command == "push" and full_at == "copy"):   # a push names its layers as it writes them, after the copy
        assert f"写入图层 {layer}" in said
    assert "剩余" in said and "至少需要" in said                          # free vs needed
    assert "未作任何改动" in said and "已损坏" not in said                 # not the damaged-store advice
    assert "腾出空间" in said and "DCF_STORE" in said                     # the fix
    assert file_sha(target) == before                                         # the store as it was
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]   # no working copy, no journal
    listed = subprocess.run([sys.executable, "-c", _CHILD, "--store", str(target), "layers", "list", "--json"],
                            capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == listed_before.stdout                          # it opens, with the same versions
