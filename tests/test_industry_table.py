"""The full GB/T 4754-2017 table ships with its provenance, and the plan's own words resolve (issue 10, item 7).

The word cases are written from the plan text (chapter, section, the plan's words), not from the code.
"""

from __future__ import annotations

import shutil

import pytest

from dcf_spatial import industry, settings
from dcf_spatial.errors import SchemaError


def test_the_full_standard_ships_with_its_provenance():
    t = industry.code_table()
    # GB/T 4754-2017 as published: 20 门类, 97 大类, 473 中类, 1,381 小类
    assert t["level"].value_counts().to_dict() == {"section": 20, "division": 97, "group": 473, "class": 1381}
    assert len(t) == 1971 and t.index.is_unique
    for code, row in t.iterrows():  # every parent exists and is the code's prefix
        assert (row["parent"] == "") == (len(code) == 1), code
        assert row["parent"] == "" or (row["parent"] in t.index and code.startswith(row["parent"])), code
    assert (settings.data_dir / "gbt4754_2017_README.md").read_text(encoding="utf-8").count("1,971") >= 1
    assert (settings.data_dir / "gbt4754_2017_contested.csv").exists()


def test_names_the_public_copies_disagree_on_are_marked_to_verify():
    # README of the table: C203, C204, C349, C395, L7289, M746, M75, R87, R905 are a weak majority
    for code in ("C203", "C204", "C349", "C395", "L7289", "M746", "M75", "R87", "R905"):
        assert industry.code_table().at[code, "name_to_verify"], code
        assert "名称待核实" in industry.label_zh(code)
    assert "待核实" not in industry.label_zh("C3451")
    assert "名称待核实" in industry.resolve("M75").label_zh


def test_codes_the_old_subset_had_wrong_now_carry_the_standards_names():
    t = industry.code_table()
    assert t.at["C397", "name_zh"] == "电子器件制造"
    assert t.at["C398", "name_zh"] == "电子元件及电子专用材料制造"
    assert industry.resolve("电子元件").codes == ("C398",)
    assert industry.resolve("建材批发").codes == ("F516",)  # 矿产品、建材及化工产品批发


def test_every_class_of_the_standard_resolves_by_code_and_by_its_name():
    t = industry.code_table()
    classes = t[t["level"] == "class"]
    for code, name in zip(classes.index[::37], classes["name_zh"][::37]):
        assert industry.resolve(code).codes == (code,)
        m = industry.resolve(name)
        # a class named like its group (B069/B0690 其他煤炭采选) resolves to the group, which covers it
        hits = m.codes if m.resolved else tuple(dict(m.candidates))
        assert any(industry.covers(c, code) for c in hits), (code, name, m)


@pytest.mark.parametrize("word, code, where", [
    ("变压器", "C3821", "第四章第三节 重点发展稀土永磁无铁芯电机、特高压变压器、高效节能变压器"),
    ("特高压变压器", "C3821", "第四章第三节"),
    ("钛合金", "C3240", "第四章第三节 发展铜合金、铝合金、钛合金等高端装备用特种合金"),
    ("特种合金", "C324", "第四章第三节 特种合金"),
    ("激光", "C3424", "第四章第三节 激光切削：…激光成套设备…激光加工"),
    ("激光器件", "C3976", "第四章第三节 激光材料、激光器件"),
    ("电镀", "C3360", "第九章第三节 冶金、建材、化工、电镀、造纸、印染…清洁生产改造"),
    ("生猪", "A0313", "第五章第二节 加快推进生猪产能恢复"),
    ("肉羊", "A0314", "第五章第二节 突出发展鲁西黑头肉羊、肉驴等特色养殖"),
    ("肉驴", "A0319", "第五章第二节"),
    ("香精", "C2684", "第八章第二节 推动芳香植物产品加工业发展"),
    ("燃料电池", "C3849", "第四章第二节 动力电池、燃料电池、驱动电机"),
    ("伺服电机", "C3813", "第四章第三节 伺服电机"),
    ("RV减速器", "C3453", "第四章第三节 伺服精密行星减速机、RV减速器"),
    ("电缆", "C3831", "第四章第三节 超高压特高压电缆附件"),
    ("水性涂料", "C264", "第四章第五节 水性涂料、高固体分涂料、粉末涂料"),
    ("合成树脂", "C2651", "第四章第五节 高档合成树脂"),
    ("防水密封材料", "C3033", "第四章第五节 新型防水密封材料"),
    ("保温隔热材料", "C3034", "第四章第五节 新型保温隔热材料"),
    ("不锈钢管", "C313", "第四章第四节 石油专用管、高端合金钢管、不锈钢管、复合管"),
    ("疫苗", "C2762", "第四章第六节 基因工程药物、细胞治疗药物、疫苗和抗体药物"),
    ("医疗器械", "C358", "第四章第六节 智能诊断、智能治疗、智能养老等高端医疗器械"),
    ("冷链物流", "G5930", "第五章第三节 冷链物流体系建设"),
    ("毛笔", "C2412", "第五章第三节 东昌毛笔"),
    ("木版年画", "C243", "第五章第三节 东昌雕刻葫芦、东昌毛笔、木版年画等特色手工艺品"),
    ("二手车", "F5262", "第四章第二节 二手车交易"),
    ("金融保险", "J", "第八章第一节 研发及生活服务区：科技研发、金融保险业、会展"),
    ("电解铝", "C3216", "issue 10 item 1: 过剩产能 电解铝"),
])
def test_plan_words_resolve(word, code, where):
    m = industry.resolve(word)
    assert m.resolved and m.codes == (code,), (where, m)
    out = industry.label_zh(code)
    assert out.startswith(code) and industry.code_table().at[code, "name_zh"] in out


@pytest.mark.parametrize("word, candidates, where", [
    ("光伏", {"D4416", "C3825"}, "issue 10 item 7: 光伏 (both D4416 and C3825); 第四章第五节 太阳能发电材料"),
    ("氢能", {"C2619", "C3849"}, "第四章第六节 统筹推进氢能“制储输用”全链条发展"),
    ("充电桩", {"F5267", "C3829"}, "第四章第二节 充电桩"),
    ("林下经济", {"A02", "A0142", "A0171"}, "第五章第二节 林菌、林药、林茶、林菜等林下经济发展模式"),
    ("跨境电商", {"F5193", "F5292"}, "第四章第四节 大力发展跨境电商"),
])
def test_plan_words_with_several_meanings_list_the_candidates(word, candidates, where):
    m = industry.resolve(word)
    assert m.status == "ambiguous" and {c for c, _ in m.candidates} == candidates, (where, m)
    with pytest.raises(Exception, match="多个可能"):
        industry.resolve_industry(word)


def test_a_word_list_naming_a_code_the_standard_lacks_fails_naming_the_row(tmp_path, monkeypatch):
    for f in ("gbt4754_2017.csv", "gbt4754_2017_contested.csv", "industry_words.csv"):
        shutil.copy(settings.data_dir / f, tmp_path / f)
    with (tmp_path / "industry_words.csv").open("a", encoding="utf-8") as fh:
        fh.write("C3999,不存在的词,,\n")
    monkeypatch.setattr(settings, "data_dir", tmp_path)
    industry.code_table.cache_clear()
    try:
        with pytest.raises(SchemaError, match="C3999"):
            industry.code_table()
    finally:
        monkeypatch.undo()
        industry.code_table.cache_clear()


def test_dcf_site_industry_shows_the_full_name_from_the_table():
    from click.testing import CliRunner

    from dcf_spatial.cli.main import cli

    out = CliRunner().invoke(cli, ["site", "industry", "变压器", "光伏", "C3825"])
    assert out.exit_code == 0, out.output
    assert "变压器：C3821 变压器、整流器和电感器制造" in out.stdout
    assert "光伏：有多个可能" in out.stdout and "D4416 太阳能发电" in out.stdout
    assert "C3825：C3825 光伏设备及元器件制造" in out.stdout
