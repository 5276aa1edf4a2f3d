"""The layer store as an object: Store, the active-store context (per thread), module functions,
and the read-only packaged default copied to the per-user folder before its first change."""

import threading

import pytest

from dcf_spatial import settings
from dcf_spatial.errors import InputError
from dcf_spatial.store import Store, catalog, layer, layers
from dcf_spatial.store.locate import resolve_store

from conftest import make_townships


@pytest.fixture
def two_stores(tmp_path):
    a, b = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    catalog.write_layer(make_townships(2), "townships", store=a, source="store a")
    catalog.write_layer(make_townships(3), "townships", store=b, source="store b")
    return a, b


def test_store_reads_lists_and_describes_its_layers(two_stores):
    st = Store(two_stores[0])
    assert len(st.layer("townships")) == 2
    assert st.layers()["id"].tolist() == ["townships"]
    assert st.describe("townships")["count"] == 2
    assert st.exists() and Store(st) == st


def test_activate_makes_store_none_mean_that_store(two_stores, monkeypatch):
    a, b = two_stores
    monkeypatch.setattr(settings, "store", a)
    assert len(layer("townships")) == 2
    with Store(b).activate() as st:
        assert len(layer("townships")) == 3
        assert len(catalog.read_layer("townships")) == 3
        assert settings.store == st.location
        assert len(layer("townships", store=a)) == 2  # an explicit argument still wins
    assert len(layer("townships")) == 2 and settings.store == a
    assert layers(store=b)["count"].tolist() == [3]


def test_active_store_is_per_thread(two_stores):
    """Two threads, each with its own active store, see their own layers at the same time."""
    barrier = threading.Barrier(2)
    seen, errors = {}, []

    def work(name, location):
        try:
            with Store(location).activate():
                barrier.wait(timeout=30)  # both stores are active now
                counts = [len(layer("townships")) for _ in range(5)]
                barrier.wait(timeout=30)
                seen[name] = (counts, layer("townships").attrs["source"])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n, loc)) for n, loc in zip("ab", two_stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert seen == {"a": ([2] * 5, "store a"), "b": ([3] * 5, "store b")}


def test_store_repr_and_label_mask_the_password():
    st = Store("postgresql://dcf:secret@127.0.0.1:5432/gis?schema=x")
    assert "secret" not in repr(st) and "secret" not in st.label and "***" in st.label
    assert st.location == "postgresql://dcf:secret@127.0.0.1:5432/gis?schema=x"


def test_resolve_store_refuses_other_objects():
    with pytest.raises(InputError, match="store="):
        resolve_store(42)


def test_store_import_export_reset_and_push(two_stores, tmp_path):
    a, b = two_stores
    st = Store(a)
    out = st.export("townships", tmp_path / "t.geojson")
    summary = st.import_layer("townships", out, provenance="reference")
    assert summary["features"] == 2 and len(st.layer("townships")) == 2
    assert st.reset("townships")["features"] == 2
    target = tmp_path / "copy.gpkg"
    assert [r["id"] for r in st.push(target)["layers"]] == ["townships"]
    assert len(Store(target).layer("townships")) == 2


def test_packaged_default_is_copied_before_the_first_change(tmp_path, monkeypatch, caplog):
    """An installed package never writes inside site-packages: the first change goes to a per-user copy."""
    packaged = tmp_path / "site-packages" / "dcf_layers.gpkg"
    packaged.parent.mkdir()
    catalog.write_layer(make_townships(2), "townships", store=packaged, source="shipped")
    before = packaged.read_bytes()
    monkeypatch.setattr(settings, "packaged_store", packaged)
    monkeypatch.setattr(settings, "user_store", tmp_path / "user" / "dcf_layers.gpkg")
    monkeypatch.setattr(settings, "store", packaged)
    assert len(layer("townships")) == 2  # read in place
    assert not settings.user_store.exists()
    with caplog.at_level("WARNING", logger="dcf_spatial.store.locate"):
        catalog.write_layer(make_townships(3), "townships", keep_history=True, source="changed")
    assert packaged.read_bytes() == before
    assert settings.user_store.exists() and str(settings.user_store) in caplog.text
    assert len(layer("townships")) == 3  # the copy is the default from now on
    assert Store().location == settings.user_store
    assert Store().reset("townships")["features"] == 2
    assert packaged.read_bytes() == before
