"""The transaction of one OGC request, set up in as few round trips as possible.

The routes of the service are read by GIS programs in bursts (a map pan asks for dozens of
tiles, a layer for hundreds of pages), so the usual dependency chain (session, principal,
municipality, role: three to four statements) is folded: the caller is resolved only when
credentials came, and one statement finds the municipality by its slug, narrows the
transaction to it (row-level security follows), picks the database role and sets
``plan_cache_mode``. The rules are the same as in :mod:`gisapp.dependencies`: staff of the
municipality read as ``gisapp_app``, everybody else as ``gisapp_public``.

``plan_cache_mode = force_custom_plan``: asyncpg prepares every statement, and after five
executions PostgreSQL may switch to a generic plan that does not look at the actual bbox
or tile (and so may pick a scan that suits no tile). Custom plans cost a few microseconds
of planning and are always right for the values given.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.auth import principal as auth
from gisapp.auth.principal import Principal
from gisapp.database import APP_ROLE, PUBLIC_ROLE, set_role
from gisapp.ogc.errors import OgcNotFound

_OPEN = text(
    "SELECT m.id, m.name, m.working_crs, m.default_language,"
    " ST_XMin(m.boundary), ST_YMin(m.boundary), ST_XMax(m.boundary), ST_YMax(m.boundary),"
    " set_config('gisapp.municipality_id', m.id::text, true),"
    " set_config('role', CASE WHEN m.id = ANY(CAST(:staff_of AS uuid[])) THEN :staff_role"
    "                         ELSE :public_role END, true),"
    " set_config('plan_cache_mode', 'force_custom_plan', true)"
    " FROM municipality m WHERE m.slug = :slug"
)
_TO_PUBLIC = text("SELECT set_config('role', :role, true)")


@dataclass(frozen=True)
class Place:
    """The municipality of the request, with the bounds of its boundary (lon/lat)."""

    id: uuid.UUID
    slug: str
    name: str
    working_crs: int
    default_language: str
    bounds: tuple[float, float, float, float] | None


@dataclass
class OgcContext:
    """Who asks, where, and the transaction to ask in (``conn`` is the raw asyncpg
    connection of that transaction, for statements whose answer is passed through)."""

    session: AsyncSession | None
    place: Place
    principal: Principal
    role: str | None
    raw: object | None = None  # the read pool's connection on the fast path

    @property
    def internal(self) -> bool:
        """Staff of the municipality: internal fields and non-public assets."""
        return self.role is not None

    async def conn(self):
        if self.raw is not None:
            return self.raw
        raw = await (await self.session.connection()).get_raw_connection()
        return raw.driver_connection

    async def become_public(self) -> None:
        """After reading what only the app role may (type schemas), drop to the public
        role for the data (see :func:`ogc_transaction`, ``defer_public``)."""
        if not self.internal:
            await self.session.execute(_TO_PUBLIC, {"role": PUBLIC_ROLE})


_OPEN_RAW = (
    "SELECT m.id, m.name, m.working_crs, m.default_language,"
    " ST_XMin(m.boundary), ST_YMin(m.boundary), ST_XMax(m.boundary), ST_YMax(m.boundary),"
    " set_config('gisapp.municipality_id', m.id::text, true),"
    " set_config('role', CASE WHEN m.id = ANY($2::uuid[]) THEN $3 ELSE $4 END, true),"
    " set_config('plan_cache_mode', 'force_custom_plan', true)"
    " FROM municipality m WHERE m.slug = $1"
)


def _place(slug: str, row) -> Place:
    if row is None:
        raise OgcNotFound(f"no municipality {slug!r}", field="municipality")
    bounds = None if row[4] is None else (row[4], row[5], row[6], row[7])
    return Place(row[0], slug, row[1], row[2], row[3], bounds)


@asynccontextmanager
async def ogc_transaction(request: Request, slug: str, *, defer_public: bool = False,
                          fast: bool = False) -> AsyncIterator[OgcContext]:
    """One transaction for an OGC request on municipality ``slug`` (404 when unknown).

    ``defer_public``: stay ``gisapp_app`` for public callers until
    :meth:`OgcContext.become_public`, to read the attribute schemas of the public types
    (names and kinds of the public attributes, which the public sees in the data anyway);
    the public role itself may not read the schemas.

    ``fast``: the hot paths (items, tiles) of anonymous callers run on the app's plain
    asyncpg read pool (``app.state.read_pool``) when there is one: no ORM session, no
    pre-ping; BEGIN, one statement for the context, the query, COMMIT.
    """
    authorization = request.headers.get("authorization")
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    pool = getattr(request.app.state, "read_pool", None)
    if fast and pool is not None and not (authorization or cookie) and not defer_public:
        async with pool.acquire() as conn, conn.transaction():
            request.state.principal = auth.ANONYMOUS
            place = _place(slug, await conn.fetchrow(_OPEN_RAW, slug, [], APP_ROLE,
                                                      PUBLIC_ROLE))
            request.state.municipality = place
            yield OgcContext(None, place, auth.ANONYMOUS, None, raw=conn)
        return
    async with request.app.state.sessionmaker() as session:
        async with session.begin():
            principal = auth.ANONYMOUS
            if authorization or cookie:
                # as get_session does: a transaction shared with an earlier request (the
                # tests' savepoints) may still be gisapp_public, which cannot look up
                await set_role(session, APP_ROLE)
                principal = await auth.resolve(session, authorization, cookie)
            request.state.principal = principal
            row = (await session.execute(_OPEN, {
                "slug": slug, "staff_of": list(principal.memberships),
                "staff_role": APP_ROLE,
                "public_role": APP_ROLE if defer_public else PUBLIC_ROLE,
            })).first()
            place = _place(slug, row)
            request.state.municipality = place
            yield OgcContext(session, place, principal, principal.role_in(place.id))
