"""A site check the store cannot answer is not a bad request (issue 12, "Safe by default" and the API's
status codes): a layer changed by someone else while the check ran is a 409 (check again), a store that
cannot be reached a 400, a value of the body the library refuses a 422 — and no answer ever shows the
store's file or database address (a tester saw ``图层库 /tmp/b3/store.gpkg`` in a 422 after a merge)."""

from __future__ import annotations

import pytest

from dcf_spatial.desk.errors import DeskError
from dcf_spatial.desk.routes import api
from dcf_spatial.errors import InputError, StoreChangedError, about
from dcf_spatial.store import Store

from browser import make_fixture_store


@pytest.fixture
def active_store(tmp_path):
    path = make_fixture_store(tmp_path / "图层库.gpkg")
    with Store(path).activate():
        yield path


def _answer(monkeypatch, exc):
    def fail(*args, **kwargs):
        raise exc

    monkeypatch.setattr(api, "_check_site", fail)
    with pytest.raises(DeskError) as info:
        api.run_site_check(api.SiteCheckBody(site="115.75,36.34", industry="C34"), record=True)
    return info.value


def test_a_layer_changed_during_the_check_is_a_409_without_the_store_path(active_store, monkeypatch):
    # as dcf_spatial.register.record raises it (StoreChangedError, about the store)
    err = _answer(monkeypatch, about("store", StoreChangedError(
        f"核查期间图层库 {active_store} 中的图层 industrial_clusters 被他人修改，无法确定核查所用的版本，"
        "本次未记入核查登记；请重新核查。")))
    assert err.status == 409
    assert "被他人修改" in err.message and "请重新核查" in err.message
    assert str(active_store) not in err.message and "/tmp" not in err.message


def test_a_store_that_cannot_be_reached_is_a_400_not_the_requests_fault(active_store, monkeypatch):
    err = _answer(monkeypatch, about("store", InputError(f"无法连接图层库 {active_store}：连接被拒绝。")))
    assert err.status == 400 and str(active_store) not in err.message


def test_a_value_the_library_refuses_is_a_422_and_names_no_store_path(active_store, monkeypatch):
    err = _answer(monkeypatch, InputError(f"无法识别坐标系「EPSG:999999」（图层库 {active_store} 未涉及）。"))
    assert err.status == 422 and "999999" in err.message and str(active_store) not in err.message
