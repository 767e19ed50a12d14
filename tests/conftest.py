"""Test setup: a throwaway PostGIS cluster started by the suite itself, migrated once, with
the demo municipality loaded once; each test runs in a transaction that is rolled back.

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
from gisapp.database import ensure_database, make_engine, set_context
from gisapp.demo.loader import write_demo
from gisapp.localdb import LocalCluster
from gisapp.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TEST_DB = "gisapp_test"


@pytest.fixture(scope="session")
def cluster() -> LocalCluster | None:
    """The suite's own cluster in .gisapp/test-pg, made anew for every run."""
    if os.environ.get("GISAPP_TEST_DATABASE_URL"):
        yield None
        return
    c = LocalCluster(ROOT / ".gisapp" / "test-pg")
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
    return Settings(database={"url": db_url, "pool_size": 5}, demo_mode=True)


@pytest.fixture(scope="session")
async def engine(settings) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(settings)
    async with eng.begin() as conn:
        has_demo = await conn.scalar(text("SELECT count(*) FROM municipality WHERE slug = 'demo'"))
    if not has_demo:
        maker = async_sessionmaker(eng, expire_on_commit=False)
        async with maker() as session, session.begin():
            await set_context(session, actor="demo")
            await write_demo(session)
    yield eng
    await eng.dispose()


@pytest.fixture
async def connection(engine) -> AsyncIterator[AsyncConnection]:
    """One connection in an outer transaction that is rolled back after the test."""
    async with engine.connect() as conn:
        trans = await conn.begin()
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
    async with sessionmaker() as s:
        async with s.begin():
            await set_context(s, actor="test")
            yield s


@pytest.fixture
async def client(settings, connection, sessionmaker) -> AsyncIterator[httpx.AsyncClient]:
    """The app over ASGI, its every request inside the test's rolled-back transaction."""
    app = create_app(settings)
    app.state.engine = connection.engine
    app.state.sessionmaker = sessionmaker
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def count(connection):
    """``await count("asset")``: rows in a table, as the test's transaction sees them."""
    async def _count(table: str, where: str = "true") -> int:
        return await connection.scalar(text(f"SELECT count(*) FROM {table} WHERE {where}"))
    return _count
