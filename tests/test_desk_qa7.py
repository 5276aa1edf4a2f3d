"""What a breaker found in the desk and the readers (QA round 7, issue 12 "Safe by default": bad input →
4xx JSON in Chinese, never a 500; nothing lost): a self-intersecting polygon that exhausted memory, an
industry text that tied a thread for hours, an area of 1e-100 亩 and ``true``, jobs that could not be
cancelled and folders left by killed desks, a KML's Placemark names dropped, 报批 TXT files with other
separators or X/Y swapped, a merged two-row header, and messages with internal names in them."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import dcf_spatial as dcf
from dcf_spatial.errors import InputError

#: a parcel inside the district (lon/lat), as Leaflet sends it
SQUARE = [[115.745, 36.452], [115.752, 36.452], [115.752, 36.457], [115.745, 36.457], [115.745, 36.452]]
#: a bow-tie: one self-intersection, repaired as before
BOWTIE = {"type": "Polygon", "coordinates": [[[115.75, 36.45], [115.76, 36.46], [115.76, 36.45], [115.75, 36.46],
                                              [115.75, 36.45]]]}


def scrambled(n: int) -> dict:
    """A ring of ``n`` random vertices in a 1 km box: ~n²/9 self-intersections (the breaker's si.py)."""
    rnd = random.Random(0)
    cx, cy, r = 115.75, 36.455, 0.005
    coords = [[cx + rnd.uniform(-r, r), cy + rnd.uniform(-r, r)] for _ in range(n)]
    return {"type": "Polygon", "coordinates": [coords + [coords[0]]]}


# ---- 1. a polygon crossing itself thousands of times is refused before make_valid ------------------------

def test_self_crossings_counts_and_stops_past_the_limit():
    import shapely

    from dcf_spatial.io.rows import self_crossings

    assert self_crossings(shapely.geometry.shape(BOWTIE)) == 1
    assert self_crossings(shapely.Polygon(SQUARE)) == 0
    # a hole touching nothing, a second part apart: no crossing
    donut = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(2, 2), (4, 2), (4, 4), (2, 4)]])
    assert self_crossings(shapely.MultiPolygon([donut, shapely.box(20, 20, 21, 21)])) == 0
    # 20,000 scrambled vertices (~44 million crossings): the count stops soon after the limit
    many = self_crossings(shapely.geometry.shape(scrambled(20_000)), limit=1000)
    assert 1000 < many < 5_000_000


def test_a_scrambled_polygon_is_refused_with_the_fix_and_a_bowtie_still_repaired():
    with pytest.raises(ValueError) as err:          # InputError is a ValueError
        dcf.check_site(json.dumps(scrambled(4000)), "轴承")
    text = str(err.value)
    assert "场地图形自相交过多" in text and "请在 GIS 中修复后再上传" in text
    assert re.search(r"至少 [\d,]+ 处", text)
    assert dcf.check_site(json.dumps(BOWTIE), "轴承").verdict in ("fits", "conditional", "conflict")


def test_a_file_of_parcels_keeps_its_good_parcels_and_names_the_scrambled_one(tmp_path):
    import geopandas as gpd
    import shapely

    path = tmp_path / "地块.geojson"
    gdf = gpd.GeoDataFrame({"name": ["好地块", "乱地块"]},
                           geometry=[shapely.Polygon(SQUARE), shapely.geometry.shape(scrambled(3000))], crs=4490)
    gdf.to_file(path)
    site = dcf.read_site(str(path))
    assert len(site) == 2                            # nothing lost: the refused parcel keeps its row
    assert site.geometry.iloc[1].is_empty and "图形自相交过多" in site["read_issue"].iloc[1]
    answer = dcf.check_site(str(path), "轴承")
    assert any("图形自相交过多" in n for n in answer.notes)


def test_a_valid_polygon_of_100000_vertices_is_still_checked():
    import numpy as np

    t = np.linspace(0, 2 * np.pi, 100_000, endpoint=False)
    ring = np.c_[115.75 + 0.004 * np.cos(t), 36.455 + 0.003 * np.sin(t)].tolist()
    geom = {"type": "Polygon", "coordinates": [ring + [ring[0]]]}
    assert dcf.check_site(json.dumps(geom), "轴承").verdict


# ---- 2. the industry text has a length cap; the word reader is linear ----------------------------------

def test_a_long_industry_text_is_refused_naming_the_cap():
    from dcf_spatial.industry import MAX_INDUSTRY_CHARS, resolve

    assert MAX_INDUSTRY_CHARS == 200
    with pytest.raises(InputError, match=r"行业文字过长（100,000 个字符，最多 200 个）"):
        resolve("轴" * 100_000)
    assert resolve("轴承" + "x" * 198).status in ("resolved", "ambiguous", "unknown")   # 200 characters: read


def test_the_contained_words_reader_finds_words_in_a_long_phrase():
    from dcf_spatial.industry import _contains, _table

    # the bounded pass finds the same words as before; a phrase of 100,000 characters answers (no cap here)
    m = _contains("某某有限公司年产十万套轴承项目", _table())
    assert m is not None and "C3451" in m.codes
    assert _contains("轴" * 100_000, _table()) is None


def test_a_batch_row_with_a_long_industry_is_that_rows_error(tmp_path):
    path = tmp_path / "清单.csv"
    path.write_text("项目名称,经度,纬度,行业\n甲,115.75,36.455,轴承\n乙,115.75,36.455," + "轴" * 300 + "\n",
                    encoding="utf-8")
    answer = dcf.check_batch(str(path))
    rows = answer.results
    assert rows[0]["status"] == "ok"
    assert rows[1]["status"] == "error" and "行业文字过长" in rows[1]["error"]


# ---- 3. an area of 1e-100 亩, a boolean for a number ------------------------------------------------------

@pytest.mark.parametrize("area, says", [(1e-100, "过小（下限 0.0001 亩）"), (True, "不是数字")])
def test_area_mu_has_a_floor_and_is_no_boolean(area, says):
    with pytest.raises(InputError, match=re.escape(says)):
        dcf.check_site("115.75,36.455", "轴承", area_mu=area)
    assert dcf.check_site("115.75,36.455", "轴承", area_mu=0.0001).verdict


# ---- 4. jobs: cancel, leftovers, the wording of an internal error ---------------------------------------

def _wait(job, statuses=("done", "failed", "cancelled")):
    import time

    deadline = time.monotonic() + 60   # not a timed assertion: only a guard against a hang
    while job.status not in statuses:
        assert time.monotonic() < deadline, job.to_dict()
        time.sleep(0.02)


def test_a_cancelled_job_stops_at_its_next_step_and_its_files_go():
    from dcf_spatial.desk.jobs import Jobs

    jobs = Jobs(workers=1)
    try:
        entered, release, after = threading.Event(), threading.Event(), []
        job = jobs.new("idle")
        (job.folder / "input").mkdir()
        (job.folder / "input" / "upload.csv").write_text("x")

        def work(job):
            job.step(0.2, "正在审计")
            entered.set()
            release.wait(30)
            job.step(0.7, "正在写出结果")      # cancelled meanwhile: stops here
            after.append("wrote")

        jobs.start(job, work)
        assert entered.wait(30)
        assert jobs.cancel(job.id).message.startswith("正在取消")
        release.set()
        _wait(job)
        assert job.status == "cancelled" and job.message == "已取消" and after == []
        assert not job.folder.exists() and job.to_dict()["downloads"] == []
        # a finished job is not cancelled (F8S): 409, its results stay downloadable
        from dcf_spatial.desk.errors import DeskError

        done = jobs.new("idle")

        def write(j):
            (j.folder / "out.xlsx").write_text("x")
            j.files["结果.xlsx"] = j.folder / "out.xlsx"

        jobs.start(done, write)
        _wait(done)
        assert done.status == "done"
        with pytest.raises(DeskError) as exc:
            jobs.cancel(done.id)
        assert exc.value.status == 409 and "任务已完成，不能取消（结果仍可下载）" in str(exc.value)
        assert done.status == "done" and (done.folder / "out.xlsx").exists() and done.to_dict()["downloads"]
    finally:
        jobs.close()


def test_an_internal_error_of_a_job_does_not_blame_the_upload():
    from dcf_spatial.desk.jobs import Jobs

    jobs = Jobs(workers=1)
    try:
        job = jobs.new("idle")
        jobs.start(job, lambda j: [][1])
        _wait(job)
        assert job.status == "failed"
        assert "内部错误" in job.error and job.id in job.error and "服务器日志" in job.error
        assert "请检查上传的数据" not in job.error
    finally:
        jobs.close()


def test_leftover_job_folders_of_dead_desks_are_removed_and_live_ones_kept(tmp_path):
    from dcf_spatial.desk.jobs import JOBS_PREFIX, remove_leftovers

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()                                       # a pid no process has any more
    dead = tmp_path / f"{JOBS_PREFIX}{gone.pid}-abc"
    live = tmp_path / f"{JOBS_PREFIX}{os.getppid()}-def"   # the test runner's parent: alive
    mine = tmp_path / f"{JOBS_PREFIX}{os.getpid()}-ghi"
    old = tmp_path / f"{JOBS_PREFIX}xyz"              # an older desk's folder, without a pid: not ours to judge
    for d in (dead, live, mine, old):
        (d / "job" / "input").mkdir(parents=True)
    assert remove_leftovers(str(tmp_path)) == [dead]
    assert not dead.exists() and live.exists() and mine.exists() and old.exists()


def test_a_desk_names_its_job_folder_with_its_pid():
    from dcf_spatial.desk.jobs import Jobs

    jobs = Jobs(workers=1)
    try:
        assert jobs.root.name.startswith(f"dcf-desk-jobs-{os.getpid()}-")
    finally:
        jobs.close()


# ---- 5. a KML Placemark's name is the row's name --------------------------------------------------------

KML = """<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>甲地块&lt;b&gt;</name><Point><coordinates>115.75,36.455,0</coordinates></Point></Placemark>
<Placemark><name>乙地块</name><Point><coordinates>115.80,36.47,0</coordinates></Point></Placemark>
</Document></kml>"""


def test_kml_placemark_names_are_kept(tmp_path):
    path = tmp_path / "点位.kml"
    path.write_text(KML, encoding="utf-8")
    assert dcf.read_site(str(path))["name"].tolist() == ["甲地块<b>", "乙地块"]
    answer = dcf.check_batch(str(path), "轴承")
    assert answer.sites["name"].tolist() == ["甲地块<b>", "乙地块"]


# ---- 6. readers: 报批 TXT separators and swapped X/Y, a merged two-row header, messages --------------------

def _survey_txt(tmp_path) -> str:
    import geopandas as gpd
    import shapely

    from dcf_spatial.io.survey_txt import write_survey_txt

    path = tmp_path / "ok.txt"
    write_survey_txt(gpd.GeoDataFrame({"地块编号": ["1"], "地块名称": ["甲"]}, geometry=[shapely.Polygon(SQUARE)],
                                      crs=4490), path)
    return path.read_text(encoding="gbk")


@pytest.mark.parametrize("sep, named", [("，", "全角逗号"), ("\t", "制表符"), (";", "分号")])
def test_a_survey_txt_with_another_separator_is_read_and_says_so(tmp_path, sep, named):
    text = _survey_txt(tmp_path)
    head, _, body = text.partition("[地块坐标]")
    path = tmp_path / "sep.txt"
    path.write_bytes((head + "[地块坐标]" + body.replace(",", sep)).replace("\r\n", "\n").encode("gbk"))
    good = dcf.read_site(str(tmp_path / "ok.txt"))
    read = dcf.read_site(str(path))
    assert read["地块名称"].tolist() == ["甲"]
    assert read.geometry.iloc[0].equals_exact(good.geometry.iloc[0], 1e-9)
    assert any(named in n and "按逗号读取" in n for n in read.attrs["read_notes"])


@pytest.mark.parametrize("prefix", [True, False])
def test_swapped_x_and_y_in_a_survey_txt_are_named(tmp_path, prefix):
    text = _survey_txt(tmp_path)
    # the format's point row is 点号,圈号,X,Y with X the northing: write them the other way round
    pattern = r"^(J\d+,\d+),([\d.]+),([\d.]+)$" if prefix else r"^(J\d+,\d+),([\d.]+),39([\d.]+)$"
    path = tmp_path / "swap.txt"
    path.write_bytes(re.sub(pattern, r"\1,\3,\2", text, flags=re.M).encode("gbk"))
    with pytest.raises(InputError) as err:
        dcf.read_site(str(path))
    text = str(err.value)
    assert "X、Y 两列似乎互换了" in text and "对调 X、Y 两列" in text
    assert "带号=4" not in text


def test_a_merged_two_row_header_with_coordinates_under_a_group_is_read(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目清单（2026年第一批）"])
    ws.merge_cells("A1:E1")
    ws.append(["项目名称", "坐标", None, "行业", "用地面积(亩)"])
    ws.merge_cells("B2:C2")
    ws.append([None, "经度", "纬度", None, None])
    ws.merge_cells("A2:A3")
    ws.merge_cells("D2:D3")
    ws.merge_cells("E2:E3")
    ws.append(["甲", 115.75, 36.455, "轴承", 50])
    ws.append(["乙", 115.80, 36.47, "轴承", 30])
    path = tmp_path / "清单.xlsx"
    wb.save(path)
    answer = dcf.check_batch(str(path))
    assert [r["status"] for r in answer.results] == ["ok", "ok"]
    assert answer.sites["name"].tolist() == ["甲", "乙"]


def test_no_coordinates_lists_only_the_users_columns(tmp_path):
    path = tmp_path / "清单.csv"
    path.write_text("项目名称,行业,用地面积(亩),地址\n甲,轴承,50,某处\n", encoding="utf-8")
    from dcf_spatial.io import read_vector

    with pytest.raises(InputError) as err:
        read_vector(path)
    listed = re.search(r"现有列：([^。]*)。", str(err.value)).group(1)
    assert listed.split(", ") == ["项目名称", "行业", "用地面积(亩)", "地址"]


def test_the_projected_crs_fix_is_said_once():
    with pytest.raises(InputError) as err:
        dcf.check_site("115.75,36.455", "轴承", crs="EPSG:4527")
    text = str(err.value)
    assert "请不要" not in text and text.count("指定坐标系") == 1 and "EPSG:4490" in text


# ---- the desk: 4xx JSON in Chinese, never a 500 ---------------------------------------------------------

def _error(r, status=422) -> str:
    assert r.status_code == status, r.text
    text = r.json()["error"]
    assert re.search(r"[\u4e00-\u9fff]", text) and "Traceback" not in text
    return text


def test_the_desk_refuses_a_scrambled_polygon_and_checks_a_bowtie(desk):
    text = _error(desk.post("/api/site-check", json={"site": scrambled(20_000), "industry": "轴承"}))
    assert "场地图形自相交过多" in text and "请在 GIS 中修复后再上传" in text
    assert desk.post("/api/site-check", json={"site": BOWTIE, "industry": "轴承"}).status_code == 200


def test_the_desk_reads_a_scrambled_parcel_file_naming_the_feature(desk, tmp_path):
    import geopandas as gpd
    import shapely

    path = tmp_path / "乱地块.geojson"
    gpd.GeoDataFrame({"name": ["乱地块"]}, geometry=[shapely.geometry.shape(scrambled(3000))], crs=4490).to_file(path)
    with open(path, "rb") as fh:
        r = desk.post("/api/site/read", files={"file": ("乱地块.geojson", fh)})
    text = _error(r)
    assert "乱地块.geojson" in text and "图形自相交过多" in text and "乱地块" in text


@pytest.mark.parametrize("body, field, says", [
    ({"industry": "轴" * 100_000}, "industry", "最多 200 个字"),
    ({"industry": "轴承", "area_mu": 1e-100}, "area_mu", "应不小于 0.0001"),
    ({"industry": "轴承", "area_mu": True}, "area_mu", "应为数字"),
    ({"industry": "轴承", "investment_wan": False}, "investment_wan", "应为数字"),
])
def test_the_desk_refuses_bad_numbers_and_a_long_industry(desk, body, field, says):
    text = _error(desk.post("/api/site-check", json={"site": "115.75,36.455", **body}))
    assert field in text and says in text


def test_the_desk_says_the_projected_crs_fix_once_pointing_at_the_box(desk):
    text = _error(desk.post("/api/site-check", json={"site": "115.75,36.455", "industry": "轴承", "crs": "EPSG:4527"}))
    assert "「坐标系」栏" in text and text.count("坐标系」栏") == 1 and "在文件中注明坐标系" not in text


def test_the_desk_keeps_kml_names_in_site_read_and_batch(desk, tmp_path):
    path = tmp_path / "点位.kml"
    path.write_text(KML, encoding="utf-8")
    with open(path, "rb") as fh:
        read = desk.post("/api/site/read", files={"file": ("点位.kml", fh)})
    assert read.status_code == 200, read.text
    assert [f["properties"].get("name") for f in read.json()["parcels"]["features"]] == ["甲地块<b>", "乙地块"]
    with open(path, "rb") as fh:
        batch = desk.post("/api/site-check/batch", files={"file": ("点位.kml", fh)}, data={"industry": "轴承"})
    assert batch.status_code == 200, batch.text
    assert batch.json()["names"] == ["甲地块<b>", "乙地块"]


def test_the_desk_never_shows_read_table_or_internal_columns(desk, tmp_path):
    path = tmp_path / "清单.csv"
    path.write_text("项目名称,行业,地址\n甲,轴承,某处\n", encoding="utf-8")
    with open(path, "rb") as fh:
        text = _error(desk.post("/api/site/read", files={"file": ("清单.csv", fh)}), 400)
    assert "read_table" not in text and "找不到坐标列" in text
    assert re.search(r"现有列：项目名称, 行业, 地址。", text), text


def test_the_desk_cancels_a_job(desk, monkeypatch, tmp_path):
    """DELETE /api/jobs/{id}: the job (an audit held at its start) stops at its next step, its folder goes."""
    entered, release = threading.Event(), threading.Event()
    real = dcf.audit_idle

    def held(*args, **kwargs):
        entered.set()
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(dcf, "audit_idle", held)   # the desk runs in this process (tests/_desk_server.py)
    files = dcf.write_sample(tmp_path / "sample", parcels=10, seed=2, imagery=False)
    with open(files["parcels"], "rb") as fh:
        r = desk.post("/api/audit/idle", files={"parcels": (Path(files["parcels"]).name, fh)},
                      data={"as_of": "2025-12-31"})
    assert r.status_code == 202, r.text
    url = r.json()["url"]
    assert entered.wait(60)
    cancelling = desk.delete(url)
    assert cancelling.status_code == 200 and cancelling.json()["message"].startswith("正在取消")
    release.set()
    import time

    deadline = time.monotonic() + 120   # a guard against a hang, not a timed assertion
    while (state := desk.get(url).json())["status"] not in ("done", "failed", "cancelled"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert state["status"] == "cancelled" and state["downloads"] == []
    assert _error(desk.delete("/api/jobs/nosuchjob"), 404)


def test_the_desk_does_not_cancel_a_finished_job(desk, tmp_path):
    """DELETE on a job that is done (F8S): 409, its results stay downloadable and it is not marked 已取消."""
    files = dcf.write_sample(tmp_path / "sample", parcels=10, seed=2, imagery=False)
    with open(files["parcels"], "rb") as fh:
        r = desk.post("/api/audit/idle", files={"parcels": (Path(files["parcels"]).name, fh)},
                      data={"as_of": "2025-12-31"})
    assert r.status_code == 202, r.text
    url = r.json()["url"]
    import time

    deadline = time.monotonic() + 300   # a guard against a hang, not a timed assertion
    while (state := desk.get(url).json())["status"] not in ("done", "failed", "cancelled"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert state["status"] == "done" and state["downloads"]
    msg = _error(desk.delete(url), 409)
    assert "任务已完成，不能取消（结果仍可下载）" in msg
    after = desk.get(url).json()
    assert after["status"] == "done" and after["downloads"] == state["downloads"]
    assert desk.get(after["downloads"][0]["url"]).status_code == 200


def test_a_big_recorded_batch_says_every_row_went_into_the_register():
    from dcf_spatial.desk.routes.api import BATCH_RECORD_NOTE_ROWS, batch_record_note

    assert BATCH_RECORD_NOTE_ROWS == 2000
    assert "20,000 行已逐行记入核查登记" in batch_record_note(20_000)
    assert "--" not in batch_record_note(20_000)


# ---- F8S 5: a GeoJSON geometry sent as a JSON string; the industry's length counts its own characters ---------------
def test_a_geometry_sent_as_a_json_string_is_that_geometry(desk):
    geom = {"type": "Point", "coordinates": [115.75, 36.455]}   # 郑家镇工业集聚区
    as_text = desk.post("/api/site-check", json={"site": json.dumps(geom), "industry": "轴承"})
    as_object = desk.post("/api/site-check", json={"site": geom, "industry": "轴承"})
    assert as_text.status_code == as_object.status_code == 200, as_text.text
    assert as_text.json()["verdict"] == as_object.json()["verdict"]
    assert "不在地名表中" not in as_text.text
    text = _error(desk.post("/api/site-check", json={"site": '{"type": "Point", "coordinates": [115.75,', "industry": "轴承"}))
    assert "site" in text and "JSON 对象" in text and "地名表" not in text


def test_spaces_around_the_industry_do_not_count_towards_its_length(desk):
    r = desk.post("/api/site-check", json={"site": "115.75,36.455", "industry": " " * 250 + "轴承" + " " * 10})
    assert r.status_code == 200, r.text
    assert r.json()["industry"]["codes"] == ["C3451"]
    assert "最多 200 个字" in _error(desk.post("/api/site-check", json={"site": "115.75,36.455", "industry": "轴" * 201}))
