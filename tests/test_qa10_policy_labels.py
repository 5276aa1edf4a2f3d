"""QA round 10 (new user), finding 11: the desk refused the office setting ``引导入园`` although ``GET /api/policies``
labels that choice ``引导入园：有条件符合``. Every value ``/api/policies`` lists — the code, its verdict word, the label
and the label's short name — is accepted by ``POST /api/site-check`` and the batch form, and recorded as the code;
a wrong value's error lists them.

第三章第三节 / 第十章第四节 steer industry into the clusters but bar nothing: a bearing plant (C3451) in 张炉集镇, in no
cluster, is 不符合 under 应入园 and 有条件符合 under 引导入园 (as tests/test_desk_api.py).
"""

from __future__ import annotations

import pytest

from dcf_spatial import plan

SITE = {"site": "115.76,36.40", "industry": "C3451"}


@pytest.mark.parametrize("value, code", [
    ("引导入园", "conditional"), ("引导入园：有条件符合", "conditional"), ("引导入园:有条件符合", "conditional"),
    ("应入园", "does_not_fit"), ("应入园：不符合", "does_not_fit"), ("有条件符合", "conditional"),
    ("conditional", "conditional"),
])
def test_every_form_of_a_setting_the_pages_show_is_read_as_its_code(value, code):
    assert plan.office_policies({"industry_outside_clusters": value})["industry_outside_clusters"] == code


def test_a_wrong_setting_names_the_short_names_too():
    from dcf_spatial.errors import InputError

    with pytest.raises(InputError) as exc:
        plan.office_policies({"industry_outside_clusters": "引导"})
    msg = str(exc.value)
    assert all(w in msg for w in ("引导", "conditional", "有条件符合", "引导入园", "does_not_fit", "应入园")), msg


def test_the_desk_takes_every_value_and_label_policies_lists(desk):
    menu = {p["name"]: p for p in desk.get("/api/policies").json()}
    choices = menu["industry_outside_clusters"]["choices"]
    for c in choices:
        for given in (c["value"], c["label_zh"], c["label_zh"].split("：")[0], c["verdict_zh"]):
            r = desk.post("/api/site-check", json={**SITE, "policy": {"industry_outside_clusters": given}})
            assert r.status_code == 200, (given, r.text)
            assert r.json()["verdict"] == c["value"], given
    # the batch form, as the user sent it
    r = desk.post("/api/site-check/batch", files={"file": ("p.csv", "经度,纬度,行业\n115.76,36.40,C3451\n".encode())},
                  data={"policy": "industry_outside_clusters=引导入园"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["policy"] == {"industry_outside_clusters": "conditional"}  # recorded as the code
    assert [x["verdict"] for x in body["results"]] == ["conditional"]


def test_the_desk_error_for_a_wrong_value_lists_the_labels(desk):
    r = desk.post("/api/site-check", json={**SITE, "policy": {"industry_outside_clusters": "入园"}})
    assert r.status_code == 422, r.text
    msg = r.json()["error"]
    for c in desk.get("/api/policies").json()[0]["choices"]:
        assert c["value"] in msg and c["label_zh"] in msg, msg
