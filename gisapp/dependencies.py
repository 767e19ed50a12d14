"""Request dependencies, as ``Annotated`` aliases routers declare by type.

``SessionDep`` is the request's one transaction. Its scope is "function": the commit runs
when the route returns and before the response is sent, so a client never sees a success
for a write that did not commit. The caller is resolved inside that transaction, and the
transaction is narrowed to the municipality in the path (row-level security follows): as
staff (``gisapp_app``) when the caller has a role there, else as the public
(``gisapp_public``).
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.auth import principal as auth
from gisapp.auth.principal import Forbidden, Principal, Unauthenticated
from gisapp.database import APP_ROLE, PUBLIC_ROLE, set_context, set_municipality, set_role
from gisapp.errors import NotFound
from gisapp.municipalities import service as municipalities
from gisapp.municipalities.schemas import MunicipalityRef
from gisapp.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def _check_csrf(request: Request, principal: Principal) -> None:
    """Writes authenticated by the cookie must prove they come from our own pages."""
    if request.method in SAFE_METHODS or principal.kind != "user":
        return
    origin = request.headers.get("origin")
    if origin and origin != "null":
        allowed = {_origin(request.app.state.settings.server.public_base_url),
                   _origin(str(request.base_url))}
        if origin.rstrip("/") not in allowed:
            raise Forbidden(f"cross-site request from {origin} refused", field="Origin")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get("csrf_token")
    if not sent or not hmac.compare_digest(str(sent), principal.csrf_token or ""):
        raise Forbidden(f"missing or wrong CSRF token (send the {CSRF_HEADER} header)",
                        field=CSRF_HEADER)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        async with session.begin():
            await set_role(session, APP_ROLE)
            principal = await auth.resolve(
                session, request.headers.get("authorization"),
                request.cookies.get(auth.SESSION_COOKIE),
            )
            request.state.principal = principal
            await _check_csrf(request, principal)
            await set_context(session, actor=principal.actor, user_id=principal.user_id,
                              superuser=principal.is_superuser)
            yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def get_principal(request: Request, _: SessionDep) -> Principal:
    return request.state.principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_actor(principal: PrincipalDep) -> str:
    """Who acts, as the change history names them."""
    return principal.actor


ActorDep = Annotated[str, Depends(get_actor)]


@dataclass(frozen=True)
class Access:
    """The caller in one municipality: their role there (None: the public)."""

    municipality: MunicipalityRef
    principal: Principal
    role: str | None

    @property
    def internal(self) -> bool:
        """May see internal fields and non-public assets."""
        return self.role is not None

    def require(self, permission: str) -> None:
        """401 for the anonymous, 404 for outsiders (nothing is revealed), 403 for members
        whose role lacks the permission."""
        if self.principal.may(self.municipality.id, permission):
            return
        if self.principal.kind == "anonymous":
            raise Unauthenticated("log in or send an API token")
        if self.role is None:
            raise NotFound("not found")
        raise Forbidden(f"the role {self.role!r} may not do this ({permission})")


async def get_access(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    municipality: Annotated[str, Path(description="The municipality's slug, e.g. demo")],
) -> Access:
    """The municipality named in the path becomes the transaction's tenant."""
    found = await municipalities.get_ref(session, municipality)
    role = principal.role_in(found.id)
    await set_municipality(session, found.id, None if role else PUBLIC_ROLE)
    return Access(municipality=found, principal=principal, role=role)


AccessDep = Annotated[Access, Depends(get_access)]


def requires(permission: str):
    """A dependency that checks one permission in the path's municipality."""

    async def check(access: AccessDep) -> Access:
        access.require(permission)
        return access

    return Depends(check)


def Permission(permission: str):  # noqa: N802 - reads like a type in signatures
    return Annotated[Access, requires(permission)]
