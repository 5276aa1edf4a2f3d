"""A new user's QA (qa_user FINDINGS F12): a 小饭馆 in 堂邑镇 was 符合 with the reason «位于堂邑镇“福禄文化”、韩集镇
“梦幻后姜”乡村旅游» — naming 韩集 for a site in 堂邑. 第六章第一节 names two towns in one sentence, "推进堂邑镇“福禄文化”、
韩集镇“梦幻后姜”民俗文化为主题的乡村旅游和生态休闲游": each town's site is placed in its own town's theme."""

from __future__ import annotations

import pytest

from dcf_spatial.queries import check_site


@pytest.mark.parametrize("site, own, other", [("堂邑镇", "堂邑镇“福禄文化”", "韩集"),
                                              ("115.79,36.55", "堂邑镇“福禄文化”", "韩集")])
def test_a_site_in_one_named_town_is_said_in_that_towns_theme_only(site, own, other):
    answer = check_site(site, "小饭馆", record=False)
    assert answer.results[0]["verdict_zh"] == "符合"
    tourism = [r["text_zh"] for r in answer.to_dict()["reasons"] if "乡村旅游" in r["text_zh"]]
    assert tourism and all(own in t and other not in t for t in tourism), tourism
    assert any("第六章第一节" in t for t in tourism)
