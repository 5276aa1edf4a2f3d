"""Issue 13 (goals 2–4): the audit's complete list as GeoParquet, one reprojection shared by the
checks and the zone join, site batches written chunk by chunk (none lost), and progress on stderr
(a bar on a terminal, plain lines in a log, nothing with ``-q``)."""

from __future__ import annotations

import io

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from dcf_spatial import settings
from dcf_spatial.cli.main import cli
from dcf_spatial.land import audit_idle, outputs
from dcf_spatial.progress import progress_bar, steps_bar

from test_idle_audit import make_land_store, parcel_frame
from test_site_check import build_fixture_store, km_pt

ROWS = [{"agreed_start": "2020-01-01"}, {"agreed_start": "2020-01-01", "parcel_id": "T000"},
        {"agreed_start": "2024-01-01"}, {"agreed_start": None}, {"agreed_start": "bad"},
        {"agreed_start": "2022-06-01", "land_price_wan": 500.0}]


# --- the complete list ---------------------------------------------------------------------------------------


def test_complete_list_is_geoparquet_with_every_row_and_the_workbook_says_where(tmp_path):
    store = make_land_store(tmp_path / "store.gpkg")
    res = audit_idle(parcel_frame(ROWS), out=tmp_path / "out", as_of="2024-06-01", store=store, map=False)
    back = gpd.read_parquet(res.files["parquet"])
    assert len(back) == len(ROWS) and back["row"].tolist() == list(range(1, len(ROWS) + 1))
    assert back.crs is not None and back.geometry.notna().all()
    assert back["status"].tolist() == res.frame["status"].astype(str).tolist()
    # few parcels: the GeoPackage is cheap and written too, with the same rows
    assert len(gpd.read_file(res.files["gpkg"], layer="idle_audit")) == len(ROWS)
    ws = openpyxl.load_workbook(res.files["excel"], read_only=True)["说明"]
    notes = "".join(str(r[0]) for r in ws.iter_rows(values_only=True))
    assert "完整清单（每宗一行，含图形）在 idle_audit.parquet" in notes


def test_geopackage_only_on_request_above_the_cheap_size(tmp_path, monkeypatch):
    store = make_land_store(tmp_path / "store.gpkg")
    monkeypatch.setattr(outputs, "GPKG_AUTO_MAX_ROWS", 3)  # 6 parcels are "many" here
    res = audit_idle(parcel_frame(ROWS), out=tmp_path / "a", as_of="2024-06-01", store=store, map=False)
    assert "gpkg" not in res.files and not (tmp_path / "a" / "idle_audit.gpkg").exists()
    assert len(gpd.read_parquet(res.files["parquet"])) == len(ROWS)
    ws = openpyxl.load_workbook(res.files["excel"], read_only=True)["说明"]
    assert "GeoPackage 仅在要求时写出（命令行：--gpkg）" in "".join(str(r[0]) for r in ws.iter_rows(values_only=True))
    res = audit_idle(parcel_frame(ROWS), out=tmp_path / "b", as_of="2024-06-01", store=store, map=False, gpkg=True)
    assert len(gpd.read_file(res.files["gpkg"], layer="idle_audit")) == len(ROWS)


def test_an_existing_parquet_is_refused_before_the_audit(tmp_path):
    from dcf_spatial.errors import InputError

    store = make_land_store(tmp_path / "store.gpkg")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "idle_audit.parquet").write_bytes(b"x")
    with pytest.raises(InputError):
        audit_idle(parcel_frame(ROWS), out=tmp_path / "out", as_of="2024-06-01", store=store, map=False)


# --- one reprojection ---------------------------------------------------------------------------------------------


def test_parcels_are_reprojected_once_and_areas_and_zones_are_unchanged(tmp_path, monkeypatch):
    from dcf_spatial.land.parcels import validate_parcels
    from dcf_spatial.land.zones import join_zones

    store = make_land_store(tmp_path / "store.gpkg")
    parcels = parcel_frame(ROWS).to_crs(4490)  # as a bureau's file comes: degrees
    expected = validate_parcels(parcels)
    expected_zones = join_zones(expected, store=store)
    calls = []
    real = gpd.GeoDataFrame.to_crs

    def counting(self, *a, **k):
        if len(self) == len(ROWS):
            calls.append(len(self))
        return real(self, *a, **k)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_crs", counting)
    # simple polygons are reprojected from their coordinates (parcels._reprojected_simple_polygons), not by to_crs
    from dcf_spatial.land import parcels as parcels_mod

    fast = parcels_mod._reprojected_simple_polygons

    def counting_fast(geometry):
        out = fast(geometry)
        if out is not None:  # (else to_crs reprojects them, counted above)
            calls.append(len(geometry))
        return out

    monkeypatch.setattr(parcels_mod, "_reprojected_simple_polygons", counting_fast)
    res = audit_idle(parcels, as_of="2024-06-01", store=store)
    assert len(calls) == 1  # validate_parcels and join_zones share it
    pd.testing.assert_series_equal(res.frame["area_m2"], expected["area_m2"], check_names=False)
    for c in ("township_id", "township_share", "township_method", "cluster_id", "park_id"):
        assert res.frame[c].astype(object).tolist() == expected_zones[c].astype(object).tolist()


# --- site batches in chunks ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site_store(tmp_path_factory):
    return build_fixture_store(tmp_path_factory.mktemp("scale_batch") / "s.gpkg")


def _lonlat(x_km, y_km):
    p = gpd.GeoSeries([km_pt(x_km, y_km)], crs=settings.working_crs).to_crs(settings.storage_crs).iloc[0]
    return round(p.x, 7), round(p.y, 7)


def _batch_csv(tmp_path):
    lon, lat = _lonlat(3, 3)
    lines = ["项目名称,经度,纬度,行业,用地面积(亩)"]
    for k in range(7):
        industry = ("轴承", "水泥", "", "轴承", "不存在的行业词", "轴承", "水泥")[k]
        lines.append(f"合成项目{k},{'' if k == 3 else lon},{lat},{industry},{'' if k == 5 else 10 + k}")
    path = tmp_path / "清单.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg"])
def test_chunked_batch_table_equals_the_in_memory_one(site_store, tmp_path, monkeypatch, suffix):
    from dcf_spatial.queries import check_batch, check_batch_to_file

    monkeypatch.setattr(settings, "store", site_store)
    src = _batch_csv(tmp_path)
    whole = check_batch(src, store=site_store)
    a, b = whole.to_table(tmp_path / f"whole{suffix}"), tmp_path / f"chunked{suffix}"
    run = check_batch_to_file(src, b, store=site_store, chunk_rows=2)  # 7 rows: 4 chunks
    assert run.rows == 7 == len(whole.results)

    def read(p):
        if suffix == ".csv":
            return pd.read_csv(p)
        if suffix == ".xlsx":
            return pd.read_excel(p, sheet_name="核查结果")
        return gpd.read_file(p, layer="site_check")

    left, right = read(a), read(b)
    assert len(right) == 7
    pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True))
    assert run.summary_text() == whole.summary_text(more_hint="输出文件")
    assert run.failed == len(whole.failed())
    # point rows with an area are grown into discs chunk by chunk, and the note says so as before
    assert any("行为点位：按该行用地面积扩为同面积的圆形地块" in n for n in run.notes)
    assert run.notes == whole.notes


def test_chunked_batch_refuses_an_existing_output(site_store, tmp_path):
    from dcf_spatial.errors import InputError
    from dcf_spatial.queries import check_batch_to_file

    out = tmp_path / "r.csv"
    out.write_text("keep", encoding="utf-8")
    with pytest.raises(InputError):
        check_batch_to_file(_batch_csv(tmp_path), out, store=site_store)
    assert out.read_text(encoding="utf-8") == "keep"


def test_cli_batch_to_a_table_streams_and_reports_progress_as_plain_lines(site_store, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "store", site_store)
    out = tmp_path / "结果.csv"
    res = CliRunner().invoke(cli, ["--store", str(site_store), "site", "check", "--batch", str(_batch_csv(tmp_path)),
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == 7
    assert "选址批量核查：7/7 行（100%）" in res.stderr and "\r" not in res.stderr  # stderr is not a terminal here
    assert "共 7 条记录" in res.stdout
    quiet = CliRunner().invoke(cli, ["-q", "--store", str(site_store), "site", "check", "--batch",
                                     str(_batch_csv(tmp_path)), "-o", str(out), "--overwrite"])
    assert quiet.exit_code == 0 and "选址批量核查：" not in quiet.stderr


# --- progress -------------------------------------------------------------------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_plain_lines_off_a_terminal_and_a_bar_on_one():
    log = io.StringIO()
    bar = progress_bar(10, "核查", True, stream=log, interval=0)
    for _ in range(10):
        bar.update(1)
    bar.close()
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue() and len(lines) == 11
    assert lines[4].startswith("核查：5/10 行（50%）") and lines[-1].startswith("核查：10/10 行（100%） 完成")
    term = _Tty()
    bar = progress_bar(10, "核查", True, stream=term)
    bar.update(10)
    bar.close()
    assert "\r" in term.getvalue() and "10/10" in term.getvalue()  # tqdm redraws in place
    off = io.StringIO()
    bar = progress_bar(10, "核查", False, stream=off)
    bar.update(10)
    bar.close()
    assert off.getvalue() == ""


def test_plain_lines_are_spaced_by_the_interval():
    log = io.StringIO()
    bar = progress_bar(1000, "核查", True, stream=log, interval=3600)
    for _ in range(1000):
        bar.update(1)
    bar.close()
    assert log.getvalue().splitlines() == [log.getvalue().splitlines()[-1]]  # only the closing line


def test_steps_name_each_step():
    log = io.StringIO()
    bar = steps_bar(2, "闲置土地审计", True, stream=log)
    bar.step("读入宗地")
    bar.step("逐宗审计")
    bar.close()
    text = log.getvalue()
    assert "读入宗地" in text and "逐宗审计" in text and "完成" in text


def test_audit_cli_shows_steps_unless_quiet(tmp_path, monkeypatch):
    store = make_land_store(tmp_path / "store.gpkg")
    src = tmp_path / "宗地.gpkg"
    parcel_frame(ROWS).to_file(src, driver="GPKG")
    args = ["--store", str(store), "audit", "idle", "--parcels", str(src), "--as-of", "2024-06-01", "--no-map"]
    res = CliRunner().invoke(cli, args + ["-o", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert "闲置土地审计：" in res.stderr and "镇街与集聚区归属" in res.stderr and "\r" not in res.stderr
    res = CliRunner().invoke(cli, ["-q"] + args + ["-o", str(tmp_path / "b")])
    assert res.exit_code == 0 and "闲置土地审计：" not in res.stderr
    assert (tmp_path / "b" / "idle_audit.parquet").exists()
