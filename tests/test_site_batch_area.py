"""A batch row given as 经度/纬度 with 用地面积(亩) is checked as a site of that area, like --area-mu."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from dcf_spatial import settings

from dcf_spatial.store import catalog
from dcf_spatial.cli.main import cli


@pytest.fixture()
def shipped_store(monkeypatch):
    monkeypatch.delenv("DCF_STORE", raising=False)
    monkeypatch.setattr(settings, "store", settings.default_store)


def test_point_rows_with_area_are_sites_of_that_area(shipped_store, tmp_path):
    park = catalog.read_layer("cluster_parks").set_index("id").loc["park.zhengjia.bearing"]
    p = park.geometry.representative_point()
    table = pd.DataFrame({"项目名称": ["甲", "乙"], "经度": [p.x, p.x], "纬度": [p.y, p.y], "行业": ["轴承", "轴承"],
                          "用地面积(亩)": [50, None], "总投资(万元)": [30000, 30000]})
    path = tmp_path / "项目清单.xlsx"
    table.to_excel(path, index=False)
    res = CliRunner().invoke(cli, ["site", "check", "--batch", str(path), "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    rows = rows["results"] if isinstance(rows, dict) else rows
    first, second = rows[0], rows[1]
    assert first["site"]["area_mu"] == pytest.approx(50, rel=1e-3)
    overlaps = {z["id"]: z for z in first["zones"]}
    assert overlaps["park.zhengjia.bearing"]["overlap_mu"] > 0
    assert second["site"]["area_mu"] == 0  # no area given: still a point, still checked
    single = CliRunner().invoke(cli, ["site", "check", "--site", f"{p.x},{p.y}", "--area-mu", "50",
                                      "--industry", "轴承", "--investment-wan", "30000", "--json"])
    one = json.loads(single.stdout)
    assert first["verdict"] == one["verdict"]
    assert [i["value"] for i in first["indicators"]] == [i["value"] for i in one["indicators"]]


def test_site_map_outlines_the_nearest_designated_cluster(shipped_store, tmp_path):
    path = tmp_path / "site.html"
    res = CliRunner().invoke(cli, ["site", "check", "--site", "115.80,36.30", "--industry", "轴承", "--map", str(path)])
    assert res.exit_code == 0, res.output
    html = path.read_text(encoding="utf-8")
    assert "对口分区（最近，" in html and "郑家镇工业集聚区" in html
    inside = tmp_path / "inside.html"
    park = catalog.read_layer("cluster_parks").set_index("id").loc["park.zhengjia.bearing"].geometry.representative_point()
    CliRunner().invoke(cli, ["site", "check", "--site", f"{park.x},{park.y}", "--industry", "轴承", "--map", str(inside)])
    assert "对口分区（最近，" not in inside.read_text(encoding="utf-8")  # already in it
