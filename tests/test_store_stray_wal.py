"""A ``-wal`` beside a store that is not its own (breaker F10).

Two stores' files copied together from two folders: the store is in WAL mode (a desk was killed) and the
``-wal`` beside it is another store's. SQLite replays it anyway (its header ties it to no database file) and
the store cannot be read. dcf said 已损坏 and advised deleting the store and `dcf layers build` — losing every
imported layer — although the main file is intact. What the user should see: the log does not fit, the
main file is sound, move the ``-wal``/``-shm`` aside (not delete them); after that the store reads again.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from browser import make_fixture_store
from test_desk_workers import DCF

#: a process that writes in WAL mode and dies without closing: its -wal stays beside the file (as a killed desk's)
_WRITE = """import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA wal_autocheckpoint=0')
for s in sys.argv[2:]: c.execute(s)
os._exit(0)"""


@pytest.fixture
def store_with_foreign_wal(tmp_path):
    base = make_fixture_store(tmp_path / "base.gpkg")
    a, b = tmp_path / "a" / "store.gpkg", tmp_path / "b" / "store.gpkg"
    for p in (a, b):
        p.parent.mkdir()
        shutil.copyfile(base, p)
    with sqlite3.connect(b) as con:   # another store, its pages laid out otherwise (a bigger register)
        con.execute("CREATE TABLE padding(x)")
        con.execute("INSERT INTO padding SELECT zeroblob(3000) FROM (WITH RECURSIVE n(i) AS "
                    "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) SELECT i FROM n)")
    with sqlite3.connect(b) as con:
        con.execute("VACUUM")
    subprocess.run([sys.executable, "-c", _WRITE, str(a), "CREATE TABLE t_a(x)"], check=True)
    subprocess.run([sys.executable, "-c", _WRITE, str(b), "CREATE TABLE t_b(x)", "DELETE FROM padding WHERE rowid < 50"],
                   check=True)
    shutil.copyfile(f"{b}-wal", f"{a}-wal")   # copied together from the other folder
    os.remove(f"{a}-shm")
    return a


def test_a_foreign_wal_is_said_to_be_moved_aside_not_the_store_rebuilt(store_with_foreign_wal):
    store = store_with_foreign_wal
    for args in (["site", "check", "--site", "115.75,36.300", "--industry", "C34"], ["layers", "doctor"]):
        run = subprocess.run([*DCF, "--store", str(store), *args], capture_output=True, text=True)
        said = run.stdout + run.stderr
        assert f"{store.name}-wal" in said and "与它不符" in said and "移到别的文件夹" in said, said
        assert "layers build" not in said and "会丢失" not in said, said
    # what the message says to do: the store reads again, its layers all there
    aside = store.parent / "aside"
    aside.mkdir()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(f"{store}{suffix}"):
            shutil.move(f"{store}{suffix}", aside)
    run = subprocess.run([*DCF, "--store", str(store), "site", "check", "--site", "115.75,36.300", "--industry", "C34"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
