"""A wrong argument of ``dcf.audit_idle`` is refused in Chinese, naming it and the fix, before any work
(breaker B31b-10: bare TypeError/AttributeError/KeyError/LookupError/FileExistsError), and a layer store that
does not exist is refused as ``site check`` refuses it (B31b-9: the audit ran with every parcel 位置不明)."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

import dcf_spatial as dcf
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError

from _ledgers import write_ledger

HEADER = ["宗地编号", "土地用途", "面积(亩)", "合同签订日期", "约定开工日期", "实际开工日期", "成交价格(万元)", "项目位置"]
AS_OF = "2025-12-31"


@pytest.fixture
def ledger(tmp_path):
    return str(write_ledger(tmp_path / "台账.csv", [["A1", "工业用地", 10, "2018-01-10", "2018-06-01", "", 100, "郑家镇"]],
                            header=HEADER))


@pytest.mark.parametrize("kwargs, named", [
    ({"parcels": None}, "parcels"),
    ({"parcels": 123}, "parcels"),
    ({"parcels": "LEDGER_LIST"}, "parcels"),
    ({"parcels": pd.DataFrame({"宗地代码": ["A"], "约定开工时间": ["2018-01-01"]})}, "parcels"),
    ({"rules": "x"}, "rules"),
    ({"field_map": ["a"]}, "field_map"),
    ({"code_system": "1999"}, "code_system"),
    ({"encoding": "nosuch"}, "encoding"),
    ({"out": "LEDGER"}, "out"),
])
def test_a_wrong_argument_is_refused_naming_it(ledger, tmp_path, kwargs, named):
    kwargs = {k: ([ledger] if v == "LEDGER_LIST" else ledger if v == "LEDGER" else v) if isinstance(v, str) else v
              for k, v in kwargs.items()}
    parcels = kwargs.pop("parcels", ledger)
    with pytest.raises(InputError) as err:
        dcf.audit_idle(parcels, as_of=AS_OF, **kwargs)
    assert str(err.value).startswith(f"{named}：") and "请" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_an_audit_on_a_store_that_does_not_exist_is_refused(ledger, tmp_path):
    missing = tmp_path / "无此库.gpkg"
    with pytest.raises(InputError, match="不存在"):
        dcf.audit_idle(ledger, as_of=AS_OF, store=str(missing))
    res = CliRunner().invoke(cli, ["--store", str(missing), "audit", "idle", "--parcels", ledger, "--as-of", AS_OF,
                                   "-o", str(tmp_path / "out")])
    assert res.exit_code != 0 and "图层库" in res.output and "不存在" in res.output
    assert not (tmp_path / "out").exists() and not missing.exists()
