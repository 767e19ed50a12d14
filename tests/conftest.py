"""Test setup: a throwaway PostGIS cluster started by the suite itself (one per run), migrated once, with
the demo municipality loaded once; each test runs in a transaction that is rolled back.

The outer transaction runs as the schema owner (to set up data and count rows past
row-level security); every request of the app switches to ``gisapp_app`` or
``gisapp_public`` inside it, as in production. Tests that need the app's own login use
``app_engine``.

Set GISAPP_TEST_DATABASE_URL to run against an existing server instead (its database is
migrated and the demo is loaded into it).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker

from gisapp import migrate
from gisapp.app import create_app
from gisapp.auth.credentials import hash_secret
from gisapp.database import (
    admin_url, app_url, ensure_app_login, ensure_database, make_engine, set_context,
)
from gisapp.demo.loader import write_demo
from gisapp.localdb import LocalCluster
from gisapp.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TEST_DB = "gisapp_test"
DEMO_PASSWORD = "demo-password-for-tests"
# API tokens the fixtures create in the demo, one per role
TOKENS = {role: f"gat_test-{role}-token-0123456789abcdef" for role in ("admin", "planner", "crew")}


def _remove_orphans() -> None:
    """Clusters of test runs that died without cleaning up (their process is gone)."""
    for folder in (ROOT / ".gisapp").glob("test-pg-*"):
        pid = folder.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            LocalCluster(folder).destroy()


@pytest.fixture(scope="session")
def cluster() -> LocalCluster | None:
    """The run's own cluster in .gisapp/test-pg-<pid> (runs may overlap), removed after."""
    if os.environ.get("GISAPP_TEST_DATABASE_URL"):
        yield None
        return
    _remove_orphans()
    c = LocalCluster(ROOT / ".gisapp" / f"test-pg-{os.getpid()}")
    c.destroy()
    c.start()
    yield c
    c.destroy()


@pytest.fixture(scope="session")
def db_url(cluster) -> str:
    url = os.environ.get("GISAPP_TEST_DATABASE_URL")
    if not url:
        asyncio.run(ensure_database(cluster.url(), TEST_DB))
        url = cluster.url(TEST_DB)
    url = Settings(database={"url": url}).database.url
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def settings(db_url) -> Settings:
    s = Settings(database={"url": db_url, "pool_size": 5}, demo_mode=True)
    asyncio.run(ensure_app_login(s))
    return s


@pytest.fixture(scope="session")
async def engine(settings) -> AsyncIterator[AsyncEngine]:
    """The schema owner's engine: loads the demo, runs each test's outer transaction."""
    eng = make_engine(settings, admin_url(settings))
    async with eng.begin() as conn:
        has_demo = await conn.scalar(text("SELECT count(*) FROM municipality WHERE slug = 'demo'"))
    if not has_demo:
        maker = async_sessionmaker(eng, expire_on_commit=False)
        async with maker() as session, session.begin():
            await set_context(session, actor="demo", db_role=None)
            await write_demo(session, password=DEMO_PASSWORD)
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
async def app_engine(settings, engine) -> AsyncIterator[AsyncEngine]:
    """The app's own engine, logged in as gisapp_app (what production uses)."""
    eng = make_engine(settings, app_url(settings))
    yield eng
    await eng.dispose()


@pytest.fixture
async def connection(engine) -> AsyncIterator[AsyncConnection]:
    """One connection in an outer transaction that is rolled back after the test, with an
    API token per role in the demo."""
    async with engine.connect() as conn:
        trans = await conn.begin()
        for role, token in TOKENS.items():
            await conn.execute(text(
                "INSERT INTO api_token (municipality_id, name, token_hash, prefix, role)"
                " SELECT id, :name, :hash, 'gat_test', :role FROM municipality WHERE slug = 'demo'"
            ), {"name": f"test-{role}", "hash": hash_secret(token), "role": role})
        yield conn
        if trans.is_active:
            await trans.rollback()


@pytest.fixture
def sessionmaker(connection) -> async_sessionmaker:
    """Sessions that commit to savepoints inside the test's outer transaction."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def session(sessionmaker):
    """A session of the schema owner inside the test's transaction (for loaders)."""
    async with sessionmaker() as s:
        async with s.begin():
            await set_context(s, actor="test", db_role=None)
            yield s


@pytest.fixture
def app(settings, connection, sessionmaker):
    """The app, its every request inside the test's rolled-back transaction."""
    application = create_app(settings)
    application.state.engine = connection.engine
    application.state.sessionmaker = sessionmaker
    return application


@pytest.fixture
def make_client(app):
    """``async with make_client("crew") as c``: a client with that role's API token in the
    demo (None: anonymous)."""
    def _make(role: str | None = None, **kw) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {TOKENS[role]}"} if role else {}
        headers.update(kw.pop("headers", {}))
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=kw.pop("base_url", "https://testserver"),
                                 headers=headers, **kw)
    return _make


@pytest.fixture
async def client(make_client) -> AsyncIterator[httpx.AsyncClient]:
    """A client acting as the demo's admin (by API token)."""
    async with make_client("admin") as c:
        yield c


@pytest.fixture
async def anon(make_client) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the anonymous public."""
    async with make_client(None) as c:
        yield c


@pytest.fixture
async def count(connection):
    """``await count("asset")``: rows in a table, all of them (past row-level security)."""
    async def _count(table: str, where: str = "true") -> int:
        await connection.execute(text("RESET ROLE"))
        return await connection.scalar(text(f"SELECT count(*) FROM {table} WHERE {where}"))
    return _count


@pytest.fixture
async def superuser(connection, make_client) -> AsyncIterator[httpx.AsyncClient]:
    """A client logged in (session cookie + CSRF header) as an installation administrator."""
    from gisapp.auth.passwords import hash_password

    await connection.execute(text(
        "INSERT INTO app_user (username, display_name, password_hash, is_superuser)"
        " VALUES ('root-test', 'Installation admin', :h, true)"),
        {"h": hash_password("root-password-123")})
    async with make_client(None) as c:
        r = await c.post("/api/v1/auth/login",
                         json={"username": "root-test", "password": "root-password-123"})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        yield c


OTHER_TOKENS = {role: f"gat_other-{role}-token-0123456789abcdef" for role in ("admin", "crew")}


@pytest.fixture
async def other(connection, make_client):
    """A second municipality, 'nachbarort', with its own assets (a meter among them), people
    and tokens, created in the test's transaction. Returns its clients and ids."""
    from gisapp.auth.passwords import hash_password

    mid = await connection.scalar(text(
        "INSERT INTO municipality (slug, name, working_crs, boundary) VALUES ('nachbarort',"
        " 'Nachbarort', 25832, ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(7.40, 49.90), 4326)::geography,"
        " 1500)::geometry)) RETURNING id"))
    await connection.execute(text(
        "INSERT INTO asset_type (municipality_id, code, code_prefix, label_de, geometry_kind,"
        " attribute_schema, public_by_default, public_allowed, builtin)"
        " SELECT :mid, code, code_prefix, label_de, geometry_kind, attribute_schema,"
        " public_by_default, public_allowed, builtin FROM asset_type"
        " WHERE municipality_id = (SELECT id FROM municipality WHERE slug = 'demo')"), {"mid": mid})
    ids = {}
    for code, type_code, public, attrs in [
        ("NB-SL-1", "street_light", True, '{"lamp_technology": "LED", "power_w": 30}'),
        ("NB-MTR-1", "meter", False, '{"medium": "water", "meter_number": "SECRET-NB-4711"}'),
        ("NB-SN-1", "sensor", True, '{"quantities": ["pm10"], "device_eui": "ABCDEF0123456789"}'),
    ]:
        ids[code] = await connection.scalar(text(
            "INSERT INTO asset (municipality_id, code, type_code, name, geom, attributes, is_public)"
            " VALUES (:mid, :code, :t, 'Nachbarort ' || :code, ST_SetSRID(ST_MakePoint(7.40, 49.90), 4326),"
            " CAST(:a AS jsonb), :p) RETURNING id"),
            {"mid": mid, "code": code, "t": type_code, "a": attrs, "p": public})
    await connection.execute(text(
        "INSERT INTO maintenance_record (municipality_id, asset_id, kind, performed_at, result, notes)"
        " VALUES (:mid, :aid, 'inspection', now() - interval '1 day', 'ok', 'NB secret note')"),
        {"mid": mid, "aid": ids["NB-SL-1"]})
    user_id = await connection.scalar(text(
        "INSERT INTO app_user (username, display_name, password_hash) VALUES"
        " ('nb-admin', 'Nachbarort Admin', :h) RETURNING id"), {"h": hash_password("nb-password-123")})
    await connection.execute(text(
        "INSERT INTO membership (municipality_id, user_id, role) VALUES (:mid, :u, 'admin')"),
        {"mid": mid, "u": user_id})
    for role, token in OTHER_TOKENS.items():
        await connection.execute(text(
            "INSERT INTO api_token (municipality_id, name, token_hash, prefix, role)"
            " VALUES (:mid, :n, :h, 'gat_other', :r)"),
            {"mid": mid, "n": f"nb-{role}", "h": hash_secret(token), "r": role})

    def client(role):
        return httpx.AsyncClient(transport=make_client(None)._transport,
                                 base_url="https://testserver",
                                 headers={"Authorization": f"Bearer {OTHER_TOKENS[role]}"})

    return {"id": mid, "assets": ids, "user_id": user_id, "client": client}
