"""breaker2 N5: ``gpkg_ogr_contents.feature_count`` left stale by an edit outside dcf (0 while the table holds 14
rows) must not make the store read the layer as empty: the check answers from the real rows (轴承 in 郑家镇工业集聚区:
第八章第一节 lists 轴承 among its industries → 符合) and ``dcf layers doctor`` finds no frame gap nor advises a reset
that would replace the user's current version."""

from __future__ import annotations

import sqlite3

import pytest

from dcf_spatial.store import doctor
from test_site_broken_layers import _check, _copy


@pytest.mark.parametrize("layer", ["townships", "industrial_clusters"])
def test_a_stale_feature_count_does_not_empty_the_layer(tmp_path, layer):
    path = _copy(tmp_path)
    with sqlite3.connect(path) as con:
        rows = con.execute(f"SELECT COUNT(*) FROM {layer}").fetchone()[0]
        con.execute("UPDATE gpkg_ogr_contents SET feature_count = 0 WHERE table_name = ?", (layer,))
    assert rows > 0
    answer = _check(path)
    assert answer["verdict_zh"] == "符合", answer.get("reasons_zh")
    findings = doctor.diagnose(path)["findings"]
    said = " ".join(str(f) for f in findings)
    assert "为空" not in said and "km²" not in said and "layers reset" not in said, said
