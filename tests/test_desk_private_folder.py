"""The private socket folder of ``dcf serve --workers N`` (<tmp>/dcf-desk-XXXXXXXX): a desk killed with
``kill -9`` left it in /tmp for good (breaker F8). A desk starting later removes the folders of desks that are
gone — never a live desk's, another user's, a symlink, or a folder not made as the desk makes them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from dcf_spatial.desk import private_folder


def _gone_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid   # a pid no process has any more


def _folder(root: Path, name: str, owner: str | None = None, mode: int = 0o700) -> Path:
    d = root / name
    d.mkdir()
    (d / "register.sock").write_bytes(b"")
    if owner is not None:
        (d / private_folder.OWNER).write_text(owner, encoding="ascii")
    d.chmod(mode)
    return d


def test_a_folder_made_by_the_desk_names_its_process():
    folder = Path(private_folder.make())
    try:
        assert folder.name.startswith("dcf-desk-") and oct(folder.stat().st_mode & 0o777) == "0o700"
        pid, start = (folder / private_folder.OWNER).read_text().split()
        assert int(pid) == os.getpid() and start == private_folder._start_time(os.getpid())
        assert private_folder.remove_dead(str(folder.parent)).count(folder) == 0   # this desk's own: kept
        assert folder.exists()
    finally:
        import shutil

        shutil.rmtree(folder)


def test_folders_of_dead_desks_go_and_live_ones_stay(tmp_path):
    parent = os.getppid()   # the test runner's parent: a live process
    dead = _folder(tmp_path, "dcf-desk-dead0001", f"{_gone_pid()} 12345")
    live = _folder(tmp_path, "dcf-desk-live0001", f"{parent} {private_folder._start_time(parent)}")
    reused = _folder(tmp_path, "dcf-desk-reuse001", f"{parent} 1")   # the pid now belongs to a later process
    pid_only = _folder(tmp_path, "dcf-desk-pidonly1", f"{parent}")   # no start time: the live pid decides
    removed = private_folder.remove_dead(str(tmp_path))
    assert sorted(removed) == sorted([dead, reused])
    assert not dead.exists() and not reused.exists() and live.is_dir() and pid_only.is_dir()


def test_an_older_desks_folder_goes_only_when_nothing_listens_on_its_socket(tmp_path):
    stale = _folder(tmp_path, "dcf-desk-stale001")
    listening = _folder(tmp_path, "dcf-desk-listen01")
    empty = _folder(tmp_path, "dcf-desk-empty001")   # a desk making its folder this instant
    closed = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    closed.bind(str(stale / "primary.sock"))
    closed.close()                                  # bound by a desk that is gone: nobody listens
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(listening / "primary.sock"))
    server.listen(1)
    try:
        assert private_folder.remove_dead(str(tmp_path)) == [stale]
        assert listening.is_dir() and empty.is_dir()
    finally:
        server.close()


def test_symlinks_other_modes_and_other_desk_folders_are_left_alone(tmp_path):
    gone = f"{_gone_pid()} 1"
    target = _folder(tmp_path, "elsewhere", gone)
    (tmp_path / "dcf-desk-symlink1").symlink_to(target, target_is_directory=True)
    loose = _folder(tmp_path, "dcf-desk-loose001", gone, mode=0o755)        # not made by the desk (0700)
    jobs = _folder(tmp_path, f"dcf-desk-jobs-{_gone_pid()}-abcdefgh", gone)  # the jobs' folders: jobs.py's business
    imports = _folder(tmp_path, "dcf-desk-import-82hf2p3l", gone)
    assert private_folder.remove_dead(str(tmp_path)) == []
    assert (tmp_path / "dcf-desk-symlink1").is_symlink() and (target / "register.sock").exists()
    assert loose.is_dir() and jobs.is_dir() and imports.is_dir()


@pytest.mark.skipif(os.getuid() != 0, reason="making a folder of another user needs root")
def test_another_users_folder_is_left_alone(tmp_path):
    other = _folder(tmp_path, "dcf-desk-other001", f"{_gone_pid()} 1")
    os.chown(other, 65534, 65534)
    assert private_folder.remove_dead(str(tmp_path)) == [] and other.is_dir()


def test_the_line_that_says_what_was_removed_is_chinese_and_names_the_folders():
    line = private_folder.said([Path("/tmp/dcf-desk-aaaa1111"), Path("/tmp/dcf-desk-bbbb2222")])
    assert line.startswith("已删除") and "2 个临时文件夹" in line
    assert "/tmp/dcf-desk-aaaa1111" in line and "/tmp/dcf-desk-bbbb2222" in line
    assert private_folder.said([]) == ""
