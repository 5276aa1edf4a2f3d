"""Recording into a store that cannot be written (issue 12, b): `dcf serve --store X` with X in a read-only folder
started, then answered every site check 500; `dcf site check --record` ended in a traceback. Both are refused at
the start (exit code not 0) with a Chinese message naming the folder or file, why (the checks are recorded in the
store's register, and SQLite writes its journal beside it) and the fix (a writable copy: the `cp` command and the
command to run on it; or without recording).

Real read-only folders and files (chmod a-w), `dcf` in a child process. Root passes every permission check (the
tests may run as root in CI): there the child's ``os.access`` — what dcf asks the operating system, in one place
(:func:`dcf_spatial.store.backends.gpkg_writable.write_problem`) — answers from the owner's write bit, as it does
for the owner who is not root.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys

import pytest


from _desk_server import free_port
from _stores import file_sha, store_alone

_CHILD = r"""
import os
if os.geteuid() == 0:   # root passes every permission check: answer from the owner's write bit, as for the owner
    real = os.access

    def access(path, mode, *args, **kwargs):
        if mode & os.W_OK and not os.stat(path).st_mode & 0o200:
            return False
        return real(path, mode, *args, **kwargs)

    os.access = access
if os.environ.get("DCF_TEST_SQLITE_READ_ONLY"):   # SQLite opens the store read-only, as it does a file it may not write
    import sqlite3

    connect = sqlite3.connect

    def read_only(db, *args, **kwargs):
        store = os.environ["DCF_TEST_SQLITE_READ_ONLY"]
        from pathlib import Path
        if str(db) in (store, Path(store).resolve().as_uri() + "?mode=rw"):   # a plain path, or gpkg.connect_existing's URI
            return connect(f"file:{store}?mode=ro", *args, **{**kwargs, "uri": True})
        return connect(db, *args, **kwargs)

    sqlite3.connect = read_only
from dcf_spatial.cli.main import cli
cli()
"""


def _dcf(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def store(tmp_path):
    path = store_alone(tmp_path / "只读")
    yield path
    path.parent.chmod(0o755)   # tmp_path is removed by pytest
    path.chmod(0o644)


def _read_only(path):
    path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))   # chmod a-w



@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_desk_recording_into_a_read_only_folder_or_file_is_refused_at_start(store, what):
    _read_only(store.parent if what == "folder" else store)
    try:
        res = _dcf("serve", "--store", str(store), "--no-browser", "--port", str(free_port()), timeout=90)
    except subprocess.TimeoutExpired as exc:   # the old desk: started, and would answer every check 500
        pytest.fail(f"the desk started on a store it cannot write: {exc.stdout}")
    said = res.stdout + res.stderr
    assert res.returncode != 0, said
    assert "规划工作台已启动" not in said and "Traceback" not in said
    named = f"所在文件夹 {store.parent} 不可写" if what == "folder" else f"文件 {store} 是只读的"
    assert named in said, said                                         # which folder or file
    assert "核查登记" in said and "journal" in said                     # why: the register, SQLite's journal beside it
    assert f"cp {shlex.quote(str(store))}" in said and "dcf serve --store" in said       # the fix: a writable copy, and the desk on it
    assert "--no-record" in said


def test_a_recorded_site_check_into_a_read_only_folder_is_refused_before_the_check(store):
    _read_only(store.parent)
    before = file_sha(store)
    res = _dcf("--store", str(store), "site", "check", "--site", "115.75,36.455", "--industry", "轴承", "--record")
    said = res.stdout + res.stderr
    assert res.returncode != 0 and "Traceback" not in said, said
    assert f"所在文件夹 {store.parent} 不可写" in said and "核查登记" in said
    assert f"cp {shlex.quote(str(store))}" in said and "--record" in said
    assert "结论" not in res.stdout                                      # refused before the check, not after it
    assert file_sha(store) == before


def test_a_register_write_sqlite_refuses_as_read_only_is_said_not_a_traceback(store):
    """What the start-up check cannot see (a store made read-only after it, a mount gone read-only): SQLite opens the
    file read-only and refuses the register write; that is said, as at the start."""
    res = _dcf("--store", str(store), "site", "check", "--site", "115.75,36.455", "--industry", "轴承", "--record",
               env={"DCF_TEST_SQLITE_READ_ONLY": str(store)})
    said = res.stdout + res.stderr
    assert res.returncode != 0 and "Traceback" not in said, said
    assert f"图层库 {store} 不可写" in said and "readonly" in said and "核查登记" in said
    assert f"cp {shlex.quote(str(store))}" in said
