"""The dask engine reads a 供地台账's 用途 column as the single engine does (QA10 #2): the heading 用途, and
the same column mapped to the code field as the refusal advises (``land_use_code=性质``), give the counts and
the per-row statuses of the recognised heading 土地用途, in partitions that each hold only part of the names."""

from __future__ import annotations

import pandas as pd
import pytest

from dcf_spatial import land
from test_idle_qa10_land_use import AS_OF, _ledger


@pytest.mark.parametrize("use, field_map", [("用途", None), ("性质", {"land_use_code": "性质"})])
def test_the_dask_engine_audits_a_yongtu_column_as_tudi_yongtu(tmp_path, cluster, use, field_map):
    reference = land.audit_idle(str(_ledger(tmp_path, "土地用途")), as_of=AS_OF)
    result = land.audit_idle(str(_ledger(tmp_path, use)), as_of=AS_OF, engine="dask", scheduler=cluster,
                             partitions=3, field_map=field_map, out=tmp_path / "dask", map=False)
    assert result.counts == reference.counts
    assert result.counts["idle_reclaim"] == 2 and result.counts["idle"] == 1
    listed = pd.read_excel(tmp_path / "dask" / "idle_audit.xlsx", sheet_name="宗地清单", header=1, engine="openpyxl")
    single = pd.Series(reference.frame["status_zh"].astype(str).to_numpy(), index=reference.frame["row"].to_numpy())
    assert listed.set_index("原表行号")["审计结论"].astype(str).sort_index().to_dict() == single.sort_index().to_dict()
    assert not any("不在GB/T 21010-2017中" in n for n in result.notes)
