"""PostGIS-specific behaviour of the layer store: credentials, masking, indexes, parity with the GeoPackage.

Needs a real database (``DCF_TEST_PG_URL``, see ``tests/_stores.py``); the URL tests at the top
run everywhere.
"""

import logging
import socket
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal

from dcf_spatial import settings

from dcf_spatial.store import catalog
from dcf_spatial.cli.main import cli
from dcf_spatial.errors import InputError
from dcf_spatial.store.backends import as_pg_url, mask_url, open_store
from dcf_spatial.store.backends.postgis import PostgisStore

from _stores import drop_schema, require_pg_url, with_schema
from conftest import make_townships


# --- URLs, everywhere -------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("postgresql://dcf:s3cr%40t@db.example:5432/gis", "postgresql://dcf:***@db.example:5432/gis"),
    ("see postgres://u:p@h/d and postgresql+psycopg://a:b@c/d", "see postgres://u:***@h/d and postgresql+psycopg://a:***@c/d"),
    ("postgresql://dcf@db/gis?schema=x", "postgresql://dcf@db/gis?schema=x"),  # nothing to hide
    ("postgresql:/dcf:pw@db/gis", "postgresql:/dcf:***@db/gis"),  # as pathlib leaves it
])
def test_mask_url_hides_every_password(text, expected):
    assert mask_url(text) == expected


def test_store_url_survives_pathlib():
    # settings.store = Path(os.environ["DCF_STORE"]) turns "//" into "/"
    collapsed = Path("postgresql://dcf@127.0.0.1:5432/gis?schema=dcf")
    assert as_pg_url(collapsed) == "postgresql://dcf@127.0.0.1:5432/gis?schema=dcf"
    assert as_pg_url(Path("layers/dcf_layers.gpkg")) is None
    assert open_store(collapsed).label == "postgresql://dcf@127.0.0.1:5432/gis?schema=dcf"


def test_label_masks_password_and_keeps_schema():
    st = PostgisStore("postgres://dcf:topsecret@db:5433/gis?schema=bureau")
    assert st.label == "postgresql://dcf:***@db:5433/gis?schema=bureau"
    assert st.schema == "bureau" and "topsecret" not in repr(st.__dict__.get("label"))


# --- against a real database ------------------------------------------------------------------
@pytest.fixture
def pg_url():
    return require_pg_url()


@pytest.fixture
def schema_url(pg_url, request):
    schema = f"t_{uuid.uuid4().hex[:10]}"
    request.addfinalizer(lambda: drop_schema(schema))
    return with_schema(pg_url, schema)


def _parts(url):
    from sqlalchemy.engine import make_url

    return make_url(url)


def _with_password(url, password):
    return _parts(url).set(password=password).render_as_string(hide_password=False)


def _without_password(url):
    return _parts(url).set(password=None).render_as_string(hide_password=False)


def test_wrong_password_is_a_clear_error_without_the_password(schema_url, caplog):
    caplog.set_level(logging.DEBUG)
    bad = _with_password(schema_url, "WrongPw-4711")
    with pytest.raises(InputError) as info:
        catalog.list_layers(store=bad)
    msg = str(info.value)
    assert "无法连接 PostGIS 图层库" in msg and "PGPASSWORD" in msg and "***" in msg
    assert "WrongPw-4711" not in msg and "WrongPw-4711" not in caplog.text


def test_cli_never_prints_the_password(schema_url, caplog, monkeypatch):
    monkeypatch.setattr(settings, "store", settings.store)
    caplog.set_level(logging.DEBUG)
    password = _parts(schema_url).password
    catalog.write_layer(make_townships(2), "townships", store=schema_url, source="test fixture")
    runner = CliRunner()
    outputs = [
        runner.invoke(cli, ["-vv", "--store", schema_url, "layers", "list"]),
        runner.invoke(cli, ["-vv", "--store", schema_url, "layers", "show", "nope"]),
        runner.invoke(cli, ["-vv", "--store", schema_url, "layers", "reset", "townships"]),
        runner.invoke(cli, ["--store", _with_password(schema_url, "WrongPw-4711"), "layers", "list"]),
    ]
    assert [r.exit_code for r in outputs] == [0, 2, 2, 2]
    assert "***" in outputs[1].stderr  # the store is named, masked
    for r in outputs:
        for secret in (password, "WrongPw-4711"):
            assert secret not in r.output and secret not in (r.stderr or "")
    assert password not in caplog.text


def test_password_from_pgpassword(schema_url, monkeypatch):
    catalog.write_layer(make_townships(2), "townships", store=schema_url)
    password = _parts(schema_url).password
    monkeypatch.setenv("PGPASSWORD", password)
    monkeypatch.delenv("PGPASSFILE", raising=False)
    table = catalog.list_layers(store=_without_password(schema_url))
    assert table.set_index("id").loc["townships", "count"] == 2


def test_password_from_pgpass_file(schema_url, monkeypatch, tmp_path):
    catalog.write_layer(make_townships(2), "townships", store=schema_url)
    u = _parts(schema_url)
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{u.host}:{u.port}:{u.database}:{u.username}:{u.password}\n")
    pgpass.chmod(0o600)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    assert len(catalog.read_layer("townships", store=_without_password(schema_url))) == 2


def test_unreachable_server_names_the_store_masked(pg_url):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = _parts(pg_url).set(port=port).render_as_string(hide_password=False)
    with pytest.raises(InputError, match=rf"无法连接 PostGIS 图层库 postgresql://\w+:\*\*\*@127\.0\.0\.1:{port}/.*请检查地址中的主机、端口"):
        catalog.read_layer("townships", store=url)


def test_database_without_postgis_says_how_to_enable_it(pg_url):
    from sqlalchemy import create_engine, text

    name = f"dcf_nogis_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_parts(pg_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f'CREATE DATABASE "{name}"'))
    url = _parts(pg_url).set(database=name).render_as_string(hide_password=False)
    try:
        with pytest.raises(InputError, match="CREATE EXTENSION postgis"):
            catalog.write_layer(make_townships(2), "townships", store=url)
    finally:
        PostgisStore(url).engine.dispose()
        with admin.connect() as con:
            con.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_layer_keeps_its_spatial_index_through_import_and_reset(schema_url):
    """The bbox filter is answered by the GiST index, whose name follows the table through swaps."""
    from sqlalchemy import text

    catalog.write_layer(make_townships(2), "townships", store=schema_url)
    catalog.write_layer(make_townships(3), "townships", store=schema_url, keep_history=True)
    st = open_store(schema_url)

    def indexes():
        with st.engine.connect() as con:
            return dict(con.execute(text("SELECT tablename, indexname FROM pg_indexes WHERE schemaname=:s "
                                         "AND tablename NOT LIKE 'dcf_catalog%'"),
                                    {"s": st.schema}).all())

    assert indexes() == {"townships": "idx_townships_geometry",
                         "_history__townships__1": "idx__history__townships__1_geometry"}
    catalog.reset_layer("townships", store=schema_url)
    assert indexes() == {"townships": "idx_townships_geometry"}
    with st.engine.connect() as con:
        con.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(r[0] for r in con.execute(text(
            f'EXPLAIN SELECT * FROM "{st.schema}"."townships" '
            "WHERE ST_Intersects(geometry, ST_MakeEnvelope(116, 36, 117, 37, 4490))")).all())
    assert "idx_townships_geometry" in plan


@pytest.fixture(scope="module")
def shipped_layers(tmp_path_factory):
    """The default layer store: the shipped GeoPackage, or one built from the package's sources for this test."""
    if Path(settings.default_store).exists():
        return Path(settings.default_store)
    from dcf_spatial.store.build import build_default_layers

    return build_default_layers(tmp_path_factory.mktemp("shipped") / "dcf_layers.gpkg")


def test_pushed_default_layers_read_back_identical(shipped_layers, schema_url):
    """Every shipped layer comes back from PostGIS exactly as from the GeoPackage: same rows in the
    same order, dtypes, geometry types, empty strings, CRS and provenance."""
    summary = catalog.copy_store(shipped_layers, schema_url)
    gpkg_list = catalog.list_layers(store=shipped_layers)
    pg_list = catalog.list_layers(store=schema_url)
    assert len(summary["layers"]) == len(gpkg_list) >= 16
    assert pg_list.drop(columns="source").equals(gpkg_list.drop(columns="source"))
    for layer_id in gpkg_list["id"]:
        a = catalog.read_layer(layer_id, store=shipped_layers)
        b = catalog.read_layer(layer_id, store=schema_url)
        assert_geodataframe_equal(b, a, check_like=False)
        assert b.attrs == a.attrs


def test_pg_input_reads_a_user_table_with_its_crs_and_bbox(schema_url, monkeypatch):
    """`pg:schema.table` inputs (parcels in the bureau's database) are read from the store's database."""
    from sqlalchemy import text

    from dcf_spatial.io.pg import read_pg_table

    st = open_store(schema_url)
    parcels = make_townships(3).to_crs(4548).assign(地块编号=["合成A", "合成B", ""])
    with st.engine.begin() as con:
        con.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{st.schema}"'))
        parcels.to_postgis("parcels", con, schema=st.schema)
    got = read_pg_table(f"pg:{st.schema}.parcels", store=schema_url)
    assert got.crs.to_epsg() == 4548 and sorted(got["地块编号"].fillna("")) == ["", "合成A", "合成B"]
    west = make_townships(3).geometry.iloc[0].bounds  # EPSG:4490 box inside the first cell
    box = (west[0] + 0.001, west[1] + 0.001, west[0] + 0.01, west[1] + 0.01)
    assert list(read_pg_table("pg:parcels", store=schema_url, bbox=box)["id"]) == [parcels["id"].iloc[0]]
    with pytest.raises(InputError, match=r"没有带几何列的表 .*\.nope。请检查模式名和表名"):
        read_pg_table(f"pg:{st.schema}.nope", store=schema_url)
    monkeypatch.setattr(settings, "store", Path("layers/dcf_layers.gpkg"))
    with pytest.raises(InputError, match="设定图层库（环境变量 DCF_STORE）为 postgresql://"):
        read_pg_table("pg:bureau.parcels")
