"""The transaction of one OGC request, set up in as few round trips as possible.

The routes of the service are read by GIS programs in bursts (a map pan asks for dozens of
tiles, a layer for hundreds of pages), so the usual dependency chain (session, principal,
municipality, role: three to four statements) is folded: the caller is resolved only when
credentials came, and one statement finds the municipality by its slug, narrows the
transaction to it (row-level security follows), picks the database role and sets
``plan_cache_mode``. The rules are the same as in :mod:`gisapp.dependencies`: staff of the
municipality read as ``gisapp_app``, everybody else as ``gisapp_public``.

The public's items pages and tiles go further (:func:`public_connection`): one round trip,
the answering statement alone, on connections that are the public for good and stay
narrowed to the municipality they last served.

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
from gisapp.messages import N_, Message
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

    session: AsyncSession
    place: Place
    principal: Principal
    role: str | None

    @property
    def internal(self) -> bool:
        """Staff of the municipality: internal fields and non-public assets."""
        return self.role is not None

    async def conn(self):
        raw = await (await self.session.connection()).get_raw_connection()
        return raw.driver_connection

    async def become_public(self) -> None:
        """After reading what only the app role may (type schemas), drop to the public
        role for the data (see :func:`ogc_transaction`, ``defer_public``)."""
        if not self.internal:
            await self.session.execute(_TO_PUBLIC, {"role": PUBLIC_ROLE})


def _place(slug: str, row) -> Place:
    if row is None:
        raise OgcNotFound(Message(N_("no municipality %(slug)s"), slug=repr(slug)),
                          field="municipality")
    bounds = None if row[4] is None else (row[4], row[5], row[6], row[7])
    return Place(row[0], slug, row[1], row[2], row[3], bounds)


@asynccontextmanager
async def ogc_transaction(request: Request, slug: str, *, defer_public: bool = False
                          ) -> AsyncIterator[OgcContext]:
    """One transaction for an OGC request on municipality ``slug`` (404 when unknown).

    ``defer_public``: stay ``gisapp_app`` for public callers until
    :meth:`OgcContext.become_public`, to read the attribute schemas of the public types
    (names and kinds of the public attributes, which the public sees in the data anyway);
    the public role itself may not read the schemas.

    The public's hot reads (items pages, tiles) take :func:`public_connection` instead.
    """
    authorization = request.headers.get("authorization")
    cookie = request.cookies.get(auth.SESSION_COOKIE)
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


def anonymous(request: Request) -> bool:
    """No credentials came: the caller is the public."""
    return not (request.headers.get("authorization")
                or request.cookies.get(auth.SESSION_COOKIE))


# how long a public connection trusts what it read of its municipality (name, CRS, bounds)
PLACE_TTL_S = 10.0
_NARROW = (
    "SELECT m.id, m.name, m.working_crs, m.default_language,"
    " ST_XMin(m.boundary), ST_YMin(m.boundary), ST_XMax(m.boundary), ST_YMax(m.boundary),"
    " set_config('gisapp.municipality_id', m.id::text, $2)"
    " FROM municipality m WHERE m.slug = $1"
)


@asynccontextmanager
async def public_connection(request: Request, slug: str) -> AsyncIterator[tuple[object, Place]]:
    """A connection that reads as the public in municipality ``slug`` (404 when unknown),
    for statements whose answer is passed through; one round trip each.

    From the app's public pool (``database.make_public_pool``): its connections are
    ``gisapp_public`` for good and stay narrowed to the municipality they last served, so
    a burst of pages or tiles of one municipality runs nothing but its own statements. The
    statements name the municipality themselves (``$1``) as well: should the connection's
    setting ever differ, row-level security and the statement disagree and the answer is
    empty, never another municipality's. A 404 raised inside makes the connection narrow
    itself again next time.

    Without a public pool (the tests' shared, rolled-back transaction) the same is set up
    for the enclosing transaction only.
    """
    request.state.principal = auth.ANONYMOUS
    pool = getattr(request.app.state, "public_pool", None)
    if pool is None:
        async with request.app.state.sessionmaker() as session:
            conn = (await (await session.connection()).get_raw_connection()).driver_connection
            await conn.execute(f"SET LOCAL ROLE {PUBLIC_ROLE};"
                               " SET LOCAL plan_cache_mode = force_custom_plan")
            place = _place(slug, await conn.fetchrow(_NARROW, slug, True))
            request.state.municipality = place
            yield conn, place
        return
    async with pool.acquire() as conn:
        place = conn.narrowed_to(slug, PLACE_TTL_S)
        if place is None:
            conn.forget_narrowing()  # until the setting is known to have taken
            place = _place(slug, await conn.fetchrow(_NARROW, slug, False))
            conn.remember_narrowing(slug, place)
        request.state.municipality = place
        try:
            yield conn, place
        except OgcNotFound:
            conn.forget_narrowing()  # narrow again next time, whatever went wrong
            raise


@asynccontextmanager
async def caller_connection(request: Request, slug: str
                            ) -> AsyncIterator[tuple[object, Place, bool]]:
    """A connection for one statement whose answer is passed through, reading as the
    caller: the public pool for the public (:func:`public_connection`), else the request's
    transaction (:func:`ogc_transaction`). Yields the connection, the municipality and
    whether the caller is its staff (internal fields, non-public assets)."""
    if anonymous(request):
        async with public_connection(request, slug) as (conn, place):
            yield conn, place, False
        return
    async with ogc_transaction(request, slug) as ctx:
        yield await ctx.conn(), ctx.place, ctx.internal
