"""A long list shared by several parts of a named site is said once (QA round 11, F12).

A 2-亩 restaurant “somewhere in 郑家镇” is 有条件符合: in 郑家镇工业集聚区 and each of its three parks (第八章第一节
“产业园区分区”) a parcel is judged by the cluster's positioning, whose list holds 16 industry codes, several with the
clause that adds them (第四章第一节). The reasons once gave that list four times, once per part; the printed opinion ran to
a page of it. Now the first part's reason gives the list and the others refer to it — in the answer, and so in the DOCX.
"""

from __future__ import annotations

import pytest

from dcf_spatial.queries import check_site
from dcf_spatial.queries.site.rules.named import SAID_ONCE_CHARS, said_once

from _shipped import shipped

#: a code of the cluster's list that only the list names (第四章第一节: 轴承下脚料创意产品)
IN_THE_LIST = "C2432 金属工艺品制造"


@pytest.fixture(scope="module")
def restaurant():
    return check_site("郑家镇", "餐饮", area_mu=2)


@shipped
def test_the_cluster_list_is_given_once_and_the_parks_refer_to_it(restaurant):
    res = restaurant.results[0]
    assert res["verdict"] == "conditional"
    texts = [r["text_zh"] for r in res["reasons"]]
    assert sum(t.count(IN_THE_LIST) for t in texts) == 1
    parts = [r["text_zh"] for r in res["reasons"] if r["rule"] == "named_site_part_reason"]
    first = next(t for t in parts if IN_THE_LIST in t)
    assert first.startswith("地块位于郑家镇工业集聚区")
    refer = [t for t in parts if "同“地块位于郑家镇工业集聚区（四大工业集聚区）”一条所列" in t]
    # the three parks: each still says what it lacks and where the project could go instead
    assert {t.split("（")[0] for t in refer} == {"地块位于物流产业园", "地块位于汽车零部件产业园", "地块位于轴承保持器智能制造产业园"}
    assert all("不含本项目行业" in t and "对口分区" in t for t in refer)


@shipped
def test_the_printed_opinion_gives_the_list_once(restaurant, tmp_path):
    from docx import Document

    from dcf_spatial.desk.docx_report import write_docx

    out = write_docx(restaurant, tmp_path / "核查意见.docx")
    doc = Document(str(out))
    text = "\n".join([p.text for p in doc.paragraphs]
                     + [c.text for t in doc.tables for row in t.rows for c in row.cells])
    assert text.count(IN_THE_LIST) == 1


def test_said_once_keeps_short_and_differing_passages():
    long_list = "（" + "、".join(f"C{i:04d} 某制造" for i in range(12)) + "）"
    assert len(long_list) >= SAID_ONCE_CHARS
    a = f"定位{long_list}不含；对口（甲（1.0 km））"
    b = f"定位{long_list}不含；对口（甲（2.0 km））"
    once = said_once([("地块位于甲区", a), ("地块位于乙园", b), ("地块位于丙园", "（短）")])
    assert once[0] == a
    assert once[1] == "定位（同“地块位于甲区”一条所列）不含；对口（甲（2.0 km））"
    assert once[2] == "（短）"
