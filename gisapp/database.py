"""Engine, sessions and the per-transaction context that row-level security reads.

Two database roles matter: the owner, which runs migrations (``settings.database.url`` or
the local cluster's admin), and ``gisapp_app``, which the app connects as: it owns nothing
and cannot bypass row-level security. Every transaction starts with :func:`set_context`,
which sets, for that transaction only (``set_config(..., true)`` and ``SET LOCAL``), who
acts, for which municipality, and whether as staff (``gisapp_app``) or as the anonymous
public (``gisapp_public``). Commit or rollback forgets all of it, so a pooled connection
never carries one request's municipality into the next.
"""

from __future__ import annotations

import hashlib
import logging
import hmac
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from gisapp.errors import DatabaseUnavailable
from gisapp.localdb import DATABASE, LocalCluster
from gisapp.settings import Settings

log = logging.getLogger("gisapp.database")

APP_ROLE = "gisapp_app"
PUBLIC_ROLE = "gisapp_public"
DbRole = Literal["gisapp_app", "gisapp_public"]


def admin_url(settings: Settings) -> str:
    """URL of the schema owner: the configured one, or the local cluster's admin."""
    if settings.database.url:
        return settings.database.url
    return LocalCluster(settings.database.local_dir).url()


def app_password(settings: Settings) -> str:
    """The gisapp_app role's password: configured, or derived from the owner's."""
    if settings.database.app_password:
        return settings.database.app_password.get_secret_value()
    owner = make_url(admin_url(settings)).password or ""
    return hmac.new(owner.encode(), b"gisapp_app login", hashlib.sha256).hexdigest()


def app_url(settings: Settings) -> str:
    """The URL the app connects with: the owner's server and database, as gisapp_app."""
    url = make_url(admin_url(settings)).set(username=APP_ROLE, password=app_password(settings))
    return url.render_as_string(hide_password=False)


def make_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    """An async engine (as gisapp_app unless a URL is given) with a bounded pool."""
    return create_async_engine(
        url or app_url(settings),
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


async def make_read_pool(settings: Settings) -> asyncpg.Pool:
    """A plain asyncpg pool as gisapp_app, for the few hot read paths (the scan card).

    Why beside the engine: a request through the ORM session costs ~0.4 ms of CPU before
    its first statement (session, pool checkout with a three-statement pre-ping, reset),
    which is most of a scan's budget. Statements on this pool run in autocommit: each is its
    own transaction, so what one sets with ``set_config(..., true)`` ends with it.
    """
    url = make_url(app_url(settings)).set(drivername="postgresql")
    return await asyncpg.create_pool(
        url.render_as_string(hide_password=False), min_size=1,
        max_size=settings.database.pool_size, reset=_nothing_to_reset,
        server_settings={"statement_timeout": str(settings.database.statement_timeout_ms),
                         "application_name": "gisapp"},
    )


class PublicConnection(asyncpg.Connection):
    """A connection of the public pool; it remembers the municipality it is narrowed to
    (see ``gisapp.ogc.context.public_connection``). Its methods work through the pool's
    connection proxy, which hands attribute look-ups on to the connection."""

    __slots__ = ("_narrowed", "_narrowed_at")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.forget_narrowing()

    def narrowed_to(self, key: str, max_age_s: float):
        """What was remembered with :meth:`remember_narrowing` for ``key``, if not older
        than ``max_age_s``; else None."""
        if self._narrowed is None or self._narrowed[0] != key:
            return None
        if time.monotonic() - self._narrowed_at > max_age_s:
            return None
        return self._narrowed[1]

    def remember_narrowing(self, key: str, value) -> None:
        self._narrowed, self._narrowed_at = (key, value), time.monotonic()

    def forget_narrowing(self) -> None:
        self._narrowed, self._narrowed_at = None, 0.0


async def make_public_pool(settings: Settings) -> asyncpg.Pool:
    """A plain asyncpg pool whose connections are the public for good, for the public's
    hottest reads (OGC items pages and vector tiles that GIS programs ask for in bursts).

    Each connection becomes ``gisapp_public`` once, when it is opened, for the rest of its
    life: whatever runs on it reads only what the public may, under row-level security and
    the public's column grants. It is narrowed to one municipality at a time with a
    session setting, so a request costs one round trip, its own statement, instead of four
    (BEGIN, the context, the statement, COMMIT). Plans are custom (``plan_cache_mode``):
    asyncpg prepares every statement, and a generic plan would ignore the actual bbox or tile.
    """
    url = make_url(app_url(settings)).set(drivername="postgresql")

    async def become_public(conn: asyncpg.Connection) -> None:
        await conn.execute(f"SET ROLE {PUBLIC_ROLE}")

    return await asyncpg.create_pool(
        url.render_as_string(hide_password=False), min_size=1,
        max_size=settings.database.pool_size, reset=_nothing_to_reset, init=become_public,
        connection_class=PublicConnection,
        server_settings={"statement_timeout": str(settings.database.statement_timeout_ms),
                         "application_name": "gisapp-public",
                         "plan_cache_mode": "force_custom_plan"},
    )


async def _nothing_to_reset(conn: asyncpg.Connection) -> None:
    """The reset on release of the read and public pools: nothing beyond what asyncpg
    always does (roll back a transaction left open). Statements on the read pool change no
    session state (whatever they set is ``set_config(..., true)``, which ends with their
    transaction); the public pool's session state is what it is for. The default reset
    (UNLISTEN, CLOSE ALL, RESET ALL, …) would be one more round trip per request, and would
    undo the public pool's role."""


@asynccontextmanager
async def read_connection(app_state) -> AsyncIterator[asyncpg.Connection]:
    """An asyncpg connection for a hot read path: from the read pool, or, when the app was
    given a shared engine (the tests' rolled-back transaction), the session's connection."""
    pool = getattr(app_state, "read_pool", None)
    if pool is not None:
        async with pool.acquire() as conn:
            yield conn
        return
    async with app_state.sessionmaker() as session:
        connection = await session.connection()
        conn = (await connection.get_raw_connection()).driver_connection
        # inside the enclosing transaction an earlier request may have narrowed the role:
        # start from the staff role, as every request does
        await conn.execute(f"SET LOCAL ROLE {APP_ROLE}")
        yield conn


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def set_context(
    session: AsyncSession, *, actor: str | None, municipality_id=None, user_id=None,
    db_role: DbRole | None = APP_ROLE, superuser: bool = False,
) -> None:
    """Set who acts, for which municipality and as which database role, for this
    transaction only, in one round trip. Call again to narrow (e.g. once the municipality
    is known).

    ``db_role=None`` keeps the connection's own role: only for the owner's maintenance
    work (loading the demo), never for requests.
    """
    if db_role is not None and db_role not in (APP_ROLE, PUBLIC_ROLE):
        raise ValueError(f"unknown database role {db_role!r}")
    # set_config('role', …, true) is SET LOCAL ROLE, but takes a bound parameter
    role_part = "set_config('role', :role, true), " if db_role else ""
    await session.execute(
        text(
            f"SELECT {role_part}set_config('gisapp.actor', :actor, true),"
            " set_config('gisapp.municipality_id', :mid, true),"
            " set_config('gisapp.user_id', :uid, true),"
            " set_config('gisapp.superuser', :su, true)"
        ),
        {"actor": actor or "", "mid": str(municipality_id) if municipality_id else "",
         "uid": str(user_id) if user_id else "", "su": "on" if superuser else "off",
         **({"role": db_role} if db_role else {})},
    )


async def set_municipality(session: AsyncSession, municipality_id,
                           db_role: DbRole | None = None) -> None:
    """Narrow the transaction to one municipality (row-level security follows), and
    switch the role with it when asked, in one round trip."""
    if db_role is not None and db_role not in (APP_ROLE, PUBLIC_ROLE):
        raise ValueError(f"unknown database role {db_role!r}")
    role_part = ", set_config('role', :role, true)" if db_role else ""
    await session.execute(
        text(f"SELECT set_config('gisapp.municipality_id', :mid, true){role_part}"),
        {"mid": str(municipality_id) if municipality_id else "",
         **({"role": db_role} if db_role else {})},
    )


async def set_role(session: AsyncSession, db_role: DbRole) -> None:
    """Switch the transaction to the staff or the public database role."""
    if db_role not in (APP_ROLE, PUBLIC_ROLE):
        raise ValueError(f"unknown database role {db_role!r}")
    await session.execute(text("SELECT set_config('role', :role, true)"), {"role": db_role})


@asynccontextmanager
async def session_scope(
    maker: async_sessionmaker[AsyncSession], *, actor: str | None = None, **context
) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends, rolled back on any exception."""
    async with maker() as session:
        async with session.begin():
            await set_context(session, actor=actor, **context)
            yield session


async def ensure_database(admin: str, name: str = DATABASE) -> bool:
    """Create the database on the server if missing (local cluster). True when created."""
    plain = admin.replace("postgresql+asyncpg://", "postgresql://")
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


async def ensure_app_login(settings: Settings) -> None:
    """Let gisapp_app log in with its password (the role itself comes from a migration)."""
    conn = await asyncpg.connect(admin_url(settings).replace("postgresql+asyncpg://", "postgresql://"))
    try:
        statement = await conn.fetchval(
            "SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', $1::text, $2::text)",
            APP_ROLE, app_password(settings),
        )
        await conn.execute(statement)
    finally:
        await conn.close()


async def check_app_role(engine: AsyncEngine) -> None:
    """Refuse to serve as a role that would bypass row-level security."""
    async with engine.connect() as conn:
        row = (await conn.execute(text(
            "SELECT r.rolname, r.rolsuper, r.rolbypassrls,"
            " EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public'"
            "         AND tableowner = current_user)"
            " FROM pg_roles r WHERE r.rolname = current_user"))).one()
    name, superuser, bypass, owner = row
    if superuser or bypass or owner:
        raise DatabaseUnavailable(
            f"the app connects as {name!r}, which "
            + ("is a superuser" if superuser else "bypasses row-level security" if bypass
               else "owns tables")
            + f"; it must connect as {APP_ROLE} (see README: configuration)"
        )


LEAKPROOF_CHECK = text(
    "SELECT coalesce(bool_and(p.proleakproof), false) FROM pg_proc p"
    " WHERE p.oid = 'geometry_overlaps(geometry, geometry)'::regprocedure")


async def spatial_index_usable(conn) -> bool:
    """Whether PostGIS's ``&&`` may use the spatial index under row-level security
    (marked LEAKPROOF by migration 0007, which needs a superuser)."""
    return bool((await conn.execute(LEAKPROOF_CHECK)).scalar())


async def warn_without_spatial_index(engine: AsyncEngine) -> None:
    """Say so at start when bbox queries and tiles would scan whole municipalities."""
    async with engine.connect() as conn:
        if not await spatial_index_usable(conn):
            log.warning(
                "PostGIS's bounding-box operators are not LEAKPROOF (migration 0007 needs a "
                "superuser): under row-level security, map pans, tiles and bbox queries scan "
                "the whole municipality. Ask a superuser to run "
                "gisapp/sql/spatial_index_rls_up.sql (docs/deploy.md).")

