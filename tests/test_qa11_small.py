"""QA round 11 (new user), finding 13: smaller inconsistencies a user meets at the command line and the desk.

Each test is written from what the user saw and what they should see instead.
"""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli

from _stores import STORE_KINDS


def _run(store, *args, **kw):
    return CliRunner(**kw).invoke(cli, ["--store", str(store), *args], catch_exceptions=False)


# --- F13.2: a check recorded without a project name ------------------------------------------------------------

def test_recheck_and_history_name_an_unnamed_check_as_unnamed_not_nan(tmp_path):
    """`dcf site recheck` printed ``#1720 nan 结论变化 …`` for a check recorded without a project name (the XLSX
    left the cell blank): the text says （未命名）, as the history list does, and never ``nan``."""
    import dcf_spatial as dcf

    from test_register import _move_cluster, _sites

    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    sites, _ = _sites(10)
    sites["name"] = [None if i % 2 else f"项目{i:02d}" for i in range(10)]
    answer = dcf.check_site(sites, store=st, record=True)
    _move_cluster(st, tmp_path)

    out = _run(st, "site", "recheck", "-o", str(tmp_path / "变化.xlsx"))
    assert out.exit_code == 0, out.output
    lines = [s for s in out.stdout.splitlines() if s.lstrip().startswith("#")]
    unnamed = {f"#{answer.register_ids[i]} " for i in range(1, 10, 2)}
    assert lines and any(s.lstrip().startswith(tuple(unnamed)) for s in lines)
    for s in lines:
        head = s.lstrip()
        assert "nan" not in head
        if head.startswith(tuple(unnamed)):
            assert head.split()[1] == "（未命名）", s
        else:
            assert head.split()[1].startswith("项目"), s

    listed = _run(st, "site", "history")
    assert "nan" not in listed.stdout
    assert listed.stdout.count("（未命名）") == 5
    shown = _run(st, "site", "history", "show", str(answer.register_ids[1]))
    assert "项目：未命名" in shown.stdout and "nan" not in shown.stdout.split("\n")[0]


# --- F13.3: a PostGIS command ends without a ResourceWarning ---------------------------------------------------

def test_postgis_commands_end_without_an_unclosed_connection_warning(tmp_path, request):
    """`dcf layers push --to URL` and `dcf site recheck` on PostGIS ended with ``ResourceWarning: <psycopg.Connection
    …> was deleted while still open``: the pools' kept connections are closed when the command ends."""
    import subprocess
    import sys

    from _stores import new_store

    url = new_store("postgis", tmp_path, request)
    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    dcf = [sys.executable, "-c", "from dcf_spatial.cli.main import cli; cli()"]
    runs = [["--store", str(st), "layers", "push", "--to", url],
            ["--store", url, "site", "check", "--site", "115.75,36.455", "--industry", "轴承", "--record"],
            ["--store", url, "site", "recheck"]]
    for args in runs:
        done = subprocess.run([*dcf, *args], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "ResourceWarning" not in done.stderr and "still open" not in done.stderr, (args[2:4], done.stderr)
    assert "重新核查 1 条登记" in done.stdout


# --- F13.1: outputs in a folder that does not exist yet ----------------------------------------------------------

def test_report_and_map_go_to_a_new_folder_as_the_result_table_does(tmp_path):
    """`-o 新目录/结果.xlsx` made the folder (README: “-o 的文件夹不存在时自动新建”) but `--report`/`--map` in a new
    folder were refused (``选项 --report 的值无效：文件夹 cli批量 不存在…``): every output makes its folder, and says so."""
    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    csv = tmp_path / "清单.csv"
    csv.write_text("项目名称,行业,经度,纬度\n轴承项目,轴承,115.75,36.455\n", encoding="utf-8")
    out = tmp_path / "cli批量"
    r = _run(st, "site", "check", "--batch", str(csv), "-o", str(out / "结果.xlsx"),
             "--report", str(tmp_path / "报告" / "核查.html"), "--map", str(tmp_path / "地图" / "二级" / "核查.html"))
    assert r.exit_code == 0, r.output
    assert (out / "结果.xlsx").is_file() and (tmp_path / "报告" / "核查.html").is_file()
    assert (tmp_path / "地图" / "二级" / "核查.html").is_file()
    assert "已新建文件夹" in r.stderr and "地图" in r.stderr
    # a single check, and `dcf site recheck --map` alike
    one = _run(st, "site", "check", "--site", "115.75,36.455", "--industry", "轴承",
               "--map", str(tmp_path / "单个" / "图.html"), "--report", str(tmp_path / "单个" / "报告.html"))
    assert one.exit_code == 0, one.output
    assert (tmp_path / "单个" / "图.html").is_file() and (tmp_path / "单个" / "报告.html").is_file()


def test_a_refused_command_leaves_no_new_folder_behind(tmp_path):
    """The folder is made when the options are read; a command refused after that (here: an industry that is
    not one) does not leave an empty folder behind."""
    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    r = _run(st, "site", "check", "--site", "115.75,36.455", "--industry", "不存在的行业xyz",
             "--map", str(tmp_path / "新目录" / "下层" / "图.html"))
    assert r.exit_code == 2
    assert not (tmp_path / "新目录").exists()


# --- F13.7: the command line names its options, not the library's argument names --------------------------------

def test_history_show_names_the_options_of_dcf_site_check_for_missing_figures(tmp_path):
    """`dcf site history show 16` suggested ``（可用 area_mu、floor_area_m2 … 给出）`` — Python names — for a check
    recorded without project figures: the command line names its options (--area-mu …), the library keeps its own."""
    from dcf_spatial import register

    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    r = _run(st, "site", "check", "--site", "115.75,36.455", "--industry", "轴承", "--record")
    assert r.exit_code == 0, r.output
    rid = int(register.history(store=st).frame["登记号"].iloc[-1])
    shown = _run(st, "site", "history", "show", str(rid))
    assert shown.exit_code == 0, shown.output
    line = next(s for s in shown.stdout.splitlines() if "未提供" in s)
    assert "--area-mu" in line and "--investment-wan" in line and "dcf site check" in line
    assert "area_mu" not in line.replace("--area-mu", "") and "floor_area_m2" not in line
    # the library (a Python user's words) keeps the argument names
    assert "area_mu、floor_area_m2" in register.show(rid, store=st).summary_text()


# --- F13.8: an import refused for a feature's geometry names the feature ------------------------------------------

def test_an_import_refused_for_a_feature_without_geometry_names_it_as_in_the_file(tmp_path):
    """A bureau's park file whose 汽车零部件产业园 lost its shape was refused with ``1 个无效几何（行索引 [9]）`` (and
    ``1 行没有几何``): the refusal names the feature by its number in the file, its BM and its name, once."""
    import dcf_spatial as dcf

    st = tmp_path / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    parks = dcf.layer("cluster_parks", store=st).drop(columns=["provenance", "source"])
    i = int((parks["id"] == "park.zhengjia.auto_parts").to_numpy().nonzero()[0][0])
    parks.loc[parks.index[i], "geometry"] = None
    f = tmp_path / "园区2025.gpkg"
    parks.rename(columns={"id": "BM", "name_zh": "MC"}).to_file(f, driver="GPKG")
    from dcf_spatial.store import catalog

    before = catalog.describe_layer("cluster_parks", store=st)["sha256"]
    r = _run(st, "layers", "import", "--provenance", "authoritative", "cluster_parks", str(f), "--field", "id=BM", "--field", "name_zh=MC")
    assert r.exit_code == 2
    assert f"第 {i + 1} 条要素（BM=park.zhengjia.auto_parts，汽车零部件产业园）" in r.output, r.output
    assert "行索引" not in r.output and "无效几何" not in r.output and r.output.count("没有几何") == 1
    assert catalog.describe_layer("cluster_parks", store=st)["sha256"] == before   # 图层库未作改动


# --- F13.14: an office policy named in Chinese --------------------------------------------------------------------

POLICY_SITE = {"site": "115.76,36.40", "industry": "C3451"}  # a bearing plant in no cluster (as test_qa10_policy_labels)


def test_a_policy_named_in_chinese_is_taken_as_its_code():
    """`policy` took the setting in Chinese (引导入园) but refused the policy's Chinese name as the key
    (``{"集聚区外新建工业项目": …}`` → 422): the name the pages and reasons show is taken too, and kept as the code."""
    import dcf_spatial as dcf
    from dcf_spatial import plan
    from dcf_spatial.desk.routes.api import policy_or_422

    assert plan.office_policies({"集聚区外新建工业项目": "引导入园"})["industry_outside_clusters"] == "conditional"
    assert policy_or_422({"集聚区外新建工业项目": "引导入园"}) == {"industry_outside_clusters": "conditional"}
    answer = dcf.check_site(POLICY_SITE["site"], POLICY_SITE["industry"], policy={"集聚区外新建工业项目": "引导入园"},
                            store=settings.checkout_store)
    assert answer.verdict == "conditional"
    default = dcf.check_site(POLICY_SITE["site"], POLICY_SITE["industry"], store=settings.checkout_store)
    assert default.verdict == "does_not_fit"


def test_the_command_line_takes_the_policy_name_in_chinese_and_names_both_forms_when_wrong(tmp_path):
    st = settings.checkout_store
    args = ["site", "check", "--site", POLICY_SITE["site"], "--industry", POLICY_SITE["industry"], "--json"]
    import json

    r = _run(st, *args, "--policy", "集聚区外新建工业项目=引导入园")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["verdict"] == "conditional"
    bad = _run(st, *args, "--policy", "集聚区外=引导入园")
    assert bad.exit_code == 2 and "industry_outside_clusters（集聚区外新建工业项目）" in bad.output


# --- F13.5: a version number names one content -----------------------------------------------------------------

@pytest.mark.parametrize("store_kind", STORE_KINDS)
def test_after_a_reset_a_new_import_takes_a_new_version_number(store_kind, tmp_path, request):
    """After `dcf layers reset` back to 第 1 版 and a new import, the new layer was again 第 2 版 — a different content
    from the earlier 第 2 版 that recorded checks used. The reset shows 第 1 版; the next import is 第 3 版; both stores."""
    from dcf_spatial.store import catalog

    from _stores import new_store
    from test_register import _move_cluster

    st = new_store(store_kind, tmp_path, request)
    catalog.copy_store(settings.checkout_store, st, layers=["industrial_clusters", "district"])
    v = lambda: catalog.describe_layer("industrial_clusters", store=st)
    first = v()["sha256"]
    _move_cluster(st, tmp_path, 0.03, "第2版")
    second = v()
    assert second["version"] == 2
    assert _run(st, "layers", "reset", "industrial_clusters").exit_code == 0
    assert v()["version"] == 1 and v()["sha256"] == first
    _move_cluster(st, tmp_path, 0.05, "新的")
    third = v()
    assert third["version"] == 3 and third["sha256"] != second["sha256"]
    # a second reset and import go on counting; the numbers shown are the kept versions'
    _move_cluster(st, tmp_path, 0.01, "再一版")
    assert v()["version"] == 4
    assert _run(st, "layers", "reset", "industrial_clusters").exit_code == 0 and v()["version"] == 3
    assert _run(st, "layers", "reset", "industrial_clusters").exit_code == 0 and v()["version"] == 1
    _move_cluster(st, tmp_path, 0.02, "又一版")
    assert v()["version"] == 5
