"""A run killed at any step of moving its files over an earlier complete result (QA breaker round 3,
item 1): the earlier result is never lost — it is either still in place, or kept whole in
``.上次结果/`` and put back, file for file, by the next run into the folder (or ``restore_set``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from dcf_spatial.io.output_set import MANIFEST, PARTIAL_PREFIX, PREVIOUS, check_set, restore_set, sha256_of, write_set

# the new set: two files that replace earlier ones (one a folder) and one the earlier set did not have
_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from dcf_spatial.io.output_set import write_set
    tag = sys.argv[2]
    def write(d):
        (d / "a.csv").write_text("a " + tag, encoding="utf-8")
        (d / "parts").mkdir()
        (d / "parts" / "0.txt").write_text("p " + tag, encoding="utf-8")
        if tag == "new":
            (d / "only_new.txt").write_text("n", encoding="utf-8")
        return {}
    write_set(sys.argv[1], write, overwrite=True, manifest={"tag": tag})
""")

POINTS = ["outputs:staged", "outputs:aside:0", "outputs:aside:1", "outputs:aside:2", "outputs:aside:3",
          "outputs:moved:1", "outputs:moved:2", "outputs:moved:3", "outputs:manifest"]


def _run(folder, tag, kill=None):
    env = dict(os.environ)
    env.pop("DCF_TEST_FAIL_AFTER", None)
    if kill:
        env["DCF_TEST_FAIL_AFTER"] = kill
    return subprocess.run([sys.executable, "-c", _WRITER, str(folder), tag], capture_output=True, text=True,
                          env=env, timeout=300)


def _snapshot(folder):
    return {p.name: sha256_of(p) for p in folder.iterdir() if not p.name.startswith(".")}


@pytest.mark.parametrize("kill", POINTS)
def test_a_kill_at_any_step_never_loses_the_earlier_result(tmp_path, kill):
    out = tmp_path / "out"
    assert _run(out, "old").returncode == 0
    (out / "user_notes.txt").write_text("not ours", encoding="utf-8")  # a file the sets do not touch
    before = _snapshot(out)
    assert check_set(out)["complete"]

    killed = _run(out, "new", kill=kill)
    assert killed.returncode == 70, killed.stderr
    state = check_set(out)
    if state["complete"]:  # either the earlier set or, killed after its manifest, the new one
        tag = state["manifest"]["tag"]
        assert tag == "new" if kill == "outputs:manifest" else tag == "old"
        if tag == "old":
            assert _snapshot(out) == before
    else:  # part-way: the folder says so and names where the earlier result is kept
        assert PREVIOUS in state["problems"][0]
        assert json.loads((out / PREVIOUS / MANIFEST).read_text(encoding="utf-8"))["tag"] == "old"

    expected = "finished" if kill == "outputs:manifest" else ("restored" if not state["complete"] else None)
    if kill == "outputs:aside:0":  # the list written, nothing moved: the earlier manifest still in place
        expected = "finished"
    assert restore_set(out) == expected
    if kill != "outputs:manifest":
        assert _snapshot(out) == before  # file for file, the new-only file gone
        assert check_set(out)["complete"] and check_set(out)["manifest"]["tag"] == "old"
    assert not (out / PREVIOUS).exists()

    assert _run(out, "new").returncode == 0  # and the next run completes as usual
    final = check_set(out)
    assert final["complete"] and final["manifest"]["tag"] == "new"
    assert (out / "a.csv").read_text(encoding="utf-8") == "a new"
    assert (out / "user_notes.txt").read_text(encoding="utf-8") == "not ours"
    assert not list(out.glob(".*"))


def test_the_next_run_restores_before_it_writes(tmp_path):
    out = tmp_path / "out"
    assert _run(out, "old").returncode == 0
    assert _run(out, "new", kill="outputs:moved:2").returncode == 70
    assert (out / PREVIOUS).is_dir() and not (out / MANIFEST).exists()

    def failing(d):
        raise RuntimeError("写出失败")

    with pytest.raises(RuntimeError):  # the next run fails while writing: the earlier result is back
        write_set(out, failing, overwrite=True)
    assert check_set(out)["complete"] and check_set(out)["manifest"]["tag"] == "old"
    assert not (out / "only_new.txt").exists() and not list(out.glob(PARTIAL_PREFIX + "*"))


def test_a_failure_while_moving_puts_the_earlier_result_back_at_once(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert _run(out, "old").returncode == 0
    before = _snapshot(out)
    import dcf_spatial.io.output_set as os_mod

    real = os_mod.os.replace
    calls = {"n": 0}

    def flaky(src, dst):
        if str(src).find(PARTIAL_PREFIX) >= 0:
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError("disk full")
        return real(src, dst)

    monkeypatch.setattr(os_mod.os, "replace", flaky)

    def write(d):
        (d / "a.csv").write_text("a new", encoding="utf-8")
        (d / "parts").mkdir()
        (d / "only_new.txt").write_text("n", encoding="utf-8")
        return {}

    with pytest.raises(OSError):
        write_set(out, write, overwrite=True, manifest={"tag": "new"})
    monkeypatch.undo()
    assert _snapshot(out) == before and check_set(out)["manifest"]["tag"] == "old"
    assert not (out / PREVIOUS).exists()
