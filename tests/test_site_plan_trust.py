"""Site-check verdicts a planner can sign (qa_user FINDINGS F1, F2, F3, F11), asserted from the plan text.

F1: 第八章第一节 gives 新材料产业园 “主要发展节能新材料、环保等产业” and 嘉明 “新能源新材料”; the building materials
第四章第五节 names are “充分利用炉渣、粉煤灰、工业固体废渣、矿业尾矿、城市产生的废弃物等制作混凝土多孔砖、粉煤灰烧结陶粒等”
and 新型墙体、防水密封、保温隔热材料, 低辐射镀膜玻璃. A clay-brick kiln (C3031 holds clay bricks and fly-ash blocks
alike) is at most 有条件符合 with the condition to verify; cement, lime and flat glass are not “定位一致”.
F2: 第八章第三节 describes 大运河文化旅游带 as a place to promote 文化旅游 and bars nothing: a farm-produce plant gets
the same verdict on both sides of the sketched band (第五章第三节's reason).
F3: a 报批 TXT whose 地块面积 is 15× its red line (亩 written where the format's unit is 公顷) says so in the answer's
first lines, naming the likely cause.
F11: a site of two parcels 14 km apart is told to check each parcel, not to redraw one red line.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dcf_spatial.cli.main import cli

NEW_MATERIALS = "115.96397,36.50172"        # the representative point of 新材料产业园 (in 嘉明经济开发区)
IN_CANAL_BELT = "115.93710,36.51897"        # 闫寺街道, inside 大运河文化旅游带, outside every agricultural zone
OUT_OF_BELT = "115.87664,36.49199"          # 闫寺街道, outside the belt and every zone


def _check(site: str, industry: str, *extra: str) -> dict:
    r = CliRunner().invoke(cli, ["site", "check", "--site", site, "--industry", industry, "--json", *extra])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def _reasons(answer: dict) -> list[str]:
    return [x["text_zh"] for x in answer["reasons"]]


# --- F1 ------------------------------------------------------------------------------------------------------------

def test_a_clay_brick_kiln_in_the_new_materials_park_is_conditional_on_solid_waste_products():
    """C3031 粘土砖瓦及建筑砌块制造 holds the fly-ash/concrete blocks of 第四章第五节 and solid clay bricks alike: given
    only the class, the product is to verify; given as clay brick, the answer says it is not the plan's 新材料
    (re-QA 1: it asked a 黏土砖 project to verify that it makes solid-waste bricks)."""
    a = _check(NEW_MATERIALS, "C3031", "--area-mu", "30")
    assert a["verdict"] == "conditional"
    text = " ".join(_reasons(a))
    assert "定位一致" not in text
    assert "待核实项目产品是否为利用固废生产" in text and "实心黏土砖" in text and "第四章第五节" in text
    clay = _check(NEW_MATERIALS, "黏土砖", "--area-mu", "30")
    # QA session 30 (F4): “不属该区产业定位” and no cluster takes it — the verdict of a factory outside the clusters
    assert clay["verdict"] == "does_not_fit"
    text = " ".join(_reasons(clay))
    assert "定位一致" not in text and "待核实项目产品是否为利用固废生产" not in text
    assert "本项目为“黏土砖”" in text and "不属该区产业定位" in text and "第四章第五节" in text
    # the plan's own product word keeps the positioning (第四章第五节 “粉煤灰…制作混凝土多孔砖”)
    assert _check(NEW_MATERIALS, "粉煤灰砖", "--area-mu", "30")["verdict"] == "fits"


@pytest.mark.parametrize("industry, verdict", [("石灰", "conditional"), ("水泥", "does_not_fit"),
                                               ("平板玻璃", "does_not_fit")])
def test_cement_lime_and_flat_glass_are_never_said_to_fit_the_new_materials_positioning(industry, verdict):
    """Traditional building materials are not 节能新材料 (第八章第一节): no reason, struck through or not, calls them
    “行业与其产业定位一致”; cement and flat glass stay 不符合 for 第九章第三节."""
    a = _check(NEW_MATERIALS, industry, "--area-mu", "30")
    assert a["verdict"] == verdict
    assert not any("定位一致" in t for t in _reasons(a)), _reasons(a)
    assert any("不属该区产业定位" in t and "第四章第五节" in t for t in _reasons(a))


def test_the_positioning_list_shows_c30_as_the_plans_building_materials_not_the_whole_division():
    """A reason listing 嘉明's positioning (纺织 there) names C30 as narrowed, as the batch's 化工 row did not."""
    text = " ".join(_reasons(_check(NEW_MATERIALS, "纺织", "--area-mu", "30")))
    assert "C30 非金属矿物制品业、" not in text
    assert "C30 非金属矿物制品业中规划点名的节能环保建材" in text and "C3034 隔热和隔音材料" in text


def test_postal_machinery_is_not_the_environmental_industry_of_the_new_materials_park():
    """新材料产业园 “主要发展节能新材料、环保等产业”: C3593 邮政专用机械 is in the layer's C359 but is not 环保."""
    a = _check(NEW_MATERIALS, "C3593", "--area-mu", "30")
    assert a["verdict"] == "conditional"
    park = next(z for z in a["zones"] if z["name_zh"] == "新材料产业园")
    assert park["match"] == "none"
    # C3591 环境保护专用设备 still fits there (cases ch08-004, ho-ch08-012)
    assert _check(NEW_MATERIALS, "C3591", "--area-mu", "30")["verdict"] == "fits"


# --- F2 ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("industry", ["中药饮片", "蔬菜加工"])
def test_farm_processing_gets_the_same_verdict_on_both_sides_of_the_schematic_canal_belt(industry):
    inside, outside = _check(IN_CANAL_BELT, industry, "--area-mu", "20"), _check(OUT_OF_BELT, industry, "--area-mu", "20")
    assert any(z["name_zh"] == "大运河文化旅游带" for z in inside["zones"])
    assert not any(z["name_zh"] == "大运河文化旅游带" for z in outside["zones"])
    assert inside["verdict"] == outside["verdict"] == "conditional"
    decisive = [x for x in inside["reasons"] if x["effect"] == "conditional"]
    assert decisive and all("第五章第三节" in x["text_zh"] for x in decisive)


# --- F3 ------------------------------------------------------------------------------------------------------------

HEAD = ["[属性描述]", "格式版本号=1.01版本", "数据产生单位=测试", "数据产生日期=2026-11-30", "坐标系=2000国家大地坐标系",
        "几度分带=3", "投影类型=高斯克吕格", "计量单位=米", "带号=39", "精度=0.01", "转换参数=,,,,,,", "[地块坐标]"]
# 200 m × 166.67 m in 郑家镇工业集聚区: 33,334 m² = 50.00 亩 = 3.3334 公顷
RING = ["J1,1,4037550.00,39387100.00", "J2,1,4037550.00,39387300.00", "J3,1,4037383.33,39387300.00",
        "J4,1,4037383.33,39387100.00", "J1,1,4037550.00,39387100.00"]
FAR_RING = ["J1,1,4038626.00,39427324.00", "J2,1,4038626.00,39427424.00", "J3,1,4038526.00,39427424.00",
            "J4,1,4038526.00,39427324.00", "J1,1,4038626.00,39427324.00"]   # in 广平镇, 40 km east


def _txt(path, records) -> str:
    lines = list(HEAD)
    for area, number, ring in records:
        lines += [f"{len(ring)},{area},{number},测试地块{number},面,,工业用地,,@", *ring]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return str(path)


def test_a_recorded_area_in_mu_where_the_format_says_hectares_is_in_the_answers_first_lines(tmp_path):
    """The format's 地块面积 is in 公顷 (《建设项目用地红线坐标文件内容要求》坐标说明 1); 50 typed for 50 亩 is 15× the
    red line. The answer's first lines say so and why, as they do for a ring repaired into another area."""
    path = _txt(tmp_path / "报批坐标_亩.txt", [("50", "DK01", RING)])
    r = CliRunner().invoke(cli, ["site", "check", "--site", path, "--industry", "轴承"])
    assert r.exit_code == 0, r.output
    head = r.output.splitlines()[:5]
    warning = next((line for line in head if line.startswith("图形警告：")), None)
    assert warning is not None, head
    assert "报批坐标_亩.txt" in warning and "DK01" in warning and "15.0 倍" in warning
    assert "很可能按亩填写" in warning and "面积单位=亩" in warning
    a = _check(path, "轴承")
    assert a["site"]["shape_warnings_zh"] and "15.0 倍" in a["site"]["shape_warnings_zh"][0]
    report = tmp_path / "核查.html"
    r = CliRunner().invoke(cli, ["site", "check", "--site", path, "--industry", "轴承", "--report", str(report)])
    assert r.exit_code == 0, r.output
    html = report.read_text(encoding="utf-8")
    assert "图形警告：" in html and "15.0 倍" in html
    assert html.index("图形警告：") < html.index("判定理由")


def test_the_desk_answer_and_its_report_carry_the_recorded_area_warning(desk, tmp_path):
    path = _txt(tmp_path / "报批坐标_亩.txt", [("50", "DK01", RING)])
    with open(path, "rb") as f:
        read = desk.post("/api/site/read", files={"file": ("报批坐标_亩.txt", f.read())})
    assert read.status_code == 200, read.text
    body = {"site": read.json()["parcels"], "industry": "轴承"}
    answer = desk.post("/api/site-check", json=body)
    assert answer.status_code == 200, answer.text
    (warning,) = answer.json()["site"]["shape_warnings_zh"]
    assert warning.startswith("报批坐标_亩.txt") and "15.0 倍" in warning and "dcf-desk-" not in warning
    report = desk.post("/api/site-check/export/html", json=body)
    assert report.status_code == 200, report.text
    assert "15.0 倍" in report.text
    # a warning the desk did not sign is refused with the reading (upload_reading)
    forged = {**read.json()["parcels"], "shape_warnings": []}
    assert desk.post("/api/site-check", json={"site": forged, "industry": "轴承"}).status_code == 422


# --- F11 -----------------------------------------------------------------------------------------------------------

def test_two_parcels_far_apart_are_told_to_check_each_parcel_not_to_redraw_a_red_line(tmp_path):
    path = _txt(tmp_path / "报批坐标.txt", [("3.3334", "DK01", RING), ("1.0000", "DK02", FAR_RING)])
    a = _check(path, "轴承")
    assert a["verdict"] == "conditional"
    split = next(x["text_zh"] for x in a["reasons"] if x["rule"] == "split_zone")
    assert "调整红线" not in split
    assert "2 块互不相连的地块" in split and "批量核查" in split
    # re-QA 6: nor told to have two townships handle one project together when the parcels are apart
    towns = [x["text_zh"] for x in a["reasons"] if x["rule"] == "split_townships"]
    assert towns and all("共同办理" not in t and "分别办理" in t and "互不相连" in t for t in towns), towns
