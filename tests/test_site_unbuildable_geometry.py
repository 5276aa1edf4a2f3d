"""A site file with a geometry GEOS cannot build — a polygon ring of one point — crashed the reader (breaker F11):
the desk's /api/site/read answered 500 «服务器内部错误（GEOSException）», the CLI printed a traceback. What the
user should see: a Chinese message naming the file and the feature, the other features read."""

from __future__ import annotations

import json
import subprocess

from test_desk_workers import DCF

ONE_POINT = {"type": "Polygon", "coordinates": [[[1, 2]]]}
GOOD = {"type": "Polygon", "coordinates": [[[115.74, 36.46], [115.742, 36.46], [115.742, 36.462], [115.74, 36.46]]]}


def _fc(*geoms):
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"名称": name}, "geometry": g} for name, g in zip("甲乙", geoms)]})


def test_the_cli_names_the_file_and_feature_without_a_traceback(tmp_path):
    bad = tmp_path / "红线.geojson"
    bad.write_text(_fc(ONE_POINT), encoding="utf-8")
    run = subprocess.run([*DCF, "site", "check", "--site", str(bad), "--industry", "轴承"], capture_output=True, text=True)
    assert run.returncode != 0
    assert "Traceback" not in run.stderr and "红线.geojson" in run.stderr and "第 1 条要素" in run.stderr, run.stderr
    assert "几何无法构成" in run.stderr
    # one bad feature among good ones: the others are checked, the bad one named
    bad.write_text(_fc(GOOD, ONE_POINT), encoding="utf-8")
    run = subprocess.run([*DCF, "site", "check", "--site", str(bad), "--industry", "轴承"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "第 2 条（乙）" in run.stdout and "几何无法构成" in run.stdout


def test_the_desk_answers_a_4xx_naming_the_file_and_feature(desk):
    r = desk.post("/api/site/read", files={"file": ("红线.geojson", _fc(ONE_POINT).encode())})
    assert r.status_code in (400, 422), r.text   # as for the other unreadable files (an unclosed ring …), not 500
    assert "红线.geojson" in r.json()["error"] and "第 1 条要素" in r.json()["error"] and "几何无法构成" in r.json()["error"]
    r = desk.post("/api/site/read", files={"file": ("红线.geojson", _fc(GOOD, ONE_POINT).encode())})
    assert r.status_code == 200, r.text
    assert any("乙" in t and "几何无法构成" in t for t in r.json()["skipped"]), r.json()["skipped"]
