"""What the tests of a desk's kept PostGIS catalog share (tests/test_catalog_watch.py, tests/test_pg_direct_edit.py):
a PostGIS copy of the shipped layers, the watching switched on for one test, and waits for the listening thread."""

from __future__ import annotations

import time

import pytest

from dcf_spatial.store.backends import catalog_watch

from _stores import STORE_KINDS, checkout_copy


@pytest.fixture(params=[p for p in STORE_KINDS if p.id == "postgis"])
def store(request, tmp_path):
    """A fresh PostGIS schema holding the shipped layers."""
    return checkout_copy(request, tmp_path)


@pytest.fixture
def watching(monkeypatch):
    """Watching on in this test only (the desk turns it on for its whole process)."""
    monkeypatch.setitem(catalog_watch._ENABLED, "on", True)
    yield
    for watch in list(catalog_watch._WATCHES.values()):
        watch.forget()


def live(st, timeout=120.0):
    """The store's watch once it listens (the listening thread connects in the background)."""
    st.catalog_dicts()
    watch = catalog_watch.watch_of(st)
    deadline = time.monotonic() + timeout
    while watch.conn is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert watch.conn is not None, "the catalog watch never started listening"
    return watch


def until(predicate, timeout=120.0) -> bool:
    """Whether ``predicate()`` became true within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
