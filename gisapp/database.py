"""Engine and sessions.

One engine per app (made by the app factory, never at import). Every request runs in one
transaction; :func:`session_scope` sets the acting user and the municipality with
``set_config(..., is_local => true)`` so the values vanish at commit or rollback and a pooled
connection never carries them into the next request. Triggers (change history) and row-level
security policies read them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from gisapp.errors import DatabaseUnavailable
from gisapp.localdb import DATABASE, LocalCluster
from gisapp.settings import Settings


def database_url(settings: Settings) -> str:
    """The configured URL, or the embedded cluster's (started if needed)."""
    if settings.database.url:
        return settings.database.url
    cluster = LocalCluster(settings.database.local_dir)
    return cluster.url()


def make_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    """An async engine with a bounded pool and a statement timeout per connection."""
    return create_async_engine(
        url or database_url(settings),
        pool_size=settings.database.pool_size,
        max_overflow=settings.database.max_overflow,
        pool_pre_ping=True,
        connect_args={
            "server_settings": {
                "statement_timeout": str(settings.database.statement_timeout_ms),
                "application_name": "gisapp",
            }
        },
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def set_context(session: AsyncSession, *, actor: str | None, municipality_id=None) -> None:
    """Set who acts and for which municipality, for this transaction only."""
    await session.execute(
        text(
            "SELECT set_config('gisapp.actor', :actor, true),"
            " set_config('gisapp.municipality_id', :mid, true)"
        ),
        {"actor": actor or "", "mid": str(municipality_id) if municipality_id else ""},
    )


@asynccontextmanager
async def session_scope(
    maker: async_sessionmaker[AsyncSession], *, actor: str | None = None
) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends, rolled back on any exception."""
    async with maker() as session:
        async with session.begin():
            await set_context(session, actor=actor)
            yield session


async def ensure_database(admin_url: str, name: str = DATABASE) -> bool:
    """Create the database on the server if missing (local cluster). True when created."""
    plain = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    base, _, _ = plain.rpartition("/")
    try:
        conn = await asyncpg.connect(base + "/postgres")
    except (OSError, asyncpg.PostgresError) as exc:
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL: {exc}") from exc
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        # identifiers cannot be bound; the name is ours (a constant or a test's), quote it
        quoted = '"' + name.replace('"', '""') + '"'
        await conn.execute(f"CREATE DATABASE {quoted} ENCODING 'UTF8' TEMPLATE template0")
        return True
    finally:
        await conn.close()
