"""A new user's QA (qa_user FINDINGS F11): a 报批 TXT uploaded on the desk and downloaded back as 报批 TXT
keeps the file's 数据产生单位 and 格式版本号 (it had ``（待填写：数据产生单位）`` and ``1.0``); a site that came from
no TXT still gets the placeholder, to fill in by hand."""

from __future__ import annotations

TXT = "\r\n".join([
    "[属性描述]", "格式版本号=1.01版本", "数据产生单位=聊城市某测绘院", "数据产生日期=2026-12-01",
    "坐标系=2000国家大地坐标系", "几度分带=3", "投影类型=高斯克吕格", "计量单位=米", "带号=39", "精度=0.001",
    "转换参数=,,,,,,", "[地块坐标]",
    "5,4.0000,DK01,智能装备生产地块,面,,工业用地,0601,@",
    "J1,1,4043483.727,39405453.741", "J2,1,4043483.727,39405653.741", "J3,1,4043283.727,39405653.741",
    "J4,1,4043283.727,39405453.741", "J1,1,4043483.727,39405453.741"]) + "\r\n"


def _header(txt: bytes) -> dict:
    lines = txt.decode("gbk").splitlines()
    return dict(line.split("=", 1) for line in lines[1:lines.index("[地块坐标]")])


def test_a_survey_txt_downloads_with_its_own_producer_and_version(desk):
    read = desk.post("/api/site/read", files={"file": ("报批坐标.txt", TXT.encode("gbk"))})
    assert read.status_code == 200, read.text
    body = {"site": read.json()["parcels"], "industry": "智能装备"}
    txt = desk.post("/api/site-check/export/txt", json=body)
    assert txt.status_code == 200, txt.text
    head = _header(txt.content)
    assert head["数据产生单位"] == "聊城市某测绘院"
    assert head["格式版本号"] == "1.01版本"
    assert head["数据产生日期"] == "2026-12-01"
    assert head["带号"] == "39" and head["坐标系"] == "2000国家大地坐标系"
    # the coordinates as in the file (the QA found these kept; they stay so)
    assert "J3,1,4043283.727,39405653.741" in txt.content.decode("gbk")
    # a site that came from no TXT: the placeholder, to fill in by hand
    ring = [[115.7405, 36.4607], [115.7427, 36.4607], [115.7427, 36.4621], [115.7405, 36.4621], [115.7405, 36.4607]]
    txt = desk.post("/api/site-check/export/txt", json={"site": {"type": "Polygon", "coordinates": [ring]},
                                                         "crs": "EPSG:4326", "industry": "轴承"})
    assert txt.status_code == 200, txt.text
    assert _header(txt.content)["数据产生单位"] == "（待填写：数据产生单位）"
