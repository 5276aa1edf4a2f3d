"""The way out that the site check and ``dcf layers doctor`` print for an emptied layer must work on the store at
hand, and the doctor must not bury one cause under a line per park (a new user's QA, 2026-12-07, findings F4, F5):
the printed ``dcf layers reset`` failed with 没有更早的版本 on a store that kept none, ``doctor --repair`` exited 0
with the problem still there, and one emptied 四大工业集聚区 gave ~30 lines whose 出路 (import new parks) was the
wrong fix."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli

#: 智能装备 in 智能制造产业园 of 嘉明经济开发区 (the QA's site): 符合 on the shipped layers
SITE = ["--site", "115.9456,36.5166", "--industry", "智能装备", "--area-mu", "60"]


def _careless(tmp_path, monkeypatch, sql: str):
    """A copy of the shipped store changed by ``sql`` run with sqlite3 (a colleague, outside dcf)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "careless.gpkg"
    shutil.copy(settings.checkout_store, path)
    with sqlite3.connect(path) as con:
        con.execute(sql)
    return path


@pytest.fixture()
def emptied(tmp_path, monkeypatch):
    """A copy of the shipped store whose 四大工业集聚区 a colleague emptied."""
    return _careless(tmp_path, monkeypatch, "DELETE FROM industrial_clusters")


def _dcf(store, *args):
    return CliRunner().invoke(cli, ["--store", str(store), *args])


def _fix_in(text: str) -> str:
    """The ``dcf layers reset …`` command a reason or a finding tells the user to run."""
    start = text.index("dcf layers reset")
    return text[start:].split("，")[0].split("；")[0].split(" 恢复")[0].strip()


def test_the_printed_fix_restores_an_emptied_layer_that_has_no_kept_version(emptied):
    res = _dcf(emptied, "site", "check", *SITE)
    assert "选址核查结论：无法核查" in res.output
    command = _fix_in(res.output[res.output.index("处理："):])
    # what the check says to run, run as it says, brings the layer back: the check answers again
    ran = _dcf(emptied, *command.split()[1:])
    assert ran.exit_code == 0, ran.output
    assert "已恢复" in ran.output and "4 个要素" in ran.output
    assert "选址核查结论：符合" in _dcf(emptied, "site", "check", *SITE).output
    doctor = _dcf(emptied, "layers", "doctor")
    assert doctor.exit_code == 0, doctor.output
    # the emptied version was kept: a plain reset goes back to it, and then the advice names no kept version
    assert _dcf(emptied, "layers", "reset", "industrial_clusters").exit_code == 0
    assert "无法核查" in _dcf(emptied, "site", "check", *SITE).output


def test_the_doctor_names_the_kept_version_when_there_is_one(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    # an import (the bureau's clusters) keeps the shipped version; then the layer is emptied outside dcf
    store = tmp_path / "kept.gpkg"
    shutil.copy(settings.checkout_store, store)
    assert _dcf(store, "layers", "export", "industrial_clusters", "-o", str(tmp_path / "c.gpkg")).exit_code == 0
    imported = _dcf(store, "layers", "import", "industrial_clusters", str(tmp_path / "c.gpkg"),
                    "--provenance", "authoritative")
    assert imported.exit_code == 0, imported.output
    with sqlite3.connect(store) as con:
        con.execute("DELETE FROM industrial_clusters")
    doctor = _dcf(store, "layers", "doctor")
    assert doctor.exit_code == 1
    first = doctor.output.split("出路：")[1]
    assert "dcf layers reset industrial_clusters 恢复到保留的第 1 版" in first and "--to-default" not in first
    assert _dcf(store, "layers", "reset", "industrial_clusters").exit_code == 0
    assert "选址核查结论：符合" in _dcf(store, "site", "check", *SITE).output


def test_doctor_repair_exits_non_zero_and_says_what_it_left(emptied):
    res = _dcf(emptied, "layers", "doctor", "--repair")
    assert res.exit_code == 1, res.output
    assert "未能自动修复" in res.output and "industrial_clusters" in res.output
    assert _dcf(emptied, "layers", "doctor", "--repair", "--json").exit_code == 1


def test_one_emptied_parent_layer_is_one_cause_and_one_folded_line(emptied):
    res = _dcf(emptied, "layers", "doctor")
    problems = [line for line in res.output.splitlines() if line.strip().startswith("问题：")]
    # the cause first, then the parks and enterprises that depend on it, counted in one line
    assert len(problems) == 2, res.output
    assert "四大工业集聚区" in problems[0] and "为空" in problems[0]
    assert "16 个工业集聚区功能园区" in problems[1] and "15 个规划点名企业" in problems[1]
    assert problems[1].count("没有该编号") == 0 and "智能制造产业园" in problems[1]
    # its way out is the parent layer, not importing new parks (which would be the wrong fix)
    assert "dcf layers import cluster_parks" not in res.output


def test_a_park_whose_cluster_is_gone_is_not_said_to_be_checked_as_outside(tmp_path, monkeypatch):
    path = _careless(tmp_path, monkeypatch, "DELETE FROM industrial_clusters WHERE id = 'cluster.jiaming'")
    check = _dcf(path, "site", "check", *SITE).output
    doctor = _dcf(path, "layers", "doctor").output
    # the check counts 智能制造产业园 as the park (符合): the doctor must not say such parks are checked as outside
    # (should the check change, this fails and the two are made to agree again)
    assert "工业项目位于智能制造产业园" in check, check
    assert "按集聚区外核查" not in doctor, doctor
    assert "仍按园区本身认定" in doctor
