"""Run the same tests against both layer stores: a GeoPackage always, PostGIS when available.

PostGIS tests need ``DCF_TEST_PG_URL`` (``eval "$(bash .ci/postgis.sh)"`` starts a throw-away
cluster and prints it). Without it they are skipped — unless ``DCF_REQUIRE_POSTGIS=1`` (CI), where
they fail. Each test gets its own database schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid

import pytest

PG_URL = os.environ.get("DCF_TEST_PG_URL", "")
REQUIRE_POSTGIS = os.environ.get("DCF_REQUIRE_POSTGIS") == "1"
_SKIP_REASON = 'DCF_TEST_PG_URL not set (start a test database: eval "$(bash .ci/postgis.sh)")'

#: parametrize values for a ``store_kind`` fixture
STORE_KINDS = [
    pytest.param("gpkg", id="gpkg"),
    pytest.param("postgis", id="postgis",
                 marks=[] if (PG_URL or REQUIRE_POSTGIS) else [pytest.mark.skip(reason=_SKIP_REASON)]),
]


def require_pg_url() -> str:
    """The test database URL; skip (or fail under ``DCF_REQUIRE_POSTGIS=1``) without one."""
    if not PG_URL:
        if REQUIRE_POSTGIS:
            pytest.fail("DCF_REQUIRE_POSTGIS=1 but DCF_TEST_PG_URL is not set: .ci/postgis.sh did not run or failed.")
        pytest.skip(_SKIP_REASON)
    return PG_URL


def with_schema(url: str, schema: str) -> str:
    return url + ("&" if "?" in url else "?") + f"schema={schema}"


def drop_schema(schema: str) -> None:
    from sqlalchemy import text

    from dcf_spatial.store.backends.postgis import PostgisStore

    st = PostgisStore(require_pg_url())
    with st.engine.begin() as con:
        con.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def new_store(kind: str, tmp_path, request) -> str | os.PathLike:
    """An empty store location of ``kind``: a GeoPackage path, or a URL naming a fresh schema."""
    if kind == "gpkg":
        return tmp_path / "store.gpkg"
    url = require_pg_url()
    schema = f"t_{uuid.uuid4().hex[:10]}"
    request.addfinalizer(lambda: drop_schema(schema))
    return with_schema(url, schema)


def checkout_copy(request, tmp_path):
    """A store of the kind ``request.param`` names holding a copy of the checkout's layers (a
    GeoPackage file copy, or the layers pushed to a fresh PostGIS schema): the ``store`` fixture of the
    register tests."""
    from dcf_spatial import settings
    from dcf_spatial.store import catalog

    loc = new_store(request.param, tmp_path, request)
    if request.param == "gpkg":
        import shutil

        shutil.copy(settings.checkout_store, loc)
    else:
        catalog.copy_store(settings.checkout_store, loc)
    return loc


def store_alone(folder):
    """A copy of the checkout's store as ``dcf_layers.gpkg``, alone in the new folder ``folder`` (what is written
    beside it — a working copy, a journal — can be seen)."""
    import shutil
    from pathlib import Path

    from dcf_spatial import settings

    folder = Path(folder)
    folder.mkdir()
    path = folder / "dcf_layers.gpkg"
    shutil.copy(settings.checkout_store, path)
    return path


def file_sha(path) -> str:
    """The SHA-256 of the file ``path``: equal before and after, the file was not changed."""
    import hashlib
    from pathlib import Path

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
