"""A ledger's land-use names follow the classification chosen for its codes (review, item 4).

工业用地 is 0601 in GB/T 21010-2017 and 1001 in the 2023 用地用海分类, where 0601 is 农村道路: a ledger audited with
``--code-system 2023`` whose rows give only 土地用途 names had its 工业用地 read as 农村道路 (not industrial) and its
仓储用地 as no code at all. Cases written from the two classifications' tables (dcf_spatial/data/land_use_codes_*.csv).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import dcf_spatial as dcf
from dcf_spatial.land import codes

LEDGER = Path(__file__).resolve().parent / "files" / "供地台账.xls"   # 土地用途 names only, no codes
AS_OF = dt.date(2025, 12, 31)


def _by_use(result) -> dict:
    f = result.frame
    return {(c, n, i) for c, n, i in zip(f["land_use_code"], f["land_use_name"], f["industrial"])}


def test_names_read_as_2023_when_the_ledger_is_audited_as_2023():
    res = dcf.audit_idle(str(LEDGER), as_of=AS_OF, code_system="2023")
    seen = _by_use(res)
    assert ("1001", "工业用地", True) in seen and ("11", "仓储用地", True) in seen
    assert not any(n == "农村道路" for _, n, _ in seen)
    assert "按土地用途名称取 2023 年用地用海分类编码" in " ".join(res.notes)
    # 商服用地 is a 2017 name (2023 says 商业服务业用地): named as not a 2023 name, never given a 2017 code
    assert any("土地用途“商服用地”不是 2023 年用地用海分类的地类名称" in n for n in res.notes)


@pytest.mark.parametrize("system", ["auto", "2017"])
def test_names_read_as_2017_by_default(system):
    seen = _by_use(dcf.audit_idle(str(LEDGER), as_of=AS_OF, code_system=system))
    assert ("0601", "工业用地", True) in seen and ("0604", "仓储用地", True) in seen and ("05", "商服用地", False) in seen


def test_a_ledger_mixing_2023_codes_and_names_reads_the_names_as_2023(tmp_path):
    # the typed code 100101 (一类工业用地) is 2023's only (2017 has no six-digit codes): auto reads the ledger as 2023,
    # and the row given only 工业用地 is 1001, not 0601 (农村道路 in 2023)
    frame = pd.read_excel(LEDGER, engine="calamine").head(3)
    frame.insert(5, "地类编码", ["100101", "0901", None])
    path = tmp_path / "台账.csv"
    frame.to_csv(path, index=False, encoding="utf-8")
    f = dcf.audit_idle(str(path), as_of=AS_OF).frame
    assert list(f["code_system"].unique()) == ["2023"]
    assert list(f["land_use_code"]) == ["100101", "0901", "1001"]
    assert list(f["land_use_name"]) == ["一类工业用地", "商业用地", "工业用地"]


def test_codes_from_names_of_each_classification():
    names = pd.Series(["工业用地", "二类工业用地", "城镇住宅-普通商品住房用地"])
    assert codes.codes_from_names(names)[0].tolist() == ["0601", "0601", "0701"]
    assert codes.codes_from_names(names, "2023")[0].tolist() == ["1001", "100102", "0701"]
