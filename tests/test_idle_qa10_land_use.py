"""A 供地台账 whose land-use column is headed 用途 or 用地性质 is audited as one headed 土地用途 (QA10 #2).

The user's ledger (宗地编号, 受让单位, 坐落, 面积(亩), 合同约定动工日期, 实际动工日期, 用途, 土地价款(万元), a repeated id,
a 合计 and a 制表人 row) gave, with its land-use column headed 土地用途, 2 parcels 疑似闲置满两年 + 1 疑似闲置 and a
fee of 210.00 万元; headed 用途 or 用地性质 it was refused, and both fixes the refusal advised (``--field
land_use_code=用途``, the desk's “改名为 DLBM”) read 工业用地 as a code: 7 of 8 parcels 数据不足, 0 idle, fee 0.00.
Written from the README: "土地用途 may be a name (工业用地) or an old GB/T 21010-2007 code (061 …)".
"""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from _ledgers import write_ledger
from dcf_spatial import land
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import SchemaError

AS_OF = "2025-12-31"


def _header(use: str) -> list[str]:
    return ["宗地编号", "受让单位", "坐落", "面积(亩)", "合同约定动工日期", "实际动工日期", use, "土地价款(万元)"]


#: the user's 供地台账 sheet (make_files.py of QA round 10), as an office saves it to CSV
ROWS = [
    ["DCF2019-001", "聊城某轴承有限公司", "郑家镇工业集聚区", "52.3", "2019-06-30", "2019-09-01", "工业用地", "780"],
    ["DCF2020-002", "某机械公司", "郑家镇王屯村北", "30", "2021-03-01", "", "工业用地", "450"],
    ["DCF2021-003", "某物流公司", "道口铺街道", "约40", "2022年5月", "未开工", "仓储用地", "600"],
    ["DCF2022-004", "某新材料公司", "嘉明经济开发区东侧", "25.5", "2023/04/15", "2023/05/20", "工业用地", "400"],
    ["DCF2023-005", "某食品公司", "沙镇镇", "１５", "2024-06-30", "", "工业用地", ""],
    ["DCF2020-006", "某建材公司", "梁水镇", "60", "2020-12-31", "2022-08-01", "061", "900"],
    ["DCF2024-007", "某商贸公司", "古楼街道", "8", "2025-09-30", "", "商服用地", "300"],
    ["DCF2019-008", "某纺织公司", "火星镇", "20", "", "", "工业用地", "200"],
    ["DCF2019-001", "聊城某轴承有限公司", "郑家镇工业集聚区", "52.3", "2019-06-30", "2019-09-01", "工业用地", "780"],
    ["合计", "", "", "248.1", "", "", "", ""],
    ["制表人：李四", "", "", "", "", "", "", ""],
]


def _ledger(tmp_path, use: str, rows=ROWS):
    return write_ledger(tmp_path / f"供地台账_{use}.csv", rows, header=_header(use))


def _audit(path, **options):
    return land.audit_idle(str(path), as_of=AS_OF, **options)


def _verdicts(result) -> pd.DataFrame:
    """What the clerk reads of each row: its status, its fee and the code its land use was read as."""
    f = result.frame
    return pd.DataFrame({"parcel": f["parcel_id"].astype(str).to_numpy(), "status": f["status"].astype(str).to_numpy(),
                         "fee": pd.to_numeric(f["fee_wan"], errors="coerce").to_numpy(),
                         "code": f["land_use_code"].astype(object).to_numpy()})


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The audit of the ledger with the heading that always worked (土地用途)."""
    return _audit(_ledger(tmp_path_factory.mktemp("ref"), "土地用途"))


def _fee(result) -> tuple[float, float]:
    """The fee total (each parcel once) and the 土地价款 of the parcels due for reclaim, said apart from it."""
    from dcf_spatial.land.idle_audit import reclaim_counts

    f = result.frame
    fee = round(float(pd.to_numeric(f.loc[f["in_totals"].astype(bool), "fee_wan"], errors="coerce").sum()), 2)
    return fee, reclaim_counts(f)["reclaim_price_wan"]


#: 1 疑似闲置 without a price (its fee 待核定); 2 疑似闲置满两年 at 450 + 600 万元: due for reclaim under
#: 第十四条第（二）项, their prices said apart, not in the fee total (it read 210.00 万元 with their 满一年 fees)
FEE = (0.0, 1050.0)


def test_the_recognised_heading_gives_what_the_user_saw(reference):
    # the user's figures with 土地用途: 2 疑似闲置满两年, 1 疑似闲置 (its fee 待核定)
    assert reference.counts["idle_reclaim"] == 2 and reference.counts["idle"] == 1
    assert _fee(reference) == FEE
    assert reference.frame["status"].astype(str).tolist().count("insufficient_data") == 1
    assert dict(zip(_verdicts(reference)["parcel"], _verdicts(reference)["code"]))["DCF2024-007"] == "05"


@pytest.mark.parametrize("use", ["用途", "用地性质", "规划用途", "批准用途", "出让用途"])
def test_usual_ledger_headings_for_land_use_are_read_as_tudi_yongtu(tmp_path, reference, use):
    result = _audit(_ledger(tmp_path, use))
    assert result.counts == reference.counts
    pd.testing.assert_frame_equal(_verdicts(result), _verdicts(reference))
    assert _fee(result) == FEE


def test_the_refusal_names_every_heading_that_works_and_its_fixes_give_the_same_audit(tmp_path, reference):
    from dcf_spatial.desk.wording import desk_wording, form_of

    odd = _ledger(tmp_path, "性质")           # a heading no list can foresee
    with pytest.raises(SchemaError) as caught:
        _audit(odd)
    said = str(caught.value)
    for name in ("地类编码", "DLBM", "土地用途", "用途", "用地性质", "地类名称"):
        assert name in said, name
    assert "land_use_code=<你的列名>" in said
    # the CLI's words: the option to map the column
    res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(odd), "--as-of", AS_OF, "-o", str(tmp_path / "o"),
                                   "--no-map"])
    assert res.exit_code != 0 and "--field land_use_code=<你的列名>" in res.output and "土地用途" in res.output
    # the desk's words (its audit form has no field-map box): a heading its reader knows, in Chinese
    desk = desk_wording(said, form=form_of("/api/audit/idle"))
    assert "在文件中把该列改名为 地类编码 后重新上传" in desk and "土地用途" in desk

    # each fix, followed as written, gives the audit of the recognised heading — names in a code column
    # (工业用地 under 性质 mapped to land_use_code, or renamed 地类编码 / DLBM) are read as names
    followed = {"--field land_use_code=性质": _audit(odd, field_map={"land_use_code": "性质"}),
                "改名为 地类编码": _audit(_ledger(tmp_path, "地类编码")),
                "改名为 DLBM": _audit(_ledger(tmp_path, "DLBM"))}
    for how, result in followed.items():
        assert result.counts == reference.counts, how
        pd.testing.assert_frame_equal(_verdicts(result), _verdicts(reference), obj=how)
        assert _fee(result) == FEE, how
        assert not result.frame["problems"].astype(str).str.contains("不在GB/T 21010-2017中").any(), how
    notes = "\n".join(followed["--field land_use_code=性质"].frame.attrs.get("read_notes", []))
    assert "“性质”（地类编码）列中 8 宗填的是地类名称，不是编码" in notes


def test_cli_mapping_the_suggested_way_gives_the_recognised_counts(tmp_path):
    # the user's command, word for word but for the file: the console counts equal those of 土地用途
    def run(path, *extra):
        out = tmp_path / path.stem
        res = CliRunner().invoke(cli, ["audit", "idle", "--parcels", str(path), "--as-of", AS_OF, "-o", str(out),
                                       "--no-map", *extra])
        assert res.exit_code == 0, res.output
        return [ln for ln in res.output.splitlines() if " 宗 " in ln or "土地闲置费合计" in ln or "满两年的宗地" in ln]

    expected = run(_ledger(tmp_path, "土地用途"))
    assert any("疑似闲置满两年" in ln and "2 宗" in ln for ln in expected)
    assert any("土地闲置费合计 待核定（1 宗缺少土地价款）" in ln for ln in expected)
    assert any("满两年的宗地 2 宗" in ln and "土地价款合计 1,050.00 万元" in ln for ln in expected)
    assert run(_ledger(tmp_path, "用途"), "--field", "land_use_code=用途") == expected


def test_a_name_that_gives_no_code_is_said_as_typed_whichever_column_holds_it(tmp_path):
    rows = [r[:6] + ["火星用地"] + r[7:] if r[0] == "DCF2020-002" else r for r in ROWS]
    by_name = _audit(_ledger(tmp_path, "土地用途", rows))
    by_code = _audit(_ledger(tmp_path, "地类编码", rows))
    for result in (by_name, by_code):
        row = result.frame[result.frame["parcel_id"].astype(str) == "DCF2020-002"].iloc[0]
        assert row["status"] == "insufficient_data"
        assert "土地用途“火星用地”不是 GB/T 21010-2017 的地类名称" in row["problems"]
        assert "地类编码为空" not in row["problems"]
    pd.testing.assert_frame_equal(_verdicts(by_code), _verdicts(by_name))


def test_codes_in_a_code_column_are_still_read_as_codes(tmp_path, reference):
    # a code column of codes (0601, the old 061) is untouched: names are read only where a cell holds one
    codes_ = {"工业用地": "0601", "仓储用地": "0604", "商服用地": "05", "061": "061", "": ""}
    rows = [r[:6] + [codes_[r[6]]] + r[7:] for r in ROWS]
    result = _audit(_ledger(tmp_path, "地类编码", rows))
    assert result.counts == reference.counts
    pd.testing.assert_frame_equal(_verdicts(result), _verdicts(reference))
    assert "填的是地类名称" not in "\n".join(result.frame.attrs.get("read_notes", []))


def test_full_width_figures_in_a_column_left_as_text_are_read(tmp_path, reference):
    # (QA10 #4 in the ledger) ４５０ beside a word (待定) in 土地价款: the column stays text, the figure reads as 450
    rows = [r[:7] + ["４５０"] if r[0] == "DCF2020-002" else r[:7] + ["待定"] if r[0] == "DCF2023-005" else r
            for r in ROWS]
    result = _audit(_ledger(tmp_path, "土地用途", rows))
    assert result.counts == reference.counts
    assert _fee(result) == FEE
    problems = result.frame.set_index(result.frame["parcel_id"].astype(str))["problems"].astype(str)
    assert "４５０" not in problems["DCF2020-002"]
    assert "待定" in problems["DCF2023-005"]                 # a word is still named, with its row
