"""An audit's output folder is one set, described by its ``manifest.json``: no other command may
write into it (README: "An output is never an input, the layer store or another output"), and
``dcf audit diff`` compares only complete, unchanged sets (a tester's findings, FIX-C 1–2)."""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial import settings
from dcf_spatial.outputs_guard import guard_output, output_set_of

X0, Y0 = 409_000.0, 4_035_000.0  # EPSG:4548, near Dongchangfu


def _parcels(n=6, started=None):
    started = started or {}
    return gpd.GeoDataFrame({
        "parcel_id": [f"P{i:03d}" for i in range(n)], "land_use_code": "0601",
        "agreed_start": ["2022-01-01"] * n, "actual_start": [started.get(i) for i in range(n)],
        "land_price_wan": 1000.0},
        geometry=[shapely.box(X0 + i * 400, Y0, X0 + i * 400 + 300, Y0 + 100) for i in range(n)], crs=4548)


@pytest.fixture(scope="module")
def audits(tmp_path_factory):
    """Two idle audit folders (a: nothing started; b: one parcel started) in a copy of the shipped store."""
    root = tmp_path_factory.mktemp("audits")
    st = root / "s.gpkg"
    shutil.copy(settings.checkout_store, st)
    dcf.audit_idle(_parcels(), as_of="2025-06-30", store=st, out=root / "a", map=False)
    dcf.audit_idle(_parcels(started={0: "2022-03-01"}), as_of="2025-06-30", store=st, out=root / "b", map=False)
    return root


def _copy(audits, tmp_path, name="a"):
    dst = tmp_path / name
    shutil.copytree(audits / name, dst)
    return dst


def _cli(root, *args):
    from dcf_spatial.cli.main import cli

    return CliRunner().invoke(cli, ["--store", str(root / "s.gpkg"), *args], catch_exceptions=False)


# --- 1: nothing else writes into an audit's folder -----------------------------------------------------------
def test_audit_diff_refuses_to_write_into_an_audit_folder_even_with_overwrite(audits, tmp_path):
    a, b = _copy(audits, tmp_path, "a"), _copy(audits, tmp_path, "b")
    before = (a / "idle_audit.xlsx").read_bytes()
    r = _cli(audits, "audit", "diff", str(a), str(b), "-o", str(a / "idle_audit.xlsx"), "--overwrite")
    assert r.exit_code != 0
    assert "输出文件夹" in r.output and "manifest.json" in r.output
    assert (a / "idle_audit.xlsx").read_bytes() == before
    r = _cli(audits, "audit", "diff", str(a), str(b), "-o", str(a / "对比.xlsx"))  # a new file beside them too
    assert r.exit_code != 0 and not (a / "对比.xlsx").exists()
    r = _cli(audits, "audit", "diff", str(a), str(b), "-o", str(tmp_path / "对比.xlsx"))
    assert r.exit_code == 0, r.output


def test_site_history_refuses_to_replace_an_audit_geopackage(audits, tmp_path):
    a = _copy(audits, tmp_path)
    before = (a / "idle_audit.gpkg").read_bytes()
    r = _cli(audits, "site", "history", "-o", str(a / "idle_audit.gpkg"), "--overwrite")
    assert r.exit_code != 0 and "manifest.json" in r.output
    assert (a / "idle_audit.gpkg").read_bytes() == before


def test_an_audit_rerun_into_its_own_folder_is_allowed_and_another_programs_manifest_is_not_a_set(audits, tmp_path):
    a = _copy(audits, tmp_path)
    dcf.audit_idle(_parcels(), as_of="2025-06-30", store=audits / "s.gpkg", out=a, map=False, overwrite=True)
    assert json.loads((a / "manifest.json").read_text(encoding="utf-8"))["complete"] is True
    other = tmp_path / "web"
    other.mkdir()
    (other / "manifest.json").write_text('{"name": "my app", "icons": []}', encoding="utf-8")
    assert output_set_of(other / "x.csv") is None
    assert guard_output(other / "x.csv") == other / "x.csv"
    with pytest.raises(dcf.InputError, match="输出文件夹"):
        guard_output(a / "新.csv")


# --- 2: audit diff checks the sets it compares -----------------------------------------------------------------
def _diff_error(a, b):
    with pytest.raises(dcf.InputError) as got:
        dcf.audit_diff(a, b)
    return str(got.value)


def test_diff_refuses_an_incomplete_run(audits, tmp_path):
    a = _copy(audits, tmp_path)
    man = json.loads((a / "manifest.json").read_text(encoding="utf-8"))
    man["complete"] = False
    (a / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    msg = _diff_error(a, audits / "b")
    assert "未标记为完整" in msg and "manifest.json" in msg


def test_diff_refuses_a_result_changed_after_it_was_written(audits, tmp_path):
    a = _copy(audits, tmp_path)
    frame = gpd.read_parquet(a / "idle_audit.parquet")
    frame.iloc[:-1].to_parquet(a / "idle_audit.parquet")  # a row deleted by hand
    msg = _diff_error(a, audits / "b")
    assert "idle_audit.parquet" in msg and "已被改动" in msg


def test_diff_refuses_a_row_count_other_than_the_manifests_when_no_hash_is_recorded(audits, tmp_path):
    a = _copy(audits, tmp_path)
    man = json.loads((a / "manifest.json").read_text(encoding="utf-8"))
    man["files"].pop("idle_audit.parquet")
    (a / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    gpd.read_parquet(a / "idle_audit.parquet").iloc[:-1].to_parquet(a / "idle_audit.parquet")
    msg = _diff_error(a, audits / "b")
    assert "idle_audit.parquet" in msg and "已被改动" in msg and "5 行" in msg and "6 行" in msg


def test_diff_of_the_same_audit_twice_says_so(audits):
    assert "两次相同" in _diff_error(audits / "a", audits / "a")
    assert "两次相同" in _diff_error(audits / "a", audits / "." / "a")
    assert "两次相同" in _diff_error(3, "3")


@pytest.mark.parametrize("text, said", [
    ('{"kind": "idle", "complete": tr', "JSON 格式错误"),
    ('[1, 2]', "JSON 对象"),
    ('{"kind": "idle", "complete": true, "layers": "x"}', "“layers”"),
    ('{"kind": "idle", "complete": true, "layers": ["x"]}', "“layers”"),
    ('{"kind": "idle", "complete": true, "files": []}', "“files”"),
    ('\xff\xfe', "manifest.json"),
])
def test_a_malformed_manifest_is_a_clean_error_naming_the_file(audits, tmp_path, text, said):
    a = _copy(audits, tmp_path)
    (a / "manifest.json").write_bytes(text.encode("latin-1") if text == '\xff\xfe' else text.encode())
    msg = _diff_error(a, audits / "b")
    assert said in msg and str(a / "manifest.json") in msg


def test_diff_of_two_good_folders_still_works(audits):
    d = dcf.audit_diff(audits / "a", audits / "b")
    assert d.changes["宗地代码"].tolist() == ["P000"]


# --- 5: a missing value on an audit's web map is no text -------------------------------------------------------
def test_audit_map_carries_no_NA_text_for_parcels_outside_any_cluster(audits, tmp_path):
    res = dcf.audit_idle(_parcels(), as_of="2025-06-30", store=audits / "s.gpkg", out=tmp_path / "m", map=True)
    assert res.frame["cluster_zh"].isna().any()  # the case the tester found: parcels outside every cluster
    html = (tmp_path / "m" / "idle_audit_map.html").read_text(encoding="utf-8")
    assert "\\u003cNA\\u003e" not in html and "<NA>" not in html


def test_display_value_and_safe_json_write_missing_values_as_null():
    import numpy as np
    import pandas as pd

    from dcf_spatial.maps.encode import display_value, safe_json

    assert [display_value(v) for v in (pd.NA, pd.NaT, np.float32("nan"), None, "<NA>", "NaT")] == [None] * 6
    assert display_value("郑家镇") == "郑家镇" and display_value(0) == "0"
    assert safe_json({"a": pd.NA, "b": pd.NaT}) == '{"a":null,"b":null}'
