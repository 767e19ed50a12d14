"""The principal: who is asking, resolved once per request from an API token (Bearer) or
the session cookie; anonymous otherwise. Roles are per municipality."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from gisapp.auth.credentials import hash_secret
from gisapp.database import set_context
from gisapp.errors import GisappError
from gisapp.models import Membership

SESSION_COOKIE = "gisapp_session"

# What each role may do. Admins may do everything planners may, planners what crews may.
PERMISSIONS: dict[str, frozenset[str]] = {
    "crew": frozenset({"asset.read", "asset.write", "maintenance.write", "type.read",
                       "tag.write"}),
}
PERMISSIONS["planner"] = PERMISSIONS["crew"] | {"asset.decommission", "data.export",
                                                 "data.import", "labels.print",
                                                 "maintenance.review"}
PERMISSIONS["admin"] = PERMISSIONS["planner"] | {"type.manage", "user.manage", "token.manage",
                                                 "settings.manage"}


class Unauthenticated(GisappError):
    status_code = 401
    code = "unauthenticated"
    headers = {"WWW-Authenticate": 'Bearer realm="gisapp"'}


class Forbidden(GisappError):
    status_code = 403
    code = "forbidden"


@dataclass(frozen=True)
class Principal:
    kind: Literal["anonymous", "user", "token"]
    user_id: uuid.UUID | None = None
    username: str | None = None
    display_name: str = ""
    is_superuser: bool = False
    language: str | None = None
    session_id: uuid.UUID | None = None
    csrf_token: str | None = None
    token_id: uuid.UUID | None = None
    token_name: str | None = None
    memberships: dict[uuid.UUID, str] = field(default_factory=dict)

    @property
    def actor(self) -> str:
        """How the change history names this caller."""
        if self.kind == "user":
            return f"user:{self.username}"
        if self.kind == "token":
            return f"token:{self.token_name}"
        return "public"

    def role_in(self, municipality_id: uuid.UUID) -> str | None:
        return self.memberships.get(municipality_id)

    def may(self, municipality_id: uuid.UUID, permission: str) -> bool:
        role = self.role_in(municipality_id)
        return role is not None and permission in PERMISSIONS[role]


ANONYMOUS = Principal(kind="anonymous")


async def from_token(session: AsyncSession, token: str) -> Principal:
    """An API token's principal: one municipality, one role. Unknown/revoked → 401."""
    row = (await session.execute(
        text("SELECT municipality_id, token_id, role, name FROM gisapp_token_lookup(:h)"),
        {"h": hash_secret(token)},
    )).first()
    if row is None:
        raise Unauthenticated("the API token is unknown, expired or revoked",
                              field="Authorization")
    return Principal(kind="token", token_id=row.token_id, token_name=row.name,
                     memberships={row.municipality_id: row.role})


async def from_session_cookie(session: AsyncSession, cookie: str) -> Principal | None:
    """The logged-in user with their memberships, or None when the cookie is stale."""
    row = (await session.execute(
        text("SELECT * FROM gisapp_session_lookup(:h)"), {"h": hash_secret(cookie)}
    )).first()
    if row is None:
        return None
    await set_context(session, actor=f"user:{row.username}", user_id=row.user_id)
    roles = await session.execute(
        select(Membership.municipality_id, Membership.role).where(Membership.user_id == row.user_id)
    )
    return Principal(
        kind="user", user_id=row.user_id, username=row.username,
        display_name=row.display_name, is_superuser=row.is_superuser,
        language=row.preferred_language, session_id=row.session_id,
        csrf_token=row.csrf_token, memberships=dict(roles.all()),
    )


def bearer_credentials(authorization: str) -> str:
    """The token of an ``Authorization: Bearer <token>`` header; 401 for anything else."""
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthenticated("expected 'Authorization: Bearer <token>'", field="Authorization")
    return credentials.strip()


async def resolve(session: AsyncSession, authorization: str | None,
                  cookie: str | None) -> Principal:
    """Bearer token first (scripts), then the session cookie (people), else anonymous."""
    if authorization:
        return await from_token(session, bearer_credentials(authorization))
    if cookie:
        found = await from_session_cookie(session, cookie)
        if found:
            return found
    return ANONYMOUS
