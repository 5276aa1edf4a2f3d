"""Codes typed with words, split codes and invisible spaces in the industry field (breaker session 31, B31-1–B31-4).

B31-1: a code written into a word (「轴承C2611」) was dropped and the word read: 符合 at 郑家镇 as C3451, while C2611
无机酸制造 alone is 不符合 there (a chemical outside the 化工园区, 第八章第一节). A code in the text is never dropped:
with a word of the same activity it is read as the code (B31-2: 「C3670 汽车零部件」, the clerk's 代码 + 名称 of a
营业执照, was refused as «不止一项活动»); with a word of another activity the text is refused naming both.
B31-3: 「C34 51」 was read as C34 + F51 批发业. B31-4: 「轴　承」 (U+3000) was 无法识别.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from dcf_spatial.cli.main import cli
from dcf_spatial.industry import industry_error_message, resolve
from test_site_plan_trust import _check

ZHENGJIA = "115.75,36.455"   # the breaker's point A: 郑家镇工业集聚区, 轴承保持器 park


def _refusal(industry: str) -> str:
    r = CliRunner().invoke(cli, ["site", "check", "--site", ZHENGJIA, "--industry", industry])
    assert r.exit_code == 2, r.output   # a usage error: nothing judged
    return r.output


@pytest.mark.parametrize("typed", ["轴承C2611", "轴承 C2611", "轴承/C2611", "C2611轴承", "轴承（C2611）", "轴承厂C2611",
                                   "轴承C2611无机酸", "C2611，轴承"])
def test_b31_1_a_code_beside_a_word_of_another_activity_is_refused_naming_both(typed):
    # C2611 alone is 不符合 here; 轴承 alone 符合: the check must not answer for one of them
    assert _check(ZHENGJIA, "C2611")["verdict"] == "does_not_fit" and _check(ZHENGJIA, "轴承")["verdict"] == "fits"
    out = _refusal(typed)
    assert "C2611 无机酸制造" in out and "「轴承" in out and "C3451 滚动轴承制造" in out and "不是同一项活动" in out
    assert "--industry C2611" in out and "一项活动" in out


def test_b31_1_a_bare_number_in_a_word_is_asked_as_a_code_or_a_model_never_dropped():
    m = resolve("轴承2611")
    assert not m.resolved and {"C2611", "C3451"} <= {c for c, _ in m.candidates}
    msg = industry_error_message(m)
    assert "2611" in msg and "C2611 无机酸制造" in msg and "型号" in msg and "规格" in msg
    # a reversed glue: the code is not dropped for the word either (it was read as C26 化工)
    assert not resolve("C3451(化工)").resolved and "C3451" in industry_error_message(resolve("C3451(化工)"))
    # numbers that are no codes stay out of it: a quantity, a model whose letter is not the division's, a number
    # that names no code
    assert resolve("年产2000吨轴承").codes == ("C3451",) and resolve("6061铝合金").codes == ("C3240",)


def test_b31_1_the_batch_refuses_the_row_and_keeps_every_row(tmp_path):
    src = tmp_path / "项目.csv"
    lon, lat = ZHENGJIA.split(",")
    src.write_text(f"项目名称,经度,纬度,行业\n甲,{lon},{lat},轴承C2611\n乙,{lon},{lat},C3670 汽车零部件\n"
                   f"丙,{lon},{lat},C2611\n", encoding="utf-8")
    out = tmp_path / "结果.csv"
    r = CliRunner().invoke(cli, ["site", "check", "--batch", str(src), "-o", str(out)])
    assert r.exit_code == 0, r.output
    table = pd.read_csv(out)
    assert table["项目名称"].tolist() == ["甲", "乙", "丙"]
    assert "表格第 2 行（甲）：无法核查" in r.output and "C2611 无机酸制造" in r.output and "不是同一项活动" in r.output
    assert "表格第 3 行（乙）：无法核查" not in r.output   # 代码 + 名称 of one activity is checked
    assert "表格第 4 行（丙）：不符合" in r.output


@pytest.mark.parametrize("typed, code", [("C3670 汽车零部件", "C3670"), ("C3670汽车零部件", "C3670"),
                                         ("C3451 轴承", "C3451"), ("C3451轴承厂", "C3451"), ("C3391 铸造", "C3391")])
def test_b31_2_a_code_with_its_own_name_is_read_as_the_code(typed, code):
    m = resolve(typed)
    assert m.codes == (code,)
    assert f"按代码 {code} 识别" in m.read_zh and "属同一行业" in m.read_zh


def test_b31_2_the_site_check_answers_code_and_name_as_the_code():
    assert _check(ZHENGJIA, "C3670 汽车零部件")["verdict"] == _check(ZHENGJIA, "C3670")["verdict"]
    r = CliRunner().invoke(cli, ["site", "check", "--site", ZHENGJIA, "--industry", "C3670 汽车零部件"])
    assert r.exit_code == 0 and "C3670 汽车零部件及配件制造" in r.output and "不止一项活动" not in r.output


@pytest.mark.parametrize("typed, meant", [("C34 51", "C3451"), ("C26 11", "C2611"), ("34 51", "C3451")])
def test_b31_3_a_code_split_by_a_space_is_asked_about_not_read_as_two(typed, meant):
    m = resolve(typed)
    assert not m.resolved and m.candidates[:1] == ((meant, resolve(meant).names_zh[0]),)
    out = _refusal(typed)
    assert f"是否指 {meant}" in out and "批发" not in out and "被空格隔开" in out
    # two whole codes, or a letter apart from its digits, stay as they were read
    assert resolve("C3451 C3452").codes == ("C3451", "C3452") and resolve("C 3451").codes == ("C3451",)


@pytest.mark.parametrize("typed", ["轴\u3000承", "轴\u200b承", "轴\u00a0承", "\ufeff轴承", "轴 承"])
def test_b31_4_spaces_and_invisible_characters_in_a_word_are_taken_out_saying_so(typed):
    m = resolve(typed)
    assert m.codes == ("C3451",) and "去掉词中的空格或不可见字符" in m.read_zh and "「轴承」" in m.read_zh
    answer = json.loads(CliRunner().invoke(cli, ["site", "check", "--site", ZHENGJIA, "--industry", typed,
                                                 "--json"]).output)
    assert answer["verdict"] == "fits" and "去掉词中的空格" in answer["industry"]["read_zh"]


@pytest.mark.slow
def test_b31_1_the_desk_refuses_as_the_cli(desk):
    r = desk.post("/api/site-check", json={"site": ZHENGJIA, "industry": "轴承C2611"})
    assert r.status_code == 422, r.text
    assert "C2611 无机酸制造" in r.json()["error"] and "不是同一项活动" in r.json()["error"]
    ok = desk.post("/api/site-check", json={"site": ZHENGJIA, "industry": "C3670 汽车零部件"})
    assert ok.status_code == 200 and ok.json()["industry"]["codes"] == ["C3670"]


def test_b31_4_the_rule_book_reads_the_product_without_the_space_too():
    # plan_rules.json's fits_words compare the product word (粉煤灰砖, 第四章第五节): a space typed inside it is no other product
    from dcf_spatial.industry import names_product

    assert names_product("粉煤灰\u3000砖生产线", ["粉煤灰砖"]) and not names_product("红砖厂", ["粉煤灰砖"])
